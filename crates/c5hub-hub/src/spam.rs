//! Countering spam: who may do what with spam reports, and every use case
//! the doors share (submitting reports, the two-step intake, reading them,
//! verdicts, classification, and the campaigns, reputation feed and impact
//! metrics derived from all stored reports).
//!
//! # Who may do what
//!
//! - A **telecom operator** (organisation type `operator`) submits reports
//!   (roles `reporter` and up), reads its own, and confirms verdicts on its
//!   own (analysts and admins).
//! - The **hub's own organisation** reads every operator's reports (another
//!   operator's sender and text only with numbers and addresses as
//!   pseudonyms) and confirms verdicts on any of them.
//! - **Regulators** read the impact metrics (as do operators and the hub).
//! - **Every member** classifies text, reads campaigns, the reputation
//!   feed and the rules in force.
//! - The **console** (`c5hub spam reports --store`) stores reports for the
//!   operators its files name, as the hub would.
//!
//! The shared model is guarded per organisation: at most
//! `verdicts_per_hour` verdicts an hour, one learning step per report and
//! verdict, and at most `learning_budget` of learning a day.
//!
//! [`SpamDesk`] holds what every door shares: the pseudonym key, the
//! X.1242 rules, the model behind a lock, the settings and the counters.
//! The server builds one at start; the command line builds one per run.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use c5hub_model::{ObservableKind, OrgKind, Role, Tlp};
use c5hub_spam::analysis::{self, Analysis, Evidence, Processed, Settings};
use c5hub_spam::report::{Channel, PseudonymKey, SpamReport, UserVerdict};
use c5hub_spam::reputation::{EntryKind, Policy};
use c5hub_spam::rules::{Action, Rules};
use c5hub_spam::{Model, Workspace};
use c5hub_store::{
    LookupPage, NewSpamReport, Principal, SpamPseudonyms, SpamReportRow, Store, Submission,
};
use chrono::{DateTime, Utc};

use crate::{Authority, Error};

/// How many features an answer names as reasons.
pub const REASONS: usize = 5;
/// Most reports (or messages to classify) one request may carry.
pub const MAX_BATCH: usize = 1000;
/// Most reports a snapshot is computed over.
const MAX_SNAPSHOT_REPORTS: usize = 500_000;
/// The longest sender the two-step intake accepts.
const MAX_SENDER_BYTES: usize = 320;

/// Log-odds a value listed in incidents the submitting organisation
/// reads adds to the model's (σ(logit(0.255) + 2.5) = 0.80: the demo's
/// parcel-fee smishing on a listed domain is caught).
pub const LISTED_IN_INCIDENTS: f32 = 2.5;
/// Log-odds a value on the hub's reputation feed adds.
pub const ON_THE_FEED: f32 = 2.5;
/// Incidents a knowledge look-up counts at most.
const KNOWLEDGE_LOOKUP: usize = 200;

const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(24 * 3600);

/// What a [`SpamDesk`] is built from: the hub's `[spam]` settings, with
/// the files already read.
pub struct DeskSettings {
    /// Key of recipient hashes and pseudonyms.
    pub key: PseudonymKey,
    /// X.1242 rules evaluated before the model.
    pub rules: Rules,
    /// The model verdicts update.
    pub model: Model,
    /// Where the model is written back after each learning step.
    pub model_file: Option<PathBuf>,
    /// Region national numbers are read with.
    pub region: Option<String>,
    /// TLP of the incidents confirmed spam becomes.
    pub incident_tlp: Tlp,
    /// Subscribers per operator (impact per thousand subscribers).
    pub subscribers: HashMap<String, u64>,
    /// Days of reports campaigns, feed and impact are computed over.
    pub window_days: u32,
    /// Confidence at which a value is listed in the feed (0..1).
    pub listing_confidence: f64,
    /// Days a listing lives without a new sighting.
    pub ttl_days: u32,
    /// Operators that must report a value before it is listed.
    pub listing_min_operators: usize,
    /// Verdicts an organisation may post an hour.
    pub verdicts_per_hour: u32,
    /// How far one organisation's verdicts may move the model a day.
    pub learning_budget: f64,
}

/// One rule in force, as the doors list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInForce {
    /// The rule's id.
    pub id: String,
    /// `allow` or `block`.
    pub action: &'static str,
    /// Whether it applies to every recipient (else to one).
    pub global: bool,
}

/// The hub's spam settings, model and counters, shared by every door.
pub struct SpamDesk {
    key: PseudonymKey,
    rules: Rules,
    rule_list: Vec<RuleInForce>,
    model: RwLock<Model>,
    model_file: Option<PathBuf>,
    settings: Settings,
    tlp: Tlp,
    subscribers: HashMap<String, u64>,
    window_days: u32,
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

/// What the caller's organisation may do with spam data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A telecom operator: submits, reads and confirms its own reports.
    Operator,
    /// The hub's own organisation (or the console): reads and confirms
    /// every operator's reports.
    Hub,
    /// A regulator: reads the impact metrics.
    Regulator,
    /// Any other member: campaigns, the reputation feed, classification.
    Member,
}

