//! STIX 2.1 → model: a bundle into incidents.
//!
//! A bundle is split into object groups ([`group`]), each one c5hub
//! incident: every `incident` and every `report` with the objects that
//! belong to it, each indicator no incident or report reaches with its own,
//! and the objects no group reaches kept with the first group (or, with no
//! group at all, one incident of the whole bundle). Each group's objects,
//! unchanged, are the incident's original document (a bundle of them), so
//! that export gives them back as they came. The mapping is the table in
//! the crate's README.

use std::collections::{HashMap, HashSet, VecDeque};

use c5hub_model::{
    DocumentFormat, GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole,
    OriginalDocument, RsitClass, Tlp,
};
use serde_json::{Map, Value};

use crate::bundle::{Bundle, Error, Object};
use crate::{export, ids, pattern};

/// The objects an incident that came in as STIX was read from (its
/// original document is a bundle of them), or `None` for any other.
pub fn original_objects(m: &Incident) -> Option<Vec<Value>> {
    let doc = m.original.as_ref()?;
    if doc.format != DocumentFormat::Stix21 {
        return None;
    }
    match serde_json::from_slice::<Value>(&doc.bytes).ok()? {
        Value::Object(mut b) => match b.remove("objects")? {
            Value::Array(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

/// How a bundle is read.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The TLP of a group whose root object carries no TLP marking.
    pub default_tlp: Tlp,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            default_tlp: Tlp::Amber,
        }
    }
}

/// One object group read into an incident, or why it was refused.
#[derive(Debug)]
pub struct Group {
    /// The id of the object the group is built around.
    pub root: String,
    /// The incident, or every error found in the group's objects.
    pub incident: Result<Incident, Vec<Error>>,
    /// What the conversion noted (values that are no observable c5hub
    /// normalises, patterns it cannot map), with where.
    pub notes: Vec<Error>,
}

/// The incidents of a bundle, one per object group, in the order of
/// their root objects.
pub fn incidents(b: &Bundle, opts: &Options) -> Vec<Group> {
    let mut graph = Graph::default();
    for o in &b.objects {
        graph.add(o);
    }
    let objects: Vec<&Object> = b.objects.iter().collect();
    let index = Index::new(&objects);
    graph
        .groups()
        .into_iter()
        .map(|(root, members)| convert(&b.id, &objects, &index, root, &members, opts))
        .collect()
}

/// Where each object is by id, for the conversion of one group.
pub(crate) struct Index<'a> {
    /// Object position by id (the last of several versions).
    by_id: HashMap<&'a str, usize>,
}

impl<'a> Index<'a> {
    pub(crate) fn new(objects: &[&'a Object]) -> Index<'a> {
        let by_id = objects
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id(), i))
            .collect();
        Index { by_id }
    }
}

/// What grouping needs to know of an object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// An incident or a report: a group of its own.
    Root,
    /// An indicator: a group of its own when no root reaches it.
    Indicator,
    /// An observed-data: pulls in what points at it, like the above.
    ObservedData,
    /// Anything else.
    Other,
}

/// The references between a bundle's objects, with ids interned, so that
/// a bundle of any size is grouped in memory of a few words per object
/// and reference ([`crate::stream`] builds one from a first pass).
#[derive(Default)]
pub(crate) struct Graph {
    ids: HashMap<Box<str>, u32>,
    roles: Vec<Role>,
    /// Each object's own id.
    own: Vec<u32>,
    /// What each object references.
    refs: Vec<Vec<u32>>,
    /// Object positions by interned id (the last of several versions).
    by_id: HashMap<u32, usize>,
    /// Relationships, sightings, notes and opinions by the ids they name.
    touching: HashMap<u32, Vec<usize>>,
}

impl Graph {
    fn intern(&mut self, id: &str) -> u32 {
        if let Some(n) = self.ids.get(id) {
            return *n;
        }
        let n = self.ids.len() as u32;
        self.ids.insert(id.into(), n);
        n
    }

