//! `c5hub changes`: the change feed from the command line, with the
//! store options of every store command and TLP applied to `--as`.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn c5hub(args: &[&str], data: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .arg("--data")
        .arg(data)
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .env_remove("C5HUB_WARNING_LIST")
        .output()
        .expect("c5hub runs")
}

const DOC: &str = r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="RESTRICTION">
    <IncidentID name="csirt.bank.test">ID</IncidentID>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Contact role="creator" type="organization"><ContactName>Bank CSIRT</ContactName></Contact>
    <EventData><Flow><System category="source"><Node>
      <Address category="ipv4-addr">81.2.69.160</Address>
    </Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>
"#;

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{o:?}");
    serde_json::from_slice(&o.stdout).expect("one JSON document")
}

#[test]
fn changes_page_with_tlp_applied() {
    let dir = std::env::temp_dir().join(format!("c5hub-changes-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let data = dir.join("data");
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
        let out = c5hub(
            &["import", "--as", "bank", path.to_str().expect("utf-8")],
            &data,
        );
        assert!(out.status.success(), "{out:?}");
    }
    let ids = |v: &Value| -> Vec<String> {
        v["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .map(|c| {
                assert_eq!(c["kind"], "incident", "{c}");
                c["global_id"].as_str().expect("id").to_owned()
            })
            .collect()
    };
    let bank = json(&c5hub(
        &["changes", "--format", "json", "--as", "bank"],
        &data,
    ));
    assert_eq!(
        ids(&bank),
        [
            "csirt.bank.test:PH-1",
            "csirt.bank.test:PH-2",
            "csirt.bank.test:PH-3"
        ]
    );
    // AMBER+STRICT (IODEF private) stays the reporter's.
    let telco = json(&c5hub(
        &["changes", "--format", "json", "--as", "telco"],
        &data,
    ));
    assert_eq!(
        ids(&telco),
        ["csirt.bank.test:PH-1", "csirt.bank.test:PH-3"]
    );
    // Page by page with --since and --limit: the same changes.
    let first = json(&c5hub(
        &[
            "changes", "--limit", "1", "--format", "json", "--as", "telco",
        ],
        &data,
    ));
    assert_eq!(ids(&first), ["csirt.bank.test:PH-1"]);
    let next = first["next"].as_i64().expect("next").to_string();
    let second = json(&c5hub(
        &[
            "changes", "--since", &next, "--limit", "1", "--format", "json", "--as", "telco",
        ],
        &data,
    ));
    assert_eq!(ids(&second), ["csirt.bank.test:PH-3"]);
    let last = second["next"].as_i64().expect("next").to_string();
    let empty = json(&c5hub(
        &[
            "changes", "--since", &last, "--format", "json", "--as", "telco",
        ],
        &data,
    ));
    assert_eq!(
        empty,
        serde_json::json!({"changes": [], "next": second["next"]})
    );
    // The table names each change and where the next page starts.
    let table = c5hub(&["changes", "--as", "telco"], &data);
    assert!(table.status.success(), "{table:?}");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(text.contains("csirt.bank.test:PH-3"), "{text}");
    assert!(!text.contains("PH-2"), "{text}");
    assert!(
        text.trim_end().ends_with(&format!("next: {last}")),
        "{text}"
    );
    // A limit outside 1..=10000 is refused, naming the option.
    let bad = c5hub(&["changes", "--limit", "0"], &data);
    assert_eq!(bad.status.code(), Some(2), "{bad:?}");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--limit"));
    let _ = std::fs::remove_dir_all(&dir);
}
