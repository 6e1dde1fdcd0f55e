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
        Sessionizer {
            rules,
            open: Vec::new(),
            finalized_before: i64::MIN,
            stats: StreamStats::default(),
        }
    }

    /// Every session whose hits all lie before this time has been returned.
    pub fn finalized_before(&self) -> i64 {
        self.finalized_before
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

        // Only the new rows need sorting: the open ones are sorted already.
        let rows = merge_sorted(std::mem::take(&mut self.open), sort_rows(rows));
        let before = rows.len();
        let rows = dedup(rows);
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

/// Sort order of rows: visitor, then site and bot flag (together: the group), then time. Signed
/// times are flipped into unsigned order.
fn order_key(r: &Row) -> (u64, u64, u64) {
    (
        r.visitor,
        (u64::from(r.site) << 1) | u64::from(r.is_bot()),
        (r.ts as u64) ^ (1 << 63),
    )
}

/// Sorts rows by `order_key` through a compact key array: moving 32-byte keys instead of 80-byte
/// rows makes the sort several times cheaper, and each row is then moved once.
fn sort_rows(rows: Vec<Row>) -> Vec<Row> {
    let mut keys: Vec<((u64, u64, u64), u32)> = rows
        .par_iter()
        .enumerate()
        .map(|(i, r)| (order_key(r), i as u32))
        .collect();
    keys.par_sort_unstable();
    keys.into_par_iter().map(|(_, i)| rows[i as usize]).collect()
}

/// Merges two runs sorted by `order_key`.
fn merge_sorted(a: Vec<Row>, b: Vec<Row>) -> Vec<Row> {
    if a.is_empty() {
        return b;
    }
    if b.is_empty() {
        return a;
    }
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if order_key(&b[j]) < order_key(&a[i]) {
            out.push(b[j]);
            j += 1;
        } else {
            out.push(a[i]);
            i += 1;
        }
    }
    out.extend_from_slice(&a[i..]);
    out.extend_from_slice(&b[j..]);
    out
}

/// Drops hits stored twice (same hit id, same visitor and time), keeping the first. In place:
/// the vector is the largest allocation of a push.
fn dedup(mut rows: Vec<Row>) -> Vec<Row> {
    let mut write = 0;
    let mut run_start = 0;
    for read in 0..rows.len() {
        let row = rows[read];
        if write > 0 && order_key(&rows[write - 1]) == order_key(&row) {
            if row.hit_id != 0 && rows[run_start..write].iter().any(|seen| seen.hit_id == row.hit_id) {
                continue;
            }
        } else {
            run_start = write;
        }
        rows[write] = row;
        write += 1;
    }
    rows.truncate(write);
    rows
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
