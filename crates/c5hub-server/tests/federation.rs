//! Federation over real HTTP on both backends: three hubs in a ring
//! (A → B → C → A), each pushing to the next with `serve`'s push task and
//! taking in from the one before through its TAXII door. Every incident
//! reaches every hub its policies allow exactly once, none comes back to
//! its origin, AMBER+STRICT and RED stay home, a new version at the origin
//! replaces the copies; a peer that is down fails the push (shown on
//! `/metrics` and on the peer), and once it is back the sync resumes with
//! nothing lost and nothing twice.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use c5hub_hub::Authority;
use c5hub_hub::peers::{self, Asked};
use c5hub_server::config::Config;
use c5hub_store::{IncidentFilter, Location, Peer, Store};
use serde_json::{Value, json};
use support::taxii::{Auth, taxii_call};
use support::{Hub, get, locations, org_token, post_json, test_config, wait_for};

const TAXII: &str = "application/taxii+json;version=2.1";
const HUBS: [&str; 3] = ["hub-a", "hub-b", "hub-c"];
/// Sends everything but what never leaves.
const SEND: &str = "[out]\ntlp = [\"clear\", \"green\", \"amber\"]\namber_only_if_shared = false\npseudonymise = false\n";
/// Takes in, sends nothing: the peer before this hub in the ring.
const TAKE_ONLY: &str = "[out]\ntlp = []\npseudonymise = false\n";

fn config(me: usize, listen: &str) -> Config {
    Config {
        org: HUBS[me].to_owned(),
        listen: listen.to_owned(),
        ..test_config()
    }
}

/// A token of a new organisation `org` on `hub`.
fn add_peer(loc: &Location, name: &str, url: &str, token: &str, policy: &str, org: Option<&str>) {
    let mut st = Store::open(loc, support::options()).expect("store");
    peers::add(
        &mut st,
        &Authority::Console {
            name: "cli:test".to_owned(),
        },
        &Asked {
            name,
            url,
            token,
            policy,
            org,
            ..Asked::default()
        },
    )
    .expect("peer added");
}

fn submit(hub: &Hub, token: &str, id: &str, tlp: &str, title: &str) {
    let r = post_json(
        &hub.url("/api/v1/incidents"),
        Some(token),
        &json!({"id": id, "tlp": tlp, "title": title, "classification": "fraud/phishing",
                "observables": [format!("{}.example", id.replace([':', '.'], "-"))]}),
    );
    assert!(r.status == 201 || r.status == 200, "{}", r.body);
}

/// Global id → (copies, title) of everything the hub holds, as read by
/// each organisation that reported there.
fn held(loc: &Location) -> BTreeMap<String, (usize, String)> {
    let mut st = Store::open(loc, support::options()).expect("store");
    let mut keys = std::collections::BTreeSet::new();
    let mut out: BTreeMap<String, (usize, String)> = BTreeMap::new();
    for org in ["bank", "hub-a", "hub-b", "hub-c"] {
        for i in st
            .incidents()
            .list(
                &IncidentFilter {
                    limit: 10_000,
                    ..IncidentFilter::default()
                },
                &c5hub_model::Viewer::member(org),
            )
            .expect("list")
        {
            if keys.insert(i.key) {
                let e = out.entry(i.global_id).or_insert((0, String::new()));
                e.0 += 1;
                e.1 = i.title.unwrap_or_default();
            }
        }
    }
    out
}

fn peer(loc: &Location, name: &str) -> Peer {
    Store::open(loc, support::options())
        .expect("store")
        .peers()
        .get(name)
        .expect("read")
        .expect("the peer")
}

fn ids(h: &BTreeMap<String, (usize, String)>, prefix: &str) -> usize {
    h.keys().filter(|g| g.starts_with(prefix)).count()
}

