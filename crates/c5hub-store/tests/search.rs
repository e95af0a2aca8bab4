//! Full-text search on both backends: the same data gives the same pages
//! on SQLite and PostgreSQL, equal to an oracle written from the rule
//! (every word in the title or description, the last one as a prefix, TLP
//! applied, newest first); a new version's text replaces the old one's;
//! the query languages' syntax in a query is only punctuation.

use c5hub_test_support::locations;

use c5hub_model::{Audience, GlobalId, Incident, Tlp, Viewer};
use c5hub_store::{
    Location, MAX_SEARCH_WORDS, Options, SearchHits, Store, Submission, WarningList, search_words,
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

/// One incident of the test data.
struct Row {
    reporter: &'static str,
    id: &'static str,
    tlp: Tlp,
    shared: &'static [&'static str],
    title: Option<&'static str>,
    description: Option<&'static str>,
}

const fn row(
    reporter: &'static str,
    id: &'static str,
    tlp: Tlp,
    shared: &'static [&'static str],
    title: Option<&'static str>,
    description: Option<&'static str>,
) -> Row {
    Row {
        reporter,
        id,
        tlp,
        shared,
        title,
        description,
    }
}

const DATA: &[Row] = &[
    row(
        "bank",
        "1",
        Tlp::Green,
        &[],
        Some("Phishing campaign against bank customers"),
        Some("Mails link to login.bank-secure.example; credential theft."),
    ),
    row(
        "bank",
        "2",
        Tlp::Amber,
        &["peer"],
        Some("Ransomware at a hospital"),
        Some("LockBit variant; shared with peer only."),
    ),
    row(
        "telco",
        "3",
        Tlp::Amber,
        &[],
        Some("Phishing SMS wave"),
        Some("Smishing: parcel-delivery lures, AMBER for telco alone."),
    ),
    row(
        "telco",
        "4",
        Tlp::Clear,
        &[],
        Some("DDoS on DNS resolvers"),
        None,
    ),
    row(
        "peer",
        "5",
        Tlp::Green,
        &[],
        None,
        Some("Défacement du site: phishing kit trouvé, déjà vu."),
    ),
    row(
        "bank",
        "6",
        Tlp::Red,
        &[],
        Some("Phishing of the bank's board"),
        Some("CEO fraud attempt"),
    ),
    row(
        "peer",
        "7",
        Tlp::Green,
        &[],
        Some("Malware C2 at 203.0.113.9 (port 8443)"),
        Some("Beacon every 60s; see AND/OR \"NOT\" NEAR(x y) col:phish*"),
    ),
];

fn store(loc: &Location) -> Store {
    let mut s = open(loc);
    for r in DATA {
        put(&mut s, r, r.title, r.description);
    }
    s
}

fn put(s: &mut Store, r: &Row, title: Option<&str>, description: Option<&str>) -> i64 {
    let mut m = Incident::new(GlobalId::new(r.reporter, r.id).expect("id"), r.tlp);
    m.title = title.map(str::to_owned);
    m.description = description.map(str::to_owned);
    let shared: Vec<String> = r.shared.iter().map(|s| (*s).to_owned()).collect();
    s.incidents()
        .ingest(&[Submission {
            incident: &m,
            reporter: r.reporter,
            source: "test",
            shared_with: &shared,
            recipients: &[],
        }])
        .expect("ingest")[0]
        .key()
}

/// The rule, from its text: the keys (1 + position in `data`) of the
/// incidents `viewer` reads whose title or description holds every word,
/// the last as a prefix, newest first.
fn oracle(data: &[(&Row, Option<&str>, Option<&str>)], query: &str, viewer: &Viewer) -> Vec<i64> {
    let words = search_words(query);
    let Some((last, rest)) = words.split_last() else {
        return Vec::new();
    };
    let mut keys: Vec<i64> = data
        .iter()
        .enumerate()
        .filter(|(_, (r, title, description))| {
            let text = search_words(&format!(
                "{} {}",
                title.unwrap_or(""),
                description.unwrap_or("")
            ));
            let readable = viewer.can_read(&Audience {
                reporter: r.reporter,
                tlp: r.tlp,
                shared_with: r.shared,
                recipients: &[],
            });
            readable
                && rest.iter().all(|w| text.contains(w))
                && text.iter().any(|t| t.starts_with(last.as_str()))
        })
        .map(|(i, _)| i64::try_from(i).expect("few") + 1)
        .collect();
    keys.reverse();
    keys
}

fn keys(h: &SearchHits) -> Vec<i64> {
    h.items.iter().map(|i| i.key).collect()
}

const QUERIES: &[&str] = &[
    "phishing",
    "PHISHING bank",
    "phish",
    "bank phish",
    "bank secure",
    "login.bank-secure.example",
    "deja",
    "déjà",
    "Défacement",
    "ransomware",
    "lockbit peer",
    "203.0.113.9",
    "8443",
    "\"phishing",
    "phishing\"",
    "AND OR NOT",
    "NEAR(x y)",
    "col:phish*",
    "phish* OR ransom",
    "-phishing",
    "title:ransomware",
    "'; DROP TABLE incidents; --",
    "^phishing",
    "a & b | !c <-> d:*",
    "(((",
    "***",
    "",
    "   ",
    "nothing-matches-this",
];

