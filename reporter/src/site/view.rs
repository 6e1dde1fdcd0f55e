//! What the templates see: the report's own structs, plus what is derived for presentation
//! (slugs, KPI cards, the best/worst marks of the channel table, user-flow steps, charts).
//! Numbers stay numbers here; the templates format them with the `format` filters, except
//! the KPI cards, whose rows are uniform enough to format once in Rust.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::charts::{self, Column, Columns, Marker, Row};
use crate::annotations::Annotation;
use crate::figures::counts::Figures;
use crate::figures::report::{ChannelReport, FlowExit, FunnelReport, Money, Report, SiteReport, Transition};
use crate::present::format;
use crate::present::kpis::{kpis, missing_change, Kpi};
use crate::present::Change;
use crate::present::{comparison, Comparison};
use crate::stats::Test;

/// Channels with fewer sessions are not ranked best/worst: a channel with 2 sessions has
/// extreme rates by chance, and marking them would point readers at noise.
pub const MIN_SESSIONS_TO_RANK: u64 = 30;

/// A rate is ranked only where both its events and non-events number at least this many (the
/// usual condition for a rate's normal approximation): 7 conversions out of 31 sessions is not
/// a "best" conversion rate yet. A later significance test replaces this rule.
pub const MIN_EVENTS_TO_RANK: u64 = 5;

/// Channels with fewer sessions show the 95% interval of their rates.
pub const SMALL_CHANNEL_SESSIONS: u64 = 1000;

/// Most rows that may share a best or worst mark.
pub const MAX_TIED_MARKS: usize = 2;

/// A site of the period and the folder its pages go to.
#[derive(Debug, Clone, Serialize)]
pub struct SiteLink {
    pub name: String,
    pub slug: String,
}

/// `best` / `worst` per quality column of the traffic-quality table (`None`: neither).
/// Sessions are volume, not quality, and are never ranked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Marks {
    pub engagement_rate: Option<&'static str>,
    pub bounce_rate: Option<&'static str>,
    pub pages_per_session: Option<&'static str>,
    pub avg_duration_s: Option<&'static str>,
    pub conversion_rate: Option<&'static str>,
    pub bot_share: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChannelRow<'a> {
    pub c: &'a ChannelReport,
    pub slug: String,
    /// Share of the site's sessions.
    pub share: f64,
    pub marks: Marks,
    /// Whether the channel had enough sessions to be ranked.
    pub ranked: bool,
    pub intervals: RateIntervals,
}

/// 95% Wilson intervals of a small channel's rates (`31.0–52.1%`); empty for larger channels.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RateIntervals {
    pub engagement_rate: String,
    pub bounce_rate: String,
    pub conversion_rate: String,
}

impl RateIntervals {
    fn of(f: &Figures) -> Self {
        if f.sessions >= SMALL_CHANNEL_SESSIONS {
            return RateIntervals::default();
        }
        let range = |x: u64| {
            crate::stats::proportions::wilson(x, f.sessions)
                .map(|(low, high)| format::pct_range(low, high))
                .unwrap_or_default()
        };
        RateIntervals {
            engagement_rate: range(f.engaged_sessions),
            bounce_rate: range(f.bounces),
            conversion_rate: range(f.converted_sessions),
        }
    }
}

