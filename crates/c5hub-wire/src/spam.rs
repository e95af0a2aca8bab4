//! Countering spam: the bodies of `/api/v1/spam/...` and their answers,
//! and what `c5hub spam ... --format json` prints for the same questions.
//!
//! A decision ([`SpamDecision`]) is built here from the pipeline's
//! [`Processed`] report, so the API and `c5hub spam reports` print the same
//! fields; stored reports come from the operations layer's views, which
//! have already pseudonymised what the caller may not read in clear.
//! Campaigns, the reputation feed and the impact metrics are built here
//! from `c5hub-spam`'s analysis, field by field, so the API, the web page
//! and `c5hub spam campaigns|reputation|impact` write the same JSON.

use c5hub_hub::spam::{Confirmed, ReportDetail, ReportPage, ReportView, RuleInForce, Submitted};
use c5hub_spam::Model;
use c5hub_spam::analysis::{Analysis, Impact, Processed, campaign_sender, shared_sender};
use c5hub_spam::indicators::redact_text;
use c5hub_spam::report::PseudonymKey;
use c5hub_spam::reputation::{Entry, Reputation};
use c5hub_spam::rules::DecidedBy;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// One report in a submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportIn {
    /// `sms` (default), `mms`, `rcs`, `email`, ...
    #[serde(default)]
    pub channel: Option<String>,
    /// The message.
    pub text: String,
    /// Who sent it.
    #[serde(default)]
    pub sender: Option<String>,
    /// The subscriber who received it (kept only as a keyed hash).
    #[serde(default)]
    pub recipient: Option<String>,
    /// When it was received (RFC 3339).
    #[serde(default)]
    pub received_at: Option<String>,
    /// When it was reported (RFC 3339; default now).
    #[serde(default)]
    pub reported_at: Option<String>,
    /// `spam` (default) or `ham`.
    #[serde(default)]
    pub verdict: Option<String>,
    /// Optional; when present it must be the caller's organisation.
    #[serde(default)]
    pub operator: Option<String>,
}

/// A submission: one report, an array of them, or `{"reports": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum SubmitReports {
    /// `{"reports": [...]}`.
    Wrapped {
        /// The reports.
        reports: Vec<ReportIn>,
    },
    /// An array of reports.
    Many(Vec<ReportIn>),
    /// One report.
    One(ReportIn),
}

/// A feature that weighed in a decision.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Reason {
    /// The feature.
    pub feature: String,
    /// Its weight (positive: towards spam).
    pub weight: f32,
}

/// A URL the message points to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlIndicator {
    /// The normalised URL.
    pub url: String,
    /// Its registrable domain, when known.
    pub registrable_domain: Option<String>,
    /// Whether the domain is a link shortener.
    pub shortener: bool,
}

/// The filter's decision on one report, with its reasons and indicators
/// (phone numbers and e-mail addresses only as pseudonyms).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpamDecision {
    /// The report's id (a digest of operator and content).
    pub id: String,
    /// The reporting operator.
    pub operator: String,
    /// The channel.
    pub channel: String,
    /// When the message was seen.
    pub seen_at: String,
    /// `spam` or `ham`.
    pub label: String,
    /// The spam score (0..1).
    pub score: f32,
    /// `rule` or `model`.
    pub decided_by: String,
    /// The rule that decided, if one did.
    pub rule: Option<String>,
    /// The model's own score, before the hub's knowledge (0..1).
    pub model_score: f32,
    /// Reasons a person reads: the rule that decided and what it looks
    /// at, what the hub knew of the message's values (domains, numbers in
    /// incidents the submitter reads, the reputation feed), the model's
    /// share.
    pub why: Vec<String>,
    /// The model's features that weighed most.
    pub reasons: Vec<Reason>,
    /// The subscriber said spam and the filter agrees.
    pub confirmed: bool,
    /// Confirmed spam carrying a link, a call-back number or a lure.
    pub smishing: bool,
    /// The lures found.
    pub lures: Vec<String>,
    /// The campaign, when campaigns were computed over the reports.
    pub campaign: Option<u32>,
    /// The sender (a pseudonym unless an alphanumeric sender id).
    pub sender: Option<String>,
    /// URLs in the text.
    pub urls: Vec<UrlIndicator>,
    /// Phone numbers in the text, as pseudonyms.
    pub phones: Vec<String>,
    /// E-mail addresses in the text, as pseudonyms.
    pub emails: Vec<String>,
}

