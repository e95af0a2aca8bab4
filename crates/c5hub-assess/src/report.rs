//! The HTML report: one self-contained file with inline SVG charts, no
//! scripts, no network. Tiers, not ranks.
//!
//! Every chart carries its numbers as text (labels in the chart, and a
//! table beside it), so nothing depends on telling colours apart. Any text
//! that comes from input (names, ids) is escaped.

use std::fmt::Write;

use crate::methodology::Methodology;
use crate::regions::{Region, RegionTable};
use crate::scoring::{CountryScore, Flag, round2};
use crate::sensitivity::{Dominance, SensitivityReport};
use crate::views::{Comparability, ProgressRow, regional};

/// What goes into a report.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// The report's title.
    pub title: &'a str,
    /// The methodology of `scores`.
    pub methodology: &'a Methodology,
    /// The edition shown: one score per country.
    pub scores: &'a [CountryScore],
    /// Country names and regions.
    pub regions: &'a RegionTable,
    /// Sensitivity of `scores` (same order and length), with the dominance
    /// view; ignored when the lengths differ from `scores`.
    pub sensitivity: Option<(&'a SensitivityReport, &'a [Dominance])>,
    /// Changes between editions.
    pub progress: &'a [ProgressRow],
    /// Notes shown at the top (data provenance, warnings).
    pub notes: &'a [String],
}

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const PALETTE: [&str; 7] = [
    "#08306b", "#08519c", "#2171b5", "#4292c6", "#6baed6", "#9ecae1", "#deebf7",
];

