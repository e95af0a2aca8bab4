//! Any bytes through the MISP event reader (and the feed manifest reader);
//! whatever converts must export and read back to the same incident, and
//! its feed entry and hashes must be computable, without a panic.
#![no_main]

use c5hub_misp::{Limits, export_event, feed, incident_from_event, read_events};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, ..Limits::default() };
    let _ = feed::read_manifest(data, &limits);
    let Ok(events) = read_events(data, &limits) else { return };
    for r in &events {
        let event = r.event();
        let _ = feed::hash_lines(&event);
        let _ = feed::manifest_entry(&event);
        for lenient in [false, true] {
            let Ok(c) = incident_from_event(r, lenient) else { continue };
            let out = export_event(&c.incident, "fuzz", chrono::DateTime::UNIX_EPOCH).to_json();
            let again = read_events(out.as_bytes(), &Limits::default()).expect("our own event reads");
            let c2 = incident_from_event(&again[0], lenient).expect("our own event converts");
            assert_eq!(c2.incident.id, c.incident.id);
            assert_eq!(c2.incident.tlp, c.incident.tlp);
            assert_eq!(c2.incident.observables, c.incident.observables);
        }
    }
});
