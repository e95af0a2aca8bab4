//! Prometheus metrics, in the text exposition format.
//!
//! Hand-written rather than a metrics framework: a handful of counters and
//! one histogram, labelled by the route *template* (never the raw path, so
//! ids cannot blow up the label space).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The server's metrics.
#[derive(Default)]
pub(crate) struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Histogram>>,
    submissions: Mutex<BTreeMap<&'static str, u64>>,
    spam_reports: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    batches: AtomicU64,
    batched: AtomicU64,
}

impl Metrics {
    pub(crate) fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        if let Ok(mut m) = self.requests.lock() {
            *m.entry((method.to_owned(), route.to_owned(), status))
                .or_default() += 1;
        }
        if let Ok(mut m) = self.latency.lock() {
            let h = m.entry(route.to_owned()).or_default();
            let s = took.as_secs_f64();
            for (i, b) in BUCKETS.iter().enumerate() {
                if s <= *b {
                    h.counts[i] += 1;
                }
            }
            h.count += 1;
            h.sum += s;
        }
    }

    pub(crate) fn observe_submission(&self, outcome: &'static str) {
        if let Ok(mut m) = self.submissions.lock() {
            *m.entry(outcome).or_default() += 1;
        }
    }

    /// One spam report stored (`new` or `duplicate`) with the filter's
    /// label.
    pub(crate) fn observe_spam_report(&self, outcome: &'static str, label: &'static str) {
        if let Ok(mut m) = self.spam_reports.lock() {
            *m.entry((outcome, label)).or_default() += 1;
        }
    }

    pub(crate) fn observe_batch(&self, n: usize) {
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.batched.fetch_add(n as u64, Ordering::Relaxed);
    }

    /// The exposition text.
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP c5hub_http_requests_total HTTP requests by method, route and status.\n# TYPE c5hub_http_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((method, route, status), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "c5hub_http_requests_total{{method=\"{method}\",route=\"{}\",status=\"{status}\"}} {n}",
                    escape(route)
                );
            }
        }
        out.push_str("# HELP c5hub_http_request_duration_seconds Request latency by route.\n# TYPE c5hub_http_request_duration_seconds histogram\n");
        if let Ok(m) = self.latency.lock() {
            for (route, h) in m.iter() {
                let route = escape(route);
                for (i, b) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "c5hub_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{b}\"}} {}",
                        h.counts[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "c5hub_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "c5hub_http_request_duration_seconds_sum{{route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "c5hub_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP c5hub_submissions_total Incidents submitted, by outcome.\n# TYPE c5hub_submissions_total counter\n");
        if let Ok(m) = self.submissions.lock() {
            for (outcome, n) in m.iter() {
                let _ = writeln!(out, "c5hub_submissions_total{{outcome=\"{outcome}\"}} {n}");
            }
        }
        out.push_str("# HELP c5hub_spam_reports_total Spam reports received, by outcome and the filter's label.\n# TYPE c5hub_spam_reports_total counter\n");
        if let Ok(m) = self.spam_reports.lock() {
            for ((outcome, label), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "c5hub_spam_reports_total{{outcome=\"{outcome}\",label=\"{label}\"}} {n}"
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP c5hub_commits_total Group commits of submissions.\n# TYPE c5hub_commits_total counter\nc5hub_commits_total {}",
            self.batches.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "# HELP c5hub_committed_incidents_total Incidents written by group commits.\n# TYPE c5hub_committed_incidents_total counter\nc5hub_committed_incidents_total {}",
            self.batched.load(Ordering::Relaxed)
        );
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
