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

use std::collections::VecDeque;

use foldhash::{HashMap, HashMapExt};

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
    let groups = graph.groups();
    (0..groups.len())
        .map(|g| {
            let (root, members) = groups.get(g);
            let members: Vec<usize> = members.iter().map(|m| *m as usize).collect();
            convert(&b.id, &objects, &index, root, &members, opts)
        })
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
    /// Type names of ids, numbered.
    types: HashMap<Box<str>, u32>,
    /// Ids `type--uuid` with the UUID spelt canonically (lowercase,
    /// hyphenated), as their type's number and the UUID's bytes: a third
    /// of the memory of the text.
    uuids: HashMap<(u32, [u8; 16]), u32>,
    /// Any other id, as its text.
    texts: HashMap<Box<str>, u32>,
    roles: Vec<Role>,
    /// Each object's own id.
    own: Vec<u32>,
    /// What the objects reference, one after the other.
    refs: Vec<u32>,
    /// Where each object's references end in `refs`.
    refs_end: Vec<usize>,
    /// Object position by interned id ([`NONE`]: no object has it), the
    /// last of several versions.
    by_id: Vec<u32>,
    /// (id named, position) of relationships, sightings, notes and
    /// opinions; sorted by [`Graph::groups`].
    touching: Vec<(u32, u32)>,
}

/// No object.
const NONE: u32 = u32::MAX;

/// The groups of a graph: roots and member positions (in bundle order)
/// one group after the other.
pub(crate) struct Groups {
    /// Root positions ([`NONE`]: the one group of a bundle without root).
    roots: Vec<u32>,
    ends: Vec<usize>,
    members: Vec<u32>,
}

impl Groups {
    /// How many groups.
    pub(crate) fn len(&self) -> usize {
        self.roots.len()
    }

    /// Group `g`: its root's position (`None` for the one group of a
    /// bundle without root) and its members' positions.
    pub(crate) fn get(&self, g: usize) -> (Option<usize>, &[u32]) {
        let start = if g == 0 { 0 } else { self.ends[g - 1] };
        (
            (self.roots[g] != NONE).then_some(self.roots[g] as usize),
            &self.members[start..self.ends[g]],
        )
    }

    /// Every member of every group (an object in several, several times).
    pub(crate) fn all_members(&self) -> &[u32] {
        &self.members
    }
}

/// The 16 bytes of a UUID written as `8-4-4-4-12` lowercase hex digits;
/// `None` for any other text (so that one key is one text).
fn canonical_uuid(s: &str) -> Option<[u8; 16]> {
    // Where each byte's two digits start: the hyphens are at 8, 13, 18, 23.
    const DIGITS_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 16];
    for (o, &i) in out.iter_mut().zip(&DIGITS_AT) {
        *o = (digit(b[i])? << 4) | digit(b[i + 1])?;
    }
    Some(out)
}

impl Graph {
    /// Most objects, and most distinct ids, a graph numbers.
    pub(crate) const MAX_LEN: usize = NONE as usize - 1;

    /// Whether it holds as many objects or ids as it can number.
    pub(crate) fn is_full(&self) -> bool {
        self.roles.len() >= Self::MAX_LEN || self.by_id.len() >= Self::MAX_LEN
    }

    fn intern(&mut self, id: &str) -> u32 {
        let next = self.by_id.len() as u32;
        let uuid = id
            .split_once("--")
            .and_then(|(t, u)| Some((t, canonical_uuid(u)?)));
        let n = match uuid {
            Some((t, u)) => {
                let t = match self.types.get(t) {
                    Some(t) => *t,
                    None => {
                        let n = self.types.len() as u32;
                        self.types.insert(t.into(), n);
                        n
                    }
                };
                *self.uuids.entry((t, u)).or_insert(next)
            }
            None => match self.texts.get(id) {
                Some(n) => *n,
                None => {
                    self.texts.insert(id.into(), next);
                    next
                }
            },
        };
        if n == next {
            self.by_id.push(NONE);
        }
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
        let i = self.roles.len() as u32;
        let id = self.intern(id);
        self.by_id[id as usize] = i;
        self.own.push(id);
        self.roles.push(match type_ {
            "incident" | "report" => Role::Root,
            "indicator" => Role::Indicator,
            "observed-data" => Role::ObservedData,
            _ => Role::Other,
        });
        for r in refs {
            let r = self.intern(r);
            self.refs.push(r);
        }
        self.refs_end.push(self.refs.len());
        for r in named {
            let r = self.intern(r);
            self.touching.push((r, i));
        }
    }

    /// What object `i` references.
    fn refs_of(&self, i: usize) -> &[u32] {
        let start = if i == 0 { 0 } else { self.refs_end[i - 1] };
        &self.refs[start..self.refs_end[i]]
    }

