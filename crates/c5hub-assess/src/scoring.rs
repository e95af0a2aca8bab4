//! Scoring: answers or published pillar scores to pillar scores, overall
//! score and tier, recomputed exactly from the methodology, with flags for
//! missing or questionable data.
//!
//! The arithmetic is `f64`. Tiers are assigned on the unrounded overall
//! score (with [`crate::methodology::TIER_TOLERANCE`] for representation
//! error only); values are rounded to two decimals for display by the
//! renderers, so a score of 94.996 displays as 95.00 yet stays in the tier
//! below 95. Ranks are not part of a score: [`ranks`] computes them only
//! when a caller asks.

use std::collections::HashMap;
use std::fmt;

use crate::error::Diagnostic;
use crate::methodology::{Aggregation, Methodology, MethodologyRef, MissingPolicy};
use crate::pillar_scores::PillarScoreRow;
use crate::responses::{Parsed, Provenance, ResponseSet};

/// How far a stated overall score may be from the recomputed one before
/// [`Flag::OverallMismatch`] is raised: published scores round each pillar
/// and the overall to two decimals, which can move a sum of five pillars by
/// up to 0.03.
pub const OVERALL_TOLERANCE: f64 = 0.05;

/// What a score was computed from.
#[derive(Debug, Clone, PartialEq)]
pub enum Basis {
    /// Answers to the methodology's questions.
    Answers,
    /// Published pillar scores.
    PillarScores,
    /// Answers given for another methodology, re-scored with this one.
    Rescored {
        /// The methodology the answers were given for.
        from: MethodologyRef,
    },
}

impl Basis {
    /// A short word for output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Basis::Answers => "answers",
            Basis::PillarScores => "pillar-scores",
            Basis::Rescored { .. } => "rescored",
        }
    }
}

/// Something a reader of a score should know.
#[derive(Debug, Clone, PartialEq)]
pub enum Flag {
    /// Questions without an answer.
    MissingAnswers {
        /// Unanswered questions.
        missing: usize,
        /// Questions in the methodology.
        total: usize,
    },
    /// A pillar with no data at all.
    MissingPillar {
        /// The pillar's id.
        pillar: String,
    },
    /// Answers that could not be scored (treated as missing).
    InvalidAnswers {
        /// How many.
        count: usize,
    },
    /// Answers to questions the methodology does not have (ignored).
    UnknownQuestions {
        /// How many.
        count: usize,
    },
    /// Answers without evidence.
    WithoutEvidence {
        /// How many.
        count: usize,
    },
    /// Answers whose provenance is not `validated`.
    NotValidated {
        /// How many.
        count: usize,
    },
    /// The stated overall score differs from the recomputed one by more
    /// than [`OVERALL_TOLERANCE`].
    OverallMismatch {
        /// What the file said.
        stated: f64,
        /// What the methodology gives.
        computed: f64,
    },
    /// No data at all: the overall score is 0 by convention.
    NoData,
}

impl Flag {
    /// A stable kebab-case code.
    pub fn code(&self) -> &'static str {
        match self {
            Flag::MissingAnswers { .. } => "missing-answers",
            Flag::MissingPillar { .. } => "missing-pillar",
            Flag::InvalidAnswers { .. } => "invalid-answers",
            Flag::UnknownQuestions { .. } => "unknown-questions",
            Flag::WithoutEvidence { .. } => "without-evidence",
            Flag::NotValidated { .. } => "not-validated",
            Flag::OverallMismatch { .. } => "overall-mismatch",
            Flag::NoData => "no-data",
        }
    }

    /// Whether the flag concerns missing data (as opposed to evidence and
    /// provenance, which do not change the score).
    pub fn is_missing_data(&self) -> bool {
        matches!(
            self,
            Flag::MissingAnswers { .. }
                | Flag::MissingPillar { .. }
                | Flag::InvalidAnswers { .. }
                | Flag::NoData
        )
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Flag::MissingAnswers { missing, total } => {
                write!(
                    f,
                    "missing-answers: {missing} of {total} questions unanswered"
                )
            }
            Flag::MissingPillar { pillar } => write!(f, "missing-pillar: {pillar}"),
            Flag::InvalidAnswers { count } => write!(f, "invalid-answers: {count}"),
            Flag::UnknownQuestions { count } => write!(f, "unknown-questions: {count} ignored"),
            Flag::WithoutEvidence { count } => {
                write!(f, "without-evidence: {count} answers")
            }
            Flag::NotValidated { count } => write!(f, "not-validated: {count} answers"),
            Flag::OverallMismatch { stated, computed } => write!(
                f,
                "overall-mismatch: stated {stated:.2}, computed {computed:.2}"
            ),
            Flag::NoData => f.write_str("no-data"),
        }
    }
}

