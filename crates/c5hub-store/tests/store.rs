//! The store suite: every check runs against a real SQLite file and, when
//! `C5HUB_TEST_DATABASE_URL` names a PostgreSQL server (a libpq conninfo
//! such as `host=/var/run/postgresql user=postgres`), against PostgreSQL in
//! a database of its own. Without it the PostgreSQL half is skipped with a
//! message, except in CI (`CI` set), where that is a failure.

use c5hub_test_support::locations;

use c5hub_model::{
    Contact, DocumentFormat, GlobalId, Incident, IncidentStatus, Observable, ObservableRole,
    OriginalDocument, RsitClass, Tlp, Viewer,
};
use c5hub_store::{
    IncidentFilter, Location, LookupPage, MatchKind, Options, Outcome,
    RELATED_MAX_MATCHES_PER_VALUE, Store, Submission, WarningList,
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

fn incident(
    name: &str,
    id: &str,
    tlp: Tlp,
    values: &[(&str, ObservableRole)],
    doc: &str,
) -> Incident {
    let mut m = Incident::new(GlobalId::new(name, id).expect("valid id"), tlp);
    m.classification = RsitClass::lookup("fraud", "phishing");
    m.title = Some(format!("incident {id}"));
    m.description = Some(format!("about {id}"));
    m.contacts.push(Contact {
        name: Some("CSIRT".into()),
        email: Some("csirt@bank.test".into()),
        role: "creator".into(),
    });
    for (v, role) in values {
        m.add_observable(Observable::guess(v).expect("valid observable"), *role);
    }
    m.original = Some(OriginalDocument::new(
        DocumentFormat::IodefXml,
        doc.as_bytes().to_vec(),
    ));
    m
}

fn submit(store: &mut Store, m: &Incident, reporter: &str) -> Outcome {
    store
        .incidents()
        .ingest(&[Submission {
            incident: m,
            reporter,
            source: "test",
            shared_with: &[],
            recipients: &[],
        }])
        .expect("ingest")[0]
}

#[test]
fn versions_duplicates_and_reads() {
    for loc in locations("versions") {
        let mut s = open(&loc);
        assert_eq!(
            s.schema_version().expect("version"),
            Store::latest_schema_version()
        );
        let a = incident(
            "bank.test",
            "A-1",
            Tlp::Green,
            &[("203.0.114.5", ObservableRole::Source)],
            "<a>1</a>",
        );
        let k = match submit(&mut s, &a, "bank") {
            Outcome::New(k) => k,
            o => panic!("{loc}: {o:?}"),
        };
        assert_eq!(
            submit(&mut s, &a, "bank"),
            Outcome::Duplicate(k),
            "{loc}: same bytes twice"
        );
        let a2 = incident(
            "bank.test",
            "A-1",
            Tlp::Green,
            &[("203.0.114.6", ObservableRole::Source)],
            "<a>2</a>",
        );
        assert_eq!(
            submit(&mut s, &a2, "bank"),
            Outcome::NewVersion { key: k, version: 2 },
            "{loc}"
        );
        // Another reporter with the same IncidentID is another incident.
        assert!(
            matches!(submit(&mut s, &a2, "telco"), Outcome::New(k2) if k2 != k),
            "{loc}"
        );
        let got = s
            .incidents()
            .incident(k, &Viewer::member("bank"))
            .expect("read")
            .expect("visible");
        assert_eq!(got.version, 2);
        assert_eq!(
            got.incident.observables.len(),
            1,
            "{loc}: postings follow the current version"
        );
        assert_eq!(
            got.incident.observables[0].observable.value(),
            "203.0.114.6"
        );
        assert_eq!(
            got.incident.original.as_ref().map(|d| d.bytes.as_slice()),
            Some(&b"<a>2</a>"[..])
        );
        assert_eq!(got.incident.classification, a.classification);
        assert_eq!(got.incident.contacts, a.contacts);
        assert_eq!(
            s.incidents().counts().expect("counts"),
            (2, 2, 2),
            "{loc}: incidents, distinct values, postings"
        );
    }
}

#[test]
fn correlation_exact_prefix_and_domain() {
    for loc in locations("correlation") {
        let mut s = open(&loc);
        let a = incident(
            "bank.test",
            "A",
            Tlp::Green,
            &[
                ("203.0.114.5", ObservableRole::Source),
                ("evil.test", ObservableRole::Indicator),
            ],
            "a",
        );
        let b = incident(
            "telco.test",
            "B",
            Tlp::Green,
            &[
                ("203.0.114.0/24", ObservableRole::Source),
                ("http://login.evil.test/x", ObservableRole::Url),
                ("http://evil.test/pay", ObservableRole::Url),
            ],
            "b",
        );
        let c = incident(
            "isp.test",
            "C",
            Tlp::Green,
            &[("2001:db9::7", ObservableRole::Target)],
            "c",
        );
        let d = incident(
            "isp.test",
            "D",
            Tlp::Green,
            &[
                ("2001:db9::/32", ObservableRole::Target),
                ("phish@evil.test", ObservableRole::Sender),
            ],
            "d",
        );
        let ka = submit(&mut s, &a, "bank").key();
        let kb = submit(&mut s, &b, "telco").key();
        let kc = submit(&mut s, &c, "isp").key();
        let kd = submit(&mut s, &d, "isp").key();
        // RED: its reporter's alone, in no one else's sub-domain matches.
        let e = incident(
            "isp.test",
            "E",
            Tlp::Red,
            &[("deep.login.evil.test", ObservableRole::Indicator)],
            "e",
        );
        let ke = submit(&mut s, &e, "isp").key();
        let v = Viewer::member("peer");
        let hits = |s: &mut Store, q: &str| -> Vec<(i64, String, &'static str)> {
            let l = s
                .incidents()
                .lookup(q, &v)
                .expect("lookup")
                .expect("valid value");
            let mut h: Vec<_> = l
                .incidents
                .iter()
                .flat_map(|hit| {
                    hit.values.iter().map(|m| {
                        (
                            hit.incident.key,
                            m.observable.value().to_owned(),
                            m.how.as_str(),
                        )
                    })
                })
                .collect();
            h.sort();
            h
        };
        assert_eq!(
            hits(&mut s, "203.0.114.5"),
            vec![
                (ka, "203.0.114.5".into(), "exact"),
                (kb, "203.0.114.0/24".into(), "in-prefix")
            ],
            "{loc}"
        );
        assert_eq!(
            hits(&mut s, "203.0.114.0/24"),
            vec![
                (ka, "203.0.114.5".into(), "contains"),
                (kb, "203.0.114.0/24".into(), "exact")
            ],
            "{loc}"
        );
        assert_eq!(
            hits(&mut s, "203.0.0.0/16"),
            vec![
                (ka, "203.0.114.5".into(), "contains"),
                (kb, "203.0.114.0/24".into(), "contains")
            ],
            "{loc}"
        );
        assert_eq!(
            hits(&mut s, "2001:db9::7"),
            vec![
                (kc, "2001:db9::7".into(), "exact"),
                (kd, "2001:db9::/32".into(), "in-prefix")
            ],
            "{loc}"
        );
        assert_eq!(
            hits(&mut s, "evil.test"),
            vec![
                (ka, "evil.test".into(), "exact"),
                (kb, "http://evil.test/pay".into(), "same-domain"),
                (kb, "http://login.evil.test/x".into(), "sub-domain"),
                (kd, "phish@evil.test".into(), "same-domain"),
            ],
            "{loc}: domain, URL host, email domain, a URL on a sub-domain"
        );
        let l = s
            .incidents()
            .lookup("evil.test", &v)
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            (l.total, l.incidents.len(), l.incidents[1].values.len()),
            (3, 3, 2),
            "{loc}: three incidents, B once with both of its values"
        );
        // A sub-domain does not find its parent, nor a URL on another
        // host; a name that only ends alike is no sub-domain.
        assert_eq!(
            hits(&mut s, "login.evil.test"),
            vec![(kb, "http://login.evil.test/x".into(), "same-domain")],
            "{loc}"
        );
        assert!(hits(&mut s, "vil.test").is_empty(), "{loc}");
        let own = s
            .incidents()
            .lookup("evil.test", &Viewer::member("isp"))
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            own.incidents
                .first()
                .map(|h| (h.incident.key, h.values[0].how.as_str())),
            Some((ke, "sub-domain")),
            "{loc}: the reporter finds its RED incident"
        );
        assert!(
            hits(&mut s, "http://www.evil.test/").is_empty(),
            "{loc}: a URL names one host"
        );
        assert!(hits(&mut s, "198.18.0.1").is_empty());
        // related() groups by incident, most shared first.
        let rel = s
            .incidents()
            .related(ka, &v)
            .expect("related")
            .expect("visible");
        let keys: Vec<i64> = rel.iter().map(|r| r.incident.key).collect();
        assert_eq!(keys, vec![kb, kd], "{loc}");
        assert!(
            rel[0]
                .shared
                .iter()
                .any(|(_, o, how)| o.value() == "203.0.114.0/24"
                    && *how == MatchKind::InStoredPrefix)
        );
        // Sightings count visible postings.
        let l = s
            .incidents()
            .lookup("203.0.114.5", &v)
            .expect("lookup")
            .expect("valid");
        assert_eq!(l.sightings.iter().map(|x| x.count).sum::<i64>(), 2);
    }
}

