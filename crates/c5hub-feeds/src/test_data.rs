//! Data-driven tests over `test-data/`: every feed is read, every result
//! rendered as text and compared with the `.expected` file beside it
//! (`UPDATE_EXPECT=1 cargo test -p c5hub-feeds` rewrites them; review the
//! diff). The layout:
//!
//! - `csv/valid/`, `intelmq/valid/`: feeds whose every row becomes an
//!   incident; `csv/invalid/`, `intelmq/invalid/`: feeds with rejected rows
//!   (and good rows around them, which must survive).
//! - `mappings/NAME.toml`: the mapping of every feed named `NAME.*`;
//!   `mappings/invalid/*.toml`: broken mapping files with their error.
//! - `classification.tsv`: taxonomy, type, expected class, expected note.
//!
//! Beyond the snapshots, every incident must be reproduced exactly from its
//! own original document (so each row is self-describing), and reading a
//! feed twice must give the same ids.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use c5hub_model::{Incident, RsitClass, Tlp};

use crate::{
    Feed, FeedFormat, FeedOptions, Limits, Mapping, RowError, RowErrorKind, classify, detect,
    detect_with,
};

fn test_data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data")
}

/// Compares `actual` with the file, or writes it when `UPDATE_EXPECT` is set.
fn check_snapshot(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_EXPECT").is_some() {
        fs::write(path, actual).expect("write snapshot");
        return;
    }
    let expected = fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_EXPECT=1)", path.display()));
    if expected != actual {
        panic!(
            "{} differs (run with UPDATE_EXPECT=1 and review the diff)\n--- expected\n{expected}\n--- actual\n{actual}",
            path.display()
        );
    }
}

