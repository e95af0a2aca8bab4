//! Text normalisation for short messages: case folding, homoglyph folding,
//! scripts, and word tokens.
//!
//! A message is turned into one normalised string: lower case, confusable
//! letters of other scripts (Cyrillic `а`, Greek `ο`, fullwidth `Ａ`, ...)
//! folded to the Latin letter they imitate, and whitespace runs collapsed
//! to one space. Word tokens are the maximal runs of alphanumeric
//! characters in it, so the tokenizer works for any script that separates
//! words; scripts that do not (Chinese, Japanese, Thai) are covered by the
//! character n-grams of [`crate::features`].
//!
//! Nothing here allocates per call beyond the buffers handed in.

/// The writing systems we tell apart. Letters of other scripts count as
/// [`Script::Other`]; digits, punctuation and symbols have no script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Script {
    /// Latin letters, including the Latin-1 and Latin Extended blocks.
    Latin,
    /// Greek and Coptic.
    Greek,
    /// Cyrillic.
    Cyrillic,
    /// Arabic.
    Arabic,
    /// Hebrew.
    Hebrew,
    /// Devanagari and the other Brahmic scripts of South Asia.
    Indic,
    /// Thai.
    Thai,
    /// Chinese, Japanese kana and Korean hangul.
    Cjk,
    /// Any other letter.
    Other,
}

/// The script of a letter, `None` for anything that is not a letter.
pub fn script_of(c: char) -> Option<Script> {
    if c.is_ascii() {
        return c.is_ascii_alphabetic().then_some(Script::Latin);
    }
    if !c.is_alphabetic() {
        return None;
    }
    Some(match c as u32 {
        0x00C0..=0x024F | 0x1E00..=0x1EFF | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A => Script::Latin,
        0x0370..=0x03FF | 0x1F00..=0x1FFF => Script::Greek,
        0x0400..=0x052F | 0x2DE0..=0x2DFF | 0xA640..=0xA69F => Script::Cyrillic,
        0x0600..=0x06FF | 0x0750..=0x077F | 0xFB50..=0xFDFF | 0xFE70..=0xFEFF => Script::Arabic,
        0x0590..=0x05FF => Script::Hebrew,
        0x0900..=0x0DFF => Script::Indic,
        0x0E00..=0x0E7F => Script::Thai,
        0x3040..=0x30FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xAC00..=0xD7AF => Script::Cjk,
        _ => Script::Other,
    })
}

/// The Latin letter (lower case) a confusable letter of another script
/// imitates, from the most common cases of Unicode's confusables table:
/// Cyrillic and Greek look-alikes and the fullwidth forms.
pub fn homoglyph_of(c: char) -> Option<char> {
    let latin = match c {
        'а' | 'А' | 'α' | 'Α' => 'a',
        'В' | 'β' | 'Β' => 'b',
        'с' | 'С' | 'ϲ' | 'Ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'Е' | 'ё' | 'Ё' | 'ε' | 'Ε' => 'e',
        'һ' | 'Һ' | 'Η' => 'h',
        'і' | 'І' | 'ι' | 'Ι' | 'ӏ' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' | 'κ' | 'Κ' => 'k',
        'М' | 'Μ' => 'm',
        'п' | 'η' | 'Ν' => 'n',
        'о' | 'О' | 'ο' | 'Ο' | 'σ' => 'o',
        'р' | 'Р' | 'ρ' | 'Ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' | 'Ѕ' => 's',
        'Т' | 'τ' | 'Τ' => 't',
        'υ' | 'ս' => 'u',
        'ѵ' | 'ν' => 'v',
        'ԝ' | 'ɯ' => 'w',
        'х' | 'Х' | 'χ' | 'Χ' => 'x',
        'у' | 'У' | 'γ' | 'Υ' => 'y',
        'Ζ' => 'z',
        '\u{FF21}'..='\u{FF3A}' => char::from_u32(c as u32 - 0xFF21 + 'a' as u32)?,
        '\u{FF41}'..='\u{FF5A}' => char::from_u32(c as u32 - 0xFF41 + 'a' as u32)?,
        '\u{FF10}'..='\u{FF19}' => char::from_u32(c as u32 - 0xFF10 + '0' as u32)?,
        _ => return None,
    };
    Some(latin)
}

/// What normalisation saw in a message, for the structural features.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TextStats {
    /// Characters in the original text.
    pub chars: u32,
    /// Upper-case letters in the original text.
    pub upper: u32,
    /// Letters in the original text.
    pub letters: u32,
    /// `!` characters.
    pub exclamations: u32,
    /// Confusable letters folded to Latin inside a word that also has
    /// genuine Latin letters (a real Cyrillic word is not a homoglyph).
    pub homoglyphs: u32,
    /// Words whose letters belong to more than one script.
    pub mixed_script_words: u32,
    /// Distinct scripts seen, as a bit set of [`Script`] discriminants.
    pub scripts: u16,
}

