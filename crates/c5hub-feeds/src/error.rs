//! What can go wrong: a line of a feed that cannot become an incident
//! ([`RowError`]), and a mapping file that cannot be used
//! ([`MappingError`]).
//!
//! A [`RowError`] says where (line, column or key), what, and carries the
//! offending bytes, so the caller can quarantine exactly what was rejected.
//! Values are quoted shortened, so a hostile megabyte never ends up in a log
//! line.

use std::fmt;

/// How many characters of an offending value a message quotes.
const EXCERPT_CHARS: usize = 80;

/// Where in a line the problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A CSV column, by its header as written (or `#N` for a column without
    /// a header name).
    Column(String),
    /// An IntelMQ JSON key, nested keys joined with `.`.
    Key(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Column(name) => write!(f, "column {name}"),
            Location::Key(name) => write!(f, "key {name}"),
        }
    }
}

/// What is wrong with a line.
#[derive(Debug)]
#[non_exhaustive]
pub enum RowErrorKind {
    /// Reading the input failed; reading stops after this error.
    Io(std::io::Error),
    /// A CSV feed without a header line (and no `header` in the mapping).
    NoHeader,
    /// The line (or multi-line record) is longer than the limit.
    LineTooLong {
        /// The limit, in bytes.
        max: usize,
    },
    /// The line has more CSV columns than the limit.
    TooManyColumns {
        /// The limit.
        max: usize,
    },
    /// The JSON object has more keys than the limit.
    TooManyKeys {
        /// The limit.
        max: usize,
    },
    /// A row has more fields than the header has names.
    TooManyFields {
        /// Fields in the row.
        found: usize,
        /// Names in the header.
        expected: usize,
    },
    /// A quoted CSV field is not closed.
    UnterminatedQuote {
        /// Whether the input ended inside the quotes (otherwise the line
        /// did, and line breaks in quoted fields are not allowed).
        at_end: bool,
    },
    /// A value is not valid UTF-8.
    NotUtf8,
    /// A value is not a valid observable, TLP label, ... .
    Value(c5hub_model::Error),
    /// A value is not a time in any accepted format.
    Time {
        /// The value, shortened.
        value: String,
        /// The mapping's `time_format`, if it has one.
        format: Option<String>,
    },
    /// The line is not valid JSON.
    Json(String),
    /// The line is JSON but not an object.
    NotAnObject,
    /// A mapped JSON key holds an array.
    NotAScalar,
    /// The line has no observable: nothing for the incident to be about.
    NoObservable,
    /// The incident built from the line breaks a rule of the model (times
    /// out of order, a control character in the description, ...).
    Invalid(c5hub_model::Violations),
}

impl fmt::Display for RowErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RowErrorKind::Io(err) => write!(f, "read error: {err}"),
            RowErrorKind::NoHeader => f.write_str("no header line"),
            RowErrorKind::LineTooLong { max } => {
                write!(f, "the line is longer than {max} bytes")
            }
            RowErrorKind::TooManyColumns { max } => {
                write!(f, "more than {max} columns")
            }
            RowErrorKind::TooManyKeys { max } => write!(f, "more than {max} keys"),
            RowErrorKind::TooManyFields { found, expected } => write!(
                f,
                "{found} fields, but the header names {expected} columns"
            ),
            RowErrorKind::UnterminatedQuote { at_end: true } => {
                f.write_str("a quoted field is still open at the end of the input")
            }
            RowErrorKind::UnterminatedQuote { at_end: false } => f.write_str(
                "a quoted field is not closed on this line (a mapping file with `quoted_newlines = true` allows line breaks in quoted fields)",
            ),
            RowErrorKind::NotUtf8 => f.write_str("the value is not valid UTF-8"),
            RowErrorKind::Value(err) => write!(f, "{err}"),
            RowErrorKind::Time {
                value,
                format: Some(format),
            } => write!(
                f,
                "{value:?} does not match time_format {format:?} and is not RFC 3339, ISO 8601, RFC 2822 or unix time"
            ),
            RowErrorKind::Time {
                value,
                format: None,
            } => write!(
                f,
                "{value:?} is not a time (expected RFC 3339, ISO 8601, RFC 2822 or unix time)"
            ),
            RowErrorKind::Json(message) => write!(f, "invalid JSON: {message}"),
            RowErrorKind::NotAnObject => f.write_str("the line is not a JSON object"),
            RowErrorKind::NotAScalar => {
                f.write_str("expected a string, number or boolean, found an array")
            }
            RowErrorKind::NoObservable => f.write_str(
                "no observable: no IP, domain, URL, email, AS number, network, hash or indicator value",
            ),
            RowErrorKind::Invalid(violations) => {
                f.write_str("the incident would be invalid: ")?;
                for (i, v) in violations.iter().enumerate() {
                    if i > 0 {
                        f.write_str("; ")?;
                    }
                    write!(f, "{v}")?;
                }
                Ok(())
            }
        }
    }
}

