//! Who calls the TAXII server: HTTP Basic (a user's e-mail address and
//! password, the accounts the web UI logs in with) or a bearer token (the
//! API's tokens, as `Bearer` or, as taxii2-client's `TokenAuth` sends it,
//! `Token`), mapped to the user's or token's organisation and role.
//!
//! A password costs an argon2 verification, so a client paging through a
//! collection would pay it on every page. A verified pair is remembered for
//! the token cache's few seconds under an HMAC of the pair with a key made
//! at start and never stored (neither the password nor a plain hash of it
//! is kept), in the same cache as tokens, so disabling a user or revoking
//! a token clears it too. Failed passwords count against the account in
//! the login form's throttle: Basic is no way around it.

use std::sync::OnceLock;
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;
use c5hub_hub::Authority;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::TaxiiError;
use crate::AppState;
use crate::login::FREE_FAILURES_PER_ACCOUNT;

fn unauthorized(detail: &str) -> TaxiiError {
    TaxiiError::new(StatusCode::UNAUTHORIZED, "Unauthorized", detail)
}

/// The process's key for remembered Basic credentials.
fn cache_key() -> &'static [u8; 32] {
    static KEY: OnceLock<[u8; 32]> = OnceLock::new();
    KEY.get_or_init(|| {
        use rand::RngCore;
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        k
    })
}

/// What a verified Basic pair is remembered under.
fn remembered(email: &str, password: &str) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(cache_key()).expect("HMAC takes any key");
    m.update(email.as_bytes());
    m.update(&[0]);
    m.update(password.as_bytes());
    format!("basic:{}", hex::encode(m.finalize().into_bytes()))
}

/// The caller of a TAXII request, or 401. Every TAXII request
/// authenticates (medallion's default); there is no anonymous reader.
pub(crate) async fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Authority, TaxiiError> {
    let Some(h) = headers.get(header::AUTHORIZATION) else {
        return Err(unauthorized(
            "authenticate with HTTP Basic (e-mail address and password) or a bearer token",
        ));
    };
    let h = h
        .to_str()
        .map_err(|_| unauthorized("the Authorization header is not text"))?;
    let (scheme, value) = h.split_once(' ').unwrap_or((h, ""));
    // `Token` is how taxii2-client's `TokenAuth` sends the same secret.
    let principal = if scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token")
    {
        let token = value.trim().to_owned();
        match state.tokens.get(&token) {
            Some(p) => p,
            None => {
                let t = token.clone();
                let p = state
                    .pool
                    .run(move |s| s.accounts().authenticate_token(&t))
                    .await?
                    .ok_or_else(|| unauthorized("the token is unknown, revoked or expired"))?;
                state.tokens.put(&token, &p);
                p
            }
        }
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(value.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(|| unauthorized("Basic credentials must be base64 of email:password"))?;
        let (email, password) = decoded
            .split_once(':')
            .ok_or_else(|| unauthorized("Basic credentials must be base64 of email:password"))?;
        let email = email.trim().to_ascii_lowercase();
        let key = remembered(&email, password);
        match state.tokens.get(&key) {
            Some(p) => p,
            None => {
                let account = format!("user:{email}");
                let now = Instant::now();
                if let Some(wait) = state.logins.closed(&[&account], now) {
                    return Err(TaxiiError::new(
                        StatusCode::TOO_MANY_REQUESTS,
                        "Too many failed log-ins",
                        format!(
                            "too many wrong passwords for this account; try again in {} s",
                            wait.as_secs().max(1)
                        ),
                    ));
                }
                let (e, pw) = (email.clone(), password.to_owned());
                let found = state
                    .pool
                    .run(move |s| s.accounts().check_password(&e, &pw))
                    .await?;
                match found {
                    Some(p) => {
                        state.logins.succeed(&account);
                        state.tokens.put(&key, &p);
                        p
                    }
                    None => {
                        state
                            .logins
                            .fail(&[(&account, FREE_FAILURES_PER_ACCOUNT)], now);
                        return Err(unauthorized("wrong e-mail address or password"));
                    }
                }
            }
        }
    } else {
        return Err(unauthorized(
            "the Authorization header must be Basic, Bearer or Token",
        ));
    };
    Ok(Authority::member(principal, &state.config.org))
}