    /// Adds the next object.
    pub(crate) fn add(&mut self, o: &Object) {
        let mut refs = Vec::new();
        collect_refs(&o.map, &mut refs);
        let props: &[&str] = match o.type_() {
            "relationship" => &["source_ref", "target_ref"],
            "sighting" => &["sighting_of_ref"],
            _ => &[],
        };
        let mut named: Vec<&str> = props.iter().filter_map(|p| o.str(p)).collect();
        // What is said about an object (notes, opinions) goes with it.
        if matches!(o.type_(), "note" | "opinion") {
            named.extend(
                o.list("object_refs")
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str),
            );
        }
        self.add_parts(o.type_(), o.id(), refs, named);
    }

    /// Adds the next object from what grouping needs of it: its type and
    /// id, every id it references ([`collect_refs`]), and the ids a
    /// relationship, sighting, note or opinion is about.
    pub(crate) fn add_parts<'a>(
        &mut self,
        type_: &str,
        id: &str,
        refs: impl IntoIterator<Item = &'a str>,
        named: impl IntoIterator<Item = &'a str>,
    ) {
        let i = self.roles.len();
        let id = self.intern(id);
        self.by_id.insert(id, i);
        self.own.push(id);
        self.roles.push(match type_ {
            "incident" | "report" => Role::Root,
            "indicator" => Role::Indicator,
            "observed-data" => Role::ObservedData,
            _ => Role::Other,
        });
        let refs: Vec<u32> = refs.into_iter().map(|r| self.intern(r)).collect();
        self.refs.push(refs);
        for r in named {
            let r = self.intern(r);
            self.touching.entry(r).or_default().push(i);
        }
    }

    /// The object groups: (root position, member positions in bundle
    /// order); the root is `None` for a bundle without incident, report or
    /// indicator (one group of everything).
    pub(crate) fn groups(&self) -> Vec<(Option<usize>, Vec<usize>)> {
        let n = self.roles.len();
        let mut groups: Vec<(Option<usize>, Vec<usize>)> = Vec::new();
        let mut reached = vec![false; n];
        let mut add = |root: usize, reached: &mut Vec<bool>| {
            let members = self.closure(root);
            for &m in &members {
                reached[m] = true;
            }
            groups.push((Some(root), members));
        };
        for i in 0..n {
            if self.roles[i] == Role::Root {
                add(i, &mut reached);
            }
        }
        for i in 0..n {
            if self.roles[i] == Role::Indicator && !reached[i] {
                add(i, &mut reached);
            }
        }
        let rest: Vec<usize> = (0..n).filter(|i| !reached[*i]).collect();
        if !rest.is_empty() {
            match groups.first_mut() {
                Some((_, members)) => {
                    members.extend(rest);
                    members.sort_unstable();
                    members.dedup();
                }
                None => groups.push((None, rest)),
            }
        }
        groups
    }

    /// The objects that belong to `root`: what it references, the
    /// relationships, sightings and notes that name it, and on through
    /// them, but not into another incident or report. Only the objects a
    /// group is about pull in what points at them: an identity or marking
    /// shared by many does not.
    fn closure(&self, root: usize) -> Vec<usize> {
        let mut seen = HashSet::from([root]);
        let mut queue = VecDeque::from([root]);
        while let Some(i) = queue.pop_front() {
            let mut next: Vec<usize> = self.refs[i]
                .iter()
                .filter_map(|r| self.by_id.get(r).copied())
                .collect();
            if self.roles[i] != Role::Other {
                if let Some(t) = self.touching.get(&self.own[i]) {
                    next.extend(t);
                }
            }
            for n in next {
                if n != root && self.roles[n] == Role::Root {
                    continue;
                }
                if seen.insert(n) {
                    queue.push_back(n);
                }
            }
        }
        let mut v: Vec<usize> = seen.into_iter().collect();
        v.sort_unstable();
        v
    }
}

/// Every id in a `*_ref`/`*_refs` property, in `extensions` keys, and in
/// `marking_ref`s, at any depth.
pub(crate) fn collect_refs<'a>(m: &'a Map<String, Value>, out: &mut Vec<&'a str>) {
    for (k, x) in m {
        if k.starts_with("extension-definition--") {
            out.push(k);
        }
        if k.ends_with("_ref") {
            if let Some(s) = x.as_str() {
                out.push(s);
            }
        } else if k.ends_with("_refs") {
            if let Some(a) = x.as_array() {
                out.extend(a.iter().filter_map(Value::as_str));
            }
        } else {
            collect_value_refs(x, out);
        }
    }
}

