//! End-to-end tests of `c5hub iodef validate|convert|summary`: they run the
//! real binary on the IODEF test corpus of `c5hub-iodef` and on files
//! written to a private temporary folder, and check exit codes, what is
//! printed where, and what is written.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use c5hub_iodef::{Document, Limits, decode};

const BIN: &str = env!("CARGO_BIN_EXE_c5hub");

/// The test corpus of the IODEF crate.
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../c5hub-iodef/test-data");

fn data(rel: &str) -> String {
    format!("{DATA}/{rel}")
}

/// Runs `c5hub iodef ARGS...`.
fn iodef(args: &[&str]) -> Output {
    Command::new(BIN)
        .arg("iodef")
        .args(args)
        .output()
        .expect("the c5hub binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code, showing both streams when it is not the one
/// expected.
fn assert_exit(o: &Output, code: i32, what: &str) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{what}: exit status\n--- stdout ---\n{}\n--- stderr ---\n{}",
        stdout(o),
        stderr(o)
    );
}

/// A folder of its own under the system temporary folder, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(test: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("c5hub-iodef-cli-{}-{test}-{n}", std::process::id()));
        // A leftover from a killed run with the same process id is stale.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temporary folder can be created");
        TempDir(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes a file and returns its path as a command-line argument.
    fn write(&self, name: &str, content: &[u8]) -> String {
        let p = self.path(name);
        std::fs::write(&p, content).expect("temporary file can be written");
        arg(&p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn arg(p: &Path) -> String {
    p.to_str().expect("temporary paths are UTF-8").to_owned()
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Decodes a document that must be valid.
fn decode_valid(bytes: &[u8], what: &str) -> Document {
    let d = decode(bytes, &Limits::default()).unwrap_or_else(|v| panic!("{what}: {v}"));
    let msgs: Vec<String> = d.violations.iter().map(|v| v.to_string()).collect();
    assert!(
        msgs.is_empty(),
        "{what}: unexpected violations:\n{}",
        msgs.join("\n")
    );
    d.document
}

/// The valid XML documents of the corpus, without the large stress ones.
fn valid_xml_documents() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(data("rfc7970/valid"))
        .expect("the test corpus is present")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| !n.starts_with("stress-"))
        })
        .map(|p| arg(&p))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no valid XML documents found");
    v
}

/// A `FILE: PATH: message [rule]` line of `validate`, as (PATH, rule).
fn parse_violation(line: &str, file: &str) -> (String, String) {
    let rest = line
        .strip_prefix(&format!("{file}: "))
        .unwrap_or_else(|| panic!("{line:?} does not start with {file:?}"));
    let (path, message) = rest
        .split_once(": ")
        .unwrap_or_else(|| panic!("{line:?} is not FILE: PATH: message"));
    let rule = message
        .rsplit_once(" [")
        .and_then(|(_, r)| r.strip_suffix(']'))
        .unwrap_or_else(|| panic!("{line:?} does not end with [rule]"));
    (path.to_owned(), rule.to_owned())
}

/// The `PATH<TAB>RULE` lines of a `.expected` file, sorted.
fn expected_violations(doc: &str) -> Vec<(String, String)> {
    let exp = Path::new(doc).with_extension("expected");
    let text = std::fs::read_to_string(&exp).expect(".expected file is readable");
    let mut v: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (p, r) = l.split_once('\t').expect(".expected line is PATH<TAB>RULE");
            (p.trim().to_owned(), r.trim().to_owned())
        })
        .collect();
    v.sort();
    v
}

// ---------------------------------------------------------------------------
// validate

