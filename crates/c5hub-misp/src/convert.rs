//! MISP event ↔ c5hub-model incident, by hand. The tables are in
//! `README.md`; this module is what they describe.

use c5hub_model::{
    Contact, DocumentFormat, GlobalId, Incident, IncidentStatus, ObservableRole, OriginalDocument,
    RsitClass, Tlp,
};
use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::json::{Json, Obj};
use crate::{Event, Problem, ReadEvent, is_uuid, name_of, number, types};

/// An incident read from an event, with what the conversion noted and the
/// event's labels (its tags and galaxy clusters, which the model has no
/// field for: they stay in the original event).
#[derive(Clone, Debug)]
pub struct Converted {
    /// The incident; its original document is the event.
    pub incident: Incident,
    /// Values kept verbatim instead of normalised (lenient reading only).
    pub notes: Vec<Problem>,
    /// Tag names and galaxy clusters' tag names, in the event's order.
    pub labels: Vec<String>,
}

/// The TLP a MISP tag names (`tlp:amber+strict`, TLP 1.0's `tlp:white`),
/// `None` for any other tag (`tlp:ex:chr` too).
fn tag_tlp(name: &str) -> Option<Tlp> {
    let lower = name.trim().to_ascii_lowercase();
    Some(match lower.strip_prefix("tlp:")? {
        "clear" | "white" => Tlp::Clear,
        "green" => Tlp::Green,
        "amber" => Tlp::Amber,
        "amber+strict" => Tlp::AmberStrict,
        "red" => Tlp::Red,
        _ => return None,
    })
}

fn tag_names<'v>(v: Option<&'v Json<'_>>) -> impl Iterator<Item = &'v str> {
    v.and_then(Json::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Json::as_str))
}

/// The least restrictive TLP a distribution level allows: "your
/// organisation only" is AMBER+STRICT, a sharing group AMBER (its members
/// are the MISP instance's organisations, not the hub's); the others set no
/// floor.
fn distribution_floor(d: Option<i64>) -> Tlp {
    match d {
        Some(0) => Tlp::AmberStrict,
        Some(4) => Tlp::Amber,
        _ => Tlp::Clear,
    }
}

/// The TLP of a distribution level when no tag names one: 0 AMBER+STRICT,
/// 1 ("this community only": the MISP instance's, not the hub's) AMBER,
/// 2 and 3 GREEN (shared across MISP communities, never published), 4
/// AMBER, none AMBER.
fn distribution_tlp(d: Option<i64>) -> Tlp {
    match d {
        Some(0) => Tlp::AmberStrict,
        Some(2 | 3) => Tlp::Green,
        _ => Tlp::Amber,
    }
}

/// The items of an object's list member (none when it is not a list).
fn items<'v, 'a>(o: Option<&'v Obj<'a>>, key: &str) -> std::slice::Iter<'v, Json<'a>> {
    o.and_then(|o| o.get(key))
        .and_then(Json::as_array)
        .unwrap_or_default()
        .iter()
}

/// The event's TLP: the strictest `tlp:` tag of the event, else its
/// distribution's; then never wider than any part's distribution or tag
/// allows (an attribute or object "your organisation only" makes the
/// incident AMBER+STRICT, an attribute tagged `tlp:red` makes it RED), as
/// an IODEF incident's TLP is its strictest element's.
pub fn tlp_of(event: &ReadEvent<'_>) -> Tlp {
    let e = event.body();
    let dist = e.get("distribution").and_then(number);
    let tagged = tag_names(e.get("Tag")).filter_map(tag_tlp).max();
    let mut tlp = tagged
        .unwrap_or_else(|| distribution_tlp(dist))
        .max(distribution_floor(dist));
    let parts = items(Some(e), "Attribute").chain(
        items(Some(e), "Object")
            .flat_map(|o| std::iter::once(o).chain(items(o.as_object(), "Attribute"))),
    );
    for p in parts.filter_map(Json::as_object) {
        if p.get("deleted").and_then(Json::as_bool) == Some(true) {
            continue;
        }
        tlp = tlp.max(distribution_floor(p.get("distribution").and_then(number)));
        if let Some(t) = tag_names(p.get("Tag")).filter_map(tag_tlp).max() {
            tlp = tlp.max(t);
        }
    }
    tlp
}

/// The event's tags and galaxy clusters, as labels.
pub fn labels(event: &ReadEvent<'_>) -> Vec<String> {
    let e = event.body();
    let mut out: Vec<String> = tag_names(e.get("Tag")).map(str::to_owned).collect();
    for g in e
        .get("Galaxy")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        for c in g
            .get("GalaxyCluster")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(t) = c.get("tag_name").and_then(Json::as_str) {
                if !out.iter().any(|l| l == t) {
                    out.push(t.to_owned());
                }
            }
        }
    }
    out
}

