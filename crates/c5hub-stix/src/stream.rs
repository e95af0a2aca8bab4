//! Reading a bundle of any size in bounded memory, in two passes.
//!
//! Grouping objects into incidents needs references that may come in any
//! order (a relationship before or after the objects it links), so one
//! pass cannot hand out a complete group. The first pass ([`scan`]) reads
//! the `objects` array one object at a time (a byte scanner of strings and
//! brackets, no tree of the whole), checks each, and keeps only where it
//! is (offset and length) and a [`Graph`] of its references with ids
//! interned: a few words per object and reference. The groups are then
//! known; the second pass ([`BundleStream::next`]) seeks to each group's
//! objects, reads them again and converts the group exactly as a whole
//! bundle's group is converted. Memory is bounded by the graph and the
//! largest group, never by the file.
//!
//! No I/O of its own: the caller hands in the reader (a file).

use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};

use foldhash::{HashMap, HashMapExt};
use serde_json::Value;

use crate::bundle::{Error, Limits, Object};
use crate::import::{self, Graph, Group, Groups, Options};
use crate::skim;

/// Largest object read, in bytes (a STIX object is rarely over a few
/// kilobytes; a note or report with a long text may be more).
pub const MAX_OBJECT_BYTES: usize = 16 << 20;

/// Deepest nesting of brackets accepted in one object.
pub const MAX_DEPTH: usize = 64;

/// The groups of a bundle read in two passes (see the module docs).
pub struct BundleStream<R> {
    input: BufReader<R>,
    /// Where `input` is.
    pos: u64,
    /// How many groups each object is in (counted to 255); one in several (an identity, a
    /// marking) is kept once read, up to [`SHARED_CACHE`] of them, so that
    /// the second pass does not go back for it for every group.
    uses: Vec<u8>,
    shared: HashMap<u32, Object>,
    id: String,
    /// Offset and length of each object accepted by the first pass.
    spans: Spans,
    groups: Groups,
    /// The next group handed out.
    next: usize,
    /// Objects refused by the first pass, each naming its index.
    refused: Vec<Error>,
    limits: Limits,
    opts: Options,
}

/// Where each object accepted by the first pass is: offsets and lengths
/// apart, 12 bytes an object rather than a padded 16.
#[derive(Default)]
struct Spans {
    at: Vec<u64>,
    len: Vec<u32>,
}

impl Spans {
    fn push(&mut self, at: u64, len: u32) {
        self.at.push(at);
        self.len.push(len);
    }

    fn len(&self) -> usize {
        self.at.len()
    }

    fn get(&self, i: usize) -> (u64, u32) {
        (self.at[i], self.len[i])
    }
}

/// Objects in several groups kept in memory by the second pass, at most.
pub const SHARED_CACHE: usize = 65_536;

