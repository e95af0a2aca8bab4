//! Submissions: IODEF v2 in either binding, STIX 2.1 or the native JSON, read
//! through the format registry (`c5hub-formats`) into model incidents,
//! queued to the writer, acknowledged after commit.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use c5hub_formats::{DecodeOptions, Door, Format, Note, Unrecognised};
use c5hub_model::Incident;
use c5hub_store::Outcome;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Problem, Where};
use crate::writer::OwnedSubmission;

/// The format of a request body: the one its media type names; without
/// one (or `application/octet-stream`), the one the API recognises from
/// the first byte (`<` is IODEF XML, `{` the native JSON).
pub(crate) fn body_format(
    content_type: Option<&str>,
    body: &[u8],
) -> Result<&'static Format, Problem> {
    c5hub_formats::for_body(Door::Api, content_type, body).map_err(|why| match why {
        Unrecognised::Content => Problem::bad_request("the body is neither XML nor JSON"),
        Unrecognised::MediaType(other) => Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!(
                "{other} is not accepted; send application/xml (IODEF), application/iodef+json (RFC 8727), application/stix+json;version=2.1 (STIX 2.1) or application/json (native)"
            ),
        ),
    })
}

/// Incidents read from a body, with conversion notes and sharing lists.
pub(crate) struct Parsed {
    pub(crate) incidents: Vec<Incident>,
    pub(crate) notes: Vec<Where>,
    pub(crate) shared_with: Vec<String>,
    pub(crate) recipients: Vec<String>,
    /// The sharing lists came with the document (the native JSON); else the
    /// door takes them from the request.
    pub(crate) carries_sharing: bool,
}

fn place(n: Note) -> Where {
    Where {
        at: n.at,
        detail: n.detail,
    }
}

/// Reads a body in `format` (through the format registry) into incidents;
/// every problem is reported with where.
pub(crate) fn parse(format: &Format, body: &[u8]) -> Result<Parsed, Problem> {
    let Some(decode) = format.document else {
        return Err(Problem::bad_request(format!(
            "{} is not accepted in a request",
            format.name
        )));
    };
    let decoded = decode(body, &DecodeOptions::default()).map_err(|f| {
        Problem::bad_request(f.detail).with(f.errors.into_iter().map(place).collect())
    })?;
    let carries_sharing = decoded.sharing.is_some();
    let sharing = decoded.sharing.unwrap_or_default();
    Ok(Parsed {
        incidents: decoded.incidents,
        notes: decoded.notes.into_iter().map(place).collect(),
        shared_with: sharing.shared_with,
        recipients: sharing.recipients,
        carries_sharing,
    })
}

fn list_param(q: &HashMap<String, String>, name: &str) -> Vec<String> {
    q.get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// Most observables one request may hold, over all its incidents: a
/// submission holds the single writer while it is stored (100,000 took
/// 7.6 s). Bulk loads go through `c5hub import`.
pub(crate) const MAX_OBSERVABLES_PER_REQUEST: usize = 10_000;

/// Most organisations in a sharing list (`shared_with`) or in a list of
/// recipients.
pub(crate) const MAX_SHARING_LIST: usize = 1_000;

/// A request the hub understood but does not accept: 422 naming the field.
pub(crate) fn unprocessable(at: impl Into<String>, detail: impl Into<String>) -> Problem {
    let detail = detail.into();
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "unprocessable",
        "The request cannot be accepted as it is",
        detail.clone(),
    )
    .with(vec![Where {
        at: at.into(),
        detail,
    }])
}

/// A 422 when `text` holds a NUL byte, which no text field accepts (the
/// store refuses it too; PostgreSQL cannot hold it).
pub(crate) fn refuse_nul(at: &str, text: &str) -> Result<(), Problem> {
    if text.contains('\0') {
        return Err(unprocessable(
            at,
            format!("{at} holds a NUL byte (U+0000), which is not accepted in text"),
        ));
    }
    Ok(())
}

