//! Where sessions come from: source / medium / campaign attribution and the channel grouping.
//!
//! The channels are GA4's default channel group, rule for rule in GA4's documented order, plus
//! hitflow's "AI Assistants" after the paid rules (so a paid AI campaign stays Paid Other) and
//! before the organic ones and Referral. Custom rules from hitflow.toml's `[channels]` table go
//! where the table places them ([`ChannelsConfig`]).
//!
//! - `attribution.rs`: a session's first hit ([`Touch`]) → [`Attribution`].
//! - `rules.rs`: [`Attribution`] → channel, by the first rule that holds.
//! - `categories.rs`: the source lists (search, social, ...) in `reporter/data/channels/`.
//! - `vendor.rs`: Matomo's search engine, social network and AI assistant list, under them.
//! - `config.rs`: the `[channels]` table.
//!
//! Choices where GA4 leaves room:
//! - A click id counts as paid only when the medium is unset (`(not set)`): an explicit
//!   utm_medium wins. `fbclid` is read as a Facebook ad click (Paid Social) although Facebook
//!   also adds it to organic links; `dclid` (Campaign Manager / DV360) is google / display →
//!   Display.
//! - A source is in a list by its most specific entry across all lists, so `mail.google.com`
//!   (webmail), `gemini.google.com` (AI) and `docs.google.com` (plain referral) are not Google
//!   search although `google.*` is a search entry.

pub(crate) mod attribution;
pub(crate) mod categories;
pub(crate) mod config;
pub(crate) mod rules;
pub(crate) mod vendor;

use std::sync::OnceLock;

use rustc_hash::FxHashSet;

pub use attribution::{Attribution, Touch, DIRECT_MEDIUM, DIRECT_SOURCE, NOT_SET};
pub use categories::Category;
pub use config::{ChannelConfigError, ChannelRuleConfig, ChannelsConfig};
pub use rules::{
    AFFILIATES, AI_ASSISTANTS, AUDIO, BUILTIN_CHANNELS, CROSS_NETWORK, DIRECT, DISPLAY, EMAIL, MOBILE_PUSH,
    ORGANIC_SEARCH, ORGANIC_SHOPPING, ORGANIC_SOCIAL, ORGANIC_VIDEO, PAID_OTHER, PAID_SEARCH, PAID_SHOPPING,
    PAID_SOCIAL, PAID_VIDEO, REFERRAL, SMS, UNASSIGNED,
};

use attribution::lowercase;
use categories::builtin_exclusions;
pub(crate) use categories::SourceIndex;
use config::Placement;
use rules::{builtin_rules, Condition, Rule, RuleInput};

/// Source attribution and channel rules, built once per report and shared across threads.
#[derive(Debug, Clone)]
pub struct ChannelRules {
    sources: SourceIndex,
    /// Lowercase hosts without `www.`; a referrer matches an entry or its subdomains.
    exclusions: FxHashSet<Box<str>>,
    rules: Vec<Rule>,
}

impl ChannelRules {
    /// The built-in lists and rules. The data files are parsed once per process.
    pub fn builtin() -> Self {
        static BUILTIN: OnceLock<ChannelRules> = OnceLock::new();
        BUILTIN
            .get_or_init(|| ChannelRules {
                sources: SourceIndex::builtin(),
                exclusions: builtin_exclusions().map(Box::from).collect(),
                rules: builtin_rules(),
            })
            .clone()
    }

