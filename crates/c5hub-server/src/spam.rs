//! Countering spam in the hub: what the API and the web UI share.
//!
//! - [`SpamState`]: the pseudonym key, the X.1242 rules, the model (updated
//!   online from confirmed verdicts) and the settings, loaded at start.
//! - Who may do what ([`Access`]), from the caller's organisation type.
//! - Intake: reports are decided (rules, then model), stored, and confirmed
//!   spam becomes incidents through the writer, so it correlates with
//!   everything else; the answer comes after both have committed.
//! - A snapshot of what is derived from all stored reports (campaigns, the
//!   reputation list, the impact metrics), recomputed only when reports or
//!   the model change.
//!
//! [`stored_report`] is public: `c5hub spam reports --store` stores reports
//! the same way.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use c5hub_model::{ObservableKind, OrgKind, Tlp};
use c5hub_spam::analysis::{self, Analysis, Processed, Settings};
use c5hub_spam::report::{Channel, PseudonymKey, SpamReport, UserVerdict};
use c5hub_spam::reputation::Policy;
use c5hub_spam::rules::Rules;
use c5hub_spam::{Model, Workspace};
use c5hub_store::{NewSpamReport, Principal, SpamPseudonyms, SpamReportRow};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::AppState;
use crate::config::SpamConfig;
use crate::problem::Problem;
use crate::writer::OwnedSubmission;

/// How many features an answer names as reasons.
pub(crate) const REASONS: usize = 5;
/// Most reports one request may carry.
pub(crate) const MAX_BATCH: usize = 1000;
/// Most reports a snapshot is computed over.
const MAX_SNAPSHOT_REPORTS: usize = 500_000;

/// A report as the store keeps it, from a processed report: the filter's
/// label and score, `model` or `rule:ID` in `decided_by`, the smishing flag
/// and the campaign fingerprint.
pub fn stored_report<'a>(
    p: &'a Processed,
    decided_by: &'a str,
    campaign: Option<&'a str>,
) -> NewSpamReport<'a> {
    let r = &p.report;
    NewSpamReport {
        id: &r.id,
        operator: &r.operator,
        channel: r.channel.as_str(),
        text: &r.text,
        sender: r.sender.as_deref(),
        recipient_hash: r.recipient_hash.as_deref(),
        received_at: r.received_at,
        reported_at: r.reported_at,
        verdict: r.verdict.as_str(),
        label: Some(p.decision.label()),
        score: Some(f64::from(p.decision.score)),
        decided_by: Some(decided_by),
        smishing: p.smishing,
        campaign,
    }
}

/// What derived views are computed from, and when.
pub(crate) struct Snapshot {
    version: (i64, i64, u64),
    pub(crate) analysis: Analysis,
    /// When the newest report considered was stored: the feed's
    /// Last-Modified.
    pub(crate) last_change: DateTime<Utc>,
    /// (operator, report id) → campaign.
    campaign_of: HashMap<(String, String), u32>,
}

impl Snapshot {
    /// The campaign fingerprint of a stored report, if it is confirmed spam
    /// inside the window.
    pub(crate) fn campaign(&self, row: &SpamReportRow) -> Option<&str> {
        let id = self
            .campaign_of
            .get(&(row.operator.clone(), row.id.clone()))?;
        self.analysis
            .campaigns
            .get(*id)
            .map(|c| c.fingerprint.as_str())
    }
}

