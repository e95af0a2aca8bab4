//! TLP 2.0 on every read path, checked against an oracle written here from
//! the rule itself (not from the code under test): generated organisations,
//! incidents, TLP levels, sharing lists and recipients; for every caller,
//! every endpoint that reads incidents (API and web UI) must show exactly
//! the incidents the rule allows, and counts must match; every GET route
//! of one incident answers 404 to a caller who may not read it; the change
//! feed lists exactly the changes of the incidents the caller may read; the
//! MISP feed (manifest, hashes, event files) lists and serves exactly the
//! readable ones, each other event file 404. Incidents come
//! with earlier versions (other TLP levels, sharing lists and values), all
//! stored in one batch as a group commit stores them: only the last
//! version decides who reads. The TAXII 2.1 server too: every collection
//! (by TLP audience and the one of everything), its manifest, every
//! version, and one object and its versions (404 when unreadable).

mod support;

use std::collections::BTreeSet;

use c5hub_model::{GlobalId, Incident, Observable, ObservableRole, OrgKind, Role, Tlp};
use c5hub_server::Config;
use c5hub_store::Submission;
use proptest::prelude::*;
use support::taxii::{Auth, all_objects, taxii_get};
use support::{Hub, get, locations};

const POOL: [&str; 6] = [
    "203.0.112.7",
    "203.0.112.0/24",
    "evil.test",
    "http://evil.test/login",
    "mule@evil.test",
    "+442079460958",
];

#[derive(Clone, Debug)]
struct Gen {
    reporter: usize,
    tlp: usize,
    shared: u8,
    recipients: u8,
    values: u8,
    /// Versions sent before this one, in the same batch, oldest first.
    earlier: Vec<Version>,
}

/// An earlier version of a generated incident.
#[derive(Clone, Debug)]
struct Version {
    tlp: usize,
    shared: u8,
    recipients: u8,
    values: u8,
}

/// The rule, as TLP 2.0 and the issue state it.
fn may_read(viewer: Option<usize>, public: bool, g: &Gen) -> bool {
    let tlp = Tlp::ALL[g.tlp];
    match viewer {
        None => public && tlp == Tlp::Clear,
        Some(v) if v == g.reporter => true,
        Some(v) => match tlp {
            Tlp::Clear | Tlp::Green => true,
            Tlp::Amber => g.shared & (1 << v) != 0,
            Tlp::AmberStrict => false,
            Tlp::Red => g.recipients & (1 << v) != 0,
        },
    }
}

fn org(i: usize) -> String {
    format!("org{i}")
}

fn ids_in_html(body: &str) -> BTreeSet<i64> {
    body.match_indices("href=\"/incidents/")
        .filter_map(|(at, m)| {
            let rest = &body[at + m.len()..];
            let end = rest.find('"')?;
            rest[..end].parse().ok()
        })
        .collect()
}

