use super::*;
use crate::channels::{
    ChannelRules, Touch, AI_ASSISTANTS, DIRECT, ORGANIC_SEARCH, ORGANIC_SOCIAL, ORGANIC_VIDEO, REFERRAL,
};

/// Share of every vendored list that must land in its channel.
const MIN_SHARE: f64 = 0.99;

/// Vendored patterns that land elsewhere than their list's channel: (file, pattern, channel
/// they get, why). Conflicts go GA4's way: hitflow's own lists (GA4's source categories and
/// rule order, and hitflow's referral entries for sites that are not search) beat Matomo's.
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "vendor/search_engines.txt",
        "apollo.lv/portal/search/",
        REFERRAL,
        "path entry: only the portal's search path is a search engine, and the reporter reads \
         referrer hosts, not paths; the rest of apollo.lv is a plain referral",
    ),
    (
        "vendor/search_engines.txt",
        "translate.google.com",
        REFERRAL,
        "hitflow's referral.txt: a translation tool, not a search; GA4 reports Google's \
         non-search sites as referrals",
    ),
    (
        "vendor/socials.txt",
        "bilibili.com",
        ORGANIC_VIDEO,
        "video platform: GA4's video category (hitflow's video.txt)",
    ),
    (
        "vendor/socials.txt",
        "url.google.com",
        ORGANIC_SEARCH,
        "Google's link redirector, which search results send through: hitflow's search.txt \
         keeps it Google search (GA4's search category) rather than upstream's social",
    ),
    (
        "vendor/socials.txt",
        "nicovideo.jp",
        ORGANIC_VIDEO,
        "video platform: GA4's video category (hitflow's video.txt)",
    ),
    (
        "vendor/socials.txt",
        "youtube.com",
        ORGANIC_VIDEO,
        "video platform: GA4's video category (hitflow's video.txt)",
    ),
    (
        "vendor/socials.txt",
        "youtu.be",
        ORGANIC_VIDEO,
        "YouTube's short links: GA4's video category (hitflow's video.txt)",
    ),
    (
        "vendor/socials.txt",
        "vimeo.com",
        ORGANIC_VIDEO,
        "video platform: GA4's video category (hitflow's video.txt)",
    ),
    (
        "vendor/socials.txt",
        "login.live.com",
        DIRECT,
        "Microsoft's sign-in page: on hitflow's referral exclusions (referral_exclusions.txt), \
         so a return from signing in neither starts a session nor counts as a source",
    ),
    (
        "vendor/ai_assistants.txt",
        "x.com/i/grok",
        ORGANIC_SOCIAL,
        "path entry: x.com is Organic Social (GA4's social category) and the reporter reads \
         referrer hosts, not paths; browsers send cross-site referrers without their path by \
         default (strict-origin-when-cross-origin), so the path would rarely arrive anyway",
    ),
];

/// Lists allowed below `MIN_SHARE`, and why: (file, share, reason).
const SHARE_WAIVERS: &[(&str, f64, &str)] = &[
    (
        "vendor/socials.txt",
        0.965,
        "upstream counts video platforms and a sign-in page as social; GA4 does not (7 of 218)",
    ),
    (
        "vendor/ai_assistants.txt",
        0.96,
        "25 patterns: its one exception, the path entry x.com/i/grok, is 4 %",
    ),
];

/// Upstream lists some hosts in two files; they land where the earlier channel rule puts them
/// (see `VENDOR_LISTS`) and count for that list: (pattern, files, channel).
const CROSS_LISTED: &[(&str, &str, &str)] = &[
    ("chat.openai.com", "ai_assistants, search_engines", AI_ASSISTANTS),
    ("chatgpt.com", "ai_assistants, search_engines", AI_ASSISTANTS),
    ("perplexity.ai", "ai_assistants, search_engines", AI_ASSISTANTS),
    ("you.com", "ai_assistants, search_engines", AI_ASSISTANTS),
    ("facebook.com", "socials, search_engines", ORGANIC_SOCIAL),
];

