//! Everything reported for one site, accumulated session by session.

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::counts::{Counts, SessionFacts};
use super::local_time::LocalClock;
use super::scroll::ScrollDepths;
use crate::rows::{
    Tables, CLIENT_BROWSER, CLIENT_BROWSER_VERSION, CLIENT_COUNTRY, CLIENT_DEVICE, CLIENT_OS, CLIENT_OS_VERSION,
};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::{PageView, Session, FLOW_STEPS};

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
        Self::compared(from_day, to_day, from_day - len)
    }

    /// `current`, compared with the period of the same length starting on `previous_from`
    /// (`--compare`); the two must not overlap.
    pub fn compared(from_day: i64, to_day: i64, previous_from: i64) -> Self {
        Periods {
            current: (from_day, to_day),
            previous: (previous_from, previous_from + to_day - from_day),
        }
    }

    /// Whether a local day is in the current period.
    pub fn is_current(&self, day: i64) -> bool {
        self.which(day) == Some(Period::Current)
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
#[derive(Debug, Default, Clone)]
pub struct BreakdownCounts {
    pub sessions: u64,
    pub bounces: u64,
    pub engaged: u64,
    pub converted: u64,
    pub very_short: u64,
    pub pageviews: u64,
    /// All revenue, every currency added as sent (`report.json`'s `revenue`, kept for
    /// compatibility); `amounts` holds it per currency, which is what pages show.
    pub revenue: f64,
    /// Revenue by currency id: a session spends in one currency, and amounts in different
    /// currencies are never added. Empty (no allocation) for the many entries without revenue.
    pub amounts: Vec<(u32, f64)>,
}

impl BreakdownCounts {
    pub fn merge(&mut self, o: &BreakdownCounts) {
        self.sessions += o.sessions;
        self.bounces += o.bounces;
        self.engaged += o.engaged;
        self.converted += o.converted;
        self.very_short += o.very_short;
        self.pageviews += o.pageviews;
        self.revenue += o.revenue;
        for &(currency, amount) in &o.amounts {
            self.add_amount(currency, amount);
        }
    }

    fn add_amount(&mut self, currency: u32, amount: f64) {
        match self.amounts.iter_mut().find(|(c, _)| *c == currency) {
            Some((_, sum)) => *sum += amount,
            None => self.amounts.push((currency, amount)),
        }
    }

    fn add(&mut self, s: &Session, facts: SessionFacts) {
        self.sessions += 1;
        self.bounces += u64::from(s.is_bounce());
        self.engaged += u64::from(facts.engaged);
        self.converted += u64::from(s.converted());
        self.very_short += u64::from(facts.very_short);
        self.pageviews += u64::from(s.pageviews);
        if s.revenue != 0.0 {
            self.revenue += s.revenue;
            self.add_amount(s.currency, s.revenue);
        }
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
    pub goals: Vec<BreakdownCounts>,
    /// Sessions reaching each goal in the previous period, and per (channel, goal) in the
    /// current one.
    pub previous_goals: Vec<u64>,
    pub channel_goals: FxHashMap<(u32, usize), u64>,
    pub page_views: FxHashMap<u32, u64>,
    /// Scroll depths of the current period's page views, by path and by the session's channel.
    pub page_scroll: FxHashMap<u32, ScrollDepths>,
    pub channel_scroll: FxHashMap<u32, ScrollDepths>,
    pub landing: FxHashMap<u32, BreakdownCounts>,
    pub exits: FxHashMap<u32, u64>,
    /// Sessions by landing source tuple and by landing client tuple: one update per session,
    /// folded into the source, referrer, campaign, device, browser, OS and country breakdowns by
    /// `fold`.
    pub by_source: FxHashMap<u32, BreakdownCounts>,
    /// Keyed by (channel, client tuple), so a channel page gets its device and country split from the
    /// same pass; the site's breakdowns sum over channels.
    pub by_client: FxHashMap<(u32, u32), BreakdownCounts>,
    /// Per channel: sessions by landing page and by local day (the channel page's drill-down).
    pub channel_landing: FxHashMap<(u32, u32), BreakdownCounts>,
    pub channel_daily: FxHashMap<(u32, i64), BreakdownCounts>,
    /// Per channel, filled by `fold`: (source, medium), (campaign, source, medium), and the dims
    /// breakdowns of `DIM_BREAKDOWNS`.
    pub channel_sources: FxHashMap<(u32, u32, u32), BreakdownCounts>,
    pub channel_campaigns: FxHashMap<(u32, u32, u32, u32), BreakdownCounts>,
    pub channel_dims: [FxHashMap<(u32, u32), BreakdownCounts>; 4],
    /// Revenue by (current period?, channel, currency).
    pub channel_revenue: FxHashMap<(bool, u32, u32), f64>,
    /// Keyed by (source, medium) string ids.
    pub sources: FxHashMap<(u32, u32), BreakdownCounts>,
    pub referrers: FxHashMap<u32, BreakdownCounts>,
    /// Keyed by (campaign, source, medium).
    pub campaigns: FxHashMap<(u32, u32, u32), BreakdownCounts>,
    /// Breakdowns by dims index (device, browser, os, country).
    pub dims: [FxHashMap<u32, BreakdownCounts>; 4],
    pub hour_of_day: [BreakdownCounts; 24],
    pub daily: std::collections::BTreeMap<i64, Counts>,
    /// The comparison period's days, site-wide and per channel: their variation is the noise
    /// a change of a count is tested against (`crate::stats::counts`).
    pub previous_daily: std::collections::BTreeMap<i64, Counts>,
    pub previous_channel_daily: FxHashMap<(u32, i64), BreakdownCounts>,
    /// (step, from, to) → sessions
    pub transitions: FxHashMap<(u8, u32, u32), u64>,
    /// (position, page) → sessions on that page at that position of the flow (0 = landing),
    /// so a transition is read as a share of its "from" page and the rest are exits.
    pub flow_pages: FxHashMap<(u8, u32), u64>,
    /// Per funnel: sessions that reached at least k+1 steps, per k.
    pub funnels: Vec<Vec<u64>>,
    /// The same for the previous period, and per (channel, funnel) in the current one.
    pub previous_funnels: Vec<Vec<u64>>,
    pub channel_funnels: FxHashMap<(u32, usize), Vec<u64>>,
    pub error_endings: u64,
    pub error_exit_pages: FxHashMap<u32, u64>,
    pub error_browsers: FxHashMap<u32, u64>,
    /// Error endings by the event name of the error hit.
    pub error_events: FxHashMap<u32, u64>,
    /// Keyed by (browser, major version) and (OS, version): where very short sessions cluster.
    pub browser_versions: FxHashMap<(u32, u32), BreakdownCounts>,
    pub os_versions: FxHashMap<(u32, u32), BreakdownCounts>,
    /// Revenue by (current period?, currency): amounts in different currencies never mix.
    pub revenue: FxHashMap<(bool, u32), f64>,
    /// Revenue of the sessions reaching each goal, by (goal, currency).
    pub goal_revenue: FxHashMap<(usize, u32), f64>,
    pub ledger: super::ledger::LedgerAcc,
}

pub const DIM_BREAKDOWNS: [usize; 4] = [CLIENT_DEVICE, CLIENT_BROWSER, CLIENT_OS, CLIENT_COUNTRY];

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
            goals: vec![BreakdownCounts::default(); lookup.goal_count],
            previous_goals: vec![0; lookup.goal_count],
            channel_goals: FxHashMap::default(),
            page_views: FxHashMap::default(),
            page_scroll: FxHashMap::default(),
            channel_scroll: FxHashMap::default(),
            landing: FxHashMap::default(),
            exits: FxHashMap::default(),
            by_source: FxHashMap::default(),
            by_client: FxHashMap::default(),
            channel_landing: FxHashMap::default(),
            channel_daily: FxHashMap::default(),
            channel_sources: FxHashMap::default(),
            channel_campaigns: FxHashMap::default(),
            channel_dims: Default::default(),
            channel_revenue: FxHashMap::default(),
            sources: FxHashMap::default(),
            referrers: FxHashMap::default(),
            campaigns: FxHashMap::default(),
            dims: Default::default(),
            hour_of_day: std::array::from_fn(|_| BreakdownCounts::default()),
            daily: Default::default(),
            previous_daily: Default::default(),
            previous_channel_daily: FxHashMap::default(),
            transitions: FxHashMap::default(),
            flow_pages: FxHashMap::default(),
            funnels: lookup.funnels.iter().map(|&(_, steps)| vec![0; steps]).collect(),
            previous_funnels: lookup.funnels.iter().map(|&(_, steps)| vec![0; steps]).collect(),
            channel_funnels: FxHashMap::default(),
            error_endings: 0,
            error_exit_pages: FxHashMap::default(),
            error_browsers: FxHashMap::default(),
            error_events: FxHashMap::default(),
            browser_versions: FxHashMap::default(),
            os_versions: FxHashMap::default(),
            revenue: FxHashMap::default(),
            goal_revenue: FxHashMap::default(),
            ledger: Default::default(),
        }
    }

    /// Drops per-day visitor sets of UTC days whose sessions are all in (see `Counts`).
    pub fn close_days_before(&mut self, utc_day: i64) {
        let groups = [&mut self.current, &mut self.previous]
            .into_iter()
            .chain(self.channels.values_mut())
            .chain(self.previous_channels.values_mut())
            .chain(self.daily.values_mut())
            .chain(self.previous_daily.values_mut());
        for counts in groups {
            counts.close_days_before(utc_day);
        }
    }

    /// Adds a session that started in either period; others are ignored. `pages`: its pages
    /// in order.
    pub fn add_session(
        &mut self,
        s: &Session,
        pages: &[PageView],
        facts: SessionFacts,
        periods: &Periods,
        lookup: &Lookup,
        tables: &Tables,
    ) {
        let day = self.clock.day(s.start);
        let Some(period) = periods.which(day) else { return };
        let attr = *lookup.attr(s.attr);
        let (totals, channels) = match period {
            Period::Current => (&mut self.current, &mut self.channels),
            Period::Previous => (&mut self.previous, &mut self.previous_channels),
        };
        if period == Period::Current {
            self.ledger.add(s, attr.channel, tables);
        }
        if !lookup.counts_as_human(s) {
            totals.add_bot(s);
            channels.entry(attr.channel).or_default().add_bot(s);
            return;
        }
        totals.add(s, facts);
        channels.entry(attr.channel).or_default().add(s, facts);
        if s.revenue != 0.0 {
            let current = period == Period::Current;
            *self.revenue.entry((current, s.currency)).or_default() += s.revenue;
            *self
                .channel_revenue
                .entry((current, attr.channel, s.currency))
                .or_default() += s.revenue;
        }
        if period == Period::Previous {
            self.previous_daily.entry(day).or_default().add(s, facts);
            self.previous_channel_daily
                .entry((attr.channel, day))
                .or_default()
                .add(s, facts);
            // Goals and funnels are compared with the previous period too.
            for (bit, n) in self.previous_goals.iter_mut().enumerate() {
                *n += u64::from(s.goals & (1 << bit) != 0);
            }
            for (funnel, &shape) in lookup.funnels.iter().enumerate() {
                for k in 0..s.funnel_reached(shape) {
                    self.previous_funnels[funnel][k] += 1;
                }
            }
            return;
        }

        self.daily.entry(day).or_default().add(s, facts);
        self.channel_daily.entry((attr.channel, day)).or_default().add(s, facts);
        self.channel_landing
            .entry((attr.channel, s.landing))
            .or_default()
            .add(s, facts);
        self.hour_of_day[self.clock.hour(s.start) as usize].add(s, facts);
        for (bit, goal) in self.goals.iter_mut().enumerate() {
            if s.goals & (1 << bit) != 0 {
                goal.add(s, facts);
                *self.channel_goals.entry((attr.channel, bit)).or_default() += 1;
                if s.revenue != 0.0 {
                    *self.goal_revenue.entry((bit, s.currency)).or_default() += s.revenue;
                }
            }
        }
        self.landing.entry(s.landing).or_default().add(s, facts);
        *self.exits.entry(s.exit).or_default() += 1;
        self.by_source.entry(s.attr).or_default().add(s, facts);
        self.by_client
            .entry((attr.channel, s.client))
            .or_default()
            .add(s, facts);
        for page in pages {
            *self.page_views.entry(page.path).or_default() += 1;
            if let Some(depth) = page.scroll {
                self.page_scroll.entry(page.path).or_default().add(depth);
                self.channel_scroll.entry(attr.channel).or_default().add(depth);
            }
        }
        // The flow follows page changes: a reload or an in-page route to the same path is not
        // a step (`/app/#/x → /app/#/x`).
        // On the stack: this runs for every session of the site and of each segment it matches.
        let mut steps = [0u32; FLOW_STEPS];
        let mut len = 0;
        for &PageView { path: page, .. } in pages {
            if len == 0 || steps[len - 1] != page {
                steps[len] = page;
                len += 1;
                if len == FLOW_STEPS {
                    break;
                }
            }
        }
        let flow = &steps[..len];
        for (position, &page) in flow.iter().enumerate().take(FLOW_STEPS - 1) {
            *self.flow_pages.entry((position as u8, page)).or_default() += 1;
        }
        for (step, pair) in flow.windows(2).enumerate() {
            *self.transitions.entry((step as u8, pair[0], pair[1])).or_default() += 1;
        }
        for (funnel, &shape) in lookup.funnels.iter().enumerate() {
            let reached = s.funnel_reached(shape);
            for k in 0..reached {
                self.funnels[funnel][k] += 1;
            }
            if reached > 0 {
                let by_channel = self
                    .channel_funnels
                    .entry((attr.channel, funnel))
                    .or_insert_with(|| vec![0; shape.1]);
                for n in by_channel.iter_mut().take(reached) {
                    *n += 1;
                }
            }
        }
        if s.ended_on_error {
            self.error_endings += 1;
            *self.error_exit_pages.entry(s.exit).or_default() += 1;
            *self
                .error_browsers
                .entry(tables.clients.get(s.client)[CLIENT_BROWSER])
                .or_default() += 1;
            *self.error_events.entry(s.error_event).or_default() += 1;
        }
    }

    /// Fills the breakdowns kept by landing source and client tuples (once, after the last session and
    /// the last `merge`).
    pub fn fold(&mut self, lookup: &Lookup, tables: &Tables) {
        for (&source, counts) in &self.by_source {
            let attr = lookup.attr(source);
            self.sources
                .entry((attr.source, attr.medium))
                .or_default()
                .merge(counts);
            self.channel_sources
                .entry((attr.channel, attr.source, attr.medium))
                .or_default()
                .merge(counts);
            if attr.referrer != 0 && !attr.direct {
                self.referrers.entry(attr.referrer).or_default().merge(counts);
            }
            if attr.campaign != 0 {
                self.campaigns
                    .entry((attr.campaign, attr.source, attr.medium))
                    .or_default()
                    .merge(counts);
                self.channel_campaigns
                    .entry((attr.channel, attr.campaign, attr.source, attr.medium))
                    .or_default()
                    .merge(counts);
            }
        }
        for (&(channel, client), counts) in &self.by_client {
            let d = tables.clients.get(client);
            for (slot, dim) in DIM_BREAKDOWNS.iter().enumerate() {
                self.dims[slot].entry(d[*dim]).or_default().merge(counts);
                self.channel_dims[slot]
                    .entry((channel, d[*dim]))
                    .or_default()
                    .merge(counts);
            }
            self.browser_versions
                .entry((d[CLIENT_BROWSER], d[CLIENT_BROWSER_VERSION]))
                .or_default()
                .merge(counts);
            self.os_versions
                .entry((d[CLIENT_OS], d[CLIENT_OS_VERSION]))
                .or_default()
                .merge(counts);
        }
    }

    /// Adds another shard's figures of the same site. Both must have closed every day.
    pub fn merge(&mut self, o: SiteAcc) {
        fn counts<K: std::hash::Hash + Eq>(into: &mut FxHashMap<K, u64>, from: FxHashMap<K, u64>) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
        fn breakdowns<K: std::hash::Hash + Eq>(
            into: &mut FxHashMap<K, BreakdownCounts>,
            from: FxHashMap<K, BreakdownCounts>,
        ) {
            for (k, v) in from {
                into.entry(k).or_default().merge(&v);
            }
        }
        fn sums<K: std::hash::Hash + Eq>(into: &mut FxHashMap<K, f64>, from: FxHashMap<K, f64>) {
            for (k, v) in from {
                *into.entry(k).or_default() += v;
            }
        }
        fn groups<K: std::hash::Hash + Eq>(into: &mut FxHashMap<K, Counts>, from: FxHashMap<K, Counts>) {
            for (k, v) in from {
                into.entry(k).or_default().merge(v);
            }
        }
        self.current.merge(o.current);
        self.previous.merge(o.previous);
        groups(&mut self.channels, o.channels);
        groups(&mut self.previous_channels, o.previous_channels);
        for (into, from) in self.goals.iter_mut().zip(o.goals) {
            into.merge(&from);
        }
        for (into, from) in self.previous_goals.iter_mut().zip(o.previous_goals) {
            *into += from;
        }
        counts(&mut self.channel_goals, o.channel_goals);
        counts(&mut self.page_views, o.page_views);
        for (map, from) in [
            (&mut self.page_scroll, o.page_scroll),
            (&mut self.channel_scroll, o.channel_scroll),
        ] {
            for (k, v) in from {
                map.entry(k).or_default().merge(&v);
            }
        }
        breakdowns(&mut self.landing, o.landing);
        counts(&mut self.exits, o.exits);
        breakdowns(&mut self.by_source, o.by_source);
        breakdowns(&mut self.by_client, o.by_client);
        breakdowns(&mut self.channel_landing, o.channel_landing);
        breakdowns(&mut self.channel_daily, o.channel_daily);
        for (into, from) in self.hour_of_day.iter_mut().zip(o.hour_of_day) {
            into.merge(&from);
        }
        for (day, c) in o.daily {
            self.daily.entry(day).or_default().merge(c);
        }
        for (day, c) in o.previous_daily {
            self.previous_daily.entry(day).or_default().merge(c);
        }
        breakdowns(&mut self.previous_channel_daily, o.previous_channel_daily);
        counts(&mut self.transitions, o.transitions);
        counts(&mut self.flow_pages, o.flow_pages);
        for (into, from) in self.funnels.iter_mut().zip(o.funnels) {
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
        for (into, from) in self.previous_funnels.iter_mut().zip(o.previous_funnels) {
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
        for (key, from) in o.channel_funnels {
            let into = self.channel_funnels.entry(key).or_insert_with(|| vec![0; from.len()]);
            for (a, b) in into.iter_mut().zip(from) {
                *a += b;
            }
        }
        self.error_endings += o.error_endings;
        counts(&mut self.error_exit_pages, o.error_exit_pages);
        counts(&mut self.error_browsers, o.error_browsers);
        counts(&mut self.error_events, o.error_events);
        sums(&mut self.revenue, o.revenue);
        sums(&mut self.goal_revenue, o.goal_revenue);
        sums(&mut self.channel_revenue, o.channel_revenue);
        self.ledger.merge(o.ledger);
    }
}
