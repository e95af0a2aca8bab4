//! Reading an IODEF XML document of any size, one Incident at a time.
//!
//! A hub's export is one IODEF-Document holding every incident (120 MB for
//! 100,000 of them), more than a reader should hold as one tree. This
//! reader streams the document with quick-xml and hands out each Incident
//! as a document of its own: the IODEF-Document's start tag exactly as
//! written (so its attributes and namespace declarations apply to every
//! incident), the Incident's bytes exactly as written, and the end tag.
//! Each is then decoded and validated like any document
//! ([`IncidentDocument::decode`]), so [`Limits`] guard one Incident, not
//! the whole file, and violation paths name the Incident's index in the
//! whole document.
//!
//! The safety rules are those of the whole-document reader: a DOCTYPE
//! anywhere is refused, no entity but the predefined ones is expanded, the
//! document must be UTF-8. Memory is bounded by the largest Incident
//! accepted (`max_bytes`): an Incident larger than that is skipped without
//! being held, and comes back as an error naming it.
//!
//! What a document-wide reading checks across incidents is checked within
//! each Incident only: IDs must be unique, and references must resolve,
//! inside their Incident. Document-level AdditionalData belongs to no
//! incident and is skipped.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::diagnostic::{Limits, Rule, Violation};
use crate::schema::Ns;
use crate::{Binding, Decoded, decode_json, decode_xml};

/// One Incident of a streamed document, as a document of its own.
#[derive(Clone, Debug)]
pub struct IncidentDocument {
    /// The Incident's index in the whole document (0 is the first).
    pub index: usize,
    /// The IODEF-Document's start tag, the Incident, and the end tag (XML);
    /// the document object's members and an `Incident` array of one (JSON).
    pub bytes: Vec<u8>,
    /// The binding of `bytes`.
    pub binding: Binding,
}

impl IncidentDocument {
    /// The path of this Incident in the whole document.
    pub fn path(&self) -> String {
        format!("/IODEF-Document/Incident[{}]", self.index)
    }

    /// Decodes and validates this Incident's document, with every path and
    /// message naming the Incident by its index in the whole document.
    pub fn decode(&self, limits: &Limits) -> Result<Decoded, Violation> {
        let decoded = match self.binding {
            Binding::Xml => decode_xml(&self.bytes, limits),
            Binding::Json => decode_json(&self.bytes, limits),
        };
        match decoded {
            Ok(mut d) => {
                for v in &mut d.violations {
                    v.path = self.reindex(&v.path);
                }
                Ok(d)
            }
            Err(v) => Err(self.locate(v)),
        }
    }

    /// `/IODEF-Document/Incident[0]...` (the only Incident of this
    /// document) as `/IODEF-Document/Incident[index]...`.
    pub fn reindex(&self, path: &str) -> String {
        match path.strip_prefix("/IODEF-Document/Incident[0]") {
            Some(rest) => format!("{}{rest}", self.path()),
            None => path.to_owned(),
        }
    }

    /// A fatal violation of this Incident's document: positions in it mean
    /// nothing in the file, so it is named by its path.
    fn locate(&self, mut v: Violation) -> Violation {
        if v.path == "-" {
            v.path = self.path();
        } else {
            v.path = self.reindex(&v.path);
        }
        v
    }
}

/// What the stream yields: an Incident, or an Incident that was refused
/// as it was read (too large, too deep) and skipped.
pub type Item = Result<IncidentDocument, Violation>;

/// Streams the Incidents of an IODEF XML document; see the module docs.
///
/// After a fatal error (syntax, DOCTYPE, wrong root, too deep) the
/// iterator yields it once and ends; an Incident over `max_bytes` is
/// yielded as an error and reading goes on with the next one.
pub struct XmlIncidents<R: BufRead> {
    reader: Reader<R>,
    limits: Limits,
    buf: Vec<u8>,
    /// `IODEF-Document` start tag as written, once read.
    head: Option<Vec<u8>>,
    /// The root's qualified name, for the end tag.
    root_name: Vec<u8>,
    /// Namespace declarations of the root: (prefix, URI).
    root_ns: Vec<(Vec<u8>, Vec<u8>)>,
    index: usize,
    done: bool,
}

