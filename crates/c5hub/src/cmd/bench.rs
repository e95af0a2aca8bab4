//! `c5hub bench`: measurements recorded in BENCHMARKS.md. Never a test:
//! timings depend on the machine, so they are reported, not asserted. The
//! data comes from the `c5hub-bench` crate; this module measures and prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use c5hub_bench::Generator;
use c5hub_hub::{Authority, reads};
use c5hub_import::ImportOptions;
use c5hub_model::Incident;
use c5hub_store::{Location, LookupPage, Options, Store, Submission, WarningList};
use clap::{Args, Subcommand};

/// The `bench` subcommands.
#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Ingest rate with correlation on, lookup latency, bytes on disk per
    /// observable, on generated feed-like incidents in a new, empty store.
    Store(StoreBench),
    /// MISP event import: generated events (or `--input`), read and
    /// converted by the format registry, then stored in a new, empty store;
    /// events per second. `--write` keeps the events for
    /// `tools/bench-misp.py`, which loads the same file with PyMISP.
    Misp(MispBench),
    /// STIX 2.1 bundle import (`--input`, e.g. from `tools/bench-stix.py`):
    /// read in two passes and converted object group by group exactly as
    /// `c5hub import` does, and stored into a new, empty store; or, with
    /// `--no-store`, read and converted only (what `stix2.parse` does:
    /// parse and build objects, store nothing).
    Stix(StixBench),
}

/// Arguments of `bench stix`.
#[derive(Debug, Args)]
pub struct StixBench {
    /// The bundle.
    #[arg(long)]
    input: PathBuf,
    /// A new directory for the embedded store.
    #[arg(long, default_value = "./c5hub-bench-stix")]
    data: PathBuf,
    /// Read and convert only; store nothing.
    #[arg(long)]
    no_store: bool,
}

/// Arguments of `bench misp`.
#[derive(Debug, Args)]
pub struct MispBench {
    /// How many events to generate.
    #[arg(long, default_value_t = 10_000)]
    events: usize,
    /// Attributes per event (besides a file object's two).
    #[arg(long, default_value_t = 20)]
    attributes: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Write the generated events here (a `{"response": [...]}` document).
    #[arg(long)]
    write: Option<PathBuf>,
    /// Import these events instead of generating them.
    #[arg(long, conflicts_with = "write")]
    input: Option<PathBuf>,
    /// A new directory for the embedded store.
    #[arg(long, default_value = "./c5hub-bench-misp")]
    data: PathBuf,
    /// Store in PostgreSQL instead (an empty database).
    #[arg(long)]
    database: Option<String>,
    /// Read and convert only; store nothing.
    #[arg(long)]
    no_store: bool,
}

/// Arguments of `bench store`.
#[derive(Debug, Args)]
pub struct StoreBench {
    /// How many observables to ingest.
    #[arg(long, default_value_t = 1_000_000)]
    observables: u64,
    /// Incidents per transaction (the default is `import`'s).
    #[arg(long, default_value_t = 250_000)]
    batch: usize,
    /// Lookups to time after the ingest.
    #[arg(long, default_value_t = 20_000)]
    lookups: usize,
    /// A new directory for the embedded store.
    #[arg(long, default_value = "./c5hub-bench-data")]
    data: PathBuf,
    /// Benchmark PostgreSQL instead (an empty database).
    #[arg(long)]
    database: Option<String>,
    /// Seed of the generator.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Time only the lookups, on a store an earlier run with the same
    /// `--observables`, `--batch` and `--seed` filled: the values are
    /// generated again, not stored.
    #[arg(long)]
    existing: bool,
    /// After the lookups, page through the change feed from the start
    /// (one change per stored incident), 10,000 changes a page, as the
    /// reporter and as another member (whose TLP condition is evaluated
    /// row by row), and print changes per second.
    #[arg(long)]
    feed: bool,
}

