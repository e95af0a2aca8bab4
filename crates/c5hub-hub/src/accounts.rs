//! Accounts: organisations, users, API tokens and the audit log, and the
//! rule of who administers what.
//!
//! # The administration rule
//!
//! - **Hub administration** — adding organisations, managing any
//!   organisation's users and tokens, reading the whole audit log — belongs
//!   to the admins of the hub operator's organisation, and to whoever runs
//!   the command line on the store itself (they hold the database).
//! - **A member organisation's admin** manages its own organisation only:
//!   it lists, adds and revokes its own users and tokens, grants at most its
//!   own role, reads its own organisation's audit lines, and adds no
//!   organisation.
//! - Nobody else administers anything. Every member may list the
//!   organisations (they name them in sharing lists).
//!
//! Another organisation's token or user is answered as "not found", the same
//! as one that does not exist, so an admin learns nothing of other members'
//! accounts.

use c5hub_model::{OrgKind, Role};
use c5hub_store::{AuditEntry, Org, Principal, Store, TokenInfo, User};
use chrono::{DateTime, Utc};

use crate::Error;

/// Who acts.
#[derive(Clone, Debug)]
pub enum Authority {
    /// Whoever runs the command line on the store itself: they hold the
    /// database, so they hold the hub. `name` goes into the audit log.
    Console {
        /// The audit log's actor (`cli:USER`).
        name: String,
    },
    /// The command line reading as member organisation `org` (`--as`):
    /// it reads what that organisation reads and changes nothing.
    ReadingAs {
        /// The organisation whose reads it makes.
        org: String,
    },
    /// Nobody logged in, on a hub that serves TLP:CLEAR to the public:
    /// reads CLEAR incidents, never sees who acted.
    Public,
    /// An authenticated user or token of a member organisation, on a hub
    /// operated by `hub_org`.
    Member {
        /// Who authenticated.
        principal: Principal,
        /// The hub operator's organisation (the server's `org` setting).
        hub_org: String,
    },
}

/// What an administrator may manage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminScope {
    /// The whole hub.
    Hub,
    /// One organisation's users, tokens and audit lines.
    Org(String),
}

impl AdminScope {
    /// Whether the scope covers organisation `org`'s accounts.
    pub fn covers(&self, org: &str) -> bool {
        match self {
            AdminScope::Hub => true,
            AdminScope::Org(own) => own == org,
        }
    }

    /// The organisation a listing is limited to; `None` for the whole hub.
    pub(crate) fn only(&self) -> Option<&str> {
        match self {
            AdminScope::Hub => None,
            AdminScope::Org(own) => Some(own),
        }
    }
}

impl Authority {
    /// A member acting on a hub operated by `hub_org`.
    pub fn member(principal: Principal, hub_org: impl Into<String>) -> Authority {
        Authority::Member {
            principal,
            hub_org: hub_org.into(),
        }
    }

    /// The audit log's actor.
    pub fn name(&self) -> &str {
        match self {
            Authority::Console { name } => name,
            Authority::ReadingAs { org } => org,
            Authority::Public => "public",
            Authority::Member { principal, .. } => &principal.name,
        }
    }

    /// The organisation acted for, for the audit log (`None` on the console).
    pub fn org(&self) -> Option<&str> {
        match self {
            Authority::Console { .. } | Authority::Public => None,
            Authority::ReadingAs { org } => Some(org),
            Authority::Member { principal, .. } => Some(&principal.org),
        }
    }

    /// What this caller may administer, if anything.
    pub fn admin_scope(&self) -> Option<AdminScope> {
        match self {
            Authority::Console { .. } => Some(AdminScope::Hub),
            Authority::ReadingAs { .. } | Authority::Public => None,
            Authority::Member { principal, hub_org } => {
                if !principal.role.can_administer() {
                    None
                } else if principal.org == *hub_org {
                    Some(AdminScope::Hub)
                } else {
                    Some(AdminScope::Org(principal.org.clone()))
                }
            }
        }
    }

    /// The most a grant by this caller may give: a member's own role; the
    /// hub's administrators any role.
    fn grantable(&self, scope: &AdminScope) -> Role {
        match (self, scope) {
            (Authority::Member { principal, .. }, AdminScope::Org(_)) => principal.role,
            _ => Role::Admin,
        }
    }

    pub(crate) fn scope_for(&self, what: &str) -> Result<AdminScope, Error> {
        self.admin_scope()
            .ok_or_else(|| Error::Forbidden(format!("only admins may {what}")))
    }

