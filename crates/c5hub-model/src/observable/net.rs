//! Network observables: IP addresses, CIDR prefixes, AS numbers and MAC
//! addresses.
//!
//! IP text is canonical as printed by the standard library (RFC 5952 for
//! IPv6: lowercase, longest zero run compressed). IPv4-mapped IPv6 addresses
//! (`::ffff:192.0.2.1`) name IPv4 hosts and become IPv4 observables, so the
//! same host correlates whichever way a sensor wrote it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::{Note, Notes, Observable, ObservableKind};
use crate::error::ErrorKind;

/// Which IP family a parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    /// Either family.
    Any,
    /// IPv4 only (IPv4-mapped IPv6 text included).
    V4,
    /// IPv6 only (IPv4-mapped addresses included, which become IPv4).
    V6,
}

/// Parses an IP address of the given family. The text has been refanged.
pub(super) fn normalize_ip(
    text: &str,
    family: Family,
    notes: &mut Notes,
) -> Result<Observable, ErrorKind> {
    let addr = parse_ip(text).map_err(|kind| match (kind, family) {
        (ErrorKind::Syntax(_), Family::V4) => ErrorKind::WrongIpFamily { expected: 4 },
        (ErrorKind::Syntax(_), Family::V6) => ErrorKind::WrongIpFamily { expected: 6 },
        (kind, _) => kind,
    })?;
    match addr {
        // A mapped address is valid IPv6 text that names an IPv4 host, so it
        // is accepted whichever family was asked for.
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some() => {
            notes.push(Note::Ipv4Mapped);
            let v4 = v6.to_ipv4_mapped().expect("checked by the guard");
            Ok(address_observable(IpAddr::V4(v4)))
        }
        // Plain IPv4 text where IPv6 was asked for (or the reverse) is a
        // labelling mistake at the source and is reported.
        IpAddr::V4(_) if family == Family::V6 => Err(ErrorKind::WrongIpFamily { expected: 6 }),
        IpAddr::V6(_) if family == Family::V4 => Err(ErrorKind::WrongIpFamily { expected: 4 }),
        addr => Ok(address_observable(addr)),
    }
}

/// Parses address text, accepting IPv6 in brackets (`[2001:db8::1]`).
fn parse_ip(text: &str) -> Result<IpAddr, ErrorKind> {
    let text = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if let Some((addr, _zone)) = text.split_once('%') {
        if addr.parse::<Ipv6Addr>().is_ok() {
            return Err(ErrorKind::ZoneId);
        }
    }
    text.parse::<IpAddr>()
        .map_err(|_| ErrorKind::Syntax("not an IP address"))
}

fn address_observable(addr: IpAddr) -> Observable {
    let kind = match addr {
        IpAddr::V4(_) => ObservableKind::Ipv4,
        IpAddr::V6(_) => ObservableKind::Ipv6,
    };
    let value = match addr {
        IpAddr::V4(v4) => ipv4_text(v4),
        IpAddr::V6(v6) => v6.to_string(),
    };
    Observable { kind, value }
}

/// Dotted-quad text, as `Ipv4Addr`'s `Display` writes it, without the
/// formatter's padding machinery (an import writes one per address).
fn ipv4_text(addr: Ipv4Addr) -> String {
    let mut out = String::with_capacity(15);
    for (i, octet) in addr.octets().into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        if octet >= 100 {
            out.push(char::from(b'0' + octet / 100));
        }
        if octet >= 10 {
            out.push(char::from(b'0' + octet / 10 % 10));
        }
        out.push(char::from(b'0' + octet % 10));
    }
    out
}

/// Parses a CIDR prefix. Host bits are cleared (noted), a full-length prefix
/// becomes a plain address (noted), and text without `/` is taken as a
/// single address.
pub(super) fn normalize_cidr(text: &str, notes: &mut Notes) -> Result<Observable, ErrorKind> {
    let Some((addr, len)) = text.split_once('/') else {
        return normalize_ip(text, Family::Any, notes);
    };
    let addr = parse_ip(addr)?;
    if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::Syntax("prefix length is not a number"));
    }
    let len: u8 = len.parse().map_err(|_| ErrorKind::PrefixLength)?;
    let net = IpNet::new(addr, len).map_err(|_| ErrorKind::PrefixLength)?;
    let net = match net {
        IpNet::V6(v6) => match v6.addr().to_ipv4_mapped() {
            Some(v4) if v6.prefix_len() >= 96 => {
                notes.push(Note::Ipv4Mapped);
                let v4 = Ipv4Net::new(v4, v6.prefix_len() - 96)
                    .expect("a prefix of 96..=128 minus 96 is within 0..=32");
                IpNet::V4(v4)
            }
            _ => IpNet::V6(v6),
        },
        v4 => v4,
    };
    let masked = net.trunc();
    if masked != net {
        notes.push(Note::HostBitsCleared);
    }
    if masked.prefix_len() == masked.max_prefix_len() {
        notes.push(Note::PrefixIsAddress);
        return Ok(address_observable(masked.addr()));
    }
    Ok(Observable {
        kind: ObservableKind::Cidr,
        value: masked.to_string(),
    })
}

