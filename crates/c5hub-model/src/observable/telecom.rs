//! Telecom observables: phone numbers (E.164), SMS sender ids and IMEIs.
//!
//! Phone numbers go through the `phonenumber` crate (libphonenumber metadata),
//! so a number written nationally with a default region (`020 7946 0958`,
//! region `GB`) and internationally (`+44 20 7946 0958`) become the same
//! E.164 text (`+442079460958`). Input is screened first (characters, length)
//! because that crate has panicked on malformed input in the past.

use phonenumber::{Mode, country};

use super::{Observable, ObservableKind};
use crate::error::ErrorKind;

/// Longest phone number text we hand to the phone number library.
const MAX_PHONE_LEN: usize = 40;
/// Most digits a phone number may have, counting an international prefix
/// (E.164 allows 15 after the country code's `+`).
const MAX_PHONE_DIGITS: usize = 18;

/// Parses a region for national phone numbers: an ISO 3166-1 alpha-2 code
/// such as `GB`, in any case.
pub(super) fn parse_region(region: &str) -> Option<country::Id> {
    let region = region.trim();
    if region.len() != 2 {
        return None;
    }
    region.to_ascii_uppercase().parse().ok()
}

/// Normalizes a phone number to E.164. Without a region the number must be
/// international: `+44 ...`, or `00 44 ...` (the ITU-recommended
/// international prefix, taken as `+`).
pub(super) fn normalize_phone(
    text: &str,
    region: Option<country::Id>,
) -> Result<Observable, ErrorKind> {
    let text = super::net::strip_prefix_ignore_case(text, "tel:").unwrap_or(text);
    if text.len() > MAX_PHONE_LEN {
        return Err(ErrorKind::TooLong {
            len: text.len(),
            max: MAX_PHONE_LEN,
        });
    }
    if let Some(c) = text
        .chars()
        .find(|c| !(c.is_ascii_digit() || matches!(c, ' ' | '-' | '.' | '(' | ')' | '/' | '+')))
    {
        return Err(ErrorKind::ForbiddenChar(c));
    }
    if text.rfind('+').is_some_and(|i| i > 0) {
        return Err(ErrorKind::Syntax("'+' may only start the number"));
    }
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    if digits < 3 {
        return Err(ErrorKind::Syntax("too few digits for a phone number"));
    }
    if digits > MAX_PHONE_DIGITS {
        return Err(ErrorKind::Syntax("too many digits for a phone number"));
    }
    let international;
    let text = match (region, text.strip_prefix("00")) {
        (None, Some(rest)) => {
            international = format!("+{rest}");
            international.as_str()
        }
        (None, None) if !text.starts_with('+') => return Err(ErrorKind::PhoneNeedsRegion),
        _ => text,
    };
    let number = phonenumber::parse(region, text).map_err(|e| ErrorKind::Phone(e.to_string()))?;
    if !phonenumber::is_valid(&number) {
        return Err(ErrorKind::PhoneNotValid);
    }
    Ok(Observable {
        kind: ObservableKind::PhoneNumber,
        value: number.format().mode(Mode::E164).to_string(),
    })
}

/// The GSM 03.38 basic character set, without the control characters (line
/// feed, carriage return and the escape to the extension table).
const GSM_BASIC: &str = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The GSM 03.38 extension table, each character taking two septets.
const GSM_EXTENSION: &str = "^{}\\[~]|€";
/// An alphanumeric originator address holds 11 septets.
const MAX_SENDER_SEPTETS: usize = 11;

/// Normalizes an SMS sender id: a short code of 3–8 digits, or an
/// alphanumeric sender of at most 11 GSM 7-bit septets. The value is kept as
/// written (case matters to recipients: `PayPal` is not `PAYPAL`); only
/// surrounding whitespace, already trimmed, is dropped.
pub(super) fn normalize_sender_id(text: &str) -> Result<Observable, ErrorKind> {
    let digits_only = text.bytes().all(|b| b.is_ascii_digit());
    if digits_only {
        if text.len() < 3 {
            return Err(ErrorKind::SenderId("short codes have 3 to 8 digits"));
        }
        if text.len() > 8 {
            return Err(ErrorKind::SenderId(
                "a numeric sender of more than 8 digits is a phone number, not a short code",
            ));
        }
    } else if text.starts_with('+') && text[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::SenderId(
            "a '+' number is a phone number, not a sender id",
        ));
    } else {
        let mut septets = 0;
        for c in text.chars() {
            if GSM_BASIC.contains(c) {
                septets += 1;
            } else if GSM_EXTENSION.contains(c) {
                septets += 2;
            } else {
                return Err(ErrorKind::ForbiddenChar(c));
            }
        }
        if septets > MAX_SENDER_SEPTETS {
            return Err(ErrorKind::SenderId(
                "alphanumeric sender ids have at most 11 GSM 7-bit characters",
            ));
        }
    }
    Ok(Observable {
        kind: ObservableKind::SenderId,
        value: text.to_owned(),
    })
}

