//! Storing a batch of submissions inside the caller's transaction.
//!
//! The batch is aggregated in memory first: each distinct value once with
//! its sightings over the batch, postings sorted by key. Then each table gets
//! its rows through [`Db::insert_rows`], with parameters borrowed from the
//! submissions (nothing is copied to be bound). Incident rows go first:
//! their outcome (new, new version, duplicate) decides the rest.
//!
//! The in-memory half needs no store, so it is a [`Plan`] of its own that a
//! bulk import works out on another thread while the store writes the batch
//! before (see [`crate::Store::plan`]). A plan assumes that every submission
//! is stored; when some turn out to be duplicates, the values are
//! aggregated again over those that were.

use std::collections::HashMap;

use c5hub_model::{Observable, ObservableKind};
use sha2::{Digest, Sha256};

use crate::db::{Db, FromRow, NamedRow, Param, Read, Upsert, Value};
use crate::stats::{Facts, Tally};
use crate::{Error, Outcome, Submission, correlate, now_ms, tlp_rank};

/// What can be worked out about a batch before the store is touched: its
/// incident rows' derived columns and its distinct values with their
/// correlation keys, in the order of the observables' unique key. It holds
/// no borrows, so it can be sent to the writer's thread with its batch;
/// [`ingest`] checks that it is given the batch it was made from.
pub struct Plan {
    /// Observables of each submission in the batch: a plan given another
    /// batch is refused rather than read out of bounds.
    shape: Vec<usize>,
    /// When the batch was received: its rows' `created_at`.
    now: i64,
    rows: Vec<RowKeys>,
    values: Values,
}

/// The derived columns of one incident row.
struct RowKeys {
    gid: String,
    rsit: Option<String>,
    doc_sha: Option<[u8; 32]>,
}

/// A batch's distinct values, aggregated over some of its submissions.
struct Values {
    /// The submissions included, in order.
    included: Vec<usize>,
    /// Distinct values in the order of the observables' unique key.
    aggs: Vec<Agg>,
    /// For each observable of each included submission, in order: its
    /// place in `aggs`.
    slots: Vec<usize>,
}

/// One distinct value: where it first occurs in the batch, its sightings
/// and its correlation keys.
struct Agg {
    submission: usize,
    observable: usize,
    n: i64,
    first: i64,
    last: i64,
    range: Option<([u8; 16], [u8; 16])>,
    /// IP family and prefix length of an address or prefix value.
    prefix: Option<(i64, i64)>,
    domain: Option<String>,
}

