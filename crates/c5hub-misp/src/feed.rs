//! MISP feeds: a directory (or URL prefix) holding `manifest.json` (event
//! uuid → the event's summary), one `{uuid}.json` per event
//! (`{"Event": {...}}`) and `hashes.csv` (`md5-of-value,event-uuid` per
//! line), the layout MISP's feed generator and PyMISP's
//! `feed_meta_generator` write.
//!
//! Reading takes bytes (the manifest's, then each event file's), so a
//! client over HTTP and the importer over a directory drive it alike.

use md5::{Digest, Md5};
use serde_json::{Map, Value};

use crate::{Error, ErrorKind, Event, Limits, Problem, ReadEvent, is_uuid, read_events};

/// The event uuids a manifest lists, in its order (lower case).
pub fn read_manifest(bytes: &[u8], limits: &Limits) -> Result<Vec<String>, Error> {
    let bad = |at: &str, detail: String| Error {
        kind: ErrorKind::Unreadable,
        detail: format!("not a MISP feed manifest: {detail}"),
        problems: vec![Problem {
            at: at.to_owned(),
            detail,
        }],
    };
    if bytes.len() > limits.max_bytes {
        return Err(bad(
            "manifest.json",
            format!("{} bytes, more than {}", bytes.len(), limits.max_bytes),
        ));
    }
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        bad(
            &format!("manifest.json line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let Value::Object(m) = v else {
        return Err(bad(
            "manifest.json",
            "expected an object of event uuid → summary".into(),
        ));
    };
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(m.len());
    for (k, v) in &m {
        if !is_uuid(k) {
            problems.push(Problem {
                at: format!("manifest.json {k:?}"),
                detail: "a key is not an event uuid".into(),
            });
        } else if !v.is_object() {
            problems.push(Problem {
                at: format!("manifest.json {k}"),
                detail: "expected the event's summary, an object".into(),
            });
        } else {
            out.push(k.to_ascii_lowercase());
        }
    }
    if out.len() > limits.max_events {
        problems.push(Problem {
            at: "manifest.json".into(),
            detail: format!("{} events, at most {}", out.len(), limits.max_events),
        });
    }
    if !problems.is_empty() {
        return Err(Error {
            kind: ErrorKind::Invalid,
            detail: "the MISP feed manifest is not valid".into(),
            problems,
        });
    }
    Ok(out)
}

/// Whether the bytes look like a manifest: an object whose first key is a
/// uuid.
pub fn looks_like_manifest(head: &[u8]) -> bool {
    let s = String::from_utf8_lossy(&head[..head.len().min(64)]);
    let s = s.trim_start().trim_start_matches('\u{feff}');
    let Some(rest) = s.strip_prefix('{') else {
        return false;
    };
    let rest = rest.trim_start();
    rest.strip_prefix('"')
        .and_then(|r| r.get(..36))
        .is_some_and(is_uuid)
}

/// Reads the event file a manifest lists under `uuid`: one event, with
/// that uuid.
pub fn read_feed_event<'a>(
    uuid: &str,
    bytes: &'a [u8],
    limits: &Limits,
) -> Result<ReadEvent<'a>, Error> {
    let mut events = read_events(bytes, limits)?;
    if events.len() != 1 || !events[0].uuid().eq_ignore_ascii_case(uuid) {
        return Err(Error {
            kind: ErrorKind::Invalid,
            detail: format!("{uuid}.json is not the event the manifest lists"),
            problems: vec![Problem {
                at: "Event.uuid".into(),
                detail: format!(
                    "expected one event with uuid {uuid}, found {}",
                    events
                        .iter()
                        .map(ReadEvent::uuid)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }],
        });
    }
    Ok(events.remove(0))
}