/// What a `{}` stands for in the test: TLDs and country suffixes at the end, country
/// subdomains elsewhere.
const SUFFIXES: [&str; 4] = ["com", "de", "co.uk", "com.br"];
const LABELS: [&str; 2] = ["uk", "de"];

fn patterns(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The referrer hosts a pattern stands for (path dropped: referrers are stored as hosts).
fn hosts_of(line: &str) -> Vec<String> {
    let line = line.strip_prefix("android-app//").unwrap_or(line);
    let host = line.split_once('/').map_or(line, |(host, _)| host);
    if let Some(stem) = host.strip_suffix(".{}") {
        SUFFIXES.iter().map(|s| format!("{stem}.{s}")).collect()
    } else if host.contains("{}") {
        LABELS.iter().map(|l| host.replace("{}", l)).collect()
    } else {
        vec![host.to_owned()]
    }
}

fn channel_of(category: Category) -> &'static str {
    match category {
        Category::AiAssistants => AI_ASSISTANTS,
        Category::Social => ORGANIC_SOCIAL,
        _ => ORGANIC_SEARCH,
    }
}

/// The channel a single-pageview session gets with `host` as its referrer, as `reporter run`
/// computes it (attribution, then the channel rules).
fn channel(rules: &ChannelRules, host: &str) -> String {
    let touch = Touch {
        url_host: "shop.example",
        referrer_host: Some(host),
        ..Touch::default()
    };
    rules.channel_of(&touch).1.to_owned()
}

#[test]
fn every_vendored_host_lands_in_its_channel() {
    let rules = ChannelRules::builtin();
    let mut misses: Vec<(&str, &str, String)> = Vec::new();
    for (category, file, text) in VENDOR_LISTS {
        let (mut total, mut landed) = (0usize, 0usize);
        for line in patterns(text) {
            total += 1;
            let bare = line.strip_prefix("www.").unwrap_or(line);
            let want = CROSS_LISTED
                .iter()
                .find(|(pattern, ..)| *pattern == bare)
                .map_or(channel_of(category), |(.., channel)| channel);
            let got: Vec<String> = hosts_of(line).iter().map(|h| channel(&rules, h)).collect();
            match got.iter().find(|c| *c != want) {
                None => landed += 1,
                Some(other) => misses.push((file, line, other.clone())),
            }
        }
        let share = landed as f64 / total as f64;
        let missed = misses.iter().filter(|(f, ..)| *f == file).count();
        println!(
            "{file}: {landed} of {total} patterns land in {} ({:.1}%; {missed} exceptions)",
            channel_of(category),
            share * 100.0
        );
        let min = SHARE_WAIVERS
            .iter()
            .find(|(f, ..)| *f == file)
            .map_or(MIN_SHARE, |(_, share, _)| *share);
        assert!(share >= min, "{file}: {:.1}% < {:.0}%", share * 100.0, min * 100.0);
    }
    let listed: Vec<(&str, &str, String)> = EXCEPTIONS
        .iter()
        .map(|&(file, line, channel, _)| (file, line, channel.to_owned()))
        .collect();
    let (mut misses, mut listed) = (misses, listed);
    misses.sort();
    listed.sort();
    assert_eq!(misses, listed, "the exceptions table is exactly what misses");
}

#[test]
fn cross_listed_patterns_are_in_both_files() {
    for (pattern, files, _) in CROSS_LISTED {
        let holding: Vec<&str> = VENDOR_LISTS
            .iter()
            .filter(|(_, _, text)| patterns(text).any(|l| l.strip_prefix("www.").unwrap_or(l) == *pattern))
            .map(|(_, file, _)| file.trim_start_matches("vendor/").trim_end_matches(".txt"))
            .collect();
        assert_eq!(holding.join(", "), *files, "{pattern}");
    }
}

#[test]
fn every_vendored_line_parses() {
    for (_, file, text) in VENDOR_LISTS {
        for line in patterns(text) {
            assert!(parse_line(line).is_some(), "{file}: {line}");
        }
    }
}

