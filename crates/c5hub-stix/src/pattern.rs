//! The STIX 2.1 patterning language (STIX 2.1 part 9): a parser of the
//! whole grammar, a printer, and the bridge between the simple "this value
//! is an indicator" patterns and c5hub's observables.
//!
//! [`parse`] reads a pattern the way the OASIS grammar (`STIXPattern.g4`)
//! and its reference validator (`stix2-patterns`) do: a lexer that takes the
//! longest token at each position (keywords win over identifiers of the same
//! length), then a parser over the tokens with the grammar's precedence
//! (`FOLLOWEDBY` < `OR` < `AND` < qualifiers between observation
//! expressions, `OR` < `AND` inside `[...]`). Besides the grammar it applies
//! the validator's two checks: a qualifier type is applied at most once
//! directly to a bracketed observation expression, and a value compared with
//! a well-known hash (`file:hashes.'SHA-256'`, ...) has that hash's shape.
//!
//! [`Pattern`] is the tree without the text's incidental spelling (spaces,
//! comments, redundant parentheses, `==` and `<>`, a `+` sign); its
//! `Display` writes a pattern that parses back to an equal tree.
//!
//! [`observables`] and [`for_observable`] map comparisons such as
//! `[ipv4-addr:value = '198.51.100.7']` to and from
//! [`c5hub_model::Observable`]; everything else in a pattern is left alone.
//!
//! Limits: a pattern longer than [`MAX_PATTERN_LEN`] bytes or nested deeper
//! than [`MAX_DEPTH`] brackets and parentheses is refused before parsing,
//! so no input can exhaust the stack. Nothing here panics on input.

use std::fmt::{self, Write as _};

use c5hub_model::{Observable, ObservableKind};
use winnow::combinator::{alt, cut_err, delimited, opt, preceded, repeat, separated};
use winnow::error::{AddContext, ErrMode, ModalResult, ParserError};
use winnow::prelude::*;
use winnow::stream::Stream;
use winnow::token::{any, none_of, one_of, take_until, take_while};

/// The longest pattern [`parse`] reads, in bytes.
pub const MAX_PATTERN_LEN: usize = 64 * 1024;

/// The deepest nesting of `(` and `[` [`parse`] reads.
pub const MAX_DEPTH: usize = 64;

// ---------------------------------------------------------------------------
// The tree
// ---------------------------------------------------------------------------

/// A parsed STIX pattern: one observation expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pattern {
    /// The whole pattern.
    pub expression: ObservationExpr,
}

/// An observation expression: what must be observed, and how observations
/// relate in time.
///
/// Lists of operands hold at least two items and never an item of the same
/// operator directly (`a OR (b OR c)` is `Or([a, b, c])`): use the
/// constructors [`ObservationExpr::and`], [`ObservationExpr::or`] and
/// [`ObservationExpr::followed_by`], which flatten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ObservationExpr {
    /// `[ comparison ]`: one observation matching the comparison.
    Comparison(ComparisonExpr),
    /// `a AND b`: both observed.
    And(Vec<ObservationExpr>),
    /// `a OR b`: either observed.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b`: `b` observed after `a`.
    FollowedBy(Vec<ObservationExpr>),
    /// An expression with a qualifier (`WITHIN`, `REPEATS`, `START`/`STOP`).
    Qualified(Box<ObservationExpr>, Qualifier),
}

/// A comparison expression: the inside of `[...]`.
///
/// The same flattening rule as for [`ObservationExpr`] holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComparisonExpr {
    /// One test of one property.
    Test(PropTest),
    /// `a AND b`: both hold of the same object.
    And(Vec<ComparisonExpr>),
    /// `a OR b`: either holds.
    Or(Vec<ComparisonExpr>),
}

/// One property test: `path [NOT] operator value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PropTest {
    /// The property compared.
    pub path: ObjectPath,
    /// Whether `NOT` inverts the test.
    pub negated: bool,
    /// The operator and its operand.
    pub test: Test,
}

/// A comparison operator and its operand.
///
/// The grammar restricts operands: ordering operators take no boolean, the
/// string operators take a string literal only. A tree [`parse`] returned
/// always keeps to that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Test {
    /// `=`
    Eq(Literal),
    /// `!=`
    Ne(Literal),
    /// `<`
    Lt(Literal),
    /// `<=`
    Le(Literal),
    /// `>`
    Gt(Literal),
    /// `>=`
    Ge(Literal),
    /// `IN (a, b, ...)`
    In(Vec<Literal>),
    /// `LIKE 'pattern'` (SQL `LIKE` wildcards).
    Like(String),
    /// `MATCHES 'regex'` (PCRE).
    Matches(String),
    /// `ISSUBSET 'cidr'`
    IsSubset(String),
    /// `ISSUPERSET 'cidr'`
    IsSuperset(String),
    /// `EXISTS path`
    Exists,
}

/// An object path: `type:property.key[0].'quoted key'[*]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPath {
    /// The object type (`ipv4-addr`, `file`, `x-custom`, ...).
    pub object_type: String,
    /// The first property name.
    pub property: String,
    /// The steps after it.
    pub steps: Vec<PathStep>,
}

/// One step of an object path after its first property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    /// `.key` or `.'quoted key'`.
    Key(String),
    /// `[n]`, a list index: its decimal text as for [`Literal::Int`]
    /// (without `+`, possibly negative, of any size).
    Index(String),
    /// `[*]`, any list element.
    AnyIndex,
}

/// A literal value.
///
/// Numbers keep their text (without a `+` sign), so integers of any size
/// and floats read and write back unchanged; see [`Literal::as_i64`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Literal {
    /// An integer, `-?(0|[1-9][0-9]*)`.
    Int(String),
    /// A float, `-?[0-9]*\.[0-9]+`.
    Float(String),
    /// A string, unescaped.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `b'...'`: the base64 text between the quotes.
    Binary(String),
    /// `h'...'`: the hex digits between the quotes.
    Hex(String),
    /// `t'...'`: the RFC 3339 timestamp (UTC, `Z`) between the quotes.
    Timestamp(String),
}

/// A qualifier of an observation expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`, `n` a non-negative integer or float as written
    /// (without `+`).
    Within(String),
    /// `REPEATS n TIMES`, `n` a non-negative integer as written.
    Repeats(String),
    /// `START t'...' STOP t'...'`, the timestamps between the quotes.
    StartStop {
        /// The first instant.
        start: String,
        /// The instant observations must precede.
        stop: String,
    },
}

impl Qualifier {
    fn same_kind(&self, other: &Qualifier) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    fn keyword(&self) -> &'static str {
        match self {
            Qualifier::Within(_) => "WITHIN",
            Qualifier::Repeats(_) => "REPEATS",
            Qualifier::StartStop { .. } => "START/STOP",
        }
    }
}

impl Literal {
    /// The integer, when this is an integer literal in the range of `i64`.
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Literal::Int(text) => text.parse().ok(),
            _ => None,
        }
    }

    /// The string, when this is a string literal.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Literal::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl ObservationExpr {
    /// `items` joined by `AND`, flattened; one item is returned as is.
    pub fn and(items: Vec<ObservationExpr>) -> ObservationExpr {
        join(items, ObservationExpr::And, |e| match e {
            ObservationExpr::And(v) => Ok(v),
            other => Err(other),
        })
    }

    /// `items` joined by `OR`, flattened; one item is returned as is.
    pub fn or(items: Vec<ObservationExpr>) -> ObservationExpr {
        join(items, ObservationExpr::Or, |e| match e {
            ObservationExpr::Or(v) => Ok(v),
            other => Err(other),
        })
    }

    /// `items` joined by `FOLLOWEDBY`, flattened; one item is returned as is.
    pub fn followed_by(items: Vec<ObservationExpr>) -> ObservationExpr {
        join(items, ObservationExpr::FollowedBy, |e| match e {
            ObservationExpr::FollowedBy(v) => Ok(v),
            other => Err(other),
        })
    }

    /// Every comparison expression in brackets, in order.
    pub fn comparisons(&self) -> Vec<&ComparisonExpr> {
        let mut out = Vec::new();
        self.collect_comparisons(&mut out);
        out
    }

    fn collect_comparisons<'a>(&'a self, out: &mut Vec<&'a ComparisonExpr>) {
        match self {
            ObservationExpr::Comparison(c) => out.push(c),
            ObservationExpr::And(v) | ObservationExpr::Or(v) | ObservationExpr::FollowedBy(v) => {
                v.iter().for_each(|e| e.collect_comparisons(out))
            }
            ObservationExpr::Qualified(e, _) => e.collect_comparisons(out),
        }
    }
}

