//! The registry's detection gives, for every door, the answer each door
//! gave before the registry existed, on every file of `samples/` and of the
//! crates' `test-data/` trees (and with every feed mapping file for import,
//! and every media type the doors distinguish).
//!
//! The oracles below are the three detections as they were written in the
//! doors (c5hub-import's `detect_with`, the API's `BodyKind::of`, the web
//! upload's rule), copied unchanged but for returning format names; and,
//! since issue 17, STIX 2.1 bundles, which import and the upload recognise
//! from content ([`stix_bundle`]).

use std::path::{Path, PathBuf};

use c5hub_formats::{Door, Hints, Unrecognised, detect, for_body};
use c5hub_iodef::Binding;

/// c5hub-import's `detect_with` before the registry.
fn import_before(head: &[u8], mapping: Option<&c5hub_feeds::Mapping>) -> Option<&'static str> {
    let iodef = Binding::detect(head);
    if matches!(iodef, Some(Binding::Xml)) {
        return Some("iodef-xml");
    }
    let feed = match mapping {
        Some(m) => c5hub_feeds::detect_with(head, m),
        None => c5hub_feeds::detect(head),
    };
    match feed {
        Some(c5hub_feeds::FeedFormat::IntelMqJsonLines) => return Some("intelmq"),
        Some(c5hub_feeds::FeedFormat::Csv) => return Some("csv"),
        None => {}
    }
    match iodef {
        Some(Binding::Xml) => Some("iodef-xml"),
        Some(Binding::Json) => Some("iodef-json"),
        None => None,
    }
}

/// The API's `BodyKind::of` before the registry: a format, or the status
/// of the problem it answered.
fn api_before(content_type: Option<&str>, body: &[u8]) -> Result<&'static str, u16> {
    let ct = content_type
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    match ct.as_str() {
        "application/xml" | "text/xml" | "application/iodef+xml" => Ok("iodef-xml"),
        "application/iodef+json" => Ok("iodef-json"),
        "application/json" => Ok("native-json"),
        "" | "application/octet-stream" => match Binding::detect(body) {
            Some(Binding::Xml) => Ok("iodef-xml"),
            Some(Binding::Json) => Ok("native-json"),
            None => Err(400),
        },
        _ => Err(415),
    }
}

/// The web upload's rule before the registry.
fn upload_before(ct: Option<&str>, bytes: &[u8]) -> Option<&'static str> {
    fn looks_like_iodef_json(b: &[u8]) -> bool {
        let head = &b[..b.len().min(4096)];
        memfind(head, b"\"Incident\"") || memfind(head, b"\"version\"")
    }
    fn memfind(h: &[u8], n: &[u8]) -> bool {
        h.windows(n.len()).any(|w| w == n)
    }
    match Binding::detect(bytes) {
        Some(Binding::Xml) => Some("iodef-xml"),
        Some(Binding::Json) if ct == Some("application/json") && !looks_like_iodef_json(bytes) => {
            Some("native-json")
        }
        Some(Binding::Json) => Some("iodef-json"),
        None => None,
    }
}

/// Issue 17: a JSON object whose `type` is `bundle` is STIX 2.1 at import
/// and upload; so are the deliberately broken bundles of c5hub-stix's
/// test data (truncated, so no JSON).
fn stix_bundle(f: &Path, bytes: &[u8]) -> bool {
    (f.to_string_lossy()
        .contains("c5hub-stix/test-data/invalid/")
        && f.extension().is_some_and(|x| x == "json"))
        || serde_json::from_slice::<serde_json::Value>(bytes)
            .is_ok_and(|v| v.get("type").and_then(|t| t.as_str()) == Some("bundle"))
}

/// Formats added after the registry: MISP events (`{"Event":`,
/// `{"response":`, `[{"Event":`) are MISP at every door that reads content
/// (the API when the body is unlabelled), whatever the oracles said.
fn misp_first(head: &[u8], before: Option<&'static str>) -> Option<&'static str> {
    if c5hub_misp::looks_like_misp(head) {
        Some("misp")
    } else {
        before
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files_under(&p, out);
        } else {
            out.push(p);
        }
    }
}

