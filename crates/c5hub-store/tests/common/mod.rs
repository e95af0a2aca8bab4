//! Which backends a store test runs against: always a real SQLite file, and
//! PostgreSQL when `C5HUB_TEST_DATABASE_URL` names a server (a libpq
//! conninfo such as `host=/var/run/postgresql user=postgres`), each test in
//! a database of its own. Without it the PostgreSQL half is skipped with a
//! message, except in CI (`CI` set), where that is a failure.

use std::sync::atomic::{AtomicUsize, Ordering};

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
