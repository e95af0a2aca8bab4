//! Any text as a pillar-scores CSV file for gci-2024: never a panic; what
//! reads scores.
#![no_main]

use c5hub_assess::{Methodology, pillar_scores, scoring};
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
    let m = &*METHODOLOGY;
    if let Ok(rows) = pillar_scores::read_pillar_scores(m, text) {
        let _ = scoring::score_pillar_rows(m, &rows.value);
    }
});
