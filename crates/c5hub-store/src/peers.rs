//! Peer hubs (migration 19): the hubs this hub federates with, and each
//! direction's cursor and counters.
//!
//! The store knows neither TAXII nor policies: a peer's kind, policy and
//! inbound cursor are text the operations layer writes. The token is kept
//! as given (it is sent to the peer); only the sync reads it, and
//! [`Peer`]'s `Debug` shows neither it nor the pseudonym key. Parameters
//! appear in statements in their order (`$1` first): SQLite numbers them
//! by first appearance.

use c5hub_model::Provenance;
use chrono::{DateTime, Utc};

use crate::db::{FromRow, NamedRow, Read};
use crate::incidents::{Outcome, Submission};
use crate::{Error, Store, ingest, now_ms, time};

/// A peer to add.
#[derive(Clone)]
pub struct NewPeer {
    /// The peer hub's name: unique here, and what incidents' paths say.
    pub name: String,
    /// Its TAXII 2.1 API root.
    pub url: String,
    /// `c5hub` (native federation) or `taxii` (any TAXII 2.1 server).
    pub kind: String,
    /// The token this hub sends it.
    pub secret: String,
    /// The key of the pseudonyms shared with it, in hex.
    pub pseudonym_key: String,
    /// Its policy: the TOML text as given, checked by the caller.
    pub policy: String,
    /// The organisation that stands for it on this hub, if any.
    pub org: Option<String>,
}

/// A stored peer with its state.
#[derive(Clone, PartialEq, Eq)]
pub struct Peer {
    /// Its key.
    pub id: i64,
    /// The peer hub's name.
    pub name: String,
    /// Its TAXII 2.1 API root.
    pub url: String,
    /// `c5hub` or `taxii`.
    pub kind: String,
    /// The token this hub sends it: for the sync only.
    pub secret: String,
    /// The key of the pseudonyms shared with it (hex): for the sync only.
    pub pseudonym_key: String,
    /// Its policy's text.
    pub policy: String,
    /// The organisation that stands for it here.
    pub org: Option<String>,
    /// Whether sync with it is paused (the cursors are kept).
    pub paused: bool,
    /// The last change-feed sequence number pushed to it.
    pub cursor_out: i64,
    /// The pull's cursor (the sync's own text).
    pub cursor_in: String,
    /// The end of the last exchange that succeeded.
    pub last_success: Option<DateTime<Utc>>,
    /// Why the last exchange failed, while it is the latest.
    pub last_error: Option<String>,
    /// When the last exchange started.
    pub last_attempt: Option<DateTime<Utc>>,
    /// Objects sent, in all.
    pub sent_objects: i64,
    /// Objects received and taken in, in all.
    pub received_objects: i64,
    /// Bytes sent, in all.
    pub sent_bytes: i64,
    /// Bytes received, in all.
    pub received_bytes: i64,
    /// Changes of this hub's feed after the outbound cursor (by sequence
    /// number; the policy's withheld ones count until the cursor passes
    /// them).
    pub lag: i64,
    /// When it was added.
    pub created_at: DateTime<Utc>,
}

impl std::fmt::Debug for Peer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Peer")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("url", &self.url)
            .field("kind", &self.kind)
            .field("org", &self.org)
            .field("paused", &self.paused)
            .field("cursor_out", &self.cursor_out)
            .field("cursor_in", &self.cursor_in)
            .finish_non_exhaustive()
    }
}

const COLS: &str = "id, name, url, kind, secret, pseudonym_key, policy, org, paused, cursor_out, \
    cursor_in, last_success, last_error, last_attempt, sent_objects, received_objects, sent_bytes, \
    received_bytes, created_at, (SELECT COALESCE(MAX(seq), 0) FROM changes) - cursor_out AS lag";

impl FromRow for Peer {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let id = r
            .int("id")?
            .ok_or_else(|| Error::Corrupt("a peer without its id".to_owned()))?;
        Ok(Peer {
            id,
            name: r.text("name")?.unwrap_or_default(),
            url: r.text("url")?.unwrap_or_default(),
            kind: r.text("kind")?.unwrap_or_default(),
            secret: r.text("secret")?.unwrap_or_default(),
            pseudonym_key: r.text("pseudonym_key")?.unwrap_or_default(),
            policy: r.text("policy")?.unwrap_or_default(),
            org: r.text("org")?,
            paused: r.int("paused")?.unwrap_or(0) != 0,
            cursor_out: r.int("cursor_out")?.unwrap_or(0),
            cursor_in: r.text("cursor_in")?.unwrap_or_default(),
            last_success: time(&r.take("last_success")?),
            last_error: r.text("last_error")?,
            last_attempt: time(&r.take("last_attempt")?),
            sent_objects: r.int("sent_objects")?.unwrap_or(0),
            received_objects: r.int("received_objects")?.unwrap_or(0),
            sent_bytes: r.int("sent_bytes")?.unwrap_or(0),
            received_bytes: r.int("received_bytes")?.unwrap_or(0),
            lag: r.int("lag")?.unwrap_or(0).max(0),
            created_at: time(&r.take("created_at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
        })
    }
}

/// The peer hubs.
pub struct Peers<'a> {
    pub(crate) st: &'a mut Store,
}