/// Fill and text colour of tier `i` out of `n`, dark (highest) to light.
fn tier_colours(i: usize, n: usize) -> (&'static str, &'static str) {
    let idx = if n <= 1 {
        0
    } else {
        (i * (PALETTE.len() - 1) + (n - 1) / 2) / (n - 1)
    };
    let idx = idx.min(PALETTE.len() - 1);
    (PALETTE[idx], if idx < 4 { "#ffffff" } else { "#000000" })
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:auto;padding:1rem;color:#111;line-height:1.4}\
table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #999;padding:.2rem .5rem;text-align:right}\
th,td.l{text-align:left}.scroll{overflow-x:auto}caption{text-align:left;font-weight:bold;padding:.3rem 0}\
figure{margin:.5rem 0;display:inline-block;vertical-align:top;width:19rem}figcaption{font-size:.9rem}\
.note{background:#fff4d6;border-left:4px solid #b58900;padding:.4rem .8rem}\
svg text{font-family:system-ui,sans-serif}details{margin:.3rem 0}summary{cursor:pointer;font-weight:bold}";

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// A standalone HTML page with a table of scores (for `score --format
/// html`). Ranks appear only when given.
pub fn scores_page(
    m: &Methodology,
    scores: &[CountryScore],
    regions: &RegionTable,
    ranks: Option<&[usize]>,
) -> String {
    let mut out = page_start(&format!("Scores: {}", m.title));
    out.push_str(&scores_table(m, scores, regions, ranks));
    out.push_str(&methodology_section(m));
    out.push_str("</main></body></html>\n");
    out
}

fn page_start(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{t}</title><style>{STYLE}</style></head><body><main><h1>{t}</h1>\n",
        t = esc(title)
    )
}

fn scores_table(
    m: &Methodology,
    scores: &[CountryScore],
    regions: &RegionTable,
    ranks: Option<&[usize]>,
) -> String {
    let mut t = String::new();
    let _ = write!(
        t,
        "<div class=\"scroll\"><table><caption>Scores by country ({} on {}; overall 0–{})</caption><thead><tr>\
         <th scope=\"col\">Country</th><th scope=\"col\">Year</th>",
        esc(&m.tier_label),
        esc(&m.reference().to_string()),
        m.scale
    );
    if ranks.is_some() {
        t.push_str("<th scope=\"col\">Rank</th>");
    }
    for (i, p) in m.pillars.iter().enumerate() {
        let _ = write!(
            t,
            "<th scope=\"col\">{} (0–{})</th>",
            esc(&p.name),
            round2(m.pillar_max(i))
        );
    }
    let _ = write!(
        t,
        "<th scope=\"col\">Overall</th><th scope=\"col\">{}</th><th scope=\"col\">Flags</th></tr></thead><tbody>",
        esc(&m.tier_label)
    );
    for (i, s) in scores.iter().enumerate() {
        let _ = write!(
            t,
            "<tr><th scope=\"row\">{} ({})</th><td>{}</td>",
            esc(regions.name_of(&s.iso3)),
            esc(&s.iso3),
            s.year
        );
        if let Some(r) = ranks {
            let _ = write!(t, "<td>{}</td>", r.get(i).copied().unwrap_or(0));
        }
        for p in &s.pillars {
            let _ = write!(t, "<td>{:.2}</td>", round2(p.points));
        }
        let _ = write!(
            t,
            "<td>{:.2}</td><td class=\"l\">{} {}</td><td class=\"l\">{}</td></tr>",
            round2(s.overall),
            esc(&s.tier_code),
            esc(&s.tier_name),
            esc(&s
                .flags
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join("; "))
        );
    }
    t.push_str("</tbody></table></div>\n");
    t
}

/// Horizontal stacked bars: one row per region, segments per tier, each
/// labelled with its tier code and count when wide enough. `rows` are a
/// label and the countries per tier (methodology tier order). Presentation
/// attributes only (no `style`), so a page with a strict CSP can embed it.
pub fn tiers_by_region_svg(m: &Methodology, rows: &[(String, Vec<usize>)]) -> String {
    let label_w = 130.0;
    let bar_w = 470.0;
    let row_h = 28.0;
    let width = label_w + bar_w + 60.0;
    let legend_lines = {
        let (mut x, mut lines) = (10.0, 1.0);
        for t in &m.tiers {
            let item_w = 36.0 + 7.5 * (t.code.chars().count() + t.name.chars().count()) as f64;
            if x + item_w > width && x > 10.0 {
                x = 10.0;
                lines += 1.0;
            }
            x += item_w;
        }
        lines
    };
    let legend_h = 10.0 + 20.0 * legend_lines;
    let height = legend_h + row_h * rows.len() as f64 + 10.0;
    let n_tiers = m.tiers.len();
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" aria-labelledby=\"tbr-title\"><title id=\"tbr-title\">\
         Share of countries in each {} by region; the table below gives the counts</title>",
        esc(&m.tier_label.to_lowercase())
    );
    // Legend, wrapped onto as many lines as needed.
    let mut x = 10.0;
    let mut line = 0.0;
    for (i, t) in m.tiers.iter().enumerate() {
        let (fill, _) = tier_colours(i, n_tiers);
        let item_w = 36.0 + 7.5 * (t.code.chars().count() + t.name.chars().count()) as f64;
        if x + item_w > width && x > 10.0 {
            x = 10.0;
            line += 20.0;
        }
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"14\" height=\"14\" fill=\"{fill}\" stroke=\"#333\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\">{} {}</text>",
            6.0 + line,
            x + 18.0,
            18.0 + line,
            esc(&t.code),
            esc(&t.name)
        );
        x += item_w;
    }
    for (r, (label, counts)) in rows.iter().enumerate() {
        let y = legend_h + r as f64 * row_h;
        let total: usize = counts.iter().sum();
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"13\" text-anchor=\"end\">{}</text>",
            label_w - 8.0,
            y + 18.0,
            esc(label)
        );
        let mut x = label_w;
        for (i, &k) in counts.iter().enumerate() {
            if k == 0 || total == 0 {
                continue;
            }
            let w = bar_w * k as f64 / total as f64;
            let (fill, ink) = tier_colours(i, n_tiers);
            let _ = write!(
                s,
                "<rect x=\"{x:.1}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{fill}\" stroke=\"#fff\">\
                 <title>{}: {} {}: {k}</title></rect>",
                row_h - 6.0,
                esc(label),
                esc(&m.tiers[i].code),
                esc(&m.tiers[i].name)
            );
            if w >= 34.0 {
                let _ = write!(
                    s,
                    "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" fill=\"{ink}\" text-anchor=\"middle\">{} {k}</text>",
                    x + w / 2.0,
                    y + 15.0,
                    esc(&m.tiers[i].code)
                );
            }
            x += w;
        }
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\">n={total}</text>",
            label_w + bar_w + 6.0,
            y + 15.0
        );
    }
    s.push_str("</svg>");
    s
}

