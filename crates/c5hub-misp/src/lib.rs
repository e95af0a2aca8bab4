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

use json::{Json, Keep, Obj, Seed, Shape};

mod convert;
mod fast;
pub mod feed;
mod json;
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

/// One MISP event, `{"Event": {...}}` with its keys in their order: what
/// an export writes (an event read is a [`ReadEvent`]).
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

/// An event read from a document: its tree, borrowed from the document,
/// its own bytes and where it was.
#[derive(Clone, Debug)]
pub struct ReadEvent<'a> {
    /// `{"Event": {...}}` (checked: `Event` is an object).
    wrapper: Obj<'a>,
    /// Its original document: the input itself for a single event, the
    /// `{"Event": ...}` item as it came for one of a list.
    pub original: &'a [u8],
    /// Where it was in the document (`/response/3`), empty for a single
    /// event.
    pub at: String,
}

impl<'a> ReadEvent<'a> {
    /// The event's object (inside `{"Event": ...}`).
    pub(crate) fn body(&self) -> &Obj<'a> {
        match self.wrapper.get("Event") {
            Some(Json::Object(m)) => m,
            _ => unreachable!("read_events checked the shape"),
        }
    }

    /// The event's uuid (checked when the event was read).
    pub fn uuid(&self) -> &str {
        self.body()
            .get("uuid")
            .and_then(Json::as_str)
            .unwrap_or_default()
    }

    /// The whole event as an [`Event`], read again from its bytes (the
    /// tree holds only what c5hub reads).
    pub fn event(&self) -> Event {
        Event {
            wrapper: serde_json::from_slice(self.original)
                .expect("the original was read as this object already"),
        }
    }
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

/// A document's tree, with the bytes of each item of its list of events
/// (the top array's, or the top object's `response` array's), and how deep
/// it nests and its longest string.
struct Document<'a> {
    tree: Json<'a>,
    items: Vec<Item<'a>>,
    shape: Shape,
}

/// An item of a list of events: its bytes, and the problems of its event
/// ([`check_event`]), found as it was read (the event's tree is still in
/// the cache then; it is not once the whole list is read).
struct Item<'a> {
    bytes: &'a [u8],
    problems: Vec<Problem>,
}

/// A value read as `KEEP` says (a [`Keep`] by number: `StreamDeserializer`,
/// which says where a value ends, takes types, not seeds).
struct Kept<'a, const KEEP: u8>(Json<'a>, Shape);

const ALL: u8 = 0;
const SKIP: u8 = 1;
const WRAPPER: u8 = 2;
const EVENT: u8 = 3;

impl<'de, const KEEP: u8> serde::Deserialize<'de> for Kept<'de, KEEP> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::DeserializeSeed;
        let keep = match KEEP {
            SKIP => Keep::Skip,
            WRAPPER => Keep::Wrapper,
            EVENT => Keep::Event,
            _ => Keep::All,
        };
        Seed(keep).deserialize(d).map(|(j, shape)| Kept(j, shape))
    }
}

/// How a document is read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Keeping of the events what c5hub reads ([`Keep::Event`]), with
    /// [`fast`]'s reader.
    Fast,
    /// The same with `serde_json`'s, when the fast one gave up.
    Lean,
    /// Everything, to say where a limit is passed.
    Full,
}

