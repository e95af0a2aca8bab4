//! The spam page: the impact metrics as charts, campaigns across
//! operators, the latest reports of the caller's organisation, and a form
//! to report a message; one page per report with its reasons and the
//! analyst's verdict. Reads and writes are `c5hub_hub::spam` operations,
//! as the API's are, so the page shows what the API would.

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use c5hub_hub::spam::{self as ops, Access, ReportView};
use c5hub_spam::report::{Channel, UserVerdict};
use chrono::{DateTime, NaiveDateTime, Utc};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use serde_json::Value;

use super::forms::FieldErrors;
use super::page::{Page, csrf_field, page};
use super::{check_csrf, error_page};
use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Problem, Where};
use crate::spam::{self, Incoming};

const LATEST: usize = 20;
const CAMPAIGNS: usize = 10;

fn short(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn reports_table(views: &[ReportView], caption: &str) -> Markup {
    html! {
        table {
            caption { (caption) }
            thead { tr {
                th scope="col" { "#" } th scope="col" { "Reported" } th scope="col" { "Operator" }
                th scope="col" { "Sender" } th scope="col" { "Message" } th scope="col" { "Filter" }
                th scope="col" { "Decided by" } th scope="col" { "Verdict" }
            } }
            tbody {
                @for view in views {
                    @let r = &view.row;
                    tr {
                        td { a href={ "/spam/reports/" (r.key) } { (r.key) } }
                        td { time datetime=(r.reported_at.to_rfc3339()) { (r.reported_at.format("%Y-%m-%d %H:%M")) } }
                        td { (r.operator) }
                        td { code { (short(r.sender.as_deref().unwrap_or("—"), 24)) } }
                        td { (short(&r.text, 80)) }
                        td {
                            (r.label.as_deref().unwrap_or("—"))
                            @if r.smishing { " " span.flag { "smishing" } }
                        }
                        td { (r.decided_by.as_deref().unwrap_or("—")) }
                        td { (r.verdict) }
                    }
                }
            }
        }
    }
}

/// An RFC 3339 time from the JSON as `YYYY-MM-DD HH:MM` (UTC).
fn when(t: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(t)
        .ok()
        .map(|t| t.with_timezone(&Utc).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn campaigns_table(campaigns: &[c5hub_wire::spam::Campaign]) -> Markup {
    html! {
        table {
            caption { "Campaigns of confirmed spam, largest first" }
            thead { tr {
                th scope="col" { "Messages" } th scope="col" { "Campaign" } th scope="col" { "Operators" } th scope="col" { "First seen" }
                th scope="col" { "Last seen" } th scope="col" { "Sample" } th scope="col" { "Links" }
            } }
            tbody {
                @for c in campaigns {
                    tr {
                        td.num { (c.volume) }
                        td { a href={ "/spam/campaigns/" (c.number) } { "#" (c.number) } }
                        td { (c.operators.join(", ")) }
                        td { (when(&c.first_seen)) }
                        td { (when(&c.last_seen)) }
                        td { (short(&c.sample, 90)) }
                        td { @for u in c.urls.iter().take(3) { code { (u) } " " } }
                    }
                }
            }
        }
    }
}

fn impact_section(impact: &Value) -> Markup {
    let figure = |v: &Value| match v.as_f64() {
        Some(x) if x.fract() != 0.0 => format!("{x:.1}"),
        Some(x) => format!("{x:.0}"),
        None => "—".to_owned(),
    };
    html! {
        section aria-labelledby="impact-h" {
            h2 id="impact-h" { "Impact over the last " (impact["window_days"]) " days" }
            dl.figures {
                div { dt { "Reports" } dd { (impact["reports"]) } }
                div { dt { "Confirmed spam" } dd { (figure(&impact["spam_share_pct"])) " %" } }
                div { dt { "Smishing of spam" } dd { (figure(&impact["smishing_share_of_spam_pct"])) " %" } }
                div { dt { "Campaigns across operators" } dd { (impact["campaigns"]["across_operators"]) " of " (impact["campaigns"]["count"]) } }
                div { dt { "Minutes to listing (median)" } dd { (figure(&impact["listing"]["minutes_first_report_to_listing_median"])) } }
            }
            div.charts {
                @for c in c5hub_spam::chart::impact_charts(impact) {
                    figure.chart {
                        figcaption { (c.heading) }
                        (PreEscaped(c.svg))
                    }
                }
            }
        }
    }
}

fn report_form(csrf: Option<&str>, t: &ReportForm, errs: &FieldErrors) -> Markup {
    let channel = if t.channel.is_empty() {
        "sms"
    } else {
        t.channel.as_str()
    };
    let verdict = if t.verdict.is_empty() {
        "spam"
    } else {
        t.verdict.as_str()
    };
    html! {
        section aria-labelledby="report-h" {
            h2 id="report-h" { "Report a message" }
            (errs.summary())
            form.stack method="post" action="/spam/report" {
                (csrf_field(csrf))
                label { "Channel"
                    select name="channel" aria-describedby=[errs.described("channel")] {
                        @for c in [Channel::Sms, Channel::Mms, Channel::Im, Channel::Email] {
                            option value=(c.as_str()) selected[c.as_str() == channel] { (channel_label(c)) }
                        }
                    }
                }
                (errs.beside("channel"))
                label { "Sender (number, short code, sender name or e-mail)" input type="text" name="sender" maxlength="320" value=(t.sender) aria-describedby=[errs.described("sender")]; }
                (errs.beside("sender"))
                label { "Message" textarea name="text" rows="4" required aria-invalid=[errs.described("text").map(|_| "true")] aria-describedby=[errs.described("text")] { (t.text) } }
                (errs.beside("text"))
                label { "Received (UTC; empty: not known)" input type="datetime-local" name="received" value=(t.received) aria-describedby=[errs.described("received")]; }
                (errs.beside("received"))
                label { "The subscriber says"
                    select name="verdict" aria-describedby=[errs.described("verdict")] {
                        option value="spam" selected[verdict == "spam"] { "spam" }
                        option value="ham" selected[verdict == "ham"] { "not spam (a filter blocked it)" }
                    }
                }
                (errs.beside("verdict"))
                button type="submit" { "Report" }
            }
        }
    }
}

fn channel_label(c: Channel) -> &'static str {
    match c {
        Channel::Sms => "SMS",
        Channel::Mms => "MMS",
        Channel::Im => "Instant message",
        Channel::Email => "E-mail",
    }
}

/// The report form as it was sent, with the messages for its fields.
struct Refused {
    typed: ReportForm,
    errors: FieldErrors,
    status: StatusCode,
}

pub(crate) async fn overview(State(s): State<AppState>, caller: Caller) -> Response {
    match overview_inner(&s, &caller, None).await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}

async fn overview_inner(
    s: &AppState,
    caller: &Caller,
    refused: Option<Refused>,
) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let (access, snap, rows) = spam::run(s, &p, |desk, who, st| {
        let access = Access::of(st, who)?;
        let snap = ops::snapshot(desk, who, st)?;
        let rows = match access.reports_of(who) {
            Ok(_) => Some(ops::newest(desk, who, st, LATEST)?),
            Err(_) => None,
        };
        Ok((access, snap, rows))
    })
    .await?;
    let campaigns = c5hub_wire::spam::Campaign::largest(&snap.analysis, s.spam.key(), CAMPAIGNS);
    // The charts read the impact document as the API writes it.
    let impact = access
        .reads_impact()
        .then(|| serde_json::to_value(crate::api::spam::impact_answer(s, &snap, 10)))
        .transpose()
        .map_err(|e| Problem::internal(e.to_string()))?;
    let ctx = Page::of(caller, "Spam", "spam");
    let body = page(
        &ctx,
        html! {
            h1 { "Countering spam" }
            p.muted { "Reports from operators, decided by the hub's X.1242 rules and then the classifier; confirmed spam feeds campaigns and the reputation feed (" code { "/api/v1/spam/reputation" } "), where phone numbers appear only as keyed pseudonyms." }
            @if access == Access::Operator && p.role.can_submit() {
                @if let Some(r) = &refused {
                    (report_form(caller.csrf(), &r.typed, &r.errors))
                } @else {
                    (report_form(caller.csrf(), &ReportForm::default(), &FieldErrors::default()))
                }
            }
            @if let Some(i) = &impact { (impact_section(i)) }
            section aria-labelledby="campaigns-h" {
                h2 id="campaigns-h" { "Campaigns" }
                @if campaigns.is_empty() { p { "No campaign of confirmed spam yet." } } @else { div.scroll tabindex="0" role="region" aria-label="Campaigns" { (campaigns_table(&campaigns)) } }
            }
            @if let Some(rows) = &rows {
                section aria-labelledby="reports-h" {
                    h2 id="reports-h" { @if access == Access::Hub { "Latest reports of every operator" } @else { "Latest reports of " (p.org) } }
                    p { a href="/spam/queue" { "Disagreements to confirm" } " (subscriber and filter disagree)" }
                    @if rows.is_empty() { p { "No report yet." } } @else {
                        div.scroll tabindex="0" role="region" aria-label="Latest reports" { (reports_table(rows, "Newest first")) }
                    }
                }
            }
        },
    );
    let status = refused.map_or(StatusCode::OK, |r| r.status);
    Ok((status, body).into_response())
}

pub(crate) async fn campaign(
    State(s): State<AppState>,
    caller: Caller,
    Path(n): Path<String>,
) -> Response {
    let go = async {
        let p = caller.member()?.clone();
        let number: u32 = n
            .parse()
            .map_err(|_| Problem::not_found(format!("campaign {n}")))?;
        let (snap, id, reports) = spam::run(&s, &p, move |desk, who, st| {
            ops::campaign(desk, who, st, number)
        })
        .await?;
        let c = c5hub_wire::spam::Campaign::all(&snap.analysis, s.spam.key())
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| Problem::not_found(format!("campaign {number}")))?;
        let ctx = Page::of(&caller, &format!("Spam campaign #{number}"), "spam");
        Ok::<_, Problem>(page(&ctx, html! {
            p { a href="/spam" { "← Spam" } }
            h1 { "Spam campaign #" (number) }
            p.muted { "Campaigns are numbered by first sighting in the last " (s.spam.window_days()) " days: #1 is the oldest." }
            dl.facts {
                dt { "First seen" } dd { (when(&c.first_seen)) }
                dt { "Last seen" } dd { (when(&c.last_seen)) }
                dt { "Messages" } dd { (c.volume) }
                dt { "Operators" } dd { (c.operators.join(", ")) }
                dt { "Senders" } dd { @for x in &c.senders { code { (x) } " " } }
                dt { "URLs" } dd { @for u in &c.urls { code { (u) } " " } @if c.urls.is_empty() { "—" } }
                dt { "Fingerprint" } dd { code { (c.fingerprint) } }
            }
            h2 { "Sample" }
            blockquote.message { (c.sample) }
            h2 { "Reports" }
            @if reports.is_empty() {
                p { "No report of this campaign you may read (operators read their own, the hub's organisation every operator's)." }
            } @else {
                div.scroll tabindex="0" role="region" aria-label="Reports of the campaign" {
                    table {
                        caption { "In the order they were seen" }
                        thead { tr {
                            th scope="col" { "#" } th scope="col" { "Reported" } th scope="col" { "Operator" }
                            th scope="col" { "Sender" } th scope="col" { "Indicators" } th scope="col" { "Incident it became" }
                        } }
                        tbody {
                            @for r in &reports {
                                @let row = &r.view.row;
                                tr {
                                    td { a href={ "/spam/reports/" (row.key) } { (row.key) } }
                                    td { time datetime=(row.reported_at.to_rfc3339()) { (row.reported_at.format("%Y-%m-%d %H:%M")) } }
                                    td { (row.operator) }
                                    td { code { (short(row.sender.as_deref().unwrap_or("—"), 24)) } }
                                    td {
                                        @if row.smishing { span.flag { "smishing" } " " }
                                        (row.label.as_deref().unwrap_or("—"))
                                    }
                                    td { @if let Some(g) = &r.incident { code { (g) } } @else { "—" } }
                                }
                            }
                        }
                    }
                }
            }
        })
        .into_response())
    };
    match go.await {
        Ok(r) => r,
        Err(p) if p.status == StatusCode::NOT_FOUND => super::not_found_for(&caller),
        Err(p) => error_page(&caller, &p),
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub(crate) struct ReportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    channel: String,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    text: String,
    /// `YYYY-MM-DDTHH:MM` as a `datetime-local` field sends it, in UTC.
    #[serde(default)]
    received: String,
    #[serde(default)]
    verdict: String,
}

/// A refusal of the report form: the field it concerns and its message in
/// plain words. The hub's words name the field first (`text is empty`,
/// `sender longer than 320 bytes`, `received_at ... is in the future`).
fn report_refusal(detail: &str) -> (&'static str, String) {
    let (field, label) = match detail.split_whitespace().next().unwrap_or_default() {
        "text" => ("text", "Message"),
        "sender" => ("sender", "Sender"),
        "received_at" => ("received", "Received"),
        _ => ("", ""),
    };
    if field.is_empty() {
        return ("", detail.to_owned());
    }
    let why = match detail {
        "text is empty" => {
            "the message is empty: paste the text the subscriber received".to_owned()
        }
        d => d.to_owned(),
    };
    (field, format!("{label}: {why}"))
}

/// A `datetime-local` value (or RFC 3339) as a UTC time.
fn received_at(v: &str) -> Result<Option<DateTime<Utc>>, String> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(Some(t.with_timezone(&Utc)));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(v, f).ok())
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| format!("Received: {v} is not a date and time (YYYY-MM-DD HH:MM, UTC)"))
}

