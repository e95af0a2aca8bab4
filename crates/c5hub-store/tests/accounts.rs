//! Accounts (organisations, users, tokens, sessions, audit log) and
//! workflow (assignment, comments, dashboard statistics), on every
//! configured backend.

use c5hub_test_support::locations;

use c5hub_model::{GlobalId, Incident, OrgKind, Role, Tlp, Viewer};
use c5hub_store::{Error, IncidentFilter, Location, Options, Store, Submission, WarningList};
use chrono::{Duration, Utc};
use rand::{Rng, SeedableRng};

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .unwrap_or_else(|e| panic!("{loc}: {e}"))
}

#[test]
fn orgs_users_and_passwords() {
    for loc in locations("accounts") {
        let mut s = open(&loc);
        s.accounts()
            .add_org("bank-csirt", OrgKind::SectorCirt)
            .expect("add org");
        assert!(matches!(
            s.accounts().add_org("bank-csirt", OrgKind::Operator),
            Err(Error::Conflict(_))
        ));
        assert!(matches!(
            s.accounts().add_org("bad name", OrgKind::Operator),
            Err(Error::Invalid(_))
        ));
        assert!(matches!(
            s.accounts()
                .add_user("a@bank.test", "nowhere", Role::Analyst, None),
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            s.accounts()
                .add_user("a@bank.test", "bank-csirt", Role::Analyst, Some("short")),
            Err(Error::Invalid(_))
        ));
        let u = s
            .accounts()
            .add_user(
                "Ana@Bank.test",
                "bank-csirt",
                Role::Analyst,
                Some("correct horse battery"),
            )
            .expect("add user");
        assert_eq!(u.email, "ana@bank.test");
        assert!(u.has_password);
        let p = s
            .accounts()
            .check_password("ana@bank.test", "correct horse battery")
            .expect("check")
            .expect("right password");
        assert_eq!(
            (p.org.as_str(), p.role, p.name.as_str()),
            ("bank-csirt", Role::Analyst, "ana@bank.test")
        );
        assert!(
            s.accounts()
                .check_password("ana@bank.test", "wrong horse battery")
                .expect("check")
                .is_none()
        );
        assert!(
            s.accounts()
                .check_password("nobody@bank.test", "correct horse battery")
                .expect("check")
                .is_none()
        );
        // Stored hashed: the password appears nowhere in the table.
        let users = s.accounts().users().expect("users");
        assert_eq!(users.len(), 1);
        s.accounts()
            .set_user_disabled("ana@bank.test", true)
            .expect("disable");
        assert!(
            s.accounts()
                .check_password("ana@bank.test", "correct horse battery")
                .expect("check")
                .is_none()
        );
        assert_eq!(s.accounts().orgs().expect("orgs").len(), 1);
    }
}

#[test]
fn tokens_are_hashed_revocable_and_expire() {
    for loc in locations("tokens") {
        let mut s = open(&loc);
        s.accounts()
            .add_org("telco-a", OrgKind::Operator)
            .expect("org");
        let (info, secret) = s
            .accounts()
            .create_token(
                "telco-a",
                Role::Reporter,
                None,
                Some("sms firewall"),
                None,
                None,
            )
            .expect("token");
        assert!(secret.len() >= 32, "at least 128 bits");
        let p = s
            .accounts()
            .authenticate_token(&secret)
            .expect("auth")
            .expect("valid");
        assert_eq!((p.org.as_str(), p.role), ("telco-a", Role::Reporter));
        assert_eq!(p.name, format!("token:{}", info.id));
        assert!(
            s.accounts()
                .authenticate_token("c5h_wrong")
                .expect("auth")
                .is_none()
        );
        // Only a digest is stored: no column holds the secret.
        if let Location::Sqlite(dir) = &loc {
            let raw = std::fs::read(dir.join("c5hub.sqlite")).expect("db file");
            let wal = std::fs::read(dir.join("c5hub.sqlite-wal")).unwrap_or_default();
            let needle = secret.as_bytes();
            for bytes in [&raw, &wal] {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "secret stored in clear"
                );
            }
        }
        assert!(s.accounts().revoke_token(info.id).expect("revoke"));
        assert!(!s.accounts().revoke_token(info.id).expect("revoke twice"));
        assert!(
            s.accounts()
                .authenticate_token(&secret)
                .expect("auth")
                .is_none()
        );

        let past = Utc::now() - Duration::minutes(1);
        let (_, expired) = s
            .accounts()
            .create_token("telco-a", Role::Viewer, None, None, Some(past), None)
            .expect("token");
        assert!(
            s.accounts()
                .authenticate_token(&expired)
                .expect("auth")
                .is_none()
        );

        assert!(matches!(
            s.accounts()
                .create_token("telco-a", Role::Admin, None, None, None, Some("too-short")),
            Err(Error::Invalid(_))
        ));
        let chosen = "0123456789abcdef0123456789abcdef";
        s.accounts()
            .create_token("telco-a", Role::Admin, None, None, None, Some(chosen))
            .expect("chosen");
        assert!(s.accounts().token_exists(chosen).expect("exists"));
        assert_eq!(s.accounts().tokens(Some("telco-a")).expect("list").len(), 3);
    }
}

