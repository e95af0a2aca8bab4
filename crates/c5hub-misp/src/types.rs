//! MISP attribute types c5hub normalises, and how: the table
//! `README.md` documents. A type not listed here is kept verbatim in the
//! event (the incident's original document) and becomes no observable.

use c5hub_model::{Error, Observable, ObservableKind, ObservableRole};

/// One `|`-separated part of an attribute's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// An IPv4 or IPv6 address, or a prefix (`10.0.0.0/8`).
    Ip,
    /// A value of this kind ([`Observable::parse`]).
    Kind(ObservableKind),
    /// An autonomous system: `AS64496` or the bare number MISP writes.
    Asn,
    /// A part c5hub does not normalise (a port, a file name).
    Ignored,
}

/// A MISP attribute type c5hub reads observables from.
#[derive(Clone, Copy, Debug)]
pub struct AttributeType {
    /// The MISP type (`ip-src|port`).
    pub name: &'static str,
    /// Its value's parts, split at `|`.
    pub parts: &'static [Part],
    /// The role of every observable it gives.
    pub role: ObservableRole,
}

use ObservableKind as K;
use ObservableRole as R;
use Part::{Asn, Ignored, Ip, Kind};

const fn t(name: &'static str, parts: &'static [Part], role: ObservableRole) -> AttributeType {
    AttributeType { name, parts, role }
}

/// Every type c5hub normalises.
pub static TYPES: &[AttributeType] = &[
    t("ip-src", &[Ip], R::Source),
    t("ip-dst", &[Ip], R::Target),
    t("ip-src|port", &[Ip, Ignored], R::Source),
    t("ip-dst|port", &[Ip, Ignored], R::Target),
    t("domain", &[Kind(K::Domain)], R::Indicator),
    t("hostname", &[Kind(K::Domain)], R::Indicator),
    t("domain|ip", &[Kind(K::Domain), Ip], R::Indicator),
    t("hostname|port", &[Kind(K::Domain), Ignored], R::Indicator),
    t("url", &[Kind(K::Url)], R::Url),
    t("email", &[Kind(K::Email)], R::Indicator),
    t("email-src", &[Kind(K::Email)], R::Sender),
    t("email-dst", &[Kind(K::Email)], R::Recipient),
    t("email-reply-to", &[Kind(K::Email)], R::Sender),
    t("whois-registrant-email", &[Kind(K::Email)], R::Indicator),
    t("md5", &[Kind(K::Md5)], R::Indicator),
    t("sha1", &[Kind(K::Sha1)], R::Indicator),
    t("sha256", &[Kind(K::Sha256)], R::Indicator),
    t("sha512", &[Kind(K::Sha512)], R::Indicator),
    t("ssdeep", &[Kind(K::Ssdeep)], R::Indicator),
    t("tlsh", &[Kind(K::Tlsh)], R::Indicator),
    t("filename|md5", &[Ignored, Kind(K::Md5)], R::Indicator),
    t("filename|sha1", &[Ignored, Kind(K::Sha1)], R::Indicator),
    t("filename|sha256", &[Ignored, Kind(K::Sha256)], R::Indicator),
    t("filename|sha512", &[Ignored, Kind(K::Sha512)], R::Indicator),
    t("filename|ssdeep", &[Ignored, Kind(K::Ssdeep)], R::Indicator),
    t("filename|tlsh", &[Ignored, Kind(K::Tlsh)], R::Indicator),
    t("malware-sample", &[Ignored, Kind(K::Md5)], R::Indicator),
    t("AS", &[Asn], R::Indicator),
    t("phone-number", &[Kind(K::PhoneNumber)], R::Unknown),
    t(
        "whois-registrant-phone",
        &[Kind(K::PhoneNumber)],
        R::Indicator,
    ),
    t("mac-address", &[Kind(K::Mac)], R::Indicator),
    t("vulnerability", &[Kind(K::Cve)], R::Indicator),
];

