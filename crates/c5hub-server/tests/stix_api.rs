//! STIX 2.1 through the REST API (issue 17), on both backends:
//! `POST /api/v1/incidents` with `application/stix+json;version=2.1`
//! stores a bundle whole (one incident per object group) or not at all,
//! with a problem naming the object and property; `GET /api/v1/export?
//! format=stix21` gives the objects back unchanged, under TLP.

mod support;

use serde_json::{Value, json};
use support::{Hub, call, get, locations, org_token as token};

const STIX: &str = "application/stix+json;version=2.1";
const EVERYTHING: &[u8] =
    include_bytes!("../../c5hub-stix/test-data/valid/incident-everything.json");

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

#[test]
fn bundles_are_submitted_whole_and_exported_unchanged() {
    for loc in locations("stix_api") {
        let hub = Hub::start(loc, false);
        let bank = token(&hub, "bank-csirt", "sector-cirt", "analyst");
        let telco = token(&hub, "telco-a", "operator", "reporter");
        let url = hub.url("/api/v1/incidents");

        let r = call("POST", &url, Some(&bank), Some(STIX), Some(EVERYTHING));
        assert_eq!(r.status, 201, "{}", r.body);
        let results = r.json()["results"].as_array().expect("results").clone();
        assert_eq!(results.len(), 2, "{}", r.body);
        assert!(results.iter().all(|x| x["outcome"] == "new"), "{}", r.body);
        // Again: the same groups, duplicates.
        let r = call("POST", &url, Some(&bank), Some(STIX), Some(EVERYTHING));
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(
            r.json()["results"]
                .as_array()
                .expect("results")
                .iter()
                .all(|x| x["outcome"] == "duplicate"),
            "{}",
            r.body
        );

        // One broken object refuses the whole bundle, naming it.
        let mut broken: Value = serde_json::from_slice(EVERYTHING).expect("json");
        broken["objects"][10]["pattern"] = json!(["not", "a", "string"]);
        broken["objects"][4]["name"] = json!("renamed: would be a new version");
        let r = call(
            "POST",
            &url,
            Some(&bank),
            Some(STIX),
            Some(&serde_json::to_vec(&broken).expect("json")),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body
                .contains("indicator--a932fcc6-e032-476c-826f-cb970a5a1ade pattern"),
            "{}",
            r.body
        );
        assert!(r.body.contains("is not a string"), "{}", r.body);
        let r = call(
            "POST",
            &url,
            Some(&bank),
            Some(STIX),
            Some(b"{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [{\"type\""),
        );
        assert_eq!(r.status, 400, "{}", r.body);

        // Export gives every object back unchanged to the bank.
        let exported = get(&hub.url("/api/v1/export?format=stix21"), Some(&bank));
        assert_eq!(exported.status, 200);
        assert!(
            exported.content_type.starts_with("application/stix+json"),
            "{}",
            exported.content_type
        );
        let back: Value = exported.json();
        assert_eq!(back["type"], "bundle");
        let have: std::collections::HashSet<String> = back["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .map(canonical)
            .collect();
        let sent: Value = serde_json::from_slice(EVERYTHING).expect("json");
        for o in sent["objects"].as_array().expect("objects") {
            assert!(have.contains(&canonical(o)), "{} not exported", o["id"]);
        }
        // TLP: the AMBER incident is the bank's alone; the GREEN indicator
        // reaches the community.
        let theirs = get(&hub.url("/api/v1/export?format=stix21"), Some(&telco)).json();
        let ids: Vec<&str> = theirs["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .filter_map(|o| o["id"].as_str())
            .collect();
        assert!(
            !ids.contains(&"incident--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
            "{ids:?}"
        );
        assert!(
            ids.contains(&"indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1"),
            "{ids:?}"
        );
        hub.stop();
    }
}

/// The STIX door follows the submit rule of every door: viewers and the
/// public submit nothing, and a bundle naming another organisation's
/// incident makes an incident of the submitter's own, never a new version
/// of the other's.
#[test]
fn a_bundle_changes_only_the_submitters_own_incidents() {
    for loc in locations("stix_api_rule") {
        let hub = Hub::start(loc, false);
        let bank = token(&hub, "bank-csirt", "sector-cirt", "analyst");
        let telco = token(&hub, "telco-a", "operator", "admin");
        let viewer = token(&hub, "isp-b", "operator", "viewer");
        let url = hub.url("/api/v1/incidents");

        let r = call("POST", &url, Some(&bank), Some(STIX), Some(EVERYTHING));
        assert_eq!(r.status, 201, "{}", r.body);
        let banks: Vec<Value> = r.json()["results"].as_array().expect("results").clone();

        for (who, status) in [(Some(viewer.as_str()), 403), (None, 401)] {
            let r = call("POST", &url, who, Some(STIX), Some(EVERYTHING));
            assert_eq!(r.status, status, "{}", r.body);
        }

        // The telco sends the bank's objects, one of them changed: had it
        // reached the bank's incident, that would be a new version.
        let mut changed: Value = serde_json::from_slice(EVERYTHING).expect("json");
        changed["objects"][4]["name"] = json!("renamed by another organisation");
        let r = call(
            "POST",
            &url,
            Some(&telco),
            Some(STIX),
            Some(&serde_json::to_vec(&changed).expect("json")),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let theirs = r.json()["results"].as_array().expect("results").clone();
        assert_eq!(theirs.len(), banks.len(), "{}", r.body);
        for t in &theirs {
            assert_eq!(t["outcome"], "new", "{t}");
            assert!(
                banks.iter().all(|b| b["id"] != t["id"]),
                "{t} is the bank's"
            );
        }
        for b in &banks {
            let key = b["id"].as_i64().expect("key");
            let now = get(&hub.url(&format!("/api/v1/incidents/{key}")), Some(&bank)).json();
            assert_eq!(now["reporter"], "bank-csirt", "{now}");
            assert_eq!(now["version"], 1, "the bank's incident is unchanged: {now}");
        }
        hub.stop();
    }
}
