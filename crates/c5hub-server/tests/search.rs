//! The search box over real HTTP on both backends: `GET /api/v1/search`
//! (words find readable incidents by title and description, a value
//! answers its lookup, bad input names its parameter) and the web UI's
//! `/search` (the header's box on every page, results, "nothing found",
//! a value sent to `/lookup`), with TLP applied.

mod support;

use serde_json::{Value, json};
use support::{Hub, call_with, get, locations, login, post_json};

const PASSWORD: &str = "search-test-password";

/// An organisation with a token and a user who logs in with a password.
fn member(hub: &Hub, org: &str, kind: &str) -> String {
    let admin = Some(hub.admin.as_str());
    let r = post_json(
        &hub.url("/api/v1/orgs"),
        admin,
        &json!({"name": org, "type": kind}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = post_json(
        &hub.url("/api/v1/users"),
        admin,
        &json!({"email": format!("analyst@{org}.test"), "org": org, "role": "analyst", "password": PASSWORD}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let r = post_json(
        &hub.url("/api/v1/tokens"),
        admin,
        &json!({"org": org, "role": "analyst", "label": "test"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["token"].as_str().expect("secret").to_owned()
}

fn submit(hub: &Hub, token: &str, incident: &Value) -> i64 {
    let r = post_json(&hub.url("/api/v1/incidents"), Some(token), incident);
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["results"][0]["id"].as_i64().expect("id")
}

fn search(hub: &Hub, token: &str, query: &str) -> Value {
    let r = get(&hub.url(&format!("/api/v1/search?{query}")), Some(token));
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.json()
}

fn ids(answer: &Value) -> Vec<i64> {
    answer["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["id"].as_i64().expect("id"))
        .collect()
}

#[test]
fn the_api_searches_readable_titles_and_descriptions() {
    let mut answers = Vec::new();
    for loc in locations("api_search") {
        let hub = Hub::start(loc.clone(), false);
        let bank = member(&hub, "bank-csirt", "sector-cirt");
        let telco = member(&hub, "telco-a", "operator");
        let other = member(&hub, "regulator", "regulator");
        let green = submit(
            &hub,
            &bank,
            &json!({"id": "bank.test:G-1", "tlp": "green", "title": "Credential phishing wave", "description": "Lures at login.bank.example"}),
        );
        let amber = submit(
            &hub,
            &bank,
            &json!({"id": "bank.test:A-1", "tlp": "amber", "title": "Phishing kit on a shared host", "shared_with": ["telco-a"]}),
        );
        let strict = submit(
            &hub,
            &telco,
            &json!({"id": "telco.test:S-1", "tlp": "amber+strict", "title": "SIM swap fraud", "description": "phishing for one-time codes"}),
        );
        // Each reader finds what it may read, newest first.
        assert_eq!(
            ids(&search(&hub, &bank, "q=phishing")),
            [amber, green],
            "{loc}"
        );
        assert_eq!(
            ids(&search(&hub, &telco, "q=phishing")),
            [strict, amber, green],
            "{loc}"
        );
        let a = search(&hub, &other, "q=phishing");
        assert_eq!(
            ids(&a),
            [green],
            "{loc}: another organisation's AMBER incidents are not found"
        );
        assert_eq!(a["total"], 1, "{loc}");
        assert_eq!(
            ids(&search(&hub, &other, "q=sim+swap")),
            Vec::<i64>::new(),
            "{loc}"
        );
        // Every word, the last one as a prefix; the description counts.
        let a = search(&hub, &bank, "q=PHISH+login");
        assert_eq!(a["words"], json!(["phish", "login"]), "{loc}");
        assert_eq!(
            ids(&a),
            Vec::<i64>::new(),
            "{loc}: only the last word is a prefix"
        );
        assert_eq!(ids(&search(&hub, &bank, "q=login+phish")), [green], "{loc}");
        // Pages of one, with the total on each.
        let p1 = search(&hub, &telco, "q=phishing&per_page=1");
        let p3 = search(&hub, &telco, "q=phishing&per_page=1&page=3");
        assert_eq!(
            (ids(&p1), p1["total"].clone(), p1["next_page"].clone()),
            (vec![strict], json!(3), json!(2)),
            "{loc}"
        );
        assert_eq!(
            (ids(&p3), p3["next_page"].clone()),
            (vec![green], Value::Null),
            "{loc}"
        );
        // Query syntax of either backend is only punctuation.
        for q in [
            "%22phishing",
            "phishing%22+OR+*",
            "NEAR(phishing)",
            "phish%3A*+%26+!x",
            "%27%3B+DROP+TABLE+incidents%3B--",
            "***",
        ] {
            search(&hub, &bank, &format!("q={q}"));
        }
        // A value answers its lookup.
        let a = search(&hub, &bank, "q=203.0.113.7");
        assert_eq!(
            a["lookup"],
            json!({"kind": "ipv4", "value": "203.0.113.7"}),
            "{loc}"
        );
        assert_eq!(a["items"], json!([]), "{loc}");
        assert_eq!(
            search(&hub, &bank, "q=phishing+203.0.113.7")["lookup"],
            Value::Null,
            "{loc}: words with a value are words"
        );
        // Bad input names its parameter.
        for (query, at) in [
            ("q=", "query parameter q"),
            ("q=x&page=0", "query parameter page"),
            ("q=x&per_page=201", "query parameter per_page"),
        ] {
            let r = get(&hub.url(&format!("/api/v1/search?{query}")), Some(&bank));
            assert_eq!(r.status, 400, "{loc}: {query}: {}", r.body);
            assert_eq!(r.json()["errors"][0]["at"], at, "{loc}: {}", r.body);
        }
        let many = vec!["w"; 17].join("+");
        let r = get(&hub.url(&format!("/api/v1/search?q={many}")), Some(&bank));
        assert_eq!(r.status, 400, "{loc}: {}", r.body);
        assert!(r.body.contains("at most 16 words"), "{loc}: {}", r.body);
        assert_eq!(
            get(&hub.url("/api/v1/search?q=phishing"), None).status,
            401,
            "{loc}"
        );
        answers.push(search(&hub, &telco, "q=phishing")["items"].clone());
        hub.stop();
    }
    if let [a, b] = &answers[..] {
        let strip = |v: &Value| -> Vec<(Value, Value)> {
            v.as_array()
                .expect("items")
                .iter()
                .map(|i| (i["id"].clone(), i["title"].clone()))
                .collect()
        };
        assert_eq!(strip(a), strip(b), "both backends answer alike");
    }
}

fn page(hub: &Hub, cookie: &str, path: &str) -> (u16, Option<String>, String) {
    let r = call_with(
        "GET",
        &hub.url(path),
        None,
        &[("Cookie", cookie)],
        None,
        None,
    );
    (r.status, r.header("location").map(str::to_owned), r.body)
}

#[test]
fn the_web_page_lists_results_or_sends_a_value_to_lookup() {
    for loc in locations("ui_search") {
        let hub = Hub::start(loc.clone(), false);
        let bank = member(&hub, "bank-csirt", "sector-cirt");
        let telco = member(&hub, "telco-a", "operator");
        member(&hub, "regulator", "regulator");
        let mine = submit(
            &hub,
            &bank,
            &json!({"id": "bank.test:G-1", "tlp": "green", "title": "Credential phishing wave", "classification": "fraud/phishing"}),
        );
        submit(
            &hub,
            &telco,
            &json!({"id": "telco.test:A-1", "tlp": "amber", "title": "Smishing with parcel lures"}),
        );
        let (r, cookie) = login(
            &hub.base,
            &[("email", "analyst@regulator.test"), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "{loc}: {}", r.body);
        let cookie = cookie.expect("session");
        // The box is in the header of every page.
        for path in ["/", "/incidents", "/lookup", "/for-you"] {
            let (status, _, body) = page(&hub, &cookie, path);
            assert_eq!(status, 200, "{loc}: {path}");
            assert!(
                body.contains(
                    r#"<form class="search" method="get" action="/search" role="search">"#
                ),
                "{loc}: {path}: {body}"
            );
        }
        let (status, _, body) = page(&hub, &cookie, "/search?q=credential+phish");
        assert_eq!(status, 200, "{loc}");
        assert!(body.contains("1 incident found"), "{loc}: {body}");
        assert!(
            body.contains(&format!(
                r#"href="/incidents/{mine}">Credential phishing wave"#
            )),
            "{loc}: {body}"
        );
        assert!(
            body.contains("fraud/phishing") && body.contains("bank-csirt"),
            "{loc}: class and reporter shown"
        );
        let (_, _, body) = page(&hub, &cookie, "/search?q=smishing");
        assert!(
            body.contains("Nothing found"),
            "{loc}: telco's AMBER incident is not found: {body}"
        );
        assert!(!body.contains("parcel"), "{loc}");
        let (status, location, _) = page(&hub, &cookie, "/search?q=203.0.113.7");
        assert_eq!(
            (status, location.as_deref()),
            (303, Some("/lookup?q=203.0.113.7")),
            "{loc}"
        );
        let (status, _, body) = page(
            &hub,
            &cookie,
            &format!("/search?q={}", vec!["w"; 17].join("+")),
        );
        assert_eq!(status, 200, "{loc}");
        assert!(
            body.contains("role=\"alert\"") && body.contains("at most 16 words"),
            "{loc}: {body}"
        );
        hub.stop();
    }
}