fn viewers() -> Vec<Viewer> {
    vec![
        Viewer::member("bank"),
        Viewer::member("peer"),
        Viewer::member("telco"),
        Viewer::member("outsider"),
        Viewer::Anonymous {
            public_access: true,
        },
        Viewer::Anonymous {
            public_access: false,
        },
    ]
}

/// Each query's (total, keys) for each viewer, in order.
type Answers = Vec<(i64, Vec<i64>)>;

#[test]
fn both_backends_find_what_the_rule_says() {
    let mut answers: Vec<(String, Answers)> = Vec::new();
    for loc in locations("search") {
        let mut s = store(&loc);
        let data: Vec<_> = DATA.iter().map(|r| (r, r.title, r.description)).collect();
        let mut got = Vec::new();
        for q in QUERIES {
            for v in viewers() {
                let h = s
                    .incidents()
                    .search(q, &v, 0, 50)
                    .unwrap_or_else(|e| panic!("{loc}: {q:?} as {v:?}: {e}"));
                let want = oracle(&data, q, &v);
                assert_eq!(keys(&h), want, "{loc}: {q:?} as {v:?}");
                assert_eq!(h.total, i64::try_from(want.len()).expect("few"), "{loc}");
                got.push((h.total, keys(&h)));
            }
        }
        // Checks the oracle as much as the store: these are the cases
        // the issue names.
        let bank = |s: &mut Store, q: &str| {
            keys(
                &s.incidents()
                    .search(q, &Viewer::member("bank"), 0, 50)
                    .expect("search"),
            )
        };
        assert_eq!(
            bank(&mut s, "phishing"),
            [6, 5, 1],
            "{loc}: telco's AMBER incident is not found"
        );
        assert_eq!(
            bank(&mut s, "phish"),
            [7, 6, 5, 1],
            "{loc}: the last word is a prefix (7 holds `phish*`)"
        );
        assert_eq!(bank(&mut s, "login.bank-secure.example"), [1], "{loc}");
        assert_eq!(
            bank(&mut s, "deja"),
            Vec::<i64>::new(),
            "{loc}: accents are kept"
        );
        assert_eq!(bank(&mut s, "Déjà"), [5], "{loc}");
        let peer = keys(
            &s.incidents()
                .search("ransomware", &Viewer::member("peer"), 0, 50)
                .expect("search"),
        );
        assert_eq!(peer, [2], "{loc}: shared AMBER is found");
        let outsider = keys(
            &s.incidents()
                .search("ransomware", &Viewer::member("outsider"), 0, 50)
                .expect("search"),
        );
        assert!(
            outsider.is_empty(),
            "{loc}: another organisation's AMBER incident is not found"
        );
        answers.push((loc.to_string(), got));
    }
    if let [(a, first), (b, second)] = &answers[..] {
        assert_eq!(first, second, "{a} and {b} answer alike");
    }
}

#[test]
fn pages_count_every_readable_match() {
    for loc in locations("search-pages") {
        let mut s = store(&loc);
        let v = Viewer::member("bank");
        let all = keys(&s.incidents().search("phish", &v, 0, 50).expect("search"));
        assert_eq!(all.len(), 4, "{loc}");
        let mut paged = Vec::new();
        for offset in [0, 2, 4] {
            let h = s.incidents().search("phish", &v, offset, 2).expect("page");
            assert_eq!(h.total, 4, "{loc}: the total is the same on every page");
            paged.extend(keys(&h));
        }
        assert_eq!(paged, all, "{loc}: pages join without gap or repeat");
        let past = s
            .incidents()
            .search("phish", &v, 100, 2)
            .expect("past the end");
        assert!(past.items.is_empty(), "{loc}");
        assert_eq!(past.total, 4, "{loc}");
    }
}

#[test]
fn a_new_version_replaces_the_text_the_index_holds() {
    for loc in locations("search-versions") {
        let mut s = store(&loc);
        let v = Viewer::member("peer");
        let r = &DATA[3];
        let key = put(
            &mut s,
            r,
            Some("Resolver outage, not an attack"),
            Some("Config error"),
        );
        assert_eq!(key, 4);
        let find =
            |s: &mut Store, q: &str| keys(&s.incidents().search(q, &v, 0, 50).expect("search"));
        assert!(
            find(&mut s, "ddos").is_empty(),
            "{loc}: the old title is gone"
        );
        assert_eq!(find(&mut s, "outage"), [4], "{loc}: the new title is found");
        assert_eq!(find(&mut s, "config error"), [4], "{loc}");
        put(&mut s, r, None, None);
        assert!(
            find(&mut s, "outage").is_empty(),
            "{loc}: no text, nothing found"
        );
    }
}

#[test]
fn too_many_words_are_refused_by_name() {
    for loc in locations("search-words") {
        let mut s = store(&loc);
        let q = vec!["w"; MAX_SEARCH_WORDS + 1].join(" ");
        let err = s
            .incidents()
            .search(&q, &Viewer::member("bank"), 0, 10)
            .expect_err("refused");
        assert!(err.to_string().contains("at most 16 words"), "{loc}: {err}");
        let q = vec!["phishing"; MAX_SEARCH_WORDS].join(" ");
        assert_eq!(
            s.incidents()
                .search(&q, &Viewer::member("bank"), 0, 10)
                .expect("accepted")
                .total,
            3,
            "{loc}"
        );
    }
}
