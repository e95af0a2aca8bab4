//! MISP events (the MISP core format, `c5hub-misp`): one event
//! (`{"Event": {...}}`), a list of them, or MISP's REST answer
//! (`{"response": [...]}`), read whole; a document is stored whole or not
//! at all. Exported as a `{"response": [...]}` list, one event per
//! incident; the server's MISP feed writes one `{"Event": ...}` per file
//! ([`feed_event`], [`feed_manifest`], [`feed_hashes`]).

use std::io::{self, Write};

use c5hub_misp::Limits;

use crate::{DecodeOptions, Decoded, Door, Exported, Failure, FailureKind, Format, Hints, Note};

/// MISP events.
pub static FORMAT: Format = Format {
    name: "misp",
    label: "MISP events (core format): one event, a list, or a {\"response\": [...]} answer.",
    // MISP itself serves and accepts `application/json`, which the API
    // reads as the native JSON: a request names MISP with this type, or
    // sends the body unlabelled (`{"Event":` is never native JSON). The
    // export is served with it too; the feed's files are `application/json`
    // as MISP's own.
    media_type: "application/vnd.misp+json",
    media_types: &["application/vnd.misp+json"],
    detect,
    sniffed_by: &[Door::Import, Door::Api, Door::Upload],
    accepted_by: &[Door::Import, Door::Api, Door::Upload],
    document: Some(decode),
    stream: None,
    encode: Some(encode),
};

fn detect(head: &[u8], _: &Hints<'_>) -> bool {
    c5hub_misp::looks_like_misp(head)
}

fn limits(opts: &DecodeOptions) -> Limits {
    Limits {
        max_bytes: opts.limits.max_bytes,
        ..Limits::default()
    }
}

fn failure(e: c5hub_misp::Error) -> Failure {
    Failure {
        kind: match e.kind {
            c5hub_misp::ErrorKind::Unreadable => FailureKind::Unreadable,
            c5hub_misp::ErrorKind::Invalid => FailureKind::Invalid,
        },
        detail: e.detail,
        errors: e
            .problems
            .into_iter()
            .map(|p| Note {
                at: p.at,
                detail: p.detail,
            })
            .collect(),
    }
}

/// Reads every event of a document; any problem in any event refuses the
/// whole document (nothing of it is stored).
fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, Failure> {
    let events = c5hub_misp::read_events(bytes, &limits(opts)).map_err(failure)?;
    decode_events(&events, opts.lenient)
}

/// Converts events already read (a document's, or one feed file's).
pub fn decode_events(
    events: &[c5hub_misp::ReadEvent<'_>],
    lenient: bool,
) -> Result<Decoded, Failure> {
    let mut incidents = Vec::with_capacity(events.len());
    let mut notes = Vec::new();
    let mut errors = Vec::new();
    for r in events {
        match c5hub_misp::incident_from_event(r, lenient) {
            Ok(c) => {
                incidents.push(c.incident);
                notes.extend(c.notes.into_iter().map(|p| Note {
                    at: placed(&r.at, p.at),
                    detail: p.detail,
                }));
            }
            Err(ps) => errors.extend(ps.into_iter().map(|p| Note {
                at: placed(&r.at, p.at),
                detail: p.detail,
            })),
        }
    }
    if !errors.is_empty() {
        return Err(Failure {
            kind: FailureKind::Invalid,
            detail: "the MISP event is not valid".to_owned(),
            errors,
        });
    }
    Ok(Decoded {
        incidents,
        notes,
        sharing: None,
        records: Vec::new(),
    })
}

/// A place inside an event prefixed with where the event is in its
/// document (nothing for a single event): written only for a note or an
/// error, not for every event.
fn placed(event_at: &str, at: String) -> String {
    if event_at.is_empty() {
        at
    } else {
        format!("{event_at} {at}")
    }
}

/// Reads the event file a feed's manifest lists under `uuid`.
pub fn decode_feed_event(
    uuid: &str,
    bytes: &[u8],
    opts: &DecodeOptions,
) -> Result<Decoded, Failure> {
    let e = c5hub_misp::feed::read_feed_event(uuid, bytes, &limits(opts)).map_err(failure)?;
    decode_events(std::slice::from_ref(&e), opts.lenient)
}

/// The event uuids a feed's `manifest.json` lists.
pub fn read_manifest(bytes: &[u8]) -> Result<Vec<String>, Failure> {
    c5hub_misp::feed::read_manifest(bytes, &Limits::default()).map_err(failure)
}

/// Whether a file's first bytes are a feed's `manifest.json`.
pub fn looks_like_manifest(head: &[u8]) -> bool {
    c5hub_misp::feed::looks_like_manifest(head)
}

fn event(i: &Exported<'_>) -> c5hub_misp::Event {
    c5hub_misp::export_event(i.incident, i.reporter, i.created_at)
}

fn encode(
    out: &mut dyn Write,
    incidents: &[Exported<'_>],
    _now: chrono::DateTime<chrono::Utc>,
) -> io::Result<()> {
    out.write_all(b"{\"response\": [")?;
    for (n, i) in incidents.iter().enumerate() {
        if n > 0 {
            out.write_all(b",")?;
        }
        out.write_all(b"\n")?;
        out.write_all(event(i).to_json().as_bytes())?;
    }
    out.write_all(b"\n]}\n")
}

/// The uuid of an incident's event (its file is `{uuid}.json`).
pub fn event_uuid(incident: &c5hub_model::Incident) -> String {
    c5hub_misp::event_uuid_for(incident)
}

/// The event uuid a feed file name (`{uuid}.json`) names, lower case.
pub fn event_file_uuid(file: &str) -> Option<String> {
    file.strip_suffix(".json")
        .filter(|u| c5hub_misp::is_uuid(u))
        .map(str::to_ascii_lowercase)
}

/// The uuid of the event of the incident with this global id (`name:id`).
pub fn uuid_of(global_id: &str) -> String {
    c5hub_misp::uuid_for_global_id(global_id)
}

/// Whether the incident with this global id (`name:id`) is the event
/// named `uuid` (a feed's `{uuid}.json`).
pub fn is_event(global_id: &str, uuid: &str) -> bool {
    c5hub_misp::uuid_for_global_id(global_id).eq_ignore_ascii_case(uuid)
}

/// One feed event file, `{"Event": {...}}`.
pub fn feed_event(i: &Exported<'_>) -> String {
    event(i).to_json()
}

/// A feed's `manifest.json` over these incidents.
pub fn feed_manifest(incidents: &[Exported<'_>]) -> String {
    let events: Vec<c5hub_misp::Event> = incidents.iter().map(event).collect();
    c5hub_misp::feed::manifest(&events)
}

/// A feed's `hashes.csv` over these incidents.
pub fn feed_hashes(incidents: &[Exported<'_>]) -> String {
    let mut out = String::new();
    for i in incidents {
        for line in c5hub_misp::feed::hash_lines(&event(i)) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}
