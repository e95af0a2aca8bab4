//! A real hub on loopback for the tests: a fresh store (SQLite file, and
//! PostgreSQL when configured, as in the store suite), the server bound to
//! port 0, and blocking HTTP calls against it.

#![allow(dead_code)]

pub use c5hub_test_support::locations;

pub mod taxii;
pub mod web;

use c5hub_server::{AdminToken, Config, Running};
use c5hub_store::{Location, Options, Store, WarningList};
use serde_json::Value;

/// A running hub.
pub struct Hub {
    pub base: String,
    pub admin: String,
    pub location: Location,
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
}

pub fn options() -> Options {
    Options {
        warning_list: WarningList::empty(),
    }
}

impl Hub {
    pub fn start(location: Location, public_access: bool) -> Hub {
        Self::start_with(
            location,
            Config {
                public_access,
                ..test_config()
            },
        )
    }

    pub fn start_with(location: Location, config: Config) -> Hub {
        let mut store = Store::open(&location, options()).expect("open store");
        let admin = match c5hub_server::ensure_admin(&mut store, &config, None).expect("admin") {
            AdminToken::Generated(t) => t,
            other => panic!("fresh store, got {other:?}"),
        };
        drop(store);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = rt
            .block_on(c5hub_server::start(
                location.clone(),
                options(),
                config,
                false,
            ))
            .expect("server starts");
        Hub {
            base: format!("http://{}", running.addr),
            admin,
            location,
            rt,
            running: Some(running),
        }
    }

    /// Starts again on a store a hub already used, whose admin token is
    /// `admin`.
    pub fn start_with_admin(location: Location, config: Config, admin: &str) -> Hub {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let running = rt
            .block_on(c5hub_server::start(
                location.clone(),
                options(),
                config,
                false,
            ))
            .expect("server starts");
        Hub {
            base: format!("http://{}", running.addr),
            admin: admin.to_owned(),
            location,
            rt,
            running: Some(running),
        }
    }

    /// The separate metrics address, when the configuration set one.
    pub fn metrics_addr(&self) -> Option<std::net::SocketAddr> {
        self.running.as_ref().and_then(|r| r.metrics_addr)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn store(&self) -> Store {
        Store::open(&self.location, options()).expect("open store")
    }

    pub fn stop(mut self) {
        if let Some(r) = self.running.take() {
            self.rt.block_on(r.shutdown()).expect("clean shutdown");
        }
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = self.rt.block_on(r.shutdown());
        }
    }
}

pub fn test_config() -> Config {
    Config {
        listen: "127.0.0.1:0".to_owned(),
        read_connections: 2,
        ..Config::default()
    }
}

/// An HTTP answer: status, content type, body, and every header.
pub struct Answer {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// A header's value (names compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().redirects(0).build()
}

pub fn call(
    method: &str,
    url: &str,
    token: Option<&str>,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Answer {
    call_with(method, url, token, &[], content_type, body)
}

/// `call` with extra request headers.
pub fn call_with(
    method: &str,
    url: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Answer {
    let mut req = agent().request(method, url);
    for (k, v) in headers {
        req = req.set(k, v);
    }
    if let Some(t) = token {
        req = req.set("Authorization", &format!("Bearer {t}"));
    }
    if let Some(ct) = content_type {
        req = req.set("Content-Type", ct);
    }
    let result = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => answer(r),
        Err(e) => panic!("{method} {url}: {e}"),
    }
}

/// The answer as the tests read it.
fn answer(resp: ureq::Response) -> Answer {
    let status = resp.status();
    let content_type = resp.header("content-type").unwrap_or_default().to_owned();
    let headers = resp
        .headers_names()
        .into_iter()
        .filter_map(|n| resp.header(&n).map(|v| (n.clone(), v.to_owned())))
        .collect();
    let body = resp.into_string().expect("body");
    Answer {
        status,
        content_type,
        body,
        headers,
    }
}

pub fn get(url: &str, token: Option<&str>) -> Answer {
    call("GET", url, token, None, None)
}

pub fn post_json(url: &str, token: Option<&str>, v: &Value) -> Answer {
    call(
        "POST",
        url,
        token,
        Some("application/json"),
        Some(v.to_string().as_bytes()),
    )
}

/// `GET /api/v1/me` with a session cookie: who it is and its CSRF token.
pub fn me_by_cookie(base: &str, cookie: &str) -> Value {
    call_with(
        "GET",
        &format!("{base}/api/v1/me"),
        None,
        &[("Cookie", cookie)],
        None,
        None,
    )
    .json()
}

/// A browser login: the form first (for its pre-session cookie and token),
/// then the POST of `fields`. Returns the answer to the POST and, when it
/// set one, the session cookie (`c5hub_session=...`).
pub fn login(base: &str, fields: &[(&str, &str)]) -> (Answer, Option<String>) {
    let (pre, token) = login_form(base);
    let mut all = vec![("login_csrf", token.as_str())];
    all.extend_from_slice(fields);
    login_post(base, Some(&pre), &all, &[])
}

/// The login form's pre-session cookie (`c5hub_login=...`) and the token
/// the form repeats.
pub fn login_form(base: &str) -> (String, String) {
    let resp = agent()
        .get(&format!("{base}/login"))
        .call()
        .expect("login form");
    let cookie = resp
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("c5hub_login="))
        .and_then(|c| c.split(';').next())
        .expect("login cookie")
        .to_owned();
    let page = resp.into_string().expect("page");
    let token = page
        .split("name=\"login_csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("login_csrf field")
        .to_owned();
    (cookie, token)
}

/// POSTs a login form with the given cookie header and extra headers.
pub fn login_post(
    base: &str,
    cookie: Option<&str>,
    fields: &[(&str, &str)],
    headers: &[(&str, &str)],
) -> (Answer, Option<String>) {
    let body: String = fields
        .iter()
        .map(|(k, v)| format!("{}={}", form_value(k), form_value(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = agent()
        .post(&format!("{base}/login"))
        .set("Content-Type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.set("Cookie", c);
    }
    for (k, v) in headers {
        req = req.set(k, v);
    }
    let resp = match req.send_bytes(body.as_bytes()) {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("POST /login: {e}"),
    };
    let session = resp
        .all("set-cookie")
        .into_iter()
        .find(|c| c.starts_with("c5hub_session=") && !c.starts_with("c5hub_session=;"))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned);
    (answer(resp), session)
}

fn form_value(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A token of role `role` for organisation `org` (of type `kind`) on `hub`,
/// made by its admin; the organisation is made unless it exists.
pub fn org_token(hub: &Hub, org: &str, kind: &str, role: &str) -> String {
    let admin = Some(hub.admin.as_str());
    let r = post_json(
        &hub.url("/api/v1/orgs"),
        admin,
        &serde_json::json!({"name": org, "type": kind}),
    );
    assert!(r.status == 201 || r.status == 409, "{}", r.body);
    let r = post_json(
        &hub.url("/api/v1/tokens"),
        admin,
        &serde_json::json!({"org": org, "role": role, "label": "test"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    r.json()["token"].as_str().expect("secret").to_owned()
}

/// Waits until `done` holds, two minutes at most (background tasks of a
/// running hub: the poller, the push to peers).
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < std::time::Duration::from_secs(120),
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
}
