//! Sessionizing a stream of hourly partitions with bounded memory, in parallel.
//!
//! Hits may arrive up to `LATE_PARTITIONS` partitions after the hour of their timestamp, so
//! the caller tells `push` until when every hit has arrived. A group (site, bot flag, visitor)
//! is final once its last hit is older than that minus the inactivity timeout, or once its UTC
//! day is over — visitor ids rotate at UTC midnight, so no id gets hits on two days. Final
//! groups become sessions and their rows are freed; memory holds the groups active in the last
//! couple of hours and the rows added since the last push, whatever the length of the period.
//!
//! Rows come from the decoder already split by bucket (the top bits of the visitor id, see
//! `rows::bucket_of`), and buckets belong to shards, which are pushed in parallel. A push
//! gathers one bucket at a time (its open rows and its part of every file added since) straight
//! into sub-buckets of a small buffer by the next visitor bits (a counting pass, then one
//! scatter), orders each sub-bucket's few rows with an insertion sort, drops duplicates and
//! sessionizes them in place: every step after the gather stays in cache.

use hitflow_schema::time::MS_PER_DAY;
use std::ops::Range;
use std::sync::Arc;

use rayon::prelude::*;

use super::lookup::Lookup;
use super::session::{PageView, SessionSink};
use super::sessionize::{sessionize, Rules};
use crate::rows::file::{MergedFile, Remap};
use crate::rows::{Row, ShardRows, BUCKETS_PER_SHARD, BUCKET_BITS, SHARDS};

/// How many partitions after its own hour a hit may still arrive in.
pub const LATE_PARTITIONS: i64 = 2;
/// Sub-buckets a bucket is sorted into, by the visitor bits after the bucket bits.
const SUB_BITS: u32 = 8;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct StreamStats {
    /// Hits stored twice (same hit id), counted once.
    pub duplicate_hits: u64,
    /// Hits that arrived later than the lateness margin, after their visitor's sessions were final.
    pub too_late_hits: u64,
    /// Sessions made only of beacons of a page viewed before the visitor id rotated.
    pub sessions_without_pageview: u64,
    /// Hits outside the time window the run reads.
    pub outside_window: u64,
}

impl StreamStats {
    fn absorb(&mut self, other: StreamStats) {
        self.duplicate_hits += other.duplicate_hits;
        self.too_late_hits += other.too_late_hits;
        self.sessions_without_pageview += other.sessions_without_pageview;
        self.outside_window += other.outside_window;
    }
}

/// One file's rows of one shard, by bucket, waiting for the next push.
struct PendingFile {
    rows: ShardRows,
    remap: Arc<Remap>,
}

struct Shard {
    /// Per bucket: rows of groups that may still get hits (global ids).
    open: Vec<Vec<Row>>,
    /// Earliest time among the open rows.
    open_since: Option<i64>,
    pending: Vec<PendingFile>,
    pending_rows: usize,
    stats: StreamStats,
    /// Reused per bucket and per group.
    scratch: Vec<Row>,
    pages: Vec<PageView>,
}

impl Default for Shard {
    fn default() -> Self {
        Shard {
            open: (0..BUCKETS_PER_SHARD).map(|_| Vec::new()).collect(),
            open_since: None,
            pending: Vec::new(),
            pending_rows: 0,
            stats: StreamStats::default(),
            scratch: Vec::new(),
            pages: Vec::new(),
        }
    }
}

pub struct Sessionizer {
    rules: Rules,
    window: Range<i64>,
    shards: Vec<Shard>,
    /// Hits older than this belong to groups already finalized.
    finalized_before: i64,
    /// Earliest time among the rows added since the last push.
    pending_since: Option<i64>,
    pub stats: StreamStats,
}

fn sub_bucket_of(visitor: u64) -> usize {
    ((visitor << BUCKET_BITS) >> (64 - SUB_BITS)) as usize
}