impl Access {
    /// What `who` may do, from its organisation's type.
    pub fn of(store: &mut Store, who: &Authority) -> Result<Access, Error> {
        let (p, hub_org) = match who {
            Authority::Console { .. } => return Ok(Access::Hub),
            Authority::Member { principal, hub_org } => (principal, hub_org),
            // Spam reports name subscribers and operators' traffic: the
            // desk is for authenticated members and the console only.
            Authority::ReadingAs { .. } | Authority::Public => {
                return Err(Error::Forbidden(
                    "the spam desk is for members' users and tokens".to_owned(),
                ));
            }
        };
        if p.org == *hub_org {
            return Ok(Access::Hub);
        }
        Ok(match store.accounts().org(&p.org)?.map(|o| o.kind) {
            Some(OrgKind::Operator) => Access::Operator,
            Some(OrgKind::Regulator) => Access::Regulator,
            _ => Access::Member,
        })
    }

    /// Whose reports the caller reads: `Some(org)` its own, `None` all.
    pub fn reports_of(self, who: &Authority) -> Result<Option<String>, Error> {
        match (self, who) {
            (Access::Operator, Authority::Member { principal, .. }) => {
                Ok(Some(principal.org.clone()))
            }
            (Access::Hub, _) => Ok(None),
            _ => Err(Error::Forbidden(
                "spam reports are read by the reporting operator and the hub's own organisation; other members read campaigns, the reputation feed and (regulators) the impact metrics".to_owned(),
            )),
        }
    }

    /// Whether the caller reads the impact metrics.
    pub fn reads_impact(self) -> bool {
        self != Access::Member
    }
}

/// A member's principal, or `None` on the console.
fn principal(who: &Authority) -> Option<&Principal> {
    match who {
        Authority::Member { principal, .. } => Some(principal),
        Authority::Console { .. } | Authority::ReadingAs { .. } | Authority::Public => None,
    }
}

fn role_allows(who: &Authority, may: fn(Role) -> bool, what: &str) -> Result<(), Error> {
    match who {
        Authority::Member { principal: p, .. } if !may(p.role) => {
            Err(Error::Forbidden(format!("role {} may not {what}", p.role)))
        }
        Authority::Member { .. } | Authority::Console { .. } => Ok(()),
        Authority::ReadingAs { .. } | Authority::Public => {
            Err(Error::Forbidden(format!("only members may {what}")))
        }
    }
}

/// The organisation reports are submitted for: a member operator's own
/// (role `reporter` and up); the console submits for the operators its
/// reports name (`None`).
pub fn submitter(store: &mut Store, who: &Authority) -> Result<Option<String>, Error> {
    role_allows(who, Role::can_submit, "submit spam reports")?;
    match (Access::of(store, who)?, principal(who)) {
        (_, None) => Ok(None),
        (Access::Operator, Some(p)) => Ok(Some(p.org.clone())),
        _ => Err(Error::Forbidden(
            "spam reports are submitted by telecom operators (organisation type operator)"
                .to_owned(),
        )),
    }
}

/// Incidents `who` reads that hold `value` or a value on its domain (or,
/// for a domain, on its sub-domains); 0 when `value` is no observable.
fn readable_incidents(store: &mut Store, who: &Authority, value: &str) -> Result<usize, Error> {
    let page = LookupPage {
        before: None,
        limit: KNOWLEDGE_LOOKUP,
    };
    match crate::reads::lookup(store, who, value, page) {
        Ok(l) => Ok(l.total),
        Err(Error::Invalid { .. }) => Ok(0),
        Err(e) => Err(e),
    }
}

fn incidents_word(n: usize) -> String {
    format!("{n} incident{}", if n == 1 { "" } else { "s" })
}

/// What the model learned from one verdict.
struct Learned {
    score_before: f32,
    examples: u64,
    step: f32,
}

impl SpamDesk {
    /// A desk from settings already read; an error names the setting.
    pub fn new(s: DeskSettings) -> Result<SpamDesk, Error> {
        if !(0.0..=1.0).contains(&s.listing_confidence) || s.ttl_days == 0 || s.window_days == 0 {
            return Err(Error::Invalid {
                field: "spam",
                detail: "spam.listing_confidence must be in 0..1, spam.ttl_days and spam.window_days at least 1".to_owned(),
            });
        }
        if s.listing_min_operators == 0 || !s.learning_budget.is_finite() || s.learning_budget < 0.0
        {
            return Err(Error::Invalid {
                field: "spam",
                detail: "spam.listing_min_operators must be at least 1 and spam.learning_budget at least 0".to_owned(),
            });
        }
        let rule_list = s
            .rules
            .iter()
            .map(|r| RuleInForce {
                id: r.id.clone(),
                action: match r.action {
                    Action::Allow => "allow",
                    Action::Block => "block",
                },
                global: r.is_global(),
            })
            .collect();
        Ok(SpamDesk {
            key: s.key,
            rules: s.rules,
            rule_list,
            model: RwLock::new(s.model),
            model_file: s.model_file,
            settings: Settings {
                region: s.region,
                policy: Policy {
                    listing_confidence: s.listing_confidence,
                    ttl: chrono::Duration::days(i64::from(s.ttl_days)),
                    min_operators: s.listing_min_operators,
                    publisher: "c5hub",
                },
                ..Settings::default()
            },
            tlp: s.incident_tlp,
            subscribers: s.subscribers,
            window_days: s.window_days,
            generation: AtomicU64::new(0),
            snapshot: Mutex::new(None),
            verdicts_per_hour: s.verdicts_per_hour,
            learning_budget: s.learning_budget,
            verdict_log: Mutex::new(HashMap::new()),
        })
    }

