//! A new user's path through the store from the command line: import a
//! directory of mixed inputs (IODEF XML and JSON, a CSV feed, IntelMQ
//! events, a broken file), see the correlations, export again.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn c5hub(args: &[&str], data: &Path) -> Output {
    c5hub_with_warning_list(args, data, None)
}

/// `c5hub` with `C5HUB_WARNING_LIST` set to `list`, or unset for `None`.
fn c5hub_with_warning_list(args: &[&str], data: &Path, list: Option<&Path>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_c5hub"));
    cmd.args(args)
        .arg("--data")
        .arg(data)
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .env_remove("C5HUB_WARNING_LIST");
    if let Some(list) = list {
        cmd.env("C5HUB_WARNING_LIST", list);
    }
    cmd.output().expect("c5hub runs")
}

fn text(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn setup(name: &str) -> (PathBuf, PathBuf) {
    let dir = std::env::temp_dir().join(format!("c5hub-store-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(inputs.join("nested")).expect("mkdir");
    // A bank's phishing report (XML) and a telco's report (JSON) sharing a
    // domain; a feed row and an IntelMQ event sharing an address with them.
    std::fs::write(
        inputs.join("bank.xml"),
        r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="green">
    <IncidentID name="csirt.bank.test">PH-1</IncidentID>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Description>Credential phishing against online banking</Description>
    <Assessment><IncidentCategory>rsit:fraud="phishing"</IncidentCategory><SystemImpact type="unknown"/></Assessment>
    <Contact role="creator" type="organization"><ContactName>Bank CSIRT</ContactName></Contact>
    <EventData><Flow><System category="source"><Node>
      <DomainData><Name>secure-login.phish.test</Name></DomainData>
      <Address category="ipv4-addr">81.2.69.160</Address>
    </Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>
"#,
    )
    .expect("write");
    std::fs::write(
        inputs.join("nested/telco.json"),
        r#"{"version": "2.00", "Incident": [{
  "purpose": "reporting", "restriction": "green",
  "IncidentID": {"id": "SMS-9", "name": "abuse.telco.test"},
  "GenerationTime": "2026-11-02T08:00:00Z",
  "Contact": [{"role": "creator", "type": "organization", "ContactName": ["Telco abuse desk"]}],
  "Indicator": [{"IndicatorID": {"id": "i1", "name": "abuse.telco.test", "version": "1"},
                 "Observable": {"Address": {"category": "site-uri", "value": "http://phish.test/pay"}}}]
}]}
"#,
    )
    .expect("write");
    std::fs::write(
        inputs.join("feed.csv"),
        "time.source,source.ip,classification.taxonomy,classification.type,feed.name\n2026-11-03T00:00:00Z,81.2.69.160,malicious-code,infected-system,botfeed\n2026-11-03T00:05:00Z,81.2.69.161,malicious-code,infected-system,botfeed\n",
    )
    .expect("write");
    std::fs::write(
        inputs.join("events.jsonl"),
        "{\"source.ip\": \"81.2.69.7\", \"source.network\": \"81.2.69.0/24\", \"classification.taxonomy\": \"information-gathering\", \"classification.type\": \"scanner\", \"feed.name\": \"scanfeed\", \"time.source\": \"2026-11-04T00:00:00+00:00\"}\n",
    )
    .expect("write");
    std::fs::write(inputs.join("broken.xml"), "<IODEF-Document version=\"2.00\" xmlns=\"urn:ietf:params:xml:ns:iodef-2.0\"><Incident/></IODEF-Document>").expect("write");
    (dir.join("data"), inputs)
}