/// The RSIT class: an `rsit:` or `ecsirt:` tag (the ENISA taxonomy and its
/// predecessor share category and type names), else a word of the info,
/// else `other/undetermined`.
fn classification(event: &ReadEvent<'_>) -> RsitClass {
    let e = event.body();
    for t in tag_names(e.get("Tag")) {
        let t = t.trim();
        let rest = t
            .strip_prefix("rsit:")
            .or_else(|| t.strip_prefix("ecsirt:"))
            .or_else(|| t.strip_prefix("RSIT:"));
        if let Some(rest) = rest {
            if let Some((cat, ty)) = rest.split_once('=') {
                if let Some(c) = RsitClass::lookup(cat, ty.trim().trim_matches('"')) {
                    return c;
                }
            }
        }
    }
    let info = e
        .get("info")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .to_ascii_lowercase();
    const WORDS: &[(&str, &str, &str)] = &[
        ("phish", "fraud", "phishing"),
        ("ransomware", "malicious-code", "infected-system"),
        ("botnet", "malicious-code", "infected-system"),
        ("c2", "malicious-code", "c2-server"),
        ("command and control", "malicious-code", "c2-server"),
        ("malware", "malicious-code", "malware-distribution"),
        ("ddos", "availability", "ddos"),
        ("scan", "information-gathering", "scanner"),
        ("brute", "intrusion-attempts", "brute-force"),
        ("exploit", "intrusion-attempts", "exploit"),
        ("spam", "abusive-content", "spam"),
        ("leak", "information-content-security", "data-leak"),
    ];
    WORDS
        .iter()
        .find(|(w, _, _)| info.contains(w))
        .and_then(|(_, c, t)| RsitClass::lookup(c, t))
        .or_else(|| RsitClass::lookup("other", "undetermined"))
        .expect("other/undetermined is in the taxonomy")
}

/// The tag an event built from the model carries its c5hub id in, so the
/// event read back is the same incident (MISP keeps tags, not unknown keys).
pub const ID_TAG: &str = "c5hub:incident-id";

/// The global id an event's `c5hub:incident-id="name:id"` tag names.
fn tagged_id(event: &ReadEvent<'_>) -> Option<GlobalId> {
    tag_names(event.body().get("Tag")).find_map(|t| {
        let v = t.strip_prefix(ID_TAG)?.strip_prefix('=')?;
        v.trim_matches('"').parse().ok()
    })
}

/// A GlobalId name from an organisation's name: lower case, every run of
/// characters other than a-z, 0-9, `.`, `_` and `-` one `-`.
fn id_name(org: &str) -> String {
    let mut out = String::new();
    for c in org.trim().chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_owned();
    out.chars().take(GlobalId::MAX_NAME_LEN).collect()
}

fn day(d: &str) -> Option<DateTime<Utc>> {
    let d = crate::parse_date(d)?;
    Some(Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0)?))
}

fn epoch(v: Option<&Json<'_>>) -> Option<DateTime<Utc>> {
    v.and_then(number)
        .filter(|n| *n > 0)
        .and_then(|n| Utc.timestamp_opt(n, 0).single())
}

