//! National assessment pages: editions, a country's questionnaire with its
//! evidence, submission and validation, and an edition's results with
//! tiers, stability and regions. Who may do what is `crate::assess`'s rule.
//!
//! The questionnaire is one multipart form: every answer, evidence link,
//! note and document of the page is checked against the methodology before
//! anything is stored, and a form with a mistake comes back with what the
//! user typed and the mistake beside its question.

use std::collections::{BTreeMap, HashMap};

use axum::body::Body;
use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_assess::methodology::{AnswerKind, normalise_option};
use c5hub_assess::{Flag, Methodology, Provenance, Region, report, scoring};
use c5hub_store::{
    AnswerInput, Decision, Edition, EvidenceInfo, MAX_EVIDENCE_BYTES, NewEdition, NewEvidence,
    Response as Resp, ResponseStatus, StoredAnswer,
};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;

use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page, not_found_for};
use crate::AppState;
use crate::assess::{authority, run};
use crate::auth::Caller;
use crate::problem::Problem;
use c5hub_hub::assess::{self as ops, Results};

fn status_label(s: ResponseStatus) -> &'static str {
    match s {
        ResponseStatus::Draft => "Draft",
        ResponseStatus::Submitted => "Submitted for validation",
        ResponseStatus::Validated => "Validated",
        ResponseStatus::Returned => "Returned to the country",
    }
}

fn status_badge(s: ResponseStatus) -> Markup {
    html! { span class={ "status status-" (s.as_str()) } { (status_label(s)) } }
}

// ---------------------------------------------------------------- editions

/// What the new-edition form holds, to show it again with its error.
#[derive(Deserialize, Default, Clone)]
pub(crate) struct EditionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    methodology: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
}

pub(crate) async fn editions(State(s): State<AppState>, caller: Caller) -> Response {
    render_editions(
        &s,
        &caller,
        &EditionForm::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// A refusal of an edition page's form, by field: the hub names some
/// (`second_validator`); the store's words name the rest (its messages
/// begin with or hold the field: "year 1800 is not ...", "country ... is
/// not", "organisation x"), and what names none goes beside `main`.
/// `fields` are (field, label, words that name it). `None` when the
/// refusal is not the input's fault (not allowed, the hub failing).
fn refusal(
    p: &Problem,
    fields: &[(&'static str, &'static str, &[&str])],
    main: &'static str,
) -> Option<(FieldErrors, StatusCode)> {
    let unknown_org = p.status == StatusCode::NOT_FOUND && p.detail.starts_with("organisation ");
    if !unknown_org
        && !matches!(
            p.status,
            StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
        )
    {
        return None;
    }
    let field_of = |at: &str, detail: &str| -> (&'static str, &'static str) {
        let d = detail.to_ascii_lowercase();
        fields
            .iter()
            .find(|(f, _, _)| *f == at.trim_start_matches('/'))
            .or_else(|| {
                fields
                    .iter()
                    .find(|(_, _, words)| words.iter().any(|w| d.contains(w)))
            })
            .or_else(|| fields.iter().find(|(f, _, _)| *f == main))
            .map_or(("", ""), |(f, l, _)| (*f, *l))
    };
    let mut errs = FieldErrors::default();
    let mut add = |at: &str, detail: &str| {
        let (field, label) = field_of(at, detail);
        let detail = super::forms::plain(detail);
        let why = if unknown_org {
            format!("there is no {detail}")
        } else if p.status == StatusCode::CONFLICT && detail.starts_with("an ") {
            format!("there is already {detail}")
        } else {
            detail
        };
        errs.add(
            field,
            if label.is_empty() {
                why
            } else {
                format!("{label}: {why}")
            },
        );
    };
    for e in &p.errors {
        add(&e.at, &e.detail);
    }
    if p.errors.is_empty() {
        add("", &p.detail);
    }
    let status = if unknown_org {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        p.status
    };
    Some((errs, status))
}

async fn render_editions(
    s: &AppState,
    caller: &Caller,
    form: &EditionForm,
    errs: &FieldErrors,
    status: StatusCode,
) -> Response {
    let p = match caller.member() {
        Ok(p) => p.clone(),
        Err(e) => return error_page(caller, &e),
    };
    let eds = match run(s, &p, |who, st| ops::editions(st, who)).await {
        Ok(e) => e,
        Err(e) => return error_page(caller, &e),
    };
    let operator = ops::runs_assessment(&authority(s, &p));
    let ctx = Page::of(caller, "National assessment", "assess");
    let body = page(
        &ctx,
        html! {
            h1 { "National assessment" }
            p { "Editions of the national cybersecurity assessment. Results are shown as tiers, not ranks." }
            @if eds.is_empty() {
                p.muted { "No edition has been opened yet." }
            } @else {
                div.scroll tabindex="0" role="region" aria-label="Editions" {
                    table {
                        caption { "Editions" }
                        thead { tr { th scope="col" { "Edition" } th scope="col" { "Year" } th scope="col" { "Methodology" } th scope="col" { "State" } th scope="col" { "Results" } } }
                        tbody { @for e in &eds { tr {
                            td { a href={ "/assess/editions/" (e.id) } { (e.title) } }
                            td { (e.year) }
                            td { code { (e.methodology) "@" (e.methodology_version) } }
                            td { @if e.open { "open" } @else { "closed" } }
                            td { a href={ "/assess/editions/" (e.id) "/results" } aria-label={ "Results of " (e.title) } { "Results" } }
                        } } }
                    }
                }
            }
            @if operator {
                section aria-labelledby="new-edition-h" {
                    h2 id="new-edition-h" { "Open an edition" }
                    (errs.summary())
                    form.filters method="post" action="/assess/editions" {
                        (csrf_field(caller.csrf()))
                        label { "Methodology" select name="methodology" aria-describedby=[errs.described("methodology")] {
                            @for name in c5hub_assess::methodology::builtin_names() {
                                option value=(name) selected[form.methodology == name] { (name) }
                            }
                        } }
                        (errs.beside("methodology"))
                        label { "Year" input type="number" name="year" min="1990" max="2100" required value=(form.year) aria-invalid=[errs.described("year").map(|_| "true")] aria-describedby=[errs.described("year")]; }
                        (errs.beside("year"))
                        label { "Title" input name="title" required maxlength="500" value=(form.title) aria-invalid=[errs.described("title").map(|_| "true")] aria-describedby=[errs.described("title")]; }
                        (errs.beside("title"))
                        button type="submit" { "Open edition" }
                    }
                }
            }
        },
    );
    (status, body).into_response()
}

/// The caller, after the form's CSRF check, if they are an admin of the
/// hub's own organisation (who runs editions); otherwise why not, naming
/// what they tried to do.
fn hub_admin(
    s: &AppState,
    caller: &Caller,
    csrf: &str,
    what: &str,
) -> Result<c5hub_store::Principal, Problem> {
    check_csrf(caller, csrf)?;
    let p = caller.member()?;
    // Refused before the form is read further; the operation checks again.
    if !ops::runs_assessment(&authority(s, p)) {
        return Err(Problem::forbidden(format!(
            "only the hub operator's admins {what}"
        )));
    }
    Ok(p.clone())
}

pub(crate) async fn add_edition(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<EditionForm>,
) -> Response {
    let p = match hub_admin(&s, &caller, &f.csrf, "open editions") {
        Ok(p) => p,
        Err(e) => return error_page(&caller, &e),
    };
    let mut errs = FieldErrors::default();
    let m = Methodology::builtin(f.methodology.trim())
        .map_err(|e| errs.add("methodology", format!("Methodology: {e}")))
        .ok();
    let year = f
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (1990..=2100).contains(y));
    if year.is_none() {
        errs.add(
            "year",
            format!("Year: {} is not a year from 1990 to 2100", f.year.trim()),
        );
    }
    if f.title.trim().is_empty() {
        errs.add("title", "Title: an edition needs a title");
    }
    let (Some(m), Some(year), true) = (m, year, errs.is_empty()) else {
        return render_editions(&s, &caller, &f, &errs, StatusCode::BAD_REQUEST).await;
    };
    let title = f.title.trim().to_owned();
    let got = run(&s, &p, move |who, st| {
        ops::add_edition(
            st,
            who,
            &NewEdition {
                methodology: &m.id,
                methodology_version: &m.version,
                year,
                title: &title,
            },
        )
    })
    .await;
    let fields: &[(&'static str, &'static str, &[&str])] = &[
        ("methodology", "Methodology", &["methodology"]),
        ("year", "Year", &["year", "an edition of"]),
        ("title", "Title", &["title"]),
    ];
    match got {
        Ok(e) => Redirect::to(&format!("/assess/editions/{}", e.id)).into_response(),
        Err(e) => match refusal(&e, fields, "title") {
            Some((errs, status)) => render_editions(&s, &caller, &f, &errs, status).await,
            None => error_page(&caller, &e),
        },
    }
}

#[derive(Deserialize, Default, Clone)]
pub(crate) struct AssignForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    iso3: String,
    #[serde(default)]
    org: String,
}

