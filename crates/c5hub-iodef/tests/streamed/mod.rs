//! What the streaming readers' tests share: each Incident a reader hands
//! out, decoded and validated as its own document, as incidents of the
//! model (or the error, as text).

use c5hub_iodef::{IncidentDocument, Limits, Violation, model};
use c5hub_model::Incident;

pub fn decoded(
    items: impl Iterator<Item = Result<IncidentDocument, Violation>>,
    limits: Limits,
) -> Vec<Result<Vec<Incident>, String>> {
    items
        .map(|item| {
            let doc = item.map_err(|v| v.to_string())?;
            let d = doc.decode(&limits).map_err(|v| v.to_string())?;
            if !d.is_valid() {
                return Err(d
                    .violations
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n"));
            }
            Ok(model::incidents_from_document(&d.document, None).0)
        })
        .collect()
}