impl Peers<'_> {
    /// Adds a peer, unpaused, with both cursors at the start; a peer of
    /// the same name is a conflict.
    pub fn add(&mut self, p: &NewPeer) -> Result<Peer, Error> {
        if self.get(&p.name)?.is_some() {
            return Err(Error::Conflict(format!("peer {:?} exists", p.name)));
        }
        self.st.db.execute(
            "INSERT INTO peers (name, url, kind, secret, pseudonym_key, policy, org, paused, cursor_out, \
             cursor_in, sent_objects, received_objects, sent_bytes, received_bytes, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 0, 0, '', 0, 0, 0, 0, $8)",
            &[
                p.name.as_str().into(),
                p.url.as_str().into(),
                p.kind.as_str().into(),
                p.secret.as_str().into(),
                p.pseudonym_key.as_str().into(),
                p.policy.as_str().into(),
                p.org.as_deref().into(),
                now_ms().into(),
            ],
        )?;
        self.get(&p.name)?
            .ok_or_else(|| Error::Corrupt("new peer vanished".to_owned()))
    }

    /// Every peer, by name.
    pub fn list(&mut self) -> Result<Vec<Peer>, Error> {
        self.st
            .db
            .all(&format!("SELECT {COLS} FROM peers ORDER BY name"), &[])
    }

    /// The peer `name`.
    pub fn get(&mut self, name: &str) -> Result<Option<Peer>, Error> {
        self.st.db.one(
            &format!("SELECT {COLS} FROM peers WHERE name = $1"),
            &[name.into()],
        )
    }

    /// Removes the peer `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> Result<bool, Error> {
        Ok(self
            .st
            .db
            .execute("DELETE FROM peers WHERE name = $1", &[name.into()])?
            > 0)
    }

    /// Pauses or resumes the peer `name`, keeping its cursors; whether
    /// there is one.
    pub fn set_paused(&mut self, name: &str, paused: bool) -> Result<bool, Error> {
        Ok(self.st.db.execute(
            "UPDATE peers SET paused = $1 WHERE name = $2",
            &[i64::from(paused).into(), name.into()],
        )? > 0)
    }

    /// Moves the outbound cursor to change `seq`, once what came before
    /// it was accepted by the peer, and counts what was sent.
    pub fn pushed(&mut self, id: i64, seq: i64, objects: i64, bytes: i64) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE peers SET cursor_out = $1, sent_objects = sent_objects + $2, \
             sent_bytes = sent_bytes + $3, last_success = $4, last_error = NULL WHERE id = $5",
            &[
                seq.into(),
                objects.into(),
                bytes.into(),
                now_ms().into(),
                id.into(),
            ],
        )?;
        Ok(())
    }
}

/// Where a stored incident that came from a peer hub comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrived {
    /// The hub it was reported to, its key and version there, and the
    /// hubs it came through.
    pub provenance: Provenance,
    /// When its current version arrived here.
    pub received_at: DateTime<Utc>,
}

/// A federated incident this hub holds already, found by its origin.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Held {
    /// Its key here.
    pub incident: i64,
    /// The reporter it is stored under here (new versions go there too).
    pub reporter: String,
    /// The origin's version this hub holds.
    pub origin_version: i64,
}

impl FromRow for Held {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Held {
            incident: r.int("incident")?.unwrap_or(0),
            reporter: r.text("reporter")?.unwrap_or_default(),
            origin_version: r.int("origin_version")?.unwrap_or(0),
        })
    }
}

const ORIGIN_COLS: &str = "origin, origin_key, origin_version, path, received_at";

/// Paths are stored one hub per line: names hold no control characters
/// ([`c5hub_model::provenance::check_hub_name`]).
fn path_text(path: &[String]) -> String {
    path.join("\n")
}

struct OriginRow {
    arrived: Arrived,
}

struct KeyedHeld {
    origin_key: i64,
    held: Held,
}

impl FromRow for KeyedHeld {
    fn from_row(r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(KeyedHeld {
            origin_key: r.int("origin_key")?.unwrap_or(0),
            held: Held::from_row(r)?,
        })
    }
}

struct KeyedOrigin {
    incident: i64,
    origin: OriginRow,
}

impl FromRow for KeyedOrigin {
    fn from_row(r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(KeyedOrigin {
            incident: r.int("incident")?.unwrap_or(0),
            origin: OriginRow::from_row(r)?,
        })
    }
}

impl FromRow for OriginRow {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        let path = r.text("path")?.unwrap_or_default();
        Ok(OriginRow {
            arrived: Arrived {
                provenance: Provenance {
                    origin: r.text("origin")?.unwrap_or_default(),
                    origin_key: r.int("origin_key")?.unwrap_or(0),
                    origin_version: r.int("origin_version")?.unwrap_or(0),
                    path: path.split('\n').map(str::to_owned).collect(),
                },
                received_at: time(&r.take("received_at")?).unwrap_or(DateTime::<Utc>::MIN_UTC),
            },
        })
    }
}

