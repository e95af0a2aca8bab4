//! Validation of a document tree against RFC 7970: every violation, each
//! with the path of the element or attribute and a message for a person.
//!
//! It checks what the XSD says (cardinality, order, choices, enumerations,
//! lexical types, fixed values) and the constraints RFC 7970 states in prose
//! (an `ext-value` needs its `ext-*` attribute and vice versa, IDs are unique
//! and references resolve, a Node has an Address or a DomainData, the version
//! is present). It never stops at the first problem.

use std::collections::HashMap;

use crate::diagnostic::{Rule, Violation};
use crate::schema::{Class, Content, Target, ValueType};
use crate::tree::{Document, Element, Node};
use crate::xml::push_index;

/// Checks a whole document and appends what is wrong to `out`.
pub(crate) fn validate(doc: &Document, out: &mut Vec<Violation>) {
    let mut v = Validator {
        out,
        ids: HashMap::new(),
        refs: Vec::new(),
    };
    let mut path = String::from("/IODEF-Document");
    if doc.root.attr("version").is_none() {
        v.out.push(Violation::new(
            format!("{path}/@version"),
            Rule::MissingAttribute,
            "IODEF-Document requires the attribute version=\"2.00\"",
        ));
    }
    v.element(&doc.root, &mut path);
    let Validator { out, ids, refs, .. } = v;
    for (value, path) in refs {
        if !ids.contains_key(&value) {
            out.push(Violation::new(
                path,
                Rule::DanglingRef,
                format!(
                    "reference {value:?} names no observable-id or IndicatorID in this document"
                ),
            ));
        }
    }
}

struct Validator<'o> {
    out: &'o mut Vec<Violation>,
    /// Every xs:ID value with the path where it first appears.
    ids: HashMap<String, String>,
    /// Every xs:IDREF value with its path.
    refs: Vec<(String, String)>,
}

