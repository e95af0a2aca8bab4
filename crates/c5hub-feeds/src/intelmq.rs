//! IntelMQ events as JSON lines: one JSON object per line, keys in IntelMQ's
//! harmonized names, flat (`"source.ip": ...`, IntelMQ's default file
//! output) or nested (`"source": {"ip": ...}`, its hierarchical output).
//!
//! Each line is parsed with a streaming visitor into two reused text
//! buffers (keys and values), never into a `serde_json::Value` map; nested
//! objects are flattened to dotted keys on the way. Numbers and booleans
//! become their JSON text, `null` is absent, arrays are kept as JSON text for
//! the id (an array in a mapped key is an error).

use std::fmt::{self, Write as _};
use std::io::BufRead;
use std::ops::Range;

use c5hub_model::{DocumentFormat, Incident};
use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::FeedOptions;
use crate::error::{RowError, RowErrorKind};
use crate::lines::LineReader;
use crate::mapping::Mapping;
use crate::row::{Context, Item, RowCache, build_incident, recycle};

/// Reads IntelMQ JSON lines: an iterator of one `Result` per non-blank line,
/// in order.
///
/// ```
/// use c5hub_feeds::{FeedOptions, IntelMqFeed, Mapping};
///
/// let line = r#"{"source.ip": "192.0.2.7", "classification.taxonomy": "malicious-code", "classification.type": "infected-system", "feed.name": "Sinkhole HTTP"}"#;
/// let mut rows = IntelMqFeed::new(line.as_bytes(), &Mapping::default(), &FeedOptions::default());
/// let incident = rows.next().unwrap()?;
/// assert_eq!(incident.id.name(), "sinkhole-http");
/// assert_eq!(incident.classification.unwrap().to_string(), "malicious-code/infected-system");
/// # Ok::<(), c5hub_feeds::RowError>(())
/// ```
pub struct IntelMqFeed<R> {
    lines: LineReader<R>,
    ctx: Context,
    collector: Collector,
    items: Vec<Item<'static>>,
    cache: RowCache,
    max_keys: usize,
    max_line_len: usize,
    done: bool,
}

impl<R: BufRead> IntelMqFeed<R> {
    /// Starts reading; nothing is read until the first `next`. The mapping's
    /// `columns` rename keys, its defaults (TLP, classification, feed name,
    /// time format) apply as for CSV; CSV-only settings are ignored.
    pub fn new(reader: R, mapping: &Mapping, options: &FeedOptions) -> Self {
        IntelMqFeed {
            lines: LineReader::new(reader, options.limits.max_line_len),
            ctx: Context::new(mapping, options, DocumentFormat::IntelMqJson, true),
            collector: Collector::default(),
            items: Vec::new(),
            cache: RowCache::default(),
            max_keys: options.limits.max_columns,
            max_line_len: options.limits.max_line_len,
            done: false,
        }
    }
}

impl<R: BufRead> Iterator for IntelMqFeed<R> {
    type Item = Result<Incident, RowError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let info = loop {
            match self.lines.next_line() {
                Ok(Some(info))
                    if self.lines.content().trim_ascii().is_empty() && !info.too_long => {}
                Ok(Some(info)) => break info,
                Ok(None) => {
                    self.done = true;
                    return None;
                }
                Err(e) => {
                    self.done = true;
                    return Some(Err(RowError::new(
                        self.lines.number() + 1,
                        None,
                        RowErrorKind::Io(e),
                        Vec::new(),
                    )));
                }
            }
        };
        let line = info.number;
        let content = self.lines.content();
        // The line as read: with the byte order mark that may start the
        // input, and its line break.
        let row = [info.bom, content, info.terminator].concat();
        let reject = |kind| RowError::new(line, None, kind, row.clone());
        if info.too_long {
            return Some(Err(reject(RowErrorKind::LineTooLong {
                max: self.max_line_len,
            })));
        }
        if content.trim_ascii_start().first() != Some(&b'{') {
            return Some(Err(reject(RowErrorKind::NotAnObject)));
        }
        self.collector.clear(self.max_keys);
        let mut de = serde_json::Deserializer::from_slice(content);
        let parsed = TopLevel(&mut self.collector)
            .deserialize(&mut de)
            .and_then(|()| de.end());
        if let Err(err) = parsed {
            if self.collector.overflow {
                return Some(Err(reject(RowErrorKind::TooManyKeys {
                    max: self.max_keys,
                })));
            }
            return Some(Err(reject(RowErrorKind::Json(json_message(&err)))));
        }
        let mut items = recycle(std::mem::take(&mut self.items));
        let collector = &self.collector;
        for entry in &collector.entries {
            let key = &collector.keys[entry.key.clone()];
            items.push(Item {
                target: self.ctx.mapping.key_target(key),
                label: key,
                value: &collector.values.as_bytes()[entry.value.clone()],
                scalar: entry.scalar,
            });
        }
        let result = build_incident(&self.ctx, &mut self.cache, &mut items, line, b"", &row);
        self.items = recycle(items);
        Some(result)
    }
}

