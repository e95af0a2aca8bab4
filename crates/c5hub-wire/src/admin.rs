//! Administration: who the caller is, organisations, users, API tokens
//! and the audit log.

use c5hub_store::{AuditEntry, Org, TokenInfo, User};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// `GET /api/v1/me`: who the caller is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Me {
    /// The user's e-mail address or the token's name.
    pub name: String,
    /// The caller's organisation.
    pub org: String,
    /// `viewer`, `reporter`, `analyst` or `admin`.
    pub role: String,
    /// The CSRF token a session's writes carry (`null` for a bearer token).
    pub csrf: Option<String>,
}

/// A member organisation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrgAnswer {
    /// Its name (what sharing lists name).
    pub name: String,
    /// Its kind (`cirt`, `operator`, `regulator`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl From<&Org> for OrgAnswer {
    fn from(o: &Org) -> Self {
        OrgAnswer {
            name: o.name.clone(),
            kind: o.kind.as_str().to_owned(),
            created_at: time(o.created_at),
        }
    }
}

/// `POST /api/v1/orgs`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewOrg {
    /// Its name.
    pub name: String,
    /// Its kind.
    #[serde(rename = "type")]
    pub kind: String,
}

/// A user, without its password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserAnswer {
    /// Its id.
    pub id: i64,
    /// Its e-mail address (the login).
    pub email: String,
    /// Its organisation.
    pub org: String,
    /// Its role.
    pub role: String,
    /// Whether it can log in with a password.
    pub has_password: bool,
    /// Whether it is disabled.
    pub disabled: bool,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl From<&User> for UserAnswer {
    fn from(u: &User) -> Self {
        UserAnswer {
            id: u.id,
            email: u.email.clone(),
            org: u.org.clone(),
            role: u.role.as_str().to_owned(),
            has_password: u.has_password,
            disabled: u.disabled,
            created_at: time(u.created_at),
        }
    }
}

/// `POST /api/v1/users`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    /// Its e-mail address.
    pub email: String,
    /// Its organisation.
    pub org: String,
    /// Its role.
    pub role: String,
    /// Its password (absent: it logs in with tokens only).
    #[serde(default)]
    pub password: Option<String>,
}

/// `PATCH /api/v1/users/{email}`: what to change (absent fields stay).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserChange {
    /// A new role (admin, analyst, reporter, viewer).
    #[serde(default)]
    pub role: Option<String>,
    /// `true` disables the user (ending their sessions), `false` enables it.
    #[serde(default)]
    pub disabled: Option<bool>,
    /// A new password (12+ characters).
    #[serde(default)]
    pub password: Option<String>,
}

/// An API token, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenAnswer {
    /// Its id.
    pub id: i64,
    /// The organisation it acts for.
    pub org: String,
    /// The role it acts with.
    pub role: String,
    /// The user it belongs to, if any.
    pub user: Option<String>,
    /// Its label.
    pub label: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it expires (RFC 3339; `null`: never).
    pub expires_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
}

impl From<&TokenInfo> for TokenAnswer {
    fn from(x: &TokenInfo) -> Self {
        TokenAnswer {
            id: x.id,
            org: x.org.clone(),
            role: x.role.as_str().to_owned(),
            user: x.user.clone(),
            label: x.label.clone(),
            created_at: time(x.created_at),
            expires_at: time_opt(x.expires_at),
            revoked_at: time_opt(x.revoked_at),
            last_used_at: time_opt(x.last_used_at),
        }
    }
}

/// `POST /api/v1/tokens`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    /// The organisation it acts for.
    pub org: String,
    /// The role it acts with.
    pub role: String,
    /// The user it belongs to.
    #[serde(default)]
    pub user: Option<String>,
    /// Its label.
    #[serde(default)]
    pub label: Option<String>,
    /// When it expires (RFC 3339); absent: never.
    #[serde(default)]
    pub expires_at: Option<String>,
}

/// A new token: the token, and its secret, which no other answer holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedToken {
    /// Its id.
    pub id: i64,
    /// The organisation it acts for.
    pub org: String,
    /// The role it acts with.
    pub role: String,
    /// The user it belongs to, if any.
    pub user: Option<String>,
    /// Its label.
    pub label: Option<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
    /// When it expires (RFC 3339; `null`: never).
    pub expires_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
    /// The secret (`c5h_...`), shown once.
    pub token: String,
}

impl CreatedToken {
    /// The new token `x` with its `secret`.
    pub fn new(x: &TokenInfo, secret: String) -> Self {
        let t = TokenAnswer::from(x);
        CreatedToken {
            id: t.id,
            org: t.org,
            role: t.role,
            user: t.user,
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            last_used_at: t.last_used_at,
            token: secret,
        }
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditAnswer {
    /// Its id (the cursor of the next page).
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who acted.
    pub actor: String,
    /// The actor's organisation.
    pub org: Option<String>,
    /// What was done (`user.add`, `incident.status`, ...).
    pub action: String,
    /// To what.
    pub target: Option<String>,
    /// The details.
    pub detail: Option<String>,
}

impl From<&AuditEntry> for AuditAnswer {
    fn from(a: &AuditEntry) -> Self {
        AuditAnswer {
            id: a.id,
            at: time(a.at),
            actor: a.actor.clone(),
            org: a.org.clone(),
            action: a.action.clone(),
            target: a.target.clone(),
            detail: a.detail.clone(),
        }
    }
}

/// `GET /api/v1/audit`: a page of the audit log, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPage {
    /// The lines.
    pub items: Vec<AuditAnswer>,
    /// `cursor` for the next page (`null`: this is the last).
    pub next_cursor: Option<String>,
}

impl AuditPage {
    /// A page of `rows` asked with `limit`: a full page has a next one.
    pub fn new(rows: &[AuditEntry], limit: usize) -> Self {
        let next_cursor = if rows.len() == limit {
            rows.last().map(|a| a.id.to_string())
        } else {
            None
        };
        AuditPage {
            items: rows.iter().map(AuditAnswer::from).collect(),
            next_cursor,
        }
    }
}
