//! Responses: the answers of one country for one edition, each with its
//! evidence and provenance, read from and written to CSV and JSON.
//!
//! Reading is lenient: a record that cannot be used is left out and
//! reported as a [`Diagnostic`]; a document that cannot be read at all is an
//! [`Error`]. Writing then reading gives back the same [`ResponseSet`].
//!
//! CSV columns (header required, any order; `#` starts a comment line):
//! `iso3,year,question,answer` and, optionally,
//! `evidence,provenance,validated_by,validated_on,note`.
//! Multiple-choice answers list options separated by `;`.
//!
//! JSON: `{"format": "c5hub-assess-responses/1", "methodology": "gci-2024",
//! "countries": [{"iso3": "XAA", "year": 2024, "answers": [{"question":
//! "...", "answer": "yes", "evidence": "https://...", "provenance":
//! "validated", "validated_by": "...", "validated_on": "2024-03-01"}]}]}`.
//! An answer may also be a JSON number or an array of option names; it is
//! kept as text.

use std::collections::HashMap;
use std::fmt;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{Diagnostic, Error};
use crate::limits;

/// The `format` value of JSON response documents.
pub const JSON_FORMAT: &str = "c5hub-assess-responses/1";

/// The CSV columns, in the order they are written.
pub const CSV_COLUMNS: [&str; 9] = [
    "iso3",
    "year",
    "question",
    "answer",
    "evidence",
    "provenance",
    "validated_by",
    "validated_on",
    "note",
];

/// Where an answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provenance {
    /// Given by the country itself (for GCI, its focal point).
    SelfReported,
    /// Found by the assessor in public sources.
    DeskResearch,
    /// Checked against the evidence by a named validator.
    Validated,
}

impl Provenance {
    /// The spelling used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Provenance::SelfReported => "self-reported",
            Provenance::DeskResearch => "desk-research",
            Provenance::Validated => "validated",
        }
    }

    /// Parses `self-reported`, `desk-research` or `validated`, ignoring case
    /// and accepting spaces or underscores for hyphens.
    pub fn parse(raw: &str) -> Option<Provenance> {
        match crate::methodology::normalise_option(raw).as_str() {
            "self-reported" => Some(Provenance::SelfReported),
            "desk-research" => Some(Provenance::DeskResearch),
            "validated" => Some(Provenance::Validated),
            _ => None,
        }
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One answer to one question.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// The question's id in the methodology.
    pub question: String,
    /// The answer as text; empty means unanswered.
    pub value: String,
    /// A link or a document reference supporting the answer; may be empty.
    pub evidence: String,
    /// Where the answer comes from, when known.
    pub provenance: Option<Provenance>,
    /// Who validated the answer; may be empty.
    pub validated_by: String,
    /// When it was validated.
    pub validated_on: Option<NaiveDate>,
    /// Free comment; may be empty.
    pub note: String,
}

impl Answer {
    /// An answer with no evidence or provenance.
    pub fn new(question: impl Into<String>, value: impl Into<String>) -> Answer {
        Answer {
            question: question.into(),
            value: value.into(),
            evidence: String::new(),
            provenance: None,
            validated_by: String::new(),
            validated_on: None,
            note: String::new(),
        }
    }
}

/// The answers of one country for one edition (year).
#[derive(Debug, Clone, PartialEq)]
pub struct CountryResponses {
    /// ISO 3166-1 alpha-3 code, upper case.
    pub iso3: String,
    /// The edition's year.
    pub year: i32,
    /// The answers, one per question at most.
    pub answers: Vec<Answer>,
}

/// A set of responses, for one methodology.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ResponseSet {
    /// The methodology the answers were given for, when the file says.
    pub methodology: Option<String>,
    /// Countries and editions, in file order.
    pub countries: Vec<CountryResponses>,
}

/// A value read leniently, with what was left out or questionable.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed<T> {
    /// What could be read.
    pub value: T,
    /// What was rejected or is questionable.
    pub diagnostics: Vec<Diagnostic>,
}

