//! Helpers shared by the c5hub test suites, as a dev-dependency (never
//! shipped): one copy instead of files included by path.
//!
//! Which backends a store test runs against: always a real SQLite file, and
//! PostgreSQL when `C5HUB_TEST_DATABASE_URL` names a server (a libpq
//! conninfo such as `host=/var/run/postgresql user=postgres`), each test in
//! a database of its own ([`TestDatabase`]), dropped when the test ends.
//! Without it the PostgreSQL half is skipped with a message, except in CI
//! (`CI` set), where that is a failure. The first test database a process
//! makes first clears what crashed runs left (only names of this scheme whose process is gone).

use std::cell::{Cell, RefCell};
use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

pub mod iodef_corpus;

use c5hub_store::Location;

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// What every test database's name starts with: the clean-up at start
/// touches nothing else.
const PREFIX: &str = "c5hub_test_";

/// A fresh, empty store location of each configured backend.
///
/// The PostgreSQL database is dropped when the test's thread ends (each
/// test runs on a thread of its own), failed or not; with
/// `C5HUB_KEEP_TEST_DB=1` a failed test's database is kept to look at.
pub fn locations(test: &str) -> Vec<Location> {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let pid = std::process::id();
    let dir = std::env::temp_dir().join(format!("c5hub-store-test-{pid}-{test}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    let mut out = vec![Location::Sqlite(dir)];
    if let Some(db) = TestDatabase::create(test) {
        out.push(Location::Postgres(db.url()));
        HELD.with(|h| h.borrow_mut().push(db));
    }
    out
}

thread_local! {
    /// The databases `locations` made on this thread: dropped with it.
    static HELD: RefCell<Vec<TestDatabase>> = const { RefCell::new(Vec::new()) };
    /// Whether a panic happened on this thread (the test harness catches
    /// it before the thread ends, so `thread::panicking` no longer says).
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// A PostgreSQL database of one test, dropped when this guard is (unless
/// the test failed and `C5HUB_KEEP_TEST_DB=1`).
pub struct TestDatabase {
    base: String,
    name: String,
}

impl TestDatabase {
    /// A new, empty database for `test` on the server of
    /// `C5HUB_TEST_DATABASE_URL`; `None` (with a message) when it is not
    /// set, a panic in CI.
    pub fn create(test: &str) -> Option<TestDatabase> {
        let base = match std::env::var("C5HUB_TEST_DATABASE_URL") {
            Ok(base) if !base.trim().is_empty() => base,
            _ if std::env::var_os("CI").is_some() => {
                panic!("CI must run the PostgreSQL suite: set C5HUB_TEST_DATABASE_URL")
            }
            _ => {
                eprintln!(
                    "SKIPPED PostgreSQL half of {test}: set C5HUB_TEST_DATABASE_URL to run it"
                );
                return None;
            }
        };
        static START: Once = Once::new();
        START.call_once(|| {
            let prev = std::panic::take_hook();
            std::panic::set_hook(Box::new(move |info| {
                PANICKED.with(|p| p.set(true));
                prev(info)
            }));
            clear_leftovers(&base);
        });
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let pid = std::process::id();
        // An identifier unquoted in the statements below: a test's name
        // may hold any character, the database's only [a-z0-9_].
        let test: String = test
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let name = format!("{PREFIX}{pid}_{test}_{n}").to_lowercase();
        let mut admin = postgres::Client::connect(&base, postgres::NoTls)
            .expect("C5HUB_TEST_DATABASE_URL connects");
        // Separate statements: batch_execute would wrap them in a transaction.
        admin
            .simple_query(&format!("DROP DATABASE IF EXISTS {name}"))
            .expect("drop test database");
        admin
            .simple_query(&format!("CREATE DATABASE {name}"))
            .expect("create test database");
        Some(TestDatabase { base, name })
    }

    /// Its libpq conninfo.
    pub fn url(&self) -> String {
        format!("{} dbname={}", self.base, self.name)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let failed = std::thread::panicking() || PANICKED.with(Cell::get);
        if failed && std::env::var("C5HUB_KEEP_TEST_DB").is_ok_and(|v| v == "1") {
            eprintln!("kept test database {} (C5HUB_KEEP_TEST_DB=1)", self.name);
            return;
        }
        // On a thread of its own: this may run while the test's thread
        // ends, when the client cannot set up its runtime there. FORCE:
        // a server under test may still hold a pooled connection.
        let (base, name) = (self.base.clone(), self.name.clone());
        let done = std::thread::spawn(move || {
            postgres::Client::connect(&base, postgres::NoTls).and_then(|mut admin| {
                admin.simple_query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            })
        })
        .join();
        if !matches!(done, Ok(Ok(_))) {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}

/// Drops the test databases a crashed run left: only names of this
/// scheme (`c5hub_test_<pid>_...`) whose process is gone (no
/// `/proc/<pid>`; where there is no `/proc`, nothing is dropped), and
/// only when nobody is connected to them (no FORCE), so another run's
/// live database is never touched.
fn clear_leftovers(base: &str) {
    if !std::path::Path::new("/proc/self").exists() {
        return;
    }
    let Ok(mut admin) = postgres::Client::connect(base, postgres::NoTls) else {
        return;
    };
    let Ok(rows) = admin.query(
        "SELECT datname FROM pg_database WHERE starts_with(datname, $1)",
        &[&PREFIX],
    ) else {
        return;
    };
    let own = std::process::id();
    for row in rows {
        let name: String = row.get(0);
        if let Some(pid) = leftover_pid(&name) {
            if pid != own && !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = admin.simple_query(&format!("DROP DATABASE IF EXISTS \"{name}\""));
            }
        }
    }
}

/// The process id in a test database's name, if it is of this scheme.
fn leftover_pid(name: &str) -> Option<u32> {
    let rest = name.strip_prefix(PREFIX)?;
    let (pid, _) = rest.split_once('_')?;
    pid.parse().ok()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_of_the_scheme_are_leftovers() {
        assert_eq!(leftover_pid("c5hub_test_4242_store_3"), Some(4242));
        assert_eq!(
            leftover_pid("c5hub_test_4242_import_statistics"),
            Some(4242)
        );
        assert_eq!(leftover_pid("c5hub_production"), None);
        assert_eq!(leftover_pid("c5hub_test_x_1"), None);
        assert_eq!(leftover_pid("postgres"), None);
    }

    #[test]
    fn a_test_name_with_any_characters_makes_a_database() {
        // Before: `DROP DATABASE IF EXISTS c5hub_test_1_a-b c_0` was a
        // syntax error.
        if let Some(db) = TestDatabase::create("a-b c.d") {
            assert!(exists(&db.name), "{}", db.name);
        }
    }

    fn exists(name: &str) -> bool {
        let base = std::env::var("C5HUB_TEST_DATABASE_URL").expect("set");
        let mut admin = postgres::Client::connect(&base, postgres::NoTls).expect("server");
        admin
            .query_opt("SELECT 1 FROM pg_database WHERE datname = $1", &[&name])
            .expect("pg_database")
            .is_some()
    }

    /// A test's databases are gone when its thread ends, passed or failed
    /// (unless `C5HUB_KEEP_TEST_DB=1`, which this test does not set).
    #[test]
    fn test_databases_are_dropped_when_the_test_ends() {
        if std::env::var_os("C5HUB_KEEP_TEST_DB").is_some() {
            return;
        }
        for fails in [false, true] {
            let named = std::thread::spawn(move || {
                let names: Vec<String> = locations("dropped")
                    .iter()
                    .filter_map(|l| match l {
                        Location::Postgres(url) => url.rsplit("dbname=").next().map(str::to_owned),
                        Location::Sqlite(_) => None,
                    })
                    .collect();
                for n in &names {
                    assert!(exists(n), "{n} made");
                }
                if fails {
                    // A failing test: its names as the panic's payload.
                    std::panic::panic_any(names);
                }
                names
            })
            .join();
            let names = match named {
                Ok(names) => names,
                Err(payload) => *payload.downcast::<Vec<String>>().expect("names"),
            };
            for n in &names {
                assert!(!exists(n), "{n} dropped (test failed: {fails})");
            }
        }
    }
}
