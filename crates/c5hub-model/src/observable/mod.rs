//! Observables: the addresses, names, numbers and digests that incidents are
//! about, normalized so that equal things compare equal.
//!
//! An [`Observable`] is a kind and a canonical text. It can only be built by
//! parsing ([`Observable::parse`], [`Observable::parse_phone`],
//! [`Observable::parse_ip`], [`Observable::guess`]), which validates the text
//! and rewrites it into its one canonical spelling: `Example.COM.` becomes
//! `example.com`, `hxxp://evil[.]example#x` becomes `http://evil.example/`,
//! `10.1.2.3/8` becomes `10.0.0.0/8`. Correlation is then plain string
//! equality, and parsing a canonical value again gives the same observable.
//!
//! Normalization that changes what the text means, not only how it is
//! spelled (refanging, clearing host bits, dropping a fragment, ...), is
//! reported as a [`Note`] by the `*_with_notes` constructors, so ingest can
//! tell the submitter what was changed.
//!
//! This module does no I/O: no DNS, no public-suffix list, no network
//! look-ups. It knows no wire format either; format crates map their own
//! type names (IODEF `ipv4-addr`, MISP `ip-src`, ...) to [`ObservableKind`].

mod defang;
mod digest;
mod dns;
mod net;
mod telecom;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;

use crate::error::{Error, ErrorKind, Subject};
use net::Family;

/// Normalization notes collected while parsing.
type Notes = Vec<Note>;

/// What an observable is.
///
/// The enum is deliberately not `#[non_exhaustive]`: when a kind is added,
/// every format crate's exhaustive `match` fails to compile until it says how
/// the new kind is written in its format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObservableKind {
    /// An IPv4 address, e.g. `192.0.2.1`.
    Ipv4,
    /// An IPv6 address in RFC 5952 form, e.g. `2001:db8::1`.
    Ipv6,
    /// An IPv4 or IPv6 prefix with host bits clear, e.g. `10.0.0.0/8`.
    /// Never a single address (/32, /128): those are [`Ipv4`](Self::Ipv4)
    /// and [`Ipv6`](Self::Ipv6).
    Cidr,
    /// A domain in ASCII (A-label) form, e.g. `xn--bcher-kva.example`.
    Domain,
    /// A URL with a host, e.g. `http://evil.example/login`.
    Url,
    /// An email address, e.g. `User@example.com` (the local part is kept as
    /// written).
    Email,
    /// An MD5 hash, 32 lowercase hex digits.
    Md5,
    /// A SHA-1 hash, 40 lowercase hex digits.
    Sha1,
    /// A SHA-256 hash, 64 lowercase hex digits.
    Sha256,
    /// A SHA-512 hash, 128 lowercase hex digits.
    Sha512,
    /// An ssdeep fuzzy hash, `blocksize:hash:hash`.
    Ssdeep,
    /// A TLSH locality-sensitive hash, `T1` and 70 uppercase hex digits.
    Tlsh,
    /// A phone number in E.164 form, e.g. `+442079460958`.
    PhoneNumber,
    /// An SMS sender: an alphanumeric sender id (`PayPal`) or a short code
    /// (`12345`), kept case-sensitively.
    SenderId,
    /// A mobile equipment identity (IMEI), 15 digits with a valid check
    /// digit.
    Imei,
    /// An autonomous system number, e.g. `AS64496`.
    Asn,
    /// An EUI-48 MAC address, e.g. `00:00:5e:00:53:01`.
    Mac,
    /// A CVE vulnerability id, e.g. `CVE-2021-44228`.
    Cve,
}

impl ObservableKind {
    /// Every kind, in declaration order.
    pub const ALL: [ObservableKind; 18] = [
        ObservableKind::Ipv4,
        ObservableKind::Ipv6,
        ObservableKind::Cidr,
        ObservableKind::Domain,
        ObservableKind::Url,
        ObservableKind::Email,
        ObservableKind::Md5,
        ObservableKind::Sha1,
        ObservableKind::Sha256,
        ObservableKind::Sha512,
        ObservableKind::Ssdeep,
        ObservableKind::Tlsh,
        ObservableKind::PhoneNumber,
        ObservableKind::SenderId,
        ObservableKind::Imei,
        ObservableKind::Asn,
        ObservableKind::Mac,
        ObservableKind::Cve,
    ];

