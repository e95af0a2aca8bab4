//! The crate's one error type, and the diagnostics that lenient ingest
//! returns beside its value.
//!
//! An [`Error`] stops an operation (a file that cannot be parsed, a
//! methodology that does not validate). A [`Diagnostic`] does not: scoring
//! goes on and reports what it skipped or flagged.

use std::fmt;

/// Why an operation of this crate failed.
///
/// Every variant carries the context a user needs to find the problem:
/// which source, which line, which element.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Error {
    /// No built-in methodology has this name.
    UnknownMethodology {
        /// The name asked for.
        name: String,
    },
    /// A methodology file is not valid TOML or does not have the expected
    /// shape.
    MethodologySyntax {
        /// Where the methodology came from (a file name or `builtin:NAME`).
        origin: String,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A methodology parses but breaks one or more rules; every violation is
    /// listed with its path.
    MethodologyInvalid {
        /// Where the methodology came from.
        origin: String,
        /// One line per violation, each starting with the element's path.
        problems: Vec<String>,
    },
    /// A CSV input could not be read.
    Csv {
        /// What the CSV holds (`responses`, `pillar scores`, `regions`).
        what: &'static str,
        /// The 1-based line, when known.
        line: Option<u64>,
        /// What is wrong.
        message: String,
    },
    /// A JSON input could not be read.
    Json {
        /// What the JSON holds.
        what: &'static str,
        /// The parser's message, with line and column.
        message: String,
    },
    /// An input exceeds one of the limits in [`crate::limits`].
    Limit {
        /// Which limit, and the value that broke it.
        message: String,
    },
    /// A parameter given by the caller is out of its range.
    Parameter {
        /// Which parameter, and why.
        message: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::UnknownMethodology { name } => write!(
                f,
                "unknown methodology {name:?} (built-in: {})",
                crate::methodology::builtin_names().join(", ")
            ),
            Error::MethodologySyntax { origin, message } => {
                write!(f, "methodology {origin}: {message}")
            }
            Error::MethodologyInvalid { origin, problems } => {
                write!(f, "methodology {origin} is invalid:")?;
                for p in problems {
                    write!(f, "\n  - {p}")?;
                }
                Ok(())
            }
            Error::Csv {
                what,
                line: Some(line),
                message,
            } => write!(f, "{what} CSV, line {line}: {message}"),
            Error::Csv {
                what,
                line: None,
                message,
            } => write!(f, "{what} CSV: {message}"),
            Error::Json { what, message } => write!(f, "{what} JSON: {message}"),
            Error::Limit { message } => write!(f, "input too large: {message}"),
            Error::Parameter { message } => write!(f, "invalid parameter: {message}"),
        }
    }
}

impl std::error::Error for Error {}

/// How serious a [`Diagnostic`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Worth knowing; nothing was dropped.
    Warning,
    /// A value was rejected and treated as missing.
    Error,
}

impl Severity {
    /// The lower-case word used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A problem found while reading or scoring that did not stop the operation.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Where: `line 12`, `XAA 2024 legal.cybercrime.offences`, ...
    pub location: String,
    /// What is wrong, as a sentence fragment.
    pub message: String,
}

impl Diagnostic {
    /// A warning at `location`.
    pub fn warning(location: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            location: location.into(),
            message: message.into(),
        }
    }

    /// An error at `location`: the value was rejected.
    pub fn error(location: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            location: location.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {}: {}",
            self.severity.as_str(),
            self.location,
            self.message
        )
    }
}
