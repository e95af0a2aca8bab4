//! Any text through the STIX pattern parser: never a panic; whatever parses
//! prints to a pattern that parses back equal (and prints the same again);
//! an error's offset lies within the text; the observables found have
//! patterns of their own that give them back.
#![no_main]

use c5hub_stix::pattern::{for_observable, observables, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    match parse(text) {
        Ok(pattern) => {
            let printed = pattern.to_string();
            let again = parse(&printed).expect("a printed pattern parses");
            assert_eq!(again, pattern, "{printed}");
            assert_eq!(again.to_string(), printed);
            for o in observables(&pattern) {
                if let Some(own) = for_observable(&o) {
                    let back = parse(&own).expect("c5hub's own pattern parses");
                    assert_eq!(observables(&back), vec![o]);
                }
            }
        }
        Err(e) => assert!(e.offset <= text.chars().count(), "{e}"),
    }
});
