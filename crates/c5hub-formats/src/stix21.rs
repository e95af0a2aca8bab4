//! STIX 2.1: a bundle (`{"type": "bundle", ...}`), read into incidents by
//! `c5hub-stix` and written as one bundle of the stored incidents'
//! objects.

use std::io::{self, Write};

use c5hub_stix::bundle;

use crate::{
    DecodeOptions, Decoded, Door, Exported, Failure, FailureKind, Format, Hints, Note, Stream,
};

/// STIX 2.1 bundles.
pub static FORMAT: Format = Format {
    name: "stix21",
    label: "One STIX 2.1 bundle.",
    media_type: c5hub_stix::MEDIA_TYPE,
    media_types: &["application/stix+json"],
    detect,
    // The API reads an unlabelled `{` as the native JSON: STIX only when the
    // media type names it.
    sniffed_by: &[Door::Import, Door::Upload],
    accepted_by: &[Door::Import, Door::Api, Door::Upload],
    document: Some(decode),
    stream: Some(Stream::StixBundle),
    encode: Some(encode),
};

/// A JSON object whose `type` (within the first 4 KiB) is `bundle`.
fn detect(head: &[u8], _: &Hints<'_>) -> bool {
    crate::first_byte(head) == Some(b'{') && names_bundle(&head[..head.len().min(4096)])
}

fn names_bundle(head: &[u8]) -> bool {
    let skip_ws = |mut i: usize| {
        while head.get(i).is_some_and(u8::is_ascii_whitespace) {
            i += 1;
        }
        i
    };
    memchr::memmem::find_iter(head, b"\"type\"").any(|at| {
        let i = skip_ws(at + 6);
        head.get(i) == Some(&b':') && head[skip_ws(i + 1)..].starts_with(b"\"bundle\"")
    })
}

/// The STIX objects of one stored incident (see
/// [`c5hub_stix::incident_objects`]).
pub fn incident_objects(e: &Exported<'_>) -> Vec<serde_json::Value> {
    c5hub_stix::incident_objects(&source(e))
}

fn source<'a>(e: &Exported<'a>) -> c5hub_stix::Source<'a> {
    c5hub_stix::Source {
        reporter: e.reporter,
        created_at: e.created_at,
        incident: e.incident,
    }
}

/// A whole bundle: stored whole or not at all (the API's choice, written
/// in the crate's README): one object group that does not convert refuses
/// the bundle, with every error of every group.
fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, Failure> {
    let unreadable = |e: bundle::Error| Failure {
        kind: FailureKind::Unreadable,
        detail: format!("not a readable STIX 2.1 bundle: {e}"),
        errors: vec![note(&e)],
    };
    if let Err(v) = opts.limits.check_size(bytes.len() as u64) {
        return Err(unreadable(bundle::Error::new("bundle", "", &v.message)));
    }
    let b = bundle::read(bytes, &limits(opts)).map_err(unreadable)?;
    let groups = c5hub_stix::import::incidents(&b, &c5hub_stix::import::Options::default());
    let mut incidents = Vec::new();
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for g in groups {
        notes.extend(g.notes.iter().map(note));
        match g.incident {
            Ok(m) => incidents.push(m),
            Err(es) => errors.extend(es.iter().map(note)),
        }
    }
    if !errors.is_empty() {
        return Err(Failure {
            kind: FailureKind::Invalid,
            detail: format!("the STIX bundle {} is not valid: {}", b.id, errors[0]),
            errors,
        });
    }
    if incidents.is_empty() {
        return Err(Failure {
            kind: FailureKind::NoIncident,
            detail: format!("the STIX bundle {} holds no objects", b.id),
            errors: Vec::new(),
        });
    }
    Ok(Decoded {
        incidents,
        notes,
        sharing: None,
        records: Vec::new(),
    })
}

/// The STIX limits from a door's document limits.
pub fn limits(_: &DecodeOptions) -> bundle::Limits {
    bundle::Limits::default()
}

/// A STIX error as a note: `at` the object and property.
pub fn note(e: &bundle::Error) -> Note {
    Note {
        at: if e.property.is_empty() {
            e.object.clone()
        } else {
            format!("{} {}", e.object, e.property)
        },
        detail: e.message.clone(),
    }
}

fn encode(
    out: &mut dyn Write,
    incidents: &[Exported<'_>],
    now: chrono::DateTime<chrono::Utc>,
) -> io::Result<()> {
    let objects = incidents.iter().flat_map(incident_objects);
    let b = c5hub_stix::bundle(objects, now);
    serde_json::to_writer_pretty(&mut *out, &b).map_err(io::Error::other)?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundles_are_recognised_by_their_type() {
        let h = Hints::default();
        assert!(detect(br#"{"type": "bundle", "id": "bundle--1"}"#, &h));
        assert!(detect(br#" {"id": "bundle--1",  "type" :"bundle"}"#, &h));
        assert!(!detect(br#"{"type": "indicator"}"#, &h));
        assert!(!detect(br#"["type", "bundle"]"#, &h));
    }
}
