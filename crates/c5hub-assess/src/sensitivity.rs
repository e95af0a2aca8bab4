//! Sensitivity of tiers to the pillar weights.
//!
//! Monte Carlo: each draw takes pillar weights from a Dirichlet
//! distribution centred on the configured weights, `Dir(c·w₁, …, c·w_K)`
//! with concentration `c`, recomputes every country's overall score from
//! its (fixed) pillar fractions with the methodology's aggregation rule,
//! and assigns the tier. A country's *tier stability* is the share of draws
//! in which it keeps its tier. The mean of each drawn weight is its
//! configured weight, and its variance `wᵢ(1−wᵢ)/(c+1)`: a larger `c` keeps
//! draws closer. With `c` equal to the number of pillars and equal weights
//! (5 for GCI), every weight vector on the simplex is equally likely: the
//! "random weights" of published critiques of the GCI.
//!
//! Only the pillar level is perturbed, for answer-based scores too:
//! indicator and question weights stay as configured, so the pillar
//! fractions are computed once.
//!
//! Beside the draws: a near-threshold flag (the score is within `margin`
//! points of a tier threshold) and a weight-free dominance view (country A
//! dominates B when it is at least as good on every pillar and better on
//! one; then A scores at least as high as B under any non-negative
//! weights, with either aggregation rule).
//!
//! Draws come from ChaCha8 seeded with [`SensitivityConfig::seed`], so a
//! run is reproducible. [`draw_weights`] and [`analyse`] are separate so
//! that tests can check the statistics against an independent computation
//! on the same draws.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Gamma};

use crate::error::Error;
use crate::limits;
use crate::methodology::{Methodology, MissingPolicy};
use crate::scoring::{CountryScore, aggregate};

/// The seed used when none is given: any fixed value would do; 45 is the
/// number of the WTDC resolution that asks for tiers.
pub const DEFAULT_SEED: u64 = 45;

/// Parameters of a sensitivity analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityConfig {
    /// Number of weight draws.
    pub draws: usize,
    /// Dirichlet concentration `c` (see the module documentation).
    pub concentration: f64,
    /// RNG seed.
    pub seed: u64,
    /// A score within this many points of a tier threshold (strictly) is
    /// flagged as near the threshold.
    pub margin: f64,
    /// A country whose stability is below this share counts as unstable in
    /// the summary.
    pub stable_share: f64,
}

impl Default for SensitivityConfig {
    fn default() -> Self {
        SensitivityConfig {
            draws: 10_000,
            concentration: 20.0,
            seed: DEFAULT_SEED,
            margin: 2.0,
            stable_share: 0.75,
        }
    }
}

/// Weight vectors drawn from a Dirichlet distribution, stored row by row.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightDraws {
    /// Number of pillars (the length of each row).
    pub pillars: usize,
    /// `draws × pillars` weights; each row sums to 1.
    pub data: Vec<f64>,
}

impl WeightDraws {
    /// Number of draws.
    pub fn len(&self) -> usize {
        self.data.len().checked_div(self.pillars).unwrap_or(0)
    }

    /// Whether there are no draws.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The weights of one draw.
    pub fn row(&self, draw: usize) -> &[f64] {
        &self.data[draw * self.pillars..(draw + 1) * self.pillars]
    }
}

