//! Polled feeds: list with state, add, remove. Each handler calls one
//! operation of `c5hub_hub::feeds`, which says who may (the hub
//! operator's admins) and writes the audit line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use c5hub_hub::feeds::{self, Asked};
use c5hub_wire::feeds as wire;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<wire::FeedAnswer>>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let f = s.pool.run(move |st| Ok(feeds::list(st, &who))).await??;
    Ok(Json(f.iter().map(wire::FeedAnswer::from).collect()))
}

pub(crate) async fn add(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: wire::NewFeed = serde_json::from_slice(&b).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let r = Asked {
        kind: &n.kind,
        url: &n.url,
        collection: n.collection.as_deref(),
        user: n.user.as_deref(),
        password: n.password.as_deref(),
        token: n.token.as_deref(),
        every: n.every.as_deref(),
        as_org: n.as_org.as_deref(),
        tlp: n.tlp.as_deref(),
    }
    .request()?;
    let f = s.pool.run(move |st| Ok(feeds::add(st, &who, &r))).await??;
    Ok((StatusCode::CREATED, Json(wire::FeedAnswer::from(&f))).into_response())
}

pub(crate) async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not a feed id")))?;
    s.pool
        .run(move |st| Ok(feeds::remove(st, &who, id)))
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}