fn collect_value_refs<'a>(v: &'a Value, out: &mut Vec<&'a str>) {
    match v {
        Value::Object(m) => collect_refs(m, out),
        Value::Array(a) => a.iter().for_each(|x| collect_value_refs(x, out)),
        _ => {}
    }
}

/// Converts the objects of one group of bundle `bundle_id` (read by
/// [`crate::stream`]), its root at `root`.
pub(crate) fn convert_group(
    bundle_id: &str,
    objects: &[&Object],
    root: Option<usize>,
    opts: &Options,
) -> Group {
    let index = Index::new(objects);
    let members: Vec<usize> = (0..objects.len()).collect();
    convert(bundle_id, objects, &index, root, &members, opts)
}

fn convert(
    bundle_id: &str,
    objects: &[&Object],
    index: &Index<'_>,
    root: Option<usize>,
    members: &[usize],
    opts: &Options,
) -> Group {
    let root_id = root
        .map(|r| objects[r].id().to_owned())
        .unwrap_or_else(|| bundle_id.to_owned());
    let errors: Vec<Error> = members
        .iter()
        .flat_map(|m| objects[*m].errors.iter().cloned())
        .collect();
    if !errors.is_empty() {
        return Group {
            root: root_id,
            incident: Err(errors),
            notes: Vec::new(),
        };
    }
    let mut notes = Vec::new();
    let r = root.map(|r| objects[r]);
    let creator_name = r
        .and_then(|o| o.str("created_by_ref"))
        .and_then(|c| index.by_id.get(c))
        .and_then(|i| objects[*i].str("name"));
    let id = match global_id(r, &root_id, creator_name) {
        Ok(id) => id,
        Err(e) => {
            return Group {
                root: root_id.clone(),
                incident: Err(vec![Error::new(&root_id, "id", &e.to_string())]),
                notes,
            };
        }
    };
    let tlp = r
        .and_then(|o| o.list("object_marking_refs"))
        .into_iter()
        .flatten()
        .filter_map(|m| m.as_str().and_then(ids::tlp_of_marking))
        .max()
        .unwrap_or(opts.default_tlp);
    let mut m = Incident::new(id, tlp);
    m.reporter = creator_name
        .filter(|n| !n.trim().is_empty())
        .map(|n| shorten(n, Incident::MAX_SHORT_TEXT_LEN));
    if let Some(o) = r {
        // The model refuses empty texts and titles over its limit; STIX
        // allows both, and the original keeps them as written.
        m.title = o
            .str("name")
            .filter(|t| !t.trim().is_empty())
            .map(|t| shorten(t, Incident::MAX_SHORT_TEXT_LEN));
        m.description = o
            .str("description")
            .filter(|t| !t.trim().is_empty())
            .map(str::to_owned);
        m.times.reported = o.time("created");
        m.times.generated = o.time("modified");
        let ext = o
            .map
            .get("extensions")
            .and_then(|e| e.get(export::INCIDENT_EXTENSION));
        if let Some(ext) = ext {
            m.times.start = ext.get("first_seen").and_then(time_of);
            m.times.end = ext.get("last_seen").and_then(time_of);
            m.status = match ext.get("investigation_status").and_then(Value::as_str) {
                Some("open") => IncidentStatus::InProgress,
                Some("closed") => IncidentStatus::Closed,
                _ => IncidentStatus::New,
            };
        }
        m.classification = classification(o, ext, members.iter().map(|i| objects[*i]));
    }
    // Roles c5hub wrote: the relationship from the root to an SCO says it.
    let mut roles: HashMap<&str, ObservableRole> = HashMap::new();
    for i in members {
        let o = &objects[*i];
        if o.type_() == "relationship" && o.str("source_ref") == Some(root_id.as_str()) {
            if let (Some(t), Some(role)) = (
                o.str("target_ref"),
                o.str("description").and_then(export::role_from_text),
            ) {
                roles.insert(t, role);
            }
        }
    }
    let mut from_patterns = Vec::new();
    for i in members {
        let o = &objects[*i];
        let role = roles
            .get(o.id())
            .copied()
            .unwrap_or(ObservableRole::Unknown);
        for obs in observables_of(o, &mut notes) {
            m.add_observable(obs, role);
        }
        if o.type_() == "indicator" && o.str("pattern_type") == Some("stix") {
            if let Some(p) = o.str("pattern") {
                match pattern::parse(p) {
                    Ok(p) => from_patterns.extend(pattern::observables(&p)),
                    Err(e) => notes.push(Error::new(
                        o.id(),
                        "pattern",
                        &format!("kept verbatim, not read: {e}"),
                    )),
                }
            }
        }
    }
    for obs in from_patterns {
        if !m.observables.iter().any(|io| io.observable == obs) {
            m.add_observable(obs, ObservableRole::Indicator);
        }
    }
    m.observables.truncate(Incident::MAX_OBSERVABLES);
    let name = format!(
        "group:{root_id}:{}",
        r.and_then(|o| o.str("modified")).unwrap_or("")
    );
    let members: Vec<&Map<String, Value>> = members.iter().map(|i| &objects[*i].map).collect();
    m.original = Some(OriginalDocument::new(
        DocumentFormat::Stix21,
        original_bundle(&ids::c5hub_id("bundle", &name), &members),
    ));
    if let Err(v) = m.validate() {
        return Group {
            root: root_id.clone(),
            incident: Err(v
                .iter()
                .map(|v| Error::new(&root_id, &v.path, &v.message))
                .collect()),
            notes,
        };
    }
    Group {
        root: root_id,
        incident: Ok(m),
        notes,
    }
}