/// What every submission door checks before anything is queued: the
/// observable count, the sharing lists' length, and NUL bytes in text.
fn check_limits(parsed: &Parsed) -> Result<(), Problem> {
    let n: usize = parsed.incidents.iter().map(|m| m.observables.len()).sum();
    if n > MAX_OBSERVABLES_PER_REQUEST {
        return Err(Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-many-observables",
            "Too many observables in one request",
            format!(
                "this request holds {n} observables; one request may hold at most {MAX_OBSERVABLES_PER_REQUEST} (split it, or load it with `c5hub import`)"
            ),
        )
        .with(vec![Where {
            at: "/observables".to_owned(),
            detail: format!("at most {MAX_OBSERVABLES_PER_REQUEST}"),
        }]));
    }
    for (field, list) in [
        ("shared_with", &parsed.shared_with),
        ("recipients", &parsed.recipients),
    ] {
        if list.len() > MAX_SHARING_LIST {
            return Err(unprocessable(
                field,
                format!(
                    "{field} names {} organisations; at most {MAX_SHARING_LIST}",
                    list.len()
                ),
            ));
        }
        for org in list {
            refuse_nul(field, org)?;
        }
    }
    for m in &parsed.incidents {
        refuse_nul("/id", &m.id.to_string())?;
        refuse_nul("/title", m.title.as_deref().unwrap_or_default())?;
        refuse_nul("/description", m.description.as_deref().unwrap_or_default())?;
        refuse_nul("/reporter", m.reporter.as_deref().unwrap_or_default())?;
        for c in &m.contacts {
            for t in [&c.name, &c.email].into_iter().flatten() {
                refuse_nul("/contacts", t)?;
            }
            refuse_nul("/contacts", &c.role)?;
        }
        for o in &m.observables {
            refuse_nul("/observables", o.observable.value())?;
        }
    }
    Ok(())
}

/// Stores parsed incidents for `who` and answers with one result per
/// incident. Every door that submits (API, web form) comes through here:
/// the limits are checked here ([`MAX_OBSERVABLES_PER_REQUEST`], sharing
/// lists of at most [`MAX_SHARING_LIST`] organisations, no NUL byte in any
/// text); who may submit, which sharing lists are accepted and the audit
/// line are the operations layer's (`c5hub_hub::submit`).
pub(crate) async fn store(
    state: &AppState,
    who: &c5hub_hub::Authority,
    parsed: Parsed,
) -> Result<Vec<(Outcome, String)>, Problem> {
    let principal = c5hub_hub::submit::submitter(who)?.clone();
    check_limits(&parsed)?;
    if !parsed.shared_with.is_empty() || !parsed.recipients.is_empty() {
        let (shared_with, recipients) = (parsed.shared_with.clone(), parsed.recipients.clone());
        state
            .pool
            .read(move |st| {
                Ok(c5hub_hub::submit::check_sharing(
                    st,
                    &shared_with,
                    &recipients,
                ))
            })
            .await??;
    }
    let ids: Vec<String> = parsed.incidents.iter().map(|i| i.id.to_string()).collect();
    let subs = parsed
        .incidents
        .into_iter()
        .map(|incident| OwnedSubmission {
            incident,
            reporter: principal.org.clone(),
            source: format!("api:{}", principal.name),
            shared_with: parsed.shared_with.clone(),
            recipients: parsed.recipients.clone(),
        })
        .collect();
    let outcomes = state.writer.submit(subs).await?;
    for o in &outcomes {
        state.metrics.observe_submission(match o {
            Outcome::New(_) => "new",
            Outcome::NewVersion { .. } => "new-version",
            Outcome::Duplicate(_) => "duplicate",
        });
    }
    let stored: Vec<(Outcome, String)> = outcomes.into_iter().zip(ids).collect();
    let (who, audit) = (who.clone(), stored.clone());
    state
        .pool
        .run(move |s| Ok(c5hub_hub::submit::record(s, &who, &audit)))
        .await??;
    Ok(stored)
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    // Refused before the body is read.
    let who = caller.authority(&state.config.org)?;
    c5hub_hub::submit::submitter(&who)?;
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
    let format = body_format(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        &body,
    )?;
    let mut parsed = tokio::task::spawn_blocking(move || parse(format, &body))
        .await
        .map_err(|e| Problem::internal(e.to_string()))??;
    if !parsed.carries_sharing {
        parsed.shared_with = list_param(&q, "shared_with");
        parsed.recipients = list_param(&q, "recipients");
    }
    let notes: Vec<c5hub_wire::incidents::SubmitNote> = parsed
        .notes
        .iter()
        .map(|n| c5hub_wire::incidents::SubmitNote {
            at: n.at.clone(),
            detail: n.detail.clone(),
        })
        .collect();
    let results = store(&state, &who, parsed).await?;
    let first = results.first().map(|(o, _)| o.key());
    let body = c5hub_wire::incidents::Submitted {
        results: results
            .iter()
            .map(|(o, id)| c5hub_wire::incidents::SubmitResult::new(o, id))
            .collect(),
        notes,
    };
    let mut resp = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Some(k) = first {
        if let Ok(v) = header::HeaderValue::from_str(&format!("/api/v1/incidents/{k}")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(resp)
}
