//! STIX 2.1 → model: bundles into incidents.

use c5hub_model::{DocumentFormat, Incident};
use serde_json::Value;

/// The objects an incident that came in as STIX was read from (its
/// original document is a bundle of them), or `None` for any other.
pub fn original_objects(m: &Incident) -> Option<Vec<Value>> {
    let doc = m.original.as_ref()?;
    if doc.format != DocumentFormat::Stix21 {
        return None;
    }
    match serde_json::from_slice::<Value>(&doc.bytes).ok()? {
        Value::Object(mut b) => match b.remove("objects")? {
            Value::Array(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}
