//! Polled feeds: TAXII 2.1 collections and MISP feeds this hub pulls
//! from. Who may add, list and remove them (the hub's administrators and
//! the console), which organisation a feed's incidents become (one that
//! exists), the schedule and its backoff, and as whom the poller submits.
//!
//! Fetching and decoding are the server's poller's; the store keeps the
//! feed, its secret and the cursor. A secret leaves this crate only
//! towards the poller (`Feed::secret` of [`due`]); every list clears it.

use std::time::Duration;

use c5hub_model::{Role, Tlp};
use c5hub_store::{Feed, NewFeed, Principal, Store};
use chrono::{DateTime, Utc};

use crate::{AdminScope, Authority, Error};

/// What a feed speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A TAXII 2.1 collection.
    Taxii,
    /// A MISP feed (`manifest.json` and one file per event).
    Misp,
}

impl Kind {
    /// Its name in the store and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Taxii => "taxii",
            Kind::Misp => "misp",
        }
    }

    /// The kind a stored name says.
    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "taxii" => Some(Kind::Taxii),
            "misp" => Some(Kind::Misp),
            _ => None,
        }
    }
}

/// How the hub authenticates to the remote.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// Not at all.
    None,
    /// HTTP Basic.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { user, .. } => write!(f, "Basic({user}, …)"),
            Auth::Bearer(_) => f.write_str("Bearer(…)"),
        }
    }
}

impl Auth {
    /// The stored feed's authentication.
    pub fn of(feed: &Feed) -> Auth {
        match feed.auth.as_str() {
            "basic" => Auth::Basic {
                user: feed.username.clone(),
                password: feed.secret.clone(),
            },
            "bearer" => Auth::Bearer(feed.secret.clone()),
            _ => Auth::None,
        }
    }
}

/// A feed to add.
#[derive(Clone, Debug)]
pub struct Request {
    /// What it speaks.
    pub kind: Kind,
    /// The TAXII API root or collection URL, or the MISP feed's URL
    /// (where `manifest.json` is).
    pub url: String,
    /// The TAXII collection id (TAXII only).
    pub collection: Option<String>,
    /// How to authenticate.
    pub auth: Auth,
    /// Time between polls.
    pub every: Duration,
    /// Whose incidents the feed's become (default: the hub operator's).
    pub as_org: Option<String>,
    /// The TLP of an object that carries none.
    pub tlp: Tlp,
}

/// A feed to add as a door receives it (text from a form, a JSON body or
/// the command line), read field by field into a [`Request`] so that each
/// door refuses the same input with the same words. An empty field is an
/// absent one (a form sends empty fields).
#[derive(Clone, Debug, Default)]
pub struct Asked<'a> {
    /// `taxii` or `misp`.
    pub kind: &'a str,
    /// The URL.
    pub url: &'a str,
    /// The TAXII collection id.
    pub collection: Option<&'a str>,
    /// The Basic user name (with `password`).
    pub user: Option<&'a str>,
    /// The Basic password.
    pub password: Option<&'a str>,
    /// A bearer token (instead of a user and password).
    pub token: Option<&'a str>,
    /// Time between polls (default `15m`).
    pub every: Option<&'a str>,
    /// The organisation (default: the hub operator's).
    pub as_org: Option<&'a str>,
    /// The TLP of objects that carry none (default `amber`).
    pub tlp: Option<&'a str>,
}

