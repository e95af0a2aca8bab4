//! Responses round trip (decode, encode, decode, compare) in CSV and JSON,
//! and the deliberately broken inputs of `test-data/broken/` against their
//! expected messages. `UPDATE_EXPECT=1` rewrites the `.expected` files.

use std::path::{Path, PathBuf};

use c5hub_assess::{Methodology, ResponseSet, pillar_scores};

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("test-data")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn sample_csv_and_json_hold_the_same_responses() {
    let csv = ResponseSet::from_csv(&read(&dir().join("sample-responses.csv"))).expect("readable");
    let json =
        ResponseSet::from_json(&read(&dir().join("sample-responses.json"))).expect("readable");
    assert!(csv.diagnostics.is_empty() && json.diagnostics.is_empty());
    assert_eq!(json.value.methodology.as_deref(), Some("gci-2024"));
    let mut from_csv = csv.value;
    from_csv.methodology = json.value.methodology.clone();
    assert_eq!(from_csv, json.value);
    assert_eq!(from_csv.countries.len(), 7);
}

#[test]
fn responses_round_trip() {
    for name in [
        "sample-responses.csv",
        "sample-responses.json",
        "sample-cirt-readiness.csv",
    ] {
        let text = read(&dir().join(name));
        let first = if name.ends_with(".json") {
            ResponseSet::from_json(&text)
        } else {
            ResponseSet::from_csv(&text)
        }
        .expect("readable")
        .value;
        // CSV: decode, encode, decode, compare; and the encoding is stable.
        let csv = first.to_csv();
        let again = ResponseSet::from_csv(&csv).expect("readable");
        assert!(
            again.diagnostics.is_empty(),
            "{name}: {:?}",
            again.diagnostics
        );
        let mut expected = first.clone();
        expected.methodology = None; // CSV does not carry it.
        assert_eq!(again.value, expected, "{name} via CSV");
        assert_eq!(again.value.to_csv(), csv, "{name}: CSV encoding is stable");
        // JSON keeps everything, the methodology too.
        let json = first.to_json();
        let again = ResponseSet::from_json(&json).expect("readable");
        assert!(again.diagnostics.is_empty());
        assert_eq!(again.value, first, "{name} via JSON");
        assert_eq!(
            again.value.to_json(),
            json,
            "{name}: JSON encoding is stable"
        );
    }
}

#[test]
fn the_json_sample_is_what_the_encoder_writes() {
    let text = read(&dir().join("sample-responses.json"));
    let set = ResponseSet::from_json(&text).expect("readable").value;
    assert_eq!(set.to_json(), text);
}

/// What reading a broken file gives, as text: the error, or one line per
/// diagnostic.
fn outcome(path: &Path) -> String {
    let text = read(path);
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let lines: Result<Vec<String>, c5hub_assess::Error> = if name.starts_with("scores-") {
        let m = Methodology::builtin("gci-2024").expect("built-in");
        pillar_scores::read_pillar_scores(&m, &text)
            .map(|p| p.diagnostics.iter().map(|d| d.to_string()).collect())
    } else if name.ends_with(".json") {
        ResponseSet::from_json(&text).map(|p| p.diagnostics.iter().map(|d| d.to_string()).collect())
    } else {
        ResponseSet::from_csv(&text).map(|p| p.diagnostics.iter().map(|d| d.to_string()).collect())
    };
    match lines {
        Ok(lines) => lines.join("\n") + "\n",
        Err(e) => e.to_string() + "\n",
    }
}

#[test]
fn broken_inputs_give_their_expected_messages() {
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir().join("broken"))
        .expect("broken/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "csv" || e == "json"))
        .collect();
    entries.sort();
    assert!(entries.len() >= 6);
    for path in entries {
        let expected_path = path.with_extension("expected");
        let got = outcome(&path);
        if update {
            std::fs::write(&expected_path, &got).expect("write .expected");
            continue;
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_else(|_| {
            panic!(
                "{} has no .expected file; run with UPDATE_EXPECT=1",
                path.display()
            )
        });
        assert_eq!(got, expected, "{}", path.display());
        assert!(
            got.trim() != "",
            "{}: a broken file must give a message",
            path.display()
        );
    }
}
