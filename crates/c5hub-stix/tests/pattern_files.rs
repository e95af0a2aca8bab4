//! The pattern corpus in test-data/patterns: every valid pattern parses,
//! prints, and parses back equal; every invalid one is refused with the
//! error written under it (`!! at character N: ...`). `UPDATE_EXPECT=1`
//! rewrites those error lines from the parser's current answers, for review
//! in the diff.

use std::path::PathBuf;

use c5hub_stix::pattern::parse;

struct Case {
    line: usize,
    why: String,
    pattern: String,
    expected_error: Option<String>,
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/patterns")
        .join(name)
}

/// Reads a corpus file: `# why` comment lines, then the pattern on its own
/// line, then (invalid patterns) `!! expected error`.
fn cases(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(data(name)).expect("the corpus file is readable");
    let mut out: Vec<Case> = Vec::new();
    let mut why = String::new();
    for (n, line) in text.lines().enumerate() {
        if let Some(comment) = line.strip_prefix('#') {
            why = comment.trim().to_owned();
        } else if let Some(expected) = line.strip_prefix("!! ") {
            let last = out.last_mut().expect("an error line follows a pattern");
            last.expected_error = Some(expected.to_owned());
        } else if !line.is_empty() {
            assert!(
                !why.is_empty(),
                "{name}:{}: a pattern without a comment saying why",
                n + 1
            );
            out.push(Case {
                line: n + 1,
                why: std::mem::take(&mut why),
                pattern: line.to_owned(),
                expected_error: None,
            });
        }
    }
    out
}

#[test]
fn every_valid_pattern_parses_and_prints_back_equal() {
    let cases = cases("valid.txt");
    assert!(
        cases.len() > 80,
        "the corpus holds the OASIS examples and more"
    );
    for case in cases {
        let parsed = parse(&case.pattern).unwrap_or_else(|e| {
            panic!(
                "valid.txt:{} ({}): {e}\n{}",
                case.line, case.why, case.pattern
            )
        });
        let printed = parsed.to_string();
        let again = parse(&printed).unwrap_or_else(|e| {
            panic!(
                "valid.txt:{}: the print does not parse: {e}\n{printed}",
                case.line
            )
        });
        assert_eq!(again, parsed, "valid.txt:{}: {printed}", case.line);
        assert_eq!(
            again.to_string(),
            printed,
            "valid.txt:{}: printing is stable",
            case.line
        );
    }
}

#[test]
fn every_invalid_pattern_is_refused_with_its_error() {
    let cases = cases("invalid.txt");
    assert!(cases.len() > 60);
    let update = std::env::var_os("UPDATE_EXPECT").is_some();
    let mut rewritten = String::new();
    let mut failures = Vec::new();
    let text = std::fs::read_to_string(data("invalid.txt")).expect("readable");
    let mut next_case = cases.iter().peekable();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("!! ") {
            continue;
        }
        rewritten.push_str(line);
        rewritten.push('\n');
        if next_case.peek().is_some_and(|c| c.line == n + 1) {
            let case = next_case.next().expect("peeked");
            let error = match parse(&case.pattern) {
                Ok(p) => {
                    failures.push(format!(
                        "invalid.txt:{} ({}) parsed as {p}",
                        case.line, case.why
                    ));
                    continue;
                }
                Err(e) => e.to_string(),
            };
            rewritten.push_str(&format!("!! {error}\n"));
            if case.expected_error.as_deref() != Some(error.as_str()) {
                failures.push(format!(
                    "invalid.txt:{} ({}):\n  expected {:?}\n  found    {error:?}",
                    case.line, case.why, case.expected_error
                ));
            }
        }
    }
    if update {
        std::fs::write(data("invalid.txt"), rewritten).expect("writable");
        return;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