/// Every file of `samples/` and `crates/*/test-data/`.
fn corpus() -> Vec<PathBuf> {
    let mut files = Vec::new();
    files_under(&root().join("samples"), &mut files);
    let crates = std::fs::read_dir(root().join("crates")).expect("crates/ is there");
    for c in crates.flatten() {
        files_under(&c.path().join("test-data"), &mut files);
    }
    files.sort();
    files
}

/// The feed mapping files of the test data, and none.
fn mappings() -> Vec<(String, Option<c5hub_feeds::Mapping>)> {
    let mut out = vec![("none".to_owned(), None)];
    let mut files = Vec::new();
    files_under(
        &root().join("crates/c5hub-feeds/test-data/mappings"),
        &mut files,
    );
    files.sort();
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        if let Ok(m) = c5hub_feeds::Mapping::from_toml(&text) {
            out.push((f.display().to_string(), Some(m)));
        }
    }
    out
}

const MEDIA_TYPES: [Option<&str>; 12] = [
    None,
    Some(""),
    Some("application/octet-stream"),
    Some("application/xml"),
    Some("text/xml; charset=utf-8"),
    Some("application/iodef+xml"),
    Some("application/iodef+json"),
    Some("application/json"),
    Some("Application/JSON; charset=utf-8"),
    Some("text/plain"),
    Some("text/csv"),
    Some("multipart/form-data"),
];

#[test]
fn every_door_detects_as_before() {
    let files = corpus();
    assert!(
        files.len() > 200,
        "the corpus is there: {} files",
        files.len()
    );
    let mappings = mappings();
    assert!(mappings.len() > 1, "mapping files found");
    let mut seen = std::collections::BTreeMap::<&str, usize>::new();
    for f in &files {
        let bytes = std::fs::read(f).expect("readable");
        let head = &bytes[..bytes.len().min(4096)];
        for (name, m) in &mappings {
            let before = if stix_bundle(f, &bytes) {
                Some("stix21")
            } else {
                misp_first(head, import_before(head, m.as_ref()))
            };
            let hints = Hints {
                media_type: None,
                mapping: m.as_ref(),
            };
            let now = detect(Door::Import, head, &hints).map(|f| f.name);
            assert_eq!(now, before, "import of {} with mapping {name}", f.display());
            *seen.entry(now.unwrap_or("none")).or_default() += 1;
        }
        for ct in MEDIA_TYPES {
            let before = match ct.map(|c| c.trim()) {
                None | Some("" | "application/octet-stream") => {
                    misp_first(&bytes, api_before(ct, &bytes).ok()).ok_or(400)
                }
                _ => api_before(ct, &bytes),
            };
            let now = match for_body(Door::Api, ct, &bytes) {
                Ok(f) => Ok(f.name),
                Err(Unrecognised::Content) => Err(400),
                Err(Unrecognised::MediaType(_)) => Err(415),
            };
            assert_eq!(now, before, "API body {} as {ct:?}", f.display());
            let before = if stix_bundle(f, &bytes) {
                Some("stix21")
            } else {
                misp_first(&bytes, upload_before(ct, &bytes))
            };
            let now = for_body(Door::Upload, ct, &bytes).ok().map(|f| f.name);
            assert_eq!(now, before, "upload of {} as {ct:?}", f.display());
        }
    }
    // The corpus exercises every format import reads, and inputs it
    // refuses.
    for name in [
        "iodef-xml",
        "stix21",
        "iodef-json",
        "csv",
        "intelmq",
        "misp",
        "none",
    ] {
        assert!(seen.contains_key(name), "{name} seen: {seen:?}");
    }
}

