//! The channel rules: GA4's default channel group in its documented order, hitflow's "AI
//! Assistants" channel, and the matcher of custom rules from hitflow.toml.
//!
//! GA4's conditions use a few regexes; they are hand-written here (see each matcher). GA4
//! compares case-insensitively: sources and media arrive lowercased ([`RuleInput`]), campaign names
//! are compared ignoring ASCII case.

use rustc_hash::FxHashSet;

use super::categories::Category;

pub const DIRECT: &str = "Direct";
pub const CROSS_NETWORK: &str = "Cross-network";
pub const PAID_SHOPPING: &str = "Paid Shopping";
pub const PAID_SEARCH: &str = "Paid Search";
pub const PAID_SOCIAL: &str = "Paid Social";
pub const PAID_VIDEO: &str = "Paid Video";
pub const DISPLAY: &str = "Display";
pub const PAID_OTHER: &str = "Paid Other";
/// hitflow's channel for visits from AI assistants (not part of GA4's default channel group).
pub const AI_ASSISTANTS: &str = "AI Assistants";
pub const ORGANIC_SHOPPING: &str = "Organic Shopping";
pub const ORGANIC_SOCIAL: &str = "Organic Social";
pub const ORGANIC_VIDEO: &str = "Organic Video";
pub const ORGANIC_SEARCH: &str = "Organic Search";
pub const REFERRAL: &str = "Referral";
pub const EMAIL: &str = "Email";
pub const AFFILIATES: &str = "Affiliates";
pub const AUDIO: &str = "Audio";
pub const SMS: &str = "SMS";
pub const MOBILE_PUSH: &str = "Mobile Push Notifications";
/// The fallback for sessions no rule takes.
pub const UNASSIGNED: &str = "Unassigned";

/// The built-in channels in rule order, ending with the fallback [`UNASSIGNED`].
pub const BUILTIN_CHANNELS: [&str; 20] = [
    DIRECT,
    CROSS_NETWORK,
    PAID_SHOPPING,
    PAID_SEARCH,
    PAID_SOCIAL,
    PAID_VIDEO,
    DISPLAY,
    PAID_OTHER,
    AI_ASSISTANTS,
    ORGANIC_SHOPPING,
    ORGANIC_SOCIAL,
    ORGANIC_VIDEO,
    ORGANIC_SEARCH,
    REFERRAL,
    EMAIL,
    AFFILIATES,
    AUDIO,
    SMS,
    MOBILE_PUSH,
    UNASSIGNED,
];

/// What the rules see of a session.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RuleInput<'a> {
    /// Lowercase, trimmed.
    pub source: &'a str,
    /// Lowercase, trimmed.
    pub medium: &'a str,
    /// As tagged (may be empty); matchers ignore ASCII case.
    pub campaign: &'a str,
    /// The most specific list the source is in.
    pub category: Option<Category>,
    pub click_id_kind: Option<&'a str>,
    /// The medium matches GA4's paid pattern, or is unknown and an ad click id is present.
    pub paid: bool,
}

impl<'a> RuleInput<'a> {
    pub fn new(
        source: &'a str,
        medium: &'a str,
        campaign: &'a str,
        category: Option<Category>,
        click_id_kind: Option<&'a str>,
    ) -> Self {
        let click_id_kind = click_id_kind.map(str::trim).filter(|k| !k.is_empty());
        // A click id proves an ad click, but only speaks when the tags say nothing about the
        // medium: an explicit non-paid medium (utm_medium=email) is the marketer's word.
        let unknown_medium = matches!(medium, "" | "(not set)" | "(none)");
        let paid = is_paid_medium(medium) || (unknown_medium && click_id_kind.is_some());
        RuleInput {
            source,
            medium,
            campaign,
            category,
            click_id_kind,
            paid,
        }
    }

    fn in_list(&self, category: Category) -> bool {
        self.category == Some(category)
    }
}