/// Reads the document in one pass, noting where each item of the list of
/// events starts and ends, so an event's original is its bytes as they
/// came, never written again. `None` when it is not JSON (or the fast
/// reader gave up).
fn read_document(bytes: &[u8], mode: Mode) -> Option<Document<'_>> {
    // Checked once here, so that no string needs it again.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut r = Walk {
        text,
        pos: 0,
        mode,
        items: Vec::new(),
    };
    let mut items = Vec::new();
    // How deep the document nests: the top value is at depth 1, its
    // members and items at 2, the items of `response` at 3.
    let mut shape = Shape::default();
    let tree = match r.peek()? {
        b'[' => {
            let (a, s) = r.array(&mut items)?;
            shape.add_at(s, 0);
            Json::Array(a)
        }
        b'{' => {
            r.pos += 1;
            shape.depth = 1;
            let mut o = Obj::default();
            if r.peek()? == b'}' {
                r.pos += 1;
            } else {
                loop {
                    let (Json::String(k), _, _) = r.value(Keep::All)? else {
                        return None;
                    };
                    if r.peek()? != b':' {
                        return None;
                    }
                    r.pos += 1;
                    let (v, s) = if k == "response" && r.peek()? == b'[' {
                        // A later `response` replaces an earlier one.
                        items.clear();
                        let (a, s) = r.array(&mut items)?;
                        (Json::Array(a), s)
                    } else {
                        let keep = if k == "Event" {
                            Keep::Event
                        } else {
                            Keep::Skip
                        };
                        let (v, s, _) = r.value(keep)?;
                        (v, s)
                    };
                    shape.add_at(s, 1);
                    o.insert(k, v);
                    match r.peek()? {
                        b',' => r.pos += 1,
                        b'}' => {
                            r.pos += 1;
                            break;
                        }
                        _ => return None,
                    }
                }
            }
            if !o.contains_key("response") || o.contains_key("Event") {
                items.clear();
            }
            Json::Object(o)
        }
        _ => {
            let (v, s, _) = r.value(Keep::Skip)?;
            shape.add_at(s, 0);
            v
        }
    };
    (r.peek().is_none()).then_some(Document { tree, items, shape })
}

/// A cursor over a document, handing each value to a reader.
struct Walk<'a> {
    text: &'a str,
    pos: usize,
    mode: Mode,
    /// Room the fast reader reads arrays' items into, kept from one
    /// event to the next.
    items: Vec<Json<'a>>,
}

impl<'a> Walk<'a> {
    /// The next byte that is not JSON whitespace, not consumed.
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.text.as_bytes().get(self.pos) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.pos += 1;
        }
        None
    }

    /// One value kept as `keep` says (everything in [`Mode::Full`]), its
    /// shape and its bytes.
    fn value(&mut self, keep: Keep) -> Option<(Json<'a>, Shape, &'a [u8])> {
        self.peek()?;
        let start = self.pos;
        let (v, shape, end) = match (self.mode, keep) {
            (Mode::Fast, _) => fast::value(self.text, start, keep, &mut self.items)?,
            (Mode::Lean, Keep::Wrapper) => self.serde::<WRAPPER>()?,
            (Mode::Lean, Keep::Event) => self.serde::<EVENT>()?,
            (Mode::Lean, Keep::Skip) => self.serde::<SKIP>()?,
            _ => self.serde::<ALL>()?,
        };
        self.pos = end;
        Some((v, shape, self.text.get(start..end)?.as_bytes()))
    }

    /// One value read by `serde_json`, and where it ends.
    fn serde<const KEEP: u8>(&self) -> Option<(Json<'a>, Shape, usize)> {
        let rest = self.text.get(self.pos..)?;
        let mut s = serde_json::Deserializer::from_str(rest).into_iter::<Kept<'a, KEEP>>();
        let Kept(v, shape) = s.next()?.ok()?;
        Some((v, shape, self.pos + s.byte_offset()))
    }

    /// An array (a list of events), each item's bytes pushed to `items`,
    /// with the array's shape.
    fn array(&mut self, items: &mut Vec<Item<'a>>) -> Option<(Vec<Json<'a>>, Shape)> {
        self.pos += 1;
        let mut out = Vec::new();
        let mut shape = Shape {
            depth: 1,
            longest: 0,
        };
        if self.peek()? == b']' {
            self.pos += 1;
            return Some((out, shape));
        }
        loop {
            let (v, s, raw) = self.value(Keep::Wrapper)?;
            shape.add_at(s, 1);
            let problems = match v.get("Event") {
                Some(Json::Object(e)) => check_event(e),
                _ => Vec::new(),
            };
            out.push(v);
            items.push(Item {
                bytes: raw,
                problems,
            });
            match self.peek()? {
                b',' => self.pos += 1,
                b']' => {
                    self.pos += 1;
                    return Some((out, shape));
                }
                _ => return None,
            }
        }
    }
}

