//! Incidents and their correlation, through [`Store::incidents`]: ingest,
//! one incident and its versions, listings (and so export), lookups,
//! related incidents, counts; the change feed (`changes.rs`) and the
//! dashboard statistics (`stats.rs`) are methods of the same handle.

mod many;

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::str::FromStr;
use std::time::Instant;

use c5hub_model::{
    Audience, Contact, DocumentFormat, Incident, IncidentStatus, Observable, ObservableKind,
    ObservableRole, OriginalDocument, RsitClass, Tlp, Viewer,
};
use chrono::{DateTime, Utc};

use crate::db::{FromRow, NamedRow, Read, RowRef, Value};
use crate::keys::{KeyMap, KeySet};
use crate::*;

/// One incident to store, with who sent it.
#[derive(Clone, Debug)]
pub struct Submission<'a> {
    /// The incident, with its original document attached when there is one.
    pub incident: &'a Incident,
    /// The reporting member organisation.
    pub reporter: &'a str,
    /// Where it came from (a feed name, a file, an API client), for sightings.
    pub source: &'a str,
    /// Organisations an AMBER incident is shared with.
    pub shared_with: &'a [String],
    /// Named recipients of a RED incident.
    pub recipients: &'a [String],
}

/// What storing a submission did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A new incident, with its key.
    New(i64),
    /// A new version of an incident the reporter sent before.
    NewVersion {
        /// The incident's key.
        key: i64,
        /// The version now current.
        version: i64,
    },
    /// The same bytes were stored before: nothing changed.
    Duplicate(i64),
}

impl Outcome {
    /// The incident's key.
    pub fn key(self) -> i64 {
        match self {
            Outcome::New(k) | Outcome::Duplicate(k) | Outcome::NewVersion { key: k, .. } => k,
        }
    }
}

/// A stored incident as a viewer sees it.
#[derive(Clone, Debug)]
pub struct StoredIncident {
    /// The store's key.
    pub key: i64,
    /// The reporting organisation.
    pub reporter: String,
    /// The current version (1 for the first submission).
    pub version: i64,
    /// When it was first stored.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Organisations an AMBER incident is shared with.
    pub shared_with: Vec<String>,
    /// Named recipients of a RED incident.
    pub recipients: Vec<String>,
    /// Who works on it now (a user's email), if anyone.
    pub assignee: Option<String>,
    /// The incident, with the original document of the current version.
    pub incident: Incident,
    /// Where it comes from, when it came from a peer hub.
    pub provenance: Option<crate::Arrived>,
}

/// One stored version of an incident: the document it was made from.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredVersion {
    /// The version (1 is the first).
    pub version: i64,
    /// When it was stored.
    pub received_at: DateTime<Utc>,
    /// The document as submitted.
    pub document: OriginalDocument,
}

/// One line of a listing.
#[derive(Clone, Debug, PartialEq)]
pub struct IncidentSummary {
    /// The store's key.
    pub key: i64,
    /// The reporting organisation.
    pub reporter: String,
    /// IODEF IncidentID as `name:id`.
    pub global_id: String,
    /// Current version.
    pub version: i64,
    /// Workflow status.
    pub status: IncidentStatus,
    /// TLP level.
    pub tlp: Tlp,
    /// RSIT class.
    pub classification: Option<RsitClass>,
    /// Title.
    pub title: Option<String>,
    /// When first stored.
    pub created_at: DateTime<Utc>,
    /// When detected, if known.
    pub detected: Option<DateTime<Utc>>,
}

/// Filters for listing and export.
#[derive(Clone, Debug, Default)]
pub struct IncidentFilter {
    /// Stored at or after.
    pub since: Option<DateTime<Utc>>,
    /// Stored before.
    pub until: Option<DateTime<Utc>>,
    /// RSIT class.
    pub classification: Option<RsitClass>,
    /// TLP level.
    pub tlp: Option<Tlp>,
    /// Workflow status.
    pub status: Option<IncidentStatus>,
    /// Reporting organisation.
    pub reporter: Option<String>,
    /// Only incidents holding this observable value (normalised).
    pub observable: Option<Observable>,
    /// Not this RSIT class (unclassified incidents are kept).
    pub not_classification: Option<RsitClass>,
    /// Assigned to this user (an e-mail address).
    pub assignee: Option<String>,
    /// Assigned to nobody.
    pub unassigned: bool,
    /// Keys below this one (cursor for the next page of the default order,
    /// newest first).
    pub before: Option<i64>,
    /// Rows to skip first (how another order than the default pages).
    pub offset: usize,
    /// Most rows to return (0: no limit).
    pub limit: usize,
    /// The order of the rows (default: newest first).
    pub order: IncidentOrder,
}

/// A column a listing can be ordered by.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortColumn {
    /// The store's key: the order of receipt.
    #[default]
    Key,
    /// The title (untitled incidents count as an empty title).
    Title,
    /// The workflow status, in handling order (new to closed).
    Status,
    /// The RSIT class (unclassified count as an empty class).
    Class,
    /// The TLP level, CLEAR to RED.
    Tlp,
    /// The reporting organisation.
    Reporter,
    /// When detected; an incident without a detection time counts as
    /// detected when it was stored.
    Detected,
}

impl SortColumn {
    /// Every column, in the order the names are documented.
    pub const ALL: [SortColumn; 7] = [
        SortColumn::Key,
        SortColumn::Title,
        SortColumn::Status,
        SortColumn::Class,
        SortColumn::Tlp,
        SortColumn::Reporter,
        SortColumn::Detected,
    ];

    /// The stable name the API, the web UI and the CLI use.
    pub fn as_str(self) -> &'static str {
        match self {
            SortColumn::Key => "key",
            SortColumn::Title => "title",
            SortColumn::Status => "status",
            SortColumn::Class => "class",
            SortColumn::Tlp => "tlp",
            SortColumn::Reporter => "reporter",
            SortColumn::Detected => "detected",
        }
    }

    /// The column named `name` (see [`SortColumn::as_str`]).
    pub fn named(name: &str) -> Option<SortColumn> {
        SortColumn::ALL.into_iter().find(|c| c.as_str() == name)
    }

    /// The SQL it sorts by. NULLs are given a value, and text is compared
    /// by its bytes on PostgreSQL too (SQLite's own rule), so that both
    /// databases return one order whatever their NULL and collation rules.
    fn sql(self, dialect: crate::db::Dialect) -> String {
        let text = |expr: &str| match dialect {
            crate::db::Dialect::Sqlite => expr.to_owned(),
            crate::db::Dialect::Postgres => format!("{expr} COLLATE \"C\""),
        };
        match self {
            SortColumn::Key => "i.id".to_owned(),
            SortColumn::Title => text("COALESCE(i.title, '')"),
            SortColumn::Status => {
                let mut case = "CASE i.status".to_owned();
                for (n, s) in IncidentStatus::ALL.iter().enumerate() {
                    case.push_str(&format!(" WHEN '{}' THEN {n}", s.as_str()));
                }
                case.push_str(&format!(" ELSE {} END", IncidentStatus::ALL.len()));
                case
            }
            SortColumn::Class => text("COALESCE(i.rsit, '')"),
            SortColumn::Tlp => "i.tlp".to_owned(),
            SortColumn::Reporter => text("i.reporter"),
            SortColumn::Detected => "COALESCE(i.detected, i.created_at)".to_owned(),
        }
    }
}

