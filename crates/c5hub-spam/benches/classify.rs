//! Classification speed: messages per second on one core, the shipped
//! model over the SMS Spam Collection's texts (or a built-in sample when
//! ../shared is absent), features + score; and the whole filter (rules
//! first, then the model); and campaign signatures.
//!
//! `cargo bench -p c5hub-spam --bench classify`; figures in BENCHMARKS.md.
// criterion_group! generates an undocumented public function.
#![allow(missing_docs)]

use std::hint::black_box;

use c5hub_spam::campaign::Signature;
use c5hub_spam::rules::{self, Message, Rules};
use c5hub_spam::{Workspace, default_model};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const CORPUS: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/corpora/sms-spam-collection/SMSSpamCollection"
);

fn texts() -> Vec<String> {
    match std::fs::read_to_string(CORPUS) {
        Ok(t) => t
            .lines()
            .filter_map(|l| l.split_once('\t').map(|(_, x)| x.to_owned()))
            .collect(),
        Err(_) => (0..1000)
            .map(|i| format!("Hi, are we still meeting at {i}? WINNER claim £{i}00 at bit.ly/x{i}"))
            .collect(),
    }
}

fn bench(c: &mut Criterion) {
    let model = default_model().expect("shipped model");
    let texts = texts();
    let rules_text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-data/rules/example.toml"
    ))
    .expect("example rules present");
    let rules = Rules::parse(&rules_text).expect("valid rules");
    let mut g = c.benchmark_group("spam");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function("classify_corpus", |b| {
        let mut ws = Workspace::default();
        b.iter(|| {
            let mut spam = 0u32;
            for t in &texts {
                spam += u32::from(model.classify(black_box(t), &mut ws).spam);
            }
            spam
        })
    });
    g.bench_function("rules_then_model_corpus", |b| {
        let mut ws = Workspace::default();
        let at = chrono::DateTime::from_timestamp(1_714_557_600, 0).expect("valid");
        b.iter(|| {
            let mut spam = 0u32;
            for t in &texts {
                let msg = Message {
                    text: t,
                    sender: Some("+447911123456"),
                    recipient: None,
                    received_at: at,
                };
                spam += u32::from(rules::decide(&rules, &model, black_box(&msg), &mut ws).spam);
            }
            spam
        })
    });
    g.bench_function("minhash_corpus", |b| {
        b.iter(|| {
            texts
                .iter()
                .map(|t| Signature::of(black_box(t)).0[0])
                .fold(0u32, u32::wrapping_add)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
