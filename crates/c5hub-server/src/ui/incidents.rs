//! Dashboard, incident list and detail, submission and lookup pages.

use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::incidents::{self, Permissions};
use c5hub_model::{IncidentStatus, Role, RsitClass, Tlp};
use c5hub_store::{IncidentSummary, Stats};
use maud::{Markup, html};
use serde::Deserialize;

use super::page::{Page, csrf_field, page, tlp};
use super::{check_csrf, error_page};
use crate::AppState;
use crate::api::incidents::{Triage, apply_triage, comment_on};
use crate::api::submit;
use crate::auth::Caller;
use crate::problem::Problem;

type Q = Query<HashMap<String, String>>;

fn rows_table(rows: &[IncidentSummary], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr { th scope="col" { "#" } th scope="col" { "Title" } th scope="col" { "Class" } th scope="col" { "TLP" } th scope="col" { "Status" } th scope="col" { "Reporter" } th scope="col" { "Received" } } }
            tbody {
                @for r in rows {
                    tr {
                        td { a href={ "/incidents/" (r.key) } { (r.key) } }
                        td { a href={ "/incidents/" (r.key) } { (r.title.as_deref().unwrap_or(&r.global_id)) } }
                        td { (r.classification.map(|c| c.path()).unwrap_or_default()) }
                        td { (tlp(r.tlp)) }
                        td { (r.status.as_str()) }
                        td { (r.reporter) }
                        td { time datetime=(r.created_at.to_rfc3339()) { (r.created_at.format("%Y-%m-%d %H:%M")) } }
                    }
                }
            }
        }
    }
}

/// A 30-day bar chart as inline SVG (no script, no external asset).
fn daily_chart(st: &Stats) -> Markup {
    let max = st.daily.iter().map(|d| d.1).max().unwrap_or(0).max(1);
    let n = st.daily.len().max(1);
    let (w, h, pad) = (600.0_f64, 160.0_f64, 20.0_f64);
    let bw = (w - pad) / n as f64;
    let label = format!(
        "Incidents per day over the last {n} days, from {} to {}; most on one day: {max}",
        st.daily
            .first()
            .map(|d| d.0.to_string())
            .unwrap_or_default(),
        st.daily.last().map(|d| d.0.to_string()).unwrap_or_default()
    );
    html! {
        svg.chart viewBox={ "0 0 " (w) " " (h + 20.0) } role="img" aria-label=(label) {
            @for (i, (day, count)) in st.daily.iter().enumerate() {
                @let bh = (h - pad) * (*count as f64) / (max as f64);
                rect.bar x=(format!("{:.1}", pad + i as f64 * bw)) y=(format!("{:.1}", h - bh)) width=(format!("{:.1}", (bw - 2.0).max(1.0))) height=(format!("{:.1}", bh)) {
                    title { (day) ": " (count) }
                }
            }
            text x="0" y="12" { (max) }
            text x=(pad) y=(h + 14.0) { (st.daily.first().map(|d| d.0.format("%d %b").to_string()).unwrap_or_default()) }
            text x=(w - 40.0) y=(h + 14.0) { (st.daily.last().map(|d| d.0.format("%d %b").to_string()).unwrap_or_default()) }
        }
    }
}

fn counts<T>(caption: &str, rows: &[(T, i64)], total: i64, name: impl Fn(&T) -> Markup) -> Markup {
    html! {
        table.bars {
            caption { (caption) }
            tbody {
                @for (k, n) in rows {
                    tr { th scope="row" { (name(k)) } td { (n) } td.bar { meter min="0" max=(total.max(1)) value=(n) { (n) } } }
                }
            }
        }
    }
}

