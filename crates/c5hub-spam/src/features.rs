//! Feature extraction: a message becomes a bag of hashed features.
//!
//! Four families, each hashed in its own namespace so that the word `win`
//! and the character trigram `win` are different features:
//!
//! - word tokens (digits kept as written, plus the token's shape for
//!   numbers: `#5` for a five-digit number);
//! - word bigrams;
//! - character n-grams of the normalised text (lengths
//!   [`FeatureConfig::char_min`] to [`FeatureConfig::char_max`], digits
//!   all mapped to `0`, a space at both ends), which carry what a word
//!   tokenizer misses: misspellings, numbers' lengths, scripts without
//!   spaces;
//! - structural features: URLs, top-level domains, link shorteners, e-mail
//!   addresses, phone-like and short-code-like numbers, currencies and
//!   amounts, mixed scripts and homoglyphs, the share of capitals, the
//!   length, exclamation marks.
//!
//! Extraction reports each feature to a [`Sink`] with a closure that names
//! it; the classifier's sink never calls the closure (no allocation), the
//! explanation's sink does. Both see the same features: there is one
//! extraction path.

use crate::text::{self, Script, TextStats};

/// How features are extracted; stored in the model file, so a model is
/// always applied with the extraction it was trained with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeatureConfig {
    /// Features are hashed into `2^bits` buckets.
    pub bits: u8,
    /// Shortest character n-gram.
    pub char_min: u8,
    /// Longest character n-gram.
    pub char_max: u8,
    /// Whether word bigrams are features.
    pub word_bigrams: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            bits: 20,
            char_min: 2,
            char_max: 5,
            word_bigrams: true,
        }
    }
}

impl FeatureConfig {
    /// Largest supported `bits` (16 M buckets).
    pub const MAX_BITS: u8 = 24;
    /// Longest supported character n-gram.
    pub const MAX_CHAR_N: u8 = 8;

    /// Whether the values are in range.
    pub fn is_valid(&self) -> bool {
        (8..=Self::MAX_BITS).contains(&self.bits)
            && self.char_min >= 1
            && self.char_min <= self.char_max
            && self.char_max <= Self::MAX_CHAR_N
    }

    /// Number of buckets.
    pub fn buckets(&self) -> usize {
        1 << self.bits
    }
}

/// Receives features as extraction finds them.
pub trait Sink {
    /// One occurrence of the feature with this hash; `name` spells it.
    fn add(&mut self, hash: u64, name: impl FnOnce() -> String);
}

/// Collects bucket indices only: the classifier's sink.
#[derive(Debug, Default)]
pub struct Buckets {
    mask: u64,
    /// The bucket of each feature occurrence, in extraction order.
    pub indices: Vec<u32>,
}

impl Buckets {
    /// A sink for `cfg`'s bucket count.
    pub fn new(cfg: &FeatureConfig) -> Self {
        Buckets {
            mask: (1u64 << cfg.bits) - 1,
            indices: Vec::with_capacity(512),
        }
    }
}

impl Sink for Buckets {
    #[inline]
    fn add(&mut self, hash: u64, _name: impl FnOnce() -> String) {
        self.indices.push((hash & self.mask) as u32);
    }
}

/// Collects bucket indices with their names: the explanation's sink.
#[derive(Debug)]
pub struct Named {
    mask: u64,
    /// `(bucket, name)` for each feature occurrence.
    pub features: Vec<(u32, String)>,
}

impl Named {
    /// A sink for `cfg`'s bucket count.
    pub fn new(cfg: &FeatureConfig) -> Self {
        Named {
            mask: (1u64 << cfg.bits) - 1,
            features: Vec::new(),
        }
    }
}

impl Sink for Named {
    fn add(&mut self, hash: u64, name: impl FnOnce() -> String) {
        self.features.push(((hash & self.mask) as u32, name()));
    }
}

/// Reusable buffers, so classifying a message allocates nothing once warm.
#[derive(Debug, Default)]
pub struct Scratch {
    normalized: String,
    bounds: Vec<u32>,
}

const NS_WORD: u64 = 0x9E37_79B9_7F4A_7C15;
const NS_BIGRAM: u64 = 0xC2B2_AE3D_27D4_EB4F;
const NS_CHAR: u64 = 0x1656_67B1_9E37_79F9;
const NS_STRUCT: u64 = 0x27D4_EB2F_1656_67C5;

const FNV_PRIME: u64 = 0x0000_0100_0000_01B3;

#[inline]
fn step(h: u64, b: u8) -> u64 {
    (h ^ u64::from(b)).wrapping_mul(FNV_PRIME)
}

#[inline]
fn hash_bytes(seed: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(seed, |h, &b| step(h, b))
}

