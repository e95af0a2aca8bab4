//! Any bytes as the objects of a peer hub's envelope through the
//! federation reader; whatever it accepts must write back and read back to
//! the same incident and provenance, without a panic.
#![no_main]

use c5hub_formats::federation::{Outgoing, arrivals, object};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(serde_json::Value::Array(objects)) = serde_json::from_slice(data) else { return };
    let Ok(got) = arrivals(&objects) else { return };
    for a in &got {
        let again = object(&Outgoing {
            incident: &a.incident,
            provenance: &a.provenance,
            modified: chrono::DateTime::UNIX_EPOCH,
        });
        let back = arrivals(std::slice::from_ref(&again)).expect("our own object reads");
        assert_eq!(back[0].provenance, a.provenance);
        assert_eq!(back[0].incident, a.incident);
    }
});
