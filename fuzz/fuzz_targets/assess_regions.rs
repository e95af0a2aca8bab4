//! Any text as a region table CSV file: never a panic.
#![no_main]

use c5hub_assess::RegionTable;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(t) = RegionTable::from_csv(text) {
        for e in t.entries() {
            let _ = t.name_of(&e.iso3);
        }
    }
});
