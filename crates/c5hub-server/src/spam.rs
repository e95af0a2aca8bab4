//! Countering spam in the hub server: the door onto `c5hub_hub::spam`.
//!
//! The use cases and the rule of who may do what are the operations
//! layer's ([`c5hub_hub::spam`]); this module builds its [`SpamDesk`] from
//! the `[spam]` settings at start, runs its operations on a store
//! connection (off the async runtime), and renders what they return as
//! the JSON the API and the pages share.

use std::sync::Arc;

use c5hub_hub::Authority;
use c5hub_hub::spam::{self as ops, DeskSettings, SpamDesk, Submitted};
use c5hub_spam::Model;
use c5hub_spam::report::{PseudonymKey, SpamReport, UserVerdict};
use c5hub_spam::rules::Rules;
use c5hub_store::Principal;

use crate::AppState;
use crate::config::SpamConfig;
use crate::problem::Problem;

pub use c5hub_hub::spam::stored_report;
pub(crate) use c5hub_hub::spam::{Incoming, MAX_BATCH, REASONS, Snapshot, reports_from};

fn read_file(what: &str, p: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("spam.{what} {}: {e}", p.display()))
}

/// Loads key, rules and model named by the settings and builds the desk;
/// an error names the setting and file.
pub(crate) fn load(c: &SpamConfig) -> Result<SpamDesk, String> {
    let key = match &c.key_file {
        Some(p) => PseudonymKey::new(read_file("key_file", p)?.trim_ascii())
            .map_err(|e| format!("spam.key_file {}: {e}", p.display()))?,
        None => {
            tracing::warn!(
                "no spam.key_file: spam pseudonyms and recipient hashes use a random key until the hub restarts"
            );
            let secret: [u8; 32] = rand::random();
            PseudonymKey::new(&secret).map_err(|e| e.to_string())?
        }
    };
    let rules = match &c.rules_file {
        Some(p) => {
            let bytes = read_file("rules_file", p)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| format!("spam.rules_file {}: not UTF-8", p.display()))?;
            Rules::parse(&text).map_err(|e| format!("spam.rules_file {}: {e}", p.display()))?
        }
        None => Rules::default(),
    };
    let model = match &c.model_file {
        Some(p) if p.exists() => Model::from_bytes(&read_file("model_file", p)?)
            .map_err(|e| format!("spam.model_file {}: {e}", p.display()))?,
        _ => c5hub_spam::default_model().map_err(|e| format!("the shipped model: {e}"))?,
    };
    let incident_tlp = c
        .incident_tlp
        .parse()
        .map_err(|e| format!("spam.incident_tlp: {e}"))?;
    SpamDesk::new(DeskSettings {
        key,
        rules,
        model,
        model_file: c.model_file.clone(),
        region: c.region.clone(),
        incident_tlp,
        subscribers: c.subscribers.clone().into_iter().collect(),
        window_days: c.window_days,
        listing_confidence: c.listing_confidence,
        ttl_days: c.ttl_days,
        listing_min_operators: c.listing_min_operators,
        verdicts_per_hour: c.verdicts_per_hour,
        learning_budget: c.learning_budget,
    })
    .map_err(|e| match e {
        c5hub_hub::Error::Invalid { detail, .. } => detail,
        other => other.to_string(),
    })
}

/// Rewrites what older versions stored in clear in the incidents made
/// from spam reports (the store's migration 7 marks them; each is
/// rewritten once, and a store with none marked costs one query). Run by
/// the server at start, before it serves, with the key it serves with.
pub(crate) fn pseudonymise_stored(
    location: &c5hub_store::Location,
    options: &c5hub_store::Options,
    desk: &SpamDesk,
) -> Result<usize, String> {
    let mut store =
        c5hub_store::Store::open(location, options.clone()).map_err(|e| e.to_string())?;
    let n = store
        .spam()
        .pseudonymise_spam_incidents(desk)
        .map_err(|e| format!("pseudonymising stored spam incidents: {e}"))?;
    if n > 0 {
        tracing::info!(
            incidents = n,
            "spam: phone numbers and e-mail addresses of older spam incidents replaced by pseudonyms"
        );
    }
    Ok(n)
}

/// The operations layer's view of a member.
pub(crate) fn authority(state: &AppState, p: &Principal) -> Authority {
    Authority::member(p.clone(), state.config.org.clone())
}

/// Runs one spam operation on a store connection with the desk and the
/// caller.
pub(crate) async fn run<R, F>(state: &AppState, p: &Principal, f: F) -> Result<R, Problem>
where
    R: Send + 'static,
    F: FnOnce(&SpamDesk, &Authority, &mut c5hub_store::Store) -> Result<R, c5hub_hub::Error>
        + Send
        + 'static,
{
    let desk = state.spam.clone();
    let who = authority(state, p);
    state
        .pool
        .run(move |st| Ok(f(&desk, &who, st)))
        .await?
        .map_err(Problem::from)
}

/// Decides, stores and acknowledges reports of `principal`'s organisation
/// (`c5hub_hub::spam::submit`), and counts them in the metrics.
pub(crate) async fn submit(
    state: &AppState,
    principal: &Principal,
    reports: Vec<SpamReport>,
) -> Result<Vec<Submitted>, Problem> {
    let done = run(state, principal, move |desk, who, st| {
        ops::submit(desk, who, st, reports)
    })
    .await?;
    observe(state, &done);
    Ok(done)
}

/// Counts stored reports in the metrics.
pub(crate) fn observe(state: &AppState, done: &[Submitted]) {
    for d in done {
        state.metrics.observe_spam_report(
            if d.new { "new" } else { "duplicate" },
            d.processed.decision.label(),
        );
    }
}

/// Records an analyst's verdict (`c5hub_hub::spam::confirm`).
pub(crate) async fn confirm(
    state: &AppState,
    principal: &Principal,
    key: i64,
    verdict: UserVerdict,
) -> Result<ops::Confirmed, Problem> {
    run(state, principal, move |desk, who, st| {
        ops::confirm(desk, who, st, key, verdict)
    })
    .await
}

/// The snapshot of campaigns, reputation and impact.
pub(crate) async fn snapshot(state: &AppState, p: &Principal) -> Result<Arc<Snapshot>, Problem> {
    run(state, p, ops::snapshot).await
}

/// One stored report as acknowledged.
pub(crate) fn submitted(desk: &SpamDesk, d: &Submitted) -> c5hub_wire::spam::SubmittedReport {
    c5hub_wire::spam::SubmittedReport::new(d, &desk.model(), desk.key(), REASONS)
}
