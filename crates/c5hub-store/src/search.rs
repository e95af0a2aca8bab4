//! Full-text search over incident titles and descriptions
//! ([`Incidents::search`]), with the reader's TLP applied in SQL.
//!
//! Migration 16 builds the index: on SQLite a contentless FTS5 table kept
//! in step by the write paths that change a title or a description
//! ([`index_stored`], [`reindex`]), on PostgreSQL an expression GIN index
//! the database keeps itself. Both
//! read the text as runs of letters and digits, case folded, accents kept,
//! no stemming and no stop words, and a query is cut into words the same
//! way here ([`search_words`]), so the two backends find the same
//! incidents. The words never reach either query language as syntax: each
//! is letters and digits only, quoted for FTS5 and joined with `&` for
//! `to_tsquery`.

use c5hub_model::Viewer;

use crate::db::{Db, Dialect, Read, Value};
use crate::incidents::SUMMARY_COLS;
use crate::workflow::visible_sql;
use crate::{Error, IncidentSummary, Incidents};

/// Most words a query may hold: each is one more index lookup.
pub const MAX_SEARCH_WORDS: usize = 16;

/// Most incidents on one page of a search.
pub const MAX_SEARCH_PAGE: usize = 200;

/// The text PostgreSQL's index `incidents_search` (migration 16) holds
/// for each incident; a query repeats it exactly so the planner uses it.
const SEARCH_TEXT_PG: &str = "to_tsvector('simple', regexp_replace(lower(COALESCE(i.title, '') || ' ' || COALESCE(i.description, '')), '[^[:alnum:]]+', ' ', 'g'))";

/// Indexes what an ingest stored, (incident key, version) in batch order:
/// a new incident's words are added, a new version's replace the old
/// ones. On PostgreSQL the expression index needs nothing.
///
/// A bulk import stores runs of new incidents with consecutive keys; each
/// run is one `INSERT ... SELECT` over its key range.
pub(crate) fn index_stored(db: &mut dyn Db, stored: &[(i64, i64)]) -> Result<(), Error> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    let mut i = 0;
    while i < stored.len() {
        let (first, version) = stored[i];
        if version != 1 {
            reindex(db, first)?;
            i += 1;
            continue;
        }
        let mut end = i + 1;
        while end < stored.len() && stored[end].1 == 1 && stored[end].0 == stored[end - 1].0 + 1 {
            end += 1;
        }
        db.execute(
            "INSERT INTO incidents_fts (rowid, title, description) SELECT id, title, description FROM incidents WHERE id >= $1 AND id <= $2 AND (title IS NOT NULL OR description IS NOT NULL)",
            &[first.into(), stored[end - 1].0.into()],
        )?;
        i = end;
    }
    Ok(())
}

/// Indexes incident `key`'s title and description again, after a write
/// that changed them.
pub(crate) fn reindex(db: &mut dyn Db, key: i64) -> Result<(), Error> {
    if db.dialect() != Dialect::Sqlite {
        return Ok(());
    }
    db.execute("DELETE FROM incidents_fts WHERE rowid = $1", &[key.into()])?;
    db.execute(
        "INSERT INTO incidents_fts (rowid, title, description) SELECT id, title, description FROM incidents WHERE id = $1 AND (title IS NOT NULL OR description IS NOT NULL)",
        &[key.into()],
    )?;
    Ok(())
}

/// One page of a search.
#[derive(Clone, Debug, PartialEq)]
pub struct SearchHits {
    /// The words searched for, as the index reads them (lower case).
    pub words: Vec<String>,
    /// Readable incidents holding every word, newest first.
    pub items: Vec<IncidentSummary>,
    /// Readable incidents holding every word, in all.
    pub total: i64,
}

/// The words of `text` as the index reads them: runs of letters and
/// digits, in lower case; everything else (punctuation, quotes, the query
/// languages' operators) separates words.
pub fn search_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

impl Incidents<'_> {
    /// Readable incidents whose title or description holds every word of
    /// `text` (the last one as a prefix, so a word being typed finds),
    /// newest first: `limit` of them (at most [`MAX_SEARCH_PAGE`]) after
    /// skipping `offset`, with the readable total. Text without words finds
    /// nothing; words past [`MAX_SEARCH_WORDS`] are refused.
    pub fn search(
        &mut self,
        text: &str,
        viewer: &Viewer,
        offset: usize,
        limit: usize,
    ) -> Result<SearchHits, Error> {
        let words = search_words(text);
        if words.len() > MAX_SEARCH_WORDS {
            return Err(Error::Invalid(format!(
                "a search holds at most {MAX_SEARCH_WORDS} words, this one {}",
                words.len()
            )));
        }
        if words.is_empty() {
            return Ok(SearchHits {
                words,
                items: Vec::new(),
                total: 0,
            });
        }
        let limit = limit.clamp(1, MAX_SEARCH_PAGE);
        let last = words.len() - 1;
        // The rule's parameters come first: SQLite numbers `$n` in order
        // of first appearance.
        let (cond, mut params) = visible_sql(viewer, 1);
        let p = params.len() + 1;
        let matches = match self.st.db.dialect() {
            Dialect::Sqlite => {
                let query: Vec<String> = words
                    .iter()
                    .enumerate()
                    .map(|(n, w)| format!("\"{w}\"{}", if n == last { "*" } else { "" }))
                    .collect();
                params.push(Value::from(query.join(" ")));
                format!("i.id IN (SELECT rowid FROM incidents_fts WHERE incidents_fts MATCH ${p})")
            }
            Dialect::Postgres => {
                let query: Vec<String> = words
                    .iter()
                    .enumerate()
                    .map(|(n, w)| format!("{w}{}", if n == last { ":*" } else { "" }))
                    .collect();
                params.push(Value::from(query.join(" & ")));
                format!("{SEARCH_TEXT_PG} @@ to_tsquery('simple', ${p})")
            }
        };
        let from = format!("FROM incidents i WHERE {cond} AND {matches}");
        let total = self
            .st
            .db
            .int(&format!("SELECT COUNT(*) AS n {from}"), &params, "n")?
            .unwrap_or(0);
        let items = if i64::try_from(offset).map_or(true, |o| o >= total) {
            Vec::new()
        } else {
            self.st.db.all(
                &format!(
                    "SELECT {SUMMARY_COLS} {from} ORDER BY i.id DESC LIMIT {limit} OFFSET {offset}"
                ),
                &params,
            )?
        };
        Ok(SearchHits {
            words,
            items,
            total,
        })
    }
}
