//! The TAXII server's side of STIX: the objects one version of a stored
//! incident is served as, and the incidents a posted envelope holds.
//!
//! The STIX mapping itself is `c5hub-stix`'s; this module adapts it to
//! TAXII (a version's objects carry that version's time as `modified`).

use c5hub_model::{GlobalId, Incident, Tlp};
use c5hub_store::StoredIncident;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The STIX timestamp TAXII compares: UTC with milliseconds.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The TLP 2.0 marking definitions' ids, by `c5hub-stix`.
fn tlp_marking(t: Tlp) -> String {
    c5hub_stix::ids::tlp2_marking_id(t).to_owned()
}

/// The IncidentID name under which incidents posted as STIX are stored.
pub(crate) const STIX_ID_NAME: &str = "stix";

/// The STIX objects of `stored` as it was at a version (`at` its
/// content), stored at `stored_at`: `c5hub-stix`'s objects of an incident,
/// whose `modified` is that time (an incident that came in as STIX keeps
/// its own objects and their versions).
pub(crate) fn objects(
    stored: &StoredIncident,
    at: &Incident,
    stored_at: DateTime<Utc>,
) -> Vec<Value> {
    c5hub_stix::incident_objects(&c5hub_stix::Source {
        reporter: &stored.reporter,
        created_at: stored_at,
        incident: at,
    })
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
                    .find(|t| r.as_str() == Some(tlp_marking(*t).as_str()))
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
