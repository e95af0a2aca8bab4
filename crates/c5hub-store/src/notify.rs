//! Notifications: each user's preferences per event, the notifications
//! made for them, and the notifier's cursor on the change feed.
//!
//! The store keeps what the hub's notifier (`c5hub-hub`'s `notify`)
//! decided and knows no rule of its own: who is told of what, and whether
//! they may read it, is decided there. What it guarantees is that a batch
//! of notifications and the cursor that follows it are written in one
//! transaction, so a restart neither loses nor repeats a notification; and
//! a notification is unique per (user, `dedup`), so a change seen twice
//! tells nobody twice.

use chrono::{DateTime, Utc};

use crate::db::{FromRow, NamedRow, Read};
use crate::{Change, Error, Store, now_ms, time};

/// The notifier's cursor's name in `notify_cursor`.
const CURSOR: &str = "notifier";

/// Most notifications in one listing.
pub const MAX_NOTIFICATIONS_PAGE: usize = 500;

/// One user's choice for one event, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotifyPref {
    /// The event's name (the hub names them).
    pub event: String,
    /// Shown on the user's "for you" page.
    pub in_app: bool,
    /// Sent by e-mail.
    pub email: bool,
}

/// A notification to store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewNotification {
    /// Whom it is for (a user's e-mail address).
    pub user: String,
    /// The event's name.
    pub event: String,
    /// What makes it unique for its user: the same key twice is stored
    /// once.
    pub dedup: String,
    /// The incident's key.
    pub incident: i64,
    /// The change that made it.
    pub seq: i64,
    /// One line a person reads.
    pub summary: String,
}

/// A stored notification.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// Its key.
    pub id: i64,
    /// The event's name.
    pub event: String,
    /// The incident's key.
    pub incident: i64,
    /// When it was made.
    pub at: DateTime<Utc>,
    /// One line a person reads.
    pub summary: String,
    /// When its user marked it read.
    pub read_at: Option<DateTime<Utc>>,
}

/// Notifications: a handle on the store ([`Store::notifications`]).
pub struct Notifications<'a> {
    pub(crate) st: &'a mut Store,
}