    /// The built-in lists and rules extended by hitflow.toml's `[channels]` table.
    pub fn from_config(cfg: &ChannelsConfig) -> Result<Self, ChannelConfigError> {
        let mut this = Self::builtin();
        for (category, entry) in cfg.list_entries()? {
            this.sources.insert(entry, category);
        }
        this.exclusions.extend(cfg.exclusions()?);
        let mut front = 0; // where the next unplaced custom rule goes
        for (index, rule_cfg) in cfg.rules.iter().enumerate() {
            let name = rule_cfg.name.trim();
            if name.is_empty() {
                return Err(ChannelConfigError::EmptyName { index });
            }
            let rule = Rule {
                name: name.into(),
                condition: Condition::Custom(Box::new(rule_cfg.conditions(index)?)),
            };
            let placement = rule_cfg.placement(index)?;
            let (target, placement_key) = match placement {
                Placement::First => {
                    this.rules.insert(front, rule);
                    front += 1;
                    continue;
                }
                Placement::Before(t) => (t.trim(), "before"),
                Placement::After(t) => (t.trim(), "after"),
                Placement::Replace(t) => (t.trim(), "replace"),
            };
            let position = if target.eq_ignore_ascii_case(UNASSIGNED) {
                Some(this.rules.len()) // `before = "Unassigned"`: last
            } else {
                this.rules.iter().position(|r| r.name.eq_ignore_ascii_case(target))
            };
            let Some(position) = position else {
                return Err(ChannelConfigError::UnknownTarget {
                    index,
                    name: name.to_owned(),
                    placement: placement_key,
                    target: target.to_owned(),
                    known: this.channel_names().join(", "),
                });
            };
            let at = match placement {
                Placement::Replace(_) => {
                    this.rules[position] = rule;
                    continue;
                }
                Placement::After(_) => position + 1,
                _ => position,
            };
            this.rules.insert(at, rule);
            if at < front || (at == front && matches!(placement, Placement::Before(_))) {
                front += 1;
            }
        }
        Ok(this)
    }

    /// Source/medium/campaign for a session's first hit. Order: utm_source or utm_medium
    /// present → from the UTMs (a missing one is "(not set)"); else an ad click id → (google |
    /// bing | facebook | tiktok | linkedin | x, "cpc"), dclid → ("google", "display"); else the
    /// `ref` parameter → (its value lowercased, "referral"); else an external referrer → (its
    /// canonical name where a list gives one — "google" for google.* hosts, "facebook" for
    /// l.facebook.com — else the host; "organic" for search engines, "email" for webmail,
    /// "referral" otherwise); else (none, internal or excluded) → ("(direct)", "(none)").
    /// utm_campaign is kept as the campaign in every case.
    pub fn attribute(&self, touch: &Touch<'_>) -> Attribution {
        attribution::attribute(&self.sources, &self.exclusions, touch)
    }

    /// The channel for an attribution; `click_id_kind` as a paid signal when the medium is
    /// unset. Returns the channel name. Does not allocate for lowercase input.
    pub fn classify(&self, a: &Attribution, click_id_kind: Option<&str>) -> &str {
        let source = lowercase(a.source.trim());
        let medium = lowercase(a.medium.trim());
        let category = self.sources.lookup(&source).map(|m| m.category);
        let campaign = a.campaign.as_deref().unwrap_or("");
        let facts = RuleInput::new(&source, &medium, campaign, category, click_id_kind);
        self.rules
            .iter()
            .find(|rule| rule.matches(&facts))
            .map_or(UNASSIGNED, |rule| &*rule.name)
    }

    /// True when the referrer is the site itself (same host, or a subdomain of/parent of it,
    /// www-insensitive) or in the referral-exclusion list (an entry or its subdomains); such
    /// referrers never start a new session and never count as referral.
    pub fn is_internal_referrer(&self, referrer_host: &str, url_host: &str) -> bool {
        attribution::is_internal_referrer(&self.exclusions, referrer_host, url_host)
    }

    /// Channel names in rule order (for stable report ordering), custom ones included, each
    /// once, ending with "Unassigned".
    pub fn channel_names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::with_capacity(self.rules.len() + 1);
        for rule in &self.rules {
            if !names.contains(&&*rule.name) {
                names.push(&rule.name);
            }
        }
        if !names.contains(&UNASSIGNED) {
            names.push(UNASSIGNED);
        }
        names
    }

    /// What the SQL export (`crate::sql`) renders: the source index, the referral exclusions
    /// and the rules in order, as this run uses them.
    pub(crate) fn parts(&self) -> (&SourceIndex, &FxHashSet<Box<str>>, &[Rule]) {
        (&self.sources, &self.exclusions, &self.rules)
    }

    /// The most specific list entry for a source or host (lowercase), if any.
    pub fn source_category(&self, source: &str) -> Option<Category> {
        self.sources.lookup(source).map(|m| m.category)
    }

    /// Attribution then channel, for callers that need both.
    pub fn channel_of(&self, touch: &Touch<'_>) -> (Attribution, &str) {
        let attribution = self.attribute(touch);
        let channel = self.classify(&attribution, touch.click_id_kind);
        (attribution, channel)
    }
}