    /// The kind's stable lowercase name (`ipv4`, `phone-number`, ...), for
    /// storage and APIs. [`FromStr`] accepts it back.
    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "ipv4",
            ObservableKind::Ipv6 => "ipv6",
            ObservableKind::Cidr => "cidr",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "url",
            ObservableKind::Email => "email",
            ObservableKind::Md5 => "md5",
            ObservableKind::Sha1 => "sha1",
            ObservableKind::Sha256 => "sha256",
            ObservableKind::Sha512 => "sha512",
            ObservableKind::Ssdeep => "ssdeep",
            ObservableKind::Tlsh => "tlsh",
            ObservableKind::PhoneNumber => "phone-number",
            ObservableKind::SenderId => "sender-id",
            ObservableKind::Imei => "imei",
            ObservableKind::Asn => "asn",
            ObservableKind::Mac => "mac",
            ObservableKind::Cve => "cve",
        }
    }

    /// A short English description for messages (`IPv4 address`).
    pub fn description(self) -> &'static str {
        match self {
            ObservableKind::Ipv4 => "IPv4 address",
            ObservableKind::Ipv6 => "IPv6 address",
            ObservableKind::Cidr => "CIDR prefix",
            ObservableKind::Domain => "domain",
            ObservableKind::Url => "URL",
            ObservableKind::Email => "email address",
            ObservableKind::Md5 => "MD5 hash",
            ObservableKind::Sha1 => "SHA-1 hash",
            ObservableKind::Sha256 => "SHA-256 hash",
            ObservableKind::Sha512 => "SHA-512 hash",
            ObservableKind::Ssdeep => "ssdeep digest",
            ObservableKind::Tlsh => "TLSH digest",
            ObservableKind::PhoneNumber => "phone number",
            ObservableKind::SenderId => "SMS sender id",
            ObservableKind::Imei => "IMEI",
            ObservableKind::Asn => "AS number",
            ObservableKind::Mac => "MAC address",
            ObservableKind::Cve => "CVE id",
        }
    }

    /// The number of hex digits of a cryptographic hash kind.
    pub fn hex_len(self) -> Option<usize> {
        match self {
            ObservableKind::Md5 => Some(32),
            ObservableKind::Sha1 => Some(40),
            ObservableKind::Sha256 => Some(64),
            ObservableKind::Sha512 => Some(128),
            _ => None,
        }
    }

    /// Whether the kind is a digest of file or message content (a
    /// cryptographic hash, ssdeep or TLSH).
    pub fn is_digest(self) -> bool {
        self.hex_len().is_some() || matches!(self, ObservableKind::Ssdeep | ObservableKind::Tlsh)
    }

    /// Whether analysts write this kind defanged (`evil[.]example`), so that
    /// parsing refangs it first.
    fn may_be_defanged(self) -> bool {
        matches!(
            self,
            ObservableKind::Ipv4
                | ObservableKind::Ipv6
                | ObservableKind::Cidr
                | ObservableKind::Domain
                | ObservableKind::Url
                | ObservableKind::Email
        )
    }
}

impl fmt::Display for ObservableKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ObservableKind {
    type Err = Error;

    /// Accepts the names [`ObservableKind::as_str`] gives, in any ASCII case.
    fn from_str(s: &str) -> Result<Self, Error> {
        let name = s.trim();
        ObservableKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| Error::new(Subject::ObservableKind, s, ErrorKind::Unknown))
    }
}

/// Something parsing changed beyond spelling, worth telling the submitter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Note {
    /// Defanging markers (`hxxp`, `[.]`, `[at]`, ...) were undone.
    Refanged,
    /// An IPv4-mapped IPv6 address or prefix became IPv4.
    Ipv4Mapped,
    /// A CIDR prefix had host bits set; they were cleared
    /// (`10.1.2.3/8` → `10.0.0.0/8`).
    HostBitsCleared,
    /// A /32 or /128 prefix became a plain address.
    PrefixIsAddress,
    /// A URL without a scheme was taken as `http://`.
    SchemeAdded,
    /// A URL's `#fragment` was removed.
    FragmentRemoved,
    /// A TLSH digest without version prefix got `T1`.
    TlshVersionAdded,
}

