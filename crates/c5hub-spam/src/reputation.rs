//! The reputation list shared between operators and across borders:
//! senders, URLs, domains and campaign fingerprints, each with a
//! confidence, a time to live and its provenance.
//!
//! Privacy (X.1237): phone numbers and e-mail addresses leave an operator
//! only as keyed HMAC pseudonyms ([`PseudonymKey`]); partners holding the
//! same federation key compute the same pseudonym for a number they see
//! and match it, nobody else can reverse it by enumerating numbers. The
//! export functions take the key and have no way to write a plain number.
//!
//! Confidence is a noisy-OR over confirmed reports (0.5 each, 0.7 for
//! smishing), so independent reports add up; an entry is *listed* once
//! its confidence reaches the listing threshold *and* reports from at
//! least [`Policy::min_operators`] distinct operators back it, or once a
//! hub analyst has confirmed a report carrying it; `listed_at` records
//! when, for the impact metrics. One operator alone, however many reports
//! it sends, lists nothing.

use std::collections::{BTreeMap, BTreeSet};

use c5hub_model::{Observable, ObservableKind};
use chrono::{DateTime, Duration, Utc};

use crate::report::PseudonymKey;

/// What an entry is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EntryKind {
    /// A phone number (pseudonymised on export).
    Phone,
    /// A short code or alphanumeric sender id.
    SenderId,
    /// An e-mail sender (pseudonymised on export).
    Email,
    /// A URL.
    Url,
    /// A registrable domain (never a link shortener's).
    Domain,
    /// A campaign fingerprint ([`crate::campaign::Signature::fingerprint`]).
    Campaign,
}

impl EntryKind {
    /// The stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Phone => "phone",
            EntryKind::SenderId => "sender-id",
            EntryKind::Email => "email",
            EntryKind::Url => "url",
            EntryKind::Domain => "domain",
            EntryKind::Campaign => "campaign",
        }
    }

    /// Whether values of this kind are personal data, written only as
    /// pseudonyms.
    pub fn is_personal(self) -> bool {
        matches!(self, EntryKind::Phone | EntryKind::Email)
    }

    /// The entry kind of a sender observable. A sender id without a letter
    /// (a short code, or a number the phone parser could not read) is a
    /// phone entry, pseudonymised like one.
    pub fn of_sender(o: &Observable) -> Option<EntryKind> {
        match o.kind() {
            ObservableKind::PhoneNumber => Some(EntryKind::Phone),
            ObservableKind::SenderId if crate::indicators::sender_in_clear(o) => {
                Some(EntryKind::SenderId)
            }
            ObservableKind::SenderId => Some(EntryKind::Phone),
            ObservableKind::Email => Some(EntryKind::Email),
            _ => None,
        }
    }
}

/// One entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// What it is about.
    pub kind: EntryKind,
    /// The value as known to this operator (plain).
    pub value: String,
    /// 0..1.
    pub confidence: f64,
    /// Confirmed reports.
    pub reports: u64,
    /// Operators whose reports contributed.
    pub operators: BTreeSet<String>,
    /// First confirmed report.
    pub first_seen: DateTime<Utc>,
    /// Last confirmed report.
    pub last_seen: DateTime<Utc>,
    /// When the entry was first listed: confidence at the threshold and
    /// enough operators, or a hub analyst's confirmation.
    pub listed_at: Option<DateTime<Utc>>,
    /// Whether a hub analyst confirmed a report carrying it.
    pub hub_confirmed: bool,
}

/// How entries are scored and aged.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Policy {
    /// Confidence at which an entry is listed.
    pub listing_confidence: f64,
    /// Time to live after the last report.
    pub ttl: Duration,
    /// Distinct operators whose reports must back an entry before it is
    /// listed (unless a hub analyst confirmed it).
    pub min_operators: usize,
    /// Who publishes the list (provenance).
    pub publisher: &'static str,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            listing_confidence: 0.85,
            ttl: Duration::days(30),
            min_operators: 2,
            publisher: "c5hub",
        }
    }
}

/// The list.
#[derive(Clone, Debug, Default)]
pub struct Reputation {
    entries: BTreeMap<(EntryKind, String), Entry>,
    policy: Policy,
}

impl Reputation {
    /// An empty list under `policy`.
    pub fn new(policy: Policy) -> Reputation {
        Reputation {
            entries: BTreeMap::new(),
            policy,
        }
    }

    /// Records one confirmed report against `value`; `weight` is that
    /// report's probability of being right (0.5 plain, 0.7 smishing);
    /// `by_hub`: a hub analyst confirmed it. Reports must come in time
    /// order for `listed_at` to be exact.
    pub fn record(
        &mut self,
        kind: EntryKind,
        value: &str,
        operator: &str,
        at: DateTime<Utc>,
        weight: f64,
        by_hub: bool,
    ) {
        let e = self
            .entries
            .entry((kind, value.to_owned()))
            .or_insert_with(|| Entry {
                kind,
                value: value.to_owned(),
                confidence: 0.0,
                reports: 0,
                operators: BTreeSet::new(),
                first_seen: at,
                last_seen: at,
                listed_at: None,
                hub_confirmed: false,
            });
        e.reports += 1;
        e.operators.insert(operator.to_owned());
        e.first_seen = e.first_seen.min(at);
        e.last_seen = e.last_seen.max(at);
        e.confidence = 1.0 - (1.0 - e.confidence) * (1.0 - weight.clamp(0.0, 0.99));
        e.hub_confirmed |= by_hub;
        let backed = e.operators.len() >= self.policy.min_operators
            && e.confidence >= self.policy.listing_confidence;
        if e.listed_at.is_none() && (backed || e.hub_confirmed) {
            e.listed_at = Some(at);
        }
    }