/// An event's entry in `manifest.json`: its uuid, and Orgc, Tag, info,
/// date, analysis, threat_level_id and timestamp as the event has them.
pub fn manifest_entry(event: &Event) -> (String, Value) {
    let e = event.body();
    let mut m = Map::new();
    for key in [
        "Orgc",
        "Tag",
        "info",
        "date",
        "analysis",
        "threat_level_id",
        "timestamp",
    ] {
        if let Some(v) = e.get(key) {
            let v = match (key, v) {
                // The manifest's tags are names and colours only.
                ("Tag", Value::Array(tags)) => Value::Array(
                    tags.iter()
                        .map(|t| {
                            let mut o = Map::new();
                            for k in ["name", "colour"] {
                                if let Some(x) = t.get(k) {
                                    o.insert(k.into(), x.clone());
                                }
                            }
                            Value::Object(o)
                        })
                        .collect(),
                ),
                ("Orgc", Value::Object(org)) => {
                    let mut o = Map::new();
                    for k in ["name", "uuid"] {
                        if let Some(x) = org.get(k) {
                            o.insert(k.into(), x.clone());
                        }
                    }
                    Value::Object(o)
                }
                _ => v.clone(),
            };
            m.insert(key.into(), v);
        }
    }
    (event.uuid().to_ascii_lowercase(), Value::Object(m))
}

/// The manifest of these events.
pub fn manifest<'a>(events: impl IntoIterator<Item = &'a Event>) -> String {
    let mut m = Map::new();
    for e in events {
        let (k, v) = manifest_entry(e);
        m.insert(k, v);
    }
    serde_json::to_string(&Value::Object(m)).unwrap_or_default()
}

/// An event's lines of `hashes.csv`: the MD5 of each attribute's value
/// (the event's and its objects'), of each part for a composite type
/// (`domain|ip`, `malware-sample`), with the event's uuid, as PyMISP's
/// `attributes_hashes` computes them.
pub fn hash_lines(event: &Event) -> Vec<String> {
    let e = event.body();
    let uuid = event.uuid().to_ascii_lowercase();
    let mut attrs: Vec<&Value> = e
        .get("Attribute")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .collect();
    for o in e
        .get("Object")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        attrs.extend(
            o.get("Attribute")
                .and_then(Value::as_array)
                .into_iter()
                .flatten(),
        );
    }
    let mut out = Vec::new();
    for a in attrs {
        let (Some(ty), Some(value)) = (
            a.get("type").and_then(Value::as_str),
            a.get("value").and_then(Value::as_str),
        ) else {
            continue;
        };
        let parts: Vec<&str> = if ty.contains('|') || ty == "malware-sample" {
            value.split('|').collect()
        } else {
            vec![value]
        };
        for p in parts {
            out.push(format!("{},{uuid}", hex::encode(Md5::digest(p.as_bytes()))));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_md5_of_each_part() {
        let e = read_events(
            br#"{"Event":{"uuid":"5E2F0C4A-1b2c-4d3e-8f90-0123456789ab","info":"x","Attribute":[{"type":"domain|ip","value":"a.example|192.0.2.1"}],"Object":[{"name":"file","Attribute":[{"type":"md5","value":"x"}]}]}}"#,
            &Limits::default(),
        )
        .expect("reads")
        .remove(0);
        let lines = hash_lines(&e.event());
        assert_eq!(lines.len(), 3);
        // md5("x") = 9dd4e461268c8034f5c8564e155c67a6
        assert_eq!(
            lines[2],
            "9dd4e461268c8034f5c8564e155c67a6,5e2f0c4a-1b2c-4d3e-8f90-0123456789ab"
        );
    }

    #[test]
    fn manifests_list_uuids_and_refuse_other_keys() {
        assert!(looks_like_manifest(
            br#"{"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab": {"info":"x"}}"#
        ));
        assert!(!looks_like_manifest(br#"{"Event": {}}"#));
        let e = read_manifest(br#"{"nope": {}}"#, &Limits::default()).expect_err("bad key");
        assert!(e.problems[0].at.contains("nope"));
    }
}
