//! MISP events and feeds: the MISP core format (draft-dulaunoy-misp-core-format)
//! read into c5hub-model incidents and written back.
//!
//! An event is kept as the JSON it came as ([`Event`]): c5hub maps what it
//! models (attributes of the types in [`types::TYPES`], TLP, the RSIT
//! class, the event's uuid, Orgc, info and date) and leaves the rest (other
//! attribute types, objects' other attributes, sightings, galaxies,
//! unknown keys) where it is, so the incident's original document is the
//! event and an export of it is unchanged where c5hub does not model it.
//! [`feed`] reads and writes MISP feeds (a `manifest.json`, one file per
//! event, `hashes.csv`).
//!
//! No I/O, no store, no HTTP: callers hand in bytes and get bytes back.

use std::fmt;

use serde_json::{Map, Value};

mod convert;
pub mod feed;
pub mod types;

pub use convert::{
    Converted, event_from_incident, event_uuid_for, export_event, incident_from_event, labels,
    tlp_of, uuid_for_global_id,
};

/// Limits on what is read.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Largest document, in bytes.
    pub max_bytes: usize,
    /// Deepest nesting of arrays and objects (MISP's own is about 8).
    pub max_depth: usize,
    /// Longest string, in bytes (an attribute value, an event's info).
    pub max_string: usize,
    /// Most events in one document.
    pub max_events: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_bytes: 64 << 20,
            max_depth: 32,
            max_string: 1 << 20,
            max_events: 100_000,
        }
    }
}

/// A problem at one place in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// Where: the event and the attribute or object (index and uuid), and
    /// the property (`Event.Attribute[2] (uuid 5f…).value`).
    pub at: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.detail)
    }
}

/// How far a document was read before it was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Not JSON, too large or too deep, or not a MISP event at all.
    Unreadable,
    /// A MISP event with something wrong in it.
    Invalid,
}