/// Normalizes an IMEI to its 15 digits: separators (space, `-`, `/`, `.`)
/// removed, the Luhn check digit verified, or appended when only the 14
/// digits of TAC and serial are given.
pub(super) fn normalize_imei(text: &str) -> Result<Observable, ErrorKind> {
    let mut digits = String::with_capacity(15);
    for c in text.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '/' | '.' => {}
            other => return Err(ErrorKind::ForbiddenChar(other)),
        }
    }
    match digits.len() {
        14 => digits.push(luhn_check_digit(&digits)),
        15 => {
            if luhn_check_digit(&digits[..14]) != char::from(digits.as_bytes()[14]) {
                return Err(ErrorKind::ImeiCheckDigit);
            }
        }
        16 => {
            return Err(ErrorKind::Syntax(
                "16 digits is an IMEISV, which has no check digit; give the IMEI",
            ));
        }
        _ => return Err(ErrorKind::Syntax("expected 14 or 15 digits")),
    }
    Ok(Observable {
        kind: ObservableKind::Imei,
        value: digits,
    })
}

/// The Luhn check digit for ASCII digits (the payload, without the check
/// digit).
fn luhn_check_digit(payload: &str) -> char {
    let sum: u32 = payload
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 0 {
                let doubled = d * 2;
                doubled / 10 + doubled % 10
            } else {
                d
            }
        })
        .sum();
    let check = (10 - sum % 10) % 10;
    char::from_digit(check, 10).expect("a value below 10 is a decimal digit")
}

#[cfg(test)]
mod tests {
    use super::super::{Observable, ObservableKind};
    use ObservableKind::*;

    fn check_phone(input: &str, region: Option<&str>, expected: &str) {
        let obs = Observable::parse_phone(input, region)
            .unwrap_or_else(|e| panic!("parse_phone({input:?}, {region:?}) failed: {e}"));
        assert_eq!(obs.value(), expected, "parse_phone({input:?}, {region:?})");
        assert_eq!(obs.kind(), PhoneNumber);
    }

    fn check_phone_err(input: &str, region: Option<&str>, expected: &str) {
        match Observable::parse_phone(input, region) {
            Ok(obs) => panic!("parse_phone({input:?}, {region:?}) = {obs:?}, expected an error"),
            Err(e) => assert_eq!(
                e.to_string(),
                expected,
                "parse_phone({input:?}, {region:?})"
            ),
        }
    }

    fn check(kind: ObservableKind, input: &str, expected: &str) {
        let obs = Observable::parse(kind, input)
            .unwrap_or_else(|e| panic!("parse({kind}, {input:?}) failed: {e}"));
        assert_eq!(obs.value(), expected, "parse({kind}, {input:?})");
    }

    fn check_err(kind: ObservableKind, input: &str, expected: &str) {
        match Observable::parse(kind, input) {
            Ok(obs) => panic!("parse({kind}, {input:?}) = {obs:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({kind}, {input:?})"),
        }
    }

    #[test]
    fn phone_numbers() {
        check_phone("+44 20 7946 0958", None, "+442079460958");
        check_phone("+44 (0)20 7946 0958", None, "+442079460958");
        check_phone("0044 20 7946 0958", None, "+442079460958");
        check_phone("020 7946 0958", Some("GB"), "+442079460958");
        check_phone("020 7946 0958", Some("gb"), "+442079460958");
        check_phone("+442079460958", Some("FR"), "+442079460958");
        check_phone("tel:+1-201-555-0123", None, "+12015550123");
        check_phone("(201) 555-0123", Some("US"), "+12015550123");
        check_phone("01 23 45 67 89", Some("FR"), "+33123456789");
        check_phone("06 12 34 56 78", Some("FR"), "+33612345678");
        check(PhoneNumber, "+33 6 12 34 56 78", "+33612345678");
    }