/// The first pass: reads `input` (a bundle, from its start) to its end,
/// checking each object and keeping where it is. `Err` when it is not a
/// bundle or cannot be read to its end (syntax, nesting, I/O): nothing of
/// it is then read.
pub fn scan<R: Read + Seek>(
    input: R,
    limits: &Limits,
    opts: &Options,
) -> Result<BundleStream<R>, Error> {
    let mut input = BufReader::with_capacity(1 << 20, input);
    let start = input
        .stream_position()
        .map_err(|e| Error::new("bundle", "", &e.to_string()))?;
    let mut graph = Graph::default();
    let mut spans = Spans::default();
    let mut refused = Vec::new();
    let mut members: Vec<(String, Value)> = Vec::new();
    {
        let mut s = Scanner {
            r: &mut input,
            pos: start,
        };
        s.expect(b'{')?;
        let mut first = true;
        let mut seen_objects = false;
        loop {
            s.skip_ws()?;
            if s.peek()? == Some(b'}') {
                s.bump()?;
                break;
            }
            if !first {
                s.expect(b',')?;
                s.skip_ws()?;
            }
            first = false;
            let mut key = Vec::new();
            s.value(&mut key, 1 << 16)?;
            let key: String =
                serde_json::from_slice(&key).map_err(|_| s.error("a member name (a string)"))?;
            // A name twice would be read differently by a whole-document
            // reader (the last wins) than by this one.
            if (key == "objects" && seen_objects) || members.iter().any(|(n, _)| *n == key) {
                return Err(Error::new("bundle", &key, "is given twice"));
            }
            s.skip_ws()?;
            s.expect(b':')?;
            s.skip_ws()?;
            if key == "objects" && s.peek()? == Some(b'[') {
                seen_objects = true;
                s.bump()?;
                let mut index = 0usize;
                let mut buf = Vec::new();
                loop {
                    s.skip_ws()?;
                    if s.peek()? == Some(b']') {
                        s.bump()?;
                        break;
                    }
                    if index > 0 {
                        s.expect(b',')?;
                        s.skip_ws()?;
                    }
                    if graph.is_full() {
                        return Err(Error::new(
                            "bundle",
                            "objects",
                            &format!(
                                "holds more than {} objects or ids, more than can be grouped",
                                Graph::MAX_LEN
                            ),
                        ));
                    }
                    let at = s.pos;
                    buf.clear();
                    // Named by its index only when refused.
                    let n = index;
                    let name = || format!("objects[{n}]");
                    index += 1;
                    match s.value(&mut buf, MAX_OBJECT_BYTES) {
                        Ok(()) => {}
                        Err(ScanError::TooLarge) => {
                            refused.push(Error::new(
                                &name(),
                                "",
                                &format!("is larger than {MAX_OBJECT_BYTES} bytes"),
                            ));
                            continue;
                        }
                        Err(e) => return Err(e.into()),
                    }
                    let not_json = |e: serde_json::Error| {
                        Error::new(&name(), "", &format!("is not JSON: {e}"))
                    };
                    let k = skim::skim(&buf).map_err(not_json)?;
                    if k.twice {
                        // Rare: read as the whole value, which keeps the
                        // last of a name given twice.
                        let v: Value = serde_json::from_slice(&buf).map_err(not_json)?;
                        match Object::read(v, &name(), limits) {
                            Ok(o) => {
                                graph.add(&o);
                                spans.push(at, buf.len() as u32);
                            }
                            Err(e) => refused.push(e),
                        }
                        continue;
                    }
                    match skimmed(&k, name) {
                        Ok((type_, id)) => {
                            add_skimmed(&mut graph, &k, type_, id);
                            spans.push(at, buf.len() as u32);
                        }
                        Err(e) => refused.push(e),
                    }
                }
            } else {
                let mut buf = Vec::new();
                s.value(&mut buf, MAX_OBJECT_BYTES)?;
                let v: Value = serde_json::from_slice(&buf)
                    .map_err(|e| Error::new("bundle", &key, &format!("is not JSON: {e}")))?;
                members.push((key, v));
            }
        }
        s.skip_ws()?;
        if s.peek()?.is_some() {
            return Err(s.error("the end of the bundle").into());
        }
    }
    let member = |k: &str| members.iter().find(|(n, _)| n == k).map(|(_, v)| v);
    if member("type").and_then(Value::as_str) != Some("bundle") {
        return Err(Error::new("bundle", "type", "is not \"bundle\""));
    }
    let id = match member("id").and_then(Value::as_str) {
        Some(s) if s.starts_with("bundle--") => s.to_owned(),
        _ => return Err(Error::new("bundle", "id", "is not bundle--<UUID>")),
    };
    if let Some(v) = member("objects") {
        if !v.is_array() {
            return Err(Error::new(&id, "objects", "is not a list"));
        }
    }
    let groups = graph.groups();
    drop(graph);
    let mut uses = vec![0u8; spans.len()];
    for m in groups.all_members() {
        uses[*m as usize] = uses[*m as usize].saturating_add(1);
    }
    let pos = input
        .stream_position()
        .map_err(|e| Error::new("bundle", "", &e.to_string()))?;
    Ok(BundleStream {
        input,
        pos,
        uses,
        shared: HashMap::new(),
        id,
        groups,
        next: 0,
        spans,
        refused,
        limits: *limits,
        opts: *opts,
    })
}

