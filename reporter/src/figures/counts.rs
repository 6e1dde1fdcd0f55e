//! The traffic-quality figures of a group of sessions (a site, a channel, a day), and how they
//! are accumulated. Definitions are in README.md "Figures" and in `report.json`'s `definitions`.

use hitflow_schema::time::{MS_PER_DAY, MS_PER_SECOND};
use rustc_hash::FxHashMap;
use serde::Serialize;

use crate::sessions::session::Session;

/// Running sums for one group of human sessions.
#[derive(Debug, Default, Clone)]
pub struct Counts {
    pub sessions: u64,
    /// Visitor ids seen, per UTC day: ids rotate at UTC midnight, so the period's distinct ids
    /// are the sum over days, and a finished day's set can be dropped (memory stays bounded).
    /// Only the days still open are held (two or three), so a list beats a map.
    pub visitors_by_day: Vec<(i64, VisitorIds)>,
    pub visitors_counted: u64,
    /// The last (day, visitor) inserted: a visitor's sessions arrive together, so this skips
    /// most repeated inserts.
    last_visitor: Option<(i64, u64)>,
    pub pageviews: u64,
    pub bounces: u64,
    pub engaged: u64,
    pub converted: u64,
    pub goal_completions: u64,
    pub revenue: f64,
    pub very_short: u64,
    pub duration_ms_sum: i64,
    /// Sessions by whole seconds of duration, for an exact median in bounded memory.
    pub durations: DurationHistogram,
    pub bot_hits: u64,
    pub human_hits: u64,
}

/// The visitor ids of one day in one group: appended as sessions come (8 bytes an id, half what a
/// hash set takes) and deduplicated by sorting when counted, or when they have doubled since.
#[derive(Debug, Default, Clone)]
pub struct VisitorIds {
    ids: Vec<u64>,
    distinct_prefix: usize,
}

impl VisitorIds {
    pub fn add(&mut self, visitor: u64) {
        if self.ids.len() >= 2 * self.distinct_prefix.max(1 << 16) {
            self.compact();
        }
        self.ids.push(visitor);
    }

    fn compact(&mut self) {
        self.ids.sort_unstable();
        self.ids.dedup();
        self.distinct_prefix = self.ids.len();
    }

    /// The number of distinct ids.
    pub fn distinct(&mut self) -> u64 {
        if self.ids.len() != self.distinct_prefix {
            self.compact();
        }
        self.ids.len() as u64
    }
}

/// What a session contributes; computed once per session and added to several groups.
#[derive(Debug, Clone, Copy)]
pub struct SessionFacts {
    pub engaged: bool,
    pub very_short: bool,
}

impl SessionFacts {
    pub fn of(session: &Session, engaged_ms: i64, very_short_ms: i64) -> Self {
        SessionFacts {
            engaged: session.is_engaged(engaged_ms),
            very_short: session.duration_ms < very_short_ms,
        }
    }
}

impl Counts {
    pub fn add(&mut self, s: &Session, facts: SessionFacts) {
        self.sessions += 1;
        let day = s.start.div_euclid(MS_PER_DAY);
        if self.last_visitor != Some((day, s.visitor)) {
            self.last_visitor = Some((day, s.visitor));
            let at = match self.visitors_by_day.iter().rposition(|(d, _)| *d == day) {
                Some(at) => at,
                None => {
                    self.visitors_by_day.push((day, VisitorIds::default()));
                    self.visitors_by_day.len() - 1
                }
            };
            self.visitors_by_day[at].1.add(s.visitor);
        }
        self.pageviews += u64::from(s.pageviews);
        self.bounces += u64::from(s.is_bounce());
        self.engaged += u64::from(facts.engaged);
        self.converted += u64::from(s.converted());
        self.goal_completions += u64::from(s.goals.count_ones());
        self.revenue += s.revenue;
        self.very_short += u64::from(facts.very_short);
        self.duration_ms_sum += s.duration_ms;
        self.durations.add(s.duration_ms);
        self.human_hits += u64::from(s.hits);
    }

    /// Adds another group's sums. Its visitors must be other ids (another shard's), and both
    /// must have counted their open days (`close_days_before(i64::MAX)`).
    pub fn merge(&mut self, mut other: Counts) {
        debug_assert!(self.visitors_by_day.is_empty() && other.visitors_by_day.is_empty());
        self.sessions += other.sessions;
        self.visitors_counted += other.visitors();
        self.pageviews += other.pageviews;
        self.bounces += other.bounces;
        self.engaged += other.engaged;
        self.converted += other.converted;
        self.goal_completions += other.goal_completions;
        self.revenue += other.revenue;
        self.very_short += other.very_short;
        self.duration_ms_sum += other.duration_ms_sum;
        self.durations.merge(other.durations);
        self.bot_hits += other.bot_hits;
        self.human_hits += other.human_hits;
    }

    pub fn add_bot(&mut self, s: &Session) {
        self.bot_hits += u64::from(s.hits);
    }

