//! `c5hub serve` as an operator runs it: accounts made with the CLI, a
//! burst of submissions, SIGTERM in the middle of it. The server must exit
//! cleanly, and every submission it acknowledged (HTTP 201) must be in the
//! store afterwards.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use c5hub_model::Viewer;
use c5hub_store::{IncidentFilter, Location, Options, Store};

const BIN: &str = env!("CARGO_BIN_EXE_c5hub");

fn cli(args: &[&str], env: &[(&str, &str)]) -> String {
    let out = Command::new(BIN)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .expect("run c5hub");
    assert!(
        out.status.success(),
        "c5hub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

#[test]
fn sigterm_during_a_burst_loses_no_acknowledged_submission() {
    let dir = std::env::temp_dir().join(format!("c5hub-serve-shutdown-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data = dir.to_str().expect("utf-8 path");
    cli(
        &[
            "orgs",
            "add",
            "bank-csirt",
            "--type",
            "sector-cirt",
            "--data",
            data,
        ],
        &[],
    );
    cli(
        &[
            "users",
            "add",
            "ana@bank.test",
            "--org",
            "bank-csirt",
            "--role",
            "analyst",
            "--data",
            data,
        ],
        &[("C5HUB_PASSWORD", "a long test passphrase")],
    );
    let token = cli(
        &[
            "tokens",
            "create",
            "--org",
            "bank-csirt",
            "--role",
            "reporter",
            "--data",
            data,
        ],
        &[],
    )
    .trim()
    .to_owned();
    assert!(token.starts_with("c5h_") && token.len() >= 36, "{token}");
    assert!(
        cli(&["users", "list", "--data", data], &[]).contains("ana@bank.test\tbank-csirt\tanalyst")
    );

    let admin = "c5h_0123456789abcdef0123456789abcdef0123456789abcdef";
    let mut server = Command::new(BIN)
        .args(["serve", "--data", data, "--listen", "127.0.0.1:0"])
        .env("C5HUB_ADMIN_TOKEN", admin)
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let stderr = server.stderr.take().expect("stderr");
    let mut lines = BufReader::new(stderr).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("line");
        if let Some(at) = line.find("http://") {
            let host = &line[at + "http://".len()..];
            break format!("http://{}", &host[..host.find('/').unwrap_or(host.len())]);
        }
    };
    std::thread::spawn(move || for _ in lines {});

    // The admin token from the environment works.
    let me: serde_json::Value = ureq::get(&format!("{base}/api/v1/me"))
        .set("Authorization", &format!("Bearer {admin}"))
        .call()
        .expect("me")
        .into_json()
        .expect("json");
    assert_eq!(me["role"], "admin");

    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let count = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let workers: Vec<_> = (0..8)
        .map(|w| {
            let (base, token, acked, count, stop) = (base.clone(), token.clone(), acked.clone(), count.clone(), stop.clone());
            std::thread::spawn(move || {
                let agent = ureq::AgentBuilder::new().timeout(Duration::from_secs(20)).build();
                for i in 0..100_000 {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let id = format!("bank.test:BURST-{w}-{i}");
                    let body = serde_json::json!({"id": id, "tlp": "amber", "observables": [format!("45.{w}.{}.{}", i / 256 % 256, i % 256)]});
                    match agent.post(&format!("{base}/api/v1/incidents")).set("Authorization", &format!("Bearer {token}")).send_json(body) {
                        Ok(r) if r.status() == 201 => {
                            acked.lock().expect("lock").insert(id);
                            count.fetch_add(1, Ordering::SeqCst);
                        }
                        // Refused, reset or 503 once shutdown begins: not acknowledged.
                        Ok(_) | Err(_) => break,
                    }
                }
            })
        })
        .collect();
    let t0 = Instant::now();
    while count.load(Ordering::SeqCst) < 300 && t0.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        count.load(Ordering::SeqCst) >= 300,
        "the burst never got going"
    );
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let exit = server.wait().expect("server exits");
    stop.store(true, Ordering::SeqCst);
    for w in workers {
        w.join().expect("worker");
    }
    assert!(exit.success(), "graceful shutdown exits 0, got {exit:?}");

    let acked = acked.lock().expect("lock").clone();
    let mut store =
        Store::open(&Location::Sqlite(dir.clone()), Options::default()).expect("reopen");
    let stored: BTreeSet<String> = store
        .incidents()
        .list(&IncidentFilter::default(), &Viewer::member("bank-csirt"))
        .expect("list")
        .into_iter()
        .map(|s| s.global_id)
        .collect();
    let lost: Vec<&String> = acked.difference(&stored).collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged submissions lost, e.g. {:?}",
        lost.len(),
        lost.first()
    );
    assert!(acked.len() >= 300);
    let _ = std::fs::remove_dir_all(&dir);
}
