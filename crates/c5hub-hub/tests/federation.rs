//! Hubs federating through the operations layer, on both backends: a ring
//! of three (A → B → C → A) plus a direct link A → C, so that every
//! incident of A reaches C by two paths. Each incident is stored once per
//! hub, none returns to its origin, a new version at the origin replaces
//! the copies everywhere, AMBER+STRICT and RED stay home, and each peer's
//! `[in]` policy holds. The wire between the hubs is the server's
//! business (`c5hub-server/tests/federation.rs`); here a page goes from
//! one hub's `outbound` straight into the next hub's `receive`.

use c5hub_hub::Authority;
use c5hub_hub::peers::{self, Policy};
use c5hub_model::{
    GlobalId, Incident, Observable, ObservableKind, ObservableRole, OrgKind, Role, Tlp, Viewer,
};
use c5hub_store::{
    IncidentFilter, Location, NewPeer, Options, Principal, Store, Submission, WarningList,
};
use c5hub_test_support::locations;

const HUBS: [&str; 3] = ["hub-a", "hub-b", "hub-c"];
/// Who sends to whom: the ring, and A straight to C.
const LINKS: [(usize, usize); 4] = [(0, 1), (1, 2), (2, 0), (0, 2)];
const OPEN: &str = "[out]\ntlp = [\"clear\", \"green\", \"amber\"]\namber_only_if_shared = false\npseudonymise = false\n[in]\ntlp = [\"clear\", \"green\", \"amber\"]\n";
/// C takes no AMBER from anyone.
const NO_AMBER_IN: &str = "[out]\ntlp = [\"clear\", \"green\", \"amber\"]\namber_only_if_shared = false\npseudonymise = false\n[in]\ntlp = [\"clear\", \"green\"]\n";

fn open(loc: &Location) -> Store {
    Store::open(
        loc,
        Options {
            warning_list: WarningList::empty(),
        },
    )
    .unwrap_or_else(|e| panic!("{loc}: {e}"))
}

/// A hub named `HUBS[me]` whose peers are the other two, each with an
/// organisation of its name standing for it.
fn hub(loc: &Location, me: usize) -> Store {
    let mut s = open(loc);
    for name in HUBS {
        s.accounts()
            .add_org(name, OrgKind::NationalCirt)
            .expect("org");
    }
    s.accounts()
        .add_org("bank", OrgKind::Operator)
        .expect("org");
    s.accounts().set_operator(HUBS[me]).expect("operator");
    for (i, name) in HUBS.iter().enumerate().filter(|(i, _)| *i != me) {
        s.peers()
            .add(&NewPeer {
                name: (*name).to_owned(),
                url: "http://127.0.0.1:9/taxii2/api1/".to_owned(),
                kind: "c5hub".to_owned(),
                secret: "t".to_owned(),
                pseudonym_key: String::new(),
                policy: if me == 2 && i != me {
                    NO_AMBER_IN
                } else {
                    OPEN
                }
                .to_owned(),
                org: Some((*name).to_owned()),
            })
            .expect("peer");
    }
    s
}

/// Reports incident `I-n` on hub `s` as the bank; an AMBER one is shared
/// with the hub's operator and its peers' organisations (a hub forwards
/// only what its operator may read).
fn report(s: &mut Store, n: usize, tlp: Tlp, title: &str) {
    let shared: Vec<String> = if tlp == Tlp::Amber {
        HUBS.iter().map(|h| (*h).to_owned()).collect()
    } else {
        Vec::new()
    };
    let mut i = Incident::new(
        GlobalId::new("bank.test", &format!("I-{n}")).expect("id"),
        tlp,
    );
    i.title = Some(title.to_owned());
    i.add_observable(
        Observable::parse(ObservableKind::Domain, &format!("evil-{n}.example")).expect("domain"),
        ObservableRole::Indicator,
    );
    s.incidents()
        .ingest(&[Submission {
            incident: &i,
            reporter: "bank",
            source: "test",
            shared_with: &shared,
            recipients: &[],
        }])
        .expect("ingest");
}

/// The organisation of hub `from` posting on hub `to`.
fn as_peer(from: usize, to: usize) -> Authority {
    Authority::member(
        Principal {
            org: HUBS[from].to_owned(),
            role: Role::Reporter,
            name: format!("peer:{}", HUBS[from]),
            user_id: None,
            token_id: None,
        },
        HUBS[to],
    )
}

/// Pushes every link until no hub has anything left to send; what each
/// receiving hub refused, in all.
fn sync(hubs: &mut [Store]) -> Vec<(usize, String)> {
    let mut refused = Vec::new();
    loop {
        let mut moved = false;
        for (from, to) in LINKS {
            loop {
                let s = &mut hubs[from];
                let peer = s.peers().get(HUBS[to]).expect("read").expect("peer");
                let policy = Policy::from_toml(&peer.policy).expect("policy");
                let page = peers::outbound(s, &peer, &policy, 3).expect("outbound");
                let arrivals = page
                    .send
                    .iter()
                    .map(|l| (l.stored.incident.clone(), l.provenance.clone()))
                    .collect();
                moved |= page.next > peer.cursor_out;
                let r = peers::receive(&mut hubs[to], &as_peer(from, to), arrivals, 0)
                    .expect("receive");
                refused.extend(r.refused);
                peers::pushed(&mut hubs[from], &peer, &page, 0).expect("pushed");
                if !page.more {
                    break;
                }
            }
        }
        if !moved {
            return refused;
        }
    }
}

