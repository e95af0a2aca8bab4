//! A peer's policy: what leaves this hub for it and what is taken from
//! it, and the rule that no policy lifts.
//!
//! The policy is a TOML file the operator writes
//! (`c5hub peers add NAME URL --policy FILE`):
//!
//! ```toml
//! [out]                          # what this hub sends the peer
//! tlp = ["clear", "green", "amber"]
//! rsit = ["fraud", "malicious-code"]   # RSIT categories; none: every one
//! amber_only_if_shared = true    # AMBER only when the reporter shared it
//!                                # with the peer's organisation here
//! pseudonymise = true            # e-mail addresses, phone numbers and
//!                                # people's names leave as keyed pseudonyms
//! aggregates_only = false        # counts per class, month and country only
//!
//! [in]                           # what this hub takes from the peer
//! tlp = ["clear", "green", "amber"]
//! rsit = []
//! ```
//!
//! Whatever a policy says, TLP:AMBER+STRICT and TLP:RED never leave the hub
//! they were reported to: a policy that lists them under `out.tlp` is
//! refused when it is loaded, and [`Policy::outgoing`] withholds them before
//! it reads the policy at all, so a policy built any other way cannot send
//! them either. A peer that sends them anyway is refused on the way in.
//!
//! Loops: every incident that crossed hubs carries its path (the hubs it
//! came through, its origin first). Nothing is sent to a hub on its path,
//! and nothing is taken in whose path holds this hub, so in a ring or a
//! mesh an incident neither returns to its origin nor bounces.

use std::fmt;

use c5hub_model::{Contact, Incident, RsitCategory, Tlp};
use c5hub_spam::indicators::{redact_text, shared_observable};
use c5hub_spam::report::PseudonymKey;
use serde::Deserialize;

/// Why AMBER+STRICT and RED are withheld, in every message that says so.
pub const NEVER_LEAVES: &str =
    "TLP:AMBER+STRICT and TLP:RED never leave the hub they were reported to";

/// Whether an incident at `tlp` may ever leave the hub it was reported to.
/// No policy changes this.
pub fn may_ever_leave(tlp: Tlp) -> bool {
    !matches!(tlp, Tlp::AmberStrict | Tlp::Red)
}

/// A peer's policy, checked: what flows out, what comes in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Policy {
    out: Outbound,
    inbound: Filter,
}

/// Which incidents pass in one direction.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Filter {
    tlp: Vec<Tlp>,
    /// RSIT categories by machine name; empty: every category (and
    /// incidents without a class).
    rsit: Vec<&'static str>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Outbound {
    filter: Filter,
    amber_only_if_shared: bool,
    pseudonymise: bool,
    aggregates_only: bool,
}

/// A policy that could not be loaded: where, and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyError {
    /// The key, e.g. `out.tlp[2]`; empty when the TOML itself is broken.
    pub at: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.at.is_empty() {
            write!(f, "peer policy: {}", self.detail)
        } else {
            write!(f, "peer policy {}: {}", self.at, self.detail)
        }
    }
}