/// The order of a listing: a column and a direction; ties are broken by
/// the key in the same direction. The default, newest first, is the key
/// descending, the one order paged by the `before` cursor.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IncidentOrder {
    /// The column.
    pub by: SortColumn,
    /// Smallest first (`false`: largest first).
    pub ascending: bool,
}

impl IncidentOrder {
    /// Whether this is the default order, newest first.
    pub fn is_default(self) -> bool {
        self == IncidentOrder::default()
    }

    /// The direction's name: `asc` or `desc`.
    pub fn direction(self) -> &'static str {
        if self.ascending { "asc" } else { "desc" }
    }
}

/// How a stored value matches a looked-up one.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum MatchKind {
    /// The same normalised value.
    Exact,
    /// A stored prefix contains the looked-up address or prefix.
    InStoredPrefix,
    /// The stored address or prefix lies inside the looked-up prefix.
    InLookedUpPrefix,
    /// Same domain: a domain, a URL's host or an email's domain.
    SameDomain,
    /// A sub-domain of the looked-up domain (or a URL or email on one).
    SubDomain,
}

impl MatchKind {
    /// A short name.
    pub fn as_str(&self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::InStoredPrefix => "in-prefix",
            MatchKind::InLookedUpPrefix => "contains",
            MatchKind::SameDomain => "same-domain",
            MatchKind::SubDomain => "sub-domain",
        }
    }
}

/// An incident a lookup found, once, with every value of it that matched.
#[derive(Clone, Debug)]
pub struct LookupHit {
    /// The incident.
    pub incident: IncidentSummary,
    /// Its values that matched, in the order the kinds of match were
    /// tried (exact first).
    pub values: Vec<MatchedValue>,
}

/// A stored value that matched a lookup.
#[derive(Clone, Debug)]
pub struct MatchedValue {
    /// The value.
    pub observable: Observable,
    /// Its role in the incident.
    pub role: ObservableRole,
    /// How it matched.
    pub how: MatchKind,
}

/// How often a value was seen, counting only what the viewer may read.
#[derive(Clone, Debug)]
pub struct Sighting {
    /// The value.
    pub observable: Observable,
    /// Times seen.
    pub count: i64,
    /// First seen.
    pub first_seen: DateTime<Utc>,
    /// Last seen.
    pub last_seen: DateTime<Utc>,
    /// Sources and their counts.
    pub sources: Vec<(String, i64)>,
}

/// The answer to a lookup.
#[derive(Clone, Debug)]
pub struct Lookup {
    /// The value as normalised.
    pub value: Observable,
    /// Why the value is on the warning list, when it is.
    pub warning: Option<String>,
    /// One page of the incidents holding the value or a related one,
    /// newest first, each once (see [`LookupPage`]).
    pub incidents: Vec<LookupHit>,
    /// Readable incidents on every page together.
    pub total: usize,
    /// When more matches follow: the [`LookupPage::before`] of the next page.
    pub next: Option<i64>,
    /// Sightings of the values on this page, each counted over every
    /// readable match (not only this page).
    pub sightings: Vec<Sighting>,
}

/// Every readable match of a lookup, before it is paged.
#[derive(Default)]
struct Matching {
    /// The matches; newest incident first once sorted.
    matches: Vec<RawMatch>,
    /// Incident key: whether the viewer may read it.
    readable: KeyMap<bool>,
    /// Summaries of readable incidents, read only for the incidents an
    /// answer shows or counts sightings in (a domain's matches come from
    /// `domain_postings` without their incidents).
    summaries: KeyMap<IncidentSummary>,
    /// Observable key: its value, read only when it is shown, and the
    /// kind of match that met it first.
    texts: KeyMap<Named>,
}

/// A matched value and the kind of match that met it first: a value met
/// again by a later kind keeps its first, closer match.
struct Named {
    text: ValueText,
    by: MatchKind,
}

/// A matching value as far as a lookup has read it.
enum ValueText {
    Parsed(Observable),
    /// Not read yet.
    Unread,
}

/// The sightings of one value of a lookup page, counted before the value
/// is read.
struct Count {
    count: i64,
    first_seen: DateTime<Utc>,
    last_seen: DateTime<Utc>,
    sources: Vec<(String, i64)>,
}

/// One match of [`Matching`].
struct RawMatch {
    observable: i64,
    incident: i64,
    role: ObservableRole,
    how: MatchKind,
}

/// Which page of a lookup's matches to return.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LookupPage {
    /// Only matches in incidents with a key below this one: the
    /// [`Lookup::next`] of the page before. `None`: the first page.
    pub before: Option<i64>,
    /// Most incidents on the page (0: [`DEFAULT_LOOKUP_LIMIT`]).
    pub limit: usize,
}

/// Incidents on a lookup page unless the caller asks for another number.
pub const DEFAULT_LOOKUP_LIMIT: usize = 50;

/// An incident related to another through shared values.
#[derive(Clone, Debug)]
pub struct Related {
    /// The related incident.
    pub incident: IncidentSummary,
    /// The values they share: (value in the asked incident, value in this one, how).
    pub shared: Vec<(Observable, Observable, MatchKind)>,
}

/// One value shared by two incidents while `related` collects them: the
/// asked incident's observable (its place), the matched value's key, how.
type Link = (usize, i64, MatchKind);

/// Most rows read for one kind of match of one value (readable rows: the
/// limit applies after the TLP rule).
const MAX_MATCHES: usize = 10_000;

/// [`Incidents::related`] considers at most this many values of the incident.
pub const RELATED_MAX_VALUES: usize = 500;

/// [`Incidents::related`] takes at most this many readable matches of each
/// kind for one value (the newest).
pub const RELATED_MAX_MATCHES_PER_VALUE: usize = 200;

/// Incidents and their correlation: a handle on the store
/// ([`Store::incidents`]).
pub struct Incidents<'a> {
    pub(crate) st: &'a mut Store,
}

