//! `c5hub peers add|list|show|pause|resume|remove` on both backends: a
//! policy that would let AMBER+STRICT or RED leave is refused with the key
//! named, a policy that pseudonymises needs its key, tokens and keys are
//! never printed, pausing keeps the cursors, and what was done is in the
//! audit log.

mod support;

use c5hub_store::{Location, Options, Store, WarningList};
use serde_json::Value;

const TOKEN: &str = "tok-never-printed-5d1e";
const KEY: &str = "6b65792d6e657665722d7072696e7465642d3031";

fn ok(loc: &Location, args: &[&str]) -> String {
    support::ok(loc, args, &[TOKEN, KEY])
}

fn refused(loc: &Location, args: &[&str], says: &str) {
    support::refused(loc, args, says, &[TOKEN, KEY])
}

#[test]
fn peers_are_added_shown_paused_and_removed_from_the_command_line() {
    for loc in c5hub_test_support::locations("peers_cli") {
        let dir = std::env::temp_dir().join(format!(
            "c5hub-peers-cli-{}-{}",
            std::process::id(),
            matches!(loc, Location::Postgres(_))
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let file = |name: &str, text: &str| {
            let p = dir.join(name);
            std::fs::write(&p, text).expect("write");
            p.to_str().expect("utf-8").to_owned()
        };
        let token = file("token", &format!("{TOKEN}\n"));
        let key = file("key", KEY);
        let leaky = file("leaky.toml", "[out]\ntlp = [\"green\", \"red\"]\n");
        let typo = file(
            "typo.toml",
            "[out]\ntlp = [\"green\"]\npseudonymize = false\n",
        );
        let good = file(
            "good.toml",
            "[out]\ntlp = [\"clear\", \"green\", \"amber\"]\nrsit = [\"fraud\"]\n\n[in]\ntlp = [\"clear\", \"green\"]\n",
        );
        ok(
            &loc,
            &["orgs", "add", "regional-hub", "--type", "national-cirt"],
        );
        let url = "http://127.0.0.1:9/taxii2/api1/";
        let add = |policy: &str, key: Option<&str>| -> Vec<String> {
            let mut a: Vec<String> = ["peers", "add", "regional", url, "--token-file", &token]
                .map(str::to_owned)
                .to_vec();
            a.extend(["--policy".to_owned(), policy.to_owned()]);
            a.extend(["--org".to_owned(), "regional-hub".to_owned()]);
            if let Some(k) = key {
                a.extend(["--key-file".to_owned(), k.to_owned()]);
            }
            a
        };
        let args = add(&leaky, Some(&key));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "out.tlp[1]");
        refused(&loc, &args, "never leave the hub they were reported to");
        let args = add(&typo, Some(&key));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "unknown field `pseudonymize`");
        let huge = file("huge.toml", &format!("# {}\n", "x".repeat(70_000)));
        let args = add(&huge, Some(&key));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "more than the limit of 65536");
        let args = add(&good, None);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "give the key shared with this peer");

        let args = add(&good, Some(&key));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ok(&loc, &args);
        assert_eq!(out.trim(), format!("regional\tc5hub\t{url}"));
        refused(&loc, &args, "peer \"regional\" exists");

        let shown: Value = serde_json::from_str(&ok(
            &loc,
            &["peers", "show", "regional", "--format", "json"],
        ))
        .expect("JSON");
        assert_eq!(shown["org"], "regional-hub", "{shown}");
        assert_eq!(shown["paused"], false, "{shown}");
        assert!(shown["policy"].as_str().is_some_and(|p| p.contains("[in]")));
        let listed: Value =
            serde_json::from_str(&ok(&loc, &["peers", "list", "--format", "json"])).expect("JSON");
        assert_eq!(listed, Value::Array(vec![shown.clone()]), "{loc}");

        // Pausing keeps the cursors the sync moved.
        {
            let mut s = Store::open(
                &loc,
                Options {
                    warning_list: WarningList::empty(),
                },
            )
            .expect("open");
            let p = s.peers().get("regional").expect("read").expect("peer");
            assert_eq!(p.secret, TOKEN, "the sync reads the token back");
            s.peers().pushed(p.id, 17, 4, 2048).expect("pushed");
        }
        ok(&loc, &["peers", "pause", "regional"]);
        let paused: Value = serde_json::from_str(&ok(
            &loc,
            &["peers", "show", "regional", "--format", "json"],
        ))
        .expect("JSON");
        assert_eq!(
            (paused["paused"].clone(), paused["cursor_out"].clone()),
            (true.into(), 17.into())
        );
        let out = ok(&loc, &["peers", "resume", "regional"]);
        assert!(out.contains("from change 17"), "{out}");
        let table = ok(&loc, &["peers", "show", "regional"]);
        assert!(
            table.contains("out\tcursor 17\t4 objects\t2048 bytes"),
            "{table}"
        );

        ok(&loc, &["peers", "remove", "regional"]);
        refused(&loc, &["peers", "show", "regional"], "peer \"regional\"");
        refused(&loc, &["peers", "remove", "regional"], "peer \"regional\"");
        let audit = {
            let mut s = Store::open(
                &loc,
                Options {
                    warning_list: WarningList::empty(),
                },
            )
            .expect("open");
            s.accounts().audit_log(None, 100).expect("audit")
        };
        let actions: Vec<&str> = audit.iter().map(|a| a.action.as_str()).collect();
        for a in ["peer.add", "peer.pause", "peer.resume", "peer.remove"] {
            assert!(actions.contains(&a), "{a} in {actions:?}");
        }
        std::fs::remove_dir_all(&dir).ok();
    }
}