impl std::error::Error for PolicyError {}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    #[serde(default)]
    out: OutFile,
    #[serde(default, rename = "in")]
    inbound: InFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct OutFile {
    tlp: Option<Vec<String>>,
    #[serde(default)]
    rsit: Vec<String>,
    amber_only_if_shared: Option<bool>,
    pseudonymise: Option<bool>,
    #[serde(default)]
    aggregates_only: bool,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct InFile {
    tlp: Option<Vec<String>>,
    #[serde(default)]
    rsit: Vec<String>,
}

fn filter(
    side: &str,
    tlp: Option<Vec<String>>,
    default_tlp: &[Tlp],
    rsit: &[String],
) -> Result<Filter, PolicyError> {
    let tlp = match tlp {
        None => default_tlp.to_vec(),
        Some(names) => {
            let mut levels = Vec::new();
            for (i, name) in names.iter().enumerate() {
                let at = format!("{side}.tlp[{i}]");
                let level: Tlp = name.parse().map_err(|_| PolicyError {
                    at: at.clone(),
                    detail: format!(
                        "{name:?} is not a TLP level (clear, green, amber, amber+strict, red)"
                    ),
                })?;
                if side == "out" && !may_ever_leave(level) {
                    return Err(PolicyError {
                        at,
                        detail: format!("{name:?}: {NEVER_LEAVES}, whatever a policy says"),
                    });
                }
                if !levels.contains(&level) {
                    levels.push(level);
                }
            }
            levels
        }
    };
    let mut categories = Vec::new();
    for (i, name) in rsit.iter().enumerate() {
        let c = RsitCategory::get(name).ok_or_else(|| PolicyError {
            at: format!("{side}.rsit[{i}]"),
            detail: format!("{name:?} is not an RSIT category (e.g. fraud, malicious-code)"),
        })?;
        if !categories.contains(&c.value) {
            categories.push(c.value);
        }
    }
    Ok(Filter {
        tlp,
        rsit: categories,
    })
}

impl Policy {
    /// What leaves by default: CLEAR and GREEN; AMBER only when listed.
    pub const DEFAULT_OUT: [Tlp; 2] = [Tlp::Clear, Tlp::Green];
    /// What comes in by default: CLEAR, GREEN and AMBER.
    pub const DEFAULT_IN: [Tlp; 3] = [Tlp::Clear, Tlp::Green, Tlp::Amber];

    /// Reads a policy file's text; unknown keys, unknown TLP levels and
    /// RSIT categories, and AMBER+STRICT or RED under `out.tlp` are errors
    /// naming the key.
    pub fn from_toml(text: &str) -> Result<Policy, PolicyError> {
        let file: PolicyFile = toml::from_str(text).map_err(|e| PolicyError {
            at: String::new(),
            detail: e.to_string().trim_end().to_owned(),
        })?;
        Ok(Policy {
            out: Outbound {
                filter: filter("out", file.out.tlp, &Self::DEFAULT_OUT, &file.out.rsit)?,
                // Conservative defaults: an operator who says nothing shares
                // AMBER only as the reporter did, and no personal data.
                amber_only_if_shared: file.out.amber_only_if_shared.unwrap_or(true),
                pseudonymise: file.out.pseudonymise.unwrap_or(true),
                aggregates_only: file.out.aggregates_only,
            },
            inbound: filter(
                "in",
                file.inbound.tlp,
                &Self::DEFAULT_IN,
                &file.inbound.rsit,
            )?,
        })
    }

    /// Whether personal data leaves for this peer as pseudonyms.
    pub fn pseudonymises(&self) -> bool {
        self.out.pseudonymise
    }

    /// Whether the peer receives aggregates only, never incidents.
    pub fn aggregates_only(&self) -> bool {
        self.out.aggregates_only
    }

    /// What becomes of incident `i` on its way to `peer`.
    pub fn outgoing(&self, peer: &Peer, i: &Crossing<'_>) -> Outgoing {
        // Before the policy is read: no policy lifts this.
        if !may_ever_leave(i.tlp) {
            return Outgoing::Withhold(NEVER_LEAVES.to_owned());
        }
        if self.out.aggregates_only {
            return Outgoing::Withhold(format!("{} receives aggregates only", peer.hub));
        }
        if i.path.contains(&peer.hub) {
            return Outgoing::Withhold(format!("it came through {}", peer.hub));
        }
        if let Some(why) = self.out.filter.refuses(i) {
            return Outgoing::Withhold(why);
        }
        if i.tlp == Tlp::Amber
            && self.out.amber_only_if_shared
            && !peer
                .org
                .as_deref()
                .is_some_and(|org| i.shared_with.iter().any(|s| *s == org))
        {
            return Outgoing::Withhold(format!(
                "TLP:AMBER and the reporter did not share it with {}'s organisation",
                peer.hub
            ));
        }
        Outgoing::Send {
            pseudonymise: self.out.pseudonymise,
        }
    }

    /// Whether incident `i`, arriving from a peer, is taken in by hub
    /// `here`; `Err` says why not.
    pub fn incoming(&self, here: &str, i: &Crossing<'_>) -> Result<(), String> {
        if !may_ever_leave(i.tlp) {
            return Err(format!("a peer sent {}: {NEVER_LEAVES}", i.tlp));
        }
        if i.path.iter().any(|h| *h == here) {
            return Err(format!("it came through {here} already"));
        }
        match self.inbound.refuses(i) {
            Some(why) => Err(why),
            None => Ok(()),
        }
    }
}

impl Filter {
    fn refuses(&self, i: &Crossing<'_>) -> Option<String> {
        if !self.tlp.contains(&i.tlp) {
            return Some(format!("{} is not in the policy's levels", i.tlp));
        }
        if !self.rsit.is_empty() && !i.category.is_some_and(|c| self.rsit.contains(&c)) {
            return Some(format!(
                "RSIT category {} is not in the policy's categories",
                i.category.unwrap_or("(none)")
            ));
        }
        None
    }
}

/// A peer as its policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Peer {
    /// The peer hub's name, as it appears in incidents' paths.
    pub hub: String,
    /// The organisation on this hub that stands for the peer, if any: AMBER
    /// incidents shared with it may flow (`amber_only_if_shared`).
    pub org: Option<String>,
}

