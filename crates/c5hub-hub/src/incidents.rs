//! Changing incidents: triage (status and assignee), co-handlers and
//! comments, with the rule of who may change what.
//!
//! # Who may change what
//!
//! - An incident's **status and assignee** may be changed by the analysts
//!   and admins of the reporting organisation, of the hub operator, and of
//!   the organisations the reporter names as **co-handlers**. Every other
//!   reader is refused (403, with the reason).
//! - **Co-handlers** are named by the analysts and admins of the reporting
//!   organisation or of the hub operator. Naming one gives it no read
//!   access: it must also be able to read the incident (TLP, sharing
//!   lists) to change it.
//! - **TLP and sharing lists** change only with a new version of the
//!   incident, which only its reporter can send (a submission of the same
//!   IncidentID by another organisation is another incident).
//! - Any reader with the `reporter` role or above may **comment**.
//! - Nobody changes what it may not read: an unreadable incident is "not
//!   found", exactly like one that does not exist.
//! - The **assignee** is an active user of an organisation that may handle
//!   the incident (reporter, hub operator or co-handler) and may read it.
//! - Setting a status to the value it already has changes nothing and
//!   writes neither history nor audit line.

use c5hub_model::{IncidentStatus, Viewer};
use c5hub_store::{Comment, MAX_ASSIGNEE_BYTES, MAX_NOTE_BYTES, Principal, Store};

use crate::{Authority, Error};

/// A change to an incident's triage.
#[derive(Clone, Debug, Default)]
pub struct Triage {
    /// The new status.
    pub status: Option<IncidentStatus>,
    /// The new assignee (`Some(None)` clears it).
    pub assignee: Option<Option<String>>,
    /// Why (kept with the status change).
    pub note: Option<String>,
}

/// What the caller may do to one incident it can read: the web page shows
/// only the forms these allow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Permissions {
    /// Change status and assignee.
    pub triage: bool,
    /// Name co-handlers.
    pub name_handlers: bool,
    /// Comment.
    pub comment: bool,
}

/// Whether organisation `org` handles an incident reported by `reporter`
/// with co-handlers `handlers`, on a hub operated by `hub_org`.
pub fn handles(org: &str, hub_org: &str, reporter: &str, handlers: &[String]) -> bool {
    org == reporter || org == hub_org || handlers.iter().any(|h| h == org)
}

/// What `p` may do to an incident of `reporter` with `handlers`, on a hub
/// operated by `hub_org`: the rule above, in one place.
pub fn permissions(
    p: &Principal,
    hub_org: &str,
    reporter: &str,
    handlers: &[String],
) -> Permissions {
    let triager = p.role.can_triage();
    Permissions {
        triage: triager && handles(&p.org, hub_org, reporter, handlers),
        name_handlers: triager && (p.org == reporter || p.org == hub_org),
        comment: p.role.can_comment(),
    }
}

/// The member acting, or a refusal: the command line changes no incident
/// (it acts for no organisation).
fn member(who: &Authority) -> Result<(&Principal, &str), Error> {
    match who {
        Authority::Member { principal, hub_org } => Ok((principal, hub_org)),
        Authority::Console { .. } | Authority::ReadingAs { .. } | Authority::Public => {
            Err(Error::Forbidden(
                "incidents are changed by a member organisation's users, not from the console"
                    .to_owned(),
            ))
        }
    }
}

fn not_found(key: i64) -> Error {
    Error::NotFound(format!("incident {key}"))
}

/// What the caller may do to incident `key`; `None` when it may not read
/// it.
pub fn permissions_on(
    store: &mut Store,
    who: &Authority,
    key: i64,
) -> Result<Option<Permissions>, Error> {
    let (p, hub_org) = member(who)?;
    let viewer = Viewer::member(p.org.clone());
    let Some(reporter) = reporter_if_readable(store, key, &viewer)? else {
        return Ok(None);
    };
    let handlers = store.workflow().handlers(key)?;
    Ok(Some(permissions(p, hub_org, &reporter, &handlers)))
}

fn reporter_if_readable(
    store: &mut Store,
    key: i64,
    viewer: &Viewer,
) -> Result<Option<String>, Error> {
    Ok(store.incidents().incident(key, viewer)?.map(|i| i.reporter))
}

