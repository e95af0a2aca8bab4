//! Quick, single-threaded throughput figures for the IODEF codec, over the
//! same generated corpus as `benches/codec.rs`.
//!
//! ```text
//! cargo run --release -p c5hub-iodef --example iodef_throughput [-- DOCS [ROUNDS [OP]]]
//! ```
//!
//! `DOCS` (default 10000) scales the corpus with the same mix of sizes;
//! `ROUNDS` (default 3) is how many times each operation goes over the whole
//! corpus; the best round is reported. `OP` (`xml`, `json`, `xml2json` or
//! `json2xml`) runs only that operation, so that a profiler sees little
//! else than it. Criterion (`cargo bench -p
//! c5hub-iodef --bench codec`) gives the statistically sound figures; this
//! is for a fast check and for profilers.

use std::hint::black_box;
use std::time::{Duration, Instant};

use c5hub_iodef::Limits;
use c5hub_test_support::iodef_corpus::{Corpus, SizeClass, Spec, mb};

fn main() {
    let mut args = std::env::args().skip(1);
    let docs = args.next().map_or(10_000, |a| {
        a.parse().expect("DOCS is a number of documents")
    });
    let rounds: usize = args
        .next()
        .map_or(3, |a| a.parse().expect("ROUNDS is a number"));
    let only = args.next();
    let runs = |op: &str| only.as_deref().is_none_or(|o| o == op);
    let spec = if docs == 10_000 {
        Spec::FULL
    } else {
        Spec::scaled(docs)
    };

    let started = Instant::now();
    let corpus = Corpus::build(spec);
    println!(
        "generated and checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    print!("{}", corpus.describe());

    let limits = Limits::default();
    let all: Vec<usize> = (0..corpus.count()).collect();
    let xml_decode = |docs: &[usize]| {
        for &i in docs {
            let doc = &corpus.xml[i];
            black_box(c5hub_iodef::decode_xml(doc.as_bytes(), &limits).expect("decodes"));
        }
    };
    let json_decode = |docs: &[usize]| {
        for &i in docs {
            let doc = &corpus.json[i];
            black_box(c5hub_iodef::decode_json(doc.as_bytes(), &limits).expect("decodes"));
        }
    };
    let xml_to_json = |docs: &[usize]| {
        for &i in docs {
            let d = c5hub_iodef::decode_xml(corpus.xml[i].as_bytes(), &limits).expect("decodes");
            black_box(c5hub_iodef::encode_json(&d.document, true));
        }
    };
    let json_to_xml = |docs: &[usize]| {
        for &i in docs {
            let d = c5hub_iodef::decode_json(corpus.json[i].as_bytes(), &limits).expect("decodes");
            black_box(c5hub_iodef::encode_xml(&d.document));
        }
    };
    let xml_bytes = |docs: &[usize]| docs.iter().map(|&i| corpus.xml[i].len()).sum::<usize>();
    let json_bytes = |docs: &[usize]| docs.iter().map(|&i| corpus.json[i].len()).sum::<usize>();

    println!("single thread, best of {rounds} rounds over the whole corpus:");
    let (xb, jb) = (xml_bytes(&all), json_bytes(&all));
    if runs("xml") {
        measure("XML decode+validate", rounds, &all, xb, &xml_decode);
    }
    if runs("json") {
        measure("JSON decode+validate", rounds, &all, jb, &json_decode);
    }
    if runs("xml2json") {
        measure("XML -> JSON (per XML byte)", rounds, &all, xb, &xml_to_json);
    }
    if runs("json2xml") {
        measure(
            "JSON -> XML (per JSON byte)",
            rounds,
            &all,
            jb,
            &json_to_xml,
        );
    }
    if only.is_some() {
        return;
    }

    println!("XML decode+validate by size class:");
    for class in SizeClass::ALL {
        let docs: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| corpus.classes[i] == class)
            .collect();
        measure(
            &format!("  {}", class.name()),
            rounds,
            &docs,
            xml_bytes(&docs),
            &xml_decode,
        );
    }
}

/// Runs `op` over `docs` `rounds` times and prints the best round: MB/s and
/// documents/s by wall-clock time, and MB/s by the thread's on-CPU time
/// (from `/proc/thread-self/schedstat`), which other processes competing
/// for the cores do not inflate.
fn measure(name: &str, rounds: usize, docs: &[usize], bytes: usize, op: &dyn Fn(&[usize])) {
    let (wall, cpu) = (0..rounds.max(1))
        .map(|_| {
            let cpu0 = on_cpu();
            let t = Instant::now();
            op(docs);
            let wall = t.elapsed();
            (wall, on_cpu().zip(cpu0).map(|(b, a)| b.saturating_sub(a)))
        })
        .min_by_key(|(wall, _)| *wall)
        .expect("at least one round");
    let secs = wall.as_secs_f64();
    let cpu = cpu.map_or(String::new(), |c| {
        format!(", on-CPU {:.1} MB/s", mb(bytes) / c.as_secs_f64())
    });
    println!(
        "{name:<28} {:>7.1} MB/s {:>8.0} docs/s  ({} docs, {:.1} MB in {:.3} s{cpu})",
        mb(bytes) / secs,
        docs.len() as f64 / secs,
        docs.len(),
        mb(bytes),
        secs,
    );
}

/// Time this thread has spent on a CPU, if the kernel reports it.
fn on_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let ns = stat.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(ns))
}
