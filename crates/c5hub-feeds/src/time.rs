//! Times in feeds, read into UTC.
//!
//! Without a `time_format`, a value is read as one of: RFC 3339 and the
//! common ISO 8601 variants (`2024-05-01T12:00:00Z`, a space instead of
//! `T`, fractions of seconds, `+02:00` / `+0200` / `+02` / `UTC` / no zone,
//! a date alone meaning midnight), RFC 2822 (`Wed, 01 May 2024 12:00:00
//! +0000`), or unix time (seconds, 9 to 11 digits with an optional
//! fraction; 12 or 13 digits are milliseconds). A value without a zone is UTC. With a
//! `time_format` (strftime, as chrono reads it), that format is tried first
//! and the formats above after it.

use chrono::format::{Item, Parsed, StrftimeItems};
use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};

/// A strftime format from a mapping file, parsed once.
#[derive(Debug, Clone)]
pub(crate) struct TimeFormat {
    pub(crate) text: String,
    items: Vec<Item<'static>>,
}

impl TimeFormat {
    /// Parses a strftime format; `None` when chrono does not accept it.
    pub(crate) fn new(text: &str) -> Option<TimeFormat> {
        let items = StrftimeItems::new(text).parse_to_owned().ok()?;
        Some(TimeFormat {
            text: text.to_owned(),
            items,
        })
    }

    fn parse(&self, text: &str) -> Option<DateTime<Utc>> {
        let mut parsed = Parsed::new();
        chrono::format::parse(&mut parsed, text, self.items.iter()).ok()?;
        if let Ok(at) = parsed.to_datetime() {
            return Some(at.with_timezone(&Utc));
        }
        if let Ok(at) = parsed.to_naive_datetime_with_offset(0) {
            return Some(at.and_utc());
        }
        parsed
            .to_naive_date()
            .ok()
            .map(|date| date.and_time(NaiveTime::MIN).and_utc())
    }
}

/// Reads a time, with the mapping's format first if there is one.
pub(crate) fn parse_time(text: &str, format: Option<&TimeFormat>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Some(at) = format.and_then(|f| f.parse(text)) {
        return Some(at);
    }
    parse_auto(text)
}

