//! The forms outside the incident pages over real HTTP, on SQLite and
//! PostgreSQL: a refused form comes back as the same page, with what was
//! typed kept and each message beside its field (spam report,
//! administration, assessment, notification preferences).

mod support;

use c5hub_model::{OrgKind, Role};
use c5hub_server::Config;
use c5hub_server::config::SpamConfig;
use support::web::Browser;
use support::{Hub, locations, test_config};

const PASSWORD: &str = "correct horse battery staple";
/// The hub operator's organisation in `test_config`.
const HUB_ORG: &str = "national-cirt";

/// A hub with a telecom operator `telco` (an analyst), a bank (an admin and
/// an analyst), and the spam desk's key.
fn hub(name: &str) -> Vec<Hub> {
    let dir = std::env::temp_dir().join(format!("c5hub-forms-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let key = dir.join("spam.key");
    std::fs::write(&key, b"forms test key, not a secret, 32").expect("key");
    locations(name)
        .into_iter()
        .map(|loc| {
            let hub = Hub::start_with(
                loc,
                Config {
                    spam: SpamConfig {
                        key_file: Some(key.clone()),
                        ..SpamConfig::default()
                    },
                    ..test_config()
                },
            );
            let mut st = hub.store();
            st.accounts()
                .add_org("telco", OrgKind::Operator)
                .expect("org");
            st.accounts()
                .add_org("bank", OrgKind::SectorCirt)
                .expect("org");
            for (email, org, role) in [
                ("analyst@telco.test", "telco", Role::Analyst),
                ("admin@bank.test", "bank", Role::Admin),
                ("analyst@bank.test", "bank", Role::Analyst),
                ("root@hub.test", HUB_ORG, Role::Admin),
            ] {
                st.accounts()
                    .add_user(email, org, role, Some(PASSWORD))
                    .expect("user");
            }
            // PostgreSQL stores are closed on plain threads, as the server does.
            std::thread::spawn(move || drop(st)).join().expect("close");
            hub
        })
        .collect()
}

/// The page is the form again: the field's message is beside it and the
/// field names it.
fn beside(page: &str, field: &str, words: &str) {
    let id = format!("id=\"err-{field}\"");
    let at = page
        .find(&id)
        .unwrap_or_else(|| panic!("no message beside {field}: {page}"));
    let msg = &page[at..page[at..].find("</span>").map_or(page.len(), |e| at + e)];
    assert!(msg.contains(words), "beside {field}: {msg}");
    assert!(
        page.contains(&format!("aria-describedby=\"err-{field}\"")),
        "{field} names its message: {page}"
    );
    assert!(page.contains("role=\"alert\""), "{page}");
    assert!(!page.contains("Back to the dashboard"), "{page}");
}

#[test]
fn a_refused_spam_report_comes_back_with_the_message_beside_its_field() {
    for hub in hub("forms_spam") {
        let telco = Browser::user(&hub, "analyst@telco.test", PASSWORD);
        // An empty message: the form again, the sender and channel kept.
        let r = telco.post(
            "/spam/report",
            &[
                ("channel", "mms"),
                ("sender", "+12025550147"),
                ("text", "  "),
                ("verdict", "spam"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(&r.text(), "text", "Message: the message is empty");
        assert!(r.text().contains("value=\"+12025550147\""), "{}", r.text());
        assert!(
            r.text().contains("<option value=\"mms\" selected>"),
            "{}",
            r.text()
        );
        // A time in the future and a time that is none: beside the time,
        // the message typed kept.
        let r = telco.post(
            "/spam/report",
            &[
                ("channel", "sms"),
                ("text", "Win a prize at https://prize.test"),
                ("received", "2999-01-01T10:00"),
                ("verdict", "spam"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(&r.text(), "received", "is in the future");
        assert!(
            r.text()
                .contains("Win a prize at https://prize.test</textarea>"),
            "{}",
            r.text()
        );
        let r = telco.post(
            "/spam/report",
            &[
                ("channel", "fax"),
                ("text", "x"),
                ("received", "yesterday"),
                ("verdict", "spam"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(&r.text(), "channel", "Channel:");
        beside(&r.text(), "received", "yesterday is not a date and time");
        // Put right, it is stored.
        let r = telco.post(
            "/spam/report",
            &[
                ("channel", "sms"),
                ("text", "Win a prize at https://prize.test"),
                ("received", "2024-03-01T10:00"),
                ("verdict", "spam"),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        assert!(r.location.starts_with("/spam/reports/"), "{}", r.location);
        // Not an operator: refused as before, on its own page.
        let bank = Browser::user(&hub, "analyst@bank.test", PASSWORD);
        let r = bank.post(
            "/spam/report",
            &[("channel", "sms"), ("text", "x"), ("verdict", "spam")],
        );
        assert_eq!(r.status, 403, "{}", r.text());
        hub.stop();
    }
}

#[test]
fn refused_administration_forms_come_back_with_the_message_beside_the_field() {
    for hub in hub("forms_admin") {
        let root = Browser::user(&hub, "root@hub.test", PASSWORD);
        // A taken name, and a name that is none.
        let r = root.post("/admin/orgs", &[("name", "bank"), ("type", "regulator")]);
        assert_eq!(r.status, 409, "{}", r.text());
        beside(&r.text(), "name", "Name: bank is taken");
        assert!(
            r.text().contains("<option value=\"regulator\" selected>"),
            "{}",
            r.text()
        );
        let r = root.post(
            "/admin/orgs",
            &[("name", "two words"), ("type", "regulator")],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(&r.text(), "name", "use 1 to 64 characters");
        assert!(r.text().contains("value=\"two words\""), "{}", r.text());

        // A bad e-mail, a short password, a taken address, an unknown
        // organisation: each beside its field, the rest kept (a password
        // never comes back).
        let r = root.post(
            "/admin/users",
            &[
                ("email", "nobody"),
                ("org", "bank"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(&r.text(), "email", "is not an email address");
        assert!(r.text().contains("value=\"nobody\""), "{}", r.text());
        assert!(
            r.text().contains("<option value=\"bank\" selected>"),
            "{}",
            r.text()
        );
        assert!(
            r.text().contains("<option value=\"viewer\" selected>"),
            "{}",
            r.text()
        );
        assert!(!r.text().contains(PASSWORD), "{}", r.text());
        let r = root.post(
            "/admin/users",
            &[
                ("email", "new@bank.test"),
                ("org", "bank"),
                ("role", "viewer"),
                ("password", "short"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(
            &r.text(),
            "password",
            "Password: a password needs at least 12 characters",
        );
        assert!(r.text().contains("value=\"new@bank.test\""), "{}", r.text());
        let r = root.post(
            "/admin/users",
            &[
                ("email", "analyst@bank.test"),
                ("org", "bank"),
                ("role", "viewer"),
            ],
        );
        assert_eq!(r.status, 409, "{}", r.text());
        beside(&r.text(), "email", "analyst@bank.test is taken");
        let r = root.post(
            "/admin/users",
            &[
                ("email", "new@ghost.test"),
                ("org", "ghost"),
                ("role", "viewer"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text());
        beside(
            &r.text(),
            "org",
            "Organisation: there is no organisation ghost",
        );

        // A token for days out of range.
        let r = root.post(
            "/admin/tokens",
            &[
                ("org", "bank"),
                ("role", "reporter"),
                ("label", "firewall"),
                ("days", "0"),
            ],
        );
        assert_eq!(r.status, 400, "{}", r.text());
        beside(
            &r.text(),
            "days",
            "Valid for days: a number of days from 1 to 3650",
        );
        assert!(r.text().contains("value=\"firewall\""), "{}", r.text());

        // A short new password, beside that user's password field only.
        let r = root.post(
            "/admin/users/analyst@bank.test",
            &[("action", "password"), ("password", "short")],
        );
        assert_eq!(r.status, 422, "{}", r.text());
        beside(
            &r.text(),
            "password",
            "Password: a password needs at least 12 characters",
        );
        assert_eq!(
            r.text().matches("id=\"err-password\"").count(),
            1,
            "{}",
            r.text()
        );

        // Not allowed stays a refusal of its own: a member's admin making
        // another member's token.
        let bank = Browser::user(&hub, "admin@bank.test", PASSWORD);
        let r = bank.post("/admin/tokens", &[("org", "telco"), ("role", "reporter")]);
        assert_eq!(r.status, 403, "{}", r.text());
        // Put right, each is made.
        let r = root.post("/admin/orgs", &[("name", "isp-2"), ("type", "regulator")]);
        assert_eq!(r.status, 303, "{}", r.text());
        let r = root.post(
            "/admin/users",
            &[
                ("email", "new@bank.test"),
                ("org", "bank"),
                ("role", "viewer"),
                ("password", PASSWORD),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.text());
        hub.stop();
    }
}

#[test]
fn a_refused_webhook_comes_back_with_the_message_beside_the_field() {
    for hub in hub("forms_webhooks") {
        let bank = Browser::user(&hub, "admin@bank.test", PASSWORD);
        // The organisation is a picker of those the admin administers.
        let page = bank.get("/admin/webhooks").text();
        assert!(page.contains("<option value=\"bank\" selected>"), "{page}");
        assert!(!page.contains("<option value=\"telco\""), "{page}");
        let r = bank.post(
            "/admin/webhooks",
            &[
                ("org", "bank"),
                ("url", "ftp://soc.bank.test/hook"),
                ("status", "on"),
            ],
        );
        assert_eq!(r.status, 422, "{}", r.text());
        beside(&r.text(), "url", "URL: an http:// or https:// URL");
        assert!(
            r.text().contains("value=\"ftp://soc.bank.test/hook\""),
            "{}",
            r.text()
        );
        // Only the box that was ticked stays ticked.
        assert!(r.text().contains("name=\"status\" checked"), "{}", r.text());
        assert!(
            !r.text().contains("name=\"shared\" checked"),
            "{}",
            r.text()
        );
        let r = bank.post(
            "/admin/webhooks",
            &[("org", "bank"), ("url", "https://soc.bank.test/hook")],
        );
        assert_eq!(r.status, 422, "{}", r.text());
        beside(&r.text(), "events", "Events: at least one event");
        // Another member's organisation: not allowed, on its own page.
        let r = bank.post(
            "/admin/webhooks",
            &[
                ("org", "telco"),
                ("url", "https://soc.bank.test/hook"),
                ("status", "on"),
            ],
        );
        assert_eq!(r.status, 403, "{}", r.text());
        let r = bank.post(
            "/admin/webhooks",
            &[
                ("org", "bank"),
                ("url", "https://soc.bank.test/hook"),
                ("status", "on"),
            ],
        );
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(r.text().contains("id=\"webhook-secret\""), "{}", r.text());
        hub.stop();
    }
}
