//! National assessment campaigns: editions, one response per country and
//! edition, answers with their evidence, and the validation workflow.
//!
//! A response moves draft → submitted → validated, or submitted →
//! returned (with a reason) → submitted again. Answers and evidence change
//! only while the response is a draft or returned and its edition is open;
//! validating stamps every answer as validated by the validator. Every
//! change writes its audit line in the same transaction, so the audit log
//! never misses a committed change nor records one that was rolled back.
//!
//! Answers are kept as text: which answers a question accepts and what
//! they score is the methodology's business (`c5hub-assess`, called by the
//! server), never this crate's. Who may do what is the caller's decision;
//! every method names the actor for the audit log.

use std::fmt;

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

use crate::db::{FromRow, NamedRow, Read};
use crate::{Error, Store, now_ms};

/// Largest evidence document stored (bytes).
pub const MAX_EVIDENCE_BYTES: usize = 4 * 1024 * 1024;
/// Longest answer value, evidence link or note (bytes); the same limit as
/// `c5hub-assess` puts on a field of a response file.
pub const MAX_ANSWER_FIELD_BYTES: usize = 8 * 1024;
/// Longest edition title or return reason (bytes).
const MAX_TITLE_BYTES: usize = 500;

/// Where a response is in its workflow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResponseStatus {
    /// Being filled in by the country's organisation.
    Draft,
    /// Waiting for a validator.
    Submitted,
    /// Checked and accepted: counts in the results.
    Validated,
    /// Sent back to the country with a reason; editable again.
    Returned,
}

impl ResponseStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseStatus::Draft => "draft",
            ResponseStatus::Submitted => "submitted",
            ResponseStatus::Validated => "validated",
            ResponseStatus::Returned => "returned",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<ResponseStatus> {
        match s {
            "draft" => Some(ResponseStatus::Draft),
            "submitted" => Some(ResponseStatus::Submitted),
            "validated" => Some(ResponseStatus::Validated),
            "returned" => Some(ResponseStatus::Returned),
            _ => None,
        }
    }

    /// Whether answers and evidence may change.
    pub fn editable(self) -> bool {
        matches!(self, ResponseStatus::Draft | ResponseStatus::Returned)
    }
}

impl fmt::Display for ResponseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who acts, for the audit log.
#[derive(Clone, Copy, Debug)]
pub struct Actor<'a> {
    /// User or token name.
    pub name: &'a str,
    /// Their organisation.
    pub org: &'a str,
}

/// An edition (campaign) to open.
#[derive(Clone, Debug)]
pub struct NewEdition<'a> {
    /// The methodology's id.
    pub methodology: &'a str,
    /// The methodology's version: answers are scored with exactly it.
    pub methodology_version: &'a str,
    /// The edition's year.
    pub year: i32,
    /// Its title.
    pub title: &'a str,
}

/// A stored edition.
#[derive(Clone, Debug, PartialEq)]
pub struct Edition {
    /// Key.
    pub id: i64,
    /// Methodology id.
    pub methodology: String,
    /// Methodology version.
    pub methodology_version: String,
    /// Year.
    pub year: i32,
    /// Title.
    pub title: String,
    /// Open for answers.
    pub open: bool,
    /// When it was made.
    pub created_at: DateTime<Utc>,
    /// Who made it.
    pub created_by: String,
    /// The organisation whose admins and analysts validate the hub
    /// operator's own country's response (`None`: the operator's admins,
    /// as a recorded conflict of interest).
    pub second_validator: Option<String>,
}

/// One country's response to an edition.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    /// Key.
    pub id: i64,
    /// The edition's key.
    pub edition: i64,
    /// ISO 3166-1 alpha-3, upper case.
    pub iso3: String,
    /// The organisation that answers for the country.
    pub org: String,
    /// Workflow state.
    pub status: ResponseStatus,
    /// Why it was returned (when returned).
    pub reason: Option<String>,
    /// Last change of answers or state.
    pub updated_at: DateTime<Utc>,
    /// Last submission.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Who submitted last.
    pub submitted_by: Option<String>,
    /// Last validation or return.
    pub decided_at: Option<DateTime<Utc>>,
    /// Who decided last.
    pub decided_by: Option<String>,
}

