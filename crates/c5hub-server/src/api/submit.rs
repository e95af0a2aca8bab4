//! Submissions: IODEF v2 in either binding or the native JSON, turned into
//! model incidents, queued to the writer, acknowledged after commit.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use c5hub_iodef::{Binding, Limits};
use c5hub_model::{DocumentFormat, Incident, OriginalDocument};
use c5hub_store::{Outcome, Principal};
use serde_json::json;

use crate::AppState;
use crate::auth::Caller;
use crate::problem::{Problem, Where};
use crate::writer::OwnedSubmission;

/// What a request body holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BodyKind {
    IodefXml,
    IodefJson,
    Native,
}

impl BodyKind {
    /// From the media type; without one, from the first byte (`<` is XML).
    pub(crate) fn of(content_type: Option<&str>, body: &[u8]) -> Result<BodyKind, Problem> {
        let ct = content_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        match ct.as_str() {
            "application/xml" | "text/xml" | "application/iodef+xml" => Ok(BodyKind::IodefXml),
            "application/iodef+json" => Ok(BodyKind::IodefJson),
            "application/json" => Ok(BodyKind::Native),
            "" | "application/octet-stream" => match Binding::detect(body) {
                Some(Binding::Xml) => Ok(BodyKind::IodefXml),
                Some(Binding::Json) => Ok(BodyKind::Native),
                None => Err(Problem::bad_request("the body is neither XML nor JSON")),
            },
            other => Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                format!(
                    "{other} is not accepted; send application/xml (IODEF), application/iodef+json (RFC 8727) or application/json (native)"
                ),
            )),
        }
    }
}

/// Incidents read from a body, with conversion notes and sharing lists.
pub(crate) struct Parsed {
    pub(crate) incidents: Vec<Incident>,
    pub(crate) notes: Vec<Where>,
    pub(crate) shared_with: Vec<String>,
    pub(crate) recipients: Vec<String>,
}

/// Reads a body into incidents; every problem is reported with where.
pub(crate) fn parse(kind: BodyKind, body: &[u8]) -> Result<Parsed, Problem> {
    if kind == BodyKind::Native {
        let n = crate::json::parse_native(body)?;
        return Ok(Parsed {
            incidents: vec![n.incident],
            notes: Vec::new(),
            shared_with: n.shared_with,
            recipients: n.recipients,
        });
    }
    let limits = Limits::default();
    let (decoded, format) = match kind {
        BodyKind::IodefXml => (
            c5hub_iodef::decode_xml(body, &limits),
            DocumentFormat::IodefXml,
        ),
        _ => (
            c5hub_iodef::decode_json(body, &limits),
            DocumentFormat::IodefJson,
        ),
    };
    let decoded = decoded.map_err(|v| {
        Problem::bad_request(format!("cannot read the IODEF document: {}", v.message)).with(vec![
            Where {
                at: v.path.clone(),
                detail: format!("{} [{}]", v.message, v.rule.code()),
            },
        ])
    })?;
    let doc = decoded.strict().map_err(|violations| {
        let n = violations.len();
        Problem::bad_request(format!(
            "the IODEF document has {n} violation(s) of RFC 7970"
        ))
        .with(
            violations
                .into_iter()
                .map(|v| Where {
                    at: v.path,
                    detail: format!("{} [{}]", v.message, v.rule.code()),
                })
                .collect(),
        )
    })?;
    let original = OriginalDocument::new(format, body.to_vec());
    let (incidents, notes) = c5hub_iodef::model::incidents_from_document(&doc, Some(&original));
    if incidents.is_empty() {
        return Err(
            Problem::bad_request("the document holds no incident that could be read").with(
                notes
                    .into_iter()
                    .map(|n| Where {
                        at: n.path,
                        detail: n.message,
                    })
                    .collect(),
            ),
        );
    }
    Ok(Parsed {
        incidents,
        notes: notes
            .into_iter()
            .map(|n| Where {
                at: n.path,
                detail: n.message,
            })
            .collect(),
        shared_with: Vec::new(),
        recipients: Vec::new(),
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

/// Stores parsed incidents as `principal`'s and answers with one result per
/// incident.
pub(crate) async fn store(
    state: &AppState,
    principal: &Principal,
    parsed: Parsed,
) -> Result<Vec<(Outcome, String)>, Problem> {
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
    let summary = outcomes
        .iter()
        .zip(&ids)
        .map(|(o, id)| format!("{id}={}", o.key()))
        .collect::<Vec<_>>()
        .join(" ");
    let (who, org) = (principal.name.clone(), principal.org.clone());
    state
        .pool
        .run(move |s| s.audit(&who, Some(&org), "incident.submit", None, Some(&summary)))
        .await?;
    Ok(outcomes.into_iter().zip(ids).collect())
}

pub(crate) fn outcome_json(o: &Outcome, id: &str) -> serde_json::Value {
    match o {
        Outcome::New(k) => json!({"id": k, "global_id": id, "outcome": "new", "version": 1}),
        Outcome::NewVersion { key, version } => {
            json!({"id": key, "global_id": id, "outcome": "new-version", "version": version})
        }
        Outcome::Duplicate(k) => json!({"id": k, "global_id": id, "outcome": "duplicate"}),
    }
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let principal = caller
        .allowed(c5hub_model::Role::can_submit, "submit incidents")?
        .clone();
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
    let kind = BodyKind::of(
        headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        &body,
    )?;
    let mut parsed = tokio::task::spawn_blocking(move || parse(kind, &body))
        .await
        .map_err(|e| Problem::internal(e.to_string()))??;
    if kind != BodyKind::Native {
        parsed.shared_with = list_param(&q, "shared_with");
        parsed.recipients = list_param(&q, "recipients");
    }
    let notes: Vec<serde_json::Value> = parsed
        .notes
        .iter()
        .map(|n| json!({"at": n.at, "detail": n.detail}))
        .collect();
    let results = store(&state, &principal, parsed).await?;
    let first = results.first().map(|(o, _)| o.key());
    let body = json!({
        "results": results.iter().map(|(o, id)| outcome_json(o, id)).collect::<Vec<_>>(),
        "notes": notes,
    });
    let mut resp = (StatusCode::CREATED, axum::Json(body)).into_response();
    if let Some(k) = first {
        if let Ok(v) = header::HeaderValue::from_str(&format!("/api/v1/incidents/{k}")) {
            resp.headers_mut().insert(header::LOCATION, v);
        }
    }
    Ok(resp)
}
