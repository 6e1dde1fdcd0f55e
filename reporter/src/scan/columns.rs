//! The projected columns of a run of rows, decoded into plain vectors (by `pages` or, for files
//! it does not read, from arrow arrays), and the rows built from them.

use std::ops::Range;

use hitflow_schema::columns::names as col;
use hitflow_schema::MAX_REVENUE_ABS;

use super::decode::{Projection, FIRST_DIM, FIRST_STRING, FIRST_TOUCH, PER_HIT_STRINGS, PROJECTION};
use super::pages::{Bool, ColumnOut, Double, Int32, Int64, PageError, RowGroup, Text, Validity};
use super::rows::{
    bucket_of, shard_of, Dims, Row, Tables, Touch, BUCKETS_PER_SHARD, FLAG_BOT, FLAG_ENTRY, FLAG_HAS_REVENUE,
    FLAG_TRACKER, SHARDS,
};

pub const STRING_COLUMNS: usize = PROJECTION.len() - FIRST_STRING;
/// Rows decoded and turned into rows together: 29 columns of them stay in the cache.
const CHUNK_ROWS: usize = 8 * 1024;
/// Built rows are dropped from the columns once this many have accumulated.
const COMPACT_ROWS: usize = 4 * CHUNK_ROWS;

/// Every vector holds `len` values once filled; nulls read as 0, false or NaN (`revenue`, whose
/// stored NaN reads as +inf), and
/// a column not read (see `Projection`) is all nulls. `ts` and `visitor_id` also keep their
/// validity, since a hit without either is not a hit.
#[derive(Debug, Default)]
pub struct HitColumns {
    pub len: usize,
    pub ts: Vec<i64>,
    pub ts_valid: Validity,
    pub hit_id: Vec<i64>,
    pub visitor: Vec<i64>,
    pub visitor_valid: Validity,
    pub is_bot: Vec<bool>,
    pub engaged_ms: Vec<u32>,
    /// 0 when absent (pixel hits).
    pub screen_width: Vec<u32>,
    pub revenue: Vec<f64>,
    pub entry: Vec<bool>,
    /// String ids (file-local) of the columns from `FIRST_STRING` on, in `PROJECTION` order.
    pub strings: [Vec<u32>; STRING_COLUMNS],
}

/// Rows by shard while a file is being decoded.
pub struct Decoded {
    pub shards: Vec<Vec<Row>>,
    /// Rows per bucket of each shard (`rows::bucket_of`), counted as rows are added, so ordering
    /// a shard by bucket takes one pass over its rows instead of two.
    pub bucket_counts: Vec<Vec<u32>>,
    pub tables: Tables,
    pub min_ts: Option<i64>,
    /// Hits dropped for a value no collector stores (revenue NaN, ±inf or beyond
    /// ±`MAX_REVENUE_ABS`): counted, never summed.
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
    /// Empties every column for the next run of `len` rows.
    pub fn clear(&mut self, len: usize) {
        self.len = len;
        for v in [&mut self.ts, &mut self.hit_id, &mut self.visitor] {
            v.clear();
        }
        self.ts_valid.valid.clear();
        self.visitor_valid.valid.clear();
        self.is_bot.clear();
        self.entry.clear();
        self.engaged_ms.clear();
        self.screen_width.clear();
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
        for (c, column) in self.strings.iter_mut().enumerate() {
            if !projection.reads(FIRST_STRING + c) {
                column.resize(self.len, 0);
            }
        }
    }

    /// Every column holds at least `n` values.
    fn holds(&self, n: usize) -> bool {
        let valid = |v: &Validity| v.valid.is_empty() || v.valid.len() >= n;
        [
            self.ts.len(),
            self.hit_id.len(),
            self.visitor.len(),
            self.is_bot.len(),
            self.engaged_ms.len(),
            self.screen_width.len(),
            self.revenue.len(),
            self.entry.len(),
        ]
        .into_iter()
        .all(|l| l >= n)
            && self.strings.iter().all(|s| s.len() >= n)
            && valid(&self.ts_valid)
            && valid(&self.visitor_valid)
    }

    /// Drops the first `n` rows of every column (they have become rows).
    fn drain_front(&mut self, n: usize) {
        fn drain<V>(v: &mut Vec<V>, n: usize) {
            v.drain(..n.min(v.len()));
        }
        for v in [&mut self.ts, &mut self.hit_id, &mut self.visitor] {
            drain(v, n);
        }
        drain(&mut self.ts_valid.valid, n);
        drain(&mut self.visitor_valid.valid, n);
        drain(&mut self.is_bot, n);
        drain(&mut self.entry, n);
        drain(&mut self.engaged_ms, n);
        drain(&mut self.screen_width, n);
        drain(&mut self.revenue, n);
        for s in &mut self.strings {
            drain(s, n);
        }
    }