/// The hub's spam settings and model.
pub(crate) struct SpamState {
    pub(crate) key: PseudonymKey,
    rules: Rules,
    pub(crate) rule_list: Vec<(String, &'static str, bool)>,
    model: RwLock<Model>,
    model_file: Option<std::path::PathBuf>,
    settings: Settings,
    pub(crate) tlp: Tlp,
    pub(crate) subscribers: HashMap<String, u64>,
    pub(crate) window_days: u32,
    /// Bumped whenever a verdict or the model changes, so the snapshot is
    /// recomputed even though no report was added.
    generation: AtomicU64,
    snapshot: Mutex<Option<Arc<Snapshot>>>,
    verdicts_per_hour: u32,
    learning_budget: f64,
    /// Per organisation: its recent verdicts (rate limit) and the learning
    /// it spent (budget). In memory: a restart forgets both, which at
    /// worst allows one more hour's verdicts and one more day's budget.
    verdict_log: Mutex<HashMap<String, VerdictLog>>,
}

/// One organisation's recent verdicts and learning.
#[derive(Default)]
struct VerdictLog {
    posted: VecDeque<Instant>,
    learned: VecDeque<(Instant, f64)>,
}

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// What the model learned from one verdict.
pub(crate) struct Learned {
    /// The score before the step.
    pub(crate) score_before: f32,
    /// Examples the model has learned from.
    pub(crate) examples: u64,
    /// How large the step was (0: none: a repeated verdict, or the
    /// organisation's budget is spent).
    pub(crate) step: f32,
}

fn read_file(what: &str, p: &std::path::Path) -> Result<Vec<u8>, String> {
    std::fs::read(p).map_err(|e| format!("spam.{what} {}: {e}", p.display()))
}

impl SpamState {
    /// Loads key, rules and model; an error names the setting and file.
    pub(crate) fn load(c: &SpamConfig) -> Result<SpamState, String> {
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
        let tlp: Tlp = c
            .incident_tlp
            .parse()
            .map_err(|e| format!("spam.incident_tlp: {e}"))?;
        if !(0.0..=1.0).contains(&c.listing_confidence) || c.ttl_days == 0 || c.window_days == 0 {
            return Err(
                "spam.listing_confidence must be in 0..1, spam.ttl_days and spam.window_days at least 1"
                    .to_owned(),
            );
        }
        if c.listing_min_operators == 0 || !c.learning_budget.is_finite() || c.learning_budget < 0.0
        {
            return Err(
                "spam.listing_min_operators must be at least 1 and spam.learning_budget at least 0"
                    .to_owned(),
            );
        }
        let rule_list = rules
            .iter()
            .map(|r| {
                let action = match r.action {
                    c5hub_spam::rules::Action::Allow => "allow",
                    c5hub_spam::rules::Action::Block => "block",
                };
                (r.id.clone(), action, r.is_global())
            })
            .collect();
        Ok(SpamState {
            key,
            rules,
            rule_list,
            model: RwLock::new(model),
            model_file: c.model_file.clone(),
            settings: Settings {
                region: c.region.clone(),
                policy: Policy {
                    listing_confidence: c.listing_confidence,
                    ttl: chrono::Duration::days(i64::from(c.ttl_days)),
                    min_operators: c.listing_min_operators,
                    publisher: "c5hub",
                },
                ..Settings::default()
            },
            tlp,
            subscribers: c.subscribers.clone().into_iter().collect(),
            window_days: c.window_days,
            generation: AtomicU64::new(0),
            snapshot: Mutex::new(None),
            verdicts_per_hour: c.verdicts_per_hour,
            learning_budget: c.learning_budget,
            verdict_log: Mutex::new(HashMap::new()),
        })
    }

    /// The region national numbers are read with.
    pub(crate) fn region(&self) -> Option<&str> {
        self.settings.region.as_deref()
    }

    /// The incident a processed report becomes: numbers and addresses
    /// only as pseudonyms under the hub's key.
    pub(crate) fn incident(
        &self,
        p: &Processed,
        smishing: bool,
    ) -> Result<c5hub_model::Incident, String> {
        c5hub_spam::indicators::to_incident(
            &p.report,
            &p.indicators,
            smishing,
            self.tlp,
            &self.key,
            self.region(),
        )
        .map_err(|e| format!("report {}: {e}", p.report.id))
    }

    fn verdict_log(&self) -> std::sync::MutexGuard<'_, HashMap<String, VerdictLog>> {
        self.verdict_log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a verdict of `org` against its hourly limit; past it, how
    /// long until the next one is accepted.
    pub(crate) fn admit_verdict(&self, org: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut logs = self.verdict_log();
        let log = logs.entry(org.to_owned()).or_default();
        while log
            .posted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= HOUR)
        {
            log.posted.pop_front();
        }
        if log.posted.len() >= self.verdicts_per_hour as usize {
            let oldest = log.posted.front().copied().unwrap_or(now);
            return Err(HOUR.saturating_sub(now.duration_since(oldest)));
        }
        log.posted.push_back(now);
        Ok(())
    }
}

