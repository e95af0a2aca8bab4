//! Nothing acknowledged is lost: an import killed with SIGKILL mid-run,
//! then run again, holds every unit it acknowledged before the kill exactly
//! once, and after the second run everything exactly once.

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use c5hub_model::Viewer;
use c5hub_store::{IncidentFilter, Location, Options, Store};

const DOCS: usize = 400;
const ROWS: usize = 30_000;

fn iodef(i: usize) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="green">
    <IncidentID name="csirt.kill.test">KILL-{i}</IncidentID>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Contact role="creator" type="organization"><ContactName>Kill test CSIRT</ContactName></Contact>
    <EventData><Flow><System category="source"><Node><Address category="ipv4-addr">45.{}.{}.{}</Address></Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>
"#,
        i / 65536 % 256,
        i / 256 % 256,
        i % 256
    )
}

fn inputs(dir: &Path) -> HashMap<PathBuf, String> {
    let docs = dir.join("docs");
    std::fs::create_dir_all(&docs).expect("mkdir");
    let mut ids = HashMap::new();
    for i in 0..DOCS {
        let p = docs.join(format!("doc-{i:05}.xml"));
        std::fs::write(&p, iodef(i)).expect("write doc");
        ids.insert(p, format!("csirt.kill.test:KILL-{i}"));
    }
    let mut csv = String::from(
        "time.source,source.ip,classification.taxonomy,classification.type,feed.name\n",
    );
    for r in 0..ROWS {
        csv.push_str(&format!(
            "2026-11-01T10:{:02}:{:02}Z,46.{}.{}.{},malicious-code,infected-system,killfeed\n",
            r / 60 % 60,
            r % 60,
            r / 65536 % 256,
            r / 256 % 256,
            r % 256
        ));
    }
    std::fs::write(dir.join("feed.csv"), csv).expect("write feed");
    ids
}

fn incident_ids(data: &Path) -> Vec<String> {
    let mut s =
        Store::open(&Location::Sqlite(data.to_owned()), Options::default()).expect("open store");
    s.incidents()
        .list(&IncidentFilter::default(), &Viewer::member("local"))
        .expect("list")
        .into_iter()
        .map(|x| x.global_id)
        .collect()
}

#[test]
fn sigkill_loses_nothing_acknowledged() {
    let dir = std::env::temp_dir().join(format!("c5hub-kill-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let ids = inputs(&dir);
    let data = dir.join("data");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_c5hub"))
            .args(["import", "--ack", "--batch", "500", "--data"])
            .arg(&data)
            .arg(dir.join("docs"))
            .arg(dir.join("feed.csv"))
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("c5hub runs")
    };

    // First run: kill it in the middle of the feed, after every document
    // and a few batches of rows were acknowledged.
    let mut child = run();
    let out = child.stdout.take().expect("stdout");
    let mut acked_docs = Vec::new();
    let mut acked_rows = 0usize;
    for line in BufReader::new(out).lines() {
        let Ok(line) = line else { break };
        let Some(rest) = line.strip_prefix("ok ") else {
            continue;
        };
        if let Some((_, range)) = rest.split_once(" rows ") {
            let (a, b) = range
                .split_whitespace()
                .next()
                .and_then(|r| r.split_once('-'))
                .expect("rows A-B");
            acked_rows += b.parse::<usize>().expect("B") - a.parse::<usize>().expect("A") + 1;
        } else {
            acked_docs.push(PathBuf::from(rest.split(" new=").next().expect("path")));
        }
        if acked_rows >= 5 * 500 {
            child.kill().expect("SIGKILL"); // std sends SIGKILL on Unix
            break;
        }
    }
    let _ = child.wait();
    assert_eq!(
        acked_docs.len(),
        DOCS,
        "the import acknowledged the documents before the kill"
    );
    assert!(acked_rows >= 2500, "and some feed rows");
    let stored = incident_ids(&data);
    let mut count: HashMap<&str, usize> = HashMap::new();
    for id in &stored {
        *count.entry(id.as_str()).or_default() += 1;
    }
    for p in &acked_docs {
        let id = &ids[p];
        assert_eq!(
            count.get(id.as_str()),
            Some(&1),
            "{id} was acknowledged before the kill: stored exactly once"
        );
    }
    let feed_rows = stored
        .iter()
        .filter(|id| !id.starts_with("csirt.kill.test:"))
        .count();
    assert!(
        feed_rows >= acked_rows,
        "{acked_rows} rows acknowledged, {feed_rows} stored"
    );
    assert!(feed_rows < ROWS, "the kill came before the end");

    // Second run to the end: everything exactly once.
    let child = run();
    let output = child.wait_with_output().expect("second run");
    assert!(output.status.success(), "second run: {output:?}");
    let stored = incident_ids(&data);
    assert_eq!(stored.len(), DOCS + ROWS, "every document and row, once");
    let mut uniq = stored.clone();
    uniq.sort();
    uniq.dedup();
    assert_eq!(uniq.len(), stored.len(), "no incident twice");
    for id in ids.values() {
        assert!(stored.contains(id), "{id} stored");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
