//! Methodologies as data: pillars, indicators, sub-indicators and questions,
//! answer types and their scores, weights at every level, the aggregation
//! rule, and the tiers.
//!
//! A methodology is a versioned TOML document. Two ship with the crate
//! ([`BUILTIN`]); users may load their own with [`Methodology::from_toml`].
//! The TOML is read into the `file` twin structs (which deny unknown fields
//! and whose doc comments are the format's documentation), then checked as a
//! whole: [`Error::MethodologyInvalid`] lists every violation with its path,
//! not only the first. The validated [`Methodology`] is what scoring uses.
//!
//! This module does no I/O: callers pass the TOML text in.

use std::collections::{HashMap, HashSet};
use std::fmt;

use crate::error::Error;
use crate::limits;

/// Tier assignment compares the unrounded overall score with each tier's
/// minimum, accepting a score that falls short of it by at most this much.
///
/// Scores are sums and products of `f64` values; a country whose pillar
/// scores add up to exactly 95 on paper may add up to 94.99999999999999 in
/// binary floating point. The tolerance absorbs that representation error
/// and nothing else: 94.99 is still below 95 by 0.01, a hundred million
/// times the tolerance.
pub const TIER_TOLERANCE: f64 = 1e-9;

/// The built-in methodologies: name and TOML source.
pub const BUILTIN: &[(&str, &str)] = &[
    ("gci-2024", include_str!("../methodologies/gci-2024.toml")),
    (
        "cirt-readiness",
        include_str!("../methodologies/cirt-readiness.toml"),
    ),
];

/// The names of the built-in methodologies, in [`BUILTIN`] order.
pub fn builtin_names() -> Vec<&'static str> {
    BUILTIN.iter().map(|(name, _)| *name).collect()
}

/// The TOML source of a built-in methodology.
pub fn builtin_source(name: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| *source)
}

/// The serde twin of the methodology file. Doc comments here document the
/// file format.
mod file {
    use serde::Deserialize;

    /// A methodology file.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct MethodologyFile {
        /// Identity, scale and rules.
        pub methodology: Header,
        /// The tiers (or maturity levels), highest first.
        #[serde(rename = "tier")]
        pub tiers: Vec<TierFile>,
        /// Answer types by name; questions refer to them by that name.
        #[serde(default)]
        pub answer_types: toml::Table,
        /// The pillars, in display order.
        #[serde(rename = "pillar")]
        pub pillars: Vec<PillarFile>,
    }

    /// The `[methodology]` table.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct Header {
        /// Stable identifier, lower case letters, digits and hyphens
        /// (`gci-2024`). Results are comparable only under the same id and
        /// version.
        pub id: String,
        /// Version of this methodology; change it whenever a weight, a
        /// question or a threshold changes.
        pub version: String,
        /// Human title.
        pub title: String,
        /// What the methodology measures and how, in prose.
        #[serde(default)]
        pub description: String,
        /// The overall score's maximum (100 for GCI). A pillar's maximum is
        /// this scale times the pillar's normalised weight.
        pub scale: f64,
        /// How pillar scores combine into the overall score:
        /// `weighted-arithmetic` (the sum of pillar scores) or
        /// `weighted-geometric` (scale times the weighted geometric mean of
        /// the pillar fractions; one empty pillar makes the overall zero).
        pub aggregation: String,
        /// What an unanswered question counts for: `zero` (scores zero and
        /// is flagged) or `exclude` (left out; its siblings' weights are
        /// renormalised, at every level up to the pillars).
        pub missing: String,
        /// What a tier is called in reports (`Tier`, `Maturity level`).
        #[serde(default = "default_tier_label")]
        pub tier_label: String,
    }

    fn default_tier_label() -> String {
        "Tier".to_owned()
    }

    /// One `[[tier]]`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct TierFile {
        /// Short code (`T1`).
        pub code: String,
        /// Name (`Role-modelling`).
        pub name: String,
        /// Lowest overall score in this tier (inclusive). Tiers are listed
        /// with strictly decreasing minimums and the last one has 0.
        pub min: f64,
        /// What the tier means.
        #[serde(default)]
        pub description: String,
    }

    /// One `[answer_types.NAME]` table.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct AnswerTypeFile {
        /// `choice` (one option), `multiple` (any set of options, scores
        /// added and capped at 1), `count` (a non-negative number, scored
        /// by `bands` or linearly up to `full_at`), or `percentage`
        /// (0 to 100, linear up to `full_at`, default 100).
        pub kind: String,
        /// What the answer means.
        #[serde(default)]
        pub description: String,
        /// For `choice` and `multiple`: option name to score (0 to 1).
        /// Option names are lower case with hyphens; answers match them
        /// ignoring case, and spaces or underscores count as hyphens.
        #[serde(default)]
        pub options: Option<toml::Table>,
        /// For `count` and `percentage`: the value from which the score is
        /// full; below it the score is value / full_at.
        #[serde(default)]
        pub full_at: Option<f64>,
        /// For `count`: steps `{ at = N, score = S }` with increasing `at`;
        /// a count scores the `score` of the last step whose `at` it
        /// reaches, and 0 below the first step.
        #[serde(default)]
        pub bands: Option<Vec<BandFile>>,
    }

    /// One step of a `count` answer type.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct BandFile {
        /// The count from which this step applies.
        pub at: f64,
        /// The score (0 to 1) of this step.
        pub score: f64,
    }

    /// One `[[pillar]]`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct PillarFile {
        /// Identifier, also the column name in pillar-score CSV files.
        pub id: String,
        /// Human name.
        pub name: String,
        /// What the pillar covers.
        #[serde(default)]
        pub description: String,
        /// Relative weight among pillars (default 1).
        #[serde(default = "one")]
        pub weight: f64,
        /// The pillar's indicators.
        #[serde(rename = "indicator")]
        pub indicators: Vec<IndicatorFile>,
    }

    /// One `[[pillar.indicator]]`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct IndicatorFile {
        /// Identifier, unique within the pillar.
        pub id: String,
        /// Human name.
        pub name: String,
        /// Relative weight within the pillar (default 1).
        #[serde(default = "one")]
        pub weight: f64,
        /// The indicator's sub-indicators.
        #[serde(rename = "subindicator")]
        pub subindicators: Vec<SubIndicatorFile>,
    }

    /// One `[[pillar.indicator.subindicator]]`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct SubIndicatorFile {
        /// Identifier, unique within the indicator.
        pub id: String,
        /// Human name.
        pub name: String,
        /// Relative weight within the indicator (default 1).
        #[serde(default = "one")]
        pub weight: f64,
        /// The questions.
        #[serde(rename = "question")]
        pub questions: Vec<QuestionFile>,
    }

    /// One `[[pillar.indicator.subindicator.question]]`.
    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    pub struct QuestionFile {
        /// Identifier, unique in the whole methodology; responses refer to
        /// questions by it. Keep it stable across versions so that older
        /// answers can be re-scored.
        pub id: String,
        /// The question as put to the respondent.
        pub text: String,
        /// The name of its answer type.
        pub answer: String,
        /// Relative weight within the sub-indicator (default 1).
        #[serde(default = "one")]
        pub weight: f64,
        /// Guidance on what evidence supports an answer.
        #[serde(default)]
        pub guidance: String,
    }

    fn one() -> f64 {
        1.0
    }
}

