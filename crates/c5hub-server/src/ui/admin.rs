//! Administration pages: organisations, users, tokens, audit log. The
//! rule of who administers what is `c5hub_hub::accounts`'s; these pages
//! call its operations and offer only the forms it would accept.

use std::collections::HashMap;

use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_model::{OrgKind, Role};
use maud::html;
use serde::Deserialize;

use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page};
use c5hub_hub::{AdminScope, accounts};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::Problem;

pub(crate) async fn overview(State(s): State<AppState>, caller: Caller) -> Response {
    render(&s, &caller, None, None).await
}

/// An administration form the hub refused: which form (`org`, `user`,
/// `token`, or `user:<email>` for a user's row), what was typed, and the
/// messages for its fields. The page is shown again with them in place.
struct Refused {
    form: String,
    values: HashMap<&'static str, String>,
    errors: FieldErrors,
    status: StatusCode,
}

/// What a field is called on the page, for the messages.
fn label(field: &str) -> &'static str {
    match field {
        "name" => "Name",
        "type" => "Type",
        "email" => "Email",
        "org" => "Organisation",
        "role" => "Role",
        "password" => "Password",
        "label" => "Label",
        "days" => "Valid for days",
        _ => "",
    }
}

impl Refused {
    /// Maps a refusal of form `form` to its fields, or `None` when it is
    /// no fault of the input (not allowed, not found, the hub failing):
    /// those keep their own page. The hub names some fields (`/password`,
    /// `role`); the store's words name the rest (an email, a password, an
    /// organisation), and what names none goes beside the form's first
    /// field.
    fn of(form: String, values: &[(&'static str, &str)], p: &Problem) -> Option<Refused> {
        let has = |f: &str| values.iter().any(|(k, _)| *k == f);
        let main = values.first().map_or("", |(k, _)| *k);
        let value = |f: &str| {
            values
                .iter()
                .find(|(k, _)| *k == f)
                .map_or("", |(_, v)| v.trim())
        };
        // An organisation that does not exist, named in a form: the
        // form's fault, not a page that is missing.
        let unknown_org = p.status == StatusCode::NOT_FOUND
            && p.detail.starts_with("organisation ")
            && has("org");
        if !unknown_org
            && !matches!(
                p.status,
                StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
            )
        {
            return None;
        }
        let by_words = |detail: &str| -> &'static str {
            let d = detail.to_ascii_lowercase();
            let f = if d.contains("email") || d.starts_with("user ") {
                "email"
            } else if d.contains("password") {
                "password"
            } else if d.starts_with("organisation") {
                if has("org") { "org" } else { "name" }
            } else {
                main
            };
            if has(f) { f } else { main }
        };
        let said = |field: &str, detail: &str| -> String {
            let detail = super::forms::plain(detail);
            let why = if unknown_org && field == "org" {
                format!("there is no organisation {}", value("org"))
            } else if p.status == StatusCode::CONFLICT {
                match field {
                    "name" => format!(
                        "{} is taken: there is already an organisation of that name",
                        value("name")
                    ),
                    "email" => format!(
                        "{} is taken: there is already a user with that address",
                        value("email")
                    ),
                    _ => detail,
                }
            } else {
                detail
            };
            match label(field) {
                "" => why,
                l => format!("{l}: {why}"),
            }
        };
        let mut errors = FieldErrors::default();
        for e in &p.errors {
            let at = e.at.trim_start_matches('/');
            let field = if has(at) {
                values
                    .iter()
                    .map(|(k, _)| *k)
                    .find(|k| *k == at)
                    .unwrap_or(main)
            } else {
                by_words(&e.detail)
            };
            errors.add(field, said(field, &e.detail));
        }
        if errors.is_empty() {
            let field = by_words(&p.detail);
            errors.add(field, said(field, &p.detail));
        }
        Some(Refused {
            form,
            // A password is never sent back in a page.
            values: values
                .iter()
                .filter(|(k, _)| *k != "password")
                .map(|(k, v)| (*k, (*v).to_owned()))
                .collect(),
            errors,
            status: if unknown_org {
                StatusCode::UNPROCESSABLE_ENTITY
            } else {
                p.status
            },
        })
    }
}

/// After an administration form: back to the page, or the page again with
/// the form as it was sent and the messages beside its fields.
async fn back_to_admin(
    s: &AppState,
    caller: &Caller,
    done: Result<(), Problem>,
    form: String,
    values: &[(&'static str, &str)],
) -> Response {
    match done {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(p) => match Refused::of(form, values, &p) {
            Some(r) => render(s, caller, None, Some(r)).await,
            None => error_page(caller, &p),
        },
    }
}

async fn render(
    s: &AppState,
    caller: &Caller,
    new_token: Option<(i64, String)>,
    refused: Option<Refused>,
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(caller, &p),
    };
    let Some(scope) = who.admin_scope() else {
        return error_page(caller, &Problem::forbidden("only admins may administer"));
    };
    let got = s
        .pool
        .run(move |st| {
            Ok((|| {
                Ok::<_, c5hub_hub::Error>((
                    accounts::orgs(st)?,
                    accounts::users(st, &who)?,
                    accounts::tokens(st, &who)?,
                ))
            })())
        })
        .await;
    let (orgs, users, tokens) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(caller, &e.into()),
        Err(p) => return error_page(caller, &p),
    };
    let hub = scope == AdminScope::Hub;
    // The forms offer only what the rule allows: a member's admin adds
    // users and tokens to its own organisation, with roles up to its own.
    let own: Vec<&str> = orgs
        .iter()
        .map(|o| o.name.as_str())
        .filter(|o| scope.covers(o))
        .collect();
    let grantable: Vec<Role> = match caller.principal.as_ref() {
        Some(p) if !hub => Role::ALL
            .into_iter()
            .filter(|r| p.role.includes(*r))
            .collect(),
        _ => Role::ALL.to_vec(),
    };
    let csrf = caller.csrf();
    let ctx = Page::of(caller, "Administration", "admin");
    let none = FieldErrors::default();
    let status = refused.as_ref().map_or(StatusCode::OK, |r| r.status);
    // The messages of form `form`, if it is the one refused.
    let errs = |form: &str| -> &FieldErrors {
        refused
            .as_ref()
            .filter(|r| r.form == form)
            .map_or(&none, |r| &r.errors)
    };
    // What the refused form held, else `now`.
    let kept = |form: &str, field: &str, now: &str| -> String {
        refused
            .as_ref()
            .filter(|r| r.form == form)
            .and_then(|r| r.values.get(field).cloned())
            .unwrap_or_else(|| now.to_owned())
    };
    let (eo, eu, et) = (errs("org"), errs("user"), errs("token"));
    let user_role = kept("user", "role", Role::Analyst.as_str());
    let user_org = kept("user", "org", "");
    let token_role = kept("token", "role", Role::Reporter.as_str());
    let token_org = kept("token", "org", "");
    let org_kind = kept("org", "type", "");
    let body = page(
        &ctx,
        html! {
            h1 { "Administration" }
            @if let Some((id, secret)) = &new_token {
                div.notice role="status" {
                    p { "Token " (id) " made. Copy it now: it is shown only once." }
                    p.secret id="new-token" { (secret) }
                }
            }
            @if !hub {
                p { "You administer the accounts of " strong { (own.join(", ")) } " only: the hub's organisations and other members' accounts are the hub operator's." }
            }
            p { a href="/admin/audit" { "Audit log" } " · " a href="/api/v1/audit?format=csv" { "export it as CSV" } " · " a href="/admin/webhooks" { "Webhooks" } @if hub { " · " a href="/admin/feeds" { "Feeds" } " · " a href="/admin/peers" { "Peers" } } }
            section aria-labelledby="orgs-h" {
                h2 id="orgs-h" { "Organisations (" (orgs.len()) ")" }
                div.scroll tabindex="0" role="region" aria-label="Organisations" {
                    table { thead { tr { th scope="col" { "Name" } th scope="col" { "Type" } th scope="col" { "Added" } } }
                        tbody { @for o in &orgs { tr { td { (o.name) } td { (o.kind.label()) } td { (o.created_at.format("%Y-%m-%d")) } } } } }
                }
                @if hub {
                    (eo.summary())
                    form.filters method="post" action="/admin/orgs" {
                        (csrf_field(csrf))
                        label { "Name" input name="name" required pattern="[A-Za-z0-9._-]{1,64}" value=(kept("org", "name", "")) aria-invalid=[eo.described("name").map(|_| "true")] aria-describedby=[eo.described("name")]; }
                        (eo.beside("name"))
                        label { "Type" select name="type" aria-describedby=[eo.described("type")] { @for k in OrgKind::ALL { option value=(k.as_str()) selected[k.as_str() == org_kind] { (k.label()) } } } }
                        (eo.beside("type"))
                        button type="submit" { "Add organisation" }
                    }
                }
            }
            section aria-labelledby="users-h" {
                h2 id="users-h" { "Users (" (users.len()) ")" }
                div.scroll tabindex="0" role="region" aria-label="Users" {
                    table { thead { tr { th scope="col" { "Email" } th scope="col" { "Organisation" } th scope="col" { "Role" } th scope="col" { "Password" } th scope="col" { "State" } th scope="col" { "Change" } } }
                        tbody { @for u in &users { tr {
                            td { (u.email) } td { (u.org) } td { (u.role.as_str()) } td { @if u.has_password { "set" } @else { "none (token only)" } } td { @if u.disabled { "disabled" } @else { "active" } }
                            td {
                                @let row = format!("user:{}", u.email);
                                @let er = errs(&row);
                                @let row_role = kept(&row, "role", u.role.as_str());
                                // Offered only for what the rule lets this admin
                                // grant; the operation checks again.
                                @if grantable.contains(&u.role) {
                                    (er.beside(""))
                                    form.inline method="post" action={ "/admin/users/" (u.email) } {
                                        (csrf_field(csrf))
                                        input type="hidden" name="action" value="role";
                                        select name="role" aria-label={ "Role of " (u.email) } aria-describedby=[er.described("role")] { @for r in &grantable { option value=(r.as_str()) selected[r.as_str() == row_role] { (r.as_str()) } } }
                                        button type="submit" aria-label={ "Set the role of " (u.email) } { "Set role" }
                                        (er.beside("role"))
                                    }
                                    form.inline method="post" action={ "/admin/users/" (u.email) } {
                                        (csrf_field(csrf))
                                        input type="hidden" name="action" value="password";
                                        input type="password" name="password" minlength="12" required autocomplete="new-password" placeholder="new password" aria-label={ "New password for " (u.email) } aria-invalid=[er.described("password").map(|_| "true")] aria-describedby=[er.described("password")];
                                        button type="submit" aria-label={ "Reset the password of " (u.email) } { "Reset password" }
                                        (er.beside("password"))
                                    }
                                    form.inline method="post" action={ "/admin/users/" (u.email) } {
                                        (csrf_field(csrf))
                                        @if u.disabled {
                                            input type="hidden" name="action" value="enable";
                                            button type="submit" aria-label={ "Enable " (u.email) } { "Enable" }
                                        } @else {
                                            input type="hidden" name="action" value="disable";
                                            button type="submit" aria-label={ "Disable " (u.email) } { "Disable" }
                                        }
                                    }
                                }
                            }
                        } } } }
                }
                (eu.summary())
                form.filters method="post" action="/admin/users" {
                    (csrf_field(csrf))
                    label { "Email" input type="email" name="email" required value=(kept("user", "email", "")) aria-invalid=[eu.described("email").map(|_| "true")] aria-describedby=[eu.described("email")]; }
                    (eu.beside("email"))
                    label { "Organisation" select name="org" aria-describedby=[eu.described("org")] { @for o in &own { option value=(o) selected[*o == user_org] { (o) } } } }
                    (eu.beside("org"))
                    label { "Role" select name="role" aria-describedby=[eu.described("role")] { @for r in &grantable { option value=(r.as_str()) selected[r.as_str() == user_role] { (r.as_str()) } } } }
                    (eu.beside("role"))
                    label { "Password (12+ characters)" input type="password" name="password" minlength="12" autocomplete="new-password" aria-invalid=[eu.described("password").map(|_| "true")] aria-describedby=[eu.described("password")]; }
                    (eu.beside("password"))
                    button type="submit" { "Add user" }
                }
            }
            section aria-labelledby="tokens-h" {
                h2 id="tokens-h" { "API tokens (" (tokens.len()) ")" }
                div.scroll tabindex="0" role="region" aria-label="API tokens" {
                    table { thead { tr { th scope="col" { "Id" } th scope="col" { "Organisation" } th scope="col" { "Role" } th scope="col" { "Label" } th scope="col" { "Expires" } th scope="col" { "Last used" } th scope="col" { "State" } } }
                        tbody { @for t in &tokens { tr {
                            td { (t.id) } td { (t.org) } td { (t.role.as_str()) } td { (t.label.as_deref().unwrap_or_default()) }
                            td { (t.expires_at.map(|e| e.to_rfc3339()).unwrap_or_else(|| "never".into())) }
                            td { (t.last_used_at.map(|e| e.to_rfc3339()).unwrap_or_else(|| "never".into())) }
                            td { @if t.revoked_at.is_some() { "revoked" } @else {
                                form.inline method="post" action={ "/admin/tokens/" (t.id) "/revoke" } { (csrf_field(csrf)) button type="submit" aria-label={ "Revoke token " (t.id) } { "Revoke" } }
                            } }
                        } } } }
                }
                (et.summary())
                form.filters method="post" action="/admin/tokens" {
                    (csrf_field(csrf))
                    label { "Organisation" select name="org" aria-describedby=[et.described("org")] { @for o in &own { option value=(o) selected[*o == token_org] { (o) } } } }
                    (et.beside("org"))
                    label { "Role" select name="role" aria-describedby=[et.described("role")] { @for r in &grantable { option value=(r.as_str()) selected[r.as_str() == token_role] { (r.as_str()) } } } }
                    (et.beside("role"))
                    label { "Label" input name="label" value=(kept("token", "label", "")) aria-describedby=[et.described("label")]; }
                    (et.beside("label"))
                    label { "Valid for days (empty: no expiry)" input type="number" name="days" min="1" max="3650" value=(kept("token", "days", "")) aria-invalid=[et.described("days").map(|_| "true")] aria-describedby=[et.described("days")]; }
                    (et.beside("days"))
                    button type="submit" { "Make token" }
                }
            }
        },
    );
    (status, body).into_response()
}

#[derive(Deserialize)]
pub(crate) struct OrgForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(rename = "type", default)]
    kind: String,
}

