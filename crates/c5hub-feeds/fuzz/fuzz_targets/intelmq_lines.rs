//! Any bytes through format detection and the IntelMQ JSON-lines reader;
//! every incident must be valid and come back identical from its own
//! original line, every error must carry a plausible line number.
#![no_main]

use c5hub_feeds::{FeedOptions, IntelMqFeed, Limits, Mapping, detect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = detect(data);
    let mapping = Mapping::default();
    let options = FeedOptions {
        limits: Limits {
            max_line_len: 4096,
            max_columns: 32,
        },
        ..FeedOptions::default()
    };
    let lines = data.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for row in IntelMqFeed::new(data, &mapping, &options) {
        match row {
            Ok(incident) => {
                assert_eq!(incident.validate(), Ok(()));
                assert!(!incident.observables.is_empty());
                let original = &incident.original.as_ref().expect("original kept").bytes;
                let again: Vec<_> = IntelMqFeed::new(&original[..], &mapping, &options).collect();
                assert_eq!(again.len(), 1, "the original holds one line");
                let again = again
                    .into_iter()
                    .next()
                    .expect("one line")
                    .expect("the original reads");
                assert_eq!(
                    again, incident,
                    "the original does not reproduce the incident"
                );
            }
            Err(err) => assert!(err.line() <= lines, "line {} of {lines}", err.line()),
        }
    }
});
