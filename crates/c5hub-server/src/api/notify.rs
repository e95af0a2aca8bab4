//! Notifications on the API: the caller's "for you" list, marks, and
//! choices per event. The rules are `c5hub_hub::notify`'s.

use std::collections::HashMap;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use c5hub_hub::notify;
use c5hub_store::MAX_NOTIFICATIONS_PAGE;
use c5hub_wire::notify::{
    CreatedWebhook, DeliveryAttemptAnswer, DeliveryLog, NewWebhook, NotificationsAnswer,
    Preferences, WebhookAnswer,
};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Notifications per answer when the caller names no limit.
pub(crate) const DEFAULT_LIMIT: usize = 100;

/// `GET /api/v1/notifications?limit=N`.
pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<NotificationsAnswer>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let limit = match q.get("limit") {
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_NOTIFICATIONS_PAGE).contains(n))
            .ok_or_else(|| {
                Problem::invalid(
                    "query parameter limit",
                    format!("a number from 1 to {MAX_NOTIFICATIONS_PAGE}"),
                )
            })?,
        None => DEFAULT_LIMIT,
    };
    let inbox = s
        .pool
        .run(move |st| Ok(notify::inbox(st, &who, limit)))
        .await??;
    Ok(Json(NotificationsAnswer::from(&inbox)))
}

/// `POST /api/v1/notifications/{id}/read`.
pub(crate) async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let id: i64 = id
        .parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not a notification id")))?;
    s.pool
        .run(move |st| Ok(notify::mark_read(st, &who, id)))
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `POST /api/v1/notifications/read`: every one read.
pub(crate) async fn mark_all_read(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    s.pool
        .run(move |st| Ok(notify::mark_all_read(st, &who)))
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `GET /api/v1/notifications/preferences`.
pub(crate) async fn preferences(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Preferences>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let ps = s
        .pool
        .run(move |st| Ok(notify::preferences(st, &who)))
        .await??;
    Ok(Json(Preferences::from(ps.as_slice())))
}

/// `PUT /api/v1/notifications/preferences`.
pub(crate) async fn set_preferences(
    State(s): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<Preferences>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let body: Preferences = super::incidents::json_body(&body)?;
    let mut prefs = Vec::with_capacity(body.preferences.len());
    for (n, p) in body.preferences.iter().enumerate() {
        prefs.push(p.to_preference().ok_or_else(|| {
            Problem::invalid(
                format!("/preferences/{n}/event"),
                format!(
                    "{:?} is not an event: shared, assigned, correlated or status",
                    p.event
                ),
            )
        })?);
    }
    let ps = s
        .pool
        .run(move |st| Ok(notify::set_preferences(st, &who, &prefs)))
        .await??;
    Ok(Json(Preferences::from(ps.as_slice())))
}

/// `GET /api/v1/webhooks` (admins).
pub(crate) async fn webhooks(
    State(s): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WebhookAnswer>>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let ws = s
        .pool
        .run(move |st| Ok(notify::webhooks(st, &who)))
        .await??;
    Ok(Json(ws.iter().map(WebhookAnswer::from).collect()))
}

/// The operations layer's webhook from the request body.
pub(crate) fn new_webhook(body: &NewWebhook) -> Result<notify::NewWebhook, Problem> {
    let mut events = Vec::with_capacity(body.events.len());
    for (n, e) in body.events.iter().enumerate() {
        events.push(notify::Event::parse(e).ok_or_else(|| {
            Problem::invalid(
                format!("/events/{n}"),
                format!("{e:?} is not an event: shared, assigned, correlated or status"),
            )
        })?);
    }
    Ok(notify::NewWebhook {
        org: body.org.clone(),
        url: body.url.clone(),
        events,
    })
}

/// `POST /api/v1/webhooks` (admins).
pub(crate) async fn add_webhook(
    State(s): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let body: NewWebhook = super::incidents::json_body(&body)?;
    let new = new_webhook(&body)?;
    let w = s
        .pool
        .run(move |st| Ok(notify::add_webhook(st, &who, &new)))
        .await??;
    Ok((
        StatusCode::CREATED,
        Json(CreatedWebhook {
            webhook: WebhookAnswer::from(&w),
            secret: w.secret.clone(),
        }),
    )
        .into_response())
}

/// `DELETE /api/v1/webhooks/{id}` (admins).
pub(crate) async fn remove_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let who = caller.authority(&s.config.org)?;
    let id = webhook_id(&id)?;
    s.pool
        .run(move |st| Ok(notify::remove_webhook(st, &who, id)))
        .await??;
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn webhook_id(id: &str) -> Result<i64, Problem> {
    id.parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not a webhook id")))
}

/// `GET /api/v1/webhooks/{id}/deliveries` (admins).
pub(crate) async fn deliveries(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<DeliveryLog>, Problem> {
    let who = caller.authority(&s.config.org)?;
    let id = webhook_id(&id)?;
    let (w, log) = s
        .pool
        .run(move |st| Ok(notify::deliveries(st, &who, id, 200)))
        .await??;
    Ok(Json(DeliveryLog {
        webhook: WebhookAnswer::from(&w),
        attempts: log.iter().map(DeliveryAttemptAnswer::from).collect(),
    }))
}
