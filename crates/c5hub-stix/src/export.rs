//! Model → STIX 2.1: the objects of one stored incident, and a bundle of
//! many.
//!
//! An incident that came in as STIX is written as it came (its own
//! objects, unchanged); any other is written from the model: the
//! reporter's identity, the incident with the Incident Core Extension,
//! one SCO per observable (deterministic id), an indicator with its
//! pattern when the observable has one, relationships, and the TLP 2.0
//! marking definition. Every id is derived from what it stands for, so the
//! same incident version gives the same objects on every call.

use c5hub_model::{Incident, IncidentStatus, ObservableKind, ObservableRole, Tlp};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::ids;
use crate::pattern;

/// The Incident Core Extension (OASIS cti-stix-common-objects).
pub const INCIDENT_EXTENSION: &str = "extension-definition--ef765651-680c-498d-9894-99799f2fa126";

/// One stored incident to write.
#[derive(Clone, Copy, Debug)]
pub struct Source<'a> {
    /// The reporting organisation.
    pub reporter: &'a str,
    /// When the hub stored this version.
    pub created_at: DateTime<Utc>,
    /// The incident.
    pub incident: &'a Incident,
}

/// A STIX timestamp, in milliseconds (§3.2).
pub fn timestamp(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// When the identities and extension definition c5hub writes were
/// created: fixed, so that they are one object across exports.
const C5HUB_EPOCH: &str = "2024-01-01T00:00:00.000Z";

/// The identity of an organisation.
pub fn identity(org: &str) -> Value {
    json!({
        "type": "identity",
        "spec_version": "2.1",
        "id": identity_id(org),
        "created": C5HUB_EPOCH,
        "modified": C5HUB_EPOCH,
        "name": org,
        "identity_class": "organization",
    })
}

/// The id of an organisation's identity.
pub fn identity_id(org: &str) -> String {
    ids::c5hub_id("identity", &format!("org:{org}"))
}

/// The extension definition of the Incident Core Extension, as c5hub
/// writes it beside the incidents that use it (the bundle must hold the
/// definition of every extension its objects use).
pub fn incident_extension_definition() -> Value {
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": INCIDENT_EXTENSION,
        "created_by_ref": identity_id("c5hub"),
        "created": C5HUB_EPOCH,
        "modified": C5HUB_EPOCH,
        "name": "Incident Core Extension",
        "description": "The incident core extension of the OASIS CTI TC (cti-stix-common-objects).",
        "schema": "https://github.com/oasis-open/cti-stix-common-objects/tree/main/extension-definition-specifications/incident-core",
        "version": "1.0.0",
        "extension_types": ["property-extension"],
    })
}

/// The `source_name` of the external reference that carries a c5hub
/// incident's global id (`name:id`), so that it comes back on import.
pub const C5HUB_SOURCE: &str = "c5hub";

/// The id of the incident SDO written for a model incident.
pub fn incident_id(m: &Incident) -> String {
    ids::c5hub_id("incident", &format!("incident:{}", m.id))
}

/// The STIX 2.1 objects of one stored incident (see the module's
/// description). An incident that came in as STIX whose original no longer
/// reads (it cannot happen to one c5hub stored) is written from the model.
pub fn incident_objects(s: &Source<'_>) -> Vec<Value> {
    if let Some(objects) = crate::import::original_objects(s.incident) {
        return objects;
    }
    from_model(s)
}

