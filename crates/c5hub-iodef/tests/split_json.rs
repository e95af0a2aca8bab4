//! Reading an RFC 8727 document one Incident at a time ([`JsonIncidents`])
//! gives the incidents a whole-document reading gives, with paths naming
//! each Incident by its index in the whole document, and bad input an
//! error that says where.

use std::path::Path;

use c5hub_iodef::{JsonIncidents, Limits, Rule, decode_json, model};
use c5hub_model::Incident;

mod streamed;

fn streamed(bytes: &[u8], limits: Limits) -> Vec<Result<Vec<Incident>, String>> {
    streamed::decoded(JsonIncidents::new(bytes, limits), limits)
}

/// Every valid JSON document of the corpus, and every valid XML one
/// written as JSON: the same incidents either way.
#[test]
fn every_valid_document_gives_the_same_incidents() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-data");
    let mut docs = Vec::new();
    for (dir, ext) in [("rfc8727/valid", "json"), ("rfc7970/valid", "xml")] {
        for e in std::fs::read_dir(root.join(dir)).expect("corpus") {
            let p = e.expect("entry").path();
            if p.extension().and_then(|x| x.to_str()) != Some(ext) {
                continue;
            }
            let bytes = std::fs::read(&p).expect("read");
            let json = match ext {
                "json" => bytes,
                _ => {
                    let d = c5hub_iodef::decode_xml(&bytes, &Limits::default()).expect("xml");
                    c5hub_iodef::encode_json(&d.document, true).into_bytes()
                }
            };
            docs.push((p, json));
        }
    }
    assert!(docs.len() >= 20, "{} documents", docs.len());
    for (p, bytes) in docs {
        let whole = decode_json(&bytes, &Limits::default()).expect("decodes");
        let whole = model::incidents_from_document(&whole.document, None).0;
        let parts: Vec<Incident> = streamed(&bytes, Limits::default())
            .into_iter()
            .flat_map(|r| r.unwrap_or_else(|e| panic!("{}: {e}", p.display())))
            .collect();
        assert_eq!(whole, parts, "{}", p.display());
    }
}

fn incident(i: usize, extra: &str) -> String {
    format!(
        r#"{{"purpose":"reporting","restriction":"green","IncidentID":{{"name":"csirt.test","id":"S-{i}"}},"GenerationTime":"2026-11-01T10:00:00Z",{extra}"Contact":[{{"role":"creator","type":"organization","ContactName":["CSIRT"]}}]}}"#
    )
}

fn document(incidents: &[String]) -> String {
    format!(
        r#"{{"version":"2.00","lang":"en","Incident":[{}],"AdditionalData":[{{"dtype":"string","value":"x"}}]}}"#,
        incidents.join(",\n ")
    )
}

/// A violation in the third Incident names `Incident[2]`; the document's
/// members apply to each.
#[test]
fn paths_name_the_incident_in_the_whole_document() {
    let doc = document(&[
        incident(0, ""),
        incident(1, ""),
        incident(2, r#""Bogus":"x","#),
    ]);
    let got = streamed(doc.as_bytes(), Limits::default());
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got[0].is_ok() && got[1].is_ok(), "{got:?}");
    let err = got[2].as_ref().expect_err("invalid");
    assert!(err.starts_with("/IODEF-Document/Incident[2]"), "{err}");
    assert!(err.contains("Bogus"), "{err}");
}

/// A too-large Incident is skipped by name and the next one still read;
/// broken syntax ends the stream with the byte where; an attribute after
/// the incidents is refused by name; nothing else is a document.
#[test]
fn limits_and_errors_say_where() {
    let big = incident(1, &format!(r#""Description":["{}"],"#, "x".repeat(4000)));
    let doc = document(&[incident(0, ""), big, incident(2, "")]);
    let limits = Limits {
        max_bytes: 2000,
        ..Limits::default()
    };
    let items: Vec<_> = JsonIncidents::new(doc.as_bytes(), limits).collect();
    assert_eq!(items.len(), 3);
    let v = items[1].as_ref().expect_err("too large");
    assert_eq!(
        (v.rule, v.path.as_str()),
        (Rule::LimitSize, "/IODEF-Document/Incident[1]"),
        "{v}"
    );
    assert_eq!(items[2].as_ref().expect("read on").index, 2);

    // Broken after the first Incident: it is read, then the error.
    let doc = format!(
        r#"{{"version":"2.00","Incident":[{} {}]}}"#,
        incident(0, ""),
        incident(1, "")
    );
    let items: Vec<_> = JsonIncidents::new(doc.as_bytes(), Limits::default()).collect();
    assert_eq!(items.len(), 2, "{items:?}");
    assert!(items[0].is_ok());
    let v = items[1].as_ref().expect_err("syntax");
    assert_eq!(v.rule, Rule::JsonSyntax, "{v}");
    let at = doc.find("} {").expect("gap") + 2;
    assert!(
        v.message.starts_with(&format!("byte {at}:")),
        "{v} (expected byte {at})"
    );

    // A mismatched bracket inside an Incident.
    let doc = r#"{"version":"2.00","Incident":[{"a":[}]}"#;
    let v = JsonIncidents::new(doc.as_bytes(), Limits::default())
        .next()
        .expect("item")
        .expect_err("syntax");
    assert_eq!(v.rule, Rule::JsonSyntax, "{v}");

    let doc = format!(r#"{{"Incident":[{}],"version":"2.00"}}"#, incident(0, ""));
    let items: Vec<_> = JsonIncidents::new(doc.as_bytes(), Limits::default()).collect();
    let v = items.last().expect("items").as_ref().expect_err("refused");
    assert!(
        v.path == "/IODEF-Document/version" && v.message.contains("\"version\" follows"),
        "{v}"
    );

    for (doc, rule) in [
        ("[1]", Rule::WrongRoot),
        ("", Rule::JsonSyntax),
        (r#"{"version":"2.00"}"#, Rule::MissingElement),
        (r#"{"version":"2.00","Incident":[]}"#, Rule::MissingElement),
        (r#"{"version":"2.00","Incident":[{}]} x"#, Rule::JsonSyntax),
    ] {
        let items: Vec<_> = JsonIncidents::new(doc.as_bytes(), Limits::default()).collect();
        let v = items.last().expect("an item").as_ref().expect_err(doc);
        assert_eq!(v.rule, rule, "{doc}: {v}");
    }

    // Nesting deeper than the limit allows is refused without recursion.
    let deep = format!(
        r#"{{"version":"2.00","Incident":[{}]}}"#,
        "[".repeat(100_000)
    );
    let v = JsonIncidents::new(deep.as_bytes(), Limits::default())
        .next()
        .expect("item")
        .expect_err("deep");
    assert_eq!(v.rule, Rule::LimitDepth, "{v}");
}
