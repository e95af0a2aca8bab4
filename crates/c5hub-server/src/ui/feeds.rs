//! The feeds page (/admin/feeds): every polled feed with its state, and
//! the forms to add and remove one. Who may is `c5hub_hub::feeds`'s rule
//! (the hub operator's admins); a refused form comes back as typed, but
//! for its password and token, with the hub's message beside the field.

use std::collections::HashMap;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::feeds::{self, Asked};
use chrono::{DateTime, Utc};
use maud::html;
use serde::Deserialize;

use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

/// The fields of the add form, in the order they are shown.
const FIELDS: &[(&str, &str)] = &[
    ("kind", "Kind"),
    ("url", "URL"),
    ("collection", "Collection"),
    ("user", "User"),
    ("password", "Password"),
    ("token", "Token"),
    ("every", "Every"),
    ("as", "Organisation"),
    ("tlp", "TLP"),
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

/// A time for the admin tables, or "never".
pub(super) fn when(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "never".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string(),
    )
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
                Ok::<_, c5hub_hub::Error>((feeds::list(st, &who)?, c5hub_hub::accounts::orgs(st)?))
            })())
        })
        .await;
    let (all, orgs) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(caller, &e.into()),
        Err(p) => return error_page(caller, &p),
    };
    let v = |f: &str, d: &str| kept.get(f).cloned().unwrap_or_else(|| d.to_owned());
    let kind = v("kind", "taxii");
    let tlp = v("tlp", "amber");
    let as_org = v("as", &s.config.org);
    let csrf = caller.csrf();
    let ctx = Page::of(caller, "Feeds", "admin");
    let invalid = |f: &str| errs.described(f).map(|_| "true");
    let body = page(
        &ctx,
        html! {
            h1 { "Feeds" }
            p { a href="/admin" { "Administration" } " · the TAXII 2.1 collections and MISP feeds this hub polls. Their incidents are stored as the feed's organisation; a password or token is kept for the poller and never shown." }
            section aria-labelledby="feeds-h" {
                h2 id="feeds-h" { "Feeds (" (all.len()) ")" }
                @if all.is_empty() {
                    p { "No feeds yet." }
                } @else {
                    div.scroll tabindex="0" role="region" aria-label="Feeds" {
                        table { thead { tr {
                            th scope="col" { "Id" } th scope="col" { "Kind" } th scope="col" { "URL" } th scope="col" { "Collection" }
                            th scope="col" { "Organisation" } th scope="col" { "TLP" } th scope="col" { "Every" } th scope="col" { "Last success" }
                            th scope="col" { "Last error" } th scope="col" { "Objects" } th scope="col" { "Next due" } th scope="col" { "Remove" }
                        } }
                        tbody { @for f in &all { tr {
                            td { (f.id) } td { (f.kind) } td { (f.url) } td { @if f.collection.is_empty() { "—" } @else { (f.collection) } }
                            td { (f.as_org) } td { (f.tlp) } td { (f.every_s) "s" } td { (when(f.last_success)) }
                            td { @match &f.last_error { Some(e) => { (e) " (" (f.failures) " in a row)" }, None => "—" } }
                            td { (f.objects_total) } td { (when(Some(f.next_due))) }
                            td { form.inline method="post" action={ "/admin/feeds/" (f.id) "/remove" } {
                                (csrf_field(csrf))
                                button type="submit" aria-label={ "Remove feed " (f.id) } { "Remove" }
                            } }
                        } } }
                        }
                    }
                }
            }
            section aria-labelledby="add-feed-h" {
                h2 id="add-feed-h" { "Add a feed" }
                (errs.summary())
                form.filters method="post" action="/admin/feeds" {
                    (csrf_field(csrf))
                    label { "Kind" select name="kind" aria-describedby=[errs.described("kind")] {
                        option value="taxii" selected[kind == "taxii"] { "TAXII 2.1 collection" }
                        option value="misp" selected[kind == "misp"] { "MISP feed" }
                    } }
                    (errs.beside("kind"))
                    label { "URL (TAXII API root, or where a MISP feed's manifest.json is)" input type="url" name="url" required value=(v("url", "")) aria-invalid=[invalid("url")] aria-describedby=[errs.described("url")]; }
                    (errs.beside("url"))
                    label { "Collection (TAXII only)" input name="collection" value=(v("collection", "")) aria-invalid=[invalid("collection")] aria-describedby=[errs.described("collection")]; }
                    (errs.beside("collection"))
                    label { "User (HTTP Basic)" input name="user" autocomplete="off" value=(v("user", "")) aria-invalid=[invalid("user")] aria-describedby=[errs.described("user")]; }
                    (errs.beside("user"))
                    label { "Password" input type="password" name="password" autocomplete="new-password" aria-invalid=[invalid("password")] aria-describedby=[errs.described("password")]; }
                    (errs.beside("password"))
                    label { "Or a bearer token" input type="password" name="token" autocomplete="off" aria-invalid=[invalid("token")] aria-describedby=[errs.described("token")]; }
                    (errs.beside("token"))
                    label { "Every (30s, 15m, 2h, 1d)" input name="every" required value=(v("every", "15m")) aria-invalid=[invalid("every")] aria-describedby=[errs.described("every")]; }
                    (errs.beside("every"))
                    label { "Organisation" select name="as" aria-describedby=[errs.described("as")] {
                        @for o in &orgs { option value=(o.name) selected[o.name == as_org] { (o.name) } }
                    } }
                    (errs.beside("as"))
                    label { "TLP of objects without one" select name="tlp" aria-describedby=[errs.described("tlp")] {
                        @for t in ["clear", "green", "amber", "amber+strict", "red"] { option value=(t) selected[t == tlp] { (t) } }
                    } }
                    (errs.beside("tlp"))
                    button type="submit" { "Add feed" }
                }
            }
        },
    );
    (status, body).into_response()
}