impl fmt::Display for Note {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Note::Refanged => "defanged text was refanged",
            Note::Ipv4Mapped => "IPv4-mapped IPv6 was converted to IPv4",
            Note::HostBitsCleared => "host bits of the prefix were cleared",
            Note::PrefixIsAddress => "a single-address prefix became an address",
            Note::SchemeAdded => "http:// was added to a URL without scheme",
            Note::FragmentRemoved => "the URL fragment was removed",
            Note::TlshVersionAdded => "the TLSH version prefix T1 was added",
        })
    }
}

/// A normalized observable: a kind and its canonical text.
///
/// Equality, ordering and hashing are by kind and canonical text, so two
/// observables are equal exactly when they name the same thing in the same
/// spelling-independent way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Observable {
    kind: ObservableKind,
    value: String,
}

impl Observable {
    /// Longest raw text any constructor accepts, in bytes (after trimming).
    /// Long enough for real phishing URLs, short enough to bound work.
    pub const MAX_INPUT_LEN: usize = 8 * 1024;

    /// Parses `raw` as an observable of `kind`, normalizing it.
    ///
    /// Surrounding whitespace is ignored; network kinds (IP, CIDR, domain,
    /// URL, email) are refanged first. The result's kind can differ from
    /// `kind` where the canonical form demands it: a /32 or /128 CIDR and an
    /// IPv4-mapped IPv6 address give an address observable of the right
    /// family. Phone numbers must be international (`+44 ...` or
    /// `0044 ...`); use [`Observable::parse_phone`] for national formats.
    ///
    /// For every successful result `o`, `Observable::parse(o.kind(),
    /// o.value())` returns `o` again.
    pub fn parse(kind: ObservableKind, raw: &str) -> Result<Observable, Error> {
        Self::parse_with_notes(kind, raw).map(|(obs, _)| obs)
    }

    /// Like [`Observable::parse`], also returning what normalization
    /// changed beyond spelling.
    pub fn parse_with_notes(
        kind: ObservableKind,
        raw: &str,
    ) -> Result<(Observable, Vec<Note>), Error> {
        let mut notes = Vec::new();
        normalize(kind, raw, &mut notes)
            .map(|obs| (obs, notes))
            .map_err(|err| Error::new(Subject::Observable(kind), raw, err))
    }

    /// Parses a phone number to E.164, reading national formats
    /// (`020 7946 0958`) as numbers of `region`, an ISO 3166-1 alpha-2 code
    /// such as `"GB"`. International input (`+44 ...`) ignores the region.
    /// Numbers must be valid in their numbering plan, per libphonenumber's
    /// metadata.
    pub fn parse_phone(raw: &str, region: Option<&str>) -> Result<Observable, Error> {
        let region = match region {
            Some(code) => Some(
                telecom::parse_region(code)
                    .ok_or_else(|| Error::new(Subject::PhoneRegion, code, ErrorKind::Unknown))?,
            ),
            None => None,
        };
        let subject = Subject::Observable(ObservableKind::PhoneNumber);
        let text = checked_text(raw).map_err(|err| Error::new(subject, raw, err))?;
        telecom::normalize_phone(text, region).map_err(|err| Error::new(subject, raw, err))
    }

    /// Parses an IP address of either family (refanged, IPv4-mapped IPv6
    /// becoming IPv4), for sources that do not say which family they hold.
    pub fn parse_ip(raw: &str) -> Result<Observable, Error> {
        let mut notes = Vec::new();
        checked_text(raw)
            .and_then(|text| {
                let text = refang(text, &mut notes);
                net::normalize_ip(&text, Family::Any, &mut notes)
            })
            .map_err(|err| Error::new(Subject::IpAddress, raw, err))
    }

