//! Versioned, forward-only schema migrations, applied at start-up.
//!
//! Each migration is a `.sql` file per backend, `migrations/sqlite/NNNN_*.sql`
//! and `migrations/postgres/NNNN_*.sql` (embedded in the binary), never
//! edited after it has shipped: a change is a new migration. One runner,
//! [`migrate`], applies them in order, each version in its own transaction
//! with its row in `schema_migrations`, so a database made by any earlier
//! c5hub opens with the current one.
//!
//! A step SQL cannot express (a data repair that needs Rust) is a named
//! function in [`Migration::rust`], run by the same runner after the
//! version's SQL, in the same transaction. No version needs one today:
//! migration 7's rewrite needs the server's HMAC key, which the store does
//! not have, so it only marks rows and the server finishes the work at
//! start (`Spam::pseudonymise_spam_incidents`).

use crate::db::{Db, Dialect, Read};
use crate::{Error, now_ms};

/// One migration: its number and its SQL for each backend.
pub(crate) struct Migration {
    pub(crate) version: i64,
    pub(crate) name: &'static str,
    /// The files' name under `migrations/<backend>/`, without `.sql`.
    file: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
    /// A step written in Rust, run after the SQL in the same transaction.
    rust: Option<RustStep>,
}

/// A migration step that cannot be SQL: its name (for the error message)
/// and what it does.
#[derive(Clone, Copy)]
pub(crate) struct RustStep {
    name: &'static str,
    run: fn(&mut dyn Db) -> Result<(), Error>,
}

/// A migration whose two files are `migrations/{sqlite,postgres}/$file.sql`.
macro_rules! migration {
    ($version:literal, $file:literal, $name:literal) => {
        Migration {
            version: $version,
            name: $name,
            file: $file,
            sqlite: include_str!(concat!("../migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../migrations/postgres/", $file, ".sql")),
            rust: None,
        }
    };
}

/// A migration with a step in Rust after its SQL.
macro_rules! migration_with_step {
    ($version:literal, $file:literal, $name:literal, $step:ident) => {
        Migration {
            rust: Some(RustStep {
                name: stringify!($step),
                run: $step,
            }),
            ..migration!($version, $file, $name)
        }
    };
}

/// All migrations, oldest first.
pub(crate) const MIGRATIONS: &[Migration] = &[
    migration!(
        1,
        "0001_incidents",
        "incidents, documents, observables and postings"
    ),
    migration!(
        2,
        "0002_sharing_prefix_lengths",
        "sharing lists, prefix lengths of stored CIDRs"
    ),
    migration!(
        3,
        "0003_accounts_workflow",
        "organisations, users, API tokens, sessions, comments, assignment, audit log"
    ),
    migration!(
        4,
        "0004_spam_reports",
        "spam reports and the two-step spam intake"
    ),
    migration!(
        5,
        "0005_assessment",
        "national assessment: editions, responses per country, answers, evidence documents"
    ),
    // A domain lookup read every posting of every value under the
    // domain, then every incident they name, to count the readable
    // matches and find the newest: two seeks per match. Here they are
    // one range of one index, TLP and reporter included (both are
    // rewritten with the postings by every new version). The index on
    // observables.domain served only that lookup.
    migration!(
        6,
        "0006_domain_postings",
        "postings by domain key, newest incident first, with what decides who may read them"
    ),
    // Incidents made from spam reports (IncidentID name
    // `spam-report.OPERATOR`, reported by OPERATOR) used to carry phone numbers and e-mail
    // addresses in clear. SQL cannot compute the HMAC that replaces
    // them (its key is in the server's settings, not here): this marks
    // them, and `Spam::pseudonymise_spam_incidents`, run by the server
    // at start with the key, rewrites and unmarks them.
    migration!(
        7,
        "0007_spam_pseudonymise",
        "spam incidents to pseudonymise, who confirmed a spam verdict and what the model learned"
    ),
    // Before this version, two versions of one incident in one group
    // commit were written side by side: the sharing lists became the
    // union of both, and domain_postings could keep the older TLP.
    migration!(
        8,
        "0008_domain_postings_repair",
        "domain_postings follow their incident's current TLP; sharing lists merged by one group commit dropped"
    ),
    // A session started by logging in with a token remembers it: the
    // session then lives only as long as the token (expiry, revocation)
    // and acts with the lesser of the token's and the user's role. A
    // member organisation's admin reads its own audit lines: by org.
    migration!(
        9,
        "0009_token_sessions",
        "sessions opened with an API token end with the token"
    ),
    // One row per stored change, numbered in commit order (see
    // changes.rs). An existing store starts its feed with one change
    // per incident, at its current version, numbered in key order, so
    // a reader starting at 0 sees every incident.
    migration!(10, "0010_changes", "the change feed"),
    // The dashboard counted a viewer's incidents when asked: seconds
    // at a million. These hold the counts per audience (everyone, for
    // CLEAR and GREEN; one organisation, for its own AMBER to RED
    // incidents and those shared with or addressed to it), moved by
    // every write in its transaction (`stats.rs`), filled here from
    // what is stored. The index on incident_shares serves listings
    // that filter by the TLP rule in SQL.
    migration!(
        11,
        "0011_incident_counts",
        "dashboard counts kept at write time; sharing lists by organisation"
    ),
    migration!(
        12,
        "0012_incident_panels",
        "indexes for the dashboard's panels: by assignee, by reporter and status"
    ),
    // The hub operator's organisation, recorded by the server at every
    // start, so commands run on the store alone (import's default
    // reporter, the last admin credential) know whose hub it is. An
    // edition names who validates the operator's own country.
    migration!(
        13,
        "0013_hub_settings",
        "the hub operator's organisation; an edition's second validator"
    ),
    // The notifier follows the change feed from a persisted cursor (see
    // notify.rs); an existing store starts it at its newest change, so
    // history already stored is not announced.
    migration!(
        14,
        "0014_notifications",
        "notification preferences, notifications, the notifier's cursor, webhooks and their deliveries"
    ),
    migration_with_step!(
        15,
        "0015_domain_keys_reversed",
        "domain keys with their labels reversed: a domain's sub-domains are one range",
        reverse_domain_keys
    ),
    // Search over titles and descriptions: SQLite's FTS5 table kept in
    // step by triggers, PostgreSQL's expression index; both filled here
    // from what is stored.
    migration!(
        16,
        "0016_incident_search",
        "full-text search over incident titles and descriptions"
    ),
    // TAXII 2.1: the status resource of each POST of objects.
    migration!(17, "0017_taxii_status", "TAXII 2.1 status resources"),
    // Polled feeds: TAXII collections and MISP feeds, with their secrets
    // and the poller's cursor and state.
    migration!(
        18,
        "0018_feeds",
        "polled feeds (TAXII 2.1, MISP) and their state"
    ),
    // Federation: peer hubs, their token, pseudonym key and policy, and
    // each direction's cursor and counters.
    migration!(19, "0019_peers", "peer hubs (federation) and their state"),
    // The panel's index holds only what the panel reads (new, unassigned
    // incidents), instead of every incident stored.
    migration!(
        20,
        "0020_incident_waiting",
        "the panel 'new and unassigned' indexes only new, unassigned incidents"
    ),
    // Federation: where incidents from peer hubs come from, so one that
    // arrives by two paths is stored once and none returns to its origin.
    migration!(
        21,
        "0021_incident_origins",
        "provenance of incidents from peer hubs (origin, key and version there, path)"
    ),
];

