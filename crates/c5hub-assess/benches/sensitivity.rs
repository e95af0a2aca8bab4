//! Benchmark of the weight sensitivity analysis: 194 countries (the
//! synthetic GCI pillar scores in `test-data/`) × 10,000 Dirichlet weight
//! draws, the target being under one second. Also times the dominance view
//! and scoring of the same data on their own.
//!
//! `cargo bench -p c5hub-assess --bench sensitivity`

// `criterion_group!` defines a public function without documentation.
#![allow(missing_docs)]

use c5hub_assess::sensitivity::{self, SensitivityConfig};
use c5hub_assess::{Methodology, pillar_scores, scoring};
use criterion::{Criterion, criterion_group, criterion_main};

const SCORES: &str = include_str!("../test-data/synthetic-gci-pillar-scores-2024.csv");

fn bench(c: &mut Criterion) {
    let m = Methodology::builtin("gci-2024").expect("built-in methodology validates");
    let rows = pillar_scores::read_pillar_scores(&m, SCORES)
        .expect("synthetic scores are readable")
        .value;
    assert_eq!(rows.len(), 194);
    let scores = scoring::score_pillar_rows(&m, &rows);
    let config = SensitivityConfig::default();
    assert_eq!(config.draws, 10_000);

    let mut group = c.benchmark_group("sensitivity");
    group.sample_size(20);
    group.bench_function("194 countries x 10000 draws (run)", |b| {
        b.iter(|| sensitivity::run(&m, &scores, &config).expect("runs"))
    });
    group.bench_function("194 countries x 10000 draws (run + dominance)", |b| {
        b.iter(|| {
            let report = sensitivity::run(&m, &scores, &config).expect("runs");
            let dominance = sensitivity::dominance(&scores, m.missing);
            (report, dominance)
        })
    });
    group.bench_function("10000 weight draws only", |b| {
        b.iter(|| {
            sensitivity::draw_weights(&m.pillar_weights(), config.concentration, 10_000, 45)
                .expect("valid")
        })
    });
    group.bench_function("score 194 pillar-score rows", |b| {
        b.iter(|| scoring::score_pillar_rows(&m, &rows))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
