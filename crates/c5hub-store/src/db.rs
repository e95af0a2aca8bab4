//! The one thing the two backends differ in: how a statement reaches the
//! database. Everything above this module is written once, in SQL both
//! SQLite and PostgreSQL accept, with `$1`-style parameters (SQLite binds
//! them by position as it does `?1`).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

use crate::Error;

/// A value crossing the database boundary.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Blob(Vec<u8>),
}

impl Value {
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn into_text(self) -> Option<String> {
        match self {
            Value::Text(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn into_blob(self) -> Option<Vec<u8>> {
        match self {
            Value::Blob(b) => Some(b),
            _ => None,
        }
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::Text(v.to_owned())
    }
}
impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::Text(v)
    }
}
impl From<Vec<u8>> for Value {
    fn from(v: Vec<u8>) -> Self {
        Value::Blob(v)
    }
}
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

pub(crate) type Row = Vec<Value>;

/// What a statement returned: the names of its columns and its rows.
pub(crate) struct Rows {
    pub(crate) columns: Arc<[String]>,
    pub(crate) rows: Vec<Row>,
}

/// One returned row, read by column name: a reader names what it reads,
/// so a statement's columns can move or grow without shifting every
/// reader. A statement gives each column read this way a plain name
/// (`COUNT(*) AS n`): the two backends name expressions differently.
pub(crate) struct NamedRow<'c> {
    columns: &'c [String],
    values: Row,
}

impl NamedRow<'_> {
    fn index(&self, name: &str) -> Result<usize, Error> {
        self.columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::Schema(format!("a statement returned no column {name}")))
    }

    /// Whether the statement returned a column of this name.
    pub(crate) fn has(&self, name: &str) -> bool {
        self.columns.iter().any(|c| c == name)
    }

    /// The column's value, taken out of the row (what is read twice is
    /// read with [`NamedRow::int`]).
    pub(crate) fn take(&mut self, name: &str) -> Result<Value, Error> {
        let i = self.index(name)?;
        Ok(std::mem::replace(&mut self.values[i], Value::Null))
    }

    /// The column as an integer (`None` for NULL or another type).
    pub(crate) fn int(&self, name: &str) -> Result<Option<i64>, Error> {
        Ok(self.values[self.index(name)?].int())
    }

    /// The column as a time in milliseconds since the epoch (`None` for
    /// NULL, another type or out of range).
    pub(crate) fn time(&self, name: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, Error> {
        Ok(self
            .int(name)?
            .and_then(chrono::DateTime::from_timestamp_millis))
    }

    /// The column as text (`None` for NULL or another type).
    pub(crate) fn text(&mut self, name: &str) -> Result<Option<String>, Error> {
        Ok(self.take(name)?.into_text())
    }

    /// The column as bytes (`None` for NULL or another type).
    pub(crate) fn blob(&mut self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        Ok(self.take(name)?.into_blob())
    }
}

/// A row read by column position, where the database keeps it: a text is
/// copied out only when the reader keeps it. For the readers that run
/// hundreds of times per request (a lookup's matches), where finding each
/// column by name and copying every text into a [`Value`] first was most
/// of the work; such a statement names its columns' positions beside it.
pub(crate) trait RowRef {
    /// The column as an integer (`None` for NULL, another type or no such
    /// column).
    fn int_at(&self, i: usize) -> Option<i64>;
    /// The column as text (`None` for NULL, another type or no such
    /// column).
    fn text_at(&self, i: usize) -> Option<&str>;
    /// The column as owned text; a row that owns its values gives it up.
    fn string_at(&mut self, i: usize) -> Option<String> {
        self.text_at(i).map(str::to_owned)
    }
    /// The column as a time in milliseconds since the epoch (`None` for
    /// NULL, another type or out of range).
    fn time_at(&self, i: usize) -> Option<chrono::DateTime<chrono::Utc>> {
        self.int_at(i)
            .and_then(chrono::DateTime::from_timestamp_millis)
    }
}

impl RowRef for NamedRow<'_> {
    fn int_at(&self, i: usize) -> Option<i64> {
        self.values.get(i)?.int()
    }

    fn text_at(&self, i: usize) -> Option<&str> {
        self.values.get(i)?.text()
    }

    fn string_at(&mut self, i: usize) -> Option<String> {
        std::mem::replace(self.values.get_mut(i)?, Value::Null).into_text()
    }
}

