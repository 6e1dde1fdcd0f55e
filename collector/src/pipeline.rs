//! From a validated payload and the request's context to a stored `Hit`: the whole per-hit
//! enrichment, free of Worker types so it is unit-tested and benchmarked natively.

use hitflow_schema::Hit;

use crate::enrich::bots::{detect_bot, BotSignals};
use crate::enrich::device::{parse_device, ClientHints};
use crate::enrich::geo::Geo;
use crate::enrich::source::{parse_page_parts, parse_referrer, UrlFieldError, UrlParts};
use crate::payload::Payload;
use crate::visitor::{visitor_id, Salt};

/// What the request tells about the visitor besides the payload. The IP is only hashed.
#[derive(Debug, Clone, Default)]
pub struct RequestContext<'a> {
    pub now_ms: i64,
    pub ip: &'a str,
    pub user_agent: &'a str,
    pub hints: ClientHints<'a>,
    pub accept_language: Option<&'a str>,
    pub sec_purpose: Option<&'a str>,
    pub geo: Geo,
}

/// Why a payload that passed validation still cannot become a hit.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum HitError {
    #[error("`url` is not an absolute http(s) URL")]
    BadUrl,
    /// A URL part or campaign value too long or not storable (413 or 400).
    #[error(transparent)]
    Field(#[from] UrlFieldError),
}

impl HitError {
    pub fn status(&self) -> u16 {
        match self {
            HitError::BadUrl => 400,
            HitError::Field(e) => e.status(),
        }
    }
}

/// Enriches one payload into the row that is stored.
/// The context is taken by value: its geo strings move into the hit.
pub fn build_hit(payload: Payload, ctx: RequestContext<'_>, salt: &Salt, hit_id: u64) -> Result<Hit, HitError> {
    let full;
    let parts = match payload.parsed_url.parts(&payload.url) {
        Some(parts) => parts,
        None => {
            full = url::Url::parse(&payload.url).map_err(|_| HitError::BadUrl)?;
            UrlParts::of(&full)
        }
    };
    let (page, campaign) = parse_page_parts(parts)?;
    let (referrer_host, referrer_path) = match payload.referrer.as_deref().and_then(parse_referrer) {
        Some((host, path)) => (Some(host), Some(path)),
        None => (None, None),
    };

    let device = parse_device(ctx.user_agent, &ctx.hints);
    let bot_reason = detect_bot(&BotSignals {
        user_agent: ctx.user_agent,
        device: &device,
        asn: ctx.geo.asn,
        cf_verified_bot: ctx.geo.verified_bot,
        cf_bot_score: ctx.geo.bot_score,
        accept_language: ctx.accept_language,
        sec_purpose: ctx.sec_purpose,
    });
    let is_bot = bot_reason.is_some();
    let geo = ctx.geo;

    Ok(Hit {
        ts: ctx.now_ms,
        hit_id,
        visitor_id: visitor_id(salt, &payload.site, ctx.ip, ctx.user_agent),
        site: payload.site,
        event: payload.name,
        url_host: page.host,
        url_path: page.path,
        referrer_host,
        referrer_path,
        utm_source: campaign.utm_source,
        utm_medium: campaign.utm_medium,
        utm_campaign: campaign.utm_campaign,
        utm_term: campaign.utm_term,
        utm_content: campaign.utm_content,
        ref_param: campaign.ref_param,
        click_id_kind: campaign.click_id_kind.map(str::to_owned),
        country: geo.country,
        region: geo.region,
        city: geo.city,
        continent: geo.continent,
        timezone: geo.timezone,
        asn: geo.asn,
        as_org: geo.as_org,
        colo: geo.colo,
        // Reports group bots apart, so a flagged hit's device class is "bot" whatever it claims.
        device_type: if is_bot { "bot" } else { device.device_type }.to_owned(),
        browser: device.browser,
        browser_version: device.browser_version,
        os: device.os,
        os_version: device.os_version,
        is_bot,
        bot_reason: bot_reason.map(str::to_owned),
        engaged_ms: payload.engaged_ms,
        screen_width: payload.screen_width,
        scroll_depth: payload.scroll_depth,
        revenue: payload.revenue,
        currency: payload.currency,
        props: payload.props,
        entry: payload.entry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::parse_event_body;

    fn hit_of(url: &str) -> Hit {
        let body = format!(r#"{{"site":"example.com","url":"{url}","referrer":"https://www.Google.com/search?q=x"}}"#);
        let payload = parse_event_body(body.as_bytes()).expect("valid");
        build_hit(payload, RequestContext::default(), &Salt([1; 16]), 7).expect("valid hit")
    }

    #[test]
    fn simple_and_parsed_urls_give_the_same_row() {
        // The first URL is split by hand, the second needs the url crate (port, dot segment).
        let simple = hit_of("https://example.com/b?utm_source=News&gclid=1#/r?x");
        let parsed = hit_of("https://EXAMPLE.com:443/a/../b?utm_source=News&gclid=1#/r?x");
        for hit in [&simple, &parsed] {
            assert_eq!(
                (
                    hit.url_host.as_str(),
                    hit.url_path.as_str(),
                    hit.utm_source.as_deref(),
                    hit.click_id_kind.as_deref()
                ),
                ("example.com", "/b#/r", Some("news"), Some("gclid"))
            );
            assert_eq!(
                (hit.referrer_host.as_deref(), hit.referrer_path.as_deref()),
                (Some("google.com"), Some("/search"))
            );
        }
        // A payload built by hand carries no parse: the hit is the same.
        let mut payload = parse_event_body(br#"{"site":"example.com","url":"https://example.com/"}"#).expect("valid");
        payload.parsed_url = Default::default();
        let by_hand = build_hit(payload, RequestContext::default(), &Salt([1; 16]), 7).expect("valid hit");
        assert_eq!(
            (by_hand.url_host.as_str(), by_hand.url_path.as_str()),
            ("example.com", "/")
        );
    }
}
