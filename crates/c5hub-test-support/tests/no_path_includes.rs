//! The invariant this crate exists for: tests share helpers through it,
//! never by including another file with `#[path = ...]`, and nothing
//! shipped depends on it.

use std::path::Path;

#[test]
fn no_rust_file_is_included_by_path() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for e in walkdir::WalkDir::new(&crates)
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
    {
        let e = e.expect("the crates directory reads");
        if e.path().extension().is_some_and(|x| x == "rs") {
            let text = std::fs::read_to_string(e.path()).expect("source reads");
            if text.lines().any(|l| l.trim_start().starts_with("#[path")) {
                found.push(e.path().display().to_string());
            }
        }
    }
    assert!(found.is_empty(), "#[path = ...] includes in {found:?}");
}

#[test]
fn only_dev_dependencies_name_this_crate() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    for e in std::fs::read_dir(&crates).expect("crates directory") {
        let manifest = e.expect("entry").path().join("Cargo.toml");
        let Ok(text) = std::fs::read_to_string(&manifest) else {
            continue;
        };
        let mut section = String::new();
        for line in text.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line.to_owned();
            } else if line.starts_with("c5hub-test-support") {
                assert_eq!(
                    section,
                    "[dev-dependencies]",
                    "{} names c5hub-test-support outside its dev-dependencies",
                    manifest.display()
                );
            }
        }
    }
}