pub(crate) async fn edition(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Response {
    render_edition(
        &s,
        &caller,
        id,
        &AssignForm::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
    .await
}

/// The edition page; `form` and `errs` are the refused form's (the
/// focal point's fields `iso3` and `org`, the second validator's
/// `second_validator`).
async fn render_edition(
    s: &AppState,
    caller: &Caller,
    id: i64,
    form: &AssignForm,
    errs: &FieldErrors,
    status: StatusCode,
) -> Response {
    let p = match caller.member() {
        Ok(p) => p.clone(),
        Err(e) => return error_page(caller, &e),
    };
    let got = run(s, &p, move |who, st| {
        Ok((ops::edition(st, who, id)?, st.accounts().orgs()?))
    })
    .await;
    let (view, orgs) = match got {
        Ok(x) => x,
        Err(e) if e.status == StatusCode::NOT_FOUND => return not_found_for(caller),
        Err(e) => return error_page(caller, &e),
    };
    let ed = &view.edition;
    let operator = ops::runs_assessment(&authority(s, &p));
    let readable: Vec<&Resp> = view.readable.iter().collect();
    let title = format!("{} ({})", ed.title, ed.year);
    let ctx = Page::of(caller, &title, "assess");
    let body = page(
        &ctx,
        html! {
            h1 { (title) }
            p {
                "Methodology " code { (ed.methodology) "@" (ed.methodology_version) } ". "
                @if ed.open { "Open for answers." } @else { "Closed: answers no longer change." }
                " " a href={ "/assess/editions/" (ed.id) "/results" } { "See the results" }
            }
            p {
                (view.responses) " countries take part; "
                (view.validated) " validated."
            }
            p id="second-validator" {
                "The hub operator's own country is validated by "
                @if let Some(v) = &ed.second_validator { "the admins and analysts of " strong { (v) } ", the second validator." }
                @else { "a hub admin (no second validator named: a conflict of interest, recorded and shown on the results)." }
            }
            div.scroll tabindex="0" role="region" aria-label="Responses" {
                table {
                    caption { "Responses you may read (" (readable.len()) ")" }
                    thead { tr { th scope="col" { "Country" } th scope="col" { "Answered by" } th scope="col" { "State" } th scope="col" { "Last change" } } }
                    tbody { @for r in &readable { tr {
                        td { a href={ "/assess/responses/" (r.id) } { (r.iso3) } }
                        td { (r.org) }
                        td { (status_badge(r.status)) }
                        td { time datetime=(r.updated_at.to_rfc3339()) { (r.updated_at.format("%Y-%m-%d %H:%M")) } }
                    } } }
                }
            }
            @if operator {
                section aria-labelledby="assign-h" {
                    h2 id="assign-h" { "Name a country's focal point" }
                    p.muted { "The organisation named answers the questionnaire for the country." }
                    (errs.summary())
                    form.filters method="post" action={ "/assess/editions/" (ed.id) "/responses" } {
                        (csrf_field(caller.csrf()))
                        label { "Country (ISO 3166-1 alpha-3)" input name="iso3" required pattern="[A-Za-z]{3}" maxlength="3" value=(form.iso3) aria-invalid=[errs.described("iso3").map(|_| "true")] aria-describedby=[errs.described("iso3")]; }
                        (errs.beside("iso3"))
                        label { "Organisation" select name="org" aria-describedby=[errs.described("org")] { @for o in &orgs { option value=(o.name) selected[form.org == o.name] { (o.name) } } } }
                        (errs.beside("org"))
                        button type="submit" { "Add country" }
                    }
                    form.filters method="post" action={ "/assess/editions/" (ed.id) "/second-validator" } {
                        (csrf_field(caller.csrf()))
                        label { "Second validator (validates the hub operator's own country)" select name="org" aria-describedby=[errs.described("second_validator")] {
                            option value="" selected[ed.second_validator.is_none()] { "none: a hub admin, as a recorded conflict" }
                            @for o in orgs.iter().filter(|o| o.name != s.config.org) { option value=(o.name) selected[ed.second_validator.as_deref() == Some(o.name.as_str())] { (o.name) } }
                        } }
                        (errs.beside("second_validator"))
                        button type="submit" { "Name the second validator" }
                    }
                    form.inline method="post" action={ "/assess/editions/" (ed.id) "/open" } {
                        (csrf_field(caller.csrf()))
                        input type="hidden" name="open" value=(if ed.open { "0" } else { "1" });
                        button type="submit" { @if ed.open { "Close this edition" } @else { "Reopen this edition" } }
                    }
                }
            }
        },
    );
    (status, body).into_response()
}

pub(crate) async fn add_response(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Response {
    let p = match hub_admin(&s, &caller, &f.csrf, "name focal points") {
        Ok(p) => p,
        Err(e) => return error_page(&caller, &e),
    };
    let (iso3, org) = (f.iso3.clone(), f.org.clone());
    let got = run(&s, &p, move |who, st| {
        ops::add_response(st, who, id, &iso3, &org)
    })
    .await;
    match got {
        Ok(_) => Redirect::to(&format!("/assess/editions/{id}")).into_response(),
        Err(e) if e.status == StatusCode::NOT_FOUND && e.detail.starts_with("edition") => {
            not_found_for(&caller)
        }
        Err(e) => match refusal(&e, FOCAL_POINT, "iso3") {
            Some((errs, status)) => render_edition(&s, &caller, id, &f, &errs, status).await,
            None => error_page(&caller, &e),
        },
    }
}

/// The focal point form's fields, their labels and the words that name
/// them in a refusal.
const FOCAL_POINT: &[(&str, &str, &[&str])] = &[
    ("iso3", "Country", &["country", "already answers"]),
    ("org", "Organisation", &["organisation"]),
];

#[derive(Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    open: String,
    /// `1` once the admin confirmed closing on the page `set_open` shows.
    #[serde(default)]
    confirm: String,
}

pub(crate) async fn set_open(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<OpenForm>,
) -> Response {
    let go = async {
        let p = hub_admin(&s, &caller, &f.csrf, "open and close editions")?;
        let open = f.open == "1";
        // Closing freezes every country's answers: asked once more, on a
        // page that works without script. Reopening needs no question.
        if !open && f.confirm != "1" {
            return Ok::<bool, Problem>(false);
        }
        run(&s, &p, move |who, st| ops::set_open(st, who, id, open)).await?;
        Ok(true)
    };
    match go.await {
        Ok(false) => {
            let ctx = Page::of(&caller, "Close this edition?", "assess");
            page(
                &ctx,
                html! {
                    h1 { "Close this edition?" }
                    p { "Once it is closed, answers no longer change. You can reopen it later." }
                    form.inline method="post" action={ "/assess/editions/" (id) "/open" } {
                        (csrf_field(caller.csrf()))
                        input type="hidden" name="open" value="0";
                        input type="hidden" name="confirm" value="1";
                        button type="submit" { "Close the edition" }
                    }
                    " "
                    a href={ "/assess/editions/" (id) } { "Cancel" }
                },
            )
            .into_response()
        }
        Ok(true) => Redirect::to(&format!("/assess/editions/{id}")).into_response(),
        Err(p) if p.status == StatusCode::NOT_FOUND => not_found_for(&caller),
        Err(p) => error_page(&caller, &p),
    }
}

#[derive(Deserialize)]
pub(crate) struct SecondValidatorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    org: String,
}

pub(crate) async fn set_second_validator(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<SecondValidatorForm>,
) -> Response {
    let go = async {
        let p = hub_admin(&s, &caller, &f.csrf, "name second validators")?;
        let org = Some(f.org.trim().to_owned()).filter(|o| !o.is_empty());
        run(&s, &p, move |who, st| {
            ops::set_second_validator(st, who, id, org.as_deref())
        })
        .await
    };
    let fields: &[(&'static str, &'static str, &[&str])] =
        &[("second_validator", "Second validator", &[])];
    match go.await {
        Ok(()) => Redirect::to(&format!("/assess/editions/{id}")).into_response(),
        Err(p) if p.status == StatusCode::NOT_FOUND && p.detail.starts_with("edition") => {
            not_found_for(&caller)
        }
        Err(p) => match refusal(&p, fields, "second_validator") {
            Some((errs, status)) => {
                render_edition(&s, &caller, id, &AssignForm::default(), &errs, status).await
            }
            None => error_page(&caller, &p),
        },
    }
}

// ----------------------------------------------------------- questionnaire

/// What the user sent for one question, as typed.
#[derive(Clone, Debug, Default)]
struct Draft {
    /// Multiple-choice answers arrive as several values.
    values: Vec<String>,
    url: String,
    provenance: String,
    note: String,
    /// The document already attached, kept unless removed or replaced.
    doc: Option<i64>,
    remove_doc: bool,
    upload: Option<Upload>,
}

#[derive(Clone, Debug)]
struct Upload {
    filename: String,
    media_type: String,
    bytes: Vec<u8>,
}

impl Draft {
    fn from_stored(a: &StoredAnswer) -> Draft {
        Draft {
            values: a.value.split(';').map(|v| v.trim().to_owned()).collect(),
            url: a.evidence_url.clone().unwrap_or_default(),
            provenance: a.provenance.clone().unwrap_or_default(),
            note: a.note.clone().unwrap_or_default(),
            doc: a.evidence_doc.as_ref().map(|d| d.id),
            remove_doc: false,
            upload: None,
        }
    }

    fn value(&self) -> String {
        self.values
            .iter()
            .map(|v| v.trim())
            .filter(|v| !v.is_empty())
            .collect::<Vec<_>>()
            .join(";")
    }

    fn has(&self, option: &str) -> bool {
        self.values.iter().any(|v| normalise_option(v) == option)
    }
}

/// Everything a questionnaire page shows.
struct Sheet {
    edition: Edition,
    response: Resp,
    methodology: Methodology,
    stored: BTreeMap<String, StoredAnswer>,
}

async fn load_sheet(s: &AppState, caller: &Caller, id: i64) -> Result<Sheet, Response> {
    let p = caller.member().map_err(|e| error_page(caller, &e))?.clone();
    let got = run(s, &p, move |who, st| ops::sheet(st, who, id)).await;
    let ops::Sheet {
        edition,
        response,
        methodology,
        answers,
    } = match got {
        Ok(x) => x,
        Err(e) if e.status == StatusCode::NOT_FOUND => return Err(not_found_for(caller)),
        Err(e) => return Err(error_page(caller, &e)),
    };
    Ok(Sheet {
        edition,
        response,
        methodology,
        stored: answers
            .into_iter()
            .map(|a| (a.question.clone(), a))
            .collect(),
    })
}

#[derive(Deserialize)]
pub(crate) struct SheetQuery {
    /// `1` after a save.
    #[serde(default)]
    saved: Option<String>,
    /// `1` after a submit that found gaps: ask to confirm.
    #[serde(default)]
    confirm: Option<String>,
}

/// What the questionnaire says above the questions after a save.
enum Notice {
    None,
    Saved,
    /// Submit found these missing: confirm or complete.
    Confirm(ops::Gaps),
    /// A validator's decision was refused: why, beside the form, and the
    /// reason as it was typed.
    DecisionError {
        message: String,
        reason: String,
    },
}

pub(crate) async fn response(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<SheetQuery>,
) -> Response {
    let sheet = match load_sheet(&s, &caller, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let drafts = sheet
        .stored
        .iter()
        .map(|(q, a)| (q.clone(), Draft::from_stored(a)))
        .collect();
    let notice = if q.confirm.as_deref() == Some("1") && sheet.response.status.editable() {
        let answers: Vec<StoredAnswer> = sheet.stored.values().cloned().collect();
        let g = ops::gaps(&sheet.methodology, &answers);
        if g.is_empty() {
            Notice::None
        } else {
            Notice::Confirm(g)
        }
    } else if q.saved.as_deref() == Some("1") {
        Notice::Saved
    } else {
        Notice::None
    };
    render_sheet(
        &s,
        &caller,
        &sheet,
        &drafts,
        &HashMap::new(),
        StatusCode::OK,
        &notice,
    )
}

fn render_sheet(
    s: &AppState,
    caller: &Caller,
    sheet: &Sheet,
    drafts: &HashMap<String, Draft>,
    errors: &HashMap<String, String>,
    status: StatusCode,
    notice: &Notice,
) -> Response {
    let decision_error = match notice {
        Notice::DecisionError { message, reason } => Some((message.as_str(), reason.as_str())),
        _ => None,
    };
    let Some(p) = caller.principal.as_ref() else {
        return Redirect::to("/login").into_response();
    };
    let (r, m, ed) = (&sheet.response, &sheet.methodology, &sheet.edition);
    let who = authority(s, p);
    let editable = ops::check_edit(&who, r).is_ok() && r.status.editable() && ed.open;
    let decides = ops::check_decide(&who, r, ed).is_ok() && r.status == ResponseStatus::Submitted;
    let validated_by = ops::who_validates(r, &s.config.org, ed);
    let title = format!("{} · {}", r.iso3, ed.title);
    let ctx = Page::of(caller, &title, "assess");
    let answered = m
        .questions()
        .filter(|(_, q)| drafts.get(&q.id).is_some_and(|d| !d.value().is_empty()))
        .count();
    let body = page(
        &ctx,
        html! {
            h1 { (title) }
            p {
                (status_badge(r.status)) " · answered by " (r.org) " · "
                (answered) " of " (m.question_count()) " questions answered · "
                a href={ "/assess/editions/" (ed.id) } { "Back to the edition" }
            }
            @if let (ResponseStatus::Returned, Some(reason)) = (r.status, &r.reason) {
                div.notice role="status" { p { strong { "Returned by " (r.decided_by.as_deref().unwrap_or("the validator")) ": " } (reason) } }
            }
            @if r.status == ResponseStatus::Validated {
                div.notice role="status" { p { "Validated by " (r.decided_by.as_deref().unwrap_or_default()) " on " (r.decided_at.map(|t| t.format("%Y-%m-%d").to_string()).unwrap_or_default()) "." } }
            }
            @if !errors.is_empty() {
                div.error role="alert" id="form-errors" {
                    @let by_question = errors.keys().filter(|q| !q.is_empty()).count();
                    @if let Some(e) = errors.get("") { p { "Nothing was saved: " (e) } }
                    @if by_question > 0 { p { "Nothing was saved: " (by_question) @if by_question == 1 { " answer needs a correction." } @else { " answers need a correction." } " Documents you chose must be chosen again." } }
                    ul { @for (_, q) in m.questions() { @if let Some(e) = errors.get(&q.id) {
                        li { a href={ "#q-" (q.id) } { (q.id) } ": " (e) }
                    } } }
                }
            }
            @match notice {
                Notice::Saved => { div.notice role="status" id="saved" { p { "Saved." } } }
                Notice::Confirm(g) => { div.notice role="alert" id="confirm-submit" {
                    p { strong { "Not submitted yet. " } "Your answers are saved, but:" }
                    ul {
                        @if !g.unanswered.is_empty() { li { (g.unanswered.len()) " of " (m.question_count()) " questions are not answered: "
                            @for (i, q) in g.unanswered.iter().enumerate() { @if i > 0 { ", " } a href={ "#q-" (q) } { (q) } } } }
                        @if !g.without_evidence.is_empty() { li { (g.without_evidence.len()) " answers have no evidence (link or document): "
                            @for (i, q) in g.without_evidence.iter().enumerate() { @if i > 0 { ", " } a href={ "#q-" (q) } { (q) } } } }
                    }
                    @if editable {
                        form.inline method="post" action={ "/assess/responses/" (r.id) } enctype="multipart/form-data" {
                            (csrf_field(caller.csrf()))
                            button type="submit" name="action" value="submit-anyway" { "Submit anyway" }
                        }
                        " or complete the answers below and submit again."
                    }
                } }
                Notice::None | Notice::DecisionError { .. } => {}
            }
            @if r.status == ResponseStatus::Submitted {
                // Never "Submitted" without a word on who moves it on.
                div.notice role="note" id="who-validates" { p { strong { "Waiting for validation. " } (validated_by) } }
            }
            @if decides {
                (decision_form(caller, r, decision_error))
            }
            nav.toc aria-label="Pillars" {
                h2 { "Contents" }
                ol { @for p in &m.pillars {
                    @let ids: Vec<&str> = p.indicators.iter().flat_map(|i| i.subindicators.iter()).flat_map(|s| s.questions.iter()).map(|q| q.id.as_str()).collect();
                    @let done = ids.iter().filter(|q| drafts.get(**q).is_some_and(|d| !d.value().is_empty())).count();
                    li { a href={ "#p-" (p.id) } { (p.name) } " (" (done) " of " (ids.len()) " answered)" }
                } }
            }
            @if editable {
                form.sheet method="post" action={ "/assess/responses/" (r.id) } enctype="multipart/form-data" {
                    (csrf_field(caller.csrf()))
                    (questions(m, drafts, errors, &sheet.stored, true))
                    div.actions {
                        button type="submit" name="action" value="save" { "Save draft" }
                        button type="submit" name="action" value="submit" { "Save and submit for validation" }
                    }
                }
            } @else {
                (questions(m, drafts, errors, &sheet.stored, false))
            }
        },
    );
    (status, body).into_response()
}

/// The validator's form; `refused` is the message and the reason typed
/// when the hub refused the decision.
fn decision_form(caller: &Caller, r: &Resp, refused: Option<(&str, &str)>) -> Markup {
    let (error, typed) = refused.map_or((None, ""), |(m, t)| (Some(m), t));
    html! {
        section.panel aria-labelledby="decide-h" {
            h2 id="decide-h" { "Validation" }
            p { "Check each answer against its evidence, then validate the response or return it to " (r.org) " with what to fix." }
            @if let Some(e) = error { div.error role="alert" id="decision-error" { (e) } }
            form.stack method="post" action={ "/assess/responses/" (r.id) "/decision" } {
                (csrf_field(caller.csrf()))
                label { "Reason (required to return)" textarea name="reason" rows="3" aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "decision-error")] { (typed) } }
                div.actions {
                    button type="submit" name="decision" value="validate" { "Validate" }
                    button type="submit" name="decision" value="return" { "Return to the country" }
                }
            }
        }
    }
}

