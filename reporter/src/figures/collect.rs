//! The figures of one shard of visitors: a `SessionSink` that adds each finished session to its
//! site's accumulator. Shards run in parallel and are merged at the end of the run
//! (`into_groups`).

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::counts::SessionFacts;
use super::site::{Periods, SiteAcc};
use crate::rows::Tables;
use crate::sessions::lookup::Lookup;
use crate::sessions::session::{PageView, Session, SessionSink};

/// What every shard needs to know to count a session.
pub struct FigureContext<'a> {
    pub lookup: &'a Lookup,
    pub tables: &'a Tables,
    pub periods: Periods,
    pub engaged_ms: i64,
    pub very_short_ms: i64,
    pub segments: &'a [crate::segments::SegmentConfig],
    /// `run --site`: the string id of the one site counted (`None`: every site).
    pub only_site: Option<u32>,
}

/// One shard's running figures.
#[derive(Default)]
pub struct ShardFigures {
    pub sites: FxHashMap<u32, SiteAcc>,
    /// Per (site, index of `[[segments]]`): the segment's figures, from the same sessions.
    pub segments: FxHashMap<(u32, usize), SiteAcc>,
}

impl ShardFigures {
    /// A sink for one push.
    pub fn sink<'a>(&'a mut self, ctx: &'a FigureContext<'a>) -> Collect<'a> {
        Collect { state: self, ctx }
    }

    /// Drops per-day visitor sets of UTC days before `utc_day` (see `Counts`).
    pub fn close_days_before(&mut self, utc_day: i64) {
        for acc in self.sites.values_mut().chain(self.segments.values_mut()) {
            acc.close_days_before(utc_day);
        }
    }
}

/// The merged figures of every site and segment.
pub struct Groups {
    pub sites: FxHashMap<u32, SiteAcc>,
    pub segments: FxHashMap<(u32, usize), SiteAcc>,
}

/// Merges the shards' figures into one accumulator per site and per segment.
pub fn into_groups(shards: Vec<ShardFigures>) -> Groups {
    let (sites, segments): (Vec<_>, Vec<_>) = shards.into_iter().map(|s| (s.sites, s.segments)).unzip();
    Groups {
        sites: merge_maps(sites),
        segments: merge_maps(segments),
    }
}

fn merge_maps<K: std::hash::Hash + Eq + Send>(maps: Vec<FxHashMap<K, SiteAcc>>) -> FxHashMap<K, SiteAcc> {
    maps.into_par_iter()
        .map(|mut map| {
            map.values_mut().for_each(|acc| acc.close_days_before(i64::MAX));
            map
        })
        .reduce(FxHashMap::default, |mut into, from| {
            for (key, acc) in from {
                match into.get_mut(&key) {
                    Some(existing) => existing.merge(acc),
                    None => {
                        into.insert(key, acc);
                    }
                }
            }
            into
        })
}

/// Merges the shards' figures into one accumulator per site, pairwise in parallel.
pub fn into_sites(shards: Vec<ShardFigures>) -> FxHashMap<u32, SiteAcc> {
    into_groups(shards).sites
}

pub struct Collect<'a> {
    state: &'a mut ShardFigures,
    ctx: &'a FigureContext<'a>,
}

impl SessionSink for Collect<'_> {
    fn add(&mut self, session: &Session, pages: &[PageView]) {
        let ctx = self.ctx;
        if ctx.only_site.is_some_and(|site| site != session.site) {
            return;
        }
        let facts = SessionFacts::of(session, ctx.engaged_ms, ctx.very_short_ms);
        let acc = self
            .state
            .sites
            .entry(session.site)
            .or_insert_with(|| SiteAcc::new(session.site, ctx.lookup.site_tz(session.site), ctx.lookup));
        acc.add_session(session, pages, facts, &ctx.periods, ctx.lookup, ctx.tables);
        let site_name = ctx.tables.str(session.site);
        for (index, segment) in ctx.segments.iter().enumerate() {
            if segment.applies_to(site_name) && segment.matches(session, ctx.lookup, ctx.tables) {
                self.state
                    .segments
                    .entry((session.site, index))
                    .or_insert_with(|| SiteAcc::new(session.site, ctx.lookup.site_tz(session.site), ctx.lookup))
                    .add_session(session, pages, facts, &ctx.periods, ctx.lookup, ctx.tables);
            }
        }
    }
}
