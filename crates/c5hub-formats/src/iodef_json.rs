//! IODEF v2 in the RFC 8727 JSON binding: a JSON object, read whole (or,
//! by import when larger than the limits, Incident by Incident), written as
//! one pretty-printed document.

use std::io::{self, Write};

use c5hub_model::DocumentFormat;
use memchr::memmem;

use crate::{DecodeOptions, Decoded, Door, Exported, Failure, Format, Hints, Stream};

/// IODEF v2 JSON (RFC 8727).
pub static FORMAT: Format = Format {
    name: "iodef-json",
    label: "One IODEF v2 JSON (RFC 8727) document.",
    media_type: "application/iodef+json",
    media_types: &["application/iodef+json"],
    detect,
    // The API reads an unlabelled `{` as the native JSON: RFC 8727 only
    // when the media type names it.
    sniffed_by: &[Door::Import, Door::Upload],
    accepted_by: &[Door::Import, Door::Api, Door::Upload],
    document: Some(decode),
    stream: Some(Stream::IodefJsonIncidents),
    encode: Some(encode),
};

/// A JSON object; but an upload labelled `application/json` is IODEF only
/// when it looks like it (browsers label uploads loosely, and the native
/// JSON is `application/json` too).
fn detect(head: &[u8], hints: &Hints<'_>) -> bool {
    crate::first_byte(head) == Some(b'{')
        && (hints.media_type != Some("application/json") || looks_like_iodef(head))
}

/// An RFC 8727 document names `Incident` or `version` near its start.
fn looks_like_iodef(b: &[u8]) -> bool {
    let head = &b[..b.len().min(4096)];
    memmem::find(head, b"\"Incident\"").is_some() || memmem::find(head, b"\"version\"").is_some()
}

fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, Failure> {
    crate::iodef_xml::document(
        c5hub_iodef::decode_json(bytes, &opts.limits),
        DocumentFormat::IodefJson,
        bytes,
        opts,
    )
}

fn encode(
    out: &mut dyn Write,
    incidents: &[Exported<'_>],
    now: chrono::DateTime<chrono::Utc>,
) -> io::Result<()> {
    let doc = c5hub_iodef::model::document_from_export(
        incidents.iter().map(|i| (i.incident, i.record)),
        now,
    );
    out.write_all(c5hub_iodef::encode_json(&doc, true).as_bytes())
}
