//! The "for you" page (the caller's notifications, unread first, mark
//! read, mark all read), the notification preferences form (check boxes
//! only: nothing typed to refuse) and the webhooks page, whose form comes
//! back with what was typed when refused. The rules are
//! `c5hub_hub::notify`'s.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::accounts;
use c5hub_hub::notify::{self, Event, Preference};
use maud::html;

use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// Notifications shown on the page.
const SHOWN: usize = 200;

/// `GET /for-you`.
pub(crate) async fn list(State(s): State<AppState>, caller: Caller) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(&caller, &p),
    };
    let got = s
        .pool
        .run(move |st| Ok(notify::inbox(st, &who, SHOWN)))
        .await;
    let inbox = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(&caller, &e.into()),
        Err(p) => return error_page(&caller, &p),
    };
    let mut ctx = Page::of(&caller, "For you", "for-you");
    // The header counts what this page shows.
    ctx.unread = Some(inbox.unread);
    let csrf = caller.csrf();
    let body = html! {
            h1 { "For you" }
            p {
                (inbox.unread) " unread. "
                a href="/for-you/preferences" { "Choose what you are told of" }
            }
            @if inbox.unread > 0 {
                form method="post" action="/for-you/read" {
                    (csrf_field(csrf))
                    button type="submit" { "Mark all read" }
                }
            }
            @if inbox.items.is_empty() {
                p { "Nothing yet." }
            } @else {
                div.scroll tabindex="0" role="region" aria-label="Notifications" {
                    table {
                        thead { tr { th { "When" } th { "What" } th { "Event" } th { span.visually-hidden { "Mark read" } } } }
                        tbody {
                            @for n in &inbox.items {
                                tr class=[n.read_at.is_none().then_some("unread")] {
                                    td { (n.at.format("%Y-%m-%d %H:%M UTC")) }
                                    td { a href=(format!("/incidents/{}", n.incident)) { (n.summary) } }
                                    td { (n.event) }
                                    td {
                                        @if n.read_at.is_none() {
                                            form.inline method="post" action=(format!("/for-you/{}/read", n.id)) {
                                                (csrf_field(csrf))
                                                button type="submit" aria-label=(format!("Mark read: {}", n.summary)) { "Mark read" }
                                            }
                                        } @else {
                                            "read"
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
    };
    page(&ctx, body).into_response()
}

/// `POST /for-you/{id}/read`.
pub(crate) async fn mark_read(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let run = async {
        check_csrf(&caller, f.get("csrf").map_or("", String::as_str))?;
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(notify::mark_read(st, &who, id)))
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/for-you").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}

/// `POST /for-you/read`.
pub(crate) async fn mark_all_read(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let run = async {
        check_csrf(&caller, f.get("csrf").map_or("", String::as_str))?;
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(notify::mark_all_read(st, &who)))
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/for-you").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}

/// `GET /for-you/preferences`.
pub(crate) async fn preferences(State(s): State<AppState>, caller: Caller) -> Response {
    prefs_page(&s, &caller, false).await
}

async fn prefs_page(s: &AppState, caller: &Caller, saved: bool) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(caller, &p),
    };
    let got = s
        .pool
        .run(move |st| Ok(notify::preferences(st, &who)))
        .await;
    let prefs = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(caller, &e.into()),
        Err(p) => return error_page(caller, &p),
    };
    let ctx = Page::of(caller, "Notification preferences", "for-you");
    page(
        &ctx,
        html! {
            h1 { "Notification preferences" }
            @if saved { p role="status" { "Saved." } }
            p { "Nobody is told of an incident they may not read." }
            form method="post" action="/for-you/preferences" {
                (csrf_field(caller.csrf()))
                div.scroll tabindex="0" role="region" aria-label="Notification choices" {
                    table {
                        thead { tr { th { "Event" } th { "In the app" } th { "By e-mail" } } }
                        tbody {
                            @for p in &prefs {
                                @let e = p.event.as_str();
                                tr {
                                    td { (p.event.label()) }
                                    td { input type="checkbox" name=(format!("{e}_in_app")) id=(format!("{e}_in_app")) aria-label=(format!("{}: in the app", p.event.label())) checked[p.in_app]; }
                                    td { input type="checkbox" name=(format!("{e}_email")) id=(format!("{e}_email")) aria-label=(format!("{}: by e-mail", p.event.label())) checked[p.email]; }
                                }
                            }
                        }
                    }
                }
                button type="submit" { "Save" }
            }
            p { a href="/for-you" { "Back to your notifications" } }
        },
    )
    .into_response()
}

/// `POST /for-you/preferences`: an unchecked box is not sent, so every
/// event is set from what was.
pub(crate) async fn set_preferences(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let run = async {
        check_csrf(&caller, f.get("csrf").map_or("", String::as_str))?;
        let who = caller.authority(&s.config.org)?;
        let prefs: Vec<Preference> = Event::ALL
            .into_iter()
            .map(|event| Preference {
                event,
                in_app: f.contains_key(&format!("{}_in_app", event.as_str())),
                email: f.contains_key(&format!("{}_email", event.as_str())),
            })
            .collect();
        s.pool
            .run(move |st| Ok(notify::set_preferences(st, &who, &prefs)))
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => prefs_page(&s, &caller, true).await,
        Err(p) => error_page(&caller, &p),
    }
}

/// `GET /admin/webhooks`: the webhooks the caller administers, and a form
/// to add one.
pub(crate) async fn webhooks(State(s): State<AppState>, caller: Caller) -> Response {
    webhooks_page(&s, &caller, None, None).await
}

/// The webhook form as it was sent, with the messages for its fields.
struct Refused {
    typed: HashMap<String, String>,
    errors: FieldErrors,
    status: StatusCode,
}

async fn webhooks_page(
    s: &AppState,
    caller: &Caller,
    created: Option<(i64, String)>,
    refused: Option<Refused>,
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(caller, &p),
    };
    let own = caller
        .principal
        .as_ref()
        .map(|p| p.org.clone())
        .unwrap_or_default();
    let scope = who.admin_scope();
    let got = s
        .pool
        .run(move |st| {
            Ok((|| {
                Ok::<_, c5hub_hub::Error>((notify::webhooks(st, &who)?, accounts::orgs(st)?))
            })())
        })
        .await;
    let (hooks, orgs) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(caller, &e.into()),
        Err(p) => return error_page(caller, &p),
    };
    // The organisations the caller may add a webhook for (the operation
    // checks again).
    let orgs: Vec<String> = orgs
        .into_iter()
        .map(|o| o.name)
        .filter(|o| scope.as_ref().is_some_and(|sc| sc.covers(o)))
        .collect();
    let none = FieldErrors::default();
    let errs = refused.as_ref().map_or(&none, |r| &r.errors);
    let typed = |k: &str| refused.as_ref().and_then(|r| r.typed.get(k).cloned());
    let org_now = typed("org").unwrap_or(own);
    let url_now = typed("url").unwrap_or_default();
    // A refused form keeps its boxes; a fresh one offers every event.
    let event_on = |e: &str| refused.as_ref().is_none_or(|r| r.typed.contains_key(e));
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    let ctx = Page::of(caller, "Webhooks", "admin");
    let body = html! {
        h1 { "Webhooks" }
        p { "Each delivery is JSON signed with the webhook's secret (HMAC-SHA256 of the body, "
            code { "X-C5hub-Signature" } ", with " code { "X-C5hub-Timestamp" } "), retried with growing waits when it fails." }
        @if let Some((id, secret)) = &created {
            div role="status" {
                p { "Webhook " (id) " added. Its signing secret, shown this once:" }
                p { code id="webhook-secret" { (secret) } }
            }
        }
        @if hooks.is_empty() {
            p { "No webhooks." }
        } @else {
            div.scroll tabindex="0" role="region" aria-label="Webhooks" {
                table {
                    thead { tr { th { "Id" } th { "Organisation" } th { "URL" } th { "Events" } th { "Log" } th { span.visually-hidden { "Remove" } } } }
                    tbody {
                        @for w in &hooks {
                            tr {
                                td { (w.id) }
                                td { (w.org) }
                                td { code { (w.url) } }
                                td { (w.events.join(", ")) }
                                td { a href=(format!("/admin/webhooks/{}", w.id)) { "Delivery log" } }
                                td {
                                    form.inline method="post" action=(format!("/admin/webhooks/{}/remove", w.id)) {
                                        (csrf_field(caller.csrf()))
                                        button type="submit" aria-label=(format!("Remove webhook {}", w.id)) { "Remove" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        h2 { "Add a webhook" }
        (errs.summary())
        form method="post" action="/admin/webhooks" {
            (csrf_field(caller.csrf()))
            p { label for="wh-org" { "Organisation" } " "
                select id="wh-org" name="org" required aria-describedby=[errs.described("org")] {
                    @for o in &orgs { option value=(o) selected[*o == org_now] { (o) } }
                }
                " " (errs.beside("org")) }
            p { label for="wh-url" { "URL" } " " input id="wh-url" name="url" type="url" required size="60" value=(url_now) aria-invalid=[errs.described("url").map(|_| "true")] aria-describedby=[errs.described("url")]; " " (errs.beside("url")) }
            fieldset aria-describedby=[errs.described("events")] {
                legend { "Events" }
                (errs.beside("events"))
                @for e in Event::ALL {
                    label { input type="checkbox" name=(e.as_str()) checked[event_on(e.as_str())]; " " (e.label()) } br;
                }
            }
            button type="submit" { "Add webhook" }
        }
    };
    (status, page(&ctx, body)).into_response()
}

/// A refusal of the webhook form beside its field (the hub names it:
/// `/org`, `/url`, `/events`), or `None` when it is not the input's fault.
fn webhook_refusal(p: &Problem, typed: HashMap<String, String>) -> Option<Refused> {
    if !matches!(
        p.status,
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        return None;
    }
    let mut errors = FieldErrors::default();
    for e in &p.errors {
        let (field, label) = match e.at.trim_start_matches('/') {
            "org" => ("org", "Organisation: "),
            "url" => ("url", "URL: "),
            "events" => ("events", "Events: "),
            _ => ("", ""),
        };
        errors.add(field, format!("{label}{}", super::forms::plain(&e.detail)));
    }
    if errors.is_empty() {
        errors.add("", super::forms::plain(&p.detail));
    }
    let mut typed = typed;
    typed.remove("csrf");
    Some(Refused {
        typed,
        errors,
        status: p.status,
    })
}

/// `POST /admin/webhooks`.
pub(crate) async fn add_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let run = async {
        check_csrf(&caller, f.get("csrf").map_or("", String::as_str))?;
        let who = caller.authority(&s.config.org)?;
        let new = notify::NewWebhook {
            org: f.get("org").map_or("", |o| o.trim()).to_owned(),
            url: f.get("url").cloned().unwrap_or_default(),
            events: Event::ALL
                .into_iter()
                .filter(|e| f.contains_key(e.as_str()))
                .collect(),
        };
        let w = s
            .pool
            .run(move |st| Ok(notify::add_webhook(st, &who, &new)))
            .await??;
        Ok::<_, Problem>((w.id, w.secret))
    };
    match run.await {
        Ok(created) => webhooks_page(&s, &caller, Some(created), None).await,
        Err(p) => match webhook_refusal(&p, f) {
            Some(r) => webhooks_page(&s, &caller, None, Some(r)).await,
            None => error_page(&caller, &p),
        },
    }
}

/// `POST /admin/webhooks/{id}/remove`.
pub(crate) async fn remove_webhook(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> Response {
    let run = async {
        check_csrf(&caller, f.get("csrf").map_or("", String::as_str))?;
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(notify::remove_webhook(st, &who, id)))
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/webhooks").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}

/// `GET /admin/webhooks/{id}`: the delivery log.
pub(crate) async fn delivery_log(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(&caller, &p),
    };
    let got = s
        .pool
        .run(move |st| Ok(notify::deliveries(st, &who, id, 200)))
        .await;
    let (w, log) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(&caller, &e.into()),
        Err(p) => return error_page(&caller, &p),
    };
    let ctx = Page::of(&caller, "Delivery log", "admin");
    let body = html! {
        h1 { "Delivery log of webhook " (w.id) }
        p { (w.org) ": " code { (w.url) } }
        @if log.is_empty() {
            p { "No delivery yet." }
        } @else {
            div.scroll tabindex="0" role="region" aria-label="Deliveries" {
                table {
                    thead { tr { th { "When" } th { "Delivery" } th { "Attempt" } th { "Status" } th { "Error" } th { "Outcome" } } }
                    tbody {
                        @for a in &log {
                            tr {
                                td { (a.at.format("%Y-%m-%d %H:%M:%S UTC")) }
                                td { (a.delivery) }
                                td { (a.attempt) }
                                td { @if let Some(c) = a.status_code { (c) } @else { "none" } }
                                td { (a.error.as_deref().unwrap_or("")) }
                                td { (a.outcome.replace('_', " ")) }
                            }
                        }
                    }
                }
            }
        }
        p { a href="/admin/webhooks" { "Back to the webhooks" } }
    };
    page(&ctx, body).into_response()
}
