//! Notifications on both backends: a batch and the cursor that follows it
//! are stored together, a (user, dedup) is stored once, listings put
//! unread first, marks are per user, preferences are kept per event.

use c5hub_test_support::locations;

use c5hub_model::{GlobalId, Incident, Tlp};
use c5hub_store::{
    AttemptOutcome, Location, NewDelivery, NewNotification, NotifyPref, Options, Store, Submission,
    WarningList,
};

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .unwrap_or_else(|e| panic!("{loc}: {e}"))
}

fn put(s: &mut Store, reporter: &str, id: &str) -> i64 {
    let m = Incident::new(GlobalId::new(reporter, id).expect("id"), Tlp::Green);
    s.incidents()
        .ingest(&[Submission {
            incident: &m,
            reporter,
            source: "test",
            shared_with: &[],
            recipients: &[],
        }])
        .expect("ingest")[0]
        .key()
}

fn note(user: &str, dedup: &str, incident: i64, seq: i64) -> NewNotification {
    NewNotification {
        user: user.to_owned(),
        event: "shared".to_owned(),
        dedup: dedup.to_owned(),
        incident,
        seq,
        summary: format!("about {incident}"),
    }
}

#[test]
fn notifications_cursor_and_marks() {
    for loc in locations("notify") {
        let mut s = open(&loc);
        assert_eq!(s.notifications().cursor().expect("cursor"), 0, "{loc}");
        let a = put(&mut s, "bank", "A");
        let b = put(&mut s, "bank", "B");
        let changes = s.notifications().changes_after(0, 10).expect("changes");
        assert_eq!(changes.len(), 2, "{loc}");
        let last = changes[1].seq;
        let n = s
            .notifications()
            .deliver(
                &[
                    note("ann@peer", "shared:a", a, changes[0].seq),
                    note("ann@peer", "shared:b", b, last),
                    note("bob@peer", "shared:a", a, changes[0].seq),
                ],
                last,
            )
            .expect("deliver");
        assert_eq!(n, 3, "{loc}");
        assert_eq!(s.notifications().cursor().expect("cursor"), last, "{loc}");
        assert!(
            s.notifications()
                .changes_after(last, 10)
                .expect("changes")
                .is_empty()
        );
        // The same (user, dedup) again is not stored twice, and the
        // cursor never moves back.
        let again = s
            .notifications()
            .deliver(&[note("ann@peer", "shared:a", a, changes[0].seq)], 1)
            .expect("deliver");
        assert_eq!(again, 0, "{loc}");
        assert_eq!(s.notifications().cursor().expect("cursor"), last, "{loc}");

        assert_eq!(s.notifications().unread("ann@peer").expect("unread"), 2);
        let list = s.notifications().list("ann@peer", 10).expect("list");
        assert_eq!(list.len(), 2, "{loc}");
        assert_eq!(list[0].incident, b, "{loc}: newest first");
        // Bob cannot mark Ann's.
        assert!(
            !s.notifications()
                .mark_read("bob@peer", list[1].id)
                .expect("mark")
        );
        assert!(
            s.notifications()
                .mark_read("ann@peer", list[1].id)
                .expect("mark")
        );
        let list = s.notifications().list("ann@peer", 10).expect("list");
        assert_eq!(list[0].incident, b, "{loc}: unread first");
        assert!(
            list[0].read_at.is_none() && list[1].read_at.is_some(),
            "{loc}"
        );
        assert_eq!(s.notifications().unread("ann@peer").expect("unread"), 1);
        assert_eq!(s.notifications().mark_all_read("ann@peer").expect("all"), 1);
        assert_eq!(s.notifications().unread("ann@peer").expect("unread"), 0);
        assert_eq!(s.notifications().unread("bob@peer").expect("unread"), 1);

        let p = NotifyPref {
            event: "assigned".to_owned(),
            in_app: false,
            email: true,
        };
        s.notifications().set_pref("ann@peer", &p).expect("pref");
        let p2 = NotifyPref {
            in_app: true,
            ..p.clone()
        };
        s.notifications().set_pref("ann@peer", &p2).expect("pref");
        assert_eq!(
            s.notifications().prefs("ann@peer").expect("prefs"),
            vec![p2]
        );
        assert!(
            s.notifications()
                .prefs("bob@peer")
                .expect("prefs")
                .is_empty()
        );
    }
}

