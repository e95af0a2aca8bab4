//! Any bytes through both STIX bundle readers (whole and two-pass): never a
//! panic; the two agree on how many groups a readable bundle has; every
//! incident that converts is valid, and its objects are the ones export
//! gives back.
#![no_main]

use c5hub_stix::bundle::{self, Limits};
use c5hub_stix::import::{self, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let opts = Options::default();
    let whole = bundle::read(data, &limits).map(|b| import::incidents(&b, &opts));
    let streamed = c5hub_stix::stream::scan(std::io::Cursor::new(data), &limits, &opts);
    if let Ok(groups) = &whole {
        for g in groups {
            if let Ok(m) = &g.incident {
                assert!(m.validate().is_ok());
                let objects = import::original_objects(m).expect("a STIX original");
                let now = chrono::Utc::now();
                let back = c5hub_stix::incident_objects(&c5hub_stix::Source {
                    reporter: "fuzz",
                    created_at: now,
                    incident: m,
                });
                assert_eq!(back, objects);
            }
        }
    }
    if let (Ok(groups), Ok(s)) = (&whole, streamed) {
        // The two-pass reader may refuse objects the whole one reads only
        // when they are over its per-object limit.
        if s.refused().is_empty() {
            assert_eq!(s.count(), groups.len());
        }
    }
});