/// One pillar's score for one country.
#[derive(Debug, Clone, PartialEq)]
pub struct PillarScore {
    /// Share of the pillar's maximum reached, 0 to 1; `None` when the pillar
    /// has no data and the methodology excludes missing data.
    pub fraction: Option<f64>,
    /// Points on the pillar's scale (fraction × maximum; 0 when `None`).
    pub points: f64,
    /// Questions answered validly in this pillar (0 for pillar scores).
    pub answered: usize,
    /// Questions in this pillar (0 for pillar scores).
    pub questions: usize,
}

/// Counts of evidence and provenance among a country's answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvidenceSummary {
    /// Answers scored.
    pub answers: usize,
    /// Of which with evidence.
    pub with_evidence: usize,
    /// Of which self-reported.
    pub self_reported: usize,
    /// Of which from desk research.
    pub desk_research: usize,
    /// Of which validated.
    pub validated: usize,
}

/// One country's score for one edition.
#[derive(Debug, Clone, PartialEq)]
pub struct CountryScore {
    /// ISO 3166-1 alpha-3 code.
    pub iso3: String,
    /// Edition year.
    pub year: i32,
    /// The methodology that produced the score.
    pub methodology: MethodologyRef,
    /// What the score was computed from.
    pub basis: Basis,
    /// Pillar scores, in methodology order.
    pub pillars: Vec<PillarScore>,
    /// Overall score, unrounded.
    pub overall: f64,
    /// Index of the tier in the methodology's tiers.
    pub tier: usize,
    /// The tier's code, kept so that scores of other methodologies can be
    /// shown beside each other.
    pub tier_code: String,
    /// The tier's name.
    pub tier_name: String,
    /// Evidence and provenance counts (answer-based scores only).
    pub evidence: Option<EvidenceSummary>,
    /// What a reader should know.
    pub flags: Vec<Flag>,
}

impl CountryScore {
    /// The pillar fractions that aggregation uses: a missing pillar counts
    /// as 0 under [`MissingPolicy::Zero`] and stays `None` under
    /// [`MissingPolicy::Exclude`].
    pub fn effective_fractions(&self, missing: MissingPolicy) -> Vec<Option<f64>> {
        self.pillars
            .iter()
            .map(|p| match (p.fraction, missing) {
                (Some(f), _) => Some(f),
                (None, MissingPolicy::Zero) => Some(0.0),
                (None, MissingPolicy::Exclude) => None,
            })
            .collect()
    }
}