fn parse_auto(text: &str) -> Option<DateTime<Utc>> {
    if text.bytes().next().is_some_and(|b| b.is_ascii_digit()) {
        if let Some(at) = parse_unix(text) {
            return Some(at);
        }
        if let Some(at) = parse_iso(text.as_bytes()) {
            return Some(at);
        }
    }
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

/// Unix seconds (`1714564800`, `1714564800.25`; 9 to 11 digits, so that a
/// compact date such as `20240501` is never taken for one) or milliseconds
/// (12 or 13 digits, no fraction).
fn parse_unix(text: &str) -> Option<DateTime<Utc>> {
    let (whole, fraction) = match text.split_once('.') {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole)
        || !(9..=13).contains(&whole.len())
        || fraction.is_some_and(|f| !digits(f) || f.len() > 9)
    {
        return None;
    }
    let number: i64 = whole.parse().ok()?;
    if whole.len() >= 12 {
        if fraction.is_some() {
            return None;
        }
        return DateTime::from_timestamp_millis(number);
    }
    let nanos = match fraction {
        Some(f) => f.parse::<u32>().ok()? * 10u32.pow(9 - f.len() as u32),
        None => 0,
    };
    DateTime::from_timestamp(number, nanos)
}

/// `YYYY-MM-DD[(T| )HH:MM[:SS[(.|,)F]]][ ][Z|UTC|GMT|(+|-)HH[[:]MM]]`.
fn parse_iso(b: &[u8]) -> Option<DateTime<Utc>> {
    let mut cursor = Cursor { b, pos: 0 };
    let year = cursor.digits(4)? as i32;
    cursor.expect(b'-')?;
    let month = cursor.digits(2)?;
    cursor.expect(b'-')?;
    let day = cursor.digits(2)?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if cursor.at_end() {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    match cursor.next()? {
        b'T' | b't' | b' ' => {}
        _ => return None,
    }
    let hour = cursor.digits(2)?;
    cursor.expect(b':')?;
    let minute = cursor.digits(2)?;
    let mut second = 0;
    let mut nanos = 0;
    if cursor.peek() == Some(b':') {
        cursor.pos += 1;
        second = cursor.digits(2)?;
        if matches!(cursor.peek(), Some(b'.' | b',')) {
            cursor.pos += 1;
            let start = cursor.pos;
            while cursor.peek().is_some_and(|b| b.is_ascii_digit()) {
                cursor.pos += 1;
            }
            let fraction = &b[start..cursor.pos];
            if fraction.is_empty() {
                return None;
            }
            // Nanosecond precision; further digits are dropped.
            for i in 0..9 {
                nanos = nanos * 10 + fraction.get(i).map_or(0, |d| u32::from(d - b'0'));
            }
        }
    }
    if second > 59 {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let local = date.and_time(time);
    if cursor.peek() == Some(b' ') {
        cursor.pos += 1;
    }
    let offset_seconds = match cursor.rest() {
        b"" | b"Z" | b"z" | b"UTC" | b"GMT" => 0,
        rest => {
            let sign = match rest.first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            cursor.pos += 1;
            let hours = cursor.digits(2)? as i32;
            let minutes = if cursor.at_end() {
                0
            } else {
                if cursor.peek() == Some(b':') {
                    cursor.pos += 1;
                }
                cursor.digits(2)? as i32
            };
            if !cursor.at_end() || hours > 23 || minutes > 59 {
                return None;
            }
            sign * (hours * 3600 + minutes * 60)
        }
    };
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.pos += 1;
        Some(b)
    }

    fn at_end(&self) -> bool {
        self.pos >= self.b.len()
    }

    fn rest(&self) -> &[u8] {
        self.b.get(self.pos..).unwrap_or_default()
    }

    fn expect(&mut self, want: u8) -> Option<()> {
        (self.next()? == want).then_some(())
    }

    fn digits(&mut self, n: usize) -> Option<u32> {
        let digits = self.b.get(self.pos..self.pos + n)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += n;
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, format: Option<&str>, expected: Option<&str>) {
        let format = format.map(|f| TimeFormat::new(f).expect("valid format"));
        let got = parse_time(input, format.as_ref()).map(|at| at.to_rfc3339());
        assert_eq!(
            got.as_deref(),
            expected,
            "parse_time({input:?}, {format:?})"
        );
    }

    #[test]
    fn automatic() {
        let noon = Some("2024-05-01T12:00:00+00:00");
        check("2024-05-01T12:00:00Z", None, noon);
        check("2024-05-01T12:00:00+00:00", None, noon);
        check("2024-05-01T14:00:00+02:00", None, noon);
        check("2024-05-01T14:00:00+0200", None, noon);
        check("2024-05-01T14:00:00+02", None, noon);
        check("2024-05-01T08:30:00-03:30", None, noon);
        check("2024-05-01 12:00:00", None, noon);
        check("2024-05-01 12:00", None, noon);
        check("2024-05-01 12:00:00 UTC", None, noon);
        check(" 2024-05-01t12:00:00z ", None, noon);
        check("1714564800", None, noon);
        check("1714564800000", None, noon);
        check("Wed, 01 May 2024 12:00:00 +0000", None, noon);
        check(
            "2024-05-01T12:00:00.123456789123Z",
            None,
            Some("2024-05-01T12:00:00.123456789+00:00"),
        );
        check(
            "2024-05-01T12:00:00,5",
            None,
            Some("2024-05-01T12:00:00.500+00:00"),
        );
        check("1714564800.25", None, Some("2024-05-01T12:00:00.250+00:00"));
        check("2024-05-01", None, Some("2024-05-01T00:00:00+00:00"));
    }

    #[test]
    fn automatic_rejects() {
        for bad in [
            "",
            "yesterday",
            "2024-13-01",
            "2024-02-30",
            "2024-05-01T25:00:00Z",
            "2024-05-01T12:00:60Z",
            "2024-05-01T12:00:00+24:00",
            "2024-05-01T12:00:00 CEST",
            "2024-05-01T12:00:00.Z",
            "2024-05-01X12:00",
            "1714564800.",
            "17145648001234",
            "99999999999999999999",
            "01/05/2024",
            "20240501",
            "2024",
        ] {
            check(bad, None, None);
        }
    }

    #[test]
    fn with_format() {
        let noon = Some("2024-05-01T12:00:00+00:00");
        check("01/05/2024 12:00", Some("%d/%m/%Y %H:%M"), noon);
        check("01/05/2024 14:00 +0200", Some("%d/%m/%Y %H:%M %z"), noon);
        check(
            "01.05.2024",
            Some("%d.%m.%Y"),
            Some("2024-05-01T00:00:00+00:00"),
        );
        // The automatic formats still apply after the mapping's.
        check("2024-05-01T12:00:00Z", Some("%d/%m/%Y %H:%M"), noon);
        check("31/02/2024 12:00", Some("%d/%m/%Y %H:%M"), None);
        assert!(TimeFormat::new("%Q").is_none());
    }
}