/// Parses an AS number: `64496`, `AS64496`, `as 64496`, `ASN64496`, or the
/// asdot form `AS1.10` (= 65546). Canonical text is `AS` and the decimal
/// number.
pub(super) fn normalize_asn(text: &str) -> Result<Observable, ErrorKind> {
    let digits = strip_prefix_ignore_case(text, "asn")
        .or_else(|| strip_prefix_ignore_case(text, "as"))
        .unwrap_or(text)
        .trim_start();
    if digits.is_empty() {
        return Err(ErrorKind::Syntax("expected an AS number"));
    }
    let number = match digits.split_once('.') {
        Some((high, low)) => {
            let high = asdot_half(high)?;
            let low = asdot_half(low)?;
            u64::from(high) << 16 | u64::from(low)
        }
        None => decimal(digits)?,
    };
    let number = u32::try_from(number).map_err(|_| ErrorKind::AsnRange)?;
    Ok(Observable {
        kind: ObservableKind::Asn,
        value: format!("AS{number}"),
    })
}

fn asdot_half(text: &str) -> Result<u16, ErrorKind> {
    let value = decimal(text)?;
    u16::try_from(value).map_err(|_| ErrorKind::AsnRange)
}

/// Parses ASCII decimal digits only (no sign), saturating to "out of range".
fn decimal(text: &str) -> Result<u64, ErrorKind> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::Syntax("expected an AS number"));
    }
    text.parse::<u64>().map_err(|_| ErrorKind::AsnRange)
}

pub(super) fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// Parses an EUI-48 MAC address written `aa:bb:cc:dd:ee:ff`,
/// `aa-bb-cc-dd-ee-ff`, `aabb.ccdd.eeff` or `aabbccddeeff`. Canonical text is
/// lowercase with colons.
pub(super) fn normalize_mac(text: &str) -> Result<Observable, ErrorKind> {
    const SHAPE: &str = "expected six hex octets such as 00:00:5e:00:53:01";
    let hex: String = if text.contains([':', '-']) {
        let groups: Vec<&str> = text.split([':', '-']).collect();
        if groups.len() != 6 || groups.iter().any(|g| g.len() != 2) {
            return Err(ErrorKind::Syntax(SHAPE));
        }
        groups.concat()
    } else if text.contains('.') {
        let groups: Vec<&str> = text.split('.').collect();
        if groups.len() != 3 || groups.iter().any(|g| g.len() != 4) {
            return Err(ErrorKind::Syntax(SHAPE));
        }
        groups.concat()
    } else {
        text.to_owned()
    };
    if hex.len() != 12 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ErrorKind::Syntax(SHAPE));
    }
    let hex = hex.to_ascii_lowercase();
    let mut value = String::with_capacity(17);
    for (i, pair) in hex.as_bytes().chunks(2).enumerate() {
        if i > 0 {
            value.push(':');
        }
        value.extend(pair.iter().map(|&b| char::from(b)));
    }
    Ok(Observable {
        kind: ObservableKind::Mac,
        value,
    })
}

