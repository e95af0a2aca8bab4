//! Broken bundles (`test-data/invalid/NAME.json`) are refused with the
//! error in `NAME.error`, which names the object (its id, or its index)
//! and the property; never a panic.

use std::path::Path;

use c5hub_stix::bundle::{self, Limits};
use c5hub_stix::import::{self, Options};

/// Every error reading `bytes` gives, one per line.
fn errors(bytes: &[u8], limits: &Limits) -> Vec<String> {
    match bundle::read(bytes, limits) {
        Err(e) => vec![e.to_string()],
        Ok(b) => import::incidents(&b, &Options::default())
            .into_iter()
            .flat_map(|g| g.incident.err().unwrap_or_default())
            .map(|e| e.to_string())
            .collect(),
    }
}

#[test]
fn every_broken_bundle_is_refused_with_its_error() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/invalid");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("test-data/invalid") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let want = std::fs::read_to_string(p.with_extension("error"))
            .unwrap_or_else(|_| panic!("{p:?} has its .error file"));
        let got = errors(&std::fs::read(&p).expect("readable"), &Limits::default());
        assert!(
            got.iter().any(|g| g.starts_with(want.trim())),
            "{p:?}: want {want:?}, got {got:?}"
        );
        n += 1;
    }
    assert!(n >= 10, "{n} broken bundles");
}

#[test]
fn huge_strings_are_refused_naming_the_property() {
    let limits = Limits::default();
    let huge = "x".repeat(limits.max_string + 1);
    let doc = serde_json::json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [{
            "type": "note", "spec_version": "2.1",
            "id": "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061",
            "created": "2023-03-02T10:00:00.000Z", "modified": "2023-03-02T10:00:00.000Z",
            "content": "short", "x_blob": {"inner": [huge]},
            "object_refs": ["incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"],
        }]
    });
    let got = errors(&serde_json::to_vec(&doc).expect("json"), &limits);
    assert_eq!(
        got,
        [format!(
            "note--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061 x_blob.inner[0]: is a string of {} bytes, more than the limit of {}",
            limits.max_string + 1,
            limits.max_string
        )]
    );
}

#[test]
fn a_valid_group_is_not_refused_for_a_broken_one() {
    let doc = serde_json::json!({
        "type": "bundle",
        "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d",
        "objects": [
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--a932fcc6-e032-476c-826f-cb970a5a1ade",
             "created": "2023-03-01T10:00:00.000Z", "modified": "2023-03-01T10:00:00.000Z",
             "pattern": "[ipv4-addr:value = '198.51.100.3']", "pattern_type": "stix", "valid_from": "2023-03-01T10:00:00Z"},
            {"type": "indicator", "spec_version": "2.1", "id": "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1",
             "created": "2023-03-01T10:00:00.000Z", "modified": "2023-03-01T10:00:00.000Z",
             "pattern": 7, "pattern_type": "stix", "valid_from": "2023-03-01T10:00:00Z"},
        ]
    });
    let b = bundle::from_value(doc, &Limits::default()).expect("a bundle");
    let groups = import::incidents(&b, &Options::default());
    assert_eq!(groups.len(), 2);
    assert!(groups[0].incident.is_ok());
    let errs = groups[1].incident.as_ref().expect_err("refused");
    assert_eq!(
        errs[0].to_string(),
        "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1 pattern: is not a string"
    );
}

/// The two-pass reader refuses the same broken bundles, naming the same
/// places (syntax errors are its own words: it reads no tree).
#[test]
fn the_streamed_reader_refuses_broken_bundles_too() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/invalid");
    for e in std::fs::read_dir(&dir).expect("test-data/invalid") {
        let p = e.expect("entry").path();
        if p.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let file = std::fs::File::open(&p).expect("open");
        let errors: Vec<String> =
            match c5hub_stix::stream::scan(file, &Limits::default(), &Options::default()) {
                Err(e) => vec![e.to_string()],
                Ok(s) => {
                    let mut v: Vec<String> = s.refused().iter().map(|e| e.to_string()).collect();
                    for g in s {
                        match g {
                            Err(e) => v.push(e.to_string()),
                            Ok(g) => v.extend(
                                g.incident
                                    .err()
                                    .unwrap_or_default()
                                    .iter()
                                    .map(|e| e.to_string()),
                            ),
                        }
                    }
                    v
                }
            };
        assert!(!errors.is_empty(), "{p:?} refused");
        let want = std::fs::read_to_string(p.with_extension("error")).expect("error file");
        let want = want.trim();
        if !want.starts_with("bundle: is not JSON") {
            assert!(
                errors.iter().any(|g| g.starts_with(want)),
                "{p:?}: want {want:?}, got {errors:?}"
            );
        }
    }
}
