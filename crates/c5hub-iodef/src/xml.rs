//! The XML binding (RFC 7970 section 8): a namespace-aware reader that
//! refuses DTDs and builds the document tree, and a writer.
//!
//! The reader never expands entities other than the five predefined ones and
//! character references, and refuses any DOCTYPE outright, so neither external
//! entities (XXE) nor entity expansion (billion laughs) can happen. Input size,
//! nesting depth and element count are checked against [`Limits`] as it goes.

use std::borrow::Cow;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::diagnostic::{Limits, Rule, Violation};
use crate::schema::{Class, Content, NS_XML, Ns};
use crate::tree::{Document, Element, Foreign, Node};

const NS_XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";
const NS_XMLNS: &str = "http://www.w3.org/2000/xmlns/";

/// Decodes an XML document into a tree plus the problems met on the way.
///
/// Returns `Err` only when nothing usable could be read (not well-formed,
/// a DTD, a limit, the wrong root); schema violations come back in the list.
pub(crate) fn decode(
    input: &[u8],
    limits: &Limits,
) -> Result<(Document, Vec<Violation>), Violation> {
    limits.check_size(input.len() as u64)?;
    let src = std::str::from_utf8(input).map_err(|e| {
        Violation::fatal(
            Rule::Encoding,
            format!(
                "invalid UTF-8 at byte {}: IODEF documents must be UTF-8",
                e.valid_up_to()
            ),
        )
    })?;
    let mut reader = Reader::from_str(src);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.check_end_names = true;
    config.trim_text(false);
    let mut d = XmlDecoder {
        src,
        reader,
        ns: NsStack::default(),
        depth: 0,
        elements: 0,
        limits: *limits,
        diags: Vec::new(),
    };
    let root = d.document()?;
    Ok((Document { root }, d.diags))
}

struct XmlDecoder<'a> {
    src: &'a str,
    reader: Reader<&'a [u8]>,
    ns: NsStack,
    depth: usize,
    elements: usize,
    limits: Limits,
    diags: Vec<Violation>,
}

/// In-scope namespace bindings; the empty prefix is the default namespace.
#[derive(Default)]
struct NsStack {
    bindings: Vec<(String, String)>,
    marks: Vec<usize>,
}

impl NsStack {
    fn resolve(&self, prefix: &str) -> Option<&str> {
        if prefix == "xml" {
            return Some(NS_XML);
        }
        self.bindings
            .iter()
            .rev()
            .find(|(p, _)| same(p.as_bytes(), prefix.as_bytes()))
            .map(|(_, u)| u.as_str())
    }

    /// Bindings in scope, innermost first, each prefix once.
    fn in_scope(&self) -> Vec<(&str, &str)> {
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (p, u) in self.bindings.iter().rev() {
            if !out.iter().any(|(q, _)| q == p) {
                out.push((p, u));
            }
        }
        out
    }
}

