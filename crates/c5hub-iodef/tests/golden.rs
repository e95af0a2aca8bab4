//! Golden files for conversions: every valid XML document of
//! `test-data/rfc7970/valid` converted to RFC 8727 JSON, and every valid JSON
//! document of `test-data/rfc8727/valid` converted to XML, compared byte for
//! byte with `test-data/golden/`.
//!
//! A golden file holds exactly what `c5hub iodef convert` writes: the
//! encoder's output ([`encode_json`] pretty-printed, or [`encode_xml`]),
//! ending with one newline. Run with `UPDATE_GOLDEN=1` to rewrite them after
//! an intended change, then review the diff.
//!
//! The large generated `stress-*.xml` documents are left out: their output
//! would swamp any review of the diff, and `test_data.rs` round-trips them.

use std::path::{Path, PathBuf};

use c5hub_iodef::{Limits, decode, encode_json, encode_xml};

/// The environment variable that turns comparison into rewriting.
const UPDATE_VAR: &str = "UPDATE_GOLDEN";

fn data_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(rel)
}

/// The files of a test-data folder with the given extension, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

fn updating() -> bool {
    std::env::var(UPDATE_VAR).is_ok_and(|v| v == "1")
}

/// One conversion direction: where its inputs and golden files live.
struct Direction {
    /// Folder of the source documents, under `test-data`.
    source_dir: &'static str,
    source_ext: &'static str,
    /// Folder of the golden files, under `test-data`.
    golden_dir: &'static str,
    golden_ext: &'static str,
    convert: fn(&c5hub_iodef::Document) -> String,
}

fn to_json(doc: &c5hub_iodef::Document) -> String {
    encode_json(doc, true)
}

fn to_xml(doc: &c5hub_iodef::Document) -> String {
    encode_xml(doc)
}

const XML_TO_JSON: Direction = Direction {
    source_dir: "rfc7970/valid",
    source_ext: "xml",
    golden_dir: "golden/rfc7970-to-rfc8727",
    golden_ext: "json",
    convert: to_json,
};

const JSON_TO_XML: Direction = Direction {
    source_dir: "rfc8727/valid",
    source_ext: "json",
    golden_dir: "golden/rfc8727-to-rfc7970",
    golden_ext: "xml",
    convert: to_xml,
};

/// Whether a source document takes part (the stress documents do not).
fn included(source: &Path) -> bool {
    source
        .file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| !n.starts_with("stress-"))
}

/// What `c5hub iodef convert` writes: the encoding, ending with a newline.
fn converted(source: &Path, convert: fn(&c5hub_iodef::Document) -> String) -> String {
    let name = source.display();
    let bytes = std::fs::read(source).expect("test document is readable");
    let decoded = decode(&bytes, &Limits::default()).unwrap_or_else(|v| panic!("{name}: {v}"));
    let msgs: Vec<String> = decoded.violations.iter().map(|v| v.to_string()).collect();
    assert!(
        msgs.is_empty(),
        "{name}: a valid test document has violations:\n{}",
        msgs.join("\n")
    );
    let mut text = convert(&decoded.document);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The first line where two texts differ, for a readable failure.
fn first_difference(want: &str, got: &str) -> String {
    let (w, g): (Vec<&str>, Vec<&str>) = (want.lines().collect(), got.lines().collect());
    let i = w
        .iter()
        .zip(&g)
        .position(|(a, b)| a != b)
        .unwrap_or(w.len().min(g.len()));
    format!(
        "line {}:\n  golden: {:?}\n  now:    {:?}",
        i + 1,
        w.get(i).copied().unwrap_or("<end of file>"),
        g.get(i).copied().unwrap_or("<end of file>")
    )
}

/// Compares (or, with `UPDATE_GOLDEN=1`, rewrites) every golden file of a
/// direction; fails once, listing every difference.
fn check(dir: &Direction) {
    let sources: Vec<PathBuf> = files(&data_dir(dir.source_dir), dir.source_ext)
        .into_iter()
        .filter(|p| included(p))
        .collect();
    assert!(
        !sources.is_empty(),
        "no documents in test-data/{}",
        dir.source_dir
    );
    let golden_dir = data_dir(dir.golden_dir);
    let update = updating();
    let mut problems = Vec::new();
    let mut written = 0;
    let mut expected_names = Vec::new();

    for source in &sources {
        let stem = source
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("test document names are UTF-8");
        let golden = golden_dir.join(format!("{stem}.{}", dir.golden_ext));
        expected_names.push(golden.clone());
        let got = converted(source, dir.convert);
        // What we emit, we must accept: the conversion is itself valid.
        match decode(got.as_bytes(), &Limits::default()) {
            Ok(d) => problems.extend(
                d.violations
                    .iter()
                    .map(|v| format!("{}: the conversion has a violation: {v}", golden.display())),
            ),
            Err(v) => problems.push(format!(
                "{}: the conversion cannot be read back: {v}",
                golden.display()
            )),
        }
        let want = std::fs::read_to_string(&golden).ok();
        if want.as_deref() == Some(got.as_str()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(&golden_dir).expect("golden folder can be created");
            std::fs::write(&golden, &got).expect("golden file can be written");
            written += 1;
            continue;
        }
        problems.push(match want {
            None => format!("{}: missing", golden.display()),
            Some(want) => format!(
                "{}: differs from the conversion of {}, {}",
                golden.display(),
                source.display(),
                first_difference(&want, &got)
            ),
        });
    }

    // A golden file without its source document is stale.
    for stale in files(&golden_dir, dir.golden_ext) {
        if expected_names.contains(&stale) {
            continue;
        }
        if update {
            std::fs::remove_file(&stale).expect("stale golden file can be removed");
            eprintln!("{UPDATE_VAR}: removed stale {}", stale.display());
        } else {
            problems.push(format!(
                "{}: no source document in test-data/{} (delete it or run with {UPDATE_VAR}=1)",
                stale.display(),
                dir.source_dir
            ));
        }
    }

    if update {
        eprintln!(
            "{UPDATE_VAR}: rewrote {written} of {} golden files in {}",
            sources.len(),
            golden_dir.display()
        );
    }
    assert!(
        problems.is_empty(),
        "{} golden file(s) out of date; if the change is intended, run with \
         {UPDATE_VAR}=1 and review the diff:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn xml_documents_convert_to_their_golden_json() {
    check(&XML_TO_JSON);
}

#[test]
fn json_documents_convert_to_their_golden_xml() {
    check(&JSON_TO_XML);
}
