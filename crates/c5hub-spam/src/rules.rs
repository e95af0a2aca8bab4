//! X.1242-style user-specified filtering rules, evaluated before the model.
//!
//! A rules file (TOML) is a list of `[[rule]]` tables. A rule has an `id`,
//! an `action` (`allow` or `block`), an optional `recipient` (the rule then
//! applies to that recipient only; without it the rule is global) and one
//! or more conditions, all of which must hold:
//!
//! - `senders`: exact senders (E.164 numbers, short codes, alphanumeric
//!   sender ids, e-mail addresses; compared without case);
//! - `sender_prefixes`: sender prefixes (`+23480`, `INFO-`);
//! - `keywords`: any of these occurs in the message, compared on the
//!   normalised text (case and homoglyphs folded, so `FRЕЕ` with Cyrillic
//!   `Е` matches `free`);
//! - `patterns`: any of these regular expressions matches the original
//!   text (Rust `regex` syntax: linear time, no backtracking);
//! - `window`: the message arrived inside a daily time window
//!   (`from`, `to` as `HH:MM`, `utc_offset_minutes`, optional `days`).
//!
//! Order: the recipient's own rules first, then the global ones, each in
//! file order; the first rule that matches decides and is named in the
//! decision. When none matches, the model decides.
//!
//! ```toml
//! [[rule]]
//! id = "bank-allow"
//! action = "allow"
//! senders = ["MyBank"]
//!
//! [[rule]]
//! id = "night-promo"
//! action = "block"
//! keywords = ["promo", "offer"]
//! window = { from = "22:00", to = "07:00", utc_offset_minutes = 60 }
//! ```

use chrono::{DateTime, Datelike, NaiveTime, Timelike, Utc, Weekday};
use regex::{Regex, RegexBuilder};
use serde::Deserialize;

use crate::Error;
use crate::model::{Model, Workspace};
use crate::text;

/// Largest rules file accepted.
pub const MAX_RULES_BYTES: usize = 4 << 20;
/// Most rules in one file.
pub const MAX_RULES: usize = 100_000;
/// Compiled size limit of one regular expression.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesFile {
    #[serde(default, rename = "rule")]
    rules: Vec<RuleSpec>,
}

/// One rule as written in the file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    /// Names the rule in decisions.
    id: String,
    /// What a match does.
    action: Action,
    /// The recipient the rule is for (absent: every recipient).
    #[serde(default)]
    recipient: Option<String>,
    /// Exact senders.
    #[serde(default)]
    senders: Vec<String>,
    /// Sender prefixes.
    #[serde(default)]
    sender_prefixes: Vec<String>,
    /// Keywords, any of which matches.
    #[serde(default)]
    keywords: Vec<String>,
    /// Regular expressions, any of which matches.
    #[serde(default)]
    patterns: Vec<String>,
    /// Daily time window.
    #[serde(default)]
    window: Option<WindowSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowSpec {
    from: String,
    to: String,
    #[serde(default)]
    utc_offset_minutes: i32,
    #[serde(default)]
    days: Vec<String>,
}

/// What a rule does with a message it matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    /// Deliver: the message is ham whatever the model says.
    Allow,
    /// Block: the message is spam whatever the model says.
    Block,
}

/// A daily time window, local to an offset from UTC.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    from: NaiveTime,
    to: NaiveTime,
    offset_minutes: i32,
    /// Bit i set: weekday i (Monday = 0) is in; 0 means every day.
    days: u8,
}

impl Window {
    /// Whether `t` falls inside (an overnight window, `from` after `to`,
    /// wraps around midnight; its day is the day it started).
    pub fn contains(&self, t: DateTime<Utc>) -> bool {
        let local = t.naive_utc() + chrono::Duration::minutes(i64::from(self.offset_minutes));
        let time = local.time();
        let (inside, day) = if self.from <= self.to {
            (time >= self.from && time < self.to, local.weekday())
        } else if time >= self.from {
            (true, local.weekday())
        } else {
            (time < self.to, local.weekday().pred())
        };
        inside && (self.days == 0 || self.days & (1 << day.num_days_from_monday()) != 0)
    }
}

/// A compiled rule.
#[derive(Debug)]
pub struct Rule {
    /// The rule's id.
    pub id: String,
    /// Its action.
    pub action: Action,
    recipient: Option<String>,
    senders: Vec<String>,
    sender_prefixes: Vec<String>,
    keywords: Vec<String>,
    patterns: Vec<Regex>,
    window: Option<Window>,
}