/// Incidents written before pseudonymisation (marked by the store's
/// migration 7) are rewritten with the hub's key: see
/// [`pseudonymise_stored`].
impl SpamPseudonyms for SpamState {
    fn observable(&self, kind: ObservableKind, value: &str) -> Option<String> {
        let personal = match kind {
            ObservableKind::PhoneNumber | ObservableKind::Email => true,
            ObservableKind::SenderId => !value.chars().any(char::is_alphabetic),
            _ => false,
        };
        personal.then(|| self.key.pseudonym_hex(value))
    }

    fn text(&self, text: &str) -> String {
        c5hub_spam::indicators::redact_text(text, self.region(), &self.key)
    }
}

/// Rewrites what older versions stored in clear in the incidents made
/// from spam reports (the store's migration 7 marks them; each is
/// rewritten once, and a store with none marked costs one query). Run by
/// the server at start, before it serves, with the key it serves with.
pub(crate) fn pseudonymise_stored(
    location: &c5hub_store::Location,
    options: &c5hub_store::Options,
    state: &SpamState,
) -> Result<usize, String> {
    let mut store =
        c5hub_store::Store::open(location, options.clone()).map_err(|e| e.to_string())?;
    let n = store
        .pseudonymise_spam_incidents(state)
        .map_err(|e| format!("pseudonymising stored spam incidents: {e}"))?;
    if n > 0 {
        tracing::info!(
            incidents = n,
            "spam: phone numbers and e-mail addresses of older spam incidents replaced by pseudonyms"
        );
    }
    Ok(n)
}

impl SpamState {
    fn model(&self) -> std::sync::RwLockReadGuard<'_, Model> {
        // A panic while learning cannot leave the weights half-written in a
        // way that matters more than refusing every later request would.
        self.model.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Decides one report (rules, then model) and extracts its indicators.
    pub(crate) fn process(&self, report: SpamReport) -> Processed {
        let mut ws = Workspace::default();
        analysis::process(
            report,
            &self.rules,
            &self.model(),
            self.settings.region.as_deref(),
            &mut ws,
        )
    }

    /// A processed report as JSON, with the reasons.
    pub(crate) fn report_json(&self, p: &Processed) -> Value {
        analysis::report_json(p, &self.model(), &self.key, REASONS)
    }

    /// The features that weighed most for a stored report's text, under
    /// the current model. Word features keep digits as written, so for
    /// anyone but the reporting operator their numbers and addresses are
    /// pseudonyms, as in the text.
    pub(crate) fn reasons(&self, r: &SpamReportRow, caller_org: &str) -> Vec<Value> {
        let own = r.operator == caller_org;
        self.model()
            .explain(&r.text, REASONS)
            .top
            .iter()
            .map(|c| {
                let feature = if own {
                    c.feature.clone()
                } else {
                    SpamPseudonyms::text(self, &c.feature)
                };
                json!({"feature": feature, "weight": c.weight})
            })
            .collect()
    }

    /// One online step from a confirmed verdict of `org`, at most as large
    /// as what is left of `org`'s learning budget for the last 24 hours;
    /// writes the model back to `spam.model_file` when set.
    pub(crate) fn learn(&self, org: &str, text: &str, spam: bool) -> Result<Learned, String> {
        let mut m = self.model.write().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let left = {
            let mut logs = self.verdict_log();
            let log = logs.entry(org.to_owned()).or_default();
            while log
                .learned
                .front()
                .is_some_and(|(t, _)| now.duration_since(*t) >= DAY)
            {
                log.learned.pop_front();
            }
            self.learning_budget - log.learned.iter().map(|(_, g)| g).sum::<f64>()
        };
        let mut ws = Workspace::default();
        if left <= 1e-9 {
            let before = m.classify(text, &mut ws).score;
            tracing::warn!(target: "c5hub::spam", org, "spam: learning budget spent, the model does not learn from this verdict");
            return Ok(Learned {
                score_before: before,
                examples: m.examples(),
                step: 0.0,
            });
        }
        let (before, step) = m.learn_limited(text, spam, left.min(1.0) as f32, &mut ws);
        self.verdict_log()
            .entry(org.to_owned())
            .or_default()
            .learned
            .push_back((now, f64::from(step)));
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Some(p) = &self.model_file {
            // Write then rename, so a crash never leaves half a model.
            let tmp = p.with_extension("tmp");
            std::fs::write(&tmp, m.to_bytes())
                .and_then(|()| std::fs::rename(&tmp, p))
                .map_err(|e| format!("writing spam.model_file {}: {e}", p.display()))?;
        }
        Ok(Learned {
            score_before: before,
            examples: m.examples(),
            step,
        })
    }

