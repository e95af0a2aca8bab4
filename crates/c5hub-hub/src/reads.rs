//! Reading incidents: list, one incident, its history, comments and
//! co-handlers, correlation (lookup, related), export, the change feed and
//! the dashboard's statistics, and the search box ([`search`]).
//!
//! Each read turns the [`Authority`] into the store's [`Viewer`] (the
//! doors never build one) and lets the store apply TLP 2.0. An incident
//! the caller may not read is "not found", exactly like one that does not
//! exist. A public reader (nobody logged in) never sees who acted: actors,
//! assignees and comment authors are replaced by "a member".

use c5hub_model::{Observable, Viewer};
use c5hub_store::{
    Assignment, ChangePage, Comment, IncidentFilter, IncidentSummary, Lookup, LookupPage,
    MAX_SEARCH_PAGE, Related, SearchHits, Stats, StatusChange, Store, StoredIncident,
    StoredVersion,
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

/// Incidents on one page of a search unless the caller asks for another
/// number.
pub const DEFAULT_SEARCH_PAGE: usize = 25;

/// Longest text a search takes (bytes).
pub const MAX_SEARCH_BYTES: usize = 512;

/// What the text of a search box asks for.
#[derive(Clone, Debug, PartialEq)]
pub enum Search {
    /// One value (an address, a prefix, a domain, a URL, an e-mail
    /// address, a phone number, a hash, ...): the doors send the caller to
    /// its lookup, which answers with everything known about it.
    Value(Observable),
    /// Words: one page of the readable incidents whose title or
    /// description holds them all, newest first.
    Text {
        /// What the store found.
        hits: SearchHits,
        /// The page's number, from 1.
        page: usize,
        /// Incidents per page, as applied.
        per_page: usize,
    },
}

/// The search box: text that is one value is its lookup; any other text
/// searches titles and descriptions, TLP applied by the store. `page`
/// counts from 1, `per_page` incidents each (0: [`DEFAULT_SEARCH_PAGE`],
/// at most [`MAX_SEARCH_PAGE`]).
pub fn search(
    store: &mut Store,
    who: &Authority,
    text: &str,
    page: usize,
    per_page: usize,
) -> Result<Search, Error> {
    let viewer = who.viewer()?;
    let invalid = |detail: String| Error::Invalid { field: "q", detail };
    let text = text.trim();
    if text.is_empty() {
        return Err(invalid(
            "give words to search for, or a value to look up".to_owned(),
        ));
    }
    if text.len() > MAX_SEARCH_BYTES {
        return Err(invalid(format!(
            "at most {MAX_SEARCH_BYTES} bytes, this is {}",
            text.len()
        )));
    }
    // A value is one token the lookup recognises; text with a space is
    // words even when a word is a value (`phishing 203.0.113.9`).
    if !text.contains(char::is_whitespace) {
        if let Ok(value) = Observable::guess(text) {
            return Ok(Search::Value(value));
        }
    }
    if page == 0 {
        return Err(Error::Invalid {
            field: "page",
            detail: "pages count from 1".to_owned(),
        });
    }
    let per_page = if per_page == 0 {
        DEFAULT_SEARCH_PAGE
    } else {
        per_page.min(MAX_SEARCH_PAGE)
    };
    let offset = (page - 1).saturating_mul(per_page);
    match store.incidents().search(text, &viewer, offset, per_page) {
        Ok(hits) => Ok(Search::Text {
            hits,
            page,
            per_page,
        }),
        Err(c5hub_store::Error::Invalid(detail)) => Err(invalid(detail)),
        Err(e) => Err(e.into()),
    }
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

/// Every incident the caller may read, whole, newest first: what a feed
/// that offers them all (the MISP feed's manifest and hashes) lists.
pub fn feed(store: &mut Store, who: &Authority) -> Result<Vec<StoredIncident>, Error> {
    export(store, who, &IncidentFilter::default())
}

/// The readable incident a feed names by `is_it` over its global id (the
/// MISP feed's `{uuid}.json`), the newest when several reporters share
/// one; "not found" when the caller may read none, exactly as for an
/// incident that does not exist.
pub fn feed_item(
    store: &mut Store,
    who: &Authority,
    name: &str,
    is_it: &dyn Fn(&str) -> bool,
) -> Result<StoredIncident, Error> {
    let viewer = who.viewer()?;
    let rows = store
        .incidents()
        .list(&IncidentFilter::default(), &viewer)?;
    for r in rows.iter().filter(|r| is_it(&r.global_id)) {
        if let Some(i) = store.incidents().incident(r.key, &viewer)? {
            return Ok(i);
        }
    }
    Err(Error::NotFound(format!("feed item {name}")))
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
