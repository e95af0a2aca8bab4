//! Any text through a peer's policy reader: refused with a message naming
//! the key, or a policy that never sends AMBER+STRICT or RED and never
//! takes them in, without a panic.
#![no_main]

use c5hub_hub::peers::{Crossing, Outgoing, Policy, PolicyPeer};
use c5hub_model::Tlp;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(policy) = Policy::from_toml(text) else { return };
    let peer = PolicyPeer { hub: "peer".to_owned(), org: Some("peer-org".to_owned()) };
    let shared = ["peer-org".to_owned()];
    for tlp in [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red] {
        for category in [None, Some("fraud")] {
            let i = Crossing { tlp, category, shared_with: &shared, path: &[] };
            let out = policy.outgoing(&peer, &i);
            if matches!(tlp, Tlp::AmberStrict | Tlp::Red) {
                assert!(matches!(out, Outgoing::Withhold(_)), "{tlp:?} left");
                assert!(policy.incoming("here", &i).is_err(), "{tlp:?} came in");
            }
        }
    }
});
