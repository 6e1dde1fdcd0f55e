//! Page URL and traffic-source parsing.
//!
//! Query strings carry personal data (emails, tokens, search terms), so only campaign
//! parameters survive: the five UTM fields, `ref`/`source`, and the *kind* of ad click id.
//! Everything else in the query, and the fragment, is dropped.

use url::Url;

use crate::text;

/// Longest stored page path (including a kept hash route).
pub const MAX_PATH_CHARS: usize = 2048;
/// Longest stored campaign value (UTM fields and `ref`/`source`).
pub const MAX_CAMPAIGN_CHARS: usize = 256;

/// Click-id parameters in priority order: when several are present the first one listed wins.
pub const CLICK_ID_KINDS: [&str; 9] = [
    "gclid",
    "gbraid",
    "wbraid",
    "dclid",
    "msclkid",
    "fbclid",
    "ttclid",
    "li_fat_id",
    "twclid",
];

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PageUrl {
    /// Lowercase host without port; `www.` is kept (it is part of the site's identity).
    pub host: String,
    /// Percent-encoded path as the URL parser serialises it (never decoded), at least `/`,
    /// plus a hash route (`/#/route`, `/#!/route`) when the fragment is one.
    pub path: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Campaign {
    /// Lowercased: GA4 matches source and medium case-insensitively.
    pub utm_source: Option<String>,
    /// Lowercased, like `utm_source`.
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// Value of `ref`, else of `source`.
    pub ref_param: Option<String>,
    /// Which click id was present, one of [`CLICK_ID_KINDS`]; the id itself is never kept.
    pub click_id_kind: Option<&'static str>,
}

/// A URL part or campaign value that cannot be stored as sent. The hit is rejected rather than
/// stored truncated or altered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlFieldError {
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    /// Fails [`crate::text`]'s rule once decoded, as any other visitor-supplied text.
    #[error("`{0}` contains control or invisible characters")]
    Unprintable(&'static str),
    #[error("`{0}` is not valid UTF-8 once percent-decoded")]
    InvalidUtf8(&'static str),
}

impl UrlFieldError {
    /// 413 for size limits, 400 otherwise, as for the payload's own fields.
    pub fn status(&self) -> u16 {
        match self {
            Self::TooLong { .. } => 413,
            _ => 400,
        }
    }
}

/// The parts of an absolute http(s) URL that enrichment reads, as `url::Url` serialises them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlParts<'a> {
    /// The host, possibly with ASCII uppercase (callers lowercase it).
    pub host: &'a str,
    /// `""` stands for `/`.
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub fragment: Option<&'a str>,
}

impl<'a> UrlParts<'a> {
    pub fn of(url: &'a Url) -> Self {
        UrlParts {
            host: url.host_str().unwrap_or_default(),
            path: url.path(),
            query: url.query(),
            fragment: url.fragment(),
        }
    }

    /// Where the parts lie in `text`, which they must borrow from.
    pub fn spans(&self, text: &str) -> UrlSpans {
        let span = |part: &str| {
            let start = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
            (start, start + part.len())
        };
        UrlSpans {
            host: span(self.host),
            path: span(self.path),
            query: self.query.map(span),
            fragment: self.fragment.map(span),
        }
    }
}

/// Where the [`UrlParts`] of a split URL lie in its text, to keep a split without borrowing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UrlSpans {
    host: (usize, usize),
    path: (usize, usize),
    query: Option<(usize, usize)>,
    fragment: Option<(usize, usize)>,
}

impl UrlSpans {
    /// The parts in `text`; `None` if `text` is not the one the spans were taken from.
    pub fn parts<'a>(&self, text: &'a str) -> Option<UrlParts<'a>> {
        let get = |(a, b): (usize, usize)| text.get(a..b);
        Some(UrlParts {
            host: get(self.host)?,
            path: get(self.path)?,
            query: match self.query {
                Some(q) => Some(get(q)?),
                None => None,
            },
            fragment: match self.fragment {
                Some(f) => Some(get(f)?),
                None => None,
            },
        })
    }
}

