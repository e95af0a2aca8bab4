//! The feed poller against medallion, the OASIS TAXII 2.1 server, on both
//! backends: a collection of 300 STIX objects (an incident and indicators)
//! in medallion's memory backend is pulled, every object's incident
//! arriving once; objects then added through medallion's own POST are the
//! only ones the next walk asks for, and arrive once too.
//!
//! medallion comes from PyPI (tools/test.sh installs it). Without it the
//! test says so and passes locally; in CI (`CI` set) it fails.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine;
use c5hub_hub::Authority;
use c5hub_hub::feeds::{self, Auth, Kind, Request};
use c5hub_model::{Tlp, Viewer};
use c5hub_store::{Feed, IncidentFilter, Location, Store};
use serde_json::{Value, json};
use support::{Hub, locations, wait_for};

const COLLECTION: &str = "2f6a1c0e-7b5d-4e0a-9c3f-5d1e8a7b6c40";
const TAXII: &str = "application/taxii+json;version=2.1";
const STIX: &str = "application/stix+json;version=2.1";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

fn has_medallion() -> bool {
    let ok = Command::new("medallion")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs medallion (tools/test.sh installs it)"
        );
        eprintln!("skipped: python3 -m pip install medallion to run this test");
    }
    ok
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Object `i`'s time: one millisecond apart, so each has its own
/// `date_added`.
fn at(i: usize) -> String {
    format!(
        "2026-01-01T00:{:02}:{:02}.{:03}Z",
        i / 60_000,
        (i / 1000) % 60,
        i % 1000
    )
}

fn indicator(tag: &str, i: usize, t: &str) -> Value {
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{}", uuid(tag, i)),
        "created": t, "modified": t, "valid_from": t,
        "name": format!("phishing host {tag} {i}"),
        "pattern": format!("[domain-name:value = 'login-{tag}-{i}.bank-verify.test']"),
        "pattern_type": "stix",
        "indicator_types": ["malicious-activity"],
        "object_marking_refs": [GREEN],
    })
}

fn incident(tag: &str, i: usize, t: &str) -> Value {
    json!({
        "type": "incident", "spec_version": "2.1",
        "id": format!("incident--{}", uuid(tag, i)),
        "created": t, "modified": t,
        "name": format!("phishing wave {tag} {i}"),
        "description": "credential phishing against bank customers",
    })
}

/// A fixed UUID per tag and number (version 4 form, so STIX takes it).
fn uuid(tag: &str, i: usize) -> String {
    let t = if tag == "first" { 0xa } else { 0xb };
    format!("{t:x}{:07x}-0000-4000-8000-{:012x}", i, i)
}

