//! Reading and triaging incidents. Every handler hands the caller's viewer
//! to the store; an incident the caller may not read is "not found", the
//! same answer as one that does not exist.

use std::collections::HashMap;
use std::str::FromStr;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use c5hub_hub::{incidents, reads};
use c5hub_model::{IncidentStatus, Observable, RsitClass, Tlp};
use c5hub_store::{IncidentFilter, IncidentOrder, SortColumn};
use c5hub_wire::incidents as wire;
use chrono::{DateTime, Utc};

use crate::AppState;
use crate::api::submit::refuse_nul;
use crate::auth::Caller;
use crate::problem::{Problem, Where};

type Q = Query<HashMap<String, String>>;

const DEFAULT_PAGE: usize = 100;

/// Reads list filters from query parameters, naming each bad one.
pub(crate) fn filter_from(
    q: &HashMap<String, String>,
    paged: bool,
) -> Result<IncidentFilter, Problem> {
    let mut f = IncidentFilter::default();
    let mut errors = Vec::new();
    let mut bad = |name: &str, e: &dyn std::fmt::Display| {
        errors.push(Where {
            at: format!("query parameter {name}"),
            detail: e.to_string(),
        });
    };
    let time = |v: &str| DateTime::parse_from_rfc3339(v).map(|d| d.with_timezone(&Utc));
    let (mut sort, mut ascending) = (None, None);
    for (k, v) in q {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        match k.as_str() {
            "since" => match time(v) {
                Ok(t) => f.since = Some(t),
                Err(e) => bad(k, &format!("{v:?} is not an RFC 3339 time: {e}")),
            },
            "until" => match time(v) {
                Ok(t) => f.until = Some(t),
                Err(e) => bad(k, &format!("{v:?} is not an RFC 3339 time: {e}")),
            },
            "classification" => match RsitClass::from_str(v) {
                Ok(c) => f.classification = Some(c),
                Err(e) => bad(k, &e),
            },
            "tlp" => match Tlp::from_str(v) {
                Ok(t) => f.tlp = Some(t),
                Err(e) => bad(k, &e),
            },
            "status" => match IncidentStatus::from_str(v) {
                Ok(s) => f.status = Some(s),
                Err(e) => bad(k, &e),
            },
            "reporter" => f.reporter = Some(v.to_owned()),
            "not_classification" => match RsitClass::from_str(v) {
                Ok(c) => f.not_classification = Some(c),
                Err(e) => bad(k, &e),
            },
            "assignee" => f.assignee = Some(v.to_owned()),
            "unassigned" => match v {
                "true" | "1" => f.unassigned = true,
                "false" | "0" => {}
                _ => bad(k, &"true or false"),
            },
            "observable" => match Observable::guess(v) {
                Ok(o) => f.observable = Some(o),
                Err(e) => bad(k, &e),
            },
            "cursor" if paged => match v.parse::<i64>() {
                Ok(c) => f.before = Some(c),
                Err(_) => bad(k, &"not a cursor from a previous page"),
            },
            "limit" if paged => match v.parse::<usize>() {
                Ok(n) if (1..=1000).contains(&n) => f.limit = n,
                _ => bad(k, &"a number from 1 to 1000"),
            },
            "offset" if paged => match v.parse::<usize>() {
                Ok(n) => f.offset = n,
                Err(_) => bad(
                    k,
                    &"a number of rows to skip (the next_offset of the page before)",
                ),
            },
            "sort" => match SortColumn::named(v) {
                Some(c) => sort = Some(c),
                None => bad(k, &format!("{v:?} is not one of {}", sort_names())),
            },
            "order" => match v {
                "asc" => ascending = Some(true),
                "desc" => ascending = Some(false),
                _ => bad(k, &format!("{v:?} is not asc or desc")),
            },
            "format" | "days" => {}
            _ => bad(k, &"unknown parameter"),
        }
    }
    // A column alone sorts smallest first; a direction alone turns the
    // default order (by key) around.
    f.order = IncidentOrder {
        by: sort.unwrap_or_default(),
        ascending: ascending.unwrap_or(sort.is_some()),
    };
    if f.before.is_some() && !f.order.is_default() {
        bad(
            "cursor",
            &"a cursor pages only the default order (newest first); page another by offset",
        );
    }
    if paged && f.limit == 0 {
        f.limit = DEFAULT_PAGE;
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(Problem::bad_request("bad query parameters").with(errors))
    }
}

