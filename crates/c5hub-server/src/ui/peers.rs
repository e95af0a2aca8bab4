//! The peers page (/admin/peers): every peer hub with each direction's
//! state, and the forms to add, pause, resume and remove one. Who may is
//! `c5hub_hub::peers`'s rule (the hub operator's admins); a refused form
//! comes back as typed, but for its token and key, with the hub's message
//! beside the field.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::peers::{self, Asked};
use maud::html;
use serde::Deserialize;

use super::feeds::{Refusal, field_errors, refusal, when};
use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// The fields of the add form, in the order they are shown.
const FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("url", "URL"),
    ("kind", "Kind"),
    ("token", "Token"),
    ("pseudonym_key", "Pseudonym key"),
    ("org", "Organisation"),
    ("policy", "Policy"),
];

pub(crate) async fn page_get(State(s): State<AppState>, caller: Caller) -> Response {
    render(
        &s,
        &caller,
        HashMap::new(),
        FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

async fn render(
    s: &AppState,
    caller: &Caller,
    kept: HashMap<String, String>,
    errs: FieldErrors,
    status: StatusCode,
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(caller, &p),
    };
    let got = s
        .pool
        .run(move |st| {
            Ok((|| {
                Ok::<_, c5hub_hub::Error>((peers::list(st, &who)?, c5hub_hub::accounts::orgs(st)?))
            })())
        })
        .await;
    let (all, orgs) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(caller, &e.into()),
        Err(p) => return error_page(caller, &p),
    };
    let v = |f: &str, d: &str| kept.get(f).cloned().unwrap_or_else(|| d.to_owned());
    let kind = v("kind", "c5hub");
    let org = v("org", "");
    let csrf = caller.csrf();
    let ctx = Page::of(caller, "Peers", "admin");
    let invalid = |f: &str| errs.described(f).map(|_| "true");
    let body = page(
        &ctx,
        html! {
            h1 { "Peers" }
            p { a href="/admin" { "Administration" } " · the hubs this hub federates with, each under its own policy. TLP:AMBER+STRICT and TLP:RED never leave this hub, whatever a policy says. Tokens and keys are kept for the sync and never shown." }
            section aria-labelledby="peers-h" {
                h2 id="peers-h" { "Peers (" (all.len()) ")" }
                @if all.is_empty() {
                    p { "No peers yet." }
                } @else {
                    div.scroll tabindex="0" role="region" aria-label="Peers" {
                        table { thead { tr {
                            th scope="col" { "Name" } th scope="col" { "Kind" } th scope="col" { "URL" } th scope="col" { "Organisation" }
                            th scope="col" { "State" } th scope="col" { "Sent" } th scope="col" { "Received" } th scope="col" { "Last success" }
                            th scope="col" { "Last error" } th scope="col" { "Actions" }
                        } }
                        tbody { @for p in &all { tr {
                            td { (p.name) } td { (p.kind) } td { (p.url) } td { (p.org.as_deref().unwrap_or("—")) }
                            td { @if p.paused { "paused" } @else { "active" } }
                            td { (p.sent_objects) " objects, " (p.sent_bytes) " bytes (to change " (p.cursor_out) ", " (p.lag) " behind)" }
                            td { (p.received_objects) " objects, " (p.received_bytes) " bytes" }
                            td { (when(p.last_success)) }
                            td { (p.last_error.as_deref().unwrap_or("—")) }
                            td {
                                @let (action, label) = if p.paused { ("resume", "Resume") } else { ("pause", "Pause") };
                                form.inline method="post" action={ "/admin/peers/" (p.name) "/" (action) } {
                                    (csrf_field(csrf))
                                    button type="submit" aria-label={ (label) " peer " (p.name) } { (label) }
                                }
                                form.inline method="post" action={ "/admin/peers/" (p.name) "/remove" } {
                                    (csrf_field(csrf))
                                    button type="submit" aria-label={ "Remove peer " (p.name) } { "Remove" }
                                }
                            }
                        } } }
                        }
                    }
                }
            }
            section aria-labelledby="add-peer-h" {
                h2 id="add-peer-h" { "Add a peer" }
                (errs.summary())
                form.filters method="post" action="/admin/peers" {
                    (csrf_field(csrf))
                    label { "Name (the peer hub's, as incidents' paths carry it)" input name="name" required value=(v("name", "")) aria-invalid=[invalid("name")] aria-describedby=[errs.described("name")]; }
                    (errs.beside("name"))
                    label { "URL (its TAXII 2.1 API root)" input type="url" name="url" required value=(v("url", "")) aria-invalid=[invalid("url")] aria-describedby=[errs.described("url")]; }
                    (errs.beside("url"))
                    label { "Kind" select name="kind" aria-describedby=[errs.described("kind")] {
                        option value="c5hub" selected[kind == "c5hub"] { "c5hub (native federation)" }
                        option value="taxii" selected[kind == "taxii"] { "any TAXII 2.1 server" }
                    } }
                    (errs.beside("kind"))
                    label { "Token this hub sends it" input type="password" name="token" autocomplete="off" required aria-invalid=[invalid("token")] aria-describedby=[errs.described("token")]; }
                    (errs.beside("token"))
                    label { "Pseudonym key shared with it (hex)" input type="password" name="pseudonym_key" autocomplete="off" aria-invalid=[invalid("pseudonym_key")] aria-describedby=[errs.described("pseudonym_key")]; }
                    (errs.beside("pseudonym_key"))
                    label { "Organisation standing for it here" select name="org" aria-describedby=[errs.described("org")] {
                        option value="" selected[org.is_empty()] { "(none)" }
                        @for o in &orgs { option value=(o.name) selected[o.name == org] { (o.name) } }
                    } }
                    (errs.beside("org"))
                    label { "Policy (TOML: [out] and [in]; empty: CLEAR and GREEN out, personal data as pseudonyms)"
                        textarea name="policy" rows="8" aria-invalid=[invalid("policy")] aria-describedby=[errs.described("policy")] { (v("policy", "")) }
                    }
                    (errs.beside("policy"))
                    button type="submit" { "Add peer" }
                }
            }
        },
    );
    (status, body).into_response()
}

