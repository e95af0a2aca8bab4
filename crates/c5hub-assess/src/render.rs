//! Machine-readable output: CSV renderings of scores, JSON and CSV of
//! sensitivity results, regional and progress views. The scores' JSON is
//! the hub's wire type (`c5hub_wire::assess::ScoresAnswer`), which the API
//! and `c5hub assess score --format json` share.
//!
//! Scores and means are rounded to two decimals here, for display; tiers
//! were assigned on unrounded values. Ranks appear only when the caller
//! passes them.

use serde_json::{Map, Value, json};

use crate::methodology::Methodology;
use crate::regions::RegionTable;
use crate::scoring::{CountryScore, round2};
use crate::sensitivity::{Dominance, SensitivityReport};
use crate::views::{Comparability, ProgressRow, RegionSummary};

fn num(x: f64) -> Value {
    Value::from(round2(x))
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn pretty(value: &Value) -> String {
    // Serialising a `Value` built from strings and finite numbers cannot
    // fail.
    serde_json::to_string_pretty(value).unwrap_or_default() + "\n"
}

fn csv_text(header: &[String], rows: &[Vec<String>]) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // Writing to memory cannot fail; all rows have the header's length.
    let _ = writer.write_record(header);
    for row in rows {
        let _ = writer.write_record(row);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}

fn fmt2(x: f64) -> String {
    format!("{:.2}", round2(x))
}

/// Scores as CSV: `iso3,year,<pillar ids>,overall,tier,tier_name,basis,
/// flags` and `rank` last when ranks are given.
pub fn scores_csv(m: &Methodology, scores: &[CountryScore], ranks: Option<&[usize]>) -> String {
    let mut header: Vec<String> = vec!["iso3".into(), "year".into()];
    header.extend(m.pillars.iter().map(|p| p.id.clone()));
    header.extend(["overall", "tier", "tier_name", "basis", "flags"].map(String::from));
    if ranks.is_some() {
        header.push("rank".into());
    }
    let rows: Vec<Vec<String>> = scores
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut row = vec![s.iso3.clone(), s.year.to_string()];
            row.extend(s.pillars.iter().map(|p| fmt2(p.points)));
            row.push(fmt2(s.overall));
            row.push(s.tier_code.clone());
            row.push(s.tier_name.clone());
            row.push(s.basis.as_str().to_owned());
            row.push(
                s.flags
                    .iter()
                    .map(|f| f.to_string())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            if let Some(r) = ranks {
                row.push(r.get(i).map_or(String::new(), |r| r.to_string()));
            }
            row
        })
        .collect();
    csv_text(&header, &rows)
}

/// A sensitivity analysis as JSON: parameters, a summary, and per country
/// its stability, tier shares, score percentiles, near-threshold flag and
/// dominance relations.
pub fn sensitivity_json(
    m: &Methodology,
    scores: &[CountryScore],
    report: &SensitivityReport,
    dominance: &[Dominance],
) -> String {
    let c = &report.config;
    let weights: Map<String, Value> = m
        .pillars
        .iter()
        .zip(&report.base_weights)
        .map(|(p, w)| (p.id.clone(), json!(*w)))
        .collect();
    let n = scores.len().max(1) as f64;
    let countries: Vec<Value> = scores
        .iter()
        .zip(&report.countries)
        .zip(dominance)
        .map(|((s, r), d)| {
            let shares: Map<String, Value> = m
                .tiers
                .iter()
                .zip(&r.tier_counts)
                .map(|(t, k)| (t.code.clone(), json!(round4(*k as f64 / c.draws as f64))))
                .collect();
            let near = r.near_threshold.as_ref().map_or(Value::Null, |t| {
                json!({
                    "threshold": t.threshold,
                    "tier": m.tiers.get(t.tier).map(|t| t.code.as_str()),
                    "distance": round2(t.distance),
                })
            });
            json!({
                "iso3": s.iso3,
                "year": s.year,
                "overall": round2(s.overall),
                "tier": s.tier_code,
                "stability": round4(r.stability),
                "kept": r.kept,
                "tier_shares": shares,
                "mean": round2(r.mean),
                "p05": round2(r.p05),
                "p50": round2(r.p50),
                "p95": round2(r.p95),
                "near_threshold": near,
                "dominates": d.dominates.len(),
                "dominated_by": d.dominated_by.iter().filter_map(|&i| scores.get(i).map(|s| s.iso3.clone())).collect::<Vec<_>>(),
            })
        })
        .collect();
    pretty(&json!({
        "methodology": m.reference().to_string(),
        "perturbed_level": "pillar",
        "draws": c.draws,
        "concentration": c.concentration,
        "seed": c.seed,
        "margin": c.margin,
        "stable_share": c.stable_share,
        "weights": weights,
        "summary": {
            "countries": scores.len(),
            "unstable": report.unstable,
            "unstable_share": round4(report.unstable as f64 / n),
            "near_threshold": report.near_threshold,
        },
        "countries": countries,
    }))
}