impl Incidents<'_> {
    /// Stores submissions in one transaction: either all are stored, or
    /// (on error) none.
    pub fn ingest(&mut self, batch: &[Submission<'_>]) -> Result<Vec<Outcome>, Error> {
        self.ingest_planned(batch, Store::plan(batch))
    }

    /// [`Incidents::ingest`] with the batch's [`Store::plan`], which must be
    /// the plan of this batch.
    pub fn ingest_planned(
        &mut self,
        batch: &[Submission<'_>],
        plan: Plan,
    ) -> Result<Vec<Outcome>, Error> {
        self.st.db.begin()?;
        match ingest::ingest(self.st.db.as_mut(), batch, plan) {
            Ok(out) => {
                self.st.db.commit()?;
                Ok(out)
            }
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }

    /// One incident, if it exists and the viewer may read it.
    pub fn incident(&mut self, key: i64, viewer: &Viewer) -> Result<Option<StoredIncident>, Error> {
        Ok(self.incidents(&[key], viewer)?.pop())
    }

    /// The original document of every version of an incident the viewer
    /// may read, oldest first (`None` when it may not read it). A version
    /// submitted without a document (none is kept for it) is left out, so
    /// numbers may skip. Readability is the incident's current TLP and
    /// sharing lists, as for [`Incidents::incident`].
    pub fn versions(
        &mut self,
        key: i64,
        viewer: &Viewer,
    ) -> Result<Option<Vec<StoredVersion>>, Error> {
        let Some(row) = self.st.db.one::<ReaderRow>(
            "SELECT reporter, tlp FROM incidents WHERE id = $1",
            &[key.into()],
        )?
        else {
            return Ok(None);
        };
        let (reporter, tlp) = (row.reporter, row.tlp);
        let (shared, recipients) = self.shares(key)?;
        if !readable(viewer, &reporter, tlp, &shared, &recipients) {
            return Ok(None);
        }
        Ok(Some(self.st.db.all(
            "SELECT version, format, bytes, received_at FROM documents WHERE incident = $1 ORDER BY version",
            &[key.into()],
        )?))
    }

    fn shares(&mut self, key: i64) -> Result<(Vec<String>, Vec<String>), Error> {
        let mut shared = Vec::new();
        let mut recipients = Vec::new();
        for r in self.st.db.all::<ShareRow>(
            "SELECT org, kind FROM incident_shares WHERE incident = $1",
            &[key.into()],
        )? {
            let org = r.org.unwrap_or_default();
            // Co-handlers (`handler`) are kept beside the sharing lists but
            // never widen who reads.
            match r.kind.as_deref() {
                Some("recipient") => recipients.push(org),
                Some("share") => shared.push(org),
                _ => {}
            }
        }
        Ok((shared, recipients))
    }

    /// Incidents the viewer may read, in the filter's order (newest
    /// first by default), from its `offset`, at most its `limit`.
    ///
    /// The TLP rule is applied by the database ([`workflow::visible_sql`],
    /// checked against [`Viewer::can_read`] by a test), with the filters,
    /// so a page costs the rows it returns and the unreadable rows between
    /// them in key order, not a sharing query for each of those. Another
    /// order costs the sort of every readable row the filters select.
    pub fn list(
        &mut self,
        filter: &IncidentFilter,
        viewer: &Viewer,
    ) -> Result<Vec<IncidentSummary>, Error> {
        let mut out = Vec::new();
        let mut before = filter.before;
        let page = if filter.limit == 0 {
            1000
        } else {
            filter.limit.clamp(1, 1000)
        };
        let obs_id = match &filter.observable {
            Some(o) => match self.observable_id(o)? {
                Some(id) => Some(id),
                None => return Ok(out),
            },
            None => None,
        };
        loop {
            let want = if filter.limit == 0 {
                page
            } else {
                (filter.limit - out.len()).min(page)
            };
            // The rule's parameters come first: SQLite numbers `$n` in
            // order of first appearance.
            let (cond, mut params) = workflow::visible_sql(viewer, 1);
            let mut sql = format!("SELECT {SUMMARY_COLS} FROM incidents i WHERE {cond}");
            let mut bind = |sql: &mut String, clause: &str, v: Value| {
                params.push(v);
                sql.push_str(&clause.replace('?', &format!("${}", params.len())));
            };
            if let Some(b) = before {
                bind(&mut sql, " AND i.id < ?", b.into());
            }
            if let Some(t) = filter.since {
                bind(
                    &mut sql,
                    " AND i.created_at >= ?",
                    t.timestamp_millis().into(),
                );
            }
            if let Some(t) = filter.until {
                bind(
                    &mut sql,
                    " AND i.created_at < ?",
                    t.timestamp_millis().into(),
                );
            }
            if let Some(c) = filter.classification {
                bind(&mut sql, " AND i.rsit = ?", c.path().into());
            }
            if let Some(t) = filter.tlp {
                bind(&mut sql, " AND i.tlp = ?", tlp_rank(t).into());
            }
            if let Some(s) = filter.status {
                bind(&mut sql, " AND i.status = ?", s.as_str().into());
            }
            if let Some(r) = &filter.reporter {
                bind(&mut sql, " AND i.reporter = ?", r.as_str().into());
            }
            if let Some(c) = filter.not_classification {
                bind(
                    &mut sql,
                    " AND (i.rsit IS NULL OR i.rsit <> ?)",
                    c.path().into(),
                );
            }
            if let Some(a) = &filter.assignee {
                bind(&mut sql, " AND i.assignee = ?", a.as_str().into());
            }
            if filter.unassigned {
                sql.push_str(" AND i.assignee IS NULL");
            }
            if let Some(o) = obs_id {
                bind(
                    &mut sql,
                    " AND i.id IN (SELECT incident FROM postings WHERE observable = ?)",
                    o.into(),
                );
            }
            let order = filter.order;
            let dir = if order.ascending { "ASC" } else { "DESC" };
            let by = order.by.sql(self.st.db.dialect());
            // The default order goes on from the last key seen (the
            // cursor); any other by counting rows, so a chunk after the
            // first skips those already returned.
            let skip = if order.is_default() {
                if out.is_empty() { filter.offset } else { 0 }
            } else {
                filter.offset + out.len()
            };
            sql.push_str(&format!(" ORDER BY {by} {dir}"));
            if order.by != SortColumn::Key {
                sql.push_str(&format!(", i.id {dir}"));
            }
            sql.push_str(&format!(" LIMIT {want}"));
            if skip > 0 {
                sql.push_str(&format!(" OFFSET {skip}"));
            }
            let rows: Vec<IncidentSummary> = self.st.db.all(&sql, &params)?;
            let n = rows.len();
            for s in rows {
                if order.is_default() {
                    before = Some(s.key);
                }
                out.push(s);
            }
            if n < want || (filter.limit != 0 && out.len() >= filter.limit) {
                return Ok(out);
            }
        }
    }

    /// Whether `viewer` may read incident `key`, reported by `reporter`
    /// under `tlp`.
    pub(crate) fn can_read(
        &mut self,
        viewer: &Viewer,
        key: i64,
        tlp: Tlp,
        reporter: &str,
    ) -> Result<bool, Error> {
        let (shared, recipients) = if needs_shares(viewer, tlp, reporter) {
            self.shares(key)?
        } else {
            (Vec::new(), Vec::new())
        };
        Ok(readable(viewer, reporter, tlp, &shared, &recipients))
    }

    fn observable_id(&mut self, o: &Observable) -> Result<Option<i64>, Error> {
        self.st.db.int(
            "SELECT id FROM observables WHERE kind = $1 AND value = $2",
            &[o.kind().as_str().into(), o.value().into()],
            "id",
        )
    }

    /// Everything the store knows about a value: the incidents holding it
    /// (exactly, by prefix containment either way, or by domain) and its
    /// sightings. `raw` is normalised first (kind guessed). The answer is
    /// the first page ([`LookupPage::default`]): the newest
    /// [`DEFAULT_LOOKUP_LIMIT`] matches, with the total and a cursor.
    pub fn lookup(
        &mut self,
        raw: &str,
        viewer: &Viewer,
    ) -> Result<Result<Lookup, c5hub_model::Error>, Error> {
        self.lookup_page(raw, viewer, LookupPage::default())
    }

    /// [`Incidents::lookup`], one page of it.
    pub fn lookup_page(
        &mut self,
        raw: &str,
        viewer: &Viewer,
        page: LookupPage,
    ) -> Result<Result<Lookup, c5hub_model::Error>, Error> {
        let value = match Observable::guess(raw) {
            Ok(v) => v,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(self.lookup_observable(&value, viewer, page)?))
    }

    /// [`Incidents::lookup_page`] for a normalised value.
    pub fn lookup_observable(
        &mut self,
        value: &Observable,
        viewer: &Viewer,
        page: LookupPage,
    ) -> Result<Lookup, Error> {
        let warning = self.st.opts.warning_list.reason(value).map(str::to_owned);
        let mut found = self.matching(value, viewer, MAX_MATCHES, None)?;
        let all = &found.matches;
        // Matches are sorted by incident, so an incident's are adjacent.
        let total = all.chunk_by(|a, b| a.incident == b.incident).count();
        // The page: `limit` whole incidents, newest first.
        let limit = if page.limit == 0 {
            DEFAULT_LOOKUP_LIMIT
        } else {
            page.limit
        };
        let start = page
            .before
            .map_or(0, |b| all.partition_point(|m| m.incident >= b));
        let mut end = start;
        let mut on_page = 0;
        while end < all.len() && on_page < limit {
            let key = all[end].incident;
            while end < all.len() && all[end].incident == key {
                end += 1;
            }
            on_page += 1;
        }
        let next = (end < all.len() && end > start).then(|| all[end - 1].incident);
        // Sightings count every readable match of a value on the page, on
        // every page: a count that included hidden incidents would reveal
        // that they exist. So the summaries needed are those of the page
        // and of the other matches of its values.
        let shown: KeySet = all[start..end].iter().map(|m| m.observable).collect();
        // The matches of the page's values, found once for the summaries
        // and the counts.
        let of_shown: Vec<usize> = (0..all.len())
            .filter(|&i| (start..end).contains(&i) || shown.contains(&all[i].observable))
            .collect();
        let mut needed: Vec<i64> = of_shown
            .iter()
            .map(|&i| all[i].incident)
            .filter(|k| !found.summaries.contains_key(k))
            .collect();
        needed.sort_unstable();
        needed.dedup();
        self.summaries(&needed, &mut found.summaries)?;
        if let Some(key) = needed.iter().find(|k| !found.summaries.contains_key(k)) {
            return Err(Error::Corrupt(format!("incident {key} vanished")));
        }
        let Matching {
            matches: all,
            summaries,
            texts,
            ..
        } = &mut found;
        let mut counted: KeyMap<Count> = KeyMap::default();
        for m in of_shown.iter().map(|&i| &all[i]) {
            let s = &summaries[&m.incident];
            let t = s.detected.unwrap_or(s.created_at);
            let x = counted.entry(m.observable).or_insert_with(|| Count {
                count: 0,
                first_seen: t,
                last_seen: t,
                sources: Vec::new(),
            });
            x.count += 1;
            x.first_seen = x.first_seen.min(t);
            x.last_seen = x.last_seen.max(t);
            match x.sources.iter_mut().find(|(r, _)| *r == s.reporter) {
                Some((_, n)) => *n += 1,
                None => x.sources.push((s.reporter.clone(), 1)),
            }
        }
        // The page's values known only by key, read together.
        let mut unread: Vec<i64> = all[start..end]
            .iter()
            .map(|m| m.observable)
            .filter(|o| matches!(texts.get(o).map(|n| &n.text), Some(ValueText::Unread)))
            .collect();
        unread.sort_unstable();
        unread.dedup();
        for chunk in unread.chunks(IN_LIST) {
            self.st
                .db
                .for_each_row(&IN_SQL.observables, &in_list(chunk), &mut |r| {
                    if let Some(id) = r.int_at(0) {
                        let o = stored_observable(r, 1, 2)?;
                        if let Some(n) = texts.get_mut(&id) {
                            n.text = ValueText::Parsed(o);
                        }
                    }
                    Ok(())
                })?;
        }
        let mut incidents: Vec<LookupHit> = Vec::with_capacity(on_page);
        let mut sightings: Vec<Sighting> = Vec::new();
        for m in &all[start..end] {
            let observable = match texts.get(&m.observable).map(|n| &n.text) {
                Some(ValueText::Parsed(o)) => o.clone(),
                Some(ValueText::Unread) | None => {
                    return Err(Error::Corrupt(format!(
                        "observable {} matched without a value",
                        m.observable
                    )));
                }
            };
            if let Some(c) = counted.remove(&m.observable) {
                sightings.push(Sighting {
                    observable: observable.clone(),
                    count: c.count,
                    first_seen: c.first_seen,
                    last_seen: c.last_seen,
                    sources: c.sources,
                });
            }
            let matched = MatchedValue {
                observable,
                role: m.role,
                how: m.how.clone(),
            };
            match incidents.last_mut() {
                Some(hit) if hit.incident.key == m.incident => hit.values.push(matched),
                _ => incidents.push(LookupHit {
                    // An incident's matches are adjacent: its summary is
                    // wanted once more, here.
                    incident: summaries.remove(&m.incident).ok_or_else(|| {
                        Error::Corrupt(format!("incident {} vanished", m.incident))
                    })?,
                    values: vec![matched],
                }),
            }
        }
        Ok(Lookup {
            value: value.clone(),
            warning,
            incidents,
            total,
            next,
            sightings,
        })
    }

    /// Every readable match of `value` (up to `limit` rows from each kind
    /// of match, at most [`MAX_MATCHES`]), newest incident first. The
    /// values and incidents are read with one statement for each kind of
    /// match, not one for each matching value or incident: a domain held
    /// by a few hundred URLs made that cost milliseconds.
    ///
    /// Each statement keeps only the rows the viewer may read (the TLP
    /// rule in SQL, [`workflow::visible_sql_on`]) before its limit: a
    /// limit applied first would let one member's incident holding more
    /// values than the limit push every other match out of everyone
    /// else's answer.
    ///
    /// `exclude`: an incident whose matches are left out before the limit
    /// (`related` asks for an incident's relations, not its own values).
    fn matching(
        &mut self,
        value: &Observable,
        viewer: &Viewer,
        limit: usize,
        exclude: Option<i64>,
    ) -> Result<Matching, Error> {
        let limit = limit.min(MAX_MATCHES);
        // A key, not text: safe to write into the statement.
        let not = |col: &str| exclude.map_or_else(String::new, |k| format!(" AND {col} <> {k}"));
        let mut found = Matching::default();
        // Values named exactly (the value, stored prefixes containing it):
        // their text is known; their postings a statement each (at most
        // one per prefix length).
        let mut named: Vec<(i64, Observable, MatchKind)> = Vec::new();
        if let Some(id) = self.observable_id(value)? {
            named.push((id, value.clone(), MatchKind::Exact));
        }
        let ip: Option<(IpAddr, u8)> = value
            .ip_addr()
            .map(|ip| (ip, if ip.is_ipv4() { 32 } else { 128 }))
            .or_else(|| value.ip_net().map(|n| (n.network(), n.prefix_len())));
        if let Some((ip, own_len)) = ip {
            let fam = correlate::family(ip);
            let lens: Vec<i64> = self.st.db.ints(
                "SELECT len FROM prefix_lengths WHERE family = $1 ORDER BY len",
                &[fam.into()],
                "len",
            )?;
            for len in lens.into_iter().filter(|l| *l < own_len as i64) {
                let Some(prefix) = correlate::prefix_of(ip, len as u8) else {
                    continue;
                };
                if let Some(r) = self.st.db.one::<ValueRow>(
                    "SELECT id, kind, value FROM observables WHERE kind = 'cidr' AND value = $1",
                    &[prefix.into()],
                )? {
                    let (o, _) = observable_from(&r.kind, &r.value, &Value::Null)?;
                    named.push((r.id.unwrap_or_default(), o, MatchKind::InStoredPrefix));
                }
            }
        }
        // A lookup reads a named value's postings whole, as it always did
        // (no limit, so nothing can be pushed out; `take` keeps the
        // readable ones). `related` takes a bounded number of readable
        // ones, the asked incident left out.
        let bounded = limit < MAX_MATCHES || exclude.is_some();
        let (visible, vis_params) = if bounded {
            workflow::visible_sql_on(viewer, 2, "i", "i.id")
        } else {
            ("1 = 1".to_owned(), Vec::new())
        };
        let by_id = if bounded {
            format!(
                "SELECT p.observable, p.role, {SUMMARY_COLS} FROM postings p JOIN incidents i ON i.id = p.incident WHERE p.observable = $1 AND {visible}{} ORDER BY p.incident DESC LIMIT {limit}",
                not("p.incident")
            )
        } else {
            format!(
                "SELECT p.observable, p.role, {SUMMARY_COLS} FROM postings p JOIN incidents i ON i.id = p.incident WHERE p.observable = $1"
            )
        };
        let mut rows: Vec<MatchRow> = Vec::new();
        for (id, o, how) in named {
            if found.texts.contains_key(&id) {
                continue;
            }
            found.texts.insert(
                id,
                Named {
                    text: ValueText::Parsed(o),
                    by: how.clone(),
                },
            );
            let mut params: Vec<Value> = vec![id.into()];
            params.extend(vis_params.iter().cloned());
            self.st.db.for_each_row(&by_id, &params, &mut |r| {
                rows.push(MatchRow::with_summary(r, false)?);
                Ok(())
            })?;
            self.take(&mut found, &mut rows, &how, false, viewer)?;
        }
        // Values inside a looked-up prefix: their postings and incidents
        // joined in.
        if value.ip_net().is_some() {
            if let Some((lo, hi)) = correlate::ip_range(value) {
                let (visible, vis) = workflow::visible_sql_on(viewer, 3, "i", "i.id");
                let mut params: Vec<Value> = vec![lo.to_vec().into(), hi.to_vec().into()];
                params.extend(vis);
                self.st.db.for_each_row(
                    &format!("SELECT o.id, p.role, {SUMMARY_COLS}, o.kind, o.value FROM observables o JOIN postings p ON p.observable = o.id JOIN incidents i ON i.id = p.incident WHERE o.ip_lo >= $1 AND o.ip_lo <= $2 AND o.ip_hi <= $2 AND {visible}{} ORDER BY p.incident DESC LIMIT {limit}", not("p.incident")),
                    &params,
                    &mut |r| {
                        rows.push(MatchRow::with_summary(r, true)?);
                        Ok(())
                    },
                )?;
                self.take(
                    &mut found,
                    &mut rows,
                    &MatchKind::InLookedUpPrefix,
                    true,
                    viewer,
                )?;
            }
        }
        // Values of the same domain: one range of `domain_postings`, newest
        // first, which says who may read each match without reading the
        // incident. Their text and incidents are read only for what the
        // answer shows.
        if let Some(d) = correlate::domain_key(value) {
            let (visible, vis) = workflow::visible_sql_on(viewer, 2, "dp", "dp.incident");
            let mut params: Vec<Value> = vec![d.as_str().into()];
            params.extend(vis.iter().cloned());
            self.st.db.for_each_row(
                &format!("SELECT dp.observable, dp.role, dp.incident FROM domain_postings dp WHERE dp.domain = $1 AND {visible}{} ORDER BY dp.incident DESC LIMIT {limit}", not("dp.incident")),
                &params,
                &mut |r| {
                    rows.push(MatchRow::in_domain(r)?);
                    Ok(())
                },
            )?;
            self.take(&mut found, &mut rows, &MatchKind::SameDomain, true, viewer)?;
            // A looked-up domain also finds its sub-domains (and URLs and
            // addresses on them): the keys after its own in its range. A
            // URL or an address names one host, and `related` relates
            // values of the same host only.
            //
            // The range spans many domain keys, so its rows do not come in
            // incident order: ordering them in SQLite builds a temporary
            // B-tree of every row. They are read in key order instead, one
            // more than the limit (the matches are sorted once, at the
            // end); only a range over the limit, where the newest must be
            // chosen, is read again ordered.
            if value.kind() == ObservableKind::Domain && exclude.is_none() {
                let (visible, vis) = workflow::visible_sql_on(viewer, 3, "dp", "dp.incident");
                let mut params: Vec<Value> =
                    vec![d.as_str().into(), correlate::domain_range_end(&d).into()];
                params.extend(vis);
                let sub = format!(
                    "SELECT dp.observable, dp.role, dp.incident FROM domain_postings dp WHERE dp.domain > $1 AND dp.domain < $2 AND {visible}"
                );
                for sql in [
                    format!("{sub} LIMIT {}", limit + 1),
                    format!("{sub} ORDER BY dp.incident DESC LIMIT {limit}"),
                ] {
                    rows.clear();
                    self.st.db.for_each_row(&sql, &params, &mut |r| {
                        rows.push(MatchRow::in_domain(r)?);
                        Ok(())
                    })?;
                    if rows.len() <= limit {
                        break;
                    }
                }
                self.take(&mut found, &mut rows, &MatchKind::SubDomain, true, viewer)?;
            }
        }
        found.matches.sort_by_key(|m| std::cmp::Reverse(m.incident));
        Ok(found)
    }

    /// Adds the readable rows of one kind of match (see [`MatchRow`]),
    /// leaving `rows` empty for the next kind. `fresh`: the rows meet
    /// values not named before; a value already matched another way keeps
    /// its first, closer, match.
    fn take(
        &mut self,
        found: &mut Matching,
        rows: &mut Vec<MatchRow>,
        how: &MatchKind,
        fresh: bool,
        viewer: &Viewer,
    ) -> Result<(), Error> {
        if fresh {
            found.texts.reserve(rows.len());
        }
        found.matches.reserve(rows.len());
        for r in rows.drain(..) {
            let obs = r.observable;
            if fresh {
                // A value met for the first time by this kind of match.
                match found.texts.entry(obs) {
                    std::collections::hash_map::Entry::Occupied(e) if e.get().by != *how => {
                        continue;
                    }
                    std::collections::hash_map::Entry::Occupied(_) => {}
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(Named {
                            text: r.text.map_or(ValueText::Unread, ValueText::Parsed),
                            by: how.clone(),
                        });
                    }
                }
            }
            let key = r.incident;
            let readable = match (r.of, found.readable.get(&key)) {
                // Domain matches, kept by their statement only if readable.
                (Of::Readable, _) => true,
                (_, Some(&yes)) => yes,
                (Of::Summary(s), None) => {
                    let yes = self.can_read(viewer, key, s.tlp, &s.reporter)?;
                    found.readable.insert(key, yes);
                    if yes {
                        found.summaries.insert(key, *s);
                    }
                    yes
                }
            };
            if !readable {
                continue;
            }
            found.matches.push(RawMatch {
                observable: obs,
                incident: key,
                role: r.role,
                how: how.clone(),
            });
        }
        Ok(())
    }

    /// Adds the summaries of `keys` (those that exist) to `into`, a
    /// statement per [`IN_LIST`] keys instead of one per key: a lookup
    /// page shows up to fifty incidents, and fifty point reads were most
    /// of a domain lookup's time.
    fn summaries(&mut self, keys: &[i64], into: &mut KeyMap<IncidentSummary>) -> Result<(), Error> {
        for chunk in keys.chunks(IN_LIST) {
            self.st
                .db
                .for_each_row(&IN_SQL.summaries, &in_list(chunk), &mut |r| {
                    let s = summary_at(r, 0)?;
                    into.insert(s.key, s);
                    Ok(())
                })?;
        }
        Ok(())
    }

    pub(crate) fn summary(&mut self, key: i64) -> Result<Option<IncidentSummary>, Error> {
        self.st.db.one(
            &format!("SELECT {SUMMARY_COLS} FROM incidents i WHERE i.id = $1"),
            &[key.into()],
        )
    }

    /// Incidents sharing values with `key`, for a viewer who may read `key`;
    /// warning-listed values are left out. Most shared first.
    ///
    /// Bounded, since one incident can hold thousands of values on a
    /// popular domain: the first [`RELATED_MAX_VALUES`] values of the
    /// incident are considered, each with its newest
    /// [`RELATED_MAX_MATCHES_PER_VALUE`] readable matches of each kind,
    /// and the search stops when the store's read budget
    /// ([`DEFAULT_READ_BUDGET`], [`Store::set_read_budget`]) is spent,
    /// answering with the relations found so far.
    pub fn related(&mut self, key: i64, viewer: &Viewer) -> Result<Option<Vec<Related>>, Error> {
        let started = Instant::now();
        let Some(stored) = self.incident(key, viewer)? else {
            return Ok(None);
        };
        // Per related incident: its summary and the links found (value of
        // ours, matched value's key, how); `links` holds them all with
        // their incident, so that a link met twice costs a hash, not a
        // scan of the incident's list.
        let mut by_incident: HashMap<i64, (Option<IncidentSummary>, Vec<Link>)> = HashMap::new();
        let mut links: HashSet<(i64, usize, i64, MatchKind)> = HashSet::new();
        // Matched values parsed, and warning-listed ones, across values.
        let mut values: HashMap<i64, Option<Observable>> = HashMap::new();
        let mine: Vec<(usize, &Observable)> = stored
            .incident
            .observables
            .iter()
            .map(|io| &io.observable)
            .enumerate()
            .filter(|(_, o)| self.st.opts.warning_list.reason(o).is_none())
            .take(RELATED_MAX_VALUES)
            .collect();
        for (at, o) in mine {
            if started.elapsed() >= self.st.read_budget {
                break;
            }
            let found = self.matching(o, viewer, RELATED_MAX_MATCHES_PER_VALUE, Some(key))?;
            let Matching {
                matches,
                mut summaries,
                mut texts,
                ..
            } = found;
            for m in matches {
                if m.incident == key {
                    continue;
                }
                let matched = match values.get(&m.observable) {
                    Some(v) => v.clone(),
                    None => {
                        let o = match texts.remove(&m.observable).map(|n| n.text) {
                            Some(ValueText::Parsed(o)) => o,
                            Some(ValueText::Unread) | None => {
                                let r = self
                                    .st
                                    .db
                                    .one::<ValueRow>(
                                        "SELECT kind, value FROM observables WHERE id = $1",
                                        &[m.observable.into()],
                                    )?
                                    .ok_or_else(|| {
                                        Error::Corrupt(format!(
                                            "observable {} vanished",
                                            m.observable
                                        ))
                                    })?;
                                observable_from(&r.kind, &r.value, &Value::Null)?.0
                            }
                        };
                        let keep = self.st.opts.warning_list.reason(&o).is_none().then_some(o);
                        values.insert(m.observable, keep.clone());
                        keep
                    }
                };
                if matched.is_none() {
                    continue;
                }
                if links.insert((m.incident, at, m.observable, m.how.clone())) {
                    by_incident
                        .entry(m.incident)
                        .or_insert_with(|| (summaries.remove(&m.incident), Vec::new()))
                        .1
                        .push((at, m.observable, m.how));
                }
            }
        }
        let mut out = Vec::with_capacity(by_incident.len());
        for (k, (summary, shared)) in by_incident {
            let incident = match summary {
                Some(s) => s,
                None => self
                    .summary(k)?
                    .ok_or_else(|| Error::Corrupt(format!("incident {k} vanished")))?,
            };
            let shared = shared
                .into_iter()
                .filter_map(|(at, id, how)| {
                    let theirs = values.get(&id).cloned().flatten()?;
                    let ours = stored.incident.observables.get(at)?.observable.clone();
                    Some((ours, theirs, how))
                })
                .collect();
            out.push(Related { incident, shared });
        }
        out.sort_by(|a, b| {
            b.shared
                .len()
                .cmp(&a.shared.len())
                .then(b.incident.key.cmp(&a.incident.key))
        });
        Ok(Some(out))
    }

    /// Counts of what is stored: incidents, distinct values, postings.
    pub fn counts(&mut self) -> Result<(i64, i64, i64), Error> {
        let mut one =
            |sql: &str| -> Result<i64, Error> { Ok(self.st.db.int(sql, &[], "n")?.unwrap_or(0)) };
        Ok((
            one("SELECT COUNT(*) AS n FROM incidents")?,
            one("SELECT COUNT(*) AS n FROM observables")?,
            one("SELECT COUNT(*) AS n FROM postings")?,
        ))
    }
    /// Whether the incident exists and the viewer may read it.
    pub fn readable_key(&mut self, key: i64, viewer: &Viewer) -> Result<bool, Error> {
        match self.summary(key)? {
            Some(s) => self.can_read(viewer, s.key, s.tlp, &s.reporter),
            None => Ok(false),
        }
    }
}

pub(crate) const SUMMARY_COLS: &str = "i.id, i.reporter, i.global_id, i.version, i.status, i.tlp, i.rsit, i.title, i.created_at, i.detected";

/// Keys per `IN (...)` list of the batched reads. Every statement has
/// exactly this many parameters (a short list repeats its first key), so
/// each is prepared once and stays in the statement cache.
const IN_LIST: usize = 64;

/// The batched reads' statements, `$1` to `$IN_LIST` in their lists.
struct InSql {
    summaries: String,
    observables: String,
}

static IN_SQL: std::sync::LazyLock<InSql> = std::sync::LazyLock::new(|| {
    let list = (1..=IN_LIST)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    InSql {
        summaries: format!("SELECT {SUMMARY_COLS} FROM incidents i WHERE i.id IN ({list})"),
        observables: format!("SELECT id, kind, value FROM observables WHERE id IN ({list})"),
    }
});

/// The parameters of an [`IN_SQL`] statement for up to [`IN_LIST`] keys.
fn in_list(keys: &[i64]) -> Vec<Value> {
    debug_assert!(!keys.is_empty() && keys.len() <= IN_LIST);
    (0..IN_LIST)
        .map(|i| (*keys.get(i).unwrap_or(&keys[0])).into())
        .collect()
}

/// How many columns [`SUMMARY_COLS`] names.
const SUMMARY_LEN: usize = 10;

/// An incident's summary from the columns of [`SUMMARY_COLS`], read by
/// position from column `at` on (the statements that read summaries with
/// other columns put them first, or say where).
fn summary_at<R: RowRef + ?Sized>(r: &mut R, at: usize) -> Result<IncidentSummary, Error> {
    let key = r.int_at(at);
    let bad = |what: &str| Error::Corrupt(format!("incident {key:?}: {what}"));
    Ok(IncidentSummary {
        key: key.ok_or_else(|| bad("no key"))?,
        reporter: r.string_at(at + 1).unwrap_or_default(),
        global_id: r.string_at(at + 2).unwrap_or_default(),
        version: r.int_at(at + 3).unwrap_or(1),
        status: r
            .text_at(at + 4)
            .and_then(|s| IncidentStatus::from_str(s).ok())
            .ok_or_else(|| bad("status"))?,
        tlp: tlp_of(r.int_at(at + 5).unwrap_or(4)),
        classification: r.text_at(at + 6).and_then(|p| RsitClass::from_path(p).ok()),
        title: r.string_at(at + 7),
        created_at: r.time_at(at + 8).unwrap_or(DateTime::<Utc>::MIN_UTC),
        detected: r.time_at(at + 9),
    })
}

impl FromRow for IncidentSummary {
    /// A row of `SELECT {SUMMARY_COLS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        summary_at(&mut r, 0)
    }
}