#[test]
fn warning_list_values_never_correlate() {
    for loc in locations("warning") {
        let mut s = Store::open(
            &loc,
            Options {
                warning_list: WarningList::builtin(),
            },
        )
        .expect("open");
        let a = incident(
            "bank.test",
            "A",
            Tlp::Green,
            &[
                ("8.8.8.8", ObservableRole::Target),
                ("203.0.114.9", ObservableRole::Source),
            ],
            "a",
        );
        let b = incident(
            "telco.test",
            "B",
            Tlp::Green,
            &[("8.8.8.8", ObservableRole::Target)],
            "b",
        );
        let ka = submit(&mut s, &a, "bank").key();
        submit(&mut s, &b, "telco");
        let v = Viewer::member("peer");
        let rel = s
            .incidents()
            .related(ka, &v)
            .expect("related")
            .expect("visible");
        assert!(
            rel.is_empty(),
            "{loc}: linked on a public resolver: {rel:?}"
        );
        let l = s
            .incidents()
            .lookup("8.8.8.8", &v)
            .expect("lookup")
            .expect("valid");
        assert_eq!(l.warning.as_deref(), Some("public resolver (Google)"));
        assert_eq!(l.incidents.len(), 2, "lookup still answers, flagged");
    }
}

#[test]
fn tlp_hides_incidents_and_their_counts() {
    for loc in locations("tlp") {
        let mut s = open(&loc);
        let ip = [("203.0.114.77", ObservableRole::Source)];
        let green = submit(
            &mut s,
            &incident("a.test", "G", Tlp::Green, &ip, "g"),
            "bank",
        )
        .key();
        let strict = submit(
            &mut s,
            &incident("a.test", "S", Tlp::AmberStrict, &ip, "s"),
            "bank",
        )
        .key();
        let amber_m = incident("a.test", "M", Tlp::Amber, &ip, "m");
        let shared = vec!["telco".to_owned()];
        let amber = s
            .incidents()
            .ingest(&[Submission {
                incident: &amber_m,
                reporter: "bank",
                source: "t",
                shared_with: &shared,
                recipients: &[],
            }])
            .expect("ingest")[0]
            .key();
        let red_m = incident("a.test", "R", Tlp::Red, &ip, "r");
        let rcpt = vec!["regulator".to_owned()];
        let red = s
            .incidents()
            .ingest(&[Submission {
                incident: &red_m,
                reporter: "bank",
                source: "t",
                shared_with: &[],
                recipients: &rcpt,
            }])
            .expect("ingest")[0]
            .key();
        let seen = |s: &mut Store, v: &Viewer| -> Vec<i64> {
            let mut k: Vec<i64> = s
                .incidents()
                .lookup("203.0.114.77", v)
                .expect("lookup")
                .expect("valid")
                .incidents
                .iter()
                .map(|m| m.incident.key)
                .collect();
            k.sort();
            k
        };
        let mut all = vec![green, strict, amber, red];
        all.sort();
        assert_eq!(
            seen(&mut s, &Viewer::member("bank")),
            all,
            "{loc}: reporter sees all"
        );
        assert_eq!(
            seen(&mut s, &Viewer::member("telco")),
            vec![green, amber],
            "{loc}"
        );
        assert_eq!(
            seen(&mut s, &Viewer::member("regulator")),
            vec![green, red],
            "{loc}"
        );
        assert_eq!(seen(&mut s, &Viewer::member("other")), vec![green], "{loc}");
        assert_eq!(
            seen(
                &mut s,
                &Viewer::Anonymous {
                    public_access: true
                }
            ),
            Vec::<i64>::new(),
            "{loc}"
        );
        let l = s
            .incidents()
            .lookup("203.0.114.77", &Viewer::member("other"))
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            l.sightings.iter().map(|x| x.count).sum::<i64>(),
            1,
            "{loc}: counts hide what cannot be read"
        );
        assert!(
            s.incidents()
                .incident(strict, &Viewer::member("telco"))
                .expect("read")
                .is_none()
        );
        assert!(
            s.workflow()
                .history(strict, &Viewer::member("telco"))
                .expect("read")
                .is_none()
        );
        let listed: Vec<i64> = s
            .incidents()
            .list(&IncidentFilter::default(), &Viewer::member("telco"))
            .expect("list")
            .iter()
            .map(|x| x.key)
            .collect();
        assert_eq!(
            listed,
            vec![amber, green],
            "{loc}: newest first, readable only"
        );
        let rel = s
            .incidents()
            .related(green, &Viewer::member("other"))
            .expect("related")
            .expect("visible");
        assert!(rel.is_empty(), "{loc}: related reveals nothing hidden");
    }
}