#[test]
fn import_correlate_export() {
    let (data, inputs) = setup("main");
    let out = c5hub(&["import", inputs.to_str().expect("utf-8 path")], &data);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rejected file makes the exit code 1: {err}"
    );
    assert!(err.contains("5 new incidents"), "{err}");
    assert!(err.contains("1 rejected"), "{err}");
    let q = data.join("quarantine");
    let names: Vec<String> = std::fs::read_dir(&q)
        .expect("quarantine exists")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().any(|n| n.ends_with("broken.xml")), "{names:?}");
    let errors = names
        .iter()
        .find(|n| n.ends_with("broken.xml.errors.txt"))
        .expect("errors file");
    let why = std::fs::read_to_string(q.join(errors)).expect("read");
    assert!(
        why.contains("/IODEF-Document/Incident[0]") && why.contains("missing-"),
        "{why}"
    );

    // Importing again changes nothing.
    let again = c5hub(
        &["import", inputs.join("bank.xml").to_str().expect("path")],
        &data,
    );
    let again = String::from_utf8_lossy(&again.stderr);
    assert!(
        again.contains("1 duplicate, 0 observables"),
        "a duplicate's observables are not counted again: {again}"
    );

    // The address links the bank report, the feed row and the scan prefix.
    let l = c5hub(&["lookup", "81.2.69.160", "--format", "json"], &data);
    assert!(l.status.success(), "{l:?}");
    let v: serde_json::Value = serde_json::from_slice(&l.stdout).expect("json");
    let mut hows: Vec<String> = v["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .flat_map(|hit| {
            let id = hit["incident"]["global_id"].to_string();
            hit["values"]
                .as_array()
                .expect("values")
                .iter()
                .map(move |m| format!("{id} {}", m["how"]))
        })
        .collect();
    hows.sort();
    assert_eq!(v["total"], 3, "{hows:?}");
    assert!(
        hows.iter()
            .any(|h| h.contains("csirt.bank.test:PH-1") && h.contains("exact")),
        "{hows:?}"
    );
    assert!(hows.iter().any(|h| h.contains("in-prefix")), "{hows:?}");
    // The domain links the bank's domain and the telco's URL.
    let l = c5hub(&["lookup", "phish.test", "--format", "json"], &data);
    let v: serde_json::Value = serde_json::from_slice(&l.stdout).expect("json");
    assert!(v["total"].as_u64().expect("total") >= 1, "{v}");

    // The list, then one incident with its related incidents.
    let list = c5hub(&["incidents", "list", "--format", "json"], &data);
    let rows: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let bank = rows["items"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["global_id"] == "csirt.bank.test:PH-1")
        .expect("bank incident listed");
    assert_eq!(bank["classification"], "fraud/phishing");
    assert_eq!(bank["tlp"], "TLP:GREEN");
    let id = bank["id"].as_i64().expect("id").to_string();
    let show = c5hub(&["incidents", "show", &id, "--format", "json"], &data);
    let inc: serde_json::Value = serde_json::from_slice(&show.stdout).expect("json");
    assert!(
        inc["related"].as_array().expect("related").len() >= 2,
        "{inc}"
    );
    let filtered = c5hub(&["incidents", "list", "--class", "fraud/phishing"], &data);
    assert_eq!(
        text(&filtered).lines().count(),
        2,
        "header and one row: {}",
        text(&filtered)
    );

    // Export in each format, and the IODEF export is valid and re-imports as duplicates... of nothing: new reporter ids.
    for (fmt, check) in [
        ("iodef-xml", "<IODEF-Document"),
        ("iodef-json", "\"Incident\""),
        ("csv", "observable_kind"),
    ] {
        let out = data.join(format!("export.{fmt}"));
        let e = c5hub(
            &["export", "--format", fmt, "-o", out.to_str().expect("path")],
            &data,
        );
        assert!(e.status.success(), "{e:?}");
        let body = std::fs::read_to_string(&out).expect("export written");
        assert!(body.contains(check), "{fmt}: {body}");
        if fmt != "csv" {
            let v = Command::new(env!("CARGO_BIN_EXE_c5hub"))
                .args(["iodef", "validate"])
                .arg(&out)
                .output()
                .expect("runs");
            assert!(
                v.status.success(),
                "{fmt} export is valid IODEF: {}",
                text(&v)
            );
        }
    }
}

#[test]
fn tlp_applies_to_the_command_line() {
    let (data, inputs) = setup("tlp");
    let strict = inputs.join("strict.xml");
    std::fs::write(
        &strict,
        std::fs::read_to_string(inputs.join("bank.xml"))
            .expect("read")
            .replace("restriction=\"green\"", "restriction=\"private\"")
            .replace("PH-1", "PH-2"),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(["import", "--as", "bank"])
        .arg(&strict)
        .arg("--data")
        .arg(&data)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{out:?}");
    let as_bank = c5hub(
        &["lookup", "81.2.69.160", "--format", "json", "--as", "bank"],
        &data,
    );
    let as_telco = c5hub(
        &["lookup", "81.2.69.160", "--format", "json", "--as", "telco"],
        &data,
    );
    let n = |o: &Output| {
        serde_json::from_slice::<serde_json::Value>(&o.stdout).expect("json")["total"]
            .as_u64()
            .expect("count")
    };
    assert_eq!(n(&as_bank), 1);
    assert_eq!(
        n(&as_telco),
        0,
        "AMBER+STRICT (IODEF private) is the reporter's only"
    );
    let show = c5hub(&["incidents", "show", "1", "--as", "telco"], &data);
    assert_eq!(show.status.code(), Some(1));
}

/// README's walk-through on the repository's samples: their documentation
/// addresses correlate only under the samples' warning list, which the
/// reading commands take from `--warning-list` or `C5HUB_WARNING_LIST`.
#[test]
fn the_samples_correlate_under_their_warning_list() {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples");
    let list = samples.join("warning-list.txt");
    let data = std::env::temp_dir().join(format!("c5hub-store-cli-{}-samples", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let out = c5hub(
        &[
            "import",
            samples.join("inputs").to_str().expect("utf-8 path"),
        ],
        &data,
    );
    assert!(out.status.success(), "{out:?}");

    let list_rows = c5hub(&["incidents", "list", "--format", "json"], &data);
    let rows: serde_json::Value = serde_json::from_slice(&list_rows.stdout).expect("json");
    let id_of = |global: &str| {
        rows["items"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["global_id"] == global)
            .unwrap_or_else(|| panic!("{global} listed"))["id"]
            .as_i64()
            .expect("id")
            .to_string()
    };
    let bank = id_of("csirt.bank.example:BANK-2026-0311");
    let related = |o: &Output| -> Vec<String> {
        assert!(o.status.success(), "{o:?}");
        let inc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        inc["related"]
            .as_array()
            .expect("related")
            .iter()
            .map(|r| r.to_string())
            .collect()
    };

    let builtin = c5hub(&["incidents", "show", &bank, "--format", "json"], &data);
    assert_eq!(
        related(&builtin),
        Vec::<String>::new(),
        "the built-in list keeps documentation addresses apart"
    );

    let by_flag = c5hub(
        &[
            "incidents",
            "show",
            &bank,
            "--format",
            "json",
            "--warning-list",
            list.to_str().expect("utf-8 path"),
        ],
        &data,
    );
    let by_env = c5hub_with_warning_list(
        &["incidents", "show", &bank, "--format", "json"],
        &data,
        Some(&list),
    );
    for (how, o) in [
        ("--warning-list", &by_flag),
        ("C5HUB_WARNING_LIST", &by_env),
    ] {
        let r = related(o);
        assert!(
            r.iter()
                .any(|r| r.contains("abuse.telco.example:SMS-44718")),
            "{how}: the bank's report is related to the operator's SMS report: {r:?}"
        );
    }
}