/// Why a document was refused, with every problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The stage that refused it.
    pub kind: ErrorKind,
    /// One sentence for the whole document.
    pub detail: String,
    /// Every problem, with where.
    pub problems: Vec<Problem>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)?;
        for p in &self.problems {
            write!(f, "; {p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

impl Error {
    fn unreadable(at: &str, detail: String) -> Error {
        Error {
            kind: ErrorKind::Unreadable,
            detail: format!("not a MISP event: {detail}"),
            problems: vec![Problem {
                at: at.to_owned(),
                detail,
            }],
        }
    }
}

/// One MISP event: the `{"Event": {...}}` object as it was read, keys in
/// their order.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    wrapper: Map<String, Value>,
}

impl Event {
    /// The event's object (inside `{"Event": ...}`).
    pub fn body(&self) -> &Map<String, Value> {
        match self.wrapper.get("Event") {
            Some(Value::Object(m)) => m,
            _ => unreachable!("Event::new checked the shape"),
        }
    }

    /// Wraps `{"Event": {...}}`; `None` when it is not that shape.
    pub fn new(wrapper: Map<String, Value>) -> Option<Event> {
        matches!(wrapper.get("Event"), Some(Value::Object(_))).then_some(Event { wrapper })
    }

    /// The event's object, to change it.
    fn body_mut(&mut self) -> &mut Map<String, Value> {
        match self.wrapper.get_mut("Event") {
            Some(Value::Object(m)) => m,
            _ => unreachable!("Event::new checked the shape"),
        }
    }

    /// The event's uuid (checked when the event was read).
    pub fn uuid(&self) -> &str {
        self.body()
            .get("uuid")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The whole `{"Event": {...}}` value.
    pub fn to_value(&self) -> Value {
        Value::Object(self.wrapper.clone())
    }

    /// The event as MISP writes a feed's event file, `{"Event": {...}}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.wrapper).unwrap_or_default()
    }
}

/// An event read from a document, with its own bytes (the document's when
/// it held this one event) and where it was.
#[derive(Clone, Debug)]
pub struct ReadEvent {
    /// The event.
    pub event: Event,
    /// Its original document: the input itself for a single event, its
    /// `{"Event": ...}` written again for one of a list.
    pub original: Vec<u8>,
    /// Where it was in the document (`/response/3`), empty for a single
    /// event.
    pub at: String,
}

/// Whether the first bytes are MISP events: `{"Event":`, `{"response":` or
/// `[{"Event":` (keys first, whitespace anywhere between).
pub fn looks_like_misp(head: &[u8]) -> bool {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let mut it = head.iter().copied().filter(|b| !b.is_ascii_whitespace());
    let mut rest: Vec<u8> = Vec::with_capacity(16);
    match it.next() {
        Some(b'{') => {}
        Some(b'[') => {
            if it.next() != Some(b'{') {
                return false;
            }
            rest.extend(it.take(8));
            return rest.starts_with(b"\"Event\"");
        }
        _ => return false,
    }
    rest.extend(it.take(11));
    rest.starts_with(b"\"Event\"") || rest.starts_with(b"\"response\"")
}

/// Reads a document of MISP events: one event (`{"Event": {...}}`), a list
/// of them (`[{"Event": ...}, ...]`) or MISP's REST answer
/// (`{"response": [{"Event": ...}, ...]}`), each checked
/// ([`check_event`]). Every problem of every event is reported; nothing is
/// returned unless all are well formed.
pub fn read_events(bytes: &[u8], limits: &Limits) -> Result<Vec<ReadEvent>, Error> {
    if bytes.len() > limits.max_bytes {
        return Err(Error::unreadable(
            "document",
            format!(
                "{} bytes, more than the limit of {} bytes",
                bytes.len(),
                limits.max_bytes
            ),
        ));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Error::unreadable(
            &format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    check_shape(&value, limits)?;
    let (items, single): (Vec<(String, &Value)>, bool) = match &value {
        Value::Object(m) if m.contains_key("Event") => (vec![(String::new(), &value)], true),
        Value::Object(m) => match m.get("response") {
            Some(Value::Array(a)) => (
                a.iter()
                    .enumerate()
                    .map(|(i, v)| (format!("/response/{i}"), v))
                    .collect(),
                false,
            ),
            Some(_) => {
                return Err(Error::unreadable(
                    "/response",
                    "expected an array of events".into(),
                ));
            }
            None => {
                return Err(Error::unreadable(
                    "/",
                    "expected an object with Event or response".into(),
                ));
            }
        },
        Value::Array(a) => (
            a.iter()
                .enumerate()
                .map(|(i, v)| (format!("/{i}"), v))
                .collect(),
            false,
        ),
        _ => {
            return Err(Error::unreadable(
                "/",
                "expected {\"Event\": {...}}, a list of them or {\"response\": [...]}".into(),
            ));
        }
    };
    if items.len() > limits.max_events {
        return Err(Error::unreadable(
            "/",
            format!(
                "{} events, at most {} in one document",
                items.len(),
                limits.max_events
            ),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut problems = Vec::new();
    for (at, v) in items {
        let prefix = if at.is_empty() {
            String::new()
        } else {
            format!("{at} ")
        };
        let Some(event) = v.as_object().cloned().and_then(Event::new) else {
            problems.push(Problem {
                at: format!("{prefix}Event"),
                detail: "expected an object {\"Event\": {...}}".into(),
            });
            continue;
        };
        let found = check_event(&event);
        if !found.is_empty() {
            problems.extend(found.into_iter().map(|p| Problem {
                at: format!("{prefix}{}", p.at),
                detail: p.detail,
            }));
            continue;
        }
        let original = if single {
            bytes.to_vec()
        } else {
            event.to_json().into_bytes()
        };
        out.push(ReadEvent {
            event,
            original,
            at,
        });
    }
    if !problems.is_empty() {
        return Err(Error {
            kind: ErrorKind::Invalid,
            detail: "the MISP event is not valid".into(),
            problems,
        });
    }
    if out.is_empty() {
        return Err(Error::unreadable("/", "no event in the document".into()));
    }
    Ok(out)
}

/// Depth and string lengths, over the whole tree (without recursion: the
/// depth is what is being checked).
fn check_shape(value: &Value, limits: &Limits) -> Result<(), Error> {
    let mut stack: Vec<(&Value, usize, String)> = vec![(value, 1, String::new())];
    while let Some((v, depth, at)) = stack.pop() {
        match v {
            Value::Object(m) => {
                if depth > limits.max_depth {
                    return Err(Error::unreadable(
                        &at,
                        format!("nested deeper than {} levels", limits.max_depth),
                    ));
                }
                for (k, v) in m {
                    stack.push((v, depth + 1, format!("{at}/{k}")));
                }
            }
            Value::Array(a) => {
                if depth > limits.max_depth {
                    return Err(Error::unreadable(
                        &at,
                        format!("nested deeper than {} levels", limits.max_depth),
                    ));
                }
                for (i, v) in a.iter().enumerate() {
                    stack.push((v, depth + 1, format!("{at}/{i}")));
                }
            }
            Value::String(s) if s.len() > limits.max_string => {
                return Err(Error::unreadable(
                    &at,
                    format!(
                        "a string of {} bytes, at most {} are read",
                        s.len(),
                        limits.max_string
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(())
}

/// The name of an attribute or object for messages: its index and, when it
/// has one, its uuid.
pub(crate) fn name_of(base: &str, list: &str, i: usize, v: &Value) -> String {
    match v.get("uuid").and_then(Value::as_str) {
        Some(u) => format!("{base}.{list}[{i}] (uuid {u})"),
        None => format!("{base}.{list}[{i}]"),
    }
}

/// Whether `s` is a UUID in its text form (any version: MISP accepts any).
pub fn is_uuid(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
}

/// Every structural problem of an event: the properties c5hub reads must
/// have the type the core format gives them, and the lists must be lists of
/// objects. Unknown keys are fine (kept verbatim).
pub fn check_event(event: &Event) -> Vec<Problem> {
    let e = event.body();
    let mut p = Vec::new();
    let mut bad = |at: String, detail: &str| {
        p.push(Problem {
            at,
            detail: detail.to_owned(),
        })
    };
    match e.get("uuid") {
        None => bad("Event.uuid".into(), "missing: every MISP event has a uuid"),
        Some(Value::String(u)) if is_uuid(u) => {}
        Some(Value::String(u)) => bad("Event.uuid".into(), &format!("{u:?} is not a UUID")),
        Some(_) => bad("Event.uuid".into(), "expected a string"),
    }
    match e.get("info") {
        None => bad("Event.info".into(), "missing: every MISP event has an info"),
        Some(Value::String(_)) => {}
        Some(_) => bad("Event.info".into(), "expected a string"),
    }
    if e.get("date").is_some_and(|d| !d.is_string()) {
        bad("Event.date".into(), "expected a string (YYYY-MM-DD)");
    }
    if let Some(Value::String(d)) = e.get("date") {
        if chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").is_err() {
            bad(
                "Event.date".into(),
                &format!("{d:?} is not a date YYYY-MM-DD"),
            );
        }
    }
    for (key, range) in [
        ("distribution", 0..=4),
        ("threat_level_id", 1..=4),
        ("analysis", 0..=2),
    ] {
        if let Some(v) = e.get(key) {
            match number(v) {
                Some(n) if range.contains(&n) => {}
                _ => bad(
                    format!("Event.{key}"),
                    &format!(
                        "{v} is not one of {}..{} (a string of digits)",
                        range.start(),
                        range.end()
                    ),
                ),
            }
        }
    }
    for key in ["timestamp", "publish_timestamp", "sharing_group_id"] {
        if let Some(v) = e.get(key) {
            if number(v).is_none_or(|n| n < 0) {
                bad(
                    format!("Event.{key}"),
                    &format!("{v} is not a whole number"),
                );
            }
        }
    }
    if let Some(v) = e.get("published") {
        if !v.is_boolean() {
            bad("Event.published".into(), "expected true or false");
        }
    }
    for org in ["Orgc", "Org"] {
        match e.get(org) {
            None => {}
            Some(Value::Object(o)) => {
                if let Some(n) = o.get("name") {
                    if !n.is_string() {
                        bad(format!("Event.{org}.name"), "expected a string");
                    }
                }
            }
            Some(_) => bad(format!("Event.{org}"), "expected an object"),
        }
    }
    check_tags(&mut p, "Event", e.get("Tag"));
    check_attributes(&mut p, "Event", e.get("Attribute"));
    if let Some(objects) = e.get("Object") {
        match objects {
            Value::Array(a) => {
                for (i, o) in a.iter().enumerate() {
                    let at = name_of("Event", "Object", i, o);
                    match o {
                        Value::Object(m) => {
                            match m.get("name") {
                                Some(Value::String(_)) => {}
                                None => p.push(Problem {
                                    at: format!("{at}.name"),
                                    detail: "missing: every object has a name".into(),
                                }),
                                Some(_) => p.push(Problem {
                                    at: format!("{at}.name"),
                                    detail: "expected a string".into(),
                                }),
                            }
                            check_attributes(&mut p, &at, m.get("Attribute"));
                        }
                        _ => p.push(Problem {
                            at,
                            detail: "expected an object".into(),
                        }),
                    }
                }
            }
            _ => p.push(Problem {
                at: "Event.Object".into(),
                detail: "expected an array of objects".into(),
            }),
        }
    }
    if let Some(galaxies) = e.get("Galaxy") {
        match galaxies {
            Value::Array(a) => {
                for (i, g) in a.iter().enumerate() {
                    let at = name_of("Event", "Galaxy", i, g);
                    match g.get("GalaxyCluster") {
                        _ if !g.is_object() => p.push(Problem {
                            at,
                            detail: "expected an object".into(),
                        }),
                        None => {}
                        Some(Value::Array(c)) => {
                            for (j, c) in c.iter().enumerate() {
                                let cat = name_of(&at, "GalaxyCluster", j, c);
                                if !c.is_object() {
                                    p.push(Problem {
                                        at: cat,
                                        detail: "expected an object".into(),
                                    });
                                } else if c.get("tag_name").is_some_and(|t| !t.is_string()) {
                                    p.push(Problem {
                                        at: format!("{cat}.tag_name"),
                                        detail: "expected a string".into(),
                                    });
                                }
                            }
                        }
                        Some(_) => p.push(Problem {
                            at: format!("{at}.GalaxyCluster"),
                            detail: "expected an array of clusters".into(),
                        }),
                    }
                }
            }
            _ => p.push(Problem {
                at: "Event.Galaxy".into(),
                detail: "expected an array of galaxies".into(),
            }),
        }
    }
    check_list_of_objects(&mut p, "Event.Sighting", e.get("Sighting"));
    p
}

fn check_list_of_objects(p: &mut Vec<Problem>, at: &str, v: Option<&Value>) {
    match v {
        None => {}
        Some(Value::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                if !x.is_object() {
                    p.push(Problem {
                        at: format!("{at}[{i}]"),
                        detail: "expected an object".into(),
                    });
                }
            }
        }
        Some(_) => p.push(Problem {
            at: at.to_owned(),
            detail: "expected an array of objects".into(),
        }),
    }
}

fn check_tags(p: &mut Vec<Problem>, base: &str, v: Option<&Value>) {
    let at = format!("{base}.Tag");
    check_list_of_objects(p, &at, v);
    if let Some(Value::Array(a)) = v {
        for (i, t) in a.iter().enumerate() {
            if t.is_object() && !t.get("name").is_some_and(Value::is_string) {
                p.push(Problem {
                    at: format!("{at}[{i}].name"),
                    detail: "expected a string (every tag has a name)".into(),
                });
            }
        }
    }
}

fn check_attributes(p: &mut Vec<Problem>, base: &str, v: Option<&Value>) {
    let a = match v {
        None => return,
        Some(Value::Array(a)) => a,
        Some(_) => {
            p.push(Problem {
                at: format!("{base}.Attribute"),
                detail: "expected an array of attributes".into(),
            });
            return;
        }
    };
    for (i, x) in a.iter().enumerate() {
        let at = name_of(base, "Attribute", i, x);
        let Value::Object(m) = x else {
            p.push(Problem {
                at,
                detail: "expected an object".into(),
            });
            continue;
        };
        for key in ["type", "value"] {
            match m.get(key) {
                Some(Value::String(_)) => {}
                None => p.push(Problem {
                    at: format!("{at}.{key}"),
                    detail: format!("missing: every attribute has a {key}"),
                }),
                Some(_) => p.push(Problem {
                    at: format!("{at}.{key}"),
                    detail: "expected a string".into(),
                }),
            }
        }
        if let Some(u) = m.get("uuid") {
            if !u.as_str().is_some_and(is_uuid) {
                p.push(Problem {
                    at: format!("{at}.uuid"),
                    detail: format!("{u} is not a UUID"),
                });
            }
        }
        if let Some(d) = m.get("distribution") {
            if number(d).is_none_or(|n| !(0..=5).contains(&n)) {
                p.push(Problem {
                    at: format!("{at}.distribution"),
                    detail: format!("{d} is not one of 0..5"),
                });
            }
        }
        for key in ["deleted", "to_ids"] {
            if m.get(key).is_some_and(|v| !v.is_boolean()) {
                p.push(Problem {
                    at: format!("{at}.{key}"),
                    detail: "expected true or false".into(),
                });
            }
        }
        check_tags(p, &at, m.get("Tag"));
        check_list_of_objects(p, &format!("{at}.Sighting"), m.get("Sighting"));
    }
}

/// A whole number MISP writes as a string of digits (or, from some tools,
/// as a number).
pub(crate) fn number(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detection_reads_keys_first() {
        assert!(looks_like_misp(b" {\n  \"Event\": {"));
        assert!(looks_like_misp(b"{\"response\": ["));
        assert!(looks_like_misp(b"[ {\"Event\":{}}]"));
        assert!(!looks_like_misp(b"{\"id\": \"x\"}"));
        assert!(!looks_like_misp(b"[1]"));
    }

    #[test]
    fn refusals_name_the_attribute_and_property() {
        let e = read_events(
            br#"{"Event":{"uuid":"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab","info":"x","Attribute":[{"type":"ip-src","value":"1.2.3.4"},{"uuid":"6e2f0c4a-1b2c-4d3e-8f90-0123456789ab","type":"ip-src","value":7}]}}"#,
            &Limits::default(),
        )
        .expect_err("value is a number");
        assert_eq!(
            e.problems[0].at,
            "Event.Attribute[1] (uuid 6e2f0c4a-1b2c-4d3e-8f90-0123456789ab).value"
        );
        let e = read_events(
            br#"{"Event":{"info":"x","Attribute":"x"}}"#,
            &Limits::default(),
        )
        .expect_err("bad");
        let at: Vec<&str> = e.problems.iter().map(|p| p.at.as_str()).collect();
        assert_eq!(at, ["Event.uuid", "Event.Attribute"]);
    }

    #[test]
    fn deep_and_huge_are_unreadable() {
        let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
        let doc = format!(r#"{{"Event":{{"x":{deep}}}}}"#);
        let e = read_events(doc.as_bytes(), &Limits::default()).expect_err("deep");
        assert_eq!(e.kind, ErrorKind::Unreadable);
        assert!(e.to_string().contains("nested deeper"), "{e}");
        let limits = Limits {
            max_string: 10,
            ..Limits::default()
        };
        let e = read_events(br#"{"Event":{"info":"0123456789abc"}}"#, &limits).expect_err("long");
        assert_eq!(e.problems[0].at, "/Event/info");
    }
}