/// Domain matches come from their own index (domain_postings), which
/// holds each match's TLP and reporter: it must hide what the viewer may
/// not read, and follow new versions (values dropped, TLP changed).
#[test]
fn domain_matches_follow_tlp_and_new_versions() {
    for loc in locations("domaintlp") {
        let mut s = open(&loc);
        let green = submit(
            &mut s,
            &incident(
                "a.test",
                "G",
                Tlp::Green,
                &[("http://evil.test/a", ObservableRole::Url)],
                "g1",
            ),
            "bank",
        )
        .key();
        let amber_m = incident(
            "a.test",
            "A",
            Tlp::Amber,
            &[("http://evil.test/b", ObservableRole::Url)],
            "a1",
        );
        let shared = vec!["telco".to_owned()];
        let amber = s
            .incidents()
            .ingest(&[Submission {
                incident: &amber_m,
                reporter: "bank",
                source: "t",
                shared_with: &shared,
                recipients: &[],
            }])
            .expect("ingest")[0]
            .key();
        let red = submit(
            &mut s,
            &incident(
                "a.test",
                "R",
                Tlp::Red,
                &[("abuse@evil.test", ObservableRole::Indicator)],
                "r1",
            ),
            "bank",
        )
        .key();
        let seen = |s: &mut Store, who: &str| -> (usize, Vec<i64>, i64) {
            let l = s
                .incidents()
                .lookup("evil.test", &Viewer::member(who))
                .expect("lookup")
                .expect("valid");
            let keys = l.incidents.iter().map(|m| m.incident.key).collect();
            (l.total, keys, l.sightings.iter().map(|x| x.count).sum())
        };
        assert_eq!(
            seen(&mut s, "bank"),
            (3, vec![red, amber, green], 3),
            "{loc}"
        );
        assert_eq!(seen(&mut s, "telco"), (2, vec![amber, green], 2), "{loc}");
        assert_eq!(seen(&mut s, "other"), (1, vec![green], 1), "{loc}");
        // A new version that moves to another domain and to RED leaves
        // nothing under evil.test, and its new value is found.
        let moved = incident(
            "a.test",
            "G",
            Tlp::Red,
            &[("http://elsewhere.test/a", ObservableRole::Url)],
            "g2",
        );
        assert!(matches!(
            submit(&mut s, &moved, "bank"),
            Outcome::NewVersion { .. }
        ));
        assert_eq!(seen(&mut s, "other"), (0, vec![], 0), "{loc}");
        assert_eq!(seen(&mut s, "bank"), (2, vec![red, amber], 2), "{loc}");
        let l = s
            .incidents()
            .lookup("elsewhere.test", &Viewer::member("bank"))
            .expect("lookup")
            .expect("valid");
        assert_eq!(l.total, 1, "{loc}");
        let l = s
            .incidents()
            .lookup("elsewhere.test", &Viewer::member("other"))
            .expect("lookup")
            .expect("valid");
        assert_eq!(l.total, 0, "{loc}: the new version's RED hides it");
        // A new version at GREEN keeping its value: now everyone sees it.
        let opened = incident(
            "a.test",
            "A",
            Tlp::Green,
            &[("http://evil.test/b", ObservableRole::Url)],
            "a2",
        );
        assert!(matches!(
            submit(&mut s, &opened, "bank"),
            Outcome::NewVersion { .. }
        ));
        assert_eq!(seen(&mut s, "other"), (1, vec![amber], 1), "{loc}");
    }
}

