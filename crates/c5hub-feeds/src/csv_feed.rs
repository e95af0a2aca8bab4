//! CSV feeds: a header line naming the columns, then one incident per row.
//!
//! The reader works line by line: each physical line is one record, parsed
//! by `csv-core` (quotes, doubled quotes, any one-byte delimiter). A quote
//! left open is an error on that line alone, unless the mapping allows line
//! breaks in quoted fields; then the record continues on the next lines, up
//! to the length limit. Header names are resolved to fields once; rows are
//! parsed into one reused buffer, with no per-row maps.

use std::io::BufRead;

use c5hub_model::{DocumentFormat, Incident};
use csv_core::{ReadRecordResult, Reader, ReaderBuilder, Terminator};

use crate::FeedOptions;
use crate::error::{RowError, RowErrorKind};
use crate::field::ColumnTarget;
use crate::lines::{LineInfo, LineReader};
use crate::mapping::Mapping;
use crate::row::{Context, Item, RowCache, build_incident, recycle};

/// The delimiters tried when the mapping does not set one, in order of
/// preference on a tie.
pub(crate) const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A column of a CSV feed and what it was mapped to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header name as written (trimmed).
    pub header: String,
    /// What the column becomes.
    pub target: ColumnTarget,
}

/// Reads a CSV feed: an iterator of one `Result` per row, in order.
///
/// ```
/// use c5hub_feeds::{CsvFeed, FeedOptions, Mapping};
///
/// let feed = "ip,timestamp,type\n192.0.2.7,2024-05-01T12:00:00Z,scanner\n300.1.2.3,2024-05-01T12:00:00Z,scanner\n";
/// let mut rows = CsvFeed::new(feed.as_bytes(), &Mapping::default(), &FeedOptions::default())?;
/// let incident = rows.next().unwrap()?;
/// assert_eq!(incident.classification.unwrap().to_string(), "information-gathering/scanner");
/// assert_eq!(incident.observables[0].observable.value(), "192.0.2.7");
/// let error = rows.next().unwrap().unwrap_err();
/// assert_eq!(error.to_string(), r#"line 3, column ip: invalid IP address "300.1.2.3": not an IP address"#);
/// assert!(rows.next().is_none());
/// # Ok::<(), c5hub_feeds::RowError>(())
/// ```
pub struct CsvFeed<R> {
    lines: LineReader<R>,
    ctx: Context,
    core: Reader,
    columns: Vec<Column>,
    /// Header names for messages: `#N` where the header is empty.
    labels: Vec<String>,
    header_bytes: Vec<u8>,
    /// The current record's bytes as read, line breaks included.
    raw: Vec<u8>,
    /// The current record's unquoted fields, back to back.
    fields: Vec<u8>,
    /// Where each field of the current record ends in `fields`.
    ends: Vec<usize>,
    field_count: usize,
    record_line: u64,
    items: Vec<Item<'static>>,
    cache: RowCache,
    max_line_len: usize,
    done: bool,
}

/// How feeding bytes to the record parser ended.
enum Fed {
    /// The record is complete.
    Record,
    /// All input was used and the record is not complete: after a line's
    /// content, the line break is still to come; after the line break, a
    /// quoted field is open.
    NeedMore,
    /// The record has more fields than the limit.
    TooManyFields,
}