pub(crate) async fn dashboard(State(s): State<AppState>, caller: Caller) -> Response {
    let viewer = match caller.reader() {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let v2 = viewer.clone();
    let got = s
        .pool
        .read(move |st| {
            let stats = st.stats(&viewer, 30)?;
            let recent = st.list(
                &c5hub_store::IncidentFilter {
                    limit: 10,
                    ..Default::default()
                },
                &v2,
            )?;
            Ok((stats, recent))
        })
        .await;
    let (st, recent) = match got {
        Ok(x) => x,
        Err(p) => return error_page(&caller, &p),
    };
    let ctx = Page::of(&caller, "Dashboard", "dashboard");
    page(&ctx, html! {
        h1 { "Dashboard" }
        div.grid {
            section.panel aria-labelledby="total-h" {
                h2 id="total-h" { "Incidents you can read" }
                p.figure { (st.total) }
            }
            section.panel aria-labelledby="daily-h" {
                h2 id="daily-h" { "Last 30 days" }
                (daily_chart(&st))
            }
        }
        div.grid {
            section.panel { (counts("By status", &st.by_status, st.total, |x: &IncidentStatus| html! { (x.as_str()) })) }
            section.panel { (counts("By TLP", &st.by_tlp, st.total, |x: &Tlp| tlp(*x))) }
            section.panel { (counts("By RSIT class", &st.by_class, st.total, |x: &Option<RsitClass>| html! { (x.map(|c| c.path()).unwrap_or_else(|| "unclassified".to_owned())) })) }
        }
        (rows_table(&recent, "Most recent"))
    })
    .into_response()
}

pub(crate) async fn list(State(s): State<AppState>, caller: Caller, Query(q): Q) -> Response {
    let viewer = match caller.reader() {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let filter = match crate::api::incidents::filter_from(&q, true) {
        Ok(f) => f,
        Err(p) => return error_page(&caller, &p),
    };
    let limit = filter.limit;
    let rows = match s.pool.run(move |st| st.list(&filter, &viewer)).await {
        Ok(r) => r,
        Err(p) => return error_page(&caller, &p),
    };
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let mut next = q.clone();
    let older = (rows.len() == limit).then(|| {
        next.insert(
            "cursor".into(),
            rows.last().map(|r| r.key.to_string()).unwrap_or_default(),
        );
        let qs: Vec<String> = next
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        format!("/incidents?{}", qs.join("&"))
    });
    let ctx = Page::of(&caller, "Incidents", "incidents");
    page(&ctx, html! {
        h1 { "Incidents" }
        form.filters method="get" action="/incidents" role="search" aria-label="Filter incidents" {
            label { "Value" input type="search" name="observable" value=(get("observable")); }
            label { "RSIT class" input name="classification" placeholder="fraud/phishing" value=(get("classification")); }
            label { "TLP" select name="tlp" {
                option value="" { "any" }
                @for t in Tlp::ALL { option value=(t.as_str()) selected[get("tlp") == t.as_str()] { (t.as_str()) } }
            } }
            label { "Status" select name="status" {
                option value="" { "any" }
                @for x in IncidentStatus::ALL { option value=(x.as_str()) selected[get("status") == x.as_str()] { (x.as_str()) } }
            } }
            label { "Reporter" input name="reporter" value=(get("reporter")); }
            button type="submit" { "Filter" }
        }
        (rows_table(&rows, &format!("{} incident(s) on this page", rows.len())))
        @if let Some(href) = older { p { a href=(href) rel="next" { "Older incidents" } } }
    })
    .into_response()
}

pub(crate) fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

pub(crate) async fn detail(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
) -> Response {
    let viewer = match caller.reader() {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let got = s
        .pool
        .read(move |st| {
            let Some(i) = st.incident(id, &viewer)? else {
                return Ok(None);
            };
            let h = st.history(id, &viewer)?.unwrap_or_default();
            let a = st.assignments(id, &viewer)?.unwrap_or_default();
            let c = st.comments(id, &viewer)?.unwrap_or_default();
            let r = st.related(id, &viewer)?.unwrap_or_default();
            let handlers = st.handlers(id)?;
            Ok(Some((i, h, a, c, r, handlers)))
        })
        .await;
    let (i, mut history, (mut assignee, mut assignments), mut comments, related, handlers) =
        match got {
            Ok(Some(x)) => x,
            Ok(None) => return super::not_found_for(&caller),
            Err(p) => return error_page(&caller, &p),
        };
    if caller.principal.is_none() {
        crate::json::anonymise_history(&mut history, &mut assignments);
        crate::json::anonymise_comments(&mut comments);
        assignee = crate::json::anonymise_assignee(assignee.as_deref()).map(str::to_owned);
    }
    let m = &i.incident;
    // The page offers only the forms the rule of who may change what would
    // accept (the operations layer decides, here as on every door).
    let may = caller.principal.as_ref().map_or(
        Permissions {
            triage: false,
            name_handlers: false,
            comment: false,
        },
        |p| incidents::permissions(p, &s.config.org, &i.reporter, &handlers),
    );
    let csrf = caller.csrf();
    let title = m.title.clone().unwrap_or_else(|| m.id.to_string());
    let ctx = Page::of(&caller, &title, "incidents");
    let events = c5hub_wire::incidents::history(&history, &assignments);
    page(&ctx, html! {
        h1 { "Incident " (i.key) ": " (title) }
        dl {
            dt { "Global id" } dd { code { (m.id) } }
            dt { "Reporter" } dd { (i.reporter) }
            dt { "TLP" } dd { (tlp(m.tlp)) }
            dt { "Class" } dd { (m.classification.map(|c| c.path()).unwrap_or_else(|| "unclassified".into())) }
            dt { "Status" } dd id="status" { (m.status.as_str()) }
            dt { "Assignee" } dd { (assignee.as_deref().unwrap_or("nobody")) }
            dt { "Co-handlers" } dd { @if handlers.is_empty() { "none" } @else { (handlers.join(", ")) } }
            dt { "Version" } dd { (i.version) }
            @if let Some(d) = m.times.detected { dt { "Detected" } dd { (d.to_rfc3339()) } }
        }
        @if let Some(d) = &m.description { p { (d) } }
        @if may.triage {
            section aria-labelledby="triage-h" {
                h2 id="triage-h" { "Triage" }
                form.filters method="post" action={ "/incidents/" (i.key) "/status" } {
                    (csrf_field(csrf))
                    label { "New status" select name="status" {
                        @for x in IncidentStatus::ALL { option value=(x.as_str()) selected[x == m.status] { (x.as_str()) } }
                    } }
                    label { "Note" input name="note"; }
                    button type="submit" { "Change status" }
                }
                form.filters method="post" action={ "/incidents/" (i.key) "/assignee" } {
                    (csrf_field(csrf))
                    label { "Assignee" input name="assignee" value=(assignee.as_deref().unwrap_or_default()); }
                    button type="submit" { "Assign" }
                }
                @if may.name_handlers {
                    form.filters method="post" action={ "/incidents/" (i.key) "/handlers" } {
                        (csrf_field(csrf))
                        label { "Co-handlers (organisations, comma-separated)" input name="handlers" value=(handlers.join(", ")); }
                        button type="submit" { "Name co-handlers" }
                    }
                }
            }
        }
        section aria-labelledby="obs-h" {
            h2 id="obs-h" { "Observables (" (m.observables.len()) ")" }
            table {
                thead { tr { th scope="col" { "Kind" } th scope="col" { "Value" } th scope="col" { "Role" } } }
                tbody { @for o in &m.observables { tr { td { (o.observable.kind().as_str()) } td { a href={ "/lookup?q=" (enc(o.observable.value())) } { code { (o.observable.value()) } } } td { (o.role.as_str()) } } } }
            }
        }
        section aria-labelledby="rel-h" id="related" {
            h2 id="rel-h" { "Related incidents (" (related.len()) ")" }
            @if related.is_empty() { p.muted { "No readable incident shares a value with this one." } }
            @else {
                table {
                    thead { tr { th scope="col" { "Incident" } th scope="col" { "Reporter" } th scope="col" { "TLP" } th scope="col" { "Shared values" } } }
                    tbody {
                        @for r in &related {
                            tr {
                                td { a href={ "/incidents/" (r.incident.key) } { (r.incident.key) ": " (r.incident.title.as_deref().unwrap_or(&r.incident.global_id)) } }
                                td { (r.incident.reporter) }
                                td { (tlp(r.incident.tlp)) }
                                td { @for (mine, theirs, how) in &r.shared { code { (mine.value()) } @if mine != theirs { " ~ " code { (theirs.value()) } } " (" (how.as_str()) ") " } }
                            }
                        }
                    }
                }
            }
        }
        section aria-labelledby="hist-h" {
            h2 id="hist-h" { "History" }
            ol {
                @for e in &events {
                    li {
                        (e.at) " · " (e.actor) " · "
                        @if e.change == "status" { "status " (e.from.clone().flatten().as_deref().unwrap_or("—")) " → " (e.to.as_deref().unwrap_or_default()) @if let Some(Some(n)) = &e.note { " (" (n) ")" } }
                        @else { "assigned to " (e.to.as_deref().unwrap_or("nobody")) }
                    }
                }
            }
        }
        section aria-labelledby="com-h" {
            h2 id="com-h" { "Comments (" (comments.len()) ")" }
            @for c in &comments {
                article.panel { p { (c.body) } p.muted { (c.author) " (" (c.org) "), " (c.at.to_rfc3339()) } }
            }
            @if may.comment {
                form.stack method="post" action={ "/incidents/" (i.key) "/comments" } {
                    (csrf_field(csrf))
                    label { "Comment" textarea name="body" rows="3" required {} }
                    button type="submit" { "Add comment" }
                }
            }
        }
    })
    .into_response()
}

#[derive(Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    csrf: String,
    status: String,
    #[serde(default)]
    note: String,
}

pub(crate) async fn set_status(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Response {
    let done = async {
        check_csrf(&caller, &f.csrf)?;
        let to: IncidentStatus = f
            .status
            .parse()
            .map_err(|e: c5hub_model::Error| Problem::invalid("status", e.to_string()))?;
        let note = Some(f.note.trim().to_owned()).filter(|n| !n.is_empty());
        let t = Triage {
            status: Some(to),
            assignee: None,
            note,
        };
        apply_triage(&s, &caller, id, t).await
    };
    back_to_incident(&caller, id, done.await)
}

#[derive(Deserialize)]
pub(crate) struct AssigneeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    assignee: String,
}

pub(crate) async fn set_assignee(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<AssigneeForm>,
) -> Response {
    let done = async {
        check_csrf(&caller, &f.csrf)?;
        let who = Some(f.assignee.trim().to_owned()).filter(|a| !a.is_empty());
        let t = Triage {
            status: None,
            assignee: Some(who),
            note: None,
        };
        apply_triage(&s, &caller, id, t).await
    };
    back_to_incident(&caller, id, done.await)
}

#[derive(Deserialize)]
pub(crate) struct HandlersForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    handlers: String,
}

pub(crate) async fn set_handlers(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<HandlersForm>,
) -> Response {
    let done = async {
        check_csrf(&caller, &f.csrf)?;
        let orgs: Vec<String> = f
            .handlers
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect();
        let who = caller.authority(&s.config.org)?;
        s.pool
            .run(move |st| Ok(incidents::set_handlers(st, &who, id, &orgs)))
            .await??;
        Ok(())
    };
    back_to_incident(&caller, id, done.await)
}

#[derive(Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    csrf: String,
    body: String,
}