impl ComparisonExpr {
    /// `items` joined by `AND`, flattened; one item is returned as is.
    pub fn and(items: Vec<ComparisonExpr>) -> ComparisonExpr {
        join(items, ComparisonExpr::And, |e| match e {
            ComparisonExpr::And(v) => Ok(v),
            other => Err(other),
        })
    }

    /// `items` joined by `OR`, flattened; one item is returned as is.
    pub fn or(items: Vec<ComparisonExpr>) -> ComparisonExpr {
        join(items, ComparisonExpr::Or, |e| match e {
            ComparisonExpr::Or(v) => Ok(v),
            other => Err(other),
        })
    }

    /// Every property test, in order.
    pub fn tests(&self) -> Vec<&PropTest> {
        let mut out = Vec::new();
        self.collect_tests(&mut out);
        out
    }

    fn collect_tests<'a>(&'a self, out: &mut Vec<&'a PropTest>) {
        match self {
            ComparisonExpr::Test(t) => out.push(t),
            ComparisonExpr::And(v) | ComparisonExpr::Or(v) => {
                v.iter().for_each(|e| e.collect_tests(out))
            }
        }
    }
}

/// Joins `items` with the list variant `make`, splicing in items that are
/// already that variant (`unwrap` says which are).
fn join<T>(items: Vec<T>, make: fn(Vec<T>) -> T, unwrap: fn(T) -> Result<Vec<T>, T>) -> T {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match unwrap(item) {
            Ok(inner) => flat.extend(inner),
            Err(item) => flat.push(item),
        }
    }
    if flat.len() == 1 {
        if let Some(only) = flat.pop() {
            return only;
        }
    }
    make(flat)
}

// ---------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------

/// Why a text is not a STIX pattern, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    /// Where the problem is: a count of characters (not bytes) from the
    /// start of the pattern, 0 being the first. `Display` shows it counted
    /// from 1.
    pub offset: usize,
    /// What was expected and what was found instead.
    pub message: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at character {}: {}", self.offset + 1, self.message)
    }
}

impl std::error::Error for PatternError {}

// ---------------------------------------------------------------------------
// Lexer
// ---------------------------------------------------------------------------

/// Token kinds, in the grammar's order: on a tie of length the earlier wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    IntNeg,
    IntPos,
    FloatNeg,
    FloatPos,
    Hex,
    Binary,
    Str,
    Bool,
    Timestamp,
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
    Ident,
    IdentHyphen,
    Eq,
    Neq,
    Lt,
    Le,
    Gt,
    Ge,
    Quote,
    Colon,
    Dot,
    Comma,
    RParen,
    LParen,
    RBrack,
    LBrack,
    Plus,
    Minus,
    Power,
    Divide,
    Asterisk,
    Space,
    Invalid,
}

const KEYWORDS: [(&str, Kind); 17] = [
    ("AND", Kind::And),
    ("OR", Kind::Or),
    ("NOT", Kind::Not),
    ("FOLLOWEDBY", Kind::FollowedBy),
    ("LIKE", Kind::Like),
    ("MATCHES", Kind::Matches),
    ("ISSUPERSET", Kind::IsSuperset),
    ("ISSUBSET", Kind::IsSubset),
    ("EXISTS", Kind::Exists),
    ("LAST", Kind::Last),
    ("IN", Kind::In),
    ("START", Kind::Start),
    ("STOP", Kind::Stop),
    ("SECONDS", Kind::Seconds),
    ("WITHIN", Kind::Within),
    ("REPEATS", Kind::Repeats),
    ("TIMES", Kind::Times),
];

/// Whether `word` reads as a keyword or boolean rather than an identifier.
fn is_reserved(word: &str) -> bool {
    word == "true" || word == "false" || KEYWORDS.iter().any(|(k, _)| *k == word)
}

/// One token: its kind, its text and its byte offset in the pattern.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Tok<'s> {
    kind: Kind,
    text: &'s str,
    at: usize,
}

type LexIn<'s> = &'s str;

/// How many bytes `rule` matches at the start of `text`, if any.
fn matched<'s, O>(
    mut rule: impl Parser<LexIn<'s>, O, ErrMode<winnow::error::ContextError>>,
    text: &'s str,
) -> Option<usize> {
    let mut rest = text;
    rule.parse_next(&mut rest)
        .ok()
        .map(|_| text.len() - rest.len())
}

fn digit(c: char) -> bool {
    c.is_ascii_digit()
}

fn unsigned_int(i: &mut LexIn<'_>) -> ModalResult<()> {
    alt((
        "0".void(),
        (one_of('1'..='9'), take_while(0.., digit)).void(),
    ))
    .parse_next(i)
}

fn unsigned_float(i: &mut LexIn<'_>) -> ModalResult<()> {
    (take_while(0.., digit), '.', take_while(1.., digit))
        .void()
        .parse_next(i)
}

fn string_body(i: &mut LexIn<'_>) -> ModalResult<()> {
    (
        '\'',
        repeat::<_, _, (), _, _>(
            0..,
            alt(("\\'".void(), "\\\\".void(), none_of(['\'', '\\']).void())),
        ),
        '\'',
    )
        .void()
        .parse_next(i)
}

fn two_digits_in(
    lo: (char, char),
    hi: (char, char),
) -> impl FnMut(&mut LexIn<'_>) -> ModalResult<()> {
    move |i| {
        (one_of(lo.0..=lo.1), one_of(hi.0..=hi.1))
            .void()
            .parse_next(i)
    }
}

fn timestamp_body(i: &mut LexIn<'_>) -> ModalResult<()> {
    let year = take_while(4..=4, digit);
    let month = alt((
        two_digits_in(('0', '0'), ('1', '9')),
        two_digits_in(('1', '1'), ('0', '2')),
    ));
    let day = alt((
        two_digits_in(('0', '0'), ('1', '9')),
        two_digits_in(('1', '2'), ('0', '9')),
        two_digits_in(('3', '3'), ('0', '1')),
    ));
    let hour = alt((
        two_digits_in(('0', '1'), ('0', '9')),
        two_digits_in(('2', '2'), ('0', '3')),
    ));
    let minute = two_digits_in(('0', '5'), ('0', '9'));
    let second = alt((two_digits_in(('0', '5'), ('0', '9')), "60".void()));
    (
        "t'",
        year,
        '-',
        month,
        '-',
        day,
        'T',
        hour,
        ':',
        minute,
        ':',
        second,
        opt(('.', take_while(1.., digit))),
        "Z'",
    )
        .void()
        .parse_next(i)
}

fn base64_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '+' || c == '/'
}

/// `b'...'`: groups of four base64 characters, the last one possibly padded
/// with one or two `=`; at least one group.
fn binary_len(text: &str) -> Option<usize> {
    let body_len = matched(
        ("b'", take_while(0.., |c: char| base64_char(c) || c == '=')),
        text,
    )?;
    let body = text.get(2..body_len)?;
    if !text[body_len..].starts_with('\'') || body.is_empty() || body.len() % 4 != 0 {
        return None;
    }
    let padding = body.len() - body.trim_end_matches('=').len();
    if padding > 2 || body.trim_end_matches('=').contains('=') {
        return None;
    }
    Some(body_len + 1)
}

