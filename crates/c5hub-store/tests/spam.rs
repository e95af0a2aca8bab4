//! Spam reports and the two-step intake, on SQLite and PostgreSQL.

use c5hub_store::{Error, NewSpamReport, Options, Store, WarningList};
use c5hub_test_support::locations;
use chrono::DateTime;

fn report<'a>(id: &'a str, operator: &'a str, at: i64) -> NewSpamReport<'a> {
    NewSpamReport {
        id,
        operator,
        channel: "sms",
        text: "Your parcel is held, pay the fee at https://dhl-fee.top/pay",
        sender: Some("+447911123456"),
        recipient_hash: Some("hmac-sha256:00ff"),
        received_at: DateTime::from_timestamp(at - 60, 0),
        reported_at: DateTime::from_timestamp(at, 0).expect("valid"),
        verdict: "spam",
        label: Some("spam"),
        score: Some(0.987654),
        decided_by: Some("rule:parcel-fee"),
        smishing: true,
        campaign: Some("mh64b16:abc"),
    }
}

#[test]
fn reports_are_stored_once_and_read_per_operator() {
    for loc in locations("spam_reports") {
        let mut s = Store::open(
            &loc,
            Options {
                warning_list: WarningList::empty(),
            },
        )
        .expect("open");
        let (k1, new) = s
            .spam()
            .add_spam_report(&report("r1", "op-a", 1_714_557_600))
            .expect("store");
        assert!(new);
        let (again, new) = s
            .spam()
            .add_spam_report(&report("r1", "op-a", 1_714_557_600))
            .expect("store");
        assert_eq!((again, new), (k1, false), "{loc}: same report, same key");
        let (k2, _) = s
            .spam()
            .add_spam_report(&report("r1", "op-b", 1_714_557_700))
            .expect("store");
        assert_ne!(k1, k2, "another operator's report is another report");
        let got = s
            .spam()
            .spam_report(k1, Some("op-a"))
            .expect("read")
            .expect("own report");
        assert_eq!(got.operator, "op-a");
        assert_eq!(got.score, Some(0.987654));
        assert!(got.smishing);
        assert_eq!(got.decided_by.as_deref(), Some("rule:parcel-fee"));
        assert_eq!(
            s.spam().spam_report(k1, Some("op-b")).expect("read"),
            None,
            "{loc}: not op-b's"
        );
        assert_eq!(
            s.spam().spam_reports(None, None, 10).expect("list").len(),
            2
        );
        assert_eq!(
            s.spam()
                .spam_reports(Some("op-b"), None, 10)
                .expect("list")
                .len(),
            1
        );
        let since = DateTime::from_timestamp(1_714_557_650, 0);
        let later = s.spam().spam_reports(None, since, 10).expect("list");
        assert_eq!(later.iter().map(|r| r.key).collect::<Vec<_>>(), [k2]);
        let mut bad = report("r2", "op-a", 1);
        bad.score = Some(1.5);
        assert!(matches!(
            s.spam().add_spam_report(&bad),
            Err(Error::Invalid(_))
        ));
    }
}

#[test]
fn two_step_intake() {
    for loc in locations("spam_intake") {
        let mut s = Store::open(
            &loc,
            Options {
                warning_list: WarningList::empty(),
            },
        )
        .expect("open");
        let id = s
            .spam()
            .start_spam_intake(
                "op-a",
                Some("hmac-sha256:00ff"),
                "WIN a prize, call 09061234567",
            )
            .expect("step one");
        assert!(
            matches!(
                s.spam().complete_spam_intake(id, "op-b", "+447911123456"),
                Err(Error::NotFound(_))
            ),
            "{loc}: another operator cannot complete it"
        );
        let done = s
            .spam()
            .complete_spam_intake(id, "op-a", "+447911123456")
            .expect("step two");
        assert_eq!(done.text, "WIN a prize, call 09061234567");
        assert_eq!(done.recipient_hash.as_deref(), Some("hmac-sha256:00ff"));
        assert!(
            matches!(
                s.spam().complete_spam_intake(id, "op-a", "+447700900999"),
                Err(Error::Conflict(_))
            ),
            "{loc}: another sender for a completed intake"
        );
        let retried = s
            .spam()
            .complete_spam_intake(id, "op-a", "+447911123456")
            .expect("a retry before the acknowledgement");
        assert_eq!(retried, done, "{loc}: the same intake again");
        let (key, _) = s
            .spam()
            .add_spam_report(&report("r9", "op-a", 1_714_557_600))
            .expect("store");
        s.spam()
            .acknowledge_spam_intake(id, key)
            .expect("acknowledged");
        assert!(
            matches!(
                s.spam().complete_spam_intake(id, "op-a", "+447911123456"),
                Err(Error::Conflict(_))
            ),
            "{loc}: acknowledged intakes are closed"
        );
        let pending = s
            .spam()
            .start_spam_intake("op-a", None, "x")
            .expect("step one");
        assert!(
            s.spam().acknowledge_spam_intake(pending, key).is_err(),
            "only completed intakes"
        );
    }
}

