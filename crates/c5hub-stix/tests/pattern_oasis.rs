//! The OASIS reference validator (`stix2-patterns` from PyPI, which
//! tools/test.sh installs) agrees with `parse`: it accepts each line of
//! valid.txt and refuses each of invalid.txt, and gives the same verdict as
//! `parse` on generated patterns and on damaged copies of them. Without
//! Python or the package this test fails and says how to install it.

mod pattern_gen;

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use c5hub_stix::pattern::{Pattern, parse};
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;

/// Reads each pattern line (not comments, not `!!` expected errors).
fn corpus(name: &str) -> Vec<String> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-data/patterns")
        .join(name);
    std::fs::read_to_string(path)
        .expect("the corpus file is readable")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("!! "))
        .map(str::to_owned)
        .collect()
}

#[derive(Debug, PartialEq)]
enum Verdict {
    Accepts,
    Refuses(String),
    /// The validator raised an exception (it does on a negative list index,
    /// on an index after `hashes` and on empty text): no verdict.
    Crashes(String),
}

/// The validator's verdict on each pattern.
fn oasis_verdicts(patterns: &[String]) -> Vec<Verdict> {
    // Patterns travel as hex of their UTF-8 bytes, one per line, so that
    // newlines and any other character inside them arrive intact.
    const SCRIPT: &str = r#"
import sys
from stix2patterns.validator import run_validator
for line in sys.stdin.read().split():
    pattern = bytes.fromhex(line).decode("utf-8")
    try:
        errors = run_validator(pattern, "2.1")
    except Exception as e:
        print("crashes " + repr(e))
        continue
    print("ok" if not errors else "refuses " + repr(errors[0]))
"#;
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (tools/test.sh installs what this test needs)");
    let mut input = String::new();
    for p in patterns {
        input.push_str(&p.bytes().map(|b| format!("{b:02x}")).collect::<String>());
        input.push_str(if p.is_empty() { "-\n" } else { "\n" });
    }
    assert!(
        patterns.iter().all(|p| !p.is_empty()),
        "the validator cannot take empty text"
    );
    child
        .stdin
        .take()
        .expect("piped")
        .write_all(input.as_bytes())
        .expect("python3 reads the patterns");
    let out = child.wait_with_output().expect("python3 finishes");
    assert!(
        out.status.success(),
        "the OASIS validator did not run; install it with `python3 -m pip install stix2-patterns` \
         (tools/test.sh does):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let verdicts: Vec<Verdict> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| match l {
            "ok" => Verdict::Accepts,
            _ => match l.strip_prefix("crashes ") {
                Some(why) => Verdict::Crashes(why.to_owned()),
                None => Verdict::Refuses(l.to_owned()),
            },
        })
        .collect();
    assert_eq!(verdicts.len(), patterns.len());
    verdicts
}

#[test]
fn the_oasis_validator_accepts_every_valid_pattern() {
    let patterns = corpus("valid.txt");
    let disagreements: Vec<String> = patterns
        .iter()
        .zip(oasis_verdicts(&patterns))
        .filter(|(_, v)| *v != Verdict::Accepts)
        .map(|(p, v)| format!("{p}\n  OASIS: {v:?}\n  ours: {:?}", parse(p).err()))
        .collect();
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn the_oasis_validator_refuses_every_invalid_pattern() {
    let patterns = corpus("invalid.txt");
    let disagreements: Vec<String> = patterns
        .iter()
        .zip(oasis_verdicts(&patterns))
        .filter(|(_, v)| !matches!(v, Verdict::Refuses(_)))
        .map(|(p, v)| format!("{p}\n  OASIS: {v:?}\n  ours: {:?}", parse(p).err()))
        .collect();
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

/// Characters whose insertion is most likely to change a verdict.
const DAMAGE: &[char] = &[
    '[', ']', '(', ')', '\'', '\\', ' ', ':', '.', '=', '<', '>', '!', '-', '+', '*', '/', ',',
    'A', 'O', 'h', 'b', 't', '0', '5', '\u{a0}', '\u{2028}', '\n', 'x', '_', '"',
];

#[test]
fn the_oasis_validator_gives_the_same_verdict_on_generated_damaged_and_random_patterns() {
    let mut runner = TestRunner::deterministic();
    let strategy = pattern_gen::observation();
    let mut patterns = Vec::new();
    for n in 0..400usize {
        let tree = strategy.new_tree(&mut runner).expect("a generated pattern");
        let text = Pattern {
            expression: tree.current(),
        }
        .to_string();
        let chars: Vec<char> = text.chars().collect();
        // A spread of positions and damage, the same on every run.
        let at = (n * 7919) % (chars.len() + 1);
        let inserted: String = chars[..at]
            .iter()
            .chain(std::iter::once(&DAMAGE[n % DAMAGE.len()]))
            .chain(&chars[at..])
            .collect();
        let deleted: String = chars
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != at)
            .map(|(_, c)| c)
            .collect();
        patterns.push(text);
        patterns.push(inserted);
        if !deleted.is_empty() {
            patterns.push(deleted);
        }
    }
    // And token soup: pieces of the language in random order, most of it
    // invalid in every way the parser can fail.
    let soup = "(\\[|\\(|\\]|\\)| |AND |OR |NOT |FOLLOWEDBY |WITHIN 5 SECONDS |REPEATS 2 TIMES |START t'2020-01-01T00:00:00Z' STOP t'2020-01-01T00:00:00Z' |IN |LIKE |EXISTS |a:b|x-y:'q'|=|!=|<|'x'|1|-2|true|,|\\.c|\\[\\*\\]|\\[0\\]|file:hashes\\.MD5){1,16}";
    for n in 0..400usize {
        let tree = soup.new_tree(&mut runner).expect("a soup");
        let prefix = ["[", "([", "[a:b = 1] ", ""][n % 4];
        let text = format!("{prefix}{}", tree.current());
        if !text.trim().is_empty() {
            patterns.push(text);
        }
    }
    let verdicts = oasis_verdicts(&patterns);
    let mut compared = 0;
    let mut accepted = 0;
    let mut disagreements = Vec::new();
    for (p, v) in patterns.iter().zip(verdicts) {
        let ours = parse(p);
        let agree = match &v {
            Verdict::Crashes(_) => continue,
            Verdict::Accepts => {
                accepted += 1;
                ours.is_ok()
            }
            Verdict::Refuses(_) => ours.is_err(),
        };
        compared += 1;
        if !agree {
            disagreements.push(format!("{p:?}\n  OASIS: {v:?}\n  ours: {:?}", ours.err()));
        }
    }
    assert!(compared > 1100, "only {compared} verdicts to compare");
    assert!(
        (300..compared - 300).contains(&accepted),
        "{accepted} of {compared} accepted: the inputs must mix valid and invalid"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