/// An answer to store. An empty value with no evidence and no note removes
/// the answer.
#[derive(Clone, Debug, Default)]
pub struct AnswerInput<'a> {
    /// The question's id.
    pub question: &'a str,
    /// The answer as text (empty: unanswered).
    pub value: &'a str,
    /// A link to evidence.
    pub evidence_url: Option<&'a str>,
    /// An uploaded evidence document of this response.
    pub evidence_doc: Option<i64>,
    /// `self-reported` or `desk-research` (validation sets `validated`).
    pub provenance: Option<&'a str>,
    /// Free comment.
    pub note: Option<&'a str>,
}

/// A stored answer.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAnswer {
    /// The question's id.
    pub question: String,
    /// The answer as text.
    pub value: String,
    /// Link to evidence.
    pub evidence_url: Option<String>,
    /// Uploaded evidence document.
    pub evidence_doc: Option<EvidenceInfo>,
    /// Where the answer comes from.
    pub provenance: Option<String>,
    /// Who validated it.
    pub validated_by: Option<String>,
    /// When (a date).
    pub validated_on: Option<NaiveDate>,
    /// Comment.
    pub note: Option<String>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Who changed it last.
    pub updated_by: String,
}

/// An evidence document to store.
#[derive(Clone, Debug)]
pub struct NewEvidence<'a> {
    /// The question it supports.
    pub question: &'a str,
    /// The file name as uploaded (shown, never used as a path).
    pub filename: &'a str,
    /// The media type as uploaded.
    pub media_type: &'a str,
    /// The content.
    pub bytes: &'a [u8],
}

/// A stored evidence document, without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct EvidenceInfo {
    /// Key.
    pub id: i64,
    /// The response it belongs to.
    pub response: i64,
    /// The question it was uploaded for.
    pub question: String,
    /// File name as uploaded.
    pub filename: String,
    /// Media type as uploaded.
    pub media_type: String,
    /// Size in bytes.
    pub size: usize,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// When.
    pub uploaded_at: DateTime<Utc>,
    /// Who.
    pub uploaded_by: String,
}

/// A validator's decision on a submitted response.
#[derive(Clone, Copy, Debug)]
pub enum Decision<'a> {
    /// Accept: every answer becomes validated by the actor on this date.
    Validate {
        /// The validation date written on each answer.
        on: NaiveDate,
    },
    /// Send back to the country.
    Return {
        /// Why, shown to the country.
        reason: &'a str,
    },
}

const EDITION_COLUMNS: &str = "id, methodology, methodology_version, year, title, open, \
created_at, created_by, second_validator";
const RESPONSE_COLUMNS: &str = "id, edition, iso3, org, status, reason, updated_at, \
submitted_at, submitted_by, decided_at, decided_by";
const EVIDENCE_COLUMNS: &str = "id, response, question, filename, media_type, \
LENGTH(bytes) AS size, sha256, uploaded_at, uploaded_by";

impl FromRow for Edition {
    /// A row of `SELECT {EDITION_COLUMNS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let bad = |what: &str| Error::Corrupt(format!("assessment edition: {what}"));
        Ok(Edition {
            id: r.int("id")?.ok_or_else(|| bad("id"))?,
            methodology: r.text("methodology")?.ok_or_else(|| bad("methodology"))?,
            methodology_version: r
                .text("methodology_version")?
                .ok_or_else(|| bad("methodology_version"))?,
            year: r
                .int("year")?
                .and_then(|y| i32::try_from(y).ok())
                .ok_or_else(|| bad("year"))?,
            title: r.text("title")?.unwrap_or_default(),
            open: r.int("open")? == Some(1),
            created_at: r.time("created_at")?.ok_or_else(|| bad("created_at"))?,
            created_by: r.text("created_by")?.unwrap_or_default(),
            second_validator: r.text("second_validator")?,
        })
    }
}

impl FromRow for Response {
    /// A row of `SELECT {RESPONSE_COLUMNS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let bad = |what: &str| Error::Corrupt(format!("assessment response: {what}"));
        Ok(Response {
            id: r.int("id")?.ok_or_else(|| bad("id"))?,
            edition: r.int("edition")?.ok_or_else(|| bad("edition"))?,
            iso3: r.text("iso3")?.ok_or_else(|| bad("iso3"))?,
            org: r.text("org")?.ok_or_else(|| bad("org"))?,
            status: r
                .text("status")?
                .as_deref()
                .and_then(ResponseStatus::parse)
                .ok_or_else(|| bad("status"))?,
            reason: r.text("reason")?,
            updated_at: r.time("updated_at")?.ok_or_else(|| bad("updated_at"))?,
            submitted_at: r.time("submitted_at")?,
            submitted_by: r.text("submitted_by")?,
            decided_at: r.time("decided_at")?,
            decided_by: r.text("decided_by")?,
        })
    }
}

