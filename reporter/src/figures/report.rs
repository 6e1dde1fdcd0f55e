//! `report.json`: the machine-readable output of `reporter run`. Field names are a documented
//! contract (README.md "report.json"); every rate is a fraction in [0, 1].

use serde::{Deserialize, Serialize};

use super::counts::{delta, Figures};
use super::coverage::{Coverage, DataHours};
use super::scroll::{ScrollDepths, ScrollFigures};
use super::significance::{DailyTotals, Significance};
use super::site::{BreakdownCounts, SiteAcc};
use crate::config::Config;
use crate::rows::Tables;
use crate::scan::BadObject;
use crate::sessions::lookup::Lookup;
use crate::sessions::stream::StreamStats;
use crate::stats::proportions::rate_change;
use crate::stats::Test;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub hitflow_version: String,
    pub period: PeriodInfo,
    pub session_rules: crate::config::SessionConfig,
    /// The suspected-automation thresholds the run used (`[automation]`).
    #[serde(default)]
    pub automation_rules: crate::automation::AutomationConfig,
    pub definitions: Vec<Definition>,
    pub input: InputSummary,
    pub sites: Vec<SiteReport>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PeriodInfo {
    pub from: String,
    pub to: String,
    pub days: i64,
    pub previous_from: String,
    pub previous_to: String,
    /// Which period the changes compare with (`--compare`).
    #[serde(default)]
    pub comparison: crate::period::CompareKind,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Definition {
    pub figure: String,
    pub definition: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct InputSummary {
    pub store: String,
    pub partitions_read: u64,
    pub objects_read: u64,
    pub bytes_read: u64,
    pub hits_read: u64,
    pub hits_outside_range: u64,
    pub duplicate_hits: u64,
    pub too_late_hits: u64,
    pub sessions_without_pageview: u64,
    /// Hits dropped for a value no collector stores (revenue NaN, ±inf or beyond ±1e12), not in
    /// `hits_read`: counted, never summed.
    #[serde(default)]
    pub bad_rows: u64,
    pub bad_objects: Vec<BadObject>,
}

impl InputSummary {
    pub fn absorb(&mut self, stats: StreamStats) {
        self.duplicate_hits = stats.duplicate_hits;
        self.too_late_hits = stats.too_late_hits;
        self.sessions_without_pageview = stats.sessions_without_pageview;
        self.hits_outside_range = stats.outside_window;
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct SiteReport {
    pub site: String,
    pub timezone: String,
    pub totals: Figures,
    pub previous: Figures,
    /// Which days of both periods hold data; changes of counts need both complete.
    #[serde(default)]
    pub coverage: Coverage,
    /// Changes against the previous period (null: nothing to compare with, see `Deltas`).
    pub deltas: Deltas,
    /// Each change's 95% interval and whether it is distinguishable from noise.
    #[serde(default)]
    pub significance: Significance,
    /// Revenue of the period by currency (`totals.revenue` sums every currency as sent).
    #[serde(default)]
    pub revenue: Vec<Money>,
    #[serde(default)]
    pub previous_revenue: Vec<Money>,
    pub channels: Vec<ChannelReport>,
    pub goals: Vec<GoalReport>,
    pub top_pages: Vec<PageRow>,
    pub landing_pages: Vec<Breakdown>,
    pub exit_pages: Vec<ExitRow>,
    pub sources: Vec<Breakdown>,
    pub referrers: Vec<Breakdown>,
    pub campaigns: Vec<Breakdown>,
    pub devices: Vec<Breakdown>,
    pub browsers: Vec<Breakdown>,
    pub operating_systems: Vec<Breakdown>,
    pub countries: Vec<Breakdown>,
    pub hour_of_day: Vec<HourRow>,
    pub daily: Vec<DayRow>,
    /// The comparison period's days with sessions.
    #[serde(default)]
    pub previous_daily: Vec<DayRow>,
    pub user_flow: Vec<Transition>,
    #[serde(default)]
    pub user_flow_exits: Vec<FlowExit>,
    pub funnels: Vec<FunnelReport>,
    pub technical: Technical,
    /// What was kept out of the human figures and why (`figures::ledger`).
    #[serde(default)]
    pub bot_ledger: super::ledger::BotLedger,
    /// The rows each top-N table above leaves out, summed, so a table adds up to its total.
    #[serde(default)]
    pub others: Others,
    /// Scroll depth of all the period's page views (`figures::scroll`).
    #[serde(flatten, default)]
    pub scroll: ScrollFigures,
    /// The config's `[[annotations]]` of this site dated inside the period.
    #[serde(default)]
    pub annotations: Vec<crate::annotations::Annotation>,
    /// The config's `[[segments]]` of this site with sessions, each a full report of its slice.
    #[serde(default)]
    pub segments: Vec<SegmentReport>,
    /// Sessions and engagement of each channel by device and by country.
    #[serde(default)]
    pub channel_by_device: Matrix,
    #[serde(default)]
    pub channel_by_country: Matrix,
}

/// A channel × dimension table: `columns` are the dimension's values (busiest first; the rest
/// summed as "Other"), each row a channel (as ordered in `channels`) with one cell per column.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Matrix {
    pub columns: Vec<String>,
    pub rows: Vec<MatrixRow>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MatrixRow {
    pub channel: String,
    pub cells: Vec<MatrixCell>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct MatrixCell {
    pub sessions: u64,
    pub engaged_sessions: u64,
    /// engaged_sessions / sessions (0 without sessions).
    pub engagement_rate: f64,
}

/// Columns of a matrix at most (the rest is "Other"), so it fits a page.
const MATRIX_COLUMNS: usize = 8;

/// The channel × dimension matrix of `cells` ((channel, value) → sessions), rows in `channels`'
/// order; `name` turns a value id into its label (a country code into its name).
fn matrix(
    cells: &rustc_hash::FxHashMap<(u32, u32), BreakdownCounts>,
    channels: &[ChannelReport],
    tables: &Tables,
    name: impl Fn(String) -> String,
) -> Matrix {
    let mut totals: rustc_hash::FxHashMap<u32, u64> = rustc_hash::FxHashMap::default();
    for (&(_, value), lite) in cells {
        *totals.entry(value).or_default() += lite.sessions;
    }
    let mut values: Vec<(u32, u64, String)> = totals
        .into_iter()
        .map(|(value, sessions)| (value, sessions, name(label(tables, value))))
        .collect();
    values.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
    let other = values.len() > MATRIX_COLUMNS;
    let shown: Vec<u32> = values.iter().take(MATRIX_COLUMNS).map(|v| v.0).collect();
    let mut columns: Vec<String> = values.iter().take(MATRIX_COLUMNS).map(|v| v.2.clone()).collect();
    if other {
        columns.push("Other".into());
    }
    let ids: rustc_hash::FxHashMap<&str, u32> = cells
        .keys()
        .map(|&(channel, _)| (tables.str(channel), channel))
        .collect();
    let rows = channels
        .iter()
        .filter_map(|c| {
            let channel = *ids.get(c.channel.as_str())?;
            let mut row = vec![MatrixCell::default(); columns.len()];
            for (&(ch, value), lite) in cells.iter().filter(|((ch, _), _)| *ch == channel) {
                debug_assert_eq!(ch, channel);
                let slot = shown.iter().position(|&v| v == value).unwrap_or(columns.len() - 1);
                row[slot].sessions += lite.sessions;
                row[slot].engaged_sessions += lite.engaged;
            }
            for cell in &mut row {
                cell.engagement_rate = ratio(cell.engaged_sessions, cell.sessions);
            }
            Some(MatrixRow {
                channel: c.channel.clone(),
                cells: row,
            })
        })
        .collect();
    Matrix { columns, rows }
}

/// One segment of a site: its name, folder, filters and report (its `segments` empty).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SegmentReport {
    pub name: String,
    pub slug: String,
    /// The filters in words: "device mobile, country DE".
    pub filters: String,
    pub report: SiteReport,
}

/// What a top-N table leaves out: how many entries, and their sums as one row.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Rest<T> {
    pub entries: u64,
    #[serde(flatten)]
    pub row: T,
}

/// The left-out rows of each top-N table of a site (`None`: the table is complete).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Others {
    pub top_pages: Option<Rest<PageRow>>,
    pub landing_pages: Option<Rest<Breakdown>>,
    pub exit_pages: Option<Rest<ExitRow>>,
    pub sources: Option<Rest<Breakdown>>,
    pub referrers: Option<Rest<Breakdown>>,
    pub campaigns: Option<Rest<Breakdown>>,
    pub devices: Option<Rest<Breakdown>>,
    pub browsers: Option<Rest<Breakdown>>,
    pub operating_systems: Option<Rest<Breakdown>>,
    pub countries: Option<Rest<Breakdown>>,
}

/// A top-N breakdown and what it leaves out.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Ranked {
    pub rows: Vec<Breakdown>,
    pub other: Option<Rest<Breakdown>>,
}

/// A channel's drill-down (GA4's traffic acquisition by channel): where its sessions came from,
/// where they landed, on what and from where, day by day. Shares are of the channel's sessions.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChannelDetail {
    pub sources: Ranked,
    pub campaigns: Ranked,
    pub landing_pages: Ranked,
    pub devices: Ranked,
    pub countries: Ranked,
    pub daily: Vec<ChannelDay>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelDay {
    pub date: String,
    pub sessions: u64,
    pub engagement_rate: f64,
    pub converted_sessions: u64,
}

/// Changes against the previous period. Counts and amounts (sessions, visitors, pageviews,
/// average duration, revenue) change relatively: (current − previous) / previous, null when
/// the previous value is 0 or either period is only partly covered by data. Rates change in
/// percentage points, as a fraction: current − previous (−0.011 = −1.1 pp), null when either
/// period has no sessions; a rate of part of a period is still a rate, so partial coverage
/// does not hide it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Deltas {
    pub sessions: Option<f64>,
    pub visitors: Option<f64>,
    pub pageviews: Option<f64>,
    pub bounce_rate: Option<f64>,
    pub engagement_rate: Option<f64>,
    pub conversion_rate: Option<f64>,
    pub avg_duration_s: Option<f64>,
    pub revenue: Option<f64>,
}

