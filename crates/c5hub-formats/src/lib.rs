//! The format registry: the one place that knows c5hub's wire formats.
//!
//! Each format is one module holding one [`Format`]: how it is recognised
//! from its first bytes ([`Format::detect`]), how it is read into model
//! incidents (a whole document, [`Format::document`], or a stream,
//! [`Format::stream`]) and how stored incidents are written in it
//! ([`Format::encode`]). [`FORMATS`] lists them in the one order detection
//! tries them. Every door (import, the API, the web upload, export) asks
//! this crate; none detects, decodes or encodes a format itself. Adding a
//! format is one new module and one line in [`FORMATS`].
//!
//! What a door accepts is the door's choice, written beside each format
//! ([`Format::sniffed_by`], [`Format::accepted_by`]): the API reads `{` as
//! the native JSON unless the media type names RFC 8727, the web upload
//! takes an `application/json` upload that does not look like IODEF as
//! native, and import reads feeds but not the native JSON.
//!
//! No I/O of its own: callers hand in bytes, readers and writers.

use std::io::{self, Write};

use c5hub_iodef::Limits;
use c5hub_model::Incident;

pub mod csv;
pub mod federation;
pub mod intelmq;
pub mod iodef_json;
pub mod iodef_xml;
pub mod misp;
pub mod native;
pub mod stix21;

/// One incident to write, as the store holds it.
#[derive(Clone, Copy, Debug)]
pub struct Exported<'a> {
    /// The store's key.
    pub key: i64,
    /// The reporting organisation.
    pub reporter: &'a str,
    /// When the hub stored it.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// The incident.
    pub incident: &'a c5hub_model::Incident,
    /// What a hub's own export carries beside it (reporter, sharing
    /// lists, version), for `import --hub-export`; formats without a place
    /// for it leave it out.
    pub record: Option<&'a c5hub_iodef::model::HubRecord>,
}

/// Every format, in the order detection tries them: IODEF XML first (a
/// mapping that gives a feed's header would take any text for a
/// headerless CSV feed), STIX bundles (a `{` whose `type` is `bundle`),
/// MISP events (a one-line `{"Event":` is MISP's) and IntelMQ lines before
/// RFC 8727 JSON (all start with `{`), the native JSON last (any JSON
/// object).
pub static FORMATS: &[&Format] = &[
    &iodef_xml::FORMAT,
    &stix21::FORMAT,
    &misp::FORMAT,
    &intelmq::FORMAT,
    &iodef_json::FORMAT,
    &csv::FORMAT,
    &native::FORMAT,
];

/// A door onto the hub that reads formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Door {
    /// `c5hub import`: files and directories.
    Import,
    /// `POST /api/v1/incidents`.
    Api,
    /// The web UI's upload form.
    Upload,
}

/// One wire format.
pub struct Format {
    /// Its name on the command line and in `?format=` (`iodef-xml`).
    pub name: &'static str,
    /// What it is, for people (help texts).
    pub label: &'static str,
    /// The media type its encoding is served with.
    pub media_type: &'static str,
    /// Media types that name it in a request (the API's `Content-Type`).
    pub media_types: &'static [&'static str],
    /// Whether the first bytes of an input are this format.
    pub detect: fn(&[u8], &Hints<'_>) -> bool,
    /// The doors that recognise it from content.
    pub sniffed_by: &'static [Door],
    /// The doors that read it when the request names it (by media type).
    pub accepted_by: &'static [Door],
    /// Reads a whole document held in memory.
    pub document: Option<DocumentDecoder>,
    /// How a large input is read piece by piece, when it can be.
    pub stream: Option<Stream>,
    /// Writes stored incidents (`now` is the document's generation time).
    pub encode: Option<Encoder>,
}

/// Reads a whole document in a format.
pub type DocumentDecoder = fn(&[u8], &DecodeOptions) -> Result<Decoded, Failure>;

/// Writes stored incidents in a format.
pub type Encoder =
    fn(&mut dyn Write, &[Exported<'_>], chrono::DateTime<chrono::Utc>) -> io::Result<()>;

impl PartialEq for Format {
    fn eq(&self, other: &Format) -> bool {
        self.name == other.name
    }
}

impl Eq for Format {}

impl std::fmt::Debug for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// How a format is read piece by piece (import of files of any size).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// IODEF XML, Incident by Incident ([`c5hub_iodef::XmlIncidents`],
    /// each read with [`iodef_xml::read_incident`]).
    IodefIncidents,
    /// RFC 8727 JSON, Incident by Incident ([`c5hub_iodef::JsonIncidents`],
    /// each read with [`iodef_xml::read_incident`]) when it is larger than
    /// the limits allow a whole document; one within them is read whole
    /// (any member order, document-wide checks).
    IodefJsonIncidents,
    /// A feed, row by row ([`c5hub_feeds::Feed`]).
    Feed(c5hub_feeds::FeedFormat),
    /// A STIX 2.1 bundle, object group by object group, in two passes
    /// ([`c5hub_stix::stream::scan`]): any size in bounded memory.
    StixBundle,
}

/// What detection may know besides the bytes.
#[derive(Clone, Copy, Debug, Default)]
pub struct Hints<'a> {
    /// The media type the input is labelled with, as sent.
    pub media_type: Option<&'a str>,
    /// The feed mapping file: its header names and layout.
    pub mapping: Option<&'a c5hub_feeds::Mapping>,
}

/// How a document is read.
#[derive(Clone, Copy, Debug, Default)]
pub struct DecodeOptions {
    /// Limits on each document.
    pub limits: Limits,
    /// Accept documents with schema violations when they convert.
    pub lenient: bool,
    /// Read a hub's own export (`import --hub-export`): each IODEF
    /// Incident must carry its hub record (reporter, sharing lists,
    /// version), which is returned beside it; an Incident without one is
    /// not read. Only the console's import sets this: a document never
    /// chooses its reporter or sharing lists otherwise.
    pub hub_export: bool,
}

