//! Throughput of feed parsing on a generated feed of 100,000 rows, one
//! thread, from bytes in memory to validated incidents:
//!
//! - `feeds/csv_100k`: a CSV feed in IntelMQ's harmonized names (time,
//!   IP, port, AS number, a domain on every fourth row, classification,
//!   feed name), 2.25 observables per row;
//! - `feeds/intelmq_100k`: the same events as IntelMQ JSON lines;
//! - `feeds/csv_urls_100k`: a CSV feed of plain `url,timestamp,type`
//!   columns, URLs being the most expensive observable to normalize.
//!
//! Criterion's throughput is rows (elements) per second of wall time. On a
//! shared machine wall time includes waiting for the CPU, so after
//! criterion the bench also times five runs of each case in thread CPU time
//! (Linux `/proc/thread-self/schedstat`) and prints rows and observables per
//! CPU-second.
//!
//! ```text
//! cargo bench -p c5hub-feeds --bench parse
//! ```

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::Duration;

use c5hub_feeds::{CsvFeed, FeedOptions, IntelMqFeed, Mapping};
use criterion::{Criterion, Throughput};
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

const ROWS: usize = 100_000;

/// A seeded generator, so every run parses the same feed.
struct Rng(ChaCha8Rng);

impl Rng {
    fn next(&mut self) -> u32 {
        self.0.next_u32()
    }
}

const TYPES: [(&str, &str); 4] = [
    ("malicious-code", "infected-system"),
    ("vulnerable", "ddos-amplifier"),
    ("information-gathering", "scanner"),
    ("intrusion-attempts", "brute-force"),
];

struct Event {
    time: String,
    ip: String,
    port: u32,
    asn: u32,
    fqdn: Option<String>,
    taxonomy: &'static str,
    type_: &'static str,
}

fn events() -> Vec<Event> {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(42));
    (0..ROWS)
        .map(|i| {
            let (taxonomy, type_) = TYPES[i % TYPES.len()];
            let r = rng.next();
            Event {
                time: format!(
                    "2024-05-{:02}T{:02}:{:02}:{:02}+00:00",
                    1 + r % 28,
                    (r >> 5) % 24,
                    (r >> 10) % 60,
                    (r >> 16) % 60
                ),
                ip: format!(
                    "{}.{}.{}.{}",
                    1 + rng.next() % 223,
                    rng.next() % 256,
                    rng.next() % 256,
                    1 + rng.next() % 254
                ),
                port: 1024 + rng.next() % 60_000,
                asn: 1 + rng.next() % 400_000,
                fqdn: (i % 4 == 0)
                    .then(|| format!("host{}.isp{}.example", rng.next() % 10_000, i % 97)),
                taxonomy,
                type_,
            }
        })
        .collect()
}

fn csv(events: &[Event]) -> Vec<u8> {
    let mut out = String::from(
        "time.source,source.ip,source.port,source.asn,source.fqdn,classification.taxonomy,classification.type,classification.identifier,feed.name\n",
    );
    for e in events {
        let _ = writeln!(
            out,
            "{},{},{},{},{},{},{},generated,Bench Feed",
            e.time,
            e.ip,
            e.port,
            e.asn,
            e.fqdn.as_deref().unwrap_or(""),
            e.taxonomy,
            e.type_
        );
    }
    out.into_bytes()
}

fn jsonl(events: &[Event]) -> Vec<u8> {
    let mut out = String::new();
    for e in events {
        let _ = write!(
            out,
            r#"{{"time.source": "{}", "source.ip": "{}", "source.port": {}, "source.asn": {}, "#,
            e.time, e.ip, e.port, e.asn
        );
        if let Some(fqdn) = &e.fqdn {
            let _ = write!(out, r#""source.fqdn": "{fqdn}", "#);
        }
        let _ = writeln!(
            out,
            r#""classification.taxonomy": "{}", "classification.type": "{}", "classification.identifier": "generated", "feed.name": "Bench Feed"}}"#,
            e.taxonomy, e.type_
        );
    }
    out.into_bytes()
}

fn urls() -> Vec<u8> {
    let mut rng = Rng(ChaCha8Rng::seed_from_u64(7));
    let mut out = String::from("url,timestamp,type\n");
    for i in 0..ROWS {
        let _ = writeln!(
            out,
            "https://login-{}.phish{}.example/account/verify.php?session={:08x},{},phishing",
            rng.next() % 100_000,
            i % 313,
            rng.next(),
            1_714_564_800 + i
        );
    }
    out.into_bytes()
}

/// Reads a whole feed, checking every row became an incident; returns the
/// number of observables.
fn count<I: Iterator<Item = Result<c5hub_model::Incident, c5hub_feeds::RowError>>>(
    rows: I,
) -> usize {
    let mut observables = 0;
    let mut incidents = 0;
    for row in rows {
        let incident = row.expect("every generated row is valid");
        observables += incident.observables.len();
        incidents += 1;
    }
    assert_eq!(incidents, ROWS);
    observables
}

fn main() {
    let events = events();
    let cases: [(&str, Vec<u8>, bool); 3] = [
        ("csv_100k", csv(&events), true),
        ("intelmq_100k", jsonl(&events), false),
        ("csv_urls_100k", urls(), true),
    ];
    let mapping = Mapping::default();
    let options = FeedOptions::default();

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(15))
        .configure_from_args();
    let mut group = criterion.benchmark_group("feeds");
    group.throughput(Throughput::Elements(ROWS as u64));
    let mut per_row = Vec::new();
    for (name, bytes, is_csv) in &cases {
        let read = || {
            if *is_csv {
                count(CsvFeed::new(&bytes[..], &mapping, &options).expect("header"))
            } else {
                count(IntelMqFeed::new(&bytes[..], &mapping, &options))
            }
        };
        let observables = read();
        per_row.push((name, bytes.len(), observables));
        group.bench_function(*name, |b| b.iter(|| black_box(read())));
    }
    group.finish();
    criterion.final_summary();
    for ((name, bytes, is_csv), (_, _, observables)) in cases.iter().zip(&per_row) {
        let cpu = (0..5)
            .filter_map(|_| {
                let start = thread_cpu_ns()?;
                black_box(if *is_csv {
                    count(CsvFeed::new(&bytes[..], &mapping, &options).expect("header"))
                } else {
                    count(IntelMqFeed::new(&bytes[..], &mapping, &options))
                });
                Some(thread_cpu_ns()? - start)
            })
            .min();
        let rate = |n: usize| cpu.map_or(0.0, |ns| n as f64 / (ns as f64 / 1e9));
        println!(
            "{name}: {ROWS} rows, {} bytes, {observables} observables ({:.2}/row); best of 5 in thread CPU time: {:.0} rows/s, {:.0} observables/s",
            bytes.len(),
            *observables as f64 / ROWS as f64,
            rate(ROWS),
            rate(*observables),
        );
    }
}

/// CPU time of this thread so far, in nanoseconds (Linux only).
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}