/// How pillar fractions combine into the overall score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregation {
    /// `scale × Σ wᵢ fᵢ`: the sum of the pillar scores.
    WeightedArithmetic,
    /// `scale × Π fᵢ^wᵢ`: rewards balance; an empty pillar gives zero.
    WeightedGeometric,
}

impl Aggregation {
    /// The name used in methodology files.
    pub fn as_str(self) -> &'static str {
        match self {
            Aggregation::WeightedArithmetic => "weighted-arithmetic",
            Aggregation::WeightedGeometric => "weighted-geometric",
        }
    }
}

/// What an unanswered question (or a missing pillar score) counts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MissingPolicy {
    /// It scores zero, and the country is flagged.
    Zero,
    /// It is left out and its siblings' weights are renormalised; a node
    /// with no data at all is left out of its parent in turn.
    Exclude,
}

impl MissingPolicy {
    /// The name used in methodology files.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingPolicy::Zero => "zero",
            MissingPolicy::Exclude => "exclude",
        }
    }
}

/// A tier (or maturity level).
#[derive(Debug, Clone, PartialEq)]
pub struct Tier {
    /// Short code (`T1`).
    pub code: String,
    /// Name (`Role-modelling`).
    pub name: String,
    /// Lowest overall score in the tier, inclusive.
    pub min: f64,
    /// What the tier means.
    pub description: String,
}

/// How a `count` answer is scored.
#[derive(Debug, Clone, PartialEq)]
pub enum CountScoring {
    /// `min(n / full_at, 1)`.
    Linear {
        /// The count from which the score is full.
        full_at: f64,
    },
    /// `(at, score)` steps with increasing `at`.
    Bands(Vec<(f64, f64)>),
}

/// The kind of an answer type, with its scoring.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerKind {
    /// One option out of several.
    Choice {
        /// Option name and score, in file order.
        options: Vec<(String, f64)>,
    },
    /// Any set of options; their scores add up, capped at 1.
    Multiple {
        /// Option name and score, in file order.
        options: Vec<(String, f64)>,
    },
    /// A non-negative number (a count or a number of full-time equivalents).
    Count(CountScoring),
    /// A share from 0 to 100.
    Percentage {
        /// The share from which the score is full.
        full_at: f64,
    },
}

/// A named answer type.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerType {
    /// Its name in the methodology.
    pub name: String,
    /// What the answer means.
    pub description: String,
    /// Kind and scoring.
    pub kind: AnswerKind,
}

