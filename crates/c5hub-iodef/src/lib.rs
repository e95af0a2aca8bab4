//! IODEF v2: the Incident Object Description Exchange Format of RFC 7970,
//! published by the ITU as X.1541, in its XML binding and in the RFC 8727
//! JSON binding.
//!
//! - [`schema`]: every class, attribute and enumeration of RFC 7970, as data.
//! - [`Document`]: a decoded document, a tree of elements tagged by class,
//!   holding exactly what the document says.
//! - [`decode`] reads either binding (detected from the content), checks it
//!   and returns the tree with every violation found; [`Decoded::strict`]
//!   turns any violation into an error. [`encode_xml`] and [`encode_json`]
//!   write a tree back.
//! - [`model`] converts between documents and the c5hub domain model.
//! - [`XmlIncidents`] reads an XML document of any size one Incident at a
//!   time, each as a document of its own, in bounded memory.
//!
//! This crate does no I/O: callers hand it bytes and get bytes back.

mod diagnostic;
mod json;
pub mod model;
pub mod schema;
mod split;
mod split_json;
mod tree;
mod validate;
mod xml;

pub use diagnostic::{Limits, Rule, Violation};
pub use split::{IncidentDocument, XmlIncidents};
pub use split_json::JsonIncidents;
pub use tree::{Descendants, Document, Element, Foreign, Node};

/// The two bindings of IODEF v2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Binding {
    /// RFC 7970 XML.
    Xml,
    /// RFC 8727 JSON.
    Json,
}

impl Binding {
    /// Detects the binding from the first non-blank byte: `<` is XML, `{`
    /// is JSON.
    pub fn detect(input: &[u8]) -> Option<Binding> {
        let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
        match input.iter().find(|b| !b.is_ascii_whitespace()) {
            Some(b'<') => Some(Binding::Xml),
            Some(b'{') => Some(Binding::Json),
            _ => None,
        }
    }
}

/// A decoded document with everything found wrong in it.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The document as read; in lenient use it is kept even when invalid.
    pub document: Document,
    /// Every violation, in document order.
    pub violations: Vec<Violation>,
    /// The binding it was read from.
    pub binding: Binding,
}

impl Decoded {
    /// The document if it is valid, otherwise every violation.
    pub fn strict(self) -> Result<Document, Vec<Violation>> {
        if self.violations.is_empty() {
            Ok(self.document)
        } else {
            Err(self.violations)
        }
    }

    /// Whether the document is valid.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Decodes and validates a document in either binding.
///
/// `Err` carries the one problem that made reading impossible (syntax, a
/// DTD, a limit, the wrong root); otherwise every schema violation is in
/// [`Decoded::violations`] and the document holds all that could be read.
pub fn decode(input: &[u8], limits: &Limits) -> Result<Decoded, Violation> {
    match Binding::detect(input) {
        Some(Binding::Xml) => decode_xml(input, limits),
        Some(Binding::Json) => decode_json(input, limits),
        None => Err(Violation::new(
            "-",
            Rule::WrongRoot,
            "neither XML (starting with '<') nor JSON (starting with '{')",
        )),
    }
}

/// Decodes and validates an XML document.
pub fn decode_xml(input: &[u8], limits: &Limits) -> Result<Decoded, Violation> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    let (document, mut violations) = xml::decode(input, limits)?;
    validate::validate(&document, &mut violations);
    Ok(Decoded {
        document,
        violations,
        binding: Binding::Xml,
    })
}

/// Decodes and validates an RFC 8727 JSON document.
pub fn decode_json(input: &[u8], limits: &Limits) -> Result<Decoded, Violation> {
    let (document, mut violations) = json::decode(input, limits)?;
    validate::validate(&document, &mut violations);
    Ok(Decoded {
        document,
        violations,
        binding: Binding::Json,
    })
}

/// Validates a document built or changed in memory.
pub fn validate(document: &Document) -> Vec<Violation> {
    let mut out = Vec::new();
    validate::validate(document, &mut out);
    out
}

/// Writes a document in the XML binding.
pub fn encode_xml(document: &Document) -> String {
    xml::encode(document)
}

/// Writes a document in the RFC 8727 JSON binding.
pub fn encode_json(document: &Document, pretty: bool) -> String {
    json::encode(document, pretty)
}

/// Writes a document in the given binding (JSON pretty-printed).
pub fn encode(document: &Document, binding: Binding) -> String {
    match binding {
        Binding::Xml => encode_xml(document),
        Binding::Json => encode_json(document, true),
    }
}