impl Notifications<'_> {
    /// The last change the notifier has handled.
    pub fn cursor(&mut self) -> Result<i64, Error> {
        Ok(self
            .st
            .db
            .int(
                "SELECT seq FROM notify_cursor WHERE name = $1",
                &[CURSOR.into()],
                "seq",
            )?
            .unwrap_or(0))
    }

    /// Changes after `since`, oldest first, at most `limit`, with no
    /// reader's rule applied: for the notifier only, which asks the hub's
    /// read rule for every recipient before it tells anyone.
    pub fn changes_after(&mut self, since: i64, limit: usize) -> Result<Vec<Change>, Error> {
        let limit = limit.clamp(1, crate::MAX_CHANGES_PAGE);
        self.st.db.all(
            &format!(
                "SELECT c.seq, c.at, c.kind, c.incident, i.global_id, i.reporter, c.version, c.comment \
                 FROM changes c JOIN incidents i ON i.id = c.incident \
                 WHERE c.seq > $1 ORDER BY c.seq LIMIT {limit}"
            ),
            &[since.into()],
        )
    }

    /// Stores `items` (a notification whose (user, dedup) is already
    /// stored is skipped) and moves the cursor to `cursor`, in one
    /// transaction. Answers how many were new.
    pub fn deliver(&mut self, items: &[NewNotification], cursor: i64) -> Result<usize, Error> {
        self.deliver_all(items, &[], &[], cursor)
    }

    /// [`Notifications::deliver`], with webhook deliveries and e-mails
    /// queued in the same transaction (a (webhook, dedup) or (user,
    /// dedup) already queued is skipped).
    pub fn deliver_all(
        &mut self,
        items: &[NewNotification],
        hooks: &[NewDelivery],
        emails: &[NewEmail],
        cursor: i64,
    ) -> Result<usize, Error> {
        self.st.db.begin()?;
        let result = (|| -> Result<usize, Error> {
            let now = now_ms();
            let mut stored = 0;
            for n in items {
                stored += self.st.db.execute(
                    "INSERT INTO notifications (user_email, event, dedup, incident, seq, at, summary) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (user_email, dedup) DO NOTHING",
                    &[
                        n.user.as_str().into(),
                        n.event.as_str().into(),
                        n.dedup.as_str().into(),
                        n.incident.into(),
                        n.seq.into(),
                        now.into(),
                        n.summary.as_str().into(),
                    ],
                )? as usize;
            }
            for d in hooks {
                self.st.db.execute(
                    "INSERT INTO webhook_deliveries (webhook, dedup, event, incident, seq, summary, attempts, next_at, state) \
                     VALUES ($1, $2, $3, $4, $5, $6, 0, $7, 'pending') ON CONFLICT (webhook, dedup) DO NOTHING",
                    &[
                        d.webhook.into(),
                        d.dedup.as_str().into(),
                        d.event.as_str().into(),
                        d.incident.into(),
                        d.seq.into(),
                        d.summary.as_str().into(),
                        now.into(),
                    ],
                )?;
            }
            for m in emails {
                self.st.db.execute(
                    "INSERT INTO email_outbox (user_email, dedup, subject, body, attempts, next_at, state) \
                     VALUES ($1, $2, $3, $4, 0, $5, 'pending') ON CONFLICT (user_email, dedup) DO NOTHING",
                    &[
                        m.user.as_str().into(),
                        m.dedup.as_str().into(),
                        m.subject.as_str().into(),
                        m.body.as_str().into(),
                        now.into(),
                    ],
                )?;
            }
            self.st.db.execute(
                "UPDATE notify_cursor SET seq = $1 WHERE name = $2 AND seq < $1",
                &[cursor.into(), CURSOR.into()],
            )?;
            Ok(stored)
        })();
        match result {
            Ok(v) => {
                self.st.db.commit()?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }

    /// `user`'s notifications, unread first, then newest first, at most
    /// `limit` (1 to [`MAX_NOTIFICATIONS_PAGE`]).
    pub fn list(&mut self, user: &str, limit: usize) -> Result<Vec<Notification>, Error> {
        let limit = limit.clamp(1, MAX_NOTIFICATIONS_PAGE);
        self.st.db.all(
            &format!(
                "SELECT id, event, incident, at, summary, read_at FROM notifications \
                 WHERE user_email = $1 ORDER BY CASE WHEN read_at IS NULL THEN 0 ELSE 1 END, id DESC LIMIT {limit}"
            ),
            &[user.into()],
        )
    }

    /// How many of `user`'s notifications are unread.
    pub fn unread(&mut self, user: &str) -> Result<i64, Error> {
        Ok(self
            .st
            .db
            .int(
                "SELECT COUNT(*) AS n FROM notifications WHERE user_email = $1 AND read_at IS NULL",
                &[user.into()],
                "n",
            )?
            .unwrap_or(0))
    }

    /// Marks `user`'s notification `id` read; `false` when `user` has no
    /// such notification.
    pub fn mark_read(&mut self, user: &str, id: i64) -> Result<bool, Error> {
        let found = self.st.db.int(
            "SELECT id FROM notifications WHERE id = $1 AND user_email = $2",
            &[id.into(), user.into()],
            "id",
        )?;
        if found.is_none() {
            return Ok(false);
        }
        self.st.db.execute(
            "UPDATE notifications SET read_at = $1 WHERE id = $2 AND user_email = $3 AND read_at IS NULL",
            &[now_ms().into(), id.into(), user.into()],
        )?;
        Ok(true)
    }

    /// Marks every notification of `user` read; answers how many were
    /// unread.
    pub fn mark_all_read(&mut self, user: &str) -> Result<u64, Error> {
        self.st.db.execute(
            "UPDATE notifications SET read_at = $1 WHERE user_email = $2 AND read_at IS NULL",
            &[now_ms().into(), user.into()],
        )
    }

    /// `user`'s stored choices (events never chosen are absent: the hub
    /// knows their defaults).
    pub fn prefs(&mut self, user: &str) -> Result<Vec<NotifyPref>, Error> {
        self.st.db.all(
            "SELECT event, in_app, email FROM notify_prefs WHERE user_email = $1 ORDER BY event",
            &[user.into()],
        )
    }

    /// Stores `user`'s choice for one event.
    pub fn set_pref(&mut self, user: &str, pref: &NotifyPref) -> Result<(), Error> {
        self.st.db.execute(
            "INSERT INTO notify_prefs (user_email, event, in_app, email) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_email, event) DO UPDATE SET in_app = excluded.in_app, email = excluded.email",
            &[
                user.into(),
                pref.event.as_str().into(),
                i64::from(pref.in_app).into(),
                i64::from(pref.email).into(),
            ],
        )?;
        Ok(())
    }
}

impl FromRow for NotifyPref {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(NotifyPref {
            event: r.text("event")?.unwrap_or_default(),
            in_app: r.int("in_app")?.unwrap_or(0) != 0,
            email: r.int("email")?.unwrap_or(0) != 0,
        })
    }
}

