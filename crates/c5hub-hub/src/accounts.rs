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