    /// The model's score for a text, without learning.
    fn score(&self, text: &str) -> f32 {
        self.model().classify(text, &mut Workspace::default()).score
    }
}

/// What the caller's organisation may do with spam data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    /// A telecom operator: submits, reads and confirms its own reports.
    Operator,
    /// The hub's own organisation: reads and confirms every operator's
    /// reports (senders of other operators as pseudonyms).
    Hub,
    /// A regulator: reads the impact metrics.
    Regulator,
    /// Any other member: campaigns, the reputation feed, classification.
    Member,
}

impl Access {
    pub(crate) async fn of(state: &AppState, p: &Principal) -> Result<Access, Problem> {
        if p.org == state.config.org {
            return Ok(Access::Hub);
        }
        let org = p.org.clone();
        let kind = state.pool.run(move |s| s.org(&org)).await?.map(|o| o.kind);
        Ok(match kind {
            Some(OrgKind::Operator) => Access::Operator,
            Some(OrgKind::Regulator) => Access::Regulator,
            _ => Access::Member,
        })
    }

    /// Whose reports the caller reads: `Some(org)` its own, `None` all.
    pub(crate) fn reports_of(self, p: &Principal) -> Result<Option<&str>, Problem> {
        match self {
            Access::Operator => Ok(Some(&p.org)),
            Access::Hub => Ok(None),
            _ => Err(Problem::forbidden(
                "spam reports are read by the reporting operator and the hub's own organisation; other members read campaigns, the reputation feed and (regulators) the impact metrics",
            )),
        }
    }

    pub(crate) fn reads_impact(self) -> bool {
        self != Access::Member
    }
}

/// One report as submitted, before the key hashes its recipient.
#[derive(Clone, Debug)]
pub(crate) struct Incoming {
    pub(crate) channel: Channel,
    pub(crate) text: String,
    pub(crate) sender: Option<String>,
    pub(crate) recipient: Option<String>,
    pub(crate) received_at: Option<DateTime<Utc>>,
    pub(crate) reported_at: Option<DateTime<Utc>>,
    pub(crate) verdict: UserVerdict,
}

/// One stored report, as acknowledged.
pub(crate) struct Submitted {
    pub(crate) key: i64,
    pub(crate) new: bool,
    pub(crate) processed: Processed,
    /// (incident key, global id) of the incident confirmed spam became.
    pub(crate) incident: Option<(i64, String)>,
}

impl Submitted {
    pub(crate) fn to_json(&self, spam: &SpamState) -> Value {
        json!({
            "key": self.key,
            "outcome": if self.new { "new" } else { "duplicate" },
            "location": format!("/api/v1/spam/reports/{}", self.key),
            "report": spam.report_json(&self.processed),
            "incident": self.incident.as_ref().map(|(k, g)| json!({"id": k, "global_id": g})),
        })
    }
}

