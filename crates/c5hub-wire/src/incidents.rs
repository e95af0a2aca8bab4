//! Incidents: submission results, lists, one incident, its workflow
//! (history, comments, co-handlers), correlation (lookup, related), the
//! change feed and the dashboard's statistics.

use c5hub_model::{IncidentStatus, Observable};
use c5hub_store::{
    Assignment, ChangePage, Comment, IncidentFilter, IncidentSummary, Lookup, LookupHit, Outcome,
    Related, SearchHits, Sighting, Stats, StatusChange, StoredIncident,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// The outcome of one submitted incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitResult {
    /// The incident's key.
    pub id: i64,
    /// Its IODEF IncidentID.
    pub global_id: String,
    /// `new`, `new-version` or `duplicate`.
    pub outcome: String,
    /// The version now current (absent for a duplicate).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
}

impl SubmitResult {
    /// What became of the incident `global_id`.
    pub fn new(o: &Outcome, global_id: &str) -> Self {
        let (id, outcome, version) = match o {
            Outcome::New(k) => (*k, "new", Some(1)),
            Outcome::NewVersion { key, version } => (*key, "new-version", Some(*version)),
            Outcome::Duplicate(k) => (*k, "duplicate", None),
        };
        SubmitResult {
            id,
            global_id: global_id.to_owned(),
            outcome: outcome.to_owned(),
            version,
        }
    }
}

/// Something the reader noticed but accepted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitNote {
    /// Where: an element path, a JSON pointer, or a line and column.
    pub at: String,
    /// What.
    pub detail: String,
}

/// `POST /api/v1/incidents`: what became of each incident of the document.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Submitted {
    /// One per incident, in document order.
    pub results: Vec<SubmitResult>,
    /// What the reader noticed.
    pub notes: Vec<SubmitNote>,
}

/// An incident as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Its key (`/api/v1/incidents/{id}`).
    pub id: i64,
    /// Its IODEF IncidentID.
    pub global_id: String,
    /// The reporting organisation.
    pub reporter: String,
    /// Its current version.
    pub version: i64,
    /// Its workflow status.
    pub status: String,
    /// Its TLP 2.0 label.
    pub tlp: String,
    /// Its RSIT class (`fraud/phishing`).
    pub classification: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// When it was first stored (RFC 3339).
    pub created_at: String,
    /// When it was detected (RFC 3339).
    pub detected: Option<String>,
}

impl From<&IncidentSummary> for Summary {
    fn from(s: &IncidentSummary) -> Self {
        Summary {
            id: s.key,
            global_id: s.global_id.clone(),
            reporter: s.reporter.clone(),
            version: s.version,
            status: s.status.as_str().to_owned(),
            tlp: s.tlp.as_str().to_owned(),
            classification: s.classification.map(|c| c.path().to_owned()),
            title: s.title.clone(),
            created_at: time(s.created_at),
            detected: time_opt(s.detected),
        }
    }
}

/// `GET /api/v1/incidents`: a page of incidents, in the order asked
/// (newest first by default).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentPage {
    /// The incidents.
    pub items: Vec<Summary>,
    /// `cursor` for the next page of the default order (`null`: this is
    /// the last, or the page is of another order: use `next_offset`).
    pub next_cursor: Option<String>,
    /// `offset` for the next page, in any order (`null`: this is the last).
    pub next_offset: Option<usize>,
}

impl IncidentPage {
    /// A page of `rows` asked with `filter` (its limit, offset and order):
    /// a full page has a next one.
    pub fn new(rows: &[IncidentSummary], filter: &IncidentFilter) -> Self {
        let full = filter.limit > 0 && rows.len() == filter.limit;
        let next_cursor = rows
            .last()
            .filter(|_| full && filter.order.is_default())
            .map(|r| r.key.to_string());
        IncidentPage {
            items: rows.iter().map(Summary::from).collect(),
            next_cursor,
            next_offset: full.then(|| filter.offset + rows.len()),
        }
    }
}

/// A value: its kind and its normalised text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObservableValue {
    /// `ipv4`, `domain`, `url`, `email`, `sha256`, ...
    pub kind: String,
    /// The normalised value.
    pub value: String,
}

impl From<&Observable> for ObservableValue {
    fn from(o: &Observable) -> Self {
        ObservableValue {
            kind: o.kind().as_str().to_owned(),
            value: o.value().to_owned(),
        }
    }
}

/// A value of an incident, with what it was there.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoledValue {
    /// Its kind.
    pub kind: String,
    /// The normalised value.
    pub value: String,
    /// Its role (`source`, `target`, `c2`, ...).
    pub role: String,
}