/// A sensitivity analysis as CSV, one row per country.
pub fn sensitivity_csv(
    m: &Methodology,
    scores: &[CountryScore],
    report: &SensitivityReport,
    dominance: &[Dominance],
) -> String {
    let mut header: Vec<String> = ["iso3", "year", "overall", "tier", "stability"]
        .map(String::from)
        .to_vec();
    header.extend(m.tiers.iter().map(|t| format!("share_{}", t.code)));
    header.extend(
        [
            "p05",
            "p50",
            "p95",
            "near_threshold",
            "distance",
            "dominates",
            "dominated_by",
        ]
        .map(String::from),
    );
    let rows: Vec<Vec<String>> = scores
        .iter()
        .zip(&report.countries)
        .zip(dominance)
        .map(|((s, r), d)| {
            let mut row = vec![
                s.iso3.clone(),
                s.year.to_string(),
                fmt2(s.overall),
                s.tier_code.clone(),
                format!("{:.4}", r.stability),
            ];
            row.extend(
                r.tier_counts
                    .iter()
                    .map(|k| format!("{:.4}", *k as f64 / report.config.draws as f64)),
            );
            row.push(fmt2(r.p05));
            row.push(fmt2(r.p50));
            row.push(fmt2(r.p95));
            match &r.near_threshold {
                Some(t) => {
                    row.push(format!("{}", t.threshold));
                    row.push(fmt2(t.distance));
                }
                None => {
                    row.push(String::new());
                    row.push(String::new());
                }
            }
            row.push(d.dominates.len().to_string());
            row.push(
                d.dominated_by
                    .iter()
                    .filter_map(|&i| scores.get(i).map(|s| s.iso3.as_str()))
                    .collect::<Vec<_>>()
                    .join(";"),
            );
            row
        })
        .collect();
    csv_text(&header, &rows)
}

/// The regional view as JSON.
pub fn regions_json(m: &Methodology, view: &[RegionSummary]) -> String {
    let items: Vec<Value> = view
        .iter()
        .map(|g| {
            let tiers: Map<String, Value> = m
                .tiers
                .iter()
                .zip(&g.tier_counts)
                .map(|(t, k)| (t.code.clone(), json!(k)))
                .collect();
            let pillars: Map<String, Value> = m
                .pillars
                .iter()
                .zip(&g.pillar_means)
                .map(|(p, v)| (p.id.clone(), num(*v)))
                .collect();
            json!({
                "region": g.region.map(|r| r.as_str()),
                "region_name": g.region.map_or("Unlisted", |r| r.name()),
                "year": g.year,
                "countries": g.countries,
                "tiers": tiers,
                "pillar_means": pillars,
                "overall_mean": round2(g.overall_mean),
            })
        })
        .collect();
    pretty(&Value::Array(items))
}

