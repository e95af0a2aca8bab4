//! The JSON binding (RFC 8727): reading it into the document tree, and
//! writing the tree as RFC 8727 JSON.
//!
//! RFC 8727 is not a mechanical mapping of the XML: it leaves out some
//! wrapper classes (IndicatorData, Flow, Record, ApplicationHeader,
//! SignatureData), writes Assessment's impacts as one array of one-key
//! objects, and carries embedded XML Signature elements as strings. The
//! schema table says where; this module only follows it.

use serde_json::{Map, Number, Value};

use crate::diagnostic::{Limits, Rule, Violation};
use crate::schema::{Class, Content, ForeignJson, JsonShape, JsonVia, NS_DSIG, Target};
use crate::tree::{Document, Element, Foreign, Node};
use crate::xml::{escape_attr, is_xml_fragment, push_index, self_contained};

/// Decodes an RFC 8727 document into a tree plus the problems met.
pub(crate) fn decode(
    input: &[u8],
    limits: &Limits,
) -> Result<(Document, Vec<Violation>), Violation> {
    limits.check_size(input.len() as u64)?;
    let value: Value = serde_json::from_slice(input).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("recursion limit") {
            Violation::fatal(
                Rule::LimitDepth,
                format!(
                    "line {}, column {}: JSON nests too deeply",
                    e.line(),
                    e.column()
                ),
            )
        } else {
            Violation::fatal(Rule::JsonSyntax, msg)
        }
    })?;
    let Value::Object(_) = value else {
        return Err(Violation::fatal(
            Rule::WrongRoot,
            "an IODEF JSON document is an object with \"version\" and \"Incident\"",
        ));
    };
    let mut d = JsonDecoder {
        diags: Vec::new(),
        elements: 0,
        depth: 0,
        limits: *limits,
    };
    let mut path = String::from("/IODEF-Document");
    let root = d.class(Class::IodefDocument, &value, &mut path)?;
    let mut root = root.unwrap_or_else(|| Element::new(Class::IodefDocument));
    // RFC 8727's own examples write "2.0"; it is the same version as XML's
    // fixed "2.00", and only the latter is valid in XML.
    if root.attr("version") == Some("2.0") {
        root.set_attr("version", "2.00");
    }
    Ok((Document { root }, d.diags))
}

