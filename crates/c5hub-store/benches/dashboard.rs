//! Dashboard statistics and the first page of a listing at a million
//! incidents (issue 15): `Incidents::stats` for three viewers and
//! `Incidents::list`'s first page, on a store filled once with a TLP and
//! sharing mix where one member may read about 1 % of the hub.
//!
//! ```text
//! cargo bench -p c5hub-store --bench dashboard
//! C5HUB_BENCH_INCIDENTS=1000000 C5HUB_BENCH_DATA=/tmp/dash cargo bench -p c5hub-store --bench dashboard
//! C5HUB_BENCH_DATABASE="host=... dbname=empty" cargo bench -p c5hub-store --bench dashboard
//! ```
//!
//! The store is kept (`C5HUB_BENCH_DATA`, default
//! `target/c5hub-dashboard-bench`) and reused by the next run when it
//! holds the asked number of incidents. The mix: the hub operator
//! (`national-cirt`) reports a fifth; 200 members the rest, 0.4 % each.
//! 0.2 % CLEAR, 0.3 % GREEN, 75 % AMBER shared with the operator (and one
//! in 200 also with `org-17`), 5 % AMBER+STRICT, 19.5 % RED addressed to
//! the operator. So `org-17` reads about 1 % (its own, CLEAR and GREEN,
//! its shares), `observer` (reports nothing) exactly every CLEAR and GREEN
//! incident, and the operator's admin nearly all.

use std::time::Duration;

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableRole, RsitClass, Tlp, Viewer,
};
use c5hub_store::{IncidentFilter, Location, Options, Store, Submission, WarningList};
use chrono::Utc;
use criterion::Criterion;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HUB: &str = "national-cirt";
const CLASSES: [(&str, &str); 6] = [
    ("malicious-code", "infected-system"),
    ("fraud", "phishing"),
    ("information-gathering", "scanner"),
    ("abusive-content", "spam"),
    ("availability", "ddos"),
    ("intrusion-attempts", "brute-force"),
];

struct Sent {
    incident: Incident,
    reporter: String,
    shared: Vec<String>,
    recipients: Vec<String>,
}

fn generate(rng: &mut ChaCha8Rng, n: u64) -> Sent {
    let reporter = if rng.gen_bool(0.2) {
        HUB.to_owned()
    } else {
        format!("org-{}", rng.gen_range(0..200))
    };
    let r = rng.gen_range(0..1000);
    let tlp = match r {
        0..2 => Tlp::Clear,
        2..5 => Tlp::Green,
        5..755 => Tlp::Amber,
        755..805 => Tlp::AmberStrict,
        _ => Tlp::Red,
    };
    let mut m = Incident::new(
        GlobalId::new("bench.test", &format!("D-{n}")).expect("id"),
        tlp,
    );
    let (c, t) = CLASSES[rng.gen_range(0..CLASSES.len())];
    m.classification = RsitClass::lookup(c, t);
    m.status = IncidentStatus::ALL[rng.gen_range(0..IncidentStatus::ALL.len())];
    m.title = Some(format!("generated incident {n}"));
    m.times.detected =
        Some(Utc::now() - chrono::Duration::minutes(rng.gen_range(0..60 * 24 * 400)));
    let ip = std::net::Ipv4Addr::from(rng.r#gen::<u32>() | 0x2000_0000).to_string();
    if let Ok(o) = Observable::parse_ip(&ip) {
        m.add_observable(o, ObservableRole::Source);
    }
    let mut shared = Vec::new();
    let mut recipients = Vec::new();
    match tlp {
        Tlp::Amber => {
            shared.push(HUB.to_owned());
            if rng.gen_range(0..200) == 0 {
                shared.push("org-17".to_owned());
            }
        }
        Tlp::Red => recipients.push(HUB.to_owned()),
        _ => {}
    }
    Sent {
        incident: m,
        reporter,
        shared,
        recipients,
    }
}

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .expect("open the bench store")
}

fn fill(s: &mut Store, total: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(15);
    let mut n = 0u64;
    let started = std::time::Instant::now();
    while n < total {
        let batch: Vec<Sent> = (0..50_000.min(total - n))
            .map(|i| generate(&mut rng, n + i))
            .collect();
        let subs: Vec<Submission<'_>> = batch
            .iter()
            .map(|x| Submission {
                incident: &x.incident,
                reporter: &x.reporter,
                source: "bench",
                shared_with: &x.shared,
                recipients: &x.recipients,
            })
            .collect();
        s.incidents().ingest(&subs).expect("ingest");
        n += batch.len() as u64;
    }
    s.refresh_statistics().expect("statistics");
    eprintln!(
        "filled {total} incidents in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

fn dashboard(c: &mut Criterion) {
    // `cargo test --all-targets` runs this without `--bench` (criterion's
    // test mode, each function once): a small store then, in its own
    // directory, so the test suite does not fill a million incidents.
    let measuring = std::env::args().any(|a| a == "--bench");
    let total: u64 = std::env::var("C5HUB_BENCH_INCIDENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if measuring { 1_000_000 } else { 2_000 });
    let loc = match std::env::var("C5HUB_BENCH_DATABASE") {
        Ok(url) => Location::Postgres(url),
        Err(_) => Location::Sqlite(
            std::env::var("C5HUB_BENCH_DATA")
                .map(Into::into)
                .unwrap_or_else(|_| {
                    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(if measuring {
                        "../../target/c5hub-dashboard-bench"
                    } else {
                        "../../target/c5hub-dashboard-test"
                    })
                }),
        ),
    };
    let mut s = open(&loc);
    let have = s.incidents().counts().expect("counts").0;
    if have != total as i64 {
        assert_eq!(
            have, 0,
            "{loc} holds {have} incidents, not {total}: give an empty one"
        );
        fill(&mut s, total);
    }
    let viewers = [
        ("1%-reader org-17", Viewer::member("org-17")),
        ("GREEN reader observer", Viewer::member("observer")),
        ("hub admin national-cirt", Viewer::member(HUB)),
    ];
    for (name, v) in &viewers {
        let st = s.incidents().stats(v, 30).expect("stats");
        eprintln!(
            "{name}: reads {} of {total} incidents ({:.2} %)",
            st.total,
            st.total as f64 * 100.0 / total as f64
        );
    }
    let mut g = c.benchmark_group(format!("{total} incidents"));
    g.sample_size(30).measurement_time(Duration::from_secs(3));
    for (name, v) in &viewers {
        g.bench_function(format!("stats 30 days, {name}"), |b| {
            b.iter(|| s.read(|s| s.incidents().stats(v, 30)).expect("stats"))
        });
    }
    for (name, v) in &viewers {
        let first_page = IncidentFilter {
            limit: 50,
            ..IncidentFilter::default()
        };
        g.bench_function(format!("list first page of 50, {name}"), |b| {
            b.iter(|| {
                s.read(|s| s.incidents().list(&first_page, v))
                    .expect("list")
            })
        });
    }
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    dashboard(&mut c);
    c.final_summary();
}