#[test]
fn validate_exits_0_when_every_document_is_valid_in_either_binding() {
    let files = [
        data("rfc7970/valid/minimal.xml"),
        data("rfc8727/valid/minimal.json"),
        data("rfc7970/valid/phishing-bank-credentials.xml"),
        data("rfc8727/valid/phishing-bank-credentials.json"),
        data("rfc7970/valid/prefixed-defacement.xml"),
        data("rfc8727/valid/structured-info-mlstrings.json"),
    ];
    let args: Vec<&str> = files.iter().map(String::as_str).collect();
    let o = iodef(&[&["validate"], args.as_slice()].concat());
    assert_exit(&o, 0, "validate of valid documents");
    // Issue 16: each valid file says so; `-q` keeps them quiet.
    let said: String = args.iter().map(|f| format!("{f}: valid\n")).collect();
    assert_eq!(stdout(&o), said, "one line per valid document");
    assert_eq!(stderr(&o), "");
    let o = iodef(&[&["validate", "-q"], args.as_slice()].concat());
    assert_exit(&o, 0, "validate -q of valid documents");
    assert_eq!(stdout(&o), "", "-q: nothing to report on valid documents");
    assert_eq!(stderr(&o), "");
}

#[test]
fn validate_detects_the_binding_from_the_content_not_the_name() {
    let tmp = TempDir::new("detect");
    let json_named_xml = tmp.write(
        "really-json.xml",
        &read(&data("rfc8727/valid/minimal.json")),
    );
    let xml_named_json = tmp.write("really-xml.json", &read(&data("rfc7970/valid/minimal.xml")));
    let o = iodef(&["validate", &json_named_xml, &xml_named_json]);
    assert_exit(&o, 0, "validate of documents with misleading extensions");

    let text = tmp.write("notes.xml", b"incident notes, neither XML nor JSON\n");
    let o = iodef(&["validate", &text]);
    assert_exit(&o, 1, "validate of a file that is neither binding");
    assert!(
        stdout(&o).starts_with(&format!("{text}: -: ")) && stdout(&o).contains("[wrong-root]"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn validate_exits_1_and_prints_every_violation_of_an_invalid_document() {
    for (invalid, valid) in [
        ("rfc7970/invalid/enum.xml", "rfc8727/valid/minimal.json"),
        ("rfc8727/invalid/enum.json", "rfc7970/valid/minimal.xml"),
        (
            "rfc7970/invalid/missing-attribute.xml",
            "rfc8727/valid/observable-kinds.json",
        ),
    ] {
        let (invalid, valid) = (data(invalid), data(valid));
        let before = data("rfc7970/valid/bec-invoice-fraud.xml");
        let o = iodef(&["validate", &before, &invalid, &valid]);
        assert_exit(&o, 1, &format!("validate with {invalid} among valid ones"));
        let out = stdout(&o);
        let said_valid = [format!("{before}: valid"), format!("{valid}: valid")];
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| !said_valid.iter().any(|v| v == l))
            .collect();
        assert_eq!(
            out.lines().count() - lines.len(),
            2,
            "each valid file says so:\n{out}"
        );
        assert!(!lines.is_empty(), "{invalid}: no violation printed");
        for line in &lines {
            assert!(
                line.starts_with(&format!("{invalid}: /IODEF-Document")),
                "{line:?} does not start with `{invalid}: /IODEF-Document`"
            );
        }
        // Every violation, each naming its rule: exactly those expected.
        let mut got: Vec<(String, String)> =
            lines.iter().map(|l| parse_violation(l, &invalid)).collect();
        got.sort();
        assert_eq!(got, expected_violations(&invalid), "{invalid}");
    }
}

#[test]
fn validate_exits_2_on_a_missing_file() {
    let tmp = TempDir::new("missing");
    let missing = arg(&tmp.path("no-such-report.xml"));
    let o = iodef(&["validate", &missing]);
    assert_exit(&o, 2, "validate of a missing file");
    assert!(stderr(&o).contains(&missing), "{}", stderr(&o));

    // An I/O error outranks the validity of the other files.
    let valid = data("rfc7970/valid/minimal.xml");
    let o = iodef(&["validate", &valid, &missing]);
    assert_exit(&o, 2, "validate of a valid and a missing file");
}

#[test]
fn validate_exits_2_on_usage_errors() {
    let valid = data("rfc7970/valid/minimal.xml");
    let o = iodef(&["validate", "--no-such-flag", &valid]);
    assert_exit(&o, 2, "validate with an unknown flag");
    assert!(stderr(&o).contains("--no-such-flag"), "{}", stderr(&o));

    let o = iodef(&["validate"]);
    assert_exit(&o, 2, "validate without a file");
    assert_eq!(stdout(&o), "");
}

// ---------------------------------------------------------------------------
// hostile input and limits

#[test]
fn dtds_are_refused_quickly_without_expanding_entities() {
    let xxe = data("rfc7970/invalid/xxe-external-entity.xml");
    let laughs = data("rfc7970/invalid/billion-laughs.xml");
    let doctype = data("rfc7970/invalid/doctype-only.xml");
    let start = Instant::now();
    let o = iodef(&["validate", &xxe, &laughs, &doctype]);
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "validate of hostile documents took {:?}",
        start.elapsed()
    );
    assert_exit(&o, 1, "validate of hostile documents");
    let out = stdout(&o);
    for f in [&xxe, &laughs, &doctype] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{f}: ")))
            .unwrap_or_else(|| panic!("no line for {f} in:\n{out}"));
        assert_eq!(
            parse_violation(line, f),
            ("-".to_owned(), "dtd-forbidden".to_owned())
        );
    }
    assert!(!out.contains("root:x:"), "an entity was expanded:\n{out}");

    // convert and summary refuse them the same way, writing nothing.
    for f in [&xxe, &laughs] {
        for args in [vec!["convert", f, "--to", "json"], vec!["summary", f]] {
            let start = Instant::now();
            let o = iodef(&args);
            assert!(start.elapsed() < Duration::from_secs(5), "{args:?}");
            assert_exit(&o, 1, &format!("{args:?}"));
            assert_eq!(stdout(&o), "", "{args:?} wrote output");
            assert!(stderr(&o).contains("[dtd-forbidden]"), "{}", stderr(&o));
        }
    }
}