/// One country's pillar profile: a bar per pillar, labelled with points.
/// `id` makes the chart's title id unique on a page holding several.
pub fn profile_svg(m: &Methodology, s: &CountryScore, id: usize) -> String {
    let label_w = 120.0;
    let bar_w = 130.0;
    let row_h = 18.0;
    let height = row_h * m.pillars.len() as f64 + 4.0;
    let width = label_w + bar_w + 50.0;
    let mut out = String::new();
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" aria-labelledby=\"pp{id}\"><title id=\"pp{id}\">Pillar scores of {}</title>",
        esc(&s.iso3)
    );
    for (i, (p, v)) in m.pillars.iter().zip(&s.pillars).enumerate() {
        let y = i as f64 * row_h + 2.0;
        let max = m.pillar_max(i);
        let frac = if max > 0.0 {
            (v.points / max).clamp(0.0, 1.0)
        } else {
            0.0
        };
        // The pillar id, capitalised, is short and says what the pillar is.
        let short: String =
            p.id.chars()
                .take(16)
                .enumerate()
                .map(|(i, c)| if i == 0 { c.to_ascii_uppercase() } else { c })
                .collect();
        let _ = write!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"11\" text-anchor=\"end\">{}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{bar_w}\" height=\"{}\" fill=\"#eee\" stroke=\"#999\"/>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{:.1}\" height=\"{}\" fill=\"#2171b5\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"11\">{:.2}</text>",
            label_w - 4.0,
            y + 12.0,
            esc(&short),
            row_h - 4.0,
            bar_w * frac,
            row_h - 4.0,
            label_w + bar_w + 4.0,
            y + 12.0,
            round2(v.points)
        );
    }
    out.push_str("</svg>");
    out
}

/// A histogram of tier stability in ten bins, bars labelled with counts.
pub fn stability_histogram_svg(report: &SensitivityReport) -> String {
    let mut bins = [0usize; 10];
    for c in &report.countries {
        let b = ((c.stability * 10.0).floor() as usize).min(9);
        bins[b] += 1;
    }
    let max = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let (w, h, left, bottom) = (560.0, 220.0, 40.0, 40.0);
    let bw = (w - left) / 10.0;
    let mut s = String::new();
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         aria-labelledby=\"sh-title\"><title id=\"sh-title\">Number of countries by tier stability, in bins of ten percentage points</title>"
    );
    for (i, &k) in bins.iter().enumerate() {
        let bh = (h - bottom - 20.0) * k as f64 / max;
        let x = left + i as f64 * bw;
        let y = h - bottom - bh;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{bh:.1}\" fill=\"#4292c6\" stroke=\"#08306b\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\">{k}</text>\
             <text x=\"{:.1}\" y=\"{}\" font-size=\"10\" text-anchor=\"middle\">{}–{}%</text>",
            x + 2.0,
            bw - 4.0,
            x + bw / 2.0,
            y - 4.0,
            x + bw / 2.0,
            h - bottom + 14.0,
            i * 10,
            i * 10 + 10
        );
    }
    let _ = write!(
        s,
        "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"middle\">share of draws keeping the tier</text></svg>",
        left + (w - left) / 2.0,
        h - 6.0
    );
    s
}