pub(crate) async fn comment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Form(f): Form<CommentForm>,
) -> Response {
    let done = async {
        check_csrf(&caller, &f.csrf)?;
        comment_on(&s, &caller, id, f.body).await.map(drop)
    };
    back_to_incident(&caller, id, done.await)
}

/// After a form on an incident page: back to the page, or the error.
fn back_to_incident(caller: &Caller, id: i64, done: Result<(), Problem>) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!("/incidents/{id}")).into_response(),
        Err(p) => error_page(caller, &p),
    }
}

pub(crate) async fn submit_form(caller: Caller) -> Response {
    if let Err(p) = caller.allowed(Role::can_submit, "submit incidents") {
        return error_page(&caller, &p);
    }
    let ctx = Page::of(&caller, "Submit an incident", "submit");
    let csrf = caller.csrf();
    page(&ctx, html! {
        h1 { "Submit an incident" }
        section aria-labelledby="upload-h" {
            h2 id="upload-h" { "Upload an IODEF document" }
            p.muted { "IODEF v2 (RFC 7970, ITU-T X.1541) in XML, or its JSON binding (RFC 8727)." }
            form.stack method="post" action="/submit" enctype="multipart/form-data" {
                (csrf_field(csrf))
                label { "Document" input type="file" name="document" accept=".xml,.json,application/xml,application/json" required; }
                label { "Share AMBER with (organisations, comma-separated)" input name="shared_with"; }
                label { "RED recipients (organisations, comma-separated)" input name="recipients"; }
                button type="submit" { "Upload" }
            }
        }
        section aria-labelledby="form-h" {
            h2 id="form-h" { "Or fill in the form" }
            form.stack method="post" action="/submit/form" {
                (csrf_field(csrf))
                label { "Incident id (name:id, e.g. bank.example:INC-42)" input name="id" required; }
                label { "Title" input name="title" required; }
                label { "RSIT class" input name="classification" placeholder="fraud/phishing"; }
                label { "TLP" select name="tlp" { @for t in Tlp::ALL { option value=(t.as_str()) selected[t == Tlp::Amber] { (t.as_str()) } } } }
                label { "Observables (one per line: IP, prefix, domain, URL, email, hash, phone)" textarea name="observables" rows="5" {} }
                label { "Description" textarea name="description" rows="4" {} }
                label { "Share AMBER with (organisations, comma-separated)" input name="shared_with"; }
                label { "RED recipients (organisations, comma-separated)" input name="recipients"; }
                button type="submit" { "Submit" }
            }
        }
    })
    .into_response()
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

async fn store_and_redirect(s: &AppState, caller: &Caller, parsed: submit::Parsed) -> Response {
    let p = match caller.allowed(Role::can_submit, "submit incidents") {
        Ok(p) => p.clone(),
        Err(e) => return error_page(caller, &e),
    };
    match submit::store(s, &p, parsed).await {
        Ok(results) => match results.first() {
            Some((o, _)) => Redirect::to(&format!("/incidents/{}", o.key())).into_response(),
            None => error_page(caller, &Problem::bad_request("nothing was stored")),
        },
        Err(e) => error_page(caller, &e),
    }
}

pub(crate) async fn submit_upload(
    State(s): State<AppState>,
    caller: Caller,
    mut mp: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut doc: Option<(Option<String>, Vec<u8>)> = None;
    let (mut shared, mut recipients) = (String::new(), String::new());
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let ct = field.content_type().map(str::to_owned);
                match field.bytes().await {
                    Ok(b) => match name.as_str() {
                        "csrf" => csrf = String::from_utf8_lossy(&b).into_owned(),
                        "document" => doc = Some((ct, b.to_vec())),
                        "shared_with" => shared = String::from_utf8_lossy(&b).into_owned(),
                        "recipients" => recipients = String::from_utf8_lossy(&b).into_owned(),
                        _ => {}
                    },
                    Err(e) => {
                        return error_page(
                            &caller,
                            &Problem::bad_request(format!("upload failed: {e}")),
                        );
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                return error_page(
                    &caller,
                    &Problem::bad_request(format!("upload failed: {e}")),
                );
            }
        }
    }
    if let Err(p) = check_csrf(&caller, &csrf) {
        return error_page(&caller, &p);
    }
    let Some((ct, bytes)) = doc else {
        return error_page(
            &caller,
            &Problem::invalid("document", "choose a file to upload"),
        );
    };
    // Browsers label uploads loosely: the registry trusts the bytes for
    // XML, the media type only to tell the native JSON from RFC 8727.
    let Ok(format) = c5hub_formats::for_body(c5hub_formats::Door::Upload, ct.as_deref(), &bytes)
    else {
        return error_page(
            &caller,
            &Problem::invalid("document", "the file is neither XML nor JSON"),
        );
    };
    let parsed = tokio::task::spawn_blocking(move || submit::parse(format, &bytes)).await;
    let mut parsed = match parsed {
        Ok(Ok(p)) => p,
        Ok(Err(p)) => return error_page(&caller, &p),
        Err(e) => return error_page(&caller, &Problem::internal(e.to_string())),
    };
    if !parsed.carries_sharing {
        parsed.shared_with = split_list(&shared);
        parsed.recipients = split_list(&recipients);
    }
    store_and_redirect(&s, &caller, parsed).await
}

