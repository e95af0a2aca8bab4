//! Incidents out as a CSV feed: one row per observable (one row with empty
//! observable columns for an incident without any), with a header that
//! [`crate::CsvFeed`] reads back.

use std::io::{self, Write};

use c5hub_model::Incident;
use chrono::{DateTime, Utc};

/// The header of exported CSV.
pub const CSV_HEADER: [&str; 10] = [
    "id",
    "global_id",
    "reporter",
    "status",
    "tlp",
    "classification",
    "created_at",
    "observable_kind",
    "observable",
    "role",
];

/// One stored incident to export.
#[derive(Clone, Copy, Debug)]
pub struct ExportedIncident<'a> {
    /// The store's key.
    pub key: i64,
    /// The reporting organisation.
    pub reporter: &'a str,
    /// When the hub stored it.
    pub created_at: DateTime<Utc>,
    /// The incident.
    pub incident: &'a Incident,
}

/// Writes incidents as CSV, header first.
pub fn write_csv<'a, W: Write>(
    out: W,
    incidents: impl IntoIterator<Item = ExportedIncident<'a>>,
) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER)?;
    for i in incidents {
        let m = i.incident;
        let base = [
            i.key.to_string(),
            m.id.to_string(),
            i.reporter.to_owned(),
            m.status.as_str().to_owned(),
            m.tlp.as_str().to_owned(),
            m.classification.map(|c| c.path()).unwrap_or_default(),
            i.created_at.to_rfc3339(),
        ];
        if m.observables.is_empty() {
            w.write_record(base.iter().map(String::as_str).chain(["", "", ""]))?;
        }
        for o in &m.observables {
            w.write_record(base.iter().map(String::as_str).chain([
                o.observable.kind().as_str(),
                o.observable.value(),
                o.role.as_str(),
            ]))?;
        }
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use c5hub_model::{GlobalId, Observable, ObservableRole, Tlp};

    #[test]
    fn one_row_per_observable_and_quoting() {
        let mut m = Incident::new(GlobalId::new("bank.test", "A,1").expect("id"), Tlp::Green);
        m.add_observable(
            Observable::guess("198.51.100.7").expect("ip"),
            ObservableRole::Source,
        );
        m.add_observable(
            Observable::guess("evil.example").expect("domain"),
            ObservableRole::Indicator,
        );
        let empty = Incident::new(GlobalId::new("bank.test", "B").expect("id"), Tlp::Clear);
        let at = DateTime::from_timestamp(1_700_000_000, 0).expect("time");
        let mut out = Vec::new();
        write_csv(
            &mut out,
            [
                ExportedIncident {
                    key: 1,
                    reporter: "bank",
                    created_at: at,
                    incident: &m,
                },
                ExportedIncident {
                    key: 2,
                    reporter: "bank",
                    created_at: at,
                    incident: &empty,
                },
            ],
        )
        .expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(
            lines[1],
            "1,\"bank.test:A,1\",bank,new,TLP:GREEN,,2023-11-14T22:13:20+00:00,ipv4,198.51.100.7,source"
        );
        assert!(lines[3].ends_with(",,,"), "{}", lines[3]);
    }
}
