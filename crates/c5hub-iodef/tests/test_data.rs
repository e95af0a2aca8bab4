//! Data-driven tests over `test-data/`: every valid document round-trips in
//! both bindings, every broken one yields exactly its expected violations.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use c5hub_iodef::{Binding, Document, Limits, decode, encode_json, encode_xml};

fn data_dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-data")
        .join(rel)
}

fn files(rel: &str, ext: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(data_dir(rel))
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.extension().is_some_and(|e| e == ext));
    v.sort();
    v
}

fn decode_ok(bytes: &[u8], what: &str) -> Document {
    let d = decode(bytes, &Limits::default()).unwrap_or_else(|v| panic!("{what}: {v}"));
    let msgs: Vec<String> = d.violations.iter().map(|v| v.to_string()).collect();
    assert!(
        msgs.is_empty(),
        "{what}: unexpected violations:\n{}",
        msgs.join("\n")
    );
    d.document
}

/// Asserts two documents are equal, showing where they first differ.
fn assert_same(a: &Document, b: &Document, what: &str) {
    if a == b {
        return;
    }
    let (x, y) = (format!("{a:#?}"), format!("{b:#?}"));
    let (xl, yl): (Vec<&str>, Vec<&str>) = (x.lines().collect(), y.lines().collect());
    let i = xl
        .iter()
        .zip(&yl)
        .position(|(p, q)| p != q)
        .unwrap_or(xl.len().min(yl.len()));
    let from = i.saturating_sub(12);
    panic!(
        "{what}\n--- first ---\n{}\n--- second ---\n{}",
        xl[from..(i + 3).min(xl.len())].join("\n"),
        yl[from..(i + 3).min(yl.len())].join("\n")
    );
}

/// Decode, encode in both bindings, decode again, compare.
fn round_trip(path: &Path) {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).expect("test file is readable");
    let doc = decode_ok(&bytes, &name);
    let binding = Binding::detect(&bytes).expect("binding detected");

    let xml = encode_xml(&doc);
    let from_xml = decode_ok(xml.as_bytes(), &format!("{name} re-encoded as XML"));
    let json = encode_json(&doc, true);
    let from_json = decode_ok(json.as_bytes(), &format!("{name} re-encoded as JSON"));

    // Same binding: the very same tree.
    let same = if binding == Binding::Xml {
        &from_xml
    } else {
        &from_json
    };
    assert_same(
        same,
        &doc,
        &format!("{name}: changed on a round trip in its own binding"),
    );
    // Other binding: the same meaning (see Element::canonicalize).
    let canon = doc.clone().canonical();
    assert_same(
        &from_xml.clone().canonical(),
        &canon,
        &format!("{name}: changed through XML"),
    );
    assert_same(
        &from_json.clone().canonical(),
        &canon,
        &format!("{name}: changed through JSON"),
    );
    // And back again from the other binding.
    let back = decode_ok(encode_json(&from_xml, false).as_bytes(), &name);
    assert_same(
        &back.canonical(),
        &canon,
        &format!("{name}: changed through XML then JSON"),
    );
}

#[test]
fn valid_xml_documents_round_trip() {
    let all = files("rfc7970/valid", "xml");
    assert!(!all.is_empty(), "no test documents found");
    for f in all {
        round_trip(&f);
    }
}

#[test]
fn valid_json_documents_round_trip() {
    for f in files("rfc8727/valid", "json") {
        round_trip(&f);
    }
}

fn expected(path: &Path) -> BTreeSet<(String, String)> {
    let exp = path.with_extension("expected");
    let text =
        std::fs::read_to_string(&exp).unwrap_or_else(|_| panic!("{} is missing", exp.display()));
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (p, r) = l
                .split_once('\t')
                .unwrap_or_else(|| panic!("{}: line {l:?} is not PATH<TAB>RULE", exp.display()));
            (p.trim().to_owned(), r.trim().to_owned())
        })
        .collect()
}

fn check_invalid(path: &Path) {
    let bytes = std::fs::read(path).expect("test file is readable");
    let got: BTreeSet<(String, String)> = match decode(&bytes, &Limits::default()) {
        Ok(d) => d
            .violations
            .iter()
            .map(|v| (v.path.clone(), v.rule.code().to_owned()))
            .collect(),
        Err(v) => [(v.path.clone(), v.rule.code().to_owned())].into(),
    };
    let want = expected(path);
    assert_eq!(
        got,
        want,
        "{}: violations differ (left: found, right: expected)",
        path.display()
    );
}

#[test]
fn invalid_xml_documents_report_their_violations() {
    for f in files("rfc7970/invalid", "xml") {
        check_invalid(&f);
    }
}

#[test]
fn invalid_json_documents_report_their_violations() {
    for f in files("rfc8727/invalid", "json") {
        check_invalid(&f);
    }
}
