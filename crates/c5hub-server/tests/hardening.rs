//! Issue 14 over real HTTP on both backends: IODEF element restrictions
//! (finding 5), correlation that one member's bulky incident cannot hide
//! (finding 7), the limits on triage, sharing lists and submissions
//! (finding 12), and NUL bytes refused with a clear answer (finding 15).

mod support;

use c5hub_model::{GlobalId, Incident, Observable, ObservableRole, OrgKind, Role, Tlp};
use c5hub_store::Submission;
use serde_json::{Value, json};
use support::{Hub, call, get, locations, post_json};

/// Three organisations with a token each: (bank analyst, telco analyst,
/// regulator viewer). The bank and the telco have a user each.
fn setup(hub: &Hub) -> (String, String, String) {
    let mut s = hub.store();
    let mut tokens = Vec::new();
    for (org, role) in [
        ("bank", Role::Analyst),
        ("telco", Role::Analyst),
        ("regulator", Role::Viewer),
    ] {
        s.accounts().add_org(org, OrgKind::SectorCirt).expect("org");
        tokens.push(
            s.accounts()
                .create_token(org, role, None, None, None, None)
                .expect("token")
                .1,
        );
    }
    s.accounts()
        .add_user("ana@bank.test", "bank", Role::Analyst, None)
        .expect("user");
    s.accounts()
        .add_user("tom@telco.test", "telco", Role::Analyst, None)
        .expect("user");
    (tokens[0].clone(), tokens[1].clone(), tokens[2].clone())
}

fn submit_xml(hub: &Hub, token: &str, xml: &str) -> support::Answer {
    call(
        "POST",
        &hub.url("/api/v1/incidents"),
        Some(token),
        Some("application/xml"),
        Some(xml.as_bytes()),
    )
}

