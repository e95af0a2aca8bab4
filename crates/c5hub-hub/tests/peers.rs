//! What leaves this hub for a peer, on both backends, against an oracle
//! written from the rule's text (README, "Federation"): random incidents
//! (every TLP level, reporters, sharing lists, classes, new versions,
//! status changes) and random policies, paged through with small pages.
//! AMBER+STRICT and RED never leave; the rest leaves when the operator
//! may read it and the policy lets it; each incident is sent at its
//! current version; personal data leaves as pseudonyms when so.

use std::collections::{BTreeMap, BTreeSet};

use c5hub_hub::peers::{self, Policy};
use c5hub_model::{
    GlobalId, Incident, IncidentStatus, Observable, ObservableKind, ObservableRole, OrgKind,
    RsitClass, Tlp,
};
use c5hub_store::{Location, NewPeer, Options, Store, Submission, WarningList};
use c5hub_test_support::locations;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const OPERATOR: &str = "national-cirt";
const PEER_ORG: &str = "regional-hub";
const ORGS: [&str; 4] = [OPERATOR, "bank", "telco", PEER_ORG];
const LEVELS: [Tlp; 5] = [
    Tlp::Clear,
    Tlp::Green,
    Tlp::Amber,
    Tlp::AmberStrict,
    Tlp::Red,
];
const KEY: &str = "000102030405060708090a0b0c0d0e0f";

