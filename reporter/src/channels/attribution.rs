//! Source / medium / campaign of a session from the raw fields of its first hit.
//!
//! Precedence, first that applies:
//! 1. `utm_source` or `utm_medium` present: the UTMs, a missing one as `"(not set)"`. A lone
//!    `utm_campaign` does not make a campaign visit on its own: it is kept as the campaign of
//!    whatever the next steps find.
//! 2. An ad click id: the ad network with medium `"cpc"` (`dclid`: `"display"`).
//! 3. A `ref`/`source` query parameter: its value, medium `"referral"`.
//! 4. An external referrer: its canonical source name where a list gives one (`google`,
//!    `facebook`, ...) else the host; medium `"organic"` for search engines (as GA4 reports
//!    them), `"email"` for webmail hosts, `"referral"` otherwise.
//! 5. Otherwise (no referrer, the site itself, an excluded host): `(direct)` / `(none)`.

use std::borrow::Cow;

use rustc_hash::FxHashSet;

use super::categories::{Category, SourceIndex};

/// The raw fields of a session's first hit that tell where it came from.
#[derive(Debug, Clone, Copy, Default)]
pub struct Touch<'a> {
    pub url_host: &'a str,
    pub referrer_host: Option<&'a str>,
    pub utm_source: Option<&'a str>,
    pub utm_medium: Option<&'a str>,
    pub utm_campaign: Option<&'a str>,
    pub ref_param: Option<&'a str>,
    pub click_id_kind: Option<&'a str>,
}

impl<'a> Touch<'a> {
    /// The touch of a hit (borrowing its fields).
    pub fn from_hit(hit: &'a hitflow_schema::Hit) -> Self {
        Touch {
            url_host: &hit.url_host,
            referrer_host: hit.referrer_host.as_deref(),
            utm_source: hit.utm_source.as_deref(),
            utm_medium: hit.utm_medium.as_deref(),
            utm_campaign: hit.utm_campaign.as_deref(),
            ref_param: hit.ref_param.as_deref(),
            click_id_kind: hit.click_id_kind.as_deref(),
        }
    }
}

/// Source / medium / campaign of a session, GA-style: direct is ("(direct)", "(none)").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribution {
    pub source: String,
    pub medium: String,
    pub campaign: Option<String>,
}

/// Source of direct traffic.
pub const DIRECT_SOURCE: &str = "(direct)";
/// Medium of direct traffic.
pub const DIRECT_MEDIUM: &str = "(none)";
/// Stands for a UTM that is missing while another one is present.
pub const NOT_SET: &str = "(not set)";

impl Attribution {
    /// `(direct)` / `(none)`.
    pub fn direct(campaign: Option<String>) -> Self {
        Attribution {
            source: DIRECT_SOURCE.to_owned(),
            medium: DIRECT_MEDIUM.to_owned(),
            campaign,
        }
    }

    pub fn is_direct(&self) -> bool {
        self.source == DIRECT_SOURCE && self.medium == DIRECT_MEDIUM
    }
}

/// Source and medium an ad click id stands for. `dclid` comes from Campaign Manager 360 /
/// Display & Video 360 display ads, so it gets medium "display" (channel Display); the
/// others are search or social ad clicks ("cpc").
pub(crate) fn click_id_source(kind: &str) -> Option<(&'static str, &'static str)> {
    Some(match kind {
        "gclid" | "gbraid" | "wbraid" => ("google", "cpc"),
        "dclid" => ("google", "display"),
        "msclkid" => ("bing", "cpc"),
        "fbclid" => ("facebook", "cpc"),
        "ttclid" => ("tiktok", "cpc"),
        "li_fat_id" => ("linkedin", "cpc"),
        "twclid" => ("x", "cpc"),
        _ => return None,
    })
}