fn is_space(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t'
            | '\r'
            | '\n'
            | '\u{0B}'
            | '\u{0C}'
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

/// The longest token at the start of `text` (which is not empty): its
/// kind and length in bytes.
///
/// Every rule starts with a fixed set of characters, so only the rules
/// that can start with the first byte are tried (a rule that cannot
/// match would give no length, and the choice among the rest is the
/// same: the longest, on a tie the rule listed first).
fn next_token(text: &str) -> (Kind, usize) {
    let ident_start = |c: char| c.is_ascii_alphabetic() || c == '_';
    let first = text.as_bytes()[0];
    let when = |can: bool, rule: &dyn Fn() -> Option<usize>| if can { rule() } else { None };
    let ident = first.is_ascii_alphabetic() || first == b'_';
    let sign = |s: u8| first == s;
    let digit_or_dot = first.is_ascii_digit() || first == b'.';
    let rules: [(Kind, Option<usize>); 30] = [
        (
            Kind::IntNeg,
            when(sign(b'-'), &|| matched(('-', unsigned_int), text)),
        ),
        (
            Kind::IntPos,
            when(sign(b'+') || first.is_ascii_digit(), &|| {
                matched((opt('+'), unsigned_int), text)
            }),
        ),
        (
            Kind::FloatNeg,
            when(sign(b'-'), &|| matched(('-', unsigned_float), text)),
        ),
        (
            Kind::FloatPos,
            when(sign(b'+') || digit_or_dot, &|| {
                matched((opt('+'), unsigned_float), text)
            }),
        ),
        (
            Kind::Hex,
            when(first == b'h', &|| {
                matched(
                    (
                        "h'",
                        repeat::<_, _, (), _, _>(
                            0..,
                            (
                                one_of(|c: char| c.is_ascii_hexdigit()),
                                one_of(|c: char| c.is_ascii_hexdigit()),
                            ),
                        ),
                        '\'',
                    ),
                    text,
                )
            }),
        ),
        (Kind::Binary, when(first == b'b', &|| binary_len(text))),
        (
            Kind::Str,
            when(first == b'\'', &|| matched(string_body, text)),
        ),
        (
            Kind::Bool,
            when(matches!(first, b't' | b'f'), &|| {
                matched(alt(("true", "false")), text)
            }),
        ),
        (
            Kind::Timestamp,
            when(first == b't', &|| matched(timestamp_body, text)),
        ),
        (
            Kind::Ident,
            when(ident, &|| {
                matched(
                    (
                        one_of(ident_start),
                        take_while(0.., |c: char| c.is_ascii_alphanumeric() || c == '_'),
                    ),
                    text,
                )
            }),
        ),
        (
            Kind::IdentHyphen,
            when(ident, &|| {
                matched(
                    (
                        one_of(ident_start),
                        take_while(0.., |c: char| {
                            c.is_ascii_alphanumeric() || c == '_' || c == '-'
                        }),
                    ),
                    text,
                )
            }),
        ),
        (
            Kind::Eq,
            when(first == b'=', &|| matched(alt(("==", "=")), text)),
        ),
        (
            Kind::Neq,
            when(matches!(first, b'!' | b'<'), &|| {
                matched(alt(("!=", "<>")), text)
            }),
        ),
        (Kind::Lt, when(first == b'<', &|| matched("<", text))),
        (Kind::Le, when(first == b'<', &|| matched("<=", text))),
        (Kind::Gt, when(first == b'>', &|| matched(">", text))),
        (Kind::Ge, when(first == b'>', &|| matched(">=", text))),
        (Kind::Quote, single(first, b'\'')),
        (Kind::Colon, single(first, b':')),
        (Kind::Dot, single(first, b'.')),
        (Kind::Comma, single(first, b',')),
        (Kind::RParen, single(first, b')')),
        (Kind::LParen, single(first, b'(')),
        (Kind::RBrack, single(first, b']')),
        (Kind::LBrack, single(first, b'[')),
        (Kind::Plus, single(first, b'+')),
        (Kind::Minus, single(first, b'-')),
        (Kind::Power, single(first, b'^')),
        (Kind::Divide, single(first, b'/')),
        (Kind::Asterisk, single(first, b'*')),
    ];
    // Spaces outside ASCII start with a byte over 127.
    let space = first.is_ascii_whitespace() || first == 0x0B || first >= 0x80;
    let skipped = [
        when(space, &|| matched(take_while(1.., is_space), text)),
        when(first == b'/', &|| {
            matched(("/*", take_until(0.., "*/"), "*/"), text)
        }),
        when(first == b'/', &|| {
            matched(
                ("//", take_while(0.., |c: char| c != '\r' && c != '\n')),
                text,
            )
        }),
    ];
    // The longest match wins; on a tie, the rule listed first.
    let mut best: (Kind, usize) = (Kind::Invalid, text.chars().next().map_or(1, char::len_utf8));
    let mut found = false;
    for (kind, len) in rules {
        if let Some(len) = len {
            if !found || len > best.1 {
                best = (kind, len);
                found = true;
            }
        }
    }
    // Keywords are rules of their own, listed before identifiers: an
    // identifier of exactly a keyword's text is that keyword.
    if best.0 == Kind::Ident {
        if let Some((_, kind)) = KEYWORDS.iter().find(|(k, _)| *k == &text[..best.1]) {
            best.0 = *kind;
        }
    }
    for len in skipped.into_iter().flatten() {
        if !found || len > best.1 {
            best = (Kind::Space, len);
            found = true;
        }
    }
    best
}

/// A one-character token: its length when `text` starts with it.
fn single(first: u8, c: u8) -> Option<usize> {
    (first == c).then_some(1)
}

/// Splits `text` into tokens, dropping spaces and comments, and refuses
/// nesting deeper than [`MAX_DEPTH`].
///
/// It stops after the first token no grammar rule uses (a lone quote, `+`,
/// `-`, `^`, `/`, `LAST`, a character outside the language): the parser
/// fails there at the latest, and its error depends only on the tokens up
/// to there. Stopping also keeps lexing linear: an unclosed string or
/// comment is scanned to the end once, not again from every later quote.
fn tokenize(text: &str) -> Result<Vec<Tok<'_>>, PatternError> {
    let mut tokens = Vec::new();
    let mut at = 0;
    let mut depth = 0usize;
    while at < text.len() {
        let (kind, len) = next_token(&text[at..]);
        let tok = Tok {
            kind,
            text: &text[at..at + len],
            at,
        };
        match kind {
            Kind::Space => {}
            Kind::LParen | Kind::LBrack => {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(PatternError {
                        offset: char_offset(text, at),
                        message: format!(
                            "brackets and parentheses are nested deeper than {MAX_DEPTH} levels"
                        ),
                    });
                }
                tokens.push(tok);
            }
            Kind::RParen | Kind::RBrack => {
                depth = depth.saturating_sub(1);
                tokens.push(tok);
            }
            Kind::Quote
            | Kind::Plus
            | Kind::Minus
            | Kind::Power
            | Kind::Divide
            | Kind::Last
            | Kind::Invalid => {
                tokens.push(tok);
                break;
            }
            _ => tokens.push(tok),
        }
        at += len;
    }
    Ok(tokens)
}