/// Every incident hub `s` holds: (global id, title, reporter), sorted. Its
/// reporters between them read them all.
fn held(s: &mut Store) -> Vec<(String, String, String)> {
    let mut out: Vec<(String, String, String)> = Vec::new();
    let mut keys = std::collections::BTreeSet::new();
    for org in ["bank", "hub-a", "hub-b", "hub-c"] {
        for i in s
            .incidents()
            .list(&IncidentFilter::default(), &Viewer::member(org))
            .expect("list")
        {
            if keys.insert(i.key) {
                out.push((i.global_id, i.title.unwrap_or_default(), i.reporter));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_ring_with_a_shortcut_stores_each_incident_once_and_none_returns() {
    let (a, b, c) = (
        locations("fed_ring_a"),
        locations("fed_ring_b"),
        locations("fed_ring_c"),
    );
    for ((la, lb), lc) in a.iter().zip(&b).zip(&c) {
        let mut hubs = vec![hub(la, 0), hub(lb, 1), hub(lc, 2)];
        for (n, tlp) in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ]
        .into_iter()
        .enumerate()
        {
            report(&mut hubs[0], n, tlp, "first");
        }
        // B's own incident travels the other way round the ring to A.
        report(&mut hubs[1], 10, Tlp::Green, "from B");
        let refused = sync(&mut hubs);
        // Nothing came back to where it had been: the senders' policies
        // held loops back, so no receiver had to refuse one.
        assert!(
            refused
                .iter()
                .all(|(_, why)| why.contains("TLP:AMBER is not")),
            "{la}: {refused:?}"
        );

        let a_held = held(&mut hubs[0]);
        let b_held = held(&mut hubs[1]);
        let c_held = held(&mut hubs[2]);
        // A: its five, and B's by way of C. Nothing of A's twice.
        assert_eq!(a_held.len(), 6, "{la}: {a_held:?}");
        // B: CLEAR, GREEN, AMBER of A, and its own.
        let ids = |h: &[(String, String, String)]| -> Vec<String> {
            h.iter().map(|(g, _, _)| g.clone()).collect()
        };
        assert_eq!(
            ids(&b_held),
            [
                "bank.test:I-0",
                "bank.test:I-1",
                "bank.test:I-10",
                "bank.test:I-2"
            ],
            "{lb}"
        );
        // C: no AMBER in, each of A's once although it came by two paths.
        assert_eq!(
            ids(&c_held),
            ["bank.test:I-0", "bank.test:I-1", "bank.test:I-10"],
            "{lc}"
        );
        // Stored as reported by the peer it first came from.
        assert!(
            b_held
                .iter()
                .any(|(g, _, r)| g == "bank.test:I-0" && r == "hub-a")
        );
        assert!(
            a_held
                .iter()
                .any(|(g, _, r)| g == "bank.test:I-10" && r == "hub-c")
        );

        // A new version at the origin replaces the copies everywhere.
        report(&mut hubs[0], 1, Tlp::Green, "second");
        sync(&mut hubs);
        for (h, s) in hubs.iter_mut().enumerate() {
            let titles: Vec<String> = held(s)
                .into_iter()
                .filter(|(g, _, _)| g == "bank.test:I-1")
                .map(|(_, t, _)| t)
                .collect();
            assert_eq!(titles, ["second"], "{} {la}", HUBS[h]);
        }

        // A peer that sends an incident back to a hub on its path, or one
        // that must never leave its hub, is refused at the door too.
        let mut back = Incident::new(GlobalId::new("bank.test", "I-0").expect("id"), Tlp::Clear);
        back.title = Some("bounced".to_owned());
        let looped = c5hub_model::Provenance {
            origin: "hub-a".to_owned(),
            origin_key: 1,
            origin_version: 9,
            path: vec!["hub-a".to_owned(), "hub-c".to_owned()],
        };
        let mut red = Incident::new(GlobalId::new("bank.test", "R").expect("id"), Tlp::Red);
        red.title = Some("red".to_owned());
        let red_from_c = c5hub_model::Provenance {
            origin: "hub-c".to_owned(),
            origin_key: 99,
            origin_version: 1,
            path: vec!["hub-c".to_owned()],
        };
        let r = peers::receive(
            &mut hubs[0],
            &as_peer(2, 0),
            vec![(back, looped), (red, red_from_c)],
            0,
        )
        .expect("receive");
        assert_eq!((r.stored, r.versions), (0, 0), "{la}");
        assert!(r.refused[0].1.contains("came through hub-a"), "{r:?}");
        assert!(r.refused[1].1.contains("never leave"), "{r:?}");
        assert_eq!(held(&mut hubs[0]).len(), 6, "{la}");

        // An organisation that stands for no peer cannot post as one.
        let bank = Authority::member(
            Principal {
                org: "bank".to_owned(),
                role: Role::Reporter,
                name: "bank".to_owned(),
                user_id: None,
                token_id: None,
            },
            "hub-a",
        );
        assert!(peers::receive(&mut hubs[0], &bank, Vec::new(), 0).is_err());
    }
}
