//! Federation with other hubs: the peers this hub exchanges incidents
//! with, who may add and change them (the hub's administrators and the
//! console), and each peer's [`policy`].
//!
//! A peer is another c5hub (native federation over TAXII 2.1 with c5hub's
//! own properties) or any TAXII 2.1 server (then only what STIX carries).
//! The store keeps the peer, its token, the key of the pseudonyms shared
//! with it and each direction's cursor; a token or key leaves this module
//! only towards the sync; every listing clears them.
//!
//! Sync: [`outbound`] pages the change feed after the peer's cursor through
//! its policy, and the server posts the page to the peer's TAXII API root
//! as `x-c5hub-incident` objects, moving the cursor ([`pushed`]) once the
//! peer accepted it; the peer's TAXII door hands what arrives to
//! [`receive`]. Every incident carries its [`Provenance`]: hubs know a
//! federated incident by its origin and key there, so it is stored once
//! whichever way it came, and never taken in by a hub on its path.

pub mod policy;

use std::collections::{HashMap, HashSet};

use c5hub_model::{Incident, Provenance, Viewer};
use c5hub_spam::report::PseudonymKey;
use c5hub_store::{ChangeKind, NewPeer, Outcome, Peer, Store, StoredIncident, Submission};

pub use policy::{
    Crossing, NEVER_LEAVES, Outgoing, Peer as PolicyPeer, Policy, PolicyError, may_ever_leave,
    pseudonymised,
};

use crate::feeds::hub_admin;
use crate::{Authority, Error};

/// What a peer speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Another c5hub: TAXII 2.1 with c5hub's own properties (provenance,
    /// sharing lists).
    C5hub,
    /// Any TAXII 2.1 server: only what STIX carries.
    Taxii,
}

impl Kind {
    /// Its name in the store and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::C5hub => "c5hub",
            Kind::Taxii => "taxii",
        }
    }

    /// The kind a name says.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "c5hub" => Some(Kind::C5hub),
            "taxii" => Some(Kind::Taxii),
            _ => None,
        }
    }
}

/// A peer to add as a door receives it (the command line reads the token,
/// key and policy files; the API takes their contents), read field by
/// field so that each door refuses the same input with the same words.
#[derive(Clone, Debug, Default)]
pub struct Asked<'a> {
    /// The peer hub's name.
    pub name: &'a str,
    /// Its TAXII 2.1 API root.
    pub url: &'a str,
    /// `c5hub` (default) or `taxii`.
    pub kind: Option<&'a str>,
    /// The token this hub sends it.
    pub token: &'a str,
    /// The policy's TOML text (empty: the defaults).
    pub policy: &'a str,
    /// The key of the pseudonyms shared with it, in hex (needed when the
    /// policy pseudonymises, which it does by default).
    pub pseudonym_key: Option<&'a str>,
    /// The organisation that stands for it on this hub.
    pub org: Option<&'a str>,
}

/// The longest peer name.
pub const MAX_NAME_LEN: usize = 64;
/// The longest policy text, in bytes: a policy is a handful of lists.
pub const MAX_POLICY_LEN: usize = 64 * 1024;
/// The longest token, URL or key, in bytes.
pub const MAX_FIELD_LEN: usize = 4096;

fn invalid(field: &'static str, detail: impl Into<String>) -> Error {
    Error::Invalid {
        field,
        detail: detail.into(),
    }
}

fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "name",
            format!(
                "{name:?}: a peer's name is 1 to {MAX_NAME_LEN} letters, digits, '-', '.' or '_' \
                 (the name incidents' paths carry)"
            ),
        ))
    }
}

fn check_url(url: &str) -> Result<(), Error> {
    let parsed = url::Url::parse(url).map_err(|e| invalid("url", format!("{url:?}: {e}")))?;
    // As for feeds: the hub's HTTP client has no TLS stack yet.
    if parsed.scheme() == "https" {
        return Err(invalid(
            "url",
            format!(
                "{url:?}: https peers are not supported yet: the hub speaks plain http only \
                 (reach an https peer through a TLS proxy on this host)"
            ),
        ));
    }
    if parsed.scheme() != "http" || parsed.host_str().is_none() {
        return Err(invalid(
            "url",
            format!("{url:?}: a peer's TAXII API root is an http URL (http://host/taxii2/api1/)"),
        ));
    }
    Ok(())
}

