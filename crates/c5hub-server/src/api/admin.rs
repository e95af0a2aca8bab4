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
use c5hub_wire::admin as wire;
use chrono::{DateTime, Utc};

use c5hub_hub::accounts;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

fn body<T: serde::de::DeserializeOwned>(b: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(b).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })
}

pub(crate) async fn me(caller: Caller) -> Result<Json<wire::Me>, Problem> {
    let p = caller.member()?;
    Ok(Json(wire::Me {
        name: p.name.clone(),
        org: p.org.clone(),
        role: p.role.as_str().to_owned(),
        csrf: caller.csrf().map(str::to_owned),
    }))
}

/// Members may see who the other members are (they name them in sharing
/// lists); only admins may change them.
pub(crate) async fn orgs(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<wire::OrgAnswer>>, Problem> {
    caller.member()?;
    let o = s.pool.run(|st| Ok(accounts::orgs(st))).await??;
    Ok(Json(o.iter().map(wire::OrgAnswer::from).collect()))
}

pub(crate) async fn add_org(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: wire::NewOrg = body(&b)?;
    let kind = OrgKind::from_str(&n.kind).map_err(|e| Problem::invalid("/type", e.to_string()))?;
    let o = s
        .pool
        .run(move |st| Ok(accounts::add_org(st, &who, &n.name, kind)))
        .await??;
    Ok((StatusCode::CREATED, Json(wire::OrgAnswer::from(&o))).into_response())
}

pub(crate) async fn users(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<wire::UserAnswer>>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let u = s
        .pool
        .run(move |st| Ok(accounts::users(st, &who)))
        .await??;
    Ok(Json(u.iter().map(wire::UserAnswer::from).collect()))
}

pub(crate) async fn add_user(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: wire::NewUser = body(&b)?;
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
    Ok((StatusCode::CREATED, Json(wire::UserAnswer::from(&u))).into_response())
}

pub(crate) async fn change_user(
    State(s): State<AppState>,
    caller: Caller,
    Path(email): Path<String>,
    b: Bytes,
) -> Result<Json<wire::UserAnswer>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let c: wire::UserChange = body(&b)?;
    let role = c
        .role
        .as_deref()
        .map(Role::from_str)
        .transpose()
        .map_err(|e| Problem::invalid("/role", e.to_string()))?;
    if role.is_none() && c.disabled.is_none() && c.password.is_none() {
        return Err(Problem::invalid(
            "body",
            "nothing to change: give role, disabled or password",
        ));
    }
    let u = s
        .pool
        .run(move |st| {
            Ok((|| {
                let mut u = None;
                if let Some(p) = &c.password {
                    u = Some(accounts::reset_password(st, &who, &email, p)?);
                }
                if let Some(r) = role {
                    u = Some(accounts::set_user_role(st, &who, &email, r)?);
                }
                if let Some(d) = c.disabled {
                    u = Some(accounts::set_user_disabled(st, &who, &email, d)?);
                }
                u.ok_or_else(|| c5hub_hub::Error::NotFound(format!("user {email:?}")))
            })())
        })
        .await??;
    // A disabled user's or demoted user's tokens act differently now.
    s.tokens.clear();
    Ok(Json(wire::UserAnswer::from(&u)))
}

pub(crate) async fn tokens(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<wire::TokenAnswer>>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let t = s
        .pool
        .run(move |st| Ok(accounts::tokens(st, &who)))
        .await??;
    Ok(Json(t.iter().map(wire::TokenAnswer::from).collect()))
}

pub(crate) async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    b: Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let n: wire::NewToken = body(&b)?;
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
    Ok((
        StatusCode::CREATED,
        Json(wire::CreatedToken::new(&info, secret)),
    )
        .into_response())
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
        None | Some("json") => Ok(Json(wire::AuditPage::new(&rows, limit)).into_response()),
        Some(f) => Err(Problem::invalid(
            "query parameter format",
            format!("{f:?}: use json or csv"),
        )),
    }
}