pub(crate) async fn add_org(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<OrgForm>,
) -> Response {
    let run = async {
        check_csrf(&caller, &f.csrf)?;
        let who = caller.authority(&s.config.org)?;
        let kind: OrgKind = f
            .kind
            .parse()
            .map_err(|e: c5hub_model::Error| Problem::invalid("type", e.to_string()))?;
        let name = f.name.clone();
        s.pool
            .run(move |st| Ok(accounts::add_org(st, &who, &name, kind)))
            .await??;
        Ok::<_, Problem>(())
    };
    let done = run.await;
    let values = [("name", f.name.as_str()), ("type", f.kind.as_str())];
    back_to_admin(&s, &caller, done, "org".to_owned(), &values).await
}

#[derive(Deserialize)]
pub(crate) struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn add_user(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<UserForm>,
) -> Response {
    let run = async {
        check_csrf(&caller, &f.csrf)?;
        let who = caller.authority(&s.config.org)?;
        let role: Role = f
            .role
            .parse()
            .map_err(|e: c5hub_model::Error| Problem::invalid("role", e.to_string()))?;
        let new = accounts::NewUser {
            email: f.email.clone(),
            org: f.org.clone(),
            role,
            password: Some(f.password.clone()).filter(|x| !x.is_empty()),
        };
        s.pool
            .run(move |st| Ok(accounts::add_user(st, &who, &new)))
            .await??;
        Ok::<_, Problem>(())
    };
    let done = run.await;
    let values = [
        ("email", f.email.as_str()),
        ("org", f.org.as_str()),
        ("role", f.role.as_str()),
        ("password", f.password.as_str()),
    ];
    back_to_admin(&s, &caller, done, "user".to_owned(), &values).await
}

