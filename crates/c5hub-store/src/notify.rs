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
