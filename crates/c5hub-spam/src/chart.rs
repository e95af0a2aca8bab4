//! The impact metrics as charts: SVG written here once, for the hub's web
//! page and for the self-contained HTML report of `c5hub spam impact
//! --format html`, so the two never draw the numbers differently.
//!
//! The SVG carries no script and no style attribute (the hub's
//! Content-Security-Policy forbids inline style): bars are `rect.bar`,
//! labels `text`, and the page's stylesheet colours them. Every value
//! coming from reports is XML-escaped.

use serde_json::Value;

/// XML text and attribute escaping.
pub fn escape(s: &str) -> String {
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

fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

/// Labels longer than this are cut (with an ellipsis) so they fit the
/// label column; the full label stays in the bar's tooltip.
const LABEL_CHARS: usize = 20;

/// A horizontal bar chart: one bar per `(label, value)`, scaled to the
/// largest, with the value written after the bar and `unit` after the
/// value. `description` becomes the accessible name.
pub fn bar_chart(description: &str, bars: &[(String, f64)], unit: &str) -> String {
    let (label_w, bar_w, row_h) = (150.0_f64, 260.0_f64, 24.0_f64);
    let width = label_w + bar_w + 70.0;
    let height = (bars.len().max(1) as f64) * row_h + 4.0;
    let max = bars
        .iter()
        .map(|b| b.1)
        .filter(|v| v.is_finite())
        .fold(0.0_f64, f64::max);
    let mut svg = format!(
        "<svg class=\"chart hbars\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" aria-label=\"{}\">",
        escape(description)
    );
    if bars.is_empty() {
        svg.push_str("<text x=\"0\" y=\"16\">no data yet</text>");
    }
    for (i, (label, value)) in bars.iter().enumerate() {
        let value = if value.is_finite() { *value } else { 0.0 };
        let y = i as f64 * row_h + 2.0;
        let w = if max > 0.0 { bar_w * value / max } else { 0.0 };
        let short: String = if label.chars().count() > LABEL_CHARS {
            let mut s: String = label.chars().take(LABEL_CHARS - 1).collect();
            s.push('…');
            s
        } else {
            label.clone()
        };
        let shown = format!("{}{unit}", number(value));
        svg.push_str(&format!(
            "<text x=\"0\" y=\"{:.1}\">{}</text><rect class=\"bar\" x=\"{label_w:.0}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\"><title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            y + 15.0,
            escape(&short),
            w.max(1.0),
            row_h - 6.0,
            escape(label),
            escape(&shown),
            label_w + w + 6.0,
            y + 15.0,
            escape(&shown),
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// One chart of the impact metrics: its heading and its SVG.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Chart {
    /// A short heading.
    pub heading: String,
    /// The SVG element.
    pub svg: String,
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

fn s(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_owned)
}

/// The charts of the impact metrics' JSON (as `c5hub-wire` writes them):
/// reports per operator, reports per thousand subscribers (operators with a
/// subscriber count), spam and smishing shares, the largest campaigns by
/// volume, and the top senders.
pub fn impact_charts(impact: &Value) -> Vec<Chart> {
    let empty = Vec::new();
    let ops = impact["operators"].as_array().unwrap_or(&empty);
    let per_op: Vec<(String, f64)> = ops
        .iter()
        .map(|o| (s(&o["operator"]), f(&o["reports"])))
        .collect();
    let per_thousand: Vec<(String, f64)> = ops
        .iter()
        .filter(|o| o["reports_per_thousand_subscribers"].is_number())
        .map(|o| (s(&o["operator"]), f(&o["reports_per_thousand_subscribers"])))
        .collect();
    let shares = vec![
        ("spam of reports".to_owned(), f(&impact["spam_share_pct"])),
        (
            "smishing of spam".to_owned(),
            f(&impact["smishing_share_of_spam_pct"]),
        ),
    ];
    let campaigns: Vec<(String, f64)> = impact["campaigns"]["largest"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|c| {
            let operators = s(&c["operators"]);
            let plural = if operators == "1" { "" } else { "s" };
            (
                format!("#{} · {operators} operator{plural}", s(&c["id"])),
                f(&c["volume"]),
            )
        })
        .collect();
    let senders: Vec<(String, f64)> = impact["top_senders"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .map(|x| (s(&x["sender"]), f(&x["confirmed_reports"])))
        .collect();
    vec![
        Chart {
            heading: "Reports per operator".to_owned(),
            svg: bar_chart("Spam reports per operator", &per_op, ""),
        },
        Chart {
            heading: "Reports per thousand subscribers".to_owned(),
            svg: bar_chart(
                "Spam reports per thousand subscribers, operators with a known subscriber count",
                &per_thousand,
                "",
            ),
        },
        Chart {
            heading: "Spam and smishing shares".to_owned(),
            svg: bar_chart(
                "Share of reports confirmed as spam, and share of confirmed spam that is smishing, in percent",
                &shares,
                " %",
            ),
        },
        Chart {
            heading: "Largest campaigns".to_owned(),
            svg: bar_chart(
                "Confirmed spam messages in the largest campaigns, with the operators each reached",
                &campaigns,
                "",
            ),
        },
        Chart {
            heading: "Top senders".to_owned(),
            svg: bar_chart(
                "Confirmed spam reports of the top senders (phone numbers and e-mail addresses as pseudonyms)",
                &senders,
                "",
            ),
        },
    ]
}

/// A self-contained HTML report of the impact metrics: the same charts as
/// the hub's page, the key figures, and the JSON they come from. A file to
/// mail or archive, so its style is embedded (it is never served by the
/// hub, whose policy forbids inline style).
pub fn impact_html(impact: &Value, title: &str) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>");
    out.push_str(&escape(title));
    out.push_str("</title><style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#1b1f24}svg.chart{width:100%;height:auto}svg.chart rect.bar{fill:#1f5fa8}svg.chart text{font-size:13px;fill:#333}dl{display:grid;grid-template-columns:max-content auto;gap:.2rem 1rem}pre{background:#f4f4f4;padding:1rem;overflow:auto}</style></head><body>");
    out.push_str(&format!("<h1>{}</h1>", escape(title)));
    let listing = &impact["listing"];
    let rows = [
        ("Reports", s(&impact["reports"])),
        ("Confirmed spam", s(&impact["confirmed_spam"])),
        ("Smishing", s(&impact["smishing"])),
        ("Campaigns", s(&impact["campaigns"]["count"])),
        (
            "Campaigns across operators",
            s(&impact["campaigns"]["across_operators"]),
        ),
        (
            "Minutes from first report to listing (median)",
            s(&listing["minutes_first_report_to_listing_median"]),
        ),
        (
            "Minutes from first report to listing (90th percentile)",
            s(&listing["minutes_first_report_to_listing_p90"]),
        ),
    ];
    out.push_str("<dl>");
    for (k, v) in rows {
        out.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(&v)));
    }
    out.push_str("</dl>");
    for c in impact_charts(impact) {
        out.push_str(&format!("<h2>{}</h2>{}", escape(&c.heading), c.svg));
    }
    out.push_str("<h2>The figures</h2><pre>");
    out.push_str(&escape(
        &serde_json::to_string_pretty(impact).unwrap_or_default(),
    ));
    out.push_str("</pre></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bars_scale_to_the_largest_and_labels_are_escaped() {
        let svg = bar_chart("test", &[("op-a".into(), 10.0), ("<b>&".into(), 5.0)], "");
        assert!(svg.contains("width=\"260.0\""), "{svg}");
        assert!(svg.contains("width=\"130.0\""), "{svg}");
        assert!(
            svg.contains("&lt;b&gt;&amp;") && !svg.contains("<b>"),
            "{svg}"
        );
        assert!(!svg.contains("style"), "no inline style: {svg}");
        assert!(bar_chart("x", &[], "").contains("no data yet"));
    }

    #[test]
    fn impact_becomes_five_charts_and_a_report() {
        let impact = json!({
            "reports": 4, "confirmed_spam": 3, "spam_share_pct": 75.0, "smishing": 3,
            "smishing_share_of_spam_pct": 100.0,
            "operators": [
                {"operator": "op-a", "reports": 3, "reports_per_thousand_subscribers": 1.5},
                {"operator": "op-b", "reports": 1, "reports_per_thousand_subscribers": null},
            ],
            "campaigns": {"count": 2, "across_operators": 1, "largest": [{"id": 0, "volume": 2, "operators": 2}]},
            "listing": {"minutes_first_report_to_listing_median": 60.0, "minutes_first_report_to_listing_p90": 60.0},
            "top_senders": [{"kind": "phone", "sender": "hmac-sha256:ab", "confirmed_reports": 2}],
        });
        let charts = impact_charts(&impact);
        assert_eq!(charts.len(), 5);
        assert!(charts[0].svg.contains(">op-b</text>"));
        assert!(
            !charts[1].svg.contains("op-b"),
            "no subscriber count, no bar"
        );
        assert!(charts[2].svg.contains("75 %"));
        let html = impact_html(&impact, "Impact");
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("hmac-sha256:ab"));
        assert_eq!(html.matches("<svg").count(), 5);
    }
}