/// A peer as shown: everything but its token and key.
fn shown(mut p: Peer) -> Peer {
    p.secret.clear();
    p.pseudonym_key.clear();
    p
}

/// Adds a peer (hub administration only), unpaused, both cursors at the
/// start.
pub fn add(store: &mut Store, who: &Authority, a: &Asked<'_>) -> Result<Peer, Error> {
    hub_admin(who, "add peers")?;
    for (field, text, max) in [
        ("url", a.url, MAX_FIELD_LEN),
        ("token", a.token, MAX_FIELD_LEN),
        (
            "pseudonym_key",
            a.pseudonym_key.unwrap_or_default(),
            MAX_FIELD_LEN,
        ),
        ("policy", a.policy, MAX_POLICY_LEN),
    ] {
        if text.len() > max {
            return Err(invalid(
                field,
                format!("{} bytes, more than the limit of {max}", text.len()),
            ));
        }
    }
    let name = a.name.trim();
    check_name(name)?;
    let url = a.url.trim();
    check_url(url)?;
    let kind_text = a.kind.map(str::trim).filter(|k| !k.is_empty());
    let kind = match kind_text {
        None => Kind::C5hub,
        Some(k) => Kind::parse(k).ok_or_else(|| {
            invalid(
                "kind",
                format!("{k:?} is not a kind of peer: c5hub or taxii"),
            )
        })?,
    };
    // A secret is taken as given, but a token file ends with a newline.
    let token = a.token.trim_end_matches(['\n', '\r']);
    if token.is_empty() {
        return Err(invalid("token", "a peer needs the token this hub sends it"));
    }
    let policy = Policy::from_toml(a.policy).map_err(|e| invalid("policy", e.to_string()))?;
    let key = a.pseudonym_key.map(str::trim).unwrap_or_default();
    if !key.is_empty() {
        let bytes = hex_bytes(key).ok_or_else(|| {
            invalid(
                "pseudonym_key",
                "the pseudonym key is hex digits (two per byte)",
            )
        })?;
        PseudonymKey::new(&bytes).map_err(|e| invalid("pseudonym_key", e.to_string()))?;
    } else if policy.pseudonymises() {
        return Err(invalid(
            "pseudonym_key",
            "the policy sends personal data as pseudonyms (out.pseudonymise, the default): \
             give the key shared with this peer",
        ));
    }
    let org = a.org.map(str::trim).filter(|o| !o.is_empty());
    if let Some(o) = org {
        if store.accounts().org(o)?.is_none() {
            return Err(invalid(
                "org",
                format!("{o:?} is not an organisation of this hub"),
            ));
        }
    }
    let p = store.peers().add(&NewPeer {
        name: name.to_owned(),
        url: url.to_owned(),
        kind: kind.as_str().to_owned(),
        secret: token.to_owned(),
        pseudonym_key: key.to_ascii_lowercase(),
        policy: a.policy.to_owned(),
        org: org.map(str::to_owned),
    })?;
    who.audit(
        store,
        "peer.add",
        &format!("peer:{name}"),
        Some(&format!("{} {}", p.kind, p.url)),
    )?;
    Ok(shown(p))
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    hex::decode(s).ok()
}

/// Every peer with its state, without secrets (hub administration only).
pub fn list(store: &mut Store, who: &Authority) -> Result<Vec<Peer>, Error> {
    hub_admin(who, "list peers")?;
    Ok(store.peers().list()?.into_iter().map(shown).collect())
}

/// One peer with its state, without secrets (hub administration only).
pub fn show(store: &mut Store, who: &Authority, name: &str) -> Result<Peer, Error> {
    hub_admin(who, "see peers")?;
    store
        .peers()
        .get(name)?
        .map(shown)
        .ok_or_else(|| Error::NotFound(format!("peer {name:?}")))
}

