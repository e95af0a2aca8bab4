//! Any bytes as a spam model file: never a panic; a file that loads
//! writes back to bytes that load to the same model, and it classifies.
#![no_main]

use c5hub_spam::{Model, Workspace};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(m) = Model::from_bytes(data) {
        let again = Model::from_bytes(&m.to_bytes()).expect("own output loads");
        assert_eq!(again, m);
        let v = m.classify("free entry, txt WIN to 80086", &mut Workspace::default());
        assert!((0.0..=1.0).contains(&v.score));
    }
});
