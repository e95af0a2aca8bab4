//! The OASIS TAXII 2.1 client (`taxii2-client` from PyPI), driven unchanged
//! by `tests/taxii/client.py` against a running hub on both backends:
//! discovery, API root, collections, every page of 10,000 objects,
//! `added_after`, adding objects and reading their status. Without Python's
//! `taxii2client` the test says so and passes locally; in CI (`CI` set),
//! where `tools/test.sh` installs it, it fails.

mod support;

use std::process::Command;

use c5hub_model::{GlobalId, Incident, OrgKind, Role, Tlp};
use c5hub_store::Submission;
use support::{Hub, locations};

fn load(hub: &Hub, from: usize, n: usize) {
    let mut store = hub.store();
    let owned: Vec<Incident> = (from..from + n)
        .map(|i| {
            let mut m = Incident::new(
                GlobalId::new("bulk.test", &format!("B-{i}")).expect("id"),
                Tlp::Green,
            );
            m.title = Some(format!("bulk {i}"));
            m
        })
        .collect();
    let batch: Vec<Submission<'_>> = owned
        .iter()
        .map(|m| Submission {
            incident: m,
            reporter: "bulk",
            source: "test",
            shared_with: &[],
            recipients: &[],
        })
        .collect();
    store.incidents().ingest(&batch).expect("ingest");
}

#[test]
fn the_oasis_taxii_client_works_unchanged() {
    let has_client = Command::new("python3")
        .args(["-c", "import taxii2client"])
        .status()
        .is_ok_and(|s| s.success());
    if !has_client {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI needs taxii2-client (tools/test.sh installs it)"
        );
        eprintln!("skipped: python3 -m pip install taxii2-client to run this test");
        return;
    }
    let script = format!("{}/tests/taxii/client.py", env!("CARGO_MANIFEST_DIR"));
    for loc in locations("taxii_client") {
        let hub = Hub::start(loc, false);
        let (token, later) = {
            let mut st = hub.store();
            st.accounts()
                .add_org("bulk", OrgKind::SectorCirt)
                .expect("org");
            st.accounts()
                .add_org("bank", OrgKind::SectorCirt)
                .expect("org");
            st.accounts()
                .add_user(
                    "ana@bank",
                    "bank",
                    Role::Viewer,
                    Some("correct horse battery"),
                )
                .expect("user");
            let (_, token) = st
                .accounts()
                .create_token(
                    "bank",
                    Role::Reporter,
                    None,
                    Some("taxii2-client"),
                    None,
                    None,
                )
                .expect("token");
            (token, 10)
        };
        load(&hub, 0, 2000 - later);
        std::thread::sleep(std::time::Duration::from_millis(20));
        let cut = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        std::thread::sleep(std::time::Duration::from_millis(20));
        load(&hub, 2000 - later, later);
        let out = Command::new("python3")
            .arg(&script)
            .args([
                hub.base.as_str(),
                "ana@bank",
                "correct horse battery",
                token.as_str(),
                "2000",
                cut.as_str(),
                &later.to_string(),
            ])
            .output()
            .expect("python3 runs");
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{said}");
        assert!(said.contains("10000 objects"), "{said}");
        hub.stop();
    }
}
