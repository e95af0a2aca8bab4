//! Logging in to the web UI: the form, its CSRF protection, and the
//! throttling of failed attempts.
//!
//! - **Login CSRF.** Showing the form sets a pre-session cookie
//!   (`c5hub_login`, `SameSite=Strict`, `HttpOnly`) whose value the form
//!   repeats; a log-in whose field and cookie differ, or whose `Origin` is
//!   another site, is refused. So another site cannot log a visitor in to an
//!   account of its choosing.
//! - **Throttling.** Failed attempts are counted per account (the e-mail
//!   address, or the token's digest) and per source address. Past
//!   [`FREE_FAILURES_PER_ACCOUNT`] (per account) or
//!   [`FREE_FAILURES_PER_ADDRESS`] (per address) failures, each further
//!   failure closes the door for a delay that doubles, from
//!   [`FIRST_DELAY`] up to [`MAX_DELAY`]. While it is closed, attempts are refused with 429
//!   before any password is checked, the right password included. A
//!   success clears the account's count, never the address's (an attacker
//!   holding one account could otherwise reset it between guesses). Every
//!   failure and every refusal that starts a delay is in the audit log.
//! - **Token log-in.** A user's token logs in as the user, with the lesser
//!   of the token's and the user's role, for as long as the token lives:
//!   the session ends when the token expires or is revoked.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Form, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::AppState;
use crate::auth::{SESSION_COOKIE, cookie_in};
use crate::ui::page::{Page, page};

/// Failures an account may have before delays start.
pub(crate) const FREE_FAILURES_PER_ACCOUNT: u32 = 5;
/// Failures an address may have before delays start: more than an account,
/// since an office behind one address has many people.
pub(crate) const FREE_FAILURES_PER_ADDRESS: u32 = 20;
/// The delay after the first failure past the free ones.
pub(crate) const FIRST_DELAY: Duration = Duration::from_secs(10);
/// The longest delay.
pub(crate) const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A count with no failure for this long is forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// Counters kept at most; past it, forgotten ones are dropped first, then
/// the oldest (memory stays bounded under a spray of addresses).
const MAX_COUNTERS: usize = 100_000;

/// The pre-session cookie of the login form.
const LOGIN_COOKIE: &str = "c5hub_login";

#[derive(Clone, Copy, Debug)]
struct Counter {
    failures: u32,
    last: Instant,
    closed_until: Option<Instant>,
}

/// Failed log-ins per account and per address.
#[derive(Default)]
pub(crate) struct LoginThrottle {
    counters: Mutex<HashMap<String, Counter>>,
}

/// The delay after `failures` failures when `free` are allowed.
fn delay_after(failures: u32, free: u32) -> Option<Duration> {
    let over = failures.checked_sub(free)?;
    if over == 0 {
        return None;
    }
    let secs = FIRST_DELAY
        .as_secs()
        .saturating_mul(1u64.checked_shl(over - 1).unwrap_or(u64::MAX))
        .min(MAX_DELAY.as_secs());
    Some(Duration::from_secs(secs))
}