/// The bytes of a bundle of `objects`, written straight from the maps
/// (the same bytes as `serde_json::to_vec` of the bundle's value, without
/// copying every object into that value first).
fn original_bundle(id: &str, objects: &[&Map<String, Value>]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + 256 * objects.len());
    out.extend_from_slice(br#"{"type":"bundle","id":"#);
    serde_json::to_writer(&mut out, id).expect("a string always serialises");
    out.extend_from_slice(br#","objects":["#);
    for (i, o) in objects.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        serde_json::to_writer(&mut out, o).expect("a JSON map always serialises");
    }
    out.extend_from_slice(b"]}");
    out
}

/// The global id: what c5hub wrote in its external reference, else the
/// creator's name (as an IODEF name: lowercase, other characters `-`;
/// `stix` without one) and the STIX id.
fn global_id(
    r: Option<&Object>,
    root_id: &str,
    creator: Option<&str>,
) -> Result<GlobalId, c5hub_model::Error> {
    let c5hub_ref = r
        .and_then(|o| o.list("external_references"))
        .into_iter()
        .flatten()
        .find(|e| e.get("source_name").and_then(Value::as_str) == Some(export::C5HUB_SOURCE))
        .and_then(|e| e.get("external_id").and_then(Value::as_str));
    if let Some(g) = c5hub_ref.and_then(|g| g.parse::<GlobalId>().ok()) {
        return Ok(g);
    }
    let name: String = creator
        .unwrap_or("stix")
        .trim()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(GlobalId::MAX_NAME_LEN)
        .collect();
    let name = if name.trim_matches('-').is_empty() {
        "stix".to_owned()
    } else {
        name
    };
    GlobalId::new(&name, root_id)
}

/// `t` cut to at most `max` bytes, at a character boundary.
fn shorten(t: &str, max: usize) -> String {
    let mut end = t.len().min(max);
    while !t.is_char_boundary(end) {
        end -= 1;
    }
    t[..end].to_owned()
}

fn time_of(v: &Value) -> Option<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(v.as_str()?)
        .ok()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// The RSIT class: an `rsit:` label, else the Incident Core Extension's