/// Rounds to two decimals, for display.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Combines pillar fractions into an overall score with the given
/// normalised weights.
///
/// `None` fractions are left out and the remaining weights renormalised (a
/// caller applying [`MissingPolicy::Zero`] passes `Some(0.0)` instead; see
/// [`CountryScore::effective_fractions`]). Returns `None` when no fraction
/// is present.
pub fn aggregate(
    rule: Aggregation,
    scale: f64,
    weights: &[f64],
    fractions: &[Option<f64>],
) -> Option<f64> {
    let mut total_weight = 0.0;
    let mut acc = match rule {
        Aggregation::WeightedArithmetic => 0.0,
        Aggregation::WeightedGeometric => 0.0, // sum of w·ln f
    };
    let mut zero = false;
    for (w, f) in weights.iter().zip(fractions) {
        let Some(f) = f else { continue };
        total_weight += w;
        match rule {
            Aggregation::WeightedArithmetic => acc += w * f,
            Aggregation::WeightedGeometric => {
                if *f <= 0.0 {
                    if *w > 0.0 {
                        zero = true;
                    }
                } else {
                    acc += w * f.ln();
                }
            }
        }
    }
    if total_weight <= 0.0 {
        return None;
    }
    Some(match rule {
        Aggregation::WeightedArithmetic => scale * acc / total_weight,
        Aggregation::WeightedGeometric if zero => 0.0,
        Aggregation::WeightedGeometric => scale * (acc / total_weight).exp(),
    })
}

/// Weighted mean of child values under a missing-data policy.
fn node_value(
    children: impl Iterator<Item = (f64, Option<f64>)>,
    missing: MissingPolicy,
) -> Option<f64> {
    let mut sum = 0.0;
    let mut weight = 0.0;
    let mut any = false;
    for (share, value) in children {
        match (value, missing) {
            (Some(v), _) => {
                sum += share * v;
                weight += share;
                any = true;
            }
            (None, MissingPolicy::Zero) => weight += share,
            (None, MissingPolicy::Exclude) => {}
        }
    }
    match missing {
        // Shares of siblings sum to 1, so the weighted sum is the mean.
        MissingPolicy::Zero => Some(sum),
        MissingPolicy::Exclude if any && weight > 0.0 => Some(sum / weight),
        MissingPolicy::Exclude => None,
    }
}

fn finish(
    m: &Methodology,
    iso3: String,
    year: i32,
    basis: Basis,
    pillars: Vec<PillarScore>,
    evidence: Option<EvidenceSummary>,
    mut flags: Vec<Flag>,
) -> CountryScore {
    for (p, score) in m.pillars.iter().zip(&pillars) {
        let empty = match basis {
            Basis::PillarScores => score.fraction.is_none(),
            _ => score.answered == 0,
        };
        if empty {
            flags.push(Flag::MissingPillar {
                pillar: p.id.clone(),
            });
        }
    }
    let fractions: Vec<Option<f64>> = pillars
        .iter()
        .map(|p| match (p.fraction, m.missing) {
            (None, MissingPolicy::Zero) => Some(0.0),
            (f, _) => f,
        })
        .collect();
    // With the arithmetic rule and every pillar present, the overall score
    // is the plain sum of the pillar points (the same value as
    // `aggregate`, without a division and multiplication that would turn
    // 20 + 19 + 19 + 18.5 + 18.5 into 95.00000000000001).
    let plain_sum = (m.aggregation == Aggregation::WeightedArithmetic
        && fractions.iter().all(Option::is_some))
    .then(|| pillars.iter().map(|p| p.points).sum::<f64>());
    let overall = match plain_sum
        .or_else(|| aggregate(m.aggregation, m.scale, &m.pillar_weights(), &fractions))
    {
        Some(o) => o,
        None => {
            flags.push(Flag::NoData);
            0.0
        }
    };
    let tier = m.tier_for(overall);
    CountryScore {
        iso3,
        year,
        methodology: m.reference(),
        basis,
        pillars,
        overall,
        tier,
        tier_code: m.tiers[tier].code.clone(),
        tier_name: m.tiers[tier].name.clone(),
        evidence,
        flags,
    }
}

/// Scores every country and edition of a response set.
///
/// Unknown questions are ignored, invalid answers count as missing; both
/// are reported as diagnostics and flagged on the country.
pub fn score_responses(m: &Methodology, set: &ResponseSet) -> Parsed<Vec<CountryScore>> {
    score_responses_as(m, set, Basis::Answers)
}

