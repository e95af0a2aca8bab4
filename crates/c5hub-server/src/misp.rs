//! The MISP feed a MISP instance adds with no plugin: `/misp/manifest.json`,
//! `/misp/{uuid}.json` and `/misp/hashes.csv`, in the layout of MISP's feed
//! generator. Thin doors: what the caller may read is `reads::feed` and
//! `reads::feed_item` with the caller's authority (bearer token, session,
//! or anonymous on a public hub), exactly as the REST API reads; the files
//! are written by the format registry's MISP module. An event the caller
//! may not read is "not found", as one that does not exist.

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use c5hub_hub::reads;
use c5hub_store::StoredIncident;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

fn exported(incidents: &[StoredIncident]) -> Vec<c5hub_formats::Exported<'_>> {
    incidents
        .iter()
        .map(|i| c5hub_formats::Exported {
            key: i.key,
            reporter: &i.reporter,
            created_at: i.created_at,
            incident: &i.incident,
            record: None,
        })
        .collect()
}

/// `GET /misp/manifest.json`: every readable incident's event summary.
pub(crate) async fn manifest(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Response, Problem> {
    let who = caller.reading(&s.config.org)?;
    let incidents = s.pool.read(move |st| Ok(reads::feed(st, &who))).await??;
    let text = c5hub_formats::misp::feed_manifest(&exported(&incidents));
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}

/// `GET /misp/hashes.csv`: `md5-of-value,event-uuid` for every attribute of
/// every readable incident's event.
pub(crate) async fn hashes(State(s): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let who = caller.reading(&s.config.org)?;
    let incidents = s.pool.read(move |st| Ok(reads::feed(st, &who))).await??;
    let text = c5hub_formats::misp::feed_hashes(&exported(&incidents));
    Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], text).into_response())
}

/// `GET /misp/{uuid}.json`: one readable incident's event.
pub(crate) async fn event(
    State(s): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.reading(&s.config.org)?;
    let uuid = c5hub_formats::misp::event_file_uuid(&file)
        .ok_or_else(|| Problem::not_found(format!("no MISP feed file {file}")))?;
    let incident = s
        .pool
        .read(move |st| {
            let is_it = |gid: &str| c5hub_formats::misp::is_event(gid, &uuid);
            Ok(reads::feed_item(st, &who, &uuid, &is_it))
        })
        .await??;
    let text = c5hub_formats::misp::feed_event(&exported(std::slice::from_ref(&incident))[0]);
    Ok(([(header::CONTENT_TYPE, "application/json")], text).into_response())
}
