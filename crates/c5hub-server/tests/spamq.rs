//! The spam analyst's day over real HTTP, on SQLite and PostgreSQL: the
//! queue of disagreements with one-click confirmation from the page,
//! reasons a person reads, and the hub's own knowledge (incidents the
//! submitter reads, under TLP) counted in the decision.

mod support;

use c5hub_server::Config;
use c5hub_server::config::SpamConfig;
use serde_json::{Value, json};
use support::{Hub, call_with, get, locations, post_json, test_config};

const KEY: &[u8] = b"spam test key, not a secret, 32b";
const PASSWORD: &str = "a long enough password for tests";
/// The demo's parcel-fee smishing (`demo.rs`): the 2012 corpus the model
/// learned from knows no such message, so the model alone lets it pass.
const PARCEL: &str = "Your parcel could not be delivered. Pay the 3.99 GBP redelivery fee at http://parcel-redelivery.test/pay";
const PARCEL_AGAIN: &str = "Your parcel could not be delivered. Pay the 4.99 GBP redelivery fee at http://parcel-redelivery.test/pay";
const STRICT: &str = "Your parcel could not be delivered. Pay the 3.99 GBP redelivery fee at http://parcel-strict.test/pay";
const STRICT_AGAIN: &str = "Your parcel could not be delivered. Pay the 4.99 GBP redelivery fee at http://parcel-strict.test/pay";
const RULES: &str =
    "[[rule]]\nid = \"X.1242-3\"\naction = \"block\"\nsenders = [\"+12025550199\"]\n";

