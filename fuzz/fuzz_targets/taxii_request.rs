//! The TAXII server's request reader (the objects endpoint's filters,
//! `next`, and a posted envelope read as one STIX bundle) never panics,
//! whatever the query string and body.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((first, rest)) = data.split_first() else { return };
    let split = usize::from(*first).min(rest.len());
    let (query, body) = rest.split_at(split);
    let query = String::from_utf8_lossy(query);
    let _ = c5hub_server::read_taxii_request(&query, Some(body));
    let _ = c5hub_server::read_taxii_request(&query, None);
});