impl Rule {
    /// Whether the rule applies to every recipient (X.1242 global rule)
    /// rather than to one recipient's own list.
    pub fn is_global(&self) -> bool {
        self.recipient.is_none()
    }

    /// What the rule looks at, as a person reads it: "sender on the
    /// block list", "keyword on the allow list and in the time window".
    pub fn summary(&self) -> String {
        let list = match self.action {
            Action::Allow => "allow",
            Action::Block => "block",
        };
        let mut what = Vec::new();
        if !self.senders.is_empty() || !self.sender_prefixes.is_empty() {
            what.push("sender");
        }
        if !self.keywords.is_empty() {
            what.push("keyword");
        }
        if !self.patterns.is_empty() {
            what.push("text pattern");
        }
        let mut s = if what.is_empty() {
            format!("every message is on the {list} list")
        } else {
            format!("{} on the {list} list", what.join(" and "))
        };
        if self.recipient.is_some() {
            s.push_str(" (the recipient's own)");
        }
        if self.window.is_some() {
            s.push_str(", in its time window");
        }
        s
    }
}

/// What the rules see of a message.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    /// The text.
    pub text: &'a str,
    /// The sender as received.
    pub sender: Option<&'a str>,
    /// The recipient key rules are written for (e.g. a keyed hash).
    pub recipient: Option<&'a str>,
    /// When the message arrived.
    pub received_at: DateTime<Utc>,
}

/// Senders compare without case and without spaces.
fn sender_key(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

fn parse_time(rule: &str, s: &str) -> Result<NaiveTime, Error> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| Error::rules(Some(rule), format!("time {s:?} is not HH:MM")))
}

fn parse_day(rule: &str, s: &str) -> Result<Weekday, Error> {
    let d = s.trim().to_ascii_lowercase();
    let d = d.get(..3).unwrap_or(&d);
    Ok(match d {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => {
            return Err(Error::rules(
                Some(rule),
                format!("day {s:?} is not a weekday"),
            ));
        }
    })
}