/// An evidence document's columns, each named `{prefix}{column}`: a row of
/// `SELECT {EVIDENCE_COLUMNS}` with no prefix, the joined document of an
/// answer with `doc_`.
fn evidence_from(r: &mut NamedRow<'_>, prefix: &str) -> Result<EvidenceInfo, Error> {
    let bad = |what: &str| Error::Corrupt(format!("assessment evidence: {what}"));
    let col = |c: &str| format!("{prefix}{c}");
    Ok(EvidenceInfo {
        id: r.int(&col("id"))?.ok_or_else(|| bad("id"))?,
        response: r.int(&col("response"))?.ok_or_else(|| bad("response"))?,
        question: r.text(&col("question"))?.unwrap_or_default(),
        filename: r.text(&col("filename"))?.unwrap_or_default(),
        media_type: r.text(&col("media_type"))?.unwrap_or_default(),
        size: r
            .int(&col("size"))?
            .and_then(|n| usize::try_from(n).ok())
            .unwrap_or_default(),
        sha256: r.blob(&col("sha256"))?.map(hex::encode).unwrap_or_default(),
        uploaded_at: r
            .time(&col("uploaded_at"))?
            .ok_or_else(|| bad("uploaded_at"))?,
        uploaded_by: r.text(&col("uploaded_by"))?.unwrap_or_default(),
    })
}

impl FromRow for EvidenceInfo {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        evidence_from(&mut r, "")
    }
}

impl FromRow for (EvidenceInfo, Vec<u8>) {
    /// A row of `SELECT {EVIDENCE_COLUMNS}, bytes`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let bytes = r.blob("bytes")?.unwrap_or_default();
        Ok((evidence_from(&mut r, "")?, bytes))
    }
}

impl FromRow for StoredAnswer {
    /// An answer with its evidence document's columns as `doc_*`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let bad = |what: &str| Error::Corrupt(format!("assessment answer: {what}"));
        Ok(StoredAnswer {
            question: r.text("question")?.ok_or_else(|| bad("question"))?,
            value: r.text("value")?.unwrap_or_default(),
            evidence_url: r.text("evidence_url")?,
            evidence_doc: match r.int("evidence_doc")? {
                Some(_) => Some(evidence_from(&mut r, "doc_")?),
                None => None,
            },
            provenance: r.text("provenance")?,
            validated_by: r.text("validated_by")?,
            validated_on: r
                .text("validated_on")?
                .and_then(|d| NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok()),
            note: r.text("note")?,
            updated_at: r.time("updated_at")?.ok_or_else(|| bad("updated_at"))?,
            updated_by: r.text("updated_by")?.unwrap_or_default(),
        })
    }
}

fn check_len(what: &str, s: &str, max: usize) -> Result<(), Error> {
    if s.len() > max {
        Err(Error::Invalid(format!(
            "{what} is longer than {max} bytes ({})",
            s.len()
        )))
    } else {
        Ok(())
    }
}

fn check_evidence(doc: &NewEvidence<'_>) -> Result<(), Error> {
    if doc.bytes.len() > MAX_EVIDENCE_BYTES {
        return Err(Error::Invalid(format!(
            "evidence document {:?} for {} is {} bytes; the limit is {MAX_EVIDENCE_BYTES}",
            doc.filename,
            doc.question,
            doc.bytes.len()
        )));
    }
    if doc.bytes.is_empty() {
        return Err(Error::Invalid(format!(
            "evidence document {:?} for {} is empty",
            doc.filename, doc.question
        )));
    }
    if doc.question.trim().is_empty() {
        return Err(Error::Invalid(
            "an evidence document needs a question id".into(),
        ));
    }
    check_len("the file name", doc.filename, 255)?;
    check_len("the media type", doc.media_type, 255)
}

fn non_blank(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

/// The national assessment: a handle on the store ([`Store::assessment`]).
pub struct Assessment<'a> {
    pub(crate) st: &'a mut Store,
}

