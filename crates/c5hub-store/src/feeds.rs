//! Polled feeds (migration 18): TAXII 2.1 collections and MISP feeds the
//! hub pulls from, whose incidents they become, and the poller's state.
//!
//! The store knows neither TAXII nor MISP: a feed's kind, authentication
//! and cursor are text the operations layer and the poller write. The
//! secret is kept as given (the poller sends it to the remote); only the
//! poller reads it, and [`Feed`]'s `Debug` never shows it. Parameters
//! appear in statements in their order (`$1` first): SQLite numbers them
//! by first appearance.

use c5hub_model::Tlp;
use chrono::{DateTime, Utc};

use crate::db::{FromRow, NamedRow, Read};
use crate::{Error, Store, now_ms, time, tlp_of, tlp_rank};

/// A feed to add.
#[derive(Clone)]
pub struct NewFeed {
    /// `taxii` or `misp`.
    pub kind: String,
    /// The collection's or the feed's URL.
    pub url: String,
    /// The TAXII collection id (empty for MISP).
    pub collection: String,
    /// `none`, `basic` or `bearer`.
    pub auth: String,
    /// The Basic user name (empty otherwise).
    pub username: String,
    /// The password or token (empty for `none`).
    pub secret: String,
    /// Seconds between polls.
    pub every_s: i64,
    /// The organisation whose incidents the feed's become.
    pub as_org: String,
    /// The TLP of an object that carries none.
    pub tlp: Tlp,
}

/// A stored feed with its state.
#[derive(Clone, PartialEq, Eq)]
pub struct Feed {
    /// Its key.
    pub id: i64,
    /// `taxii` or `misp`.
    pub kind: String,
    /// The collection's or the feed's URL.
    pub url: String,
    /// The TAXII collection id (empty for MISP).
    pub collection: String,
    /// `none`, `basic` or `bearer`.
    pub auth: String,
    /// The Basic user name.
    pub username: String,
    /// The password or token: for the poller only.
    pub secret: String,
    /// Seconds between polls.
    pub every_s: i64,
    /// Whose incidents the feed's become.
    pub as_org: String,
    /// The TLP of an object that carries none.
    pub tlp: Tlp,
    /// The poller's cursor (its own text).
    pub cursor: String,
    /// The end of the last poll that succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Why the last poll failed, while it is the latest.
    pub last_error: Option<String>,
    /// When the last poll started.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Objects stored from this feed, in all.
    pub objects_total: i64,
    /// When the next poll is due.
    pub next_due: DateTime<Utc>,
    /// Polls failed in a row (the backoff's exponent).
    pub failures: i64,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Feed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Feed")
            .field("id", &self.id)
            .field("kind", &self.kind)
            .field("url", &self.url)
            .field("collection", &self.collection)
            .field("auth", &self.auth)
            .field("username", &self.username)
            .field("as_org", &self.as_org)
            .field("tlp", &self.tlp)
            .field("cursor", &self.cursor)
            .field("failures", &self.failures)
            .finish_non_exhaustive()
    }
}

const COLS: &str = "id, kind, url, collection, auth, username, secret, every_s, as_org, tlp, cursor, \
    last_success, last_error, last_attempt, objects_total, next_due, failures, created_at";

