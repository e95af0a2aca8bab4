//! Prometheus metrics, in the OpenMetrics text format (`prometheus-client`).
//!
//! A handful of counters and one histogram, labelled by the route
//! *template* (never the raw path, so ids cannot blow up the label space).
//! Only what this process saw: no store-wide count, which would tell a
//! scraper what TLP hides from it.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabel {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct FeedLabel {
    feed: i64,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerLabel {
    peer: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PeerFlow {
    peer: String,
    direction: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SpamLabels {
    outcome: &'static str,
    label: &'static str,
}

fn latency_histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

/// The server's metrics.
pub(crate) struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabel, Histogram, fn() -> Histogram>,
    submissions: Family<OutcomeLabel, Counter>,
    spam_reports: Family<SpamLabels, Counter>,
    batches: Counter,
    batched: Counter,
    feed_objects: Family<FeedLabel, Gauge>,
    feed_last_success: Family<FeedLabel, Gauge>,
    feed_failures: Family<FeedLabel, Gauge>,
    peer_objects: Family<PeerFlow, Gauge>,
    peer_bytes: Family<PeerFlow, Gauge>,
    peer_last_success: Family<PeerLabel, Gauge>,
    peer_lag: Family<PeerLabel, Gauge>,
    peer_failing: Family<PeerLabel, Gauge>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        let m = Metrics {
            registry: Registry::default(),
            requests: Family::default(),
            latency: Family::new_with_constructor(latency_histogram),
            submissions: Family::default(),
            spam_reports: Family::default(),
            batches: Counter::default(),
            batched: Counter::default(),
            feed_objects: Family::default(),
            feed_last_success: Family::default(),
            feed_failures: Family::default(),
            peer_objects: Family::default(),
            peer_bytes: Family::default(),
            peer_last_success: Family::default(),
            peer_lag: Family::default(),
            peer_failing: Family::default(),
        };
        // The registry holds clones (handles to the same values); the help
        // texts get their closing full stop from the registry. Counters are
        // named without `_total`, which the encoder appends to each sample.
        let mut registry = Registry::default();
        registry.register(
            "c5hub_http_requests",
            "HTTP requests by method, route and status",
            m.requests.clone(),
        );
        registry.register(
            "c5hub_http_request_duration_seconds",
            "Request latency by route",
            m.latency.clone(),
        );
        registry.register(
            "c5hub_submissions",
            "Incidents submitted, by outcome",
            m.submissions.clone(),
        );
        registry.register(
            "c5hub_spam_reports",
            "Spam reports received, by outcome and the filter's label",
            m.spam_reports.clone(),
        );
        registry.register(
            "c5hub_commits",
            "Group commits of submissions",
            m.batches.clone(),
        );
        registry.register(
            "c5hub_committed_incidents",
            "Incidents written by group commits",
            m.batched.clone(),
        );
        registry.register(
            "c5hub_feed_objects",
            "Incidents stored from each polled feed, in all",
            m.feed_objects.clone(),
        );
        registry.register(
            "c5hub_feed_last_success_seconds",
            "When each polled feed last succeeded (Unix time; 0: never)",
            m.feed_last_success.clone(),
        );
        registry.register(
            "c5hub_feed_failures",
            "Polls of each feed failed in a row",
            m.feed_failures.clone(),
        );
        registry.register(
            "c5hub_peer_objects",
            "Objects exchanged with each peer hub, in all, by direction (sent, received)",
            m.peer_objects.clone(),
        );
        registry.register(
            "c5hub_peer_bytes",
            "Bytes exchanged with each peer hub, in all, by direction (sent, received)",
            m.peer_bytes.clone(),
        );
        registry.register(
            "c5hub_peer_last_success_seconds",
            "When the last push to each peer hub succeeded (Unix time; 0: never)",
            m.peer_last_success.clone(),
        );
        registry.register(
            "c5hub_peer_lag_changes",
            "Changes of this hub's feed not yet pushed to each peer hub",
            m.peer_lag.clone(),
        );
        registry.register(
            "c5hub_peer_failing",
            "Whether the last exchange with each peer hub failed (1) or not (0)",
            m.peer_failing.clone(),
        );
        Metrics { registry, ..m }
    }
}

