//! The Reference Security Incident Taxonomy (RSIT) of the ENISA-hosted
//! working group of the CSIRTs Network: how c5hub classifies incidents.
//!
//! The taxonomy is a fixed two-level table compiled into the crate
//! ([`CATEGORIES`]): eleven categories such as `fraud`, each with types such
//! as `phishing`. An incident's class is an [`RsitClass`], a pair of
//! references into that table, so it is `Copy`, cheap to compare, and can
//! only name classes that exist. Classes are written `fraud/phishing` for
//! people and `rsit:fraud="phishing"` as a machine tag (the MISP taxonomy
//! form); both parse back.

mod table;

use std::fmt;
use std::hash::{Hash, Hasher};
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Subject};

pub use table::{CATEGORIES, RSIT_NAMESPACE, RSIT_VERSION};

/// A top-level RSIT category (the machine tag's predicate), e.g. `fraud`.
#[derive(Debug)]
pub struct RsitCategory {
    /// The machine name, e.g. `information-content-security`.
    pub value: &'static str,
    /// The name for people, e.g. `Information Content Security`.
    pub expanded: &'static str,
    /// The taxonomy's description of the category.
    pub description: &'static str,
    /// The category's types, in the taxonomy's order.
    pub types: &'static [RsitType],
}

/// An RSIT type within a category (the machine tag's value), e.g. `phishing`.
#[derive(Debug)]
pub struct RsitType {
    /// The machine name, e.g. `phishing`.
    pub value: &'static str,
    /// The name for people, e.g. `Phishing`.
    pub expanded: &'static str,
    /// The taxonomy's description, with examples.
    pub description: &'static str,
}

impl RsitCategory {
    /// Looks a category up by machine name, ignoring ASCII case and
    /// surrounding whitespace.
    pub fn get(value: &str) -> Option<&'static RsitCategory> {
        let value = value.trim();
        CATEGORIES
            .iter()
            .find(|c| c.value.eq_ignore_ascii_case(value))
    }

    /// Looks up one of this category's types by machine name, ignoring ASCII
    /// case and surrounding whitespace.
    pub fn type_named(&'static self, value: &str) -> Option<&'static RsitType> {
        let value = value.trim();
        self.types
            .iter()
            .find(|t| t.value.eq_ignore_ascii_case(value))
    }
}

/// An RSIT classification: a category and one of its types.
#[derive(Clone, Copy)]
pub struct RsitClass {
    category: &'static RsitCategory,
    type_: &'static RsitType,
}

impl RsitClass {
    /// Looks a class up by category and type machine names, e.g.
    /// `("fraud", "phishing")`, ignoring ASCII case and surrounding
    /// whitespace.
    pub fn lookup(category: &str, type_: &str) -> Option<RsitClass> {
        let category = RsitCategory::get(category)?;
        let type_ = category.type_named(type_)?;
        Some(RsitClass { category, type_ })
    }

    /// Parses the machine tag form, `rsit:fraud="phishing"`. The quotes may
    /// be left out; case is ignored.
    pub fn from_machine_tag(tag: &str) -> Result<RsitClass, Error> {
        const SHAPE: &str = r#"expected rsit:category="type""#;
        let syntax = || Error::new(Subject::RsitClass, tag, ErrorKind::Syntax(SHAPE));
        let (namespace, rest) = tag.trim().split_once(':').ok_or_else(syntax)?;
        if !namespace.trim().eq_ignore_ascii_case(RSIT_NAMESPACE) {
            return Err(syntax());
        }
        let (category, type_) = rest.split_once('=').ok_or_else(syntax)?;
        let type_ = type_.trim();
        let type_ = type_
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(type_);
        Self::lookup(category, type_)
            .ok_or_else(|| Error::new(Subject::RsitClass, tag, ErrorKind::Unknown))
    }

    /// Parses the path form, `fraud/phishing`, ignoring case.
    pub fn from_path(path: &str) -> Result<RsitClass, Error> {
        let (category, type_) = path.split_once('/').ok_or_else(|| {
            Error::new(
                Subject::RsitClass,
                path,
                ErrorKind::Syntax("expected category/type"),
            )
        })?;
        Self::lookup(category, type_)
            .ok_or_else(|| Error::new(Subject::RsitClass, path, ErrorKind::Unknown))
    }

    /// Every class of the taxonomy, category by category, in the
    /// taxonomy's order.
    pub fn all() -> impl Iterator<Item = RsitClass> {
        CATEGORIES.iter().flat_map(|category| {
            category
                .types
                .iter()
                .map(move |type_| RsitClass { category, type_ })
        })
    }

    /// The category.
    pub fn category(self) -> &'static RsitCategory {
        self.category
    }

    /// The type within the category.
    pub fn type_(self) -> &'static RsitType {
        self.type_
    }

    /// The machine tag, e.g. `rsit:fraud="phishing"`.
    pub fn machine_tag(self) -> String {
        format!(
            "{RSIT_NAMESPACE}:{}=\"{}\"",
            self.category.value, self.type_.value
        )
    }

    /// The path form, e.g. `fraud/phishing`; also what `Display` writes.
    pub fn path(self) -> String {
        format!("{}/{}", self.category.value, self.type_.value)
    }

    /// Whether this is `test/test`, which marks incidents sent for testing.
    pub fn is_test(self) -> bool {
        self.category.value == "test"
    }

    /// Whether this is `other/other` or `other/undetermined`, i.e. the
    /// incident is not (yet) really classified.
    pub fn is_unclassified(self) -> bool {
        self.category.value == "other"
    }
}

