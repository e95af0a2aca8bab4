//! The TAXII 2.1 server over real HTTP on both backends: discovery, the API
//! root, collections, objects paged on the change feed (10,000 objects
//! while others write: nothing missed, nothing repeated), filters, one
//! object and its versions, the manifest, adding objects with a status
//! resource that outlives a restart, TLP per collection and per path, and
//! the 401/403/404/406/415 answers as TAXII error messages.

mod support;

use std::collections::{BTreeMap, BTreeSet};

use c5hub_model::{GlobalId, Incident, OrgKind, Role, Tlp};
use c5hub_store::Submission;
use serde_json::{Value, json};
use support::taxii::{Auth, TAXII, all_objects, ids_of, taxii_call, taxii_get};
use support::{Hub, locations, post_json};

/// An organisation with a token of `role`; its token.
fn member(hub: &Hub, org: &str, role: &str) -> String {
    let admin = Some(hub.admin.as_str());
    let r = post_json(
        &hub.url("/api/v1/orgs"),
        admin,
        &json!({"name": org, "type": "sector-cirt"}),
    );
    assert!(r.status == 201 || r.status == 409, "{}", r.body);
    let r = post_json(
        &hub.url("/api/v1/tokens"),
        admin,
        &json!({"org": org, "role": role, "label": "taxii"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["token"].as_str().expect("secret").to_owned()
}

fn submit(hub: &Hub, token: &str, id: &str, tlp: &str, shared_with: &[&str]) {
    let r = post_json(
        &hub.url("/api/v1/incidents"),
        Some(token),
        &json!({"id": id, "tlp": tlp, "title": id, "classification": "fraud/phishing", "shared_with": shared_with}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
}

/// The c5hub IncidentIDs of the incident objects among `objects`.
fn incidents_in(objects: &[Value]) -> BTreeSet<String> {
    objects
        .iter()
        .filter(|o| o["type"] == "incident")
        .map(|o| {
            o["external_references"][0]["external_id"]
                .as_str()
                .expect("external id")
                .to_owned()
        })
        .collect()
}

fn error_is(r: &support::Answer, status: u16, says: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.content_type, TAXII, "{}", r.body);
    let e = r.json();
    assert_eq!(e["http_status"], status.to_string(), "{e}");
    assert!(e["title"].as_str().is_some(), "{e}");
    assert!(
        e["description"].as_str().is_some_and(|d| d.contains(says)),
        "{e} should say {says:?}"
    );
}

#[test]
fn discovery_collections_and_refusals() {
    for loc in locations("taxii_basics") {
        let hub = Hub::start_with(
            loc,
            c5hub_server::Config {
                max_body_bytes: 64 * 1024,
                ..support::test_config()
            },
        );
        let reporter = member(&hub, "bank", "reporter");
        let viewer = member(&hub, "watcher", "viewer");
        let r = post_json(
            &hub.url("/api/v1/users"),
            Some(&hub.admin),
            &json!({"email": "ana@bank", "org": "bank", "role": "analyst", "password": "correct horse battery"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);

        // 401 without credentials or with wrong ones, with a challenge.
        let r = taxii_get(&hub, "/taxii2/", Auth::None);
        error_is(&r, 401, "Basic");
        assert!(
            r.header("www-authenticate")
                .is_some_and(|h| h.contains("Basic"))
        );
        error_is(
            &taxii_get(&hub, "/taxii2/", Auth::Basic("ana@bank", "wrong")),
            401,
            "password",
        );
        error_is(
            &taxii_get(&hub, "/taxii2/", Auth::Token("c5h_nope")),
            401,
            "token",
        );

        // Discovery and the API root, by password and by token.
        let d = taxii_get(
            &hub,
            "/taxii2/",
            Auth::Basic("ana@bank", "correct horse battery"),
        );
        assert_eq!(d.status, 200, "{}", d.body);
        assert_eq!(d.content_type, TAXII);
        let d = d.json();
        assert_eq!(d["api_roots"], json!(["/taxii2/api1/"]), "{d}");
        assert_eq!(d["default"], "/taxii2/api1/");
        let root = taxii_get(&hub, "/taxii2/api1/", Auth::Token(&reporter)).json();
        assert_eq!(root["versions"], json!([TAXII]), "{root}");
        assert_eq!(root["max_content_length"], 64 * 1024);

        // 406 for an Accept that is not TAXII 2.1.
        for accept in ["application/json", "application/taxii+json;version=2.0", ""] {
            let r = taxii_call(
                &hub,
                "GET",
                "/taxii2/api1/collections/",
                Auth::Token(&reporter),
                &[("Accept", accept)],
                None,
                None,
            );
            error_is(&r, 406, "Accept");
        }

        // Collections: one per TLP audience and RSIT category, and `all`,
        // which only members who may submit write.
        let cs = taxii_get(&hub, "/taxii2/api1/collections/", Auth::Token(&viewer)).json();
        let cs = cs["collections"].as_array().expect("collections").clone();
        let by_id: BTreeMap<String, Value> = cs
            .iter()
            .map(|c| (c["id"].as_str().expect("id").to_owned(), c.clone()))
            .collect();
        for id in [
            "all",
            "tlp-clear",
            "tlp-green",
            "tlp-amber",
            "tlp-red",
            "rsit-fraud",
            "rsit-malicious-code",
        ] {
            let c = &by_id[id];
            assert_eq!(c["can_read"], true, "{c}");
            assert_eq!(c["can_write"], false, "a viewer writes nowhere: {c}");
            assert_eq!(
                c["media_types"],
                json!(["application/stix+json;version=2.1"])
            );
        }
        let all = taxii_get(
            &hub,
            "/taxii2/api1/collections/all/",
            Auth::Token(&reporter),
        )
        .json();
        assert_eq!(all["can_write"], true, "{all}");
        let clear = taxii_get(
            &hub,
            "/taxii2/api1/collections/tlp-clear/",
            Auth::Token(&reporter),
        )
        .json();
        assert_eq!(clear["can_write"], false, "{clear}");
        error_is(
            &taxii_get(&hub, "/taxii2/api1/collections", Auth::Token(&reporter)),
            404,
            "end in /",
        );
        error_is(
            &taxii_get(
                &hub,
                "/taxii2/api1/collections/nope/",
                Auth::Token(&reporter),
            ),
            404,
            "nope",
        );
        error_is(
            &taxii_get(
                &hub,
                "/taxii2/api1/collections/nope/objects/",
                Auth::Token(&reporter),
            ),
            404,
            "nope",
        );
        error_is(
            &taxii_get(
                &hub,
                "/taxii2/api1/status/00000000-0000-4000-8000-000000000000/",
                Auth::Token(&reporter),
            ),
            404,
            "status",
        );
        // Bad filters are named.
        for (q, says) in [
            ("limit=0", "limit"),
            ("next=nonsense", "next"),
            ("added_after=yesterday", "added_after"),
        ] {
            error_is(
                &taxii_get(
                    &hub,
                    &format!("/taxii2/api1/collections/all/objects/?{q}"),
                    Auth::Token(&reporter),
                ),
                400,
                says,
            );
        }

        // POST: 415 for a wrong Content-Type, 403 for a viewer or a
        // read-only collection.
        let env = json!({"objects": []}).to_string();
        let post = |token: &str, coll: &str, ct: &str| {
            taxii_call(
                &hub,
                "POST",
                &format!("/taxii2/api1/collections/{coll}/objects/"),
                Auth::Token(token),
                &[("Accept", TAXII)],
                Some(ct),
                Some(env.as_bytes()),
            )
        };
        error_is(
            &post(&reporter, "all", "application/json"),
            415,
            "Content-Type",
        );
        error_is(&post(&viewer, "all", TAXII), 403, "viewer");
        error_is(&post(&reporter, "tlp-clear", TAXII), 403, "read-only");
        let ok = post(&reporter, "all", TAXII);
        assert_eq!(ok.status, 202, "{}", ok.body);
        // 413 past max_content_length, as a TAXII error.
        let big = format!("{{\"objects\": [\"{}\"]}}", "x".repeat(100 * 1024));
        let r = taxii_call(
            &hub,
            "POST",
            "/taxii2/api1/collections/all/objects/",
            Auth::Token(&reporter),
            &[("Accept", TAXII)],
            Some(TAXII),
            Some(big.as_bytes()),
        );
        error_is(&r, 413, "65536");
        hub.stop();
    }
}

#[test]
fn objects_follow_tlp_per_collection_and_path() {
    for loc in locations("taxii_tlp") {
        let hub = Hub::start(loc, false);
        let bank = member(&hub, "bank", "analyst");
        let telco = member(&hub, "telco", "reporter");
        let other = member(&hub, "other", "viewer");
        submit(&hub, &bank, "bank.test:C-1", "clear", &[]);
        submit(&hub, &bank, "bank.test:G-1", "green", &[]);
        submit(&hub, &bank, "bank.test:A-1", "amber", &["telco"]);
        submit(&hub, &bank, "bank.test:S-1", "amber+strict", &[]);
        submit(&hub, &telco, "telco.test:R-1", "red", &[]);
        let set = |xs: &[&str]| xs.iter().map(|s| (*s).to_owned()).collect::<BTreeSet<_>>();
        let cases: [(&str, &str, &[&str]); 11] = [
            (
                &telco,
                "all",
                &[
                    "bank.test:C-1",
                    "bank.test:G-1",
                    "bank.test:A-1",
                    "telco.test:R-1",
                ],
            ),
            (&telco, "tlp-clear", &["bank.test:C-1"]),
            (&telco, "tlp-green", &["bank.test:G-1"]),
            (&telco, "tlp-amber", &["bank.test:A-1"]),
            (&telco, "tlp-red", &["telco.test:R-1"]),
            (&other, "all", &["bank.test:C-1", "bank.test:G-1"]),
            (&other, "tlp-amber", &[]),
            (&other, "tlp-red", &[]),
            (&bank, "tlp-amber", &["bank.test:A-1", "bank.test:S-1"]),
            (
                &bank,
                "rsit-fraud",
                &[
                    "bank.test:C-1",
                    "bank.test:G-1",
                    "bank.test:A-1",
                    "bank.test:S-1",
                ],
            ),
            (&bank, "rsit-malicious-code", &[]),
        ];
        for (token, coll, want) in cases {
            for limit in [1, 3, 1000] {
                let objects = all_objects(&hub, Auth::Token(token), coll, "", limit);
                assert_eq!(incidents_in(&objects), set(want), "{coll} limit {limit}");
            }
            let m = taxii_get(
                &hub,
                &format!("/taxii2/api1/collections/{coll}/manifest/"),
                Auth::Token(token),
            );
            assert_eq!(m.status, 200, "{}", m.body);
            let m = m.json();
            let n = m["objects"].as_array().map_or(0, |o| {
                o.iter()
                    .filter(|r| {
                        r["id"]
                            .as_str()
                            .is_some_and(|i| i.starts_with("incident--"))
                    })
                    .count()
            });
            assert_eq!(n, want.len(), "manifest of {coll}: {m}");
        }

        // One object, its versions: 404 to who may not read it.
        let everything = all_objects(&hub, Auth::Token(&bank), "all", "", 1000);
        let strict = everything
            .iter()
            .find(|o| {
                o["type"] == "incident"
                    && o["external_references"][0]["external_id"] == "bank.test:S-1"
            })
            .expect("the reporter reads its AMBER+STRICT incident");
        let id = strict["id"].as_str().expect("id");
        for path in ["", "versions/"] {
            let p = format!("/taxii2/api1/collections/all/objects/{id}/{path}");
            assert_eq!(taxii_get(&hub, &p, Auth::Token(&bank)).status, 200, "{p}");
            error_is(&taxii_get(&hub, &p, Auth::Token(&telco)), 404, "no object");
            error_is(&taxii_get(&hub, &p, Auth::Token(&other)), 404, "no object");
        }

        // A new version: `last` serves it alone, `all` both, versions
        // lists both; opening it to GREEN shows it to everyone.
        std::thread::sleep(std::time::Duration::from_millis(5));
        submit(&hub, &bank, "bank.test:S-1", "green", &[]);
        let p = format!("/taxii2/api1/collections/all/objects/{id}/versions/");
        let v = taxii_get(&hub, &p, Auth::Token(&other));
        assert_eq!(v.status, 200, "{}", v.body);
        let versions = v.json()["versions"].as_array().expect("versions").clone();
        assert_eq!(versions.len(), 2, "{versions:?}");
        let last = taxii_get(
            &hub,
            &format!("/taxii2/api1/collections/all/objects/{id}/"),
            Auth::Token(&other),
        )
        .json();
        assert_eq!(last["objects"].as_array().map(Vec::len), Some(1), "{last}");
        assert_eq!(last["objects"][0]["modified"], versions[1], "{last}");
        let first = taxii_get(
            &hub,
            &format!("/taxii2/api1/collections/all/objects/{id}/?match[version]=first"),
            Auth::Token(&other),
        )
        .json();
        assert_eq!(first["objects"][0]["modified"], versions[0], "{first}");
        let at = taxii_get(
            &hub,
            &format!(
                "/taxii2/api1/collections/all/objects/{id}/?match[version]={}",
                versions[0].as_str().expect("a timestamp")
            ),
            Auth::Token(&other),
        )
        .json();
        assert_eq!(at["objects"][0]["modified"], versions[0], "{at}");

        // Several `match[version]` values: each judged on its own, any one
        // suffices; a timestamp does not widen `first` to every version.
        std::thread::sleep(std::time::Duration::from_millis(5));
        submit(&hub, &bank, "bank.test:S-1", "green", &[]);
        let mixed = taxii_get(
            &hub,
            &format!(
                "/taxii2/api1/collections/all/objects/{id}/?match[version]=first,{}",
                versions[1].as_str().expect("a timestamp")
            ),
            Auth::Token(&other),
        )
        .json();
        let got: Vec<&Value> = mixed["objects"]
            .as_array()
            .expect("objects")
            .iter()
            .map(|o| &o["modified"])
            .collect();
        assert_eq!(got, [&versions[0], &versions[1]], "{mixed}");

        // Filters: type, id, spec_version, added_after.
        let incidents = all_objects(&hub, Auth::Token(&telco), "all", "match[type]=incident", 2);
        assert!(incidents.iter().all(|o| o["type"] == "incident"));
        assert_eq!(incidents.len(), 5, "C, G, A, R and S now GREEN");
        let one = all_objects(
            &hub,
            Auth::Token(&telco),
            "all",
            &format!("match[id]={id}"),
            10,
        );
        assert_eq!(ids_of(&one, "incident"), [id]);
        assert!(
            all_objects(
                &hub,
                Auth::Token(&telco),
                "all",
                "match[spec_version]=2.0",
                10
            )
            .is_empty()
        );
        let r = taxii_get(
            &hub,
            "/taxii2/api1/collections/all/objects/?match[type]=incident&limit=2",
            Auth::Token(&telco),
        );
        let (first_added, last_added) = (
            r.header("x-taxii-date-added-first")
                .expect("first")
                .to_owned(),
            r.header("x-taxii-date-added-last")
                .expect("last")
                .to_owned(),
        );
        assert!(first_added <= last_added);
        let after = all_objects(
            &hub,
            Auth::Token(&telco),
            "all",
            &format!("match[type]=incident&added_after={last_added}"),
            10,
        );
        assert_eq!(
            after.len(),
            3,
            "what was added after the first two: {after:?}"
        );
        // An empty answer is `{}`, as medallion writes it.
        let none = taxii_get(
            &hub,
            "/taxii2/api1/collections/all/objects/?match[type]=malware",
            Auth::Token(&telco),
        );
        assert_eq!(none.json(), json!({}));
        hub.stop();
    }
}

#[test]
fn added_objects_are_stored_whole_with_a_status_that_outlives_a_restart() {
    for loc in locations("taxii_add") {
        let hub = Hub::start(loc.clone(), false);
        let bank = member(&hub, "bank", "reporter");
        let telco = member(&hub, "telco", "viewer");
        let incident = |n: u32, tlp: Tlp| {
            json!({
                "type": "incident", "spec_version": "2.1",
                "id": format!("incident--0c7b5b88-8ff7-4a4d-aa9d-feb398cd{n:04}"),
                "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                "name": format!("posted {n}"),
                "object_marking_refs": [c5hub_stix::ids::tlp2_marking_id(tlp)],
            })
        };
        let post = |env: &Value| {
            taxii_call(
                &hub,
                "POST",
                "/taxii2/api1/collections/all/objects/",
                Auth::Token(&bank),
                &[("Accept", TAXII)],
                Some(TAXII),
                Some(env.to_string().as_bytes()),
            )
        };
        let r = post(&json!({"objects": [incident(1, Tlp::Green), incident(2, Tlp::Red)]}));
        assert_eq!(r.status, 202, "{}", r.body);
        let status = r.json();
        assert_eq!(status["status"], "complete", "{status}");
        assert_eq!(status["total_count"], 2);
        assert_eq!(status["success_count"], 2);
        assert_eq!(
            status["successes"][0]["version"],
            "2026-01-01T00:00:00.000Z"
        );
        let sid = status["id"].as_str().expect("id").to_owned();
        // Served back unchanged, to who may read it: telco the GREEN one.
        let seen = all_objects(
            &hub,
            Auth::Token(&telco),
            "all",
            "match[type]=incident",
            100,
        );
        assert_eq!(
            seen,
            [incident(1, Tlp::Green)],
            "telco reads the GREEN one only"
        );
        let mine = all_objects(&hub, Auth::Token(&bank), "all", "match[type]=incident", 100);
        assert_eq!(mine, [incident(1, Tlp::Green), incident(2, Tlp::Red)]);

        // Refused whole: a type-confused object names itself and its
        // property, and nothing of the envelope is stored.
        let before = all_objects(&hub, Auth::Token(&bank), "all", "", 1000).len();
        let mut bad = incident(4, Tlp::Green);
        bad["name"] = json!(["not", "a", "string"]);
        for (env, says) in [
            (
                json!({"objects": [incident(3, Tlp::Green), bad]}),
                "incident--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0004 name is not a string",
            ),
            (json!({"objects": {"a": 1}}), "objects must be a list"),
            (json!({"more": false}), "an envelope needs its objects"),
            (
                json!({"objects": [{"type": "incident"}]}),
                "objects[0] id is missing",
            ),
            (
                json!({"objects": [{"type": "indicator", "id": "incident--x"}]}),
                "incident--x id is not indicator--<UUID>",
            ),
            (json!({"objects": [7]}), "objects[0]"),
        ] {
            error_is(&post(&env), 422, says);
        }
        let r = taxii_call(
            &hub,
            "POST",
            "/taxii2/api1/collections/all/objects/",
            Auth::Token(&bank),
            &[("Accept", TAXII)],
            Some(TAXII),
            Some(b"{\"objects\": [".as_slice()),
        );
        error_is(&r, 400, "JSON");
        assert_eq!(
            all_objects(&hub, Auth::Token(&bank), "all", "", 1000).len(),
            before
        );

        // The status resource: its owner's only, and kept across a restart.
        let p = format!("/taxii2/api1/status/{sid}/");
        assert_eq!(taxii_get(&hub, &p, Auth::Token(&bank)).json(), status);
        error_is(&taxii_get(&hub, &p, Auth::Token(&telco)), 404, "status");
        let admin = hub.admin.clone();
        hub.stop();
        let hub = Hub::start_with_admin(loc, support::test_config(), &admin);
        assert_eq!(taxii_get(&hub, &p, Auth::Token(&bank)).json(), status);
        hub.stop();
    }
}

/// Stores `n` GREEN incidents of `reporter` directly (a bulk load).
fn load(hub: &Hub, reporter: &str, from: usize, n: usize) {
    let mut store = hub.store();
    let owned: Vec<Incident> = (from..from + n)
        .map(|i| {
            let mut m = Incident::new(
                GlobalId::new("bulk.test", &format!("B-{i}")).expect("id"),
                Tlp::Green,
            );
            m.title = Some(format!("bulk {i}"));
            m
        })
        .collect();
    let batch: Vec<Submission<'_>> = owned
        .iter()
        .map(|m| Submission {
            incident: m,
            reporter,
            source: "test",
            shared_with: &[],
            recipients: &[],
        })
        .collect();
    store.incidents().ingest(&batch).expect("ingest");
}

#[test]
fn paging_through_10000_objects_while_others_write_misses_and_repeats_nothing() {
    for loc in locations("taxii_paging") {
        let hub = Hub::start(loc, false);
        let bank = member(&hub, "bank", "reporter");
        let reader = member(&hub, "reader", "viewer");
        {
            let mut st = hub.store();
            st.accounts()
                .add_org("bulk", OrgKind::SectorCirt)
                .expect("org");
            let _ = Role::Viewer;
        }
        // Each incident is five objects (two identities, the extension
        // definition, the marking, the incident): 2,000 are 10,000.
        load(&hub, "bulk", 0, 2000);
        let writer = {
            let (url, token) = (hub.url("/api/v1/incidents"), bank.clone());
            std::thread::spawn(move || {
                for i in 0..60 {
                    let r = post_json(
                        &url,
                        Some(&token),
                        &json!({"id": format!("bank.test:W-{i}"), "tlp": "green", "title": "written while paging"}),
                    );
                    assert_eq!(r.status, 201, "{}", r.body);
                }
            })
        };
        let objects = all_objects(&hub, Auth::Token(&reader), "all", "", 1000);
        writer.join().expect("writer");
        assert!(objects.len() >= 10_000, "{}", objects.len());
        // Each incident once, every one loaded before paging started, and
        // each with all five of its objects.
        let incidents = ids_of(&objects, "incident");
        let unique: BTreeSet<&String> = incidents.iter().collect();
        assert_eq!(unique.len(), incidents.len(), "an incident object repeated");
        assert_eq!(objects.len(), incidents.len() * 5, "a change cut short");
        let names = incidents_in(&objects);
        for i in 0..2000 {
            assert!(names.contains(&format!("bulk.test:B-{i}")), "B-{i} missed");
        }
        // Once the writer is done, a new pass sees everything once.
        let again = all_objects(
            &hub,
            Auth::Token(&reader),
            "all",
            "match[type]=incident",
            777,
        );
        assert_eq!(again.len(), 2060);
        assert_eq!(
            ids_of(&again, "incident")
                .iter()
                .collect::<BTreeSet<_>>()
                .len(),
            2060
        );
        hub.stop();
    }
}
