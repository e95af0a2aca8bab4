//! Federation's push: a background task of `serve` that sends every
//! unpaused peer what its policy lets leave (`c5hub_hub::peers::outbound`),
//! page by page, as a TAXII 2.1 `POST` to the peer's writable collection
//! `all` (`{url}collections/all/objects/`), with the peer's token as a
//! bearer token. A c5hub peer gets `x-c5hub-incident` objects
//! (`c5hub_formats::federation`: the incident and its provenance, read back
//! by the peer's `c5hub_hub::peers::receive`); any other TAXII server the
//! STIX objects of each incident (`c5hub-stix`).
//!
//! The outbound cursor moves only once the peer accepted the whole page
//! (`peers::pushed`): a kill in between sends the page again, which the
//! peer takes as duplicates (it knows incidents by origin and key). A
//! failed push is retried after `c5hub_hub::feeds::backoff` from the
//! tick, doubling per failure; the error is kept on the peer for its page
//! and `c5hub peers show`. A page goes out in envelopes of at most
//! [`MAX_ENVELOPE_BYTES`] so that no peer's body limit is met.

use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

use c5hub_hub::peers::{self, Kind, OutboundPage, Policy};
use c5hub_store::Peer;
use serde_json::Value;

use crate::AppState;

/// How often the task looks for changes to push: the steady-state delay
/// of a new incident to a peer is about this plus one exchange.
const TICK: Duration = Duration::from_millis(250);
/// Changes read per page.
const PAGE: usize = 1000;
/// The largest envelope posted: under the default body limit of a hub
/// (8 MiB), which a peer may have kept.
pub(crate) const MAX_ENVELOPE_BYTES: usize = 6 << 20;
/// The most objects in one envelope (a hub takes at most 10,000).
const MAX_ENVELOPE_OBJECTS: usize = 5_000;
/// The longest wait after failures.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Starts the push task (nothing to stop: every step is safe to cut).
pub(crate) fn spawn(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        // A peer's answer is awaited `[federation] timeout_seconds`.
        let timeout = Duration::from_secs(state.config.federation.timeout_seconds.max(1));
        let agent = ureq::AgentBuilder::new()
            .timeout(timeout)
            .user_agent("c5hub-federation")
            .build();
        // Failures in a row and when to try again, per peer.
        let mut waiting: HashMap<i64, (i64, Instant)> = HashMap::new();
        loop {
            match state.pool.run(|st| Ok(peers::for_sync(st))).await {
                Ok(Ok(list)) => {
                    for p in list {
                        if waiting
                            .get(&p.id)
                            .is_some_and(|(_, at)| Instant::now() < *at)
                        {
                            continue;
                        }
                        let id = p.id;
                        match push(&state, &agent, p).await {
                            Ok(()) => {
                                waiting.remove(&id);
                            }
                            Err(why) => {
                                let failures = waiting.get(&id).map_or(1, |(n, _)| n + 1);
                                tracing::warn!(peer = id, error = %why, "federation: push failed");
                                let wait = c5hub_hub::feeds::backoff(1, failures).min(MAX_BACKOFF);
                                waiting.insert(id, (failures, Instant::now() + wait));
                            }
                        }
                        if let Ok(Some(p)) = state.pool.run(move |st| st.peers().by_id(id)).await {
                            state.metrics.observe_peer(&p);
                        }
                    }
                }
                Ok(Err(e)) => tracing::warn!(error = %e, "federation: reading the peers"),
                Err(p) => tracing::warn!(error = %p.detail, "federation: reading the peers"),
            }
            tokio::time::sleep(TICK).await;
        }
    })
}

