//! E-mail notifications: the notifier queues them (`c5hub_hub::notify`),
//! this sends them through the SMTP server of `[notify] smtp_url`, with a
//! small SMTP client (RFC 5321: EHLO, optional AUTH PLAIN, MAIL, RCPT,
//! DATA with dot-stuffing, QUIT). A failure is retried with doubling waits
//! (`[notify] webhook_backoff_ms`), at most
//! `c5hub_hub::notify::MAX_ATTEMPTS` times; the queue is in the store, so
//! a restart resumes it.
//!
//! Only `smtp://` is spoken: this build has no TLS library, so `smtps://`
//! and STARTTLS are refused at start rather than sent in clear. Use a
//! local relay (Postfix on loopback) to reach a server that needs TLS.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use c5hub_hub::notify::retry_after;
use c5hub_store::{AttemptOutcome, DueEmail};

use crate::AppState;

/// How long the SMTP server has for each answer.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Where and how to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Smtp {
    /// `host:port`.
    pub addr: String,
    /// User and password for AUTH PLAIN, if given.
    pub login: Option<(String, String)>,
    /// The sender's address.
    pub from: String,
}

impl Smtp {
    /// Reads `smtp://[user:password@]host[:port]`.
    pub fn parse(url: &str, from: &str) -> Result<Smtp, String> {
        let rest = if let Some(r) = url.strip_prefix("smtp://") {
            r
        } else if url.starts_with("smtps://") || url.contains("starttls") {
            return Err(format!(
                "[notify] smtp_url {url:?}: this build speaks plain smtp:// only (no TLS library); relay through a local SMTP server"
            ));
        } else {
            return Err(format!(
                "[notify] smtp_url {url:?}: expected smtp://host:port"
            ));
        };
        let rest = rest.trim_end_matches('/');
        let (login, host) = match rest.rsplit_once('@') {
            Some((cred, host)) => {
                let (u, p) = cred.split_once(':').unwrap_or((cred, ""));
                (Some((u.to_owned(), p.to_owned())), host)
            }
            None => (None, rest),
        };
        if host.is_empty() || host.contains(['/', '?', ' ']) {
            return Err(format!("[notify] smtp_url {url:?}: no host"));
        }
        let addr = if host
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        {
            host.to_owned()
        } else {
            format!("{host}:25")
        };
        if from.is_empty() || from.contains(['\r', '\n', '<', '>']) || !from.contains('@') {
            return Err(format!(
                "[notify] from {from:?}: expected an e-mail address"
            ));
        }
        Ok(Smtp {
            addr,
            login,
            from: from.to_owned(),
        })
    }
}

/// Reads one (possibly multi-line) reply; its code.
fn reply(r: &mut impl BufRead) -> Result<u16, String> {
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
            return Err("the SMTP server closed the connection".to_owned());
        }
        let code = line
            .get(..3)
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("not an SMTP reply: {}", line.trim_end()))?;
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(code);
        }
    }
}

fn expect(r: &mut impl BufRead, w: &mut impl Write, send: &str, ok: u16) -> Result<(), String> {
    w.write_all(send.as_bytes()).map_err(|e| e.to_string())?;
    w.flush().map_err(|e| e.to_string())?;
    let code = reply(r)?;
    if code / 100 == ok / 100 {
        Ok(())
    } else {
        let verb = send.split([' ', '\r']).next().unwrap_or_default();
        Err(format!("the SMTP server answered {code} to {verb}"))
    }
}

