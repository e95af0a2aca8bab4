//! A logged-in browser for the page tests: its session cookie and CSRF
//! token, plain form and multipart posts that do not follow redirects, and
//! the answer's status, headers and bytes.

use serde_json::Value;

use super::Hub;

/// A logged-in browser: its session cookie and CSRF token.
pub struct Browser {
    pub base: String,
    pub cookie: String,
    pub csrf: String,
}

pub struct Reply {
    pub status: u16,
    pub location: String,
    pub content_type: String,
    pub disposition: String,
    pub csp: String,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

pub fn send(
    method: &str,
    url: &str,
    cookie: Option<&str>,
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Reply {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut req = agent.request(method, url);
    if let Some(c) = cookie {
        req = req.set("Cookie", c);
    }
    if let Some(ct) = content_type {
        req = req.set("Content-Type", ct);
    }
    let result = match body {
        Some(b) => req.send_bytes(b),
        None => req.call(),
    };
    let resp = match result {
        Ok(r) | Err(ureq::Error::Status(_, r)) => r,
        Err(e) => panic!("{method} {url}: {e}"),
    };
    let header = |n: &str| resp.header(n).unwrap_or_default().to_owned();
    let (status, location, content_type, disposition) = (
        resp.status(),
        header("location"),
        header("content-type"),
        header("content-disposition"),
    );
    let csp = header("content-security-policy");
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut resp.into_reader(), &mut body).expect("body");
    Reply {
        status,
        location,
        content_type,
        disposition,
        csp,
        body,
    }
}

pub fn form_encode(fields: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
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

/// One multipart part: name, file name (for files), bytes.
pub type Part<'a> = (String, Option<&'a str>, Vec<u8>);

pub fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "c5hub-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, file, bytes) in parts {
        body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        match file {
            Some(f) => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"; filename=\"{f}\"\r\nContent-Type: {}\r\n\r\n", if f.ends_with(".html") { "text/html" } else { "application/pdf" }).as_bytes(),
            ),
            None => body.extend_from_slice(
                format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n").as_bytes(),
            ),
        }
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl Browser {
    pub fn login(hub: &Hub, fields: &[(&str, &str)]) -> Browser {
        let (r, cookie) = super::login(&hub.base, fields);
        assert_eq!(r.status, 303, "login: {}", r.body);
        let cookie = cookie.expect("session cookie");
        let me = send("GET", &hub.url("/api/v1/me"), Some(&cookie), None, None);
        let me: Value = serde_json::from_slice(&me.body).expect("me");
        Browser {
            base: hub.base.clone(),
            cookie,
            csrf: me["csrf"].as_str().expect("csrf").to_owned(),
        }
    }

    pub fn user(hub: &Hub, email: &str, password: &str) -> Browser {
        Browser::login(hub, &[("email", email), ("password", password)])
    }

    pub fn get(&self, path: &str) -> Reply {
        send(
            "GET",
            &format!("{}{path}", self.base),
            Some(&self.cookie),
            None,
            None,
        )
    }

    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Reply {
        let mut all = vec![("csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        send(
            "POST",
            &format!("{}{path}", self.base),
            Some(&self.cookie),
            Some("application/x-www-form-urlencoded"),
            Some(&form_encode(&all)),
        )
    }

    pub fn post_multipart(&self, path: &str, parts: &[Part<'_>]) -> Reply {
        let mut all: Vec<Part<'_>> = vec![("csrf".into(), None, self.csrf.clone().into_bytes())];
        all.extend_from_slice(parts);
        let (ct, body) = multipart(&all);
        send(
            "POST",
            &format!("{}{path}", self.base),
            Some(&self.cookie),
            Some(&ct),
            Some(&body),
        )
    }
}
