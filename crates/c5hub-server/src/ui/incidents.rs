//! Dashboard, incident list and detail, submission and lookup pages.

use std::collections::HashMap;

use axum::extract::{Form, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::incidents::{self, Permissions};
use c5hub_hub::reads;
use c5hub_model::{IncidentStatus, Role, RsitClass, Tlp};
use c5hub_store::{IncidentOrder, IncidentSummary, SortColumn, Stats};
use maud::{Markup, html};
use serde::Deserialize;

use super::forms::{FieldErrors, filter_errors, submission_errors};
use super::page::{Page, csrf_field, page, tlp};
use super::{check_csrf, error_page};
use crate::AppState;
use crate::api::incidents::{Triage, apply_triage, comment_on};
use crate::api::submit;
use crate::auth::Caller;
use crate::problem::Problem;

type Q = Query<HashMap<String, String>>;

pub(crate) fn rows_table(rows: &[IncidentSummary], caption: &str) -> Markup {
    table_of(rows, caption, None)
}

/// The list page's sortable headers: the order shown and the page's query,
/// whose filters every header's link keeps.
struct Sorting<'a> {
    order: IncidentOrder,
    q: &'a HashMap<String, String>,
    /// Each row has a box that belongs to the bulk form (`form="bulk"`).
    select: bool,
}

/// A column's header; on the list page, a link that sorts by the column,
/// smallest first, or the other way when it is the column sorted by.
fn header(label: &str, by: Option<SortColumn>, sorting: Option<&Sorting<'_>>) -> Markup {
    let (Some(by), Some(sorting)) = (by, sorting) else {
        return html! { th scope="col" { (label) } };
    };
    let current = (sorting.order.by == by).then_some(sorting.order.ascending);
    let ascending = current.is_none_or(|asc| !asc);
    let href = format!(
        "/incidents?{}",
        query_string(
            sorting.q,
            &["cursor", "offset"],
            &[
                ("sort", by.as_str()),
                ("order", if ascending { "asc" } else { "desc" })
            ],
        )
    );
    let aria = current.map(|asc| if asc { "ascending" } else { "descending" });
    html! {
        th scope="col" aria-sort=[aria] {
            a href=(href) {
                (label)
                @if let Some(asc) = current { span.sort aria-hidden="true" { @if asc { " ▲" } @else { " ▼" } } }
            }
        }
    }
}