/// Sends one message.
pub fn send(smtp: &Smtp, to: &str, subject: &str, body: &str) -> Result<(), String> {
    if to.contains(['\r', '\n', '<', '>']) {
        return Err(format!("not an address: {to:?}"));
    }
    let stream = TcpStream::connect(&smtp.addr).map_err(|e| format!("{}: {e}", smtp.addr))?;
    stream
        .set_read_timeout(Some(TIMEOUT))
        .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
        .map_err(|e| e.to_string())?;
    let mut w = stream.try_clone().map_err(|e| e.to_string())?;
    let mut r = BufReader::new(stream);
    if reply(&mut r)? / 100 != 2 {
        return Err("the SMTP server refused the connection".to_owned());
    }
    expect(&mut r, &mut w, "EHLO c5hub\r\n", 250)?;
    if let Some((u, p)) = &smtp.login {
        use base64_plain as b64;
        let token = b64(format!("\0{u}\0{p}").as_bytes());
        expect(&mut r, &mut w, &format!("AUTH PLAIN {token}\r\n"), 235)?;
    }
    expect(
        &mut r,
        &mut w,
        &format!("MAIL FROM:<{}>\r\n", smtp.from),
        250,
    )?;
    expect(&mut r, &mut w, &format!("RCPT TO:<{to}>\r\n"), 250)?;
    expect(&mut r, &mut w, "DATA\r\n", 354)?;
    let date = httpdate::fmt_http_date(std::time::SystemTime::now()).replace("GMT", "+0000");
    let mut msg = format!(
        "From: <{}>\r\nTo: <{to}>\r\nSubject: {}\r\nDate: {date}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\nAuto-Submitted: auto-generated\r\n\r\n",
        smtp.from,
        subject.replace(['\r', '\n'], " ")
    );
    for line in body.lines() {
        // Dot-stuffing: a line that starts with "." gets another.
        if line.starts_with('.') {
            msg.push('.');
        }
        msg.push_str(line);
        msg.push_str("\r\n");
    }
    msg.push_str(".\r\n");
    expect(&mut r, &mut w, &msg, 250)?;
    let _ = expect(&mut r, &mut w, "QUIT\r\n", 221);
    Ok(())
}

/// Base64 (RFC 4648, with padding), for AUTH PLAIN.
fn base64_plain(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(A[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Sends what is due once; how many were tried.
pub(crate) async fn round(s: &AppState, smtp: &Smtp) -> usize {
    let now = chrono::Utc::now().timestamp_millis();
    let due: Vec<DueEmail> = match s
        .pool
        .run(move |st| st.notifications().due_emails(now, 20))
        .await
    {
        Ok(d) => d,
        Err(p) => {
            tracing::warn!(error = %p.detail, "e-mail: reading the queue");
            return 0;
        }
    };
    let tried = due.len();
    let base = s.config.notify.webhook_backoff_ms;
    for m in due {
        let (smtp2, m2) = (smtp.clone(), m.clone());
        let sent =
            tokio::task::spawn_blocking(move || send(&smtp2, &m2.user, &m2.subject, &m2.body))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
        let attempt = m.attempts + 1;
        let (outcome, error) = match sent {
            Ok(()) => (AttemptOutcome::Delivered, None),
            Err(e) => match retry_after(attempt, base) {
                Some(wait) => (
                    AttemptOutcome::RetryAt(
                        chrono::Utc::now().timestamp_millis()
                            + i64::try_from(wait).unwrap_or(i64::MAX / 2),
                    ),
                    Some(e),
                ),
                None => (AttemptOutcome::GaveUp, Some(e)),
            },
        };
        tracing::info!(email = m.id, attempt, error = ?error, "e-mail notification");
        let id = m.id;
        if let Err(p) = s
            .pool
            .run(move |st| {
                st.notifications()
                    .email_attempt(id, attempt, error.as_deref(), outcome)
            })
            .await
        {
            tracing::warn!(error = %p.detail, "e-mail: recording an attempt");
        }
    }
    tried
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_base64() {
        assert_eq!(
            Smtp::parse("smtp://u:p@127.0.0.1:2525", "hub@x.test"),
            Ok(Smtp {
                addr: "127.0.0.1:2525".to_owned(),
                login: Some(("u".to_owned(), "p".to_owned())),
                from: "hub@x.test".to_owned(),
            })
        );
        assert_eq!(
            Smtp::parse("smtp://mail.test", "hub@x.test").map(|s| s.addr),
            Ok("mail.test:25".to_owned())
        );
        assert!(Smtp::parse("smtps://mail.test", "hub@x.test").is_err());
        assert!(Smtp::parse("smtp://mail.test", "nobody").is_err());
        assert_eq!(base64_plain(b"\0u\0p"), "AHUAcA==");
        assert_eq!(base64_plain(b"foobar"), "Zm9vYmFy");
    }
}
