//! The fields a feed column or IntelMQ key can be mapped to, and the
//! built-in table that maps header names to them.
//!
//! Field names are IntelMQ's harmonized names (`source.ip`,
//! `classification.type`, ...), so an IntelMQ CSV export or JSON line needs no
//! mapping at all; one c5hub addition, `indicator`, takes any observable and
//! detects its kind. Plain header names that feeds commonly use (`ip`,
//! `domain`, `timestamp`, ...) are aliases of these fields. Lookups happen
//! once per CSV header, or once per JSON key, never per value.

use std::fmt;

/// A field of the harmonized event that c5hub turns into part of an
/// incident. The name of each is its IntelMQ harmonized key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Field {
    /// `source.ip`: an IPv4 or IPv6 address, observable with role source.
    SourceIp,
    /// `source.fqdn`: a domain, role source.
    SourceFqdn,
    /// `source.url`: a URL, role url.
    SourceUrl,
    /// `source.asn`: an AS number (`64496` or `AS64496`), role source.
    SourceAsn,
    /// `source.network`: a CIDR prefix, role source.
    SourceNetwork,
    /// `source.account`: an email address (role source) when it holds an
    /// `@`; other account names are not observables and are only kept in
    /// the original document.
    SourceAccount,
    /// `source.abuse_contact`: comma-separated email addresses, kept as
    /// contacts with role `abuse`.
    SourceAbuseContact,
    /// `destination.ip`: an IP address, role target.
    DestinationIp,
    /// `destination.fqdn`: a domain, role target.
    DestinationFqdn,
    /// `destination.url`: a URL, role url.
    DestinationUrl,
    /// `destination.asn`: an AS number, role target.
    DestinationAsn,
    /// `destination.network`: a CIDR prefix, role target.
    DestinationNetwork,
    /// `destination.account`: like `source.account`, role target.
    DestinationAccount,
    /// `destination.abuse_contact`: like `source.abuse_contact`.
    DestinationAbuseContact,
    /// `malware.hash.md5`: an MD5 hash, role indicator.
    MalwareHashMd5,
    /// `malware.hash.sha1`: a SHA-1 hash, role indicator.
    MalwareHashSha1,
    /// `malware.hash.sha256`: a SHA-256 hash, role indicator.
    MalwareHashSha256,
    /// `indicator` (c5hub, not IntelMQ): any observable, its kind detected
    /// by `Observable::guess`, role indicator.
    Indicator,
    /// `classification.taxonomy`: the RSIT category (IntelMQ taxonomy).
    ClassificationTaxonomy,
    /// `classification.type`: the RSIT or IntelMQ type.
    ClassificationType,
    /// `classification.identifier`: IntelMQ's finer label (`openresolver`,
    /// `zeus`), added to the title.
    ClassificationIdentifier,
    /// `time.source`: when the event happened, per the feed; the incident's
    /// detection and start time.
    TimeSource,
    /// `time.observation`: when the collector saw the event; the incident's
    /// report time.
    TimeObservation,
    /// `feed.name`: the feed's name; the incident's title, and the global
    /// id's name when nobody gives a better one.
    FeedName,
    /// `feed.provider`: who publishes the feed; the incident's reporter.
    FeedProvider,
    /// `comment`: free text, into the description.
    Comment,
    /// `event_description.text`: free text, into the description.
    EventDescriptionText,
    /// `tlp`: the TLP label of this event (`AMBER`, `TLP:GREEN`, ...).
    Tlp,
}

