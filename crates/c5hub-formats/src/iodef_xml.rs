//! IODEF v2 XML (RFC 7970): detected by its first `<`, read whole or
//! Incident by Incident, written as one document.

use std::io::{self, Write};

use c5hub_iodef::IncidentDocument;
use c5hub_iodef::model::HubRecord;
use c5hub_model::{DocumentFormat, Incident, OriginalDocument};

use crate::{
    DecodeOptions, Decoded, Door, Exported, Failure, FailureKind, Format, Hints, Note, Stream,
};

/// IODEF v2 XML.
pub static FORMAT: Format = Format {
    name: "iodef-xml",
    label: "One IODEF v2 XML document.",
    media_type: "application/xml",
    media_types: &["application/xml", "text/xml", "application/iodef+xml"],
    detect,
    sniffed_by: &[Door::Import, Door::Api, Door::Upload],
    accepted_by: &[Door::Import, Door::Api, Door::Upload],
    document: Some(decode),
    stream: Some(Stream::IodefIncidents),
    encode: Some(encode),
};

fn detect(head: &[u8], _: &Hints<'_>) -> bool {
    crate::first_byte(head) == Some(b'<')
}

fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, Failure> {
    document(
        c5hub_iodef::decode_xml(bytes, &opts.limits),
        DocumentFormat::IodefXml,
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
    out.write_all(c5hub_iodef::encode_xml(&doc).as_bytes())
}

/// An IODEF document decoded (either binding) into incidents, or why not.
/// Strict unless `opts.lenient`: then a document with violations is read
/// when it converts.
pub(crate) fn document(
    decoded: Result<c5hub_iodef::Decoded, c5hub_iodef::Violation>,
    format: DocumentFormat,
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<Decoded, Failure> {
    let decoded = decoded.map_err(|v| Failure {
        kind: FailureKind::Unreadable,
        detail: format!("cannot read the IODEF document: {}", v.message),
        errors: vec![violation(&v)],
    })?;
    if !decoded.is_valid() && !opts.lenient {
        let n = decoded.violations.len();
        return Err(Failure {
            kind: FailureKind::Invalid,
            detail: format!(
                "the IODEF document has {n} violation{} of RFC 7970",
                if n == 1 { "" } else { "s" }
            ),
            errors: decoded.violations.iter().map(violation).collect(),
        });
    }
    let original = OriginalDocument::new(format, bytes.to_vec());
    let (read, notes) = convert(&decoded.document, &original, opts);
    let (incidents, records) = split(read);
    let notes: Vec<Note> = notes
        .into_iter()
        .map(|n| Note {
            at: n.path,
            detail: n.message,
        })
        .collect();
    if incidents.is_empty() {
        return Err(Failure {
            kind: FailureKind::NoIncident,
            detail: "the document holds no incident that could be read".to_owned(),
            errors: notes,
        });
    }
    Ok(Decoded {
        incidents,
        notes,
        sharing: None,
        records,
    })
}

/// The incidents of a decoded document: with their hub records when
/// `opts.hub_export` (an Incident without one is left out, with the note
/// saying so), else as any submission's.
fn convert(
    document: &c5hub_iodef::Document,
    original: &OriginalDocument,
    opts: &DecodeOptions,
) -> (
    Vec<(Incident, Option<HubRecord>)>,
    Vec<c5hub_iodef::model::Note>,
) {
    if !opts.hub_export {
        let (incidents, notes) =
            c5hub_iodef::model::incidents_from_document(document, Some(original));
        return (incidents.into_iter().map(|m| (m, None)).collect(), notes);
    }
    let (incidents, notes) = c5hub_iodef::model::exported_incidents(document, Some(original));
    let read = incidents.into_iter().filter(|(_, r)| r.is_some()).collect();
    (read, notes)
}

/// Incidents and, when every one has it, their records.
fn split(read: Vec<(Incident, Option<HubRecord>)>) -> (Vec<Incident>, Vec<HubRecord>) {
    let mut incidents = Vec::with_capacity(read.len());
    let mut records = Vec::new();
    for (m, r) in read {
        incidents.push(m);
        records.extend(r);
    }
    (incidents, records)
}

fn violation(v: &c5hub_iodef::Violation) -> Note {
    Note {
        at: v.path.clone(),
        detail: format!("{} [{}]", v.message, v.rule.code()),
    }
}

/// One Incident of a streamed document ([`c5hub_iodef::XmlIncidents`] or
/// [`c5hub_iodef::JsonIncidents`]) decoded, checked and converted; or
/// every reason why not, each naming the Incident's path in the whole
/// document.
pub fn read_incident(
    doc: &IncidentDocument,
    opts: &DecodeOptions,
) -> Result<Vec<(Incident, Option<HubRecord>)>, Vec<String>> {
    let decoded = doc.decode(&opts.limits).map_err(|v| vec![v.to_string()])?;
    if !decoded.is_valid() && !opts.lenient {
        return Err(decoded.violations.iter().map(ToString::to_string).collect());
    }
    let format = match doc.binding {
        c5hub_iodef::Binding::Xml => DocumentFormat::IodefXml,
        c5hub_iodef::Binding::Json => DocumentFormat::IodefJson,
    };
    let original = OriginalDocument::new(format, doc.bytes.clone());
    let (incidents, notes) = convert(&decoded.document, &original, opts);
    if incidents.is_empty() {
        let mut why = vec![format!("{}: no incident could be converted", doc.path())];
        why.extend(
            notes
                .iter()
                .map(|n| format!("{}: {}", doc.reindex(&n.path), n.message)),
        );
        return Err(why);
    }
    Ok(incidents)
}