impl SpamDecision {
    /// The decision on `p`, with the `explain` features that weighed most
    /// under `model`, personal data as pseudonyms under `key`.
    pub fn new(p: &Processed, model: &Model, key: &PseudonymKey, explain: usize) -> SpamDecision {
        let rule = match &p.decision.by {
            DecidedBy::Rule(m) => Some(m.rule.clone()),
            DecidedBy::Model => None,
        };
        let ind = &p.indicators;
        SpamDecision {
            id: p.report.id.clone(),
            operator: p.report.operator.clone(),
            channel: p.report.channel.as_str().to_owned(),
            seen_at: time(p.report.seen_at()),
            label: p.decision.label().to_owned(),
            score: p.decision.score,
            decided_by: if rule.is_some() { "rule" } else { "model" }.to_owned(),
            rule,
            model_score: p.model_score,
            why: p.why(model.threshold()),
            reasons: model
                .explain(&p.report.text, explain)
                .top
                .iter()
                .map(|c| Reason {
                    feature: c.feature.clone(),
                    weight: c.weight,
                })
                .collect(),
            confirmed: p.confirmed,
            smishing: p.smishing,
            lures: ind.lures.iter().map(|l| (*l).to_owned()).collect(),
            campaign: p.campaign,
            sender: ind.sender.as_ref().map(|s| shared_sender(s, key)),
            urls: ind
                .urls
                .iter()
                .map(|u| UrlIndicator {
                    url: u.url.value().to_owned(),
                    registrable_domain: u.registrable_domain.clone(),
                    shortener: u.shortener,
                })
                .collect(),
            phones: ind
                .phones
                .iter()
                .map(|o| key.pseudonym(o.value()))
                .collect(),
            emails: ind
                .emails
                .iter()
                .map(|o| key.pseudonym(o.value()))
                .collect(),
        }
    }
}

/// An incident confirmed spam became.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentRef {
    /// The incident's key.
    pub id: i64,
    /// Its global id.
    pub global_id: String,
}

fn incident(i: &Option<(i64, String)>) -> Option<IncidentRef> {
    i.as_ref().map(|(k, g)| IncidentRef {
        id: *k,
        global_id: g.clone(),
    })
}

/// One stored report, as acknowledged.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmittedReport {
    /// The stored report's key.
    pub key: i64,
    /// `new` or `duplicate`.
    pub outcome: String,
    /// Where to read it.
    pub location: String,
    /// The decision.
    pub report: SpamDecision,
    /// The incident it became, if it is new confirmed spam.
    pub incident: Option<IncidentRef>,
}

impl SubmittedReport {
    /// A stored report's acknowledgement.
    pub fn new(d: &Submitted, model: &Model, key: &PseudonymKey, explain: usize) -> Self {
        SubmittedReport {
            key: d.key,
            outcome: if d.new { "new" } else { "duplicate" }.to_owned(),
            location: format!("/api/v1/spam/reports/{}", d.key),
            report: SpamDecision::new(&d.processed, model, key, explain),
            incident: incident(&d.incident),
        }
    }
}

/// The answer to a submission.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitAnswer {
    /// One per report, in order.
    pub results: Vec<SubmittedReport>,
}

/// Two-step intake, step one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeStart {
    /// The forwarded message.
    pub text: String,
    /// The subscriber's number (kept only as a keyed hash).
    #[serde(default)]
    pub recipient: Option<String>,
}

/// The answer to step one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeStarted {
    /// The intake's id.
    pub intake: i64,
    /// `awaiting-sender`.
    pub status: String,
    /// Where step two goes.
    pub next: String,
    /// What to tell the subscriber.
    pub message: String,
}

/// Two-step intake, step two.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeSender {
    /// The number or name the message came from.
    pub sender: String,
}

/// The answer to step two.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IntakeAcknowledged {
    /// The intake's id.
    pub intake: i64,
    /// `acknowledged`.
    pub status: String,
    /// What to tell the subscriber.
    pub acknowledgement: String,
    /// The stored report.
    pub result: SubmittedReport,
}

/// A stored report as the caller may see it (never the recipient).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredReport {
    /// The store's key.
    pub key: i64,
    /// The report's id.
    pub id: String,
    /// The reporting operator.
    pub operator: String,
    /// The channel.
    pub channel: String,
    /// The text (numbers and addresses as pseudonyms for anyone but the
    /// reporting operator).
    pub text: String,
    /// The sender (likewise).
    pub sender: Option<String>,
    /// Whether the report named a recipient.
    pub recipient_given: bool,
    /// When it was received.
    pub received_at: Option<String>,
    /// When it was reported.
    pub reported_at: String,
    /// When it was stored.
    pub stored_at: String,
    /// `spam` or `ham`, as reported or confirmed.
    pub verdict: String,
    /// The filter's label.
    pub label: Option<String>,
    /// The filter's score.
    pub score: Option<f64>,
    /// `model` or `rule:ID`.
    pub decided_by: Option<String>,
    /// Confirmed spam with a link, number or lure.
    pub smishing: bool,
}

