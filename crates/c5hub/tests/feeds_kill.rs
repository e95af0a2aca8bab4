//! `c5hub serve` polling another hub's TAXII collection, killed with
//! SIGKILL once the first page is stored and started again: every incident
//! arrives exactly once, in one version (both backends for the puller; the
//! remote is a second `c5hub serve`). Feeds are added with the CLI, as an
//! operator would.

mod support;

use std::time::Duration;

use c5hub_store::{Feed, Location, Store};

use support::{ok, options, read_by, serve, wait_for};
/// How long the background work may take.
const LIMIT: Duration = Duration::from_secs(180);
const INCIDENTS: usize = 300;

fn feed(loc: &Location) -> Feed {
    let mut st = Store::open(loc, options()).expect("store");
    let all = st.feeds().list().expect("feeds");
    all.into_iter().next().expect("the feed")
}

#[test]
fn a_killed_poller_resumes_and_stores_each_incident_once() {
    let remote_loc = c5hub_test_support::locations("feeds_kill_remote").remove(0);
    let admin = "c5h_0123456789abcdef0123456789abcdef0123456789abcdef";
    ok(
        &remote_loc,
        &["orgs", "add", "bank", "--type", "sector-cirt"],
        &[],
    );
    ok(
        &remote_loc,
        &["orgs", "add", "peer", "--type", "peer-hub"],
        &[],
    );
    let bank = ok(
        &remote_loc,
        &["tokens", "create", "--org", "bank", "--role", "reporter"],
        &[],
    )
    .trim()
    .to_owned();
    let reader = ok(
        &remote_loc,
        &["tokens", "create", "--org", "peer", "--role", "viewer"],
        &[],
    )
    .trim()
    .to_owned();
    let remote = serve(&remote_loc, admin);
    let agent = ureq::AgentBuilder::new()
        .timeout(Duration::from_secs(30))
        .build();
    for n in 0..INCIDENTS {
        let r = agent
            .post(&format!("{}/api/v1/incidents", remote.base))
            .set("Authorization", &format!("Bearer {bank}"))
            .send_json(serde_json::json!({
                "id": format!("bank.test:KILL-{n}"), "tlp": "GREEN",
                "title": format!("pulled {n}"), "classification": "fraud/phishing",
            }))
            .expect("submitted");
        assert_eq!(r.status(), 201);
    }

    for loc in c5hub_test_support::locations("feeds_kill_local") {
        let dir = std::env::temp_dir().join(format!(
            "c5hub-feeds-kill-{}-{}",
            std::process::id(),
            matches!(loc, Location::Postgres(_))
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let token_file = dir.join("token");
        std::fs::write(&token_file, format!("{reader}\n")).expect("token file");
        ok(
            &loc,
            &["orgs", "add", "puller", "--type", "national-cirt"],
            &[],
        );
        let added = ok(
            &loc,
            &[
                "feeds",
                "add",
                "taxii",
                &format!("{}/taxii2/api1/", remote.base),
                "--collection",
                "all",
                "--token-file",
                token_file.to_str().expect("utf-8"),
                "--every",
                "1s",
                "--as",
                "puller",
            ],
            &[],
        );
        assert!(!added.contains(&reader), "{added}");

        let mut local = serve(&loc, admin);
        wait_for("the first page", LIMIT, || feed(&loc).objects_total > 0);
        // SIGKILL: no shutdown, whatever the poller was doing.
        local.child.kill().expect("SIGKILL");
        local.child.wait().expect("reaped");
        let mid = read_by(&loc, "puller");
        assert!(
            !mid.is_empty() && mid.len() < INCIDENTS,
            "{loc}: killed in the middle of the walk, with {} of {INCIDENTS} stored",
            mid.len()
        );
        assert!(feed(&loc).last_success.is_none(), "{loc}");

        let _local = serve(&loc, admin);
        wait_for("every incident", LIMIT, || {
            read_by(&loc, "puller").len() >= INCIDENTS
        });
        wait_for("the walk's end", LIMIT, || {
            feed(&loc).last_success.is_some()
        });
        let got = read_by(&loc, "puller");
        assert_eq!(got.len(), INCIDENTS, "{loc}");
        assert!(
            got.values().all(|(n, v)| *n == 1 && *v == 1),
            "{loc}: each incident once, in one version: {got:?}"
        );
        let f = feed(&loc);
        assert_eq!(f.last_error, None, "{loc}");
        // A page stored before the kill but not yet in the cursor is
        // fetched again as duplicates, which count nothing.
        assert!(
            (1..=INCIDENTS as i64).contains(&f.objects_total),
            "{loc}: {}",
            f.objects_total
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    drop(remote);
}