/// Trimmed, `None` when empty.
fn present(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Lowercase without allocating when it already is.
pub(crate) fn lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) || !s.is_ascii() {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// Host as compared for internal referrers: no port, no trailing dot, no leading `www.`.
fn bare_host(host: &str) -> &str {
    let host = host.trim();
    let host = match host.rsplit_once(':') {
        Some((name, port)) if !name.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    match host.get(..4) {
        Some(www) if www.eq_ignore_ascii_case("www.") => &host[4..],
        _ => host,
    }
}

/// `host` is `domain` or a subdomain of it, on a dot boundary, ASCII case ignored.
fn within(host: &str, domain: &str) -> bool {
    super::rules::is_same_or_subdomain(host, domain)
}

/// See [`super::ChannelRules::is_internal_referrer`].
pub(crate) fn is_internal_referrer(exclusions: &FxHashSet<Box<str>>, referrer_host: &str, url_host: &str) -> bool {
    let referrer = bare_host(referrer_host);
    if referrer.is_empty() {
        return false;
    }
    let site = bare_host(url_host);
    if !site.is_empty() && (within(referrer, site) || within(site, referrer)) {
        return true;
    }
    let referrer = lowercase(referrer);
    let mut rest: &str = &referrer;
    loop {
        if exclusions.contains(rest) {
            return true;
        }
        match rest.split_once('.') {
            Some((_, parent)) if parent.contains('.') => rest = parent,
            _ => return false,
        }
    }
}

/// See [`super::ChannelRules::attribute`].
pub(crate) fn attribute(sources: &SourceIndex, exclusions: &FxHashSet<Box<str>>, touch: &Touch<'_>) -> Attribution {
    let campaign = present(touch.utm_campaign).map(str::to_owned);
    let utm_source = present(touch.utm_source);
    let utm_medium = present(touch.utm_medium);
    if utm_source.is_some() || utm_medium.is_some() {
        // Tags are the marketer's words: lowercased (GA4 compares case-insensitively) but
        // not mapped to canonical names.
        return Attribution {
            source: utm_source.map_or_else(|| NOT_SET.to_owned(), str::to_lowercase),
            medium: utm_medium.map_or_else(|| NOT_SET.to_owned(), str::to_lowercase),
            campaign,
        };
    }
    if let Some((source, medium)) = present(touch.click_id_kind).and_then(click_id_source) {
        return Attribution {
            source: source.to_owned(),
            medium: medium.to_owned(),
            campaign,
        };
    }
    if let Some(value) = present(touch.ref_param) {
        let value = value.to_lowercase();
        let bare = value.strip_prefix("www.").unwrap_or(&value);
        let source = match sources.lookup(bare).and_then(|m| m.canonical) {
            Some(canonical) => canonical.to_owned(),
            None => bare.to_owned(),
        };
        return Attribution {
            source,
            medium: "referral".to_owned(),
            campaign,
        };
    }
    let referrer = present(touch.referrer_host).filter(|host| !is_internal_referrer(exclusions, host, touch.url_host));
    let Some(referrer) = referrer else {
        return Attribution::direct(campaign);
    };
    let host = lowercase(bare_host(referrer));
    let found = sources.lookup(&host);
    let medium = match found.map(|m| m.category) {
        Some(Category::Search) => "organic",
        Some(Category::Email) => "email",
        _ => "referral",
    };
    let source = match found.and_then(|m| m.canonical) {
        Some(canonical) => canonical.to_owned(),
        None => host.into_owned(),
    };
    Attribution {
        source,
        medium: medium.to_owned(),
        campaign,
    }
}

#[cfg(test)]
mod tests {
    use super::super::categories::builtin_exclusions;
    use super::*;

    fn exclusions() -> FxHashSet<Box<str>> {
        builtin_exclusions().map(Box::from).collect()
    }

    fn attr(source: &str, medium: &str, campaign: Option<&str>) -> Attribution {
        Attribution {
            source: source.to_owned(),
            medium: medium.to_owned(),
            campaign: campaign.map(str::to_owned),
        }
    }

    #[test]
    fn internal_referrers() {
        let exclusions = exclusions();
        // (referrer, site, internal)
        let cases = [
            ("example.com", "example.com", true),
            ("www.example.com", "example.com", true),
            ("example.com", "www.example.com", true),
            ("blog.example.com", "example.com", true),
            ("example.com", "shop.example.com", true),
            ("Example.COM", "example.com", true),
            ("example.com:8443", "example.com", true),
            ("example.com.", "example.com", true),
            // siblings are separate sites (think of a.github.io and b.github.io)
            ("blog.example.com", "shop.example.com", false),
            ("notexample.com", "example.com", false),
            ("example.co", "example.com", false),
            // payment gateways and sign-in providers
            ("paypal.com", "example.com", true),
            ("www.paypal.com", "example.com", true),
            ("checkout.stripe.com", "example.com", true),
            ("stripe.com", "example.com", false),
            ("checkoutshopper-live.adyen.com", "example.com", true),
            ("accounts.google.com", "example.com", true),
            ("google.com", "example.com", false),
            ("", "example.com", false),
            ("example.com", "", false),
        ];
        for (referrer, site, expected) in cases {
            assert_eq!(
                is_internal_referrer(&exclusions, referrer, site),
                expected,
                "{referrer} on {site}"
            );
        }
    }

    #[test]
    fn click_ids() {
        let cases = [
            ("gclid", Some(("google", "cpc"))),
            ("gbraid", Some(("google", "cpc"))),
            ("wbraid", Some(("google", "cpc"))),
            ("dclid", Some(("google", "display"))),
            ("msclkid", Some(("bing", "cpc"))),
            ("fbclid", Some(("facebook", "cpc"))),
            ("ttclid", Some(("tiktok", "cpc"))),
            ("li_fat_id", Some(("linkedin", "cpc"))),
            ("twclid", Some(("x", "cpc"))),
            ("yclid", None),
        ];
        for (kind, expected) in cases {
            assert_eq!(click_id_source(kind), expected, "{kind}");
        }
    }

    #[test]
    fn attribution_precedence() {
        let sources = SourceIndex::builtin();
        let exclusions = exclusions();
        let site = "example.com";
        let touch = Touch {
            url_host: site,
            ..Touch::default()
        };
        let cases: Vec<(&str, Touch<'_>, Attribution)> = vec![
            ("nothing → direct", touch, Attribution::direct(None)),
            (
                "UTMs beat referrer and click id",
                Touch {
                    utm_source: Some("Newsletter"),
                    utm_medium: Some("Email"),
                    utm_campaign: Some("Spring Sale"),
                    referrer_host: Some("google.com"),
                    click_id_kind: Some("gclid"),
                    ..touch
                },
                attr("newsletter", "email", Some("Spring Sale")),
            ),
            (
                "medium without source",
                Touch {
                    utm_medium: Some("cpc"),
                    ..touch
                },
                attr("(not set)", "cpc", None),
            ),
            (
                "source without medium",
                Touch {
                    utm_source: Some("chatgpt.com"),
                    ..touch
                },
                attr("chatgpt.com", "(not set)", None),
            ),
            (
                "UTM hosts are not canonicalised",
                Touch {
                    utm_source: Some("l.facebook.com"),
                    utm_medium: Some("social"),
                    ..touch
                },
                attr("l.facebook.com", "social", None),
            ),
            (
                "blank UTMs are absent",
                Touch {
                    utm_source: Some("  "),
                    utm_medium: Some(""),
                    referrer_host: Some("bing.com"),
                    ..touch
                },
                attr("bing", "organic", None),
            ),
            (
                "lone campaign rides on the referrer",
                Touch {
                    utm_campaign: Some("launch"),
                    referrer_host: Some("news.ycombinator.com"),
                    ..touch
                },
                attr("news.ycombinator.com", "referral", Some("launch")),
            ),
            (
                "lone campaign on a direct visit",
                Touch {
                    utm_campaign: Some("launch"),
                    ..touch
                },
                Attribution::direct(Some("launch".to_owned())),
            ),
            (
                "click id beats ref and referrer",
                Touch {
                    click_id_kind: Some("gclid"),
                    ref_param: Some("x"),
                    referrer_host: Some("google.de"),
                    ..touch
                },
                attr("google", "cpc", None),
            ),
            (
                "msclkid",
                Touch {
                    click_id_kind: Some("msclkid"),
                    ..touch
                },
                attr("bing", "cpc", None),
            ),
            (
                "fbclid keeps the campaign",
                Touch {
                    click_id_kind: Some("fbclid"),
                    utm_campaign: Some("retarget-q3"),
                    ..touch
                },
                attr("facebook", "cpc", Some("retarget-q3")),
            ),
            (
                "dclid",
                Touch {
                    click_id_kind: Some("dclid"),
                    ..touch
                },
                attr("google", "display", None),
            ),
            (
                "unknown click id falls through",
                Touch {
                    click_id_kind: Some("yclid"),
                    referrer_host: Some("yandex.ru"),
                    ..touch
                },
                attr("yandex", "organic", None),
            ),
            (
                "ref param beats referrer",
                Touch {
                    ref_param: Some("ProductHunt"),
                    referrer_host: Some("producthunt.com"),
                    ..touch
                },
                attr("producthunt", "referral", None),
            ),
            (
                "ref param canonicalised when listed",
                Touch {
                    ref_param: Some("www.facebook.com"),
                    ..touch
                },
                attr("facebook", "referral", None),
            ),
            (
                "ref param on an internal referrer",
                Touch {
                    ref_param: Some("newsletter"),
                    referrer_host: Some(site),
                    ..touch
                },
                attr("newsletter", "referral", None),
            ),
            (
                "search engine → organic, canonical",
                Touch {
                    referrer_host: Some("www.google.co.uk"),
                    ..touch
                },
                attr("google", "organic", None),
            ),
            (
                "news.google.com is Google",
                Touch {
                    referrer_host: Some("news.google.com"),
                    ..touch
                },
                attr("google", "organic", None),
            ),
            (
                "facebook link shim",
                Touch {
                    referrer_host: Some("l.facebook.com"),
                    ..touch
                },
                attr("facebook", "referral", None),
            ),
            (
                "lm.facebook.com",
                Touch {
                    referrer_host: Some("lm.facebook.com"),
                    ..touch
                },
                attr("facebook", "referral", None),
            ),
            (
                "m.facebook.com",
                Touch {
                    referrer_host: Some("m.facebook.com"),
                    ..touch
                },
                attr("facebook", "referral", None),
            ),
            (
                "t.co",
                Touch {
                    referrer_host: Some("t.co"),
                    ..touch
                },
                attr("x", "referral", None),
            ),
            (
                "AI assistant keeps its host",
                Touch {
                    referrer_host: Some("chatgpt.com"),
                    ..touch
                },
                attr("chatgpt.com", "referral", None),
            ),
            (
                "old ChatGPT host",
                Touch {
                    referrer_host: Some("chat.openai.com"),
                    ..touch
                },
                attr("chatgpt.com", "referral", None),
            ),
            (
                "webmail → email",
                Touch {
                    referrer_host: Some("mail.google.com"),
                    ..touch
                },
                attr("mail.google.com", "email", None),
            ),
            (
                "Google property that is not search",
                Touch {
                    referrer_host: Some("docs.google.com"),
                    ..touch
                },
                attr("docs.google.com", "referral", None),
            ),
            (
                "unknown site, www stripped and lowercased",
                Touch {
                    referrer_host: Some("WWW.Blog.Example.org"),
                    ..touch
                },
                attr("blog.example.org", "referral", None),
            ),
            (
                "internal referrer → direct",
                Touch {
                    referrer_host: Some(site),
                    ..touch
                },
                Attribution::direct(None),
            ),
            (
                "subdomain is internal",
                Touch {
                    referrer_host: Some("docs.example.com"),
                    ..touch
                },
                Attribution::direct(None),
            ),
            (
                "payment gateway is excluded",
                Touch {
                    referrer_host: Some("checkout.stripe.com"),
                    ..touch
                },
                Attribution::direct(None),
            ),
            (
                "paypal",
                Touch {
                    referrer_host: Some("www.paypal.com"),
                    ..touch
                },
                Attribution::direct(None),
            ),
        ];
        for (name, touch, expected) in cases {
            assert_eq!(attribute(&sources, &exclusions, &touch), expected, "{name}");
        }
    }

    #[test]
    fn touch_from_hit() {
        let hit = hitflow_schema::Hit {
            url_host: "example.com".into(),
            referrer_host: Some("google.com".into()),
            click_id_kind: Some("gclid".into()),
            ..Default::default()
        };
        let touch = Touch::from_hit(&hit);
        assert_eq!(touch.url_host, "example.com");
        assert_eq!(touch.referrer_host, Some("google.com"));
        assert_eq!(touch.click_id_kind, Some("gclid"));
        assert_eq!(touch.utm_source, None);
    }

    #[test]
    fn direct_helpers() {
        assert!(Attribution::direct(None).is_direct());
        assert!(!attr("google", "organic", None).is_direct());
        assert_eq!(lowercase("abc"), Cow::Borrowed("abc"));
        assert_eq!(lowercase("AbC"), "abc");
    }
}