impl Validator<'_> {
    fn element(&mut self, el: &Element, path: &mut String) {
        self.attributes(el, path);
        let def = el.class.def();
        match def.content {
            Content::Text(ty) => {
                let text = el.text.as_deref().unwrap_or("");
                self.value(ty, text, || path.clone(), || def.name.to_owned());
            }
            Content::Elements | Content::Empty | Content::Mixed => {}
        }
        self.children(el, path);
    }

    fn attributes(&mut self, el: &Element, path: &str) {
        let def = el.class.def();
        for a in def.attrs {
            let value = el.attr(a.xml);
            let apath = || format!("{path}/@{}", a.xml);
            let Some(value) = value else {
                if a.required {
                    self.out.push(Violation::new(
                        apath(),
                        Rule::MissingAttribute,
                        format!("{} requires the attribute {}", def.name, a.xml),
                    ));
                }
                continue;
            };
            if let Some(fixed) = a.fixed {
                if value != fixed {
                    let rule = if el.class == Class::IodefDocument && a.xml == "version" {
                        Rule::Version
                    } else {
                        Rule::Fixed
                    };
                    self.out.push(Violation::new(
                        apath(),
                        rule,
                        format!("{} must be {fixed:?}, found {value:?}", a.xml),
                    ));
                }
            }
            self.value(a.ty, value, apath, || format!("attribute {}", a.xml));
            if let ValueType::Enum(e) = a.ty {
                if e.is_extensible() {
                    let ext = format!("ext-{}", a.xml);
                    let has_ext = el.attr(&ext).is_some();
                    if value == "ext-value" && !has_ext && def.attr_by_xml(&ext).is_some() {
                        self.out.push(Violation::new(
                            apath(),
                            Rule::ExtValueMissing,
                            format!(
                                "{}=\"ext-value\" requires the attribute {ext} to say which value",
                                a.xml
                            ),
                        ));
                    }
                    if has_ext && value != "ext-value" {
                        self.out.push(Violation::new(
                            format!("{path}/@{ext}"),
                            Rule::ExtValueMismatch,
                            format!(
                                "{ext} is only allowed when {}=\"ext-value\", but {} is {value:?}",
                                a.xml, a.xml
                            ),
                        ));
                    }
                }
            }
        }
        // The XSD's xs:key on IndicatorReference: exactly one of uid-ref and
        // euid-ref.
        if el.class == Class::IndicatorReference {
            let n = el.attr("uid-ref").is_some() as u8 + el.attr("euid-ref").is_some() as u8;
            if n != 1 {
                self.out.push(Violation::new(
                    path,
                    Rule::Choice,
                    format!(
                        "IndicatorReference needs exactly one of uid-ref and euid-ref, found {n}"
                    ),
                ));
            }
        }
        // An ext-* attribute whose base attribute is absent (and has no
        // default of ext-value) is a mismatch as well.
        for a in def.attrs {
            if let Some(base) = a.xml.strip_prefix("ext-") {
                if el.attr(a.xml).is_some()
                    && el.attr(base).is_none()
                    && def.attr_by_xml(base).is_some()
                {
                    self.out.push(Violation::new(
                        format!("{path}/@{}", a.xml),
                        Rule::ExtValueMismatch,
                        format!(
                            "{} is only allowed when {base}=\"ext-value\", but {base} is absent",
                            a.xml
                        ),
                    ));
                }
            }
        }
    }

    /// Checks a value; the path and the subject are only spelled out when
    /// something is wrong (or an ID must be remembered), since building them
    /// for every value would cost more than the check.
    fn value(
        &mut self,
        ty: ValueType,
        value: &str,
        path: impl Fn() -> String,
        what: impl Fn() -> String,
    ) {
        if let Err((rule, msg)) = check_value(ty, value) {
            self.out
                .push(Violation::new(path(), rule, format!("{}: {msg}", what())));
            return;
        }
        match ty {
            ValueType::Id => {
                if let Some(first) = self.ids.get(value) {
                    let first = first.clone();
                    self.out.push(Violation::new(
                        path(),
                        Rule::DuplicateId,
                        format!("ID {value:?} is already used at {first}"),
                    ));
                } else {
                    self.ids.insert(value.to_owned(), path());
                }
            }
            ValueType::IdRef => self.refs.push((value.to_owned(), path())),
            _ => {}
        }
    }

    fn children(&mut self, el: &Element, path: &mut String) {
        let def = el.class.def();
        let mut counts = vec![0u32; def.children.len()];
        let mut last_seq: Option<(u16, &'static str)> = None;
        let mut names: Vec<(Class, usize)> = Vec::new();
        for child in &el.children {
            let Node::Element(c) = child else { continue };
            let n = match names.iter_mut().find(|(k, _)| *k == c.class) {
                Some((_, n)) => {
                    *n += 1;
                    *n - 1
                }
                None => {
                    names.push((c.class, 1));
                    0
                }
            };
            let len = path.len();
            path.push('/');
            path.push_str(c.class.name());
            push_index(path, n);
            if let Some(slot) = def.slot_of_class(c.class) {
                counts[slot] += 1;
                let sd = &def.children[slot];
                if let Some(max) = sd.max {
                    if counts[slot] == max + 1 {
                        self.out.push(Violation::new(
                            path.clone(),
                            Rule::TooMany,
                            format!("{} may contain at most {max} {}", def.name, c.class.name()),
                        ));
                    }
                }
                if !def.unordered {
                    if let Some((seq, prev)) = last_seq {
                        if sd.seq < seq {
                            self.out.push(Violation::new(
                                path.clone(),
                                Rule::Order,
                                format!(
                                    "{} must come before {prev} in {}",
                                    c.class.name(),
                                    def.name
                                ),
                            ));
                        }
                    }
                    if last_seq.is_none_or(|(s, _)| sd.seq >= s) {
                        last_seq = Some((sd.seq, c.class.name()));
                    }
                }
            }
            self.element(c, path);
            path.truncate(len);
        }
        // Foreign slots (xmldsig) count too.
        for child in &el.children {
            if let Node::Foreign(f) = child {
                if let Some(slot) = def.slot_of_foreign(&f.ns, &f.name) {
                    counts[slot] += 1;
                }
            }
        }
        for (slot, sd) in def.children.iter().enumerate() {
            if sd.group.is_none() && counts[slot] < sd.min {
                let name = slot_name(sd.target);
                self.out.push(Violation::new(
                    path.clone(),
                    Rule::MissingElement,
                    format!("{} requires {} {name}", def.name, at_least(sd.min)),
                ));
            }
        }
        for (g, gd) in def.groups.iter().enumerate() {
            let members: Vec<usize> = def
                .children
                .iter()
                .enumerate()
                .filter(|(_, c)| c.group == Some(g as u16))
                .map(|(i, _)| i)
                .collect();
            let total: u32 = members.iter().map(|&i| counts[i]).sum();
            let kinds = members.iter().filter(|&&i| counts[i] > 0).count();
            let names: Vec<&str> = members
                .iter()
                .map(|&i| slot_name(def.children[i].target))
                .collect();
            if total == 0 && gd.min_present > 0 {
                let rule = if el.class == Class::Node {
                    Rule::NodeAddress
                } else {
                    Rule::Choice
                };
                self.out.push(Violation::new(
                    path.clone(),
                    rule,
                    format!("{} requires one of {}", def.name, names.join(", ")),
                ));
            }
            if let Some(max) = gd.max_kinds {
                if kinds > max as usize {
                    let present: Vec<&str> = members
                        .iter()
                        .filter(|&&i| counts[i] > 0)
                        .map(|&i| slot_name(def.children[i].target))
                        .collect();
                    self.out.push(Violation::new(
                        path.clone(),
                        Rule::Choice,
                        format!(
                            "{} may contain only one of {}, found {}",
                            def.name,
                            names.join(", "),
                            present.join(" and ")
                        ),
                    ));
                }
            }
        }
    }
}

