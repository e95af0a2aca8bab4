//! The REST API end to end over real HTTP on loopback: administration,
//! submission in every format, reads, workflow, correlation, export, and
//! the errors a client gets when something is wrong.

mod support;

use serde_json::{Value, json};
use support::{Hub, call, get, locations, post_json};

const BANK_XML: &[u8] = include_bytes!("../../../samples/inputs/bank-phishing.xml");

fn setup(hub: &Hub) -> (String, String, String) {
    let admin = Some(hub.admin.as_str());
    for (name, kind) in [
        ("bank-csirt", "sector-cirt"),
        ("telco-a", "operator"),
        ("regulator", "regulator"),
    ] {
        let r = post_json(
            &hub.url("/api/v1/orgs"),
            admin,
            &json!({"name": name, "type": kind}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mut tokens = Vec::new();
    for (org, role) in [
        ("bank-csirt", "analyst"),
        ("telco-a", "reporter"),
        ("regulator", "viewer"),
    ] {
        let r = post_json(
            &hub.url("/api/v1/tokens"),
            admin,
            &json!({"org": org, "role": role, "label": "test"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        tokens.push(r.json()["token"].as_str().expect("secret").to_owned());
    }
    (tokens[0].clone(), tokens[1].clone(), tokens[2].clone())
}

#[test]
fn submit_read_triage_correlate_export() {
    for loc in locations("api") {
        let hub = Hub::start(loc, false);
        let (bank, telco, regulator) = setup(&hub);

        // IODEF XML from the bank.
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents"),
            Some(&bank),
            Some("application/xml"),
            Some(BANK_XML),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let first = r.json()["results"][0]["id"].as_i64().expect("id");
        assert_eq!(r.json()["results"][0]["outcome"], "new");
        // The same bytes again: a duplicate, not a new incident.
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents"),
            Some(&bank),
            Some("application/xml"),
            Some(BANK_XML),
        );
        assert_eq!(r.json()["results"][0]["outcome"], "duplicate");

        // Native JSON from the operator, sharing a value with the bank's incident.
        let bank_incident =
            get(&hub.url(&format!("/api/v1/incidents/{first}")), Some(&bank)).json();
        let shared_value = bank_incident["observables"][0]["value"]
            .as_str()
            .expect("an observable")
            .to_owned();
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(&telco),
            &json!({
                "id": "telco-a.test:SMS-1", "tlp": "green", "title": "smishing wave",
                "classification": "fraud/phishing", "observables": [shared_value, {"value": "+442079460958", "kind": "phone-number", "role": "source"}],
            }),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let second = r.json()["results"][0]["id"].as_i64().expect("id");

        // IODEF JSON (RFC 8727) made by exporting the bank's incident.
        let exported = get(
            &hub.url("/api/v1/export?format=iodef-json&reporter=bank-csirt"),
            Some(&bank),
        );
        assert_eq!(exported.status, 200);
        assert!(exported.content_type.starts_with("application/iodef+json"));
        let r = call(
            "POST",
            &hub.url("/api/v1/incidents"),
            Some(&telco),
            Some("application/iodef+json"),
            Some(exported.body.as_bytes()),
        );
        assert_eq!(r.status, 201, "{}", r.body);

        // List with filters and cursor pagination.
        let page1 = get(&hub.url("/api/v1/incidents?limit=2"), Some(&regulator)).json();
        assert_eq!(page1["items"].as_array().expect("items").len(), 2);
        let cursor = page1["next_cursor"]
            .as_str()
            .expect("more pages")
            .to_owned();
        let page2 = get(
            &hub.url(&format!("/api/v1/incidents?limit=2&cursor={cursor}")),
            Some(&regulator),
        )
        .json();
        assert_eq!(page2["items"].as_array().expect("items").len(), 1);
        let phishing = get(
            &hub.url("/api/v1/incidents?classification=fraud/phishing&reporter=telco-a"),
            Some(&regulator),
        )
        .json();
        assert!(
            phishing["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|i| i["reporter"] == "telco-a")
        );
        let by_value = get(
            &hub.url("/api/v1/incidents?observable=%2B442079460958"),
            Some(&regulator),
        )
        .json();
        assert_eq!(by_value["items"][0]["id"].as_i64(), Some(second));

        // Correlation both ways, and lookup.
        let rel = get(
            &hub.url(&format!("/api/v1/incidents/{second}/related")),
            Some(&telco),
        )
        .json();
        assert!(
            rel.as_array()
                .expect("array")
                .iter()
                .any(|r| r["incident"]["id"].as_i64() == Some(first)),
            "{rel}"
        );
        let l = get(
            &hub.url(&format!(
                "/api/v1/lookup?value={}",
                urlencode(&shared_value)
            )),
            Some(&regulator),
        )
        .json();
        let all = l["incidents"].as_array().expect("incidents").len();
        assert!(all >= 2, "{l}");
        assert_eq!(l["total"].as_u64(), Some(all as u64), "{l}");
        assert!(l["next"].is_null(), "{l}");
        // One incident a page: the total stays, the cursor pages on.
        let mut paged = 0;
        let mut before = String::new();
        loop {
            let p = get(
                &hub.url(&format!(
                    "/api/v1/lookup?value={}&limit=1{before}",
                    urlencode(&shared_value)
                )),
                Some(&regulator),
            )
            .json();
            assert_eq!(p["total"].as_u64(), Some(all as u64), "{p}");
            paged += p["incidents"].as_array().expect("incidents").len();
            match p["next"].as_i64() {
                Some(n) => before = format!("&before={n}"),
                None => break,
            }
        }
        assert_eq!(paged, all);
        let bad = get(
            &hub.url("/api/v1/lookup?value=evil.test&limit=0"),
            Some(&regulator),
        );
        assert_eq!(bad.status, 400, "{}", bad.body);

        // Workflow: the viewer may not triage, the analyst may. The
        // assignee is a user of an organisation that reads the incident.
        hub.store()
            .accounts()
            .add_user("ana@bank", "bank-csirt", c5hub_model::Role::Analyst, None)
            .expect("user");
        let body =
            json!({"status": "triaged", "assignee": "ana@bank", "note": "on it"}).to_string();
        let r = call(
            "PATCH",
            &hub.url(&format!("/api/v1/incidents/{first}")),
            Some(&regulator),
            Some("application/json"),
            Some(body.as_bytes()),
        );
        assert_eq!(r.status, 403, "{}", r.body);
        let r = call(
            "PATCH",
            &hub.url(&format!("/api/v1/incidents/{first}")),
            Some(&bank),
            Some("application/json"),
            Some(body.as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["status"], "triaged");
        assert_eq!(r.json()["assignee"], "ana@bank");
        let r = post_json(
            &hub.url(&format!("/api/v1/incidents/{first}/comments")),
            Some(&telco),
            &json!({"body": "seen on our network too"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let c = get(
            &hub.url(&format!("/api/v1/incidents/{first}/comments")),
            Some(&bank),
        )
        .json();
        assert_eq!(c[0]["org"], "telco-a");
        let h = get(
            &hub.url(&format!("/api/v1/incidents/{first}/history")),
            Some(&bank),
        )
        .json();
        let changes: Vec<&str> = h
            .as_array()
            .expect("history")
            .iter()
            .map(|e| e["change"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(changes, ["status", "status", "assignee"], "{h}");

        // Export formats.
        let csv = get(&hub.url("/api/v1/export?format=csv"), Some(&regulator));
        assert!(csv.content_type.starts_with("text/csv"));
        assert!(csv.body.starts_with("id,global_id,reporter"));
        let xml = get(
            &hub.url("/api/v1/export?format=iodef-xml"),
            Some(&regulator),
        );
        assert!(xml.body.contains("urn:ietf:params:xml:ns:iodef-2.0"));

        // Stats and audit log.
        let st = get(&hub.url("/api/v1/stats"), Some(&regulator)).json();
        assert_eq!(st["total"].as_i64(), Some(3));
        let audit = get(&hub.url("/api/v1/audit?format=csv"), Some(&hub.admin));
        assert!(audit.body.contains("incident.status"), "{}", audit.body);
        assert_eq!(get(&hub.url("/api/v1/audit"), Some(&bank)).status, 403);
        hub.stop();
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[test]
fn errors_are_problem_details_that_say_where() {
    let loc = locations("api_errors").remove(0);
    let mut config = support::test_config();
    config.max_body_bytes = 64 * 1024;
    let hub = Hub::start_with(loc, config);
    let (bank, _telco, regulator) = setup(&hub);
    let problem = |a: &support::Answer| -> Value {
        assert_eq!(a.content_type, "application/problem+json", "{}", a.body);
        a.json()
    };

    // An IODEF document with schema violations: every one, with its path.
    let bad =
        String::from_utf8_lossy(BANK_XML).replace("purpose=\"mitigation\"", "purpose=\"lunch\"");
    let r = call(
        "POST",
        &hub.url("/api/v1/incidents"),
        Some(&bank),
        Some("application/xml"),
        Some(bad.as_bytes()),
    );
    assert_eq!(r.status, 400);
    let p = problem(&r);
    assert!(
        p["errors"][0]["at"]
            .as_str()
            .expect("path")
            .starts_with("/IODEF-Document/Incident[0]"),
        "{p}"
    );

    // A DTD is refused (no entity expansion, ever).
    let xxe = b"<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><x>&e;</x>";
    let r = call(
        "POST",
        &hub.url("/api/v1/incidents"),
        Some(&bank),
        Some("application/xml"),
        Some(xxe),
    );
    assert_eq!(r.status, 400);
    assert!(
        problem(&r)["detail"]
            .as_str()
            .expect("detail")
            .contains("DTD")
            || r.body.contains("DOCTYPE"),
        "{}",
        r.body
    );

    // Native JSON: each bad field named by JSON pointer.
    let r = post_json(
        &hub.url("/api/v1/incidents"),
        Some(&bank),
        &json!({"id": "bank:1", "tlp": "purple", "observables": ["not a value at all"]}),
    );
    let at: Vec<String> = problem(&r)["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["at"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(at, ["/tlp", "/observables/0/value"]);

    // Too large a body: 413, with the limit.
    let big = vec![b' '; 100 * 1024];
    let r = call(
        "POST",
        &hub.url("/api/v1/incidents"),
        Some(&bank),
        Some("application/xml"),
        Some(&big),
    );
    assert_eq!(r.status, 413);
    assert!(
        problem(&r)["detail"]
            .as_str()
            .expect("detail")
            .contains("65536")
    );

    // Unknown media type, unknown query parameter, bad token, no token, wrong role.
    assert_eq!(
        call(
            "POST",
            &hub.url("/api/v1/incidents"),
            Some(&bank),
            Some("text/plain"),
            Some(b"x")
        )
        .status,
        415
    );
    let r = get(
        &hub.url("/api/v1/incidents?colour=red&tlp=purple"),
        Some(&bank),
    );
    assert_eq!(r.status, 400);
    assert_eq!(problem(&r)["errors"].as_array().expect("errors").len(), 2);
    assert_eq!(
        get(&hub.url("/api/v1/incidents"), Some("c5h_not_a_token")).status,
        401
    );
    assert_eq!(get(&hub.url("/api/v1/incidents"), None).status, 401);
    let r = post_json(
        &hub.url("/api/v1/incidents"),
        Some(&regulator),
        &json!({"id": "r:1", "tlp": "green"}),
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        get(&hub.url("/api/v1/incidents/999999"), Some(&bank)).status,
        404
    );
    assert_eq!(
        get(&hub.url("/api/v1/nothing-here"), Some(&bank)).status,
        404
    );

    // Revoked tokens stop working at once.
    let tokens = get(&hub.url("/api/v1/tokens"), Some(&hub.admin)).json();
    let id = tokens
        .as_array()
        .expect("tokens")
        .iter()
        .find(|t| t["org"] == "regulator")
        .expect("regulator token")["id"]
        .as_i64()
        .expect("id");
    assert!(
        tokens.to_string().find("c5h_").is_none(),
        "secrets never listed"
    );
    assert_eq!(
        call(
            "DELETE",
            &hub.url(&format!("/api/v1/tokens/{id}")),
            Some(&hub.admin),
            None,
            None
        )
        .status,
        204
    );
    assert_eq!(
        get(&hub.url("/api/v1/incidents"), Some(&regulator)).status,
        401
    );
    hub.stop();
}

#[test]
fn openapi_lists_every_route_and_every_listed_route_exists() {
    let loc = locations("api_openapi").remove(0);
    let hub = Hub::start(loc, false);
    let doc = get(&hub.url("/api/openapi.json"), None).json();
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = 0;
    for (path, ops) in paths {
        for (method, _) in ops.as_object().expect("operations") {
            documented += 1;
            let concrete = path.replace("{id}", "1");
            let r = call(
                &method.to_uppercase(),
                &hub.url(&concrete),
                Some(&hub.admin),
                Some("application/json"),
                Some(b"{}"),
            );
            assert!(
                r.status != 405 && !(r.status == 404 && r.body.contains("no route")),
                "{method} {path}: {} {}",
                r.status,
                r.body
            );
        }
    }
    // Every /api/v1 route the server answers is documented: probe the
    // method/path pairs a client could try against the document.
    for path in [
        "/api/v1/incidents",
        "/api/v1/incidents/1",
        "/api/v1/incidents/1/history",
        "/api/v1/incidents/1/comments",
        "/api/v1/incidents/1/related",
        "/api/v1/lookup",
        "/api/v1/export",
        "/api/v1/stats",
        "/api/v1/changes",
        "/api/v1/me",
        "/api/v1/orgs",
        "/api/v1/users",
        "/api/v1/tokens",
        "/api/v1/tokens/1",
        "/api/v1/audit",
        "/api/v1/assess/editions",
        "/api/v1/assess/editions/1/results",
    ] {
        for method in ["GET", "POST", "PATCH", "DELETE", "PUT"] {
            let r = call(
                method,
                &hub.url(path),
                Some(&hub.admin),
                Some("application/json"),
                Some(b"{}"),
            );
            let routed = r.status != 405 && !(r.status == 404 && r.body.contains("no route"));
            let templ = path.replace("/1", "/{id}");
            let listed = paths
                .get(&templ)
                .is_some_and(|ops| ops.get(method.to_lowercase()).is_some());
            assert_eq!(
                routed, listed,
                "{method} {path}: routed={routed} documented={listed} ({} {})",
                r.status, r.body
            );
        }
    }
    assert!(documented >= 20, "{documented}");
    hub.stop();
}

#[test]
fn health_readiness_and_metrics() {
    let loc = locations("api_ops").remove(0);
    let hub = Hub::start(loc, false);
    assert_eq!(get(&hub.url("/healthz"), None).body, "ok");
    assert_eq!(get(&hub.url("/readyz"), None).body, "ready");
    let _ = get(&hub.url("/api/v1/incidents"), Some(&hub.admin));
    // The hub's admins read the metrics (see tests/security.rs).
    let m = get(&hub.url("/metrics"), Some(&hub.admin));
    assert!(
        m.body.contains(
            "c5hub_http_requests_total{method=\"GET\",route=\"/api/v1/incidents\",status=\"200\"} 1"
        ),
        "{}",
        m.body
    );
    assert!(m.body.contains("c5hub_commits_total"));
    hub.stop();
}
