//! The national assessment, read side: editions and an edition's results
//! (scores, tiers, flags), computed from validated responses only. Answers
//! themselves are not served here: they are read on their response's page
//! by the country and the validators.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

pub(crate) async fn editions(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<c5hub_wire::assess::EditionsAnswer>, Problem> {
    let p = caller.member()?;
    let eds = crate::assess::run(&s, p, |who, st| c5hub_hub::assess::editions(st, who)).await?;
    Ok(Json(c5hub_wire::assess::EditionsAnswer::from(
        eds.as_slice(),
    )))
}

#[derive(Deserialize)]
pub(crate) struct ResultsQuery {
    #[serde(default)]
    ranks: Option<String>,
}

/// The scores document of `c5hub assess score --format json`, so scripts
/// read the hub's results and the CLI's the same way.
pub(crate) async fn results(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let ranks = match q.ranks.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(Problem::invalid(
                "ranks",
                format!("{other:?}: expected true or false"),
            ));
        }
    };
    let res = crate::assess::results(&s, &p, id).await?;
    let r = ranks.then(|| c5hub_assess::scoring::ranks(&res.scores));
    let body = c5hub_wire::assess::ScoresAnswer::new(&res.methodology, &res.scores, r.as_deref())
        .to_pretty();
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}