fn slot_name(t: Target) -> &'static str {
    match t {
        Target::Class(c) => c.name(),
        Target::Foreign { name, .. } => name,
    }
}

fn at_least(n: u32) -> String {
    if n == 1 {
        "a".to_owned()
    } else {
        format!("at least {n}")
    }
}

/// Checks a value against its lexical type.
pub(crate) fn check_value(ty: ValueType, v: &str) -> Result<(), (Rule, String)> {
    let t = v.trim();
    let bad = |rule, what: &str| Err((rule, format!("{v:?} is not {what}")));
    match ty {
        ValueType::String => Ok(()),
        ValueType::Enum(e) => {
            if e.contains(v) {
                Ok(())
            } else {
                Err((
                    Rule::Enum,
                    format!("{v:?} is not one of {}", e.values.join(", ")),
                ))
            }
        }
        ValueType::Id | ValueType::IdRef => {
            if is_ncname(t) {
                Ok(())
            } else {
                bad(
                    Rule::Id,
                    "an XML name (letter or _, then letters, digits, . - _)",
                )
            }
        }
        ValueType::Integer => {
            let d = t.strip_prefix(['+', '-']).unwrap_or(t);
            if !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()) {
                Ok(())
            } else {
                bad(Rule::Integer, "an integer")
            }
        }
        ValueType::Float => {
            if is_float(t) {
                Ok(())
            } else {
                bad(Rule::Float, "a number")
            }
        }
        ValueType::PositiveFloat => {
            if !is_float(t) {
                return bad(Rule::PositiveFloat, "a number");
            }
            match t.parse::<f64>() {
                Ok(x) if x > 0.0 => Ok(()),
                _ => bad(Rule::PositiveFloat, "a number above zero"),
            }
        }
        ValueType::DateTime => parse_datetime(t).map(|_| ()).map_err(|why| {
            (
                Rule::DateTime,
                format!("{v:?} is not a date-time ({why}); expected e.g. 2026-01-31T23:59:59Z"),
            )
        }),
        ValueType::Url => {
            check_uri(t).map_err(|why| (Rule::Url, format!("{v:?} is not a URI: {why}")))
        }
        ValueType::Portlist => {
            let ok = !t.is_empty()
                && t.split(',').all(|r| {
                    let mut it = r.splitn(2, '-');
                    it.all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                });
            if ok {
                Ok(())
            } else {
                bad(Rule::Portlist, "a port list such as 22,80-81")
            }
        }
        ValueType::Timezone => {
            if is_timezone(t) {
                Ok(())
            } else {
                bad(Rule::Timezone, "a UTC offset such as Z or +03:00")
            }
        }
        ValueType::Lang => {
            let ok = t.is_empty()
                || t.split('-').enumerate().all(|(i, p)| {
                    (1..=8).contains(&p.len())
                        && if i == 0 {
                            p.bytes().all(|b| b.is_ascii_alphabetic())
                        } else {
                            p.bytes().all(|b| b.is_ascii_alphanumeric())
                        }
                });
            if ok {
                Ok(())
            } else {
                bad(Rule::Lang, "a language tag such as en or fr-CA")
            }
        }
    }
}