#[derive(Deserialize)]
pub(crate) struct FeedForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    collection: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    every: String,
    #[serde(default, rename = "as")]
    as_org: String,
    #[serde(default)]
    tlp: String,
}

pub(crate) async fn add(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<FeedForm>,
) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(&caller, &p),
    };
    let asked = Asked {
        kind: &f.kind,
        url: &f.url,
        collection: Some(&f.collection),
        user: Some(&f.user),
        password: Some(&f.password),
        token: Some(&f.token),
        every: Some(&f.every),
        as_org: Some(&f.as_org),
        tlp: Some(&f.tlp),
    };
    let done = match asked.request() {
        Ok(r) => match s.pool.run(move |st| Ok(feeds::add(st, &who, &r))).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) => Err(refusal(e)),
            Err(p) => Err(Refusal::Page(p)),
        },
        Err(e) => Err(refusal(e)),
    };
    match done {
        Ok(()) => Redirect::to("/admin/feeds").into_response(),
        Err(Refusal::Field(field, detail)) => {
            let field = if field == "secret" { "password" } else { field };
            let errs = field_errors(FIELDS, field, detail);
            // Secrets are never sent back in a page.
            let kept: HashMap<String, String> = [
                ("kind", &f.kind),
                ("url", &f.url),
                ("collection", &f.collection),
                ("user", &f.user),
                ("every", &f.every),
                ("as", &f.as_org),
                ("tlp", &f.tlp),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.clone()))
            .collect();
            render(&s, &caller, kept, errs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(Refusal::Page(p)) => error_page(&caller, &p),
    }
}

/// The hub's refusal of `field` as the form shows it: beside the field
/// with its label when the form has it (`fields`: name and label), above
/// the form otherwise.
pub(super) fn field_errors(
    fields: &[(&str, &str)],
    field: &'static str,
    detail: String,
) -> FieldErrors {
    let label = fields.iter().find(|(k, _)| *k == field).map(|(_, l)| *l);
    let mut errs = FieldErrors::default();
    match label {
        Some(l) => errs.add(field, format!("{l}: {detail}")),
        None => errs.add("", detail),
    }
    errs
}

/// Why a form was refused: a field's fault (shown beside it), or not the
/// input's (not allowed, the hub failing: their own page).
pub(super) enum Refusal {
    Field(&'static str, String),
    Page(Problem),
}

pub(super) fn refusal(e: c5hub_hub::Error) -> Refusal {
    match e {
        c5hub_hub::Error::Invalid { field, detail } => Refusal::Field(field, detail),
        other => Refusal::Page(other.into()),
    }
}

#[derive(Deserialize)]
pub(crate) struct RemoveForm {
    #[serde(default)]
    csrf: String,
}

pub(crate) async fn remove(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<RemoveForm>,
) -> Response {
    let run = async {
        check_csrf(&caller, &f.csrf)?;
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(feeds::remove(st, &who, id)))
            .await??;
        Ok::<_, Problem>(())
    };
    match run.await {
        Ok(()) => Redirect::to("/admin/feeds").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}
