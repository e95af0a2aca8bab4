//! The durable incident store and its correlation index.
//!
//! One API, two backends that pass the same test suite: SQLite embedded (the
//! default, one database file in WAL mode under a data directory) and
//! PostgreSQL for production. Both run the same SQL through [`db::Db`].
//!
//! What it keeps: incidents in the normalised model, every version of each
//! (same reporter and IODEF IncidentID name+id makes a new version), the
//! original document's bytes (stored once however often they arrive), the
//! status history, and observables with their sightings. The correlation
//! index is linear in size: one row per distinct value, one posting per
//! value and incident.
//!
//! Every read takes a [`Viewer`]: what it returns, and every count in it,
//! covers only incidents the viewer may read under TLP 2.0.
//!
//! This crate knows nothing of wire formats or HTTP.

mod accounts;
mod assess;
mod changes;
mod correlate;
mod db;
mod feeds;
mod incidents;
mod ingest;
mod keys;
mod migrations;
mod notify;
mod peers;
mod search;
mod spam;
mod stats;
mod taxii;
mod workflow;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use c5hub_model::Tlp;
use chrono::{DateTime, Utc};

pub use accounts::{
    Accounts, AuditEntry, Census, MIN_PASSWORD_CHARS, MIN_SECRET_CHARS, Org, Principal, Session,
    TokenInfo, User, new_secret,
};
pub use assess::{
    Actor, AnswerInput, Assessment, Decision, Edition, EvidenceInfo, MAX_ANSWER_FIELD_BYTES,
    MAX_EVIDENCE_BYTES, NewEdition, NewEvidence, Response, ResponseStatus, StoredAnswer,
};
pub use changes::{Change, ChangeKind, ChangePage, MAX_CHANGES_PAGE};
pub use correlate::WarningList;
use db::{Db, Value};
pub use feeds::{Feed, Feeds, NewFeed};
pub use incidents::{
    DEFAULT_LOOKUP_LIMIT, IncidentFilter, IncidentOrder, IncidentSummary, Incidents, Lookup,
    LookupHit, LookupPage, MatchKind, MatchedValue, Outcome, RELATED_MAX_MATCHES_PER_VALUE,
    RELATED_MAX_VALUES, Related, Sighting, SortColumn, StoredIncident, StoredVersion, Submission,
};
pub use ingest::Plan;
pub use notify::{
    AttemptOutcome, DeliveryAttempt, DueDelivery, DueEmail, MAX_NOTIFICATIONS_PAGE, NewDelivery,
    NewEmail, NewNotification, Notification, Notifications, NotifyPref, Webhook,
};
pub use peers::{Arrived, Held, NewPeer, Peer, Peers};
pub use search::{MAX_SEARCH_PAGE, MAX_SEARCH_WORDS, SearchHits, search_words};
pub use spam::{
    CompletedIntake, MAX_SPAM_TEXT, NewSpamReport, Spam, SpamPseudonyms, SpamReportRow,
};
pub use taxii::{ContentChange, ContentQuery, TaxiiStatus, TaxiiStatuses};
pub use workflow::{
    Assignment, Assignments, Comment, MAX_ASSIGNEE_BYTES, MAX_COMMENT_BYTES, MAX_NOTE_BYTES, Stats,
    StatusChange, Workflow,
};

/// Where the store lives.
///
/// Printing it (`Display` or `Debug`) never shows a PostgreSQL password,
/// in either form libpq accepts: a `postgres://` URL or `key=value` pairs.
#[derive(Clone, PartialEq, Eq)]
pub enum Location {
    /// The embedded store: `c5hub.sqlite` in this directory.
    Sqlite(PathBuf),
    /// A PostgreSQL database: a `postgres://` URL or a libpq `key=value`
    /// connection string.
    Postgres(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(dir) => write!(f, "{}", dir.join(SQLITE_FILE).display()),
            Location::Postgres(conn) => f.write_str(&mask_password(conn)),
        }
    }
}

impl fmt::Debug for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Sqlite(dir) => f.debug_tuple("Sqlite").field(dir).finish(),
            Location::Postgres(_) => f.debug_tuple("Postgres").field(&self.to_string()).finish(),
        }
    }
}