fn given(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

impl Asked<'_> {
    /// The request, or the first field that is wrong and why.
    pub fn request(&self) -> Result<Request, Error> {
        let kind = Kind::parse(self.kind.trim()).ok_or_else(|| Error::Invalid {
            field: "kind",
            detail: format!("{:?} is not a kind of feed: taxii or misp", self.kind),
        })?;
        // A secret is taken as given: spaces may be part of it.
        let secret = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_owned);
        let auth = match (given(self.user), secret(self.password), secret(self.token)) {
            (None, None, None) => Auth::None,
            (Some(user), Some(password), None) => Auth::Basic {
                user: user.to_owned(),
                password,
            },
            (None, None, Some(t)) => Auth::Bearer(t),
            (Some(_), None, None) => {
                return Err(Error::Invalid {
                    field: "password",
                    detail: "a user name needs its password".to_owned(),
                });
            }
            (None, Some(_), None) => {
                return Err(Error::Invalid {
                    field: "user",
                    detail: "a password needs its user name".to_owned(),
                });
            }
            (_, _, Some(_)) => {
                return Err(Error::Invalid {
                    field: "token",
                    detail: "give either a user and password or a token, not both".to_owned(),
                });
            }
        };
        let every = parse_every(given(self.every).unwrap_or("15m"))?;
        let tlp_text = given(self.tlp).unwrap_or("amber");
        let tlp: Tlp = tlp_text.parse().map_err(|e| Error::Invalid {
            field: "tlp",
            detail: format!("{tlp_text:?}: {e}"),
        })?;
        Ok(Request {
            kind,
            url: self.url.trim().to_owned(),
            collection: given(self.collection).map(str::to_owned),
            auth,
            every,
            as_org: given(self.as_org).map(str::to_owned),
            tlp,
        })
    }
}

/// The shortest time between polls.
pub const MIN_EVERY: Duration = Duration::from_secs(1);
/// The longest wait after failures.
pub const MAX_BACKOFF: Duration = Duration::from_secs(6 * 3600);

/// Reads `15m`, `30s`, `2h`, `1d` (a number alone is seconds).
pub fn parse_every(s: &str) -> Result<Duration, Error> {
    let bad = || Error::Invalid {
        field: "every",
        detail: format!("{s:?} is not a duration such as 30s, 15m, 2h or 1d"),
    };
    let s = s.trim();
    let (n, unit) = match s.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => s.split_at(i),
        None => (s, "s"),
    };
    let n: u64 = n.parse().map_err(|_| bad())?;
    let secs = match unit {
        "s" => n,
        "m" => n.checked_mul(60).ok_or_else(bad)?,
        "h" => n.checked_mul(3600).ok_or_else(bad)?,
        "d" => n.checked_mul(86400).ok_or_else(bad)?,
        _ => return Err(bad()),
    };
    Ok(Duration::from_secs(secs))
}

pub(crate) fn hub_admin(who: &Authority, what: &str) -> Result<(), Error> {
    if who.scope_for(what)? != AdminScope::Hub {
        return Err(Error::Forbidden(format!(
            "only the hub operator's admins may {what}"
        )));
    }
    Ok(())
}

fn hub_org(store: &mut Store, who: &Authority) -> Result<Option<String>, Error> {
    Ok(match who {
        Authority::Member { hub_org, .. } => Some(hub_org.clone()),
        _ => store.accounts().operator()?,
    })
}

/// A feed as shown: everything but its secret.
fn shown(mut f: Feed) -> Feed {
    f.secret.clear();
    f
}

