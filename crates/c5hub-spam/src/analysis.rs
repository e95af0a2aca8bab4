//! The report pipeline: each report is decided (rules, then model), its
//! indicators extracted, confirmed spam clustered into campaigns and
//! recorded in the reputation list; then the impact metrics.
//!
//! A report is *confirmed spam* when the user reported it as spam and the
//! filter (rules or model) agrees. Reports the filter does not confirm are
//! kept and counted (they are reports), but feed neither campaigns nor the
//! reputation list: one user's word does not block a number.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::campaign::{Campaigns, Sighting};
use crate::indicators::{self, Indicators};
use crate::model::{Model, Workspace};
use crate::report::{PseudonymKey, SpamReport, UserVerdict};
use crate::reputation::{EntryKind, Policy, Reputation};
use crate::rules::{self, DecidedBy, Decision, Message, Rules};

/// Knobs of the pipeline.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Region (ISO 3166 alpha-2) for national phone numbers.
    pub region: Option<String>,
    /// Jaccard threshold for joining a campaign.
    pub campaign_threshold: f32,
    /// Reputation scoring and ageing.
    pub policy: Policy,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            region: None,
            campaign_threshold: 0.5,
            policy: Policy::default(),
        }
    }
}

/// One report after the pipeline.
#[derive(Clone, Debug)]
pub struct Processed {
    /// The report.
    pub report: SpamReport,
    /// The filter's decision, naming the rule or the model.
    pub decision: Decision,
    /// What the message points to.
    pub indicators: Indicators,
    /// User said spam and the filter agrees.
    pub confirmed: bool,
    /// Confirmed spam carrying a link, a call-back number or a lure.
    pub smishing: bool,
    /// The campaign of confirmed spam.
    pub campaign: Option<u32>,
    /// A hub analyst confirmed it as spam: it counts as confirmed whatever
    /// the filter said, and lists its values in the feed at once.
    pub hub_confirmed: bool,
    /// The model's own score, before the hub's knowledge was added
    /// ([`weigh`]); `decision.score` is the combined one.
    pub model_score: f32,
    /// What the hub already knew about the message's values, as weighed.
    pub evidence: Vec<Evidence>,
    /// What the rule that decided looks at ([`rules::Rule::summary`]).
    pub rule_summary: Option<String>,
}

impl Processed {
    /// Reasons a person reads: the rule that decided and what it looks
    /// at, what the hub knew, and the model's share (its own score, and
    /// the combined one when knowledge moved it). The model's features are
    /// [`Model::explain`]'s, for those who want them.
    pub fn why(&self, threshold: f32) -> Vec<String> {
        let mut out = Vec::new();
        if let DecidedBy::Rule(m) = &self.decision.by {
            let what = self.rule_summary.as_deref().unwrap_or("no longer in force");
            out.push(format!("rule {}: {what}", m.rule));
        }
        out.extend(self.evidence.iter().map(|e| {
            if e.log_odds > 0.0 {
                e.says.clone()
            } else {
                format!("{} (told, not counted)", e.says)
            }
        }));
        let model = format!("the model's score {:.2}", self.model_score);
        out.push(match &self.decision.by {
            DecidedBy::Rule(_) => format!("{model} (the rule decided)"),
            DecidedBy::Model if self.decision.score != self.model_score => format!(
                "{model}, {:.2} with what the hub knows (threshold {threshold:.2})",
                self.decision.score
            ),
            DecidedBy::Model => format!("{model} (threshold {threshold:.2})"),
        });
        out
    }
}

/// Something the hub already knows about one of a message's values (a
/// domain in incidents, a number on the reputation feed), with how much it
/// moves the decision, in log-odds (0: told, not counted).
#[derive(Clone, Debug, PartialEq)]
pub struct Evidence {
    /// What a person reads: "URL on a domain listed in 3 incidents".
    pub says: String,
    /// Added to the model's log-odds.
    pub log_odds: f32,
}

/// Most the hub's knowledge adds to the model's log-odds, whatever it
/// knows: a message the model finds very harmless stays ham on one
/// listed link (σ(logit(0.01) + 4) = 0.35).
pub const MAX_KNOWLEDGE_LOG_ODDS: f32 = 4.0;

