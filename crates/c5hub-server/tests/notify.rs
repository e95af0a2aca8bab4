//! Notifications over real HTTP on both backends: the notifier (the
//! server's background task) follows the change feed and tells each user
//! what they chose, of incidents they may read; an AMBER+STRICT incident
//! tells no other organisation anything.

mod support;

use std::time::{Duration, Instant};

use c5hub_server::Config;
use c5hub_server::config::NotifyConfig;
use serde_json::{Value, json};
use support::{Answer, Hub, call, get, locations, post_json, test_config};

fn ok(a: Answer, status: u16) -> Answer {
    assert_eq!(a.status, status, "{}", a.body);
    a
}

fn org(hub: &Hub, name: &str) {
    ok(
        post_json(
            &hub.url("/api/v1/orgs"),
            Some(&hub.admin),
            &json!({"name": name, "type": "national-cirt"}),
        ),
        201,
    );
}

/// A user of `org` and an analyst token acting as them.
fn user(hub: &Hub, org: &str, email: &str) -> String {
    ok(
        post_json(
            &hub.url("/api/v1/users"),
            Some(&hub.admin),
            &json!({"email": email, "org": org, "role": "analyst"}),
        ),
        201,
    );
    let r = ok(
        post_json(
            &hub.url("/api/v1/tokens"),
            Some(&hub.admin),
            &json!({"org": org, "role": "analyst", "user": email, "label": "test"}),
        ),
        201,
    );
    r.json()["token"].as_str().expect("secret").to_owned()
}

fn submit(hub: &Hub, token: &str, body: &Value) -> i64 {
    let r = ok(
        post_json(&hub.url("/api/v1/incidents"), Some(token), body),
        201,
    );
    r.json()["results"][0]["id"].as_i64().expect("id")
}

fn send(hub: &Hub, method: &str, path: &str, token: &str, body: &Value) -> Answer {
    call(
        method,
        &hub.url(path),
        Some(token),
        Some("application/json"),
        Some(body.to_string().as_bytes()),
    )
}