impl Default for ChannelRules {
    fn default() -> Self {
        Self::builtin()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(source: &str, medium: &str, campaign: Option<&str>) -> Attribution {
        Attribution {
            source: source.to_owned(),
            medium: medium.to_owned(),
            campaign: campaign.map(str::to_owned),
        }
    }

    fn config(text: &str) -> Result<ChannelRules, ChannelConfigError> {
        #[derive(serde::Deserialize)]
        struct File {
            #[serde(default)]
            channels: ChannelsConfig,
        }
        let file: File = toml::from_str(text).unwrap_or_else(|e| panic!("toml: {e}"));
        ChannelRules::from_config(&file.channels)
    }

    #[test]
    fn classify_real_sources() {
        let rules = ChannelRules::builtin();
        // (source, medium, campaign, click id, channel)
        let cases = [
            ("(direct)", "(none)", None, None, DIRECT),
            ("google", "cpc", Some("brand_cross-network"), None, CROSS_NETWORK),
            ("google", "cpc", Some("Shopping_DE"), None, PAID_SHOPPING),
            ("amazon.de", "ppc", None, None, PAID_SHOPPING),
            ("google", "cpc", None, None, PAID_SEARCH),
            ("www.google.co.uk", "cpc", None, None, PAID_SEARCH),
            ("Google", "CPC", None, None, PAID_SEARCH),
            ("bing", "cpc", None, None, PAID_SEARCH),
            ("facebook", "cpc", None, None, PAID_SOCIAL),
            ("l.facebook.com", "paid", None, None, PAID_SOCIAL),
            ("youtube", "cpv", None, None, PAID_VIDEO),
            ("newsletter", "display", None, None, DISPLAY),
            ("newsletter", "cpc", None, None, PAID_OTHER),
            ("chatgpt.com", "cpc", None, None, PAID_OTHER),
            ("gemini.google.com", "cpc", None, None, PAID_OTHER),
            ("chatgpt.com", "referral", None, None, AI_ASSISTANTS),
            ("chatgpt.com", "(not set)", None, None, AI_ASSISTANTS),
            ("perplexity", "social", None, None, AI_ASSISTANTS),
            ("copilot.microsoft.com", "referral", None, None, AI_ASSISTANTS),
            ("ebay", "referral", None, None, ORGANIC_SHOPPING),
            ("instagram", "referral", None, None, ORGANIC_SOCIAL),
            ("old.reddit.com", "referral", None, None, ORGANIC_SOCIAL),
            ("vimeo", "referral", None, None, ORGANIC_VIDEO),
            ("google", "organic", None, None, ORGANIC_SEARCH),
            ("news.google.com", "referral", None, None, ORGANIC_SEARCH),
            ("some-engine", "organic", None, None, ORGANIC_SEARCH),
            ("example.com", "referral", None, None, REFERRAL),
            ("docs.google.com", "referral", None, None, REFERRAL),
            ("mail.google.com", "email", None, None, EMAIL),
            ("newsletter", "email", None, None, EMAIL),
            ("partner", "affiliate", None, None, AFFILIATES),
            ("spotify", "audio", None, None, AUDIO),
            ("sms", "(not set)", None, None, SMS),
            ("firebase", "(not set)", None, None, MOBILE_PUSH),
            ("newsletter", "(not set)", None, None, UNASSIGNED),
        ];
        for (source, medium, campaign, click_id, expected) in cases {
            assert_eq!(
                rules.classify(&a(source, medium, campaign), click_id),
                expected,
                "{source} / {medium} / {campaign:?}"
            );
        }
    }

    #[test]
    fn click_id_end_to_end() {
        let rules = ChannelRules::builtin();
        // (click id, referrer, source, medium, channel)
        let cases = [
            ("gclid", Some("google.com"), "google", "cpc", PAID_SEARCH),
            ("gbraid", None, "google", "cpc", PAID_SEARCH),
            ("wbraid", None, "google", "cpc", PAID_SEARCH),
            ("msclkid", Some("bing.com"), "bing", "cpc", PAID_SEARCH),
            ("fbclid", Some("l.facebook.com"), "facebook", "cpc", PAID_SOCIAL),
            ("ttclid", None, "tiktok", "cpc", PAID_SOCIAL),
            ("li_fat_id", None, "linkedin", "cpc", PAID_SOCIAL),
            ("twclid", Some("t.co"), "x", "cpc", PAID_SOCIAL),
            ("dclid", None, "google", "display", DISPLAY),
        ];
        for (kind, referrer, source, medium, channel) in cases {
            let touch = Touch {
                url_host: "example.com",
                referrer_host: referrer,
                click_id_kind: Some(kind),
                ..Touch::default()
            };
            let (attribution, got) = rules.channel_of(&touch);
            assert_eq!(
                (attribution.source.as_str(), attribution.medium.as_str(), got),
                (source, medium, channel),
                "{kind}"
            );
        }
        // Click id with UTMs: a source without medium is paid; an explicit medium wins.
        let with_utm = |source, medium| Touch {
            url_host: "example.com",
            utm_source: source,
            utm_medium: medium,
            click_id_kind: Some("gclid"),
            ..Touch::default()
        };
        assert_eq!(rules.channel_of(&with_utm(Some("google"), None)).1, PAID_SEARCH);
        assert_eq!(rules.channel_of(&with_utm(Some("newsletter"), Some("email"))).1, EMAIL);
        assert_eq!(rules.channel_of(&with_utm(Some("chatgpt.com"), None)).1, PAID_OTHER);
    }

    #[test]
    fn touches_end_to_end() {
        let rules = ChannelRules::builtin();
        let touch = Touch {
            url_host: "www.example.com",
            ..Touch::default()
        };
        // (what, touch, channel)
        let cases = [
            ("no referrer", touch, DIRECT),
            (
                "own site",
                Touch {
                    referrer_host: Some("example.com"),
                    ..touch
                },
                DIRECT,
            ),
            (
                "subdomain",
                Touch {
                    referrer_host: Some("blog.example.com"),
                    ..touch
                },
                DIRECT,
            ),
            (
                "paypal",
                Touch {
                    referrer_host: Some("paypal.com"),
                    ..touch
                },
                DIRECT,
            ),
            (
                "google",
                Touch {
                    referrer_host: Some("google.fr"),
                    ..touch
                },
                ORGANIC_SEARCH,
            ),
            (
                "duckduckgo",
                Touch {
                    referrer_host: Some("duckduckgo.com"),
                    ..touch
                },
                ORGANIC_SEARCH,
            ),
            (
                "chatgpt",
                Touch {
                    referrer_host: Some("chatgpt.com"),
                    ..touch
                },
                AI_ASSISTANTS,
            ),
            (
                "chatgpt's utm_source",
                Touch {
                    utm_source: Some("chatgpt.com"),
                    referrer_host: Some("chatgpt.com"),
                    ..touch
                },
                AI_ASSISTANTS,
            ),
            (
                "perplexity",
                Touch {
                    referrer_host: Some("www.perplexity.ai"),
                    ..touch
                },
                AI_ASSISTANTS,
            ),
            (
                "facebook",
                Touch {
                    referrer_host: Some("m.facebook.com"),
                    ..touch
                },
                ORGANIC_SOCIAL,
            ),
            (
                "youtube",
                Touch {
                    referrer_host: Some("youtube.com"),
                    ..touch
                },
                ORGANIC_VIDEO,
            ),
            (
                "amazon",
                Touch {
                    referrer_host: Some("amazon.co.uk"),
                    ..touch
                },
                ORGANIC_SHOPPING,
            ),
            (
                "gmail",
                Touch {
                    referrer_host: Some("mail.google.com"),
                    ..touch
                },
                EMAIL,
            ),
            (
                "gmail app",
                Touch {
                    referrer_host: Some("com.google.android.gm"),
                    ..touch
                },
                EMAIL,
            ),
            (
                "blog",
                Touch {
                    referrer_host: Some("someblog.net"),
                    ..touch
                },
                REFERRAL,
            ),
            (
                "ref param",
                Touch {
                    ref_param: Some("producthunt"),
                    ..touch
                },
                REFERRAL,
            ),
            (
                "ref param AI",
                Touch {
                    ref_param: Some("chatgpt.com"),
                    ..touch
                },
                AI_ASSISTANTS,
            ),
            (
                "UTM beats referrer",
                Touch {
                    utm_source: Some("newsletter"),
                    utm_medium: Some("email"),
                    referrer_host: Some("google.com"),
                    ..touch
                },
                EMAIL,
            ),
        ];
        for (what, touch, expected) in cases {
            assert_eq!(rules.channel_of(&touch).1, expected, "{what}");
        }
    }

    #[test]
    fn builtin_channel_names() {
        assert_eq!(ChannelRules::builtin().channel_names(), BUILTIN_CHANNELS);
        assert!(ChannelRules::builtin().is_internal_referrer("checkout.stripe.com", "example.com"));
        assert_eq!(ChannelRules::builtin().source_category("t.co"), Some(Category::Social));
    }

    #[test]
    fn extra_sources_and_exclusions() {
        let before = ChannelRules::builtin();
        let marginalia = Touch {
            url_host: "example.com",
            referrer_host: Some("marginalia.nu"),
            ..Touch::default()
        };
        assert_eq!(before.channel_of(&marginalia).1, REFERRAL);
        let rules = config(
            r#"
            [channels]
            search = ["marginalia.nu = marginalia", "marginalia"]
            social = ["docs.google.com"]
            ai_assistants = ["chat.example.org"]
            referral_exclusions = ["pay.example.net"]
            "#,
        )
        .expect("valid config");
        let (attribution, channel) = rules.channel_of(&marginalia);
        assert_eq!(
            (attribution, channel),
            (a("marginalia", "organic", None), ORGANIC_SEARCH)
        );
        assert_eq!(rules.classify(&a("marginalia", "cpc", None), None), PAID_SEARCH);
        assert_eq!(
            rules.classify(&a("docs.google.com", "referral", None), None),
            ORGANIC_SOCIAL
        );
        assert_eq!(
            rules.classify(&a("chat.example.org", "referral", None), None),
            AI_ASSISTANTS
        );
        assert!(rules.is_internal_referrer("checkout.pay.example.net", "example.com"));
        assert!(
            rules.is_internal_referrer("paypal.com", "example.com"),
            "built-in list kept"
        );
        assert!(!before.is_internal_referrer("pay.example.net", "example.com"));
    }

    #[test]
    fn custom_rule_placement() {
        let newsletter = a("newsletter", "email", None);
        let partner = a("blog.partner.example", "referral", None);
        // (config, channel of newsletter, channel of partner, channel names)
        let cases: [(&str, &str, &str, &[&str]); 6] = [
            // default: first, even before Direct; config order kept
            (
                r#"
                [[channels.rules]]
                name = "Newsletter"
                source = "newsletter"
                [[channels.rules]]
                name = "Partners"
                source_domain = "partner.example"
                "#,
                "Newsletter",
                "Partners",
                &["Newsletter", "Partners", DIRECT, CROSS_NETWORK],
            ),
            // before a built-in channel
            (
                r#"
                [[channels.rules]]
                name = "Partners"
                source_domain = "partner.example"
                before = "Referral"
                "#,
                EMAIL,
                "Partners",
                &[DIRECT, CROSS_NETWORK, PAID_SHOPPING],
            ),
            // replace: the old channel is gone
            (
                r#"
                [[channels.rules]]
                name = "Partners"
                medium = "referral"
                replace = "Referral"
                "#,
                EMAIL,
                "Partners",
                &[DIRECT, CROSS_NETWORK],
            ),
            // a rule placed too late never sees sessions an earlier rule takes
            (
                r#"
                [[channels.rules]]
                name = "Newsletter"
                source = "newsletter"
                before = "Unassigned"
                "#,
                EMAIL,
                REFERRAL,
                &[DIRECT],
            ),
            // after, case-insensitive target, and relative to an earlier custom rule
            (
                r#"
                [[channels.rules]]
                name = "Partners"
                source_domain = "partner.example"
                after = "organic search"
                [[channels.rules]]
                name = "Newsletter"
                medium = "email"
                source = "newsletter"
                before = "Partners"
                "#,
                "Newsletter",
                "Partners",
                &[DIRECT],
            ),
            // more conditions for an existing channel
            (
                r#"
                [[channels.rules]]
                name = "Referral"
                source = "newsletter"
                before = "Direct"
                "#,
                REFERRAL,
                REFERRAL,
                &[REFERRAL, DIRECT, CROSS_NETWORK],
            ),
        ];
        for (i, (text, newsletter_channel, partner_channel, names_prefix)) in cases.into_iter().enumerate() {
            let rules = config(text).unwrap_or_else(|e| panic!("case {i}: {e}"));
            assert_eq!(rules.classify(&newsletter, None), newsletter_channel, "case {i}");
            assert_eq!(rules.classify(&partner, None), partner_channel, "case {i}");
            let names = rules.channel_names();
            assert_eq!(&names[..names_prefix.len()], names_prefix, "case {i}: {names:?}");
            assert_eq!(names.last(), Some(&UNASSIGNED), "case {i}");
        }

        let names = |text| config(text).expect("valid config").channel_names().join("|");
        let replaced = names("[[channels.rules]]\nname = \"Partners\"\nmedium = \"referral\"\nreplace = \"Referral\"");
        assert!(
            !replaced.contains("|Referral|") && replaced.contains("|Organic Search|Partners|Email|"),
            "{replaced}"
        );
        let ordered = names(
            "[[channels.rules]]\nname = \"B\"\nsource = \"b\"\nafter = \"Direct\"\n\
             [[channels.rules]]\nname = \"A\"\nsource = \"a\"\n\
             [[channels.rules]]\nname = \"C\"\nsource = \"c\"",
        );
        assert!(ordered.starts_with("A|C|Direct|B|Cross-network|"), "{ordered}");
    }

    #[test]
    fn bad_configs_are_errors() {
        let cases = [
            ("[channels]\nsearch = [\"https://kagi.com\"]", "channels.search"),
            (
                "[channels]\nreferral_exclusions = [\"paypal\"]",
                "channels.referral_exclusions",
            ),
            ("[[channels.rules]]\nname = \" \"\nsource = \"x\"", "`name` is empty"),
            ("[[channels.rules]]\nname = \"X\"", "no match condition"),
            (
                "[[channels.rules]]\nname = \"X\"\nsource = \"x\"\nbefore = \"Refferal\"",
                "no such channel",
            ),
            (
                "[[channels.rules]]\nname = \"X\"\nsource = \"x\"\nbefore = \"Email\"\nreplace = \"Email\"",
                "at most one",
            ),
            (
                "[[channels.rules]]\nname = \"X\"\nsource = \"x\"\nreplace = \"Unassigned\"",
                "fallback",
            ),
            (
                "[[channels.rules]]\nname = \"X\"\nsource = \"x\"\nreplace = \"Referral\"\n\
                 [[channels.rules]]\nname = \"Y\"\nsource = \"y\"\nafter = \"Referral\"",
                "no such channel",
            ),
        ];
        for (text, expected) in cases {
            match config(text) {
                Ok(_) => panic!("accepted: {text}"),
                Err(e) => assert!(e.to_string().contains(expected), "{text}: {e}"),
            }
        }
    }

    #[test]
    fn rules_are_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<ChannelRules>();
    }
}