/// Builds reports for `operator`; an error names the report's index.
pub(crate) fn reports_from(
    key: &PseudonymKey,
    operator: &str,
    incoming: Vec<Incoming>,
    now: DateTime<Utc>,
) -> Result<Vec<SpamReport>, Vec<(usize, String)>> {
    let mut out = Vec::with_capacity(incoming.len());
    let mut errors = Vec::new();
    for (i, r) in incoming.into_iter().enumerate() {
        if r.text.trim().is_empty() {
            errors.push((i, "text is empty".to_owned()));
            continue;
        }
        match SpamReport::new(
            r.channel,
            operator,
            &r.text,
            r.sender.as_deref(),
            r.recipient.as_deref(),
            r.received_at,
            r.reported_at.unwrap_or(now),
            r.verdict,
            key,
        ) {
            Ok(rep) => out.push(rep),
            Err(e) => errors.push((i, e)),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// Decides, stores and acknowledges reports of `principal`'s organisation:
/// every report is committed before the answer, and the confirmed spam
/// among the new ones becomes incidents through the writer.
pub(crate) async fn submit(
    state: &AppState,
    principal: &Principal,
    reports: Vec<SpamReport>,
) -> Result<Vec<Submitted>, Problem> {
    let spam = state.spam.clone();
    let processed: Vec<Processed> =
        tokio::task::spawn_blocking(move || reports.into_iter().map(|r| spam.process(r)).collect())
            .await
            .map_err(|e| Problem::internal(e.to_string()))?;
    let processed = Arc::new(processed);
    let stored = {
        let processed = processed.clone();
        state
            .pool
            .run(move |s| {
                processed
                    .iter()
                    .map(|p| {
                        let by = p.decision.decided_by();
                        s.add_spam_report(&stored_report(p, &by, None))
                    })
                    .collect::<Result<Vec<(i64, bool)>, _>>()
            })
            .await?
    };
    let processed = Arc::try_unwrap(processed).unwrap_or_else(|a| (*a).clone());
    let mut subs = Vec::new();
    let mut wanted = Vec::new();
    for (i, (p, (_, new))) in processed.iter().zip(&stored).enumerate() {
        if !(p.confirmed && *new) {
            continue;
        }
        let incident = state
            .spam
            .incident(p, p.smishing)
            .map_err(Problem::internal)?;
        wanted.push((i, incident.id.to_string()));
        subs.push(OwnedSubmission {
            incident,
            reporter: principal.org.clone(),
            source: format!("api-spam:{}", principal.name),
            shared_with: Vec::new(),
            recipients: Vec::new(),
        });
    }
    let outcomes = if subs.is_empty() {
        Vec::new()
    } else {
        state.writer.submit(subs).await?
    };
    let mut incidents: HashMap<usize, (i64, String)> = wanted
        .into_iter()
        .zip(outcomes)
        .map(|((i, g), o)| (i, (o.key(), g)))
        .collect();
    for (p, (_, new)) in processed.iter().zip(&stored) {
        state
            .metrics
            .observe_spam_report(if *new { "new" } else { "duplicate" }, p.decision.label());
    }
    tracing::info!(
        target: "c5hub::spam",
        operator = %principal.org,
        received = processed.len(),
        new = stored.iter().filter(|(_, n)| *n).count(),
        confirmed = processed.iter().filter(|p| p.confirmed).count(),
        incidents = incidents.len(),
        "spam reports stored"
    );
    let summary = stored
        .iter()
        .map(|(k, new)| format!("{k}{}", if *new { "" } else { "(duplicate)" }))
        .collect::<Vec<_>>()
        .join(" ");
    let (who, org) = (principal.name.clone(), principal.org.clone());
    state
        .pool
        .run(move |s| s.audit(&who, Some(&org), "spam.report", None, Some(&summary)))
        .await?;
    Ok(processed
        .into_iter()
        .zip(stored)
        .enumerate()
        .map(|(i, (p, (key, new)))| Submitted {
            key,
            new,
            processed: p,
            incident: incidents.remove(&i),
        })
        .collect())
}

/// What confirming a verdict did.
pub(crate) struct Confirmed {
    pub(crate) row: SpamReportRow,
    /// The model's score for the text before it learned from it.
    pub(crate) score_before: f32,
    /// Examples the model has learned from.
    pub(crate) examples: u64,
    /// Whether the model learned from this verdict, and how large a step.
    pub(crate) step: f32,
    /// (key, global id) of the incident confirmed spam is stored as.
    pub(crate) incident: Option<(i64, String)>,
}

/// Records an analyst's verdict on a report the caller may read, lets the
/// model learn from it, and audits it. An analyst's "spam" outweighs the
/// filter: the report becomes an incident (reported by its operator) even
/// if the filter had let it through; storing it twice is a no-op.
///
/// The shared model is protected from one organisation's verdicts: at most
/// `spam.verdicts_per_hour` verdicts an hour (429 past it), one learning
/// step per report and verdict (the same verdict again teaches nothing, a
/// changed one takes one step the other way), and no more learning than
/// `spam.learning_budget` a day.
pub(crate) async fn confirm(
    state: &AppState,
    principal: &Principal,
    key: i64,
    verdict: UserVerdict,
) -> Result<Confirmed, Problem> {
    let of = Access::of(state, principal)
        .await?
        .reports_of(principal)?
        .map(str::to_owned);
    if let Err(wait) = state.spam.admit_verdict(&principal.org) {
        return Err(Problem::new(
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            "too-many-verdicts",
            "Too many verdicts",
            format!(
                "at most {} verdicts an hour per organisation (spam.verdicts_per_hour); try again in {} seconds",
                state.spam.verdicts_per_hour,
                wait.as_secs().max(1)
            ),
        ));
    }
    let by = principal.org.clone();
    let row = state
        .pool
        .run(move |st| {
            let row = st.confirm_spam_verdict(key, of.as_deref(), verdict.as_str(), Some(&by))?;
            let first = match &row {
                Some(_) => st.mark_spam_learned(key, verdict.as_str())?,
                None => false,
            };
            Ok::<_, c5hub_store::Error>(row.map(|r| (r, first)))
        })
        .await?
        .ok_or_else(|| Problem::not_found(format!("spam report {key}")))?;
    let (row, first) = row;
    let spam = state.spam.clone();
    let report = report_from_row(&row)
        .ok_or_else(|| Problem::internal(format!("spam report {key} has an unknown channel")))?;
    let org = principal.org.clone();
    let (learned, incident) = tokio::task::spawn_blocking(move || {
        let learned = if first {
            spam.learn(&org, &report.text, verdict == UserVerdict::Spam)?
        } else {
            // This report already taught the model this verdict.
            Learned {
                score_before: spam.score(&report.text),
                examples: spam.model().examples(),
                step: 0.0,
            }
        };
        // The snapshot follows the verdict (confirmed spam, hub listings).
        spam.generation.fetch_add(1, Ordering::SeqCst);
        let incident = if verdict == UserVerdict::Spam {
            let p = spam.process(report);
            let smishing = p.indicators.smishing(true);
            Some(spam.incident(&p, smishing)?)
        } else {
            None
        };
        Ok::<_, String>((learned, incident))
    })
    .await
    .map_err(|e| Problem::internal(e.to_string()))?
    .map_err(Problem::internal)?;
    let incident = match incident {
        Some(inc) => {
            let global = inc.id.to_string();
            let outcome = state
                .writer
                .submit(vec![OwnedSubmission {
                    incident: inc,
                    reporter: row.operator.clone(),
                    source: format!("api-spam-verdict:{}", principal.name),
                    shared_with: Vec::new(),
                    recipients: Vec::new(),
                }])
                .await?;
            outcome.first().map(|o| (o.key(), global))
        }
        None => None,
    };
    let (who, org, detail) = (
        principal.name.clone(),
        principal.org.clone(),
        format!(
            "spam report {key}: {} (model step {:.3})",
            verdict.as_str(),
            learned.step
        ),
    );
    state
        .pool
        .run(move |st| st.audit(&who, Some(&org), "spam.verdict", None, Some(&detail)))
        .await?;
    Ok(Confirmed {
        row,
        score_before: learned.score_before,
        examples: learned.examples,
        step: learned.step,
        incident,
    })
}

fn report_from_row(r: &SpamReportRow) -> Option<SpamReport> {
    Some(SpamReport {
        id: r.id.clone(),
        channel: r.channel.parse().ok()?,
        operator: r.operator.clone(),
        text: r.text.clone(),
        sender: r.sender.clone(),
        recipient_hash: r.recipient_hash.clone(),
        received_at: r.received_at,
        reported_at: r.reported_at,
        verdict: r.verdict.parse().ok()?,
    })
}

/// The snapshot of campaigns, reputation and impact over the stored
/// reports of the window, recomputed when a report was added or a verdict
/// or the model changed since the last one.
pub(crate) async fn snapshot(state: &AppState) -> Result<Arc<Snapshot>, Problem> {
    let spam = state.spam.clone();
    let (count, max_key) = state.pool.run(|s| s.spam_reports_state()).await?;
    let version = (count, max_key, spam.generation.load(Ordering::SeqCst));
    if let Ok(g) = spam.snapshot.lock() {
        if let Some(s) = g.as_ref().filter(|s| s.version == version) {
            return Ok(s.clone());
        }
    }
    let since = Utc::now() - chrono::Duration::days(i64::from(spam.window_days));
    // The newest reports by key, so that past the cap it is the oldest
    // that are left out; then the window.
    let mut rows = state
        .pool
        .run(move |s| s.latest_spam_reports(None, None, MAX_SNAPSHOT_REPORTS))
        .await?;
    let capped = rows.len() == MAX_SNAPSHOT_REPORTS;
    rows.retain(|r| r.reported_at >= since);
    if capped {
        tracing::warn!(
            cap = MAX_SNAPSHOT_REPORTS,
            "spam: campaigns, feed and impact computed over the newest reports only"
        );
    }
    let hub = state.config.org.clone();
    let snap = tokio::task::spawn_blocking(move || {
        let hub_confirmed: HashSet<(String, String)> = rows
            .iter()
            .filter(|r| r.verdict == "spam" && r.verdict_by.as_deref() == Some(hub.as_str()))
            .map(|r| (r.operator.clone(), r.id.clone()))
            .collect();
        let last_change = rows
            .iter()
            .map(|r| r.stored_at)
            .max()
            .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
        let reports: Vec<SpamReport> = rows.iter().filter_map(report_from_row).collect();
        let analysis = analysis::analyse_with(
            reports,
            &spam.rules,
            &spam.model(),
            &spam.settings,
            &hub_confirmed,
        );
        let campaign_of = analysis
            .processed
            .iter()
            .filter_map(|p| {
                p.campaign
                    .map(|c| ((p.report.operator.clone(), p.report.id.clone()), c))
            })
            .collect();
        let snap = Arc::new(Snapshot {
            version,
            analysis,
            last_change,
            campaign_of,
        });
        if let Ok(mut g) = spam.snapshot.lock() {
            *g = Some(snap.clone());
        }
        snap
    })
    .await
    .map_err(|e| Problem::internal(e.to_string()))?;
    Ok(snap)
}

/// A stored report as the caller may see it: never the recipient (only
/// whether one was given); the sender and the text in clear for the
/// reporting operator; for the hub's analysts reading another operator's
/// report, the sender as a pseudonym unless it is an alphanumeric sender
/// id, and the text's numbers and addresses as pseudonyms.
pub(crate) fn row_json(spam: &SpamState, r: &SpamReportRow, caller_org: &str) -> Value {
    let own = r.operator == caller_org;
    let sender = r.sender.as_deref().map(|s| {
        if own {
            s.to_owned()
        } else {
            c5hub_spam::indicators::shared_raw_sender(s, spam.region(), &spam.key)
        }
    });
    let text = if own {
        r.text.clone()
    } else {
        SpamPseudonyms::text(spam, &r.text)
    };
    json!({
        "key": r.key,
        "id": r.id,
        "operator": r.operator,
        "channel": r.channel,
        "text": text,
        "sender": sender,
        "recipient_given": r.recipient_hash.is_some(),
        "received_at": r.received_at.map(|t| t.to_rfc3339()),
        "reported_at": r.reported_at.to_rfc3339(),
        "stored_at": r.stored_at.to_rfc3339(),
        "verdict": r.verdict,
        "label": r.label,
        "score": r.score,
        "decided_by": r.decided_by,
        "smishing": r.smishing,
    })
}
