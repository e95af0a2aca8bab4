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
                notify: NotifyConfig {
                    interval_ms: 20,
                    ..NotifyConfig::default()
                },
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
            notify: NotifyConfig {
                interval_ms: 20,
                ..NotifyConfig::default()
            },
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
                notify: NotifyConfig {
                    interval_ms: 0,
                    ..NotifyConfig::default()
                },
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

/// What the receiver saw: (path, signature, timestamp, raw body).
type Seen = std::sync::Arc<std::sync::Mutex<Vec<(String, String, String, Vec<u8>)>>>;

/// A real HTTP receiver on loopback: it records every request and fails
/// the first one with 500.
fn receiver(rt: &tokio::runtime::Runtime) -> (String, Seen) {
    use axum::http::{HeaderMap, StatusCode, Uri};
    let seen: Seen = Seen::default();
    let s2 = seen.clone();
    let app =
        axum::Router::new().fallback(move |uri: Uri, h: HeaderMap, body: axum::body::Bytes| {
            let seen = s2.clone();
            async move {
                let header = |n: &str| {
                    h.get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let mut all = seen.lock().expect("lock");
                all.push((
                    uri.path().to_owned(),
                    header("x-c5hub-signature"),
                    header("x-c5hub-timestamp"),
                    body.to_vec(),
                ));
                if all.len() == 1 {
                    StatusCode::INTERNAL_SERVER_ERROR
                } else {
                    StatusCode::NO_CONTENT
                }
            }
        });
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    rt.spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), seen)
}

fn admin_of(hub: &Hub, org: &str) -> String {
    let r = ok(
        post_json(
            &hub.url("/api/v1/tokens"),
            Some(&hub.admin),
            &json!({"org": org, "role": "admin", "label": "org admin"}),
        ),
        201,
    );
    r.json()["token"].as_str().expect("secret").to_owned()
}

