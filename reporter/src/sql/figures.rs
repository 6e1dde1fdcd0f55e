//! The `sessions` view (the columns of `sessions.parquet`) and the figures of `report.json` per
//! site (`totals`) and per site and channel (`channels`), for the current period: the sessions
//! that start in it, in the site's time zone (`figures::counts::Counts`).

use hitflow_schema::time::MS_PER_DAY;

use super::dialect::Dialect;
use super::{automation, per_site, Views};
use crate::config::Config;
use crate::figures::site::Periods;

/// `hf_sessions_judged`, `hitflow_sessions`, `hitflow_site_figures`, `hitflow_channel_figures`.
pub(super) fn figure_views(d: Dialect, config: &Config, periods: Periods, views: &mut Views) {
    let engaged_ms = i64::from(config.sessions.engaged_seconds) * 1000;
    let very_short_ms = i64::from(config.sessions.very_short_seconds) * 1000;
    let local_day = per_site(d, config, "site", |tz| {
        format!(
            "CAST(floor({} / {MS_PER_DAY}) AS BIGINT)",
            d.local_ms(&d.timestamp_ms("start_ms"), tz)
        )
    });
    let exclude = config.automation.exclude_from_human;
    views.add(
        "hf_sessions_judged",
        format!(
            "SELECT *, NOT is_bot AND NOT (automation IS NOT NULL AND {exclude}) AS human,
  CASE WHEN local_start_day BETWEEN {c0} AND {c1} THEN 'current'
       WHEN local_start_day BETWEEN {p0} AND {p1} THEN 'previous' END AS period,
  pageviews <= 1 AND events = 0 AS is_bounce,
  (CASE WHEN engaged_ms > 0 THEN engaged_ms ELSE duration_ms END) > {engaged_ms} OR pageviews >= 2 OR goals_reached > 0 AS is_engaged,
  goals_reached > 0 AS converted,
  duration_ms < {very_short_ms} AS very_short
FROM (SELECT *, {automation} AS automation, {local_day} AS local_start_day FROM hf_session_facts)",
            automation = automation::reason_case(d, config),
            c0 = periods.current.0,
            c1 = periods.current.1,
            p0 = periods.previous.0,
            p1 = periods.previous.1,
        ),
    );
    views.add(
        "hitflow_sessions",
        format!(
            "SELECT site, visitor_id, {start} AS start, {end} AS {end_col}, duration_ms / 1000.0 AS duration_s,
  engaged_ms / 1000.0 AS engaged_s, hits, pageviews, events, landing_page, exit_page, channel, source, medium,
  campaign, device_type AS device, browser, os, country, is_bounce, is_engaged, converted, revenue, end_reason
FROM hf_sessions_judged WHERE human AND period = 'current'",
            start = d.timestamp_ms("start_ms"),
            end = d.timestamp_ms("end_ms"),
            end_col = d.ident("end"),
        ),
    );
    for (name, keys) in [
        ("hitflow_site_figures", "site"),
        ("hitflow_channel_figures", "site, channel"),
    ] {
        views.add(&format!("{name}_median"), median(keys));
        let join = keys
            .split(", ")
            .map(|k| format!("m.{k} = f.{k}"))
            .collect::<Vec<_>>()
            .join(" AND ");
        views.add(
            name,
            format!(
                "SELECT f.*, coalesce(m.median_duration_s, 0.0) AS median_duration_s,
  CASE WHEN sessions = 0 THEN 0.0 ELSE pageviews / sessions END AS pages_per_session,
  CASE WHEN sessions = 0 THEN 0.0 ELSE duration_ms_sum / sessions / 1000.0 END AS avg_duration_s,
  CASE WHEN sessions = 0 THEN 0.0 ELSE bounces / sessions END AS bounce_rate,
  CASE WHEN sessions = 0 THEN 0.0 ELSE engaged_sessions / sessions END AS engagement_rate,
  CASE WHEN sessions = 0 THEN 0.0 ELSE converted_sessions / sessions END AS conversion_rate,
  CASE WHEN sessions = 0 THEN 0.0 ELSE very_short_sessions / sessions END AS very_short_share,
  CASE WHEN human_hits + bot_hits = 0 THEN 0.0 ELSE bot_hits / (human_hits + bot_hits) END AS bot_share
FROM (
  SELECT {keys},
    sum(CASE WHEN human THEN 1 ELSE 0 END) AS sessions,
    count(DISTINCT CASE WHEN human THEN concat(CAST(utc_day AS STRING), ':', CAST(visitor_id AS STRING)) END) AS visitors,
    sum(CASE WHEN human THEN pageviews ELSE 0 END) AS pageviews,
    sum(CASE WHEN human AND is_bounce THEN 1 ELSE 0 END) AS bounces,
    sum(CASE WHEN human AND is_engaged THEN 1 ELSE 0 END) AS engaged_sessions,
    sum(CASE WHEN human THEN goals_reached ELSE 0 END) AS conversions,
    sum(CASE WHEN human AND converted THEN 1 ELSE 0 END) AS converted_sessions,
    round(coalesce(sum(CASE WHEN human THEN revenue END), 0.0), 2) AS revenue,
    sum(CASE WHEN human AND very_short THEN 1 ELSE 0 END) AS very_short_sessions,
    sum(CASE WHEN human THEN duration_ms ELSE 0 END) AS duration_ms_sum,
    sum(CASE WHEN human THEN hits ELSE 0 END) AS human_hits,
    sum(CASE WHEN human THEN 0 ELSE hits END) AS bot_hits
  FROM hf_sessions_judged WHERE period = 'current'
  GROUP BY {keys}
) f LEFT JOIN {name}_median m ON {join}"
            ),
        );
    }
}

/// The median duration in whole seconds of a group's human sessions: the value at position
/// ⌊n / 2⌋ (from 0) in order (`DurationHistogram::median_seconds`).
fn median(keys: &str) -> String {
    format!(
        "SELECT {keys}, CAST(secs AS DOUBLE) AS median_duration_s FROM (
  SELECT {keys}, secs, row_number() OVER (PARTITION BY {keys} ORDER BY secs) AS rn, count(*) OVER (PARTITION BY {keys}) AS n
  FROM (SELECT {keys}, CAST(floor(duration_ms / 1000) AS BIGINT) AS secs FROM hf_sessions_judged WHERE period = 'current' AND human)
) WHERE rn = CAST(floor(n / 2) AS BIGINT) + 1"
    )
}
