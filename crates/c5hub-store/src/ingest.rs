//! Storing a batch of submissions inside the caller's transaction.
//!
//! Statements, not rows, are what a database charges for: each costs its
//! setup, journal and teardown whatever it does. So the incident rows go one
//! statement each (their outcome decides the rest), and everything else
//! (documents, contacts, observables aggregated over the batch, postings)
//! goes in multi-row statements.

use std::collections::HashMap;

use c5hub_model::{Observable, ObservableKind};
use sha2::{Digest, Sha256};

use crate::db::{Db, Dialect, Row, Value};
use crate::{Error, Outcome, Submission, correlate, ms, now_ms, tlp_rank};

/// Rows per multi-row statement, per table: well under both databases'
/// parameter limits (SQLite 32766, PostgreSQL 65535).
const CHUNK: usize = 256;

pub(crate) fn ingest(db: &mut dyn Db, batch: &[Submission<'_>]) -> Result<Vec<Outcome>, Error> {
    let now = now_ms();
    let mut outcomes = Vec::with_capacity(batch.len());
    // (submission, incident key, version) of what was stored, not duplicates.
    let mut stored: Vec<(usize, i64, i64)> = Vec::with_capacity(batch.len());
    // Incident rows: every submission's row in multi-row statements that
    // insert only incidents not seen before; the rest (new versions,
    // duplicates, the same incident twice in a batch) one by one, in order.
    let rows: Vec<IncidentRow> = batch.iter().map(IncidentRow::of).collect();
    let params: Vec<Vec<Value>> = batch
        .iter()
        .zip(&rows)
        .map(|(s, r)| {
            let mut p: Vec<Value> = vec![s.reporter.into(), r.gid.as_str().into()];
            p.extend(r.fields.iter().cloned());
            p.extend([1i64.into(), now.into(), now.into()]);
            p
        })
        .collect();
    let inserted = insert_rows(
        db,
        "INSERT INTO incidents (reporter, global_id, status, tlp, rsit, title, description, detected, started, ended, reported, generated, doc_sha256, version, created_at, updated_at) VALUES ",
        16,
        &params,
        " ON CONFLICT (reporter, global_id) DO NOTHING RETURNING id, reporter, global_id",
    )?;
    let mut new_keys: HashMap<(String, String), i64> = HashMap::with_capacity(inserted.len());
    for r in inserted {
        let mut it = r.into_iter();
        let key = it.next().and_then(|v| v.int()).unwrap_or_default();
        let reporter = it.next().and_then(Value::into_text).unwrap_or_default();
        let gid = it.next().and_then(Value::into_text).unwrap_or_default();
        new_keys.insert((reporter, gid), key);
    }
    for (i, (s, r)) in batch.iter().zip(&rows).enumerate() {
        // The first submission of an incident the statements inserted is new.
        let o = match new_keys.remove(&(s.reporter.to_owned(), r.gid.clone())) {
            Some(key) => Outcome::New(key),
            None => existing_incident(db, s, r, now)?,
        };
        outcomes.push(o);
        match o {
            Outcome::New(k) => stored.push((i, k, 1)),
            Outcome::NewVersion { key, version } => stored.push((i, key, version)),
            Outcome::Duplicate(_) => {}
        }
    }

    // The original documents, keyed by the incident version they made: the
    // key only grows, so storing one never reshuffles an index. (A document
    // holding several incidents is kept once per incident.)
    let mut rows = Vec::new();
    for &(i, k, v) in &stored {
        if let Some(d) = &batch[i].incident.original {
            rows.push(vec![
                k.into(),
                v.into(),
                d.format.as_str().into(),
                d.bytes.clone().into(),
                now.into(),
            ]);
        }
    }
    insert_rows(
        db,
        "INSERT INTO documents (incident, version, format, bytes, received_at) VALUES ",
        5,
        &rows,
        "",
    )?;

    let mut contacts = Vec::new();
    let mut shares = Vec::new();
    for &(i, k, _) in &stored {
        let s = &batch[i];
        for c in &s.incident.contacts {
            contacts.push(vec![
                k.into(),
                c.name.clone().into(),
                c.email.clone().into(),
                c.role.as_str().into(),
            ]);
        }
        for (orgs, kind) in [(s.shared_with, "share"), (s.recipients, "recipient")] {
            for org in orgs {
                shares.push(vec![k.into(), org.as_str().into(), kind.into()]);
            }
        }
    }
    insert_rows(
        db,
        "INSERT INTO contacts (incident, name, email, role) VALUES ",
        4,
        &contacts,
        "",
    )?;
    insert_rows(
        db,
        "INSERT INTO incident_shares (incident, org, kind) VALUES ",
        3,
        &shares,
        " ON CONFLICT DO NOTHING",
    )?;

    // Observables: each distinct value once per batch, with its sightings.
    struct Agg<'a> {
        obs: &'a Observable,
        n: i64,
        first: i64,
        last: i64,
        id: i64,
    }
    let mut index: HashMap<(ObservableKind, &str), usize> = HashMap::new();
    let mut aggs: Vec<Agg<'_>> = Vec::new();
    for &(i, _, _) in &stored {
        let m = batch[i].incident;
        let seen = m
            .times
            .detected
            .or(m.times.start)
            .or(m.times.reported)
            .or(m.times.generated)
            .map_or(now, |t| t.timestamp_millis());
        for io in &m.observables {
            let o = &io.observable;
            let at = *index.entry((o.kind(), o.value())).or_insert_with(|| {
                aggs.push(Agg {
                    obs: o,
                    n: 0,
                    first: seen,
                    last: seen,
                    id: 0,
                });
                aggs.len() - 1
            });
            let a = &mut aggs[at];
            a.n += 1;
            a.first = a.first.min(seen);
            a.last = a.last.max(seen);
        }
    }
    let rows: Vec<Vec<Value>> = aggs
        .iter()
        .map(|a| {
            let (lo, hi) = correlate::ip_range(a.obs)
                .map_or((Value::Null, Value::Null), |(l, h)| {
                    (l.to_vec().into(), h.to_vec().into())
                });
            vec![
                a.obs.kind().as_str().into(),
                a.obs.value().into(),
                lo,
                hi,
                correlate::domain_key(a.obs).into(),
                a.first.into(),
                a.last.into(),
                a.n.into(),
            ]
        })
        .collect();
    let returned = insert_rows(
        db,
        "INSERT INTO observables (kind, value, ip_lo, ip_hi, domain, first_seen, last_seen, sightings) VALUES ",
        8,
        &rows,
        " ON CONFLICT (kind, value) DO UPDATE SET sightings = observables.sightings + excluded.sightings, \
         first_seen = CASE WHEN observables.first_seen < excluded.first_seen THEN observables.first_seen ELSE excluded.first_seen END, \
         last_seen = CASE WHEN observables.last_seen > excluded.last_seen THEN observables.last_seen ELSE excluded.last_seen END \
         RETURNING id, kind, value",
    )?;
    for r in returned {
        let kind = r[1].text().and_then(|k| k.parse::<ObservableKind>().ok());
        if let (Some(kind), Some(value)) = (kind, r[2].text()) {
            if let Some(&at) = index.get(&(kind, value)) {
                aggs[at].id = r[0].int().unwrap_or_default();
            }
        }
    }
    if let Some(a) = aggs.iter().find(|a| a.id == 0) {
        return Err(Error::Corrupt(format!(
            "no key came back for {} {}",
            a.obs.kind().as_str(),
            a.obs.value()
        )));
    }
    // Prefix lengths present, for containment lookups.
    let mut lens: Vec<(i64, i64)> = aggs
        .iter()
        .filter_map(|a| {
            a.obs
                .ip_net()
                .map(|n| (correlate::family(n.network()), i64::from(n.prefix_len())))
        })
        .collect();
    lens.sort_unstable();
    lens.dedup();
    let rows: Vec<Vec<Value>> = lens
        .into_iter()
        .map(|(f, l)| vec![f.into(), l.into()])
        .collect();
    insert_rows(
        db,
        "INSERT INTO prefix_lengths (family, len) VALUES ",
        2,
        &rows,
        " ON CONFLICT DO NOTHING",
    )?;

    // Postings: one per value, incident and role.
    let mut rows = Vec::new();
    for &(i, k, _) in &stored {
        for io in &batch[i].incident.observables {
            let o = &io.observable;
            let id = index
                .get(&(o.kind(), o.value()))
                .map_or(0, |&at| aggs[at].id);
            rows.push(vec![id.into(), k.into(), io.role.as_str().into()]);
        }
    }
    insert_rows(
        db,
        "INSERT INTO postings (observable, incident, role) VALUES ",
        3,
        &rows,
        " ON CONFLICT DO NOTHING",
    )?;
    Ok(outcomes)
}

