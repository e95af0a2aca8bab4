//! Upgrades: a database written by every earlier schema version opens with
//! this build, migrates forward, and still answers. Each earlier version `v`
//! has its data in `test-data/migrations/v{v}.sql`.

use c5hub_test_support::locations;

use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole, Tlp, Viewer,
};
use c5hub_store::{
    Actor, ChangeKind, IncidentFilter, Location, NewEdition, Options, Outcome, SpamPseudonyms,
    Store, Submission, WarningList,
};
use sha2::{Digest, Sha256};

#[test]
fn every_earlier_schema_upgrades() {
    let latest = Store::latest_schema_version();
    assert!(latest >= 2, "this test needs at least one earlier version");
    for v in 1..latest {
        let fixture = format!(
            "{}/test-data/migrations/v{v}.sql",
            env!("CARGO_MANIFEST_DIR")
        );
        let sql = std::fs::read_to_string(&fixture)
            .unwrap_or_else(|_| panic!("{fixture}: every earlier version needs its data"));
        for loc in locations(&format!("v{v}")) {
            let opts = || Options {
                warning_list: WarningList::empty(),
            };
            {
                let mut old = Store::open_at_version(&loc, opts(), v).expect("open at old version");
                assert_eq!(old.schema_version().expect("version"), v);
                old.run_sql_for_tests(&sql).expect("old data loads");
                // What only SQLite holds (an FTS5 index) has a file of its own.
                let only_sqlite = fixture.replace(".sql", ".sqlite.sql");
                if let (Location::Sqlite(_), Ok(more)) =
                    (&loc, std::fs::read_to_string(&only_sqlite))
                {
                    old.run_sql_for_tests(&more)
                        .expect("SQLite's own data loads");
                }
                if matches!(loc, Location::Postgres(_)) {
                    // Fixtures set ids explicitly; move the sequences past them.
                    old.run_sql_for_tests("SELECT setval(pg_get_serial_sequence('incidents', 'id'), 100); SELECT setval(pg_get_serial_sequence('observables', 'id'), 100);").expect("sequences");
                }
            }
            let mut s = Store::open(&loc, opts()).expect("upgrade");
            assert_eq!(s.schema_version().expect("version"), latest, "{loc}");
            let viewer = Viewer::member("peer");
            let got = s
                .incidents()
                .incident(1, &viewer)
                .expect("read")
                .expect("old incident visible");
            assert_eq!(got.incident.id.to_string(), "bank.test:OLD-1");
            assert_eq!(got.incident.observables.len(), 2);
            // Version 2 indexes prefix lengths: an address inside the old
            // prefix must now find it.
            let l = s
                .incidents()
                .lookup("203.0.116.9", &viewer)
                .expect("lookup")
                .expect("valid");
            assert_eq!(
                l.incidents.len(),
                1,
                "{loc}: prefix written by v{v} is found after the upgrade"
            );
            let l = s
                .incidents()
                .lookup("www.old.test", &viewer)
                .expect("lookup")
                .expect("valid");
            assert!(
                l.incidents.is_empty(),
                "{loc}: a parent domain is not found by its sub-domain"
            );
            // Version 6 indexes postings by domain key: a URL on the old
            // domain must now find the old incident through it (and, from
            // version 15, the key written before has its labels reversed).
            let l = s
                .incidents()
                .lookup("http://old.test/login", &viewer)
                .expect("lookup")
                .expect("valid");
            assert_eq!(
                (l.total, l.incidents.first().map(|m| m.incident.key)),
                (1, Some(1)),
                "{loc}: a domain written by v{v} is found after the upgrade"
            );
            if v == 7 {
                // Migration 8: the merged incident's GREEN copy in
                // domain_postings now says AMBER, and the share its
                // superseded version brought is gone.
                let l = s
                    .incidents()
                    .lookup("http://merged.test/b", &Viewer::member("other"))
                    .expect("lookup")
                    .expect("valid");
                assert_eq!(l.total, 0, "{loc}: a stale GREEN copy still matches");
                assert!(
                    s.incidents().incident(2, &viewer).expect("read").is_none(),
                    "{loc}: the merged share still lets peer read it"
                );
                assert!(
                    s.incidents()
                        .incident(2, &Viewer::member("bank"))
                        .expect("read")
                        .is_some(),
                    "{loc}: the reporter reads its own incident"
                );
                // The unaffected incident keeps its share.
                assert_eq!(got.shared_with, vec!["peer".to_owned()], "{loc}");
            }
            // Migration 20 indexes new, unassigned incidents by reporter
            // for the dashboard's panel: the old one is there (with any
            // other the fixture holds), newest first.
            let waiting = IncidentFilter {
                status: Some(IncidentStatus::New),
                unassigned: true,
                reporter: Some("bank".to_owned()),
                limit: 10,
                ..Default::default()
            };
            let keys: Vec<i64> = s
                .incidents()
                .list(&waiting, &Viewer::member("bank"))
                .expect("panel")
                .iter()
                .map(|m| m.key)
                .collect();
            assert!(
                keys.contains(&1) && keys.is_sorted_by(|a, b| a > b),
                "{loc}: the panel after the upgrade: {keys:?}"
            );
            // Migration 16 indexes the titles and descriptions already
            // stored: the old incident is found by its words, and an AMBER
            // incident by no one it is not shared with.
            let found = |s: &mut Store, q: &str, who: &str| -> Vec<i64> {
                s.incidents()
                    .search(q, &Viewer::member(who), 0, 10)
                    .expect("search")
                    .items
                    .iter()
                    .map(|i| i.key)
                    .collect()
            };
            assert_eq!(found(&mut s, "old incident", "peer"), [1], "{loc}");
            // Migration 17: TAXII status resources are stored and read back.
            let status = c5hub_store::TaxiiStatus {
                id: format!("status-v{v}"),
                org: "peer".to_owned(),
                at: chrono::DateTime::from_timestamp_millis(1_700_000_000_123).expect("a time"),
                status: "complete".to_owned(),
                total: 1,
                success_count: 1,
                failure_count: 0,
                pending_count: 0,
                successes: "[]".to_owned(),
                failures: "[]".to_owned(),
                pendings: "[]".to_owned(),
            };
            s.taxii_statuses().put(&status).expect("status stored");
            assert_eq!(
                s.taxii_statuses().get(&status.id, "peer").expect("read"),
                Some(status.clone()),
                "{loc}"
            );
            assert_eq!(
                s.taxii_statuses().get(&status.id, "bank").expect("read"),
                None
            );
            if v == 17 {
                let old = s.taxii_statuses().get("status-old", "peer").expect("read");
                assert_eq!(old.map(|o| o.total), Some(1), "{loc}");
            }
            // Migration 18: feeds are stored with their secret and state.
            let feed = s
                .feeds()
                .add(&c5hub_store::NewFeed {
                    kind: "taxii".to_owned(),
                    url: "https://remote.test/api/collections/x/".to_owned(),
                    collection: "x".to_owned(),
                    auth: "bearer".to_owned(),
                    username: String::new(),
                    secret: "s3cret".to_owned(),
                    every_s: 900,
                    as_org: "peer".to_owned(),
                    tlp: Tlp::Green,
                })
                .expect("feed added");
            s.feeds().advance(feed.id, "cursor-1", 3).expect("advance");
            let got = s.feeds().get(feed.id).expect("read").expect("the feed");
            assert_eq!(
                (
                    got.secret.as_str(),
                    got.cursor.as_str(),
                    got.objects_total,
                    got.tlp
                ),
                ("s3cret", "cursor-1", 3, Tlp::Green),
                "{loc}"
            );
            assert!(s.feeds().remove(feed.id).expect("remove"), "{loc}");
            if v == 18 {
                let old = s.feeds().get(1000).expect("read").expect("the old feed");
                assert_eq!((old.cursor.as_str(), old.objects_total), ("cursor-old", 5));
            }
            // Migration 19: peers with their token, key, policy and cursors.
            let peer = s
                .peers()
                .add(&c5hub_store::NewPeer {
                    name: "regional".to_owned(),
                    url: "https://regional.test/taxii2/api1/".to_owned(),
                    kind: "c5hub".to_owned(),
                    secret: "t0ken".to_owned(),
                    pseudonym_key: "00".repeat(32),
                    policy: "[out]\ntlp = [\"green\"]\n".to_owned(),
                    org: Some("peer".to_owned()),
                })
                .expect("peer added");
            s.peers().pushed(peer.id, 42, 3, 1200).expect("pushed");
            let got = s.peers().get("regional").expect("read").expect("the peer");
            assert_eq!(
                (
                    got.secret.as_str(),
                    got.cursor_out,
                    got.sent_objects,
                    got.sent_bytes
                ),
                ("t0ken", 42, 3, 1200),
                "{loc}"
            );
            assert!(s.peers().remove("regional").expect("remove"), "{loc}");
            if v == 19 {
                let old = s
                    .peers()
                    .get("regional-old")
                    .expect("read")
                    .expect("the old peer");
                assert_eq!(
                    (old.paused, old.cursor_out, old.sent_bytes),
                    (true, 7, 900),
                    "{loc}"
                );
            }
            assert_eq!(found(&mut s, "SCHEMA v1", "outsider"), [1], "{loc}");
            if v == 7 {
                assert_eq!(found(&mut s, "merged", "bank"), [2], "{loc}");
                assert!(found(&mut s, "merged", "other").is_empty(), "{loc}");
            }
            // Migration 13: the hub operator is not known until a server
            // starts; an old edition names no second validator.
            assert_eq!(s.accounts().operator().expect("operator"), None);
            for e in s.assessment().editions().expect("editions") {
                assert_eq!(e.second_validator, None, "{loc}");
            }
            // Migration 11 counts what is stored for the dashboard: every
            // viewer's figures are those of a direct count, over every day
            // back to 1969 (the v9 data holds an incident detected then).
            let days = u32::try_from(
                (chrono::Utc::now().date_naive()
                    - chrono::NaiveDate::from_ymd_opt(1969, 12, 1).expect("date"))
                .num_days(),
            )
            .expect("days");
            for who in [
                Viewer::member("bank"),
                Viewer::member("peer"),
                Viewer::member("other"),
                Viewer::member("outsider"),
                Viewer::Anonymous {
                    public_access: true,
                },
                Viewer::Anonymous {
                    public_access: false,
                },
            ] {
                let st = s.incidents().stats(&who, days).expect("stats");
                assert_eq!(
                    c5hub_test_support::Figures::of(&st),
                    c5hub_test_support::direct_figures(&mut s, &who, 10, days),
                    "{loc}: v{v} counts for {who:?}"
                );
                if v == 9 && who == Viewer::member("peer") {
                    // Its GREEN one, bank's AMBER shared with it, the RED
                    // addressed to it, its own CLEAR one, other's GREEN.
                    assert_eq!(st.total, 5, "{loc}");
                }
            }
            // Migration 10 starts the change feed with one change per
            // incident at its current version, in key order; new changes
            // number after them.
            let feed = s
                .incidents()
                .changes_since(0, &Viewer::member("bank"), 0)
                .expect("changes");
            let mut want: Vec<(i64, i64)> = s
                .incidents()
                .list(&IncidentFilter::default(), &Viewer::member("bank"))
                .expect("list")
                .iter()
                .map(|i| (i.key, i.version))
                .collect();
            want.sort_unstable();
            assert_eq!(
                feed.changes
                    .iter()
                    .map(|c| (c.incident, c.version))
                    .collect::<Vec<_>>(),
                want,
                "{loc}"
            );
            assert_eq!(feed.changes[0].kind, ChangeKind::Incident, "{loc}");
            assert_eq!(feed.changes[0].global_id, "bank.test:OLD-1", "{loc}");
            assert!(
                s.workflow()
                    .set_status(1, IncidentStatus::Triaged, "c5hub", None)
                    .expect("status")
            );
            let after = s
                .incidents()
                .changes_since(feed.next, &Viewer::member("bank"), 0)
                .expect("changes");
            assert_eq!(
                after
                    .changes
                    .iter()
                    .map(|c| (c.kind, c.incident))
                    .collect::<Vec<_>>(),
                vec![(ChangeKind::Status, 1)],
                "{loc}"
            );
            if v >= 4 {
                let report = s.spam().spam_report(1, Some("peer")).expect("read");
                assert_eq!(report.map(|r| r.id).as_deref(), Some("r-old"), "{loc}");
            }
            // The assessment tables of version 5 work on an upgraded database.
            let by = Actor {
                name: "c5hub",
                org: "peer",
            };
            let ed = s
                .assessment()
                .add_edition(
                    &NewEdition {
                        methodology: "cirt-readiness",
                        methodology_version: "1.0.0",
                        year: 2025,
                        title: "after upgrade",
                    },
                    by,
                )
                .expect("edition on an upgraded database");
            let titles: Vec<String> = s
                .assessment()
                .editions()
                .expect("editions")
                .into_iter()
                .map(|e| e.title)
                .collect();
            let mut want = vec![ed.title.clone()];
            if v >= 5 {
                want.push("before the upgrade".to_owned());
            }
            assert_eq!(titles, want, "{loc}");
            if v == 6 {
                // Migration 7 marks what v6 wrote; v7 and later wrote
                // pseudonyms in the first place.
                spam_incident_is_pseudonymised(&mut s, &loc);
            }
            // Reopening is a no-op.
            drop(s);
            let mut again = Store::open(&loc, opts()).expect("reopen");
            assert_eq!(again.schema_version().expect("version"), latest);
        }
    }
}