/// A whole incident's row: its summary and the rest of its columns.
struct IncidentRow {
    summary: IncidentSummary,
    description: Option<String>,
    started: Option<DateTime<Utc>>,
    ended: Option<DateTime<Utc>>,
    reported: Option<DateTime<Utc>>,
    generated: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
    /// Whether the current version has its document kept.
    has_document: bool,
    assignee: Option<String>,
}

impl FromRow for IncidentRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(IncidentRow {
            // `SELECT {SUMMARY_COLS}, ...`: the summary first.
            summary: summary_at(&mut r, 0)?,
            description: r.text("description")?,
            started: r.time("started")?,
            ended: r.time("ended")?,
            reported: r.time("reported")?,
            generated: r.time("generated")?,
            updated_at: r.time("updated_at")?,
            has_document: r.blob("doc_sha256")?.is_some(),
            assignee: r.text("assignee")?,
        })
    }
}

/// A stored value: whichever of its id, kind, value, the role of its
/// posting and an incident's status the statement returned (the others
/// are NULL).
pub(crate) struct ValueRow {
    id: Option<i64>,
    kind: Value,
    value: Value,
    role: Value,
    pub(crate) status: Option<String>,
}

impl FromRow for ValueRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let mut opt = |c: &str| {
            if r.has(c) { r.take(c) } else { Ok(Value::Null) }
        };
        Ok(ValueRow {
            id: opt("id")?.int(),
            kind: opt("kind")?,
            value: opt("value")?,
            role: opt("role")?,
            status: opt("status")?.into_text(),
        })
    }
}

