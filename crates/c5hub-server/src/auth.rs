//! Who is calling: a bearer token (`Authorization: Bearer c5h_...`) for
//! scripts, or a session cookie for the browser.
//!
//! A bad token is an error, never a fall-back to anonymous: a script with a
//! revoked token must learn so, not silently see less. Session-authenticated
//! requests that change state must carry the session's CSRF token, in the
//! `X-CSRF-Token` header (API) or a `csrf` form field (web UI); the cookie is
//! also `SameSite=Strict` and `HttpOnly`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use c5hub_model::Role;
use c5hub_store::Principal;

use crate::AppState;
use crate::problem::Problem;

/// How long an authenticated token is remembered. A token revoked through
/// this server stops working at once (the cache is cleared); one revoked
/// by another process (the CLI, another replica) within this time.
const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);
const TOKEN_CACHE_MAX: usize = 10_000;

/// Recently authenticated tokens, keyed by the SHA-256 of the secret (the
/// secret itself is never kept), so that a busy script costs one store
/// lookup per token every few seconds instead of one per request.
#[derive(Default)]
pub(crate) struct TokenCache {
    map: Mutex<HashMap<[u8; 32], (Principal, Instant)>>,
}

impl TokenCache {
    fn key(secret: &str) -> [u8; 32] {
        use sha2::{Digest, Sha256};
        Sha256::digest(secret.as_bytes()).into()
    }

    pub(crate) fn get(&self, secret: &str) -> Option<Principal> {
        let map = self.map.lock().ok()?;
        let (p, at) = map.get(&Self::key(secret))?;
        (at.elapsed() < TOKEN_CACHE_TTL).then(|| p.clone())
    }

    pub(crate) fn put(&self, secret: &str, p: &Principal) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= TOKEN_CACHE_MAX {
                map.retain(|_, (_, at)| at.elapsed() < TOKEN_CACHE_TTL);
                if map.len() >= TOKEN_CACHE_MAX {
                    map.clear();
                }
            }
            map.insert(Self::key(secret), (p.clone(), Instant::now()));
        }
    }

    /// Forgets every token: after a revocation, or a user being disabled.
    pub(crate) fn clear(&self) {
        if let Ok(mut map) = self.map.lock() {
            map.clear();
        }
    }
}

/// The session cookie's name.
pub(crate) const SESSION_COOKIE: &str = "c5hub_session";

/// How the caller authenticated.
#[derive(Clone, Debug)]
pub(crate) enum Via {
    Token,
    Session { secret: String, csrf: String },
}

/// The caller of a request.
#[derive(Clone, Debug)]
pub(crate) struct Caller {
    pub(crate) principal: Option<Principal>,
    pub(crate) via: Option<Via>,
    pub(crate) public_access: bool,
    /// The session user's unread notifications (web pages only).
    pub(crate) unread: Option<i64>,
}

impl Caller {
    /// The authenticated principal, or 401.
    pub(crate) fn member(&self) -> Result<&Principal, Problem> {
        self.principal.as_ref().ok_or_else(Problem::unauthorized)
    }

    /// The principal if its role allows `what`, else 403 (401 when anonymous).
    pub(crate) fn allowed(&self, may: fn(Role) -> bool, what: &str) -> Result<&Principal, Problem> {
        let p = self.member()?;
        if may(p.role) {
            Ok(p)
        } else {
            Err(Problem::forbidden(format!(
                "role {} may not {what}",
                p.role
            )))
        }
    }

    /// The caller as the operations layer sees it, on a hub operated by
    /// `hub_org`; 401 when anonymous.
    pub(crate) fn authority(&self, hub_org: &str) -> Result<c5hub_hub::Authority, Problem> {
        Ok(c5hub_hub::Authority::member(
            self.member()?.clone(),
            hub_org,
        ))
    }

    /// The caller as the operations layer sees a reader: a member, or the
    /// public on a hub with public access; 401 otherwise.
    pub(crate) fn reading(&self, hub_org: &str) -> Result<c5hub_hub::Authority, Problem> {
        match &self.principal {
            Some(p) => Ok(c5hub_hub::Authority::member(p.clone(), hub_org)),
            None if self.public_access => Ok(c5hub_hub::Authority::Public),
            None => Err(Problem::unauthorized()),
        }
    }