/// One line of the channel page's comparison: the channel, its previous period and the change,
/// and the whole site.
#[derive(Debug, Clone, Serialize)]
pub struct Compare {
    pub label: &'static str,
    pub term: &'static str,
    pub channel: String,
    /// The channel's value in the previous period; `None` when it had no sessions then.
    pub previous: Option<String>,
    /// `▲ +8.0%`, `▼ −1.1 pp`, or why there is no change.
    pub change: String,
    pub tone: &'static str,
    pub site: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlowStep<'a> {
    pub step: u8,
    pub transitions: Vec<&'a Transition>,
    pub exits: Vec<&'a FlowExit>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FunnelView<'a> {
    pub f: &'a FunnelReport,
    pub chart: String,
}

/// A segment in a site's navigation.
#[derive(Debug, Clone, Serialize)]
pub struct SegmentLink {
    pub name: String,
    pub slug: String,
    pub filters: String,
}

/// Everything the pages of one site (or one segment of it) need.
#[derive(Debug, Clone, Serialize)]
pub struct SiteView<'a> {
    pub s: &'a SiteReport,
    /// The folder of these pages below the period's: the site's, or `<site>/segments/<name>`.
    pub slug: String,
    /// The site's own folder, and its segments (navigation).
    pub site_slug: String,
    pub segments: Vec<SegmentLink>,
    /// The segment these pages show, if any, and its slug ("" for the whole site).
    pub segment: Option<SegmentLink>,
    pub segment_slug: String,
    pub kpis: Vec<Kpi>,
    pub channels: Vec<ChannelRow<'a>>,
    pub min_sessions_to_rank: u64,
    pub min_events_to_rank: u64,
    pub small_channel_sessions: u64,
    /// Changes of counts are missing because of partial data (not for lack of a previous period).
    pub partial: bool,
    /// Which days hold data, when a period is incomplete.
    pub coverage_note: Option<String>,
    /// The daily chart shows the previous period's average (both periods fully covered).
    pub daily_reference: bool,
    pub max_tied_marks: usize,
    pub flow: Vec<FlowStep<'a>>,
    pub funnels: Vec<FunnelView<'a>>,
    pub daily_chart: String,
    pub hour_chart: String,
    pub channel_chart: String,
}

fn ratio(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Marks the best and worst value of each quality column among the channels that pass the
/// minimum-sample rule for that column: at least [`MIN_SESSIONS_TO_RANK`] sessions, and for a
/// rate at least [`MIN_EVENTS_TO_RANK`] events and as many non-events. Ties share the mark, up
/// to [`MAX_TIED_MARKS`] rows: a value many channels share (typically 0% bot share) is not
/// distinctive, and a column of "best" labels would bury the ones that are.
fn marks(channels: &[ChannelReport]) -> Vec<Marks> {
    let mut out = vec![Marks::default(); channels.len()];
    type Value = fn(&Figures) -> f64;
    /// Events and non-events behind a rate; `None` for averages (sessions alone decide).
    type Events = fn(&Figures) -> Option<(u64, u64)>;
    type Slot = fn(&mut Marks) -> &mut Option<&'static str>;
    let columns: [(Value, Events, bool, Slot); 6] = [
        (
            |f| f.engagement_rate,
            |f| Some((f.engaged_sessions, f.sessions - f.engaged_sessions.min(f.sessions))),
            false,
            |m| &mut m.engagement_rate,
        ),
        (
            |f| f.bounce_rate,
            |f| Some((f.bounces, f.sessions - f.bounces.min(f.sessions))),
            true,
            |m| &mut m.bounce_rate,
        ),
        (|f| f.pages_per_session, |_| None, false, |m| &mut m.pages_per_session),
        (|f| f.avg_duration_s, |_| None, false, |m| &mut m.avg_duration_s),
        (
            |f| f.conversion_rate,
            |f| Some((f.converted_sessions, f.sessions - f.converted_sessions.min(f.sessions))),
            false,
            |m| &mut m.conversion_rate,
        ),
        // Bot share rests on hits (many per session), and 0% is a real, common value.
        (|f| f.bot_share, |_| None, true, |m| &mut m.bot_share),
    ];
    for (value, events, lower_is_better, slot) in columns {
        let eligible: Vec<bool> = channels
            .iter()
            .map(|c| {
                c.figures.sessions >= MIN_SESSIONS_TO_RANK
                    && events(&c.figures).is_none_or(|(yes, no)| yes.min(no) >= MIN_EVENTS_TO_RANK)
            })
            .collect();
        let values: Vec<f64> = channels
            .iter()
            .zip(&eligible)
            .filter(|(_, e)| **e)
            .map(|(c, _)| value(&c.figures))
            .collect();
        if values.len() < 2 {
            continue;
        }
        let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        });
        if lo == hi {
            continue;
        }
        let (best, worst) = if lower_is_better { (lo, hi) } else { (hi, lo) };
        let distinct = |target: f64| values.iter().filter(|v| **v == target).count() <= MAX_TIED_MARKS;
        let (mark_best, mark_worst) = (distinct(best), distinct(worst));
        for ((channel, e), marks) in channels.iter().zip(&eligible).zip(out.iter_mut()) {
            let v = value(&channel.figures);
            if *e && mark_best && v == best {
                *slot(marks) = Some("best");
            } else if *e && mark_worst && v == worst {
                *slot(marks) = Some("worst");
            }
        }
    }
    out
}