/// Bodies the corpus may lack: blank, a byte order mark, leading blanks,
/// a JSON upload labelled `application/json` that looks like IODEF.
#[test]
fn edge_bodies_detect_as_before() {
    let bodies: [&[u8]; 9] = [
        b"",
        b"   \n",
        b"\xEF\xBB\xBF<x/>",
        b"\n\t {\"a\":1}",
        b"{\"version\":\"2.0\",\"Incident\":[]}",
        b"{\"source.ip\":\"192.0.2.1\"}\n",
        b"source.ip,time.source\n192.0.2.1,2026-01-01T00:00:00Z\n",
        b"plain text",
        b"[1,2]",
    ];
    for body in bodies {
        assert_eq!(
            detect(Door::Import, body, &Hints::default()).map(|f| f.name),
            import_before(body, None),
            "{body:?}"
        );
        for ct in MEDIA_TYPES {
            let now = match for_body(Door::Api, ct, body) {
                Ok(f) => Ok(f.name),
                Err(Unrecognised::Content) => Err(400),
                Err(Unrecognised::MediaType(_)) => Err(415),
            };
            assert_eq!(now, api_before(ct, body), "{body:?} as {ct:?}");
            assert_eq!(
                for_body(Door::Upload, ct, body).ok().map(|f| f.name),
                upload_before(ct, body),
                "{body:?} as {ct:?}"
            );
        }
    }
}

/// Moved from c5hub-import: a feed whose header only a mapping file knows
/// is detected as CSV with the mapping, and not without it.
#[test]
fn detection_uses_the_mapping_file() {
    let import = |head: &[u8], m: Option<&c5hub_feeds::Mapping>| {
        let hints = Hints {
            media_type: None,
            mapping: m,
        };
        detect(Door::Import, head, &hints).map(|f| f.name)
    };
    let feed = b"Infected Host;Seen\n203.0.113.9;2026-11-01 10:00\n";
    let mapping = c5hub_feeds::Mapping::from_toml(
        "[columns]\n\"Infected Host\" = \"source.ip\"\n\"Seen\" = \"time.source\"\n",
    )
    .expect("mapping parses");
    assert_eq!(import(feed, None), None);
    assert_eq!(import(feed, Some(&mapping)), Some("csv"));
    // A mapping that gives the header: a feed without a header line.
    let headerless = b"203.0.113.9,2026-11-01T10:00:00Z\n";
    let mapping = c5hub_feeds::Mapping::from_toml("header = [\"source.ip\", \"time.source\"]\n")
        .expect("mapping parses");
    assert_eq!(import(headerless, None), None);
    assert_eq!(import(headerless, Some(&mapping)), Some("csv"));
    // IODEF is still IODEF.
    let xml = b"<?xml version=\"1.0\"?><IODEF-Document version=\"2.00\" xmlns=\"urn:ietf:params:xml:ns:iodef-2.0\"/>";
    assert_eq!(import(xml, Some(&mapping)), Some("iodef-xml"));
}

/// What every encoder writes is recognised by import as the same format,
/// and the IODEF ones read back to the same incidents.
#[test]
fn exports_are_detected_and_read_back() {
    let native = c5hub_formats::by_name("native-json").expect("registered");
    let decode = native.document.expect("reads documents");
    let opts = c5hub_formats::DecodeOptions::default();
    let incidents: Vec<c5hub_model::Incident> = [
        br#"{"id":"bank.test:1","tlp":"amber","title":"phish","observables":["198.51.100.7","evil.example"]}"#.as_slice(),
        br#"{"id":"bank.test:2","tlp":"green","classification":"malicious-code/infected-system","observables":["source.example"]}"#,
    ]
    .iter()
    .flat_map(|b| decode(b, &opts).expect("valid").incidents)
    .collect();
    let now = chrono::Utc::now();
    let exported: Vec<c5hub_formats::Exported<'_>> = incidents
        .iter()
        .enumerate()
        .map(|(i, m)| c5hub_formats::Exported {
            key: i as i64 + 1,
            reporter: "bank",
            created_at: now,
            incident: m,
            record: None,
        })
        .collect();
    let mut written = 0;
    for format in c5hub_formats::encoders() {
        let mut out = Vec::new();
        c5hub_formats::encode(format, &mut out, &exported, now).expect("writes");
        let found = detect(Door::Import, &out, &Hints::default());
        assert_eq!(found, Some(format), "{} export detected", format.name);
        if let Some(read) = format.document {
            let back = read(&out, &opts).expect("reads back");
            let ids: Vec<String> = back.incidents.iter().map(|m| m.id.to_string()).collect();
            assert_eq!(ids, ["bank.test:1", "bank.test:2"], "{}", format.name);
        }
        written += 1;
    }
    assert_eq!(written, 5);
}
