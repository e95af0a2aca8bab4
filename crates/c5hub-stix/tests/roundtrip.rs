//! Bundles in and out: every valid bundle in `test-data/valid` (the OASIS
//! examples among them) imports and exports back to the same objects, and
//! the model survives model → STIX → model.

use std::path::{Path, PathBuf};

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole, RsitClass, Tlp,
};
use c5hub_stix::bundle::{self, Limits};
use c5hub_stix::import::{self, Options};
use c5hub_stix::{Source, ids};
use serde_json::Value;

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("test-data") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            out.extend(files(&p));
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn valid() -> Vec<PathBuf> {
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/valid"))
}

fn export_all(incidents: &[Incident]) -> Vec<Value> {
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
        .expect("a time")
        .to_utc();
    let objects = incidents.iter().flat_map(|m| {
        c5hub_stix::incident_objects(&Source {
            reporter: "hub-member",
            created_at: now,
            incident: m,
        })
    });
    let b = c5hub_stix::bundle(objects, now);
    b["objects"].as_array().expect("objects").clone()
}

/// The objects as canonical JSON, sorted: equal as JSON ignoring key order
/// and the order of objects in the bundle.
fn canonical(objects: &[Value]) -> Vec<String> {
    let mut v: Vec<String> = objects.iter().map(ids::canonical_json).collect();
    v.sort();
    v
}

fn read(p: &Path) -> (Value, Vec<Incident>) {
    let bytes = std::fs::read(p).expect("readable");
    let b = bundle::read(&bytes, &Limits::default()).unwrap_or_else(|e| panic!("{p:?}: {e}"));
    let groups = import::incidents(&b, &Options::default());
    assert!(!groups.is_empty(), "{p:?}: no incident");
    let incidents = groups
        .into_iter()
        .map(|g| {
            g.incident
                .unwrap_or_else(|e| panic!("{p:?} {}: {e:?}", g.root))
        })
        .collect();
    (serde_json::from_slice(&bytes).expect("json"), incidents)
}

#[test]
fn every_valid_bundle_exports_back_unchanged() {
    let files = valid();
    assert!(files.len() >= 8, "{files:?}");
    for p in files {
        let (doc, incidents) = read(&p);
        let back = export_all(&incidents);
        let want = doc["objects"].as_array().expect("objects");
        assert_eq!(canonical(&back), canonical(want), "{p:?}");
    }
}