impl Field {
    /// Every field, in the order rows are processed.
    pub const ALL: [Field; 28] = [
        Field::SourceIp,
        Field::SourceFqdn,
        Field::SourceUrl,
        Field::SourceAsn,
        Field::SourceNetwork,
        Field::SourceAccount,
        Field::SourceAbuseContact,
        Field::DestinationIp,
        Field::DestinationFqdn,
        Field::DestinationUrl,
        Field::DestinationAsn,
        Field::DestinationNetwork,
        Field::DestinationAccount,
        Field::DestinationAbuseContact,
        Field::MalwareHashMd5,
        Field::MalwareHashSha1,
        Field::MalwareHashSha256,
        Field::Indicator,
        Field::ClassificationTaxonomy,
        Field::ClassificationType,
        Field::ClassificationIdentifier,
        Field::TimeSource,
        Field::TimeObservation,
        Field::FeedName,
        Field::FeedProvider,
        Field::Comment,
        Field::EventDescriptionText,
        Field::Tlp,
    ];

    /// The harmonized name, e.g. `source.ip`.
    pub fn name(self) -> &'static str {
        match self {
            Field::SourceIp => "source.ip",
            Field::SourceFqdn => "source.fqdn",
            Field::SourceUrl => "source.url",
            Field::SourceAsn => "source.asn",
            Field::SourceNetwork => "source.network",
            Field::SourceAccount => "source.account",
            Field::SourceAbuseContact => "source.abuse_contact",
            Field::DestinationIp => "destination.ip",
            Field::DestinationFqdn => "destination.fqdn",
            Field::DestinationUrl => "destination.url",
            Field::DestinationAsn => "destination.asn",
            Field::DestinationNetwork => "destination.network",
            Field::DestinationAccount => "destination.account",
            Field::DestinationAbuseContact => "destination.abuse_contact",
            Field::MalwareHashMd5 => "malware.hash.md5",
            Field::MalwareHashSha1 => "malware.hash.sha1",
            Field::MalwareHashSha256 => "malware.hash.sha256",
            Field::Indicator => "indicator",
            Field::ClassificationTaxonomy => "classification.taxonomy",
            Field::ClassificationType => "classification.type",
            Field::ClassificationIdentifier => "classification.identifier",
            Field::TimeSource => "time.source",
            Field::TimeObservation => "time.observation",
            Field::FeedName => "feed.name",
            Field::FeedProvider => "feed.provider",
            Field::Comment => "comment",
            Field::EventDescriptionText => "event_description.text",
            Field::Tlp => "tlp",
        }
    }

    /// The field with exactly this harmonized name (case-sensitive, as
    /// IntelMQ writes them). This is the fast path for JSON keys.
    pub fn from_name(name: &str) -> Option<Field> {
        Some(match name {
            "source.ip" => Field::SourceIp,
            "source.fqdn" => Field::SourceFqdn,
            "source.url" => Field::SourceUrl,
            "source.asn" => Field::SourceAsn,
            "source.network" => Field::SourceNetwork,
            "source.account" => Field::SourceAccount,
            "source.abuse_contact" => Field::SourceAbuseContact,
            "destination.ip" => Field::DestinationIp,
            "destination.fqdn" => Field::DestinationFqdn,
            "destination.url" => Field::DestinationUrl,
            "destination.asn" => Field::DestinationAsn,
            "destination.network" => Field::DestinationNetwork,
            "destination.account" => Field::DestinationAccount,
            "destination.abuse_contact" => Field::DestinationAbuseContact,
            "malware.hash.md5" => Field::MalwareHashMd5,
            "malware.hash.sha1" => Field::MalwareHashSha1,
            "malware.hash.sha256" => Field::MalwareHashSha256,
            "indicator" => Field::Indicator,
            "classification.taxonomy" => Field::ClassificationTaxonomy,
            "classification.type" => Field::ClassificationType,
            "classification.identifier" => Field::ClassificationIdentifier,
            "time.source" => Field::TimeSource,
            "time.observation" => Field::TimeObservation,
            "feed.name" => Field::FeedName,
            "feed.provider" => Field::FeedProvider,
            "comment" => Field::Comment,
            "event_description.text" => Field::EventDescriptionText,
            "tlp" => Field::Tlp,
            _ => return None,
        })
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a column (or JSON key) becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnTarget {
    /// A field of the incident.
    Field(Field),
    /// IntelMQ's `extra.*`, or a column a mapping file sends to `extra.*`:
    /// recognized, kept in the original document and in the row's id, not
    /// mapped to the model.
    Extra,
    /// A column neither the built-in table nor the mapping file knows:
    /// treated like [`ColumnTarget::Extra`].
    Unknown,
    /// A column the mapping file sends to `ignore`: kept in the original
    /// document only, left out of the row's id (use it for volatile columns
    /// such as a download timestamp, so re-downloads keep their ids).
    Ignore,
}

impl ColumnTarget {
    /// Whether the built-in table or a mapping file knows the column.
    pub fn is_recognized(self) -> bool {
        !matches!(self, ColumnTarget::Unknown)
    }
}

/// Common header names and the fields they mean, in normalized form (see
/// [`normalize_header`]). Written out here and in the README.
pub const ALIASES: &[(&str, Field)] = &[
    ("ip", Field::SourceIp),
    ("ipaddress", Field::SourceIp),
    ("srcip", Field::SourceIp),
    ("sourceip", Field::SourceIp),
    ("dstip", Field::DestinationIp),
    ("destinationip", Field::DestinationIp),
    ("domain", Field::SourceFqdn),
    ("fqdn", Field::SourceFqdn),
    ("hostname", Field::SourceFqdn),
    ("url", Field::SourceUrl),
    ("email", Field::SourceAccount),
    ("md5", Field::MalwareHashMd5),
    ("sha1", Field::MalwareHashSha1),
    ("sha256", Field::MalwareHashSha256),
    ("asn", Field::SourceAsn),
    ("ioc", Field::Indicator),
    ("timestamp", Field::TimeSource),
    ("time", Field::TimeSource),
    ("date", Field::TimeSource),
    ("firstseen", Field::TimeSource),
    ("category", Field::ClassificationTaxonomy),
    ("type", Field::ClassificationType),
    ("description", Field::EventDescriptionText),
];

/// The form header names are compared in: trimmed, ASCII lowercase, without
/// spaces, `_` and `-`, so `IP Address`, `ip_address` and `ipaddress` are the
/// same name. Dots are kept: they separate IntelMQ's namespaces.
pub fn normalize_header(header: &str) -> String {
    header
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '_' | '-'))
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// The built-in meaning of a header name: a harmonized field name (exact or
/// normalized), an alias, or another name in one of IntelMQ's namespaces
/// (`extra.*`, `source.port`, ...: [`ColumnTarget::Extra`]);
/// [`ColumnTarget::Unknown`] otherwise.
pub fn builtin_target(header: &str) -> ColumnTarget {
    if let Some(field) = Field::from_name(header) {
        return ColumnTarget::Field(field);
    }
    let lower = header.trim().to_ascii_lowercase();
    if INTELMQ_NAMESPACES.iter().any(|ns| lower.starts_with(ns)) {
        // Normalized IntelMQ names of mapped fields are found below.
        if let Some(field) = Field::ALL
            .into_iter()
            .find(|f| normalize_header(f.name()) == normalize_header(&lower))
        {
            return ColumnTarget::Field(field);
        }
        return ColumnTarget::Extra;
    }
    let normalized = normalize_header(header);
    if let Some(field) = Field::ALL
        .into_iter()
        .find(|f| normalize_header(f.name()) == normalized)
    {
        return ColumnTarget::Field(field);
    }
    match ALIASES.iter().find(|(alias, _)| *alias == normalized) {
        Some(&(_, field)) => ColumnTarget::Field(field),
        None => ColumnTarget::Unknown,
    }
}