/// Changes an incident's status and/or assignee, with the history and
/// audit lines, if the rule allows it.
pub fn triage(store: &mut Store, who: &Authority, key: i64, t: &Triage) -> Result<(), Error> {
    let (p, hub_org) = member(who)?;
    if let Some(note) = &t.note
        && note.len() > MAX_NOTE_BYTES
    {
        return Err(Error::Invalid {
            field: "/note",
            detail: format!(
                "a note has at most {MAX_NOTE_BYTES} bytes, this one {}",
                note.len()
            ),
        });
    }
    let viewer = Viewer::member(p.org.clone());
    let Some(current) = store.incidents().incident(key, &viewer)? else {
        return Err(not_found(key));
    };
    let handlers = store.workflow().handlers(key)?;
    if !permissions(p, hub_org, &current.reporter, &handlers).triage {
        return Err(Error::Forbidden(if p.role.can_triage() {
            format!(
                "only the reporting organisation ({}), the hub operator ({hub_org}) and the co-handlers the reporter names change this incident; {} may comment",
                current.reporter, p.org
            )
        } else {
            format!("role {} may not change status or assignee", p.role)
        }));
    }
    if let Some(Some(a)) = &t.assignee
        && a.len() > MAX_ASSIGNEE_BYTES
    {
        return Err(Error::Invalid {
            field: "/assignee",
            detail: format!(
                "an assignee is a user's e-mail address of at most {MAX_ASSIGNEE_BYTES} bytes, not {}",
                a.len()
            ),
        });
    }
    if let Some(Some(a)) = &t.assignee {
        // A user of an organisation that handles the incident and reads
        // it: a name that is nobody's would be shown to every reader and
        // could later be taken.
        let fits = match store.accounts().user(a)? {
            Some(u) if !u.disabled => {
                handles(&u.org, hub_org, &current.reporter, &handlers)
                    && store
                        .incidents()
                        .readable_key(key, &Viewer::member(u.org.clone()))?
            }
            _ => false,
        };
        if !fits {
            return Err(Error::Invalid {
                field: "/assignee",
                detail: format!(
                    "{a:?} is not an active user of an organisation that handles this incident (its reporter, the hub operator or a co-handler)"
                ),
            });
        }
    }
    let target = format!("incident:{key}");
    if let Some(to) = t.status
        && to != current.incident.status
    {
        store
            .workflow()
            .set_status(key, to, &p.name, t.note.as_deref())?;
        store.accounts().audit(
            &p.name,
            Some(&p.org),
            "incident.status",
            Some(&target),
            Some(to.as_str()),
        )?;
    }
    if let Some(a) = &t.assignee
        && a.as_deref() != current.assignee.as_deref()
    {
        store.workflow().set_assignee(key, a.as_deref(), &p.name)?;
        store.accounts().audit(
            &p.name,
            Some(&p.org),
            "incident.assign",
            Some(&target),
            a.as_deref(),
        )?;
    }
    Ok(())
}

