//! The web UI: server-rendered HTML, no JavaScript needed, every asset
//! embedded in the binary so a hub works without network.
//!
//! Pages read through the same store calls as the API, with the session's
//! viewer, so the UI shows exactly what the API would. Forms that change
//! state carry the session's CSRF token.

mod admin;
mod assess;
mod feeds;
mod forms;
mod incidents;
mod notify;
pub(crate) mod page;
mod peers;
mod search;
mod spam;

use axum::Router;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::html;
use serde::Deserialize;

use crate::AppState;
use crate::auth::{Caller, SESSION_COOKIE, Via};
use page::{Page, page};

const STYLE: &str = include_str!("../../assets/style.css");

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(incidents::dashboard))
        .route("/login", get(crate::login::form).post(crate::login::submit))
        .route("/logout", post(logout))
        .route("/incidents", get(incidents::list))
        .route("/incidents/export", get(incidents::export_list))
        .route("/incidents/bulk", post(incidents::bulk))
        .route("/incidents/bulk/export", post(incidents::bulk_export))
        .route("/incidents/{id}", get(incidents::detail))
        .route("/incidents/{id}/export", get(incidents::export_one))
        .route("/incidents/{id}/status", post(incidents::set_status))
        .route("/incidents/{id}/assignee", post(incidents::set_assignee))
        .route("/incidents/{id}/comments", post(incidents::comment))
        .route("/incidents/{id}/handlers", post(incidents::set_handlers))
        .route(
            "/submit",
            get(incidents::submit_form).post(incidents::submit_upload),
        )
        .route("/submit/form", post(incidents::submit_fields))
        .route("/lookup", get(incidents::lookup))
        .route("/search", get(search::search))
        .route("/assess", get(assess::editions))
        .route("/assess/editions", post(assess::add_edition))
        .route("/assess/editions/{id}", get(assess::edition))
        .route(
            "/assess/editions/{id}/responses",
            post(assess::add_response),
        )
        .route("/assess/editions/{id}/open", post(assess::set_open))
        .route(
            "/assess/editions/{id}/second-validator",
            post(assess::set_second_validator),
        )
        .route("/assess/editions/{id}/results", get(assess::results))
        .route(
            "/assess/responses/{id}",
            get(assess::response).post(assess::save),
        )
        .route("/assess/responses/{id}/decision", post(assess::decide))
        .route("/assess/evidence/{id}", get(assess::evidence))
        .route("/spam", get(spam::overview))
        .route("/spam/report", post(spam::report))
        .route("/spam/queue", get(spam::queue))
        .route("/spam/campaigns/{n}", get(spam::campaign))
        .route("/spam/reports/{id}", get(spam::detail))
        .route("/spam/reports/{id}/verdict", post(spam::verdict))
        .route("/for-you", get(notify::list))
        .route("/for-you/read", post(notify::mark_all_read))
        .route("/for-you/{id}/read", post(notify::mark_read))
        .route(
            "/for-you/preferences",
            get(notify::preferences).post(notify::set_preferences),
        )
        .route(
            "/admin/webhooks",
            get(notify::webhooks).post(notify::add_webhook),
        )
        .route("/admin/webhooks/{id}", get(notify::delivery_log))
        .route("/admin/webhooks/{id}/remove", post(notify::remove_webhook))
        .route("/admin", get(admin::overview))
        .route("/admin/orgs", post(admin::add_org))
        .route("/admin/users", post(admin::add_user))
        .route("/admin/users/{email}", post(admin::change_user))
        .route("/admin/tokens", post(admin::create_token))
        .route("/admin/tokens/{id}/revoke", post(admin::revoke_token))
        .route("/admin/audit", get(admin::audit))
        .route("/admin/feeds", get(feeds::page_get).post(feeds::add))
        .route("/admin/feeds/{id}/remove", post(feeds::remove))
        .route("/admin/peers", get(peers::page_get).post(peers::add))
        .route("/admin/peers/{name}/pause", post(peers::pause))
        .route("/admin/peers/{name}/resume", post(peers::resume))
        .route("/admin/peers/{name}/remove", post(peers::remove))
        .route("/assets/style.css", get(style))
}

async fn style() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=3600"),
        ],
        STYLE,
    )
        .into_response()
}

pub(crate) fn not_found_page() -> Response {
    not_found(&Page::anonymous("Not found"))
}

/// Not found for a logged-in reader: the same answer as for a page that
/// does not exist, inside the usual frame so the reader keeps the navigation.
pub(crate) fn not_found_for(caller: &Caller) -> Response {
    not_found(&Page::of(caller, "Not found", ""))
}

fn not_found(ctx: &Page) -> Response {
    let body = page(
        ctx,
        html! { h1 { "Not found" } p { "There is no such page, or you may not see it." } p { a href="/" { "Back to the dashboard" } } },
    );
    (StatusCode::NOT_FOUND, body).into_response()
}

/// An error shown as a page, keeping the problem's status and message.
pub(crate) fn error_page(caller: &Caller, p: &crate::problem::Problem) -> Response {
    if p.status == StatusCode::UNAUTHORIZED {
        return Redirect::to("/login").into_response();
    }
    let ctx = Page::of(caller, "Error", "");
    let body = page(
        &ctx,
        html! {
            h1 { (p.title) }
            div.error role="alert" {
                p { (p.detail) }
                @if !p.errors.is_empty() {
                    ul { @for e in &p.errors { li { code { (e.at) } ": " (e.detail) } } }
                }
            }
            p { a href="/" { "Back to the dashboard" } }
        },
    );
    (p.status, body).into_response()
}

/// Checks a form's CSRF token against the session.
pub(crate) fn check_csrf(caller: &Caller, sent: &str) -> Result<(), crate::problem::Problem> {
    match caller.csrf() {
        Some(c) if crate::auth::csrf_matches(c, sent) => Ok(()),
        Some(_) => Err(crate::problem::Problem::forbidden(
            "this form has expired; reload the page and try again",
        )),
        None => Err(crate::problem::Problem::unauthorized()),
    }
}

#[derive(Deserialize)]
struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

async fn logout(State(s): State<AppState>, caller: Caller, Form(f): Form<CsrfOnly>) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    if let Some(Via::Session { secret, .. }) = caller.via.clone() {
        let _ = s
            .pool
            .run(move |st| st.accounts().end_session(&secret))
            .await;
    }
    let cookie = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    ([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response()
}
