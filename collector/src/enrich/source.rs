//! Page URL and traffic-source parsing.
//!
//! Query strings carry personal data (emails, tokens, search terms), so only campaign
//! parameters survive: the five UTM fields, `ref`/`source`, and the *kind* of ad click id.
//! Everything else in the query, and the fragment, is dropped.

use url::Url;

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

/// A URL part longer than its cap. The hit is rejected rather than stored truncated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{field}` is longer than {max} characters")]
pub struct FieldTooLong {
    pub field: &'static str,
    pub max: usize,
}

/// Splits a page URL into host, path and campaign fields.
///
/// Parameter names match case-insensitively (`UTM_Source`) and the first non-empty
/// occurrence of each wins. Values are decoded (`+` and `%20` become spaces) and trimmed;
/// a value that is empty after trimming, or that decodes to control characters (only
/// hand-crafted links do that), is treated as absent. A click id counts only with a
/// non-empty value.
pub fn parse_page_url(url: &Url) -> Result<(PageUrl, Campaign), FieldTooLong> {
    let mut path = match url.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    if let Some(route) = hash_route(url.fragment()) {
        path.push('#');
        path.push_str(route);
    }
    if path.chars().count() > MAX_PATH_CHARS {
        return Err(FieldTooLong {
            field: "url_path",
            max: MAX_PATH_CHARS,
        });
    }
    let page = PageUrl {
        host: url.host_str().unwrap_or_default().to_ascii_lowercase(),
        path,
    };

    let mut c = Campaign::default();
    let mut source_param = None;
    let mut click_rank = usize::MAX;
    for (key, value) in url.query_pairs() {
        let key = key.to_ascii_lowercase();
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        if let Some(rank) = CLICK_ID_KINDS.iter().position(|k| *k == key) {
            click_rank = click_rank.min(rank);
            continue;
        }
        let (slot, field, lowercase) = match key.as_str() {
            "utm_source" => (&mut c.utm_source, "utm_source", true),
            "utm_medium" => (&mut c.utm_medium, "utm_medium", true),
            "utm_campaign" => (&mut c.utm_campaign, "utm_campaign", false),
            "utm_term" => (&mut c.utm_term, "utm_term", false),
            "utm_content" => (&mut c.utm_content, "utm_content", false),
            "ref" => (&mut c.ref_param, "ref", false),
            "source" => (&mut source_param, "source", false),
            _ => continue,
        };
        if slot.is_some() || value.chars().any(char::is_control) {
            continue;
        }
        if value.chars().count() > MAX_CAMPAIGN_CHARS {
            return Err(FieldTooLong {
                field,
                max: MAX_CAMPAIGN_CHARS,
            });
        }
        *slot = Some(if lowercase {
            value.to_lowercase()
        } else {
            value.to_owned()
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
    let url = Url::parse(referrer.get(..cut).unwrap_or(referrer)).ok()?;
    let host = url.host_str().filter(|h| !h.is_empty())?.to_ascii_lowercase();
    let host = match url.scheme() {
        "http" | "https" => match host.strip_prefix("www.") {
            Some(rest) if !rest.is_empty() => rest.to_owned(),
            _ => host,
        },
        "android-app" => host,
        _ => return None,
    };
    let path = match url.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Some((host, path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str) -> Result<(PageUrl, Campaign), FieldTooLong> {
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
            ("https://a.com/?utm_campaign=a%00b", c()),
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
        let err = |field, max| FieldTooLong { field, max };
        let cases: Vec<(String, FieldTooLong)> = vec![
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
        ];
        for (input, want) in cases {
            let got = parse_referrer(input);
            let want = want.map(|(h, p)| (h.to_owned(), p.to_owned()));
            assert_eq!(got, want, "{input:?}");
        }
    }
}