/// Checks and normalises an ISO 3166-1 alpha-3 code: three ASCII letters,
/// returned in upper case.
pub fn normalise_iso3(raw: &str) -> Option<String> {
    let raw = raw.trim();
    (raw.len() == 3 && raw.chars().all(|c| c.is_ascii_alphabetic()))
        .then(|| raw.to_ascii_uppercase())
}

/// Parses an edition year (1990 to 2100).
pub fn parse_year(raw: &str) -> Option<i32> {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y))
}

/// Builds a [`ResponseSet`] record by record, grouping by country and year
/// and checking each field.
struct Builder {
    set: ResponseSet,
    index: HashMap<(String, i32), usize>,
    seen: HashMap<(usize, String), String>,
    diagnostics: Vec<Diagnostic>,
    records: usize,
}

/// The raw text fields of one answer record.
struct RawAnswer<'a> {
    location: String,
    iso3: &'a str,
    year: &'a str,
    question: &'a str,
    value: String,
    evidence: &'a str,
    provenance: &'a str,
    validated_by: &'a str,
    validated_on: &'a str,
    note: &'a str,
}

impl Builder {
    fn new(methodology: Option<String>) -> Builder {
        Builder {
            set: ResponseSet {
                methodology,
                countries: Vec::new(),
            },
            index: HashMap::new(),
            seen: HashMap::new(),
            diagnostics: Vec::new(),
            records: 0,
        }
    }

    fn push(&mut self, raw: RawAnswer<'_>) -> Result<(), Error> {
        self.records += 1;
        if self.records > limits::MAX_RECORDS {
            return Err(Error::Limit {
                message: format!("more than {} answers", limits::MAX_RECORDS),
            });
        }
        let loc = raw.location;
        let Some(iso3) = normalise_iso3(raw.iso3) else {
            self.diagnostics.push(Diagnostic::error(
                loc,
                format!("iso3 {:?} is not three letters; record left out", raw.iso3),
            ));
            return Ok(());
        };
        let Some(year) = parse_year(raw.year) else {
            self.diagnostics.push(Diagnostic::error(
                loc,
                format!(
                    "year {:?} is not a year from 1990 to 2100; record left out",
                    raw.year
                ),
            ));
            return Ok(());
        };
        let question = raw.question.trim();
        if question.is_empty() {
            self.diagnostics
                .push(Diagnostic::error(loc, "question is empty; record left out"));
            return Ok(());
        }
        for (name, value) in [
            ("answer", raw.value.as_str()),
            ("evidence", raw.evidence),
            ("validated_by", raw.validated_by),
            ("note", raw.note),
            ("question", question),
        ] {
            if value.len() > limits::MAX_FIELD_BYTES {
                self.diagnostics.push(Diagnostic::error(
                    loc,
                    format!(
                        "{name} has {} bytes, more than {}; record left out",
                        value.len(),
                        limits::MAX_FIELD_BYTES
                    ),
                ));
                return Ok(());
            }
        }
        let provenance = match raw.provenance.trim() {
            "" => None,
            p => match Provenance::parse(p) {
                Some(p) => Some(p),
                None => {
                    self.diagnostics.push(Diagnostic::error(
                        loc.clone(),
                        format!(
                            "provenance {p:?} is not self-reported, desk-research or validated; ignored"
                        ),
                    ));
                    None
                }
            },
        };
        let validated_on = match raw.validated_on.trim() {
            "" => None,
            d => match NaiveDate::parse_from_str(d, "%Y-%m-%d") {
                Ok(d) => Some(d),
                Err(_) => {
                    self.diagnostics.push(Diagnostic::error(
                        loc.clone(),
                        format!("validated_on {d:?} is not a date YYYY-MM-DD; ignored"),
                    ));
                    None
                }
            },
        };
        let answer = Answer {
            question: question.to_owned(),
            value: raw.value.trim().to_owned(),
            evidence: raw.evidence.trim().to_owned(),
            provenance,
            validated_by: raw.validated_by.trim().to_owned(),
            validated_on,
            note: raw.note.trim().to_owned(),
        };
        if answer.provenance == Some(Provenance::Validated)
            && (answer.validated_by.is_empty() || answer.validated_on.is_none())
        {
            self.diagnostics.push(Diagnostic::warning(
                loc.clone(),
                "provenance is validated but validated_by or validated_on is missing",
            ));
        }
        let next = self.set.countries.len();
        let slot = *self.index.entry((iso3.clone(), year)).or_insert(next);
        if slot == next {
            self.set.countries.push(CountryResponses {
                iso3,
                year,
                answers: Vec::new(),
            });
        }
        match self.seen.get(&(slot, answer.question.clone())) {
            Some(first) => self.diagnostics.push(Diagnostic::error(
                loc,
                format!(
                    "second answer to {} for {} {} (first at {first}); left out",
                    answer.question, self.set.countries[slot].iso3, year
                ),
            )),
            None => {
                self.seen.insert((slot, answer.question.clone()), loc);
                self.set.countries[slot].answers.push(answer);
            }
        }
        Ok(())
    }