/// The incidents table; with `sorting` (the list page), sortable headers
/// and, when it says so, a box on each row for the bulk form.
fn table_of(rows: &[IncidentSummary], caption: &str, sorting: Option<&Sorting<'_>>) -> Markup {
    let select = sorting.is_some_and(|s| s.select);
    let th = |label: &str, by: Option<SortColumn>| header(label, by, sorting);
    html! {
        div.scroll tabindex="0" role="region" aria-label=(caption) {
            table {
                caption { (caption) }
                thead { tr {
                    @if select { th scope="col" { "Select" } }
                    (th("#", Some(SortColumn::Key)))
                    (th("Title", Some(SortColumn::Title)))
                    (th("Class", Some(SortColumn::Class)))
                    (th("TLP", Some(SortColumn::Tlp)))
                    (th("Status", Some(SortColumn::Status)))
                    (th("Reporter", Some(SortColumn::Reporter)))
                    (th("Detected", Some(SortColumn::Detected)))
                    (th("Received", None))
                } }
                tbody {
                    @for r in rows {
                        tr {
                            @if select { td { input type="checkbox" name="id" value=(r.key) form="bulk" aria-label={ "Select incident " (r.key) }; } }
                            td { a href={ "/incidents/" (r.key) } { (r.key) } }
                            td { a href={ "/incidents/" (r.key) } { (r.title.as_deref().unwrap_or(&r.global_id)) } }
                            td { (r.classification.map(|c| c.path()).unwrap_or_default()) }
                            td { (tlp(r.tlp)) }
                            td { (r.status.as_str()) }
                            td { (r.reporter) }
                            td { @if let Some(d) = r.detected { time datetime=(d.to_rfc3339()) { (d.format("%Y-%m-%d %H:%M")) } } }
                            td { time datetime=(r.created_at.to_rfc3339()) { (r.created_at.format("%Y-%m-%d %H:%M")) } }
                        }
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

/// A table of counts; each count with a filter opens the list filtered to
/// exactly what it counted.
fn counts<T>(
    caption: &str,
    rows: &[(T, i64)],
    total: i64,
    name: impl Fn(&T) -> Markup,
    filter: impl Fn(&T) -> Option<String>,
) -> Markup {
    html! {
        table.bars {
            caption { (caption) }
            tbody {
                @for (k, n) in rows {
                    tr {
                        th scope="row" { @match filter(k) { Some(q) => { a href={ "/incidents?" (q) } { (name(k)) } }, None => { (name(k)) } } }
                        td { @match filter(k) { Some(q) => { a href={ "/incidents?" (q) } aria-label={ (n) " incidents" } { (n) } }, None => { (n) } } }
                        td.bar { meter min="0" max=(total.max(1)) value=(n) { (n) } }
                    }
                }
            }
        }
    }
}

/// The class spam reports become (smishing becomes fraud/phishing and
/// stays in view): kept out of "Most recent" unless asked, since a busy
/// operator's reports would fill it.
fn spam_class() -> Option<RsitClass> {
    RsitClass::lookup("abusive-content", "spam")
}

pub(crate) async fn dashboard(State(s): State<AppState>, caller: Caller, Query(q): Q) -> Response {
    let who = match caller.reading(&s.config.org) {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let with_spam = q.get("spam").is_some_and(|v| v == "1");
    // The member's own panels: what is assigned to them, and what is new
    // and unassigned among the incidents their organisation reported (all
    // readable ones for the hub operator, which handles every incident).
    let me = caller.principal.as_ref().map(|p| {
        let mine = c5hub_store::IncidentFilter {
            assignee: Some(p.name.clone()),
            limit: 10,
            ..Default::default()
        };
        let waiting = c5hub_store::IncidentFilter {
            status: Some(IncidentStatus::New),
            unassigned: true,
            reporter: (p.org != s.config.org).then(|| p.org.clone()),
            limit: 10,
            ..Default::default()
        };
        (mine, waiting)
    });
    let panels = me.clone();
    let got = s
        .pool
        .read(move |st| {
            let recent = c5hub_store::IncidentFilter {
                limit: 10,
                not_classification: if with_spam { None } else { spam_class() },
                ..Default::default()
            };
            let one = |st: &mut c5hub_store::Store| {
                let stats = reads::stats(st, &who, 30)?;
                let recent = reads::list(st, &who, &recent)?;
                let (mine, waiting) = match &me {
                    Some((m, w)) => (reads::list(st, &who, m)?, reads::list(st, &who, w)?),
                    None => (Vec::new(), Vec::new()),
                };
                Ok::<_, c5hub_hub::Error>((stats, recent, mine, waiting))
            };
            Ok(one(st))
        })
        .await;
    let (st, recent, mine, waiting) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(e)) => return error_page(&caller, &e.into()),
        Err(p) => return error_page(&caller, &p),
    };
    let link = |f: &c5hub_store::IncidentFilter| {
        let mut parts = Vec::new();
        if let Some(a) = &f.assignee {
            parts.push(format!("assignee={}", enc(a)));
        }
        if let Some(x) = f.status {
            parts.push(format!("status={}", enc(x.as_str())));
        }
        if f.unassigned {
            parts.push("unassigned=true".to_owned());
        }
        if let Some(r) = &f.reporter {
            parts.push(format!("reporter={}", enc(r)));
        }
        format!("/incidents?{}", parts.join("&"))
    };
    let ctx = Page::of(&caller, "Dashboard", "dashboard");
    page(&ctx, html! {
        h1 { "Dashboard" }
        div.grid {
            section.panel aria-labelledby="total-h" {
                h2 id="total-h" { "Incidents you can read" }
                p.figure { a href="/incidents" { (st.total) } }
            }
            section.panel aria-labelledby="daily-h" {
                h2 id="daily-h" { "Last 30 days" }
                (daily_chart(&st))
            }
        }
        div.grid {
            section.panel { (counts("By status", &st.by_status, st.total, |x: &IncidentStatus| html! { (x.as_str()) }, |x| Some(format!("status={}", enc(x.as_str()))))) }
            section.panel { (counts("By TLP", &st.by_tlp, st.total, |x: &Tlp| tlp(*x), |x| Some(format!("tlp={}", enc(x.as_str()))))) }
            // The list has no filter for "unclassified": that row is not a link.
            section.panel { (counts("By RSIT class", &st.by_class, st.total, |x: &Option<RsitClass>| html! { (x.map(|c| c.path()).unwrap_or_else(|| "unclassified".to_owned())) }, |x| x.map(|c| format!("classification={}", enc(&c.path()))))) }
        }
        @if let Some((m, w)) = &panels {
            div.grid {
                section.panel aria-labelledby="mine-h" id="assigned-to-me" {
                    h2 id="mine-h" { "Assigned to me" }
                    @if mine.is_empty() { p.muted { "Nothing is assigned to you." } }
                    @else { (rows_table(&mine, "Newest first")) p { a href=(link(m)) { "All incidents assigned to me" } } }
                }
                section.panel aria-labelledby="waiting-h" id="new-unassigned" {
                    h2 id="waiting-h" { "New and unassigned for my organisation" }
                    @if waiting.is_empty() { p.muted { "Every new incident has someone." } }
                    @else { (rows_table(&waiting, "Newest first")) p { a href=(link(w)) { "All of them" } } }
                }
            }
        }
        section aria-labelledby="recent-h" id="recent" {
            h2 id="recent-h" { "Most recent" }
            (rows_table(&recent, if with_spam { "Newest first, spam reports included" } else { "Newest first, without spam reports" }))
            p {
                @if with_spam { a href="/" { "Leave out spam reports" } }
                @else { a href="/?spam=1#recent" { "Include spam reports" } }
            }
        }
    })
    .into_response()
}

/// The organisations, for the pickers (any member may see who the others
/// are); a public reader gets none.
async fn org_names(s: &AppState, caller: &Caller) -> Vec<String> {
    if caller.principal.is_none() {
        return Vec::new();
    }
    s.pool
        .read(|st| Ok(c5hub_hub::accounts::orgs(st)))
        .await
        .ok()
        .and_then(Result::ok)
        .map(|o| o.into_iter().map(|o| o.name).collect())
        .unwrap_or_default()
}

/// Pickers of real values: the RSIT taxonomy's classes and the hub's
/// organisations. A datalist still lets one type (and so a typo gets its
/// message beside the field).
fn pickers(orgs: &[String]) -> Markup {
    html! {
        datalist id="rsit-classes" { @for c in RsitClass::all() { option value=(c.path()) {} } }
        datalist id="orgs" { @for o in orgs { option value=(o) {} } }
    }
}

/// The list's query without its page, for links that keep the filters.
fn query_string(q: &HashMap<String, String>, drop: &[&str], add: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(String, String)> = q
        .iter()
        .filter(|(k, v)| !v.is_empty() && !drop.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in add {
        pairs.retain(|(x, _)| x != k);
        pairs.push(((*k).to_owned(), (*v).to_owned()));
    }
    pairs.sort();
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The list's date range (`from`, `to`: days, as a date picker sends
/// them) as the API's `since` and `until` (times): from the start of
/// `from` to the end of `to`, UTC. The dates are of receipt, as the API's.
fn with_times(q: &HashMap<String, String>) -> Result<HashMap<String, String>, Problem> {
    let mut out = q.clone();
    let mut errors = Vec::new();
    for (field, param, next_day) in [("from", "since", false), ("to", "until", true)] {
        let Some(v) = out.remove(field).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        match chrono::NaiveDate::parse_from_str(v.trim(), "%Y-%m-%d") {
            Ok(d) => {
                let d = if next_day {
                    d.succ_opt().unwrap_or(d)
                } else {
                    d
                };
                out.insert(param.to_owned(), format!("{d}T00:00:00Z"));
            }
            Err(_) => errors.push(crate::problem::Where {
                at: format!("query parameter {field}"),
                detail: format!("{v:?} is not a date (year-month-day)"),
            }),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Problem::bad_request("the date range is not valid").with(errors))
    }
}

/// The export formats the UI offers, with their button labels.
const EXPORTS: [(&str, &str); 3] = [
    ("iodef-xml", "IODEF XML"),
    ("iodef-json", "IODEF JSON"),
    ("csv", "CSV"),
];

pub(crate) async fn list(State(s): State<AppState>, caller: Caller, Query(q): Q) -> Response {
    let who = match caller.reading(&s.config.org) {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let orgs = org_names(&s, &caller).await;
    // A filter the hub refuses is said beside its field, on the list page
    // itself, with what was typed kept.
    let filter = with_times(&q).and_then(|q| crate::api::incidents::filter_from(&q, true));
    let (rows, total, errors, asked) = match filter {
        Ok(filter) => {
            let asked = filter.clone();
            match s
                .pool
                .run(move |st| {
                    let page = |st: &mut c5hub_store::Store| {
                        let rows = reads::list(st, &who, &filter)?;
                        // The total is asked of the first page only: later
                        // pages have a cursor, which no count knows.
                        let mut whole = filter.clone();
                        whole.before = None;
                        let total = reads::total(st, &who, &whole)?;
                        Ok::<_, c5hub_hub::Error>((rows, total))
                    };
                    Ok(page(st))
                })
                .await
            {
                Ok(Ok((r, t))) => (r, t, FieldErrors::default(), asked),
                Ok(Err(e)) => return error_page(&caller, &e.into()),
                Err(p) => return error_page(&caller, &p),
            }
        }
        Err(p) => (
            Vec::new(),
            None,
            filter_errors(&p),
            c5hub_store::IncidentFilter::default(),
        ),
    };
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    // The next page: by cursor in the default order (newest first), by
    // offset in any other; the API's answer names the same two.
    let next = c5hub_wire::incidents::IncidentPage::new(&rows, &asked);
    let older = match (&next.next_cursor, next.next_offset) {
        (Some(cursor), _) => Some((
            query_string(&q, &["offset"], &[("cursor", cursor)]),
            "Older incidents",
        )),
        (None, Some(offset)) => Some((
            query_string(&q, &["cursor"], &[("offset", &offset.to_string())]),
            "Next page",
        )),
        (None, None) => None,
    };
    let paged = ["cursor", "offset"].iter().any(|k| {
        q.get(*k)
            .is_some_and(|v| !v.trim().is_empty() && v.trim() != "0")
    });
    let first = paged.then(|| {
        format!(
            "/incidents?{}",
            query_string(&q, &["cursor", "offset"], &[])
        )
    });
    let sorting = Sorting {
        order: asked.order,
        q: &q,
        select: caller.principal.is_some(),
    };
    let ctx = Page::of(&caller, "Incidents", "incidents");
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let field = |name: &'static str, label: &str, input: Markup| {
        html! {
            label { (label) (input) }
            (errors.beside(name))
        }
    };
    let body = page(
        &ctx,
        html! {
            h1 { "Incidents" }
            (pickers(&orgs))
            (errors.summary_saying("The filter needs a correction: "))
            form.filters method="get" action="/incidents" role="search" aria-label="Filter incidents" {
                (field("observable", "Value", html! { input type="search" name="observable" value=(get("observable")) aria-describedby=[errors.described("observable")]; }))
                (field("classification", "RSIT class", html! { input name="classification" list="rsit-classes" placeholder="fraud/phishing" value=(get("classification")) aria-invalid=[errors.described("classification").map(|_| "true")] aria-describedby=[errors.described("classification")]; }))
                (field("tlp", "TLP", html! { select name="tlp" {
                    option value="" { "any" }
                    @for t in Tlp::ALL { option value=(t.as_str()) selected[get("tlp") == t.as_str()] { (t.as_str()) } }
                } }))
                (field("status", "Status", html! { select name="status" {
                    option value="" { "any" }
                    @for x in IncidentStatus::ALL { option value=(x.as_str()) selected[get("status") == x.as_str()] { (x.as_str()) } }
                } }))
                (field("reporter", "Reporter", html! { input name="reporter" list="orgs" value=(get("reporter")); }))
                (field("not_classification", "Not this class", html! { input name="not_classification" list="rsit-classes" value=(get("not_classification")) aria-describedby=[errors.described("not_classification")]; }))
                (field("assignee", "Assignee", html! { input name="assignee" value=(get("assignee")); }))
                (field("unassigned", "Unassigned only", html! { input type="checkbox" name="unassigned" value="true" checked[get("unassigned") == "true"]; }))
                (field("from", "Received from", html! { input type="date" name="from" value=(get("from")) aria-describedby=[errors.described("from")]; }))
                (field("to", "Received to", html! { input type="date" name="to" value=(get("to")) aria-describedby=[errors.described("to")]; }))
                // A new filter keeps the order chosen by the headers.
                @for name in ["sort", "order"] { @if !get(name).is_empty() { input type="hidden" name=(name) value=(get(name)); } }
                button type="submit" { "Filter" }
            }
            @if errors.is_empty() {
                (table_of(&rows, &match total {
                Some(t) => format!(
                    "{t} incident{} in all, {} on this page",
                    if t == 1 { "" } else { "s" },
                    rows.len()
                ),
                None => format!(
                    "{} incident{} on this page",
                    rows.len(),
                    if rows.len() == 1 { "" } else { "s" }
                ),
            }, Some(&sorting)))
                p.pager {
                    @if let Some(href) = &first { a href=(href) rel="first" { "First page" } " " }
                    @if let Some((query, label)) = &older { a href={ "/incidents?" (query) } rel="next" { (label) } }
                }
                @if caller.principal.is_some() && !rows.is_empty() {
                    form #bulk .filters method="post" action="/incidents/bulk" aria-label="With the selected incidents" {
                        (csrf_field(caller.csrf()))
                        label { "Set status" select name="status" {
                            option value="" { "unchanged" }
                            @for x in IncidentStatus::ALL { option value=(x.as_str()) { (x.as_str()) } }
                        } }
                        label { "Assign to" input name="assignee" placeholder="unchanged"; }
                        button type="submit" { "Change selected" }
                        @for (name, label) in EXPORTS {
                            button type="submit" formaction="/incidents/bulk/export" name="format" value=(name) { "Export selected (" (label) ")" }
                        }
                    }
                }
                p.exports {
                    "Export every incident these filters select: "
                    @for (name, label) in EXPORTS {
                        a.button href={ "/incidents/export?" (query_string(&q, &["cursor", "offset", "limit"], &[("format", name)])) } download { (label) } " "
                    }
                }
            } @else {
                p.muted { "Correct the filter to see the incidents." }
            }
        },
    );
    (status, body).into_response()
}

/// An export of the incidents the list's filters select, as a download:
/// the same hub operation and TLP rule as `GET /api/v1/export`.
pub(crate) async fn export_list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Response {
    let done = async {
        let who = caller.reading(&s.config.org)?;
        let format = export_format(&q)?;
        let mut q = q.clone();
        // A page's position means nothing to an export of every row; its
        // order is kept.
        for paging in ["cursor", "offset", "limit"] {
            q.remove(paging);
        }
        let filter = crate::api::incidents::filter_from(&with_times(&q)?, false)?;
        let incidents = s
            .pool
            .read(move |st| Ok(reads::export(st, &who, &filter)))
            .await??;
        Ok::<_, Problem>(download(format, &incidents, "c5hub-incidents"))
    };
    match done.await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}

/// One incident as a download, in the formats of the list's export.
pub(crate) async fn export_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<i64>,
    Query(q): Q,
) -> Response {
    let done = async {
        let who = caller.reading(&s.config.org)?;
        let format = export_format(&q)?;
        let one = s
            .pool
            .read(move |st| Ok(reads::incident(st, &who, id)))
            .await??;
        Ok::<_, Problem>(download(format, &[one], &format!("c5hub-incident-{id}")))
    };
    match done.await {
        Ok(r) => r,
        Err(p) if p.status == StatusCode::NOT_FOUND => super::not_found_for(&caller),
        Err(p) => error_page(&caller, &p),
    }
}

/// The selected incidents of the list's bulk form.
fn selected(pairs: &[(String, String)]) -> Result<Vec<i64>, Problem> {
    let ids: Result<Vec<i64>, _> = pairs
        .iter()
        .filter(|(k, _)| k == "id")
        .map(|(_, v)| v.parse::<i64>())
        .collect();
    let ids = ids.map_err(|_| Problem::invalid("id", "not an incident key"))?;
    if ids.is_empty() {
        return Err(Problem::invalid(
            "id",
            "select at least one incident (the boxes in the list)",
        ));
    }
    Ok(ids)
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map_or("", |(_, v)| v.trim())
}

/// The list's bulk change: the hub's bulk triage (the API's `POST
/// /api/v1/incidents/bulk`), then a page saying which incidents changed
/// and which were refused, and why.
pub(crate) async fn bulk(
    State(s): State<AppState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let done = async {
        check_csrf(&caller, field(&pairs, "csrf"))?;
        let ids = selected(&pairs)?;
        let status = match field(&pairs, "status") {
            "" => None,
            x => Some(
                x.parse::<IncidentStatus>()
                    .map_err(|e| Problem::invalid("status", e.to_string()))?,
            ),
        };
        let assignee = match field(&pairs, "assignee") {
            "" => None,
            a => Some(Some(a.to_owned())),
        };
        if status.is_none() && assignee.is_none() {
            return Err(Problem::invalid(
                "status",
                "choose a status or an assignee for the selected incidents",
            ));
        }
        let t = Triage {
            status,
            assignee,
            note: None,
        };
        crate::api::incidents::bulk_triage(&s, &caller, ids, t).await
    };
    let answer = match done.await {
        Ok(a) => a,
        Err(p) if p.status == StatusCode::UNAUTHORIZED => return error_page(&caller, &p),
        Err(p) => {
            let ctx = Page::of(&caller, "Bulk change", "incidents");
            let body = page(
                &ctx,
                html! {
                    h1 { "Bulk change" }
                    div.error role="alert" { p { "Nothing was changed: " (super::forms::plain(&p.detail)) } }
                    p { a href="/incidents" { "Back to the list" } }
                },
            );
            return (p.status, body).into_response();
        }
    };
    let ctx = Page::of(&caller, "Bulk change", "incidents");
    page(&ctx, html! {
        h1 { "Bulk change" }
        section aria-labelledby="done-h" id="bulk-done" {
            h2 id="done-h" { "Changed (" (answer.done.len()) ")" }
            @if answer.done.is_empty() { p.muted { "None." } }
            ul { @for k in &answer.done { li { a href={ "/incidents/" (k) } { "Incident " (k) } } } }
        }
        section aria-labelledby="refused-h" id="bulk-refused" {
            h2 id="refused-h" { "Refused (" (answer.refused.len()) ")" }
            @if answer.refused.is_empty() { p.muted { "None." } }
            ul { @for r in &answer.refused { li { a href={ "/incidents/" (r.id) } { "Incident " (r.id) } ": " (r.reason) } } }
        }
        p { a href="/incidents" { "Back to the list" } }
    })
    .into_response()
}

/// The list's bulk export: the selected incidents the reader may read, in
/// one file (an unreadable key is left out, as the API's export leaves
/// out what TLP hides).
pub(crate) async fn bulk_export(
    State(s): State<AppState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let done = async {
        let who = caller.reading(&s.config.org)?;
        let ids = selected(&pairs)?;
        let mut q = HashMap::new();
        q.insert("format".to_owned(), field(&pairs, "format").to_owned());
        let format = export_format(&q)?;
        let found = s
            .pool
            .read(move |st| {
                let mut out = Vec::new();
                for k in ids {
                    match reads::incident(st, &who, k) {
                        Ok(i) => out.push(i),
                        Err(c5hub_hub::Error::NotFound(_)) => {}
                        Err(e) => return Ok(Err(e)),
                    }
                }
                Ok(Ok(out))
            })
            .await??;
        Ok::<_, Problem>(download(format, &found, "c5hub-selected"))
    };
    match done.await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}

fn export_format(q: &HashMap<String, String>) -> Result<&'static c5hub_formats::Format, Problem> {
    let name = q.get("format").map_or("iodef-xml", String::as_str);
    EXPORTS
        .iter()
        .find(|(n, _)| *n == name)
        .and_then(|(n, _)| c5hub_formats::by_name(n))
        .filter(|f| f.encode.is_some())
        .ok_or_else(|| {
            Problem::invalid(
                "query parameter format",
                format!("{name:?}: use iodef-xml, iodef-json or csv"),
            )
        })
}

fn download(
    format: &'static c5hub_formats::Format,
    incidents: &[c5hub_store::StoredIncident],
    stem: &str,
) -> Response {
    let (text, ct) = crate::api::incidents::render_export(format, incidents);
    let ext = match format.name {
        "iodef-xml" => "xml",
        "csv" => "csv",
        _ => "json",
    };
    (
        [
            (header::CONTENT_TYPE, ct.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{stem}.{ext}\""),
            ),
        ],
        text,
    )
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
    detail_page(&s, &caller, id, None).await
}

/// A form on the incident page that the hub refused: which form, what was
/// typed, and the messages for its fields. The page is shown again with
/// them in place.
pub(crate) struct Recover {
    form: &'static str,
    values: HashMap<&'static str, String>,
    errors: FieldErrors,
    status: StatusCode,
}

impl Recover {
    /// Maps a refusal of form `form` to its fields: the hub names the
    /// field (`/assignee`, `/note`); a refusal that names none (not
    /// allowed, an expired form) goes beside the form's main field.
    fn of(
        form: &'static str,
        main: &'static str,
        values: &[(&'static str, &str)],
        p: &Problem,
    ) -> Recover {
        let mut errors = FieldErrors::default();
        for e in &p.errors {
            let field = e.at.trim_start_matches('/');
            let field = values
                .iter()
                .map(|(k, _)| *k)
                .find(|k| *k == field)
                .unwrap_or(main);
            errors.add(field, super::forms::plain(&e.detail));
        }
        if errors.is_empty() {
            errors.add(main, super::forms::plain(&p.detail));
        }
        Recover {
            form,
            values: values.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
            errors,
            status: p.status,
        }
    }
}

/// Whether the incident page offers form `form` to a caller with `may`.
fn offered(form: &str, may: Permissions) -> bool {
    match form {
        "status" | "assignee" => may.triage,
        "handlers" => may.name_handlers,
        _ => may.comment,
    }
}

async fn detail_page(s: &AppState, caller: &Caller, id: i64, recover: Option<Recover>) -> Response {
    let caller = caller.clone();
    let who = match caller.reading(&s.config.org) {
        Ok(v) => v,
        Err(p) => return error_page(&caller, &p),
    };
    let got = s
        .pool
        .read(move |st| {
            let one = |st: &mut c5hub_store::Store| {
                let i = reads::incident(st, &who, id)?;
                let (h, a) = reads::history(st, &who, id)?;
                let c = reads::comments(st, &who, id)?;
                let r = reads::related(st, &who, id)?;
                let handlers = reads::handlers(st, &who, id)?;
                // Only a member that may triage learns whom it may assign.
                let assignable = match &who {
                    c5hub_hub::Authority::Member { .. } => incidents::assignable(st, &who, id)?,
                    _ => Vec::new(),
                };
                Ok::<_, c5hub_hub::Error>((i, h, a, c, r, handlers, assignable))
            };
            Ok(one(st))
        })
        .await;
    let (i, history, assignments, comments, related, handlers, assignable) = match got {
        Ok(Ok(x)) => x,
        Ok(Err(c5hub_hub::Error::NotFound(_))) => return super::not_found_for(&caller),
        Ok(Err(e)) => return error_page(&caller, &e.into()),
        Err(p) => return error_page(&caller, &p),
    };
    let orgs = org_names(s, &caller).await;
    let assignee = i.assignee.clone();
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
    let none = FieldErrors::default();
    let (errs, status) = recover
        .as_ref()
        .map_or((&none, StatusCode::OK), |r| (&r.errors, r.status));
    // What the refused form held, else what the incident holds now.
    let kept = |form: &str, field: &str, now: String| -> String {
        recover
            .as_ref()
            .filter(|r| r.form == form)
            .and_then(|r| r.values.get(field).cloned())
            .unwrap_or(now)
    };
    let status_now = kept("status", "status", m.status.as_str().to_owned());
    let body = page(
        &ctx,
        html! {
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
                @if let Some(a) = &i.provenance {
                    dt { "From hub" }
                    dd id="provenance" {
                        (a.provenance.origin) " (its incident " (a.provenance.origin_key)
                        ", version " (a.provenance.origin_version) "), by way of "
                        (a.provenance.path.join(" → ")) "; received " (a.received_at.to_rfc3339())
                    }
                }
            }
            @if let Some(d) = &m.description { p { (d) } }
            @if let Some(r) = recover.as_ref().filter(|r| !offered(r.form, may)) {
                // A form this page does not offer (sent from an older page,
                // or by hand): its refusal is said here.
                div.error role="alert" { @for m in r.errors.all() { p { (m) } } }
            }
            p.exports {
                "Export this incident: "
                @for (name, label) in EXPORTS {
                    a.button href={ "/incidents/" (i.key) "/export?format=" (name) } download { (label) } " "
                }
            }
            @if may.triage {
                section aria-labelledby="triage-h" {
                    h2 id="triage-h" { "Triage" }
                    form.filters method="post" action={ "/incidents/" (i.key) "/status" } {
                        (csrf_field(csrf))
                        label { "New status" select name="status" aria-describedby=[errs.described("status")] {
                            @for x in IncidentStatus::ALL { option value=(x.as_str()) selected[x.as_str() == status_now] { (x.as_str()) } }
                        } }
                        (errs.beside("status"))
                        label { "Note" input name="note" value=(kept("status", "note", String::new())) aria-describedby=[errs.described("note")]; }
                        (errs.beside("note"))
                        button type="submit" { "Change status" }
                    }
                    datalist id="assignable" { @for u in &assignable { option value=(u) {} } }
                    form.filters method="post" action={ "/incidents/" (i.key) "/assignee" } {
                        (csrf_field(csrf))
                        label { "Assignee" input name="assignee" list="assignable" value=(kept("assignee", "assignee", assignee.clone().unwrap_or_default())) aria-describedby=[errs.described("assignee")]; }
                        (errs.beside("assignee"))
                        button type="submit" { "Assign" }
                    }
                    @if may.name_handlers {
                        datalist id="orgs" { @for o in &orgs { option value=(o) {} } }
                        form.filters method="post" action={ "/incidents/" (i.key) "/handlers" } {
                            (csrf_field(csrf))
                            label { "Co-handlers (organisations, comma-separated)" input name="handlers" list="orgs" value=(kept("handlers", "handlers", handlers.join(", "))) aria-describedby=[errs.described("handlers")]; }
                            (errs.beside("handlers"))
                            button type="submit" { "Name co-handlers" }
                        }
                    }
                }
            }
            section aria-labelledby="obs-h" {
                h2 id="obs-h" { "Observables (" (m.observables.len()) ")" }
                div.scroll tabindex="0" role="region" aria-label="Observables" {
                    table {
                        thead { tr { th scope="col" { "Kind" } th scope="col" { "Value" } th scope="col" { "Role" } } }
                        tbody { @for o in &m.observables { tr { td { (o.observable.kind().as_str()) } td { a href={ "/lookup?q=" (enc(o.observable.value())) } { code { (o.observable.value()) } } } td { (o.role.as_str()) } } } }
                    }
                }
            }
            section aria-labelledby="rel-h" id="related" {
                h2 id="rel-h" { "Related incidents (" (related.len()) ")" }
                @if related.is_empty() { p.muted { "No readable incident shares a value with this one." } }
                @else {
                    div.scroll tabindex="0" role="region" aria-label="Related incidents" {
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
                        label { "Comment" textarea name="body" rows="3" required aria-describedby=[errs.described("body")] { (kept("comment", "body", String::new())) } }
                        (errs.beside("body"))
                        button type="submit" { "Add comment" }
                    }
                }
            }
        },
    );
    (status, body).into_response()
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
    let values = [("status", f.status.as_str()), ("note", f.note.as_str())];
    back_to_incident(&s, &caller, id, done.await, "status", &values).await
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
    let values = [("assignee", f.assignee.as_str())];
    back_to_incident(&s, &caller, id, done.await, "assignee", &values).await
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
    let values = [("handlers", f.handlers.as_str())];
    back_to_incident(&s, &caller, id, done.await, "handlers", &values).await
}

#[derive(Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
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
        comment_on(&s, &caller, id, f.body.clone()).await.map(drop)
    };
    let values = [("body", f.body.as_str())];
    back_to_incident(&s, &caller, id, done.await, "comment", &values).await
}

/// After a form on an incident page: back to the page, or the page again
/// with the form as it was sent and the messages beside its fields. Only
/// a missing session leaves the page (to log in).
async fn back_to_incident(
    s: &AppState,
    caller: &Caller,
    id: i64,
    done: Result<(), Problem>,
    form: &'static str,
    values: &[(&'static str, &str)],
) -> Response {
    match done {
        Ok(()) => Redirect::to(&format!("/incidents/{id}")).into_response(),
        Err(p) if p.status == StatusCode::UNAUTHORIZED => error_page(caller, &p),
        Err(p) if p.status == StatusCode::NOT_FOUND => super::not_found_for(caller),
        Err(p) => {
            let main = values.first().map_or("", |(k, _)| *k);
            let r = Recover::of(form, main, values, &p);
            detail_page(s, caller, id, Some(r)).await
        }
    }
}

/// What the submission page's two forms hold: empty on first show, what
/// was sent when it is shown again with its messages.
#[derive(Clone, Debug, Default)]
pub(crate) struct Typed {
    id: String,
    title: String,
    classification: String,
    tlp: String,
    observables: String,
    description: String,
    shared_with: Vec<String>,
    recipients: Vec<String>,
    /// Which form was sent (`form` or `upload`), for the messages.
    sent: &'static str,
}

impl Typed {
    /// Reads the fields form (its sharing lists are multiple pickers, so
    /// a name may come more than once).
    fn from_pairs(pairs: &[(String, String)]) -> (Typed, String) {
        let mut t = Typed {
            sent: "form",
            ..Typed::default()
        };
        let mut csrf = String::new();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => csrf.clone_from(v),
                "id" => t.id.clone_from(v),
                "title" => t.title.clone_from(v),
                "classification" => t.classification.clone_from(v),
                "tlp" => t.tlp.clone_from(v),
                "observables" => t.observables.clone_from(v),
                "description" => t.description.clone_from(v),
                "shared_with" => t.shared_with.extend(split_list(v)),
                "recipients" => t.recipients.extend(split_list(v)),
                _ => {}
            }
        }
        (t, csrf)
    }
}

pub(crate) async fn submit_form(State(s): State<AppState>, caller: Caller) -> Response {
    if let Err(p) = caller.allowed(Role::can_submit, "submit incidents") {
        return error_page(&caller, &p);
    }
    let orgs = org_names(&s, &caller).await;
    submit_page(
        &caller,
        &orgs,
        &Typed::default(),
        &FieldErrors::default(),
        StatusCode::OK,
    )
}

/// The submission page, empty or as it was sent with each message beside
/// its field.
fn submit_page(
    caller: &Caller,
    orgs: &[String],
    t: &Typed,
    errs: &FieldErrors,
    status: StatusCode,
) -> Response {
    let ctx = Page::of(caller, "Submit an incident", "submit");
    let csrf = caller.csrf();
    let none = FieldErrors::default();
    let (up, form) = if t.sent == "upload" {
        (errs, &none)
    } else {
        (&none, errs)
    };
    let tlp_now = if t.tlp.is_empty() {
        Tlp::Amber.as_str().to_owned()
    } else {
        t.tlp.clone()
    };
    let org_picker = |name: &'static str, chosen: &[String], e: &FieldErrors| {
        html! {
            select name=(name) multiple size=(orgs.len().clamp(2, 6)) aria-describedby=[e.described(name)] {
                @for o in orgs { option value=(o) selected[chosen.contains(o)] { (o) } }
            }
        }
    };
    let body = page(
        &ctx,
        html! {
            h1 { "Submit an incident" }
            (pickers(orgs))
            section aria-labelledby="upload-h" {
                h2 id="upload-h" { "Upload an IODEF document" }
                p.muted { "IODEF v2 (RFC 7970, ITU-T X.1541) in XML, or its JSON binding (RFC 8727)." }
                (up.summary())
                form.stack method="post" action="/submit" enctype="multipart/form-data" {
                    (csrf_field(csrf))
                    label { "Document" input type="file" name="document" accept=".xml,.json,application/xml,application/json" required aria-describedby=[up.described("document")]; }
                    (up.beside("document"))
                    label { "Share AMBER with (hold Ctrl to pick several)" (org_picker("shared_with", if t.sent == "upload" { &t.shared_with } else { &[] }, up)) }
                    (up.beside("shared_with"))
                    label { "RED recipients" (org_picker("recipients", if t.sent == "upload" { &t.recipients } else { &[] }, up)) }
                    (up.beside("recipients"))
                    button type="submit" { "Upload" }
                }
            }
            section aria-labelledby="form-h" {
                h2 id="form-h" { "Or fill in the form" }
                (form.summary())
                form.stack id="incident-form" method="post" action="/submit/form" {
                    (csrf_field(csrf))
                    label { "Incident id (name:id, e.g. bank.example:INC-42; leave empty and the hub makes one)"
                        input name="id" value=(t.id) aria-invalid=[form.described("id").map(|_| "true")] aria-describedby=[form.described("id")]; }
                    (form.beside("id"))
                    label { "Title" input name="title" required value=(t.title) aria-describedby=[form.described("title")]; }
                    (form.beside("title"))
                    label { "RSIT class" input name="classification" list="rsit-classes" placeholder="fraud/phishing" value=(t.classification) aria-invalid=[form.described("classification").map(|_| "true")] aria-describedby=[form.described("classification")]; }
                    (form.beside("classification"))
                    label { "TLP" select name="tlp" aria-describedby=[form.described("tlp")] { @for x in Tlp::ALL { option value=(x.as_str()) selected[x.as_str() == tlp_now] { (x.as_str()) } } } }
                    (form.beside("tlp"))
                    label { "Observables (one per line: IP, prefix, domain, URL, email, hash, phone)" textarea name="observables" rows="5" aria-invalid=[form.described("observables").map(|_| "true")] aria-describedby=[form.described("observables")] { (t.observables) } }
                    (form.beside("observables"))
                    label { "Description" textarea name="description" rows="4" aria-describedby=[form.described("description")] { (t.description) } }
                    (form.beside("description"))
                    label { "Share AMBER with (hold Ctrl to pick several)" (org_picker("shared_with", if t.sent == "form" { &t.shared_with } else { &[] }, form)) }
                    (form.beside("shared_with"))
                    label { "RED recipients" (org_picker("recipients", if t.sent == "form" { &t.recipients } else { &[] }, form)) }
                    (form.beside("recipients"))
                    button type="submit" { "Submit" }
                }
            }
        },
    );
    (status, body).into_response()
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Stores a parsed submission and opens the incident; a refusal shows the
/// submission page again with what was sent.
async fn store_and_redirect(
    s: &AppState,
    caller: &Caller,
    parsed: submit::Parsed,
    typed: &Typed,
    lines: &[usize],
) -> Response {
    let who = match caller.authority(&s.config.org) {
        Ok(w) => w,
        Err(e) => return error_page(caller, &e),
    };
    match submit::store(s, &who, parsed).await {
        Ok(results) => match results.first() {
            Some((o, _)) => Redirect::to(&format!("/incidents/{}", o.key())).into_response(),
            None => {
                submit_again(
                    s,
                    caller,
                    typed,
                    &Problem::bad_request("nothing was stored"),
                    lines,
                )
                .await
            }
        },
        Err(e) => submit_again(s, caller, typed, &e, lines).await,
    }
}

/// The submission page again after a refusal: 401 still leads to the
/// login, anything else is said beside the fields.
async fn submit_again(
    s: &AppState,
    caller: &Caller,
    typed: &Typed,
    p: &Problem,
    lines: &[usize],
) -> Response {
    if p.status == StatusCode::UNAUTHORIZED {
        return error_page(caller, p);
    }
    let orgs = org_names(s, caller).await;
    let errs = submission_errors(p, lines);
    submit_page(caller, &orgs, typed, &errs, p.status)
}

pub(crate) async fn submit_upload(
    State(s): State<AppState>,
    caller: Caller,
    mut mp: Multipart,
) -> Response {
    let mut csrf = String::new();
    let mut doc: Option<(Option<String>, Vec<u8>)> = None;
    let mut typed = Typed {
        sent: "upload",
        ..Typed::default()
    };
    let mut failed = None;
    loop {
        match mp.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or_default().to_owned();
                let ct = field.content_type().map(str::to_owned);
                match field.bytes().await {
                    Ok(b) => {
                        let text = || String::from_utf8_lossy(&b).into_owned();
                        match name.as_str() {
                            "csrf" => csrf = text(),
                            // A browser sends an empty part when no file
                            // was chosen.
                            "document" if !b.is_empty() => doc = Some((ct, b.to_vec())),
                            "shared_with" => typed.shared_with.extend(split_list(&text())),
                            "recipients" => typed.recipients.extend(split_list(&text())),
                            _ => {}
                        }
                    }
                    Err(e) => {
                        failed = Some(Problem::invalid(
                            "document",
                            format!("the upload failed: {e}"),
                        ));
                        break;
                    }
                }
            }
            Ok(None) => break,
            Err(e) => {
                failed = Some(Problem::invalid(
                    "document",
                    format!("the upload failed: {e}"),
                ));
                break;
            }
        }
    }
    if let Some(p) = failed {
        return submit_again(&s, &caller, &typed, &p, &[]).await;
    }
    if let Err(p) = check_csrf(&caller, &csrf) {
        return submit_again(&s, &caller, &typed, &p, &[]).await;
    }
    let Some((ct, bytes)) = doc else {
        let p = Problem::invalid("document", "choose a file to upload");
        return submit_again(&s, &caller, &typed, &p, &[]).await;
    };
    // Browsers label uploads loosely: the registry trusts the bytes for
    // XML, the media type only to tell the native JSON from RFC 8727.
    let Ok(format) = c5hub_formats::for_body(c5hub_formats::Door::Upload, ct.as_deref(), &bytes)
    else {
        let p = Problem::invalid("document", "the file is neither XML nor JSON");
        return submit_again(&s, &caller, &typed, &p, &[]).await;
    };
    let parsed = tokio::task::spawn_blocking(move || submit::parse(format, &bytes)).await;
    let mut parsed = match parsed {
        Ok(Ok(p)) => p,
        Ok(Err(p)) => return submit_again(&s, &caller, &typed, &p, &[]).await,
        Err(e) => return error_page(&caller, &Problem::internal(e.to_string())),
    };
    if !parsed.carries_sharing {
        parsed.shared_with.clone_from(&typed.shared_with);
        parsed.recipients.clone_from(&typed.recipients);
    }
    store_and_redirect(&s, &caller, parsed, &typed, &[]).await
}

