//! The IODEF v2 schema as data: every class, attribute and enumeration of
//! RFC 7970, plus how RFC 8727 lays each class out in JSON.
//!
//! The table in `tables.rs` is generated from the two official schemas by
//! `tools/gen-iodef-schema.py`. Validation and both bindings read this one
//! table, so the XML and JSON codecs cannot disagree about what a class holds.

mod tables;

pub(crate) use tables::CLASSES;
pub use tables::Class;
#[cfg(test)]
pub(crate) use tables::ENUM_RESTRICTION_TYPE;

/// Namespace of the IODEF document format.
pub const NS_IODEF: &str = "urn:ietf:params:xml:ns:iodef-2.0";
/// Namespace of the RFC 7203 structured cybersecurity information classes.
pub const NS_SCI: &str = "urn:ietf:params:xml:ns:iodef-sci-1.0";
/// Namespace of the RFC 7495 enumeration reference classes.
pub const NS_ENUM: &str = "urn:ietf:params:xml:ns:iodef-enum-1.0";
/// Namespace of XML Signature, whose elements IODEF embeds verbatim.
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
/// The `xml:` namespace (for `xml:lang`).
pub const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// A namespace whose classes the model understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Ns {
    /// RFC 7970 classes.
    Iodef,
    /// RFC 7203 classes (AttackPattern, Vulnerability, Weakness, ...).
    Sci,
    /// RFC 7495 classes (ReferenceName).
    Enum,
}

impl Ns {
    /// The namespace URI.
    pub fn uri(self) -> &'static str {
        match self {
            Ns::Iodef => NS_IODEF,
            Ns::Sci => NS_SCI,
            Ns::Enum => NS_ENUM,
        }
    }

    /// The prefix c5hub writes for this namespace (none for IODEF, the default).
    pub fn prefix(self) -> Option<&'static str> {
        match self {
            Ns::Iodef => None,
            Ns::Sci => Some("sci"),
            Ns::Enum => Some("enum"),
        }
    }

    /// Maps a namespace URI to a known namespace.
    pub fn from_uri(uri: &str) -> Option<Ns> {
        match uri {
            NS_IODEF => Some(Ns::Iodef),
            NS_SCI => Some(Ns::Sci),
            NS_ENUM => Some(Ns::Enum),
            _ => None,
        }
    }
}

/// A named enumeration of attribute values.
#[derive(Debug)]
pub struct EnumDef {
    /// The XSD type name, e.g. `restriction-type`.
    pub name: &'static str,
    /// The allowed values, in schema order.
    pub values: &'static [&'static str],
}

impl EnumDef {
    /// Whether `v` is one of the values.
    pub fn contains(&self, v: &str) -> bool {
        self.values.contains(&v)
    }

    /// Whether the enumeration has the `ext-value` escape.
    pub fn is_extensible(&self) -> bool {
        self.contains("ext-value")
    }
}

/// The lexical type of an attribute value or of text content.
#[derive(Clone, Copy, Debug)]
pub enum ValueType {
    /// Any string.
    String,
    /// `xs:ID`: an NCName unique in the document.
    Id,
    /// `xs:IDREF`: names an `xs:ID` of the same document.
    IdRef,
    /// `xs:integer`.
    Integer,
    /// `xs:dateTime`.
    DateTime,
    /// `xs:float`.
    Float,
    /// `xs:anyURI`.
    Url,
    /// A float strictly above zero.
    PositiveFloat,
    /// A list of ports and port ranges, `22,80-81`.
    Portlist,
    /// A UTC offset, `Z` or `+hh:mm`.
    Timezone,
    /// A BCP 47 language tag.
    Lang,
    /// One of the values of an enumeration.
    Enum(&'static EnumDef),
}

impl ValueType {
    /// Whether RFC 8727 writes values of this type as JSON numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            ValueType::Integer | ValueType::Float | ValueType::PositiveFloat
        )
    }
}

/// What an element may contain besides attributes.
#[derive(Clone, Copy, Debug)]
pub enum Content {
    /// Child elements only.
    Elements,
    /// Nothing.
    Empty,
    /// Text of the given type.
    Text(ValueType),
    /// Text or any XML (`ExtensionType` and friends): kept verbatim.
    Mixed,
}

/// An attribute of a class.
#[derive(Debug)]
pub struct AttrDef {
    /// Name in XML (`xml:lang` for the language).
    pub xml: &'static str,
    /// Name in JSON.
    pub json: &'static str,
    /// Lexical type.
    pub ty: ValueType,
    /// Whether the attribute must be present.
    pub required: bool,
    /// The value assumed when absent.
    pub default: Option<&'static str>,
    /// The only value allowed.
    pub fixed: Option<&'static str>,
}

/// How RFC 8727 writes an xmldsig element that IODEF embeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ForeignJson {
    /// The element's `Algorithm` attribute (`DigestMethod`).
    AlgorithmAttr,
    /// The element's text (`DigestValue`).
    Text,
    /// The whole element as XML text (`Signature`, `X509Data`).
    RawXml,
}

/// What a child slot of a class holds.
#[derive(Clone, Copy, Debug)]
pub enum Target {
    /// A class of the model.
    Class(Class),
    /// An element of another namespace, kept verbatim.
    Foreign {
        /// Namespace URI.
        ns: &'static str,
        /// Local name.
        name: &'static str,
        /// Its JSON form.
        json: ForeignJson,
    },
}