/// What the server does with its key, with a stand-in "key": phone numbers
/// and e-mail addresses become the SHA-256 of `k:` and the value.
struct Pseudonyms;

impl SpamPseudonyms for Pseudonyms {
    fn observable(&self, kind: ObservableKind, value: &str) -> Option<String> {
        matches!(kind, ObservableKind::PhoneNumber | ObservableKind::Email)
            .then(|| hex::encode(Sha256::digest(format!("k:{value}"))))
    }
    fn text(&self, text: &str) -> String {
        text.replace("+447911123456", "[pseudonym]")
    }
}

/// Issue 14, finding 2: the spam incident the v6 fixture holds (clear
/// number and address) is marked by migration 7 and rewritten once.
fn spam_incident_is_pseudonymised(s: &mut Store, loc: &Location) {
    let viewer = Viewer::member("someone");
    let hits = |s: &mut Store, v: &str| {
        s.incidents()
            .lookup(v, &viewer)
            .expect("lookup")
            .expect("valid")
            .incidents
            .iter()
            .map(|hit| hit.values.len())
            .sum::<usize>()
    };
    assert_eq!(hits(s, "+447911123456"), 2, "{loc}: before the rewrite");
    assert_eq!(hits(s, "fees@mail.example"), 1, "{loc}: before the rewrite");
    assert_eq!(
        s.spam()
            .pseudonymise_spam_incidents(&Pseudonyms)
            .expect("rewrite"),
        1
    );
    let l = s
        .incidents()
        .lookup("+447911123456", &viewer)
        .expect("lookup")
        .expect("valid");
    let keys: Vec<i64> = l.incidents.iter().map(|m| m.incident.key).collect();
    assert_eq!(
        keys,
        [3],
        "{loc}: only the spam report's incident is rewritten, not another reporter's that borrows its name"
    );
    assert_eq!(hits(s, "fees@mail.example"), 0, "{loc}");
    // The rewrite indexes the incident's words again: still found.
    let found = s
        .incidents()
        .search("smishing", &viewer, 0, 10)
        .expect("search");
    assert_eq!(
        found.items.iter().map(|i| i.key).collect::<Vec<_>>(),
        [2],
        "{loc}: the rewritten incident is found by its words"
    );
    let hex = Pseudonyms
        .observable(ObservableKind::PhoneNumber, "+447911123456")
        .expect("a pseudonym");
    assert_eq!(hits(s, &hex), 1, "{loc}: the pseudonym finds it");
    let l = s
        .incidents()
        .lookup("http://parcel.test/other", &viewer)
        .expect("lookup")
        .expect("valid");
    assert_eq!(l.total, 1, "{loc}: the URL stays and is found by domain");
    let inc = s
        .incidents()
        .incident(2, &viewer)
        .expect("read")
        .expect("readable");
    let values: Vec<&str> = inc
        .incident
        .observables
        .iter()
        .map(|o| o.observable.value())
        .collect();
    assert!(
        !values.iter().any(|v| v.contains("7911") || v.contains('@')),
        "{values:?}"
    );
    assert_eq!(
        s.spam()
            .pseudonymise_spam_incidents(&Pseudonyms)
            .expect("again"),
        0,
        "once"
    );
}

