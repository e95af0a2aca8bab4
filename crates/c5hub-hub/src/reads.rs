//! Reading incidents: list, one incident, its history, comments and
//! co-handlers, correlation (lookup, related), export, the change feed and
//! the dashboard's statistics.
//!
//! Each read turns the [`Authority`] into the store's [`Viewer`] (the
//! doors never build one) and lets the store apply TLP 2.0. An incident
//! the caller may not read is "not found", exactly like one that does not
//! exist. A public reader (nobody logged in) never sees who acted: actors,
//! assignees and comment authors are replaced by "a member".

use c5hub_model::Viewer;
use c5hub_store::{
    Assignment, ChangePage, Comment, IncidentFilter, IncidentSummary, Lookup, LookupPage, Related,
    Stats, StatusChange, Store, StoredIncident, StoredVersion,
};

use crate::{Authority, Error};

/// Who public readers see acting: never a user's e-mail address.
pub const SOMEONE: &str = "a member";

impl Authority {
    /// Whose reads these are, as the store applies TLP. The console acts
    /// for no organisation and reads no incident: the command line reads
    /// as one (`--as`).
    pub fn viewer(&self) -> Result<Viewer, Error> {
        match self {
            Authority::Member { principal, .. } => Ok(Viewer::member(principal.org.clone())),
            Authority::ReadingAs { org } => Ok(Viewer::member(org.clone())),
            Authority::Public => Ok(Viewer::Anonymous {
                public_access: true,
            }),
            Authority::Console { .. } => Err(Error::Forbidden(
                "the console reads incidents as a member organisation".to_owned(),
            )),
        }
    }

    /// Whether people's names are hidden from this reader.
    fn anonymous(&self) -> bool {
        matches!(self, Authority::Public)
    }
}

fn not_found(key: i64) -> Error {
    Error::NotFound(format!("incident {key}"))
}

/// Incidents the caller may read, one page of the filter in its order
/// (newest first by default).
pub fn list(
    store: &mut Store,
    who: &Authority,
    filter: &IncidentFilter,
) -> Result<Vec<IncidentSummary>, Error> {
    Ok(store.incidents().list(filter, &who.viewer()?)?)
}

/// How many readable incidents `filter` selects, when the counts kept at
/// write time can tell (a filter by TLP, class, "not this class" and
/// status only); `None` otherwise.
pub fn total(
    store: &mut Store,
    who: &Authority,
    filter: &IncidentFilter,
) -> Result<Option<i64>, Error> {
    Ok(store.incidents().total(filter, &who.viewer()?)?)
}

/// One incident, with its assignee as the caller may see it.
pub fn incident(store: &mut Store, who: &Authority, key: i64) -> Result<StoredIncident, Error> {
    let mut i = store
        .incidents()
        .incident(key, &who.viewer()?)?
        .ok_or_else(|| not_found(key))?;
    if who.anonymous() && i.assignee.is_some() {
        i.assignee = Some(SOMEONE.to_owned());
    }
    Ok(i)
}

/// An incident's status changes and assignments, oldest first.
pub fn history(
    store: &mut Store,
    who: &Authority,
    key: i64,
) -> Result<(Vec<StatusChange>, Vec<Assignment>), Error> {
    let viewer = who.viewer()?;
    let mut h = store
        .workflow()
        .history(key, &viewer)?
        .ok_or_else(|| not_found(key))?;
    let mut a = store
        .workflow()
        .assignments(key, &viewer)?
        .map(|a| a.1)
        .unwrap_or_default();
    if who.anonymous() {
        for c in &mut h {
            c.actor = SOMEONE.to_owned();
        }
        for x in &mut a {
            x.actor = SOMEONE.to_owned();
            if x.assignee.is_some() {
                x.assignee = Some(SOMEONE.to_owned());
            }
        }
    }
    Ok((h, a))
}

/// An incident's comments, oldest first; a public reader sees the
/// authors' organisations only.
pub fn comments(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<Comment>, Error> {
    let mut c = store
        .workflow()
        .comments(key, &who.viewer()?)?
        .ok_or_else(|| not_found(key))?;
    if who.anonymous() {
        for x in &mut c {
            x.author = SOMEONE.to_owned();
        }
    }
    Ok(c)
}

/// The co-handlers of an incident the caller may read.
pub fn handlers(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<String>, Error> {
    if !store.incidents().readable_key(key, &who.viewer()?)? {
        return Err(not_found(key));
    }
    Ok(store.workflow().handlers(key)?)
}

/// Readable incidents sharing values with incident `key`.
pub fn related(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<Related>, Error> {
    store
        .incidents()
        .related(key, &who.viewer()?)?
        .ok_or_else(|| not_found(key))
}

/// Everything the caller may read about a value, one page of it. A value
/// that is no observable is `Invalid` (field `value`).
pub fn lookup(
    store: &mut Store,
    who: &Authority,
    value: &str,
    page: LookupPage,
) -> Result<Lookup, Error> {
    store
        .incidents()
        .lookup_page(value, &who.viewer()?, page)?
        .map_err(|e| Error::Invalid {
            field: "value",
            detail: e.to_string(),
        })
}

/// Every readable incident the filter selects, whole, for an export.
pub fn export(
    store: &mut Store,
    who: &Authority,
    filter: &IncidentFilter,
) -> Result<Vec<StoredIncident>, Error> {
    let viewer = who.viewer()?;
    let rows = store.incidents().list(filter, &viewer)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        if let Some(i) = store.incidents().incident(r.key, &viewer)? {
            out.push(i);
        }
    }
    Ok(out)
}

/// The stored versions of incident `key` (each with its original
/// document), for a hub's export with every version.
pub fn versions(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<StoredVersion>, Error> {
    store
        .incidents()
        .versions(key, &who.viewer()?)?
        .ok_or_else(|| not_found(key))
}

/// One page of the change feed after `since`, over incidents the caller
/// may read now.
pub fn changes(
    store: &mut Store,
    who: &Authority,
    since: i64,
    limit: usize,
) -> Result<ChangePage, Error> {
    Ok(store
        .incidents()
        .changes_since(since, &who.viewer()?, limit)?)
}

/// The dashboard's counts over readable incidents, `days` days back.
pub fn stats(store: &mut Store, who: &Authority, days: u32) -> Result<Stats, Error> {
    Ok(store.incidents().stats(&who.viewer()?, days)?)
}

#[cfg(test)]
mod tests {
    use c5hub_model::Role;

    use super::*;
    use crate::accounts::tests::member;

    #[test]
    fn each_authority_reads_as_its_organisation_and_the_console_as_none() {
        assert_eq!(
            member("bank", Role::Viewer).viewer().ok(),
            Some(Viewer::member("bank"))
        );
        assert_eq!(
            Authority::ReadingAs {
                org: "telco".to_owned()
            }
            .viewer()
            .ok(),
            Some(Viewer::member("telco"))
        );
        assert_eq!(
            Authority::Public.viewer().ok(),
            Some(Viewer::Anonymous {
                public_access: true
            })
        );
        let console = Authority::Console {
            name: "cli:root".to_owned(),
        };
        assert!(matches!(console.viewer(), Err(Error::Forbidden(_))));
        assert!(Authority::Public.anonymous());
        assert!(!member("bank", Role::Admin).anonymous());
    }
}