#[test]
fn sessions_end_on_logout_and_disable() {
    for loc in locations("sessions") {
        let mut s = open(&loc);
        s.accounts()
            .add_org("reg", OrgKind::Regulator)
            .expect("org");
        let u = s
            .accounts()
            .add_user("r@reg.test", "reg", Role::Viewer, Some("a long passphrase"))
            .expect("user");
        let (secret, session) = s
            .accounts()
            .create_session(u.id, None, Duration::hours(8))
            .expect("session");
        assert_eq!(
            s.accounts().session(&secret).expect("read").expect("live"),
            session
        );
        assert!(session.csrf.len() >= 32);
        s.accounts().end_session(&secret).expect("logout");
        assert!(s.accounts().session(&secret).expect("read").is_none());
        let (secret, _) = s
            .accounts()
            .create_session(u.id, None, Duration::hours(8))
            .expect("session");
        s.accounts()
            .set_user_disabled("r@reg.test", true)
            .expect("disable");
        assert!(s.accounts().session(&secret).expect("read").is_none());
    }
}

#[test]
fn audit_log_pages_newest_first() {
    for loc in locations("audit") {
        let mut s = open(&loc);
        for i in 0..5 {
            s.accounts()
                .audit(
                    "admin",
                    Some("hub"),
                    "org.add",
                    Some(&format!("org:o{i}")),
                    None,
                )
                .expect("audit");
        }
        let first = s.accounts().audit_log(None, 3).expect("log");
        assert_eq!(first.len(), 3);
        assert_eq!(first[0].target.as_deref(), Some("org:o4"));
        let rest = s.accounts().audit_log(Some(first[2].id), 10).expect("log");
        assert_eq!(rest.len(), 2);
        assert_eq!(rest[1].target.as_deref(), Some("org:o0"));
    }
}

fn submit(
    s: &mut Store,
    id: &str,
    tlp: Tlp,
    reporter: &str,
    shared: &[String],
    recipients: &[String],
) -> i64 {
    let m = Incident::new(GlobalId::new("t.test", id).expect("id"), tlp);
    s.incidents()
        .ingest(&[Submission {
            incident: &m,
            reporter,
            source: "test",
            shared_with: shared,
            recipients,
        }])
        .expect("ingest")[0]
        .key()
}

#[test]
fn comments_and_assignment_follow_tlp() {
    for loc in locations("comments") {
        let mut s = open(&loc);
        let key = submit(&mut s, "S-1", Tlp::AmberStrict, "bank", &[], &[]);
        assert!(
            s.workflow()
                .add_comment(key, "eve@other", "other", "let me in")
                .expect("comment")
                .is_none()
        );
        let c = s
            .workflow()
            .add_comment(key, "ana@bank", "bank", "  looking  ")
            .expect("comment")
            .expect("own");
        assert_eq!(c.body, "looking");
        assert!(matches!(
            s.workflow().add_comment(key, "ana@bank", "bank", " "),
            Err(Error::Invalid(_))
        ));
        assert!(
            s.workflow()
                .comments(key, &Viewer::member("other"))
                .expect("read")
                .is_none()
        );
        assert_eq!(
            s.workflow()
                .comments(key, &Viewer::member("bank"))
                .expect("read")
                .expect("own")
                .len(),
            1
        );
        assert!(
            s.workflow()
                .set_assignee(key, Some("ana@bank"), "lead@bank")
                .expect("assign")
        );
        assert!(
            !s.workflow()
                .set_assignee(9_999, Some("x"), "lead@bank")
                .expect("missing")
        );
        let (now, hist) = s
            .workflow()
            .assignments(key, &Viewer::member("bank"))
            .expect("read")
            .expect("own");
        assert_eq!(now.as_deref(), Some("ana@bank"));
        assert_eq!(hist.len(), 1);
        assert!(
            s.workflow()
                .assignments(key, &Viewer::member("other"))
                .expect("read")
                .is_none()
        );
    }
}

