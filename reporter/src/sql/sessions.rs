//! The session rules as SQL window expressions over one visitor's hits of one UTC day (visitor
//! ids rotate at UTC midnight, so that is one visitor's day).
//!
//! `sessionize` walks the hits in order and keeps state; here every rule is a condition on a
//! hit and its predecessor, except the source change, whose state (the latest pageview that
//! named a source in the current session) is recovered with windows: splits by the other rules
//! are known without it, and inside such a stretch a session can only be split at a pageview
//! naming a source, so the latest such pageview before a hit is in the hit's session.
//!
//! `max_length_hours` of 24 or more never splits a UTC day; a shorter maximum needs a
//! sequential walk (a recursive query) and is refused.

use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE};

use super::dialect::Dialect;
use super::{goals, per_site, SqlError, Views};
use crate::config::{Config, SessionConfig};
use crate::sessions::session::EndReason;

/// Refuses the rules the SQL cannot reproduce exactly.
pub(super) fn check(rules: &SessionConfig) -> Result<(), SqlError> {
    if i64::from(rules.max_length_hours) * MS_PER_HOUR < MS_PER_DAY {
        return Err(SqlError::Unsupported(format!(
            "sessions.max_length_hours = {} cannot be expressed exactly in SQL: a maximum length \
             shorter than a day splits a visitor's day sequentially (each cut depends on the \
             previous one), which needs a recursive query; use 24 or more, or `reporter run`",
            rules.max_length_hours
        )));
    }
    Ok(())
}

/// Order of a visitor's hits (`Row::order_key` within a group).
const ORDER: &str = "ts_ms, hit_id";
/// One visitor's day (`Row::group_key` and the UTC day).
const GROUP: &str = "site, is_bot, visitor_id, utc_day";

/// The condition under which a hit (not a beacon, not the first of its group) ends the session
/// before it for `reason`, over the columns of `hf_seq`. `None`: the rule is off.
fn split_condition(reason: EndReason, rules: &SessionConfig) -> Option<String> {
    let timeout_ms = i64::from(rules.inactivity_timeout_minutes) * MS_PER_MINUTE;
    match reason {
        EndReason::Inactivity => Some(format!("ts_ms - prev_ts > {timeout_ms}")),
        // Checked by `check`: never reached within a UTC day.
        EndReason::MaxLength => None,
        EndReason::Midnight => rules
            .split_at_midnight
            .then(|| "local_day <> prev_local_day".to_owned()),
        EndReason::SourceChange => rules.split_on_source_change.then(|| "new_source".to_owned()),
        EndReason::BrowserClose => rules.split_on_browser_close.then(|| "entry".to_owned()),
    }
}

/// The reason a hit starts a new session, first rule first (`sessionize`'s order).
fn reason_case(d: Dialect, rules: &SessionConfig) -> String {
    let mut out = String::from("CASE WHEN rn = 1 OR is_beacon THEN NULL");
    for reason in EndReason::ALL {
        if let Some(condition) = split_condition(reason, rules) {
            out.push_str(&format!(" WHEN {condition} THEN {}", d.lit(reason.as_str())));
        }
    }
    out.push_str(" END");
    out
}