/// Adds the hub's knowledge to a decision the model made: the combined
/// score is σ(logit(model score) + Σ log-odds), the sum capped at
/// [`MAX_KNOWLEDGE_LOG_ODDS`], so it stays a probability and spam is a
/// combined score at or above the model's threshold. A rule's decision
/// stands (the evidence is kept, as reasons). `confirmed` and `smishing`
/// follow the new decision.
pub fn weigh(p: &mut Processed, evidence: Vec<Evidence>, threshold: f32) {
    let add: f32 = evidence
        .iter()
        .map(|e| e.log_odds.max(0.0))
        .sum::<f32>()
        .min(MAX_KNOWLEDGE_LOG_ODDS);
    p.evidence = evidence;
    if add <= 0.0 || p.decision.by != DecidedBy::Model {
        return;
    }
    let m = p.model_score.clamp(1e-6, 1.0 - 1e-6);
    let combined = 1.0 / (1.0 + (-((m / (1.0 - m)).ln() + add)).exp());
    p.decision.score = combined;
    p.decision.spam = combined >= threshold;
    p.confirmed = p.report.verdict == UserVerdict::Spam && p.decision.spam || p.hub_confirmed;
    p.smishing = p.indicators.smishing(p.confirmed);
}

/// The pipeline's result.
#[derive(Debug)]
pub struct Analysis {
    /// Reports in time order.
    pub processed: Vec<Processed>,
    /// Campaigns of confirmed spam.
    pub campaigns: Campaigns,
    /// The reputation list.
    pub reputation: Reputation,
    /// The region national numbers were read with (for redacting samples).
    region: Option<String>,
}

/// Processes one report (no clustering): decision and indicators.
pub fn process(
    report: SpamReport,
    rules: &Rules,
    model: &Model,
    region: Option<&str>,
    ws: &mut Workspace,
) -> Processed {
    let msg = Message {
        text: &report.text,
        sender: report.sender.as_deref(),
        recipient: report.recipient_hash.as_deref(),
        received_at: report.seen_at(),
    };
    let decision = rules::decide(rules, model, &msg, ws);
    let indicators = indicators::extract(&report.text, report.sender.as_deref(), region);
    let confirmed = report.verdict == UserVerdict::Spam && decision.spam;
    let smishing = indicators.smishing(confirmed);
    let model_score = decision.score;
    let rule_summary = match &decision.by {
        DecidedBy::Rule(m) => rules.get(&m.rule).map(rules::Rule::summary),
        DecidedBy::Model => None,
    };
    Processed {
        model_score,
        evidence: Vec::new(),
        rule_summary,
        report,
        decision,
        indicators,
        confirmed,
        smishing,
        campaign: None,
        hub_confirmed: false,
    }
}

/// Runs the whole pipeline over `reports` (sorted by time first).
pub fn analyse(
    reports: Vec<SpamReport>,
    rules: &Rules,
    model: &Model,
    settings: &Settings,
) -> Analysis {
    analyse_with(reports, rules, model, settings, &HashSet::new())
}

