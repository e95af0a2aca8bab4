//! The native JSON: one c5hub incident as a JSON object, with its sharing
//! lists (`{"id": "name:id", "tlp": "amber", "observables": [...]}`).
//!
//! The model has no serde derives (a format change must never change it by
//! accident), so the mapping is written here by hand.

use std::str::FromStr;

use c5hub_model::{
    Contact, DocumentFormat, GlobalId, Incident, IncidentStatus, Observable, ObservableKind,
    ObservableRole, OriginalDocument, RsitClass, Tlp,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::{DecodeOptions, Decoded, Door, Failure, FailureKind, Format, Hints, Note, Sharing};

/// The native JSON.
pub static FORMAT: Format = Format {
    name: "native-json",
    label: "One c5hub incident as JSON, with its sharing lists.",
    media_type: "application/json",
    media_types: &["application/json"],
    detect,
    sniffed_by: &[Door::Api, Door::Upload],
    accepted_by: &[Door::Api, Door::Upload],
    document: Some(decode),
    stream: None,
    encode: None,
};

/// Any JSON object: tried last, after the formats that are JSON objects
/// too.
fn detect(head: &[u8], _: &Hints<'_>) -> bool {
    crate::first_byte(head) == Some(b'{')
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeIncident {
    id: String,
    tlp: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    classification: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    detected: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    observables: Vec<NativeObservable>,
    #[serde(default)]
    shared_with: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
    #[serde(default)]
    contacts: Vec<NativeContact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeContact {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    role: String,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NativeObservable {
    Plain(String),
    Full {
        value: String,
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        role: Option<String>,
    },
}

/// Reads the native JSON, reporting every problem with its JSON pointer.
pub(crate) fn decode(body: &[u8], _: &DecodeOptions) -> Result<Decoded, Failure> {
    let n: NativeIncident = serde_json::from_slice(body).map_err(|e| {
        let detail = format!("not a c5hub incident: {e}");
        Failure {
            kind: FailureKind::Unreadable,
            detail: detail.clone(),
            errors: vec![Note {
                at: format!("line {} column {}", e.line(), e.column()),
                detail,
            }],
        }
    })?;
    let mut errors = Vec::new();
    let mut err = |at: &str, e: &dyn std::fmt::Display| {
        errors.push(Note {
            at: at.to_owned(),
            detail: e.to_string(),
        });
    };
    let id = match n.id.split_once(':') {
        Some((name, id)) => GlobalId::new(name, id).map_err(|e| err("/id", &e)).ok(),
        None => {
            err(
                "/id",
                &"expected `name:id` (the IODEF IncidentID name and id)",
            );
            None
        }
    };
    let tlp = Tlp::from_str(&n.tlp).map_err(|e| err("/tlp", &e)).ok();
    let classification = n.classification.as_deref().and_then(|c| {
        RsitClass::from_str(c)
            .map_err(|e| err("/classification", &e))
            .ok()
    });
    let status = n.status.as_deref().and_then(|s| {
        IncidentStatus::from_str(s)
            .map_err(|e| err("/status", &e))
            .ok()
    });
    let mut time = |at: &str, v: &Option<String>| -> Option<DateTime<Utc>> {
        v.as_deref().and_then(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| err(at, &format!("{s:?} is not an RFC 3339 time: {e}")))
                .ok()
        })
    };
    let detected = time("/detected", &n.detected);
    let start = time("/start", &n.start);
    let end = time("/end", &n.end);
    let mut observables = Vec::new();
    for (i, o) in n.observables.iter().enumerate() {
        let (value, kind, role) = match o {
            NativeObservable::Plain(v) => (v.as_str(), None, None),
            NativeObservable::Full { value, kind, role } => {
                (value.as_str(), kind.as_deref(), role.as_deref())
            }
        };
        let parsed = match kind {
            Some(k) => match ObservableKind::from_str(k) {
                Ok(k) => Observable::parse(k, value),
                Err(e) => {
                    err(&format!("/observables/{i}/kind"), &e);
                    continue;
                }
            },
            None => Observable::guess(value),
        };
        let role = match role.map(ObservableRole::from_str) {
            None => ObservableRole::Unknown,
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                err(&format!("/observables/{i}/role"), &e);
                continue;
            }
        };
        match parsed {
            Ok(o) => observables.push((o, role)),
            Err(e) => err(&format!("/observables/{i}/value"), &e),
        }
    }
    let invalid = |errors| Failure {
        kind: FailureKind::Invalid,
        detail: "the incident is not valid".to_owned(),
        errors,
    };
    let (Some(id), Some(tlp)) = (id, tlp) else {
        return Err(invalid(errors));
    };
    let mut m = Incident::new(id, tlp);
    m.title = n.title;
    m.description = n.description;
    m.classification = classification;
    m.status = status.unwrap_or(IncidentStatus::New);
    m.times.detected = detected;
    m.times.start = start;
    m.times.end = end;
    for (o, r) in observables {
        m.add_observable(o, r);
    }
    m.contacts = n
        .contacts
        .into_iter()
        .map(|c| Contact {
            name: c.name,
            email: c.email,
            role: c.role,
        })
        .collect();
    if let Err(v) = m.validate() {
        for x in v.iter() {
            errors.push(Note {
                at: format!("/{}", x.path.replace(['.', '['], "/").replace(']', "")),
                detail: x.message.clone(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(invalid(errors));
    }
    m.original = Some(OriginalDocument::new(DocumentFormat::Native, body.to_vec()));
    Ok(Decoded {
        incidents: vec![m],
        notes: Vec::new(),
        sharing: Some(Sharing {
            shared_with: n.shared_with,
            recipients: n.recipients,
        }),
        records: Vec::new(),
    })
}

/// An incident as the native JSON, every field the model holds that the
/// reader takes back (the original document is not part of it), with
/// sharing lists when given: what [`decode`] reads back to the same
/// incident.
pub fn to_json(m: &Incident, shared_with: &[String], recipients: &[String]) -> Value {
    let mut o = Map::new();
    o.insert("id".to_owned(), json!(m.id.to_string()));
    o.insert("tlp".to_owned(), json!(m.tlp.as_str()));
    let mut put = |k: &str, v: Option<Value>| {
        if let Some(v) = v {
            o.insert(k.to_owned(), v);
        }
    };
    put("title", m.title.as_deref().map(|t| json!(t)));
    put("description", m.description.as_deref().map(|t| json!(t)));
    put(
        "classification",
        m.classification.map(|c| json!(c.to_string())),
    );
    put("status", Some(json!(m.status.as_str())));
    let time =
        |t: Option<DateTime<Utc>>| t.map(|t| json!(t.to_rfc3339_opts(SecondsFormat::AutoSi, true)));
    put("detected", time(m.times.detected));
    put("start", time(m.times.start));
    put("end", time(m.times.end));
    put(
        "observables",
        Some(Value::Array(
            m.observables
                .iter()
                .map(|o| {
                    json!({
                        "value": o.observable.value(),
                        "kind": o.observable.kind().as_str(),
                        "role": o.role.as_str(),
                    })
                })
                .collect(),
        )),
    );
    if !m.contacts.is_empty() {
        put(
            "contacts",
            Some(Value::Array(
                m.contacts
                    .iter()
                    .map(|c| json!({"name": c.name, "email": c.email, "role": c.role}))
                    .collect(),
            )),
        );
    }
    if !shared_with.is_empty() {
        put("shared_with", Some(json!(shared_with)));
    }
    if !recipients.is_empty() {
        put("recipients", Some(json!(recipients)));
    }
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_errors_name_every_field() {
        let opts = DecodeOptions::default();
        let e = decode(br#"{"id":"bank.test:1","tlp":"purple","classification":"fraud/nothing","observables":["1.2.3.4",{"value":"x","kind":"ipv4"}]}"#, &opts)
            .expect_err("invalid");
        let at: Vec<&str> = e.errors.iter().map(|w| w.at.as_str()).collect();
        assert_eq!(at, ["/tlp", "/classification", "/observables/1/value"]);
        let e = decode(br#"{"id":"x","tlp":"red","colour":1}"#, &opts).expect_err("unknown field");
        assert!(e.detail.contains("colour"), "{}", e.detail);
        let ok = decode(br#"{"id":"bank.test:1","tlp":"amber","observables":["198.51.100.7",{"value":"evil.example","role":"indicator"}],"shared_with":["telco-a"]}"#, &opts)
        .expect("valid");
        assert_eq!(ok.incidents[0].observables.len(), 2);
        assert_eq!(ok.sharing.expect("carried").shared_with, ["telco-a"]);
    }
}