impl From<&ReportView> for StoredReport {
    fn from(v: &ReportView) -> Self {
        let r = &v.row;
        StoredReport {
            key: r.key,
            id: r.id.clone(),
            operator: r.operator.clone(),
            channel: r.channel.clone(),
            text: r.text.clone(),
            sender: r.sender.clone(),
            recipient_given: v.recipient_given,
            received_at: time_opt(r.received_at),
            reported_at: time(r.reported_at),
            stored_at: time(r.stored_at),
            verdict: r.verdict.clone(),
            label: r.label.clone(),
            score: r.score,
            decided_by: r.decided_by.clone(),
            smishing: r.smishing,
        }
    }
}

/// A page of stored reports, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredReportPage {
    /// The reports.
    pub items: Vec<StoredReport>,
    /// The cursor of the next page.
    pub next_cursor: Option<String>,
}

impl From<&ReportPage> for StoredReportPage {
    fn from(p: &ReportPage) -> Self {
        StoredReportPage {
            items: p.items.iter().map(StoredReport::from).collect(),
            next_cursor: p.next_cursor.map(|k| k.to_string()),
        }
    }
}

/// One stored report with its campaign and reasons (the fields of
/// [`StoredReport`], then two more).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoredReportDetail {
    /// The store's key.
    pub key: i64,
    /// The report's id.
    pub id: String,
    /// The reporting operator.
    pub operator: String,
    /// The channel.
    pub channel: String,
    /// The text (numbers and addresses as pseudonyms for anyone but the
    /// reporting operator).
    pub text: String,
    /// The sender (likewise).
    pub sender: Option<String>,
    /// Whether the report named a recipient.
    pub recipient_given: bool,
    /// When it was received.
    pub received_at: Option<String>,
    /// When it was reported.
    pub reported_at: String,
    /// When it was stored.
    pub stored_at: String,
    /// `spam` or `ham`, as reported or confirmed.
    pub verdict: String,
    /// The filter's label.
    pub label: Option<String>,
    /// The filter's score.
    pub score: Option<f64>,
    /// `model` or `rule:ID`.
    pub decided_by: Option<String>,
    /// Confirmed spam with a link, number or lure.
    pub smishing: bool,
    /// Its campaign's fingerprint (confirmed spam in the window).
    pub campaign: Option<String>,
    /// The features that weighed most under the current model.
    pub reasons: Vec<Reason>,
    /// Reasons a person reads, as the filter would decide the report now
    /// with what the caller's organisation may read: the rule, the hub's
    /// knowledge, the model's share.
    pub why: Vec<String>,
}

impl From<&ReportDetail> for StoredReportDetail {
    fn from(d: &ReportDetail) -> Self {
        let r = StoredReport::from(&d.view);
        StoredReportDetail {
            key: r.key,
            id: r.id,
            operator: r.operator,
            channel: r.channel,
            text: r.text,
            sender: r.sender,
            recipient_given: r.recipient_given,
            received_at: r.received_at,
            reported_at: r.reported_at,
            stored_at: r.stored_at,
            verdict: r.verdict,
            label: r.label,
            score: r.score,
            decided_by: r.decided_by,
            smishing: r.smishing,
            campaign: d.campaign.clone(),
            why: d.why.clone(),
            reasons: d
                .reasons
                .iter()
                .map(|r| Reason {
                    feature: r.feature.clone(),
                    weight: r.weight,
                })
                .collect(),
        }
    }
}

/// The analyst's queue: reports where the subscriber and the filter
/// disagree and no analyst has confirmed a verdict, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpamQueue {
    /// The reports (`verdict` is the subscriber's, `label` the filter's).
    pub items: Vec<StoredReport>,
}

/// A verdict on a stored report.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictRequest {
    /// `spam` or `ham`.
    pub verdict: String,
}

/// What the model did with a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelStep {
    /// The score before the step.
    pub score_before: f32,
    /// Examples the model has learned from.
    pub examples: u64,
    /// Whether it learned from this verdict.
    pub learned: bool,
    /// How large the step was.
    pub step: f32,
}