fn char_offset(text: &str, byte: usize) -> usize {
    text.get(..byte).map_or(0, |head| head.chars().count())
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

type In<'t> = &'t [Tok<'t>];

/// The parser's error: the furthest position reached (as the number of
/// tokens left), what was expected there, or a message of its own.
#[derive(Debug, Clone)]
struct Fail {
    left: usize,
    expected: Labels,
    message: Option<String>,
}

/// What was expected, each label once, in the order found. The parser
/// fails and backtracks at almost every token (every `OR`, `AND` and
/// qualifier it looks for and does not find), so the first labels are
/// kept without allocating (two: the error stays small enough to return).
#[derive(Debug, Clone, Default)]
struct Labels {
    head: [&'static str; 2],
    len: u8,
    tail: Vec<&'static str>,
}

impl Labels {
    fn one(label: &'static str) -> Labels {
        let mut l = Labels::default();
        l.push(label);
        l
    }

    /// Adds `label` unless it is there.
    fn push(&mut self, label: &'static str) {
        if self.iter().any(|l| l == label) {
            return;
        }
        if usize::from(self.len) < self.head.len() {
            self.head[usize::from(self.len)] = label;
            self.len += 1;
        } else {
            self.tail.push(label);
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.head[..usize::from(self.len)]
            .iter()
            .chain(&self.tail)
            .copied()
    }
}

impl<'t> ParserError<In<'t>> for Fail {
    type Inner = Self;

    fn from_input(input: &In<'t>) -> Self {
        Fail {
            left: input.len(),
            expected: Labels::default(),
            message: None,
        }
    }

    fn into_inner(self) -> Result<Self, Self> {
        Ok(self)
    }

    fn or(self, other: Self) -> Self {
        match self.left.cmp(&other.left) {
            std::cmp::Ordering::Less => self,
            std::cmp::Ordering::Greater => other,
            std::cmp::Ordering::Equal => {
                let mut merged = self;
                if merged.message.is_none() {
                    merged.message = other.message;
                }
                for e in other.expected.iter() {
                    merged.expected.push(e);
                }
                merged
            }
        }
    }
}

impl<'t> AddContext<In<'t>, &'static str> for Fail {
    /// A label replaces what its parser's parts expected when the parser
    /// failed where it started: "a literal" rather than eight token names.
    fn add_context(
        mut self,
        input: &In<'t>,
        start: &<In<'t> as Stream>::Checkpoint,
        context: &'static str,
    ) -> Self {
        let mut at_start = *input;
        at_start.reset(start);
        if at_start.len() == self.left && self.message.is_none() {
            self.expected = Labels::one(context);
        }
        self
    }
}

type PResult<O> = Result<O, ErrMode<Fail>>;

/// A failure with its own message at the token `left` tokens from the end;
/// not backtracked over.
fn refuse<O>(left: usize, message: String) -> PResult<O> {
    Err(ErrMode::Cut(Fail {
        left,
        expected: Labels::default(),
        message: Some(message),
    }))
}

fn tok<'t>(kind: Kind, label: &'static str) -> impl Parser<In<'t>, Tok<'t>, ErrMode<Fail>> {
    one_of(move |t: Tok<'t>| t.kind == kind).context(label)
}

fn observation_expressions<'t>(i: &mut In<'t>) -> PResult<ObservationExpr> {
    let first = observation_or(i)?;
    let rest: Vec<ObservationExpr> = repeat(
        0..,
        preceded(tok(Kind::FollowedBy, "FOLLOWEDBY"), cut_err(observation_or)),
    )
    .parse_next(i)?;
    if rest.is_empty() {
        // What a parser below returns is already joined.
        return Ok(first);
    }
    Ok(ObservationExpr::followed_by(
        std::iter::once(first).chain(rest).collect(),
    ))
}

fn observation_or<'t>(i: &mut In<'t>) -> PResult<ObservationExpr> {
    let first = observation_and(i)?;
    let rest: Vec<ObservationExpr> =
        repeat(0.., preceded(tok(Kind::Or, "OR"), cut_err(observation_and))).parse_next(i)?;
    if rest.is_empty() {
        // What a parser below returns is already joined.
        return Ok(first);
    }
    Ok(ObservationExpr::or(
        std::iter::once(first).chain(rest).collect(),
    ))
}

fn observation_and<'t>(i: &mut In<'t>) -> PResult<ObservationExpr> {
    let first = qualified(i)?;
    let rest: Vec<ObservationExpr> =
        repeat(0.., preceded(tok(Kind::And, "AND"), cut_err(qualified))).parse_next(i)?;
    if rest.is_empty() {
        // What a parser below returns is already joined.
        return Ok(first);
    }
    Ok(ObservationExpr::and(
        std::iter::once(first).chain(rest).collect(),
    ))
}

/// An observation expression in brackets or parentheses with its
/// qualifiers. As the OASIS validator does, a qualifier type may be applied
/// directly to a bracketed expression once only.
fn qualified<'t>(i: &mut In<'t>) -> PResult<ObservationExpr> {
    let (mut expr, bracketed) = alt((
        delimited(
            tok(Kind::LBrack, "'['"),
            cut_err(comparison_or),
            cut_err(tok(Kind::RBrack, "AND, OR or ']'")),
        )
        .map(|c| (ObservationExpr::Comparison(c), true)),
        delimited(
            tok(Kind::LParen, "'('"),
            cut_err(observation_expressions),
            cut_err(tok(Kind::RParen, "AND, OR, FOLLOWEDBY or ')'")),
        )
        .map(|e| (e, false)),
    ))
    .context("an observation expression ('[' or '(')")
    .parse_next(i)?;
    let mut applied: Vec<Qualifier> = Vec::new();
    loop {
        let left = i.len();
        let Some(q) = opt(qualifier).parse_next(i)? else {
            break;
        };
        if bracketed && applied.iter().any(|a| a.same_kind(&q)) {
            return refuse(
                left,
                format!(
                    "a second {} qualifier on the same observation expression (put the inner one in parentheses)",
                    q.keyword()
                ),
            );
        }
        applied.push(q.clone());
        expr = ObservationExpr::Qualified(Box::new(expr), q);
    }
    Ok(expr)
}

fn qualifier<'t>(i: &mut In<'t>) -> PResult<Qualifier> {
    alt((
        preceded(
            tok(Kind::Within, "WITHIN"),
            cut_err((
                alt((
                    tok(Kind::IntPos, "a number"),
                    tok(Kind::FloatPos, "a number"),
                ))
                .context("a number of seconds (not negative)"),
                tok(Kind::Seconds, "SECONDS"),
            )),
        )
        .map(|(n, _)| Qualifier::Within(unsigned(n.text))),
        preceded(
            tok(Kind::Repeats, "REPEATS"),
            cut_err((
                tok(Kind::IntPos, "a whole number of times (not negative)"),
                tok(Kind::Times, "TIMES"),
            )),
        )
        .map(|(n, _)| Qualifier::Repeats(unsigned(n.text))),
        preceded(
            tok(Kind::Start, "START"),
            cut_err((
                tok(Kind::Timestamp, "a timestamp t'YYYY-MM-DDThh:mm:ssZ'"),
                tok(Kind::Stop, "STOP"),
                tok(Kind::Timestamp, "a timestamp t'YYYY-MM-DDThh:mm:ssZ'"),
            )),
        )
        .map(|(a, _, b)| Qualifier::StartStop {
            start: quoted_body(a.text).to_owned(),
            stop: quoted_body(b.text).to_owned(),
        }),
    ))
    .parse_next(i)
}

fn comparison_or<'t>(i: &mut In<'t>) -> PResult<ComparisonExpr> {
    let first = comparison_and(i)?;
    let rest: Vec<ComparisonExpr> =
        repeat(0.., preceded(tok(Kind::Or, "OR"), cut_err(comparison_and))).parse_next(i)?;
    if rest.is_empty() {
        // What a parser below returns is already joined.
        return Ok(first);
    }
    Ok(ComparisonExpr::or(
        std::iter::once(first).chain(rest).collect(),
    ))
}

fn comparison_and<'t>(i: &mut In<'t>) -> PResult<ComparisonExpr> {
    let first = prop_test(i)?;
    let rest: Vec<ComparisonExpr> =
        repeat(0.., preceded(tok(Kind::And, "AND"), cut_err(prop_test))).parse_next(i)?;
    if rest.is_empty() {
        // What a parser below returns is already joined.
        return Ok(first);
    }
    Ok(ComparisonExpr::and(
        std::iter::once(first).chain(rest).collect(),
    ))
}