/// Draws `draws` weight vectors from `Dir(concentration · base)`.
///
/// `base` must be positive and sum to 1; `concentration` positive and
/// finite.
pub fn draw_weights(
    base: &[f64],
    concentration: f64,
    draws: usize,
    seed: u64,
) -> Result<WeightDraws, Error> {
    if !(concentration.is_finite() && concentration > 0.0) {
        return Err(Error::Parameter {
            message: format!("concentration must be a positive number, not {concentration}"),
        });
    }
    if draws == 0 || draws > limits::MAX_DRAWS {
        return Err(Error::Parameter {
            message: format!("draws must be from 1 to {}, not {draws}", limits::MAX_DRAWS),
        });
    }
    let gammas = base
        .iter()
        .map(|w| {
            Gamma::new(concentration * w, 1.0).map_err(|e| Error::Parameter {
                message: format!("weight {w} with concentration {concentration}: {e}"),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let k = base.len();
    let mut data = Vec::with_capacity(draws * k);
    let mut row = vec![0.0; k];
    for _ in 0..draws {
        // A row of Gamma(αᵢ, 1) variates, normalised, is a Dirichlet draw.
        // With very small αᵢ every variate may underflow to zero; such a
        // row carries no direction and is drawn again.
        let mut attempts = 0;
        loop {
            let mut sum = 0.0;
            for (slot, gamma) in row.iter_mut().zip(&gammas) {
                *slot = gamma.sample(&mut rng);
                sum += *slot;
            }
            if sum > 0.0 && sum.is_finite() {
                data.extend(row.iter().map(|g| g / sum));
                break;
            }
            attempts += 1;
            if attempts >= 100 {
                return Err(Error::Parameter {
                    message: format!(
                        "concentration {concentration} is too small: weight draws underflow"
                    ),
                });
            }
        }
    }
    Ok(WeightDraws { pillars: k, data })
}

/// A score close to a tier threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct NearThreshold {
    /// Index of the tier whose minimum is the threshold.
    pub tier: usize,
    /// The threshold.
    pub threshold: f64,
    /// Overall score minus threshold (negative: just below).
    pub distance: f64,
}

/// The sensitivity of one country's tier.
#[derive(Debug, Clone, PartialEq)]
pub struct CountrySensitivity {
    /// Draws in which the country keeps its tier.
    pub kept: usize,
    /// `kept / draws`.
    pub stability: f64,
    /// Draws per tier, in methodology tier order.
    pub tier_counts: Vec<usize>,
    /// Mean simulated overall score.
    pub mean: f64,
    /// 5th percentile of the simulated overall score (nearest rank).
    pub p05: f64,
    /// Median (nearest rank).
    pub p50: f64,
    /// 95th percentile (nearest rank).
    pub p95: f64,
    /// The nearest tier threshold when within the margin.
    pub near_threshold: Option<NearThreshold>,
}

/// Result of a sensitivity analysis; `countries[i]` belongs to the `i`-th
/// score passed in.
#[derive(Debug, Clone, PartialEq)]
pub struct SensitivityReport {
    /// The parameters used.
    pub config: SensitivityConfig,
    /// The configured (centre) pillar weights.
    pub base_weights: Vec<f64>,
    /// Per country.
    pub countries: Vec<CountrySensitivity>,
    /// Countries whose stability is below `config.stable_share`.
    pub unstable: usize,
    /// Countries flagged near a threshold.
    pub near_threshold: usize,
}

/// The `p`-th percentile (0 < p ≤ 100) of `values` by the nearest-rank
/// method: the value of rank `⌈p/100 · n⌉` in ascending order. Reorders
/// `values`.
pub fn nearest_rank(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    let n = values.len();
    let rank = ((p / 100.0 * n as f64).ceil() as usize).clamp(1, n);
    *values
        .select_nth_unstable_by(rank - 1, |a, b| a.total_cmp(b))
        .1
}

/// Runs the analysis with fresh draws: [`draw_weights`] then [`analyse`].
pub fn run(
    m: &Methodology,
    scores: &[CountryScore],
    config: &SensitivityConfig,
) -> Result<SensitivityReport, Error> {
    check_config(config)?;
    let draws = draw_weights(
        &m.pillar_weights(),
        config.concentration,
        config.draws,
        config.seed,
    )?;
    analyse(m, scores, &draws, config)
}

fn check_config(config: &SensitivityConfig) -> Result<(), Error> {
    if !(config.margin.is_finite() && config.margin >= 0.0) {
        return Err(Error::Parameter {
            message: format!(
                "margin must be a non-negative number, not {}",
                config.margin
            ),
        });
    }
    if !(0.0..=1.0).contains(&config.stable_share) {
        return Err(Error::Parameter {
            message: format!(
                "stable share must be between 0 and 1, not {}",
                config.stable_share
            ),
        });
    }
    Ok(())
}

/// Computes every country's tier stability, score percentiles and
/// near-threshold flag over the given weight draws.
pub fn analyse(
    m: &Methodology,
    scores: &[CountryScore],
    draws: &WeightDraws,
    config: &SensitivityConfig,
) -> Result<SensitivityReport, Error> {
    check_config(config)?;
    if draws.pillars != m.pillars.len() {
        return Err(Error::Parameter {
            message: format!(
                "weight draws have {} pillars, methodology {} has {}",
                draws.pillars,
                m.id,
                m.pillars.len()
            ),
        });
    }
    let n = draws.len();
    if n == 0 {
        return Err(Error::Parameter {
            message: "no weight draws".to_owned(),
        });
    }
    if scores.len().saturating_mul(n) > limits::MAX_SIMULATED_SCORES {
        return Err(Error::Limit {
            message: format!(
                "{} countries × {n} draws is more than {} simulated scores",
                scores.len(),
                limits::MAX_SIMULATED_SCORES
            ),
        });
    }
    let fractions: Vec<Vec<Option<f64>>> = scores
        .iter()
        .map(|s| s.effective_fractions(m.missing))
        .collect();
    let tiers = m.tiers.len();
    let mut simulated = vec![0.0; scores.len() * n];
    let mut tier_counts = vec![0usize; scores.len() * tiers];
    for d in 0..n {
        let w = draws.row(d);
        for (c, f) in fractions.iter().enumerate() {
            let overall = aggregate(m.aggregation, m.scale, w, f).unwrap_or(0.0);
            simulated[c * n + d] = overall;
            tier_counts[c * tiers + m.tier_for(overall)] += 1;
        }
    }

    let thresholds: Vec<(usize, f64)> = m
        .tiers
        .iter()
        .enumerate()
        .filter(|(_, t)| t.min > 0.0)
        .map(|(i, t)| (i, t.min))
        .collect();
    let mut countries = Vec::with_capacity(scores.len());
    for (c, score) in scores.iter().enumerate() {
        let counts = tier_counts[c * tiers..(c + 1) * tiers].to_vec();
        let kept = counts[score.tier];
        let values = &mut simulated[c * n..(c + 1) * n];
        let mean = values.iter().sum::<f64>() / n as f64;
        let p50 = nearest_rank(values, 50.0);
        let p05 = nearest_rank(values, 5.0);
        let p95 = nearest_rank(values, 95.0);
        let near_threshold = thresholds
            .iter()
            .map(|&(tier, threshold)| NearThreshold {
                tier,
                threshold,
                distance: score.overall - threshold,
            })
            .filter(|t| t.distance.abs() < config.margin)
            .min_by(|a, b| a.distance.abs().total_cmp(&b.distance.abs()));
        countries.push(CountrySensitivity {
            kept,
            stability: kept as f64 / n as f64,
            tier_counts: counts,
            mean,
            p05,
            p50,
            p95,
            near_threshold,
        });
    }
    let unstable = countries
        .iter()
        .filter(|c| c.stability < config.stable_share)
        .count();
    let near_threshold = countries
        .iter()
        .filter(|c| c.near_threshold.is_some())
        .count();
    Ok(SensitivityReport {
        config: SensitivityConfig {
            draws: n,
            ..config.clone()
        },
        base_weights: m.pillar_weights(),
        countries,
        unstable,
        near_threshold,
    })
}

/// Who dominates whom, without weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Dominance {
    /// Indices of the countries this one dominates.
    pub dominates: Vec<usize>,
    /// Indices of the countries that dominate this one.
    pub dominated_by: Vec<usize>,
}

/// The weight-free dominance view: A dominates B (same year and
/// methodology) when A's pillar fraction is at least B's on every pillar
/// and greater on at least one. A pair where either has a pillar without
/// data under [`MissingPolicy::Exclude`] is not compared.
pub fn dominance(scores: &[CountryScore], missing: MissingPolicy) -> Vec<Dominance> {
    let fractions: Vec<Vec<Option<f64>>> = scores
        .iter()
        .map(|s| s.effective_fractions(missing))
        .collect();
    let mut out = vec![Dominance::default(); scores.len()];
    for a in 0..scores.len() {
        for b in 0..scores.len() {
            if a == b
                || scores[a].year != scores[b].year
                || scores[a].methodology != scores[b].methodology
            {
                continue;
            }
            let mut all_ge = true;
            let mut any_gt = false;
            for (fa, fb) in fractions[a].iter().zip(&fractions[b]) {
                match (fa, fb) {
                    (Some(x), Some(y)) => {
                        all_ge &= x >= y;
                        any_gt |= x > y;
                    }
                    _ => all_ge = false,
                }
            }
            if all_ge && any_gt {
                out[a].dominates.push(b);
                out[b].dominated_by.push(a);
            }
        }
    }
    for d in &mut out {
        d.dominated_by.sort_unstable();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pillar_scores::PillarScoreRow;
    use crate::scoring::score_pillar_rows;

    fn gci() -> Methodology {
        Methodology::builtin("gci-2024").expect("gci-2024 validates")
    }

    fn scores(m: &Methodology, rows: &[[f64; 5]]) -> Vec<CountryScore> {
        let rows: Vec<_> = rows
            .iter()
            .enumerate()
            .map(|(i, p)| PillarScoreRow {
                iso3: format!("XA{}", char::from(b'A' + i as u8)),
                year: 2024,
                pillars: p.iter().map(|v| Some(*v)).collect(),
                stated_overall: None,
                line: i as u64 + 2,
            })
            .collect();
        score_pillar_rows(m, &rows)
    }

    #[test]
    fn draws_are_reproducible_and_on_the_simplex() {
        let base = [0.2; 5];
        let a = draw_weights(&base, 20.0, 1000, 7).expect("valid");
        let b = draw_weights(&base, 20.0, 1000, 7).expect("valid");
        let c = draw_weights(&base, 20.0, 1000, 8).expect("valid");
        assert_eq!(a, b);
        assert_ne!(a, c);
        for d in 0..a.len() {
            let row = a.row(d);
            assert!(row.iter().all(|w| *w >= 0.0));
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    /// Dirichlet moments: E[wᵢ] = bᵢ and Var[wᵢ] = bᵢ(1−bᵢ)/(c+1). With
    /// 40,000 draws the standard error of the mean is below 0.001; the
    /// bounds are about five standard errors.
    #[test]
    fn dirichlet_moments_match_theory() {
        let base = [0.4, 0.3, 0.2, 0.1];
        let c = 10.0;
        let n = 40_000;
        let draws = draw_weights(&base, c, n, 1).expect("valid");
        for (i, b) in base.iter().enumerate() {
            let xs: Vec<f64> = (0..n).map(|d| draws.row(d)[i]).collect();
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let expected_var = b * (1.0 - b) / (c + 1.0);
            let se_mean = (expected_var / n as f64).sqrt();
            assert!((mean - b).abs() < 5.0 * se_mean, "mean {i}: {mean} vs {b}");
            assert!(
                (var / expected_var - 1.0).abs() < 0.05,
                "variance {i}: {var} vs {expected_var}"
            );
        }
    }

    /// A country with equal pillar fractions has the same overall score
    /// under every weight vector, so it never changes tier, even exactly on
    /// a threshold.
    #[test]
    fn balanced_profiles_are_perfectly_stable() {
        let m = gci();
        let s = scores(&m, &[[19.0; 5], [11.0; 5], [4.0; 5]]);
        let report = run(&m, &s, &SensitivityConfig::default()).expect("runs");
        for (score, c) in s.iter().zip(&report.countries) {
            assert_eq!(c.stability, 1.0, "{} {}", score.iso3, score.overall);
            assert_eq!(
                c.near_threshold.as_ref().map(|t| t.distance.abs() < 1e-9),
                Some(true)
            );
        }
        assert_eq!(report.unstable, 0);
    }

    /// Closed form: pillars (20, 20, 20, 20, 15) give
    /// overall = 100 − 25·w₅, which stays ≥ 95 (T1) exactly when w₅ ≤ 0.2.
    /// Under Dir(c·0.2, …) the marginal w₅ is Beta(c·0.2, c·0.8); for c = 20
    /// that is Beta(4, 16), whose CDF at 0.2 equals P(Binomial(19, 0.2) ≥ 4).
    #[test]
    fn stability_matches_the_beta_closed_form() {
        let m = gci();
        let s = scores(&m, &[[20.0, 20.0, 20.0, 20.0, 15.0]]);
        assert_eq!(s[0].tier_code, "T1");
        let config = SensitivityConfig {
            draws: 100_000,
            ..SensitivityConfig::default()
        };
        let report = run(&m, &s, &config).expect("runs");
        let n = 19u32;
        let p: f64 = (4..=n)
            .map(|j| binomial(n, j) * 0.2f64.powi(j as i32) * 0.8f64.powi((n - j) as i32))
            .sum();
        let se = (p * (1.0 - p) / config.draws as f64).sqrt();
        let got = report.countries[0].stability;
        assert!(
            (got - p).abs() < 5.0 * se,
            "stability {got}, closed form {p}"
        );
        // A draw leaves T2 too only when w₅ > 0.6 (overall < 85).
        let c = &report.countries[0];
        assert_eq!(c.tier_counts.iter().sum::<usize>(), config.draws);
        assert_eq!(c.kept, c.tier_counts[0]);
    }

    fn binomial(n: u32, k: u32) -> f64 {
        (0..k).fold(1.0, |acc, i| acc * f64::from(n - i) / f64::from(i + 1))
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let mut v: Vec<f64> = (1..=20).map(f64::from).collect();
        assert_eq!(nearest_rank(&mut v, 5.0), 1.0);
        assert_eq!(nearest_rank(&mut v, 50.0), 10.0);
        assert_eq!(nearest_rank(&mut v, 95.0), 19.0);
        assert_eq!(nearest_rank(&mut v, 100.0), 20.0);
    }

    #[test]
    fn dominance_is_weight_free() {
        let m = gci();
        let s = scores(
            &m,
            &[
                [20.0, 20.0, 20.0, 20.0, 20.0],
                [10.0, 20.0, 20.0, 20.0, 20.0],
                [20.0, 10.0, 20.0, 20.0, 20.0],
                [10.0, 10.0, 20.0, 20.0, 20.0],
                [10.0, 10.0, 20.0, 20.0, 20.0],
            ],
        );
        let d = dominance(&s, m.missing);
        assert_eq!(d[0].dominates, [1, 2, 3, 4]);
        assert_eq!(d[1].dominates, [3, 4]);
        assert_eq!(d[1].dominated_by, [0]);
        // B and C are incomparable; D and E are equal, so neither dominates.
        assert!(!d[1].dominates.contains(&2) && !d[2].dominates.contains(&1));
        assert!(!d[3].dominates.contains(&4) && !d[4].dominates.contains(&3));
        assert_eq!(d[3].dominated_by, [0, 1, 2]);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(draw_weights(&[0.5, 0.5], 0.0, 10, 1).is_err());
        assert!(draw_weights(&[0.5, 0.5], 1.0, 0, 1).is_err());
        let m = gci();
        let config = SensitivityConfig {
            margin: -1.0,
            ..SensitivityConfig::default()
        };
        assert!(run(&m, &[], &config).is_err());
    }
}
