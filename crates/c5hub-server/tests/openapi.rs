//! `/api/openapi.json` holds real answers: a hub on a real store with data
//! in it, every route of the document called at least once over HTTP, and
//! every JSON answer (success and problem) validated against the schema
//! the document gives that route and status. A route the document lists
//! and this test does not call fails the test.

mod support;

use std::collections::BTreeSet;

use c5hub_assess::methodology::AnswerKind;
use c5hub_server::Config;
use c5hub_server::config::SpamConfig;
use serde_json::{Value, json};
use support::{Answer, Hub, call, locations, test_config};

const BANK_XML: &[u8] = include_bytes!("../../../samples/inputs/bank-phishing.xml");

/// Schemas that may stay bare objects: IODEF documents (RFC 8727 JSON or
/// the native JSON of c5hub-formats), whose schema is the format's own and
/// not a wire type. Nothing else may be a bare object.
const DOCUMENTS: &[&str] = &[
    "#/paths//api/v1/incidents/post/requestBody/content/application/iodef+json/schema",
    "#/paths//api/v1/incidents/post/requestBody/content/application/json/schema",
    "#/paths//api/v1/export/get/responses/200/content/application/iodef+json/schema",
    "#/paths//api/v1/incidents/post/requestBody/content/application/stix+json/schema",
    "#/paths//api/v1/export/get/responses/200/content/application/stix+json/schema",
    // MISP events: the MISP core format's documents.
    "#/paths//api/v1/export/get/responses/200/content/application/vnd.misp+json/schema",
    "#/paths//api/v1/incidents/post/requestBody/content/application/vnd.misp+json/schema",
];

/// The document and what the test called of it.
struct Checker<'h> {
    hub: &'h Hub,
    doc: Value,
    called: BTreeSet<(String, String)>,
    validated: usize,
}