/// Normalises an option name or a choice answer: trimmed, lower case, and
/// spaces and underscores turned into hyphens.
pub fn normalise_option(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            ' ' | '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

impl AnswerType {
    /// The score (0 to 1) of a non-empty answer, or why it is not valid.
    ///
    /// Choice answers match option names ignoring case; multiple-choice
    /// answers list options separated by `;`; counts and percentages are
    /// decimal numbers (a percentage may end in `%`).
    pub fn score(&self, raw: &str) -> Result<f64, String> {
        let raw = raw.trim();
        match &self.kind {
            AnswerKind::Choice { options } => {
                let key = normalise_option(raw);
                options
                    .iter()
                    .find(|(name, _)| *name == key)
                    .map(|(_, score)| *score)
                    .ok_or_else(|| {
                        format!(
                            "{raw:?} is not one of {}",
                            option_list(options.iter().map(|(n, _)| n.as_str()))
                        )
                    })
            }
            AnswerKind::Multiple { options } => {
                let mut seen = HashSet::new();
                let mut total = 0.0;
                for part in raw.split(';') {
                    let key = normalise_option(part);
                    if key.is_empty() || key == "none" {
                        continue;
                    }
                    let Some((_, score)) = options.iter().find(|(name, _)| *name == key) else {
                        return Err(format!(
                            "{:?} is not one of {}",
                            part.trim(),
                            option_list(options.iter().map(|(n, _)| n.as_str()))
                        ));
                    };
                    if seen.insert(key) {
                        total += score;
                    }
                }
                Ok(total.min(1.0))
            }
            AnswerKind::Count(scoring) => {
                let n = parse_number(raw)?;
                if n < 0.0 {
                    return Err(format!("a count cannot be negative ({raw})"));
                }
                Ok(match scoring {
                    CountScoring::Linear { full_at } => (n / full_at).min(1.0),
                    CountScoring::Bands(bands) => bands
                        .iter()
                        .rev()
                        .find(|(at, _)| n >= *at)
                        .map_or(0.0, |(_, score)| *score),
                })
            }
            AnswerKind::Percentage { full_at } => {
                let n = parse_number(raw.strip_suffix('%').unwrap_or(raw).trim_end())?;
                if !(0.0..=100.0).contains(&n) {
                    return Err(format!("a percentage must be between 0 and 100 ({raw})"));
                }
                Ok((n / full_at).min(1.0))
            }
        }
    }

    /// A short human description of the accepted answers.
    pub fn accepted(&self) -> String {
        match &self.kind {
            AnswerKind::Choice { options } => {
                format!(
                    "one of {}",
                    option_list(options.iter().map(|(n, _)| n.as_str()))
                )
            }
            AnswerKind::Multiple { options } => format!(
                "any of {} separated by ';'",
                option_list(options.iter().map(|(n, _)| n.as_str()))
            ),
            AnswerKind::Count(_) => "a non-negative number".to_owned(),
            AnswerKind::Percentage { .. } => "a percentage from 0 to 100".to_owned(),
        }
    }
}

fn option_list<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names.collect::<Vec<_>>().join(", ")
}

fn parse_number(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(format!("{raw:?} is not a number")),
    }
}

/// A question.
#[derive(Debug, Clone, PartialEq)]
pub struct Question {
    /// Identifier, unique in the methodology.
    pub id: String,
    /// The question text.
    pub text: String,
    /// The name of its answer type.
    pub answer_type: String,
    /// Weight as given in the file.
    pub weight: f64,
    /// Weight normalised among the sub-indicator's questions.
    pub share: f64,
    /// Evidence guidance.
    pub guidance: String,
}

/// A sub-indicator: a group of questions.
#[derive(Debug, Clone, PartialEq)]
pub struct SubIndicator {
    /// Identifier, unique within the indicator.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Weight as given in the file.
    pub weight: f64,
    /// Weight normalised among the indicator's sub-indicators.
    pub share: f64,
    /// The questions.
    pub questions: Vec<Question>,
}

/// An indicator: a group of sub-indicators.
#[derive(Debug, Clone, PartialEq)]
pub struct Indicator {
    /// Identifier, unique within the pillar.
    pub id: String,
    /// Human name.
    pub name: String,
    /// Weight as given in the file.
    pub weight: f64,
    /// Weight normalised among the pillar's indicators.
    pub share: f64,
    /// The sub-indicators.
    pub subindicators: Vec<SubIndicator>,
}

/// A pillar.
#[derive(Debug, Clone, PartialEq)]
pub struct Pillar {
    /// Identifier; the column name in pillar-score CSV files.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the pillar covers.
    pub description: String,
    /// Weight as given in the file.
    pub weight: f64,
    /// Weight normalised among pillars.
    pub share: f64,
    /// The indicators.
    pub indicators: Vec<Indicator>,
}

/// Identity of a methodology: results are comparable only when both match.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MethodologyRef {
    /// The methodology's id.
    pub id: String,
    /// Its version.
    pub version: String,
}

impl fmt::Display for MethodologyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", self.id, self.version)
    }
}

