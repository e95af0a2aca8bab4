//! Reading an RFC 8727 JSON document of any size, one Incident at a time.
//!
//! The JSON twin of [`crate::split`]: a hub's export in the JSON binding is
//! one object whose `Incident` array holds every incident. This reader
//! scans the document's bytes (it never builds a tree of the whole) and
//! hands out each element of that array as a document of its own: the
//! document object's other members as written, and an `Incident` array
//! holding that one element. Each is then decoded and validated like any
//! document ([`IncidentDocument::decode`]), so [`Limits`] guard one
//! Incident, not the whole file, and violation paths name the Incident's
//! index in the whole document.
//!
//! Memory is bounded by the largest Incident accepted (`max_bytes`): a
//! larger one is skipped without being held and comes back as an error
//! naming it; the scanner keeps one byte per open bracket and refuses
//! nesting deeper than twice `max_depth` (each IODEF level is at most an
//! object and an array in JSON).
//!
//! RFC 8727 leaves the order of an object's members free, but a reader
//! that goes once through the file can only apply the document's
//! attributes (`version`, `lang`, ...) that come before its incidents:
//! an attribute after the `Incident` array is refused with an error naming
//! it (c5hub's writer puts them first). Document-level `AdditionalData`
//! belongs to no incident and is skipped wherever it is. IDs and
//! references are checked within each Incident only.

use std::io::BufRead;

use crate::Binding;
use crate::diagnostic::{Limits, Rule, Violation};
use crate::split::{IncidentDocument, Item, no_incident};

/// Streams the Incidents of an RFC 8727 JSON document; see the module docs.
///
/// After a fatal error (syntax, nesting, an attribute after the incidents)
/// the iterator yields it once and ends; an Incident over `max_bytes` is
/// yielded as an error and reading goes on with the next one.
pub struct JsonIncidents<R: BufRead> {
    input: R,
    /// Bytes consumed so far.
    pos: u64,
    limits: Limits,
    /// `{` and the members before `Incident`, each followed by a comma.
    head: Vec<u8>,
    state: State,
    /// Whether the `Incident` member was met.
    seen_incidents: bool,
    index: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    /// Between members of the document object; `first`: none read yet.
    Members {
        first: bool,
    },
    /// Inside the `Incident` array; `first`: no element read yet.
    Incidents {
        first: bool,
    },
    Done,
}

/// Where captured bytes go: kept while they fit under `max`, else dropped.
struct Capture {
    bytes: Vec<u8>,
    max: usize,
    fits: bool,
}

impl Capture {
    fn new(max: usize) -> Self {
        Capture {
            bytes: Vec::new(),
            max,
            fits: true,
        }
    }

    fn push(&mut self, b: &[u8]) {
        if !self.fits {
            return;
        }
        if self.bytes.len() + b.len() > self.max {
            self.fits = false;
            self.bytes = Vec::new();
        } else {
            self.bytes.extend_from_slice(b);
        }
    }
}

impl<R: BufRead> JsonIncidents<R> {
    /// Starts reading `input` (a byte-order mark is skipped).
    pub fn new(input: R, limits: Limits) -> Self {
        JsonIncidents {
            input,
            pos: 0,
            limits,
            head: Vec::new(),
            state: State::Start,
            seen_incidents: false,
            index: 0,
        }
    }