/// Inserts rows with multi-row statements; returns what their `RETURNING`
/// clause returned.
///
/// Chunks are [`CHUNK`] rows, then powers of two for the rest, so a handful
/// of statement texts cover every batch and stay prepared. SQLite gets
/// numbered `?N` parameters: it looks `$N` up by name, which costs
/// quadratic time to prepare a statement with thousands of them.
fn insert_rows(
    db: &mut dyn Db,
    head: &str,
    cols: usize,
    rows: &[Vec<Value>],
    tail: &str,
) -> Result<Vec<Row>, Error> {
    let mut out = Vec::new();
    let returning = tail.contains("RETURNING");
    let mark = match db.dialect() {
        Dialect::Sqlite => '?',
        Dialect::Postgres => '$',
    };
    let mut rest = rows;
    while !rest.is_empty() {
        let take = if rest.len() >= CHUNK {
            CHUNK
        } else {
            1 << (usize::BITS - 1 - rest.len().leading_zeros())
        };
        let (chunk, tail_rows) = rest.split_at(take);
        rest = tail_rows;
        let mut sql = String::with_capacity(head.len() + tail.len() + chunk.len() * cols * 6);
        sql.push_str(head);
        let mut n = 0;
        for r in 0..chunk.len() {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for c in 0..cols {
                if c > 0 {
                    sql.push(',');
                }
                n += 1;
                sql.push(mark);
                sql.push_str(&n.to_string());
            }
            sql.push(')');
        }
        sql.push_str(tail);
        let params: Vec<Value> = chunk.iter().flat_map(|r| r.iter().cloned()).collect();
        if returning {
            out.extend(db.query(&sql, &params)?);
        } else {
            db.execute(&sql, &params)?;
        }
    }
    Ok(out)
}

