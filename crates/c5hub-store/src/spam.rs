//! Spam reports, stored durably, and the 7726-style two-step intake.
//!
//! A report is stored once per (operator, report id): `c5hub-spam` derives
//! the id from the report's content, so a resubmission acknowledges the
//! report already stored. Recipients arrive here only as keyed hashes.
//!
//! The two-step intake: a subscriber forwards a message (step one: a
//! pending intake with its text), then sends the sender's number (step
//! two: the intake completes and hands back the text so the caller can
//! classify it and store the report), then receives an acknowledgement
//! with the report's key. Pending intakes survive restarts, and step two
//! may be repeated with the same sender until the acknowledgement, so a
//! report that could not be stored is not lost.
//!
//! Who may read which report is the caller's decision (an operator reads
//! its own, a regulator all): every read takes the operator filter
//! explicitly. This module knows no classifier and no wire format.

use c5hub_model::ObservableKind;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::db::{FromRow, NamedRow, Read, Value};
use crate::{Error, Store, now_ms};

/// Longest message text stored (bytes).
pub const MAX_SPAM_TEXT: usize = 64 * 1024;

/// A report to store, as plain values.
#[derive(Clone, Debug, PartialEq)]
pub struct NewSpamReport<'a> {
    /// The report's content-derived id.
    pub id: &'a str,
    /// The reporting operator (member organisation).
    pub operator: &'a str,
    /// `sms`, `mms`, `im` or `email`.
    pub channel: &'a str,
    /// The message text.
    pub text: &'a str,
    /// The sender as received.
    pub sender: Option<&'a str>,
    /// The recipient as a keyed hash.
    pub recipient_hash: Option<&'a str>,
    /// When the message was received.
    pub received_at: Option<DateTime<Utc>>,
    /// When it was reported.
    pub reported_at: DateTime<Utc>,
    /// The user's verdict (`spam`, `ham`).
    pub verdict: &'a str,
    /// The filter's label (`spam`, `ham`), if classified.
    pub label: Option<&'a str>,
    /// The model's score, 0..1.
    pub score: Option<f64>,
    /// `model` or `rule:ID`.
    pub decided_by: Option<&'a str>,
    /// Confirmed spam with a link, a call-back number or a lure.
    pub smishing: bool,
    /// The campaign fingerprint.
    pub campaign: Option<&'a str>,
}

/// A stored report.
#[derive(Clone, Debug, PartialEq)]
pub struct SpamReportRow {
    /// The store's key: the acknowledgement id.
    pub key: i64,
    /// The content-derived id.
    pub id: String,
    /// The reporting operator.
    pub operator: String,
    /// The channel.
    pub channel: String,
    /// The message text.
    pub text: String,
    /// The sender as received.
    pub sender: Option<String>,
    /// The recipient's keyed hash.
    pub recipient_hash: Option<String>,
    /// Received.
    pub received_at: Option<DateTime<Utc>>,
    /// Reported.
    pub reported_at: DateTime<Utc>,
    /// The user's verdict.
    pub verdict: String,
    /// The filter's label.
    pub label: Option<String>,
    /// The model's score (stored to a millionth).
    pub score: Option<f64>,
    /// What decided.
    pub decided_by: Option<String>,
    /// Smishing.
    pub smishing: bool,
    /// Campaign fingerprint.
    pub campaign: Option<String>,
    /// When the store received it.
    pub stored_at: DateTime<Utc>,
    /// The organisation whose analyst confirmed the verdict, if one did.
    pub verdict_by: Option<String>,
}

/// A completed two-step intake: what the caller classifies and stores.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletedIntake {
    /// The intake's id.
    pub intake: i64,
    /// The operator it came through.
    pub operator: String,
    /// The forwarded text.
    pub text: String,
    /// The sender the subscriber named.
    pub sender: String,
    /// The subscriber's keyed hash.
    pub recipient_hash: Option<String>,
    /// When step one happened.
    pub started_at: DateTime<Utc>,
}