/// Byte equality for the short strings namespace prefixes are: inline,
/// where `==` calls libc's `memcmp` (which cost 18 % of decoding time,
/// measured with perf, since it runs for every element).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// Where an event sits in the source, for messages: line and column, the
/// column counted in characters.
///
/// The parser's error position is a byte offset and may fall inside a
/// multi-byte character (found by fuzzing, with a byte-order mark after
/// the first): it counts from the start of that character.
fn line_col(src: &str, pos: usize) -> (usize, usize) {
    let mut end = pos.min(src.len());
    while !src.is_char_boundary(end) {
        end -= 1;
    }
    let before = &src[..end];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

impl<'a> XmlDecoder<'a> {
    fn pos(&self) -> usize {
        self.reader.buffer_position() as usize
    }

    fn syntax(&self, what: impl std::fmt::Display) -> Violation {
        let pos = self.reader.error_position() as usize;
        let (l, c) = line_col(self.src, if pos == 0 { self.pos() } else { pos });
        Violation::fatal(Rule::XmlSyntax, format!("line {l}, column {c}: {what}"))
    }

    fn next(&mut self) -> Result<Event<'a>, Violation> {
        match self.reader.read_event() {
            Ok(Event::DocType(_)) => {
                let (l, c) = line_col(self.src, self.pos());
                Err(Violation::fatal(
                    Rule::DtdForbidden,
                    format!(
                        "line {l}, column {c}: DOCTYPE declarations are refused (no DTDs or entities in IODEF exchange)"
                    ),
                ))
            }
            Ok(e) => Ok(e),
            Err(e) => Err(self.syntax(e)),
        }
    }

    fn document(&mut self) -> Result<Element, Violation> {
        loop {
            match self.next()? {
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
                Event::Text(t) if is_blank(&t) => {}
                Event::Start(start) => {
                    let root = self.root(start)?;
                    self.after_root()?;
                    return Ok(root);
                }
                Event::Eof => return Err(self.syntax("no root element")),
                _ => return Err(self.syntax("content before the root element")),
            }
        }
    }

    fn after_root(&mut self) -> Result<(), Violation> {
        loop {
            match self.next()? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if is_blank(&t) => {}
                _ => return Err(self.syntax("content after the root element")),
            }
        }
    }

    fn root(&mut self, start: BytesStart<'a>) -> Result<Element, Violation> {
        self.enter()?;
        self.push_ns(&start)?;
        let (uri, local) = self.element_name(&start)?;
        if local != "IODEF-Document" || uri.as_deref() != Some(Ns::Iodef.uri()) {
            let got = match uri {
                Some(u) => format!("{{{u}}}{local}"),
                None => local,
            };
            return Err(Violation::fatal(
                Rule::WrongRoot,
                format!(
                    "root element is {got}, expected IODEF-Document in namespace {}",
                    Ns::Iodef.uri()
                ),
            ));
        }
        let mut path = String::from("/IODEF-Document");
        let el = self.element(start, Class::IodefDocument, &mut path)?;
        Ok(el)
    }

    fn enter(&mut self) -> Result<(), Violation> {
        self.depth += 1;
        self.elements += 1;
        let (src, pos) = (self.src, self.pos());
        self.limits.check_tree(self.depth, self.elements, || {
            let (l, c) = line_col(src, pos);
            format!("line {l}, column {c}")
        })
    }

    fn leave(&mut self) {
        self.depth -= 1;
        if let Some(m) = self.ns.marks.pop() {
            self.ns.bindings.truncate(m);
        }
    }

    fn push_ns(&mut self, start: &BytesStart<'a>) -> Result<(), Violation> {
        self.ns.marks.push(self.ns.bindings.len());
        // Most elements declare nothing: skip parsing their attributes twice.
        if !start.attributes_raw().windows(5).any(|w| w == b"xmlns") {
            return Ok(());
        }
        for a in start.attributes() {
            let a = a.map_err(|e| self.syntax(e))?;
            let key = a.key.as_ref();
            let prefix = if key == b"xmlns" {
                ""
            } else if let Some(p) = key.strip_prefix(b"xmlns:") {
                std::str::from_utf8(p).map_err(|e| self.syntax(e))?
            } else {
                continue;
            };
            let uri = a.unescape_value().map_err(|e| self.syntax(e))?;
            self.ns.bindings.push((prefix.to_owned(), uri.into_owned()));
        }
        Ok(())
    }

    /// Resolves an element's namespace URI and local name.
    /// The class of an element of a known namespace, resolved without
    /// allocating (this runs for every element).
    fn known_class(&self, start: &BytesStart<'a>) -> Result<Option<Class>, Violation> {
        let name = start.name();
        let local =
            std::str::from_utf8(name.local_name().into_inner()).map_err(|e| self.syntax(e))?;
        let prefix = match name.prefix() {
            Some(p) => std::str::from_utf8(p.into_inner()).map_err(|e| self.syntax(e))?,
            None => "",
        };
        Ok(self
            .ns
            .resolve(prefix)
            .and_then(Ns::from_uri)
            .and_then(|ns| Class::lookup(ns, local)))
    }

    fn element_name(&self, start: &BytesStart<'a>) -> Result<(Option<String>, String), Violation> {
        let name = start.name();
        let local =
            std::str::from_utf8(name.local_name().into_inner()).map_err(|e| self.syntax(e))?;
        let prefix = match name.prefix() {
            Some(p) => std::str::from_utf8(p.into_inner()).map_err(|e| self.syntax(e))?,
            None => "",
        };
        let uri = match self.ns.resolve(prefix) {
            Some(u) if !u.is_empty() => Some(u.to_owned()),
            Some(_) => None,
            None if prefix.is_empty() => None,
            None => return Err(self.syntax(format!("namespace prefix {prefix:?} is not declared"))),
        };
        Ok((uri, local.to_owned()))
    }

    /// Reads the rest of an element whose start tag was just read and whose
    /// namespace scope was pushed; pops the scope.
    fn element(
        &mut self,
        start: BytesStart<'a>,
        class: Class,
        path: &mut String,
    ) -> Result<Element, Violation> {
        let def = class.def();
        let mut el = Element::new(class);
        for a in start.attributes() {
            let a = a.map_err(|e| self.syntax(e))?;
            let key = a.key;
            let local =
                std::str::from_utf8(key.local_name().into_inner()).map_err(|e| self.syntax(e))?;
            let name: Cow<'_, str> = match key.prefix() {
                None if key.as_ref() == b"xmlns" => continue,
                None => Cow::Borrowed(local),
                Some(p) => {
                    let p = std::str::from_utf8(p.into_inner()).map_err(|e| self.syntax(e))?;
                    if p == "xmlns" {
                        continue;
                    }
                    match self.ns.resolve(p) {
                        Some(NS_XML) => Cow::Owned(format!("xml:{local}")),
                        // Schema-location hints are for validators, not data.
                        Some(NS_XSI) => continue,
                        Some(NS_XMLNS) => continue,
                        Some(u) => Cow::Owned(format!("{{{u}}}{local}")),
                        None => {
                            return Err(
                                self.syntax(format!("namespace prefix {p:?} is not declared"))
                            );
                        }
                    }
                }
            };
            let value = a.unescape_value().map_err(|e| self.syntax(e))?;
            match def.attr_by_xml(&name) {
                Some((i, _)) => el.attrs.push((i as u8, value.into_owned())),
                None => self.diags.push(Violation::new(
                    format!("{path}/@{name}"),
                    Rule::UnknownAttribute,
                    format!("{} has no attribute {name:?}", def.name),
                )),
            }
        }
        match def.content {
            Content::Mixed => self.mixed(&mut el)?,
            _ => self.content(&mut el, path)?,
        }
        self.leave();
        Ok(el)
    }

    /// Children and text of a non-mixed element, up to its end tag.
    fn content(&mut self, el: &mut Element, path: &mut String) -> Result<(), Violation> {
        let def = el.class.def();
        let takes_text = matches!(def.content, Content::Text(_));
        let mut text = String::new();
        let mut seen: Vec<(&'static str, usize)> = Vec::new();
        loop {
            let before = self.pos();
            match self.next()? {
                Event::End(_) => break,
                Event::Text(t) => {
                    let s = t.unescape().map_err(|e| self.syntax(e))?;
                    if takes_text {
                        text.push_str(&s);
                    } else if !s.trim().is_empty() {
                        self.diags.push(Violation::new(
                            path.clone(),
                            Rule::UnexpectedText,
                            format!(
                                "{} holds only elements, found text {:?}",
                                def.name,
                                shorten(s.trim())
                            ),
                        ));
                    }
                }
                Event::CData(c) => {
                    let s = std::str::from_utf8(&c).map_err(|e| self.syntax(e))?;
                    if takes_text {
                        text.push_str(s);
                    } else if !s.trim().is_empty() {
                        self.diags.push(Violation::new(
                            path.clone(),
                            Rule::UnexpectedText,
                            format!("{} holds only elements, found character data", def.name),
                        ));
                    }
                }
                Event::Start(start) => {
                    self.enter()?;
                    self.push_ns(&start)?;
                    let known = self.known_class(&start)?;
                    let allowed = known.filter(|&k| def.slot_of_class(k).is_some());
                    if let Some(k) = allowed {
                        let n = bump(&mut seen, k.name());
                        let len = path.len();
                        path.push('/');
                        path.push_str(k.name());
                        push_index(path, n);
                        let child = self.element(start, k, path)?;
                        path.truncate(len);
                        el.children.push(Node::Element(child));
                    } else {
                        let (uri, local) = self.element_name(&start)?;
                        let ns = uri.unwrap_or_default();
                        if def.slot_of_foreign(&ns, &local).is_none() {
                            let n = seen
                                .iter()
                                .find(|(s, _)| *s == local)
                                .map_or(0, |(_, n)| *n);
                            self.diags.push(Violation::new(
                                format!("{path}/{local}[{n}]"),
                                Rule::UnknownElement,
                                format!("{} may not contain {}", def.name, qualified(&ns, &local)),
                            ));
                        }
                        let xml = self.capture(before, &start)?;
                        el.children.push(Node::Foreign(Foreign {
                            ns,
                            name: local,
                            xml,
                        }));
                    }
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.syntax("unexpected end of document")),
                // Empty tags arrive expanded into Start and End.
                Event::Empty(_) | Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.syntax("declaration inside an element"));
                }
            }
        }
        if takes_text {
            el.text = Some(text);
        }
        Ok(())
    }

    /// Captures an element verbatim (its start tag was just read at byte
    /// `at`), making it carry the namespace declarations it relies on. Pops
    /// the element's scope.
    fn capture(&mut self, at: usize, start: &BytesStart<'a>) -> Result<String, Violation> {
        let scope: Vec<(String, String)> = self
            .ns
            .in_scope()
            .into_iter()
            .map(|(p, u)| (p.to_owned(), u.to_owned()))
            .collect();
        self.reader
            .read_to_end(start.name())
            .map_err(|e| self.syntax(e))?;
        let end = self.pos();
        self.leave();
        Ok(self_contained(&self.src[at..end], &scope))
    }

    /// Mixed content (ExtensionType and the like): character data when it is
    /// only text, otherwise the markup verbatim.
    fn mixed(&mut self, el: &mut Element) -> Result<(), Violation> {
        let from = self.pos();
        let mut text = String::new();
        let mut has_elements = false;
        let scope: Vec<(String, String)> = self
            .ns
            .in_scope()
            .into_iter()
            .map(|(p, u)| (p.to_owned(), u.to_owned()))
            .collect();
        let to = loop {
            let before = self.pos();
            match self.next()? {
                Event::End(_) => break before,
                Event::Text(t) => text.push_str(&t.unescape().map_err(|e| self.syntax(e))?),
                Event::CData(c) => {
                    text.push_str(std::str::from_utf8(&c).map_err(|e| self.syntax(e))?)
                }
                Event::Start(s) => {
                    has_elements = true;
                    self.enter()?;
                    self.reader
                        .read_to_end(s.name())
                        .map_err(|e| self.syntax(e))?;
                    self.depth -= 1;
                }
                Event::Comment(_) | Event::PI(_) => {}
                Event::Eof => return Err(self.syntax("unexpected end of document")),
                // Empty tags arrive expanded into Start and End.
                Event::Empty(_) | Event::Decl(_) | Event::DocType(_) => {
                    return Err(self.syntax("declaration inside an element"));
                }
            }
        };
        if has_elements {
            el.text = Some(self_contained(&self.src[from..to], &scope));
            el.text_is_xml = true;
        } else {
            el.text = Some(text);
        }
        Ok(())
    }
}