fn evidence_link(d: &EvidenceInfo) -> Markup {
    html! {
        a href={ "/assess/evidence/" (d.id) } { (d.filename) } " (" (d.size) " bytes)"
    }
}

/// The methodology's pillars, indicators and questions, with inputs when
/// `edit`, as read-only answers otherwise.
fn questions(
    m: &Methodology,
    drafts: &HashMap<String, Draft>,
    errors: &HashMap<String, String>,
    stored: &BTreeMap<String, StoredAnswer>,
    edit: bool,
) -> Markup {
    let empty = Draft::default();
    html! {
        @for p in &m.pillars {
            section.pillar aria-labelledby={ "p-" (p.id) } {
                h2 id={ "p-" (p.id) } { (p.name) }
                @if !p.description.is_empty() { p.muted { (p.description) } }
                @for ind in &p.indicators {
                    h3 { (ind.name) }
                    @for sub in &ind.subindicators {
                        @for q in &sub.questions {
                            @let d = drafts.get(&q.id).unwrap_or(&empty);
                            @let err = errors.get(&q.id);
                            @let stored = stored.get(&q.id);
                            @if edit {
                                (question_inputs(m, q, d, err, stored))
                            } @else {
                                (question_view(q, d, stored))
                            }
                        }
                    }
                }
            }
        }
    }
}

