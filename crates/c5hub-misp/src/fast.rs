//! A reader of the JSON events are made of, quicker than `serde_json`'s
//! general one for what events hold: strings without escapes borrowed
//! where they are, what is not kept only scanned.
//!
//! It only speeds up the common case: at anything it is not sure of (an
//! error of any kind, a document nested deeper than `serde_json` reads) it
//! gives up (`None`) and the caller reads the document with `serde_json`,
//! whose errors are the ones reported. What it does not hand over to
//! `serde_json` itself (numbers, strings with escapes) it accepts only as
//! the JSON grammar allows, so what it reads is what `serde_json` reads.

use std::borrow::Cow;

use serde_json::Value;

use crate::json::{Json, Keep, Obj, Shape};

/// As deep as `serde_json` reads (its recursion limit).
const MAX_NESTING: usize = 128;

/// A cursor over a document already checked to be UTF-8.
pub(crate) struct Fast<'a> {
    pub(crate) text: &'a str,
    pub(crate) pos: usize,
    /// The items of the arrays being read, innermost last: an array's
    /// items are moved out at its end into a list of their exact number,
    /// one allocation instead of one per doubling.
    items: Vec<Json<'a>>,
}

impl<'a> Fast<'a> {
    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    /// The next byte that is not JSON whitespace, not consumed.
    pub(crate) fn peek(&mut self) -> Option<u8> {
        let b = self.bytes();
        while let Some(&c) = b.get(self.pos) {
            if !matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(c);
            }
            self.pos += 1;
        }
        None
    }

    /// One value (after whitespace), kept as `keep` says, nested at most
    /// `room` more levels.
    pub(crate) fn value(&mut self, keep: Keep, room: usize) -> Option<(Json<'a>, Shape)> {
        match self.peek()? {
            b'{' => self.object(keep, room.checked_sub(1)?),
            b'[' => self.array(keep, room.checked_sub(1)?),
            b'"' => {
                let s = self.string()?;
                let shape = Shape::string(s.len());
                let j = match keep {
                    Keep::Skip => Json::Null,
                    _ => Json::String(s),
                };
                Some((j, shape))
            }
            b't' => self.literal("true", Json::Bool(true)),
            b'f' => self.literal("false", Json::Bool(false)),
            b'n' => self.literal("null", Json::Null),
            b'-' | b'0'..=b'9' => self.number(),
            _ => None,
        }
    }

    fn literal(&mut self, word: &str, j: Json<'a>) -> Option<(Json<'a>, Shape)> {
        self.text.get(self.pos..)?.starts_with(word).then_some(())?;
        self.pos += word.len();
        Some((j, Shape::default()))
    }

    /// A number: its extent found here, its grammar and value left to
    /// `serde_json` (which refuses `1e999` as out of range).
    fn number(&mut self) -> Option<(Json<'a>, Shape)> {
        let b = self.bytes();
        let start = self.pos;
        let mut end = start;
        while b
            .get(end)
            .is_some_and(|c| matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'))
        {
            end += 1;
        }
        let token = self.text.get(start..end)?;
        let Ok(Value::Number(n)) = serde_json::from_str::<Value>(token) else {
            return None;
        };
        self.pos = end;
        Some((Json::Number(n), Shape::default()))
    }

    /// A string at `"`: borrowed when it has no escape, else decoded by
    /// `serde_json`.
    #[inline(always)]
    fn string(&mut self) -> Option<Cow<'a, str>> {
        let b = self.bytes();
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            i = skip_plain(b, i);
            match *b.get(i)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    // The escaped byte is checked by serde_json below; here
                    // it only must not end the string.
                    i += 2;
                }
                // A control character, which JSON refuses in a string.
                _ => return None,
            }
        }
        self.pos = i + 1;
        if escaped {
            let s: String = serde_json::from_str(self.text.get(start - 1..=i)?).ok()?;
            Some(Cow::Owned(s))
        } else {
            Some(Cow::Borrowed(self.text.get(start..i)?))
        }
    }

    fn object(&mut self, keep: Keep, room: usize) -> Option<(Json<'a>, Shape)> {
        self.pos += 1;
        let mut shape = Shape {
            depth: 1,
            longest: 0,
        };
        let mut o = Obj::with_capacity(keep.members());
        if self.peek()? == b'}' {
            self.pos += 1;
        } else {
            loop {
                if self.peek()? != b'"' {
                    return None;
                }
                let k = self.string()?;
                if self.peek()? != b':' {
                    return None;
                }
                self.pos += 1;
                let member = keep.member(&k);
                // Most members are strings: read here, not through `value`.
                let (v, s) = if self.peek()? == b'"' {
                    let s = self.string()?;
                    let shape = Shape::string(s.len());
                    (Json::String(s), shape)
                } else {
                    self.value(member, room)?
                };
                shape.add(s);
                if member != Keep::Skip {
                    o.push(k, v);
                }
                match self.peek()? {
                    b',' => self.pos += 1,
                    b'}' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let j = match keep {
            Keep::Skip => Json::Null,
            _ => Json::Object(o),
        };
        Some((j, shape))
    }

    fn array(&mut self, keep: Keep, room: usize) -> Option<(Json<'a>, Shape)> {
        self.pos += 1;
        let mut shape = Shape {
            depth: 1,
            longest: 0,
        };
        let first = self.items.len();
        if self.peek()? == b']' {
            self.pos += 1;
        } else {
            loop {
                let (x, s) = self.value(keep, room)?;
                shape.add(s);
                if keep != Keep::Skip {
                    self.items.push(x);
                }
                match self.peek()? {
                    b',' => self.pos += 1,
                    b']' => {
                        self.pos += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        let j = match keep {
            Keep::Skip => Json::Null,
            _ => Json::Array(self.items.drain(first..).collect()),
        };
        Some((j, shape))
    }
}

/// One value at `pos` of `text`, and where it ends. `items` is room for
/// the items of arrays, lent by a caller that reads many values.
pub(crate) fn value<'a>(
    text: &'a str,
    pos: usize,
    keep: Keep,
    items: &mut Vec<Json<'a>>,
) -> Option<(Json<'a>, Shape, usize)> {
    let mut f = Fast {
        text,
        pos,
        items: std::mem::take(items),
    };
    let read = f.value(keep, MAX_NESTING);
    f.items.clear();
    *items = f.items;
    let (j, s) = read?;
    Some((j, s, f.pos))
}

/// The index of the first `"`, `\` or control character at or after `i`
/// (`b.len()` when none): eight bytes at a time, as JSON strings are
/// mostly plain.
#[inline(always)]
fn skip_plain(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let backslash = x ^ (ONES * u64::from(b'\\'));
        // A byte is zero in `quote` or `backslash`, or below 0x20 in `x`:
        // the high bit of its lane is set (bytes of 0x80 and above, which
        // UTF-8 text has, never are).
        let found = (quote.wrapping_sub(ONES) & !quote
            | backslash.wrapping_sub(ONES) & !backslash
            | x.wrapping_sub(ONES * 0x20) & !x)
            & HIGHS;
        if found != 0 {
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            return i;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(doc: &str) -> Option<Value> {
        let (j, _, end) = value(doc, 0, Keep::All, &mut Vec::new())?;
        doc[end..].trim().is_empty().then(|| j.to_value())
    }

    /// What it reads is what serde_json reads; what it does not read,
    /// serde_json refuses (or it leaves to serde_json).
    #[test]
    fn reads_as_serde_json_does() {
        let docs = [
            r#"{"a":[1,-2,3.5e2,true,false,null,"x"],"b":{},"c":[],"d":"\u00e9\n\"","e":"é😀"}"#,
            r#" { "a" : [ 1 , { "b" : "c" } ] } "#,
            r#""a\\b\/c""#,
            "0",
            "-0.5E+3",
            r#"{"a":1,"a":2}"#,
            "[\"0123456789abcdef\\\"\"]",
        ];
        for d in docs {
            let want: Value = serde_json::from_str(d).expect(d);
            assert_eq!(read(d), Some(want), "{d}");
        }
        let bad = [
            "[1,]",
            "{\"a\":1,}",
            "{\"a\" 1}",
            "{a:1}",
            "[01]",
            "[1.]",
            "[-]",
            "[1e999]",
            "[tru]",
            "[\"a\tb\"]",
            "[\"a\\xb\"]",
            "[\"\\ud800\"]",
            "[\"abc",
            "[\"abcdefghijkl",
            "{\"a\":[}",
            "[1 2]",
            "'a'",
        ];
        for d in bad {
            assert!(serde_json::from_str::<Value>(d).is_err(), "{d}");
            assert_eq!(read(d), None, "{d}");
        }
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(read(&deep), None);
    }

    /// Documents broken at random, a byte at a time: whatever the fast
    /// reader reads, serde_json reads the same; whatever serde_json
    /// refuses, the fast reader does not read.
    #[test]
    fn broken_documents_read_as_serde_json_reads_them() {
        let seed = r#"{"Event":{"uuid":"5e2f0c4a-1b2c-4d3e-8f90-0123456789ab","info":"a \"b\" \u00e9","n":[-1.5e3,0,true,null],"Attribute":[{"type":"ip-src","value":"192.0.2.1","to_ids":false}]}}"#;
        let alphabet = b"\"\\{}[],:0-.eE+tfnu \t\n\x01a\xc3\xa9";
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % n as u64) as usize
        };
        let mut read_some = 0;
        for _ in 0..20_000 {
            let mut doc = seed.as_bytes().to_vec();
            for _ in 0..1 + next(3) {
                let at = next(doc.len());
                match next(3) {
                    0 => {
                        doc.remove(at);
                    }
                    1 => doc.insert(at, alphabet[next(alphabet.len())]),
                    _ => doc[at] = alphabet[next(alphabet.len())],
                }
            }
            let Ok(text) = std::str::from_utf8(&doc) else {
                continue;
            };
            let want = serde_json::from_str::<Value>(text).ok();
            let got = read(text);
            if let Some(got) = &got {
                read_some += 1;
                assert_eq!(Some(got), want.as_ref(), "{text}");
            }
            if want.is_none() {
                assert_eq!(got, None, "{text}");
            }
        }
        assert!(read_some > 1_000, "{read_some}");
    }

    #[test]
    fn plain_runs_stop_at_quotes_backslashes_and_controls() {
        for (s, at) in [
            ("abcdefghij\"", 10),
            ("abc\\", 3),
            ("abcdefghijklmnop\n", 16),
            ("ééééé\"", 10),
            ("plain", 5),
        ] {
            assert_eq!(skip_plain(s.as_bytes(), 0), at, "{s:?}");
        }
    }
}
