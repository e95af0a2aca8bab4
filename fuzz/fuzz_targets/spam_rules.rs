//! Any text as an X.1242 rules file, and any text as a message to the
//! rules it compiles to: never a panic.
#![no_main]

use c5hub_spam::rules::{Message, Rules};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // The first line is also the message the rules are applied to.
    let message = text.lines().next().unwrap_or("");
    if let Ok(rules) = Rules::parse(text) {
        let _ = rules.evaluate(&Message {
            text: message,
            sender: Some(message),
            recipient: Some(message),
            received_at: chrono::DateTime::from_timestamp(1_714_557_600, 0).unwrap_or_default(),
        });
    }
});