/// Who may read an incident depends on: its reporter and TLP.
struct ReaderRow {
    reporter: String,
    tlp: Tlp,
}

impl FromRow for ReaderRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(ReaderRow {
            reporter: r.text("reporter")?.unwrap_or_default(),
            tlp: tlp_of(r.int("tlp")?.unwrap_or(4)),
        })
    }
}

/// One entry of an incident's sharing lists (or co-handlers).
struct ShareRow {
    org: Option<String>,
    kind: Option<String>,
}

impl FromRow for ShareRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(ShareRow {
            org: r.text("org")?,
            kind: r.text("kind")?,
        })
    }
}

/// A kept original document.
struct DocumentRow {
    format: DocumentFormat,
    bytes: Option<Vec<u8>>,
}

fn document_format(f: Option<String>) -> DocumentFormat {
    f.and_then(|f| DocumentFormat::from_str(&f).ok())
        .unwrap_or(DocumentFormat::Native)
}

impl FromRow for DocumentRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(DocumentRow {
            format: document_format(r.text("format")?),
            bytes: r.blob("bytes")?,
        })
    }
}

impl FromRow for StoredVersion {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let format = document_format(r.text("format")?);
        Ok(StoredVersion {
            version: r.int("version")?.unwrap_or_default(),
            received_at: r.time("received_at")?.unwrap_or_default(),
            document: OriginalDocument::new(format, r.blob("bytes")?.unwrap_or_default()),
        })
    }
}

