//! IntelMQ events, one JSON object a line: detected by an IntelMQ key on
//! the first line, read line by line.

use c5hub_feeds::FeedFormat;

use crate::{Door, Format, Hints, Stream};

/// IntelMQ event lines.
pub static FORMAT: Format = Format {
    name: "intelmq",
    label: "IntelMQ events, one JSON object a line.",
    media_type: "application/x-ndjson",
    media_types: &[],
    detect,
    sniffed_by: &[Door::Import],
    accepted_by: &[Door::Import],
    document: None,
    stream: Some(Stream::Feed(FeedFormat::IntelMqJsonLines)),
    encode: None,
};

fn detect(head: &[u8], hints: &Hints<'_>) -> bool {
    feed(head, hints) == Some(FeedFormat::IntelMqJsonLines)
}

/// The feed format of `head`, with the mapping file when there is one.
pub(crate) fn feed(head: &[u8], hints: &Hints<'_>) -> Option<FeedFormat> {
    match hints.mapping {
        Some(m) => c5hub_feeds::detect_with(head, m),
        None => c5hub_feeds::detect(head),
    }
}
