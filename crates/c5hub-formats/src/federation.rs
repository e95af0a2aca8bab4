//! c5hub's federation objects: how one hub hands another an incident over
//! TAXII 2.1, with where it comes from.
//!
//! Each incident travels as one custom STIX object of type
//! `x-c5hub-incident` (STIX 2.1 §11.1 custom objects), so any TAXII 2.1
//! server carries it and a c5hub reads it whole:
//!
//! ```json
//! {"type": "x-c5hub-incident", "spec_version": "2.1",
//!  "id": "x-c5hub-incident--<UUIDv5 of origin and key>",
//!  "created": "...", "modified": "<when this version was stored>",
//!  "origin": "national-a", "origin_key": 42, "origin_version": 2,
//!  "path": ["national-a"],
//!  "incident": { the native JSON: id, tlp, title, observables, contacts, ... },
//!  "original": {"format": "iodef-xml", "text": "<IODEF-Document ...>"}}
//! ```
//!
//! The origin and its key, not the reporter, identify the incident across
//! hubs; `origin_version` orders copies; `path` lists the hubs it came
//! through, the origin first and the sender last. Sharing lists name
//! organisations of the sending hub, which mean nothing at the receiver,
//! so they are never sent. The original document travels as text when it
//! is UTF-8 (every format c5hub reads as a document is) and when the
//! sender's policy keeps it (pseudonymisation drops it).

use c5hub_model::{DocumentFormat, Incident, OriginalDocument, Provenance};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

use crate::{DecodeOptions, Note, native};

/// The STIX type of a federated incident.
pub const OBJECT_TYPE: &str = "x-c5hub-incident";

/// One incident as it leaves for a peer.
pub struct Outgoing<'a> {
    /// The incident as the policy lets it leave.
    pub incident: &'a Incident,
    /// Where it comes from, the sending hub last on the path.
    pub provenance: &'a Provenance,
    /// When this version was stored at the sending hub.
    pub modified: DateTime<Utc>,
}

/// One incident as it arrives from a peer.
#[derive(Debug)]
pub struct Arrival {
    /// The incident, its original document attached when it came with one.
    pub incident: Incident,
    /// Where it comes from, as the peer said.
    pub provenance: Provenance,
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The STIX object of one outgoing incident.
pub fn object(o: &Outgoing<'_>) -> Value {
    let p = o.provenance;
    let id = c5hub_stix::ids::c5hub_id(OBJECT_TYPE, &format!("{}\n{}", p.origin, p.origin_key));
    let mut obj = Map::new();
    obj.insert("type".to_owned(), json!(OBJECT_TYPE));
    obj.insert("spec_version".to_owned(), json!("2.1"));
    obj.insert("id".to_owned(), json!(id));
    obj.insert("created".to_owned(), json!(stamp(o.modified)));
    obj.insert("modified".to_owned(), json!(stamp(o.modified)));
    obj.insert("origin".to_owned(), json!(p.origin));
    obj.insert("origin_key".to_owned(), json!(p.origin_key));
    obj.insert("origin_version".to_owned(), json!(p.origin_version));
    obj.insert("path".to_owned(), json!(p.path));
    obj.insert("incident".to_owned(), native::to_json(o.incident, &[], &[]));
    if let Some(doc) = &o.incident.original {
        if let Ok(text) = std::str::from_utf8(&doc.bytes) {
            obj.insert(
                "original".to_owned(),
                json!({"format": doc.format.as_str(), "text": text}),
            );
        }
    }
    Value::Object(obj)
}

/// Whether a posted envelope's objects are federated incidents (any one of
/// them is): the receiving door then reads them with [`arrivals`].
pub fn is_federation(objects: &[Value]) -> bool {
    objects
        .iter()
        .any(|o| o.get("type").and_then(Value::as_str) == Some(OBJECT_TYPE))
}

/// Reads every federated incident of an envelope's objects, or every
/// problem found, each naming the object (`objects[N]`) and property. An
/// object of another type is a problem too: a peer's envelope holds its
/// incidents only.
pub fn arrivals(objects: &[Value]) -> Result<Vec<Arrival>, Vec<Note>> {
    let mut out = Vec::with_capacity(objects.len());
    let mut problems = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        match arrival(o) {
            Ok(a) => out.push(a),
            Err((prop, detail)) => problems.push(Note {
                at: format!("objects[{i}]{prop}"),
                detail,
            }),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

type Problem = (String, String);

fn arrival(o: &Value) -> Result<Arrival, Problem> {
    let problem = |prop: &str, detail: String| (format!(".{prop}"), detail);
    let Some(obj) = o.as_object() else {
        return Err((String::new(), "an object is a JSON object".to_owned()));
    };
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    if ty != OBJECT_TYPE {
        return Err(problem(
            "type",
            format!("{ty:?}: a peer sends {OBJECT_TYPE} objects only"),
        ));
    }
    let text = |prop: &str| -> Result<String, Problem> {
        obj.get(prop)
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| problem(prop, "a string is needed".to_owned()))
    };
    let int = |prop: &str| -> Result<i64, Problem> {
        obj.get(prop)
            .and_then(Value::as_i64)
            .ok_or_else(|| problem(prop, "an integer is needed".to_owned()))
    };
    let path = match obj.get("path").and_then(Value::as_array) {
        Some(hubs) => hubs
            .iter()
            .enumerate()
            .map(|(i, h)| {
                h.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| problem(&format!("path[{i}]"), "a hub's name".to_owned()))
            })
            .collect::<Result<Vec<_>, _>>()?,
        None => return Err(problem("path", "a list of hubs is needed".to_owned())),
    };
    let provenance = Provenance {
        origin: text("origin")?,
        origin_key: int("origin_key")?,
        origin_version: int("origin_version")?,
        path,
    };
    provenance
        .check()
        .map_err(|e| problem("path", e.to_string()))?;
    let Some(body) = obj.get("incident").filter(|v| v.is_object()) else {
        return Err(problem("incident", "the incident is an object".to_owned()));
    };
    let bytes = serde_json::to_vec(body).map_err(|e| problem("incident", e.to_string()))?;
    let mut decoded = native::decode(&bytes, &DecodeOptions::default()).map_err(|f| {
        let said: Vec<String> = f
            .errors
            .iter()
            .map(|e| format!("{} {}", e.at, e.detail))
            .collect();
        problem(
            "incident",
            if said.is_empty() {
                f.detail
            } else {
                said.join("; ")
            },
        )
    })?;
    let Some(mut incident) = decoded.incidents.pop() else {
        return Err(problem("incident", "no incident".to_owned()));
    };
    incident.original = match obj.get("original") {
        None | Some(Value::Null) => None,
        Some(doc) => {
            let format = doc
                .get("format")
                .and_then(Value::as_str)
                .and_then(|f| f.parse::<DocumentFormat>().ok())
                .ok_or_else(|| {
                    problem(
                        "original.format",
                        "a document format c5hub knows".to_owned(),
                    )
                })?;
            let text = doc
                .get("text")
                .and_then(Value::as_str)
                .ok_or_else(|| problem("original.text", "the document's text".to_owned()))?;
            if text.len() > Incident::MAX_ORIGINAL_LEN {
                return Err(problem(
                    "original.text",
                    format!(
                        "{} bytes, more than {}",
                        text.len(),
                        Incident::MAX_ORIGINAL_LEN
                    ),
                ));
            }
            Some(OriginalDocument::new(format, text.as_bytes().to_vec()))
        }
    };
    Ok(Arrival {
        incident,
        provenance,
    })
}

#[cfg(test)]
mod tests {
    use c5hub_model::{GlobalId, Observable, ObservableKind, ObservableRole, Tlp};