    /// The scope, which must cover `org`: another organisation's accounts
    /// are refused, naming the rule.
    pub(crate) fn scope_over(&self, org: &str, what: &str) -> Result<AdminScope, Error> {
        let scope = self.scope_for(what)?;
        if scope.covers(org) {
            Ok(scope)
        } else {
            Err(Error::Forbidden(format!(
                "an organisation's admin may {what} for its own organisation only, not {org:?}"
            )))
        }
    }

    fn check_grant(&self, scope: &AdminScope, role: Role) -> Result<(), Error> {
        let most = self.grantable(scope);
        if most.includes(role) {
            Ok(())
        } else {
            Err(Error::Forbidden(format!(
                "a {most} may grant at most the role {most}, not {role}"
            )))
        }
    }

    pub(crate) fn audit(
        &self,
        store: &mut Store,
        action: &str,
        target: &str,
        detail: Option<&str>,
    ) -> Result<(), Error> {
        store
            .accounts()
            .audit(self.name(), self.org(), action, Some(target), detail)?;
        Ok(())
    }
}

/// Every organisation: any member may see who the others are.
pub fn orgs(store: &mut Store) -> Result<Vec<Org>, Error> {
    Ok(store.accounts().orgs()?)
}

/// Adds an organisation (hub administration only).
pub fn add_org(
    store: &mut Store,
    who: &Authority,
    name: &str,
    kind: OrgKind,
) -> Result<Org, Error> {
    if who.scope_for("add organisations")? != AdminScope::Hub {
        return Err(Error::Forbidden(
            "only the hub operator's admins may add organisations".to_owned(),
        ));
    }
    let o = store.accounts().add_org(name.trim(), kind)?;
    who.audit(
        store,
        "org.add",
        &format!("org:{}", o.name),
        Some(kind.as_str()),
    )?;
    Ok(o)
}

/// The users the caller administers: the hub's, or its own organisation's.
pub fn users(store: &mut Store, who: &Authority) -> Result<Vec<User>, Error> {
    let scope = who.scope_for("list users")?;
    Ok(match scope.only() {
        Some(org) => store.accounts().users_of(org)?,
        None => store.accounts().users()?,
    })
}

/// A new user, as asked for.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Login name.
    pub email: String,
    /// Organisation.
    pub org: String,
    /// Role.
    pub role: Role,
    /// Password (12+ characters), or none for a token-only user.
    pub password: Option<String>,
}

/// Adds a user to an organisation the caller administers, with a role it
/// may grant.
pub fn add_user(store: &mut Store, who: &Authority, new: &NewUser) -> Result<User, Error> {
    let scope = who.scope_over(&new.org, "add users")?;
    who.check_grant(&scope, new.role)?;
    let u = store
        .accounts()
        .add_user(&new.email, &new.org, new.role, new.password.as_deref())?;
    who.audit(
        store,
        "user.add",
        &format!("user:{}", u.email),
        Some(&format!("{} {}", u.org, u.role)),
    )?;
    Ok(u)
}

/// The tokens the caller administers, newest first.
pub fn tokens(store: &mut Store, who: &Authority) -> Result<Vec<TokenInfo>, Error> {
    let scope = who.scope_for("list tokens")?;
    Ok(store.accounts().tokens(scope.only())?)
}

/// A new API token, as asked for.
#[derive(Clone, Debug)]
pub struct NewToken {
    /// Organisation it acts for.
    pub org: String,
    /// Role it acts with.
    pub role: Role,
    /// The user it belongs to (it then also logs in to the web UI).
    pub user: Option<String>,
    /// What it is for.
    pub label: Option<String>,
    /// When it stops working; `None`: never.
    pub expires_at: Option<DateTime<Utc>>,
}

/// Makes a token for an organisation the caller administers, with a role it
/// may grant. Returns the token and its secret (shown once).
pub fn create_token(
    store: &mut Store,
    who: &Authority,
    new: &NewToken,
) -> Result<(TokenInfo, String), Error> {
    let scope = who.scope_over(&new.org, "make tokens")?;
    who.check_grant(&scope, new.role)?;
    let (info, secret) = store.accounts().create_token(
        &new.org,
        new.role,
        new.user.as_deref(),
        new.label.as_deref(),
        new.expires_at,
        None,
    )?;
    who.audit(
        store,
        "token.create",
        &format!("token:{}", info.id),
        Some(&format!("{} {}", info.org, info.role)),
    )?;
    Ok((info, secret))
}

