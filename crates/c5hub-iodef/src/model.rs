//! Conversion between IODEF documents and the c5hub domain model.
//!
//! Reading keeps going past what it cannot use: an observable that does not
//! normalise becomes a [`Note`] naming where it was, and the rest of the
//! incident is still converted. The original bytes travel beside the model
//! (the caller attaches them), so nothing of the document is lost.
//!
//! # IODEF `restriction` and TLP 2.0
//!
//! | IODEF restriction            | TLP 2.0       | why |
//! |------------------------------|---------------|-----|
//! | `public`, `white` (TLP 1.0)  | CLEAR         | no limit on disclosure |
//! | `partner`, `green` (TLP 1.0) | GREEN         | the community of partner organisations |
//! | `need-to-know`, `amber`      | AMBER         | recipients' organisations, on a need-to-know basis |
//! | `private`                    | AMBER+STRICT  | "must not be shared" beyond the recipient organisation |
//! | `red` (TLP 1.0)              | RED           | named recipients only |
//! | `default`, absent            | from the enclosing element, else AMBER+STRICT | RFC 7970 makes `private` the Incident default |
//! | `ext-value` + `ext-restriction="TLP:…"` | that label | how TLP 2.0 labels travel in IODEF |
//!
//! Writing uses the first row of each TLP level, except AMBER+STRICT, which
//! is written as `ext-value` with `ext-restriction="TLP:AMBER+STRICT"` only
//! when it must be told apart from `private` — it never has to, so `private`.
//!
//! ## Element-level restriction
//!
//! RFC 7970 §3.3.1 lets any element inside an Incident carry a
//! `restriction` of its own, stricter (or looser) than the Incident's; an
//! element without one (or with `default`) inherits its parent's. c5hub
//! keeps one TLP per incident, and every read path (lookups, related
//! incidents, the original document, export, the web page) shows the whole
//! incident to whoever may read it. So the incident's TLP is raised to the
//! strictest effective restriction of any element it holds, and a
//! [`Note`] names the element that raised it. "Strictest" means the level
//! whose readers are in both: AMBER and RED together make AMBER+STRICT
//! (the reporter only), since neither's readers contain the other's. A
//! looser element never lowers the incident's TLP, and an unknown
//! restriction on an element counts as AMBER+STRICT.

use std::fmt::Write;
use std::str::FromStr;

use c5hub_model::{
    Contact, GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole,
    OriginalDocument, RsitClass, Tlp,
};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::schema::Class;
use crate::tree::{Document, Element, Foreign, Node};
use crate::validate::parse_datetime;
use crate::xml::escape_attr;
use crate::{Binding, Decoded};

/// Something the conversion could not use, and where it was.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Element path.
    pub path: String,
    /// What was wrong.
    pub message: String,
}

/// The TLP level an IODEF restriction stands for; `None` for `default`
/// (inherit) and unknown values.
pub fn tlp_from_restriction(restriction: &str, ext_restriction: Option<&str>) -> Option<Tlp> {
    Some(match restriction {
        "public" | "white" => Tlp::Clear,
        "partner" | "green" => Tlp::Green,
        "need-to-know" | "amber" => Tlp::Amber,
        "private" => Tlp::AmberStrict,
        "red" => Tlp::Red,
        "ext-value" => return ext_restriction.and_then(|e| Tlp::from_str(e).ok()),
        _ => return None,
    })
}

/// The IODEF restriction to write for a TLP level (see the module docs).
pub fn restriction_from_tlp(tlp: Tlp) -> &'static str {
    match tlp {
        Tlp::Clear => "public",
        Tlp::Green => "partner",
        Tlp::Amber => "need-to-know",
        Tlp::AmberStrict => "private",
        Tlp::Red => "red",
    }
}

/// IODEF incident status to the c5hub workflow status.
///
/// `forwarded` (handed to another party, still open) reads as in progress;
/// `future` (activity announced, not yet seen) as new. c5hub's own
/// `triaged` and `closed` travel as `ext-value`.
pub fn status_from_iodef(status: &str, ext_status: Option<&str>) -> Option<IncidentStatus> {
    Some(match status {
        "new" | "future" => IncidentStatus::New,
        "in-progress" | "forwarded" => IncidentStatus::InProgress,
        "resolved" => IncidentStatus::Resolved,
        "ext-value" => return ext_status.and_then(|s| IncidentStatus::from_str(s).ok()),
        _ => return None,
    })
}

/// The IODEF status (and `ext-status`) for a c5hub workflow status.
pub fn status_to_iodef(status: IncidentStatus) -> (&'static str, Option<&'static str>) {
    match status {
        IncidentStatus::New => ("new", None),
        IncidentStatus::InProgress => ("in-progress", None),
        IncidentStatus::Resolved => ("resolved", None),
        other => ("ext-value", Some(other.as_str())),
    }
}

/// Converts every Incident of a document to the domain model.
///
/// `original` (the submitted bytes) is attached to each incident. A hub
/// record ([`HubRecord`]) an Incident carries is not read: who reported an
/// incident and with whom it is shared are never taken from a document,
/// except by [`exported_incidents`] on an operator's explicit request.
pub fn incidents_from_document(
    doc: &Document,
    original: Option<&OriginalDocument>,
) -> (Vec<Incident>, Vec<Note>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for (i, inc) in doc.root.children_of(Class::Incident).enumerate() {
        let path = format!("/IODEF-Document/Incident[{i}]");
        match incident(inc, &path, &mut notes) {
            Some(mut m) => {
                m.original = original.cloned();
                out.push(m);
            }
            None => continue,
        }
    }
    (out, notes)
}

/// What a hub's export says of an incident beyond IODEF: who reported it,
/// with whom it is shared, and which version it is. Written by
/// [`document_from_export`] as `AdditionalData` children of the Incident
/// (see [`HUB_REPORTER`] and the constants after it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HubRecord {
    /// The reporting member organisation.
    pub reporter: String,
    /// Organisations an AMBER incident is shared with.
    pub shared_with: Vec<String>,
    /// Named recipients of a RED incident.
    pub recipients: Vec<String>,
    /// The incident's version this Incident element is (1 is the first);
    /// versions of one incident follow each other in order.
    pub version: Option<i64>,
    /// Where it comes from, when it came from a peer hub (federation).
    pub provenance: Option<c5hub_model::Provenance>,
}

