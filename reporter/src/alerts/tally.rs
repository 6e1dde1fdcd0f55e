//! Sessions of one window, counted per site, channel and slice. The sessions come from the same
//! path as `reporter run`'s: `scan::plan` and `scan::load` (only the UTC days the window can
//! touch), `merge` into shared tables, the bounded-memory `Sessionizer`, and the run's channel
//! attribution (`Lookup`). Tables and lookups are kept across windows, so each distinct string
//! and source is attributed once per alert run.

use std::collections::BTreeMap;

use anyhow::Context as _;
use chrono_tz::Tz;
use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR};
use indicatif::ProgressBar;
use rustc_hash::FxHashMap;
use serde::Serialize;

use super::window::Window;
use crate::config::Config;
use crate::figures::local_time::LocalClock;
use crate::rows::{Tables, CLIENT_COUNTRY, CLIENT_DEVICE, SHARDS};
use crate::run::projection;
use crate::run::ROWS_PER_PUSH;
use crate::scan::{load, plan, Loaded};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::{PageView, Session, SessionSink};
use crate::sessions::sessionize::Rules;
use crate::sessions::stream::{Sessionizer, LATE_PARTITIONS};
use crate::store::Store;

/// What a slice of sessions is cut by: a session's landing pageview decides each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    /// Only for the all-channels scope of a site.
    Channel,
    LandingPage,
    Country,
    Device,
    Referrer,
    Campaign,
}

impl Dimension {
    pub const PER_CHANNEL: [Dimension; 5] = [
        Dimension::LandingPage,
        Dimension::Country,
        Dimension::Device,
        Dimension::Referrer,
        Dimension::Campaign,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Dimension::Channel => "channel",
            Dimension::LandingPage => "landing page",
            Dimension::Country => "country",
            Dimension::Device => "device",
            Dimension::Referrer => "referrer",
            Dimension::Campaign => "campaign",
        }
    }
}

/// Human sessions of one scope in one window, in total and per slice.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub sessions: u64,
    pub slices: BTreeMap<(Dimension, String), u64>,
}

impl Tally {
    pub fn absorb(&mut self, other: &Tally) {
        self.sessions += other.sessions;
        for (key, count) in &other.slices {
            *self.slices.entry(key.clone()).or_default() += count;
        }
    }
}

/// One site in one window.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SiteWindow {
    /// Every session, bots included: zero means the lake holds nothing of the site for the
    /// window (not yet collected, or the collector was down), which a baseline week skips.
    pub all_sessions: u64,
    /// Human sessions by channel.
    pub channels: BTreeMap<String, Tally>,
}

/// Reads windows from one store with one config; keeps the interned tables between windows.
pub struct WindowReader<'a> {
    store: &'a Store,
    config: &'a Config,
    tables: Tables,
    lookup: Lookup,
    zones: Vec<Tz>,
    /// Unreadable objects met so far (skipped, as `reporter run` does without `--strict`).
    pub bad_objects: u64,
    pub hits_read: u64,
}

impl<'a> WindowReader<'a> {
    pub fn new(store: &'a Store, config: &'a Config) -> anyhow::Result<Self> {
        let mut tables = Tables::default();
        let lookup = Lookup::new(config, &mut tables).context("invalid [channels] config")?;
        let mut zones: Vec<Tz> = config.sites.iter().map(|s| s.timezone).collect();
        zones.push(Tz::UTC);
        Ok(WindowReader {
            store,
            config,
            tables,
            lookup,
            zones,
            bad_objects: 0,
            hits_read: 0,
        })
    }

    pub fn zones(&self) -> &[Tz] {
        &self.zones
    }

