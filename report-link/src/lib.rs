//! Access to the hosted report site (`/reports/…`, served by the collector from the bucket):
//! signed links, issued by `reporter sign-link` and checked by the Worker, and the
//! constant-time comparison both sides use. Shared so the two cannot disagree on the format.
//!
//! A link carries `exp` (Unix seconds), `scope` (a path prefix under `/reports/`) and `sig`, the
//! hex HMAC-SHA256 of `"hitflow-report-link\n{exp}\n{scope}"` under the signing key.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Path prefix of the hosted reports, on the collector and in the bucket (`reports/…`).
pub const REPORTS_PATH: &str = "/reports/";

type HmacSha256 = Hmac<Sha256>;

/// The link's MAC, fed with the signed message.
fn link_mac(key: &[u8], exp: u64, scope: &str) -> HmacSha256 {
    // HMAC hashes a key longer than a block and pads a shorter one: every length is valid.
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(message(exp, scope).as_bytes());
    mac
}

/// Equality whose time does not depend on where the inputs differ. Compares SHA-256 digests, so
/// it does not reveal the expected length either (`subtle` alone answers early on a length
/// mismatch).
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    Sha256::digest(a).ct_eq(&Sha256::digest(b)).into()
}

fn message(exp: u64, scope: &str) -> String {
    format!("hitflow-report-link\n{exp}\n{scope}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The 32 bytes of a 64-digit hex signature (either case), or `None`.
fn unhex_signature(sig: &str) -> Option<[u8; 32]> {
    let digits = sig.as_bytes();
    let mut out = [0u8; 32];
    if digits.len() != 2 * out.len() {
        return None;
    }
    let nibble = |d: u8| char::from(d).to_digit(16).map(|n| n as u8);
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = (nibble(pair[0])? << 4) | nibble(pair[1])?;
    }
    Some(out)
}

/// A signed link's query string (`exp=…&scope=…&sig=…`) granting `scope` until `exp`.
pub fn sign(key: &[u8], scope: &str, exp: u64) -> String {
    let sig = hex(&link_mac(key, exp, scope).finalize().into_bytes());
    format!("exp={exp}&scope={}&sig={sig}", encode_scope(scope))
}

/// Why a signed link does not grant access.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkError {
    Malformed,
    Expired,
    OutOfScope,
    BadSignature,
}

/// Whether `rest`, a path below [`REPORTS_PATH`], is one the collector serves: ASCII letters,
/// digits, `-`, `_`, `.` and `/`, no empty segment but a trailing one (a folder), no segment
/// starting with a dot (`..`, hidden files). Encoded characters never pass.
pub fn is_plain_report_path(rest: &str) -> bool {
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '/' | '-' | '_' | '.');
    rest.chars().all(allowed)
        && !rest.contains("//")
        && !rest.starts_with('/')
        && !rest.split('/').any(|segment| segment.starts_with('.'))
}

/// Why a scope can never open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ScopeError {
    #[error("the scope must be a folder under {REPORTS_PATH}, ending in /")]
    NotAFolder,
    #[error(
        "the scope opens no page: only letters, digits, -, _, . and / are served, with no empty or dot-first segment"
    )]
    NeverServed,
}

/// Checks that `scope` is a folder some served page can be in; [`verify`] refuses any other.
pub fn check_scope(scope: &str) -> Result<(), ScopeError> {
    // Scopes are folders: "/reports/a/example-com/" must not open "/reports/a/example-com-shop/".
    let rest = scope.strip_prefix(REPORTS_PATH).ok_or(ScopeError::NotAFolder)?;
    if !scope.ends_with('/') {
        return Err(ScopeError::NotAFolder);
    }
    if !is_plain_report_path(rest) {
        return Err(ScopeError::NeverServed);
    }
    Ok(())
}

/// Checks a signed link for `path` at time `now` (Unix seconds).
pub fn verify(key: &[u8], exp: u64, scope: &str, sig: &str, path: &str, now: u64) -> Result<(), LinkError> {
    if check_scope(scope).is_err() || sig.len() != 64 {
        return Err(LinkError::Malformed);
    }
    // Signature first, so a forged link learns nothing from the other answers. `verify_slice`
    // compares in constant time.
    let sig = unhex_signature(sig).ok_or(LinkError::BadSignature)?;
    if link_mac(key, exp, scope).verify_slice(&sig).is_err() {
        return Err(LinkError::BadSignature);
    }
    if now >= exp {
        return Err(LinkError::Expired);
    }
    if !path.starts_with(scope) {
        return Err(LinkError::OutOfScope);
    }
    Ok(())
}