    /// Bytes read so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Whether the last error ended the stream (fatal), as opposed to one
    /// Incident refused and skipped.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    fn syntax_at(pos: u64, what: impl std::fmt::Display) -> Violation {
        Violation::fatal(Rule::JsonSyntax, format!("byte {pos}: {what}"))
    }

    fn syntax(&self, what: impl std::fmt::Display) -> Violation {
        Self::syntax_at(self.pos, what)
    }

    fn peek(&mut self) -> Result<Option<u8>, Violation> {
        let pos = self.pos;
        match self.input.fill_buf() {
            Ok(b) => Ok(b.first().copied()),
            Err(e) => Err(Self::syntax_at(pos, format!("cannot read: {e}"))),
        }
    }

    fn bump(&mut self) {
        self.input.consume(1);
        self.pos += 1;
    }

    /// Skips whitespace and returns the next byte (not consumed).
    fn ws(&mut self) -> Result<Option<u8>, Violation> {
        loop {
            match self.peek()? {
                Some(b' ' | b'\t' | b'\n' | b'\r') => self.bump(),
                other => return Ok(other),
            }
        }
    }

    fn eof(&self) -> Violation {
        self.syntax("unexpected end of document")
    }

    /// Reads one JSON value, appending its bytes to `cap`. The value is
    /// only delimited here (strings and brackets); the decoder checks it.
    fn value(&mut self, cap: &mut Capture) -> Result<(), Violation> {
        match self.ws()? {
            None => Err(self.eof()),
            Some(b'{' | b'[' | b'"') => self.nested(cap),
            Some(b'}' | b']' | b',' | b':') => Err(self.syntax("expected a value")),
            Some(_) => self.scalar(cap),
        }
    }

    /// A string, object or array, up to its end.
    fn nested(&mut self, cap: &mut Capture) -> Result<(), Violation> {
        // Closers expected, innermost last.
        let mut open: Vec<u8> = Vec::new();
        let mut in_str = false;
        let mut escaped = false;
        let max_open = self.limits.max_depth.saturating_mul(2).saturating_add(2);
        loop {
            let pos = self.pos;
            let buf = match self.input.fill_buf() {
                Ok(b) => b,
                Err(e) => return Err(Self::syntax_at(pos, format!("cannot read: {e}"))),
            };
            if buf.is_empty() {
                return Err(Self::syntax_at(pos, "unexpected end of document"));
            }
            let mut end = None;
            for (i, &b) in buf.iter().enumerate() {
                if in_str {
                    if escaped {
                        escaped = false;
                    } else if b == b'\\' {
                        escaped = true;
                    } else if b == b'"' {
                        in_str = false;
                        if open.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    continue;
                }
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => {
                        if open.len() >= max_open {
                            return Err(Violation::fatal(
                                Rule::LimitDepth,
                                format!(
                                    "byte {}: JSON nests deeper than the limit of {} elements allows",
                                    pos + i as u64,
                                    self.limits.max_depth
                                ),
                            ));
                        }
                        open.push(if b == b'{' { b'}' } else { b']' });
                    }
                    b'}' | b']' => {
                        if open.pop() != Some(b) {
                            return Err(Self::syntax_at(
                                pos + i as u64,
                                format!("unexpected {:?}", char::from(b)),
                            ));
                        }
                        if open.is_empty() {
                            end = Some(i + 1);
                            break;
                        }
                    }
                    _ => {}
                }
            }
            let n = end.unwrap_or(buf.len());
            cap.push(&buf[..n]);
            self.input.consume(n);
            self.pos += n as u64;
            if end.is_some() {
                return Ok(());
            }
        }
    }

    /// A number, `true`, `false` or `null`, up to the next delimiter.
    fn scalar(&mut self, cap: &mut Capture) -> Result<(), Violation> {
        let mut len = 0usize;
        while let Some(b) = self.peek()? {
            if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                break;
            }
            // No scalar is long; a long run is not JSON.
            len += 1;
            if len > 1024 {
                return Err(self.syntax("expected a value"));
            }
            cap.push(&[b]);
            self.bump();
        }
        Ok(())
    }

    /// A member's name: its bytes as written and its text.
    fn key(&mut self) -> Result<(Vec<u8>, String), Violation> {
        if self.ws()? != Some(b'"') {
            return Err(self.syntax("expected a member name (a string)"));
        }
        let at = self.pos;
        let mut cap = Capture::new(4096);
        self.nested(&mut cap)?;
        if !cap.fits {
            return Err(Self::syntax_at(at, "member name too long"));
        }
        let name: String = serde_json::from_slice(&cap.bytes)
            .map_err(|e| Self::syntax_at(at, format!("bad member name: {e}")))?;
        if self.ws()? != Some(b':') {
            return Err(self.syntax("expected ':' after a member name"));
        }
        self.bump();
        Ok((cap.bytes, name))
    }

    fn start(&mut self) -> Result<(), Violation> {
        if let Ok(b) = self.input.fill_buf() {
            if b.starts_with(b"\xEF\xBB\xBF") {
                self.input.consume(3);
                self.pos += 3;
            }
        }
        match self.ws()? {
            Some(b'{') => {
                self.bump();
                self.head.push(b'{');
                Ok(())
            }
            None => Err(self.eof()),
            Some(_) => Err(Violation::fatal(
                Rule::WrongRoot,
                "an IODEF JSON document is an object with \"version\" and \"Incident\"",
            )),
        }
    }

    /// Reads the next member of the document object. `Ok(None)`: the
    /// `Incident` array starts (or the document ended: state `Done`);
    /// `Ok(Some(item))`: an `Incident` member that is not an array, handed
    /// to the decoder as it is.
    fn member(&mut self, first: bool) -> Result<Option<Item>, Violation> {
        let mut first = first;
        loop {
            match self.ws()? {
                Some(b'}') => {
                    self.bump();
                    self.after_root()?;
                    self.state = State::Done;
                    return Ok(None);
                }
                Some(b',') if !first => self.bump(),
                Some(_) if first => {}
                Some(_) => return Err(self.syntax("expected ',' or '}'")),
                None => return Err(self.eof()),
            }
            first = false;
            let (raw, name) = self.key()?;
            if name == "Incident" {
                if self.seen_incidents {
                    return Err(self.syntax("a second \"Incident\" member"));
                }
                self.seen_incidents = true;
                if self.ws()? == Some(b'[') {
                    self.bump();
                    self.state = State::Incidents { first: true };
                    return Ok(None);
                }
                // Not an array: the decoder says what is wrong with it.
                let mut cap = Capture::new(self.room());
                self.value(&mut cap)?;
                self.state = State::Members { first: false };
                let index = self.index;
                self.index += 1;
                return Ok(Some(self.incident(index, cap, b"\"Incident\":", b"}")));
            }
            let after = self.seen_incidents;
            let mut cap = Capture::new(self.limits.max_bytes.saturating_sub(self.head.len()));
            let at = self.pos;
            self.value(&mut cap)?;
            if name == "AdditionalData" {
                // The document's own, no incident's.
                continue;
            }
            if after {
                return Err(Violation::new(
                    format!("/IODEF-Document/{name}"),
                    Rule::JsonSyntax,
                    format!(
                        "byte {at}: \"{name}\" follows the Incident array; read Incident by Incident, the document's members must come before its incidents"
                    ),
                ));
            }
            if !cap.fits {
                return Err(Violation::fatal(
                    Rule::LimitSize,
                    format!(
                        "byte {at}: the document's members before its incidents are more than the limit of {} bytes",
                        self.limits.max_bytes
                    ),
                ));
            }
            self.head.extend_from_slice(&raw);
            self.head.push(b':');
            self.head.extend_from_slice(&cap.bytes);
            self.head.push(b',');
        }
    }

    /// Bytes left for one Incident under `max_bytes`, the head and the
    /// wrapper counted.
    fn room(&self) -> usize {
        self.limits
            .max_bytes
            .saturating_sub(self.head.len() + "\"Incident\":[]}".len())
    }

    fn incident(&self, index: usize, cap: Capture, open: &[u8], close: &[u8]) -> Item {
        if !cap.fits {
            return Err(Violation::new(
                format!("/IODEF-Document/Incident[{index}]"),
                Rule::LimitSize,
                format!(
                    "Incident {index} (the {} in the document) is more than the limit of {} bytes; it was skipped",
                    crate::split::ordinal(index + 1),
                    self.limits.max_bytes
                ),
            ));
        }
        let mut bytes =
            Vec::with_capacity(self.head.len() + open.len() + cap.bytes.len() + close.len());
        bytes.extend_from_slice(&self.head);
        bytes.extend_from_slice(open);
        bytes.extend_from_slice(&cap.bytes);
        bytes.extend_from_slice(close);
        Ok(IncidentDocument {
            index,
            bytes,
            binding: Binding::Json,
        })
    }

    /// The next element of the `Incident` array, or `None` at its end.
    fn element(&mut self, first: bool) -> Result<Option<Item>, Violation> {
        match self.ws()? {
            Some(b']') if first => {
                self.bump();
                self.state = State::Members { first: false };
                return Ok(None);
            }
            _ if first => {}
            Some(b',') => {
                self.bump();
                if self.ws()? == Some(b']') {
                    return Err(self.syntax("expected a value after ','"));
                }
            }
            Some(b']') => {
                self.bump();
                self.state = State::Members { first: false };
                return Ok(None);
            }
            Some(_) => return Err(self.syntax("expected ',' or ']' in the Incident array")),
            None => return Err(self.eof()),
        }
        let mut cap = Capture::new(self.room());
        self.value(&mut cap)?;
        self.state = State::Incidents { first: false };
        let index = self.index;
        self.index += 1;
        Ok(Some(self.incident(index, cap, b"\"Incident\":[", b"]}")))
    }

    fn after_root(&mut self) -> Result<(), Violation> {
        match self.ws()? {
            None => Ok(()),
            Some(_) => Err(self.syntax("content after the document")),
        }
    }

    fn step(&mut self) -> Result<Option<Item>, Violation> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::Start => {
                    self.start()?;
                    self.state = State::Members { first: true };
                }
                State::Members { first } => {
                    if let Some(item) = self.member(first)? {
                        return Ok(Some(item));
                    }
                }
                State::Incidents { first } => {
                    if let Some(item) = self.element(first)? {
                        return Ok(Some(item));
                    }
                }
            }
        }
    }
}

impl<R: BufRead> Iterator for JsonIncidents<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.state == State::Done {
            return None;
        }
        match self.step() {
            Ok(Some(item)) => Some(item),
            Ok(None) => {
                self.state = State::Done;
                (self.index == 0).then(|| Err(no_incident()))
            }
            Err(v) => {
                self.state = State::Done;
                Some(Err(v))
            }
        }
    }
}
