//! Correlation keys and the warning list.
//!
//! The index is one row per distinct normalised value (`observables`) and
//! one posting per (value, incident, role): it grows linearly with what is
//! stored, never with the number of matching pairs. Three derived keys make
//! the non-exact matches index lookups too: `ip_lo`/`ip_hi` (16 bytes, big
//! endian, IPv4 as IPv4-mapped IPv6, so a byte comparison is an address
//! comparison) for containment both ways, and `domain` (the host of a URL,
//! the domain of an email address, the domain itself, its labels reversed:
//! see [`domain_key`]) for domain and sub-domain matches.

use std::net::IpAddr;

use c5hub_model::{Observable, ObservableKind};
use ipnet::IpNet;

/// The range a value covers, as 16-byte keys.
pub(crate) fn ip_range(o: &Observable) -> Option<([u8; 16], [u8; 16])> {
    if let Some(ip) = o.ip_addr() {
        let k = key(ip);
        return Some((k, k));
    }
    let net = o.ip_net()?;
    Some((key(net.network()), key(net.broadcast())))
}

pub(crate) fn key(ip: IpAddr) -> [u8; 16] {
    match ip {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

/// IP family of a value: 4 or 6.
pub(crate) fn family(ip: IpAddr) -> i64 {
    if ip.is_ipv4() { 4 } else { 6 }
}

/// The prefix of `ip` with length `len`, as c5hub writes a CIDR value.
pub(crate) fn prefix_of(ip: IpAddr, len: u8) -> Option<String> {
    let net = IpNet::new(ip, len).ok()?.trunc();
    Some(net.to_string())
}

/// The host a value names: host of a URL, domain of an email, the domain
/// itself; lower case, without a final dot.
pub(crate) fn host(o: &Observable) -> Option<String> {
    match o.kind() {
        ObservableKind::Domain | ObservableKind::Url | ObservableKind::Email => o
            .domain_part()
            .map(|d| d.trim_end_matches('.').to_ascii_lowercase()),
        _ => None,
    }
}

/// The domain key of a value: its [`host`]'s labels in reverse order,
/// each followed by a dot (`secure-login.bank-verify.test` is
/// `test.bank-verify.secure-login.`). A domain's sub-domains have keys
/// that start with its own, so the domain and all of them are one range
/// of an index, from its key up to [`domain_range_end`]. The range is
/// bytewise: SQLite compares text so, and PostgreSQL's `domain` columns
/// have collation "C" (migration 15).
pub(crate) fn domain_key(o: &Observable) -> Option<String> {
    host(o).map(|h| reversed_labels(&h))
}

/// `a.b.c` as `c.b.a.`.
pub(crate) fn reversed_labels(host: &str) -> String {
    let mut key = String::with_capacity(host.len() + 1);
    for label in host.rsplit('.') {
        key.push_str(label);
        key.push('.');
    }
    key
}

/// The first key after every key in the range of domain key `key`: its
/// final dot made the next byte, `/`.
pub(crate) fn domain_range_end(key: &str) -> String {
    let mut end = key.strip_suffix('.').unwrap_or(key).to_owned();
    end.push('/');
    end
}

/// Values that must never correlate: they appear in unrelated incidents all
/// the time (private and documentation ranges, public resolvers, the largest
/// mail and web providers), so linking on them would only make noise.
#[derive(Clone, Debug, Default)]
pub struct WarningList {
    nets: Vec<(IpNet, String)>,
    domains: Vec<(String, String)>,
}

impl WarningList {
    /// An empty list: everything correlates.
    pub fn empty() -> WarningList {
        WarningList::default()
    }

    /// The built-in list (see the module docs for what and why).
    pub fn builtin() -> WarningList {
        let mut w = WarningList::default();
        for (net, why) in [
            ("0.0.0.0/8", "this-network (RFC 1122)"),
            ("10.0.0.0/8", "private range (RFC 1918)"),
            ("172.16.0.0/12", "private range (RFC 1918)"),
            ("192.168.0.0/16", "private range (RFC 1918)"),
            ("100.64.0.0/10", "carrier-grade NAT (RFC 6598)"),
            ("127.0.0.0/8", "loopback"),
            ("169.254.0.0/16", "link-local"),
            ("192.0.2.0/24", "documentation range (RFC 5737)"),
            ("198.51.100.0/24", "documentation range (RFC 5737)"),
            ("203.0.113.0/24", "documentation range (RFC 5737)"),
            ("224.0.0.0/4", "multicast"),
            ("255.255.255.255/32", "broadcast"),
            ("::1/128", "loopback"),
            ("fc00::/7", "unique local (RFC 4193)"),
            ("fe80::/10", "link-local"),
            ("2001:db8::/32", "documentation range (RFC 3849)"),
            ("8.8.8.8/32", "public resolver (Google)"),
            ("8.8.4.4/32", "public resolver (Google)"),
            ("1.1.1.1/32", "public resolver (Cloudflare)"),
            ("1.0.0.1/32", "public resolver (Cloudflare)"),
            ("9.9.9.9/32", "public resolver (Quad9)"),
            ("149.112.112.112/32", "public resolver (Quad9)"),
            ("208.67.222.222/32", "public resolver (OpenDNS)"),
            ("208.67.220.220/32", "public resolver (OpenDNS)"),
            ("2001:4860:4860::8888/128", "public resolver (Google)"),
            ("2001:4860:4860::8844/128", "public resolver (Google)"),
            ("2606:4700:4700::1111/128", "public resolver (Cloudflare)"),
            ("2620:fe::fe/128", "public resolver (Quad9)"),
        ] {
            if let Ok(n) = net.parse() {
                w.nets.push((n, why.to_owned()));
            }
        }
        for d in [
            "google.com",
            "gmail.com",
            "googleapis.com",
            "youtube.com",
            "facebook.com",
            "microsoft.com",
            "outlook.com",
            "hotmail.com",
            "live.com",
            "office.com",
            "apple.com",
            "icloud.com",
            "amazon.com",
            "amazonaws.com",
            "yahoo.com",
            "cloudflare.com",
            "akamai.net",
            "wikipedia.org",
            "whatsapp.com",
            "example.com",
            "example.net",
            "example.org",
            "localhost",
        ] {
            w.domains
                .push((d.to_owned(), "very common domain".to_owned()));
        }
        w
    }

    /// Reads a list: one entry a line, a CIDR, an address or a domain,
    /// optionally followed by `#` and a reason.
    pub fn parse(text: &str) -> Result<WarningList, String> {
        let mut w = WarningList::default();
        for (i, line) in text.lines().enumerate() {
            let (entry, why) = match line.split_once('#') {
                Some((e, w)) => (e.trim(), w.trim()),
                None => (line.trim(), ""),
            };
            if entry.is_empty() {
                continue;
            }
            let why = if why.is_empty() {
                "warning list".to_owned()
            } else {
                why.to_owned()
            };
            if let Ok(net) = entry.parse::<IpNet>() {
                w.nets.push((net.trunc(), why));
            } else if let Ok(ip) = entry.parse::<IpAddr>() {
                w.nets.push((IpNet::from(ip), why));
            } else if entry.contains('.') && !entry.contains(['/', ' ', '@']) {
                w.domains
                    .push((entry.trim_end_matches('.').to_ascii_lowercase(), why));
            } else {
                return Err(format!(
                    "line {}: {entry:?} is neither an address, a prefix nor a domain",
                    i + 1
                ));
            }
        }
        Ok(w)
    }

    /// Why a value must not correlate, if it must not.
    pub fn reason(&self, o: &Observable) -> Option<&str> {
        if let Some(ip) = o.ip_addr() {
            let ip = canonical(ip);
            return self
                .nets
                .iter()
                .find(|(n, _)| n.contains(&ip))
                .map(|(_, w)| w.as_str());
        }
        if let Some(net) = o.ip_net() {
            return self
                .nets
                .iter()
                .find(|(n, _)| n.contains(&net))
                .map(|(_, w)| w.as_str());
        }
        let d = host(o)?;
        self.domains
            .iter()
            .find(|(w, _)| d == *w || d.strip_suffix(w.as_str()).is_some_and(|p| p.ends_with('.')))
            .map(|(_, w)| w.as_str())
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// The IP address a 16-byte key stands for.
#[cfg(test)]
pub(crate) fn from_key(k: [u8; 16]) -> IpAddr {
    canonical(IpAddr::V6(std::net::Ipv6Addr::from(k)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(s: &str) -> Observable {
        Observable::guess(s).expect("valid observable")
    }

    #[test]
    fn a_domain_and_its_sub_domains_are_one_range() {
        let key = domain_key(&obs("Bank-Verify.test.")).expect("domain");
        assert_eq!(key, "test.bank-verify.");
        let end = domain_range_end(&key);
        let inside = |v: &str| {
            let k = domain_key(&obs(v)).expect("has a host");
            k >= key && k < end
        };
        assert!(inside("bank-verify.test"));
        assert!(inside("secure-login.bank-verify.test"));
        assert!(inside("https://a.b.secure-login.bank-verify.test/login"));
        assert!(inside("clerk@mail.bank-verify.test"));
        // Neither a parent, nor a name that only ends the same way.
        let parent = reversed_labels("test");
        assert!(parent < key);
        assert!(!inside("evilbank-verify.test"));
        assert!(!inside("bank-verify.testing"));
        assert!(!inside("bank-verify-x.test"));
    }

    #[test]
    fn keys_order_addresses() {
        let (a, _) = ip_range(&obs("10.0.0.1")).expect("ip");
        let (b, _) = ip_range(&obs("10.0.0.2")).expect("ip");
        assert!(a < b);
        let (lo, hi) = ip_range(&obs("10.0.0.0/8")).expect("net");
        assert!(lo <= a && a <= hi);
        assert_eq!(from_key(a), "10.0.0.1".parse::<IpAddr>().expect("ip"));
    }

    #[test]
    fn builtin_warning_list() {
        let w = WarningList::builtin();
        for (v, hit) in [
            ("10.1.2.3", true),
            ("192.0.2.7", true),
            ("8.8.8.8", true),
            ("10.0.0.0/16", true),
            ("203.0.112.9", false),
            ("mail.google.com", true),
            ("notgoogle.com", false),
            ("phish.example.com", true),
            ("bad.example", false),
        ] {
            assert_eq!(w.reason(&obs(v)).is_some(), hit, "{v}");
        }
    }

    #[test]
    fn warning_list_file() {
        let w =
            WarningList::parse("# mine\n203.0.113.0/24 # lab\nintranet.example\n").expect("parses");
        assert_eq!(w.reason(&obs("203.0.113.5")), Some("lab"));
        assert!(w.reason(&obs("host.intranet.example")).is_some());
        assert!(WarningList::parse("not an entry").is_err());
    }
}
