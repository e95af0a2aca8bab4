//! Countering spam over REST: operators submit reports (one, a batch, or
//! the two-step 7726-style intake) and read and confirm their own; every
//! member classifies text, reads campaigns and pulls the reputation feed;
//! operators, regulators and the hub's own organisation read the impact
//! metrics. Who may do what, and every use case, is `c5hub_hub::spam`'s:
//! a handler parses, calls one operation, and renders.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use c5hub_spam::report::{Channel, UserVerdict};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Problem, Where};
use crate::spam::{self, Incoming, MAX_BATCH};
use c5hub_hub::spam as ops;
use c5hub_hub::spam::REASONS;
use c5hub_wire::spam as wire;

type Q = Query<HashMap<String, String>>;

/// The body as JSON, refusing other media types and oversized bodies.
fn json_body(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Value, Problem> {
    let body = body.map_err(|e| {
        Problem::new(
            e.status(),
            "body",
            "The request body was not accepted",
            format!(
                "{} (limit {} bytes)",
                e.body_text(),
                state.config.max_body_bytes
            ),
        )
    })?;
    // No Content-Type (or an empty one) is taken as JSON.
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or_default();
    if !ct.is_empty()
        && ct.parse::<mime::Mime>().map_or(true, |m| {
            m.essence_str() != mime::APPLICATION_JSON.essence_str()
        })
    {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!("{ct} is not accepted; send application/json"),
        ));
    }
    serde_json::from_slice(&body).map_err(|e| {
        Problem::invalid(
            format!("body line {} column {}", e.line(), e.column()),
            format!("not JSON: {e}"),
        )
    })
}

fn parse_at<T: serde::de::DeserializeOwned>(v: Value, at: &str) -> Result<T, Problem> {
    serde_json::from_value(v)
        .map_err(|e| Problem::invalid(if at.is_empty() { "/" } else { at }, e.to_string()))
}

fn time(v: Option<&str>, at: String, errors: &mut Vec<Where>) -> Option<DateTime<Utc>> {
    let v = v.map(str::trim).filter(|v| !v.is_empty())?;
    match DateTime::parse_from_rfc3339(v) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(e) => {
            errors.push(Where {
                at,
                detail: format!("{v:?} is not an RFC 3339 time: {e}"),
            });
            None
        }
    }
}

/// One report in a request body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportIn {
    #[serde(default)]
    channel: Option<String>,
    text: String,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    recipient: Option<String>,
    #[serde(default)]
    received_at: Option<String>,
    #[serde(default)]
    reported_at: Option<String>,
    #[serde(default)]
    verdict: Option<String>,
    /// Optional; when present it must be the caller's organisation.
    #[serde(default)]
    operator: Option<String>,
}

/// Reads `{report}`, `[report, ...]` or `{"reports": [...]}`; every bad
/// report is named by its JSON pointer, and nothing is stored unless all
/// are good.
pub(crate) fn incoming(v: Value, org: &str) -> Result<(Vec<Incoming>, String), Problem> {
    let (items, prefix) = match v {
        Value::Array(a) => (a, String::new()),
        Value::Object(mut o) if o.contains_key("reports") => match o.remove("reports") {
            Some(Value::Array(a)) if o.is_empty() => (a, "/reports".to_owned()),
            Some(Value::Array(_)) => {
                let extra = o.keys().next().cloned().unwrap_or_default();
                return Err(Problem::invalid(format!("/{extra}"), "unknown field"));
            }
            _ => return Err(Problem::invalid("/reports", "expected an array of reports")),
        },
        obj @ Value::Object(_) => (vec![obj], "#single".to_owned()),
        _ => {
            return Err(Problem::invalid(
                "/",
                "expected a report object, an array of reports or {\"reports\": [...]}",
            ));
        }
    };
    if items.is_empty() {
        return Err(Problem::invalid("/", "no report in the request"));
    }
    if items.len() > MAX_BATCH {
        return Err(Problem::invalid(
            if prefix == "#single" || prefix.is_empty() {
                "/"
            } else {
                &prefix
            },
            format!("{} reports; at most {MAX_BATCH} a request", items.len()),
        ));
    }
    let single = prefix == "#single";
    let at = |i: usize, field: &str| {
        if single {
            format!("/{field}")
        } else {
            format!(
                "{prefix}/{i}{}{field}",
                if field.is_empty() { "" } else { "/" }
            )
        }
    };
    let mut out = Vec::with_capacity(items.len());
    let mut errors = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        let r: ReportIn = match serde_json::from_value(item) {
            Ok(r) => r,
            Err(e) => {
                errors.push(Where {
                    at: if single { "/".to_owned() } else { at(i, "") },
                    detail: e.to_string(),
                });
                continue;
            }
        };
        if r.operator.as_deref().is_some_and(|o| o != org) {
            errors.push(Where {
                at: at(i, "operator"),
                detail: format!("reports are submitted for the caller's organisation ({org}) only"),
            });
        }
        let channel = match r.channel.as_deref().map(str::parse::<Channel>) {
            None => Channel::Sms,
            Some(Ok(c)) => c,
            Some(Err(e)) => {
                errors.push(Where {
                    at: at(i, "channel"),
                    detail: e,
                });
                Channel::Sms
            }
        };
        let verdict = match r.verdict.as_deref().map(str::parse::<UserVerdict>) {
            None => UserVerdict::Spam,
            Some(Ok(v)) => v,
            Some(Err(e)) => {
                errors.push(Where {
                    at: at(i, "verdict"),
                    detail: e,
                });
                UserVerdict::Spam
            }
        };
        let received_at = time(r.received_at.as_deref(), at(i, "received_at"), &mut errors);
        let reported_at = time(r.reported_at.as_deref(), at(i, "reported_at"), &mut errors);
        out.push(Incoming {
            channel,
            text: r.text,
            sender: r.sender,
            recipient: r.recipient,
            received_at,
            reported_at,
            verdict,
        });
    }
    if !errors.is_empty() {
        let n = errors.len();
        return Err(Problem::bad_request(format!(
            "{n} problem{} in the reports; none was stored",
            if n == 1 { "" } else { "s" }
        ))
        .with(errors));
    }
    Ok((out, if single { String::new() } else { prefix }))
}

