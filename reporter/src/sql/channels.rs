//! Attribution and channel rules as SQL, rendered from the `ChannelRules` a run builds from the
//! config (built-in rules in order, custom rules where the config places them). Every built-in
//! rule and every custom condition has its counterpart here in an exhaustive `match`, so a new
//! rule or condition does not compile until it has one.

use super::dialect::Dialect;
use super::sources::{list_views, lookup_view, values};
use super::Views;
use crate::channels::attribution::{click_id_source, DIRECT_MEDIUM, DIRECT_SOURCE, NOT_SET};
use crate::channels::config::CLICK_ID_KINDS;
use crate::channels::rules::{
    Builtin, Condition, CustomMatch, Rule, DISPLAY_MEDIA, EMAIL_NAMES, REFERRAL_MEDIA, SOCIAL_MEDIA,
};
use crate::channels::{Category, ChannelRules, UNASSIGNED};

/// `x IN (…)` over literals; false for an empty set.
fn in_list<'a>(d: Dialect, x: &str, items: impl IntoIterator<Item = &'a str>) -> String {
    let mut items: Vec<&str> = items.into_iter().collect();
    items.sort_unstable();
    if items.is_empty() {
        return "FALSE".into();
    }
    let lits: Vec<String> = items.iter().map(|s| d.lit(s)).collect();
    format!("{x} IN ({})", lits.join(", "))
}

/// `host` is `domain` or a subdomain of it, ASCII case ignored (`rules::is_same_or_subdomain`).
fn within(host: &str, domain: &str) -> String {
    format!(
        "(length({domain}) > 0 AND length({host}) >= length({domain}) AND lower(right({host}, length({domain}))) = lower({domain}) \
         AND (length({host}) = length({domain}) OR substring({host}, length({host}) - length({domain}), 1) = '.'))"
    )
}

/// A host as compared for internal referrers (`attribution::bare_host`): no port, no trailing
/// dot, no leading `www.`.
fn bare_host(d: Dialect, h: &str) -> String {
    let t = format!("trim({h})");
    let no_port = format!(
        "CASE WHEN {} THEN regexp_extract({t}, '^([^:]*)', 1) ELSE {t} END",
        d.regex(&t, "^[^:]*:[0-9]*$")
    );
    let no_dot =
        format!("CASE WHEN right({no_port}, 1) = '.' THEN left({no_port}, length({no_port}) - 1) ELSE {no_port} END");
    format!("CASE WHEN lower(left({no_dot}, 4)) = 'www.' THEN substring({no_dot}, 5) ELSE {no_dot} END")
}

fn category(c: Category, d: Dialect) -> String {
    format!("category = {}", d.lit(c.key()))
}

/// The SQL of a built-in rule over the facts columns `fs` (source), `fm` (medium), `campaign`,
/// `category`, `click` and `paid` (`rules::Facts`).
fn builtin_sql(d: Dialect, b: Builtin) -> String {
    use Category::{AiAssistants, Search, Shopping, Social, Video};
    let shopping = format!(
        "({} OR {})",
        category(Shopping, d),
        d.regex("lower(campaign)", "(^|[^a-df-z])shop|shopping")
    );
    match b {
        Builtin::Direct => format!(
            "fs = {} AND fm IN ({}, {})",
            d.lit(DIRECT_SOURCE),
            d.lit(NOT_SET),
            d.lit(DIRECT_MEDIUM)
        ),
        Builtin::CrossNetwork => "instr(lower(campaign), 'cross-network') > 0".into(),
        Builtin::PaidShopping => format!("{shopping} AND paid"),
        Builtin::PaidSearch => format!("{} AND paid", category(Search, d)),
        Builtin::PaidSocial => format!("{} AND paid", category(Social, d)),
        Builtin::PaidVideo => format!("{} AND paid", category(Video, d)),
        Builtin::Display => in_list(d, "fm", DISPLAY_MEDIA),
        Builtin::PaidOther => "paid".into(),
        Builtin::AiAssistants => format!("{} AND NOT paid", category(AiAssistants, d)),
        Builtin::OrganicShopping => shopping,
        Builtin::OrganicSocial => format!("({} OR {})", category(Social, d), in_list(d, "fm", SOCIAL_MEDIA)),
        Builtin::OrganicVideo => format!("({} OR instr(fm, 'video') > 0)", category(Video, d)),
        Builtin::OrganicSearch => format!("({} OR fm = 'organic')", category(Search, d)),
        Builtin::Referral => in_list(d, "fm", REFERRAL_MEDIA),
        Builtin::Email => format!(
            "({} OR {})",
            in_list(d, "fs", EMAIL_NAMES),
            in_list(d, "fm", EMAIL_NAMES)
        ),
        Builtin::Affiliates => "fm = 'affiliate'".into(),
        Builtin::Audio => "fm = 'audio'".into(),
        Builtin::Sms => "(fs = 'sms' OR fm = 'sms')".into(),
        Builtin::MobilePush => {
            "(right(fm, 4) = 'push' OR instr(fm, 'mobile') > 0 OR instr(fm, 'notification') > 0 OR fs = 'firebase')"
                .into()
        }
    }
}

