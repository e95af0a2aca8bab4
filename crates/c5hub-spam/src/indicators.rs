//! Indicators from a spam message: URLs (normalised, with their
//! registrable domain), phone numbers (E.164), e-mail addresses, the
//! sender, and the smishing flag; and the incident they become.
//!
//! Privacy: what leaves the reporting operator (the incident a report
//! becomes, campaigns, the feed, the impact metrics, another operator's
//! report read by the hub) carries phone numbers and e-mail addresses only
//! as keyed pseudonyms ([`PseudonymKey`]). A sender goes out in clear only
//! when it has the shape of an alphanumeric sender id: it contains a letter
//! ([`sender_in_clear`]); a number the parser could not read
//! (`0412-345678` without a region, `+1 555 0100`) or a short code is a
//! pseudonym. URLs and domains stay as they are.
//!
//! Normalisation is `c5hub-model`'s ([`Observable`]), so an indicator found
//! here correlates with the same value from any other source in the store.
//! The registrable domain (eTLD+1) comes from the public suffix list
//! compiled into the `psl` crate.

use c5hub_model::{
    DocumentFormat, GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole,
    OriginalDocument, RsitClass, Tlp,
};

use crate::features::SHORTENERS;
use crate::report::{PseudonymKey, SpamReport};
use crate::text;

/// A URL with its registrable domain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UrlIndicator {
    /// The normalised URL.
    pub url: Observable,
    /// Its host's registrable domain (`example.co.uk`), when the host is a
    /// name under a known public suffix.
    pub registrable_domain: Option<String>,
    /// Whether the domain is a known link shortener.
    pub shortener: bool,
}

/// What a message points to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Indicators {
    /// Links.
    pub urls: Vec<UrlIndicator>,
    /// Phone numbers in the text, E.164.
    pub phones: Vec<Observable>,
    /// E-mail addresses in the text.
    pub emails: Vec<Observable>,
    /// The sender, normalised (phone number, short code or sender id, or
    /// e-mail address), when it parses.
    pub sender: Option<Observable>,
    /// Credential or payment lures found (normalised keywords).
    pub lures: Vec<&'static str>,
}

/// Words and phrases of credential and payment lures, matched on the
/// normalised text.
const LURES: &[&str] = &[
    "password",
    "passcode",
    "pin code",
    "otp",
    "one-time code",
    "verify",
    "verification",
    "log in",
    "login",
    "sign in",
    "account",
    "suspended",
    "locked",
    "blocked",
    "unusual activity",
    "bank",
    "card",
    "payment",
    "pay ",
    "fee",
    "refund",
    "invoice",
    "parcel",
    "delivery",
    "customs",
    "tax",
    "wallet",
    "crypto",
    "kyc",
    "update your",
    "confirm your",
    "security code",
];

fn trim_token(t: &str) -> &str {
    t.trim_matches(|c: char| {
        matches!(
            c,
            '.' | ','
                | ';'
                | ':'
                | '!'
                | '?'
                | ')'
                | '('
                | '['
                | ']'
                | '<'
                | '>'
                | '"'
                | '\''
                | '{'
                | '}'
        )
    })
}

/// The registrable domain of a host name, if it has one.
pub fn registrable_domain(host: &str) -> Option<String> {
    let d = psl::domain(host.as_bytes())?;
    if !d.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(d.as_bytes()).ok().map(str::to_owned)
}

fn looks_like_link(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    if lower.starts_with("http://") || lower.starts_with("https://") || lower.starts_with("www.") {
        return true;
    }
    // A bare `name.tld/...`: the host must end in a known public suffix and
    // have a letter in its last label.
    let host = lower.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
    if !host.contains('.') || host.contains('@') || host.starts_with('.') || host.ends_with('.') {
        return false;
    }
    let last = host.rsplit('.').next().unwrap_or("");
    last.len() >= 2
        && last.bytes().all(|b| b.is_ascii_alphabetic())
        && psl::suffix(host.as_bytes()).is_some_and(|s| s.is_known())
}