fn question_view(
    q: &c5hub_assess::methodology::Question,
    d: &Draft,
    stored: Option<&StoredAnswer>,
) -> Markup {
    let value = d.value();
    html! {
        div.question id={ "q-" (q.id) } {
            p.qtext { (q.text) " " span.muted { "(" (q.id) ")" } }
            dl {
                dt { "Answer" } dd { @if value.is_empty() { span.muted { "not answered" } } @else { (value) } }
                @if !d.url.is_empty() { dt { "Evidence link" } dd { a href=(d.url) rel="noopener noreferrer" { (d.url) } } }
                @if let Some(doc) = stored.and_then(|a| a.evidence_doc.as_ref()) { dt { "Evidence document" } dd { (evidence_link(doc)) } }
                @if !d.provenance.is_empty() { dt { "Source" } dd { (d.provenance) } }
                @if let Some(by) = stored.and_then(|a| a.validated_by.as_deref()) {
                    dt { "Validated" } dd { (by) @if let Some(on) = stored.and_then(|a| a.validated_on) { " on " (on) } }
                }
                @if !d.note.is_empty() { dt { "Note" } dd { (d.note) } }
            }
        }
    }
}

fn question_inputs(
    m: &Methodology,
    q: &c5hub_assess::methodology::Question,
    d: &Draft,
    err: Option<&String>,
    stored: Option<&StoredAnswer>,
) -> Markup {
    let a = format!("a:{}", q.id);
    let err_id = format!("err-{}", q.id);
    let described = err.map(|_| err_id.as_str());
    let kind = m.answer_type(&q.answer_type).map(|t| &t.kind);
    let value = d.value();
    html! {
        fieldset.question id={ "q-" (q.id) } aria-invalid=[err.map(|_| "true")] aria-describedby=[described] {
            legend { (q.text) " " span.muted { "(" (q.id) ")" } }
            @if let Some(e) = err { p.error id=(err_id) { (e) } }
            @if !q.guidance.is_empty() { p.muted { "Evidence: " (q.guidance) } }
            @match kind {
                Some(AnswerKind::Choice { options }) => {
                    div.choices role="radiogroup" aria-label={ "Answer to " (q.id) } {
                        @for (name, _) in options {
                            label.choice { input type="radio" name=(a) value=(name) checked[d.has(name)]; " " (name) }
                        }
                        label.choice { input type="radio" name=(a) value="" checked[value.is_empty()]; " no answer" }
                    }
                }
                Some(AnswerKind::Multiple { options }) => {
                    div.choices role="group" aria-label={ "Answers to " (q.id) " (any number)" } {
                        @for (name, _) in options {
                            label.choice { input type="checkbox" name=(a) value=(name) checked[d.has(name)]; " " (name) }
                        }
                    }
                }
                Some(AnswerKind::Count(_)) => {
                    label { "Answer (a non-negative number)" input type="number" name=(a) min="0" step="any" value=(value); }
                }
                Some(AnswerKind::Percentage { .. }) => {
                    label { "Answer (per cent, 0 to 100)" input type="number" name=(a) min="0" max="100" step="any" value=(value); }
                }
                None => {
                    label { "Answer" input name=(a) value=(value); }
                }
            }
            div.evidence {
                label { "Source" select name={ "p:" (q.id) } {
                    option value="self-reported" selected[d.provenance != "desk-research"] { "self-reported" }
                    option value="desk-research" selected[d.provenance == "desk-research"] { "desk-research" }
                } }
                label { "Evidence link" input type="url" name={ "e:" (q.id) } placeholder="https://" value=(d.url); }
                @if let Some(doc) = stored.and_then(|a| a.evidence_doc.as_ref()).filter(|doc| Some(doc.id) == d.doc) {
                    input type="hidden" name={ "d:" (q.id) } value=(doc.id);
                    span { "Attached: " (evidence_link(doc)) }
                    label.choice { input type="checkbox" name={ "r:" (q.id) } value="1" checked[d.remove_doc]; " remove it" }
                }
                label { "Evidence document (up to " (MAX_EVIDENCE_BYTES / (1024 * 1024)) " MiB)" input type="file" name={ "f:" (q.id) }; }
                label { "Note" textarea name={ "n:" (q.id) } rows="1" { (d.note) } }
            }
        }
    }
}

