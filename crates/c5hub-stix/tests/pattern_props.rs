//! Properties of the pattern parser and printer: a generated pattern prints
//! to text that parses back to the same tree; no text makes `parse` panic;
//! the length and nesting limits refuse input with an error, never a stack
//! overflow.

use c5hub_stix::pattern::{
    ComparisonExpr, Literal, MAX_DEPTH, MAX_PATTERN_LEN, ObjectPath, ObservationExpr, PathStep,
    Pattern, PropTest, Qualifier, Test, parse,
};
use proptest::prelude::*;

const TIMESTAMP: &str = "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\\.[0-9]{1,4})?Z";

fn any_text() -> impl Strategy<Value = String> {
    // Quotes, backslashes, spaces, newlines and non-ASCII are the
    // interesting characters for the printer's escaping.
    prop_oneof![
        "[a-zA-Z0-9 '\\\\\n\t_./%^$*-]{0,12}",
        any::<String>().prop_map(|s| s.chars().take(12).collect()),
    ]
}

fn literal(with_bool: bool) -> BoxedStrategy<Literal> {
    let mut options = vec![
        "-?(0|[1-9][0-9]{0,25})".prop_map(Literal::Int).boxed(),
        "-?[0-9]{0,3}\\.[0-9]{1,4}".prop_map(Literal::Float).boxed(),
        any_text().prop_map(Literal::Str).boxed(),
        "([A-Za-z0-9+/]{4}){0,3}([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)"
            .prop_map(Literal::Binary)
            .boxed(),
        "([0-9a-fA-F]{2}){0,5}".prop_map(Literal::Hex).boxed(),
        TIMESTAMP.prop_map(Literal::Timestamp).boxed(),
    ];
    if with_bool {
        options.push(any::<bool>().prop_map(Literal::Bool).boxed());
    }
    proptest::strategy::Union::new(options).boxed()
}

/// Property names: identifiers (printed bare), reserved words and other
/// text (printed quoted).
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z_][a-zA-Z0-9_]{0,8}",
        prop::sample::select(vec![
            "AND", "LAST", "true", "false", "IN", "x-y", "SHA-256", "1a"
        ])
        .prop_map(String::from),
        any_text(),
    ]
}

fn object_path() -> impl Strategy<Value = ObjectPath> {
    let step = prop_oneof![
        key().prop_map(PathStep::Key),
        any::<i64>().prop_map(PathStep::Index),
        Just(PathStep::AnyIndex),
    ];
    (
        "[a-z_][a-z0-9_-]{0,12}".prop_filter("not a boolean", |t| t != "true" && t != "false"),
        key(),
        prop::collection::vec(step, 0..4),
    )
        .prop_map(|(object_type, property, steps)| ObjectPath {
            object_type,
            property,
            steps,
        })
        // The validator's hash-value check applies under `hashes`; keep
        // generated values out of its way.
        .prop_filter("no hashes", |p| {
            p.property != "hashes"
                && !p
                    .steps
                    .iter()
                    .any(|s| matches!(s, PathStep::Key(k) if k == "hashes"))
        })
}

fn prop_test() -> impl Strategy<Value = PropTest> {
    let test = prop_oneof![
        literal(true).prop_map(Test::Eq),
        literal(true).prop_map(Test::Ne),
        literal(false).prop_map(Test::Lt),
        literal(false).prop_map(Test::Le),
        literal(false).prop_map(Test::Gt),
        literal(false).prop_map(Test::Ge),
        prop::collection::vec(literal(true), 0..4).prop_map(Test::In),
        any_text().prop_map(Test::Like),
        any_text().prop_map(Test::Matches),
        any_text().prop_map(Test::IsSubset),
        any_text().prop_map(Test::IsSuperset),
        Just(Test::Exists),
    ];
    (object_path(), any::<bool>(), test).prop_map(|(path, negated, test)| PropTest {
        path,
        negated,
        test,
    })
}

fn comparison() -> impl Strategy<Value = ComparisonExpr> {
    prop_test()
        .prop_map(ComparisonExpr::Test)
        .prop_recursive(4, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ComparisonExpr::and),
                prop::collection::vec(inner, 2..4).prop_map(ComparisonExpr::or),
            ]
        })
}

fn qualifier() -> impl Strategy<Value = Qualifier> {
    prop_oneof![
        "(0|[1-9][0-9]{0,6})|[0-9]{0,3}\\.[0-9]{1,3}".prop_map(Qualifier::Within),
        "0|[1-9][0-9]{0,6}".prop_map(Qualifier::Repeats),
        (TIMESTAMP, TIMESTAMP).prop_map(|(start, stop)| Qualifier::StartStop { start, stop }),
    ]
}

