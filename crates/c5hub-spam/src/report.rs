//! Spam reports: what an operator forwards, keyed pseudonyms for personal
//! data, and bulk import (CSV with a header, or JSON lines).
//!
//! A report holds the channel, the reporting operator, the message text,
//! the sender as received, the recipient only as a keyed hash, the times
//! and the user's verdict. The recipient's number never enters a report:
//! import hashes it with the operator's key at once.
//!
//! Import is lenient: a bad record is an error naming its line, the other
//! records are still returned.

use std::io::BufRead;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Error;

/// A keyed pseudonym function (HMAC-SHA-256). Plain hashes of phone
/// numbers are reversible by enumerating the number space; an HMAC is not
/// without the key.
#[derive(Clone)]
pub struct PseudonymKey(Vec<u8>);

impl std::fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PseudonymKey(…)")
    }
}

impl PseudonymKey {
    /// Shortest key accepted, in bytes.
    pub const MIN_LEN: usize = 16;

    /// A key from secret bytes (at least 16).
    pub fn new(secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < Self::MIN_LEN {
            return Err(Error::Invalid(format!(
                "a pseudonym key needs at least {} bytes, got {}",
                Self::MIN_LEN,
                secret.len()
            )));
        }
        Ok(PseudonymKey(secret.to_vec()))
    }

    /// `hmac-sha256:` and the hex HMAC of `value`.
    pub fn pseudonym(&self, value: &str) -> String {
        format!("{PSEUDONYM_PREFIX}{}", self.pseudonym_hex(value))
    }

    /// The HMAC of `value` as 64 lowercase hex digits: the pseudonym
    /// without its prefix, as incidents carry it (a `sha256` observable).
    pub fn pseudonym_hex(&self, value: &str) -> String {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(value.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// What starts every pseudonym.
pub const PSEUDONYM_PREFIX: &str = "hmac-sha256:";

/// How far in the future a report's times may be (clock skew between an
/// operator and the hub). A time beyond it is refused: the reputation feed
/// keeps an entry until its last report's time plus the TTL, so a report
/// dated in year 9999 would list its values for ever.
pub const MAX_FUTURE: chrono::Duration = chrono::Duration::minutes(5);

/// How the message travelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    /// SMS.
    Sms,
    /// MMS.
    Mms,
    /// Instant messaging.
    Im,
    /// E-mail.
    Email,
}

impl UserVerdict {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            UserVerdict::Spam => "spam",
            UserVerdict::Ham => "ham",
        }
    }
}

impl std::str::FromStr for UserVerdict {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "spam" => Ok(UserVerdict::Spam),
            "ham" => Ok(UserVerdict::Ham),
            other => Err(format!("{other:?} is not a verdict: spam or ham")),
        }
    }
}

impl std::str::FromStr for Channel {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sms" => Ok(Channel::Sms),
            "mms" => Ok(Channel::Mms),
            "im" => Ok(Channel::Im),
            "email" => Ok(Channel::Email),
            other => Err(format!("{other:?} is not a channel: sms, mms, im or email")),
        }
    }
}

impl Channel {
    /// The lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Mms => "mms",
            Channel::Im => "im",
            Channel::Email => "email",
        }
    }
}

/// What the user said about the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum UserVerdict {
    /// Reported as spam (the usual case).
    #[default]
    Spam,
    /// Reported as not spam (a false positive of a filter).
    Ham,
}

/// One report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpamReport {
    /// Stable id: a hash of operator, channel, times, sender, recipient
    /// hash and text, so importing the same report twice is one report.
    pub id: String,
    /// The channel.
    pub channel: Channel,
    /// The reporting operator (a member organisation).
    pub operator: String,
    /// The message text.
    pub text: String,
    /// The sender as received (number, short code, sender id, e-mail).
    pub sender: Option<String>,
    /// The recipient as a keyed hash.
    pub recipient_hash: Option<String>,
    /// When the message was received, if known.
    pub received_at: Option<DateTime<Utc>>,
    /// When the user reported it.
    pub reported_at: DateTime<Utc>,
    /// The user's verdict.
    pub verdict: UserVerdict,
}

/// Longest message text accepted (bytes).
pub const MAX_TEXT: usize = 64 * 1024;
/// Longest import record (bytes).
pub const MAX_RECORD: usize = 128 * 1024;