fn methodology_section(m: &Methodology) -> String {
    let mut s = String::new();
    let _ = write!(
        s,
        "<section><h2>Methodology</h2><p>{} ({}). {}</p><p>Aggregation: {}; missing answers: {}. \
         {}s are assigned on the unrounded overall score; scores are shown rounded to two decimals, \
         so 94.996 shows as 95.00 while staying below a 95 threshold.</p>",
        esc(&m.title),
        esc(&m.reference().to_string()),
        esc(&m.description),
        m.aggregation.as_str(),
        m.missing.as_str(),
        esc(&m.tier_label)
    );
    s.push_str(
        "<div class=\"scroll\"><table><caption>Pillars</caption><thead><tr><th scope=\"col\">Pillar</th>\
         <th scope=\"col\">Weight</th><th scope=\"col\">Maximum</th><th scope=\"col\">Questions</th></tr></thead><tbody>",
    );
    for (i, p) in m.pillars.iter().enumerate() {
        let questions = m.questions().filter(|(pi, _)| *pi == i).count();
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td>{:.3}</td><td>{}</td><td>{questions}</td></tr>",
            esc(&p.name),
            p.share,
            round2(m.pillar_max(i))
        );
    }
    let _ = write!(
        s,
        "</tbody></table></div><div class=\"scroll\"><table><caption>{}s</caption><thead><tr><th scope=\"col\">Code</th>\
         <th scope=\"col\">Name</th><th scope=\"col\">Overall score</th></tr></thead><tbody>",
        esc(&m.tier_label)
    );
    for (i, t) in m.tiers.iter().enumerate() {
        let range = if i == 0 {
            format!("≥ {}", t.min)
        } else {
            format!("≥ {} and &lt; {}", t.min, m.tiers[i - 1].min)
        };
        let _ = write!(
            s,
            "<tr><th scope=\"row\">{}</th><td class=\"l\">{}</td><td class=\"l\">{range}</td></tr>",
            esc(&t.code),
            esc(&t.name)
        );
    }
    s.push_str("</tbody></table></div></section>\n");
    s
}

