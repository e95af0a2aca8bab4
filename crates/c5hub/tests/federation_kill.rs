//! Two `c5hub serve` processes federating (hub A pushes to hub B, B on
//! each backend), each killed with SIGKILL in the middle of the initial
//! sync and started again: B ends with every incident of A exactly once,
//! in one version, and A's outbound cursor caught up. Peers are added with
//! the CLI, as an operator would.

mod support;

use std::time::Duration;

use c5hub_store::{Location, Store};

use support::{ok, options, read_by, serve_with, wait_for};

/// How long the background work may take.
const LIMIT: Duration = Duration::from_secs(300);
const INCIDENTS: usize = 4000;
const ADMIN: &str = "c5h_0123456789abcdef0123456789abcdef0123456789abcdef";

fn lag(loc: &Location) -> i64 {
    let mut st = Store::open(loc, options()).expect("store");
    st.peers().get("hub-b").expect("read").expect("peer").lag
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("address")
        .port()
}

#[test]
fn killed_hubs_resume_the_sync_with_each_incident_once() {
    let dir = std::env::temp_dir().join(format!("c5hub-fed-kill-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let file = |name: &str, text: &str| -> String {
        let p = dir.join(name);
        std::fs::write(&p, text).expect("write");
        p.to_str().expect("utf-8").to_owned()
    };
    let config_a = file("a.toml", "org = \"hub-a\"\n");
    let config_b = file("b.toml", "org = \"hub-b\"\n");
    let send = file(
        "send.toml",
        "[out]\ntlp = [\"clear\", \"green\"]\npseudonymise = false\n",
    );
    let take = file("take.toml", "[out]\ntlp = []\npseudonymise = false\n");
    let unused = file("unused.token", "unused\n");
    let mut feed = String::from("time,source.ip,classification.type\n");
    for n in 0..INCIDENTS {
        feed.push_str(&format!(
            "2026-03-01T00:00:00Z,198.18.{}.{},phishing\n",
            n / 250,
            n % 250 + 1
        ));
    }
    let feed = file("feed.csv", &feed);

    for b_loc in c5hub_test_support::locations("fed_kill_b") {
        let a_loc = c5hub_test_support::locations("fed_kill_a").remove(0);
        // A: its operator, a reporter, and the feed.
        drop(serve_with(
            &a_loc,
            ADMIN,
            "127.0.0.1:0",
            &["--config", &config_a],
        ));
        ok(&a_loc, &["orgs", "add", "bank", "--type", "operator"], &[]);
        ok(
            &a_loc,
            &["import", &feed, "--as", "bank", "--tlp", "green"],
            &[],
        );
        // B: the organisation standing for A, its token, and A as a peer
        // B takes from and sends nothing.
        ok(&b_loc, &["orgs", "add", "hub-a", "--type", "peer-hub"], &[]);
        let token = ok(
            &b_loc,
            &["tokens", "create", "--org", "hub-a", "--role", "reporter"],
            &[],
        );
        let token_file = file("a-to-b.token", &token);
        ok(
            &b_loc,
            &[
                "peers",
                "add",
                "hub-a",
                "http://127.0.0.1:9/taxii2/api1/",
                "--token-file",
                &unused,
                "--policy",
                &take,
                "--org",
                "hub-a",
            ],
            &[],
        );
        let b_listen = format!("127.0.0.1:{}", free_port());
        let mut b = serve_with(&b_loc, ADMIN, &b_listen, &["--config", &config_b]);
        ok(
            &a_loc,
            &[
                "peers",
                "add",
                "hub-b",
                &format!("http://{b_listen}/taxii2/api1/"),
                "--token-file",
                &token_file,
                "--policy",
                &send,
            ],
            &[],
        );
        let mut a = serve_with(&a_loc, ADMIN, "127.0.0.1:0", &["--config", &config_a]);

        // B dies with part of the sync taken in.
        wait_for("B's first incidents", LIMIT, || {
            !read_by(&b_loc, "hub-a").is_empty()
        });
        b.child.kill().expect("SIGKILL B");
        b.child.wait().expect("reaped");
        let mid = read_by(&b_loc, "hub-a").len();
        assert!(
            mid < INCIDENTS,
            "{b_loc}: B was killed after the whole sync"
        );
        std::thread::sleep(Duration::from_millis(600));
        let _b = serve_with(&b_loc, ADMIN, &b_listen, &["--config", &config_b]);

        // Then A dies, further on.
        wait_for("more at B", LIMIT, || read_by(&b_loc, "hub-a").len() > mid);
        a.child.kill().expect("SIGKILL A");
        a.child.wait().expect("reaped");
        let at_a_kill = read_by(&b_loc, "hub-a").len();
        assert!(
            at_a_kill < INCIDENTS,
            "{b_loc}: A was killed after the whole sync"
        );
        let _a = serve_with(&a_loc, ADMIN, "127.0.0.1:0", &["--config", &config_a]);

        wait_for("every incident at B", LIMIT, || {
            read_by(&b_loc, "hub-a").len() >= INCIDENTS
        });
        wait_for("A's cursor past its changes", LIMIT, || lag(&a_loc) == 0);
        let got = read_by(&b_loc, "hub-a");
        assert_eq!(got.len(), INCIDENTS, "{b_loc}");
        assert!(
            got.values().all(|(n, v)| *n == 1 && *v == 1),
            "{b_loc}: each incident once, in one version"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