fn files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(test_data().join(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|entry| entry.expect("dir entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    found.sort();
    assert!(!found.is_empty(), "no .{extension} files in {dir}");
    found
}

fn mapping_for(feed: &Path) -> Mapping {
    let stem = feed.file_stem().expect("file name").to_string_lossy();
    let path = test_data().join("mappings").join(format!("{stem}.toml"));
    match fs::read_to_string(&path) {
        Ok(text) => Mapping::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
        Err(_) => Mapping::default(),
    }
}

fn read_all(
    format: FeedFormat,
    bytes: &[u8],
    mapping: &Mapping,
    options: &FeedOptions,
) -> Result<Vec<Result<Incident, RowError>>, RowError> {
    Ok(Feed::new(format, bytes, mapping, options)?.collect())
}

/// One line per fact, so snapshot diffs are readable.
fn render(results: &Result<Vec<Result<Incident, RowError>>, RowError>) -> String {
    let mut out = String::new();
    let results = match results {
        Ok(results) => results,
        Err(err) => {
            writeln!(out, "feed error: {err}").expect("string");
            return out;
        }
    };
    for result in results {
        match result {
            Ok(incident) => render_incident(&mut out, incident),
            Err(err) => {
                writeln!(out, "error: {err}").expect("string");
                writeln!(out, "  bytes: {:?}", String::from_utf8_lossy(err.bytes()))
                    .expect("string");
            }
        }
    }
    out
}

fn render_incident(out: &mut String, incident: &Incident) {
    let mut line = |text: String| {
        out.push_str(&text);
        out.push('\n');
    };
    line(format!("incident {}", incident.id));
    line(format!("  tlp: {}", incident.tlp));
    if let Some(class) = incident.classification {
        line(format!("  class: {class}"));
    }
    if let Some(title) = &incident.title {
        line(format!("  title: {title:?}"));
    }
    if let Some(reporter) = &incident.reporter {
        line(format!("  reporter: {reporter:?}"));
    }
    let times = &incident.times;
    for (name, time) in [
        ("detected", times.detected),
        ("start", times.start),
        ("reported", times.reported),
    ] {
        if let Some(time) = time {
            line(format!("  {name}: {}", time.to_rfc3339()));
        }
    }
    if let Some(description) = &incident.description {
        line(format!("  description: {description:?}"));
    }
    for o in &incident.observables {
        line(format!(
            "  observable: {} {} {}",
            o.role,
            o.observable.kind(),
            o.observable
        ));
    }
    for c in &incident.contacts {
        line(format!(
            "  contact: {} {}",
            c.role,
            c.email.as_deref().unwrap_or("-")
        ));
    }
    if let Some(original) = &incident.original {
        line(format!(
            "  original: {} {:?}",
            original.format,
            String::from_utf8_lossy(&original.bytes)
        ));
    }
}

/// Every incident must come back identical from its original document
/// alone, read with the same mapping (minus what only applies to the whole
/// file: skipped lines and a given header, which the original replaces).
fn check_self_describing(
    format: FeedFormat,
    mapping: &Mapping,
    results: &[Result<Incident, RowError>],
    what: &str,
) {
    let mut alone = mapping.clone();
    alone.skip_rows = 0;
    alone.header = None;
    for incident in results.iter().flatten() {
        let original = &incident.original.as_ref().expect("original kept").bytes;
        let again = read_all(format, original, &alone, &FeedOptions::default())
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(
            again.len(),
            1,
            "{what}: {:?}",
            String::from_utf8_lossy(original)
        );
        match &again[0] {
            Ok(again) => assert_eq!(again, incident, "{what}: not reproduced from its original"),
            Err(e) => panic!("{what}: the original of {} fails: {e}", incident.id),
        }
    }
}

fn check_feeds(dir: &str, extension: &str, format: FeedFormat, valid: bool) {
    for path in files(dir, extension) {
        let what = path.display().to_string();
        let bytes = fs::read(&path).expect("read feed");
        let mapping = mapping_for(&path);
        if valid {
            assert_eq!(
                detect_with(&bytes, &mapping),
                Some(format),
                "{what}: detection"
            );
        }
        let options = FeedOptions::default();
        let results = read_all(format, &bytes, &mapping, &options);
        check_snapshot(
            &path.with_extension(format!("{extension}.expected")),
            &render(&results),
        );

        let rows = results.as_ref().map(Vec::as_slice).unwrap_or_default();
        let errors = rows.iter().filter(|r| r.is_err()).count();
        if valid {
            assert!(
                results.is_ok() && errors == 0,
                "{what}: a valid feed has errors"
            );
        } else {
            assert!(
                results.is_err() || errors > 0,
                "{what}: an invalid feed has no errors"
            );
        }
        for incident in rows.iter().flatten() {
            assert_eq!(incident.validate(), Ok(()), "{what}");
        }
        check_self_describing(format, &mapping, rows, &what);

        // Reading again gives the same ids: the id is the row's content.
        let again = read_all(format, &bytes, &mapping, &options);
        let ids = |r: &Result<Vec<Result<Incident, RowError>>, RowError>| -> Vec<String> {
            r.as_ref()
                .map(|rows| rows.iter().flatten().map(|i| i.id.to_string()).collect())
                .unwrap_or_default()
        };
        assert_eq!(ids(&results), ids(&again), "{what}: ids are not stable");
    }
}

#[test]
fn csv_valid() {
    check_feeds("csv/valid", "csv", FeedFormat::Csv, true);
}

#[test]
fn csv_invalid() {
    check_feeds("csv/invalid", "csv", FeedFormat::Csv, false);
}

#[test]
fn intelmq_valid() {
    check_feeds("intelmq/valid", "jsonl", FeedFormat::IntelMqJsonLines, true);
}

#[test]
fn intelmq_invalid() {
    check_feeds(
        "intelmq/invalid",
        "jsonl",
        FeedFormat::IntelMqJsonLines,
        false,
    );
}

#[test]
fn invalid_mappings() {
    for path in files("mappings/invalid", "toml") {
        let text = fs::read_to_string(&path).expect("read mapping");
        let message = match Mapping::from_toml(&text) {
            Ok(_) => panic!("{}: accepted", path.display()),
            Err(e) => format!("{e}\n"),
        };
        check_snapshot(&path.with_extension("toml.expected"), &message);
    }
}

#[test]
fn valid_mappings_load() {
    for path in files("mappings", "toml") {
        let text = fs::read_to_string(&path).expect("read mapping");
        if let Err(e) = Mapping::from_toml(&text) {
            panic!("{}: {e}", path.display());
        }
    }
}

/// `classification.tsv`: taxonomy, type, class, note (`-` for none), one
/// case per line; `#` starts a comment, an empty taxonomy or type is
/// written `-`.
#[test]
fn classification_cases() {
    let path = test_data().join("classification.tsv");
    let text = fs::read_to_string(&path).expect("read cases");
    let mut cases = 0;
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let columns: Vec<&str> = line.split('\t').collect();
        assert_eq!(columns.len(), 4, "line {}: {line:?}", n + 1);
        let got = classify(opt(columns[0]), opt(columns[1]));
        let expected_class =
            opt(columns[2]).map(|c| RsitClass::from_path(c).expect("valid expected class"));
        assert_eq!(
            got.as_ref().map(|c| c.class),
            expected_class,
            "line {}: {line:?}",
            n + 1
        );
        assert_eq!(
            got.as_ref().and_then(|c| c.note.as_deref()),
            opt(columns[3]),
            "line {}: {line:?}",
            n + 1
        );
        cases += 1;
    }
    assert!(cases > 40, "only {cases} cases");
}

/// A `-` column of `classification.tsv` is absent.
fn opt(column: &str) -> Option<&str> {
    (column != "-").then_some(column)
}

#[test]
fn detection() {
    let check = |input: &str, expected: Option<FeedFormat>| {
        assert_eq!(detect(input.as_bytes()), expected, "{input:?}");
    };
    use FeedFormat::{Csv, IntelMqJsonLines as Jsonl};
    check("ip,timestamp\n192.0.2.1,2024-05-01\n", Some(Csv));
    check("\u{feff}\r\n\r\nsource.ip;time.source\r\n", Some(Csv));
    check("Host|Seen|URL\n", Some(Csv));
    check("\"ip address\"\t\"comment\"\n", Some(Csv));
    check("ip\n192.0.2.1\n", Some(Csv));
    check("host,seen\n", None);
    check("hello world\n", None);
    check("", None);
    check("   \n\n", None);
    check(
        r#"{"source.ip": "192.0.2.1", "feed.name": "x"}"#,
        Some(Jsonl),
    );
    check("\n{\"raw\": \"aGVsbG8=\"}\n", Some(Jsonl));
    check(r#"{"source": {"ip": "192.0.2.1"}}"#, Some(Jsonl));
    check(
        r#"{"time.source": "2024-05-01T12:00:00+00:00", "classification.type": "sc"#,
        Some(Jsonl),
    );
    check(r#"{"version": "2.00", "Incident": []}"#, None);
    check(r#"{"ip": "192.0.2.1"}"#, None);
    check("{not json", None);
    check(r#"<?xml version="1.0"?><IODEF-Document/>"#, None);

    let mapping = Mapping::from_toml(
        "skip_rows = 1\ncomment_prefix = \"#\"\n[columns]\n\"Infected Host\" = \"source.ip\"\n",
    )
    .expect("valid mapping");
    let input = "Report of 2024-05-01\n# comment\nInfected Host,Seen\n";
    assert_eq!(detect(input.as_bytes()), None);
    assert_eq!(detect_with(input.as_bytes(), &mapping), Some(Csv));
    let headerless = Mapping::from_toml("header = [\"source.ip\"]").expect("valid mapping");
    assert_eq!(detect_with(b"192.0.2.1\n", &headerless), Some(Csv));
}

fn csv_rows(
    input: &str,
    mapping: &Mapping,
    options: &FeedOptions,
) -> Vec<Result<Incident, RowError>> {
    read_all(FeedFormat::Csv, input.as_bytes(), mapping, options).expect("header reads")
}

#[test]
fn names_and_tlp_precedence() {
    let feed = "ip,feed.name,tlp\n192.0.2.1,Row Feed,\n192.0.2.2,Row Feed,red\n";
    let mapping =
        Mapping::from_toml("feed_name = \"Mapped Feed\"\ntlp = \"green\"").expect("valid");
    let caller = FeedOptions {
        name: Some("CERT.Example".into()),
        tlp: Some(Tlp::AmberStrict),
        ..FeedOptions::default()
    };
    let get = |mapping: &Mapping, options: &FeedOptions| -> Vec<(String, Tlp)> {
        csv_rows(feed, mapping, options)
            .into_iter()
            .map(|r| {
                let i = r.expect("valid row");
                (i.id.name().to_owned(), i.tlp)
            })
            .collect()
    };
    let default = Mapping::default();
    assert_eq!(
        get(&default, &FeedOptions::default()),
        [
            ("row-feed".to_owned(), Tlp::Amber),
            ("row-feed".to_owned(), Tlp::Red)
        ]
    );
    assert_eq!(
        get(&mapping, &FeedOptions::default()),
        [
            ("mapped-feed".to_owned(), Tlp::Green),
            ("mapped-feed".to_owned(), Tlp::Red)
        ]
    );
    assert_eq!(
        get(&mapping, &caller),
        [
            ("cert.example".to_owned(), Tlp::AmberStrict),
            ("cert.example".to_owned(), Tlp::Red)
        ]
    );
    let rows = csv_rows("ip\n192.0.2.1\n", &default, &FeedOptions::default());
    let incident = rows[0].as_ref().expect("valid row");
    assert_eq!(incident.id.name(), crate::FALLBACK_NAME);
    assert_eq!(incident.id.id().len(), 16);
}

#[test]
fn ids_follow_content_not_layout() {
    let a = csv_rows(
        "ip,type\n192.0.2.1,scanner\n",
        &Mapping::default(),
        &FeedOptions::default(),
    );
    let b = csv_rows(
        "type;ip\n scanner ;192.0.2[.]1\n",
        &Mapping::default(),
        &FeedOptions::default(),
    );
    let c = csv_rows(
        "ip,type\n192.0.2.1,spam\n",
        &Mapping::default(),
        &FeedOptions::default(),
    );
    let id = |rows: &[Result<Incident, RowError>]| rows[0].as_ref().expect("valid").id.clone();
    assert_eq!(id(&a), id(&b));
    assert_ne!(id(&a), id(&c));
    // An ignored column is left out of the id; an unknown one is not.
    let ignoring = Mapping::from_toml("[columns]\nfetched = \"ignore\"").expect("valid");
    let d = csv_rows(
        "ip,type,fetched\n192.0.2.1,scanner,2024-05-02\n",
        &ignoring,
        &FeedOptions::default(),
    );
    let e = csv_rows(
        "ip,type,fetched\n192.0.2.1,scanner,2024-05-02\n",
        &Mapping::default(),
        &FeedOptions::default(),
    );
    assert_eq!(id(&a), id(&d));
    assert_ne!(id(&a), id(&e));
}

/// The event's time leads the id (the store's index then receives a feed's
/// ids nearly in order); the digest after it still tells rows apart, and
/// the same instant written another way gives the same id.
#[test]
fn ids_lead_with_the_event_time() {
    let rows = csv_rows(
        "time,ip,time.observation\n\
         2025-03-01T00:00:04Z,192.0.2.1,\n\
         2025-03-01T00:00:04Z,192.0.2.2,\n\
         2025-03-01T01:00:04+01:00,192.0.2.1,\n\
         ,192.0.2.1,2025-03-02 10:00:00\n\
         ,192.0.2.1,\n",
        &Mapping::default(),
        &FeedOptions::default(),
    );
    let ids: Vec<String> = rows
        .iter()
        .map(|r| r.as_ref().expect("valid").id.id().to_owned())
        .collect();
    let (time, digest) = ids[0].split_once('-').expect("time, then digest");
    assert_eq!(time, "20250301T000004Z");
    assert_eq!(digest.len(), 16);
    assert!(ids[1].starts_with("20250301T000004Z-"));
    assert_ne!(ids[0], ids[1]);
    assert_eq!(ids[0], ids[2]);
    assert!(ids[3].starts_with("20250302T100000Z-"), "{}", ids[3]);
    assert_eq!(ids[4].len(), 16, "no time, the digest alone: {}", ids[4]);
}

#[test]
fn limits() {
    let options = FeedOptions {
        limits: Limits {
            max_line_len: 40,
            max_columns: 3,
        },
        ..FeedOptions::default()
    };
    let feed = format!(
        "ip,comment\n192.0.2.1,{}\n192.0.2.2,a,b,c\n192.0.2.3,ok\n",
        "x".repeat(50)
    );
    let rows = csv_rows(&feed, &Mapping::default(), &options);
    let messages: Vec<String> = rows
        .iter()
        .map(|r| match r {
            Ok(i) => format!("ok {}", i.observables[0].observable),
            Err(e) => e.to_string(),
        })
        .collect();
    assert_eq!(
        messages,
        [
            "line 2: the line is longer than 40 bytes",
            "line 3: more than 3 columns",
            "ok 192.0.2.3",
        ]
    );
    let Err(err) = read_all(FeedFormat::Csv, b"a,b,c,d\n", &Mapping::default(), &options) else {
        panic!("a header over the limit is accepted");
    };
    assert_eq!(err.to_string(), "line 1: more than 3 columns");

    let json = format!(
        "{{\"source.ip\": \"192.0.2.1\", \"comment\": \"{}\"}}\n{{\"a\":1,\"b\":2,\"c\":3,\"d\":4}}\n{{\"source.ip\":\"192.0.2.3\"}}",
        "x".repeat(40)
    );
    let rows: Vec<String> = read_all(
        FeedFormat::IntelMqJsonLines,
        json.as_bytes(),
        &Mapping::default(),
        &options,
    )
    .expect("no header")
    .iter()
    .map(|r| match r {
        Ok(i) => format!("ok {}", i.observables[0].observable),
        Err(e) => e.to_string(),
    })
    .collect();
    assert_eq!(
        rows,
        [
            "line 1: the line is longer than 40 bytes",
            "line 2: more than 3 keys",
            "ok 192.0.2.3",
        ]
    );
}

/// An I/O error ends the feed after the rows before it.
#[test]
fn io_error_stops() {
    struct Failing<'a>(&'a [u8]);
    impl std::io::Read for Failing<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            if self.0.is_empty() {
                return Err(std::io::Error::other("disk on fire"));
            }
            let n = buf.len().min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }
    let reader = std::io::BufReader::with_capacity(8, Failing(b"ip\n192.0.2.1\n192.0.2.2"));
    let mut feed = Feed::new(
        FeedFormat::Csv,
        reader,
        &Mapping::default(),
        &FeedOptions::default(),
    )
    .expect("header reads");
    assert!(feed.next().is_some_and(|r| r.is_ok()));
    let err = feed.next().expect("an error").expect_err("I/O error");
    assert!(matches!(err.kind(), RowErrorKind::Io(_)), "{err}");
    assert_eq!(err.to_string(), "line 3: read error: disk on fire");
    assert!(feed.next().is_none());
}
