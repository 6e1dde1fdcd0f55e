//! Bot detection: flags (never drops) automated hits and says why.
//!
//! Checks run in this order and the first that matches gives the reason:
//!
//! | reason | when |
//! |---|---|
//! | `cf:verified-bot` | Cloudflare lists the client as a verified bot (`cf.verifiedBot`) |
//! | `ua:empty` | no User-Agent (empty, blank or `-`) |
//! | `ua:headless` | browser automation: HeadlessChrome, PhantomJS, Puppeteer, Selenium, Lighthouse, ... (`data/bots/headless.txt`) |
//! | `ua:monitoring` | uptime and synthetic monitoring (`data/bots/monitoring.txt`) |
//! | `ua:preview` | link unfurlers of chat and social apps (`data/bots/preview.txt`) |
//! | `ua:crawler` | search, SEO, archive and AI crawlers (`data/bots/crawlers.txt`) |
//! | `ua:http-library` | command-line tools and HTTP libraries (`data/bots/http_libraries.txt`) |
//! | `ua:app` | a native app's HTTP stack (Dalvik, OkHttp, CFNetwork) and no browser in the UA (`data/bots/apps.txt`) |
//! | `ua:crawler-list` | a pattern of the crawler-user-agents list (`data/bots/vendor/crawler-user-agents.txt`) |
//! | `ua:isbot-list` | a pattern of isbot's list (`data/bots/vendor/isbot.txt`) |
//! | `ua:generic` | any other UA with a word ending in "bot" or containing "crawl" or "spider" (word-wise, so the Cubot phone brand is not a bot; exceptions in `data/bots/generic_allow.txt`) |
//! | `cf:bot-score` | Cloudflare bot score 1–29, "likely automated" (0 means not scored) |
//! | `asn:datacenter` | the client's network is a cloud or hosting provider (`data/bots/datacenter_asns.txt`) |
//! | `no-accept-language` | a UA claiming to be a browser sent no Accept-Language, which real browsers always send |
//!
//! hitflow's own lists come first so that their more telling reasons win; the vendored public
//! lists catch the long tail. Speculative loads (`Sec-Purpose` with `prefetch` or `prerender`)
//! skip the last three checks: they are the browser's own requests, and prefetches may come
//! through Google's proxy, so from a Google network. What the UA says about itself still counts.

mod reasons;
mod ua_lists;

use std::sync::OnceLock;

pub use reasons::*;

use super::device::{cap, Device};
use ua_lists::UaLists;

/// Highest Cloudflare bot score still counted as automated ("likely automated" is 2–29, 1 is
/// "automated").
const MAX_BOT_SCORE: u32 = 29;
/// Longest UA prefix looked at, as in `device`.
const MAX_UA_LEN: usize = 1024;

const GENERIC_ALLOW: &str = include_str!("../../../data/bots/generic_allow.txt");
const DATACENTER_ASNS: &str = include_str!("../../../data/bots/datacenter_asns.txt");

/// What the collector knows about a hit's client.
#[derive(Debug, Clone, Copy)]
pub struct BotSignals<'a> {
    pub user_agent: &'a str,
    pub device: &'a Device,
    pub asn: Option<u32>,
    /// `request.cf.verifiedBot` (Bot Management).
    pub cf_verified_bot: Option<bool>,
    /// `request.cf.botManagement.score`, 1 (automated) to 99 (human).
    pub cf_bot_score: Option<u32>,
    pub accept_language: Option<&'a str>,
    /// `Sec-Purpose`, e.g. `prefetch;prerender`.
    pub sec_purpose: Option<&'a str>,
}

