//! Name-based observables: domains, URLs and email addresses.
//!
//! Every domain, wherever it appears (alone, as a URL host, after the `@` of
//! an email), goes through [`normalize_domain`]: UTS 46 mapping (which
//! lowercases), Punycode for non-ASCII labels, the trailing root dot removed,
//! then DNS length and label checks. So `BÜCHER.example.`,
//! `bücher.example` and `xn--bcher-kva.example` are one observable.
//!
//! Label checks follow what resolves in real DNS rather than the strict
//! hostname (LDH) rules, since an observable that was seen must be
//! recordable: `_` is allowed (`_dmarc`, some CDN names), and so are `-` at
//! the start or end of a label (old Blogspot names such as
//! `-foo-.blogspot.com`) and `--` in the third and fourth positions
//! (`r3---sn-abc`). Other ASCII punctuation, empty labels and over-long
//! labels or names are rejected.

use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
use url::{Host, Position, Url};

use super::{Note, Notes, Observable, ObservableKind};
use crate::error::ErrorKind;

/// The longest domain DNS can carry, in its dotted text form.
const MAX_DOMAIN_LEN: usize = 253;
/// The longest DNS label.
const MAX_LABEL_LEN: usize = 63;
/// RFC 5321's limit on the local part of a mailbox.
const MAX_LOCAL_PART_LEN: usize = 64;

/// Normalizes a domain to its ASCII (A-label) form. `min_labels` is 2 for
/// domain and email observables and 1 for URL hosts (`http://intranet/`).
pub(super) fn normalize_domain(text: &str, min_labels: usize) -> Result<String, ErrorKind> {
    if let Some(c) = text.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(ErrorKind::ForbiddenChar(c));
    }
    // UTS 46 maps the ideographic and fullwidth full stops to '.', so they
    // end a name as well.
    let text = text
        .strip_suffix(['.', '\u{3002}', '\u{ff0e}', '\u{ff61}'])
        .unwrap_or(text);
    if text.is_empty() {
        return Err(ErrorKind::Empty);
    }
    if is_plain_a_label_name(text) {
        check_labels(text, min_labels)?;
        return Ok(text.to_owned());
    }
    // The URL deny list rejects the characters that would end a host inside a
    // URL (`/`, `@`, `:`, ...); length and hyphen rules are checked below with
    // clearer messages than the IDNA crate's unit error.
    let ascii = Uts46::new()
        .to_ascii(
            text.as_bytes(),
            AsciiDenyList::URL,
            Hyphens::Allow,
            DnsLength::Ignore,
        )
        .map_err(|_| ErrorKind::Idna)?;
    check_labels(&ascii, min_labels)?;
    Ok(ascii.into_owned())
}

/// Whether UTS 46 leaves `text` as it is: lower-case ASCII letters, digits,
/// `-` and `_` in labels that are not empty, none of them Punycode
/// (`xn--`). Most names are; they need no trip through the IDNA tables.
fn is_plain_a_label_name(text: &str) -> bool {
    let b = text.as_bytes();
    !b.is_empty()
        && b[0] != b'.'
        && b[b.len() - 1] != b'.'
        && b.iter().all(|&c| {
            c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, b'-' | b'_' | b'.')
        })
        && !b.windows(2).any(|w| w == b"..")
        && !text.contains("xn--")
}

fn check_labels(ascii: &str, min_labels: usize) -> Result<(), ErrorKind> {
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err(ErrorKind::DomainTooLong);
    }
    let mut count = 0;
    let mut last = "";
    for label in ascii.split('.') {
        count += 1;
        last = label;
        if label.is_empty() {
            return Err(ErrorKind::EmptyLabel);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(ErrorKind::LabelTooLong(label.to_owned()));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(ErrorKind::LabelChar(label.to_owned()));
        }
    }
    if count < min_labels {
        return Err(ErrorKind::SingleLabel);
    }
    if count > 1 && last.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::NumericTld);
    }
    Ok(())
}

/// The Unicode (U-label) form of a normalized ASCII domain, for display.
pub(super) fn domain_to_unicode(ascii: &str) -> String {
    // The input passed `normalize_domain`, so conversion errors cannot occur;
    // were one to, the IDNA crate marks it with U+FFFD, which is fine for
    // display.
    idna::domain_to_unicode(ascii).0
}

