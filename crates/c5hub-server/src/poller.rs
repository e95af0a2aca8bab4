//! The feed poller: a background task of `serve` that pulls each feed
//! (`c5hub_hub::feeds`) when it is due. TAXII 2.1 collections page by
//! page (`added_after`, `limit`, `next`), MISP feeds event by event
//! (`manifest.json`, then each event file whose timestamp it has not
//! seen). Objects are read with `c5hub-stix`, events with `c5hub-misp`, and
//! stored through the API's submission path (the writer's group commit)
//! as the feed's organisation.
//!
//! The cursor moves strictly after the store committed what it covers: a
//! kill in between fetches that page again, and storing the same incident
//! version again is a no-op in the store. A failed poll is retried after
//! `c5hub_hub::feeds::backoff`. HTTP is ureq on a blocking thread, with a
//! timeout and a size limit on every answer; a secret goes only into the
//! `Authorization` header, never into a log line or an error.

use std::collections::BTreeMap;
use std::io::Read;
use std::time::Duration;

use base64::Engine;
use c5hub_hub::feeds::{self, Auth, Kind};
use c5hub_store::{Feed, Outcome};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;

/// How often the poller looks for due feeds.
const TICK: Duration = Duration::from_millis(500);
/// How long a remote has to answer.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read (a TAXII page, a manifest, an event file).
const MAX_ANSWER: u64 = 64 << 20;
/// Objects asked for per TAXII page.
pub(crate) const PAGE: usize = 100;

/// Starts the poller (nothing to stop: every step is safe to cut).
pub(crate) fn spawn(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let agent = ureq::AgentBuilder::new()
            .timeout(TIMEOUT)
            .user_agent("c5hub-feeds")
            .build();
        loop {
            let now = Utc::now();
            match state.pool.run(move |st| Ok(feeds::due(st, now))).await {
                Ok(Ok(due)) => {
                    for f in due {
                        poll(&state, &agent, f).await;
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "feeds: reading the due feeds"),
                Err(p) => tracing::warn!(error = %p.detail, "feeds: reading the due feeds"),
            }
            tokio::time::sleep(TICK).await;
        }
    })
}

/// One poll of one feed, with its outcome recorded.
async fn poll(s: &AppState, agent: &ureq::Agent, f: Feed) {
    let (id, every, failures) = (f.id, f.every_s, f.failures);
    let started = Utc::now();
    let _ = s
        .pool
        .run(move |st| st.feeds().attempted(id, started))
        .await;
    let outcome = match Kind::parse(&f.kind) {
        Some(Kind::Taxii) => taxii(s, agent, &f).await,
        Some(Kind::Misp) => misp(s, agent, &f).await,
        None => Err(format!("unknown kind of feed {:?}", f.kind)),
    };
    let done = Utc::now();
    let recorded = match outcome {
        Ok(()) => {
            let next = done + chrono::Duration::seconds(every.max(1));
            s.pool
                .run(move |st| st.feeds().succeeded(id, done, next))
                .await
        }
        Err(why) => {
            tracing::warn!(feed = id, error = %why, "feeds: poll failed");
            let wait = feeds::backoff(every, failures + 1);
            let next =
                done + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::hours(6));
            s.pool
                .run(move |st| st.feeds().failed(id, &why, next))
                .await
        }
    };
    if let Err(p) = recorded {
        tracing::warn!(feed = id, error = %p.detail, "feeds: recording a poll");
    }
    if let Ok(Some(now)) = s.pool.run(move |st| st.feeds().get(id)).await {
        s.metrics.observe_feed(&now);
    }
}

/// An answer: its body and the headers the poller reads.
struct Answer {
    body: Vec<u8>,
    date_added_last: Option<String>,
}

