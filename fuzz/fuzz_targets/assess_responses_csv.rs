//! Any text as a responses CSV file: never a panic; what reads writes back
//! and reads again to the same set, and scores under gci-2024.
#![no_main]

use c5hub_assess::{Methodology, ResponseSet, scoring};
use libfuzzer_sys::fuzz_target;

// Parsed once: loading the methodology on every input would spend most of
// the fuzzing time on a fixed input.
static METHODOLOGY: std::sync::LazyLock<Methodology> = std::sync::LazyLock::new(|| {
    Methodology::builtin("gci-2024").expect("built-in methodology loads")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = ResponseSet::from_csv(text) else {
        return;
    };
    let again = ResponseSet::from_csv(&parsed.value.to_csv()).expect("written CSV reads back");
    assert_eq!(again.value, parsed.value, "CSV round trip");
    let m = &*METHODOLOGY;
    let _ = scoring::score_responses(m, &parsed.value);
});