impl FromRow for Notification {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let id = r
            .int("id")?
            .ok_or_else(|| Error::Corrupt("a notification without its id".to_owned()))?;
        let read_at = r.int("read_at")?.and_then(DateTime::from_timestamp_millis);
        Ok(Notification {
            id,
            event: r.text("event")?.unwrap_or_default(),
            incident: r.int("incident")?.unwrap_or(0),
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            summary: r.text("summary")?.unwrap_or_default(),
            read_at,
        })
    }
}

/// A webhook: where an organisation's events are posted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    /// Its key.
    pub id: i64,
    /// The organisation whose events it receives.
    pub org: String,
    /// Where deliveries are posted.
    pub url: String,
    /// The key deliveries are signed with (HMAC-SHA256). Kept as it was
    /// given, since signing needs the key itself; shown to its admins
    /// once, when made.
    pub secret: String,
    /// The events it receives (names the hub gives).
    pub events: Vec<String>,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}

/// A webhook delivery to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDelivery {
    /// The webhook.
    pub webhook: i64,
    /// What makes it unique for its webhook.
    pub dedup: String,
    /// The event's name.
    pub event: String,
    /// The incident's key.
    pub incident: i64,
    /// The change that made it.
    pub seq: i64,
    /// One line a person reads.
    pub summary: String,
}

/// A queued delivery that is due, with where it goes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueDelivery {
    /// Its key.
    pub id: i64,
    /// The webhook's key.
    pub webhook: i64,
    /// The webhook's URL.
    pub url: String,
    /// The webhook's signing key.
    pub secret: String,
    /// The event's name.
    pub event: String,
    /// The incident's key.
    pub incident: i64,
    /// The change that made it.
    pub seq: i64,
    /// One line a person reads.
    pub summary: String,
    /// Attempts made so far.
    pub attempts: i64,
}

/// One attempt to deliver, as the delivery log shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryAttempt {
    /// When.
    pub at: DateTime<Utc>,
    /// The delivery's key.
    pub delivery: i64,
    /// Its number, from 1.
    pub attempt: i64,
    /// The HTTP status answered, if any.
    pub status_code: Option<i64>,
    /// Why it failed, if it did.
    pub error: Option<String>,
    /// What it came to: `delivered`, `failed` (another attempt followed
    /// or is due) or `gave_up` (failed, and it was the last attempt).
    pub outcome: String,
}

/// What an attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Delivered: the delivery is done.
    Delivered,
    /// Failed; try again at this time (ms since the epoch).
    RetryAt(i64),
    /// Failed for the last time.
    GaveUp,
}

const WEBHOOK_COLS: &str = "id, org, url, secret, events, created_at";

