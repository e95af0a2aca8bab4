//! Member organisations and roles: who takes part in a hub and what each
//! kind of account may do.
//!
//! TLP decides what an organisation may *read* ([`crate::access`]); the role
//! decides what a user or token of that organisation may *do*. Keeping the
//! two apart means a role can never widen what an organisation sees.

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, ErrorKind, Subject};

/// The type of a member organisation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OrgKind {
    /// A national CIRT (often the hub's operator).
    NationalCirt,
    /// A sector CIRT (finance, energy, health, ...).
    SectorCirt,
    /// A telecom operator or its abuse desk.
    Operator,
    /// A telecom or cybersecurity regulator.
    Regulator,
    /// Another country's hub, federated with this one.
    PeerHub,
}

impl OrgKind {
    /// Every type, in display order.
    pub const ALL: [OrgKind; 5] = [
        OrgKind::NationalCirt,
        OrgKind::SectorCirt,
        OrgKind::Operator,
        OrgKind::Regulator,
        OrgKind::PeerHub,
    ];

    /// The stable name used in the CLI, the API and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::NationalCirt => "national-cirt",
            OrgKind::SectorCirt => "sector-cirt",
            OrgKind::Operator => "operator",
            OrgKind::Regulator => "regulator",
            OrgKind::PeerHub => "peer-hub",
        }
    }

    /// A label for people.
    pub fn label(self) -> &'static str {
        match self {
            OrgKind::NationalCirt => "National CIRT",
            OrgKind::SectorCirt => "Sector CIRT",
            OrgKind::Operator => "Telecom operator",
            OrgKind::Regulator => "Regulator",
            OrgKind::PeerHub => "Peer hub",
        }
    }
}

impl fmt::Display for OrgKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrgKind {
    type Err = Error;

    /// Accepts the names of [`OrgKind::as_str`] in any case, with `_` for `-`.
    fn from_str(s: &str) -> Result<Self, Error> {
        let name = s.trim().to_ascii_lowercase().replace('_', "-");
        OrgKind::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| Error::new(Subject::OrgKind, s, ErrorKind::Unknown))
    }
}

/// What a user or API token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Runs the hub: organisations, users, tokens, the audit log; and
    /// everything an analyst does.
    Admin,
    /// Triages: submits, changes status and assignee, comments.
    Analyst,
    /// Submits incidents and comments on what it can read.
    Reporter,
    /// Reads only.
    Viewer,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Admin, Role::Analyst, Role::Reporter, Role::Viewer];

    /// The stable name used in the CLI, the API and storage.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Analyst => "analyst",
            Role::Reporter => "reporter",
            Role::Viewer => "viewer",
        }
    }

    /// May submit incidents.
    pub fn can_submit(self) -> bool {
        self != Role::Viewer
    }

    /// May comment on incidents it can read.
    pub fn can_comment(self) -> bool {
        self != Role::Viewer
    }

    /// May change status and assignee of incidents it can read.
    pub fn can_triage(self) -> bool {
        matches!(self, Role::Admin | Role::Analyst)
    }

    /// May manage organisations, users and tokens and read the audit log.
    pub fn can_administer(self) -> bool {
        self == Role::Admin
    }

    /// Whether this role may do everything `other` may: a role can grant
    /// only roles it includes.
    pub fn includes(self, other: Role) -> bool {
        // `ALL` and the declaration order run from most to least powerful.
        self <= other
    }

    /// The less powerful of two roles: what a session opened with a token
    /// acts with, whichever of the user and the token was granted less.
    pub fn lesser(self, other: Role) -> Role {
        self.max(other)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        let name = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == name)
            .ok_or_else(|| Error::new(Subject::Role, s, ErrorKind::Unknown))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in OrgKind::ALL {
            assert_eq!(k.as_str().parse::<OrgKind>(), Ok(k));
        }
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>(), Ok(r));
        }
        assert_eq!("SECTOR_CIRT".parse::<OrgKind>(), Ok(OrgKind::SectorCirt));
        let e = "bank".parse::<OrgKind>().expect_err("unknown");
        assert_eq!(
            e.to_string(),
            r#"invalid organisation type "bank": not a known value"#
        );
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn capabilities_narrow_with_the_role() {
        let caps = |r: Role| {
            (
                r.can_submit(),
                r.can_comment(),
                r.can_triage(),
                r.can_administer(),
            )
        };
        assert_eq!(caps(Role::Admin), (true, true, true, true));
        assert_eq!(caps(Role::Analyst), (true, true, true, false));
        assert_eq!(caps(Role::Reporter), (true, true, false, false));
        assert_eq!(caps(Role::Viewer), (false, false, false, false));
    }

    #[test]
    fn a_role_includes_only_the_roles_below_it() {
        assert!(Role::Admin.includes(Role::Admin));
        assert!(Role::Admin.includes(Role::Viewer));
        assert!(Role::Analyst.includes(Role::Reporter));
        assert!(!Role::Analyst.includes(Role::Admin));
        assert!(!Role::Viewer.includes(Role::Reporter));
        assert_eq!(Role::Admin.lesser(Role::Viewer), Role::Viewer);
        assert_eq!(Role::Reporter.lesser(Role::Analyst), Role::Reporter);
        assert_eq!(Role::Analyst.lesser(Role::Analyst), Role::Analyst);
    }
}