#[derive(Clone, Deserialize)]
pub(crate) struct PeerForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    pseudonym_key: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    policy: String,
}

pub(crate) async fn add(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<PeerForm>,
) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(&caller, &p),
    };
    let g = f.clone();
    let done = match s
        .pool
        .run(move |st| {
            Ok(peers::add(
                st,
                &who,
                &Asked {
                    name: &g.name,
                    url: &g.url,
                    kind: Some(&g.kind),
                    token: &g.token,
                    policy: &g.policy,
                    pseudonym_key: Some(&g.pseudonym_key),
                    org: Some(&g.org),
                },
            ))
        })
        .await
    {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(refusal(e)),
        Err(p) => Err(Refusal::Page(p)),
    };
    match done {
        Ok(()) => Redirect::to("/admin/peers").into_response(),
        Err(Refusal::Field(field, detail)) => {
            let errs = field_errors(FIELDS, field, detail);
            // The token and key are never sent back in a page.
            let kept: HashMap<String, String> = [
                ("name", &f.name),
                ("url", &f.url),
                ("kind", &f.kind),
                ("org", &f.org),
                ("policy", &f.policy),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
            render(&s, &caller, kept, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Refusal::Page(p)) => error_page(&caller, &p),
    }
}

#[derive(Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    csrf: String,
}

/// What a button on a peer's row does.
#[derive(Clone, Copy)]
enum Action {
    Pause,
    Resume,
    Remove,
}

async fn act(s: AppState, caller: Caller, name: String, csrf: String, a: Action) -> Response {
    let run = async {
        check_csrf(&caller, &csrf)?;
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| {
                Ok(match a {
                    Action::Pause => peers::set_paused(st, &who, &name, true).map(drop),
                    Action::Resume => peers::set_paused(st, &who, &name, false).map(drop),
                    Action::Remove => peers::remove(st, &who, &name),
                })
            })
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/peers").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}

pub(crate) async fn pause(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    act(s, caller, name, f.csrf, Action::Pause).await
}

pub(crate) async fn resume(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    act(s, caller, name, f.csrf, Action::Resume).await
}

pub(crate) async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Form(f): Form<ActionForm>,
) -> Response {
    act(s, caller, name, f.csrf, Action::Remove).await
}