/// The dashboard counts in SQL; listing checks each incident with
/// `Viewer::can_read`. Over random incidents and sharing lists, the two
/// must agree for every viewer.
#[test]
fn stats_count_exactly_what_each_viewer_may_read() {
    let orgs = ["a", "b", "c", "d"];
    for loc in locations("stats") {
        let mut s = open(&loc);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for i in 0..120 {
            let tlp = Tlp::ALL[rng.gen_range(0..5)];
            let reporter = orgs[rng.gen_range(0..orgs.len())];
            let pick = |rng: &mut rand_chacha::ChaCha8Rng| -> Vec<String> {
                orgs.iter()
                    .filter(|_| rng.gen_bool(0.3))
                    .map(|o| (*o).to_owned())
                    .collect()
            };
            let shared = pick(&mut rng);
            let recipients = pick(&mut rng);
            submit(
                &mut s,
                &format!("R-{i}"),
                tlp,
                reporter,
                &shared,
                &recipients,
            );
        }
        let mut viewers: Vec<Viewer> = orgs.iter().map(|o| Viewer::member(*o)).collect();
        viewers.push(Viewer::member("outsider"));
        viewers.push(Viewer::Anonymous {
            public_access: true,
        });
        viewers.push(Viewer::Anonymous {
            public_access: false,
        });
        for v in &viewers {
            let listed = s
                .incidents()
                .list(&IncidentFilter::default(), v)
                .expect("list");
            let stats = s.incidents().stats(v, 30).expect("stats");
            assert_eq!(stats.total, listed.len() as i64, "{loc}: {v:?}");
            for (tlp, n) in &stats.by_tlp {
                let want = listed.iter().filter(|i| i.tlp == *tlp).count() as i64;
                assert_eq!(*n, want, "{loc}: {v:?} {tlp:?}");
            }
            let today: i64 = stats.daily.last().map_or(0, |d| d.1);
            assert_eq!(
                today, stats.total,
                "{loc}: all stored today: {:?}",
                stats.daily
            );
            assert_eq!(stats.daily.len(), 30);
        }
    }
}

#[test]
fn roles_change_the_operator_is_recorded_and_the_store_counts_itself() {
    for loc in locations("accounts-operator") {
        let mut s = open(&loc);
        assert_eq!(s.accounts().operator().expect("operator"), None, "{loc}");
        assert!(matches!(
            s.accounts().set_operator("nowhere"),
            Err(Error::NotFound(_))
        ));
        s.accounts()
            .add_org("hub", OrgKind::NationalCirt)
            .expect("org");
        s.accounts()
            .add_org("bank", OrgKind::SectorCirt)
            .expect("org");
        s.accounts().set_operator("hub").expect("set");
        s.accounts().set_operator("bank").expect("set again");
        assert_eq!(
            s.accounts().operator().expect("operator").as_deref(),
            Some("bank"),
            "{loc}"
        );
        s.accounts()
            .add_user(
                "a@bank.test",
                "bank",
                Role::Admin,
                Some("correct horse battery"),
            )
            .expect("user");
        s.accounts()
            .set_user_role("A@bank.test", Role::Viewer)
            .expect("role");
        let u = s
            .accounts()
            .user("a@bank.test")
            .expect("read")
            .expect("user");
        assert_eq!(u.role, Role::Viewer, "{loc}");
        let p = s
            .accounts()
            .check_password("a@bank.test", "correct horse battery")
            .expect("check")
            .expect("logs in");
        assert_eq!(p.role, Role::Viewer, "{loc}");
        assert!(matches!(
            s.accounts().set_user_role("b@bank.test", Role::Viewer),
            Err(Error::NotFound(_))
        ));
        let c = s.accounts().census().expect("census");
        assert_eq!((c.orgs, c.users, c.incidents), (2, 1, 0), "{loc}");
    }
}
