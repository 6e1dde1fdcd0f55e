//! From generated rows to stored files, the way the collector's Queue consumer leaves them:
//! hourly partitions, a few hits arriving late (stored in the next hour's partition), a few
//! written twice by a retried batch, and row order inside a file that means nothing.

use std::collections::BTreeMap;
use std::ops::Range;

use hitflow_schema::layout::{batch_key, Partition};
use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE};
use rayon::prelude::*;

use super::catalog::Catalog;
use super::rng::{hash, Rng};
use super::row::{materialize, Row};
use super::{GenerateError, GenerateSummary, GeneratedFile, SinkError};

/// Hits from the last minutes of an hour that the consumer writes an hour later.
const LATE_WINDOW_MS: i64 = 6 * MS_PER_MINUTE;
const LATE_P: f64 = 0.05; // × 6/60 of the hits ≈ 0.5 %
/// Hits stored a second time by a retried batch.
const DUPLICATE_P: f64 = 0.0005;
const BATCH_TAG: u64 = 0x6261_7463_6869_6421;
/// Files at least this large are materialised on all cores.
const PARALLEL_ROWS: usize = 8_192;

/// Rows waiting for their partition's file, and the writing of those files.
pub struct Partitions {
    start_ms: i64,
    seed: u64,
    batch_hits: Option<usize>,
    /// Rows waiting, by partition (hours since `start_ms`).
    buffers: BTreeMap<u32, Vec<Row>>,
}

impl Partitions {
    pub fn new(start_ms: i64, seed: u64, batch_hits: Option<usize>) -> Self {
        Partitions {
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
        let late = offset.rem_euclid(MS_PER_HOUR) >= MS_PER_HOUR - LATE_WINDOW_MS && rng.chance(LATE_P);
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
        sink: &mut dyn FnMut(GeneratedFile) -> Result<(), SinkError>,
    ) -> Result<(), GenerateError> {
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
        sink: &mut dyn FnMut(GeneratedFile) -> Result<(), SinkError>,
    ) -> Result<(), GenerateError> {
        self.flush_through(u32::MAX, cat, rng, summary, sink)
    }

    fn flush(
        &mut self,
        hour: u32,
        mut rows: Vec<Row>,
        cat: &Catalog,
        rng: &mut Rng,
        summary: &mut GenerateSummary,
        sink: &mut dyn FnMut(GeneratedFile) -> Result<(), SinkError>,
    ) -> Result<(), GenerateError> {
        if rows.is_empty() {
            return Ok(());
        }
        let files: Vec<File> = match self.batch_hits {
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
                vec![File {
                    range: 0..rows.len(),
                    copies: Vec::new(),
                }]
            }
            Some(max) => plan_batches(&mut rows, max.max(1), rng),
        };

        let partition = Partition::of_ts(self.start_ms + i64::from(hour) * MS_PER_HOUR);
        let abs_hour = (partition.start_ms().div_euclid(MS_PER_HOUR)) as u64;
        let mut keyed: Vec<(String, File)> = files
            .into_iter()
            .enumerate()
            .map(|(i, file)| {
                let id = format!("{:016x}", hash(&[self.seed, BATCH_TAG, abs_hour, i as u64]));
                (batch_key(partition, &id), file)
            })
            .collect();
        keyed.sort_by(|a, b| a.0.cmp(&b.0));

        for (key, file) in keyed {
            let own = &rows[file.range];
            let all = || own.iter().chain(&file.copies);
            summary.files += 1;
            summary.hits += (own.len() + file.copies.len()) as u64;
            summary.bot_hits += all().filter(|r| r.bot).count() as u64;
            summary.duplicate_hits += all().filter(|r| r.dup).count() as u64;
            let mut hits = Vec::with_capacity(own.len() + file.copies.len());
            if own.len() >= PARALLEL_ROWS {
                own.par_iter().map(|r| materialize(r, cat)).collect_into_vec(&mut hits);
            } else {
                hits.extend(own.iter().map(|r| materialize(r, cat)));
            }
            for copy in &file.copies {
                // Somewhere in the batch, not at its end.
                hits.push(materialize(copy, cat));
                let j = rng.below(hits.len() as u64) as usize;
                let last = hits.len() - 1;
                hits.swap(j, last);
            }
            sink(GeneratedFile { key: key.clone(), hits }).map_err(|source| GenerateError::Sink { key, source })?;
        }
        Ok(())
    }
}

/// One file of a partition: a range of the partition's rows plus retried copies of rows that
/// other files hold.
struct File {
    range: Range<usize>,
    copies: Vec<Row>,
}

/// Queue batches: consecutive slices of the hour by arrival, each of at most `max` hits, in
/// delivery order (not time order); a retried copy goes into a different batch. Works in
/// place so a busy hour is not held twice.
fn plan_batches(rows: &mut [Row], max: usize, rng: &mut Rng) -> Vec<File> {
    rows.sort_unstable_by_key(|r| (r.ts, r.hit_id));
    let count = rows.len().div_ceil(max);
    let mut files: Vec<File> = Vec::with_capacity(count + 1);
    let mut start = 0;
    for i in 0..count {
        // Even sizes: the remaining rows over the remaining files.
        let take = (rows.len() - start).div_ceil(count - i);
        files.push(File {
            range: start..start + take,
            copies: Vec::new(),
        });
        start += take;
    }
    for from in 0..count {
        for k in files[from].range.clone() {
            let row = rows[k];
            if row.dup || !rng.chance(DUPLICATE_P) {
                continue;
            }
            let copy = Row { dup: true, ..row };
            let n = files.len();
            let target = (1..n)
                .map(|step| (from + step) % n)
                .find(|&j| files[j].range.len() + files[j].copies.len() < max);
            match target {
                Some(j) => files[j].copies.push(copy),
                None => files.push(File {
                    range: 0..0,
                    copies: vec![copy],
                }),
            }
        }
    }
    for file in &files {
        rng.shuffle(&mut rows[file.range.clone()]);
    }
    files
}
