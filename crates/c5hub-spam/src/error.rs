//! The crate's one error type.

use std::fmt;

/// What went wrong, with the context a user needs to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// A model file that cannot be read: wrong magic, unsupported version,
    /// truncated, inconsistent or failing its checksum.
    ModelFile(String),
    /// A rules file that cannot be used: the TOML, a field, or a regular
    /// expression; `rule` names the rule when the problem is inside one.
    Rules {
        /// The rule's id, if the problem is in one rule.
        rule: Option<String>,
        /// What is wrong.
        message: String,
    },
    /// A corpus or report-import line that cannot be read.
    Input {
        /// 1-based line (record) number.
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// An argument out of range (folds, keys, options).
    Invalid(String),
}

impl Error {
    pub(crate) fn input(line: u64, message: impl Into<String>) -> Self {
        Error::Input {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn rules(rule: Option<&str>, message: impl Into<String>) -> Self {
        Error::Rules {
            rule: rule.map(str::to_owned),
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::ModelFile(m) => write!(f, "model file: {m}"),
            Error::Rules {
                rule: Some(r),
                message,
            } => write!(f, "rules: rule {r:?}: {message}"),
            Error::Rules {
                rule: None,
                message,
            } => write!(f, "rules: {message}"),
            Error::Input { line, message } => write!(f, "line {line}: {message}"),
            Error::Invalid(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}
