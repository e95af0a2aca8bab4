//! The test-data tree: every valid event reads, converts and goes back out
//! unchanged; every invalid one is refused with an error naming where.

use std::fs;
use std::path::{Path, PathBuf};

use c5hub_misp::{Limits, export_event, feed, incident_from_event, read_events};
use c5hub_model::{ObservableKind, ObservableRole, Tlp};
use chrono::Utc;
use serde_json::Value;

fn dir(sub: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(sub)
}

fn json_files(d: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(d)
        .expect("test-data")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

/// Every event of every valid file converts, and what export writes is
/// the event as read (as JSON: the same keys and values).
#[test]
fn valid_events_round_trip() {
    let mut files = json_files(&dir("valid"));
    files.extend(
        json_files(&dir("valid/feed"))
            .into_iter()
            .filter(|p| !p.ends_with("manifest.json")),
    );
    assert!(files.len() >= 4);
    for f in files {
        let bytes = fs::read(&f).expect("read");
        let events = read_events(&bytes, &Limits::default())
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        for r in &events {
            let c =
                incident_from_event(r, false).unwrap_or_else(|e| panic!("{}: {e:?}", f.display()));
            let back = export_event(&c.incident, "importer", Utc::now()).to_value();
            assert_eq!(
                back,
                r.event().to_value(),
                "{}: exported differs",
                f.display()
            );
            // Read back once more: the same incident.
            let back_bytes = back.to_string();
            let again = read_events(back_bytes.as_bytes(), &Limits::default()).expect("again");
            let c2 = incident_from_event(&again[0], false).expect("converts again");
            assert_eq!(c2.incident.observables, c.incident.observables);
            assert_eq!(c2.incident.tlp, c.incident.tlp);
            assert_eq!(c2.incident.id, c.incident.id);
        }
    }
}

#[test]
fn the_full_event_maps_as_the_readme_says() {
    let bytes = fs::read(dir("valid/event-full.json")).expect("read");
    let r = read_events(&bytes, &Limits::default())
        .expect("reads")
        .remove(0);
    assert_eq!(r.original, bytes, "a single event's original is the file");
    let c = incident_from_event(&r, false).expect("converts");
    let m = &c.incident;
    assert_eq!(
        m.id.to_string(),
        "circl:5f1c3e3a-6b2d-4c1e-9a7f-1e2d3c4b5a69"
    );
    assert_eq!(m.tlp, Tlp::Green);
    assert_eq!(
        m.classification.expect("classified").path(),
        "fraud/phishing"
    );
    assert_eq!(
        m.title.as_deref(),
        Some("Phishing campaign against bank customers (OSINT)")
    );
    let got: Vec<(ObservableKind, &str, ObservableRole)> = m
        .observables
        .iter()
        .map(|o| (o.observable.kind(), o.observable.value(), o.role))
        .collect();
    use ObservableKind as K;
    use ObservableRole as R;
    assert_eq!(
        got,
        [
            (K::Ipv4, "198.51.100.23", R::Source),
            (K::Domain, "secure-login.bank-verify.test", R::Indicator),
            (K::Ipv4, "203.0.113.80", R::Indicator),
            (
                K::Url,
                "https://secure-login.bank-verify.test/account/verify",
                R::Url
            ),
            (K::Email, "support@bank-verify.test", R::Sender),
            (K::Asn, "AS64496", R::Indicator),
            (K::PhoneNumber, "+442079460958", R::Unknown),
            (
                K::Sha256,
                "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                R::Indicator
            ),
            (K::Md5, "098f6bcd4621d373cade4e832627b4f6", R::Indicator),
        ]
    );
    assert!(
        c.labels
            .iter()
            .any(|l| l == "osint:source-type=\"blog-post\"")
    );
    assert!(
        c.labels
            .iter()
            .any(|l| l.starts_with("misp-galaxy:mitre-attack-pattern"))
    );
}

#[test]
fn lists_and_taxonomies() {
    let bytes = fs::read(dir("valid/response-list.json")).expect("read");
    let events = read_events(&bytes, &Limits::default()).expect("reads");
    assert_eq!(events.len(), 2);
    let a = incident_from_event(&events[0], false).expect("a");
    assert_eq!(a.incident.tlp, Tlp::Clear);
    assert_eq!(
        a.incident.classification.expect("c").path(),
        "information-gathering/scanner"
    );
    let b = incident_from_event(&events[1], false).expect("b");
    assert_eq!(b.incident.tlp, Tlp::Amber);
    assert_eq!(b.incident.id.name(), "sector-cert-energy");
    // From the info, no taxonomy tag: "Ransomware C2 ...".
    assert_eq!(
        b.incident.classification.expect("c").path(),
        "malicious-code/infected-system"
    );
    // The snort rule is kept verbatim, not an observable.
    assert_eq!(b.incident.observables.len(), 5);
}

#[test]
fn the_feed_directory_reads_and_its_hashes_match() {
    let d = dir("valid/feed");
    let uuids = feed::read_manifest(
        &fs::read(d.join("manifest.json")).expect("m"),
        &Limits::default(),
    )
    .expect("manifest");
    assert_eq!(uuids.len(), 2);
    let mut lines = Vec::new();
    for u in &uuids {
        let bytes = fs::read(d.join(format!("{u}.json"))).expect("event file");
        let r = feed::read_feed_event(u, &bytes, &Limits::default()).expect("event");
        lines.extend(feed::hash_lines(&r.event()));
        let (key, entry) = feed::manifest_entry(&r.event());
        assert_eq!(&key, u);
        assert!(entry.get("info").is_some());
    }
    let expected: Vec<String> = fs::read_to_string(d.join("hashes.csv"))
        .expect("hashes")
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(lines, expected);
    // A file under another uuid than the manifest says is refused.
    let bytes = fs::read(d.join(format!("{}.json", uuids[0]))).expect("event file");
    let e = feed::read_feed_event(&uuids[1], &bytes, &Limits::default()).expect_err("wrong uuid");
    assert!(e.to_string().contains(&uuids[1]), "{e}");
}

/// Every invalid file is refused (never a panic), and the error names what
/// its `.expected` file says.
#[test]
fn invalid_events_are_refused_naming_where() {
    let files = json_files(&dir("invalid"));
    assert!(files.len() >= 12);
    for f in files {
        let bytes = fs::read(&f).expect("read");
        let expected = fs::read_to_string(f.with_extension("expected")).expect(".expected");
        let expected = expected.trim();
        let err = match read_events(&bytes, &Limits::default()) {
            Err(e) => e.to_string(),
            Ok(events) => {
                let errs: Vec<String> = events
                    .iter()
                    .filter_map(|r| incident_from_event(r, false).err())
                    .flatten()
                    .map(|p| p.to_string())
                    .collect();
                assert!(!errs.is_empty(), "{}: accepted", f.display());
                errs.join("; ")
            }
        };
        assert!(
            err.contains(expected),
            "{}: {err:?} does not say {expected:?}",
            f.display()
        );
    }
}

#[test]
fn a_huge_string_is_refused_naming_its_place() {
    let huge = "a".repeat((1 << 20) + 1);
    let doc = format!(
        r#"{{"Event":{{"uuid":"0d6a1e2f-3a4b-4c5d-8e6f-7a8b9c0d1e2f","info":"x","Attribute":[{{"type":"text","value":"{huge}"}}]}}}}"#
    );
    let e = read_events(doc.as_bytes(), &Limits::default()).expect_err("huge");
    assert_eq!(e.problems[0].at, "/Event/Attribute/0/value");
    assert!(e.to_string().contains("1048577 bytes"), "{e}");
}

/// Lenient reading keeps a value that does not parse and says so.
#[test]
fn lenient_keeps_bad_values_verbatim() {
    let bytes = fs::read(dir("invalid/bad-ip.json")).expect("read");
    let r = read_events(&bytes, &Limits::default())
        .expect("well formed")
        .remove(0);
    let c = incident_from_event(&r, true).expect("lenient");
    assert!(c.incident.observables.is_empty());
    assert!(c.notes[0].at.ends_with(".value"));
    let v: Value = serde_json::from_slice(&c.incident.original.expect("kept").bytes).expect("json");
    assert_eq!(v["Event"]["Attribute"][0]["value"], "999.1.2.3");
}
