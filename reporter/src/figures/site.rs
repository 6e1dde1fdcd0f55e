//! Everything reported for one site, accumulated session by session.

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::counts::{Counts, SessionFacts};
use super::local_time::LocalClock;
use crate::scan::rows::{DIM_BROWSER, DIM_COUNTRY, DIM_DEVICE, DIM_OS};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::{Session, FLOW_STEPS};

/// The reporting period and the one before it, as local day numbers (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Periods {
    pub current: (i64, i64),
    pub previous: (i64, i64),
}

impl Periods {
    /// Same length, just before `current`.
    pub fn new(from_day: i64, to_day: i64) -> Self {
        let len = to_day - from_day + 1;
        Periods {
            current: (from_day, to_day),
            previous: (from_day - len, from_day - 1),
        }
    }

    fn which(&self, day: i64) -> Option<Period> {
        if (self.current.0..=self.current.1).contains(&day) {
            Some(Period::Current)
        } else if (self.previous.0..=self.previous.1).contains(&day) {
            Some(Period::Previous)
        } else {
            None
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Period {
    Current,
    Previous,
}

/// Session counts of one entry of a breakdown (a landing page, a source, a country...).
#[derive(Debug, Default, Clone, Copy)]
pub struct Lite {
    pub sessions: u64,
    pub bounces: u64,
    pub engaged: u64,
    pub converted: u64,
    pub very_short: u64,
    pub pageviews: u64,
    pub revenue: f64,
}

impl Lite {
    fn add(&mut self, s: &Session, facts: SessionFacts) {
        self.sessions += 1;
        self.bounces += u64::from(s.is_bounce());
        self.engaged += u64::from(facts.engaged);
        self.converted += u64::from(s.converted());
        self.very_short += u64::from(facts.very_short);
        self.pageviews += u64::from(s.pageviews);
        self.revenue += s.revenue;
    }
}

#[derive(Debug)]
pub struct SiteAcc {
    pub site: u32,
    pub tz: Tz,
    pub clock: LocalClock,
    pub current: Counts,
    pub previous: Counts,
    pub channels: FxHashMap<u32, Counts>,
    pub previous_channels: FxHashMap<u32, Counts>,
    pub goals: Vec<Lite>,
    pub page_views: FxHashMap<u32, u64>,
    pub landing: FxHashMap<u32, Lite>,
    pub exits: FxHashMap<u32, u64>,
    /// Keyed by (source, medium) string ids.
    pub sources: FxHashMap<(u32, u32), Lite>,
    pub referrers: FxHashMap<u32, Lite>,
    /// Keyed by (campaign, source, medium).
    pub campaigns: FxHashMap<(u32, u32, u32), Lite>,
    /// Breakdowns by dims index (device, browser, os, country).
    pub dims: [FxHashMap<u32, Lite>; 4],
    pub hour_of_day: [Lite; 24],
    pub daily: std::collections::BTreeMap<i64, Counts>,
    /// (step, from, to) → sessions
    pub transitions: FxHashMap<(u8, u32, u32), u64>,
    /// Per funnel: sessions that reached at least k+1 steps, per k.
    pub funnels: Vec<Vec<u64>>,
    pub error_endings: u64,
    pub error_exit_pages: FxHashMap<u32, u64>,
    pub error_browsers: FxHashMap<u32, u64>,
    pub landing_short: FxHashMap<u32, Lite>,
    pub os_version_short: FxHashMap<(u32, u32), Lite>,
}

pub const DIM_BREAKDOWNS: [usize; 4] = [DIM_DEVICE, DIM_BROWSER, DIM_OS, DIM_COUNTRY];

impl SiteAcc {
    pub fn new(site: u32, tz: Tz, lookup: &Lookup) -> Self {
        SiteAcc {
            site,
            tz,
            clock: LocalClock::new(tz),
            current: Counts::default(),
            previous: Counts::default(),
            channels: FxHashMap::default(),
            previous_channels: FxHashMap::default(),
            goals: vec![Lite::default(); lookup.goal_count],
            page_views: FxHashMap::default(),
            landing: FxHashMap::default(),
            exits: FxHashMap::default(),
            sources: FxHashMap::default(),
            referrers: FxHashMap::default(),
            campaigns: FxHashMap::default(),
            dims: Default::default(),
            hour_of_day: [Lite::default(); 24],
            daily: Default::default(),
            transitions: FxHashMap::default(),
            funnels: lookup.funnels.iter().map(|&(_, steps)| vec![0; steps]).collect(),
            error_endings: 0,
            error_exit_pages: FxHashMap::default(),
            error_browsers: FxHashMap::default(),
            landing_short: FxHashMap::default(),
            os_version_short: FxHashMap::default(),
        }
    }

    /// Drops per-day visitor sets of UTC days whose sessions are all in (see `Counts`).
    pub fn close_days_before(&mut self, utc_day: i64) {
        let groups = [&mut self.current, &mut self.previous]
            .into_iter()
            .chain(self.channels.values_mut())
            .chain(self.previous_channels.values_mut())
            .chain(self.daily.values_mut());
        for counts in groups {
            counts.close_days_before(utc_day);
        }
    }

    /// Adds a session that started in either period; others are ignored.
    pub fn add_session(
        &mut self,
        s: &Session,
        facts: SessionFacts,
        periods: &Periods,
        lookup: &Lookup,
        tables: &crate::scan::rows::Tables,
    ) {
        let day = self.clock.day(s.start);
        let Some(period) = periods.which(day) else { return };
        let attr = *lookup.attr(s.attr);
        let (totals, channels) = match period {
            Period::Current => (&mut self.current, &mut self.channels),
            Period::Previous => (&mut self.previous, &mut self.previous_channels),
        };
        if s.is_bot {
            totals.add_bot(s);
            channels.entry(attr.channel).or_default().add_bot(s);
            return;
        }
        totals.add(s, facts);
        channels.entry(attr.channel).or_default().add(s, facts);
        if period == Period::Previous {
            return;
        }

        self.daily.entry(day).or_default().add(s, facts);
        self.hour_of_day[self.clock.hour(s.start) as usize].add(s, facts);
        for (bit, goal) in self.goals.iter_mut().enumerate() {
            if s.goals & (1 << bit) != 0 {
                goal.add(s, facts);
            }
        }
        self.landing.entry(s.landing).or_default().add(s, facts);
        *self.exits.entry(s.exit).or_default() += 1;
        self.sources
            .entry((attr.source, attr.medium))
            .or_default()
            .add(s, facts);
        if s.referrer != 0 && !attr.direct {
            self.referrers.entry(s.referrer).or_default().add(s, facts);
        }
        if attr.campaign != 0 {
            self.campaigns
                .entry((attr.campaign, attr.source, attr.medium))
                .or_default()
                .add(s, facts);
        }
        let dims = tables.dims.get(s.dims);
        for (slot, dim) in DIM_BREAKDOWNS.iter().enumerate() {
            self.dims[slot].entry(dims[*dim]).or_default().add(s, facts);
        }
        for &path in &s.pages {
            *self.page_views.entry(path).or_default() += 1;
        }
        for (step, pair) in s.pages.windows(2).take(FLOW_STEPS - 1).enumerate() {
            *self.transitions.entry((step as u8, pair[0], pair[1])).or_default() += 1;
        }
        for (funnel, &reached) in s.funnel_steps.iter().enumerate() {
            for k in 0..reached as usize {
                self.funnels[funnel][k] += 1;
            }
        }
        if s.ended_on_error {
            self.error_endings += 1;
            *self.error_exit_pages.entry(s.exit).or_default() += 1;
            *self.error_browsers.entry(dims[DIM_BROWSER]).or_default() += 1;
        }
        self.landing_short.entry(s.landing).or_default().add(s, facts);
        self.os_version_short
            .entry((dims[DIM_BROWSER], dims[crate::scan::rows::DIM_BROWSER_VERSION]))
            .or_default()
            .add(s, facts);
    }
}
