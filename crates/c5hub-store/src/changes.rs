//! The change feed: every stored change (a new incident, a new version, a
//! status or assignee change, a comment) gets a row in `changes` with a
//! sequence number, and [`Incidents::changes_since`] pages through them with
//! the reader's TLP applied in SQL.
//!
//! Sequence numbers follow commit order, so a reader that pages by the
//! last number it saw never skips a change that commits later:
//! - SQLite has one writer at a time (`BEGIN IMMEDIATE`), and `seq` is the
//!   rowid, assigned as the largest so far plus one inside that writer's
//!   transaction.
//! - PostgreSQL runs triage and comments on a pool, beside the submission
//!   writer: a sequence alone hands out numbers in the order transactions
//!   ask, not the order they commit, so a reader could see 8 before 7
//!   commits and page past 7. Each writing transaction therefore takes a
//!   transaction-scoped advisory lock ([`FEED_LOCK`]) just before it
//!   writes its change rows, as its last statements, and holds it until
//!   it commits. Numbers are then handed out one transaction at a time,
//!   in commit order; a transaction that rolls back leaves a gap, which a
//!   reader pages over. Taking the lock last keeps the serialised part to
//!   one insert, and means a transaction holding it waits for no row lock
//!   (no deadlock with another writer).

use c5hub_model::Viewer;
use chrono::{DateTime, Utc};

use crate::db::{Db, Dialect, FromRow, NamedRow, Param, Read, Value};
use crate::workflow::visible_sql_on;
use crate::{Error, time};

/// The advisory lock every PostgreSQL transaction that writes change rows
/// holds from its first change row until it commits ("c5ch").
const FEED_LOCK: i64 = 0x6335_6368;

/// Most changes in one answer of [`Incidents::changes_since`].
pub const MAX_CHANGES_PAGE: usize = 10_000;

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeKind {
    /// The incident was first stored (version 1).
    Incident,
    /// A new version replaced the incident's content, TLP and sharing
    /// lists (the only way they change).
    Version,
    /// Its status changed.
    Status,
    /// Its assignee changed (or was cleared).
    Assignee,
    /// A comment was added.
    Comment,
}

impl ChangeKind {
    /// Every kind.
    pub const ALL: [ChangeKind; 5] = [
        ChangeKind::Incident,
        ChangeKind::Version,
        ChangeKind::Status,
        ChangeKind::Assignee,
        ChangeKind::Comment,
    ];

    /// Its name in the store and on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Incident => "incident",
            ChangeKind::Version => "version",
            ChangeKind::Status => "status",
            ChangeKind::Assignee => "assignee",
            ChangeKind::Comment => "comment",
        }
    }

    fn parse(s: &str) -> Option<ChangeKind> {
        ChangeKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One stored change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Its sequence number: increasing in commit order, with gaps.
    pub seq: i64,
    /// When it was stored.
    pub at: DateTime<Utc>,
    /// What changed.
    pub kind: ChangeKind,
    /// The incident's key.
    pub incident: i64,
    /// The incident's IODEF IncidentID (`name:id`).
    pub global_id: String,
    /// The reporting organisation.
    pub reporter: String,
    /// The incident's version the change was made to (for `incident` and
    /// `version`, the version it made).
    pub version: i64,
    /// The comment's key, for a comment.
    pub comment: Option<i64>,
}

/// A page of the change feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChangePage {
    /// Changes the viewer may read, oldest first.
    pub changes: Vec<Change>,
    /// Where the next page starts: the last `seq` returned, or the `since`
    /// asked when none was.
    pub next: i64,
}

/// On PostgreSQL, takes [`FEED_LOCK`] for the rest of the transaction (see
/// the module's note); SQLite's writer already excludes every other.
fn lock(db: &mut dyn Db) -> Result<(), Error> {
    if db.dialect() == Dialect::Postgres {
        db.execute(&format!("SELECT pg_advisory_xact_lock({FEED_LOCK})"), &[])?;
    }
    Ok(())
}

/// Records one change to incident `key` at its current version, inside the
/// caller's transaction, as its last write.
pub(crate) fn record(
    db: &mut dyn Db,
    kind: ChangeKind,
    key: i64,
    comment: Option<i64>,
    at: i64,
) -> Result<(), Error> {
    lock(db)?;
    db.execute(
        "INSERT INTO changes (at, kind, incident, version, comment) SELECT $1, $2, id, version, $3 FROM incidents WHERE id = $4",
        &[at.into(), kind.as_str().into(), comment.into(), key.into()],
    )?;
    Ok(())
}