#[test]
fn sco_ids_in_the_test_data_are_the_deterministic_ones() {
    let mut checked = 0;
    for p in valid() {
        let (doc, _) = read(&p);
        for o in doc["objects"].as_array().expect("objects") {
            let m = o.as_object().expect("object");
            // The OASIS examples use random (version 4) ids, as §2.9
            // allows; those c5hub and the `stix2` library write are v5.
            let v5 = o["id"]
                .as_str()
                .and_then(|i| i.split_once("--"))
                .and_then(|(_, u)| uuid::Uuid::try_parse(u).ok())
                .is_some_and(|u| u.get_version_num() == 5);
            if let Some(id) = ids::sco_id(m).filter(|_| v5) {
                assert_eq!(Some(id.as_str()), o["id"].as_str(), "{p:?}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 3, "{checked}");
}

#[test]
fn the_groups_of_a_bundle_are_its_incidents_and_lone_indicators() {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/valid/incident-everything.json");
    let (_, incidents) = read(&p);
    assert_eq!(incidents.len(), 2);
    let m = &incidents[0];
    assert_eq!(
        m.id.to_string(),
        "cert-example:incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"
    );
    assert_eq!(m.tlp, Tlp::Amber);
    assert_eq!(m.status, IncidentStatus::InProgress);
    assert_eq!(
        m.classification.map(|c| c.path()),
        RsitClass::lookup("fraud", "phishing").map(|c| c.path())
    );
    assert_eq!(m.title.as_deref(), Some("Phishing wave against banks"));
    let mut values: Vec<&str> = m.observables.iter().map(|o| o.observable.value()).collect();
    values.sort();
    assert_eq!(
        values,
        [
            "198.51.100.3",
            "bank-login.example",
            "http://bank-login.example/verify"
        ]
    );
    // The lone indicator: its own incident, TLP from its TLP 1.0 marking.
    let lone = &incidents[1];
    assert_eq!(
        lone.id.to_string(),
        "stix:indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1"
    );
    assert_eq!(lone.tlp, Tlp::Green);
    // Re-reading the same bundle gives the same originals: the store sees
    // duplicates, not new versions.
    let (_, again) = read(&p);
    assert_eq!(again[0].original, incidents[0].original);
}

fn every_kind() -> Incident {
    let mut m = Incident::new(
        GlobalId::new("bank.test", "42").expect("id"),
        Tlp::AmberStrict,
    );
    m.title = Some("Everything".into());
    m.description = Some("All the kinds".into());
    m.status = IncidentStatus::Resolved;
    m.classification = RsitClass::lookup("malicious-code", "c2-server");
    let values = [
        (ObservableKind::Ipv4, "192.0.2.1", ObservableRole::Source),
        (ObservableKind::Ipv6, "2001:db8::1", ObservableRole::Target),
        (
            ObservableKind::Cidr,
            "198.51.100.0/24",
            ObservableRole::Intermediate,
        ),
        (
            ObservableKind::Domain,
            "evil.example",
            ObservableRole::Indicator,
        ),
        (
            ObservableKind::Url,
            "http://evil.example/x",
            ObservableRole::Url,
        ),
        (
            ObservableKind::Email,
            "phish@evil.example",
            ObservableRole::Sender,
        ),
        (
            ObservableKind::Md5,
            &"a".repeat(32),
            ObservableRole::Indicator,
        ),
        (
            ObservableKind::Sha1,
            &"b".repeat(40),
            ObservableRole::Indicator,
        ),
        (
            ObservableKind::Sha256,
            &"c".repeat(64),
            ObservableRole::Indicator,
        ),
        (
            ObservableKind::Sha512,
            &"d".repeat(128),
            ObservableRole::Indicator,
        ),
        (
            ObservableKind::PhoneNumber,
            "+442079460958",
            ObservableRole::Sender,
        ),
        (ObservableKind::SenderId, "PayPal", ObservableRole::Sender),
        (
            ObservableKind::Imei,
            "490154203237518",
            ObservableRole::Unknown,
        ),
        (ObservableKind::Asn, "AS64496", ObservableRole::Source),
        (
            ObservableKind::Mac,
            "00:00:5e:00:53:01",
            ObservableRole::Unknown,
        ),
        (
            ObservableKind::Cve,
            "CVE-2021-44228",
            ObservableRole::Unknown,
        ),
        (
            ObservableKind::Email,
            "victim@bank.test",
            ObservableRole::Recipient,
        ),
    ];
    for (k, v, r) in values {
        m.add_observable(Observable::parse(k, v).expect(v), r);
    }
    m
}

#[test]
fn the_model_survives_stix() {
    let m = every_kind();
    let objects = export_all(std::slice::from_ref(&m));
    let b = bundle::from_value(
        serde_json::json!({"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": objects}),
        &Limits::default(),
    )
    .expect("a bundle");
    let groups = import::incidents(&b, &Options::default());
    assert_eq!(groups.len(), 1, "{groups:?}");
    let back = groups
        .into_iter()
        .next()
        .expect("one")
        .incident
        .expect("converts");
    assert_eq!(back.id, m.id);
    assert_eq!(back.tlp, m.tlp);
    assert_eq!(back.title, m.title);
    assert_eq!(back.description, m.description);
    assert_eq!(back.status, IncidentStatus::Closed);
    assert_eq!(
        back.classification.map(|c| c.path()),
        m.classification.map(|c| c.path())
    );
    let pairs = |m: &Incident| {
        let mut v: Vec<(String, ObservableRole)> = m
            .observables
            .iter()
            .map(|o| (o.observable.value().to_owned(), o.role))
            .collect();
        v.sort();
        v
    };
    assert_eq!(pairs(&back), pairs(&m));
    // Stable: the same incident version gives the same objects.
    let again = export_all(std::slice::from_ref(&m));
    assert_eq!(canonical(&again), canonical(&objects));
}

/// The two-pass reader gives the same incidents as the whole-bundle one.
#[test]
fn streamed_bundles_give_the_same_incidents() {
    for p in valid() {
        let (_, whole) = read(&p);
        let file = std::fs::File::open(&p).expect("open");
        let s = c5hub_stix::stream::scan(file, &Limits::default(), &Options::default())
            .unwrap_or_else(|e| panic!("{p:?}: {e}"));
        assert!(s.refused().is_empty(), "{p:?}");
        let streamed: Vec<Incident> = s
            .map(|g| g.expect("readable").incident.expect("converts"))
            .collect();
        assert_eq!(streamed.len(), whole.len(), "{p:?}");
        for (a, b) in streamed.iter().zip(&whole) {
            assert_eq!(a.id, b.id, "{p:?}");
            assert_eq!(a.observables, b.observables, "{p:?}");
            let objects = |m: &Incident| canonical(&import::original_objects(m).expect("stix"));
            assert_eq!(objects(a), objects(b), "{p:?}");
        }
    }
}

/// What c5hub writes for an incident with every kind of observable passes
/// the OASIS validator (`tools/stix-validate.py`, which lists the warnings
/// c5hub accepts). Needs `stix2-validator` (tools/test.sh installs it).
#[test]
fn every_kind_passes_the_oasis_validator() {
    let objects = export_all(&[every_kind()]);
    let now = chrono::DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678Z")
        .expect("a time")
        .to_utc();
    let b = c5hub_stix::bundle(objects, now);
    let path =
        std::env::temp_dir().join(format!("c5hub-stix-every-kind-{}.json", std::process::id()));
    std::fs::write(&path, serde_json::to_vec_pretty(&b).expect("json")).expect("write");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/stix-validate.py");
    let out = std::process::Command::new("python3")
        .arg(script)
        .arg(&path)
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_file(&path);
}