/// Migration 15's data: every stored domain key rewritten as
/// `correlate::domain_key` writes it now (the host's labels reversed).
/// Observables in pages of keys, each row by its key; then each domain
/// posting takes its observable's key.
fn reverse_domain_keys(db: &mut dyn Db) -> Result<(), Error> {
    let mut after = 0_i64;
    loop {
        let page = db.query(
            "SELECT id, domain FROM observables WHERE id > $1 AND domain IS NOT NULL ORDER BY id LIMIT 10000",
            &[after.into()],
        )?;
        if page.is_empty() {
            break;
        }
        for row in page {
            let (Some(id), Some(host)) = (row[0].int(), row[1].text()) else {
                return Err(Error::Corrupt(
                    "an observable's key or domain is not what the schema says".to_owned(),
                ));
            };
            db.execute(
                "UPDATE observables SET domain = $1 WHERE id = $2",
                &[crate::correlate::reversed_labels(host).into(), id.into()],
            )?;
            after = id;
        }
    }
    db.execute(
        "UPDATE domain_postings SET domain = (SELECT o.domain FROM observables o WHERE o.id = domain_postings.observable)",
        &[],
    )?;
    Ok(())
}

/// The schema version this build writes.
pub(crate) fn latest() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The version a database is at (0 when new).
pub(crate) fn current(db: &mut dyn Db) -> Result<i64, Error> {
    db.batch("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)")?;
    Ok(db
        .int(
            "SELECT MAX(version) AS version FROM schema_migrations",
            &[],
            "version",
        )?
        .unwrap_or(0))
}

/// Applies every migration above the database's version, each in its own
/// transaction, up to `target`.
pub(crate) fn migrate(db: &mut dyn Db, target: i64) -> Result<i64, Error> {
    run(db, MIGRATIONS, target)
}

