//! Member organisations, users, API tokens and browser sessions.
//!
//! Secrets never reach SQL in the clear: passwords are stored as argon2id
//! hashes (slow on purpose, they are guessable), tokens and session ids as
//! SHA-256 digests (they carry at least 128 random bits, so a fast hash is
//! enough and keeps per-request authentication cheap). A secret is shown
//! once, when it is made, and cannot be read back.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use c5hub_model::{OrgKind, Role};
use chrono::{DateTime, Utc};
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use std::str::FromStr;

use crate::db::{FromRow, NamedRow, Read, Value};
use crate::{Error, Store, now_ms, time};

/// Random bytes in a token or session secret: 192 bits.
const SECRET_BYTES: usize = 24;
/// A token's printable prefix, so leaked tokens are easy to grep for.
const TOKEN_PREFIX: &str = "c5h_";
/// Shortest secret accepted from outside (C5HUB_ADMIN_TOKEN): 128 bits as hex.
pub const MIN_SECRET_CHARS: usize = 32;
/// `last_used_at` is refreshed at most this often, so authentication is a
/// read on nearly every request.
const LAST_USED_GRANULARITY_MS: i64 = 60_000;

/// A member organisation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Org {
    /// Its unique name, as incidents record their reporter.
    pub name: String,
    /// Its type.
    pub kind: OrgKind,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

/// A person who logs in to the web UI.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    /// The store's key.
    pub id: i64,
    /// Login name.
    pub email: String,
    /// Organisation.
    pub org: String,
    /// Role.
    pub role: Role,
    /// Whether a password is set (users without one log in by token only).
    pub has_password: bool,
    /// Disabled users cannot log in; their sessions stop working.
    pub disabled: bool,
    /// When added.
    pub created_at: DateTime<Utc>,
}

/// What a store holds, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Census {
    /// Organisations.
    pub orgs: u64,
    /// Users.
    pub users: u64,
    /// Incidents (current versions).
    pub incidents: u64,
}

/// An API token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenInfo {
    /// The store's key (used to revoke it).
    pub id: i64,
    /// Organisation it acts for.
    pub org: String,
    /// Role it acts with.
    pub role: Role,
    /// The user it belongs to, if any (service tokens have none).
    pub user: Option<String>,
    /// What it is for.
    pub label: Option<String>,
    /// When made.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When revoked.
    pub revoked_at: Option<DateTime<Utc>>,
    /// Last use (to the minute).
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who is acting: the result of authentication.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    /// The organisation acted for; decides what may be read.
    pub org: String,
    /// The role; decides what may be done.
    pub role: Role,
    /// The user's email, for people; `token:<id>` for service tokens.
    pub name: String,
    /// The user's key, for people.
    pub user_id: Option<i64>,
    /// The API token authenticated with, if any: a session opened with it
    /// ends with it.
    pub token_id: Option<i64>,
}

/// A browser session as found by its secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// Who.
    pub principal: Principal,
    /// The token forms must carry (synchronizer-token CSRF protection).
    pub csrf: String,
    /// When it ends.
    pub expires_at: DateTime<Utc>,
}

/// One audit log line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Its key (cursor).
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (user email or `token:<id>`).
    pub actor: String,
    /// For which organisation.
    pub org: Option<String>,
    /// What (`incident.submit`, `token.create`, ...).
    pub action: String,
    /// On what (`incident:42`, `org:bank-csirt`).
    pub target: Option<String>,
    /// Details.
    pub detail: Option<String>,
}

/// A new random secret: prefix + 48 hex digits (192 bits).
pub fn new_secret() -> String {
    let mut bytes = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut bytes);
    format!("{TOKEN_PREFIX}{}", hex::encode(bytes))
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn hash_password(password: &str) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Invalid(format!("cannot hash password: {e}")))
}

/// A hash verified when the user does not exist, so that a wrong email takes
/// as long as a wrong password and does not reveal which accounts exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("c5hub-timing-equaliser").unwrap_or_default())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

fn check_name(what: &str, name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{what} {name:?}: use 1 to 64 characters a-z, A-Z, 0-9, '-', '_' or '.'"
        )))
    }
}