    /// Decodes one row group of a hit file page by page (see `pages`) and adds its rows to
    /// `out`, `CHUNK_ROWS` at a time so the decoded columns stay in cache. String ids are
    /// interned column by column as pages come.
    pub fn read_row_group(
        &mut self,
        group: &RowGroup<'_>,
        projection: Projection,
        out: &mut Decoded,
    ) -> Result<(), PageError> {
        let rows = group.rows()?;
        self.clear(0);
        let mut ts = group.column::<Int64>(col::ts)?;
        let mut hit_id = group.column::<Int64>(col::hit_id)?;
        let mut visitor = group.column::<Int64>(col::visitor_id)?;
        let mut is_bot = group.column::<Bool>(col::is_bot)?;
        let mut engaged = group.column::<Int32>(col::engaged_ms)?;
        let mut screen_width = group.column::<Int32>(col::screen_width)?;
        let mut revenue = group.column::<Double>(col::revenue)?;
        let mut entry = projection.entry.then(|| group.column::<Bool>(col::entry)).transpose()?;
        let mut strings = (0..STRING_COLUMNS)
            .map(|c| {
                let name = PROJECTION[FIRST_STRING + c];
                projection
                    .reads(FIRST_STRING + c)
                    .then(|| group.column::<Text>(name))
                    .transpose()
            })
            .collect::<Result<Vec<_>, _>>()?;
        // Rows before `start` are built; the columns are compacted only now and then, since
        // each holds up to a page more than the chunk.
        let (mut done, mut start) = (0, 0);
        while done < rows {
            let chunk = CHUNK_ROWS.min(rows - done);
            let want = start + chunk;
            ts.fill(
                &mut Int64,
                want,
                ColumnOut::with_validity(&mut self.ts, &mut self.ts_valid),
            )?;
            hit_id.fill(&mut Int64, want, ColumnOut::new(&mut self.hit_id))?;
            let visitor_out = ColumnOut::with_validity(&mut self.visitor, &mut self.visitor_valid);
            visitor.fill(&mut Int64, want, visitor_out)?;
            is_bot.fill(&mut Bool, want, ColumnOut::new(&mut self.is_bot))?;
            engaged.fill(&mut Int32, want, ColumnOut::new(&mut self.engaged_ms))?;
            screen_width.fill(&mut Int32, want, ColumnOut::new(&mut self.screen_width))?;
            revenue.fill(&mut Double, want, ColumnOut::new(&mut self.revenue))?;
            match entry.as_mut() {
                Some(entry) => entry.fill(&mut Bool, want, ColumnOut::new(&mut self.entry))?,
                None => self.entry.resize(want, false),
            }
            for (column, pages) in self.strings.iter_mut().zip(&mut strings) {
                match pages {
                    Some(pages) => {
                        let mut text = Text {
                            strings: &mut out.tables.strings,
                        };
                        pages.fill(&mut text, want, ColumnOut::new(column))?;
                    }
                    None => column.resize(want, 0),
                }
            }
            self.rows_into(start..want, out).map_err(PageError::Corrupt)?;
            done += chunk;
            start = want;
            if start >= COMPACT_ROWS {
                self.drain_front(start);
                start = 0;
            }
        }
        // Every column ended exactly at the row count (`fill` and `rows_into` check it).
        Ok(())
    }

    /// Adds the rows to `out`: hits without a time or a visitor id are skipped, and only
    /// pageviews get a touch and dims tuple. Columns of unequal length are a damaged file.
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
        let s: [&[u32]; STRING_COLUMNS] = std::array::from_fn(|c| &self.strings[c][r.clone()]);
        // An empty validity means all valid.
        let ts_valid = self.ts_valid.valid.get(r.clone()).unwrap_or(&[]);
        let visitor_valid = self.visitor_valid.valid.get(r.clone()).unwrap_or(&[]);
        for i in 0..n {
            if ts_valid.get(i) == Some(&false) || visitor_valid.get(i) == Some(&false) {
                continue;
            }
            // A null reads as NaN, a stored NaN as +inf (`pages::Double`).
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
            let event = s[1][i];
            let (touch, dims) = if event == pageview {
                let t: Touch = std::array::from_fn(|k| s[FIRST_TOUCH - FIRST_STRING + k][i]);
                let d: Dims = std::array::from_fn(|k| s[FIRST_DIM - FIRST_STRING + k][i]);
                (out.tables.touches.intern(t), out.tables.dims.intern(d))
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
                site: s[0][i],
                event,
                path: s[2][i],
                touch,
                dims,
                engaged_ms: engaged[i],
                currency: s[PER_HIT_STRINGS - 1][i],
                flags,
            });
        }
        Ok(())
    }
}