impl<R: BufRead> XmlIncidents<R> {
    /// Starts reading `input` (a byte-order mark is skipped).
    pub fn new(mut input: R, limits: Limits) -> Self {
        if let Ok(b) = input.fill_buf() {
            if b.starts_with(b"\xEF\xBB\xBF") {
                input.consume(3);
            }
        }
        let mut reader = Reader::from_reader(input);
        let config = reader.config_mut();
        config.expand_empty_elements = false;
        config.check_end_names = true;
        config.trim_text(false);
        XmlIncidents {
            reader,
            limits,
            buf: Vec::new(),
            head: None,
            root_name: Vec::new(),
            root_ns: Vec::new(),
            index: 0,
            done: false,
        }
    }

    /// Bytes read so far.
    pub fn position(&self) -> u64 {
        self.reader.buffer_position()
    }

    fn syntax(&self, what: impl std::fmt::Display) -> Violation {
        let pos = match self.reader.error_position() {
            0 => self.reader.buffer_position(),
            p => p,
        };
        Violation::fatal(Rule::XmlSyntax, format!("byte {pos}: {what}"))
    }

    fn doctype(&self) -> Violation {
        Violation::fatal(
            Rule::DtdForbidden,
            format!(
                "byte {}: DOCTYPE declarations are refused (no DTDs or entities in IODEF exchange)",
                self.reader.buffer_position()
            ),
        )
    }

    /// Reads up to the root's start tag and checks it.
    fn prolog(&mut self) -> Result<bool, Violation> {
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e.into_owned(),
                Err(e) => return Err(self.syntax(e)),
            };
            match ev {
                Event::Decl(decl) => {
                    if let Some(Ok(enc)) = decl.encoding() {
                        let enc = String::from_utf8_lossy(&enc).to_ascii_lowercase();
                        if enc != "utf-8" && enc != "utf8" {
                            return Err(Violation::fatal(
                                Rule::Encoding,
                                format!(
                                    "declared encoding {enc:?} is not supported: IODEF documents must be UTF-8"
                                ),
                            ));
                        }
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
                Event::DocType(_) => return Err(self.doctype()),
                Event::Start(s) => {
                    self.root(&s)?;
                    return Ok(true);
                }
                Event::Empty(s) => {
                    // A root without content holds no Incident.
                    self.root(&s)?;
                    return Ok(false);
                }
                Event::Eof => return Err(self.syntax("no root element")),
                _ => return Err(self.syntax("content before the root element")),
            }
        }
    }

    fn root(&mut self, s: &BytesStart<'_>) -> Result<(), Violation> {
        std::str::from_utf8(s).map_err(|_| {
            Violation::fatal(
                Rule::Encoding,
                "invalid UTF-8 in the root element: IODEF documents must be UTF-8",
            )
        })?;
        self.root_ns = declarations(s);
        let name = s.name();
        let uri = resolve(name.prefix().map(|p| p.into_inner()), &[], &self.root_ns);
        let local = String::from_utf8_lossy(name.local_name().into_inner()).into_owned();
        if local != "IODEF-Document" || uri.as_deref() != Some(Ns::Iodef.uri().as_bytes()) {
            let got = match uri {
                Some(u) if !u.is_empty() => format!("{{{}}}{local}", String::from_utf8_lossy(&u)),
                _ => local,
            };
            return Err(Violation::fatal(
                Rule::WrongRoot,
                format!(
                    "root element is {got}, expected IODEF-Document in namespace {}",
                    Ns::Iodef.uri()
                ),
            ));
        }
        self.root_name = name.as_ref().to_vec();
        let mut head = Vec::with_capacity(s.len() + 2);
        head.push(b'<');
        head.extend_from_slice(s);
        head.push(b'>');
        self.head = Some(head);
        Ok(())
    }

