//! Sensitivity statistics checked against an independent computation.
//!
//! Each case runs the analysis with the library ([`sensitivity::draw_weights`]
//! then [`sensitivity::analyse`] and [`sensitivity::dominance`]), dumps the
//! inputs, the weight draws and the results as JSON, and runs
//! `tests/check_sensitivity.py`, a standard-library Python script that
//! recomputes every statistic from the fractions and the draws with its own
//! code (compensated sums, exact rational arithmetic near tier boundaries,
//! sorting for percentiles, a plain pairwise loop for dominance) and checks
//! the draws' Dirichlet moments. A negative control corrupts one result and
//! expects the script to fail, so the check is known to be able to fail.
//!
//! Requires `python3` on the PATH (or in `PYTHON`).

use std::path::PathBuf;
use std::process::Command;

use c5hub_assess::sensitivity::{self, SensitivityConfig, SensitivityReport};
use c5hub_assess::{CountryScore, Methodology, ResponseSet, pillar_scores, scoring};
use serde_json::{Value, json};

fn test_data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn synthetic(m: &Methodology) -> Vec<CountryScore> {
    let rows =
        pillar_scores::read_pillar_scores(m, &test_data("synthetic-gci-pillar-scores-2024.csv"))
            .expect("readable")
            .value;
    scoring::score_pillar_rows(m, &rows)
}

fn dump(
    m: &Methodology,
    scores: &[CountryScore],
    config: &SensitivityConfig,
    draws: &sensitivity::WeightDraws,
    report: &SensitivityReport,
) -> Value {
    let dominance = sensitivity::dominance(scores, m.missing);
    json!({
        "scale": m.scale,
        "aggregation": m.aggregation.as_str(),
        "tier_mins": m.tiers.iter().map(|t| t.min).collect::<Vec<_>>(),
        "tolerance": c5hub_assess::methodology::TIER_TOLERANCE,
        "margin": config.margin,
        "stable_share": config.stable_share,
        "concentration": config.concentration,
        "base_weights": m.pillar_weights(),
        "draws": (0..draws.len()).map(|d| draws.row(d).to_vec()).collect::<Vec<_>>(),
        "countries": scores.iter().map(|s| json!({
            "iso3": s.iso3,
            "year": s.year,
            "fractions": s.effective_fractions(m.missing),
            "overall": s.overall,
            "tier": s.tier,
        })).collect::<Vec<_>>(),
        "results": report.countries.iter().map(|r| json!({
            "kept": r.kept,
            "stability": r.stability,
            "tier_counts": r.tier_counts,
            "mean": r.mean,
            "p05": r.p05,
            "p50": r.p50,
            "p95": r.p95,
            "near": r.near_threshold.as_ref().map(|t| json!({
                "tier": t.tier, "threshold": t.threshold, "distance": t.distance
            })),
        })).collect::<Vec<_>>(),
        "unstable": report.unstable,
        "near_threshold": report.near_threshold,
        "dominance": dominance.iter().map(|d| json!({
            "dominates": d.dominates, "dominated_by": d.dominated_by
        })).collect::<Vec<_>>(),
    })
}

/// Writes the dump and runs the checker; returns (success, output).
fn check(name: &str, dump: &Value) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("c5hub-assess-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, dump.to_string()).expect("write dump");
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/check_sensitivity.py");
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned());
    let out = Command::new(&python)
        .arg(&script)
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {python} (needed for the independent check): {e}"));
    let _ = std::fs::remove_file(&path);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn run_case(
    name: &str,
    m: &Methodology,
    scores: &[CountryScore],
    config: &SensitivityConfig,
) -> Value {
    let draws = sensitivity::draw_weights(
        &m.pillar_weights(),
        config.concentration,
        config.draws,
        config.seed,
    )
    .expect("valid parameters");
    let report = sensitivity::analyse(m, scores, &draws, config).expect("analysis runs");
    // `run` is draw + analyse: the same result.
    assert_eq!(
        sensitivity::run(m, scores, config).expect("runs"),
        report,
        "{name}: run differs from draw_weights + analyse"
    );
    let dump = dump(m, scores, config, &draws, &report);
    let (ok, output) = check(name, &dump);
    assert!(ok, "{name}: independent check failed:\n{output}");
    println!("{name}: {output}");
    dump
}

#[test]
fn arithmetic_gci_synthetic_and_sample_answers() {
    let m = Methodology::builtin("gci-2024").expect("built-in");
    let mut scores = synthetic(&m);
    let set = ResponseSet::from_json(&test_data("sample-responses.json"))
        .expect("readable")
        .value;
    scores.extend(scoring::score_responses(&m, &set).value);
    let config = SensitivityConfig {
        draws: 2_000,
        ..SensitivityConfig::default()
    };
    let dump = run_case("arithmetic", &m, &scores, &config);

    // Negative control: one country's count off by one must be caught.
    let mut corrupted = dump.clone();
    let kept = corrupted["results"][0]["kept"].as_u64().expect("number");
    corrupted["results"][0]["kept"] = json!(kept.saturating_sub(1));
    let (ok, output) = check("corrupted", &corrupted);
    assert!(!ok, "the checker accepted a corrupted result:\n{output}");

    // And a wrong dominance relation.
    let mut corrupted = dump;
    corrupted["dominance"][0]["dominates"] = json!([]);
    let (ok, _) = check("corrupted-dominance", &corrupted);
    assert!(!ok, "the checker accepted a corrupted dominance view");
}

/// Concentration 5 with five equal weights: uniformly random weights, as in
/// published critiques.
#[test]
fn uniform_random_weights() {
    let m = Methodology::builtin("gci-2024").expect("built-in");
    let scores = synthetic(&m);
    let config = SensitivityConfig {
        draws: 1_000,
        concentration: 5.0,
        seed: 7,
        ..SensitivityConfig::default()
    };
    run_case("uniform", &m, &scores, &config);
}

/// The geometric rule with missing pillars excluded, on a variant of the
/// GCI methodology, including a country with an empty pillar cell.
#[test]
fn geometric_with_excluded_pillars() {
    let text = c5hub_assess::methodology::builtin_source("gci-2024")
        .expect("built-in")
        .replace(
            "aggregation = \"weighted-arithmetic\"",
            "aggregation = \"weighted-geometric\"",
        )
        .replace("missing = \"zero\"", "missing = \"exclude\"")
        .replace("version = \"1.0.0\"", "version = \"1.0.0-geometric\"");
    let m = Methodology::from_toml(&text, "test variant").expect("valid variant");
    let mut csv = test_data("synthetic-gci-pillar-scores-2024.csv");
    csv.push_str("XAA,2024,12,,18,9.5,0.5,\nXAB,2024,20,20,0,20,20,\n");
    let rows = pillar_scores::read_pillar_scores(&m, &csv)
        .expect("readable")
        .value;
    let scores = scoring::score_pillar_rows(&m, &rows);
    assert!(
        scores
            .iter()
            .any(|s| s.pillars.iter().any(|p| p.fraction.is_none()))
    );
    let config = SensitivityConfig {
        draws: 1_000,
        concentration: 50.0,
        seed: 11,
        margin: 3.0,
        ..SensitivityConfig::default()
    };
    run_case("geometric", &m, &scores, &config);
}
