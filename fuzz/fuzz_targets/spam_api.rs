//! The server's spam report reader (`POST /api/v1/spam/reports`: one
//! report, an array or `{"reports": [...]}`) never panics, whatever the
//! body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = c5hub_server::read_spam_reports("fuzz-operator", data);
});
