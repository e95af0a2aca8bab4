//! MISP events through the command line, on SQLite and PostgreSQL: an
//! event imports and exports back unchanged, an updated event is a new
//! version, a feed directory imports through its manifest (a missing event
//! file named), and every exported event loads in PyMISP with the same
//! attributes (count and types).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use c5hub_model::{
    DocumentFormat, GlobalId, Incident, Observable, ObservableKind, ObservableRole,
    OriginalDocument, Tlp,
};
use c5hub_store::{Location, Options, Store, Submission};
use serde_json::Value;

fn c5hub(loc: &Location, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_c5hub"));
    c.args(args)
        .env_remove("C5HUB_DATA")
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .env_remove("C5HUB_WARNING_LIST");
    match loc {
        Location::Sqlite(d) => c.arg("--data").arg(d),
        Location::Postgres(url) => c.arg("--database").arg(url),
    };
    c.output().expect("c5hub runs")
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{o:?}");
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn test_data(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../c5hub-misp/test-data")
        .join(p)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("c5hub-misp-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn export(loc: &Location, org: &str) -> Vec<Value> {
    let o = c5hub(loc, &["export", "--format", "misp", "--as", org]);
    assert!(o.status.success(), "{o:?}");
    let out = String::from_utf8_lossy(&o.stdout);
    let doc: Value = serde_json::from_str(&out).expect("a response list");
    doc["response"].as_array().expect("response").clone()
}

#[test]
fn an_event_round_trips_and_an_update_is_a_version() {
    for (n, loc) in c5hub_test_support::locations("misp_round_trip")
        .into_iter()
        .enumerate()
    {
        let d = tmp(&format!("rt{n}"));
        // A list of two events, the second broken: nothing of it is stored,
        // and the rejection names the event and the property.
        let bad = test_data("invalid/response-one-bad.json");
        let o = c5hub(
            &loc,
            &[
                "import",
                "--as",
                "bank",
                "--quarantine",
                d.join("q").to_str().expect("utf-8"),
                bad.to_str().expect("utf-8"),
            ],
        );
        assert!(!o.status.success(), "{o:?}");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(said.contains("/response/1 Event.info"), "{said}");
        assert_eq!(
            export(&loc, "bank").len(),
            0,
            "{loc}: stored whole or not at all"
        );
        let file = test_data("valid/event-full.json");
        let out = ok(&c5hub(
            &loc,
            &[
                "import",
                "--as",
                "bank",
                "--quarantine",
                d.join("q").to_str().expect("utf-8"),
                file.to_str().expect("utf-8"),
            ],
        ));
        assert!(out.contains(": 1 new incident"), "{out}");
        let original: Value =
            serde_json::from_slice(&std::fs::read(&file).expect("read")).expect("json");
        let events = export(&loc, "bank");
        assert_eq!(
            events,
            std::slice::from_ref(&original),
            "{loc}: exported unchanged"
        );
        // TLP:GREEN: another member reads it too; the public-like `local`
        // reader does not exist here, so check a member.
        assert_eq!(export(&loc, "telco").len(), 1);
        // The same event again is a duplicate; with a new timestamp and one
        // more attribute, a new version of the same incident.
        let out = ok(&c5hub(
            &loc,
            &["import", "--as", "bank", file.to_str().expect("utf-8")],
        ));
        assert!(out.contains(" 1 duplicate,"), "{out}");
        let mut updated = original.clone();
        updated["Event"]["timestamp"] = "1793700000".into();
        updated["Event"]["Attribute"]
            .as_array_mut()
            .expect("attributes")
            .push(serde_json::json!({"uuid": "5f1c3e3a-0009-4c1e-9a7f-1e2d3c4b5a69", "type": "ip-dst", "category": "Network activity", "value": "192.0.2.77", "to_ids": true}));
        let f2 = d.join("updated.json");
        std::fs::write(&f2, serde_json::to_vec_pretty(&updated).expect("json")).expect("write");
        let out = ok(&c5hub(
            &loc,
            &["import", "--as", "bank", f2.to_str().expect("utf-8")],
        ));
        assert!(out.contains(" 1 new version,"), "{out}");
        assert_eq!(
            export(&loc, "bank"),
            [updated],
            "{loc}: the new version is exported"
        );
    }
}

#[test]
fn a_feed_directory_imports_through_its_manifest() {
    for (n, loc) in c5hub_test_support::locations("misp_feed_dir")
        .into_iter()
        .enumerate()
    {
        let d = tmp(&format!("feed{n}"));
        let feed = d.join("feed");
        std::fs::create_dir_all(&feed).expect("mkdir");
        let src = test_data("valid/feed");
        for e in std::fs::read_dir(&src).expect("feed") {
            let p = e.expect("entry").path();
            std::fs::copy(&p, feed.join(p.file_name().expect("name"))).expect("copy");
        }
        let q = d.join("q");
        let out = ok(&c5hub(
            &loc,
            &[
                "import",
                "--as",
                "bank",
                "--quarantine",
                q.to_str().expect("utf-8"),
                feed.to_str().expect("utf-8"),
            ],
        ));
        assert!(out.contains(": 2 new incidents"), "{out}");
        // One event file gone: it is named, the other is a duplicate.
        let gone = feed.join("9c502132-4d6e-4f70-8182-93a4b5c6d7e8.json");
        std::fs::remove_file(&gone).expect("rm");
        let o = c5hub(
            &loc,
            &[
                "import",
                "--as",
                "bank",
                "--quarantine",
                q.to_str().expect("utf-8"),
                feed.to_str().expect("utf-8"),
            ],
        );
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            all.contains(&gone.display().to_string()) && all.contains("missing"),
            "{all}"
        );
        assert!(all.contains(" 1 duplicate,"), "{all}");
        assert_eq!(export(&loc, "bank").len(), 2);
    }
}

/// One incident holding every observable kind, in every role that changes
/// its MISP type.
fn every_kind() -> Incident {
    let mut m = Incident::new(
        GlobalId::new("csirt.bank.test", "KINDS-1").expect("id"),
        Tlp::Green,
    );
    m.title = Some("Every kind".into());
    for kind in ObservableKind::ALL {
        let v = match kind {
            ObservableKind::Ipv4 => "81.2.69.160",
            ObservableKind::Ipv6 => "2a00:1450::1",
            ObservableKind::Cidr => "81.2.69.0/24",
            ObservableKind::Domain => "evil.example",
            ObservableKind::Url => "http://evil.example/x",
            ObservableKind::Email => "a@evil.example",
            ObservableKind::Md5 => "d41d8cd98f00b204e9800998ecf8427e",
            ObservableKind::Sha1 => "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            ObservableKind::Sha256 => {
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            }
            ObservableKind::Sha512 => {
                "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
            }
            ObservableKind::Ssdeep => "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
            ObservableKind::Tlsh => {
                "T1A4F0A4E3C04C1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D5E6F708192A3B4C5D6"
            }
            ObservableKind::PhoneNumber => "+442079460958",
            ObservableKind::SenderId => "PayPal",
            ObservableKind::Imei => "490154203237518",
            ObservableKind::Asn => "AS64496",
            ObservableKind::Mac => "00:00:5e:00:53:01",
            ObservableKind::Cve => "CVE-2021-44228",
        };
        let o = Observable::parse(kind, v).expect(v);
        for role in [
            ObservableRole::Source,
            ObservableRole::Sender,
            ObservableRole::Recipient,
            ObservableRole::Indicator,
        ] {
            m.add_observable(o.clone(), role);
        }
    }
    m.original = Some(OriginalDocument::new(
        DocumentFormat::Native,
        b"{}".to_vec(),
    ));
    m
}

