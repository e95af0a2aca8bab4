//! The normalized incident: what c5hub stores, whatever format it came in.
//!
//! An [`Incident`] is identified by a [`GlobalId`] (the IODEF `IncidentID`
//! name and id), carries its times in UTC, a status, an optional RSIT class,
//! a TLP label, free text, the [`Observable`]s it is about with their roles,
//! contacts, and the exact document it was submitted as
//! ([`OriginalDocument`]), so nothing the submitter said is lost by
//! normalization.
//!
//! Fields are public: format crates build incidents field by field. What the
//! types cannot guarantee, [`Incident::validate`] checks, and it reports
//! every violation with the path of the offending field, not only the first.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};

use crate::error::{Error, ErrorKind, Subject};
use crate::observable::{Observable, ObservableKind};
use crate::taxonomy::RsitClass;
use crate::tlp::Tlp;

/// An incident's globally unique id: the issuing CSIRT's name and its local
/// id for the incident, from IODEF's `IncidentID` (`name` attribute and
/// text). Its text form is `name:id`.
///
/// The name should be a domain the CSIRT owns (`csirt.example`), as IODEF
/// recommends; it is lowercased, since domain names are case-insensitive,
/// and may hold only a-z, 0-9, `.`, `-` and `_`, so it never contains the
/// `:` that separates it from the id. The id is kept as given (without
/// surrounding whitespace) and may contain `:`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalId {
    name: String,
    id: String,
}

impl GlobalId {
    /// Longest accepted name, in bytes.
    pub const MAX_NAME_LEN: usize = 255;
    /// Longest accepted local id, in bytes.
    pub const MAX_ID_LEN: usize = 1024;

    /// Builds a global id from the issuer's name and its local id.
    pub fn new(name: &str, id: &str) -> Result<GlobalId, Error> {
        let error = |kind| Error::new(Subject::GlobalId, &format!("{name}:{id}"), kind);
        let name = name.trim();
        let id = id.trim();
        if name.is_empty() {
            return Err(error(ErrorKind::Syntax("the name (before ':') is empty")));
        }
        if name.len() > Self::MAX_NAME_LEN {
            return Err(error(ErrorKind::TooLong {
                len: name.len(),
                max: Self::MAX_NAME_LEN,
            }));
        }
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        {
            return Err(error(ErrorKind::Syntax(
                "the name (before ':') may only hold a-z, 0-9, '.', '-' and '_'",
            )));
        }
        if id.is_empty() {
            return Err(error(ErrorKind::Syntax("the id (after ':') is empty")));
        }
        if id.len() > Self::MAX_ID_LEN {
            return Err(error(ErrorKind::TooLong {
                len: id.len(),
                max: Self::MAX_ID_LEN,
            }));
        }
        if let Some(c) = id.chars().find(|c| c.is_control()) {
            return Err(error(ErrorKind::ForbiddenChar(c)));
        }
        Ok(GlobalId {
            name: name.to_ascii_lowercase(),
            id: id.to_owned(),
        })
    }

    /// The issuing CSIRT's name, lowercase.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The issuer's local id for the incident.
    pub fn id(&self) -> &str {
        &self.id
    }
}

impl fmt::Display for GlobalId {
    /// Writes `name:id`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.name, self.id)
    }
}

impl FromStr for GlobalId {
    type Err = Error;

    /// Parses `name:id`, splitting at the first `:`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let (name, id) = s.split_once(':').ok_or_else(|| {
            Error::new(Subject::GlobalId, s, ErrorKind::Syntax("expected name:id"))
        })?;
        GlobalId::new(name, id)
    }
}

/// Where an incident is in its handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IncidentStatus {
    /// Received, nobody has looked at it yet.
    New,
    /// Looked at: classified, prioritised, assigned.
    Triaged,
    /// Being handled.
    InProgress,
    /// Handling is done; the incident may still be reopened.
    Resolved,
    /// Closed for good.
    Closed,
}

impl IncidentStatus {
    /// Every status, in handling order.
    pub const ALL: [IncidentStatus; 5] = [
        IncidentStatus::New,
        IncidentStatus::Triaged,
        IncidentStatus::InProgress,
        IncidentStatus::Resolved,
        IncidentStatus::Closed,
    ];