    fn finish(self) -> Parsed<ResponseSet> {
        Parsed {
            value: self.set,
            diagnostics: self.diagnostics,
        }
    }
}

impl ResponseSet {
    /// Reads responses from CSV text.
    pub fn from_csv(text: &str) -> Result<Parsed<ResponseSet>, Error> {
        let mut reader = csv::ReaderBuilder::new()
            .comment(Some(b'#'))
            .trim(csv::Trim::All)
            .flexible(false)
            .from_reader(text.as_bytes());
        let csv_err = |e: csv::Error| Error::Csv {
            what: "responses",
            line: e.position().map(|p| p.line()),
            message: e.to_string(),
        };
        let headers = reader.headers().map_err(csv_err)?.clone();
        let mut col = HashMap::new();
        for (i, h) in headers.iter().enumerate() {
            if !CSV_COLUMNS.contains(&h) {
                return Err(Error::Csv {
                    what: "responses",
                    line: Some(1),
                    message: format!(
                        "unknown column {h:?}; the columns are {}",
                        CSV_COLUMNS.join(",")
                    ),
                });
            }
            if col.insert(h.to_owned(), i).is_some() {
                return Err(Error::Csv {
                    what: "responses",
                    line: Some(1),
                    message: format!("column {h:?} appears twice"),
                });
            }
        }
        for required in &CSV_COLUMNS[..4] {
            if !col.contains_key(*required) {
                return Err(Error::Csv {
                    what: "responses",
                    line: Some(1),
                    message: format!("missing column {required:?}"),
                });
            }
        }
        let mut builder = Builder::new(None);
        for record in reader.records() {
            let record = record.map_err(csv_err)?;
            let line = record.position().map_or(0, |p| p.line());
            let get = |name: &str| col.get(name).and_then(|&i| record.get(i)).unwrap_or("");
            builder.push(RawAnswer {
                location: format!("line {line}"),
                iso3: get("iso3"),
                year: get("year"),
                question: get("question"),
                value: get("answer").to_owned(),
                evidence: get("evidence"),
                provenance: get("provenance"),
                validated_by: get("validated_by"),
                validated_on: get("validated_on"),
                note: get("note"),
            })?;
        }
        Ok(builder.finish())
    }