#[derive(Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    days: String,
}

pub(crate) async fn create_token(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<TokenForm>,
) -> Response {
    let run = async {
        check_csrf(&caller, &f.csrf)?;
        let who = caller.authority(&s.config.org)?;
        let role: Role = f
            .role
            .parse()
            .map_err(|e: c5hub_model::Error| Problem::invalid("role", e.to_string()))?;
        let expires_at = match f.days.trim() {
            "" => None,
            d => Some(
                chrono::Utc::now()
                    + chrono::Duration::days(
                        d.parse::<i64>()
                            .ok()
                            .filter(|d| (1..=3650).contains(d))
                            .ok_or_else(|| {
                                Problem::invalid("days", "a number of days from 1 to 3650")
                            })?,
                    ),
            ),
        };
        let new = accounts::NewToken {
            org: f.org.clone(),
            role,
            user: None,
            label: Some(f.label.trim().to_owned()).filter(|l| !l.is_empty()),
            expires_at,
        };
        let (info, secret) = s
            .pool
            .run(move |st| Ok(accounts::create_token(st, &who, &new)))
            .await??;
        Ok::<_, Problem>((info.id, secret))
    };
    let values = [
        ("org", f.org.as_str()),
        ("role", f.role.as_str()),
        ("label", f.label.as_str()),
        ("days", f.days.as_str()),
    ];
    match run.await {
        Ok(t) => render(&s, &caller, Some(t), None).await,
        Err(p) => match Refused::of("token".to_owned(), &values, &p) {
            Some(r) => render(&s, &caller, None, Some(r)).await,
            None => error_page(&caller, &p),
        },
    }
}

