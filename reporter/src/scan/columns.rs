//! The projected columns of a run of rows, decoded into plain vectors (by `pages` or, for files
//! it does not read, from arrow arrays), and the rows built from them.

use hitflow_schema::columns::names as col;

use super::decode::{Projection, FIRST_DIM, FIRST_STRING, FIRST_TOUCH, PER_HIT_STRINGS, PROJECTION};
use super::intern::Interner;
use super::pages::{Bool, ColumnOut, Double, Int32, Int64, PageError, RowGroup, Scratch, Text, Validity};
use super::rows::{shard_of, Dims, Row, Tables, Touch, FLAG_BOT, FLAG_ENTRY, FLAG_HAS_REVENUE, SHARDS};

pub const STRING_COLUMNS: usize = PROJECTION.len() - FIRST_STRING;

/// Every vector holds `len` values once filled; nulls read as 0, false or NaN (`revenue`), and
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
    pub revenue: Vec<f64>,
    pub entry: Vec<bool>,
    /// String ids (file-local) of the columns from `FIRST_STRING` on, in `PROJECTION` order.
    pub strings: [Vec<u32>; STRING_COLUMNS],
}

/// Buffers reused from page to page, per value type.
#[derive(Default)]
pub struct PageScratch {
    int64: Scratch<i64>,
    int32: Scratch<u32>,
    double: Scratch<f64>,
    bool: Scratch<bool>,
}

/// Rows by shard while a file is being decoded.
pub struct Decoded {
    pub shards: Vec<Vec<Row>>,
    pub tables: Tables,
    pub min_ts: Option<i64>,
}

impl Decoded {
    pub fn new(rows_hint: usize) -> Self {
        Decoded {
            shards: (0..SHARDS)
                .map(|_| Vec::with_capacity(rows_hint / SHARDS * 9 / 8))
                .collect(),
            tables: Tables::default(),
            min_ts: None,
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

    fn check_lengths(&self) -> bool {
        let n = self.len;
        let valid = |v: &Validity| v.valid.is_empty() || v.valid.len() == n;
        [
            self.ts.len(),
            self.hit_id.len(),
            self.visitor.len(),
            self.is_bot.len(),
            self.engaged_ms.len(),
            self.revenue.len(),
            self.entry.len(),
        ]
        .into_iter()
        .all(|l| l == n)
            && self.strings.iter().all(|s| s.len() == n)
            && valid(&self.ts_valid)
            && valid(&self.visitor_valid)
    }

    /// Decodes one row group of a hit file page by page (see `pages`), string ids interned
    /// into `strings` column by column.
    pub fn read_row_group(
        &mut self,
        group: &RowGroup<'_>,
        projection: Projection,
        strings: &mut Interner,
        scratch: &mut PageScratch,
    ) -> Result<(), PageError> {
        self.clear(group.rows()?);
        group.read_column(
            col::ts,
            &mut Int64,
            ColumnOut::with_validity(&mut self.ts, &mut self.ts_valid),
            &mut scratch.int64,
        )?;
        group.read_column(
            col::hit_id,
            &mut Int64,
            ColumnOut::new(&mut self.hit_id),
            &mut scratch.int64,
        )?;
        let visitor = ColumnOut::with_validity(&mut self.visitor, &mut self.visitor_valid);
        group.read_column(col::visitor_id, &mut Int64, visitor, &mut scratch.int64)?;
        group.read_column(
            col::is_bot,
            &mut Bool,
            ColumnOut::new(&mut self.is_bot),
            &mut scratch.bool,
        )?;
        group.read_column(
            col::engaged_ms,
            &mut Int32,
            ColumnOut::new(&mut self.engaged_ms),
            &mut scratch.int32,
        )?;
        group.read_column(
            col::revenue,
            &mut Double,
            ColumnOut::new(&mut self.revenue),
            &mut scratch.double,
        )?;
        if projection.entry {
            group.read_column(
                col::entry,
                &mut Bool,
                ColumnOut::new(&mut self.entry),
                &mut scratch.bool,
            )?;
        }
        for (c, column) in self.strings.iter_mut().enumerate() {
            if projection.reads(FIRST_STRING + c) {
                let name = PROJECTION[FIRST_STRING + c];
                group.read_column(name, &mut Text { strings }, ColumnOut::new(column), &mut scratch.int32)?;
            }
        }
        self.fill_unread(projection);
        Ok(())
    }

    /// Adds the rows to `out`: hits without a time or a visitor id are skipped, and only
    /// pageviews get a touch and dims tuple. Columns of unequal length are a damaged file.
    pub fn rows_into(&self, out: &mut Decoded) -> Result<(), String> {
        if !self.check_lengths() {
            return Err("columns of unequal length".into());
        }
        let n = self.len;
        let pageview = out.tables.strings.intern(hitflow_schema::EVENT_PAGEVIEW);
        let (ts, hit_id, visitor) = (&self.ts[..n], &self.hit_id[..n], &self.visitor[..n]);
        let (is_bot, entry, engaged, revenue) = (
            &self.is_bot[..n],
            &self.entry[..n],
            &self.engaged_ms[..n],
            &self.revenue[..n],
        );
        let s: [&[u32]; STRING_COLUMNS] = std::array::from_fn(|c| &self.strings[c][..n]);
        let (ts_valid, visitor_valid) = (&self.ts_valid.valid, &self.visitor_valid.valid);
        for i in 0..n {
            if ts_valid.get(i) == Some(&false) || visitor_valid.get(i) == Some(&false) {
                continue;
            }
            let mut flags = 0;
            if is_bot[i] {
                flags |= FLAG_BOT;
            }
            if entry[i] {
                flags |= FLAG_ENTRY;
            }
            let revenue = if revenue[i].is_finite() {
                flags |= FLAG_HAS_REVENUE;
                revenue[i]
            } else {
                0.0
            };
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
            out.shards[shard_of(visitor)].push(Row {
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