/// Adds a feed (hub administration only), due at once.
pub fn add(store: &mut Store, who: &Authority, r: &Request) -> Result<Feed, Error> {
    hub_admin(who, "add feeds")?;
    let url = r.url.trim();
    let parsed = url::Url::parse(url).map_err(|e| Error::Invalid {
        field: "url",
        detail: format!("{url:?} is not a URL: {e}"),
    })?;
    // The poller's HTTP client is built without TLS (no TLS stack in the
    // hub yet): an https feed would fail at every poll, so it is refused
    // here, where the operator sees why.
    if parsed.scheme() == "https" {
        return Err(Error::Invalid {
            field: "url",
            detail: format!(
                "{url:?}: https feeds are not supported yet: the hub fetches feeds over plain \
                 http only (reach an https remote through a TLS proxy on this host)"
            ),
        });
    }
    if parsed.scheme() != "http" || parsed.host_str().is_none() {
        return Err(Error::Invalid {
            field: "url",
            detail: format!("{url:?}: a feed is fetched over http (http://host/...)"),
        });
    }
    let collection = r.collection.as_deref().map(str::trim).unwrap_or_default();
    match (r.kind, collection.is_empty()) {
        (Kind::Taxii, true) => {
            return Err(Error::Invalid {
                field: "collection",
                detail: "a TAXII feed names its collection".to_owned(),
            });
        }
        (Kind::Misp, false) => {
            return Err(Error::Invalid {
                field: "collection",
                detail: "a MISP feed has no collection".to_owned(),
            });
        }
        _ => {}
    }
    if r.every < MIN_EVERY {
        return Err(Error::Invalid {
            field: "every",
            detail: format!("at least {}s between polls", MIN_EVERY.as_secs()),
        });
    }
    let as_org = match &r.as_org {
        Some(o) => o.trim().to_owned(),
        None => hub_org(store, who)?.ok_or_else(|| Error::Invalid {
            field: "as",
            detail: "this hub has no operator yet: name the organisation with --as".to_owned(),
        })?,
    };
    if store.accounts().org(&as_org)?.is_none() {
        return Err(Error::Invalid {
            field: "as",
            detail: format!("{as_org:?} is not an organisation of this hub"),
        });
    }
    let (auth, username, secret) = match &r.auth {
        Auth::None => ("none", String::new(), String::new()),
        Auth::Basic { user, password } => ("basic", user.clone(), password.clone()),
        Auth::Bearer(t) => ("bearer", String::new(), t.clone()),
    };
    if auth != "none" && secret.is_empty() {
        return Err(Error::Invalid {
            field: "secret",
            detail: "the password or token is empty".to_owned(),
        });
    }
    let f = store.feeds().add(&NewFeed {
        kind: r.kind.as_str().to_owned(),
        url: url.to_owned(),
        collection: collection.to_owned(),
        auth: auth.to_owned(),
        username,
        secret,
        every_s: r.every.as_secs() as i64,
        as_org,
        tlp: r.tlp,
    })?;
    who.audit(
        store,
        "feed.add",
        &format!("feed:{}", f.id),
        Some(&format!("{} {} as {}", f.kind, f.url, f.as_org)),
    )?;
    Ok(shown(f))
}

/// Every feed with its state, without secrets (hub administration only).
pub fn list(store: &mut Store, who: &Authority) -> Result<Vec<Feed>, Error> {
    hub_admin(who, "list feeds")?;
    Ok(store.feeds().list()?.into_iter().map(shown).collect())
}

/// Removes a feed (hub administration only).
pub fn remove(store: &mut Store, who: &Authority, id: i64) -> Result<(), Error> {
    hub_admin(who, "remove feeds")?;
    if !store.feeds().remove(id)? {
        return Err(Error::NotFound(format!("feed {id}")));
    }
    who.audit(store, "feed.remove", &format!("feed:{id}"), None)?;
    Ok(())
}

/// The feeds due at `now`, with their secrets: for the poller only.
pub fn due(store: &mut Store, now: DateTime<Utc>) -> Result<Vec<Feed>, Error> {
    Ok(store.feeds().due(now)?)
}

/// As whom the poller submits a feed's incidents: a reporter of the
/// feed's organisation named after the feed, so the audit log says which
/// feed stored what.
pub fn submitter(feed: &Feed, hub_org: &str) -> Authority {
    Authority::member(
        Principal {
            org: feed.as_org.clone(),
            role: Role::Reporter,
            name: format!("feed:{}", feed.id),
            user_id: None,
            token_id: None,
        },
        hub_org,
    )
}