/// Reads the questionnaire form: per question what was typed and chosen.
async fn read_sheet_form(
    mut mp: Multipart,
) -> Result<(String, String, HashMap<String, Draft>), Problem> {
    let mut csrf = String::new();
    let mut action = String::new();
    let mut drafts: HashMap<String, Draft> = HashMap::new();
    while let Some(field) = mp.next_field().await.map_err(|e| {
        Problem::bad_request(format!(
            "the form could not be read ({e}); is it larger than the hub accepts?"
        ))
    })? {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let media_type = field
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        let bytes = field.bytes().await.map_err(|e| {
            Problem::bad_request(format!("the form field {name} could not be read ({e})"))
        })?;
        let text = || String::from_utf8_lossy(&bytes).into_owned();
        match name.split_once(':') {
            None if name == "csrf" => csrf = text(),
            None if name == "action" => action = text(),
            Some((kind, q)) => {
                let d = drafts.entry(q.to_owned()).or_default();
                match kind {
                    "a" => d.values.push(text()),
                    "e" => d.url = text().trim().to_owned(),
                    "p" => d.provenance = text(),
                    "n" => d.note = text(),
                    "d" => d.doc = text().trim().parse().ok(),
                    "r" => d.remove_doc = true,
                    "f" if !bytes.is_empty() => {
                        d.upload = Some(Upload {
                            filename: filename.unwrap_or_else(|| "evidence".to_owned()),
                            media_type,
                            bytes: bytes.to_vec(),
                        });
                    }
                    _ => {}
                }
            }
            None => {}
        }
    }
    Ok((csrf, action, drafts))
}