#[derive(Deserialize)]
pub(crate) struct UserChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn change_user(
    State(s): State<AppState>,
    caller: Caller,
    Path(email): Path<String>,
    Form(f): Form<UserChangeForm>,
) -> Response {
    let run = async {
        check_csrf(&caller, &f.csrf)?;
        let who = caller.authority(&s.config.org)?;
        let action = f.action.clone();
        let role: Option<Role> = match action.as_str() {
            "role" => Some(
                f.role
                    .parse()
                    .map_err(|e: c5hub_model::Error| Problem::invalid("role", e.to_string()))?,
            ),
            "password" | "disable" | "enable" => None,
            other => {
                return Err(Problem::invalid(
                    "action",
                    format!("{other:?}: use role, password, disable or enable"),
                ));
            }
        };
        let (email, password) = (email.clone(), f.password.clone());
        s.pool
            .run(move |st| {
                Ok(match (action.as_str(), role) {
                    (_, Some(r)) => accounts::set_user_role(st, &who, &email, r),
                    ("password", _) => accounts::reset_password(st, &who, &email, &password),
                    (a, _) => accounts::set_user_disabled(st, &who, &email, a == "disable"),
                })
            })
            .await??;
        Ok::<_, Problem>(())
    };
    let result = run.await;
    s.tokens.clear();
    // The row's forms each send one field; its message goes beside it.
    let values: Vec<(&'static str, &str)> = match f.action.as_str() {
        "role" => vec![("role", f.role.as_str())],
        "password" => vec![("password", f.password.as_str())],
        _ => vec![("", "")],
    };
    back_to_admin(&s, &caller, result, format!("user:{email}"), &values).await
}