fn role_of(v: &Value) -> Result<Role, Error> {
    v.text()
        .and_then(|r| Role::from_str(r).ok())
        .ok_or_else(|| Error::Corrupt(format!("role {v:?}")))
}

impl FromRow for TokenInfo {
    /// A row of `SELECT {TOKEN_COLS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(TokenInfo {
            id: r.int("id")?.unwrap_or_default(),
            org: r.text("org")?.unwrap_or_default(),
            role: role_of(&r.take("role")?)?,
            user: r.text("user_email")?,
            label: r.text("label")?,
            created_at: r.time("created_at")?.unwrap_or(DateTime::<Utc>::MIN_UTC),
            expires_at: r.time("expires_at")?,
            revoked_at: r.time("revoked_at")?,
            last_used_at: r.time("last_used_at")?,
        })
    }
}

impl FromRow for User {
    /// A row of `SELECT {USER_COLS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(User {
            id: r.int("id")?.unwrap_or_default(),
            email: r.text("email")?.unwrap_or_default(),
            org: r.text("org")?.unwrap_or_default(),
            role: role_of(&r.take("role")?)?,
            has_password: r.text("password_hash")?.is_some(),
            disabled: r.int("disabled")?.unwrap_or(0) != 0,
            created_at: r.time("created_at")?.unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }
}

impl FromRow for Org {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let kind = r.take("kind")?;
        Ok(Org {
            name: r.text("name")?.unwrap_or_default(),
            kind: kind
                .text()
                .and_then(|k| OrgKind::from_str(k).ok())
                .ok_or_else(|| Error::Corrupt(format!("organisation kind {kind:?}")))?,
            created_at: r.time("created_at")?.unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }
}

impl FromRow for AuditEntry {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(AuditEntry {
            id: r.int("id")?.unwrap_or_default(),
            at: r.time("at")?.unwrap_or(DateTime::<Utc>::MIN_UTC),
            actor: r.text("actor")?.unwrap_or_default(),
            org: r.text("org")?,
            action: r.text("action")?.unwrap_or_default(),
            target: r.text("target")?,
            detail: r.text("detail")?,
        })
    }
}

/// What checking a password reads of a user.
struct Credentials {
    id: Option<i64>,
    org: Option<String>,
    role: Value,
    password_hash: Option<String>,
    disabled: Option<i64>,
}

impl FromRow for Credentials {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Credentials {
            id: r.int("id")?,
            org: r.text("org")?,
            role: r.take("role")?,
            password_hash: r.text("password_hash")?,
            disabled: r.int("disabled")?,
        })
    }
}

/// A live token with its user, if it has one.
struct LiveToken {
    id: Option<i64>,
    org: Option<String>,
    role: Value,
    user_email: Option<String>,
    last_used_at: Option<i64>,
    user_id: Option<i64>,
    user_disabled: Option<i64>,
}

impl FromRow for LiveToken {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(LiveToken {
            id: r.int("id")?,
            org: r.text("org")?,
            role: r.take("role")?,
            user_email: r.text("user_email")?,
            last_used_at: r.int("last_used_at")?,
            user_id: r.int("user_id")?,
            user_disabled: r.int("user_disabled")?,
        })
    }
}

/// A live session with its user and, when it was opened with one, token.
struct LiveSession {
    csrf: Option<String>,
    expires_at: Option<i64>,
    user_id: Option<i64>,
    email: Option<String>,
    org: Option<String>,
    user_role: Value,
    token_id: Option<i64>,
    token_role: Value,
    token_expires_at: Option<i64>,
}

impl FromRow for LiveSession {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(LiveSession {
            csrf: r.text("csrf")?,
            expires_at: r.int("expires_at")?,
            user_id: r.int("user_id")?,
            email: r.text("email")?,
            org: r.text("org")?,
            user_role: r.take("user_role")?,
            token_id: r.int("token_id")?,
            token_role: r.take("token_role")?,
            token_expires_at: r.int("token_expires_at")?,
        })
    }
}

const TOKEN_COLS: &str =
    "id, org, role, user_email, label, created_at, expires_at, revoked_at, last_used_at";
const USER_COLS: &str = "id, email, org, role, password_hash, disabled, created_at";