/// Normalises `text` into `out` (cleared first): lower case, homoglyphs
/// folded, whitespace collapsed, leading and trailing space removed.
pub fn normalize(text: &str, out: &mut String) -> TextStats {
    out.clear();
    let mut stats = TextStats::default();
    // Per word: scripts of genuine letters, and folded confusables.
    let mut word_scripts: u16 = 0;
    let mut word_folded: u32 = 0;
    let mut word_has_latin = false;
    let close_word =
        |stats: &mut TextStats, scripts: &mut u16, folded: &mut u32, latin: &mut bool| {
            // A folded confusable beside a Latin letter is a homoglyph; two
            // scripts in one word (counting the confusable's own) is mixing.
            if *folded > 0 && *latin {
                stats.homoglyphs += *folded;
                stats.mixed_script_words += 1;
            } else if scripts.count_ones() > 1 {
                stats.mixed_script_words += 1;
            }
            *scripts = 0;
            *folded = 0;
            *latin = false;
        };
    for c in text.chars() {
        stats.chars += 1;
        if c.is_whitespace() {
            close_word(
                &mut stats,
                &mut word_scripts,
                &mut word_folded,
                &mut word_has_latin,
            );
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        if c == '!' {
            stats.exclamations += 1;
        }
        let script = script_of(c);
        if let Some(s) = script {
            stats.letters += 1;
            if c.is_uppercase() {
                stats.upper += 1;
            }
            stats.scripts |= 1 << s as u16;
        }
        if let Some(latin) = homoglyph_of(c) {
            if script.is_some_and(|s| s != Script::Latin) {
                word_folded += 1;
                if let Some(s) = script {
                    word_scripts |= 1 << s as u16;
                }
            } else {
                word_has_latin |= latin.is_ascii_alphabetic();
            }
            out.push(latin);
            continue;
        }
        if let Some(s) = script {
            word_scripts |= 1 << s as u16;
            word_has_latin |= s == Script::Latin;
        } else if !c.is_alphanumeric() {
            close_word(
                &mut stats,
                &mut word_scripts,
                &mut word_folded,
                &mut word_has_latin,
            );
        }
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
        } else {
            out.extend(c.to_lowercase());
        }
    }
    close_word(
        &mut stats,
        &mut word_scripts,
        &mut word_folded,
        &mut word_has_latin,
    );
    if out.ends_with(' ') {
        out.pop();
    }
    stats
}

/// The word tokens of a normalised text: maximal runs of alphanumeric
/// characters.
pub fn words(normalized: &str) -> impl Iterator<Item = &str> {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, normalized: &str, homoglyphs: u32, mixed: u32) {
        let mut out = String::new();
        let stats = normalize(input, &mut out);
        assert_eq!(out, normalized, "normalised form of {input:?}");
        assert_eq!(stats.homoglyphs, homoglyphs, "homoglyphs in {input:?}");
        assert_eq!(
            stats.mixed_script_words, mixed,
            "mixed-script words in {input:?}"
        );
    }

    #[test]
    fn case_and_whitespace() {
        check("  FREE  entry\tNOW!! ", "free entry now!!", 0, 0);
    }

    #[test]
    fn cyrillic_lookalikes_in_a_latin_word_are_homoglyphs() {
        // "Pаypаl" with two Cyrillic а.
        check("Log in to P\u{430}yp\u{430}l", "log in to paypal", 2, 1);
    }

    #[test]
    fn a_real_cyrillic_word_is_not_a_homoglyph() {
        check("Привет мир", "пpивeт миp", 0, 0);
    }

    #[test]
    fn fullwidth_letters_fold() {
        check("ＦＲＥＥ", "free", 0, 0);
    }

    #[test]
    fn mixed_scripts_without_confusables() {
        check("abcдж", "abcдж", 0, 1);
    }

    #[test]
    fn words_split_on_punctuation_in_any_script() {
        let mut out = String::new();
        normalize("Call 0800-123, señor! Ελλάδα.", &mut out);
        let w: Vec<_> = words(&out).collect();
        assert_eq!(w, ["call", "0800", "123", "señor", "eλλάδa"]);
    }

    #[test]
    fn scripts() {
        assert_eq!(script_of('a'), Some(Script::Latin));
        assert_eq!(script_of('ж'), Some(Script::Cyrillic));
        assert_eq!(script_of('中'), Some(Script::Cjk));
        assert_eq!(script_of('7'), None);
        assert_eq!(script_of('£'), None);
    }
}