/// Scores answers that were given for another methodology with `m`: the
/// scores are marked [`Basis::Rescored`] so that progress views say so.
pub fn rescore_responses(
    m: &Methodology,
    set: &ResponseSet,
    from: MethodologyRef,
) -> Parsed<Vec<CountryScore>> {
    score_responses_as(m, set, Basis::Rescored { from })
}

fn score_responses_as(
    m: &Methodology,
    set: &ResponseSet,
    basis: Basis,
) -> Parsed<Vec<CountryScore>> {
    let mut diagnostics = Vec::new();
    if let Some(declared) = &set.methodology
        && *declared != m.id
        && matches!(basis, Basis::Answers)
    {
        diagnostics.push(Diagnostic::warning(
            "responses",
            format!(
                "the file declares methodology {declared:?}; scored with {}",
                m.reference()
            ),
        ));
    }
    let mut scores = Vec::with_capacity(set.countries.len());
    for country in &set.countries {
        let mut values: HashMap<&str, f64> = HashMap::new();
        let mut invalid = 0;
        let mut unknown = 0;
        let mut evidence = EvidenceSummary::default();
        for a in &country.answers {
            let loc = format!("{} {} {}", country.iso3, country.year, a.question);
            let Some(q) = m.question(&a.question) else {
                unknown += 1;
                diagnostics.push(Diagnostic::warning(
                    loc,
                    format!("no such question in {}; ignored", m.reference()),
                ));
                continue;
            };
            if a.value.trim().is_empty() {
                continue;
            }
            let Some(answer_type) = m.answer_type(&q.answer_type) else {
                // Validation guarantees every question's answer type exists.
                continue;
            };
            match answer_type.score(&a.value) {
                Ok(v) => {
                    values.insert(q.id.as_str(), v);
                    evidence.answers += 1;
                    if !a.evidence.trim().is_empty() {
                        evidence.with_evidence += 1;
                    }
                    match a.provenance {
                        Some(Provenance::SelfReported) => evidence.self_reported += 1,
                        Some(Provenance::DeskResearch) => evidence.desk_research += 1,
                        Some(Provenance::Validated) => evidence.validated += 1,
                        None => {}
                    }
                }
                Err(why) => {
                    invalid += 1;
                    diagnostics.push(Diagnostic::error(loc, format!("{why}; counted as missing")));
                }
            }
        }

        let mut pillars = Vec::with_capacity(m.pillars.len());
        for (pi, p) in m.pillars.iter().enumerate() {
            let mut answered = 0;
            let mut questions = 0;
            let fraction = node_value(
                p.indicators.iter().map(|ind| {
                    let v = node_value(
                        ind.subindicators.iter().map(|sub| {
                            let v = node_value(
                                sub.questions.iter().map(|q| {
                                    questions += 1;
                                    let v = values.get(q.id.as_str()).copied();
                                    if v.is_some() {
                                        answered += 1;
                                    }
                                    (q.share, v)
                                }),
                                m.missing,
                            );
                            (sub.share, v)
                        }),
                        m.missing,
                    );
                    (ind.share, v)
                }),
                m.missing,
            );
            pillars.push(PillarScore {
                fraction,
                points: fraction.map_or(0.0, |f| f * m.pillar_max(pi)),
                answered,
                questions,
            });
        }

        let mut flags = Vec::new();
        let total = m.question_count();
        let answered: usize = pillars.iter().map(|p| p.answered).sum();
        if answered < total {
            flags.push(Flag::MissingAnswers {
                missing: total - answered,
                total,
            });
        }
        if invalid > 0 {
            flags.push(Flag::InvalidAnswers { count: invalid });
        }
        if unknown > 0 {
            flags.push(Flag::UnknownQuestions { count: unknown });
        }
        if evidence.with_evidence < evidence.answers {
            flags.push(Flag::WithoutEvidence {
                count: evidence.answers - evidence.with_evidence,
            });
        }
        if evidence.validated < evidence.answers {
            flags.push(Flag::NotValidated {
                count: evidence.answers - evidence.validated,
            });
        }
        scores.push(finish(
            m,
            country.iso3.clone(),
            country.year,
            basis.clone(),
            pillars,
            Some(evidence),
            flags,
        ));
    }
    Parsed {
        value: scores,
        diagnostics,
    }
}

