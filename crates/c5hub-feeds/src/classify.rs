//! IntelMQ's classification (taxonomy, type) to the ENISA Reference Security
//! Incident Taxonomy, [`RsitClass`].
//!
//! IntelMQ's taxonomies are the RSIT categories and most of its types are
//! RSIT types, so most rows map to themselves. The rest is the table
//! [`INTELMQ_TYPES`], written out here and in the README: American
//! spellings, the types IntelMQ files under `other` because RSIT has no
//! place for them, and the types of IntelMQ before 3.0, mapped the way
//! IntelMQ's own 3.0 upgrade maps them. Whatever is still unknown becomes
//! `other/other`, with a note saying what the feed said.

use std::borrow::Cow;

use c5hub_model::{RsitCategory, RsitClass};

/// Types that are not RSIT type names, with the RSIT class (`category/type`)
/// each becomes. RSIT type names themselves (`phishing`, `c2-server`, ...)
/// map to their own class and are not repeated here. Keys are compared
/// ignoring ASCII case, with `_` and spaces read as `-`.
pub const INTELMQ_TYPES: &[(&str, &str)] = &[
    // IntelMQ 3 spells these the American way; RSIT the British way.
    (
        "unauthorized-use-of-resources",
        "fraud/unauthorised-use-of-resources",
    ),
    (
        "unauthorized-information-access",
        "information-content-security/unauthorised-information-access",
    ),
    (
        "unauthorized-information-modification",
        "information-content-security/unauthorised-information-modification",
    ),
    // IntelMQ 3 types in its `other` taxonomy, marked "Not in RSIT".
    ("blacklist", "other/other"),
    ("dga-domain", "other/other"),
    ("malware", "other/other"),
    ("proxy", "other/other"),
    ("tor", "other/other"),
    // IntelMQ 2 types, mapped as IntelMQ 3.0's upgrade maps them.
    ("botnet-drone", "malicious-code/infected-system"),
    ("ransomware", "malicious-code/infected-system"),
    ("c2server", "malicious-code/c2-server"),
    ("c&c", "malicious-code/c2-server"),
    ("leak", "information-content-security/data-leak"),
    ("vulnerable-service", "vulnerable/vulnerable-system"),
    ("vulnerable-client", "vulnerable/vulnerable-system"),
    ("compromised", "intrusions/system-compromise"),
    ("backdoor", "intrusions/system-compromise"),
    ("unauthorized-login", "intrusions/system-compromise"),
    ("unauthorized-command", "intrusions/system-compromise"),
    (
        "defacement",
        "information-content-security/unauthorised-information-modification",
    ),
    ("dropzone", "other/other"),
    ("unknown", "other/undetermined"),
];

/// A classification and, when the input was not understood as written, a
/// note saying what it was and what was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    /// The RSIT class.
    pub class: RsitClass,
    /// Why the class is not what the feed said, for people to read.
    pub note: Option<String>,
}

/// The RSIT class of an IntelMQ (or RSIT) type name alone: an RSIT type of
/// any category, or an entry of [`INTELMQ_TYPES`].
pub fn intelmq_type_class(type_: &str) -> Option<RsitClass> {
    let type_ = canonical(type_);
    if let Some(class) = RsitClass::all().find(|c| c.type_().value == type_) {
        return Some(class);
    }
    INTELMQ_TYPES
        .iter()
        .find(|(name, _)| *name == type_)
        .and_then(|(_, path)| RsitClass::from_path(path).ok())
}

