//! The crate's error type for text that cannot become a model value.
//!
//! Every parser in the crate (observables, TLP labels, RSIT classes, global
//! incident ids, statuses, roles) fails with the same [`Error`]: it names what
//! was being parsed ([`Subject`]), quotes the offending input (shortened, so a
//! hostile megabyte never ends up in a log line), and says what is wrong
//! ([`ErrorKind`]). Whole-incident validation, which reports many problems at
//! once, has its own type, [`crate::incident::Violations`].

use std::fmt;

use crate::observable::ObservableKind;

/// How many characters of the offending input an [`Error`] keeps.
const INPUT_EXCERPT_CHARS: usize = 80;

/// Text that could not be turned into a model value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    subject: Subject,
    input: String,
    kind: ErrorKind,
}

impl Error {
    pub(crate) fn new(subject: Subject, input: &str, kind: ErrorKind) -> Self {
        let input = match input.char_indices().nth(INPUT_EXCERPT_CHARS) {
            Some((cut, _)) => format!("{}…", &input[..cut]),
            None => input.to_owned(),
        };
        Error {
            subject,
            input,
            kind,
        }
    }

    /// What was being parsed.
    pub fn subject(&self) -> Subject {
        self.subject
    }

    /// The offending input, cut to its first 80 characters.
    pub fn input(&self) -> &str {
        &self.input
    }

    /// What is wrong with the input.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} {:?}: {}",
            self.subject, self.input, self.kind
        )
    }
}

impl std::error::Error for Error {}

/// The kind of value a parser was asked to produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Subject {
    /// An observable of a known kind ([`crate::Observable::parse`]).
    Observable(ObservableKind),
    /// An observable whose kind was to be detected ([`crate::Observable::guess`]).
    AnyObservable,
    /// An IP address of either family ([`crate::Observable::parse_ip`]).
    IpAddress,
    /// The name of an observable kind.
    ObservableKind,
    /// The default region given for national phone numbers.
    PhoneRegion,
    /// A Traffic Light Protocol label.
    Tlp,
    /// An RSIT classification (category and type).
    RsitClass,
    /// A global incident id (`name:id`).
    GlobalId,
    /// An incident status.
    IncidentStatus,
    /// The role of an observable in an incident.
    ObservableRole,
    /// The format of an original document.
    DocumentFormat,
    /// The type of a member organisation.
    OrgKind,
    /// A user's or token's role.
    Role,
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = match self {
            Subject::Observable(kind) => kind.description(),
            Subject::AnyObservable => "observable",
            Subject::IpAddress => "IP address",
            Subject::ObservableKind => "observable kind",
            Subject::PhoneRegion => "phone number region",
            Subject::Tlp => "TLP label",
            Subject::RsitClass => "RSIT class",
            Subject::GlobalId => "global incident id",
            Subject::IncidentStatus => "incident status",
            Subject::ObservableRole => "observable role",
            Subject::DocumentFormat => "document format",
            Subject::OrgKind => "organisation type",
            Subject::Role => "role",
        };
        f.write_str(text)
    }
}

