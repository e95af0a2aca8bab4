//! A logged-in browser for form tests: its session cookie and CSRF token,
//! and plain form posts that do not follow redirects.

use serde_json::Value;

use super::Hub;

pub struct Browser {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: u16,
    pub location: String,
    pub body: String,
}

fn send(method: &str, url: &str, cookie: &str, form: Option<&[u8]>) -> Reply {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let req = agent.request(method, url).set("Cookie", cookie);
    let result = match form {
        Some(b) => req
            .set("Content-Type", "application/x-www-form-urlencoded")
            .send_bytes(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    Reply {
        status: resp.status(),
        location: resp.header("location").unwrap_or_default().to_owned(),
        body: resp.into_string().expect("body"),
    }
}

pub fn form_encode(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    };
    fields
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

impl Browser {
    pub fn login(hub: &Hub, email: &str, password: &str) -> Browser {
        let (r, cookie) = super::login(&hub.base, &[("email", email), ("password", password)]);
        assert_eq!(r.status, 303, "login: {}", r.body);
        let cookie = cookie.expect("session cookie");
        let me = send("GET", &hub.url("/api/v1/me"), &cookie, None);
        let me: Value = serde_json::from_str(&me.body).expect("me");
        Browser {
            base: hub.base.clone(),
            cookie,
            csrf: me["csrf"].as_str().expect("csrf").to_owned(),
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        send("GET", &format!("{}{path}", self.base), &self.cookie, None)
    }

    /// Posts `fields` with the session's CSRF token.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        let body = form_encode(&all);
        send(
            "POST",
            &format!("{}{path}", self.base),
            &self.cookie,
            Some(&body),
        )
    }
}
