//! Regional and progress views of a set of scores.
//!
//! The regional view counts countries per tier and averages pillar and
//! overall scores per ITU region and edition. The progress view compares a
//! country's consecutive editions, but only where both were scored with the
//! same methodology (id and version); answers re-scored with the current
//! methodology are compared and marked as such, anything else is reported
//! as not comparable, without a difference.

use std::collections::BTreeMap;

use crate::methodology::{Methodology, MethodologyRef};
use crate::regions::{Region, RegionTable};
use crate::scoring::{Basis, CountryScore};

/// One region in one edition.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionSummary {
    /// The region; `None` for countries the region table does not list.
    pub region: Option<Region>,
    /// The edition.
    pub year: i32,
    /// Countries scored.
    pub countries: usize,
    /// Countries per tier, in methodology tier order.
    pub tier_counts: Vec<usize>,
    /// Mean points per pillar.
    pub pillar_means: Vec<f64>,
    /// Mean overall score.
    pub overall_mean: f64,
}

/// Tier distribution and averages per region and edition, for the scores
/// of methodology `m` (others are skipped). Ordered by year, then region
/// in [`Region::ALL`] order, unlisted countries last.
pub fn regional(
    m: &Methodology,
    scores: &[CountryScore],
    regions: &RegionTable,
) -> Vec<RegionSummary> {
    let reference = m.reference();
    let k = m.pillars.len();
    // Sorting key: unlisted countries (None) after the six regions.
    let mut groups: BTreeMap<(i32, usize), RegionSummary> = BTreeMap::new();
    for s in scores.iter().filter(|s| s.methodology == reference) {
        let region = regions.region_of(&s.iso3);
        let order = region.map_or(Region::ALL.len(), |r| r as usize);
        let g = groups
            .entry((s.year, order))
            .or_insert_with(|| RegionSummary {
                region,
                year: s.year,
                countries: 0,
                tier_counts: vec![0; m.tiers.len()],
                pillar_means: vec![0.0; k],
                overall_mean: 0.0,
            });
        g.countries += 1;
        g.tier_counts[s.tier] += 1;
        for (acc, p) in g.pillar_means.iter_mut().zip(&s.pillars) {
            *acc += p.points;
        }
        g.overall_mean += s.overall;
    }
    groups
        .into_values()
        .map(|mut g| {
            let n = g.countries as f64;
            g.pillar_means.iter_mut().for_each(|v| *v /= n);
            g.overall_mean /= n;
            g
        })
        .collect()
}

/// Whether two editions can be compared.
#[derive(Debug, Clone, PartialEq)]
pub enum Comparability {
    /// Same methodology and version.
    Comparable,
    /// Same methodology, but at least one edition was re-scored from
    /// answers given for another methodology.
    Rescored {
        /// The methodology the answers were given for.
        from: MethodologyRef,
    },
    /// Different methodologies: no difference is computed.
    NotComparable {
        /// The earlier edition's methodology.
        from: MethodologyRef,
        /// The later edition's methodology.
        to: MethodologyRef,
    },
}

impl Comparability {
    /// A short word for output.
    pub fn as_str(&self) -> &'static str {
        match self {
            Comparability::Comparable => "comparable",
            Comparability::Rescored { .. } => "rescored",
            Comparability::NotComparable { .. } => "not-comparable",
        }
    }
}

/// The change of one country between two consecutive editions.
#[derive(Debug, Clone, PartialEq)]
pub struct ProgressRow {
    /// ISO 3166-1 alpha-3 code.
    pub iso3: String,
    /// Earlier edition.
    pub from_year: i32,
    /// Later edition.
    pub to_year: i32,
    /// Whether the two can be compared.
    pub comparability: Comparability,
    /// Earlier overall score.
    pub from_overall: f64,
    /// Later overall score.
    pub to_overall: f64,
    /// Earlier tier code.
    pub from_tier: String,
    /// Later tier code.
    pub to_tier: String,
    /// Tier steps moved up (positive) or down; `None` when not comparable.
    pub tier_change: Option<i64>,
    /// Later minus earlier overall score; `None` when not comparable.
    pub delta_overall: Option<f64>,
    /// Later minus earlier points per pillar; `None` when not comparable.
    pub delta_pillars: Option<Vec<f64>>,
}