/// Organisations, users, API tokens, sessions and the audit log: a handle on the store ([`Store::accounts`]).
pub struct Accounts<'a> {
    pub(crate) st: &'a mut Store,
}

impl Accounts<'_> {
    /// Adds an organisation; an existing name is an error.
    pub fn add_org(&mut self, name: &str, kind: OrgKind) -> Result<Org, Error> {
        check_name("organisation name", name)?;
        if self.org(name)?.is_some() {
            return Err(Error::Conflict(format!("organisation {name:?} exists")));
        }
        let now = now_ms();
        self.st.db.execute(
            "INSERT INTO orgs (name, kind, created_at) VALUES ($1, $2, $3)",
            &[name.into(), kind.as_str().into(), now.into()],
        )?;
        Ok(Org {
            name: name.to_owned(),
            kind,
            created_at: time(&now.into()).unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }

    /// An organisation by name.
    pub fn org(&mut self, name: &str) -> Result<Option<Org>, Error> {
        self.st.db.one(
            "SELECT name, kind, created_at FROM orgs WHERE name = $1",
            &[name.into()],
        )
    }

    /// Every organisation, by name.
    pub fn orgs(&mut self) -> Result<Vec<Org>, Error> {
        self.st
            .db
            .all("SELECT name, kind, created_at FROM orgs ORDER BY name", &[])
    }

    /// Adds a user of an existing organisation.
    pub fn add_user(
        &mut self,
        email: &str,
        org: &str,
        role: Role,
        password: Option<&str>,
    ) -> Result<User, Error> {
        let email = email.trim().to_ascii_lowercase();
        if email.len() > 254 || !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(Error::Invalid(format!(
                "user email {email:?} is not an email address"
            )));
        }
        if self.org(org)?.is_none() {
            return Err(Error::NotFound(format!("organisation {org:?}")));
        }
        if self.user(&email)?.is_some() {
            return Err(Error::Conflict(format!("user {email:?} exists")));
        }
        let hash = match password {
            Some(p) => Some(checked_hash(p)?),
            None => None,
        };
        self.st.db.execute(
            "INSERT INTO users (email, org, role, password_hash, disabled, created_at) VALUES ($1, $2, $3, $4, 0, $5)",
            &[email.as_str().into(), org.into(), role.as_str().into(), hash.into(), now_ms().into()],
        )?;
        self.user(&email)?
            .ok_or_else(|| Error::Corrupt(format!("user {email:?} vanished")))
    }

    /// A user by email.
    pub fn user(&mut self, email: &str) -> Result<Option<User>, Error> {
        let email = email.trim().to_ascii_lowercase();
        self.st.db.one(
            &format!("SELECT {USER_COLS} FROM users WHERE email = $1"),
            &[email.into()],
        )
    }

    /// Every user, by organisation and email.
    pub fn users(&mut self) -> Result<Vec<User>, Error> {
        self.st.db.all(
            &format!("SELECT {USER_COLS} FROM users ORDER BY org, email"),
            &[],
        )
    }

    /// The users of one organisation, by email.
    pub fn users_of(&mut self, org: &str) -> Result<Vec<User>, Error> {
        self.st.db.all(
            &format!("SELECT {USER_COLS} FROM users WHERE org = $1 ORDER BY email"),
            &[org.into()],
        )
    }

    /// Sets a user's password.
    pub fn set_password(&mut self, email: &str, password: &str) -> Result<(), Error> {
        let hash = checked_hash(password)?;
        let n = self.st.db.execute(
            "UPDATE users SET password_hash = $1 WHERE email = $2",
            &[hash.into(), email.trim().to_ascii_lowercase().into()],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("user {email:?}")));
        }
        Ok(())
    }

    /// Changes a user's role. Their sessions act with the new role from
    /// their next request (a session reads the user's role each time).
    pub fn set_user_role(&mut self, email: &str, role: Role) -> Result<(), Error> {
        let n = self.st.db.execute(
            "UPDATE users SET role = $1 WHERE email = $2",
            &[
                role.as_str().into(),
                email.trim().to_ascii_lowercase().into(),
            ],
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("user {email:?}")));
        }
        Ok(())
    }

    /// The hub operator's organisation, as the server recorded it at its
    /// last start (`None` on a store no server has opened).
    pub fn operator(&mut self) -> Result<Option<String>, Error> {
        let v = self.st.db.texts(
            "SELECT value FROM hub_settings WHERE name = 'operator'",
            &[],
            "value",
        )?;
        Ok(v.into_iter().next())
    }

    /// How many organisations, users and incidents the store holds (what
    /// `serve` says it found at start).
    pub fn census(&mut self) -> Result<Census, Error> {
        let mut count = |table: &str| -> Result<u64, Error> {
            let n = self
                .st
                .db
                .int(&format!("SELECT COUNT(*) AS n FROM {table}"), &[], "n")?;
            Ok(u64::try_from(n.unwrap_or(0)).unwrap_or(0))
        };
        Ok(Census {
            orgs: count("orgs")?,
            users: count("users")?,
            incidents: count("incidents")?,
        })
    }

    /// Records the hub operator's organisation (which must exist).
    pub fn set_operator(&mut self, org: &str) -> Result<(), Error> {
        if self.org(org)?.is_none() {
            return Err(Error::NotFound(format!("organisation {org:?}")));
        }
        self.st.db.execute(
            "INSERT INTO hub_settings (name, value) VALUES ('operator', $1) \
             ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            &[org.into()],
        )?;
        Ok(())
    }

    /// Disables or re-enables a user; disabling ends their sessions.
    pub fn set_user_disabled(&mut self, email: &str, disabled: bool) -> Result<(), Error> {
        let Some(u) = self.user(email)? else {
            return Err(Error::NotFound(format!("user {email:?}")));
        };
        self.st.db.execute(
            "UPDATE users SET disabled = $1 WHERE id = $2",
            &[i64::from(disabled).into(), u.id.into()],
        )?;
        if disabled {
            self.st
                .db
                .execute("DELETE FROM sessions WHERE user_id = $1", &[u.id.into()])?;
        }
        Ok(())
    }

    /// Checks an email and password; `None` when either is wrong or the
    /// user is disabled. Takes the same time whether or not the user exists.
    pub fn check_password(
        &mut self,
        email: &str,
        password: &str,
    ) -> Result<Option<Principal>, Error> {
        let email = email.trim().to_ascii_lowercase();
        let row = self.st.db.one::<Credentials>(
            "SELECT id, org, role, password_hash, disabled FROM users WHERE email = $1",
            &[email.as_str().into()],
        )?;
        let Some(r) = row else {
            verify_password(password, dummy_hash());
            return Ok(None);
        };
        let Some(hash) = r.password_hash else {
            verify_password(password, dummy_hash());
            return Ok(None);
        };
        if !verify_password(password, &hash) || r.disabled.unwrap_or(0) != 0 {
            return Ok(None);
        }
        Ok(Some(Principal {
            org: r.org.unwrap_or_default(),
            role: role_of(&r.role)?,
            name: email,
            user_id: r.id,
            token_id: None,
        }))
    }

    /// Makes an API token and returns it with its secret, which is shown
    /// only now. With `secret` given (an operator-chosen admin token), that
    /// secret is used; it must have at least [`MIN_SECRET_CHARS`] characters.
    pub fn create_token(
        &mut self,
        org: &str,
        role: Role,
        user: Option<&str>,
        label: Option<&str>,
        expires_at: Option<DateTime<Utc>>,
        secret: Option<&str>,
    ) -> Result<(TokenInfo, String), Error> {
        if self.org(org)?.is_none() {
            return Err(Error::NotFound(format!("organisation {org:?}")));
        }
        if let Some(email) = user {
            match self.user(email)? {
                Some(u) if u.org == org => {}
                Some(_) => {
                    return Err(Error::Invalid(format!(
                        "user {email:?} is not a member of {org:?}"
                    )));
                }
                None => return Err(Error::NotFound(format!("user {email:?}"))),
            }
        }
        let secret = match secret {
            Some(s)
                if s.chars().count() < MIN_SECRET_CHARS || s.chars().any(char::is_whitespace) =>
            {
                return Err(Error::Invalid(format!(
                    "a token needs at least {MIN_SECRET_CHARS} characters and no spaces"
                )));
            }
            Some(s) => s.to_owned(),
            None => new_secret(),
        };
        let now = now_ms();
        self.st.db.execute(
            "INSERT INTO api_tokens (secret_sha256, org, role, user_email, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[
                digest(&secret).into(),
                org.into(),
                role.as_str().into(),
                user.map(|u| u.trim().to_ascii_lowercase()).into(),
                label.into(),
                now.into(),
                expires_at.map(|t| t.timestamp_millis()).into(),
            ],
        )?;
        let token = self
            .st
            .db
            .one(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE secret_sha256 = $1"),
                &[digest(&secret).into()],
            )?
            .ok_or_else(|| Error::Corrupt("new token vanished".to_owned()))?;
        Ok((token, secret))
    }

    /// Whether a token with this secret exists (revoked or not).
    pub fn token_exists(&mut self, secret: &str) -> Result<bool, Error> {
        Ok(self
            .st
            .db
            .query_one(
                "SELECT id FROM api_tokens WHERE secret_sha256 = $1",
                &[digest(secret).into()],
            )?
            .is_some())
    }

    /// Who a bearer token acts for; `None` when unknown, revoked, expired,
    /// or its user is disabled.
    pub fn authenticate_token(&mut self, secret: &str) -> Result<Option<Principal>, Error> {
        if secret.len() > 256 {
            return Ok(None);
        }
        let now = now_ms();
        let Some(r) = self.st.db.one::<LiveToken>(
            "SELECT t.id, t.org, t.role, t.user_email, t.last_used_at, u.id AS user_id, u.disabled AS user_disabled FROM api_tokens t LEFT JOIN users u ON u.email = t.user_email WHERE t.secret_sha256 = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2)",
            &[digest(secret).into(), now.into()],
        )?
        else {
            return Ok(None);
        };
        if r.user_disabled.unwrap_or(0) != 0 {
            return Ok(None);
        }
        let id = r.id.unwrap_or_default();
        if r.last_used_at
            .is_none_or(|t| now - t > LAST_USED_GRANULARITY_MS)
        {
            self.st.db.execute(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                &[now.into(), id.into()],
            )?;
        }
        Ok(Some(Principal {
            org: r.org.unwrap_or_default(),
            role: role_of(&r.role)?,
            name: r.user_email.unwrap_or_else(|| format!("token:{id}")),
            user_id: r.user_id,
            token_id: Some(id),
        }))
    }

    /// Tokens, newest first; of one organisation when `org` is given.
    pub fn tokens(&mut self, org: Option<&str>) -> Result<Vec<TokenInfo>, Error> {
        match org {
            Some(o) => self.st.db.all(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE org = $1 ORDER BY id DESC"),
                &[o.into()],
            ),
            None => self.st.db.all(
                &format!("SELECT {TOKEN_COLS} FROM api_tokens ORDER BY id DESC"),
                &[],
            ),
        }
    }

    /// One token by its id (revoked or not).
    pub fn token(&mut self, id: i64) -> Result<Option<TokenInfo>, Error> {
        self.st.db.one(
            &format!("SELECT {TOKEN_COLS} FROM api_tokens WHERE id = $1"),
            &[id.into()],
        )
    }

    /// Revokes a token; `false` when there is no such (unrevoked) token.
    pub fn revoke_token(&mut self, id: i64) -> Result<bool, Error> {
        Ok(self.st.db.execute(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            &[now_ms().into(), id.into()],
        )? > 0)
    }

    /// Starts a browser session for a user; returns its secret (for the
    /// cookie) and the session. A session opened with an API token
    /// (`token`) ends when the token expires or is revoked, and acts with
    /// the lesser of the token's and the user's role.
    pub fn create_session(
        &mut self,
        user_id: i64,
        token: Option<i64>,
        ttl: chrono::Duration,
    ) -> Result<(String, Session), Error> {
        let secret = new_secret();
        let csrf = new_secret();
        let now = now_ms();
        let expires = now + ttl.num_milliseconds();
        self.st.db.execute(
            "INSERT INTO sessions (secret_sha256, user_id, csrf, created_at, expires_at, token_id) VALUES ($1, $2, $3, $4, $5, $6)",
            &[digest(&secret).into(), user_id.into(), csrf.as_str().into(), now.into(), expires.into(), token.into()],
        )?;
        let session = self
            .session(&secret)?
            .ok_or_else(|| Error::NotFound(format!("user {user_id} (disabled?)")))?;
        Ok((secret, session))
    }

    /// The live session with this secret.
    pub fn session(&mut self, secret: &str) -> Result<Option<Session>, Error> {
        if secret.len() > 256 {
            return Ok(None);
        }
        let now = now_ms();
        // A token-bound session is live only while its token is: the token
        // must exist, be unrevoked and unexpired, and belong to the user.
        let Some(r) = self.st.db.one::<LiveSession>(
            "SELECT s.csrf, s.expires_at, u.id AS user_id, u.email, u.org, u.role AS user_role, s.token_id, t.role AS token_role, t.expires_at AS token_expires_at FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN api_tokens t ON t.id = s.token_id WHERE s.secret_sha256 = $1 AND s.expires_at > $2 AND u.disabled = 0 AND (s.token_id IS NULL OR (t.id IS NOT NULL AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > $2) AND t.user_email = u.email))",
            &[digest(secret).into(), now.into()],
        )?
        else {
            return Ok(None);
        };
        let user_role = role_of(&r.user_role)?;
        let (role, expires_at) = match r.token_id {
            Some(_) => {
                let token_role = role_of(&r.token_role)?;
                let session_end = r.expires_at.unwrap_or(now);
                let end = r
                    .token_expires_at
                    .map_or(session_end, |t| t.min(session_end));
                (user_role.lesser(token_role), time(&end.into()))
            }
            None => (user_role, time(&r.expires_at.into())),
        };
        Ok(Some(Session {
            csrf: r.csrf.unwrap_or_default(),
            expires_at: expires_at.unwrap_or(DateTime::<Utc>::MIN_UTC),
            principal: Principal {
                user_id: r.user_id,
                name: r.email.unwrap_or_default(),
                org: r.org.unwrap_or_default(),
                role,
                token_id: r.token_id,
            },
        }))
    }

    /// Ends a session (logout), and any expired ones.
    pub fn end_session(&mut self, secret: &str) -> Result<(), Error> {
        self.st.db.execute(
            "DELETE FROM sessions WHERE secret_sha256 = $1 OR expires_at <= $2",
            &[digest(secret).into(), now_ms().into()],
        )?;
        Ok(())
    }

    /// Appends to the audit log.
    pub fn audit(
        &mut self,
        actor: &str,
        org: Option<&str>,
        action: &str,
        target: Option<&str>,
        detail: Option<&str>,
    ) -> Result<(), Error> {
        self.st.db.execute(
            "INSERT INTO audit_log (at, actor, org, action, target, detail) VALUES ($1, $2, $3, $4, $5, $6)",
            &[now_ms().into(), actor.into(), org.into(), action.into(), target.into(), detail.into()],
        )?;
        Ok(())
    }

    /// Audit log lines, newest first, below `before` when given.
    pub fn audit_log(
        &mut self,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, Error> {
        self.audit_log_of(None, before, limit)
    }

    /// Audit log lines of one organisation (`Some`) or of the whole hub
    /// (`None`), newest first, below `before` when given.
    pub fn audit_log_of(
        &mut self,
        org: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, Error> {
        let limit = limit.clamp(1, 10_000) as i64;
        let before = before.unwrap_or(i64::MAX);
        match org {
            Some(o) => self.st.db.all(
                "SELECT id, at, actor, org, action, target, detail FROM audit_log WHERE org = $1 AND id < $2 ORDER BY id DESC LIMIT $3",
                &[o.into(), before.into(), limit.into()],
            ),
            None => self.st.db.all(
                "SELECT id, at, actor, org, action, target, detail FROM audit_log WHERE id < $1 ORDER BY id DESC LIMIT $2",
                &[before.into(), limit.into()],
            ),
        }
    }
}

fn checked_hash(password: &str) -> Result<String, Error> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::Invalid(format!(
            "a password needs at least {MIN_PASSWORD_CHARS} characters"
        )));
    }
    if password.len() > 1024 {
        return Err(Error::Invalid(
            "a password has at most 1024 bytes".to_owned(),
        ));
    }
    hash_password(password)
}