/// How long to wait after `failures` failed polls in a row: the feed's
/// period doubled each time, at most [`MAX_BACKOFF`] (or the period, when
/// that is longer).
pub fn backoff(every_s: i64, failures: i64) -> Duration {
    let every = every_s.max(1) as u64;
    let cap = MAX_BACKOFF.as_secs().max(every);
    let exp = failures.clamp(0, 30) as u32;
    Duration::from_secs(every.saturating_mul(1_u64 << exp).min(cap))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::accounts::tests::member;

    #[test]
    fn durations_read_and_junk_is_named() {
        assert_eq!(
            parse_every("15m").expect("a duration"),
            Duration::from_secs(900)
        );
        assert_eq!(
            parse_every("30").expect("a duration"),
            Duration::from_secs(30)
        );
        assert_eq!(
            parse_every("2h").expect("a duration"),
            Duration::from_secs(7200)
        );
        assert_eq!(
            parse_every("1d").expect("a duration"),
            Duration::from_secs(86400)
        );
        for bad in ["", "m", "15x", "1.5h", "-3m", "99999999999999999999d"] {
            assert!(
                matches!(parse_every(bad), Err(Error::Invalid { field: "every", .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn asked_feeds_are_read_field_by_field() {
        let r = Asked {
            kind: "taxii",
            url: " http://h/api1/ ",
            collection: Some("all"),
            user: Some("u"),
            password: Some(" spaced secret "),
            ..Asked::default()
        }
        .request()
        .expect("a request");
        assert_eq!(r.url, "http://h/api1/");
        assert_eq!(r.every, Duration::from_secs(900));
        assert_eq!(r.tlp, Tlp::Amber);
        assert_eq!(
            r.auth,
            Auth::Basic {
                user: "u".to_owned(),
                password: " spaced secret ".to_owned()
            }
        );
        // A form's empty fields are absent ones.
        let r = Asked {
            kind: "misp",
            url: "http://h/misp/",
            collection: Some(""),
            user: Some(""),
            password: Some(""),
            token: Some("t"),
            as_org: Some(""),
            tlp: Some("green"),
            every: Some("30s"),
        }
        .request()
        .expect("a request");
        assert_eq!(r.auth, Auth::Bearer("t".to_owned()));
        assert_eq!((r.collection, r.as_org, r.tlp), (None, None, Tlp::Green));
        let field = |a: Asked<'_>| match a.request() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        let base = Asked {
            kind: "taxii",
            url: "http://h/",
            ..Asked::default()
        };
        assert_eq!(
            field(Asked {
                kind: "rss",
                ..base.clone()
            }),
            "kind"
        );
        assert_eq!(
            field(Asked {
                user: Some("u"),
                ..base.clone()
            }),
            "password"
        );
        assert_eq!(
            field(Asked {
                password: Some("p"),
                ..base.clone()
            }),
            "user"
        );
        assert_eq!(
            field(Asked {
                user: Some("u"),
                password: Some("p"),
                token: Some("t"),
                ..base.clone()
            }),
            "token"
        );
        assert_eq!(
            field(Asked {
                tlp: Some("purple"),
                ..base.clone()
            }),
            "tlp"
        );
        assert_eq!(
            field(Asked {
                every: Some("often"),
                ..base
            }),
            "every"
        );
    }

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(60, 0), Duration::from_secs(60));
        assert_eq!(backoff(60, 1), Duration::from_secs(120));
        assert_eq!(backoff(60, 3), Duration::from_secs(480));
        assert_eq!(backoff(60, 100), MAX_BACKOFF);
        assert_eq!(backoff(86400, 5), Duration::from_secs(86400));
    }

    #[test]
    fn only_hub_admins_manage_feeds() {
        assert!(hub_admin(&member("hub", Role::Admin), "add feeds").is_ok());
        let console = Authority::Console {
            name: "cli:root".to_owned(),
        };
        assert!(hub_admin(&console, "add feeds").is_ok());
        // A member's admin administers its own organisation, not the hub.
        assert!(matches!(
            hub_admin(&member("bank", Role::Admin), "add feeds"),
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            hub_admin(&member("bank", Role::Analyst), "add feeds"),
            Err(Error::Forbidden(_))
        ));
    }
}
