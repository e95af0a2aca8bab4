//! Who may change what, through every door that writes (the API and the
//! web UI), against an oracle written from the rule's text in README: an
//! incident's status and assignee are changed by the analysts and admins
//! of the reporting organisation, of the hub operator and of the
//! co-handlers the reporter names; co-handlers are named by the reporter's
//! and the hub operator's analysts and admins; any reader with the
//! reporter role or above comments; what one may not read is "not found".
//! On SQLite and PostgreSQL.

mod support;

use c5hub_model::{OrgKind, Role};
use serde_json::{Value, json};
use support::{Hub, call, call_with, get, locations, login, post_json};

const HUB: &str = "national-cirt";
const REPORTER: &str = "bank";
const HANDLER: &str = "energy";
const READER: &str = "telco";
const OUTSIDER: &str = "peer";
const ORGS: [&str; 5] = [HUB, REPORTER, HANDLER, READER, OUTSIDER];

/// The incidents: one per TLP that matters here, each shared (AMBER) with
/// the co-handler and the reader.
const TLPS: [&str; 3] = ["green", "amber", "amber+strict"];

fn readable(org: &str, tlp: &str) -> bool {
    match tlp {
        "green" => true,
        "amber" => [REPORTER, HANDLER, READER].contains(&org),
        _ => org == REPORTER,
    }
}

fn handles(org: &str) -> bool {
    [REPORTER, HUB, HANDLER].contains(&org)
}

fn triager(role: Role) -> bool {
    matches!(role, Role::Admin | Role::Analyst)
}

/// The expected status of a write by `role` of `org` on an incident of
/// `tlp`, for each kind of write.
fn oracle(write: &str, org: &str, role: Role, tlp: &str) -> u16 {
    if !readable(org, tlp) {
        return 404;
    }
    let allowed = match write {
        "status" | "assignee" => triager(role) && handles(org),
        "handlers" => triager(role) && (org == REPORTER || org == HUB),
        "comment" => role != Role::Viewer,
        other => panic!("{other}"),
    };
    match (allowed, write) {
        (false, _) => 403,
        (true, "comment") => 201,
        (true, _) => 200,
    }
}

struct Actor {
    org: &'static str,
    role: Role,
    token: String,
    cookie: String,
    csrf: String,
}