    /// Counts and drops the visitor sets of UTC days before `day`: no session of those days can
    /// still come.
    pub fn close_days_before(&mut self, day: i64) {
        let mut counted = 0;
        self.visitors_by_day.retain_mut(|(d, ids)| {
            if *d < day {
                counted += ids.distinct();
            }
            *d >= day
        });
        self.visitors_counted += counted;
    }

    pub fn visitors(&mut self) -> u64 {
        self.visitors_counted
            + self
                .visitors_by_day
                .iter_mut()
                .map(|(_, ids)| ids.distinct())
                .sum::<u64>()
    }

    pub fn figures(&mut self) -> Figures {
        let sessions = self.sessions;
        let ratio = |n: u64| {
            if sessions == 0 {
                0.0
            } else {
                n as f64 / sessions as f64
            }
        };
        let median = self.durations.median_seconds(sessions);
        let all_hits = self.bot_hits + self.human_hits;
        Figures {
            sessions,
            visitors: self.visitors(),
            pageviews: self.pageviews,
            pages_per_session: if sessions == 0 {
                0.0
            } else {
                self.pageviews as f64 / sessions as f64
            },
            avg_duration_s: if sessions == 0 {
                0.0
            } else {
                self.duration_ms_sum as f64 / sessions as f64 / MS_PER_SECOND as f64
            },
            median_duration_s: median,
            bounces: self.bounces,
            bounce_rate: ratio(self.bounces),
            engaged_sessions: self.engaged,
            engagement_rate: ratio(self.engaged),
            conversions: self.goal_completions,
            converted_sessions: self.converted,
            conversion_rate: ratio(self.converted),
            revenue: round2(self.revenue),
            very_short_sessions: self.very_short,
            very_short_share: ratio(self.very_short),
            human_hits: self.human_hits,
            bot_hits: self.bot_hits,
            bot_share: if all_hits == 0 {
                0.0
            } else {
                self.bot_hits as f64 / all_hits as f64
            },
        }
    }
}

/// The figures of a group, as written to `report.json`. Rates and averages are exact (not
/// rounded): they are rounded once, where they are shown (`crate::present`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Figures {
    pub sessions: u64,
    /// Daily-unique visitors: distinct visitor ids, which rotate every UTC day, so a person seen on
    /// three days counts three times. Distinct people across days are not knowable.
    pub visitors: u64,
    pub pageviews: u64,
    pub pages_per_session: f64,
    pub avg_duration_s: f64,
    pub median_duration_s: f64,
    pub bounces: u64,
    pub bounce_rate: f64,
    pub engaged_sessions: u64,
    pub engagement_rate: f64,
    /// Goal completions (each goal at most once per session).
    pub conversions: u64,
    pub converted_sessions: u64,
    /// Converted sessions / sessions.
    pub conversion_rate: f64,
    pub revenue: f64,
    pub very_short_sessions: u64,
    pub very_short_share: f64,
    pub human_hits: u64,
    pub bot_hits: u64,
    /// Bot hits / all hits.
    pub bot_share: f64,
}

/// Session counts by whole seconds of duration: dense for the first minutes, where most
/// sessions fall, a map beyond.
#[derive(Debug, Default, Clone)]
pub struct DurationHistogram {
    dense: Vec<u64>,
    sparse: FxHashMap<u32, u64>,
}

const DENSE_SECONDS: usize = 600;

impl DurationHistogram {
    pub fn add(&mut self, duration_ms: i64) {
        let seconds = (duration_ms.max(0) / MS_PER_SECOND).min(i64::from(u32::MAX)) as u32;
        match self.dense.get_mut(seconds as usize) {
            Some(n) => *n += 1,
            None if (seconds as usize) < DENSE_SECONDS => {
                self.dense.resize(DENSE_SECONDS, 0);
                self.dense[seconds as usize] += 1;
            }
            None => *self.sparse.entry(seconds).or_default() += 1,
        }
    }

    pub fn merge(&mut self, other: DurationHistogram) {
        if self.dense.len() < other.dense.len() {
            self.dense.resize(other.dense.len(), 0);
        }
        for (n, m) in self.dense.iter_mut().zip(other.dense) {
            *n += m;
        }
        for (seconds, n) in other.sparse {
            *self.sparse.entry(seconds).or_default() += n;
        }
    }

    /// The median of `total` sessions (the lower middle value for an even count).
    pub fn median_seconds(&self, total: u64) -> f64 {
        if total == 0 {
            return 0.0;
        }
        let mut sparse: Vec<(u32, u64)> = self.sparse.iter().map(|(&s, &n)| (s, n)).collect();
        sparse.sort_unstable();
        let dense = self.dense.iter().enumerate().map(|(s, &n)| (s as u32, n));
        let target = total / 2;
        let mut seen = 0;
        for (second, count) in dense.chain(sparse) {
            seen += count;
            if seen > target {
                return f64::from(second);
            }
        }
        0.0
    }
}

pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Relative change from `previous` to `current` (0.08 = +8%); `None` when there was nothing before.
pub fn delta(current: f64, previous: f64) -> Option<f64> {
    (previous != 0.0).then(|| (current - previous) / previous)
}
