//! Telling a feed's format from its first bytes, before reading it.
//!
//! IODEF is not detected here (`c5hub-iodef` does that); a caller tries
//! IODEF first, then this.

use crate::FeedFormat;
use crate::csv_feed::{sniff_delimiter, split_line};
use crate::field::INTELMQ_NAMESPACES;
use crate::mapping::Mapping;

/// Most header columns looked at.
const MAX_DETECT_COLUMNS: usize = 1024;

/// Detects a feed's format from its first bytes (a prefix of the input is
/// enough; a line cut at the end of the prefix is read as far as it goes),
/// with the built-in header names. See [`detect_with`].
pub fn detect(first_bytes: &[u8]) -> Option<FeedFormat> {
    detect_with(first_bytes, &Mapping::default())
}

/// Detects a feed's format from its first bytes, knowing the header names
/// and layout (`skip_rows`, `comment_prefix`, `header`, `delimiter`) of a
/// mapping file.
///
/// - IntelMQ JSON lines: the first non-blank line is a JSON object with an
///   IntelMQ key: a dotted key in one of IntelMQ's namespaces (`source.ip`,
///   `classification.type`, `feed.name`, `time.source`, `extra.*`, ...),
///   `raw`, a key the mapping file maps, or a namespace holding an object
///   (`"source": {"ip": ...}`).
/// - CSV: the header line (after `skip_rows`, blank and comment lines),
///   split at the mapping's delimiter or the most frequent of `,` `;` tab
///   `|`, has a column the built-in table or the mapping file recognizes.
///   A feed whose mapping gives the `header` is CSV as soon as it has a
///   line.
///
/// `None` means neither: the caller quarantines the input or asks for a
/// format.
pub fn detect_with(first_bytes: &[u8], mapping: &Mapping) -> Option<FeedFormat> {
    let bytes = first_bytes
        .strip_prefix(b"\xEF\xBB\xBF")
        .unwrap_or(first_bytes);
    let lines = bytes
        .split(|&b| b == b'\n')
        .map(|line| line.strip_suffix(b"\r").unwrap_or(line));
    let first = lines.clone().find(|line| !line.trim_ascii().is_empty())?;
    if first.trim_ascii_start().starts_with(b"{") {
        return is_intelmq_line(first, mapping).then_some(FeedFormat::IntelMqJsonLines);
    }
    let comment = mapping.comment_prefix.as_deref().map(str::as_bytes);
    let mut records = lines.skip(mapping.skip_rows).filter(|line| {
        !line.trim_ascii().is_empty() && !comment.is_some_and(|c| line.starts_with(c))
    });
    let header = records.next()?;
    if mapping.header.is_some() {
        return Some(FeedFormat::Csv);
    }
    let delimiter = mapping.delimiter.unwrap_or_else(|| sniff_delimiter(header));
    let names = split_line(header, delimiter, MAX_DETECT_COLUMNS)?;
    names
        .iter()
        .any(|name| mapping.target(name).is_recognized())
        .then_some(FeedFormat::Csv)
}

/// Whether a line is a JSON object with an IntelMQ key.
fn is_intelmq_line(line: &[u8], mapping: &Mapping) -> bool {
    let is_key = |key: &str, value: Option<&serde_json::Value>| {
        INTELMQ_NAMESPACES.iter().any(|ns| key.starts_with(ns))
            || key == "raw"
            || mapping.maps(key)
            || value.is_some_and(serde_json::Value::is_object)
                && INTELMQ_NAMESPACES
                    .iter()
                    .any(|ns| ns.strip_suffix('.') == Some(key))
    };
    match serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(line) {
        Ok(object) => object.iter().any(|(key, value)| is_key(key, Some(value))),
        // Cut off by the end of the prefix: look for a quoted IntelMQ key.
        Err(err) if err.is_eof() => {
            let text = String::from_utf8_lossy(line);
            INTELMQ_NAMESPACES
                .iter()
                .any(|ns| text.contains(&format!("\"{ns}")))
                || text.contains("\"raw\"")
        }
        Err(_) => false,
    }
}