struct JsonDecoder {
    diags: Vec<Violation>,
    elements: usize,
    depth: usize,
    limits: Limits,
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A JSON scalar as the text XML would carry.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl JsonDecoder {
    fn type_error(&mut self, path: &str, what: &str, expected: &str, got: &Value) {
        self.diags.push(Violation::new(
            path,
            Rule::JsonType,
            format!("{what} must be {expected}, found {}", kind(got)),
        ));
    }

    /// Decodes one value of `class`. `Ok(None)` when it was the wrong JSON
    /// type (reported); `Err` on a limit.
    fn class(
        &mut self,
        class: Class,
        v: &Value,
        path: &mut String,
    ) -> Result<Option<Element>, Violation> {
        self.elements += 1;
        self.depth += 1;
        self.limits
            .check_tree(self.depth, self.elements, || path.clone())?;
        let def = class.def();
        let mut el = Element::new(class);
        let out = match def.json {
            JsonShape::Scalar => match scalar_text(v) {
                Some(t) => {
                    el.text_is_xml = matches!(def.content, Content::Mixed) && is_xml_fragment(&t);
                    el.text = Some(t);
                    Some(el)
                }
                None => {
                    self.type_error(path, def.name, "a string", v);
                    None
                }
            },
            JsonShape::RawData if !v.is_object() => match scalar_text(v) {
                Some(t) => {
                    // RFC 8727 section 3.2: BYTE is base64. Text that is not
                    // base64 is taken as it is (some writers send it so).
                    let t = crate::model::base64_decode(&t)
                        .filter(|_| !t.is_empty() && t.trim().len() % 4 == 0)
                        .and_then(|b| String::from_utf8(b).ok())
                        .unwrap_or(t);
                    el.text_is_xml = is_xml_fragment(&t);
                    el.set_attr("dtype", if el.text_is_xml { "xml" } else { "string" });
                    el.text = Some(t);
                    Some(el)
                }
                None => {
                    self.type_error(path, def.name, "a string or an object", v);
                    None
                }
            },
            JsonShape::MlString => match v {
                Value::String(s) => {
                    el.text = Some(s.clone());
                    Some(el)
                }
                Value::Object(m) => {
                    for (k, x) in m {
                        match k.as_str() {
                            "value" => el.text = scalar_text(x),
                            _ => self.attribute(&mut el, k, x, path),
                        }
                    }
                    el.attrs.sort_by_key(|(i, _)| *i);
                    if el.text.is_none() {
                        self.diags.push(Violation::new(
                            path.clone(),
                            Rule::MissingElement,
                            format!("{} requires \"value\"", def.name),
                        ));
                        el.text = Some(String::new());
                    }
                    Some(el)
                }
                _ => {
                    self.type_error(path, def.name, "a string or an object", v);
                    None
                }
            },
            JsonShape::Object { .. } | JsonShape::RawData => {
                let text_key = match def.json {
                    JsonShape::Object { text_key } => text_key,
                    _ => Some("value"),
                };
                let Value::Object(m) = v else {
                    self.type_error(path, def.name, "an object", v);
                    self.depth -= 1;
                    return Ok(None);
                };
                for (k, x) in m {
                    if Some(k.as_str()) == text_key {
                        match scalar_text(x) {
                            Some(t) => el.text = Some(t),
                            None => self.type_error(&format!("{path}/{k}"), k, "a string", x),
                        }
                    } else if def.attr_by_json(k).is_some() {
                        self.attribute(&mut el, k, x, path);
                    } else if let Some(slot) = def.children.iter().position(|c| c.json_name == k) {
                        self.slot(&mut el, slot, k, x, path)?;
                    } else {
                        let upper = k.starts_with(|c: char| c.is_ascii_uppercase());
                        let (rule, what) = if upper {
                            (Rule::UnknownElement, "element")
                        } else {
                            (Rule::UnknownAttribute, "attribute")
                        };
                        self.diags.push(Violation::new(
                            if upper {
                                format!("{path}/{k}[0]")
                            } else {
                                format!("{path}/@{k}")
                            },
                            rule,
                            format!("{} has no {what} {k:?}", def.name),
                        ));
                    }
                }
                if let Some(key) = text_key {
                    if el.text.is_none() {
                        if matches!(def.content, Content::Text(_)) {
                            self.diags.push(Violation::new(
                                path.clone(),
                                Rule::MissingElement,
                                format!("{} requires {key:?}", def.name),
                            ));
                        }
                    } else if matches!(def.content, Content::Mixed) {
                        let t = el.text.as_deref().unwrap_or("");
                        // JSON has no markup: a value is XML when its dtype
                        // allows it and it parses as a fragment.
                        el.text_is_xml =
                            matches!(el.attr("dtype"), None | Some("xml") | Some("ext-value"))
                                && is_xml_fragment(t);
                    }
                }
                // JSON objects are unordered; the tree follows the schema.
                el.attrs.sort_by_key(|(i, _)| *i);
                el.children.sort_by_key(|n| match n {
                    Node::Element(e) => def.slot_of_class(e.class),
                    Node::Foreign(f) => def.slot_of_foreign(&f.ns, &f.name),
                });
                Some(el)
            }
        };
        self.depth -= 1;
        Ok(out)
    }

    fn attribute(&mut self, el: &mut Element, k: &str, x: &Value, path: &str) {
        let def = el.class.def();
        let Some((i, a)) = def.attr_by_json(k) else {
            self.diags.push(Violation::new(
                format!("{path}/@{k}"),
                Rule::UnknownAttribute,
                format!("{} has no attribute {k:?}", def.name),
            ));
            return;
        };
        match scalar_text(x) {
            Some(t) => el
                .attrs
                .push((i as u8, json_enum_alias(el.class, a.xml, t))),
            None => self.type_error(
                &format!("{path}/@{}", a.xml),
                a.xml,
                "a string or a number",
                x,
            ),
        }
    }

    fn items<'v>(&mut self, x: &'v Value) -> Vec<&'v Value> {
        match x {
            Value::Array(a) => a.iter().collect(),
            v => vec![v],
        }
    }

    fn child_path(el: &Element, class_name: &str, path: &str) -> String {
        let n = el
            .children
            .iter()
            .filter(|c| match c {
                Node::Element(e) => e.class.name() == class_name,
                Node::Foreign(f) => f.name == class_name,
            })
            .count();
        let mut p = format!("{path}/{class_name}");
        push_index(&mut p, n);
        p
    }

    fn slot(
        &mut self,
        el: &mut Element,
        slot: usize,
        k: &str,
        x: &Value,
        path: &str,
    ) -> Result<(), Violation> {
        let def = el.class.def();
        let sd = &def.children[slot];
        match sd.json_via {
            JsonVia::Direct => {
                for item in self.items(x) {
                    self.target(el, sd.target, item, path)?;
                }
            }
            JsonVia::Unwrap(inner) => {
                let Target::Class(wrapper) = sd.target else {
                    return Ok(());
                };
                let wpath = Self::child_path(el, wrapper.name(), path);
                let mut w = Element::new(wrapper);
                self.elements += 1;
                for item in self.items(x) {
                    self.target(&mut w, inner, item, &wpath)?;
                }
                el.children.push(Node::Element(w));
            }
            JsonVia::Impact => {
                for item in self.items(x) {
                    let Value::Object(m) = item else {
                        self.type_error(&format!("{path}/Impact"), "an Impact", "an object", item);
                        continue;
                    };
                    if m.len() != 1 {
                        self.diags.push(Violation::new(
                            format!("{path}/Impact"),
                            Rule::Choice,
                            format!("each Impact holds exactly one impact, found {}", m.len()),
                        ));
                    }
                    for (name, inner) in m {
                        let class = def.children.iter().find_map(|c| match c.target {
                            Target::Class(k)
                                if matches!(c.json_via, JsonVia::Impact) && k.name() == name =>
                            {
                                Some(k)
                            }
                            _ => None,
                        });
                        match class {
                            Some(k) => self.target(el, Target::Class(k), inner, path)?,
                            None => self.diags.push(Violation::new(
                                format!("{path}/{name}"),
                                Rule::UnknownElement,
                                format!("{name:?} is not an impact (SystemImpact, BusinessImpact, TimeImpact, MonetaryImpact, IntendedImpact)"),
                            )),
                        }
                    }
                }
            }
            JsonVia::AttrOf(attr) => {
                let Target::Class(class) = sd.target else {
                    return Ok(());
                };
                for item in self.items(x) {
                    match scalar_text(item) {
                        Some(t) => {
                            let mut c = Element::new(class);
                            c.set_attr(attr, t);
                            self.elements += 1;
                            el.children.push(Node::Element(c));
                        }
                        None => self.type_error(&format!("{path}/{k}"), k, "a string", item),
                    }
                }
            }
        }
        Ok(())
    }

    fn target(
        &mut self,
        el: &mut Element,
        target: Target,
        item: &Value,
        path: &str,
    ) -> Result<(), Violation> {
        match target {
            Target::Class(class) => {
                let mut p = Self::child_path(el, class.name(), path);
                if let Some(c) = self.class(class, item, &mut p)? {
                    el.children.push(Node::Element(c));
                }
            }
            Target::Foreign { ns, name, json } => {
                let p = Self::child_path(el, name, path);
                let Some(t) = scalar_text(item) else {
                    self.type_error(&p, name, "a string", item);
                    return Ok(());
                };
                self.elements += 1;
                match foreign_from_json(ns, name, json, &t) {
                    Some(xml) => el.children.push(Node::Foreign(Foreign {
                        ns: ns.to_owned(),
                        name: name.to_owned(),
                        xml,
                    })),
                    None => self.diags.push(Violation::new(
                        p,
                        Rule::XmlSyntax,
                        format!("{name} must hold a well-formed ds:{name} XML element"),
                    )),
                }
            }
        }
        Ok(())
    }
}