/// The names `sort` takes, for its documentation and its errors.
fn sort_names() -> String {
    let names: Vec<&str> = SortColumn::ALL.iter().map(|c| c.as_str()).collect();
    names.join(", ")
}

fn key(id: &str) -> Result<i64, Problem> {
    id.parse()
        .map_err(|_| Problem::invalid("path", format!("{id:?} is not an incident id")))
}

pub(crate) async fn list(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Json<wire::IncidentPage>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let filter = filter_from(&q, true)?;
    let asked = filter.clone();
    let rows = s
        .pool
        .run(move |st| Ok(reads::list(st, &who, &filter)))
        .await??;
    Ok(Json(wire::IncidentPage::new(&rows, &asked)))
}

pub(crate) async fn get_one(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<wire::IncidentAnswer>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let k = key(&id)?;
    let org = who.org().map(str::to_owned);
    let i = s
        .pool
        .read_short(move |st| Ok(reads::incident(st, &who, k)))
        .await??;
    Ok(Json(wire::IncidentAnswer::new(
        &i,
        org.as_deref(),
        i.assignee.as_deref(),
    )))
}

pub(super) fn json_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            e.to_string(),
        )
    })
}

pub(crate) async fn update(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<wire::IncidentAnswer>, Problem> {
    let k = key(&id)?;
    let u: wire::TriageRequest = json_body(&body)?;
    let status = match u.status.as_deref() {
        Some(x) => Some(
            IncidentStatus::from_str(x).map_err(|e| Problem::invalid("/status", e.to_string()))?,
        ),
        None => None,
    };
    if status.is_none() && u.assignee.is_none() {
        return Err(Problem::bad_request(
            "nothing to change: give status and/or assignee",
        ));
    }
    apply_triage(
        &s,
        &caller,
        k,
        Triage {
            status,
            assignee: u.assignee,
            note: u.note,
        },
    )
    .await?;
    get_one(State(s), caller, Path(id)).await
}

/// `POST /api/v1/incidents/bulk`: one triage change for many incidents,
/// through the same hub operation as the web UI's bulk actions.
pub(crate) async fn bulk(
    State(s): State<AppState>,
    caller: Caller,
    body: axum::body::Bytes,
) -> Result<Json<wire::BulkAnswer>, Problem> {
    let u: wire::BulkTriageRequest = json_body(&body)?;
    let status = match u.status.as_deref() {
        Some(x) => Some(
            IncidentStatus::from_str(x).map_err(|e| Problem::invalid("/status", e.to_string()))?,
        ),
        None => None,
    };
    if status.is_none() && u.assignee.is_none() {
        return Err(Problem::bad_request(
            "nothing to change: give status and/or assignee",
        ));
    }
    let t = Triage {
        status,
        assignee: u.assignee,
        note: u.note,
    };
    bulk_triage(&s, &caller, u.ids, t).await.map(Json)
}

/// Runs a bulk triage change and sorts the outcomes; shared by the API
/// and the web UI.
pub(crate) async fn bulk_triage(
    s: &AppState,
    caller: &Caller,
    ids: Vec<i64>,
    t: Triage,
) -> Result<wire::BulkAnswer, Problem> {
    if let Some(note) = &t.note {
        refuse_nul("/note", note)?;
    }
    if let Some(Some(a)) = &t.assignee {
        refuse_nul("/assignee", a)?;
    }
    let who = caller.authority(&s.config.org)?;
    let outcomes = s
        .pool
        .run(move |st| Ok(incidents::bulk_triage(st, &who, &ids, &t)))
        .await??;
    let mut answer = wire::BulkAnswer::default();
    for (id, r) in outcomes {
        match r {
            Ok(()) => answer.done.push(id),
            Err(e) => {
                let p = Problem::from(e);
                answer.refused.push(wire::BulkRefusal {
                    id,
                    status: p.status.as_u16(),
                    reason: p.detail,
                });
            }
        }
    }
    Ok(answer)
}

pub(crate) use c5hub_hub::incidents::Triage;

/// Applies a triage change through the operations layer, which holds the
/// rule of who may change what; the API and the web UI both triage
/// through here. An unreadable incident is "not found".
pub(crate) async fn apply_triage(
    s: &AppState,
    caller: &Caller,
    k: i64,
    t: Triage,
) -> Result<(), Problem> {
    if let Some(note) = &t.note {
        refuse_nul("/note", note)?;
    }
    if let Some(Some(a)) = &t.assignee {
        refuse_nul("/assignee", a)?;
    }
    let who = caller.authority(&s.config.org)?;
    s.pool
        .run(move |st| Ok(incidents::triage(st, &who, k, &t)))
        .await??;
    Ok(())
}

/// Adds a comment to an incident the caller may read, with its audit
/// entry; shared by the API and the web UI.
pub(crate) async fn comment_on(
    s: &AppState,
    caller: &Caller,
    k: i64,
    body: String,
) -> Result<c5hub_store::Comment, Problem> {
    refuse_nul("/body", &body)?;
    let who = caller.authority(&s.config.org)?;
    Ok(s.pool
        .run(move |st| Ok(incidents::comment(st, &who, k, &body)))
        .await??)
}

/// Names an incident's co-handlers (the reporter's and the hub operator's
/// analysts and admins).
pub(crate) async fn set_handlers(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<wire::Handlers>, Problem> {
    let k = key(&id)?;
    let h: wire::Handlers = json_body(&body)?;
    for (i, o) in h.handlers.iter().enumerate() {
        refuse_nul(&format!("/handlers/{i}"), o)?;
    }
    let who = caller.authority(&s.config.org)?;
    let named = s
        .pool
        .run(move |st| Ok(incidents::set_handlers(st, &who, k, &h.handlers)))
        .await??;
    Ok(Json(wire::Handlers { handlers: named }))
}

/// The co-handlers of an incident the caller may read.
pub(crate) async fn handlers(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<wire::Handlers>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let k = key(&id)?;
    let found = s
        .pool
        .read(move |st| Ok(reads::handlers(st, &who, k)))
        .await??;
    Ok(Json(wire::Handlers { handlers: found }))
}

pub(crate) async fn history(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<wire::HistoryEntry>>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let k = key(&id)?;
    let (h, a) = s
        .pool
        .read(move |st| Ok(reads::history(st, &who, k)))
        .await??;
    Ok(Json(wire::history(&h, &a)))
}

pub(crate) async fn comments(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<wire::CommentAnswer>>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let k = key(&id)?;
    let c = s
        .pool
        .run(move |st| Ok(reads::comments(st, &who, k)))
        .await??;
    Ok(Json(c.iter().map(wire::CommentAnswer::from).collect()))
}

pub(crate) async fn add_comment(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let k = key(&id)?;
    let c: wire::NewComment = json_body(&body)?;
    let added = comment_on(&s, &caller, k, c.body).await?;
    Ok((StatusCode::CREATED, Json(wire::CommentAnswer::from(&added))).into_response())
}

pub(crate) async fn related(
    State(s): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<Vec<wire::RelatedAnswer>>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let k = key(&id)?;
    let r = s
        .pool
        .run(move |st| Ok(reads::related(st, &who, k)))
        .await??;
    Ok(Json(r.iter().map(wire::RelatedAnswer::from).collect()))
}

pub(crate) async fn lookup(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Json<wire::LookupAnswer>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let value = q
        .get("value")
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Problem::invalid("query parameter value", "give the value to look up"))?;
    let page = lookup_page(&q).map_err(|(p, why)| Problem::invalid(p, why))?;
    let l = s
        .pool
        .run(move |st| Ok(reads::lookup(st, &who, &value, page)))
        .await?
        .map_err(|e| match e {
            // A value that is no observable is a bad query parameter, as
            // every other one.
            c5hub_hub::Error::Invalid { detail, .. } => {
                Problem::invalid("query parameter value", detail)
            }
            other => other.into(),
        })?;
    Ok(Json(wire::LookupAnswer::from(&l)))
}

/// The search box: text that is one value answers the value (the caller
/// asks its lookup), other text a page of readable incidents holding its
/// words.
pub(crate) async fn search(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Json<wire::SearchAnswer>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let text = q.get("q").cloned().unwrap_or_default();
    refuse_nul("query parameter q", &text)?;
    let (page, per_page) = search_page(&q).map_err(|(p, why)| Problem::invalid(p, why))?;
    let asked = text.clone();
    let found = s
        .pool
        .read(move |st| Ok(reads::search(st, &who, &asked, page, per_page)))
        .await?
        .map_err(|e| match e {
            // Every bad input here is a query parameter, as in a lookup.
            c5hub_hub::Error::Invalid { field, detail } => {
                Problem::invalid(format!("query parameter {field}"), detail)
            }
            other => other.into(),
        })?;
    Ok(Json(wire::SearchAnswer::new(text.trim(), &found)))
}

/// The page of a search the query asks for: `page` (from 1, default 1)
/// and `per_page` (default [`reads::DEFAULT_SEARCH_PAGE`], at most
/// [`c5hub_store::MAX_SEARCH_PAGE`]). The API and the web UI read the
/// same names.
pub(crate) fn search_page(
    q: &HashMap<String, String>,
) -> Result<(usize, usize), (&'static str, String)> {
    let number = |name: &'static str, max: usize, default: usize| match q
        .get(name)
        .map(|v| v.trim())
        .filter(|v| !v.is_empty())
    {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err((
                if name == "page" {
                    "query parameter page"
                } else {
                    "query parameter per_page"
                },
                format!("a number from 1 to {max}"),
            )),
        },
        None => Ok(default),
    };
    Ok((
        number("page", 100_000, 1)?,
        number(
            "per_page",
            c5hub_store::MAX_SEARCH_PAGE,
            reads::DEFAULT_SEARCH_PAGE,
        )?,
    ))
}