/// Scores published pillar scores: the overall score and tier are
/// recomputed; a stated overall score is only checked.
pub fn score_pillar_rows(m: &Methodology, rows: &[PillarScoreRow]) -> Vec<CountryScore> {
    rows.iter()
        .map(|row| {
            let pillars = row
                .pillars
                .iter()
                .enumerate()
                .map(|(pi, points)| {
                    let max = m.pillar_max(pi);
                    PillarScore {
                        fraction: points.map(|v| (v / max).min(1.0)),
                        points: points.unwrap_or(0.0),
                        answered: 0,
                        questions: 0,
                    }
                })
                .collect();
            let mut score = finish(
                m,
                row.iso3.clone(),
                row.year,
                Basis::PillarScores,
                pillars,
                None,
                Vec::new(),
            );
            if let Some(stated) = row.stated_overall
                && (stated - score.overall).abs() > OVERALL_TOLERANCE
            {
                score.flags.push(Flag::OverallMismatch {
                    stated,
                    computed: score.overall,
                });
            }
            score
        })
        .collect()
}

/// Competition ranks ("1224") by overall score within each year: only for
/// callers that ask for ranks. Equal unrounded scores share a rank.
pub fn ranks(scores: &[CountryScore]) -> Vec<usize> {
    scores
        .iter()
        .map(|s| {
            1 + scores
                .iter()
                .filter(|o| o.year == s.year && o.overall > s.overall)
                .count()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::responses::{Answer, CountryResponses};

    fn gci() -> Methodology {
        Methodology::builtin("gci-2024").expect("gci-2024 validates")
    }

    fn row(pillars: [f64; 5]) -> PillarScoreRow {
        PillarScoreRow {
            iso3: "XAA".into(),
            year: 2024,
            pillars: pillars.iter().map(|p| Some(*p)).collect(),
            stated_overall: None,
            line: 2,
        }
    }

    #[test]
    fn overall_is_the_sum_of_gci_pillars() {
        let m = gci();
        let s = &score_pillar_rows(&m, &[row([20.0, 19.5, 18.25, 10.0, 0.0])])[0];
        assert!((s.overall - 67.75).abs() < 1e-9);
        assert_eq!(s.tier_code, "T3");
        assert_eq!(s.pillars[2].points, 18.25);
        assert!(s.flags.is_empty());
    }

    #[test]
    fn tier_boundaries_from_pillar_scores() {
        let m = gci();
        for (pillars, tier) in [
            ([19.0; 5], "T1"),
            ([19.0, 19.0, 19.0, 19.0, 18.99], "T2"),
            ([17.0; 5], "T2"),
            ([17.0, 17.0, 17.0, 17.0, 16.99], "T3"),
            ([11.0; 5], "T3"),
            ([11.0, 11.0, 11.0, 11.0, 10.99], "T4"),
            ([4.0; 5], "T4"),
            ([4.0, 4.0, 4.0, 4.0, 3.99], "T5"),
            ([19.99, 19.99, 19.99, 19.99, 15.04], "T1"),
        ] {
            let s = &score_pillar_rows(&m, &[row(pillars)])[0];
            assert_eq!(s.tier_code, tier, "{pillars:?} -> {}", s.overall);
        }
    }

    #[test]
    fn stated_overall_is_checked_not_trusted() {
        let m = gci();
        let mut r = row([10.0; 5]);
        r.stated_overall = Some(60.0);
        let s = &score_pillar_rows(&m, &[r.clone()])[0];
        assert_eq!(s.overall, 50.0);
        assert_eq!(
            s.flags,
            [Flag::OverallMismatch {
                stated: 60.0,
                computed: 50.0
            }]
        );
        r.stated_overall = Some(50.03);
        assert!(score_pillar_rows(&m, &[r])[0].flags.is_empty());
    }

    #[test]
    fn missing_pillar_counts_zero_and_is_flagged() {
        let m = gci();
        let mut r = row([20.0; 5]);
        r.pillars[4] = None;
        let s = &score_pillar_rows(&m, &[r])[0];
        assert_eq!(s.overall, 80.0);
        assert_eq!(
            s.flags,
            [Flag::MissingPillar {
                pillar: "cooperation".into()
            }]
        );
    }

    #[test]
    fn all_yes_is_full_marks_and_nothing_is_zero() {
        let m = gci();
        let mut full = CountryResponses {
            iso3: "XAA".into(),
            year: 2024,
            answers: Vec::new(),
        };
        for (_, q) in m.questions() {
            let best = match &m.answer_type(&q.answer_type).expect("exists").kind {
                crate::methodology::AnswerKind::Choice { options } => options
                    .iter()
                    .max_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|o| o.0.clone())
                    .unwrap_or_default(),
                crate::methodology::AnswerKind::Multiple { options } => options
                    .iter()
                    .map(|o| o.0.clone())
                    .collect::<Vec<_>>()
                    .join(";"),
                crate::methodology::AnswerKind::Count(_) => "1000".into(),
                crate::methodology::AnswerKind::Percentage { .. } => "100".into(),
            };
            full.answers.push(Answer::new(q.id.clone(), best));
        }
        let set = ResponseSet {
            methodology: None,
            countries: vec![full],
        };
        let scored = score_responses(&m, &set);
        assert!(scored.diagnostics.is_empty());
        let s = &scored.value[0];
        assert!((s.overall - 100.0).abs() < 1e-9, "{}", s.overall);
        assert_eq!(s.tier_code, "T1");
        assert!(!s.flags.iter().any(Flag::is_missing_data));

        let empty = ResponseSet {
            methodology: None,
            countries: vec![CountryResponses {
                iso3: "XAB".into(),
                year: 2024,
                answers: Vec::new(),
            }],
        };
        let s = &score_responses(&m, &empty).value[0];
        assert_eq!(s.overall, 0.0);
        assert_eq!(s.tier_code, "T5");
        assert!(s.flags.contains(&Flag::MissingAnswers {
            missing: m.question_count(),
            total: m.question_count()
        }));
    }

    #[test]
    fn aggregation_rules() {
        let w = [0.5, 0.25, 0.25];
        let f = [Some(1.0), Some(0.5), Some(0.0)];
        assert_eq!(
            aggregate(Aggregation::WeightedArithmetic, 100.0, &w, &f),
            Some(62.5)
        );
        assert_eq!(
            aggregate(Aggregation::WeightedGeometric, 100.0, &w, &f),
            Some(0.0)
        );
        let f = [Some(1.0), Some(0.25), None];
        // Excluded pillar: weights 0.5 and 0.25 renormalised to 2/3 and 1/3.
        let arith = aggregate(Aggregation::WeightedArithmetic, 100.0, &w, &f).expect("data");
        assert!((arith - 75.0).abs() < 1e-12);
        let geo = aggregate(Aggregation::WeightedGeometric, 100.0, &w, &f).expect("data");
        assert!((geo - 100.0 * 0.25f64.powf(1.0 / 3.0)).abs() < 1e-12);
        assert_eq!(
            aggregate(
                Aggregation::WeightedArithmetic,
                100.0,
                &w,
                &[None, None, None]
            ),
            None
        );
    }

    #[test]
    fn ranks_only_on_request_and_ties_share() {
        let m = gci();
        let scores = score_pillar_rows(
            &m,
            &[
                row([10.0; 5]),
                row([12.0; 5]),
                row([10.0; 5]),
                row([1.0; 5]),
            ],
        );
        assert_eq!(ranks(&scores), [2, 1, 2, 4]);
    }
}