/// The type and id of a skimmed object, or why [`Object::read`] would
/// refuse it (the same errors, in the same order).
fn skimmed<'k>(
    k: &'k skim::Skim<'_>,
    at: impl Fn() -> String,
) -> Result<(&'k str, &'k str), Error> {
    if !k.object {
        return Err(Error::new(&at(), "", "is not a JSON object"));
    }
    let type_ = match &k.type_ {
        skim::Prop::Str(t) => t,
        skim::Prop::Other => return Err(Error::new(&at(), "type", "is not a string")),
        skim::Prop::Missing => return Err(Error::new(&at(), "type", "is missing")),
    };
    let id = match &k.id {
        skim::Prop::Str(t) => t,
        skim::Prop::Other => return Err(Error::new(&at(), "id", "is not a string")),
        skim::Prop::Missing => return Err(Error::new(&at(), "id", "is missing")),
    };
    Ok((type_, id))
}

/// Adds a skimmed object to the graph as [`Graph::add`] adds its value.
fn add_skimmed(graph: &mut Graph, k: &skim::Skim<'_>, type_: &str, id: &str) {
    let mut named: Vec<&str> = Vec::new();
    match type_ {
        "relationship" => named.extend(
            k.source_ref
                .as_deref()
                .into_iter()
                .chain(k.target_ref.as_deref()),
        ),
        "sighting" => named.extend(k.sighting_of_ref.as_deref()),
        // What is said about an object (notes, opinions) goes with it.
        "note" | "opinion" => named.extend(k.object_refs.iter().map(|r| &**r)),
        _ => {}
    }
    graph.add_parts(type_, id, k.refs.iter().map(|r| &**r), named);
}

impl<R: Read + Seek> BundleStream<R> {
    /// The bundle's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Objects the first pass refused (not a JSON object, no id or type,
    /// too large), each naming its index; they belong to no group.
    pub fn refused(&self) -> &[Error] {
        &self.refused
    }

    /// The number of objects the first pass accepted.
    pub fn objects(&self) -> usize {
        self.spans.len()
    }

    /// The number of groups not handed out yet.
    pub fn remaining(&self) -> usize {
        self.groups.len() - self.next
    }

    fn load(&mut self, root: Option<usize>, members: &[u32]) -> Result<Group, Error> {
        // Objects in several groups are read once and lent to each; the
        // rest are read for this group only.
        let mut read: Vec<Object> = Vec::new();
        let mut buf = Vec::new();
        for &m in members {
            if self.shared.contains_key(&m) {
                continue;
            }
            let (at, len) = self.spans.get(m as usize);
            let io =
                |e: io::Error| Error::new(&format!("objects at byte {at}"), "", &e.to_string());
            // Groups are mostly in file order: a short way forward or back
            // stays in the buffer (a seek would drop it).
            let delta = at as i64 - self.pos as i64;
            if delta.unsigned_abs() < (1 << 20) {
                self.input.seek_relative(delta).map_err(io)?;
            } else {
                self.input.seek(SeekFrom::Start(at)).map_err(io)?;
            }
            buf.resize(len as usize, 0);
            self.input.read_exact(&mut buf).map_err(io)?;
            self.pos = at + u64::from(len);
            let v: Value = serde_json::from_slice(&buf)
                .map_err(|e| Error::new("bundle", "", &format!("changed while read: {e}")))?;
            let o = Object::read(v, &format!("objects at byte {at}"), &self.limits)?;
            if self.uses[m as usize] > 1 && self.shared.len() < SHARED_CACHE {
                self.shared.insert(m, o);
            } else {
                read.push(o);
            }
        }
        let mut fresh = read.iter();
        let objects: Vec<&Object> = members
            .iter()
            .map(|m| match self.shared.get(m) {
                Some(o) => o,
                None => fresh
                    .next()
                    .expect("each member not shared was read, in order"),
            })
            .collect();
        let root = root.and_then(|r| members.iter().position(|m| *m as usize == r));
        Ok(import::convert_group(&self.id, &objects, root, &self.opts))
    }
}

