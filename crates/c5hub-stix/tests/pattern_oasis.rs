//! The OASIS reference validator (`stix2-patterns` from PyPI, which
//! tools/test.sh installs) agrees with `parse` on every pattern of the
//! corpus: it accepts each line of valid.txt and refuses each of
//! invalid.txt. Without Python or the package this test fails and says how
//! to install it.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use c5hub_stix::pattern::parse;

/// Reads each pattern line (not comments, not `!!` expected errors).
fn patterns(name: &str) -> Vec<String> {
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

/// The validator's verdict on each pattern: `None` when it accepts it, its
/// first message when it refuses it.
fn oasis_verdicts(patterns: &[String]) -> Vec<Option<String>> {
    const SCRIPT: &str = r#"
import sys
from stix2patterns.validator import run_validator
for line in sys.stdin.read().split("\n")[:-1]:
    try:
        errors = run_validator(line, "2.1")
    except Exception as e:
        errors = ["validator raised " + repr(e)]
    print("ok" if not errors else "refused " + repr(errors[0]))
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
        assert!(!p.contains('\n'));
        input.push_str(p);
        input.push('\n');
    }
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
    let verdicts: Vec<Option<String>> = String::from_utf8(out.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| if l == "ok" { None } else { Some(l.to_owned()) })
        .collect();
    assert_eq!(verdicts.len(), patterns.len());
    verdicts
}

#[test]
fn the_oasis_validator_accepts_every_valid_pattern() {
    let patterns = patterns("valid.txt");
    let verdicts = oasis_verdicts(&patterns);
    let disagreements: Vec<String> = patterns
        .iter()
        .zip(verdicts)
        .filter_map(|(p, v)| {
            v.map(|why| format!("{p}\n  OASIS: {why}\n  ours: {:?}", parse(p).err()))
        })
        .collect();
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
}

#[test]
fn the_oasis_validator_refuses_every_invalid_pattern() {
    let patterns = patterns("invalid.txt");
    let verdicts = oasis_verdicts(&patterns);
    let disagreements: Vec<String> = patterns
        .iter()
        .zip(verdicts)
        .filter(|(_, v)| v.is_none())
        .map(|(p, _)| format!("{p}\n  OASIS accepts it, ours: {:?}", parse(p).err()))
        .collect();
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    // Nor does it crash on any: a crash is no verdict.
    for (p, v) in patterns.iter().zip(oasis_verdicts(&patterns)) {
        let why = v.unwrap_or_default();
        assert!(!why.contains("validator raised"), "{p}: {why}");
    }
}