/// Waits until the notifier has handled every stored change.
fn caught_up(hub: &Hub) {
    let mut store = hub.store();
    let newest = store
        .notifications()
        .changes_after(0, 10_000)
        .expect("changes")
        .last()
        .map_or(0, |c| c.seq);
    let start = Instant::now();
    while store.notifications().cursor().expect("cursor") < newest {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the notifier did not catch up"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// (event, incident) of each of the caller's notifications, sorted, and
/// the unread count.
fn mine(hub: &Hub, token: &str) -> (Vec<(String, i64)>, i64, Value) {
    let a = ok(get(&hub.url("/api/v1/notifications"), Some(token)), 200).json();
    let mut got: Vec<(String, i64)> = a["notifications"]
        .as_array()
        .expect("list")
        .iter()
        .map(|n| {
            (
                n["event"].as_str().expect("event").to_owned(),
                n["incident"].as_i64().expect("incident"),
            )
        })
        .collect();
    got.sort();
    (got, a["unread"].as_i64().expect("unread"), a)
}

#[test]
fn notifications_follow_choices_and_tlp() {
    for loc in locations("notify_api") {
        let hub = Hub::start_with(
            loc,
            Config {
                notify: NotifyConfig { interval_ms: 20 },
                ..test_config()
            },
        );
        for o in ["bank", "peer", "other"] {
            org(&hub, o);
        }
        let bank = user(&hub, "bank", "eve@bank.test");
        let ann = user(&hub, "peer", "ann@peer.test");
        let carl = user(&hub, "peer", "carl@peer.test");
        let bob = user(&hub, "other", "bob@other.test");

        // Ann wants no correlation notices in the app.
        let prefs = ok(
            send(
                &hub,
                "PUT",
                "/api/v1/notifications/preferences",
                &ann,
                &json!({"preferences": [{"event": "correlated", "in_app": false, "email": false}]}),
            ),
            200,
        )
        .json();
        assert_eq!(
            prefs["preferences"],
            json!([
                {"event": "shared", "in_app": true, "email": false},
                {"event": "assigned", "in_app": true, "email": true},
                {"event": "correlated", "in_app": false, "email": false},
                {"event": "status", "in_app": true, "email": false},
            ])
        );

        // Peer's own incident, then bank's AMBER+STRICT one on the same
        // domain, triaged: peer may read none of it.
        let own = submit(
            &hub,
            &carl,
            &json!({"id": "peer:P-1", "tlp": "green", "title": "peer's own", "observables": [{"value": "evil.test", "role": "indicator"}]}),
        );
        let strict = submit(
            &hub,
            &bank,
            &json!({"id": "bank:S-1", "tlp": "amber+strict", "title": "secret strict thing", "observables": [{"value": "evil.test", "role": "indicator"}]}),
        );
        ok(
            send(
                &hub,
                "PATCH",
                &format!("/api/v1/incidents/{strict}"),
                &bank,
                &json!({"status": "triaged"}),
            ),
            200,
        );
        // An AMBER incident shared with peer, on the same domain; peer
        // handles it with bank, and it is assigned to Ann.
        let shared = submit(
            &hub,
            &bank,
            &json!({"id": "bank:A-1", "tlp": "amber", "title": "shared thing", "shared_with": ["peer"], "observables": [{"value": "evil.test", "role": "indicator"}]}),
        );
        ok(
            send(
                &hub,
                "PUT",
                &format!("/api/v1/incidents/{shared}/handlers"),
                &bank,
                &json!({"handlers": ["peer"]}),
            ),
            200,
        );
        ok(
            send(
                &hub,
                "PATCH",
                &format!("/api/v1/incidents/{shared}"),
                &bank,
                &json!({"status": "triaged", "assignee": "ann@peer.test"}),
            ),
            200,
        );
        caught_up(&hub);

        let (a, a_unread, a_json) = mine(&hub, &ann);
        let (c, _, c_json) = mine(&hub, &carl);
        let (b, _, _) = mine(&hub, &bob);
        let s = |e: &str, k: i64| (e.to_owned(), k);
        assert_eq!(
            a,
            vec![
                s("assigned", shared),
                s("shared", shared),
                s("status", shared)
            ],
            "{a_json}"
        );
        assert_eq!(a_unread, 3);
        assert_eq!(
            c,
            vec![
                s("correlated", shared),
                s("shared", shared),
                s("status", shared)
            ],
            "{c_json}"
        );
        assert!(b.is_empty(), "bob reads none of it: {b:?}");
        for n in [&a_json, &c_json] {
            let text = n.to_string();
            assert!(
                !text.contains("S-1") && !text.contains("secret strict"),
                "{text}"
            );
        }
        // The notifier wrote nothing about the strict incident for anyone.
        let mut store = hub.store();
        for u in [
            "ann@peer.test",
            "carl@peer.test",
            "bob@other.test",
            "eve@bank.test",
        ] {
            let list = store.notifications().list(u, 500).expect("list");
            assert!(
                list.iter()
                    .all(|n| n.incident != strict || u == "eve@bank.test"),
                "{u}: {list:?}"
            );
        }
        // Carl's correlation names his own incident.
        assert!(c_json.to_string().contains("P-1"), "{c_json} names {own}");

        // Marks: one, then all; another user's is not found.
        let first = a_json["notifications"][0]["id"].as_i64().expect("id");
        let carls = c_json["notifications"][0]["id"].as_i64().expect("id");
        ok(
            call(
                "POST",
                &hub.url(&format!("/api/v1/notifications/{carls}/read")),
                Some(&ann),
                None,
                None,
            ),
            404,
        );
        ok(
            call(
                "POST",
                &hub.url(&format!("/api/v1/notifications/{first}/read")),
                Some(&ann),
                None,
                None,
            ),
            204,
        );
        let (_, unread, after) = mine(&hub, &ann);
        assert_eq!(unread, 2);
        assert_eq!(
            after["notifications"][2]["id"], first,
            "unread first: {after}"
        );
        assert!(after["notifications"][2]["read_at"].is_string());
        ok(
            call(
                "POST",
                &hub.url("/api/v1/notifications/read"),
                Some(&ann),
                None,
                None,
            ),
            204,
        );
        assert_eq!(mine(&hub, &ann).1, 0);
        assert_eq!(mine(&hub, &carl).1, 3, "Carl's are his own");

        // A bad event is named.
        let bad = ok(
            send(
                &hub,
                "PUT",
                "/api/v1/notifications/preferences",
                &ann,
                &json!({"preferences": [{"event": "everything", "in_app": true, "email": true}]}),
            ),
            400,
        );
        assert!(bad.body.contains("/preferences/0/event"), "{}", bad.body);
        hub.stop();
    }
}

#[test]
fn a_restarted_hub_neither_loses_nor_repeats_notifications() {
    for loc in locations("notify_restart") {
        let config = || Config {
            notify: NotifyConfig { interval_ms: 20 },
            ..test_config()
        };
        let hub = Hub::start_with(loc.clone(), config());
        org(&hub, "bank");
        org(&hub, "peer");
        let bank = user(&hub, "bank", "eve@bank.test");
        let ann = user(&hub, "peer", "ann@peer.test");
        submit(
            &hub,
            &bank,
            &json!({"id": "bank:A-1", "tlp": "amber", "title": "one", "shared_with": ["peer"]}),
        );
        caught_up(&hub);
        assert_eq!(mine(&hub, &ann).0.len(), 1);
        let admin = hub.admin.clone();
        hub.stop();
        // The notifier is off while this is stored: the next start finds
        // it after its cursor.
        let quiet = Hub::start_with_admin(
            loc.clone(),
            Config {
                notify: NotifyConfig { interval_ms: 0 },
                ..test_config()
            },
            &admin,
        );
        submit(
            &quiet,
            &bank,
            &json!({"id": "bank:A-2", "tlp": "amber", "title": "two", "shared_with": ["peer"]}),
        );
        assert_eq!(mine(&quiet, &ann).0.len(), 1, "no notifier ran");
        quiet.stop();
        let again = Hub::start_with_admin(loc, config(), &admin);
        caught_up(&again);
        assert_eq!(mine(&again, &ann).0.len(), 2, "the missed one, once");
        again.stop();
    }
}