/// Amounts per currency on one line, never added up: `120.00 EUR, 35.00 USD`; `–` for none.
fn amounts(m: &[Money]) -> String {
    if m.is_empty() {
        return format::MISSING.to_owned();
    }
    m.iter()
        .map(|m| format::money(m.amount, &m.currency))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The channel page's side-by-side of the channel, its previous period (with the change, as
/// the overview's cards show it) and the whole site.
pub fn compare(c: &ChannelReport, site: &SiteReport) -> Vec<Compare> {
    let (f, p, d, g) = (&c.figures, &c.previous, &c.deltas, &c.significance);
    let had = p.sessions > 0;
    let missing = if had && !site.coverage.comparable {
        Change::Partial
    } else {
        Change::NoPrevious
    };
    type Show = fn(&Figures) -> String;
    let row =
        |label, term, show: Show, (delta, test): (Option<f64>, Option<Test>), points: bool, lower_is_better: bool| {
            let change = Change::tested(delta, points, missing, test.as_ref());
            Compare {
                label,
                term,
                channel: show(f),
                previous: had.then(|| show(p)),
                change: change.text().1,
                tone: change.tone(lower_is_better),
                site: show(&site.totals),
            }
        };
    let mut rows = vec![
        row(
            "Sessions",
            "session",
            |f| format::int(f.sessions),
            (d.sessions, g.sessions),
            false,
            false,
        ),
        row(
            "Visitors (daily-unique)",
            "visitors",
            |f| format::int(f.visitors),
            (d.visitors, g.visitors),
            false,
            false,
        ),
        row(
            "Pageviews",
            "pageviews",
            |f| format::int(f.pageviews),
            (d.pageviews, g.pageviews),
            false,
            false,
        ),
        row(
            "Pages / session",
            "pages_per_session",
            |f| format::decimal(f.pages_per_session, 2),
            (None, None),
            false,
            false,
        ),
        row(
            "Avg. duration",
            "avg_duration_s",
            |f| format::duration(f.avg_duration_s),
            (d.avg_duration_s, None),
            false,
            false,
        ),
        row(
            "Median duration",
            "median_duration_s",
            |f| format::duration(f.median_duration_s),
            (None, None),
            false,
            false,
        ),
        row(
            "Engagement rate",
            "engagement_rate",
            |f| format::pct_of(f.engaged_sessions, f.sessions),
            (d.engagement_rate, g.engagement_rate),
            true,
            false,
        ),
        row(
            "Bounce rate",
            "bounce_rate",
            |f| format::pct_of(f.bounces, f.sessions),
            (d.bounce_rate, g.bounce_rate),
            true,
            true,
        ),
        row(
            "Conversions",
            "conversions",
            |f| format::int(f.conversions),
            (None, None),
            false,
            false,
        ),
        row(
            "Conversion rate",
            "conversions",
            |f| format::pct_of(f.converted_sessions, f.sessions),
            (d.conversion_rate, g.conversion_rate),
            true,
            false,
        ),
        row(
            "Very short sessions",
            "very_short_share",
            |f| format::pct(f.very_short_share),
            (None, None),
            false,
            true,
        ),
        row(
            "Bot share (of hits)",
            "bot_share",
            |f| format::pct(f.bot_share),
            (None, None),
            false,
            true,
        ),
    ];
    // Revenue per currency: several currencies are listed apart, never summed, so the change
    // is only given for a single currency.
    let currencies = |m: &[Money]| m.iter().map(|m| m.currency.clone()).collect::<Vec<_>>();
    let single = c.revenue_by_currency.len() <= 1
        && currencies(&c.revenue_by_currency) == currencies(&c.previous_revenue_by_currency);
    let change = if single {
        Change::from_option(d.revenue, false, missing)
    } else {
        missing
    };
    rows.insert(
        10,
        Compare {
            label: "Revenue",
            term: "revenue",
            channel: amounts(&c.revenue_by_currency),
            previous: had.then(|| amounts(&c.previous_revenue_by_currency)),
            change: change.text().1,
            tone: change.tone(false),
            site: amounts(&site.revenue),
        },
    );
    rows
}

pub(super) fn day_label(date: &str) -> String {
    match NaiveDate::parse_from_str(date, "%Y-%m-%d") {
        Ok(d) => format!("{} {:02}", d.weekday(), d.day()),
        Err(_) => date.to_owned(),
    }
}

/// The annotations drawn on a daily chart: numbered as listed, each on the bar of its date (a
/// day without a bar has none; the list still names it).
pub fn markers<'a>(annotations: &[Annotation], dates: impl Iterator<Item = &'a str> + Clone) -> Vec<Marker> {
    annotations
        .iter()
        .enumerate()
        .filter_map(|(k, a)| {
            let bar = dates.clone().position(|d| d == a.date)?;
            Some(Marker {
                bar,
                number: k + 1,
                text: format!("{}: {}", a.date, a.text),
            })
        })
        .collect()
}

