//! The change feed on both backends: every change is numbered once, pages
//! join without gap or repeat, and what a viewer gets follows the
//! incident's current TLP and sharing lists.

use c5hub_test_support::locations;

use c5hub_model::{Audience, GlobalId, Incident, IncidentStatus, Tlp, Viewer};
use c5hub_store::{Change, ChangeKind, Location, Options, Store, Submission, WarningList};
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

/// Stores a version of `reporter`'s incident `id` (no original document,
/// so every submission is a new version); its key.
fn put(
    s: &mut Store,
    reporter: &str,
    id: &str,
    tlp: Tlp,
    shared: &[String],
    recipients: &[String],
) -> i64 {
    let m = Incident::new(GlobalId::new(reporter, id).expect("id"), tlp);
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

/// Every change the viewer may read after `since`, in pages of `limit`,
/// checking that the pages join: increasing numbers, `next` the last one.
fn all(s: &mut Store, viewer: &Viewer, since: i64, limit: usize) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::new();
    let mut at = since;
    loop {
        let page = s
            .incidents()
            .changes_since(at, viewer, limit)
            .expect("changes");
        assert!(page.changes.len() <= limit);
        if page.changes.is_empty() {
            assert_eq!(page.next, at, "an empty page stays where it was");
            return out;
        }
        assert_eq!(page.next, page.changes.last().map(|c| c.seq).unwrap_or(at));
        for c in page.changes {
            assert!(c.seq > at, "seq {} after {at}", c.seq);
            at = c.seq;
            out.push(c);
        }
    }
}

fn what(cs: &[Change]) -> Vec<(ChangeKind, i64, i64, Option<i64>)> {
    cs.iter()
        .map(|c| (c.kind, c.incident, c.version, c.comment))
        .collect()
}

