//! The command line's JSON is the API's JSON: the same question asked of
//! the same store through `c5hub ... --format json` and over HTTP gives the
//! same document (both print the `c5hub-wire` struct of that answer).

use std::path::{Path, PathBuf};
use std::process::Command;

use c5hub_server::{AdminToken, Config};
use c5hub_store::{Actor, Location, NewEdition, Options, Store};
use serde_json::Value;

fn c5hub(args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .output()
        .expect("the c5hub binary runs");
    assert!(
        out.status.success(),
        "c5hub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

fn get(base: &str, path: &str, token: &str) -> Value {
    ureq::get(&format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .expect("200")
        .into_json()
        .expect("JSON")
}

fn reports_file() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../c5hub-spam/test-data/reports/reports.csv")
        .display()
        .to_string()
}

#[test]
fn spam_reports_and_assessment_editions_answer_the_same_as_the_api() {
    let dir = std::env::temp_dir().join(format!("c5hub-wire-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let data = dir.to_str().expect("UTF-8 path").to_owned();
    let key = dir.join("spam.key");
    std::fs::write(&key, "a test key that is long enough\n").expect("key written");
    let key_arg = key.to_str().expect("UTF-8 path");

    // Reports stored by the command line, an edition opened on the store.
    c5hub_stored(&data, key_arg);
    let location = Location::Sqlite(dir.clone());
    let mut config = Config {
        listen: "127.0.0.1:0".to_owned(),
        read_connections: 2,
        ..Config::default()
    };
    config.spam.key_file = Some(key.clone());
    let mut store = Store::open(&location, Options::default()).expect("store");
    let admin = match c5hub_server::ensure_admin(&mut store, &config, None).expect("admin") {
        AdminToken::Generated(t) => t,
        other => panic!("a fresh hub, got {other:?}"),
    };
    let m = c5hub_assess::Methodology::builtin(c5hub_assess::methodology::builtin_names()[0])
        .expect("a built-in methodology");
    store
        .assessment()
        .add_edition(
            &NewEdition {
                methodology: &m.id,
                methodology_version: &m.version,
                year: 2026,
                title: "wire",
            },
            Actor {
                name: "test",
                org: &config.org,
            },
        )
        .expect("edition");
    drop(store);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let running = rt
        .block_on(c5hub_server::start(
            location,
            Options::default(),
            config,
            false,
        ))
        .expect("the hub starts");
    let base = format!("http://{}", running.addr);

    // The hub's own organisation reads every operator's reports, with
    // senders and numbers as pseudonyms; so does the console.
    let api = get(&base, "/api/v1/spam/reports", &admin);
    let cli = c5hub(&["spam", "stored", "--key-file", key_arg, "--data", &data]);
    assert_eq!(api["items"].as_array().map(Vec::len), Some(4), "{api:#}");
    assert!(
        !api.to_string().contains("447911123456"),
        "numbers only as pseudonyms: {api}"
    );
    assert_eq!(cli, api);
    let api = get(&base, "/api/v1/spam/reports?operator=op-a&limit=1", &admin);
    let cli = c5hub(&[
        "spam",
        "stored",
        "--key-file",
        key_arg,
        "--operator",
        "op-a",
        "--limit",
        "1",
        "--data",
        &data,
    ]);
    assert!(api["next_cursor"].is_string(), "{api:#}");
    assert_eq!(cli, api);

    let api = get(&base, "/api/v1/assess/editions", &admin);
    let cli = c5hub(&["assess", "editions", "--data", &data]);
    assert_eq!(api["editions"][0]["title"], "wire", "{api:#}");
    assert_eq!(cli, api);

    rt.block_on(running.shutdown()).expect("clean shutdown");
    let _ = std::fs::remove_dir_all(Path::new(&data));
}

fn c5hub_stored(data: &str, key: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args([
            "spam",
            "reports",
            &reports_file(),
            "--key-file",
            key,
            "--store",
            "--data",
            data,
        ])
        .output()
        .expect("the c5hub binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