impl FromRow for Contact {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Contact {
            name: r.text("name")?,
            email: r.text("email")?,
            role: r.text("role")?.unwrap_or_default(),
        })
    }
}

impl FromRow for StatusChange {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(StatusChange {
            at: r.time("at")?.unwrap_or(DateTime::<Utc>::MIN_UTC),
            actor: r.text("actor")?.unwrap_or_default(),
            from: r
                .text("old_status")?
                .and_then(|x| IncidentStatus::from_str(&x).ok()),
            to: r
                .text("new_status")?
                .and_then(|x| IncidentStatus::from_str(&x).ok())
                .unwrap_or(IncidentStatus::New),
            note: r.text("note")?,
        })
    }
}

/// One match a lookup read: the value's key, its text when the statement
/// read it, the posting's role, and what decides who may read the
/// incident.
struct MatchRow {
    observable: i64,
    text: Option<Observable>,
    role: ObservableRole,
    incident: i64,
    of: Of,
}

/// What a [`MatchRow`] says of its incident.
enum Of {
    /// Its summary, read with the match. Boxed: a match row is moved as
    /// the rows of a lookup are gathered and sorted, and a summary inline
    /// made each row several hundred bytes to copy.
    Summary(Box<IncidentSummary>),
    /// Readable: the statement kept only what the viewer may read.
    Readable,
}