fn daily_chart(s: &SiteReport, days: i64, comparison: &Comparison) -> String {
    let count = s.daily.len();
    let previous_avg = if days > 0 {
        s.previous.sessions as f64 / days as f64
    } else {
        0.0
    };
    // The previous period's average is a fair line only when both periods are fully covered.
    let reference = s.coverage.comparable && s.previous.sessions > 0;
    let mut description = format!(
        "{}, {} in total",
        format::count(count as u64, "day"),
        format::count(s.totals.sessions, "session")
    );
    if reference {
        description.push_str(&format!(
            "; dashed line: {}'s average of {} per day",
            comparison.short,
            format::decimal(previous_avg, 0)
        ));
    }
    if !s.annotations.is_empty() {
        description.push_str(&format!(
            "; numbered markers: {}",
            format::count(s.annotations.len() as u64, "annotation")
        ));
    }
    description.push('.');
    charts::columns(&Columns {
        title: format!("Sessions per day, {}", s.site),
        description,
        bars: s
            .daily
            .iter()
            .map(|d| Column {
                label: day_label(&d.date),
                value: d.sessions as f64,
                text: format::int(d.sessions),
            })
            .collect(),
        label_every: count.div_ceil(10).max(1),
        value_labels: count <= 16,
        reference: reference.then(|| {
            (
                previous_avg,
                format!("{}: {}/day", comparison.short, format::decimal(previous_avg, 0)),
            )
        }),
        markers: markers(&s.annotations, s.daily.iter().map(|d| d.date.as_str())),
    })
}

fn hour_chart(s: &SiteReport) -> String {
    charts::columns(&Columns {
        title: format!("Sessions by hour of day ({})", s.timezone),
        description: "Sessions by the hour they started, site time zone, whole period.".into(),
        bars: s
            .hour_of_day
            .iter()
            .map(|h| Column {
                label: format!("{:02}h", h.hour),
                value: h.sessions as f64,
                text: format::int(h.sessions),
            })
            .collect(),
        label_every: 3,
        value_labels: false,
        reference: None,
        markers: Vec::new(),
    })
}