#[derive(Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    /// `1` once the admin has confirmed on the page this handler shows.
    #[serde(default)]
    confirm: String,
}

/// Asks before revoking: a token revoked by a stray click stops every
/// script using it. Without script, the first post shows this page and
/// its button posts again with `confirm=1`.
async fn confirm_revoke(s: &AppState, caller: &Caller, id: i64) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(caller, &p),
    };
    let token = s
        .pool
        .run(move |st| Ok(accounts::tokens(st, &who)))
        .await
        .and_then(|r| r.map_err(Problem::from))
        .map(|ts| {
            ts.into_iter()
                .find(|t| t.id == id && t.revoked_at.is_none())
        });
    let t = match token {
        Ok(Some(t)) => t,
        Ok(None) => {
            return error_page(
                caller,
                &Problem::not_found(format!("token {id} (or already revoked)")),
            );
        }
        Err(p) => return error_page(caller, &p),
    };
    let ctx = Page::of(caller, "Revoke a token?", "admin");
    page(&ctx, html! {
        h1 { "Revoke token " (t.id) "?" }
        p { "Token " (t.id) " of " strong { (t.org) } " (" (t.role.as_str()) ")"
            @if let Some(l) = &t.label { ", “" (l) "”" }
            @if let Some(u) = &t.user { ", of " (u) }
            ". Whoever uses it — scripts, firewalls, people logged in with it — is refused from now on. This cannot be undone." }
        form.inline method="post" action={ "/admin/tokens/" (t.id) "/revoke" } {
            (csrf_field(caller.csrf()))
            input type="hidden" name="confirm" value="1";
            button type="submit" aria-label={ "Revoke token " (t.id) } { "Revoke token " (t.id) }
        }
        " "
        a href="/admin" { "Cancel" }
    })
    .into_response()
}

