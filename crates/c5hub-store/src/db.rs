//! The one thing the two backends differ in: how a statement reaches the
//! database. Everything above this module is written once, in SQL both
//! SQLite and PostgreSQL accept, with `$1`-style parameters (SQLite binds
//! them by position as it does `?1`).

use std::collections::HashMap;

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

/// A connection that runs statements inside the current transaction.
pub(crate) trait Db {
    /// Runs a statement; returns the rows it returned (if any).
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error>;
    /// Runs a statement that returns nothing; returns rows affected.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error>;
    /// Runs several statements (migrations).
    fn batch(&mut self, sql: &str) -> Result<(), Error>;
    fn begin(&mut self) -> Result<(), Error>;
    fn commit(&mut self) -> Result<(), Error>;
    fn rollback(&mut self) -> Result<(), Error>;
    /// Which SQL dialect, for the few statements that differ.
    fn dialect(&self) -> Dialect;

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

impl Db for Sqlite {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        let mut stmt = self
            .conn
            .prepare_cached(sql)
            .map_err(|e| Error::db(sql, e))?;
        let n = stmt.column_count();
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
        Ok(out)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
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
        self.batch("BEGIN IMMEDIATE")
    }

    fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), Error> {
        self.batch("ROLLBACK")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }
}

// ---------------------------------------------------------------------------
// PostgreSQL

pub(crate) struct Postgres {
    pub(crate) client: postgres::Client,
    statements: HashMap<String, postgres::Statement>,
}

impl Postgres {
    pub(crate) fn new(client: postgres::Client) -> Self {
        Postgres {
            client,
            statements: HashMap::new(),
        }
    }

    fn prepare(&mut self, sql: &str) -> Result<postgres::Statement, Error> {
        if let Some(s) = self.statements.get(sql) {
            return Ok(s.clone());
        }
        let s = self.client.prepare(sql).map_err(|e| Error::db(sql, e))?;
        self.statements.insert(sql.to_owned(), s.clone());
        Ok(s)
    }
}

/// A value bound to a PostgreSQL parameter of a known type.
#[derive(Debug)]
struct PgParam<'a>(&'a Value);

impl postgres::types::ToSql for PgParam<'_> {
    fn to_sql(
        &self,
        ty: &postgres::types::Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
        use postgres::types::Type;
        match self.0 {
            Value::Null => Ok(postgres::types::IsNull::Yes),
            Value::Int(i) => match *ty {
                Type::INT2 => (*i as i16).to_sql(ty, out),
                Type::INT4 => (*i as i32).to_sql(ty, out),
                _ => i.to_sql(ty, out),
            },
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
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

impl Db for Postgres {
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>, Error> {
        let stmt = self.prepare(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
        let refs: Vec<&(dyn postgres::types::ToSql + Sync)> = p.iter().map(|x| x as _).collect();
        let rows = self
            .client
            .query(&stmt, &refs)
            .map_err(|e| Error::db(sql, e))?;
        Ok(rows.iter().map(from_pg).collect())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64, Error> {
        let stmt = self.prepare(sql)?;
        let p: Vec<PgParam<'_>> = params.iter().map(PgParam).collect();
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

    fn commit(&mut self) -> Result<(), Error> {
        self.batch("COMMIT")
    }

    fn rollback(&mut self) -> Result<(), Error> {
        self.batch("ROLLBACK")
    }

    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }
}