fn prop_test<'t>(i: &mut In<'t>) -> PResult<ComparisonExpr> {
    alt((
        delimited(
            tok(Kind::LParen, "'('"),
            cut_err(comparison_or),
            cut_err(tok(Kind::RParen, "AND, OR or ')'")),
        ),
        (
            opt(tok(Kind::Not, "NOT")),
            tok(Kind::Exists, "EXISTS"),
            cut_err(object_path),
        )
            .map(|(not, _, path)| {
                ComparisonExpr::Test(PropTest {
                    path,
                    negated: not.is_some(),
                    test: Test::Exists,
                })
            }),
        path_test,
    ))
    .context("a comparison (an object path such as ipv4-addr:value, EXISTS or '(')")
    .parse_next(i)
}

fn path_test<'t>(i: &mut In<'t>) -> PResult<ComparisonExpr> {
    let path = object_path(i)?;
    let negated = opt(tok(Kind::Not, "NOT")).parse_next(i)?.is_some();
    let op = cut_err(
        one_of(|t: Tok<'t>| {
            matches!(
                t.kind,
                Kind::Eq
                    | Kind::Neq
                    | Kind::Lt
                    | Kind::Le
                    | Kind::Gt
                    | Kind::Ge
                    | Kind::In
                    | Kind::Like
                    | Kind::Matches
                    | Kind::IsSubset
                    | Kind::IsSuperset
            )
        })
        .context(
            "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)",
        ),
    )
    .parse_next(i)?;
    let left = i.len();
    let string = || tok(Kind::Str, "a string literal");
    let (test, raw) = match op.kind {
        Kind::Eq => cut_err(primitive_literal.with_taken())
            .map(|(l, r)| (Test::Eq(l), r))
            .parse_next(i)?,
        Kind::Neq => cut_err(primitive_literal.with_taken())
            .map(|(l, r)| (Test::Ne(l), r))
            .parse_next(i)?,
        Kind::Lt => cut_err(orderable_literal.with_taken())
            .map(|(l, r)| (Test::Lt(l), r))
            .parse_next(i)?,
        Kind::Le => cut_err(orderable_literal.with_taken())
            .map(|(l, r)| (Test::Le(l), r))
            .parse_next(i)?,
        Kind::Gt => cut_err(orderable_literal.with_taken())
            .map(|(l, r)| (Test::Gt(l), r))
            .parse_next(i)?,
        Kind::Ge => cut_err(orderable_literal.with_taken())
            .map(|(l, r)| (Test::Ge(l), r))
            .parse_next(i)?,
        Kind::In => cut_err(set_literal.with_taken())
            .map(|(l, r)| (Test::In(l), r))
            .parse_next(i)?,
        Kind::Like => cut_err(string().with_taken())
            .map(|(s, r)| (Test::Like(unescape(s.text)), r))
            .parse_next(i)?,
        Kind::Matches => cut_err(string().with_taken())
            .map(|(s, r)| (Test::Matches(unescape(s.text)), r))
            .parse_next(i)?,
        Kind::IsSubset => cut_err(string().with_taken())
            .map(|(s, r)| (Test::IsSubset(unescape(s.text)), r))
            .parse_next(i)?,
        _ => cut_err(string().with_taken())
            .map(|(s, r)| (Test::IsSuperset(unescape(s.text)), r))
            .parse_next(i)?,
    };
    let raw: String = raw.iter().map(|t| t.text).collect();
    if let Some(problem) = hash_problem(&path, &raw) {
        return refuse(left, problem);
    }
    Ok(ComparisonExpr::Test(PropTest {
        path,
        negated,
        test,
    }))
}

fn object_path<'t>(i: &mut In<'t>) -> PResult<ObjectPath> {
    let object_type = alt((
        tok(Kind::Ident, "an object type"),
        tok(Kind::IdentHyphen, "an object type"),
    ))
    .context("an object type (such as ipv4-addr)")
    .parse_next(i)?;
    cut_err(tok(Kind::Colon, "':' after the object type")).parse_next(i)?;
    let property = cut_err(key).parse_next(i)?;
    let steps = repeat(
        0..,
        alt((
            preceded(tok(Kind::Dot, "'.'"), cut_err(key)).map(PathStep::Key),
            delimited(
                tok(Kind::LBrack, "'['"),
                cut_err(index),
                cut_err(tok(Kind::RBrack, "']'")),
            ),
        )),
    )
    .parse_next(i)?;
    Ok(ObjectPath {
        object_type: object_type.text.to_owned(),
        property,
        steps,
    })
}

/// A property name: an identifier without hyphens or a quoted string.
fn key<'t>(i: &mut In<'t>) -> PResult<String> {
    alt((
        tok(Kind::Ident, "a property name").map(|t| t.text.to_owned()),
        tok(Kind::Str, "a quoted property name").map(|t| unescape(t.text)),
    ))
    .context("a property name (letters, digits and '_', or quoted like 'SHA-256')")
    .parse_next(i)
}

fn index<'t>(i: &mut In<'t>) -> PResult<PathStep> {
    one_of(|t: Tok<'t>| matches!(t.kind, Kind::IntPos | Kind::IntNeg | Kind::Asterisk))
        .context("a list index (an integer or '*')")
        .map(|t: Tok<'t>| match t.kind {
            Kind::Asterisk => PathStep::AnyIndex,
            _ => PathStep::Index(unsigned(t.text)),
        })
        .parse_next(i)
}

fn orderable_literal<'t>(i: &mut In<'t>) -> PResult<Literal> {
    any.verify_map(|t: Tok<'t>| literal_of(t).filter(|l| !matches!(l, Literal::Bool(_))))
        .context("a literal other than a boolean (number, string, b'', h'', t'')")
        .parse_next(i)
}

fn primitive_literal<'t>(i: &mut In<'t>) -> PResult<Literal> {
    any.verify_map(literal_of)
        .context("a literal (number, string, boolean, b'', h'', t'')")
        .parse_next(i)
}

fn set_literal<'t>(i: &mut In<'t>) -> PResult<Vec<Literal>> {
    delimited(
        tok(Kind::LParen, "a set '(...)'"),
        separated(0.., primitive_literal, tok(Kind::Comma, "','")),
        cut_err(tok(Kind::RParen, "',' or ')'")),
    )
    .parse_next(i)
}

fn literal_of(t: Tok<'_>) -> Option<Literal> {
    Some(match t.kind {
        Kind::IntPos | Kind::IntNeg => Literal::Int(unsigned(t.text)),
        Kind::FloatPos | Kind::FloatNeg => Literal::Float(unsigned(t.text)),
        Kind::Str => Literal::Str(unescape(t.text)),
        Kind::Bool => Literal::Bool(t.text == "true"),
        Kind::Binary => Literal::Binary(quoted_body(t.text).to_owned()),
        Kind::Hex => Literal::Hex(quoted_body(t.text).to_owned()),
        Kind::Timestamp => Literal::Timestamp(quoted_body(t.text).to_owned()),
        _ => return None,
    })
}

/// A number's text without a leading `+`.
fn unsigned(text: &str) -> String {
    text.strip_prefix('+').unwrap_or(text).to_owned()
}

/// The text between the quotes of `x'...'`.
fn quoted_body(text: &str) -> &str {
    let start = text.find('\'').map_or(0, |q| q + 1);
    let end = text.len().saturating_sub(1).max(start);
    text.get(start..end).unwrap_or("")
}