/// An incident id for a form sent without one: the organisation's name
/// and the time, with a random tail so two forms in one second differ.
fn generated_id(org: &str) -> String {
    format!(
        "{org}:INC-{}-{:04x}",
        chrono::Utc::now().format("%Y%m%d-%H%M%S"),
        rand::random::<u16>()
    )
}

pub(crate) async fn submit_fields(
    State(s): State<AppState>,
    caller: Caller,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Response {
    let (mut t, csrf) = Typed::from_pairs(&pairs);
    // Each observable sent is the form's line it came from, so a message
    // about `/observables/1` can name that line.
    let (values, lines): (Vec<&str>, Vec<usize>) = t
        .observables
        .lines()
        .enumerate()
        .map(|(n, l)| (l.trim(), n + 1))
        .filter(|(l, _)| !l.is_empty())
        .unzip();
    let values: Vec<String> = values.into_iter().map(str::to_owned).collect();
    if let Err(p) = check_csrf(&caller, &csrf) {
        return submit_again(&s, &caller, &t, &p, &lines).await;
    }
    if t.id.trim().is_empty()
        && let Some(p) = &caller.principal
    {
        t.id = generated_id(&p.org);
    }
    let opt = |s: &str| Some(s.trim().to_owned()).filter(|x| !x.is_empty());
    let native = serde_json::json!({
        "id": t.id.trim(),
        "tlp": t.tlp,
        "title": opt(&t.title),
        "classification": opt(&t.classification),
        "description": opt(&t.description),
        "observables": values,
        "shared_with": t.shared_with,
        "recipients": t.recipients,
    });
    let body = native.to_string().into_bytes();
    match submit::parse(&c5hub_formats::native::FORMAT, &body) {
        Ok(parsed) => store_and_redirect(&s, &caller, parsed, &t, &lines).await,
        Err(p) => submit_again(&s, &caller, &t, &p, &lines).await,
    }
}

/// How a value matched, in a reader's words.
fn match_words(how: &c5hub_store::MatchKind) -> &'static str {
    use c5hub_store::MatchKind;
    match how {
        MatchKind::Exact => "exact",
        MatchKind::InStoredPrefix => "in a stored prefix",
        MatchKind::InLookedUpPrefix => "inside the prefix",
        MatchKind::SameDomain => "same domain",
        MatchKind::SubDomain => "sub-domain",
    }
}

