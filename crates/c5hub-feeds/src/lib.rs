//! Bulk feeds to c5hub incidents: CSV feeds and IntelMQ events as JSON
//! lines, one [`Incident`] per row.
//!
//! - [`detect`] tells the two formats apart from an input's first bytes.
//! - [`CsvFeed`] and [`IntelMqFeed`] (or [`Feed`] for either) read a feed
//!   from any [`BufRead`] and yield one `Result<Incident, RowError>` per row,
//!   in order. A bad row is an error naming its line, column or key and what
//!   is wrong; it never stops the rows after it.
//! - Columns map to fields by IntelMQ's harmonized names and common plain
//!   names ([`Field`], the built-in table); a [`Mapping`] file covers other
//!   headers, delimiters, time formats and defaults.
//! - [`export`] writes stored incidents back out as CSV.
//! - [`classify`] maps IntelMQ's taxonomy and type to the ENISA RSIT.
//!
//! Every incident gets a global id whose name is the caller's name for the
//! feed (for instance the reporting organisation's domain), or the mapping's
//! or the row's feed name, and whose id is the event's time (UTC, to the
//! second) followed by the first 16 hex digits of a SHA-256 over the row's
//! normalized values: the same row imported twice gets the same id. Its
//! original document is the row's bytes, preceded for CSV by the header
//! line, so that each row can be read from its original alone.
//!
//! Invariants: this crate does no I/O of its own (callers hand it readers
//! or bytes) and knows nothing of IODEF or storage. Reading never panics on
//! any input (fuzzed); lines, columns and keys have limits ([`Limits`]).
//! Every incident it yields passes [`Incident::validate`].

mod classify;
mod csv_feed;
mod detect;
mod error;
pub mod export;
mod field;
mod intelmq;
mod lines;
mod mapping;
mod row;
#[cfg(test)]
mod test_data;
mod time;

use std::io::BufRead;

use c5hub_model::{DocumentFormat, GlobalId, Incident, Tlp};

pub use classify::{Classification, INTELMQ_TYPES, classify, intelmq_type_class};
pub use csv_feed::{Column, CsvFeed};
pub use detect::{detect, detect_with};
pub use error::{Location, MappingError, RowError, RowErrorKind};
pub use field::{ALIASES, ColumnTarget, Field, builtin_target, normalize_header};
pub use intelmq::IntelMqFeed;
pub use mapping::{Mapping, MappingFile};

/// The TLP of rows that carry none, when neither the caller nor the mapping
/// file gives one: TLP:AMBER. Feeds reach a national CIRT from providers
/// who share them under AMBER in the usual case (data about third parties'
/// systems, for handling by their owners), so AMBER is what a row without
/// a label most likely is; an unmarked row never becomes more shareable
/// than its source meant.
pub const DEFAULT_TLP: Tlp = Tlp::Amber;

/// The global id name when no caller name, mapping `feed_name` or row
/// `feed.name` gives one.
pub const FALLBACK_NAME: &str = "feed";

/// The formats this crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeedFormat {
    /// A CSV feed with a header line (or a mapping file's `header`).
    Csv,
    /// IntelMQ events, one JSON object per line.
    IntelMqJsonLines,
}

impl FeedFormat {
    /// The stable name: `csv` or `intelmq-jsonl`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeedFormat::Csv => "csv",
            FeedFormat::IntelMqJsonLines => "intelmq-jsonl",
        }
    }

    /// The format recorded in each incident's original document.
    pub fn document_format(self) -> DocumentFormat {
        match self {
            FeedFormat::Csv => DocumentFormat::Csv,
            FeedFormat::IntelMqJsonLines => DocumentFormat::IntelMqJson,
        }
    }
}

/// Limits on untrusted input; a line beyond them is an error, and reading
/// goes on with the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest line (or multi-line CSV record), in bytes, without its line
    /// break. Default 64 KiB.
    pub max_line_len: usize,
    /// Most CSV columns, or keys in one JSON line. Default 256.
    pub max_columns: usize,
}