/// The page of a lookup the query asks for: `limit` (default
/// [`c5hub_store::DEFAULT_LOOKUP_LIMIT`], at most 1,000) and `before` (the
/// `next` of the page before). The API and the web UI read the same names.
pub(crate) fn lookup_page(
    q: &HashMap<String, String>,
) -> Result<c5hub_store::LookupPage, (&'static str, String)> {
    let limit = match q.get("limit").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) => match v.parse::<usize>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                return Err((
                    "query parameter limit",
                    "a number from 1 to 1000".to_owned(),
                ));
            }
        },
        None => c5hub_store::DEFAULT_LOOKUP_LIMIT,
    };
    let before = match q.get("before").map(|v| v.trim()).filter(|v| !v.is_empty()) {
        Some(v) => Some(v.parse::<i64>().map_err(|_| {
            (
                "query parameter before",
                "an incident key (the next of the page before)".to_owned(),
            )
        })?),
        None => None,
    };
    Ok(c5hub_store::LookupPage { before, limit })
}

pub(crate) async fn export(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Response, Problem> {
    let who = caller.reading(&s.config.org)?;
    let name = q.get("format").map_or("iodef-json", String::as_str);
    let format = c5hub_formats::by_name(name)
        .filter(|f| f.encode.is_some())
        .ok_or_else(|| {
            let names: Vec<&str> = c5hub_formats::encoders().map(|f| f.name).collect();
            let (last, rest) = names.split_last().unwrap_or((&"", &[]));
            Problem::invalid(
                "query parameter format",
                format!("{name:?}: use {} or {last}", rest.join(", ")),
            )
        })?;
    let filter = filter_from(&q, false)?;
    let incidents = s
        .pool
        .read(move |st| Ok(reads::export(st, &who, &filter)))
        .await??;
    let (text, ct) = render_export(format, &incidents);
    Ok(([(header::CONTENT_TYPE, ct)], text).into_response())
}

/// Stored incidents written in `format` by the format registry, with the
/// media type to serve them as.
pub(crate) fn render_export(
    format: &'static c5hub_formats::Format,
    incidents: &[c5hub_store::StoredIncident],
) -> (String, &'static str) {
    let exported: Vec<c5hub_formats::Exported<'_>> = incidents
        .iter()
        .map(|i| c5hub_formats::Exported {
            key: i.key,
            reporter: &i.reporter,
            created_at: i.created_at,
            incident: &i.incident,
            // The API's export is a member's view: no hub record.
            record: None,
        })
        .collect();
    let mut out = Vec::new();
    // Writing to memory fails only in a format's own error, which the
    // encoders do not have for stored incidents.
    let _ = c5hub_formats::encode(format, &mut out, &exported, Utc::now());
    (
        String::from_utf8_lossy(&out).into_owned(),
        format.media_type,
    )
}

pub(crate) async fn stats(
    State(s): State<AppState>,
    caller: Caller,
    Query(q): Q,
) -> Result<Json<wire::StatsAnswer>, Problem> {
    let who = caller.reading(&s.config.org)?;
    let days = match q.get("days") {
        Some(d) => d
            .parse::<u32>()
            .ok()
            .filter(|d| (1..=366).contains(d))
            .ok_or_else(|| Problem::invalid("query parameter days", "a number from 1 to 366"))?,
        None => 30,
    };
    let st = s
        .pool
        .read(move |st| Ok(reads::stats(st, &who, days)))
        .await??;
    Ok(Json(wire::StatsAnswer::from(&st)))
}
