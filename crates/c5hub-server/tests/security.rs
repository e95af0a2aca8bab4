//! The security review's findings on accounts and logging in, over real
//! HTTP on SQLite and PostgreSQL: who administers what (checked against an
//! oracle written from the rule's text, for every organisation, role and
//! target), `/metrics`, token log-ins, login throttling and login CSRF,
//! and caching of authenticated answers.

mod support;

use std::collections::BTreeSet;

use c5hub_model::{OrgKind, Role};
use c5hub_server::Config;
use serde_json::{Value, json};
use support::{Hub, call, get, locations, login, login_form, login_post, post_json, test_config};

const PASSWORD: &str = "correct horse battery staple";
const HUB: &str = "national-cirt";
const MEMBERS: [&str; 2] = ["fin-cert", "telco-a"];

/// A hub with two members, and a token of every role in every organisation.
struct Setup {
    hub: Hub,
    /// (org, role) → token.
    tokens: Vec<(String, Role, String)>,
}

impl Setup {
    fn new(hub: Hub) -> Setup {
        let mut s = hub.store();
        s.accounts()
            .add_org(MEMBERS[0], OrgKind::SectorCirt)
            .expect("org");
        s.accounts()
            .add_org(MEMBERS[1], OrgKind::Operator)
            .expect("org");
        let mut tokens = Vec::new();
        for org in [HUB, MEMBERS[0], MEMBERS[1]] {
            for role in Role::ALL {
                let (_, secret) = s
                    .accounts()
                    .create_token(org, role, None, Some("test"), None, None)
                    .expect("token");
                tokens.push((org.to_owned(), role, secret));
            }
            s.accounts()
                .add_user(
                    &format!("analyst@{org}.test"),
                    org,
                    Role::Analyst,
                    Some(PASSWORD),
                )
                .expect("user");
        }
        drop(s);
        Setup { hub, tokens }
    }

    fn token(&self, org: &str, role: Role) -> &str {
        self.tokens
            .iter()
            .find(|(o, r, _)| o == org && *r == role)
            .map(|(_, _, t)| t.as_str())
            .expect("token")
    }
}

/// The rule, from its text: the hub operator's admins administer the hub;
/// a member's admin administers its own organisation, granting at most its
/// own role; nobody else administers anything.
fn may_manage(actor_org: &str, actor_role: Role, target_org: &str, granted: Role) -> bool {
    actor_role == Role::Admin
        && (actor_org == HUB || (actor_org == target_org && Role::Admin.includes(granted)))
}