/// [`analyse`], where the reports named in `hub_confirmed` (operator,
/// report id) were confirmed as spam by a hub analyst.
pub fn analyse_with(
    mut reports: Vec<SpamReport>,
    rules: &Rules,
    model: &Model,
    settings: &Settings,
    hub_confirmed: &HashSet<(String, String)>,
) -> Analysis {
    reports.sort_by(|a, b| a.seen_at().cmp(&b.seen_at()).then_with(|| a.id.cmp(&b.id)));
    let mut ws = Workspace::default();
    let mut campaigns = Campaigns::new(settings.campaign_threshold);
    let mut reputation = Reputation::new(settings.policy);
    let mut processed = Vec::with_capacity(reports.len());
    for r in reports {
        let mut p = process(r, rules, model, settings.region.as_deref(), &mut ws);
        if p.report.verdict == UserVerdict::Spam
            && hub_confirmed.contains(&(p.report.operator.clone(), p.report.id.clone()))
        {
            p.hub_confirmed = true;
            p.confirmed = true;
            p.smishing = p.indicators.smishing(true);
        }
        if p.confirmed {
            let by_hub = p.hub_confirmed;
            let at = p.report.seen_at();
            let op = p.report.operator.as_str();
            let weight = if p.smishing { 0.7 } else { 0.5 };
            let urls: Vec<String> = p
                .indicators
                .urls
                .iter()
                .map(|u| u.url.value().to_owned())
                .collect();
            let sender = p.indicators.sender.as_ref().map(|s| s.value());
            let id = campaigns.add(&Sighting {
                text: &p.report.text,
                at,
                operator: op,
                sender,
                urls: &urls,
            });
            p.campaign = Some(id);
            if let Some(s) = &p.indicators.sender {
                if let Some(kind) = EntryKind::of_sender(s) {
                    reputation.record(kind, s.value(), op, at, weight, by_hub);
                }
            }
            for u in &p.indicators.urls {
                reputation.record(EntryKind::Url, u.url.value(), op, at, weight, by_hub);
                if let Some(d) = u.registrable_domain.as_deref().filter(|_| !u.shortener) {
                    reputation.record(EntryKind::Domain, d, op, at, weight, by_hub);
                }
            }
            for ph in &p.indicators.phones {
                reputation.record(EntryKind::Phone, ph.value(), op, at, weight, by_hub);
            }
            if let Some(c) = campaigns.get(id) {
                let fp = c.fingerprint.clone();
                reputation.record(EntryKind::Campaign, &fp, op, at, weight, by_hub);
            }
        }
        processed.push(p);
    }
    Analysis {
        processed,
        campaigns,
        reputation,
        region: settings.region.clone(),
    }
}

fn median_and_p90(mut v: Vec<f64>) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (Some(at(0.5)), Some(at(0.9)))
}

/// One operator's share of the reports (see [`Impact`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OperatorImpact {
    /// The operator.
    pub operator: String,
    /// Reports it sent.
    pub reports: u64,
    /// Of which confirmed spam.
    pub confirmed_spam: u64,
    /// Of which smishing.
    pub smishing: u64,
    /// Its subscribers, when known.
    pub subscribers: Option<u64>,
    /// Reports per thousand subscribers, when the subscribers are known
    /// and not zero.
    pub reports_per_thousand_subscribers: Option<f64>,
}

/// A campaign's size, for the largest campaigns (see [`Impact`]).
#[derive(Clone, Debug, PartialEq)]
pub struct CampaignSize {
    /// The campaign's id.
    pub id: u32,
    /// Messages.
    pub volume: u64,
    /// Operators that reported it.
    pub operators: usize,
    /// First seen.
    pub first_seen: DateTime<Utc>,
    /// Last seen.
    pub last_seen: DateTime<Utc>,
}

/// A sender of confirmed spam, as every reader may see it.
#[derive(Clone, Debug, PartialEq)]
pub struct TopSender {
    /// What the sender is.
    pub kind: EntryKind,
    /// The sender: a pseudonym for phone numbers and e-mail addresses.
    pub sender: String,
    /// Confirmed reports from it.
    pub confirmed_reports: u64,
}

/// The impact metrics over the analysed reports ([`Analysis::impact`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Impact {
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
    /// Campaigns.
    pub campaigns: usize,
    /// Campaigns reported by more than one operator.
    pub campaigns_across_operators: usize,
    /// Mean operators per campaign (0 without campaigns).
    pub mean_operators_per_campaign: f64,
    /// The largest campaigns, largest first.
    pub largest: Vec<CampaignSize>,
    /// Reputation entries listed.
    pub listed_entries: usize,
    /// Median minutes from an entry's first report to its listing.
    pub minutes_to_listing_median: Option<f64>,
    /// 90th percentile of the same.
    pub minutes_to_listing_p90: Option<f64>,
    /// Senders with the most confirmed reports, most first.
    pub top_senders: Vec<TopSender>,
}

