//! Any text as a responses JSON document: never a panic; what reads
//! writes back and reads again to the same set, and scores under
//! cirt-readiness.
#![no_main]

use c5hub_assess::{Methodology, ResponseSet, scoring};
use libfuzzer_sys::fuzz_target;

// Parsed once: loading the methodology on every input would spend most of
// the fuzzing time on a fixed input.
static METHODOLOGY: std::sync::LazyLock<Methodology> = std::sync::LazyLock::new(|| {
    Methodology::builtin("cirt-readiness").expect("built-in methodology loads")
});

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = ResponseSet::from_json(text) else {
        return;
    };
    let again = ResponseSet::from_json(&parsed.value.to_json()).expect("written JSON reads back");
    assert_eq!(again.value, parsed.value, "JSON round trip");
    let m = &*METHODOLOGY;
    let _ = scoring::score_responses(m, &parsed.value);
});