#[test]
fn documents_over_max_bytes_are_refused_with_limit_size() {
    let tmp = TempDir::new("max-bytes");
    let xml = read(&data("rfc7970/valid/minimal.xml"));
    let json = read(&data("rfc8727/valid/minimal.json"));
    for (name, bytes) in [("report.xml", &xml), ("report.json", &json)] {
        let f = tmp.write(name, bytes);
        let exact = bytes.len().to_string();
        let o = iodef(&["validate", "--max-bytes", &exact, &f]);
        assert_exit(&o, 0, &format!("{name} at exactly --max-bytes"));

        let one_less = (bytes.len() - 1).to_string();
        let o = iodef(&["validate", "--max-bytes", &one_less, &f]);
        assert_exit(&o, 1, &format!("{name} one byte over --max-bytes"));
        let out = stdout(&o);
        let line = out.lines().next().unwrap_or_default();
        assert!(
            line.starts_with(&format!("{f}: -: ")) && line.ends_with("[limit-size]"),
            "{name} over --max-bytes: expected `{f}: -: ... [limit-size]`, got:\n{out}"
        );

        let o = iodef(&["convert", &f, "--to", "xml", "--max-bytes", &one_less]);
        assert_exit(&o, 1, &format!("convert of {name} over --max-bytes"));
        assert_eq!(stdout(&o), "");
        assert!(stderr(&o).contains("[limit-size]"), "{}", stderr(&o));
    }
}

// ---------------------------------------------------------------------------
// convert

#[test]
fn convert_writes_to_stdout_exactly_the_golden_conversion() {
    for (source, to, golden) in [
        (
            "rfc7970/valid/phishing-bank-credentials.xml",
            "json",
            "golden/rfc7970-to-rfc8727/phishing-bank-credentials.json",
        ),
        (
            "rfc8727/valid/phishing-bank-credentials.json",
            "xml",
            "golden/rfc8727-to-rfc7970/phishing-bank-credentials.xml",
        ),
    ] {
        let o = iodef(&["convert", &data(source), "--to", to]);
        assert_exit(&o, 0, &format!("convert {source} --to {to}"));
        assert_eq!(stderr(&o), "", "convert of a valid document is silent");
        assert!(
            stdout(&o) == String::from_utf8_lossy(&read(&data(golden))),
            "convert {source} --to {to}: stdout differs from {golden}"
        );
        // And it is the same document.
        let back = decode_valid(&o.stdout, &format!("{source} converted to {to}"));
        let orig = decode_valid(&read(&data(source)), source);
        assert!(back.canonical() == orig.canonical(), "{source}: changed");
    }
}