#[test]
fn three_hubs_in_a_ring_share_once_never_loop_and_survive_a_peer_down() {
    let (la, lb, lc) = (
        locations("fed_http_a"),
        locations("fed_http_b"),
        locations("fed_http_c"),
    );
    for ((la, lb), lc) in la.into_iter().zip(lb).zip(lc) {
        let locs = [la, lb, lc];
        let mut hubs: Vec<Option<Hub>> = (0..3)
            .map(|i| Some(Hub::start_with(locs[i].clone(), config(i, "127.0.0.1:0"))))
            .collect();
        let urls: Vec<String> = hubs
            .iter()
            .map(|h| h.as_ref().expect("up").url("/taxii2/api1/"))
            .collect();
        let admins: Vec<String> = hubs
            .iter()
            .map(|h| h.as_ref().expect("up").admin.clone())
            .collect();
        for me in 0..3 {
            let next = (me + 1) % 3;
            let prev = (me + 2) % 3;
            // The next hub gives this one a token of an organisation named
            // after it; this hub knows the one before it by its name.
            let t = org_token(
                hubs[next].as_ref().expect("up"),
                HUBS[me],
                "national-cirt",
                "reporter",
            );
            add_peer(&locs[me], HUBS[next], &urls[next], &t, SEND, None);
            let _ = org_token(
                hubs[me].as_ref().expect("up"),
                HUBS[prev],
                "national-cirt",
                "reporter",
            );
            add_peer(
                &locs[me],
                HUBS[prev],
                &urls[prev],
                "unused",
                TAKE_ONLY,
                Some(HUBS[prev]),
            );
        }
        let bank_a = org_token(
            hubs[0].as_ref().expect("up"),
            "bank",
            "national-cirt",
            "reporter",
        );
        let bank_b = org_token(
            hubs[1].as_ref().expect("up"),
            "bank",
            "national-cirt",
            "reporter",
        );
        // The TAXII door: federated objects from an organisation that
        // stands for no peer are refused whole; a peer's RED incident is a
        // failure of its status; neither is stored.
        let b = hubs[1].as_ref().expect("up");
        let object = |tlp: &str, id: &str| {
            json!({"type": "x-c5hub-incident", "spec_version": "2.1",
                   "id": "x-c5hub-incident--6a2c4a3e-5b43-4a0e-9c8e-2d6f0b7a9c11",
                   "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
                   "origin": "hub-a", "origin_key": 1, "origin_version": 1, "path": ["hub-a"],
                   "incident": {"id": id, "tlp": tlp}})
        };
        let post = |token: &str, o: Value| {
            let body = serde_json::to_vec(&json!({"objects": [o]})).expect("json");
            taxii_call(
                b,
                "POST",
                "/taxii2/api1/collections/all/objects/",
                Auth::Token(token),
                &[("Accept", TAXII)],
                Some(TAXII),
                Some(&body),
            )
        };
        let r = post(&bank_b, object("green", "a.test:forged"));
        assert_eq!(r.status, 403, "{}", r.body);
        let from_a = org_token(b, "hub-a", "national-cirt", "reporter");
        let r = post(&from_a, object("red", "a.test:red-sent"));
        assert_eq!(r.status, 202, "{}", r.body);
        assert_eq!(r.json()["failure_count"], 1, "{}", r.body);
        assert!(r.body.contains("never leave"), "{}", r.body);
        let h = held(&locs[1]);
        assert!(
            !h.contains_key("a.test:forged") && !h.contains_key("a.test:red-sent"),
            "{h:?}"
        );

        let a = hubs[0].as_ref().expect("up");
        for n in 0..40 {
            submit(a, &bank_a, &format!("a.test:{n}"), "GREEN", "first");
        }
        submit(a, &bank_a, "a.test:red", "RED", "stays");
        submit(a, &bank_a, "a.test:strict", "AMBER+STRICT", "stays");
        for n in 0..5 {
            submit(
                hubs[1].as_ref().expect("up"),
                &bank_b,
                &format!("b.test:{n}"),
                "CLEAR",
                "from b",
            );
        }
        wait_for("A's incidents at C", || {
            ids(&held(&locs[2]), "a.test:") == 40
        });
        wait_for("B's incidents at A", || {
            ids(&held(&locs[0]), "b.test:") == 5
        });
        // Let the ring run on: nothing more may arrive anywhere.
        std::thread::sleep(Duration::from_secs(2));
        for (i, loc) in locs.iter().enumerate() {
            let h = held(loc);
            assert!(h.values().all(|(n, _)| *n == 1), "{} {loc}: {h:?}", HUBS[i]);
            let own = if i == 0 { 42 } else { 40 };
            assert_eq!(ids(&h, "a.test:"), own, "{} {loc}", HUBS[i]);
            assert_eq!(ids(&h, "b.test:"), 5, "{} {loc}", HUBS[i]);
        }
        for loc in &locs[1..] {
            let h = held(loc);
            assert!(
                !h.contains_key("a.test:red") && !h.contains_key("a.test:strict"),
                "{h:?}"
            );
        }

        // Provenance: C holds A's incidents as B sent them.
        let key = {
            let mut st = Store::open(&locs[2], support::options()).expect("store");
            st.incidents()
                .list(
                    &IncidentFilter::default(),
                    &c5hub_model::Viewer::member("hub-b"),
                )
                .expect("list")
                .into_iter()
                .find(|i| i.global_id == "a.test:1")
                .expect("held")
                .key
        };
        let c = hubs[2].as_ref().expect("up");
        let r = get(
            &c.url(&format!("/api/v1/incidents/{key}")),
            Some(&admins[2]),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let p = &r.json()["provenance"];
        assert_eq!(p["origin"], "hub-a", "{}", r.body);
        assert_eq!(p["path"], json!(["hub-a", "hub-b"]), "{}", r.body);
        assert_eq!(p["origin_version"], 1, "{}", r.body);
        assert_eq!(r.json()["reporter"], "hub-b", "{}", r.body);

        // B goes down; A keeps reporting, and its pushes fail.
        let b_listen = hubs[1]
            .as_ref()
            .expect("up")
            .base
            .trim_start_matches("http://")
            .to_owned();
        hubs[1].take().expect("up").stop();
        let a = hubs[0].as_ref().expect("up");
        submit(a, &bank_a, "a.test:0", "GREEN", "second");
        for n in 40..60 {
            submit(a, &bank_a, &format!("a.test:{n}"), "GREEN", "first");
        }
        wait_for("a failed push", || {
            peer(&locs[0], "hub-b").last_error.is_some()
        });
        let m = get(&a.url("/metrics"), Some(&admins[0]));
        assert!(
            m.body.contains("c5hub_peer_failing{peer=\"hub-b\"} 1"),
            "{}",
            m.body
        );
        // B comes back on the same address: the sync resumes.
        hubs[1] = Some(Hub::start_with_admin(
            locs[1].clone(),
            config(1, &b_listen),
            &admins[1],
        ));
        wait_for("A's new incidents at C", || {
            ids(&held(&locs[2]), "a.test:") == 60
        });
        wait_for("the new version at C", || {
            held(&locs[2])
                .get("a.test:0")
                .is_some_and(|(_, t)| t == "second")
        });
        std::thread::sleep(Duration::from_secs(2));
        for (i, loc) in locs.iter().enumerate() {
            let h = held(loc);
            assert!(h.values().all(|(n, _)| *n == 1), "{} {loc}: {h:?}", HUBS[i]);
            assert_eq!(h["a.test:0"].1, "second", "{} {loc}", HUBS[i]);
            assert_eq!(
                ids(&h, "a.test:"),
                if i == 0 { 62 } else { 60 },
                "{} {loc}",
                HUBS[i]
            );
        }
        let p = peer(&locs[0], "hub-b");
        assert_eq!(p.last_error, None, "{p:?}");
        assert!(p.sent_objects >= 60, "{p:?}");
        let a = hubs[0].as_ref().expect("up");
        let m = get(&a.url("/metrics"), Some(&admins[0]));
        assert!(
            m.body.contains("c5hub_peer_failing{peer=\"hub-b\"} 0"),
            "{}",
            m.body
        );
        assert!(
            m.body.contains("c5hub_peer_lag_changes{peer=\"hub-b\"} 0"),
            "{}",
            m.body
        );
        for h in hubs.into_iter().flatten() {
            h.stop();
        }
    }
}

/// What the front of a failing peer did with each connection, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Front {
    /// Answered 500 after reading the whole request.
    Failed,
    /// Read the request and never answered.
    Hung,
    /// Passed the bytes both ways to the peer behind it.
    Passed,
}