/// Splits an absolute http(s) URL without building a `url::Url`, when it has a shape the WHATWG
/// parser keeps exactly as written: printable ASCII only, a lowercase `http://` or `https://`, a
/// host of letters, digits, dots and hyphens that is neither an IP address nor punycode, no
/// userinfo or port, no backslash, no dot segments, and no character the parser would
/// percent-encode in the path, query or fragment. Anything else is `None`: the caller parses it
/// with the `url` crate, which is exact but costs several times more. A test checks the two
/// agree on every URL this accepts.
pub fn split_simple(s: &str) -> Option<UrlParts<'_>> {
    let b = s.as_bytes();
    let start = if b.starts_with(b"https://") {
        8
    } else if b.starts_with(b"http://") {
        7
    } else {
        return None;
    };
    let mut i = start;
    let mut label = start;
    let mut punycode = false;
    while let Some(&c) = b.get(i) {
        match c {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' => {}
            b'.' => label = i + 1,
            b'/' | b'?' | b'#' => break,
            _ => return None,
        }
        // Punycode labels (`xn--`) are decoded and checked by the parser.
        punycode |= i == label + 3 && b[label..=i].eq_ignore_ascii_case(b"xn--");
        i += 1;
    }
    let host = s.get(start..i)?;
    // A last label that starts with a digit may make the host an IPv4 address, which the parser
    // normalises (`1.2.3` is `1.2.0.3`).
    let last = host.strip_suffix('.').unwrap_or(host).rsplit('.').next().unwrap_or("");
    if punycode || last.is_empty() || last.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let path_start = i;
    while let Some(&c) = b.get(i) {
        if c == b'?' || c == b'#' {
            break;
        }
        if !PATH_KEPT[usize::from(c)] {
            return None;
        }
        i += 1;
    }
    let path = s.get(path_start..i)?;
    let dot_segment =
        |seg: &[u8]| seg == b"." || seg == b".." || seg.windows(3).any(|w| w.eq_ignore_ascii_case(b"%2e"));
    if path.bytes().any(|c| c == b'.' || c == b'%') && path.as_bytes().split(|&c| c == b'/').any(dot_segment) {
        return None;
    }
    let mut query = None;
    if b.get(i) == Some(&b'?') {
        let query_start = i + 1;
        i = query_start;
        while let Some(&c) = b.get(i) {
            if c == b'#' {
                break;
            }
            if !QUERY_KEPT[usize::from(c)] {
                return None;
            }
            i += 1;
        }
        query = Some(s.get(query_start..i)?);
    }
    let mut fragment = None;
    if b.get(i) == Some(&b'#') {
        let rest = s.get(i + 1..)?;
        if !rest.bytes().all(|c| FRAGMENT_KEPT[usize::from(c)]) {
            return None;
        }
        fragment = Some(rest);
    }
    Some(UrlParts {
        host,
        // `https://a.com?q` has the path `/`, as the parser gives it (found by fuzzing).
        path: if path.is_empty() { "/" } else { path },
        query,
        fragment,
    })
}

/// Printable ASCII but the given bytes (and the backslash, which special schemes read as `/`):
/// what the WHATWG URL parser keeps as written in a part.
const fn kept(encoded: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut c = 0x21;
    while c < 0x7f {
        table[c] = c != b'\\' as usize;
        c += 1;
    }
    let mut i = 0;
    while i < encoded.len() {
        table[encoded[i] as usize] = false;
        i += 1;
    }
    table
}

/// The path percent-encode set (plus the `?` and `#` that end a path).
const PATH_KEPT: [bool; 256] = kept(b"\"<>`{}");
/// The special-query percent-encode set.
const QUERY_KEPT: [bool; 256] = kept(b"\"<>'");
/// The fragment percent-encode set; a backslash is kept in a fragment but left to the parser.
const FRAGMENT_KEPT: [bool; 256] = kept(b"\"<>`");