/// The columns of the match statements, read by position: the value's
/// key and the posting's role, then the incident.
const MATCH_OBSERVABLE: usize = 0;
const MATCH_ROLE: usize = 1;
/// `SELECT observable, role, {SUMMARY_COLS}[, kind, value]`: the
/// incident's summary, then the value's kind and text when read.
const MATCH_SUMMARY: usize = 2;
const MATCH_KIND: usize = MATCH_SUMMARY + SUMMARY_LEN;
const MATCH_VALUE: usize = MATCH_KIND + 1;
/// `SELECT observable, role, incident` of `domain_postings`.
const MATCH_INCIDENT: usize = 2;

impl MatchRow {
    /// A row with the incident's summary, and the value's kind and text
    /// when `with_text`.
    fn with_summary(r: &mut dyn RowRef, with_text: bool) -> Result<MatchRow, Error> {
        let s = summary_at(r, MATCH_SUMMARY)?;
        let text = if with_text {
            Some(stored_observable(r, MATCH_KIND, MATCH_VALUE)?)
        } else {
            None
        };
        Ok(MatchRow {
            observable: r.int_at(MATCH_OBSERVABLE).unwrap_or_default(),
            text,
            role: role_of(r.text_at(MATCH_ROLE)),
            incident: s.key,
            of: Of::Summary(Box::new(s)),
        })
    }