/// `meaning` of the Incident's `AdditionalData` (`dtype="string"`) naming
/// the reporting member organisation in a hub's export.
pub const HUB_REPORTER: &str = "c5hub:hub-reporter";
/// `meaning` of an `AdditionalData` (`dtype="string"`) naming one
/// organisation the incident is shared with; one element per organisation.
pub const HUB_SHARED_WITH: &str = "c5hub:hub-shared-with";
/// `meaning` of an `AdditionalData` (`dtype="string"`) naming one named
/// recipient of a RED incident; one element per organisation.
pub const HUB_RECIPIENT: &str = "c5hub:hub-recipient";
/// `meaning` of an `AdditionalData` (`dtype="integer"`) giving the version.
pub const HUB_VERSION: &str = "c5hub:hub-version";
/// `meaning` of an `AdditionalData` (`dtype="string"`) naming the hub an
/// incident from a peer hub was reported to.
pub const HUB_ORIGIN: &str = "c5hub:hub-origin";
/// `meaning` of an `AdditionalData` (`dtype="integer"`) giving its key at
/// the origin.
pub const HUB_ORIGIN_KEY: &str = "c5hub:hub-origin-key";
/// `meaning` of an `AdditionalData` (`dtype="integer"`) giving its version
/// at the origin.
pub const HUB_ORIGIN_VERSION: &str = "c5hub:hub-origin-version";
/// `meaning` of an `AdditionalData` (`dtype="string"`) naming one hub it
/// came through, in order, the origin first.
pub const HUB_PATH: &str = "c5hub:hub-path";
/// `meaning` of the Incident's `AdditionalData` (`dtype="string"`) holding
/// its one-line title (empty: no title), which IODEF has no element for.
pub const TITLE: &str = "c5hub:title";
/// `meaning` of an Indicator's `AdditionalData` (`dtype="string"`) holding
/// the role (`source`, `target`, ... as [`ObservableRole::as_str`]) of the
/// observable it holds; it takes precedence over the roles IODEF's
/// structure implies (System category, IndicatorData).
pub const ROLE: &str = "c5hub:role";

/// Like [`incidents_from_document`], with the [`HubRecord`] each Incident
/// carries (`None`, with a note, when it carries none or an unreadable
/// one). For importing a hub's export only: the record asserts the
/// reporter and sharing lists, which no ordinary submission may.
pub fn exported_incidents(
    doc: &Document,
    original: Option<&OriginalDocument>,
) -> (Vec<(Incident, Option<HubRecord>)>, Vec<Note>) {
    let mut notes = Vec::new();
    let mut out = Vec::new();
    for (i, inc) in doc.root.children_of(Class::Incident).enumerate() {
        let path = format!("/IODEF-Document/Incident[{i}]");
        if let Some(mut m) = incident(inc, &path, &mut notes) {
            m.original = original.cloned();
            let record = hub_record(inc, &path, &mut notes);
            if record.is_none() && additional_data(inc, HUB_REPORTER).next().is_none() {
                notes.push(Note {
                    path,
                    message: format!("no hub record (AdditionalData {HUB_REPORTER})"),
                });
            }
            out.push((m, record));
        }
    }
    (out, notes)
}

/// The incident `id` as an earlier version's original document states it,
/// for a hub's export of every version: `None` when the document is not
/// IODEF (a feed row, a native submission), cannot be read within
/// `limits`, or holds no such incident.
pub fn incident_from_original(
    original: &OriginalDocument,
    id: &GlobalId,
    limits: &crate::Limits,
) -> Option<Incident> {
    if !matches!(
        original.format,
        c5hub_model::DocumentFormat::IodefXml | c5hub_model::DocumentFormat::IodefJson
    ) {
        return None;
    }
    let decoded = crate::decode(&original.bytes, limits).ok()?;
    let (incidents, _) = incidents_from_document(&decoded.document, Some(original));
    incidents.into_iter().find(|m| &m.id == id)
}

fn additional_data<'a>(el: &'a Element, meaning: &'a str) -> impl Iterator<Item = &'a str> + 'a {
    el.children_of(Class::AdditionalData)
        .filter(move |a| a.attr("meaning") == Some(meaning))
        .map(|a| a.text.as_deref().unwrap_or("").trim())
}

