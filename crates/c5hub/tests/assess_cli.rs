//! `c5hub assess` end to end: the built binary on the sample data of
//! `crates/c5hub-assess/test-data/`.

use std::path::PathBuf;
use std::process::{Command, Output};

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c5hub-assess/test-data")
        .join(name)
        .display()
        .to_string()
}

fn c5hub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .output()
        .expect("the c5hub binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("c5hub-assess-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

#[test]
fn score_json_has_the_documented_fields() {
    let out = c5hub(&[
        "assess",
        "score",
        "--methodology",
        "gci-2024",
        "--scores",
        &data("synthetic-gci-pillar-scores-2024.csv"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let items = v.as_array().expect("an array");
    assert_eq!(items.len(), 194);
    for item in items {
        for key in ["iso3", "year", "overall", "tier", "pillars"] {
            assert!(item.get(key).is_some(), "{key} missing in {item}");
        }
        assert!(item.get("rank").is_none(), "no ranks unless asked");
        let pillars = item["pillars"].as_object().expect("object");
        let sum: f64 = pillars.values().filter_map(|v| v.as_f64()).sum();
        let overall = item["overall"].as_f64().expect("number");
        assert!((sum - overall).abs() < 0.03, "{item}");
        assert_eq!(pillars.len(), 5);
    }
    // The API's type reads it: no field more, none missing.
    let typed: c5hub_wire::assess::ScoresAnswer =
        serde_json::from_slice(&out.stdout).expect("the API's scores answer");
    assert_eq!(typed.0.len(), 194);
}

#[test]
fn ranks_only_when_asked() {
    let out = c5hub(&[
        "assess",
        "score",
        "-m",
        "gci-2024",
        "--responses",
        &data("sample-responses.json"),
        "--format",
        "csv",
        "--ranks",
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(
        text.lines().next().is_some_and(|h| h.ends_with(",rank")),
        "{text}"
    );
    assert!(text.contains("XAA,2024,20.00,20.00,20.00,20.00,20.00,100.00,T1,Role-modelling"));
}

#[test]
fn sensitivity_is_reproducible_and_seeded() {
    let args = |seed: &str| {
        c5hub(&[
            "assess",
            "sensitivity",
            "-m",
            "gci-2024",
            "--scores",
            &data("synthetic-gci-pillar-scores-2024.csv"),
            "--draws",
            "2000",
            "--seed",
            seed,
        ])
    };
    let a = args("1");
    let b = args("1");
    let c = args("2");
    assert!(a.status.success());
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let v: serde_json::Value = serde_json::from_slice(&a.stdout).expect("JSON");
    assert_eq!(v["draws"], 2000);
    assert_eq!(v["countries"].as_array().map(Vec::len), Some(194));
    let s = v["countries"][0]["stability"].as_f64().expect("number");
    assert!((0.0..=1.0).contains(&s));
}

#[test]
fn report_is_one_self_contained_file() {
    let out_path = temp("report.html");
    let out = c5hub(&[
        "assess",
        "report",
        "-m",
        "gci-2024",
        "--scores",
        &data("synthetic-gci-pillar-scores-2024.csv"),
        "--baseline-scores",
        &data("synthetic-gci-pillar-scores-2022.csv"),
        "--draws",
        "1000",
        "--out",
        out_path.to_str().expect("utf-8 path"),
    ]);
    assert!(out.status.success(), "{out:?}");
    let html = std::fs::read_to_string(&out_path).expect("report written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"));
    assert!(!html.contains("<script"));
    assert!(
        !html.contains("http://")
            || html.matches("http://").count()
                == html.matches("xmlns=\"http://www.w3.org/2000/svg\"").count()
    );
    assert!(
        html.contains("SYNTHETIC DATA"),
        "input comments become notes"
    );
    assert!(html.contains("Arab States") && html.contains("Asia-Pacific") && html.contains("CIS"));
    assert!(html.contains("Progress between editions"));
    assert!(!html.contains(">Rank<"));
}

#[test]
fn progress_rescoring_and_comparability() {
    // Same methodology: comparable.
    let out = c5hub(&[
        "assess",
        "progress",
        "-m",
        "gci-2024",
        "--responses",
        &data("sample-responses.csv"),
        "--format",
        "csv",
    ]);
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("XAE,2022,2024,comparable,T2,T1,1,"), "{text}");

    // Pillar scores under another methodology: not comparable.
    let variant = temp("gci-variant.toml");
    let source = c5hub(&["assess", "methodology", "gci-2024", "--source"]);
    let toml = stdout(&source).replace("version = \"1.0.0\"", "version = \"0.9.0\"");
    std::fs::write(&variant, toml).expect("write variant");
    let out = c5hub(&[
        "assess",
        "progress",
        "-m",
        "gci-2024",
        "--scores",
        &data("synthetic-gci-pillar-scores-2024.csv"),
        "--baseline-scores",
        &data("synthetic-gci-pillar-scores-2022.csv"),
        "--baseline-methodology",
        variant.to_str().expect("utf-8"),
        "--format",
        "csv",
    ]);
    assert!(out.status.success(), "{out:?}");
    let text = stdout(&out);
    assert_eq!(text.lines().count(), 195);
    assert!(text.lines().skip(1).all(|l| l.contains(",not-comparable,")));

    // Answers under another methodology: re-scored.
    let out = c5hub(&[
        "assess",
        "progress",
        "-m",
        "gci-2024",
        "--responses",
        &data("sample-responses.csv"),
        "--baseline-responses",
        &data("sample-responses.json"),
        "--baseline-methodology",
        variant.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let rows = v.as_array().expect("array");
    assert!(
        rows.iter()
            .any(|r| r["comparability"] == "rescored" && r["rescored_from"] == "gci-2024@0.9.0")
    );
}

#[test]
fn convert_round_trips() {
    let json_path = temp("converted.json");
    let csv_path = temp("converted.csv");
    let out = c5hub(&[
        "assess",
        "convert",
        &data("sample-responses.csv"),
        "--to",
        "json",
        "-o",
        json_path.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let out = c5hub(&[
        "assess",
        "convert",
        json_path.to_str().expect("utf-8"),
        "--to",
        "csv",
        "-o",
        csv_path.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let original = std::fs::read_to_string(data("sample-responses.csv")).expect("read");
    let back = std::fs::read_to_string(&csv_path).expect("read");
    let body = |s: &str| {
        s.lines()
            .filter(|l| !l.starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&back), body(&original));
}

#[test]
fn exit_codes() {
    // Rejected records: 0 by default, 1 with --strict.
    let broken = data("broken/scores-bad-rows.csv");
    let base = [
        "assess",
        "score",
        "-m",
        "gci-2024",
        "--scores",
        broken.as_str(),
    ];
    let out = c5hub(&base);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("outside 0..20"));
    let mut strict = base.to_vec();
    strict.push("--strict");
    assert_eq!(c5hub(&strict).status.code(), Some(1));
    // Unreadable input and unknown methodology: 2.
    let out = c5hub(&[
        "assess",
        "score",
        "-m",
        "gci-2024",
        "--scores",
        "/nonexistent.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let out = c5hub(&[
        "assess",
        "score",
        "-m",
        "no-such-methodology",
        "--scores",
        &data("synthetic-gci-pillar-scores-2024.csv"),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("gci-2024"));
}