#[test]
fn a_newer_database_is_refused() {
    for loc in locations("newer") {
        let mut s = Store::open(&loc, Options::default()).expect("open");
        s.run_sql_for_tests("INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'from the future', 0)").expect("insert");
        drop(s);
        let err = Store::open(&loc, Options::default())
            .err()
            .expect("refused");
        assert!(
            err.to_string()
                .contains("newer than this c5hub understands"),
            "{err}"
        );
    }
}

/// A new SQLite store gets 16 KiB pages (cheaper random index inserts); a
/// database made with another page size keeps it, since SQLite cannot
/// change it in WAL mode, and still opens and stores.
#[test]
fn new_sqlite_stores_have_16k_pages_and_old_ones_keep_theirs() {
    let page_size = |dir: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open(dir.join("c5hub.sqlite")).expect("open file");
        conn.query_row("PRAGMA page_size", [], |r| r.get(0))
            .expect("page size")
    };
    let dir = std::env::temp_dir().join(format!("c5hub-page-size-{}", std::process::id()));
    let (new, old) = (dir.join("new"), dir.join("old"));
    let _ = std::fs::remove_dir_all(&dir);
    drop(Store::open(&Location::Sqlite(new.clone()), Options::default()).expect("new store"));
    assert_eq!(page_size(&new), 16384);

    std::fs::create_dir_all(&old).expect("old dir");
    {
        let conn = rusqlite::Connection::open(old.join("c5hub.sqlite")).expect("create");
        conn.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER); DROP TABLE t;")
            .expect("4 KiB database");
    }
    let mut s = Store::open(&Location::Sqlite(old.clone()), Options::default()).expect("opens");
    let mut m = Incident::new(GlobalId::new("bank.test", "P-1").expect("id"), Tlp::Green);
    m.add_observable(
        Observable::parse_ip("198.51.100.7").expect("ip"),
        ObservableRole::Source,
    );
    let outcome = s
        .incidents()
        .ingest(&[Submission {
            incident: &m,
            reporter: "bank.test",
            source: "test",
            shared_with: &[],
            recipients: &[],
        }])
        .expect("stores");
    assert!(matches!(outcome[..], [Outcome::New(_)]));
    let l = s
        .incidents()
        .lookup("198.51.100.7", &Viewer::member("peer"))
        .expect("lookup")
        .expect("valid");
    assert_eq!(l.incidents.len(), 1);
    drop(s);
    assert_eq!(page_size(&old), 4096);
    let _ = std::fs::remove_dir_all(&dir);
}