/// What a masked password prints as.
const MASK: &str = "***";

/// A PostgreSQL connection string with its password replaced by [`MASK`]:
/// the user info and any `password` parameter of a URL, the `password`
/// pair of a `key=value` string. A string that does not parse as either is
/// masked whole, since the password cannot be told from the rest.
fn mask_password(conn: &str) -> String {
    let t = conn.trim();
    if let Some(rest) = t
        .strip_prefix("postgres://")
        .map(|r| ("postgres://", r))
        .or_else(|| {
            t.strip_prefix("postgresql://")
                .map(|r| ("postgresql://", r))
        })
    {
        let (scheme, rest) = rest;
        // The user info ends at the last `@` before the path or query.
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let host = match authority.rsplit_once('@') {
            Some((user, host)) => match user.split_once(':') {
                Some((name, _)) => format!("{name}:{MASK}@{host}"),
                None => format!("{user}@{host}"),
            },
            None => authority.to_owned(),
        };
        let tail = match tail.split_once('?') {
            Some((path, query)) => {
                let query: Vec<String> = query
                    .split('&')
                    .map(|kv| match kv.split_once('=') {
                        Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}={MASK}"),
                        _ => kv.to_owned(),
                    })
                    .collect();
                format!("{path}?{}", query.join("&"))
            }
            None => tail.to_owned(),
        };
        return format!("{scheme}{host}{tail}");
    }
    match conninfo_pairs(t) {
        Some(pairs) => pairs
            .into_iter()
            .map(|(k, v)| {
                if k == "password" {
                    format!("{k}={MASK}")
                } else {
                    format!("{k}={v}")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
        None => format!("(PostgreSQL connection string, {MASK})"),
    }
}

/// The pairs of a libpq `key=value` connection string, values as written
/// (quotes kept); `None` when it does not parse.
fn conninfo_pairs(s: &str) -> Option<Vec<(&str, &str)>> {
    let mut out = Vec::new();
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let key_end = rest.find(|c: char| c == '=' || c.is_whitespace())?;
        let key = &rest[..key_end];
        rest = rest[key_end..].trim_start().strip_prefix('=')?.trim_start();
        let value_end = if rest.starts_with('\'') {
            // A quoted value: up to the first quote not escaped by a backslash.
            let mut escaped = false;
            let mut end = None;
            for (i, c) in rest.char_indices().skip(1) {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '\'' => {
                        end = Some(i + 1);
                        break;
                    }
                    _ => {}
                }
            }
            end?
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        if key.is_empty() {
            return None;
        }
        out.push((key, &rest[..value_end]));
        rest = rest[value_end..].trim_start();
    }
    Some(out)
}

const SQLITE_FILE: &str = "c5hub.sqlite";

/// What went wrong.
#[derive(Debug)]
pub enum Error {
    /// The database refused a statement.
    Database {
        /// The statement, shortened.
        statement: String,
        /// The database's message.
        message: String,
    },
    /// The data directory or database could not be opened.
    Open(String),
    /// The schema is not what this build understands.
    Schema(String),
    /// Stored data did not read back as the model.
    Corrupt(String),
    /// A request the store refuses as given (a bad name, a short password).
    Invalid(String),
    /// Something that must be new exists already.
    Conflict(String),
    /// Something named does not exist.
    NotFound(String),
}

impl Error {
    fn db(sql: &str, e: impl fmt::Display) -> Error {
        let statement: String = sql
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .chars()
            .take(120)
            .collect();
        Error::Database {
            statement,
            message: e.to_string(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Database { statement, message } => {
                write!(f, "database error: {message} (in: {statement})")
            }
            Error::Open(m) | Error::Schema(m) => f.write_str(m),
            Error::Corrupt(m) => write!(f, "stored data is damaged: {m}"),
            Error::Invalid(m) => f.write_str(m),
            Error::Conflict(m) => write!(f, "already exists: {m}"),
            Error::NotFound(m) => write!(f, "not found: {m}"),
        }
    }
}

impl std::error::Error for Error {}

pub(crate) fn now_ms() -> i64 {
    Utc::now().timestamp_millis()
}

fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.int().and_then(DateTime::from_timestamp_millis)
}

fn tlp_rank(t: Tlp) -> i64 {
    Tlp::ALL.iter().position(|x| *x == t).unwrap_or(4) as i64
}

fn tlp_of(rank: i64) -> Tlp {
    Tlp::ALL.get(rank as usize).copied().unwrap_or(Tlp::Red)
}

/// Options of a store.
#[derive(Clone, Debug)]
pub struct Options {
    /// Values that never correlate.
    pub warning_list: WarningList,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            warning_list: WarningList::builtin(),
        }
    }
}

