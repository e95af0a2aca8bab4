//! The TAXII server's side of STIX: the objects one version of a stored
//! incident is served as, and the incidents a posted envelope holds.
//!
//! The STIX mapping itself is `c5hub-stix`'s; this module adapts it to
//! TAXII (a version's objects carry that version's time as `modified`).

use c5hub_model::Incident;
use c5hub_store::StoredIncident;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::Value;

/// The STIX timestamp TAXII compares: UTC with milliseconds.
pub(crate) fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

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

/// Where and why a posted envelope is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) at: String,
    pub(crate) detail: String,
}

/// The incidents of a posted envelope's objects, read by the format
/// registry's STIX 2.1 decoder as one bundle: all of them, or the
/// refusal that names every object and property at fault.
pub(crate) fn incidents_from(objects: &[Value]) -> Result<Vec<Incident>, Refusal> {
    let decode = c5hub_formats::by_name("stix21")
        .and_then(|f| f.document)
        .ok_or_else(|| Refusal {
            at: "/objects".to_owned(),
            detail: "this hub reads no STIX".to_owned(),
        })?;
    let bundle = serde_json::json!({
        "type": "bundle",
        "id": format!("bundle--{}", super::new_status_id()),
        "objects": objects,
    });
    let bytes = serde_json::to_vec(&bundle).map_err(|e| Refusal {
        at: "/objects".to_owned(),
        detail: e.to_string(),
    })?;
    let decoded = decode(&bytes, &c5hub_formats::DecodeOptions::default()).map_err(|f| {
        // Every error names its object and property; the bundle's
        // sentence only when there is none.
        let mut said: Vec<String> = f
            .errors
            .iter()
            .map(|e| format!("{} {}", e.at, e.detail))
            .collect();
        said.dedup();
        Refusal {
            at: "/objects".to_owned(),
            detail: if said.is_empty() {
                f.detail
            } else {
                said.join("; ")
            },
        }
    })?;
    Ok(decoded.incidents)
}
