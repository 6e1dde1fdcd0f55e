"""DuckDB reference for the reporter benchmark: the same sessionization (30-minute inactivity
timeout per site/visitor, bots apart, engagement beacons never start a session) and GA4-style
channel grouping (search/social/video/AI lists, paid mediums, click ids), then per-channel figures.

    python3 scripts/bench/duckdb_sessions.py LAKE_DIR FROM_MS TO_MS THREADS
"""
import json
import sys
import time

import duckdb

lake, start_ms, end_ms, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])


def source_list(name):
    entries = []
    with open(f"reporter/data/channels/{name}.txt", encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                entries.append(line.split("=", 1)[0].strip().replace(".*", ""))
    return "[" + ",".join("'" + e.replace("'", "''") + "'" for e in entries) + "]"


PAID = "regexp_matches(medium, '^(.*cp.*|ppc|retargeting|paid.*)$')"
SQL = f"""
with hits as (
  select site, visitor_id, is_bot, epoch_ms(ts) as t, event, url_path, referrer_host,
         utm_source, utm_medium, utm_campaign, click_id_kind, ref_param, device_type, country
  from read_parquet('{lake}/hits/**/*.parquet', hive_partitioning = false)
  where epoch_ms(ts) >= {start_ms} and epoch_ms(ts) < {end_ms}
), dedup as (
  select distinct on (site, is_bot, visitor_id, t, event, url_path) * from hits
), marked as (
  select *, case when event <> 'engagement' and (lag(t) over w is null or t - lag(t) over w > 1800000)
                 then 1 else 0 end as new_session
  from dedup window w as (partition by site, is_bot, visitor_id order by t)
), numbered as (
  select *, sum(new_session) over (partition by site, is_bot, visitor_id order by t rows unbounded preceding) as session_no
  from marked
), sessions as (
  select site, is_bot, visitor_id, session_no, min(t) as start_t, max(t) as end_t,
         count(*) filter (where event = 'pageview') as pageviews,
         count(*) filter (where event not in ('pageview', 'engagement')) as events,
         count(*) as hits,
         arg_min(coalesce(utm_source, ref_param, referrer_host), t) as source_raw,
         arg_min(utm_medium, t) as medium_raw, arg_min(utm_campaign, t) as campaign,
         arg_min(click_id_kind, t) as click, arg_min(referrer_host, t) as referrer,
         arg_min(device_type, t) as device, arg_min(country, t) as country
  from numbered group by all
), attributed as (
  select *, coalesce(lower(source_raw), '(direct)') as source,
         coalesce(lower(medium_raw), case when click is not null then 'cpc'
                                          when referrer is not null then 'referral' else '(none)' end) as medium
  from sessions
), channeled as (
  select *, case
    when source = '(direct)' and medium in ('(none)', '(not set)') then 'Direct'
    when campaign ilike '%cross-network%' then 'Cross-network'
    when list_contains({source_list('shopping')}, source) and {PAID} then 'Paid Shopping'
    when (list_contains({source_list('search')}, source) or click in ('gclid', 'gbraid', 'wbraid', 'msclkid')) and {PAID} then 'Paid Search'
    when (list_contains({source_list('social')}, source) or click in ('fbclid', 'ttclid', 'li_fat_id', 'twclid')) and {PAID} then 'Paid Social'
    when list_contains({source_list('video')}, source) and {PAID} then 'Paid Video'
    when medium in ('display', 'banner', 'expandable', 'interstitial', 'cpm') then 'Display'
    when {PAID} then 'Paid Other'
    when list_contains({source_list('ai_assistants')}, source) then 'AI Assistants'
    when list_contains({source_list('shopping')}, source) then 'Organic Shopping'
    when list_contains({source_list('social')}, source) or medium in ('social', 'social-network', 'social-media', 'sm') then 'Organic Social'
    when list_contains({source_list('video')}, source) or medium like '%video%' then 'Organic Video'
    when list_contains({source_list('search')}, source) or medium = 'organic' then 'Organic Search'
    when medium in ('referral', 'app', 'link') then 'Referral'
    when source in ('email', 'e-mail') or medium in ('email', 'e-mail') then 'Email'
    when medium = 'affiliate' then 'Affiliates'
    when medium = 'audio' then 'Audio'
    when source = 'sms' or medium = 'sms' then 'SMS'
    when medium like '%push' or medium like '%mobile%' or medium like '%notification%' then 'Mobile Push Notifications'
    else 'Unassigned' end as channel
  from attributed
)
select site, channel, count(*) filter (where not is_bot) as sessions,
       count(distinct visitor_id) filter (where not is_bot) as visitors,
       sum(pageviews) filter (where not is_bot) as pageviews,
       count(*) filter (where not is_bot and pageviews <= 1 and events = 0) as bounces,
       avg(end_t - start_t) filter (where not is_bot) / 1000 as avg_duration_s,
       sum(hits) filter (where is_bot) as bot_hits
from channeled group by all order by site, sessions desc
"""

con = duckdb.connect()
con.execute(f"set threads = {threads}")
started = time.perf_counter()
rows = con.execute(SQL).fetchall()
elapsed = time.perf_counter() - started
print(json.dumps({"seconds": round(elapsed, 3), "groups": len(rows), "sessions": sum(r[2] or 0 for r in rows)}))