/// Scopes are plain paths; only `/` and safe characters survive in a query value unencoded.
fn encode_scope(scope: &str) -> String {
    scope
        .bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231, section 4: HMAC-SHA-256 test cases 1 to 7 (key, data, HMAC as published).
    /// Case 5's HMAC is published truncated to its leftmost 128 bits.
    #[test]
    #[rustfmt::skip]
    fn hmac_sha256_matches_rfc4231() {
        let unhex = |s: &str| -> Vec<u8> {
            (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
        };
        let big_key = [0xaa; 131];
        let cases: [(&str, &[u8], &[u8], &str); 7] = [
            ("1", &[0x0b; 20], b"Hi There",
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            ("2", b"Jefe", b"what do ya want for nothing?",
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ("3", &[0xaa; 20], &[0xdd; 50],
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            ("4", &unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"), &[0xcd; 50],
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            ("5 (truncated to 128 bits)", &[0x0c; 20], b"Test With Truncation",
             "a3b6167473100ee06e0c796c2955552b"),
            ("6", &big_key, b"Test Using Larger Than Block-Size Key - Hash Key First",
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            ("7", &big_key, b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ];
        for (case, key, data, expected) in cases {
            let expected = unhex(expected);
            let mac = || {
                let mut mac = HmacSha256::new_from_slice(key).unwrap();
                mac.update(data);
                mac
            };
            let full = mac().finalize().into_bytes();
            assert_eq!(&full[..expected.len()], &expected[..], "case {case}");
            assert!(mac().verify_truncated_left(&expected).is_ok(), "case {case}");
            let mut wrong = expected.clone();
            wrong[0] ^= 1;
            assert!(mac().verify_truncated_left(&wrong).is_err(), "case {case}");
        }
    }

    /// The link's signature is the HMAC of its message (RFC 4231 case 2's key, so the vector
    /// above checks the same MAC).
    #[test]
    fn the_signature_is_the_hmac_of_the_link_message() {
        let query = sign(b"Jefe", "/reports/", 7);
        let mut mac = HmacSha256::new_from_slice(b"Jefe").unwrap();
        mac.update(b"hitflow-report-link\n7\n/reports/");
        let sig = hex(&mac.finalize().into_bytes());
        assert_eq!(query, format!("exp=7&scope=/reports/&sig={sig}"));
        let upper = sig.to_ascii_uppercase();
        assert_eq!(verify(b"Jefe", 7, "/reports/", &upper, "/reports/x", 1), Ok(()));
        let not_hex = "g".repeat(64);
        assert_eq!(
            verify(b"Jefe", 7, "/reports/", &not_hex, "/reports/x", 1),
            Err(LinkError::BadSignature)
        );
    }

    #[test]
    fn signed_links_grant_their_scope_until_they_expire() {
        let key = b"k3y";
        let query = sign(key, "/reports/periods/", 1000);
        assert!(query.starts_with("exp=1000&scope=/reports/periods/&sig="));
        let sig = query.rsplit("sig=").next().unwrap();
        let cases = [
            ("/reports/periods/a/index.html", 999, Ok(())),
            ("/reports/periods/a/index.html", 1000, Err(LinkError::Expired)),
            ("/reports/index.html", 10, Err(LinkError::OutOfScope)),
        ];
        for (path, now, want) in cases {
            assert_eq!(
                verify(key, 1000, "/reports/periods/", sig, path, now),
                want,
                "{path} at {now}"
            );
        }
        assert_eq!(
            verify(b"other", 1000, "/reports/periods/", sig, "/reports/periods/x", 1),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            verify(key, 2000, "/reports/periods/", sig, "/reports/periods/x", 1),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            verify(key, 1000, "/reports/", sig, "/reports/periods/x", 1),
            Err(LinkError::BadSignature)
        );
        assert_eq!(
            verify(key, 1000, "/hits/", sig, "/hits/x", 1),
            Err(LinkError::Malformed)
        );
        let unbounded = sign(key, "/reports/periods/p/example-com", 1000);
        let sig2 = unbounded.rsplit("sig=").next().unwrap();
        assert_eq!(
            verify(
                key,
                1000,
                "/reports/periods/p/example-com",
                sig2,
                "/reports/periods/p/example-com-shop/",
                1
            ),
            Err(LinkError::Malformed)
        );
        assert_eq!(
            verify(key, 1000, "/reports/periods/", "abc", "/reports/periods/x", 1),
            Err(LinkError::Malformed)
        );
    }

    #[test]
    #[rustfmt::skip]
    fn scopes_that_can_never_open_a_page() {
        let cases: &[(&str, Result<(), ScopeError>)] = &[
            ("/reports/", Ok(())),
            ("/reports/periods/2026-11-01_2026-11-07/example-com/", Ok(())),
            ("/reports/periods", Err(ScopeError::NotAFolder)),
            ("/reports", Err(ScopeError::NotAFolder)),
            ("/hits/", Err(ScopeError::NotAFolder)),
            ("reports/", Err(ScopeError::NotAFolder)),
            ("", Err(ScopeError::NotAFolder)),
            ("/reports/../hits/", Err(ScopeError::NeverServed)),
            ("/reports/a b/", Err(ScopeError::NeverServed)),
            ("/reports/caf%C3%A9/", Err(ScopeError::NeverServed)),
            ("/reports/café/", Err(ScopeError::NeverServed)),
            ("/reports//", Err(ScopeError::NeverServed)),
            ("/reports/a//b/", Err(ScopeError::NeverServed)),
            ("/reports/.hidden/", Err(ScopeError::NeverServed)),
            ("/reports/a?x=/", Err(ScopeError::NeverServed)),
        ];
        for (scope, want) in cases {
            assert_eq!(check_scope(scope), *want, "{scope:?}");
        }
    }

    #[test]
    fn constant_time_eq_is_equality() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