impl PartialEq for RsitClass {
    fn eq(&self, other: &Self) -> bool {
        self.category.value == other.category.value && self.type_.value == other.type_.value
    }
}

impl Eq for RsitClass {}

impl Hash for RsitClass {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.category.value.hash(state);
        self.type_.value.hash(state);
    }
}

impl fmt::Debug for RsitClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RsitClass({}/{})", self.category.value, self.type_.value)
    }
}

impl fmt::Display for RsitClass {
    /// Writes the path form, `fraud/phishing`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.category.value, self.type_.value)
    }
}

impl FromStr for RsitClass {
    type Err = Error;

    /// Accepts the machine tag form (`rsit:fraud="phishing"`) and the path
    /// form (`fraud/phishing`).
    fn from_str(s: &str) -> Result<Self, Error> {
        if s.contains('=') {
            Self::from_machine_tag(s)
        } else {
            Self::from_path(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        let class: RsitClass = input
            .parse()
            .unwrap_or_else(|e| panic!("parse({input:?}) failed: {e}"));
        assert_eq!(class.path(), expected, "parse({input:?})");
    }

    fn check_err(input: &str, expected: &str) {
        match input.parse::<RsitClass>() {
            Ok(class) => panic!("parse({input:?}) = {class:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({input:?})"),
        }
    }

    #[test]
    fn table_matches_source_file() {
        // machinetag.json version 1003: 11 predicates, 39 values.
        assert_eq!(RSIT_VERSION, 1003);
        assert_eq!(CATEGORIES.len(), 11);
        assert_eq!(RsitClass::all().count(), 39);
        let per_category: Vec<(&str, usize)> = CATEGORIES
            .iter()
            .map(|c| (c.value, c.types.len()))
            .collect();
        assert_eq!(
            per_category,
            [
                ("abusive-content", 3),
                ("malicious-code", 4),
                ("information-gathering", 3),
                ("intrusion-attempts", 3),
                ("intrusions", 5),
                ("availability", 5),
                ("information-content-security", 4),
                ("fraud", 4),
                ("vulnerable", 5),
                ("other", 2),
                ("test", 1),
            ]
        );
    }

    #[test]
    fn machine_names_are_unique_and_lowercase() {
        let mut seen = std::collections::HashSet::new();
        for class in RsitClass::all() {
            let path = class.path();
            assert_eq!(path, path.to_ascii_lowercase());
            assert!(seen.insert(path.clone()), "duplicate {path}");
            assert!(!class.type_().description.is_empty());
            assert!(!class.type_().expanded.is_empty());
        }
    }

    #[test]
    fn lookups() {
        check("fraud/phishing", "fraud/phishing");
        check("Fraud/Phishing", "fraud/phishing");
        check(r#"rsit:fraud="phishing""#, "fraud/phishing");
        check(r#"RSIT:fraud = "phishing""#, "fraud/phishing");
        check("rsit:fraud=phishing", "fraud/phishing");
        check("other/other", "other/other");
        check("other/undetermined", "other/undetermined");
        check("test/test", "test/test");
        check(
            "information-content-security/unauthorised-information-modification",
            "information-content-security/unauthorised-information-modification",
        );
        let phishing = RsitClass::lookup("fraud", "phishing").expect("in the table");
        assert_eq!(phishing.category().expanded, "Fraud");
        assert_eq!(phishing.type_().expanded, "Phishing");
        assert!(
            phishing
                .type_()
                .description
                .starts_with("Masquerading as another entity")
        );
        assert_eq!(RsitClass::lookup("fraud", "spam"), None);
        assert_eq!(
            RsitCategory::get("Vulnerable").map(|c| c.expanded),
            Some("Vulnerable")
        );
    }

    #[test]
    fn lookup_errors() {
        check_err(
            "fraud/spam",
            r#"invalid RSIT class "fraud/spam": not a known value"#,
        );
        check_err(
            "phishing",
            r#"invalid RSIT class "phishing": expected category/type"#,
        );
        check_err(
            r#"misp:fraud="phishing""#,
            r#"invalid RSIT class "misp:fraud=\"phishing\"": expected rsit:category="type""#,
        );
        check_err(
            r#"rsit:fraud="nope""#,
            r#"invalid RSIT class "rsit:fraud=\"nope\"": not a known value"#,
        );
    }

    #[test]
    fn forms_round_trip() {
        for class in RsitClass::all() {
            assert_eq!(RsitClass::from_machine_tag(&class.machine_tag()), Ok(class));
            assert_eq!(class.to_string().parse::<RsitClass>(), Ok(class));
        }
        let phishing = RsitClass::lookup("fraud", "phishing").expect("in the table");
        assert_eq!(phishing.machine_tag(), r#"rsit:fraud="phishing""#);
        assert_eq!(format!("{phishing:?}"), "RsitClass(fraud/phishing)");
    }

    #[test]
    fn special_classes() {
        let test = RsitClass::lookup("test", "test").expect("in the table");
        assert!(test.is_test() && !test.is_unclassified());
        let other = RsitClass::lookup("other", "undetermined").expect("in the table");
        assert!(other.is_unclassified() && !other.is_test());
    }
}