#[test]
fn workflow_history_and_filters() {
    for loc in locations("workflow") {
        let mut s = open(&loc);
        let mut keys = Vec::new();
        for i in 0..25 {
            let tlp = if i % 2 == 0 { Tlp::Green } else { Tlp::Clear };
            let m = incident(
                "bank.test",
                &format!("N-{i}"),
                tlp,
                &[(&format!("203.0.115.{i}"), ObservableRole::Source)],
                &format!("doc {i}"),
            );
            keys.push(submit(&mut s, &m, if i < 10 { "bank" } else { "telco" }).key());
        }
        assert!(
            s.workflow()
                .set_status(
                    keys[3],
                    IncidentStatus::Triaged,
                    "analyst@cirt",
                    Some("looked at")
                )
                .expect("status")
        );
        assert!(
            s.workflow()
                .set_status(keys[3], IncidentStatus::Resolved, "analyst@cirt", None)
                .expect("status")
        );
        assert!(
            !s.workflow()
                .set_status(999_999, IncidentStatus::Resolved, "x", None)
                .expect("status")
        );
        let v = Viewer::member("peer");
        let h = s
            .workflow()
            .history(keys[3], &v)
            .expect("history")
            .expect("visible");
        let steps: Vec<(Option<IncidentStatus>, IncidentStatus)> =
            h.iter().map(|c| (c.from, c.to)).collect();
        assert_eq!(
            steps,
            vec![
                (None, IncidentStatus::New),
                (Some(IncidentStatus::New), IncidentStatus::Triaged),
                (Some(IncidentStatus::Triaged), IncidentStatus::Resolved)
            ],
            "{loc}"
        );
        assert_eq!(h[1].actor, "analyst@cirt");
        let f = |filter: IncidentFilter, s: &mut Store| {
            s.incidents().list(&filter, &v).expect("list").len()
        };
        assert_eq!(
            f(
                IncidentFilter {
                    tlp: Some(Tlp::Clear),
                    ..Default::default()
                },
                &mut s
            ),
            12,
            "{loc}"
        );
        assert_eq!(
            f(
                IncidentFilter {
                    reporter: Some("bank".into()),
                    ..Default::default()
                },
                &mut s
            ),
            10,
            "{loc}"
        );
        assert_eq!(
            f(
                IncidentFilter {
                    status: Some(IncidentStatus::Resolved),
                    ..Default::default()
                },
                &mut s
            ),
            1,
            "{loc}"
        );
        assert_eq!(
            f(
                IncidentFilter {
                    observable: Some(Observable::guess("203.0.115.7").expect("ip")),
                    ..Default::default()
                },
                &mut s
            ),
            1,
            "{loc}"
        );
        assert_eq!(
            f(
                IncidentFilter {
                    classification: RsitClass::lookup("fraud", "phishing"),
                    ..Default::default()
                },
                &mut s
            ),
            25,
            "{loc}"
        );
        // "Not this class" keeps the others; the assignee filters.
        let not = |c: Option<RsitClass>| IncidentFilter {
            not_classification: c,
            ..Default::default()
        };
        assert_eq!(
            f(not(RsitClass::lookup("fraud", "phishing")), &mut s),
            0,
            "{loc}"
        );
        assert_eq!(
            f(not(RsitClass::lookup("availability", "ddos")), &mut s),
            25,
            "{loc}"
        );
        assert!(
            s.workflow()
                .set_assignee(keys[4], Some("a@bank"), "analyst@cirt")
                .expect("assign")
        );
        let mine = IncidentFilter {
            assignee: Some("a@bank".into()),
            ..Default::default()
        };
        let list = s.incidents().list(&mine, &v).expect("list");
        assert_eq!(
            list.iter().map(|x| x.key).collect::<Vec<_>>(),
            [keys[4]],
            "{loc}"
        );
        let nobody = IncidentFilter {
            unassigned: true,
            ..Default::default()
        };
        assert_eq!(f(nobody, &mut s), 24, "{loc}");
        // The total the counts tell agrees with the list, filter by filter;
        // a filter they cannot tell has none.
        for filter in [
            IncidentFilter::default(),
            IncidentFilter {
                tlp: Some(Tlp::Clear),
                ..Default::default()
            },
            IncidentFilter {
                status: Some(IncidentStatus::Resolved),
                classification: RsitClass::lookup("fraud", "phishing"),
                ..Default::default()
            },
            not(RsitClass::lookup("fraud", "phishing")),
        ] {
            let listed = f(filter.clone(), &mut s) as i64;
            let total = s.incidents().total(&filter, &v).expect("total");
            assert_eq!(total, Some(listed), "{loc}: {filter:?}");
        }
        let by_reporter = IncidentFilter {
            reporter: Some("bank".into()),
            ..Default::default()
        };
        assert_eq!(s.incidents().total(&by_reporter, &v).expect("total"), None);
        // Cursor pagination: pages of 10 cover everything once.
        let mut seen = Vec::new();
        let mut before = None;
        loop {
            let page = s
                .incidents()
                .list(
                    &IncidentFilter {
                        limit: 10,
                        before,
                        ..Default::default()
                    },
                    &v,
                )
                .expect("list");
            if page.is_empty() {
                break;
            }
            before = page.last().map(|x| x.key);
            seen.extend(page.iter().map(|x| x.key));
        }
        let mut want = keys.clone();
        want.reverse();
        assert_eq!(seen, want, "{loc}");
    }
}