/// A contact named in an incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactAnswer {
    /// Its name.
    pub name: Option<String>,
    /// Its e-mail address.
    pub email: Option<String>,
    /// Its role.
    pub role: String,
}

/// An incident's times (RFC 3339).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Times {
    /// Detected.
    pub detected: Option<String>,
    /// Started.
    pub start: Option<String>,
    /// Ended.
    pub end: Option<String>,
    /// Reported.
    pub reported: Option<String>,
    /// The document was generated.
    pub generated: Option<String>,
}

/// `GET /api/v1/incidents/{id}`: one incident.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentAnswer {
    /// Its key.
    pub id: i64,
    /// Its IODEF IncidentID.
    pub global_id: String,
    /// The reporting organisation.
    pub reporter: String,
    /// Its current version.
    pub version: i64,
    /// Its workflow status.
    pub status: String,
    /// Who handles it (an anonymous reader sees only that someone does).
    pub assignee: Option<String>,
    /// Its TLP 2.0 label.
    pub tlp: String,
    /// Its RSIT class.
    pub classification: Option<String>,
    /// Its title.
    pub title: Option<String>,
    /// Its description.
    pub description: Option<String>,
    /// When it was first stored (RFC 3339).
    pub created_at: String,
    /// When its current version was stored (RFC 3339).
    pub updated_at: String,
    /// Its times.
    pub times: Times,
    /// Its values.
    pub observables: Vec<RoledValue>,
    /// Its contacts.
    pub contacts: Vec<ContactAnswer>,
    /// The format it was submitted in.
    pub original_format: Option<String>,
    /// Who an AMBER incident is shared with (its reporter only sees this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_with: Option<Vec<String>>,
    /// Who a RED incident is addressed to (its reporter only sees this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Vec<String>>,
    /// Where it comes from, when it came from a peer hub.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<ProvenanceAnswer>,
}

/// Where an incident from a peer hub comes from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProvenanceAnswer {
    /// The hub it was reported to.
    pub origin: String,
    /// Its key at the origin.
    pub origin_key: i64,
    /// Its version at the origin.
    pub origin_version: i64,
    /// The hubs it came through, the origin first, the peer that sent it
    /// last.
    pub path: Vec<String>,
    /// When its current version arrived here (RFC 3339).
    pub received_at: String,
}

impl IncidentAnswer {
    /// Incident `s` as `viewer_org` reads it, with `assignee` as that
    /// reader may see it. Sharing lists name other organisations, so only
    /// the reporter sees them.
    pub fn new(s: &StoredIncident, viewer_org: Option<&str>, assignee: Option<&str>) -> Self {
        let m = &s.incident;
        let reporter = viewer_org == Some(s.reporter.as_str());
        IncidentAnswer {
            id: s.key,
            global_id: m.id.to_string(),
            reporter: s.reporter.clone(),
            version: s.version,
            status: m.status.as_str().to_owned(),
            assignee: assignee.map(str::to_owned),
            tlp: m.tlp.as_str().to_owned(),
            classification: m.classification.map(|c| c.path().to_owned()),
            title: m.title.clone(),
            description: m.description.clone(),
            created_at: time(s.created_at),
            updated_at: time(s.updated_at),
            times: Times {
                detected: time_opt(m.times.detected),
                start: time_opt(m.times.start),
                end: time_opt(m.times.end),
                reported: time_opt(m.times.reported),
                generated: time_opt(m.times.generated),
            },
            observables: m
                .observables
                .iter()
                .map(|o| RoledValue {
                    kind: o.observable.kind().as_str().to_owned(),
                    value: o.observable.value().to_owned(),
                    role: o.role.as_str().to_owned(),
                })
                .collect(),
            contacts: m
                .contacts
                .iter()
                .map(|c| ContactAnswer {
                    name: c.name.clone(),
                    email: c.email.clone(),
                    role: c.role.clone(),
                })
                .collect(),
            original_format: m.original.as_ref().map(|o| o.format.as_str().to_owned()),
            shared_with: reporter.then(|| s.shared_with.clone()),
            recipients: reporter.then(|| s.recipients.clone()),
            provenance: s.provenance.as_ref().map(|a| ProvenanceAnswer {
                origin: a.provenance.origin.clone(),
                origin_key: a.provenance.origin_key,
                origin_version: a.provenance.origin_version,
                path: a.provenance.path.clone(),
                received_at: time(a.received_at),
            }),
        }
    }
}

