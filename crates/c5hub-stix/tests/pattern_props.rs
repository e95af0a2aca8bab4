//! Properties of the pattern parser and printer: a generated pattern prints
//! to text that parses back to the same tree; no text makes `parse` panic;
//! the length and nesting limits refuse input with an error, never a stack
//! overflow.

mod pattern_gen;

use c5hub_stix::pattern::{MAX_DEPTH, MAX_PATTERN_LEN, ObservationExpr, Pattern, parse};
use pattern_gen::observation;
use proptest::prelude::*;

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

#[test]
fn unclosed_strings_and_comments_take_linear_time() {
    // Each quote starts a string that runs to the end unclosed; each `/*`
    // a comment. Scanning again from every one would take minutes.
    let budget = MAX_PATTERN_LEN - 64;
    for filler in ["'\\", "/*x", "h'", "b'", "t'"] {
        let text = format!(
            "[x-test:a = 1 AND x-test:b = {}]",
            filler.repeat(budget / filler.len())
        );
        let started = std::time::Instant::now();
        let err = parse(&text).expect_err("never closed");
        assert!(
            started.elapsed().as_secs() < 5,
            "{filler}: {:?}",
            started.elapsed()
        );
        assert_eq!(err.offset, 29, "{filler}: {err}");
    }
}