/// What the test made, per global id: the facts the oracle reads.
#[derive(Clone, Debug)]
struct Made {
    reporter: &'static str,
    tlp: Tlp,
    category: Option<&'static str>,
    shared_with: Vec<String>,
    recipients: Vec<String>,
    email: String,
    version: i64,
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

fn fill(s: &mut Store, rng: &mut ChaCha8Rng, n: usize) -> BTreeMap<String, Made> {
    for org in ORGS {
        s.accounts()
            .add_org(org, OrgKind::NationalCirt)
            .expect("org");
    }
    s.accounts().set_operator(OPERATOR).expect("operator");
    let classes = [
        Some(RsitClass::lookup("fraud", "phishing").expect("class")),
        Some(RsitClass::lookup("malicious-code", "c2-server").expect("class")),
        None,
    ];
    let mut made = BTreeMap::new();
    let store = |s: &mut Store, id: &str, m: &Made, title: &str| -> i64 {
        let mut i = Incident::new(GlobalId::new(m.reporter, id).expect("id"), m.tlp);
        i.title = Some(title.to_owned());
        i.classification = classes
            .iter()
            .flatten()
            .find(|c| Some(c.category().value) == m.category)
            .copied();
        i.add_observable(
            Observable::parse(ObservableKind::Email, &m.email).expect("email"),
            ObservableRole::Sender,
        );
        s.incidents()
            .ingest(&[Submission {
                incident: &i,
                reporter: m.reporter,
                source: "test",
                shared_with: &m.shared_with,
                recipients: &m.recipients,
            }])
            .expect("ingest")[0]
            .key()
    };
    let mut keys = Vec::new();
    for n in 0..n {
        let pick = |rng: &mut ChaCha8Rng| -> Vec<String> {
            ORGS.iter()
                .filter(|_| rng.gen_bool(0.4))
                .map(|o| (*o).to_owned())
                .collect()
        };
        let m = Made {
            reporter: ORGS[rng.gen_range(0..3)],
            tlp: LEVELS[rng.gen_range(0..5)],
            category: classes[rng.gen_range(0..3)].map(|c| c.category().value),
            shared_with: pick(rng),
            recipients: pick(rng),
            email: format!("person{n}@example.org"),
            version: 1,
        };
        let id = format!("I-{n}");
        let key = store(s, &id, &m, "first");
        keys.push(key);
        made.insert(format!("{}:{id}", m.reporter), m);
    }
    // New versions of some, status changes of others (which send nothing).
    for (n, key) in keys.iter().enumerate() {
        if rng.gen_bool(0.2) {
            let gid = made
                .keys()
                .find(|g| g.ends_with(&format!(":I-{n}")))
                .expect("made")
                .clone();
            let m = made.get_mut(&gid).expect("made");
            m.version += 1;
            let m = m.clone();
            store(s, &format!("I-{n}"), &m, "second");
        } else if rng.gen_bool(0.2) {
            s.workflow()
                .set_status(*key, IncidentStatus::Triaged, "analyst@bank", None)
                .expect("status");
        }
    }
    made
}

/// The rule's text: the operator reads it (TLP 2.0), it may ever leave,
/// and the policy lets it.
fn oracle(m: &Made, out: &[Tlp], rsit: &[&str], amber_shared: bool, aggregates: bool) -> bool {
    let readable = match m.tlp {
        Tlp::Clear | Tlp::Green => true,
        Tlp::Amber => m.reporter == OPERATOR || m.shared_with.iter().any(|o| o == OPERATOR),
        Tlp::AmberStrict => m.reporter == OPERATOR,
        Tlp::Red => m.reporter == OPERATOR || m.recipients.iter().any(|o| o == OPERATOR),
    };
    readable
        && !matches!(m.tlp, Tlp::AmberStrict | Tlp::Red)
        && !aggregates
        && out.contains(&m.tlp)
        && (rsit.is_empty() || m.category.is_some_and(|c| rsit.contains(&c)))
        && (m.tlp != Tlp::Amber || !amber_shared || m.shared_with.iter().any(|o| o == PEER_ORG))
}

#[test]
fn what_leaves_for_a_peer_follows_the_policy_and_never_strict_or_red() {
    for loc in locations("hub_peers_out") {
        let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0018);
        let mut s = open(&loc);
        let made = fill(&mut s, &mut rng, 160);
        // So that the rounds are not all empty or all refused.
        let (mut sent_any, mut withheld_any) = (0, 0);
        for round in 0..12 {
            let out: Vec<Tlp> = LEVELS[..3]
                .iter()
                .filter(|_| rng.gen_bool(0.6))
                .copied()
                .collect();
            let rsit: Vec<&str> = ["fraud", "malicious-code"]
                .into_iter()
                .filter(|_| rng.gen_bool(0.3))
                .collect();
            let (amber_shared, pseudo, aggregates) =
                (rng.gen_bool(0.5), rng.gen_bool(0.5), rng.gen_bool(0.1));
            let text = format!(
                "[out]\ntlp = [{}]\nrsit = [{}]\namber_only_if_shared = {amber_shared}\npseudonymise = {pseudo}\naggregates_only = {aggregates}\n",
                out.iter()
                    .map(|t| format!("{:?}", t.to_string().to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", "),
                rsit.iter()
                    .map(|c| format!("{c:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            );
            let policy = Policy::from_toml(&text).unwrap_or_else(|e| panic!("{text}: {e}"));
            let name = format!("regional-{round}");
            let mut peer = s
                .peers()
                .add(&NewPeer {
                    name: name.clone(),
                    url: "http://127.0.0.1:9/taxii2/api1/".to_owned(),
                    kind: "c5hub".to_owned(),
                    secret: "t".to_owned(),
                    pseudonym_key: KEY.to_owned(),
                    policy: text.clone(),
                    org: Some(PEER_ORG.to_owned()),
                })
                .expect("peer");

            // Page through, moving the cursor as the sync does once the
            // peer has taken a page.
            let mut sent: BTreeMap<String, (i64, usize)> = BTreeMap::new();
            let mut withheld = BTreeSet::new();
            loop {
                let page = peers::outbound(&mut s, &peer, &policy, 7).expect("outbound");
                for l in &page.send {
                    let i = &l.stored;
                    // Reported here: this hub is the origin and the path.
                    assert_eq!(
                        (l.provenance.origin_key, l.provenance.origin_version),
                        (i.key, i.version),
                        "{loc}"
                    );
                    assert_eq!(
                        l.provenance.path,
                        std::slice::from_ref(&l.provenance.origin),
                        "{loc}"
                    );
                    let e = sent.entry(i.incident.id.to_string()).or_insert((0, 0));
                    e.0 = e.0.max(i.version);
                    e.1 += 1;
                    let text = format!("{:?}", i.incident);
                    assert_eq!(
                        !text.contains("@example.org"),
                        pseudo,
                        "{loc} {text}: pseudonymise = {pseudo}"
                    );
                }
                withheld.extend(page.withheld.iter().map(|(g, _)| g.clone()));
                s.peers()
                    .pushed(peer.id, page.next, page.send.len() as i64, 0)
                    .expect("pushed");
                peer = s.peers().get(&name).expect("read").expect("peer");
                if !page.more {
                    break;
                }
            }
            let want: BTreeSet<&String> = made
                .iter()
                .filter(|(_, m)| oracle(m, &out, &rsit, amber_shared, aggregates))
                .map(|(g, _)| g)
                .collect();
            let got: BTreeSet<&String> = sent.keys().collect();
            sent_any += got.len();
            withheld_any += withheld.len();
            assert_eq!(got, want, "{loc}: {text}");
            for (g, (version, times)) in &sent {
                let m = &made[g];
                assert_eq!(
                    *version, m.version,
                    "{loc} {g}: sent at its current version"
                );
                assert!(*times <= 2, "{loc} {g}: sent {times} times");
                assert!(!matches!(m.tlp, Tlp::AmberStrict | Tlp::Red), "{loc} {g}");
            }
            for g in &withheld {
                assert!(!sent.contains_key(g), "{loc} {g} both sent and withheld");
            }
            // Nothing new: the next page is empty and the cursor stays.
            let again = peers::outbound(&mut s, &peer, &policy, 7).expect("outbound");
            assert!(again.send.is_empty() && !again.more, "{loc}");
            assert_eq!(again.next, peer.cursor_out, "{loc}");
        }
        assert!(
            sent_any > 20 && withheld_any > 20,
            "{loc}: {sent_any} sent, {withheld_any} withheld"
        );
    }
}
