//! A hub's export imports back (issue 15, item 10): `c5hub export --format
//! iodef-xml` of a generated store, larger than the per-document limit,
//! imported into an empty store gives the same incidents; and an Incident
//! larger than the limit is still refused, by name.
//!
//! The store holds 5,000 incidents by default (a debug build exports and
//! imports them in seconds); `C5HUB_ROUNDTRIP_INCIDENTS=100000` runs the
//! issue's 100,000.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableRole, RsitClass, Tlp, Viewer,
};
use c5hub_store::{IncidentFilter, Location, Options, Store, Submission};

const REPORTER: &str = "hub-a";

fn c5hub(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_c5hub"))
        .args(args)
        .env_remove("C5HUB_DATA")
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .output()
        .expect("c5hub runs")
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("c5hub-roundtrip-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

/// splitmix64, for reproducible data.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// `n` incidents of every TLP, class and status, each with one to five
/// observables of several kinds and roles.
fn generate(n: usize) -> Vec<Incident> {
    let tlps = [
        Tlp::Clear,
        Tlp::Green,
        Tlp::Amber,
        Tlp::AmberStrict,
        Tlp::Red,
    ];
    let classes = [
        "fraud/phishing",
        "malicious-code/infected-system",
        "information-gathering/scanner",
    ];
    let statuses = [
        IncidentStatus::New,
        IncidentStatus::InProgress,
        IncidentStatus::Resolved,
    ];
    let roles = [
        ObservableRole::Source,
        ObservableRole::Target,
        ObservableRole::Indicator,
    ];
    let mut seed = 15u64;
    (0..n)
        .map(|i| {
            let r = next(&mut seed);
            let id = GlobalId::new("csirt.hub-a.test", &format!("RT-{i}")).expect("id");
            let mut m = Incident::new(id, tlps[i % tlps.len()]);
            m.classification = Some(
                classes[i % classes.len()]
                    .parse::<RsitClass>()
                    .expect("class"),
            );
            m.status = statuses[(r % 3) as usize];
            for k in 0..(1 + r % 5) {
                let v = next(&mut seed);
                let raw = match k % 3 {
                    0 => format!("45.{}.{}.{}", v % 256, (v >> 8) % 256, (v >> 16) % 256),
                    1 => format!("host{}.example-{}.test", v % 10_000, i % 97),
                    _ => format!("http://p{}.example.test/login?id={}", v % 1000, i),
                };
                let o = Observable::guess(&raw).expect("observable");
                m.add_observable(o, roles[(v % 3) as usize]);
            }
            m
        })
        .collect()
}

type Seen = BTreeMap<
    String,
    (
        i64,
        Tlp,
        Option<RsitClass>,
        IncidentStatus,
        Vec<(String, String)>,
    ),
>;

/// Every incident of a store as its reporter sees it.
fn read_all(data: &Path) -> Seen {
    let mut s = Store::open(&Location::Sqlite(data.to_owned()), Options::default()).expect("open");
    let viewer = Viewer::member(REPORTER);
    let rows = s.list(&IncidentFilter::default(), &viewer).expect("list");
    let mut out = BTreeMap::new();
    for r in rows {
        let i = s.incident(r.key, &viewer).expect("read").expect("readable");
        let mut obs: Vec<(String, String)> = i
            .incident
            .observables
            .iter()
            .map(|o| {
                (
                    o.observable.value().to_owned(),
                    o.observable.kind().as_str().to_owned(),
                )
            })
            .collect();
        // The value and its kind; a value held in two roles comes back
        // once, and roles do not all survive IODEF (see the report).
        obs.sort();
        obs.dedup();
        out.insert(
            r.global_id.clone(),
            (r.version, r.tlp, r.classification, r.status, obs),
        );
    }
    out
}

#[test]
fn a_hubs_export_imports_back() {
    let n: usize = std::env::var("C5HUB_ROUNDTRIP_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5_000);
    let d = dir("main");
    let (a, b) = (d.join("a"), d.join("b"));
    {
        let mut s = Store::open(&Location::Sqlite(a.clone()), Options::default()).expect("open a");
        let incidents = generate(n);
        for chunk in incidents.chunks(10_000) {
            let subs: Vec<Submission<'_>> = chunk
                .iter()
                .map(|m| Submission {
                    incident: m,
                    reporter: REPORTER,
                    source: "generated",
                    shared_with: &[],
                    recipients: &[],
                })
                .collect();
            s.ingest(&subs).expect("ingest");
        }
    }
    let file = d.join("export.xml");
    let out = c5hub(&[
        "export",
        "--format",
        "iodef-xml",
        "--as",
        REPORTER,
        "--data",
        a.to_str().expect("path"),
        "-o",
        file.to_str().expect("path"),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Smaller than the file, so the file is read incident by incident: a
    // whole-document reading would refuse it.
    let limit = std::fs::metadata(&file).expect("exported").len() / 4;
    let out = c5hub(&[
        "import",
        file.to_str().expect("path"),
        "--as",
        REPORTER,
        "--data",
        b.to_str().expect("path"),
        "--max-bytes",
        &limit.to_string(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains(&format!("{n} new incidents")), "{err}");
    let (before, after) = (read_all(&a), read_all(&b));
    assert_eq!(before.len(), n);
    assert_eq!(before.len(), after.len());
    for (id, was) in &before {
        assert_eq!(
            Some(was),
            after.get(id),
            "{id}: version, TLP, class, status, observables"
        );
    }
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn an_incident_over_the_limit_is_refused_by_name() {
    let d = dir("large");
    let incident = |i: usize, padding: usize| {
        format!(
            r#"  <Incident purpose="reporting" restriction="green">
    <IncidentID name="csirt.large.test">L-{i}</IncidentID>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Description>{}</Description>
    <Contact role="creator" type="organization"><ContactName>Large CSIRT</ContactName></Contact>
  </Incident>
"#,
            "x".repeat(padding)
        )
    };
    let doc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<IODEF-Document version=\"2.00\" xmlns=\"urn:ietf:params:xml:ns:iodef-2.0\">\n{}{}{}</IODEF-Document>\n",
        incident(0, 10),
        incident(1, 5_000),
        incident(2, 10)
    );
    let file = d.join("large.xml");
    std::fs::write(&file, doc).expect("write");
    let data = d.join("data");
    let out = c5hub(&[
        "import",
        file.to_str().expect("path"),
        "--data",
        data.to_str().expect("path"),
        "--max-bytes",
        "2000",
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("2 new incidents"),
        "the others are stored: {err}"
    );
    assert!(
        err.contains("/IODEF-Document/Incident[1]: Incident 1 (the 2nd in the document) is more than the limit of 2000 bytes"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&d);
}