    /// Reads the next top-level element: `Ok(None)` at the root's end.
    fn next_incident(&mut self) -> Result<Option<Item>, Violation> {
        loop {
            self.buf.clear();
            let ev = match self.reader.read_event_into(&mut self.buf) {
                Ok(e) => e.into_owned(),
                Err(e) => return Err(self.syntax(e)),
            };
            let empty = matches!(ev, Event::Empty(_));
            match ev {
                Event::End(_) => {
                    self.after_root()?;
                    return Ok(None);
                }
                Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
                Event::Text(_) | Event::CData(_) => {
                    return Err(self.syntax("IODEF-Document holds only elements, found text"));
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::DocType(_) => return Err(self.doctype()),
                Event::Decl(_) => return Err(self.syntax("declaration inside an element")),
                Event::Eof => return Err(self.syntax("unexpected end of document")),
                Event::Start(s) | Event::Empty(s) => {
                    let own = declarations(&s);
                    let name = s.name();
                    let uri = resolve(name.prefix().map(|p| p.into_inner()), &own, &self.root_ns);
                    let is_incident = name.local_name().as_ref() == b"Incident"
                        && uri.as_deref() == Some(Ns::Iodef.uri().as_bytes());
                    if !is_incident {
                        // Document-level AdditionalData (or anything else):
                        // no incident's. Unknown elements are refused, as a
                        // whole-document reading would.
                        let additional = name.local_name().as_ref() == b"AdditionalData"
                            && uri.as_deref() == Some(Ns::Iodef.uri().as_bytes());
                        if !additional {
                            return Err(Violation::new(
                                format!(
                                    "/IODEF-Document/{}",
                                    String::from_utf8_lossy(name.local_name().as_ref())
                                ),
                                Rule::UnknownElement,
                                format!(
                                    "IODEF-Document may not contain {}",
                                    String::from_utf8_lossy(name.as_ref())
                                ),
                            ));
                        }
                        if !empty {
                            self.skip(&s, None)?;
                        }
                        continue;
                    }
                    let index = self.index;
                    self.index += 1;
                    return Ok(Some(self.capture(&s, empty, index)));
                }
            }
        }
    }

    /// Reads the rest of an Incident whose start tag `s` was just read.
    fn capture(&mut self, s: &BytesStart<'_>, empty: bool, index: usize) -> Item {
        let head = self.head.as_deref().unwrap_or_default();
        let mut out = Vec::with_capacity(head.len() + 1024);
        out.extend_from_slice(head);
        out.push(b'<');
        out.extend_from_slice(s);
        if empty {
            out.extend_from_slice(b"/>");
        } else {
            out.push(b'>');
            let max = self.limits.max_bytes;
            match self.skip(s, Some((&mut out, max))) {
                Ok(true) => {}
                Ok(false) => {
                    return Err(Violation::new(
                        format!("/IODEF-Document/Incident[{index}]"),
                        Rule::LimitSize,
                        format!(
                            "Incident {index} (the {} in the document) is more than the limit of {max} bytes; it was skipped",
                            ordinal(index + 1)
                        ),
                    ));
                }
                Err(v) => return Err(v),
            }
        }
        out.extend_from_slice(b"</");
        out.extend_from_slice(&self.root_name);
        out.push(b'>');
        Ok(IncidentDocument {
            index,
            bytes: out,
            binding: Binding::Xml,
        })
    }

    /// Reads up to the end of the element whose start tag was just read,
    /// appending what it reads to `into` while it stays under the byte
    /// limit. `Ok(false)`: the element was larger and was skipped.
    fn skip(
        &mut self,
        s: &BytesStart<'_>,
        mut into: Option<(&mut Vec<u8>, usize)>,
    ) -> Result<bool, Violation> {
        let _ = s;
        // The root is at depth 1, the element at 2.
        let mut depth = 2usize;
        let mut fits = true;
        // A buffer of its own: the events borrow it while `self` reports.
        let mut buf = Vec::new();
        loop {
            buf.clear();
            let ev = match self.reader.read_event_into(&mut buf) {
                Ok(e) => e,
                Err(e) => return Err(self.syntax(e)),
            };
            let (pre, body, post): (&[u8], &[u8], &[u8]) = match &ev {
                Event::Start(t) => {
                    depth += 1;
                    if depth > self.limits.max_depth {
                        return Err(Violation::fatal(
                            Rule::LimitDepth,
                            format!(
                                "byte {}: elements nest deeper than the limit of {}",
                                self.reader.buffer_position(),
                                self.limits.max_depth
                            ),
                        ));
                    }
                    (b"<", &t[..], b">")
                }
                Event::Empty(t) => (b"<", &t[..], b"/>"),
                Event::End(t) => {
                    depth -= 1;
                    (b"</", &t[..], b">")
                }
                Event::Text(t) => (b"", &t[..], b""),
                Event::CData(t) => (b"<![CDATA[", &t[..], b"]]>"),
                Event::Comment(t) => (b"<!--", &t[..], b"-->"),
                Event::PI(t) => (b"<?", &t[..], b"?>"),
                Event::DocType(_) => return Err(self.doctype()),
                Event::Decl(_) => return Err(self.syntax("declaration inside an element")),
                Event::Eof => return Err(self.syntax("unexpected end of document")),
            };
            if let Some((out, max)) = into.as_mut() {
                if fits {
                    if out.len() + pre.len() + body.len() + post.len() > *max {
                        fits = false;
                        out.clear();
                        out.shrink_to_fit();
                    } else {
                        out.extend_from_slice(pre);
                        out.extend_from_slice(body);
                        out.extend_from_slice(post);
                    }
                }
            }
            if depth == 1 {
                return Ok(fits);
            }
        }
    }

    fn after_root(&mut self) -> Result<(), Violation> {
        loop {
            self.buf.clear();
            match self.reader.read_event_into(&mut self.buf) {
                Ok(Event::Eof) => return Ok(()),
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::DocType(_)) => return Err(self.doctype()),
                Ok(_) => return Err(self.syntax("content after the root element")),
                Err(e) => return Err(self.syntax(e)),
            }
        }
    }
}