/// Incidents read from a document.
#[derive(Clone, Debug)]
pub struct Decoded {
    /// The incidents, each with its original document.
    pub incidents: Vec<Incident>,
    /// What the conversion noted (ignored or approximated content).
    pub notes: Vec<Note>,
    /// The sharing lists, when the format carries them (otherwise the door
    /// takes them from the request).
    pub sharing: Option<Sharing>,
    /// With [`DecodeOptions::hub_export`], each incident's hub record, in
    /// the order of `incidents`; empty otherwise.
    pub records: Vec<c5hub_iodef::model::HubRecord>,
}

/// Sharing lists carried by a document.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sharing {
    /// Organisations that may read an AMBER incident.
    pub shared_with: Vec<String>,
    /// Organisations a RED incident is addressed to.
    pub recipients: Vec<String>,
}

/// Something said about a place in a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    /// Where: an element path, a JSON pointer, or a line and column.
    pub at: String,
    /// What.
    pub detail: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.detail)
    }
}

/// Why a document was not read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// Which stage refused it.
    pub kind: FailureKind,
    /// One sentence for the whole document.
    pub detail: String,
    /// Every problem, with where.
    pub errors: Vec<Note>,
}

/// Which stage refused a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// It could not be read at all (syntax, limits, wrong root).
    Unreadable,
    /// It was read but is not valid.
    Invalid,
    /// It is valid but holds no incident that converts.
    NoIncident,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for Failure {}

/// The format of an input among those `door` recognises from content,
/// tried in [`FORMATS`] order.
pub fn detect(door: Door, head: &[u8], hints: &Hints<'_>) -> Option<&'static Format> {
    FORMATS
        .iter()
        .copied()
        .filter(|f| f.sniffed_by.contains(&door))
        .find(|f| (f.detect)(head, hints))
}

/// The format `door` reads when a request names `media_type` (compared
/// without parameters and case).
pub fn by_media_type(door: Door, media_type: &str) -> Option<&'static Format> {
    let mt = media_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    FORMATS
        .iter()
        .copied()
        .filter(|f| f.accepted_by.contains(&door))
        .find(|f| f.media_types.contains(&mt.as_str()))
}

/// Why a request body's format was not found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unrecognised {
    /// The content is none of the formats the door recognises.
    Content,
    /// The media type (as compared: lower case, no parameters) names no
    /// format the door reads.
    MediaType(String),
}

/// The format of a request body at `door`, as that door decides it.
///
/// - The API (`Content-Type`): a media type names the format
///   ([`by_media_type`]); without one, or `application/octet-stream`, the
///   content decides ([`detect`]: `<` is IODEF XML, `{` the native JSON).
/// - Other doors: the content decides, with the media type as a hint only
///   (browsers label uploads loosely: an upload labelled
///   `application/json` is RFC 8727 only when it looks like IODEF).
pub fn for_body(
    door: Door,
    media_type: Option<&str>,
    body: &[u8],
) -> Result<&'static Format, Unrecognised> {
    if door == Door::Api {
        let mt = media_type
            .map(|c| {
                c.split(';')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase()
            })
            .unwrap_or_default();
        if !matches!(mt.as_str(), "" | "application/octet-stream") {
            return by_media_type(door, &mt).ok_or(Unrecognised::MediaType(mt));
        }
        return detect(door, body, &Hints::default()).ok_or(Unrecognised::Content);
    }
    let hints = Hints {
        media_type,
        mapping: None,
    };
    detect(door, body, &hints).ok_or(Unrecognised::Content)
}

/// The format of this name.
pub fn by_name(name: &str) -> Option<&'static Format> {
    FORMATS.iter().copied().find(|f| f.name == name)
}

/// The formats export can write, in registry order.
pub fn encoders() -> impl Iterator<Item = &'static Format> {
    FORMATS.iter().copied().filter(|f| f.encode.is_some())
}

/// Writes `incidents` in `format`; an error when the format has no
/// encoder.
pub fn encode(
    format: &Format,
    out: &mut dyn Write,
    incidents: &[Exported<'_>],
    now: chrono::DateTime<chrono::Utc>,
) -> io::Result<()> {
    match format.encode {
        Some(enc) => enc(out, incidents, now),
        None => Err(io::Error::new(
            io::ErrorKind::Unsupported,
            format!("{} cannot be written", format.name),
        )),
    }
}

/// The first non-blank byte, after a UTF-8 byte order mark.
pub(crate) fn first_byte(head: &[u8]) -> Option<u8> {
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    head.iter().copied().find(|b| !b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_found() {
        for f in FORMATS {
            assert_eq!(by_name(f.name), Some(*f));
        }
        let names: std::collections::HashSet<_> = FORMATS.iter().map(|f| f.name).collect();
        assert_eq!(names.len(), FORMATS.len());
    }

    #[test]
    fn media_types_name_one_format_per_door() {
        assert_eq!(
            by_media_type(Door::Api, "Application/JSON; charset=utf-8"),
            Some(&native::FORMAT)
        );
        assert_eq!(
            by_media_type(Door::Api, "application/iodef+json"),
            Some(&iodef_json::FORMAT)
        );
        assert_eq!(
            by_media_type(Door::Api, "text/xml"),
            Some(&iodef_xml::FORMAT)
        );
        // The API does not take feeds.
        assert_eq!(by_media_type(Door::Api, "text/csv"), None);
        let exported: Vec<&str> = encoders().map(|f| f.name).collect();
        assert_eq!(
            exported,
            ["iodef-xml", "stix21", "misp", "iodef-json", "csv"]
        );
    }
}
