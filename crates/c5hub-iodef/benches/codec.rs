//! Throughput of the IODEF codec over a generated corpus of 10,000 realistic
//! documents (see `c5hub_test_support::iodef_corpus`), single-threaded:
//!
//! - `xml_decode_validate`: `decode_xml` over the whole XML corpus;
//! - `json_decode_validate`: `decode_json` over the whole JSON corpus;
//! - `xml_to_json`: `decode_xml` + `encode_json` (pretty), per XML byte;
//! - `json_to_xml`: `decode_json` + `encode_xml`, per JSON byte.
//!
//! One iteration processes the whole corpus, so criterion's throughput is
//! MB/s (decimal, as the requirement states it) of input. After criterion
//! has run, documents/s are derived from its mean time per iteration.
//!
//! ```text
//! cargo bench -p c5hub-iodef --bench codec
//! IODEF_BENCH_CLOCK=thread-cpu cargo bench -p c5hub-iodef --bench codec
//! ```
//!
//! The first measures wall-clock time (group `iodef`). The second measures
//! the time the benchmark thread spent on a CPU (group `iodef-cpu`, from
//! `/proc/thread-self/schedstat`), which stays meaningful when other
//! processes compete for the cores: time spent waiting for a core is not
//! counted, though caches shared with them still cost something.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use c5hub_iodef::Limits;
use c5hub_test_support::iodef_corpus::{Corpus, Spec, mb};
use criterion::measurement::{Measurement, ValueFormatter, WallTime};
use criterion::{Criterion, SamplingMode, Throughput};

/// A benchmark: its id and the total bytes of its input corpus.
struct Case {
    id: &'static str,
    bytes: usize,
}

fn main() {
    let started = SystemTime::now();
    let corpus = Corpus::build(Spec::FULL);
    println!("{}", corpus.describe());
    println!(
        "one iteration = the whole corpus ({} documents); all decodes checked to have zero violations\n",
        corpus.count()
    );
    let cases = [
        Case {
            id: "xml_decode_validate",
            bytes: corpus.xml_bytes(),
        },
        Case {
            id: "json_decode_validate",
            bytes: corpus.json_bytes(),
        },
        Case {
            id: "xml_to_json",
            bytes: corpus.xml_bytes(),
        },
        Case {
            id: "json_to_xml",
            bytes: corpus.json_bytes(),
        },
    ];
    let thread_cpu = std::env::var("IODEF_BENCH_CLOCK").is_ok_and(|v| v == "thread-cpu");
    let group = if thread_cpu {
        let clock = ThreadCpu(WallTime);
        assert!(
            clock.now().is_some(),
            "IODEF_BENCH_CLOCK=thread-cpu needs /proc/thread-self/schedstat"
        );
        run(
            Criterion::default().with_measurement(clock),
            "iodef-cpu",
            &corpus,
            &cases,
        )
    } else {
        run(Criterion::default(), "iodef", &corpus, &cases)
    };
    summarize(group, &cases, corpus.count(), started);
}

/// Runs the four benchmarks in criterion group `group` and returns its name.
fn run<'g, M: Measurement>(
    criterion: Criterion<M>,
    group: &'g str,
    corpus: &Corpus,
    cases: &[Case; 4],
) -> &'g str {
    let limits = Limits::default();
    let mut criterion = criterion
        .sample_size(10)
        .warm_up_time(Duration::from_secs(3))
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut g = criterion.benchmark_group(group);
    // An iteration takes about a second: every sample gets the same number
    // of iterations instead of criterion's linear ramp.
    g.sampling_mode(SamplingMode::Flat);
    let mut bench = |case: &Case, f: &dyn Fn()| {
        g.throughput(Throughput::BytesDecimal(case.bytes as u64));
        g.bench_function(case.id, |b| b.iter(f));
    };
    bench(&cases[0], &|| {
        for doc in &corpus.xml {
            black_box(c5hub_iodef::decode_xml(doc.as_bytes(), &limits).expect("decodes"));
        }
    });
    bench(&cases[1], &|| {
        for doc in &corpus.json {
            black_box(c5hub_iodef::decode_json(doc.as_bytes(), &limits).expect("decodes"));
        }
    });
    bench(&cases[2], &|| {
        for doc in &corpus.xml {
            let d = c5hub_iodef::decode_xml(doc.as_bytes(), &limits).expect("decodes");
            black_box(c5hub_iodef::encode_json(&d.document, true));
        }
    });
    bench(&cases[3], &|| {
        for doc in &corpus.json {
            let d = c5hub_iodef::decode_json(doc.as_bytes(), &limits).expect("decodes");
            black_box(c5hub_iodef::encode_xml(&d.document));
        }
    });
    g.finish();
    criterion.final_summary();
    group
}

/// Time the current thread has spent on a CPU, as a criterion measurement.
/// It wraps [`WallTime`] only to borrow its duration formatter.
struct ThreadCpu(WallTime);

impl ThreadCpu {
    fn now(&self) -> Option<Duration> {
        let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
        let ns = stat.split_whitespace().next()?.parse().ok()?;
        Some(Duration::from_nanos(ns))
    }
}

impl Measurement for ThreadCpu {
    type Intermediate = Duration;
    type Value = Duration;

    fn start(&self) -> Duration {
        self.now().expect("checked in main")
    }
    fn end(&self, start: Duration) -> Duration {
        self.now().expect("checked in main").saturating_sub(start)
    }
    fn add(&self, a: &Duration, b: &Duration) -> Duration {
        *a + *b
    }
    fn zero(&self) -> Duration {
        Duration::ZERO
    }
    fn to_f64(&self, d: &Duration) -> f64 {
        d.as_nanos() as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        self.0.formatter()
    }
}

/// Prints MB/s and documents/s from criterion's mean time per iteration
/// for every benchmark of this run (estimates older than the run, left by
/// a filtered or `--test` run, are skipped).
fn summarize(group: &str, cases: &[Case], docs: usize, started: SystemTime) {
    let Some(root) = criterion_home() else {
        return;
    };
    let mut lines = Vec::new();
    for case in cases {
        let path = root.join(group).join(case.id).join("new/estimates.json");
        let fresh = std::fs::metadata(&path)
            .and_then(|m| m.modified())
            .is_ok_and(|t| t >= started);
        if !fresh {
            continue;
        }
        let Some(mean_ns) = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["mean"]["point_estimate"].as_f64())
        else {
            continue;
        };
        let secs = mean_ns / 1e9;
        lines.push(format!(
            "| {} | {:.1} | {:.0} | {:.3} |",
            case.id,
            mb(case.bytes) / secs,
            docs as f64 / secs,
            secs
        ));
    }
    if !lines.is_empty() {
        println!("\nsummary of group {group} (criterion mean per iteration, 1 thread):");
        println!("| benchmark | MB/s | docs/s | s per corpus |");
        println!("|---|---|---|---|");
        for line in lines {
            println!("{line}");
        }
    }
}

/// Where criterion writes its estimates, found the way criterion finds it.
fn criterion_home() -> Option<PathBuf> {
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return Some(PathBuf::from(home));
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return Some(PathBuf::from(target).join("criterion"));
    }
    let output = std::process::Command::new(std::env::var_os("CARGO")?)
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .output()
        .ok()?;
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    Some(PathBuf::from(meta["target_directory"].as_str()?).join("criterion"))
}