/// Checks each question's draft against the methodology; returns the
/// problems by question id.
fn check_drafts(m: &Methodology, drafts: &HashMap<String, Draft>) -> HashMap<String, String> {
    let mut errors = HashMap::new();
    for (_, q) in m.questions() {
        let Some(d) = drafts.get(&q.id) else {
            continue;
        };
        let mut problems = Vec::new();
        let value = d.value();
        if !value.is_empty() {
            if let Some(t) = m.answer_type(&q.answer_type) {
                if let Err(e) = t.score(&value) {
                    problems.push(format!("answer: {e}; expected {}", t.accepted()));
                }
            }
        }
        if value.len() > c5hub_store::MAX_ANSWER_FIELD_BYTES {
            problems.push("answer: too long".to_owned());
        }
        if !d.url.is_empty() && !valid_link(&d.url) {
            problems.push(format!(
                "evidence link: {:?} is not an http(s) address",
                d.url
            ));
        }
        if !d.provenance.is_empty()
            && !matches!(
                Provenance::parse(&d.provenance),
                Some(Provenance::SelfReported | Provenance::DeskResearch)
            )
        {
            problems.push(format!(
                "source: {:?} is not self-reported or desk-research",
                d.provenance
            ));
        }
        if d.note.len() > c5hub_store::MAX_ANSWER_FIELD_BYTES {
            problems.push(format!(
                "note: longer than {} bytes",
                c5hub_store::MAX_ANSWER_FIELD_BYTES
            ));
        }
        if let Some(u) = &d.upload {
            if u.bytes.len() > MAX_EVIDENCE_BYTES {
                problems.push(format!(
                    "evidence document: {} is {} bytes; the limit is {} MiB",
                    u.filename,
                    u.bytes.len(),
                    MAX_EVIDENCE_BYTES / (1024 * 1024)
                ));
            }
        }
        if !problems.is_empty() {
            errors.insert(q.id.clone(), problems.join("; "));
        }
    }
    errors
}

fn valid_link(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && s.len() <= 2048 && !s.chars().any(char::is_whitespace))
}