    /// The stable lowercase name: `new`, `triaged`, `in-progress`,
    /// `resolved`, `closed`.
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentStatus::New => "new",
            IncidentStatus::Triaged => "triaged",
            IncidentStatus::InProgress => "in-progress",
            IncidentStatus::Resolved => "resolved",
            IncidentStatus::Closed => "closed",
        }
    }
}

impl fmt::Display for IncidentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for IncidentStatus {
    type Err = Error;

    /// Accepts [`IncidentStatus::as_str`] names in any case, with `_` or a
    /// space instead of `-` (`IN_PROGRESS`, `in progress`).
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_name(
            s,
            &IncidentStatus::ALL,
            |v| v.as_str(),
            Subject::IncidentStatus,
        )
    }
}

/// What part an observable plays in an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableRole {
    /// Where the activity came from: the scanner, the attacking host, the
    /// infected machine.
    Source,
    /// What the activity was aimed at: the victim host, the targeted service.
    Target,
    /// Something in between: a relay, a proxy, a reflector, a redirector.
    Intermediate,
    /// Who sent a message: the email sender, the SMS sender id, the calling
    /// number.
    Sender,
    /// Who received a message.
    Recipient,
    /// A URL the incident is about (phishing page, malware download) when no
    /// finer role applies.
    Url,
    /// An indicator of compromise without a source or target role: a file
    /// hash, a C2 domain.
    Indicator,
    /// The submitter did not say.
    Unknown,
}

impl ObservableRole {
    /// Every role.
    pub const ALL: [ObservableRole; 8] = [
        ObservableRole::Source,
        ObservableRole::Target,
        ObservableRole::Intermediate,
        ObservableRole::Sender,
        ObservableRole::Recipient,
        ObservableRole::Url,
        ObservableRole::Indicator,
        ObservableRole::Unknown,
    ];

    /// The stable lowercase name (`source`, `target`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            ObservableRole::Source => "source",
            ObservableRole::Target => "target",
            ObservableRole::Intermediate => "intermediate",
            ObservableRole::Sender => "sender",
            ObservableRole::Recipient => "recipient",
            ObservableRole::Url => "url",
            ObservableRole::Indicator => "indicator",
            ObservableRole::Unknown => "unknown",
        }
    }
}

impl fmt::Display for ObservableRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObservableRole {
    type Err = Error;

    /// Accepts [`ObservableRole::as_str`] names in any case.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_name(
            s,
            &ObservableRole::ALL,
            |v| v.as_str(),
            Subject::ObservableRole,
        )
    }
}

/// An observable and the part it plays in an incident.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IncidentObservable {
    /// The normalized observable.
    pub observable: Observable,
    /// Its role in the incident.
    pub role: ObservableRole,
}

impl IncidentObservable {
    /// Pairs an observable with its role.
    pub fn new(observable: Observable, role: ObservableRole) -> Self {
        IncidentObservable { observable, role }
    }
}

/// A person or team to contact about an incident.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Contact {
    /// The name of the person or organisation.
    pub name: Option<String>,
    /// An email address; [`Incident::validate`] checks it parses.
    pub email: Option<String>,
    /// The contact's role as the source wrote it (IODEF `Contact@role`:
    /// `creator`, `irt`, `tech`, `abuse`, ...); never empty.
    pub role: String,
}

/// The format a document was submitted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentFormat {
    /// IODEF v2 (RFC 7970) XML.
    IodefXml,
    /// IODEF v2 in the JSON binding of RFC 8727.
    IodefJson,
    /// A CSV file.
    Csv,
    /// An IntelMQ event in JSON.
    IntelMqJson,
    /// c5hub's own submission format (web form, REST API).
    Native,
    /// A STIX 2.1 bundle (the objects of one incident).
    Stix21,
    /// A MISP event in the MISP core format (`{"Event": {...}}`).
    Misp,
}

impl DocumentFormat {
    /// Every format.
    pub const ALL: [DocumentFormat; 7] = [
        DocumentFormat::IodefXml,
        DocumentFormat::IodefJson,
        DocumentFormat::Csv,
        DocumentFormat::IntelMqJson,
        DocumentFormat::Native,
        DocumentFormat::Stix21,
        DocumentFormat::Misp,
    ];