impl SpamReport {
    /// A report from its parts; hashes `recipient` with `key`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        channel: Channel,
        operator: &str,
        text: &str,
        sender: Option<&str>,
        recipient: Option<&str>,
        received_at: Option<DateTime<Utc>>,
        reported_at: DateTime<Utc>,
        verdict: UserVerdict,
        key: &PseudonymKey,
    ) -> Result<SpamReport, String> {
        let operator = operator.trim();
        if operator.is_empty() {
            return Err("operator is empty".into());
        }
        if text.len() > MAX_TEXT {
            return Err("text longer than 64 KiB".into());
        }
        let latest = Utc::now() + MAX_FUTURE;
        for (field, t) in [
            ("received_at", received_at),
            ("reported_at", Some(reported_at)),
        ] {
            if let Some(t) = t.filter(|t| *t > latest) {
                return Err(format!(
                    "{field} {} is in the future (more than 5 minutes after the hub's clock)",
                    t.to_rfc3339()
                ));
            }
        }
        let sender = sender.map(str::trim).filter(|s| !s.is_empty());
        if sender.is_some_and(|s| s.len() > 320) {
            return Err("sender longer than 320 bytes".into());
        }
        let recipient_hash = recipient
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|r| key.pseudonym(r));
        let mut h = Sha256::new();
        for part in [
            operator,
            channel.as_str(),
            &received_at
                .map(|t| t.timestamp_millis().to_string())
                .unwrap_or_default(),
            &reported_at.timestamp_millis().to_string(),
            sender.unwrap_or(""),
            recipient_hash.as_deref().unwrap_or(""),
            text,
        ] {
            h.update((part.len() as u64).to_le_bytes());
            h.update(part.as_bytes());
        }
        let id = hex::encode(&h.finalize()[..12]);
        Ok(SpamReport {
            id,
            channel,
            operator: operator.to_owned(),
            text: text.to_owned(),
            sender: sender.map(str::to_owned),
            recipient_hash,
            received_at,
            reported_at,
            verdict,
        })
    }

    /// When the message was seen: received, else reported.
    pub fn seen_at(&self) -> DateTime<Utc> {
        self.received_at.unwrap_or(self.reported_at)
    }
}

/// One import record, CSV row or JSON line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Record {
    #[serde(default)]
    channel: Option<Channel>,
    operator: String,
    text: String,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    recipient: Option<String>,
    #[serde(default)]
    received_at: Option<String>,
    reported_at: String,
    #[serde(default)]
    verdict: Option<UserVerdict>,
}

fn time(field: &str, s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{field} {s:?}: {e}"))
}

impl Record {
    fn into_report(self, key: &PseudonymKey) -> Result<SpamReport, String> {
        let received_at = match self.received_at.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(t) => Some(time("received_at", t)?),
        };
        SpamReport::new(
            self.channel.unwrap_or(Channel::Sms),
            &self.operator,
            &self.text,
            self.sender.as_deref(),
            self.recipient.as_deref(),
            received_at,
            time("reported_at", &self.reported_at)?,
            self.verdict.unwrap_or_default(),
            key,
        )
    }
}

/// What an import produced: the reports, and an error for each record
/// that could not be read.
#[derive(Debug, Default)]
pub struct Imported {
    /// Reports read.
    pub reports: Vec<SpamReport>,
    /// Records refused, each naming its line.
    pub errors: Vec<Error>,
}

/// Reads reports from CSV (header `channel,operator,sender,recipient,
/// received_at,reported_at,verdict,text`, any order, `channel`, `sender`,
/// `recipient`, `received_at` and `verdict` optional) or JSON lines (one
/// object a line with the same keys), detected from the first byte.
pub fn import(bytes: &[u8], key: &PseudonymKey) -> Imported {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'{') {
        import_json_lines(bytes, key)
    } else {
        import_csv(bytes, key)
    }
}

fn import_json_lines(bytes: &[u8], key: &PseudonymKey) -> Imported {
    let mut out = Imported::default();
    for (n, line) in bytes.split(|b| *b == b'\n').enumerate() {
        let line_no = n as u64 + 1;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        if line.len() > MAX_RECORD {
            out.errors
                .push(Error::input(line_no, "record longer than 128 KiB"));
            continue;
        }
        let parsed = serde_json::from_slice::<Record>(line)
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_report(key));
        match parsed {
            Ok(r) => out.reports.push(r),
            Err(m) => out.errors.push(Error::input(line_no, m)),
        }
    }
    out
}