/// The store.
pub struct Store {
    db: Box<dyn Db + Send>,
    opts: Options,
    location: Location,
    /// See [`DEFAULT_READ_BUDGET`].
    read_budget: Duration,
}

/// How long an expensive read ([`Incidents::related`]) may run before it
/// answers with what it found so far.
pub const DEFAULT_READ_BUDGET: Duration = Duration::from_secs(5);

impl Store {
    /// Opens (creating if needed) and migrates the store.
    pub fn open(location: &Location, opts: Options) -> Result<Store, Error> {
        Self::open_at_version(location, opts, migrations::latest())
    }

    /// Opens a store migrated only up to `version`: for testing upgrades.
    #[doc(hidden)]
    pub fn open_at_version(
        location: &Location,
        opts: Options,
        version: i64,
    ) -> Result<Store, Error> {
        let mut db: Box<dyn Db + Send> = match location {
            Location::Sqlite(dir) => Box::new(open_sqlite(dir)?),
            Location::Postgres(url) => {
                let client = postgres::Client::connect(url, postgres::NoTls)
                    .map_err(|e| Error::Open(format!("cannot connect to {location}: {e}")))?;
                Box::new(db::Postgres::new(client))
            }
        };
        migrations::migrate(db.as_mut(), version)?;
        Ok(Store {
            db,
            opts,
            location: location.clone(),
            read_budget: DEFAULT_READ_BUDGET,
        })
    }

    /// How long an expensive read may run on this connection (default
    /// [`DEFAULT_READ_BUDGET`]); it then answers with what it found.
    pub fn set_read_budget(&mut self, budget: Duration) {
        self.read_budget = budget;
    }

    /// Runs raw SQL: for upgrade tests that must write data the way an
    /// older c5hub did. Not for application code.
    #[doc(hidden)]
    pub fn run_sql_for_tests(&mut self, sql: &str) -> Result<(), Error> {
        self.db.batch(sql)
    }

    /// Where the store is.
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// The schema version of the database.
    pub fn schema_version(&mut self) -> Result<i64, Error> {
        migrations::current(self.db.as_mut())
    }

    /// The schema version this build writes.
    pub fn latest_schema_version() -> i64 {
        migrations::latest()
    }