impl Agg {
    /// The value, in the batch the plan was made for.
    fn observable_in<'b>(&self, batch: &'b [Submission<'_>]) -> &'b Observable {
        &batch[self.submission].incident.observables[self.observable].observable
    }
}

impl Plan {
    pub(crate) fn new(batch: &[Submission<'_>]) -> Plan {
        let now = now_ms();
        Plan {
            shape: batch.iter().map(|s| s.incident.observables.len()).collect(),
            now,
            rows: batch.iter().map(RowKeys::of).collect(),
            values: Values::of(batch, (0..batch.len()).collect(), now),
        }
    }
}

impl RowKeys {
    fn of(s: &Submission<'_>) -> RowKeys {
        let m = s.incident;
        RowKeys {
            gid: m.id.to_string(),
            rsit: m.classification.map(|c| c.path()),
            doc_sha: m.original.as_ref().map(|d| Sha256::digest(&d.bytes).into()),
        }
    }
}

impl Values {
    fn of(batch: &[Submission<'_>], included: Vec<usize>, now: i64) -> Values {
        let observable = |a: &Agg| a.observable_in(batch);
        let mut index: HashMap<(ObservableKind, &str), usize> = HashMap::new();
        let mut aggs: Vec<Agg> = Vec::new();
        let mut slots: Vec<usize> = Vec::new();
        for &i in &included {
            let m = batch[i].incident;
            let seen = m
                .times
                .detected
                .or(m.times.start)
                .or(m.times.reported)
                .or(m.times.generated)
                .map_or(now, |t| t.timestamp_millis());
            for (j, io) in m.observables.iter().enumerate() {
                let o = &io.observable;
                let at = *index.entry((o.kind(), o.value())).or_insert_with(|| {
                    aggs.push(Agg {
                        submission: i,
                        observable: j,
                        n: 0,
                        first: seen,
                        last: seen,
                        range: None,
                        prefix: None,
                        domain: None,
                    });
                    aggs.len() - 1
                });
                slots.push(at);
                let a = &mut aggs[at];
                a.n += 1;
                a.first = a.first.min(seen);
                a.last = a.last.max(seen);
            }
        }
        drop(index);
        for a in &mut aggs {
            let o = a.observable_in(batch);
            a.range = correlate::ip_range(o);
            a.prefix = o
                .ip_net()
                .map(|n| (correlate::family(n.network()), i64::from(n.prefix_len())));
            a.domain = correlate::domain_key(o);
        }
        // In (kind, value) order, the order of the table's unique key: each
        // row's seek then lands next to the one before, in pages already in
        // the cache, instead of anywhere in the index. The keys are laid
        // side by side: a comparison then reads one value's text, not the
        // submission, incident and observable that hold it.
        let mut order: Vec<(&str, &str, usize)> = aggs
            .iter()
            .enumerate()
            .map(|(at, a)| {
                let o = observable(a);
                (o.kind().as_str(), o.value(), at)
            })
            .collect();
        order.sort_unstable();
        let order: Vec<usize> = order.into_iter().map(|(_, _, at)| at).collect();
        let mut place = vec![0; aggs.len()];
        for (to, &from) in order.iter().enumerate() {
            place[from] = to;
        }
        for s in &mut slots {
            *s = place[*s];
        }
        let mut taken: Vec<Option<Agg>> = aggs.into_iter().map(Some).collect();
        let aggs = order
            .iter()
            .map(|&from| taken[from].take().expect("each value once"))
            .collect();
        Values {
            included,
            aggs,
            slots,
        }
    }
}

pub(crate) fn ingest(
    db: &mut dyn Db,
    batch: &[Submission<'_>],
    plan: Plan,
) -> Result<Vec<Outcome>, Error> {
    if !plan
        .shape
        .iter()
        .copied()
        .eq(batch.iter().map(|s| s.incident.observables.len()))
    {
        return Err(Error::Corrupt(format!(
            "a plan for another batch ({} submissions) given {} submissions",
            plan.shape.len(),
            batch.len()
        )));
    }
    let Plan {
        now,
        rows,
        mut values,
        ..
    } = plan;
    let mut outcomes = Vec::with_capacity(batch.len());
    // (submission, incident key, version) of what was stored, not duplicates.
    let mut stored: Vec<(usize, i64, i64)> = Vec::with_capacity(batch.len());
    // Incident rows: every submission's row, inserting only incidents not
    // seen before; the rest (new versions, duplicates, the same incident
    // twice in a batch) one by one, in order.
    let rows: Vec<IncidentRow<'_>> = batch
        .iter()
        .zip(rows)
        .map(|(s, keys)| IncidentRow {
            incident: s.incident,
            keys,
        })
        .collect();
    let mut params: Vec<Param<'_>> = Vec::with_capacity(batch.len() * 16);
    for (s, r) in batch.iter().zip(&rows) {
        params.push(s.reporter.into());
        params.push(r.keys.gid.as_str().into());
        params.extend(r.fields());
        params.extend([Param::Int(1), Param::Int(now), Param::Int(now)]);
    }
    let inserted = db.upsert_rows(
        &Upsert {
            table: "incidents",
            columns: &[
                "reporter",
                "global_id",
                "status",
                "tlp",
                "rsit",
                "title",
                "description",
                "detected",
                "started",
                "ended",
                "reported",
                "generated",
                "doc_sha256",
                "version",
                "created_at",
                "updated_at",
            ],
            key_cols: 2,
            on_conflict: "DO NOTHING",
        },
        &params,
    )?;
    drop(params);
    // Dashboard counts move with the incidents (see `stats`).
    let mut tally = Tally::default();
    // Only a submission of an existing incident asks the tally whether an
    // incident is new in this transaction; a batch of new incidents alone
    // (a bulk load) need not tell it each one.
    let repeats = inserted.iter().any(Option::is_none);
    for (i, ((s, r), new)) in batch.iter().zip(&rows).zip(inserted).enumerate() {
        // The first submission of an incident the statements inserted is new.
        let o = match new {
            Some(key) => {
                if repeats {
                    tally.created(key, now);
                }
                Outcome::New(key)
            }
            None => existing_incident(db, s, r, now, &mut tally)?,
        };
        outcomes.push(o);
        match o {
            Outcome::New(k) => stored.push((i, k, 1)),
            Outcome::NewVersion { key, version } => stored.push((i, key, version)),
            Outcome::Duplicate(_) => {}
        }
    }

    // Several versions of one incident in this batch are stored as
    // successive versions (each with its document above), but only the
    // last one is current: its contacts, sharing lists and postings are
    // the incident's, and an earlier one's must not be written beside
    // them (they would widen who reads it, or keep an older TLP in
    // `domain_postings`). A repeat always makes a new version, so a batch
    // without new versions (a bulk load) skips the bookkeeping.
    let superseded: Vec<bool> = if stored
        .iter()
        .any(|&(i, _, _)| matches!(outcomes[i], Outcome::NewVersion { .. }))
    {
        let mut last: HashMap<i64, usize> = HashMap::with_capacity(stored.len());
        for (at, &(_, k, _)) in stored.iter().enumerate() {
            last.insert(k, at);
        }
        stored
            .iter()
            .enumerate()
            .map(|(at, &(_, k, _))| last.get(&k) != Some(&at))
            .collect()
    } else {
        vec![false; stored.len()]
    };

    // The original documents, keyed by the incident version they made: the
    // key only grows, so storing one never reshuffles an index. (A document
    // holding several incidents is kept once per incident.)
    let mut params: Vec<Param<'_>> = Vec::with_capacity(stored.len() * 5);
    for &(i, k, v) in &stored {
        if let Some(d) = &batch[i].incident.original {
            params.extend([
                Param::Int(k),
                Param::Int(v),
                d.format.as_str().into(),
                Param::Blob(&d.bytes),
                Param::Int(now),
            ]);
        }
    }
    db.insert_rows(
        "INSERT INTO documents (incident, version, format, bytes, received_at) VALUES ",
        5,
        &params,
        "",
    )?;

    let mut contacts: Vec<Param<'_>> = Vec::new();
    let mut shares: Vec<Param<'_>> = Vec::new();
    // New incidents counted by what places them (most of a batch shares a
    // few dozen), so the tally's owned keys are built once per group, not
    // once per incident.
    let mut fresh: HashMap<FreshKey<'_>, (usize, i64)> = HashMap::new();
    for (&(i, k, _), _) in stored.iter().zip(&superseded).filter(|(_, old)| !**old) {
        let s = &batch[i];
        if matches!(outcomes[i], Outcome::New(_)) {
            fresh
                .entry(FreshKey::of(s, &rows[i].keys, now))
                .or_insert((i, 0))
                .1 += 1;
        } else {
            let created_at = tally.leave(db, k)?;
            tally.add(&Facts::of(s, created_at), 1);
        }
        for c in &s.incident.contacts {
            contacts.extend([
                Param::Int(k),
                c.name.as_deref().into(),
                c.email.as_deref().into(),
                c.role.as_str().into(),
            ]);
        }
        for (orgs, kind) in [(s.shared_with, "share"), (s.recipients, "recipient")] {
            for org in orgs {
                shares.extend([Param::Int(k), org.as_str().into(), kind.into()]);
            }
        }
    }
    for (i, n) in fresh.into_values() {
        tally.add(&Facts::of(&batch[i], now), n);
    }
    db.insert_rows(
        "INSERT INTO contacts (incident, name, email, role) VALUES ",
        4,
        &contacts,
        "",
    )?;
    db.insert_rows(
        "INSERT INTO incident_shares (incident, org, kind) VALUES ",
        3,
        &shares,
        " ON CONFLICT DO NOTHING",
    )?;

    // Observables: each distinct value once per batch, with its sightings,
    // as planned unless some submissions were not stored.
    if stored.len() != values.included.len() {
        values = Values::of(batch, stored.iter().map(|&(i, _, _)| i).collect(), now);
    }
    let Values { aggs, slots, .. } = &values;
    let observable = |a: &Agg| a.observable_in(batch);
    let mut params: Vec<Param<'_>> = Vec::with_capacity(aggs.len() * 8);
    for a in aggs {
        let (lo, hi) = match &a.range {
            Some((l, h)) => (Param::Blob(l), Param::Blob(h)),
            None => (Param::Null, Param::Null),
        };
        let o = observable(a);
        params.extend([
            o.kind().as_str().into(),
            o.value().into(),
            lo,
            hi,
            a.domain.as_deref().into(),
            Param::Int(a.first),
            Param::Int(a.last),
            Param::Int(a.n),
        ]);
    }
    let ids = db.upsert_rows(
        &Upsert {
            table: "observables",
            columns: &[
                "kind",
                "value",
                "ip_lo",
                "ip_hi",
                "domain",
                "first_seen",
                "last_seen",
                "sightings",
            ],
            key_cols: 2,
            on_conflict: "DO UPDATE SET sightings = observables.sightings + excluded.sightings, \
         first_seen = CASE WHEN observables.first_seen < excluded.first_seen THEN observables.first_seen ELSE excluded.first_seen END, \
         last_seen = CASE WHEN observables.last_seen > excluded.last_seen THEN observables.last_seen ELSE excluded.last_seen END",
        },
        &params,
    )?;
    drop(params);
    if ids.len() != aggs.len() || ids.iter().any(Option::is_none) {
        let a = ids
            .iter()
            .position(Option::is_none)
            .and_then(|at| aggs.get(at))
            .map(observable);
        return Err(Error::Corrupt(format!(
            "no key came back for {}",
            a.map_or_else(String::new, |o| format!(
                "{} {}",
                o.kind().as_str(),
                o.value()
            ))
        )));
    }
    let ids: Vec<i64> = ids.into_iter().map(Option::unwrap_or_default).collect();
    // Prefix lengths present, for containment lookups.
    let mut lens: Vec<(i64, i64)> = aggs.iter().filter_map(|a| a.prefix).collect();
    lens.sort_unstable();
    lens.dedup();
    let params: Vec<Param<'_>> = lens
        .into_iter()
        .flat_map(|(f, l)| [Param::Int(f), Param::Int(l)])
        .collect();
    db.insert_rows(
        "INSERT INTO prefix_lengths (family, len) VALUES ",
        2,
        &params,
        " ON CONFLICT DO NOTHING",
    )?;

    // Postings: one per value, incident and role, in key order (values
    // first seen in this batch have the highest keys, so theirs append).
    // The postings of values with a domain key go into domain_postings
    // too, with the incident's TLP and reporter, so that a domain lookup
    // reads one range of one index (migration 6).
    let mut postings: Vec<(i64, i64, &'static str)> = Vec::with_capacity(slots.len());
    let mut by_domain: Vec<(&str, i64, i64, &'static str, i64, &str)> = Vec::new();
    let mut slot = slots.iter();
    for (&(i, k, _), &old) in stored.iter().zip(&superseded) {
        let s = &batch[i];
        for io in &s.incident.observables {
            let Some(&at) = slot.next() else {
                return Err(Error::Corrupt("an observable without its value".to_owned()));
            };
            if old {
                // Counted in the sightings above, but no longer held.
                continue;
            }
            let id = ids[at];
            postings.push((id, k, io.role.as_str()));
            if let Some(d) = &aggs[at].domain {
                by_domain.push((
                    d,
                    k,
                    id,
                    io.role.as_str(),
                    tlp_rank(s.incident.tlp),
                    s.reporter,
                ));
            }
        }
    }
    postings.sort_unstable();
    postings.dedup();
    let params: Vec<Param<'_>> = postings
        .iter()
        .flat_map(|&(o, k, role)| [Param::Int(o), Param::Int(k), Param::Text(role)])
        .collect();
    db.insert_rows(
        "INSERT INTO postings (observable, incident, role) VALUES ",
        3,
        &params,
        " ON CONFLICT DO NOTHING",
    )?;
    by_domain.sort_unstable();
    by_domain.dedup();
    let params: Vec<Param<'_>> = by_domain
        .iter()
        .flat_map(|&(d, k, o, role, tlp, reporter)| {
            [
                Param::Text(d),
                Param::Int(k),
                Param::Int(o),
                Param::Text(role),
                Param::Int(tlp),
                Param::Text(reporter),
            ]
        })
        .collect();
    db.insert_rows(
        "INSERT INTO domain_postings (domain, incident, observable, role, tlp, reporter) VALUES ",
        6,
        &params,
        " ON CONFLICT DO NOTHING",
    )?;
    tally.write(db)?;
    // The search index holds incidents with a title or a description; a
    // new version may take away words an earlier one had. The rest (a
    // feed's rows) need no statement at all.
    let worded: Vec<(i64, i64)> = stored
        .iter()
        .filter(|&&(i, _, v)| {
            let m = batch[i].incident;
            v != 1 || m.title.is_some() || m.description.is_some()
        })
        .map(|&(_, k, v)| (k, v))
        .collect();
    crate::search::index_stored(db, &worded)?;
    let changed: Vec<(i64, i64)> = stored.iter().map(|&(_, k, v)| (k, v)).collect();
    // Last: on PostgreSQL this takes the change feed's lock until commit.
    crate::changes::record_stored(db, &changed, now)?;
    Ok(outcomes)
}

/// What decides where a new incident is counted (see [`Facts::of`]),
/// borrowed from its submission: new incidents with equal keys have equal
/// facts.
#[derive(PartialEq, Eq)]
struct FreshKey<'a> {
    reporter: &'a str,
    tlp: i64,
    rsit: Option<&'a str>,
    status: &'static str,
    /// The UTC day of detection, or of receipt.
    day: i64,
    /// The sharing list that names its readers, as submitted.
    readers: &'a [String],
}

// By hand: a bulk batch hashes one key per new incident, and SipHash costs
// mostly by the write, so a feed's key (no sharing list) is three writes
// instead of the derived ten. Equal keys still hash alike; the status is
// left to `Eq` (it has a handful of values, so few keys differ only there).
impl std::hash::Hash for FreshKey<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_i64(self.day.wrapping_mul(8) ^ self.tlp);
        state.write(self.reporter.as_bytes());
        state.write(self.rsit.map_or(&[][..], str::as_bytes));
        for org in self.readers {
            state.write(org.as_bytes());
        }
    }
}

impl<'a> FreshKey<'a> {
    fn of(s: &Submission<'a>, keys: &'a RowKeys, created_at: i64) -> FreshKey<'a> {
        let m = s.incident;
        FreshKey {
            reporter: s.reporter,
            tlp: tlp_rank(m.tlp),
            rsit: keys.rsit.as_deref(),
            status: m.status.as_str(),
            day: crate::stats::day_of(
                m.times
                    .detected
                    .map_or(created_at, |t| t.timestamp_millis()),
            ),
            readers: crate::stats::readers_of(s),
        }
    }
}

/// The values of an incident's row.
struct IncidentRow<'a> {
    incident: &'a c5hub_model::Incident,
    keys: RowKeys,
}

impl IncidentRow<'_> {
    /// status, tlp, rsit, title, description, detected, started, ended,
    /// reported, generated, doc_sha256.
    fn fields(&self) -> [Param<'_>; 11] {
        let m = self.incident;
        let ms = |t: Option<chrono::DateTime<chrono::Utc>>| -> Param<'_> {
            t.map(|t| t.timestamp_millis()).into()
        };
        [
            m.status.as_str().into(),
            Param::Int(tlp_rank(m.tlp)),
            self.keys.rsit.as_deref().into(),
            m.title.as_deref().into(),
            m.description.as_deref().into(),
            ms(m.times.detected),
            ms(m.times.start),
            ms(m.times.end),
            ms(m.times.reported),
            ms(m.times.generated),
            self.keys.doc_sha.as_ref().map(|d| &d[..]).into(),
        ]
    }
}

