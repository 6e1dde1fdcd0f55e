//! The projected columns of a batch of hits, as plain vectors (`arrow_columns` fills them), and
//! the rows built from them.

use std::ops::Range;

use hitflow_schema::MAX_REVENUE_ABS;

use super::decode::{Projection, CURRENCY, EVENT, FIRST_CLIENT, FIRST_SOURCE, PATH, SITE, STRING_COLUMNS};
use crate::rows::{
    bucket_of, shard_of, ClientIds, Row, SourceIds, Tables, BUCKETS_PER_SHARD, FLAG_BOT, FLAG_ENTRY, FLAG_HAS_REVENUE,
    FLAG_TRACKER, SHARDS,
};

/// Every vector holds `len` values once filled; nulls read as 0, false or NaN (`revenue`, whose
/// stored NaN reads as +inf), and a column not read (see `Projection`) is all nulls. `ts` and
/// `visitor_id` also keep their validity (empty: all valid), since a hit without either is not
/// a hit.
#[derive(Debug, Default)]
pub struct HitColumns {
    pub len: usize,
    pub ts: Vec<i64>,
    pub ts_valid: Vec<bool>,
    pub hit_id: Vec<i64>,
    pub visitor: Vec<i64>,
    pub visitor_valid: Vec<bool>,
    pub is_bot: Vec<bool>,
    pub engaged_ms: Vec<u32>,
    /// 0 when absent (pixel hits).
    pub screen_width: Vec<u32>,
    /// Capped at 100; `None` when absent, also in files from before the column.
    pub scroll: Vec<Option<u8>>,
    pub revenue: Vec<f64>,
    pub entry: Vec<bool>,
    /// String ids (file-local) of `STRING_COLUMNS`, in that order.
    pub strings: [Vec<u32>; STRING_COLUMNS.len()],
}

/// Rows by shard while a file is being decoded.
pub struct Decoded {
    pub shards: Vec<Vec<Row>>,
    /// Rows per bucket of each shard (`rows::bucket_of`), counted as rows are added, so ordering
    /// a shard by bucket takes one pass over its rows instead of two.
    pub bucket_counts: Vec<Vec<u32>>,
    pub tables: Tables,
    pub min_ts: Option<i64>,
    /// See `FileRows::bad_rows`.
    pub bad_rows: u64,
}

impl Decoded {
    pub fn new(rows_hint: usize) -> Self {
        Decoded {
            shards: (0..SHARDS)
                .map(|_| Vec::with_capacity(rows_hint / SHARDS * 9 / 8))
                .collect(),
            bucket_counts: vec![vec![0; BUCKETS_PER_SHARD]; SHARDS],
            tables: Tables::default(),
            min_ts: None,
            bad_rows: 0,
        }
    }
}

impl HitColumns {
    /// Empties every column for the next batch of `len` rows.
    pub fn clear(&mut self, len: usize) {
        self.len = len;
        for v in [&mut self.ts, &mut self.hit_id, &mut self.visitor] {
            v.clear();
        }
        self.ts_valid.clear();
        self.visitor_valid.clear();
        self.is_bot.clear();
        self.entry.clear();
        self.engaged_ms.clear();
        self.screen_width.clear();
        self.scroll.clear();
        self.revenue.clear();
        for s in &mut self.strings {
            s.clear();
        }
    }

    /// Fills the columns a projection leaves out with nulls.
    pub fn fill_unread(&mut self, projection: Projection) {
        if !projection.entry {
            self.entry.resize(self.len, false);
        }
        for (column, name) in self.strings.iter_mut().zip(STRING_COLUMNS) {
            if !projection.reads(name) {
                column.resize(self.len, 0);
            }
        }
    }

    /// Every column holds at least `n` values.
    fn holds(&self, n: usize) -> bool {
        let valid = |v: &Vec<bool>| v.is_empty() || v.len() >= n;
        [
            self.ts.len(),
            self.hit_id.len(),
            self.visitor.len(),
            self.is_bot.len(),
            self.engaged_ms.len(),
            self.screen_width.len(),
            self.scroll.len(),
            self.revenue.len(),
            self.entry.len(),
        ]
        .into_iter()
        .all(|l| l >= n)
            && self.strings.iter().all(|s| s.len() >= n)
            && valid(&self.ts_valid)
            && valid(&self.visitor_valid)
    }

    /// Adds the rows to `out`: hits without a time or a visitor id are skipped, and only
    /// pageviews get a source and a client tuple. Columns of unequal length are a damaged file.
    pub fn rows_into(&self, range: Range<usize>, out: &mut Decoded) -> Result<(), String> {
        if !self.holds(range.end) {
            return Err(format!("a column holds fewer than {} values", range.end));
        }
        let n = range.len();
        let pageview = out.tables.strings.intern(hitflow_schema::EVENT_PAGEVIEW);
        let r = range.clone();
        let (ts, hit_id, visitor) = (&self.ts[r.clone()], &self.hit_id[r.clone()], &self.visitor[r.clone()]);
        let (is_bot, entry, engaged, revenue) = (
            &self.is_bot[r.clone()],
            &self.entry[r.clone()],
            &self.engaged_ms[r.clone()],
            &self.revenue[r.clone()],
        );
        let screen_width = &self.screen_width[r.clone()];
        let scroll = &self.scroll[r.clone()];
        let s: [&[u32]; STRING_COLUMNS.len()] = std::array::from_fn(|c| &self.strings[c][r.clone()]);
        let ts_valid = self.ts_valid.get(r.clone()).unwrap_or(&[]);
        let visitor_valid = self.visitor_valid.get(r.clone()).unwrap_or(&[]);
        for i in 0..n {
            if ts_valid.get(i) == Some(&false) || visitor_valid.get(i) == Some(&false) {
                continue;
            }
            // A null reads as NaN, a stored NaN as +inf (`arrow_columns::stored_double`).
            let (revenue, has_revenue) = match revenue[i] {
                r if r.is_nan() => (0.0, false),
                r if r.abs() <= MAX_REVENUE_ABS => (r, true),
                _ => {
                    out.bad_rows += 1;
                    continue;
                }
            };
            let mut flags = 0;
            if is_bot[i] {
                flags |= FLAG_BOT;
            }
            if entry[i] {
                flags |= FLAG_ENTRY;
            }
            if screen_width[i] != 0 {
                flags |= FLAG_TRACKER;
            }
            if has_revenue {
                flags |= FLAG_HAS_REVENUE;
            }
            let event = s[EVENT][i];
            let (source, client) = if event == pageview {
                let source: SourceIds = std::array::from_fn(|k| s[FIRST_SOURCE + k][i]);
                let client: ClientIds = std::array::from_fn(|k| s[FIRST_CLIENT + k][i]);
                (out.tables.sources.intern(source), out.tables.clients.intern(client))
            } else {
                (0, 0)
            };
            let visitor = visitor[i] as u64;
            out.min_ts = Some(out.min_ts.map_or(ts[i], |t| t.min(ts[i])));
            let shard = shard_of(visitor);
            out.bucket_counts[shard][bucket_of(visitor)] += 1;
            out.shards[shard].push(Row {
                visitor,
                ts: ts[i],
                hit_id: hit_id[i] as u64,
                revenue,
                site: s[SITE][i],
                event,
                path: s[PATH][i],
                source,
                client,
                engaged_ms: engaged[i],
                currency: s[CURRENCY][i],
                flags,
                scroll: scroll[i],
            });
        }
        Ok(())
    }
}