#[test]
fn convert_with_output_writes_the_file_and_nothing_on_stdout() {
    let tmp = TempDir::new("output");
    let source = data("rfc7970/valid/malware-dropper-hashes.xml");
    let out = arg(&tmp.path("converted.json"));
    let o = iodef(&["convert", &source, "--to", "json", "-o", &out]);
    assert_exit(&o, 0, "convert -o");
    assert_eq!(stdout(&o), "", "convert -o writes nothing on stdout");
    let written = read(&out);
    assert!(written.starts_with(b"{"), "not JSON");
    let back = decode_valid(&written, &out);
    assert!(back.canonical() == decode_valid(&read(&source), &source).canonical());

    // --output is the long form, and an existing file is replaced.
    let o = iodef(&["convert", &source, "--to", "xml", "--output", &out]);
    assert_exit(&o, 0, "convert --output");
    assert!(read(&out).starts_with(b"<?xml"), "not replaced with XML");
}

#[test]
fn xml_to_json_to_xml_gives_the_same_document() {
    let tmp = TempDir::new("round-trip");
    for source in valid_xml_documents() {
        let json = arg(&tmp.path("step.json"));
        let xml = arg(&tmp.path("step.xml"));
        let o = iodef(&["convert", &source, "--to", "json", "-o", &json]);
        assert_exit(&o, 0, &format!("convert {source} --to json"));
        let o = iodef(&["convert", &json, "--to", "xml", "-o", &xml]);
        assert_exit(&o, 0, &format!("convert {source} (as JSON) --to xml"));

        let orig = decode_valid(&read(&source), &source);
        let back = decode_valid(&read(&xml), &format!("{source} after XML->JSON->XML"));
        // RFC 8727 drops wrappers and ordering that XML has, so the
        // comparison is of the meaning (see Element::canonicalize).
        assert!(
            back.canonical() == orig.canonical(),
            "{source}: XML->JSON->XML changed the document"
        );
    }
}

#[test]
fn convert_of_an_invalid_document_exits_1_and_writes_nothing_unless_lenient() {
    let tmp = TempDir::new("invalid");
    let invalid = data("rfc7970/invalid/enum.xml");
    let out = arg(&tmp.path("out.json"));

    let o = iodef(&["convert", &invalid, "--to", "json"]);
    assert_exit(&o, 1, "convert of an invalid document");
    assert_eq!(stdout(&o), "", "an invalid document is not converted");
    let err = stderr(&o);
    assert!(err.contains("[enum]"), "violations are reported:\n{err}");
    assert!(err.contains("--lenient"), "the way out is named:\n{err}");

    let o = iodef(&["convert", &invalid, "--to", "json", "-o", &out]);
    assert_exit(&o, 1, "convert -o of an invalid document");
    assert!(!Path::new(&out).exists(), "{out} was written");

    let o = iodef(&["convert", &invalid, "--to", "json", "--lenient", "-o", &out]);
    assert_exit(&o, 0, "convert --lenient of an invalid document");
    assert!(
        stderr(&o).contains("[enum]"),
        "violations are still reported"
    );
    let written = read(&out);
    let d = decode(&written, &Limits::default()).expect("lenient output is readable JSON");
    assert_eq!(
        d.violations.len(),
        expected_violations(&invalid).len(),
        "the lenient conversion keeps the document as it was, violations included"
    );

    // A document that cannot be read at all is not converted even leniently.
    let broken = data("rfc7970/invalid/unclosed-tag.xml");
    let o = iodef(&["convert", &broken, "--to", "json", "--lenient"]);
    assert_exit(&o, 1, "convert --lenient of an unreadable document");
    assert_eq!(stdout(&o), "");
}