/// Classifies a row from its taxonomy and type, either of which may be
/// missing or blank; `None` when both are.
///
/// - Either value may hold a whole RSIT class, `fraud/phishing` or
///   `rsit:fraud="phishing"`; a `taxonomy/type` pair that is not one is read
///   as taxonomy and type.
/// - A type is looked up with [`intelmq_type_class`]; the type decides, a
///   taxonomy that disagrees is ignored.
/// - A taxonomy alone may be a type name (`category: phishing`); a bare RSIT
///   category gives `other/undetermined` with a note.
/// - Anything else gives `other/other` with a note.
pub fn classify(taxonomy: Option<&str>, type_: Option<&str>) -> Option<Classification> {
    let taxonomy = taxonomy.map(str::trim).filter(|s| !s.is_empty());
    let type_ = type_.map(str::trim).filter(|s| !s.is_empty());
    for text in [type_, taxonomy].into_iter().flatten() {
        if let Some(class) = whole_class(text) {
            return Some(known(class));
        }
    }
    // `malicious-code/c2server` in one column: an IntelMQ pair, not RSIT.
    if let Some((tax, ty)) = type_.and_then(|t| t.split_once('/')) {
        return classify(Some(tax), Some(ty));
    }
    if let (Some((tax, ty)), None) = (taxonomy.and_then(|t| t.split_once('/')), type_) {
        return classify(Some(tax), Some(ty));
    }
    match (taxonomy, type_) {
        (None, None) => None,
        (taxonomy, Some(type_)) => {
            if let Some(class) =
                taxonomy.and_then(|tax| RsitClass::lookup(&canonical(tax), &canonical(type_)))
            {
                return Some(known(class));
            }
            Some(match intelmq_type_class(type_) {
                Some(class) => known(class),
                None => noted(
                    "other",
                    "other",
                    format!(
                        "classification.type {type_:?} is neither an RSIT nor an IntelMQ type; classified as other/other"
                    ),
                ),
            })
        }
        (Some(taxonomy), None) => Some(if let Some(class) = intelmq_type_class(taxonomy) {
            known(class)
        } else if RsitCategory::get(&canonical(taxonomy)).is_some() {
            noted(
                "other",
                "undetermined",
                format!(
                    "classification.taxonomy {taxonomy:?} comes without a type; classified as other/undetermined"
                ),
            )
        } else {
            noted(
                "other",
                "other",
                format!(
                    "classification.taxonomy {taxonomy:?} is neither an RSIT category nor a type; classified as other/other"
                ),
            )
        }),
    }
}

/// Reads a default classification as a mapping file gives it: an RSIT class
/// (`category/type`, machine tag), an IntelMQ `taxonomy/type` pair or a
/// type alone. Refuses anything [`classify`] would have to note.
/// A `taxonomy/type` pair must agree: `fraud/spam` is refused here, though
/// a row saying so is classified by its type.
pub(crate) fn parse_default(text: &str) -> Option<RsitClass> {
    let class = match classify(None, Some(text)) {
        Some(Classification { class, note: None }) => class,
        _ => return None,
    };
    match text.split_once('/') {
        Some((taxonomy, _)) if !text.trim_start().to_ascii_lowercase().starts_with("rsit:") => {
            (canonical(taxonomy) == class.category().value).then_some(class)
        }
        _ => Some(class),
    }
}

fn known(class: RsitClass) -> Classification {
    Classification { class, note: None }
}

fn noted(category: &str, type_: &str, note: String) -> Classification {
    let class = RsitClass::lookup(category, type_)
        .expect("other/other and other/undetermined are in the RSIT table");
    Classification {
        class,
        note: Some(note),
    }
}

/// A whole RSIT class in one text, or `None`.
fn whole_class(text: &str) -> Option<RsitClass> {
    // `get`, not indexing: byte 5 may fall inside a character (found by
    // fuzzing).
    if text
        .get(..5)
        .is_some_and(|p| p.eq_ignore_ascii_case("rsit:"))
    {
        return RsitClass::from_machine_tag(text).ok();
    }
    if text.contains('/') {
        return RsitClass::from_path(&canonical(text)).ok();
    }
    None
}

/// ASCII lowercase with `_` and spaces as `-`, borrowed when already so.
fn canonical(text: &str) -> Cow<'_, str> {
    let text = text.trim();
    if text
        .bytes()
        .all(|b| !b.is_ascii_uppercase() && b != b'_' && b != b' ')
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '_' | ' ' => '-',
                c => c.to_ascii_lowercase(),
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_targets_exist() {
        for (name, path) in INTELMQ_TYPES {
            assert!(RsitClass::from_path(path).is_ok(), "{name} -> {path}");
            assert_eq!(canonical(name), *name, "{name} is not canonical");
            assert!(
                RsitClass::all().all(|c| c.type_().value != *name),
                "{name} is an RSIT type and needs no entry"
            );
        }
    }

    #[test]
    fn every_rsit_type_maps_to_itself() {
        for class in RsitClass::all() {
            assert_eq!(intelmq_type_class(class.type_().value), Some(class));
            assert_eq!(
                classify(Some(class.category().value), Some(class.type_().value)),
                Some(known(class))
            );
        }
    }

    #[test]
    fn mapping_defaults() {
        let path = |text: &str| parse_default(text).map(|c| c.path());
        assert_eq!(
            path("malicious-code/infected-system").as_deref(),
            Some("malicious-code/infected-system")
        );
        assert_eq!(
            path("Malicious Code/C2Server").as_deref(),
            Some("malicious-code/c2-server")
        );
        assert_eq!(
            path("c2server").as_deref(),
            Some("malicious-code/c2-server")
        );
        assert_eq!(
            path("rsit:fraud=\"phishing\"").as_deref(),
            Some("fraud/phishing")
        );
        assert_eq!(path("fraud/spam"), None);
        assert_eq!(path("weird"), None);
        assert_eq!(path("malicious-code"), None);
    }
}