/// How [`Spam::pseudonymise_spam_incidents`] replaces personal data: the
/// store knows no key and no spam rules, the caller does.
pub trait SpamPseudonyms {
    /// The pseudonym (64 lowercase hex digits, stored as a `sha256`
    /// value) that replaces a value of `kind`, or None to keep it.
    fn observable(&self, kind: ObservableKind, value: &str) -> Option<String>;
    /// A text with its personal data replaced.
    fn text(&self, text: &str) -> String;
}

const COLUMNS: &str = "key, report_id, operator, channel, body, sender, recipient_hash, \
received_at, reported_at, verdict, label, score_ppm, decided_by, smishing, campaign, created_at, verdict_by";

impl FromRow for SpamReportRow {
    /// A row of `SELECT {COLUMNS}`.
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let bad = |what: &str| Error::Corrupt(format!("spam report: {what}"));
        Ok(SpamReportRow {
            key: r.int("key")?.ok_or_else(|| bad("key"))?,
            id: r.text("report_id")?.ok_or_else(|| bad("report_id"))?,
            operator: r.text("operator")?.ok_or_else(|| bad("operator"))?,
            channel: r.text("channel")?.ok_or_else(|| bad("channel"))?,
            text: r.text("body")?.ok_or_else(|| bad("body"))?,
            sender: r.text("sender")?,
            recipient_hash: r.text("recipient_hash")?,
            received_at: r.time("received_at")?,
            reported_at: r.time("reported_at")?.ok_or_else(|| bad("reported_at"))?,
            verdict: r.text("verdict")?.ok_or_else(|| bad("verdict"))?,
            label: r.text("label")?,
            score: r.int("score_ppm")?.map(|p| p as f64 / 1e6),
            decided_by: r.text("decided_by")?,
            smishing: r.int("smishing")? == Some(1),
            campaign: r.text("campaign")?,
            stored_at: r.time("created_at")?.ok_or_else(|| bad("created_at"))?,
            verdict_by: r.text("verdict_by")?,
        })
    }
}

/// A posting of an incident made from a spam report, with its value.
struct SpamPosting {
    id: Option<i64>,
    kind: Option<String>,
    value: Option<String>,
    role: Option<String>,
    first_seen: Option<i64>,
    last_seen: Option<i64>,
}

impl FromRow for SpamPosting {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(SpamPosting {
            id: r.int("id")?,
            kind: r.text("kind")?,
            value: r.text("value")?,
            role: r.text("role")?,
            first_seen: r.int("first_seen")?,
            last_seen: r.int("last_seen")?,
        })
    }
}

/// One stored version of an original document.
struct VersionBytes {
    version: Option<i64>,
    bytes: Value,
}

impl FromRow for VersionBytes {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(VersionBytes {
            version: r.int("version")?,
            bytes: r.take("bytes")?,
        })
    }
}

/// An incident's free texts.
struct Texts {
    title: Option<String>,
    description: Option<String>,
}

impl FromRow for Texts {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Texts {
            title: r.text("title")?,
            description: r.text("description")?,
        })
    }
}

/// A two-step intake as stored.
struct Intake {
    operator: Option<String>,
    recipient_hash: Option<String>,
    body: Option<String>,
    started_at: Option<DateTime<Utc>>,
    completed_at: Option<i64>,
    sender: Option<String>,
    report_key: Option<i64>,
}

impl FromRow for Intake {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Intake {
            operator: r.text("operator")?,
            recipient_hash: r.text("recipient_hash")?,
            body: r.text("body")?,
            started_at: r.time("started_at")?,
            completed_at: r.int("completed_at")?,
            sender: r.text("sender")?,
            report_key: r.int("report_key")?,
        })
    }
}

/// Countering spam: a handle on the store ([`Store::spam`]).
pub struct Spam<'a> {
    pub(crate) st: &'a mut Store,
}