/// A validated methodology.
#[derive(Debug, Clone, PartialEq)]
pub struct Methodology {
    /// Stable identifier.
    pub id: String,
    /// Version.
    pub version: String,
    /// Human title.
    pub title: String,
    /// Prose description.
    pub description: String,
    /// Maximum overall score.
    pub scale: f64,
    /// How pillars combine.
    pub aggregation: Aggregation,
    /// What missing answers count for.
    pub missing: MissingPolicy,
    /// What a tier is called (`Tier`, `Maturity level`).
    pub tier_label: String,
    /// Tiers, highest first, with strictly decreasing minimums; the last
    /// one's minimum is 0.
    pub tiers: Vec<Tier>,
    /// Answer types, in file order.
    pub answer_types: Vec<AnswerType>,
    /// Pillars, in file order.
    pub pillars: Vec<Pillar>,
    /// Question id to its (pillar, indicator, sub-indicator, question)
    /// position.
    index: HashMap<String, [usize; 4]>,
}

fn valid_id(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.' | '_'))
}

fn check_weight(problems: &mut Vec<String>, path: &str, weight: f64) {
    if !(weight.is_finite() && weight > 0.0) {
        problems.push(format!(
            "{path}: weight must be a positive number, not {weight}"
        ));
    }
}

fn shares(weights: impl Iterator<Item = f64> + Clone) -> impl Iterator<Item = f64> {
    let total: f64 = weights.clone().sum();
    weights.map(move |w| if total > 0.0 { w / total } else { 0.0 })
}

impl Methodology {
    /// Loads a built-in methodology by name.
    pub fn builtin(name: &str) -> Result<Methodology, Error> {
        let source = builtin_source(name).ok_or_else(|| Error::UnknownMethodology {
            name: name.to_owned(),
        })?;
        Methodology::from_toml(source, &format!("builtin:{name}"))
    }