    /// The stable lowercase name: `iodef-xml`, `iodef-json`, `csv`,
    /// `intelmq-json`, `native`, `stix21`, `misp`.
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentFormat::Misp => "misp",
            DocumentFormat::IodefXml => "iodef-xml",
            DocumentFormat::IodefJson => "iodef-json",
            DocumentFormat::Csv => "csv",
            DocumentFormat::IntelMqJson => "intelmq-json",
            DocumentFormat::Native => "native",
            DocumentFormat::Stix21 => "stix21",
        }
    }
}

impl fmt::Display for DocumentFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DocumentFormat {
    type Err = Error;

    /// Accepts [`DocumentFormat::as_str`] names in any case, with `_` for
    /// `-`.
    fn from_str(s: &str) -> Result<Self, Error> {
        parse_name(
            s,
            &DocumentFormat::ALL,
            |v| v.as_str(),
            Subject::DocumentFormat,
        )
    }
}

/// The document exactly as it was submitted, kept beside the model so that
/// nothing is lost to normalization and the submission can be shown or
/// forwarded verbatim.
#[derive(Clone, PartialEq, Eq)]
pub struct OriginalDocument {
    /// The format it was submitted in.
    pub format: DocumentFormat,
    /// The bytes as received.
    pub bytes: Vec<u8>,
}

impl OriginalDocument {
    /// Keeps `bytes` as a document of `format`.
    pub fn new(format: DocumentFormat, bytes: Vec<u8>) -> Self {
        OriginalDocument { format, bytes }
    }
}

impl fmt::Debug for OriginalDocument {
    /// Shows the format and size, not the (possibly large) bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OriginalDocument")
            .field("format", &self.format)
            .field("len", &self.bytes.len())
            .finish()
    }
}

/// The times of an incident, all in UTC and all optional, since sources
/// give different subsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IncidentTimes {
    /// When the activity was first detected.
    pub detected: Option<DateTime<Utc>>,
    /// When the activity started.
    pub start: Option<DateTime<Utc>>,
    /// When the activity ended.
    pub end: Option<DateTime<Utc>>,
    /// When the incident was reported (IODEF `ReportTime`).
    pub reported: Option<DateTime<Utc>>,
    /// When the submitted document was generated (IODEF `GenerationTime`).
    pub generated: Option<DateTime<Utc>>,
}

/// A normalized incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    /// The global id.
    pub id: GlobalId,
    /// The reporting organisation's name.
    pub reporter: Option<String>,
    /// Detection, activity, report and generation times.
    pub times: IncidentTimes,
    /// Where the incident is in its handling.
    pub status: IncidentStatus,
    /// The RSIT class, when known.
    pub classification: Option<RsitClass>,
    /// Who may read the incident.
    pub tlp: Tlp,
    /// A one-line title.
    pub title: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// The observables the incident is about, with their roles.
    pub observables: Vec<IncidentObservable>,
    /// People and teams to contact.
    pub contacts: Vec<Contact>,
    /// The document as submitted.
    pub original: Option<OriginalDocument>,
}

impl Incident {
    /// Most observables one incident may have.
    pub const MAX_OBSERVABLES: usize = 100_000;
    /// Most contacts one incident may have.
    pub const MAX_CONTACTS: usize = 1_000;
    /// Longest title, reporter name or contact field, in bytes.
    pub const MAX_SHORT_TEXT_LEN: usize = 1_024;
    /// Longest description, in bytes.
    pub const MAX_DESCRIPTION_LEN: usize = 1024 * 1024;
    /// Largest original document kept, in bytes.
    pub const MAX_ORIGINAL_LEN: usize = 32 * 1024 * 1024;

    /// A new incident with status [`IncidentStatus::New`] and nothing else
    /// set.
    pub fn new(id: GlobalId, tlp: Tlp) -> Incident {
        Incident {
            id,
            reporter: None,
            times: IncidentTimes::default(),
            status: IncidentStatus::New,
            classification: None,
            tlp,
            title: None,
            description: None,
            observables: Vec::new(),
            contacts: Vec::new(),
            original: None,
        }
    }

    /// Adds an observable with its role unless the same pair is already
    /// there; returns whether it was added.
    pub fn add_observable(&mut self, observable: Observable, role: ObservableRole) -> bool {
        let entry = IncidentObservable::new(observable, role);
        if self.observables.contains(&entry) {
            return false;
        }
        self.observables.push(entry);
        true
    }

