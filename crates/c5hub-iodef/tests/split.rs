//! Reading a document one Incident at a time ([`XmlIncidents`]) gives the
//! incidents a whole-document reading gives, with paths naming each
//! Incident by its index in the whole document.

use std::path::Path;

use c5hub_iodef::{Limits, Rule, XmlIncidents, decode_xml, model};
use c5hub_model::Incident;

mod streamed;

fn streamed(bytes: &[u8], limits: Limits) -> Vec<Result<Vec<Incident>, String>> {
    streamed::decoded(XmlIncidents::new(bytes, limits), limits)
}

/// Every valid document of the corpus: the same incidents either way.
#[test]
fn every_valid_document_gives_the_same_incidents() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data/rfc7970/valid");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("corpus") {
        let p = e.expect("entry").path();
        if p.extension().and_then(|x| x.to_str()) != Some("xml") {
            continue;
        }
        let bytes = std::fs::read(&p).expect("read");
        let whole = decode_xml(&bytes, &Limits::default()).expect("decodes");
        let whole = model::incidents_from_document(&whole.document, None).0;
        let parts: Vec<Incident> = streamed(&bytes, Limits::default())
            .into_iter()
            .flat_map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .collect();
        assert_eq!(whole, parts, "{}", p.display());
        n += 1;
    }
    assert!(n >= 10, "{n} documents");
}

const ROOT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<iodef:IODEF-Document version="2.00" xml:lang="en" xmlns:iodef="urn:ietf:params:xml:ns:iodef-2.0">"#;

fn incident(i: usize, extra: &str) -> String {
    format!(
        r#"<iodef:Incident purpose="reporting" restriction="green"><iodef:IncidentID name="csirt.test">S-{i}</iodef:IncidentID><iodef:GenerationTime>2026-11-01T10:00:00Z</iodef:GenerationTime>{extra}<iodef:Contact role="creator" type="organization"><iodef:ContactName>CSIRT</iodef:ContactName></iodef:Contact></iodef:Incident>"#
    )
}

/// The root's prefix and attributes apply to every Incident; a violation
/// in the third names `Incident[2]`.
#[test]
fn paths_name_the_incident_in_the_whole_document() {
    let doc = format!(
        "{ROOT}<!-- c -->{}{}{}</iodef:IODEF-Document>",
        incident(0, ""),
        incident(1, ""),
        incident(2, "<iodef:Bogus/>")
    );
    let got = streamed(doc.as_bytes(), Limits::default());
    assert_eq!(got.len(), 3);
    assert!(got[0].is_ok() && got[1].is_ok(), "{got:?}");
    let err = got[2].as_ref().expect_err("invalid");
    assert!(
        err.starts_with("/IODEF-Document/Incident[2]/Bogus[0]"),
        "{err}"
    );
}

/// DOCTYPE is refused wherever it is; a too-large Incident is skipped by
/// name and the next one still read.
#[test]
fn safety_rules_and_limits() {
    let doc = format!(
        "<!DOCTYPE x [<!ENTITY a \"b\">]>{ROOT}{}</iodef:IODEF-Document>",
        incident(0, "")
    );
    let first = XmlIncidents::new(doc.as_bytes(), Limits::default()).next();
    let v = first.expect("one item").expect_err("refused");
    assert_eq!(v.rule, Rule::DtdForbidden, "{v}");

    let big = incident(
        1,
        &format!(
            "<iodef:Description>{}</iodef:Description>",
            "x".repeat(4000)
        ),
    );
    let doc = format!(
        "{ROOT}{}{big}{}</iodef:IODEF-Document>",
        incident(0, ""),
        incident(2, "")
    );
    let limits = Limits {
        max_bytes: 2000,
        ..Limits::default()
    };
    let items: Vec<_> = XmlIncidents::new(doc.as_bytes(), limits).collect();
    assert_eq!(items.len(), 3);
    let v = items[1].as_ref().expect_err("too large");
    assert_eq!(
        (v.rule, v.path.as_str()),
        (Rule::LimitSize, "/IODEF-Document/Incident[1]"),
        "{v}"
    );
    assert_eq!(items[2].as_ref().expect("read on").index, 2);

    // An undefined entity inside an Incident is an error, never expanded.
    let doc = format!(
        "{ROOT}{}</iodef:IODEF-Document>",
        incident(0, "<iodef:Description>&xxe;</iodef:Description>")
    );
    let got = streamed(doc.as_bytes(), Limits::default());
    assert!(got[0].is_err(), "{got:?}");
}