pub(crate) async fn save(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    mp: Multipart,
) -> Response {
    let form = read_sheet_form(mp).await;
    let (csrf, action, mut drafts) = match form {
        Ok(f) => f,
        Err(p) => return error_page(&caller, &p),
    };
    if let Err(p) = check_csrf(&caller, &csrf) {
        return error_page(&caller, &p);
    }
    let sheet = match load_sheet(&s, &caller, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(p) = caller.principal.clone() else {
        return Redirect::to("/login").into_response();
    };
    if let Err(e) = ops::check_edit(&authority(&s, &p), &sheet.response) {
        return error_page(&caller, &e.into());
    }
    if !sheet.response.status.editable() {
        return error_page(
            &caller,
            &Problem::new(
                StatusCode::CONFLICT,
                "not-editable",
                "This response does not change now",
                format!(
                    "response {id} is {}; only a draft or a returned response changes",
                    sheet.response.status
                ),
            ),
        );
    }
    // Only questions of the methodology are kept: anything else cannot
    // come from this page.
    drafts.retain(|q, _| sheet.methodology.question(q).is_some());
    let errors = check_drafts(&sheet.methodology, &drafts);
    if !errors.is_empty() {
        return render_sheet(
            &s,
            &caller,
            &sheet,
            &drafts,
            &errors,
            StatusCode::BAD_REQUEST,
            &Notice::None,
        );
    }
    // "submit" asks first when something is missing; "submit-anyway" is
    // the answer to that question.
    let submit = action == "submit" || action == "submit-anyway";
    let confirmed = action == "submit-anyway";
    let saving = action == "save";
    // Shown again if the hub refuses; a document chosen is chosen again.
    let typed: HashMap<String, Draft> = drafts
        .iter()
        .map(|(q, d)| {
            let mut d = d.clone();
            d.upload = None;
            (q.clone(), d)
        })
        .collect();
    let got = run(&s, &p, move |who, st| {
        let answers: Vec<(String, Draft, String)> = drafts
            .into_iter()
            .map(|(q, d)| {
                let v = d.value();
                (q, d, v)
            })
            .collect();
        let inputs: Vec<AnswerInput<'_>> = answers
            .iter()
            .map(|(q, d, value)| AnswerInput {
                question: q,
                value,
                evidence_url: Some(d.url.as_str()),
                evidence_doc: d.doc.filter(|_| !d.remove_doc),
                provenance: Some(d.provenance.as_str()),
                note: Some(d.note.as_str()),
            })
            .collect();
        let uploads: Vec<NewEvidence<'_>> = answers
            .iter()
            .filter_map(|(q, d, _)| {
                d.upload.as_ref().map(|u| NewEvidence {
                    question: q,
                    filename: &u.filename,
                    media_type: &u.media_type,
                    bytes: &u.bytes,
                })
            })
            .collect();
        ops::save(st, who, id, &inputs, &uploads, submit, confirmed)
    })
    .await;
    match got {
        Ok(ops::Saved::NotSubmitted(_)) => {
            Redirect::to(&format!("/assess/responses/{id}?confirm=1")).into_response()
        }
        Ok(ops::Saved::Done) if saving => {
            Redirect::to(&format!("/assess/responses/{id}?saved=1#saved")).into_response()
        }
        Ok(ops::Saved::Done) => Redirect::to(&format!("/assess/responses/{id}")).into_response(),
        Err(e) => match sheet_refusal(&sheet.methodology, &e) {
            Some(errors) => render_sheet(
                &s,
                &caller,
                &sheet,
                &typed,
                &errors,
                e.status,
                &Notice::None,
            ),
            None => error_page(&caller, &e),
        },
    }
}

/// A refusal of the questionnaire by the hub, beside the question it
/// names (its messages say "the note of 2.1.3", "evidence document ... for
/// 2.1.3"); what names none goes above the questions (key `""`). `None`
/// when it is not the input's fault (not allowed, not found, the hub
/// failing).
fn sheet_refusal(m: &Methodology, p: &Problem) -> Option<HashMap<String, String>> {
    if !matches!(
        p.status,
        StatusCode::BAD_REQUEST | StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        return None;
    }
    let names = |detail: &str, q: &str| {
        detail
            .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '(' | ')'))
            .any(|w| w == q)
    };
    let mut out: HashMap<String, String> = HashMap::new();
    let details: Vec<&str> = if p.errors.is_empty() {
        vec![p.detail.as_str()]
    } else {
        p.errors.iter().map(|e| e.detail.as_str()).collect()
    };
    for d in details {
        let q = m
            .questions()
            .map(|(_, q)| q.id.as_str())
            .find(|q| names(d, q))
            .unwrap_or_default();
        let said = super::forms::plain(d);
        out.entry(q.to_owned())
            .and_modify(|e| {
                e.push_str("; ");
                e.push_str(&said);
            })
            .or_insert(said);
    }
    Some(out)
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

pub(crate) async fn decide(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<DecisionForm>,
) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    let sheet = match load_sheet(&s, &caller, id).await {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(p) = caller.principal.clone() else {
        return Redirect::to("/login").into_response();
    };
    if let Err(e) = ops::check_decide(&authority(&s, &p), &sheet.response, &sheet.edition) {
        return error_page(&caller, &e.into());
    }
    let reshow = |msg: &str| {
        let drafts = sheet
            .stored
            .iter()
            .map(|(q, a)| (q.clone(), Draft::from_stored(a)))
            .collect();
        render_sheet(
            &s,
            &caller,
            &sheet,
            &drafts,
            &HashMap::new(),
            StatusCode::BAD_REQUEST,
            &Notice::DecisionError {
                message: msg.to_owned(),
                reason: f.reason.clone(),
            },
        )
    };
    let reason = f.reason.trim().to_owned();
    let validate = match f.decision.as_str() {
        "validate" => true,
        "return" if reason.is_empty() => {
            return reshow("Say why the response goes back, so the country can fix it.");
        }
        "return" => false,
        other => return reshow(&format!("Unknown decision {other:?}.")),
    };
    let today = chrono::Utc::now().date_naive();
    let got = run(&s, &p, move |who, st| {
        let d = if validate {
            Decision::Validate { on: today }
        } else {
            Decision::Return { reason: &reason }
        };
        ops::decide(st, who, id, d)
    })
    .await;
    match got {
        Ok(_) => Redirect::to(&format!("/assess/responses/{id}")).into_response(),
        Err(e) if e.status.is_client_error() => reshow(&e.detail),
        Err(e) => error_page(&caller, &e),
    }
}

/// Media types served as themselves; anything else is a download of
/// bytes, so an uploaded page can never run in the hub's origin. Compared
/// as exact strings, not parsed with `mime`: a parsed match would also let
/// through the uploader's own parameters (`text/plain; charset=...`),
/// which this list must never serve.
const INLINE_TYPES: &[&str] = &["application/pdf", "image/png", "image/jpeg", "text/plain"];

