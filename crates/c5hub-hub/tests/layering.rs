//! The operations layer is the only door-side crate that turns a caller
//! into the store's `Viewer`: a crate that depends on the store and also
//! builds or passes a `Viewer` would be deciding who reads what itself,
//! beside the hub (issue 15: "no crate except the operations layer and the
//! store depends on both c5hub-store and the model's access rule").
//!
//! Dev-only crates (test support, benches) and tests are outside the rule:
//! they check the rule, they do not serve anyone.

use std::path::{Path, PathBuf};

/// Crates allowed to hold both: the rule's two owners.
const OWNERS: &[&str] = &["c5hub-hub", "c5hub-store"];
/// Not shipped: helpers of tests and benchmarks.
const DEV_ONLY: &[&str] = &["c5hub-test-support", "c5hub-bench"];

fn crates_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crates/")
        .to_owned()
}

/// Whether the manifest's `[dependencies]` (not dev-dependencies) name
/// the store.
fn depends_on_store(manifest: &str) -> bool {
    let doc: toml::Table = manifest.parse().expect("Cargo.toml parses");
    doc.get("dependencies")
        .and_then(|d| d.as_table())
        .is_some_and(|d| d.contains_key("c5hub-store"))
}

/// Lines of code (comments left out) that name the access rule's types:
/// `Viewer` (but not the role `Role::Viewer`) or the `access` module.
fn uses_of_access(src: &str) -> Vec<String> {
    let mut found = Vec::new();
    for (n, line) in src.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut hit = code.contains("c5hub_model::access");
        let mut rest = code;
        while let Some(at) = rest.find("Viewer") {
            let before = &rest[..at];
            let after = &rest[at + "Viewer".len()..];
            let word_start = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
            let word_end = !after.starts_with(|c: char| c.is_alphanumeric() || c == '_');
            hit |= word_start && word_end && !before.ends_with("Role::");
            rest = after;
        }
        if hit {
            found.push(format!("{}: {}", n + 1, line.trim()));
        }
    }
    found
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let p = entry.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn only_the_hub_and_the_store_hold_both_the_store_and_the_read_rule() {
    let mut offences = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(crates_dir()).expect("crates/").flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let manifest = entry.path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        if OWNERS.contains(&name.as_str())
            || DEV_ONLY.contains(&name.as_str())
            || !depends_on_store(&text)
        {
            continue;
        }
        checked += 1;
        let mut files = Vec::new();
        rust_files(&entry.path().join("src"), &mut files);
        for f in files {
            let src = std::fs::read_to_string(&f).expect("read source");
            for hit in uses_of_access(&src) {
                offences.push(format!("{}:{hit}", f.display()));
            }
        }
    }
    // The server, the binary and the importer depend on the store: a
    // check that found no such crate would check nothing.
    assert!(checked >= 3, "only {checked} crates depend on the store");
    assert!(
        offences.is_empty(),
        "these doors build or pass a Viewer themselves; call c5hub_hub instead:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_check_sees_a_viewer_but_not_the_role() {
    assert_eq!(uses_of_access("let v = Viewer::member(org);").len(), 1);
    assert_eq!(uses_of_access("fn f(v: &Viewer) {}").len(), 1);
    assert_eq!(uses_of_access("use c5hub_model::access::Viewer;").len(), 1);
    assert!(uses_of_access("for role in [Role::Analyst, Role::Viewer] {}").is_empty());
    assert!(uses_of_access("// hands the Viewer to the store").is_empty());
    assert!(uses_of_access("struct ViewerCache;").is_empty());
}