/// Records what an ingest stored, (incident key, version) in batch order,
/// inside its transaction, as its last write: version 1 is a new
/// incident, any other a new version.
///
/// A bulk import stores runs of new incidents with consecutive keys; each
/// run of at least [`RUN`] is one `INSERT ... SELECT` over its key range
/// (rows in key order, so feed order stays batch order), not a statement
/// per row: the per-row statements were 5 % of a bulk ingest's
/// instructions. The rest go row by row, in order between the runs.
pub(crate) fn record_stored(db: &mut dyn Db, stored: &[(i64, i64)], at: i64) -> Result<(), Error> {
    /// The shortest run worth its own statement.
    const RUN: usize = 8;
    if stored.is_empty() {
        return Ok(());
    }
    lock(db)?;
    let mut singles: Vec<Param<'_>> = Vec::new();
    let mut i = 0;
    while i < stored.len() {
        let (first, version) = stored[i];
        let mut end = i + 1;
        if version == 1 {
            while end < stored.len() && stored[end].1 == 1 && stored[end].0 == stored[end - 1].0 + 1
            {
                end += 1;
            }
        }
        if end - i >= RUN {
            flush_singles(db, &mut singles)?;
            let last = stored[end - 1].0;
            db.execute(
                "INSERT INTO changes (at, kind, incident, version) SELECT $1, $2, id, 1 FROM incidents WHERE id >= $3 AND id <= $4 ORDER BY id",
                &[
                    at.into(),
                    ChangeKind::Incident.as_str().into(),
                    first.into(),
                    last.into(),
                ],
            )?;
            i = end;
            continue;
        }
        for &(key, version) in &stored[i..end] {
            let kind = if version == 1 {
                ChangeKind::Incident
            } else {
                ChangeKind::Version
            };
            singles.extend([
                Param::Int(at),
                kind.as_str().into(),
                Param::Int(key),
                Param::Int(version),
            ]);
        }
        i = end;
    }
    flush_singles(db, &mut singles)
}

/// Inserts the change rows gathered in `params` (four a row), in order.
fn flush_singles(db: &mut dyn Db, params: &mut Vec<Param<'_>>) -> Result<(), Error> {
    if !params.is_empty() {
        db.insert_rows(
            "INSERT INTO changes (at, kind, incident, version) VALUES ",
            4,
            params,
            "",
        )?;
        params.clear();
    }
    Ok(())
}

impl crate::Incidents<'_> {
    /// Changes after `since` to incidents `viewer` may read now, oldest
    /// first, at most `limit` (1 to [`MAX_CHANGES_PAGE`]; 0 means the
    /// most).
    ///
    /// Readability is the incident's current TLP and sharing lists, judged
    /// in SQL: changes to an incident the viewer may not read are neither
    /// returned nor counted against `limit`, whenever they were made. Ask
    /// again with `since` set to the answer's `next` for the next page:
    /// nothing committed later gets a number at or below it.
    pub fn changes_since(
        &mut self,
        since: i64,
        viewer: &Viewer,
        limit: usize,
    ) -> Result<ChangePage, Error> {
        let limit = if limit == 0 {
            MAX_CHANGES_PAGE
        } else {
            limit.min(MAX_CHANGES_PAGE)
        };
        // `$1` first: SQLite numbers parameters in order of appearance.
        let (cond, vis) = visible_sql_on(viewer, 2, "i", "i.id");
        let mut params: Vec<Value> = vec![since.into()];
        params.extend(vis);
        let changes: Vec<Change> = self.st.db.all(
            &format!(
                "SELECT c.seq, c.at, c.kind, c.incident, i.global_id, i.reporter, c.version, c.comment \
                 FROM changes c JOIN incidents i ON i.id = c.incident \
                 WHERE c.seq > $1 AND {cond} ORDER BY c.seq LIMIT {limit}"
            ),
            &params,
        )?;
        let next = changes.last().map_or(since, |c| c.seq);
        Ok(ChangePage { changes, next })
    }
}

impl FromRow for Change {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let seq = r
            .int("seq")?
            .ok_or_else(|| Error::Corrupt("a change without its seq".to_owned()))?;
        let bad = |what: &str| Error::Corrupt(format!("change {seq}: {what}"));
        let kind = r
            .text("kind")?
            .as_deref()
            .and_then(ChangeKind::parse)
            .ok_or_else(|| bad("kind"))?;
        let incident = r.int("incident")?.ok_or_else(|| bad("no incident"))?;
        Ok(Change {
            seq,
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            kind,
            incident,
            global_id: r.text("global_id")?.unwrap_or_default(),
            reporter: r.text("reporter")?.unwrap_or_default(),
            version: r.int("version")?.unwrap_or(1),
            comment: r.int("comment")?,
        })
    }
}