/// The longest prefix of `s` within `max` bytes, at a character boundary.
fn cut(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Reads an event into an incident. Every attribute of a type c5hub
/// normalises must hold a valid value of it (each refusal names the
/// attribute, its uuid and the property); with `lenient`, a value that does
/// not parse is kept verbatim (in the event) and noted instead. The
/// incident's id is the Orgc name (or uuid) and the event's uuid, so an
/// updated event (a new timestamp) is a new version of the same incident.
pub fn incident_from_event(read: &ReadEvent<'_>, lenient: bool) -> Result<Converted, Vec<Problem>> {
    let event = read;
    let e = event.body();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let orgc = e.get("Orgc").and_then(Json::as_object);
    let org_name = orgc
        .and_then(|o| o.get("name"))
        .and_then(Json::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let name = org_name
        .map(id_name)
        .filter(|n| !n.is_empty())
        .or_else(|| {
            orgc.and_then(|o| o.get("uuid"))
                .and_then(Json::as_str)
                .filter(|u| is_uuid(u))
                .map(str::to_ascii_lowercase)
        })
        .unwrap_or_else(|| "misp".to_owned());
    // An id tag is c5hub's own only on the event c5hub made for it (its
    // uuid derived from that id): the uuid stays the file's name in a feed.
    let tagged = tagged_id(event)
        .filter(|g| uuid_for_global_id(&g.to_string()).eq_ignore_ascii_case(event.uuid()));
    let id = match tagged
        .map(Ok)
        .unwrap_or_else(|| GlobalId::new(&name, &event.uuid().to_ascii_lowercase()))
    {
        Ok(id) => id,
        Err(err) => {
            return Err(vec![Problem {
                at: "Event.uuid".into(),
                detail: err.to_string(),
            }]);
        }
    };
    let mut m = Incident::new(id, tlp_of(event));
    m.classification = Some(classification(event));
    let info = e
        .get("info")
        .and_then(Json::as_str)
        .unwrap_or_default()
        .trim();
    let first_line = info.lines().next().unwrap_or_default().trim();
    if !first_line.is_empty() {
        m.title = Some(cut(first_line, Incident::MAX_SHORT_TEXT_LEN).to_owned());
        if first_line.len() != info.len() {
            m.description = Some(cut(info, Incident::MAX_DESCRIPTION_LEN).to_owned());
        }
    }
    m.status = match e.get("analysis").and_then(number) {
        Some(1) => IncidentStatus::InProgress,
        Some(2) => IncidentStatus::Resolved,
        _ => IncidentStatus::New,
    };
    m.times.detected = e.get("date").and_then(Json::as_str).and_then(day);
    m.times.generated = epoch(e.get("timestamp"));
    m.times.reported =
        epoch(e.get("publish_timestamp")).filter(|r| m.times.detected.is_none_or(|d| *r >= d));
    if let Some(n) = org_name {
        m.contacts.push(Contact {
            name: Some(cut(n, Incident::MAX_SHORT_TEXT_LEN).to_owned()),
            email: None,
            role: "creator".to_owned(),
        });
    }
    // Each attribute with what names it in a message (the object it is in,
    // with its index, `None` for the event's own, and the attribute's
    // index), written only when a problem needs it.
    let own = items(Some(e), "Attribute")
        .enumerate()
        .map(|(j, a)| (None, j, a));
    let in_objects = items(Some(e), "Object")
        .enumerate()
        .filter(|(_, o)| o.get("deleted").and_then(Json::as_bool) != Some(true))
        .flat_map(|(i, o)| {
            items(o.as_object(), "Attribute")
                .enumerate()
                .map(move |(j, a)| (Some((i, o)), j, a))
        });
    let attributes = own.chain(in_objects).filter(|(_, _, a)| a.is_object());
    for (object, j, a) in attributes {
        let at = || match object {
            None => name_of("Event", "Attribute", j, a),
            Some((i, o)) => name_of(&name_of("Event", "Object", i, o), "Attribute", j, a),
        };
        if a.get("deleted").and_then(Json::as_bool) == Some(true) {
            continue;
        }
        let ty = a.get("type").and_then(Json::as_str).unwrap_or_default();
        let value = a.get("value").and_then(Json::as_str).unwrap_or_default();
        let Some(t) = types::get(ty) else { continue };
        // `splitn` gives as many parts as the type has when the value has
        // at least one `|` fewer than that.
        if value.bytes().filter(|&b| b == b'|').count() + 1 < t.parts.len() {
            problems.push(Problem {
                at: format!("{}.value", at()),
                detail: format!(
                    "{value:?}: a {ty} value has {} parts separated by |",
                    t.parts.len()
                ),
            });
            continue;
        }
        for (part, raw) in t.parts.iter().zip(value.splitn(t.parts.len(), '|')) {
            match types::parse_part(*part, raw) {
                None => {}
                Some(Ok(o)) => {
                    m.add_observable(o, t.role);
                }
                Some(Err(err)) => {
                    let p = Problem {
                        at: format!("{}.value", at()),
                        detail: format!("{ty}: {err}"),
                    };
                    if lenient {
                        notes.push(p);
                    } else {
                        problems.push(p);
                    }
                }
            }
        }
    }
    if let Err(v) = m.validate() {
        problems.extend(v.iter().map(|x| Problem {
            at: format!("incident {}", x.path),
            detail: x.message.clone(),
        }));
    }
    if read.original.len() > Incident::MAX_ORIGINAL_LEN {
        problems.push(Problem {
            at: "Event".into(),
            detail: format!(
                "{} bytes, an incident keeps at most {}",
                read.original.len(),
                Incident::MAX_ORIGINAL_LEN
            ),
        });
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    m.original = Some(OriginalDocument::new(
        DocumentFormat::Misp,
        read.original.to_vec(),
    ));
    Ok(Converted {
        incident: m,
        notes,
        labels: labels(event),
    })
}

/// A UUID (version 8, RFC 9562) from SHA-256 over `name`: the same name
/// always gives the same uuid.
fn derived_uuid(name: &str) -> String {
    let d = Sha256::digest(name.as_bytes());
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The stored incident's event, when its original document is one (with
/// the uuid the feed names it by: another is not this incident's).
fn original_event(incident: &Incident) -> Option<Event> {
    let o = incident.original.as_ref()?;
    if o.format != DocumentFormat::Misp {
        return None;
    }
    let e = match serde_json::from_slice(&o.bytes).ok()? {
        Value::Object(m) => Event::new(m)?,
        _ => return None,
    };
    e.uuid()
        .eq_ignore_ascii_case(&event_uuid_for(incident))
        .then_some(e)
}

/// The uuid of the event of the incident with this global id (`name:id`):
/// the id when it is a UUID (an incident read from MISP has its event's),
/// else one derived from the global id, so the same incident always has the
/// same uuid and a feed finds an incident by it from its id alone.
pub fn uuid_for_global_id(global_id: &str) -> String {
    let id = global_id.split_once(':').map_or(global_id, |(_, id)| id);
    if is_uuid(id) {
        return id.to_ascii_lowercase();
    }
    derived_uuid(&format!("c5hub:{global_id}"))
}

/// The uuid of an incident's event ([`uuid_for_global_id`]).
pub fn event_uuid_for(incident: &Incident) -> String {
    uuid_for_global_id(&incident.id.to_string())
}

/// An incident as a MISP event. One read from MISP is its event as it came
/// (with a `tlp:` tag of its TLP added when it had none), so what c5hub
/// does not model goes back out unchanged; any other is built from the
/// model ([`event_from_incident`]).
pub fn export_event(incident: &Incident, reporter: &str, stored: DateTime<Utc>) -> Event {
    let Some(mut event) = original_event(incident) else {
        return event_from_incident(incident, reporter, stored);
    };
    let body = event.body_mut();
    let tagged = body
        .get("Tag")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|t| t.get("name").and_then(Value::as_str))
        .any(|t| tag_tlp(t).is_some());
    if !tagged {
        let tag = json!({"name": format!("tlp:{}", incident.tlp.name()), "colour": tlp_colour(incident.tlp)});
        match body.get_mut("Tag") {
            Some(Value::Array(a)) => a.push(tag),
            _ => {
                body.insert("Tag".into(), Value::Array(vec![tag]));
            }
        }
    }
    event
}

/// The colours MISP's TLP taxonomy gives its tags.
fn tlp_colour(t: Tlp) -> &'static str {
    match t {
        Tlp::Clear => "#ffffff",
        Tlp::Green => "#339900",
        Tlp::Amber | Tlp::AmberStrict => "#ffc000",
        Tlp::Red => "#cc0033",
    }
}

/// An incident built into a MISP event from the model: one attribute per
/// (observable, role), typed by kind and role (`types::export_type`), the
/// TLP as a tag and as the distribution (CLEAR 3, GREEN 1, else 0: "your
/// organisation only" for anything limited to organisations), the RSIT
/// class as an `rsit:` tag, the reporting organisation as Orgc.
pub fn event_from_incident(incident: &Incident, reporter: &str, stored: DateTime<Utc>) -> Event {
    let uuid = event_uuid_for(incident);
    let ts = stored.timestamp().to_string();
    let date = incident
        .times
        .detected
        .or(incident.times.start)
        .or(incident.times.reported)
        .unwrap_or(stored)
        .format("%Y-%m-%d")
        .to_string();
    let info = incident
        .title
        .clone()
        .or_else(|| {
            incident
                .description
                .as_deref()
                .and_then(|d| d.lines().next())
                .map(|l| l.trim().to_owned())
                .filter(|l| !l.is_empty())
        })
        .unwrap_or_else(|| format!("c5hub incident {}", incident.id));
    let distribution = match incident.tlp {
        Tlp::Clear => "3",
        Tlp::Green => "1",
        _ => "0",
    };
    let mut tags = vec![
        json!({"name": format!("tlp:{}", incident.tlp.name()), "colour": tlp_colour(incident.tlp)}),
    ];
    if let Some(c) = incident.classification {
        tags.push(json!({"name": c.machine_tag(), "colour": "#0088cc"}));
    }
    tags.push(json!({"name": format!("{ID_TAG}=\"{}\"", incident.id), "colour": "#0088cc"}));
    let attributes: Vec<Value> = incident
        .observables
        .iter()
        .map(|o| {
            let (ty, category, value) = types::export_type(&o.observable, o.role);
            let mut a = json!({
                "uuid": derived_uuid(&format!("c5hub:{}:{}:{}:{}", incident.id, o.observable.kind(), o.observable.value(), o.role)),
                "type": ty,
                "category": category,
                "value": value,
                "to_ids": o.role == ObservableRole::Indicator,
                "distribution": "5",
                "sharing_group_id": "0",
                "timestamp": ts,
                "comment": format!("c5hub {} ({})", o.observable.kind(), o.role),
            });
            if ty == "text" {
                a["comment"] = json!(format!("c5hub {}", o.observable.kind()));
            }
            a
        })
        .collect();
    let analysis = match incident.status {
        IncidentStatus::New | IncidentStatus::Triaged => "0",
        IncidentStatus::InProgress => "1",
        IncidentStatus::Resolved | IncidentStatus::Closed => "2",
    };
    let mut body = json!({
        "uuid": uuid,
        "info": info,
        "date": date,
        "timestamp": ts,
        "published": true,
        "analysis": analysis,
        "threat_level_id": "4",
        "distribution": distribution,
        "sharing_group_id": "0",
        "Orgc": {"name": reporter, "uuid": derived_uuid(&format!("c5hub-org:{reporter}"))},
        "Tag": tags,
        "Attribute": attributes,
    });
    if let Some(d) = &incident.description {
        if incident.title.is_some() {
            body["EventReport"] = json!([{
                "uuid": derived_uuid(&format!("c5hub-report:{}", incident.id)),
                "name": "Description",
                "content": d,
                "distribution": "5",
                "sharing_group_id": "0",
                "timestamp": ts,
                "deleted": false,
            }]);
        }
    }
    let mut wrapper = Map::new();
    wrapper.insert("Event".into(), body);
    Event::new(wrapper).expect("built with an Event object")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Limits, read_events};

    fn one(doc: &str) -> ReadEvent<'_> {
        read_events(doc.as_bytes(), &Limits::default())
            .expect("reads")
            .remove(0)
    }

    #[test]
    fn tags_win_but_never_wider_than_the_distribution() {
        let ev = |dist: &str, tags: &str, attr: &str| {
            let doc = format!(
                r#"{{"Event":{{"uuid":"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab","info":"x","distribution":"{dist}","Tag":[{tags}],"Attribute":[{attr}]}}}}"#
            );
            tlp_of(&one(&doc))
        };
        assert_eq!(ev("3", r#"{"name":"tlp:white"}"#, ""), Tlp::Clear);
        assert_eq!(ev("1", r#"{"name":"tlp:green"}"#, ""), Tlp::Green);
        assert_eq!(ev("1", "", ""), Tlp::Amber);
        assert_eq!(ev("3", "", ""), Tlp::Green);
        assert_eq!(ev("0", r#"{"name":"tlp:green"}"#, ""), Tlp::AmberStrict);
        assert_eq!(ev("4", r#"{"name":"tlp:clear"}"#, ""), Tlp::Amber);
        assert_eq!(
            ev(
                "3",
                r#"{"name":"tlp:green"},{"name":"TLP:AMBER+STRICT"}"#,
                ""
            ),
            Tlp::AmberStrict
        );
        assert_eq!(
            ev(
                "3",
                r#"{"name":"tlp:green"}"#,
                r#"{"type":"ip-src","value":"192.0.2.1","distribution":"0"}"#
            ),
            Tlp::AmberStrict
        );
        assert_eq!(
            ev(
                "3",
                r#"{"name":"tlp:green"}"#,
                r#"{"type":"ip-src","value":"192.0.2.1","distribution":"0","deleted":true}"#
            ),
            Tlp::Green
        );
        assert_eq!(
            ev(
                "3",
                "",
                r#"{"type":"ip-src","value":"192.0.2.1","Tag":[{"name":"tlp:red"}]}"#
            ),
            Tlp::Red
        );
    }

    #[test]
    fn id_names_are_orgc_names_made_safe() {
        assert_eq!(id_name("CIRCL"), "circl");
        assert_eq!(id_name(" Some Org / Ltd. "), "some-org-ltd.");
        assert_eq!(derived_uuid("x"), derived_uuid("x"));
        assert!(is_uuid(&derived_uuid("x")));
        assert_eq!(&derived_uuid("x")[14..15], "8");
    }
}
