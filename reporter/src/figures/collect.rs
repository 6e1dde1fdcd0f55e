//! The figures of one shard of visitors: a `SessionSink` that adds each finished session to its
//! site's accumulator. Shards run in parallel and are merged at the end of the run
//! (`into_sites`).

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
}

/// One shard's running figures.
#[derive(Default)]
pub struct ShardFigures {
    pub sites: FxHashMap<u32, SiteAcc>,
}

impl ShardFigures {
    /// A sink for one push.
    pub fn sink<'a>(&'a mut self, ctx: &'a FigureContext<'a>) -> Collect<'a> {
        Collect { state: self, ctx }
    }

    /// Drops per-day visitor sets of UTC days before `utc_day` (see `Counts`).
    pub fn close_days_before(&mut self, utc_day: i64) {
        for acc in self.sites.values_mut() {
            acc.close_days_before(utc_day);
        }
    }
}

/// Merges the shards' figures into one accumulator per site, pairwise in parallel.
pub fn into_sites(shards: Vec<ShardFigures>) -> FxHashMap<u32, SiteAcc> {
    shards
        .into_par_iter()
        .map(|shard| {
            let mut sites = shard.sites;
            sites.values_mut().for_each(|acc| acc.close_days_before(i64::MAX));
            sites
        })
        .reduce(FxHashMap::default, |mut into, from| {
            for (site, acc) in from {
                match into.get_mut(&site) {
                    Some(existing) => existing.merge(acc),
                    None => {
                        into.insert(site, acc);
                    }
                }
            }
            into
        })
}

pub struct Collect<'a> {
    state: &'a mut ShardFigures,
    ctx: &'a FigureContext<'a>,
}

impl SessionSink for Collect<'_> {
    fn add(&mut self, session: &Session, pages: &[PageView]) {
        let ctx = self.ctx;
        let facts = SessionFacts::of(session, ctx.engaged_ms, ctx.very_short_ms);
        let acc = self
            .state
            .sites
            .entry(session.site)
            .or_insert_with(|| SiteAcc::new(session.site, ctx.lookup.site_tz(session.site), ctx.lookup));
        acc.add_session(session, pages, facts, &ctx.periods, ctx.lookup, ctx.tables);
    }
}