    /// The half of [`Incidents::ingest`] that needs no store, for a bulk
    /// import to work out on another thread while the store writes the
    /// batch before: the incident rows' derived columns, and the batch's
    /// distinct values with their correlation keys. It takes the batch's
    /// receipt time.
    pub fn plan(batch: &[Submission<'_>]) -> Plan {
        Plan::new(batch)
    }

    /// Runs `f` in one transaction: committed when it returns `Ok`, rolled
    /// back otherwise.
    pub(crate) fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Store) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.db.begin()?;
        match f(self) {
            Ok(v) => {
                self.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.db.rollback();
                Err(e)
            }
        }
    }

    /// Runs `f`, which must only read, on one snapshot of the store.
    ///
    /// A request that reads an incident and then its comments, history or
    /// correlations sees them as of one moment, even while submissions
    /// commit. On SQLite it is also cheaper: the statements share one read
    /// lock instead of taking one each.
    pub fn read<R>(&mut self, f: impl FnOnce(&mut Store) -> Result<R, Error>) -> Result<R, Error> {
        self.db.begin_read()?;
        let out = f(self);
        match out {
            Ok(v) => {
                self.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.db.rollback();
                Err(e)
            }
        }
    }

    /// After a bulk load, brings the query planner's statistics up to date
    /// for the tables an ingest writes, so that the queries right after it
    /// are planned for the tables as they now are.
    ///
    /// On PostgreSQL this is `ANALYZE`: without it, the lookups in the
    /// minute or so before autovacuum gets to a freshly loaded store are
    /// planned from empty-table statistics (measured after 1M observables:
    /// lookup p99 50 ms before, 5.8 ms after an `ANALYZE` of 0.7 s). On
    /// SQLite it does nothing: its planner picks the indexes of our
    /// queries by its rules, without statistics, and lookups were as fast
    /// with `sqlite_stat1` filled as without.
    pub fn refresh_statistics(&mut self) -> Result<(), Error> {
        match self.db.dialect() {
            db::Dialect::Postgres => self.db.batch(
                "ANALYZE incidents, incident_versions, documents, contacts, incident_shares, \
                 observables, prefix_lengths, postings, domain_postings",
            ),
            db::Dialect::Sqlite => Ok(()),
        }
    }
}

impl Store {
    /// Incidents and their correlation: ingest, read, versions, list and
    /// export, lookup, related incidents, counts, statistics and the
    /// change feed.
    pub fn incidents(&mut self) -> Incidents<'_> {
        Incidents { st: self }
    }

    /// Organisations, users, API tokens, sessions and the audit log.
    pub fn accounts(&mut self) -> Accounts<'_> {
        Accounts { st: self }
    }

    /// Triage: status and its history, assignee, comments, co-handlers.
    pub fn workflow(&mut self) -> Workflow<'_> {
        Workflow { st: self }
    }

    /// Countering spam: reports, verdicts, the two-step intake.
    pub fn spam(&mut self) -> Spam<'_> {
        Spam { st: self }
    }

    /// The national assessment: editions, responses, answers, evidence.
    pub fn assessment(&mut self) -> Assessment<'_> {
        Assessment { st: self }
    }

    /// Notifications: preferences, each user's notifications, the
    /// notifier's cursor.
    pub fn notifications(&mut self) -> Notifications<'_> {
        Notifications { st: self }
    }
}

fn open_sqlite(dir: &Path) -> Result<db::Sqlite, Error> {
    std::fs::create_dir_all(dir).map_err(|e| {
        Error::Open(format!(
            "cannot create data directory {}: {e}",
            dir.display()
        ))
    })?;
    let path = dir.join(SQLITE_FILE);
    let conn = rusqlite::Connection::open(&path)
        .map_err(|e| Error::Open(format!("cannot open {}: {e}", path.display())))?;
    // 16 KiB pages, for a new database (an existing one keeps its own):
    // the correlation index grows by inserts at random places, and each
    // commit writes every page it touched to the WAL and, later, to the
    // database. Fewer, larger pages cost less per row written: a 1M-row
    // import took 10.6 s instead of 13.0 s with 4 KiB pages, and lookups
    // did not slow down (p99 0.64 ms at 10M observables; BENCHMARKS.md,
    // round five).
    // WAL: readers do not block the writer; synchronous=NORMAL in WAL mode
    // keeps every committed transaction across a process crash (SIGKILL),
    // losing at most the last ones only on power loss.
    // The whole file is memory-mapped (up to 64 GiB, the most the bundled
    // SQLite is built to map: `.cargo/config.toml`): a page read is then a
    // memory access instead of a read() copying 16 KiB into the page
    // cache. With 1 GiB mapped, a 10M-observable store (4 GB) read three
    // quarters of its pages through read(). The mapping is address space,
    // not memory: what is resident is the kernel's page cache.
    conn.execute_batch("PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA cache_size = -262144; PRAGMA mmap_size = 68719476736; PRAGMA temp_store = MEMORY;")
        .map_err(|e| Error::Open(format!("cannot configure {}: {e}", path.display())))?;
    conn.set_prepared_statement_cache_capacity(256);
    db::Sqlite::new(conn, &path)
}