#[test]
fn versions_within_one_batch() {
    for loc in locations("batch") {
        let mut s = open(&loc);
        let v1 = incident(
            "bank.test",
            "OK",
            Tlp::Green,
            &[("203.0.114.1", ObservableRole::Source)],
            "ok",
        );
        let v2 = incident(
            "bank.test",
            "OK",
            Tlp::Green,
            &[("203.0.114.2", ObservableRole::Source)],
            "ok2",
        );
        let out = s
            .incidents()
            .ingest(&[
                Submission {
                    incident: &v1,
                    reporter: "bank",
                    source: "t",
                    shared_with: &[],
                    recipients: &[],
                },
                Submission {
                    incident: &v2,
                    reporter: "bank",
                    source: "t",
                    shared_with: &[],
                    recipients: &[],
                },
                Submission {
                    incident: &v1,
                    reporter: "bank",
                    source: "t",
                    shared_with: &[],
                    recipients: &[],
                },
            ])
            .expect("ingest");
        assert!(matches!(out[0], Outcome::New(_)), "{loc}: {out:?}");
        assert!(
            matches!(out[1], Outcome::NewVersion { version: 2, .. }),
            "{loc}: {out:?}"
        );
        assert!(matches!(out[2], Outcome::Duplicate(_)), "{loc}: {out:?}");
        // One document holding two incidents: the same bytes, two incidents.
        let mut x = incident("bank.test", "X", Tlp::Green, &[], "bundle");
        let mut y = incident("bank.test", "Y", Tlp::Green, &[], "bundle");
        x.original = v1.original.clone();
        y.original = v1.original.clone();
        let out = s
            .incidents()
            .ingest(&[
                Submission {
                    incident: &x,
                    reporter: "bank",
                    source: "t",
                    shared_with: &[],
                    recipients: &[],
                },
                Submission {
                    incident: &y,
                    reporter: "bank",
                    source: "t",
                    shared_with: &[],
                    recipients: &[],
                },
            ])
            .expect("ingest");
        assert!(
            out.iter().all(|o| matches!(o, Outcome::New(_))),
            "{loc}: {out:?}"
        );
    }
}

/// A plan worked out on another thread stores what `ingest` stores, also
/// when some submissions turn out to be duplicates (the plan assumed all
/// would be stored); a plan made for another batch is refused.
#[test]
fn planned_batches_store_what_ingest_stores() {
    for loc in locations("planned") {
        let mut s = open(&loc);
        let a = incident(
            "bank.test",
            "A",
            Tlp::Green,
            &[("203.0.114.10", ObservableRole::Source)],
            "a",
        );
        let b = incident(
            "bank.test",
            "B",
            Tlp::Green,
            &[("http://planned.test/b", ObservableRole::Url)],
            "b",
        );
        let sub = |m| Submission {
            incident: m,
            reporter: "bank",
            source: "t",
            shared_with: &[],
            recipients: &[],
        };
        let batch = [sub(&a), sub(&a), sub(&b)];
        let plan = std::thread::scope(|t| {
            t.spawn(|| Store::plan(&batch))
                .join()
                .expect("planning thread")
        });
        let out = s.incidents().ingest_planned(&batch, plan).expect("ingest");
        assert!(matches!(out[1], Outcome::Duplicate(_)), "{loc}: {out:?}");
        let b_key = out[2].key();
        let l = s
            .incidents()
            .lookup("planned.test", &Viewer::member("bank"))
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            l.incidents
                .iter()
                .map(|m| m.incident.key)
                .collect::<Vec<_>>(),
            vec![b_key],
            "{loc}: b's value is posted to b"
        );
        assert_eq!(
            s.incidents().counts().expect("counts"),
            (2, 2, 2),
            "{loc}: incidents, distinct values, postings"
        );
        let other = [sub(&b)];
        let err = s
            .incidents()
            .ingest_planned(&other, Store::plan(&batch))
            .expect_err("another batch's plan");
        assert!(err.to_string().contains("plan"), "{loc}: {err}");
        // As many submissions, but not the same: refused, not misread.
        let bare = incident("bank.test", "C", Tlp::Green, &[], "c");
        let same_length = [sub(&a), sub(&bare), sub(&b)];
        let err = s
            .incidents()
            .ingest_planned(&same_length, Store::plan(&batch))
            .expect_err("a plan of another batch of the same length");
        assert!(err.to_string().contains("plan"), "{loc}: {err}");
    }
}

/// A PostgreSQL password is never printed, whichever form the location
/// takes: `key=value` pairs (it was printed in clear) or a URL.
#[test]
fn location_never_prints_a_password() {
    for (conn, shown) in [
        (
            "host=127.0.0.1 user=c5hub password=secret dbname=c5hub",
            "host=127.0.0.1 user=c5hub password=*** dbname=c5hub",
        ),
        (
            "host=db user=c5hub password = 'se cr\\'et' dbname=c5hub",
            "host=db user=c5hub password=*** dbname=c5hub",
        ),
        (
            "postgres://c5hub:secret@db.example:5432/c5hub",
            "postgres://c5hub:***@db.example:5432/c5hub",
        ),
        (
            "postgresql://db.example/c5hub?user=c5hub&password=secret",
            "postgresql://db.example/c5hub?user=c5hub&password=***",
        ),
        (
            "host=db password='unterminated",
            "(PostgreSQL connection string, ***)",
        ),
    ] {
        let loc = Location::Postgres(conn.to_owned());
        assert_eq!(loc.to_string(), shown, "{conn}");
        let debug = format!("{loc:?}");
        assert!(
            !debug.contains("secret") && !debug.contains("cr"),
            "{debug}"
        );
    }
}