    /// The observables of one kind, whatever their role.
    pub fn observables_of_kind(&self, kind: ObservableKind) -> impl Iterator<Item = &Observable> {
        self.observables
            .iter()
            .map(|o| &o.observable)
            .filter(move |o| o.kind() == kind)
    }

    /// Checks what the types cannot: text fields not blank, one-line and
    /// within limits; times in order (start ≤ end, detected ≤ reported);
    /// no observable listed twice with the same role; contacts with a role,
    /// a name or email, and a valid email; an original document that is
    /// neither empty nor too large; counts within limits.
    ///
    /// Returns every violation found, each with the path of its field.
    pub fn validate(&self) -> Result<(), Violations> {
        let mut found = Vec::new();
        let mut report = |path: String, message: String| found.push(Violation { path, message });

        check_short_text(&mut report, "reporter", self.reporter.as_deref());
        check_short_text(&mut report, "title", self.title.as_deref());
        if let Some(description) = &self.description {
            if description.trim().is_empty() {
                report("description".into(), "is empty".into());
            }
            if description.len() > Self::MAX_DESCRIPTION_LEN {
                report(
                    "description".into(),
                    too_long(description.len(), Self::MAX_DESCRIPTION_LEN),
                );
            }
            if description
                .chars()
                .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
            {
                report("description".into(), "contains control characters".into());
            }
        }

        let times = &self.times;
        if let (Some(start), Some(end)) = (times.start, times.end) {
            if end < start {
                report(
                    "times.end".into(),
                    format!("{end} is before times.start {start}"),
                );
            }
        }
        if let (Some(detected), Some(reported)) = (times.detected, times.reported) {
            if reported < detected {
                report(
                    "times.reported".into(),
                    format!("{reported} is before times.detected {detected}"),
                );
            }
        }

        if self.observables.len() > Self::MAX_OBSERVABLES {
            report(
                "observables".into(),
                format!(
                    "{} observables, at most {} are accepted",
                    self.observables.len(),
                    Self::MAX_OBSERVABLES
                ),
            );
        } else {
            // Sorted, equal entries are neighbours, the first of them the
            // first listed (the sort is stable): no hash of every value.
            let mut order: Vec<usize> = (0..self.observables.len()).collect();
            order.sort_by(|&a, &b| {
                let (a, b) = (&self.observables[a], &self.observables[b]);
                a.observable.cmp(&b.observable).then(a.role.cmp(&b.role))
            });
            let mut repeats: Vec<(usize, usize)> = Vec::new();
            let mut first = 0;
            for (n, &i) in order.iter().enumerate() {
                if n == 0 || self.observables[i] != self.observables[order[n - 1]] {
                    first = i;
                } else {
                    repeats.push((i, first));
                }
            }
            repeats.sort_unstable();
            for (i, first) in repeats {
                let entry = &self.observables[i];
                report(
                    format!("observables[{i}]"),
                    format!(
                        "{} {} as {} repeats observables[{first}]",
                        entry.observable.kind(),
                        entry.observable,
                        entry.role,
                    ),
                );
            }
        }

        if self.contacts.len() > Self::MAX_CONTACTS {
            report(
                "contacts".into(),
                format!(
                    "{} contacts, at most {} are accepted",
                    self.contacts.len(),
                    Self::MAX_CONTACTS
                ),
            );
        }
        for (i, contact) in self.contacts.iter().enumerate().take(Self::MAX_CONTACTS) {
            let path = format!("contacts[{i}]");
            check_short_text(&mut report, &format!("{path}.role"), Some(&contact.role));
            check_short_text(
                &mut report,
                &format!("{path}.name"),
                contact.name.as_deref(),
            );
            let has_name = contact
                .name
                .as_deref()
                .is_some_and(|n| !n.trim().is_empty());
            let has_email = contact
                .email
                .as_deref()
                .is_some_and(|e| !e.trim().is_empty());
            if !has_name && !has_email {
                report(path.clone(), "has neither a name nor an email".into());
            }
            if let Some(email) = contact.email.as_deref().filter(|e| !e.trim().is_empty()) {
                if let Err(err) = Observable::parse(ObservableKind::Email, email) {
                    report(format!("{path}.email"), err.to_string());
                }
            }
        }

        if let Some(original) = &self.original {
            if original.bytes.is_empty() {
                report("original.bytes".into(), "is empty".into());
            }
            if original.bytes.len() > Self::MAX_ORIGINAL_LEN {
                report(
                    "original.bytes".into(),
                    too_long(original.bytes.len(), Self::MAX_ORIGINAL_LEN),
                );
            }
        }

        if found.is_empty() {
            Ok(())
        } else {
            Err(Violations(found))
        }
    }
}

