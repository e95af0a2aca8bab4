//! The API's JSON: the model rendered for readers, and the native
//! submission format parsed into the model.
//!
//! The model has no serde derives (a format change must never change it by
//! accident), so both directions are written here by hand.

use std::str::FromStr;

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole, RsitClass, Tlp,
};
use c5hub_store::{
    Assignment, AuditEntry, Comment, IncidentSummary, Lookup, Match, Org, Related, StatusChange,
    StoredIncident, TokenInfo, User,
};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::problem::{Problem, Where};

fn t(d: Option<DateTime<Utc>>) -> Value {
    d.map_or(Value::Null, |d| Value::String(d.to_rfc3339()))
}

pub(crate) fn summary(s: &IncidentSummary) -> Value {
    json!({
        "id": s.key,
        "global_id": s.global_id,
        "reporter": s.reporter,
        "version": s.version,
        "status": s.status.as_str(),
        "tlp": s.tlp.as_str(),
        "classification": s.classification.map(|c| c.path()),
        "title": s.title,
        "created_at": s.created_at.to_rfc3339(),
        "detected": t(s.detected),
    })
}

fn observable(o: &Observable) -> Value {
    json!({"kind": o.kind().as_str(), "value": o.value()})
}

/// A full incident. Sharing lists name other organisations, so only the
/// reporter sees them.
pub(crate) fn incident(
    s: &StoredIncident,
    viewer_org: Option<&str>,
    assignee: Option<&str>,
) -> Value {
    let m = &s.incident;
    let mut v = json!({
        "id": s.key,
        "global_id": m.id.to_string(),
        "reporter": s.reporter,
        "version": s.version,
        "status": m.status.as_str(),
        "assignee": assignee,
        "tlp": m.tlp.as_str(),
        "classification": m.classification.map(|c| c.path()),
        "title": m.title,
        "description": m.description,
        "created_at": s.created_at.to_rfc3339(),
        "updated_at": s.updated_at.to_rfc3339(),
        "times": {
            "detected": t(m.times.detected),
            "start": t(m.times.start),
            "end": t(m.times.end),
            "reported": t(m.times.reported),
            "generated": t(m.times.generated),
        },
        "observables": m.observables.iter().map(|o| json!({
            "kind": o.observable.kind().as_str(),
            "value": o.observable.value(),
            "role": o.role.as_str(),
        })).collect::<Vec<_>>(),
        "contacts": m.contacts.iter().map(|c| json!({"name": c.name, "email": c.email, "role": c.role})).collect::<Vec<_>>(),
        "original_format": m.original.as_ref().map(|o| o.format.as_str()),
    });
    if viewer_org == Some(s.reporter.as_str()) {
        v["shared_with"] = json!(s.shared_with);
        v["recipients"] = json!(s.recipients);
    }
    v
}

pub(crate) fn history(h: &[StatusChange], a: &[Assignment]) -> Value {
    let mut events: Vec<(DateTime<Utc>, Value)> = h
        .iter()
        .map(|c| {
            (
                c.at,
                json!({
                    "at": c.at.to_rfc3339(), "actor": c.actor, "change": "status",
                    "from": c.from.map(IncidentStatus::as_str), "to": c.to.as_str(), "note": c.note,
                }),
            )
        })
        .collect();
    events.extend(a.iter().map(|x| {
        (x.at, json!({"at": x.at.to_rfc3339(), "actor": x.actor, "change": "assignee", "to": x.assignee}))
    }));
    events.sort_by_key(|e| e.0);
    Value::Array(events.into_iter().map(|e| e.1).collect())
}

/// Who anonymous readers (public access) see acting: never a user's e-mail
/// address.
const SOMEONE: &str = "a member";

/// Hides the people in an incident's history from an anonymous reader:
/// who changed the status, who assigned, and to whom.
pub(crate) fn anonymise_history(h: &mut [StatusChange], a: &mut [Assignment]) {
    for c in h {
        c.actor = SOMEONE.to_owned();
    }
    for x in a {
        x.actor = SOMEONE.to_owned();
        if x.assignee.is_some() {
            x.assignee = Some(SOMEONE.to_owned());
        }
    }
}

