//! Which endpoint answers a request line, decided on the method exactly as sent.
//!
//! `worker::Method` maps every method it does not know (PROPFIND, PURGE, SEARCH, MKCOL, LOCK …) to
//! `Get`, which served them as GET; the raw method string is matched here instead.

/// The Worker's endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    Tracker,
    Pixel,
    Health,
    /// `/reports` and everything under `/reports/`.
    Reports,
    Event,
}

/// The methods an endpoint answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Head,
    Post,
    Options,
}

/// Why no endpoint answers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RouteError {
    #[error("no such endpoint")]
    NotFound,
    /// `allow` is the `Allow` header's value.
    #[error("method {method} not allowed, use {allow}")]
    MethodNotAllowed { method: String, allow: &'static str },
}

/// Routes `method` (case-sensitive, as HTTP methods are; fetch already uppercases the standard
/// ones) on `path`.
pub fn route(method: &str, path: &str) -> Result<(Endpoint, Verb), RouteError> {
    const READ: (&[(&str, Verb)], &str) = (&[("GET", Verb::Get), ("HEAD", Verb::Head)], "GET, HEAD");
    const WRITE: (&[(&str, Verb)], &str) = (&[("POST", Verb::Post), ("OPTIONS", Verb::Options)], "POST, OPTIONS");
    let (endpoint, (verbs, allow)) = match path {
        "/t.js" => (Endpoint::Tracker, READ),
        "/p.gif" => (Endpoint::Pixel, READ),
        "/health" => (Endpoint::Health, READ),
        p if p == "/reports" || p.starts_with("/reports/") => (Endpoint::Reports, READ),
        "/e" => (Endpoint::Event, WRITE),
        _ => return Err(RouteError::NotFound),
    };
    match verbs.iter().find(|(name, _)| *name == method) {
        Some(&(_, verb)) => Ok((endpoint, verb)),
        None => Err(RouteError::MethodNotAllowed {
            method: method.to_owned(),
            allow,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Routed = Result<(Endpoint, Verb), RouteError>;

    #[test]
    #[rustfmt::skip]
    fn methods_as_sent() {
        let not_allowed = |method: &str, allow| Err(RouteError::MethodNotAllowed { method: method.into(), allow });
        let cases: Vec<(&str, &str, Routed)> = vec![
            ("GET", "/t.js", Ok((Endpoint::Tracker, Verb::Get))),
            ("HEAD", "/p.gif", Ok((Endpoint::Pixel, Verb::Head))),
            ("GET", "/health", Ok((Endpoint::Health, Verb::Get))),
            ("GET", "/reports", Ok((Endpoint::Reports, Verb::Get))),
            ("HEAD", "/reports/a/b.html", Ok((Endpoint::Reports, Verb::Head))),
            ("POST", "/e", Ok((Endpoint::Event, Verb::Post))),
            ("OPTIONS", "/e", Ok((Endpoint::Event, Verb::Options))),
            // Methods `worker::Method` does not know used to become GET.
            ("PROPFIND", "/p.gif", not_allowed("PROPFIND", "GET, HEAD")),
            ("PURGE", "/p.gif", not_allowed("PURGE", "GET, HEAD")),
            ("SEARCH", "/p.gif", not_allowed("SEARCH", "GET, HEAD")),
            ("LOCK", "/health", not_allowed("LOCK", "GET, HEAD")),
            ("MKCOL", "/e", not_allowed("MKCOL", "POST, OPTIONS")),
            ("BREW", "/reports/", not_allowed("BREW", "GET, HEAD")),
            // Known but not listed, and a lowercase method, which HTTP does not fold.
            ("REPORT", "/t.js", not_allowed("REPORT", "GET, HEAD")),
            ("GET", "/e", not_allowed("GET", "POST, OPTIONS")),
            ("get", "/health", not_allowed("get", "GET, HEAD")),
            ("PROPFIND", "/nope", Err(RouteError::NotFound)),
            ("GET", "/reportsx", Err(RouteError::NotFound)),
        ];
        for (method, path, want) in cases {
            assert_eq!(route(method, path), want, "{method} {path}");
        }
        assert_eq!(
            route("MKCOL", "/e").map_err(|e| e.to_string()),
            Err("method MKCOL not allowed, use POST, OPTIONS".into())
        );
    }
}
