//! The server's submission reader (media type → IODEF XML, RFC 8727 JSON or
//! native JSON) never panics, whatever the body.
#![no_main]

use libfuzzer_sys::fuzz_target;

const TYPES: [Option<&str>; 5] = [
    None,
    Some("application/xml"),
    Some("application/iodef+json"),
    Some("application/json"),
    Some("text/plain"),
];

fuzz_target!(|data: &[u8]| {
    let Some((first, body)) = data.split_first() else { return };
    let _ = c5hub_server::read_submission(TYPES[usize::from(*first) % TYPES.len()], body);
});
