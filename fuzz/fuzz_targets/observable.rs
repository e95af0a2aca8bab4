//! Any text through observable recognition and normalisation: never a
//! panic, and a normalised value parses again to itself.
#![no_main]

use c5hub_model::{Observable, ObservableKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(o) = Observable::guess(text) {
        let again = Observable::parse(o.kind(), o.value()).expect("a normalised value parses again");
        assert_eq!(again, o);
    }
    for kind in ObservableKind::ALL {
        let _ = Observable::parse(kind, text);
    }
    let _ = Observable::parse_phone(text, Some("GB"));
});