/// A document that is not JSON, refused with where `serde_json` says.
fn not_json(bytes: &[u8]) -> Error {
    match serde_json::from_slice::<Value>(bytes) {
        Err(e) => Error::unreadable(
            &format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        ),
        Ok(_) => Error::unreadable("/", "not a JSON document".into()),
    }
}

/// Reads a document of MISP events: one event (`{"Event": {...}}`), a list
/// of them (`[{"Event": ...}, ...]`) or MISP's REST answer
/// (`{"response": [{"Event": ...}, ...]}`), each checked
/// ([`check_event`]). Every problem of every event is reported; nothing is
/// returned unless all are well formed.
pub fn read_events<'a>(bytes: &'a [u8], limits: &Limits) -> Result<Vec<ReadEvent<'a>>, Error> {
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
    let mut doc = read_document(bytes, Mode::Fast)
        .or_else(|| read_document(bytes, Mode::Lean))
        .ok_or_else(|| not_json(bytes))?;
    if doc.shape.depth > limits.max_depth || doc.shape.longest > limits.max_string {
        // Read again whole, to name the place.
        doc = read_document(bytes, Mode::Full).ok_or_else(|| not_json(bytes))?;
        check_shape(&doc.tree, limits)?;
    }
    let Document {
        tree, items: raws, ..
    } = doc;
    let items: Vec<(String, Json<'a>, Option<Item<'a>>)> = match tree {
        Json::Object(m) if m.contains_key("Event") => vec![(String::new(), Json::Object(m), None)],
        Json::Object(mut m) => match m.take("response") {
            Some(Json::Array(a)) => a
                .into_iter()
                .zip(raws)
                .enumerate()
                .map(|(i, (v, item))| (format!("/response/{i}"), v, Some(item)))
                .collect(),
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
        Json::Array(a) => a
            .into_iter()
            .zip(raws)
            .enumerate()
            .map(|(i, (v, item))| (format!("/{i}"), v, Some(item)))
            .collect(),
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
    for (at, v, item) in items {
        let wrapper = match v {
            Json::Object(m) if m.get("Event").is_some_and(Json::is_object) => m,
            _ => {
                problems.push(Problem {
                    at: placed(&at, "Event".into()),
                    detail: "expected an object {\"Event\": {...}}".into(),
                });
                continue;
            }
        };
        let event = ReadEvent {
            wrapper,
            original: item.as_ref().map_or(bytes, |i| i.bytes),
            at,
        };
        // A single event is the document: checked here, not as an item.
        let found = match item {
            Some(i) => i.problems,
            None => check_event(event.body()),
        };
        if !found.is_empty() {
            problems.extend(found.into_iter().map(|p| Problem {
                at: placed(&event.at, p.at),
                detail: p.detail,
            }));
            continue;
        }
        out.push(event);
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

/// A place inside an event prefixed with where the event is in its
/// document (nothing for a single event), written only for a problem.
fn placed(event_at: &str, at: String) -> String {
    if event_at.is_empty() {
        at
    } else {
        format!("{event_at} {at}")
    }
}

/// Depth and string lengths, over the whole tree, in the order a stack
/// of the members would visit them (the last member first): the first
/// fault found is the one reported. The place is written only for it.
fn check_shape(value: &Json<'_>, limits: &Limits) -> Result<(), Error> {
    // Recursion is bounded: serde_json reads no deeper than 128 levels
    // per value, and this stops at `max_depth`.
    fn walk(v: &Json<'_>, depth: usize, limits: &Limits) -> Result<(), (Vec<String>, String)> {
        let deeper = || {
            (
                Vec::new(),
                format!("nested deeper than {} levels", limits.max_depth),
            )
        };
        match v {
            Json::Object(m) => {
                if depth > limits.max_depth {
                    return Err(deeper());
                }
                for (k, v) in m.iter().rev() {
                    walk(v, depth + 1, limits).map_err(|(mut at, d)| {
                        at.push(k.to_owned());
                        (at, d)
                    })?;
                }
            }
            Json::Array(a) => {
                if depth > limits.max_depth {
                    return Err(deeper());
                }
                for (i, v) in a.iter().enumerate().rev() {
                    walk(v, depth + 1, limits).map_err(|(mut at, d)| {
                        at.push(i.to_string());
                        (at, d)
                    })?;
                }
            }
            Json::String(s) if s.len() > limits.max_string => {
                return Err((
                    Vec::new(),
                    format!(
                        "a string of {} bytes, at most {} are read",
                        s.len(),
                        limits.max_string
                    ),
                ));
            }
            _ => {}
        }
        Ok(())
    }
    walk(value, 1, limits).map_err(|(at, detail)| {
        let at: String = at.iter().rev().map(|s| format!("/{s}")).collect();
        Error::unreadable(&at, detail)
    })
}

/// The name of an attribute or object for messages: its index and, when it
/// has one, its uuid.
pub(crate) fn name_of(base: &str, list: &str, i: usize, v: &Json<'_>) -> String {
    match v.get("uuid").and_then(Json::as_str) {
        Some(u) => format!("{base}.{list}[{i}] (uuid {u})"),
        None => format!("{base}.{list}[{i}]"),
    }
}

/// A date `YYYY-MM-DD` as chrono's `%Y-%m-%d` reads it; the usual
/// ten-digit shape without parsing the format string each time.
pub(crate) fn parse_date(d: &str) -> Option<chrono::NaiveDate> {
    let b = d.as_bytes();
    let digits = |r: std::ops::Range<usize>| {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(day)) = (digits(0..4), digits(5..7), digits(8..10)) {
            let y = i32::try_from(y).ok()?;
            if let Some(date) = chrono::NaiveDate::from_ymd_opt(y, m, day) {
                return Some(date);
            }
        }
    }
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
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
/// objects. Unknown keys are fine (kept verbatim). Places are written only
/// for the problems found.
pub(crate) fn check_event(e: &Obj<'_>) -> Vec<Problem> {
    let mut p = Vec::new();
    let mut bad = |at: String, detail: &str| {
        p.push(Problem {
            at,
            detail: detail.to_owned(),
        })
    };
    match e.get("uuid") {
        None => bad("Event.uuid".into(), "missing: every MISP event has a uuid"),
        Some(Json::String(u)) if is_uuid(u) => {}
        Some(Json::String(u)) => bad("Event.uuid".into(), &format!("{u:?} is not a UUID")),
        Some(_) => bad("Event.uuid".into(), "expected a string"),
    }
    match e.get("info") {
        None => bad("Event.info".into(), "missing: every MISP event has an info"),
        Some(Json::String(_)) => {}
        Some(_) => bad("Event.info".into(), "expected a string"),
    }
    if e.get("date").is_some_and(|d| !d.is_string()) {
        bad("Event.date".into(), "expected a string (YYYY-MM-DD)");
    }
    if let Some(Json::String(d)) = e.get("date") {
        if parse_date(d).is_none() {
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
            Some(Json::Object(o)) => {
                if let Some(n) = o.get("name") {
                    if !n.is_string() {
                        bad(format!("Event.{org}.name"), "expected a string");
                    }
                }
            }
            Some(_) => bad(format!("Event.{org}"), "expected an object"),
        }
    }
    check_tags(&mut p, &|| "Event".to_owned(), e.get("Tag"));
    check_attributes(&mut p, &|| "Event".to_owned(), e.get("Attribute"));
    if let Some(objects) = e.get("Object") {
        match objects {
            Json::Array(a) => {
                for (i, o) in a.iter().enumerate() {
                    let at = || name_of("Event", "Object", i, o);
                    match o {
                        Json::Object(m) => {
                            match m.get("name") {
                                Some(Json::String(_)) => {}
                                None => p.push(Problem {
                                    at: format!("{}.name", at()),
                                    detail: "missing: every object has a name".into(),
                                }),
                                Some(_) => p.push(Problem {
                                    at: format!("{}.name", at()),
                                    detail: "expected a string".into(),
                                }),
                            }
                            check_attributes(&mut p, &at, m.get("Attribute"));
                        }
                        _ => p.push(Problem {
                            at: at(),
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
            Json::Array(a) => {
                for (i, g) in a.iter().enumerate() {
                    let at = || name_of("Event", "Galaxy", i, g);
                    match g.get("GalaxyCluster") {
                        _ if !g.is_object() => p.push(Problem {
                            at: at(),
                            detail: "expected an object".into(),
                        }),
                        None => {}
                        Some(Json::Array(c)) => {
                            for (j, c) in c.iter().enumerate() {
                                let cat = || name_of(&at(), "GalaxyCluster", j, c);
                                if !c.is_object() {
                                    p.push(Problem {
                                        at: cat(),
                                        detail: "expected an object".into(),
                                    });
                                } else if c.get("tag_name").is_some_and(|t| !t.is_string()) {
                                    p.push(Problem {
                                        at: format!("{}.tag_name", cat()),
                                        detail: "expected a string".into(),
                                    });
                                }
                            }
                        }
                        Some(_) => p.push(Problem {
                            at: format!("{}.GalaxyCluster", at()),
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
    check_list_of_objects(&mut p, &|| "Event.Sighting".to_owned(), e.get("Sighting"));
    p
}

/// The place of a list or property, written when a problem needs it.
type At<'f> = &'f dyn Fn() -> String;

fn check_list_of_objects(p: &mut Vec<Problem>, at: At<'_>, v: Option<&Json<'_>>) {
    match v {
        None => {}
        Some(Json::Array(a)) => {
            for (i, x) in a.iter().enumerate() {
                if !x.is_object() {
                    p.push(Problem {
                        at: format!("{}[{i}]", at()),
                        detail: "expected an object".into(),
                    });
                }
            }
        }
        Some(_) => p.push(Problem {
            at: at(),
            detail: "expected an array of objects".into(),
        }),
    }
}

fn check_tags(p: &mut Vec<Problem>, base: At<'_>, v: Option<&Json<'_>>) {
    let at = || format!("{}.Tag", base());
    check_list_of_objects(p, &at, v);
    if let Some(Json::Array(a)) = v {
        for (i, t) in a.iter().enumerate() {
            if t.is_object() && !t.get("name").is_some_and(Json::is_string) {
                p.push(Problem {
                    at: format!("{}[{i}].name", at()),
                    detail: "expected a string (every tag has a name)".into(),
                });
            }
        }
    }
}

fn check_attributes(p: &mut Vec<Problem>, base: At<'_>, v: Option<&Json<'_>>) {
    let a = match v {
        None => return,
        Some(Json::Array(a)) => a,
        Some(_) => {
            p.push(Problem {
                at: format!("{}.Attribute", base()),
                detail: "expected an array of attributes".into(),
            });
            return;
        }
    };
    for (i, x) in a.iter().enumerate() {
        let at = || name_of(&base(), "Attribute", i, x);
        let Json::Object(m) = x else {
            p.push(Problem {
                at: at(),
                detail: "expected an object".into(),
            });
            continue;
        };
        // The members checked, in one pass over the attribute; a key given
        // twice counts with its last value, as `Obj::get` finds it.
        let (mut ty, mut value, mut uuid, mut distribution) = (None, None, None, None);
        let (mut deleted, mut to_ids, mut tags, mut sightings) = (None, None, None, None);
        for (k, v) in m.iter() {
            let slot = match k {
                "type" => &mut ty,
                "value" => &mut value,
                "uuid" => &mut uuid,
                "distribution" => &mut distribution,
                "deleted" => &mut deleted,
                "to_ids" => &mut to_ids,
                "Tag" => &mut tags,
                "Sighting" => &mut sightings,
                _ => continue,
            };
            *slot = Some(v);
        }
        for (key, v) in [("type", ty), ("value", value)] {
            match v {
                Some(Json::String(_)) => {}
                None => p.push(Problem {
                    at: format!("{}.{key}", at()),
                    detail: format!("missing: every attribute has a {key}"),
                }),
                Some(_) => p.push(Problem {
                    at: format!("{}.{key}", at()),
                    detail: "expected a string".into(),
                }),
            }
        }
        if let Some(u) = uuid {
            if !u.as_str().is_some_and(is_uuid) {
                p.push(Problem {
                    at: format!("{}.uuid", at()),
                    detail: format!("{u} is not a UUID"),
                });
            }
        }
        if let Some(d) = distribution {
            if number(d).is_none_or(|n| !(0..=5).contains(&n)) {
                p.push(Problem {
                    at: format!("{}.distribution", at()),
                    detail: format!("{d} is not one of 0..5"),
                });
            }
        }
        for (key, v) in [("deleted", deleted), ("to_ids", to_ids)] {
            if v.is_some_and(|v| !v.is_boolean()) {
                p.push(Problem {
                    at: format!("{}.{key}", at()),
                    detail: "expected true or false".into(),
                });
            }
        }
        check_tags(p, &at, tags);
        check_list_of_objects(p, &|| format!("{}.Sighting", at()), sightings);
    }
}

/// A whole number MISP writes as a string of digits (or, from some tools,
/// as a number).
pub(crate) fn number(v: &Json<'_>) -> Option<i64> {
    match v {
        Json::String(s) => s.trim().parse().ok(),
        Json::Number(n) => n.as_i64(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_as_chrono_reads_them() {
        for d in [
            "2026-10-05",
            "2024-02-29",
            "2023-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "9999-12-31",
            "2026-1-5",
            "+2026-01-05",
            "2026-01-05 ",
            "2026/01/05",
            "2026-0a-05",
            "",
        ] {
            assert_eq!(
                parse_date(d),
                chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok(),
                "{d:?}"
            );
        }
    }

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

    /// What the reader reads past (members c5hub does not keep) is held to
    /// the limits as what it keeps, counted from the document's top.
    #[test]
    fn limits_hold_for_what_is_read_past() {
        let doc = |x: &str, comment: &str| {
            format!(
                r#"{{"response":[{{"Event":{{"uuid":"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab","info":"x","x":{x},"Attribute":[{{"type":"text","value":"v","comment":"{comment}"}}]}}}}]}}"#
            )
        };
        let limits = Limits {
            max_depth: 6,
            max_string: 40,
            ..Limits::default()
        };
        let ok = doc("[[1]]", &"c".repeat(40));
        assert_eq!(
            read_events(ok.as_bytes(), &limits).expect("within").len(),
            1
        );
        let e = read_events(doc("[[[1]]]", "").as_bytes(), &limits).expect_err("deep");
        assert_eq!(e.problems[0].at, "/response/0/Event/x/0/0");
        let e = read_events(doc("1", &"c".repeat(41)).as_bytes(), &limits).expect_err("long");
        assert_eq!(e.problems[0].at, "/response/0/Event/Attribute/0/comment");
        // A key given twice counts once, with its last value (as serde_json
        // reads it).
        let twice = ok.replace(r#""x":"#, &format!(r#""x":"{}","x":"#, "c".repeat(41)));
        assert_eq!(
            read_events(twice.as_bytes(), &limits).expect("last").len(),
            1
        );
    }

    #[test]
    fn a_listed_events_original_is_its_bytes_as_they_came() {
        let one = r#"{ "Event" : {"uuid":"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab","info":"x\u00e9", "y": [1, 2.50]} }"#;
        let doc = format!("[\n {one} ,{one}]");
        let events = read_events(doc.as_bytes(), &Limits::default()).expect("reads");
        assert_eq!(events.len(), 2);
        assert_eq!(events[1].original, one.as_bytes());
        assert_eq!(events[1].at, "/1");
        assert_eq!(events[0].event().body()["y"], serde_json::json!([1, 2.5]));
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