    #[test]
    fn phone_errors() {
        check_phone_err(
            "020 7946 0958",
            None,
            r#"invalid phone number "020 7946 0958": national number without a default region; use +<country code>"#,
        );
        check_phone_err(
            "+44 20 7946 095x",
            None,
            r#"invalid phone number "+44 20 7946 095x": character 'x' is not allowed"#,
        );
        check_phone_err(
            "+44 20 +7946",
            None,
            r#"invalid phone number "+44 20 +7946": '+' may only start the number"#,
        );
        check_phone_err(
            "+44 1",
            None,
            r#"invalid phone number "+44 1": the number is too short after the country code"#,
        );
        check_phone_err(
            "+1 555 555 5555",
            None,
            r#"invalid phone number "+1 555 555 5555": not a valid number in its numbering plan"#,
        );
        check_phone_err(
            "+12",
            None,
            r#"invalid phone number "+12": too few digits for a phone number"#,
        );
        check_phone_err(
            "+1 234 567 890 123 456 789 0",
            None,
            r#"invalid phone number "+1 234 567 890 123 456 789 0": too many digits for a phone number"#,
        );
        check_phone_err(
            "020 7946 0958",
            Some("XX"),
            r#"invalid phone number region "XX": not a known value"#,
        );
        check_phone_err(
            "020 7946 0958",
            Some("GBR"),
            r#"invalid phone number region "GBR": not a known value"#,
        );
        // Inputs that crashed the phone number library in the past.
        check_phone_err(
            "  2 22#:",
            None,
            r#"invalid phone number "  2 22#:": character '#' is not allowed"#,
        );
        check_phone_err(
            "003-836-4618x3001",
            Some("CH"),
            r#"invalid phone number "003-836-4618x3001": character 'x' is not allowed"#,
        );
    }

    #[test]
    fn sender_ids() {
        check(SenderId, "PayPal", "PayPal");
        check(SenderId, " PAYPAL ", "PAYPAL");
        check(SenderId, "Bank Info", "Bank Info");
        check(SenderId, "DHL-Express", "DHL-Express");
        check(SenderId, "Ärztekammer", "Ärztekammer");
        check(SenderId, "12345", "12345");
        check(SenderId, "123", "123");
        check(SenderId, "12345678", "12345678");
        check(SenderId, "A", "A");
        // Extension characters such as braces take two septets each.
        check(SenderId, "{ab}defgh", "{ab}defgh");
    }

    #[test]
    fn sender_id_errors() {
        check_err(
            SenderId,
            "12",
            r#"invalid SMS sender id "12": short codes have 3 to 8 digits"#,
        );
        check_err(
            SenderId,
            "123456789",
            r#"invalid SMS sender id "123456789": a numeric sender of more than 8 digits is a phone number, not a short code"#,
        );
        check_err(
            SenderId,
            "+447700900123",
            r#"invalid SMS sender id "+447700900123": a '+' number is a phone number, not a sender id"#,
        );
        check_err(
            SenderId,
            "TwelveChars1",
            r#"invalid SMS sender id "TwelveChars1": alphanumeric sender ids have at most 11 GSM 7-bit characters"#,
        );
        check_err(
            SenderId,
            "{abc}defghi",
            r#"invalid SMS sender id "{abc}defghi": alphanumeric sender ids have at most 11 GSM 7-bit characters"#,
        );
        check_err(
            SenderId,
            "Bank✓",
            r#"invalid SMS sender id "Bank✓": character '✓' is not allowed"#,
        );
        check_err(SenderId, "   ", r#"invalid SMS sender id "   ": empty"#);
    }

    #[test]
    fn imeis() {
        check(Imei, "490154203237518", "490154203237518");
        check(Imei, "49-015420-323751-8", "490154203237518");
        check(Imei, "49015420323751", "490154203237518");
        check(Imei, "35-209900-176148-1", "352099001761481");
        check_err(
            Imei,
            "490154203237519",
            r#"invalid IMEI "490154203237519": Luhn check digit does not match"#,
        );
        check_err(
            Imei,
            "4901542032375",
            r#"invalid IMEI "4901542032375": expected 14 or 15 digits"#,
        );
        check_err(
            Imei,
            "4901542032375101",
            r#"invalid IMEI "4901542032375101": 16 digits is an IMEISV, which has no check digit; give the IMEI"#,
        );
        check_err(
            Imei,
            "49015420323751a",
            r#"invalid IMEI "49015420323751a": character 'a' is not allowed"#,
        );
    }
}