    /// Writes responses as CSV, every column, one answer per line.
    pub fn to_csv(&self) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        // Writing to a Vec cannot fail, and every record has the header's
        // length, so the results below are Ok by construction.
        let _ = writer.write_record(CSV_COLUMNS);
        for c in &self.countries {
            let year = c.year.to_string();
            for a in &c.answers {
                let date = a.validated_on.map(|d| d.to_string()).unwrap_or_default();
                let _ = writer.write_record([
                    c.iso3.as_str(),
                    year.as_str(),
                    a.question.as_str(),
                    a.value.as_str(),
                    a.evidence.as_str(),
                    a.provenance.map_or("", Provenance::as_str),
                    a.validated_by.as_str(),
                    date.as_str(),
                    a.note.as_str(),
                ]);
            }
        }
        let bytes = writer.into_inner().unwrap_or_default();
        String::from_utf8(bytes).unwrap_or_default()
    }

    /// Reads responses from a JSON document.
    pub fn from_json(text: &str) -> Result<Parsed<ResponseSet>, Error> {
        let doc: json::ResponsesDoc = serde_json::from_str(text).map_err(|e| Error::Json {
            what: "responses",
            message: e.to_string(),
        })?;
        if doc.format != JSON_FORMAT {
            return Err(Error::Json {
                what: "responses",
                message: format!("format is {:?}, expected {JSON_FORMAT:?}", doc.format),
            });
        }
        let mut builder = Builder::new(doc.methodology);
        for (ci, c) in doc.countries.iter().enumerate() {
            let year = c.year.to_string();
            for (ai, a) in c.answers.iter().enumerate() {
                builder.push(RawAnswer {
                    location: format!("countries[{ci}].answers[{ai}]"),
                    iso3: &c.iso3,
                    year: &year,
                    question: &a.question,
                    value: a.answer.to_text(),
                    evidence: &a.evidence,
                    provenance: a.provenance.as_deref().unwrap_or(""),
                    validated_by: &a.validated_by,
                    validated_on: a.validated_on.as_deref().unwrap_or(""),
                    note: &a.note,
                })?;
            }
        }
        Ok(builder.finish())
    }

    /// Writes responses as a pretty-printed JSON document.
    pub fn to_json(&self) -> String {
        let doc = json::ResponsesDoc {
            format: JSON_FORMAT.to_owned(),
            methodology: self.methodology.clone(),
            countries: self
                .countries
                .iter()
                .map(|c| json::CountryDoc {
                    iso3: c.iso3.clone(),
                    year: i64::from(c.year),
                    answers: c
                        .answers
                        .iter()
                        .map(|a| json::AnswerDoc {
                            question: a.question.clone(),
                            answer: json::AnswerValue::Text(a.value.clone()),
                            evidence: a.evidence.clone(),
                            provenance: a.provenance.map(|p| p.as_str().to_owned()),
                            validated_by: a.validated_by.clone(),
                            validated_on: a.validated_on.map(|d| d.to_string()),
                            note: a.note.clone(),
                        })
                        .collect(),
                })
                .collect(),
        };
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string_pretty(&doc).unwrap_or_default() + "\n"
    }

    /// Number of answers in the set.
    pub fn answer_count(&self) -> usize {
        self.countries.iter().map(|c| c.answers.len()).sum()
    }
}

/// The JSON twin of [`ResponseSet`].
mod json {
    use super::*;

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct ResponsesDoc {
        pub format: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub methodology: Option<String>,
        pub countries: Vec<CountryDoc>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct CountryDoc {
        pub iso3: String,
        pub year: i64,
        pub answers: Vec<AnswerDoc>,
    }

    #[derive(Debug, Serialize, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct AnswerDoc {
        pub question: String,
        pub answer: AnswerValue,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        pub evidence: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub provenance: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        pub validated_by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pub validated_on: Option<String>,
        #[serde(default, skip_serializing_if = "String::is_empty")]
        pub note: String,
    }

    /// An answer as JSON allows it: text, a number, or a list of options.
    #[derive(Debug, Serialize, Deserialize)]
    #[serde(untagged)]
    pub enum AnswerValue {
        Text(String),
        Number(f64),
        List(Vec<String>),
        Null(()),
    }