fn lookup_ids(hub: &Hub, token: &str, value: &str) -> Vec<i64> {
    let l = get(
        &hub.url(&format!(
            "/api/v1/lookup?value={}",
            value.replace(':', "%3A").replace('/', "%2F")
        )),
        Some(token),
    );
    assert_eq!(l.status, 200, "{}", l.body);
    l.json()["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .filter_map(|m| m["incident"]["id"].as_i64())
        .collect()
}

/// The field a problem names first.
fn at(body: &Value) -> String {
    body["errors"][0]["at"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

/// Finding 5: a `private` Contact or EventData inside a `green` Incident
/// is not shown to other members: the incident is stored at the strictest
/// effective restriction, and the submitter is told.
#[test]
fn element_restriction_is_honoured() {
    for loc in locations("restriction") {
        let hub = Hub::start(loc, false);
        let (bank, _telco, regulator) = setup(&hub);
        for (n, (contact, event)) in [
            (r#" restriction="private""#, ""),
            ("", r#" restriction="private""#),
        ]
        .into_iter()
        .enumerate()
        {
            let xml = format!(
                r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="green">
    <IncidentID name="bank.test">PRIV-{n}</IncidentID>
    <GenerationTime>2026-11-20T08:05:00Z</GenerationTime>
    <Description>partly private</Description>
    <Contact role="creator" type="person"{contact}><ContactName>Jane Secret</ContactName><Email><EmailTo>jane.secret@bank.test</EmailTo></Email></Contact>
    <EventData{event}><Flow><System category="source"><Node><Address category="ipv4-addr">203.0.113.{n}</Address></Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>"#
            );
            let r = submit_xml(&hub, &bank, &xml);
            assert_eq!(r.status, 201, "{}", r.body);
            let body = r.json();
            let id = body["results"][0]["id"].as_i64().expect("id");
            assert!(
                body["notes"].to_string().contains("stricter"),
                "the submitter is told: {body}"
            );
            let other = get(
                &hub.url(&format!("/api/v1/incidents/{id}")),
                Some(&regulator),
            );
            assert_eq!(other.status, 404, "another member reads it: {}", other.body);
            assert!(!other.body.contains("Jane Secret"));
            assert!(
                lookup_ids(&hub, &regulator, &format!("203.0.113.{n}")).is_empty(),
                "the private observable is found by another member"
            );
            let csv = get(&hub.url("/api/v1/export?format=csv"), Some(&regulator));
            assert!(
                !csv.body.contains(&format!("203.0.113.{n}")),
                "{}",
                csv.body
            );
            let own = get(&hub.url(&format!("/api/v1/incidents/{id}")), Some(&bank));
            assert_eq!(own.status, 200);
            assert_eq!(own.json()["tlp"], "TLP:AMBER+STRICT", "{}", own.body);
            assert_eq!(lookup_ids(&hub, &bank, &format!("203.0.113.{n}")), vec![id]);
        }
        hub.stop();
    }
}

/// Finding 7: a member's incident with 10,001 URLs on a domain does not
/// hide another member's match on that domain, and `related` of the bulky
/// incident answers.
#[test]
fn correlation_survives_a_bulky_incident() {
    for loc in locations("bulky") {
        let hub = Hub::start(loc, false);
        let (bank, telco, regulator) = setup(&hub);
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(&telco),
            &json!({"id": "telco.test:V-1", "tlp": "green", "title": "visible",
                    "observables": ["http://evil.test/visible"]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let visible = r.json()["results"][0]["id"].as_i64().expect("id");
        // Past the API's limit: stored the way `c5hub import` stores.
        let mut bulky = Incident::new(
            GlobalId::new("bank.test", "BULK").expect("id"),
            Tlp::AmberStrict,
        );
        for n in 0..10_001 {
            bulky.add_observable(
                Observable::guess(&format!("http://evil.test/{n}")).expect("url"),
                ObservableRole::Url,
            );
        }
        let key = hub
            .store()
            .incidents()
            .ingest(&[Submission {
                incident: &bulky,
                reporter: "bank",
                source: "test",
                shared_with: &[],
                recipients: &[],
            }])
            .expect("ingest")[0]
            .key();
        assert_eq!(
            lookup_ids(&hub, &regulator, "http://evil.test/other"),
            vec![visible],
            "the bulky incident hides the match"
        );
        let started = std::time::Instant::now();
        let rel = get(
            &hub.url(&format!("/api/v1/incidents/{key}/related")),
            Some(&bank),
        );
        assert_eq!(rel.status, 200, "{}", rel.body);
        let ids: Vec<i64> = rel
            .json()
            .as_array()
            .expect("related")
            .iter()
            .filter_map(|r| r["incident"]["id"].as_i64())
            .collect();
        assert_eq!(ids, vec![visible]);
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "related took {:?}",
            started.elapsed()
        );
        // A shutdown asked for while such a read runs waits for it only as
        // long as the store's read budget lets it run.
        let url = hub.url(&format!("/api/v1/incidents/{key}/related"));
        let reader = std::thread::spawn(move || {
            let _ = ureq::get(&url)
                .set("Authorization", &format!("Bearer {bank}"))
                .call();
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        let stopping = std::time::Instant::now();
        hub.stop();
        let took = stopping.elapsed();
        assert!(
            took < c5hub_store::DEFAULT_READ_BUDGET + std::time::Duration::from_secs(10),
            "shutdown waited {took:?} for an expensive read"
        );
        let _ = reader.join();
    }
}

/// Finding 12: triage and submission limits, each a problem naming its
/// field.
#[test]
fn limits_name_their_field() {
    for loc in locations("limits") {
        let hub = Hub::start(loc, false);
        let (bank, _telco, _regulator) = setup(&hub);
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(&bank),
            &json!({"id": "bank.test:L-1", "tlp": "amber", "title": "limits",
                    "observables": ["198.51.100.1"], "shared_with": ["telco"]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let id = r.json()["results"][0]["id"].as_i64().expect("id");
        let patch = |v: Value| {
            call(
                "PATCH",
                &hub.url(&format!("/api/v1/incidents/{id}")),
                Some(&bank),
                Some("application/json"),
                Some(v.to_string().as_bytes()),
            )
        };
        // The assignee: a known user of an organisation that reads it.
        let r = patch(json!({"assignee": "nobody@nowhere.test"}));
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "/assignee".to_owned()),
            "{}",
            r.body
        );
        let r = patch(json!({"assignee": "x".repeat(7 * 1024 * 1024)}));
        assert_eq!(
            r.status,
            422,
            "a 7 MB assignee: {}",
            &r.body[..r.body.len().min(300)]
        );
        // Reading is not enough: the assignee's organisation handles the
        // incident (reporter, hub operator or co-handler; tests/writes.rs).
        let r = patch(json!({"assignee": "tom@telco.test"}));
        assert_eq!(
            r.status, 422,
            "telco reads but does not handle it: {}",
            r.body
        );
        let r = patch(json!({"assignee": "ana@bank.test"}));
        assert_eq!(r.status, 200, "{}", r.body);
        // The note: 16 KiB at most.
        let r = patch(json!({"status": "triaged", "note": "n".repeat(16 * 1024 + 1)}));
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "/note".to_owned()),
            "{}",
            r.body
        );
        let r = patch(json!({"status": "triaged", "note": "n".repeat(16 * 1024)}));
        assert_eq!(r.status, 200, "{}", r.body);
        // Sharing lists: known organisations, at most 1,000.
        let submit = |extra: Value| {
            let mut v =
                json!({"id": "bank.test:L-2", "tlp": "amber", "observables": ["198.51.100.2"]});
            for (k, x) in extra.as_object().expect("object") {
                v[k] = x.clone();
            }
            post_json(&hub.url("/api/v1/incidents"), Some(&bank), &v)
        };
        let r = submit(json!({"shared_with": ["telco", "not-yet-an-org"]}));
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "shared_with".to_owned()),
            "{}",
            r.body
        );
        assert!(r.body.contains("not-yet-an-org"), "{}", r.body);
        let r = submit(json!({"recipients": ["ghost"]}));
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "recipients".to_owned()),
            "{}",
            r.body
        );
        let many: Vec<String> = (0..1001).map(|i| format!("org-{i}")).collect();
        let r = submit(json!({ "shared_with": many }));
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "shared_with".to_owned()),
            "{}",
            r.body
        );
        assert!(r.body.contains("1000"), "{}", r.body);
        // IODEF with the lists as query parameters.
        let xml = include_str!("../../../samples/inputs/bank-phishing.xml");
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents?shared_with=telco,ghost"),
            Some(&bank),
            Some("application/xml"),
            Some(xml.as_bytes()),
        );
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "shared_with".to_owned()),
            "{}",
            r.body
        );
        // Observables per request.
        let obs: Vec<String> = (0..10_001)
            .map(|i| format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256))
            .collect();
        let r = submit(json!({ "observables": obs }));
        assert_eq!(
            (r.status, at(&r.json())),
            (413, "/observables".to_owned()),
            "{}",
            &r.body[..r.body.len().min(300)]
        );
        assert!(r.body.contains("10000"), "{}", r.body);
        let r = submit(json!({ "observables": obs[..10_000] }));
        assert_eq!(r.status, 201, "{}", &r.body[..r.body.len().min(300)]);
        hub.stop();
    }
}

