//! The Traffic Light Protocol (TLP) 2.0 of FIRST: the label on every
//! incident that says who may read it and how far it may travel.
//!
//! Levels are ordered from least to most restrictive (`Clear < Green < Amber
//! < AmberStrict < Red`), so "the stricter of two labels" is `max`. Sharing
//! decisions themselves (which organisation counts as "community") belong to
//! the policy code that uses this type, not here.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Subject};

/// A TLP 2.0 label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Tlp {
    /// TLP:CLEAR: anyone may read it; disclosure is not limited (subject to
    /// copyright). TLP 1.0 called this WHITE.
    Clear,
    /// TLP:GREEN: the community: recipients may share it with every member
    /// organisation of their community (for c5hub, the hub's members), but
    /// not publish it.
    Green,
    /// TLP:AMBER: limited disclosure: recipients may share it within their own
    /// organisation and with its clients, on a need-to-know basis, to protect
    /// themselves or prevent further harm.
    Amber,
    /// TLP:AMBER+STRICT: like AMBER, but only within the recipient's own
    /// organisation; not with its clients.
    AmberStrict,
    /// TLP:RED: the named recipients only, personally; not to be shared
    /// further, not even within their organisation.
    Red,
}

impl Tlp {
    /// Every level, from least to most restrictive.
    pub const ALL: [Tlp; 5] = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];

    /// The label as TLP 2.0 writes it: `TLP:CLEAR`, `TLP:GREEN`,
    /// `TLP:AMBER`, `TLP:AMBER+STRICT`, `TLP:RED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// The label without the `TLP:` prefix, in lowercase (`clear`,
    /// `amber+strict`), as used in machine tags such as `tlp:amber+strict`.
    pub fn name(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// Who may read information with this label, in one sentence.
    pub fn audience(self) -> &'static str {
        match self {
            Tlp::Clear => "Anyone; disclosure is not limited.",
            Tlp::Green => "The community: every member organisation, not the public.",
            Tlp::Amber => "The recipient's organisation and its clients, on a need-to-know basis.",
            Tlp::AmberStrict => "The recipient's organisation only, on a need-to-know basis.",
            Tlp::Red => "The named recipients only.",
        }
    }
}

impl fmt::Display for Tlp {
    /// Writes [`Tlp::as_str`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Tlp {
    type Err = Error;

    /// Accepts the TLP 2.0 labels in any case, with or without the `TLP:`
    /// prefix (`TLP:AMBER+STRICT`, `amber+strict`, `tlp:red`), `AMBER STRICT`
    /// `AMBER-STRICT` or `AMBER_STRICT` for AMBER+STRICT, and TLP 1.0's
    /// `WHITE` as CLEAR.
    fn from_str(s: &str) -> Result<Self, Error> {
        let text = s.trim();
        let name = text
            .get(..4)
            .filter(|head| head.eq_ignore_ascii_case("tlp:"))
            .map_or(text, |_| text[4..].trim_start());
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            "clear" | "white" => Ok(Tlp::Clear),
            "green" => Ok(Tlp::Green),
            "amber" => Ok(Tlp::Amber),
            "amber+strict" | "amber strict" | "amber-strict" | "amber_strict" => {
                Ok(Tlp::AmberStrict)
            }
            "red" => Ok(Tlp::Red),
            _ => Err(Error::new(Subject::Tlp, s, ErrorKind::Unknown)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Tlp) {
        assert_eq!(input.parse::<Tlp>(), Ok(expected), "parse({input:?})");
    }

    #[test]
    fn parses_labels() {
        check("TLP:CLEAR", Tlp::Clear);
        check("tlp:clear", Tlp::Clear);
        check("CLEAR", Tlp::Clear);
        check("WHITE", Tlp::Clear);
        check("TLP:WHITE", Tlp::Clear);
        check("green", Tlp::Green);
        check(" TLP:GREEN ", Tlp::Green);
        check("TLP: AMBER", Tlp::Amber);
        check("TLP:AMBER+STRICT", Tlp::AmberStrict);
        check("amber+strict", Tlp::AmberStrict);
        check("AMBER-STRICT", Tlp::AmberStrict);
        check("Amber Strict", Tlp::AmberStrict);
        check("RED", Tlp::Red);
    }

    #[test]
    fn rejects_others() {
        for input in [
            "",
            "TLP:",
            "orange",
            "TLP:AMBER+",
            "tlp-red",
            "AMBER+STRICTER",
        ] {
            let err = input.parse::<Tlp>().expect_err(input);
            assert_eq!(
                err.to_string(),
                format!("invalid TLP label {input:?}: not a known value")
            );
        }
    }

    #[test]
    fn labels_round_trip() {
        for tlp in Tlp::ALL {
            assert_eq!(tlp.as_str().parse::<Tlp>(), Ok(tlp));
            assert_eq!(tlp.name().parse::<Tlp>(), Ok(tlp));
            assert_eq!(tlp.to_string(), tlp.as_str());
        }
    }

    #[test]
    fn ordered_least_to_most_restrictive() {
        assert!(Tlp::ALL.windows(2).all(|pair| pair[0] < pair[1]));
        assert_eq!(Tlp::Amber.max(Tlp::Green), Tlp::Amber);
        assert_eq!(Tlp::AmberStrict.max(Tlp::Red), Tlp::Red);
    }
}
