//! The API's JSON: the model rendered for readers. (The native submission
//! format is read by `c5hub_formats::native`.)
//!
//! The model has no serde derives (a format change must never change it by
//! accident), so it is rendered here by hand.

use c5hub_model::{IncidentStatus, Observable};
use c5hub_store::{
    Assignment, AuditEntry, Comment, IncidentSummary, Lookup, Match, Org, Related, StatusChange,
    StoredIncident, TokenInfo, User,
};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

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
