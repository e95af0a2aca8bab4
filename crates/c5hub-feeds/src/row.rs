//! One row (a CSV record or an IntelMQ JSON line) to one incident: the part
//! both readers share.
//!
//! A reader hands over the row as [`Item`]s, each a value with the column or
//! key it came from and what that column was resolved to (once per file
//! for CSV). Values are trimmed; empty ones are absent. Items are put in a
//! fixed order (field, then label), so the incident and its id do not
//! depend on column order, and processed in one pass that parses the
//! observables, times and labels, feeds the id hash and stops at the first
//! bad value.

use std::fmt::Write as _;

use c5hub_model::{
    Contact, DocumentFormat, GlobalId, Incident, IncidentObservable, Observable, ObservableKind,
    ObservableRole, OriginalDocument, Tlp,
};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::classify::{Classification, classify};
use crate::error::{Location, RowError, RowErrorKind, excerpt};
use crate::field::{ColumnTarget, Field};
use crate::mapping::Mapping;
use crate::time::parse_time;
use crate::{DEFAULT_TLP, FALLBACK_NAME, FeedOptions, sanitize_name};

/// What every row of one feed shares: the mapping and the caller's options,
/// resolved once.
#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) mapping: Mapping,
    /// The global id name when the caller or the mapping gives one.
    fixed_name: Option<String>,
    /// The TLP of rows without one.
    tlp: Tlp,
    format: DocumentFormat,
    /// Whether locations are JSON keys rather than CSV columns.
    keyed: bool,
}

impl Context {
    pub(crate) fn new(
        mapping: &Mapping,
        options: &FeedOptions,
        format: DocumentFormat,
        keyed: bool,
    ) -> Self {
        let fixed_name = options
            .name
            .as_deref()
            .and_then(sanitize_name)
            .or_else(|| mapping.feed_name.as_deref().and_then(sanitize_name));
        Context {
            mapping: mapping.clone(),
            fixed_name,
            tlp: options.tlp.or(mapping.tlp).unwrap_or(DEFAULT_TLP),
            format,
            keyed,
        }
    }

    fn location(&self, label: &str) -> Location {
        if self.keyed {
            Location::Key(label.to_owned())
        } else {
            Location::Column(label.to_owned())
        }
    }
}

/// What consecutive rows of a feed usually share, computed once: the id
/// name made from `feed.name` and the classification of a (taxonomy,
/// type) pair.
#[derive(Debug, Default)]
pub(crate) struct RowCache {
    feed_name: Option<(String, Option<String>)>,
    class: Option<(Option<String>, Option<String>, Option<Classification>)>,
}

impl RowCache {
    fn id_name(&mut self, feed_name: &str) -> Option<String> {
        match &self.feed_name {
            Some((name, sanitized)) if name == feed_name => sanitized.clone(),
            _ => {
                let sanitized = sanitize_name(feed_name);
                self.feed_name = Some((feed_name.to_owned(), sanitized.clone()));
                sanitized
            }
        }
    }

    fn classify(&mut self, taxonomy: Option<&str>, type_: Option<&str>) -> Option<Classification> {
        if let Some((t, y, class)) = &self.class {
            if t.as_deref() == taxonomy && y.as_deref() == type_ {
                return class.clone();
            }
        }
        let class = classify(taxonomy, type_);
        self.class = Some((
            taxonomy.map(str::to_owned),
            type_.map(str::to_owned),
            class.clone(),
        ));
        class
    }
}

/// One value of a row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Item<'a> {
    /// What the column or key was resolved to.
    pub(crate) target: ColumnTarget,
    /// The column's header or the JSON key, for messages and the id.
    pub(crate) label: &'a str,
    /// The value as read (untrimmed).
    pub(crate) value: &'a [u8],
    /// False for a JSON array (kept as JSON text in `value`).
    pub(crate) scalar: bool,
}

/// Empties a vector of items and gives it back with another lifetime,
/// keeping its allocation, so readers reuse one buffer for every row.
// `filter` cannot change the item type's lifetime; `filter_map` can, and
// collecting in place keeps the allocation.
#[allow(clippy::unnecessary_filter_map)]
pub(crate) fn recycle<'b>(mut items: Vec<Item<'_>>) -> Vec<Item<'b>> {
    items.clear();
    items.into_iter().filter_map(|_| None).collect()
}

/// The values of one row that are not observables, first one wins.
#[derive(Default)]
struct Scalars<'a> {
    taxonomy: Option<&'a str>,
    type_: Option<&'a str>,
    identifier: Option<&'a str>,
    time_source: Option<DateTime<Utc>>,
    time_observation: Option<DateTime<Utc>>,
    feed_name: Option<&'a str>,
    provider: Option<&'a str>,
    comment: Option<&'a str>,
    event_text: Option<&'a str>,
    tlp: Option<Tlp>,
}

