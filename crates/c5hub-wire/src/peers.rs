//! Peer hubs (federation) and each direction's state, without the token
//! or the pseudonym key.

use c5hub_store::Peer;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// A peer hub with its sync state. Its token and pseudonym key are in no
/// answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PeerAnswer {
    /// The peer hub's name (what incidents' paths carry).
    pub name: String,
    /// Its TAXII 2.1 API root.
    pub url: String,
    /// `c5hub` (native federation) or `taxii` (any TAXII 2.1 server).
    pub kind: String,
    /// The organisation that stands for it on this hub.
    pub org: Option<String>,
    /// Whether sync with it is paused (its cursors are kept).
    pub paused: bool,
    /// Its policy, as the operator gave it (TOML).
    pub policy: String,
    /// The last change-feed sequence number pushed to it.
    pub cursor_out: i64,
    /// The pull's cursor.
    pub cursor_in: String,
    /// When the last exchange that succeeded ended (RFC 3339).
    pub last_success: Option<String>,
    /// Why the last exchange failed, while it is the latest.
    pub last_error: Option<String>,
    /// When the last exchange started (RFC 3339).
    pub last_attempt: Option<String>,
    /// Objects sent to it, in all.
    pub sent_objects: i64,
    /// Objects received from it and taken in, in all.
    pub received_objects: i64,
    /// Bytes sent, in all.
    pub sent_bytes: i64,
    /// Bytes received, in all.
    pub received_bytes: i64,
    /// Changes of this hub's feed not yet pushed to it.
    pub lag: i64,
    /// When it was added (RFC 3339).
    pub created_at: String,
}

impl From<&Peer> for PeerAnswer {
    fn from(p: &Peer) -> Self {
        PeerAnswer {
            name: p.name.clone(),
            url: p.url.clone(),
            kind: p.kind.clone(),
            org: p.org.clone(),
            paused: p.paused,
            policy: p.policy.clone(),
            cursor_out: p.cursor_out,
            cursor_in: p.cursor_in.clone(),
            last_success: time_opt(p.last_success),
            last_error: p.last_error.clone(),
            last_attempt: time_opt(p.last_attempt),
            sent_objects: p.sent_objects,
            received_objects: p.received_objects,
            sent_bytes: p.sent_bytes,
            received_bytes: p.received_bytes,
            lag: p.lag,
            created_at: time(p.created_at),
        }
    }
}

/// `POST /api/v1/peers`: a peer hub to add (the hub operator's admins).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPeer {
    /// The peer hub's name (what incidents' paths carry).
    pub name: String,
    /// Its TAXII 2.1 API root (plain `http://`).
    pub url: String,
    /// `c5hub` (default) or `taxii`.
    #[serde(default)]
    pub kind: Option<String>,
    /// The token this hub sends it (stored for the sync, never shown again).
    pub token: String,
    /// The policy, as TOML text (see README, "Federation"; default: CLEAR
    /// and GREEN out, personal data as pseudonyms).
    #[serde(default)]
    pub policy: Option<String>,
    /// The key of the pseudonyms shared with it, in hex (needed when the
    /// policy pseudonymises; stored, never shown again).
    #[serde(default)]
    pub pseudonym_key: Option<String>,
    /// The organisation that stands for it on this hub.
    #[serde(default)]
    pub org: Option<String>,
}