fn hub_record(inc: &Element, path: &str, notes: &mut Vec<Note>) -> Option<HubRecord> {
    let reporter = additional_data(inc, HUB_REPORTER).next()?;
    if reporter.is_empty() {
        notes.push(Note {
            path: path.to_owned(),
            message: format!("AdditionalData {HUB_REPORTER} is empty"),
        });
        return None;
    }
    let version = match additional_data(inc, HUB_VERSION).next() {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n >= 1 => Some(n),
            _ => {
                notes.push(Note {
                    path: path.to_owned(),
                    message: format!("AdditionalData {HUB_VERSION} {v:?} is no version"),
                });
                return None;
            }
        },
    };
    let list = |meaning| {
        additional_data(inc, meaning)
            .filter(|o| !o.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let provenance = match additional_data(inc, HUB_ORIGIN).next() {
        None => None,
        Some(origin) => {
            let int = |meaning| {
                additional_data(inc, meaning)
                    .next()
                    .and_then(|v| v.parse::<i64>().ok())
                    .unwrap_or(0)
            };
            let p = c5hub_model::Provenance {
                origin: origin.to_owned(),
                origin_key: int(HUB_ORIGIN_KEY),
                origin_version: int(HUB_ORIGIN_VERSION),
                path: list(HUB_PATH),
            };
            if let Err(e) = p.check() {
                notes.push(Note {
                    path: path.to_owned(),
                    message: format!("AdditionalData {HUB_ORIGIN}: {e}"),
                });
                return None;
            }
            Some(p)
        }
    };
    Some(HubRecord {
        reporter: reporter.to_owned(),
        shared_with: list(HUB_SHARED_WITH),
        recipients: list(HUB_RECIPIENT),
        version,
        provenance,
    })
}

fn time(el: &Element, class: Class, path: &str, notes: &mut Vec<Note>) -> Option<DateTime<Utc>> {
    let t = el.child_text(class)?;
    match parse_datetime(t.trim()) {
        Ok(d) => Some(d.utc()),
        Err(why) => {
            notes.push(Note {
                path: format!("{path}/{}", class.name()),
                message: format!("{t:?}: {why}"),
            });
            None
        }
    }
}

fn incident(inc: &Element, path: &str, notes: &mut Vec<Note>) -> Option<Incident> {
    let Some(idel) = inc.child(Class::IncidentID) else {
        notes.push(Note {
            path: path.to_owned(),
            message: "no IncidentID: skipped".to_owned(),
        });
        return None;
    };
    let id = match GlobalId::new(
        idel.attr("name").unwrap_or(""),
        idel.text.as_deref().unwrap_or(""),
    ) {
        Ok(id) => id,
        Err(e) => {
            notes.push(Note {
                path: format!("{path}/IncidentID[0]"),
                message: format!("{e}: skipped"),
            });
            return None;
        }
    };
    let tlp = tlp_from_restriction(
        inc.attr_or_default("restriction").unwrap_or("private"),
        inc.attr("ext-restriction"),
    )
    .unwrap_or(Tlp::AmberStrict);
    let tlp = strictest_within(inc, tlp, path, notes);
    let mut m = Incident::new(id, tlp);
    m.times.detected = time(inc, Class::DetectTime, path, notes);
    m.times.start = time(inc, Class::StartTime, path, notes);
    m.times.end = time(inc, Class::EndTime, path, notes);
    m.times.reported = time(inc, Class::ReportTime, path, notes);
    m.times.generated = time(inc, Class::GenerationTime, path, notes);
    if let Some(s) = inc.attr("status") {
        m.status = status_from_iodef(s, inc.attr("ext-status")).unwrap_or(IncidentStatus::New);
    }
    let descriptions: Vec<&str> = inc
        .children_of(Class::Description)
        .filter_map(|d| d.text.as_deref())
        .collect();
    if !descriptions.is_empty() {
        m.description = Some(descriptions.join("\n\n"));
        m.title = descriptions[0]
            .lines()
            .next()
            .map(|l| l.chars().take(200).collect());
    }
    // c5hub's own title, when the document carries one, says exactly what
    // the title is (empty: none), whatever the description holds.
    if let Some(t) = additional_data(inc, TITLE).next() {
        m.title = (!t.is_empty()).then(|| t.to_owned());
    }
    m.classification = inc
        .children_of(Class::Assessment)
        .flat_map(|a| a.children_of(Class::IncidentCategory))
        .filter_map(|c| c.text.as_deref())
        .find_map(rsit_from_category);
    for c in inc.children_of(Class::Contact) {
        let contact = Contact {
            name: c.child_text(Class::ContactName).map(str::to_owned),
            email: c
                .child(Class::Email)
                .and_then(|e| e.child_text(Class::EmailTo))
                .map(str::to_owned),
            role: c.attr("role").unwrap_or("").to_owned(),
        };
        if m.reporter.is_none() && matches!(contact.role.as_str(), "creator" | "reporter" | "irt") {
            m.reporter = contact.name.clone();
        }
        m.contacts.push(contact);
    }
    let mut walker = Walker {
        m: &mut m,
        notes,
        stated: None,
    };
    walker.walk(inc, path.to_owned(), ObservableRole::Unknown);
    Some(m)
}

/// The TLP level whose readers may read both `a` and `b` (see the module
/// docs): the stricter one, or AMBER+STRICT for AMBER and RED.
pub fn stricter_tlp(a: Tlp, b: Tlp) -> Tlp {
    let rank = |t: Tlp| match t {
        Tlp::Clear => 0,
        Tlp::Green => 1,
        Tlp::Amber | Tlp::Red => 2,
        Tlp::AmberStrict => 3,
    };
    match rank(a).cmp(&rank(b)) {
        std::cmp::Ordering::Less => b,
        std::cmp::Ordering::Greater => a,
        std::cmp::Ordering::Equal if a == b => a,
        // AMBER and RED: only the reporter is among the readers of both.
        std::cmp::Ordering::Equal => Tlp::AmberStrict,
    }
}

/// The incident's TLP raised to the strictest effective restriction of the
/// elements inside it (RFC 7970 §3.3.1), with a note for each element that
/// raised it.
fn strictest_within(inc: &Element, tlp: Tlp, path: &str, notes: &mut Vec<Note>) -> Tlp {
    fn walk(el: &Element, inherited: Tlp, path: &str, acc: &mut Tlp, notes: &mut Vec<Note>) {
        let mut counts: Vec<(Class, usize)> = Vec::new();
        for c in el.elements() {
            let n = match counts.iter_mut().find(|(k, _)| *k == c.class) {
                Some((_, n)) => {
                    *n += 1;
                    *n - 1
                }
                None => {
                    counts.push((c.class, 1));
                    0
                }
            };
            let p = format!("{path}/{}[{n}]", c.class.name());
            let own = match c.attr("restriction") {
                None | Some("default") => inherited,
                Some(r) => {
                    tlp_from_restriction(r, c.attr("ext-restriction")).unwrap_or(Tlp::AmberStrict)
                }
            };
            let raised = stricter_tlp(*acc, own);
            if raised != *acc {
                notes.push(Note {
                    path: p.clone(),
                    message: format!(
                        "restriction {:?} is stricter than the incident's {}: the incident is stored as {raised} (RFC 7970 section 3.3.1)",
                        c.attr("restriction").unwrap_or_default(),
                        *acc,
                    ),
                });
                *acc = raised;
            }
            walk(c, own, &p, acc, notes);
        }
    }
    let mut acc = tlp;
    walk(inc, tlp, path, &mut acc, notes);
    acc
}

/// Reads an RSIT class from `rsit:fraud="phishing"`, `fraud/phishing` or
/// `fraud:phishing`.
fn rsit_from_category(text: &str) -> Option<RsitClass> {
    let t = text.trim();
    RsitClass::from_machine_tag(t)
        .ok()
        .or_else(|| RsitClass::from_path(t).ok())
        .or_else(|| t.split_once(':').and_then(|(c, k)| RsitClass::lookup(c, k)))
}

struct Walker<'a> {
    m: &'a mut Incident,
    notes: &'a mut Vec<Note>,
    /// The role the enclosing Indicator states ([`ROLE`]), which every
    /// observable inside it takes.
    stated: Option<ObservableRole>,
}