/// The value of a string literal token (quotes included).
fn unescape(token: &str) -> String {
    let body = token
        .strip_prefix('\'')
        .and_then(|t| t.strip_suffix('\''))
        .unwrap_or(token);
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            // The lexer admits only \' and \\.
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The OASIS validator's check of hash values: when a path goes through
/// `hashes` and ends in a known hash name, the compared value (its text as
/// written, quotes removed) must have that hash's shape.
fn hash_problem(path: &ObjectPath, raw_value: &str) -> Option<String> {
    let through_hashes = path.property == "hashes"
        || path
            .steps
            .iter()
            .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"));
    if !through_hashes {
        return None;
    }
    let selector = match path.steps.last() {
        Some(PathStep::Key(k)) => k.as_str(),
        Some(PathStep::Index(_) | PathStep::AnyIndex) => return None,
        None => path.property.as_str(),
    };
    let name: String = selector
        .chars()
        .filter(|c| *c != '-' && *c != '\'')
        .flat_map(char::to_uppercase)
        .collect();
    let value = raw_value.replace('\'', "");
    // Python's `$` also matches before one final newline.
    let value_end = value.strip_suffix('\n').unwrap_or(&value);
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    let starts_hex =
        |s: &str, n: usize| s.len() >= n && s.as_bytes()[..n].iter().all(u8::is_ascii_hexdigit);
    let ok = match name.as_str() {
        "MD5" => hex(value_end, 32),
        "RIPEMD160" | "SHA1" => hex(value_end, 40),
        "SHA224" | "SHA3224" => hex(value_end, 56),
        "SHA256" | "SHA3256" => hex(value_end, 64),
        "SHA384" | "SHA3384" => hex(value_end, 96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex(value_end, 128),
        // The validator's MD6 expression is anchored at the start only.
        "MD6" => {
            starts_hex(&value, 32)
                || value
                    .strip_prefix("\n    ")
                    .is_some_and(|rest| starts_hex(rest, 64))
        }
        "SSDEEP" => {
            (1..=128).contains(&value_end.chars().count())
                && value_end
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '+' | ':' | '.'))
        }
        _ => true,
    };
    (!ok).then(|| format!("'{value}' is not a valid {selector} hash"))
}

/// Parses a STIX 2.1 pattern.
///
/// ```
/// use c5hub_stix::pattern::{parse, ObservationExpr};
///
/// let p = parse("[ipv4-addr:value = '198.51.100.7'] AND [domain-name:value = 'evil.example']")?;
/// assert!(matches!(p.expression, ObservationExpr::And(_)));
/// assert_eq!(parse(&p.to_string())?, p);
///
/// let err = parse("[ipv4-addr:value = ]").unwrap_err();
/// assert_eq!(err.offset, 19);
/// # Ok::<(), c5hub_stix::pattern::PatternError>(())
/// ```
pub fn parse(text: &str) -> Result<Pattern, PatternError> {
    if text.len() > MAX_PATTERN_LEN {
        return Err(PatternError {
            offset: 0,
            message: format!(
                "the pattern is {} bytes long, more than the {MAX_PATTERN_LEN} allowed",
                text.len()
            ),
        });
    }
    // The OASIS validator insists on this before parsing (so a pattern may
    // not start with a comment either); agree with it.
    match text
        .char_indices()
        .find(|(_, c)| *c != '(' && !c.is_whitespace())
    {
        None => {
            return Err(PatternError {
                offset: char_offset(text, text.len()),
                message: "the pattern is empty; expected an observation expression such as [ipv4-addr:value = '198.51.100.7']".to_owned(),
            });
        }
        Some((at, c)) if c != '[' => {
            return Err(PatternError {
                offset: char_offset(text, at),
                message: format!(
                    "expected '[' (a pattern starts with an observation expression in square brackets, possibly in parentheses), found {}",
                    describe_char(c)
                ),
            });
        }
        Some(_) => {}
    }
    let tokens = tokenize(text)?;
    let mut input: In<'_> = &tokens;
    let result = observation_expressions.parse_next(&mut input);
    let fail = match result {
        Ok(expression) if input.is_empty() => return Ok(Pattern { expression }),
        Ok(_) => Fail {
            left: input.len(),
            expected: Labels::one("AND, OR, FOLLOWEDBY, a qualifier or the end of the pattern"),
            message: None,
        },
        Err(ErrMode::Backtrack(f) | ErrMode::Cut(f)) => f,
        Err(ErrMode::Incomplete(_)) => Fail {
            left: 0,
            expected: Labels::default(),
            message: None,
        },
    };
    Err(to_error(text, &tokens, fail))
}

fn to_error(text: &str, tokens: &[Tok<'_>], fail: Fail) -> PatternError {
    let index = tokens.len().saturating_sub(fail.left);
    let found = tokens.get(index);
    let offset = char_offset(text, found.map_or(text.len(), |t| t.at));
    let malformed = found.zip(tokens.get(index + 1)).and_then(|(t, next)| {
        let adjacent = next.at == t.at + t.text.len() && next.text.starts_with('\'');
        let what = match t.text {
            "t" => "timestamp literal, which must read t'YYYY-MM-DDThh:mm:ss[.fraction]Z'",
            "h" => "hex literal, which must read h'...' with an even number of hex digits",
            "b" => {
                "binary literal, which must read b'...' with base64 in groups of four characters"
            }
            _ => return None,
        };
        adjacent.then(|| format!("a malformed {what}"))
    });
    let message = match fail.message {
        Some(message) => message,
        None => {
            let expected: Vec<&str> = fail.expected.iter().collect();
            let expected = match expected.as_slice() {
                [] => "something else".to_owned(),
                [one] => (*one).to_owned(),
                [init @ .., last] => format!("{} or {last}", init.join(", ")),
            };
            let found = malformed.unwrap_or_else(|| describe_token(found));
            format!("expected {expected}, found {found}")
        }
    };
    PatternError { offset, message }
}

fn describe_token(t: Option<&Tok<'_>>) -> String {
    let Some(t) = t else {
        return "the end of the pattern".to_owned();
    };
    match t.kind {
        Kind::Quote => {
            "a string literal that is not closed or holds an escape other than \\' and \\\\"
                .to_owned()
        }
        Kind::Invalid => match t.text.chars().next() {
            Some(c) => format!(
                "{}, which the pattern language does not use",
                describe_char(c)
            ),
            None => "nothing".to_owned(),
        },
        _ => {
            let shown: String = t.text.chars().take(40).collect();
            let more = if t.text.chars().count() > 40 {
                "..."
            } else {
                ""
            };
            format!("'{shown}{more}'")
        }
    }
}

fn describe_char(c: char) -> String {
    if c.is_control() || c.is_whitespace() {
        format!("the character U+{:04X}", u32::from(c))
    } else {
        format!("'{c}'")
    }
}

// ---------------------------------------------------------------------------
// Printer
// ---------------------------------------------------------------------------

impl fmt::Display for Pattern {
    /// Writes the pattern in one canonical spelling: single spaces around
    /// operators, parentheses only where precedence or the qualifier rule
    /// needs them, property names quoted only when they must be. For every
    /// tree [`parse`] returns, the text parses back to an equal tree.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_observation(f, &self.expression)
    }
}

impl fmt::Display for ObservationExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_observation(f, self)
    }
}

impl fmt::Display for ComparisonExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_comparison(f, self)
    }
}

impl fmt::Display for ObjectPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.object_type)?;
        write_key(f, &self.property)?;
        for step in &self.steps {
            match step {
                PathStep::Key(k) => {
                    f.write_char('.')?;
                    write_key(f, k)?;
                }
                PathStep::Index(n) => write!(f, "[{n}]")?,
                PathStep::AnyIndex => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(t) | Literal::Float(t) => f.write_str(t),
            Literal::Str(s) => write_string(f, s),
            Literal::Bool(b) => write!(f, "{b}"),
            Literal::Binary(t) => write!(f, "b'{t}'"),
            Literal::Hex(t) => write!(f, "h'{t}'"),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
        }
    }
}

impl fmt::Display for Qualifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within(n) => write!(f, "WITHIN {n} SECONDS"),
            Qualifier::Repeats(n) => write!(f, "REPEATS {n} TIMES"),
            Qualifier::StartStop { start, stop } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

fn observation_precedence(e: &ObservationExpr) -> u8 {
    match e {
        ObservationExpr::FollowedBy(_) => 1,
        ObservationExpr::Or(_) => 2,
        ObservationExpr::And(_) => 3,
        ObservationExpr::Qualified(..) | ObservationExpr::Comparison(_) => 4,
    }
}