/// A statement's row as a struct, read by column name.
pub(crate) trait FromRow: Sized {
    fn from_row(row: NamedRow<'_>) -> Result<Self, Error>;
}

/// Reading rows into structs, for every connection.
pub(crate) trait Read {
    /// Every row, each as a `T`.
    fn all<T: FromRow>(&mut self, sql: &str, params: &[Value]) -> Result<Vec<T>, Error>;
    /// The first row, as a `T`.
    fn one<T: FromRow>(&mut self, sql: &str, params: &[Value]) -> Result<Option<T>, Error>;
    /// The integer column `column` of the first row (`None` without a row
    /// or for NULL).
    fn int(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Option<i64>, Error>;
    /// The integer column `column` of every row where it is not NULL.
    fn ints(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Vec<i64>, Error>;
    /// The text column `column` of every row where it is not NULL.
    fn texts(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Vec<String>, Error>;
}

impl<D: Db + ?Sized> Read for D {
    fn all<T: FromRow>(&mut self, sql: &str, params: &[Value]) -> Result<Vec<T>, Error> {
        let Rows { columns, rows } = self.query_rows(sql, params)?;
        rows.into_iter()
            .map(|values| {
                T::from_row(NamedRow {
                    columns: &columns,
                    values,
                })
            })
            .collect()
    }

    fn one<T: FromRow>(&mut self, sql: &str, params: &[Value]) -> Result<Option<T>, Error> {
        let Rows { columns, rows } = self.query_rows(sql, params)?;
        rows.into_iter()
            .next()
            .map(|values| {
                T::from_row(NamedRow {
                    columns: &columns,
                    values,
                })
            })
            .transpose()
    }

    fn int(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Option<i64>, Error> {
        let Rows { columns, rows } = self.query_rows(sql, params)?;
        match rows.into_iter().next() {
            Some(values) => NamedRow {
                columns: &columns,
                values,
            }
            .int(column),
            None => Ok(None),
        }
    }

    fn ints(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Vec<i64>, Error> {
        let Rows { columns, rows } = self.query_rows(sql, params)?;
        let mut out = Vec::with_capacity(rows.len());
        for values in rows {
            if let Some(v) = (NamedRow {
                columns: &columns,
                values,
            })
            .int(column)?
            {
                out.push(v);
            }
        }
        Ok(out)
    }

    fn texts(&mut self, sql: &str, params: &[Value], column: &str) -> Result<Vec<String>, Error> {
        let Rows { columns, rows } = self.query_rows(sql, params)?;
        let mut out = Vec::with_capacity(rows.len());
        for values in rows {
            if let Some(v) = (NamedRow {
                columns: &columns,
                values,
            })
            .text(column)?
            {
                out.push(v);
            }
        }
        Ok(out)
    }
}

/// A parameter borrowed from where the value already lives: binding it
/// copies nothing on the Rust side. The ingest path binds millions of them.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Param<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl<'a> Param<'a> {
    /// The text, when it is text.
    pub(crate) fn text(&self) -> Option<&'a str> {
        match self {
            Param::Text(s) => Some(s),
            _ => None,
        }
    }

    /// The same value of the same type: binding `other` where `self` is
    /// bound would change nothing.
    fn same(&self, other: &Param<'_>) -> bool {
        match (self, other) {
            (Param::Null, Param::Null) => true,
            (Param::Int(a), Param::Int(b)) => a == b,
            (Param::Text(a), Param::Text(b)) => a == b,
            (Param::Blob(a), Param::Blob(b)) => a == b,
            _ => false,
        }
    }
}

/// Binds `row` to a statement stepped once per row, `bound` being the row
/// bound to it before (if any): SQLite keeps a statement's bindings when
/// it is reset, so only the values that differ from that row are bound
/// again. A bulk batch repeats most of a row's values (reporter, status,
/// times, role), and SQLite copies each text it is given.
fn bind_row(
    stmt: &mut rusqlite::Statement<'_>,
    row: &[Param<'_>],
    bound: Option<&[Param<'_>]>,
    sql: &str,
) -> Result<(), Error> {
    for (i, p) in row.iter().enumerate() {
        if bound.is_some_and(|b| b.get(i).is_some_and(|q| q.same(p))) {
            continue;
        }
        stmt.raw_bind_parameter(i + 1, p)
            .map_err(|e| Error::db(sql, e))?;
    }
    Ok(())
}

impl From<Param<'_>> for Value {
    fn from(p: Param<'_>) -> Self {
        match p {
            Param::Null => Value::Null,
            Param::Int(i) => Value::Int(i),
            Param::Text(s) => Value::Text(s.to_owned()),
            Param::Blob(b) => Value::Blob(b.to_vec()),
        }
    }
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}
impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(v)
    }
}
impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(v)
    }
}
impl<'a> From<&'a Value> for Param<'a> {
    fn from(v: &'a Value) -> Self {
        match v {
            Value::Null => Param::Null,
            Value::Int(i) => Param::Int(*i),
            Value::Text(s) => Param::Text(s),
            Value::Blob(b) => Param::Blob(b),
        }
    }
}
impl<'a, T: Into<Param<'a>>> From<Option<T>> for Param<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Param::Null, Into::into)
    }
}

/// An insert of rows that may exist already: see [`Db::upsert_rows`].
pub(crate) struct Upsert<'a> {
    pub(crate) table: &'a str,
    /// The columns given, the unique key's first.
    pub(crate) columns: &'a [&'a str],
    /// How many of the first columns make the unique key.
    pub(crate) key_cols: usize,
    /// `DO NOTHING`, or `DO UPDATE SET ...` (with `excluded.`).
    pub(crate) on_conflict: &'a str,
}