/// GA4's paid-medium regex `^(.*cp.*|ppc|retargeting|paid.*)$`.
pub(crate) fn is_paid_medium(medium: &str) -> bool {
    medium.contains("cp") || medium == "ppc" || medium == "retargeting" || medium.starts_with("paid")
}

/// GA4's shopping-campaign regex `^(.*(([^a-df-z]|^)shop|shopping).*)$`, case-insensitive:
/// "shopping" anywhere, or "shop" at the start or after anything but a letter other than `e`
/// ("eshop", "e-shop", "summer_shop" match; "workshop" does not).
pub(crate) fn is_shop_campaign(campaign: &str) -> bool {
    if contains_ignore_case(campaign, "shopping") {
        return true;
    }
    let bytes = campaign.as_bytes();
    bytes.windows(4).enumerate().any(|(i, window)| {
        window.eq_ignore_ascii_case(b"shop")
            && (i == 0 || {
                let before = bytes[i - 1].to_ascii_lowercase();
                !before.is_ascii_lowercase() || before == b'e'
            })
    })
}

/// `needle` must be lowercase ASCII.
pub(crate) fn contains_ignore_case(haystack: &str, needle: &str) -> bool {
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle.as_bytes()))
}

pub(crate) const DISPLAY_MEDIA: [&str; 5] = ["display", "banner", "expandable", "interstitial", "cpm"];
pub(crate) const SOCIAL_MEDIA: [&str; 6] = [
    "social",
    "social-network",
    "social-media",
    "sm",
    "social network",
    "social media",
];
pub(crate) const REFERRAL_MEDIA: [&str; 3] = ["referral", "app", "link"];
pub(crate) const EMAIL_NAMES: [&str; 4] = ["email", "e-mail", "e_mail", "e mail"];

/// A built-in channel rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Builtin {
    Direct,
    CrossNetwork,
    PaidShopping,
    PaidSearch,
    PaidSocial,
    PaidVideo,
    Display,
    PaidOther,
    AiAssistants,
    OrganicShopping,
    OrganicSocial,
    OrganicVideo,
    OrganicSearch,
    Referral,
    Email,
    Affiliates,
    Audio,
    Sms,
    MobilePush,
}