/// What a push does with the groups: `limit`: groups whose last hit is before it are final
/// (`None`: all are); rows before `cutoff` arrived too late; rows outside `window` are not read.
struct PushLimits {
    limit: Option<i64>,
    cutoff: i64,
    window: Range<i64>,
}

impl Sessionizer {
    /// Sessionizes the hits whose time is in `window`.
    pub fn new(rules: Rules, window: Range<i64>) -> Self {
        Sessionizer {
            rules,
            window,
            shards: (0..SHARDS).map(|_| Shard::default()).collect(),
            finalized_before: i64::MIN,
            pending_since: None,
            stats: StreamStats::default(),
        }
    }

    /// The earliest time among the rows held (`None` when none are).
    pub fn oldest_row(&self) -> Option<i64> {
        self.shards
            .iter()
            .filter_map(|s| s.open_since)
            .chain(self.pending_since)
            .min()
    }

    /// Every session whose hits all lie before this time has been handed out.
    pub fn finalized_before(&self) -> i64 {
        self.finalized_before
    }

    /// Rows held: still-open groups and rows added since the last push.
    pub fn open_rows(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.pending_rows + s.open.iter().map(Vec::len).sum::<usize>())
            .sum()
    }

    /// Rows added since the last push.
    pub fn pending_rows(&self) -> usize {
        self.shards.iter().map(|s| s.pending_rows).sum()
    }

    /// Adds one file's rows (`file.shards[i]` holds shard `i`'s, see `rows::shard_of`).
    pub fn add(&mut self, file: MergedFile) {
        assert_eq!(file.shards.len(), SHARDS, "rows by shard");
        let oldest = file.min_ts.map(|t| t.max(self.window.start));
        self.pending_since = self.pending_since.into_iter().chain(oldest).min();
        let remap = Arc::new(file.remap);
        for (shard, rows) in self.shards.iter_mut().zip(file.shards) {
            shard.pending_rows += rows.rows.len();
            shard.pending.push(PendingFile {
                rows,
                remap: remap.clone(),
            });
        }
    }

    /// Hands every group that is final to its shard's sink (`sinks[i]` for shard `i`, called
    /// from one thread per shard). `complete`: every hit with an earlier timestamp has arrived;
    /// `None` means the data has ended and everything is final.
    pub fn push<K: SessionSink + Send>(&mut self, complete: Option<i64>, lookup: &Lookup, sinks: &mut [K]) {
        assert_eq!(sinks.len(), SHARDS, "one sink per shard");
        let limits = PushLimits {
            limit: complete.map(|c| (c - self.rules.timeout_ms).max(c.div_euclid(MS_PER_DAY) * MS_PER_DAY)),
            cutoff: self.finalized_before,
            window: self.window.clone(),
        };
        let rules = self.rules;
        self.shards
            .par_iter_mut()
            .zip(sinks.par_iter_mut())
            .for_each(|(shard, sink)| shard.push(&limits, &rules, lookup, sink));
        for shard in &mut self.shards {
            self.stats.absorb(std::mem::take(&mut shard.stats));
        }
        self.pending_since = None;
        if let Some(limit) = limits.limit {
            self.finalized_before = self.finalized_before.max(limit);
        }
    }
}

impl Shard {
    fn push(&mut self, limits: &PushLimits, rules: &Rules, lookup: &Lookup, sink: &mut impl SessionSink) {
        let pending = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        for (bucket, open) in self.open.iter_mut().enumerate() {
            let starts = scatter_bucket(open, &pending, bucket, limits, &mut self.scratch, &mut self.stats);
            open.clear();
            if bucket == 0 {
                self.open_since = None;
            }
            for sub in 0..(1 << SUB_BITS) {
                let rows = &mut self.scratch[starts[sub]..starts[sub + 1]];
                // Most sub-buckets hold a row or two: skip the sort's setup for those.
                let len = match rows.len() {
                    0 => continue,
                    1 => 1,
                    _ => {
                        insertion_sort(rows);
                        drop_duplicates(rows, &mut self.stats)
                    }
                };
                let rows = &rows[..len];
                let mut start = 0;
                while start < len {
                    let key = rows[start].group_key();
                    let end = start + rows[start..].iter().take_while(|r| r.group_key() == key).count();
                    let group = &rows[start..end];
                    if limits.limit.is_none_or(|limit| group[group.len() - 1].ts < limit) {
                        sessionize(
                            group,
                            rules,
                            lookup,
                            &mut self.pages,
                            sink,
                            &mut self.stats.sessions_without_pageview,
                        );
                    } else {
                        open.extend_from_slice(group);
                        self.open_since = self.open_since.into_iter().chain(Some(group[0].ts)).min();
                    }
                    start = end;
                }
            }
        }
    }
}

