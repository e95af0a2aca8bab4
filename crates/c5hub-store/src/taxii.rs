//! What the TAXII 2.1 server needs from the store: the content changes of
//! the change feed (a new incident or a new version, the changes that make
//! STIX objects), narrowed to a collection, and the status resources of
//! TAXII `POST`s (migration 17).
//!
//! The store knows neither TAXII nor STIX: a collection is a set of TLP
//! levels and an RSIT category, a status resource's lists are text the
//! server wrote. Readability is [`visible_sql_on`], the REST API's rule,
//! applied in the same statement, so a page's limit counts readable rows
//! only.

use c5hub_model::{Tlp, Viewer};
use chrono::{DateTime, Utc};

use crate::db::{FromRow, NamedRow, Read, Value};
use crate::workflow::visible_sql_on;
use crate::{ChangeKind, Error, MAX_CHANGES_PAGE, Store, now_ms, time, tlp_rank};

/// Which content changes a TAXII request asks for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContentQuery {
    /// Only changes after this `seq` (the paging cursor).
    pub after: i64,
    /// Only changes stored after this time (TAXII `added_after`).
    pub added_after: Option<DateTime<Utc>>,
    /// Only incidents at one of these levels now (empty: any).
    pub tlps: Vec<Tlp>,
    /// Only incidents of this RSIT category (the first part of its path).
    pub category: Option<String>,
    /// Only the change that made the incident's current version.
    pub current_only: bool,
    /// Only these incidents (empty: any).
    pub incidents: Vec<i64>,
    /// Most changes answered (1 to [`MAX_CHANGES_PAGE`]; 0 means the most).
    pub limit: usize,
}

/// One change that made a version of an incident.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentChange {
    /// Its sequence number in the change feed.
    pub seq: i64,
    /// When it was stored (TAXII's `date_added`).
    pub at: DateTime<Utc>,
    /// The incident's key.
    pub incident: i64,
    /// The version it made.
    pub version: i64,
    /// The incident's version now.
    pub current: i64,
}

impl FromRow for ContentChange {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let seq = r
            .int("seq")?
            .ok_or_else(|| Error::Corrupt("a change without its seq".to_owned()))?;
        Ok(ContentChange {
            seq,
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            incident: r
                .int("incident")?
                .ok_or_else(|| Error::Corrupt(format!("change {seq}: no incident")))?,
            version: r.int("version")?.unwrap_or(1),
            current: r.int("current")?.unwrap_or(1),
        })
    }
}

impl crate::Incidents<'_> {
    /// The content changes (new incidents and new versions) `q` selects,
    /// of incidents `viewer` may read now, in feed order.
    pub fn content_changes(
        &mut self,
        q: &ContentQuery,
        viewer: &Viewer,
    ) -> Result<Vec<ContentChange>, Error> {
        let limit = if q.limit == 0 {
            MAX_CHANGES_PAGE
        } else {
            q.limit.min(MAX_CHANGES_PAGE)
        };
        let mut params: Vec<Value> = vec![
            q.after.into(),
            ChangeKind::Incident.as_str().into(),
            ChangeKind::Version.as_str().into(),
        ];
        let (vis, vp) = visible_sql_on(viewer, params.len() + 1, "i", "i.id");
        params.extend(vp);
        let mut cond = vec![
            "c.seq > $1".to_owned(),
            "c.kind IN ($2, $3)".to_owned(),
            vis,
        ];
        if let Some(t) = q.added_after {
            params.push(t.timestamp_millis().into());
            cond.push(format!("c.at > ${}", params.len()));
        }
        if !q.tlps.is_empty() {
            let ranks: Vec<String> = q.tlps.iter().map(|t| tlp_rank(*t).to_string()).collect();
            cond.push(format!("i.tlp IN ({})", ranks.join(", ")));
        }
        if let Some(c) = &q.category {
            params.push(format!("{c}/%").into());
            cond.push(format!("i.rsit LIKE ${}", params.len()));
        }
        if q.current_only {
            cond.push("c.version = i.version".to_owned());
        }
        if !q.incidents.is_empty() {
            let keys: Vec<String> = q.incidents.iter().map(i64::to_string).collect();
            cond.push(format!("c.incident IN ({})", keys.join(", ")));
        }
        self.st.db.all(
            &format!(
                "SELECT c.seq, c.at, c.incident, c.version, i.version AS current \
                 FROM changes c JOIN incidents i ON i.id = c.incident \
                 WHERE {} ORDER BY c.seq LIMIT {limit}",
                cond.join(" AND ")
            ),
            &params,
        )
    }
}

