//! Polled feeds (TAXII 2.1 collections, MISP feeds) and their state,
//! without their secrets.

use c5hub_store::Feed;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// A feed the hub polls, with the poller's state. Its password or token
/// is in no answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedAnswer {
    /// Its id.
    pub id: i64,
    /// `taxii` or `misp`.
    pub kind: String,
    /// The TAXII API root (or collection URL), or where the MISP feed's
    /// `manifest.json` is.
    pub url: String,
    /// The TAXII collection id (`null` for MISP).
    pub collection: Option<String>,
    /// How the hub authenticates: `none`, `basic` or `bearer`.
    pub auth: String,
    /// The Basic user name (`null` otherwise).
    pub user: Option<String>,
    /// Seconds between polls.
    pub every_s: i64,
    /// The organisation whose incidents the feed's become.
    pub as_org: String,
    /// The TLP of objects that carry none.
    pub tlp: String,
    /// When the last successful poll ended (RFC 3339).
    pub last_success: Option<String>,
    /// Why the last poll failed, while it is the latest.
    pub last_error: Option<String>,
    /// When the last poll started (RFC 3339).
    pub last_attempt: Option<String>,
    /// Incidents and new versions stored from this feed, in all.
    pub objects_total: i64,
    /// When the next poll is due (RFC 3339).
    pub next_due: String,
    /// Polls failed in a row.
    pub failures: i64,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl From<&Feed> for FeedAnswer {
    fn from(f: &Feed) -> Self {
        let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        FeedAnswer {
            id: f.id,
            kind: f.kind.clone(),
            url: f.url.clone(),
            collection: some(&f.collection),
            auth: f.auth.clone(),
            user: some(&f.username),
            every_s: f.every_s,
            as_org: f.as_org.clone(),
            tlp: f.tlp.to_string(),
            last_success: time_opt(f.last_success),
            last_error: f.last_error.clone(),
            last_attempt: time_opt(f.last_attempt),
            objects_total: f.objects_total,
            next_due: time(f.next_due),
            failures: f.failures,
            created_at: time(f.created_at),
        }
    }
}

/// `POST /api/v1/feeds`: a feed to add (the hub operator's admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewFeed {
    /// `taxii` or `misp`.
    pub kind: String,
    /// The TAXII API root (or collection URL), or the MISP feed's URL.
    pub url: String,
    /// The TAXII collection id (TAXII only).
    #[serde(default)]
    pub collection: Option<String>,
    /// HTTP Basic user name (with `password`).
    #[serde(default)]
    pub user: Option<String>,
    /// HTTP Basic password (stored for the poller, never shown again).
    #[serde(default)]
    pub password: Option<String>,
    /// A bearer token instead (stored for the poller, never shown again).
    #[serde(default)]
    pub token: Option<String>,
    /// Time between polls: `30s`, `15m`, `2h`, `1d` (default `15m`).
    #[serde(default)]
    pub every: Option<String>,
    /// The organisation whose incidents the feed's become (default: the
    /// hub operator's).
    #[serde(default)]
    pub as_org: Option<String>,
    /// TLP of objects that carry none (default `amber`).
    #[serde(default)]
    pub tlp: Option<String>,
}
