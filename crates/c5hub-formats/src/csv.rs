//! CSV feeds: detected by a header c5hub (or the mapping file) knows,
//! read row by row, written one row per incident and observable.

use std::io::{self, Write};

use c5hub_feeds::FeedFormat;

use crate::{Door, Exported, Format, Hints, Stream};

/// A CSV feed.
pub static FORMAT: Format = Format {
    name: "csv",
    label: "One row per incident and observable.",
    media_type: "text/csv; charset=utf-8",
    media_types: &["text/csv"],
    detect,
    sniffed_by: &[Door::Import],
    accepted_by: &[Door::Import],
    document: None,
    stream: Some(Stream::Feed(FeedFormat::Csv)),
    encode: Some(encode),
};

fn detect(head: &[u8], hints: &Hints<'_>) -> bool {
    crate::intelmq::feed(head, hints) == Some(FeedFormat::Csv)
}

fn encode(
    out: &mut dyn Write,
    incidents: &[Exported<'_>],
    _: chrono::DateTime<chrono::Utc>,
) -> io::Result<()> {
    c5hub_feeds::export::write_csv(
        out,
        incidents
            .iter()
            .map(|i| c5hub_feeds::export::ExportedIncident {
                key: i.key,
                reporter: i.reporter,
                created_at: i.created_at,
                incident: i.incident,
            }),
    )
}