#[test]
fn convert_exits_2_on_usage_and_io_errors() {
    let tmp = TempDir::new("convert-usage");
    let valid = data("rfc7970/valid/minimal.xml");
    let o = iodef(&["convert", &valid, "--to", "yaml"]);
    assert_exit(&o, 2, "convert --to yaml");
    let o = iodef(&["convert", &valid]);
    assert_exit(&o, 2, "convert without --to");
    let missing = arg(&tmp.path("missing.xml"));
    let o = iodef(&["convert", &missing, "--to", "json"]);
    assert_exit(&o, 2, "convert of a missing file");
    let unwritable = arg(&tmp.path("no-such-folder/out.json"));
    let o = iodef(&["convert", &valid, "--to", "json", "-o", &unwritable]);
    assert_exit(&o, 2, "convert to an unwritable path");
}

// ---------------------------------------------------------------------------
// summary

#[test]
fn summary_shows_incident_tlp_classification_observables_and_contacts() {
    // Values checked by reading the document: restriction="amber",
    // IncidentCategory fraud:phishing, the observables of its EventData and
    // IndicatorData, and its two top-level contacts.
    let source = data("rfc7970/valid/phishing-bank-credentials.xml");
    let o = iodef(&["summary", &source]);
    assert_exit(&o, 0, "summary");
    let out = stdout(&o);
    let field = |name: &str| {
        out.lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
            .unwrap_or_else(|| panic!("no {name:?} line in:\n{out}"))
            .to_owned()
    };
    assert!(out.contains("CERT-EX-2024-0412"), "incident id:\n{out}");
    assert_eq!(field("TLP:"), "TLP:AMBER");
    assert!(field("classification:").contains("fraud/phishing"), "{out}");
    assert!(field("classification:").contains("RSIT"), "{out}");
    assert!(field("observables:").starts_with('8'), "{out}");
    for observable in [
        "secure-login-examplebank.example.net",
        "203.0.113.45",
        "198.51.100.23",
        "customer@mail.example",
        "security@examplebank-alerts.example.org",
        "https://secure-login-examplebank.example.net/online/login.php",
        // The e-mail body hash, ds:DigestValue rf2xbWsk...ZCb0= in hex.
        "adfdb16d6b24fb30a93fdde7ceb314c12b73e570f94b034901ab83d6edd909bd",
    ] {
        assert!(out.contains(observable), "observable {observable}:\n{out}");
    }
    assert!(field("contacts:").starts_with('2'), "{out}");
    assert!(out.contains("incident@cert.example"), "{out}");
    assert!(out.contains("Example Retail Bank"), "{out}");
}

#[test]
fn summary_is_the_same_for_the_same_incident_in_either_binding() {
    let mut pairs = 0;
    for xml in valid_xml_documents() {
        let json = xml
            .replace("/rfc7970/valid/", "/rfc8727/valid/")
            .replace(".xml", ".json");
        if !Path::new(&json).exists() {
            continue;
        }
        pairs += 1;
        let (a, b) = (iodef(&["summary", &xml]), iodef(&["summary", &json]));
        assert_exit(&a, 0, &xml);
        assert_exit(&b, 0, &json);
        // The first line names the binding; the rest must agree.
        let (a, b) = (stdout(&a), stdout(&b));
        let rest = |s: &str| s.lines().skip(1).collect::<Vec<_>>().join("\n");
        assert_eq!(rest(&a), rest(&b), "{xml} and {json} summarise differently");
        assert!(a.lines().next().is_some_and(|l| l.contains("XML")), "{a}");
        assert!(b.lines().next().is_some_and(|l| l.contains("JSON")), "{b}");
    }
    assert!(pairs > 0, "no XML/JSON pairs found");
}

#[test]
fn summary_exits_2_on_a_missing_file() {
    let tmp = TempDir::new("summary-missing");
    let o = iodef(&["summary", &arg(&tmp.path("missing.json"))]);
    assert_exit(&o, 2, "summary of a missing file");
}