/// `None` for a human, else why the hit looks automated (one of [`REASONS`]).
pub fn detect_bot(s: &BotSignals<'_>) -> Option<&'static str> {
    if s.cf_verified_bot == Some(true) {
        return Some(REASON_CF_VERIFIED);
    }
    let ua = s.user_agent.trim();
    if ua.is_empty() || ua == "-" {
        return Some(REASON_UA_EMPTY);
    }
    let lists = lists();
    let ua = cap(ua, MAX_UA_LEN);
    // An app stack named beside a browser is the browser's own (e.g. a WebView): not an app.
    let found = lists.ua.scan(ua, s.device.browser.is_none());
    if let Some(reason) = found.reason {
        return Some(reason);
    }
    // A generic bot word holds one of the stems; most UAs hold none.
    if found.stem && has_generic_bot_word(ua, &lists.generic_allow) {
        return Some(REASON_UA_GENERIC);
    }
    if s.sec_purpose.is_some_and(is_speculative) {
        return None;
    }
    if s.cf_bot_score.is_some_and(|score| (1..=MAX_BOT_SCORE).contains(&score)) {
        return Some(REASON_CF_BOT_SCORE);
    }
    if s.asn
        .is_some_and(|asn| lists.datacenter_asns.binary_search(&asn).is_ok())
    {
        return Some(REASON_ASN_DATACENTER);
    }
    // Browsers send Accept-Language on every request, sendBeacon included; tools that copy a
    // browser's UA usually forget it. Only UAs that claim a browser are held to it.
    let claims_browser = ua.get(..8).is_some_and(|p| p.eq_ignore_ascii_case("mozilla/")) && s.device.browser.is_some();
    if claims_browser && s.accept_language.is_none_or(|l| l.trim().is_empty()) {
        return Some(REASON_NO_ACCEPT_LANGUAGE);
    }
    None
}

fn is_speculative(purpose: &str) -> bool {
    let p = purpose.as_bytes();
    [b"prefetch".as_slice(), b"prerender".as_slice()]
        .iter()
        .any(|needle| p.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle)))
}

/// A word (run of ASCII letters and digits) ending in "bot" or "bots", or containing "crawl"
/// or "spider", that is not on the allow-list (lowercase), all ASCII-case-insensitive.
/// Word-wise so "Cubot" can be allowed while "SomeNewBot/1.0" and "my_crawler" are caught.
/// A phone's model name is not a bot's ("XBot_Senior" in `(Linux; Android 8.1.0; XBot_Senior)`).
fn has_generic_bot_word(ua: &str, allow: &[Box<str>]) -> bool {
    let ua = match ua_lists::model_span(ua) {
        Some(model) => [ua.get(..model.start), ua.get(model.end..)]
            .map(Option::unwrap_or_default)
            .join(" "),
        None => ua.to_owned(),
    };
    ua.as_bytes().split(|b| !b.is_ascii_alphanumeric()).any(|w| {
        let ends = |suffix: &[u8]| w.len() >= suffix.len() && w[w.len() - suffix.len()..].eq_ignore_ascii_case(suffix);
        let botlike =
            ends(b"bot") || ends(b"bots") || contains_ignore_case(w, b"crawl") || contains_ignore_case(w, b"spider");
        botlike && !allow.iter().any(|a| w.eq_ignore_ascii_case(a.as_bytes()))
    })
}

/// The stems every generic bot word contains; [`UaLists::scan`] notes whether the UA has one.
const GENERIC_STEMS: [&str; 3] = ["bot", "crawl", "spider"];

/// `needle` (lowercase) occurs in `haystack`, ASCII case ignored.
fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w.eq_ignore_ascii_case(needle))
}

struct Lists {
    ua: UaLists,
    generic_allow: Vec<Box<str>>,
    /// Sorted, for binary search.
    datacenter_asns: Vec<u32>,
}

fn lists() -> &'static Lists {
    static LISTS: OnceLock<Lists> = OnceLock::new();
    LISTS.get_or_init(|| Lists {
        ua: UaLists::new(&GENERIC_STEMS),
        generic_allow: data_lines(GENERIC_ALLOW)
            .map(|l| l.to_ascii_lowercase().into())
            .collect(),
        datacenter_asns: parse_asns(DATACENTER_ASNS),
    })
}

