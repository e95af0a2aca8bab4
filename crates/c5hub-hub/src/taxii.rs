//! TAXII 2.1's use cases: which collections a caller sees and may write,
//! the content changes (incident versions) of a collection the caller may
//! read, one incident at one of its versions, and the status resources of
//! the caller's `POST`s.
//!
//! A collection is a filter over what the caller may read anyway (TLP
//! levels, an RSIT category, or everything): readability is always the
//! store's rule with the caller's `Viewer`, so no collection shows an
//! incident the REST API would not. Writing is submitting: the member must
//! be one who may submit ([`crate::submit::submitter`]), into a collection
//! the operator marked writable. The STIX objects and the TAXII wire format
//! are the server's.

use c5hub_model::taxonomy::CATEGORIES;
use c5hub_model::{Incident, Tlp};
use c5hub_store::{
    ContentChange, ContentQuery, Principal, Store, StoredIncident, StoredVersion, TaxiiStatus,
};

use crate::{Authority, Error};

/// What a collection holds, of what its reader may read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Selects {
    /// Every readable incident.
    All,
    /// Readable incidents at one of these levels.
    Tlp(Vec<Tlp>),
    /// Readable incidents of this RSIT category (`fraud`, `malicious-code`).
    Category(String),
}

/// One collection, as the operator configured it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Collection {
    /// Its identifier in URLs.
    pub id: String,
    /// A short title.
    pub title: String,
    /// What it holds, in a sentence.
    pub description: String,
    /// What it holds.
    pub selects: Selects,
    /// Whether members who may submit may add objects to it.
    pub writable: bool,
}

impl Collection {
    /// The default collections: everything readable (the one writable
    /// collection), one per TLP audience (CLEAR, GREEN, AMBER with
    /// AMBER+STRICT, RED) and one per RSIT category.
    pub fn defaults() -> Vec<Collection> {
        let mut out = vec![Collection {
            id: "all".to_owned(),
            title: "Every incident you may read".to_owned(),
            description: "Every incident this hub lets you read, whatever its TLP and class; members who may submit add objects here".to_owned(),
            selects: Selects::All,
            writable: true,
        }];
        for (id, tlps, what) in [
            ("tlp-clear", vec![Tlp::Clear], "TLP:CLEAR incidents"),
            ("tlp-green", vec![Tlp::Green], "TLP:GREEN incidents"),
            (
                "tlp-amber",
                vec![Tlp::Amber, Tlp::AmberStrict],
                "TLP:AMBER and TLP:AMBER+STRICT incidents your organisation reported or was given",
            ),
            (
                "tlp-red",
                vec![Tlp::Red],
                "TLP:RED incidents your organisation reported or is a named recipient of",
            ),
        ] {
            out.push(Collection {
                id: id.to_owned(),
                title: what.to_owned(),
                description: format!("{what} you may read"),
                selects: Selects::Tlp(tlps),
                writable: false,
            });
        }
        for cat in CATEGORIES {
            {
                out.push(Collection {
                    id: format!("rsit-{}", cat.value),
                    title: format!("RSIT: {}", cat.expanded),
                    description: format!("Incidents classified {} (RSIT) you may read", cat.value),
                    selects: Selects::Category(cat.value.to_owned()),
                    writable: false,
                });
            }
        }
        out
    }
}

/// The member reading or writing over TAXII: TAXII has no anonymous
/// reader here (every request authenticates).
fn member(who: &Authority) -> Result<&Principal, Error> {
    match who {
        Authority::Member { principal, .. } => Ok(principal),
        _ => Err(Error::Forbidden(
            "TAXII is for member organisations' users and tokens".to_owned(),
        )),
    }
}

/// Whether `who` may read from the collections: every member.
pub fn can_read(who: &Authority) -> bool {
    member(who).is_ok()
}

/// Whether `who` may add objects to `collection`.
pub fn can_write(who: &Authority, collection: &Collection) -> bool {
    collection.writable && crate::submit::submitter(who).is_ok()
}

/// The organisation a `POST` of `who` to `collection` submits as, or why
/// not.
pub fn writer<'a>(who: &'a Authority, collection: &Collection) -> Result<&'a Principal, Error> {
    let p = crate::submit::submitter(who)?;
    if !collection.writable {
        return Err(Error::Forbidden(format!(
            "collection {} is read-only",
            collection.id
        )));
    }
    Ok(p)
}