    /// The session's CSRF token, for forms.
    pub(crate) fn csrf(&self) -> Option<&str> {
        match &self.via {
            Some(Via::Session { csrf, .. }) => Some(csrf),
            _ => None,
        }
    }
}

pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// A cookie's value from the request headers: the first pair of that name
/// in any `Cookie` header; pairs that do not parse are skipped.
pub(crate) fn cookie_in<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .and_then(|c| c.value_raw())
}

/// Compares a CSRF token sent with a request to the session's in constant
/// time, so the comparison's duration says nothing of how much matched.
pub(crate) fn csrf_matches(expected: &str, sent: &str) -> bool {
    use subtle::ConstantTimeEq;
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(sent.as_bytes()))
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Caller, Problem> {
        let public_access = state.config.public_access;
        if let Some(h) = parts.headers.get(header::AUTHORIZATION) {
            let token = h
                .to_str()
                .ok()
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .map(str::trim)
                .ok_or_else(|| {
                    Problem::invalid("header Authorization", "expected `Bearer <token>`")
                })?
                .to_owned();
            let found = match state.tokens.get(&token) {
                Some(p) => Some(p),
                None => {
                    let t = token.clone();
                    let p = state
                        .pool
                        .run(move |s| s.accounts().authenticate_token(&t))
                        .await?;
                    if let Some(p) = &p {
                        state.tokens.put(&token, p);
                    }
                    p
                }
            };
            return match found {
                Some(p) => Ok(Caller {
                    principal: Some(p),
                    via: Some(Via::Token),
                    public_access,
                    unread: None,
                }),
                None => Err(Problem::new(
                    axum::http::StatusCode::UNAUTHORIZED,
                    "bad-token",
                    "Token not accepted",
                    "the token is unknown, revoked or expired",
                )),
            };
        }
        if let Some(secret) = cookie(parts, SESSION_COOKIE).map(str::to_owned) {
            let s2 = secret.clone();
            // The header of every page shows the unread count: read with
            // the session, in the same trip to the store.
            let found = state
                .pool
                .run(move |s| {
                    let Some(session) = s.accounts().session(&s2)? else {
                        return Ok(None);
                    };
                    let unread = s.notifications().unread(&session.principal.name)?;
                    Ok(Some((session, unread)))
                })
                .await?;
            if let Some((session, unread)) = found {
                let unsafe_method =
                    !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
                if unsafe_method && parts.uri.path().starts_with("/api/") {
                    let sent = parts
                        .headers
                        .get("x-csrf-token")
                        .and_then(|v| v.to_str().ok());
                    if !sent.is_some_and(|t| csrf_matches(&session.csrf, t)) {
                        return Err(Problem::forbidden(
                            "missing or wrong X-CSRF-Token for this session",
                        ));
                    }
                }
                return Ok(Caller {
                    principal: Some(session.principal),
                    via: Some(Via::Session {
                        secret,
                        csrf: session.csrf,
                    }),
                    public_access,
                    unread: Some(unread),
                });
            }
        }
        Ok(Caller {
            principal: None,
            via: None,
            public_access,
            unread: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn cookies_found_by_name_in_every_cookie_header() {
        let mut h = HeaderMap::new();
        assert_eq!(cookie_in(&h, "c5hub_session"), None);
        h.append(
            header::COOKIE,
            HeaderValue::from_static("theme=dark;  c5hub_login=abc ; other"),
        );
        h.append(
            header::COOKIE,
            HeaderValue::from_static("c5hub_session=s3cr3t; c5hub_session=second"),
        );
        assert_eq!(cookie_in(&h, "c5hub_login"), Some("abc"));
        assert_eq!(cookie_in(&h, "c5hub_session"), Some("s3cr3t"));
        assert_eq!(cookie_in(&h, "theme"), Some("dark"));
        assert_eq!(cookie_in(&h, "other"), None);
        assert_eq!(cookie_in(&h, "c5hub"), None);
    }
}