impl Assessment<'_> {
    /// Runs `f` with this handle in one transaction (see
    /// [`Store::in_transaction`]).
    fn in_transaction<T>(
        &mut self,
        f: impl FnOnce(&mut Assessment<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.st.in_transaction(|st| f(&mut st.assessment()))
    }

    /// Opens a new edition. The same methodology version and year twice is
    /// a conflict.
    pub fn add_edition(&mut self, e: &NewEdition<'_>, by: Actor<'_>) -> Result<Edition, Error> {
        if e.methodology.trim().is_empty() || e.methodology_version.trim().is_empty() {
            return Err(Error::Invalid(
                "an edition needs a methodology id and version".into(),
            ));
        }
        if !(1990..=2100).contains(&e.year) {
            return Err(Error::Invalid(format!(
                "year {} is not between 1990 and 2100",
                e.year
            )));
        }
        let title = e.title.trim();
        if title.is_empty() {
            return Err(Error::Invalid("an edition needs a title".into()));
        }
        check_len("the title", title, MAX_TITLE_BYTES)?;
        self.in_transaction(|st| {
            let dup = st.st.db.query_one(
                "SELECT id FROM assess_editions WHERE methodology = $1 AND methodology_version = $2 AND year = $3",
                &[e.methodology.into(), e.methodology_version.into(), i64::from(e.year).into()],
            )?;
            if dup.is_some() {
                return Err(Error::Conflict(format!(
                    "an edition of {}@{} for {}",
                    e.methodology, e.methodology_version, e.year
                )));
            }
            let ed: Edition = st.st.db.one(
                &format!(
                    "INSERT INTO assess_editions (methodology, methodology_version, year, title, open, created_at, created_by) \
                     VALUES ($1, $2, $3, $4, 1, $5, $6) RETURNING {EDITION_COLUMNS}"
                ),
                &[
                    e.methodology.into(),
                    e.methodology_version.into(),
                    i64::from(e.year).into(),
                    title.into(),
                    now_ms().into(),
                    by.name.into(),
                ],
            )?
            .ok_or_else(|| Error::Corrupt("no edition returned".into()))?;
            st.st.accounts().audit(
                by.name,
                Some(by.org),
                "assess.edition.add",
                Some(&format!("edition:{}", ed.id)),
                Some(&format!("{}@{} {}", ed.methodology, ed.methodology_version, ed.year)),
            )?;
            Ok(ed)
        })
    }

    /// Editions, newest year first.
    pub fn editions(&mut self) -> Result<Vec<Edition>, Error> {
        self.st.db.all(
            &format!("SELECT {EDITION_COLUMNS} FROM assess_editions ORDER BY year DESC, id DESC"),
            &[],
        )
    }

    /// One edition.
    pub fn edition(&mut self, id: i64) -> Result<Option<Edition>, Error> {
        self.st.db.one(
            &format!("SELECT {EDITION_COLUMNS} FROM assess_editions WHERE id = $1"),
            &[id.into()],
        )
    }

    /// Opens or closes an edition for answers; false when there is no
    /// such edition.
    pub fn set_edition_open(&mut self, id: i64, open: bool, by: Actor<'_>) -> Result<bool, Error> {
        self.in_transaction(|st| {
            let n = st.st.db.execute(
                "UPDATE assess_editions SET open = $1 WHERE id = $2",
                &[i64::from(open).into(), id.into()],
            )?;
            if n == 1 {
                st.st.accounts().audit(
                    by.name,
                    Some(by.org),
                    if open {
                        "assess.edition.open"
                    } else {
                        "assess.edition.close"
                    },
                    Some(&format!("edition:{id}")),
                    None,
                )?;
            }
            Ok(n == 1)
        })
    }

    /// Names (or with `None` clears) the organisation that validates the
    /// hub operator's own country's response in edition `id`; `false`
    /// when there is no such edition.
    pub fn set_second_validator(
        &mut self,
        id: i64,
        org: Option<&str>,
        by: Actor<'_>,
    ) -> Result<bool, Error> {
        self.in_transaction(|st| {
            if let Some(o) = org {
                if st.st.accounts().org(o)?.is_none() {
                    return Err(Error::NotFound(format!("organisation {o:?}")));
                }
            }
            let n = st.st.db.execute(
                "UPDATE assess_editions SET second_validator = $1 WHERE id = $2",
                &[org.into(), id.into()],
            )?;
            if n == 1 {
                st.st.accounts().audit(
                    by.name,
                    Some(by.org),
                    "assess.edition.second_validator",
                    Some(&format!("edition:{id}")),
                    Some(org.unwrap_or("none")),
                )?;
            }
            Ok(n == 1)
        })
    }

    /// Starts a country's response to an open edition, answered by `org`.
    /// One response per country and edition.
    pub fn add_response(
        &mut self,
        edition: i64,
        iso3: &str,
        org: &str,
        by: Actor<'_>,
    ) -> Result<Response, Error> {
        let iso3 = iso3.trim();
        if !(iso3.len() == 3 && iso3.chars().all(|c| c.is_ascii_alphabetic())) {
            return Err(Error::Invalid(format!(
                "country {iso3:?} is not an ISO 3166-1 alpha-3 code (three letters)"
            )));
        }
        let iso3 = iso3.to_ascii_uppercase();
        self.in_transaction(|st| {
            let ed = st
                .edition(edition)?
                .ok_or_else(|| Error::NotFound(format!("edition {edition}")))?;
            if !ed.open {
                return Err(Error::Invalid(format!("edition {edition} is closed")));
            }
            if st.st.accounts().org(org)?.is_none() {
                return Err(Error::NotFound(format!("organisation {org}")));
            }
            let dup = st.st.db.texts(
                "SELECT org FROM assess_responses WHERE edition = $1 AND iso3 = $2",
                &[edition.into(), iso3.as_str().into()],
                "org",
            )?;
            if let Some(answering) = dup.into_iter().next() {
                return Err(Error::Conflict(format!(
                    "{iso3} already answers edition {edition} (organisation {answering})"
                )));
            }
            let now = now_ms();
            let r: Response = st.st.db.one(
                &format!(
                    "INSERT INTO assess_responses (edition, iso3, org, status, created_at, updated_at) \
                     VALUES ($1, $2, $3, 'draft', $4, $4) RETURNING {RESPONSE_COLUMNS}"
                ),
                &[edition.into(), iso3.as_str().into(), org.into(), now.into()],
            )?
            .ok_or_else(|| Error::Corrupt("no response returned".into()))?;
            st.st.accounts().audit(
                by.name,
                Some(by.org),
                "assess.response.add",
                Some(&format!("response:{}", r.id)),
                Some(&format!("edition {edition} {iso3} answered by {org}")),
            )?;
            Ok(r)
        })
    }

    /// The responses to an edition, by country.
    pub fn responses(&mut self, edition: i64) -> Result<Vec<Response>, Error> {
        self.st.db.all(
            &format!(
                "SELECT {RESPONSE_COLUMNS} FROM assess_responses WHERE edition = $1 ORDER BY iso3"
            ),
            &[edition.into()],
        )
    }

    /// One response.
    pub fn response(&mut self, id: i64) -> Result<Option<Response>, Error> {
        self.st.db.one(
            &format!("SELECT {RESPONSE_COLUMNS} FROM assess_responses WHERE id = $1"),
            &[id.into()],
        )
    }

    /// A response's answers, by question id.
    pub fn answers(&mut self, response: i64) -> Result<Vec<StoredAnswer>, Error> {
        self.st.db.all(
            "SELECT a.question, a.value, a.evidence_url, a.evidence_doc, a.provenance, a.validated_by, \
             a.validated_on, a.note, a.updated_at, a.updated_by, \
             e.id AS doc_id, e.response AS doc_response, e.question AS doc_question, e.filename AS doc_filename, \
             e.media_type AS doc_media_type, LENGTH(e.bytes) AS doc_size, e.sha256 AS doc_sha256, \
             e.uploaded_at AS doc_uploaded_at, e.uploaded_by AS doc_uploaded_by \
             FROM assess_answers a LEFT JOIN assess_evidence e ON e.id = a.evidence_doc \
             WHERE a.response = $1 ORDER BY a.question",
            &[response.into()],
        )
    }

    /// Checks that a response exists, is editable and its edition open.
    fn editable_response(&mut self, id: i64) -> Result<Response, Error> {
        let r = self
            .response(id)?
            .ok_or_else(|| Error::NotFound(format!("response {id}")))?;
        if !r.status.editable() {
            return Err(Error::Conflict(format!(
                "response {id} is {}; only a draft or a returned response changes",
                r.status
            )));
        }
        let open = self.edition(r.edition)?.is_some_and(|e| e.open);
        if !open {
            return Err(Error::Invalid(format!("edition {} is closed", r.edition)));
        }
        Ok(r)
    }

    /// Saves answers of an editable response and stores `uploads` in one
    /// transaction (all or none). An upload becomes the evidence document
    /// of the answer to its question. An answer with nothing in it removes
    /// the question's answer.
    pub fn save_answers(
        &mut self,
        response: i64,
        answers: &[AnswerInput<'_>],
        uploads: &[NewEvidence<'_>],
        by: Actor<'_>,
    ) -> Result<(), Error> {
        for doc in uploads {
            check_evidence(doc)?;
        }
        for a in answers {
            if a.question.trim().is_empty() {
                return Err(Error::Invalid("an answer needs a question id".into()));
            }
            check_len(
                &format!("the answer to {}", a.question),
                a.value,
                MAX_ANSWER_FIELD_BYTES,
            )?;
            for (what, v) in [
                ("evidence link", a.evidence_url),
                ("note", a.note),
                ("provenance", a.provenance),
            ] {
                check_len(
                    &format!("the {what} of {}", a.question),
                    v.unwrap_or_default(),
                    MAX_ANSWER_FIELD_BYTES,
                )?;
            }
        }
        self.in_transaction(|st| {
            st.editable_response(response)?;
            let mut uploaded = std::collections::HashMap::new();
            for doc in uploads {
                let info = st.insert_evidence(response, doc, by)?;
                uploaded.insert(doc.question, info.id);
            }
            let now = now_ms();
            let mut saved = 0usize;
            for a in answers {
                let evidence_doc = uploaded.get(a.question).copied().or(a.evidence_doc);
                if let Some(doc) = a.evidence_doc.filter(|_| !uploaded.contains_key(a.question)) {
                    let owner = st.st.db.int(
                        "SELECT response FROM assess_evidence WHERE id = $1",
                        &[doc.into()],
                        "response",
                    )?;
                    if owner != Some(response) {
                        return Err(Error::NotFound(format!(
                            "evidence document {doc} of response {response}"
                        )));
                    }
                }
                st.st.db.execute(
                    "DELETE FROM assess_answers WHERE response = $1 AND question = $2",
                    &[response.into(), a.question.into()],
                )?;
                let blank = |v: Option<&str>| v.is_none_or(|v| v.trim().is_empty());
                if a.value.trim().is_empty()
                    && blank(a.evidence_url)
                    && evidence_doc.is_none()
                    && blank(a.note)
                {
                    continue;
                }
                st.st.db.execute(
                    "INSERT INTO assess_answers (response, question, value, evidence_url, evidence_doc, provenance, note, updated_at, updated_by) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        response.into(),
                        a.question.into(),
                        a.value.trim().into(),
                        non_blank(a.evidence_url).into(),
                        evidence_doc.into(),
                        non_blank(a.provenance).into(),
                        non_blank(a.note).into(),
                        now.into(),
                        by.name.into(),
                    ],
                )?;
                saved += 1;
            }
            st.st.db.execute(
                "UPDATE assess_responses SET updated_at = $1 WHERE id = $2",
                &[now.into(), response.into()],
            )?;
            st.st.accounts().audit(
                by.name,
                Some(by.org),
                "assess.answers.save",
                Some(&format!("response:{response}")),
                Some(&format!("{saved} answers kept of {} sent", answers.len())),
            )
        })
    }

    /// Stores an evidence document for a question of an editable response.
    pub fn add_evidence(
        &mut self,
        response: i64,
        doc: &NewEvidence<'_>,
        by: Actor<'_>,
    ) -> Result<EvidenceInfo, Error> {
        check_evidence(doc)?;
        self.in_transaction(|st| {
            st.editable_response(response)?;
            st.insert_evidence(response, doc, by)
        })
    }

    /// Inserts a checked document, with its audit line, inside the
    /// caller's transaction.
    fn insert_evidence(
        &mut self,
        response: i64,
        doc: &NewEvidence<'_>,
        by: Actor<'_>,
    ) -> Result<EvidenceInfo, Error> {
        let digest: Vec<u8> = Sha256::digest(doc.bytes).to_vec();
        let info: EvidenceInfo = self.st.db.one(
            &format!(
                "INSERT INTO assess_evidence (response, question, filename, media_type, bytes, sha256, uploaded_at, uploaded_by) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {EVIDENCE_COLUMNS}"
            ),
            &[
                response.into(),
                doc.question.into(),
                doc.filename.into(),
                doc.media_type.into(),
                doc.bytes.to_vec().into(),
                digest.into(),
                now_ms().into(),
                by.name.into(),
            ],
        )?
        .ok_or_else(|| Error::Corrupt("no evidence returned".into()))?;
        self.st.accounts().audit(
            by.name,
            Some(by.org),
            "assess.evidence.add",
            Some(&format!("response:{response}")),
            Some(&format!(
                "{} for {} ({} bytes, sha256 {})",
                info.filename, info.question, info.size, info.sha256
            )),
        )?;
        Ok(info)
    }

    /// An evidence document and its bytes.
    pub fn evidence(&mut self, id: i64) -> Result<Option<(EvidenceInfo, Vec<u8>)>, Error> {
        self.st.db.one(
            &format!("SELECT {EVIDENCE_COLUMNS}, bytes FROM assess_evidence WHERE id = $1"),
            &[id.into()],
        )
    }

    /// Submits a draft or returned response for validation.
    pub fn submit_response(&mut self, id: i64, by: Actor<'_>) -> Result<Response, Error> {
        self.in_transaction(|st| {
            st.editable_response(id)?;
            let now = now_ms();
            st.st.db.execute(
                "UPDATE assess_responses SET status = 'submitted', submitted_at = $1, submitted_by = $2, updated_at = $1 WHERE id = $3",
                &[now.into(), by.name.into(), id.into()],
            )?;
            st.st.accounts().audit(by.name, Some(by.org), "assess.response.submit", Some(&format!("response:{id}")), None)?;
            st.response(id)?
                .ok_or_else(|| Error::NotFound(format!("response {id}")))
        })
    }

    /// Validates or returns a submitted response.
    pub fn decide_response(
        &mut self,
        id: i64,
        decision: Decision<'_>,
        by: Actor<'_>,
    ) -> Result<Response, Error> {
        if let Decision::Return { reason } = decision {
            if reason.trim().is_empty() {
                return Err(Error::Invalid(
                    "returning a response needs a reason the country can act on".into(),
                ));
            }
            check_len("the reason", reason, MAX_TITLE_BYTES * 4)?;
        }
        self.in_transaction(|st| {
            let r = st
                .response(id)?
                .ok_or_else(|| Error::NotFound(format!("response {id}")))?;
            if r.status != ResponseStatus::Submitted {
                return Err(Error::Conflict(format!(
                    "response {id} is {}; only a submitted response is validated or returned",
                    r.status
                )));
            }
            let now = now_ms();
            match decision {
                Decision::Validate { on } => {
                    let on = on.format("%Y-%m-%d").to_string();
                    st.st.db.execute(
                        "UPDATE assess_answers SET provenance = 'validated', validated_by = $1, validated_on = $2 WHERE response = $3",
                        &[by.name.into(), on.as_str().into(), id.into()],
                    )?;
                    st.st.db.execute(
                        "UPDATE assess_responses SET status = 'validated', reason = NULL, decided_at = $1, decided_by = $2, updated_at = $1 WHERE id = $3",
                        &[now.into(), by.name.into(), id.into()],
                    )?;
                    st.st.accounts().audit(by.name, Some(by.org), "assess.response.validate", Some(&format!("response:{id}")), Some(&on))?;
                }
                Decision::Return { reason } => {
                    st.st.db.execute(
                        "UPDATE assess_responses SET status = 'returned', reason = $1, decided_at = $2, decided_by = $3, updated_at = $2 WHERE id = $4",
                        &[reason.trim().into(), now.into(), by.name.into(), id.into()],
                    )?;
                    st.st.accounts().audit(by.name, Some(by.org), "assess.response.return", Some(&format!("response:{id}")), Some(reason.trim()))?;
                }
            }
            st.response(id)?
                .ok_or_else(|| Error::NotFound(format!("response {id}")))
        })
    }
}
