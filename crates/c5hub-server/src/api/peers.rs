//! Peer hubs: list with state, one, add, pause, resume, remove. Each
//! handler calls one operation of `c5hub_hub::peers`, which says who may
//! (the hub operator's admins) and writes the audit line.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use c5hub_hub::peers::{self, Asked};
use c5hub_wire::peers as wire;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<wire::PeerAnswer>>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let p = s.pool.run(move |st| Ok(peers::list(st, &who))).await??;
    Ok(Json(p.iter().map(wire::PeerAnswer::from).collect()))
}

pub(crate) async fn one(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<wire::PeerAnswer>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let p = s
        .pool
        .run(move |st| Ok(peers::show(st, &who, &name)))
        .await??;
    Ok(Json(wire::PeerAnswer::from(&p)))
}

pub(crate) async fn add(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: wire::NewPeer = serde_json::from_slice(&b).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })?;
    let p = s
        .pool
        .run(move |st| {
            Ok(peers::add(
                st,
                &who,
                &Asked {
                    name: &n.name,
                    url: &n.url,
                    kind: n.kind.as_deref(),
                    token: &n.token,
                    policy: n.policy.as_deref().unwrap_or_default(),
                    pseudonym_key: n.pseudonym_key.as_deref(),
                    org: n.org.as_deref(),
                },
            ))
        })
        .await??;
    Ok((StatusCode::CREATED, Json(wire::PeerAnswer::from(&p))).into_response())
}

async fn set_paused(
    s: AppState,
    caller: Caller,
    name: String,
    paused: bool,
) -> Result<Json<wire::PeerAnswer>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let p = s
        .pool
        .run(move |st| Ok(peers::set_paused(st, &who, &name, paused)))
        .await??;
    Ok(Json(wire::PeerAnswer::from(&p)))
}

pub(crate) async fn pause(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<wire::PeerAnswer>, Problem> {
    set_paused(s, caller, name, true).await
}

pub(crate) async fn resume(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Json<wire::PeerAnswer>, Problem> {
    set_paused(s, caller, name, false).await
}

pub(crate) async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    s.pool
        .run(move |st| Ok(peers::remove(st, &who, &name)))
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}
