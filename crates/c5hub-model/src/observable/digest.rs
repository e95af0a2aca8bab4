//! File and content digests: cryptographic hashes (MD5, SHA-1, SHA-256,
//! SHA-512) as lowercase hex, and the similarity digests ssdeep and TLSH.

use super::{Note, Notes, Observable, ObservableKind};
use crate::error::ErrorKind;

/// Normalizes a cryptographic hash of `kind` to lowercase hex.
pub(super) fn normalize_hash(kind: ObservableKind, text: &str) -> Result<Observable, ErrorKind> {
    let expected = kind
        .hex_len()
        .expect("normalize_hash is only called for hash kinds");
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ErrorKind::NotHex);
    }
    if text.len() != expected {
        return Err(ErrorKind::HashLength {
            expected,
            found: text.len(),
        });
    }
    Ok(Observable {
        kind,
        value: text.to_ascii_lowercase(),
    })
}

/// The hash kind a run of hex digits of this length most likely is.
pub(super) fn hash_kind_for_len(len: usize) -> Option<ObservableKind> {
    [
        ObservableKind::Md5,
        ObservableKind::Sha1,
        ObservableKind::Sha256,
        ObservableKind::Sha512,
    ]
    .into_iter()
    .find(|kind| kind.hex_len() == Some(len))
}

/// Longest ssdeep digest: a block size and two parts of at most 64 and 32
/// base64 characters (ssdeep's `SPAMSUM_LENGTH` and half of it), with some
/// slack for other implementations.
const MAX_SSDEEP_LEN: usize = 160;

/// Validates an ssdeep digest `blocksize:part1:part2`. The parts are base64
/// and case-sensitive, so they are kept as written; the block size loses
/// leading zeros.
pub(super) fn normalize_ssdeep(text: &str) -> Result<Observable, ErrorKind> {
    const SHAPE: &str = "expected blocksize:hash:hash";
    if text.len() > MAX_SSDEEP_LEN {
        return Err(ErrorKind::TooLong {
            len: text.len(),
            max: MAX_SSDEEP_LEN,
        });
    }
    let mut parts = text.split(':');
    let (Some(block), Some(first), Some(second), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(ErrorKind::Syntax(SHAPE));
    };
    if block.is_empty() || block.len() > 10 || !block.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ErrorKind::Syntax(SHAPE));
    }
    let block: u64 = block.parse().map_err(|_| ErrorKind::Syntax(SHAPE))?;
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    if let Some(c) = first
        .chars()
        .chain(second.chars())
        .find(|&c| !u8::try_from(c).is_ok_and(base64))
    {
        return Err(ErrorKind::ForbiddenChar(c));
    }
    Ok(Observable {
        kind: ObservableKind::Ssdeep,
        value: format!("{block}:{first}:{second}"),
    })
}

/// Hex digits in a TLSH digest body (the 128-bucket, 1-byte checksum
/// variant that tools print).
const TLSH_BODY_LEN: usize = 70;

/// Normalizes a TLSH digest to `T1` followed by 70 uppercase hex digits, the
/// form the reference implementation prints. A body without the version
/// prefix (older releases printed none) gets `T1` (noted).
pub(super) fn normalize_tlsh(text: &str, notes: &mut Notes) -> Result<Observable, ErrorKind> {
    let body = match text.get(..2) {
        Some(prefix) if prefix.eq_ignore_ascii_case("t1") => &text[2..],
        _ => {
            if text.len() == TLSH_BODY_LEN {
                notes.push(Note::TlshVersionAdded);
            }
            text
        }
    };
    if !body.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(ErrorKind::NotHex);
    }
    if body.len() != TLSH_BODY_LEN {
        return Err(ErrorKind::HashLength {
            expected: TLSH_BODY_LEN,
            found: body.len(),
        });
    }
    Ok(Observable {
        kind: ObservableKind::Tlsh,
        value: format!("T1{}", body.to_ascii_uppercase()),
    })
}

