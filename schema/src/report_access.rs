//! Access to the hosted report site (`/reports/…`, served by the collector from the bucket):
//! signed links, issued by `reporter sign-link` and checked by the Worker, and the
//! constant-time comparisons both sides use. Shared so the two cannot disagree on the format.
//!
//! A link carries `exp` (Unix seconds), `scope` (a path prefix under `/reports/`) and `sig`, the
//! hex HMAC-SHA256 of `"hitflow-report-link\n{exp}\n{scope}"` under the signing key.

use sha2::{Digest, Sha256};

/// Path prefix of the hosted reports, on the collector and in the bucket (`reports/…`).
pub const REPORTS_PATH: &str = "/reports/";

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block_key = [0u8; BLOCK];
    if key.len() > BLOCK {
        block_key[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block_key[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block_key.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block_key.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    outer.finalize().into()
}

/// Equality whose time does not depend on where the inputs differ. Compares SHA-256 digests, so
/// it does not reveal the expected length either.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let (da, db) = (Sha256::digest(a), Sha256::digest(b));
    da.iter().zip(db.iter()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn message(exp: u64, scope: &str) -> String {
    format!("hitflow-report-link\n{exp}\n{scope}")
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A signed link's query string (`exp=…&scope=…&sig=…`) granting `scope` until `exp`.
pub fn sign(key: &[u8], scope: &str, exp: u64) -> String {
    let sig = hex(&hmac_sha256(key, message(exp, scope).as_bytes()));
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
    let expected = hex(&hmac_sha256(key, message(exp, scope).as_bytes()));
    // Signature first, so a forged link learns nothing from the other answers.
    if !constant_time_eq(expected.as_bytes(), sig.to_ascii_lowercase().as_bytes()) {
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

    #[test]
    fn hmac_matches_rfc4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
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