impl<R: Read + Seek> Iterator for BundleStream<R> {
    type Item = Result<Group, Error>;

    /// The next group, converted; `Err` when the input can no longer be
    /// read (it changed or failed between the passes).
    fn next(&mut self) -> Option<Self::Item> {
        if self.next == self.groups.len() {
            return None;
        }
        let (root, members) = self.groups.get(self.next);
        let members = members.to_vec();
        self.next += 1;
        Some(self.load(root, &members))
    }
}

enum ScanError {
    Io(io::Error),
    Syntax { at: u64, expected: &'static str },
    TooDeep { at: u64 },
    TooLarge,
}

impl From<ScanError> for Error {
    fn from(e: ScanError) -> Error {
        match e {
            ScanError::Io(e) => Error::new("bundle", "", &format!("cannot be read: {e}")),
            ScanError::Syntax { at, expected } => Error::new(
                "bundle",
                "",
                &format!("is not JSON: expected {expected} at byte {at}"),
            ),
            ScanError::TooDeep { at } => Error::new(
                "bundle",
                "",
                &format!("nests deeper than {MAX_DEPTH} at byte {at}"),
            ),
            ScanError::TooLarge => Error::new(
                "bundle",
                "",
                &format!("holds a value larger than {MAX_OBJECT_BYTES} bytes"),
            ),
        }
    }
}

impl From<io::Error> for ScanError {
    fn from(e: io::Error) -> ScanError {
        ScanError::Io(e)
    }
}

/// Bytes of JSON, one value at a time: strings and brackets only (the
/// values it hands out are parsed by serde_json).
struct Scanner<'a, R> {
    r: &'a mut R,
    pos: u64,
}