/// Pushes everything `peer` has not had yet, page by page; the reason of a
/// failure is also kept on the peer.
async fn push(s: &AppState, agent: &ureq::Agent, mut peer: Peer) -> Result<(), String> {
    let policy = Policy::from_toml(&peer.policy).map_err(|e| e.to_string())?;
    let kind = Kind::parse(&peer.kind).unwrap_or(Kind::C5hub);
    loop {
        let (p, pol) = (peer.clone(), policy.clone());
        let page = s
            .pool
            .run(move |st| Ok(peers::outbound(st, &p, &pol, PAGE)))
            .await
            .map_err(|p| p.detail)?
            .map_err(|e| e.to_string())?;
        if page.next <= peer.cursor_out {
            return Ok(());
        }
        let sent = if page.send.is_empty() {
            Ok(0)
        } else {
            let p = peer.clone();
            let _ = s.pool.run(move |st| Ok(peers::attempted(st, &p))).await;
            let envelopes = envelopes(&page, kind);
            post_all(agent, &peer, envelopes).await
        };
        match sent {
            Ok(bytes) => {
                let (p, more, next) = (peer.clone(), page.more, page.next);
                s.pool
                    .run(move |st| Ok(peers::pushed(st, &p, &page, bytes)))
                    .await
                    .map_err(|p| p.detail)?
                    .map_err(|e| e.to_string())?;
                peer.cursor_out = next;
                if !more {
                    return Ok(());
                }
            }
            Err(why) => {
                let (p, w) = (peer.clone(), why.clone());
                let _ = s.pool.run(move |st| Ok(peers::failed(st, &p, &w))).await;
                return Err(why);
            }
        }
    }
}

/// The page's objects in envelopes of bounded size and count, as JSON.
fn envelopes(page: &OutboundPage, kind: Kind) -> Vec<Vec<u8>> {
    let mut objects: Vec<Vec<u8>> = Vec::new();
    for l in &page.send {
        match kind {
            Kind::C5hub => {
                let o = c5hub_formats::federation::object(&c5hub_formats::federation::Outgoing {
                    incident: &l.stored.incident,
                    provenance: &l.provenance,
                    modified: l.stored.updated_at,
                });
                objects.push(serde_json::to_vec(&o).unwrap_or_default());
            }
            Kind::Taxii => {
                let stix = c5hub_stix::incident_objects(&c5hub_stix::Source {
                    reporter: &l.stored.reporter,
                    created_at: l.stored.updated_at,
                    incident: &l.stored.incident,
                });
                objects.extend(
                    stix.iter()
                        .map(|o: &Value| serde_json::to_vec(o).unwrap_or_default()),
                );
            }
        }
    }
    let mut out = Vec::new();
    let mut body = Vec::new();
    let mut n = 0;
    for o in objects {
        if n > 0 && (body.len() + o.len() + 2 > MAX_ENVELOPE_BYTES || n >= MAX_ENVELOPE_OBJECTS) {
            body.extend_from_slice(b"]}");
            out.push(std::mem::take(&mut body));
            n = 0;
        }
        if n == 0 {
            body.extend_from_slice(b"{\"objects\":[");
        } else {
            body.push(b',');
        }
        body.extend_from_slice(&o);
        n += 1;
    }
    if n > 0 {
        body.extend_from_slice(b"]}");
        out.push(body);
    }
    out
}

/// Posts each envelope in turn; the bytes sent, or why the peer refused.
async fn post_all(
    agent: &ureq::Agent,
    peer: &Peer,
    envelopes: Vec<Vec<u8>>,
) -> Result<usize, String> {
    let agent = agent.clone();
    let url = format!(
        "{}/collections/all/objects/",
        peer.url.trim_end_matches('/')
    );
    let token = peer.secret.clone();
    tokio::task::spawn_blocking(move || {
        let mut sent = 0;
        for body in envelopes {
            let r = agent
                .post(&url)
                .set("Content-Type", crate::taxii::MEDIA_TYPE)
                .set("Accept", crate::taxii::MEDIA_TYPE)
                .set("Authorization", &format!("Bearer {token}"))
                .send_bytes(&body);
            match r {
                Ok(a) if (200..300).contains(&a.status()) => {
                    let mut answer = String::new();
                    let _ = a.into_reader().take(1 << 20).read_to_string(&mut answer);
                    sent += body.len();
                }
                Ok(a) => return Err(format!("{url} answered {}", a.status())),
                Err(ureq::Error::Status(code, a)) => {
                    let mut text = String::new();
                    let _ = a.into_reader().take(300).read_to_string(&mut text);
                    return Err(format!("{url} answered {code}: {}", text.trim()));
                }
                Err(e) => return Err(format!("{url}: {e}")),
            }
        }
        Ok(sent)
    })
    .await
    .map_err(|e| e.to_string())?
}
