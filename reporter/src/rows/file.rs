//! One decoded file's rows: first with ids local to the file (decoding runs in parallel, each
//! file with its own tables), then folded into the run's global tables.

use super::{Row, ShardRows, Tables};

/// The rows of one file with file-local ids, by shard (`shard_of`), each ordered by bucket.
#[derive(Debug)]
pub struct FileRows {
    pub shards: Vec<ShardRows>,
    pub tables: Tables,
    /// The earliest hit time in the file.
    pub min_ts: Option<i64>,
    /// Hits dropped for a value no collector stores (revenue NaN, ±inf or beyond
    /// ±`MAX_REVENUE_ABS`): counted, never summed.
    pub bad_rows: u64,
}

impl FileRows {
    pub fn rows(&self) -> usize {
        self.shards.iter().map(|s| s.rows.len()).sum()
    }

    /// Folds the file's local ids into the run's global tables.
    pub fn merge(self, global: &mut Tables) -> MergedFile {
        MergedFile {
            remap: Remap::new(&self.tables, global),
            shards: self.shards,
            min_ts: self.min_ts,
        }
    }

    /// `merge`, with the remap applied: the rows of the file with global ids.
    pub fn into_global_rows(self, global: &mut Tables) -> Vec<Row> {
        let merged = self.merge(global);
        let remap = merged.remap;
        let mut rows: Vec<Row> = merged.shards.into_iter().flat_map(|s| s.rows).collect();
        rows.iter_mut().for_each(|row| remap.apply(row));
        rows
    }
}

/// How a file's local ids map to the run's global ids.
pub struct Remap {
    strings: Vec<u32>,
    sources: Vec<u32>,
    clients: Vec<u32>,
}

impl Remap {
    /// Per distinct value, in the file's order, so global ids do not depend on timing.
    fn new(file: &Tables, global: &mut Tables) -> Self {
        let strings: Vec<u32> = file.strings.values().map(|s| global.strings.intern(s)).collect();
        let map = |id: u32| strings.get(id as usize).copied().unwrap_or(0);
        let sources = (0..file.sources.len() as u32)
            .map(|t| global.sources.intern(file.sources.get(t).map(map)))
            .collect();
        let clients = (0..file.clients.len() as u32)
            .map(|d| global.clients.intern(file.clients.get(d).map(map)))
            .collect();
        Remap {
            strings,
            sources,
            clients,
        }
    }

    #[inline]
    pub fn apply(&self, row: &mut Row) {
        let s = |id: u32| self.strings.get(id as usize).copied().unwrap_or(0);
        row.site = s(row.site);
        row.event = s(row.event);
        row.path = s(row.path);
        row.currency = s(row.currency);
        row.source = self.sources.get(row.source as usize).copied().unwrap_or(0);
        row.client = self.clients.get(row.client as usize).copied().unwrap_or(0);
    }
}

/// A file's rows by shard, still with local ids, and the `Remap` that turns them global (the
/// sessionizer applies it when it gathers a bucket, saving a pass over the rows).
pub struct MergedFile {
    pub shards: Vec<ShardRows>,
    pub remap: Remap,
    /// The earliest hit time in the file.
    pub min_ts: Option<i64>,
}