/// The reason and text of every list pattern that matches `ua`, to explain a flag.
pub fn explain_ua(ua: &str) -> Vec<(&'static str, &'static str)> {
    lists().ua.explain(cap(ua.trim(), MAX_UA_LEN))
}

/// Non-empty lines of a data file, without `#` comments and surrounding blanks.
fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// `ASN # owner` lines (an `AS` prefix is accepted); lines that do not parse are skipped
/// (a test checks there are none).
fn parse_asns(text: &str) -> Vec<u32> {
    let mut asns: Vec<u32> = data_lines(text)
        .filter_map(|l| l.strip_prefix("AS").unwrap_or(l).parse().ok())
        .collect();
    asns.sort_unstable();
    asns.dedup();
    asns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::device::{parse_device, ClientHints};

    /// Signals of an ordinary browser hit from a home network, with the given UA.
    fn check(ua: &str, edit: impl FnOnce(&mut BotSignals<'_>)) -> Option<&'static str> {
        let device = parse_device(ua, &ClientHints::default());
        let mut s = BotSignals {
            user_agent: ua,
            device: &device,
            asn: Some(3320),
            cf_verified_bot: Some(false),
            cf_bot_score: Some(90),
            accept_language: Some("en-GB,en;q=0.9"),
            sec_purpose: None,
        };
        edit(&mut s);
        detect_bot(&s)
    }

    const HUMANS: &[&str] = &[
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
        "Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 11; Cubot Note 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 350.1.0.46.93 (iPhone14,5; iOS 17_6_1; en_US; en; scale=3.00; 1170x2532; 644046009)",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/475.0.0.37.107;FBBV/650393744;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/652017617]",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.66.81;]",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/13.0.0.43 (like Safari/8618.2.12.10.9, panda)",
        "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36",
        "Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 Edge/44.18363.8131",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
        // Electron apps and CEF are people using an app, not automation
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Slack/4.41.105 Chrome/130.0.6723.152 Electron/33.2.0 Safari/537.36 Sonic Slack_SSB/4.41.105",
        // "Java" inside a longer string, "node" and "bot" as parts of other words
    ];

    #[test]
    fn humans_are_not_flagged() {
        let flagged: Vec<String> = HUMANS
            .iter()
            .filter_map(|ua| check(ua, |_| {}).map(|r| format!("{ua}\n  {r}: {:?}", explain_ua(ua))))
            .collect();
        assert!(flagged.is_empty(), "humans flagged:\n{}", flagged.join("\n"));
    }

    const BOTS: &[(&str, &str)] = &[
        // Headless and automation
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36", REASON_UA_HEADLESS),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0 HeadlessEdg/131.0.0.0", REASON_UA_HEADLESS),
        ("Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1 Safari/538.1", REASON_UA_HEADLESS),
        ("Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse", REASON_UA_HEADLESS),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.5993.88 Safari/537.36 Cypress/13.6.0", REASON_UA_HEADLESS),
        // Monitoring
        ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", REASON_UA_MONITORING),
        ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", REASON_UA_MONITORING),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 PingdomPageSpeed/1.0 (pingbot/2.0; +http://www.pingdom.com/)", REASON_UA_MONITORING),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 StatusCake", REASON_UA_MONITORING),
        ("Site24x7", REASON_UA_MONITORING),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36 DatadogSynthetics", REASON_UA_MONITORING),
        ("NewRelicPinger/1.0 (1234567)", REASON_UA_MONITORING),
        ("Better Uptime Bot Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36", REASON_UA_MONITORING),
        ("Uptime-Kuma/1.23.13", REASON_UA_MONITORING),
        // Link previews
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", REASON_UA_PREVIEW),
        ("Twitterbot/1.0", REASON_UA_PREVIEW),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", REASON_UA_PREVIEW),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", REASON_UA_PREVIEW),
        ("TelegramBot (like TwitterBot)", REASON_UA_PREVIEW),
        ("WhatsApp/2.23.20.0 A", REASON_UA_PREVIEW),
        ("LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)", REASON_UA_PREVIEW),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64) SkypeUriPreview Preview/0.5 skype-url-preview@microsoft.com", REASON_UA_PREVIEW),
        ("Mozilla/5.0 (compatible; Embedly/0.2; +http://support.embed.ly/)", REASON_UA_PREVIEW),
        ("http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/) Bot", REASON_UA_PREVIEW),
        // Crawlers
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36", REASON_UA_CRAWLER),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; ClaudeBot/1.0; +claudebot@anthropic.com)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; PerplexityBot/1.0; +https://perplexity.ai/perplexitybot)", REASON_UA_CRAWLER),
        ("CCBot/2.0 (https://commoncrawl.org/faq/)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; Baiduspider/2.0; +http://www.baidu.com/search/spider.html)", REASON_UA_CRAWLER),
        ("DuckDuckBot/1.1; (+http://duckduckgo.com/duckduckbot.html)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15 (Applebot/0.1; +http://www.apple.com/go/applebot)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (Linux; Android 5.0) AppleWebKit/537.36 (KHTML, like Gecko) Mobile Safari/537.36 (compatible; Bytespider; spider-feedback@bytedance.com)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; Yahoo! Slurp; http://help.yahoo.com/help/us/ysearch/slurp)", REASON_UA_CRAWLER),
        ("meta-externalagent/1.1 (+https://developers.facebook.com/docs/sharing/webmasters/crawler)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; Amazonbot/0.1; +https://developer.amazon.com/support/amazonbot) Chrome/119.0.6045.214 Safari/537.36", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; MJ12bot/v1.4.8; http://mj12bot.com/)", REASON_UA_CRAWLER),
        ("Mozilla/5.0 (compatible; Mediapartners-Google/2.1; +http://www.google.com/bot.html)", REASON_UA_CRAWLER),
        // HTTP libraries and tools
        ("curl/8.5.0", REASON_UA_HTTP_LIBRARY),
        ("Wget/1.21.4", REASON_UA_HTTP_LIBRARY),
        ("python-requests/2.32.3", REASON_UA_HTTP_LIBRARY),
        ("Python-urllib/3.12", REASON_UA_HTTP_LIBRARY),
        ("python-httpx/0.27.0", REASON_UA_HTTP_LIBRARY),
        ("Go-http-client/2.0", REASON_UA_HTTP_LIBRARY),
        ("okhttp/4.12.0", REASON_UA_APP),
        ("axios/1.7.7", REASON_UA_HTTP_LIBRARY),
        ("node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", REASON_UA_HTTP_LIBRARY),
        ("node", REASON_UA_HTTP_LIBRARY),
        ("Java/17.0.9", REASON_UA_HTTP_LIBRARY),
        ("Apache-HttpClient/4.5.14 (Java/17.0.9)", REASON_UA_HTTP_LIBRARY),
        ("libwww-perl/6.72", REASON_UA_HTTP_LIBRARY),
        ("Scrapy/2.11.2 (+https://scrapy.org)", REASON_UA_HTTP_LIBRARY),
        ("PostmanRuntime/7.42.0", REASON_UA_HTTP_LIBRARY),
        ("Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/AP2A.240805.005)", REASON_UA_APP),
        ("MyApp/1.0 CFNetwork/1490.0.4 Darwin/23.2.0", REASON_UA_APP),
        // The long tail, from the vendored lists
        ("trafilatura/1.12.2 (+https://github.com/adbar/trafilatura)", REASON_UA_CRAWLER_LIST),
        ("newspaper/0.9.3", REASON_UA_CRAWLER_LIST),
        ("Mozilla/5.0 (compatible; DirBuster-1.0-RC1; +http://www.owasp.org)", REASON_UA_CRAWLER_LIST),
        ("gobuster/3.6", REASON_UA_ISBOT_LIST),
        ("Miniflux/2.0.51 (+https://miniflux.app)", REASON_UA_CRAWLER_LIST),
        ("Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.22621.4249", REASON_UA_HTTP_LIBRARY),
        // Generic words: isbot's list has the same idea
        ("Mozilla/5.0 (compatible; SomeNewBot/1.0; +https://example.com/bot)", REASON_UA_ISBOT_LIST),
        ("my_crawler 0.1", REASON_UA_ISBOT_LIST),
        ("Mozilla/5.0 (compatible; WebSpiderX/3.1)", REASON_UA_ISBOT_LIST),
        ("robot", REASON_UA_ISBOT_LIST),
        // isbot counts Java runtimes as automated, JavaFX WebView apps included: accepted, they
        // are rare and mostly tools.
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 JavaFX/8.0 Botanica", REASON_UA_ISBOT_LIST),
        // crawler-user-agents' "Sonic" is excluded (the Slack app); hitflow's "sonic/" keeps the crawler.
        ("Mozilla/5.0 (compatible; Sonic/1.0; http://www.yama.info.waseda.ac.jp/~crawler/info.html)", REASON_UA_CRAWLER),
        // Feed fetchers
        ("FeedBurner/1.0 (http://www.FeedBurner.com)", REASON_UA_CRAWLER),
        // Empty
        ("", REASON_UA_EMPTY),
        ("   ", REASON_UA_EMPTY),
        ("-", REASON_UA_EMPTY),
    ];

    #[test]
    fn bots_by_user_agent() {
        let mut failures = Vec::new();
        for &(ua, want) in BOTS {
            let got = check(ua, |_| {});
            if got != Some(want) {
                failures.push(format!("{ua}\n  got {got:?}, want {want}"));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            BOTS.len(),
            failures.join("\n")
        );
    }

    const CHROME: &str = HUMANS[0];

    #[test]
    fn network_and_header_signals() {
        type Edit = fn(&mut BotSignals<'_>);
        let cases: &[(&str, Edit, Option<&str>)] = &[
            (CHROME, |s| s.cf_verified_bot = Some(true), Some(REASON_CF_VERIFIED)),
            // Verified bot wins over every UA rule
            (
                "curl/8.5.0",
                |s| s.cf_verified_bot = Some(true),
                Some(REASON_CF_VERIFIED),
            ),
            (CHROME, |s| s.cf_verified_bot = None, None),
            (CHROME, |s| s.cf_bot_score = Some(1), Some(REASON_CF_BOT_SCORE)),
            (CHROME, |s| s.cf_bot_score = Some(29), Some(REASON_CF_BOT_SCORE)),
            (CHROME, |s| s.cf_bot_score = Some(30), None),
            // 0: not scored
            (CHROME, |s| s.cf_bot_score = Some(0), None),
            (CHROME, |s| s.cf_bot_score = None, None),
            // UA reasons come before the score
            ("Twitterbot/1.0", |s| s.cf_bot_score = Some(1), Some(REASON_UA_PREVIEW)),
            (CHROME, |s| s.asn = Some(16509), Some(REASON_ASN_DATACENTER)),
            (CHROME, |s| s.asn = Some(14061), Some(REASON_ASN_DATACENTER)),
            (CHROME, |s| s.asn = Some(396982), Some(REASON_ASN_DATACENTER)),
            // iCloud Private Relay and WARP egress: people
            (CHROME, |s| s.asn = Some(13335), None),
            (CHROME, |s| s.asn = Some(36183), None),
            (CHROME, |s| s.asn = Some(54113), None),
            (CHROME, |s| s.asn = None, None),
            (
                CHROME,
                |s| {
                    s.asn = Some(16509);
                    s.cf_bot_score = Some(5)
                },
                Some(REASON_CF_BOT_SCORE),
            ),
            (CHROME, |s| s.accept_language = None, Some(REASON_NO_ACCEPT_LANGUAGE)),
            (
                CHROME,
                |s| s.accept_language = Some(""),
                Some(REASON_NO_ACCEPT_LANGUAGE),
            ),
            (
                CHROME,
                |s| s.accept_language = Some("  "),
                Some(REASON_NO_ACCEPT_LANGUAGE),
            ),
            (CHROME, |s| s.accept_language = Some("*"), None),
            // Not claiming to be a browser: no Accept-Language expected
            (
                "Mozilla/5.0 (compatible; Konqueror/4.5; FreeBSD) KHTML/4.5.4 (like Gecko)",
                |s| s.accept_language = None,
                None,
            ),
            // Speculative loads skip network and header heuristics, not the UA
            (
                CHROME,
                |s| {
                    s.sec_purpose = Some("prefetch;prerender");
                    s.asn = Some(15169)
                },
                None,
            ),
            (
                CHROME,
                |s| {
                    s.sec_purpose = Some("prefetch;anonymous-client-ip");
                    s.accept_language = None
                },
                None,
            ),
            (
                CHROME,
                |s| {
                    s.sec_purpose = Some("Prefetch");
                    s.cf_bot_score = Some(2)
                },
                None,
            ),
            (
                "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
                |s| s.sec_purpose = Some("prefetch;prerender"),
                Some(REASON_UA_CRAWLER),
            ),
            (
                CHROME,
                |s| {
                    s.sec_purpose = Some("other");
                    s.asn = Some(15169)
                },
                Some(REASON_ASN_DATACENTER),
            ),
        ];
        for (i, (ua, edit, want)) in cases.iter().enumerate() {
            assert_eq!(check(ua, edit), *want, "case {i}: {ua}");
        }
    }

    #[test]
    fn generic_rule_is_word_wise() {
        let allow = &lists().generic_allow;
        for (text, want) in [
            ("cubot_x30", false),
            ("cubot note 7", false),
            ("about", false),
            ("bottle", false),
            ("somebot/1.0", true),
            ("bot", true),
            ("(robots)", true),
            ("webcrawler", true),
            ("x-spider-y", true),
            ("", false),
            ("SomeBot/1.0", true),
            ("CUBOT_X30", false),
            ("WebCrawler", true),
            ("ROBOTS", true),
            (
                "Mozilla/5.0 (Linux; Android 8.1.0; XBot_Senior Build/O11019) Chrome/65",
                false,
            ),
            ("Mozilla/5.0 (Linux; Android 8.0; Pixel 2; SomeBot/1.0) Chrome/65", true),
        ] {
            assert_eq!(has_generic_bot_word(text, allow), want, "{text}");
        }
    }

    #[test]
    fn stems_are_noted_in_the_same_pass() {
        let naive = |ua: &str| {
            let lower = ua.to_ascii_lowercase();
            GENERIC_STEMS.iter().any(|stem| lower.contains(stem))
        };
        let uas = HUMANS.iter().chain(BOTS.iter().map(|(ua, _)| ua)).copied();
        // Once a pattern matched, its reason decides and stems are not looked for.
        for ua in uas.chain(["xbo", "CRAWL", "Spide", "bo t"]) {
            let found = lists().ua.scan(ua, true);
            if found.reason.is_none() {
                assert_eq!(found.stem, naive(ua), "{ua}");
            }
        }
    }

    #[test]
    fn own_patterns_keep_their_anchors_and_ranks() {
        let scan = |ua: &str| lists().ua.scan(ua, true).reason;
        let cases = [
            // `^curl/` holds at the start only, ASCII case ignored.
            ("curl/8.5.0", Some(REASON_UA_HTTP_LIBRARY)),
            ("CURL/8.5.0", Some(REASON_UA_HTTP_LIBRARY)),
            // `^node$`: the whole UA.
            ("node", Some(REASON_UA_HTTP_LIBRARY)),
            ("Node", Some(REASON_UA_HTTP_LIBRARY)),
            // Headless beats crawler beats the vendored lists, whatever the order in the UA.
            ("Googlebot HeadlessChrome/120", Some(REASON_UA_HEADLESS)),
            ("trafilatura/1.0 Googlebot/2.1", Some(REASON_UA_CRAWLER)),
        ];
        for (ua, want) in cases {
            assert_eq!(scan(ua), want, "{ua}");
        }
        // An app stack beside a browser is not an app.
        let webview = "Mozilla/5.0 (Linux; Android 14; K; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36 okhttp/4.9";
        assert_ne!(lists().ua.scan(webview, false).reason, Some(REASON_UA_APP));
        assert_eq!(lists().ua.scan(webview, true).reason, Some(REASON_UA_APP));
        assert_eq!(lists().ua.scan("okhttp/4.12.0", true).reason, Some(REASON_UA_APP));
    }

    #[test]
    fn data_files_parse_completely() {
        let own = [
            include_str!("../../../data/bots/headless.txt"),
            include_str!("../../../data/bots/monitoring.txt"),
            include_str!("../../../data/bots/preview.txt"),
            include_str!("../../../data/bots/crawlers.txt"),
            include_str!("../../../data/bots/http_libraries.txt"),
            include_str!("../../../data/bots/apps.txt"),
        ];
        for line in own.iter().flat_map(|text| data_lines(text)) {
            assert_eq!(
                line,
                line.to_ascii_lowercase(),
                "write own patterns in lowercase: {line:?}"
            );
        }
        assert_eq!(UaLists::new(&[]).uncompilable(), Vec::<&str>::new());
        // Patterns without a fragment share one prefilter search per hit: keep them few.
        let (always, all) = lists().ua.sizes();
        assert!(all > 1500, "{all} patterns");
        assert!(always <= 24, "{always} patterns have no fragment to prefilter on");
        assert!(
            lists().ua.has_prefilter(),
            "the fragment automaton or the combined prefilter was not built"
        );
        let asn_lines = data_lines(DATACENTER_ASNS).count();
        assert!(asn_lines > 20);
        assert_eq!(
            parse_asns(DATACENTER_ASNS).len(),
            asn_lines,
            "an ASN line does not parse or is repeated"
        );
        for private_relay_or_warp in [13335, 36183, 54113] {
            assert!(!lists().datacenter_asns.contains(&private_relay_or_warp));
        }
        // A pattern that matched every browser would flag everyone.
        for ua in HUMANS {
            assert_eq!(lists().ua.scan(ua, false).reason, None, "{ua}");
        }
    }

    #[test]
    fn reasons_are_stable_and_distinct() {
        let mut sorted = REASONS.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(sorted.len(), REASONS.len());
        assert!(REASONS
            .iter()
            .all(|r| !r.is_empty() && r.is_ascii() && !r.contains(' ')));
    }

    #[test]
    fn never_panics() {
        for input in crate::enrich::device::tests::fuzz_inputs() {
            let device = parse_device(&input, &ClientHints::default());
            for (accept_language, sec_purpose) in [(None, None), (Some(input.as_str()), Some(input.as_str()))] {
                let reason = detect_bot(&BotSignals {
                    user_agent: &input,
                    device: &device,
                    asn: Some(u32::MAX),
                    cf_verified_bot: None,
                    cf_bot_score: Some(u32::MAX),
                    accept_language,
                    sec_purpose,
                });
                assert!(reason.is_none_or(|r| REASONS.contains(&r)), "{input:?} -> {reason:?}");
            }
        }
    }

    #[test]
    fn only_the_start_of_a_huge_ua_is_read() {
        // A browser-like UA padded with tokens up to three bytes before the cut.
        let mut padding = format!("Mozilla/5.0 (X11; Linux x86_64; {}", "x; ".repeat(MAX_UA_LEN / 3));
        padding.truncate(MAX_UA_LEN - 3);
        assert_eq!(check(&format!("{padding}Googlebot"), |_| {}), None);
        assert_eq!(
            check(&format!("{padding}bot Googlebot"), |_| {}),
            Some(REASON_UA_ISBOT_LIST)
        );
    }
}