    /// The sessions starting in `window`, per site.
    pub async fn read(&mut self, window: Window) -> anyhow::Result<BTreeMap<String, SiteWindow>> {
        let (start, end) = window.utc_span(&self.zones);
        // Visitor ids rotate at UTC midnight, so whole UTC days hold whole sessions; hits after
        // the window's end (plus lateness) cannot change where a session started.
        let first = start.div_euclid(MS_PER_DAY);
        let last = (end - 1).div_euclid(MS_PER_DAY);
        let read_until = end + LATE_PARTITIONS * MS_PER_HOUR;
        let mut scan_plan = plan(
            self.store,
            Ymd::from_days(first),
            Ymd::from_days(last),
            LATE_PARTITIONS as u32,
        )
        .await
        .context("listing the hits")?;
        scan_plan.partitions.retain(|(p, _)| p.start_ms() < read_until);
        let rules = Rules::from(&self.config.sessions);
        let mut sessionizer = Sessionizer::new(rules, first * MS_PER_DAY..read_until);
        let mut shards: Vec<ShardTally> = (0..SHARDS).map(|_| ShardTally::default()).collect();
        let projection = projection(&rules);
        let mut partitions = load(self.store.clone(), scan_plan, projection, ProgressBar::hidden());
        loop {
            let complete = match partitions.recv().await {
                Some(Loaded::File(file)) => {
                    self.hits_read += file.rows() as u64;
                    sessionizer.add(file.merge(&mut self.tables));
                    continue;
                }
                Some(Loaded::Bad(bad)) => {
                    tracing::warn!(key = %bad.key, reason = %bad.reason, "skipping unreadable object");
                    self.bad_objects += 1;
                    continue;
                }
                Some(Loaded::PartitionEnd(partition)) => {
                    self.lookup.prepare(&mut self.tables);
                    Some(partition.start_ms() + MS_PER_HOUR - LATE_PARTITIONS * MS_PER_HOUR)
                }
                None => None,
            };
            if complete.is_some() && sessionizer.pending_rows() < ROWS_PER_PUSH {
                continue;
            }
            let ctx = Context {
                window,
                lookup: &self.lookup,
                tables: &self.tables,
            };
            let mut sinks: Vec<_> = shards.iter_mut().map(|state| Sink { state, ctx: &ctx }).collect();
            sessionizer.push(complete, &self.lookup, &mut sinks);
            if complete.is_none() {
                break;
            }
        }
        Ok(self.resolve(shards))
    }

    /// Merges the shards' counts and turns ids into strings.
    fn resolve(&self, shards: Vec<ShardTally>) -> BTreeMap<String, SiteWindow> {
        let t = &self.tables;
        let mut sites: BTreeMap<String, SiteWindow> = BTreeMap::new();
        for shard in shards {
            for (site, n) in shard.all {
                sites.entry(t.str(site).to_owned()).or_default().all_sessions += n;
            }
            for ((site, channel), n) in shard.sessions {
                let site = sites.entry(t.str(site).to_owned()).or_default();
                site.channels.entry(t.str(channel).to_owned()).or_default().sessions += n;
            }
            for ((site, channel, dimension, value), n) in shard.slices {
                let name = match (dimension, t.opt(value)) {
                    (_, Some(name)) => name.to_owned(),
                    (Dimension::Country, None) => "(unknown)".to_owned(),
                    (_, None) => "(none)".to_owned(),
                };
                let site = sites.entry(t.str(site).to_owned()).or_default();
                let tally = site.channels.entry(t.str(channel).to_owned()).or_default();
                *tally.slices.entry((dimension, name)).or_default() += n;
            }
        }
        sites
    }
}

struct Context<'a> {
    window: Window,
    lookup: &'a Lookup,
    tables: &'a Tables,
}

/// One shard's counts, by string ids.
#[derive(Default)]
struct ShardTally {
    clocks: FxHashMap<u32, LocalClock>,
    /// Every session (bots too) by site.
    all: FxHashMap<u32, u64>,
    /// Human sessions by (site, channel).
    sessions: FxHashMap<(u32, u32), u64>,
    /// Human sessions by (site, channel, dimension, value).
    slices: FxHashMap<(u32, u32, Dimension, u32), u64>,
}

struct Sink<'a> {
    state: &'a mut ShardTally,
    ctx: &'a Context<'a>,
}

impl SessionSink for Sink<'_> {
    fn add(&mut self, session: &Session, _pages: &[PageView]) {
        let ctx = self.ctx;
        let clock = self
            .state
            .clocks
            .entry(session.site)
            .or_insert_with(|| LocalClock::new(ctx.lookup.site_tz(session.site)));
        if !ctx.window.contains(clock, session.start) {
            return;
        }
        *self.state.all.entry(session.site).or_default() += 1;
        // Human figures only, as in the reports.
        if session.is_bot || (session.automation.is_some() && ctx.lookup.automation.exclude_from_human) {
            return;
        }
        let attr = ctx.lookup.attr(session.attr);
        let client = ctx.tables.clients.get(session.client);
        let key = (session.site, attr.channel);
        *self.state.sessions.entry(key).or_default() += 1;
        for (dimension, value) in [
            (Dimension::LandingPage, session.landing),
            (Dimension::Country, client[CLIENT_COUNTRY]),
            (Dimension::Device, client[CLIENT_DEVICE]),
            (Dimension::Referrer, attr.referrer),
            (Dimension::Campaign, attr.campaign),
        ] {
            *self.state.slices.entry((key.0, key.1, dimension, value)).or_default() += 1;
        }
    }
}