impl Walker<'_> {
    fn add(&mut self, kind: Option<ObservableKind>, raw: &str, role: ObservableRole, path: &str) {
        let role = self.stated.unwrap_or(role);
        let parsed = match kind {
            Some(k) => Observable::parse(k, raw.trim()),
            None => Observable::guess(raw.trim()),
        };
        match parsed {
            Ok(o) => {
                self.m.add_observable(o, role);
            }
            Err(e) => self.notes.push(Note {
                path: path.to_owned(),
                message: e.to_string(),
            }),
        }
    }

    fn walk(&mut self, el: &Element, path: String, role: ObservableRole) {
        let mut counts: Vec<(Class, usize)> = Vec::new();
        for c in el.elements() {
            let n = match counts.iter_mut().find(|(k, _)| *k == c.class) {
                Some((_, n)) => {
                    *n += 1;
                    *n - 1
                }
                None => {
                    counts.push((c.class, 1));
                    0
                }
            };
            let p = format!("{path}/{}[{n}]", c.class.name());
            let role = match c.class {
                Class::System => match c.attr("category") {
                    Some("source") => ObservableRole::Source,
                    Some("target") => ObservableRole::Target,
                    Some("intermediate") => ObservableRole::Intermediate,
                    _ => role,
                },
                Class::Indicator | Class::IndicatorData => ObservableRole::Indicator,
                _ => role,
            };
            match c.class {
                Class::Indicator if self.stated.is_none() => {
                    let stated = additional_data(c, ROLE)
                        .next()
                        .and_then(|r| ObservableRole::from_str(r).ok());
                    self.stated = stated;
                    self.walk(c, p, role);
                    self.stated = None;
                }
                // A kind IODEF has no class for, as c5hub writes it.
                Class::AdditionalData => {
                    let kind = c
                        .attr("meaning")
                        .and_then(|m| m.strip_prefix("c5hub:"))
                        .and_then(|k| ObservableKind::from_str(k).ok());
                    if let Some(k) = kind {
                        self.add(Some(k), c.text.as_deref().unwrap_or(""), role, &p);
                    }
                }
                Class::Address => self.address(c, role, &p),
                Class::Name => self.add(
                    Some(ObservableKind::Domain),
                    c.text.as_deref().unwrap_or(""),
                    role,
                    &p,
                ),
                Class::URL
                    if matches!(
                        el.class,
                        Class::File | Class::RecordData | Class::Observable
                    ) =>
                {
                    self.add(
                        Some(ObservableKind::Url),
                        c.text.as_deref().unwrap_or(""),
                        ObservableRole::Url,
                        &p,
                    )
                }
                Class::EmailFrom => self.email(c, ObservableRole::Sender, &p),
                Class::EmailTo if el.class == Class::EmailData => {
                    self.email(c, ObservableRole::Recipient, &p)
                }
                Class::Hash => self.hash(c, role, &p),
                Class::FuzzyHashValue
                    if c.attr("name")
                        .is_some_and(|n| n.eq_ignore_ascii_case("ssdeep")) =>
                {
                    self.add(
                        Some(ObservableKind::Ssdeep),
                        c.text.as_deref().unwrap_or(""),
                        role,
                        &p,
                    )
                }
                Class::BulkObservable => self.bulk(c, role, &p),
                // Contacts, references and software describe people and
                // documents, not the incident's technical observables.
                Class::Contact
                | Class::Reference
                | Class::ThreatActor
                | Class::Campaign
                | Class::RelatedActivity => {}
                _ => self.walk(c, p, role),
            }
        }
    }

    fn address(&mut self, c: &Element, role: ObservableRole, path: &str) {
        let text = c.text.as_deref().unwrap_or("");
        let kind = match c.attr_or_default("category").unwrap_or("ipv6-addr") {
            "ipv4-addr" | "ipv6-addr" => None,
            "ipv4-net" | "ipv6-net" => Some(ObservableKind::Cidr),
            "e-mail" => Some(ObservableKind::Email),
            "asn" => Some(ObservableKind::Asn),
            "mac" => Some(ObservableKind::Mac),
            "site-uri" => Some(ObservableKind::Url),
            "ext-value" => match c.attr("ext-category") {
                Some("e164") => Some(ObservableKind::PhoneNumber),
                Some("sender-id") => Some(ObservableKind::SenderId),
                _ => return,
            },
            // atm, ipv4-net-mask and the like: nothing c5hub correlates on.
            _ => return,
        };
        let role = if kind == Some(ObservableKind::Url) && role == ObservableRole::Unknown {
            ObservableRole::Url
        } else {
            role
        };
        match kind {
            Some(k) => self.add(Some(k), text, role, path),
            None => match Observable::parse_ip(text.trim()) {
                Ok(o) => {
                    let role = self.stated.unwrap_or(role);
                    self.m.add_observable(o, role);
                }
                Err(e) => self.notes.push(Note {
                    path: path.to_owned(),
                    message: e.to_string(),
                }),
            },
        }
    }

    fn email(&mut self, c: &Element, role: ObservableRole, path: &str) {
        let raw = c.text.as_deref().unwrap_or("");
        // "Name <user@host>" or a bare address.
        let addr = match (raw.rfind('<'), raw.rfind('>')) {
            (Some(a), Some(b)) if a < b => &raw[a + 1..b],
            _ => raw,
        };
        self.add(Some(ObservableKind::Email), addr, role, path);
    }

    fn hash(&mut self, c: &Element, role: ObservableRole, path: &str) {
        let mut alg = None;
        let mut value = None;
        for n in &c.children {
            if let Node::Foreign(f) = n {
                match f.name.as_str() {
                    "DigestMethod" => alg = foreign_attr(f, "Algorithm"),
                    "DigestValue" => value = Some(foreign_text(f)),
                    _ => {}
                }
            }
        }
        let (Some(alg), Some(value)) = (alg, value) else {
            return;
        };
        let kind = match alg.rsplit_once('#').map_or(alg.as_str(), |(_, k)| k) {
            "md5" => ObservableKind::Md5,
            "sha1" => ObservableKind::Sha1,
            "sha256" => ObservableKind::Sha256,
            "sha512" => ObservableKind::Sha512,
            _ => return,
        };
        let v = value.trim();
        // xmldsig carries digests in base64; some writers put hex.
        let hex = match kind.hex_len() {
            Some(n) if v.len() == n && v.bytes().all(|b| b.is_ascii_hexdigit()) => v.to_owned(),
            _ => match base64_decode(v) {
                Some(bytes) => hex::encode(bytes),
                None => {
                    self.notes.push(Note {
                        path: path.to_owned(),
                        message: format!("DigestValue {v:?} is neither base64 nor hex"),
                    });
                    return;
                }
            },
        };
        self.add(Some(kind), &hex, role, path);
    }

    fn bulk(&mut self, c: &Element, role: ObservableRole, path: &str) {
        let kind = match c.attr("type") {
            Some("ipv4-addr" | "ipv6-addr") => None,
            Some("ipv4-net" | "ipv6-net") => Some(ObservableKind::Cidr),
            Some("domain-name") => Some(ObservableKind::Domain),
            Some("site-uri") => Some(ObservableKind::Url),
            Some("e-mail") => Some(ObservableKind::Email),
            Some("asn") => Some(ObservableKind::Asn),
            Some("mac") => Some(ObservableKind::Mac),
            // A private list type (e.g. ext-type="fqdn"): recognise each item.
            Some("ext-value") => None,
            _ => return,
        };
        let list = c.child_text(Class::BulkObservableList).unwrap_or("");
        for item in list
            .split(|ch: char| ch.is_whitespace() || ch == ',')
            .filter(|s| !s.is_empty())
        {
            match kind {
                Some(k) => self.add(Some(k), item, role, path),
                None => self.add(None, item, role, path),
            }
        }
    }
}