fn setup(hub: &Hub) -> (Vec<Actor>, Vec<(i64, &'static str)>, String) {
    let mut actors = Vec::new();
    {
        let mut s = hub.store();
        for org in &ORGS[1..] {
            s.accounts().add_org(org, OrgKind::SectorCirt).expect("org");
        }
        for org in ORGS {
            for role in Role::ALL {
                let email = format!("{role}@{org}.test");
                s.accounts()
                    .add_user(&email, org, role, None)
                    .expect("user");
                let (_, token) = s
                    .accounts()
                    .create_token(org, role, Some(&email), None, None, None)
                    .expect("token");
                actors.push((org, role, token));
            }
        }
    }
    let actors: Vec<Actor> = actors
        .into_iter()
        .map(|(org, role, token)| {
            let (r, cookie) = login(&hub.base, &[("token", token.as_str())]);
            assert_eq!(r.status, 303, "{}", r.body);
            let cookie = cookie.expect("session");
            let me = support::me_by_cookie(&hub.base, &cookie);
            let csrf = me["csrf"].as_str().expect("csrf").to_owned();
            Actor {
                org,
                role,
                token,
                cookie,
                csrf,
            }
        })
        .collect();
    let reporter = actors
        .iter()
        .find(|a| a.org == REPORTER && a.role == Role::Analyst)
        .map(|a| a.token.clone())
        .expect("reporter");
    let mut incidents = Vec::new();
    for (n, tlp) in TLPS.into_iter().enumerate() {
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(&reporter),
            &json!({"id": format!("bank.test:W-{n}"), "tlp": tlp, "title": format!("{tlp} incident"),
                    "shared_with": [HANDLER, READER]}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let key = r.json()["results"][0]["id"].as_i64().expect("id");
        let r = call(
            "PUT",
            &hub.url(&format!("/api/v1/incidents/{key}/handlers")),
            Some(&reporter),
            Some("application/json"),
            Some(json!({"handlers": [HANDLER]}).to_string().as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        incidents.push((key, tlp));
    }
    (actors, incidents, reporter)
}

fn history_len(hub: &Hub, key: i64, reporter: &str) -> usize {
    get(
        &hub.url(&format!("/api/v1/incidents/{key}/history")),
        Some(reporter),
    )
    .json()
    .as_array()
    .map_or(0, Vec::len)
}

#[test]
fn every_write_door_follows_the_rule_of_who_may_change_what() {
    for loc in locations("who_changes") {
        let hub = Hub::start(loc.clone(), false);
        let (actors, incidents, reporter) = setup(&hub);
        let statuses = ["triaged", "in-progress"];
        for (n, a) in actors.iter().enumerate() {
            for &(key, tlp) in &incidents {
                let what =
                    |w: &str| format!("{loc}: {} of {} {w} on the {tlp} incident", a.role, a.org);
                let base = format!("/api/v1/incidents/{key}");
                let status = statuses[n % 2];
                // API: status.
                let before = history_len(&hub, key, &reporter);
                let r = call(
                    "PATCH",
                    &hub.url(&base),
                    Some(&a.token),
                    Some("application/json"),
                    Some(json!({"status": status}).to_string().as_bytes()),
                );
                let want = oracle("status", a.org, a.role, tlp);
                assert_eq!(r.status, want, "{}: {}", what("status (API)"), r.body);
                if want != 200 {
                    assert_eq!(
                        history_len(&hub, key, &reporter),
                        before,
                        "{}",
                        what("refused, yet recorded")
                    );
                }
                // API: assignee (a user of the reporting organisation).
                let r = call(
                    "PATCH",
                    &hub.url(&base),
                    Some(&a.token),
                    Some("application/json"),
                    Some(
                        json!({"assignee": format!("analyst@{REPORTER}.test")})
                            .to_string()
                            .as_bytes(),
                    ),
                );
                assert_eq!(
                    r.status,
                    oracle("assignee", a.org, a.role, tlp),
                    "{}: {}",
                    what("assignee (API)"),
                    r.body
                );
                // API: co-handlers (the same list again).
                let r = call(
                    "PUT",
                    &hub.url(&format!("{base}/handlers")),
                    Some(&a.token),
                    Some("application/json"),
                    Some(json!({"handlers": [HANDLER]}).to_string().as_bytes()),
                );
                assert_eq!(
                    r.status,
                    oracle("handlers", a.org, a.role, tlp),
                    "{}: {}",
                    what("handlers (API)"),
                    r.body
                );
                // API: comment.
                let r = post_json(
                    &hub.url(&format!("{base}/comments")),
                    Some(&a.token),
                    &json!({"body": "seen"}),
                );
                assert_eq!(
                    r.status,
                    oracle("comment", a.org, a.role, tlp),
                    "{}: {}",
                    what("comment (API)"),
                    r.body
                );
                // Web UI: the status form, the comment form. A refusal is
                // an error page with the same status; a success goes back
                // to the incident (303).
                let form = |path: &str, body: String| {
                    call_with(
                        "POST",
                        &hub.url(path),
                        None,
                        &[("Cookie", &a.cookie)],
                        Some("application/x-www-form-urlencoded"),
                        Some(body.as_bytes()),
                    )
                };
                let web = |api: u16| if api == 200 || api == 201 { 303 } else { api };
                let r = form(
                    &format!("/incidents/{key}/status"),
                    format!("csrf={}&status={status}&note=", a.csrf),
                );
                assert_eq!(
                    r.status,
                    web(oracle("status", a.org, a.role, tlp)),
                    "{}",
                    what("status (web)")
                );
                let r = form(
                    &format!("/incidents/{key}/comments"),
                    format!("csrf={}&body=seen", a.csrf),
                );
                assert_eq!(
                    r.status,
                    web(oracle("comment", a.org, a.role, tlp)),
                    "{}",
                    what("comment (web)")
                );
                let r = form(
                    &format!("/incidents/{key}/handlers"),
                    format!("csrf={}&handlers={HANDLER}", a.csrf),
                );
                assert_eq!(
                    r.status,
                    web(oracle("handlers", a.org, a.role, tlp)),
                    "{}",
                    what("handlers (web)")
                );
                // The page shows only the forms the rule allows.
                let page = call_with(
                    "GET",
                    &hub.url(&format!("/incidents/{key}")),
                    None,
                    &[("Cookie", &a.cookie)],
                    None,
                    None,
                );
                if readable(a.org, tlp) {
                    assert_eq!(page.status, 200);
                    let triage = oracle("status", a.org, a.role, tlp) == 200;
                    assert_eq!(
                        page.body.contains("/status\""),
                        triage,
                        "{}",
                        what("triage form shown")
                    );
                    let comment = oracle("comment", a.org, a.role, tlp) == 201;
                    assert_eq!(
                        page.body.contains("/comments\""),
                        comment,
                        "{}",
                        what("comment form shown")
                    );
                    let name = oracle("handlers", a.org, a.role, tlp) == 200;
                    assert_eq!(
                        page.body.contains("/handlers\""),
                        name,
                        "{}",
                        what("co-handler form shown")
                    );
                } else {
                    assert_eq!(page.status, 404, "{}", what("page"));
                }
            }
        }
        hub.stop();
    }
}

#[test]
fn the_assignee_handles_the_incident_and_a_repeated_status_records_nothing() {
    for loc in locations("who_assigns") {
        let hub = Hub::start(loc.clone(), false);
        let (actors, incidents, reporter) = setup(&hub);
        let (key, _) = incidents[1]; // AMBER, shared with energy and telco.
        let patch = |token: &str, v: Value| {
            call(
                "PATCH",
                &hub.url(&format!("/api/v1/incidents/{key}")),
                Some(token),
                Some("application/json"),
                Some(v.to_string().as_bytes()),
            )
        };
        // A co-handler's user may be assigned; a reader's may not, nor
        // somebody nobody knows.
        let r = patch(
            &reporter,
            json!({"assignee": format!("viewer@{HANDLER}.test")}),
        );
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        for who in [
            format!("analyst@{READER}.test"),
            "nobody@bank.test".to_owned(),
        ] {
            let r = patch(&reporter, json!({"assignee": who}));
            assert_eq!(r.status, 422, "{loc}: {who}: {}", r.body);
            assert!(r.body.contains("/assignee"), "{}", r.body);
        }
        // The reader is refused with a reason; it may still comment.
        let telco = actors
            .iter()
            .find(|a| a.org == READER && a.role == Role::Analyst)
            .expect("telco analyst");
        let r = patch(&telco.token, json!({"status": "closed"}));
        assert_eq!(r.status, 403, "{loc}");
        assert!(r.body.contains("co-handlers"), "{}", r.body);
        // The same status twice: one history entry.
        let before = history_len(&hub, key, &reporter);
        assert_eq!(patch(&reporter, json!({"status": "triaged"})).status, 200);
        assert_eq!(patch(&reporter, json!({"status": "triaged"})).status, 200);
        assert_eq!(history_len(&hub, key, &reporter), before + 1, "{loc}");
        // Dropping the co-handler takes its rights away.
        let energy = actors
            .iter()
            .find(|a| a.org == HANDLER && a.role == Role::Analyst)
            .expect("energy analyst");
        assert_eq!(
            patch(&energy.token, json!({"status": "in-progress"})).status,
            200
        );
        let r = call(
            "PUT",
            &hub.url(&format!("/api/v1/incidents/{key}/handlers")),
            Some(&reporter),
            Some("application/json"),
            Some(json!({"handlers": []}).to_string().as_bytes()),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            patch(&energy.token, json!({"status": "closed"})).status,
            403,
            "{loc}"
        );
        // Unknown organisations are refused by name.
        let r = call(
            "PUT",
            &hub.url(&format!("/api/v1/incidents/{key}/handlers")),
            Some(&reporter),
            Some("application/json"),
            Some(json!({"handlers": ["no-such-org"]}).to_string().as_bytes()),
        );
        assert_eq!(r.status, 422, "{}", r.body);
        assert!(r.body.contains("no-such-org"), "{}", r.body);
        hub.stop();
    }
}
