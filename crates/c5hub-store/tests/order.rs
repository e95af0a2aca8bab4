//! The incident list's orders: every column both ways, against an order
//! written here from the rule's text (NULLs as empty or as the time of
//! receipt, text by its bytes, ties by key in the same direction), over
//! titles that differ by case, accents and absence, and with readers the
//! TLP rule keeps from some rows. Paging by offset returns every readable
//! row once, and SQLite and PostgreSQL return the same rows in the same
//! order.

use std::cmp::Ordering;

use c5hub_model::{GlobalId, Incident, IncidentStatus, RsitClass, Tlp, Viewer};
use c5hub_store::{
    IncidentFilter, IncidentOrder, IncidentSummary, Location, Options, SortColumn, Store,
    Submission, WarningList,
};
use c5hub_test_support::locations;
use chrono::{DateTime, TimeZone, Utc};

/// One incident to send: reporter, id, TLP, title, class, status, the day
/// of detection (of December 2026), and whom an AMBER one is shared with.
type Row = (
    &'static str,
    &'static str,
    Tlp,
    Option<&'static str>,
    Option<(&'static str, &'static str)>,
    IncidentStatus,
    Option<u32>,
    &'static [&'static str],
);

const PHISHING: Option<(&str, &str)> = Some(("fraud", "phishing"));
const DDOS: Option<(&str, &str)> = Some(("availability", "ddos"));

#[rustfmt::skip]
const ROWS: &[Row] = &[
    ("bank", "B-1", Tlp::Clear, Some("beta"), PHISHING, IncidentStatus::New, Some(3), &[]),
    ("telco", "T-1", Tlp::Green, Some("Beta"), None, IncidentStatus::Closed, None, &[]),
    ("bank", "B-2", Tlp::Amber, Some("Ärger"), DDOS, IncidentStatus::Triaged, Some(1), &["telco"]),
    ("bank", "B-3", Tlp::Amber, Some("hidden amber"), DDOS, IncidentStatus::New, Some(2), &[]),
    ("bank", "B-4", Tlp::Red, Some("hidden red"), PHISHING, IncidentStatus::Resolved, None, &[]),
    ("telco", "T-2", Tlp::Red, None, PHISHING, IncidentStatus::InProgress, Some(3), &[]),
    ("Zeta", "Z-1", Tlp::Clear, Some("same"), DDOS, IncidentStatus::InProgress, Some(3), &[]),
    ("Zeta", "Z-2", Tlp::Green, Some("same"), None, IncidentStatus::New, Some(5), &[]),
    ("alpha", "A-1", Tlp::AmberStrict, Some("alpha"), PHISHING, IncidentStatus::Resolved, None, &[]),
    ("alpha", "A-2", Tlp::Clear, Some("zulu"), None, IncidentStatus::Triaged, Some(1), &[]),
    ("telco", "T-3", Tlp::Amber, Some("alpha"), DDOS, IncidentStatus::Closed, Some(2), &[]),
    ("bank", "B-5", Tlp::Green, Some(""), PHISHING, IncidentStatus::Triaged, Some(4), &[]),
];

/// What `telco` may read: its own, and what others share or publish (not
/// B-3, B-4 nor A-1).
const READABLE_BY_TELCO: usize = 9;

fn day(d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, d, 12, 0, 0)
        .single()
        .expect("a valid time")
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

fn fill(s: &mut Store) {
    for &(reporter, id, tlp, title, class, status, detected, shared) in ROWS {
        let mut m = Incident::new(GlobalId::new("order.test", id).expect("id"), tlp);
        m.title = title.map(str::to_owned);
        m.classification = class.and_then(|(c, t)| RsitClass::lookup(c, t));
        m.status = status;
        m.times.detected = detected.map(day);
        let shared: Vec<String> = shared.iter().map(|o| (*o).to_owned()).collect();
        s.incidents()
            .ingest(&[Submission {
                incident: &m,
                reporter,
                source: "test",
                shared_with: &shared,
                recipients: &[],
            }])
            .expect("ingest");
    }
}