/// The answer to a verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerdictAnswer {
    /// The report after the verdict.
    pub report: StoredReport,
    /// What the model did.
    pub model: ModelStep,
    /// The incident confirmed spam is stored as.
    pub incident: Option<IncidentRef>,
}

impl From<&Confirmed> for VerdictAnswer {
    fn from(c: &Confirmed) -> Self {
        VerdictAnswer {
            report: StoredReport::from(&c.report),
            model: ModelStep {
                score_before: c.score_before,
                examples: c.examples,
                learned: c.step > 0.0,
                step: c.step,
            },
            incident: incident(&c.incident),
        }
    }
}

/// A message to classify.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassifyMessage {
    /// The text.
    pub text: String,
    /// Who sent it.
    #[serde(default)]
    pub sender: Option<String>,
}

/// What to classify: one message, or `{"messages": [...]}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ClassifyRequest {
    /// `{"messages": [...]}`.
    Many {
        /// The messages.
        messages: Vec<ClassifyMessage>,
    },
    /// One message.
    One(ClassifyMessage),
}

/// A message's classification: the decision without what belongs to a
/// stored report (id, operator, time, confirmation, campaign).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Classified {
    /// The channel.
    pub channel: String,
    /// `spam` or `ham`.
    pub label: String,
    /// The spam score.
    pub score: f32,
    /// `rule` or `model`.
    pub decided_by: String,
    /// The rule that decided.
    pub rule: Option<String>,
    /// The features that weighed most.
    pub reasons: Vec<Reason>,
    /// Spam carrying a link, a call-back number or a lure.
    pub smishing: bool,
    /// The lures found.
    pub lures: Vec<String>,
    /// The sender.
    pub sender: Option<String>,
    /// URLs.
    pub urls: Vec<UrlIndicator>,
    /// Phone numbers, as pseudonyms.
    pub phones: Vec<String>,
    /// E-mail addresses, as pseudonyms.
    pub emails: Vec<String>,
}

impl From<SpamDecision> for Classified {
    fn from(d: SpamDecision) -> Self {
        Classified {
            channel: d.channel,
            label: d.label,
            score: d.score,
            decided_by: d.decided_by,
            rule: d.rule,
            reasons: d.reasons,
            smishing: d.smishing,
            lures: d.lures,
            sender: d.sender,
            urls: d.urls,
            phones: d.phones,
            emails: d.emails,
        }
    }
}

/// The answer to a classification: one, or `{"results": [...]}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum ClassifyAnswer {
    /// For `{"messages": [...]}`.
    Many {
        /// One per message, in order.
        results: Vec<Classified>,
    },
    /// For one message (boxed: the answer is built once and serialised).
    One(Box<Classified>),
}

/// A campaign of confirmed spam: near-identical messages clustered
/// across operators, as every member reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Its id, sequential within one clustering (not stable across
    /// analyses; `fingerprint` is).
    pub id: u32,
    /// Its number by first sighting in the window (1: the oldest), as the
    /// pages show it: `/spam/campaigns/{number}`.
    pub number: u32,
    /// The fingerprint of its representative message (hex).
    pub fingerprint: String,
    /// Its first message's text, numbers and addresses as pseudonyms.
    pub sample: String,
    /// When its first message was seen (RFC 3339).
    pub first_seen: String,
    /// When its last message was seen (RFC 3339).
    pub last_seen: String,
    /// Messages in it.
    pub volume: u64,
    /// The operators that reported it, by name.
    pub operators: Vec<String>,
    /// Its senders: alphanumeric sender ids in clear, phone numbers and
    /// e-mail addresses as pseudonyms.
    pub senders: Vec<String>,
    /// The normalised URLs its messages carry.
    pub urls: Vec<String>,
}

impl Campaign {
    /// Every campaign of `a` as members read it, in clustering order,
    /// personal data as pseudonyms under `key`.
    pub fn all(a: &Analysis, key: &PseudonymKey) -> Vec<Campaign> {
        a.campaigns
            .campaigns()
            .iter()
            .map(|c| Campaign {
                id: c.id,
                number: c.id + 1,
                fingerprint: c.fingerprint.clone(),
                sample: redact_text(&c.sample, a.region(), key),
                first_seen: time(c.first_seen),
                last_seen: time(c.last_seen),
                volume: c.volume,
                operators: c.operators.iter().cloned().collect(),
                senders: c.senders.iter().map(|s| campaign_sender(s, key)).collect(),
                urls: c.urls.iter().cloned().collect(),
            })
            .collect()
    }