/// A campaign's sender as every member reads it: clear only with a letter
/// and without an '@' (the shape of an alphanumeric sender id; senders are
/// normalised values), otherwise a pseudonym under `key`.
pub fn campaign_sender(v: &str, key: &PseudonymKey) -> String {
    if v.chars().any(char::is_alphabetic) && !v.contains('@') {
        v.to_owned()
    } else {
        key.pseudonym(v)
    }
}

impl Analysis {
    /// The region national numbers were read with, for redacting samples
    /// ([`indicators::redact_text`]).
    pub fn region(&self) -> Option<&str> {
        self.region.as_deref()
    }

    /// Impact metrics: reports per operator (and per thousand subscribers
    /// where `subscribers` has the operator), spam and smishing shares,
    /// campaign spread, time from first report to listing, the `top`
    /// largest campaigns and senders (phone numbers and e-mails
    /// pseudonymised with `key`).
    pub fn impact(
        &self,
        subscribers: &HashMap<String, u64>,
        key: &PseudonymKey,
        top: usize,
    ) -> Impact {
        let total = self.processed.len() as u64;
        let confirmed = self.processed.iter().filter(|p| p.confirmed).count() as u64;
        let smishing = self.processed.iter().filter(|p| p.smishing).count() as u64;
        let mut per_op: BTreeMap<&str, (u64, u64, u64)> = BTreeMap::new();
        for p in &self.processed {
            let e = per_op.entry(p.report.operator.as_str()).or_default();
            e.0 += 1;
            e.1 += u64::from(p.confirmed);
            e.2 += u64::from(p.smishing);
        }
        let operators = per_op
            .iter()
            .map(|(op, (n, c, s))| {
                let subs = subscribers.get(*op).copied();
                OperatorImpact {
                    operator: (*op).to_owned(),
                    reports: *n,
                    confirmed_spam: *c,
                    smishing: *s,
                    subscribers: subs,
                    reports_per_thousand_subscribers: subs
                        .filter(|s| *s > 0)
                        .map(|s| 1000.0 * *n as f64 / s as f64),
                }
            })
            .collect();
        let camps = self.campaigns.campaigns();
        let multi = camps.iter().filter(|c| c.operators.len() > 1).count();
        let mut biggest: Vec<_> = camps.iter().collect();
        biggest.sort_by(|a, b| b.volume.cmp(&a.volume).then(a.id.cmp(&b.id)));
        let delays: Vec<f64> = self
            .reputation
            .entries()
            .filter_map(|e| {
                e.listed_at
                    .map(|l| (l - e.first_seen).num_seconds() as f64 / 60.0)
            })
            .collect();
        let listed = delays.len();
        let (median, p90) = median_and_p90(delays);
        let mut senders: HashMap<(EntryKind, &str), u64> = HashMap::new();
        for p in self.processed.iter().filter(|p| p.confirmed) {
            if let Some(s) = &p.indicators.sender {
                if let Some(k) = EntryKind::of_sender(s) {
                    *senders.entry((k, s.value())).or_default() += 1;
                }
            }
        }
        let mut senders: Vec<_> = senders.into_iter().collect();
        senders.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let share = |a: u64, b: u64| {
            if b == 0 {
                0.0
            } else {
                100.0 * a as f64 / b as f64
            }
        };
        Impact {
            reports: total,
            confirmed_spam: confirmed,
            spam_share_pct: share(confirmed, total),
            smishing,
            smishing_share_of_spam_pct: share(smishing, confirmed),
            operators,
            campaigns: camps.len(),
            campaigns_across_operators: multi,
            mean_operators_per_campaign: if camps.is_empty() {
                0.0
            } else {
                camps.iter().map(|c| c.operators.len()).sum::<usize>() as f64 / camps.len() as f64
            },
            largest: biggest
                .iter()
                .take(top)
                .map(|c| CampaignSize {
                    id: c.id,
                    volume: c.volume,
                    operators: c.operators.len(),
                    first_seen: c.first_seen,
                    last_seen: c.last_seen,
                })
                .collect(),
            listed_entries: listed,
            minutes_to_listing_median: median,
            minutes_to_listing_p90: p90,
            top_senders: senders
                .iter()
                .take(top)
                .map(|((k, v), n)| TopSender {
                    kind: *k,
                    sender: if k.is_personal() {
                        key.pseudonym(v)
                    } else {
                        (*v).to_owned()
                    },
                    confirmed_reports: *n,
                })
                .collect(),
        }
    }
}