/// Splits a page URL into host, path and campaign fields.
///
/// Parameter names match case-insensitively (`UTM_Source`) and the first non-empty
/// occurrence of each wins. Values are decoded (`+` and `%20` become spaces) and trimmed;
/// a value that is empty after trimming is treated as absent. A value read that decodes to bytes
/// that are not UTF-8, or to text [`crate::text`] refuses (control, bidi or invisible
/// characters: only hand-crafted links carry them), rejects the hit naming the parameter, as
/// any other visitor-supplied text does. A click id counts only with a non-empty value.
pub fn parse_page_url(url: &Url) -> Result<(PageUrl, Campaign), UrlFieldError> {
    parse_page_parts(UrlParts::of(url))
}

/// [`parse_page_url`] on the parts of a URL (from `UrlParts::of` or [`split_simple`]).
pub fn parse_page_parts(url: UrlParts<'_>) -> Result<(PageUrl, Campaign), UrlFieldError> {
    let mut path = match url.path {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    if let Some(route) = hash_route(url.fragment) {
        path.push('#');
        path.push_str(route);
    }
    if path.len() > MAX_PATH_CHARS && path.chars().count() > MAX_PATH_CHARS {
        return Err(UrlFieldError::TooLong {
            field: "url_path",
            max: MAX_PATH_CHARS,
        });
    }
    let page = PageUrl {
        host: url.host.to_ascii_lowercase(),
        path,
    };

    let mut c = Campaign::default();
    let mut source_param = None;
    let mut click_rank = usize::MAX;
    let Some(query) = url.query else {
        return Ok((page, c));
    };
    const FIELDS: [(&str, bool); 7] = [
        ("utm_source", true),
        ("utm_medium", true),
        ("utm_campaign", false),
        ("utm_term", false),
        ("utm_content", false),
        ("ref", false),
        ("source", false),
    ];
    let known = |key: &str| {
        CLICK_ID_KINDS.iter().any(|k| k.eq_ignore_ascii_case(key))
            || FIELDS.iter().any(|(f, _)| f.eq_ignore_ascii_case(key))
    };
    let plain = |s: &str| !s.bytes().any(|b| b == b'%' || b == b'+');
    // The pairs `form_urlencoded::parse` would yield, decoding only where it changes anything
    // and only for the parameters read; values strictly (see `text::decode_form`).
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (raw_key, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        if plain(raw_key) && !known(raw_key) {
            continue;
        }
        // A name that is not UTF-8 once decoded is none of ours.
        let Some(key) = text::decode_form(raw_key) else {
            continue;
        };
        if let Some(rank) = CLICK_ID_KINDS.iter().position(|k| k.eq_ignore_ascii_case(&key)) {
            // The id is never kept, so any non-blank bytes count.
            if text::decode_form(raw_value).is_none_or(|v| !v.trim().is_empty()) {
                click_rank = click_rank.min(rank);
            }
            continue;
        }
        let Some(index) = FIELDS.iter().position(|(name, _)| name.eq_ignore_ascii_case(&key)) else {
            continue;
        };
        let (field, lowercase) = FIELDS[index];
        let slot = match index {
            0 => &mut c.utm_source,
            1 => &mut c.utm_medium,
            2 => &mut c.utm_campaign,
            3 => &mut c.utm_term,
            4 => &mut c.utm_content,
            5 => &mut c.ref_param,
            _ => &mut source_param,
        };
        if slot.is_some() {
            continue;
        }
        let decoded = text::decode_form(raw_value).ok_or(UrlFieldError::InvalidUtf8(field))?;
        let value = decoded.trim();
        if value.chars().count() > MAX_CAMPAIGN_CHARS {
            return Err(UrlFieldError::TooLong {
                field,
                max: MAX_CAMPAIGN_CHARS,
            });
        }
        // Before trimming: a CR/LF or NEL at an end is as hand-crafted as one inside.
        text::check(&decoded).map_err(|text::TextFault::Unprintable| UrlFieldError::Unprintable(field))?;
        if value.is_empty() {
            continue;
        }
        *slot = Some(match lowercase {
            // The same result for ASCII, without the Unicode case tables.
            true if value.is_ascii() => value.to_ascii_lowercase(),
            true => value.to_lowercase(),
            false => value.to_owned(),
        });
    }
    c.ref_param = c.ref_param.or(source_param);
    c.click_id_kind = CLICK_ID_KINDS.get(click_rank).copied();
    Ok((page, c))
}

/// The route part of an SPA hash route (`/route` or `!/route`), without any query inside the
/// fragment (`#/search?q=…` carries the same personal data as a real query string).
fn hash_route(fragment: Option<&str>) -> Option<&str> {
    let f = fragment?;
    if !(f.starts_with('/') || f.starts_with("!/")) {
        return None;
    }
    Some(f.split_once('?').map_or(f, |(route, _)| route))
}

/// Referrer host and path, or `None` for an empty, unparsable or non-web referrer.
///
/// For http(s) the query and fragment are dropped, the host is lowercased and a leading
/// `www.` stripped (so `www.google.com` and `google.com` count as one source).
/// `android-app://PACKAGE/…` (what Android apps such as Gmail or the Google app send) maps
/// to host `PACKAGE`, path kept: the package names the source app, and reports can group
/// it like a host. Other schemes (`file:`, `chrome-extension:`, `about:` …) give `None`.
pub fn parse_referrer(referrer: &str) -> Option<(String, String)> {
    // Query and fragment are dropped, so they are not parsed either: a URL parser ends the
    // authority and the path at the first `?` or `#` whatever the scheme.
    let referrer = referrer.trim();
    let cut = referrer.find(['?', '#']).unwrap_or(referrer.len());
    // The parser trims C0 controls and spaces off the ends of its input: ones just before the cut
    // are inside the referrer as sent, where they are encoded or make it invalid (found by
    // fuzzing). Such a rare referrer is parsed whole.
    let referrer = match referrer.get(..cut) {
        Some(head) if !head.ends_with(|c: char| c <= ' ') => head,
        _ => referrer,
    };
    let parsed;
    let (scheme_is_web, parts) = match split_simple(referrer) {
        Some(parts) => (true, parts),
        None => {
            parsed = Url::parse(referrer).ok()?;
            let web = match parsed.scheme() {
                "http" | "https" => true,
                "android-app" => false,
                _ => return None,
            };
            (web, UrlParts::of(&parsed))
        }
    };
    if parts.host.is_empty() {
        return None;
    }
    let host = parts.host.to_ascii_lowercase();
    let host = match host.strip_prefix("www.") {
        Some(rest) if scheme_is_web && !rest.is_empty() => rest.to_owned(),
        _ => host,
    };
    let path = match parts.path {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Some((host, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str) -> Result<(PageUrl, Campaign), UrlFieldError> {
        parse_page_url(&Url::parse(url).expect("test URL parses"))
    }

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    #[test]
    #[rustfmt::skip]
    fn page_host_and_path() {
        let long_route = format!("https://a.com/#/{}", "r".repeat(2045)); // path exactly at the cap
        let cases: Vec<(&str, &str, &str)> = vec![
            // (url, host, path)
            ("https://Example.COM", "example.com", "/"),
            ("https://www.example.com/Docs/Intro", "www.example.com", "/Docs/Intro"),
            ("http://localhost:8080/x/", "localhost", "/x/"),
            ("https://example.com/a?email=me%40x.com&token=abc", "example.com", "/a"),
            ("https://example.com/a#section-2", "example.com", "/a"),
            ("https://example.com/#/settings/profile", "example.com", "/#/settings/profile"),
            ("https://example.com/app/#!/inbox", "example.com", "/app/#!/inbox"),
            ("https://example.com/#/search?q=secret", "example.com", "/#/search"),
            ("https://example.com/#", "example.com", "/"),
            ("https://example.com/#!", "example.com", "/"),
            ("https://example.com/#!section", "example.com", "/"),
            ("https://example.com/caf%C3%A9", "example.com", "/caf%C3%A9"),
            ("https://example.com/café dé", "example.com", "/caf%C3%A9%20d%C3%A9"),
            ("https://[::1]:3000/x", "[::1]", "/x"),
            (&long_route, "a.com", &long_route["https://a.com".len()..]),
        ];
        for (url, host, path) in cases {
            let (got, _) = page(url).expect(url);
            assert_eq!(got, PageUrl { host: host.into(), path: path.into() }, "{url}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn campaign_fields() {
        let c = Campaign::default;
        let long_term = format!("https://a.com/?utm_term={}", "é".repeat(256)); // at the cap
        let all = Campaign {
            utm_source: s("google"),
            utm_medium: s("cpc"),
            utm_campaign: s("Spring Sale"),
            utm_term: s("Red Shoes"),
            utm_content: s("Banner_A"),
            ref_param: None,
            click_id_kind: Some("gclid"),
        };
        let cases: Vec<(&str, Campaign)> = vec![
            ("https://a.com/", c()),
            ("https://a.com/?q=1&email=x%40y.z", c()),
            ("https://a.com/?utm_source=Google&utm_medium=CPC&utm_campaign=Spring+Sale&utm_term=Red%20Shoes&utm_content=Banner_A&gclid=x", all),
            ("https://a.com/?UTM_Source=NewsLetter&Utm_Medium=Email", Campaign { utm_source: s("newsletter"), utm_medium: s("email"), ..c() }),
            ("https://a.com/?utm_source=%20%20&utm_medium=", c()),
            ("https://a.com/?utm_source=+x+", Campaign { utm_source: s("x"), ..c() }),
            ("https://a.com/?utm_source=&utm_source=b&utm_source=c", Campaign { utm_source: s("b"), ..c() }),
            ("https://a.com/?utm_source=%C3%84%C3%96", Campaign { utm_source: s("äö"), ..c() }),
            ("https://a.com/?ref=ProductHunt", Campaign { ref_param: s("ProductHunt"), ..c() }),
            ("https://a.com/?source=hn", Campaign { ref_param: s("hn"), ..c() }),
            ("https://a.com/?source=hn&ref=ph", Campaign { ref_param: s("ph"), ..c() }),
            ("https://a.com/?REF=x", Campaign { ref_param: s("x"), ..c() }),
            ("https://a.com/?utm_id=1&utm_source_platform=x&referrer=y", c()),
            ("https://a.com/#/r?utm_source=x", c()),
            (&long_term, Campaign { utm_term: Some("é".repeat(256)), ..c() }),
        ];
        for (url, want) in cases {
            let (_, got) = page(url).expect(url);
            assert_eq!(got, want, "{url}");
        }
    }

    const FIELDS_READ: [&str; 7] = [
        "utm_source",
        "utm_medium",
        "utm_campaign",
        "utm_term",
        "utm_content",
        "ref",
        "source",
    ];

    /// The pairs read are those `form_urlencoded::parse` yields, decoded the same way.
    #[test]
    fn query_reading_matches_form_urlencoded() {
        let parts = [
            "utm_source=a",
            "UTM_SOURCE=b+c",
            "utm%5Fsource=enc",
            "utm_medium=%41%42",
            "utm_campaign=x%zz",
            "ref=a%26b",
            "source=%20",
            "gclid=%20",
            "gclid=",
            "fbclid=1",
            "utm_term",
            "=v",
            "",
            "utm_content=%C3%A9",
            "utm_content=%FF",
            "other=%41",
            "utm_campaign=a=b",
            "Ref=+x+",
            "li%5Ffat%5Fid=1",
            "utm_source=%00x",
        ];
        let mut queries = Vec::new();
        for a in parts {
            for b in parts {
                queries.push(format!("{a}&{b}"));
                queries.push(format!("{b}&&{a}"));
            }
        }
        for q in &queries {
            let reference: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes()).into_owned().collect();
            let url = UrlParts {
                host: "a.com",
                path: "/",
                query: Some(q),
                fragment: None,
            };
            let direct = parse_page_parts(url);
            let mut failure = None;
            let mut expected = Campaign::default();
            let mut source = None;
            let mut rank = usize::MAX;
            for (key, value) in &reference {
                let key = key.to_ascii_lowercase();
                let raw = value;
                let value = value.trim();
                if let Some(r) = CLICK_ID_KINDS.iter().position(|k| *k == key) {
                    if !value.is_empty() {
                        rank = rank.min(r);
                    }
                    continue;
                }
                let (slot, lower) = match key.as_str() {
                    "utm_source" => (&mut expected.utm_source, true),
                    "utm_medium" => (&mut expected.utm_medium, true),
                    "utm_campaign" => (&mut expected.utm_campaign, false),
                    "utm_term" => (&mut expected.utm_term, false),
                    "utm_content" => (&mut expected.utm_content, false),
                    "ref" => (&mut expected.ref_param, false),
                    "source" => (&mut source, false),
                    _ => continue,
                };
                if slot.is_some() {
                    continue;
                }
                // The parts hold no literal U+FFFD: one here stands for bytes that are not UTF-8.
                let field: &'static str = FIELDS_READ.iter().find(|f| **f == key).copied().unwrap_or("?");
                if raw.contains('\u{FFFD}') {
                    failure = Some(UrlFieldError::InvalidUtf8(field));
                    break;
                }
                if raw.chars().any(char::is_control) {
                    failure = Some(UrlFieldError::Unprintable(field));
                    break;
                }
                if value.is_empty() {
                    continue;
                }
                *slot = Some(if lower { value.to_lowercase() } else { value.to_owned() });
            }
            expected.ref_param = expected.ref_param.or(source);
            expected.click_id_kind = CLICK_ID_KINDS.get(rank).copied();
            let expected = failure.map_or(Ok(expected), Err);
            assert_eq!(direct.map(|(_, c)| c), expected, "{q}");
        }
    }

    /// Decoded campaign values follow the one rule for visitor-supplied text: refused whole,
    /// naming the parameter, never stored with U+FFFD or hidden characters.
    #[test]
    #[rustfmt::skip]
    fn unprintable_campaign_values_are_errors() {
        let bad = UrlFieldError::Unprintable;
        let utf8 = UrlFieldError::InvalidUtf8;
        let cases: Vec<(&str, UrlFieldError)> = vec![
            ("https://a.com/?utm_campaign=a%00b", bad("utm_campaign")),
            ("https://a.com/?utm_source=%C2%85x", bad("utm_source")),
            ("https://a.com/?utm_campaign=%E2%80%AEgnp.exe", bad("utm_campaign")),
            ("https://a.com/?utm_term=a%E2%81%A6b%E2%81%A9", bad("utm_term")),
            ("https://a.com/?utm_content=a%D8%9Cb", bad("utm_content")),
            ("https://a.com/?utm_medium=a%E2%80%8Bb", bad("utm_medium")),
            ("https://a.com/?ref=a%E2%80%A8b", bad("ref")),
            ("https://a.com/?source=%EF%BB%BFhn", bad("source")),
            ("https://a.com/?utm_campaign=%E3%85%A4", bad("utm_campaign")),
            ("https://a.com/?utm_campaign=%FF", utf8("utm_campaign")),
            ("https://a.com/?ref=%ED%A0%80", utf8("ref")),
            ("https://a.com/?utm_source=ok&utm_medium=%C0%AF", utf8("utm_medium")),
        ];
        for (url, want) in cases {
            assert_eq!(page(url), Err(want), "{url}");
        }
        // Only the values read count: a later repeat, another parameter or a click id is not kept.
        for url in [
            "https://a.com/?utm_source=x&utm_source=%FF%E2%80%AE",
            "https://a.com/?q=%FF&e=%E2%80%AE&%FF=1",
            "https://a.com/?gclid=%FF",
        ] {
            assert!(page(url).is_ok(), "{url}");
        }
        assert_eq!(page("https://a.com/?gclid=%FF").map(|(_, c)| c.click_id_kind), Ok(Some("gclid")));
    }

    #[test]
    fn click_id_kinds() {
        let cases: Vec<(&str, Option<&str>)> = vec![
            ("https://a.com/?gclid=abc", Some("gclid")),
            ("https://a.com/?GCLID=abc", Some("gclid")),
            ("https://a.com/?gbraid=1", Some("gbraid")),
            ("https://a.com/?wbraid=1", Some("wbraid")),
            ("https://a.com/?dclid=1", Some("dclid")),
            ("https://a.com/?msclkid=1", Some("msclkid")),
            ("https://a.com/?fbclid=IwAR1", Some("fbclid")),
            ("https://a.com/?ttclid=1", Some("ttclid")),
            ("https://a.com/?li_fat_id=1", Some("li_fat_id")),
            ("https://a.com/?twclid=1", Some("twclid")),
            ("https://a.com/?twclid=1&fbclid=2&gclid=3", Some("gclid")),
            ("https://a.com/?ttclid=1&msclkid=2", Some("msclkid")),
            ("https://a.com/?gclid=", None),
            ("https://a.com/?gclid_x=1&clid=2", None),
            ("https://a.com/#gclid=1", None),
        ];
        for (url, want) in cases {
            let (_, got) = page(url).expect(url);
            assert_eq!(got.click_id_kind, want, "{url}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn over_long_parts_are_errors() {
        let err = |field, max| UrlFieldError::TooLong { field, max };
        let cases: Vec<(String, UrlFieldError)> = vec![
            (format!("https://a.com/?utm_source={}", "x".repeat(257)), err("utm_source", 256)),
            (format!("https://a.com/?utm_content={}", "é".repeat(257)), err("utm_content", 256)),
            (format!("https://a.com/?Source={}", "x".repeat(257)), err("source", 256)),
            (format!("https://a.com/?ref={}", "x".repeat(257)), err("ref", 256)),
            // 700 `é` serialise to 4200 chars: percent-encoding can push a valid URL past the cap.
            (format!("https://a.com/{}", "é".repeat(700)), err("url_path", 2048)),
            (format!("https://a.com/#/{}", "r".repeat(2046)), err("url_path", 2048)),
        ];
        for (url, want) in cases {
            assert_eq!(page(&url), Err(want), "{url}");
        }
        // Over-long values of dropped parameters do not matter.
        assert!(page(&format!("https://a.com/?q={}&gclid={0}", "x".repeat(5000))).is_ok());
    }

    /// Whenever `split_simple` accepts a URL, the `url` crate parses it to the very same parts.
    #[test]
    fn simple_split_agrees_with_the_url_crate() {
        let schemes = ["http://", "https://", "HTTPS://", "ftp://", "https:/", "https:"];
        let hosts = [
            "example.com",
            "EXAMPLE.Com",
            "www.example.com",
            "a..b",
            "a.com.",
            "-a-.com",
            "a--b.com",
            "a_b.com",
            "xn--nxasmq6b.com",
            "XN--bad.com",
            "xn--zz",
            "1.2.3.4",
            "1.2.3",
            "a.1",
            "a.1b",
            "a.b1",
            "0x7f.1",
            "localhost",
            "[::1]",
            "user@a.com",
            "u:p@a.com",
            "a.com:80",
            "a.com:443",
            "a.com:",
            "",
            "a%41.com",
            "a.com.",
            "a.b.c.d.e",
            "ex~ample.com",
            "a!b.com",
            "é.com",
        ];
        let paths = [
            "",
            "/",
            "/a/b/",
            "//x",
            "/./a",
            "/a/.",
            "/a/..",
            "/.a",
            "/a../b",
            "/%2e/",
            "/%2E%2e/x",
            "/a%2ex",
            "/a b",
            "/a\"b",
            "/a<b>",
            "/a`b",
            "/{x}",
            "/é",
            "/a|b^c[d]~!$&'()*+,;=:@",
            "/a%20b%zz",
            "/a\\b",
            "/%",
            "/a?",
            "/a#",
        ];
        let queries = [
            "", "?", "?a=1&b=2", "?a='x'", "?a=\"", "?a=<", "?a=%zz", "?a=b?c", "?a=`{}|^", "?é",
        ];
        let fragments = ["", "#", "#/route?x=1", "#a`b", "#a\"", "#a#b", "#a<", "#{}|", "# "];
        let mut accepted = 0;
        for scheme in schemes {
            for host in hosts {
                for path in paths {
                    for query in queries {
                        for fragment in fragments {
                            let s = format!("{scheme}{host}{path}{query}{fragment}");
                            let Some(parts) = split_simple(&s) else { continue };
                            accepted += 1;
                            let url = Url::parse(&s).unwrap_or_else(|e| panic!("{s}: accepted, but {e}"));
                            assert!(matches!(url.scheme(), "http" | "https"), "{s}");
                            let want = UrlParts::of(&url);
                            assert_eq!(
                                (
                                    parts.host.to_ascii_lowercase().as_str(),
                                    parts.path,
                                    parts.query,
                                    parts.fragment
                                ),
                                (want.host, want.path, want.query, want.fragment),
                                "{s}"
                            );
                        }
                    }
                }
            }
        }
        // The common shapes are taken.
        assert!(accepted > 5_000, "{accepted}");
        for s in [
            "https://example.com/pricing?utm_source=x&email=a%40b.c",
            "http://blog.example.org/",
            "https://example.com",
        ] {
            assert!(split_simple(s).is_some(), "{s}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn referrers() {
        let gqsb = "android-app://com.google.android.googlequicksearchbox/https/www.google.com";
        let cases: Vec<(&str, Option<(&str, &str)>)> = vec![
            ("", None),
            ("   ", None),
            ("not a url", None),
            ("/relative/path", None),
            ("https://www.google.com/", Some(("google.com", "/"))),
            ("https://WWW.Google.COM", Some(("google.com", "/"))),
            ("https://www2.example.com/x", Some(("www2.example.com", "/x"))),
            ("https://www./", Some(("www.", "/"))),
            ("https://news.ycombinator.com/item?id=1#c", Some(("news.ycombinator.com", "/item"))),
            ("http://user:pw@blog.example.org:8080/a/b?x=1", Some(("blog.example.org", "/a/b"))),
            ("https://t.co/AbC", Some(("t.co", "/AbC"))),
            ("https://a.com?x=1", Some(("a.com", "/"))),
            ("https://a.com/p#f?x=1", Some(("a.com", "/p"))),
            ("https://a.com/p?x=#f", Some(("a.com", "/p"))),
            ("https://a.com:99999/?x", None),
            ("https://exa mple.com/?q", None),
            ("android-app://com.google.android.gm", Some(("com.google.android.gm", "/"))),
            ("android-app://com.google.android.gm/", Some(("com.google.android.gm", "/"))),
            (gqsb, Some(("com.google.android.googlequicksearchbox", "/https/www.google.com"))),
            ("android-app://", None),
            ("ios-app://123/x", None),
            ("file:///home/me/a.html", None),
            ("chrome-extension://abc/popup.html", None),
            ("about:blank", None),
            ("javascript:alert(1)", None),
            ("data:text/html,hi", None),
            // Controls just before `?`/`#` are inside the referrer, not at its end (fuzzing).
            ("https://example.com/a\u{1}?x=1", Some(("example.com", "/a%01"))),
            ("https://a.com/p \u{0}#f", Some(("a.com", "/p%20%00"))),
            ("https://example.com\u{0}?ht", None),
            ("https://example.com/a\u{1}", Some(("example.com", "/a"))),
        ];
        for (input, want) in cases {
            let got = parse_referrer(input);
            let want = want.map(|(h, p)| (h.to_owned(), p.to_owned()));
            assert_eq!(got, want, "{input:?}");
        }
    }
}