impl Upsert<'_> {
    fn head(&self) -> String {
        format!(
            "INSERT INTO {} ({}) VALUES ",
            self.table,
            self.columns.join(", ")
        )
    }

    fn conflict(&self) -> String {
        format!(
            " ON CONFLICT ({}) {}",
            self.columns[..self.key_cols].join(", "),
            self.on_conflict
        )
    }

    /// For `DO UPDATE SET ...`: a look-up of a row's id by key, and the
    /// same update as a statement of its own (`excluded.c` becomes the
    /// row's parameter for `c`, the id the parameter after the row's).
    fn update_by_id(&self) -> Option<(String, String)> {
        let set = self
            .on_conflict
            .trim_start()
            .strip_prefix("DO UPDATE SET")?;
        let mut select = format!("SELECT id FROM {} WHERE ", self.table);
        for (i, c) in self.columns[..self.key_cols].iter().enumerate() {
            if i > 0 {
                select.push_str(" AND ");
            }
            select.push_str(&format!("{c} = ?{}", i + 1));
        }
        let mut set = set.to_owned();
        // Longest names first, so no name is replaced inside a longer one.
        let mut cols: Vec<(usize, &str)> = self.columns.iter().copied().enumerate().collect();
        cols.sort_by_key(|(_, c)| std::cmp::Reverse(c.len()));
        for (i, c) in cols {
            set = set.replace(&format!("excluded.{c}"), &format!("?{}", i + 1));
        }
        let update = format!(
            "UPDATE {} SET {set} WHERE id = ?{}",
            self.table,
            self.columns.len() + 1
        );
        Some((select, update))
    }
}

/// A unique key's values, to find a row again by them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyPart {
    Null,
    Int(i64),
    Bytes(Vec<u8>),
}

impl From<&Param<'_>> for KeyPart {
    fn from(p: &Param<'_>) -> Self {
        match *p {
            Param::Null => KeyPart::Null,
            Param::Int(i) => KeyPart::Int(i),
            Param::Text(s) => KeyPart::Bytes(s.as_bytes().to_vec()),
            Param::Blob(b) => KeyPart::Bytes(b.to_vec()),
        }
    }
}

impl From<&Value> for KeyPart {
    fn from(v: &Value) -> Self {
        KeyPart::from(&Param::from(v))
    }
}

/// Refuses text holding a NUL byte, on every statement of both backends:
/// PostgreSQL cannot store it (an error deep in a write), and SQLite would
/// store text that other tools cut short. One check here covers every write
/// path (submissions, comments, notes, accounts, spam reports); the server
/// answers its own clearer error before it gets here.
fn refuse_nul<'a>(mut texts: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    if texts.any(|t| t.contains('\0')) {
        return Err(Error::Invalid(
            "a text value holds a NUL byte (U+0000), which the store does not accept".to_owned(),
        ));
    }
    Ok(())
}

/// Rows per multi-row statement: well under both databases' parameter
/// limits (SQLite 32766, PostgreSQL 65535).
const CHUNK: usize = 256;