pub(super) fn domain_observable(text: &str) -> Result<Observable, ErrorKind> {
    Ok(Observable {
        kind: ObservableKind::Domain,
        value: normalize_domain(text, 2)?,
    })
}

/// Normalizes a URL: parsed with the WHATWG rules of the `url` crate (scheme
/// and host lowercased, default port dropped, path percent-encoded), the host
/// put through [`normalize_domain`] (the `url` crate leaves hosts of
/// non-special schemes such as `smb://` alone), and the fragment removed,
/// since it never leaves the browser. Text without `scheme://` gets
/// `http://` (noted).
pub(super) fn normalize_url(text: &str, notes: &mut Notes) -> Result<Observable, ErrorKind> {
    let with_scheme;
    let text = if text.contains("://") || has_non_hierarchical_scheme(text) {
        text
    } else {
        notes.push(Note::SchemeAdded);
        with_scheme = format!("http://{text}");
        &with_scheme
    };
    let mut url = Url::parse(text).map_err(|e| ErrorKind::Url(e.to_string()))?;
    let host = match url.host() {
        Some(Host::Domain(host)) => Some(host.to_owned()),
        Some(Host::Ipv4(_) | Host::Ipv6(_)) => None,
        None => return Err(ErrorKind::UrlWithoutHost),
    };
    if let Some(host) = host {
        // Hosts of non-special schemes are "opaque" to the `url` crate: kept
        // as written, with non-ASCII percent-encoded. Decode them so that they
        // get the same IDNA treatment as the hosts of http and https.
        let decoded = if url.is_special() {
            None
        } else {
            percent_decode(&host)
        };
        let normalized = normalize_domain(decoded.as_deref().unwrap_or(&host), 1)?;
        if normalized != host {
            url.set_host(Some(&normalized))
                .map_err(|e| ErrorKind::Url(e.to_string()))?;
        }
    }
    if url.fragment().is_some() {
        url.set_fragment(None);
        notes.push(Note::FragmentRemoved);
    }
    Ok(Observable {
        kind: ObservableKind::Url,
        value: url.into(),
    })
}