    /// Detects the kind of `raw` from its shape and parses it as that kind.
    ///
    /// Recognised, in this order: URLs with `scheme://` (defanged too),
    /// `mailto:` emails, `+` phone numbers, `AS`/`ASN` numbers, `CVE-` ids,
    /// `local@domain` emails, CIDR prefixes, `host/path` as a URL without
    /// scheme, IP addresses, hex hashes by length (32 MD5, 40 SHA-1, 64
    /// SHA-256, 128 SHA-512, 70 or `T1`+70 TLSH), ssdeep digests, MAC
    /// addresses with `:` or `-`, and finally any other text with a dot as
    /// a domain (without a public-suffix list, `invoice.pdf` is a domain
    /// too). Bare digits, sender ids and IMEIs are ambiguous and never
    /// guessed: parse them with their kind.
    ///
    /// When the text has the shape of a kind but is not valid (`10.0.0.0/33`),
    /// the error is that kind's; when nothing fits, the error's subject is
    /// [`Subject::AnyObservable`].
    pub fn guess(raw: &str) -> Result<Observable, Error> {
        Self::guess_with_notes(raw).map(|(obs, _)| obs)
    }

    /// Like [`Observable::guess`], also returning what normalization changed
    /// beyond spelling.
    pub fn guess_with_notes(raw: &str) -> Result<(Observable, Vec<Note>), Error> {
        let text = checked_text(raw).map_err(|err| Error::new(Subject::AnyObservable, raw, err))?;
        let kind = detect(&defang::refang(text)).ok_or_else(|| {
            Error::new(
                Subject::AnyObservable,
                raw,
                ErrorKind::Syntax("not recognised as any kind of observable"),
            )
        })?;
        Self::parse_with_notes(kind, raw)
    }

    /// An observable from text that a parser of this crate gave as the
    /// canonical text of an observable of `kind` ([`Observable::value`]),
    /// without normalizing it again: for storage reading back what it
    /// wrote from an `Observable`, where parsing each value again (a URL is
    /// refanged, split and checked) cost a tenth of a lookup. Only text
    /// kept from `value()` may come here: any other text gives an
    /// observable no parser would, which then matches nothing. Not checked
    /// even in debug builds: reading an incident of 10,001 URLs there
    /// took most of `related`'s read budget parsing them.
    pub fn from_canonical(kind: ObservableKind, value: String) -> Observable {
        Observable { kind, value }
    }

    /// The observable's kind.
    pub fn kind(&self) -> ObservableKind {
        self.kind
    }

    /// The canonical text.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// The canonical text, by value.
    pub fn into_value(self) -> String {
        self.value
    }

    /// The domain this observable belongs to, in ASCII form: a domain
    /// itself, a URL's host when it is a name (not an IP literal), the part
    /// of an email after `@`. `None` for other kinds.
    pub fn domain_part(&self) -> Option<&str> {
        match self.kind {
            ObservableKind::Domain => Some(&self.value),
            ObservableKind::Email => self.value.rsplit_once('@').map(|(_, domain)| domain),
            ObservableKind::Url => match dns::url_host(&self.value) {
                Some((host, true)) => Some(host),
                _ => None,
            },
            _ => None,
        }
    }

    /// The IP address this observable names: an IPv4 or IPv6 observable, or
    /// a URL whose host is an IP literal. `None` for other kinds, CIDR
    /// prefixes included (see [`Observable::ip_net`]).
    pub fn ip_addr(&self) -> Option<IpAddr> {
        match self.kind {
            ObservableKind::Ipv4 | ObservableKind::Ipv6 => self.value.parse().ok(),
            ObservableKind::Url => match dns::url_host(&self.value)? {
                (_, true) => None,
                (host, false) => host
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse()
                    .ok(),
            },
            _ => None,
        }
    }

    /// The IP network this observable covers: a CIDR prefix, or an address
    /// as a /32 or /128. Useful for "is this address in that prefix"
    /// correlation.
    pub fn ip_net(&self) -> Option<IpNet> {
        net::ip_net_of(self.kind, &self.value)
    }