impl<R: BufRead> CsvFeed<R> {
    /// Reads up to and including the header line (or takes the mapping's
    /// `header`), resolving every column. Fails when there is no header,
    /// or the header line is too long, has too many columns or cannot be
    /// read.
    pub fn new(reader: R, mapping: &Mapping, options: &FeedOptions) -> Result<Self, RowError> {
        let limits = options.limits;
        let mut feed = CsvFeed {
            lines: LineReader::new(reader, limits.max_line_len),
            ctx: Context::new(mapping, options, DocumentFormat::Csv, false),
            core: Reader::new(),
            columns: Vec::new(),
            labels: Vec::new(),
            header_bytes: Vec::new(),
            raw: Vec::new(),
            fields: Vec::new(),
            ends: vec![0; limits.max_columns.max(1)],
            field_count: 0,
            record_line: 0,
            items: Vec::new(),
            cache: RowCache::default(),
            max_line_len: limits.max_line_len,
            done: false,
        };
        for _ in 0..mapping.skip_rows {
            match feed.lines.next_line() {
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(e) => return Err(feed.io_error(e)),
            }
        }
        let names: Vec<String> = match &mapping.header {
            Some(names) => {
                let delimiter = mapping.delimiter.unwrap_or(b',');
                feed.core = record_reader(delimiter);
                if names.len() > limits.max_columns {
                    return Err(RowError::new(
                        0,
                        None,
                        RowErrorKind::TooManyColumns {
                            max: limits.max_columns,
                        },
                        Vec::new(),
                    ));
                }
                feed.header_bytes = synthetic_header(names, delimiter);
                names.iter().map(|n| n.trim().to_owned()).collect()
            }
            None => {
                match feed.first_line_of_record() {
                    Ok(Some(_)) => {}
                    Ok(None) => {
                        return Err(RowError::new(
                            feed.lines.number().max(1),
                            None,
                            RowErrorKind::NoHeader,
                            Vec::new(),
                        ));
                    }
                    Err(e) => return Err(*e),
                }
                let delimiter = mapping
                    .delimiter
                    .unwrap_or_else(|| sniff_delimiter(feed.lines.content()));
                feed.core = record_reader(delimiter);
                feed.parse_record()?;
                feed.header_bytes = std::mem::take(&mut feed.raw);
                (0..feed.field_count)
                    .map(|i| String::from_utf8_lossy(feed.field(i)).trim().to_owned())
                    .collect()
            }
        };
        for (i, name) in names.into_iter().enumerate() {
            let target = mapping.target(&name);
            feed.labels.push(if name.is_empty() {
                format!("#{}", i + 1)
            } else {
                name.clone()
            });
            feed.columns.push(Column {
                header: name,
                target,
            });
        }
        Ok(feed)
    }

    /// The columns, in order, with what each was mapped to.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The header line as read (with its line break), or the line made from
    /// the mapping's `header`. Every incident's original document starts
    /// with it, so each row is self-describing.
    pub fn header_bytes(&self) -> &[u8] {
        &self.header_bytes
    }

    fn io_error(&self, err: std::io::Error) -> RowError {
        RowError::new(
            self.lines.number() + 1,
            None,
            RowErrorKind::Io(err),
            Vec::new(),
        )
    }

    fn field(&self, i: usize) -> &[u8] {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.fields[start..self.ends[i]]
    }

    /// Reads lines up to the first of a record: not blank, not a comment,
    /// not too long. The line is then in `self.lines.content()`.
    fn first_line_of_record(&mut self) -> Result<Option<LineInfo>, Box<RowError>> {
        loop {
            let info = match self.lines.next_line() {
                Ok(Some(info)) => info,
                Ok(None) => return Ok(None),
                Err(e) => return Err(Box::new(self.io_error(e))),
            };
            let content = self.lines.content();
            if info.too_long {
                return Err(Box::new(RowError::new(
                    info.number,
                    None,
                    RowErrorKind::LineTooLong {
                        max: self.max_line_len,
                    },
                    [info.bom, content].concat(),
                )));
            }
            if content.trim_ascii().is_empty() {
                continue;
            }
            if let Some(prefix) = &self.ctx.mapping.comment_prefix {
                if content.starts_with(prefix.as_bytes()) {
                    continue;
                }
            }
            self.record_line = info.number;
            self.raw.clear();
            self.raw.extend_from_slice(info.bom);
            self.raw.extend_from_slice(content);
            self.raw.extend_from_slice(info.terminator);
            return Ok(Some(info));
        }
    }