/// `PATCH /api/v1/incidents/{id}`: a triage change.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    /// The new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The new assignee: `null` clears it, absent leaves it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
    /// Why (kept with the status change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// `POST /api/v1/incidents/bulk`: one triage change for many incidents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BulkTriageRequest {
    /// The incidents (keys), at most 500.
    pub ids: Vec<i64>,
    /// The new status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The new assignee: `null` clears it, absent leaves it.
    #[serde(
        default,
        with = "double_option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>)]
    pub assignee: Option<Option<String>>,
    /// Why (kept with each status change).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// What a bulk change did: the incidents changed, and each one refused
/// with why.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkAnswer {
    /// Incidents changed (or already as asked).
    pub done: Vec<i64>,
    /// Incidents refused.
    pub refused: Vec<BulkRefusal>,
}

/// One incident a bulk change refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BulkRefusal {
    /// The incident's key.
    pub id: i64,
    /// The status a change of this incident alone would have had (403,
    /// 404, 422).
    pub status: u16,
    /// Why, in words a user reads.
    pub reason: String,
}

/// `null` and absent differ for the assignee: serde's `Option` reads both
/// as `None`.
mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }

    pub(crate) fn serialize<S: Serializer>(
        v: &Option<Option<String>>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        v.as_ref().and_then(Option::as_deref).serialize(s)
    }
}

/// One entry of an incident's history: a status or an assignee change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HistoryEntry {
    /// When (RFC 3339).
    pub at: String,
    /// Who.
    pub actor: String,
    /// `status` or `assignee`.
    pub change: String,
    /// The status before (status changes only; `null` for the first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub from: Option<Option<String>>,
    /// The new status, or the new assignee (`null`: none).
    pub to: Option<String>,
    /// Why (status changes only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

/// An incident's status and assignee changes, oldest first.
pub fn history(h: &[StatusChange], a: &[Assignment]) -> Vec<HistoryEntry> {
    let mut events: Vec<(chrono::DateTime<chrono::Utc>, HistoryEntry)> = h
        .iter()
        .map(|c| {
            (
                c.at,
                HistoryEntry {
                    at: time(c.at),
                    actor: c.actor.clone(),
                    change: "status".to_owned(),
                    from: Some(c.from.map(|s: IncidentStatus| s.as_str().to_owned())),
                    to: Some(c.to.as_str().to_owned()),
                    note: Some(c.note.clone()),
                },
            )
        })
        .collect();
    events.extend(a.iter().map(|x| {
        (
            x.at,
            HistoryEntry {
                at: time(x.at),
                actor: x.actor.clone(),
                change: "assignee".to_owned(),
                from: None,
                to: x.assignee.clone(),
                note: None,
            },
        )
    }));
    events.sort_by_key(|e| e.0);
    events.into_iter().map(|e| e.1).collect()
}

/// A comment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentAnswer {
    /// Its id.
    pub id: i64,
    /// When (RFC 3339).
    pub at: String,
    /// Who wrote it.
    pub author: String,
    /// The author's organisation.
    pub org: String,
    /// The text.
    pub body: String,
}

impl From<&Comment> for CommentAnswer {
    fn from(c: &Comment) -> Self {
        CommentAnswer {
            id: c.id,
            at: time(c.at),
            author: c.author.clone(),
            org: c.org.clone(),
            body: c.body.clone(),
        }
    }
}

/// `POST /api/v1/incidents/{id}/comments`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The text.
    pub body: String,
}

/// An incident's co-handlers (the answer, and the body that names them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Handlers {
    /// Organisations that may triage it beside its reporter and the hub
    /// operator.
    pub handlers: Vec<String>,
}

/// One value an incident shares with another.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharedValue {
    /// The value of the asked incident.
    pub value: ObservableValue,
    /// The value of the related incident it matched.
    pub matched: ObservableValue,
    /// How: `exact`, `cidr-contains`, `cidr-within`, `same-domain`.
    pub how: String,
}

/// An incident sharing values with the asked one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RelatedAnswer {
    /// The related incident.
    pub incident: Summary,
    /// What they share.
    pub shared: Vec<SharedValue>,
}

impl From<&Related> for RelatedAnswer {
    fn from(x: &Related) -> Self {
        RelatedAnswer {
            incident: Summary::from(&x.incident),
            shared: x
                .shared
                .iter()
                .map(|(mine, theirs, how)| SharedValue {
                    value: ObservableValue::from(mine),
                    matched: ObservableValue::from(theirs),
                    how: how.as_str().to_owned(),
                })
                .collect(),
        }
    }
}