/// Checks an optional one-line text: not blank, no control characters,
/// within [`Incident::MAX_SHORT_TEXT_LEN`].
fn check_short_text(report: &mut impl FnMut(String, String), path: &str, text: Option<&str>) {
    let Some(text) = text else {
        return;
    };
    if text.trim().is_empty() {
        report(path.into(), "is empty".into());
    }
    if text.len() > Incident::MAX_SHORT_TEXT_LEN {
        report(
            path.into(),
            too_long(text.len(), Incident::MAX_SHORT_TEXT_LEN),
        );
    }
    if text.chars().any(char::is_control) {
        report(
            path.into(),
            "contains line breaks or control characters".into(),
        );
    }
}

fn too_long(len: usize, max: usize) -> String {
    format!("{len} bytes long, at most {max} are accepted")
}

/// Finds the value whose name matches `text`, ignoring ASCII case and
/// treating `_` and space as `-`.
fn parse_name<T: Copy>(
    text: &str,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    subject: Subject,
) -> Result<T, Error> {
    let trimmed = text.trim();
    // Stored and generated names are already canonical: found without
    // building the lenient form (a lookup parses a role for every match).
    if let Some(v) = all
        .iter()
        .copied()
        .find(|&v| name(v).eq_ignore_ascii_case(trimmed))
    {
        return Ok(v);
    }
    let wanted = trimmed.replace(['_', ' '], "-");
    all.iter()
        .copied()
        .find(|&v| name(v).eq_ignore_ascii_case(&wanted))
        .ok_or_else(|| Error::new(subject, text, ErrorKind::Unknown))
}

/// One problem [`Incident::validate`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The offending field, e.g. `contacts[0].email` or `times.end`.
    pub path: String,
    /// What is wrong with it.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every problem [`Incident::validate`] found; never empty.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(Vec<Violation>);

impl Violations {
    /// The violations, in field order.
    pub fn iter(&self) -> std::slice::Iter<'_, Violation> {
        self.0.iter()
    }

    /// How many violations there are.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: `validate` returns `Ok` when nothing is wrong.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The violations, by value.
    pub fn into_vec(self) -> Vec<Violation> {
        self.0
    }
}