pub(crate) async fn report(
    State(s): State<AppState>,
    caller: Caller,
    Form(f): Form<ReportForm>,
) -> Response {
    let typed = f.clone();
    let p = match report_inner(&s, &caller, f).await {
        Ok(r) => return r,
        Err(p) => p,
    };
    // Not allowed, not logged in, too many: not the input's fault, so
    // not said beside a field.
    if !matches!(
        p.status,
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
    ) {
        return error_page(&caller, &p);
    }
    let mut errors = FieldErrors::default();
    for e in &p.errors {
        errors.add(&e.at, e.detail.clone());
    }
    if errors.is_empty() {
        errors.add("", super::forms::plain(&p.detail));
    }
    let refused = Refused {
        typed,
        errors,
        status: p.status,
    };
    match overview_inner(&s, &caller, Some(refused)).await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}

/// Sends the report; a refusal names the form's field in `at` with a
/// message in plain words.
async fn report_inner(s: &AppState, caller: &Caller, f: ReportForm) -> Result<Response, Problem> {
    check_csrf(caller, &f.csrf)?;
    let p = caller.member()?.clone();
    spam::run(s, &p, |_, who, st| ops::submitter(st, who)).await?;
    let mut refused = Vec::new();
    let channel: Option<Channel> = f
        .channel
        .parse()
        .map_err(|e: String| refused.push(("channel", format!("Channel: {e}"))))
        .ok();
    let verdict: Option<UserVerdict> = f
        .verdict
        .parse()
        .map_err(|e: String| refused.push(("verdict", format!("The subscriber says: {e}"))))
        .ok();
    let received = received_at(&f.received)
        .map_err(|e| refused.push(("received", e)))
        .ok();
    let reports = match (channel, verdict, received) {
        (Some(channel), Some(verdict), Some(received_at)) => {
            let incoming = Incoming {
                channel,
                text: f.text.replace("\r\n", "\n"),
                sender: Some(f.sender).filter(|s| !s.trim().is_empty()),
                recipient: None,
                received_at,
                reported_at: None,
                verdict,
            };
            match spam::reports_from(s.spam.key(), &p.org, vec![incoming], Utc::now()) {
                Ok(r) => r,
                Err(errs) => {
                    refused.extend(errs.iter().map(|(_, e)| report_refusal(e)));
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    };
    // An empty message is said with the other refusals, not after them.
    if !refused.is_empty() && f.text.trim().is_empty() && !refused.iter().any(|(k, _)| *k == "text")
    {
        refused.push(report_refusal("text is empty"));
    }
    if !refused.is_empty() {
        return Err(Problem::bad_request("the report was not sent").with(
            refused
                .into_iter()
                .map(|(at, detail)| Where {
                    at: at.to_owned(),
                    detail,
                })
                .collect(),
        ));
    }
    let done = spam::submit(s, &p, reports).await?;
    let key = done
        .first()
        .map(|d| d.key)
        .ok_or_else(|| Problem::internal("a stored report went missing"))?;
    Ok(Redirect::to(&format!("/spam/reports/{key}")).into_response())
}

pub(crate) async fn detail(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Response {
    match detail_inner(&s, &caller, &id).await {
        Ok(r) => r,
        Err(p) if p.status == StatusCode::NOT_FOUND => super::not_found_for(&caller),
        Err(p) => error_page(&caller, &p),
    }
}

async fn detail_inner(s: &AppState, caller: &Caller, id: &str) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let k: i64 = id
        .parse()
        .map_err(|_| Problem::not_found(format!("spam report {id}")))?;
    let d = spam::run(s, &p, move |desk, who, st| ops::report(desk, who, st, k)).await?;
    let (row, campaign, reasons) = (&d.view.row, &d.campaign, &d.reasons);
    let ctx = Page::of(caller, &format!("Spam report {k}"), "spam");
    Ok(page(&ctx, html! {
        p { a href="/spam" { "← Spam" } }
        h1 { "Spam report " (k) }
        dl.facts {
            dt { "Operator" } dd { (row.operator) }
            dt { "Channel" } dd { (row.channel) }
            dt { "Sender" } dd { code { (row.sender.as_deref().unwrap_or("—")) } }
            dt { "Reported" } dd { time datetime=(row.reported_at.to_rfc3339()) { (row.reported_at.format("%Y-%m-%d %H:%M")) } }
            dt { "Filter" } dd { (row.label.as_deref().unwrap_or("—")) @if let Some(sc) = row.score { " (score " (format!("{sc:.3}")) ")" } @if row.smishing { " " span.flag { "smishing" } } }
            dt { "Decided by" } dd { (row.decided_by.as_deref().unwrap_or("—")) }
            dt { "Verdict" } dd { (row.verdict) }
            dt { "Campaign" } dd { @if let Some(c) = &campaign { code { (short(c, 40)) } } @else { "—" } }
        }
        h2 { "Message" }
        blockquote.message { (row.text) }
        h2 { "Why" }
        ul.why {
            @for w in &d.why { li { (w) } }
        }
        details {
            summary { "The model's features that weighed most" }
            table.bars {
                caption { "Features of the classifier (positive: towards spam)" }
                tbody {
                    @for r in reasons {
                        tr { th scope="row" { code { (r.feature) } } td.num { (format!("{:+.3}", r.weight)) } }
                    }
                }
            }
        }
        @if p.role.can_triage() {
            h2 { "Confirm" }
            form.stack method="post" action={ "/spam/reports/" (k) "/verdict" } {
                (csrf_field(caller.csrf()))
                label { "This message is"
                    select name="verdict" {
                        option value="spam" selected[row.verdict == "spam"] { "spam" }
                        option value="ham" selected[row.verdict == "ham"] { "not spam" }
                    }
                }
                button type="submit" { "Confirm and teach the classifier" }
            }
        }
    })
    .into_response())
}

fn queue_table(views: &[ReportView], csrf: Option<&str>, may_confirm: bool) -> Markup {
    html! {
        table {
            caption { "Newest first; a verdict takes a report off the queue and teaches the classifier" }
            thead { tr {
                th scope="col" { "#" } th scope="col" { "Reported" } th scope="col" { "Operator" }
                th scope="col" { "Message" } th scope="col" { "Subscriber says" } th scope="col" { "Filter says" }
                @if may_confirm { th scope="col" { "Confirm" } }
            } }
            tbody {
                @for view in views {
                    @let r = &view.row;
                    tr {
                        td { a href={ "/spam/reports/" (r.key) } { (r.key) } }
                        td { time datetime=(r.reported_at.to_rfc3339()) { (r.reported_at.format("%Y-%m-%d %H:%M")) } }
                        td { (r.operator) }
                        td { (short(&r.text, 80)) }
                        td { (r.verdict) }
                        td {
                            (r.label.as_deref().unwrap_or("—"))
                            @if let Some(sc) = r.score { " (" (format!("{sc:.2}")) ")" }
                        }
                        @if may_confirm {
                            td.actions {
                                @for (v, label) in [("spam", "Confirm spam"), ("ham", "Confirm not spam")] {
                                    form.inline method="post" action={ "/spam/reports/" (r.key) "/verdict" } {
                                        (csrf_field(csrf))
                                        input type="hidden" name="verdict" value=(v);
                                        input type="hidden" name="back" value="queue";
                                        button type="submit" aria-label={ (label) " (report " (r.key) ")" } { (label) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub(crate) async fn queue(State(s): State<AppState>, caller: Caller) -> Response {
    let go = async {
        let p = caller.member()?.clone();
        let items = spam::run(&s, &p, |desk, who, st| {
            ops::queue(desk, who, st, ops::QUEUE_LIMIT)
        })
        .await?;
        let ctx = Page::of(&caller, "Spam queue", "spam");
        Ok::<_, Problem>(page(&ctx, html! {
            p { a href="/spam" { "← Spam" } }
            h1 { "Disagreements to confirm" }
            p.muted { "Reports where the subscriber and the filter disagree (said spam, filtered as ham, or the reverse) and no analyst has confirmed a verdict yet." }
            @if items.is_empty() { p { "Nothing to confirm." } } @else {
                div.scroll tabindex="0" role="region" aria-label="Disagreements" {
                    (queue_table(&items, caller.csrf(), p.role.can_triage()))
                }
            }
        })
        .into_response())
    };
    match go.await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}

#[derive(Deserialize)]
pub(crate) struct VerdictForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    verdict: String,
    /// `queue`: back to the analyst's queue after the verdict.
    #[serde(default)]
    back: String,
}

pub(crate) async fn verdict(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    Form(f): Form<VerdictForm>,
) -> Response {
    let go = async {
        check_csrf(&caller, &f.csrf)?;
        let p = caller.member()?.clone();
        let k: i64 = id
            .parse()
            .map_err(|_| Problem::not_found(format!("spam report {id}")))?;
        let verdict: UserVerdict = f
            .verdict
            .parse()
            .map_err(|e: String| Problem::invalid("field verdict", e))?;
        spam::confirm(&s, &p, k, verdict).await?;
        let to = if f.back == "queue" {
            "/spam/queue".to_owned()
        } else {
            format!("/spam/reports/{k}")
        };
        Ok::<_, Problem>(Redirect::to(&to).into_response())
    };
    match go.await {
        Ok(r) => r,
        Err(p) => error_page(&caller, &p),
    }
}
