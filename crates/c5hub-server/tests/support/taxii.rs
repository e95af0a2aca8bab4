//! TAXII 2.1 calls for the tests: the media type, Basic or bearer
//! credentials, and every page of a collection's objects.

use serde_json::Value;

use super::{Answer, Hub, call_with};

pub const TAXII: &str = "application/taxii+json;version=2.1";

/// How a TAXII call authenticates.
#[derive(Clone, Copy, Debug)]
pub enum Auth<'a> {
    None,
    Token(&'a str),
    Basic(&'a str, &'a str),
}

/// A TAXII GET (Accept: TAXII 2.1).
pub fn taxii_get(hub: &Hub, path: &str, auth: Auth<'_>) -> Answer {
    taxii_call(hub, "GET", path, auth, &[("Accept", TAXII)], None, None)
}

pub fn taxii_call(
    hub: &Hub,
    method: &str,
    path: &str,
    auth: Auth<'_>,
    headers: &[(&str, &str)],
    content_type: Option<&str>,
    body: Option<&[u8]>,
) -> Answer {
    let basic;
    let mut all: Vec<(&str, &str)> = headers.to_vec();
    let token = match auth {
        Auth::None => None,
        Auth::Token(t) => Some(t),
        Auth::Basic(u, p) => {
            use base64::Engine;
            basic = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"))
            );
            all.push(("Authorization", basic.as_str()));
            None
        }
    };
    call_with(method, &hub.url(path), token, &all, content_type, body)
}

/// Every object of `GET .../collections/{c}/objects/?{query}`, page by
/// page with `limit`, checking each envelope on the way.
pub fn all_objects(
    hub: &Hub,
    auth: Auth<'_>,
    collection: &str,
    query: &str,
    limit: usize,
) -> Vec<Value> {
    let mut out = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let mut q = format!("limit={limit}");
        if !query.is_empty() {
            q.push('&');
            q.push_str(query);
        }
        if let Some(n) = &next {
            q.push_str(&format!("&next={n}"));
        }
        let r = taxii_get(
            hub,
            &format!("/taxii2/api1/collections/{collection}/objects/?{q}"),
            auth,
        );
        assert_eq!(r.status, 200, "{collection}?{q}: {}", r.body);
        assert_eq!(r.content_type, TAXII);
        let page = r.json();
        let objects = page["objects"].as_array().cloned().unwrap_or_default();
        assert!(objects.len() <= limit, "{page}");
        out.extend(objects);
        if page["more"] == Value::Bool(true) {
            next = Some(page["next"].as_str().expect("next with more").to_owned());
        } else {
            assert!(page.get("next").is_none(), "{page}");
            return out;
        }
    }
}

/// The `id`s of the objects of one type.
pub fn ids_of(objects: &[Value], ty: &str) -> Vec<String> {
    objects
        .iter()
        .filter(|o| o["type"] == ty)
        .map(|o| o["id"].as_str().expect("id").to_owned())
        .collect()
}
