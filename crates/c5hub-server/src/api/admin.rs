//! Administration: organisations, users, tokens, the audit log. Each
//! handler parses, calls one operation of `c5hub_hub::accounts` (which holds
//! the rule of who administers what and writes the audit line) and renders.

use std::collections::HashMap;
use std::str::FromStr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use c5hub_model::{OrgKind, Role};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use c5hub_hub::accounts;

use crate::AppState;
use crate::auth::Caller;
use crate::json;
use crate::problem::Problem;

fn body<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(b).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })
}

pub(crate) async fn me(caller: Caller) -> Result<Json<Value>, Problem> {
    let p = caller.member()?;
    Ok(Json(
        json!({"name": p.name, "org": p.org, "role": p.role.as_str(), "csrf": caller.csrf()}),
    ))
}

/// Members may see who the other members are (they name them in sharing
/// lists); only admins may change them.
pub(crate) async fn orgs(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, Problem> {
    caller.member()?;
    let o = s.pool.run(|st| Ok(accounts::orgs(st))).await??;
    Ok(Json(Value::Array(o.iter().map(json::org).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewOrg {
    name: String,
    #[serde(rename = "type")]
    kind: String,
}

pub(crate) async fn add_org(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: NewOrg = body(&b)?;
    let kind = OrgKind::from_str(&n.kind).map_err(|e| Problem::invalid("/type", e.to_string()))?;
    let o = s
        .pool
        .run(move |st| Ok(accounts::add_org(st, &who, &n.name, kind)))
        .await??;
    Ok((StatusCode::CREATED, Json(json::org(&o))).into_response())
}

pub(crate) async fn users(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let u = s
        .pool
        .run(move |st| Ok(accounts::users(st, &who)))
        .await??;
    Ok(Json(Value::Array(u.iter().map(json::user).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewUser {
    email: String,
    org: String,
    role: String,
    #[serde(default)]
    password: Option<String>,
}

pub(crate) async fn add_user(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: NewUser = body(&b)?;
    let role = Role::from_str(&n.role).map_err(|e| Problem::invalid("/role", e.to_string()))?;
    let new = accounts::NewUser {
        email: n.email,
        org: n.org,
        role,
        password: n.password,
    };
    let u = s
        .pool
        .run(move |st| Ok(accounts::add_user(st, &who, &new)))
        .await??;
    Ok((StatusCode::CREATED, Json(json::user(&u))).into_response())
}

pub(crate) async fn tokens(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Value>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let t = s
        .pool
        .run(move |st| Ok(accounts::tokens(st, &who)))
        .await??;
    Ok(Json(Value::Array(t.iter().map(json::token).collect())))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewToken {
    org: String,
    role: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    label: Option<String>,
    /// RFC 3339; absent: never expires.
    #[serde(default)]
    expires_at: Option<String>,
}

pub(crate) async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: NewToken = body(&b)?;
    let role = Role::from_str(&n.role).map_err(|e| Problem::invalid("/role", e.to_string()))?;
    let expires_at = match &n.expires_at {
        Some(t) => Some(
            DateTime::parse_from_rfc3339(t)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| {
                    Problem::invalid("/expires_at", format!("{t:?} is not an RFC 3339 time: {e}"))
                })?,
        ),
        None => None,
    };
    let new = accounts::NewToken {
        org: n.org,
        role,
        user: n.user,
        label: n.label,
        expires_at,
    };
    let (info, secret) = s
        .pool
        .run(move |st| Ok(accounts::create_token(st, &who, &new)))
        .await??;
    let mut v = json::token(&info);
    v["token"] = Value::String(secret);
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not a token id")))?;
    let done = s
        .pool
        .run(move |st| Ok(accounts::revoke_token(st, &who, id)))
        .await?;
    s.tokens.clear();
    done?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub(crate) async fn audit(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let before = match q.get("cursor") {
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            Problem::invalid(
                "query parameter cursor",
                "not a cursor from a previous page",
            )
        })?),
        None => None,
    };
    let limit = match q.get("limit") {
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=10_000).contains(n))
            .ok_or_else(|| Problem::invalid("query parameter limit", "a number from 1 to 10000"))?,
        None => 100,
    };
    let rows = s
        .pool
        .run(move |st| Ok(accounts::audit_log(st, &who, before, limit)))
        .await??;
    match q.get("format").map(String::as_str) {
        Some("csv") => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let _ = w.write_record(["id", "at", "actor", "org", "action", "target", "detail"]);
            for a in &rows {
                let _ = w.write_record([
                    a.id.to_string(),
                    a.at.to_rfc3339(),
                    a.actor.clone(),
                    a.org.clone().unwrap_or_default(),
                    a.action.clone(),
                    a.target.clone().unwrap_or_default(),
                    a.detail.clone().unwrap_or_default(),
                ]);
            }
            let bytes = w.into_inner().unwrap_or_default();
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
        }
        None | Some("json") => {
            let next = if rows.len() == limit {
                rows.last().map(|a| a.id.to_string())
            } else {
                None
            };
            Ok(Json(json!({"items": rows.iter().map(json::audit).collect::<Vec<_>>(), "next_cursor": next})).into_response())
        }
        Some(f) => Err(Problem::invalid(
            "query parameter format",
            format!("{f:?}: use json or csv"),
        )),
    }
}
