//! The national assessment: the answers of `/api/v1/assess/...`, and what
//! `c5hub assess editions|score --format json` print for the same
//! questions.

use c5hub_assess::scoring::{Basis, CountryScore, round2};
use c5hub_assess::{Methodology, MissingPolicy};
use c5hub_store::Edition;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One edition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionAnswer {
    /// The edition's key.
    pub id: i64,
    /// The methodology's id.
    pub methodology: String,
    /// The methodology's version.
    pub methodology_version: String,
    /// The year assessed.
    pub year: i32,
    /// The title.
    pub title: String,
    /// Whether answers may still change.
    pub open: bool,
}

impl From<&Edition> for EditionAnswer {
    fn from(e: &Edition) -> Self {
        EditionAnswer {
            id: e.id,
            methodology: e.methodology.clone(),
            methodology_version: e.methodology_version.clone(),
            year: e.year,
            title: e.title.clone(),
            open: e.open,
        }
    }
}

/// Every edition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EditionsAnswer {
    /// The editions.
    pub editions: Vec<EditionAnswer>,
}

impl From<&[Edition]> for EditionsAnswer {
    fn from(eds: &[Edition]) -> Self {
        EditionsAnswer {
            editions: eds.iter().map(EditionAnswer::from).collect(),
        }
    }
}

/// Provenance of the answers behind an answer-based score (counts).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EvidenceCounts {
    /// Answers scored.
    pub answers: usize,
    /// Of which with evidence attached.
    pub with_evidence: usize,
    /// Of which self-reported by the country.
    pub self_reported: usize,
    /// Of which from desk research.
    pub desk_research: usize,
    /// Of which validated.
    pub validated: usize,
}

/// A country's pillar scores in the methodology's order: pillar id to
/// points (two decimals), `null` for a pillar without data that the
/// methodology leaves out rather than counting as zero.
#[derive(Clone, Debug, Default, PartialEq, ToSchema)]
#[schema(value_type = HashMap<String, Option<f64>>)]
pub struct PillarPoints(pub Vec<(String, Option<f64>)>);

impl Serialize for PillarPoints {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (id, points) in &self.0 {
            m.serialize_entry(id, points)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for PillarPoints {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Points;
        impl<'de> serde::de::Visitor<'de> for Points {
            type Value = PillarPoints;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an object of pillar ids to points or null")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<PillarPoints, A::Error> {
                let mut v = Vec::new();
                while let Some(entry) = a.next_entry()? {
                    v.push(entry);
                }
                Ok(PillarPoints(v))
            }
        }
        d.deserialize_map(Points)
    }
}

/// One country's score for an edition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CountryScoreAnswer {
    /// ISO 3166-1 alpha-3 code.
    pub iso3: String,
    /// The year assessed.
    pub year: i32,
    /// Overall score in points (two decimals; the tier was assigned on the
    /// unrounded score).
    pub overall: f64,
    /// The tier's code (`T1`, ... or the methodology's own codes).
    pub tier: String,
    /// The tier's name.
    pub tier_name: String,
    /// Rank, 1 first, ties sharing a rank (only when ranks were asked
    /// for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rank: Option<usize>,
    /// Pillar id to points.
    pub pillars: PillarPoints,
    /// What the score was computed from: `answers`, `pillar-scores` or
    /// `rescored`.
    pub basis: String,
    /// The methodology that produced the score (`id@version`).
    pub methodology: String,
    /// The methodology the answers were given for (`rescored` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescored_from: Option<String>,
    /// What a reader should know (`flag: detail` sentences).
    pub flags: Vec<String>,
    /// Provenance of the answers (answer-based scores only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<EvidenceCounts>,
}

/// An edition's scores, one per country; `c5hub assess score --format
/// json` prints the same.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(transparent)]
pub struct ScoresAnswer(pub Vec<CountryScoreAnswer>);

impl ScoresAnswer {
    /// The scores under `m`, with the rank of each score (in the same
    /// order) when `ranks` is given.
    pub fn new(m: &Methodology, scores: &[CountryScore], ranks: Option<&[usize]>) -> Self {
        ScoresAnswer(
            scores
                .iter()
                .enumerate()
                .map(|(i, s)| CountryScoreAnswer {
                    iso3: s.iso3.clone(),
                    year: s.year,
                    overall: round2(s.overall),
                    tier: s.tier_code.clone(),
                    tier_name: s.tier_name.clone(),
                    rank: ranks.and_then(|r| r.get(i)).copied(),
                    pillars: PillarPoints(
                        m.pillars
                            .iter()
                            .zip(&s.pillars)
                            .map(|(p, v)| {
                                let known =
                                    v.fraction.is_some() || m.missing == MissingPolicy::Zero;
                                (p.id.clone(), known.then(|| round2(v.points)))
                            })
                            .collect(),
                    ),
                    basis: s.basis.as_str().to_owned(),
                    methodology: s.methodology.to_string(),
                    rescored_from: match &s.basis {
                        Basis::Rescored { from } => Some(from.to_string()),
                        _ => None,
                    },
                    flags: s.flags.iter().map(ToString::to_string).collect(),
                    evidence: s.evidence.as_ref().map(|e| EvidenceCounts {
                        answers: e.answers,
                        with_evidence: e.with_evidence,
                        self_reported: e.self_reported,
                        desk_research: e.desk_research,
                        validated: e.validated,
                    }),
                })
                .collect(),
        )
    }

    /// Pretty JSON with a final newline, as the CLI and the API write it.
    pub fn to_pretty(&self) -> String {
        // Strings and finite numbers only: serialising cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use c5hub_assess::{pillar_scores, scoring};

    /// 94.995 is shown as 95.0 and stays T2; pillars keep the
    /// methodology's order; no rank unless asked; the JSON reads back.
    #[test]
    fn scores_round_for_display_keep_order_and_read_back() {
        let m = Methodology::builtin("gci-2024").expect("built-in");
        let csv = "iso3,year,legal,technical,organizational,capacity,cooperation\n\
                   XAA,2024,19,19,19,19,18.996\n";
        let rows = pillar_scores::read_pillar_scores(&m, csv)
            .expect("readable")
            .value;
        let scores = scoring::score_pillar_rows(&m, &rows);
        let json = ScoresAnswer::new(&m, &scores, None).to_pretty();
        assert!(json.contains("\"overall\": 95.0"), "{json}");
        assert!(json.contains("\"tier\": \"T2\""), "{json}");
        assert!(!json.contains("rank"), "ranks are off by default");
        let order: Vec<usize> = [
            "legal",
            "technical",
            "organizational",
            "capacity",
            "cooperation",
        ]
        .iter()
        .map(|p| json.find(&format!("\"{p}\":")).expect("a pillar"))
        .collect();
        assert!(order.is_sorted(), "{json}");
        let back: ScoresAnswer = serde_json::from_str(&json).expect("reads back");
        assert_eq!(back, ScoresAnswer::new(&m, &scores, None));
        let ranked = ScoresAnswer::new(&m, &scores, Some(&[1]));
        assert_eq!(ranked.0[0].rank, Some(1));
    }
}