/// The type of this name, when c5hub normalises it (names compare exactly,
/// as MISP's do).
pub fn get(name: &str) -> Option<&'static AttributeType> {
    // Length and first byte rule out most names before they are compared.
    let first = name.as_bytes().first();
    TYPES.iter().find(|t| {
        t.name.len() == name.len() && t.name.as_bytes().first() == first && t.name == name
    })
}

/// One part of a value, normalised; `None` for an ignored part.
pub fn parse_part(part: Part, raw: &str) -> Option<Result<Observable, Error>> {
    let raw = raw.trim();
    Some(match part {
        Ignored => return None,
        Ip if raw.contains('/') => Observable::parse(K::Cidr, raw),
        Ip => Observable::parse_ip(raw),
        Asn if !raw.is_empty() && raw.bytes().all(|b| b.is_ascii_digit()) => {
            Observable::parse(K::Asn, &format!("AS{raw}"))
        }
        Asn => Observable::parse(K::Asn, raw),
        Kind(k) => Observable::parse(k, raw),
    })
}

/// The MISP type and category an observable is exported as, by kind and
/// role, and the value MISP writes for it.
pub fn export_type(o: &Observable, role: ObservableRole) -> (&'static str, &'static str, String) {
    let value = o.value().to_owned();
    match o.kind() {
        K::Ipv4 | K::Ipv6 | K::Cidr if role == R::Source => ("ip-src", "Network activity", value),
        K::Ipv4 | K::Ipv6 | K::Cidr => ("ip-dst", "Network activity", value),
        K::Domain => ("domain", "Network activity", value),
        K::Url => ("url", "Network activity", value),
        K::Email if role == R::Sender => ("email-src", "Payload delivery", value),
        K::Email if role == R::Recipient => ("email-dst", "Payload delivery", value),
        K::Email => ("email", "Network activity", value),
        K::Md5 => ("md5", "Payload delivery", value),
        K::Sha1 => ("sha1", "Payload delivery", value),
        K::Sha256 => ("sha256", "Payload delivery", value),
        K::Sha512 => ("sha512", "Payload delivery", value),
        K::Ssdeep => ("ssdeep", "Payload delivery", value),
        K::Tlsh => ("tlsh", "Payload delivery", value),
        K::PhoneNumber => ("phone-number", "Person", value),
        K::Asn => (
            "AS",
            "Network activity",
            o.asn().map_or(value, |n| n.to_string()),
        ),
        K::Mac => ("mac-address", "Network activity", value),
        K::Cve => ("vulnerability", "External analysis", value),
        // MISP has no type for these: text, with the kind in the comment.
        K::SenderId | K::Imei => ("text", "Other", value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_exports_to_a_type_that_reads_back_except_text() {
        for kind in ObservableKind::ALL {
            let sample = match kind {
                K::Ipv4 => "192.0.2.1",
                K::Ipv6 => "2001:db8::1",
                K::Cidr => "10.0.0.0/8",
                K::Domain => "evil.example",
                K::Url => "http://evil.example/x",
                K::Email => "a@evil.example",
                K::Md5 => "d41d8cd98f00b204e9800998ecf8427e",
                K::Sha1 => "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                K::Sha256 => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                K::Sha512 => &"ab".repeat(64),
                K::Ssdeep => "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
                K::Tlsh => {
                    "T1A4F0A4E3C04C1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6"
                }
                K::PhoneNumber => "+442079460958",
                K::SenderId => "PayPal",
                K::Imei => "490154203237518",
                K::Asn => "AS64496",
                K::Mac => "00:00:5e:00:53:01",
                K::Cve => "CVE-2021-44228",
            };
            let o = Observable::parse(kind, sample).expect(sample);
            let (ty, _, value) = export_type(&o, R::Source);
            match get(ty) {
                Some(t) => {
                    let back = parse_part(t.parts[0], &value).expect("a part").expect(ty);
                    assert_eq!(back, o, "{ty}");
                }
                None => assert_eq!(ty, "text", "{kind:?}"),
            }
        }
    }
}