/// A connection that runs statements inside the current transaction.
pub(crate) trait Db {
    /// Runs a statement; returns the rows it returned (if any) and the
    /// names of their columns. Readers use [`Read`].
    fn query_rows(&mut self, sql: &str, params: &[Value]) -> Result<Rows, Error>;
    /// Runs a statement; returns the rows it returned (if any), for
    /// callers that only count them.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        Ok(self.query_rows(sql, params)?.rows)
    }
    /// Runs a statement that returns nothing; returns rows affected.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error>;
    /// Runs several statements (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;
    fn begin(&mut self) -> Result<(), Error>;
    /// Starts a read-only transaction: the statements until `commit` see
    /// one snapshot of the database.
    fn begin_read(&mut self) -> Result<(), Error>;
    fn commit(&mut self) -> Result<(), Error>;
    fn rollback(&mut self) -> Result<(), Error>;
    /// Which SQL dialect, for the few statements that differ.
    fn dialect(&self) -> Dialect;

    /// Inserts rows: `head` is `INSERT INTO t (a, b, ...) VALUES `, each row
    /// is `cols` consecutive values of `params`, `tail` is what follows the
    /// values (`ON CONFLICT ...`, `RETURNING ...`). Returns the rows
    /// `RETURNING` gave, in no promised order.
    ///
    /// How is the backend's business: SQLite steps one prepared single-row
    /// statement per row (a multi-row statement would make SQLite keep a
    /// statement journal, a copy of every page it touches, in case it must
    /// undo half of it); PostgreSQL gets multi-row statements, which save
    /// a round trip per row.
    fn insert_rows(
        &mut self,
        head: &str,
        cols: usize,
        params: &[Param<'_>],
        tail: &str,
    ) -> Result<Vec<Row>, Error>;

    /// Inserts rows of `u.columns.len()` values each that may exist
    /// already (same values in the first `u.key_cols` columns, a unique
    /// key); `u.on_conflict` says what then. Returns, per row in order, the
    /// key (`id`) of the row inserted or updated, or `None` when the
    /// statement did nothing. When a key repeats in `params`, its first
    /// row is the one inserted.
    fn upsert_rows(
        &mut self,
        u: &Upsert<'_>,
        params: &[Param<'_>],
    ) -> Result<Vec<Option<i64>>, Error>;

    /// Runs a statement and hands each row to `each` as it is stepped
    /// ([`RowRef`]); stops at the first error `each` returns.
    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&mut dyn RowRef) -> Result<(), Error>,
    ) -> Result<(), Error>;

    fn query_one(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>, Error> {
        Ok(self.query(sql, params)?.into_iter().next())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Dialect {
    Sqlite,
    Postgres,
}

// ---------------------------------------------------------------------------
// SQLite

pub(crate) struct Sqlite {
    pub(crate) conn: rusqlite::Connection,
    /// The column names of each statement run by `query_rows`.
    columns: HashMap<String, Arc<[String]>>,
    checkpointer: Option<Checkpointer>,
    /// [`WAL_MAX_BYTES`] in pages of this database.
    wal_max_frames: i64,
}

/// WAL size past which the writer, before its next transaction, waits for
/// the log to be copied into the database and starts it again: the bound
/// on the WAL's size when the background checkpoints never catch up with a
/// writer that commits back to back.
const WAL_MAX_BYTES: i64 = 256 << 20;

impl Sqlite {
    /// The store's connection, with a checkpointer of its own.
    ///
    /// A checkpoint copies committed pages from the WAL into the database
    /// file and syncs it. SQLite's automatic one runs inside the commit
    /// that crosses its threshold, on the writer's time; here a second
    /// connection does it on a thread of its own, so on a machine with two
    /// cores the writer goes on with the next transaction meanwhile.
    /// Durability does not change: a transaction is safe once its COMMIT
    /// has reached the WAL, whenever it is checkpointed.
    pub(crate) fn new(conn: rusqlite::Connection, path: &Path) -> Result<Sqlite, Error> {
        let checkpointer = Checkpointer::start(path);
        let sql = "PRAGMA page_size";
        let page: i64 = conn
            .query_row(sql, [], |r| r.get("page_size"))
            .map_err(|e| Error::db(sql, e))?;
        let wal_max_frames = WAL_MAX_BYTES / page.max(512);
        // With the checkpointer, SQLite's own automatic checkpoint is only
        // a fallback (WAL_MAX_BYTES in `begin` is the real bound). After a
        // checkpoint, a WAL file larger than journal_size_limit is cut back.
        let auto = if checkpointer.is_some() {
            2 * wal_max_frames
        } else {
            1000
        };
        let sql =
            format!("PRAGMA wal_autocheckpoint = {auto}; PRAGMA journal_size_limit = 67108864;");
        conn.execute_batch(&sql).map_err(|e| Error::db(&sql, e))?;
        Ok(Sqlite {
            conn,
            columns: HashMap::new(),
            checkpointer,
            wal_max_frames,
        })
    }
}

/// The background checkpointer of one store: see [`Sqlite::new`].
struct Checkpointer {
    shared: Arc<CheckpointShared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

struct CheckpointShared {
    /// Commits so far, and whether to stop.
    state: Mutex<(u64, bool)>,
    wake: Condvar,
    /// Frames in the WAL at the last checkpoint.
    wal_frames: AtomicI64,
}

impl Checkpointer {
    /// `None` when the second connection cannot be opened: SQLite's own
    /// automatic checkpoint then does the work.
    fn start(path: &Path) -> Option<Checkpointer> {
        let conn = rusqlite::Connection::open(path).ok()?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        let shared = Arc::new(CheckpointShared {
            state: Mutex::new((0, false)),
            wake: Condvar::new(),
            wal_frames: AtomicI64::new(0),
        });
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("c5hub-checkpoint".to_owned())
            .spawn(move || checkpoint_loop(&conn, &for_thread))
            .ok()?;
        Some(Checkpointer {
            shared,
            thread: Some(thread),
        })
    }

    fn committed(&self) {
        let mut state = self
            .shared
            .state
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        state.0 += 1;
        self.shared.wake.notify_one();
    }
}

fn checkpoint_loop(conn: &rusqlite::Connection, shared: &CheckpointShared) {
    let mut seen = 0;
    loop {
        {
            let mut state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
            while state.0 == seen && !state.1 {
                state = shared
                    .wake
                    .wait(state)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if state.1 {
                return;
            }
            seen = state.0;
        }
        // PASSIVE: copies what it can without waiting for the writer or
        // readers. Its answer: busy, frames in the WAL, frames copied.
        if let Ok(frames) =
            conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get::<_, i64>(1))
        {
            shared.wal_frames.store(frames, Ordering::Relaxed);
        }
        // Let a few commits gather: a checkpoint copies a page once
        // however often it changed since the last one.
        let state = shared.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !state.1 {
            let _ =
                shared
                    .wake
                    .wait_timeout_while(state, std::time::Duration::from_millis(200), |s| !s.1);
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        {
            let mut state = self
                .shared
                .state
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            state.1 = true;
            self.shared.wake.notify_all();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(match self {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Int(i) => ToSqlOutput::Borrowed(ValueRef::Integer(*i)),
            Value::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
            Value::Blob(b) => ToSqlOutput::Borrowed(ValueRef::Blob(b)),
        })
    }
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(i) => ValueRef::Integer(i),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
            Param::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Int(i),
        ValueRef::Real(f) => Value::Int(f as i64),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// A row of a SQLite statement being stepped.
struct SqliteRow<'r, 's>(&'r rusqlite::Row<'s>);

impl RowRef for SqliteRow<'_, '_> {
    fn int_at(&self, i: usize) -> Option<i64> {
        use rusqlite::types::ValueRef;
        match self.0.get_ref(i).ok()? {
            ValueRef::Integer(v) => Some(v),
            // As `from_sqlite` reads it.
            ValueRef::Real(f) => Some(f as i64),
            _ => None,
        }
    }

    fn text_at(&self, i: usize) -> Option<&str> {
        match self.0.get_ref(i).ok()? {
            // The store writes only Rust strings; text that is not UTF-8
            // was written by something else and is read as missing.
            rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t).ok(),
            _ => None,
        }
    }
}

impl Db for Sqlite {
    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&mut dyn RowRef) -> Result<(), Error>,
    ) -> Result<(), Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| Error::db(sql, e))?;
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| Error::db(sql, e))?;
        while let Some(r) = rows.next().map_err(|e| Error::db(sql, e))? {
            each(&mut SqliteRow(r))?;
        }
        Ok(())
    }

    fn query_rows(&mut self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| Error::db(sql, e))?;
        let n = stmt.column_count();
        // Names kept per statement text: reading them allocates, and
        // ingest asks the same few statements again and again.
        let columns = match self.columns.get(sql) {
            Some(c) => Arc::clone(c),
            None => {
                let c: Arc<[String]> = stmt.column_names().into_iter().map(str::to_owned).collect();
                // Some statement texts carry a limit or a list's length:
                // bound the map as SQLite bounds its statement cache.
                if self.columns.len() >= 256 {
                    self.columns.clear();
                }
                self.columns.insert(sql.to_owned(), Arc::clone(&c));
                c
            }
        };
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| Error::db(sql, e))?;
        let mut out = Vec::new();
        while let Some(r) = rows.next().map_err(|e| Error::db(sql, e))? {
            let mut row = Vec::with_capacity(n);
            for i in 0..n {
                row.push(from_sqlite(r.get_ref(i).map_err(|e| Error::db(sql, e))?));
            }
            out.push(row);
        }
        Ok(Rows { columns, rows: out })
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| Error::db(sql, e))?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(|e| Error::db(sql, e))?;
        Ok(n as u64)
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.conn.execute_batch(sql).map_err(|e| Error::db(sql, e))
    }

    fn begin(&mut self) -> Result<(), Error> {
        if let Some(c) = &self.checkpointer {
            if c.shared.wal_frames.load(Ordering::Relaxed) > self.wal_max_frames {
                // Copy the rest and have this transaction start the WAL
                // from its beginning (waits for the checkpointer's turn).
                let sql = "PRAGMA wal_checkpoint(RESTART)";
                self.conn
                    .query_row(sql, [], |_| Ok(()))
                    .map_err(|e| Error::db(sql, e))?;
                c.shared.wal_frames.store(0, Ordering::Relaxed);
            }
        }
        self.batch("BEGIN IMMEDIATE")
    }

    fn begin_read(&mut self) -> Result<(), Error> {
        // Deferred: the first SELECT takes the WAL read lock, which the
        // transaction then holds, instead of every statement taking and
        // dropping its own (with the file locks that go with it).
        self.batch("BEGIN DEFERRED")
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")?;
        if let Some(c) = &self.checkpointer {
            c.committed();
        }
        Ok(())
    }

    fn rollback(&mut self) -> Result<(), Error> {
        self.batch("ROLLBACK")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn insert_rows(
        &mut self,
        head: &str,
        cols: usize,
        params: &[Param<'_>],
        tail: &str,
    ) -> Result<Vec<Row>, Error> {
        refuse_nul(params.iter().filter_map(Param::text))?;
        let mut out = Vec::new();
        if params.is_empty() || cols == 0 {
            return Ok(out);
        }
        // One single-row statement, stepped once per row: a multi-row
        // statement keeps a statement journal, a copy of every page it
        // touches, and the postings land all over their index. (Measured:
        // a 1M-row import took 12.4 s with multi-row statements, 10.8 s
        // without.)
        let sql = statement_text(head, cols, 1, '?', tail);
        let mut stmt = self
            .conn
            .prepare_cached(&sql)
            .map_err(|e| Error::db(&sql, e))?;
        let n = stmt.column_count();
        // A cached statement may hold another call's values: this call's
        // first row binds all of its own.
        let mut bound: Option<&[Param<'_>]> = None;
        for row in params.chunks(cols) {
            bind_row(&mut stmt, row, bound, &sql)?;
            bound = Some(row);
            if n == 0 {
                stmt.raw_execute().map_err(|e| Error::db(&sql, e))?;
                continue;
            }
            let mut rows = stmt.raw_query();
            while let Some(r) = rows.next().map_err(|e| Error::db(&sql, e))? {
                let mut values = Vec::with_capacity(n);
                for i in 0..n {
                    values.push(from_sqlite(r.get_ref(i).map_err(|e| Error::db(&sql, e))?));
                }
                out.push(values);
            }
        }
        Ok(out)
    }

    fn upsert_rows(
        &mut self,
        u: &Upsert<'_>,
        params: &[Param<'_>],
    ) -> Result<Vec<Option<i64>>, Error> {
        refuse_nul(params.iter().filter_map(Param::text))?;
        // No RETURNING: SQLite runs it as a trigger, and a statement with
        // a trigger keeps a statement journal (a copy of each page it
        // touches). Each row is tried as an insert that does nothing on a
        // conflict, and its key is last_insert_rowid(); when the row
        // existed and must be updated, a look-up by key finds it and an
        // update by its id changes it.
        let cols = u.columns.len();
        let mut out = Vec::with_capacity(params.len() / cols.max(1));
        if params.is_empty() || cols == 0 {
            return Ok(out);
        }
        let insert = statement_text(
            &u.head(),
            cols,
            1,
            '?',
            &format!(
                " ON CONFLICT ({}) DO NOTHING",
                u.columns[..u.key_cols].join(", ")
            ),
        );
        let mut ins = self
            .conn
            .prepare_cached(&insert)
            .map_err(|e| Error::db(&insert, e))?;
        let mut existing = match u.update_by_id() {
            Some((select, update)) => {
                let sel = self
                    .conn
                    .prepare_cached(&select)
                    .map_err(|e| Error::db(&select, e))?;
                let upd = self
                    .conn
                    .prepare_cached(&update)
                    .map_err(|e| Error::db(&update, e))?;
                Some((sel, upd, update))
            }
            None => None,
        };
        // Each statement's last row bound (see `bind_row`); none yet in
        // this call.
        let mut ins_bound: Option<&[Param<'_>]> = None;
        let mut sel_bound: Option<&[Param<'_>]> = None;
        let mut upd_bound: Option<&[Param<'_>]> = None;
        for row in params.chunks(cols) {
            bind_row(&mut ins, row, ins_bound, &insert)?;
            ins_bound = Some(row);
            if ins.raw_execute().map_err(|e| Error::db(&insert, e))? > 0 {
                out.push(Some(self.conn.last_insert_rowid()));
                continue;
            }
            let Some((sel, upd, update)) = existing.as_mut() else {
                out.push(None);
                continue;
            };
            let key = &row[..u.key_cols];
            bind_row(sel, key, sel_bound, update)?;
            sel_bound = Some(key);
            let id = {
                let mut rows = sel.raw_query();
                match rows.next().map_err(|e| Error::db(update, e))? {
                    Some(r) => r.get::<_, i64>(0).map_err(|e| Error::db(update, e))?,
                    None => {
                        return Err(Error::Corrupt(format!(
                            "a row of {} conflicted on a key that is not there",
                            u.table
                        )));
                    }
                }
            };
            bind_row(upd, row, upd_bound, update)?;
            upd_bound = Some(row);
            upd.raw_bind_parameter(cols + 1, id)
                .map_err(|e| Error::db(update, e))?;
            upd.raw_execute().map_err(|e| Error::db(update, e))?;
            out.push(Some(id));
        }
        Ok(out)
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL

pub(crate) struct Postgres {
    pub(crate) client: postgres::Client,
    /// Prepared statements with their column names.
    statements: HashMap<String, (postgres::Statement, Arc<[String]>)>,
}

impl Postgres {
    pub(crate) fn new(client: postgres::Client) -> Self {
        Postgres {
            client,
            statements: HashMap::new(),
        }
    }

    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, Error> {
        Ok(self.prepare_named(sql)?.0)
    }

    /// The prepared statement and the names of its columns.
    fn prepare_named(&mut self, sql: &str) -> Result<(postgres::Statement, Arc<[String]>), Error> {
        if let Some((s, c)) = self.statements.get(sql) {
            return Ok((s.clone(), Arc::clone(c)));
        }
        let s = self.client.prepare(sql).map_err(|e| Error::db(sql, e))?;
        let c: Arc<[String]> = s.columns().iter().map(|c| c.name().to_owned()).collect();
        self.statements
            .insert(sql.to_owned(), (s.clone(), Arc::clone(&c)));
        Ok((s, c))
    }
}

/// A value bound to a PostgreSQL parameter of a known type.
#[derive(Debug)]
struct PgParam<'a>(Param<'a>);

impl postgres::types::ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self.0 {
            Param::Null => Ok(postgres::types::IsNull::Yes),
            Param::Int(i) => match *ty {
                Type::INT2 => (i as i16).to_sql(ty, out),
                Type::INT4 => (i as i32).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &postgres::types::Type) -> bool {
        true
    }

    postgres::types::to_sql_checked!();
}

fn from_pg(row: &postgres::Row) -> Row {
    use postgres::types::Type;
    (0..row.len())
        .map(|i| {
            let ty = row.columns()[i].type_();
            match *ty {
                Type::INT8 => row.get::<_, Option<i64>>(i).map_or(Value::Null, Value::Int),
                Type::INT4 => row
                    .get::<_, Option<i32>>(i)
                    .map_or(Value::Null, |v| Value::Int(v.into())),
                Type::INT2 => row
                    .get::<_, Option<i16>>(i)
                    .map_or(Value::Null, |v| Value::Int(v.into())),
                Type::BYTEA => row
                    .get::<_, Option<Vec<u8>>>(i)
                    .map_or(Value::Null, Value::Blob),
                Type::BOOL => row
                    .get::<_, Option<bool>>(i)
                    .map_or(Value::Null, |v| Value::Int(v.into())),
                _ => row
                    .get::<_, Option<String>>(i)
                    .map_or(Value::Null, Value::Text),
            }
        })
        .collect()
}

/// A row PostgreSQL returned.
struct PgRow<'r>(&'r postgres::Row);

impl RowRef for PgRow<'_> {
    fn int_at(&self, i: usize) -> Option<i64> {
        use postgres::types::Type;
        let r = self.0;
        match *r.columns().get(i)?.type_() {
            Type::INT8 => r.try_get::<_, Option<i64>>(i).ok()?,
            Type::INT4 => r.try_get::<_, Option<i32>>(i).ok()?.map(i64::from),
            Type::INT2 => r.try_get::<_, Option<i16>>(i).ok()?.map(i64::from),
            Type::BOOL => r.try_get::<_, Option<bool>>(i).ok()?.map(i64::from),
            _ => None,
        }
    }

    fn text_at(&self, i: usize) -> Option<&str> {
        self.0.try_get::<_, Option<&str>>(i).ok()?
    }
}

impl Db for Postgres {
    fn for_each_row(
        &mut self,
        sql: &str,
        params: &[Value],
        each: &mut dyn FnMut(&mut dyn RowRef) -> Result<(), Error>,
    ) -> Result<(), Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let stmt = self.prepare(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(|v| PgParam(v.into())).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|x| x as _).collect();
        for r in self
            .client
            .query(&stmt, &refs)
            .map_err(|e| Error::db(sql, e))?
        {
            each(&mut PgRow(&r))?;
        }
        Ok(())
    }

    fn query_rows(&mut self, sql: &str, params: &[Value]) -> Result<Rows, Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let (stmt, columns) = self.prepare_named(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(|v| PgParam(v.into())).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|x| x as _).collect();
        let rows = self
            .client
            .query(&stmt, &refs)
            .map_err(|e| Error::db(sql, e))?;
        Ok(Rows {
            columns,
            rows: rows.iter().map(from_pg).collect(),
        })
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        refuse_nul(params.iter().filter_map(Value::text))?;
        let stmt = self.prepare(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(|v| PgParam(v.into())).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|x| x as _).collect();
        self.client
            .execute(&stmt, &refs)
            .map_err(|e| Error::db(sql, e))
    }

    fn batch(&mut self, sql: &str) -> Result<(), Error> {
        self.client
            .batch_execute(sql)
            .map_err(|e| Error::db(sql, e))
    }

    fn begin(&mut self) -> Result<(), Error> {
        self.batch("BEGIN")
    }

    fn begin_read(&mut self) -> Result<(), Error> {
        self.batch("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), Error> {
        self.batch("ROLLBACK")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn insert_rows(
        &mut self,
        head: &str,
        cols: usize,
        params: &[Param<'_>],
        tail: &str,
    ) -> Result<Vec<Row>, Error> {
        refuse_nul(params.iter().filter_map(Param::text))?;
        let mut out = Vec::new();
        if cols == 0 {
            return Ok(out);
        }
        let returning = tail.contains("RETURNING");
        for (sql, chunk) in chunks(head, cols, params, '$', tail) {
            let stmt = self.prepare(&sql)?;
            let p: Vec<PgParam<'_>> = chunk.iter().map(|v| PgParam(*v)).collect();
            let refs: Vec<&(dyn postgres::types::ToSql + Sync)> =
                p.iter().map(|x| x as _).collect();
            if returning {
                let rows = self
                    .client
                    .query(&stmt, &refs)
                    .map_err(|e| Error::db(&sql, e))?;
                out.extend(rows.iter().map(from_pg));
            } else {
                self.client
                    .execute(&stmt, &refs)
                    .map_err(|e| Error::db(&sql, e))?;
            }
        }
        Ok(out)
    }

    fn upsert_rows(
        &mut self,
        u: &Upsert<'_>,
        params: &[Param<'_>],
    ) -> Result<Vec<Option<i64>>, Error> {
        refuse_nul(params.iter().filter_map(Param::text))?;
        let cols = u.columns.len();
        if params.is_empty() || cols == 0 {
            return Ok(Vec::new());
        }
        // Multi-row statements return the rows they inserted or updated,
        // with their keys, in no promised order: match them by key.
        let tail = format!(
            "{} RETURNING id, {}",
            u.conflict(),
            u.columns[..u.key_cols].join(", ")
        );
        let returned = self.insert_rows(&u.head(), cols, params, &tail)?;
        let mut ids: HashMap<Vec<KeyPart>, i64> = HashMap::with_capacity(returned.len());
        // Read by place, unlike every other row: this function wrote the
        // `RETURNING` just above (the id, then the key's columns, as many as
        // the table's key has), and it is the ingest path's hottest loop.
        for r in &returned {
            if let Some(id) = r.first().and_then(Value::int) {
                ids.insert(r[1..].iter().map(KeyPart::from).collect(), id);
            }
        }
        Ok(params
            .chunks(cols)
            .map(|row| {
                let key: Vec<KeyPart> = row[..u.key_cols].iter().map(KeyPart::from).collect();
                // A key given twice: the first row is the one stored.
                ids.remove(&key)
            })
            .collect())
    }
}

/// The statements that insert `params`, rows of `cols` values, and the
/// values each takes: [`CHUNK`] rows a statement, then powers of two for the
/// rest, so a handful of statement texts cover every batch and stay
/// prepared.
fn chunks<'p, 'a>(
    head: &str,
    cols: usize,
    params: &'p [Param<'a>],
    mark: char,
    tail: &str,
) -> Vec<(String, &'p [Param<'a>])> {
    let mut out = Vec::new();
    let mut rest = params;
    while cols > 0 && !rest.is_empty() {
        let rows = rest.len() / cols;
        let take = if rows >= CHUNK {
            CHUNK
        } else {
            1 << (usize::BITS - 1 - rows.leading_zeros())
        };
        let (chunk, more) = rest.split_at(take * cols);
        rest = more;
        out.push((statement_text(head, cols, take, mark, tail), chunk));
    }
    out
}

/// `head` + `rows` rows of `cols` numbered parameters + `tail`.
fn statement_text(head: &str, cols: usize, rows: usize, mark: char, tail: &str) -> String {
    use std::fmt::Write;
    let mut sql = String::with_capacity(head.len() + tail.len() + rows * cols * 6);
    sql.push_str(head);
    let mut n = 0;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..cols {
            if c > 0 {
                sql.push(',');
            }
            n += 1;
            let _ = write!(sql, "{mark}{n}");
        }
        sql.push(')');
    }
    sql.push_str(tail);
    sql
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Pair {
        a: Option<i64>,
        b: Option<String>,
    }

    impl FromRow for Pair {
        fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
            Ok(Pair {
                a: r.int("a")?,
                b: r.text("b")?,
            })
        }
    }

    /// Rows are read by column name whatever the columns' order, the same
    /// on both backends; a name the statement does not return is an error,
    /// not another column's value.
    fn by_name_on(db: &mut dyn Db) {
        let want = Pair {
            a: Some(7),
            b: Some("x".to_owned()),
        };
        for sql in ["SELECT 7 AS a, 'x' AS b", "SELECT 'x' AS b, 7 AS a"] {
            assert_eq!(db.one::<Pair>(sql, &[]).expect(sql).as_ref(), Some(&want));
        }
        assert_eq!(
            db.int("SELECT 'x' AS b, 7 AS a", &[], "a").expect("int"),
            Some(7)
        );
        // An expression's own name differs between the backends
        // (`COUNT(*)`, `count`): it must be given one.
        let err = db
            .int("SELECT COUNT(*) FROM (SELECT 1 AS x) t", &[], "n")
            .expect_err("unnamed");
        assert!(matches!(err, Error::Schema(_)), "{err}");
        assert!(db.one::<Pair>("SELECT 7 AS a", &[]).is_err(), "b missing");
    }

    #[test]
    fn rows_are_read_by_column_name_on_both_backends() {
        let path =
            std::env::temp_dir().join(format!("c5hub-store-named-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        by_name_on(&mut Sqlite::new(conn, &path).expect("sqlite"));
        let _ = std::fs::remove_file(&path);
        match std::env::var("C5HUB_TEST_DATABASE_URL") {
            Ok(base) if !base.trim().is_empty() => {
                let client = postgres::Client::connect(&base, postgres::NoTls).expect("connects");
                by_name_on(&mut Postgres::new(client));
            }
            _ => eprintln!("SKIPPED PostgreSQL half: set C5HUB_TEST_DATABASE_URL to run it"),
        }
    }
}