    impl AnswerValue {
        pub fn to_text(&self) -> String {
            match self {
                AnswerValue::Text(s) => s.clone(),
                // `Display` for f64 gives the shortest text that reads back
                // to the same number, without a trailing `.0`.
                AnswerValue::Number(n) => n.to_string(),
                AnswerValue::List(items) => items.join(";"),
                AnswerValue::Null(()) => String::new(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CSV: &str = "\
# sample
iso3,year,question,answer,evidence,provenance,validated_by,validated_on,note
xaa,2024,q1,yes,https://example.invalid/law,validated,Desk A,2024-03-01,
XAA,2024,q2,\"children; smes\",Doc 12 p. 3,self reported,,,\"a, quoted note\"
XAB,2023,q1,no,,,,,
";

    #[test]
    fn csv_reads_and_groups() {
        let parsed = ResponseSet::from_csv(CSV).expect("readable");
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let set = parsed.value;
        assert_eq!(set.countries.len(), 2);
        assert_eq!(set.countries[0].iso3, "XAA");
        assert_eq!(set.countries[0].answers.len(), 2);
        let a = &set.countries[0].answers[0];
        assert_eq!(a.provenance, Some(Provenance::Validated));
        assert_eq!(a.validated_on, NaiveDate::from_ymd_opt(2024, 3, 1));
        let b = &set.countries[0].answers[1];
        assert_eq!(b.provenance, Some(Provenance::SelfReported));
        assert_eq!(b.note, "a, quoted note");
    }

    #[test]
    fn csv_and_json_round_trip() {
        let set = ResponseSet::from_csv(CSV).expect("readable").value;
        let again = ResponseSet::from_csv(&set.to_csv()).expect("readable");
        assert!(again.diagnostics.is_empty());
        assert_eq!(again.value, set);
        let json = set.to_json();
        let back = ResponseSet::from_json(&json).expect("readable");
        assert!(back.diagnostics.is_empty());
        assert_eq!(back.value, set);
        assert_eq!(back.value.to_json(), json);
    }

    #[test]
    fn json_accepts_numbers_and_lists() {
        let doc = r#"{"format":"c5hub-assess-responses/1","countries":[
            {"iso3":"XAA","year":2024,"answers":[
              {"question":"a","answer":12},
              {"question":"b","answer":2.5},
              {"question":"c","answer":["x","y"]},
              {"question":"d","answer":null}]}]}"#;
        let set = ResponseSet::from_json(doc).expect("readable").value;
        let values: Vec<_> = set.countries[0]
            .answers
            .iter()
            .map(|a| a.value.as_str())
            .collect();
        assert_eq!(values, ["12", "2.5", "x;y", ""]);
    }

    #[test]
    fn bad_records_are_reported_not_fatal() {
        let csv = "iso3,year,question,answer,provenance,validated_on\n\
                   XA1,2024,q1,yes,,\n\
                   XAA,24,q1,yes,,\n\
                   XAA,2024,q1,yes,hearsay,2024-13-01\n\
                   XAA,2024,q1,no,,\n";
        let parsed = ResponseSet::from_csv(csv).expect("readable");
        assert_eq!(parsed.value.answer_count(), 1);
        let messages: Vec<_> = parsed.diagnostics.iter().map(|d| d.to_string()).collect();
        assert_eq!(messages.len(), 5, "{messages:#?}");
        assert!(messages[0].contains("line 2") && messages[0].contains("iso3"));
        assert!(messages[1].contains("year"));
        assert!(messages[2].contains("provenance"));
        assert!(messages[3].contains("validated_on"));
        assert!(messages[4].contains("second answer") && messages[4].contains("line 4"));
    }

    #[test]
    fn unknown_columns_and_formats_are_errors() {
        assert!(matches!(
            ResponseSet::from_csv("iso3,year,question,answer,colour\n"),
            Err(Error::Csv { line: Some(1), .. })
        ));
        assert!(matches!(
            ResponseSet::from_csv("iso3,year,answer\n"),
            Err(Error::Csv { .. })
        ));
        assert!(matches!(
            ResponseSet::from_json(r#"{"format":"other","countries":[]}"#),
            Err(Error::Json { .. })
        ));
        assert!(matches!(
            ResponseSet::from_json(r#"{"format":"c5hub-assess-responses/1","countries":[],"x":1}"#),
            Err(Error::Json { .. })
        ));
    }
}
