//! Webhook deliveries: what the notifier queued (`c5hub_hub::notify`) is
//! posted here, the only place that speaks HTTP to a receiver.
//!
//! A delivery is the JSON of [`WebhookEvent`], signed with the webhook's
//! secret: `X-C5hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`,
//! and `X-C5hub-Timestamp: <seconds>`, which is also the body's `sent_at`,
//! so the signature covers it and a receiver refuses a replayed body by
//! its age. A failed attempt (no answer, or a status other than 2xx) is
//! logged and retried after `[notify] webhook_backoff_ms`, doubling, at
//! most `c5hub_hub::notify::MAX_ATTEMPTS` times; the queue and the log are
//! in the store, so a restart resumes where it was.

use std::time::Duration;

use c5hub_hub::notify::retry_after;
use c5hub_store::{AttemptOutcome, DueDelivery};
use c5hub_wire::notify::WebhookEvent;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::AppState;

/// Deliveries sent per round.
const BATCH: usize = 20;

/// How long a receiver has to answer.
const TIMEOUT: Duration = Duration::from_secs(10);

/// `sha256=<hex>` of `body` under `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes a key of any length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// Posts one delivery; the status answered, or why there was none.
fn post(agent: &ureq::Agent, d: &DueDelivery) -> (Option<i64>, Option<String>) {
    let sent_at = chrono::Utc::now().timestamp();
    let event = WebhookEvent {
        delivery: d.id,
        event: d.event.clone(),
        incident: d.incident,
        seq: d.seq,
        summary: d.summary.clone(),
        sent_at,
    };
    let body = match serde_json::to_vec(&event) {
        Ok(b) => b,
        Err(e) => return (None, Some(e.to_string())),
    };
    let answer = agent
        .post(&d.url)
        .set("Content-Type", "application/json")
        .set("User-Agent", "c5hub-webhook")
        .set("X-C5hub-Timestamp", &sent_at.to_string())
        .set("X-C5hub-Signature", &signature(&d.secret, &body))
        .set("X-C5hub-Delivery", &d.id.to_string())
        .send_bytes(&body);
    match answer {
        Ok(r) => (Some(i64::from(r.status())), None),
        Err(ureq::Error::Status(code, _)) => {
            (Some(i64::from(code)), Some(format!("answered {code}")))
        }
        Err(e) => (None, Some(e.to_string())),
    }
}

/// Sends what is due once; how many were tried.
pub(crate) async fn round(s: &AppState, agent: &ureq::Agent) -> usize {
    let now = chrono::Utc::now().timestamp_millis();
    let due = match s
        .pool
        .run(move |st| st.notifications().due_deliveries(now, BATCH))
        .await
    {
        Ok(d) => d,
        Err(p) => {
            tracing::warn!(error = %p.detail, "webhooks: reading the queue");
            return 0;
        }
    };
    let base = s.config.notify.webhook_backoff_ms;
    let tried = due.len();
    for d in due {
        let a = agent.clone();
        let d2 = d.clone();
        let (code, error) = tokio::task::spawn_blocking(move || post(&a, &d2))
            .await
            .unwrap_or_else(|e| (None, Some(e.to_string())));
        let attempt = d.attempts + 1;
        let ok = code.is_some_and(|c| (200..300).contains(&c));
        let outcome = if ok {
            AttemptOutcome::Delivered
        } else {
            match retry_after(attempt, base) {
                Some(wait) => AttemptOutcome::RetryAt(
                    chrono::Utc::now().timestamp_millis()
                        + i64::try_from(wait).unwrap_or(i64::MAX / 2),
                ),
                None => AttemptOutcome::GaveUp,
            }
        };
        tracing::info!(delivery = d.id, webhook = d.webhook, attempt, status = ?code, error = ?error, "webhook delivery");
        let id = d.id;
        if let Err(p) = s
            .pool
            .run(move |st| {
                st.notifications()
                    .record_attempt(id, attempt, code, error.as_deref(), outcome)
            })
            .await
        {
            tracing::warn!(error = %p.detail, "webhooks: recording an attempt");
        }
    }
    tried
}

/// The agent deliveries are posted with.
pub(crate) fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout(TIMEOUT)
        .redirects(0)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }
}