/// A lookup answers one page: the newest incidents, each once with every
/// value that matched, the total of incidents over every page, and the
/// cursor of the next page. Pages together hold every readable incident
/// once; incidents the viewer may not read are in no page and no count.
#[test]
fn lookup_pages_count_only_readable_matches() {
    for loc in locations("lookuppages") {
        let mut s = open(&loc);
        let mut keys = Vec::new();
        for n in 0..25 {
            let tlp = if n % 5 == 4 { Tlp::Red } else { Tlp::Green };
            let url = format!("http://paged.test/login/{n}");
            let mut values = vec![(url.as_str(), ObservableRole::Url)];
            if n % 3 == 0 {
                values.push(("paged.test", ObservableRole::Indicator));
            }
            let m = incident(
                "feed.test",
                &format!("P{n}"),
                tlp,
                &values,
                &format!("p{n}"),
            );
            let k = submit(&mut s, &m, "feed").key();
            if tlp == Tlp::Green {
                keys.push(k);
            }
        }
        keys.reverse();
        let v = Viewer::member("peer");
        let mut seen: Vec<i64> = Vec::new();
        let mut before = None;
        let mut pages = 0;
        loop {
            let l = s
                .incidents()
                .lookup_page("paged.test", &v, LookupPage { before, limit: 4 })
                .expect("lookup")
                .expect("valid");
            pages += 1;
            // 20 readable incidents; 7 of them hold the domain too, which
            // is a second value of theirs, not a second incident.
            assert_eq!(l.total, 20, "{loc}");
            assert!(l.incidents.len() <= 4, "{loc}: {}", l.incidents.len());
            for hit in &l.incidents {
                let both = hit.values.len() == 2;
                let domain = hit
                    .values
                    .iter()
                    .any(|x| x.observable.value() == "paged.test");
                assert_eq!(both, domain, "{loc}: {hit:?}");
            }
            seen.extend(l.incidents.iter().map(|m| m.incident.key));
            for x in &l.sightings {
                let all = if x.observable.value() == "paged.test" {
                    7
                } else {
                    1
                };
                assert_eq!(x.count, all, "{loc}: {}", x.observable.value());
            }
            match l.next {
                Some(n) => before = Some(n),
                None => break,
            }
        }
        assert_eq!(
            seen, keys,
            "{loc}: every readable incident once, newest first"
        );
        assert!(pages >= 5, "{loc}: {pages} pages");
        // The default page holds them all here, with the same total.
        let l = s
            .incidents()
            .lookup("paged.test", &v)
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            (l.incidents.len(), l.total, l.next),
            (20, 20, None),
            "{loc}"
        );
        // Someone who may read nothing sees nothing, and no count.
        let l = s
            .incidents()
            .lookup(
                "paged.test",
                &Viewer::Anonymous {
                    public_access: true,
                },
            )
            .expect("lookup")
            .expect("valid");
        assert_eq!(
            (l.incidents.len(), l.total, l.sightings.len()),
            (0, 0, 0),
            "{loc}"
        );
    }
}

/// Issue 14, finding 3: several versions of one incident in one batch (a
/// group commit) are stored as successive versions, and only the last
/// one's sharing lists, recipients, contacts and postings remain;
/// `domain_postings` follow the last version's TLP. Also when the
/// incident existed before the batch.
fn sub<'a>(m: &'a Incident, shared: &'a [String], recipients: &'a [String]) -> Submission<'a> {
    Submission {
        incident: m,
        reporter: "bank",
        source: "t",
        shared_with: shared,
        recipients,
    }
}