    /// The number of an AS number observable.
    pub fn asn(&self) -> Option<u32> {
        match self.kind {
            ObservableKind::Asn => self.value.get(2..)?.parse().ok(),
            _ => None,
        }
    }

    /// The text for people to read: domains, email domains and URL hosts in
    /// Unicode (U-label) form; other kinds as their canonical text. Never
    /// use it for matching: homoglyphs are exactly why the canonical form is
    /// ASCII.
    pub fn to_unicode(&self) -> String {
        match self.kind {
            ObservableKind::Domain => dns::domain_to_unicode(&self.value),
            ObservableKind::Email => match self.value.rsplit_once('@') {
                Some((local, domain)) => format!("{local}@{}", dns::domain_to_unicode(domain)),
                None => self.value.clone(),
            },
            ObservableKind::Url => dns::url_to_unicode(&self.value),
            _ => self.value.clone(),
        }
    }
}

impl fmt::Display for Observable {
    /// Writes the canonical text.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// Trims `raw` and checks it is neither empty nor too long and holds no
/// control characters. No kind allows those, and some parsers would silently
/// drop them (the `url` crate strips tabs and newlines anywhere), which
/// would hide what the submitter really sent.
fn checked_text(raw: &str) -> Result<&str, ErrorKind> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(ErrorKind::Empty);
    }
    if text.len() > Observable::MAX_INPUT_LEN {
        return Err(ErrorKind::TooLong {
            len: text.len(),
            max: Observable::MAX_INPUT_LEN,
        });
    }
    // Printable ASCII has no control character: only other text needs
    // decoding (C1 controls are not ASCII).
    if !text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        if let Some(c) = text.chars().find(|c| c.is_control()) {
            return Err(ErrorKind::ForbiddenChar(c));
        }
    }
    Ok(text)
}

/// Refangs `text`, noting it when something changed.
fn refang<'a>(text: &'a str, notes: &mut Notes) -> Cow<'a, str> {
    let refanged = defang::refang(text);
    if matches!(refanged, Cow::Owned(_)) {
        notes.push(Note::Refanged);
    }
    refanged
}

fn normalize(kind: ObservableKind, raw: &str, notes: &mut Notes) -> Result<Observable, ErrorKind> {
    let text = checked_text(raw)?;
    let text = if kind.may_be_defanged() {
        refang(text, notes)
    } else {
        Cow::Borrowed(text)
    };
    match kind {
        ObservableKind::Ipv4 => net::normalize_ip(&text, Family::V4, notes),
        ObservableKind::Ipv6 => net::normalize_ip(&text, Family::V6, notes),
        ObservableKind::Cidr => net::normalize_cidr(&text, notes),
        ObservableKind::Domain => dns::domain_observable(&text),
        ObservableKind::Url => dns::normalize_url(&text, notes),
        ObservableKind::Email => dns::normalize_email(&text),
        ObservableKind::Md5
        | ObservableKind::Sha1
        | ObservableKind::Sha256
        | ObservableKind::Sha512 => digest::normalize_hash(kind, &text),
        ObservableKind::Ssdeep => digest::normalize_ssdeep(&text),
        ObservableKind::Tlsh => digest::normalize_tlsh(&text, notes),
        ObservableKind::PhoneNumber => telecom::normalize_phone(&text, None),
        ObservableKind::SenderId => telecom::normalize_sender_id(&text),
        ObservableKind::Imei => telecom::normalize_imei(&text),
        ObservableKind::Asn => net::normalize_asn(&text),
        ObservableKind::Mac => net::normalize_mac(&text),
        ObservableKind::Cve => normalize_cve(&text),
    }
}

/// Normalizes a CVE id to `CVE-YYYY-NNNN...` in upper case.
fn normalize_cve(text: &str) -> Result<Observable, ErrorKind> {
    const SHAPE: &str = "expected CVE-YYYY-NNNN";
    let rest = net::strip_prefix_ignore_case(text, "cve-").ok_or(ErrorKind::Syntax(SHAPE))?;
    let (year, number) = rest.split_once('-').ok_or(ErrorKind::Syntax(SHAPE))?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if year.len() != 4 || !digits(year) || !(4..=19).contains(&number.len()) || !digits(number) {
        return Err(ErrorKind::Syntax(SHAPE));
    }
    Ok(Observable {
        kind: ObservableKind::Cve,
        value: format!("CVE-{year}-{number}"),
    })
}