/// The runner, over any list of migrations (oldest first).
fn run(db: &mut dyn Db, migrations: &[Migration], target: i64) -> Result<i64, Error> {
    let newest = migrations.last().map_or(0, |m| m.version);
    let mut at = current(db)?;
    if at > newest {
        return Err(Error::Schema(format!(
            "the database is at schema version {at}, newer than this c5hub understands ({newest}); upgrade c5hub"
        )));
    }
    let from = at;
    for m in migrations
        .iter()
        .filter(|m| m.version > from && m.version <= target)
    {
        db.begin()?;
        let sql = match db.dialect() {
            Dialect::Sqlite => m.sqlite,
            Dialect::Postgres => m.postgres,
        };
        let applied = db
            .batch(sql)
            .and_then(|()| match m.rust {
                Some(step) => (step.run)(db)
                    .map_err(|e| Error::Schema(format!("{} ({}.sql): {e}", step.name, m.file))),
                None => Ok(()),
            })
            .and_then(|()| {
                db.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    &[m.version.into(), m.name.into(), now_ms().into()],
                )
            });
        match applied {
            Ok(_) => db.commit()?,
            Err(e) => {
                let _ = db.rollback();
                return Err(Error::Schema(format!(
                    "migration {} ({}) failed: {e}",
                    m.version, m.name
                )));
            }
        }
        at = m.version;
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file under `migrations/` is a registered version and every
    /// version has its two files: a file added without its line here would
    /// otherwise never run.
    #[test]
    fn every_file_is_a_registered_version_in_order() {
        for backend in ["sqlite", "postgres"] {
            let dir = format!("{}/migrations/{backend}", env!("CARGO_MANIFEST_DIR"));
            let mut files: Vec<String> = std::fs::read_dir(&dir)
                .expect("migrations directory")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            let registered: Vec<String> = MIGRATIONS
                .iter()
                .map(|m| format!("{}.sql", m.file))
                .collect();
            assert_eq!(files, registered, "{backend}");
        }
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let version = i64::try_from(i).expect("few") + 1;
            assert_eq!(m.version, version, "versions are 1, 2, 3, ...");
            assert!(m.file.starts_with(&format!("{version:04}_")), "{}", m.file);
        }
    }

    fn fill(db: &mut dyn Db) -> Result<(), Error> {
        // Reads what the version's SQL wrote: the step runs after it, in
        // its transaction.
        let n = db
            .int("SELECT COUNT(*) AS n FROM t", &[], "n")?
            .unwrap_or(0);
        db.execute("INSERT INTO t (x) VALUES ($1)", &[(n + 10).into()])?;
        Ok(())
    }

    fn refuse(db: &mut dyn Db) -> Result<(), Error> {
        db.execute("INSERT INTO t (x) VALUES (99)", &[])?;
        Err(Error::Corrupt("cannot repair".into()))
    }

    fn step(version: i64, sql: &'static str, rust: Option<RustStep>) -> Migration {
        Migration {
            version,
            name: "test",
            file: "test",
            sqlite: sql,
            postgres: sql,
            rust,
        }
    }

    fn xs(db: &mut dyn Db) -> Vec<i64> {
        db.ints("SELECT x FROM t ORDER BY x", &[], "x")
            .expect("read")
    }

    /// The runner on one backend: versions in order, a Rust step after its
    /// SQL in the same transaction, a failing version rolled back whole
    /// and not recorded, a newer database refused.
    fn runner_on(db: &mut dyn Db) {
        let list = [
            step(1, "CREATE TABLE t (x BIGINT NOT NULL);", None),
            step(
                2,
                "INSERT INTO t (x) VALUES (1);",
                Some(RustStep {
                    name: "fill",
                    run: fill,
                }),
            ),
            step(
                3,
                "INSERT INTO t (x) VALUES (2); CREATE TABLE u (y BIGINT);",
                Some(RustStep {
                    name: "refuse",
                    run: refuse,
                }),
            ),
        ];
        assert_eq!(run(db, &list[..1], 1).expect("v1"), 1);
        assert_eq!(run(db, &list, 2).expect("v2"), 2);
        assert_eq!(xs(db), [1, 11], "the Rust step saw the SQL's row");
        let err = run(db, &list, 3).expect_err("v3 fails");
        assert!(err.to_string().contains("refuse"), "{err}");
        assert_eq!(current(db).expect("version"), 2, "v3 not recorded");
        assert_eq!(xs(db), [1, 11], "v3's SQL rolled back with its step");
        assert!(db.query("SELECT y FROM u", &[]).is_err(), "no table u");
        let err = run(db, &list[..1], 1).expect_err("newer refused");
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn runner_applies_in_order_one_transaction_per_version() {
        let path =
            std::env::temp_dir().join(format!("c5hub-store-runner-{}.sqlite", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let conn = rusqlite::Connection::open(&path).expect("sqlite");
        let mut db = crate::db::Sqlite::new(conn, &path).expect("sqlite");
        runner_on(&mut db);
        drop(db);
        let _ = std::fs::remove_file(&path);
        match std::env::var("C5HUB_TEST_DATABASE_URL") {
            Ok(base) if !base.trim().is_empty() => {
                let name = format!("c5hub_test_{}_runner", std::process::id());
                let mut admin =
                    postgres::Client::connect(&base, postgres::NoTls).expect("connects");
                admin
                    .simple_query(&format!("DROP DATABASE IF EXISTS {name}"))
                    .expect("drop");
                admin
                    .simple_query(&format!("CREATE DATABASE {name}"))
                    .expect("create");
                let client =
                    postgres::Client::connect(&format!("{base} dbname={name}"), postgres::NoTls)
                        .expect("connects");
                runner_on(&mut crate::db::Postgres::new(client));
            }
            _ => eprintln!("SKIPPED PostgreSQL half: set C5HUB_TEST_DATABASE_URL to run it"),
        }
    }
}
