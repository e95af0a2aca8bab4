//! Running the `c5hub` binary against a store, for the command line's
//! tests: the store's options, runs that must succeed or be refused
//! without a secret in what they print, and `c5hub serve` on loopback.

// Each test binary uses a part of this.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};

use c5hub_store::Location;

pub const BIN: &str = env!("CARGO_BIN_EXE_c5hub");

/// The options naming `loc` (`--data DIR` or `--database URL`).
pub fn backend(loc: &Location) -> Vec<String> {
    match loc {
        Location::Sqlite(dir) => vec!["--data".into(), dir.display().to_string()],
        Location::Postgres(url) => vec!["--database".into(), url.clone()],
    }
}

/// `c5hub ARGS` on `loc`.
pub fn run(loc: &Location, args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .args(backend(loc))
        .output()
        .expect("run c5hub")
}

/// `c5hub ARGS` on `loc`, which must succeed and print none of
/// `secrets`; what it printed on standard output.
pub fn ok(loc: &Location, args: &[&str], secrets: &[&str]) -> String {
    let out = run(loc, args);
    let (o, e) = (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    );
    assert!(out.status.success(), "c5hub {args:?}: {e}");
    for secret in secrets {
        assert!(
            !o.contains(secret) && !e.contains(secret),
            "{args:?}: {o}{e}"
        );
    }
    o
}

/// `c5hub ARGS` on `loc`, which must fail saying `says`, and print none of
/// `secrets`.
pub fn refused(loc: &Location, args: &[&str], says: &str, secrets: &[&str]) {
    let out = run(loc, args);
    let e = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "c5hub {args:?} was accepted");
    assert!(e.contains(says), "c5hub {args:?}: {e}");
    for secret in secrets {
        assert!(!e.contains(secret), "{e}");
    }
}

/// A running `c5hub serve`, killed when dropped.
pub struct Serve {
    pub child: Child,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `c5hub serve` on `loc`, on a free loopback port, with `admin` as its
/// admin token; returns once it says where it listens.
pub fn serve(loc: &Location, admin: &str) -> Serve {
    serve_with(loc, admin, "127.0.0.1:0", &[])
}

/// `c5hub serve` on `loc` listening on `listen`, with more arguments
/// (`--config FILE`).
pub fn serve_with(loc: &Location, admin: &str, listen: &str, more: &[&str]) -> Serve {
    let mut child = Command::new(BIN)
        .arg("serve")
        .args(backend(loc))
        .args(["--listen", listen])
        .args(more)
        .env("C5HUB_ADMIN_TOKEN", admin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start server");
    let mut lines = BufReader::new(child.stderr.take().expect("stderr")).lines();
    let base = loop {
        let line = lines
            .next()
            .expect("server printed its address")
            .expect("line");
        // The line saying where it listens (poll errors name other URLs).
        if let Some(at) = line.find(" on http://").map(|i| i + " on ".len()) {
            let host = &line[at + "http://".len()..];
            break format!("http://{}", &host[..host.find('/').unwrap_or(host.len())]);
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Serve { child, base }
}

/// Waits until `done` holds, at most `limit` (a running `serve`'s
/// background work), looking every 20 ms.
pub fn wait_for(what: &str, limit: std::time::Duration, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out waiting for {what}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Global id → (times listed, version) of the incidents `org` reads in the
/// store at `loc`: what the kill tests compare after a restart.
pub fn read_by(loc: &Location, org: &str) -> std::collections::BTreeMap<String, (usize, i64)> {
    let mut st = c5hub_store::Store::open(loc, options()).expect("store");
    let mut out = std::collections::BTreeMap::new();
    let all = st
        .incidents()
        .list(
            &c5hub_store::IncidentFilter {
                limit: 100_000,
                ..c5hub_store::IncidentFilter::default()
            },
            &c5hub_model::Viewer::member(org),
        )
        .expect("list");
    for i in all {
        let e = out.entry(i.global_id.to_string()).or_insert((0, 0));
        e.0 += 1;
        e.1 = i.version;
    }
    out
}

/// Store options of the tests that read a `serve`'s store beside it.
pub fn options() -> c5hub_store::Options {
    c5hub_store::Options {
        warning_list: c5hub_store::WarningList::empty(),
    }
}