/// The IP network an observable's canonical value names, if any.
pub(super) fn ip_net_of(kind: ObservableKind, value: &str) -> Option<IpNet> {
    match kind {
        ObservableKind::Ipv4 => value
            .parse::<Ipv4Addr>()
            .ok()
            .map(|a| IpNet::V4(Ipv4Net::from(a))),
        ObservableKind::Ipv6 => value
            .parse::<Ipv6Addr>()
            .ok()
            .map(|a| IpNet::V6(Ipv6Net::from(a))),
        ObservableKind::Cidr => value.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Note, Observable, ObservableKind};
    use ObservableKind::*;

    /// Parses `input` as `kind` and compares "kind value" and the notes.
    fn check(kind: ObservableKind, input: &str, expected: &str, notes: &[Note]) {
        let (obs, got_notes) = Observable::parse_with_notes(kind, input)
            .unwrap_or_else(|e| panic!("parse({kind}, {input:?}) failed: {e}"));
        assert_eq!(
            format!("{} {}", obs.kind(), obs.value()),
            expected,
            "parse({kind}, {input:?})"
        );
        assert_eq!(got_notes, notes, "notes of parse({kind}, {input:?})");
    }

    #[test]
    fn ipv4_text_is_display() {
        let mut x: u32 = 0x9e37_79b9;
        for octets in [[0, 0, 0, 0], [255, 255, 255, 255], [9, 10, 99, 100]] {
            let a = std::net::Ipv4Addr::from(octets);
            assert_eq!(super::ipv4_text(a), a.to_string());
        }
        for _ in 0..10_000 {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            let a = std::net::Ipv4Addr::from(x);
            assert_eq!(super::ipv4_text(a), a.to_string());
        }
    }

    fn check_err(kind: ObservableKind, input: &str, expected: &str) {
        match Observable::parse(kind, input) {
            Ok(obs) => panic!("parse({kind}, {input:?}) = {obs:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({kind}, {input:?})"),
        }
    }

    #[test]
    fn ipv4() {
        check(Ipv4, "192.0.2.1", "ipv4 192.0.2.1", &[]);
        check(Ipv4, "  192.0.2.1\n", "ipv4 192.0.2.1", &[]);
        check(Ipv4, "192.0.2[.]1", "ipv4 192.0.2.1", &[Note::Refanged]);
        check(
            Ipv4,
            "::ffff:192.0.2.1",
            "ipv4 192.0.2.1",
            &[Note::Ipv4Mapped],
        );
        check(
            Ipv4,
            "::FFFF:c000:0201",
            "ipv4 192.0.2.1",
            &[Note::Ipv4Mapped],
        );
    }

    #[test]
    fn ipv4_errors() {
        check_err(
            Ipv4,
            "192.0.2.256",
            r#"invalid IPv4 address "192.0.2.256": not an IPv4 address"#,
        );
        check_err(
            Ipv4,
            "192.0.2",
            r#"invalid IPv4 address "192.0.2": not an IPv4 address"#,
        );
        // Leading zeros are octal to some parsers and decimal to others.
        check_err(
            Ipv4,
            "192.0.02.1",
            r#"invalid IPv4 address "192.0.02.1": not an IPv4 address"#,
        );
        check_err(
            Ipv4,
            "2001:db8::1",
            r#"invalid IPv4 address "2001:db8::1": not an IPv4 address"#,
        );
        check_err(Ipv4, "", r#"invalid IPv4 address "": empty"#);
    }

    #[test]
    fn ipv6() {
        check(Ipv6, "2001:db8::1", "ipv6 2001:db8::1", &[]);
        check(
            Ipv6,
            "2001:0DB8:0000:0000:0000:0000:0000:0001",
            "ipv6 2001:db8::1",
            &[],
        );
        check(Ipv6, "2001:db8:0:0:1:0:0:1", "ipv6 2001:db8::1:0:0:1", &[]);
        check(
            Ipv6,
            "2001:db8:0:1:1:1:1:1",
            "ipv6 2001:db8:0:1:1:1:1:1",
            &[],
        );
        check(Ipv6, "[2001:db8::1]", "ipv6 2001:db8::1", &[]);
        check(Ipv6, "0:0:0:0:0:0:0:0", "ipv6 ::", &[]);
        check(
            Ipv6,
            "::ffff:192.0.2.1",
            "ipv4 192.0.2.1",
            &[Note::Ipv4Mapped],
        );
        check(
            Ipv6,
            "2001[:]db8[:][:]1",
            "ipv6 2001:db8::1",
            &[Note::Refanged],
        );
    }

    #[test]
    fn ipv6_errors() {
        check_err(
            Ipv6,
            "fe80::1%eth0",
            r#"invalid IPv6 address "fe80::1%eth0": zone ids (%...) are not allowed"#,
        );
        check_err(
            Ipv6,
            "192.0.2.1",
            r#"invalid IPv6 address "192.0.2.1": not an IPv6 address"#,
        );
        check_err(
            Ipv6,
            "2001:db8:::1",
            r#"invalid IPv6 address "2001:db8:::1": not an IPv6 address"#,
        );
    }

    #[test]
    fn cidr() {
        check(Cidr, "10.0.0.0/8", "cidr 10.0.0.0/8", &[]);
        check(
            Cidr,
            "10.1.2.3/8",
            "cidr 10.0.0.0/8",
            &[Note::HostBitsCleared],
        );
        check(
            Cidr,
            "192.0.2.1/32",
            "ipv4 192.0.2.1",
            &[Note::PrefixIsAddress],
        );
        check(Cidr, "192.0.2.1", "ipv4 192.0.2.1", &[]);
        check(Cidr, "0.0.0.0/0", "cidr 0.0.0.0/0", &[]);
        check(Cidr, "2001:DB8::/32", "cidr 2001:db8::/32", &[]);
        check(
            Cidr,
            "2001:db8::1/64",
            "cidr 2001:db8::/64",
            &[Note::HostBitsCleared],
        );
        check(
            Cidr,
            "2001:db8::1/128",
            "ipv6 2001:db8::1",
            &[Note::PrefixIsAddress],
        );
        check(
            Cidr,
            "::ffff:10.1.0.0/112",
            "cidr 10.1.0.0/16",
            &[Note::Ipv4Mapped],
        );
        check(Cidr, "10.0.0[.]0/8", "cidr 10.0.0.0/8", &[Note::Refanged]);
    }

    #[test]
    fn cidr_errors() {
        check_err(
            Cidr,
            "10.0.0.0/33",
            r#"invalid CIDR prefix "10.0.0.0/33": prefix length out of range"#,
        );
        check_err(
            Cidr,
            "2001:db8::/129",
            r#"invalid CIDR prefix "2001:db8::/129": prefix length out of range"#,
        );
        check_err(
            Cidr,
            "10.0.0.0/+8",
            r#"invalid CIDR prefix "10.0.0.0/+8": prefix length is not a number"#,
        );
        check_err(
            Cidr,
            "10.0.0/8",
            r#"invalid CIDR prefix "10.0.0/8": not an IP address"#,
        );
        check_err(
            Cidr,
            "fe80::%1/64",
            r#"invalid CIDR prefix "fe80::%1/64": zone ids (%...) are not allowed"#,
        );
    }

    #[test]
    fn asn() {
        for input in [
            "64496",
            "AS64496",
            "as 64496",
            "ASN64496",
            "asn 64496",
            "As064496",
        ] {
            check(Asn, input, "asn AS64496", &[]);
        }
        check(Asn, "AS1.10", "asn AS65546", &[]);
        check(Asn, "4294967295", "asn AS4294967295", &[]);
        check(Asn, "AS0", "asn AS0", &[]);
    }

    #[test]
    fn asn_errors() {
        check_err(
            Asn,
            "AS4294967296",
            r#"invalid AS number "AS4294967296": AS number above 4294967295"#,
        );
        check_err(
            Asn,
            "AS99999999999999999999999",
            r#"invalid AS number "AS99999999999999999999999": AS number above 4294967295"#,
        );
        check_err(
            Asn,
            "AS",
            r#"invalid AS number "AS": expected an AS number"#,
        );
        check_err(
            Asn,
            "AS-1",
            r#"invalid AS number "AS-1": expected an AS number"#,
        );
        check_err(
            Asn,
            "AS65536.1",
            r#"invalid AS number "AS65536.1": AS number above 4294967295"#,
        );
    }

    #[test]
    fn mac() {
        for input in [
            "00:00:5E:00:53:01",
            "00-00-5e-00-53-01",
            "0000.5e00.5301",
            "00005E005301",
        ] {
            check(Mac, input, "mac 00:00:5e:00:53:01", &[]);
        }
        check_err(
            Mac,
            "00:00:5e:00:53",
            r#"invalid MAC address "00:00:5e:00:53": expected six hex octets such as 00:00:5e:00:53:01"#,
        );
        check_err(
            Mac,
            "00:00:5e:00:53:0g",
            r#"invalid MAC address "00:00:5e:00:53:0g": expected six hex octets such as 00:00:5e:00:53:01"#,
        );
    }

    #[test]
    fn parse_ip_takes_either_family() {
        let v4 = Observable::parse_ip("192.0.2.1").expect("valid");
        assert_eq!(v4.kind(), Ipv4);
        let v6 = Observable::parse_ip("2001:db8::1").expect("valid");
        assert_eq!(v6.kind(), Ipv6);
        let err = Observable::parse_ip("10.0.0.0/8").expect_err("a prefix is no address");
        assert_eq!(
            err.to_string(),
            r#"invalid IP address "10.0.0.0/8": not an IP address"#
        );
    }

    #[test]
    fn ip_accessors() {
        let obs = Observable::parse(Cidr, "10.1.2.3/8").expect("valid");
        assert_eq!(
            obs.ip_net().map(|n| n.to_string()).as_deref(),
            Some("10.0.0.0/8")
        );
        assert_eq!(obs.ip_addr(), None);
        let obs = Observable::parse(Ipv6, "2001:db8::1").expect("valid");
        assert_eq!(
            obs.ip_net().map(|n| n.to_string()).as_deref(),
            Some("2001:db8::1/128")
        );
        assert_eq!(
            obs.ip_addr().map(|a| a.to_string()).as_deref(),
            Some("2001:db8::1")
        );
        let obs = Observable::parse(Asn, "AS64496").expect("valid");
        assert_eq!(obs.asn(), Some(64496));
        assert_eq!(obs.ip_net(), None);
    }
}