/// Pauses (`true`) or resumes the peer `name`; its cursors are kept, so a
/// resumed peer goes on where it stopped.
pub fn set_paused(
    store: &mut Store,
    who: &Authority,
    name: &str,
    paused: bool,
) -> Result<Peer, Error> {
    hub_admin(
        who,
        if paused {
            "pause peers"
        } else {
            "resume peers"
        },
    )?;
    if !store.peers().set_paused(name, paused)? {
        return Err(Error::NotFound(format!("peer {name:?}")));
    }
    let action = if paused { "peer.pause" } else { "peer.resume" };
    who.audit(store, action, &format!("peer:{name}"), None)?;
    show(store, who, name)
}

/// Removes the peer `name` (hub administration only).
pub fn remove(store: &mut Store, who: &Authority, name: &str) -> Result<(), Error> {
    hub_admin(who, "remove peers")?;
    if !store.peers().remove(name)? {
        return Err(Error::NotFound(format!("peer {name:?}")));
    }
    who.audit(store, "peer.remove", &format!("peer:{name}"), None)?;
    Ok(())
}

/// This hub's name on incidents' paths: its operator organisation's name.
/// Peers name this hub so (`c5hub peers add NAME`, NAME being the other
/// hub's operator), which is how a hub knows an incident passed it.
pub fn hub_name(store: &mut Store) -> Result<String, Error> {
    store.accounts().operator()?.ok_or_else(|| Error::Invalid {
        field: "operator",
        detail: "this hub has no operator yet: start `c5hub serve` once with --org".to_owned(),
    })
}

/// One incident leaving for a peer.
#[derive(Debug)]
pub struct Leaving {
    /// The incident at its current version, with personal data as
    /// pseudonyms when the policy says so.
    pub stored: StoredIncident,
    /// Where it comes from, this hub last on the path.
    pub provenance: Provenance,
}

/// One page of what leaves this hub for a peer.
#[derive(Debug)]
pub struct OutboundPage {
    /// The incidents to send.
    pub send: Vec<Leaving>,
    /// The changed incidents the policy kept here on this page, each with
    /// why.
    pub withheld: Vec<(String, String)>,
    /// The outbound cursor after this page: stored (`Peers::pushed`) once
    /// the peer has accepted `send`, so a sync killed before that sends
    /// the page again, which the peer takes as duplicates.
    pub next: i64,
    /// Whether more changes may follow.
    pub more: bool,
}

/// The next page of incidents for `peer` after its outbound cursor, as
/// `policy` lets them leave. The hub forwards only what its operator may
/// read (the store's TLP rule, as for any member), and only content
/// changes (a new incident or version); the policy decides the rest, with
/// AMBER+STRICT and RED withheld before it is read, and nothing sent to a
/// hub it came through. An incident changed several times in the page is
/// sent once, at its current version.
pub fn outbound(
    store: &mut Store,
    peer: &Peer,
    policy: &Policy,
    limit: usize,
) -> Result<OutboundPage, Error> {
    let here = hub_name(store)?;
    let viewer = Viewer::member(here.clone());
    let key = if policy.pseudonymises() {
        let bytes = hex_bytes(&peer.pseudonym_key).unwrap_or_default();
        Some(
            PseudonymKey::new(&bytes)
                .map_err(|e| invalid("pseudonym_key", format!("peer {:?}: {e}", peer.name)))?,
        )
    } else {
        None
    };
    let page = store
        .incidents()
        .changes_since(peer.cursor_out, &viewer, limit)?;
    let more = limit > 0 && page.changes.len() >= limit;
    let about = PolicyPeer {
        hub: peer.name.clone(),
        org: peer.org.clone(),
    };
    let mut seen = HashSet::new();
    let keys: Vec<i64> = page
        .changes
        .iter()
        .filter(|c| matches!(c.kind, ChangeKind::Incident | ChangeKind::Version))
        .map(|c| c.incident)
        .filter(|k| seen.insert(*k))
        .collect();
    let (mut send, mut withheld) = (Vec::new(), Vec::new());
    for mut stored in store.incidents().incidents(&keys, &viewer)? {
        let mut provenance = stored
            .provenance
            .take()
            .map(|a| a.provenance)
            .unwrap_or_else(|| Provenance {
                origin: here.clone(),
                origin_key: stored.key,
                origin_version: stored.version,
                path: Vec::new(),
            });
        let verdict = policy.outgoing(
            &about,
            &Crossing {
                tlp: stored.incident.tlp,
                category: stored.incident.classification.map(|k| k.category().value),
                shared_with: &stored.shared_with,
                path: &provenance.path,
            },
        );
        match verdict {
            Outgoing::Send { pseudonymise } => {
                if let (true, Some(k)) = (pseudonymise, &key) {
                    stored.incident = pseudonymised(&stored.incident, k);
                }
                provenance.path.push(here.clone());
                send.push(Leaving { stored, provenance });
            }
            Outgoing::Withhold(why) => withheld.push((stored.incident.id.to_string(), why)),
        }
    }
    Ok(OutboundPage {
        send,
        withheld,
        next: page.next,
        more,
    })
}