fn check(n_orgs: usize, gens: &[Gen], public: bool, loc: c5hub_store::Location) {
    let hub = Hub::start_with(
        loc,
        Config {
            public_access: public,
            ..support::test_config()
        },
    );
    let mut store = hub.store();
    let mut tokens = Vec::new();
    for i in 0..n_orgs {
        store
            .accounts()
            .add_org(&org(i), OrgKind::SectorCirt)
            .expect("org");
        tokens.push(
            store
                .accounts()
                .create_token(&org(i), Role::Viewer, None, None, None, None)
                .expect("token")
                .1,
        );
    }
    // Every version of every incident in one batch: the earlier versions
    // first, interleaved across incidents, then each incident's last.
    let pick = |bits: u8| -> Vec<String> {
        (0..n_orgs)
            .filter(|i| bits & (1 << i) != 0)
            .map(org)
            .collect()
    };
    let version = |n: usize, v: &Version| {
        let mut m = Incident::new(
            GlobalId::new("gen.test", &format!("G-{n}")).expect("id"),
            Tlp::ALL[v.tlp],
        );
        m.title = Some(format!("generated {n} at {}", Tlp::ALL[v.tlp]));
        for (i, x) in POOL.iter().enumerate() {
            if v.values & (1 << i) != 0 {
                m.add_observable(
                    Observable::guess(x).expect("pool value"),
                    ObservableRole::Source,
                );
            }
        }
        (m, org(gens[n].reporter), pick(v.shared), pick(v.recipients))
    };
    let rounds = gens.iter().map(|g| g.earlier.len()).max().unwrap_or(0);
    let mut owned = Vec::new();
    for r in 0..rounds {
        for (n, g) in gens.iter().enumerate() {
            if let Some(v) = g.earlier.get(r) {
                owned.push(version(n, v));
            }
        }
    }
    let first_last = owned.len();
    for (n, g) in gens.iter().enumerate() {
        let last = Version {
            tlp: g.tlp,
            shared: g.shared,
            recipients: g.recipients,
            values: g.values,
        };
        owned.push(version(n, &last));
    }
    let batch: Vec<Submission<'_>> = owned
        .iter()
        .map(|(m, reporter, shared, recipients)| Submission {
            incident: m,
            reporter,
            source: "prop",
            shared_with: shared,
            recipients,
        })
        .collect();
    let outcomes = store.incidents().ingest(&batch).expect("ingest");
    let keys: Vec<i64> = outcomes[first_last..].iter().map(|o| o.key()).collect();
    for (g, &key) in gens.iter().zip(&keys) {
        store
            .workflow()
            .add_comment(key, "someone", &org(g.reporter), "note")
            .expect("comment");
    }
    // Every change stored, as the reporters read them (each reads all of
    // its own): the feed of any viewer must be the part of it about the
    // incidents that viewer may read.
    let mut every = std::collections::BTreeMap::new();
    for i in 0..n_orgs {
        let viewer = c5hub_model::Viewer::member(org(i));
        let mut since = 0;
        loop {
            let page = store
                .incidents()
                .changes_since(since, &viewer, 0)
                .expect("changes");
            if page.changes.is_empty() {
                break;
            }
            for c in &page.changes {
                every.insert(c.seq, (c.kind.as_str().to_owned(), c.incident));
            }
            since = page.next;
        }
    }
    for (g, k) in gens.iter().zip(&keys) {
        let of = |kind: &str| every.values().filter(|(x, i)| x == kind && i == k).count();
        assert_eq!((of("incident"), of("comment")), (1, 1), "changes of {k}");
        assert!(of("version") <= g.earlier.len(), "versions of {k}");
    }
    drop(store);

    let viewers: Vec<Option<usize>> = (0..n_orgs).map(Some).chain([None]).collect();
    for v in viewers {
        let token = v.map(|i| tokens[i].as_str());
        let expected: BTreeSet<i64> = gens
            .iter()
            .zip(&keys)
            .filter(|(g, _)| {
                let rule = may_read(v, public, g);
                assert_eq!(
                    rule,
                    can_read(v, public, g, n_orgs),
                    "the oracle is the rule"
                );
                rule
            })
            .map(|(_, k)| *k)
            .collect();
        let who = format!("viewer {v:?} (public {public})");
        if v.is_none() && !public {
            assert_eq!(
                get(&hub.url("/api/v1/incidents"), None).status,
                401,
                "{who}"
            );
            assert_eq!(
                get(&hub.url("/api/v1/lookup?value=evil.test"), None).status,
                401,
                "{who}"
            );
            assert_eq!(get(&hub.url("/api/v1/stats"), None).status, 401, "{who}");
            assert_eq!(get(&hub.url("/api/v1/changes"), None).status, 401, "{who}");
            for path in ["/misp/manifest.json", "/misp/hashes.csv"] {
                assert_eq!(get(&hub.url(path), None).status, 401, "{who}: {path}");
            }
            for n in 0..gens.len() {
                let uuid = misp_uuid(n);
                let r = get(&hub.url(&format!("/misp/{uuid}.json")), None);
                assert_eq!(r.status, 401, "{who}: event file {uuid}");
            }
            for k in &keys {
                assert_eq!(
                    get(&hub.url(&format!("/api/v1/incidents/{k}")), None).status,
                    401,
                    "{who}"
                );
            }
            continue;
        }
        // List, all pages.
        let mut listed = BTreeSet::new();
        let mut url = hub.url("/api/v1/incidents?limit=3");
        loop {
            let page = get(&url, token).json();
            listed.extend(
                page["items"]
                    .as_array()
                    .expect("items")
                    .iter()
                    .filter_map(|i| i["id"].as_i64()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => url = hub.url(&format!("/api/v1/incidents?limit=3&cursor={c}")),
                None => break,
            }
        }
        assert_eq!(listed, expected, "{who}: list");
        // The change feed, all pages: exactly the changes of the incidents
        // this viewer may read, in order.
        let want: Vec<(i64, String, i64)> = every
            .iter()
            .filter(|(_, (_, k))| expected.contains(k))
            .map(|(seq, (kind, k))| (*seq, kind.clone(), *k))
            .collect();
        assert_eq!(changes(&hub, token), want, "{who}: change feed");
        // TAXII: every collection, the manifest, every version, and each
        // incident's object and versions.
        match token {
            None => {
                let r = taxii_get(&hub, "/taxii2/api1/collections/all/objects/", Auth::None);
                assert_eq!(r.status, 401, "{who}: TAXII has no anonymous reader");
            }
            Some(t) => taxii_reads(&hub, t, gens, &keys, &expected, &who),
        }
        // Every per-incident read.
        for k in &keys {
            let readable = expected.contains(k);
            for path in ["", "/history", "/comments", "/handlers", "/related"] {
                let r = get(&hub.url(&format!("/api/v1/incidents/{k}{path}")), token);
                assert_eq!(
                    r.status == 200,
                    readable,
                    "{who}: GET /api/v1/incidents/{k}{path} -> {} {}",
                    r.status,
                    r.body
                );
                if !readable {
                    assert_eq!(r.status, 404, "{who}: an unreadable incident looks absent");
                }
            }
            if readable {
                let rel = get(&hub.url(&format!("/api/v1/incidents/{k}/related")), token).json();
                for r in rel.as_array().expect("related") {
                    let id = r["incident"]["id"].as_i64().expect("id");
                    assert!(expected.contains(&id), "{who}: related to {k} reveals {id}");
                }
            }
            let page = get(&hub.url(&format!("/incidents/{k}")), token);
            assert_eq!(page.status == 200, readable, "{who}: web page of {k}");
            if readable {
                assert!(
                    ids_in_html(&page.body).is_subset(&expected),
                    "{who}: web page of {k} links an unreadable incident"
                );
            }
        }
        // Lookup of every pool value: sound and complete for exact matches.
        for (i, value) in POOL.iter().enumerate() {
            let l = get(
                &hub.url(&format!("/api/v1/lookup?value={}", urlencode(value))),
                token,
            )
            .json();
            let found: BTreeSet<i64> = l["incidents"]
                .as_array()
                .expect("incidents")
                .iter()
                .filter_map(|m| m["incident"]["id"].as_i64())
                .collect();
            assert!(
                found.is_subset(&expected),
                "{who}: lookup {value} reveals {:?}",
                found.difference(&expected)
            );
            let holders: BTreeSet<i64> = gens
                .iter()
                .zip(&keys)
                .filter(|(g, k)| g.values & (1 << i) != 0 && expected.contains(k))
                .map(|(_, k)| *k)
                .collect();
            assert!(
                holders.is_subset(&found),
                "{who}: lookup {value} misses {:?}",
                holders.difference(&found)
            );
            let sightings: i64 = l["sightings"]
                .as_array()
                .expect("sightings")
                .iter()
                .filter(|s| s["observable"]["value"] == l["value"]["value"])
                .map(|s| s["count"].as_i64().unwrap_or(0))
                .sum();
            assert!(
                sightings <= holders.len() as i64,
                "{who}: sightings of {value} count unreadable incidents ({sightings} > {})",
                holders.len()
            );
            let page = get(&hub.url(&format!("/lookup?q={}", urlencode(value))), token);
            assert!(
                ids_in_html(&page.body).is_subset(&expected),
                "{who}: lookup page for {value}"
            );
            let filtered = get(
                &hub.url(&format!(
                    "/api/v1/incidents?observable={}",
                    urlencode(value)
                )),
                token,
            )
            .json();
            let ids: BTreeSet<i64> = filtered["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter_map(|x| x["id"].as_i64())
                .collect();
            assert!(ids.is_subset(&expected), "{who}: list by value {value}");
        }
        // The MISP feed: the manifest lists exactly the readable incidents'
        // events, hashes.csv names no other (and every readable one with a
        // value), and an event file answers exactly when readable.
        let uuid_of_key = |k: i64| misp_uuid(keys.iter().position(|x| *x == k).expect("a key"));
        let want: BTreeSet<String> = expected.iter().map(|k| uuid_of_key(*k)).collect();
        let manifest = get(&hub.url("/misp/manifest.json"), token).json();
        let listed: BTreeSet<String> = manifest
            .as_object()
            .expect("manifest object")
            .keys()
            .cloned()
            .collect();
        assert_eq!(listed, want, "{who}: MISP manifest");
        let hashes = get(&hub.url("/misp/hashes.csv"), token);
        assert_eq!(hashes.status, 200, "{who}: hashes.csv");
        let hashed: BTreeSet<String> = hashes
            .body
            .lines()
            .filter_map(|l| Some(l.split_once(',')?.1.to_owned()))
            .collect();
        let with_values: BTreeSet<String> = gens
            .iter()
            .zip(&keys)
            .filter(|(g, k)| g.values != 0 && expected.contains(k))
            .map(|(_, k)| uuid_of_key(*k))
            .collect();
        assert_eq!(hashed, with_values, "{who}: MISP hashes.csv");
        for (n, key) in keys.iter().enumerate() {
            let uuid = misp_uuid(n);
            let r = get(&hub.url(&format!("/misp/{uuid}.json")), token);
            let readable = expected.contains(key);
            assert_eq!(
                r.status,
                if readable { 200 } else { 404 },
                "{who}: /misp/{uuid}.json"
            );
            if readable {
                assert_eq!(r.json()["Event"]["uuid"], uuid.as_str(), "{who}");
            }
        }
        // Export and counts.
        let csv = get(&hub.url("/api/v1/export?format=csv"), token);
        let exported: BTreeSet<i64> = csv
            .body
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next()?.parse().ok())
            .collect();
        assert_eq!(exported, expected, "{who}: export");
        let st = get(&hub.url("/api/v1/stats"), token).json();
        assert_eq!(
            st["total"].as_i64(),
            Some(expected.len() as i64),
            "{who}: stats"
        );
        let list_page = get(&hub.url("/incidents?limit=1000"), token);
        assert_eq!(ids_in_html(&list_page.body), expected, "{who}: web list");
        let dash = get(&hub.url("/"), token);
        assert!(
            ids_in_html(&dash.body).is_subset(&expected),
            "{who}: dashboard"
        );
    }
    hub.stop();
}

/// The IncidentIDs of the incident objects among TAXII objects.
fn taxii_incidents(objects: &[serde_json::Value]) -> BTreeSet<String> {
    objects
        .iter()
        .filter(|o| o["type"] == "incident")
        .filter_map(|o| o["external_references"][0]["external_id"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Every TAXII read path as `token`: exactly the incidents in `expected`.
fn taxii_reads(
    hub: &Hub,
    token: &str,
    gens: &[Gen],
    keys: &[i64],
    expected: &BTreeSet<i64>,
    who: &str,
) {
    let name = |n: usize| format!("gen.test:G-{n}");
    let want = |tlps: &[Tlp]| -> BTreeSet<String> {
        gens.iter()
            .zip(keys)
            .enumerate()
            .filter(|(_, (g, k))| {
                expected.contains(k) && (tlps.is_empty() || tlps.contains(&Tlp::ALL[g.tlp]))
            })
            .map(|(n, _)| name(n))
            .collect()
    };
    let auth = Auth::Token(token);
    let all = all_objects(hub, auth, "all", "", 4);
    assert_eq!(
        taxii_incidents(&all),
        want(&[]),
        "{who}: TAXII collection all"
    );
    for (coll, tlps) in [
        ("tlp-clear", &[Tlp::Clear][..]),
        ("tlp-green", &[Tlp::Green]),
        ("tlp-amber", &[Tlp::Amber, Tlp::AmberStrict]),
        ("tlp-red", &[Tlp::Red]),
    ] {
        let objects = all_objects(hub, auth, coll, "", 1000);
        assert_eq!(taxii_incidents(&objects), want(tlps), "{who}: TAXII {coll}");
    }
    let every = all_objects(hub, auth, "all", "match[version]=all", 5);
    assert_eq!(
        taxii_incidents(&every),
        want(&[]),
        "{who}: TAXII every version"
    );
    let m = taxii_get(hub, "/taxii2/api1/collections/all/manifest/", auth).json();
    let listed: BTreeSet<String> = m["objects"]
        .as_array()
        .map(|o| {
            o.iter()
                .filter_map(|r| r["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let ids: BTreeSet<String> = all
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect();
    assert_eq!(listed, ids, "{who}: TAXII manifest");
    for (n, k) in keys.iter().enumerate() {
        let m = Incident::new(
            GlobalId::new("gen.test", &format!("G-{n}")).expect("id"),
            Tlp::Clear,
        );
        let id = c5hub_stix::export::incident_id(&m);
        for path in ["", "versions/"] {
            let r = taxii_get(
                hub,
                &format!("/taxii2/api1/collections/all/objects/{id}/{path}"),
                auth,
            );
            assert_eq!(
                r.status,
                if expected.contains(k) { 200 } else { 404 },
                "{who}: TAXII object {n} {path}: {}",
                r.body
            );
        }
    }
}

/// The MISP event uuid of generated incident `n` (`gen.test:G-{n}`).
fn misp_uuid(n: usize) -> String {
    c5hub_formats::misp::uuid_of(&format!("gen.test:G-{n}"))
}

/// `Viewer::can_read` on a generated incident.
fn can_read(viewer: Option<usize>, public: bool, g: &Gen, n_orgs: usize) -> bool {
    let v = match viewer {
        Some(i) => c5hub_model::Viewer::member(org(i)),
        None => c5hub_model::Viewer::Anonymous {
            public_access: public,
        },
    };
    let names = |bits: u8| -> Vec<String> {
        (0..n_orgs)
            .filter(|i| bits & (1 << i) != 0)
            .map(org)
            .collect()
    };
    let (shared, recipients) = (names(g.shared), names(g.recipients));
    let shared: Vec<&str> = shared.iter().map(String::as_str).collect();
    let recipients: Vec<&str> = recipients.iter().map(String::as_str).collect();
    v.can_read(&c5hub_model::Audience {
        reporter: &org(g.reporter),
        tlp: Tlp::ALL[g.tlp],
        shared_with: &shared,
        recipients: &recipients,
    })
}

/// `GET /api/v1/changes`, every page (three changes a page): (seq, kind,
/// incident) of each change.
fn changes(hub: &Hub, token: Option<&str>) -> Vec<(i64, String, i64)> {
    let mut since = 0;
    let mut out = Vec::new();
    loop {
        let r = get(
            &hub.url(&format!("/api/v1/changes?since={since}&limit=3")),
            token,
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let page = r.json();
        let items = page["changes"].as_array().expect("changes");
        if items.is_empty() {
            return out;
        }
        for c in items {
            out.push((
                c["seq"].as_i64().expect("seq"),
                c["kind"].as_str().expect("kind").to_owned(),
                c["incident"].as_i64().expect("incident"),
            ));
        }
        since = page["next"].as_i64().expect("next");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn gen_strategy(n_orgs: usize) -> impl Strategy<Value = Vec<Gen>> {
    let mask = (1u8 << n_orgs) - 1;
    let earlier = proptest::collection::vec(
        (0..5usize, any::<u8>(), any::<u8>(), 1u8..64).prop_map(move |(tlp, s, r, values)| {
            Version {
                tlp,
                shared: s & mask,
                recipients: r & mask,
                values,
            }
        }),
        0..3,
    );
    proptest::collection::vec(
        (
            0..n_orgs,
            0..5usize,
            any::<u8>(),
            any::<u8>(),
            1u8..64,
            earlier,
        )
            .prop_map(move |(reporter, tlp, s, r, values, earlier)| Gen {
                reporter,
                tlp,
                shared: s & mask,
                recipients: r & mask,
                values,
                earlier,
            }),
        1..10,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn no_read_path_leaks((n_orgs, gens, public) in (2usize..5).prop_flat_map(|n| (Just(n), gen_strategy(n), any::<bool>()))) {
        let loc = locations("tlp_prop").remove(0);
        check(n_orgs, &gens, public, loc);
    }
}

/// The explicit cases of the rule, on every backend.
#[test]
fn explicit_cases_on_every_backend() {
    let all = |reporter, tlp, shared, recipients| Gen {
        reporter,
        tlp,
        shared,
        recipients,
        values: 0b1111,
        earlier: Vec::new(),
    };
    let was = |tlp, shared, recipients| Version {
        tlp,
        shared,
        recipients,
        values: 0b111111,
    };
    let with = |g: Gen, earlier: Vec<Version>| Gen { earlier, ..g };
    let gens = vec![
        all(0, 0, 0, 0),         // CLEAR
        all(0, 1, 0, 0),         // GREEN
        all(0, 2, 0b010, 0),     // AMBER shared with org1
        all(0, 3, 0b110, 0b110), // AMBER+STRICT: sharing lists ignored
        all(0, 4, 0, 0b100),     // RED to org2
        all(1, 3, 0, 0),         // org1's own AMBER+STRICT
        // Earlier versions in the same batch, looser than the last one:
        // a shrinking sharing list, GREEN then AMBER+STRICT, RED recipients
        // then AMBER shared with others.
        with(all(0, 2, 0b010, 0), vec![was(2, 0b110, 0)]),
        with(all(0, 3, 0, 0), vec![was(1, 0, 0), was(0, 0b110, 0b110)]),
        with(all(0, 2, 0b100, 0), vec![was(4, 0, 0b010)]),
        // Stricter earlier versions: the last, looser one decides.
        with(all(1, 1, 0, 0), vec![was(3, 0, 0), was(4, 0, 0b001)]),
    ];
    for public in [false, true] {
        for loc in locations("tlp_explicit") {
            check(3, &gens, public, loc);
        }
    }
}
