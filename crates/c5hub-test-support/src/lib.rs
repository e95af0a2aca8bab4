//! Helpers shared by the c5hub test suites, as a dev-dependency (never
//! shipped): one copy instead of files included by path.
//!
//! Which backends a store test runs against: always a real SQLite file, and
//! PostgreSQL when `C5HUB_TEST_DATABASE_URL` names a server (a libpq
//! conninfo such as `host=/var/run/postgresql user=postgres`), each test in
//! a database of its own. Without it the PostgreSQL half is skipped with a
//! message, except in CI (`CI` set), where that is a failure.

use std::sync::atomic::{AtomicUsize, Ordering};

pub mod iodef_corpus;

use c5hub_store::Location;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A fresh, empty store location of each configured backend.
pub fn locations(test: &str) -> Vec<Location> {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("c5hub-store-test-{pid}-{test}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = vec![Location::Sqlite(dir)];
    match std::env::var("C5HUB_TEST_DATABASE_URL") {
        Ok(base) if !base.trim().is_empty() => {
            let name = format!("c5hub_test_{pid}_{test}_{n}").to_lowercase();
            let mut admin = postgres::Client::connect(&base, postgres::NoTls)
                .expect("C5HUB_TEST_DATABASE_URL connects");
            // Separate statements: batch_execute would wrap them in a transaction.
            admin
                .simple_query(&format!("DROP DATABASE IF EXISTS {name}"))
                .expect("drop test database");
            admin
                .simple_query(&format!("CREATE DATABASE {name}"))
                .expect("create test database");
            out.push(Location::Postgres(format!("{base} dbname={name}")));
        }
        _ if std::env::var_os("CI").is_some() => {
            panic!("CI must run the PostgreSQL suite: set C5HUB_TEST_DATABASE_URL")
        }
        _ => eprintln!("SKIPPED PostgreSQL half of {test}: set C5HUB_TEST_DATABASE_URL to run it"),
    }
    out
}

/// The dashboard figures of `viewer` counted directly: every incident key
/// from 1 to `max_key` read with the viewer (the store answers only what
/// [`c5hub_model::Viewer::can_read`] allows), over `days` days up to today.
/// Compared as [`Figures`], so ties in the class order do not matter.
pub fn direct_figures(
    s: &mut c5hub_store::Store,
    viewer: &c5hub_model::Viewer,
    max_key: i64,
    days: u32,
) -> Figures {
    let mut incidents = Vec::new();
    for k in 1..=max_key {
        if let Some(i) = s.incidents().incident(k, viewer).expect("read") {
            let when = i.incident.times.detected.unwrap_or(i.created_at);
            incidents.push((
                i.incident.tlp,
                i.incident.classification,
                i.incident.status,
                when.date_naive(),
            ));
        }
    }
    Figures::count(&incidents, days)
}

/// Dashboard figures in a form that compares exactly.
#[derive(Debug, PartialEq, Eq)]
pub struct Figures {
    /// Incidents.
    pub total: i64,
    /// By RSIT class path (`None`: unclassified).
    pub by_class: std::collections::BTreeMap<Option<String>, i64>,
    /// By TLP, every level.
    pub by_tlp: Vec<(c5hub_model::Tlp, i64)>,
    /// By status, every status.
    pub by_status: Vec<(c5hub_model::IncidentStatus, i64)>,
    /// By day, oldest first.
    pub daily: Vec<(chrono::NaiveDate, i64)>,
}

impl Figures {
    /// What the store answered.
    pub fn of(st: &c5hub_store::Stats) -> Figures {
        Figures {
            total: st.total,
            by_class: st
                .by_class
                .iter()
                .map(|(c, n)| (c.map(|c| c.path()), *n))
                .collect(),
            by_tlp: st.by_tlp.clone(),
            by_status: st.by_status.clone(),
            daily: st.daily.clone(),
        }
    }

    /// Counted from (TLP, class, status, day) of each readable incident.
    pub fn count(
        incidents: &[(
            c5hub_model::Tlp,
            Option<c5hub_model::RsitClass>,
            c5hub_model::IncidentStatus,
            chrono::NaiveDate,
        )],
        days: u32,
    ) -> Figures {
        let mut by_class = std::collections::BTreeMap::new();
        for (_, c, _, _) in incidents {
            *by_class.entry(c.map(|c| c.path())).or_insert(0) += 1;
        }
        let today = chrono::Utc::now().date_naive();
        let daily = (0..i64::from(days))
            .rev()
            .map(|back| {
                let d = today - chrono::Duration::days(back);
                (
                    d,
                    incidents.iter().filter(|(_, _, _, day)| *day == d).count() as i64,
                )
            })
            .collect();
        Figures {
            total: incidents.len() as i64,
            by_class,
            by_tlp: c5hub_model::Tlp::ALL
                .iter()
                .map(|t| (*t, incidents.iter().filter(|i| i.0 == *t).count() as i64))
                .collect(),
            by_status: c5hub_model::IncidentStatus::ALL
                .iter()
                .map(|st| (*st, incidents.iter().filter(|i| i.2 == *st).count() as i64))
                .collect(),
            daily,
        }
    }
}