/// GET `url` with the feed's authentication, on a blocking thread.
async fn get(
    agent: &ureq::Agent,
    auth: Auth,
    url: String,
    accept: &'static str,
) -> Result<Answer, Fetch> {
    let agent = agent.clone();
    tokio::task::spawn_blocking(move || {
        let mut r = agent.get(&url).set("Accept", accept);
        match &auth {
            Auth::None => {}
            Auth::Basic { user, password } => {
                let b =
                    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
                r = r.set("Authorization", &format!("Basic {b}"));
            }
            Auth::Bearer(t) => r = r.set("Authorization", &format!("Bearer {t}")),
        }
        let answer = match r.call() {
            Ok(a) => a,
            Err(ureq::Error::Status(code, a)) => {
                let mut text = String::new();
                let _ = a.into_reader().take(300).read_to_string(&mut text);
                return Err(Fetch::Status(
                    code,
                    format!("{url} answered {code}: {}", text.trim()),
                ));
            }
            Err(e) => return Err(Fetch::Other(format!("{url}: {e}"))),
        };
        let date_added_last = answer.header("X-TAXII-Date-Added-Last").map(str::to_owned);
        let mut body = Vec::new();
        answer
            .into_reader()
            .take(MAX_ANSWER + 1)
            .read_to_end(&mut body)
            .map_err(|e| Fetch::Other(format!("{url}: reading the answer: {e}")))?;
        if body.len() as u64 > MAX_ANSWER {
            return Err(Fetch::Other(format!(
                "{url}: the answer is larger than {MAX_ANSWER} bytes"
            )));
        }
        Ok(Answer {
            body,
            date_added_last,
        })
    })
    .await
    .map_err(|e| Fetch::Other(e.to_string()))?
}

/// Why a fetch failed.
enum Fetch {
    /// The remote answered with this status.
    Status(u16, String),
    /// No usable answer.
    Other(String),
}

impl From<Fetch> for String {
    fn from(f: Fetch) -> String {
        match f {
            Fetch::Status(_, s) | Fetch::Other(s) => s,
        }
    }
}

/// Stores incidents as the feed's organisation; how many were new
/// incidents or new versions (a re-fetched one is a duplicate).
async fn store(
    s: &AppState,
    f: &Feed,
    incidents: Vec<c5hub_model::Incident>,
) -> Result<i64, String> {
    if incidents.is_empty() {
        return Ok(0);
    }
    let who = feeds::submitter(f, &s.config.org);
    let parsed = crate::api::submit::Parsed {
        incidents,
        notes: Vec::new(),
        shared_with: Vec::new(),
        recipients: Vec::new(),
        carries_sharing: false,
    };
    let stored = crate::api::submit::store(s, &who, parsed)
        .await
        .map_err(|p| format!("storing: {}", p.detail))?;
    Ok(stored
        .iter()
        .filter(|(o, _)| !matches!(o, Outcome::Duplicate(_)))
        .count() as i64)
}

/// Moves the cursor past what was stored.
async fn advance(s: &AppState, id: i64, cursor: String, n: i64) -> Result<(), String> {
    s.pool
        .run(move |st| st.feeds().advance(id, &cursor, n))
        .await
        .map_err(|p| p.detail)
}

/// A TAXII feed's cursor.
#[derive(Debug, Default, Serialize, Deserialize)]
struct TaxiiCursor {
    /// `added_after` of the walk under way (the end of the last one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    added_after: Option<String>,
    /// The walk's `next`, when it stopped between pages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<String>,
    /// The newest `X-TAXII-Date-Added-Last` seen in the walk.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    last: Option<String>,
}

/// The objects URL of a TAXII feed: its URL when it is a collection's,
/// else the API root's collection.
pub(crate) fn objects_url(url: &str, collection: &str) -> String {
    let base = url.trim_end_matches('/');
    if base.ends_with(&format!("/collections/{collection}")) {
        format!("{base}/objects/")
    } else {
        format!("{base}/collections/{collection}/objects/")
    }
}