/// Final avalanche (MurmurHash3's fmix64), so the low bits we keep depend on
/// every input byte.
#[inline]
fn finish(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^= h >> 33;
    h = h.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
    h ^ (h >> 33)
}

fn structural<S: Sink>(sink: &mut S, name: &str) {
    sink.add(finish(hash_bytes(NS_STRUCT, name.as_bytes())), || {
        name.to_owned()
    });
}

fn structural_n<S: Sink>(sink: &mut S, name: &str, n: u32) {
    let h = step(hash_bytes(NS_STRUCT, name.as_bytes()), b':');
    let h = hash_bytes(h, &n.to_le_bytes());
    sink.add(finish(h), || format!("{name}:{n}"));
}

/// Top-level domains that make `word.tld` look like a link in a message.
const LINK_TLDS: &[&str] = &[
    "com", "net", "org", "info", "biz", "co", "uk", "us", "io", "ly", "me", "tk", "ml", "ga", "cf",
    "gq", "xyz", "top", "club", "online", "site", "app", "link", "click", "vip", "shop", "ru",
    "cn", "in", "de", "fr", "es", "it", "nl", "eu", "mobi", "tv", "cc", "ws", "gd", "gl", "to",
    "ng", "ke", "za", "br", "id", "ph", "pk", "bd",
];

/// Well-known link shorteners (registrable domains).
pub const SHORTENERS: &[&str] = &[
    "bit.ly",
    "tinyurl.com",
    "goo.gl",
    "t.co",
    "ow.ly",
    "is.gd",
    "buff.ly",
    "cutt.ly",
    "rb.gy",
    "tiny.cc",
    "shorturl.at",
    "t.ly",
    "rebrand.ly",
    "bl.ink",
    "s.id",
    "v.gd",
    "qr.co",
    "lnkd.in",
    "t.me",
    "wa.me",
    "tr.im",
    "x.co",
    "shorte.st",
    "adf.ly",
];

const CURRENCY_SYMBOLS: &[char] = &['£', '$', '€', '¥', '₹', '₦', '₽', '₩', '₺', '₱', '₫', '₴'];
const CURRENCY_WORDS: &[&str] = &[
    "usd",
    "eur",
    "gbp",
    "pounds",
    "pound",
    "dollars",
    "dollar",
    "euro",
    "euros",
    "rupees",
    "naira",
    "shillings",
    "cedis",
    "pence",
    "cents",
    "ksh",
    "inr",
    "ngn",
    "rs",
];

/// Extracts the features of `text` into `sink`.
pub fn extract<S: Sink>(cfg: &FeatureConfig, text: &str, scratch: &mut Scratch, sink: &mut S) {
    let stats = text::normalize(text, &mut scratch.normalized);
    let norm = scratch.normalized.as_str();
    words_and_bigrams(cfg, norm, sink);
    char_ngrams(cfg, norm, &mut scratch.bounds, sink);
    links(norm, sink);
    numbers_and_money(norm, sink);
    shape(&stats, sink);
}

fn words_and_bigrams<S: Sink>(cfg: &FeatureConfig, norm: &str, sink: &mut S) {
    let mut prev: Option<&str> = None;
    for w in text::words(norm) {
        let h = hash_bytes(NS_WORD, w.as_bytes());
        sink.add(finish(h), || format!("word:{w}"));
        if w.bytes().all(|b| b.is_ascii_digit()) {
            structural_n(sink, "number_digits", w.len().min(16) as u32);
        }
        if cfg.word_bigrams {
            if let Some(p) = prev {
                let h = hash_bytes(
                    step(hash_bytes(NS_BIGRAM, p.as_bytes()), b' '),
                    w.as_bytes(),
                );
                sink.add(finish(h), || format!("bigram:{p} {w}"));
            }
            prev = Some(w);
        }
    }
}