impl Peers<'_> {
    /// Stores incidents received from a peer, each with its provenance, in
    /// one transaction: the incidents as [`crate::Incidents::ingest`]
    /// stores a batch, and the provenance of each new incident or version,
    /// so that no incident is ever stored without where it came from (a
    /// hub that forwarded it before its path was written would send it
    /// back to its origin).
    pub fn receive(
        &mut self,
        batch: &[Submission<'_>],
        provenance: &[Provenance],
    ) -> Result<Vec<Outcome>, Error> {
        if batch.len() != provenance.len() {
            return Err(Error::Corrupt(format!(
                "{} incidents received with {} provenances",
                batch.len(),
                provenance.len()
            )));
        }
        let plan = Store::plan(batch);
        let at = now_ms();
        self.st.in_transaction(|st| {
            let out = ingest::ingest(st.db.as_mut(), batch, plan)?;
            for (o, p) in out.iter().zip(provenance) {
                let key = match *o {
                    Outcome::New(k) | Outcome::NewVersion { key: k, .. } => k,
                    Outcome::Duplicate(_) => continue,
                };
                st.db.execute(
                    "INSERT INTO incident_origins (incident, origin, origin_key, origin_version, path, \
                     received_at) VALUES ($1, $2, $3, $4, $5, $6) \
                     ON CONFLICT (incident) DO UPDATE SET origin_version = excluded.origin_version, \
                     path = excluded.path, received_at = excluded.received_at",
                    &[
                        key.into(),
                        p.origin.as_str().into(),
                        p.origin_key.into(),
                        p.origin_version.into(),
                        path_text(&p.path).into(),
                        at.into(),
                    ],
                )?;
            }
            Ok(out)
        })
    }

    /// The incidents this hub holds of those with keys `origin_keys` at
    /// `origin`, by origin key.
    pub fn held_many(
        &mut self,
        origin: &str,
        origin_keys: &[i64],
    ) -> Result<Vec<(i64, Held)>, Error> {
        let mut out = Vec::new();
        for chunk in origin_keys.chunks(64) {
            let marks: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
            let mut params: Vec<crate::db::Value> = vec![origin.into()];
            params.extend(chunk.iter().map(|k| crate::db::Value::from(*k)));
            let rows: Vec<KeyedHeld> = self.st.db.all(
                &format!(
                    "SELECT o.origin_key, o.incident, i.reporter, o.origin_version \
                     FROM incident_origins o JOIN incidents i ON i.id = o.incident \
                     WHERE o.origin = $1 AND o.origin_key IN ({})",
                    marks.join(", ")
                ),
                &params,
            )?;
            out.extend(rows.into_iter().map(|r| (r.origin_key, r.held)));
        }
        Ok(out)
    }

    /// Where those of the incidents `keys` that came from a peer hub came
    /// from (at most 64 keys: one statement).
    pub(crate) fn arrived_many(&mut self, keys: &[i64]) -> Result<Vec<(i64, Arrived)>, Error> {
        let marks: Vec<String> = (1..=keys.len()).map(|i| format!("${i}")).collect();
        let params: Vec<crate::db::Value> = keys.iter().map(|k| (*k).into()).collect();
        let rows: Vec<KeyedOrigin> = self.st.db.all(
            &format!(
                "SELECT incident, {ORIGIN_COLS} FROM incident_origins WHERE incident IN ({})",
                marks.join(", ")
            ),
            &params,
        )?;
        Ok(rows
            .into_iter()
            .map(|r| (r.incident, r.origin.arrived))
            .collect())
    }

    /// Records the start of an exchange with peer `id`.
    pub fn attempted(&mut self, id: i64) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE peers SET last_attempt = $1 WHERE id = $2",
            &[now_ms().into(), id.into()],
        )?;
        Ok(())
    }

    /// Records why the last exchange with peer `id` failed; the cursors
    /// stay where they were.
    pub fn failed(&mut self, id: i64, error: &str) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE peers SET last_error = $1 WHERE id = $2",
            &[error.into(), id.into()],
        )?;
        Ok(())
    }

    /// Counts what peer `id` sent that this hub took in.
    pub fn received(&mut self, id: i64, objects: i64, bytes: i64) -> Result<(), Error> {
        self.st.db.execute(
            "UPDATE peers SET received_objects = received_objects + $1, \
             received_bytes = received_bytes + $2 WHERE id = $3",
            &[objects.into(), bytes.into(), id.into()],
        )?;
        Ok(())
    }

    /// The peer `id`.
    pub fn by_id(&mut self, id: i64) -> Result<Option<Peer>, Error> {
        self.st.db.one(
            &format!("SELECT {COLS} FROM peers WHERE id = $1"),
            &[id.into()],
        )
    }

    /// The peer the organisation `org` stands for here, if any.
    pub fn by_org(&mut self, org: &str) -> Result<Option<Peer>, Error> {
        self.st.db.one(
            &format!("SELECT {COLS} FROM peers WHERE org = $1 ORDER BY id LIMIT 1"),
            &[org.into()],
        )
    }
}

impl Store {
    /// The peer hubs.
    pub fn peers(&mut self) -> Peers<'_> {
        Peers { st: self }
    }
}