impl Builtin {
    /// GA4's documented order, with AI Assistants after the paid rules.
    pub const ORDER: [Builtin; 19] = [
        Builtin::Direct,
        Builtin::CrossNetwork,
        Builtin::PaidShopping,
        Builtin::PaidSearch,
        Builtin::PaidSocial,
        Builtin::PaidVideo,
        Builtin::Display,
        Builtin::PaidOther,
        Builtin::AiAssistants,
        Builtin::OrganicShopping,
        Builtin::OrganicSocial,
        Builtin::OrganicVideo,
        Builtin::OrganicSearch,
        Builtin::Referral,
        Builtin::Email,
        Builtin::Affiliates,
        Builtin::Audio,
        Builtin::Sms,
        Builtin::MobilePush,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Builtin::Direct => DIRECT,
            Builtin::CrossNetwork => CROSS_NETWORK,
            Builtin::PaidShopping => PAID_SHOPPING,
            Builtin::PaidSearch => PAID_SEARCH,
            Builtin::PaidSocial => PAID_SOCIAL,
            Builtin::PaidVideo => PAID_VIDEO,
            Builtin::Display => DISPLAY,
            Builtin::PaidOther => PAID_OTHER,
            Builtin::AiAssistants => AI_ASSISTANTS,
            Builtin::OrganicShopping => ORGANIC_SHOPPING,
            Builtin::OrganicSocial => ORGANIC_SOCIAL,
            Builtin::OrganicVideo => ORGANIC_VIDEO,
            Builtin::OrganicSearch => ORGANIC_SEARCH,
            Builtin::Referral => REFERRAL,
            Builtin::Email => EMAIL,
            Builtin::Affiliates => AFFILIATES,
            Builtin::Audio => AUDIO,
            Builtin::Sms => SMS,
            Builtin::MobilePush => MOBILE_PUSH,
        }
    }

    /// GA4's condition for this channel, on its own (earlier rules are not consulted).
    pub fn matches(self, f: &RuleInput<'_>) -> bool {
        use Category::{AiAssistants, Search, Shopping, Social, Video};
        let shopping = || f.in_list(Shopping) || is_shop_campaign(f.campaign);
        match self {
            Builtin::Direct => f.source == "(direct)" && matches!(f.medium, "(not set)" | "(none)"),
            Builtin::CrossNetwork => contains_ignore_case(f.campaign, "cross-network"),
            Builtin::PaidShopping => shopping() && f.paid,
            Builtin::PaidSearch => f.in_list(Search) && f.paid,
            Builtin::PaidSocial => f.in_list(Social) && f.paid,
            Builtin::PaidVideo => f.in_list(Video) && f.paid,
            Builtin::Display => DISPLAY_MEDIA.contains(&f.medium),
            Builtin::PaidOther => f.paid,
            // Paid traffic is tested again so the rule holds if a custom rule replaces Paid Other.
            Builtin::AiAssistants => f.in_list(AiAssistants) && !f.paid,
            Builtin::OrganicShopping => shopping(),
            Builtin::OrganicSocial => f.in_list(Social) || SOCIAL_MEDIA.contains(&f.medium),
            Builtin::OrganicVideo => f.in_list(Video) || f.medium.contains("video"),
            Builtin::OrganicSearch => f.in_list(Search) || f.medium == "organic",
            Builtin::Referral => REFERRAL_MEDIA.contains(&f.medium),
            Builtin::Email => EMAIL_NAMES.contains(&f.source) || EMAIL_NAMES.contains(&f.medium),
            Builtin::Affiliates => f.medium == "affiliate",
            Builtin::Audio => f.medium == "audio",
            Builtin::Sms => f.source == "sms" || f.medium == "sms",
            Builtin::MobilePush => {
                f.medium.ends_with("push")
                    || f.medium.contains("mobile")
                    || f.medium.contains("notification")
                    || f.source == "firebase"
            }
        }
    }
}

/// The conditions of a custom rule from hitflow.toml, compiled: every present condition must
/// hold. Strings are lowercase (campaign ones too; campaigns are compared ignoring case).
#[derive(Debug, Clone, Default)]
pub(crate) struct CustomMatch {
    pub source: Option<Box<str>>,
    pub source_in: Option<FxHashSet<Box<str>>>,
    pub source_contains: Option<Box<str>>,
    pub source_domain: Option<Box<str>>,
    pub source_category: Option<Category>,
    pub medium: Option<Box<str>>,
    pub medium_in: Option<FxHashSet<Box<str>>>,
    pub medium_contains: Option<Box<str>>,
    pub medium_prefix: Option<Box<str>>,
    pub medium_suffix: Option<Box<str>>,
    pub medium_paid: Option<bool>,
    pub campaign: Option<Box<str>>,
    pub campaign_contains: Option<Box<str>>,
    pub click_id_in: Option<FxHashSet<Box<str>>>,
    pub has_click_id: Option<bool>,
}

impl CustomMatch {
    /// True when no condition is set (such a rule is rejected at load).
    pub fn is_empty(&self) -> bool {
        let CustomMatch {
            source,
            source_in,
            source_contains,
            source_domain,
            source_category,
            medium,
            medium_in,
            medium_contains,
            medium_prefix,
            medium_suffix,
            medium_paid,
            campaign,
            campaign_contains,
            click_id_in,
            has_click_id,
        } = self;
        source.is_none()
            && source_in.is_none()
            && source_contains.is_none()
            && source_domain.is_none()
            && source_category.is_none()
            && medium.is_none()
            && medium_in.is_none()
            && medium_contains.is_none()
            && medium_prefix.is_none()
            && medium_suffix.is_none()
            && medium_paid.is_none()
            && campaign.is_none()
            && campaign_contains.is_none()
            && click_id_in.is_none()
            && has_click_id.is_none()
    }