#[test]
fn webhooks_are_signed_retried_logged_and_obey_tlp() {
    use hmac::{Hmac, Mac};
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    for loc in locations("notify_webhooks") {
        let (base, seen) = receiver(&rt);
        let hub = Hub::start_with(
            loc,
            Config {
                notify: NotifyConfig {
                    interval_ms: 20,
                    webhook_backoff_ms: 100,
                    ..NotifyConfig::default()
                },
                ..test_config()
            },
        );
        for o in ["bank", "peer", "other"] {
            org(&hub, o);
        }
        let bank = user(&hub, "bank", "eve@bank.test");
        let peer_admin = admin_of(&hub, "peer");
        let other_admin = admin_of(&hub, "other");

        // An org admin manages its own organisation's webhooks only.
        let r = ok(
            post_json(
                &hub.url("/api/v1/webhooks"),
                Some(&peer_admin),
                &json!({"org": "other", "url": format!("{base}/x"), "events": ["shared"]}),
            ),
            403,
        );
        assert!(r.body.contains("own organisation"), "{}", r.body);
        let made = ok(
            post_json(
                &hub.url("/api/v1/webhooks"),
                Some(&peer_admin),
                &json!({"org": "peer", "url": format!("{base}/peer"), "events": ["shared", "status"]}),
            ),
            201,
        )
        .json();
        let secret = made["secret"].as_str().expect("secret").to_owned();
        let hook = made["webhook"]["id"].as_i64().expect("id");
        // The hub's admin adds one for "other", which reads nothing here.
        ok(
            post_json(
                &hub.url("/api/v1/webhooks"),
                Some(&hub.admin),
                &json!({"org": "other", "url": format!("{base}/other"), "events": ["shared", "assigned", "correlated", "status"]}),
            ),
            201,
        );
        let listed = ok(get(&hub.url("/api/v1/webhooks"), Some(&other_admin)), 200).json();
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert!(!listed.to_string().contains("secret"), "{listed}");
        ok(
            get(
                &hub.url(&format!("/api/v1/webhooks/{hook}/deliveries")),
                Some(&other_admin),
            ),
            404,
        );

        let strict = submit(
            &hub,
            &bank,
            &json!({"id": "bank:S-1", "tlp": "amber+strict", "title": "secret strict thing"}),
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
        let shared = submit(
            &hub,
            &bank,
            &json!({"id": "bank:A-1", "tlp": "amber", "title": "shared thing", "shared_with": ["peer"]}),
        );
        caught_up(&hub);
        let start = Instant::now();
        while seen.lock().expect("lock").len() < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "no retry arrived: {:?}",
                seen.lock().expect("lock").len()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        // Give a wrong delivery time to arrive before looking.
        std::thread::sleep(Duration::from_millis(300));
        let got = seen.lock().expect("lock").clone();
        assert_eq!(got.len(), 2, "one failure, one retry, nothing else");
        let mut deliveries = Vec::new();
        for (path, sig, ts, body) in &got {
            assert_eq!(path, "/peer");
            let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
            mac.update(body);
            let want = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
            assert_eq!(sig, &want, "signature over the raw body");
            let v: Value = serde_json::from_slice(body).expect("JSON");
            assert_eq!(v["sent_at"].to_string(), *ts, "the timestamp is signed");
            assert_eq!(v["event"], "shared");
            assert_eq!(v["incident"], shared);
            assert!(!String::from_utf8_lossy(body).contains("strict"));
            deliveries.push(v["delivery"].clone());
        }
        assert_eq!(
            deliveries[0], deliveries[1],
            "the retry is the same delivery"
        );

        let log = ok(
            get(
                &hub.url(&format!("/api/v1/webhooks/{hook}/deliveries")),
                Some(&peer_admin),
            ),
            200,
        )
        .json();
        let attempts = log["attempts"].as_array().expect("attempts");
        assert_eq!(attempts.len(), 2, "{log}");
        assert_eq!(attempts[0]["attempt"], 2);
        assert_eq!(attempts[0]["status_code"], 204);
        assert!(attempts[0]["error"].is_null());
        assert_eq!(attempts[0]["outcome"], "delivered");
        assert_eq!(attempts[1]["attempt"], 1);
        assert_eq!(attempts[1]["status_code"], 500);
        assert!(attempts[1]["error"].is_string());
        assert_eq!(attempts[1]["outcome"], "failed");
        ok(
            call(
                "DELETE",
                &hub.url(&format!("/api/v1/webhooks/{hook}")),
                Some(&other_admin),
                None,
                None,
            ),
            404,
        );
        ok(
            call(
                "DELETE",
                &hub.url(&format!("/api/v1/webhooks/{hook}")),
                Some(&peer_admin),
                None,
                None,
            ),
            204,
        );
        hub.stop();
    }
}

/// A real SMTP server on loopback (Python's aiosmtpd, from PyPI; see
/// tools/test.sh) writing what it receives to a maildir.
struct SmtpServer {
    child: std::process::Child,
    port: u16,
    dir: std::path::PathBuf,
}

impl SmtpServer {
    fn start(name: &str) -> SmtpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("c5hub-{name}-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let child = std::process::Command::new("python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(&dir)
            .spawn()
            .expect("python3 -m aiosmtpd (pip install aiosmtpd; tools/test.sh does)");
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "aiosmtpd did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        SmtpServer { child, port, dir }
    }

    /// Every message received, as text.
    fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.join("new")) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[test]
fn e_mail_goes_through_smtp_to_whom_chose_it_and_may_read() {
    for loc in locations("notify_email") {
        let smtp = SmtpServer::start("smtp");
        let hub = Hub::start_with(
            loc,
            Config {
                notify: NotifyConfig {
                    interval_ms: 20,
                    webhook_backoff_ms: 100,
                    smtp_url: Some(format!("smtp://127.0.0.1:{}", smtp.port)),
                    from: "hub@national-cirt.test".to_owned(),
                },
                ..test_config()
            },
        );
        for o in ["bank", "peer", "other"] {
            org(&hub, o);
        }
        let bank = user(&hub, "bank", "eve@bank.test");
        let ann = user(&hub, "peer", "ann@peer.test");
        user(&hub, "peer", "carl@peer.test");
        let bob = user(&hub, "other", "bob@other.test");
        // Ann wants shared incidents by e-mail; Carl keeps the defaults
        // (e-mail for assignments only); Bob wants everything by e-mail.
        let everything = json!({"preferences": [
            {"event": "shared", "in_app": true, "email": true},
            {"event": "assigned", "in_app": true, "email": true},
            {"event": "correlated", "in_app": true, "email": true},
            {"event": "status", "in_app": true, "email": true},
        ]});
        ok(
            send(
                &hub,
                "PUT",
                "/api/v1/notifications/preferences",
                &bob,
                &everything,
            ),
            200,
        );
        ok(
            send(
                &hub,
                "PUT",
                "/api/v1/notifications/preferences",
                &ann,
                &json!({"preferences": [{"event": "shared", "in_app": true, "email": true}]}),
            ),
            200,
        );
        let strict = submit(
            &hub,
            &bank,
            &json!({"id": "bank:S-1", "tlp": "amber+strict", "title": "secret strict thing"}),
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
        let shared = submit(
            &hub,
            &bank,
            &json!({"id": "bank:A-1", "tlp": "amber", "title": "shared thing", "shared_with": ["peer"]}),
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
                &json!({"assignee": "carl@peer.test"}),
            ),
            200,
        );
        caught_up(&hub);
        let start = Instant::now();
        while smtp.messages().len() < 2 {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "{:?}",
                smtp.messages()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        std::thread::sleep(Duration::from_millis(500));
        let got = smtp.messages();
        assert_eq!(got.len(), 2, "{got:#?}");
        let to_ann: Vec<&String> = got
            .iter()
            .filter(|m| m.contains("X-RcptTo: ann@peer.test"))
            .collect();
        let to_carl: Vec<&String> = got
            .iter()
            .filter(|m| m.contains("X-RcptTo: carl@peer.test"))
            .collect();
        assert_eq!((to_ann.len(), to_carl.len()), (1, 1), "{got:#?}");
        assert!(
            to_ann[0].contains(
                "Subject: [c5hub] bank shared bank:A-1 (shared thing) with your organisation"
            ),
            "{}",
            to_ann[0]
        );
        assert!(
            to_carl[0].contains("Subject: [c5hub] bank:A-1 (shared thing) was assigned to you"),
            "{}",
            to_carl[0]
        );
        for m in &got {
            assert!(m.contains("X-MailFrom: hub@national-cirt.test"), "{m}");
            assert!(!m.contains("strict"), "nothing of the strict incident: {m}");
            assert!(
                !m.contains("eve@bank.test"),
                "no person of another organisation: {m}"
            );
            assert!(!m.contains("bob@other.test"), "{m}");
        }
        hub.stop();
    }
}