fn char_ngrams<S: Sink>(cfg: &FeatureConfig, norm: &str, bounds: &mut Vec<u32>, sink: &mut S) {
    // The text with a virtual space at both ends: bounds are char starts in
    // `norm`, with the padding handled as index -1 and len.
    bounds.clear();
    bounds.extend(norm.char_indices().map(|(i, _)| i as u32));
    bounds.push(norm.len() as u32);
    let chars = bounds.len() - 1;
    let bytes = norm.as_bytes();
    let min = usize::from(cfg.char_min);
    let max = usize::from(cfg.char_max);
    // Positions 0..=chars+1 in the padded text; position p > 0 is char p-1.
    let padded = chars + 2;
    let feed = |h: u64, p: usize| -> u64 {
        if p == 0 || p == chars + 1 {
            step(h, b' ')
        } else {
            let s = bounds[p - 1] as usize;
            let e = bounds[p] as usize;
            bytes[s..e].iter().fold(h, |h, &b| {
                step(h, if b.is_ascii_digit() { b'0' } else { b })
            })
        }
    };
    for start in 0..padded {
        let mut h = NS_CHAR;
        for n in 1..=max {
            let p = start + n - 1;
            if p >= padded {
                break;
            }
            h = feed(h, p);
            if n >= min {
                sink.add(finish(step(h, n as u8)), || {
                    let mut s = String::from("chars:");
                    for q in start..=p {
                        if q == 0 || q == chars + 1 {
                            s.push('_');
                        } else {
                            let piece = &norm[bounds[q - 1] as usize..bounds[q] as usize];
                            s.extend(piece.chars().map(|c| {
                                if c.is_ascii_digit() {
                                    '0'
                                } else if c == ' ' {
                                    '_'
                                } else {
                                    c
                                }
                            }));
                        }
                    }
                    s
                });
            }
        }
    }
}

/// The domain-like run ending just before `dot` and the letters after it,
/// as `(start of host, end of tld)`.
fn host_around(bytes: &[u8], dot: usize) -> Option<(usize, usize)> {
    let is_host = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'.';
    if dot == 0 || !bytes[dot - 1].is_ascii_alphanumeric() {
        return None;
    }
    let mut end = dot + 1;
    while end < bytes.len() && bytes[end].is_ascii_alphabetic() {
        end += 1;
    }
    let tld = std::str::from_utf8(&bytes[dot + 1..end]).ok()?;
    if end < bytes.len() && bytes[end].is_ascii_digit() {
        return None;
    }
    if !LINK_TLDS.contains(&tld) {
        return None;
    }
    let mut start = dot;
    while start > 0 && is_host(bytes[start - 1]) {
        start -= 1;
    }
    Some((start, end))
}

fn links<S: Sink>(norm: &str, sink: &mut S) {
    let bytes = norm.as_bytes();
    let schemes = norm.matches("http://").count() + norm.matches("https://").count();
    let www = norm.matches("www.").count();
    let mut domains = 0u32;
    let mut i = 0;
    while let Some(off) = bytes[i..].iter().position(|&b| b == b'.') {
        let dot = i + off;
        i = dot + 1;
        let Some((start, end)) = host_around(bytes, dot) else {
            continue;
        };
        // Only the last dot of a host counts, so `www.x.co.uk` is one link.
        if end < bytes.len() && bytes[end] == b'.' {
            continue;
        }
        domains += 1;
        let host = &norm[start..end];
        let tld = &norm[dot + 1..end];
        structural(sink, &format!("tld:{tld}"));
        if SHORTENERS
            .iter()
            .any(|s| host == *s || host.ends_with(&format!(".{s}")))
        {
            structural(sink, "link_shortener");
        }
        if start > 0 && bytes[start - 1] == b'@' {
            structural(sink, "email");
        }
        i = end;
    }
    let links = (schemes + www) as u32 + domains;
    if links > 0 {
        structural(sink, "link");
        structural_n(sink, "links", links.min(4));
    }
    if schemes > 0 {
        structural(sink, "link_scheme");
    }
}