/// The target of a JSON key: exact IntelMQ names first (the common case,
/// no allocation), then the same rules as CSV headers.
pub(crate) fn builtin_key_target(key: &str) -> ColumnTarget {
    if let Some(field) = Field::from_name(key) {
        return ColumnTarget::Field(field);
    }
    if key.starts_with("extra.") || is_unmapped_intelmq_key(key) {
        return ColumnTarget::Extra;
    }
    builtin_target(key)
}

/// IntelMQ namespaces whose keys are recognized even when c5hub does not
/// map them (`source.port`, `feed.accuracy`, ...).
pub(crate) const INTELMQ_NAMESPACES: &[&str] = &[
    "source.",
    "destination.",
    "classification.",
    "time.",
    "feed.",
    "malware.",
    "extra.",
    "event_description.",
    "protocol.",
    "misp.",
];

/// Top-level IntelMQ keys without a namespace.
pub(crate) const INTELMQ_PLAIN_KEYS: &[&str] = &[
    "raw",
    "comment",
    "tlp",
    "status",
    "event_hash",
    "rtir_id",
    "screenshot_url",
];

/// Whether a key is part of IntelMQ's harmonization (or its `extra.*`)
/// though c5hub does not map it to the model.
pub(crate) fn is_unmapped_intelmq_key(key: &str) -> bool {
    INTELMQ_NAMESPACES.iter().any(|ns| key.starts_with(ns)) || INTELMQ_PLAIN_KEYS.contains(&key)
}