impl<'a> IntoIterator for &'a Violations {
    type Item = &'a Violation;
    type IntoIter = std::slice::Iter<'a, Violation>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

impl fmt::Display for Violations {
    /// Writes the count, then each violation on its own line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.0.len();
        write!(
            f,
            "{count} problem{} in the incident",
            if count == 1 { "" } else { "s" }
        )?;
        for violation in &self.0 {
            write!(f, "\n  {violation}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Violations {}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn id() -> GlobalId {
        GlobalId::new("csirt.example", "2024-0042").expect("valid")
    }

    fn at(hour: u32) -> Option<DateTime<Utc>> {
        Utc.with_ymd_and_hms(2024, 5, 1, hour, 0, 0).single()
    }

    fn obs(kind: ObservableKind, raw: &str) -> Observable {
        Observable::parse(kind, raw).expect("valid observable")
    }

    fn check_id(input: &str, expected: &str) {
        let id: GlobalId = input
            .parse()
            .unwrap_or_else(|e| panic!("parse({input:?}) failed: {e}"));
        assert_eq!(id.to_string(), expected, "parse({input:?})");
        assert_eq!(id.to_string().parse::<GlobalId>(), Ok(id));
    }

    fn check_id_err(input: &str, expected: &str) {
        match input.parse::<GlobalId>() {
            Ok(id) => panic!("parse({input:?}) = {id:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({input:?})"),
        }
    }

    #[test]
    fn global_ids() {
        check_id("csirt.example:2024-0042", "csirt.example:2024-0042");
        check_id("CSIRT.Example:ABC-1", "csirt.example:ABC-1");
        check_id(" cert_xy :  ticket 7 ", "cert_xy:ticket 7");
        check_id("csirt.example:urn:x:1", "csirt.example:urn:x:1");
        let id = id();
        assert_eq!(id.name(), "csirt.example");
        assert_eq!(id.id(), "2024-0042");
    }

    #[test]
    fn global_id_errors() {
        check_id_err(
            "csirt.example",
            r#"invalid global incident id "csirt.example": expected name:id"#,
        );
        check_id_err(
            ":42",
            r#"invalid global incident id ":42": the name (before ':') is empty"#,
        );
        check_id_err(
            "csirt.example:",
            r#"invalid global incident id "csirt.example:": the id (after ':') is empty"#,
        );
        check_id_err(
            "csirt example:42",
            r#"invalid global incident id "csirt example:42": the name (before ':') may only hold a-z, 0-9, '.', '-' and '_'"#,
        );
        check_id_err(
            "csirt.example:4\u{0}2",
            r#"invalid global incident id "csirt.example:4\02": character '\0' is not allowed"#,
        );
        let long = "x".repeat(GlobalId::MAX_ID_LEN + 1);
        let err = GlobalId::new("csirt.example", &long).expect_err("too long");
        assert_eq!(
            err.kind(),
            &ErrorKind::TooLong {
                len: GlobalId::MAX_ID_LEN + 1,
                max: GlobalId::MAX_ID_LEN
            }
        );
    }

    #[test]
    fn names_round_trip() {
        for status in IncidentStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        for role in ObservableRole::ALL {
            assert_eq!(role.as_str().parse(), Ok(role));
        }
        for format in DocumentFormat::ALL {
            assert_eq!(format.as_str().parse(), Ok(format));
        }
        assert_eq!("IN_PROGRESS".parse(), Ok(IncidentStatus::InProgress));
        assert_eq!("In Progress".parse(), Ok(IncidentStatus::InProgress));
        assert_eq!("IntelMQ_JSON".parse(), Ok(DocumentFormat::IntelMqJson));
        assert_eq!("Source".parse(), Ok(ObservableRole::Source));
        let err = "open".parse::<IncidentStatus>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            r#"invalid incident status "open": not a known value"#
        );
        let err = "victim".parse::<ObservableRole>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            r#"invalid observable role "victim": not a known value"#
        );
        let err = "stix".parse::<DocumentFormat>().expect_err("unknown");
        assert_eq!(
            err.to_string(),
            r#"invalid document format "stix": not a known value"#
        );
    }

    fn valid_incident() -> Incident {
        let mut incident = Incident::new(id(), Tlp::Amber);
        incident.reporter = Some("CSIRT Example".into());
        incident.title = Some("Phishing site imitating a bank".into());
        incident.description = Some("Reported by a customer.\nSite still up.".into());
        incident.classification = RsitClass::lookup("fraud", "phishing");
        incident.times = IncidentTimes {
            detected: at(8),
            start: at(6),
            end: at(10),
            reported: at(9),
            generated: at(9),
        };
        incident.add_observable(
            obs(ObservableKind::Url, "hxxp://bank-login[.]example/"),
            ObservableRole::Url,
        );
        incident.add_observable(
            obs(ObservableKind::Ipv4, "192.0.2.1"),
            ObservableRole::Source,
        );
        incident.contacts.push(Contact {
            name: Some("Duty officer".into()),
            email: Some("duty@csirt.example".into()),
            role: "irt".into(),
        });
        incident.original = Some(OriginalDocument::new(
            DocumentFormat::Native,
            b"{}".to_vec(),
        ));
        incident
    }

    #[test]
    fn valid_incident_passes() {
        let incident = valid_incident();
        assert_eq!(incident.validate(), Ok(()));
        assert_eq!(incident.status, IncidentStatus::New);
        let urls: Vec<&str> = incident
            .observables_of_kind(ObservableKind::Url)
            .map(Observable::value)
            .collect();
        assert_eq!(urls, ["http://bank-login.example/"]);
    }