fn from_model(s: &Source<'_>) -> Vec<Value> {
    let m = s.incident;
    let created = m
        .times
        .reported
        .or(m.times.generated)
        .unwrap_or(s.created_at)
        .min(s.created_at);
    let created = timestamp(created);
    let modified = timestamp(s.created_at);
    let marking = ids::tlp2_marking_id(m.tlp);
    let reporter = identity_id(s.reporter);
    let inc_id = incident_id(m);

    let mut out = vec![
        identity(s.reporter),
        identity("c5hub"),
        incident_extension_definition(),
        ids::tlp2_marking(m.tlp),
    ];

    let mut ext = Map::new();
    ext.insert("extension_type".into(), json!("property-extension"));
    ext.insert(
        "determination".into(),
        json!(match m.status {
            IncidentStatus::New | IncidentStatus::Triaged => "suspected",
            _ => "confirmed",
        }),
    );
    ext.insert(
        "investigation_status".into(),
        json!(match m.status {
            IncidentStatus::New => "new",
            IncidentStatus::Triaged | IncidentStatus::InProgress => "open",
            IncidentStatus::Resolved | IncidentStatus::Closed => "closed",
        }),
    );
    if let Some(c) = m.classification {
        ext.insert("incident_types".into(), json!([c.type_().value]));
    }
    if let Some(t) = m.times.start {
        ext.insert("first_seen".into(), json!(timestamp(t)));
    }
    if let Some(t) = m.times.end {
        ext.insert("last_seen".into(), json!(timestamp(t)));
    }

    let mut incident = Map::new();
    incident.insert("type".into(), json!("incident"));
    incident.insert("spec_version".into(), json!("2.1"));
    incident.insert("id".into(), json!(inc_id));
    incident.insert("created_by_ref".into(), json!(reporter));
    incident.insert("created".into(), json!(created));
    incident.insert("modified".into(), json!(modified));
    incident.insert(
        "name".into(),
        json!(
            m.title
                .clone()
                .unwrap_or_else(|| format!("Incident {}", m.id))
        ),
    );
    if let Some(d) = &m.description {
        incident.insert("description".into(), json!(d));
    }
    if let Some(c) = m.classification {
        incident.insert("labels".into(), json!([c.machine_tag()]));
    }
    incident.insert(
        "external_references".into(),
        json!([{
            "source_name": C5HUB_SOURCE,
            "external_id": m.id.to_string(),
        }]),
    );
    incident.insert("object_marking_refs".into(), json!([marking]));
    incident.insert(
        "extensions".into(),
        json!({ INCIDENT_EXTENSION: Value::Object(ext) }),
    );
    out.push(Value::Object(incident));

    for io in &m.observables {
        let o = &io.observable;
        let Some(target) = observable_object(o, &created, &reporter, marking) else {
            continue;
        };
        let target_id = target["id"].as_str().unwrap_or_default().to_owned();
        if let Some(d) = target["type"].as_str().and_then(custom_sco_definition) {
            push_unique(&mut out, d);
        }
        push_unique(&mut out, target);
        out.push(relationship(
            &inc_id,
            "related-to",
            &target_id,
            Some(role_text(io.role)),
            &created,
            &reporter,
            marking,
        ));
        // A CVE is a vulnerability, written as one: no indicator.
        if let Some(p) = pattern::for_observable(o).filter(|_| o.kind() != ObservableKind::Cve) {
            let ind_id = ids::c5hub_id(
                "indicator",
                &format!("indicator:{}:{}:{}", m.id, o.kind().as_str(), o.value()),
            );
            out.push(json!({
                "type": "indicator",
                "spec_version": "2.1",
                "id": ind_id,
                "created_by_ref": reporter,
                "created": created,
                "modified": modified,
                "name": o.value(),
                "description": format!(
                    "{} ({}) of incident {}",
                    o.kind().description(),
                    io.role.as_str(),
                    m.id
                ),
                "pattern": p,
                "pattern_type": "stix",
                "pattern_version": "2.1",
                "valid_from": created,
                "object_marking_refs": [marking],
            }));
            out.push(relationship(
                &ind_id,
                "related-to",
                &inc_id,
                None,
                &created,
                &reporter,
                marking,
            ));
        }
    }
    out
}

fn push_unique(out: &mut Vec<Value>, v: Value) {
    if !out.iter().any(|o| o["id"] == v["id"]) {
        out.push(v);
    }
}

/// The role an observable plays, as the relationship from the incident to
/// it says it (its description), so that import gives it back.
fn role_text(r: ObservableRole) -> String {
    format!("c5hub role: {}", r.as_str())
}

/// The role a relationship's description states, when c5hub wrote it.
pub fn role_from_text(s: &str) -> Option<ObservableRole> {
    s.strip_prefix("c5hub role: ")?.parse().ok()
}

fn relationship(
    source: &str,
    type_: &str,
    target: &str,
    description: Option<String>,
    created: &str,
    by: &str,
    marking: &str,
) -> Value {
    let mut r = json!({
        "type": "relationship",
        "spec_version": "2.1",
        "id": ids::c5hub_id("relationship", &format!("{source} {type_} {target}")),
        "created_by_ref": by,
        "created": created,
        "modified": created,
        "relationship_type": type_,
        "source_ref": source,
        "target_ref": target,
        "object_marking_refs": [marking],
    });
    if let Some(d) = description {
        r["description"] = json!(d);
    }
    r
}

