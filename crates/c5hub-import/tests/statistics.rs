//! A bulk import leaves PostgreSQL's planner statistics current: the
//! lookups right after it must not be planned for empty tables. Needs a
//! real server (`C5HUB_TEST_DATABASE_URL`, a libpq conninfo); without one
//! the test is skipped with a message, except in CI, where that fails
//! (`c5hub_test_support::TestDatabase`, like every store suite).

use std::io::Write as _;
use std::path::PathBuf;

use c5hub_import::{ImportOptions, import};
use c5hub_store::{Location, Options, Store, WarningList};

/// Columns of `observables` that `ANALYZE` has statistics for.
fn analyzed_columns(admin: &mut postgres::Client) -> i64 {
    admin
        .query_one(
            "SELECT COUNT(*) FROM pg_stats WHERE tablename = 'observables'",
            &[],
        )
        .expect("pg_stats")
        .get(0)
}

fn feed(dir: &std::path::Path, name: &str, rows: std::ops::Range<u32>) -> PathBuf {
    let path = dir.join(name);
    let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("feed file"));
    writeln!(f, "time.source,source.ip,classification.type").expect("write");
    for n in rows {
        let [_, a, b, c] = n.to_be_bytes();
        writeln!(f, "2026-11-01T10:00:00Z,10.{a}.{b}.{c},scanner").expect("write");
    }
    f.into_inner().expect("flush");
    path
}

#[test]
fn a_bulk_import_refreshes_the_planner_statistics() {
    // Dropped when the test ends (see c5hub-test-support).
    let Some(database) = c5hub_test_support::TestDatabase::create("import_statistics") else {
        return;
    };
    let url = database.url();
    let dir = std::env::temp_dir().join(format!("c5hub-import-statistics-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("dir");
    let opts = ImportOptions {
        reporter: "cert.test".into(),
        quarantine: dir.join("quarantine"),
        batch_size: 4096,
        lenient: false,
        limits: c5hub_iodef::Limits::default(),
        feed_mapping: None,
        hub_export: false,
        tlp: None,
        share_with: Vec::new(),
    };
    let options = Options {
        warning_list: WarningList::empty(),
    };
    let mut store = Store::open(&Location::Postgres(url.clone()), options).expect("store");
    let mut db = postgres::Client::connect(&url, postgres::NoTls).expect("test database");
    // Only the import may analyze: autovacuum would, too, after a minute.
    db.simple_query("ALTER TABLE observables SET (autovacuum_enabled = false)")
        .expect("autovacuum off");

    // A few rows: not a bulk load, no pass over the tables.
    let small = feed(&dir, "small.csv", 0..100);
    let sum = import(&mut store, &[small], &opts, &mut |_| ()).expect("small import");
    assert_eq!(sum.new, 100);
    assert_eq!(analyzed_columns(&mut db), 0, "analyzed after 100 rows");

    // A bulk load: the statistics describe the tables when it returns.
    let bulk = feed(&dir, "bulk.csv", 100..10_100);
    let sum = import(&mut store, &[bulk], &opts, &mut |_| ()).expect("bulk import");
    assert_eq!(sum.new, 10_000);
    assert!(
        analyzed_columns(&mut db) > 0,
        "no statistics after a bulk import"
    );
    let tuples: f32 = db
        .query_one(
            "SELECT reltuples FROM pg_class WHERE relname = 'observables'",
            &[],
        )
        .expect("pg_class")
        .get(0);
    assert!(
        tuples > 10_000.0 * 0.9,
        "planner believes {tuples} observables"
    );

    drop((store, db));
    let _ = std::fs::remove_dir_all(&dir);
}
