//! Any text as a methodology TOML file: never a panic; what loads must
//! score an empty response set and answer every question's type check.
#![no_main]

use c5hub_assess::{Methodology, ResponseSet, scoring};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Methodology::from_toml(text, "fuzz") else {
        return;
    };
    // A loaded methodology is used at once by the scorer and the
    // questionnaire, so exercise what they call on it.
    let _ = scoring::score_responses(&m, &ResponseSet::default());
    for (_, q) in m.questions() {
        if let Some(t) = m.answer_type(&q.answer_type) {
            let _ = t.score("1");
            let _ = t.accepted();
        }
    }
    let _ = m.tier_for(m.scale / 2.0);
});
