//! Countering spam over the REST API, end to end on loopback against
//! SQLite and PostgreSQL: reports one by one and in batches, the two-step
//! intake, who may do what, the pull feed's caching and privacy, campaigns
//! across operators, the impact metrics, confirmed verdicts.

mod support;

use c5hub_server::Config;
use c5hub_server::config::SpamConfig;
use c5hub_spam::report::PseudonymKey;
use serde_json::{Value, json};
use support::{Hub, call, call_with, get, locations, post_json, test_config};

const KEY: &[u8] = b"spam test key, not a secret, 32b";
const SENDER: &str = "+447911123456";
const RECIPIENT: &str = "+447700900001";
const PARCEL: &str = "Your parcel is held at the depot. Pay the 1.99 GBP fee at https://parcel-fee.test/pay within 24h";
const RULES: &str =
    "[[rule]]\nid = \"parcel-fee\"\naction = \"block\"\nkeywords = [\"parcel is held\"]\n";

fn files(tag: &str) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("c5hub-spam-api-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = dir.join("spam.key");
    let rules = dir.join("rules.toml");
    std::fs::write(&key, KEY).expect("key");
    std::fs::write(&rules, RULES).expect("rules");
    (key, rules)
}

fn start(loc: c5hub_store::Location, tag: &str, max_body_bytes: usize) -> Hub {
    let (key, rules) = files(tag);
    Hub::start_with(
        loc,
        Config {
            max_body_bytes,
            spam: SpamConfig {
                key_file: Some(key),
                rules_file: Some(rules),
                subscribers: [("telco-a".to_owned(), 2000)].into_iter().collect(),
                ..SpamConfig::default()
            },
            ..test_config()
        },
    )
}

struct Tokens {
    a: String,
    a_analyst: String,
    b: String,
    b_analyst: String,
    regulator: String,
    bank: String,
}