impl<R: BufRead> Scanner<'_, R> {
    fn error(&self, expected: &'static str) -> ScanError {
        ScanError::Syntax {
            at: self.pos,
            expected,
        }
    }

    fn peek(&mut self) -> Result<Option<u8>, ScanError> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> Result<Option<u8>, ScanError> {
        let c = self.peek()?;
        if c.is_some() {
            self.r.consume(1);
            self.pos += 1;
        }
        Ok(c)
    }

    fn skip_ws(&mut self) -> Result<(), ScanError> {
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Ok(());
            }
            let n = buf
                .iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(buf.len());
            let done = n < buf.len();
            self.r.consume(n);
            self.pos += n as u64;
            if done {
                return Ok(());
            }
        }
    }

    fn expect(&mut self, c: u8) -> Result<(), ScanError> {
        self.skip_ws()?;
        if self.peek()? != Some(c) {
            return Err(self.error(match c {
                b'{' => "'{'",
                b':' => "':'",
                b',' => "','",
                _ => "a bracket",
            }));
        }
        self.bump()?;
        Ok(())
    }

    /// Appends the bytes of one JSON value to `out` (at most `max`; a
    /// larger value is skipped to its end and is `TooLarge`).
    fn value(&mut self, out: &mut Vec<u8>, max: usize) -> Result<(), ScanError> {
        let mut depth: Vec<u8> = Vec::new();
        let mut in_string = false;
        let mut escaped = false;
        let mut too_large = false;
        let mut started = false;
        loop {
            let buf = self.r.fill_buf()?;
            if buf.is_empty() {
                return Err(self.error("the rest of a value"));
            }
            let mut n = 0;
            let mut done = false;
            while n < buf.len() {
                if in_string {
                    if escaped {
                        escaped = false;
                        n += 1;
                        continue;
                    }
                    // Most of a bundle is strings: jump to the next quote
                    // or backslash instead of looking at every byte.
                    let Some(k) = memchr::memchr2(b'"', b'\\', &buf[n..]) else {
                        n = buf.len();
                        break;
                    };
                    n += k + 1;
                    if buf[n - 1] == b'\\' {
                        escaped = true;
                    } else {
                        in_string = false;
                        if depth.is_empty() {
                            done = true;
                            break;
                        }
                    }
                    continue;
                }
                let b = buf[n];
                match b {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        if depth.len() >= MAX_DEPTH {
                            return Err(ScanError::TooDeep {
                                at: self.pos + n as u64,
                            });
                        }
                        depth.push(b);
                    }
                    b'}' | b']' if depth.is_empty() => {
                        done = true;
                        break;
                    }
                    b'}' | b']' => {
                        let open = depth.pop().unwrap_or_default();
                        if (open == b'{') != (b == b'}') {
                            return Err(ScanError::Syntax {
                                at: self.pos + n as u64,
                                expected: "a matching bracket",
                            });
                        }
                        if depth.is_empty() {
                            n += 1;
                            done = true;
                            break;
                        }
                    }
                    b',' if depth.is_empty() => {
                        done = true;
                        break;
                    }
                    b if b.is_ascii_whitespace() && depth.is_empty() && started => {
                        done = true;
                        break;
                    }
                    _ => {}
                }
                started = true;
                n += 1;
            }
            if !too_large {
                if out.len() + n > max {
                    too_large = true;
                    out.clear();
                } else {
                    out.extend_from_slice(&buf[..n]);
                }
            }
            self.r.consume(n);
            self.pos += n as u64;
            if done {
                return if too_large {
                    Err(ScanError::TooLarge)
                } else {
                    Ok(())
                };
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;

    use super::*;

    /// A reader that hands out at most a few bytes a read, so that every
    /// string, escape and bracket falls on a buffer's edge somewhere.
    struct Trickle(Cursor<Vec<u8>>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.1 = self.1 % 3 + 1;
            let n = buf.len().min(self.1);
            self.0.read(&mut buf[..n])
        }
    }

    impl Seek for Trickle {
        fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
            self.0.seek(to)
        }
    }

    fn groups_of<R: Read + Seek>(r: R) -> Vec<Group> {
        scan(r, &Limits::default(), &Options::default())
            .expect("a bundle")
            .map(|g| g.expect("readable"))
            .collect()
    }

    #[test]
    fn values_are_found_across_buffer_edges() {
        let bundle = br#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "created": "2016-04-06T20:03:48.000Z", "modified": "2016-04-06T20:03:48.000Z",
             "name": "a \"quoted\" \\ name \\\\\" with [brackets] and {braces}, commas",
             "pattern": "[file:name = 'a\\'b']", "pattern_type": "stix", "valid_from": "2016-01-01T00:00:00Z",
             "x_nested": {"a": [1, 2, {"b": "]}"}], "c": "\\"}},
            {"type": "relationship", "spec_version": "2.1", "id": "relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad",
             "created": "2016-04-06T20:06:37.000Z", "modified": "2016-04-06T20:06:37.000Z",
             "relationship_type": "indicates", "source_ref": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
             "target_ref": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"}
        ]}"#;
        let whole = groups_of(Cursor::new(bundle.to_vec()));
        let trickled = groups_of(Trickle(Cursor::new(bundle.to_vec()), 0));
        assert_eq!(whole.len(), 1);
        assert_eq!(trickled.len(), 1);
        let (a, b) = (&whole[0], &trickled[0]);
        assert_eq!(a.root, b.root);
        let (a, b) = (
            a.incident.as_ref().expect("converts"),
            b.incident.as_ref().expect("converts"),
        );
        assert_eq!(a.original, b.original);
        let objects = import::original_objects(a).expect("stix");
        assert_eq!(objects.len(), 2);
        assert_eq!(
            objects[0]["name"],
            "a \"quoted\" \\ name \\\\\" with [brackets] and {braces}, commas"
        );
    }
}