/// The object an observable is written as: an SCO (deterministic id) or,
/// for a CVE, a vulnerability.
pub fn observable_object(
    o: &c5hub_model::Observable,
    created: &str,
    by: &str,
    marking: &str,
) -> Option<Value> {
    let (type_, mut props): (&str, Map<String, Value>) = match o.kind() {
        ObservableKind::Cve => {
            return Some(json!({
                "type": "vulnerability",
                "spec_version": "2.1",
                "id": ids::c5hub_id("vulnerability", &format!("cve:{}", o.value())),
                "created_by_ref": by,
                "created": created,
                "modified": created,
                "name": o.value(),
                "external_references": [{"source_name": "cve", "external_id": o.value()}],
                "object_marking_refs": [marking],
            }));
        }
        ObservableKind::Asn => (
            "autonomous-system",
            [("number".to_owned(), json!(o.asn()?))]
                .into_iter()
                .collect(),
        ),
        k if k.is_digest() => {
            let name = match k {
                ObservableKind::Md5 => "MD5",
                ObservableKind::Sha1 => "SHA-1",
                ObservableKind::Sha256 => "SHA-256",
                ObservableKind::Sha512 => "SHA-512",
                ObservableKind::Ssdeep => "SSDEEP",
                _ => "TLSH",
            };
            (
                "file",
                [("hashes".to_owned(), json!({ name: o.value() }))]
                    .into_iter()
                    .collect(),
            )
        }
        _ => {
            let p = pattern::for_observable(o)?;
            let type_ = p[1..].split(':').next()?;
            let type_: &'static str = SCO_TYPES.iter().find(|t| **t == type_)?;
            (
                type_,
                [("value".to_owned(), json!(o.value()))]
                    .into_iter()
                    .collect(),
            )
        }
    };
    props.insert("type".into(), json!(type_));
    props.insert("spec_version".into(), json!("2.1"));
    let id = ids::sco_id(&props)?;
    props.insert("id".into(), json!(id));
    if let Some((ext, _)) = custom_sco(type_) {
        props.insert(
            "extensions".into(),
            json!({ ext: {"extension_type": "new-sco"} }),
        );
    }
    props.insert("object_marking_refs".into(), json!([marking]));
    Some(Value::Object(props))
}

/// The SCO types STIX does not define, with the id of the extension
/// definition c5hub writes for each and what its `value` holds.
fn custom_sco(type_: &str) -> Option<(String, &'static str)> {
    let what = match type_ {
        "phone-number" => "A phone number in E.164 form (OpenCTI's phone-number).",
        "imei" => "A mobile equipment identity, 15 digits (OpenCTI's imei).",
        "x-c5hub-sender-id" => "An SMS sender: an alphanumeric sender id or a short code.",
        _ => return None,
    };
    Some((
        ids::c5hub_id("extension-definition", &format!("sco:{type_}")),
        what,
    ))
}

/// The extension definition of a custom SCO type (see [`custom_sco`]).
fn custom_sco_definition(type_: &str) -> Option<Value> {
    let (id, what) = custom_sco(type_)?;
    Some(json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": id,
        "created_by_ref": identity_id("c5hub"),
        "created": C5HUB_EPOCH,
        "modified": C5HUB_EPOCH,
        "name": type_,
        "description": what,
        "schema": format!("{type_}: an SCO whose `value` (a string, its ID contributing property) is {what}"),
        "version": "1.0",
        "extension_types": ["new-sco"],
    }))
}

/// The SCO types of the observables held in a `value` (the types
/// [`pattern::for_observable`] writes: OpenCTI's for phone numbers and
/// IMEIs, c5hub's own for SMS sender ids).
const SCO_TYPES: [&str; 9] = [
    "ipv4-addr",
    "ipv6-addr",
    "domain-name",
    "url",
    "email-addr",
    "mac-addr",
    "phone-number",
    "x-c5hub-sender-id",
    "imei",
];

/// A bundle of the objects of `incidents`, each object once (by id and
/// `modified`), in the order first met. Its id is derived from `now` and
/// the objects, so the same export at the same time is the same bundle.
pub fn bundle(objects: impl IntoIterator<Item = Value>, now: DateTime<Utc>) -> Value {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for o in objects {
        let key = (
            o["id"].as_str().unwrap_or_default().to_owned(),
            o["modified"].as_str().unwrap_or_default().to_owned(),
        );
        if seen.insert(key) {
            out.push(o);
        }
    }
    let mut name = timestamp(now);
    for o in &out {
        name.push(' ');
        name.push_str(o["id"].as_str().unwrap_or_default());
    }
    json!({
        "type": "bundle",
        "id": ids::c5hub_id("bundle", &name),
        "objects": out,
    })
}

/// The TLP of the marking definitions an incident is written with.
pub fn marking_tlp(id: &str) -> Option<Tlp> {
    ids::tlp_of_marking(id)
}
