//! `reporter sign-link`: a signed link to the hosted reports, refused when it could never open a
//! page (the collector would answer 401 or 404 to it).

use hitflow_report_link::{check_scope, sign, ScopeError};

const DAY_SECONDS: u64 = 86_400;

/// Why no link was printed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignLinkError {
    #[error("set {0} to the collector's REPORTS_SIGNING_KEY")]
    NoKey(String),
    #[error("{0} is empty: the collector treats an empty REPORTS_SIGNING_KEY as unset, so no link opens")]
    EmptyKey(String),
    #[error("--days must be at least 1: a link that expires now opens nothing")]
    NoDays,
    #[error("--days {0} puts the expiry beyond what a timestamp holds; pick a shorter validity")]
    ExpiryOverflow(u64),
    #[error("--scope {scope}: {reason}")]
    Scope { scope: String, reason: ScopeError },
}

/// The link granting `scope` for `days` from `now` (Unix seconds), signed with the key read from
/// the environment variable `key_env` (`key`: its value, if set).
pub fn sign_link(
    base_url: &str,
    scope: &str,
    days: u64,
    key_env: &str,
    key: Option<&str>,
    now: u64,
) -> Result<String, SignLinkError> {
    let key = key.ok_or_else(|| SignLinkError::NoKey(key_env.to_owned()))?;
    if key.is_empty() {
        return Err(SignLinkError::EmptyKey(key_env.to_owned()));
    }
    check_scope(scope).map_err(|reason| SignLinkError::Scope {
        scope: scope.to_owned(),
        reason,
    })?;
    if days == 0 {
        return Err(SignLinkError::NoDays);
    }
    let exp = days
        .checked_mul(DAY_SECONDS)
        .and_then(|s| s.checked_add(now))
        // The Worker compares with a JavaScript clock (milliseconds in an f64): stay in i64 range.
        .filter(|&exp| i64::try_from(exp).is_ok())
        .ok_or(SignLinkError::ExpiryOverflow(days))?;
    let query = sign(key.as_bytes(), scope, exp);
    Ok(format!("{}{scope}?{query}", base_url.trim_end_matches('/')))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hitflow_report_link::verify;

    const NOW: u64 = 1_764_547_200;
    const ENV: &str = "HITFLOW_REPORTS_SIGNING_KEY";

    /// (case, key, scope, days, outcome)
    type Case<'a> = (&'a str, Option<&'a str>, &'a str, u64, Result<(), SignLinkError>);

    #[test]
    #[rustfmt::skip]
    fn refuses_links_that_could_never_open_a_page() {
        let scope = |s: &str, reason| Err(SignLinkError::Scope { scope: s.into(), reason });
        let cases: Vec<Case> = vec![
            ("valid", Some("k3y"), "/reports/", 7, Ok(())),
            ("a period's folder", Some("k3y"), "/reports/periods/2026-11-01_2026-11-07/", 1, Ok(())),
            ("no key", None, "/reports/", 7, Err(SignLinkError::NoKey(ENV.into()))),
            ("empty key", Some(""), "/reports/", 7, Err(SignLinkError::EmptyKey(ENV.into()))),
            ("zero days", Some("k3y"), "/reports/", 0, Err(SignLinkError::NoDays)),
            ("days overflow u64", Some("k3y"), "/reports/", u64::MAX, Err(SignLinkError::ExpiryOverflow(u64::MAX))),
            ("days overflow i64", Some("k3y"), "/reports/", u64::MAX / DAY_SECONDS, Err(SignLinkError::ExpiryOverflow(u64::MAX / DAY_SECONDS))),
            ("scope not a folder", Some("k3y"), "/reports/periods", 7, scope("/reports/periods", ScopeError::NotAFolder)),
            ("scope outside the reports", Some("k3y"), "/hits/", 7, scope("/hits/", ScopeError::NotAFolder)),
            ("scope with a space", Some("k3y"), "/reports/a b/", 7, scope("/reports/a b/", ScopeError::NeverServed)),
            ("scope with ..", Some("k3y"), "/reports/../", 7, scope("/reports/../", ScopeError::NeverServed)),
            ("scope with an encoded byte", Some("k3y"), "/reports/%41/", 7, scope("/reports/%41/", ScopeError::NeverServed)),
        ];
        for (label, key, scope, days, want) in cases {
            let got = sign_link("https://c.example/", scope, days, ENV, key, NOW);
            match (got, want) {
                (Ok(link), Ok(())) => {
                    // The printed link verifies for a page in its scope, as the Worker checks it.
                    let (path, query) = link.strip_prefix("https://c.example").and_then(|l| l.split_once('?')).expect(label);
                    assert_eq!(path, scope, "{label}");
                    let field = |name: &str| query.split('&').find_map(|p| p.strip_prefix(name)).expect(label);
                    let exp: u64 = field("exp=").parse().expect(label);
                    assert_eq!(exp, NOW + days * DAY_SECONDS, "{label}");
                    let page = format!("{scope}index.html");
                    assert_eq!(verify(b"k3y", exp, field("scope="), field("sig="), &page, NOW), Ok(()), "{label}");
                }
                (got, want) => assert_eq!(got.map(|_| ()), want, "{label}"),
            }
        }
    }
}