/// A submission whose incident exists: a duplicate or a new version.
fn existing_incident(
    db: &mut dyn Db,
    s: &Submission<'_>,
    r: &IncidentRow<'_>,
    now: i64,
    tally: &mut Tally,
) -> Result<Outcome, Error> {
    let row = db
        .one::<Stored>(
            "SELECT id, version, doc_sha256, updated_at FROM incidents WHERE reporter = $1 AND global_id = $2",
            &[s.reporter.into(), r.keys.gid.as_str().into()],
        )?
        .ok_or_else(|| Error::Corrupt(format!("incident {} of {} vanished", r.keys.gid, s.reporter)))?;
    let key = row.id.unwrap_or_default();
    let current = row.version.unwrap_or(1);
    // The same bytes for the same incident from the same reporter:
    // already stored, as the current or an earlier version. (One
    // document may hold several incidents, so the bytes alone do not
    // name the incident.)
    if let Some(sha) = &r.keys.doc_sha {
        let is_current = matches!(&row.doc_sha256, Value::Blob(b) if b[..] == sha[..]);
        let is_earlier = !is_current
            && db
                .query_one(
                    "SELECT 1 FROM incident_versions WHERE incident = $1 AND doc_sha256 = $2",
                    &[key.into(), sha.to_vec().into()],
                )?
                .is_some();
        if is_current || is_earlier {
            return Ok(Outcome::Duplicate(key));
        }
    }
    // Its counts as stored go; the batch's last version's come back.
    tally.leave(db, key)?;
    // incident_versions keeps the versions a newer one replaced.
    db.execute(
        "INSERT INTO incident_versions (incident, version, doc_sha256, submitted_at) VALUES ($1, $2, $3, $4)",
        &[key.into(), current.into(), row.doc_sha256, row.updated_at],
    )?;
    let version = current + 1;
    let mut p: Vec<Value> = r.fields().iter().map(|&p| p.into()).collect();
    p.extend([version.into(), now.into(), key.into()]);
    db.execute(
        "UPDATE incidents SET status = $1, tlp = $2, rsit = $3, title = $4, description = $5, detected = $6, started = $7, ended = $8, reported = $9, generated = $10, doc_sha256 = $11, version = $12, updated_at = $13 WHERE id = $14",
        &p,
    )?;
    for sql in [
        // By domain first: the postings say which domains to look in.
        "DELETE FROM domain_postings WHERE incident = $1 AND domain IN (SELECT o.domain FROM postings p JOIN observables o ON o.id = p.observable WHERE p.incident = $1 AND o.domain IS NOT NULL)",
        "DELETE FROM postings WHERE incident = $1",
        "DELETE FROM contacts WHERE incident = $1",
        // A new version brings its own sharing lists; the co-handlers the
        // reporter named stay until it names others.
        "DELETE FROM incident_shares WHERE incident = $1 AND kind <> 'handler'",
    ] {
        db.execute(sql, &[key.into()])?;
    }
    Ok(Outcome::NewVersion { key, version })
}

/// What a new version replaces: the incident's current version as stored.
struct Stored {
    id: Option<i64>,
    version: Option<i64>,
    /// Kept as read: it moves to `incident_versions` unchanged.
    doc_sha256: Value,
    updated_at: Value,
}

impl FromRow for Stored {
    fn from_row(mut r: NamedRow<'_>) -> Result<Self, Error> {
        Ok(Stored {
            id: r.int("id")?,
            version: r.int("version")?,
            doc_sha256: r.take("doc_sha256")?,
            updated_at: r.take("updated_at")?,
        })
    }
}