/// Builds the incident of one row. `header` and `row` are its original
/// bytes (the header is empty for JSON); errors carry `row` alone.
pub(crate) fn build_incident(
    ctx: &Context,
    cache: &mut RowCache,
    items: &mut Vec<Item<'_>>,
    line: u64,
    header: &[u8],
    row: &[u8],
) -> Result<Incident, RowError> {
    let fail = |label: Option<&str>, kind: RowErrorKind| {
        RowError::new(line, label.map(|l| ctx.location(l)), kind, row.to_vec())
    };

    items.retain(|item| {
        !matches!(item.target, ColumnTarget::Ignore) && !item.value.trim_ascii().is_empty()
    });
    items.sort_unstable_by(|a, b| {
        rank(a.target)
            .cmp(&rank(b.target))
            .then_with(|| a.label.cmp(b.label))
            .then_with(|| a.value.cmp(b.value))
    });

    let mut hasher = Sha256::new();
    let mut observables: Vec<IncidentObservable> = Vec::new();
    let mut contacts: Vec<Contact> = Vec::new();
    let mut scalars = Scalars::default();

    for item in items.iter() {
        let value = item.value.trim_ascii();
        let field = match item.target {
            ColumnTarget::Field(field) => field,
            _ => {
                hash(&mut hasher, item.label.as_bytes(), value);
                continue;
            }
        };
        if !item.scalar {
            return Err(fail(Some(item.label), RowErrorKind::NotAScalar));
        }
        let text = std::str::from_utf8(value)
            .map_err(|_| fail(Some(item.label), RowErrorKind::NotUtf8))?;
        let name = field.name().as_bytes();
        let parsed = |kind: ObservableKind| {
            Observable::parse(kind, text)
                .map_err(|e| fail(Some(item.label), RowErrorKind::Value(e)))
        };
        let observable = match field {
            Field::SourceIp | Field::DestinationIp => Some(
                Observable::parse_ip(text)
                    .map_err(|e| fail(Some(item.label), RowErrorKind::Value(e)))?,
            ),
            Field::SourceFqdn | Field::DestinationFqdn => Some(parsed(ObservableKind::Domain)?),
            Field::SourceUrl | Field::DestinationUrl => Some(parsed(ObservableKind::Url)?),
            Field::SourceAsn | Field::DestinationAsn => Some(parsed(ObservableKind::Asn)?),
            Field::SourceNetwork | Field::DestinationNetwork => Some(parsed(ObservableKind::Cidr)?),
            Field::SourceAccount | Field::DestinationAccount => {
                if text.contains('@') {
                    Some(parsed(ObservableKind::Email)?)
                } else {
                    hash(&mut hasher, name, value);
                    None
                }
            }
            Field::MalwareHashMd5 => Some(parsed(ObservableKind::Md5)?),
            Field::MalwareHashSha1 => Some(parsed(ObservableKind::Sha1)?),
            Field::MalwareHashSha256 => Some(parsed(ObservableKind::Sha256)?),
            Field::Indicator => Some(
                Observable::guess(text)
                    .map_err(|e| fail(Some(item.label), RowErrorKind::Value(e)))?,
            ),
            Field::SourceAbuseContact | Field::DestinationAbuseContact => {
                for address in text.split([',', ';']).map(str::trim) {
                    if address.is_empty() {
                        continue;
                    }
                    let email = Observable::parse(ObservableKind::Email, address)
                        .map_err(|e| fail(Some(item.label), RowErrorKind::Value(e)))?;
                    let contact = Contact {
                        name: None,
                        email: Some(email.into_value()),
                        role: "abuse".to_owned(),
                    };
                    if !contacts.contains(&contact) {
                        contacts.push(contact);
                    }
                }
                hash(&mut hasher, name, value);
                None
            }
            Field::TimeSource | Field::TimeObservation => {
                let format = ctx.mapping.time_format.as_ref();
                let at = parse_time(text, format).ok_or_else(|| {
                    fail(
                        Some(item.label),
                        RowErrorKind::Time {
                            value: excerpt(text),
                            format: format.map(|f| f.text.clone()),
                        },
                    )
                })?;
                let slot = if field == Field::TimeSource {
                    &mut scalars.time_source
                } else {
                    &mut scalars.time_observation
                };
                slot.get_or_insert(at);
                let mut stamp = [0u8; 12];
                stamp[..8].copy_from_slice(&at.timestamp().to_le_bytes());
                stamp[8..].copy_from_slice(&at.timestamp_subsec_nanos().to_le_bytes());
                hash(&mut hasher, name, &stamp);
                None
            }
            Field::Tlp => {
                let tlp = text
                    .parse::<Tlp>()
                    .map_err(|e| fail(Some(item.label), RowErrorKind::Value(e)))?;
                scalars.tlp.get_or_insert(tlp);
                hash(&mut hasher, name, tlp.as_str().as_bytes());
                None
            }
            Field::ClassificationTaxonomy
            | Field::ClassificationType
            | Field::ClassificationIdentifier
            | Field::FeedName
            | Field::FeedProvider
            | Field::Comment
            | Field::EventDescriptionText => {
                let slot = match field {
                    Field::ClassificationTaxonomy => &mut scalars.taxonomy,
                    Field::ClassificationType => &mut scalars.type_,
                    Field::ClassificationIdentifier => &mut scalars.identifier,
                    Field::FeedName => &mut scalars.feed_name,
                    Field::FeedProvider => &mut scalars.provider,
                    Field::Comment => &mut scalars.comment,
                    _ => &mut scalars.event_text,
                };
                slot.get_or_insert(text);
                hash(&mut hasher, name, value);
                None
            }
        };
        if let Some(observable) = observable {
            hash(&mut hasher, name, observable.value().as_bytes());
            let entry = IncidentObservable::new(observable, role(field));
            if !observables.contains(&entry) {
                observables.push(entry);
            }
        }
    }

    if observables.is_empty() {
        return Err(fail(None, RowErrorKind::NoObservable));
    }

    let (classification, note) = match cache.classify(scalars.taxonomy, scalars.type_) {
        Some(c) => (Some(c.class), c.note),
        None => (ctx.mapping.classification, None),
    };

    let name = ctx
        .fixed_name
        .clone()
        .or_else(|| scalars.feed_name.and_then(|n| cache.id_name(n)))
        .unwrap_or_else(|| FALLBACK_NAME.to_owned());
    let digest = hasher.finalize();
    // The event's time first: a feed arrives roughly in time order, so the
    // ids of a batch land next to each other in the store's (reporter,
    // global id) index instead of all over it, and people can read when
    // the event was from its id. The digest covers the time too.
    let mut local_id = String::with_capacity(40);
    if let Some(t) = scalars.time_source.or(scalars.time_observation) {
        let _ = write!(local_id, "{}-", t.format("%Y%m%dT%H%M%SZ"));
    }
    // Into a buffer on the stack: one row at a time is the feed's hot path.
    let mut digits = [0u8; 16];
    if hex::encode_to_slice(&digest[..8], &mut digits).is_ok() {
        local_id.extend(digits.iter().map(|&b| char::from(b)));
    }
    let id = GlobalId::new(&name, &local_id).map_err(|e| fail(None, RowErrorKind::Value(e)))?;

    let mut incident = Incident::new(id, scalars.tlp.unwrap_or(ctx.tlp));
    incident.reporter = scalars.provider.map(str::to_owned);
    let feed_name = scalars.feed_name.or(ctx.mapping.feed_name.as_deref());
    incident.title = match (feed_name, scalars.identifier) {
        (Some(feed), Some(identifier)) => Some(format!("{feed}: {identifier}")),
        (Some(text), None) | (None, Some(text)) => Some(text.to_owned()),
        (None, None) => None,
    };
    incident.times.detected = scalars.time_source;
    incident.times.start = scalars.time_source;
    incident.times.reported = scalars.time_observation;
    incident.classification = classification;
    incident.description = description(scalars.comment, scalars.event_text, note);
    incident.observables = observables;
    incident.contacts = contacts;
    let mut original = Vec::with_capacity(header.len() + row.len());
    original.extend_from_slice(header);
    original.extend_from_slice(row);
    incident.original = Some(OriginalDocument::new(ctx.format, original));
    incident
        .validate()
        .map_err(|v| fail(None, RowErrorKind::Invalid(v)))?;
    Ok(incident)
}

