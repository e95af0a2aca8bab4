//! `GET /api/v1/changes` over real HTTP on both backends: pages join
//! without gap or repeat, the caller's TLP applies to the incident as it is
//! now, and bad parameters are problem details that name the parameter.

mod support;

use serde_json::{Value, json};
use support::{Hub, call, get, locations, org_token as token, post_json};

/// Submits one native-JSON incident; its key.
fn submit(hub: &Hub, token: &str, id: &str, tlp: &str, shared_with: &[&str]) -> i64 {
    let r = post_json(
        &hub.url("/api/v1/incidents"),
        Some(token),
        &json!({"id": id, "tlp": tlp, "title": id, "shared_with": shared_with}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["results"][0]["id"].as_i64().expect("id")
}

/// Pages through the feed with `limit`; (kind, incident) of each change.
fn feed(hub: &Hub, token: Option<&str>, limit: usize) -> Vec<(String, i64)> {
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let r = get(
            &hub.url(&format!("/api/v1/changes?since={since}&limit={limit}")),
            token,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        let changes = page["changes"].as_array().expect("changes").clone();
        assert!(changes.len() <= limit);
        if changes.is_empty() {
            assert_eq!(page["next"], since);
            return out;
        }
        for c in &changes {
            let seq = c["seq"].as_i64().expect("seq");
            assert!(seq > since, "{page}");
            since = seq;
            assert!(c["at"].as_str().is_some_and(|t| t.contains('T')), "{c}");
            assert!(c["global_id"].as_str().is_some(), "{c}");
            out.push((
                c["kind"].as_str().expect("kind").to_owned(),
                c["incident"].as_i64().expect("incident"),
            ));
        }
        assert_eq!(page["next"], since, "{page}");
    }
}

#[test]
fn the_change_feed_pages_with_tlp_applied() {
    for loc in locations("api_changes") {
        let hub = Hub::start(loc, false);
        let bank = token(&hub, "bank-csirt", "sector-cirt", "analyst");
        let telco = token(&hub, "telco-a", "operator", "reporter");
        let other = token(&hub, "regulator", "regulator", "viewer");
        let green = submit(&hub, &bank, "bank.test:G-1", "green", &[]);
        let amber = submit(&hub, &bank, "bank.test:A-1", "amber", &["telco-a"]);
        let strict = submit(&hub, &bank, "bank.test:S-1", "amber+strict", &[]);
        let r = call(
            "PATCH",
            &hub.url(&format!("/api/v1/incidents/{amber}")),
            Some(&bank),
            Some("application/json"),
            Some(json!({"status": "triaged"}).to_string().as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = post_json(
            &hub.url(&format!("/api/v1/incidents/{green}/comments")),
            Some(&telco),
            &json!({"body": "seen here too"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let comment = r.json()["id"].as_i64();

        let k = |kind: &str, key: i64| (kind.to_owned(), key);
        let want = vec![
            k("incident", green),
            k("incident", amber),
            k("status", amber),
            k("comment", green),
        ];
        for limit in [1, 2, 1000] {
            assert_eq!(feed(&hub, Some(&telco), limit), want, "limit {limit}");
        }
        assert_eq!(
            feed(&hub, Some(&other), 1),
            vec![k("incident", green), k("comment", green)]
        );
        assert_eq!(feed(&hub, Some(&bank), 2).len(), 5);
        // The comment carries its id; the default page holds everything.
        let page = get(&hub.url("/api/v1/changes"), Some(&telco)).json();
        assert_eq!(page["changes"][3]["comment"].as_i64(), comment, "{page}");
        assert_eq!(page["changes"][0]["comment"], Value::Null, "{page}");
        assert_eq!(page["changes"][0]["reporter"], "bank-csirt", "{page}");

        // The AMBER incident closes to AMBER+STRICT: telco-a no longer
        // sees any of its changes; the strict one opens to GREEN: it does.
        submit(&hub, &bank, "bank.test:A-1", "amber+strict", &[]);
        submit(&hub, &bank, "bank.test:S-1", "green", &[]);
        assert_eq!(
            feed(&hub, Some(&telco), 2),
            vec![
                k("incident", green),
                k("incident", strict),
                k("comment", green),
                k("version", strict),
            ]
        );

        // Anonymous callers of a hub without public access: 401.
        assert_eq!(get(&hub.url("/api/v1/changes"), None).status, 401);
    }
}

#[test]
fn bad_change_feed_parameters_are_named() {
    let loc = locations("api_changes_errors").remove(0);
    let hub = Hub::start(loc, false);
    for (query, at) in [
        ("since=-1", "query parameter since"),
        ("since=abc", "query parameter since"),
        ("limit=0", "query parameter limit"),
        ("limit=10001", "query parameter limit"),
        ("since=1&limit=x", "query parameter limit"),
    ] {
        let r = get(
            &hub.url(&format!("/api/v1/changes?{query}")),
            Some(&hub.admin),
        );
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert_eq!(r.content_type, "application/problem+json", "{query}");
        assert_eq!(r.json()["errors"][0]["at"], at, "{query}: {}", r.body);
    }
    let r = get(&hub.url("/api/v1/changes?limit=10000"), Some(&hub.admin));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json(), json!({"changes": [], "next": 0}));
}
