//! The TLP rule in SQL against the rule in Rust, on random data: generated
//! organisations, incidents (TLP, class, status, detection day, sharing
//! lists, recipients, a value), new versions that change them (some in
//! one batch, as a group commit stores them) and status changes. After
//! them, for every viewer, what the store lists (whole and page by page,
//! with filters, in every order), exports, counts (a lookup's total, the
//! dashboard's counts kept at write time) must be exactly what
//! [`Viewer::can_read`] allows over a model of what was sent, kept here.
//! On SQLite and PostgreSQL.

use std::collections::BTreeMap;

use c5hub_model::{
    Audience, GlobalId, Incident, IncidentStatus, Observable, ObservableRole, RsitClass, Tlp,
    Viewer,
};
use c5hub_store::{
    IncidentFilter, IncidentOrder, Location, Options, SortColumn, Store, Submission, WarningList,
};
use c5hub_test_support::{Figures, locations};
use chrono::{Duration, Utc};
use proptest::prelude::*;

const ORGS: usize = 4;
const DAYS: u32 = 10;
const VALUES: [&str; 2] = ["198.51.100.1", "198.51.100.2"];

fn org(i: usize) -> String {
    format!("org{i}")
}

fn class(i: u8) -> Option<RsitClass> {
    match i {
        0 => None,
        1 => RsitClass::lookup("fraud", "phishing"),
        2 => RsitClass::lookup("availability", "ddos"),
        _ => RsitClass::lookup("malicious-code", "infected-system"),
    }
}

/// One version of an incident as sent.
#[derive(Clone, Debug)]
struct Version {
    tlp: usize,
    class: u8,
    status: usize,
    /// Days before today it was detected (negative: ahead), or none.
    detected: Option<i64>,
    shared: u8,
    recipients: u8,
    value: usize,
}

#[derive(Clone, Debug)]
enum Op {
    /// Versions of incident `n` (of the reporter `n % ORGS`), all in one
    /// batch together with the next op's when `group`.
    Send { n: usize, v: Version, group: bool },
    /// A status change of incident `n`, if it exists.
    Status { n: usize, status: usize },
}

fn version() -> impl Strategy<Value = Version> {
    (
        0..5usize,
        0..4u8,
        0..5usize,
        prop::option::of(-1..12i64),
        0..16u8,
        0..16u8,
        0..2usize,
    )
        .prop_map(
            |(tlp, class, status, detected, shared, recipients, value)| Version {
                tlp,
                class,
                status,
                detected,
                shared,
                recipients,
                value,
            },
        )
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..10usize, version(), any::<bool>()).prop_map(|(n, v, group)| Op::Send { n, v, group }),
        1 => (0..10usize, 0..5usize).prop_map(|(n, status)| Op::Status { n, status }),
    ]
}

fn bits(b: u8) -> Vec<String> {
    (0..ORGS).filter(|i| b & (1 << i) != 0).map(org).collect()
}

/// What the model knows of a stored incident: its current version.
struct Known {
    key: i64,
    v: Version,
    status: IncidentStatus,
}

fn model_incident(n: usize, v: &Version) -> Incident {
    let mut m = Incident::new(
        GlobalId::new("gen.test", &format!("G-{n}")).expect("id"),
        Tlp::ALL[v.tlp],
    );
    m.classification = class(v.class);
    m.status = IncidentStatus::ALL[v.status];
    m.times.detected = v.detected.map(|d| Utc::now() - Duration::days(d));
    m.add_observable(
        Observable::guess(VALUES[v.value]).expect("value"),
        ObservableRole::Source,
    );
    m
}

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .unwrap_or_else(|e| panic!("{loc}: {e}"))
}

