//! The MISP feed over HTTP on loopback, on SQLite and PostgreSQL: MISP
//! events submitted to the API (named by media type, or unlabelled) are
//! served back unchanged as feed files; the manifest and hashes.csv are
//! MISP's layout; an AMBER event of another organisation is never in the
//! manifest, the hashes or an event URL (404); anonymous callers are
//! refused unless the hub is public, and then read CLEAR only.

mod support;

use std::collections::BTreeSet;
use std::path::PathBuf;

use c5hub_model::{OrgKind, Role};
use serde_json::Value;
use support::{Hub, call, get, locations};

fn test_data(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c5hub-misp/test-data")
        .join(p)
}

fn read(p: &str) -> Vec<u8> {
    std::fs::read(test_data(p)).expect("test data")
}

const AMBER: &str = "5f1c3e3a-6b2d-4c1e-9a7f-1e2d3c4b5a69";
const CLEAR_A: &str = "7a3e0f10-2b4c-4d5e-8f60-718293a4b5c6";
const CLEAR_C: &str = "9c502132-4d6e-4f70-8182-93a4b5c6d7e8";

#[test]
fn the_misp_feed_serves_what_each_caller_may_read() {
    for public in [false, true] {
        for loc in locations("misp_feed_http") {
            check(loc, public);
        }
    }
}

fn check(loc: c5hub_store::Location, public: bool) {
    let hub = Hub::start(loc, public);
    let mut store = hub.store();
    let mut tokens = Vec::new();
    for org in ["bank", "telco"] {
        store
            .accounts()
            .add_org(org, OrgKind::SectorCirt)
            .expect("org");
        tokens.push(
            store
                .accounts()
                .create_token(org, Role::Reporter, None, None, None, None)
                .expect("token")
                .1,
        );
    }
    drop(store);
    let (bank, telco) = (Some(tokens[0].as_str()), Some(tokens[1].as_str()));
    // The full event, made TLP:AMBER.
    let mut amber: Value = serde_json::from_slice(&read("valid/event-full.json")).expect("json");
    amber["Event"]["Tag"][0]["name"] = "tlp:amber".into();
    let amber_bytes = serde_json::to_vec_pretty(&amber).expect("json");
    let r = call(
        "POST",
        &hub.url("/api/v1/incidents"),
        bank,
        Some("application/vnd.misp+json"),
        Some(&amber_bytes),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    // The feed's two CLEAR events, unlabelled: `{"Event":` is MISP's.
    for u in [CLEAR_A, CLEAR_C] {
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents"),
            bank,
            None,
            Some(&read(&format!("valid/feed/{u}.json"))),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    // A broken event is refused naming the attribute and property.
    let r = call(
        "POST",
        &hub.url("/api/v1/incidents"),
        bank,
        Some("application/vnd.misp+json"),
        Some(&read("invalid/bad-object-attribute.json")),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains(
            "Event.Object[0] (uuid 0d6a1e2f-0b00-4c5d-8e6f-7a8b9c0d1e2f).Attribute[0].value"
        ),
        "{}",
        r.body
    );

    let manifest = |token| -> BTreeSet<String> {
        let r = get(&hub.url("/misp/manifest.json"), token);
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.content_type.starts_with("application/json"));
        r.json()
            .as_object()
            .expect("object")
            .keys()
            .cloned()
            .collect()
    };
    let hashed = |token| -> Vec<String> {
        let r = get(&hub.url("/misp/hashes.csv"), token);
        assert_eq!(r.status, 200, "{}", r.body);
        let mut v: Vec<String> = r.body.lines().map(str::to_owned).collect();
        v.sort();
        v
    };
    let all: BTreeSet<String> = [AMBER, CLEAR_A, CLEAR_C].map(str::to_owned).into();
    let clear: BTreeSet<String> = [CLEAR_A, CLEAR_C].map(str::to_owned).into();
    assert_eq!(manifest(bank), all);
    assert_eq!(
        manifest(telco),
        clear,
        "telco never sees bank's AMBER event"
    );
    // The manifest entry is MISP's summary of the event.
    let m = get(&hub.url("/misp/manifest.json"), bank).json();
    assert_eq!(m[AMBER]["info"], amber["Event"]["info"]);
    assert_eq!(m[AMBER]["Orgc"]["name"], "CIRCL");
    assert_eq!(m[AMBER]["timestamp"], amber["Event"]["timestamp"]);
    // hashes.csv of the CLEAR events is the feed generator's.
    let mut want: Vec<String> = String::from_utf8(read("valid/feed/hashes.csv"))
        .expect("utf-8")
        .lines()
        .map(str::to_owned)
        .collect();
    want.sort();
    assert_eq!(hashed(telco), want);
    assert!(hashed(bank).iter().any(|l| l.ends_with(AMBER)));
    assert!(!hashed(telco).iter().any(|l| l.ends_with(AMBER)));
    // Event files: the event as submitted; another's AMBER is not found.
    let r = get(&hub.url(&format!("/misp/{AMBER}.json")), bank);
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), amber, "served unchanged");
    assert_eq!(
        get(&hub.url(&format!("/misp/{AMBER}.json")), telco).status,
        404
    );
    assert_eq!(
        get(
            &hub.url(&format!("/misp/{}.json", AMBER.to_uppercase())),
            telco
        )
        .status,
        404
    );
    assert_eq!(
        get(&hub.url(&format!("/misp/{CLEAR_A}.json")), telco).status,
        200
    );
    assert_eq!(get(&hub.url("/misp/not-a-uuid.json"), telco).status, 404);
    assert_eq!(
        get(
            &hub.url("/misp/00000000-0000-4000-8000-000000000000.json"),
            telco
        )
        .status,
        404
    );
    // Anonymous: refused on a closed hub, CLEAR only on a public one.
    if public {
        assert_eq!(manifest(None), clear);
        assert_eq!(
            get(&hub.url(&format!("/misp/{AMBER}.json")), None).status,
            404
        );
    } else {
        for path in ["/misp/manifest.json", "/misp/hashes.csv"] {
            assert_eq!(get(&hub.url(path), None).status, 401, "{path}");
        }
        assert_eq!(
            get(&hub.url(&format!("/misp/{CLEAR_A}.json")), None).status,
            401
        );
    }
    // The API's export names the format too.
    let r = get(&hub.url("/api/v1/export?format=misp"), telco);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["response"].as_array().map(Vec::len), Some(2));
    hub.stop();
}