    /// Each repeat names the first of its equals, in the order listed.
    #[test]
    fn repeats_name_the_first_listed() {
        let mut incident = Incident::new(
            GlobalId::new("csirt.example", "r-1").expect("id"),
            Tlp::Green,
        );
        let a = IncidentObservable::new(
            obs(ObservableKind::Domain, "b.example"),
            ObservableRole::Source,
        );
        let b = IncidentObservable::new(
            obs(ObservableKind::Domain, "a.example"),
            ObservableRole::Source,
        );
        let c = IncidentObservable::new(
            obs(ObservableKind::Domain, "b.example"),
            ObservableRole::Target,
        );
        incident.observables = vec![a.clone(), b.clone(), c, a.clone(), b, a];
        let found: Vec<(String, String)> = incident
            .validate()
            .expect_err("repeats")
            .iter()
            .map(|v| (v.path.clone(), v.message.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "observables[3]".to_owned(),
                    "domain b.example as source repeats observables[0]".to_owned()
                ),
                (
                    "observables[4]".to_owned(),
                    "domain a.example as source repeats observables[1]".to_owned()
                ),
                (
                    "observables[5]".to_owned(),
                    "domain b.example as source repeats observables[0]".to_owned()
                ),
            ]
        );
    }

    #[test]
    fn add_observable_skips_duplicates() {
        let mut incident = valid_incident();
        let ip = obs(ObservableKind::Ipv4, "192.0.2[.]1");
        assert!(!incident.add_observable(ip.clone(), ObservableRole::Source));
        assert!(incident.add_observable(ip, ObservableRole::Target));
        assert_eq!(incident.observables.len(), 3);
    }

    #[test]
    fn validate_reports_every_problem() {
        let mut incident = valid_incident();
        incident.title = Some("two\nlines".into());
        incident.reporter = Some("  ".into());
        incident.description = Some("bell \u{7}".into());
        incident.times.end = at(5);
        incident.times.reported = at(7);
        let ip = obs(ObservableKind::Ipv4, "192.0.2.1");
        incident
            .observables
            .push(IncidentObservable::new(ip, ObservableRole::Source));
        incident.contacts.push(Contact {
            name: None,
            email: None,
            role: String::new(),
        });
        incident.contacts.push(Contact {
            name: Some("Abuse desk".into()),
            email: Some("abuse@@example".into()),
            role: "abuse".into(),
        });
        incident.original = Some(OriginalDocument::new(DocumentFormat::IodefXml, Vec::new()));

        let violations = incident.validate().expect_err("invalid");
        let expected = "\
10 problems in the incident
  reporter: is empty
  title: contains line breaks or control characters
  description: contains control characters
  times.end: 2024-05-01 05:00:00 UTC is before times.start 2024-05-01 06:00:00 UTC
  times.reported: 2024-05-01 07:00:00 UTC is before times.detected 2024-05-01 08:00:00 UTC
  observables[2]: ipv4 192.0.2.1 as source repeats observables[1]
  contacts[1].role: is empty
  contacts[1]: has neither a name nor an email
  contacts[2].email: invalid email address \"abuse@@example\": character '@' is not allowed
  original.bytes: is empty";
        assert_eq!(violations.to_string(), expected);
        assert_eq!(violations.len(), 10);
        assert_eq!(
            violations
                .iter()
                .map(|v| v.path.as_str())
                .collect::<Vec<_>>(),
            [
                "reporter",
                "title",
                "description",
                "times.end",
                "times.reported",
                "observables[2]",
                "contacts[1].role",
                "contacts[1]",
                "contacts[2].email",
                "original.bytes",
            ]
        );
    }

    #[test]
    fn validate_enforces_limits() {
        let mut incident = valid_incident();
        incident.title = Some("x".repeat(Incident::MAX_SHORT_TEXT_LEN + 1));
        let violations = incident.validate().expect_err("too long").into_vec();
        assert_eq!(
            violations,
            [Violation {
                path: "title".into(),
                message: "1025 bytes long, at most 1024 are accepted".into(),
            }]
        );
    }

    #[test]
    fn original_debug_hides_bytes() {
        let doc = OriginalDocument::new(DocumentFormat::Csv, vec![b'a'; 3]);
        assert_eq!(
            format!("{doc:?}"),
            "OriginalDocument { format: Csv, len: 3 }"
        );
    }
}
