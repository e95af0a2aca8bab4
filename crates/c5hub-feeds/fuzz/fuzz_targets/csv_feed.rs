//! Any bytes through format detection and the CSV reader, under small
//! limits, in four reading modes (the first byte picks one); every
//! incident must be valid and come back identical from its own original
//! document, every error must carry a plausible line number.
#![no_main]

use c5hub_feeds::{CsvFeed, FeedOptions, Limits, Mapping, detect, detect_with};
use libfuzzer_sys::fuzz_target;

/// (mapping of the feed, mapping to read one original alone: the same
/// minus what the original's own header line replaces).
const MODES: [(&str, &str); 4] = [
    ("", ""),
    (
        "quoted_newlines = true\ncomment_prefix = \"#\"",
        "quoted_newlines = true\ncomment_prefix = \"#\"",
    ),
    (
        "header = [\"source.ip\", \"indicator\", \"time.source\", \"classification.type\"]\ndelimiter = \";\"",
        "delimiter = \";\"",
    ),
    (
        "skip_rows = 1\ntime_format = \"%d/%m/%Y %H:%M\"\n[columns]\nhost = \"indicator\"\nseen = \"time.source\"\nx = \"ignore\"",
        "time_format = \"%d/%m/%Y %H:%M\"\n[columns]\nhost = \"indicator\"\nseen = \"time.source\"\nx = \"ignore\"",
    ),
];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let (feed_mapping, alone_mapping) = MODES[usize::from(selector) % MODES.len()];
    let mapping = Mapping::from_toml(feed_mapping).expect("the fuzz mappings are valid");
    let alone = Mapping::from_toml(alone_mapping).expect("the fuzz mappings are valid");
    let _ = detect(input);
    let _ = detect_with(input, &mapping);
    let options = FeedOptions {
        limits: Limits {
            max_line_len: 4096,
            max_columns: 32,
        },
        ..FeedOptions::default()
    };
    let Ok(feed) = CsvFeed::new(input, &mapping, &options) else {
        return;
    };
    let lines = input.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
    for row in feed {
        match row {
            Ok(incident) => {
                assert_eq!(incident.validate(), Ok(()));
                assert!(!incident.observables.is_empty());
                let original = &incident.original.as_ref().expect("original kept").bytes;
                let again: Vec<_> = CsvFeed::new(&original[..], &alone, &options)
                    .expect("an original starts with its header")
                    .collect();
                assert_eq!(again.len(), 1, "the original holds one row");
                let again = again
                    .into_iter()
                    .next()
                    .expect("one row")
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