/// The processing order: fields in declaration order, then extra columns.
fn rank(target: ColumnTarget) -> usize {
    match target {
        ColumnTarget::Field(field) => field as usize,
        _ => Field::ALL.len(),
    }
}

/// The role of an observable field's values.
fn role(field: Field) -> ObservableRole {
    match field {
        Field::SourceUrl | Field::DestinationUrl => ObservableRole::Url,
        Field::SourceIp
        | Field::SourceFqdn
        | Field::SourceAsn
        | Field::SourceNetwork
        | Field::SourceAccount => ObservableRole::Source,
        Field::DestinationIp
        | Field::DestinationFqdn
        | Field::DestinationAsn
        | Field::DestinationNetwork
        | Field::DestinationAccount => ObservableRole::Target,
        _ => ObservableRole::Indicator,
    }
}

/// Adds one key and value to the id hash, each with its length first, so
/// no two different rows feed the same bytes. (Lengths fit in 32 bits: a
/// line is at most [`Limits::max_line_len`](crate::Limits) bytes, far below;
/// a longer value would only change its own id.)
fn hash(hasher: &mut Sha256, key: &[u8], value: &[u8]) {
    hasher.update((key.len() as u32).to_le_bytes());
    hasher.update(key);
    hasher.update((value.len() as u32).to_le_bytes());
    hasher.update(value);
}

/// The comment and the event description, one per line, then c5hub's note
/// on the classification after a blank line.
fn description(comment: Option<&str>, text: Option<&str>, note: Option<String>) -> Option<String> {
    let mut out = String::new();
    for part in [comment, text].into_iter().flatten() {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(part);
    }
    if let Some(note) = note {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str("c5hub: ");
        out.push_str(&note);
    }
    (!out.is_empty()).then_some(out)
}