/// The RFC 3986 syntax checks an `xs:anyURI` validator makes: no spaces or
/// control characters, one fragment at most, closed IP literals, and
/// well-formed percent escapes.
fn check_uri(s: &str) -> Result<(), &'static str> {
    if s.chars().any(|c| c.is_control() || c == ' ') {
        return Err("it holds spaces or control characters");
    }
    if s.matches('#').count() > 1 {
        return Err("it has more than one '#'");
    }
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        if c == b'%'
            && !(b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit))
        {
            return Err("'%' is not followed by two hex digits");
        }
    }
    if let Some(rest) = s.split_once("//").map(|(_, r)| r) {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.starts_with('[') != host.contains(']')
            || (host.starts_with('[') && !host[1..].contains(']'))
        {
            return Err("its IP literal is not closed with ']'");
        }
    }
    Ok(())
}

fn is_ncname(s: &str) -> bool {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if c == '_' || c.is_alphabetic() => {}
        _ => return false,
    }
    chars.all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.') || c == '\u{B7}')
}

fn is_float(s: &str) -> bool {
    if matches!(s, "INF" | "-INF" | "+INF" | "NaN") {
        return true;
    }
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut digits = 0;
    while i < b.len() && b[i].is_ascii_digit() {
        i += 1;
        digits += 1;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
            digits += 1;
        }
    }
    if digits == 0 {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i == start {
            return false;
        }
    }
    i == b.len()
}

fn is_timezone(s: &str) -> bool {
    if s == "Z" {
        return true;
    }
    let b = s.as_bytes();
    b.len() == 6
        && (b[0] == b'+' || b[0] == b'-')
        && b[1].is_ascii_digit()
        && b[2].is_ascii_digit()
        && b[3] == b':'
        && (b[4] as char).is_ascii_digit()
        && b[4] <= b'5'
        && b[5].is_ascii_digit()
        && ((b[1] - b'0') * 10 + (b[2] - b'0')) <= 14
}

/// A parsed `xs:dateTime`: the UTC instant when it has an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DateTime {
    pub(crate) local: chrono::NaiveDateTime,
    /// Offset east of UTC in seconds; `None` when the value has no zone.
    pub(crate) offset: Option<i32>,
}

impl DateTime {
    /// The instant in UTC; a value without a zone is read as UTC.
    pub(crate) fn utc(self) -> chrono::DateTime<chrono::Utc> {
        let secs = self.offset.unwrap_or(0) as i64;
        chrono::DateTime::from_naive_utc_and_offset(
            self.local - chrono::Duration::seconds(secs),
            chrono::Utc,
        )
    }
}