/// Which content changes to read: the paging cursor and filters the store
/// applies. The collection's selection is added by [`changes`].
#[derive(Clone, Debug, Default)]
pub struct ChangeFilter {
    /// After this feed number.
    pub after: i64,
    /// Stored after this time.
    pub added_after: Option<chrono::DateTime<chrono::Utc>>,
    /// Only the change that made each incident's current version.
    pub current_only: bool,
    /// Only these incidents (empty: any).
    pub incidents: Vec<i64>,
    /// Most changes.
    pub limit: usize,
}

/// The content changes (new incidents, new versions) of `collection` that
/// `who` may read now, in feed order.
pub fn changes(
    store: &mut Store,
    who: &Authority,
    collection: &Collection,
    f: &ChangeFilter,
) -> Result<Vec<ContentChange>, Error> {
    member(who)?;
    let (tlps, category) = match &collection.selects {
        Selects::All => (Vec::new(), None),
        Selects::Tlp(t) => (t.clone(), None),
        Selects::Category(c) => (Vec::new(), Some(c.clone())),
    };
    let q = ContentQuery {
        after: f.after,
        added_after: f.added_after,
        tlps,
        category,
        current_only: f.current_only,
        incidents: f.incidents.clone(),
        limit: f.limit,
    };
    Ok(store.incidents().content_changes(&q, &who.viewer()?)?)
}

/// Incident `key` now, read as `who` ("not found" when unreadable).
pub fn incident(store: &mut Store, who: &Authority, key: i64) -> Result<StoredIncident, Error> {
    member(who)?;
    crate::reads::incident(store, who, key)
}

/// The stored versions of incident `key` (their original documents), read
/// as `who`.
pub fn versions(store: &mut Store, who: &Authority, key: i64) -> Result<Vec<StoredVersion>, Error> {
    member(who)?;
    crate::reads::versions(store, who, key)
}

/// Incident `key` as it was at `version`: the current one, or an earlier
/// one read back from its original document; `None` when that document
/// cannot be read back.
pub fn incident_at(
    store: &mut Store,
    who: &Authority,
    current: &StoredIncident,
    version: i64,
    read_back: impl Fn(&StoredVersion, &Incident) -> Option<Incident>,
) -> Result<Option<Incident>, Error> {
    if version == current.version {
        return Ok(Some(current.incident.clone()));
    }
    let all = versions(store, who, current.key)?;
    Ok(all
        .iter()
        .find(|v| v.version == version)
        .and_then(|v| read_back(v, &current.incident)))
}

/// Stores a status resource of `who`'s organisation, and forgets every
/// status older than `keep_days` days (of any organisation: retention is
/// the hub's, and doing it here needs no timer of its own).
pub fn put_status(
    store: &mut Store,
    who: &Authority,
    status: &TaxiiStatus,
    keep_days: u32,
) -> Result<(), Error> {
    let p = member(who)?;
    if p.org != status.org {
        return Err(Error::Forbidden(
            "a status belongs to the organisation that posted".to_owned(),
        ));
    }
    let mut statuses = store.taxii_statuses();
    statuses.expire(i64::from(keep_days))?;
    Ok(statuses.put(status)?)
}

/// The status resource `id` of `who`'s organisation; another
/// organisation's is "not found".
pub fn status(store: &mut Store, who: &Authority, id: &str) -> Result<TaxiiStatus, Error> {
    let p = member(who)?;
    store
        .taxii_statuses()
        .get(id, &p.org)?
        .ok_or_else(|| Error::NotFound(format!("status {id}")))
}

#[cfg(test)]
mod tests {
    use c5hub_model::Role;

    use super::*;
    use crate::accounts::tests::member as a_member;

    #[test]
    fn defaults_cover_every_audience_and_category_once() {
        let d = Collection::defaults();
        let ids: Vec<&str> = d.iter().map(|c| c.id.as_str()).collect();
        for id in [
            "all",
            "tlp-clear",
            "tlp-green",
            "tlp-amber",
            "tlp-red",
            "rsit-fraud",
        ] {
            assert!(ids.contains(&id), "{id} in {ids:?}");
        }
        let mut sorted = ids.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), ids.len(), "ids are unique");
        assert_eq!(d.iter().filter(|c| c.writable).count(), 1);
    }

    #[test]
    fn reporters_write_to_writable_collections_only_and_every_member_reads() {
        let d = Collection::defaults();
        let (all, clear) = (&d[0], &d[1]);
        for role in [Role::Viewer, Role::Reporter, Role::Analyst, Role::Admin] {
            let who = a_member("bank", role);
            assert!(can_read(&who));
            assert_eq!(can_write(&who, all), role != Role::Viewer, "{role}");
            assert!(!can_write(&who, clear), "{role}");
            assert!(writer(&who, clear).is_err());
        }
        assert!(!can_read(&Authority::Public));
        assert!(!can_write(&Authority::Public, all));
    }
}
