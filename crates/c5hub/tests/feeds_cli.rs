//! `c5hub feeds add|list|remove` on both backends: an unknown `--as` and an
//! https URL are refused with why, a secret is never printed, and
//! `feeds list --format json` is the API's `GET /api/v1/feeds`.

mod support;

use std::time::{Duration, Instant};

use c5hub_store::Location;
use serde_json::Value;

use support::serve;

const PASSWORD: &str = "pw-never-printed-7f3a";
const TOKEN: &str = "tok-never-printed-91c2";

fn ok(loc: &Location, args: &[&str]) -> String {
    support::ok(loc, args, &[PASSWORD, TOKEN])
}

fn refused(loc: &Location, args: &[&str], says: &str) {
    support::refused(loc, args, says, &[PASSWORD, TOKEN])
}

#[test]
fn feeds_are_added_listed_and_removed_from_the_command_line() {
    for loc in c5hub_test_support::locations("feeds_cli") {
        let dir = std::env::temp_dir().join(format!(
            "c5hub-feeds-cli-{}-{}",
            std::process::id(),
            matches!(loc, Location::Postgres(_))
        ));
        std::fs::create_dir_all(&dir).expect("dir");
        let (pw, tok) = (dir.join("password"), dir.join("token"));
        std::fs::write(&pw, format!("{PASSWORD}\n")).expect("password file");
        std::fs::write(&tok, TOKEN).expect("token file");
        let (pw, tok) = (pw.to_str().expect("utf-8"), tok.to_str().expect("utf-8"));
        ok(&loc, &["orgs", "add", "puller", "--type", "national-cirt"]);

        let taxii = |url: &str, as_org: &str| -> Vec<String> {
            [
                "feeds",
                "add",
                "taxii",
                url,
                "--collection",
                "all",
                "--user",
                "u",
                "--password-file",
                pw,
                "--every",
                "1d",
                "--as",
                as_org,
            ]
            .map(str::to_owned)
            .to_vec()
        };
        let args = taxii("http://127.0.0.1:9/taxii2/api1/", "nobody");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "\"nobody\" is not an organisation of this hub");
        let args = taxii("https://taxii.example/api1/", "puller");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        refused(&loc, &args, "https feeds are not supported yet");
        refused(
            &loc,
            &[
                "feeds",
                "add",
                "misp",
                "http://127.0.0.1:9/misp/",
                "--every",
                "soon",
                "--as",
                "puller",
            ],
            "\"soon\" is not a duration",
        );

        let args = taxii("http://127.0.0.1:9/taxii2/api1/", "puller");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = ok(&loc, &args);
        assert!(
            out.contains("taxii\thttp://127.0.0.1:9/taxii2/api1/\tas puller"),
            "{out}"
        );
        let out = ok(
            &loc,
            &[
                "feeds",
                "add",
                "misp",
                "http://127.0.0.1:9/misp/",
                "--token-file",
                tok,
                "--every",
                "1d",
                "--as",
                "puller",
            ],
        );
        let misp_id: i64 = out.split('\t').next().expect("id").parse().expect("an id");
        let table = ok(&loc, &["feeds", "list"]);
        assert_eq!(table.lines().count(), 3, "{table}");

        // The API's answer, once both feeds have been polled (and failed:
        // nothing answers on port 9), so that nothing changes between the
        // two reads for a day.
        let admin = "c5h_0123456789abcdef0123456789abcdef0123456789abcdef";
        let hub = serve(&loc, admin);
        let start = Instant::now();
        let api = loop {
            let a: Value = ureq::get(&format!("{}/api/v1/feeds", hub.base))
                .set("Authorization", &format!("Bearer {admin}"))
                .call()
                .expect("GET /api/v1/feeds")
                .into_json()
                .expect("json");
            let polled = a
                .as_array()
                .expect("a list")
                .iter()
                .all(|f| f["failures"] == 1);
            if polled {
                break a;
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "never polled: {a}"
            );
            std::thread::sleep(Duration::from_millis(200));
        };
        let text = api.to_string();
        assert!(!text.contains(PASSWORD) && !text.contains(TOKEN), "{text}");
        let cli: Value =
            serde_json::from_str(&ok(&loc, &["feeds", "list", "--format", "json"])).expect("JSON");
        assert_eq!(cli, api, "{loc}: the CLI prints the API's answer");
        assert_eq!(api[1]["auth"], "bearer");
        assert_eq!(api[0]["user"], "u");
        drop(hub);

        let id = misp_id.to_string();
        assert_eq!(
            ok(&loc, &["feeds", "remove", &id]).trim(),
            format!("removed feed {misp_id}")
        );
        refused(&loc, &["feeds", "remove", &id], &format!("feed {misp_id}"));
        let left: Value =
            serde_json::from_str(&ok(&loc, &["feeds", "list", "--format", "json"])).expect("JSON");
        assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