    /// The pseudonym key.
    pub fn key(&self) -> &PseudonymKey {
        &self.key
    }

    /// The region national numbers are read with.
    pub fn region(&self) -> Option<&str> {
        self.settings.region.as_deref()
    }

    /// Subscribers per operator.
    pub fn subscribers(&self) -> &HashMap<String, u64> {
        &self.subscribers
    }

    /// Days of reports the derived views cover.
    pub fn window_days(&self) -> u32 {
        self.window_days
    }

    /// The model, for reading (explanations, JSON of a decision).
    pub fn model(&self) -> RwLockReadGuard<'_, Model> {
        // A panic while learning cannot leave the weights half-written in a
        // way that matters more than refusing every later request would.
        self.model.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The rules in force; every member reads them.
    pub fn rules(&self, _who: &Authority) -> &[RuleInForce] {
        &self.rule_list
    }

    /// Decides one report (rules, then model) and extracts its indicators.
    pub fn process(&self, report: SpamReport) -> Processed {
        let mut ws = Workspace::default();
        analysis::process(
            report,
            &self.rules,
            &self.model(),
            self.settings.region.as_deref(),
            &mut ws,
        )
    }

    /// [`SpamDesk::process`], then the hub's knowledge weighed in
    /// ([`SpamDesk::evidence`], `c5hub_spam::analysis::weigh`): what
    /// `who`'s organisation may read of it, never more.
    pub fn process_knowing(
        &self,
        store: &mut Store,
        who: &Authority,
        report: SpamReport,
    ) -> Result<Processed, Error> {
        let mut p = self.process(report);
        let evidence = self.evidence(store, who, &p)?;
        let threshold = self.model().threshold();
        analysis::weigh(&mut p, evidence, threshold);
        Ok(p)
    }

    /// What the hub already knows about a processed message's values, as
    /// `who` may read it: its domains (a shortener's URL itself), call-back
    /// numbers, e-mail addresses and sender in incidents `who` reads
    /// (TLP as every read: an incident `who` may not read neither counts
    /// nor is named), on the reputation feed as last computed, and how
    /// many reports of the window carry the same number (told, not
    /// counted: reports are one subscriber's word). Says nothing that
    /// names a number or address.
    pub fn evidence(
        &self,
        store: &mut Store,
        who: &Authority,
        p: &Processed,
    ) -> Result<Vec<Evidence>, Error> {
        // The console acts for no organisation: it weighs what the
        // report's operator reads.
        let as_operator;
        let who = match who {
            Authority::Console { .. } => {
                as_operator = Authority::ReadingAs {
                    org: p.report.operator.clone(),
                };
                &as_operator
            }
            _ => who,
        };
        let mut out = Vec::new();
        let feed: Option<Arc<Snapshot>> =
            self.snapshot.lock().ok().and_then(|g| g.as_ref().cloned());
        let now = Utc::now();
        let listed = |kind: EntryKind, value: &str| {
            feed.as_ref().is_some_and(|s| {
                s.analysis
                    .reputation
                    .feed(now, None)
                    .iter()
                    .any(|e| e.kind == kind && e.value == value)
            })
        };
        for u in &p.indicators.urls {
            // The registrable domain, or the host when no public suffix
            // is known (`.test`); a shortener's URL itself, since its
            // domain says nothing of where it leads.
            let domain = match (&u.registrable_domain, u.shortener) {
                (_, true) => None,
                (Some(d), false) => Some(d.as_str()),
                (None, false) => u.url.domain_part(),
            };
            let (value, what) = match domain {
                Some(d) => (d.to_owned(), format!("URL on a domain ({d})")),
                None => (u.url.value().to_owned(), "URL".to_owned()),
            };
            let n = readable_incidents(store, who, &value)?;
            if n > 0 {
                out.push(Evidence {
                    says: format!("{what} listed in {}", incidents_word(n)),
                    log_odds: LISTED_IN_INCIDENTS,
                });
            }
            let on_feed = match domain {
                Some(d) => listed(EntryKind::Domain, d) || listed(EntryKind::Url, u.url.value()),
                None => listed(EntryKind::Url, u.url.value()),
            };
            if on_feed {
                out.push(Evidence {
                    says: format!("{what} on the hub's reputation feed"),
                    log_odds: ON_THE_FEED,
                });
            }
        }
        let mut numbers: Vec<(&str, EntryKind, &str)> = p
            .indicators
            .phones
            .iter()
            .map(|o| ("call-back number", EntryKind::Phone, o.value()))
            .chain(
                p.indicators
                    .emails
                    .iter()
                    .map(|o| ("e-mail address", EntryKind::Email, o.value())),
            )
            .collect();
        if let Some(s) = &p.indicators.sender {
            if let Some(kind) = EntryKind::of_sender(s) {
                numbers.push(("sender", kind, s.value()));
            }
        }
        for (what, kind, value) in numbers {
            // Spam incidents hold numbers and addresses as the keyed
            // pseudonym, so that is what is looked up.
            let n = if kind.is_personal() || kind == EntryKind::Phone {
                readable_incidents(store, who, &self.key.pseudonym_hex(value))?
                    + readable_incidents(store, who, value)?
            } else {
                readable_incidents(store, who, value)?
            };
            if n > 0 {
                out.push(Evidence {
                    says: format!("{what} listed in {}", incidents_word(n)),
                    log_odds: LISTED_IN_INCIDENTS,
                });
            }
            if listed(kind, value) {
                out.push(Evidence {
                    says: format!("{what} on the hub's reputation feed"),
                    log_odds: ON_THE_FEED,
                });
            }
            let seen = feed
                .as_ref()
                .and_then(|s| s.seen.get(value).copied())
                .unwrap_or(0);
            if seen > 0 {
                out.push(Evidence {
                    says: format!(
                        "{what} seen in {seen} report{}",
                        if seen == 1 { "" } else { "s" }
                    ),
                    log_odds: 0.0,
                });
            }
        }
        Ok(out)
    }

