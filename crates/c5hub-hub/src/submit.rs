//! Submitting incidents: who may submit, which sharing lists are
//! accepted, and the audit line of what was stored.
//!
//! How submissions reach the store (the server's group-commit writer, a
//! bulk import's batches) is the door's mechanism; what is checked before
//! and recorded after is decided here, once.

use c5hub_store::{Outcome, Principal, Store};

use crate::{Authority, Error};

/// The member submitting: users and tokens with the `reporter` role or
/// above. Incidents are always the submitter's organisation's.
pub fn submitter(who: &Authority) -> Result<&Principal, Error> {
    match who {
        Authority::Member { principal, .. } if principal.role.can_submit() => Ok(principal),
        Authority::Member { principal, .. } => Err(Error::Forbidden(format!(
            "role {} may not submit incidents",
            principal.role
        ))),
        _ => Err(Error::Forbidden(
            "incidents are submitted by a member organisation's users".to_owned(),
        )),
    }
}

/// Refuses sharing lists that name an organisation the hub does not have:
/// a name that is not an organisation yet would give access to whoever
/// takes it later. The error names the first list with such a name, and
/// every unknown name.
pub fn check_sharing(
    store: &mut Store,
    shared_with: &[String],
    recipients: &[String],
) -> Result<(), Error> {
    let mut unknown: Vec<(&'static str, &str)> = Vec::new();
    for (field, list) in [("shared_with", shared_with), ("recipients", recipients)] {
        for org in list {
            if store.accounts().org(org)?.is_none() {
                unknown.push((field, org));
            }
        }
    }
    let Some((field, _)) = unknown.first() else {
        return Ok(());
    };
    let said: Vec<String> = unknown
        .iter()
        .map(|(f, org)| format!("{f} names {org:?}, which is not an organisation of this hub"))
        .collect();
    Err(Error::Invalid {
        field,
        detail: said.join("; "),
    })
}

/// Writes the audit line of a stored submission: each IncidentID with the
/// key it was stored under.
pub fn record(
    store: &mut Store,
    who: &Authority,
    stored: &[(Outcome, String)],
) -> Result<(), Error> {
    let summary = stored
        .iter()
        .map(|(o, id)| format!("{id}={}", o.key()))
        .collect::<Vec<_>>()
        .join(" ");
    store.accounts().audit(
        who.name(),
        who.org(),
        "incident.submit",
        None,
        Some(&summary),
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use c5hub_model::Role;

    use super::*;
    use crate::accounts::tests::member;

    #[test]
    fn reporters_and_above_of_a_member_submit_and_nobody_else() {
        for role in [Role::Viewer, Role::Reporter, Role::Analyst, Role::Admin] {
            let who = member("bank", role);
            assert_eq!(submitter(&who).is_ok(), role != Role::Viewer, "{role}");
        }
        for who in [
            Authority::Public,
            Authority::ReadingAs {
                org: "bank".to_owned(),
            },
            Authority::Console {
                name: "cli:root".to_owned(),
            },
        ] {
            assert!(
                matches!(submitter(&who), Err(Error::Forbidden(_))),
                "{who:?}"
            );
        }
    }
}
