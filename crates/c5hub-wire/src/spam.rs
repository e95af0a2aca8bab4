//! Countering spam: the bodies of `/api/v1/spam/...` and their answers,
//! and what `c5hub spam ... --format json` prints for the same questions.
//!
//! A decision ([`SpamDecision`]) is built here from the pipeline's
//! [`Processed`] report, so the API and `c5hub spam reports` print the same
//! fields; stored reports come from the operations layer's views, which
//! have already pseudonymised what the caller may not read in clear.
//! Campaigns, the reputation feed and the impact metrics are documents
//! `c5hub-spam` writes; they are carried as JSON objects.

use c5hub_hub::spam::{Confirmed, ReportDetail, ReportPage, ReportView, RuleInForce, Submitted};
use c5hub_spam::Model;
use c5hub_spam::analysis::{Processed, shared_sender};
use c5hub_spam::report::PseudonymKey;
use c5hub_spam::rules::DecidedBy;
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
    /// The features that weighed most.
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

/// Campaigns of confirmed spam.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignsAnswer {
    /// Days of reports considered.
    pub window_days: u32,
    /// Campaigns, largest first, as `c5hub spam campaigns` writes them.
    #[schema(value_type = Vec<Object>)]
    pub campaigns: Vec<serde_json::Value>,
}

/// The reputation feed (JSON form), as `c5hub spam reputation` writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ReputationFeed(pub serde_json::Value);

/// The impact metrics, as `c5hub spam impact` writes them, with the
/// window.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(value_type = Object)]
pub struct ImpactAnswer(pub serde_json::Value);

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
