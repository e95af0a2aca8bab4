//! Any bytes through the streaming reader that splits an RFC 8727 JSON
//! document into one document per Incident (what `c5hub import` reads a
//! hub's JSON export larger than `--max-bytes` with): it must end, never
//! panic, and every Incident it hands out must decode (or be refused) like
//! any document, with its path renumbered into the whole document's.
#![no_main]

use c5hub_iodef::{JsonIncidents, Limits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 16, max_depth: 64, max_elements: 5_000 };
    let mut incidents = JsonIncidents::new(data, limits);
    // Each item consumes input, so the count is bounded by the bytes read.
    for _ in 0..=data.len() + 1 {
        match incidents.next() {
            None => break,
            Some(Ok(doc)) => {
                let _ = doc.path();
                if let Ok(d) = doc.decode(&limits) {
                    for v in &d.violations {
                        let _ = doc.reindex(&v.path);
                    }
                }
            }
            Some(Err(_)) => {}
        }
    }
});