impl Metrics {
    pub(crate) fn observe_request(&self, method: &str, route: &str, status: u16, took: Duration) {
        // prometheus-client writes label values as they are: escape here.
        let route = escape(route);
        self.requests
            .get_or_create(&RequestLabels {
                method: escape(method),
                route: route.clone(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&RouteLabel { route })
            .observe(took.as_secs_f64());
    }

    pub(crate) fn observe_submission(&self, outcome: &'static str) {
        self.submissions
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// One spam report stored (`new` or `duplicate`) with the filter's
    /// label.
    pub(crate) fn observe_spam_report(&self, outcome: &'static str, label: &'static str) {
        self.spam_reports
            .get_or_create(&SpamLabels { outcome, label })
            .inc();
    }

    pub(crate) fn observe_batch(&self, n: usize) {
        self.batches.inc();
        self.batched.inc_by(n as u64);
    }

    /// A polled feed's state after a poll.
    pub(crate) fn observe_feed(&self, f: &c5hub_store::Feed) {
        let l = FeedLabel { feed: f.id };
        self.feed_objects.get_or_create(&l).set(f.objects_total);
        self.feed_last_success
            .get_or_create(&l)
            .set(f.last_success.map_or(0, |t| t.timestamp()));
        self.feed_failures.get_or_create(&l).set(f.failures);
    }

    /// A peer's state after a push.
    pub(crate) fn observe_peer(&self, p: &c5hub_store::Peer) {
        let l = PeerLabel {
            peer: p.name.clone(),
        };
        for (direction, objects, bytes) in [
            ("sent", p.sent_objects, p.sent_bytes),
            ("received", p.received_objects, p.received_bytes),
        ] {
            let f = PeerFlow {
                peer: p.name.clone(),
                direction,
            };
            self.peer_objects.get_or_create(&f).set(objects);
            self.peer_bytes.get_or_create(&f).set(bytes);
        }
        self.peer_last_success
            .get_or_create(&l)
            .set(p.last_success.map_or(0, |t| t.timestamp()));
        self.peer_lag.get_or_create(&l).set(p.lag);
        self.peer_failing
            .get_or_create(&l)
            .set(i64::from(p.last_error.is_some()));
    }

    /// The exposition text (OpenMetrics, ending in `# EOF`).
    pub(crate) fn render(&self) -> String {
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_keeps_names_labels_and_help() {
        let m = Metrics::default();
        m.observe_request(
            "GET",
            "/api/v1/incidents/{id}",
            200,
            Duration::from_millis(3),
        );
        m.observe_request("GET", "/a\"b", 404, Duration::from_secs(9));
        m.observe_submission("stored");
        m.observe_spam_report("new", "ham");
        m.observe_batch(3);
        let t = m.render();
        for line in [
            "# HELP c5hub_http_requests HTTP requests by method, route and status.",
            "# TYPE c5hub_http_requests counter",
            "c5hub_http_requests_total{method=\"GET\",route=\"/api/v1/incidents/{id}\",status=\"200\"} 1",
            "c5hub_http_requests_total{method=\"GET\",route=\"/a\\\"b\",status=\"404\"} 1",
            "# HELP c5hub_http_request_duration_seconds Request latency by route.",
            "# TYPE c5hub_http_request_duration_seconds histogram",
            "c5hub_http_request_duration_seconds_bucket{le=\"0.0025\",route=\"/api/v1/incidents/{id}\"} 0",
            "c5hub_http_request_duration_seconds_bucket{le=\"0.005\",route=\"/api/v1/incidents/{id}\"} 1",
            "c5hub_http_request_duration_seconds_bucket{le=\"+Inf\",route=\"/a\\\"b\"} 1",
            "c5hub_http_request_duration_seconds_count{route=\"/a\\\"b\"} 1",
            "# HELP c5hub_submissions Incidents submitted, by outcome.",
            "c5hub_submissions_total{outcome=\"stored\"} 1",
            "# HELP c5hub_spam_reports Spam reports received, by outcome and the filter's label.",
            "c5hub_spam_reports_total{outcome=\"new\",label=\"ham\"} 1",
            "# HELP c5hub_commits Group commits of submissions.",
            "c5hub_commits_total 1",
            "# HELP c5hub_committed_incidents Incidents written by group commits.",
            "c5hub_committed_incidents_total 3",
            "# EOF",
        ] {
            assert!(t.lines().any(|l| l == line), "{line}\nnot in\n{t}");
        }
    }
}