/// The SQL of a custom rule: every condition it sets.
fn custom_sql(d: Dialect, m: &CustomMatch) -> String {
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
    } = m;
    let mut parts = Vec::new();
    if let Some(s) = source {
        parts.push(format!("fs = {}", d.lit(s)));
    }
    if let Some(set) = source_in {
        parts.push(in_list(d, "fs", set.iter().map(|s| &**s)));
    }
    if let Some(s) = source_contains {
        parts.push(format!("instr(fs, {}) > 0", d.lit(s)));
    }
    if let Some(s) = source_domain {
        parts.push(within("fs", &d.lit(s)));
    }
    if let Some(c) = source_category {
        parts.push(format!("coalesce({}, FALSE)", category(*c, d)));
    }
    if let Some(s) = medium {
        parts.push(format!("fm = {}", d.lit(s)));
    }
    if let Some(set) = medium_in {
        parts.push(in_list(d, "fm", set.iter().map(|s| &**s)));
    }
    if let Some(s) = medium_contains {
        parts.push(format!("instr(fm, {}) > 0", d.lit(s)));
    }
    if let Some(s) = medium_prefix {
        parts.push(format!("left(fm, {}) = {}", s.chars().count(), d.lit(s)));
    }
    if let Some(s) = medium_suffix {
        parts.push(format!("right(fm, {}) = {}", s.chars().count(), d.lit(s)));
    }
    if let Some(paid) = medium_paid {
        parts.push(format!("paid = {paid}"));
    }
    if let Some(c) = campaign {
        parts.push(format!("lower(trim(campaign)) = {}", d.lit(c)));
    }
    if let Some(c) = campaign_contains {
        parts.push(format!("instr(lower(campaign), {}) > 0", d.lit(c)));
    }
    if let Some(set) = click_id_in {
        parts.push(format!(
            "coalesce({}, FALSE)",
            in_list(d, "click", set.iter().map(|s| &**s))
        ));
    }
    if let Some(has) = has_click_id {
        parts.push(format!("(click IS NOT NULL) = {has}"));
    }
    if parts.is_empty() {
        "FALSE".into()
    } else {
        parts.join(" AND ")
    }
}

fn rule_sql(d: Dialect, rule: &Rule) -> String {
    match &rule.condition {
        Condition::Builtin(b) => builtin_sql(d, *b),
        Condition::Custom(m) => custom_sql(d, m),
    }
}

/// The channel of the facts columns: the first rule that holds, else "Unassigned".
fn classify_sql(d: Dialect, rules: &[Rule]) -> String {
    let mut out = String::from("CASE");
    for rule in rules {
        out.push_str(&format!(
            "\n    WHEN coalesce({}, FALSE) THEN {}",
            rule_sql(d, rule),
            d.lit(&rule.name)
        ));
    }
    out.push_str(&format!("\n    ELSE {} END", d.lit(UNASSIGNED)));
    out
}