fn foreign_attr(f: &Foreign, name: &str) -> Option<String> {
    let mut r = quick_xml::Reader::from_str(&f.xml);
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(s)) | Ok(quick_xml::events::Event::Empty(s)) => {
                return s
                    .attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == name.as_bytes())
                    .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return None,
            Ok(_) => {}
        }
    }
}

fn foreign_text(f: &Foreign) -> String {
    let mut r = quick_xml::Reader::from_str(&f.xml);
    let mut out = String::new();
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Text(t)) => {
                out.push_str(&t.unescape().unwrap_or_default())
            }
            Ok(quick_xml::events::Event::Eof) | Err(_) => return out,
            Ok(_) => {}
        }
    }
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in s.bytes().filter(|c| !c.is_ascii_whitespace()) {
        if c == b'=' {
            break;
        }
        let v = B64.iter().position(|&b| b == c)? as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    if out.is_empty() { None } else { Some(out) }
}

pub(crate) fn base64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// Writing

fn text_el(class: Class, text: impl Into<String>) -> Element {
    let mut e = Element::new(class);
    e.text = Some(text.into());
    e
}

fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Writes incidents as one IODEF document. `now` stands in for a missing
/// generation time (IODEF requires one).
pub fn document_from_incidents(incidents: &[Incident], now: DateTime<Utc>) -> Document {
    document_from_export(incidents.iter().map(|m| (m, None)), now)
}

/// Writes incidents as one IODEF document, each with the [`HubRecord`]
/// given for it (a hub's export; [`exported_incidents`] reads it back).
/// `now` stands in for a missing generation time.
pub fn document_from_export<'a>(
    incidents: impl IntoIterator<Item = (&'a Incident, Option<&'a HubRecord>)>,
    now: DateTime<Utc>,
) -> Document {
    let mut root = Element::new(Class::IodefDocument);
    root.set_attr("version", "2.00");
    for (n, (m, record)) in incidents.into_iter().enumerate() {
        let mut inc = incident_element(m, n, now);
        if let Some(r) = record {
            let mut data = |meaning: &str, dtype: &str, text: String| {
                let mut a = text_el(Class::AdditionalData, text);
                a.set_attr("dtype", dtype);
                a.set_attr("meaning", meaning);
                inc.children.push(Node::Element(a));
            };
            data(HUB_REPORTER, "string", r.reporter.clone());
            if let Some(v) = r.version {
                data(HUB_VERSION, "integer", v.to_string());
            }
            for o in &r.shared_with {
                data(HUB_SHARED_WITH, "string", o.clone());
            }
            for o in &r.recipients {
                data(HUB_RECIPIENT, "string", o.clone());
            }
            if let Some(p) = &r.provenance {
                data(HUB_ORIGIN, "string", p.origin.clone());
                data(HUB_ORIGIN_KEY, "integer", p.origin_key.to_string());
                data(HUB_ORIGIN_VERSION, "integer", p.origin_version.to_string());
                for h in &p.path {
                    data(HUB_PATH, "string", h.clone());
                }
            }
        }
        root.children.push(Node::Element(inc));
    }
    Document { root }
}

fn incident_element(m: &Incident, n: usize, now: DateTime<Utc>) -> Element {
    let mut inc = Element::new(Class::Incident);
    inc.set_attr("purpose", "reporting");
    let (status, ext) = status_to_iodef(m.status);
    inc.set_attr("status", status);
    if let Some(x) = ext {
        inc.set_attr("ext-status", x);
    }
    inc.set_attr("restriction", restriction_from_tlp(m.tlp));
    let mut id = text_el(Class::IncidentID, m.id.id());
    id.set_attr("name", m.id.name());
    let mut kids = vec![id];
    let t = &m.times;
    for (class, v) in [
        (Class::DetectTime, t.detected),
        (Class::StartTime, t.start),
        (Class::EndTime, t.end),
        (Class::ReportTime, t.reported),
        (Class::GenerationTime, Some(t.generated.unwrap_or(now))),
    ] {
        if let Some(v) = v {
            kids.push(text_el(class, ts(v)));
        }
    }
    if let Some(d) = &m.description {
        kids.push(text_el(Class::Description, d.clone()));
    }
    if let Some(c) = m.classification {
        let mut a = Element::new(Class::Assessment);
        a.children.push(Node::Element(text_el(
            Class::IncidentCategory,
            c.machine_tag(),
        )));
        // Assessment needs an impact; the model states none, so: unknown.
        let mut impact = Element::new(Class::SystemImpact);
        impact.set_attr("type", "unknown");
        a.children.push(Node::Element(impact));
        kids.push(a);
    }
    let mut contacts: Vec<Element> = m.contacts.iter().map(contact_element).collect();
    if contacts.is_empty() {
        // IODEF requires a contact: the reporter, or the issuing CSIRT.
        let c = Contact {
            name: Some(m.reporter.clone().unwrap_or_else(|| m.id.name().to_owned())),
            email: None,
            role: "creator".to_owned(),
        };
        contacts.push(contact_element(&c));
    }
    kids.extend(contacts);
    if !m.observables.is_empty() {
        let mut data = Element::new(Class::IndicatorData);
        for (i, o) in m.observables.iter().enumerate() {
            data.children.push(Node::Element(indicator(
                m,
                &format!("i{n}-o{i}"),
                &o.observable,
                o.role,
            )));
        }
        kids.push(data);
    }
    // The title as it is: a reader would otherwise take the description's
    // first line for it. Written when the two could differ.
    let derived = m
        .description
        .as_deref()
        .and_then(|d| d.lines().next())
        .map(|l| l.chars().take(200).collect::<String>());
    if m.title != derived {
        let mut a = text_el(Class::AdditionalData, m.title.clone().unwrap_or_default());
        a.set_attr("dtype", "string");
        a.set_attr("meaning", TITLE);
        kids.push(a);
    }
    inc.children = kids.into_iter().map(Node::Element).collect();
    inc
}