fn run(ops: &[Op], loc: &Location) {
    let mut s = open(loc);
    let mut known: BTreeMap<usize, Known> = BTreeMap::new();
    let mut pending: Vec<(usize, Version)> = Vec::new();
    let flush =
        |s: &mut Store, pending: &mut Vec<(usize, Version)>, known: &mut BTreeMap<usize, Known>| {
            if pending.is_empty() {
                return;
            }
            let models: Vec<(Incident, String, Vec<String>, Vec<String>)> = pending
                .iter()
                .map(|(n, v)| {
                    (
                        model_incident(*n, v),
                        org(n % ORGS),
                        bits(v.shared),
                        bits(v.recipients),
                    )
                })
                .collect();
            let subs: Vec<Submission<'_>> = models
                .iter()
                .map(|(m, r, sh, rc)| Submission {
                    incident: m,
                    reporter: r,
                    source: "gen",
                    shared_with: sh,
                    recipients: rc,
                })
                .collect();
            let out = s.incidents().ingest(&subs).expect("ingest");
            for ((n, v), o) in pending.drain(..).zip(out) {
                known.insert(
                    n,
                    Known {
                        key: o.key(),
                        status: IncidentStatus::ALL[v.status],
                        v,
                    },
                );
            }
        };
    for op in ops {
        match op {
            Op::Send { n, v, group } => {
                pending.push((*n, v.clone()));
                if !group {
                    flush(&mut s, &mut pending, &mut known);
                }
            }
            Op::Status { n, status } => {
                flush(&mut s, &mut pending, &mut known);
                if let Some(k) = known.get_mut(n) {
                    let to = IncidentStatus::ALL[*status];
                    assert!(
                        s.workflow()
                            .set_status(k.key, to, "tester", None)
                            .expect("status")
                    );
                    k.status = to;
                }
            }
        }
    }
    flush(&mut s, &mut pending, &mut known);

    // When each incident was received (its day when it has no detection
    // time): as stored, read by its reporter.
    let mut received = BTreeMap::new();
    for (n, k) in &known {
        let i = s
            .incidents()
            .incident(k.key, &Viewer::member(org(n % ORGS)))
            .expect("read")
            .expect("the reporter reads its own");
        received.insert(k.key, i.created_at);
    }

    let mut viewers: Vec<Viewer> = (0..ORGS).map(|i| Viewer::member(org(i))).collect();
    viewers.push(Viewer::member("outsider"));
    viewers.push(Viewer::Anonymous {
        public_access: true,
    });
    viewers.push(Viewer::Anonymous {
        public_access: false,
    });
    for viewer in &viewers {
        // The rule, in Rust, over the model.
        let readable: Vec<(usize, &Known)> = known
            .iter()
            .filter(|(n, k)| {
                let shared = bits(k.v.shared);
                let recipients = bits(k.v.recipients);
                let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
                let recipients: Vec<&str> = recipients.iter().map(String::as_str).collect();
                viewer.can_read(&Audience {
                    reporter: &org(**n % ORGS),
                    tlp: Tlp::ALL[k.v.tlp],
                    shared_with: &shared,
                    recipients: &recipients,
                })
            })
            .map(|(n, k)| (*n, k))
            .collect();
        let mut want: Vec<i64> = readable.iter().map(|(_, k)| k.key).collect();
        want.sort_unstable_by(|a, b| b.cmp(a));

        // List: whole, and page by page.
        let keys = |f: &IncidentFilter, s: &mut Store| -> Vec<i64> {
            s.incidents()
                .list(f, viewer)
                .expect("list")
                .into_iter()
                .map(|i| i.key)
                .collect()
        };
        assert_eq!(
            keys(&IncidentFilter::default(), &mut s),
            want,
            "{loc} {viewer:?}: list"
        );
        let mut paged: Vec<i64> = Vec::new();
        let mut before = None;
        loop {
            let page = keys(
                &IncidentFilter {
                    before,
                    limit: 2,
                    ..IncidentFilter::default()
                },
                &mut s,
            );
            paged.extend(&page);
            if page.len() < 2 {
                break;
            }
            before = page.last().copied();
        }
        assert_eq!(paged, want, "{loc} {viewer:?}: pages");
        // With filters.
        for t in Tlp::ALL {
            let f = IncidentFilter {
                tlp: Some(t),
                ..IncidentFilter::default()
            };
            let w: Vec<i64> = want
                .iter()
                .copied()
                .filter(|key| {
                    readable
                        .iter()
                        .any(|(_, k)| k.key == *key && Tlp::ALL[k.v.tlp] == t)
                })
                .collect();
            assert_eq!(keys(&f, &mut s), w, "{loc} {viewer:?}: list at {t}");
        }
        for st in IncidentStatus::ALL {
            let f = IncidentFilter {
                status: Some(st),
                limit: 1,
                ..IncidentFilter::default()
            };
            let w: Vec<i64> = want
                .iter()
                .copied()
                .filter(|key| {
                    readable
                        .iter()
                        .any(|(_, k)| k.key == *key && k.status == st)
                })
                .take(1)
                .collect();
            assert_eq!(keys(&f, &mut s), w, "{loc} {viewer:?}: first {st:?}");
        }
        let f = IncidentFilter {
            reporter: Some(org(0)),
            ..IncidentFilter::default()
        };
        let w: Vec<i64> = want
            .iter()
            .copied()
            .filter(|key| readable.iter().any(|(n, k)| k.key == *key && n % ORGS == 0))
            .collect();
        assert_eq!(keys(&f, &mut s), w, "{loc} {viewer:?}: list by reporter");
        // Every other order: the same rows, each once, whole and page by
        // page (by offset). The order itself is checked in tests/order.rs.
        for by in SortColumn::ALL {
            for ascending in [true, false] {
                let f = IncidentFilter {
                    order: IncidentOrder { by, ascending },
                    ..IncidentFilter::default()
                };
                let got = keys(&f, &mut s);
                let mut rows = got.clone();
                rows.sort_unstable_by(|a, b| b.cmp(a));
                assert_eq!(rows, want, "{loc} {viewer:?}: list by {by:?}");
                let mut paged: Vec<i64> = Vec::new();
                loop {
                    let page = keys(
                        &IncidentFilter {
                            offset: paged.len(),
                            limit: 2,
                            ..f.clone()
                        },
                        &mut s,
                    );
                    paged.extend(&page);
                    if page.len() < 2 {
                        break;
                    }
                }
                assert_eq!(paged, got, "{loc} {viewer:?}: pages by {by:?}");
            }
        }

        // Export: what the API and the CLI export, every listed incident read whole.
        let exported: Vec<i64> = s
            .incidents()
            .list(&IncidentFilter::default(), viewer)
            .expect("list")
            .iter()
            .filter_map(|r| {
                s.incidents()
                    .incident(r.key, viewer)
                    .expect("read")
                    .map(|i| i.key)
            })
            .collect();
        assert_eq!(exported, want, "{loc} {viewer:?}: export");

        // Counts: a lookup's readable total, and the dashboard.
        for (at, value) in VALUES.iter().enumerate() {
            let total = s
                .incidents()
                .lookup(value, viewer)
                .expect("lookup")
                .map(|l| l.total)
                .unwrap_or(0);
            let w = readable.iter().filter(|(_, k)| k.v.value == at).count();
            assert_eq!(total, w, "{loc} {viewer:?}: lookup {value}");
        }
        let facts: Vec<_> = readable
            .iter()
            .map(|(_, k)| {
                let when =
                    k.v.detected
                        .map(|_| {
                            s.incidents()
                                .incident(k.key, viewer)
                                .expect("read")
                                .and_then(|i| i.incident.times.detected)
                                .expect("detected")
                        })
                        .unwrap_or(received[&k.key]);
                (
                    Tlp::ALL[k.v.tlp],
                    class(k.v.class),
                    k.status,
                    when.date_naive(),
                )
            })
            .collect();
        assert_eq!(
            Figures::of(&s.incidents().stats(viewer, DAYS).expect("stats")),
            Figures::count(&facts, DAYS),
            "{loc} {viewer:?}: stats"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn sql_rule_matches_can_read(ops in prop::collection::vec(op(), 1..40)) {
        for loc in locations("readable") {
            run(&ops, &loc);
        }
    }
}

/// Ingest counts new incidents by what places them, a group at a time: a
/// batch of new incidents of one reporter with equal TLP, class, status,
/// day and sharing list (and others beside them), then a batch mixing new
/// incidents with new versions of stored ones, must count each incident
/// once in every audience.
#[test]
fn new_incidents_with_equal_facts_in_one_batch() {
    let v = |tlp, class, shared| Version {
        tlp,
        class,
        status: 1,
        detected: Some(2),
        shared,
        recipients: 0b0110,
        value: 0,
    };
    let send = |n, v: Version, group| Op::Send { n, v, group };
    // Reporter org0 (n % ORGS == 0): five equal AMBER incidents, two equal
    // GREEN ones, one RED; org1 one AMBER with the same facts otherwise.
    let mut ops: Vec<Op> = [0, 4, 8, 12, 16]
        .into_iter()
        .map(|n| send(n, v(2, 1, 0b1010), true))
        .collect();
    ops.extend([
        send(20, v(1, 3, 0), true),
        send(24, v(1, 3, 0), true),
        send(28, v(4, 0, 0), true),
        send(1, v(2, 1, 0b1010), false),
    ]);
    // New versions of two of them beside new incidents equal to others,
    // one of which gets a second version in the same batch.
    ops.extend([
        send(4, v(1, 2, 0), true),
        send(32, v(2, 1, 0b1010), true),
        send(36, v(2, 1, 0b1010), true),
        send(32, v(4, 2, 0), true),
        send(8, v(4, 1, 0), false),
    ]);
    for loc in locations("readable_groups") {
        run(&ops, &loc);
    }
}