    pub fn matches(&self, f: &RuleInput<'_>) -> bool {
        fn holds<T: ?Sized>(condition: Option<&T>, test: impl FnOnce(&T) -> bool) -> bool {
            condition.is_none_or(test)
        }
        holds(self.source.as_deref(), |s| f.source == s)
            && holds(self.source_in.as_ref(), |set| set.contains(f.source))
            && holds(self.source_contains.as_deref(), |s| f.source.contains(s))
            && holds(self.source_domain.as_deref(), |d| is_same_or_subdomain(f.source, d))
            && holds(self.source_category.as_ref(), |c| f.category == Some(*c))
            && holds(self.medium.as_deref(), |m| f.medium == m)
            && holds(self.medium_in.as_ref(), |set| set.contains(f.medium))
            && holds(self.medium_contains.as_deref(), |m| f.medium.contains(m))
            && holds(self.medium_prefix.as_deref(), |m| f.medium.starts_with(m))
            && holds(self.medium_suffix.as_deref(), |m| f.medium.ends_with(m))
            && holds(self.medium_paid.as_ref(), |paid| f.paid == *paid)
            && holds(self.campaign.as_deref(), |c| f.campaign.trim().eq_ignore_ascii_case(c))
            && holds(self.campaign_contains.as_deref(), |c| {
                contains_ignore_case(f.campaign, c)
            })
            && holds(self.click_id_in.as_ref(), |set| {
                f.click_id_kind.is_some_and(|k| set.contains(k))
            })
            && holds(self.has_click_id.as_ref(), |has| f.click_id_kind.is_some() == *has)
    }
}

/// `host` is `domain` or one of its subdomains (ASCII case ignored).
pub(crate) fn is_same_or_subdomain(host: &str, domain: &str) -> bool {
    let (host, domain) = (host.as_bytes(), domain.as_bytes());
    if domain.is_empty() || host.len() < domain.len() {
        return false;
    }
    let split = host.len() - domain.len();
    host[split..].eq_ignore_ascii_case(domain) && (split == 0 || host[split - 1] == b'.')
}

/// What decides whether a rule takes a session.
#[derive(Debug, Clone)]
pub(crate) enum Condition {
    Builtin(Builtin),
    Custom(Box<CustomMatch>),
}

/// One channel rule: the first rule whose condition holds names the session's channel.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub name: Box<str>,
    pub condition: Condition,
}

impl Rule {
    pub fn matches(&self, facts: &RuleInput<'_>) -> bool {
        match &self.condition {
            Condition::Builtin(builtin) => builtin.matches(facts),
            Condition::Custom(custom) => custom.matches(facts),
        }
    }
}