#[test]
fn parse_line_cases() {
    let entry = |pattern, has_path| Some(VendorEntry { pattern, has_path });
    let host = |h: &str| Pattern::Host(h.to_owned());
    let stem = |s: &str| Pattern::Stem(s.to_owned());
    let cases = [
        ("# Google", None),
        ("", None),
        ("so.360.cn", entry(host("so.360.cn"), false)),
        ("www.118700.se", entry(host("118700.se"), false)),
        ("google.{}", entry(stem("google"), false)),
        ("www.google.{}", entry(stem("google"), false)),
        ("news.google.{}", entry(stem("news.google"), false)),
        ("{}.search.yahoo.com", entry(host("search.yahoo.com"), false)),
        (
            "images.{}.ask.com",
            entry(Pattern::Infix("images.".into(), ".ask.com".into()), false),
        ),
        ("google.{}/cse", entry(stem("google"), true)),
        ("x.com/i/grok", entry(host("x.com"), true)),
        (
            "android-app//com.google.android.googlequicksearchbox/https/www.google.com",
            entry(host("com.google.android.googlequicksearchbox"), true),
        ),
        ("{}.{}.example", None),
    ];
    for (line, want) in cases {
        assert_eq!(parse_line(line), want, "{line:?}");
    }
}

#[test]
fn lookups() {
    use Category::*;
    let index = VendorIndex::get();
    let cases: &[(&str, Option<Category>)] = &[
        // `{}` is any TLD or country suffix
        ("google.co.uk", Some(Search)),
        ("google.de", Some(Search)),
        ("google.com.br", Some(Search)),
        ("news.google.fr", Some(Search)),
        ("123people.at", Some(Search)),
        // `{}.host`: any subdomain; plain hosts match their subdomains too
        ("uk.search.yahoo.com", Some(Search)),
        ("foretag.118700.se", Some(Search)),
        ("so.360.cn", Some(Search)),
        ("images.uk.ask.com", Some(Search)),
        // cross-listed upstream: the earlier channel rule wins
        ("chatgpt.com", Some(AiAssistants)),
        ("facebook.com", Some(Social)),
        ("labs.openai.com", Some(AiAssistants)),
        ("chatglm.cn", Some(AiAssistants)),
        // a path entry whose host is not an entry by itself is skipped
        ("apollo.lv", None),
        // near misses
        ("google", None),
        ("notgoogle.com", None),
        ("so.360.cn.evil.io", None),
        ("360.cn", None),
        ("images.ask.com", Some(Search)), // via ask.com
        ("", None),
    ];
    for (host, want) in cases {
        assert_eq!(index.lookup(host), *want, "{host:?}");
    }
}

/// Hosts where a vendored entry, more specific than hitflow's, changes hitflow's category:
/// (host, hitflow's category, the vendored one). Reviewed: each is a distinct service under a
/// broader hitflow entry.
const REFINED: &[(&str, Category, Category)] = &[
    ("ai.baidu.com", Category::Search, Category::AiAssistants),
    ("plus.google.com", Category::Search, Category::Social),
    ("my.mail.ru", Category::Search, Category::Social),
    ("websearch.rakuten.co.jp", Category::Shopping, Category::Search),
];

#[test]
fn vendored_entries_refine_hitflow_only_where_listed() {
    let index = super::super::categories::SourceIndex::builtin();
    let mut refined: Vec<(String, Category, Category)> = Vec::new();
    for (_, _, text) in VENDOR_LISTS {
        for line in patterns(text) {
            for host in hosts_of(line) {
                let own = index.own_category(&host);
                let now = index.lookup(&host).map(|m| m.category);
                if let (Some(own), Some(now)) = (own, now) {
                    if own != now && !refined.iter().any(|(h, ..)| *h == host) {
                        refined.push((host, own, now));
                    }
                }
            }
        }
    }
    let want: Vec<(String, Category, Category)> = REFINED.iter().map(|&(h, a, b)| (h.to_owned(), a, b)).collect();
    assert_eq!(refined, want);
}