/// Whether `e` is a chain of qualifiers on a bracketed expression that
/// already applies a qualifier of `q`'s kind, so adding `q` needs
/// parentheses.
fn chain_has(e: &ObservationExpr, q: &Qualifier) -> bool {
    match e {
        ObservationExpr::Qualified(inner, applied) => applied.same_kind(q) || chain_has(inner, q),
        _ => false,
    }
}

fn write_observation(f: &mut fmt::Formatter<'_>, e: &ObservationExpr) -> fmt::Result {
    let list = |f: &mut fmt::Formatter<'_>, items: &[ObservationExpr], op: &str| -> fmt::Result {
        let own = observation_precedence(e);
        for (n, item) in items.iter().enumerate() {
            if n > 0 {
                write!(f, " {op} ")?;
            }
            if observation_precedence(item) <= own {
                f.write_char('(')?;
                write_observation(f, item)?;
                f.write_char(')')?;
            } else {
                write_observation(f, item)?;
            }
        }
        Ok(())
    };
    match e {
        ObservationExpr::Comparison(c) => {
            f.write_char('[')?;
            write_comparison(f, c)?;
            f.write_char(']')
        }
        ObservationExpr::And(items) => list(f, items, "AND"),
        ObservationExpr::Or(items) => list(f, items, "OR"),
        ObservationExpr::FollowedBy(items) => list(f, items, "FOLLOWEDBY"),
        ObservationExpr::Qualified(inner, q) => {
            if observation_precedence(inner) < 4 || chain_has(inner, q) {
                f.write_char('(')?;
                write_observation(f, inner)?;
                f.write_char(')')?;
            } else {
                write_observation(f, inner)?;
            }
            write!(f, " {q}")
        }
    }
}

fn comparison_precedence(e: &ComparisonExpr) -> u8 {
    match e {
        ComparisonExpr::Or(_) => 1,
        ComparisonExpr::And(_) => 2,
        ComparisonExpr::Test(_) => 3,
    }
}

fn write_comparison(f: &mut fmt::Formatter<'_>, e: &ComparisonExpr) -> fmt::Result {
    let (items, op) = match e {
        ComparisonExpr::Test(t) => return write_test(f, t),
        ComparisonExpr::And(items) => (items, "AND"),
        ComparisonExpr::Or(items) => (items, "OR"),
    };
    let own = comparison_precedence(e);
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            write!(f, " {op} ")?;
        }
        if comparison_precedence(item) <= own {
            f.write_char('(')?;
            write_comparison(f, item)?;
            f.write_char(')')?;
        } else {
            write_comparison(f, item)?;
        }
    }
    Ok(())
}

fn write_test(f: &mut fmt::Formatter<'_>, t: &PropTest) -> fmt::Result {
    let not = if t.negated { "NOT " } else { "" };
    let (op, operand): (&str, Option<&Literal>) = match &t.test {
        Test::Exists => return write!(f, "{not}EXISTS {}", t.path),
        Test::In(set) => {
            write!(f, "{} {not}IN (", t.path)?;
            for (n, l) in set.iter().enumerate() {
                if n > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{l}")?;
            }
            return f.write_char(')');
        }
        Test::Like(s) | Test::Matches(s) | Test::IsSubset(s) | Test::IsSuperset(s) => {
            let op = match &t.test {
                Test::Like(_) => "LIKE",
                Test::Matches(_) => "MATCHES",
                Test::IsSubset(_) => "ISSUBSET",
                _ => "ISSUPERSET",
            };
            write!(f, "{} {not}{op} ", t.path)?;
            return write_string(f, s);
        }
        Test::Eq(l) => ("=", Some(l)),
        Test::Ne(l) => ("!=", Some(l)),
        Test::Lt(l) => ("<", Some(l)),
        Test::Le(l) => ("<=", Some(l)),
        Test::Gt(l) => (">", Some(l)),
        Test::Ge(l) => (">=", Some(l)),
    };
    write!(f, "{} {not}{op}", t.path)?;
    if let Some(l) = operand {
        write!(f, " {l}")?;
    }
    Ok(())
}

/// Writes a property name bare when it reads back as one identifier, quoted
/// otherwise.
fn write_key(f: &mut fmt::Formatter<'_>, key: &str) -> fmt::Result {
    let mut chars = key.chars();
    let bare = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved(key);
    if bare {
        f.write_str(key)
    } else {
        write_string(f, key)
    }
}

fn write_string(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    f.write_char('\'')?;
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            f.write_char('\\')?;
        }
        f.write_char(c)?;
    }
    f.write_char('\'')
}

// ---------------------------------------------------------------------------
// Observables
// ---------------------------------------------------------------------------

/// The observables a pattern names in the simple shape "this value is an
/// indicator": every comparison `type:path = value` (and every value of
/// `type:path IN (...)`) that is not negated, wherever it stands (inside
/// `AND`/`OR`, in any observation expression), for the paths c5hub
/// normalises:
///
/// | path | kind |
/// | --- | --- |
/// | `ipv4-addr:value` | IPv4 address or CIDR prefix |
/// | `ipv6-addr:value` | IPv6 address or CIDR prefix |
/// | `domain-name:value` | domain |
/// | `url:value` | URL |
/// | `email-addr:value`, `email-message:from_ref.value`, `email-message:sender_ref.value` | email address |
/// | `file:hashes.MD5` / `'SHA-1'` / `'SHA-256'` / `'SHA-512'` / `SSDEEP` / `TLSH` (any case, with or without `-`) | that digest |
/// | `autonomous-system:number` | AS number |
/// | `mac-addr:value` | MAC address |
/// | `phone-number:value` (OpenCTI), `x-c5hub-phone-number:value` | phone number (international form) |
/// | `imei:value` (OpenCTI), `x-c5hub-imei:value` | IMEI |
/// | `x-c5hub-sender-id:value` | SMS sender id |
/// | `x-c5hub-cve:value` | CVE id |
///
/// Values the model refuses (`ipv4-addr:value = 'not an address'`) and all
/// other comparisons are skipped, not errors. Each observable appears once,
/// in the order of its first comparison.
pub fn observables(p: &Pattern) -> Vec<Observable> {
    let mut out: Vec<Observable> = Vec::new();
    for comparison in p.expression.comparisons() {
        for test in comparison.tests() {
            if test.negated {
                continue;
            }
            let values: Vec<&Literal> = match &test.test {
                Test::Eq(l) => vec![l],
                Test::In(set) => set.iter().collect(),
                _ => continue,
            };
            for value in values {
                if let Some(o) = observable_of(&test.path, value) {
                    if !out.contains(&o) {
                        out.push(o);
                    }
                }
            }
        }
    }
    out
}