fn import_csv(bytes: &[u8], key: &PseudonymKey) -> Imported {
    let mut out = Imported::default();
    let mut reader = csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            out.errors.push(Error::input(1, e.to_string()));
            return out;
        }
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                out.errors.push(Error::input(line, e.to_string()));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.as_slice().len() > MAX_RECORD {
            out.errors
                .push(Error::input(line, "record longer than 128 KiB"));
            continue;
        }
        let parsed = record
            .deserialize::<Record>(Some(&headers))
            .map_err(|e| e.to_string())
            .and_then(|r| r.into_report(key));
        match parsed {
            Ok(r) => out.reports.push(r),
            Err(m) => out.errors.push(Error::input(line, m)),
        }
    }
    out
}

/// Reads a whole import from a reader (for callers holding a file).
pub fn import_reader(mut r: impl BufRead, key: &PseudonymKey) -> Result<Imported, Error> {
    let mut bytes = Vec::new();
    r.read_to_end(&mut bytes)
        .map_err(|e| Error::Invalid(format!("reading reports: {e}")))?;
    Ok(import(&bytes, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn key() -> PseudonymKey {
        PseudonymKey::new(b"test key, not secret, 32 bytes!").expect("long enough")
    }

    fn data(name: &str) -> Vec<u8> {
        let path = format!("{}/test-data/reports/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).expect("test data present")
    }

    #[test]
    fn pseudonyms_are_keyed() {
        let a = key().pseudonym("+447700900123");
        let b = PseudonymKey::new(b"another key of at least 16")
            .expect("long")
            .pseudonym("+447700900123");
        assert_ne!(a, b);
        assert!(a.starts_with("hmac-sha256:") && a.len() == 12 + 64);
        assert_eq!(a, key().pseudonym("+447700900123"));
        assert!(PseudonymKey::new(b"short").is_err());
    }

    #[test]
    fn csv_and_json_lines_give_the_same_reports() {
        let csv = import(&data("reports.csv"), &key());
        let json = import(&data("reports.jsonl"), &key());
        assert!(csv.errors.is_empty(), "{:?}", csv.errors);
        assert!(json.errors.is_empty(), "{:?}", json.errors);
        assert_eq!(csv.reports.len(), 4);
        assert_eq!(csv.reports, json.reports);
        let r = &csv.reports[0];
        assert_eq!(r.operator, "op-a");
        assert_eq!(r.channel, Channel::Sms);
        assert_eq!(
            r.recipient_hash.as_deref(),
            Some(key().pseudonym("+447700900001").as_str())
        );
        assert!(!csv.reports.iter().any(|r| r.text.contains("+447700900001")));
    }

    #[test]
    fn bad_records_name_their_line_and_the_rest_is_kept() {
        let got = import(&data("broken.jsonl"), &key());
        assert_eq!(got.reports.len(), 1);
        let errs: Vec<String> = got.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 3, "{errs:?}");
        assert!(errs[0].starts_with("line 2: "), "{errs:?}");
        assert!(errs[1].starts_with("line 3: reported_at"), "{errs:?}");
        assert!(
            errs[2].starts_with("line 4: ") && errs[2].contains("unknown field"),
            "{errs:?}"
        );
    }

    #[test]
    fn times_in_the_future_are_refused() {
        let line =
            |t: &str| format!(r#"{{"operator": "op-a", "text": "hi", "reported_at": "{t}"}}"#);
        let soon = (Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
        let body = [
            line("9999-01-01T00:00:00Z"),
            line(&soon),
            r#"{"operator": "op-a", "text": "hi", "reported_at": "2024-05-01T10:00:00Z", "received_at": "2999-01-01T00:00:00Z"}"#.to_owned(),
        ]
        .join("\n");
        let got = import(body.as_bytes(), &key());
        assert_eq!(got.reports.len(), 1, "two minutes ahead is clock skew");
        let errs: Vec<String> = got.errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs[0].starts_with("line 1: reported_at 9999-01-01") && errs[0].contains("future"),
            "{errs:?}"
        );
        assert!(errs[1].starts_with("line 3: received_at 2999"), "{errs:?}");
    }

    #[test]
    fn same_report_same_id() {
        let a = import(&data("reports.csv"), &key());
        let b = import(&data("reports.csv"), &key());
        assert_eq!(a.reports[0].id, b.reports[0].id);
        assert_ne!(a.reports[0].id, a.reports[1].id);
    }
}