/// Picks the kind whose shape the (refanged, trimmed) text has, or `None`.
fn detect(text: &str) -> Option<ObservableKind> {
    use ObservableKind as K;

    let lower_starts = |prefix: &str| net::strip_prefix_ignore_case(text, prefix).is_some();
    if text.contains("://") {
        return Some(K::Url);
    }
    if lower_starts("mailto:") {
        return Some(K::Email);
    }
    if text.starts_with('+') {
        return Some(K::PhoneNumber);
    }
    if looks_like_asn(text) {
        return Some(K::Asn);
    }
    if lower_starts("cve-") {
        return Some(K::Cve);
    }
    if text.contains('@') {
        return Some(K::Email);
    }
    if let Some((before, after)) = text.split_once('/') {
        let is_prefix_len = !after.is_empty() && after.bytes().all(|b| b.is_ascii_digit());
        if is_prefix_len && before.parse::<IpAddr>().is_ok() {
            return Some(K::Cidr);
        }
        return looks_like_host(before).then_some(K::Url);
    }
    match text.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => return Some(K::Ipv4),
        Ok(IpAddr::V6(_)) => return Some(K::Ipv6),
        Err(_) => {}
    }
    let unbracketed = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if unbracketed.parse::<std::net::Ipv6Addr>().is_ok()
        || unbracketed
            .split_once('%')
            .is_some_and(|(addr, _)| addr.parse::<std::net::Ipv6Addr>().is_ok())
    {
        return Some(K::Ipv6);
    }
    if text.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Some(kind) = digest::hash_kind_for_len(text.len()) {
            return Some(kind);
        }
        if text.len() == 70 {
            return Some(K::Tlsh);
        }
    }
    if text.len() == 72 && lower_starts("t1") && text[2..].bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(K::Tlsh);
    }
    if looks_like_ssdeep(text) {
        return Some(K::Ssdeep);
    }
    if looks_like_mac(text) {
        return Some(K::Mac);
    }
    // Text with a dot and no whitespace is most likely meant as a domain;
    // parsing it as one gives the most useful error when it is not valid.
    if text.contains('.') && !text.contains(char::is_whitespace) {
        return Some(K::Domain);
    }
    None
}

/// `AS64496`, `as 64496`, `ASN64496`, `AS1.10`: a prefix is required, since
/// bare digits could be anything.
fn looks_like_asn(text: &str) -> bool {
    let Some(rest) = net::strip_prefix_ignore_case(text, "asn")
        .or_else(|| net::strip_prefix_ignore_case(text, "as"))
    else {
        return false;
    };
    let rest = rest.trim_start();
    !rest.is_empty()
        && rest.bytes().next().is_some_and(|b| b.is_ascii_digit())
        && rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
}

/// Whether the text before a `/` is a host (optionally with a port), for
/// URLs written without a scheme.
fn looks_like_host(text: &str) -> bool {
    let host = match text.rsplit_once(':') {
        Some((host, port)) if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) => host,
        _ => text,
    };
    host.parse::<IpAddr>().is_ok() || dns::normalize_domain(host, 2).is_ok()
}

fn looks_like_ssdeep(text: &str) -> bool {
    let mut parts = text.split(':');
    matches!(
        (parts.next(), parts.next(), parts.next(), parts.next()),
        (Some(block), Some(_), Some(_), None)
            if !block.is_empty() && block.bytes().all(|b| b.is_ascii_digit())
    )
}

fn looks_like_mac(text: &str) -> bool {
    let groups: Vec<&str> = text.split([':', '-']).collect();
    groups.len() == 6
        && groups
            .iter()
            .all(|g| g.len() == 2 && g.bytes().all(|b| b.is_ascii_hexdigit()))
}
