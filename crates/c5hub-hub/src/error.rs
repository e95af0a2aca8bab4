//! What an operation answers when it does not do what was asked.

use std::fmt;

/// Why an operation was refused or failed.
#[derive(Debug)]
pub enum Error {
    /// The caller may not do this; the text says why, in words a user
    /// reads (the doors answer 403).
    Forbidden(String),
    /// No such thing, or none the caller may see (the doors answer 404).
    NotFound(String),
    /// The input is wrong: `field` names it, `detail` says how.
    Invalid {
        /// The input field, as the doors name it (`role`, `org`).
        field: &'static str,
        /// What is wrong with it.
        detail: String,
    },
    /// The caller asked too often; `retry_after` says when to ask again
    /// (the doors answer 429).
    TooMany {
        /// What was asked too often (`verdicts`).
        what: &'static str,
        /// How long until the next request is accepted.
        retry_after: std::time::Duration,
        /// The limit, in words a user reads.
        detail: String,
    },
    /// The hub failed for a reason that is not the caller's (a file it
    /// could not write, data it cannot read back); the doors answer 500
    /// and log the text.
    Internal(String),
    /// The store refused or failed.
    Store(c5hub_store::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Forbidden(why) => write!(f, "not allowed: {why}"),
            Error::NotFound(what) => write!(f, "not found: {what}"),
            Error::Invalid { field, detail } => write!(f, "{field}: {detail}"),
            Error::TooMany { detail, .. } => write!(f, "too many requests: {detail}"),
            Error::Internal(why) => f.write_str(why),
            Error::Store(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Store(e) => Some(e),
            _ => None,
        }
    }
}

impl From<c5hub_store::Error> for Error {
    fn from(e: c5hub_store::Error) -> Error {
        Error::Store(e)
    }
}
