//! Issue 16, item 10, over real HTTP on SQLite and PostgreSQL: the hub's
//! last admin credential cannot be revoked, disabled or demoted; admins
//! change roles, disable users and reset passwords of their own
//! organisation only; the web UI asks before revoking a token or closing
//! an edition.

mod support;

use c5hub_model::{OrgKind, Role};
use serde_json::{Value, json};
use support::{Answer, Hub, call, call_with, get, locations, login, me_by_cookie, post_json};

const PASSWORD: &str = "correct horse battery staple";
const HUB: &str = "national-cirt";

fn patch(hub: &Hub, email: &str, token: &str, v: &Value) -> Answer {
    call(
        "PATCH",
        &hub.url(&format!("/api/v1/users/{email}")),
        Some(token),
        Some("application/json"),
        Some(v.to_string().as_bytes()),
    )
}

fn revoke(hub: &Hub, id: i64, token: &str) -> Answer {
    call(
        "DELETE",
        &hub.url(&format!("/api/v1/tokens/{id}")),
        Some(token),
        None,
        None,
    )
}

/// The hub operator's live admin tokens' ids.
fn admin_tokens(hub: &Hub) -> Vec<i64> {
    hub.store()
        .accounts()
        .tokens(Some(HUB))
        .expect("tokens")
        .into_iter()
        .filter(|t| t.role == Role::Admin && t.revoked_at.is_none())
        .map(|t| t.id)
        .collect()
}

fn form(fields: &[(&str, &str)]) -> Vec<u8> {
    fields
        .iter()
        .map(|(k, v)| {
            let enc = |s: &str| -> String {
                s.bytes()
                    .map(|b| match b {
                        b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                            (b as char).to_string()
                        }
                        _ => format!("%{b:02X}"),
                    })
                    .collect()
            };
            format!("{}={}", enc(k), enc(v))
        })
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

/// A form POST with a session cookie and its CSRF token.
fn post_form(hub: &Hub, cookie: &str, path: &str, fields: &[(&str, &str)]) -> Answer {
    let csrf = me_by_cookie(&hub.base, cookie)["csrf"]
        .as_str()
        .expect("csrf")
        .to_owned();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    call_with(
        "POST",
        &hub.url(path),
        None,
        &[("Cookie", cookie)],
        Some("application/x-www-form-urlencoded"),
        Some(&form(&all)),
    )
}