/// How a child slot appears in the RFC 8727 JSON binding.
#[derive(Clone, Copy, Debug)]
pub enum JsonVia {
    /// A property named like the element.
    Direct,
    /// The wrapper element is left out; the property holds its children.
    Unwrap(Target),
    /// Assessment's impacts: an array of one-key objects.
    Impact,
    /// The child is an empty element whose one attribute becomes the value.
    AttrOf(&'static str),
}

/// A child slot of a class, in content-model order.
#[derive(Debug)]
pub struct ChildDef {
    /// What the slot holds.
    pub target: Target,
    /// Minimum occurrences (0 for choice members: the group decides).
    pub min: u32,
    /// Maximum occurrences; `None` is unbounded.
    pub max: Option<u32>,
    /// Position in the sequence; choice members share one.
    pub seq: u16,
    /// The choice group this slot belongs to.
    pub group: Option<u16>,
    /// JSON property name.
    pub json_name: &'static str,
    /// Whether the JSON property is an array.
    pub json_array: bool,
    /// How the slot maps to JSON.
    pub json_via: JsonVia,
}

/// An `xs:choice` in a class's content model.
#[derive(Debug)]
pub struct GroupDef {
    /// At least this many elements of the group must be present (0 or 1).
    pub min_present: u8,
    /// At most this many distinct alternatives may be present.
    pub max_kinds: Option<u8>,
}

/// How RFC 8727 writes a class.
#[derive(Clone, Copy, Debug)]
pub enum JsonShape {
    /// An object of attributes and children; text under `text_key`.
    Object {
        /// The property holding the element's text, if it has any.
        text_key: Option<&'static str>,
    },
    /// `MLStringType`: a string, or `{value, lang, translation-id}`.
    MlString,
    /// A bare JSON string or number.
    Scalar,
    /// SCI RawData: a bare string when its `dtype` follows from its content
    /// (`xml` for markup, `string` otherwise), else an ExtensionType object.
    RawData,
}

/// One class of the model.
#[derive(Debug)]
pub struct ClassDef {
    /// Element name.
    pub name: &'static str,
    /// Element namespace.
    pub ns: Ns,
    /// What it contains.
    pub content: Content,
    /// Its attributes.
    pub attrs: &'static [AttrDef],
    /// Its child slots in sequence order.
    pub children: &'static [ChildDef],
    /// Its choice groups, indexed by `ChildDef::group`.
    pub groups: &'static [GroupDef],
    /// Whether the sequence repeats, so order is not checked.
    pub unordered: bool,
    /// Its JSON shape.
    pub json: JsonShape,
}

impl ClassDef {
    /// The attribute with the given XML name and its index.
    pub fn attr_by_xml(&self, name: &str) -> Option<(usize, &'static AttrDef)> {
        self.attrs.iter().enumerate().find(|(_, a)| a.xml == name)
    }

    /// The attribute with the given JSON name and its index.
    pub fn attr_by_json(&self, name: &str) -> Option<(usize, &'static AttrDef)> {
        self.attrs.iter().enumerate().find(|(_, a)| a.json == name)
    }

    /// The slot that holds elements of `class`.
    pub fn slot_of_class(&self, class: Class) -> Option<usize> {
        self.children
            .iter()
            .position(|c| matches!(c.target, Target::Class(k) if k == class))
    }

    /// The slot that holds foreign elements `{ns}name`.
    pub fn slot_of_foreign(&self, ns: &str, name: &str) -> Option<usize> {
        self.children.iter().position(
            |c| matches!(c.target, Target::Foreign { ns: n, name: l, .. } if n == ns && l == name),
        )
    }
}

impl Class {
    /// The class's definition.
    pub fn def(self) -> &'static ClassDef {
        &CLASSES[self as usize]
    }

    /// The element name.
    pub fn name(self) -> &'static str {
        self.def().name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_found_by_its_name() {
        for class in Class::ALL {
            let def = class.def();
            assert_eq!(Class::lookup(def.ns, def.name), Some(class), "{}", def.name);
        }
    }

    #[test]
    fn every_slot_names_a_class_or_dsig() {
        for class in Class::ALL {
            for slot in class.def().children {
                if let Target::Foreign { ns, .. } = slot.target {
                    assert_eq!(ns, NS_DSIG, "{}", class.name());
                }
                if let Some(g) = slot.group {
                    assert!((g as usize) < class.def().groups.len(), "{}", class.name());
                }
            }
        }
    }

    #[test]
    fn rfc7970_classes_are_all_present() {
        // A sample across the whole RFC; the generator covers the rest.
        for name in [
            "IODEF-Document",
            "Incident",
            "IncidentID",
            "AlternativeID",
            "RelatedActivity",
            "ThreatActor",
            "Campaign",
            "Contact",
            "PostalAddress",
            "Email",
            "Telephone",
            "Discovery",
            "Method",
            "Assessment",
            "SystemImpact",
            "BusinessImpact",
            "TimeImpact",
            "MonetaryImpact",
            "IntendedImpact",
            "Counter",
            "Confidence",
            "MitigatingFactor",
            "History",
            "HistoryItem",
            "EventData",
            "Expectation",
            "Flow",
            "System",
            "Node",
            "Address",
            "Service",
            "Record",
            "RecordData",
            "CertificateData",
            "FileData",
            "HashData",
            "SignatureData",
            "WindowsRegistryKeysModified",
            "IndicatorData",
            "Indicator",
            "Observable",
            "IndicatorExpression",
            "ObservableReference",
            "IndicatorReference",
            "AttackPhase",
            "AdditionalData",
            "SoftwareReference",
            "OperatingSystem",
            "Application",
            "AssociatedSoftware",
        ] {
            assert!(Class::lookup(Ns::Iodef, name).is_some(), "{name}");
        }
    }
}