fn channel_chart(s: &SiteReport) -> String {
    let rows: Vec<Row> = s
        .channels
        .iter()
        .map(|c| {
            let share = ratio(c.figures.sessions, s.totals.sessions);
            Row {
                label: c.channel.clone(),
                fraction: share,
                text: format!("{} ({})", format::pct(share), format::int(c.figures.sessions)),
                note: None,
            }
        })
        .collect();
    charts::rows(
        "Share of sessions by channel",
        "Each bar is the channel's share of all sessions of the period; the track is 100%.",
        &rows,
    )
}

pub fn funnel_chart(f: &FunnelReport) -> String {
    let rows: Vec<Row> = f
        .steps
        .iter()
        .enumerate()
        .map(|(k, step)| Row {
            label: format!("{}. {}", k + 1, step.step),
            fraction: step.conversion_from_start,
            text: format!(
                "{} ({})",
                format::int(step.sessions),
                format::pct(step.conversion_from_start)
            ),
            note: (k > 0).then(|| format!("▼ {} dropped off after the previous step", format::pct(step.drop_off))),
        })
        .collect();
    charts::rows(
        &format!("Funnel: {}", f.name),
        "Sessions reaching each step, as a share of the first step, with the drop-off from the step before.",
        &rows,
    )
}

fn flow(s: &SiteReport) -> Vec<FlowStep<'_>> {
    let mut steps: BTreeMap<u8, FlowStep<'_>> = BTreeMap::new();
    let step = |steps: &mut BTreeMap<u8, FlowStep<'_>>, n: u8| {
        steps.entry(n).or_insert_with(|| FlowStep {
            step: n,
            transitions: Vec::new(),
            exits: Vec::new(),
        });
    };
    for t in &s.user_flow {
        step(&mut steps, t.step);
        steps.entry(t.step).and_modify(|st| st.transitions.push(t));
    }
    for e in &s.user_flow_exits {
        step(&mut steps, e.step);
        steps.entry(e.step).and_modify(|st| st.exits.push(e));
    }
    for st in steps.values_mut() {
        st.transitions.sort_by(|a, b| {
            b.sessions
                .cmp(&a.sessions)
                .then_with(|| (&a.from, &a.to).cmp(&(&b.from, &b.to)))
        });
        st.exits
            .sort_by(|a, b| b.exits.cmp(&a.exits).then_with(|| a.page.cmp(&b.page)));
    }
    steps.into_values().collect()
}