    /// The `limit` largest campaigns of `a`, largest first (ties by id).
    pub fn largest(a: &Analysis, key: &PseudonymKey, limit: usize) -> Vec<Campaign> {
        let mut all = Campaign::all(a, key);
        all.sort_by(|x, y| y.volume.cmp(&x.volume).then(x.id.cmp(&y.id)));
        all.truncate(limit);
        all
    }
}

/// Campaigns of confirmed spam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignsAnswer {
    /// Days of reports considered.
    pub window_days: u32,
    /// Campaigns, largest first (`c5hub spam campaigns` prints the same
    /// objects, as an array in clustering order).
    pub campaigns: Vec<Campaign>,
}

/// One entry of the reputation feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReputationEntry {
    /// What the value is: `phone`, `sender-id`, `email`, `url`, `domain`
    /// or `campaign`.
    pub kind: String,
    /// The value: a pseudonym for phone numbers and e-mail addresses.
    pub value: String,
    /// Whether `value` is a pseudonym (HMAC under the federation's key).
    pub pseudonymised: bool,
    /// Confidence that the value sends spam, 0 to 1, three decimals.
    pub confidence: f64,
    /// Confirmed reports carrying it.
    pub reports: u64,
    /// Operators whose reports carried it (a count).
    pub operators: usize,
    /// Its first confirmed report (RFC 3339).
    pub first_seen: String,
    /// Its last confirmed report (RFC 3339).
    pub last_seen: String,
    /// When it leaves the feed unless reported again (RFC 3339).
    pub expires: String,
    /// How long an entry stays after its last report, in seconds.
    pub ttl_seconds: i64,
    /// Who listed it and on what evidence, in words.
    pub provenance: String,
}

/// The reputation feed (JSON form) an SMS firewall polls; `c5hub spam
/// reputation --format json` prints the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReputationFeed {
    /// Who publishes the feed.
    pub publisher: String,
    /// When the feed was written (RFC 3339).
    pub generated_at: String,
    /// The listed entries still in force.
    pub entries: Vec<ReputationEntry>,
}

impl ReputationFeed {
    /// The feed of `entries` (from [`Reputation::feed`]) as of `now`,
    /// personal data as pseudonyms under `key`.
    pub fn new(
        rep: &Reputation,
        entries: &[&Entry],
        key: &PseudonymKey,
        now: DateTime<Utc>,
    ) -> Self {
        let policy = rep.policy();
        ReputationFeed {
            publisher: policy.publisher.to_string(),
            generated_at: time(now),
            entries: entries
                .iter()
                .map(|e| ReputationEntry {
                    kind: e.kind.as_str().to_owned(),
                    value: Reputation::shared_value(e, key),
                    pseudonymised: e.kind.is_personal(),
                    confidence: (e.confidence * 1000.0).round() / 1000.0,
                    reports: e.reports,
                    operators: e.operators.len(),
                    first_seen: time(e.first_seen),
                    last_seen: time(e.last_seen),
                    expires: time(e.last_seen + policy.ttl),
                    ttl_seconds: policy.ttl.num_seconds(),
                    provenance: format!(
                        "{}: {} confirmed reports from {} operators",
                        policy.publisher,
                        e.reports,
                        e.operators.len()
                    ),
                })
                .collect(),
        }
    }
}

/// One operator in the impact metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OperatorImpact {
    /// The operator.
    pub operator: String,
    /// Reports it sent in the window.
    pub reports: u64,
    /// Of which confirmed spam.
    pub confirmed_spam: u64,
    /// Of which smishing.
    pub smishing: u64,
    /// Its subscribers, when the hub knows them (`null` otherwise).
    pub subscribers: Option<u64>,
    /// Reports per thousand subscribers (`null` without subscribers).
    pub reports_per_thousand_subscribers: Option<f64>,
}

/// One of the largest campaigns in the impact metrics.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSize {
    /// The campaign's id (as in the campaigns answer of the same window).
    pub id: u32,
    /// Messages in it.
    pub volume: u64,
    /// Operators that reported it (a count).
    pub operators: usize,
    /// When its first message was seen (RFC 3339).
    pub first_seen: String,
    /// When its last message was seen (RFC 3339).
    pub last_seen: String,
}

/// How confirmed spam spread into campaigns.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignSpread {
    /// Campaigns.
    pub count: usize,
    /// Campaigns reported by more than one operator.
    pub across_operators: usize,
    /// Mean operators per campaign (0 without campaigns).
    pub mean_operators_per_campaign: f64,
    /// The largest campaigns, largest first.
    pub largest: Vec<CampaignSize>,
}