/// The full report.
pub fn html_report(input: &ReportInput<'_>) -> String {
    let m = input.methodology;
    let scores = input.scores;
    let sensitivity = input.sensitivity.filter(|(report, dominance)| {
        report.countries.len() == scores.len() && dominance.len() == scores.len()
    });
    let mut out = page_start(input.title);
    let years: std::collections::BTreeSet<i32> = scores.iter().map(|s| s.year).collect();
    let _ = write!(
        out,
        "<p>{} countries, edition {}, methodology {}. Results are presented by {}, not by rank \
         (WTDC Resolution 45).</p>",
        scores.len(),
        years
            .iter()
            .map(|y| y.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        esc(&m.reference().to_string()),
        esc(&m.tier_label.to_lowercase())
    );
    let mut shown = std::collections::HashSet::new();
    for note in input.notes.iter().filter(|n| shown.insert(n.as_str())) {
        let _ = write!(out, "<p class=\"note\">{}</p>", esc(note));
    }
    out.push_str("<nav><ul><li><a href=\"#regions\">By region</a></li>");
    if sensitivity.is_some() {
        out.push_str("<li><a href=\"#stability\">Stability</a></li>");
    }
    if !input.progress.is_empty() {
        out.push_str("<li><a href=\"#progress\">Progress</a></li>");
    }
    out.push_str("<li><a href=\"#profiles\">Country profiles</a></li><li><a href=\"#methodology\">Methodology</a></li></ul></nav>\n");

    // Regions.
    let view = regional(m, scores, input.regions);
    let _ = write!(
        out,
        "<section id=\"regions\"><h2>{}s by region</h2>",
        esc(&m.tier_label)
    );
    let rows: Vec<(String, Vec<usize>)> = view
        .iter()
        .map(|g| {
            let name = g.region.map_or("Unlisted", Region::name);
            let label = if years.len() > 1 {
                format!("{name} {}", g.year)
            } else {
                name.to_owned()
            };
            (label, g.tier_counts.clone())
        })
        .collect();
    out.push_str("<figure style=\"width:auto\">");
    out.push_str(&tiers_by_region_svg(m, &rows));
    out.push_str("</figure>");
    let _ = write!(
        out,
        "<div class=\"scroll\"><table><caption>Countries per {} and mean scores by region</caption><thead><tr><th scope=\"col\">Region</th>\
         <th scope=\"col\">Year</th><th scope=\"col\">Countries</th>",
        esc(&m.tier_label.to_lowercase())
    );
    for t in &m.tiers {
        let _ = write!(out, "<th scope=\"col\">{}</th>", esc(&t.code));
    }
    for p in &m.pillars {
        let _ = write!(out, "<th scope=\"col\">Mean {}</th>", esc(&p.id));
    }
    out.push_str("<th scope=\"col\">Mean overall</th></tr></thead><tbody>");
    for g in &view {
        let _ = write!(
            out,
            "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td>",
            g.region.map_or("Unlisted", Region::name),
            g.year,
            g.countries
        );
        for k in &g.tier_counts {
            let _ = write!(out, "<td>{k}</td>");
        }
        for v in &g.pillar_means {
            let _ = write!(out, "<td>{:.2}</td>", round2(*v));
        }
        let _ = write!(out, "<td>{:.2}</td></tr>", round2(g.overall_mean));
    }
    out.push_str("</tbody></table></div></section>\n");

    // Stability.
    if let Some((report, dominance)) = sensitivity {
        let c = &report.config;
        let _ = write!(
            out,
            "<section id=\"stability\"><h2>Stability of {}s under other weights</h2>\
             <p>{} draws of pillar weights from a Dirichlet distribution centred on the configured weights \
             (concentration {}, seed {}). Stability is the share of draws in which a country keeps its {}. \
             {} of {} countries ({}) keep it in fewer than {} of draws; {} sit within {} points of a threshold.</p>",
            esc(&m.tier_label.to_lowercase()),
            c.draws,
            c.concentration,
            c.seed,
            esc(&m.tier_label.to_lowercase()),
            report.unstable,
            scores.len(),
            pct(report.unstable as f64 / scores.len().max(1) as f64),
            pct(c.stable_share),
            report.near_threshold,
            c.margin
        );
        out.push_str("<figure style=\"width:auto\">");
        out.push_str(&stability_histogram_svg(report));
        out.push_str("</figure>");
        let mut unstable: Vec<usize> = (0..scores.len())
            .filter(|&i| report.countries[i].stability < c.stable_share)
            .collect();
        unstable.sort_by(|&a, &b| {
            report.countries[a]
                .stability
                .total_cmp(&report.countries[b].stability)
                .then_with(|| scores[a].iso3.cmp(&scores[b].iso3))
        });
        if !unstable.is_empty() {
            let _ = write!(
                out,
                "<div class=\"scroll\"><table><caption>Countries keeping their {} in fewer than {} of draws</caption><thead><tr>\
                 <th scope=\"col\">Country</th><th scope=\"col\">Overall</th><th scope=\"col\">{}</th>\
                 <th scope=\"col\">Stability</th><th scope=\"col\">Other {}s reached</th>\
                 <th scope=\"col\">Overall 5th–95th percentile</th></tr></thead><tbody>",
                esc(&m.tier_label.to_lowercase()),
                pct(c.stable_share),
                esc(&m.tier_label),
                esc(&m.tier_label.to_lowercase())
            );
            for i in unstable {
                let s = &scores[i];
                let r = &report.countries[i];
                let others = m
                    .tiers
                    .iter()
                    .zip(&r.tier_counts)
                    .enumerate()
                    .filter(|(t, (_, k))| *t != s.tier && **k > 0)
                    .map(|(_, (t, k))| format!("{} {}", t.code, pct(*k as f64 / c.draws as f64)))
                    .collect::<Vec<_>>()
                    .join(", ");
                let _ = write!(
                    out,
                    "<tr><th scope=\"row\">{} ({})</th><td>{:.2}</td><td class=\"l\">{} {}</td><td>{}</td>\
                     <td class=\"l\">{}</td><td>{:.2}–{:.2}</td></tr>",
                    esc(input.regions.name_of(&s.iso3)),
                    esc(&s.iso3),
                    round2(s.overall),
                    esc(&s.tier_code),
                    esc(&s.tier_name),
                    pct(r.stability),
                    esc(&others),
                    round2(r.p05),
                    round2(r.p95)
                );
            }
            out.push_str("</tbody></table></div>");
        }
        let undominated: Vec<&str> = scores
            .iter()
            .zip(dominance)
            .filter(|(_, d)| d.dominated_by.is_empty())
            .map(|(s, _)| s.iso3.as_str())
            .collect();
        let _ = write!(
            out,
            "<h3>Dominance, without weights</h3><p>Country A dominates B when A scores at least as high as B on \
             every pillar and higher on one: then A's overall score is at least B's under any weights. \
             {} of {} countries are dominated by no other: {}.</p></section>",
            undominated.len(),
            scores.len(),
            esc(&undominated.join(", "))
        );
        out.push('\n');
    }

    // Progress.
    if !input.progress.is_empty() {
        out.push_str(
            "<section id=\"progress\"><h2>Progress between editions</h2>\
             <p>Differences are computed only between editions scored with the same methodology and version; \
             answers re-scored with the current methodology are marked.</p>",
        );
        let comparable: Vec<&ProgressRow> = input
            .progress
            .iter()
            .filter(|r| r.tier_change.is_some())
            .collect();
        let up = comparable
            .iter()
            .filter(|r| r.tier_change > Some(0))
            .count();
        let down = comparable
            .iter()
            .filter(|r| r.tier_change < Some(0))
            .count();
        let _ = write!(
            out,
            "<p>{} comparisons: {} moved up at least one {}, {} moved down, {} kept it; {} not comparable.</p>",
            input.progress.len(),
            up,
            esc(&m.tier_label.to_lowercase()),
            down,
            comparable.len() - up - down,
            input.progress.len() - comparable.len()
        );
        out.push_str(
            "<div class=\"scroll\"><table><caption>Changes by country</caption><thead><tr><th scope=\"col\">Country</th>\
             <th scope=\"col\">Editions</th><th scope=\"col\">From</th><th scope=\"col\">To</th>\
             <th scope=\"col\">Overall change</th><th scope=\"col\">Comparability</th></tr></thead><tbody>",
        );
        for r in input.progress {
            let comparability = match &r.comparability {
                Comparability::Comparable => "comparable".to_owned(),
                Comparability::Rescored { from } => format!("re-scored from {from}"),
                Comparability::NotComparable { from, to } => {
                    format!("not comparable ({from} vs {to})")
                }
            };
            let _ = write!(
                out,
                "<tr><th scope=\"row\">{} ({})</th><td>{}→{}</td><td class=\"l\">{} ({:.2})</td>\
                 <td class=\"l\">{} ({:.2})</td><td>{}</td><td class=\"l\">{}</td></tr>",
                esc(input.regions.name_of(&r.iso3)),
                esc(&r.iso3),
                r.from_year,
                r.to_year,
                esc(&r.from_tier),
                round2(r.from_overall),
                esc(&r.to_tier),
                round2(r.to_overall),
                r.delta_overall
                    .map_or("–".to_owned(), |d| format!("{:+.2}", round2(d))),
                esc(&comparability)
            );
        }
        out.push_str("</tbody></table></div></section>\n");
    }

    // Profiles, grouped by region, countries in alphabetical order of code.
    out.push_str(
        "<section id=\"profiles\"><h2>Country pillar profiles</h2>\
         <p>Each bar is a pillar's score against its maximum; the number is the score.</p>",
    );
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        (scores[a].iso3.as_str(), scores[a].year).cmp(&(scores[b].iso3.as_str(), scores[b].year))
    });
    let groups: Vec<Option<Region>> = Region::ALL.into_iter().map(Some).chain([None]).collect();
    for g in groups {
        let members: Vec<usize> = order
            .iter()
            .copied()
            .filter(|&i| input.regions.region_of(&scores[i].iso3) == g)
            .collect();
        if members.is_empty() {
            continue;
        }
        // Small reports open every group, so that they print in full.
        let _ = write!(
            out,
            "<details{}><summary>{} ({} {})</summary>",
            if scores.len() <= 30 { " open" } else { "" },
            g.map_or("Unlisted", Region::name),
            members.len(),
            if members.len() == 1 {
                "country"
            } else {
                "countries"
            }
        );
        for i in members {
            let s = &scores[i];
            let mut caption = format!(
                "{} ({}) {}: {:.2}, {} {}",
                input.regions.name_of(&s.iso3),
                s.iso3,
                s.year,
                round2(s.overall),
                s.tier_code,
                s.tier_name
            );
            if let Some((report, dominance)) = sensitivity {
                let _ = write!(
                    caption,
                    "; stability {}; dominated by {}",
                    pct(report.countries[i].stability),
                    dominance[i].dominated_by.len()
                );
            }
            let missing: Vec<String> = s
                .flags
                .iter()
                .filter(|f| f.is_missing_data() || matches!(f, Flag::OverallMismatch { .. }))
                .map(|f| f.to_string())
                .collect();
            if !missing.is_empty() {
                let _ = write!(caption, "; {}", missing.join("; "));
            }
            let _ = write!(
                out,
                "<figure>{}<figcaption>{}</figcaption></figure>",
                profile_svg(m, s, i),
                esc(&caption)
            );
        }
        out.push_str("</details>");
    }
    out.push_str("</section>\n<div id=\"methodology\">");
    out.push_str(&methodology_section(m));
    out.push_str("</div></main></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn report_escapes_input_and_runs_no_script() {
        use crate::pillar_scores::PillarScoreRow;
        use crate::sensitivity::{SensitivityConfig, dominance, run};

        let m = Methodology::builtin("gci-2024").expect("built-in");
        let regions = RegionTable::from_csv(
            "iso3,name,region,status\nXAA,<script>alert(1)</script>,europe,member\n",
        )
        .expect("valid table");
        let rows: Vec<PillarScoreRow> = [("XAA", 19.0), ("XAB", 4.0)]
            .iter()
            .map(|(iso3, p)| PillarScoreRow {
                iso3: (*iso3).into(),
                year: 2024,
                pillars: vec![Some(*p); 5],
                stated_overall: None,
                line: 0,
            })
            .collect();
        let scores = crate::scoring::score_pillar_rows(&m, &rows);
        let config = SensitivityConfig {
            draws: 100,
            ..SensitivityConfig::default()
        };
        let report = run(&m, &scores, &config).expect("runs");
        let dom = dominance(&scores, m.missing);
        let notes = ["note <b>".to_owned()];
        let html = html_report(&ReportInput {
            title: "T & <T>",
            methodology: &m,
            scores: &scores,
            regions: &regions,
            sensitivity: Some((&report, &dom)),
            progress: &[],
            notes: &notes,
        });
        assert!(!html.contains("<script"), "input must be escaped");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; (XAA)"));
        assert!(html.contains("<title>T &amp; &lt;T&gt;</title>"));
        assert!(html.contains("note &lt;b&gt;"));
        assert!(html.contains("T1 Role-modelling") && html.contains("T5 Building"));
        assert!(html.contains("Unlisted"), "XAB is not in the table");
        assert!(!html.contains("Rank"));
        assert_eq!(
            html.matches("<svg").count(),
            2 + 2,
            "two charts and two profiles"
        );
    }

    #[test]
    fn palette_spans_dark_to_light() {
        assert_eq!(tier_colours(0, 5).0, PALETTE[0]);
        assert_eq!(tier_colours(4, 5).0, PALETTE[6]);
        assert_eq!(tier_colours(0, 1).0, PALETTE[0]);
    }
}