/// An incident a lookup found, once, with every value of it that matched.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupIncident {
    /// The incident.
    pub incident: Summary,
    /// Its values that matched, closest match first.
    pub values: Vec<MatchedValue>,
}

/// A stored value that matched a lookup.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchedValue {
    /// The value.
    pub observable: ObservableValue,
    /// What the value was in the incident.
    pub role: String,
    /// How it matched: `exact`, `in-prefix` (a stored prefix holds the
    /// value), `contains` (the value's prefix holds the stored one),
    /// `same-domain` or `sub-domain`.
    pub how: String,
}

impl From<&LookupHit> for LookupIncident {
    fn from(h: &LookupHit) -> Self {
        LookupIncident {
            incident: Summary::from(&h.incident),
            values: h
                .values
                .iter()
                .map(|v| MatchedValue {
                    observable: ObservableValue::from(&v.observable),
                    role: v.role.as_str().to_owned(),
                    how: v.how.as_str().to_owned(),
                })
                .collect(),
        }
    }
}

/// How often one source reported a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SourceCount {
    /// The reporting organisation.
    pub source: String,
    /// Its sightings.
    pub count: i64,
}

/// Sightings of one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SightingAnswer {
    /// The value.
    pub observable: ObservableValue,
    /// How often it was seen in readable incidents.
    pub count: i64,
    /// First seen (RFC 3339).
    pub first_seen: String,
    /// Last seen (RFC 3339).
    pub last_seen: String,
    /// By whom.
    pub sources: Vec<SourceCount>,
}