/// How fast values reached the reputation feed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Listing {
    /// Reputation entries listed.
    pub listed_entries: usize,
    /// Median minutes from an entry's first report to its listing (`null`
    /// when none is listed).
    pub minutes_first_report_to_listing_median: Option<f64>,
    /// 90th percentile of the same, in minutes (`null` when none is
    /// listed).
    pub minutes_first_report_to_listing_p90: Option<f64>,
}

/// A sender of confirmed spam.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TopSender {
    /// `phone`, `sender-id` or `email`.
    pub kind: String,
    /// The sender: a pseudonym for phone numbers and e-mail addresses.
    pub sender: String,
    /// Confirmed reports from it.
    pub confirmed_reports: u64,
}

/// The impact metrics (for regulators, operators and the hub).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactAnswer {
    /// Reports.
    pub reports: u64,
    /// Of which confirmed spam.
    pub confirmed_spam: u64,
    /// Confirmed spam in percent of reports (0 without reports).
    pub spam_share_pct: f64,
    /// Confirmed spam that is smishing.
    pub smishing: u64,
    /// Smishing in percent of confirmed spam (0 without spam).
    pub smishing_share_of_spam_pct: f64,
    /// Per operator, by name.
    pub operators: Vec<OperatorImpact>,
    /// How spam spread into campaigns.
    pub campaigns: CampaignSpread,
    /// How fast values were listed.
    pub listing: Listing,
    /// Senders with the most confirmed reports, most first.
    pub top_senders: Vec<TopSender>,
    /// Days of reports considered (the hub's window; absent from `c5hub
    /// spam impact`, which reads every report of its input).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_days: Option<u32>,
}

impl ImpactAnswer {
    /// The metrics `m`, over a window of `window_days` when there is one.
    pub fn new(m: &Impact, window_days: Option<u32>) -> Self {
        ImpactAnswer {
            reports: m.reports,
            confirmed_spam: m.confirmed_spam,
            spam_share_pct: m.spam_share_pct,
            smishing: m.smishing,
            smishing_share_of_spam_pct: m.smishing_share_of_spam_pct,
            operators: m
                .operators
                .iter()
                .map(|o| OperatorImpact {
                    operator: o.operator.clone(),
                    reports: o.reports,
                    confirmed_spam: o.confirmed_spam,
                    smishing: o.smishing,
                    subscribers: o.subscribers,
                    reports_per_thousand_subscribers: o.reports_per_thousand_subscribers,
                })
                .collect(),
            campaigns: CampaignSpread {
                count: m.campaigns,
                across_operators: m.campaigns_across_operators,
                mean_operators_per_campaign: m.mean_operators_per_campaign,
                largest: m
                    .largest
                    .iter()
                    .map(|c| CampaignSize {
                        id: c.id,
                        volume: c.volume,
                        operators: c.operators,
                        first_seen: time(c.first_seen),
                        last_seen: time(c.last_seen),
                    })
                    .collect(),
            },
            listing: Listing {
                listed_entries: m.listed_entries,
                minutes_first_report_to_listing_median: m.minutes_to_listing_median,
                minutes_first_report_to_listing_p90: m.minutes_to_listing_p90,
            },
            top_senders: m
                .top_senders
                .iter()
                .map(|s| TopSender {
                    kind: s.kind.as_str().to_owned(),
                    sender: s.sender.clone(),
                    confirmed_reports: s.confirmed_reports,
                })
                .collect(),
            window_days,
        }
    }
}

/// One rule in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleAnswer {
    /// The rule's id.
    pub id: String,
    /// `allow` or `block`.
    pub action: String,
    /// `global` or `recipient`.
    pub scope: String,
}

/// The rules in force.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RulesAnswer {
    /// Where they are managed.
    pub managed_in: String,
    /// The rules, in order.
    pub rules: Vec<RuleAnswer>,
}

impl RulesAnswer {
    /// The rules in force, managed in `managed_in`.
    pub fn new(managed_in: &str, rules: &[RuleInForce]) -> Self {
        RulesAnswer {
            managed_in: managed_in.to_owned(),
            rules: rules
                .iter()
                .map(|r| RuleAnswer {
                    id: r.id.clone(),
                    action: r.action.to_owned(),
                    scope: if r.global { "global" } else { "recipient" }.to_owned(),
                })
                .collect(),
        }
    }
}
