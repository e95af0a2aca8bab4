//! Any bytes as a report import (CSV or JSON lines), and every imported
//! text through features, indicators and campaigns: never a panic.
#![no_main]

use c5hub_spam::campaign::Signature;
use c5hub_spam::features::{self, Buckets, FeatureConfig, Scratch};
use c5hub_spam::indicators;
use c5hub_spam::report::{self, PseudonymKey};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = PseudonymKey::new(b"fuzzing key, sixteen+").expect("long enough");
    let imported = report::import(data, &key);
    let cfg = FeatureConfig::default();
    let mut texts: Vec<&str> = imported.reports.iter().map(|r| r.text.as_str()).collect();
    let raw = String::from_utf8_lossy(data);
    texts.push(&raw);
    for t in texts {
        let mut b = Buckets::new(&cfg);
        features::extract(&cfg, t, &mut Scratch::default(), &mut b);
        let _ = indicators::extract(t, Some(t), Some("GB"));
        let _ = Signature::of(t);
    }
});
