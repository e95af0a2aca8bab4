//! Mapping files: how to read a feed whose headers, delimiter, time format or
//! defaults the built-in rules do not cover.
//!
//! A mapping file is TOML ([`MappingFile`], every field documented there and
//! in the README); unknown keys are refused so a typo never silently does
//! nothing. [`Mapping::from_toml`] checks every value once, up front, and
//! gives a [`Mapping`], which the readers consult per header, never per row.

use std::collections::BTreeMap;

use c5hub_model::{RsitClass, Tlp};
use serde::Deserialize;

use crate::classify;
use crate::error::MappingError;
use crate::field::{self, ColumnTarget, Field};
use crate::time::TimeFormat;

/// A mapping file as written. Every field is optional.
///
/// ```toml
/// description = "Sinkhole report of Example CERT"
/// delimiter = ";"
/// skip_rows = 2
/// time_format = "%d/%m/%Y %H:%M:%S"
/// feed_name = "Example Sinkhole"
/// classification = "malicious-code/infected-system"
/// tlp = "amber"
///
/// [columns]
/// "Infected Host" = "source.ip"
/// "Seen" = "time.source"
/// "Download Time" = "ignore"
/// ```
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    /// What the mapping is for, for people; not used when reading.
    pub description: Option<String>,
    /// The CSV field delimiter: one ASCII character such as `","`, `";"`,
    /// `"\t"` or `"|"`. Default: whichever of those four occurs most often
    /// in the header line (`,` for feeds without a header line).
    pub delimiter: Option<String>,
    /// How many lines to skip before the header line (a preamble, a title).
    /// Default 0. Blank lines before the header are skipped anyway.
    #[serde(default)]
    pub skip_rows: usize,
    /// Lines that start with this text are skipped, before the header and
    /// between rows (e.g. `"#"`). Default: none.
    pub comment_prefix: Option<String>,
    /// The column names of a feed that has no header line, in order (e.g.
    /// `["source.ip", "time.source"]`); the first line is then a row. Names
    /// go through `columns` and the built-in table like a header would.
    pub header: Option<Vec<String>>,
    /// Whether quoted fields may contain line breaks. Default false: a
    /// quote left open is then an error on its own line, instead of
    /// swallowing the lines after it.
    #[serde(default)]
    pub quoted_newlines: bool,
    /// How times are written, as a strftime format (`%d/%m/%Y %H:%M`), for
    /// all time columns. Times without a zone are UTC. Values that do not
    /// match it are still tried as RFC 3339, ISO 8601, RFC 2822 and unix
    /// time. Default: only those.
    pub time_format: Option<String>,
    /// The feed's name, for rows that do not carry `feed.name`: the
    /// incident title, and the global id's name unless the caller gives
    /// one (made id-safe: `Example Sinkhole` becomes `example-sinkhole`).
    pub feed_name: Option<String>,
    /// The class of rows that carry no classification: an RSIT class
    /// (`malicious-code/infected-system`, `rsit:fraud="phishing"`), an
    /// IntelMQ `taxonomy/type` or an IntelMQ type alone (`c2server`).
    pub classification: Option<String>,
    /// The TLP of rows without a `tlp` column (`clear`, `green`, `amber`,
    /// `amber+strict`, `red`, with or without `TLP:`); a TLP given by the
    /// caller overrides it. Default: TLP:AMBER.
    pub tlp: Option<String>,
    /// Header name → field: a harmonized name (`source.ip`, `time.source`,
    /// ... see the README), `extra.NAME` to keep a column as extra data, or
    /// `ignore` to also leave it out of the row's id. Header names match
    /// ignoring case and surrounding spaces; these entries win over the
    /// built-in table.
    #[serde(default)]
    pub columns: BTreeMap<String, String>,
}

/// A checked mapping: the built-in rules ([`Mapping::default`]) or a mapping
/// file read with [`Mapping::from_toml`].
#[derive(Debug, Clone, Default)]
pub struct Mapping {
    pub(crate) delimiter: Option<u8>,
    pub(crate) skip_rows: usize,
    pub(crate) comment_prefix: Option<String>,
    pub(crate) header: Option<Vec<String>>,
    pub(crate) quoted_newlines: bool,
    pub(crate) time_format: Option<TimeFormat>,
    pub(crate) feed_name: Option<String>,
    pub(crate) classification: Option<RsitClass>,
    pub(crate) tlp: Option<Tlp>,
    /// (header trimmed and lowercased, target).
    columns: Vec<(String, ColumnTarget)>,
}

