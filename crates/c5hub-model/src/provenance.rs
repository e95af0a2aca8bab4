//! Where an incident that crossed hubs comes from: the hub it was reported
//! to, its key and version there, and the hubs it came through.
//!
//! Federated hubs recognise an incident by its origin and its key there, not
//! by its reporter here: the same incident reaching a hub by two paths
//! arrives from two different peers, and must be stored once. The origin's
//! version number orders copies, so a newer version replaces an older one
//! wherever it arrives and an older one arriving late changes nothing.

use std::fmt;

/// The longest name of a hub on a path, in bytes.
pub const MAX_HUB_NAME_LEN: usize = 128;
/// The most hubs a path may hold: a national, a regional and a global hub
/// make three, and a path longer than this is a loop that escaped.
pub const MAX_PATH_LEN: usize = 32;

/// An incident's provenance across hubs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Provenance {
    /// The hub it was reported to.
    pub origin: String,
    /// Its key at the origin.
    pub origin_key: i64,
    /// Its version at the origin (1 for the first).
    pub origin_version: i64,
    /// The hubs it came through, the origin first and the hub that sent it
    /// last.
    pub path: Vec<String>,
}

/// A provenance that cannot be right, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProvenanceError(pub String);

impl fmt::Display for ProvenanceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ProvenanceError {}

/// Whether `name` may name a hub on a path: printable, no separators a
/// stored path uses, bounded.
pub fn check_hub_name(name: &str) -> Result<(), ProvenanceError> {
    if name.is_empty() || name.len() > MAX_HUB_NAME_LEN {
        return Err(ProvenanceError(format!(
            "a hub's name is 1 to {MAX_HUB_NAME_LEN} bytes, not {}",
            name.len()
        )));
    }
    if name.chars().any(char::is_control) {
        return Err(ProvenanceError(format!(
            "{name:?}: a hub's name holds no control characters"
        )));
    }
    Ok(())
}

impl Provenance {
    /// Checks what a peer sent: a named origin, a positive key and version,
    /// a bounded path of named hubs that starts at the origin and passes no
    /// hub twice.
    pub fn check(&self) -> Result<(), ProvenanceError> {
        check_hub_name(&self.origin)?;
        if self.origin_key < 1 || self.origin_version < 1 {
            return Err(ProvenanceError(format!(
                "origin key {} and version {} count from 1",
                self.origin_key, self.origin_version
            )));
        }
        if self.path.is_empty() || self.path.len() > MAX_PATH_LEN {
            return Err(ProvenanceError(format!(
                "a path holds 1 to {MAX_PATH_LEN} hubs, not {}",
                self.path.len()
            )));
        }
        if self.path[0] != self.origin {
            return Err(ProvenanceError(format!(
                "the path starts at {:?}, not at the origin {:?}",
                self.path[0], self.origin
            )));
        }
        for (i, hub) in self.path.iter().enumerate() {
            check_hub_name(hub)?;
            if self.path[..i].contains(hub) {
                return Err(ProvenanceError(format!(
                    "the path passes {hub:?} twice: a loop"
                )));
            }
        }
        Ok(())
    }

    /// Whether `hub` is on the path (the origin included).
    pub fn passed(&self, hub: &str) -> bool {
        self.path.iter().any(|h| h == hub)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(path: &[&str]) -> Provenance {
        Provenance {
            origin: path.first().copied().unwrap_or("a").to_owned(),
            origin_key: 7,
            origin_version: 1,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    #[test]
    fn paths_start_at_the_origin_and_never_repeat_a_hub() {
        p(&["national", "regional"]).check().expect("a line");
        assert!(p(&[]).check().is_err());
        assert!(
            p(&["a", "b", "a"])
                .check()
                .expect_err("refused")
                .0
                .contains("twice")
        );
        let mut wrong = p(&["a", "b"]);
        wrong.origin = "b".to_owned();
        assert!(wrong.check().expect_err("refused").0.contains("origin"));
        assert!(p(&["a", "x\ny"]).check().is_err());
        let long: Vec<String> = (0..=MAX_PATH_LEN).map(|i| format!("h{i}")).collect();
        let refs: Vec<&str> = long.iter().map(String::as_str).collect();
        assert!(p(&refs).check().is_err());
        let mut zero = p(&["a"]);
        zero.origin_version = 0;
        assert!(zero.check().is_err());
        assert!(p(&["a", "b"]).passed("b"));
        assert!(!p(&["a", "b"]).passed("c"));
    }
}