/// Parses `xs:dateTime`: `YYYY-MM-DDThh:mm:ss(.f+)?(Z|(+|-)hh:mm)?`.
pub(crate) fn parse_datetime(s: &str) -> Result<DateTime, &'static str> {
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Result<u32, &'static str> {
        let part = b.get(r).ok_or("too short")?;
        if part.iter().all(|c| c.is_ascii_digit()) {
            Ok(part.iter().fold(0u32, |a, c| a * 10 + (c - b'0') as u32))
        } else {
            Err("digits expected")
        }
    };
    if b.len() < 19 {
        return Err("too short");
    }
    if b[4] != b'-'
        || b[7] != b'-'
        || (b[10] != b'T' && b[10] != b't')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err("wrong separators");
    }
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut i = 19;
    let mut nanos = 0u32;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            if i - start < 9 {
                nanos = nanos * 10 + (b[i] - b'0') as u32;
            }
            i += 1;
        }
        if i == start {
            return Err("digits expected after the decimal point");
        }
        for _ in (i - start).min(9)..9 {
            nanos *= 10;
        }
    }
    let offset = match &b[i..] {
        [] => None,
        [b'Z'] | [b'z'] => Some(0),
        [sign @ (b'+' | b'-'), ..] if b.len() - i == 6 && b[i + 3] == b':' => {
            let oh = num(i + 1..i + 3)? as i32;
            let om = num(i + 4..i + 6)? as i32;
            if oh > 14 || om > 59 || (oh == 14 && om > 0) {
                return Err("time zone offset out of range");
            }
            let o = oh * 3600 + om * 60;
            Some(if *sign == b'-' { -o } else { o })
        }
        _ => return Err("bad time zone"),
    };
    let date = chrono::NaiveDate::from_ymd_opt(y as i32, mo, d).ok_or("no such date")?;
    // A leap second is written as :60; chrono keeps it as 59 plus a second of nanos.
    let time = if sec == 60 {
        chrono::NaiveTime::from_hms_nano_opt(h, mi, 59, 1_000_000_000 + nanos.min(999_999_999))
    } else {
        chrono::NaiveTime::from_hms_nano_opt(h, mi, sec, nanos)
    }
    .ok_or("no such time of day")?;
    Ok(DateTime {
        local: date.and_time(time),
        offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::ENUM_RESTRICTION_TYPE;

    fn check(ty: ValueType, cases: &[(&str, bool)]) {
        for (v, ok) in cases {
            assert_eq!(check_value(ty, v).is_ok(), *ok, "{v:?}");
        }
    }

    #[test]
    fn lexical_types() {
        check(
            ValueType::DateTime,
            &[
                ("2026-11-21T10:00:00Z", true),
                ("2026-11-21T10:00:00.123+05:30", true),
                ("2026-11-21T10:00:00", true),
                ("2026-02-30T10:00:00Z", false),
                ("2026-11-21 10:00:00Z", false),
                ("2026-11-21T25:00:00Z", false),
                ("2026-11-21T10:00:00+15:00", false),
                ("yesterday", false),
            ],
        );
        check(
            ValueType::Integer,
            &[
                ("0", true),
                ("-12", true),
                ("+7", true),
                ("1.0", false),
                ("", false),
            ],
        );
        check(
            ValueType::Float,
            &[
                ("1", true),
                ("-1.5e3", true),
                ("INF", true),
                (".5", true),
                ("e3", false),
                ("1e", false),
            ],
        );
        check(
            ValueType::PositiveFloat,
            &[("0.1", true), ("0", false), ("-3", false)],
        );
        check(
            ValueType::Portlist,
            &[
                ("80", true),
                ("22,80-81,443", true),
                ("80-", false),
                ("a", false),
            ],
        );
        check(
            ValueType::Timezone,
            &[
                ("Z", true),
                ("+14:00", true),
                ("-03:30", true),
                ("+15:00", false),
                ("UTC", false),
            ],
        );
        check(
            ValueType::Lang,
            &[
                ("en", true),
                ("fr-CA", true),
                ("", true),
                ("englishlanguage", false),
                ("en_GB", false),
            ],
        );
        check(
            ValueType::Id,
            &[
                ("obs-1", true),
                ("_x", true),
                ("1abc", false),
                ("a b", false),
            ],
        );
        check(
            ValueType::Enum(&ENUM_RESTRICTION_TYPE),
            &[("amber", true), ("AMBER", false)],
        );
    }

    #[test]
    fn datetime_to_utc() {
        let d = parse_datetime("2026-11-21T10:00:00+05:30").map(DateTime::utc);
        assert_eq!(
            d.map(|d| d.to_rfc3339()),
            Ok("2026-11-21T04:30:00+00:00".to_owned())
        );
    }
}