impl<R: BufRead> Iterator for XmlIncidents<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        if self.head.is_none() {
            match self.prolog() {
                Ok(true) => {}
                Ok(false) => {
                    self.done = true;
                    return Some(Err(no_incident()));
                }
                Err(v) => {
                    self.done = true;
                    return Some(Err(v));
                }
            }
        }
        match self.next_incident() {
            Ok(Some(item)) => Some(item),
            Ok(None) => {
                self.done = true;
                (self.index == 0).then(|| Err(no_incident()))
            }
            Err(v) => {
                self.done = true;
                Some(Err(v))
            }
        }
    }
}

impl<R: BufRead> XmlIncidents<R> {
    /// Whether the last error ended the stream (fatal), as opposed to one
    /// Incident refused and skipped.
    pub fn is_done(&self) -> bool {
        self.done
    }
}

pub(crate) fn no_incident() -> Violation {
    Violation::new(
        "/IODEF-Document",
        Rule::MissingElement,
        "IODEF-Document must contain at least one Incident",
    )
}

pub(crate) fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

/// The namespace declarations of a start tag: (prefix, URI), the default
/// namespace with an empty prefix.
fn declarations(s: &BytesStart<'_>) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    for a in s.attributes().flatten() {
        let key = a.key.as_ref();
        let prefix = if key == b"xmlns" {
            Vec::new()
        } else if let Some(p) = key.strip_prefix(b"xmlns:") {
            p.to_vec()
        } else {
            continue;
        };
        let uri = a
            .unescape_value()
            .map(|v| v.as_bytes().to_vec())
            .unwrap_or_else(|_| a.value.to_vec());
        out.push((prefix, uri));
    }
    out
}

/// The namespace URI of a prefix (none: the default namespace), looking in
/// the element's own declarations first, then the root's.
fn resolve(
    prefix: Option<&[u8]>,
    own: &[(Vec<u8>, Vec<u8>)],
    root: &[(Vec<u8>, Vec<u8>)],
) -> Option<Vec<u8>> {
    let p = prefix.unwrap_or_default();
    own.iter()
        .chain(root)
        .find(|(q, _)| q == p)
        .map(|(_, u)| u.clone())
}
