//! The `[channels]` table of hitflow.toml and its validation.
//!
//! ```toml
//! [channels]
//! search = ["kagi.com = kagi", "kagi"]
//! referral_exclusions = ["checkout.example-pay.com"]
//!
//! [[channels.rules]]
//! name = "Partners"
//! source_domain = "partner.example"
//! before = "Referral"
//! ```

use rustc_hash::FxHashSet;
use serde::Deserialize;

use super::categories::{parse_entry, Category};
use super::rules::{CustomMatch, UNASSIGNED};

/// The `[channels]` table of hitflow.toml. Every field is optional; the built-in lists and
/// GA4's default channel group (plus "AI Assistants") apply without it.
///
/// The source lists take entries in the format of `reporter/data/channels/search.txt`: a source
/// name as in utm_source (`"kagi"`), a host that also matches its subdomains (`"kagi.com"`), a
/// brand under any public suffix (`"kagi.*"`), each optionally followed by `= name` to report a
/// referrer matching it under that source name (`"kagi.com = kagi"`). An entry already in a
/// built-in list moves to the list that names it here.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelsConfig {
    /// Extra search engines (channels Organic Search, Paid Search). Referrers from them get
    /// medium "organic".
    pub search: Vec<String>,
    /// Extra social networks, forums and messengers (Organic Social, Paid Social).
    pub social: Vec<String>,
    /// Extra marketplaces and shops (Organic Shopping, Paid Shopping).
    pub shopping: Vec<String>,
    /// Extra video platforms (Organic Video, Paid Video).
    pub video: Vec<String>,
    /// Extra AI assistants (channel "AI Assistants").
    pub ai_assistants: Vec<String>,
    /// Extra webmail hosts: referrers from them get medium "email" (channel Email).
    pub email: Vec<String>,
    /// Hosts that are plain referrals although a broader list entry matches them, e.g.
    /// `"sites.google.com"` against `google.*`.
    pub referral: Vec<String>,
    /// Hosts (with their subdomains) whose referrals neither start a session nor count as a
    /// source: payment gateways, sign-in pages, your other domains. Added to the built-in list
    /// of payment gateways and sign-in providers. Plain hosts only, e.g. `"pay.example.com"`.
    pub referral_exclusions: Vec<String>,
    /// Custom channel rules, applied in order; see [`ChannelRuleConfig`].
    pub rules: Vec<ChannelRuleConfig>,
}

/// One `[[channels.rules]]` entry: a channel `name`, match conditions and a placement.
///
/// A rule takes a session when every condition it sets holds (at least one must be set).
/// Sources and media are compared lowercase; campaigns ignore case. The session's source is
/// the utm_source, the ad network of a click id, the `ref` parameter or the referrer host
/// (for listed hosts their short name, e.g. `facebook`).
///
/// Placement, at most one of `before`, `after`, `replace`, naming a channel (built-in or an
/// earlier custom rule, case ignored): the new rule goes before or after that channel's first
/// rule, or takes its place (the replaced channel is gone unless `name` repeats it).
/// Without one, custom rules go first, in file order, ahead of "Direct". Several rules may share
/// a name to give a channel more conditions.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelRuleConfig {
    /// Channel the rule assigns, e.g. `"Partners"`.
    pub name: String,
    /// Place the rule just before this channel's rule, e.g. `"Paid Search"`.
    /// `"Unassigned"` puts it last.
    pub before: Option<String>,
    /// Place the rule just after this channel's rule.
    pub after: Option<String>,
    /// Put the rule in place of this channel's rule, e.g. `"Referral"`.
    pub replace: Option<String>,

    /// Source is exactly this, e.g. `"newsletter"`.
    pub source: Option<String>,
    /// Source is one of these.
    pub source_in: Option<Vec<String>>,
    /// Source contains this text.
    pub source_contains: Option<String>,
    /// Source is this host or one of its subdomains, e.g. `"partner.example"` takes referrals
    /// from `blog.partner.example`.
    pub source_domain: Option<String>,
    /// Source is in this list: `"search"`, `"social"`, `"shopping"`, `"video"`,
    /// `"ai_assistants"`, `"email"` or `"referral"`.
    pub source_category: Option<Category>,
    /// Medium is exactly this, e.g. `"newsletter"`.
    pub medium: Option<String>,
    /// Medium is one of these.
    pub medium_in: Option<Vec<String>>,
    /// Medium contains this text.
    pub medium_contains: Option<String>,
    /// Medium starts with this text (the `^text.*` of a GA4 regex).
    pub medium_prefix: Option<String>,
    /// Medium ends with this text (the `.*text$` of a GA4 regex).
    pub medium_suffix: Option<String>,
    /// `true`: the medium is paid by GA4's pattern `^(.*cp.*|ppc|retargeting|paid.*)$` (or is
    /// unset and an ad click id is present); `false`: it is not.
    pub medium_paid: Option<bool>,
    /// Campaign name is exactly this (case ignored).
    pub campaign: Option<String>,
    /// Campaign name contains this text (case ignored).
    pub campaign_contains: Option<String>,
    /// The landing page carried one of these ad click ids: `"gclid"`, `"gbraid"`, `"wbraid"`,
    /// `"dclid"`, `"msclkid"`, `"fbclid"`, `"ttclid"`, `"li_fat_id"`, `"twclid"`.
    pub click_id_in: Option<Vec<String>>,
    /// `true`: the landing page carried any ad click id; `false`: none.
    pub has_click_id: Option<bool>,
}