impl Rule {
    fn compile(spec: RuleSpec) -> Result<Rule, Error> {
        let id = spec.id.trim().to_owned();
        if id.is_empty() {
            return Err(Error::rules(None, "a rule has an empty id"));
        }
        let window = spec
            .window
            .map(|w| -> Result<Window, Error> {
                if w.utc_offset_minutes.abs() > 14 * 60 {
                    return Err(Error::rules(Some(&id), "utc_offset_minutes beyond ±14 h"));
                }
                let mut days = 0u8;
                for d in &w.days {
                    days |= 1 << parse_day(&id, d)?.num_days_from_monday();
                }
                Ok(Window {
                    from: parse_time(&id, &w.from)?,
                    to: parse_time(&id, &w.to)?,
                    offset_minutes: w.utc_offset_minutes,
                    days,
                })
            })
            .transpose()?;
        let mut norm = String::new();
        let keywords = spec
            .keywords
            .iter()
            .map(|k| {
                text::normalize(k, &mut norm);
                norm.clone()
            })
            .filter(|k| !k.is_empty())
            .collect();
        let patterns = spec
            .patterns
            .iter()
            .map(|p| {
                RegexBuilder::new(p)
                    .size_limit(REGEX_SIZE_LIMIT)
                    .build()
                    .map_err(|e| Error::rules(Some(&id), format!("pattern {p:?}: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let rule = Rule {
            action: spec.action,
            recipient: spec.recipient.map(|r| r.trim().to_owned()),
            senders: spec.senders.iter().map(|s| sender_key(s)).collect(),
            sender_prefixes: spec.sender_prefixes.iter().map(|s| sender_key(s)).collect(),
            keywords,
            patterns,
            window,
            id,
        };
        if rule.senders.is_empty()
            && rule.sender_prefixes.is_empty()
            && rule.keywords.is_empty()
            && rule.patterns.is_empty()
            && rule.window.is_none()
        {
            return Err(Error::rules(
                Some(&rule.id),
                "a rule needs at least one condition",
            ));
        }
        Ok(rule)
    }

    /// Whether every condition of the rule holds for `msg`, whose
    /// normalised text is `normalized`.
    fn matches(&self, msg: &Message<'_>, sender: Option<&str>, normalized: &str) -> bool {
        if !self.senders.is_empty() || !self.sender_prefixes.is_empty() {
            let Some(s) = sender else { return false };
            let exact = self.senders.iter().any(|x| x == s);
            let prefix = self
                .sender_prefixes
                .iter()
                .any(|p| s.starts_with(p.as_str()));
            if !(exact || prefix) {
                return false;
            }
        }
        if !self.keywords.is_empty()
            && !self
                .keywords
                .iter()
                .any(|k| normalized.contains(k.as_str()))
        {
            return false;
        }
        if !self.patterns.is_empty() && !self.patterns.iter().any(|p| p.is_match(msg.text)) {
            return false;
        }
        if let Some(w) = &self.window {
            if !w.contains(msg.received_at) {
                return false;
            }
        }
        true
    }
}

/// A rules file, compiled.
#[derive(Debug, Default)]
pub struct Rules {
    rules: Vec<Rule>,
}

/// The rule that decided.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleMatch {
    /// The rule's id.
    pub rule: String,
    /// Its action.
    pub action: Action,
}

impl Rules {
    /// Parses and compiles a rules file. Errors name the rule.
    pub fn parse(toml_text: &str) -> Result<Rules, Error> {
        if toml_text.len() > MAX_RULES_BYTES {
            return Err(Error::rules(None, "rules file larger than 4 MiB"));
        }
        let file: RulesFile =
            toml::from_str(toml_text).map_err(|e| Error::rules(None, e.to_string()))?;
        if file.rules.len() > MAX_RULES {
            return Err(Error::rules(None, "more than 100,000 rules"));
        }
        let mut seen = std::collections::HashSet::new();
        let mut rules = Vec::with_capacity(file.rules.len());
        for spec in file.rules {
            let rule = Rule::compile(spec)?;
            if !seen.insert(rule.id.clone()) {
                return Err(Error::rules(Some(&rule.id), "duplicate rule id"));
            }
            rules.push(rule);
        }
        Ok(Rules { rules })
    }

    /// Number of rules.
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The rule named `id`.
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// The rules in evaluation order within their scope (file order).
    pub fn iter(&self) -> impl Iterator<Item = &Rule> {
        self.rules.iter()
    }

    /// The first matching rule: the recipient's own, then the global ones.
    pub fn evaluate(&self, msg: &Message<'_>) -> Option<RuleMatch> {
        if self.rules.is_empty() {
            return None;
        }
        let sender = msg.sender.map(sender_key);
        let mut normalized = String::new();
        text::normalize(msg.text, &mut normalized);
        let own = self
            .rules
            .iter()
            .filter(|r| r.recipient.is_some() && r.recipient.as_deref() == msg.recipient);
        let global = self.rules.iter().filter(|r| r.recipient.is_none());
        own.chain(global)
            .find(|r| r.matches(msg, sender.as_deref(), &normalized))
            .map(|r| RuleMatch {
                rule: r.id.clone(),
                action: r.action,
            })
    }
}

/// Who made a decision.
#[derive(Clone, Debug, PartialEq)]
pub enum DecidedBy {
    /// A rule, named.
    Rule(RuleMatch),
    /// The model.
    Model,
}

/// The filter's decision on one message.
#[derive(Clone, Debug, PartialEq)]
pub struct Decision {
    /// Spam or not.
    pub spam: bool,
    /// The model's score (computed even when a rule decides, for the
    /// record and for training).
    pub score: f32,
    /// What decided.
    pub by: DecidedBy,
}

impl Decision {
    /// `spam` or `ham`.
    pub fn label(&self) -> &'static str {
        if self.spam { "spam" } else { "ham" }
    }

    /// `model`, or `rule:ID` for the rule that decided: how the store
    /// records who decided.
    pub fn decided_by(&self) -> String {
        match &self.by {
            DecidedBy::Rule(m) => format!("rule:{}", m.rule),
            DecidedBy::Model => "model".to_owned(),
        }
    }
}

/// Rules first, then the model.
pub fn decide(rules: &Rules, model: &Model, msg: &Message<'_>, ws: &mut Workspace) -> Decision {
    let verdict = model.classify(msg.text, ws);
    match rules.evaluate(msg) {
        Some(m) => Decision {
            spam: m.action == Action::Block,
            score: verdict.score,
            by: DecidedBy::Rule(m),
        },
        None => Decision {
            spam: verdict.spam,
            score: verdict.score,
            by: DecidedBy::Model,
        },
    }
}

/// Minutes since midnight, for tests and callers building windows.
pub fn minutes_of_day(t: DateTime<Utc>) -> u32 {
    t.hour() * 60 + t.minute()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .expect("valid time")
            .with_timezone(&Utc)
    }

    fn rules() -> Rules {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/test-data/rules/example.toml");
        Rules::parse(&std::fs::read_to_string(path).expect("test rules present")).expect("valid")
    }

    fn check(
        text: &str,
        sender: Option<&str>,
        recipient: Option<&str>,
        time: &str,
        expected: Option<&str>,
    ) {
        let msg = Message {
            text,
            sender,
            recipient,
            received_at: at(time),
        };
        let got = rules().evaluate(&msg).map(|m| m.rule);
        assert_eq!(
            got.as_deref(),
            expected,
            "{text:?} from {sender:?} to {recipient:?} at {time}"
        );
    }

    #[test]
    fn rule_order_and_conditions() {
        let noon = "2024-05-01T12:00:00Z"; // a Wednesday
        check(
            "Your OTP is 1234",
            Some("MyBank"),
            None,
            noon,
            Some("bank-allow"),
        );
        check(
            "Your OTP is 1234",
            Some("mybank"),
            None,
            noon,
            Some("bank-allow"),
        );
        check(
            "hi",
            Some("+2348031234567"),
            None,
            noon,
            Some("ng-mobile-prefix"),
        );
        check("Claim your FRЕЕ gift", None, None, noon, Some("free-gift"));
        check(
            "visit http://x.example/PAY-now",
            None,
            None,
            noon,
            Some("pay-link"),
        );
        check("nothing to see", Some("+441234"), None, noon, None);
        // Per-recipient rules come before global ones.
        check(
            "hi",
            Some("+2348031234567"),
            Some("r-42"),
            noon,
            Some("r42-allow-ng"),
        );
        // Window 22:00–07:00 at UTC+1: 22:30 UTC is 23:30 local.
        check(
            "big promo today",
            None,
            None,
            "2024-05-01T22:30:00Z",
            Some("night-promo"),
        );
        check("big promo today", None, None, noon, None);
        // Days: the window started Friday evening counts as Friday.
        check(
            "weekend offer",
            None,
            None,
            "2024-05-04T02:00:00Z",
            Some("weekend-offer"),
        );
        check("weekend offer", None, None, "2024-05-02T02:00:00Z", None);
    }

    #[test]
    fn bad_files_name_the_rule() {
        let cases = [
            (
                "[[rule]]\nid = \"a\"\naction = \"block\"\n",
                "rule \"a\": a rule needs at least one condition",
            ),
            (
                "[[rule]]\nid = \"b\"\naction = \"block\"\npatterns = [\"(\"]\n",
                "rule \"b\": pattern",
            ),
            (
                "[[rule]]\nid = \"c\"\naction = \"drop\"\nkeywords=[\"x\"]\n",
                "unknown variant",
            ),
            (
                "[[rule]]\nid = \"d\"\naction = \"block\"\nkeyword=[\"x\"]\n",
                "unknown field",
            ),
            (
                "[[rule]]\nid = \"e\"\naction = \"block\"\nwindow = { from = \"25:00\", to = \"01:00\" }\n",
                "rule \"e\": time \"25:00\"",
            ),
            (
                "[[rule]]\nid = \"f\"\naction = \"block\"\nkeywords=[\"x\"]\n[[rule]]\nid = \"f\"\naction = \"allow\"\nkeywords=[\"y\"]\n",
                "rule \"f\": duplicate rule id",
            ),
        ];
        for (text, want) in cases {
            let err = Rules::parse(text).expect_err(want).to_string();
            assert!(err.contains(want), "{err:?} should contain {want:?}");
        }
    }

    #[test]
    fn decision_names_the_rule_or_the_model() {
        let model = crate::default_model().expect("shipped model");
        let mut ws = Workspace::default();
        let r = rules();
        let msg = Message {
            text: "WINNER! Claim your £1000 prize, call 09061234567 now",
            sender: Some("MyBank"),
            recipient: None,
            received_at: at("2024-05-01T12:00:00Z"),
        };
        let d = decide(&r, &model, &msg, &mut ws);
        assert!(!d.spam, "the allow rule wins over the model");
        assert!(d.score > 0.5, "the model's score is still recorded");
        assert_eq!(
            d.by,
            DecidedBy::Rule(RuleMatch {
                rule: "bank-allow".into(),
                action: Action::Allow
            })
        );
        let d = decide(
            &r,
            &model,
            &Message {
                sender: None,
                ..msg
            },
            &mut ws,
        );
        assert!(d.spam);
        assert_eq!(d.by, DecidedBy::Model);
    }
}