/// Values the RFC 8727 JSON schema spells differently from the RFC 7970 XSD;
/// read as the XSD spells them, which is what c5hub writes in both bindings.
fn json_enum_alias(class: Class, attr: &str, v: String) -> String {
    match (class, attr, v.as_str()) {
        (Class::NodeRole, "category", "anomyzation") => "anonymization".to_owned(),
        (Class::BulkObservable, "type", "http-request-url") => "http-request-uri".to_owned(),
        _ => v,
    }
}

fn foreign_from_json(ns: &str, name: &str, json: ForeignJson, t: &str) -> Option<String> {
    Some(match json {
        ForeignJson::AlgorithmAttr => format!(
            "<ds:{name} xmlns:ds=\"{ns}\" Algorithm=\"{}\"/>",
            escape_attr(t)
        ),
        ForeignJson::Text if t.is_empty() => format!("<ds:{name} xmlns:ds=\"{ns}\"/>"),
        ForeignJson::Text => format!(
            "<ds:{name} xmlns:ds=\"{ns}\">{}</ds:{name}>",
            escape_attr(t)
        ),
        ForeignJson::RawXml => {
            // RFC 8727 section 3.2: BYTE is base64, here of the XML element.
            // Raw XML is accepted too, as some writers send it.
            let decoded = crate::model::base64_decode(t).and_then(|b| String::from_utf8(b).ok());
            let xml = match decoded {
                Some(x) if is_xml_fragment(&x) => x,
                _ if is_xml_fragment(t) => t.to_owned(),
                _ => return None,
            };
            self_contained(xml.trim(), &[("ds".to_owned(), NS_DSIG.to_owned())])
        }
    })
}