/// What a peer sent, taken in: how many incidents were new here, how many
/// new versions, how many this hub held already at that version or a
/// newer one, and the ones refused, each with why.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Receipt {
    /// Incidents new to this hub.
    pub stored: usize,
    /// New versions of incidents this hub held.
    pub versions: usize,
    /// Incidents this hub held already at that version or a newer one.
    pub duplicates: usize,
    /// Each incident refused, by its place in what was sent, with why: the
    /// `[in]` policy, TLP:AMBER+STRICT and RED, or a loop.
    pub refused: Vec<(usize, String)>,
}

/// Takes in what the peer that `who` stands for sent: each incident passes
/// that peer's `[in]` policy and the loop check (none whose path holds this
/// hub), and is stored once by its origin and key, whichever peer it
/// came from: a version this hub holds already, or an older one, changes
/// nothing; a newer one becomes a new version of the incident held. An
/// incident new here is stored as reported by the peer's organisation.
/// Incidents and their provenance are stored in one transaction.
pub fn receive(
    store: &mut Store,
    who: &Authority,
    arrivals: Vec<(Incident, Provenance)>,
    bytes: usize,
) -> Result<Receipt, Error> {
    let principal = match who {
        Authority::Member { principal, .. } => principal,
        _ => {
            return Err(Error::Forbidden(
                "incidents from a peer hub come with the token of the organisation that stands \
                 for it"
                    .to_owned(),
            ));
        }
    };
    let Some(peer) = store.peers().by_org(&principal.org)? else {
        return Err(Error::Forbidden(format!(
            "organisation {:?} stands for no peer hub here (c5hub peers add NAME URL --org {})",
            principal.org, principal.org
        )));
    };
    if peer.paused {
        return Err(Error::Forbidden(format!(
            "peer {:?} is paused here: resume it to take its incidents",
            peer.name
        )));
    }
    let policy = Policy::from_toml(&peer.policy).map_err(|e| invalid("policy", e.to_string()))?;
    let here = hub_name(store)?;
    let mut receipt = Receipt::default();
    let mut taken: Vec<(Incident, Provenance, String)> = Vec::new();
    // An incident twice in one envelope is taken at its newest version.
    let mut in_batch: HashMap<(String, i64), usize> = HashMap::new();
    let objects = arrivals.len();
    // What this hub holds of them, read a list of keys per origin at once.
    let mut by_origin: HashMap<&str, Vec<i64>> = HashMap::new();
    for (_, p) in &arrivals {
        by_origin.entry(&p.origin).or_default().push(p.origin_key);
    }
    let mut holds: HashMap<(String, i64), c5hub_store::Held> = HashMap::new();
    for (origin, keys) in by_origin {
        for (k, h) in store.peers().held_many(origin, &keys)? {
            holds.insert((origin.to_owned(), k), h);
        }
    }
    for (name, (incident, provenance)) in arrivals.into_iter().enumerate() {
        if let Err(e) = provenance.check() {
            receipt.refused.push((name, e.to_string()));
            continue;
        }
        if provenance.path.last() != Some(&peer.name) {
            receipt.refused.push((
                name,
                format!(
                    "the path must end at the peer that sent it ({:?})",
                    peer.name
                ),
            ));
            continue;
        }
        let verdict = policy.incoming(
            &here,
            &Crossing {
                tlp: incident.tlp,
                category: incident.classification.map(|k| k.category().value),
                shared_with: &[],
                path: &provenance.path,
            },
        );
        if let Err(why) = verdict {
            receipt.refused.push((name, why));
            continue;
        }
        let held = holds.remove(&(provenance.origin.clone(), provenance.origin_key));
        let reporter = match held {
            Some(h) if h.origin_version >= provenance.origin_version => {
                receipt.duplicates += 1;
                continue;
            }
            Some(h) => h.reporter,
            None => principal.org.clone(),
        };
        let at = (provenance.origin.clone(), provenance.origin_key);
        match in_batch.get(&at) {
            Some(&i) if taken[i].1.origin_version >= provenance.origin_version => {
                receipt.duplicates += 1;
            }
            Some(&i) => taken[i] = (incident, provenance, reporter),
            None => {
                in_batch.insert(at, taken.len());
                taken.push((incident, provenance, reporter));
            }
        }
    }
    let source = format!("peer:{}", peer.name);
    let batch: Vec<Submission<'_>> = taken
        .iter()
        .map(|(incident, _, reporter)| Submission {
            incident,
            reporter,
            source: &source,
            shared_with: &[],
            recipients: &[],
        })
        .collect();
    let provenance: Vec<Provenance> = taken.iter().map(|(_, p, _)| p.clone()).collect();
    let outcomes = if batch.is_empty() {
        Vec::new()
    } else {
        store.peers().receive(&batch, &provenance)?
    };
    for o in outcomes {
        match o {
            Outcome::New(_) => receipt.stored += 1,
            Outcome::NewVersion { .. } => receipt.versions += 1,
            Outcome::Duplicate(_) => receipt.duplicates += 1,
        }
    }
    store
        .peers()
        .received(peer.id, objects as i64, bytes as i64)?;
    Ok(receipt)
}