/// serde_json's message without its `at line 1 column N` (every line is
/// line 1 to it), with the column in front instead.
fn json_message(err: &serde_json::Error) -> String {
    let mut message = err.to_string();
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    format!("column {}: {message}", err.column())
}

/// One key and its value, as ranges of the collector's buffers.
struct Entry {
    key: Range<usize>,
    value: Range<usize>,
    scalar: bool,
}

/// The keys and values of one line, flattened.
#[derive(Default)]
struct Collector {
    keys: String,
    values: String,
    entries: Vec<Entry>,
    /// The dotted path of the object being read, with a trailing `.`.
    prefix: String,
    max_keys: usize,
    overflow: bool,
}

impl Collector {
    fn clear(&mut self, max_keys: usize) {
        self.keys.clear();
        self.values.clear();
        self.entries.clear();
        self.prefix.clear();
        self.max_keys = max_keys;
        self.overflow = false;
    }

    fn push_value(&mut self, key: Range<usize>, value: impl FnOnce(&mut String), scalar: bool) {
        let start = self.values.len();
        value(&mut self.values);
        self.entries.push(Entry {
            key,
            value: start..self.values.len(),
            scalar,
        });
    }

    /// Reads the entries of an object at the current prefix.
    fn read_object<'de, A: MapAccess<'de>>(&mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed(self))? {
            if self.entries.len() >= self.max_keys {
                self.overflow = true;
                return Err(de::Error::custom("too many keys"));
            }
            map.next_value_seed(ValueSeed {
                collector: self,
                key,
            })?;
        }
        Ok(())
    }
}

/// The whole line: an object.
struct TopLevel<'c>(&'c mut Collector);

impl<'de> DeserializeSeed<'de> for TopLevel<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for TopLevel<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        self.0.read_object(map)
    }
}

/// A key: appended to the key buffer after the current prefix.
struct KeySeed<'c>(&'c mut Collector);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Range<usize>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Range<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a key")
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        let collector = self.0;
        let start = collector.keys.len();
        collector.keys.push_str(&collector.prefix);
        collector.keys.push_str(key);
        Ok(start..collector.keys.len())
    }
}

/// A value of the key `key`.
struct ValueSeed<'c> {
    collector: &'c mut Collector,
    key: Range<usize>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.collector
            .push_value(self.key, |out| out.push_str(v), true);
        Ok(())
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.collector.push_value(
            self.key,
            |out| out.push_str(if v { "true" } else { "false" }),
            true,
        );
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.collector.push_value(
            self.key,
            |out| {
                let _ = write!(out, "{v}");
            },
            true,
        );
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.collector.push_value(
            self.key,
            |out| {
                let _ = write!(out, "{v}");
            },
            true,
        );
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.collector.push_value(
            self.key,
            |out| {
                let _ = write!(out, "{v}");
            },
            true,
        );
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<(), A::Error> {
        // A nested object: its keys are this key, a dot, and theirs.
        let collector = self.collector;
        let saved = collector.prefix.len();
        collector.prefix.push_str(&collector.keys[self.key]);
        collector.prefix.push('.');
        let result = collector.read_object(map);
        collector.prefix.truncate(saved);
        result
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut elements = Vec::new();
        while let Some(element) = seq.next_element::<serde_json::Value>()? {
            elements.push(element);
        }
        let text = serde_json::to_string(&elements).map_err(de::Error::custom)?;
        self.collector
            .push_value(self.key, |out| out.push_str(&text), false);
        Ok(())
    }
}