    /// Parses the record whose first line `first_line_of_record` just read,
    /// reading more lines if quoted line breaks are allowed.
    fn parse_record(&mut self) -> Result<(), RowError> {
        self.core.reset();
        let mut out_len = 0;
        let mut ends_len = 0;
        let reject =
            |feed: &Self, kind| RowError::new(feed.record_line, None, kind, feed.raw.clone());
        loop {
            let content = self.lines.content();
            let mut fed = feed(
                &mut self.core,
                content,
                &mut self.fields,
                &mut out_len,
                &mut self.ends,
                &mut ends_len,
            );
            if matches!(fed, Fed::NeedMore) {
                fed = feed(
                    &mut self.core,
                    b"\n",
                    &mut self.fields,
                    &mut out_len,
                    &mut self.ends,
                    &mut ends_len,
                );
            }
            match fed {
                Fed::Record => {
                    self.field_count = ends_len;
                    return Ok(());
                }
                Fed::TooManyFields => {
                    return Err(reject(
                        self,
                        RowErrorKind::TooManyColumns {
                            max: self.ends.len(),
                        },
                    ));
                }
                Fed::NeedMore if !self.ctx.mapping.quoted_newlines => {
                    return Err(reject(
                        self,
                        RowErrorKind::UnterminatedQuote { at_end: false },
                    ));
                }
                Fed::NeedMore => {}
            }
            // The record goes on on the next line.
            match self.lines.next_line() {
                Ok(Some(info)) => {
                    let content = self.lines.content();
                    if info.too_long || self.raw.len() + content.len() > self.max_line_len {
                        return Err(reject(
                            self,
                            RowErrorKind::LineTooLong {
                                max: self.max_line_len,
                            },
                        ));
                    }
                    self.raw.extend_from_slice(content);
                    self.raw.extend_from_slice(info.terminator);
                }
                Ok(None) => {
                    return Err(reject(
                        self,
                        RowErrorKind::UnterminatedQuote { at_end: true },
                    ));
                }
                Err(e) => return Err(self.io_error(e)),
            }
        }
    }

    /// Reads the next record; `None` at the end of the input.
    fn next_record(&mut self) -> Option<Result<(), RowError>> {
        match self.first_line_of_record() {
            Ok(Some(_)) => Some(self.parse_record()),
            Ok(None) => None,
            Err(e) => Some(Err(*e)),
        }
    }
}

impl<R: BufRead> Iterator for CsvFeed<R> {
    type Item = Result<Incident, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        loop {
            match self.next_record() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(err)) => {
                    if matches!(err.kind(), RowErrorKind::Io(_)) {
                        self.done = true;
                    }
                    return Some(Err(err));
                }
                // A row of empty fields (`,,,`, as spreadsheets export) says
                // nothing: skipped like a blank line.
                Some(Ok(()))
                    if self.fields[..self.ends[self.field_count.max(1) - 1]]
                        .trim_ascii()
                        .is_empty() => {}
                Some(Ok(())) => break,
            }
        }
        if self.field_count > self.columns.len() {
            return Some(Err(RowError::new(
                self.record_line,
                None,
                RowErrorKind::TooManyFields {
                    found: self.field_count,
                    expected: self.columns.len(),
                },
                self.raw.clone(),
            )));
        }
        let mut items = recycle(std::mem::take(&mut self.items));
        let mut start = 0;
        for (i, &end) in self.ends[..self.field_count].iter().enumerate() {
            items.push(Item {
                target: self.columns[i].target,
                label: &self.labels[i],
                value: &self.fields[start..end],
                scalar: true,
            });
            start = end;
        }
        let result = build_incident(
            &self.ctx,
            &mut self.cache,
            &mut items,
            self.record_line,
            &self.header_bytes,
            &self.raw,
        );
        self.items = recycle(items);
        Some(result)
    }
}