/// Extracts the indicators of `text` sent by `sender`. `region` (ISO 3166
/// alpha-2) reads national phone numbers; without it only international
/// ones (`+…`, `00…`) are read.
pub fn extract(text: &str, sender: Option<&str>, region: Option<&str>) -> Indicators {
    let mut out = Indicators::default();
    for raw in text.split_whitespace() {
        let token = trim_token(raw);
        if token.len() < 4 || token.len() > 2048 {
            continue;
        }
        if token.contains('@') && !token.contains('/') {
            if let Ok(o) = Observable::parse(ObservableKind::Email, token) {
                if !out.emails.contains(&o) {
                    out.emails.push(o);
                }
            }
            continue;
        }
        if looks_like_link(token) {
            if let Ok(url) = Observable::parse(ObservableKind::Url, token) {
                if out.urls.iter().any(|u| u.url == url) {
                    continue;
                }
                let registrable_domain = url.domain_part().and_then(registrable_domain);
                let shortener = registrable_domain
                    .as_deref()
                    .is_some_and(|d| SHORTENERS.contains(&d));
                out.urls.push(UrlIndicator {
                    url,
                    registrable_domain,
                    shortener,
                });
            }
        }
    }
    phones(text, region, &mut out.phones);
    out.sender = sender.and_then(|s| parse_sender(s, region));
    let mut norm = String::new();
    text::normalize(text, &mut norm);
    norm.push(' ');
    out.lures = LURES.iter().copied().filter(|l| norm.contains(l)).collect();
    out
}

/// A sender as an observable: phone number, e-mail, else sender id.
pub fn parse_sender(s: &str, region: Option<&str>) -> Option<Observable> {
    let s = s.trim();
    if s.contains('@') {
        return Observable::parse(ObservableKind::Email, s).ok();
    }
    let digits = s.bytes().filter(u8::is_ascii_digit).count();
    if digits >= 7
        && s.bytes()
            .all(|b| b.is_ascii_digit() || b"+ -().".contains(&b))
    {
        if let Ok(p) = Observable::parse_phone(s, region) {
            return Some(p);
        }
    }
    Observable::parse(ObservableKind::SenderId, s).ok()
}

/// Phone-number candidates: digit runs with single spaces, dashes, dots
/// or parentheses inside, 7 to 15 digits, optionally after `+`, as byte
/// ranges of `text`.
fn phone_candidates(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start_plus = bytes[i] == b'+' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if !(bytes[i].is_ascii_digit() || start_plus)
            || (i > 0 && bytes[i - 1].is_ascii_alphanumeric())
        {
            i += 1;
            continue;
        }
        let start = i;
        let mut j = if start_plus { i + 1 } else { i };
        let mut digits = 0;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            } else if matches!(bytes[j], b' ' | b'-' | b'.' | b'(' | b')')
                && bytes
                    .get(j + 1)
                    .is_some_and(|b| b.is_ascii_digit() || *b == b'(')
            {
                j += 1;
            } else {
                break;
            }
        }
        if (7..=15).contains(&digits) {
            let end = start + text[start..j].trim_end().len();
            out.push((start, end));
        }
        i = j.max(i + 1);
    }
    out
}