impl Spam<'_> {
    /// Stores a report; returns its key and whether it is new (false: the
    /// same report from the same operator was stored before, nothing
    /// changed).
    pub fn add_spam_report(&mut self, r: &NewSpamReport<'_>) -> Result<(i64, bool), Error> {
        if r.text.len() > MAX_SPAM_TEXT {
            return Err(Error::Invalid("spam report text longer than 64 KiB".into()));
        }
        if r.operator.trim().is_empty() || r.id.trim().is_empty() {
            return Err(Error::Invalid(
                "a spam report needs an operator and an id".into(),
            ));
        }
        if let Some(s) = r.score.filter(|s| !(0.0..=1.0).contains(s)) {
            return Err(Error::Invalid(format!("score {s} is not in 0..1")));
        }
        // Insert first and look up only on a conflict: two requests with the
        // same report at the same moment must both get its key, and a
        // look-up before the insert would let both try to insert.
        let inserted = self.st.db.int(
            "INSERT INTO spam_reports (report_id, operator, channel, body, sender, recipient_hash, \
             received_at, reported_at, verdict, label, score_ppm, decided_by, smishing, campaign, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (operator, report_id) DO NOTHING RETURNING key",
            &[
                r.id.into(),
                r.operator.into(),
                r.channel.into(),
                r.text.into(),
                r.sender.into(),
                r.recipient_hash.into(),
                r.received_at.map(|t| t.timestamp_millis()).into(),
                r.reported_at.timestamp_millis().into(),
                r.verdict.into(),
                r.label.into(),
                r.score.map(|s| (s * 1e6).round() as i64).into(),
                r.decided_by.into(),
                i64::from(r.smishing).into(),
                r.campaign.into(),
                now_ms().into(),
            ],
            "key",
        )?;
        if let Some(key) = inserted {
            return Ok((key, true));
        }
        let key = self
            .st
            .db
            .int(
                "SELECT key FROM spam_reports WHERE report_id = $1 AND operator = $2",
                &[r.id.into(), r.operator.into()],
                "key",
            )?
            .ok_or_else(|| Error::Corrupt("spam report conflicted but is not there".into()))?;
        Ok((key, false))
    }

    /// One report by key, if it belongs to `operator` (None: any operator).
    pub fn spam_report(
        &mut self,
        key: i64,
        operator: Option<&str>,
    ) -> Result<Option<SpamReportRow>, Error> {
        let Some(r) = self.st.db.one::<SpamReportRow>(
            &format!("SELECT {COLUMNS} FROM spam_reports WHERE key = $1"),
            &[key.into()],
        )?
        else {
            return Ok(None);
        };
        Ok(operator.is_none_or(|o| o == r.operator).then_some(r))
    }

    /// Reports of `operator` (None: all), reported at or after `since`,
    /// oldest first, at most `limit`.
    pub fn spam_reports(
        &mut self,
        operator: Option<&str>,
        since: Option<DateTime<Utc>>,
        limit: usize,
    ) -> Result<Vec<SpamReportRow>, Error> {
        let since = since.map_or(i64::MIN, |t| t.timestamp_millis());
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match operator {
            Some(op) => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE operator = $1 AND reported_at >= $2 \
                     ORDER BY reported_at, key LIMIT $3"
                ),
                &[op.into(), since.into(), limit.into()],
            ),
            None => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE reported_at >= $1 \
                     ORDER BY reported_at, key LIMIT $2"
                ),
                &[since.into(), limit.into()],
            ),
        }
    }

    /// Reports of `operator` (None: all), newest first (by key), with a key
    /// below `before` (a cursor: the last key of the previous page), at
    /// most `limit`.
    pub fn latest_spam_reports(
        &mut self,
        operator: Option<&str>,
        before: Option<i64>,
        limit: usize,
    ) -> Result<Vec<SpamReportRow>, Error> {
        let before = before.unwrap_or(i64::MAX);
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match operator {
            Some(op) => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE operator = $1 AND key < $2 \
                     ORDER BY key DESC LIMIT $3"
                ),
                &[op.into(), before.into(), limit.into()],
            ),
            None => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE key < $1 ORDER BY key DESC LIMIT $2"
                ),
                &[before.into(), limit.into()],
            ),
        }
    }

    /// Reports of `operator` (None: all), the most recently reported
    /// first (then by key), at most `limit`.
    pub fn newest_spam_reports(
        &mut self,
        operator: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SpamReportRow>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match operator {
            Some(op) => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE operator = $1 \
                     ORDER BY reported_at DESC, key DESC LIMIT $2"
                ),
                &[op.into(), limit.into()],
            ),
            None => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports ORDER BY reported_at DESC, key DESC LIMIT $1"
                ),
                &[limit.into()],
            ),
        }
    }

    /// Reports of `operator` (None: all) where the subscriber and the
    /// filter disagree (said spam, filtered as ham, or the reverse) and no
    /// analyst has confirmed a verdict yet: the analyst's queue, newest
    /// first, at most `limit`.
    pub fn spam_disagreements(
        &mut self,
        operator: Option<&str>,
        limit: usize,
    ) -> Result<Vec<SpamReportRow>, Error> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let open = "verdict_by IS NULL AND label IS NOT NULL AND label <> verdict";
        match operator {
            Some(op) => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE operator = $1 AND {open} \
                     ORDER BY key DESC LIMIT $2"
                ),
                &[op.into(), limit.into()],
            ),
            None => self.st.db.all(
                &format!(
                    "SELECT {COLUMNS} FROM spam_reports WHERE {open} ORDER BY key DESC LIMIT $1"
                ),
                &[limit.into()],
            ),
        }
    }

    /// Records a confirmed verdict (`spam` or `ham`) on a report of
    /// `operator` (None: any operator's), replacing the user's; returns
    /// the report as it now is, or None when there is no such report
    /// (for this operator).
    pub fn set_spam_verdict(
        &mut self,
        key: i64,
        operator: Option<&str>,
        verdict: &str,
    ) -> Result<Option<SpamReportRow>, Error> {
        self.confirm_spam_verdict(key, operator, verdict, None)
    }

    /// [`Spam::set_spam_verdict`], recording which organisation's analyst
    /// confirmed it (`by`; the reputation feed lists a value at once on
    /// the hub's own confirmation).
    pub fn confirm_spam_verdict(
        &mut self,
        key: i64,
        operator: Option<&str>,
        verdict: &str,
        by: Option<&str>,
    ) -> Result<Option<SpamReportRow>, Error> {
        if !matches!(verdict, "spam" | "ham") {
            return Err(Error::Invalid(format!(
                "verdict {verdict:?} is neither spam nor ham"
            )));
        }
        if self.spam_report(key, operator)?.is_none() {
            return Ok(None);
        }
        self.st.db.execute(
            "UPDATE spam_reports SET verdict = $1, verdict_by = $2 WHERE key = $3",
            &[verdict.into(), by.into(), key.into()],
        )?;
        self.spam_report(key, operator)
    }

    /// Records that the shared model learned `verdict` from report `key`;
    /// true when it had not learned that verdict from this report before
    /// (never, or the other verdict), so the caller takes one learning
    /// step; false: a repeated verdict, the model must not learn again.
    /// One statement, so two concurrent repeats cannot both learn.
    pub fn mark_spam_learned(&mut self, key: i64, verdict: &str) -> Result<bool, Error> {
        let n = self.st.db.execute(
            "UPDATE spam_reports SET learned = $1 WHERE key = $2 AND (learned IS NULL OR learned <> $1)",
            &[verdict.into(), key.into()],
        )?;
        Ok(n == 1)
    }

    /// Rewrites the incidents made from spam reports that migration 7
    /// marked (written before phone numbers and e-mail addresses were
    /// pseudonymised): every posting of a value `p` replaces (see
    /// [`SpamPseudonyms::observable`]) moves to its pseudonym, a `sha256`
    /// value (with its `domain_postings` rows gone, and the clear value's
    /// row too when nothing else names it); every stored version of the
    /// original document, the title and the description go through
    /// [`SpamPseudonyms::text`]. Each incident is one transaction and is
    /// unmarked in it, so an interrupted run resumes where it stopped.
    /// Returns how many incidents were rewritten.
    pub fn pseudonymise_spam_incidents(&mut self, p: &dyn SpamPseudonyms) -> Result<usize, Error> {
        let pending: Vec<i64> = self.st.db.ints(
            "SELECT incident FROM spam_pseudonymise ORDER BY incident",
            &[],
            "incident",
        )?;
        for &incident in &pending {
            self.st.db.begin()?;
            match self.pseudonymise_one(incident, p) {
                Ok(()) => self.st.db.commit()?,
                Err(e) => {
                    let _ = self.st.db.rollback();
                    return Err(e);
                }
            }
        }
        Ok(pending.len())
    }

    fn pseudonymise_one(&mut self, incident: i64, p: &dyn SpamPseudonyms) -> Result<(), Error> {
        let postings: Vec<SpamPosting> = self.st.db.all(
            "SELECT o.id, o.kind, o.value, p.role, o.first_seen, o.last_seen \
             FROM postings p JOIN observables o ON o.id = p.observable WHERE p.incident = $1",
            &[incident.into()],
        )?;
        for row in postings {
            let (Some(id), Some(kind), Some(value), Some(role)) =
                (row.id, row.kind, row.value, row.role)
            else {
                return Err(Error::Corrupt(format!("a posting of incident {incident}")));
            };
            let Ok(kind) = kind.parse::<ObservableKind>() else {
                continue;
            };
            let Some(hex) = p.observable(kind, &value) else {
                continue;
            };
            let (first, last) = (row.first_seen.unwrap_or(0), row.last_seen.unwrap_or(0));
            self.st.db.execute(
                "DELETE FROM postings WHERE observable = $1 AND incident = $2 AND role = $3",
                &[id.into(), incident.into(), role.as_str().into()],
            )?;
            self.st.db.execute(
                "DELETE FROM domain_postings WHERE observable = $1 AND incident = $2",
                &[id.into(), incident.into()],
            )?;
            self.st.db.execute(
                "DELETE FROM observables WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM postings WHERE observable = $1)",
                &[id.into()],
            )?;
            self.st.db.execute(
                "UPDATE observables SET sightings = sightings - 1 WHERE id = $1 AND sightings > 1",
                &[id.into()],
            )?;
            let new = self
                .st
                .db
                .int(
                    "INSERT INTO observables (kind, value, first_seen, last_seen, sightings) \
                     VALUES ($1, $2, $3, $4, 1) ON CONFLICT (kind, value) DO UPDATE SET \
                     sightings = observables.sightings + 1 RETURNING id",
                    &[
                        ObservableKind::Sha256.as_str().into(),
                        hex.as_str().into(),
                        first.into(),
                        last.into(),
                    ],
                    "id",
                )?
                .ok_or_else(|| Error::Corrupt("no key came back for a pseudonym".into()))?;
            self.st.db.execute(
                "INSERT INTO postings (observable, incident, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                &[new.into(), incident.into(), role.as_str().into()],
            )?;
        }
        let docs: Vec<VersionBytes> = self.st.db.all(
            "SELECT version, bytes FROM documents WHERE incident = $1",
            &[incident.into()],
        )?;
        for d in &docs {
            let (Some(version), Value::Blob(bytes)) = (d.version, &d.bytes) else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            let redacted = p.text(text).into_bytes();
            if redacted == *bytes {
                continue;
            }
            let sha = Sha256::digest(&redacted).to_vec();
            self.st.db.execute(
                "UPDATE documents SET bytes = $1 WHERE incident = $2 AND version = $3",
                &[redacted.into(), incident.into(), version.into()],
            )?;
            self.st.db.execute(
                "UPDATE incident_versions SET doc_sha256 = $1 WHERE incident = $2 AND version = $3",
                &[sha.clone().into(), incident.into(), version.into()],
            )?;
            self.st.db.execute(
                "UPDATE incidents SET doc_sha256 = $1 WHERE id = $2 AND version = $3",
                &[sha.into(), incident.into(), version.into()],
            )?;
        }
        if let Some(r) = self.st.db.one::<Texts>(
            "SELECT title, description FROM incidents WHERE id = $1",
            &[incident.into()],
        )? {
            let title = r.title.map(|t| p.text(&t));
            let description = r.description.map(|t| p.text(&t));
            self.st.db.execute(
                "UPDATE incidents SET title = $1, description = $2 WHERE id = $3",
                &[
                    title.as_deref().into(),
                    description.as_deref().into(),
                    incident.into(),
                ],
            )?;
        }
        crate::search::reindex(&mut *self.st.db, incident)?;
        self.st.db.execute(
            "DELETE FROM spam_pseudonymise WHERE incident = $1",
            &[incident.into()],
        )?;
        Ok(())
    }

    /// How many reports there are and the newest key: changes whenever a
    /// report is added, so a cache of what is derived from the reports
    /// knows when it is stale.
    pub fn spam_reports_state(&mut self) -> Result<(i64, i64), Error> {
        let r = self
            .st
            .db
            .one::<ReportsState>(
                "SELECT COUNT(*) AS n, COALESCE(MAX(key), 0) AS newest FROM spam_reports",
                &[],
            )?
            .ok_or_else(|| Error::Corrupt("COUNT gave no row".into()))?;
        Ok((r.n.unwrap_or(0), r.newest.unwrap_or(0)))
    }

    /// Step one of the two-step intake: the forwarded text. Returns the
    /// intake's id, which step two names.
    pub fn start_spam_intake(
        &mut self,
        operator: &str,
        recipient_hash: Option<&str>,
        text: &str,
    ) -> Result<i64, Error> {
        if text.len() > MAX_SPAM_TEXT {
            return Err(Error::Invalid("forwarded text longer than 64 KiB".into()));
        }
        self.st
            .db
            .int(
                "INSERT INTO spam_intake (operator, recipient_hash, body, started_at) \
             VALUES ($1, $2, $3, $4) RETURNING id",
                &[
                    operator.into(),
                    recipient_hash.into(),
                    text.into(),
                    now_ms().into(),
                ],
                "id",
            )?
            .ok_or_else(|| Error::Corrupt("INSERT RETURNING gave no id".into()))
    }

    /// Step two: the sender's number. Completes the intake and returns
    /// what was forwarded. Until the intake is acknowledged, completing it
    /// again with the same sender returns the same (a caller whose report
    /// could not be stored retries); another sender, or any completion
    /// after the acknowledgement, is a conflict.
    pub fn complete_spam_intake(
        &mut self,
        intake: i64,
        operator: &str,
        sender: &str,
    ) -> Result<CompletedIntake, Error> {
        let Some(r) = self
            .st.db
            .one::<Intake>(
                "SELECT operator, recipient_hash, body, started_at, completed_at, sender, report_key \
             FROM spam_intake WHERE id = $1",
                &[intake.into()],
            )?
            .filter(|r| r.operator.as_deref() == Some(operator))
        else {
            return Err(Error::NotFound(format!("spam intake {intake}")));
        };
        let done = || CompletedIntake {
            intake,
            operator: operator.to_owned(),
            text: r.body.clone().unwrap_or_default(),
            sender: sender.to_owned(),
            recipient_hash: r.recipient_hash.clone(),
            started_at: r.started_at.unwrap_or(DateTime::<Utc>::MIN_UTC),
        };
        if r.completed_at.is_some() {
            let same_sender = r.sender.as_deref() == Some(sender);
            let acknowledged = r.report_key.is_some();
            if same_sender && !acknowledged {
                return Ok(done());
            }
            return Err(Error::Conflict(format!("spam intake {intake} is complete")));
        }
        let changed = self.st.db.execute(
            "UPDATE spam_intake SET completed_at = $1, sender = $2 WHERE id = $3 AND completed_at IS NULL",
            &[now_ms().into(), sender.into(), intake.into()],
        )?;
        if changed != 1 {
            return Err(Error::Conflict(format!("spam intake {intake} is complete")));
        }
        Ok(done())
    }

    /// Links a completed intake to the report it became (the
    /// acknowledgement).
    pub fn acknowledge_spam_intake(&mut self, intake: i64, report_key: i64) -> Result<(), Error> {
        let n = self.st.db.execute(
            "UPDATE spam_intake SET report_key = $1 WHERE id = $2 AND completed_at IS NOT NULL",
            &[report_key.into(), intake.into()],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(Error::NotFound(format!("completed spam intake {intake}")))
        }
    }
}

/// How many reports there are and the newest key.
struct ReportsState {
    n: Option<i64>,
    newest: Option<i64>,
}

impl FromRow for ReportsState {
    fn from_row(r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(ReportsState {
            n: r.int("n")?,
            newest: r.int("newest")?,
        })
    }
}
