//! The change feed on the wire: `GET /api/v1/changes` and `c5hub changes
//! --format json` serialise the same [`ChangesAnswer`] (from `c5hub-wire`),
//! so the two doors cannot drift apart.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Query, State};
use c5hub_store::MAX_CHANGES_PAGE;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Changes per page when the caller names no limit.
pub const DEFAULT_CHANGES_LIMIT: usize = 1000;

pub use c5hub_wire::incidents::{ChangeAnswer as ChangeJson, ChangesAnswer};

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
