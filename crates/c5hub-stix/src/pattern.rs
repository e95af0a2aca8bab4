//! STIX patterns: a stand-in until the full grammar (the i17-pattern
//! branch) replaces this file. It reads the patterns c5hub writes and
//! their kin — one observation expression of `=` comparisons joined by
//! `AND`/`OR` — and refuses the rest, which callers keep verbatim.

use c5hub_model::{Observable, ObservableKind};

/// A parsed pattern: its comparisons `object-type:path = value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// `(object type, property path, value)` of each equality comparison.
    pub comparisons: Vec<(String, String, String)>,
}

/// Why a pattern was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatternError {
    /// Byte offset in the pattern.
    pub at: usize,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for PatternError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "at byte {}: {}", self.at, self.message)
    }
}

impl std::error::Error for PatternError {}

struct Scanner<'a> {
    s: &'a str,
    at: usize,
}

impl Scanner<'_> {
    fn err<T>(&self, message: &str) -> Result<T, PatternError> {
        Err(PatternError {
            at: self.at,
            message: message.to_owned(),
        })
    }

    fn skip_ws(&mut self) {
        while self.s[self.at..].starts_with(|c: char| c.is_whitespace()) {
            self.at += 1;
        }
    }

    fn eat(&mut self, t: &str) -> bool {
        self.skip_ws();
        if self.s[self.at..].starts_with(t) {
            self.at += t.len();
            true
        } else {
            false
        }
    }

    fn word(&mut self) -> &str {
        self.skip_ws();
        let start = self.at;
        let rest = &self.s[start..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)))
            .unwrap_or(rest.len());
        self.at += len;
        &self.s[start..self.at]
    }

    fn path(&mut self) -> Result<String, PatternError> {
        let mut out = String::new();
        loop {
            self.skip_ws();
            if self.s[self.at..].starts_with('\'') {
                out.push_str(&self.string()?);
            } else {
                let w = self.word().to_owned();
                if w.is_empty() {
                    return self.err("expected a property name");
                }
                out.push_str(&w);
                if w.ends_with('.') {
                    continue;
                }
            }
            if self.s[self.at..].starts_with('.') {
                self.at += 1;
                out.push('.');
            } else {
                return Ok(out);
            }
        }
    }

    fn string(&mut self) -> Result<String, PatternError> {
        self.skip_ws();
        if !self.s[self.at..].starts_with('\'') {
            return self.err("expected a quoted string");
        }
        self.at += 1;
        let mut out = String::new();
        let mut chars = self.s[self.at..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => match chars.next() {
                    Some((_, e @ ('\\' | '\''))) => out.push(e),
                    _ => {
                        self.at += i;
                        return self.err("bad escape in string");
                    }
                },
                '\'' => {
                    self.at += i + 1;
                    return Ok(out);
                }
                c => out.push(c),
            }
        }
        self.at = self.s.len();
        self.err("unterminated string")
    }
}

/// Reads a pattern.
pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    let mut s = Scanner { s: pattern, at: 0 };
    if !s.eat("[") {
        return s.err("expected '['");
    }
    let mut comparisons = Vec::new();
    loop {
        let type_ = s.word().to_owned();
        if type_.is_empty() || !s.eat(":") {
            return s.err("expected object-type:property");
        }
        let path = s.path()?;
        if !s.eat("=") {
            return s.err("only '=' comparisons are read");
        }
        s.skip_ws();
        let value = if s.s[s.at..].starts_with('\'') {
            s.string()?
        } else {
            let w = s.word().to_owned();
            if w.is_empty() || !w.chars().all(|c| c.is_ascii_digit()) {
                return s.err("expected a string or an integer");
            }
            w
        };
        comparisons.push((type_, path, value));
        if s.eat("]") {
            break;
        }
        if !(s.eat("AND") || s.eat("OR")) {
            return s.err("expected AND, OR or ']'");
        }
    }
    s.skip_ws();
    if s.at != pattern.len() {
        return s.err("expected the end of the pattern");
    }
    Ok(Pattern { comparisons })
}