impl Notifications<'_> {
    /// Adds a webhook.
    pub fn add_webhook(
        &mut self,
        org: &str,
        url: &str,
        secret: &str,
        events: &[String],
    ) -> Result<Webhook, Error> {
        self.st.db.execute(
            "INSERT INTO webhooks (org, url, secret, events, created_at) VALUES ($1, $2, $3, $4, $5)",
            &[
                org.into(),
                url.into(),
                secret.into(),
                events.join(",").into(),
                now_ms().into(),
            ],
        )?;
        self.st
            .db
            .one(
                &format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE org = $1 AND secret = $2 ORDER BY id DESC LIMIT 1"),
                &[org.into(), secret.into()],
            )?
            .ok_or_else(|| Error::Corrupt("new webhook vanished".to_owned()))
    }

    /// Webhooks, of one organisation when `org` is given.
    pub fn webhooks(&mut self, org: Option<&str>) -> Result<Vec<Webhook>, Error> {
        match org {
            Some(o) => self.st.db.all(
                &format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE org = $1 ORDER BY id"),
                &[o.into()],
            ),
            None => self.st.db.all(
                &format!("SELECT {WEBHOOK_COLS} FROM webhooks ORDER BY id"),
                &[],
            ),
        }
    }

    /// One webhook.
    pub fn webhook(&mut self, id: i64) -> Result<Option<Webhook>, Error> {
        self.st.db.one(
            &format!("SELECT {WEBHOOK_COLS} FROM webhooks WHERE id = $1"),
            &[id.into()],
        )
    }

    /// Removes a webhook and what was queued for it (its log stays);
    /// `false` when there is none.
    pub fn remove_webhook(&mut self, id: i64) -> Result<bool, Error> {
        self.st.db.execute(
            "DELETE FROM webhook_deliveries WHERE webhook = $1 AND state = 'pending'",
            &[id.into()],
        )?;
        Ok(self
            .st
            .db
            .execute("DELETE FROM webhooks WHERE id = $1", &[id.into()])?
            > 0)
    }

    /// Deliveries due at `now` (ms), oldest first, at most `limit`.
    pub fn due_deliveries(&mut self, now: i64, limit: usize) -> Result<Vec<DueDelivery>, Error> {
        let limit = limit.clamp(1, 1000);
        self.st.db.all(
            &format!(
                "SELECT d.id, d.webhook, w.url, w.secret, d.event, d.incident, d.seq, d.summary, d.attempts \
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook \
                 WHERE d.state = 'pending' AND d.next_at <= $1 ORDER BY d.next_at, d.id LIMIT {limit}"
            ),
            &[now.into()],
        )
    }

    /// Records an attempt at delivery `id` (its `attempt`th) and what it
    /// came to, in one transaction.
    pub fn record_attempt(
        &mut self,
        id: i64,
        attempt: i64,
        status_code: Option<i64>,
        error: Option<&str>,
        outcome: AttemptOutcome,
    ) -> Result<(), Error> {
        self.st.db.begin()?;
        let result = (|| -> Result<(), Error> {
            let now = now_ms();
            self.st.db.execute(
                "INSERT INTO webhook_attempts (webhook, delivery, at, attempt, status_code, error) \
                 SELECT webhook, id, $1, $2, $3, $4 FROM webhook_deliveries WHERE id = $5",
                &[
                    now.into(),
                    attempt.into(),
                    status_code.into(),
                    error.into(),
                    id.into(),
                ],
            )?;
            let (state, next) = match outcome {
                AttemptOutcome::Delivered => ("delivered", now),
                AttemptOutcome::RetryAt(t) => ("pending", t),
                AttemptOutcome::GaveUp => ("failed", now),
            };
            self.st.db.execute(
                "UPDATE webhook_deliveries SET attempts = $1, state = $2, next_at = $3 WHERE id = $4",
                &[attempt.into(), state.into(), next.into(), id.into()],
            )?;
            Ok(())
        })();
        match result {
            Ok(()) => self.st.db.commit(),
            Err(e) => {
                let _ = self.st.db.rollback();
                Err(e)
            }
        }
    }

    /// Webhook `id`'s delivery log, newest first, at most `limit`.
    pub fn attempts(&mut self, webhook: i64, limit: usize) -> Result<Vec<DeliveryAttempt>, Error> {
        let limit = limit.clamp(1, 1000);
        self.st.db.all(
            &format!(
                // The delivery's state is that of its latest attempt; the
                // earlier ones failed.
                "SELECT a.at, a.delivery, a.attempt, a.status_code, a.error, \
                 CASE WHEN a.attempt = d.attempts AND d.state = 'delivered' THEN 'delivered' \
                      WHEN a.attempt = d.attempts AND d.state = 'failed' THEN 'gave_up' \
                      ELSE 'failed' END AS outcome \
                 FROM webhook_attempts a LEFT JOIN webhook_deliveries d ON d.id = a.delivery \
                 WHERE a.webhook = $1 ORDER BY a.id DESC LIMIT {limit}"
            ),
            &[webhook.into()],
        )
    }
}

