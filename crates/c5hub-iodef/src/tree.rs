//! The document tree: IODEF content as elements tagged with their class.
//!
//! A tree holds exactly what a document says, in document order, so that
//! nothing is lost between decoding and encoding. Attribute values and text
//! stay as written; typing them is validation's job, and the conversion to
//! the domain model reads them through the accessors here.

use crate::schema::Class;

/// A decoded IODEF document.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    /// The `IODEF-Document` element.
    pub root: Element,
}

/// An element of a class the model knows.
#[derive(Clone, Debug, PartialEq)]
pub struct Element {
    /// Its class.
    pub class: Class,
    /// Attribute values by index into the class's attribute table, in the
    /// order they were written.
    pub attrs: Vec<(u8, String)>,
    /// Text content (text classes) or the verbatim content of mixed classes.
    pub text: Option<String>,
    /// Whether `text` is XML markup (mixed content holding elements) rather
    /// than character data.
    pub text_is_xml: bool,
    /// Child elements in document order.
    pub children: Vec<Node>,
}

/// A child of an element.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    /// An element of a class the model knows.
    Element(Element),
    /// An element of another namespace (xmldsig, or content the schema does
    /// not allow, kept so that lenient decoding loses nothing).
    Foreign(Foreign),
}

/// An element kept verbatim.
#[derive(Clone, Debug, PartialEq)]
pub struct Foreign {
    /// Namespace URI (empty for none).
    pub ns: String,
    /// Local name.
    pub name: String,
    /// The element as XML text, carrying the namespace declarations it needs.
    pub xml: String,
}

impl Element {
    /// A new empty element.
    pub fn new(class: Class) -> Element {
        Element {
            class,
            attrs: Vec::new(),
            text: None,
            text_is_xml: false,
            children: Vec::new(),
        }
    }

    /// The value of the attribute named `xml_name` as written, if present.
    pub fn attr(&self, xml_name: &str) -> Option<&str> {
        let def = self.class.def();
        self.attrs
            .iter()
            .find(|(i, _)| {
                def.attrs
                    .get(*i as usize)
                    .is_some_and(|a| a.xml == xml_name)
            })
            .map(|(_, v)| v.as_str())
    }

    /// The attribute's value, or its schema default.
    pub fn attr_or_default(&self, xml_name: &str) -> Option<&str> {
        self.attr(xml_name).or_else(|| {
            self.class
                .def()
                .attr_by_xml(xml_name)
                .and_then(|(_, a)| a.default)
        })
    }

    /// Sets an attribute, replacing an earlier value.
    ///
    /// Returns false when the class has no such attribute.
    pub fn set_attr(&mut self, xml_name: &str, value: impl Into<String>) -> bool {
        let Some((i, _)) = self.class.def().attr_by_xml(xml_name) else {
            return false;
        };
        let i = i as u8;
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| *k == i) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((i, value)),
        }
        true
    }

    /// Child elements of a class.
    pub fn children_of(&self, class: Class) -> impl Iterator<Item = &Element> {
        self.elements().filter(move |e| e.class == class)
    }

    /// The first child element of a class.
    pub fn child(&self, class: Class) -> Option<&Element> {
        self.children_of(class).next()
    }

    /// All child elements of known classes.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Foreign(_) => None,
        })
    }

    /// The text of the first child of a class.
    pub fn child_text(&self, class: Class) -> Option<&str> {
        self.child(class).and_then(|e| e.text.as_deref())
    }

    /// This element and every element below it, depth first.
    pub fn descendants(&self) -> Descendants<'_> {
        Descendants { stack: vec![self] }
    }

    /// Orders children by their slot in the content model, keeping the
    /// relative order of children in the same slot.
    ///
    /// The JSON binding stores some alternatives of a repeated choice in
    /// separate arrays, so their interleaving (which carries no meaning in
    /// IODEF) cannot survive XML to JSON to XML; comparing canonical forms
    /// compares what the document means.
    pub fn canonicalize(&mut self) {
        let def = self.class.def();
        let rank = |n: &Node| -> usize {
            match n {
                Node::Element(e) => def.slot_of_class(e.class),
                Node::Foreign(f) => def.slot_of_foreign(&f.ns, &f.name),
            }
            .unwrap_or(usize::MAX)
        };
        if !self.children.is_empty() {
            self.children.sort_by_key(rank);
        }
        // JSON writes attributes in schema order, XML keeps them as written.
        self.attrs.sort_by_key(|(i, _)| *i);
        for c in &mut self.children {
            if let Node::Element(e) = c {
                e.canonicalize();
            }
        }
    }
}

impl Document {
    /// The canonical form: what survives either binding. Children are in
    /// content-model order (see [`Element::canonicalize`]) and the wrappers
    /// RFC 8727 leaves out are in the form its JSON can express: one wrapper
    /// per parent, and a wrapper's `restriction` moved onto the children it
    /// governs (RFC 7970 section 3.3: a child inherits its parent's
    /// restriction), which keeps every element's effective restriction.
    pub fn canonical(mut self) -> Document {
        fold_wrappers(&mut self.root);
        self.root.canonicalize();
        self
    }
}

/// Merges repeated wrappers that RFC 8727 leaves out and pushes their
/// restriction down; see [`Document::canonical`].
pub(crate) fn fold_wrappers(el: &mut Element) {
    use crate::schema::{JsonVia, Target};
    let def = el.class.def();
    for sd in def.children {
        let (JsonVia::Unwrap(_), Target::Class(wrapper)) = (sd.json_via, sd.target) else {
            continue;
        };
        let mut merged: Option<Element> = None;
        let mut at = None;
        let mut rest = Vec::with_capacity(el.children.len());
        for (i, c) in std::mem::take(&mut el.children).into_iter().enumerate() {
            match c {
                Node::Element(mut w) if w.class == wrapper => {
                    push_restriction_down(&mut w);
                    match merged.as_mut() {
                        Some(m) => m.children.append(&mut w.children),
                        None => {
                            at = Some(i);
                            merged = Some(w);
                        }
                    }
                }
                other => rest.push(other),
            }
        }
        if let (Some(m), Some(i)) = (merged, at) {
            rest.insert(i.min(rest.len()), Node::Element(m));
        }
        el.children = rest;
    }
    for c in &mut el.children {
        if let Node::Element(e) = c {
            fold_wrappers(e);
        }
    }
}

/// Moves a wrapper's restriction onto its element children that set none.
pub(crate) fn push_restriction_down(w: &mut Element) {
    let Some(r) = w.attr("restriction").map(str::to_owned) else {
        return;
    };
    let ext = w.attr("ext-restriction").map(str::to_owned);
    for c in &mut w.children {
        if let Node::Element(e) = c {
            if e.attr("restriction").is_none() && e.set_attr("restriction", r.clone()) {
                if let Some(x) = &ext {
                    e.set_attr("ext-restriction", x.clone());
                }
            }
        }
    }
    w.attrs.retain(|(i, _)| {
        let name = w.class.def().attrs.get(*i as usize).map(|a| a.xml);
        !matches!(name, Some("restriction" | "ext-restriction"))
    });
}

/// Iterator over an element and its descendants.
pub struct Descendants<'a> {
    stack: Vec<&'a Element>,
}

impl<'a> Iterator for Descendants<'a> {
    type Item = &'a Element;

    fn next(&mut self) -> Option<&'a Element> {
        let e = self.stack.pop()?;
        self.stack
            .extend(e.elements().collect::<Vec<_>>().into_iter().rev());
        Some(e)
    }
}