fn is_blank(t: &[u8]) -> bool {
    t.iter().all(|b| b.is_ascii_whitespace())
}

fn bump(seen: &mut Vec<(&'static str, usize)>, name: &'static str) -> usize {
    match seen.iter_mut().find(|(n, _)| *n == name) {
        Some((_, c)) => {
            *c += 1;
            *c - 1
        }
        None => {
            seen.push((name, 1));
            0
        }
    }
}

/// Appends `[n]` (without the formatting machinery: this runs for every
/// element of every document).
pub(crate) fn push_index(path: &mut String, n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    path.push('[');
    for &d in &digits[i..] {
        path.push(d as char);
    }
    path.push(']');
}

fn qualified(ns: &str, local: &str) -> String {
    match Ns::from_uri(ns) {
        Some(Ns::Iodef) => local.to_owned(),
        _ if ns.is_empty() => local.to_owned(),
        _ => format!("{{{ns}}}{local}"),
    }
}

fn shorten(s: &str) -> String {
    if s.chars().count() > 40 {
        let cut: String = s.chars().take(40).collect();
        format!("{cut}…")
    } else {
        s.to_owned()
    }
}

/// Adds to each top-level start tag of `fragment` the namespace bindings of
/// `scope` it relies on and does not declare itself, so the fragment means
/// the same wherever it is written again. Idempotent.
pub(crate) fn self_contained(fragment: &str, scope: &[(String, String)]) -> String {
    // First pass: which prefixes the fragment uses, whether it has unprefixed
    // element names, and where its top-level start tags are.
    let mut used: Vec<Vec<u8>> = Vec::new();
    let mut uses_default = false;
    let mut tops: Vec<(usize, Vec<Vec<u8>>)> = Vec::new();
    let mut reader = Reader::from_str(fragment);
    reader.config_mut().trim_text(false);
    let mut depth = 0usize;
    loop {
        let at = reader.buffer_position() as usize;
        let Ok(ev) = reader.read_event() else { break }; // Read once already; be lenient.
        match ev {
            Event::Start(ref s) | Event::Empty(ref s) => {
                match s.name().prefix() {
                    Some(p) => used.push(p.as_ref().to_vec()),
                    None => uses_default = true,
                }
                let mut declared = Vec::new();
                for a in s.attributes().flatten() {
                    let k = a.key.as_ref();
                    if k == b"xmlns" {
                        declared.push(Vec::new());
                    } else if let Some(p) = k.strip_prefix(b"xmlns:") {
                        declared.push(p.to_vec());
                    } else if let Some(p) = a.key.prefix() {
                        used.push(p.as_ref().to_vec());
                    }
                }
                if depth == 0 {
                    tops.push((at + 1 + s.name().as_ref().len(), declared));
                }
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof => break,
            _ => {}
        }
    }
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for (at, declared) in tops {
        let mut add = String::new();
        for (p, u) in scope {
            let needed = if p.is_empty() {
                uses_default
            } else {
                used.iter().any(|x| x == p.as_bytes())
            };
            if needed && p != "xml" && !declared.iter().any(|d| d == p.as_bytes()) {
                if p.is_empty() {
                    add.push_str(&format!(" xmlns=\"{}\"", escape_attr(u)));
                } else {
                    add.push_str(&format!(" xmlns:{p}=\"{}\"", escape_attr(u)));
                }
            }
        }
        let default_known =
            scope.iter().any(|(p, _)| p.is_empty()) || declared.iter().any(|d| d.is_empty());
        if uses_default && !default_known {
            // No default namespace here: keep unprefixed names in none.
            add.push_str(" xmlns=\"\"");
        }
        if !add.is_empty() {
            inserts.push((at, add));
        }
    }
    if inserts.is_empty() {
        return fragment.to_owned();
    }
    let mut out =
        String::with_capacity(fragment.len() + inserts.iter().map(|(_, s)| s.len()).sum::<usize>());
    let mut last = 0;
    for (at, add) in inserts {
        out.push_str(&fragment[last..at]);
        out.push_str(&add);
        last = at;
    }
    out.push_str(&fragment[last..]);
    out
}

// ---------------------------------------------------------------------------
// Writer

/// Writes a document as indented XML with IODEF as the default namespace.
pub(crate) fn encode(doc: &Document) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let mut uses = [false; 3];
    for e in doc.root.descendants() {
        uses[ns_index(e.class.def().ns)] = true;
    }
    let mut decls = format!(" xmlns=\"{}\"", Ns::Iodef.uri());
    for ns in [Ns::Sci, Ns::Enum] {
        if uses[ns_index(ns)] {
            if let Some(p) = ns.prefix() {
                decls.push_str(&format!(" xmlns:{p}=\"{}\"", ns.uri()));
            }
        }
    }
    write_element(&mut out, &doc.root, 0, &decls);
    out.push('\n');
    out
}

fn ns_index(ns: Ns) -> usize {
    match ns {
        Ns::Iodef => 0,
        Ns::Sci => 1,
        Ns::Enum => 2,
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_element(out: &mut String, el: &Element, depth: usize, decls: &str) {
    let def = el.class.def();
    let qname: Cow<'_, str> = match def.ns.prefix() {
        Some(p) => Cow::Owned(format!("{p}:{}", def.name)),
        None => Cow::Borrowed(def.name),
    };
    out.push('<');
    out.push_str(&qname);
    out.push_str(decls);
    for (i, v) in &el.attrs {
        if let Some(a) = def.attrs.get(*i as usize) {
            out.push(' ');
            out.push_str(a.xml);
            out.push_str("=\"");
            out.push_str(&escape_attr(v));
            out.push('"');
        }
    }
    let has_text = el.text.as_deref().is_some_and(|t| !t.is_empty());
    if !has_text && el.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    if let Some(t) = &el.text {
        if el.text_is_xml {
            out.push_str(t);
        } else {
            escape_text_into(out, t);
        }
    }
    if !el.children.is_empty() {
        for c in &el.children {
            out.push('\n');
            indent(out, depth + 1);
            match c {
                Node::Element(e) => write_element(out, e, depth + 1, ""),
                Node::Foreign(f) => out.push_str(&f.xml),
            }
        }
        out.push('\n');
        indent(out, depth);
    }
    out.push_str("</");
    out.push_str(&qname);
    out.push('>');
}

pub(crate) fn escape_attr(s: &str) -> Cow<'_, str> {
    if !s
        .bytes()
        .any(|b| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\n' | b'\r' | b'\t'))
    {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // Attribute-value normalisation would turn these into spaces.
            '\n' => o.push_str("&#10;"),
            '\r' => o.push_str("&#13;"),
            '\t' => o.push_str("&#9;"),
            c => o.push(c),
        }
    }
    Cow::Owned(o)
}

fn escape_text_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A bare CR would be normalised to LF by the next reader.
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Whether a string is a well-formed XML fragment (elements and text).
pub(crate) fn is_xml_fragment(s: &str) -> bool {
    if !s.trim_start().starts_with('<') {
        return false;
    }
    let mut reader = Reader::from_str(s);
    reader.config_mut().check_end_names = true;
    let mut depth = 0i64;
    let mut saw_element = false;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                depth += 1;
                saw_element = true;
            }
            Ok(Event::Empty(_)) => saw_element = true,
            Ok(Event::End(_)) => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            Ok(Event::Eof) => return depth == 0 && saw_element,
            Ok(Event::DocType(_)) | Ok(Event::Decl(_)) => return false,
            Ok(Event::Text(t)) => {
                if t.unescape().is_err() {
                    return false;
                }
            }
            Ok(_) => {}
            Err(_) => return false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_inside_a_character_do_not_panic() {
        let src = "ab\ncd\u{feff}ef";
        // Byte 6 is the middle of the byte-order mark (bytes 5..8).
        assert_eq!(line_col(src, 6), (2, 3));
        assert_eq!(line_col(src, 8), (2, 4));
        assert_eq!(line_col(src, 999), (2, 6));
        assert_eq!(line_col("é", 0), (1, 1));
    }

    #[test]
    fn fuzzed_bom_document_is_an_error_not_a_panic() {
        // fuzz/artifacts/submission/crash-249d1ef2...: two byte-order marks
        // and a broken start tag.
        let input = b"\xef\xbb\xbf\xef\xbb\xbfpurpose=\"mitig'EF-lc\xef\xbb\xbf\n<IO\"s\":[\"vebsion=\"2.2,";
        assert!(crate::decode_xml(input, &crate::Limits::default()).is_err());
    }

    #[test]
    fn fragments_gain_the_declarations_they_need() {
        let scope = vec![
            ("".to_owned(), "urn:d".to_owned()),
            ("x".to_owned(), "urn:x".to_owned()),
        ];
        let got = self_contained("<x:a><b/></x:a>", &scope);
        assert_eq!(got, "<x:a xmlns=\"urn:d\" xmlns:x=\"urn:x\"><b/></x:a>");
        // Only what is used is declared.
        assert_eq!(self_contained("<x:a/>", &scope), "<x:a xmlns:x=\"urn:x\"/>");
        // Idempotent: a second pass adds nothing.
        assert_eq!(self_contained(&got, &scope), got);
        let empty = self_contained("<a/>text<b/>", &[]);
        assert_eq!(empty, "<a xmlns=\"\"/>text<b xmlns=\"\"/>");
    }

    #[test]
    fn fragment_check() {
        assert!(is_xml_fragment("<a><b/></a>"));
        assert!(is_xml_fragment(" <a/>x<b>y</b>"));
        assert!(!is_xml_fragment("plain text"));
        assert!(!is_xml_fragment("<a>"));
        assert!(!is_xml_fragment("<a></b>"));
    }
}