/// Decodes `%XX` escapes, or returns `None` when there are none or they do
/// not decode to UTF-8 (the host is then normalized, and rejected, as it is).
fn percent_decode(text: &str) -> Option<String> {
    if !text.contains('%') {
        return None;
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = bytes
            .get(i + 1..i + 3)
            .filter(|hex| bytes[i] == b'%' && hex.iter().all(u8::is_ascii_hexdigit))
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Whether the text starts with a scheme followed by something other than a
/// port: `mailto:x@example.com` and `data:...` are URLs (that we reject for
/// having no host), but `example.com:8080/x` is a host and port without a
/// scheme.
fn has_non_hierarchical_scheme(text: &str) -> bool {
    let Some((scheme, rest)) = text.split_once(':') else {
        return false;
    };
    let is_scheme = scheme
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    is_scheme && !rest.starts_with(|c: char| c.is_ascii_digit())
}

/// The byte range of a canonical URL's host within its text, and whether the
/// host is a domain (as opposed to an IP literal).
pub(super) fn url_host(value: &str) -> Option<(&str, bool)> {
    if let Some(found) = special_url_host(value) {
        return Some(found);
    }
    let url = Url::parse(value).ok()?;
    let is_domain = url.domain().is_some();
    let start = url[..Position::BeforeHost].len();
    let end = url[..Position::AfterHost].len();
    Some((value.get(start..end)?, is_domain))
}

/// The host of a URL of a special scheme as [`normalize_url`] wrote it,
/// read from the text: correlation asks for the hosts of millions of
/// stored URLs, and parsing each again cost more than storing it. The
/// serializer's form makes this safe: the scheme ends with `://`, `@`, `/`,
/// `?` and `#` inside the userinfo are escaped, an IPv4 host is dotted
/// decimal and an IPv6 one is bracketed. `None` (other schemes) means "ask
/// the parser".
fn special_url_host(value: &str) -> Option<(&str, bool)> {
    let (scheme, rest) = value.split_once("://")?;
    if !matches!(scheme, "http" | "https" | "ftp" | "ws" | "wss") {
        return None;
    }
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.starts_with('[') {
        let close = host_port.find(']')?;
        return Some((&host_port[..=close], false));
    }
    let host = host_port.split_once(':').map_or(host_port, |(h, _)| h);
    if host.is_empty() {
        return None;
    }
    Some((host, host.parse::<std::net::Ipv4Addr>().is_err()))
}

/// The canonical URL with its host in Unicode form, for display.
pub(super) fn url_to_unicode(value: &str) -> String {
    let Ok(url) = Url::parse(value) else {
        return value.to_owned();
    };
    match url.domain() {
        Some(domain) if domain.contains("xn--") => format!(
            "{}{}{}",
            &url[..Position::BeforeHost],
            domain_to_unicode(domain),
            &url[Position::AfterHost..]
        ),
        _ => value.to_owned(),
    }
}

/// Normalizes an email address: an optional `mailto:` dropped, the local part
/// kept exactly as written (it is case-sensitive in principle, and providers
/// disagree on dots and `+tags`), the domain normalized as a domain.
pub(super) fn normalize_email(text: &str) -> Result<Observable, ErrorKind> {
    let text = super::net::strip_prefix_ignore_case(text, "mailto:").unwrap_or(text);
    let (local, domain) = text.rsplit_once('@').ok_or(ErrorKind::EmailShape)?;
    if local.is_empty() || domain.is_empty() {
        return Err(ErrorKind::EmailShape);
    }
    check_local_part(local)?;
    if domain.starts_with('[') {
        return Err(ErrorKind::Syntax(
            "address literals (user@[192.0.2.1]) are not supported",
        ));
    }
    let domain = normalize_domain(domain, 2)?;
    let mut value = String::with_capacity(local.len() + 1 + domain.len());
    value.push_str(local);
    value.push('@');
    value.push_str(&domain);
    Ok(Observable {
        kind: ObservableKind::Email,
        value,
    })
}

/// Checks a local part: a quoted string may hold any printable character;
/// otherwise RFC 5322 `atext`, dots and (RFC 6531) non-ASCII. Dot placement
/// (`a..b`, a trailing dot) is not checked: such addresses occur in spam and
/// phishing and are still worth correlating.
fn check_local_part(local: &str) -> Result<(), ErrorKind> {
    if local.len() > MAX_LOCAL_PART_LEN {
        return Err(ErrorKind::LocalPartTooLong);
    }
    let quoted = local.len() >= 2 && local.starts_with('"') && local.ends_with('"');
    let allowed = |c: char| {
        if quoted {
            !c.is_control()
        } else {
            c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c) || !c.is_ascii()
        }
    };
    match local
        .chars()
        .find(|&c| !allowed(c) || c.is_whitespace() && !quoted)
    {
        Some(c) => Err(ErrorKind::ForbiddenChar(c)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Note, Observable, ObservableKind};
    use ObservableKind::*;

    /// The names the IDNA tables are skipped for are the names UTS 46
    /// leaves unchanged.
    #[test]
    fn plain_names_are_what_uts46_leaves_unchanged() {
        use idna::uts46::{AsciiDenyList, DnsLength, Hyphens, Uts46};
        let alphabet = b"abxn-_.09Z";
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut plain = 0;
        for _ in 0..50_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = 1 + (state % 9) as usize;
            let name: String = (0..len)
                .map(|i| char::from(alphabet[(state >> (8 + 4 * i)) as usize % alphabet.len()]))
                .collect();
            if super::is_plain_a_label_name(&name) {
                plain += 1;
                let ascii = Uts46::new()
                    .to_ascii(
                        name.as_bytes(),
                        AsciiDenyList::URL,
                        Hyphens::Allow,
                        DnsLength::Ignore,
                    )
                    .expect(&name);
                assert_eq!(ascii, name.as_str());
            }
        }
        assert!(plain > 5_000, "{plain}");
        for name in [
            "xn--bcher-kva.example",
            "a..b",
            ".a",
            "a.",
            "A.example",
            "é.example",
        ] {
            assert!(!super::is_plain_a_label_name(name), "{name}");
        }
    }

    fn check(kind: ObservableKind, input: &str, expected: &str) {
        let obs = Observable::parse(kind, input)
            .unwrap_or_else(|e| panic!("parse({kind}, {input:?}) failed: {e}"));
        assert_eq!(obs.value(), expected, "parse({kind}, {input:?})");
        assert_eq!(obs.kind(), kind, "parse({kind}, {input:?})");
    }

    fn check_notes(kind: ObservableKind, input: &str, expected: &str, notes: &[Note]) {
        let (obs, got) = Observable::parse_with_notes(kind, input)
            .unwrap_or_else(|e| panic!("parse({kind}, {input:?}) failed: {e}"));
        assert_eq!(obs.value(), expected, "parse({kind}, {input:?})");
        assert_eq!(got, notes, "notes of parse({kind}, {input:?})");
    }

    fn check_err(kind: ObservableKind, input: &str, expected: &str) {
        match Observable::parse(kind, input) {
            Ok(obs) => panic!("parse({kind}, {input:?}) = {obs:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({kind}, {input:?})"),
        }
    }

    /// The host read from a stored URL's text is the one the URL parser
    /// finds, for every shape of authority the serializer writes.
    #[test]
    fn url_host_from_text_agrees_with_the_parser() {
        for raw in [
            "http://evil.example/login",
            "HTTPS://User:P%40ss@Evil.Example:8443/a/b?c=d#frag",
            "https://a@b@host.example/x",
            "http://198.51.100.7/x",
            "http://198.51.100.7:8080",
            "http://[2001:DB8::1]:81/p",
            "https://bücher.example?q=1",
            "ftp://files.example/pub/",
            "ws://chat.example:9000/socket",
            "http://0x7f.1/",
            "http://evil.example./path",
            "ssh://git.example/repo",
            "mailto:someone@example.com",
        ] {
            let Ok(o) = Observable::parse(Url, raw) else {
                continue;
            };
            let url = url::Url::parse(o.value()).expect("stored URLs parse");
            let by_parser = url
                .host_str()
                .map(|h| (h.to_owned(), url.domain().is_some()));
            let by_text = super::url_host(o.value()).map(|(h, d)| (h.to_owned(), d));
            assert_eq!(by_text, by_parser, "{raw} stored as {}", o.value());
            if let Some(fast) = super::special_url_host(o.value()) {
                assert_eq!(Some((fast.0.to_owned(), fast.1)), by_parser, "{raw}");
            }
            let ip = match url.host() {
                Some(url::Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
                Some(url::Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
                _ => None,
            };
            assert_eq!(o.ip_addr(), ip, "{raw}");
        }
    }

    #[test]
    fn domains() {
        check(Domain, "example.com", "example.com");
        check(Domain, "Example.COM.", "example.com");
        check(Domain, "BÜCHER.example", "xn--bcher-kva.example");
        check(Domain, "bücher.example", "xn--bcher-kva.example");
        check(Domain, "xn--bcher-kva.example", "xn--bcher-kva.example");
        check(Domain, "XN--BCHER-KVA.example", "xn--bcher-kva.example");
        check(Domain, "münchen.de", "xn--mnchen-3ya.de");
        check(Domain, "straße.de", "xn--strae-oqa.de");
        check(Domain, "пример.рф", "xn--e1afmkfd.xn--p1ai");
        check(Domain, "例え.テスト", "xn--r8jz45g.xn--zckzah");
        // The ideographic full stop is a dot under UTS 46.
        check(Domain, "example。com", "example.com");
        check(Domain, "_dmarc.example.com", "_dmarc.example.com");
        check(
            Domain,
            "r3---sn-abc.googlevideo.com",
            "r3---sn-abc.googlevideo.com",
        );
        check(Domain, "evil[.]example", "evil.example");
        check(Domain, "-foo-.blogspot.com", "-foo-.blogspot.com");
        check(Domain, "example.com\u{3002}", "example.com");
        check(Domain, "1.2.3.example", "1.2.3.example");
        check(
            Domain,
            &format!("{}.example", "a".repeat(63)),
            &format!("{}.example", "a".repeat(63)),
        );
    }

    #[test]
    fn domain_errors() {
        check_err(
            Domain,
            "example..com",
            r#"invalid domain "example..com": empty label"#,
        );
        check_err(
            Domain,
            ".example.com",
            r#"invalid domain ".example.com": empty label"#,
        );
        check_err(
            Domain,
            "example.com..",
            r#"invalid domain "example.com..": empty label"#,
        );
        check_err(
            Domain,
            "localhost",
            r#"invalid domain "localhost": needs at least two labels"#,
        );
        check_err(
            Domain,
            "a*b.example",
            r#"invalid domain "a*b.example": label "a*b" has characters other than a-z, 0-9, '-', '_'"#,
        );
        check_err(
            Domain,
            "exa mple.com",
            r#"invalid domain "exa mple.com": character ' ' is not allowed"#,
        );
        check_err(
            Domain,
            "example.com/path",
            r#"invalid domain "example.com/path": IDNA (UTS 46) processing failed"#,
        );
        check_err(
            Domain,
            "192.0.2.1",
            r#"invalid domain "192.0.2.1": the last label is all digits"#,
        );
        check_err(
            Domain,
            "xn--zz.example",
            r#"invalid domain "xn--zz.example": IDNA (UTS 46) processing failed"#,
        );
        let long_label = format!("{}.example", "a".repeat(64));
        check_err(
            Domain,
            &long_label,
            &format!(
                r#"invalid domain "{long_label}": label "{}" is longer than 63 characters"#,
                "a".repeat(64)
            ),
        );
        let long_domain = ["abcdefghi"; 26].join(".");
        check_err(
            Domain,
            &long_domain,
            &format!(
                r#"invalid domain "{}…": longer than 253 characters"#,
                &long_domain[..80]
            ),
        );
    }

    #[test]
    fn domain_unicode_form() {
        let obs = Observable::parse(Domain, "BÜCHER.example").expect("valid");
        assert_eq!(obs.to_unicode(), "bücher.example");
        assert_eq!(obs.domain_part(), Some("xn--bcher-kva.example"));
    }

    #[test]
    fn urls() {
        check(Url, "http://example.com/", "http://example.com/");
        check(Url, "HTTP://Example.COM", "http://example.com/");
        check(
            Url,
            "https://example.com:443/a?b=c",
            "https://example.com/a?b=c",
        );
        check(
            Url,
            "http://example.com:8080/a",
            "http://example.com:8080/a",
        );
        check(Url, "http://example.com/a#section", "http://example.com/a");
        check(
            Url,
            "http://BÜCHER.example/Pfad",
            "http://xn--bcher-kva.example/Pfad",
        );
        check(Url, "http://example.com./x", "http://example.com/x");
        check(Url, "http://example.com/a b", "http://example.com/a%20b");
        check(
            Url,
            "http://user:pw@example.com/",
            "http://user:pw@example.com/",
        );
        check(Url, "http://192.0.2.1/x", "http://192.0.2.1/x");
        check(Url, "http://[2001:DB8::1]:80/x", "http://[2001:db8::1]/x");
        check(Url, "http://intranet/login", "http://intranet/login");
        // Hosts of non-special schemes are normalized by us, not by `url`.
        check(
            Url,
            "smb://FileServer.Example/share",
            "smb://fileserver.example/share",
        );
        check(
            Url,
            "smb://Bücher.example/share",
            "smb://xn--bcher-kva.example/share",
        );
        check(Url, "ftp://files.example:21/a", "ftp://files.example/a");
    }

    #[test]
    fn defanged_urls() {
        let refanged = [Note::Refanged];
        check_notes(
            Url,
            "hxxp://evil[.]example/login",
            "http://evil.example/login",
            &refanged,
        );
        check_notes(
            Url,
            "hxxps[:]//evil(.)example/x",
            "https://evil.example/x",
            &refanged,
        );
        check_notes(
            Url,
            "HXXPS[://]evil[dot]example",
            "https://evil.example/",
            &refanged,
        );
        check_notes(
            Url,
            "fxp://files[.]example/a",
            "ftp://files.example/a",
            &refanged,
        );
        check_notes(
            Url,
            "hxxp://evil[.]example/#frag",
            "http://evil.example/",
            &[Note::Refanged, Note::FragmentRemoved],
        );
    }

    #[test]
    fn urls_without_scheme() {
        check_notes(
            Url,
            "www.example.com/login",
            "http://www.example.com/login",
            &[Note::SchemeAdded],
        );
        check_notes(
            Url,
            "example.com:8080/x",
            "http://example.com:8080/x",
            &[Note::SchemeAdded],
        );
    }

    #[test]
    fn url_errors() {
        check_err(
            Url,
            "mailto:user@example.com",
            r#"invalid URL "mailto:user@example.com": URL has no host"#,
        );
        check_err(
            Url,
            "file:///etc/passwd",
            r#"invalid URL "file:///etc/passwd": URL has no host"#,
        );
        check_err(Url, "http://", r#"invalid URL "http://": empty host"#);
        check_err(
            Url,
            "http://exa mple.com/",
            r#"invalid URL "http://exa mple.com/": invalid international domain name"#,
        );
        check_err(
            Url,
            "http://example..com/",
            r#"invalid URL "http://example..com/": empty label"#,
        );
        check_err(
            Url,
            "http://example.com:99999/",
            r#"invalid URL "http://example.com:99999/": invalid port number"#,
        );
    }

    #[test]
    fn url_accessors() {
        let obs = Observable::parse(Url, "http://user@BÜCHER.example:8080/x").expect("valid");
        assert_eq!(obs.value(), "http://user@xn--bcher-kva.example:8080/x");
        assert_eq!(obs.domain_part(), Some("xn--bcher-kva.example"));
        assert_eq!(obs.to_unicode(), "http://user@bücher.example:8080/x");
        assert_eq!(obs.ip_addr(), None);
        let obs = Observable::parse(Url, "http://[2001:db8::1]/x").expect("valid");
        assert_eq!(obs.domain_part(), None);
        assert_eq!(
            obs.ip_addr().map(|a| a.to_string()).as_deref(),
            Some("2001:db8::1")
        );
    }

    #[test]
    fn emails() {
        check(Email, "user@example.com", "user@example.com");
        check(
            Email,
            "User.Name+tag@Example.COM",
            "User.Name+tag@example.com",
        );
        check(Email, "user@BÜCHER.example", "user@xn--bcher-kva.example");
        check(Email, "mailto:user@example.com", "user@example.com");
        check(Email, "user[at]evil[.]example", "user@evil.example");
        check(
            Email,
            "\"john doe\"@example.com",
            "\"john doe\"@example.com",
        );
        check(Email, "jörg@example.com", "jörg@example.com");
        let obs = Observable::parse(Email, "jörg@BÜCHER.example").expect("valid");
        assert_eq!(obs.domain_part(), Some("xn--bcher-kva.example"));
        assert_eq!(obs.to_unicode(), "jörg@bücher.example");
    }

    #[test]
    fn email_errors() {
        check_err(
            Email,
            "user.example.com",
            r#"invalid email address "user.example.com": expected local-part@domain"#,
        );
        check_err(
            Email,
            "@example.com",
            r#"invalid email address "@example.com": expected local-part@domain"#,
        );
        check_err(
            Email,
            "user@",
            r#"invalid email address "user@": expected local-part@domain"#,
        );
        check_err(
            Email,
            "us er@example.com",
            r#"invalid email address "us er@example.com": character ' ' is not allowed"#,
        );
        check_err(
            Email,
            "a@b@example.com",
            r#"invalid email address "a@b@example.com": character '@' is not allowed"#,
        );
        check_err(
            Email,
            "user@localhost",
            r#"invalid email address "user@localhost": needs at least two labels"#,
        );
        check_err(
            Email,
            "user@[192.0.2.1]",
            r#"invalid email address "user@[192.0.2.1]": address literals (user@[192.0.2.1]) are not supported"#,
        );
        let long = format!("{}@example.com", "a".repeat(65));
        check_err(
            Email,
            &long,
            &format!(r#"invalid email address "{long}": local part is longer than 64 octets"#),
        );
    }
}