/// A front for `behind` on a port of its own: its first connection is
/// answered 500, its second never, and the others pass through. What it
/// did is logged in order.
fn failing_front(
    behind: std::net::SocketAddr,
) -> (String, std::sync::Arc<std::sync::Mutex<Vec<Front>>>) {
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/taxii2/api1/",
        listener.local_addr().expect("addr")
    );
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = log.clone();
    // Reads one request whole: its head, then Content-Length bytes.
    fn read_request(c: &mut TcpStream) {
        let mut buf = Vec::new();
        let mut byte = [0u8; 1];
        while !buf.ends_with(b"\r\n\r\n") {
            match c.read(&mut byte) {
                Ok(1) => buf.push(byte[0]),
                _ => return,
            }
        }
        let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
        let len: u64 = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(0);
        let _ = std::io::copy(&mut c.take(len), &mut std::io::sink());
    }
    std::thread::spawn(move || {
        for (n, conn) in listener.incoming().enumerate() {
            let Ok(mut c) = conn else { continue };
            let what = match n {
                0 => Front::Failed,
                1 => Front::Hung,
                _ => Front::Passed,
            };
            seen.lock().expect("log").push(what);
            std::thread::spawn(move || match what {
                Front::Failed => {
                    read_request(&mut c);
                    let _ = c.write_all(
                        b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 6\r\nConnection: close\r\n\r\nbroken",
                    );
                }
                Front::Hung => {
                    read_request(&mut c);
                    std::thread::sleep(Duration::from_secs(30));
                }
                Front::Passed => {
                    let Ok(b) = TcpStream::connect(behind) else {
                        return;
                    };
                    let (mut c2, mut b2) =
                        (c.try_clone().expect("clone"), b.try_clone().expect("clone"));
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut c2, &mut b2);
                        let _ = b2.shutdown(std::net::Shutdown::Write);
                    });
                    let (mut c, mut b) = (c, b);
                    let _ = std::io::copy(&mut b, &mut c);
                    let _ = c.shutdown(std::net::Shutdown::Write);
                }
            });
        }
    });
    (url, log)
}

