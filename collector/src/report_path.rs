//! Pure rules of the hosted report site: which request paths map to which bucket keys, what
//! content type a file has, and whether an `Authorization` header carries the right password.

use hitflow_report_link::{constant_time_eq, is_plain_report_path, REPORTS_PATH};

/// The bucket key for a `/reports/…` request path, or `None` for anything that is not a plain
/// path inside the report site: encoded characters (`%2F`, `%2e%2e`), `..`, `.` segments,
/// backslashes, empty segments, hidden files.
pub fn report_key(path: &str) -> Option<String> {
    // `/reports` itself is redirected to `/reports/` (its index's relative links need the slash).
    let rest = path.strip_prefix(REPORTS_PATH)?;
    if !is_plain_report_path(rest) {
        return None;
    }
    let mut key = format!("reports/{rest}");
    if rest.is_empty() || rest.ends_with('/') {
        key.push_str("index.html");
    }
    Some(key)
}

/// Content type by file extension (the reporter also sets it when publishing).
pub fn content_type(key: &str) -> &'static str {
    match key.rsplit('.').next().unwrap_or_default() {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "parquet" => "application/vnd.apache.parquet",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Whether an `Authorization` header is HTTP Basic with `user:password`, compared in constant time.
pub fn basic_auth_matches(header: Option<&str>, user: &str, password: &str) -> bool {
    let Some(header) = header else { return false };
    let expected = format!("Basic {}", base64(format!("{user}:{password}").as_bytes()));
    constant_time_eq(header.trim().as_bytes(), expected.as_bytes())
}

fn base64(input: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(input.len().div_ceil(3) * 4);
    for chunk in input.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_paths_map_to_keys_and_tricks_do_not() {
        let cases = [
            ("/reports", None),
            ("/reports/", Some("reports/index.html")),
            (
                "/reports/periods/2026-11-01_2026-11-07/example-com/index.html",
                Some("reports/periods/2026-11-01_2026-11-07/example-com/index.html"),
            ),
            ("/reports/periods/x/", Some("reports/periods/x/index.html")),
            ("/reports/../hits/date=2026-11-01/hour=00/a.parquet", None),
            ("/reports/%2e%2e/hits/a.parquet", None),
            ("/reports/..%2Fhits%2Fa.parquet", None),
            ("/reports/a%2Fb", None),
            ("/reports/a\\..\\salts", None),
            ("/reports//etc/passwd", None),
            ("/reports/.manifest.json", None),
            ("/reports/x/./y", None),
            ("/reports/date=2026", None),
            ("/hits/date=2026-11-01/hour=00/a.parquet", None),
            ("/reportsx", None),
            ("/salts/2026-11-28", None),
        ];
        for (path, want) in cases {
            assert_eq!(report_key(path).as_deref(), want, "{path}");
        }
    }

    #[test]
    fn basic_auth() {
        // "report:s3cret" in Base64 is cmVwb3J0OnMzY3JldA==
        assert_eq!(base64(b"report:s3cret"), "cmVwb3J0OnMzY3JldA==");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        let cases = [
            (Some("Basic cmVwb3J0OnMzY3JldA=="), true),
            (Some("  Basic cmVwb3J0OnMzY3JldA== "), true),
            (Some("Basic cmVwb3J0OnMzY3JldB=="), false),
            (Some("Bearer cmVwb3J0OnMzY3JldA=="), false),
            (Some(""), false),
            (None, false),
        ];
        for (header, want) in cases {
            assert_eq!(basic_auth_matches(header, "report", "s3cret"), want, "{header:?}");
        }
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("reports/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("reports/x.svg"), "image/svg+xml");
        assert_eq!(content_type("reports/p/s/landing-pages.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("reports/x"), "application/octet-stream");
    }
}