/// What is wrong with an input. The `Display` text is a lowercase phrase that
/// completes `invalid <subject> "<input>": ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input is empty or only whitespace.
    Empty,
    /// The input is longer than the parser accepts.
    TooLong {
        /// The length of the input, in bytes.
        len: usize,
        /// The largest accepted length, in bytes.
        max: usize,
    },
    /// A character that may not appear in this kind of value.
    ForbiddenChar(char),
    /// Not one of the known names or labels.
    Unknown,
    /// The text does not have the expected shape; the string says which shape.
    Syntax(&'static str),
    /// An IPv6 address carries a zone id (`%eth0`), which names an interface
    /// on one host and means nothing to anyone else.
    ZoneId,
    /// Not an address of the IP family asked for (also used when the text is
    /// a valid address of the other family).
    WrongIpFamily {
        /// The family that was asked for, 4 or 6.
        expected: u8,
    },
    /// A CIDR prefix length outside 0..=32 (IPv4) or 0..=128 (IPv6).
    PrefixLength,
    /// A domain or host name failed IDNA (UTS 46) processing.
    Idna,
    /// A domain is longer than the 253 characters DNS allows.
    DomainTooLong,
    /// A domain label is empty (`a..b`, a leading dot).
    EmptyLabel,
    /// A domain label is longer than 63 characters.
    LabelTooLong(String),
    /// A domain label holds a character other than a-z, 0-9, `-` and `_`.
    LabelChar(String),
    /// A domain has a single label; observables need at least two.
    SingleLabel,
    /// The last label is all digits, which no top-level domain is.
    NumericTld,
    /// A URL the `url` crate rejects; the string is its reason.
    Url(String),
    /// A URL without a host (e.g. `data:` or `mailto:`).
    UrlWithoutHost,
    /// An email address without `@`, or with an empty side.
    EmailShape,
    /// The local part of an email is longer than 64 octets.
    LocalPartTooLong,
    /// A hash with the wrong number of hex digits.
    HashLength {
        /// How many hex digits the hash kind has.
        expected: usize,
        /// How many characters the input has.
        found: usize,
    },
    /// A hash containing a character that is not a hex digit.
    NotHex,
    /// The phone number library rejected the number; the string is its reason.
    Phone(String),
    /// A phone number that parses but is not valid in its numbering plan.
    PhoneNotValid,
    /// A national phone number given without a default region.
    PhoneNeedsRegion,
    /// An AS number above 4294967295.
    AsnRange,
    /// An SMS sender id that is neither a 3–8 digit short code nor 1–11
    /// characters of the GSM 7-bit alphabet.
    SenderId(&'static str),
    /// An IMEI whose Luhn check digit does not match.
    ImeiCheckDigit,
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ErrorKind::Empty => f.write_str("empty"),
            ErrorKind::TooLong { len, max } => {
                write!(f, "{len} bytes long, at most {max} are accepted")
            }
            ErrorKind::ForbiddenChar(c) => write!(f, "character {c:?} is not allowed"),
            ErrorKind::Unknown => f.write_str("not a known value"),
            ErrorKind::Syntax(what) => f.write_str(what),
            ErrorKind::ZoneId => f.write_str("zone ids (%...) are not allowed"),
            ErrorKind::WrongIpFamily { expected } => {
                write!(f, "not an IPv{expected} address")
            }
            ErrorKind::PrefixLength => f.write_str("prefix length out of range"),
            ErrorKind::Idna => f.write_str("IDNA (UTS 46) processing failed"),
            ErrorKind::DomainTooLong => f.write_str("longer than 253 characters"),
            ErrorKind::EmptyLabel => f.write_str("empty label"),
            ErrorKind::LabelTooLong(l) => write!(f, "label {l:?} is longer than 63 characters"),
            ErrorKind::LabelChar(l) => {
                write!(
                    f,
                    "label {l:?} has characters other than a-z, 0-9, '-', '_'"
                )
            }
            ErrorKind::SingleLabel => f.write_str("needs at least two labels"),
            ErrorKind::NumericTld => f.write_str("the last label is all digits"),
            ErrorKind::Url(reason) => write!(f, "{reason}"),
            ErrorKind::UrlWithoutHost => f.write_str("URL has no host"),
            ErrorKind::EmailShape => f.write_str("expected local-part@domain"),
            ErrorKind::LocalPartTooLong => f.write_str("local part is longer than 64 octets"),
            ErrorKind::HashLength { expected, found } => {
                write!(
                    f,
                    "expected {expected} hex digits, found {found} characters"
                )
            }
            ErrorKind::NotHex => f.write_str("not hexadecimal"),
            ErrorKind::Phone(reason) => write!(f, "{reason}"),
            ErrorKind::PhoneNotValid => f.write_str("not a valid number in its numbering plan"),
            ErrorKind::PhoneNeedsRegion => {
                f.write_str("national number without a default region; use +<country code>")
            }
            ErrorKind::AsnRange => f.write_str("AS number above 4294967295"),
            ErrorKind::SenderId(why) => f.write_str(why),
            ErrorKind::ImeiCheckDigit => f.write_str("Luhn check digit does not match"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_input_is_cut() {
        let long = "a".repeat(200);
        let err = Error::new(Subject::Tlp, &long, ErrorKind::Unknown);
        assert_eq!(err.input().chars().count(), INPUT_EXCERPT_CHARS + 1);
        assert!(err.input().ends_with('…'));
    }

    #[test]
    fn display_quotes_and_escapes_input() {
        let err = Error::new(Subject::Tlp, "a\nb", ErrorKind::Unknown);
        assert_eq!(
            err.to_string(),
            r#"invalid TLP label "a\nb": not a known value"#
        );
    }
}