    /// Every entry.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    /// The policy.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// Listed entries not expired at `now` and seen since `since`: what an
    /// SMS firewall pulls.
    pub fn feed(&self, now: DateTime<Utc>, since: Option<DateTime<Utc>>) -> Vec<&Entry> {
        self.entries
            .values()
            .filter(|e| e.listed_at.is_some())
            .filter(|e| e.last_seen + self.policy.ttl > now)
            .filter(|e| since.is_none_or(|s| e.last_seen >= s))
            .collect()
    }

    /// An entry's value as it leaves the hub: phone numbers and e-mail
    /// addresses as pseudonyms under `key`, the rest as it is.
    pub fn shared_value(e: &Entry, key: &PseudonymKey) -> String {
        if e.kind.is_personal() {
            key.pseudonym(&e.value)
        } else {
            e.value.clone()
        }
    }

    /// The feed as CSV with a header.
    pub fn to_csv(&self, entries: &[&Entry], key: &PseudonymKey) -> String {
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "kind",
            "value",
            "pseudonymised",
            "confidence",
            "reports",
            "operators",
            "first_seen",
            "last_seen",
            "expires",
            "provenance",
        ];
        // Writing to a Vec cannot fail; errors would only come from I/O.
        let _ = w.write_record(header);
        for e in entries {
            let _ = w.write_record([
                e.kind.as_str().to_owned(),
                Self::shared_value(e, key),
                e.kind.is_personal().to_string(),
                format!("{:.3}", e.confidence),
                e.reports.to_string(),
                e.operators.len().to_string(),
                e.first_seen.to_rfc3339(),
                e.last_seen.to_rfc3339(),
                (e.last_seen + self.policy.ttl).to_rfc3339(),
                self.policy.publisher.to_owned(),
            ]);
        }
        String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_714_550_400 + h * 3600, 0).expect("valid")
    }

    #[test]
    fn confidence_accumulates_and_listing_is_timed() {
        let mut r = Reputation::new(Policy::default());
        r.record(EntryKind::Phone, "+447911123456", "op-a", t(0), 0.5, false);
        r.record(EntryKind::Phone, "+447911123456", "op-b", t(1), 0.5, false);
        assert!(r.feed(t(2), None).is_empty(), "0.75 is below 0.85");
        r.record(EntryKind::Phone, "+447911123456", "op-b", t(3), 0.7, false);
        let feed = r.feed(t(4), None);
        assert_eq!(feed.len(), 1);
        let e = feed[0];
        assert!((e.confidence - 0.925).abs() < 1e-9);
        assert_eq!(e.listed_at, Some(t(3)));
        assert_eq!(e.operators.len(), 2);
        assert!(
            r.feed(t(3) + Duration::days(31), None).is_empty(),
            "expired"
        );
        assert!(r.feed(t(4), Some(t(5))).is_empty(), "nothing new since");
    }

    #[test]
    fn phone_numbers_never_leave_in_plain() {
        let mut r = Reputation::new(Policy::default());
        for h in 0..3 {
            r.record(EntryKind::Phone, "+447911123456", "op-a", t(h), 0.7, false);
            r.record(EntryKind::SenderId, "InfoBank", "op-b", t(h), 0.7, false);
            r.record(EntryKind::Phone, "+447911123456", "op-b", t(h), 0.7, false);
            r.record(EntryKind::SenderId, "InfoBank", "op-a", t(h), 0.7, false);
        }
        let key = PseudonymKey::new(b"federation key for the test").expect("long enough");
        let feed = r.feed(t(4), None);
        let csv = r.to_csv(&feed, &key);
        let shared: String = feed
            .iter()
            .map(|e| Reputation::shared_value(e, &key) + "\n")
            .collect();
        for out in [&csv, &shared] {
            assert!(!out.contains("447911123456"), "{out}");
            assert!(out.contains(&key.pseudonym("+447911123456")));
            assert!(out.contains("InfoBank"));
        }
        assert_eq!(csv.lines().count(), 3);
    }

    /// Issue 14, finding 14: two reports from one operator listed any
    /// value in the shared feed.
    #[test]
    fn one_operator_alone_lists_nothing_but_the_hub_may() {
        let mut r = Reputation::new(Policy::default());
        for h in 0..10 {
            r.record(EntryKind::Url, "http://a.test/x", "op-a", t(h), 0.7, false);
        }
        assert!(r.feed(t(11), None).is_empty(), "one operator, ten reports");
        r.record(EntryKind::Url, "http://a.test/x", "op-b", t(12), 0.5, false);
        assert_eq!(r.feed(t(13), None).len(), 1, "a second operator");
        assert_eq!(r.feed(t(13), None)[0].listed_at, Some(t(12)));
        r.record(EntryKind::Url, "http://b.test/y", "op-a", t(14), 0.5, true);
        let feed = r.feed(t(15), None);
        assert!(
            feed.iter()
                .any(|e| e.value == "http://b.test/y" && e.hub_confirmed),
            "a hub analyst's confirmation lists at once"
        );
        let mut one = Reputation::new(Policy {
            min_operators: 1,
            ..Policy::default()
        });
        one.record(EntryKind::Url, "http://a.test/x", "op-a", t(0), 0.7, false);
        one.record(EntryKind::Url, "http://a.test/x", "op-a", t(1), 0.7, false);
        assert_eq!(one.feed(t(2), None).len(), 1, "configurable");
    }
}
