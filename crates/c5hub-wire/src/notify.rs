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

/// A webhook, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookAnswer {
    /// Its id.
    pub id: i64,
    /// The organisation whose events it receives.
    pub org: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The events it receives.
    pub events: Vec<String>,
    /// When it was made (RFC 3339).
    pub created_at: String,
}

impl From<&c5hub_store::Webhook> for WebhookAnswer {
    fn from(w: &c5hub_store::Webhook) -> Self {
        WebhookAnswer {
            id: w.id,
            org: w.org.clone(),
            url: w.url.clone(),
            events: w.events.clone(),
            created_at: time(w.created_at),
        }
    }
}

/// `POST /api/v1/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// The organisation whose events it receives (an org admin: their
    /// own).
    pub org: String,
    /// Where deliveries are posted (`http://` or `https://`).
    pub url: String,
    /// `shared`, `assigned`, `correlated` and/or `status`.
    pub events: Vec<String>,
}

/// The answer to `POST /api/v1/webhooks`: the webhook and its signing
/// secret, shown this once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreatedWebhook {
    /// The webhook.
    pub webhook: WebhookAnswer,
    /// The HMAC-SHA256 key deliveries are signed with.
    pub secret: String,
}

/// One attempt at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryAttemptAnswer {
    /// When (RFC 3339).
    pub at: String,
    /// The delivery (the same across its retries).
    pub delivery: i64,
    /// The attempt's number, from 1.
    pub attempt: i64,
    /// The HTTP status the receiver answered, if it answered.
    pub status_code: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What it came to: `delivered`, `failed` (another attempt followed
    /// or is due) or `gave_up` (failed, and it was the last attempt).
    pub outcome: String,
}

impl From<&c5hub_store::DeliveryAttempt> for DeliveryAttemptAnswer {
    fn from(a: &c5hub_store::DeliveryAttempt) -> Self {
        DeliveryAttemptAnswer {
            at: time(a.at),
            delivery: a.delivery,
            attempt: a.attempt,
            status_code: a.status_code,
            error: a.error.clone(),
            outcome: a.outcome.clone(),
        }
    }
}

/// `GET /api/v1/webhooks/{id}/deliveries`: the delivery log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryLog {
    /// The webhook.
    pub webhook: WebhookAnswer,
    /// Attempts, newest first.
    pub attempts: Vec<DeliveryAttemptAnswer>,
}

/// What a webhook receives: the JSON body of a delivery, signed (see
/// README, "Notifications").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookEvent {
    /// The delivery's id (the same across retries: deduplicate on it).
    pub delivery: i64,
    /// `shared`, `assigned`, `correlated` or `status`.
    pub event: String,
    /// The incident's key (`/api/v1/incidents/{id}`).
    pub incident: i64,
    /// The change feed's number of the change that made it.
    pub seq: i64,
    /// One line a person reads.
    pub summary: String,
    /// When this attempt was sent, in seconds since the epoch (the
    /// `X-C5hub-Timestamp` header, signed with the body).
    pub sent_at: i64,
}
