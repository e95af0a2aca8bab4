//! The feed poller over real HTTP on both backends: one hub pulls another's
//! TAXII collection (every incident once, then only the new ones), resumes
//! after being stopped in the middle of a walk with every incident stored
//! exactly once, pulls the other's MISP feed, and backs off from a remote
//! that does not answer, with the failure on /metrics.

mod support;

use std::collections::BTreeMap;
use std::time::Duration;

use c5hub_hub::Authority;
use c5hub_hub::feeds::{self, Auth, Kind, Request};
use c5hub_model::{Tlp, Viewer};
use c5hub_store::{Feed, IncidentFilter, Location, Store};
use serde_json::json;
use support::{Hub, get, locations, org_token, post_json, test_config, wait_for};

fn submit(hub: &Hub, token: &str, from: usize, to: usize) {
    for n in from..to {
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(token),
            &json!({"id": format!("bank.test:FEED-{n}"), "tlp": "GREEN", "title": format!("pulled {n}"),
                    "classification": "fraud/phishing"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
    }
}

fn console() -> Authority {
    Authority::Console {
        name: "cli:test".to_owned(),
    }
}

fn add_feed(loc: &Location, kind: Kind, url: String, collection: Option<&str>, auth: Auth) -> Feed {
    let mut st = Store::open(loc, support::options()).expect("store");
    feeds::add(
        &mut st,
        &console(),
        &Request {
            kind,
            url,
            collection: collection.map(str::to_owned),
            auth,
            every: Duration::from_secs(1),
            as_org: None,
            tlp: Tlp::Amber,
        },
    )
    .expect("feed added")
}

/// The global ids the local hub's operator reads, with how often each
/// appears and its version.
fn pulled(loc: &Location) -> BTreeMap<String, (usize, i64)> {
    let mut st = Store::open(loc, support::options()).expect("store");
    let mut out: BTreeMap<String, (usize, i64)> = BTreeMap::new();
    for i in st
        .incidents()
        .list(
            &IncidentFilter {
                limit: 10_000,
                ..IncidentFilter::default()
            },
            &Viewer::member("national-cirt"),
        )
        .expect("list")
    {
        let e = out.entry(i.global_id).or_insert((0, 0));
        e.0 += 1;
        e.1 = i.version;
    }
    out
}

fn feed(loc: &Location, id: i64) -> Feed {
    Store::open(loc, support::options())
        .expect("store")
        .feeds()
        .get(id)
        .expect("read")
        .expect("the feed")
}

#[test]
fn a_hub_pulls_another_over_taxii_and_misp_and_resumes() {
    let pairs = locations("feeds_remote")
        .into_iter()
        .zip(locations("feeds_local"));
    for (remote_loc, local_loc) in pairs {
        let remote = Hub::start(remote_loc, false);
        let bank = org_token(&remote, "bank", "sector-cirt", "reporter");
        let reader = org_token(&remote, "peer", "sector-cirt", "viewer");
        submit(&remote, &bank, 0, 150);

        let local = Hub::start(local_loc.clone(), false);
        let admin = local.admin.clone();
        let f = add_feed(
            &local_loc,
            Kind::Taxii,
            remote.url("/taxii2/api1/"),
            Some("all"),
            Auth::Bearer(reader.clone()),
        );
        // Stop the local hub in the middle of its first walk (after the
        // first page is stored), then start it again.
        wait_for("the first page", || {
            feed(&local_loc, f.id).objects_total > 0
        });
        local.stop();
        let mid = pulled(&local_loc);
        assert!(!mid.is_empty(), "{local_loc}: the first page is stored");
        let local = Hub::start_with_admin(local_loc.clone(), test_config(), &admin);
        wait_for("every incident", || pulled(&local_loc).len() == 150);
        wait_for("the walk's end", || {
            feed(&local_loc, f.id).last_success.is_some()
        });
        let got = pulled(&local_loc);
        assert!(
            got.values().all(|(n, v)| *n == 1 && *v == 1),
            "{local_loc}: each incident once, one version: {got:?}"
        );
        // A page committed right before the stop is fetched again as
        // duplicates, which count nothing: the count is at most 150.
        let counted = feed(&local_loc, f.id).objects_total;
        assert!((1..=150).contains(&counted), "{local_loc}: {counted}");

        // More on the remote: only the new ones come.
        submit(&remote, &bank, 150, 170);
        wait_for("the new incidents", || pulled(&local_loc).len() == 170);
        std::thread::sleep(Duration::from_millis(1500));
        let got = pulled(&local_loc);
        assert!(got.values().all(|(n, v)| *n == 1 && *v == 1), "{got:?}");
        let f_now = feed(&local_loc, f.id);
        assert_eq!(f_now.objects_total, counted + 20, "{local_loc}");
        assert!(f_now.cursor.contains("added_after"), "{}", f_now.cursor);
        assert_eq!(f_now.last_error, None);

        // A remote that does not answer: failures back off, and show.
        let dead = add_feed(
            &local_loc,
            Kind::Taxii,
            "http://127.0.0.1:9/taxii2/api1/".to_owned(),
            Some("all"),
            Auth::Basic {
                user: "u".to_owned(),
                password: "never-shown".to_owned(),
            },
        );
        wait_for("a failure", || feed(&local_loc, dead.id).failures >= 1);
        let d = feed(&local_loc, dead.id);
        let err = d.last_error.clone().expect("the error");
        assert!(!err.contains("never-shown"), "{err}");
        assert!(d.last_success.is_none());
        // Backed off: the next poll is at least twice the period away.
        assert!(
            d.next_due - d.last_attempt.expect("attempted") >= chrono::Duration::seconds(2),
            "{d:?}"
        );
        let m = get(&local.url("/metrics"), Some(&local.admin));
        assert_eq!(m.status, 200, "{}", m.body);
        assert!(
            m.body.contains(&format!(
                "c5hub_feed_objects{{feed=\"{}\"}} {}",
                f.id,
                counted + 20
            )),
            "{}",
            m.body
        );
        assert!(
            m.body
                .contains(&format!("c5hub_feed_failures{{feed=\"{}\"}}", dead.id)),
            "{}",
            m.body
        );
        assert!(!m.body.contains("never-shown"));
        {
            let mut st = Store::open(&local_loc, support::options()).expect("store");
            feeds::remove(&mut st, &console(), dead.id).expect("removed");
            feeds::remove(&mut st, &console(), f.id).expect("removed");
        }

        // The remote's MISP feed, read as peer: the same incidents come as
        // MISP events, which name them by their IncidentIDs: each stored
        // once more as a new version (a MISP original), none twice.
        let before = pulled(&local_loc).len();
        let m = add_feed(
            &local_loc,
            Kind::Misp,
            remote.url("/misp/"),
            None,
            Auth::Bearer(reader),
        );
        wait_for("the MISP feed", || {
            feed(&local_loc, m.id).last_success.is_some()
        });
        let fm = feed(&local_loc, m.id);
        assert_eq!(fm.last_error, None, "{local_loc}");
        assert_eq!(fm.objects_total, 170, "{local_loc}: {fm:?}");
        wait_for("a second MISP poll", || {
            feed(&local_loc, m.id).last_success != fm.last_success
        });
        assert_eq!(feed(&local_loc, m.id).objects_total, 170, "nothing twice");
        let got = pulled(&local_loc);
        assert_eq!(got.len(), before, "{local_loc}");
        assert!(got.values().all(|(n, v)| *n == 1 && *v == 2), "{got:?}");
        local.stop();
        remote.stop();
    }
}