impl Limits {
    /// 64 KiB lines, 256 columns.
    pub const DEFAULT: Limits = Limits {
        max_line_len: 64 * 1024,
        max_columns: 256,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Limits::DEFAULT
    }
}

/// What the caller decides about a feed, beyond its mapping file.
#[derive(Debug, Clone, Default)]
pub struct FeedOptions {
    /// The global id name of every incident, e.g. the reporting
    /// organisation's domain; made id-safe with [`sanitize_name`]. Without
    /// it, the mapping's `feed_name`, then each row's `feed.name`, then
    /// [`FALLBACK_NAME`] is used.
    pub name: Option<String>,
    /// The TLP of rows without a `tlp` value. Wins over the mapping file's
    /// `tlp`; without either, [`DEFAULT_TLP`].
    pub tlp: Option<Tlp>,
    /// Limits on lines and columns.
    pub limits: Limits,
}

/// A feed of either format.
pub enum Feed<R> {
    /// A CSV feed.
    Csv(Box<CsvFeed<R>>),
    /// IntelMQ JSON lines.
    IntelMq(Box<IntelMqFeed<R>>),
}

impl<R: BufRead> Feed<R> {
    /// Starts reading a feed of the given format. For CSV this reads the
    /// header line, and fails as [`CsvFeed::new`] does.
    pub fn new(
        format: FeedFormat,
        reader: R,
        mapping: &Mapping,
        options: &FeedOptions,
    ) -> Result<Self, RowError> {
        Ok(match format {
            FeedFormat::Csv => Feed::Csv(Box::new(CsvFeed::new(reader, mapping, options)?)),
            FeedFormat::IntelMqJsonLines => {
                Feed::IntelMq(Box::new(IntelMqFeed::new(reader, mapping, options)))
            }
        })
    }
}

impl<R: BufRead> Iterator for Feed<R> {
    type Item = Result<Incident, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Feed::Csv(feed) => feed.next(),
            Feed::IntelMq(feed) => feed.next(),
        }
    }
}

/// Makes a name usable as a [`GlobalId`] name: ASCII lowercase, every run of
/// other characters than `a-z`, `0-9`, `.` and `_` replaced by one `-`, no
/// `-` or `.` at either end, at most [`GlobalId::MAX_NAME_LEN`] bytes.
/// `Shadowserver Sinkhole HTTP-Drone` becomes
/// `shadowserver-sinkhole-http-drone`. `None` when nothing is left.
pub fn sanitize_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut dash = false;
    for c in name.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '.' || c == '_' {
            out.push(c);
            dash = false;
        } else if !dash {
            out.push('-');
            dash = true;
        }
    }
    let edge = |c: char| c == '-' || c == '.';
    let trimmed = out.trim_matches(edge);
    let cut = &trimmed[..trimmed.len().min(GlobalId::MAX_NAME_LEN)];
    let cut = cut.trim_end_matches(edge);
    (!cut.is_empty()).then(|| cut.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitized_names() {
        let check = |input: &str, expected: Option<&str>| {
            assert_eq!(sanitize_name(input).as_deref(), expected, "{input:?}");
            if let Some(name) = sanitize_name(input) {
                assert!(GlobalId::new(&name, "1").is_ok(), "{name:?}");
            }
        };
        check("csirt.example", Some("csirt.example"));
        check("CSIRT.Example", Some("csirt.example"));
        check(
            "Shadowserver Sinkhole HTTP-Drone",
            Some("shadowserver-sinkhole-http-drone"),
        );
        check("  a -- b  ", Some("a-b"));
        check("Bürger CERT", Some("b-rger-cert"));
        check("abuse_ch", Some("abuse_ch"));
        check(".-.", None);
        check("", None);
        check(&"x".repeat(300), Some(&"x".repeat(255)));
        check(&format!("{}-y", "x".repeat(254)), Some(&"x".repeat(254)));
    }
}