/// A `[channels]` table that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ChannelConfigError {
    #[error("channels.{list}: {entry:?}: {reason}")]
    InvalidSource {
        list: &'static str,
        entry: String,
        reason: &'static str,
    },
    #[error("channels.referral_exclusions: {entry:?} is not a host name: {reason}")]
    InvalidExclusion { entry: String, reason: &'static str },
    #[error("channels.rules[{index}]: `name` is empty")]
    EmptyName { index: usize },
    #[error("channels.rules[{index}] ({name:?}): no match condition; such a rule would take every session")]
    NoConditions { index: usize, name: String },
    #[error("channels.rules[{index}] ({name:?}): `{field}`: {reason}")]
    InvalidCondition {
        index: usize,
        name: String,
        field: &'static str,
        reason: &'static str,
    },
    #[error("channels.rules[{index}] ({name:?}): set at most one of `before`, `after` and `replace`")]
    ConflictingPlacement { index: usize, name: String },
    #[error(
        "channels.rules[{index}] ({name:?}): `{placement} = {target:?}`: no such channel; channels so far: {known}"
    )]
    UnknownTarget {
        index: usize,
        name: String,
        placement: &'static str,
        target: String,
        known: String,
    },
    #[error("channels.rules[{index}] ({name:?}): \"Unassigned\" is the fallback, not a rule: use `before = \"Unassigned\"` to add a rule at the end")]
    PlacedAfterFallback { index: usize, name: String },
}

