//! Issue 16, item 9, over real HTTP on SQLite and PostgreSQL: the hub
//! operator's own country is validated by the edition's second validator
//! organisation, or, when it names none, by a hub admin, with the conflict
//! written to the audit log and shown on the results; a submitted response
//! says on its page who validates it.

mod support;

use c5hub_assess::Methodology;
use c5hub_model::{OrgKind, Role};
use c5hub_store::{Actor, NewEdition, ResponseStatus};
use support::{Answer, Hub, call_with, get, locations, login, me_by_cookie};

const PASSWORD: &str = "correct horse battery staple";
const HUB: &str = "national-cirt";

struct Session {
    cookie: String,
    csrf: String,
}

fn session(hub: &Hub, email: &str) -> Session {
    let (_, cookie) = login(&hub.base, &[("email", email), ("password", PASSWORD)]);
    let cookie = cookie.unwrap_or_else(|| panic!("{email} logs in"));
    let csrf = me_by_cookie(&hub.base, &cookie)["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();
    Session { cookie, csrf }
}

fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

impl Session {
    fn get(&self, hub: &Hub, path: &str) -> Answer {
        call_with(
            "GET",
            &hub.url(path),
            None,
            &[("Cookie", &self.cookie)],
            None,
            None,
        )
    }

    fn post(&self, hub: &Hub, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = format!("csrf={}", enc(&self.csrf));
        for (k, v) in fields {
            body.push_str(&format!("&{}={}", enc(k), enc(v)));
        }
        call_with(
            "POST",
            &hub.url(path),
            None,
            &[("Cookie", &self.cookie)],
            Some("application/x-www-form-urlencoded"),
            Some(body.as_bytes()),
        )
    }
}

/// An edition with the hub operator answering for KEN, submitted: the
/// edition's and the response's keys.
fn submitted_own_country(hub: &Hub, year: i32) -> (i64, i64) {
    let m = Methodology::builtin("cirt-readiness").expect("methodology");
    let mut st = hub.store();
    let by = Actor {
        name: "boss@hub.test",
        org: HUB,
    };
    let ed = st
        .assessment()
        .add_edition(
            &NewEdition {
                methodology: &m.id,
                methodology_version: &m.version,
                year,
                title: "Readiness",
            },
            by,
        )
        .expect("edition");
    let r = st
        .assessment()
        .add_response(ed.id, "KEN", HUB, by)
        .expect("response");
    st.assessment()
        .submit_response(
            r.id,
            Actor {
                name: "focal@hub.test",
                org: HUB,
            },
        )
        .expect("submit");
    std::thread::spawn(move || drop(st)).join().expect("close");
    (ed.id, r.id)
}

fn status(hub: &Hub, id: i64) -> ResponseStatus {
    hub.store()
        .assessment()
        .response(id)
        .expect("read")
        .expect("response")
        .status
}

#[test]
fn the_operators_own_country_is_validated_by_a_second_validator_or_a_recorded_conflict() {
    for loc in locations("assess-own") {
        let hub = Hub::start(loc.clone(), false);
        {
            let mut st = hub.store();
            st.accounts()
                .add_org("peer-cirt", OrgKind::NationalCirt)
                .expect("org");
            for (email, org, role) in [
                ("boss@hub.test", HUB, Role::Admin),
                ("analyst@hub.test", HUB, Role::Analyst),
                ("peer@peer.test", "peer-cirt", Role::Analyst),
            ] {
                st.accounts()
                    .add_user(email, org, role, Some(PASSWORD))
                    .expect("user");
            }
            std::thread::spawn(move || drop(st)).join().expect("close");
        }
        let boss = session(&hub, "boss@hub.test");
        let analyst = session(&hub, "analyst@hub.test");
        let peer = session(&hub, "peer@peer.test");

        // No second validator: the page says who validates; the hub's
        // analyst may not; a hub admin may, and the conflict is recorded
        // and shown on the results.
        let (ed, r) = submitted_own_country(&hub, 2025);
        let page = analyst.get(&hub, &format!("/assess/responses/{r}"));
        assert_eq!(page.status, 200, "{loc}");
        assert!(
            page.body.contains("id=\"who-validates\"")
                && page.body.contains("names no second validator"),
            "{loc}: {}",
            page.body
        );
        let decide = format!("/assess/responses/{r}/decision");
        let refused = analyst.post(&hub, &decide, &[("decision", "validate")]);
        assert_eq!(refused.status, 403, "{loc}: {}", refused.body);
        assert_eq!(status(&hub, r), ResponseStatus::Submitted);
        let done = boss.post(&hub, &decide, &[("decision", "validate")]);
        assert_eq!(done.status, 303, "{loc}: {}", done.body);
        assert_eq!(status(&hub, r), ResponseStatus::Validated);
        let audit = get(&hub.url("/api/v1/audit?limit=100"), Some(&hub.admin)).json();
        assert!(
            audit["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|a| a["action"] == "assess.response.conflict"
                    && a["target"] == format!("response:{r}")),
            "{loc}: {audit}"
        );
        let results = peer.get(&hub, &format!("/assess/editions/{ed}/results"));
        assert!(
            results.body.contains("Conflict of interest") && results.body.contains("KEN"),
            "{loc}: {}",
            results.body
        );

        // A second validator named: only its admins and analysts validate
        // (and read) the operator's own response; the hub's admin is told
        // who does.
        let (ed, r) = submitted_own_country(&hub, 2026);
        assert_eq!(
            peer.get(&hub, &format!("/assess/responses/{r}")).status,
            404,
            "{loc}: not readable before being named"
        );
        let named = peer.post(
            &hub,
            &format!("/assess/editions/{ed}/second-validator"),
            &[("org", "peer-cirt")],
        );
        assert_eq!(named.status, 403, "{loc}: only the operator names it");
        let named = boss.post(
            &hub,
            &format!("/assess/editions/{ed}/second-validator"),
            &[("org", "peer-cirt")],
        );
        assert_eq!(named.status, 303, "{loc}: {}", named.body);
        let decide = format!("/assess/responses/{r}/decision");
        let refused = boss.post(&hub, &decide, &[("decision", "validate")]);
        assert_eq!(refused.status, 403, "{loc}: {}", refused.body);
        assert!(refused.body.contains("peer-cirt"), "{}", refused.body);
        let page = peer.get(&hub, &format!("/assess/responses/{r}"));
        assert_eq!(page.status, 200, "{loc}");
        assert!(page.body.contains("second validator"), "{}", page.body);
        let done = peer.post(&hub, &decide, &[("decision", "validate")]);
        assert_eq!(done.status, 303, "{loc}: {}", done.body);
        assert_eq!(status(&hub, r), ResponseStatus::Validated);
        let results = peer.get(&hub, &format!("/assess/editions/{ed}/results"));
        assert!(
            !results.body.contains("Conflict of interest"),
            "{loc}: {}",
            results.body
        );
        hub.stop();
    }
}

#[test]
fn the_demo_seeds_an_edition_with_a_response_in_each_state() {
    for loc in locations("assess-demo") {
        let hub = Hub::start(loc.clone(), false);
        let mut st = hub.store();
        c5hub_server::demo::seed(&mut st, HUB, PASSWORD, 5)
            .expect("seed")
            .expect("seeded");
        let editions = st.assessment().editions().expect("editions");
        assert_eq!(editions.len(), 1, "{loc}");
        let ed = &editions[0];
        assert_eq!(ed.second_validator.as_deref(), Some("peer-ncirt"));
        let mut states: Vec<(String, String, ResponseStatus)> = st
            .assessment()
            .responses(ed.id)
            .expect("responses")
            .into_iter()
            .map(|r| (r.iso3, r.org, r.status))
            .collect();
        states.sort_by_key(|s| s.2.as_str());
        let got: Vec<ResponseStatus> = states.iter().map(|s| s.2).collect();
        for want in [
            ResponseStatus::Draft,
            ResponseStatus::Submitted,
            ResponseStatus::Returned,
            ResponseStatus::Validated,
        ] {
            assert!(got.contains(&want), "{loc}: {want:?} in {states:?}");
        }
        assert!(
            states
                .iter()
                .any(|(_, org, s)| org == HUB && *s == ResponseStatus::Submitted),
            "{loc}: the operator's own country waits for its second validator: {states:?}"
        );
        std::thread::spawn(move || drop(st)).join().expect("close");
        // The results score the validated one.
        let results = get(
            &hub.url(&format!("/api/v1/assess/editions/{}/results", ed.id)),
            Some(&hub.admin),
        );
        assert_eq!(results.status, 200, "{loc}: {}", results.body);
        assert_eq!(
            results.json().as_array().map(Vec::len),
            Some(1),
            "{loc}: {}",
            results.body
        );
        hub.stop();
    }
}