/// GA4's paid-medium test (`rules::is_paid_medium`) on the column `fm`.
const PAID_MEDIUM: &str = "(instr(fm, 'cp') > 0 OR fm = 'ppc' OR fm = 'retargeting' OR left(fm, 4) = 'paid')";

/// Views from `hf_touches` (the distinct touches of pageviews: `url_host`, `referrer_host`,
/// `utm_source`, `utm_medium`, `utm_campaign`, `ref_param`, `click_id_kind`, all non-NULL) to
/// `hf_touch_channels`: those columns plus `source`, `medium`, `campaign`, `channel`, `direct`.
pub(super) fn channel_views(d: Dialect, rules: &ChannelRules, views: &mut Views) {
    let (index, exclusions, rule_list) = rules.parts();
    list_views(d, index, views);
    let rows: Vec<Vec<String>> = exclusions.iter().map(|h| vec![d.lit(h)]).collect();
    let mut rows = rows;
    rows.sort();
    views.add(
        "hf_exclusions",
        format!("SELECT * FROM {}", values(d, "t", &[("host", "STRING")], &rows)),
    );
    let rows: Vec<Vec<String>> = CLICK_ID_KINDS
        .iter()
        .filter_map(|k| click_id_source(k).map(|(s, m)| vec![d.lit(k), d.lit(s), d.lit(m)]))
        .collect();
    views.add(
        "hf_click_ids",
        format!(
            "SELECT * FROM {}",
            values(
                d,
                "t",
                &[("kind", "STRING"), ("source", "STRING"), ("medium", "STRING")],
                &rows
            )
        ),
    );
    // The touch's raw values, trimmed, and the referrer as compared.
    views.add(
        "hf_touch_fields",
        format!(
            "SELECT *, trim(utm_source) AS us, trim(utm_medium) AS um, trim(utm_campaign) AS uc,
  trim(ref_param) AS rp, trim(click_id_kind) AS ck, trim(referrer_host) AS rh,
  lower({ref_bare}) AS ref_key, {bare_ref} AS ref_bare_host, {bare_site} AS site_bare_host,
  lower({bare_ref}) AS referrer_key
FROM hf_touches",
            ref_bare = "CASE WHEN left(lower(trim(ref_param)), 4) = 'www.' THEN substring(lower(trim(ref_param)), 5) ELSE lower(trim(ref_param)) END",
            bare_ref = bare_host(d, "referrer_host"),
            bare_site = bare_host(d, "url_host"),
        ),
    );
    // Internal referrers: the site itself (or a parent or subdomain), or an excluded host and
    // its subdomains (`attribution::is_internal_referrer`).
    views.add(
        "hf_excluded_referrers",
        "SELECT DISTINCT t.referrer_key FROM (SELECT DISTINCT referrer_key FROM hf_touch_fields) t
  JOIN hf_exclusions e ON t.referrer_key = e.host
    OR (instr(e.host, '.') > 0 AND right(t.referrer_key, length(e.host) + 1) = concat('.', e.host))"
            .into(),
    );
    views.add(
        "hf_lookup_keys_1",
        "SELECT ref_key AS key FROM hf_touch_fields UNION SELECT referrer_key AS key FROM hf_touch_fields".into(),
    );
    lookup_view(d, "hf_lookup_keys_1", "hf_match_1", views);
    views.add(
        "hf_touch_attribution",
        format!(
            "SELECT t.url_host, t.referrer_host, t.utm_source, t.utm_medium, t.utm_campaign, t.ref_param, t.click_id_kind,
  t.uc AS campaign,
  CASE
    WHEN t.us <> '' OR t.um <> '' THEN CASE WHEN t.us <> '' THEN lower(t.us) ELSE {not_set} END
    WHEN c.kind IS NOT NULL THEN c.source
    WHEN t.rp <> '' THEN coalesce(mr.canonical, t.ref_key)
    WHEN t.rh <> '' AND NOT internal THEN coalesce(mh.canonical, t.referrer_key)
    ELSE {direct_source} END AS source,
  CASE
    WHEN t.us <> '' OR t.um <> '' THEN CASE WHEN t.um <> '' THEN lower(t.um) ELSE {not_set} END
    WHEN c.kind IS NOT NULL THEN c.medium
    WHEN t.rp <> '' THEN 'referral'
    WHEN t.rh <> '' AND NOT internal THEN CASE mh.category WHEN 'search' THEN 'organic' WHEN 'email' THEN 'email' ELSE 'referral' END
    ELSE {direct_medium} END AS medium
FROM (
  SELECT f.*, (f.ref_bare_host <> '' AND (
      (f.site_bare_host <> '' AND ({w1} OR {w2})) OR x.referrer_key IS NOT NULL)) AS internal
  FROM hf_touch_fields f LEFT JOIN hf_excluded_referrers x ON x.referrer_key = f.referrer_key
) t
LEFT JOIN hf_click_ids c ON c.kind = t.ck
LEFT JOIN hf_match_1 mr ON mr.key = t.ref_key
LEFT JOIN hf_match_1 mh ON mh.key = t.referrer_key",
            not_set = d.lit(NOT_SET),
            direct_source = d.lit(DIRECT_SOURCE),
            direct_medium = d.lit(DIRECT_MEDIUM),
            w1 = within("f.ref_bare_host", "f.site_bare_host"),
            w2 = within("f.site_bare_host", "f.ref_bare_host"),
        ),
    );
    views.add(
        "hf_lookup_keys_2",
        "SELECT DISTINCT lower(trim(source)) AS key FROM hf_touch_attribution".into(),
    );
    lookup_view(d, "hf_lookup_keys_2", "hf_match_2", views);
    views.add(
        "hf_touch_channels",
        format!(
            "SELECT url_host, referrer_host, utm_source, utm_medium, utm_campaign, ref_param, click_id_kind,
  source, medium, campaign, source = {direct} AS direct,
  {classify} AS channel
FROM (
  SELECT a.*, m.category, lower(trim(a.source)) AS fs, lower(trim(a.medium)) AS fm,
    CASE WHEN trim(a.click_id_kind) <> '' THEN trim(a.click_id_kind) END AS click,
    ({paid} OR (lower(trim(a.medium)) IN ('', {not_set}, {none}) AND trim(a.click_id_kind) <> '')) AS paid
  FROM hf_touch_attribution a
  LEFT JOIN hf_match_2 m ON m.key = lower(trim(a.source))
)",
            direct = d.lit(DIRECT_SOURCE),
            classify = classify_sql(d, rule_list),
            paid = PAID_MEDIUM,
            not_set = d.lit(NOT_SET),
            none = d.lit(DIRECT_MEDIUM),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_has_sql() {
        for b in Builtin::ORDER {
            let sql = builtin_sql(Dialect::Duckdb, b);
            assert!(!sql.is_empty(), "{}", b.name());
        }
        // Spot checks of the translation.
        assert_eq!(builtin_sql(Dialect::Duckdb, Builtin::Audio), "fm = 'audio'");
        assert!(builtin_sql(Dialect::Spark, Builtin::PaidShopping).contains("RLIKE"));
    }

    #[test]
    fn rules_render_in_the_order_of_the_config() {
        let config: crate::config::Config = crate::config::Config::parse(
            r#"
            [[channels.rules]]
            name = "Partners"
            source_domain = "partner.example"
            before = "Referral"
            [[channels.rules]]
            name = "Newsletter"
            medium_in = ["newsletter"]
            "#,
        )
        .unwrap();
        let rules = ChannelRules::from_config(&config.channels).unwrap();
        let (_, _, list) = rules.parts();
        let sql = classify_sql(Dialect::Duckdb, list);
        let pos = |s: &str| sql.find(s).unwrap_or_else(|| panic!("{s} missing"));
        assert!(pos("'Newsletter'") < pos("'Direct'"));
        assert!(pos("'Organic Search'") < pos("'Partners'"));
        assert!(pos("'Partners'") < pos("THEN 'Referral'"));
        assert!(sql.ends_with("ELSE 'Unassigned' END"));
    }
}