struct Medallion {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for Medallion {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn medallion(objects: &[Value], dir: &Path) -> Medallion {
    std::fs::create_dir_all(dir).expect("dir");
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let data = json!({
        "/discovery": {"title": "feeds test", "default": format!("{base}/api1/"),
                       "api_roots": [format!("{base}/api1/")]},
        "api1": {
            "information": {"title": "feeds test", "versions": [TAXII], "max_content_length": 1 << 26},
            "status": [],
            "collections": [{
                "id": COLLECTION, "title": "phishing", "can_read": true, "can_write": true,
                "media_types": [STIX],
                "objects": objects,
                "manifest": objects.iter().enumerate().map(|(i, o)| json!({
                    "id": o["id"], "date_added": at(i), "version": o["modified"], "media_type": STIX,
                })).collect::<Vec<_>>(),
            }],
        },
    });
    let data_path = dir.join("data.json");
    std::fs::write(&data_path, data.to_string()).expect("data");
    let config = json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend",
                    "filename": data_path},
        "users": {"puller": "pull-secret"},
        "taxii": {"max_page_size": 100},
    });
    let config_path = dir.join("medallion.json");
    std::fs::write(&config_path, config.to_string()).expect("config");
    let child = Command::new("medallion")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("medallion starts");
    let mut m = Medallion {
        child,
        base,
        dir: dir.to_owned(),
    };
    let start = Instant::now();
    loop {
        let up = ureq::get(&format!("{}/taxii2/", m.base))
            .set("Accept", TAXII)
            .set("Authorization", &basic())
            .call();
        if up.is_ok() {
            return m;
        }
        if let Ok(Some(status)) = m.child.try_wait() {
            let mut err = String::new();
            if let Some(mut e) = m.child.stderr.take() {
                let _ = e.read_to_string(&mut err);
            }
            panic!("medallion exited ({status}): {err}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "medallion did not start"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn basic() -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("puller:pull-secret")
    )
}

fn console() -> Authority {
    Authority::Console {
        name: "cli:test".to_owned(),
    }
}

/// Global id → (times listed, version), as the hub's operator reads.
fn pulled(loc: &Location) -> BTreeMap<String, (usize, i64)> {
    let mut st = Store::open(loc, support::options()).expect("store");
    let mut out: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    let all = st
        .incidents()
        .list(
            &IncidentFilter {
                limit: 10_000,
                ..IncidentFilter::default()
            },
            &Viewer::member("national-cirt"),
        )
        .expect("list");
    for i in all {
        let e = out.entry(i.global_id.to_string()).or_insert((0, 0));
        e.0 += 1;
        e.1 = i.version;
    }
    out
}

fn feed(loc: &Location, id: i64) -> Feed {
    Store::open(loc, support::options())
        .expect("store")
        .feeds()
        .get(id)
        .expect("read")
        .expect("the feed")
}

/// Every STIX id is the end of exactly one global id, and there are no
/// others.
fn arrived_once(loc: &Location, ids: &BTreeSet<String>) {
    let got = pulled(loc);
    assert_eq!(got.len(), ids.len(), "{loc}: {got:?}");
    assert!(
        got.values().all(|(n, v)| *n == 1 && *v == 1),
        "{loc}: each once, one version: {got:?}"
    );
    for id in ids {
        let n = got.keys().filter(|g| g.ends_with(id.as_str())).count();
        assert_eq!(n, 1, "{loc}: {id} is in {n} incidents: {:?}", got.keys());
    }
}

#[test]
fn medallion_collection_is_pulled_once_then_only_what_is_added() {
    if !has_medallion() {
        return;
    }
    for loc in locations("feeds_medallion") {
        let mut objects = vec![incident("first", 0, &at(0))];
        objects.extend((1..300).map(|i| indicator("first", i, &at(i))));
        let dir = std::env::temp_dir().join(format!(
            "c5hub-medallion-{}-{}",
            std::process::id(),
            free_port()
        ));
        let m = medallion(&objects, &dir);
        let hub = Hub::start(loc.clone(), false);
        let f = {
            let mut st = Store::open(&loc, support::options()).expect("store");
            feeds::add(
                &mut st,
                &console(),
                &Request {
                    kind: Kind::Taxii,
                    url: format!("{}/api1/", m.base),
                    collection: Some(COLLECTION.to_owned()),
                    auth: Auth::Basic {
                        user: "puller".to_owned(),
                        password: "pull-secret".to_owned(),
                    },
                    every: Duration::from_secs(1),
                    as_org: None,
                    tlp: Tlp::Amber,
                },
            )
            .expect("feed added")
        };
        let mut ids: BTreeSet<String> = objects
            .iter()
            .map(|o| o["id"].as_str().expect("id").to_owned())
            .collect();
        wait_for("every object's incident", || pulled(&loc).len() >= 300);
        wait_for("the walk's end", || feed(&loc, f.id).last_success.is_some());
        arrived_once(&loc, &ids);
        let after_first = feed(&loc, f.id);
        assert_eq!(after_first.last_error, None, "{loc}");
        assert_eq!(after_first.objects_total, 300, "{loc}");
        // The next walk asks only for what was added after the last
        // object it has.
        let cursor: Value = serde_json::from_str(&after_first.cursor).expect("cursor");
        assert_eq!(cursor["added_after"], json!(at(299)), "{loc}: {cursor}");

        // Added through medallion's own POST: an incident and indicators.
        let t = "2026-02-01T00:00:00.000Z";
        let mut more = vec![incident("second", 0, t)];
        more.extend((1..6).map(|i| indicator("second", i, t)));
        let r = ureq::post(&format!(
            "{}/api1/collections/{COLLECTION}/objects/",
            m.base
        ))
        .set("Accept", TAXII)
        .set("Content-Type", TAXII)
        .set("Authorization", &basic())
        .send_string(&json!({"objects": more}).to_string())
        .expect("medallion takes the objects");
        assert_eq!(r.status(), 202);
        ids.extend(
            more.iter()
                .map(|o| o["id"].as_str().expect("id").to_owned()),
        );
        wait_for("the added objects", || pulled(&loc).len() >= 306);
        let polled = feed(&loc, f.id).last_success;
        wait_for("one more poll", || feed(&loc, f.id).last_success != polled);
        arrived_once(&loc, &ids);
        let now = feed(&loc, f.id);
        assert_eq!(now.objects_total, 306, "{loc}");
        assert_eq!(now.last_error, None, "{loc}");
        let cursor: Value = serde_json::from_str(&now.cursor).expect("cursor");
        assert!(
            cursor["added_after"].as_str() > Some(at(299).as_str()),
            "{loc}: the cursor moved past the added objects: {cursor}"
        );
        hub.stop();
        drop(m);
    }
}