impl FromRow for Webhook {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Webhook {
            id: r
                .int("id")?
                .ok_or_else(|| Error::Corrupt("a webhook without its id".to_owned()))?,
            org: r.text("org")?.unwrap_or_default(),
            url: r.text("url")?.unwrap_or_default(),
            secret: r.text("secret")?.unwrap_or_default(),
            events: r
                .text("events")?
                .unwrap_or_default()
                .split(',')
                .filter(|e| !e.is_empty())
                .map(str::to_owned)
                .collect(),
            created_at: time(&r.take("created_at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }
}

impl FromRow for DueDelivery {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(DueDelivery {
            id: r
                .int("id")?
                .ok_or_else(|| Error::Corrupt("a delivery without its id".to_owned()))?,
            webhook: r.int("webhook")?.unwrap_or(0),
            url: r.text("url")?.unwrap_or_default(),
            secret: r.text("secret")?.unwrap_or_default(),
            event: r.text("event")?.unwrap_or_default(),
            incident: r.int("incident")?.unwrap_or(0),
            seq: r.int("seq")?.unwrap_or(0),
            summary: r.text("summary")?.unwrap_or_default(),
            attempts: r.int("attempts")?.unwrap_or(0),
        })
    }
}

impl FromRow for DeliveryAttempt {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(DeliveryAttempt {
            at: time(&r.take("at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            delivery: r.int("delivery")?.unwrap_or(0),
            attempt: r.int("attempt")?.unwrap_or(0),
            status_code: r.int("status_code")?,
            error: r.text("error")?,
            outcome: r.text("outcome")?.unwrap_or_default(),
        })
    }
}

/// An e-mail to queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewEmail {
    /// To whom (a user's e-mail address).
    pub user: String,
    /// What makes it unique for its user.
    pub dedup: String,
    /// Its subject, one line.
    pub subject: String,
    /// Its text.
    pub body: String,
}

/// A queued e-mail that is due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueEmail {
    /// Its key.
    pub id: i64,
    /// To whom.
    pub user: String,
    /// Its subject.
    pub subject: String,
    /// Its text.
    pub body: String,
    /// Attempts made so far.
    pub attempts: i64,
}

impl Notifications<'_> {
    /// E-mails due at `now` (ms), oldest first, at most `limit`.
    pub fn due_emails(&mut self, now: i64, limit: usize) -> Result<Vec<DueEmail>, Error> {
        let limit = limit.clamp(1, 1000);
        self.st.db.all(
            &format!(
                "SELECT id, user_email, subject, body, attempts FROM email_outbox \
                 WHERE state = 'pending' AND next_at <= $1 ORDER BY next_at, id LIMIT {limit}"
            ),
            &[now.into()],
        )
    }

    /// Records an attempt at e-mail `id` (its `attempt`th) and what it
    /// came to.
    pub fn email_attempt(
        &mut self,
        id: i64,
        attempt: i64,
        error: Option<&str>,
        outcome: AttemptOutcome,
    ) -> Result<(), Error> {
        let now = now_ms();
        let (state, next) = match outcome {
            AttemptOutcome::Delivered => ("sent", now),
            AttemptOutcome::RetryAt(t) => ("pending", t),
            AttemptOutcome::GaveUp => ("failed", now),
        };
        self.st.db.execute(
            "UPDATE email_outbox SET attempts = $1, state = $2, next_at = $3, last_error = $4 WHERE id = $5",
            &[attempt.into(), state.into(), next.into(), error.into(), id.into()],
        )?;
        Ok(())
    }
}

impl FromRow for DueEmail {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(DueEmail {
            id: r
                .int("id")?
                .ok_or_else(|| Error::Corrupt("an e-mail without its id".to_owned()))?,
            user: r.text("user_email")?.unwrap_or_default(),
            subject: r.text("subject")?.unwrap_or_default(),
            body: r.text("body")?.unwrap_or_default(),
            attempts: r.int("attempts")?.unwrap_or(0),
        })
    }
}
