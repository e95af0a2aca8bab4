//! Physical lines of an input, with a length limit that holds while reading:
//! an over-long line is consumed to its end but never buffered past the
//! limit, so one endless line cannot exhaust memory.

use std::io::{self, BufRead};

/// The UTF-8 byte order mark.
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// One line read by [`LineReader::next_line`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LineInfo {
    /// The line number, from 1.
    pub(crate) number: u64,
    /// The line break that ended it: `"\n"`, `"\r\n"` or `""` at the end of
    /// the input.
    pub(crate) terminator: &'static [u8],
    /// Whether the line was longer than the limit; the content then holds
    /// only its first `limit` bytes.
    pub(crate) too_long: bool,
    /// The UTF-8 byte order mark that started the input, taken off this
    /// line's content (empty on every other line). Callers put it back in
    /// front of the bytes they keep, so a kept line is exactly what was
    /// read.
    pub(crate) bom: &'static [u8],
}

/// Reads lines from a [`BufRead`] into one reused buffer.
pub(crate) struct LineReader<R> {
    inner: R,
    content: Vec<u8>,
    number: u64,
    max_len: usize,
    eof: bool,
}

impl<R: BufRead> LineReader<R> {
    pub(crate) fn new(inner: R, max_len: usize) -> Self {
        LineReader {
            inner,
            content: Vec::new(),
            number: 0,
            max_len,
            eof: false,
        }
    }

    /// The number of the last line read (0 before the first).
    pub(crate) fn number(&self) -> u64 {
        self.number
    }

    /// The content of the last line read, without its line break (and
    /// without a UTF-8 byte order mark on line 1).
    pub(crate) fn content(&self) -> &[u8] {
        &self.content
    }

    /// Reads the next line; `Ok(None)` at the end of the input.
    pub(crate) fn next_line(&mut self) -> io::Result<Option<LineInfo>> {
        self.content.clear();
        if self.eof {
            return Ok(None);
        }
        let mut seen = 0usize;
        let mut terminated = false;
        loop {
            let available = match self.inner.fill_buf() {
                Ok(bytes) => bytes,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if available.is_empty() {
                self.eof = true;
                break;
            }
            let (chunk, used) = match memchr::memchr(b'\n', available) {
                Some(i) => {
                    terminated = true;
                    (&available[..i], i + 1)
                }
                None => (available, available.len()),
            };
            // Keep a few bytes past the limit, so that a byte order mark and
            // a trailing '\r', which do not count, can still be told apart
            // from content.
            let room = (self.max_len + 4).saturating_sub(self.content.len());
            self.content
                .extend_from_slice(&chunk[..chunk.len().min(room)]);
            seen += chunk.len();
            self.inner.consume(used);
            if terminated {
                break;
            }
        }
        if seen == 0 && !terminated {
            return Ok(None);
        }
        self.number += 1;
        let mut terminator: &'static [u8] = if terminated { b"\n" } else { b"" };
        if self.content.last() == Some(&b'\r') && seen == self.content.len() {
            self.content.pop();
            seen -= 1;
            if terminated {
                terminator = b"\r\n";
            }
        }
        let mut bom: &'static [u8] = b"";
        if self.number == 1 && self.content.starts_with(BOM) {
            self.content.drain(..3);
            seen -= 3;
            bom = BOM;
        }
        let too_long = seen > self.max_len;
        self.content.truncate(self.max_len);
        Ok(Some(LineInfo {
            number: self.number,
            terminator,
            too_long,
            bom,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8], max: usize) -> Vec<(u64, String, &'static str, bool)> {
        let mut reader = LineReader::new(input, max);
        let mut out = Vec::new();
        while let Some(info) = reader.next_line().expect("in memory") {
            out.push((
                info.number,
                String::from_utf8_lossy(reader.content()).into_owned(),
                std::str::from_utf8(info.terminator).expect("ascii"),
                info.too_long,
            ));
        }
        out
    }

    #[test]
    fn splits_and_limits() {
        assert_eq!(
            lines(b"\xEF\xBB\xBFa,b\r\n\nlong line\nlast", 5),
            [
                (1, "a,b".into(), "\r\n", false),
                (2, "".into(), "\n", false),
                (3, "long ".into(), "\n", true),
                (4, "last".into(), "", false),
            ]
        );
        assert_eq!(lines(b"", 5), []);
        assert_eq!(lines(b"\n", 5), [(1, "".into(), "\n", false)]);
        assert_eq!(lines(b"12345\r\n", 5), [(1, "12345".into(), "\r\n", false)]);
        assert_eq!(lines(b"123456\r\n", 5), [(1, "12345".into(), "\r\n", true)]);
        assert_eq!(
            lines(b"123456789\r\n", 5),
            [(1, "12345".into(), "\n", true)]
        );
        assert_eq!(lines(b"a\rb\n", 5), [(1, "a\rb".into(), "\n", false)]);
    }

    #[test]
    fn small_buffers() {
        let data = b"first line\nsecond\r\nthird";
        let reader = std::io::BufReader::with_capacity(2, &data[..]);
        let mut lines = LineReader::new(reader, 64);
        let mut got = Vec::new();
        while let Some(info) = lines.next_line().expect("in memory") {
            got.push((info.number, lines.content().to_vec(), info.terminator));
        }
        assert_eq!(
            got,
            [
                (1, b"first line".to_vec(), &b"\n"[..]),
                (2, b"second".to_vec(), &b"\r\n"[..]),
                (3, b"third".to_vec(), &b""[..]),
            ]
        );
    }
}
