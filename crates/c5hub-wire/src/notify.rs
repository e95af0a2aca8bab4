//! Notifications: a user's "for you" list and their choices per event.

use c5hub_hub::notify::{Event, Inbox, Preference};
use c5hub_store::Notification;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{time, time_opt};

/// One notification.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationAnswer {
    /// Its id (to mark it read).
    pub id: i64,
    /// `shared`, `assigned`, `correlated` or `status`.
    pub event: String,
    /// The incident's key (`/api/v1/incidents/{id}`).
    pub incident: i64,
    /// When it was made (RFC 3339).
    pub at: String,
    /// One line a person reads.
    pub summary: String,
    /// When it was marked read (RFC 3339); absent while unread.
    pub read_at: Option<String>,
}

impl From<&Notification> for NotificationAnswer {
    fn from(n: &Notification) -> Self {
        NotificationAnswer {
            id: n.id,
            event: n.event.clone(),
            incident: n.incident,
            at: time(n.at),
            summary: n.summary.clone(),
            read_at: time_opt(n.read_at),
        }
    }
}

/// `GET /api/v1/notifications`: the caller's notifications.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationsAnswer {
    /// How many are unread in all.
    pub unread: i64,
    /// Unread first, then newest first.
    pub notifications: Vec<NotificationAnswer>,
}

impl From<&Inbox> for NotificationsAnswer {
    fn from(i: &Inbox) -> Self {
        NotificationsAnswer {
            unread: i.unread,
            notifications: i.items.iter().map(NotificationAnswer::from).collect(),
        }
    }
}

/// A choice for one event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreferenceAnswer {
    /// `shared`, `assigned`, `correlated` or `status`.
    pub event: String,
    /// Shown on the "for you" page.
    pub in_app: bool,
    /// Sent by e-mail.
    pub email: bool,
}

impl From<&Preference> for PreferenceAnswer {
    fn from(p: &Preference) -> Self {
        PreferenceAnswer {
            event: p.event.as_str().to_owned(),
            in_app: p.in_app,
            email: p.email,
        }
    }
}

impl PreferenceAnswer {
    /// The operations layer's preference; `None` for an unknown event.
    pub fn to_preference(&self) -> Option<Preference> {
        Event::parse(&self.event).map(|event| Preference {
            event,
            in_app: self.in_app,
            email: self.email,
        })
    }
}

/// `GET` and `PUT /api/v1/notifications/preferences`: the caller's choice
/// for each event (a `PUT` may name only some).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// One per event.
    pub preferences: Vec<PreferenceAnswer>,
}

impl From<&[Preference]> for Preferences {
    fn from(ps: &[Preference]) -> Self {
        Preferences {
            preferences: ps.iter().map(PreferenceAnswer::from).collect(),
        }
    }
}