    /// Parses and validates a methodology; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Methodology, Error> {
        if text.len() > limits::MAX_METHODOLOGY_BYTES {
            return Err(Error::Limit {
                message: format!(
                    "methodology {origin} has {} bytes, more than {}",
                    text.len(),
                    limits::MAX_METHODOLOGY_BYTES
                ),
            });
        }
        let parsed: file::MethodologyFile =
            toml::from_str(text).map_err(|e| Error::MethodologySyntax {
                origin: origin.to_owned(),
                message: e.to_string().trim_end().to_owned(),
            })?;
        let mut problems = Vec::new();
        let m = Self::validate(parsed, &mut problems);
        if problems.is_empty() {
            Ok(m)
        } else {
            Err(Error::MethodologyInvalid {
                origin: origin.to_owned(),
                problems,
            })
        }
    }

    fn validate(f: file::MethodologyFile, problems: &mut Vec<String>) -> Methodology {
        let h = f.methodology;
        if !valid_id(&h.id) {
            problems.push(format!(
                "methodology.id: {:?} must be lower case letters, digits, '-', '.' or '_'",
                h.id
            ));
        }
        if h.version.trim().is_empty() {
            problems.push("methodology.version: must not be empty".to_owned());
        }
        if !(h.scale.is_finite() && h.scale > 0.0) {
            problems.push(format!(
                "methodology.scale: must be a positive number, not {}",
                h.scale
            ));
        }
        let aggregation = match h.aggregation.as_str() {
            "weighted-arithmetic" => Aggregation::WeightedArithmetic,
            "weighted-geometric" => Aggregation::WeightedGeometric,
            other => {
                problems.push(format!(
                    "methodology.aggregation: {other:?} is not weighted-arithmetic or weighted-geometric"
                ));
                Aggregation::WeightedArithmetic
            }
        };
        let missing = match h.missing.as_str() {
            "zero" => MissingPolicy::Zero,
            "exclude" => MissingPolicy::Exclude,
            other => {
                problems.push(format!(
                    "methodology.missing: {other:?} is not zero or exclude"
                ));
                MissingPolicy::Zero
            }
        };

        // Tiers.
        if f.tiers.is_empty() {
            problems.push("tier: at least one tier is needed".to_owned());
        }
        let mut codes = HashSet::new();
        for (i, t) in f.tiers.iter().enumerate() {
            let path = format!("tier[{i}] ({})", t.code);
            if t.code.trim().is_empty() || t.name.trim().is_empty() {
                problems.push(format!("{path}: code and name must not be empty"));
            }
            if !codes.insert(t.code.clone()) {
                problems.push(format!("{path}: duplicate tier code"));
            }
            if !(t.min.is_finite()
                && t.min >= 0.0
                && (t.min < h.scale || i == 0 && t.min <= h.scale))
            {
                problems.push(format!(
                    "{path}: min {} must be between 0 and the scale {}",
                    t.min, h.scale
                ));
            }
            if i > 0 && t.min >= f.tiers[i - 1].min {
                problems.push(format!(
                    "{path}: min {} must be lower than the previous tier's {}",
                    t.min,
                    f.tiers[i - 1].min
                ));
            }
        }
        if let Some(last) = f.tiers.last()
            && last.min != 0.0
        {
            problems.push(format!(
                "tier[{}] ({}): the lowest tier must have min = 0 so that every score has a tier",
                f.tiers.len() - 1,
                last.code
            ));
        }
        let tiers = f
            .tiers
            .into_iter()
            .map(|t| Tier {
                code: t.code,
                name: t.name,
                min: t.min,
                description: t.description,
            })
            .collect();

        // Answer types.
        let mut answer_types = Vec::new();
        for (name, value) in f.answer_types {
            let path = format!("answer_types.{name}");
            if !valid_id(&name) {
                problems.push(format!("{path}: invalid name"));
            }
            let at: file::AnswerTypeFile = match value.try_into() {
                Ok(at) => at,
                Err(e) => {
                    problems.push(format!("{path}: {}", e.to_string().trim_end()));
                    continue;
                }
            };
            if let Some(kind) = answer_kind(&path, &at, problems) {
                answer_types.push(AnswerType {
                    name,
                    description: at.description,
                    kind,
                });
            }
        }

        // Pillars and below.
        if f.pillars.is_empty() {
            problems.push("pillar: at least one pillar is needed".to_owned());
        }
        if f.pillars.len() > limits::MAX_PILLARS {
            problems.push(format!(
                "pillar: {} pillars, more than {}",
                f.pillars.len(),
                limits::MAX_PILLARS
            ));
        }
        let mut pillar_ids = HashSet::new();
        let mut question_ids = HashSet::new();
        let known_types: HashSet<String> = answer_types.iter().map(|a| a.name.clone()).collect();
        let pillar_shares: Vec<f64> = shares(f.pillars.iter().map(|p| p.weight)).collect();
        let mut pillars = Vec::new();
        for (pi, (p, pshare)) in f.pillars.into_iter().zip(pillar_shares).enumerate() {
            let ppath = format!("pillar[{pi}] ({})", p.id);
            if !valid_id(&p.id) || p.id.contains('.') {
                problems.push(format!(
                    "{ppath}: id must be lower case letters, digits, '-' or '_'"
                ));
            }
            if matches!(p.id.as_str(), "iso3" | "year" | "overall") {
                problems.push(format!("{ppath}: id is reserved for a CSV column"));
            }
            if !pillar_ids.insert(p.id.clone()) {
                problems.push(format!("{ppath}: duplicate pillar id"));
            }
            check_weight(problems, &ppath, p.weight);
            if p.indicators.is_empty() {
                problems.push(format!("{ppath}: at least one indicator is needed"));
            }
            let ishares: Vec<f64> = shares(p.indicators.iter().map(|i| i.weight)).collect();
            let mut indicator_ids = HashSet::new();
            let mut indicators = Vec::new();
            for (ii, (ind, ishare)) in p.indicators.into_iter().zip(ishares).enumerate() {
                let ipath = format!("{ppath}.indicator[{ii}] ({})", ind.id);
                if !valid_id(&ind.id) {
                    problems.push(format!("{ipath}: invalid id"));
                }
                if !indicator_ids.insert(ind.id.clone()) {
                    problems.push(format!("{ipath}: duplicate indicator id in this pillar"));
                }
                check_weight(problems, &ipath, ind.weight);
                if ind.subindicators.is_empty() {
                    problems.push(format!("{ipath}: at least one sub-indicator is needed"));
                }
                let sshares: Vec<f64> =
                    shares(ind.subindicators.iter().map(|s| s.weight)).collect();
                let mut sub_ids = HashSet::new();
                let mut subs = Vec::new();
                for (si, (sub, sshare)) in ind.subindicators.into_iter().zip(sshares).enumerate() {
                    let spath = format!("{ipath}.subindicator[{si}] ({})", sub.id);
                    if !valid_id(&sub.id) {
                        problems.push(format!("{spath}: invalid id"));
                    }
                    if !sub_ids.insert(sub.id.clone()) {
                        problems.push(format!("{spath}: duplicate sub-indicator id"));
                    }
                    check_weight(problems, &spath, sub.weight);
                    if sub.questions.is_empty() {
                        problems.push(format!("{spath}: at least one question is needed"));
                    }
                    let qshares: Vec<f64> =
                        shares(sub.questions.iter().map(|q| q.weight)).collect();
                    let mut questions = Vec::new();
                    for (qi, (q, qshare)) in sub.questions.into_iter().zip(qshares).enumerate() {
                        let qpath = format!("{spath}.question[{qi}] ({})", q.id);
                        if !valid_id(&q.id) {
                            problems.push(format!("{qpath}: invalid id"));
                        }
                        if !question_ids.insert(q.id.clone()) {
                            problems.push(format!("{qpath}: duplicate question id"));
                        }
                        if q.text.trim().is_empty() {
                            problems.push(format!("{qpath}: text must not be empty"));
                        }
                        if !known_types.contains(&q.answer) {
                            problems.push(format!("{qpath}: unknown answer type {:?}", q.answer));
                        }
                        check_weight(problems, &qpath, q.weight);
                        questions.push(Question {
                            id: q.id,
                            text: q.text,
                            answer_type: q.answer,
                            weight: q.weight,
                            share: qshare,
                            guidance: q.guidance,
                        });
                    }
                    subs.push(SubIndicator {
                        id: sub.id,
                        name: sub.name,
                        weight: sub.weight,
                        share: sshare,
                        questions,
                    });
                }
                indicators.push(Indicator {
                    id: ind.id,
                    name: ind.name,
                    weight: ind.weight,
                    share: ishare,
                    subindicators: subs,
                });
            }
            pillars.push(Pillar {
                id: p.id,
                name: p.name,
                description: p.description,
                weight: p.weight,
                share: pshare,
                indicators,
            });
        }
        if question_ids.len() > limits::MAX_QUESTIONS {
            problems.push(format!(
                "{} questions, more than {}",
                question_ids.len(),
                limits::MAX_QUESTIONS
            ));
        }

        let mut index = HashMap::new();
        for (pi, p) in pillars.iter().enumerate() {
            for (ii, ind) in p.indicators.iter().enumerate() {
                for (si, sub) in ind.subindicators.iter().enumerate() {
                    for (qi, q) in sub.questions.iter().enumerate() {
                        index.insert(q.id.clone(), [pi, ii, si, qi]);
                    }
                }
            }
        }

        Methodology {
            id: h.id,
            version: h.version,
            title: h.title,
            description: h.description.trim().to_owned(),
            scale: h.scale,
            aggregation,
            missing,
            tier_label: h.tier_label,
            tiers,
            answer_types,
            pillars,
            index,
        }
    }

    /// Identity of this methodology.
    pub fn reference(&self) -> MethodologyRef {
        MethodologyRef {
            id: self.id.clone(),
            version: self.version.clone(),
        }
    }

    /// Normalised pillar weights, summing to 1, in pillar order.
    pub fn pillar_weights(&self) -> Vec<f64> {
        self.pillars.iter().map(|p| p.share).collect()
    }

    /// A pillar's maximum score: the scale times its normalised weight
    /// (20 for each GCI pillar).
    pub fn pillar_max(&self, pillar: usize) -> f64 {
        self.pillars
            .get(pillar)
            .map_or(0.0, |p| self.scale * p.share)
    }

    /// The index (into [`Methodology::tiers`]) of the tier of an unrounded
    /// overall score. See [`TIER_TOLERANCE`].
    pub fn tier_for(&self, overall: f64) -> usize {
        self.tiers
            .iter()
            .position(|t| overall >= t.min - TIER_TOLERANCE)
            .unwrap_or(self.tiers.len().saturating_sub(1))
    }

    /// The answer type of this name.
    pub fn answer_type(&self, name: &str) -> Option<&AnswerType> {
        self.answer_types.iter().find(|a| a.name == name)
    }

    /// The position of a question: (pillar, indicator, sub-indicator,
    /// question) indices.
    pub fn locate(&self, question: &str) -> Option<[usize; 4]> {
        self.index.get(question).copied()
    }

    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        let [p, i, s, q] = self.locate(id)?;
        Some(&self.pillars[p].indicators[i].subindicators[s].questions[q])
    }

    /// Number of questions.
    pub fn question_count(&self) -> usize {
        self.index.len()
    }

    /// Every question with its pillar index, in methodology order.
    pub fn questions(&self) -> impl Iterator<Item = (usize, &Question)> {
        self.pillars.iter().enumerate().flat_map(|(pi, p)| {
            p.indicators.iter().flat_map(move |ind| {
                ind.subindicators
                    .iter()
                    .flat_map(move |s| s.questions.iter().map(move |q| (pi, q)))
            })
        })
    }

    /// The index of the pillar with this id.
    pub fn pillar_index(&self, id: &str) -> Option<usize> {
        self.pillars.iter().position(|p| p.id == id)
    }
}