fn query(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn taxii(s: &AppState, agent: &ureq::Agent, f: &Feed) -> Result<(), String> {
    let mut cur: TaxiiCursor = serde_json::from_str(&f.cursor).unwrap_or_default();
    let base = objects_url(&f.url, &f.collection);
    let mut retried = false;
    loop {
        let mut url = format!("{base}?limit={PAGE}");
        if let Some(a) = &cur.added_after {
            url.push_str(&format!("&added_after={}", query(a)));
        }
        if let Some(n) = &cur.next {
            url.push_str(&format!("&next={}", query(n)));
        }
        let answer = match get(
            agent,
            Auth::of(f),
            url,
            "application/taxii+json;version=2.1",
        )
        .await
        {
            // A `next` the server no longer knows (medallion's expire, and
            // are lost when it restarts): walk again from `added_after`;
            // what is fetched twice is a no-op in the store.
            Err(Fetch::Status(400 | 404, _)) if cur.next.is_some() && !retried => {
                retried = true;
                cur.next = None;
                continue;
            }
            a => a.map_err(String::from)?,
        };
        let (incidents, objects, more, next) = read_envelope(&answer.body, f.tlp)?;
        let n = store(s, f, incidents).await?;
        let _ = objects;
        if let Some(d) = answer.date_added_last {
            if cur.last.as_deref().is_none_or(|l| d.as_str() > l) {
                cur.last = Some(d);
            }
        }
        match (more, next) {
            (true, Some(next)) => cur.next = Some(next),
            _ => {
                cur.next = None;
                if cur.last.is_some() {
                    cur.added_after = cur.last.clone();
                }
            }
        }
        let text = serde_json::to_string(&cur).map_err(|e| e.to_string())?;
        advance(s, f.id, text, n).await?;
        if cur.next.is_none() {
            return Ok(());
        }
    }
}

/// A TAXII envelope's incidents (read with `c5hub-stix`, objects without
/// a TLP marking at `tlp`), its object count, `more` and `next`. An object
/// group that does not convert fails the page, naming the object and the
/// property, so the cursor stays before it.
fn read_envelope(
    body: &[u8],
    tlp: c5hub_model::Tlp,
) -> Result<(Vec<c5hub_model::Incident>, usize, bool, Option<String>), String> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| format!("the TAXII envelope is not JSON: {e}"))?;
    let Value::Object(mut env) = v else {
        return Err("the TAXII envelope is not a JSON object".to_owned());
    };
    let more = match env.get("more") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err("the TAXII envelope's more is not a boolean".to_owned()),
    };
    let next = match env.get("next") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err("the TAXII envelope's next is not a string".to_owned()),
    };
    let objects = match env.remove("objects") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a,
        Some(_) => return Err("the TAXII envelope's objects is not a list".to_owned()),
    };
    let count = objects.len();
    if objects.is_empty() {
        return Ok((Vec::new(), 0, more, next));
    }
    let bundle = json!({
        "type": "bundle",
        // A fixed id: what a page is read into must not differ between two
        // fetches of it, so that the second stores nothing new.
        "id": "bundle--6f1c5a0e-3b1d-4c55-9a8e-000000000000",
        "objects": objects,
    });
    let b = c5hub_stix::bundle::from_value(bundle, &c5hub_stix::bundle::Limits::default())
        .map_err(|e| format!("the TAXII envelope: {e}"))?;
    let opts = c5hub_stix::import::Options { default_tlp: tlp };
    let mut incidents = Vec::new();
    for g in c5hub_stix::import::incidents(&b, &opts) {
        match g.incident {
            Ok(m) => incidents.push(m),
            Err(errors) => {
                let said: Vec<String> = errors.iter().map(ToString::to_string).collect();
                return Err(format!("object {}: {}", g.root, said.join("; ")));
            }
        }
    }
    Ok((incidents, count, more, next))
}