/// Views from `hf_unique` and `hf_touch_channels` to `hf_session_facts`: one row per session
/// with a pageview (bots' too), its facts and `end_reason`.
pub(super) fn session_views(d: Dialect, config: &Config, views: &mut Views) {
    let rules = &config.sessions;
    let window = format!("PARTITION BY {GROUP} ORDER BY {ORDER}");
    let local_day = |ts: &str| {
        per_site(d, config, "site", |tz| {
            format!(
                "CAST(floor({} / {MS_PER_DAY}) AS BIGINT)",
                d.local_ms(&d.timestamp_ms(ts), tz)
            )
        })
    };
    let attr_key = ["source", "medium", "campaign", "utm_term", "utm_content"]
        .iter()
        .map(|c| format!("CAST(length({c}) AS STRING), ':', {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    // Hits with their pageview's attribution; beacons before a visitor's first other hit
    // belong to a page seen under yesterday's id and start nothing.
    views.add(
        "hf_seq0",
        format!(
            "SELECT * FROM (
  SELECT h.*, c.source, c.medium, c.campaign, c.channel, coalesce(c.direct, TRUE) AS direct,
    h.event = {pageview} AS is_pv, h.event = {beacon} AS is_beacon,
    concat({attr_key}) AS attr_key,
    sum(CASE WHEN h.event <> {beacon} THEN 1 ELSE 0 END) OVER (PARTITION BY {GROUP} ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS others_so_far
  FROM hf_unique h LEFT JOIN hf_touch_channels c
    ON h.event = {pageview} AND c.url_host = h.url_host AND c.referrer_host = h.referrer_host
    AND c.utm_source = h.utm_source AND c.utm_medium = h.utm_medium AND c.utm_campaign = h.utm_campaign
    AND c.ref_param = h.ref_param AND c.click_id_kind = h.click_id_kind
) WHERE others_so_far > 0",
            pageview = d.lit(hitflow_schema::EVENT_PAGEVIEW),
            beacon = d.lit(hitflow_schema::EVENT_ENGAGEMENT),
        ),
    );
    views.add(
        "hf_seq1",
        format!(
            "SELECT *, {local_day} AS local_day, {prev_local_day} AS prev_local_day,
  is_pv AND NOT direct AS nd_pv
FROM (SELECT *, row_number() OVER ({window}) AS rn, lag(ts_ms) OVER ({window}) AS prev_ts FROM hf_seq0)",
            local_day = local_day("ts_ms"),
            prev_local_day = local_day("prev_ts"),
        ),
    );
    // Stretches split by every rule but the source change (`seg`).
    let hard: Vec<String> = [EndReason::Inactivity, EndReason::Midnight]
        .into_iter()
        .filter_map(|r| split_condition(r, rules))
        .collect();
    let hard = if hard.is_empty() {
        "FALSE".to_owned()
    } else {
        hard.join(" OR ")
    };
    let browser_close = split_condition(EndReason::BrowserClose, rules).unwrap_or_else(|| "FALSE".into());
    views.add(
        "hf_seq2",
        format!(
            "SELECT *, sum(CASE WHEN hard OR closed THEN 1 ELSE 0 END) OVER ({window} ROWS UNBOUNDED PRECEDING) AS seg
FROM (SELECT *, coalesce(rn > 1 AND NOT is_beacon AND ({hard}), FALSE) AS hard,
  coalesce(rn > 1 AND NOT is_beacon AND ({browser_close}), FALSE) AS closed FROM hf_seq1)"
        ),
    );
    let before = format!("OVER ({window} ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)");
    views.add(
        "hf_seq3",
        format!(
            "SELECT *, {last_nd_seg} {before} AS last_nd_seg, {last_nd_key} {before} AS last_nd_key,
  {last_pv_seg} {before} AS last_pv_seg,
  seg - CASE WHEN closed AND NOT hard THEN 1 ELSE 0 END AS ctx
FROM hf_seq2",
            last_nd_seg = d.last_non_null("CASE WHEN nd_pv THEN seg END"),
            last_nd_key = d.last_non_null("CASE WHEN nd_pv THEN attr_key END"),
            last_pv_seg = d.last_non_null("CASE WHEN is_pv THEN seg END"),
        ),
    );
    // A pageview naming a source, after a pageview of its session, when the session's latest
    // pageview that named one named another, or none did (`Builder::is_new_source`).
    views.add(
        "hf_seq4",
        format!(
            "SELECT *, sum(CASE WHEN rn = 1 OR start_reason IS NOT NULL THEN 1 ELSE 0 END) OVER ({window} ROWS UNBOUNDED PRECEDING) AS session_no
FROM (SELECT *, {reason} AS start_reason FROM (
  SELECT *, coalesce(nd_pv AND last_pv_seg = ctx AND (last_nd_seg IS NULL OR last_nd_seg <> ctx OR last_nd_key <> attr_key), FALSE) AS new_source
  FROM hf_seq3))",
            reason = reason_case(d, rules),
        ),
    );
    let session = format!("PARTITION BY {GROUP}, session_no");
    // Activity: a beacon counts up to the visible time of its page, never past itself.
    views.add(
        "hf_seq5",
        format!(
            "SELECT *, CASE WHEN is_beacon THEN least(ts_ms, page_start + page_engaged) ELSE ts_ms END AS activity
FROM (SELECT *,
  first_value(ts_ms) OVER ({session}, page_idx ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS page_start,
  sum(CASE WHEN is_beacon THEN engaged_ms ELSE 0 END) OVER ({session}, page_idx ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS page_engaged
  FROM (SELECT *,
    sum(CASE WHEN is_pv THEN 1 ELSE 0 END) OVER ({session} ORDER BY {ORDER} ROWS UNBOUNDED PRECEDING) AS page_idx,
    row_number() OVER ({session}, is_pv ORDER BY {ORDER}) AS pv_first,
    row_number() OVER ({session}, is_pv ORDER BY ts_ms DESC, hit_id DESC) AS pv_last,
    lag(ts_ms) OVER ({session}, is_pv ORDER BY {ORDER}) AS prev_pv_ts,
    {probe} AS probe
  FROM hf_seq4))",
            probe = super::automation::probe_path(d, config, "path"),
        ),
    );
    let fast_gap_ms = crate::automation::Thresholds::from(&config.automation).fast_gap_ms;
    let landing = |c: &str| format!("max(CASE WHEN is_pv AND pv_first = 1 THEN {c} END) AS {c}");
    let landing_cols: Vec<String> = [
        "channel",
        "source",
        "medium",
        "campaign",
        "device_type",
        "browser",
        "os",
        "country",
        "as_org",
    ]
    .iter()
    .map(|c| landing(c))
    .collect();
    views.add(
        "hf_session_rows",
        format!(
            "SELECT site, is_bot, visitor_id, utc_day, session_no,
  min(ts_ms) AS start_ms, max(ts_ms) AS end_ms, max(activity) AS activity_end,
  count(*) AS hits, sum(CASE WHEN is_pv THEN 1 ELSE 0 END) AS pageviews,
  sum(CASE WHEN NOT is_pv AND NOT is_beacon THEN 1 ELSE 0 END) AS events,
  sum(CASE WHEN is_beacon THEN engaged_ms ELSE 0 END) AS engaged_ms,
  coalesce(sum(CASE WHEN NOT is_beacon THEN revenue END), 0.0) AS revenue,
  max(CASE WHEN is_pv AND pv_first = 1 THEN path END) AS landing_page,
  max(CASE WHEN is_pv AND pv_last = 1 THEN path END) AS exit_page,
  {landing_cols},
  max(CASE WHEN rn_in_session = 1 THEN start_reason END) AS start_reason,
  sum(CASE WHEN is_pv AND prev_pv_ts IS NOT NULL AND ts_ms - prev_pv_ts < {fast_gap_ms} THEN 1 ELSE 0 END) AS fast_gaps,
  sum(CASE WHEN is_pv AND probe THEN 1 ELSE 0 END) AS probe_pageviews,
  sum(CASE WHEN is_pv AND tracker THEN 1 ELSE 0 END) AS tracker_pageviews,
  sum(CASE WHEN is_beacon THEN 1 ELSE 0 END) AS beacons,
  {goal_cols}
FROM (SELECT *, row_number() OVER ({session} ORDER BY {ORDER}) AS rn_in_session FROM hf_seq5)
GROUP BY site, is_bot, visitor_id, utc_day, session_no",
            landing_cols = landing_cols.join(",\n  "),
            goal_cols = goals::goal_columns(d, config),
        ),
    );
    // A session ends for the reason its successor started (the last one: inactivity); one
    // without a pageview is dropped.
    views.add(
        "hf_session_facts",
        format!(
            "SELECT * FROM (
  SELECT *, activity_end - start_ms AS duration_ms,
    coalesce(lead(start_reason) OVER (PARTITION BY {GROUP} ORDER BY session_no), {inactivity}) AS end_reason
  FROM hf_session_rows
) WHERE pageviews > 0",
            inactivity = d.lit(EndReason::Inactivity.as_str()),
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each rule's SQL counterpart, on and off.
    #[test]
    fn every_end_reason_has_its_condition() {
        let all_on = SessionConfig {
            split_at_midnight: true,
            split_on_source_change: true,
            split_on_browser_close: true,
            ..SessionConfig::default()
        };
        let expected = [
            (EndReason::Inactivity, Some("ts_ms - prev_ts > 1800000")),
            (EndReason::MaxLength, None),
            (EndReason::Midnight, Some("local_day <> prev_local_day")),
            (EndReason::SourceChange, Some("new_source")),
            (EndReason::BrowserClose, Some("entry")),
        ];
        assert_eq!(expected.len(), EndReason::ALL.len());
        for (reason, sql) in expected {
            assert_eq!(split_condition(reason, &all_on).as_deref(), sql, "{reason:?}");
        }
        let defaults = SessionConfig::default();
        for reason in [EndReason::Midnight, EndReason::SourceChange, EndReason::BrowserClose] {
            assert_eq!(split_condition(reason, &defaults), None, "{reason:?} is off by default");
        }
    }

    #[test]
    fn reasons_are_checked_in_the_sessionizers_order() {
        let all_on = SessionConfig {
            split_at_midnight: true,
            split_on_source_change: true,
            split_on_browser_close: true,
            ..SessionConfig::default()
        };
        let sql = reason_case(Dialect::Duckdb, &all_on);
        let at = |r: EndReason| sql.find(&format!("'{}'", r.as_str())).unwrap();
        assert!(at(EndReason::Inactivity) < at(EndReason::Midnight));
        assert!(at(EndReason::Midnight) < at(EndReason::SourceChange));
        assert!(at(EndReason::SourceChange) < at(EndReason::BrowserClose));
    }

    #[test]
    fn a_maximum_length_under_a_day_is_refused() {
        for (hours, ok) in [(1, false), (23, false), (24, true), (48, true)] {
            let rules = SessionConfig {
                max_length_hours: hours,
                ..SessionConfig::default()
            };
            assert_eq!(check(&rules).is_ok(), ok, "{hours} h");
        }
    }
}