fn options_of(
    path: &str,
    table: Option<&toml::Table>,
    problems: &mut Vec<String>,
) -> Vec<(String, f64)> {
    let Some(table) = table else {
        problems.push(format!("{path}: options are required for this kind"));
        return Vec::new();
    };
    if table.is_empty() {
        problems.push(format!("{path}: options must not be empty"));
    }
    let mut out = Vec::new();
    for (name, value) in table {
        let score = match value {
            toml::Value::Float(f) => *f,
            toml::Value::Integer(i) => *i as f64,
            other => {
                problems.push(format!(
                    "{path}.options.{name}: score must be a number, not {}",
                    other.type_str()
                ));
                continue;
            }
        };
        if !(0.0..=1.0).contains(&score) {
            problems.push(format!(
                "{path}.options.{name}: score {score} must be between 0 and 1"
            ));
        }
        if normalise_option(name) != *name || name.is_empty() {
            problems.push(format!(
                "{path}.options.{name}: option names are lower case with hyphens"
            ));
        }
        out.push((name.clone(), score));
    }
    out
}

fn answer_kind(
    path: &str,
    at: &file::AnswerTypeFile,
    problems: &mut Vec<String>,
) -> Option<AnswerKind> {
    let before = problems.len();
    let forbid = |problems: &mut Vec<String>, field: &str, present: bool| {
        if present {
            problems.push(format!(
                "{path}: {field} does not apply to kind {:?}",
                at.kind
            ));
        }
    };
    let kind = match at.kind.as_str() {
        "choice" | "multiple" => {
            forbid(problems, "full_at", at.full_at.is_some());
            forbid(problems, "bands", at.bands.is_some());
            let options = options_of(path, at.options.as_ref(), problems);
            if at.kind == "choice" {
                AnswerKind::Choice { options }
            } else {
                if options.iter().any(|(n, _)| n == "none") {
                    problems.push(format!(
                        "{path}: 'none' is reserved in multiple-choice answers for the empty set"
                    ));
                }
                AnswerKind::Multiple { options }
            }
        }
        "count" => {
            forbid(problems, "options", at.options.is_some());
            match (at.full_at, &at.bands) {
                (Some(full_at), None) => {
                    if !(full_at.is_finite() && full_at > 0.0) {
                        problems.push(format!("{path}: full_at must be positive"));
                    }
                    AnswerKind::Count(CountScoring::Linear { full_at })
                }
                (None, Some(bands)) => {
                    if bands.is_empty() {
                        problems.push(format!("{path}: bands must not be empty"));
                    }
                    for (i, b) in bands.iter().enumerate() {
                        if !(b.at.is_finite() && b.at >= 0.0) {
                            problems.push(format!("{path}.bands[{i}]: at must be >= 0"));
                        }
                        if !(0.0..=1.0).contains(&b.score) {
                            problems
                                .push(format!("{path}.bands[{i}]: score must be between 0 and 1"));
                        }
                        if i > 0 && b.at <= bands[i - 1].at {
                            problems.push(format!("{path}.bands[{i}]: at must increase"));
                        }
                        if i > 0 && b.score < bands[i - 1].score {
                            problems.push(format!(
                                "{path}.bands[{i}]: scores must not decrease as counts grow"
                            ));
                        }
                    }
                    AnswerKind::Count(CountScoring::Bands(
                        bands.iter().map(|b| (b.at, b.score)).collect(),
                    ))
                }
                _ => {
                    problems.push(format!(
                        "{path}: a count needs exactly one of full_at and bands"
                    ));
                    return None;
                }
            }
        }
        "percentage" => {
            forbid(problems, "options", at.options.is_some());
            forbid(problems, "bands", at.bands.is_some());
            let full_at = at.full_at.unwrap_or(100.0);
            if !(full_at > 0.0 && full_at <= 100.0) {
                problems.push(format!("{path}: full_at must be in (0, 100]"));
            }
            AnswerKind::Percentage { full_at }
        }
        other => {
            problems.push(format!(
                "{path}: kind {other:?} is not choice, multiple, count or percentage"
            ));
            return None;
        }
    };
    (problems.len() == before).then_some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_validate() {
        for name in builtin_names() {
            let m = Methodology::builtin(name).expect("built-in methodology validates");
            assert_eq!(m.id, name);
            let total: f64 = m.pillar_weights().iter().sum();
            assert!((total - 1.0).abs() < 1e-12);
            assert!(m.question_count() >= m.pillars.len());
            // Every pillar has questions.
            for (pi, _) in m.pillars.iter().enumerate() {
                assert!(m.questions().any(|(p, _)| p == pi));
            }
        }
    }

    #[test]
    fn gci_structure() {
        let m = Methodology::builtin("gci-2024").expect("gci-2024 validates");
        let ids: Vec<_> = m.pillars.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "legal",
                "technical",
                "organizational",
                "capacity",
                "cooperation"
            ]
        );
        for i in 0..5 {
            assert!((m.pillar_max(i) - 20.0).abs() < 1e-12);
        }
        let tiers: Vec<_> = m
            .tiers
            .iter()
            .map(|t| (t.code.as_str(), t.name.as_str(), t.min))
            .collect();
        assert_eq!(
            tiers,
            [
                ("T1", "Role-modelling", 95.0),
                ("T2", "Advancing", 85.0),
                ("T3", "Establishing", 55.0),
                ("T4", "Evolving", 20.0),
                ("T5", "Building", 0.0)
            ]
        );
    }

    #[test]
    fn cirt_readiness_covers_the_issue_areas() {
        let m = Methodology::builtin("cirt-readiness").expect("cirt-readiness validates");
        let ids: Vec<_> = m.pillars.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "mandate",
                "constituency",
                "services",
                "staffing",
                "infrastructure",
                "funding",
                "cooperation"
            ]
        );
        assert_eq!(m.tier_label, "Maturity level");
        assert_eq!(m.tiers.len(), 5);
    }

    #[test]
    fn unknown_builtin_is_an_error() {
        assert!(matches!(
            Methodology::builtin("nope"),
            Err(Error::UnknownMethodology { .. })
        ));
    }

    #[test]
    fn tier_boundaries_gci() {
        let m = Methodology::builtin("gci-2024").expect("gci-2024 validates");
        let code = |x: f64| m.tiers[m.tier_for(x)].code.clone();
        for (below, at, lower, upper) in [
            (94.99, 95.00, "T2", "T1"),
            (84.99, 85.00, "T3", "T2"),
            (54.99, 55.00, "T4", "T3"),
            (19.99, 20.00, "T5", "T4"),
        ] {
            assert_eq!(code(below), lower, "{below}");
            assert_eq!(code(at), upper, "{at}");
        }
        assert_eq!(code(100.0), "T1");
        assert_eq!(code(0.0), "T5");
        // Display rounding is not tier rounding: 94.996 shows as 95.00 but
        // stays in T2.
        assert_eq!(code(94.996), "T2");
        assert_eq!(format!("{:.2}", 94.996), "95.00");
        // Representation error is absorbed: 19 × 5 summed as 0.95 × 100.
        assert_eq!(code(0.95 * 100.0 - 1e-12), "T1");
    }

    #[test]
    fn answer_types_score() {
        let m = Methodology::builtin("gci-2024").expect("gci-2024 validates");
        let t = |name: &str| m.answer_type(name).expect("answer type exists").clone();
        assert_eq!(t("ypn").score("Partial"), Ok(0.5));
        assert_eq!(t("stage").score("In force"), Ok(1.0));
        assert_eq!(t("stage").score("in_force"), Ok(1.0));
        assert!(t("ypn").score("maybe").is_err());
        assert_eq!(t("share").score("45%"), Ok(0.45));
        assert!(t("share").score("101").is_err());
        assert_eq!(t("sector-cirts").score("0"), Ok(0.0));
        assert_eq!(t("sector-cirts").score("2"), Ok(0.25));
        assert_eq!(t("sector-cirts").score("3"), Ok(0.5));
        assert_eq!(t("sector-cirts").score("12"), Ok(1.0));
        assert!(t("sector-cirts").score("-1").is_err());
        assert_eq!(t("agreements").score("4"), Ok(0.4));
        assert_eq!(t("agreements").score("40"), Ok(1.0));
        let a = t("audiences");
        assert!((a.score("children; smes").expect("valid") - 0.4).abs() < 1e-12);
        // Duplicates count once; the total is capped at 1.
        assert!((a.score("children;children").expect("valid") - 0.2).abs() < 1e-12);
        let all =
            "general-public;children;older-persons;smes;public-servants;persons-with-disabilities";
        assert_eq!(a.score(all), Ok(1.0));
        assert_eq!(a.score("none"), Ok(0.0));
        assert!(a.score("aliens").is_err());
    }

    const MINIMAL: &str = r#"