pub(crate) async fn revoke_token(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<ConfirmForm>,
) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    if f.confirm != "1" {
        return confirm_revoke(&s, &caller, id).await;
    }
    let run = async {
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(accounts::revoke_token(st, &who, id)))
            .await??;
        Ok::<_, Problem>(())
    };
    let result = run.await;
    s.tokens.clear();
    match result {
        Ok(()) => Redirect::to("/admin").into_response(),
        Err(p) => error_page(&caller, &p),
    }
}

pub(crate) async fn audit(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(p) => return error_page(&caller, &p),
    };
    let before = q.get("cursor").and_then(|c| c.parse::<i64>().ok());
    let rows = match s
        .pool
        .run(move |st| Ok(accounts::audit_log(st, &who, before, 200)))
        .await
    {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return error_page(&caller, &e.into()),
        Err(p) => return error_page(&caller, &p),
    };
    let ctx = Page::of(&caller, "Audit log", "admin");
    page(&ctx, html! {
        h1 { "Audit log" }
        p { a href="/api/v1/audit?format=csv&limit=10000" { "Export as CSV" } }
        div.scroll tabindex="0" role="region" aria-label="Audit log" {
            table {
                thead { tr { th scope="col" { "When" } th scope="col" { "Who" } th scope="col" { "Organisation" } th scope="col" { "Action" } th scope="col" { "Target" } th scope="col" { "Detail" } } }
                tbody { @for a in &rows { tr { td { (a.at.to_rfc3339()) } td { (a.actor) } td { (a.org.as_deref().unwrap_or_default()) } td { (a.action) } td { (a.target.as_deref().unwrap_or_default()) } td { (a.detail.as_deref().unwrap_or_default()) } } } }
            }
        }
        @if rows.len() == 200 { @if let Some(last) = rows.last() { p { a href={ "/admin/audit?cursor=" (last.id) } { "Older" } } } }
    })
    .into_response()
}