/// The MISP feed's URL of `file`.
fn misp_url(url: &str, file: &str) -> String {
    let base = url.trim_end_matches('/');
    let base = base.strip_suffix("/manifest.json").unwrap_or(base);
    format!("{base}/{file}")
}

/// The timestamp a manifest gives each event (as text: MISP writes it as
/// a string, some tools as a number).
fn manifest_timestamps(body: &[u8]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
        for (k, v) in m {
            let ts = match v.get("timestamp") {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => String::new(),
            };
            out.insert(k.to_ascii_lowercase(), ts);
        }
    }
    out
}

async fn misp(s: &AppState, agent: &ureq::Agent, f: &Feed) -> Result<(), String> {
    let limits = c5hub_misp::Limits::default();
    let mut seen: BTreeMap<String, String> = serde_json::from_str(&f.cursor).unwrap_or_default();
    let manifest = get(
        agent,
        Auth::of(f),
        misp_url(&f.url, "manifest.json"),
        "application/json",
    )
    .await
    .map_err(String::from)?;
    let uuids = c5hub_misp::feed::read_manifest(&manifest.body, &limits)
        .map_err(|e| format!("manifest.json: {}", describe(&e)))?;
    let stamps = manifest_timestamps(&manifest.body);
    let mut errors = Vec::new();
    for uuid in uuids {
        let ts = stamps.get(&uuid).cloned().unwrap_or_default();
        if seen.get(&uuid) == Some(&ts) && !ts.is_empty() {
            continue;
        }
        let file = format!("{uuid}.json");
        let one = async {
            let a = get(
                agent,
                Auth::of(f),
                misp_url(&f.url, &file),
                "application/json",
            )
            .await
            .map_err(String::from)?;
            let ev = c5hub_misp::feed::read_feed_event(&uuid, &a.body, &limits)
                .map_err(|e| format!("{file}: {}", describe(&e)))?;
            let d = c5hub_formats::misp::decode_events(&[ev], false)
                .map_err(|e| format!("{file}: {}", e.detail))?;
            store(s, f, d.incidents).await
        };
        match one.await {
            Ok(n) => {
                seen.insert(uuid, ts);
                let text = serde_json::to_string(&seen).map_err(|e| e.to_string())?;
                advance(s, f.id, text, n).await?;
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn describe(e: &c5hub_misp::Error) -> String {
    let mut s = e.detail.clone();
    for p in e.problems.iter().take(5) {
        s.push_str(&format!("; {}: {}", p.at, p.detail));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_urls_from_an_api_root_or_a_collection() {
        assert_eq!(
            objects_url("http://h/api1/", "c1"),
            "http://h/api1/collections/c1/objects/"
        );
        assert_eq!(
            objects_url("http://h/api1/collections/c1/", "c1"),
            "http://h/api1/collections/c1/objects/"
        );
        assert_eq!(
            misp_url("http://h/misp/", "manifest.json"),
            "http://h/misp/manifest.json"
        );
        assert_eq!(
            misp_url("http://h/misp/manifest.json", "x.json"),
            "http://h/misp/x.json"
        );
    }

    #[test]
    fn envelopes_are_read_and_junk_is_named() {
        let (m, n, more, next) =
            read_envelope(br#"{"more": true, "next": "7-0"}"#, c5hub_model::Tlp::Green)
                .expect("an empty page");
        assert!(m.is_empty() && n == 0 && more && next.as_deref() == Some("7-0"));
        for (bad, says) in [
            (&b"[]"[..], "not a JSON object"),
            (b"{\"more\": 1}", "more is not a boolean"),
            (b"{\"objects\": {}}", "objects is not a list"),
            (b"{\"next\": 3}", "next is not a string"),
            (b"{", "not JSON"),
        ] {
            let e = read_envelope(bad, c5hub_model::Tlp::Green).expect_err("refused");
            assert!(e.contains(says), "{e}");
        }
    }
}