/// What a policy needs to know of an incident crossing between hubs.
#[derive(Clone, Copy, Debug)]
pub struct Crossing<'a> {
    /// Its TLP level.
    pub tlp: Tlp,
    /// Its RSIT category's machine name, if classified.
    pub category: Option<&'static str>,
    /// The organisations the reporter shared it with.
    pub shared_with: &'a [String],
    /// The hubs it came through, its origin first; empty for an incident
    /// reported to this hub.
    pub path: &'a [String],
}

/// What becomes of an incident on its way out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outgoing {
    /// Send it, with personal data as pseudonyms when so.
    Send {
        /// Whether e-mail addresses, phone numbers and names leave as
        /// pseudonyms ([`pseudonymised`]).
        pseudonymise: bool,
    },
    /// Keep it here, and why.
    Withhold(String),
}

/// `incident` as it leaves under a policy that pseudonymises: e-mail
/// addresses and phone numbers (as observables and in the title and
/// description) and contacts' names and addresses become HMAC-SHA-256
/// pseudonyms under the key shared with that peer, and the original
/// document, which still holds them, stays here.
pub fn pseudonymised(incident: &Incident, key: &PseudonymKey) -> Incident {
    let mut out = incident.clone();
    for o in &mut out.observables {
        o.observable = shared_observable(&o.observable, key);
    }
    out.observables.dedup();
    out.title = out.title.as_deref().map(|t| redact_text(t, None, key));
    out.description = out
        .description
        .as_deref()
        .map(|t| redact_text(t, None, key));
    out.contacts = out
        .contacts
        .iter()
        .map(|c| Contact {
            name: c.name.as_deref().map(|n| key.pseudonym(n)),
            email: c.email.as_deref().map(|e| key.pseudonym(e)),
            role: c.role.clone(),
        })
        .collect();
    out.original = None;
    out
}

#[cfg(test)]
mod tests {
    use c5hub_model::{GlobalId, Observable, ObservableKind, ObservableRole};
    use proptest::prelude::*;

    use super::*;

    const LEVELS: [&str; 5] = ["clear", "green", "amber", "amber+strict", "red"];

    fn crossing<'a>(tlp: Tlp, shared: &'a [String], path: &'a [String]) -> Crossing<'a> {
        Crossing {
            tlp,
            category: Some("fraud"),
            shared_with: shared,
            path,
        }
    }

    fn peer() -> Peer {
        Peer {
            hub: "regional".to_owned(),
            org: Some("regional-hub".to_owned()),
        }
    }

    #[test]
    fn errors_name_the_key() {
        for (text, at, says) in [
            (
                "[out]\ntlp = [\"green\", \"red\"]\n",
                "out.tlp[1]",
                "never leave",
            ),
            (
                "[out]\ntlp = [\"amber+strict\"]\n",
                "out.tlp[0]",
                "never leave",
            ),
            (
                "[out]\ntlp = [\"purple\"]\n",
                "out.tlp[0]",
                "not a TLP level",
            ),
            (
                "[in]\nrsit = [\"fraud\", \"nonsense\"]\n",
                "in.rsit[1]",
                "not an RSIT",
            ),
            (
                "[out]\npseudonymize = true\n",
                "",
                "unknown field `pseudonymize`",
            ),
            ("[sideways]\n", "", "unknown field `sideways`"),
            ("[out\n", "", ""),
        ] {
            let e = Policy::from_toml(text).expect_err(text);
            assert_eq!(e.at, at, "{text}: {e}");
            assert!(e.detail.contains(says), "{text}: {e}");
        }
    }

    #[test]
    fn an_empty_policy_is_conservative() {
        let p = Policy::from_toml("").expect("empty");
        let (green, amber) = (
            crossing(Tlp::Green, &[], &[]),
            crossing(Tlp::Amber, &[], &[]),
        );
        assert_eq!(
            p.outgoing(&peer(), &green),
            Outgoing::Send { pseudonymise: true }
        );
        assert!(matches!(p.outgoing(&peer(), &amber), Outgoing::Withhold(_)));
        assert!(p.incoming("national", &amber).is_ok());
        assert!(!p.aggregates_only());
    }