/// The ad click ids the collector reports.
pub(crate) const CLICK_ID_KINDS: [&str; 9] = [
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

impl ChannelsConfig {
    /// The extra entries per list, parsed.
    pub(crate) fn list_entries(&self) -> Result<Vec<(Category, super::categories::ListEntry)>, ChannelConfigError> {
        let lists = [
            (Category::Search, &self.search),
            (Category::Social, &self.social),
            (Category::Shopping, &self.shopping),
            (Category::Video, &self.video),
            (Category::AiAssistants, &self.ai_assistants),
            (Category::Email, &self.email),
            (Category::Referral, &self.referral),
        ];
        let mut out = Vec::new();
        for (category, entries) in lists {
            for entry in entries {
                let invalid = |reason| ChannelConfigError::InvalidSource {
                    list: category.key(),
                    entry: entry.clone(),
                    reason,
                };
                if entry.contains('#') {
                    return Err(invalid("`#` is not allowed in a source"));
                }
                match parse_entry(entry) {
                    Ok(Some(parsed)) => out.push((category, parsed)),
                    Ok(None) => return Err(invalid("empty source")),
                    Err(reason) => return Err(invalid(reason)),
                }
            }
        }
        Ok(out)
    }

    /// The extra referral exclusions, lowercase and `www.`-less.
    pub(crate) fn exclusions(&self) -> Result<Vec<Box<str>>, ChannelConfigError> {
        self.referral_exclusions
            .iter()
            .map(|entry| {
                let invalid = |reason| ChannelConfigError::InvalidExclusion {
                    entry: entry.clone(),
                    reason,
                };
                let host = entry.trim().to_ascii_lowercase();
                if host.contains("://") || host.contains('/') {
                    return Err(invalid("write the host alone, without scheme or path"));
                }
                let host = host.strip_prefix("www.").unwrap_or(&host);
                let valid = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-';
                if host.is_empty() || !host.bytes().all(valid) || host.starts_with('.') || host.ends_with('.') {
                    return Err(invalid("use letters, digits, `-` and `.` only"));
                }
                if !host.contains('.') {
                    return Err(invalid("a host has at least one dot"));
                }
                Ok(host.into())
            })
            .collect()
    }
}

/// Where a custom rule goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Placement<'a> {
    First,
    Before(&'a str),
    After(&'a str),
    Replace(&'a str),
}

impl ChannelRuleConfig {
    pub(crate) fn placement(&self, index: usize) -> Result<Placement<'_>, ChannelConfigError> {
        let set = [
            self.before.as_deref().map(Placement::Before),
            self.after.as_deref().map(Placement::After),
            self.replace.as_deref().map(Placement::Replace),
        ];
        let mut chosen = set.into_iter().flatten();
        let placement = chosen.next().unwrap_or(Placement::First);
        if chosen.next().is_some() {
            return Err(ChannelConfigError::ConflictingPlacement {
                index,
                name: self.name.clone(),
            });
        }
        let fallback = |target: &str| target.trim().eq_ignore_ascii_case(UNASSIGNED);
        match placement {
            Placement::After(t) | Placement::Replace(t) if fallback(t) => {
                Err(ChannelConfigError::PlacedAfterFallback {
                    index,
                    name: self.name.clone(),
                })
            }
            other => Ok(other),
        }
    }

    /// The compiled conditions.
    pub(crate) fn conditions(&self, index: usize) -> Result<CustomMatch, ChannelConfigError> {
        let invalid = |field, reason| ChannelConfigError::InvalidCondition {
            index,
            name: self.name.clone(),
            field,
            reason,
        };
        let text = |field: &'static str, value: &Option<String>| -> Result<Option<Box<str>>, ChannelConfigError> {
            match value.as_deref().map(str::trim) {
                None => Ok(None),
                Some("") => Err(invalid(field, "empty text")),
                Some(v) => Ok(Some(v.to_lowercase().into_boxed_str())),
            }
        };
        let set = |field: &'static str,
                   values: &Option<Vec<String>>|
         -> Result<Option<FxHashSet<Box<str>>>, ChannelConfigError> {
            let Some(values) = values else {
                return Ok(None);
            };
            if values.is_empty() {
                return Err(invalid(field, "empty list: it would match nothing"));
            }
            values
                .iter()
                .map(|v| match v.trim() {
                    "" => Err(invalid(field, "empty text in the list")),
                    v => Ok(v.to_lowercase().into_boxed_str()),
                })
                .collect::<Result<FxHashSet<_>, _>>()
                .map(Some)
        };
        let click_id_in = set("click_id_in", &self.click_id_in)?;
        if let Some(kinds) = &click_id_in {
            if kinds.iter().any(|k| !CLICK_ID_KINDS.contains(&&**k)) {
                return Err(invalid(
                    "click_id_in",
                    "unknown click id; known: gclid, gbraid, wbraid, dclid, msclkid, fbclid, ttclid, li_fat_id, twclid",
                ));
            }
        }
        let source_domain = text("source_domain", &self.source_domain)?;
        if let Some(domain) = &source_domain {
            if domain.contains('/') || domain.contains(':') {
                return Err(invalid("source_domain", "write the host alone, without scheme or path"));
            }
        }
        let conditions = CustomMatch {
            source: text("source", &self.source)?,
            source_in: set("source_in", &self.source_in)?,
            source_contains: text("source_contains", &self.source_contains)?,
            source_domain: source_domain.map(|d| d.strip_prefix("www.").map(Box::from).unwrap_or(d)),
            source_category: self.source_category,
            medium: text("medium", &self.medium)?,
            medium_in: set("medium_in", &self.medium_in)?,
            medium_contains: text("medium_contains", &self.medium_contains)?,
            medium_prefix: text("medium_prefix", &self.medium_prefix)?,
            medium_suffix: text("medium_suffix", &self.medium_suffix)?,
            medium_paid: self.medium_paid,
            campaign: text("campaign", &self.campaign)?,
            campaign_contains: text("campaign_contains", &self.campaign_contains)?,
            click_id_in,
            has_click_id: self.has_click_id,
        };
        if conditions.is_empty() {
            return Err(ChannelConfigError::NoConditions {
                index,
                name: self.name.clone(),
            });
        }
        Ok(conditions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<ChannelsConfig, toml::de::Error> {
        #[derive(Deserialize)]
        struct File {
            channels: ChannelsConfig,
        }
        toml::from_str::<File>(text).map(|f| f.channels)
    }

    #[test]
    fn full_table_parses() {
        let cfg = parse(
            r#"
            [channels]
            search = ["kagi.com = kagi", "kagi"]
            social = ["mastodon.example"]
            shopping = ["shop.example"]
            video = ["peertube.example"]
            ai_assistants = ["chat.example"]
            email = ["webmail.example"]
            referral = ["sites.google.com"]
            referral_exclusions = ["pay.example.com"]

            [[channels.rules]]
            name = "Partners"
            source_domain = "partner.example"
            before = "Referral"

            [[channels.rules]]
            name = "Paid AI"
            source_category = "ai_assistants"
            medium_paid = true
            "#,
        )
        .expect("valid table");
        assert_eq!(cfg.search, ["kagi.com = kagi", "kagi"]);
        assert_eq!(cfg.rules.len(), 2);
        assert_eq!(cfg.rules[1].source_category, Some(Category::AiAssistants));
        assert_eq!(cfg.rules[0].placement(0).ok(), Some(Placement::Before("Referral")));
        assert_eq!(cfg.rules[1].placement(1).ok(), Some(Placement::First));
        assert_eq!(cfg.list_entries().map(|e| e.len()).ok(), Some(8));
        assert_eq!(cfg.exclusions().ok(), Some(vec![Box::from("pay.example.com")]));
        assert!(parse("[channels]").is_ok());
    }

    #[test]
    fn toml_errors() {
        let cases = [
            "[channels]\nsearchs = [\"kagi.com\"]",
            "[channels]\nsearch = \"kagi.com\"",
            "[[channels.rules]]\nsource = \"x\"",
            "[[channels.rules]]\nname = \"X\"\nsorce = \"x\"",
            "[[channels.rules]]\nname = \"X\"\nsource_category = \"news\"",
        ];
        for text in cases {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn list_and_exclusion_errors() {
        let list = |entry: &str| ChannelsConfig {
            social: vec![entry.to_owned()],
            ..Default::default()
        };
        for entry in [
            "",
            "  ",
            "https://mastodon.example",
            "*.example",
            "a.b.*",
            "x # y",
            "x =",
        ] {
            let err = list(entry).list_entries().err();
            assert!(
                matches!(err, Some(ChannelConfigError::InvalidSource { list: "social", .. })),
                "{entry:?}"
            );
        }
        let exclusion = |entry: &str| ChannelsConfig {
            referral_exclusions: vec![entry.to_owned()],
            ..Default::default()
        };
        for entry in [
            "",
            "https://pay.example.com",
            "pay.example.com/checkout",
            "localhost",
            "pay example.com",
            ".example.com",
        ] {
            let err = exclusion(entry).exclusions().err();
            assert!(
                matches!(err, Some(ChannelConfigError::InvalidExclusion { .. })),
                "{entry:?}"
            );
        }
        assert_eq!(
            exclusion(" WWW.Pay.Example.com ").exclusions().ok(),
            Some(vec![Box::from("pay.example.com")])
        );
    }

    #[test]
    fn rule_errors() {
        let rule = |patch: fn(&mut ChannelRuleConfig)| {
            let mut rule = ChannelRuleConfig {
                name: "X".to_owned(),
                source: Some("x".to_owned()),
                ..Default::default()
            };
            patch(&mut rule);
            rule
        };
        type Patch = fn(&mut ChannelRuleConfig);
        let placement_errors: [Patch; 3] = [
            |r| (r.before, r.replace) = (Some("Referral".into()), Some("Email".into())),
            |r| r.after = Some("unassigned".into()),
            |r| r.replace = Some("Unassigned".into()),
        ];
        for patch in placement_errors {
            assert!(rule(patch).placement(0).is_err());
        }
        assert_eq!(
            rule(|r| r.before = Some("Unassigned".into())).placement(0).ok(),
            Some(Placement::Before("Unassigned"))
        );

        let condition_errors: [(Patch, &str); 7] = [
            (|r| r.source = None, "NoConditions"),
            (|r| r.source = Some(" ".into()), "source"),
            (|r| r.source_in = Some(vec![]), "source_in"),
            (|r| r.medium_in = Some(vec!["cpc".into(), "".into()]), "medium_in"),
            (|r| r.click_id_in = Some(vec!["yclid".into()]), "click_id_in"),
            (
                |r| r.source_domain = Some("https://partner.example".into()),
                "source_domain",
            ),
            (|r| r.campaign_contains = Some(String::new()), "campaign_contains"),
        ];
        for (patch, expected) in condition_errors {
            match rule(patch).conditions(3) {
                Err(ChannelConfigError::NoConditions { index: 3, .. }) => {
                    assert_eq!(expected, "NoConditions")
                }
                Err(ChannelConfigError::InvalidCondition { index: 3, field, .. }) => assert_eq!(field, expected),
                other => panic!("{expected}: {other:?}"),
            }
        }
        let ok = rule(|r| {
            r.source_domain = Some("WWW.Partner.Example".into());
            r.click_id_in = Some(vec!["GCLID".into()]);
        })
        .conditions(0)
        .expect("valid rule");
        assert_eq!(ok.source_domain.as_deref(), Some("partner.example"));
        assert_eq!(ok.source.as_deref(), Some("x"));
    }

    #[test]
    fn error_messages_name_the_place() {
        let err = ChannelConfigError::UnknownTarget {
            index: 1,
            name: "Partners".into(),
            placement: "before",
            target: "Refferal".into(),
            known: "Direct, Referral".into(),
        };
        assert_eq!(
            err.to_string(),
            "channels.rules[1] (\"Partners\"): `before = \"Refferal\"`: no such channel; channels so far: Direct, Referral"
        );
    }
}
