//! From generated rows to stored files, the way the collector's Queue consumer leaves them:
//! hourly partitions, a few hits arriving late (stored in the next hour's partition), a few
//! written twice by a retried batch, and row order inside a file that means nothing.

use std::collections::BTreeMap;

use hitflow_schema::layout::{batch_key, Partition};
use rayon::prelude::*;

use super::catalog::Catalog;
use super::rng::{hash, Rng};
use super::row::{materialize, Row};
use super::schedule::{MS_PER_HOUR, MS_PER_MINUTE};
use super::{GenerateSummary, GeneratedFile};

/// Hits from the last minutes of an hour that the consumer writes an hour later.
const LATE_WINDOW_MS: i64 = 6 * MS_PER_MINUTE;
const LATE_P: f64 = 0.05; // × 6/60 of the hits ≈ 0.5 %
/// Hits stored a second time by a retried batch.
const DUPLICATE_P: f64 = 0.0005;
const BATCH_TAG: u64 = 0x6261_7463_6869_6421;
/// Files at least this large are materialised on all cores.
const PARALLEL_ROWS: usize = 8_192;

pub struct Store {
    start_ms: i64,
    seed: u64,
    batch_hits: Option<usize>,
    /// Rows waiting, by partition (hours since `start_ms`).
    buffers: BTreeMap<u32, Vec<Row>>,
}

impl Store {
    pub fn new(start_ms: i64, seed: u64, batch_hits: Option<usize>) -> Self {
        Store {
            start_ms,
            seed,
            batch_hits,
            buffers: BTreeMap::new(),
        }
    }

    /// Files a row under the partition it will be stored in; true when that is a later one.
    pub fn put(&mut self, row: Row, rng: &mut Rng) -> bool {
        let offset = row.ts - self.start_ms;
        let mut hour = offset.div_euclid(MS_PER_HOUR) as u32;
        let late =
            offset.rem_euclid(MS_PER_HOUR) >= MS_PER_HOUR - LATE_WINDOW_MS && rng.chance(LATE_P);
        if late {
            hour += 1;
        }
        self.buffers.entry(hour).or_default().push(row);
        late
    }

    /// Writes out every partition up to and including `hour`.
    pub fn flush_through(
        &mut self,
        hour: u32,
        cat: &Catalog,
        rng: &mut Rng,
        summary: &mut GenerateSummary,
        sink: &mut dyn FnMut(GeneratedFile) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        while let Some(entry) = self.buffers.first_entry() {
            if *entry.key() > hour {
                break;
            }
            let (h, rows) = entry.remove_entry();
            self.flush(h, rows, cat, rng, summary, sink)?;
        }
        Ok(())
    }

    /// Writes out everything left (the last hours' late hits and retried copies included).
    pub fn flush_all(
        &mut self,
        cat: &Catalog,
        rng: &mut Rng,
        summary: &mut GenerateSummary,
        sink: &mut dyn FnMut(GeneratedFile) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        self.flush_through(u32::MAX, cat, rng, summary, sink)
    }

    fn flush(
        &mut self,
        hour: u32,
        mut rows: Vec<Row>,
        cat: &Catalog,
        rng: &mut Rng,
        summary: &mut GenerateSummary,
        sink: &mut dyn FnMut(GeneratedFile) -> anyhow::Result<()>,
    ) -> anyhow::Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let files: Vec<Vec<Row>> = match self.batch_hits {
            None => {
                // One compacted file per partition: a retried copy can only be in another
                // partition's file, so it lands in the next hour's.
                for row in &rows {
                    if !row.dup && rng.chance(DUPLICATE_P) {
                        let copy = Row { dup: true, ..*row };
                        self.buffers.entry(hour + 1).or_default().push(copy);
                    }
                }
                rng.shuffle(&mut rows);
                vec![rows]
            }
            Some(max) => split_batches(rows, max.max(1), rng),
        };

        let partition = Partition::of_ts(self.start_ms + i64::from(hour) * MS_PER_HOUR);
        let abs_hour = (partition.start_ms().div_euclid(MS_PER_HOUR)) as u64;
        let mut keyed: Vec<(String, Vec<Row>)> = files
            .into_iter()
            .enumerate()
            .map(|(i, rows)| {
                let id = format!("{:016x}", hash(&[self.seed, BATCH_TAG, abs_hour, i as u64]));
                (batch_key(partition, &id), rows)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));

        for (key, rows) in keyed {
            summary.files += 1;
            summary.hits += rows.len() as u64;
            summary.bot_hits += rows.iter().filter(|r| r.bot).count() as u64;
            summary.duplicate_hits += rows.iter().filter(|r| r.dup).count() as u64;
            let hits = if rows.len() >= PARALLEL_ROWS {
                rows.par_iter().map(|r| materialize(r, cat)).collect()
            } else {
                rows.iter().map(|r| materialize(r, cat)).collect()
            };
            drop(rows);
            sink(GeneratedFile { key, hits })?;
        }
        Ok(())
    }
}

/// Queue batches: consecutive slices of the hour by arrival, each of at most `max` hits, in
/// delivery order (not time order); a retried copy goes into a different batch.
fn split_batches(mut rows: Vec<Row>, max: usize, rng: &mut Rng) -> Vec<Vec<Row>> {
    rows.sort_by_key(|r| r.ts);
    let count = rows.len().div_ceil(max);
    let mut files: Vec<Vec<Row>> = Vec::with_capacity(count + 1);
    let mut rest = rows.as_slice();
    for i in 0..count {
        // Even sizes: the remaining rows over the remaining files.
        let take = rest.len().div_ceil(count - i);
        let (head, tail) = rest.split_at(take);
        files.push(head.to_vec());
        rest = tail;
    }
    let mut copies: Vec<(usize, Row)> = Vec::new();
    for (i, file) in files.iter().enumerate() {
        for row in file {
            if !row.dup && rng.chance(DUPLICATE_P) {
                copies.push((i, Row { dup: true, ..*row }));
            }
        }
    }
    for (from, copy) in copies {
        let target = (1..files.len())
            .map(|step| (from + step) % files.len())
            .find(|&j| files[j].len() < max);
        match target {
            Some(j) => files[j].push(copy),
            None => files.push(vec![copy]),
        }
    }
    for file in &mut files {
        rng.shuffle(file);
    }
    files
}