#[test]
fn versions_in_one_batch_replace_each_other() {
    for loc in locations("batchreplace") {
        let mut s = open(&loc);
        let energy = vec!["energy-cert".to_owned()];
        let both = vec!["energy-cert".to_owned(), "telco".to_owned()];
        let none: Vec<String> = Vec::new();
        let v = |id: &str, tlp: Tlp, url: &str, doc: &str| {
            incident("bank.test", id, tlp, &[(url, ObservableRole::Url)], doc)
        };
        let reads = |s: &mut Store, key: i64, who: &str| {
            s.incidents()
                .incident(key, &Viewer::member(who))
                .expect("read")
                .is_some()
        };
        let domain = |s: &mut Store, who: &str| -> Vec<i64> {
            let l = s
                .incidents()
                .lookup("http://evil.test/other", &Viewer::member(who))
                .expect("lookup")
                .expect("valid");
            l.incidents.iter().map(|m| m.incident.key).collect()
        };

        // AMBER shared with energy-cert, then AMBER shared with nobody.
        let a1 = v("AMB", Tlp::Amber, "http://evil.test/a1", "amb1");
        let a2 = v("AMB", Tlp::Amber, "http://evil.test/a2", "amb2");
        let out = s
            .incidents()
            .ingest(&[sub(&a1, &energy, &none), sub(&a2, &none, &none)])
            .expect("ingest");
        assert!(
            matches!(
                out[..],
                [Outcome::New(_), Outcome::NewVersion { version: 2, .. }]
            ),
            "{loc}: {out:?}"
        );
        let amber = out[0].key();
        assert!(
            !reads(&mut s, amber, "energy-cert"),
            "{loc}: the superseded version's sharing list still applies"
        );
        let got = s
            .incidents()
            .incident(amber, &Viewer::member("bank"))
            .expect("read")
            .expect("own");
        assert!(got.shared_with.is_empty(), "{loc}: {:?}", got.shared_with);
        assert_eq!(got.version, 2, "{loc}");
        let values: Vec<&str> = got
            .incident
            .observables
            .iter()
            .map(|o| o.observable.value())
            .collect();
        assert_eq!(
            values,
            ["http://evil.test/a2"],
            "{loc}: postings of v2 only"
        );
        assert_eq!(got.incident.contacts.len(), 1, "{loc}: contacts of v2 only");

        // GREEN, then AMBER+STRICT: the domain's other URLs no longer
        // find it for anyone but the reporter.
        let g1 = v("GRN", Tlp::Green, "http://evil.test/g", "grn1");
        let g2 = v("GRN", Tlp::AmberStrict, "http://evil.test/g", "grn2");
        let out = s
            .incidents()
            .ingest(&[sub(&g1, &none, &none), sub(&g2, &none, &none)])
            .expect("ingest");
        let strict = out[1].key();
        assert_eq!(out[0].key(), strict, "{loc}");
        assert!(!reads(&mut s, strict, "other"), "{loc}");
        assert!(
            !domain(&mut s, "other").contains(&strict),
            "{loc}: the superseded GREEN copy in domain_postings still matches"
        );
        assert!(domain(&mut s, "bank").contains(&strict), "{loc}");

        // An existing incident, then three versions in one batch: stricter,
        // looser, with shrinking lists. Only the last one counts.
        let r1 = v("RED", Tlp::Red, "http://evil.test/r", "red1");
        let red = s
            .incidents()
            .ingest(&[sub(&r1, &none, &both)])
            .expect("ingest")[0]
            .key();
        let r2 = v("RED", Tlp::Amber, "http://evil.test/r", "red2");
        let r3 = v("RED", Tlp::Green, "http://evil.test/r", "red3");
        let r4 = v("RED", Tlp::Amber, "http://evil.test/r", "red4");
        let out = s
            .incidents()
            .ingest(&[
                sub(&r2, &both, &none),
                sub(&r3, &none, &none),
                sub(&r4, &energy, &none),
            ])
            .expect("ingest");
        assert_eq!(
            out.last().copied(),
            Some(Outcome::NewVersion {
                key: red,
                version: 4
            }),
            "{loc}: {out:?}"
        );
        assert!(reads(&mut s, red, "energy-cert"), "{loc}");
        assert!(!reads(&mut s, red, "telco"), "{loc}: an earlier list leaks");
        assert!(
            !reads(&mut s, red, "other"),
            "{loc}: the GREEN version leaks"
        );
        assert!(
            !domain(&mut s, "other").contains(&red),
            "{loc}: the GREEN version's domain_postings copy leaks"
        );
        assert!(domain(&mut s, "energy-cert").contains(&red), "{loc}");
        let got = s
            .incidents()
            .incident(red, &Viewer::member("bank"))
            .expect("read")
            .expect("own");
        assert_eq!(
            (got.shared_with.clone(), got.recipients.clone()),
            (energy.clone(), none.clone()),
            "{loc}"
        );
    }
}

/// Issue 14, finding 7: one member's incident holding more values on a
/// domain than a lookup reads must not push the other members' matches on
/// that domain out of their answers: readability is decided before the
/// limit. The bulky incident is the newest, so it comes first.
#[test]
fn correlation_is_not_hidden_by_one_members_many_values() {
    for loc in locations("hidden") {
        let mut s = open(&loc);
        let visible = submit(
            &mut s,
            &incident(
                "telco.test",
                "V",
                Tlp::Green,
                &[
                    ("http://evil.test/visible", ObservableRole::Url),
                    ("198.51.100.77", ObservableRole::Source),
                ],
                "v",
            ),
            "telco",
        )
        .key();
        let mut bulky = Incident::new(
            GlobalId::new("bank.test", "BULK").expect("id"),
            Tlp::AmberStrict,
        );
        for n in 0..10_001 {
            bulky.add_observable(
                Observable::guess(&format!("http://evil.test/{n}")).expect("url"),
                ObservableRole::Url,
            );
            if n < 300 {
                bulky.add_observable(
                    Observable::guess(&format!("198.51.100.0/{}", 24 + n % 8)).expect("prefix"),
                    ObservableRole::Source,
                );
            }
        }
        submit(&mut s, &bulky, "bank");
        let l = s
            .incidents()
            .lookup("http://evil.test/other", &Viewer::member("peer"))
            .expect("lookup")
            .expect("valid");
        let keys: Vec<i64> = l.incidents.iter().map(|m| m.incident.key).collect();
        assert_eq!(
            (l.total, keys),
            (1, vec![visible]),
            "{loc}: domain match hidden"
        );
        let l = s
            .incidents()
            .lookup("198.51.100.0/24", &Viewer::member("peer"))
            .expect("lookup")
            .expect("valid");
        assert!(
            l.incidents.iter().any(|m| m.incident.key == visible),
            "{loc}: prefix match hidden"
        );
        // The reporter still sees its own.
        let l = s
            .incidents()
            .lookup("http://evil.test/other", &Viewer::member("bank"))
            .expect("lookup")
            .expect("valid");
        let values: usize = l.incidents.iter().map(|h| h.values.len()).sum();
        assert!(values >= 10_000, "{loc}: {values}");
    }
}