fn observation() -> impl Strategy<Value = ObservationExpr> {
    comparison()
        .prop_map(ObservationExpr::Comparison)
        .prop_recursive(5, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::and),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::or),
                prop::collection::vec(inner.clone(), 2..4).prop_map(ObservationExpr::followed_by),
                (inner, qualifier()).prop_map(|(e, q)| ObservationExpr::Qualified(Box::new(e), q)),
            ]
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn a_printed_pattern_parses_back_equal(expression in observation()) {
        let pattern = Pattern { expression };
        let text = pattern.to_string();
        let parsed = parse(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert_eq!(parsed, pattern, "{}", text);
    }

    #[test]
    fn parse_never_panics_on_any_text(text in any::<String>()) {
        let _ = parse(&text);
    }

    #[test]
    fn parse_never_panics_on_pattern_like_text(
        text in "[\\[\\]() a-z:.'=<>!0-9*,+\\\\-]{0,40}|((\\[|\\(|\\]|\\)| |AND|OR|NOT|FOLLOWEDBY|WITHIN|REPEATS|TIMES|SECONDS|START|STOP|IN|LIKE|EXISTS|a:b|=|'x'|1|t'|h'|b'|/\\*|//)){0,30}"
    ) {
        let _ = parse(&text);
    }

    #[test]
    fn a_damaged_pattern_is_refused_or_parsed_but_never_panics(
        expression in observation(),
        cut in any::<prop::sample::Index>(),
        insert in any::<char>(),
    ) {
        let text = Pattern { expression }.to_string();
        let chars: Vec<char> = text.chars().collect();
        let at = cut.index(chars.len() + 1);
        let truncated: String = chars[..at].iter().collect();
        let inserted: String = chars[..at].iter().chain(std::iter::once(&insert)).chain(&chars[at..]).collect();
        for damaged in [truncated, inserted] {
            if let Err(e) = parse(&damaged) {
                prop_assert!(e.offset <= damaged.chars().count(), "{} in {:?}", e, damaged);
                prop_assert!(!e.message.is_empty());
            }
        }
    }
}

fn nested(depth: usize) -> String {
    format!(
        "{}[x-test:a = 1]{}",
        "(".repeat(depth - 1),
        ")".repeat(depth - 1)
    )
}

#[test]
fn nesting_up_to_the_limit_parses() {
    parse(&nested(MAX_DEPTH)).expect("MAX_DEPTH levels are allowed");
    let brackets = format!(
        "[{}x-test:a = 1{}]",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    parse(&brackets).expect("MAX_DEPTH levels inside brackets are allowed");
}

#[test]
fn deeper_nesting_is_refused_with_an_error_not_a_stack_overflow() {
    let err = parse(&nested(MAX_DEPTH + 1)).expect_err("too deep");
    assert_eq!(err.offset, MAX_DEPTH);
    assert_eq!(
        err.to_string(),
        format!(
            "at character {}: brackets and parentheses are nested deeper than 64 levels",
            MAX_DEPTH + 1
        )
    );
    let very_deep = format!("{}[x-test:a = 1]", "(".repeat(60_000));
    assert!(parse(&very_deep).is_err());
    let brackets = format!("[{}", "(".repeat(60_000));
    assert!(parse(&brackets).is_err());
}

#[test]
fn patterns_longer_than_the_limit_are_refused() {
    let filler = "x".repeat(MAX_PATTERN_LEN);
    let err = parse(&format!("[x-test:a = '{filler}']")).expect_err("too long");
    assert_eq!(err.offset, 0);
    assert!(err.message.contains("65536"), "{err}");
}

#[test]
fn long_flat_patterns_parse_without_deep_recursion() {
    // Lists of operands are loops, not recursion: thousands of them parse.
    let ors: Vec<String> = (0..1500)
        .map(|n| format!("[ipv4-addr:value = '10.0.{}.{}']", n / 256, n % 256))
        .collect();
    let text = ors.join(" OR ");
    assert!(text.len() < MAX_PATTERN_LEN);
    let p = parse(&text).expect("a long flat pattern");
    assert!(matches!(p.expression, ObservationExpr::Or(ref v) if v.len() == 1500));
}

#[test]
fn error_offsets_count_characters_not_bytes() {
    let err = parse("[x-test:a = 'é' é]").expect_err("a stray character");
    assert_eq!(err.offset, 16);
    assert_eq!(
        err.to_string(),
        "at character 17: expected AND, OR or ']', found 'é', which the pattern language does not use"
    );
}