/// The observables a pattern names, each comparison c5hub can normalise.
pub fn observables(p: &Pattern) -> Vec<Observable> {
    p.comparisons
        .iter()
        .filter_map(|(t, path, v)| {
            let kind = match (t.as_str(), path.as_str()) {
                ("ipv4-addr" | "ipv6-addr", "value") => {
                    return Observable::parse_ip(v)
                        .or_else(|_| Observable::parse(ObservableKind::Cidr, v))
                        .ok();
                }
                ("domain-name", "value") => ObservableKind::Domain,
                ("url", "value") => ObservableKind::Url,
                ("email-addr", "value") => ObservableKind::Email,
                ("mac-addr", "value") => ObservableKind::Mac,
                ("autonomous-system", "number") => ObservableKind::Asn,
                ("x-c5hub-phone-number", "value") => ObservableKind::PhoneNumber,
                ("x-c5hub-sender-id", "value") => ObservableKind::SenderId,
                ("x-c5hub-imei", "value") => ObservableKind::Imei,
                ("file", h) => match h.to_ascii_uppercase().as_str() {
                    "HASHES.MD5" => ObservableKind::Md5,
                    "HASHES.SHA-1" | "HASHES.SHA1" => ObservableKind::Sha1,
                    "HASHES.SHA-256" | "HASHES.SHA256" => ObservableKind::Sha256,
                    "HASHES.SHA-512" | "HASHES.SHA512" => ObservableKind::Sha512,
                    "HASHES.SSDEEP" => ObservableKind::Ssdeep,
                    "HASHES.TLSH" => ObservableKind::Tlsh,
                    _ => return None,
                },
                _ => return None,
            };
            Observable::parse(kind, v).ok()
        })
        .collect()
}

/// The pattern of one observable (`[ipv4-addr:value = '192.0.2.1']`), or
/// `None` for a kind no SCO holds (a CVE is a vulnerability, not an
/// observation).
pub fn for_observable(o: &Observable) -> Option<String> {
    let (type_, path) = sco_path(o)?;
    if o.kind() == ObservableKind::Asn {
        return Some(format!("[{type_}:{path} = {}]", o.asn()?));
    }
    let v = o.value().replace('\\', "\\\\").replace('\'', "\\'");
    Some(format!("[{type_}:{path} = '{v}']"))
}

/// The SCO type and property path holding an observable of this kind.
fn sco_path(o: &Observable) -> Option<(&'static str, &'static str)> {
    Some(match o.kind() {
        ObservableKind::Ipv4 => ("ipv4-addr", "value"),
        ObservableKind::Ipv6 => ("ipv6-addr", "value"),
        ObservableKind::Cidr => match o.ip_net()? {
            ipnet::IpNet::V4(_) => ("ipv4-addr", "value"),
            ipnet::IpNet::V6(_) => ("ipv6-addr", "value"),
        },
        ObservableKind::Domain => ("domain-name", "value"),
        ObservableKind::Url => ("url", "value"),
        ObservableKind::Email => ("email-addr", "value"),
        ObservableKind::Md5 => ("file", "hashes.MD5"),
        ObservableKind::Sha1 => ("file", "hashes.'SHA-1'"),
        ObservableKind::Sha256 => ("file", "hashes.'SHA-256'"),
        ObservableKind::Sha512 => ("file", "hashes.'SHA-512'"),
        ObservableKind::Ssdeep => ("file", "hashes.SSDEEP"),
        ObservableKind::Tlsh => ("file", "hashes.TLSH"),
        ObservableKind::PhoneNumber => ("x-c5hub-phone-number", "value"),
        ObservableKind::SenderId => ("x-c5hub-sender-id", "value"),
        ObservableKind::Imei => ("x-c5hub-imei", "value"),
        ObservableKind::Asn => ("autonomous-system", "number"),
        ObservableKind::Mac => ("mac-addr", "value"),
        ObservableKind::Cve => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_patterns_read_back() {
        for (k, v) in [
            (ObservableKind::Ipv4, "192.0.2.1"),
            (ObservableKind::Cidr, "2001:db8::/32"),
            (ObservableKind::Url, "http://evil.example/it's"),
            (ObservableKind::Sha256, &"ab".repeat(32)),
            (ObservableKind::Asn, "AS64496"),
        ] {
            let o = Observable::parse(k, v).expect("valid");
            let p = for_observable(&o).expect("has a pattern");
            let back = observables(&parse(&p).expect(&p));
            assert_eq!(back, vec![o], "{p}");
        }
    }

    #[test]
    fn bad_patterns_say_where() {
        let e = parse("[ipv4-addr:value = '1.2.3.4'").expect_err("unclosed");
        assert!(e.message.contains("AND, OR"), "{e}");
        assert!(parse("[file:size > 5]").is_err());
    }
}
