//! Who may read an incident: the TLP 2.0 rules as c5hub applies them.
//!
//! This is the one place the rule is written. Every read path (lists,
//! lookups, correlation counts, exports, the web UI, TAXII, federation) asks
//! [`Viewer::can_read`]; storage queries take a `Viewer` as a parameter so
//! that no caller can forget it.

use crate::Tlp;

/// Who is asking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Viewer {
    /// Nobody logged in. Sees TLP:CLEAR only, and only when the hub enables
    /// public access.
    Anonymous {
        /// Whether the hub serves TLP:CLEAR to unauthenticated readers.
        public_access: bool,
    },
    /// A user or token of a member organisation.
    Member {
        /// The organisation's name, as incidents record their reporter.
        org: String,
    },
}

impl Viewer {
    /// A member of `org`.
    pub fn member(org: impl Into<String>) -> Viewer {
        Viewer::Member { org: org.into() }
    }

    /// The organisation, for members.
    pub fn org(&self) -> Option<&str> {
        match self {
            Viewer::Member { org } => Some(org),
            Viewer::Anonymous { .. } => None,
        }
    }

    /// Whether this viewer may read an incident with these sharing facts.
    ///
    /// - CLEAR: anyone; anonymous readers only with public access on.
    /// - GREEN: every member organisation.
    /// - AMBER: the reporting organisation and those it shares with.
    /// - AMBER+STRICT: the reporting organisation only.
    /// - RED: the reporting organisation and the named recipients only.
    pub fn can_read(&self, a: &Audience<'_>) -> bool {
        let org = match self {
            Viewer::Anonymous { public_access } => return *public_access && a.tlp == Tlp::Clear,
            Viewer::Member { org } => org.as_str(),
        };
        if org == a.reporter {
            return true;
        }
        match a.tlp {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber => a.shared_with.contains(&org),
            Tlp::AmberStrict => false,
            Tlp::Red => a.recipients.contains(&org),
        }
    }
}

/// The facts about an incident that decide who reads it.
#[derive(Clone, Copy, Debug)]
pub struct Audience<'a> {
    /// The reporting organisation.
    pub reporter: &'a str,
    /// Its TLP level.
    pub tlp: Tlp,
    /// Organisations the reporter shares an AMBER incident with.
    pub shared_with: &'a [&'a str],
    /// Named recipients of a RED incident.
    pub recipients: &'a [&'a str],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(tlp: Tlp, viewer: &Viewer, expected: bool) {
        let a = Audience {
            reporter: "bank-csirt",
            tlp,
            shared_with: &["telco-a"],
            recipients: &["regulator"],
        };
        assert_eq!(viewer.can_read(&a), expected, "{viewer:?} reading {tlp:?}");
    }

    #[test]
    fn tlp_rules() {
        let reporter = Viewer::member("bank-csirt");
        let partner = Viewer::member("telco-a");
        let recipient = Viewer::member("regulator");
        let other = Viewer::member("peer-cirt");
        let public = Viewer::Anonymous {
            public_access: true,
        };
        let closed = Viewer::Anonymous {
            public_access: false,
        };
        for (tlp, r, p, rc, o, pu, cl) in [
            (Tlp::Clear, true, true, true, true, true, false),
            (Tlp::Green, true, true, true, true, false, false),
            (Tlp::Amber, true, true, false, false, false, false),
            (Tlp::AmberStrict, true, false, false, false, false, false),
            (Tlp::Red, true, false, true, false, false, false),
        ] {
            check(tlp, &reporter, r);
            check(tlp, &partner, p);
            check(tlp, &recipient, rc);
            check(tlp, &other, o);
            check(tlp, &public, pu);
            check(tlp, &closed, cl);
        }
    }
}