    /// A row of `domain_postings`. The statements reading them keep only
    /// the rows the viewer may read ([`workflow::visible_sql_on`], the
    /// rule `tests/readable.rs` holds to [`Viewer::can_read`]), so each
    /// is readable as it comes: deciding again in Rust read two more
    /// columns of every match.
    fn in_domain(r: &mut dyn RowRef) -> Result<MatchRow, Error> {
        let observable = r.int_at(MATCH_OBSERVABLE).unwrap_or_default();
        let incident = r.int_at(MATCH_INCIDENT).ok_or_else(|| {
            Error::Corrupt(format!("a posting of {observable} without an incident"))
        })?;
        Ok(MatchRow {
            observable,
            text: None,
            role: role_of(r.text_at(MATCH_ROLE)),
            incident,
            of: Of::Readable,
        })
    }
}

/// A posting's role as stored (unknown when missing or not a role).
fn role_of(role: Option<&str>) -> ObservableRole {
    // The store writes canonical names: compared as they are before the
    // lenient parse (a lookup reads a role for every match).
    role.and_then(|x| {
        ObservableRole::ALL
            .iter()
            .copied()
            .find(|r| r.as_str() == x)
            .or_else(|| ObservableRole::from_str(x).ok())
    })
    .unwrap_or(ObservableRole::Unknown)
}

/// A value as the store wrote it, from the columns `kind` (the name of its
/// kind) and `value` (its canonical text, normalised before it was written
/// and not parsed again: [`Observable::from_canonical`]).
fn stored_observable<R: RowRef + ?Sized>(
    r: &mut R,
    kind: usize,
    value: usize,
) -> Result<Observable, Error> {
    let k = stored_kind(r.text_at(kind))?;
    let text = r
        .string_at(value)
        .ok_or_else(|| Error::Corrupt(format!("a {k} observable without its text")))?;
    Ok(Observable::from_canonical(k, text))
}

fn stored_kind(kind: Option<&str>) -> Result<ObservableKind, Error> {
    kind.and_then(|k| ObservableKind::from_str(k).ok())
        .ok_or_else(|| Error::Corrupt(format!("observable kind {kind:?}")))
}

fn observable_from(
    kind: &Value,
    value: &Value,
    role: &Value,
) -> Result<(Observable, ObservableRole), Error> {
    let k = stored_kind(kind.text())?;
    let text = value
        .text()
        .ok_or_else(|| Error::Corrupt(format!("a {k} observable without its text")))?;
    Ok((
        Observable::from_canonical(k, text.to_owned()),
        role_of(role.text()),
    ))
}

/// Whether only an incident's sharing lists can tell if `viewer` may read
/// it: AMBER and RED incidents of another organisation.
fn needs_shares(viewer: &Viewer, tlp: Tlp, reporter: &str) -> bool {
    matches!(tlp, Tlp::Amber | Tlp::Red) && viewer.org().is_some_and(|o| o != reporter)
}

fn readable(
    viewer: &Viewer,
    reporter: &str,
    tlp: Tlp,
    shared: &[String],
    recipients: &[String],
) -> bool {
    let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
    let recipients: Vec<&str> = recipients.iter().map(String::as_str).collect();
    viewer.can_read(&Audience {
        reporter,
        tlp,
        shared_with: &shared,
        recipients: &recipients,
    })
}