/// Finding 15: a NUL byte in any text field is a 422 naming the field, on
/// PostgreSQL too (it was a 500 there), and nothing is stored.
#[test]
fn nul_bytes_are_refused_clearly() {
    for loc in locations("nul") {
        let hub = Hub::start(loc, false);
        let (bank, _telco, _regulator) = setup(&hub);
        for (field, body) in [
            (
                "/title",
                json!({"id": "bank.test:N-1", "tlp": "green", "title": "a\u{0}b"}),
            ),
            (
                "/description",
                json!({"id": "bank.test:N-1", "tlp": "green", "description": "a\u{0}b"}),
            ),
            (
                "shared_with",
                json!({"id": "bank.test:N-1", "tlp": "amber", "shared_with": ["te\u{0}lco"]}),
            ),
        ] {
            let r = post_json(&hub.url("/api/v1/incidents"), Some(&bank), &body);
            // The native parser refuses control characters in a title
            // itself (400); the rest is the new check (422).
            assert!(
                matches!(r.status, 400 | 422),
                "{field}: {} {}",
                r.status,
                r.body
            );
            assert_eq!(at(&r.json()), field, "{}", r.body);
        }
        // IODEF JSON (RFC 8727) can carry one as an escape.
        let exported = {
            let r = post_json(
                &hub.url("/api/v1/incidents"),
                Some(&bank),
                &json!({"id": "bank.test:N-2", "tlp": "green", "description": "fine"}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
            let e = get(&hub.url("/api/v1/export?format=iodef-json"), Some(&bank));
            assert_eq!(e.status, 200);
            e.body.replace("fine", "fi\\u0000ne").replace("N-2", "N-3")
        };
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents"),
            Some(&bank),
            Some("application/iodef+json"),
            Some(exported.as_bytes()),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        let id = get(&hub.url("/api/v1/incidents"), Some(&bank)).json()["items"][0]["id"]
            .as_i64()
            .expect("the fine incident");
        let r = post_json(
            &hub.url(&format!("/api/v1/incidents/{id}/comments")),
            Some(&bank),
            &json!({"body": "x\u{0}y"}),
        );
        assert_eq!(
            (r.status, at(&r.json())),
            (422, "/body".to_owned()),
            "{}",
            r.body
        );
        for (field, v) in [
            ("/note", json!({"status": "triaged", "note": "x\u{0}y"})),
            ("/assignee", json!({"assignee": "ana\u{0}@bank.test"})),
        ] {
            let r = call(
                "PATCH",
                &hub.url(&format!("/api/v1/incidents/{id}")),
                Some(&bank),
                Some("application/json"),
                Some(v.to_string().as_bytes()),
            );
            assert_eq!(
                (r.status, at(&r.json())),
                (422, field.to_owned()),
                "{}",
                r.body
            );
        }
        let list = get(&hub.url("/api/v1/incidents"), Some(&bank)).json();
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1), "{list}");
        hub.stop();
    }
}