    /// The object groups: (root position, member positions in bundle
    /// order); the root is `None` for a bundle without incident, report or
    /// indicator (one group of everything).
    pub(crate) fn groups(&mut self) -> Groups {
        self.touching.sort_unstable();
        let n = self.roles.len();
        let mut groups = Groups {
            roots: Vec::new(),
            ends: Vec::new(),
            members: Vec::new(),
        };
        let mut reached = vec![false; n];
        // The group each object was last seen in (plus one), so that a
        // closure needs no set of its own.
        let mut seen = vec![0u32; n];
        let mut queue = VecDeque::new();
        let mut add = |root: usize, reached: &mut Vec<bool>, groups: &mut Groups| {
            let start = groups.members.len();
            let stamp = groups.roots.len() as u32 + 1;
            self.closure(root, stamp, &mut seen, &mut queue, &mut groups.members);
            groups.members[start..].sort_unstable();
            for &m in &groups.members[start..] {
                reached[m as usize] = true;
            }
            groups.roots.push(root as u32);
            groups.ends.push(groups.members.len());
        };
        for i in 0..n {
            if self.roles[i] == Role::Root {
                add(i, &mut reached, &mut groups);
            }
        }
        for i in 0..n {
            if self.roles[i] == Role::Indicator && !reached[i] {
                add(i, &mut reached, &mut groups);
            }
        }
        let rest: Vec<u32> = (0..n as u32).filter(|i| !reached[*i as usize]).collect();
        if !rest.is_empty() {
            if groups.roots.is_empty() {
                groups.members = rest;
                groups.roots.push(NONE);
                groups.ends.push(groups.members.len());
            } else {
                // The first group takes them: it grows by their number.
                let first_end = groups.ends[0];
                let mut first = groups.members[..first_end].to_vec();
                first.extend(&rest);
                first.sort_unstable();
                first.dedup();
                let grown = first.len() - first_end;
                first.extend_from_slice(&groups.members[first_end..]);
                groups.members = first;
                for e in &mut groups.ends {
                    *e += grown;
                }
            }
        }
        groups
    }

    /// Appends to `out` the objects that belong to `root`: what it
    /// references, the relationships, sightings and notes that name it,
    /// and on through them, but not into another incident or report. Only
    /// the objects a group is about pull in what points at them: an
    /// identity or marking shared by many does not.
    fn closure(
        &self,
        root: usize,
        stamp: u32,
        seen: &mut [u32],
        queue: &mut VecDeque<usize>,
        out: &mut Vec<u32>,
    ) {
        seen[root] = stamp;
        out.push(root as u32);
        queue.push_back(root);
        while let Some(i) = queue.pop_front() {
            let refs = self
                .refs_of(i)
                .iter()
                .map(|r| self.by_id[*r as usize])
                .filter(|p| *p != NONE);
            let own = self.own[i];
            let touching: &[(u32, u32)] = if self.roles[i] != Role::Other {
                let from = self.touching.partition_point(|(t, _)| *t < own);
                let to = from + self.touching[from..].partition_point(|(t, _)| *t == own);
                &self.touching[from..to]
            } else {
                &[]
            };
            for n in refs.chain(touching.iter().map(|(_, p)| *p)) {
                let n = n as usize;
                if n != root && self.roles[n] == Role::Root {
                    continue;
                }
                if seen[n] != stamp {
                    seen[n] = stamp;
                    out.push(n as u32);
                    queue.push_back(n);
                }
            }
        }
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
    // A batch of incidents holds many of these: no room to spare.
    out.shrink_to_fit();
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

#[cfg(test)]
mod graph_tests {
    use super::*;

    /// One key is one text: another spelling of the same UUID is another id.
    #[test]
    fn only_the_canonical_spelling_of_a_uuid_is_kept_as_bytes() {
        let lower = "8a4996ef-b447-40ce-b484-38b5c41f9dfd";
        assert!(canonical_uuid(lower).is_some());
        for other in [
            "8A4996EF-B447-40CE-B484-38B5C41F9DFD",
            "8a4996efb44740ceb48438b5c41f9dfd",
            "{8a4996ef-b447-40ce-b484-38b5c41f9dfd}",
            "8a4996ef-b447-40ce-b484-38b5c41f9dfg",
        ] {
            assert_eq!(canonical_uuid(other), None, "{other}");
        }
        let mut g = Graph::default();
        let a = g.intern(&format!("indicator--{lower}"));
        let b = g.intern(&format!("indicator--{}", lower.to_uppercase()));
        let c = g.intern(&format!("malware--{lower}"));
        let d = g.intern("indicator--not-a-uuid");
        assert_eq!(g.intern(&format!("indicator--{lower}")), a);
        assert_eq!(g.intern("indicator--not-a-uuid"), d);
        let mut all = vec![a, b, c, d];
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 4);
    }
}