[methodology]
id = "mini"
version = "1"
title = "Minimal"
scale = 10.0
aggregation = "weighted-arithmetic"
missing = "zero"

[[tier]]
code = "A"
name = "High"
min = 5.0

[[tier]]
code = "B"
name = "Low"
min = 0.0

[answer_types.yn]
kind = "choice"
options = { yes = 1, no = 0 }

[[pillar]]
id = "p"
name = "P"
[[pillar.indicator]]
id = "i"
name = "I"
[[pillar.indicator.subindicator]]
id = "s"
name = "S"
[[pillar.indicator.subindicator.question]]
id = "q1"
text = "Q1?"
answer = "yn"
"#;

    #[test]
    fn minimal_methodology_with_integer_weights() {
        let m = Methodology::from_toml(MINIMAL, "test").expect("valid");
        assert_eq!(m.pillar_max(0), 10.0);
        assert_eq!(m.question("q1").map(|q| q.share), Some(1.0));
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let text = MINIMAL.replace("missing = \"zero\"", "missing = \"zero\"\nsurprise = 1");
        match Methodology::from_toml(&text, "test") {
            Err(Error::MethodologySyntax { message, .. }) => {
                assert!(message.contains("surprise"), "{message}")
            }
            other => panic!("expected a syntax error, got {other:?}"),
        }
    }

    #[test]
    fn every_violation_is_reported() {
        let text = MINIMAL
            .replace("min = 0.0", "min = 1.0")
            .replace("answer = \"yn\"", "answer = \"ynx\"")
            .replace(
                "aggregation = \"weighted-arithmetic\"",
                "aggregation = \"median\"",
            );
        match Methodology::from_toml(&text, "test") {
            Err(Error::MethodologyInvalid { problems, .. }) => {
                assert_eq!(problems.len(), 3, "{problems:#?}");
                assert!(problems.iter().any(|p| p.contains("aggregation")));
                assert!(problems.iter().any(|p| p.contains("lowest tier")));
                assert!(problems.iter().any(|p| p.contains("unknown answer type")));
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }
}