/// Runs a benchmark.
pub fn run(c: BenchCommand) -> Result<ExitCode> {
    match c {
        BenchCommand::Store(b) => store(b),
        BenchCommand::Misp(b) => misp(b),
        BenchCommand::Stix(b) => stix(b),
    }
}

fn stix(b: StixBench) -> Result<ExitCode> {
    // `c5hub import`'s defaults.
    let opts = ImportOptions {
        reporter: "bench".to_owned(),
        quarantine: b.data.join("quarantine"),
        batch_size: 250_000,
        lenient: false,
        limits: c5hub_iodef::Limits::default(),
        feed_mapping: None,
        hub_export: false,
        tlp: None,
        share_with: Vec::new(),
    };
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    if b.no_store {
        let groups = c5hub_import::stix_groups(&b.input, &opts)?
            .map_err(|e| anyhow::anyhow!("{}: {e}", b.input.display()))?;
        let objects = groups.objects();
        let refused = groups.refused().len();
        let (mut incidents, mut observables, mut failed) = (0usize, 0usize, 0usize);
        for g in groups {
            match g?.incident {
                Ok(m) => {
                    incidents += 1;
                    observables += m.observables.len();
                }
                Err(_) => failed += 1,
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "stix: {objects} objects ({refused} refused) in {} groups ({incidents} incidents, {observables} observables, {failed} groups refused) read and converted in {secs:.3} s: {:.0} objects/s",
            incidents + failed,
            objects as f64 / secs.max(1e-9)
        );
    } else {
        let loc = Location::Sqlite(b.data.clone());
        let mut s =
            Store::open(&loc, Options::default()).with_context(|| format!("cannot open {loc}"))?;
        if s.incidents().counts()?.0 > 0 {
            bail!("{loc} is not empty: the benchmark needs a new store");
        }
        let sum = c5hub_import::import(&mut s, std::slice::from_ref(&b.input), &opts, &mut |_| {})?;
        let secs = t0.elapsed().as_secs_f64();
        println!(
            "stix: imported into {loc} in {secs:.3} s: {} new incidents, {} observables, {} rejected",
            sum.new,
            sum.observables,
            sum.rejected.len()
        );
    }
    if let (Some(a), Some(z)) = (cpu0, cpu_seconds()) {
        println!("stix: {:.2} CPU seconds", z - a);
    }
    Ok(ExitCode::SUCCESS)
}

fn misp(b: MispBench) -> Result<ExitCode> {
    let bytes = match &b.input {
        Some(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        None => c5hub_bench::misp::events(b.events, b.attributes, b.seed).into_bytes(),
    };
    if let Some(p) = &b.write {
        std::fs::write(p, &bytes).with_context(|| format!("cannot write {}", p.display()))?;
    }
    let format = &c5hub_formats::misp::FORMAT;
    let decode = format.document.context("the MISP format reads documents")?;
    let opts = c5hub_formats::DecodeOptions {
        limits: c5hub_iodef::Limits {
            max_bytes: bytes.len().max(1),
            ..c5hub_iodef::Limits::default()
        },
        ..c5hub_formats::DecodeOptions::default()
    };
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let decoded = decode(&bytes, &opts).map_err(|f| anyhow::anyhow!("{f}: {:?}", f.errors))?;
    let read = t0.elapsed();
    let n = decoded.incidents.len();
    let observables: usize = decoded.incidents.iter().map(|m| m.observables.len()).sum();
    println!(
        "misp: {n} events ({} bytes, {observables} observables) read and converted in {:.3} s: {:.0} events/s",
        bytes.len(),
        read.as_secs_f64(),
        n as f64 / read.as_secs_f64().max(1e-9)
    );
    if !b.no_store {
        let loc = match &b.database {
            Some(url) => Location::Postgres(url.clone()),
            None => Location::Sqlite(b.data.clone()),
        };
        let mut s =
            Store::open(&loc, Options::default()).with_context(|| format!("cannot open {loc}"))?;
        let t1 = Instant::now();
        for chunk in decoded.incidents.chunks(10_000) {
            let subs: Vec<Submission<'_>> = chunk
                .iter()
                .map(|m| Submission {
                    incident: m,
                    reporter: "bench",
                    source: "bench misp",
                    shared_with: &[],
                    recipients: &[],
                })
                .collect();
            s.incidents().ingest(&subs)?;
        }
        let stored = t1.elapsed();
        println!(
            "misp: stored in {:.3} s; read, converted and stored: {:.0} events/s",
            stored.as_secs_f64(),
            n as f64 / (read + stored).as_secs_f64().max(1e-9)
        );
    }
    if let (Some(a), Some(z)) = (cpu0, cpu_seconds()) {
        println!("misp: {:.2} CPU seconds", z - a);
    }
    Ok(ExitCode::SUCCESS)
}

/// CPU seconds this process has used (user + system), from /proc: on a
/// shared machine it says what the work cost, where wall time also counts
/// waiting for the other processes. `None` off Linux.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of them, in clock ticks (100 a second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0)
}

/// Nanoseconds this thread has run on a CPU (`CLOCK_THREAD_CPUTIME_ID`):
/// a lookup's on-CPU time is its latency without the time other processes
/// held the CPU, which on a shared machine decides wall-clock percentiles.
struct ThreadCpu;

impl ThreadCpu {
    fn open() -> ThreadCpu {
        ThreadCpu
    }

    fn now(&self) -> Option<u64> {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
        u64::try_from(t.tv_sec)
            .ok()?
            .checked_mul(1_000_000_000)?
            .checked_add(u64::try_from(t.tv_nsec).ok()?)
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn dir_size(p: &std::path::Path) -> u64 {
    std::fs::read_dir(p)
        .map(|d| {
            d.filter_map(|e| e.ok())
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

fn store(b: StoreBench) -> Result<ExitCode> {
    let loc = match &b.database {
        Some(url) => Location::Postgres(url.clone()),
        None => Location::Sqlite(b.data.clone()),
    };
    // Correlate everything: the generated data avoids warning-listed values.
    let mut s = Store::open(
        &loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .with_context(|| format!("cannot open {loc}"))?;
    if s.incidents().counts()?.0 > 0 && !b.existing {
        bail!("{loc} is not empty: the benchmark needs a new store");
    }
    let mut g = Generator::new(b.seed);
    let bar = std::io::stderr()
        .is_terminal()
        .then(|| indicatif::ProgressBar::new(b.observables));
    // Lookups and the feed are the hub's operations, as every door runs them.
    let who = Authority::ReadingAs {
        org: "bench".to_owned(),
    };
    let mut done_obs = 0u64;
    let mut incidents = 0u64;
    let mut busy = Duration::ZERO;
    let mut cpu = 0.0f64;
    while done_obs < b.observables {
        let batch: Vec<Incident> = (0..b.batch).map(|_| g.incident()).collect();
        let subs: Vec<Submission<'_>> = batch
            .iter()
            .map(|m| Submission {
                incident: m,
                reporter: "bench",
                source: "bench-feed",
                shared_with: &[],
                recipients: &[],
            })
            .collect();
        if b.existing {
            done_obs += batch
                .iter()
                .map(|m| m.observables.len() as u64)
                .sum::<u64>();
            continue;
        }
        let t = Instant::now();
        let c = cpu_seconds();
        s.incidents().ingest(&subs)?;
        busy += t.elapsed();
        if let (Some(a), Some(b)) = (c, cpu_seconds()) {
            cpu += b - a;
        }
        let n: u64 = batch.iter().map(|m| m.observables.len() as u64).sum();
        done_obs += n;
        incidents += batch.len() as u64;
        if let Some(bar) = &bar {
            bar.inc(n);
        }
    }
    if !b.existing {
        // As `import` does after a bulk load; part of the ingest's time.
        let t = Instant::now();
        let c = cpu_seconds();
        s.refresh_statistics()?;
        busy += t.elapsed();
        if let (Some(a), Some(b)) = (c, cpu_seconds()) {
            cpu += b - a;
        }
    }
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    let (inc_total, distinct, postings) = s.incidents().counts()?;
    let secs = busy.as_secs_f64();
    if b.existing {
        println!(
            "store: {loc}, existing: {inc_total} incidents, {distinct} distinct values, {postings} postings"
        );
    } else {
        println!("store: {loc}");
        println!(
            "ingested {incidents} incidents, {done_obs} observables ({distinct} distinct values, {postings} postings) in {secs:.1} s of store time"
        );
        println!(
            "ingest rate: {:.0} incidents/s, {:.0} observables/s (correlation index on), wall clock",
            incidents as f64 / secs,
            done_obs as f64 / secs
        );
        if cpu > 0.0 {
            // For PostgreSQL the server's CPU is not in this figure.
            println!(
                "ingest cost: {cpu:.1} CPU s in this process = {:.0} observables per CPU second",
                done_obs as f64 / cpu
            );
        }
        if let Location::Sqlite(dir) = &loc {
            drop(s);
            // Checkpoint the WAL so the main file holds everything.
            let conn = Store::open(&loc, Options::default())?;
            drop(conn);
            let bytes = dir_size(dir);
            println!(
                "on disk: {bytes} bytes = {:.1} bytes per observable ingested ({:.1} per posting), incidents {inc_total}",
                bytes as f64 / done_obs as f64,
                bytes as f64 / postings.max(1) as f64
            );
            s = Store::open(
                &loc,
                Options {
                    warning_list: WarningList::empty(),
                },
            )?;
        }
    }
    // Lookups: a third existing addresses, a third addresses inside stored
    // prefixes or elsewhere, a third domains and misses.
    let queries = g.lookups(b.seed ^ 0xABCD);
    let mut times = Vec::with_capacity(b.lookups);
    let mut on_cpu = Vec::with_capacity(b.lookups);
    let clock = ThreadCpu::open();
    let mut hits = 0usize;
    for q in queries.take(b.lookups) {
        let c = clock.now();
        let t = Instant::now();
        let l = reads::lookup(&mut s, &who, &q, LookupPage::default())?;
        times.push(t.elapsed());
        if let (Some(a), Some(b)) = (c, clock.now()) {
            on_cpu.push(Duration::from_nanos(b.saturating_sub(a)));
        }
        hits += usize::from(!l.incidents.is_empty());
    }
    times.sort();
    println!(
        "lookup over {} queries ({hits} with matches): p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms",
        times.len(),
        percentile(&times, 0.50).as_secs_f64() * 1e3,
        percentile(&times, 0.99).as_secs_f64() * 1e3,
        times.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    if on_cpu.len() == times.len() {
        on_cpu.sort();
        println!(
            "lookup on-CPU time (this thread's CPU time, without waiting for other processes): p50 {:.3} ms, p99 {:.3} ms",
            percentile(&on_cpu, 0.50).as_secs_f64() * 1e3,
            percentile(&on_cpu, 0.99).as_secs_f64() * 1e3,
        );
    }
    if b.feed {
        for org in ["bench", "bench-peer"] {
            let who = Authority::ReadingAs {
                org: org.to_owned(),
            };
            let t = Instant::now();
            let (mut since, mut read, mut pages) = (0i64, 0u64, 0u64);
            loop {
                let page = reads::changes(&mut s, &who, since, c5hub_store::MAX_CHANGES_PAGE)?;
                if page.changes.is_empty() {
                    break;
                }
                read += page.changes.len() as u64;
                pages += 1;
                since = page.next;
            }
            let secs = t.elapsed().as_secs_f64();
            println!(
                "change feed as {org}: {read} changes in {pages} pages of {} in {secs:.2} s = {:.0} changes/s",
                c5hub_store::MAX_CHANGES_PAGE,
                read as f64 / secs.max(1e-9)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