    use super::*;

    fn incident() -> Incident {
        let mut m = Incident::new(GlobalId::new("bank.test", "42").expect("id"), Tlp::Green);
        m.title = Some("Phishing".to_owned());
        m.add_observable(
            Observable::parse(ObservableKind::Domain, "evil.example").expect("domain"),
            ObservableRole::Indicator,
        );
        m.contacts.push(c5hub_model::Contact {
            name: Some("Ana".to_owned()),
            email: Some("ana@bank.test".to_owned()),
            role: "creator".to_owned(),
        });
        m.original = Some(OriginalDocument::new(
            DocumentFormat::Native,
            b"{}".to_vec(),
        ));
        m
    }

    #[test]
    fn an_incident_and_its_provenance_cross_whole() {
        let m = incident();
        let p = Provenance {
            origin: "national-a".to_owned(),
            origin_key: 42,
            origin_version: 3,
            path: vec!["national-a".to_owned(), "regional".to_owned()],
        };
        let o = object(&Outgoing {
            incident: &m,
            provenance: &p,
            modified: Utc::now(),
        });
        assert!(is_federation(std::slice::from_ref(&o)));
        let got = arrivals(&[o]).expect("read back");
        assert_eq!(got[0].provenance, p);
        assert_eq!(got[0].incident, m);
    }

    #[test]
    fn a_bad_object_is_named_by_index_and_property() {
        let m = incident();
        let p = Provenance {
            origin: "a".to_owned(),
            origin_key: 1,
            origin_version: 1,
            path: vec!["a".to_owned()],
        };
        let good = object(&Outgoing {
            incident: &m,
            provenance: &p,
            modified: Utc::now(),
        });
        let mut looped = good.clone();
        looped["path"] = json!(["a", "b", "a"]);
        let mut no_key = good.clone();
        no_key.as_object_mut().expect("object").remove("origin_key");
        let mut bad_tlp = good.clone();
        bad_tlp["incident"]["tlp"] = json!("purple");
        let e = arrivals(&[
            good,
            looped,
            no_key,
            bad_tlp,
            json!({"type": "indicator"}),
            json!(3),
        ])
        .expect_err("refused");
        let at: Vec<&str> = e.iter().map(|n| n.at.as_str()).collect();
        assert_eq!(
            at,
            [
                "objects[1].path",
                "objects[2].origin_key",
                "objects[3].incident",
                "objects[4].type",
                "objects[5]"
            ]
        );
        assert!(e[0].detail.contains("twice"), "{}", e[0].detail);
        assert!(e[2].detail.contains("/tlp"), "{}", e[2].detail);
    }
}