#[test]
fn an_existing_store_starts_the_notifier_at_its_newest_change() {
    for loc in locations("notify_migrate") {
        let mut s = Store::open_at_version(
            &loc,
            Options {
                warning_list: WarningList::empty(),
            },
            11,
        )
        .unwrap_or_else(|e| panic!("{loc}: {e}"));
        // Data as schema 11 wrote it (this build's ingest writes what the
        // newest schema holds): an incident and its change rows.
        s.run_sql_for_tests(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/test-data/migrations/v11.sql"
            ))
            .expect("the v11 fixture"),
        )
        .unwrap_or_else(|e| panic!("{loc}: {e}"));
        s.run_sql_for_tests("INSERT INTO changes (at, kind, incident, version) VALUES (1700000000001, 'status', 1, 1)")
            .unwrap_or_else(|e| panic!("{loc}: {e}"));
        drop(s);
        let mut s = open(&loc);
        let newest = s
            .notifications()
            .changes_after(0, 10)
            .expect("changes")
            .last()
            .map(|c| c.seq)
            .expect("two changes");
        assert_eq!(s.notifications().cursor().expect("cursor"), newest, "{loc}");
    }
}

#[test]
fn the_delivery_log_says_what_each_attempt_came_to() {
    for loc in locations("notify_outcome") {
        let mut s = open(&loc);
        let a = put(&mut s, "bank", "A");
        let b = put(&mut s, "bank", "B");
        let c = put(&mut s, "bank", "C");
        let seq = s
            .notifications()
            .changes_after(0, 10)
            .expect("changes")
            .last()
            .map(|c| c.seq)
            .expect("three changes");
        let hook = s
            .notifications()
            .add_webhook(
                "peer",
                "http://127.0.0.1:1/x",
                "secret",
                &["shared".to_owned()],
            )
            .expect("webhook")
            .id;
        let queued: Vec<NewDelivery> = [("a", a), ("b", b), ("c", c)]
            .into_iter()
            .map(|(d, incident)| NewDelivery {
                webhook: hook,
                dedup: format!("shared:{d}"),
                event: "shared".to_owned(),
                incident,
                seq,
                summary: format!("about {d}"),
            })
            .collect();
        s.notifications()
            .deliver_all(&[], &queued, &[], seq)
            .expect("queue");
        let due = s.notifications().due_deliveries(i64::MAX, 10).expect("due");
        let id = |incident: i64| {
            due.iter()
                .find(|d| d.incident == incident)
                .map(|d| d.id)
                .expect("queued")
        };
        let (da, db, dc) = (id(a), id(b), id(c));
        let mut n = s.notifications();
        // A fails, then is delivered; B fails twice, the second time for
        // good; C has failed once and waits for its retry.
        n.record_attempt(
            da,
            1,
            Some(500),
            Some("answered 500"),
            AttemptOutcome::RetryAt(0),
        )
        .expect("a 1");
        n.record_attempt(da, 2, Some(204), None, AttemptOutcome::Delivered)
            .expect("a 2");
        n.record_attempt(db, 1, None, Some("refused"), AttemptOutcome::RetryAt(0))
            .expect("b 1");
        n.record_attempt(db, 2, None, Some("refused"), AttemptOutcome::GaveUp)
            .expect("b 2");
        n.record_attempt(
            dc,
            1,
            Some(502),
            Some("answered 502"),
            AttemptOutcome::RetryAt(i64::MAX),
        )
        .expect("c 1");
        let log: Vec<(i64, i64, String)> = n
            .attempts(hook, 10)
            .expect("log")
            .into_iter()
            .map(|x| (x.delivery, x.attempt, x.outcome))
            .collect();
        let want = |d: i64, attempt: i64, o: &str| (d, attempt, o.to_owned());
        assert_eq!(
            log,
            vec![
                want(dc, 1, "failed"),
                want(db, 2, "gave_up"),
                want(db, 1, "failed"),
                want(da, 2, "delivered"),
                want(da, 1, "failed"),
            ],
            "{loc}"
        );
    }
}