fn contact_element(c: &Contact) -> Element {
    let mut e = Element::new(Class::Contact);
    let role = if c.role.is_empty() {
        "creator"
    } else {
        c.role.as_str()
    };
    if crate::validate::check_value(
        e.class
            .def()
            .attr_by_xml("role")
            .map_or(crate::schema::ValueType::String, |(_, a)| a.ty),
        role,
    )
    .is_ok()
    {
        e.set_attr("role", role);
    } else {
        e.set_attr("role", "ext-value");
        e.set_attr("ext-role", role);
    }
    e.set_attr("type", "organization");
    if let Some(n) = &c.name {
        e.children
            .push(Node::Element(text_el(Class::ContactName, n.clone())));
    }
    if let Some(m) = &c.email {
        let mut em = Element::new(Class::Email);
        em.children
            .push(Node::Element(text_el(Class::EmailTo, m.clone())));
        e.children.push(Node::Element(em));
    }
    e
}

fn indicator(m: &Incident, id: &str, o: &Observable, role: ObservableRole) -> Element {
    let mut ind = Element::new(Class::Indicator);
    // IndicatorID is an xs:ID: unique in the whole document.
    let mut iid = text_el(Class::IndicatorID, id);
    iid.set_attr("name", m.id.name());
    iid.set_attr("version", "1");
    ind.children.push(Node::Element(iid));
    let mut obs = Element::new(Class::Observable);
    let category = match role {
        ObservableRole::Source => Some("source"),
        ObservableRole::Target => Some("target"),
        ObservableRole::Intermediate => Some("intermediate"),
        _ => None,
    };
    let address = |cat: &str, ext: Option<&str>| {
        let mut a = text_el(Class::Address, o.value());
        a.set_attr("category", cat);
        if let Some(x) = ext {
            a.set_attr("ext-category", x);
        }
        a
    };
    let leaf = match o.kind() {
        ObservableKind::Ipv4 => address("ipv4-addr", None),
        ObservableKind::Ipv6 => address("ipv6-addr", None),
        ObservableKind::Cidr if o.value().contains(':') => address("ipv6-net", None),
        ObservableKind::Cidr => address("ipv4-net", None),
        ObservableKind::Email => address("e-mail", None),
        ObservableKind::Url => address("site-uri", None),
        ObservableKind::Asn => address("asn", None),
        ObservableKind::Mac => address("mac", None),
        ObservableKind::PhoneNumber => address("ext-value", Some("e164")),
        ObservableKind::SenderId => address("ext-value", Some("sender-id")),
        ObservableKind::Domain => {
            let mut d = Element::new(Class::DomainData);
            // Both required by RFC 7970 §3.20; c5hub knows neither.
            d.set_attr("system-status", "unknown");
            d.set_attr("domain-status", "unknown");
            d.children
                .push(Node::Element(text_el(Class::Name, o.value())));
            d
        }
        kind @ (ObservableKind::Md5
        | ObservableKind::Sha1
        | ObservableKind::Sha256
        | ObservableKind::Sha512) => file_hash(kind, o.value()),
        other => {
            // No IODEF class carries these (IMEI, CVE, TLSH, ssdeep): an
            // AdditionalData names the kind so c5hub can read it back.
            let mut a = text_el(Class::AdditionalData, o.value());
            a.set_attr("dtype", "string");
            a.set_attr("meaning", format!("c5hub:{}", other.as_str()));
            a
        }
    };
    let leaf = if leaf.class == Class::Address && category.is_some() {
        // Role travels as the System category around the address.
        let mut node = Element::new(Class::Node);
        node.children.push(Node::Element(leaf));
        let mut sys = Element::new(Class::System);
        sys.set_attr("category", category.unwrap_or("source"));
        sys.children.push(Node::Element(node));
        sys
    } else {
        leaf
    };
    obs.children.push(Node::Element(leaf));
    ind.children.push(Node::Element(obs));
    // The role as it is: IODEF's structure says source, target and
    // intermediate for addresses only, and a reader takes everything else
    // in IndicatorData for an indicator.
    let mut r = text_el(Class::AdditionalData, role.as_str());
    r.set_attr("dtype", "string");
    r.set_attr("meaning", ROLE);
    ind.children.push(Node::Element(r));
    ind
}

fn file_hash(kind: ObservableKind, hex: &str) -> Element {
    let alg = match kind {
        ObservableKind::Md5 => "http://www.w3.org/2001/04/xmldsig-more#md5",
        ObservableKind::Sha1 => "http://www.w3.org/2000/09/xmldsig#sha1",
        ObservableKind::Sha512 => "http://www.w3.org/2001/04/xmlenc#sha512",
        _ => "http://www.w3.org/2001/04/xmlenc#sha256",
    };
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok())
        .collect();
    let dsig = crate::schema::NS_DSIG;
    let mut hash = Element::new(Class::Hash);
    for (name, xml) in [
        (
            "DigestMethod",
            format!(
                "<ds:DigestMethod xmlns:ds=\"{dsig}\" Algorithm=\"{}\"/>",
                escape_attr(alg)
            ),
        ),
        (
            "DigestValue",
            format!(
                "<ds:DigestValue xmlns:ds=\"{dsig}\">{}</ds:DigestValue>",
                base64_encode(&bytes)
            ),
        ),
    ] {
        hash.children.push(Node::Foreign(Foreign {
            ns: dsig.to_owned(),
            name: name.to_owned(),
            xml,
        }));
    }
    let mut hd = Element::new(Class::HashData);
    hd.set_attr("scope", "file-contents");
    hd.children.push(Node::Element(hash));
    let mut file = Element::new(Class::File);
    file.children.push(Node::Element(hd));
    let mut fd = Element::new(Class::FileData);
    fd.children.push(Node::Element(file));
    fd
}

