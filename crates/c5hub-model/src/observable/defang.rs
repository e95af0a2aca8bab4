//! Refanging: undoing the "defanged" spellings analysts use so that an
//! indicator cannot be clicked by accident (`hxxp://evil[.]example`).
//!
//! Only unambiguous markers are undone: bracketed or parenthesised dots, colons
//! and at signs, and the `hxxp`/`hxxps`/`fxp` schemes at the start of the text.

use std::borrow::Cow;

/// Bracketed markers and what they stand for. Longer markers come first so
/// that `[://]` wins over `[:]`. Matching ignores ASCII case.
const MARKERS: &[(&str, &str)] = &[
    ("[://]", "://"),
    ("[dot]", "."),
    ("(dot)", "."),
    ("{dot}", "."),
    ("[.]", "."),
    ("(.)", "."),
    ("{.}", "."),
    ("[:]", ":"),
    ("[at]", "@"),
    ("(at)", "@"),
    ("[@]", "@"),
    ("[/]", "/"),
];

/// Defanged schemes at the very start of the text, and their real spelling.
const SCHEMES: &[(&str, &str)] = &[
    ("hxxps", "https"),
    ("hxxp", "http"),
    ("fxps", "ftps"),
    ("fxp", "ftp"),
];

/// Returns the text with defanging markers undone, borrowed when there were
/// none.
pub(crate) fn refang(text: &str) -> Cow<'_, str> {
    let scheme = SCHEMES.iter().find(|(fanged, _)| {
        text.get(..fanged.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(fanged))
            && text[fanged.len()..].starts_with([':', '['])
    });
    let has_marker = text.contains(['[', '(', '{']);
    if scheme.is_none() && !has_marker {
        return Cow::Borrowed(text);
    }

    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    if let Some((fanged, real)) = scheme {
        out.push_str(real);
        rest = &text[fanged.len()..];
    }
    'outer: while !rest.is_empty() {
        for (marker, real) in MARKERS {
            // `get` returns None when the marker length does not end on a char
            // boundary, so multibyte text is never sliced apart.
            if rest
                .get(..marker.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(marker))
            {
                out.push_str(real);
                rest = &rest[marker.len()..];
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: &str) {
        assert_eq!(refang(input), expected, "refang({input:?})");
    }

    #[test]
    fn markers_and_schemes() {
        check("example.com", "example.com");
        check("evil[.]example", "evil.example");
        check("evil(.)example(DOT)com", "evil.example.com");
        check("evil{.}example[dot]com", "evil.example.com");
        check("hxxp://evil[.]example/a", "http://evil.example/a");
        check("HXXPS[://]evil.example", "https://evil.example");
        check("hxxps[:]//evil.example", "https://evil.example");
        check("fxp://files.example", "ftp://files.example");
        check("user[at]example.com", "user@example.com");
        check("user[@]example.com", "user@example.com");
        check("192.0.2[.]1", "192.0.2.1");
        check("2001:db8[:]1", "2001:db8:1");
        check("http://example.com[/]path", "http://example.com/path");
        // A scheme only counts at the start, and only before ':' or '['.
        check("ahxxp://x", "ahxxp://x");
        check("hxxpd.example", "hxxpd.example");
        // Brackets that are no marker, and multibyte text, pass through.
        check("[::1]", "[::1]");
        check("bücher[.]example", "bücher.example");
        check("(ü)", "(ü)");
        check("[", "[");
    }
}