/// A TAXII status resource, as stored: the server writes its lists as
/// text (JSON) and reads them back; the store keeps them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaxiiStatus {
    /// Its identifier (a UUID the server made).
    pub id: String,
    /// The organisation whose request it is: only it reads the status.
    pub org: String,
    /// When the request was made.
    pub at: DateTime<Utc>,
    /// `complete` or `pending`.
    pub status: String,
    /// Objects in the request.
    pub total: i64,
    /// How many were stored.
    pub success_count: i64,
    /// How many were refused.
    pub failure_count: i64,
    /// How many are still waiting.
    pub pending_count: i64,
    /// The stored objects (text the server wrote).
    pub successes: String,
    /// The refused objects, with why (text the server wrote).
    pub failures: String,
    /// The waiting objects (text the server wrote).
    pub pendings: String,
}

impl FromRow for TaxiiStatus {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(TaxiiStatus {
            id: r.text("id")?.unwrap_or_default(),
            org: r.text("org")?.unwrap_or_default(),
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            status: r.text("status")?.unwrap_or_default(),
            total: r.int("total")?.unwrap_or(0),
            success_count: r.int("success_count")?.unwrap_or(0),
            failure_count: r.int("failure_count")?.unwrap_or(0),
            pending_count: r.int("pending_count")?.unwrap_or(0),
            successes: r.text("successes")?.unwrap_or_default(),
            failures: r.text("failures")?.unwrap_or_default(),
            pendings: r.text("pendings")?.unwrap_or_default(),
        })
    }
}

/// The TAXII status resources.
pub struct TaxiiStatuses<'a> {
    pub(crate) st: &'a mut Store,
}

impl TaxiiStatuses<'_> {
    /// Stores `s`, replacing the status of the same id (a pending request
    /// that completed). `at` is kept from the first write.
    pub fn put(&mut self, s: &TaxiiStatus) -> Result<(), Error> {
        self.st.db.execute(
            "INSERT INTO taxii_status (id, org, at, status, total, success_count, failure_count, pending_count, successes, failures, pendings) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, total = excluded.total, \
             success_count = excluded.success_count, failure_count = excluded.failure_count, \
             pending_count = excluded.pending_count, successes = excluded.successes, \
             failures = excluded.failures, pendings = excluded.pendings",
            &[
                s.id.as_str().into(),
                s.org.as_str().into(),
                s.at.timestamp_millis().into(),
                s.status.as_str().into(),
                s.total.into(),
                s.success_count.into(),
                s.failure_count.into(),
                s.pending_count.into(),
                s.successes.as_str().into(),
                s.failures.as_str().into(),
                s.pendings.as_str().into(),
            ],
        )?;
        Ok(())
    }

    /// The status `id` of organisation `org`; another organisation's is
    /// `None`, like one that does not exist.
    pub fn get(&mut self, id: &str, org: &str) -> Result<Option<TaxiiStatus>, Error> {
        self.st.db.one(
            "SELECT id, org, at, status, total, success_count, failure_count, pending_count, successes, failures, pendings \
             FROM taxii_status WHERE id = $1 AND org = $2",
            &[id.into(), org.into()],
        )
    }

    /// Forgets statuses older than `days` days; answers how many.
    pub fn expire(&mut self, days: i64) -> Result<u64, Error> {
        let before = now_ms() - days * 86_400_000;
        self.st
            .db
            .execute("DELETE FROM taxii_status WHERE at < $1", &[before.into()])
    }
}

impl Store {
    /// The TAXII status resources.
    pub fn taxii_statuses(&mut self) -> TaxiiStatuses<'_> {
        TaxiiStatuses { st: self }
    }
}