/// A readable overview of a document: incidents, classification, TLP,
/// observables and contacts.
pub fn summary(d: &Decoded) -> String {
    let mut s = String::new();
    let (incidents, notes) = incidents_from_document(&d.document, None);
    let binding = match d.binding {
        Binding::Xml => "XML",
        Binding::Json => "JSON (RFC 8727)",
    };
    let validity = if d.is_valid() {
        "valid".to_owned()
    } else {
        let n = d.violations.len();
        format!("{n} violation{}", if n == 1 { "" } else { "s" })
    };
    let _ = writeln!(
        s,
        "IODEF v2 document, {binding} binding, {validity}, {} incident{}",
        incidents.len(),
        if incidents.len() == 1 { "" } else { "s" }
    );
    for m in &incidents {
        let _ = writeln!(s, "\nIncident {}", m.id);
        let _ = writeln!(s, "  status:          {}", m.status.as_str());
        let _ = writeln!(s, "  TLP:             {}", m.tlp.as_str());
        let class = m
            .classification
            .map_or_else(|| "unclassified".to_owned(), |c| c.path());
        let _ = writeln!(s, "  classification:  {class} (ENISA RSIT)");
        if let Some(r) = &m.reporter {
            let _ = writeln!(s, "  reporter:        {r}");
        }
        for (what, t) in [
            ("detected", m.times.detected),
            ("started", m.times.start),
            ("ended", m.times.end),
            ("reported", m.times.reported),
            ("generated", m.times.generated),
        ] {
            if let Some(t) = t {
                let _ = writeln!(s, "  {what:<16} {}", ts(t));
            }
        }
        if let Some(t) = &m.title {
            let _ = writeln!(s, "  title:           {t}");
        }
        let _ = writeln!(s, "  observables:     {}", m.observables.len());
        for o in &m.observables {
            let _ = writeln!(
                s,
                "    {:<10} {:<12} {}",
                o.observable.kind().as_str(),
                o.role.as_str(),
                o.observable.value()
            );
        }
        let _ = writeln!(s, "  contacts:        {}", m.contacts.len());
        for c in &m.contacts {
            let _ = writeln!(
                s,
                "    {:<10} {} {}",
                c.role,
                c.name.as_deref().unwrap_or("-"),
                c.email
                    .as_deref()
                    .map(|e| format!("<{e}>"))
                    .unwrap_or_default()
            );
        }
    }
    if !notes.is_empty() {
        let _ = writeln!(s, "\nNot converted ({}):", notes.len());
        for n in &notes {
            let _ = writeln!(s, "  {}: {}", n.path, n.message);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restriction_and_tlp_map_both_ways() {
        for tlp in Tlp::ALL {
            assert_eq!(
                tlp_from_restriction(restriction_from_tlp(tlp), None),
                Some(tlp)
            );
        }
        assert_eq!(tlp_from_restriction("white", None), Some(Tlp::Clear));
        assert_eq!(tlp_from_restriction("amber", None), Some(Tlp::Amber));
        assert_eq!(
            tlp_from_restriction("ext-value", Some("TLP:AMBER+STRICT")),
            Some(Tlp::AmberStrict)
        );
        assert_eq!(tlp_from_restriction("default", None), None);
    }

    #[test]
    fn base64_round_trip() {
        for v in [&b""[..], b"a", b"ab", b"abc", b"abcd", &[0xff, 0x00, 0x10]] {
            let e = base64_encode(v);
            if !v.is_empty() {
                assert_eq!(base64_decode(&e).as_deref(), Some(v));
            }
        }
        assert_eq!(base64_encode(b"abcd"), "YWJjZA==");
    }

    /// Issue 14, finding 5: a child's stricter restriction raises the
    /// incident's TLP (RFC 7970 §3.3.1), with a note naming the element;
    /// a looser child changes nothing.
    #[test]
    fn element_restriction_raises_the_incident_tlp() {
        let doc = |contact: &str, event: &str| {
            format!(
                r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="green">
    <IncidentID name="csirt.example">R-1</IncidentID>
    <GenerationTime>2026-11-20T08:05:00Z</GenerationTime>
    <Contact role="creator" type="person"{contact}><ContactName>Jane</ContactName></Contact>
    <EventData{event}><Flow><System category="source"><Node><Address category="ipv4-addr">203.0.113.9</Address></Node></System></Flow></EventData>
  </Incident>
</IODEF-Document>"#
            )
        };
        let read = |xml: String| {
            let d = crate::decode_xml(xml.as_bytes(), &crate::Limits::default()).expect("decodes");
            assert_eq!(crate::validate(&d.document), vec![], "{xml}");
            let (got, notes) = incidents_from_document(&d.document, None);
            (got[0].tlp, notes)
        };
        let (tlp, notes) = read(doc("", ""));
        assert_eq!((tlp, notes.len()), (Tlp::Green, 0));
        let (tlp, notes) = read(doc(r#" restriction="private""#, ""));
        assert_eq!(tlp, Tlp::AmberStrict);
        assert_eq!(notes[0].path, "/IODEF-Document/Incident[0]/Contact[0]");
        let (tlp, notes) = read(doc("", r#" restriction="need-to-know""#));
        assert_eq!(tlp, Tlp::Amber);
        assert_eq!(notes[0].path, "/IODEF-Document/Incident[0]/EventData[0]");
        // Inherited: the Address inside a RED EventData is RED.
        let (tlp, _) = read(doc(r#" restriction="public""#, r#" restriction="red""#));
        assert_eq!(tlp, Tlp::Red);
        // AMBER and RED: only the reporter reads both.
        let (tlp, _) = read(doc(r#" restriction="amber""#, r#" restriction="red""#));
        assert_eq!(tlp, Tlp::AmberStrict);
        assert_eq!(stricter_tlp(Tlp::Clear, Tlp::Green), Tlp::Green);
        assert_eq!(stricter_tlp(Tlp::Red, Tlp::AmberStrict), Tlp::AmberStrict);
    }

    #[test]
    fn model_round_trips_through_iodef() {
        let id = GlobalId::new("csirt.example", "INC-42").expect("valid id");
        let mut m = Incident::new(id, Tlp::Amber);
        m.status = IncidentStatus::Triaged;
        m.classification = RsitClass::lookup("fraud", "phishing");
        m.description = Some("Credential phishing against a bank".to_owned());
        m.title = Some("Credential phishing against a bank".to_owned());
        m.reporter = Some("Bank CSIRT".to_owned());
        m.contacts.push(Contact {
            name: Some("Bank CSIRT".to_owned()),
            email: Some("csirt@bank.example".to_owned()),
            role: "creator".to_owned(),
        });
        m.times.generated = Some(
            DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z")
                .expect("date")
                .with_timezone(&Utc),
        );
        for (raw, role) in [
            ("192.0.2.1", ObservableRole::Source),
            ("2001:db8::/32", ObservableRole::Target),
            ("phish.example", ObservableRole::Indicator),
            ("http://phish.example/login", ObservableRole::Url),
            (
                "d41d8cd98f00b204e9800998ecf8427e",
                ObservableRole::Indicator,
            ),
            ("+41446681800", ObservableRole::Sender),
        ] {
            m.add_observable(Observable::guess(raw).expect("valid observable"), role);
        }
        let now = Utc::now();
        let doc = document_from_incidents(std::slice::from_ref(&m), now);
        assert_eq!(
            crate::validate(&doc),
            vec![],
            "the written document is valid"
        );
        let xml = crate::encode_xml(&doc);
        let back = crate::decode_xml(xml.as_bytes(), &crate::Limits::default()).expect("decodes");
        let (got, notes) = incidents_from_document(&back.document, None);
        assert_eq!(notes, vec![]);
        assert_eq!(got.len(), 1);
        let g = &got[0];
        assert_eq!(
            (g.id.clone(), g.tlp, g.status, g.classification),
            (m.id.clone(), m.tlp, m.status, m.classification)
        );
        assert_eq!(g.description, m.description);
        assert_eq!(g.reporter, m.reporter);
        let kinds = |x: &Incident| {
            let mut v: Vec<String> = x
                .observables
                .iter()
                .map(|o| format!("{} {}", o.observable.kind().as_str(), o.observable.value()))
                .collect();
            v.sort();
            v
        };
        assert_eq!(kinds(g), kinds(&m));
    }

    /// Issue 15, item 10: the title and every (value, role) pair survive
    /// export and import, in both bindings, including a value held in two
    /// roles and roles IODEF's structure cannot say (a domain as target, an
    /// email as sender, a kind IODEF has no class for).
    #[test]
    fn titles_and_every_role_round_trip() {
        let raws = [
            "192.0.2.7",
            "2001:db8::/48",
            "target.example",
            "mallory@evil.example",
            "http://phish.example/a",
            "d41d8cd98f00b204e9800998ecf8427e",
            "+41446681800",
            "AS64500",
            // No IODEF class: written as AdditionalData c5hub:cve.
            "CVE-2024-3094",
        ];
        let mut incidents = Vec::new();
        for (n, title) in [
            Some("A title unlike the description"),
            None,
            Some("First line"),
        ]
        .into_iter()
        .enumerate()
        {
            let id = GlobalId::new("csirt.example", &format!("RT-{n}")).expect("id");
            let mut m = Incident::new(id, Tlp::Green);
            m.title = title.map(str::to_owned);
            m.description = Some("First line\nsecond line".to_owned());
            for (i, raw) in raws.iter().enumerate() {
                let o = Observable::guess(raw).expect("observable");
                // Every value in two roles, and every role for some value.
                for role in [
                    ObservableRole::ALL[(i + n) % 8],
                    ObservableRole::ALL[(i + n + 3) % 8],
                ] {
                    m.add_observable(o.clone(), role);
                }
            }
            incidents.push(m);
        }
        let pairs = |m: &Incident| {
            let mut v: Vec<(String, &str)> = m
                .observables
                .iter()
                .map(|o| (o.observable.to_string(), o.role.as_str()))
                .collect();
            v.sort();
            v
        };
        let doc = document_from_incidents(&incidents, Utc::now());
        assert_eq!(crate::validate(&doc), vec![]);
        for binding in [Binding::Xml, Binding::Json] {
            let text = crate::encode(&doc, binding);
            // RFC 7970 §3.20 requires both (the RFC 8727 JSON schema checks
            // it; c5hub's table does not).
            assert!(text.contains("system-status") && text.contains("domain-status"));
            let back = crate::decode(text.as_bytes(), &crate::Limits::default()).expect("decodes");
            assert_eq!(back.violations, vec![], "{text}");
            let (got, notes) = incidents_from_document(&back.document, None);
            assert_eq!(notes, vec![]);
            assert_eq!(got.len(), incidents.len());
            for (g, m) in got.iter().zip(&incidents) {
                assert_eq!(g.title, m.title, "{binding:?}");
                assert_eq!(g.description, m.description);
                assert_eq!(pairs(g), pairs(m), "{binding:?} {}", m.id);
            }
        }
    }

    /// A hub's export carries reporter, sharing lists, recipients and
    /// version; [`exported_incidents`] reads them back, and the ordinary
    /// reading ignores them.
    #[test]
    fn hub_records_round_trip_and_are_ignored_by_default() {
        let id = GlobalId::new("csirt.example", "HUB-1").expect("id");
        let m = Incident::new(id, Tlp::Amber);
        let record = HubRecord {
            reporter: "fin-cert".to_owned(),
            shared_with: vec!["telco-alpha".to_owned(), "gov <cert> & co".to_owned()],
            recipients: vec!["red-reader".to_owned()],
            version: Some(3),
            provenance: Some(c5hub_model::Provenance {
                origin: "national-a".to_owned(),
                origin_key: 42,
                origin_version: 2,
                path: vec!["national-a".to_owned(), "regional".to_owned()],
            }),
        };
        let plain = Incident::new(
            GlobalId::new("csirt.example", "HUB-2").expect("id"),
            Tlp::Red,
        );
        let doc = document_from_export([(&m, Some(&record)), (&plain, None)], Utc::now());
        assert_eq!(crate::validate(&doc), vec![]);
        for binding in [Binding::Xml, Binding::Json] {
            let text = crate::encode(&doc, binding);
            let back = crate::decode(text.as_bytes(), &crate::Limits::default()).expect("decodes");
            assert_eq!(back.violations, vec![]);
            let (got, notes) = exported_incidents(&back.document, None);
            assert_eq!(
                notes,
                vec![Note {
                    path: "/IODEF-Document/Incident[1]".to_owned(),
                    message: format!("no hub record (AdditionalData {HUB_REPORTER})"),
                }]
            );
            assert_eq!(got.len(), 2);
            assert_eq!(got[0].1.as_ref(), Some(&record), "{binding:?}");
            assert_eq!(got[1].1, None);
            let (plain_read, _) = incidents_from_document(&back.document, None);
            // The contact-derived reporter name only, never the record's.
            assert_eq!(plain_read[0].reporter.as_deref(), Some("csirt.example"));
        }
    }
}