/// Revokes a token the caller administers. Another organisation's token is
/// "not found", like one that does not exist or is already revoked.
pub fn revoke_token(store: &mut Store, who: &Authority, id: i64) -> Result<TokenInfo, Error> {
    let scope = who.scope_for("revoke tokens")?;
    let missing = || Error::NotFound(format!("token {id} (or already revoked)"));
    let token = store.accounts().token(id)?.ok_or_else(missing)?;
    if !scope.covers(&token.org) || token.revoked_at.is_some() {
        return Err(missing());
    }
    keep_an_admin(store, who, Losing::Token(id), &format!("revoke token {id}"))?;
    if !store.accounts().revoke_token(id)? {
        return Err(missing());
    }
    who.audit(
        store,
        "token.revoke",
        &format!("token:{id}"),
        Some(&format!("{} {}", token.org, token.role)),
    )?;
    Ok(token)
}

/// The hub operator's organisation, as this caller knows it: the server's
/// setting for a member, the store's record on the console (`None` when no
/// server has opened the store: then there is no hub admin to keep).
fn hub_org(store: &mut Store, who: &Authority) -> Result<Option<String>, Error> {
    Ok(match who {
        Authority::Member { hub_org, .. } => Some(hub_org.clone()),
        _ => store.accounts().operator()?,
    })
}

/// A credential an operation takes away from the hub's administrators.
#[derive(Clone, Copy, Debug)]
enum Losing<'a> {
    /// A token, revoked.
    Token(i64),
    /// A user, disabled or given a role below admin: the user's password
    /// and every token that belongs to the user (a token acts with the
    /// lesser of its role and its user's).
    User(&'a str),
}

/// Refuses an operation that would leave the hub operator's organisation
/// with no way to administer the hub: no active admin user who logs in
/// with a password, and no live admin token whose user (if any) is an
/// active admin. Without one, nobody can add users or tokens again short
/// of the command line on the database.
fn keep_an_admin(
    store: &mut Store,
    who: &Authority,
    losing: Losing<'_>,
    what: &str,
) -> Result<(), Error> {
    let Some(hub) = hub_org(store, who)? else {
        return Ok(());
    };
    let users = store.accounts().users_of(&hub)?;
    let admin_user = |email: &str| {
        users
            .iter()
            .any(|u| u.email == email && u.role == Role::Admin && !u.disabled)
    };
    let now = Utc::now();
    let mut credentials: Vec<Losing<'_>> = Vec::new();
    for u in &users {
        if u.role == Role::Admin && !u.disabled && u.has_password {
            credentials.push(Losing::User(&u.email));
        }
    }
    let tokens = store.accounts().tokens(Some(&hub))?;
    let mut token_users: Vec<(i64, Option<&str>)> = Vec::new();
    for t in &tokens {
        let live = t.revoked_at.is_none() && t.expires_at.is_none_or(|e| e > now);
        if live && t.role == Role::Admin && t.user.as_deref().is_none_or(admin_user) {
            credentials.push(Losing::Token(t.id));
            token_users.push((t.id, t.user.as_deref()));
        }
    }
    let lost = |c: &Losing<'_>| match (c, losing) {
        (Losing::Token(id), Losing::Token(gone)) => *id == gone,
        (Losing::User(email), Losing::User(gone)) => *email == gone,
        (Losing::Token(id), Losing::User(gone)) => {
            token_users.iter().any(|(t, u)| t == id && *u == Some(gone))
        }
        (Losing::User(_), Losing::Token(_)) => false,
    };
    let loses_one = credentials.iter().any(lost);
    if loses_one && credentials.iter().all(lost) {
        return Err(Error::Forbidden(format!(
            "cannot {what}: it is the last admin credential of the hub operator {hub:?} \
             (no other active admin user with a password or live admin token); \
             add another admin first"
        )));
    }
    Ok(())
}

/// A user the caller administers (another organisation's is "not found").
fn administered_user(
    store: &mut Store,
    who: &Authority,
    email: &str,
    what: &str,
) -> Result<(AdminScope, User), Error> {
    let scope = who.scope_for(what)?;
    let missing = || Error::NotFound(format!("user {email:?}"));
    let user = store.accounts().user(email)?.ok_or_else(missing)?;
    if !scope.covers(&user.org) {
        return Err(missing());
    }
    Ok((scope, user))
}

