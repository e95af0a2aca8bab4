//! Any bytes through the XML decoder; whatever decodes must encode in both
//! bindings and decode again without a panic.
#![no_main]

use c5hub_iodef::{Limits, decode_json, decode_xml, encode_json, encode_xml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_bytes: 1 << 20, max_depth: 64, max_elements: 20_000 };
    if let Ok(d) = decode_xml(data, &limits) {
        let xml = encode_xml(&d.document);
        let again = decode_xml(xml.as_bytes(), &Limits::default()).expect("our own XML output decodes");
        if d.is_valid() {
            assert_eq!(again.document, d.document, "XML round trip changed a valid document");
        }
        let json = encode_json(&d.document, false);
        let _ = decode_json(json.as_bytes(), &Limits::default()).expect("our own JSON output decodes");
    }
});