/// What an embedded xmldsig element carries in JSON: its Algorithm attribute,
/// its text, or itself.
fn foreign_to_json(f: &Foreign, json: ForeignJson) -> String {
    use quick_xml::events::Event;
    if json == ForeignJson::RawXml {
        return crate::model::base64_encode(f.xml.as_bytes());
    }
    let mut reader = quick_xml::Reader::from_str(&f.xml);
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(s)) | Ok(Event::Empty(s)) if json == ForeignJson::AlgorithmAttr => {
                for a in s.attributes().flatten() {
                    if a.key.as_ref() == b"Algorithm" {
                        return a
                            .unescape_value()
                            .map(|v| v.into_owned())
                            .unwrap_or_default();
                    }
                }
                return String::new();
            }
            Ok(Event::Text(t)) => {
                if let Ok(s) = t.unescape() {
                    text.push_str(&s);
                }
            }
            Ok(Event::CData(c)) => text.push_str(&String::from_utf8_lossy(&c)),
            Ok(Event::Eof) | Err(_) => return text,
            Ok(_) => {}
        }
    }
}

// ---------------------------------------------------------------------------
// Writer

/// Writes a document as RFC 8727 JSON.
pub(crate) fn encode(doc: &Document, pretty: bool) -> String {
    let v = element_value(&doc.root);
    let s = if pretty {
        serde_json::to_string_pretty(&v)
    } else {
        serde_json::to_string(&v)
    };
    // Serialising a Value built from strings and numbers cannot fail.
    s.unwrap_or_default()
}

/// A value for a text of a numeric type: a JSON number when the number's
/// text is exactly the value's, so nothing changes on the way back.
fn typed(text: &str, numeric: bool) -> Value {
    if numeric {
        if let Ok(n) = text.parse::<Number>() {
            if n.to_string() == text {
                return Value::Number(n);
            }
        }
    }
    Value::String(text.to_owned())
}

