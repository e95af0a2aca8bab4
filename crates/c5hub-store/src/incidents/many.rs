//! Many incidents read at once: what [`Incidents::incident`] reads for one
//! key, for up to [`IN_LIST`] keys a statement per table. A federation page
//! or an export reads a thousand incidents; one at a time that is six
//! statements each.

use std::collections::HashMap;
use std::str::FromStr;

use c5hub_model::{Contact, GlobalId, Incident, OriginalDocument, Viewer};

use super::{
    DocumentRow, IN_LIST, IncidentRow, Incidents, ShareRow, StoredIncident, ValueRow, in_list,
    observable_from, readable,
};
use crate::db::{FromRow, NamedRow, Read};
use crate::{Arrived, Error};

/// The batched statements, `$1` to `$IN_LIST` in their lists.
struct ManySql {
    rows: String,
    shares: String,
    values: String,
    contacts: String,
    documents: String,
}

static MANY_SQL: std::sync::LazyLock<ManySql> = std::sync::LazyLock::new(|| {
    let list = (1..=IN_LIST)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ");
    ManySql {
        rows: format!(
            "SELECT {}, i.description, i.started, i.ended, i.reported, i.generated, \
             i.updated_at, i.doc_sha256, i.assignee FROM incidents i WHERE i.id IN ({list})",
            super::SUMMARY_COLS
        ),
        shares: format!(
            "SELECT incident, org, kind FROM incident_shares WHERE incident IN ({list})"
        ),
        values: format!(
            "SELECT p.incident, o.kind, o.value, p.role FROM postings p \
             JOIN observables o ON o.id = p.observable WHERE p.incident IN ({list}) \
             ORDER BY p.incident, o.id"
        ),
        contacts: format!(
            "SELECT incident, name, email, role FROM contacts WHERE incident IN ({list})"
        ),
        documents: format!(
            "SELECT d.incident, d.format, d.bytes FROM documents d \
             JOIN incidents i ON i.id = d.incident AND d.version = i.version \
             WHERE d.incident IN ({list})"
        ),
    }
});

/// A row of a table keyed by incident, with what the table holds.
struct Keyed<T> {
    incident: i64,
    row: T,
}

impl<T: FromRow> FromRow for Keyed<T> {
    fn from_row(r: NamedRow<'_>) -> Result<Self, Error> {
        let incident = r
            .int("incident")?
            .ok_or_else(|| Error::Corrupt("a row without its incident".to_owned()))?;
        Ok(Keyed {
            incident,
            row: T::from_row(r)?,
        })
    }
}

fn grouped<T>(rows: Vec<Keyed<T>>) -> HashMap<i64, Vec<T>> {
    let mut out: HashMap<i64, Vec<T>> = HashMap::new();
    for k in rows {
        out.entry(k.incident).or_default().push(k.row);
    }
    out
}

impl Incidents<'_> {
    /// The incidents `keys` the viewer may read, each as
    /// [`Incidents::incident`] reads it, in the order of `keys`; a key it
    /// may not read, or that does not exist, is left out.
    pub fn incidents(
        &mut self,
        keys: &[i64],
        viewer: &Viewer,
    ) -> Result<Vec<StoredIncident>, Error> {
        let mut found: HashMap<i64, StoredIncident> = HashMap::with_capacity(keys.len());
        for chunk in keys.chunks(IN_LIST) {
            let params = in_list(chunk);
            let sql = &*MANY_SQL;
            let rows: Vec<IncidentRow> = self.st.db.all(&sql.rows, &params)?;
            let mut shares = grouped(self.st.db.all::<Keyed<ShareRow>>(&sql.shares, &params)?);
            let mut readable_rows = Vec::with_capacity(rows.len());
            for row in rows {
                let (mut shared, mut recipients) = (Vec::new(), Vec::new());
                for r in shares.remove(&row.summary.key).unwrap_or_default() {
                    let org = r.org.unwrap_or_default();
                    // Co-handlers (`handler`) are kept beside the sharing
                    // lists but never widen who reads.
                    match r.kind.as_deref() {
                        Some("recipient") => recipients.push(org),
                        Some("share") => shared.push(org),
                        _ => {}
                    }
                }
                let s = &row.summary;
                if readable(viewer, &s.reporter, s.tlp, &shared, &recipients) {
                    readable_rows.push((row, shared, recipients));
                }
            }
            if readable_rows.is_empty() {
                continue;
            }
            let mut values = grouped(self.st.db.all::<Keyed<ValueRow>>(&sql.values, &params)?);
            let mut contacts = grouped(self.st.db.all::<Keyed<Contact>>(&sql.contacts, &params)?);
            let mut documents = if readable_rows.iter().any(|(r, _, _)| r.has_document) {
                grouped(
                    self.st
                        .db
                        .all::<Keyed<DocumentRow>>(&sql.documents, &params)?,
                )
            } else {
                HashMap::new()
            };
            let mut arrived: HashMap<i64, Arrived> =
                self.st.peers().arrived_many(chunk)?.into_iter().collect();
            for (row, shared, recipients) in readable_rows {
                let summary = row.summary;
                let key = summary.key;
                let id = GlobalId::from_str(&summary.global_id)
                    .map_err(|e| Error::Corrupt(e.to_string()))?;
                let mut m = Incident::new(id, summary.tlp);
                m.status = summary.status;
                m.classification = summary.classification;
                m.title = summary.title.clone();
                m.reporter = Some(summary.reporter.clone());
                m.description = row.description;
                m.times.detected = summary.detected;
                m.times.start = row.started;
                m.times.end = row.ended;
                m.times.reported = row.reported;
                m.times.generated = row.generated;
                for r in values.remove(&key).unwrap_or_default() {
                    let (o, role) = observable_from(&r.kind, &r.value, &r.role)?;
                    m.add_observable(o, role);
                }
                m.contacts = contacts.remove(&key).unwrap_or_default();
                if row.has_document {
                    if let Some(d) = documents.remove(&key).and_then(|mut d| d.pop()) {
                        m.original = d.bytes.map(|b| OriginalDocument::new(d.format, b));
                    }
                }
                found.insert(
                    key,
                    StoredIncident {
                        key,
                        reporter: summary.reporter,
                        version: summary.version,
                        created_at: summary.created_at,
                        updated_at: row.updated_at.unwrap_or(summary.created_at),
                        shared_with: shared,
                        recipients,
                        assignee: row.assignee,
                        incident: m,
                        provenance: arrived.remove(&key),
                    },
                );
            }
        }
        Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
    }
}