/// The order, as the list's documentation states it.
fn oracle(order: IncidentOrder, a: &IncidentSummary, b: &IncidentSummary) -> Ordering {
    let text = |x: &Option<String>, y: &Option<String>| {
        x.as_deref()
            .unwrap_or("")
            .as_bytes()
            .cmp(y.as_deref().unwrap_or("").as_bytes())
    };
    let rank = |s: IncidentStatus| IncidentStatus::ALL.iter().position(|x| *x == s);
    let tlp = |t: Tlp| Tlp::ALL.iter().position(|x| *x == t);
    let class = |r: &IncidentSummary| r.classification.map(|c| c.path().to_owned());
    let by = match order.by {
        SortColumn::Key => Ordering::Equal,
        SortColumn::Title => text(&a.title, &b.title),
        SortColumn::Status => rank(a.status).cmp(&rank(b.status)),
        SortColumn::Class => text(&class(a), &class(b)),
        SortColumn::Tlp => tlp(a.tlp).cmp(&tlp(b.tlp)),
        SortColumn::Reporter => a.reporter.as_bytes().cmp(b.reporter.as_bytes()),
        SortColumn::Detected => a
            .detected
            .unwrap_or(a.created_at)
            .cmp(&b.detected.unwrap_or(b.created_at)),
    }
    .then(a.key.cmp(&b.key));
    if order.ascending { by } else { by.reverse() }
}

fn orders() -> Vec<IncidentOrder> {
    SortColumn::ALL
        .into_iter()
        .flat_map(|by| {
            [true, false]
                .into_iter()
                .map(move |ascending| IncidentOrder { by, ascending })
        })
        .collect()
}

fn list(s: &mut Store, f: &IncidentFilter, viewer: &Viewer) -> Vec<IncidentSummary> {
    s.incidents().list(f, viewer).expect("list")
}

#[test]
fn every_order_both_ways_on_both_backends() {
    let viewers = [
        Viewer::member("telco"),
        Viewer::member("bank"),
        Viewer::Anonymous {
            public_access: true,
        },
    ];
    // Per location: for each viewer and order, the incidents' ids in order.
    let mut seen: Vec<(String, Vec<Vec<String>>)> = Vec::new();
    for loc in locations("order") {
        let mut s = open(&loc);
        fill(&mut s);
        let mut answers = Vec::new();
        for viewer in &viewers {
            let all = list(&mut s, &IncidentFilter::default(), viewer);
            let mut keys: Vec<i64> = all.iter().map(|r| r.key).collect();
            keys.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(
                all.iter().map(|r| r.key).collect::<Vec<_>>(),
                keys,
                "{loc} {viewer:?}: the default order is newest first"
            );
            if *viewer == Viewer::member("telco") {
                assert_eq!(all.len(), READABLE_BY_TELCO, "{loc}: TLP applies");
                assert!(
                    all.iter()
                        .all(|r| r.title.as_deref() != Some("hidden amber")
                            && r.title.as_deref() != Some("hidden red")),
                    "{loc}: TLP applies in every order"
                );
            }
            for order in orders() {
                let mut want = all.clone();
                want.sort_by(|a, b| oracle(order, a, b));
                let f = IncidentFilter {
                    order,
                    ..IncidentFilter::default()
                };
                let got = list(&mut s, &f, viewer);
                assert_eq!(got, want, "{loc} {viewer:?} {order:?}");
                // Page by page, by offset: each row once, in the same order.
                let mut paged = Vec::new();
                loop {
                    let page = list(
                        &mut s,
                        &IncidentFilter {
                            offset: paged.len(),
                            limit: 3,
                            ..f.clone()
                        },
                        viewer,
                    );
                    let n = page.len();
                    paged.extend(page);
                    if n < 3 {
                        break;
                    }
                }
                assert_eq!(paged, want, "{loc} {viewer:?} {order:?}: pages");
                // With a filter: the order of the rows it keeps.
                let green = IncidentFilter {
                    tlp: Some(Tlp::Green),
                    ..f.clone()
                };
                let want_green: Vec<_> = want.iter().filter(|r| r.tlp == Tlp::Green).collect();
                assert_eq!(
                    list(&mut s, &green, viewer).iter().collect::<Vec<_>>(),
                    want_green,
                    "{loc} {viewer:?} {order:?}: filtered"
                );
                answers.push(got.iter().map(|r| r.global_id.clone()).collect());
            }
        }
        // The default order still pages by cursor, and by offset too.
        let viewer = &viewers[0];
        let all = list(&mut s, &IncidentFilter::default(), viewer);
        let after_cursor = list(
            &mut s,
            &IncidentFilter {
                before: Some(all[2].key),
                limit: 2,
                ..IncidentFilter::default()
            },
            viewer,
        );
        assert_eq!(after_cursor, all[3..5], "{loc}: cursor");
        let after_offset = list(
            &mut s,
            &IncidentFilter {
                offset: 3,
                limit: 2,
                ..IncidentFilter::default()
            },
            viewer,
        );
        assert_eq!(after_offset, all[3..5], "{loc}: offset");
        seen.push((loc.to_string(), answers));
    }
    for pair in seen.windows(2) {
        assert_eq!(
            pair[0].1, pair[1].1,
            "{} and {} order differently",
            pair[0].0, pair[1].0
        );
    }
}