impl From<&Sighting> for SightingAnswer {
    fn from(s: &Sighting) -> Self {
        SightingAnswer {
            observable: ObservableValue::from(&s.observable),
            count: s.count,
            first_seen: time(s.first_seen),
            last_seen: time(s.last_seen),
            sources: s
                .sources
                .iter()
                .map(|(src, n)| SourceCount {
                    source: src.clone(),
                    count: *n,
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/lookup` and `c5hub lookup --format json`: everything
/// known about a value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupAnswer {
    /// The value looked up, normalised.
    pub value: ObservableValue,
    /// Why its matches may mean little (a value on the warning list).
    pub warning: Option<String>,
    /// Readable incidents found, on every page together.
    pub total: usize,
    /// `before` for the next page (`null`: this is the last).
    pub next: Option<i64>,
    /// This page's incidents, newest first, each once.
    pub incidents: Vec<LookupIncident>,
    /// Sightings of the values on this page.
    pub sightings: Vec<SightingAnswer>,
}

impl From<&Lookup> for LookupAnswer {
    fn from(l: &Lookup) -> Self {
        LookupAnswer {
            value: ObservableValue::from(&l.value),
            warning: l.warning.clone(),
            total: l.total,
            next: l.next,
            incidents: l.incidents.iter().map(LookupIncident::from).collect(),
            sightings: l.sightings.iter().map(SightingAnswer::from).collect(),
        }
    }
}

/// `GET /api/v1/search` and `c5hub search --json`: what the search box
/// found. Text that is one value answers `lookup` (the value, normalised:
/// ask `/api/v1/lookup?value=` for what is known about it) and no items;
/// other text answers a page of the readable incidents whose title or
/// description holds every word, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchAnswer {
    /// The text searched for, as given.
    pub q: String,
    /// The value the text is, when it is one (`null`: words).
    pub lookup: Option<ObservableValue>,
    /// The words searched for, as the index reads them (lower case; the
    /// last one matches as a prefix).
    pub words: Vec<String>,
    /// Readable incidents holding every word, in all.
    pub total: i64,
    /// This page's number, from 1.
    pub page: usize,
    /// Incidents per page (0 for a value).
    pub per_page: usize,
    /// The next page's number (`null`: this is the last).
    pub next_page: Option<usize>,
    /// This page's incidents, newest first.
    pub items: Vec<Summary>,
}

impl SearchAnswer {
    /// The answer of [`c5hub_hub::reads::search`] to `q`.
    pub fn new(q: &str, found: &c5hub_hub::reads::Search) -> Self {
        match found {
            c5hub_hub::reads::Search::Value(v) => SearchAnswer::value(q, v),
            c5hub_hub::reads::Search::Text {
                hits,
                page,
                per_page,
            } => SearchAnswer::text(q, hits, *page, *per_page),
        }
    }

    /// The answer to `q`: a value to look up.
    pub fn value(q: &str, value: &Observable) -> Self {
        SearchAnswer {
            q: q.to_owned(),
            lookup: Some(ObservableValue::from(value)),
            words: Vec::new(),
            total: 0,
            page: 1,
            per_page: 0,
            next_page: None,
            items: Vec::new(),
        }
    }

    /// The answer to `q`: page `page` of `per_page` incidents.
    pub fn text(q: &str, hits: &SearchHits, page: usize, per_page: usize) -> Self {
        let seen = page.saturating_mul(per_page);
        let more = usize::try_from(hits.total).is_ok_and(|t| t > seen);
        SearchAnswer {
            q: q.to_owned(),
            lookup: None,
            words: hits.words.clone(),
            total: hits.total,
            page,
            per_page,
            next_page: (more && !hits.items.is_empty()).then_some(page + 1),
            items: hits.items.iter().map(Summary::from).collect(),
        }
    }
}

/// One page of the change feed, as the API and the CLI answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangesAnswer {
    /// Changes to incidents the caller may read now, oldest first.
    pub changes: Vec<ChangeAnswer>,
    /// `since` for the next page: the last `seq` here, or the `since`
    /// asked when the page is empty.
    pub next: i64,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeAnswer {
    /// Its sequence number (increasing in commit order, with gaps).
    pub seq: i64,
    /// When it was stored (RFC 3339).
    pub at: String,
    /// `incident`, `version`, `status`, `assignee` or `comment`.
    pub kind: String,
    /// The incident's key (`/api/v1/incidents/{id}`).
    pub incident: i64,
    /// The incident's IODEF IncidentID.
    pub global_id: String,
    /// The reporting organisation.
    pub reporter: String,
    /// The incident's version the change applies to.
    pub version: i64,
    /// The comment's id, for a comment.
    pub comment: Option<i64>,
}

impl From<&ChangePage> for ChangesAnswer {
    fn from(p: &ChangePage) -> Self {
        ChangesAnswer {
            changes: p
                .changes
                .iter()
                .map(|c| ChangeAnswer {
                    seq: c.seq,
                    at: time(c.at),
                    kind: c.kind.as_str().to_owned(),
                    incident: c.incident,
                    global_id: c.global_id.clone(),
                    reporter: c.reporter.clone(),
                    version: c.version,
                    comment: c.comment,
                })
                .collect(),
            next: p.next,
        }
    }
}

/// A count of readable incidents of one class.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassCount {
    /// The RSIT class (`null`: none).
    pub classification: Option<String>,
    /// How many.
    pub count: i64,
}

/// A count of readable incidents of one TLP label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TlpCount {
    /// The label.
    pub tlp: String,
    /// How many.
    pub count: i64,
}

/// A count of readable incidents of one status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusCount {
    /// The status.
    pub status: String,
    /// How many.
    pub count: i64,
}

/// Readable incidents detected on one day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DayCount {
    /// The day (`YYYY-MM-DD`, UTC).
    pub date: String,
    /// How many.
    pub count: i64,
}

/// `GET /api/v1/stats`: the dashboard's counts over readable incidents.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatsAnswer {
    /// Readable incidents in all.
    pub total: i64,
    /// By RSIT class.
    pub by_class: Vec<ClassCount>,
    /// By TLP label.
    pub by_tlp: Vec<TlpCount>,
    /// By status.
    pub by_status: Vec<StatusCount>,
    /// Per day.
    pub daily: Vec<DayCount>,
}

impl From<&Stats> for StatsAnswer {
    fn from(st: &Stats) -> Self {
        StatsAnswer {
            total: st.total,
            by_class: st
                .by_class
                .iter()
                .map(|(c, n)| ClassCount {
                    classification: c.map(|c| c.path().to_owned()),
                    count: *n,
                })
                .collect(),
            by_tlp: st
                .by_tlp
                .iter()
                .map(|(t, n)| TlpCount {
                    tlp: t.as_str().to_owned(),
                    count: *n,
                })
                .collect(),
            by_status: st
                .by_status
                .iter()
                .map(|(x, n)| StatusCount {
                    status: x.as_str().to_owned(),
                    count: *n,
                })
                .collect(),
            daily: st
                .daily
                .iter()
                .map(|(d, n)| DayCount {
                    date: d.to_string(),
                    count: *n,
                })
                .collect(),
        }
    }
}

/// `c5hub incidents show --format json`: one incident with what the API
/// answers about it at `/api/v1/incidents/{id}`, `.../history` and
/// `.../related`, each in the API's shape.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentShow {
    /// The incident.
    pub incident: IncidentAnswer,
    /// Its status and assignee changes, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Readable incidents sharing values with it.
    pub related: Vec<RelatedAnswer>,
}
