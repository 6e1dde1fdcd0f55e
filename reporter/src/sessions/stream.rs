//! Sessionizing a stream of hourly partitions with bounded memory. Hits may arrive up to
//! `LATE_PARTITIONS` partitions after the hour of their timestamp; once partition H is loaded, a
//! visitor whose last hit is older than the watermark minus the inactivity timeout cannot gain a
//! hit any more, so its sessions are final and its rows are freed. Memory therefore holds the
//! visitors active in the last couple of hours, whatever the length of the period.

use rayon::prelude::*;

use super::lookup::Lookup;
use super::session::Session;
use super::sessionize::{sessionize, Rules};
use crate::scan::rows::Row;

/// How many partitions after its own hour a hit may still arrive in.
pub const LATE_PARTITIONS: i64 = 2;
const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StreamStats {
    /// Hits stored twice (same hit id), counted once.
    pub duplicate_hits: u64,
    /// Hits that arrived later than the lateness margin, after their visitor's sessions were final.
    pub too_late_hits: u64,
    /// Sessions made only of beacons of a page viewed before the visitor id rotated.
    pub sessions_without_pageview: u64,
}

pub struct Sessionizer {
    rules: Rules,
    /// Rows of visitors that may still get hits, sorted by (group, time).
    open: Vec<Row>,
    /// Hits older than this belong to visitors already finalized.
    finalized_before: i64,
    pub stats: StreamStats,
}

impl Sessionizer {
    pub fn new(rules: Rules) -> Self {
        Sessionizer { rules, open: Vec::new(), finalized_before: i64::MIN, stats: StreamStats::default() }
    }

    /// Rows currently held.
    pub fn open_rows(&self) -> usize {
        self.open.len()
    }

    /// Adds the rows of partitions up to the one starting at `partition_start` and returns the
    /// sessions that became final. `None` flushes everything (end of the data).
    pub fn push(&mut self, mut rows: Vec<Row>, partition_start: Option<i64>, lookup: &Lookup) -> Vec<Session> {
        let before = rows.len();
        let cutoff = self.finalized_before;
        rows.retain(|r| r.ts >= cutoff);
        self.stats.too_late_hits += (before - rows.len()) as u64;

        rows.append(&mut self.open);
        rows.par_sort_unstable_by_key(|r| (r.site, r.is_bot(), r.visitor, r.ts, r.hit_id));
        let before = rows.len();
        rows.dedup_by(|b, a| a.hit_id == b.hit_id && a.hit_id != 0 && a.group_key() == b.group_key() && a.ts == b.ts);
        self.stats.duplicate_hits += (before - rows.len()) as u64;

        // Everything with a timestamp before `complete` has arrived.
        let complete = partition_start.map(|start| start + HOUR_MS - LATE_PARTITIONS * HOUR_MS);
        let closable_before = complete.map(|c| c - self.rules.timeout_ms);

        let groups = group_bounds(&rows);
        let (closed, kept): (Vec<_>, Vec<_>) = groups
            .into_par_iter()
            .partition(|&(_, end)| closable_before.is_none_or(|limit| rows[end - 1].ts < limit));

        let rules = self.rules;
        let results: Vec<(Vec<Session>, u64)> = closed
            .par_chunks(256)
            .map(|chunk| {
                let mut out = Vec::new();
                let mut orphans = 0;
                for &(start, end) in chunk {
                    sessionize(&rows[start..end], &rules, lookup, &mut out, &mut orphans);
                }
                (out, orphans)
            })
            .collect();

        let mut open = Vec::with_capacity(kept.iter().map(|(s, e)| e - s).sum());
        for (start, end) in kept {
            open.extend_from_slice(&rows[start..end]);
        }
        self.open = open;
        if let Some(limit) = closable_before {
            self.finalized_before = self.finalized_before.max(limit);
        }
        let mut sessions = Vec::with_capacity(results.iter().map(|(s, _)| s.len()).sum());
        for (mut out, orphans) in results {
            self.stats.sessions_without_pageview += orphans;
            sessions.append(&mut out);
        }
        sessions
    }
}

/// `[start, end)` index ranges of runs with the same (site, bot flag, visitor).
fn group_bounds(rows: &[Row]) -> Vec<(usize, usize)> {
    let mut bounds = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || rows[i].group_key() != rows[start].group_key() {
            if i > start {
                bounds.push((start, i));
            }
            start = i;
        }
    }
    bounds
}
