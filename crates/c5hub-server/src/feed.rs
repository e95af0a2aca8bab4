//! The change feed on the wire: `GET /api/v1/changes` and `c5hub changes
//! --format json` serialise the same [`ChangesAnswer`], so the two doors
//! cannot drift apart.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use c5hub_store::{ChangePage, MAX_CHANGES_PAGE};
use serde::Serialize;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Changes per page when the caller names no limit.
pub const DEFAULT_CHANGES_LIMIT: usize = 1000;

/// One page of the change feed, as the API and the CLI answer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangesAnswer {
    /// Changes to incidents the caller may read now, oldest first.
    pub changes: Vec<ChangeJson>,
    /// `since` for the next page: the last `seq` here, or the `since`
    /// asked when the page is empty.
    pub next: i64,
}

/// One change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeJson {
    /// Its sequence number (increasing in commit order, with gaps).
    pub seq: i64,
    /// When it was stored (RFC 3339).
    pub at: String,
    /// `incident`, `version`, `status`, `assignee` or `comment`.
    pub kind: &'static str,
    /// The incident's key (`/api/v1/incidents/{id}`).
    pub incident: i64,
    /// The incident's IODEF IncidentID.
    pub global_id: String,
    /// The reporting organisation.
    pub reporter: String,
    /// The incident's version the change applies to.
    pub version: i64,
    /// The comment's id, for a comment.
    pub comment: Option<i64>,
}

impl From<&ChangePage> for ChangesAnswer {
    fn from(p: &ChangePage) -> Self {
        ChangesAnswer {
            changes: p
                .changes
                .iter()
                .map(|c| ChangeJson {
                    seq: c.seq,
                    at: c.at.to_rfc3339(),
                    kind: c.kind.as_str(),
                    incident: c.incident,
                    global_id: c.global_id.clone(),
                    reporter: c.reporter.clone(),
                    version: c.version,
                    comment: c.comment,
                })
                .collect(),
            next: p.next,
        }
    }
}

/// `GET /api/v1/changes?since=SEQ&limit=N`.
pub(crate) async fn changes(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<ChangesAnswer>, Problem> {
    let viewer = caller.reader()?;
    let since = match q.get("since") {
        Some(v) => v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            Problem::invalid(
                "query parameter since",
                "a change number (0 or more): the next of the page before",
            )
        })?,
        None => 0,
    };
    let limit = match q.get("limit") {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_CHANGES_PAGE).contains(n))
            .ok_or_else(|| {
                Problem::invalid(
                    "query parameter limit",
                    format!("a number from 1 to {MAX_CHANGES_PAGE}"),
                )
            })?,
        None => DEFAULT_CHANGES_LIMIT,
    };
    let page = s
        .pool
        .run(move |st| st.changes_since(since, &viewer, limit))
        .await?;
    Ok(Json(ChangesAnswer::from(&page)))
}