/// The users incident `key` may be assigned to, for a picker: the active
/// users of the organisations that handle it who may read it, which is
/// exactly what [`triage`] accepts. Only a caller who may triage the
/// incident learns them; anyone else gets an empty list.
pub fn assignable(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<String>, Error> {
    let (p, hub_org) = member(who)?;
    let viewer = Viewer::member(p.org.clone());
    let Some(reporter) = reporter_if_readable(store, key, &viewer)? else {
        return Err(not_found(key));
    };
    let handlers = store.workflow().handlers(key)?;
    if !permissions(p, hub_org, &reporter, &handlers).triage {
        return Ok(Vec::new());
    }
    let mut orgs: Vec<&str> = vec![reporter.as_str(), hub_org];
    orgs.extend(handlers.iter().map(String::as_str));
    orgs.sort_unstable();
    orgs.dedup();
    let mut out = Vec::new();
    for org in orgs {
        if !store
            .incidents()
            .readable_key(key, &Viewer::member(org.to_owned()))?
        {
            continue;
        }
        for u in store.accounts().users_of(org)? {
            if !u.disabled {
                out.push(u.email);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// One incident of a bulk change: its key, and done or why not.
pub type BulkOutcome = (i64, Result<(), Error>);

/// Most incidents one bulk change names.
pub const MAX_BULK: usize = 500;

/// Applies one triage change to each of `keys` (duplicates once, in the
/// order given), each checked against the rule of who may change what as
/// if it were changed alone: one incident refused (not readable, not the
/// caller's to change, an assignee its organisations do not have) does
/// not stop the others. Returns each key with its outcome.
pub fn bulk_triage(
    store: &mut Store,
    who: &Authority,
    keys: &[i64],
    t: &Triage,
) -> Result<Vec<BulkOutcome>, Error> {
    member(who)?;
    if keys.is_empty() {
        return Err(Error::Invalid {
            field: "/ids",
            detail: "name at least one incident".to_owned(),
        });
    }
    if keys.len() > MAX_BULK {
        return Err(Error::Invalid {
            field: "/ids",
            detail: format!(
                "one bulk change names at most {MAX_BULK} incidents, not {}",
                keys.len()
            ),
        });
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for &k in keys {
        if seen.insert(k) {
            out.push((k, triage(store, who, k, t)));
        }
    }
    Ok(out)
}

/// Names an incident's co-handlers (replacing the earlier list).
pub fn set_handlers(
    store: &mut Store,
    who: &Authority,
    key: i64,
    orgs: &[String],
) -> Result<Vec<String>, Error> {
    let (p, hub_org) = member(who)?;
    let viewer = Viewer::member(p.org.clone());
    let Some(reporter) = reporter_if_readable(store, key, &viewer)? else {
        return Err(not_found(key));
    };
    let handlers = store.workflow().handlers(key)?;
    if !permissions(p, hub_org, &reporter, &handlers).name_handlers {
        return Err(Error::Forbidden(format!(
            "only the analysts and admins of the reporting organisation ({reporter}) and of the hub operator ({hub_org}) name co-handlers"
        )));
    }
    if orgs.len() > MAX_HANDLERS {
        return Err(Error::Invalid {
            field: "/handlers",
            detail: format!("at most {MAX_HANDLERS} co-handlers, not {}", orgs.len()),
        });
    }
    let mut orgs: Vec<String> = orgs.iter().map(|o| o.trim().to_owned()).collect();
    orgs.sort();
    orgs.dedup();
    for o in &orgs {
        if store.accounts().org(o)?.is_none() {
            return Err(Error::Invalid {
                field: "/handlers",
                detail: format!("{o:?} is not a member organisation"),
            });
        }
    }
    store.workflow().set_handlers(key, &orgs)?;
    store.accounts().audit(
        &p.name,
        Some(&p.org),
        "incident.handlers",
        Some(&format!("incident:{key}")),
        Some(&orgs.join(",")),
    )?;
    Ok(orgs)
}

/// Most co-handlers an incident names.
pub const MAX_HANDLERS: usize = 100;

/// Adds a comment to an incident the caller may read.
pub fn comment(store: &mut Store, who: &Authority, key: i64, body: &str) -> Result<Comment, Error> {
    let (p, _) = member(who)?;
    // What one may not read is "not found" whatever one's role.
    if !store
        .incidents()
        .readable_key(key, &Viewer::member(p.org.clone()))?
    {
        return Err(not_found(key));
    }
    if !p.role.can_comment() {
        return Err(Error::Forbidden(format!("role {} may not comment", p.role)));
    }
    let c = store
        .workflow()
        .add_comment(key, &p.name, &p.org, body)?
        .ok_or_else(|| not_found(key))?;
    store.accounts().audit(
        &p.name,
        Some(&p.org),
        "incident.comment",
        Some(&format!("incident:{key}")),
        None,
    )?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use c5hub_model::Role;

    fn p(org: &str, role: Role) -> Principal {
        Principal {
            org: org.to_owned(),
            role,
            name: format!("{role}@{org}"),
            user_id: None,
            token_id: None,
        }
    }

    #[test]
    fn the_reporter_the_hub_and_co_handlers_triage_others_comment() {
        let handlers = vec!["energy".to_owned()];
        let may = |org: &str, role: Role| permissions(&p(org, role), "hub", "bank", &handlers);
        for org in ["bank", "hub", "energy"] {
            assert!(may(org, Role::Analyst).triage, "{org}");
            assert!(may(org, Role::Admin).triage, "{org}");
            assert!(!may(org, Role::Reporter).triage, "{org}");
            assert!(!may(org, Role::Viewer).triage, "{org}");
        }
        assert!(!may("telco", Role::Analyst).triage);
        assert!(may("telco", Role::Reporter).comment);
        assert!(!may("telco", Role::Viewer).comment);
        assert!(may("bank", Role::Analyst).name_handlers);
        assert!(may("hub", Role::Admin).name_handlers);
        assert!(
            !may("energy", Role::Analyst).name_handlers,
            "co-handlers do not name others"
        );
    }
}