pub(crate) async fn lookup(State(s): State<AppState>, caller: Caller, Query(q): Q) -> Response {
    let who = match caller.reading(&s.config.org) {
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
            .run(move |st| Ok(reads::lookup(st, &who, &v, wanted)))
            .await
        {
            // A value that is no observable is said on the page.
            Ok(Err(c5hub_hub::Error::Invalid { detail, .. })) => Some(Err(detail)),
            Ok(Err(e)) => return error_page(&caller, &e.into()),
            Ok(Ok(l)) => Some(Ok(l)),
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
            Some(Err(e)) => { div.error role="alert" { (e) } }
            Some(Ok(l)) => {
                p { "Normalised: " code { (l.value.value()) } " (" (l.value.kind().as_str()) ")" }
                @if let Some(w) = &l.warning { div.notice { "On the warning list: " (w) ". It never correlates." } }
                div.scroll tabindex="0" role="region" aria-label="Matching incidents" {
                    table {
                        caption {
                            (l.total) @if l.total == 1 { " matching incident" } @else { " matching incidents" }
                            @if l.incidents.len() < l.total { ", " (l.incidents.len()) " shown, newest first" }
                        }
                        thead { tr { th scope="col" { "Incident" } th scope="col" { "Values that matched" } th scope="col" { "TLP" } th scope="col" { "Reporter" } } }
                        tbody {
                            @for hit in &l.incidents {
                                tr {
                                    td { a href={ "/incidents/" (hit.incident.key) } { (hit.incident.key) ": " (hit.incident.title.as_deref().unwrap_or(&hit.incident.global_id)) } }
                                    td {
                                        ul.plain {
                                            @for v in &hit.values {
                                                li { code { (v.observable.value()) } " " span.how { (match_words(&v.how)) } }
                                            }
                                        }
                                    }
                                    td { (tlp(hit.incident.tlp)) }
                                    td { (hit.incident.reporter) }
                                }
                            }
                        }
                    }
                }
                @if let Some(next) = l.next {
                    p { a href={ "/lookup?q=" (enc(&value)) "&before=" (next) } { "Older incidents" } }
                }
                @if !l.sightings.is_empty() {
                    div.scroll tabindex="0" role="region" aria-label="Sightings" {
                        table {
                            caption { "Sightings" }
                            thead { tr { th scope="col" { "Value" } th scope="col" { "Count" } th scope="col" { "First seen" } th scope="col" { "Last seen" } } }
                            tbody { @for x in &l.sightings { tr { td { code { (x.observable.value()) } } td { (x.count) } td { (x.first_seen.to_rfc3339()) } td { (x.last_seen.to_rfc3339()) } } } }
                        }
                    }
                }
            }
        }
    })
    .into_response()
}