fn observable_of(path: &ObjectPath, value: &Literal) -> Option<Observable> {
    use ObservableKind as K;
    let steps: Vec<&str> = path
        .steps
        .iter()
        .map(|s| match s {
            PathStep::Key(k) => Some(k.as_str()),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let ty = path.object_type.as_str();
    let prop = path.property.as_str();
    if (ty, prop, steps.as_slice()) == ("autonomous-system", "number", &[][..]) {
        let n = value.as_i64().filter(|n| *n >= 0)?;
        return Observable::parse(K::Asn, &format!("AS{n}")).ok();
    }
    let text = value.as_str()?;
    let parse = |kind| Observable::parse(kind, text).ok();
    match (ty, prop, steps.as_slice()) {
        ("ipv4-addr", "value", []) => address(text, false),
        ("ipv6-addr", "value", []) => address(text, true),
        ("domain-name", "value", []) => parse(K::Domain),
        ("url", "value", []) => parse(K::Url),
        ("email-addr", "value", []) | ("email-message", "from_ref" | "sender_ref", ["value"]) => {
            parse(K::Email)
        }
        ("file", "hashes", [name]) => {
            let name: String = name
                .chars()
                .filter(|c| *c != '-')
                .flat_map(char::to_uppercase)
                .collect();
            let kind = match name.as_str() {
                "MD5" => K::Md5,
                "SHA1" => K::Sha1,
                "SHA256" => K::Sha256,
                "SHA512" => K::Sha512,
                "SSDEEP" => K::Ssdeep,
                "TLSH" => K::Tlsh,
                _ => return None,
            };
            parse(kind)
        }
        ("mac-addr", "value", []) => parse(K::Mac),
        ("phone-number" | "x-c5hub-phone-number", "value", []) => parse(K::PhoneNumber),
        ("imei" | "x-c5hub-imei", "value", []) => parse(K::Imei),
        ("x-c5hub-sender-id", "value", []) => parse(K::SenderId),
        ("x-c5hub-cve", "value", []) => parse(K::Cve),
        _ => None,
    }
}

/// An address or prefix of the family the object type names (an
/// IPv4-mapped IPv6 value becomes IPv4, as the model normalises it).
fn address(text: &str, v6: bool) -> Option<Observable> {
    use ObservableKind as K;
    let o = if text.contains('/') {
        Observable::parse(K::Cidr, text).ok()?
    } else {
        Observable::parse(if v6 { K::Ipv6 } else { K::Ipv4 }, text).ok()?
    };
    let is_v6 = o.value().contains(':');
    (v6 || !is_v6).then_some(o)
}

/// The pattern c5hub writes for one of its observables, such as
/// `[ipv4-addr:value = '198.51.100.7']`: the inverse of [`observables`] for
/// one comparison (see the table there; phone numbers and IMEIs use
/// OpenCTI's `phone-number` and `imei` types). `None` when the pattern
/// would not be valid: an ssdeep digest longer than the 128 characters the
/// OASIS validator allows.
pub fn for_observable(o: &Observable) -> Option<String> {
    use ObservableKind as K;
    let (object_type, property, steps, value) = match o.kind() {
        K::Ipv4 => ("ipv4-addr", "value", vec![], None),
        K::Ipv6 => ("ipv6-addr", "value", vec![], None),
        K::Cidr if o.value().contains(':') => ("ipv6-addr", "value", vec![], None),
        K::Cidr => ("ipv4-addr", "value", vec![], None),
        K::Domain => ("domain-name", "value", vec![], None),
        K::Url => ("url", "value", vec![], None),
        K::Email => ("email-addr", "value", vec![], None),
        K::Md5 => ("file", "hashes", vec!["MD5"], None),
        K::Sha1 => ("file", "hashes", vec!["SHA-1"], None),
        K::Sha256 => ("file", "hashes", vec!["SHA-256"], None),
        K::Sha512 => ("file", "hashes", vec!["SHA-512"], None),
        K::Ssdeep => ("file", "hashes", vec!["SSDEEP"], None),
        K::Tlsh => ("file", "hashes", vec!["TLSH"], None),
        K::PhoneNumber => ("phone-number", "value", vec![], None),
        K::SenderId => ("x-c5hub-sender-id", "value", vec![], None),
        K::Imei => ("imei", "value", vec![], None),
        K::Asn => (
            "autonomous-system",
            "number",
            vec![],
            Some(Literal::Int(o.asn()?.to_string())),
        ),
        K::Mac => ("mac-addr", "value", vec![], None),
        K::Cve => ("x-c5hub-cve", "value", vec![], None),
    };
    let pattern = Pattern {
        expression: ObservationExpr::Comparison(ComparisonExpr::Test(PropTest {
            path: ObjectPath {
                object_type: object_type.to_owned(),
                property: property.to_owned(),
                steps: steps
                    .into_iter()
                    .map(|s| PathStep::Key(s.to_owned()))
                    .collect(),
            },
            negated: false,
            test: Test::Eq(value.unwrap_or_else(|| Literal::Str(o.value().to_owned()))),
        })),
    };
    let text = pattern.to_string();
    // What c5hub writes must pass the same checks as what it reads.
    parse(&text).is_ok().then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tokens of `text` as `Kind:text` (spaces and comments dropped).
    fn lex(text: &str) -> Vec<String> {
        tokenize(text)
            .expect("within the limits")
            .iter()
            .map(|t| format!("{:?}:{}", t.kind, t.text))
            .collect()
    }

    #[test]
    fn the_longest_token_wins_and_keywords_beat_identifiers_of_their_length() {
        assert_eq!(
            lex("AND ANDx AND-x"),
            ["And:AND", "Ident:ANDx", "IdentHyphen:AND-x"]
        );
        assert_eq!(lex("true truex"), ["Bool:true", "Ident:truex"]);
        assert_eq!(
            lex("h'' h'a' h"),
            ["Hex:h''", "Ident:h", "Str:'a'", "Ident:h"]
        );
        assert_eq!(
            lex("1.5.3 -.5 +0 05"),
            [
                "FloatPos:1.5",
                "FloatPos:.3",
                "FloatNeg:-.5",
                "IntPos:+0",
                "IntPos:0",
                "IntPos:5"
            ]
        );
        assert_eq!(
            lex("== = <> != <= < >= >"),
            [
                "Eq:==", "Eq:=", "Neq:<>", "Neq:!=", "Le:<=", "Lt:<", "Ge:>=", "Gt:>"
            ]
        );
        assert_eq!(
            lex("b'YQ==' b'YQ=' "),
            ["Binary:b'YQ=='", "Ident:b", "Str:'YQ='"]
        );
        assert_eq!(
            lex("t'2020-01-01T00:00:00Z't"),
            ["Timestamp:t'2020-01-01T00:00:00Z'", "Ident:t"]
        );
    }

    #[test]
    fn strings_admit_only_two_escapes() {
        assert_eq!(lex(r"'a\'b\\c'"), [r"Str:'a\'b\\c'"]);
        assert_eq!(unescape(r"'a\'b\\c'"), r"a'b\c");
        // `\n` is no escape: the quote stands alone and lexing stops.
        assert_eq!(lex(r"'a\nb' x"), ["Quote:'"]);
    }

    #[test]
    fn spaces_and_comments_separate_tokens_and_vanish() {
        assert_eq!(
            lex("a/* x */b // rest\nc\u{a0}d\u{2028}e"),
            ["Ident:a", "Ident:b", "Ident:c", "Ident:d", "Ident:e"]
        );
        assert_eq!(lex("a /* never closed"), ["Ident:a", "Divide:/"]);
    }

    #[test]
    fn a_key_is_written_bare_only_when_it_reads_back_as_itself() {
        let shown = |k: &str| {
            let path = ObjectPath {
                object_type: "x".into(),
                property: k.into(),
                steps: vec![],
            };
            path.to_string()
        };
        assert_eq!(shown("name_1"), "x:name_1");
        assert_eq!(shown("SHA-256"), "x:'SHA-256'");
        assert_eq!(shown("AND"), "x:'AND'");
        assert_eq!(shown("true"), "x:'true'");
        assert_eq!(shown("1a"), "x:'1a'");
        assert_eq!(shown("it's"), r"x:'it\'s'");
    }

    #[test]
    fn qualifiers_get_parentheses_only_when_a_kind_repeats() {
        let simple = ObservationExpr::Comparison(ComparisonExpr::Test(PropTest {
            path: ObjectPath {
                object_type: "x".into(),
                property: "a".into(),
                steps: vec![],
            },
            negated: false,
            test: Test::Eq(Literal::Int("1".into())),
        }));
        let within =
            |e, n: &str| ObservationExpr::Qualified(Box::new(e), Qualifier::Within(n.into()));
        let repeats = ObservationExpr::Qualified(
            Box::new(within(simple.clone(), "5")),
            Qualifier::Repeats("2".into()),
        );
        assert_eq!(
            repeats.to_string(),
            "[x:a = 1] WITHIN 5 SECONDS REPEATS 2 TIMES"
        );
        let twice = within(repeats, "9");
        assert_eq!(
            twice.to_string(),
            "([x:a = 1] WITHIN 5 SECONDS REPEATS 2 TIMES) WITHIN 9 SECONDS"
        );
        assert_eq!(parse(&twice.to_string()).map(|p| p.expression), Ok(twice));
    }
}