/// Disables (or re-enables) a user the caller administers; disabling ends
/// the user's sessions. The last admin credential of the hub stays.
pub fn set_user_disabled(
    store: &mut Store,
    who: &Authority,
    email: &str,
    disabled: bool,
) -> Result<User, Error> {
    let what = if disabled {
        "disable users"
    } else {
        "enable users"
    };
    let (_, user) = administered_user(store, who, email, what)?;
    if disabled {
        keep_an_admin(
            store,
            who,
            Losing::User(&user.email),
            &format!("disable {}", user.email),
        )?;
    }
    store.accounts().set_user_disabled(&user.email, disabled)?;
    who.audit(
        store,
        if disabled {
            "user.disable"
        } else {
            "user.enable"
        },
        &format!("user:{}", user.email),
        None,
    )?;
    Ok(store.accounts().user(&user.email)?.unwrap_or(user))
}

/// Gives a user the caller administers another role, at most one the
/// caller may grant. Demoting the last admin credential is refused.
pub fn set_user_role(
    store: &mut Store,
    who: &Authority,
    email: &str,
    role: Role,
) -> Result<User, Error> {
    let (scope, user) = administered_user(store, who, email, "change roles")?;
    who.check_grant(&scope, role)?;
    // A member's admin may not lower an account above its own role either
    // (it could not have granted it).
    who.check_grant(&scope, user.role)?;
    if role != Role::Admin {
        keep_an_admin(
            store,
            who,
            Losing::User(&user.email),
            &format!("make {} {role}", user.email),
        )?;
    }
    store.accounts().set_user_role(&user.email, role)?;
    who.audit(
        store,
        "user.role",
        &format!("user:{}", user.email),
        Some(&format!("{} -> {role}", user.role)),
    )?;
    Ok(store.accounts().user(&user.email)?.unwrap_or(user))
}

/// Sets a new password for a user the caller administers (12+
/// characters); the audit line never holds it.
pub fn reset_password(
    store: &mut Store,
    who: &Authority,
    email: &str,
    password: &str,
) -> Result<User, Error> {
    let (_, user) = administered_user(store, who, email, "reset passwords")?;
    store
        .accounts()
        .set_password(&user.email, password)
        .map_err(|e| match e {
            c5hub_store::Error::Invalid(detail) => Error::Invalid {
                field: "password",
                detail,
            },
            other => other.into(),
        })?;
    who.audit(
        store,
        "user.password",
        &format!("user:{}", user.email),
        None,
    )?;
    Ok(store.accounts().user(&user.email)?.unwrap_or(user))
}

/// Audit log lines the caller may read, newest first: the whole hub's for
/// the hub's administrators, its own organisation's for a member's admin.
pub fn audit_log(
    store: &mut Store,
    who: &Authority,
    before: Option<i64>,
    limit: usize,
) -> Result<Vec<AuditEntry>, Error> {
    let scope = who.scope_for("read the audit log")?;
    Ok(store.accounts().audit_log_of(scope.only(), before, limit)?)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A member of `org` with `role` on a hub operated by `hub` (the
    /// tests of every module use it).
    pub(crate) fn member(org: &str, role: Role) -> Authority {
        Authority::member(
            Principal {
                org: org.to_owned(),
                role,
                name: format!("{role}@{org}"),
                user_id: None,
                token_id: None,
            },
            "hub",
        )
    }

    #[test]
    fn only_the_operators_admins_administer_the_hub() {
        assert_eq!(
            member("hub", Role::Admin).admin_scope(),
            Some(AdminScope::Hub)
        );
        assert_eq!(
            member("bank", Role::Admin).admin_scope(),
            Some(AdminScope::Org("bank".to_owned()))
        );
        for r in [Role::Analyst, Role::Reporter, Role::Viewer] {
            assert_eq!(member("hub", r).admin_scope(), None);
            assert_eq!(member("bank", r).admin_scope(), None);
        }
        let console = Authority::Console {
            name: "cli:root".to_owned(),
        };
        assert_eq!(console.admin_scope(), Some(AdminScope::Hub));
        assert_eq!(console.org(), None);
    }

    #[test]
    fn a_members_admin_is_held_to_its_own_organisation() {
        let a = member("bank", Role::Admin);
        assert!(a.scope_over("bank", "make tokens").is_ok());
        let e = a.scope_over("hub", "make tokens").expect_err("other org");
        assert!(e.to_string().contains("own organisation only"), "{e}");
        assert!(member("hub", Role::Admin).scope_over("bank", "x").is_ok());
    }
}