impl Checker<'_> {
    /// Calls `method url` (documented as `route`) and holds the answer to
    /// the document: its status is documented, its media type too, and a
    /// JSON answer validates against the schema.
    fn call(
        &mut self,
        method: &str,
        route: &str,
        url: &str,
        token: Option<&str>,
        body: Option<(&str, &[u8])>,
    ) -> Answer {
        let m = method.to_lowercase();
        let op = &self.doc["paths"][route][&m];
        assert!(op.is_object(), "{method} {route} is not in the document");
        let a = call(
            method,
            &self.hub.url(url),
            token,
            body.map(|b| b.0),
            body.map(|b| b.1),
        );
        self.called.insert((m, route.to_owned()));
        let status = a.status.to_string();
        let mut resp = op["responses"][&status].clone();
        assert!(
            resp.is_object(),
            "{method} {url}: status {status} is not documented: {}",
            a.body
        );
        if let Some(r) = resp["$ref"].as_str() {
            let name = r.rsplit('/').next().expect("a name");
            resp = self.doc["components"]["responses"][name].clone();
        }
        let media = a.content_type.split(';').next().unwrap_or_default().trim();
        let Some(content) = resp["content"].as_object() else {
            assert!(
                a.body.is_empty(),
                "{method} {url}: {status} documents no body, got {}",
                a.body
            );
            return a;
        };
        let Some(entry) = content.get(media) else {
            panic!("{method} {url}: {status} answered {media}, documented: {content:?}");
        };
        if media.ends_with("json") && !media.starts_with("application/iodef") {
            let schema = &entry["schema"];
            assert!(
                schema.as_object().is_some_and(|o| !o.is_empty()),
                "{method} {route}: {status} has an empty schema"
            );
            self.validate(schema, &a.json(), &format!("{method} {url} {status}"));
        }
        a
    }

    fn validate(&mut self, schema: &Value, instance: &Value, what: &str) {
        // The route's schema with the document's components beside it, so
        // `#/components/schemas/...` resolves.
        let root = json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "components": self.doc["components"],
            "allOf": [schema],
        });
        let v = jsonschema::draft202012::new(&root).expect("the document's schema compiles");
        let errors: Vec<String> = v
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(
            errors.is_empty(),
            "{what}: the answer does not match its schema:\n{}\n{instance:#}",
            errors.join("\n")
        );
        self.validated += 1;
    }

    fn json(
        &mut self,
        method: &str,
        route: &str,
        url: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Answer {
        let b = body.to_string();
        self.call(
            method,
            route,
            url,
            token,
            Some(("application/json", b.as_bytes())),
        )
    }

    fn get(&mut self, route: &str, url: &str, token: Option<&str>) -> Answer {
        self.call("GET", route, url, token, None)
    }

    /// Like [`Checker::get`], and the 200 answer fills every field its
    /// schema has (but `optional`), with no empty array or map and no
    /// null: the data exercises the whole schema, not an empty shell.
    fn get_filled(
        &mut self,
        route: &str,
        url: &str,
        token: Option<&str>,
        optional: &[&str],
    ) -> Answer {
        let a = self.get(route, url, token);
        assert_eq!(a.status, 200, "{url}: {}", a.body);
        let schema = self.doc["paths"][route]["get"]["responses"]["200"]["content"]
            ["application/json"]["schema"]
            .clone();
        self.filled(&schema, &a.json(), url, optional);
        a
    }

    /// `schema` with its `$ref` resolved and, for a nullable one, the
    /// branch that is not null.
    fn resolve(&self, schema: &Value) -> Value {
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.rsplit('/').next().expect("a name");
            return self.resolve(&self.doc["components"]["schemas"][name]);
        }
        for k in ["oneOf", "anyOf", "allOf"] {
            if let Some(branches) = schema[k].as_array() {
                if let Some(b) = branches.iter().find(|b| b["type"] != "null") {
                    return self.resolve(b);
                }
            }
        }
        schema.clone()
    }

    fn filled(&self, schema: &Value, v: &Value, at: &str, optional: &[&str]) {
        let schema = self.resolve(schema);
        assert!(!v.is_null(), "{at} is null");
        if let Some(props) = schema["properties"].as_object() {
            for (name, sub) in props {
                if optional.contains(&name.as_str()) {
                    continue;
                }
                let field = &v[name];
                self.filled(sub, field, &format!("{at}/{name}"), optional);
            }
        } else if let Some(map) = schema["additionalProperties"].as_object() {
            let o = v.as_object().expect("a map");
            assert!(!o.is_empty(), "{at} is an empty map");
            for (k, x) in o {
                self.filled(
                    &Value::Object(map.clone()),
                    x,
                    &format!("{at}/{k}"),
                    optional,
                );
            }
        } else if let Some(items) = schema.get("items") {
            let a = v.as_array().expect("an array");
            assert!(!a.is_empty(), "{at} is an empty array");
            for (i, x) in a.iter().enumerate() {
                self.filled(items, x, &format!("{at}/{i}"), optional);
            }
        }
    }

    /// No schema anywhere in the document is a bare object: an object
    /// says its properties, or, when it is a map, the schema of its
    /// values (`additionalProperties`).
    fn no_bare_objects(&self) {
        fn walk(v: &Value, at: &str, bare: &mut Vec<String>) {
            match v {
                Value::Object(o) => {
                    let is_object = o.get("type").is_some_and(|t| {
                        t == "object"
                            || t.as_array()
                                .is_some_and(|a| a.iter().any(|x| x == "object"))
                    });
                    let described = o.get("properties").is_some_and(Value::is_object)
                        || o.get("additionalProperties")
                            .is_some_and(|a| a.as_object().is_some_and(|m| !m.is_empty()));
                    if is_object && !described && !DOCUMENTS.contains(&at) {
                        bare.push(at.to_owned());
                    }
                    for (k, x) in o {
                        walk(x, &format!("{at}/{k}"), bare);
                    }
                }
                Value::Array(a) => {
                    for (i, x) in a.iter().enumerate() {
                        walk(x, &format!("{at}/{i}"), bare);
                    }
                }
                _ => {}
            }
        }
        let mut bare = Vec::new();
        walk(&self.doc["paths"], "#/paths", &mut bare);
        walk(&self.doc["components"], "#/components", &mut bare);
        assert!(bare.is_empty(), "schemas without properties: {bare:?}");
    }

    /// Every documented route was called, and every JSON schema of every
    /// route is non-empty.
    fn all_called(&self) {
        let mut missing = Vec::new();
        for (path, ops) in self.doc["paths"].as_object().expect("paths") {
            for (m, op) in ops.as_object().expect("operations") {
                let key = (m.clone(), path.clone());
                for (_, c) in op["requestBody"]["content"]
                    .as_object()
                    .into_iter()
                    .flatten()
                {
                    assert!(
                        c["schema"].as_object().is_some_and(|o| !o.is_empty()),
                        "{m} {path}: empty request schema"
                    );
                }
                if !self.called.contains(&key) {
                    missing.push(format!("{m} {path}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "documented routes this test never called: {missing:?}"
        );
    }
}

#[test]
fn every_route_answers_what_the_document_says() {
    for loc in locations("openapi") {
        // Subscribers of the operator, so the impact metrics have their
        // per-thousand figure.
        let hub = Hub::start_with(
            loc,
            Config {
                spam: SpamConfig {
                    subscribers: [("telco-a".to_owned(), 2000)].into_iter().collect(),
                    ..SpamConfig::default()
                },
                ..test_config()
            },
        );
        let doc = call("GET", &hub.url("/api/openapi.json"), None, None, None);
        assert_eq!(doc.status, 200);
        let doc = doc.json();
        assert_eq!(doc["openapi"], "3.1.0");
        let mut c = Checker {
            hub: &hub,
            doc,
            called: BTreeSet::new(),
            validated: 0,
        };
        c.no_bare_objects();
        let admin = hub.admin.clone();
        let admin = Some(admin.as_str());

        // Administration.
        let r = c.get("/api/v1/me", "/api/v1/me", None);
        assert_eq!(r.status, 401);
        c.get("/api/v1/me", "/api/v1/me", admin);
        for (name, kind) in [("bank-csirt", "sector-cirt"), ("telco-a", "operator")] {
            let r = c.json(
                "POST",
                "/api/v1/orgs",
                "/api/v1/orgs",
                admin,
                &json!({"name": name, "type": kind}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
        }
        let r = c.json(
            "POST",
            "/api/v1/orgs",
            "/api/v1/orgs",
            admin,
            &json!({"name": "x", "type": "no-such-kind"}),
        );
        assert_eq!(r.status, 400);
        c.get("/api/v1/orgs", "/api/v1/orgs", admin);
        let r = c.json(
            "POST",
            "/api/v1/users",
            "/api/v1/users",
            admin,
            &json!({"email": "ana@bank.test", "org": "bank-csirt", "role": "analyst", "password": "a long enough password"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        c.get("/api/v1/users", "/api/v1/users", admin);
        let r = c.json(
            "PATCH",
            "/api/v1/users/{email}",
            "/api/v1/users/ana@bank.test",
            admin,
            &json!({"role": "analyst"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let mut tokens = Vec::new();
        for (org, role, user) in [
            ("bank-csirt", "analyst", Some("ana@bank.test")),
            ("telco-a", "reporter", None),
        ] {
            let r = c.json(
                "POST",
                "/api/v1/tokens",
                "/api/v1/tokens",
                admin,
                &json!({"org": org, "role": role, "user": user, "label": "openapi", "expires_at": "2999-01-01T00:00:00Z"}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
            tokens.push(r.json()["token"].as_str().expect("secret").to_owned());
        }
        let (bank, telco) = (Some(tokens[0].as_str()), Some(tokens[1].as_str()));
        let r = c.json(
            "POST",
            "/api/v1/tokens",
            "/api/v1/tokens",
            admin,
            &json!({"org": "telco-a", "role": "viewer"}),
        );
        let spare = r.json()["id"].as_i64().expect("id");
        c.get("/api/v1/tokens", "/api/v1/tokens", admin);
        let r = c.call(
            "DELETE",
            "/api/v1/tokens/{id}",
            &format!("/api/v1/tokens/{spare}"),
            admin,
            None,
        );
        assert_eq!(r.status, 204);
        let r = c.get("/api/v1/tokens", "/api/v1/tokens", telco);
        assert_eq!(r.status, 403);

        // Feeds: the hub operator's admins only; the secret in no answer.
        let r = c.json(
            "POST",
            "/api/v1/feeds",
            "/api/v1/feeds",
            admin,
            &json!({"kind": "taxii", "url": "http://127.0.0.1:9/taxii2/api1/", "collection": "all", "user": "puller", "password": "feed-secret-openapi", "every": "1h", "as_org": "bank-csirt", "tlp": "green"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(!r.body.contains("feed-secret-openapi"), "{}", r.body);
        let feed = r.json()["id"].as_i64().expect("id");
        let r = c.json(
            "POST",
            "/api/v1/feeds",
            "/api/v1/feeds",
            admin,
            &json!({"kind": "misp", "url": "http://127.0.0.1:9/misp/", "as_org": "nobody"}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("not an organisation"), "{}", r.body);
        let r = c.get("/api/v1/feeds", "/api/v1/feeds", admin);
        assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{}", r.body);
        assert!(!r.body.contains("feed-secret-openapi"), "{}", r.body);
        let r = c.get("/api/v1/feeds", "/api/v1/feeds", bank);
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.call(
            "DELETE",
            "/api/v1/feeds/{id}",
            &format!("/api/v1/feeds/{feed}"),
            admin,
            None,
        );
        assert_eq!(r.status, 204, "{}", r.body);

        // Peers: the hub operator's admins only; token and key in no answer.
        let r = c.json(
            "POST",
            "/api/v1/peers",
            "/api/v1/peers",
            admin,
            &json!({"name": "regional", "url": "http://127.0.0.1:9/taxii2/api1/", "token": "peer-secret-openapi", "policy": "[out]\ntlp = [\"green\"]\n", "pseudonym_key": "0123456789abcdef0123456789abcdef", "org": "bank-csirt"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        assert!(!r.body.contains("peer-secret-openapi"), "{}", r.body);
        assert!(!r.body.contains("0123456789abcdef"), "{}", r.body);
        let r = c.json(
            "POST",
            "/api/v1/peers",
            "/api/v1/peers",
            admin,
            &json!({"name": "leaky", "url": "http://127.0.0.1:9/taxii2/api1/", "token": "t", "policy": "[out]\ntlp = [\"red\"]\n"}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("out.tlp[0]"), "{}", r.body);
        let r = c.get("/api/v1/peers", "/api/v1/peers", admin);
        assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{}", r.body);
        let r = c.get("/api/v1/peers", "/api/v1/peers", bank);
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.get("/api/v1/peers/{name}", "/api/v1/peers/regional", admin);
        assert_eq!(r.json()["paused"], false, "{}", r.body);
        let r = c.call(
            "POST",
            "/api/v1/peers/{name}/pause",
            "/api/v1/peers/regional/pause",
            admin,
            None,
        );
        assert_eq!(r.json()["paused"], true, "{}", r.body);
        let r = c.call(
            "POST",
            "/api/v1/peers/{name}/resume",
            "/api/v1/peers/regional/resume",
            bank,
            None,
        );
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.call(
            "POST",
            "/api/v1/peers/{name}/resume",
            "/api/v1/peers/regional/resume",
            admin,
            None,
        );
        assert_eq!(r.json()["paused"], false, "{}", r.body);
        let r = c.call(
            "DELETE",
            "/api/v1/peers/{name}",
            "/api/v1/peers/regional",
            admin,
            None,
        );
        assert_eq!(r.status, 204, "{}", r.body);

        // Incidents in each kind of body.
        let r = c.call(
            "POST",
            "/api/v1/incidents",
            "/api/v1/incidents",
            bank,
            Some(("application/xml", BANK_XML)),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let first = r.json()["results"][0]["id"].as_i64().expect("id");
        let r = c.call(
            "POST",
            "/api/v1/incidents",
            "/api/v1/incidents",
            bank,
            Some(("application/xml", BANK_XML)),
        );
        assert_eq!(r.json()["results"][0]["outcome"], "duplicate");
        let r = c.call(
            "POST",
            "/api/v1/incidents",
            "/api/v1/incidents",
            bank,
            Some(("application/xml", b"<not iodef")),
        );
        assert!(r.status >= 400, "{}", r.body);
        let one = format!("/api/v1/incidents/{first}");
        let shared = c.get("/api/v1/incidents/{id}", &one, bank).json()["observables"][0]["value"]
            .as_str()
            .expect("a value")
            .to_owned();
        let r = c.json(
            "POST",
            "/api/v1/incidents",
            "/api/v1/incidents",
            telco,
            &json!({"id": "telco-a.test:SMS-1", "tlp": "amber", "title": "smishing wave", "shared_with": ["bank-csirt"],
                "classification": "fraud/phishing", "observables": [shared]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let second = r.json()["results"][0]["id"].as_i64().expect("id");
        // The reporter sees its sharing list.
        let r = c.get(
            "/api/v1/incidents/{id}",
            &format!("/api/v1/incidents/{second}"),
            telco,
        );
        assert_eq!(r.json()["shared_with"], json!(["bank-csirt"]));
        let r = c.get("/api/v1/incidents/{id}", "/api/v1/incidents/999999", bank);
        assert_eq!(r.status, 404);

        // Reads.
        let r = c.get("/api/v1/incidents", "/api/v1/incidents?limit=1", bank);
        assert!(r.json()["next_cursor"].is_string());
        c.get("/api/v1/incidents", "/api/v1/incidents", bank);
        let r = c.get("/api/v1/incidents", "/api/v1/incidents?limit=0&tlp=x", bank);
        assert_eq!(r.status, 400);
        let r = c.get(
            "/api/v1/lookup",
            &format!("/api/v1/lookup?value={}", urlencode(&shared)),
            bank,
        );
        assert!(r.json()["total"].as_u64() >= Some(2), "{}", r.body);
        let r = c.get("/api/v1/lookup", "/api/v1/lookup", bank);
        assert_eq!(r.status, 400);
        let r = c.get("/api/v1/search", "/api/v1/search?q=smishing+wave", bank);
        assert_eq!(r.json()["total"], json!(1), "{}", r.body);
        assert_eq!(r.json()["items"][0]["title"], json!("smishing wave"));
        let r = c.get(
            "/api/v1/search",
            &format!("/api/v1/search?q={}", urlencode(&shared)),
            bank,
        );
        assert_eq!(r.json()["lookup"]["value"], json!(shared), "{}", r.body);
        let r = c.get("/api/v1/search", "/api/v1/search?q=+", bank);
        assert_eq!(r.status, 400);
        let r = c.get(
            "/api/v1/incidents/{id}/related",
            &format!("{one}/related"),
            bank,
        );
        assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{}", r.body);
        for f in ["iodef-xml", "iodef-json", "csv", "stix21"] {
            let r = c.get(
                "/api/v1/export",
                &format!("/api/v1/export?format={f}"),
                bank,
            );
            assert_eq!(r.status, 200);
        }
        let r = c.get("/api/v1/export", "/api/v1/export?format=pdf", bank);
        assert_eq!(r.status, 400);
        c.get("/api/v1/stats", "/api/v1/stats", bank);

        // Workflow.
        let r = c.json(
            "PATCH",
            "/api/v1/incidents/{id}",
            &one,
            bank,
            &json!({"status": "triaged", "note": "looking", "assignee": "ana@bank.test"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.json(
            "PATCH",
            "/api/v1/incidents/{id}",
            &one,
            bank,
            &json!({"assignee": null}),
        );
        assert_eq!(r.json()["assignee"], Value::Null);
        let r = c.json(
            "PATCH",
            "/api/v1/incidents/{id}",
            &one,
            telco,
            &json!({"status": "closed"}),
        );
        assert_eq!(r.status, 403);
        // One change for many incidents: each checked alone.
        let r = c.json(
            "POST",
            "/api/v1/incidents/bulk",
            "/api/v1/incidents/bulk",
            bank,
            &json!({"ids": [first, 999_999], "note": "bulk"}),
        );
        assert_eq!(r.status, 400, "nothing to change: {}", r.body);
        let r = c.json(
            "POST",
            "/api/v1/incidents/bulk",
            "/api/v1/incidents/bulk",
            bank,
            &json!({"ids": [first, 999_999], "status": "triaged"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["done"], json!([first]), "{}", r.body);
        assert_eq!(r.json()["refused"][0]["id"], json!(999_999), "{}", r.body);
        assert_eq!(r.json()["refused"][0]["status"], json!(404), "{}", r.body);
        let r = c.get(
            "/api/v1/incidents/{id}/history",
            &format!("{one}/history"),
            bank,
        );
        assert_eq!(r.json().as_array().map(Vec::len), Some(4), "{}", r.body);
        let r = c.json(
            "POST",
            "/api/v1/incidents/{id}/comments",
            &format!("{one}/comments"),
            telco,
            &json!({"body": "seen here too"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        c.get(
            "/api/v1/incidents/{id}/comments",
            &format!("{one}/comments"),
            bank,
        );
        let r = c.json(
            "PUT",
            "/api/v1/incidents/{id}/handlers",
            &format!("{one}/handlers"),
            bank,
            &json!({"handlers": ["telco-a"]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.get(
            "/api/v1/incidents/{id}/handlers",
            &format!("{one}/handlers"),
            bank,
        );
        assert_eq!(r.json()["handlers"], json!(["telco-a"]));

        // The change feed and the audit log.
        let r = c.get("/api/v1/changes", "/api/v1/changes?limit=2", bank);
        assert_eq!(r.json()["changes"].as_array().map(Vec::len), Some(2));
        let r = c.get("/api/v1/changes", "/api/v1/changes?since=-1", bank);
        assert_eq!(r.status, 400);
        let r = c.get("/api/v1/audit", "/api/v1/audit?limit=2", admin);
        assert!(r.json()["next_cursor"].is_string());
        // Each submission's audit line, written by the operations layer.
        let r = c.get("/api/v1/audit", "/api/v1/audit?limit=1000", admin);
        let items = r.json()["items"].as_array().expect("items").clone();
        let submitted: Vec<&Value> = items
            .iter()
            .filter(|a| a["action"] == "incident.submit")
            .collect();
        assert_eq!(submitted.len(), 3, "{}", r.body);
        assert!(
            submitted.iter().any(|a| a["org"] == "telco-a"
                && a["detail"]
                    .as_str()
                    .is_some_and(|d| d.starts_with("telco-a.test:SMS-1="))),
            "{}",
            r.body
        );
        let r = c.get("/api/v1/audit", "/api/v1/audit?format=csv", admin);
        assert!(r.content_type.starts_with("text/csv"));

        // Notifications: the caller's list, marks and choices.
        let r = c.get(
            "/api/v1/notifications",
            "/api/v1/notifications?limit=5",
            bank,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.get(
            "/api/v1/notifications",
            "/api/v1/notifications?limit=0",
            bank,
        );
        assert_eq!(r.status, 400);
        let r = c.call(
            "POST",
            "/api/v1/notifications/{id}/read",
            "/api/v1/notifications/999999/read",
            bank,
            None,
        );
        assert_eq!(r.status, 404, "{}", r.body);
        let r = c.call(
            "POST",
            "/api/v1/notifications/read",
            "/api/v1/notifications/read",
            bank,
            None,
        );
        assert_eq!(r.status, 204, "{}", r.body);
        let r = c.json(
            "PUT",
            "/api/v1/notifications/preferences",
            "/api/v1/notifications/preferences",
            bank,
            &json!({"preferences": [{"event": "status", "in_app": false, "email": true}]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.get_filled(
            "/api/v1/notifications/preferences",
            "/api/v1/notifications/preferences",
            bank,
            &[],
        );
        assert_eq!(r.json()["preferences"][3]["email"], true);
        let r = c.json(
            "POST",
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            admin,
            &json!({"org": "bank-csirt", "url": "http://127.0.0.1:9/hook", "events": ["shared", "status"]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let hook = r.json()["webhook"]["id"].as_i64().expect("id");
        let r = c.json(
            "POST",
            "/api/v1/webhooks",
            "/api/v1/webhooks",
            admin,
            &json!({"org": "bank-csirt", "url": "ftp://nowhere", "events": ["shared"]}),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        let r = c.get("/api/v1/webhooks", "/api/v1/webhooks", admin);
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.get(
            "/api/v1/webhooks/{id}/deliveries",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            admin,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.get(
            "/api/v1/webhooks/{id}/deliveries",
            &format!("/api/v1/webhooks/{hook}/deliveries"),
            bank,
        );
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.call(
            "DELETE",
            "/api/v1/webhooks/{id}",
            &format!("/api/v1/webhooks/{hook}"),
            admin,
            None,
        );
        assert_eq!(r.status, 204, "{}", r.body);

        // Countering spam: telco-a is an operator (its reporter submits),
        // the hub's admin reads and confirms every report, bank-csirt is
        // any other member.
        let reports = "/api/v1/spam/reports";
        let r = c.json(
            "POST",
            reports,
            reports,
            telco,
            &json!({"reports": [
                {"text": "WIN a prize now! Claim at http://prize-claim.test/win or call +447911123456", "sender": "+447911123456", "recipient": "+447700900001"},
                {"text": "see you at dinner tonight", "verdict": "ham", "reported_at": "2026-01-02T03:04:05Z"},
            ]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let spam_key = r.json()["results"][0]["key"].as_i64().expect("key");
        let r = c.json(
            "POST",
            reports,
            reports,
            telco,
            &json!({"text": "one report alone"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let r = c.json("POST", reports, reports, telco, &json!([{"txt": "x"}]));
        assert_eq!(r.status, 400, "{}", r.body);
        let r = c.json("POST", reports, reports, bank, &json!({"text": "x"}));
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.get(reports, "/api/v1/spam/reports?limit=1", telco);
        assert!(r.json()["next_cursor"].is_string(), "{}", r.body);
        c.get(reports, reports, admin);
        let r = c.get(reports, reports, bank);
        assert_eq!(r.status, 403);
        let queue = "/api/v1/spam/queue";
        let r = c.get(queue, queue, telco);
        assert!(r.json()["items"].is_array(), "{}", r.body);
        let r = c.get(queue, queue, bank);
        assert_eq!(r.status, 403);
        let one_report = format!("/api/v1/spam/reports/{spam_key}");
        let r = c.get("/api/v1/spam/reports/{id}", &one_report, telco);
        assert_eq!(r.json()["key"], spam_key, "{}", r.body);
        let r = c.get(
            "/api/v1/spam/reports/{id}",
            "/api/v1/spam/reports/999999",
            telco,
        );
        assert_eq!(r.status, 404);
        let verdict = "/api/v1/spam/reports/{id}/verdict";
        let r = c.json(
            "POST",
            verdict,
            &format!("{one_report}/verdict"),
            admin,
            &json!({"verdict": "spam"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let r = c.json(
            "POST",
            verdict,
            &format!("{one_report}/verdict"),
            telco,
            &json!({"verdict": "ham"}),
        );
        assert_eq!(r.status, 403, "{}", r.body);
        let r = c.json(
            "POST",
            "/api/v1/spam/intake",
            "/api/v1/spam/intake",
            telco,
            &json!({"text": "Your parcel is held: pay the fee at http://parcel-fee.test/pay", "recipient": "+447700900002"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let intake = r.json()["intake"].as_i64().expect("intake");
        let r = c.json(
            "POST",
            "/api/v1/spam/intake/{id}",
            &format!("/api/v1/spam/intake/{intake}"),
            telco,
            &json!({"sender": "+447911000111"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let r = c.json(
            "POST",
            "/api/v1/spam/intake",
            "/api/v1/spam/intake",
            telco,
            &json!({"text": " "}),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        let classify = "/api/v1/spam/classify";
        let r = c.json(
            "POST",
            classify,
            classify,
            bank,
            &json!({"text": "WIN a prize at http://prize-claim.test"}),
        );
        assert!(r.json()["label"].is_string(), "{}", r.body);
        let r = c.json(
            "POST",
            classify,
            classify,
            bank,
            &json!({"messages": [{"text": "a"}, {"text": "b", "sender": "BANK"}]}),
        );
        assert_eq!(
            r.json()["results"].as_array().map(Vec::len),
            Some(2),
            "{}",
            r.body
        );
        // Confirmed spam fills campaigns, the feed (the hub confirmed it)
        // and the impact metrics; each answer fills its whole schema.
        let r = c.get_filled(
            "/api/v1/spam/campaigns",
            "/api/v1/spam/campaigns",
            bank,
            &[],
        );
        assert_eq!(r.json()["window_days"], 90, "{}", r.body);
        let r = c.get_filled(
            "/api/v1/spam/reputation",
            "/api/v1/spam/reputation",
            bank,
            &[],
        );
        assert!(
            r.json()["entries"]
                .as_array()
                .expect("entries")
                .iter()
                .any(|e| e["kind"] == "phone" && e["pseudonymised"] == true),
            "{}",
            r.body
        );
        let r = c.get(
            "/api/v1/spam/reputation",
            "/api/v1/spam/reputation?format=csv",
            bank,
        );
        assert!(r.content_type.starts_with("text/csv"));
        let r = c.get_filled("/api/v1/spam/impact", "/api/v1/spam/impact", telco, &[]);
        assert_eq!(r.json()["operators"][0]["subscribers"], 2000, "{}", r.body);
        let r = c.get("/api/v1/spam/impact", "/api/v1/spam/impact", bank);
        assert_eq!(r.status, 403);
        c.get("/api/v1/spam/rules", "/api/v1/spam/rules", bank);

        // The national assessment: an edition opened on the store itself.
        let m = c5hub_assess::Methodology::builtin(c5hub_assess::methodology::builtin_names()[0])
            .expect("a built-in methodology");
        let edition = hub
            .store()
            .assessment()
            .add_edition(
                &c5hub_store::NewEdition {
                    methodology: &m.id,
                    methodology_version: &m.version,
                    year: 2026,
                    title: "openapi",
                },
                c5hub_store::Actor {
                    name: "test",
                    org: "national-cirt",
                },
            )
            .expect("edition")
            .id;
        // One country answers every question but the last (a flag) and is
        // validated, so the results have evidence counts and flags.
        {
            let mut st = hub.store();
            let mut a = st.assessment();
            let by = c5hub_store::Actor {
                name: "test",
                org: "national-cirt",
            };
            let resp = a
                .add_response(edition, "XAA", "bank-csirt", by)
                .expect("response")
                .id;
            let values: Vec<(String, String)> = m
                .questions()
                .map(|(_, q)| {
                    let kind = &m.answer_type(&q.answer_type).expect("its type").kind;
                    let v = match kind {
                        AnswerKind::Choice { options } | AnswerKind::Multiple { options } => {
                            options[0].0.clone()
                        }
                        AnswerKind::Count(_) => "1".to_owned(),
                        AnswerKind::Percentage { .. } => "50".to_owned(),
                    };
                    (q.id.clone(), v)
                })
                .collect();
            let answers: Vec<c5hub_store::AnswerInput> = values[..values.len() - 1]
                .iter()
                .map(|(q, v)| c5hub_store::AnswerInput {
                    question: q,
                    value: v,
                    evidence_url: Some("https://evidence.test/doc"),
                    evidence_doc: None,
                    provenance: Some("self-reported"),
                    note: None,
                })
                .collect();
            a.save_answers(resp, &answers, &[], by).expect("answers");
            a.submit_response(resp, by).expect("submitted");
            a.decide_response(
                resp,
                c5hub_store::Decision::Validate {
                    on: chrono::NaiveDate::from_ymd_opt(2026, 1, 2).expect("a date"),
                },
                by,
            )
            .expect("validated");
        }
        let r = c.get("/api/v1/assess/editions", "/api/v1/assess/editions", bank);
        assert_eq!(r.json()["editions"][0]["id"], edition, "{}", r.body);
        let results = "/api/v1/assess/editions/{id}/results";
        let r = c.get_filled(
            results,
            &format!("/api/v1/assess/editions/{edition}/results?ranks=true"),
            bank,
            // Only a score re-scored from another methodology says which.
            &["rescored_from"],
        );
        assert_eq!(r.json()[0]["iso3"], "XAA", "{}", r.body);
        assert_eq!(r.json()[0]["rank"], 1, "{}", r.body);
        let r = c.get(
            results,
            &format!("/api/v1/assess/editions/{edition}/results"),
            bank,
        );
        assert!(r.json()[0].get("rank").is_none(), "{}", r.body);
        let r = c.get(results, "/api/v1/assess/editions/999999/results", bank);
        assert_eq!(r.status, 404);

        c.all_called();
        assert!(c.validated > 30, "{} answers validated", c.validated);
        hub.stop();
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
