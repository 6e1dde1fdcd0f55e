//! `report.json`: the machine-readable output of `reporter run`. Field names are a documented
//! contract (README.md "report.json"); every rate is a fraction in [0, 1].

use serde::{Deserialize, Serialize};

use super::counts::{delta, round4, Figures};
use super::site::{Lite, SiteAcc};
use crate::config::Config;
use crate::scan::rows::Tables;
use crate::scan::BadObject;
use crate::sessions::lookup::Lookup;
use crate::sessions::stream::StreamStats;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Report {
    pub hitflow_version: String,
    pub period: PeriodInfo,
    pub session_rules: crate::config::SessionConfig,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SiteReport {
    pub site: String,
    pub timezone: String,
    pub totals: Figures,
    pub previous: Figures,
    /// Relative change of the main figures against the previous period (null: nothing before).
    pub deltas: Deltas,
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
    pub user_flow: Vec<Transition>,
    pub funnels: Vec<FunnelReport>,
    pub technical: Technical,
}

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
    fn between(c: &Figures, p: &Figures) -> Self {
        Deltas {
            sessions: delta(c.sessions as f64, p.sessions as f64),
            visitors: delta(c.visitors as f64, p.visitors as f64),
            pageviews: delta(c.pageviews as f64, p.pageviews as f64),
            bounce_rate: delta(c.bounce_rate, p.bounce_rate),
            engagement_rate: delta(c.engagement_rate, p.engagement_rate),
            conversion_rate: delta(c.conversion_rate, p.conversion_rate),
            avg_duration_s: delta(c.avg_duration_s, p.avg_duration_s),
            revenue: delta(c.revenue, p.revenue),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelReport {
    pub channel: String,
    #[serde(flatten)]
    pub figures: Figures,
    pub previous_sessions: u64,
    pub sessions_delta: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct GoalReport {
    pub goal: String,
    pub conversions: u64,
    pub conversion_rate: f64,
    pub revenue: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct PageRow {
    pub path: String,
    pub pageviews: u64,
}

/// Sessions of one entry of a breakdown, with its quality figures.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
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
    pub revenue: f64,
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

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Transition {
    /// 1 = from the landing page to the second page.
    pub step: u8,
    pub from: String,
    pub to: String,
    pub sessions: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelReport {
    pub name: String,
    pub steps: Vec<FunnelStep>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FunnelStep {
    pub step: String,
    pub sessions: u64,
    /// Sessions / sessions of the first step.
    pub conversion_from_start: f64,
    /// 1 − sessions / sessions of the previous step (0 for the first step).
    pub drop_off: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Technical {
    /// Sessions whose last hit was an error event or a not-found page.
    pub sessions_ending_on_error: u64,
    pub error_ending_share: f64,
    pub error_endings_by_page: Vec<CountRow>,
    pub error_endings_by_browser: Vec<CountRow>,
    /// Browsers, browser versions and landing pages whose share of very short sessions is well
    /// above the site's.
    pub short_session_hotspots: Vec<Hotspot>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CountRow {
    pub name: String,
    pub sessions: u64,
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
        ("session", "Hits of one visitor id with no gap over the inactivity timeout, cut at the maximum length and by the optional rules in session_rules. Counted in the period its first hit falls in (site time zone). Bot hits form separate sessions that never count here."),
        ("visitors", "Daily-unique visitors: distinct visitor ids. Ids rotate every UTC day by design (no cookies), so someone visiting on 3 days counts 3 times; distinct people across days cannot be known and are not estimated."),
        ("pageviews", "Pageview hits of the period's sessions (hits stored twice count once). top_pages counts the same."),
        ("pages_per_session", "pageviews / sessions."),
        ("avg_duration_s", "Mean of session durations: first hit to last activity, where the last page's visible time comes from its engagement beacon. A single pageview without a beacon lasts 0 s."),
        ("median_duration_s", "Median session duration, whole seconds."),
        ("bounce_rate", "Sessions with one pageview and no interaction event (outbound, download, custom events; engagement beacons are not interactions) / sessions."),
        ("engagement_rate", "GA4 engaged sessions / sessions: engaged when visible time (beacons; else duration) exceeds session_rules.engaged_seconds, or ≥ 2 pageviews, or a conversion."),
        ("conversions", "Goal completions, each goal counted at most once per session; conversion_rate = sessions with any goal / sessions."),
        ("revenue", "Sum of revenue sent with events of the sessions (mixed currencies are summed as sent). A goal's revenue is that of the sessions that reached it, so a session reaching two goals shows its revenue under both; totals and channels count it once."),
        ("very_short_share", "Sessions shorter than session_rules.very_short_seconds / sessions."),
        ("bot_share", "Hits flagged as bots by the collector / all hits, of sessions starting in the period."),
        ("exit_rate", "Sessions ending on the page / pageviews of the page, both in the period's sessions."),
        ("channel", "GA4's default channel group, in GA4's rule order, with an AI Assistants channel before the organic ones; custom rules from the config apply first or where placed."),
    ]
    .into_iter()
    .map(|(figure, definition)| Definition { figure: figure.into(), definition: definition.into() })
    .collect()
}

fn breakdown(name: String, lite: &Lite, total: u64) -> Breakdown {
    let ratio = |n: u64| {
        if lite.sessions == 0 {
            0.0
        } else {
            round4(n as f64 / lite.sessions as f64)
        }
    };
    Breakdown {
        name,
        source: None,
        medium: None,
        sessions: lite.sessions,
        share: if total == 0 {
            0.0
        } else {
            round4(lite.sessions as f64 / total as f64)
        },
        bounce_rate: ratio(lite.bounces),
        engagement_rate: ratio(lite.engaged),
        conversion_rate: ratio(lite.converted),
        pages_per_session: if lite.sessions == 0 {
            0.0
        } else {
            super::counts::round2(lite.pageviews as f64 / lite.sessions as f64)
        },
        revenue: super::counts::round2(lite.revenue),
    }
}

/// Sorts by sessions (then name, for stable output) and keeps the top `n`. Keys are built
/// once per row, not per comparison.
fn top<T>(mut rows: Vec<T>, n: usize, key: impl Fn(&T) -> (u64, String)) -> Vec<T> {
    rows.sort_by_cached_key(|row| {
        let (count, name) = key(row);
        (std::cmp::Reverse(count), name)
    });
    rows.truncate(n);
    rows
}

fn label(tables: &Tables, id: u32) -> String {
    match tables.str(id) {
        "" => "(not set)".to_owned(),
        v => v.to_owned(),
    }
}

impl SiteReport {
    pub fn build(mut acc: SiteAcc, tables: &Tables, lookup: &Lookup, config: &Config) -> Self {
        acc.fold(lookup, tables);
        let n = config.report.top;
        let totals = acc.current.figures();
        let previous = acc.previous.figures();
        let total_sessions = totals.sessions;

        let order = lookup.rules.channel_names();
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
                ChannelReport {
                    channel: tables.str(channel).to_owned(),
                    sessions_delta: delta(figures.sessions as f64, prev.sessions as f64),
                    previous_sessions: prev.sessions,
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

        let goals = config
            .goals
            .iter()
            .zip(&acc.goals)
            .map(|(goal, lite)| GoalReport {
                goal: goal.name.clone(),
                conversions: lite.sessions,
                conversion_rate: if total_sessions == 0 {
                    0.0
                } else {
                    round4(lite.sessions as f64 / total_sessions as f64)
                },
                revenue: super::counts::round2(lite.revenue),
            })
            .collect();

        let top_pages = top(
            acc.page_views
                .iter()
                .map(|(&p, &v)| PageRow {
                    path: label(tables, p),
                    pageviews: v,
                })
                .collect(),
            n,
            |r| (r.pageviews, r.path.clone()),
        );
        let landing_pages = top(
            acc.landing
                .iter()
                .map(|(&p, l)| breakdown(label(tables, p), l, total_sessions))
                .collect(),
            n,
            |b| (b.sessions, b.name.clone()),
        );
        let exit_pages = top(
            acc.exits
                .iter()
                .map(|(&p, &exits)| {
                    let views = acc.page_views.get(&p).copied().unwrap_or(0).max(exits);
                    ExitRow {
                        path: label(tables, p),
                        exits,
                        pageviews: views,
                        exit_rate: round4(exits as f64 / views.max(1) as f64),
                    }
                })
                .collect(),
            n,
            |r| (r.exits, r.path.clone()),
        );
        let sources = top(
            acc.sources
                .iter()
                .map(|(&(s, m), l)| {
                    let mut b = breakdown(
                        format!("{} / {}", label(tables, s), label(tables, m)),
                        l,
                        total_sessions,
                    );
                    b.source = Some(label(tables, s));
                    b.medium = Some(label(tables, m));
                    b
                })
                .collect(),
            n,
            |b| (b.sessions, b.name.clone()),
        );
        let referrers = top(
            acc.referrers
                .iter()
                .map(|(&r, l)| breakdown(label(tables, r), l, total_sessions))
                .collect(),
            n,
            |b| (b.sessions, b.name.clone()),
        );
        let campaigns = top(
            acc.campaigns
                .iter()
                .map(|(&(c, s, m), l)| {
                    let mut b = breakdown(label(tables, c), l, total_sessions);
                    b.source = Some(label(tables, s));
                    b.medium = Some(label(tables, m));
                    b
                })
                .collect(),
            n,
            |b| (b.sessions, format!("{}{:?}", b.name, b.source)),
        );
        let [devices, browsers, operating_systems, countries] = std::array::from_fn(|slot| {
            top(
                acc.dims[slot]
                    .iter()
                    .map(|(&v, l)| breakdown(label(tables, v), l, total_sessions))
                    .collect(),
                n,
                |b| (b.sessions, b.name.clone()),
            )
        });
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
                    round4(l.engaged as f64 / l.sessions as f64)
                },
            })
            .collect();
        let daily = acc
            .daily
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
            .collect();
        let user_flow = top(
            acc.transitions
                .iter()
                .map(|(&(step, from, to), &sessions)| Transition {
                    step: step + 1,
                    from: label(tables, from),
                    to: label(tables, to),
                    sessions,
                })
                .collect(),
            n * 2,
            |t| (t.sessions, format!("{}{}{}", t.step, t.from, t.to)),
        );
        let funnels = config
            .funnels
            .iter()
            .zip(&acc.funnels)
            .map(|(funnel, reached)| {
                let first = reached.first().copied().unwrap_or(0);
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
                        FunnelStep {
                            step: name,
                            sessions: reached[k],
                            conversion_from_start: if first == 0 {
                                0.0
                            } else {
                                round4(reached[k] as f64 / first as f64)
                            },
                            drop_off: if before == 0 {
                                0.0
                            } else {
                                round4(1.0 - reached[k] as f64 / before as f64)
                            },
                        }
                    })
                    .collect();
                FunnelReport {
                    name: funnel.name.clone(),
                    steps,
                }
            })
            .collect();
        let technical = technical(&acc, tables, config, &totals, n);

        SiteReport {
            site: tables.str(acc.site).to_owned(),
            timezone: acc.tz.name().to_owned(),
            deltas: Deltas::between(&totals, &previous),
            totals,
            previous,
            channels,
            goals,
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
            hour_of_day,
            daily,
            user_flow,
            funnels,
            technical,
        }
    }
}

fn technical(acc: &SiteAcc, tables: &Tables, config: &Config, totals: &Figures, n: usize) -> Technical {
    let counts = |map: &rustc_hash::FxHashMap<u32, u64>| {
        top(
            map.iter()
                .map(|(&k, &v)| CountRow {
                    name: label(tables, k),
                    sessions: v,
                })
                .collect(),
            n,
            |r| (r.sessions, r.name.clone()),
        )
    };
    let site_share = totals.very_short_share;
    let t = &config.technical;
    let mut hotspots = Vec::new();
    let mut consider = |dimension: &str, value: String, lite: &Lite| {
        if lite.sessions < t.min_sessions || site_share <= 0.0 {
            return;
        }
        let share = lite.very_short as f64 / lite.sessions as f64;
        let lift = share / site_share;
        if lift >= t.short_session_lift {
            hotspots.push(Hotspot {
                dimension: dimension.into(),
                value,
                sessions: lite.sessions,
                very_short_share: round4(share),
                site_very_short_share: round4(site_share),
                lift: super::counts::round2(lift),
            });
        }
    };
    for (&browser, lite) in &acc.dims[1] {
        consider("browser", label(tables, browser), lite);
    }
    for (&os, lite) in &acc.dims[2] {
        consider("os", label(tables, os), lite);
    }
    for (&(browser, version), lite) in &acc.browser_versions {
        consider(
            "browser_version",
            format!("{} {}", label(tables, browser), label(tables, version)),
            lite,
        );
    }
    for (&(os, version), lite) in &acc.os_versions {
        consider(
            "os_version",
            format!("{} {}", label(tables, os), label(tables, version)),
            lite,
        );
    }
    for (&page, lite) in &acc.landing {
        consider("landing_page", label(tables, page), lite);
    }
    hotspots.sort_by(|a, b| b.lift.total_cmp(&a.lift).then_with(|| a.value.cmp(&b.value)));
    hotspots.truncate(n);
    Technical {
        sessions_ending_on_error: acc.error_endings,
        error_ending_share: if totals.sessions == 0 {
            0.0
        } else {
            round4(acc.error_endings as f64 / totals.sessions as f64)
        },
        error_endings_by_page: counts(&acc.error_exit_pages),
        error_endings_by_browser: counts(&acc.error_browsers),
        short_session_hotspots: hotspots,
    }
}