fn element_value(el: &Element) -> Value {
    let def = el.class.def();
    let text = el.text.as_deref().unwrap_or("");
    let text_numeric = matches!(def.content, Content::Text(t) if t.is_numeric());
    match def.json {
        JsonShape::Scalar => return typed(text, text_numeric),
        JsonShape::MlString if el.attrs.is_empty() => return Value::String(text.to_owned()),
        JsonShape::RawData => {
            let implied = if el.text_is_xml { "xml" } else { "string" };
            if el.attrs.len() == 1 && el.attr("dtype") == Some(implied) {
                return Value::String(crate::model::base64_encode(text.as_bytes()));
            }
        }
        _ => {}
    }
    let mut m = Map::new();
    for (i, a) in def.attrs.iter().enumerate() {
        if let Some((_, v)) = el.attrs.iter().find(|(k, _)| *k as usize == i) {
            m.insert(a.json.to_owned(), typed(v, a.ty.is_numeric()));
        }
    }
    match def.json {
        JsonShape::MlString => {
            m.insert("value".to_owned(), Value::String(text.to_owned()));
        }
        JsonShape::Object { text_key: Some(k) } if el.text.is_some() => {
            m.insert(k.to_owned(), typed(text, text_numeric));
        }
        JsonShape::RawData => {
            m.insert("value".to_owned(), Value::String(text.to_owned()));
        }
        _ => {}
    }
    for (slot, sd) in def.children.iter().enumerate() {
        if m.contains_key(sd.json_name) {
            continue; // Slots sharing a property (the impacts) were written together.
        }
        let mut values = Vec::new();
        for c in &el.children {
            let in_slot = match c {
                Node::Element(e) => {
                    def.slot_of_class(e.class) == Some(slot)
                        || (matches!(sd.json_via, JsonVia::Impact)
                            && def.slot_of_class(e.class).is_some_and(|s| {
                                matches!(def.children[s].json_via, JsonVia::Impact)
                            }))
                }
                Node::Foreign(f) => def.slot_of_foreign(&f.ns, &f.name) == Some(slot),
            };
            if !in_slot {
                continue;
            }
            match (sd.json_via, c) {
                (JsonVia::Direct, Node::Element(e)) => values.push(element_value(e)),
                (JsonVia::Direct, Node::Foreign(f)) => {
                    if let Target::Foreign { json, .. } = sd.target {
                        values.push(Value::String(foreign_to_json(f, json)));
                    }
                }
                (JsonVia::Unwrap(inner), Node::Element(w)) => {
                    // RFC 8727 has no place for the wrapper's restriction: it
                    // goes onto the children it governs.
                    let mut w = w.clone();
                    crate::tree::push_restriction_down(&mut w);
                    for ic in &w.children {
                        match (inner, ic) {
                            (Target::Class(k), Node::Element(e)) if e.class == k => {
                                values.push(element_value(e))
                            }
                            (Target::Foreign { json, .. }, Node::Foreign(f)) => {
                                values.push(Value::String(foreign_to_json(f, json)))
                            }
                            _ => {}
                        }
                    }
                }
                (JsonVia::Impact, Node::Element(e)) => {
                    let mut one = Map::new();
                    one.insert(e.class.name().to_owned(), element_value(e));
                    values.push(Value::Object(one));
                }
                (JsonVia::AttrOf(a), Node::Element(e)) => {
                    values.push(Value::String(e.attr(a).unwrap_or("").to_owned()));
                }
                _ => {}
            }
        }
        if values.is_empty() {
            continue;
        }
        let v = if sd.json_array || values.len() > 1 {
            Value::Array(values)
        } else {
            values.remove(0)
        };
        m.insert(sd.json_name.to_owned(), v);
    }
    Value::Object(m)
}