/// The phone numbers among the candidates that parse.
fn phones(text: &str, region: Option<&str>, out: &mut Vec<Observable>) {
    for (a, b) in phone_candidates(text) {
        if let Ok(p) = Observable::parse_phone(&text[a..b], region) {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
}

impl Indicators {
    /// Smishing: spam carrying a link, a number to call back, or a
    /// credential or payment lure.
    pub fn smishing(&self, spam: bool) -> bool {
        spam && (!self.urls.is_empty() || !self.phones.is_empty() || !self.lures.is_empty())
    }
}

/// Whether a sender may be shared as it is: only an alphanumeric sender id
/// (one containing a letter). Phone numbers, e-mail addresses, short codes
/// and numbers the parser could not read are shared as pseudonyms.
pub fn sender_in_clear(o: &Observable) -> bool {
    o.kind() == ObservableKind::SenderId && o.value().chars().any(char::is_alphabetic)
}

/// A sender as it may be shared: an alphanumeric sender id as it is,
/// anything else as its pseudonym.
pub fn shared_sender(o: &Observable, key: &PseudonymKey) -> String {
    if sender_in_clear(o) {
        o.value().to_owned()
    } else {
        key.pseudonym(o.value())
    }
}

/// A sender as received (not parsed yet) as it may be shared: parsed with
/// `region`, then [`shared_sender`]; what does not parse is a pseudonym.
pub fn shared_raw_sender(s: &str, region: Option<&str>, key: &PseudonymKey) -> String {
    match parse_sender(s, region) {
        Some(o) => shared_sender(&o, key),
        None => key.pseudonym(s.trim()),
    }
}

/// The pseudonym of `value` as an observable: its HMAC as a `sha256`
/// value, so incidents carrying the same number correlate with each other
/// (and with a partner holding the key, who computes the same digest) and
/// nobody else learns the number.
pub fn pseudonym_observable(value: &str, key: &PseudonymKey) -> Observable {
    Observable::parse(ObservableKind::Sha256, &key.pseudonym_hex(value))
        .expect("an HMAC-SHA-256 in hex is a SHA-256 value")
}

/// An observable as an incident from a spam report carries it: URLs,
/// domains and alphanumeric sender ids as they are; phone numbers, e-mail
/// addresses and every other sender as their pseudonym.
pub fn shared_observable(o: &Observable, key: &PseudonymKey) -> Observable {
    match o.kind() {
        ObservableKind::PhoneNumber | ObservableKind::Email => pseudonym_observable(o.value(), key),
        ObservableKind::SenderId if !sender_in_clear(o) => pseudonym_observable(o.value(), key),
        _ => o.clone(),
    }
}

/// Byte range of `sub` inside `text` (`sub` is a slice of `text`).
fn span_of(text: &str, sub: &str) -> (usize, usize) {
    let start = sub.as_ptr() as usize - text.as_ptr() as usize;
    (start, start + sub.len())
}

/// `text` with every e-mail address and every phone-number candidate
/// replaced by its pseudonym (`hmac-sha256:…`): the E.164 number's when it
/// parses (with `region` for national numbers), so it matches the feed,
/// else the candidate's as written. Links are left as they are, digits
/// inside them too.
pub fn redact_text(text: &str, region: Option<&str>, key: &PseudonymKey) -> String {
    let mut keep: Vec<(usize, usize)> = Vec::new();
    let mut replace: Vec<(usize, usize, String)> = Vec::new();
    for raw in text.split_whitespace() {
        let token = trim_token(raw);
        if token.is_empty() {
            continue;
        }
        if let Some((local, domain)) = token.split_once('@') {
            if !token.contains('/') && !local.is_empty() && !domain.is_empty() {
                let value = Observable::parse(ObservableKind::Email, token)
                    .map_or_else(|_| token.to_owned(), Observable::into_value);
                let (a, b) = span_of(text, token);
                replace.push((a, b, key.pseudonym(&value)));
                continue;
            }
        }
        if looks_like_link(token) {
            keep.push(span_of(text, token));
        }
    }
    for (a, b) in phone_candidates(text) {
        let inside = |s: &(usize, usize)| a < s.1 && s.0 < b;
        if keep.iter().any(inside) || replace.iter().any(|(x, y, _)| inside(&(*x, *y))) {
            continue;
        }
        let candidate = &text[a..b];
        let value = Observable::parse_phone(candidate, region)
            .map_or_else(|_| candidate.to_owned(), Observable::into_value);
        replace.push((a, b, key.pseudonym(&value)));
    }
    replace.sort_by_key(|r| r.0);
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (a, b, p) in replace {
        if a < at {
            continue;
        }
        out.push_str(&text[at..a]);
        out.push_str(&p);
        at = b;
    }
    out.push_str(&text[at..]);
    out
}

/// The incident a spam report becomes: RSIT `fraud/phishing` for smishing,
/// `abusive-content/spam` otherwise; its id is the report's, its observables
/// the indicators (sender as source), its original the message text.
/// Whatever its TLP, phone numbers and e-mail addresses (and senders other
/// than alphanumeric sender ids) are only their pseudonyms under `key`,
/// in the observables ([`shared_observable`]) and in the text
/// ([`redact_text`], national numbers read with `region`).
pub fn to_incident(
    report: &SpamReport,
    indicators: &Indicators,
    smishing: bool,
    tlp: Tlp,
    key: &PseudonymKey,
    region: Option<&str>,
) -> Result<Incident, c5hub_model::Error> {
    let id = GlobalId::new(&format!("spam-report.{}", report.operator), &report.id)?;
    let mut incident = Incident::new(id, tlp);
    incident.reporter = Some(report.operator.clone());
    incident.status = IncidentStatus::New;
    incident.classification = if smishing {
        RsitClass::lookup("fraud", "phishing")
    } else {
        RsitClass::lookup("abusive-content", "spam")
    };
    incident.times.detected = report.received_at;
    incident.times.reported = Some(report.reported_at);
    incident.title = Some(format!(
        "{} {} report",
        report.channel.as_str(),
        if smishing { "smishing" } else { "spam" }
    ));
    incident.description = Some(PSEUDONYM_NOTE.to_owned());
    if let Some(s) = &indicators.sender {
        incident.add_observable(shared_observable(s, key), ObservableRole::Source);
    }
    for u in &indicators.urls {
        incident.add_observable(u.url.clone(), ObservableRole::Url);
    }
    for o in indicators.phones.iter().chain(&indicators.emails) {
        incident.add_observable(shared_observable(o, key), ObservableRole::Indicator);
    }
    incident.original = Some(OriginalDocument::new(
        DocumentFormat::Native,
        redact_text(&report.text, region, key).into_bytes(),
    ));
    Ok(incident)
}

/// The description of every incident made from a spam report.
pub const PSEUDONYM_NOTE: &str = "Made from a spam report. Phone numbers, e-mail addresses and numeric senders appear only as keyed pseudonyms (HMAC-SHA-256 under the hub's spam key, as in the reputation feed): sha256 observables, and hmac-sha256:… in the message.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_domains_phones_emails() {
        let i = extract(
            "Your parcel is held: pay at https://DHL-Parcel.example.co.uk/pay?id=1, or www.bit.ly/x7. Call +44 20 7946 0958 or 020 7946 0959, mail help@pay-fee.example.com.",
            Some("+447911123456"),
            Some("GB"),
        );
        let urls: Vec<_> = i
            .urls
            .iter()
            .map(|u| (u.url.value(), u.registrable_domain.as_deref(), u.shortener))
            .collect();
        assert_eq!(
            urls,
            [
                (
                    "https://dhl-parcel.example.co.uk/pay?id=1",
                    Some("example.co.uk"),
                    false
                ),
                ("http://www.bit.ly/x7", Some("bit.ly"), true),
            ]
        );
        let phones: Vec<_> = i.phones.iter().map(Observable::value).collect();
        assert_eq!(phones, ["+442079460958", "+442079460959"]);
        let emails: Vec<_> = i.emails.iter().map(Observable::value).collect();
        assert_eq!(emails, ["help@pay-fee.example.com"]);
        assert_eq!(
            i.sender.as_ref().map(Observable::value),
            Some("+447911123456")
        );
        assert!(i.lures.contains(&"parcel") && i.lures.contains(&"pay "));
        assert!(i.smishing(true));
        assert!(!i.smishing(false), "ham is never smishing");
    }

    #[test]
    fn bare_domains_need_a_known_suffix() {
        let i = extract("see dhl-fee.top/a and also file.txt and 5.30pm", None, None);
        let urls: Vec<_> = i.urls.iter().map(|u| u.url.value()).collect();
        assert_eq!(urls, ["http://dhl-fee.top/a"]);
    }

    #[test]
    fn senders() {
        assert_eq!(
            parse_sender("InfoBank", None).map(|o| o.kind()),
            Some(ObservableKind::SenderId)
        );
        assert_eq!(
            parse_sender("87121", None).map(|o| o.kind()),
            Some(ObservableKind::SenderId)
        );
        assert_eq!(
            parse_sender("+44 7911 123456", None).map(|o| o.into_value()),
            Some("+447911123456".into())
        );
        assert_eq!(
            parse_sender("a@b.example", None).map(|o| o.kind()),
            Some(ObservableKind::Email)
        );
    }

    #[test]
    fn plain_spam_without_link_number_or_lure_is_not_smishing() {
        let i = extract("Hot singles in your area tonight!!", None, None);
        assert!(!i.smishing(true));
    }

    #[test]
    fn incident_class_follows_smishing() {
        let key = crate::report::PseudonymKey::new(b"0123456789abcdef").expect("long enough");
        let r = SpamReport::new(
            crate::report::Channel::Sms,
            "op-a",
            "verify your account at https://x.example.com/a",
            Some("InfoBank"),
            None,
            None,
            chrono::DateTime::from_timestamp(1_714_557_600, 0).expect("valid"),
            crate::report::UserVerdict::Spam,
            &key,
        )
        .expect("valid report");
        let i = extract(&r.text, r.sender.as_deref(), None);
        let inc = to_incident(&r, &i, i.smishing(true), Tlp::Green, &key, None).expect("valid");
        assert_eq!(
            inc.classification.map(|c| c.to_string()).as_deref(),
            Some("fraud/phishing")
        );
        assert_eq!(inc.observables.len(), 2);
        inc.validate().expect("a valid incident");
        let inc = to_incident(&r, &i, false, Tlp::Green, &key, None).expect("valid");
        assert_eq!(
            inc.classification.map(|c| c.to_string()).as_deref(),
            Some("abusive-content/spam")
        );
    }

    fn report(text: &str, sender: &str) -> SpamReport {
        SpamReport::new(
            crate::report::Channel::Sms,
            "op-a",
            text,
            Some(sender),
            None,
            None,
            chrono::DateTime::from_timestamp(1_714_557_600, 0).expect("valid"),
            crate::report::UserVerdict::Spam,
            &key(),
        )
        .expect("valid report")
    }

    fn key() -> PseudonymKey {
        PseudonymKey::new(b"0123456789abcdef").expect("long enough")
    }

    /// Issue 14, finding 2: the incident a report becomes carried the
    /// sender's and the text's numbers and addresses in clear.
    #[test]
    fn incidents_carry_numbers_and_addresses_only_as_pseudonyms() {
        let key = key();
        let text = "Pay at https://fee.example.com/p?ref=20240501777 or call +44 20 7946 0958, mail help@pay-fee.example.com";
        let r = report(text, "+447911123456");
        let i = extract(&r.text, r.sender.as_deref(), None);
        let inc = to_incident(&r, &i, true, Tlp::Amber, &key, None).expect("valid");
        inc.validate().expect("a valid incident");
        let values: Vec<(ObservableKind, &str)> = inc
            .observables
            .iter()
            .map(|o| (o.observable.kind(), o.observable.value()))
            .collect();
        let hex = |v: &str| key.pseudonym_hex(v);
        assert!(values.contains(&(ObservableKind::Sha256, hex("+447911123456").as_str())));
        assert!(values.contains(&(ObservableKind::Sha256, hex("+442079460958").as_str())));
        assert!(values.contains(&(
            ObservableKind::Sha256,
            hex("help@pay-fee.example.com").as_str()
        )));
        assert!(values.contains(&(
            ObservableKind::Url,
            "https://fee.example.com/p?ref=20240501777"
        )));
        let original = String::from_utf8(inc.original.expect("original").bytes).expect("UTF-8");
        for clear in ["7911123456", "7946 0958", "help@"] {
            assert!(!original.contains(clear), "{original}");
            assert!(!format!("{values:?}").contains(clear), "{values:?}");
        }
        assert!(
            original.contains(&key.pseudonym("+442079460958")),
            "{original}"
        );
        assert!(
            original.contains("https://fee.example.com/p?ref=20240501777"),
            "links stay as they are: {original}"
        );
    }

    /// Issue 14, finding 8: senders the phone parser cannot read fell back
    /// to sender ids and were shared in clear.
    #[test]
    fn only_senders_with_a_letter_are_shared_in_clear() {
        let key = key();
        for (sender, clear) in [
            ("0412-345678", false),
            ("+1 555 0100", false),
            ("87121", false),
            ("+447911123456", false),
            ("a@b.example", false),
            ("InfoBank", true),
            ("DHL-Express", true),
        ] {
            let shared = shared_raw_sender(sender, None, &key);
            assert_eq!(shared == sender, clear, "{sender}: {shared}");
            assert_eq!(shared.starts_with("hmac-sha256:"), !clear, "{sender}");
            let r = report("Call us back today", sender);
            let i = extract(&r.text, r.sender.as_deref(), None);
            let inc = to_incident(&r, &i, true, Tlp::Green, &key, None).expect("valid");
            let source = &inc.observables[0].observable;
            assert_eq!(source.kind() == ObservableKind::SenderId, clear, "{sender}");
            let digits: String = sender.chars().filter(char::is_ascii_digit).collect();
            if !clear && digits.len() > 3 {
                assert!(!source.value().contains(&digits[1..]), "{sender}");
            }
        }
    }

    #[test]
    fn redacting_keeps_links_and_replaces_numbers_and_addresses() {
        let key = key();
        let got = redact_text(
            "Call 0412-345678 or +1 555 0100 (x@y.example) at https://a.example/1234567 on 5.30pm",
            None,
            &key,
        );
        assert_eq!(
            got,
            format!(
                "Call {} or {} ({}) at https://a.example/1234567 on 5.30pm",
                key.pseudonym("0412-345678"),
                key.pseudonym("+1 555 0100"),
                key.pseudonym("x@y.example"),
            )
        );
        let national = redact_text("ring 020 7946 0958 now", Some("GB"), &key);
        assert_eq!(
            national,
            format!("ring {} now", key.pseudonym("+442079460958"))
        );
    }
}