fn setup(hub: &Hub) -> Tokens {
    let admin = Some(hub.admin.as_str());
    for (name, kind) in [
        ("telco-a", "operator"),
        ("telco-b", "operator"),
        ("regulator", "regulator"),
        ("bank-csirt", "sector-cirt"),
    ] {
        let r = post_json(
            &hub.url("/api/v1/orgs"),
            admin,
            &json!({"name": name, "type": kind}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let mut t = Vec::new();
    for (org, role) in [
        ("telco-a", "reporter"),
        ("telco-a", "analyst"),
        ("telco-b", "reporter"),
        ("telco-b", "analyst"),
        ("regulator", "viewer"),
        ("bank-csirt", "analyst"),
    ] {
        let r = post_json(
            &hub.url("/api/v1/tokens"),
            admin,
            &json!({"org": org, "role": role}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        t.push(r.json()["token"].as_str().expect("secret").to_owned());
    }
    Tokens {
        a: t[0].clone(),
        a_analyst: t[1].clone(),
        b: t[2].clone(),
        b_analyst: t[3].clone(),
        regulator: t[4].clone(),
        bank: t[5].clone(),
    }
}

fn errors_at(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["at"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn recent(minutes_ago: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)).to_rfc3339()
}

#[test]
fn reports_intake_feed_campaigns_impact_and_permissions() {
    for loc in locations("spam_api") {
        let hub = start(loc, "main", 8 * 1024 * 1024);
        let t = setup(&hub);
        let reports = hub.url("/api/v1/spam/reports");
        let reported_at = recent(30);

        // One report from telco-a: the rule decides, with reasons; the
        // report is stored and became a smishing incident.
        let one = json!({"channel": "sms", "text": PARCEL, "sender": SENDER, "recipient": RECIPIENT, "received_at": recent(31), "reported_at": reported_at});
        let r = post_json(&reports, Some(&t.a), &one);
        assert_eq!(r.status, 201, "{}", r.body);
        let v = r.json();
        let first = &v["results"][0];
        assert_eq!(first["outcome"], "new");
        assert_eq!(first["report"]["label"], "spam");
        assert_eq!(first["report"]["decided_by"], "rule");
        assert_eq!(first["report"]["rule"], "parcel-fee");
        assert_eq!(first["report"]["smishing"], true);
        assert!(
            !first["report"]["reasons"]
                .as_array()
                .expect("reasons")
                .is_empty()
        );
        let key_a = first["key"].as_i64().expect("key");
        assert_eq!(
            r.header("location"),
            Some(format!("/api/v1/spam/reports/{key_a}").as_str())
        );
        let incident = first["incident"]["id"].as_i64().expect("an incident");
        let inc = get(
            &hub.url(&format!("/api/v1/incidents/{incident}")),
            Some(&t.a),
        );
        assert_eq!(inc.status, 200, "{}", inc.body);
        assert_eq!(
            inc.json()["classification"],
            "fraud/phishing",
            "{}",
            inc.body
        );
        // The incident's URL correlates like any other observable.
        let lookup = get(
            &hub.url("/api/v1/lookup?value=https://parcel-fee.test/pay"),
            Some(&t.a),
        );
        assert!(
            lookup.body.contains(&incident.to_string()),
            "{}",
            lookup.body
        );
        // The same report again is acknowledged with the same key.
        let again = post_json(&reports, Some(&t.a), &one).json();
        assert_eq!(again["results"][0]["outcome"], "duplicate");
        assert_eq!(again["results"][0]["key"], key_a);
        assert!(again["results"][0]["incident"].is_null());

        // A batch with bad reports: every problem named, nothing stored.
        let batch = json!({"reports": [
            {"text": "WINNER! Claim your prize now, call 09061701461", "sender": "88066"},
            {"text": "x", "received_at": "yesterday"},
            {"text": "y", "colour": "red"},
            {"text": "z", "operator": "telco-b"},
            {"text": "w", "channel": "fax"},
        ]});
        let r = post_json(&reports, Some(&t.a), &batch);
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.content_type.starts_with("application/problem+json"));
        assert_eq!(
            errors_at(&r.json()),
            [
                "/reports/1/received_at",
                "/reports/2",
                "/reports/3/operator",
                "/reports/4/channel"
            ]
        );
        let own = get(&reports, Some(&t.a)).json();
        assert_eq!(own["items"].as_array().expect("items").len(), 1, "{own}");
        // The good part alone, as an array, is stored.
        let r = post_json(&reports, Some(&t.a), &json!([batch["reports"][0]]));
        assert_eq!(r.status, 201, "{}", r.body);

        // Who submits: operators (reporter role and up) only.
        for (who, status) in [(&t.bank, 403), (&t.regulator, 403)] {
            let r = post_json(&reports, Some(who), &one);
            assert_eq!(r.status, status, "{}", r.body);
        }
        assert_eq!(post_json(&reports, None, &one).status, 401);
        let r = call(
            "POST",
            &reports,
            Some(&t.a),
            Some("text/plain"),
            Some(b"hello"),
        );
        assert_eq!(r.status, 415, "{}", r.body);

        // Two-step intake at telco-b: the forwarded message, then the sender.
        let r = post_json(
            &hub.url("/api/v1/spam/intake"),
            Some(&t.b),
            &json!({"text": PARCEL.replace("1.99", "2.49"), "recipient": "+447700900002"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let intake = r.json()["intake"].as_i64().expect("intake id");
        assert_eq!(r.json()["status"], "awaiting-sender");
        let step2 = hub.url(&format!("/api/v1/spam/intake/{intake}"));
        let r = post_json(&step2, Some(&t.a), &json!({"sender": SENDER}));
        assert_eq!(r.status, 404, "another operator's intake: {}", r.body);
        let r = post_json(&step2, Some(&t.b), &json!({"sendr": SENDER}));
        assert_eq!(r.status, 400, "{}", r.body);
        let r = post_json(&step2, Some(&t.b), &json!({"sender": SENDER}));
        assert_eq!(r.status, 201, "{}", r.body);
        let ack = r.json();
        assert_eq!(ack["status"], "acknowledged");
        let key_b = ack["result"]["key"].as_i64().expect("report key");
        assert!(
            ack["acknowledgement"]
                .as_str()
                .expect("text")
                .contains(&key_b.to_string())
        );
        assert_eq!(ack["result"]["report"]["label"], "spam");
        let r = post_json(&step2, Some(&t.b), &json!({"sender": SENDER}));
        assert_eq!(r.status, 409, "completed once: {}", r.body);

        // Reading reports: each operator its own; the hub all, other
        // operators' senders pseudonymised; never a recipient.
        let key = PseudonymKey::new(KEY).expect("key");
        let a_list = get(&reports, Some(&t.a)).json();
        assert!(
            a_list["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|i| i["operator"] == "telco-a")
        );
        assert_eq!(a_list["items"][1]["sender"], SENDER, "own sender in clear");
        let all = get(&reports, Some(&hub.admin));
        assert_eq!(all.json()["items"].as_array().expect("items").len(), 3);
        assert!(!all.body.contains("447911123456"), "{}", all.body);
        assert!(all.body.contains(&key.pseudonym(SENDER)));
        let b_only = get(
            &hub.url("/api/v1/spam/reports?operator=telco-b"),
            Some(&hub.admin),
        )
        .json();
        assert_eq!(b_only["items"].as_array().expect("items").len(), 1);
        assert_eq!(get(&reports, Some(&t.regulator)).status, 403);
        assert_eq!(get(&reports, Some(&t.bank)).status, 403);
        let r = get(
            &hub.url("/api/v1/spam/reports?operator=telco-b"),
            Some(&t.a),
        );
        assert_eq!(r.status, 403, "{}", r.body);
        let r = get(&hub.url("/api/v1/spam/reports?limit=0"), Some(&t.a));
        assert_eq!(errors_at(&r.json()), ["query parameter limit"]);
        let mine = get(
            &hub.url(&format!("/api/v1/spam/reports/{key_a}")),
            Some(&t.a),
        );
        assert_eq!(mine.status, 200, "{}", mine.body);
        assert!(
            mine.json()["campaign"]
                .as_str()
                .is_some_and(|c| c.starts_with("mh64b16:"))
        );
        assert_eq!(
            get(
                &hub.url(&format!("/api/v1/spam/reports/{key_a}")),
                Some(&t.b)
            )
            .status,
            404,
            "another operator's report is not found"
        );
        for body in [&a_list.to_string(), &all.body, &mine.body] {
            assert!(!body.contains("447700900001") && !body.contains("447700900002"));
            assert!(
                !body.contains(&key.pseudonym(RECIPIENT)),
                "no recipient hash either"
            );
        }

        // Campaigns: the two parcel messages are one campaign across both
        // operators; every member reads them.
        let c = get(&hub.url("/api/v1/spam/campaigns"), Some(&t.bank));
        assert_eq!(c.status, 200, "{}", c.body);
        let top = &c.json()["campaigns"][0];
        assert_eq!(top["volume"], 2, "{}", c.body);
        assert_eq!(top["operators"], json!(["telco-a", "telco-b"]));
        assert!(!c.body.contains("447911123456"));

        // The pull feed: the sender reached the listing confidence with two
        // smishing reports; its number appears only as a pseudonym.
        let feed_url = hub.url("/api/v1/spam/reputation");
        let f = get(&feed_url, Some(&t.bank));
        assert_eq!(f.status, 200, "{}", f.body);
        let entries = f.json()["entries"].as_array().expect("entries").clone();
        assert!(
            entries
                .iter()
                .any(|e| e["kind"] == "phone" && e["value"] == key.pseudonym(SENDER)),
            "{}",
            f.body
        );
        assert!(entries.iter().any(|e| e["kind"] == "url"));
        let csv = get(
            &hub.url("/api/v1/spam/reputation?format=csv"),
            Some(&t.regulator),
        );
        assert!(csv.content_type.starts_with("text/csv"));
        assert!(csv.body.starts_with("kind,value,"));
        for body in [&f.body, &csv.body] {
            assert!(
                !body.contains("447911123456") && !body.contains("7911 123456"),
                "{body}"
            );
        }
        // Caching: the same feed again is 304 with If-None-Match, or with
        // If-Modified-Since; a different format has another tag. No cache
        // keeps an authenticated answer (the client keeps the tag).
        let etag = f.header("etag").expect("ETag").to_owned();
        let modified = f.header("last-modified").expect("Last-Modified").to_owned();
        assert!(
            f.header("cache-control") == Some("no-store"),
            "{:?}",
            f.header("cache-control")
        );
        let r = call_with(
            "GET",
            &feed_url,
            Some(&t.bank),
            &[("If-None-Match", &etag)],
            None,
            None,
        );
        assert_eq!(r.status, 304);
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(etag.as_str()));
        let r = call_with(
            "GET",
            &feed_url,
            Some(&t.bank),
            &[("If-Modified-Since", &modified)],
            None,
            None,
        );
        assert_eq!(r.status, 304);
        assert_ne!(csv.header("etag"), Some(etag.as_str()));
        let r = call_with(
            "GET",
            &feed_url,
            Some(&t.bank),
            &[("If-None-Match", "\"stale\"")],
            None,
            None,
        );
        assert_eq!(r.status, 200);
        let r = get(
            &hub.url("/api/v1/spam/reputation?since=tomorrow"),
            Some(&t.bank),
        );
        assert_eq!(errors_at(&r.json()), ["query parameter since"]);
        let r = get(
            &hub.url("/api/v1/spam/reputation?since=2999-01-01T00:00:00Z"),
            Some(&t.bank),
        );
        assert_eq!(r.json()["entries"], json!([]));
        assert_eq!(get(&feed_url, None).status, 401);
        // A new listing changes the feed: the old tag no longer matches.
        // (Two operators report the new sender: one alone lists nothing.)
        for (n, who) in [(0, &t.b), (1, &t.a)] {
            let r = post_json(
                &reports,
                Some(who),
                &json!({"text": format!("Your parcel is held: pay {n}.50 GBP at https://parcel-fee-{n}.test/pay"), "sender": "+447911999999"}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
        }
        let r = call_with(
            "GET",
            &feed_url,
            Some(&t.bank),
            &[("If-None-Match", &etag)],
            None,
            None,
        );
        assert_eq!(r.status, 200, "the feed changed");
        assert_ne!(r.header("etag"), Some(etag.as_str()));

        // Impact: regulators, operators and the hub read it; others do not.
        let m = get(&hub.url("/api/v1/spam/impact"), Some(&t.regulator));
        assert_eq!(m.status, 200, "{}", m.body);
        let m = m.json();
        assert_eq!(m["reports"], 5, "{m}");
        let a = &m["operators"][0];
        assert_eq!(a["operator"], "telco-a");
        assert_eq!(
            a["reports_per_thousand_subscribers"], 1.5,
            "3 reports, 2000 subscribers"
        );
        assert_eq!(
            m["campaigns"]["across_operators"], 2,
            "the parcel campaign and the fee campaign both operators reported"
        );
        assert!(!m.to_string().contains("447911123456"));
        let confirmed_before = m["confirmed_spam"].as_u64().expect("count");
        assert_eq!(get(&hub.url("/api/v1/spam/impact"), Some(&t.a)).status, 200);
        assert_eq!(
            get(&hub.url("/api/v1/spam/impact"), Some(&t.bank)).status,
            403
        );

        // Classification without storing, for any member.
        let r = post_json(
            &hub.url("/api/v1/spam/classify"),
            Some(&t.bank),
            &json!({"messages": [{"text": "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461"}, {"text": "are we still on for lunch tomorrow?"}]}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let got = r.json();
        assert_eq!(got["results"][0]["label"], "spam");
        assert_eq!(got["results"][1]["label"], "ham");
        assert!(
            got["results"][0]["reasons"]
                .as_array()
                .is_some_and(|r| !r.is_empty())
        );
        let r = post_json(
            &hub.url("/api/v1/spam/classify"),
            Some(&t.bank),
            &json!({"messages": [{"text": "ok"}, {"txt": "typo"}]}),
        );
        assert_eq!(errors_at(&r.json()), ["/messages/1"]);
        assert_eq!(
            get(&reports, Some(&t.a)).json()["items"]
                .as_array()
                .map(Vec::len),
            Some(3),
            "classify stores nothing"
        );

        // Confirming a verdict: analysts of the reporting operator; the
        // model learns from it.
        let verdict = hub.url(&format!("/api/v1/spam/reports/{key_a}/verdict"));
        let r = post_json(&verdict, Some(&t.a), &json!({"verdict": "spam"}));
        assert_eq!(r.status, 403, "a reporter does not confirm: {}", r.body);
        let r = post_json(&verdict, Some(&t.b_analyst), &json!({"verdict": "spam"}));
        assert_eq!(r.status, 404, "{}", r.body);
        let r = post_json(&verdict, Some(&t.a_analyst), &json!({"verdict": "maybe"}));
        assert_eq!(errors_at(&r.json()), ["/verdict"]);
        let r = post_json(&verdict, Some(&t.a_analyst), &json!({"verdict": "ham"}));
        assert_eq!(r.status, 200, "{}", r.body);
        let v = r.json();
        assert_eq!(v["report"]["verdict"], "ham");
        assert!(v["model"]["examples"].as_u64().is_some());
        // Confirmed ham no longer counts as confirmed spam.
        let m = get(&hub.url("/api/v1/spam/impact"), Some(&t.regulator)).json();
        assert_eq!(m["confirmed_spam"], confirmed_before - 1, "{m}");
        // An analyst's "spam" outweighs the filter: a lure the model lets
        // through becomes a phishing incident once confirmed.
        let r = post_json(
            &reports,
            Some(&t.a),
            &json!({"text": "Hello, your account needs a quick check, see https://account-check.test/login", "sender": "InfoDesk"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let missed = &r.json()["results"][0];
        assert_eq!(missed["report"]["label"], "ham", "{missed}");
        assert!(missed["incident"].is_null());
        let k = missed["key"].as_i64().expect("key");
        let r = post_json(
            &hub.url(&format!("/api/v1/spam/reports/{k}/verdict")),
            Some(&t.a_analyst),
            &json!({"verdict": "spam"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let incident = r.json()["incident"]["id"]
            .as_i64()
            .expect("an incident now");
        let inc = get(
            &hub.url(&format!("/api/v1/incidents/{incident}")),
            Some(&t.a),
        )
        .json();
        assert_eq!(inc["classification"], "fraud/phishing", "{inc}");
        assert_eq!(inc["reporter"], "telco-a");

        // Operations see the intake in the metrics.
        let metrics = get(&hub.url("/metrics"), Some(&hub.admin)).body;
        assert!(
            metrics.contains("c5hub_spam_reports_total{outcome=\"duplicate\",label=\"spam\"} 1"),
            "{metrics}"
        );
        assert!(metrics.contains("c5hub_spam_reports_total{outcome=\"new\",label=\"ham\"} 1"));

        // The rules in force, and the routes in the OpenAPI document.
        let rules = get(&hub.url("/api/v1/spam/rules"), Some(&t.bank)).json();
        assert_eq!(
            rules["rules"],
            json!([{"id": "parcel-fee", "action": "block", "scope": "global"}])
        );
        let doc = get(&hub.url("/api/openapi.json"), None).json();
        assert!(doc["paths"]["/api/v1/spam/intake/{id}"]["post"].is_object());
        hub.stop();
    }
}

#[test]
fn oversized_bodies_are_refused_and_nothing_is_stored() {
    for loc in locations("spam_limits") {
        let hub = start(loc, "limits", 16 * 1024);
        let t = setup(&hub);
        let text = "a".repeat(20 * 1024);
        let r = post_json(
            &hub.url("/api/v1/spam/reports"),
            Some(&t.a),
            &json!({"text": text}),
        );
        assert_eq!(r.status, 413, "{}", r.body);
        assert!(r.content_type.starts_with("application/problem+json"));
        let r = post_json(
            &hub.url("/api/v1/spam/reports"),
            Some(&t.a),
            &json!(
                (0..1001)
                    .map(|i| json!({"text": format!("m{i}")}))
                    .collect::<Vec<_>>()
            ),
        );
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(errors_at(&r.json()), ["/"]);
        let list = get(&hub.url("/api/v1/spam/reports"), Some(&t.a)).json();
        assert_eq!(list["items"], json!([]));
        let _ = t.b;
        hub.stop();
    }
}

#[test]
fn the_demo_seeds_spam_reports_once() {
    for loc in locations("spam_demo") {
        let (key, _) = files("demo");
        let config = SpamConfig {
            key_file: Some(key),
            ..SpamConfig::default()
        };
        let mut store = c5hub_store::Store::open(&loc, support::options()).expect("open");
        let n = c5hub_server::demo::seed_spam(&mut store, &config).expect("seeded");
        assert_eq!(n, 60);
        assert_eq!(
            c5hub_server::demo::seed_spam(&mut store, &config).expect("no-op"),
            0,
            "{loc}: seeded once"
        );
        let rows = store.spam().spam_reports(None, None, 1000).expect("read");
        assert_eq!(rows.len(), 60);
        let ops: std::collections::BTreeSet<&str> =
            rows.iter().map(|r| r.operator.as_str()).collect();
        assert_eq!(ops, ["telco-alpha", "telco-beta"].into_iter().collect());
        assert!(rows.iter().any(|r| r.label.as_deref() == Some("spam")));
        assert!(rows.iter().all(|r| {
            r.recipient_hash
                .as_deref()
                .is_some_and(|h| h.starts_with("hmac-sha256:"))
        }));
        let (incidents, _, _) = store.incidents().counts().expect("counts");
        assert!(incidents > 0, "confirmed spam became incidents");
    }
}

fn lookup_total(hub: &Hub, token: &str, value: &str) -> i64 {
    let encoded: String = value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let r = get(
        &hub.url(&format!("/api/v1/lookup?value={encoded}")),
        Some(token),
    );
    assert_eq!(r.status, 200, "{value}: {}", r.body);
    r.json()["total"].as_i64().expect("total")
}

/// Issue 14, findings 2 and 8: confirmed spam became GREEN incidents with
/// the sender's number and the text's numbers and addresses in clear (any
/// member's lookup of the number found them, export carried it), and
/// senders the phone parser cannot read were shown in clear in the hub's
/// report list, campaigns and impact.
#[test]
fn what_spam_becomes_carries_numbers_and_addresses_only_as_pseudonyms() {
    for loc in locations("spam_pseudonyms") {
        let hub = start(loc, "pseudonyms", 8 * 1024 * 1024);
        let t = setup(&hub);
        let key = PseudonymKey::new(KEY).expect("key");
        let text = "Your parcel is held at the depot. Call +61491570156 or mail fees@parcel-help.test, pay at https://parcel-fee.test/pay";
        let mut incidents = Vec::new();
        for (who, sender) in [
            (&t.a, "+61491570156"),
            (&t.b, "0412-345678"),
            (&t.a, "+1 555 0100"),
        ] {
            let r = post_json(
                &hub.url("/api/v1/spam/reports"),
                Some(who),
                &json!({"text": text, "sender": sender, "reported_at": recent(5)}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
            let v = r.json();
            incidents.push(
                v["results"][0]["incident"]["id"]
                    .as_i64()
                    .expect("an incident"),
            );
        }
        let clear = [
            "61491570156",
            "0491570156",
            "345678",
            "555 0100",
            "5550100",
            "fees@parcel-help.test",
        ];
        let no_clear = |what: &str, body: &str| {
            for c in clear {
                assert!(!body.contains(c), "{what} carries {c}: {body}");
            }
        };
        // Any member: lookups of the number and the address find nothing,
        // the incidents and the export carry neither.
        for value in ["+61491570156", "fees@parcel-help.test"] {
            assert_eq!(lookup_total(&hub, &t.bank, value), 0, "{value}");
        }
        assert_eq!(
            lookup_total(&hub, &t.bank, &key.pseudonym_hex("+61491570156")),
            3,
            "the pseudonym correlates: in the text of all three incidents (one also holds it as its sender)"
        );
        assert!(lookup_total(&hub, &t.bank, "https://parcel-fee.test/pay") >= 3);
        for id in &incidents {
            let r = get(&hub.url(&format!("/api/v1/incidents/{id}")), Some(&t.bank));
            assert_eq!(r.status, 200, "{}", r.body);
            no_clear("an incident", &r.body);
            assert!(r.body.contains("https://parcel-fee.test/pay"), "{}", r.body);
        }
        let export = get(&hub.url("/api/v1/export?format=csv"), Some(&t.bank));
        assert_eq!(export.status, 200);
        no_clear("the export", &export.body);
        let mut store = hub.store();
        for id in &incidents {
            let inc = store
                .incidents()
                .incident(*id, &c5hub_model::Viewer::member("bank-csirt"))
                .expect("read")
                .expect("readable");
            let original =
                String::from_utf8(inc.incident.original.expect("original").bytes).expect("UTF-8");
            no_clear("the original document", &original);
            assert!(
                original.contains(&key.pseudonym("+61491570156")),
                "{original}"
            );
        }
        drop(store);
        // The hub's list of every operator's reports, campaigns (every
        // member) and impact (regulators): no sender or text number in
        // clear for anyone but the reporting operator.
        let all = get(&hub.url("/api/v1/spam/reports"), Some(&hub.admin));
        no_clear("the hub's report list", &all.body);
        assert!(
            all.body.contains(&key.pseudonym("0412-345678")),
            "{}",
            all.body
        );
        let page = get(&hub.url("/spam"), Some(&hub.admin));
        no_clear("the hub's spam page", &page.body);
        for k in 1..=3 {
            let one = get(
                &hub.url(&format!("/api/v1/spam/reports/{k}")),
                Some(&hub.admin),
            );
            assert_eq!(one.status, 200, "{}", one.body);
            no_clear("a report read by the hub", &one.body);
            let page = get(&hub.url(&format!("/spam/reports/{k}")), Some(&hub.admin));
            assert_eq!(page.status, 200);
            no_clear("a report's page read by the hub", &page.body);
        }
        let c = get(&hub.url("/api/v1/spam/campaigns"), Some(&t.bank));
        no_clear("campaigns", &c.body);
        assert!(c.body.contains(&key.pseudonym("+1 555 0100")), "{}", c.body);
        let m = get(&hub.url("/api/v1/spam/impact"), Some(&t.regulator));
        no_clear("impact", &m.body);
        let own = get(&hub.url("/api/v1/spam/reports"), Some(&t.b));
        assert!(own.body.contains("0412-345678"), "its own sender in clear");
        hub.stop();
    }
}

/// Issue 14, finding 2: a store holding a spam incident written the old
/// way (number and address in clear) is rewritten when the new server
/// opens it: the clear values no longer answer a lookup.
#[test]
fn older_clear_spam_incidents_are_pseudonymised_when_the_hub_starts() {
    use c5hub_model::{
        DocumentFormat, GlobalId, Incident, Observable, ObservableKind, ObservableRole,
        OriginalDocument, Tlp,
    };
    for loc in locations("spam_rewrite") {
        let text = "Your parcel is held. Call +61491570156 or mail fees@parcel-help.test, pay at https://parcel-fee.test/pay";
        {
            // Stored with clear values, as before migration 7, and marked
            // the way migration 7 marks such incidents (that marking is
            // tested on the v6 fixture in the store's migrations test).
            let mut old = c5hub_store::Store::open(&loc, support::options()).expect("a store");
            let mut m = Incident::new(
                GlobalId::new("spam-report.telco-a", "0123456789abcdef01234567").expect("id"),
                Tlp::Green,
            );
            m.reporter = Some("telco-a".to_owned());
            m.title = Some("sms smishing report".to_owned());
            for (kind, value, role) in [
                (
                    ObservableKind::PhoneNumber,
                    "+61491570156",
                    ObservableRole::Source,
                ),
                (
                    ObservableKind::Email,
                    "fees@parcel-help.test",
                    ObservableRole::Indicator,
                ),
                (
                    ObservableKind::Url,
                    "https://parcel-fee.test/pay",
                    ObservableRole::Url,
                ),
            ] {
                m.add_observable(Observable::parse(kind, value).expect("valid"), role);
            }
            m.original = Some(OriginalDocument::new(
                DocumentFormat::Native,
                text.as_bytes().to_vec(),
            ));
            old.incidents()
                .ingest(&[c5hub_store::Submission {
                    incident: &m,
                    reporter: "telco-a",
                    source: "api-spam:old",
                    shared_with: &[],
                    recipients: &[],
                }])
                .expect("stored the old way");
            old.run_sql_for_tests(
                "INSERT INTO spam_pseudonymise (incident) SELECT id FROM incidents WHERE global_id LIKE 'spam-report.%'",
            )
            .expect("marked as migration 7 marks");
            let l = old
                .incidents()
                .lookup("+61491570156", &c5hub_model::Viewer::member("bank-csirt"))
                .expect("lookup")
                .expect("valid");
            assert_eq!(l.total, 1, "{loc}: in clear before");
        }
        let hub = start(loc, "rewrite", 8 * 1024 * 1024);
        let t = setup(&hub);
        let key = PseudonymKey::new(KEY).expect("key");
        assert_eq!(
            lookup_total(&hub, &t.bank, "+61491570156"),
            0,
            "{}",
            hub.base
        );
        assert_eq!(lookup_total(&hub, &t.bank, "fees@parcel-help.test"), 0);
        assert_eq!(
            lookup_total(&hub, &t.bank, &key.pseudonym_hex("+61491570156")),
            1
        );
        assert_eq!(
            lookup_total(&hub, &t.bank, "https://parcel-fee.test/pay"),
            1
        );
        let export = get(&hub.url("/api/v1/export?format=csv"), Some(&t.bank));
        assert!(!export.body.contains("61491570156"), "{}", export.body);
        let mut store = hub.store();
        let inc = store
            .incidents()
            .incident(1, &c5hub_model::Viewer::member("bank-csirt"))
            .expect("read")
            .expect("readable");
        let original =
            String::from_utf8(inc.incident.original.expect("original").bytes).expect("UTF-8");
        assert!(
            !original.contains("61491570156") && !original.contains("fees@"),
            "{original}"
        );
        assert!(
            original.contains(&key.pseudonym("+61491570156")),
            "{original}"
        );
        hub.stop();
    }
}

/// Issue 14, finding 9: 150 repeated `ham` verdicts on one report flipped
/// another operator's classification of the same text from spam to ham.
#[test]
fn one_operator_cannot_poison_the_shared_classifier() {
    for loc in locations("spam_poison") {
        let hub = start(loc, "poison", 8 * 1024 * 1024);
        let t = setup(&hub);
        let classify = |text: &str| {
            let r = post_json(
                &hub.url("/api/v1/spam/classify"),
                Some(&t.b),
                &json!({"text": text}),
            );
            assert_eq!(r.status, 200, "{}", r.body);
            let v = r.json();
            (
                v["label"].as_str().unwrap_or_default().to_owned(),
                v["score"].as_f64().unwrap_or(0.0),
            )
        };
        let prize = "WINNER!! As a valued network customer you have been selected to receive a £900 prize reward! To claim call 09061701461";
        assert_eq!(classify(prize).0, "spam");
        let r = post_json(
            &hub.url("/api/v1/spam/reports"),
            Some(&t.a),
            &json!({"text": prize, "sender": "88066"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let k = r.json()["results"][0]["key"].as_i64().expect("key");
        let verdict = hub.url(&format!("/api/v1/spam/reports/{k}/verdict"));
        let (mut learned, mut ok, mut limited) = (0, 0, 0);
        for _ in 0..150 {
            let r = post_json(&verdict, Some(&t.a_analyst), &json!({"verdict": "ham"}));
            match r.status {
                200 => {
                    ok += 1;
                    learned += usize::from(r.json()["model"]["learned"] == true);
                }
                429 => {
                    limited += 1;
                    assert!(r.body.contains("verdicts_per_hour"), "{}", r.body);
                }
                s => panic!("{s}: {}", r.body),
            }
        }
        assert_eq!((ok, limited), (60, 90), "60 verdicts an hour");
        assert_eq!(learned, 1, "one learning step per report");
        let (label, score) = classify(prize);
        assert_eq!(label, "spam", "telco-b's classification: {score}");

        // Many reports of one text from one operator, each marked ham:
        // the organisation's learning budget bounds how far they move the
        // model.
        let lure = "URGENT! Your mobile number has been awarded a 2000 bonus caller prize. Call 09066364349 from landline now";
        let (before_label, before) = classify(lure);
        assert_eq!(before_label, "spam", "{before}");
        let batch: Vec<_> = (0..40)
            .map(|n| json!({"text": lure, "sender": "87121", "reported_at": recent(n + 1)}))
            .collect();
        let r = post_json(&hub.url("/api/v1/spam/reports"), Some(&t.b), &json!(batch));
        assert_eq!(r.status, 201, "{}", r.body);
        let keys: Vec<i64> = r.json()["results"]
            .as_array()
            .expect("results")
            .iter()
            .map(|x| x["key"].as_i64().expect("key"))
            .collect();
        let verdict_on = |k: i64, v: &str| {
            let r = post_json(
                &hub.url(&format!("/api/v1/spam/reports/{k}/verdict")),
                Some(&t.b_analyst),
                &json!({"verdict": v}),
            );
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()["model"]["step"].as_f64().expect("step")
        };
        assert!(verdict_on(keys[0], "ham") > 0.0, "a first verdict teaches");
        assert_eq!(verdict_on(keys[0], "ham"), 0.0, "the same again does not");
        assert!(
            verdict_on(keys[0], "spam") > 0.0,
            "a changed one teaches once"
        );
        let steps: f64 = keys[1..].iter().map(|k| verdict_on(*k, "ham")).sum();
        assert!(steps <= 3.0, "the default budget is 3.0 a day: {steps}");
        let (label, score) = classify(lure);
        assert_eq!(label, "spam", "after 40 ham verdicts: {before} -> {score}");
        hub.stop();
    }
}

/// Issue 14, finding 14: two reports from one operator listed a URL in the
/// shared feed, and `reported_at` in year 9999 was accepted, so a listing
/// never expired.
#[test]
fn the_feed_needs_two_operators_or_the_hub_and_future_times_are_refused() {
    for loc in locations("spam_listing") {
        let hub = start(loc, "listing", 8 * 1024 * 1024);
        let t = setup(&hub);
        let reports = hub.url("/api/v1/spam/reports");
        let text = "Your parcel is held at the depot. Pay the fee at https://solo-fee.test/pay";
        let mut keys = Vec::new();
        for n in 0..3 {
            let r = post_json(
                &reports,
                Some(&t.a),
                &json!({"text": text, "sender": "ParcelInfo", "reported_at": recent(n + 1)}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
            keys.push(r.json()["results"][0]["key"].as_i64().expect("key"));
        }
        let feed = || get(&hub.url("/api/v1/spam/reputation"), Some(&t.bank)).body;
        let f = feed();
        assert!(
            !f.contains("solo-fee.test"),
            "one operator lists nothing: {f}"
        );
        assert!(!f.contains("ParcelInfo"), "{f}");
        // The hub's analyst confirms one: listed at once.
        let r = post_json(
            &hub.url(&format!("/api/v1/spam/reports/{}/verdict", keys[0])),
            Some(&hub.admin),
            &json!({"verdict": "spam"}),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let f = feed();
        assert!(f.contains("https://solo-fee.test/pay"), "{f}");
        assert!(f.contains("ParcelInfo"), "{f}");

        // Times in the future: refused with a clear error, nothing stored.
        for field in ["reported_at", "received_at"] {
            let r = post_json(
                &reports,
                Some(&t.b),
                &json!({"text": text, field: "9999-01-01T00:00:00Z"}),
            );
            assert_eq!(r.status, 400, "{}", r.body);
            assert!(
                r.body.contains(field) && r.body.contains("future"),
                "{}",
                r.body
            );
        }
        let soon = (chrono::Utc::now() + chrono::Duration::minutes(2)).to_rfc3339();
        let r = post_json(
            &reports,
            Some(&t.b),
            &json!({"text": text, "reported_at": soon}),
        );
        assert_eq!(r.status, 201, "two minutes of clock skew: {}", r.body);
        let own = get(&reports, Some(&t.b)).json();
        assert_eq!(own["items"].as_array().map(Vec::len), Some(1));
        hub.stop();
    }
}