/// Changes between consecutive editions of each country, in order of the
/// country's first appearance.
pub fn progress(scores: &[CountryScore]) -> Vec<ProgressRow> {
    let mut by_country: Vec<(String, Vec<&CountryScore>)> = Vec::new();
    for s in scores {
        match by_country.iter_mut().find(|(iso3, _)| *iso3 == s.iso3) {
            Some((_, list)) => list.push(s),
            None => by_country.push((s.iso3.clone(), vec![s])),
        }
    }
    let mut rows = Vec::new();
    for (iso3, mut list) in by_country {
        list.sort_by_key(|s| s.year);
        for pair in list.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            if a.year == b.year {
                continue;
            }
            let comparability = if a.methodology != b.methodology {
                Comparability::NotComparable {
                    from: a.methodology.clone(),
                    to: b.methodology.clone(),
                }
            } else {
                match (&a.basis, &b.basis) {
                    (Basis::Rescored { from }, _) | (_, Basis::Rescored { from }) => {
                        Comparability::Rescored { from: from.clone() }
                    }
                    _ => Comparability::Comparable,
                }
            };
            let comparable = !matches!(comparability, Comparability::NotComparable { .. });
            rows.push(ProgressRow {
                iso3: iso3.clone(),
                from_year: a.year,
                to_year: b.year,
                from_overall: a.overall,
                to_overall: b.overall,
                from_tier: a.tier_code.clone(),
                to_tier: b.tier_code.clone(),
                // Tier 0 is the highest, so moving from 2 to 1 is one step up.
                tier_change: comparable.then_some(a.tier as i64 - b.tier as i64),
                delta_overall: comparable.then_some(b.overall - a.overall),
                delta_pillars: comparable.then(|| {
                    a.pillars
                        .iter()
                        .zip(&b.pillars)
                        .map(|(x, y)| y.points - x.points)
                        .collect()
                }),
                comparability,
            });
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pillar_scores::PillarScoreRow;
    use crate::scoring::score_pillar_rows;

    fn gci() -> Methodology {
        Methodology::builtin("gci-2024").expect("gci-2024 validates")
    }

    fn row(iso3: &str, year: i32, p: f64) -> PillarScoreRow {
        PillarScoreRow {
            iso3: iso3.into(),
            year,
            pillars: vec![Some(p); 5],
            stated_overall: None,
            line: 0,
        }
    }

    #[test]
    fn regional_counts_and_means() {
        let m = gci();
        let s = score_pillar_rows(
            &m,
            &[
                row("KEN", 2024, 19.0),
                row("GHA", 2024, 10.0),
                row("FRA", 2024, 18.0),
                row("XAA", 2024, 1.0),
            ],
        );
        let v = regional(&m, &s, &RegionTable::itu());
        assert_eq!(v.len(), 3);
        assert_eq!(v[0].region, Some(Region::Africa));
        assert_eq!(v[0].countries, 2);
        assert_eq!(v[0].tier_counts, [1, 0, 0, 1, 0]);
        assert!((v[0].overall_mean - 72.5).abs() < 1e-9);
        assert!((v[0].pillar_means[0] - 14.5).abs() < 1e-9);
        assert_eq!(v[1].region, Some(Region::Europe));
        assert_eq!(v[2].region, None);
    }

    #[test]
    fn progress_only_within_one_methodology() {
        let m = gci();
        let mut s = score_pillar_rows(
            &m,
            &[
                row("KEN", 2022, 10.0),
                row("KEN", 2024, 12.0),
                row("GHA", 2022, 10.0),
                row("GHA", 2024, 17.0),
            ],
        );
        s[2].methodology.version = "0.9".into();
        let p = progress(&s);
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].comparability, Comparability::Comparable);
        assert_eq!(p[0].delta_overall, Some(10.0));
        // 50 (T4 Evolving) to 60 (T3 Establishing): one step up.
        assert_eq!(
            (p[0].from_tier.as_str(), p[0].to_tier.as_str()),
            ("T4", "T3")
        );
        assert_eq!(p[0].tier_change, Some(1));
        assert!(matches!(
            p[1].comparability,
            Comparability::NotComparable { .. }
        ));
        assert_eq!(p[1].delta_overall, None);
        assert_eq!(p[1].to_tier, "T2");
    }
}