/// Hides comment authors from an anonymous reader; their organisation
/// stays.
pub(crate) fn anonymise_comments(c: &mut [Comment]) {
    for x in c {
        x.author = SOMEONE.to_owned();
    }
}

/// Hides the assignee from an anonymous reader (it says that someone is).
pub(crate) fn anonymise_assignee(a: Option<&str>) -> Option<&'static str> {
    a.map(|_| SOMEONE)
}

pub(crate) fn comment(c: &Comment) -> Value {
    json!({"id": c.id, "at": c.at.to_rfc3339(), "author": c.author, "org": c.org, "body": c.body})
}

fn one_match(m: &Match) -> Value {
    json!({
        "incident": summary(&m.incident),
        "observable": observable(&m.observable),
        "role": m.role.as_str(),
        "how": m.how.as_str(),
    })
}

pub(crate) fn lookup(l: &Lookup) -> Value {
    json!({
        "value": observable(&l.value),
        "warning": l.warning,
        "total": l.total,
        "next": l.next,
        "matches": l.matches.iter().map(one_match).collect::<Vec<_>>(),
        "sightings": l.sightings.iter().map(|s| json!({
            "observable": observable(&s.observable),
            "count": s.count,
            "first_seen": s.first_seen.to_rfc3339(),
            "last_seen": s.last_seen.to_rfc3339(),
            "sources": s.sources.iter().map(|(src, n)| json!({"source": src, "count": n})).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

pub(crate) fn related(r: &[Related]) -> Value {
    Value::Array(
        r.iter()
            .map(|x| {
                json!({
                    "incident": summary(&x.incident),
                    "shared": x.shared.iter().map(|(mine, theirs, how)| json!({
                        "value": observable(mine), "matched": observable(theirs), "how": how.as_str(),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

pub(crate) fn org(o: &Org) -> Value {
    json!({"name": o.name, "type": o.kind.as_str(), "created_at": o.created_at.to_rfc3339()})
}

pub(crate) fn user(u: &User) -> Value {
    json!({"id": u.id, "email": u.email, "org": u.org, "role": u.role.as_str(),
        "has_password": u.has_password, "disabled": u.disabled, "created_at": u.created_at.to_rfc3339()})
}

pub(crate) fn token(x: &TokenInfo) -> Value {
    json!({"id": x.id, "org": x.org, "role": x.role.as_str(), "user": x.user, "label": x.label,
        "created_at": x.created_at.to_rfc3339(), "expires_at": t(x.expires_at),
        "revoked_at": t(x.revoked_at), "last_used_at": t(x.last_used_at)})
}

pub(crate) fn audit(a: &AuditEntry) -> Value {
    json!({"id": a.id, "at": a.at.to_rfc3339(), "actor": a.actor, "org": a.org,
        "action": a.action, "target": a.target, "detail": a.detail})
}

/// The native submission format.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NativeIncident {
    id: String,
    tlp: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    classification: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    detected: Option<String>,
    #[serde(default)]
    start: Option<String>,
    #[serde(default)]
    end: Option<String>,
    #[serde(default)]
    observables: Vec<NativeObservable>,
    #[serde(default)]
    shared_with: Vec<String>,
    #[serde(default)]
    recipients: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum NativeObservable {
    Plain(String),
    Full {
        value: String,
        #[serde(default)]
        kind: Option<String>,
        #[serde(default)]
        role: Option<String>,
    },
}

/// A native submission: the incident and its sharing lists.
pub(crate) struct Native {
    pub(crate) incident: Incident,
    pub(crate) shared_with: Vec<String>,
    pub(crate) recipients: Vec<String>,
}

/// Parses the native JSON format, reporting every problem with its JSON
/// pointer.
pub(crate) fn parse_native(body: &[u8]) -> Result<Native, Problem> {
    let n: NativeIncident = serde_json::from_slice(body).map_err(|e| {
        Problem::invalid(
            format!("line {} column {}", e.line(), e.column()),
            format!("not a c5hub incident: {e}"),
        )
    })?;
    let mut errors = Vec::new();
    let mut err = |at: &str, e: &dyn std::fmt::Display| {
        errors.push(Where {
            at: at.to_owned(),
            detail: e.to_string(),
        });
    };
    let id = match n.id.split_once(':') {
        Some((name, id)) => GlobalId::new(name, id).map_err(|e| err("/id", &e)).ok(),
        None => {
            err(
                "/id",
                &"expected `name:id` (the IODEF IncidentID name and id)",
            );
            None
        }
    };
    let tlp = Tlp::from_str(&n.tlp).map_err(|e| err("/tlp", &e)).ok();
    let classification = n.classification.as_deref().and_then(|c| {
        RsitClass::from_str(c)
            .map_err(|e| err("/classification", &e))
            .ok()
    });
    let status = n.status.as_deref().and_then(|s| {
        IncidentStatus::from_str(s)
            .map_err(|e| err("/status", &e))
            .ok()
    });
    let mut time = |at: &str, v: &Option<String>| -> Option<DateTime<Utc>> {
        v.as_deref().and_then(|s| {
            DateTime::parse_from_rfc3339(s)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| err(at, &format!("{s:?} is not an RFC 3339 time: {e}")))
                .ok()
        })
    };
    let detected = time("/detected", &n.detected);
    let start = time("/start", &n.start);
    let end = time("/end", &n.end);
    let mut observables = Vec::new();
    for (i, o) in n.observables.iter().enumerate() {
        let (value, kind, role) = match o {
            NativeObservable::Plain(v) => (v.as_str(), None, None),
            NativeObservable::Full { value, kind, role } => {
                (value.as_str(), kind.as_deref(), role.as_deref())
            }
        };
        let parsed = match kind {
            Some(k) => match ObservableKind::from_str(k) {
                Ok(k) => Observable::parse(k, value),
                Err(e) => {
                    err(&format!("/observables/{i}/kind"), &e);
                    continue;
                }
            },
            None => Observable::guess(value),
        };
        let role = match role.map(ObservableRole::from_str) {
            None => ObservableRole::Unknown,
            Some(Ok(r)) => r,
            Some(Err(e)) => {
                err(&format!("/observables/{i}/role"), &e);
                continue;
            }
        };
        match parsed {
            Ok(o) => observables.push((o, role)),
            Err(e) => err(&format!("/observables/{i}/value"), &e),
        }
    }
    let (Some(id), Some(tlp)) = (id, tlp) else {
        return Err(Problem::bad_request("the incident is not valid").with(errors));
    };
    let mut m = Incident::new(id, tlp);
    m.title = n.title;
    m.description = n.description;
    m.classification = classification;
    m.status = status.unwrap_or(IncidentStatus::New);
    m.times.detected = detected;
    m.times.start = start;
    m.times.end = end;
    for (o, r) in observables {
        m.add_observable(o, r);
    }
    if let Err(v) = m.validate() {
        for x in v.iter() {
            errors.push(Where {
                at: format!("/{}", x.path.replace(['.', '['], "/").replace(']', "")),
                detail: x.message.clone(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(Problem::bad_request("the incident is not valid").with(errors));
    }
    m.original = Some(c5hub_model::OriginalDocument::new(
        c5hub_model::DocumentFormat::Native,
        body.to_vec(),
    ));
    Ok(Native {
        incident: m,
        shared_with: n.shared_with,
        recipients: n.recipients,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn native_errors_name_every_field() {
        let e = parse_native(br#"{"id":"bank.test:1","tlp":"purple","classification":"fraud/nothing","observables":["1.2.3.4",{"value":"x","kind":"ipv4"}]}"#)
            .err()
            .expect("invalid");
        let at: Vec<&str> = e.errors.iter().map(|w| w.at.as_str()).collect();
        assert_eq!(at, ["/tlp", "/classification", "/observables/1/value"]);
        let e = parse_native(br#"{"id":"x","tlp":"red","colour":1}"#)
            .err()
            .expect("unknown field");
        assert!(e.detail.contains("colour"), "{}", e.detail);
        let ok = parse_native(br#"{"id":"bank.test:1","tlp":"amber","observables":["198.51.100.7",{"value":"evil.example","role":"indicator"}],"shared_with":["telco-a"]}"#)
        .expect("valid");
        assert_eq!(ok.incident.observables.len(), 2);
        assert_eq!(ok.shared_with, ["telco-a"]);
    }
}