/// Issue 14, finding 7: `related` is bounded: an incident whose value has
/// more same-domain matches than [`RELATED_MAX_MATCHES_PER_VALUE`] relates
/// to the newest of them only, and a spent read budget ends the search.
#[test]
fn related_is_bounded() {
    for loc in locations("relbound") {
        let mut s = open(&loc);
        let asked = submit(
            &mut s,
            &incident(
                "a.test",
                "ASK",
                Tlp::Green,
                &[
                    ("http://pop.test/asked", ObservableRole::Url),
                    ("http://pop.test/asked2", ObservableRole::Url),
                ],
                "ask",
            ),
            "bank",
        )
        .key();
        let n = RELATED_MAX_MATCHES_PER_VALUE + 50;
        let others: Vec<Incident> = (0..n)
            .map(|i| {
                incident(
                    "b.test",
                    &format!("P-{i}"),
                    Tlp::Green,
                    &[(&format!("http://pop.test/{i}"), ObservableRole::Url)],
                    &format!("p{i}"),
                )
            })
            .collect();
        let batch: Vec<Submission<'_>> = others
            .iter()
            .map(|m| Submission {
                incident: m,
                reporter: "telco",
                source: "t",
                shared_with: &[],
                recipients: &[],
            })
            .collect();
        let keys: Vec<i64> = s
            .incidents()
            .ingest(&batch)
            .expect("ingest")
            .iter()
            .map(|o| o.key())
            .collect();
        let viewer = Viewer::member("peer");
        let related = s
            .incidents()
            .related(asked, &viewer)
            .expect("related")
            .expect("readable");
        assert_eq!(
            related.len(),
            RELATED_MAX_MATCHES_PER_VALUE,
            "{loc}: related is not bounded per value"
        );
        let newest: std::collections::BTreeSet<i64> = keys
            [keys.len() - RELATED_MAX_MATCHES_PER_VALUE..]
            .iter()
            .copied()
            .collect();
        let got: std::collections::BTreeSet<i64> = related.iter().map(|r| r.incident.key).collect();
        assert_eq!(got, newest, "{loc}: the newest matches");
        // Both values of the asked incident share the domain with each: two
        // links, each once.
        assert!(related.iter().all(|r| r.shared.len() == 2), "{loc}");
        // A spent budget answers at once with what was found (nothing).
        s.set_read_budget(std::time::Duration::ZERO);
        let related = s
            .incidents()
            .related(asked, &viewer)
            .expect("related")
            .expect("readable");
        assert!(related.is_empty(), "{loc}");
    }
}

/// Issue 14, finding 15: the store refuses a NUL byte in any text it is
/// given, on both backends (PostgreSQL failed deep in the write), and
/// stores nothing of the batch.
#[test]
fn nul_bytes_are_refused() {
    for loc in locations("nul") {
        let mut s = open(&loc);
        let mut m = incident("bank.test", "NUL", Tlp::Green, &[], "nul");
        m.description = Some("a\0b".to_owned());
        let err = s
            .incidents()
            .ingest(&[Submission {
                incident: &m,
                reporter: "bank",
                source: "t",
                shared_with: &[],
                recipients: &[],
            }])
            .expect_err("refused");
        assert!(
            matches!(err, c5hub_store::Error::Invalid(ref m) if m.contains("NUL")),
            "{loc}: {err}"
        );
        assert_eq!(s.incidents().counts().expect("counts").0, 0, "{loc}");
        let ok = submit(
            &mut s,
            &incident("bank.test", "OK", Tlp::Green, &[], "ok"),
            "bank",
        )
        .key();
        assert!(
            matches!(
                s.workflow().add_comment(ok, "ana@bank", "bank", "x\0y"),
                Err(c5hub_store::Error::Invalid(_))
            ),
            "{loc}"
        );
        assert!(
            matches!(
                s.workflow()
                    .set_status(ok, IncidentStatus::Triaged, "ana", Some("x\0y")),
                Err(c5hub_store::Error::Invalid(_))
            ),
            "{loc}"
        );
        assert!(
            matches!(
                s.workflow().set_assignee(ok, Some("a\0@b"), "ana"),
                Err(c5hub_store::Error::Invalid(_))
            ),
            "{loc}"
        );
    }
}

/// Issue 15, item 10: `Incidents::versions` gives every version's document,
/// oldest first, to whoever may read the incident, and nothing to others.
#[test]
fn versions_give_every_document_in_order() {
    for loc in locations("versions_docs") {
        let mut s = open(&loc);
        let mut key = 0;
        for (n, doc) in ["<v>1</v>", "<v>2</v>", "<v>3</v>"].iter().enumerate() {
            let m = incident("bank.test", "V-1", Tlp::Amber, &[], doc);
            key = submit(&mut s, &m, "bank").key();
            assert_eq!(
                s.incidents()
                    .incident(key, &Viewer::member("bank"))
                    .expect("read")
                    .map(|i| i.version),
                Some(n as i64 + 1)
            );
        }
        let got = s
            .incidents()
            .versions(key, &Viewer::member("bank"))
            .expect("versions")
            .expect("readable");
        let docs: Vec<(i64, &[u8])> = got
            .iter()
            .map(|v| (v.version, v.document.bytes.as_slice()))
            .collect();
        assert_eq!(
            docs,
            vec![(1, &b"<v>1</v>"[..]), (2, b"<v>2</v>"), (3, b"<v>3</v>")],
            "{loc}"
        );
        assert!(
            got.iter()
                .all(|v| v.document.format == DocumentFormat::IodefXml)
        );
        assert_eq!(
            s.incidents()
                .versions(key, &Viewer::member("telco"))
                .expect("versions"),
            None,
            "{loc}: AMBER, not shared"
        );
        assert_eq!(
            s.incidents()
                .versions(key + 1000, &Viewer::member("bank"))
                .expect("versions"),
            None
        );
    }
}