#[derive(Deserialize)]
pub(crate) struct FieldsForm {
    #[serde(default)]
    csrf: String,
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    classification: String,
    tlp: String,
    #[serde(default)]
    observables: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    shared_with: String,
    #[serde(default)]
    recipients: String,
}

pub(crate) async fn submit_fields(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<FieldsForm>,
) -> Response {
    if let Err(p) = check_csrf(&caller, &f.csrf) {
        return error_page(&caller, &p);
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|x| !x.is_empty());
    let native = serde_json::json!({
        "id": f.id.trim(),
        "tlp": f.tlp,
        "title": opt(&f.title),
        "classification": opt(&f.classification),
        "description": opt(&f.description),
        "observables": f.observables.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>(),
        "shared_with": split_list(&f.shared_with),
        "recipients": split_list(&f.recipients),
    });
    let body = native.to_string().into_bytes();
    match submit::parse(&c5hub_formats::native::FORMAT, &body) {
        Ok(parsed) => store_and_redirect(&s, &caller, parsed).await,
        Err(p) => error_page(&caller, &p),
    }
}

pub(crate) async fn lookup(State(s): State<AppState>, caller: Caller, Query(q): Q) -> Response {
    let viewer = match caller.reader() {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let value = q.get("q").map(|v| v.trim().to_owned()).unwrap_or_default();
    let wanted = match crate::api::incidents::lookup_page(&q) {
        Ok(p) => p,
        Err((what, why)) => return error_page(&caller, &Problem::invalid(what, why)),
    };
    let result = if value.is_empty() {
        None
    } else {
        let v = value.clone();
        match s
            .pool
            .run(move |st| st.lookup_page(&v, &viewer, wanted))
            .await
        {
            Ok(r) => Some(r),
            Err(p) => return error_page(&caller, &p),
        }
    };
    let ctx = Page::of(&caller, "Lookup", "lookup");
    page(&ctx, html! {
        h1 { "Look up a value" }
        form.filters method="get" action="/lookup" role="search" {
            label { "IP, prefix, domain, URL, email, hash, phone number…" input type="search" name="q" value=(value) required; }
            button type="submit" { "Look up" }
        }
        @match &result {
            None => {}
            Some(Err(e)) => { div.error role="alert" { (e.to_string()) } }
            Some(Ok(l)) => {
                p { "Normalised: " code { (l.value.value()) } " (" (l.value.kind().as_str()) ")" }
                @if let Some(w) = &l.warning { div.notice { "On the warning list: " (w) ". It never correlates." } }
                table {
                    caption { (l.total) " matching incident(s)" @if l.matches.len() < l.total { ", " (l.matches.len()) " shown, newest first" } }
                    thead { tr { th scope="col" { "Incident" } th scope="col" { "Stored value" } th scope="col" { "Match" } th scope="col" { "TLP" } th scope="col" { "Reporter" } } }
                    tbody {
                        @for m in &l.matches {
                            tr {
                                td { a href={ "/incidents/" (m.incident.key) } { (m.incident.key) ": " (m.incident.title.as_deref().unwrap_or(&m.incident.global_id)) } }
                                td { code { (m.observable.value()) } }
                                td { (m.how.as_str()) }
                                td { (tlp(m.incident.tlp)) }
                                td { (m.incident.reporter) }
                            }
                        }
                    }
                }
                @if let Some(next) = l.next {
                    p { a href={ "/lookup?q=" (enc(&value)) "&before=" (next) } { "Older matches" } }
                }
                @if !l.sightings.is_empty() {
                    table {
                        caption { "Sightings" }
                        thead { tr { th scope="col" { "Value" } th scope="col" { "Count" } th scope="col" { "First seen" } th scope="col" { "Last seen" } } }
                        tbody { @for x in &l.sightings { tr { td { code { (x.observable.value()) } } td { (x.count) } td { (x.first_seen.to_rfc3339()) } td { (x.last_seen.to_rfc3339()) } } } }
                    }
                }
            }
        }
    })
    .into_response()
}