    /// The incident a processed report becomes: numbers and addresses
    /// only as pseudonyms under the hub's key.
    pub fn incident(&self, p: &Processed, smishing: bool) -> Result<c5hub_model::Incident, Error> {
        c5hub_spam::indicators::to_incident(
            &p.report,
            &p.indicators,
            smishing,
            self.tlp,
            &self.key,
            self.region(),
        )
        .map_err(|e| Error::Invalid {
            field: "report",
            detail: format!("report {}: {e}", p.report.id),
        })
    }

    fn verdict_log(&self) -> std::sync::MutexGuard<'_, HashMap<String, VerdictLog>> {
        self.verdict_log.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts a verdict of `org` against its hourly limit; past it, how
    /// long until the next one is accepted.
    fn admit_verdict(&self, org: &str) -> Result<(), Duration> {
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

    /// One online step from a confirmed verdict of `org`, at most as large
    /// as what is left of `org`'s learning budget for the last 24 hours;
    /// writes the model back to the model file when set.
    fn learn(&self, org: &str, text: &str, spam: bool) -> Result<Learned, Error> {
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
                .map_err(|e| {
                    Error::Internal(format!("writing spam.model_file {}: {e}", p.display()))
                })?;
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

    /// The features that weighed most for a stored report's text, under
    /// the current model. Word features keep digits as written, so for
    /// anyone but the reporting operator their numbers and addresses are
    /// pseudonyms, as in the text.
    fn reasons(&self, r: &SpamReportRow, own: bool) -> Vec<Reason> {
        self.model()
            .explain(&r.text, REASONS)
            .top
            .iter()
            .map(|c| Reason {
                feature: if own {
                    c.feature.clone()
                } else {
                    SpamPseudonyms::text(self, &c.feature)
                },
                weight: c.weight,
            })
            .collect()
    }
}

/// Incidents written before pseudonymisation (marked by the store's
/// migration 7) are rewritten with the hub's key.
impl SpamPseudonyms for SpamDesk {
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

/// One report as submitted, before the key hashes its recipient.
#[derive(Clone, Debug)]
pub struct Incoming {
    /// SMS, e-mail, ...
    pub channel: Channel,
    /// The message.
    pub text: String,
    /// Who sent it.
    pub sender: Option<String>,
    /// The subscriber who received it (kept only as a keyed hash).
    pub recipient: Option<String>,
    /// When it was received.
    pub received_at: Option<DateTime<Utc>>,
    /// When it was reported (default: now).
    pub reported_at: Option<DateTime<Utc>>,
    /// What the subscriber said it is.
    pub verdict: UserVerdict,
}

/// Builds reports for `operator`; an error names the report's index.
pub fn reports_from(
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

/// One stored report, as acknowledged.
#[derive(Clone, Debug)]
pub struct Submitted {
    /// The store's key of the report.
    pub key: i64,
    /// False: the same report of the same operator was stored before.
    pub new: bool,
    /// The decision, indicators and campaign.
    pub processed: Processed,
    /// (incident key, global id) of the incident confirmed spam became.
    pub incident: Option<(i64, String)>,
}

/// Decides `reports` and stores them: see [`store_processed`].
pub fn submit(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    reports: Vec<SpamReport>,
) -> Result<Vec<Submitted>, Error> {
    let operator = submitter(store, who)?;
    if let Some(op) = &operator {
        if let Some(r) = reports.iter().find(|r| r.operator != *op) {
            return Err(Error::Invalid {
                field: "operator",
                detail: format!(
                    "reports are submitted for the caller's organisation ({op}) only, not {:?}",
                    r.operator
                ),
            });
        }
    }
    let mut processed = Vec::with_capacity(reports.len());
    for r in reports {
        let p = desk.process_knowing(store, who, r)?;
        processed.push((p, None));
    }
    store_processed(desk, who, store, processed)
}

/// Stores reports already decided (with the campaign fingerprint each
/// belongs to, when the caller computed campaigns over them), turns the
/// confirmed spam among the new ones into incidents reported by their
/// operator (with the hub's TLP for spam, numbers and addresses as
/// pseudonyms), and writes one audit line. Each step commits before the
/// next: the store offers no transaction across them, and each is
/// idempotent (a retried report is a duplicate, its incident is not made
/// twice).
pub fn store_processed(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    processed: Vec<(Processed, Option<String>)>,
) -> Result<Vec<Submitted>, Error> {
    let operator = submitter(store, who)?;
    if let (Some(op), Some((p, _))) = (
        &operator,
        processed
            .iter()
            .find(|(p, _)| operator.as_deref() != Some(p.report.operator.as_str())),
    ) {
        return Err(Error::Invalid {
            field: "operator",
            detail: format!(
                "reports are submitted for the caller's organisation ({op}) only, not {:?}",
                p.report.operator
            ),
        });
    }
    let mut stored = Vec::with_capacity(processed.len());
    for (p, campaign) in &processed {
        let by = p.decision.decided_by();
        stored.push(
            store
                .spam()
                .add_spam_report(&stored_report(p, &by, campaign.as_deref()))?,
        );
    }
    let source = match who {
        Authority::Member { principal, .. } => format!("api-spam:{}", principal.name),
        Authority::Console { name } => format!("spam-reports:{name}"),
        Authority::ReadingAs { .. } | Authority::Public => {
            return Err(Error::Forbidden(
                "only members submit spam reports".to_owned(),
            ));
        }
    };
    let mut wanted = Vec::new();
    for (i, ((p, _), (_, new))) in processed.iter().zip(&stored).enumerate() {
        if p.confirmed && *new {
            wanted.push((i, desk.incident(p, p.smishing)?));
        }
    }
    let mut incidents: HashMap<usize, (i64, String)> = HashMap::new();
    for chunk in wanted.chunks(1000) {
        let batch: Vec<Submission<'_>> = chunk
            .iter()
            .map(|(i, inc)| Submission {
                incident: inc,
                reporter: &processed[*i].0.report.operator,
                source: &source,
                shared_with: &[],
                recipients: &[],
            })
            .collect();
        let outcomes = store.incidents().ingest(&batch)?;
        for ((i, inc), o) in chunk.iter().zip(outcomes) {
            incidents.insert(*i, (o.key(), inc.id.to_string()));
        }
    }
    tracing::info!(
        target: "c5hub::spam",
        operator = operator.as_deref().unwrap_or("(console)"),
        received = processed.len(),
        new = stored.iter().filter(|(_, n)| *n).count(),
        confirmed = processed.iter().filter(|(p, _)| p.confirmed).count(),
        incidents = incidents.len(),
        "spam reports stored"
    );
    let summary = stored
        .iter()
        .map(|(k, new)| format!("{k}{}", if *new { "" } else { "(duplicate)" }))
        .collect::<Vec<_>>()
        .join(" ");
    store
        .accounts()
        .audit(who.name(), who.org(), "spam.report", None, Some(&summary))?;
    Ok(processed
        .into_iter()
        .zip(stored)
        .enumerate()
        .map(|(i, ((p, _), (key, new)))| Submitted {
            key,
            new,
            processed: p,
            incident: incidents.remove(&i),
        })
        .collect())
}

/// Step one of the two-step intake: the forwarded message, and the
/// subscriber's number, kept only as a keyed hash. Returns the intake id.
pub fn intake_start(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    text: &str,
    recipient: Option<&str>,
) -> Result<i64, Error> {
    let op = submitter(store, who)?.ok_or_else(|| {
        Error::Forbidden("the two-step intake is an operator's, over the API".to_owned())
    })?;
    if text.trim().is_empty() {
        return Err(Error::Invalid {
            field: "/text",
            detail: "the forwarded message is empty".to_owned(),
        });
    }
    let hash = recipient
        .map(str::trim)
        .filter(|r| !r.is_empty())
        .map(|r| desk.key.pseudonym(r));
    Ok(store.spam().start_spam_intake(&op, hash.as_deref(), text)?)
}

/// Step two: the sender. The report is decided, stored and acknowledged;
/// returns it.
pub fn intake_complete(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    intake: i64,
    sender: &str,
) -> Result<Submitted, Error> {
    let op = submitter(store, who)?.ok_or_else(|| {
        Error::Forbidden("the two-step intake is an operator's, over the API".to_owned())
    })?;
    let sender = sender.trim();
    if sender.is_empty() || sender.len() > MAX_SENDER_BYTES {
        return Err(Error::Invalid {
            field: "/sender",
            detail: "the sender is empty or longer than 320 bytes".to_owned(),
        });
    }
    let done = store.spam().complete_spam_intake(intake, &op, sender)?;
    let mut report = SpamReport::new(
        Channel::Sms,
        &op,
        &done.text,
        Some(&done.sender),
        None,
        None,
        done.started_at,
        UserVerdict::Spam,
        &desk.key,
    )
    .map_err(|e| Error::Invalid {
        field: "/sender",
        detail: e,
    })?;
    // The subscriber's number was hashed at step one; it is never seen
    // again in clear.
    report.recipient_hash = done.recipient_hash;
    let one = submit(desk, who, store, vec![report])?
        .pop()
        .ok_or_else(|| Error::Internal("a stored report went missing".to_owned()))?;
    store.spam().acknowledge_spam_intake(intake, one.key)?;
    Ok(one)
}

/// A feature that weighed in a decision.
#[derive(Clone, Debug, PartialEq)]
pub struct Reason {
    /// The feature (numbers and addresses as pseudonyms for anyone but
    /// the reporting operator).
    pub feature: String,
    /// Its weight.
    pub weight: f32,
}

/// A stored report as the caller may see it: never the recipient (only
/// whether one was given); the sender and the text in clear for the
/// reporting operator; for the hub reading another operator's report, the
/// sender as a pseudonym unless it is an alphanumeric sender id, and the
/// text's numbers and addresses as pseudonyms.
#[derive(Clone, Debug)]
pub struct ReportView {
    /// The stored row, with `sender` and `text` already as the caller
    /// may see them and the recipient hash removed.
    pub row: SpamReportRow,
    /// Whether the report named a recipient.
    pub recipient_given: bool,
}

impl SpamDesk {
    /// A stored row as `who` may see it.
    pub fn view(&self, who: &Authority, r: &SpamReportRow) -> ReportView {
        let own = who.org() == Some(r.operator.as_str());
        let mut row = r.clone();
        if !own {
            row.sender = r
                .sender
                .as_deref()
                .map(|s| c5hub_spam::indicators::shared_raw_sender(s, self.region(), &self.key));
            row.text = SpamPseudonyms::text(self, &r.text);
        }
        row.recipient_hash = None;
        ReportView {
            row,
            recipient_given: r.recipient_hash.is_some(),
        }
    }
}

/// A page of reports, newest first.
#[derive(Clone, Debug)]
pub struct ReportPage {
    /// The reports.
    pub items: Vec<ReportView>,
    /// The cursor of the next page, if there may be one.
    pub next_cursor: Option<i64>,
}

/// The reports `who` reads, newest first: an operator's own; the hub's
/// every operator's (or one's, with `operator`).
pub fn list(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    operator: Option<&str>,
    cursor: Option<i64>,
    limit: usize,
) -> Result<ReportPage, Error> {
    let mut of = Access::of(store, who)?.reports_of(who)?;
    if let Some(op) = operator.map(str::trim).filter(|v| !v.is_empty()) {
        match &of {
            None => of = Some(op.to_owned()),
            Some(own) if own == op => {}
            Some(_) => {
                return Err(Error::Forbidden(
                    "query parameter operator: an operator reads its own reports only".to_owned(),
                ));
            }
        }
    }
    let rows = store
        .spam()
        .latest_spam_reports(of.as_deref(), cursor, limit)?;
    let next_cursor = (rows.len() == limit)
        .then(|| rows.last().map(|r| r.key))
        .flatten();
    Ok(ReportPage {
        items: rows.iter().map(|r| desk.view(who, r)).collect(),
        next_cursor,
    })
}

/// The `limit` reports `who` reads that were reported last, in date
/// order (the newest first), whatever order they were stored in.
pub fn newest(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    limit: usize,
) -> Result<Vec<ReportView>, Error> {
    let of = Access::of(store, who)?.reports_of(who)?;
    let rows = store.spam().newest_spam_reports(of.as_deref(), limit)?;
    Ok(rows.iter().map(|r| desk.view(who, r)).collect())
}

/// Most reports a campaign page lists.
pub const CAMPAIGN_REPORTS: usize = 200;

/// One report of a campaign, as the caller may see it.
#[derive(Clone, Debug)]
pub struct CampaignReport {
    /// The report.
    pub view: ReportView,
    /// The global id of the incident it became, when it is confirmed spam.
    pub incident: Option<String>,
}

/// A campaign numbered by first sighting (1: the oldest of the window),
/// with the reports of it the caller reads (an operator its own, the hub
/// every operator's, other members none: they read the campaign itself).
pub fn campaign(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    number: u32,
) -> Result<(Arc<Snapshot>, u32, Vec<CampaignReport>), Error> {
    let snap = snapshot(desk, who, store)?;
    let id = number
        .checked_sub(1)
        .filter(|id| snap.analysis.campaigns.get(*id).is_some())
        .ok_or_else(|| Error::NotFound(format!("campaign {number}")))?;
    let of = Access::of(store, who)?.reports_of(who).ok();
    let mut reports = Vec::new();
    if let Some(of) = of {
        for p in snap
            .analysis
            .processed
            .iter()
            .filter(|p| p.campaign == Some(id))
            .take(CAMPAIGN_REPORTS)
        {
            let Some(key) = snap
                .keys
                .get(&(p.report.operator.clone(), p.report.id.clone()))
            else {
                continue;
            };
            if let Some(row) = store.spam().spam_report(*key, of.as_deref())? {
                let mut view = desk.view(who, &row);
                // A campaign is shared knowledge: its senders are
                // pseudonyms even for the reporting operator.
                view.row.sender = row.sender.as_deref().map(|s| {
                    c5hub_spam::indicators::shared_raw_sender(s, desk.region(), &desk.key)
                });
                reports.push(CampaignReport {
                    view,
                    incident: p
                        .confirmed
                        .then(|| format!("spam-report.{}:{}", row.operator, row.id)),
                });
            }
        }
    }
    Ok((snap, id, reports))
}

/// Most reports the analyst's queue shows.
pub const QUEUE_LIMIT: usize = 200;

/// The analyst's queue: reports `who` reads (an operator its own, the hub
/// every operator's) where the subscriber and the filter disagree (said
/// spam, filtered as ham, or the reverse) and no analyst has confirmed a
/// verdict yet, newest first. A verdict ([`confirm`]) takes a report off
/// the queue.
pub fn queue(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    limit: usize,
) -> Result<Vec<ReportView>, Error> {
    let of = Access::of(store, who)?.reports_of(who)?;
    let rows = store
        .spam()
        .spam_disagreements(of.as_deref(), limit.clamp(1, QUEUE_LIMIT))?;
    Ok(rows.iter().map(|r| desk.view(who, r)).collect())
}

/// One report with its campaign and reasons.
#[derive(Clone, Debug)]
pub struct ReportDetail {
    /// The report as the caller may see it.
    pub view: ReportView,
    /// The fingerprint of its campaign (confirmed spam in the window).
    pub campaign: Option<String>,
    /// The features that weighed most under the current model.
    pub reasons: Vec<Reason>,
    /// Reasons a person reads, as the filter would decide the report now
    /// with what the caller's organisation may read
    /// (`Processed::why`).
    pub why: Vec<String>,
}

/// One report `who` may read, with its campaign and reasons.
pub fn report(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    key: i64,
) -> Result<ReportDetail, Error> {
    let of = Access::of(store, who)?.reports_of(who)?;
    let row = store
        .spam()
        .spam_report(key, of.as_deref())?
        .ok_or_else(|| Error::NotFound(format!("spam report {key}")))?;
    let snap = snapshot(desk, who, store)?;
    let own = who.org() == Some(row.operator.as_str());
    let why = match report_from_row(&row) {
        Some(r) => desk
            .process_knowing(store, who, r)?
            .why(desk.model().threshold()),
        None => Vec::new(),
    };
    Ok(ReportDetail {
        why,
        campaign: snap.campaign(&row).map(str::to_owned),
        reasons: desk.reasons(&row, own),
        view: desk.view(who, &row),
    })
}

/// What confirming a verdict did.
#[derive(Clone, Debug)]
pub struct Confirmed {
    /// The report after the verdict, as the caller may see it.
    pub report: ReportView,
    /// The model's score for the text before it learned from it.
    pub score_before: f32,
    /// Examples the model has learned from.
    pub examples: u64,
    /// How large a step the model took (0: none).
    pub step: f32,
    /// (key, global id) of the incident confirmed spam is stored as.
    pub incident: Option<(i64, String)>,
}

/// Records an analyst's verdict on a report the caller may read, lets the
/// model learn from it, and audits it. An analyst's "spam" outweighs the
/// filter: the report becomes an incident (reported by its operator) even
/// if the filter had let it through; storing it twice is a no-op.
///
/// The shared model is protected from one organisation's verdicts: at most
/// `verdicts_per_hour` verdicts an hour ([`Error::TooMany`] past it), one
/// learning step per report and verdict (the same verdict again teaches
/// nothing, a changed one takes one step the other way), and no more
/// learning than `learning_budget` a day.
pub fn confirm(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
    key: i64,
    verdict: UserVerdict,
) -> Result<Confirmed, Error> {
    role_allows(who, Role::can_triage, "confirm spam verdicts")?;
    let of = Access::of(store, who)?.reports_of(who)?;
    let org = who.org().unwrap_or("(console)").to_owned();
    if let Err(wait) = desk.admit_verdict(&org) {
        return Err(Error::TooMany {
            what: "verdicts",
            retry_after: wait,
            detail: format!(
                "at most {} verdicts an hour per organisation (spam.verdicts_per_hour); try again in {} seconds",
                desk.verdicts_per_hour,
                wait.as_secs().max(1)
            ),
        });
    }
    let row = store
        .spam()
        .confirm_spam_verdict(key, of.as_deref(), verdict.as_str(), who.org())?
        .ok_or_else(|| Error::NotFound(format!("spam report {key}")))?;
    let first = store.spam().mark_spam_learned(key, verdict.as_str())?;
    let report = report_from_row(&row).ok_or_else(|| {
        Error::Internal(format!(
            "spam report {key} has an unknown channel or verdict"
        ))
    })?;
    let learned = if first {
        desk.learn(&org, &report.text, verdict == UserVerdict::Spam)?
    } else {
        // This report already taught the model this verdict.
        Learned {
            score_before: desk.score(&report.text),
            examples: desk.model().examples(),
            step: 0.0,
        }
    };
    // The snapshot follows the verdict (confirmed spam, hub listings).
    desk.generation.fetch_add(1, Ordering::SeqCst);
    let incident = if verdict == UserVerdict::Spam {
        let p = desk.process(report);
        let smishing = p.indicators.smishing(true);
        let inc = desk.incident(&p, smishing)?;
        let source = format!("api-spam-verdict:{}", who.name());
        let outcome = store.incidents().ingest(&[Submission {
            incident: &inc,
            reporter: &row.operator,
            source: &source,
            shared_with: &[],
            recipients: &[],
        }])?;
        outcome.first().map(|o| (o.key(), inc.id.to_string()))
    } else {
        None
    };
    let detail = format!(
        "spam report {key}: {} (model step {:.3})",
        verdict.as_str(),
        learned.step
    );
    store
        .accounts()
        .audit(who.name(), who.org(), "spam.verdict", None, Some(&detail))?;
    Ok(Confirmed {
        report: desk.view(who, &row),
        score_before: learned.score_before,
        examples: learned.examples,
        step: learned.step,
        incident,
    })
}

/// Classifies messages (text, sender) without storing them, as if
/// reported as spam by the caller's organisation, so `smishing` says
/// whether the filter's spam carries a link, number or lure. Every member
/// may.
pub fn classify(
    desk: &SpamDesk,
    who: &Authority,
    messages: Vec<(String, Option<String>)>,
) -> Result<Vec<Processed>, Error> {
    if messages.len() > MAX_BATCH {
        return Err(Error::Invalid {
            field: "/messages",
            detail: format!("{} messages; at most {MAX_BATCH} a request", messages.len()),
        });
    }
    let now = Utc::now();
    let org = who.org().unwrap_or_default();
    Ok(messages
        .into_iter()
        .map(|(text, sender)| {
            desk.process(SpamReport {
                id: String::new(),
                channel: Channel::Sms,
                operator: org.to_owned(),
                text,
                sender: sender.filter(|s| !s.trim().is_empty()),
                recipient_hash: None,
                received_at: None,
                reported_at: now,
                verdict: UserVerdict::Spam,
            })
        })
        .collect())
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

/// What derived views are computed from, and when.
pub struct Snapshot {
    version: (i64, i64, u64),
    /// Campaigns, reputation and impact over the window.
    pub analysis: Analysis,
    /// When the newest report considered was stored: the feed's
    /// Last-Modified.
    pub last_change: DateTime<Utc>,
    /// (operator, report id) → campaign.
    campaign_of: HashMap<(String, String), u32>,
    /// (operator, report id) → the store's key.
    keys: HashMap<(String, String), i64>,
    /// Phone number, e-mail address or sender (as normalised) → reports
    /// of the window carrying it. In memory only, never sent.
    seen: HashMap<String, u32>,
}

impl Snapshot {
    /// The campaign fingerprint of a stored report, if it is confirmed spam
    /// inside the window.
    pub fn campaign(&self, row: &SpamReportRow) -> Option<&str> {
        let id = self
            .campaign_of
            .get(&(row.operator.clone(), row.id.clone()))?;
        self.analysis
            .campaigns
            .get(*id)
            .map(|c| c.fingerprint.as_str())
    }
}

/// The snapshot of campaigns, reputation and impact over the stored
/// reports of the window (every member reads campaigns and the feed),
/// recomputed when a report was added or a verdict or the model changed
/// since the last one.
pub fn snapshot(
    desk: &SpamDesk,
    who: &Authority,
    store: &mut Store,
) -> Result<Arc<Snapshot>, Error> {
    let (count, max_key) = store.spam().spam_reports_state()?;
    let version = (count, max_key, desk.generation.load(Ordering::SeqCst));
    if let Ok(g) = desk.snapshot.lock() {
        if let Some(s) = g.as_ref().filter(|s| s.version == version) {
            return Ok(s.clone());
        }
    }
    let since = Utc::now() - chrono::Duration::days(i64::from(desk.window_days));
    // The newest reports by key, so that past the cap it is the oldest
    // that are left out; then the window.
    let mut rows = store
        .spam()
        .latest_spam_reports(None, None, MAX_SNAPSHOT_REPORTS)?;
    let capped = rows.len() == MAX_SNAPSHOT_REPORTS;
    rows.retain(|r| r.reported_at >= since);
    if capped {
        tracing::warn!(
            cap = MAX_SNAPSHOT_REPORTS,
            "spam: campaigns, feed and impact computed over the newest reports only"
        );
    }
    // The hub's own confirmations list at once; the console acts for no
    // organisation, so it sees the listings of the hub it is not.
    let hub = match who {
        Authority::Member { hub_org, .. } => hub_org.as_str(),
        Authority::Console { .. } | Authority::ReadingAs { .. } | Authority::Public => "",
    };
    let hub_confirmed: HashSet<(String, String)> = rows
        .iter()
        .filter(|r| r.verdict == "spam" && r.verdict_by.as_deref() == Some(hub))
        .map(|r| (r.operator.clone(), r.id.clone()))
        .collect();
    let last_change = rows
        .iter()
        .map(|r| r.stored_at)
        .max()
        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let keys = rows
        .iter()
        .map(|r| ((r.operator.clone(), r.id.clone()), r.key))
        .collect();
    let reports: Vec<SpamReport> = rows.iter().filter_map(report_from_row).collect();
    let analysis = analysis::analyse_with(
        reports,
        &desk.rules,
        &desk.model(),
        &desk.settings,
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
    let mut seen: HashMap<String, u32> = HashMap::new();
    for p in &analysis.processed {
        let ind = &p.indicators;
        let values: HashSet<&str> = ind
            .phones
            .iter()
            .chain(&ind.emails)
            .chain(&ind.sender)
            .map(|o| o.value())
            .collect();
        for v in values {
            *seen.entry(v.to_owned()).or_default() += 1;
        }
    }
    let snap = Arc::new(Snapshot {
        version,
        analysis,
        last_change,
        campaign_of,
        keys,
        seen,
    });
    if let Ok(mut g) = desk.snapshot.lock() {
        *g = Some(snap.clone());
    }
    Ok(snap)
}

/// The impact metrics' snapshot, for regulators, operators and the hub.
pub fn impact(desk: &SpamDesk, who: &Authority, store: &mut Store) -> Result<Arc<Snapshot>, Error> {
    if !Access::of(store, who)?.reads_impact() {
        return Err(Error::Forbidden(
            "the impact metrics are read by regulators, operators and the hub's own organisation"
                .to_owned(),
        ));
    }
    snapshot(desk, who, store)
}