#[test]
fn every_exported_event_loads_in_pymisp() {
    let have = Command::new("python3")
        .args(["-c", "import pymisp"])
        .status()
        .is_ok_and(|s| s.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "PyMISP is missing (tools/test.sh installs it)"
        );
        eprintln!("SKIPPED: python3 -m pip install pymisp to check exports with PyMISP");
        return;
    }
    for (n, loc) in c5hub_test_support::locations("misp_pymisp")
        .into_iter()
        .enumerate()
    {
        let d = tmp(&format!("pymisp{n}"));
        let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/inputs");
        ok(&c5hub(
            &loc,
            &[
                "import",
                "--as",
                "bank",
                "--quarantine",
                d.join("q").to_str().expect("utf-8"),
                samples.to_str().expect("utf-8"),
                test_data("valid").to_str().expect("utf-8"),
            ],
        ));
        {
            let mut store = Store::open(&loc, Options::default()).expect("store");
            let m = every_kind();
            store
                .incidents()
                .ingest(&[Submission {
                    incident: &m,
                    reporter: "bank",
                    source: "test",
                    shared_with: &[],
                    recipients: &[],
                }])
                .expect("stored");
        }
        let events = export(&loc, "bank");
        assert!(events.len() > 10, "{} events", events.len());
        let file = d.join("export.json");
        std::fs::write(
            &file,
            serde_json::to_vec(&serde_json::json!({"response": events})).expect("json"),
        )
        .expect("write");
        let out = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/pymisp-load.py"))
            .arg(&file)
            .output()
            .expect("python3 runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let loaded: Vec<Vec<String>> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| l.split('\t').map(str::to_owned).collect())
            .collect();
        assert_eq!(loaded.len(), events.len());
        let mut kinds_event = false;
        for (e, got) in events.iter().zip(&loaded) {
            let e = &e["Event"];
            let mut types: Vec<String> = Vec::new();
            for a in e["Attribute"].as_array().into_iter().flatten() {
                types.push(a["type"].as_str().expect("type").to_owned());
            }
            for o in e["Object"].as_array().into_iter().flatten() {
                for a in o["Attribute"].as_array().into_iter().flatten() {
                    types.push(a["type"].as_str().expect("type").to_owned());
                }
            }
            assert_eq!(got[0], e["uuid"].as_str().expect("uuid"), "{loc}");
            assert_eq!(&got[1..], types.as_slice(), "{loc}: event {}", got[0]);
            if e["info"] == "Every kind" {
                kinds_event = true;
                // 18 kinds; the roles give one attribute each where the
                // type does not merge them.
                assert!(types.len() >= 18 * 2, "{types:?}");
                for t in [
                    "ip-src",
                    "ip-dst",
                    "email-src",
                    "email-dst",
                    "AS",
                    "vulnerability",
                    "mac-address",
                    "phone-number",
                    "tlsh",
                    "ssdeep",
                    "sha512",
                    "text",
                ] {
                    assert!(types.iter().any(|x| x == t), "{t} in {types:?}");
                }
            }
        }
        assert!(kinds_event, "{loc}: the every-kind incident was exported");
    }
}