fn numbers_and_money<S: Sink>(norm: &str, sink: &mut S) {
    let bytes = norm.as_bytes();
    // Digit runs with single spaces or dashes inside: `0800 123 4567`.
    let mut i = 0;
    while i < bytes.len() {
        if !bytes[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let preceded_by_plus = i > 0 && bytes[i - 1] == b'+';
        let mut digits = 0u32;
        let mut j = i;
        while j < bytes.len() {
            if bytes[j].is_ascii_digit() {
                digits += 1;
                j += 1;
            } else if matches!(bytes[j], b' ' | b'-')
                && j + 1 < bytes.len()
                && bytes[j + 1].is_ascii_digit()
                && digits >= 2
            {
                j += 1;
            } else {
                break;
            }
        }
        let glued = j < bytes.len() && bytes[j].is_ascii_alphabetic();
        if digits >= 9 || (preceded_by_plus && digits >= 7) {
            structural(sink, "phone_number");
            if bytes[i] == b'0' && bytes.get(i + 1).is_some_and(|b| matches!(b, b'8' | b'9')) {
                structural(sink, "phone_premium_or_freephone");
            }
        } else if (4..=6).contains(&digits)
            && !glued
            && !(i > 0 && bytes[i - 1].is_ascii_alphabetic())
        {
            structural(sink, "short_code");
        }
        i = j;
    }
    let mut currency = false;
    let mut amount = false;
    for (i, c) in norm.char_indices() {
        if CURRENCY_SYMBOLS.contains(&c) {
            currency = true;
            let after = norm[i + c.len_utf8()..].bytes().next();
            let before = norm[..i].bytes().last();
            if after.is_some_and(|b| b.is_ascii_digit())
                || before.is_some_and(|b| b.is_ascii_digit())
            {
                amount = true;
                let digits = norm[i + c.len_utf8()..]
                    .bytes()
                    .take_while(|b| b.is_ascii_digit() || *b == b',')
                    .filter(u8::is_ascii_digit)
                    .count();
                structural_n(sink, "amount_digits", digits.min(8) as u32);
            }
        }
    }
    let mut prev_number = false;
    for w in text::words(norm) {
        if CURRENCY_WORDS.contains(&w) {
            currency = true;
            amount |= prev_number;
        }
        prev_number = w.bytes().all(|b| b.is_ascii_digit());
    }
    if currency {
        structural(sink, "currency");
    }
    if amount {
        structural(sink, "amount");
    }
}

fn shape<S: Sink>(stats: &TextStats, sink: &mut S) {
    if stats.homoglyphs > 0 {
        structural(sink, "homoglyph");
    }
    if stats.mixed_script_words > 0 {
        structural(sink, "mixed_script");
    }
    let latin_only = stats.scripts & !(1 << Script::Latin as u16) == 0;
    if !latin_only {
        structural(sink, "non_latin_script");
    }
    if stats.letters >= 8 {
        structural_n(sink, "upper_tenths", stats.upper * 10 / stats.letters);
    }
    structural_n(sink, "length_20s", (stats.chars / 20).min(10));
    if stats.exclamations > 0 {
        structural_n(sink, "exclamations", stats.exclamations.min(3));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<String> {
        let cfg = FeatureConfig::default();
        let mut sink = Named::new(&cfg);
        extract(&cfg, text, &mut Scratch::default(), &mut sink);
        sink.features.into_iter().map(|(_, n)| n).collect()
    }

    fn has(text: &str, feature: &str) -> bool {
        names(text).iter().any(|n| n == feature)
    }

    #[test]
    fn structural_features() {
        let cases: &[(&str, &str, bool)] = &[
            ("Verify now at bit.ly/3xYz", "link_shortener", true),
            ("Verify now at bit.ly/3xYz", "link", true),
            ("see you at 5.30 ok", "link", false),
            ("go to https://example.org/a", "link_scheme", true),
            ("Call 0906 123 4567 now", "phone_number", true),
            ("Call 0906 123 4567 now", "phone_premium_or_freephone", true),
            ("Call +44 20 7946 0958", "phone_number", true),
            ("txt WIN to 87121", "short_code", true),
            ("meet at 1800", "phone_number", false),
            ("You won £1000 cash", "amount", true),
            ("You won 500 pounds", "amount", true),
            ("won $5", "currency", true),
            ("Log in to P\u{430}yp\u{430}l", "homoglyph", true),
            ("Log in to Paypal", "homoglyph", false),
            ("write to a@b.com", "email", true),
            ("FREE ENTRY NOW", "upper_tenths:10", true),
        ];
        for (text, feature, expected) in cases {
            assert_eq!(
                has(text, feature),
                *expected,
                "{feature} in {text:?}: {:?}",
                names(text)
            );
        }
    }

    #[test]
    fn char_ngrams_are_padded_and_map_digits() {
        let n = names("ab 12");
        for want in ["chars:_a", "chars:ab_", "chars:_00_", "chars:ab_00"] {
            assert!(n.iter().any(|x| x == want), "{want} missing from {n:?}");
        }
    }

    #[test]
    fn words_bigrams_and_number_shapes() {
        let n = names("Txt WIN to 87121");
        for want in [
            "word:win",
            "bigram:txt win",
            "word:87121",
            "number_digits:5",
        ] {
            assert!(n.iter().any(|x| x == want), "{want} missing from {n:?}");
        }
    }

    #[test]
    fn named_and_bucket_sinks_see_the_same_features() {
        let cfg = FeatureConfig::default();
        let text = "URGENT! Your Αccount is locked, verify at http://x.co/a or call 08001234567";
        let mut a = Buckets::new(&cfg);
        let mut b = Named::new(&cfg);
        extract(&cfg, text, &mut Scratch::default(), &mut a);
        extract(&cfg, text, &mut Scratch::default(), &mut b);
        let b: Vec<u32> = b.features.iter().map(|f| f.0).collect();
        assert_eq!(a.indices, b);
    }

    #[test]
    fn empty_and_odd_input_do_not_panic() {
        for t in [
            "",
            " ",
            ".",
            "£",
            "+",
            "0",
            "a.",
            ".com",
            "\u{0}",
            "🙂🙂",
            "中文短信",
        ] {
            let _ = names(t);
        }
    }
}
