//! The TAXII server's side of STIX: the objects one version of a stored
//! incident is served as, and the incidents a posted envelope holds.
//!
//! The STIX mapping itself is `c5hub-stix`'s; this module adapts it to
//! TAXII (a version's objects carry that version's time as `modified`).

use c5hub_model::{GlobalId, Incident, Tlp};
use c5hub_store::StoredIncident;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Map, Value, json};

/// The STIX timestamp TAXII compares: UTC with milliseconds.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The TLP 2.0 marking definitions' fixed identifiers (the OASIS TLP 2.0
/// extension).
fn tlp_marking(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Green => "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Amber => "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::AmberStrict => "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::Red => "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
    }
}

/// The IncidentID name under which incidents posted as STIX are stored:
/// their id is the STIX object's, so it comes back out unchanged.
pub(crate) const STIX_ID_NAME: &str = "stix";

/// The STIX id of an incident: the posted one for an incident that came
/// in as STIX, else a name-based UUID (SHA-256 over reporter and
/// IncidentID, laid out as a version-5-style UUID) that stays the same for
/// every version.
pub(crate) fn incident_id(reporter: &str, id: &GlobalId) -> String {
    if id.name() == STIX_ID_NAME && id.id().starts_with("incident--") {
        return id.id().to_owned();
    }
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{reporter}\0{}\0{}", id.name(), id.id()).as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "incident--{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// The STIX objects of `stored` as it was at a version (`at` its
/// content), stored at `modified`.
pub(crate) fn objects(
    stored: &StoredIncident,
    at: &Incident,
    modified: DateTime<Utc>,
) -> Vec<Value> {
    let mut o = Map::new();
    o.insert("type".into(), json!("incident"));
    o.insert("spec_version".into(), json!("2.1"));
    o.insert("id".into(), json!(incident_id(&stored.reporter, &at.id)));
    o.insert("created".into(), json!(timestamp(stored.created_at)));
    o.insert("modified".into(), json!(timestamp(modified)));
    o.insert(
        "name".into(),
        json!(at.title.clone().unwrap_or_else(|| at.id.to_string())),
    );
    if let Some(d) = &at.description {
        o.insert("description".into(), json!(d));
    }
    o.insert("object_marking_refs".into(), json!([tlp_marking(at.tlp)]));
    o.insert(
        "external_references".into(),
        json!([{"source_name": "c5hub", "external_id": at.id.to_string()}]),
    );
    vec![Value::Object(o)]
}

/// What is wrong with a posted envelope or one of its objects: where
/// (`/objects/3/name`) and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) at: String,
    pub(crate) detail: String,
}

/// The incidents the objects of a posted envelope make, or why not (the
/// first refusal names the object and its property), each with its
/// place in the envelope. Other objects are checked (type and id) but make
/// no incident.
pub(crate) fn incidents_from(objects: &[Value]) -> Result<Vec<(usize, Incident)>, Refusal> {
    let mut out = Vec::new();
    for (n, v) in objects.iter().enumerate() {
        let at = |p: &str| format!("/objects/{n}{p}");
        let Some(o) = v.as_object() else {
            return Err(Refusal {
                at: at(""),
                detail: "an object must be a JSON object".to_owned(),
            });
        };
        let text = |p: &str| -> Result<Option<&str>, Refusal> {
            match o.get(p) {
                None => Ok(None),
                Some(Value::String(s)) => Ok(Some(s)),
                Some(_) => Err(Refusal {
                    at: at(&format!("/{p}")),
                    detail: format!("{p} must be a string"),
                }),
            }
        };
        let id = text("id")?.ok_or_else(|| Refusal {
            at: at("/id"),
            detail: "every object needs an id".to_owned(),
        })?;
        let ty = text("type")?.ok_or_else(|| Refusal {
            at: at("/type"),
            detail: "every object needs a type".to_owned(),
        })?;
        if !id.starts_with(&format!("{ty}--")) {
            return Err(Refusal {
                at: at("/id"),
                detail: format!("{id:?} is not an id of type {ty}"),
            });
        }
        if ty != "incident" {
            continue;
        }
        let gid = GlobalId::new(STIX_ID_NAME, id).map_err(|e| Refusal {
            at: at("/id"),
            detail: e.to_string(),
        })?;
        // Unmarked: AMBER, readable by the poster alone until it says
        // more; several TLP markings: the strictest.
        let mut found: Option<Tlp> = None;
        if let Some(refs) = o.get("object_marking_refs") {
            let Some(refs) = refs.as_array() else {
                return Err(Refusal {
                    at: at("/object_marking_refs"),
                    detail: "object_marking_refs must be a list".to_owned(),
                });
            };
            for r in refs {
                if let Some(t) = Tlp::ALL
                    .into_iter()
                    .find(|t| r.as_str() == Some(tlp_marking(*t)))
                {
                    found = found.max(Some(t));
                }
            }
        }
        let mut m = Incident::new(gid, found.unwrap_or(Tlp::Amber));
        m.title = text("name")?.map(str::to_owned);
        m.description = text("description")?.map(str::to_owned);
        out.push((n, m));
    }
    Ok(out)
}