#[test]
fn confirmed_verdicts_and_the_reports_state() {
    for loc in locations("spam_verdicts") {
        let mut s = Store::open(
            &loc,
            Options {
                warning_list: WarningList::empty(),
            },
        )
        .expect("open");
        assert_eq!(
            s.spam().spam_reports_state().expect("state"),
            (0, 0),
            "{loc}"
        );
        let (k, _) = s
            .spam()
            .add_spam_report(&report("r1", "op-a", 1_714_557_600))
            .expect("store");
        assert_eq!(s.spam().spam_reports_state().expect("state"), (1, k));
        let (k2, _) = s
            .spam()
            .add_spam_report(&report("r2", "op-b", 1_714_557_000))
            .expect("store");
        let keys =
            |rows: Vec<c5hub_store::SpamReportRow>| rows.iter().map(|r| r.key).collect::<Vec<_>>();
        assert_eq!(
            keys(s.spam().latest_spam_reports(None, None, 10).expect("page")),
            [k2, k],
            "{loc}: newest first"
        );
        assert_eq!(
            keys(
                s.spam()
                    .latest_spam_reports(None, Some(k2), 10)
                    .expect("page")
            ),
            [k]
        );
        assert_eq!(
            keys(
                s.spam()
                    .latest_spam_reports(Some("op-a"), None, 10)
                    .expect("page")
            ),
            [k]
        );
        assert_eq!(
            keys(s.spam().latest_spam_reports(None, None, 1).expect("page")),
            [k2]
        );
        assert_eq!(
            s.spam()
                .set_spam_verdict(k, Some("op-b"), "ham")
                .expect("update"),
            None,
            "{loc}: another operator's report is not found"
        );
        let got = s
            .spam()
            .set_spam_verdict(k, Some("op-a"), "ham")
            .expect("update")
            .expect("own report");
        assert_eq!(got.verdict, "ham");
        assert_eq!(
            got.label.as_deref(),
            Some("spam"),
            "the filter's label stays"
        );
        assert!(matches!(
            s.spam().set_spam_verdict(k, None, "maybe"),
            Err(Error::Invalid(_))
        ));
        assert_eq!(
            s.spam()
                .spam_report(k, None)
                .expect("read")
                .expect("kept")
                .verdict,
            "ham"
        );
    }
}

/// The same report sent twice at once (a client retrying before its first
/// answer) is stored once, and both callers get its key.
#[test]
fn concurrent_duplicates_get_one_key() {
    for loc in locations("spam_concurrent") {
        let open = || {
            Store::open(
                &loc,
                Options {
                    warning_list: WarningList::empty(),
                },
            )
            .expect("open")
        };
        drop(open());
        let label = loc.to_string();
        let label = &label;
        let barrier = std::sync::Barrier::new(4);
        let results: Vec<Vec<(i64, bool)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let barrier = &barrier;
                    let mut s = open();
                    scope.spawn(move || {
                        barrier.wait();
                        (0..20)
                            .map(|i| {
                                let id = format!("dup{i}");
                                s.spam()
                                    .add_spam_report(&report(&id, "op-a", 1_714_557_600))
                                    .unwrap_or_else(|e| panic!("{label}: {id}: {e}"))
                            })
                            .collect()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("thread"))
                .collect()
        });
        for i in 0..20 {
            let got: Vec<(i64, bool)> = results.iter().map(|r| r[i]).collect();
            let keys: std::collections::BTreeSet<i64> = got.iter().map(|g| g.0).collect();
            assert_eq!(
                keys.len(),
                1,
                "{loc}: dup{i}: one key for all callers: {got:?}"
            );
            assert_eq!(
                got.iter().filter(|g| g.1).count(),
                1,
                "{loc}: dup{i}: exactly one caller stored it: {got:?}"
            );
        }
    }
}