/// A peer that answers 500, then does not answer at all, then works: each
/// failure is kept on the peer and retried after the backoff, and once the
/// peer answers every incident arrives exactly once.
#[test]
fn a_peer_that_answers_500_then_times_out_gets_everything_once_after() {
    for (la, lb) in locations("fed_fail_a")
        .into_iter()
        .zip(locations("fed_fail_b"))
    {
        let locs = [la, lb];
        let mut ca = config(0, "127.0.0.1:0");
        ca.federation.timeout_seconds = 2;
        let a = Hub::start_with(locs[0].clone(), ca);
        let b = Hub::start_with(locs[1].clone(), config(1, "127.0.0.1:0"));
        let behind: std::net::SocketAddr = b
            .base
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .parse()
            .expect("B's address");
        let (front, log) = failing_front(behind);
        let t = org_token(&b, HUBS[0], "national-cirt", "reporter");
        add_peer(&locs[0], HUBS[1], &front, &t, SEND, None);
        let a_url = a.url("/taxii2/api1/");
        add_peer(
            &locs[1],
            HUBS[0],
            &a_url,
            "unused",
            TAKE_ONLY,
            Some(HUBS[0]),
        );
        let bank = org_token(&a, "bank", "national-cirt", "reporter");
        for n in 0..60 {
            submit(&a, &bank, &format!("a.test:{n}"), "GREEN", "first");
        }
        let mut errors = Vec::new();
        wait_for("A's incidents at B through the failing front", || {
            if let Some(e) = peer(&locs[0], HUBS[1]).last_error {
                if errors.last() != Some(&e) {
                    errors.push(e);
                }
            }
            ids(&held(&locs[1]), "a.test:") == 60
        });
        let h = held(&locs[1]);
        assert!(h.values().all(|(n, _)| *n == 1), "{h:?}");
        let done = log.lock().expect("log").clone();
        assert_eq!(&done[..2], &[Front::Failed, Front::Hung], "{done:?}");
        assert!(done[2..].iter().all(|f| *f == Front::Passed), "{done:?}");
        assert!(
            errors.iter().any(|e| e.contains("500")),
            "the 500 was kept on the peer: {errors:?}"
        );
        assert!(
            errors.iter().any(|e| !e.contains("500")),
            "the timeout was kept on the peer: {errors:?}"
        );
        let p = peer(&locs[0], HUBS[1]);
        assert!(p.last_error.is_none() && p.last_success.is_some(), "{p:?}");
        assert_eq!(p.lag, 0, "{p:?}");
    }
}