#[test]
fn who_administers_what_follows_the_rule_through_the_api() {
    for loc in locations("sec_admin") {
        let t = Setup::new(Hub::start(loc.clone(), false));
        let orgs = [HUB, MEMBERS[0], MEMBERS[1]];
        for actor_org in orgs {
            for actor_role in Role::ALL {
                let token = t.token(actor_org, actor_role).to_owned();
                for target in orgs {
                    for granted in Role::ALL {
                        let expect = may_manage(actor_org, actor_role, target, granted);
                        let r = post_json(
                            &t.hub.url("/api/v1/tokens"),
                            Some(&token),
                            &json!({"org": target, "role": granted.as_str()}),
                        );
                        let what = format!(
                            "{loc}: {actor_role} of {actor_org} makes a {granted} token for {target}"
                        );
                        if expect {
                            assert_eq!(r.status, 201, "{what}: {}", r.body);
                            assert_eq!(r.json()["org"], target, "{what}");
                        } else {
                            assert_eq!(r.status, 403, "{what}: {}", r.body);
                        }
                        let email = format!(
                            "u-{}-{}-{}-{}@x.test",
                            actor_org, actor_role, target, granted
                        );
                        let r = post_json(
                            &t.hub.url("/api/v1/users"),
                            Some(&token),
                            &json!({"email": email, "org": target, "role": granted.as_str()}),
                        );
                        if expect {
                            assert_eq!(r.status, 201, "{what} (user): {}", r.body);
                        } else {
                            assert_eq!(r.status, 403, "{what} (user): {}", r.body);
                        }
                    }
                }
                // Adding organisations: the hub's admins only.
                let name = format!("new-{actor_org}-{actor_role}");
                let r = post_json(
                    &t.hub.url("/api/v1/orgs"),
                    Some(&token),
                    &json!({"name": name, "type": "operator"}),
                );
                let expect = actor_org == HUB && actor_role == Role::Admin;
                assert_eq!(
                    r.status,
                    if expect { 201 } else { 403 },
                    "{loc}: {actor_role} of {actor_org} adds an organisation: {}",
                    r.body
                );
                // Peer hubs: added, listed, paused and removed by the
                // hub's admins only.
                let peer = format!("p-{actor_org}-{actor_role}");
                let r = post_json(
                    &t.hub.url("/api/v1/peers"),
                    Some(&token),
                    &json!({"name": peer, "url": "http://127.0.0.1:9/taxii2/api1/", "token": "t",
                            "policy": "[out]\npseudonymise = false\n"}),
                );
                assert_eq!(
                    r.status,
                    if expect { 201 } else { 403 },
                    "{loc}: {actor_role} of {actor_org} adds a peer: {}",
                    r.body
                );
                for (method, path) in [
                    ("GET", "/api/v1/peers".to_owned()),
                    (
                        "POST",
                        "/api/v1/peers/p-national-cirt-admin/pause".to_owned(),
                    ),
                    ("DELETE", format!("/api/v1/peers/{peer}")),
                ] {
                    let r = call(method, &t.hub.url(&path), Some(&token), None, None);
                    let ok = if method == "DELETE" { 204 } else { 200 };
                    assert_eq!(
                        r.status,
                        if expect { ok } else { 403 },
                        "{loc}: {actor_role} of {actor_org}: {method} {path}: {}",
                        r.body
                    );
                }
                // Listings: everything for the hub's admins, one's own for
                // a member's admin, nothing for others.
                for path in ["/api/v1/users", "/api/v1/tokens", "/api/v1/audit"] {
                    let r = get(&t.hub.url(path), Some(&token));
                    if actor_role != Role::Admin {
                        assert_eq!(r.status, 403, "{loc}: {actor_role} lists {path}");
                        continue;
                    }
                    assert_eq!(r.status, 200, "{loc}: {path}: {}", r.body);
                    let v = r.json();
                    let items = v
                        .get("items")
                        .unwrap_or(&v)
                        .as_array()
                        .expect("list")
                        .clone();
                    let seen: BTreeSet<String> = items
                        .iter()
                        .filter_map(|i| i["org"].as_str().map(str::to_owned))
                        .collect();
                    if actor_org == HUB && path != "/api/v1/audit" {
                        assert!(
                            seen.len() >= 2,
                            "{loc}: the hub's admin sees every org in {path}: {seen:?}"
                        );
                    } else if actor_org != HUB {
                        assert_eq!(
                            seen,
                            BTreeSet::from([actor_org.to_owned()]),
                            "{loc}: {actor_org}'s admin sees its own org only in {path}"
                        );
                    }
                }
            }
        }
        // By now every organisation's admin has written audit lines; the
        // hub's admins read them all.
        let all = get(&t.hub.url("/api/v1/audit?limit=10000"), Some(&t.hub.admin)).json();
        let seen: BTreeSet<&str> = all["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["org"].as_str())
            .collect();
        assert_eq!(seen, BTreeSet::from(orgs), "{loc}");
        t.hub.stop();
    }
}

/// The review's reproduction: a member's admin makes a hub admin token and
/// reads the hub's AMBER+STRICT incident with it. Now it gets nothing.
#[test]
fn a_members_admin_cannot_become_the_hubs_admin() {
    for loc in locations("sec_escalate") {
        let t = Setup::new(Hub::start(loc.clone(), false));
        let secret = post_json(
            &t.hub.url("/api/v1/incidents"),
            Some(&t.hub.admin),
            &json!({"id": "hub.test:STRICT-1", "tlp": "amber+strict", "title": "only the hub"}),
        );
        assert_eq!(secret.status, 201, "{}", secret.body);
        let fa = t.token(MEMBERS[0], Role::Admin);
        let r = post_json(
            &t.hub.url("/api/v1/tokens"),
            Some(fa),
            &json!({"org": HUB, "role": "admin"}),
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        assert!(r.body.contains("own organisation"), "{}", r.body);
        let list = get(&t.hub.url("/api/v1/incidents"), Some(fa));
        assert!(!list.body.contains("only the hub"), "{loc}");

        // Revoking the hub's own token: not found, and it still works.
        let tokens = get(&t.hub.url("/api/v1/tokens"), Some(&t.hub.admin)).json();
        let hub_admin_token = tokens
            .as_array()
            .expect("tokens")
            .iter()
            .find(|x| x["org"] == HUB && x["role"] == "admin")
            .and_then(|x| x["id"].as_i64())
            .expect("hub admin token");
        let r = call(
            "DELETE",
            &t.hub.url(&format!("/api/v1/tokens/{hub_admin_token}")),
            Some(fa),
            None,
            None,
        );
        assert_eq!(r.status, 404, "{loc}: {}", r.body);
        assert_eq!(
            get(&t.hub.url("/api/v1/me"), Some(&t.hub.admin)).status,
            200
        );

        // Its own tokens it may revoke.
        let own = post_json(
            &t.hub.url("/api/v1/tokens"),
            Some(fa),
            &json!({"org": MEMBERS[0], "role": "viewer"}),
        )
        .json();
        let r = call(
            "DELETE",
            &t.hub.url(&format!("/api/v1/tokens/{}", own["id"])),
            Some(fa),
            None,
            None,
        );
        assert_eq!(r.status, 204, "{loc}: {}", r.body);
        let gone = own["token"].as_str().expect("secret");
        assert_eq!(get(&t.hub.url("/api/v1/me"), Some(gone)).status, 401);

        // The audit log it reads holds its own organisation's lines only.
        let audit = get(&t.hub.url("/api/v1/audit?limit=10000"), Some(fa)).json();
        let items = audit["items"].as_array().expect("items");
        assert!(!items.is_empty());
        assert!(
            items.iter().all(|a| a["org"] == MEMBERS[0]),
            "{loc}: {audit}"
        );
        let all = get(&t.hub.url("/api/v1/audit?limit=10000"), Some(&t.hub.admin)).json();
        assert!(
            all["items"]
                .as_array()
                .expect("items")
                .iter()
                .any(|a| a["org"] == HUB),
            "{loc}"
        );
        t.hub.stop();
    }
}

/// The web UI refuses the same as the API, and offers a member's admin no
/// form for other organisations.
#[test]
fn the_admin_pages_hold_a_members_admin_to_its_organisation() {
    for loc in locations("sec_ui_admin") {
        let hub = Hub::start(loc.clone(), false);
        {
            let mut s = hub.store();
            s.accounts()
                .add_org(MEMBERS[0], OrgKind::SectorCirt)
                .expect("org");
            s.accounts()
                .add_user("admin@fin.test", MEMBERS[0], Role::Admin, Some(PASSWORD))
                .expect("user");
        }
        let (r, cookie) = login(
            &hub.base,
            &[("email", "admin@fin.test"), ("password", PASSWORD)],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        let cookie = cookie.expect("session");
        let me = support::me_by_cookie(&hub.base, &cookie);
        let csrf = me["csrf"].as_str().expect("csrf").to_owned();
        let page = support::call_with(
            "GET",
            &hub.url("/admin"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(!page.body.contains("action=\"/admin/orgs\""), "no org form");
        assert!(
            !page.body.contains(&format!("value=\"{HUB}\"")),
            "no hub option"
        );
        let form = |path: &str, body: String| {
            support::call_with(
                "POST",
                &hub.url(path),
                None,
                &[("Cookie", &cookie)],
                Some("application/x-www-form-urlencoded"),
                Some(body.as_bytes()),
            )
        };
        let r = form(
            "/admin/tokens",
            format!("csrf={csrf}&org={HUB}&role=admin&label=&days="),
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let r = form(
            "/admin/orgs",
            format!("csrf={csrf}&name=evil&type=operator"),
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        // Polled feeds are the hub operator's: a member's admin may neither
        // see nor add one through the page.
        let r = support::call_with(
            "GET",
            &hub.url("/admin/feeds"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let r = form(
            "/admin/feeds",
            format!(
                "csrf={csrf}&kind=taxii&url=http://127.0.0.1:9/taxii2/api1/&collection=all&every=15m&as={MEMBERS}&tlp=amber",
                MEMBERS = MEMBERS[0]
            ),
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        // So are peer hubs: no page, no add, no pause.
        let r = support::call_with(
            "GET",
            &hub.url("/admin/peers"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let r = form(
            "/admin/peers",
            format!(
                "csrf={csrf}&name=evil&url=http://127.0.0.1:9/taxii2/api1/&kind=c5hub&token=t&pseudonym_key=&org=&policy=%5Bout%5D%0Apseudonymise%20%3D%20false%0A"
            ),
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let r = form("/admin/peers/evil/pause", format!("csrf={csrf}"));
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let r = form(
            "/admin/tokens",
            format!(
                "csrf={csrf}&org={MEMBERS}&role=analyst&label=ok&days=",
                MEMBERS = MEMBERS[0]
            ),
        );
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        assert!(r.body.contains("new-token"), "{loc}");
        hub.stop();
    }
}

#[test]
fn metrics_answer_the_hubs_admins_only_and_count_nothing_tlp_hides() {
    for loc in locations("sec_metrics") {
        let t = Setup::new(Hub::start(loc.clone(), false));
        assert_eq!(get(&t.hub.url("/metrics"), None).status, 401, "{loc}");
        for (org, role) in [(MEMBERS[0], Role::Admin), (HUB, Role::Analyst)] {
            let r = get(&t.hub.url("/metrics"), Some(t.token(org, role)));
            assert_eq!(r.status, 403, "{loc}: {role} of {org}");
        }
        let r = get(&t.hub.url("/metrics"), Some(&t.hub.admin));
        assert_eq!(r.status, 200, "{loc}");
        assert!(r.body.contains("c5hub_http_requests_total"));
        for gauge in [
            "c5hub_observable_values",
            "c5hub_incidents ",
            "c5hub_postings",
        ] {
            assert!(!r.body.contains(gauge), "{loc}: {gauge} in {}", r.body);
        }
        t.hub.stop();
    }
    // On a metrics address of its own, /metrics needs no login there and
    // is gone from the main address.
    for loc in locations("sec_metrics_addr") {
        let hub = Hub::start_with(
            loc.clone(),
            Config {
                metrics_listen: Some("127.0.0.1:0".to_owned()),
                ..test_config()
            },
        );
        let at = hub.metrics_addr().expect("metrics address");
        // One request on the main address for the counters to show: the
        // exposition (OpenMetrics) names a counter family without
        // `_total` and writes the suffix on its samples only.
        assert_eq!(get(&hub.url("/healthz"), None).status, 200);
        let r = get(&format!("http://{at}/metrics"), None);
        assert_eq!(r.status, 200, "{loc}");
        assert!(r.body.contains("c5hub_http_requests_total"));
        assert_eq!(get(&hub.url("/metrics"), Some(&hub.admin)).status, 404);
        hub.stop();
    }
}

#[test]
fn a_token_login_takes_the_lesser_role_and_ends_with_the_token() {
    for loc in locations("sec_token_login") {
        let hub = Hub::start(loc.clone(), false);
        let (low, high, short) = {
            let mut s = hub.store();
            s.accounts()
                .add_org(MEMBERS[0], OrgKind::SectorCirt)
                .expect("org");
            s.accounts()
                .add_user("viewer@fin.test", MEMBERS[0], Role::Viewer, None)
                .expect("user");
            // An analyst token held by a viewer: logs in as a viewer.
            let (_, high) = s
                .accounts()
                .create_token(
                    MEMBERS[0],
                    Role::Analyst,
                    Some("viewer@fin.test"),
                    None,
                    None,
                    None,
                )
                .expect("token");
            s.accounts()
                .add_user("analyst@fin.test", MEMBERS[0], Role::Analyst, None)
                .expect("user");
            // A viewer token held by an analyst: logs in as a viewer.
            let (low_info, low) = s
                .accounts()
                .create_token(
                    MEMBERS[0],
                    Role::Viewer,
                    Some("analyst@fin.test"),
                    None,
                    None,
                    None,
                )
                .expect("token");
            let soon = chrono::Utc::now() + chrono::Duration::seconds(2);
            let (_, short) = s
                .accounts()
                .create_token(
                    MEMBERS[0],
                    Role::Analyst,
                    Some("analyst@fin.test"),
                    None,
                    Some(soon),
                    None,
                )
                .expect("token");
            ((low_info.id, low), high, short)
        };
        let me = |cookie: &str| {
            support::call_with(
                "GET",
                &hub.url("/api/v1/me"),
                None,
                &[("Cookie", cookie)],
                None,
                None,
            )
        };
        for secret in [&high, &low.1] {
            let (r, cookie) = login(&hub.base, &[("token", secret)]);
            assert_eq!(r.status, 303, "{loc}: {}", r.body);
            let cookie = cookie.expect("session");
            assert_eq!(me(&cookie).json()["role"], "viewer", "{loc}");
        }
        // Revoking the token ends its session.
        let (_, cookie) = login(&hub.base, &[("token", &low.1)]);
        let cookie = cookie.expect("session");
        assert_eq!(me(&cookie).status, 200);
        hub.store().accounts().revoke_token(low.0).expect("revoke");
        assert_eq!(
            me(&cookie).status,
            401,
            "{loc}: the session outlived its token"
        );
        // An expiring token's session ends when the token expires.
        let (_, cookie) = login(&hub.base, &[("token", &short)]);
        let cookie = cookie.expect("session");
        assert_eq!(me(&cookie).json()["role"], "analyst");
        std::thread::sleep(std::time::Duration::from_millis(2500));
        assert_eq!(
            me(&cookie).status,
            401,
            "{loc}: the session outlived its token"
        );
        hub.stop();
    }
}

#[test]
fn failed_logins_are_throttled_per_account_and_per_address_and_audited() {
    for loc in locations("sec_throttle") {
        let hub = Hub::start(loc.clone(), false);
        {
            let mut s = hub.store();
            s.accounts()
                .add_org(MEMBERS[0], OrgKind::SectorCirt)
                .expect("org");
            for i in 0..3 {
                s.accounts()
                    .add_user(
                        &format!("u{i}@fin.test"),
                        MEMBERS[0],
                        Role::Analyst,
                        Some(PASSWORD),
                    )
                    .expect("user");
            }
        }
        let try_login = |email: &str, password: &str| {
            login(&hub.base, &[("email", email), ("password", password)]).0
        };
        // Five wrong passwords are answered as wrong; the sixth closes the
        // account, and then even the right password is refused.
        for _ in 0..6 {
            assert_eq!(try_login("u0@fin.test", "wrong password!!").status, 401);
        }
        let r = try_login("u0@fin.test", PASSWORD);
        assert_eq!(r.status, 429, "{loc}: {}", r.body);
        assert!(r.header("retry-after").is_some());
        assert!(r.body.contains("Too many failed log-ins"));
        // Another account from the same address still logs in.
        assert_eq!(try_login("u1@fin.test", PASSWORD).status, 303, "{loc}");
        // Past twenty failures from one address, every account is closed
        // to it: the 21st failure (the sixth counted above) closes it.
        for i in 0..15 {
            let r = try_login(&format!("nobody{i}@fin.test"), "wrong password!!");
            assert_eq!(r.status, 401, "{loc}: failure {i}");
        }
        let r = try_login("u2@fin.test", PASSWORD);
        assert_eq!(r.status, 429, "{loc}: {}", r.body);
        let audit = get(&hub.url("/api/v1/audit?limit=10000"), Some(&hub.admin)).json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["action"].as_str())
            .collect();
        assert!(actions.contains(&"session.login_failed"), "{loc}");
        assert!(actions.contains(&"session.throttled"), "{loc}");
        hub.stop();
    }
}

#[test]
fn login_needs_the_forms_own_token_and_origin() {
    for loc in locations("sec_login_csrf") {
        let hub = Hub::start(loc.clone(), false);
        let creds = [("token", hub.admin.as_str())];
        // Without the pre-session cookie (another site's form): refused.
        let (r, session) = login_post(&hub.base, None, &creds, &[]);
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        assert!(session.is_none());
        // The cookie and token of one form, but another site's Origin.
        let (pre, token) = login_form(&hub.base);
        let mut fields = vec![("login_csrf", token.as_str())];
        fields.extend_from_slice(&creds);
        let (r, session) = login_post(
            &hub.base,
            Some(&pre),
            &fields,
            &[("Origin", "https://evil.test")],
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        assert!(session.is_none());
        // A token that is not the cookie's.
        let (pre2, _) = login_form(&hub.base);
        let (r, _) = login_post(&hub.base, Some(&pre2), &fields, &[]);
        assert_eq!(r.status, 403, "{loc}");
        // The form as served, from this origin: accepted.
        let origin = hub.base.clone();
        let (r, session) = login_post(&hub.base, Some(&pre), &fields, &[("Origin", &origin)]);
        assert_eq!(r.status, 303, "{loc}: {}", r.body);
        let session = session.expect("session");
        // Authenticated answers are never cached.
        for (token, cookie) in [
            (Some(hub.admin.as_str()), None),
            (None, Some(session.as_str())),
        ] {
            let headers: Vec<(&str, &str)> = cookie.map(|c| ("Cookie", c)).into_iter().collect();
            for path in ["/api/v1/incidents", "/", "/api/v1/me"] {
                let r = support::call_with("GET", &hub.url(path), token, &headers, None, None);
                assert_eq!(r.status, 200, "{path}");
                assert_eq!(r.header("cache-control"), Some("no-store"), "{loc}: {path}");
            }
        }
        hub.stop();
    }
}

/// A wrong CSRF token of the right length is refused like any other.
#[test]
fn a_forged_csrf_token_is_refused() {
    for loc in locations("sec_csrf") {
        let hub = Hub::start(loc.clone(), false);
        let (_, cookie) = login(&hub.base, &[("token", hub.admin.as_str())]);
        let cookie = cookie.expect("session");
        let me: Value = support::me_by_cookie(&hub.base, &cookie);
        let real = me["csrf"].as_str().expect("csrf");
        let mut forged: Vec<u8> = real.bytes().collect();
        let last = forged.len() - 1;
        forged[last] = if forged[last] == b'0' { b'1' } else { b'0' };
        let forged = String::from_utf8(forged).expect("ascii");
        for (token, expect) in [(forged.as_str(), 403), (real, 201)] {
            let r = support::call_with(
                "POST",
                &hub.url("/api/v1/orgs"),
                None,
                &[("Cookie", &cookie), ("X-CSRF-Token", token)],
                Some("application/json"),
                Some(
                    json!({"name": format!("o{expect}"), "type": "operator"})
                        .to_string()
                        .as_bytes(),
                ),
            );
            assert_eq!(r.status, expect, "{loc}: {}", r.body);
        }
        hub.stop();
    }
}

/// With public access, anonymous readers see TLP:CLEAR incidents but never
/// the e-mail addresses of the people who commented, triaged or were
/// assigned; members still do.
#[test]
fn anonymous_readers_see_no_e_mail_addresses() {
    for loc in locations("sec_anon_people") {
        let hub = Hub::start(loc.clone(), true);
        let analyst = {
            let mut s = hub.store();
            s.accounts()
                .add_org(MEMBERS[0], OrgKind::SectorCirt)
                .expect("org");
            s.accounts()
                .add_user("ana@fin.test", MEMBERS[0], Role::Analyst, None)
                .expect("user");
            let (_, t) = s
                .accounts()
                .create_token(
                    MEMBERS[0],
                    Role::Analyst,
                    Some("ana@fin.test"),
                    None,
                    None,
                    None,
                )
                .expect("token");
            t
        };
        let r = post_json(
            &hub.url("/api/v1/incidents"),
            Some(&analyst),
            &json!({"id": "fin.test:PUBLIC-1", "tlp": "clear", "title": "public advisory"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let key = r.json()["results"][0]["id"].as_i64().expect("id");
        let base = format!("/api/v1/incidents/{key}");
        let r = post_json(
            &hub.url(&format!("{base}/comments")),
            Some(&analyst),
            &json!({"body": "patched on our side"}),
        );
        assert_eq!(r.status, 201, "{}", r.body);
        let r = call(
            "PATCH",
            &hub.url(&base),
            Some(&analyst),
            Some("application/json"),
            Some(
                json!({"status": "in-progress", "assignee": "ana@fin.test"})
                    .to_string()
                    .as_bytes(),
            ),
        );
        assert_eq!(r.status, 200, "{}", r.body);
        let web = format!("/incidents/{key}");
        for path in [
            base.clone(),
            format!("{base}/history"),
            format!("{base}/comments"),
            web.clone(),
        ] {
            let anon = get(&hub.url(&path), None);
            assert_eq!(anon.status, 200, "{loc}: {path}: {}", anon.body);
            assert!(
                !anon.body.contains("ana@fin.test"),
                "{loc}: {path} shows an address to an anonymous reader: {}",
                anon.body
            );
            if path != web {
                let member = get(&hub.url(&path), Some(&analyst));
                assert!(member.body.contains("ana@fin.test"), "{loc}: {path}");
            }
        }
        hub.stop();
    }
}