impl FromRow for Feed {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let id = r
            .int("id")?
            .ok_or_else(|| Error::Corrupt("a feed without its id".to_owned()))?;
        Ok(Feed {
            id,
            kind: r.text("kind")?.unwrap_or_default(),
            url: r.text("url")?.unwrap_or_default(),
            collection: r.text("collection")?.unwrap_or_default(),
            auth: r.text("auth")?.unwrap_or_default(),
            username: r.text("username")?.unwrap_or_default(),
            secret: r.text("secret")?.unwrap_or_default(),
            every_s: r.int("every_s")?.unwrap_or(900),
            as_org: r.text("as_org")?.unwrap_or_default(),
            tlp: tlp_of(r.int("tlp")?.unwrap_or(4)),
            cursor: r.text("cursor")?.unwrap_or_default(),
            last_success: time(&r.take("last_success")?),
            last_error: r.text("last_error")?,
            last_attempt: time(&r.take("last_attempt")?),
            objects_total: r.int("objects_total")?.unwrap_or(0),
            next_due: time(&r.take("next_due")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            failures: r.int("failures")?.unwrap_or(0),
            created_at: time(&r.take("created_at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }
}

/// The polled feeds.
pub struct Feeds<'a> {
    pub(crate) st: &'a mut Store,
}

impl Feeds<'_> {
    /// Adds a feed, due at once.
    pub fn add(&mut self, f: &NewFeed) -> Result<Feed, Error> {
        let now = now_ms();
        // The new row's own id: the highest id is another's when rows were
        // given ids of their own (an upgraded store's, a restored one's).
        let id = self.st.db.int(
            "INSERT INTO feeds (kind, url, collection, auth, username, secret, every_s, as_org, tlp, cursor, \
             objects_total, next_due, failures, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '', 0, $10, 0, $10) RETURNING id",
            &[
                f.kind.as_str().into(),
                f.url.as_str().into(),
                f.collection.as_str().into(),
                f.auth.as_str().into(),
                f.username.as_str().into(),
                f.secret.as_str().into(),
                f.every_s.into(),
                f.as_org.as_str().into(),
                tlp_rank(f.tlp).into(),
                now.into(),
            ],
            "id",
        )?
        .ok_or_else(|| Error::Corrupt("new feed vanished".to_owned()))?;
        self.get(id)?
            .ok_or_else(|| Error::Corrupt("new feed vanished".to_owned()))
    }

    /// Every feed, by key.
    pub fn list(&mut self) -> Result<Vec<Feed>, Error> {
        self.st
            .db
            .all(&format!("SELECT {COLS} FROM feeds ORDER BY id"), &[])
    }

    /// One feed.
    pub fn get(&mut self, id: i64) -> Result<Option<Feed>, Error> {
        self.st.db.one(
            &format!("SELECT {COLS} FROM feeds WHERE id = $1"),
            &[id.into()],
        )
    }

    /// Removes a feed; whether there was one.
    pub fn remove(&mut self, id: i64) -> Result<bool, Error> {
        Ok(self
            .st
            .db
            .execute("DELETE FROM feeds WHERE id = $1", &[id.into()])?
            > 0)
    }

    /// The feeds due at `now`, soonest first.
    pub fn due(&mut self, now: DateTime<Utc>) -> Result<Vec<Feed>, Error> {
        self.st.db.all(
            &format!("SELECT {COLS} FROM feeds WHERE next_due <= $1 ORDER BY next_due, id"),
            &[now.timestamp_millis().into()],
        )
    }

    /// Records the start of a poll.
    pub fn attempted(&mut self, id: i64, at: DateTime<Utc>) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE feeds SET last_attempt = $1 WHERE id = $2",
            &[at.timestamp_millis().into(), id.into()],
        )?;
        Ok(())
    }

    /// Moves the cursor past what was just stored (called after the
    /// store committed it: a kill before this re-fetches what the store
    /// already holds, which is a no-op) and counts the objects.
    pub fn advance(&mut self, id: i64, cursor: &str, objects: i64) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE feeds SET cursor = $1, objects_total = objects_total + $2 WHERE id = $3",
            &[cursor.into(), objects.into(), id.into()],
        )?;
        Ok(())
    }

    /// Records a poll that reached the end of what the remote has.
    pub fn succeeded(
        &mut self,
        id: i64,
        at: DateTime<Utc>,
        next_due: DateTime<Utc>,
    ) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE feeds SET last_success = $1, last_error = NULL, failures = 0, next_due = $2 WHERE id = $3",
            &[
                at.timestamp_millis().into(),
                next_due.timestamp_millis().into(),
                id.into(),
            ],
        )?;
        Ok(())
    }

    /// Records a failed poll and when to try again.
    pub fn failed(&mut self, id: i64, error: &str, next_due: DateTime<Utc>) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE feeds SET last_error = $1, failures = failures + 1, next_due = $2 WHERE id = $3",
            &[
                error.replace('\0', " ").into(),
                next_due.timestamp_millis().into(),
                id.into(),
            ],
        )?;
        Ok(())
    }
}

impl Store {
    /// The polled feeds.
    pub fn feeds(&mut self) -> Feeds<'_> {
        Feeds { st: self }
    }
}