fn start(loc: c5hub_store::Location, tag: &str) -> Hub {
    let dir = std::env::temp_dir().join(format!("c5hub-spamq-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = dir.join("spam.key");
    let rules = dir.join("rules.toml");
    std::fs::write(&key, KEY).expect("key");
    std::fs::write(&rules, RULES).expect("rules");
    Hub::start_with(
        loc,
        Config {
            spam: SpamConfig {
                key_file: Some(key),
                rules_file: Some(rules),
                ..SpamConfig::default()
            },
            ..test_config()
        },
    )
}

/// Organisations and tokens: telco-a (reporter, analyst), telco-b
/// (analyst), bank-csirt (analyst); a password user of telco-a.
fn setup(hub: &Hub) -> [String; 4] {
    let admin = Some(hub.admin.as_str());
    for (name, kind) in [
        ("telco-a", "operator"),
        ("telco-b", "operator"),
        ("bank-csirt", "sector-cirt"),
    ] {
        let r = post_json(
            &hub.url("/api/v1/orgs"),
            admin,
            &json!({"name": name, "type": kind}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = post_json(
        &hub.url("/api/v1/users"),
        admin,
        &json!({"email": "analyst@telco-a.test", "org": "telco-a", "role": "analyst", "password": PASSWORD}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let mut t = Vec::new();
    for (org, role) in [
        ("telco-a", "reporter"),
        ("telco-a", "analyst"),
        ("telco-b", "analyst"),
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
    [t[0].clone(), t[1].clone(), t[2].clone(), t[3].clone()]
}

/// Submits one report; returns (key, decision).
fn report(hub: &Hub, token: &str, text: &str, sender: &str, verdict: &str) -> (i64, Value) {
    let r = post_json(
        &hub.url("/api/v1/spam/reports"),
        Some(token),
        &json!({"channel": "sms", "text": text, "sender": sender, "verdict": verdict}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    let v = r.json();
    let one = &v["results"][0];
    (one["key"].as_i64().expect("key"), one["report"].clone())
}

fn queue_keys(hub: &Hub, token: &str) -> Vec<i64> {
    let r = get(&hub.url("/api/v1/spam/queue"), Some(token));
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["key"].as_i64().expect("key"))
        .collect()
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| -> String {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

#[test]
fn the_queue_holds_disagreements_and_a_click_on_the_page_confirms_one() {
    for loc in locations("spamq_queue") {
        let hub = start(loc, "queue");
        let [a, a_analyst, b_analyst, _] = setup(&hub);
        // Subscriber says spam, the filter says ham.
        let (missed, d) = report(&hub, &a, PARCEL, "+12025550147", "spam");
        assert_eq!(d["label"], "ham", "{d}");
        // Subscriber says ham, the block rule says spam.
        let (blocked, d) = report(
            &hub,
            &a,
            "Your table for two is booked for 8pm tonight",
            "+12025550199",
            "ham",
        );
        assert_eq!(d["label"], "spam", "{d}");
        // Both agree: not in the queue.
        let (agreed, d) = report(
            &hub,
            &a,
            "WINNER!! You have been selected to receive a £900 prize reward. To claim call 09098790461 now",
            "+61491570156",
            "spam",
        );
        assert_eq!(d["label"], "spam", "{d}");
        assert_eq!(queue_keys(&hub, &a_analyst), vec![blocked, missed]);
        assert!(!queue_keys(&hub, &a_analyst).contains(&agreed));
        // Another operator does not see telco-a's queue.
        assert_eq!(queue_keys(&hub, &b_analyst), Vec::<i64>::new());

        // The page lists them with a form per verdict, and one click (a
        // POST, no script) confirms through the verdict operation.
        let (r, cookie) = support::login(
            &hub.base,
            &[("email", "analyst@telco-a.test"), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let cookie = cookie.expect("session");
        let csrf = support::me_by_cookie(&hub.base, &cookie)["csrf"]
            .as_str()
            .expect("csrf")
            .to_owned();
        let page = call_with(
            "GET",
            &hub.url("/spam/queue"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(page.status, 200);
        assert!(
            page.body
                .contains(&format!("action=\"/spam/reports/{missed}/verdict\"")),
            "{}",
            page.body
        );
        assert!(page.body.contains("Confirm not spam"));
        let r = call_with(
            "POST",
            &hub.url(&format!("/spam/reports/{missed}/verdict")),
            None,
            &[("Cookie", &cookie)],
            Some("application/x-www-form-urlencoded"),
            Some(&form(&[
                ("csrf", &csrf),
                ("verdict", "spam"),
                ("back", "queue"),
            ])),
        );
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(r.header("location"), Some("/spam/queue"));
        assert_eq!(queue_keys(&hub, &a_analyst), vec![blocked]);
        let v = get(
            &hub.url(&format!("/api/v1/spam/reports/{missed}")),
            Some(&a_analyst),
        )
        .json();
        assert_eq!(v["verdict"], "spam");
        // The reasons a person reads: the rule and what it looks at.
        let v = get(
            &hub.url(&format!("/api/v1/spam/reports/{blocked}")),
            Some(&a_analyst),
        )
        .json();
        let why: Vec<&str> = v["why"]
            .as_array()
            .expect("why")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(why[0], "rule X.1242-3: sender on the block list", "{why:?}");
        assert!(
            why.last().is_some_and(|w| w.contains("the rule decided")),
            "{why:?}"
        );
        hub.stop();
    }
}

fn why_of(d: &Value) -> Vec<String> {
    d["why"]
        .as_array()
        .expect("why")
        .iter()
        .filter_map(|w| w.as_str().map(str::to_owned))
        .collect()
}

#[test]
fn what_the_submitter_may_read_of_the_hubs_incidents_counts_in_the_decision() {
    for loc in locations("spamq_knowledge") {
        let hub = start(loc, "knowledge");
        let [a, _, _, bank] = setup(&hub);
        // Before the hub knows the domains: both messages pass the model.
        let (_, before) = report(&hub, &a, PARCEL, "+12025550147", "spam");
        assert_eq!(before["label"], "ham", "{before}");
        let (_, strict_before) = report(&hub, &a, STRICT, "+12025550148", "spam");
        assert_eq!(strict_before["label"], "ham", "{strict_before}");

        // bank-csirt lists one domain GREEN, the other AMBER+STRICT (its
        // own eyes only).
        for (id, tlp, domain) in [
            ("bank.test:P-1", "green", "parcel-redelivery.test"),
            ("bank.test:P-2", "amber+strict", "parcel-strict.test"),
        ] {
            let r = post_json(
                &hub.url("/api/v1/incidents"),
                Some(&bank),
                &json!({"id": id, "tlp": tlp, "title": "parcel-fee phishing", "classification": "fraud/phishing",
                        "observables": [domain]}),
            );
            assert_eq!(r.status, 201, "{}", r.body);
        }

        // The readable listing turns the same kind of message into spam,
        // and says why; the score stays a probability.
        let (_, after) = report(&hub, &a, PARCEL_AGAIN, "+12025550147", "spam");
        assert_eq!(after["label"], "spam", "{after}");
        let score = after["score"].as_f64().expect("score");
        let model = after["model_score"].as_f64().expect("model score");
        assert!(score > model && score < 1.0, "{after}");
        let why = why_of(&after);
        assert!(
            why.iter()
                .any(|w| w == "URL on a domain (parcel-redelivery.test) listed in 1 incident"),
            "{why:?}"
        );
        assert!(
            after["smishing"] == true && after["confirmed"] == true,
            "{after}"
        );

        // The AMBER+STRICT incident of another organisation neither moves
        // the score nor appears in a reason (another sender: the first
        // sender is now listed too, in the incident the confirmed spam
        // became).
        let (_, strict_after) = report(&hub, &a, STRICT_AGAIN, "+12025550148", "spam");
        assert_eq!(strict_after["label"], "ham", "{strict_after}");
        assert_eq!(strict_after["score"], strict_after["model_score"]);
        let why = why_of(&strict_after);
        assert!(
            !why.iter()
                .any(|w| w.contains("parcel-strict") || w.contains("incident")),
            "{why:?}"
        );
        hub.stop();
    }
}

#[test]
fn the_demos_parcel_fee_smishing_is_caught_on_the_domain_the_demo_lists() {
    let dir = std::env::temp_dir().join(format!("c5hub-spamq-{}-demo", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = dir.join("spam.key");
    std::fs::write(&key, KEY).expect("key");
    let config = SpamConfig {
        key_file: Some(key),
        ..SpamConfig::default()
    };
    let parcel_labels = |store: &mut c5hub_store::Store| -> Vec<String> {
        let rows = store.spam().spam_reports(None, None, 1000).expect("read");
        rows.iter()
            .filter(|r| r.text.contains("parcel-redelivery.test"))
            .map(|r| r.label.clone().unwrap_or_default())
            .collect()
    };
    for (alone, full) in locations("spamq_demo_alone")
        .into_iter()
        .zip(locations("spamq_demo_full"))
    {
        // The spam reports alone, without the demo's incidents: the model
        // lets every parcel-fee message through.
        let mut store = c5hub_store::Store::open(&alone, support::options()).expect("open");
        c5hub_server::demo::seed_spam(&mut store, &config).expect("seeded");
        let before = parcel_labels(&mut store);
        assert!(
            !before.is_empty(),
            "{alone}: the demo has parcel-fee reports"
        );
        assert!(before.iter().all(|l| l == "ham"), "{alone}: {before:?}");

        // The whole demo: the hub lists the parcel-fee site, so the same
        // messages are spam.
        let mut store = c5hub_store::Store::open(&full, support::options()).expect("open");
        c5hub_server::demo::seed(&mut store, "national-cirt", PASSWORD, 20)
            .expect("seed")
            .expect("empty store");
        c5hub_server::demo::seed_spam(&mut store, &config).expect("seeded");
        let after = parcel_labels(&mut store);
        assert_eq!(after.len(), before.len(), "{full}");
        assert!(after.iter().all(|l| l == "spam"), "{full}: {after:?}");
    }
}

fn report_at(hub: &Hub, token: &str, text: &str, sender: &str, minutes_ago: i64) -> i64 {
    let at = (chrono::Utc::now() - chrono::Duration::minutes(minutes_ago)).to_rfc3339();
    let r = post_json(
        &hub.url("/api/v1/spam/reports"),
        Some(token),
        &json!({"channel": "sms", "text": text, "sender": sender, "verdict": "spam", "reported_at": at}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["results"][0]["key"].as_i64().expect("key")
}

fn page_of(hub: &Hub, cookie: &str, path: &str) -> String {
    let r = call_with(
        "GET",
        &hub.url(path),
        None,
        &[("Cookie", cookie)],
        None,
        None,
    );
    assert_eq!(r.status, 200, "{path}: {}", r.body);
    r.body
}

#[test]
fn campaigns_are_numbered_by_first_sighting_and_reports_listed_by_date() {
    for loc in locations("spamq_campaigns") {
        let hub = start(loc, "campaigns");
        let [a, ..] = setup(&hub);
        // The block rule confirms both campaigns; the larger one is the
        // younger, so "largest first" and "oldest first" differ.
        let old = "Claim your tax refund of 240 GBP today at http://refund-claim.test/form";
        let young = [
            "Your bank account is locked. Verify now at http://unlock-bank.test/login 1",
            "Your bank account is locked. Verify now at http://unlock-bank.test/login 2",
            "Your bank account is locked. Verify now at http://unlock-bank.test/login 3",
        ];
        // Stored in another order than they were reported.
        let k_young1 = report_at(&hub, &a, young[0], "+12025550199", 30);
        let k_old = report_at(&hub, &a, old, "+12025550199", 120);
        let k_young2 = report_at(&hub, &a, young[1], "+12025550199", 20);
        let k_young3 = report_at(&hub, &a, young[2], "+12025550199", 50);

        let (_, cookie) = support::login(
            &hub.base,
            &[("email", "analyst@telco-a.test"), ("password", PASSWORD)],
        );
        let cookie = cookie.expect("session");
        let spam = page_of(&hub, &cookie, "/spam");
        // The newest-first table is in date order.
        let pos = |k: i64| {
            spam.find(&format!("href=\"/spam/reports/{k}\""))
                .unwrap_or_else(|| panic!("report {k} listed"))
        };
        assert!(pos(k_young2) < pos(k_young1), "{spam}");
        assert!(pos(k_young1) < pos(k_young3));
        assert!(pos(k_young3) < pos(k_old));
        // The campaign list (largest first) links to pages numbered by
        // first sighting.
        let c1 = spam
            .find("href=\"/spam/campaigns/1\"")
            .expect("campaign #1 linked");
        let c2 = spam
            .find("href=\"/spam/campaigns/2\"")
            .expect("campaign #2 linked");
        assert!(c2 < c1, "the larger campaign #2 is listed first");

        let one = page_of(&hub, &cookie, "/spam/campaigns/1");
        assert!(one.contains("refund-claim.test"), "{one}");
        assert!(one.contains(&format!("href=\"/spam/reports/{k_old}\"")));
        let two = page_of(&hub, &cookie, "/spam/campaigns/2");
        assert!(two.contains("http://unlock-bank.test/login"), "{two}");
        for k in [k_young1, k_young2, k_young3] {
            assert!(
                two.contains(&format!("href=\"/spam/reports/{k}\"")),
                "{two}"
            );
        }
        // Senders as pseudonyms, never the number; the incident each became.
        assert!(
            !two.contains("+12025550199") && !two.contains("2025550199"),
            "{two}"
        );
        assert!(two.contains("hmac-sha256:"), "{two}");
        assert!(two.contains("spam-report.telco-a:"), "{two}");
        let r = call_with(
            "GET",
            &hub.url("/spam/campaigns/3"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(r.status, 404);
        hub.stop();
    }
}