/// The peers to sync with now: every unpaused one, with its token and key
/// (for the sync alone: no door shows them).
pub fn for_sync(store: &mut Store) -> Result<Vec<Peer>, Error> {
    Ok(store
        .peers()
        .list()?
        .into_iter()
        .filter(|p| !p.paused)
        .collect())
}

/// Records that an exchange with `peer` failed, and why; its cursors stay.
pub fn failed(store: &mut Store, peer: &Peer, why: &str) -> Result<(), Error> {
    store.peers().failed(peer.id, why)?;
    Ok(())
}

/// Records that an exchange with `peer` starts.
pub fn attempted(store: &mut Store, peer: &Peer) -> Result<(), Error> {
    store.peers().attempted(peer.id)?;
    Ok(())
}

/// Records that `peer` accepted a page: the outbound cursor moves past it.
pub fn pushed(
    store: &mut Store,
    peer: &Peer,
    page: &OutboundPage,
    bytes: usize,
) -> Result<(), Error> {
    store
        .peers()
        .pushed(peer.id, page.next, page.send.len() as i64, bytes as i64)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use c5hub_model::Role;

    use super::*;
    use crate::accounts::tests::member;

    #[test]
    fn names_urls_and_keys_are_checked_before_the_store() {
        for bad in ["", "a b", "x/y", &"n".repeat(65)] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        check_name("regional-hub.africa_1").expect("a name");
        for bad in [
            "not a url",
            "ftp://x/",
            "https://regional.test/taxii2/api1/",
        ] {
            assert!(check_url(bad).is_err(), "{bad:?}");
        }
        check_url("http://127.0.0.1:8080/taxii2/api1/").expect("a URL");
        assert_eq!(hex_bytes("00ff10"), Some(vec![0, 255, 16]));
        assert_eq!(hex_bytes("0"), None);
        assert_eq!(hex_bytes("zz"), None);
        assert_eq!(hex_bytes("é0"), None);
    }

    #[test]
    fn only_the_operators_admins_manage_peers() {
        for role in [Role::Viewer, Role::Reporter, Role::Analyst, Role::Admin] {
            let who = member("bank", role);
            assert!(hub_admin(&who, "add peers").is_err(), "{role}");
            let operator = member("hub", role);
            assert_eq!(
                hub_admin(&operator, "add peers").is_ok(),
                role == Role::Admin
            );
        }
    }
}