impl LoginThrottle {
    /// How long the door stays closed for any of `keys`, if it is.
    pub(crate) fn closed(&self, keys: &[&str], now: Instant) -> Option<Duration> {
        let map = self.counters.lock().ok()?;
        keys.iter()
            .filter_map(|k| map.get(*k)?.closed_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failure for each `(key, free)`; returns the delay it
    /// starts, if any.
    pub(crate) fn fail(&self, keys: &[(&str, u32)], now: Instant) -> Option<Duration> {
        let mut map = self.counters.lock().ok()?;
        if map.len() >= MAX_COUNTERS {
            map.retain(|_, c| now.duration_since(c.last) < FORGET_AFTER);
            if map.len() >= MAX_COUNTERS {
                let mut by_age: Vec<(Instant, String)> =
                    map.iter().map(|(k, c)| (c.last, k.clone())).collect();
                by_age.sort();
                for (_, k) in by_age.into_iter().take(MAX_COUNTERS / 10) {
                    map.remove(&k);
                }
            }
        }
        let mut started = None;
        for (key, free) in keys {
            let c = map.entry((*key).to_owned()).or_insert(Counter {
                failures: 0,
                last: now,
                closed_until: None,
            });
            if now.duration_since(c.last) >= FORGET_AFTER {
                c.failures = 0;
            }
            c.failures = c.failures.saturating_add(1);
            c.last = now;
            if let Some(d) = delay_after(c.failures, *free) {
                c.closed_until = Some(now + d);
                started = started.max(Some(d));
            }
        }
        started
    }

    pub(crate) fn succeed(&self, account: &str) {
        if let Ok(mut map) = self.counters.lock() {
            map.remove(account);
        }
    }
}

fn login_page(error: Option<&str>, form_token: &str) -> axum::response::Html<String> {
    page(
        &Page::anonymous("Log in"),
        html! {
            h1 { "Log in to c5hub" }
            @if let Some(e) = error { div.error role="alert" { (e) } }
            form.stack method="post" action="/login" {
                input type="hidden" name="login_csrf" value=(form_token);
                label { "Email" input type="email" name="email" autocomplete="username"; }
                label { "Password" input type="password" name="password" autocomplete="current-password"; }
                button type="submit" { "Log in" }
            }
            h2 { "Or with an API token" }
            p.muted { "Administrators log in with the admin token printed when the hub first started." }
            form.stack method="post" action="/login" {
                input type="hidden" name="login_csrf" value=(form_token);
                label { "Token" input type="password" name="token" autocomplete="off"; }
                button type="submit" { "Log in with token" }
            }
        },
    )
}

/// The form, with a fresh pre-session token in the page and its cookie.
fn form_response(status: StatusCode, error: Option<&str>, s: &AppState) -> Response {
    let token = c5hub_store::new_secret();
    let secure = if s.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600{secure}"
    );
    (
        status,
        [(header::SET_COOKIE, cookie)],
        login_page(error, &token),
    )
        .into_response()
}

pub(crate) async fn form(State(s): State<AppState>) -> Response {
    form_response(StatusCode::OK, None, &s)
}

#[derive(Deserialize)]
pub(crate) struct Login {
    #[serde(default)]
    login_csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    token: String,
}

/// Whether the request comes from this hub's own login form: the form's
/// token matches its cookie, and a browser's `Origin`, when sent, is this
/// host.
fn same_site_form(headers: &HeaderMap, sent: &str) -> bool {
    let origin_ok = match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        None => true,
        Some(origin) => {
            let host = headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            origin
                .split_once("://")
                .is_some_and(|(_, rest)| !host.is_empty() && rest == host)
        }
    };
    let cookie = cookie_in(headers, LOGIN_COOKIE).unwrap_or_default();
    let token_ok = !cookie.is_empty() && bool::from(cookie.as_bytes().ct_eq(sent.as_bytes()));
    origin_ok && token_ok
}

/// The key a failed log-in counts against for the account tried.
fn account_key(f: &Login) -> String {
    if f.token.trim().is_empty() {
        format!("user:{}", f.email.trim().to_ascii_lowercase())
    } else {
        use sha2::{Digest, Sha256};
        let d = Sha256::digest(f.token.trim().as_bytes());
        format!("token:{}", hex::encode(&d[..8]))
    }
}

fn wait_words(d: Duration) -> String {
    let secs = d.as_secs().max(1);
    if secs < 120 {
        format!("{secs} seconds")
    } else {
        format!("{} minutes", secs.div_ceil(60))
    }
}