impl Deltas {
    pub fn between(c: &Figures, p: &Figures, comparable: bool) -> Self {
        let relative = |current: f64, previous: f64| if comparable { delta(current, previous) } else { None };
        let both = c.sessions > 0 && p.sessions > 0;
        let points = |current: f64, previous: f64| both.then_some(current - previous);
        Deltas {
            sessions: relative(c.sessions as f64, p.sessions as f64),
            visitors: relative(c.visitors as f64, p.visitors as f64),
            pageviews: relative(c.pageviews as f64, p.pageviews as f64),
            bounce_rate: points(c.bounce_rate, p.bounce_rate),
            engagement_rate: points(c.engagement_rate, p.engagement_rate),
            conversion_rate: points(c.conversion_rate, p.conversion_rate),
            avg_duration_s: if both {
                delta(c.avg_duration_s, p.avg_duration_s)
            } else {
                None
            },
            revenue: relative(c.revenue, p.revenue),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ChannelReport {
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub previous_sessions: u64,
    pub sessions_delta: Option<f64>,
    /// The channel's figures in the previous period, and the changes (as the site's `deltas`).
    #[serde(default)]
    pub previous: Figures,
    #[serde(default)]
    pub deltas: Deltas,
    #[serde(default)]
    pub significance: Significance,
    /// Revenue by currency, this period and the previous one (`revenue` adds every currency).
    #[serde(default)]
    pub revenue_by_currency: Vec<Money>,
    #[serde(default)]
    pub previous_revenue_by_currency: Vec<Money>,
    #[serde(default)]
    pub detail: ChannelDetail,
    /// Scroll depth of the page views of the channel's sessions.
    #[serde(flatten, default)]
    pub scroll: ScrollFigures,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GoalReport {
    pub goal: String,
    pub conversions: u64,
    pub conversion_rate: f64,
    /// All revenue of the sessions that reached the goal, by currency: a session reaching two
    /// goals counts under both, so these do not add up to the site's revenue.
    #[serde(default)]
    pub revenue_of_converting_sessions: Vec<Money>,
    /// The previous period: sessions reaching the goal, and their share of its sessions.
    #[serde(default)]
    pub previous_conversions: u64,
    #[serde(default)]
    pub previous_conversion_rate: f64,
    /// conversion_rate − previous_conversion_rate (a fraction: 0.004 = +0.4 pp); null when
    /// either period has no sessions.
    #[serde(default)]
    pub conversion_rate_change: Option<f64>,
    /// The change's interval and verdict.
    #[serde(default)]
    pub conversion_rate_test: Option<Test>,
    /// Per channel, busiest first: conversions and the share of the channel's sessions.
    #[serde(default)]
    pub by_channel: Vec<GoalChannel>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GoalChannel {
    pub channel: String,
    pub sessions: u64,
    pub conversions: u64,
    pub conversion_rate: f64,
}

/// An amount in one currency (ISO 4217 as sent; empty when the hits named none).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Money {
    pub currency: String,
    pub amount: f64,
}

/// Amounts by currency id → sorted by currency, zero sums dropped.
fn money<K>(amounts: impl Iterator<Item = (K, u32, f64)>, tables: &Tables, key: K) -> Vec<Money>
where
    K: PartialEq,
{
    let mut out: Vec<Money> = amounts
        .filter(|(k, _, amount)| *k == key && *amount != 0.0)
        .map(|(_, currency, amount)| Money {
            currency: tables.str(currency).to_owned(),
            amount: super::counts::round2(amount),
        })
        .collect();
    out.sort_by(|a, b| a.currency.cmp(&b.currency));
    out
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageRow {
    pub path: String,
    pub pageviews: u64,
    #[serde(flatten, default)]
    pub scroll: ScrollFigures,
}

/// Sessions of one entry of a breakdown, with its quality figures.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Breakdown {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub source: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub medium: Option<String>,
    pub sessions: u64,
    pub share: f64,
    pub bounce_rate: f64,
    pub engagement_rate: f64,
    pub conversion_rate: f64,
    pub pages_per_session: f64,
    /// Every currency added as sent; `revenue_by_currency` keeps them apart.
    pub revenue: f64,
    #[serde(default)]
    pub revenue_by_currency: Vec<Money>,
    /// The ISO 3166 code behind a country's name.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ExitRow {
    pub path: String,
    pub exits: u64,
    pub pageviews: u64,
    /// Exits / pageviews of the page.
    pub exit_rate: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct HourRow {
    pub hour: u32,
    pub sessions: u64,
    pub engagement_rate: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DayRow {
    pub date: String,
    pub sessions: u64,
    pub visitors: u64,
    pub pageviews: u64,
    pub bounce_rate: f64,
    pub engagement_rate: f64,
    pub conversions: u64,
}

/// A move from one page to a different one. Repeats of the same page are not steps.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Transition {
    /// 1 = from the landing page to the second page.
    pub step: u8,
    pub from: String,
    pub to: String,
    pub sessions: u64,
    /// Sessions on `from` at this step (the transition's share is of these).
    #[serde(default)]
    pub from_sessions: u64,
    /// sessions / from_sessions.
    #[serde(default)]
    pub share_of_from: f64,
}

/// Sessions that left the site from a page at a step of the flow.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FlowExit {
    /// 1 = left from the landing page.
    pub step: u8,
    pub page: String,
    pub sessions: u64,
    pub exits: u64,
    /// exits / sessions on the page at this step.
    pub exit_share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelReport {
    pub name: String,
    pub steps: Vec<FunnelStep>,
    /// Per channel reaching the first step, busiest first.
    #[serde(default)]
    pub by_channel: Vec<FunnelChannel>,
}

/// A funnel within one channel's sessions.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelChannel {
    pub channel: String,
    /// Sessions reaching each step.
    pub sessions: Vec<u64>,
    /// Sessions of the last step / of the first.
    pub completion: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelStep {
    pub step: String,
    pub sessions: u64,
    /// Sessions / sessions of the first step.
    pub conversion_from_start: f64,
    /// 1 − sessions / sessions of the previous step (0 for the first step).
    pub drop_off: f64,
    /// The same step in the previous period.
    #[serde(default)]
    pub previous_sessions: u64,
    #[serde(default)]
    pub previous_conversion_from_start: f64,
    /// conversion_from_start − previous_conversion_from_start (pp as a fraction); null when
    /// either period had no session at the first step.
    #[serde(default)]
    pub conversion_change: Option<f64>,
    /// The change's interval and verdict (steps after the first).
    #[serde(default)]
    pub conversion_test: Option<Test>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Technical {
    /// Sessions whose last hit was an error event or a not-found page.
    pub sessions_ending_on_error: u64,
    pub error_ending_share: f64,
    pub error_endings_by_page: Vec<CountRow>,
    pub error_endings_by_browser: Vec<CountRow>,
    /// Error endings by the error's event name (`pageview`: a not-found page).
    #[serde(default)]
    pub error_endings_by_event: Vec<CountRow>,
    /// Browsers, browser versions and landing pages whose share of very short sessions is well
    /// above the site's.
    pub short_session_hotspots: Vec<Hotspot>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CountRow {
    pub name: String,
    pub sessions: u64,
    /// All sessions of the group (of the browser, for `error_endings_by_browser`), when the
    /// count has a base; `share` = sessions / of_sessions.
    #[serde(default)]
    pub of_sessions: Option<u64>,
    #[serde(default)]
    pub share: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Hotspot {
    pub dimension: String,
    pub value: String,
    pub sessions: u64,
    pub very_short_share: f64,
    pub site_very_short_share: f64,
    pub lift: f64,
}

pub fn definitions() -> Vec<Definition> {
    [
        ("session", "A visit: one visitor's hits with no pause longer than the inactivity timeout, cut at the maximum session length and by the optional rules listed under Session rules. Counted on the day it started, in the site's time zone. Visits by bots are kept apart and never counted here."),
        ("visitors", "Daily-unique visitors: distinct visitor ids. Ids change every day by design (no cookies), so someone visiting on 3 days counts 3 times; distinct people across days cannot be known and are not estimated."),
        ("pageviews", "Pages viewed in the period's sessions (a page stored twice counts once)."),
        ("pages_per_session", "Pageviews / sessions."),
        ("avg_duration_s", "Mean session duration: from the first hit to the last activity, including the time the last page stayed visible (reported when the visitor leaves it). A single pageview without that report lasts 0 s."),
        ("median_duration_s", "Median session duration, whole seconds."),
        ("bounce_rate", "Sessions with one pageview and no interaction (outbound click, download, custom event) / sessions. Unlike GA4, whose bounce rate is simply 100% − engagement rate, time on the page does not count here: one page read for five minutes without a click is a bounce."),
        ("engagement_rate", "Engaged sessions / sessions, as in GA4: a session is engaged when its pages were visible longer than the engagement threshold (see Session rules), or it had 2 or more pageviews, or a conversion."),
        ("conversions", "Goal completions, each goal counted at most once per session; conversion rate = sessions with any goal / sessions."),
        ("revenue", "Revenue sent with events, per currency; amounts in different currencies are shown apart, never added up. A goal shows the revenue of the sessions that reached it, so a session reaching two goals counts under both; totals and channels count it once."),
        ("very_short_share", "Sessions shorter than the very-short threshold (see Session rules) / sessions."),
        ("bot_share", "Hits flagged as bots by the collector, or of sessions kept out as suspected automation (see automation), / all hits, of sessions starting in the period."),
        ("automation", "Suspected automation: sessions the collector did not flag that behave like no person (rules and thresholds under Suspected automation). Kept out of every human figure unless the report is set to only flag them, and counted on the bot ledger."),
        ("bot_ledger", "Sessions and hits kept out of the human figures, by reason (the collector's bot reason or a suspected-automation rule), network (AS organisation), country and the channel they would have counted in; a channel's automated share = automated / all sessions of the channel."),
        ("exit_rate", "Sessions ending on the page / pageviews of the page."),
        ("median_scroll_depth", "How far down a page people read: for each pageview, the deepest point of the page that was on screen, as % of the page's height (100% for a page that fits the screen), reported by the tracker's engagement beacon when the page is hidden or left; the median over the pageviews of a page or of a channel's sessions. Pageviews without that report (no JavaScript, the pixel, a beacon lost) are left out, not counted as 0%, and the number of pageviews the median is based on is shown beside it. A page that scrolls inside an element rather than the window reports its first screen."),
        ("channel", "GA4's default channel group, in GA4's rule order, with an AI Assistants channel before the organic ones; your own channel rules apply first or where you placed them."),
        ("coverage", "Days of each period for which the store holds hits. When a period has days without data, or a day not over yet, changes in counts are left out: they would compare with part of a period."),
    ]
    .into_iter()
    .map(|(figure, definition)| Definition { figure: figure.into(), definition: definition.into() })
    .collect()
}

fn breakdown(name: String, counts: &BreakdownCounts, total: u64, tables: &Tables) -> Breakdown {
    let ratio = |n: u64| {
        if counts.sessions == 0 {
            0.0
        } else {
            n as f64 / counts.sessions as f64
        }
    };
    Breakdown {
        name,
        source: None,
        medium: None,
        sessions: counts.sessions,
        share: if total == 0 {
            0.0
        } else {
            counts.sessions as f64 / total as f64
        },
        bounce_rate: ratio(counts.bounces),
        engagement_rate: ratio(counts.engaged),
        conversion_rate: ratio(counts.converted),
        pages_per_session: if counts.sessions == 0 {
            0.0
        } else {
            counts.pageviews as f64 / counts.sessions as f64
        },
        revenue: super::counts::round2(counts.revenue),
        revenue_by_currency: money(counts.amounts.iter().map(|&(c, v)| ((), c, v)), tables, ()),
        code: None,
    }
}

/// Ranks breakdown rows by sessions (then `key`, for stable output), keeps the top `n` and sums
/// the rest into one "Other" row, so the table still adds up to its total.
fn ranked(
    mut rows: Vec<(Breakdown, &BreakdownCounts)>,
    n: usize,
    total: u64,
    tables: &Tables,
    key: impl Fn(&Breakdown) -> String,
) -> Ranked {
    rows.sort_by_cached_key(|(b, _)| (std::cmp::Reverse(b.sessions), key(b)));
    let tail = rows.split_off(n.min(rows.len()));
    let other = (!tail.is_empty()).then(|| {
        let mut sum = BreakdownCounts::default();
        for (_, counts) in &tail {
            sum.merge(counts);
        }
        Rest {
            entries: tail.len() as u64,
            row: breakdown("Other".into(), &sum, total, tables),
        }
    });
    Ranked {
        rows: rows.into_iter().map(|(b, _)| b).collect(),
        other,
    }
}

fn by_name(b: &Breakdown) -> String {
    b.name.clone()
}

/// A country breakdown row: the English name of its ISO code, the code kept beside it.
fn country(code: String, counts: &BreakdownCounts, total: u64, tables: &Tables) -> Breakdown {
    let name = super::countries::name(&code).map_or_else(|| code.clone(), str::to_owned);
    let mut b = breakdown(name, counts, total, tables);
    b.code = Some(code);
    b
}

/// A source / medium row.
fn source_row(source: u32, medium: u32, counts: &BreakdownCounts, total: u64, tables: &Tables) -> Breakdown {
    let (s, m) = (label(tables, source), label(tables, medium));
    let mut b = breakdown(format!("{s} / {m}"), counts, total, tables);
    b.source = Some(s);
    b.medium = Some(m);
    b
}

fn campaign_row(
    campaign: u32,
    source: u32,
    medium: u32,
    counts: &BreakdownCounts,
    total: u64,
    tables: &Tables,
) -> Breakdown {
    let mut b = breakdown(label(tables, campaign), counts, total, tables);
    b.source = Some(label(tables, source));
    b.medium = Some(label(tables, medium));
    b
}

fn campaign_key(b: &Breakdown) -> String {
    format!("{}{:?}", b.name, b.source)
}

/// The top `n` rows of `rows` (ranked by `key`) and the rest as a [`Rest`] built by `sum`.
pub(super) fn top_rest<T>(
    mut rows: Vec<T>,
    n: usize,
    key: impl Fn(&T) -> (u64, String),
    sum: impl Fn(&[T]) -> T,
) -> (Vec<T>, Option<Rest<T>>) {
    rows.sort_by_cached_key(|row| {
        let (count, name) = key(row);
        (std::cmp::Reverse(count), name)
    });
    let tail = rows.split_off(n.min(rows.len()));
    let rest = (!tail.is_empty()).then(|| Rest {
        entries: tail.len() as u64,
        row: sum(&tail),
    });
    (rows, rest)
}

/// Sorts by sessions (then name, for stable output) and keeps the top `n`. Keys are built
/// once per row, not per comparison.
pub(super) fn top<T>(mut rows: Vec<T>, n: usize, key: impl Fn(&T) -> (u64, String)) -> Vec<T> {
    rows.sort_by_cached_key(|row| {
        let (count, name) = key(row);
        (std::cmp::Reverse(count), name)
    });
    rows.truncate(n);
    rows
}

pub(super) fn label(tables: &Tables, id: u32) -> String {
    match tables.str(id) {
        "" => "(not set)".to_owned(),
        v => v.to_owned(),
    }
}

/// A local day number as a date.
fn date(day: i64) -> chrono::NaiveDate {
    let ymd = hitflow_schema::layout::Ymd::from_days(day);
    chrono::NaiveDate::from_ymd_opt(ymd.year, ymd.month, ymd.day).unwrap_or_default()
}

/// The comparison period's days as daily totals, 0 for days without sessions.
fn site_days(
    daily: &mut std::collections::BTreeMap<i64, super::counts::Counts>,
    (from, to): (i64, i64),
) -> DailyTotals {
    let mut totals = DailyTotals::default();
    for day in from..=to {
        let f = daily.get_mut(&day).map(|c| c.figures()).unwrap_or_default();
        totals.sessions.push(f.sessions);
        totals.visitors.push(f.visitors);
        totals.pageviews.push(f.pageviews);
    }
    totals
}

/// A channel's comparison days. Its visitors per day are not kept; their variation is taken
/// as that of its sessions.
fn channel_days(
    daily: &rustc_hash::FxHashMap<(u32, i64), BreakdownCounts>,
    channel: u32,
    (from, to): (i64, i64),
) -> DailyTotals {
    let days: Vec<BreakdownCounts> = (from..=to)
        .map(|day| daily.get(&(channel, day)).cloned().unwrap_or_default())
        .collect();
    let sessions: Vec<u64> = days.iter().map(|l| l.sessions).collect();
    DailyTotals {
        visitors: sessions.clone(),
        pageviews: days.iter().map(|l| l.pageviews).collect(),
        sessions,
    }
}

fn day_rows(daily: &mut std::collections::BTreeMap<i64, super::counts::Counts>) -> Vec<DayRow> {
    daily
        .iter_mut()
        .map(|(&day, counts)| {
            let f = counts.figures();
            DayRow {
                date: hitflow_schema::layout::Ymd::from_days(day).to_string(),
                sessions: f.sessions,
                visitors: f.visitors,
                pageviews: f.pageviews,
                bounce_rate: f.bounce_rate,
                engagement_rate: f.engagement_rate,
                conversions: f.conversions,
            }
        })
        .collect()
}

/// The top-N tables of a site and what each leaves out.
struct Breakdowns {
    top_pages: Vec<PageRow>,
    landing_pages: Vec<Breakdown>,
    exit_pages: Vec<ExitRow>,
    sources: Vec<Breakdown>,
    referrers: Vec<Breakdown>,
    campaigns: Vec<Breakdown>,
    devices: Vec<Breakdown>,
    browsers: Vec<Breakdown>,
    operating_systems: Vec<Breakdown>,
    countries: Vec<Breakdown>,
    others: Others,
}

fn breakdowns(acc: &SiteAcc, tables: &Tables, n: usize, total_sessions: u64) -> Breakdowns {
    let mut others = Others::default();
    // Each row with its depths, so the "Other" row's median is of all the pages it sums.
    let no_depths = ScrollDepths::default();
    let (top_pages, rest) = top_rest(
        acc.page_views
            .iter()
            .map(|(&p, &v)| {
                let depths = acc.page_scroll.get(&p).unwrap_or(&no_depths);
                let row = PageRow {
                    path: label(tables, p),
                    pageviews: v,
                    scroll: depths.into(),
                };
                (row, depths)
            })
            .collect(),
        n,
        |(r, _)| (r.pageviews, r.path.clone()),
        |rows| {
            let mut depths = ScrollDepths::default();
            for (_, d) in rows {
                depths.merge(d);
            }
            let row = PageRow {
                path: "Other".into(),
                pageviews: rows.iter().map(|(r, _)| r.pageviews).sum(),
                scroll: (&depths).into(),
            };
            (row, &no_depths)
        },
    );
    let top_pages: Vec<PageRow> = top_pages.into_iter().map(|(r, _)| r).collect();
    others.top_pages = rest.map(|Rest { entries, row: (row, _) }| Rest { entries, row });
    let Ranked {
        rows: landing_pages,
        other,
    } = ranked(
        acc.landing
            .iter()
            .map(|(&p, l)| (breakdown(label(tables, p), l, total_sessions, tables), l))
            .collect(),
        n,
        total_sessions,
        tables,
        by_name,
    );
    others.landing_pages = other;
    let (exit_pages, rest) = top_rest(
        acc.exits
            .iter()
            .map(|(&p, &exits)| {
                let views = acc.page_views.get(&p).copied().unwrap_or(0).max(exits);
                ExitRow {
                    path: label(tables, p),
                    exits,
                    pageviews: views,
                    exit_rate: (exits as f64 / views.max(1) as f64),
                }
            })
            .collect(),
        n,
        |r| (r.exits, r.path.clone()),
        |rows| {
            let (exits, pageviews) = rows.iter().fold((0, 0), |(e, p), r| (e + r.exits, p + r.pageviews));
            ExitRow {
                path: "Other".into(),
                exits,
                pageviews,
                exit_rate: exits as f64 / pageviews.max(1) as f64,
            }
        },
    );
    others.exit_pages = rest;
    let Ranked { rows: sources, other } = ranked(
        acc.sources
            .iter()
            .map(|(&(s, m), l)| (source_row(s, m, l, total_sessions, tables), l))
            .collect(),
        n,
        total_sessions,
        tables,
        by_name,
    );
    others.sources = other;
    let Ranked { rows: referrers, other } = ranked(
        acc.referrers
            .iter()
            .map(|(&r, l)| (breakdown(label(tables, r), l, total_sessions, tables), l))
            .collect(),
        n,
        total_sessions,
        tables,
        by_name,
    );
    others.referrers = other;
    let Ranked { rows: campaigns, other } = ranked(
        acc.campaigns
            .iter()
            .map(|(&(c, s, m), l)| (campaign_row(c, s, m, l, total_sessions, tables), l))
            .collect(),
        n,
        total_sessions,
        tables,
        campaign_key,
    );
    others.campaigns = other;
    let [devices, browsers, operating_systems, countries] = std::array::from_fn(|slot| {
        ranked(
            acc.dims[slot]
                .iter()
                .map(|(&v, l)| {
                    let row = if slot == COUNTRY_SLOT {
                        country(label(tables, v), l, total_sessions, tables)
                    } else {
                        breakdown(label(tables, v), l, total_sessions, tables)
                    };
                    (row, l)
                })
                .collect(),
            n,
            total_sessions,
            tables,
            by_name,
        )
    });
    others.devices = devices.other;
    others.browsers = browsers.other;
    others.operating_systems = operating_systems.other;
    others.countries = countries.other;
    let (devices, browsers, operating_systems, countries) =
        (devices.rows, browsers.rows, operating_systems.rows, countries.rows);
    Breakdowns {
        top_pages,
        landing_pages,
        exit_pages,
        sources,
        referrers,
        campaigns,
        devices,
        browsers,
        operating_systems,
        countries,
        others,
    }
}

fn hours(acc: &SiteAcc) -> Vec<HourRow> {
    let hour_of_day = acc
        .hour_of_day
        .iter()
        .enumerate()
        .map(|(hour, l)| HourRow {
            hour: hour as u32,
            sessions: l.sessions,
            engagement_rate: if l.sessions == 0 {
                0.0
            } else {
                l.engaged as f64 / l.sessions as f64
            },
        })
        .collect();
    hour_of_day
}

/// The user flow, top `n` per step, so later steps are not crowded out by the busy first one.
fn flow(acc: &SiteAcc, tables: &Tables, n: usize) -> (Vec<Transition>, Vec<FlowExit>) {
    // Top `n` per step, so later steps are not crowded out by the busy first one.
    let at = |step: u8, page: u32| acc.flow_pages.get(&(step, page)).copied().unwrap_or(0);
    let mut user_flow = Vec::new();
    let mut user_flow_exits = Vec::new();
    for step in 0..(crate::sessions::session::FLOW_STEPS - 1) as u8 {
        let mut continued: rustc_hash::FxHashMap<u32, u64> = rustc_hash::FxHashMap::default();
        let transitions: Vec<Transition> = acc
            .transitions
            .iter()
            .filter(|((s, _, _), _)| *s == step)
            .map(|(&(_, from, to), &sessions)| {
                *continued.entry(from).or_default() += sessions;
                let from_sessions = at(step, from).max(sessions);
                Transition {
                    step: step + 1,
                    from: label(tables, from),
                    to: label(tables, to),
                    sessions,
                    from_sessions,
                    share_of_from: sessions as f64 / from_sessions as f64,
                }
            })
            .collect();
        user_flow.extend(top(transitions, n, |t| (t.sessions, format!("{}{}", t.from, t.to))));
        let exits: Vec<FlowExit> = acc
            .flow_pages
            .iter()
            .filter(|((s, _), _)| *s == step)
            .map(|(&(_, page), &sessions)| {
                let exits = sessions.saturating_sub(continued.get(&page).copied().unwrap_or(0));
                FlowExit {
                    step: step + 1,
                    page: label(tables, page),
                    sessions,
                    exits,
                    exit_share: if sessions == 0 {
                        0.0
                    } else {
                        exits as f64 / sessions as f64
                    },
                }
            })
            .filter(|e| e.exits > 0)
            .collect();
        user_flow_exits.extend(top(exits, n, |e| (e.exits, e.page.clone())));
    }
    (user_flow, user_flow_exits)
}

fn funnel_reports(acc: &SiteAcc, tables: &Tables, config: &Config) -> Vec<FunnelReport> {
    let funnels = config
        .funnels
        .iter()
        .zip(&acc.funnels)
        .zip(&acc.previous_funnels)
        .enumerate()
        .map(|(index, ((funnel, reached), before_period))| {
            let first = reached.first().copied().unwrap_or(0);
            let previous_first = before_period.first().copied().unwrap_or(0);
            let steps = funnel
                .steps
                .iter()
                .enumerate()
                .map(|(k, step)| {
                    let name = step
                        .name
                        .clone()
                        .or_else(|| step.event.clone())
                        .or_else(|| step.path.as_ref().map(|p| p.as_str().to_owned()))
                        .unwrap_or_default();
                    let before = if k == 0 { reached[0] } else { reached[k - 1] };
                    let previous_sessions = before_period.get(k).copied().unwrap_or(0);
                    let conversion_from_start = ratio(reached[k], first);
                    let previous_conversion_from_start = ratio(previous_sessions, previous_first);
                    FunnelStep {
                        step: name,
                        sessions: reached[k],
                        conversion_from_start,
                        drop_off: if before == 0 {
                            0.0
                        } else {
                            1.0 - reached[k] as f64 / before as f64
                        },
                        previous_sessions,
                        previous_conversion_from_start,
                        conversion_change: (first > 0 && previous_first > 0)
                            .then_some(conversion_from_start - previous_conversion_from_start),
                        conversion_test: (k > 0)
                            .then(|| rate_change(reached[k], first, previous_sessions, previous_first))
                            .flatten(),
                    }
                })
                .collect();
            let mut by_channel: Vec<FunnelChannel> = acc
                .channel_funnels
                .iter()
                .filter(|(&(_, f), _)| f == index)
                .map(|(&(channel, _), sessions)| FunnelChannel {
                    channel: tables.str(channel).to_owned(),
                    completion: ratio(
                        sessions.last().copied().unwrap_or(0),
                        sessions.first().copied().unwrap_or(0),
                    ),
                    sessions: sessions.clone(),
                })
                .collect();
            by_channel.sort_by(|a, b| {
                b.sessions
                    .first()
                    .cmp(&a.sessions.first())
                    .then_with(|| a.channel.cmp(&b.channel))
            });
            FunnelReport {
                name: funnel.name.clone(),
                steps,
                by_channel,
            }
        })
        .collect();
    funnels
}

/// The channels of a site, busiest first, each against its own comparison period.
fn channel_reports(acc: &mut SiteAcc, b: &BuildContext) -> Vec<ChannelReport> {
    let BuildContext {
        tables,
        lookup,
        n,
        coverage,
        days,
        periods,
        ..
    } = *b;
    let order = lookup.rules.channel_names();
    let acc_detail = Detail {
        sources: &acc.channel_sources,
        campaigns: &acc.channel_campaigns,
        landing: &acc.channel_landing,
        dims: &acc.channel_dims,
        daily: &acc.channel_daily,
    };
    let mut channels: Vec<ChannelReport> = acc
        .channels
        .iter_mut()
        .map(|(&channel, counts)| {
            let figures = counts.figures();
            let prev = acc
                .previous_channels
                .get_mut(&channel)
                .map(|c| c.figures())
                .unwrap_or_default();
            let revenue = |current: bool| {
                money(
                    acc.channel_revenue
                        .iter()
                        .filter(|(&(_, ch, _), _)| ch == channel)
                        .map(|(&(cur, _, c), &v)| (cur, c, v)),
                    tables,
                    current,
                )
            };
            let deltas = Deltas::between(&figures, &prev, coverage.comparable);
            let significance = Significance::of(
                &figures,
                &prev,
                &deltas,
                days,
                &channel_days(&acc.previous_channel_daily, channel, periods.previous),
            );
            ChannelReport {
                channel: tables.str(channel).to_owned(),
                significance,
                sessions_delta: if coverage.comparable {
                    delta(figures.sessions as f64, prev.sessions as f64)
                } else {
                    None
                },
                previous_sessions: prev.sessions,
                deltas,
                revenue_by_currency: revenue(true),
                previous_revenue_by_currency: revenue(false),
                detail: channel_detail(&acc_detail, channel, figures.sessions, tables, n),
                scroll: acc
                    .channel_scroll
                    .get(&channel)
                    .map(ScrollFigures::from)
                    .unwrap_or_default(),
                previous: prev,
                figures,
            }
        })
        .collect();
    let rank = |name: &str| order.iter().position(|c| *c == name).unwrap_or(usize::MAX);
    channels.sort_by(|a, b| {
        b.figures
            .sessions
            .cmp(&a.figures.sessions)
            .then_with(|| rank(&a.channel).cmp(&rank(&b.channel)))
    });
    channels
}

fn goal_reports(
    acc: &SiteAcc,
    b: &BuildContext,
    channels: &[ChannelReport],
    totals: &Figures,
    previous: &Figures,
) -> Vec<GoalReport> {
    let (tables, config, total_sessions) = (b.tables, b.config, totals.sessions);
    let previous_sessions = previous.sessions;
    let channel_sessions: rustc_hash::FxHashMap<&str, u64> = channels
        .iter()
        .map(|c| (c.channel.as_str(), c.figures.sessions))
        .collect();
    let goals = config
        .goals
        .iter()
        .zip(&acc.goals)
        .zip(&acc.previous_goals)
        .enumerate()
        .map(|(index, ((goal, lite), &before))| {
            let conversion_rate = ratio(lite.sessions, total_sessions);
            let previous_conversion_rate = ratio(before, previous_sessions);
            let mut by_channel: Vec<GoalChannel> = acc
                .channel_goals
                .iter()
                .filter(|(&(_, g), _)| g == index)
                .map(|(&(channel, _), &conversions)| {
                    let name = tables.str(channel);
                    let sessions = channel_sessions.get(name).copied().unwrap_or(0).max(conversions);
                    GoalChannel {
                        channel: name.to_owned(),
                        sessions,
                        conversions,
                        conversion_rate: ratio(conversions, sessions),
                    }
                })
                .collect();
            by_channel.sort_by(|a, b| {
                b.conversions
                    .cmp(&a.conversions)
                    .then_with(|| a.channel.cmp(&b.channel))
            });
            GoalReport {
                goal: goal.name.clone(),
                conversions: lite.sessions,
                conversion_rate,
                revenue_of_converting_sessions: money(
                    acc.goal_revenue.iter().map(|(&(g, c), &v)| (g, c, v)),
                    tables,
                    index,
                ),
                previous_conversions: before,
                previous_conversion_rate,
                conversion_rate_change: (total_sessions > 0 && previous_sessions > 0)
                    .then_some(conversion_rate - previous_conversion_rate),
                conversion_rate_test: rate_change(lite.sessions, total_sessions, before, previous_sessions),
                by_channel,
            }
        })
        .collect();
    goals
}

/// What every section of `SiteReport::build` reads besides the accumulator.
#[derive(Clone, Copy)]
struct BuildContext<'a> {
    tables: &'a Tables,
    lookup: &'a Lookup,
    config: &'a Config,
    n: usize,
    coverage: &'a Coverage,
    /// Lengths of the current and the comparison period.
    days: (f64, f64),
    periods: super::site::Periods,
}

impl SiteReport {
    pub fn build(mut acc: SiteAcc, tables: &Tables, lookup: &Lookup, config: &Config, data: &DataHours) -> Self {
        acc.fold(lookup, tables);
        let periods = data.periods;
        let coverage = data.coverage(&mut acc.clock, periods.current, periods.previous);
        let n = config.report.top;
        let totals = acc.current.figures();
        let previous = acc.previous.figures();
        let length = |(from, to): (i64, i64)| (to - from + 1) as f64;
        let b = BuildContext {
            tables,
            lookup,
            config,
            n,
            coverage: &coverage,
            days: (length(periods.current), length(periods.previous)),
            periods,
        };
        let channels = channel_reports(&mut acc, &b);
        let channel_by_device = matrix(&acc.channel_dims[DEVICE_SLOT], &channels, tables, |v| v);
        let channel_by_country = matrix(&acc.channel_dims[COUNTRY_SLOT], &channels, tables, |code| {
            super::countries::name(&code).map_or(code, str::to_owned)
        });
        let goals = goal_reports(&acc, &b, &channels, &totals, &previous);
        let revenue = money(acc.revenue.iter().map(|(&(cur, c), &v)| (cur, c, v)), tables, true);
        let previous_revenue = money(acc.revenue.iter().map(|(&(cur, c), &v)| (cur, c, v)), tables, false);
        let tops = breakdowns(&acc, tables, n, totals.sessions);
        let (user_flow, user_flow_exits) = flow(&acc, tables, n);
        let deltas = Deltas::between(&totals, &previous, coverage.comparable);
        let previous_days = site_days(&mut acc.previous_daily, periods.previous);
        let significance = Significance::of(&totals, &previous, &deltas, b.days, &previous_days);

        SiteReport {
            site: tables.str(acc.site).to_owned(),
            timezone: acc.tz.name().to_owned(),
            deltas,
            significance,
            coverage,
            revenue,
            previous_revenue,
            channels,
            goals,
            top_pages: tops.top_pages,
            landing_pages: tops.landing_pages,
            exit_pages: tops.exit_pages,
            sources: tops.sources,
            referrers: tops.referrers,
            campaigns: tops.campaigns,
            devices: tops.devices,
            browsers: tops.browsers,
            operating_systems: tops.operating_systems,
            countries: tops.countries,
            hour_of_day: hours(&acc),
            daily: day_rows(&mut acc.daily),
            previous_daily: day_rows(&mut acc.previous_daily),
            user_flow,
            user_flow_exits,
            funnels: funnel_reports(&acc, tables, config),
            technical: technical(&acc, tables, config, &totals, n),
            bot_ledger: super::ledger::BotLedger::build(&acc.ledger, tables, config.automation.exclude_from_human, n),
            others: tops.others,
            scroll: site_scroll(&acc),
            segments: Vec::new(),
            channel_by_device,
            channel_by_country,
            annotations: crate::annotations::for_site(
                &config.annotations,
                tables.str(acc.site),
                date(periods.current.0),
                date(periods.current.1),
            ),
            totals,
            previous,
        }
    }
}

/// Scroll depth of all the period's page views.
fn site_scroll(acc: &SiteAcc) -> ScrollFigures {
    let mut all = ScrollDepths::default();
    for depths in acc.page_scroll.values() {
        all.merge(depths);
    }
    ScrollFigures::from(&all)
}

/// Index of the country breakdown in `SiteAcc::dims` (see `DIM_BREAKDOWNS`).
const COUNTRY_SLOT: usize = 3;
const DEVICE_SLOT: usize = 0;

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The per-channel maps of a site, borrowed for `channel_detail`.
struct Detail<'a> {
    sources: &'a rustc_hash::FxHashMap<(u32, u32, u32), BreakdownCounts>,
    campaigns: &'a rustc_hash::FxHashMap<(u32, u32, u32, u32), BreakdownCounts>,
    landing: &'a rustc_hash::FxHashMap<(u32, u32), BreakdownCounts>,
    dims: &'a [rustc_hash::FxHashMap<(u32, u32), BreakdownCounts>; 4],
    daily: &'a rustc_hash::FxHashMap<(u32, i64), BreakdownCounts>,
}

fn channel_detail(d: &Detail, channel: u32, total: u64, tables: &Tables, n: usize) -> ChannelDetail {
    let sources = d
        .sources
        .iter()
        .filter(|(&(c, _, _), _)| c == channel)
        .map(|(&(_, s, m), l)| (source_row(s, m, l, total, tables), l))
        .collect();
    let campaigns = d
        .campaigns
        .iter()
        .filter(|(&(c, _, _, _), _)| c == channel)
        .map(|(&(_, k, s, m), l)| (campaign_row(k, s, m, l, total, tables), l))
        .collect();
    let landing = d
        .landing
        .iter()
        .filter(|(&(c, _), _)| c == channel)
        .map(|(&(_, p), l)| (breakdown(label(tables, p), l, total, tables), l))
        .collect();
    let devices = d.dims[DEVICE_SLOT]
        .iter()
        .filter(|(&(c, _), _)| c == channel)
        .map(|(&(_, v), l)| (breakdown(label(tables, v), l, total, tables), l))
        .collect();
    let countries = d.dims[COUNTRY_SLOT]
        .iter()
        .filter(|(&(c, _), _)| c == channel)
        .map(|(&(_, v), l)| (country(label(tables, v), l, total, tables), l))
        .collect();
    let mut daily: Vec<(i64, &BreakdownCounts)> = d
        .daily
        .iter()
        .filter(|(&(c, _), _)| c == channel)
        .map(|(&(_, day), l)| (day, l))
        .collect();
    daily.sort_by_key(|(day, _)| *day);
    ChannelDetail {
        sources: ranked(sources, n, total, tables, by_name),
        campaigns: ranked(campaigns, n, total, tables, campaign_key),
        landing_pages: ranked(landing, n, total, tables, by_name),
        devices: ranked(devices, n, total, tables, by_name),
        countries: ranked(countries, n, total, tables, by_name),
        daily: daily
            .into_iter()
            .map(|(day, l)| ChannelDay {
                date: hitflow_schema::layout::Ymd::from_days(day).to_string(),
                sessions: l.sessions,
                engagement_rate: ratio(l.engaged, l.sessions),
                converted_sessions: l.converted,
            })
            .collect(),
    }
}

/// The keys of `map` in the order `technical`'s `counts` ranks them (sessions, then name).
fn top_keys(map: &rustc_hash::FxHashMap<u32, u64>, tables: &Tables, n: usize) -> Vec<u32> {
    let mut keys: Vec<(u32, u64, String)> = map.iter().map(|(&k, &v)| (k, v, label(tables, k))).collect();
    keys.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.2.cmp(&b.2)));
    keys.into_iter().take(n).map(|(k, _, _)| k).collect()
}

fn technical(acc: &SiteAcc, tables: &Tables, config: &Config, totals: &Figures, n: usize) -> Technical {
    let counts = |map: &rustc_hash::FxHashMap<u32, u64>| {
        top(
            map.iter()
                .map(|(&k, &v)| CountRow {
                    name: label(tables, k),
                    sessions: v,
                    of_sessions: None,
                    share: None,
                })
                .collect(),
            n,
            |r| (r.sessions, r.name.clone()),
        )
    };
    let site_share = totals.very_short_share;
    let t = &config.technical;
    let mut hotspots = Vec::new();
    let mut consider = |dimension: &str, value: String, counts: &BreakdownCounts| {
        if counts.sessions < t.min_sessions || site_share <= 0.0 {
            return;
        }
        let share = counts.very_short as f64 / counts.sessions as f64;
        let lift = share / site_share;
        if lift >= t.short_session_lift {
            hotspots.push(Hotspot {
                dimension: dimension.into(),
                value,
                sessions: counts.sessions,
                very_short_share: (share),
                site_very_short_share: (site_share),
                lift,
            });
        }
    };
    for (&browser, counts) in &acc.dims[1] {
        consider("browser", label(tables, browser), counts);
    }
    for (&os, counts) in &acc.dims[2] {
        consider("os", label(tables, os), counts);
    }
    for (&(browser, version), counts) in &acc.browser_versions {
        consider(
            "browser_version",
            format!("{} {}", label(tables, browser), label(tables, version)),
            counts,
        );
    }
    for (&(os, version), counts) in &acc.os_versions {
        consider(
            "os_version",
            format!("{} {}", label(tables, os), label(tables, version)),
            counts,
        );
    }
    for (&page, counts) in &acc.landing {
        consider("landing_page", label(tables, page), counts);
    }
    hotspots.sort_by(|a, b| b.lift.total_cmp(&a.lift).then_with(|| a.value.cmp(&b.value)));
    hotspots.truncate(n);
    Technical {
        sessions_ending_on_error: acc.error_endings,
        error_ending_share: if totals.sessions == 0 {
            0.0
        } else {
            acc.error_endings as f64 / totals.sessions as f64
        },
        error_endings_by_page: counts(&acc.error_exit_pages),
        error_endings_by_browser: counts(&acc.error_browsers)
            .into_iter()
            .zip(top_keys(&acc.error_browsers, tables, n))
            .map(|(mut row, browser)| {
                // A rate per browser: 40 error endings of 50 sessions is a broken browser,
                // 40 of 40,000 is noise.
                let of = acc.dims[1].get(&browser).map_or(0, |l| l.sessions).max(row.sessions);
                row.of_sessions = Some(of);
                row.share = Some(if of == 0 { 0.0 } else { row.sessions as f64 / of as f64 });
                row
            })
            .collect(),
        error_endings_by_event: counts(&acc.error_events),
        short_session_hotspots: hotspots,
    }
}