pub(crate) async fn evidence(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Response {
    let p = match caller.member() {
        Ok(p) => p.clone(),
        Err(e) => return error_page(&caller, &e),
    };
    let got = run(&s, &p, move |who, st| ops::evidence(st, who, id)).await;
    match got {
        Ok((info, bytes)) => {
            let ct = if INLINE_TYPES.contains(&info.media_type.as_str()) {
                info.media_type.clone()
            } else {
                "application/octet-stream".to_owned()
            };
            // Only safe characters in the header; the name is a hint.
            let name: String = info
                .filename
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            (
                [
                    (header::CONTENT_TYPE, ct),
                    (
                        header::CONTENT_DISPOSITION,
                        format!("attachment; filename=\"{name}\""),
                    ),
                    (header::CONTENT_SECURITY_POLICY, "sandbox".to_owned()),
                ],
                Body::from(bytes),
            )
                .into_response()
        }
        Err(e) if e.status == StatusCode::NOT_FOUND => not_found_for(&caller),
        Err(e) => error_page(&caller, &e),
    }
}

// ----------------------------------------------------------------- results

#[derive(Deserialize)]
pub(crate) struct ResultsQuery {
    #[serde(default)]
    ranks: Option<String>,
}

pub(crate) async fn results(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Query<ResultsQuery>,
) -> Response {
    let p = match caller.member() {
        Ok(p) => p.clone(),
        Err(e) => return error_page(&caller, &e),
    };
    let res = match crate::assess::results(&s, &p, id).await {
        Ok(r) => r,
        Err(e) if e.status == StatusCode::NOT_FOUND => return not_found_for(&caller),
        Err(e) => return error_page(&caller, &e),
    };
    let show_ranks = q.ranks.as_deref() == Some("1");
    let title = format!("Results: {} ({})", res.edition.title, res.edition.year);
    let ctx = Page::of(&caller, &title, "assess");
    page(&ctx, results_body(&res, &title, show_ranks)).into_response()
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn results_body(res: &Results, title: &str, show_ranks: bool) -> Markup {
    let m = &res.methodology;
    let ranks = show_ranks.then(|| scoring::ranks(&res.scores));
    let view = c5hub_assess::views::regional(m, &res.scores, &res.regions);
    let rows: Vec<(String, Vec<usize>)> = view
        .iter()
        .map(|g| {
            (
                g.region.map_or("Unlisted", Region::name).to_owned(),
                g.tier_counts.clone(),
            )
        })
        .collect();
    let label = m.tier_label.to_lowercase();
    html! {
        h1 { (title) }
        @if !res.conflicts.is_empty() {
            div.notice role="note" {
                p { strong { "Conflict of interest: " } (res.conflicts.join(", ")) " — the hub operator's own country, validated by the hub operator's own admins because the edition names no second validator (recorded in the audit log)." }
            }
        }
        p {
            (res.scores.len()) @if res.scores.len() == 1 { " validated response of " } @else { " validated responses of " } (res.responses) " in this edition, scored with "
            code { (m.id) "@" (m.version) } ". Results are shown by " (label) ", not by rank (WTDC Resolution 45)"
            @if show_ranks { "; ranks are shown on request" } "."
        }
        p {
            @if show_ranks { a href="?" { "Hide ranks" } } @else { a href="?ranks=1" { "Show ranks" } }
            " · " a href={ "/api/v1/assess/editions/" (res.edition.id) "/results" } { "These results as JSON" }
            " · " a href={ "/assess/editions/" (res.edition.id) } { "Back to the edition" }
        }
        @if res.scores.is_empty() {
            p.notice role="status" { "No response has been validated yet: there is nothing to score." }
        } @else {
            div.scroll tabindex="0" role="region" aria-label="Scores by country" {
                table.results {
                    caption { "Scores by country (overall 0–" (m.scale) ")" }
                    thead { tr {
                        th scope="col" { "Country" }
                        th scope="col" { "Region" }
                        @if ranks.is_some() { th scope="col" { "Rank" } }
                        th scope="col" { (m.tier_label) }
                        th scope="col" { "Overall" }
                        @for p in &m.pillars { th scope="col" { (p.name) } }
                        th scope="col" { (m.tier_label) " stability" }
                        th scope="col" { "Flags" }
                    } }
                    tbody {
                        @for (i, sc) in res.scores.iter().enumerate() {
                            @let stab = res.sensitivity.as_ref().and_then(|r| r.countries.get(i));
                            tr {
                                th scope="row" { (res.regions.name_of(&sc.iso3)) " (" (sc.iso3) ")" }
                                td { (res.regions.region_of(&sc.iso3).map_or("Unlisted", Region::name)) }
                                @if let Some(r) = &ranks { td { (r.get(i).copied().unwrap_or_default()) } }
                                td { span.tier { (sc.tier_code) " " (sc.tier_name) } }
                                td.num { (format!("{:.2}", sc.overall)) }
                                @for (j, ps) in sc.pillars.iter().enumerate() {
                                    td.num { @match ps.fraction {
                                        Some(_) => { (format!("{:.2}", ps.points)) " / " (format!("{:.0}", m.pillar_max(j))) }
                                        None => { span.muted { "no data" } }
                                    } }
                                }
                                td.num { @if let Some(c) = stab {
                                    (pct(c.stability))
                                    @if c.near_threshold.is_some() { " " span.flag { "near a threshold" } }
                                } }
                                td { @for f in &sc.flags {
                                    span class=(if f.is_missing_data() { "flag flag-missing" } else { "flag" }) { (flag_text(f)) } " "
                                } }
                            }
                        }
                    }
                }
            }
            section aria-labelledby="regions-h" {
                h2 id="regions-h" { (m.tier_label) "s by ITU region" }
                figure.chart {
                    (PreEscaped(report::tiers_by_region_svg(m, &rows)))
                    figcaption { "Countries in each " (label) " by ITU region; the table below gives the counts." }
                }
                div.scroll tabindex="0" role="region" aria-label={ "Countries per " (label) " by region" } {
                    table {
                        caption { "Countries per " (label) " by region" }
                        thead { tr { th scope="col" { "Region" } th scope="col" { "Countries" } @for t in &m.tiers { th scope="col" { (t.code) " " (t.name) } } th scope="col" { "Mean overall" } } }
                        tbody { @for g in &view { tr {
                            th scope="row" { (g.region.map_or("Unlisted", Region::name)) }
                            td.num { (g.countries) }
                            @for k in &g.tier_counts { td.num { (k) } }
                            td.num { (format!("{:.2}", g.overall_mean)) }
                        } } }
                    }
                }
            }
            @if let Some(sens) = &res.sensitivity {
                section aria-labelledby="stability-h" {
                    h2 id="stability-h" { (m.tier_label) " stability" }
                    p {
                        "Share of " (sens.config.draws) " random pillar weightings (Dirichlet, concentration "
                        (sens.config.concentration) ") under which a country keeps its " (label) ". "
                        (sens.unstable) " country(ies) keep it in fewer than " (pct(sens.config.stable_share)) " of them; "
                        (sens.near_threshold) " are within " (sens.config.margin) " points of a threshold."
                    }
                    figure.chart {
                        (PreEscaped(report::stability_histogram_svg(sens)))
                        figcaption { "Countries by tier stability." }
                    }
                }
            }
            section aria-labelledby="profiles-h" {
                h2 id="profiles-h" { "Pillar profiles" }
                div.grid {
                    @for (i, sc) in res.scores.iter().enumerate() {
                        figure.chart {
                            (PreEscaped(report::profile_svg(m, sc, i)))
                            figcaption { (res.regions.name_of(&sc.iso3)) " (" (sc.iso3) "): " (sc.tier_code) " " (sc.tier_name) ", " (format!("{:.2}", sc.overall)) }
                        }
                    }
                }
            }
        }
    }
}

fn flag_text(f: &Flag) -> String {
    if f.is_missing_data() {
        format!("missing data: {f}")
    } else {
        f.to_string()
    }
}