pub(crate) async fn submit(
    State(s): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(f): Form<Login>,
) -> Response {
    if !same_site_form(&headers, &f.login_csrf) {
        return form_response(
            StatusCode::FORBIDDEN,
            Some("This log-in form has expired or did not come from this hub; try again."),
            &s,
        );
    }
    let account = account_key(&f);
    let address = format!("addr:{}", source_ip(peer.ip()));
    let now = Instant::now();
    if let Some(wait) = s.logins.closed(&[&account, &address], now) {
        let msg = format!(
            "Too many failed log-ins for this account or from this address; try again in {}.",
            wait_words(wait)
        );
        let mut r = form_response(StatusCode::TOO_MANY_REQUESTS, Some(&msg), &s);
        if let Ok(v) = header::HeaderValue::from_str(&wait.as_secs().max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let ttl = chrono::Duration::hours(i64::from(s.config.session_hours.max(1)));
    let by_token = !f.token.trim().is_empty();
    let result = s
        .pool
        .run(move |st| {
            let principal = if by_token {
                st.accounts().authenticate_token(f.token.trim())?
            } else {
                st.accounts().check_password(&f.email, &f.password)?
            };
            let Some(p) = principal else {
                return Ok(Err("Wrong email and password, or token."));
            };
            let Some(uid) = p.user_id else {
                return Ok(Err(
                    "This token belongs to no user: it works for the API only.",
                ));
            };
            // A token's session ends with the token and acts with the
            // lesser of its role and the user's (the store's `session`).
            let (secret, _) = st.accounts().create_session(uid, p.token_id, ttl)?;
            let how = if p.token_id.is_some() {
                "token"
            } else {
                "password"
            };
            st.accounts()
                .audit(&p.name, Some(&p.org), "session.login", None, Some(how))?;
            Ok(Ok(secret))
        })
        .await;
    match result {
        Ok(Ok(secret)) => {
            s.logins.succeed(&account);
            let secure = if s.config.secure_cookies {
                "; Secure"
            } else {
                ""
            };
            let session = format!(
                "{SESSION_COOKIE}={secret}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
                ttl.num_seconds()
            );
            let used =
                format!("{LOGIN_COOKIE}=; Path=/login; HttpOnly; SameSite=Strict; Max-Age=0");
            let mut r = Redirect::to("/").into_response();
            for c in [session, used] {
                if let Ok(v) = header::HeaderValue::from_str(&c) {
                    r.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            r
        }
        Ok(Err(msg)) => {
            let started = s.logins.fail(
                &[
                    (&account, FREE_FAILURES_PER_ACCOUNT),
                    (&address, FREE_FAILURES_PER_ADDRESS),
                ],
                now,
            );
            let detail = match started {
                Some(d) => format!(
                    "from {} ({account}); closed for {} s",
                    source_ip(peer.ip()),
                    d.as_secs()
                ),
                None => format!("from {} ({account})", source_ip(peer.ip())),
            };
            let action = if started.is_some() {
                "session.throttled"
            } else {
                "session.login_failed"
            };
            let target = account.clone();
            let _ = s
                .pool
                .run(move |st| {
                    st.accounts()
                        .audit("anonymous", None, action, Some(&target), Some(&detail))
                })
                .await;
            form_response(StatusCode::UNAUTHORIZED, Some(msg), &s)
        }
        Err(p) => form_response(p.status, Some(&p.detail), &s),
    }
}

/// The address counted for throttling: an IPv6 client is counted by its
/// /64, since one host usually holds the whole /64.
fn source_ip(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_failures_and_double_up_to_the_cap() {
        assert_eq!(delay_after(5, 5), None);
        assert_eq!(delay_after(6, 5), Some(FIRST_DELAY));
        assert_eq!(delay_after(7, 5), Some(2 * FIRST_DELAY));
        assert_eq!(delay_after(10, 5), Some(16 * FIRST_DELAY));
        assert_eq!(delay_after(60, 5), Some(MAX_DELAY));
        assert_eq!(delay_after(u32::MAX, 5), Some(MAX_DELAY));
    }

    #[test]
    fn a_closed_account_stays_closed_until_its_delay_ends() {
        let t = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..FREE_FAILURES_PER_ACCOUNT {
            assert_eq!(t.fail(&[("user:a", FREE_FAILURES_PER_ACCOUNT)], now), None);
        }
        assert_eq!(t.closed(&["user:a"], now), None);
        let d = t
            .fail(&[("user:a", FREE_FAILURES_PER_ACCOUNT)], now)
            .expect("a delay starts");
        assert_eq!(t.closed(&["user:a", "user:b"], now), Some(d));
        assert_eq!(t.closed(&["user:b"], now), None);
        assert_eq!(t.closed(&["user:a"], now + d), None);
        t.succeed("user:a");
        assert_eq!(t.closed(&["user:a"], now), None);
    }

    #[test]
    fn ipv6_clients_count_by_their_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(source_ip(a), source_ip(b));
        let m: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(source_ip(m), "192.0.2.7");
    }
}