/// The built-in rules in order.
pub(crate) fn builtin_rules() -> Vec<Rule> {
    Builtin::ORDER
        .iter()
        .map(|&builtin| Rule {
            name: builtin.name().into(),
            condition: Condition::Builtin(builtin),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_and_names_agree() {
        let names: Vec<&str> = Builtin::ORDER.iter().map(|b| b.name()).collect();
        assert_eq!(names, BUILTIN_CHANNELS[..BUILTIN_CHANNELS.len() - 1]);
    }

    #[test]
    fn paid_medium_regex() {
        let cases = [
            ("cpc", true),
            ("cpm", true),
            ("cpa", true),
            ("ecpc", true),
            ("ppc", true),
            ("retargeting", true),
            ("paid", true),
            ("paidsocial", true),
            ("paid_search", true),
            ("p-p-c", false),
            ("pc", false),
            ("prepaid", false),
            ("retargeting2", false),
            ("organic", false),
            ("", false),
        ];
        for (medium, expected) in cases {
            assert_eq!(is_paid_medium(medium), expected, "{medium:?}");
        }
    }

    #[test]
    fn shop_campaign_regex() {
        let cases = [
            ("shop", true),
            ("Shop_Summer", true),
            ("summer_shop", true),
            ("summer-shop", true),
            ("summer shop", true),
            ("2024shop", true),
            ("eshop", true),
            ("e-shop", true),
            ("SHOPPING-week", true),
            ("workshopping", true),
            ("workshop", false),
            ("bishop", false),
            ("WorkShop", false),
            ("sho", false),
            ("", false),
        ];
        for (campaign, expected) in cases {
            assert_eq!(is_shop_campaign(campaign), expected, "{campaign:?}");
        }
    }

    #[test]
    fn subdomain_matching() {
        let cases = [
            ("partner.com", "partner.com", true),
            ("blog.partner.com", "partner.com", true),
            ("Blog.Partner.com", "partner.com", true),
            ("mypartner.com", "partner.com", false),
            ("partner.com", "blog.partner.com", false),
            ("partner.com", "", false),
        ];
        for (host, domain, expected) in cases {
            assert_eq!(is_same_or_subdomain(host, domain), expected, "{host} in {domain}");
        }
    }

    /// Channel of the first built-in rule that holds, as `ChannelRules::classify` does.
    fn first_match(facts: &RuleInput<'_>) -> &'static str {
        Builtin::ORDER
            .iter()
            .find(|b| b.matches(facts))
            .map_or(UNASSIGNED, |b| b.name())
    }

    /// Every rule: a case it takes, and a near miss that falls through to a later rule.
    /// (source, medium, campaign, category, click id, expected channel)
    #[test]
    fn every_rule_takes_its_cases_and_lets_near_misses_through() {
        use Category::*;
        type Case = (
            &'static str,
            &'static str,
            &'static str,
            Option<Category>,
            Option<&'static str>,
            &'static str,
        );
        let cases: &[Case] = &[
            // Direct
            ("(direct)", "(none)", "", None, None, DIRECT),
            ("(direct)", "(not set)", "", None, None, DIRECT),
            ("(direct)", "referral", "", None, None, REFERRAL),
            ("direct", "(none)", "", None, None, UNASSIGNED),
            // Cross-network: beats everything after Direct
            (
                "google",
                "cpc",
                "pmax_Cross-Network_q3",
                Some(Search),
                None,
                CROSS_NETWORK,
            ),
            ("newsletter", "email", "cross-network", None, None, CROSS_NETWORK),
            ("(direct)", "(none)", "cross-network", None, None, DIRECT),
            ("google", "cpc", "cross network", Some(Search), None, PAID_SEARCH),
            // Paid Shopping
            ("amazon", "cpc", "", Some(Shopping), None, PAID_SHOPPING),
            ("google", "cpc", "summer_shop", Some(Search), None, PAID_SHOPPING),
            ("google", "cpc", "Shopping-DE", Some(Search), None, PAID_SHOPPING),
            ("google", "cpc", "workshop", Some(Search), None, PAID_SEARCH),
            ("amazon", "referral", "", Some(Shopping), None, ORGANIC_SHOPPING),
            // Paid Search
            ("google", "cpc", "", Some(Search), None, PAID_SEARCH),
            ("bing", "ppc", "", Some(Search), None, PAID_SEARCH),
            ("google", "paid", "", Some(Search), None, PAID_SEARCH),
            ("google", "(not set)", "", Some(Search), Some("gclid"), PAID_SEARCH),
            ("newsletter", "cpc", "", None, None, PAID_OTHER),
            ("google", "organic", "", Some(Search), None, ORGANIC_SEARCH),
            ("google", "email", "", Some(Search), Some("gclid"), ORGANIC_SEARCH),
            // Paid Social
            ("facebook", "cpc", "", Some(Social), None, PAID_SOCIAL),
            ("linkedin", "paid_social", "", Some(Social), None, PAID_SOCIAL),
            ("facebook", "(not set)", "", Some(Social), Some("fbclid"), PAID_SOCIAL),
            ("facebook", "social", "", Some(Social), None, ORGANIC_SOCIAL),
            // Paid Video
            ("youtube", "cpv", "", Some(Video), None, PAID_VIDEO),
            ("youtube", "video", "", Some(Video), None, ORGANIC_VIDEO),
            // Display
            ("gdn", "display", "", None, None, DISPLAY),
            ("partner", "banner", "", None, None, DISPLAY),
            ("partner", "expandable", "", None, None, DISPLAY),
            ("partner", "interstitial", "", None, None, DISPLAY),
            ("partner", "cpm", "", None, None, DISPLAY),
            // cpm also matches the paid regex, so a search source takes Paid Search first
            ("google", "cpm", "", Some(Search), None, PAID_SEARCH),
            ("partner", "displays", "", None, None, UNASSIGNED),
            // Paid Other
            ("newsletter", "cpc", "", None, None, PAID_OTHER),
            ("partner", "retargeting", "", None, None, PAID_OTHER),
            ("chatgpt.com", "cpc", "", Some(AiAssistants), None, PAID_OTHER),
            ("partner", "(not set)", "", None, Some("gclid"), PAID_OTHER),
            ("partner", "retarget", "", None, None, UNASSIGNED),
            // AI Assistants: before the organic rules and Referral, never for paid media
            ("chatgpt.com", "referral", "", Some(AiAssistants), None, AI_ASSISTANTS),
            (
                "perplexity.ai",
                "(not set)",
                "",
                Some(AiAssistants),
                None,
                AI_ASSISTANTS,
            ),
            ("claude.ai", "organic", "", Some(AiAssistants), None, AI_ASSISTANTS),
            ("chatgpt.com", "paid", "", Some(AiAssistants), None, PAID_OTHER),
            (
                "chatgpt.com",
                "(not set)",
                "",
                Some(AiAssistants),
                Some("gclid"),
                PAID_OTHER,
            ),
            ("chatgpt.com", "display", "", Some(AiAssistants), None, DISPLAY),
            // Organic Shopping
            ("ebay", "referral", "", Some(Shopping), None, ORGANIC_SHOPPING),
            ("newsletter", "email", "eshop-launch", None, None, ORGANIC_SHOPPING),
            ("newsletter", "email", "workshop-launch", None, None, EMAIL),
            // Organic Social
            ("facebook", "referral", "", Some(Social), None, ORGANIC_SOCIAL),
            ("mastodon.example", "social", "", None, None, ORGANIC_SOCIAL),
            ("forum", "social-network", "", None, None, ORGANIC_SOCIAL),
            ("forum", "social-media", "", None, None, ORGANIC_SOCIAL),
            ("forum", "sm", "", None, None, ORGANIC_SOCIAL),
            ("forum", "social network", "", None, None, ORGANIC_SOCIAL),
            ("forum", "social media", "", None, None, ORGANIC_SOCIAL),
            ("forum", "socials", "", None, None, UNASSIGNED),
            // Organic Video
            ("vimeo", "referral", "", Some(Video), None, ORGANIC_VIDEO),
            ("partner", "video_embed", "", None, None, ORGANIC_VIDEO),
            ("partner", "vid", "", None, None, UNASSIGNED),
            // Organic Search
            ("duckduckgo", "organic", "", Some(Search), None, ORGANIC_SEARCH),
            ("google", "referral", "", Some(Search), None, ORGANIC_SEARCH),
            ("kagi", "organic", "", None, None, ORGANIC_SEARCH),
            ("kagi", "organic-search", "", None, None, UNASSIGNED),
            // Referral
            ("example.com", "referral", "", None, None, REFERRAL),
            ("example.com", "app", "", None, None, REFERRAL),
            ("example.com", "link", "", None, None, REFERRAL),
            ("docs.google.com", "referral", "", Some(Referral), None, REFERRAL),
            ("example.com", "referrer", "", None, None, UNASSIGNED),
            // Email
            ("newsletter", "email", "", None, None, EMAIL),
            ("newsletter", "e-mail", "", None, None, EMAIL),
            ("newsletter", "e_mail", "", None, None, EMAIL),
            ("newsletter", "e mail", "", None, None, EMAIL),
            ("email", "(not set)", "", None, None, EMAIL),
            ("mail.google.com", "email", "", Some(Email), None, EMAIL),
            ("newsletter", "emails", "", None, None, UNASSIGNED),
            // Affiliates
            ("partner", "affiliate", "", None, None, AFFILIATES),
            ("partner", "affiliates", "", None, None, UNASSIGNED),
            // Audio
            ("spotify", "audio", "", None, None, AUDIO),
            ("spotify", "podcast", "", None, None, UNASSIGNED),
            // SMS
            ("sms", "(not set)", "", None, None, SMS),
            ("twilio", "sms", "", None, None, SMS),
            ("twilio", "text", "", None, None, UNASSIGNED),
            // Mobile Push Notifications
            ("app", "push", "", None, None, MOBILE_PUSH),
            ("app", "web-push", "", None, None, MOBILE_PUSH),
            ("app", "mobile", "", None, None, MOBILE_PUSH),
            ("app", "notification", "", None, None, MOBILE_PUSH),
            ("firebase", "(not set)", "", None, None, MOBILE_PUSH),
            ("app", "pusher", "", None, None, UNASSIGNED),
            // Unassigned
            ("partner", "(not set)", "", None, None, UNASSIGNED),
            ("(not set)", "(not set)", "", None, None, UNASSIGNED),
        ];
        for &(source, medium, campaign, category, click_id, expected) in cases {
            let facts = RuleInput::new(source, medium, campaign, category, click_id);
            assert_eq!(
                first_match(&facts),
                expected,
                "source={source:?} medium={medium:?} campaign={campaign:?} category={category:?} click_id={click_id:?}"
            );
        }
        // Every built-in channel is covered by at least one case.
        for channel in BUILTIN_CHANNELS {
            assert!(cases.iter().any(|c| c.5 == channel), "no case for {channel}");
        }
    }

    #[test]
    fn custom_match_conditions() {
        let set = |items: &[&str]| -> Option<FxHashSet<Box<str>>> {
            Some(items.iter().map(|s| Box::<str>::from(*s)).collect())
        };
        let facts = RuleInput::new("blog.partner.com", "referral", "Spring-Sale", None, Some("gclid"));
        let holds = |m: CustomMatch| m.matches(&facts);
        let b = |s: &str| Some(Box::<str>::from(s));
        // (conditions, expected)
        let cases: Vec<(CustomMatch, bool)> = vec![
            (
                CustomMatch {
                    source: b("blog.partner.com"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    source: b("partner.com"),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    source_in: set(&["a", "blog.partner.com"]),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    source_in: set(&["a"]),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    source_contains: b("partner"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    source_domain: b("partner.com"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    source_domain: b("artner.com"),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    source_category: Some(Category::Search),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    medium: b("referral"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_in: set(&["link", "referral"]),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_contains: b("ferr"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_prefix: b("ref"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_suffix: b("ral"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_suffix: b("ref"),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    medium_paid: Some(false),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    medium_paid: Some(true),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    campaign: b("spring-sale"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    campaign_contains: b("sale"),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    campaign_contains: b("winter"),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    click_id_in: set(&["gclid", "wbraid"]),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    click_id_in: set(&["fbclid"]),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    has_click_id: Some(true),
                    ..Default::default()
                },
                true,
            ),
            (
                CustomMatch {
                    has_click_id: Some(false),
                    ..Default::default()
                },
                false,
            ),
            // all conditions must hold
            (
                CustomMatch {
                    source_contains: b("partner"),
                    medium: b("email"),
                    ..Default::default()
                },
                false,
            ),
            (
                CustomMatch {
                    source_contains: b("partner"),
                    medium: b("referral"),
                    ..Default::default()
                },
                true,
            ),
        ];
        for (i, (conditions, expected)) in cases.into_iter().enumerate() {
            assert_eq!(holds(conditions), expected, "case {i}");
        }
        assert!(CustomMatch::default().is_empty());
        assert!(!CustomMatch {
            has_click_id: Some(false),
            ..Default::default()
        }
        .is_empty());
    }
}