/// `incident_types`, else the group's indicators' `indicator_types` (the
/// README's table).
fn classification<'a>(
    root: &Object,
    ext: Option<&Value>,
    members: impl Iterator<Item = &'a Object>,
) -> Option<RsitClass> {
    let labels = root.list("labels").into_iter().flatten();
    if let Some(c) = labels
        .filter_map(Value::as_str)
        .find_map(|l| RsitClass::from_machine_tag(l).ok())
    {
        return Some(c);
    }
    let types = ext
        .and_then(|e| e.get("incident_types"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str);
    for t in types {
        if let Some(c) = rsit_of_type(t) {
            return Some(c);
        }
    }
    members
        .filter(|o| o.type_() == "indicator")
        .flat_map(|o| o.list("indicator_types").into_iter().flatten())
        .filter_map(Value::as_str)
        .find_map(|t| match t {
            "compromised" => RsitClass::lookup("intrusions", "system-compromise"),
            "anonymization" => RsitClass::lookup("other", "other"),
            _ => None,
        })
}

/// An incident type: an RSIT type name (c5hub writes those), or one of
/// the few the README's table maps.
fn rsit_of_type(t: &str) -> Option<RsitClass> {
    let mapped = match t {
        "denial-of-service" => Some(("availability", "dos")),
        "malware" | "ransomware" => Some(("malicious-code", "infected-system")),
        "phishing" => Some(("fraud", "phishing")),
        "data-breach" | "data-exfiltration" => Some(("information-content-security", "data-leak")),
        "defacement" => Some(("intrusions", "application-compromise")),
        _ => None,
    };
    if let Some((c, ty)) = mapped {
        return RsitClass::lookup(c, ty);
    }
    RsitClass::all().find(|c| c.type_().value == t)
}

/// The observables an SCO (or a vulnerability) holds, each with the
/// property it came from; a value c5hub cannot normalise is a note.
fn observables_of(o: &Object, notes: &mut Vec<Error>) -> Vec<Observable> {
    let mut out = Vec::new();
    let mut one = |prop: &str, r: Result<Observable, c5hub_model::Error>| match r {
        Ok(x) => out.push(x),
        Err(e) => notes.push(Error::new(o.id(), prop, &format!("not read: {e}"))),
    };
    match o.type_() {
        "ipv4-addr" | "ipv6-addr" => {
            if let Some(v) = o.str("value") {
                one(
                    "value",
                    Observable::parse_ip(v).or_else(|_| Observable::parse(ObservableKind::Cidr, v)),
                );
            }
        }
        "vulnerability" => {
            if let Some(v) = o.str("name").filter(|n| n.starts_with("CVE-")) {
                one("name", Observable::parse(ObservableKind::Cve, v));
            }
        }
        "autonomous-system" => {
            if let Some(n) = o.map.get("number").and_then(Value::as_u64) {
                one(
                    "number",
                    Observable::parse(ObservableKind::Asn, &n.to_string()),
                );
            }
        }
        "file" | "artifact" | "x509-certificate" => {
            if let Some(h) = o.map.get("hashes").and_then(Value::as_object) {
                for (k, v) in h {
                    let kind = match k.as_str() {
                        "MD5" => ObservableKind::Md5,
                        "SHA-1" => ObservableKind::Sha1,
                        "SHA-256" => ObservableKind::Sha256,
                        "SHA-512" => ObservableKind::Sha512,
                        "SSDEEP" => ObservableKind::Ssdeep,
                        "TLSH" => ObservableKind::Tlsh,
                        _ => continue,
                    };
                    if let Some(v) = v.as_str() {
                        one("hashes", Observable::parse(kind, v));
                    }
                }
            }
        }
        t => {
            let kind = match t {
                "domain-name" => ObservableKind::Domain,
                "url" => ObservableKind::Url,
                "email-addr" => ObservableKind::Email,
                "mac-addr" => ObservableKind::Mac,
                "phone-number" | "x-c5hub-phone-number" => ObservableKind::PhoneNumber,
                "x-c5hub-sender-id" => ObservableKind::SenderId,
                "imei" | "x-c5hub-imei" => ObservableKind::Imei,
                _ => return out,
            };
            if let Some(v) = o.str("value") {
                one("value", Observable::parse(kind, v));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The store tells versions apart by the original's bytes: they are
    /// the bytes `serde_json` writes for the bundle's value.
    #[test]
    fn original_bundles_are_the_bytes_of_their_value() {
        let objects: Vec<Map<String, Value>> = [
            r#"{"type":"identity","id":"identity--1","name":"A \"quoted\" é\n","n":[1,-2,0.5,1e300]}"#,
            r#"{"type":"x-custom","id":"x-custom--2","z":{"b":null,"a":true},"s":"\u0007\/"}"#,
        ]
        .iter()
        .map(|t| serde_json::from_str(t).expect("an object"))
        .collect();
        let refs: Vec<&Map<String, Value>> = objects.iter().collect();
        let value = serde_json::json!({
            "type": "bundle",
            "id": "bundle--\"x\"",
            "objects": refs,
        });
        assert_eq!(
            original_bundle("bundle--\"x\"", &refs),
            serde_json::to_vec(&value).expect("serialises")
        );
    }
}