/// Whether a pending row is sessionized: inside the window and not after its group was final.
fn admitted(row: &Row, limits: &PushLimits) -> bool {
    limits.window.contains(&row.ts) && row.ts >= limits.cutoff
}

/// Gathers a bucket (its open rows and its part of every pending file, with global ids) into
/// `scratch`, ordered by sub-bucket (the visitor bits after the bucket bits), with one counting
/// pass and one scatter: sub-bucket `s` is `scratch[starts[s]..starts[s + 1]]`, its rows in the
/// order they were gathered (open rows first, then file by file).
fn scatter_bucket(
    open: &[Row],
    pending: &[PendingFile],
    bucket: usize,
    limits: &PushLimits,
    scratch: &mut Vec<Row>,
    stats: &mut StreamStats,
) -> [usize; (1 << SUB_BITS) + 1] {
    let mut starts = [0usize; (1 << SUB_BITS) + 1];
    for row in open {
        starts[sub_bucket_of(row.visitor) + 1] += 1;
    }
    for file in pending {
        for row in file.rows.bucket(bucket) {
            if admitted(row, limits) {
                starts[sub_bucket_of(row.visitor) + 1] += 1;
            } else if !limits.window.contains(&row.ts) {
                stats.outside_window += 1;
            } else {
                stats.too_late_hits += 1;
            }
        }
    }
    for i in 1..starts.len() {
        starts[i] += starts[i - 1];
    }
    let mut next = starts;
    scratch.clear();
    scratch.resize(starts[1 << SUB_BITS], Row::default());
    for row in open {
        let sub = sub_bucket_of(row.visitor);
        scratch[next[sub]] = *row;
        next[sub] += 1;
    }
    for file in pending {
        for row in file.rows.bucket(bucket) {
            if admitted(row, limits) {
                let sub = sub_bucket_of(row.visitor);
                let slot = &mut scratch[next[sub]];
                *slot = *row;
                file.remap.apply(slot);
                next[sub] += 1;
            }
        }
    }
    starts
}

/// Drops hits stored twice from rows in `Row::order_key` order (copies of one hit share every
/// field, so they sort next to each other); returns how many rows are kept (a prefix).
fn drop_duplicates(rows: &mut [Row], stats: &mut StreamStats) -> usize {
    let is_copy = |a: &Row, b: &Row| b.hit_id != 0 && a.hit_id == b.hit_id && a.order_key() == b.order_key();
    let Some(first) = (1..rows.len()).find(|&i| is_copy(&rows[i - 1], &rows[i])) else {
        return rows.len();
    };
    let mut kept = first;
    for i in first..rows.len() {
        if is_copy(&rows[kept - 1], &rows[i]) {
            stats.duplicate_hits += 1;
        } else {
            rows[kept] = rows[i];
            kept += 1;
        }
    }
    kept
}

/// Orders a few rows; a visitor's rows mostly arrive in time order already. Sub-buckets of
/// unusual size fall back to the library sort.
fn insertion_sort(rows: &mut [Row]) {
    if rows.len() > 32 {
        rows.sort_unstable_by_key(Row::order_key);
        return;
    }
    for i in 1..rows.len() {
        let mut j = i;
        while j > 0 && rows[j - 1].order_key() > rows[j].order_key() {
            rows.swap(j - 1, j);
            j -= 1;
        }
    }
}