#[cfg(test)]
mod tests {
    use super::super::{Note, Observable, ObservableKind};
    use ObservableKind::*;

    fn check(kind: ObservableKind, input: &str, expected: &str) {
        let obs = Observable::parse(kind, input)
            .unwrap_or_else(|e| panic!("parse({kind}, {input:?}) failed: {e}"));
        assert_eq!(obs.value(), expected, "parse({kind}, {input:?})");
        assert_eq!(obs.kind(), kind);
    }

    fn check_err(kind: ObservableKind, input: &str, expected: &str) {
        match Observable::parse(kind, input) {
            Ok(obs) => panic!("parse({kind}, {input:?}) = {obs:?}, expected an error"),
            Err(e) => assert_eq!(e.to_string(), expected, "parse({kind}, {input:?})"),
        }
    }

    const MD5: &str = "d41d8cd98f00b204e9800998ecf8427e";
    const SHA1: &str = "da39a3ee5e6b4b0d3255bfef95601890afd80709";
    const SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn hashes() {
        check(Md5, MD5, MD5);
        check(Md5, &MD5.to_uppercase(), MD5);
        check(Md5, &format!(" {MD5}\t"), MD5);
        check(Sha1, SHA1, SHA1);
        check(Sha256, &SHA256.to_uppercase(), SHA256);
        let sha512 = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce\
                      47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        check(Sha512, sha512, sha512);
    }

    #[test]
    fn hash_errors() {
        check_err(
            Md5,
            SHA1,
            &format!(r#"invalid MD5 hash "{SHA1}": expected 32 hex digits, found 40 characters"#),
        );
        check_err(
            Sha256,
            "abc",
            r#"invalid SHA-256 hash "abc": expected 64 hex digits, found 3 characters"#,
        );
        check_err(
            Md5,
            "d41d8cd98f00b204e9800998ecf8427g",
            r#"invalid MD5 hash "d41d8cd98f00b204e9800998ecf8427g": not hexadecimal"#,
        );
        check_err(
            Sha1,
            "0x da39a3ee",
            r#"invalid SHA-1 hash "0x da39a3ee": not hexadecimal"#,
        );
    }

    #[test]
    fn ssdeep() {
        check(
            Ssdeep,
            "96:GizhyrE7Et5h1F4lbb9EblkYpZY3xbB:GizhyrE7EZ/4lbb9EbLbB",
            "96:GizhyrE7Et5h1F4lbb9EblkYpZY3xbB:GizhyrE7EZ/4lbb9EbLbB",
        );
        check(Ssdeep, "03::", "3::");
        check_err(
            Ssdeep,
            "96:abc",
            r#"invalid ssdeep digest "96:abc": expected blocksize:hash:hash"#,
        );
        check_err(
            Ssdeep,
            "x:abc:def",
            r#"invalid ssdeep digest "x:abc:def": expected blocksize:hash:hash"#,
        );
        check_err(
            Ssdeep,
            "96:ab=c:def",
            r#"invalid ssdeep digest "96:ab=c:def": character '=' is not allowed"#,
        );
    }

    #[test]
    fn tlsh() {
        let body = "A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3";
        assert_eq!(body.len(), 70);
        check(Tlsh, &format!("T1{body}"), &format!("T1{body}"));
        check(
            Tlsh,
            &format!("t1{}", body.to_lowercase()),
            &format!("T1{body}"),
        );
        let (obs, notes) = Observable::parse_with_notes(Tlsh, body).expect("valid");
        assert_eq!(obs.value(), format!("T1{body}"));
        assert_eq!(notes, [Note::TlshVersionAdded]);
        check_err(
            Tlsh,
            "T1ABC",
            r#"invalid TLSH digest "T1ABC": expected 70 hex digits, found 3 characters"#,
        );
        check_err(
            Tlsh,
            "T1XYZ",
            r#"invalid TLSH digest "T1XYZ": not hexadecimal"#,
        );
    }
}