impl<'a> SiteView<'a> {
    pub fn new(report: &Report, s: &'a SiteReport, slug: String, channel_slugs: Vec<String>) -> Self {
        let marks = marks(&s.channels);
        let channels = s
            .channels
            .iter()
            .zip(channel_slugs)
            .zip(marks)
            .map(|((c, slug), marks)| ChannelRow {
                c,
                slug,
                share: ratio(c.figures.sessions, s.totals.sessions),
                marks,
                ranked: c.figures.sessions >= MIN_SESSIONS_TO_RANK,
                intervals: RateIntervals::of(&c.figures),
            })
            .collect();
        SiteView {
            s,
            site_slug: slug.clone(),
            segments: Vec::new(),
            segment: None,
            segment_slug: String::new(),
            slug,
            kpis: kpis(s),
            channels,
            min_sessions_to_rank: MIN_SESSIONS_TO_RANK,
            min_events_to_rank: MIN_EVENTS_TO_RANK,
            small_channel_sessions: SMALL_CHANNEL_SESSIONS,
            partial: missing_change(s) == Change::Partial,
            coverage_note: crate::present::coverage_note(&s.coverage),
            daily_reference: s.coverage.comparable && s.previous.sessions > 0,
            max_tied_marks: MAX_TIED_MARKS,
            flow: flow(s),
            funnels: s
                .funnels
                .iter()
                .map(|f| FunnelView {
                    f,
                    chart: funnel_chart(f),
                })
                .collect(),
            daily_chart: daily_chart(s, report.period.days, &comparison(&report.period)),
            hour_chart: hour_chart(s),
            channel_chart: channel_chart(s),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn channel(name: &str, sessions: u64, bounce_rate: f64, bot_share: f64) -> ChannelReport {
        let hits = sessions * 10;
        let bot_hits = (hits as f64 * bot_share).round() as u64;
        ChannelReport {
            channel: name.into(),
            figures: Figures {
                sessions,
                bounces: (sessions as f64 * bounce_rate).round() as u64,
                bounce_rate,
                bot_hits,
                human_hits: hits - bot_hits,
                bot_share,
                engaged_sessions: sessions / 2,
                engagement_rate: 0.5,
                ..Figures::default()
            },
            ..ChannelReport::default()
        }
    }

    #[test]
    fn best_and_worst_follow_the_direction_of_each_column() {
        let channels = [
            channel("A", 100, 0.2, 0.1),
            channel("B", 50, 0.6, 0.0),
            channel("C", 40, 0.4, 0.3),
            channel("Tiny", 2, 0.0, 0.9),
        ];
        let m = marks(&channels);
        // Lower bounce rate is better; the tiny channel is not ranked.
        assert_eq!(
            (m[0].bounce_rate, m[1].bounce_rate, m[3].bounce_rate),
            (Some("best"), Some("worst"), None)
        );
        assert_eq!(
            (m[1].bot_share, m[2].bot_share, m[3].bot_share),
            (Some("best"), Some("worst"), None)
        );
        // All equal: no marks.
        assert!(m.iter().all(|m| m.engagement_rate.is_none()));
    }

    #[test]
    fn a_value_many_channels_share_is_not_marked() {
        let channels = [
            channel("A", 100, 0.2, 0.0),
            channel("B", 90, 0.3, 0.0),
            channel("C", 80, 0.4, 0.0),
            channel("D", 70, 0.5, 0.2),
        ];
        let m = marks(&channels);
        assert!(m[..3].iter().all(|m| m.bot_share.is_none()), "three-way tie for best");
        assert_eq!(m[3].bot_share, Some("worst"));
        let two = marks(&channels[1..]);
        assert_eq!(
            (two[0].bot_share, two[1].bot_share, two[2].bot_share),
            (Some("best"), Some("best"), Some("worst"))
        );
    }

    #[test]
    fn one_ranked_channel_gets_no_marks() {
        let m = marks(&[channel("A", 100, 0.2, 0.1), channel("B", 3, 0.6, 0.0)]);
        assert!(m.iter().all(|m| m.bounce_rate.is_none()));
    }

    #[test]
    fn rates_resting_on_a_few_events_are_not_ranked() {
        // Each row: (sessions, converted); all have 30+ sessions, the rule is about events.
        type Case<'a> = (&'a [(u64, u64)], [Option<&'a str>; 3]);
        let cases: [Case; 2] = [
            // 7 conversions of 31 sessions would be "best" on sessions alone; with 4 it is not
            // ranked, leaving the other two.
            (&[(31, 4), (400, 20), (300, 30)], [None, Some("worst"), Some("best")]),
            (&[(31, 7), (400, 20), (300, 30)], [Some("best"), Some("worst"), None]),
        ];
        for (rows, expected) in cases {
            let channels: Vec<ChannelReport> = rows
                .iter()
                .map(|&(sessions, converted)| {
                    let mut c = channel("C", sessions, 0.5, 0.0);
                    c.figures.converted_sessions = converted;
                    c.figures.conversion_rate = converted as f64 / sessions as f64;
                    c
                })
                .collect();
            let got: Vec<Option<&str>> = marks(&channels).iter().map(|m| m.conversion_rate).collect();
            assert_eq!(got, expected, "{rows:?}");
        }
    }

    #[test]
    fn day_labels_name_the_weekday() {
        assert_eq!(day_label("2026-11-08"), "Sun 08");
        assert_eq!(day_label("not a date"), "not a date");
    }
}
