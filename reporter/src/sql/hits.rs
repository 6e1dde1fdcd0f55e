//! The hits the reporter reads, as a view: the partitions of the period (± a UTC day for time
//! zones, and the first hours of the next day for late hits), hits inside that window, NULLs as
//! the reporter reads them (an absent string is the empty string), rows no collector stores
//! left out, and a hit stored twice (same `hit_id`, time and visitor) counted once.

use hitflow_schema::columns::names as col;
use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR};
use hitflow_schema::MAX_REVENUE_ABS;

use super::dialect::Dialect;
use super::Views;
use crate::figures::site::Periods;
use crate::sessions::stream::LATE_PARTITIONS;

/// String columns read as they are stored, NULL as empty (names from the schema's column list).
const TEXT: [&str; 20] = [
    col::site,
    col::event,
    col::url_host,
    col::url_path,
    col::referrer_host,
    col::utm_source,
    col::utm_medium,
    col::utm_campaign,
    col::utm_term,
    col::utm_content,
    col::ref_param,
    col::click_id_kind,
    col::device_type,
    col::browser,
    col::browser_version,
    col::os,
    col::os_version,
    col::country,
    col::as_org,
    col::currency,
];

/// `hf_hits` (the lake's rows of the window) and `hf_unique` (without repeated copies).
pub(super) fn hit_views(d: Dialect, lake: &str, periods: Periods, views: &mut Views) {
    // As `run`: a UTC day either side covers every time zone; ids rotate at UTC midnight, so
    // no visitor's hits reach across these bounds.
    let first = Ymd::from_days(periods.previous.0 - 1);
    let last = Ymd::from_days(periods.current.1 + 1);
    let after = Ymd::from_days(periods.current.1 + 2);
    let (start, end) = (first.start_ms(), after.start_ms());
    let text: Vec<String> = TEXT.iter().map(|c| format!("coalesce({c}, '') AS {c}")).collect();
    let date = d.ident("date");
    let hour = d.ident("hour");
    views.add_view(
        "hf_hits",
        format!(
            "SELECT * FROM (
  SELECT {text},
    CAST(visitor_id AS {id}) AS visitor_id, coalesce(is_bot, FALSE) AS is_bot, {ts} AS ts_ms,
    coalesce(CAST(hit_id AS {id}), 0) AS hit_id, coalesce(CAST(engaged_ms AS BIGINT), 0) AS engaged_ms,
    coalesce(screen_width, 0) <> 0 AS tracker, coalesce(entry, FALSE) AS entry, revenue,
    {part} + CAST({hour} AS BIGINT) * {MS_PER_HOUR} AS part_ms
  FROM {source}
  WHERE CAST({date} AS DATE) BETWEEN DATE '{first}' AND DATE '{last}'
    OR (CAST({date} AS DATE) = DATE '{after}' AND CAST({hour} AS INT) < {LATE_PARTITIONS})
) WHERE ts_ms IS NOT NULL AND visitor_id IS NOT NULL AND ts_ms >= {start} AND ts_ms < {end}
  AND (revenue IS NULL OR (NOT isnan(revenue) AND abs(revenue) <= {MAX_REVENUE_ABS:e}))
  -- Hits up to {LATE_PARTITIONS} hours late join their sessions.
  AND part_ms <= CAST(floor(ts_ms / {MS_PER_HOUR}) AS BIGINT) * {MS_PER_HOUR} + {late_ms}",
            text = text.join(", "),
            id = d.id_type(),
            ts = d.epoch_ms("ts"),
            part = d.date_ms(&date),
            source = d.read_hits(lake),
            late_ms = LATE_PARTITIONS * MS_PER_HOUR,
        ),
    );
    // Copies of one hit share every field; the reporter keeps one (hit id 0: none recorded).
    views.add(
        "hf_unique",
        format!(
            "SELECT *, url_path AS path, CAST(floor(ts_ms / {MS_PER_DAY}) AS BIGINT) AS utc_day FROM (
  SELECT *, row_number() OVER (PARTITION BY site, is_bot, visitor_id, ts_ms, hit_id ORDER BY part_ms) AS copy
  FROM hf_hits
) WHERE hit_id = 0 OR copy = 1"
        ),
    );
}