/// The caller, if the operations layer lets it submit reports (checked
/// before the body is read, so a refused caller learns nothing of it).
async fn operator(state: &AppState, caller: &Caller) -> Result<c5hub_store::Principal, Problem> {
    let p = caller.member()?.clone();
    spam::run(state, &p, |_, who, st| ops::submitter(st, who)).await?;
    Ok(p)
}

fn created(body: impl serde::Serialize, location: Option<String>) -> Response {
    let mut resp = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Some(v) = location.and_then(|l| HeaderValue::from_str(&l).ok()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// `POST /api/v1/spam/reports`.
pub(crate) async fn submit(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let p = operator(&s, &caller).await?;
    let v = json_body(&s, &headers, body)?;
    let (items, prefix) = incoming(v, &p.org)?;
    let reports = spam::reports_from(s.spam.key(), &p.org, items, Utc::now()).map_err(|errs| {
        let n = errs.len();
        Problem::bad_request(format!(
            "{n} report{} refused; none was stored",
            if n == 1 { "" } else { "s" }
        ))
        .with(
            errs.into_iter()
                .map(|(i, detail)| Where {
                    at: if prefix.is_empty() {
                        "/".to_owned()
                    } else {
                        format!("{prefix}/{i}")
                    },
                    detail,
                })
                .collect(),
        )
    })?;
    let done = spam::submit(&s, &p, reports).await?;
    let location = done
        .first()
        .map(|d| format!("/api/v1/spam/reports/{}", d.key));
    let body = wire::SubmitAnswer {
        results: done.iter().map(|d| spam::submitted(&s.spam, d)).collect(),
    };
    Ok(created(body, location))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntakeStart {
    text: String,
    #[serde(default)]
    recipient: Option<String>,
}

/// `POST /api/v1/spam/intake`: step one, the forwarded message.
pub(crate) async fn intake_start(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let p = operator(&s, &caller).await?;
    let b: IntakeStart = parse_at(json_body(&s, &headers, body)?, "")?;
    if b.text.trim().is_empty() {
        return Err(Problem::invalid("/text", "the forwarded message is empty"));
    }
    let id = spam::run(&s, &p, move |desk, who, st| {
        ops::intake_start(desk, who, st, &b.text, b.recipient.as_deref())
    })
    .await?;
    let next = format!("/api/v1/spam/intake/{id}");
    Ok(created(
        wire::IntakeStarted {
            intake: id,
            status: "awaiting-sender".to_owned(),
            next: next.clone(),
            message: "Thank you. Now send the number or name the message came from.".to_owned(),
        },
        Some(next),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IntakeSender {
    sender: String,
}

fn key_of(id: &str, what: &str) -> Result<i64, Problem> {
    id.parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not a {what} id")))
}

/// `POST /api/v1/spam/intake/{id}`: step two, the sender; the report is
/// decided, stored and acknowledged.
pub(crate) async fn intake_sender(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let p = operator(&s, &caller).await?;
    let intake = key_of(&id, "spam intake")?;
    let b: IntakeSender = parse_at(json_body(&s, &headers, body)?, "")?;
    let sender = b.sender.trim().to_owned();
    if sender.is_empty() || sender.len() > 320 {
        return Err(Problem::invalid(
            "/sender",
            "the sender is empty or longer than 320 bytes",
        ));
    }
    let one = spam::run(&s, &p, move |desk, who, st| {
        ops::intake_complete(desk, who, st, intake, &sender)
    })
    .await?;
    spam::observe(&s, std::slice::from_ref(&one));
    let key = one.key;
    Ok(created(
        wire::IntakeAcknowledged {
            intake,
            status: "acknowledged".to_owned(),
            acknowledgement: format!("Thank you: your report is stored as {key}."),
            result: spam::submitted(&s.spam, &one),
        },
        Some(format!("/api/v1/spam/reports/{key}")),
    ))
}

fn bad_params(q: &HashMap<String, String>, known: &[&str]) -> Result<(), Problem> {
    let errors: Vec<Where> = q
        .keys()
        .filter(|k| !known.contains(&k.as_str()))
        .map(|k| Where {
            at: format!("query parameter {k}"),
            detail: "unknown parameter".to_owned(),
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::bad_request("bad query parameters").with(errors))
    }
}

fn number_param(
    q: &HashMap<String, String>,
    name: &str,
    range: std::ops::RangeInclusive<i64>,
    default: i64,
) -> Result<i64, Problem> {
    match q.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<i64>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                Problem::invalid(
                    format!("query parameter {name}"),
                    format!("a number from {} to {}", range.start(), range.end()),
                )
            }),
    }
}

/// `GET /api/v1/spam/reports`: newest first.
pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Response, Problem> {
    bad_params(&q, &["limit", "cursor", "operator"])?;
    let p = caller.member()?.clone();
    let limit = number_param(&q, "limit", 1..=1000, 100)? as usize;
    let cursor = match q.get("cursor").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => None,
        Some(c) => Some(c.parse::<i64>().map_err(|_| {
            Problem::invalid(
                "query parameter cursor",
                "not a cursor from a previous page",
            )
        })?),
    };
    let operator = q.get("operator").cloned();
    let page = spam::run(&s, &p, move |desk, who, st| {
        ops::list(desk, who, st, operator.as_deref(), cursor, limit)
    })
    .await?;
    Ok(axum::Json(wire::StoredReportPage::from(&page)).into_response())
}

/// `GET /api/v1/spam/queue`: the analyst's queue of disagreements.
pub(crate) async fn queue(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Response, Problem> {
    bad_params(&q, &["limit"])?;
    let p = caller.member()?.clone();
    let limit = number_param(&q, "limit", 1..=ops::QUEUE_LIMIT as i64, 100)? as usize;
    let items = spam::run(&s, &p, move |desk, who, st| {
        ops::queue(desk, who, st, limit)
    })
    .await?;
    Ok(axum::Json(wire::SpamQueue {
        items: items.iter().map(wire::StoredReport::from).collect(),
    })
    .into_response())
}

/// `GET /api/v1/spam/reports/{id}`.
pub(crate) async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let k = key_of(&id, "spam report")?;
    let d = spam::run(&s, &p, move |desk, who, st| ops::report(desk, who, st, k)).await?;
    let v = wire::StoredReportDetail::from(&d);
    Ok(axum::Json(v).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VerdictIn {
    verdict: String,
}

/// `POST /api/v1/spam/reports/{id}/verdict`: an analyst confirms spam or
/// ham; the model learns from it at once.
pub(crate) async fn confirm(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let k = key_of(&id, "spam report")?;
    let b: VerdictIn = parse_at(json_body(&s, &headers, body)?, "")?;
    let verdict: UserVerdict = b
        .verdict
        .parse()
        .map_err(|e: String| Problem::invalid("/verdict", e))?;
    let c = spam::confirm(&s, &p, k, verdict).await?;
    Ok(axum::Json(wire::VerdictAnswer::from(&c)).into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyIn {
    text: String,
    #[serde(default)]
    sender: Option<String>,
}

/// `POST /api/v1/spam/classify`: rules then model, nothing stored.
pub(crate) async fn classify(
    State(s): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let p = caller.member()?.clone();
    let v = json_body(&s, &headers, body)?;
    let (items, single) = match v {
        Value::Object(mut o) if o.contains_key("messages") => match o.remove("messages") {
            Some(Value::Array(a)) if o.is_empty() => (a, false),
            _ => {
                return Err(Problem::invalid(
                    "/messages",
                    "expected an array of {\"text\": ...} and nothing beside it",
                ));
            }
        },
        other => (vec![other], true),
    };
    if items.len() > MAX_BATCH {
        return Err(Problem::invalid(
            "/messages",
            format!("{} messages; at most {MAX_BATCH} a request", items.len()),
        ));
    }
    let mut msgs = Vec::with_capacity(items.len());
    for (i, item) in items.into_iter().enumerate() {
        let at = if single {
            String::new()
        } else {
            format!("/messages/{i}")
        };
        let m: ClassifyIn = parse_at(item, &at)?;
        if m.text.len() > c5hub_spam::report::MAX_TEXT {
            return Err(Problem::invalid(
                format!("{at}/text"),
                "text longer than 64 KiB",
            ));
        }
        msgs.push(m);
    }
    let msgs = msgs.into_iter().map(|m| (m.text, m.sender)).collect();
    let mut results: Vec<wire::Classified> = spam::run(&s, &p, move |desk, who, _| {
        let model = desk.model();
        Ok(ops::classify(desk, who, msgs)?
            .iter()
            .map(|p| wire::SpamDecision::new(p, &model, desk.key(), REASONS).into())
            .collect())
    })
    .await?;
    let body = if single {
        wire::ClassifyAnswer::One(Box::new(
            results
                .pop()
                .ok_or_else(|| Problem::internal("a classification went missing"))?,
        ))
    } else {
        wire::ClassifyAnswer::Many { results }
    };
    Ok(axum::Json(body).into_response())
}

/// `GET /api/v1/spam/campaigns`: largest first.
pub(crate) async fn campaigns(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Response, Problem> {
    bad_params(&q, &["limit"])?;
    let p = caller.member()?.clone();
    let limit = number_param(&q, "limit", 1..=1000, 50)? as usize;
    let snap = spam::snapshot(&s, &p).await?;
    Ok(axum::Json(wire::CampaignsAnswer {
        window_days: s.spam.window_days(),
        campaigns: wire::Campaign::largest(&snap.analysis, s.spam.key(), limit),
    })
    .into_response())
}

/// An IMF-fixdate; a time before 1970 (never a feed's) reads as 1970.
fn http_date(t: DateTime<Utc>) -> String {
    let secs = u64::try_from(t.timestamp()).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// Whether a feed last modified at `modified` is unchanged since the
/// `If-Modified-Since` date `ims` (any of HTTP's three date formats; one
/// that does not parse says nothing, so the feed is sent).
fn unchanged_since(modified: DateTime<Utc>, ims: &str) -> bool {
    httpdate::parse_http_date(ims)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .and_then(|t| i64::try_from(t.as_secs()).ok())
        .is_some_and(|t| modified.timestamp() <= t)
}

/// `GET /api/v1/spam/reputation`: the pull feed. Conditional requests
/// (ETag and If-None-Match, Last-Modified and If-Modified-Since) answer
/// 304 when nothing changed, so a firewall may poll often and cheaply.
pub(crate) async fn reputation(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    bad_params(&q, &["format", "since"])?;
    let p = caller.member()?.clone();
    let csv = match q.get("format").map(|v| v.trim()) {
        None | Some("") | Some("json") => false,
        Some("csv") => true,
        Some(other) => {
            return Err(Problem::invalid(
                "query parameter format",
                format!("{other:?}: json or csv"),
            ));
        }
    };
    let mut errors = Vec::new();
    let since = time(
        q.get("since").map(String::as_str),
        "query parameter since".to_owned(),
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(Problem::bad_request("bad query parameters").with(errors));
    }
    let snap = spam::snapshot(&s, &p).await?;
    let now = Utc::now();
    let rep = &snap.analysis.reputation;
    let feed = rep.feed(now, since);
    let ttl = rep.policy().ttl;
    // An entry that expired changes the feed as much as a new report does.
    let expired = rep
        .entries()
        .filter(|e| e.listed_at.is_some())
        .map(|e| e.last_seen + ttl)
        .filter(|x| *x <= now)
        .max();
    let modified = expired.map_or(snap.last_change, |x| x.max(snap.last_change));
    let (body, content_type, tagged) = if csv {
        let body = rep.to_csv(&feed, s.spam.key());
        (body.clone(), "text/csv; charset=utf-8", body)
    } else {
        let v = wire::ReputationFeed::new(rep, &feed, s.spam.key(), now);
        // The time of writing changes every poll; the entries are what a
        // firewall caches on.
        let tagged =
            serde_json::to_string(&v.entries).map_err(|e| Problem::internal(e.to_string()))?;
        let body = serde_json::to_string(&v).map_err(|e| Problem::internal(e.to_string()))?;
        (body, "application/json", tagged)
    };
    let digest = Sha256::digest(format!("{csv}\n{tagged}").as_bytes());
    let etag = format!("\"{}\"", hex::encode(&digest[..12]));
    let last_modified = http_date(modified);
    let not_modified = match headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(inm) => inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*"),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ims| unchanged_since(modified, ims)),
    };
    let cache = [
        (header::ETAG, etag),
        (header::LAST_MODIFIED, last_modified),
        // Conditional requests still save the transfer; no cache may keep
        // a member's answer (the middleware says the same).
        (header::CACHE_CONTROL, "no-store".to_owned()),
        (header::VARY, "Authorization, Cookie".to_owned()),
    ];
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    Ok((
        StatusCode::OK,
        cache,
        [(header::CONTENT_TYPE, content_type.to_owned())],
        body,
    )
        .into_response())
}

/// The impact metrics over the window, as the API and the web page show
/// them.
pub(crate) fn impact_answer(s: &AppState, snap: &spam::Snapshot, top: usize) -> wire::ImpactAnswer {
    let m = snap
        .analysis
        .impact(s.spam.subscribers(), s.spam.key(), top);
    wire::ImpactAnswer::new(&m, Some(s.spam.window_days()))
}

/// `GET /api/v1/spam/impact`.
pub(crate) async fn impact(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Response, Problem> {
    bad_params(&q, &["top"])?;
    let p = caller.member()?.clone();
    let snap = spam::run(&s, &p, ops::impact).await?;
    let top = number_param(&q, "top", 1..=100, 10)? as usize;
    Ok(axum::Json(impact_answer(&s, &snap, top)).into_response())
}

/// `GET /api/v1/spam/rules`: the X.1242 rules in force (managed in the
/// hub's `spam.rules_file`).
pub(crate) async fn rules(State(s): State<AppState>, caller: Caller) -> Result<Response, Problem> {
    let p = caller.member()?;
    let who = spam::authority(&s, p);
    Ok(axum::Json(wire::RulesAnswer::new(
        "spam.rules_file of the hub's configuration",
        s.spam.rules(&who),
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_written_and_read() {
        let t = DateTime::from_timestamp(784_111_777, 0).expect("in range");
        assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
        for same in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert!(unchanged_since(t, same), "{same}");
        }
        assert!(unchanged_since(t, "Sun, 06 Nov 1994 08:49:38 GMT"));
        assert!(!unchanged_since(t, "Sun, 06 Nov 1994 08:49:36 GMT"));
        assert!(!unchanged_since(t, "yesterday"));
        assert!(!unchanged_since(t, ""));
    }

    fn at(body: &str) -> Result<usize, Vec<String>> {
        let v: Value = serde_json::from_str(body).expect("JSON");
        incoming(v, "op-a")
            .map(|(r, _)| r.len())
            .map_err(|p| p.errors.into_iter().map(|e| e.at).collect())
    }

    #[test]
    fn bodies_and_where_their_problems_are() {
        let cases: &[(&str, Result<usize, &[&str]>)] = &[
            (r#"{"text": "hi"}"#, Ok(1)),
            (r#"[{"text": "a"}, {"text": "b"}]"#, Ok(2)),
            (r#"{"reports": [{"text": "a"}]}"#, Ok(1)),
            (r#"{"reports": [], "x": 1}"#, Err(&["/x"])),
            (r#"{"reports": {}}"#, Err(&["/reports"])),
            (r#"[]"#, Err(&["/"])),
            (r#""text""#, Err(&["/"])),
            (r#"{"text": "a", "verdict": "meh"}"#, Err(&["/verdict"])),
            (r#"{"txt": "a"}"#, Err(&["/"])),
            (
                r#"[{"text": "a", "reported_at": "now"}, {"text": "b", "channel": "fax", "operator": "op-b"}]"#,
                Err(&["/0/reported_at", "/1/operator", "/1/channel"]),
            ),
            (r#"{"reports": [{"text": 1}]}"#, Err(&["/reports/0"])),
        ];
        for (body, want) in cases {
            let want = want.map_err(|w| w.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
            assert_eq!(at(body), want, "{body}");
        }
    }
}