    #[test]
    fn nothing_returns_to_a_hub_on_its_path() {
        let p = Policy::from_toml("[out]\ntlp = [\"clear\"]\n").expect("policy");
        let path = ["national".to_owned(), "regional".to_owned()];
        let i = crossing(Tlp::Clear, &[], &path);
        assert!(
            matches!(p.outgoing(&peer(), &i), Outgoing::Withhold(w) if w.contains("came through"))
        );
        assert!(p.incoming("national", &i).is_err());
        assert!(p.incoming("global", &i).is_ok());
    }

    #[test]
    fn pseudonyms_replace_personal_data_and_the_original_stays() {
        let key = PseudonymKey::new(&[7u8; 32]).expect("key");
        let mut i = Incident::new(GlobalId::new("bank", "1").expect("id"), Tlp::Green);
        i.title = Some("mail from alice@example.org".to_owned());
        i.add_observable(
            Observable::parse(ObservableKind::Email, "alice@example.org").expect("email"),
            ObservableRole::Source,
        );
        i.add_observable(
            Observable::parse(ObservableKind::Domain, "example.org").expect("domain"),
            ObservableRole::Source,
        );
        i.contacts.push(Contact {
            name: Some("Alice Analyst".to_owned()),
            email: Some("alice@example.org".to_owned()),
            role: "creator".to_owned(),
        });
        let out = pseudonymised(&i, &key);
        let text = format!("{out:?}");
        assert!(!text.contains("alice"), "{text}");
        assert!(!text.contains("Alice"), "{text}");
        assert!(
            text.contains("example.org"),
            "a domain is not personal: {text}"
        );
        assert_eq!(out.observables.len(), 2);
        assert_eq!(
            out.contacts[0].email.as_deref(),
            Some(key.pseudonym("alice@example.org").as_str())
        );
        assert!(out.original.is_none());
    }

    fn text_of(out: &[usize], amber_shared: Option<bool>, pseudo: Option<bool>) -> String {
        let mut t = String::from("[out]\n");
        t.push_str(&format!(
            "tlp = [{}]\n",
            out.iter()
                .map(|i| format!("{:?}", LEVELS[*i]))
                .collect::<Vec<_>>()
                .join(", ")
        ));
        if let Some(a) = amber_shared {
            t.push_str(&format!("amber_only_if_shared = {a}\n"));
        }
        if let Some(p) = pseudo {
            t.push_str(&format!("pseudonymise = {p}\n"));
        }
        t
    }

    proptest! {
        /// Over random policies and incidents: a policy naming AMBER+STRICT
        /// or RED under `out` is refused; any policy that loads never sends
        /// them; and what it does send is what the rule's text says.
        #[test]
        fn strict_and_red_never_leave_whatever_the_policy(
            out in proptest::collection::vec(0usize..5, 0..6),
            amber_shared in proptest::option::of(any::<bool>()),
            pseudo in proptest::option::of(any::<bool>()),
            aggregates in any::<bool>(),
            level in 0usize..5,
            shared_with_peer in any::<bool>(),
            via_peer in any::<bool>(),
        ) {
            let mut text = text_of(&out, amber_shared, pseudo);
            if aggregates {
                text.push_str("aggregates_only = true\n");
            }
            let loaded = Policy::from_toml(&text);
            let lists_forbidden = out.iter().any(|i| *i >= 3);
            prop_assert_eq!(loaded.is_err(), lists_forbidden, "{}", text);
            let Ok(policy) = loaded else { return Ok(()) };

            let tlp: Tlp = LEVELS[level].parse().expect("level");
            let shared = if shared_with_peer { vec!["regional-hub".to_owned()] } else { Vec::new() };
            let path = if via_peer { vec!["regional".to_owned()] } else { Vec::new() };
            let verdict = policy.outgoing(&peer(), &crossing(tlp, &shared, &path));

            // The oracle, from the rule's text.
            let listed = out.contains(&level);
            let sent = level < 3
                && !aggregates
                && !via_peer
                && listed
                && (level != 2 || !amber_shared.unwrap_or(true) || shared_with_peer);
            if level >= 3 {
                prop_assert_eq!(&verdict, &Outgoing::Withhold(NEVER_LEAVES.to_owned()));
            }
            prop_assert_eq!(
                matches!(verdict, Outgoing::Send { .. }),
                sent,
                "{} {:?} {:?}", text, tlp, verdict
            );
            if let Outgoing::Send { pseudonymise } = verdict {
                prop_assert_eq!(pseudonymise, pseudo.unwrap_or(true));
            }
            // A peer sending them is refused on the way in, whatever `in` says.
            let refused = policy.incoming("national", &crossing(tlp, &[], &[])).is_err();
            prop_assert!(level < 3 || refused);
        }
    }
}
