//! The command line's `--format json` is the API's JSON for the same
//! question: one store, `c5hub serve` on it, and each question asked both
//! ways (incident list, lookup, search, change feed, organisations, users and peers) must
//! give equal JSON.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_c5hub");

fn cli(args: &[&str], data: &Path) -> String {
    let out = Command::new(BIN)
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .env_remove("C5HUB_WARNING_LIST")
        .output()
        .expect("c5hub runs");
    assert!(
        out.status.success(),
        "c5hub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn cli_json(args: &[&str], data: &Path) -> Value {
    serde_json::from_str(&cli(args, data)).expect("one JSON document")
}

const DOC: &str = r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="RESTRICTION">
    <IncidentID name="csirt.bank.test">ID</IncidentID>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Description>Phishing wave ID</Description>
    <Contact role="creator" type="organization"><ContactName>Bank CSIRT</ContactName></Contact>
    <EventData><Flow><System category="source"><Node>
      <Address category="ipv4-addr">81.2.69.160</Address>
    </Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>
"#;

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn api(base: &str, path: &str, token: &str) -> Value {
    ureq::get(&format!("{base}{path}"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
        .into_json()
        .expect("json")
}

#[test]
fn cli_json_is_the_api_json() {
    let dir = std::env::temp_dir().join(format!("c5hub-wire-cli-api-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let data = dir.join("data");
    for (name, kind) in [("bank-csirt", "sector-cirt"), ("telco-a", "operator")] {
        cli(&["orgs", "add", name, "--type", kind], &data);
    }
    let token = cli(
        &["tokens", "create", "--org", "telco-a", "--role", "analyst"],
        &data,
    )
    .trim()
    .to_owned();
    for (file, restriction, id) in [
        ("a.xml", "green", "PH-1"),
        ("b.xml", "private", "PH-2"),
        ("c.xml", "green", "PH-3"),
    ] {
        let path = dir.join(file);
        std::fs::write(
            &path,
            DOC.replace("RESTRICTION", restriction)
                .replace(">ID<", &format!(">{id}<")),
        )
        .expect("write");
        cli(
            &[
                "import",
                "--as",
                "bank-csirt",
                path.to_str().expect("utf-8"),
            ],
            &data,
        );
    }

    let (peer_token, peer_key) = (dir.join("peer-token"), dir.join("peer-key"));
    std::fs::write(&peer_token, "peer-token-1\n").expect("write");
    std::fs::write(&peer_key, "00112233445566778899aabbccddeeff").expect("write");
    cli(
        &[
            "peers",
            "add",
            "regional",
            "http://127.0.0.1:9/taxii2/api1/",
            "--token-file",
            peer_token.to_str().expect("utf-8"),
            "--key-file",
            peer_key.to_str().expect("utf-8"),
            "--org",
            "telco-a",
        ],
        &data,
    );

    let admin = "c5h_0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--data"])
        .arg(&data)
        .env("C5HUB_ADMIN_TOKEN", admin)
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_WARNING_LIST")
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let stderr = child.stderr.take().expect("stderr");
    let server = Server(child);
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("line");
        if let Some(at) = line.find("http://") {
            let host = &line[at + "http://".len()..];
            break format!("http://{}", &host[..host.find('/').unwrap_or(host.len())]);
        }
    };
    std::thread::spawn(move || for _ in lines {});

    // telco-a reads the two GREEN incidents, not the AMBER+STRICT one.
    let as_telco = ["--format", "json", "--as", "telco-a"];
    let list = api(&base, "/api/v1/incidents", &token);
    assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
    let cli_list = cli_json(&[&["incidents", "list"][..], &as_telco].concat(), &data);
    assert_eq!(cli_list, list);
    // A page with a cursor, both ways.
    let page = api(&base, "/api/v1/incidents?limit=1", &token);
    assert!(page["next_cursor"].is_string(), "{page}");
    assert_eq!(
        cli_json(
            &[&["incidents", "list", "--limit", "1"][..], &as_telco].concat(),
            &data
        ),
        page
    );

    for value in ["81.2.69.160", "81.2.69.0%2F24"] {
        let l = api(&base, &format!("/api/v1/lookup?value={value}"), &token);
        assert_eq!(l["total"], 2, "{l}");
        let value = value.replace("%2F", "/");
        assert_eq!(
            cli_json(&[&["lookup", &value][..], &as_telco].concat(), &data),
            l
        );
    }

    // Search: words (the AMBER+STRICT one unseen), a page, and a value.
    for (query, args) in [
        ("q=phishing+wave", &["search", "phishing", "wave"][..]),
        (
            "q=phishing&per_page=1&page=2",
            &["search", "phishing", "--per-page", "1", "--page", "2"][..],
        ),
        ("q=81.2.69.160", &["search", "81.2.69.160"][..]),
    ] {
        let a = api(&base, &format!("/api/v1/search?{query}"), &token);
        assert_eq!(cli_json(&[args, &as_telco].concat(), &data), a, "{query}");
    }
    let a = api(&base, "/api/v1/search?q=phishing", &token);
    assert_eq!(a["total"], 2, "{a}");
    let table = cli(&["search", "phish", "--as", "telco-a"], &data);
    assert!(
        table.starts_with("phish: 2 incidents found, 1-2 shown"),
        "{table}"
    );
    assert!(table.contains("csirt.bank.test:PH-3"), "{table}");
    assert!(!table.contains("PH-2"), "{table}");

    let changes = api(&base, "/api/v1/changes", &token);
    assert_eq!(changes["changes"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        cli_json(&[&["changes"][..], &as_telco].concat(), &data),
        changes
    );

    let orgs = api(&base, "/api/v1/orgs", &token);
    assert_eq!(cli_json(&["orgs", "list", "--format", "json"], &data), orgs);
    let users = api(&base, "/api/v1/users", admin);
    assert_eq!(
        cli_json(&["users", "list", "--format", "json"], &data),
        users
    );

    let peers = api(&base, "/api/v1/peers", admin);
    assert_eq!(peers.as_array().map(Vec::len), Some(1), "{peers}");
    assert_eq!(
        cli_json(&["peers", "list", "--format", "json"], &data),
        peers
    );
    assert_eq!(
        cli_json(&["peers", "show", "regional", "--format", "json"], &data),
        api(&base, "/api/v1/peers/regional", admin)
    );

    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