/// Parses a target name as a mapping file writes it: a field name, `extra`
/// or `extra.NAME`, or `ignore`. Case is ignored.
pub(crate) fn parse_target(name: &str) -> Option<ColumnTarget> {
    let name = name.trim().to_ascii_lowercase();
    if name == "ignore" {
        return Some(ColumnTarget::Ignore);
    }
    if name == "extra" || name.starts_with("extra.") {
        return Some(ColumnTarget::Extra);
    }
    Field::from_name(&name).map(ColumnTarget::Field)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for field in Field::ALL {
            assert_eq!(Field::from_name(field.name()), Some(field));
            assert_eq!(builtin_target(field.name()), ColumnTarget::Field(field));
            assert_eq!(parse_target(field.name()), Some(ColumnTarget::Field(field)));
        }
    }

    #[test]
    fn headers() {
        let check = |header: &str, expected: ColumnTarget| {
            assert_eq!(builtin_target(header), expected, "{header:?}");
        };
        use ColumnTarget::{Extra, Field as F, Unknown};
        check("ip", F(Field::SourceIp));
        check(" IP Address ", F(Field::SourceIp));
        check("ip_address", F(Field::SourceIp));
        check("src_ip", F(Field::SourceIp));
        check("Source.IP", F(Field::SourceIp));
        check("source.abuse_contact", F(Field::SourceAbuseContact));
        check("Source.Abuse-Contact", F(Field::SourceAbuseContact));
        check("first_seen", F(Field::TimeSource));
        check("First Seen", F(Field::TimeSource));
        check("extra.os_name", Extra);
        check("Extra.Foo", Extra);
        check("source.port", Extra);
        check("Source.Geolocation.CC", Extra);
        check("port", Unknown);
        check("status", Unknown);
        check("", Unknown);
        assert_eq!(builtin_key_target("source.port"), Extra);
        assert_eq!(builtin_key_target("raw"), Extra);
        assert_eq!(builtin_key_target("whatever"), Unknown);
        assert_eq!(parse_target("IGNORE"), Some(ColumnTarget::Ignore));
        assert_eq!(parse_target("extra.x"), Some(Extra));
        assert_eq!(parse_target("source.ipp"), None);
    }

    #[test]
    fn aliases_are_normalized_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for (alias, _) in ALIASES {
            assert_eq!(normalize_header(alias), *alias);
            assert!(seen.insert(*alias), "duplicate alias {alias}");
            assert!(
                Field::ALL
                    .iter()
                    .all(|f| normalize_header(f.name()) != *alias),
                "alias {alias} is a field name"
            );
        }
    }
}