/// A record parser for one-line records: only `\n` ends a record (the line
/// reader has already taken `\r\n` apart), `"` quotes, `""` escapes a quote.
fn record_reader(delimiter: u8) -> Reader {
    ReaderBuilder::new()
        .delimiter(delimiter)
        .terminator(Terminator::Any(b'\n'))
        .quote(b'"')
        .double_quote(true)
        .build()
}

/// Feeds `input` to the record parser, growing the field buffer as needed.
fn feed(
    core: &mut Reader,
    mut input: &[u8],
    out: &mut Vec<u8>,
    out_len: &mut usize,
    ends: &mut [usize],
    ends_len: &mut usize,
) -> Fed {
    loop {
        // Unquoted output is never longer than its input.
        if out.len() < *out_len + input.len() + 1 {
            out.resize(*out_len + input.len() + 1, 0);
        }
        let (result, read, written, ended) =
            core.read_record(input, &mut out[*out_len..], &mut ends[*ends_len..]);
        input = &input[read..];
        *out_len += written;
        *ends_len += ended;
        match result {
            ReadRecordResult::InputEmpty => return Fed::NeedMore,
            ReadRecordResult::OutputFull => {
                let grown = out.len() * 2 + 64;
                out.resize(grown, 0);
            }
            ReadRecordResult::OutputEndsFull => return Fed::TooManyFields,
            ReadRecordResult::Record | ReadRecordResult::End => return Fed::Record,
        }
    }
}

/// The most frequent of [`DELIMITERS`] outside quotes in a header line
/// (`,` when none occurs).
pub(crate) fn sniff_delimiter(line: &[u8]) -> u8 {
    let mut counts = [0usize; DELIMITERS.len()];
    let mut quoted = false;
    for &b in line {
        if b == b'"' {
            quoted = !quoted;
        } else if !quoted {
            if let Some(i) = DELIMITERS.iter().position(|&d| d == b) {
                counts[i] += 1;
            }
        }
    }
    let mut best = 0;
    for i in 1..DELIMITERS.len() {
        if counts[i] > counts[best] {
            best = i;
        }
    }
    DELIMITERS[best]
}

/// A header line from the mapping's `header` names, quoted where needed.
fn synthetic_header(names: &[String], delimiter: u8) -> Vec<u8> {
    let mut line = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            line.push(delimiter);
        }
        let name = name.trim().as_bytes();
        if name
            .iter()
            .any(|&b| b == delimiter || matches!(b, b'"' | b'\n' | b'\r'))
        {
            line.push(b'"');
            for &b in name {
                if b == b'"' {
                    line.push(b'"');
                }
                line.push(b);
            }
            line.push(b'"');
        } else {
            line.extend_from_slice(name);
        }
    }
    line.push(b'\n');
    line
}

/// Splits one line into its (unquoted, trimmed) fields, for format
/// detection; `None` when it has more than `max_fields` fields or a quote
/// left open.
pub(crate) fn split_line(line: &[u8], delimiter: u8, max_fields: usize) -> Option<Vec<String>> {
    let mut core = record_reader(delimiter);
    let mut out = Vec::new();
    let mut out_len = 0;
    let mut ends = vec![0; max_fields.max(1)];
    let mut ends_len = 0;
    let mut fed = feed(
        &mut core,
        line,
        &mut out,
        &mut out_len,
        &mut ends,
        &mut ends_len,
    );
    if matches!(fed, Fed::NeedMore) {
        fed = feed(
            &mut core,
            b"\n",
            &mut out,
            &mut out_len,
            &mut ends,
            &mut ends_len,
        );
    }
    if !matches!(fed, Fed::Record) {
        return None;
    }
    let mut start = 0;
    Some(
        ends[..ends_len]
            .iter()
            .map(|&end| {
                let field = String::from_utf8_lossy(&out[start..end]).trim().to_owned();
                start = end;
                field
            })
            .collect(),
    )
}