pub use crate::indicators::shared_sender;

/// When the analysis is "now" for feeds: the last report's time.
pub fn last_seen(a: &Analysis) -> Option<DateTime<Utc>> {
    a.processed.iter().map(|p| p.report.seen_at()).max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report;

    fn parcel(rules: &Rules) -> Processed {
        let key = PseudonymKey::new(b"test key, not secret, 32 bytes!").expect("long enough");
        let r = SpamReport::new(
            crate::report::Channel::Sms,
            "op-a",
            "Your parcel could not be delivered. Pay the 2.99 GBP redelivery fee at http://parcel-redelivery.test/pay",
            Some("+12025550147"),
            None,
            None,
            Utc::now(),
            UserVerdict::Spam,
            &key,
        )
        .expect("valid");
        let model = crate::default_model().expect("shipped model");
        process(r, rules, &model, None, &mut Workspace::default())
    }

    #[test]
    fn knowledge_raises_the_models_score_as_log_odds_and_a_rule_stands() {
        let mut p = parcel(&Rules::default());
        assert!(!p.decision.spam, "the model alone: {}", p.decision.score);
        let before = p.decision.score;
        let told = Evidence {
            says: "number seen in 2 reports".to_owned(),
            log_odds: 0.0,
        };
        weigh(&mut p, vec![told.clone()], 0.5);
        assert_eq!(
            p.decision.score, before,
            "a reason without weight is told only"
        );
        let listed = Evidence {
            says: "URL on a domain listed in 1 incident".to_owned(),
            log_odds: 2.5,
        };
        weigh(&mut p, vec![listed.clone(); 3], 0.5);
        let logit = (before / (1.0 - before)).ln();
        let want = 1.0 / (1.0 + (-(logit + MAX_KNOWLEDGE_LOG_ODDS)).exp());
        assert!(
            (p.decision.score - want).abs() < 1e-5,
            "capped sum: {}",
            p.decision.score
        );
        assert!(p.decision.spam && p.confirmed && p.smishing);
        assert_eq!(p.model_score, before);
        assert_eq!(p.evidence.len(), 3);
        let why = p.why(0.5);
        assert_eq!(why[0], "URL on a domain listed in 1 incident");
        assert!(why[3].starts_with("the model's score 0."), "{why:?}");
        assert!(why[3].contains("with what the hub knows"), "{why:?}");

        let allow =
            Rules::parse("[[rule]]\nid = \"ok\"\naction = \"allow\"\nkeywords = [\"parcel\"]\n")
                .expect("valid rule");
        let mut p = parcel(&allow);
        weigh(&mut p, vec![listed], 0.5);
        assert!(!p.decision.spam, "the allow rule decided");
        assert_eq!(p.decision.score, p.model_score);
        assert_eq!(p.why(0.5)[0], "rule ok: keyword on the allow list");
        assert_eq!(
            allow.get("ok").map(rules::Rule::summary).as_deref(),
            Some("keyword on the allow list")
        );
    }

    #[test]
    fn pipeline_on_the_test_reports() {
        let key = PseudonymKey::new(b"test key, not secret, 32 bytes!").expect("long enough");
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-data/reports/reports.csv");
        let imported = report::import(&std::fs::read(path).expect("present"), &key);
        let model = crate::default_model().expect("shipped model");
        // The 2012 corpus knows no parcel-fee smishing (the model scores it
        // below 0.1): an operator's block rule covers it until confirmed
        // reports have taught the model.
        let rules = Rules::parse(
            "[[rule]]\nid = \"parcel-fee\"\naction = \"block\"\nkeywords = [\"parcel is held\"]\n",
        )
        .expect("valid rule");
        let a = analyse(imported.reports, &rules, &model, &Settings::default());
        assert_eq!(a.processed.len(), 4);
        let confirmed: Vec<bool> = a.processed.iter().map(|p| p.confirmed).collect();
        assert_eq!(
            confirmed,
            [true, true, true, false],
            "{:?}",
            a.processed
                .iter()
                .map(|p| p.decision.score)
                .collect::<Vec<_>>()
        );
        assert!(a.processed[..3].iter().all(|p| p.smishing));
        assert!(
            matches!(&a.processed[0].decision.by, rules::DecidedBy::Rule(m) if m.rule == "parcel-fee")
        );
        assert_eq!(a.processed[2].decision.by, rules::DecidedBy::Model);
        // The two parcel messages from two operators are one campaign.
        assert_eq!(a.processed[0].campaign, a.processed[1].campaign);
        assert_ne!(a.processed[0].campaign, a.processed[2].campaign);
        let c = a.campaigns.get(0).expect("exists");
        assert_eq!(c.operators.len(), 2);
        let mut subs = HashMap::new();
        subs.insert("op-a".to_owned(), 2000u64);
        let m = a.impact(&subs, &key, 5);
        assert_eq!(m.reports, 4);
        assert_eq!(m.confirmed_spam, 3);
        assert_eq!(m.campaigns_across_operators, 1);
        assert_eq!(m.operators[0].reports_per_thousand_subscribers, Some(1.0));
        // The parcel sender reached 0.91 after its second report (two
        // smishing reports, 0.7 each): listed 60 minutes after the first.
        assert_eq!(m.minutes_to_listing_median, Some(60.0));
        assert!(!format!("{m:?}").contains("+447911123456"));
    }

    /// Issue 14, finding 8: senders the phone parser cannot read were
    /// shown in clear in campaigns (every member) and impact (regulators).
    #[test]
    fn unreadable_numbers_stay_pseudonyms_in_campaigns_and_impact() {
        let key = PseudonymKey::new(b"test key, not secret, 32 bytes!").expect("long enough");
        let rules = Rules::parse(
            "[[rule]]\nid = \"fee\"\naction = \"block\"\nkeywords = [\"parcel is held\"]\n",
        )
        .expect("valid rule");
        let model = crate::default_model().expect("shipped model");
        let at = |m: i64| DateTime::from_timestamp(1_714_557_600 + m * 60, 0).expect("valid");
        let reports: Vec<SpamReport> = [
            ("op-a", "0412-345678"),
            ("op-b", "+1 555 0100"),
            ("op-a", "InfoBank"),
        ]
        .iter()
        .enumerate()
        .map(|(n, (op, sender))| {
            SpamReport::new(
                report::Channel::Sms,
                op,
                "Your parcel is held, call 0412 345 678 or write to fees@parcel.example",
                Some(sender),
                None,
                None,
                at(n as i64),
                UserVerdict::Spam,
                &key,
            )
            .expect("valid")
        })
        .collect();
        let a = analyse(reports, &rules, &model, &Settings::default());
        assert!(a.processed.iter().all(|p| p.confirmed));
        // What every member reads of a campaign: its redacted sample and
        // its senders.
        let campaigns = a
            .campaigns
            .campaigns()
            .iter()
            .map(|c| {
                let senders: Vec<_> = c.senders.iter().map(|s| campaign_sender(s, &key)).collect();
                format!(
                    "{} {senders:?}",
                    indicators::redact_text(&c.sample, a.region(), &key)
                )
            })
            .collect::<String>();
        let impact = format!("{:?}", a.impact(&HashMap::new(), &key, 10));
        for out in [&campaigns, &impact] {
            for clear in ["345678", "555 0100", "5550100", "fees@"] {
                assert!(!out.contains(clear), "{clear}: {out}");
            }
            assert!(out.contains("InfoBank"), "{out}");
        }
        assert!(
            campaigns.contains(&key.pseudonym("0412-345678")),
            "{campaigns}"
        );
        assert!(impact.contains(&key.pseudonym("+1 555 0100")), "{impact}");
    }
}