#[test]
fn the_hubs_last_admin_credential_cannot_be_revoked_disabled_or_demoted() {
    for loc in locations("admin-last") {
        let hub = Hub::start(loc.clone(), false);
        let first = admin_tokens(&hub);
        assert_eq!(first.len(), 1, "{loc}");
        // The only admin token: refused, saying why, and it still works.
        let r = revoke(&hub, first[0], &hub.admin);
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        assert!(
            r.body.contains("last admin credential"),
            "{loc}: {}",
            r.body
        );
        assert_eq!(get(&hub.url("/api/v1/me"), Some(&hub.admin)).status, 200);
        // Its user (no password: it acts through the token) neither.
        let admin_user = format!("admin@{HUB}");
        for change in [json!({"disabled": true}), json!({"role": "analyst"})] {
            let r = patch(&hub, &admin_user, &hub.admin, &change);
            assert_eq!(r.status, 403, "{loc} {change}: {}", r.body);
            assert!(r.body.contains("last admin credential"), "{}", r.body);
        }
        // With a second admin token, the first may go; then the second is
        // the last.
        let second = post_json(
            &hub.url("/api/v1/tokens"),
            Some(&hub.admin),
            &json!({"org": HUB, "role": "admin"}),
        )
        .json();
        let second_secret = second["token"].as_str().expect("secret").to_owned();
        let second_id = second["id"].as_i64().expect("id");
        assert_eq!(revoke(&hub, first[0], &second_secret).status, 204, "{loc}");
        assert_eq!(revoke(&hub, second_id, &second_secret).status, 403, "{loc}");
        // An admin user with a password is a credential of its own: then
        // the token may go, and the user becomes the last.
        let r = post_json(
            &hub.url("/api/v1/users"),
            Some(&second_secret),
            &json!({"email": "boss@hub.test", "org": HUB, "role": "admin", "password": PASSWORD}),
        );
        assert_eq!(r.status, 201, "{loc}: {}", r.body);
        assert_eq!(revoke(&hub, second_id, &second_secret).status, 204, "{loc}");
        let (_, cookie) = login(
            &hub.base,
            &[("email", "boss@hub.test"), ("password", PASSWORD)],
        );
        let cookie = cookie.expect("the boss logs in");
        let r = post_form(
            &hub,
            &cookie,
            "/admin/users/boss@hub.test",
            &[("action", "role"), ("role", "viewer")],
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        assert!(r.body.contains("last admin credential"), "{}", r.body);
        let r = post_form(
            &hub,
            &cookie,
            "/admin/users/boss@hub.test",
            &[("action", "disable")],
        );
        assert_eq!(r.status, 403, "{loc}: {}", r.body);
        let boss = hub
            .store()
            .accounts()
            .user("boss@hub.test")
            .expect("read")
            .expect("user");
        assert_eq!((boss.role, boss.disabled), (Role::Admin, false), "{loc}");
        hub.stop();
    }
}

#[test]
fn admins_change_roles_disable_and_reset_passwords_in_their_own_organisation_only() {
    for loc in locations("admin-users") {
        let hub = Hub::start(loc.clone(), false);
        let fin_admin = {
            let mut s = hub.store();
            s.accounts()
                .add_org("fin-cert", OrgKind::SectorCirt)
                .expect("org");
            for (email, org) in [("ana@fin.test", "fin-cert"), ("hal@hub.test", HUB)] {
                s.accounts()
                    .add_user(email, org, Role::Analyst, Some(PASSWORD))
                    .expect("user");
            }
            let (_, fin_admin) = s
                .accounts()
                .create_token("fin-cert", Role::Admin, None, None, None, None)
                .expect("token");
            let (_, fin_viewer) = s
                .accounts()
                .create_token("fin-cert", Role::Viewer, None, None, None, None)
                .expect("token");
            drop(s);
            // A viewer administers nothing.
            let r = patch(
                &hub,
                "ana@fin.test",
                &fin_viewer,
                &json!({"disabled": true}),
            );
            assert_eq!(r.status, 403, "{loc}: {}", r.body);
            fin_admin
        };
        // Another organisation's user is "not found", for every change.
        for change in [
            json!({"disabled": true}),
            json!({"role": "viewer"}),
            json!({"password": "a brand new password"}),
        ] {
            let r = patch(&hub, "hal@hub.test", &fin_admin, &change);
            assert_eq!(r.status, 404, "{loc} {change}: {}", r.body);
        }
        let hal = hub
            .store()
            .accounts()
            .user("hal@hub.test")
            .expect("read")
            .expect("user");
        assert_eq!((hal.role, hal.disabled), (Role::Analyst, false));
        assert!(
            login(
                &hub.base,
                &[("email", "hal@hub.test"), ("password", PASSWORD)]
            )
            .1
            .is_some()
        );
        // Its own: role, password, disable, enable, each in the audit log.
        let r = patch(&hub, "ana@fin.test", &fin_admin, &json!({"role": "viewer"}));
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        assert_eq!(r.json()["role"], "viewer");
        let r = patch(
            &hub,
            "ana@fin.test",
            &fin_admin,
            &json!({"password": "short"}),
        );
        assert_eq!(r.status, 422, "{loc}: {}", r.body);
        assert!(r.body.contains("12 characters"), "{}", r.body);
        let r = patch(
            &hub,
            "ana@fin.test",
            &fin_admin,
            &json!({"password": "a brand new password"}),
        );
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        let (_, cookie) = login(
            &hub.base,
            &[
                ("email", "ana@fin.test"),
                ("password", "a brand new password"),
            ],
        );
        let cookie = cookie.expect("the new password logs in");
        assert_eq!(me_by_cookie(&hub.base, &cookie)["role"], "viewer");
        let r = patch(&hub, "ana@fin.test", &fin_admin, &json!({"disabled": true}));
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        assert_eq!(r.json()["disabled"], true);
        let me = call_with(
            "GET",
            &hub.url("/api/v1/me"),
            None,
            &[("Cookie", &cookie)],
            None,
            None,
        );
        assert_eq!(me.status, 401, "a disabled user's session ends");
        assert!(
            login(
                &hub.base,
                &[
                    ("email", "ana@fin.test"),
                    ("password", "a brand new password")
                ]
            )
            .1
            .is_none()
        );
        let r = patch(
            &hub,
            "ana@fin.test",
            &fin_admin,
            &json!({"disabled": false}),
        );
        assert_eq!(r.status, 200, "{loc}: {}", r.body);
        let r = patch(&hub, "ana@fin.test", &fin_admin, &json!({}));
        assert_eq!(r.status, 400, "{loc}: nothing to change: {}", r.body);
        let audit = get(&hub.url("/api/v1/audit?limit=100"), Some(&fin_admin)).json();
        let actions: Vec<&str> = audit["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|a| a["action"].as_str())
            .collect();
        for a in ["user.role", "user.password", "user.disable", "user.enable"] {
            assert!(actions.contains(&a), "{loc}: {a} in {actions:?}");
        }
        hub.stop();
    }
}

#[test]
fn the_ui_asks_before_revoking_a_token_or_closing_an_edition() {
    for loc in locations("admin-confirm") {
        let hub = Hub::start(loc.clone(), false);
        let (_, cookie) = login(&hub.base, &[("token", hub.admin.as_str())]);
        let cookie = cookie.expect("admin logs in");
        let made = post_json(
            &hub.url("/api/v1/tokens"),
            Some(&hub.admin),
            &json!({"org": HUB, "role": "viewer", "label": "firewall"}),
        )
        .json();
        let (id, secret) = (
            made["id"].as_i64().expect("id"),
            made["token"].as_str().expect("secret").to_owned(),
        );
        let path = format!("/admin/tokens/{id}/revoke");
        // The first post asks, naming the token, and revokes nothing.
        let asked = post_form(&hub, &cookie, &path, &[]);
        assert_eq!(asked.status, 200, "{loc}: {}", asked.body);
        assert!(
            asked.body.contains(&format!("Revoke token {id}?"))
                && asked.body.contains("firewall")
                && asked.body.contains("name=\"confirm\" value=\"1\""),
            "{}",
            asked.body
        );
        assert_eq!(get(&hub.url("/api/v1/me"), Some(&secret)).status, 200);
        // Confirmed: revoked.
        let done = post_form(&hub, &cookie, &path, &[("confirm", "1")]);
        assert_eq!(done.status, 303, "{loc}: {}", done.body);
        assert_eq!(get(&hub.url("/api/v1/me"), Some(&secret)).status, 401);

        // Closing an edition asks too; reopening does not.
        let made = post_form(
            &hub,
            &cookie,
            "/assess/editions",
            &[
                ("methodology", "cirt-readiness"),
                ("year", "2025"),
                ("title", "Readiness 2025"),
            ],
        );
        assert_eq!(made.status, 303, "{loc}: {}", made.body);
        let edition = made.header("location").expect("location").to_owned();
        let open = |hub: &Hub| -> bool {
            let e = get(&hub.url("/api/v1/assess/editions"), Some(&hub.admin)).json();
            e["editions"][0]["open"].as_bool().expect("open")
        };
        assert!(open(&hub));
        let close = format!("{edition}/open");
        let asked = post_form(&hub, &cookie, &close, &[("open", "0")]);
        assert_eq!(asked.status, 200, "{loc}: {}", asked.body);
        assert!(asked.body.contains("Close this edition?"), "{}", asked.body);
        assert!(open(&hub), "{loc}: not closed before confirming");
        let done = post_form(&hub, &cookie, &close, &[("open", "0"), ("confirm", "1")]);
        assert_eq!(done.status, 303, "{loc}: {}", done.body);
        assert!(!open(&hub), "{loc}: closed once confirmed");
        let reopened = post_form(&hub, &cookie, &close, &[("open", "1")]);
        assert_eq!(reopened.status, 303, "{loc}: {}", reopened.body);
        assert!(open(&hub));
        hub.stop();
    }
}
