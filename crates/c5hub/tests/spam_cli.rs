//! `c5hub spam` end to end: the built binary on the spam crate's test data.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c5hub-spam/test-data")
        .join(name)
        .display()
        .to_string()
}

fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("c5hub-spam-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

fn c5hub(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the c5hub binary runs");
    let mut input = child.stdin.take().expect("piped");
    input
        .write_all(stdin.unwrap_or("").as_bytes())
        .expect("stdin written");
    drop(input);
    child.wait_with_output().expect("finishes")
}

fn json_lines(out: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

#[test]
fn classify_reads_stdin_and_keeps_the_order() {
    let out = c5hub(
        &["spam", "classify"],
        Some(
            "WINNER!! Claim your £900 prize, call 09061701461 now\nSorry, I'll call you later\n\n",
        ),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(
        lines.len(),
        3,
        "one line per input line, the empty one included"
    );
    assert_eq!(lines[0]["label"], "spam");
    assert_eq!(lines[1]["label"], "ham");
    for l in &lines {
        let s = l["score"].as_f64().expect("a number");
        assert!((0.0..=1.0).contains(&s));
    }
}

#[test]
fn train_then_classify_and_eval_with_a_file() {
    let corpus = data("corpus/timestamped.tsv");
    let model = temp("m.c5sm");
    let model_s = model.display().to_string();
    let out = c5hub(
        &[
            "spam", "train", "--corpus", &corpus, "-o", &model_s, "--bits", "16",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let msgs = temp("msgs.txt");
    std::fs::write(
        &msgs,
        "Free ringtones! Reply YES to 45455 to get yours\nok, call me when you get home\n",
    )
    .expect("written");
    let out = c5hub(
        &[
            "spam",
            "classify",
            "--model",
            &model_s,
            &msgs.display().to_string(),
        ],
        None,
    );
    let lines = json_lines(&out);
    assert_eq!(
        lines
            .iter()
            .map(|l| l["label"].as_str().unwrap_or(""))
            .collect::<Vec<_>>(),
        ["spam", "ham"]
    );
    let out = c5hub(
        &[
            "spam", "eval", "--corpus", &corpus, "--folds", "4", "--bits", "16",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    for k in [
        "accuracy_pct",
        "spam_caught_pct",
        "ham_blocked_pct",
        "mcc",
        "roc_auc",
    ] {
        assert!(v["cross_validation"][k].is_number(), "{k} in {v}");
    }
    assert!(
        v["online"]["roc_auc"].is_number(),
        "the corpus has times: {v}"
    );
}

#[test]
fn reports_reputation_and_impact() {
    let key = temp("key");
    std::fs::write(&key, "a test key that is long enough\n").expect("written");
    let key = key.display().to_string();
    let reports = data("reports/reports.csv");
    let rules = data("rules/example.toml");
    let out = c5hub(
        &[
            "spam",
            "reports",
            &reports,
            "--key-file",
            &key,
            "--rules",
            &rules,
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["decided_by"], "rule");
    assert_eq!(lines[0]["rule"], "pay-link");
    assert_eq!(lines[0]["campaign"], lines[1]["campaign"]);
    let out = c5hub(
        &[
            "spam",
            "reputation",
            &reports,
            "--key-file",
            &key,
            "--rules",
            &rules,
            "--format",
            "csv",
        ],
        None,
    );
    let csv = String::from_utf8_lossy(&out.stdout);
    assert!(csv.starts_with("kind,value,pseudonymised,"), "{csv}");
    assert!(csv.contains("domain,dhl-parcel-fee.top,"), "{csv}");
    assert!(
        !csv.contains("447911123456"),
        "phone numbers only as pseudonyms: {csv}"
    );
    let out = c5hub(
        &[
            "spam",
            "impact",
            &reports,
            "--key-file",
            &key,
            "--rules",
            &rules,
        ],
        None,
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["reports"], 4);
    assert_eq!(v["campaigns"]["across_operators"], 1);
    // Campaigns, the feed and the metrics are the API's types (no field
    // more, none missing; the metrics without the hub's window).
    let typed: c5hub_wire::spam::ImpactAnswer =
        serde_json::from_slice(&out.stdout).expect("the API's impact answer");
    assert_eq!(typed.window_days, None);
    assert!(!typed.top_senders.is_empty(), "{v}");
    let args = ["--key-file", &key, "--rules", &rules];
    let out = c5hub(
        &[&["spam", "campaigns", &reports][..], &args].concat(),
        None,
    );
    let campaigns: Vec<c5hub_wire::spam::Campaign> =
        serde_json::from_slice(&out.stdout).expect("the API's campaigns");
    assert!(
        campaigns.iter().any(|c| c.operators.len() == 2),
        "{campaigns:?}"
    );
    let out = c5hub(
        &[
            &["spam", "reputation", &reports, "--format", "json"][..],
            &args,
        ]
        .concat(),
        None,
    );
    let feed: c5hub_wire::spam::ReputationFeed =
        serde_json::from_slice(&out.stdout).expect("the API's feed");
    assert!(
        feed.entries.iter().any(|e| e.value == "dhl-parcel-fee.top"),
        "{feed:?}"
    );
    // The same metrics as an HTML report with the hub's charts.
    let out = c5hub(
        &[
            "spam",
            "impact",
            &reports,
            "--key-file",
            &key,
            "--rules",
            &rules,
            "--format",
            "html",
        ],
        None,
    );
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert_eq!(html.matches("<svg class=\"chart hbars\"").count(), 5);
    assert!(html.contains(">op-a</text>"), "operators are labelled");
    assert!(!html.contains("447911123456"), "no number in clear");
    let store = temp("store");
    let store = store.display().to_string();
    for round in 0..2 {
        let out = c5hub(
            &[
                "spam",
                "reports",
                &reports,
                "--key-file",
                &key,
                "--rules",
                &rules,
                "--store",
                "--data",
                &store,
            ],
            None,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{err}");
        let want = if round == 0 {
            "stored 4 new spam reports"
        } else {
            "stored 0 new spam reports"
        };
        assert!(err.contains(want), "round {round}: {err}");
    }
    // Stored as the API stores them: the console's audit line, one per
    // run, naming each report's key (the second run's as duplicates).
    {
        let mut st = c5hub_store::Store::open(
            &c5hub_store::Location::Sqlite(PathBuf::from(&store)),
            c5hub_store::Options::default(),
        )
        .expect("the store opens");
        let lines = st.accounts().audit_log(None, 100).expect("audit log");
        let spam: Vec<_> = lines.iter().filter(|l| l.action == "spam.report").collect();
        assert_eq!(spam.len(), 2, "{lines:?}");
        assert!(
            spam.iter()
                .all(|l| l.actor.starts_with("cli:") && l.org.is_none())
        );
        let newest = spam[0].detail.as_deref().unwrap_or_default();
        assert_eq!(newest.matches("(duplicate)").count(), 4, "{newest}");
        let first = spam[1].detail.as_deref().unwrap_or_default();
        assert_eq!(first.split(' ').count(), 4, "{first}");
        assert!(!first.contains("duplicate"), "{first}");
    }
    let out = c5hub(
        &[
            "lookup",
            "dhl-parcel-fee.top",
            "--data",
            &store,
            "--as",
            "op-b",
        ],
        None,
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 matching incidents found"),
        "confirmed spam became incidents that correlate: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = c5hub(&["spam", "rules", &data("reports/reports.csv")], None);
    assert_eq!(out.status.code(), Some(1), "not a rules file");
}

#[test]
fn messages_of_any_length_are_cut_for_features_and_counted_never_refused() {
    // A generated corpus: the test data, plus one 100 KiB message.
    let mut text = std::fs::read_to_string(data("corpus/timestamped.tsv")).expect("corpus");
    let long = format!(
        "Dear customer, your account statement follows. {}",
        "Lorem ipsum dolor sit amet. ".repeat(100 * 1024 / 28 + 1)
    );
    assert!(long.len() > 100 * 1024);
    text.push_str(&format!("ham\t{long}\n"));
    let corpus = temp("long.tsv");
    std::fs::write(&corpus, &text).expect("written");
    let corpus_s = corpus.display().to_string();
    let note = "1 message longer than 64 KiB was cut";

    let model = temp("long.c5sm");
    let model_s = model.display().to_string();
    let out = c5hub(
        &[
            "spam", "train", "--corpus", &corpus_s, "-o", &model_s, "--bits", "16",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(note), "{err}");

    let out = c5hub(
        &[
            "spam", "eval", "--corpus", &corpus_s, "--folds", "2", "--bits", "16",
        ],
        None,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(note), "{err}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    assert_eq!(
        v["cross_validation"]["messages"], lines,
        "every message evaluated"
    );

    let out = c5hub(
        &["spam", "classify", "--model", &model_s],
        Some(&format!("short message\n{long}\n")),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(note), "{err}");
    assert_eq!(json_lines(&out).len(), 2);
}