/// A line of a feed that did not become an incident. One bad line never
/// stops the rest; only [`RowErrorKind::Io`] ends the iteration.
#[derive(Debug)]
pub struct RowError(Box<Inner>);

/// Boxed, so a `Result<Incident, RowError>` stays small on the happy path.
#[derive(Debug)]
struct Inner {
    line: u64,
    location: Option<Location>,
    kind: RowErrorKind,
    bytes: Vec<u8>,
}

impl RowError {
    pub(crate) fn new(
        line: u64,
        location: Option<Location>,
        kind: RowErrorKind,
        bytes: Vec<u8>,
    ) -> Self {
        RowError(Box::new(Inner {
            line,
            location,
            kind,
            bytes,
        }))
    }

    /// The line the problem is on, counting from 1; for a CSV record that
    /// spans lines, its first line.
    pub fn line(&self) -> u64 {
        self.0.line
    }

    /// The column or key, when the problem is in one.
    pub fn location(&self) -> Option<&Location> {
        self.0.location.as_ref()
    }

    /// What is wrong.
    pub fn kind(&self) -> &RowErrorKind {
        &self.0.kind
    }

    /// The rejected line's bytes as read, with its line break (cut at the
    /// length limit for an over-long line; empty for I/O errors). For CSV
    /// this is the record alone; the header line is
    /// [`CsvFeed::header_bytes`](crate::CsvFeed::header_bytes).
    pub fn bytes(&self) -> &[u8] {
        &self.0.bytes
    }

    /// The rejected bytes, by value.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0.bytes
    }
}

impl fmt::Display for RowError {
    /// `line 42, column source.ip: invalid IP address "300.1.2.3": ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.0.line)?;
        if let Some(location) = &self.0.location {
            write!(f, ", {location}")?;
        }
        write!(f, ": {}", self.0.kind)
    }
}

impl std::error::Error for RowError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.0.kind {
            RowErrorKind::Io(err) => Some(err),
            RowErrorKind::Value(err) => Some(err),
            RowErrorKind::Invalid(violations) => Some(violations),
            _ => None,
        }
    }
}

/// A mapping file that cannot be used: TOML syntax, an unknown key, or a
/// value that does not make sense. The message names the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingError {
    message: String,
}

impl MappingError {
    pub(crate) fn new(key: &str, message: impl fmt::Display) -> Self {
        MappingError {
            message: format!("{key}: {message}"),
        }
    }

    pub(crate) fn toml(err: &toml::de::Error) -> Self {
        MappingError {
            message: err.to_string().trim_end().to_owned(),
        }
    }
}

impl fmt::Display for MappingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid mapping file: {}", self.message)
    }
}

impl std::error::Error for MappingError {}

/// The first [`EXCERPT_CHARS`] characters of `text`, with `…` when cut.
pub(crate) fn excerpt(text: &str) -> String {
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}
