//! Issue 16, items 10 and 11, on the real binary and real SQLite files:
//! `users passwd|disable|role` and the hub's last admin credential;
//! `import`'s `--as`, its default, `--tlp` and `--share-with` (README's
//! import into a demo hub leaves every incident readable by the hub's
//! users); `serve` on a busy port; `export -o` and `--force`;
//! `incidents list` and `show`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use c5hub_model::Role;
use c5hub_store::{Location, Options, Store, WarningList};

const HUB: &str = "national-cirt";

fn c5hub(args: &[&str], data: &Path, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_c5hub"));
    cmd.args(args)
        .arg("--data")
        .arg(data)
        .env_remove("C5HUB_DATABASE_URL")
        .env_remove("C5HUB_ORG")
        .env_remove("C5HUB_PASSWORD")
        .env_remove("C5HUB_ADMIN_TOKEN")
        .env_remove("C5HUB_WARNING_LIST");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("c5hub runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("c5hub-admin-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

fn open(data: &Path) -> Store {
    Store::open(
        &Location::Sqlite(data.to_owned()),
        Options {
            warning_list: WarningList::builtin(),
        },
    )
    .expect("store")
}

/// A store as `serve --demo` leaves it (with a few demo incidents): the
/// hub operator recorded, its admin and the demo's organisations and users.
fn demo_store(data: &Path) {
    let mut s = open(data);
    let config = c5hub_server::Config::default();
    c5hub_server::ensure_admin(&mut s, &config, None).expect("admin");
    c5hub_server::demo::seed(&mut s, &config.org, "demo password 123", 5)
        .expect("seed")
        .expect("seeded");
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../samples/inputs")
}

#[test]
fn users_passwd_disable_and_role_keep_the_last_admin() {
    let data = dir("users").join("data");
    demo_store(&data);
    let admin = format!("admin@{HUB}");
    // The hub's only admin credential is admin@national-cirt's token.
    for args in [
        vec!["users", "disable", admin.as_str()],
        vec!["users", "role", admin.as_str(), "viewer"],
    ] {
        let o = c5hub(&args, &data, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", err(&o));
        assert!(err(&o).contains("last admin credential"), "{}", err(&o));
    }
    let id = open(&data)
        .accounts()
        .tokens(Some(HUB))
        .expect("tokens")
        .into_iter()
        .find(|t| t.role == Role::Admin)
        .expect("admin token")
        .id;
    let o = c5hub(&["tokens", "revoke", &id.to_string()], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("last admin credential"), "{}", err(&o));

    // Another user: role, password (from the environment only), disable.
    let user = open(&data)
        .accounts()
        .users()
        .expect("users")
        .into_iter()
        .find(|u| u.org != HUB && u.role == Role::Analyst)
        .expect("a demo analyst");
    let o = c5hub(&["users", "role", &user.email, "viewer"], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert_eq!(out(&o), format!("{}\t{}\tviewer\n", user.email, user.org));
    let o = c5hub(&["users", "passwd", &user.email], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "no password given");
    assert!(err(&o).contains("C5HUB_PASSWORD"), "{}", err(&o));
    let o = c5hub(
        &["users", "passwd", &user.email],
        &data,
        &[("C5HUB_PASSWORD", "a brand new password")],
    );
    assert!(o.status.success(), "{}", err(&o));
    let p = open(&data)
        .accounts()
        .check_password(&user.email, "a brand new password")
        .expect("check")
        .expect("the new password works");
    assert_eq!(p.role, Role::Viewer);
    let o = c5hub(&["users", "disable", &user.email], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        open(&data)
            .accounts()
            .check_password(&user.email, "a brand new password")
            .expect("check")
            .is_none(),
        "a disabled user does not log in"
    );
    let o = c5hub(&["users", "disable", "--enable", &user.email], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    let o = c5hub(&["users", "list"], &data, &[]);
    assert!(
        out(&o).contains(&format!("{}\t{}\tviewer\tactive", user.email, user.org)),
        "{}",
        out(&o)
    );
    let o = c5hub(&["users", "role", "nobody@x.test", "viewer"], &data, &[]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn readmes_import_into_a_demo_hub_is_readable_by_the_hubs_users() {
    let data = dir("readme").join("data");
    demo_store(&data);
    let before = open(&data).accounts().census().expect("census").incidents;
    let readable_before = readable_as_hub(&data);
    // An unknown --as: refused, naming it and the known organisations.
    let o = c5hub(&["import", "--as", "local"], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "needs paths: usage error");
    let samples = samples();
    let samples = samples.to_str().expect("utf-8");
    let o = c5hub(&["import", samples, "--as", "local"], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("\"local\" is not a member") && err(&o).contains(HUB),
        "{}",
        err(&o)
    );
    let o = c5hub(&["import", samples, "--share-with", "nobody"], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("\"nobody\" does not exist"), "{}", err(&o));
    assert_eq!(
        open(&data).accounts().census().expect("census").incidents,
        before,
        "nothing imported by a refused import"
    );
    // README's command: no --as; the hub operator's, said on stderr.
    let o = c5hub(&["import", samples], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(
        err(&o).contains(&format!(
            "importing as {HUB}, the hub operator's organisation"
        )),
        "{}",
        err(&o)
    );
    let after = open(&data).accounts().census().expect("census").incidents;
    let imported = after - before;
    assert!(imported > 5, "{}", err(&o));
    // Every imported incident is readable by the hub operator's users.
    assert_eq!(readable_as_hub(&data) - readable_before, imported);
}

/// How many incidents the hub operator's users read.
fn readable_as_hub(data: &Path) -> u64 {
    let listed = c5hub(
        &["incidents", "list", "--as", HUB, "--format", "json"],
        data,
        &[],
    );
    let page: serde_json::Value = serde_json::from_slice(&listed.stdout).expect("json");
    page["items"].as_array().expect("items").len() as u64
}

#[test]
fn import_tlp_and_share_with_apply_to_rows_without_their_own() {
    let base = dir("tlp");
    let data = base.join("data");
    demo_store(&data);
    let orgs: Vec<String> = open(&data)
        .accounts()
        .orgs()
        .expect("orgs")
        .into_iter()
        .map(|o| o.name)
        .filter(|o| o != HUB)
        .collect();
    let (partner, outsider) = (&orgs[0], &orgs[1]);
    let feed = base.join("feed.csv");
    std::fs::write(
        &feed,
        "time.source,source.ip,classification.taxonomy,classification.type,feed.name\n2026-11-03T00:00:00Z,81.2.69.160,malicious-code,infected-system,botfeed\n",
    )
    .expect("write");
    let feed = feed.to_str().expect("utf-8");
    let o = c5hub(&["import", feed, "--tlp", "purple"], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    let o = c5hub(
        &["import", feed, "--as", HUB, "--share-with", partner],
        &data,
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    let read = |org: &str| -> usize {
        let o = c5hub(
            &[
                "incidents",
                "list",
                "--as",
                org,
                "--observable",
                "81.2.69.160",
                "--format",
                "json",
            ],
            &data,
            &[],
        );
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json");
        v["items"].as_array().expect("items").len()
    };
    assert_eq!(read(partner), 1, "AMBER, shared with {partner}");
    assert_eq!(read(outsider), 0, "not shared with {outsider}");
    // Another row (the same bytes would be a duplicate), CLEAR.
    let clear = base.join("clear.csv");
    std::fs::write(
        &clear,
        "time.source,source.ip,classification.taxonomy,classification.type,feed.name\n2026-11-04T00:00:00Z,81.2.69.161,malicious-code,infected-system,botfeed\n",
    )
    .expect("write");
    let clear = clear.to_str().expect("utf-8");
    let o = c5hub(
        &["import", clear, "--as", HUB, "--tlp", "clear"],
        &data,
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    let o = c5hub(
        &[
            "incidents",
            "list",
            "--as",
            outsider,
            "--observable",
            "81.2.69.161",
            "--tlp",
            "clear",
        ],
        &data,
        &[],
    );
    assert_eq!(
        out(&o).lines().count(),
        2,
        "header and the CLEAR row: {}",
        out(&o)
    );
}

#[test]
fn serve_on_a_busy_port_changes_nothing_and_prints_no_secret() {
    let data = dir("busy").join("data");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = busy.local_addr().expect("addr").to_string();
    let o = c5hub(&["serve", "--demo", "--listen", &addr], &data, &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains(&format!("cannot listen on {addr}")),
        "{}",
        err(&o)
    );
    assert!(!err(&o).contains("c5h_"), "no token printed: {}", err(&o));
    assert!(!err(&o).contains("Demo"), "nothing seeded: {}", err(&o));
    assert!(
        !data.join("spam.key").exists() || !data.exists() || {
            // The store may not even exist; when it does, it is empty.
            let c = open(&data).accounts().census().expect("census");
            c == c5hub_store::Census::default()
        }
    );
    drop(busy);
}

#[test]
fn export_refuses_to_overwrite_without_force_and_plurals_are_right() {
    let base = dir("export");
    let data = base.join("data");
    let one = base.join("one.xml");
    std::fs::copy(samples().join("bank-phishing.xml"), &one).expect("copy");
    let o = c5hub(&["import", one.to_str().expect("utf-8")], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    assert!(err(&o).starts_with("imported 1 file into "), "{}", err(&o));
    let target = base.join("report.csv");
    std::fs::write(&target, "keep me\n").expect("write");
    let t = target.to_str().expect("utf-8");
    let o = c5hub(
        &["export", "--format", "csv", "-o", t, "--as", "local"],
        &data,
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(err(&o).contains("--force"), "{}", err(&o));
    assert_eq!(std::fs::read_to_string(&target).expect("read"), "keep me\n");
    let o = c5hub(
        &[
            "export", "--format", "csv", "-o", t, "--force", "--as", "local",
        ],
        &data,
        &[],
    );
    assert!(o.status.success(), "{}", err(&o));
    assert_ne!(std::fs::read_to_string(&target).expect("read"), "keep me\n");
    let n = open(&data).accounts().census().expect("census").incidents;
    let word = if n == 1 { "incident" } else { "incidents" };
    assert!(
        err(&o).contains(&format!("exported {n} {word}")),
        "{n}: {}",
        err(&o)
    );
}

#[test]
fn incidents_list_and_show_give_titles_contacts_description_and_detection() {
    let base = dir("show");
    let data = base.join("data");
    let doc = base.join("long.xml");
    let title = "A description long enough to be clipped in the incidents list table";
    std::fs::write(
        &doc,
        format!(
            r#"<IODEF-Document version="2.00" xmlns="urn:ietf:params:xml:ns:iodef-2.0">
  <Incident purpose="reporting" restriction="white">
    <IncidentID name="csirt.bank.test">LONG-1</IncidentID>
    <DetectTime>2026-10-31T22:15:00Z</DetectTime>
    <GenerationTime>2026-11-01T10:00:00Z</GenerationTime>
    <Description>{title}</Description>
    <Assessment><IncidentCategory>rsit:information-content-security="unauthorised-modification-of-information"</IncidentCategory><SystemImpact type="unknown"/></Assessment>
    <Contact role="creator" type="organization"><ContactName>Bank CSIRT</ContactName><Email><EmailTo>csirt@bank.test</EmailTo></Email></Contact>
  </Incident>
</IODEF-Document>
"#
        ),
    )
    .expect("write");
    let o = c5hub(&["import", doc.to_str().expect("utf-8")], &data, &[]);
    assert!(o.status.success(), "{}", err(&o));
    let list = out(&c5hub(&["incidents", "list"], &data, &[]));
    let lines: Vec<&str> = list.lines().collect();
    assert_eq!(lines.len(), 2, "{list}");
    assert!(lines[0].contains("TITLE"), "{list}");
    // Every column starts where the header's does: the class is clipped.
    let col = |l: &str, at: &str| l.find(at).expect("column");
    let title_at = col(lines[0], "TITLE");
    assert!(
        lines[1]
            .chars()
            .skip(title_at)
            .collect::<String>()
            .starts_with("A description long enough"),
        "{list}"
    );
    assert!(lines[1].contains('…'), "clipped with an ellipsis: {list}");
    assert!(!lines[1].contains(title), "{list}");
    let show = c5hub(&["incidents", "show", "1"], &data, &[]);
    let show = out(&show);
    for want in [
        "contacts        1",
        "Bank CSIRT",
        "csirt@bank.test",
        "2026-10-31T22:15:00+00:00",
    ] {
        assert!(show.contains(want), "{want:?} in:\n{show}");
    }
}