/// The regional view as CSV.
pub fn regions_csv(m: &Methodology, view: &[RegionSummary]) -> String {
    let mut header: Vec<String> = ["region", "year", "countries"].map(String::from).to_vec();
    header.extend(m.tiers.iter().map(|t| t.code.clone()));
    header.extend(m.pillars.iter().map(|p| format!("mean_{}", p.id)));
    header.push("mean_overall".into());
    let rows: Vec<Vec<String>> = view
        .iter()
        .map(|g| {
            let mut row = vec![
                g.region.map_or("unlisted", |r| r.as_str()).to_owned(),
                g.year.to_string(),
                g.countries.to_string(),
            ];
            row.extend(g.tier_counts.iter().map(|k| k.to_string()));
            row.extend(g.pillar_means.iter().map(|v| fmt2(*v)));
            row.push(fmt2(g.overall_mean));
            row
        })
        .collect();
    csv_text(&header, &rows)
}

/// The progress view as JSON.
pub fn progress_json(m: &Methodology, rows: &[ProgressRow]) -> String {
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut o = Map::new();
            o.insert("iso3".into(), json!(r.iso3));
            o.insert("from_year".into(), json!(r.from_year));
            o.insert("to_year".into(), json!(r.to_year));
            o.insert("comparability".into(), json!(r.comparability.as_str()));
            match &r.comparability {
                Comparability::Comparable => {}
                Comparability::Rescored { from } => {
                    o.insert("rescored_from".into(), json!(from.to_string()));
                }
                Comparability::NotComparable { from, to } => {
                    o.insert(
                        "methodologies".into(),
                        json!([from.to_string(), to.to_string()]),
                    );
                }
            }
            o.insert("from_tier".into(), json!(r.from_tier));
            o.insert("to_tier".into(), json!(r.to_tier));
            o.insert("tier_change".into(), json!(r.tier_change));
            o.insert("from_overall".into(), num(r.from_overall));
            o.insert("to_overall".into(), num(r.to_overall));
            o.insert(
                "delta_overall".into(),
                r.delta_overall.map_or(Value::Null, num),
            );
            o.insert(
                "delta_pillars".into(),
                r.delta_pillars.as_ref().map_or(Value::Null, |d| {
                    Value::Object(
                        m.pillars
                            .iter()
                            .zip(d)
                            .map(|(p, v)| (p.id.clone(), num(*v)))
                            .collect(),
                    )
                }),
            );
            Value::Object(o)
        })
        .collect();
    pretty(&Value::Array(items))
}

/// The progress view as CSV.
pub fn progress_csv(m: &Methodology, rows: &[ProgressRow]) -> String {
    let mut header: Vec<String> = [
        "iso3",
        "from_year",
        "to_year",
        "comparability",
        "from_tier",
        "to_tier",
        "tier_change",
        "from_overall",
        "to_overall",
        "delta_overall",
    ]
    .map(String::from)
    .to_vec();
    header.extend(m.pillars.iter().map(|p| format!("delta_{}", p.id)));
    let out: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut row = vec![
                r.iso3.clone(),
                r.from_year.to_string(),
                r.to_year.to_string(),
                r.comparability.as_str().to_owned(),
                r.from_tier.clone(),
                r.to_tier.clone(),
                r.tier_change.map_or(String::new(), |t| t.to_string()),
                fmt2(r.from_overall),
                fmt2(r.to_overall),
                r.delta_overall.map_or(String::new(), fmt2),
            ];
            match &r.delta_pillars {
                Some(d) => row.extend(d.iter().map(|v| fmt2(*v))),
                None => row.extend(m.pillars.iter().map(|_| String::new())),
            }
            row
        })
        .collect();
    csv_text(&header, &out)
}

/// Country names for a list of scores, from a region table (the code when
/// the table does not list the country).
pub fn names<'a>(scores: &'a [CountryScore], regions: &'a RegionTable) -> Vec<&'a str> {
    scores.iter().map(|s| regions.name_of(&s.iso3)).collect()
}