#[test]
fn every_change_is_numbered_and_follows_current_tlp() {
    for loc in locations("changes") {
        let mut s = open(&loc);
        let peer = Viewer::member("peer");
        let bank = Viewer::member("bank");
        let outsider = Viewer::member("outsider");
        let a = put(&mut s, "bank", "A", Tlp::Green, &[], &[]);
        let b = put(&mut s, "bank", "B", Tlp::Amber, &["peer".to_owned()], &[]);
        let c = put(&mut s, "bank", "C", Tlp::AmberStrict, &[], &[]);
        assert!(
            s.workflow()
                .set_status(a, IncidentStatus::Triaged, "ana@bank", None)
                .expect("status")
        );
        assert!(
            s.workflow()
                .set_assignee(b, Some("ana@bank"), "ana@bank")
                .expect("assign")
        );
        let comment = s
            .workflow()
            .add_comment(a, "pat@peer", "peer", "seen it too")
            .expect("comment")
            .expect("peer reads A");
        s.workflow()
            .add_comment(c, "ana@bank", "bank", "strict note")
            .expect("comment")
            .expect("bank reads C");

        let theirs = all(&mut s, &peer, 0, 1);
        assert_eq!(
            what(&theirs),
            vec![
                (ChangeKind::Incident, a, 1, None),
                (ChangeKind::Incident, b, 1, None),
                (ChangeKind::Status, a, 1, None),
                (ChangeKind::Assignee, b, 1, None),
                (ChangeKind::Comment, a, 1, Some(comment.id)),
            ],
            "{loc}"
        );
        assert_eq!(theirs[0].global_id, "bank:A");
        assert_eq!(theirs[0].reporter, "bank");
        // Every page size gives the same changes.
        for limit in [2, 3, 1000] {
            assert_eq!(all(&mut s, &peer, 0, limit), theirs, "{loc}: limit {limit}");
        }
        // The reporter reads all seven; an outsider only the GREEN one's.
        let everything = all(&mut s, &bank, 0, 4);
        assert_eq!(everything.len(), 7, "{loc}");
        assert!(everything.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(
            what(&all(&mut s, &outsider, 0, 10)),
            vec![
                (ChangeKind::Incident, a, 1, None),
                (ChangeKind::Status, a, 1, None),
                (ChangeKind::Comment, a, 1, Some(comment.id)),
            ],
            "{loc}"
        );
        assert!(
            all(
                &mut s,
                &Viewer::Anonymous {
                    public_access: true
                },
                0,
                10
            )
            .is_empty(),
            "{loc}: nothing is CLEAR"
        );
        // Starting in the middle gives the rest.
        let mid = theirs[2].seq;
        assert_eq!(all(&mut s, &peer, mid, 2), theirs[3..].to_vec(), "{loc}");

        // A becomes AMBER+STRICT: none of its changes, old or new, reach
        // peer or the outsider any more. C becomes GREEN: all of its do.
        let last = everything.last().map_or(0, |c| c.seq);
        put(&mut s, "bank", "A", Tlp::AmberStrict, &[], &[]);
        put(&mut s, "bank", "C", Tlp::Green, &[], &[]);
        assert_eq!(
            what(&all(&mut s, &peer, 0, 2)),
            vec![
                (ChangeKind::Incident, b, 1, None),
                (ChangeKind::Incident, c, 1, None),
                (ChangeKind::Assignee, b, 1, None),
                (ChangeKind::Comment, c, 1, what(&everything)[6].3),
                (ChangeKind::Version, c, 2, None),
            ],
            "{loc}"
        );
        assert_eq!(
            what(&all(&mut s, &bank, last, 10)),
            vec![
                (ChangeKind::Version, a, 2, None),
                (ChangeKind::Version, c, 2, None),
            ],
            "{loc}"
        );
        // B's sharing list drops peer: B's changes leave peer's feed.
        put(&mut s, "bank", "B", Tlp::Amber, &["other".to_owned()], &[]);
        assert_eq!(
            what(&all(&mut s, &peer, 0, 100)),
            vec![
                (ChangeKind::Incident, c, 1, None),
                (ChangeKind::Comment, c, 1, what(&everything)[6].3),
                (ChangeKind::Version, c, 2, None),
            ],
            "{loc}"
        );
        assert_eq!(
            all(&mut s, &Viewer::member("other"), 0, 100).len(),
            6,
            "{loc}"
        );
    }
}

/// The current sharing facts of one incident, for the oracle.
struct Facts {
    id: String,
    version: i64,
    reporter: String,
    tlp: Tlp,
    shared: Vec<String>,
    recipients: Vec<String>,
}

/// Random incidents, versions that move TLP and sharing lists, status and
/// assignee changes and comments; then, for every viewer and random
/// starting points and page sizes, `changes_since` must give exactly the
/// changes an oracle written with `Viewer::can_read` on the incidents'
/// current facts lets through, in the order they were made.
#[test]
fn changes_since_agrees_with_can_read() {
    let orgs = ["a", "b", "c", "d"];
    for loc in locations("changes_oracle") {
        let mut s = open(&loc);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(15);
        let mut facts: Vec<(i64, Facts)> = Vec::new();
        // (seq, kind, incident, version, comment) in the order made.
        let mut made: Vec<(i64, ChangeKind, i64, i64, Option<i64>)> = Vec::new();
        let mut last = 0;
        for n in 0..200 {
            let pick = |rng: &mut rand_chacha::ChaCha8Rng| -> Vec<String> {
                orgs.iter()
                    .filter(|_| rng.gen_bool(0.3))
                    .map(|o| (*o).to_owned())
                    .collect()
            };
            let op = if facts.is_empty() {
                0
            } else {
                rng.gen_range(0..5)
            };
            let (key, kind, comment) = match op {
                0 | 1 => {
                    // A new incident, or a new version of one.
                    let (reporter, id) = if op == 0 {
                        (
                            orgs[rng.gen_range(0..orgs.len())].to_owned(),
                            format!("I-{n}"),
                        )
                    } else {
                        let f = &facts[rng.gen_range(0..facts.len())].1;
                        (f.reporter.clone(), f.id.clone())
                    };
                    let tlp = Tlp::ALL[rng.gen_range(0..5)];
                    let (shared, recipients) = (pick(&mut rng), pick(&mut rng));
                    let key = put(&mut s, &reporter, &id, tlp, &shared, &recipients);
                    let f = Facts {
                        id,
                        version: 1,
                        reporter,
                        tlp,
                        shared,
                        recipients,
                    };
                    let kind = if op == 0 {
                        facts.push((key, f));
                        ChangeKind::Incident
                    } else {
                        let slot = facts.iter_mut().find(|(k, _)| *k == key).expect("known");
                        slot.1 = Facts {
                            version: slot.1.version + 1,
                            ..f
                        };
                        ChangeKind::Version
                    };
                    (key, kind, None)
                }
                2 => {
                    let (key, f) = &facts[rng.gen_range(0..facts.len())];
                    let key = *key;
                    // Another status than it has: setting the same one
                    // changes nothing and records no change.
                    let now = s
                        .incidents()
                        .incident(key, &Viewer::member(f.reporter.as_str()))
                        .expect("read")
                        .expect("the reporter reads it")
                        .incident
                        .status;
                    let others: Vec<IncidentStatus> = IncidentStatus::ALL
                        .into_iter()
                        .filter(|x| *x != now)
                        .collect();
                    let to = others[rng.gen_range(0..others.len())];
                    assert!(
                        s.workflow()
                            .set_status(key, to, "x@a", None)
                            .expect("status")
                    );
                    (key, ChangeKind::Status, None)
                }
                3 => {
                    let key = facts[rng.gen_range(0..facts.len())].0;
                    assert!(
                        s.workflow()
                            .set_assignee(key, Some("x@a"), "x@a")
                            .expect("assign")
                    );
                    (key, ChangeKind::Assignee, None)
                }
                _ => {
                    let (key, f) = &facts[rng.gen_range(0..facts.len())];
                    let c = s
                        .workflow()
                        .add_comment(*key, "x", &f.reporter, "note")
                        .expect("comment")
                        .expect("the reporter reads it");
                    (*key, ChangeKind::Comment, Some(c.id))
                }
            };
            // The incident's reporter reads it: the one new change is the
            // only one after the last.
            let f = &facts.iter().find(|(k, _)| *k == key).expect("known").1;
            let page = s
                .incidents()
                .changes_since(last, &Viewer::member(f.reporter.as_str()), 10)
                .expect("changes");
            assert_eq!(page.changes.len(), 1, "{loc}: op {n}");
            let c = &page.changes[0];
            assert_eq!(
                (c.kind, c.incident, c.version, c.comment),
                (kind, key, f.version, comment),
                "{loc}: op {n}"
            );
            made.push((c.seq, c.kind, c.incident, c.version, c.comment));
            last = c.seq;
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
            let readable = |key: i64| {
                let f = &facts.iter().find(|(k, _)| *k == key).expect("known").1;
                let shared: Vec<&str> = f.shared.iter().map(String::as_str).collect();
                let recipients: Vec<&str> = f.recipients.iter().map(String::as_str).collect();
                v.can_read(&Audience {
                    reporter: &f.reporter,
                    tlp: f.tlp,
                    shared_with: &shared,
                    recipients: &recipients,
                })
            };
            for _ in 0..8 {
                let since = if rng.gen_bool(0.3) {
                    0
                } else {
                    made[rng.gen_range(0..made.len())].0 - rng.gen_range(0..2)
                };
                let limit = rng.gen_range(1..40);
                let want: Vec<_> = made
                    .iter()
                    .filter(|m| m.0 > since && readable(m.2))
                    .copied()
                    .collect();
                let got: Vec<_> = all(&mut s, v, since, limit)
                    .into_iter()
                    .map(|c| (c.seq, c.kind, c.incident, c.version, c.comment))
                    .collect();
                assert_eq!(got, want, "{loc}: {v:?} since {since} limit {limit}");
            }
        }
    }
}

/// A bulk batch: runs of new incidents (recorded a run to a statement),
/// new versions and short runs between them come out of the feed in
/// batch order, each once, with its kind and version.
#[test]
fn a_bulk_batch_is_recorded_in_batch_order() {
    for loc in locations("changesbulk") {
        let mut s = open(&loc);
        let before = put(&mut s, "bank", "OLD", Tlp::Green, &[], &[]);
        let ids: Vec<String> = (0..40).map(|n| format!("N{n}")).collect();
        let mut ms: Vec<Incident> = Vec::new();
        // 12 new, a new version of OLD, 3 new, OLD again, 25 new.
        for (n, id) in ids.iter().enumerate() {
            if n == 12 || n == 15 {
                ms.push(Incident::new(
                    GlobalId::new("bank", "OLD").expect("id"),
                    Tlp::Green,
                ));
            }
            ms.push(Incident::new(
                GlobalId::new("bank", id).expect("id"),
                Tlp::Green,
            ));
        }
        let batch: Vec<Submission<'_>> = ms
            .iter()
            .map(|m| Submission {
                incident: m,
                reporter: "bank",
                source: "test",
                shared_with: &[],
                recipients: &[],
            })
            .collect();
        let out = s.incidents().ingest(&batch).expect("ingest");
        let mut expected = vec![(ChangeKind::Incident, before, 1, None)];
        let mut old_version = 1;
        for o in &out {
            if o.key() == before {
                old_version += 1;
                expected.push((ChangeKind::Version, before, old_version, None));
            } else {
                expected.push((ChangeKind::Incident, o.key(), 1, None));
            }
        }
        assert_eq!(old_version, 3, "{loc}: {out:?}");
        let got = all(&mut s, &Viewer::member("peer"), 0, 7);
        assert_eq!(what(&got), expected, "{loc}");
    }
}
