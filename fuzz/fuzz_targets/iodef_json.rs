//! Any bytes through the RFC 8727 JSON decoder; whatever decodes must encode
//! in both bindings and decode again without a panic.
#![no_main]

use c5hub_iodef::{Limits, decode_json, decode_xml, encode_json, encode_xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_depth: 64, max_elements: 20_000 };
    if let Ok(d) = decode_json(data, &limits) {
        let json = encode_json(&d.document, false);
        let again = decode_json(json.as_bytes(), &Limits::default()).expect("our own JSON output decodes");
        if d.is_valid() {
            assert_eq!(again.document, d.document, "JSON round trip changed a valid document");
        }
        let xml = encode_xml(&d.document);
        let _ = decode_xml(xml.as_bytes(), &Limits::default()).expect("our own XML output decodes");
    }
});