/// The values of an incident's row.
struct IncidentRow {
    gid: String,
    doc_sha: Option<Vec<u8>>,
    fields: [Value; 11],
}

impl IncidentRow {
    fn of(s: &Submission<'_>) -> IncidentRow {
        let m = s.incident;
        let doc_sha = m
            .original
            .as_ref()
            .map(|d| Sha256::digest(&d.bytes).to_vec());
        let fields: [Value; 11] = [
            m.status.as_str().into(),
            tlp_rank(m.tlp).into(),
            m.classification.map(|c| c.path()).into(),
            m.title.clone().into(),
            m.description.clone().into(),
            ms(m.times.detected),
            ms(m.times.start),
            ms(m.times.end),
            ms(m.times.reported),
            ms(m.times.generated),
            doc_sha.clone().into(),
        ];
        IncidentRow {
            gid: m.id.to_string(),
            doc_sha,
            fields,
        }
    }
}

/// A submission whose incident exists: a duplicate or a new version.
fn existing_incident(
    db: &mut dyn Db,
    s: &Submission<'_>,
    r: &IncidentRow,
    now: i64,
) -> Result<Outcome, Error> {
    let row = db
            .query_one(
            "SELECT id, version, doc_sha256, updated_at FROM incidents WHERE reporter = $1 AND global_id = $2",
            &[s.reporter.into(), r.gid.as_str().into()],
        )?
        .ok_or_else(|| Error::Corrupt(format!("incident {} of {} vanished", r.gid, s.reporter)))?;
    let key = row[0].int().unwrap_or_default();
    let current = row[1].int().unwrap_or(1);
    // The same bytes for the same incident from the same reporter:
    // already stored, as the current or an earlier version. (One
    // document may hold several incidents, so the bytes alone do not
    // name the incident.)
    if let Some(sha) = &r.doc_sha {
        let is_current = row[2].clone().into_blob().as_ref() == Some(sha);
        let is_earlier = !is_current
            && db
                .query_one(
                    "SELECT 1 FROM incident_versions WHERE incident = $1 AND doc_sha256 = $2",
                    &[key.into(), sha.clone().into()],
                )?
                .is_some();
        if is_current || is_earlier {
            return Ok(Outcome::Duplicate(key));
        }
    }
    // incident_versions keeps the versions a newer one replaced.
    db.execute(
        "INSERT INTO incident_versions (incident, version, doc_sha256, submitted_at) VALUES ($1, $2, $3, $4)",
        &[key.into(), current.into(), row[2].clone(), row[3].clone()],
    )?;
    let version = current + 1;
    let mut p: Vec<Value> = r.fields.to_vec();
    p.extend([version.into(), now.into(), key.into()]);
    db.execute(
        "UPDATE incidents SET status = $1, tlp = $2, rsit = $3, title = $4, description = $5, detected = $6, started = $7, ended = $8, reported = $9, generated = $10, doc_sha256 = $11, version = $12, updated_at = $13 WHERE id = $14",
        &p,
    )?;
    for sql in [
        "DELETE FROM postings WHERE incident = $1",
        "DELETE FROM contacts WHERE incident = $1",
        "DELETE FROM incident_shares WHERE incident = $1",
    ] {
        db.execute(sql, &[key.into()])?;
    }
    Ok(Outcome::NewVersion { key, version })
}