impl Mapping {
    /// Reads and checks a mapping file.
    pub fn from_toml(text: &str) -> Result<Mapping, MappingError> {
        let file: MappingFile = toml::from_str(text).map_err(|e| MappingError::toml(&e))?;
        Mapping::try_from(file)
    }

    /// The target of a CSV header: the mapping file's `columns` first, then
    /// the built-in table.
    pub fn target(&self, header: &str) -> ColumnTarget {
        self.mapped(header)
            .unwrap_or_else(|| field::builtin_target(header))
    }

    /// The target of an IntelMQ JSON key: the mapping file's `columns`
    /// first, then IntelMQ's names, then the built-in table.
    pub fn key_target(&self, key: &str) -> ColumnTarget {
        self.mapped(key)
            .unwrap_or_else(|| field::builtin_key_target(key))
    }

    /// Whether the mapping file's `columns` name this header or key.
    pub(crate) fn maps(&self, header: &str) -> bool {
        self.mapped(header).is_some()
    }

    fn mapped(&self, header: &str) -> Option<ColumnTarget> {
        if self.columns.is_empty() {
            return None;
        }
        let header = header.trim();
        self.columns
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(header))
            .map(|&(_, target)| target)
    }

    /// The default TLP of the mapping file, if it sets one.
    pub fn tlp(&self) -> Option<Tlp> {
        self.tlp
    }

    /// The default classification of the mapping file, if it sets one.
    pub fn classification(&self) -> Option<RsitClass> {
        self.classification
    }

    /// The feed name of the mapping file, if it sets one.
    pub fn feed_name(&self) -> Option<&str> {
        self.feed_name.as_deref()
    }
}

impl TryFrom<MappingFile> for Mapping {
    type Error = MappingError;

    /// Checks every value of a mapping file.
    fn try_from(file: MappingFile) -> Result<Mapping, MappingError> {
        let delimiter = match file.delimiter.as_deref() {
            None => None,
            Some(text) => match text.as_bytes() {
                [b] if b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r') => Some(*b),
                _ => {
                    return Err(MappingError::new(
                        "delimiter",
                        format!(
                            "{text:?} is not one ASCII character other than a quote or a line break"
                        ),
                    ));
                }
            },
        };
        let comment_prefix = match file.comment_prefix {
            Some(prefix) if prefix.is_empty() => {
                return Err(MappingError::new("comment_prefix", "is empty"));
            }
            prefix => prefix,
        };
        if let Some(header) = &file.header {
            if header.is_empty() {
                return Err(MappingError::new("header", "is empty"));
            }
        }
        let time_format = match file.time_format.as_deref() {
            None => None,
            Some(text) => Some(TimeFormat::new(text).ok_or_else(|| {
                MappingError::new(
                    "time_format",
                    format!("{text:?} is not a valid strftime format"),
                )
            })?),
        };
        if let Some(name) = &file.feed_name {
            if name.trim().is_empty() || name.chars().any(char::is_control) {
                return Err(MappingError::new(
                    "feed_name",
                    "is empty or holds control characters",
                ));
            }
        }
        let classification = match file.classification.as_deref() {
            None => None,
            Some(text) => Some(classify::parse_default(text).ok_or_else(|| {
                MappingError::new(
                    "classification",
                    format!(
                        "{text:?} is not an RSIT class, an IntelMQ taxonomy/type or an IntelMQ type"
                    ),
                )
            })?),
        };
        let tlp = match file.tlp.as_deref() {
            None => None,
            Some(text) => Some(
                text.parse::<Tlp>()
                    .map_err(|e| MappingError::new("tlp", e))?,
            ),
        };
        let mut columns = Vec::with_capacity(file.columns.len());
        for (header, target_name) in &file.columns {
            let target = field::parse_target(target_name).ok_or_else(|| {
                let known: Vec<&str> = Field::ALL.iter().map(|f| f.name()).collect();
                MappingError::new(
                    &format!("columns.{header:?}"),
                    format!(
                        "{target_name:?} is not a field; use one of {}, extra.NAME or ignore",
                        known.join(", ")
                    ),
                )
            })?;
            let key = header.trim().to_owned();
            if columns
                .iter()
                .any(|(name, _): &(String, ColumnTarget)| name.eq_ignore_ascii_case(&key))
            {
                return Err(MappingError::new(
                    &format!("columns.{header:?}"),
                    "names the same header as another entry",
                ));
            }
            columns.push((key, target));
        }
        Ok(Mapping {
            delimiter,
            skip_rows: file.skip_rows,
            comment_prefix,
            header: file.header,
            quoted_newlines: file.quoted_newlines,
            time_format,
            feed_name: file.feed_name.map(|n| n.trim().to_owned()),
            classification,
            tlp,
            columns,
        })
    }
}
