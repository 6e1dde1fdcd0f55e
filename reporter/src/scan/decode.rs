//! Parquet → rows. Reads only the columns the reporter needs, keeps Parquet's dictionary encoding
//! (each distinct string is interned once per dictionary, never per row), and interns into
//! file-local tables that `merge` folds into the run's global tables.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, TimestampMillisecondType, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, BooleanArray, PrimitiveArray, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use hitflow_schema::columns::names as col;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::intern::Interner;
use super::rows::{shard_of, Dims, Row, ShardRows, Tables, Touch, FLAG_BOT, FLAG_ENTRY, FLAG_HAS_REVENUE, SHARDS};

/// Columns read, in this order: primitives, the per-hit strings, the `Touch` fields, the
/// `Dims` fields (positions below follow this order; a test checks them).
pub const PROJECTION: [&str; 26] = [
    col::ts,
    col::hit_id,
    col::visitor_id,
    col::is_bot,
    col::engaged_ms,
    col::revenue,
    col::entry,
    col::site,
    col::event,
    col::url_path,
    col::currency,
    col::utm_source,
    col::utm_medium,
    col::utm_campaign,
    col::utm_term,
    col::utm_content,
    col::ref_param,
    col::click_id_kind,
    col::referrer_host,
    col::url_host,
    col::device_type,
    col::browser,
    col::browser_version,
    col::os,
    col::os_version,
    col::country,
];
const FIRST_STRING: usize = 7;
const ENTRY_COLUMN: usize = 6;
const TERM_COLUMN: usize = 14;
const CONTENT_COLUMN: usize = 15;
const PER_HIT_STRINGS: usize = 4;
const FIRST_TOUCH: usize = FIRST_STRING + PER_HIT_STRINGS;
const FIRST_DIM: usize = FIRST_TOUCH + 9;
const BATCH_ROWS: usize = 64 * 1024;
/// Rows whose string ids are gathered together (19 columns × 4 KiB stay in the L2 cache).
const BLOCK: usize = 1024;

/// Which of the optional columns a run reads: only session rules that are switched on need
/// them, and every column skipped is decoding saved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Projection {
    /// `entry`, for `split_on_browser_close`.
    pub entry: bool,
    /// `utm_term` and `utm_content`, for `split_on_source_change`.
    pub term_and_content: bool,
}

impl Projection {
    pub const ALL: Projection = Projection {
        entry: true,
        term_and_content: true,
    };

    pub fn for_rules(rules: &crate::sessions::sessionize::Rules) -> Self {
        Projection {
            entry: rules.split_on_browser_close,
            term_and_content: rules.split_on_source_change,
        }
    }

    fn reads(&self, column: usize) -> bool {
        match column {
            ENTRY_COLUMN => self.entry,
            TERM_COLUMN | CONTENT_COLUMN => self.term_and_content,
            _ => true,
        }
    }

    /// The columns read, in `PROJECTION` order.
    pub fn columns(&self) -> Vec<&'static str> {
        (0..PROJECTION.len())
            .filter(|&c| self.reads(c))
            .map(|c| PROJECTION[c])
            .collect()
    }
}

/// Why an object could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("not a readable Parquet file: {0}")]
    Parquet(String),
    #[error("not a hit file: {0}")]
    Schema(String),
}

/// The rows of one file with file-local ids, by shard (`rows::shard_of`), each ordered by
/// bucket.
#[derive(Debug)]
pub struct FileRows {
    pub shards: Vec<ShardRows>,
    pub tables: Tables,
    /// The earliest hit time in the file.
    pub min_ts: Option<i64>,
}

impl FileRows {
    pub fn rows(&self) -> usize {
        self.shards.iter().map(|s| s.rows.len()).sum()
    }
}

/// Decodes one hit file; any bytes give rows or an error, never a panic (a panic inside
/// parquet-rs on a damaged page is contained and reported as the file's error).
pub fn decode(bytes: Bytes, projection: Projection) -> Result<FileRows, DecodeError> {
    hitflow_schema::contain_panic(
        || decode_file(bytes, projection),
        |panic| DecodeError::Parquet(format!("the reader failed on it ({panic})")),
    )
}

fn decode_file(bytes: Bytes, projection: Projection) -> Result<FileRows, DecodeError> {
    let perr = |e: parquet::errors::ParquetError| DecodeError::Parquet(e.to_string());
    let plain = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new()).map_err(perr)?;
    hitflow_schema::check_chunk_ranges(plain.metadata(), bytes.len() as u64).map_err(perr)?;
    let columns = projection.columns();
    check_schema(plain.schema(), &columns)?;
    // Ask for dictionary arrays for the string columns: no string is copied per row.
    let hinted: Vec<Field> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| match f.data_type() {
            DataType::Utf8 => Field::new(
                f.name(),
                DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8)),
                f.is_nullable(),
            ),
            _ => f.as_ref().clone(),
        })
        .collect();
    let options = ArrowReaderOptions::new().with_schema(Arc::new(Schema::new(hinted)));
    let metadata = ArrowReaderMetadata::try_new(plain.metadata().clone(), options).map_err(perr)?;
    let root_fields = metadata.parquet_schema().root_schema().get_fields();
    let indices = columns
        .iter()
        .filter_map(|name| root_fields.iter().position(|f| f.name() == *name));
    let mask = ProjectionMask::roots(metadata.parquet_schema(), indices);
    let rows_hint = metadata.metadata().file_metadata().num_rows().clamp(0, 1 << 24) as usize;
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, metadata)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(perr)?;

    let mut out = Decoded {
        shards: (0..SHARDS)
            .map(|_| Vec::with_capacity(rows_hint / SHARDS * 9 / 8))
            .collect(),
        tables: Tables::default(),
        min_ts: None,
    };
    let mut dictionaries: [Option<(ArrayRef, Vec<u32>)>; PROJECTION.len() - FIRST_STRING] = Default::default();
    for batch in reader {
        let batch = batch.map_err(|e| DecodeError::Parquet(e.to_string()))?;
        decode_batch(&batch, &mut out, &mut dictionaries)?;
    }
    Ok(FileRows {
        shards: out.shards.into_iter().map(ShardRows::from_rows).collect(),
        tables: out.tables,
        min_ts: out.min_ts,
    })
}

/// Rows by shard while a file is being decoded.
struct Decoded {
    shards: Vec<Vec<Row>>,
    tables: Tables,
    min_ts: Option<i64>,
}

fn check_schema(schema: &Schema, columns: &[&str]) -> Result<(), DecodeError> {
    let expected = hitflow_schema::columns::schema();
    for &name in columns {
        let want = expected
            .field_with_name(name)
            .map_err(|e| DecodeError::Schema(e.to_string()))?;
        match schema.field_with_name(name) {
            Ok(found) if found.data_type() == want.data_type() => {}
            Ok(found) => {
                return Err(DecodeError::Schema(format!(
                    "column `{name}` is {} instead of {}",
                    found.data_type(),
                    want.data_type()
                )))
            }
            Err(_) => return Err(DecodeError::Schema(format!("column `{name}` is missing"))),
        }
    }
    Ok(())
}

/// A string column of one batch, read through its dictionary into file-local string ids
/// (0 for null), a block of rows at a time.
enum StrColumn<'a> {
    Dictionary {
        keys: &'a PrimitiveArray<Int32Type>,
        value_ids: &'a [u32],
    },
    /// Not dictionary-encoded: ids computed row by row.
    Plain(Vec<u32>),
    /// Not read (see `Projection`).
    Absent,
}

impl StrColumn<'_> {
    /// Ids of rows `start..start + out.len()`; with `only`, just of those block positions (the
    /// others are left as they are).
    fn fill(&self, start: usize, out: &mut [u32], only: Option<&[u16]>) {
        match self {
            StrColumn::Dictionary { keys, value_ids } => {
                let Some(slice) = keys.values().get(start..start + out.len()) else {
                    out.fill(0);
                    return;
                };
                // A hostile file may hold keys outside its dictionary: they read as null.
                let id = |k: i32| value_ids.get(k as usize).copied().unwrap_or(0);
                match only {
                    None => {
                        for (o, &k) in out.iter_mut().zip(slice) {
                            *o = id(k);
                        }
                    }
                    Some(positions) => {
                        for &j in positions {
                            let j = usize::from(j);
                            if let (Some(o), Some(&k)) = (out.get_mut(j), slice.get(j)) {
                                *o = id(k);
                            }
                        }
                    }
                }
                if let Some(nulls) = keys.nulls().filter(|n| n.null_count() > 0) {
                    // Null slots hold arbitrary keys: clear them, 64 validity bits at a time.
                    let chunks = nulls.inner().slice(start, out.len());
                    let chunks = chunks.bit_chunks();
                    let words = chunks.iter().chain(std::iter::once(chunks.remainder_bits()));
                    for (word_index, valid) in words.enumerate() {
                        let base = word_index * 64;
                        let mut missing = !valid;
                        if missing == u64::MAX && base + 64 <= out.len() {
                            out[base..base + 64].fill(0);
                            continue;
                        }
                        while missing != 0 {
                            let bit = missing.trailing_zeros() as usize;
                            if let Some(o) = out.get_mut(base + bit) {
                                *o = 0;
                            }
                            missing &= missing - 1;
                        }
                    }
                }
            }
            StrColumn::Plain(ids) => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = ids.get(start + j).copied().unwrap_or(0);
                }
            }
            StrColumn::Absent => out.fill(0),
        }
    }
}

/// Interns the distinct values of a dictionary once; batches of one column chunk share their
/// dictionary array, so the ids are reused while it stays the same.
fn dictionary_ids<'c>(
    values: &ArrayRef,
    cache: &'c mut Option<(ArrayRef, Vec<u32>)>,
    strings: &mut Interner,
) -> Option<&'c [u32]> {
    let fresh = !cache.as_ref().is_some_and(|(seen, _)| Arc::ptr_eq(seen, values));
    if fresh {
        let text: &StringArray = values.as_string_opt::<i32>()?;
        let ids = (0..text.len())
            .map(|v| {
                if text.is_valid(v) {
                    strings.intern(text.value(v))
                } else {
                    0
                }
            })
            .collect();
        *cache = Some((values.clone(), ids));
    }
    cache.as_ref().map(|(_, ids)| ids.as_slice())
}

fn type_error(name: &str) -> DecodeError {
    DecodeError::Schema(format!("column `{name}` has an unexpected type"))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, DecodeError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| DecodeError::Schema(format!("column `{name}` is missing")))
}

fn primitive<'a, T: arrow_array::ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a PrimitiveArray<T>, DecodeError> {
    column(batch, name)?
        .as_primitive_opt::<T>()
        .ok_or_else(|| type_error(name))
}

fn boolean<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a BooleanArray, DecodeError> {
    column(batch, name)?.as_boolean_opt().ok_or_else(|| type_error(name))
}

// One row index walks a dozen parallel column arrays; an iterator chain would be harder to read.
#[allow(clippy::needless_range_loop)]
fn decode_batch(
    batch: &RecordBatch,
    out: &mut Decoded,
    dictionaries: &mut [Option<(ArrayRef, Vec<u32>)>],
) -> Result<(), DecodeError> {
    let n = batch.num_rows();
    let ts = primitive::<TimestampMillisecondType>(batch, col::ts)?;
    let hit_id = primitive::<UInt64Type>(batch, col::hit_id)?;
    let visitor = primitive::<UInt64Type>(batch, col::visitor_id)?;
    let is_bot = boolean(batch, col::is_bot)?;
    let engaged = primitive::<UInt32Type>(batch, col::engaged_ms)?;
    let revenue = primitive::<Float64Type>(batch, col::revenue)?;
    let entry = match batch.column_by_name(col::entry) {
        Some(_) => Some(boolean(batch, col::entry)?),
        None => None,
    };

    // Intern every dictionary first (mutable), then read the columns through them.
    let names = &PROJECTION[FIRST_STRING..];
    let mut plain: Vec<Option<Vec<u32>>> = Vec::with_capacity(names.len());
    for (name, cache) in names.iter().zip(dictionaries.iter_mut()) {
        let Some(array) = batch.column_by_name(name) else {
            plain.push(None);
            continue;
        };
        if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
            dictionary_ids(dict.values(), cache, &mut out.tables.strings).ok_or_else(|| type_error(name))?;
            plain.push(None);
        } else {
            let text = array.as_string_opt::<i32>().ok_or_else(|| type_error(name))?;
            let strings = &mut out.tables.strings;
            plain.push(Some(
                (0..n)
                    .map(|i| {
                        if text.is_valid(i) {
                            strings.intern(text.value(i))
                        } else {
                            0
                        }
                    })
                    .collect(),
            ));
        }
    }
    let mut columns: Vec<StrColumn<'_>> = Vec::with_capacity(names.len());
    for ((name, cache), plain) in names.iter().zip(dictionaries.iter()).zip(plain) {
        columns.push(match plain {
            Some(ids) => StrColumn::Plain(ids),
            None if batch.column_by_name(name).is_none() => StrColumn::Absent,
            None => {
                let dict = column(batch, name)?
                    .as_dictionary_opt::<Int32Type>()
                    .ok_or_else(|| type_error(name))?;
                StrColumn::Dictionary {
                    keys: dict.keys(),
                    value_ids: cache.as_ref().map(|(_, ids)| ids.as_slice()).unwrap_or(&[]),
                }
            }
        });
    }
    let pageview = out.tables.strings.intern(hitflow_schema::EVENT_PAGEVIEW);
    let (ts_values, visitor_values, hit_values) = (ts.values(), visitor.values(), hit_id.values());
    let (engaged_values, revenue_values) = (engaged.values(), revenue.values());
    let nullable = |a: &dyn Array| a.null_count() > 0;
    let (ts_nulls, visitor_nulls) = (nullable(ts), nullable(visitor));

    // Columns are read a block at a time into small id buffers that stay in cache; the touch
    // and dims columns only at the block's pageviews.
    // Padded so that one row's ids across columns fall in different cache sets.
    let mut ids = vec![[0u32; BLOCK + 16]; columns.len()];
    let mut pageviews: Vec<u16> = Vec::with_capacity(BLOCK);
    for block in (0..n).step_by(BLOCK) {
        let len = BLOCK.min(n - block);
        let (per_hit, rest) = ids.split_at_mut(PER_HIT_STRINGS);
        for (column, buffer) in columns.iter().zip(per_hit.iter_mut()) {
            column.fill(block, &mut buffer[..len], None);
        }
        pageviews.clear();
        pageviews.extend((0..len as u16).filter(|&j| per_hit[1][usize::from(j)] == pageview));
        for (column, buffer) in columns[PER_HIT_STRINGS..].iter().zip(rest.iter_mut()) {
            column.fill(block, &mut buffer[..len], Some(&pageviews));
        }
        for j in 0..len {
            let i = block + j;
            if (ts_nulls && ts.is_null(i)) || (visitor_nulls && visitor.is_null(i)) {
                continue;
            }
            let mut flags = 0;
            if is_bot.is_valid(i) && is_bot.value(i) {
                flags |= FLAG_BOT;
            }
            if entry.is_some_and(|e| e.is_valid(i) && e.value(i)) {
                flags |= FLAG_ENTRY;
            }
            let revenue_value = if revenue.is_valid(i) && revenue_values[i].is_finite() {
                flags |= FLAG_HAS_REVENUE;
                revenue_values[i]
            } else {
                0.0
            };
            let event = ids[1][j];
            let (touch, dims) = if event == pageview {
                let t: Touch = std::array::from_fn(|k| ids[PER_HIT_STRINGS + k][j]);
                let d: Dims = std::array::from_fn(|k| ids[FIRST_DIM - FIRST_STRING + k][j]);
                (out.tables.touches.intern(t), out.tables.dims.intern(d))
            } else {
                (0, 0)
            };
            let visitor = visitor_values[i];
            out.min_ts = Some(out.min_ts.map_or(ts_values[i], |t| t.min(ts_values[i])));
            out.shards[shard_of(visitor)].push(Row {
                visitor,
                ts: ts_values[i],
                hit_id: if hit_id.is_valid(i) { hit_values[i] } else { 0 },
                revenue: revenue_value,
                site: ids[0][j],
                event,
                path: ids[2][j],
                touch,
                dims,
                engaged_ms: if engaged.is_valid(i) { engaged_values[i] } else { 0 },
                currency: ids[3][j],
                flags,
            });
        }
    }
    Ok(())
}

/// How a file's local ids map to the run's global ids.
pub struct Remap {
    strings: Vec<u32>,
    touches: Vec<u32>,
    dims: Vec<u32>,
}

impl Remap {
    /// Per distinct value, in the file's order, so global ids do not depend on timing.
    fn new(file: &Tables, global: &mut Tables) -> Self {
        let strings: Vec<u32> = file.strings.values().map(|s| global.strings.intern(s)).collect();
        let map = |id: u32| strings.get(id as usize).copied().unwrap_or(0);
        let touches = (0..file.touches.len() as u32)
            .map(|t| global.touches.intern(file.touches.get(t).map(map)))
            .collect();
        let dims = (0..file.dims.len() as u32)
            .map(|d| global.dims.intern(file.dims.get(d).map(map)))
            .collect();
        Remap { strings, touches, dims }
    }

    #[inline]
    pub fn apply(&self, row: &mut Row) {
        let s = |id: u32| self.strings.get(id as usize).copied().unwrap_or(0);
        row.site = s(row.site);
        row.event = s(row.event);
        row.path = s(row.path);
        row.currency = s(row.currency);
        row.touch = self.touches.get(row.touch as usize).copied().unwrap_or(0);
        row.dims = self.dims.get(row.dims as usize).copied().unwrap_or(0);
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

/// Folds a file's local ids into the run's global tables.
pub fn merge(file: FileRows, global: &mut Tables) -> MergedFile {
    MergedFile {
        remap: Remap::new(&file.tables, global),
        shards: file.shards,
        min_ts: file.min_ts,
    }
}

/// `merge`, with the remap applied: the rows of a file with global ids.
pub fn merge_rows(file: FileRows, global: &mut Tables) -> Vec<Row> {
    let merged = merge(file, global);
    let remap = merged.remap;
    let mut rows: Vec<Row> = merged.shards.into_iter().flat_map(|s| s.rows).collect();
    rows.iter_mut().for_each(|row| remap.apply(row));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::rows::{DIM_COUNTRY, TOUCH_HOST, TOUCH_SOURCE};
    use hitflow_schema::Hit;

    fn hit(ts: i64, path: &str) -> Hit {
        Hit {
            ts,
            hit_id: ts as u64,
            site: "example.com".into(),
            event: "pageview".into(),
            visitor_id: 42,
            url_host: "example.com".into(),
            url_path: path.into(),
            utm_source: Some("newsletter".into()),
            utm_medium: Some("email".into()),
            device_type: "mobile".into(),
            country: Some("DE".into()),
            revenue: Some(9.5),
            entry: Some(true),
            ..Hit::default()
        }
    }

    #[test]
    fn column_positions_match_the_projection() {
        assert_eq!(
            PROJECTION[FIRST_STRING..FIRST_TOUCH],
            [col::site, col::event, col::url_path, col::currency]
        );
        assert_eq!(
            PROJECTION[FIRST_TOUCH..FIRST_DIM],
            [
                col::utm_source,
                col::utm_medium,
                col::utm_campaign,
                col::utm_term,
                col::utm_content,
                col::ref_param,
                col::click_id_kind,
                col::referrer_host,
                col::url_host,
            ]
        );
        assert_eq!(
            PROJECTION[FIRST_DIM..],
            [
                col::device_type,
                col::browser,
                col::browser_version,
                col::os,
                col::os_version,
                col::country,
            ]
        );
    }

    #[test]
    fn decodes_and_merges_with_global_ids() {
        let mut beacon = hit(4, "/a");
        beacon.event = "engagement".into();
        let bytes = hitflow_schema::write_parquet(&[hit(1, "/a"), hit(2, "/b"), hit(3, "/a"), beacon]).unwrap();
        let file = decode(Bytes::from(bytes), Projection::ALL).unwrap();
        let mut global = Tables::default();
        global.strings.intern("something else first");
        let mut rows = merge_rows(file, &mut global);
        rows.sort_by_key(|r| r.ts);
        assert_eq!(rows.len(), 4);
        assert_eq!(global.str(rows[0].path), "/a");
        assert_eq!(rows[0].path, rows[2].path);
        assert_eq!(global.str(rows[1].site), "example.com");
        let touch = global.touches.get(rows[0].touch);
        assert_eq!(global.str(touch[TOUCH_SOURCE]), "newsletter");
        assert_eq!(global.str(touch[TOUCH_HOST]), "example.com");
        assert_eq!(global.str(global.dims.get(rows[0].dims)[DIM_COUNTRY]), "DE");
        assert_eq!(
            rows[0].flags & (FLAG_ENTRY | FLAG_HAS_REVENUE),
            FLAG_ENTRY | FLAG_HAS_REVENUE
        );
        assert_eq!(rows[0].revenue, 9.5);
        assert_eq!(
            (rows[3].touch, rows[3].dims),
            (0, 0),
            "only pageviews carry touch and dims"
        );
    }

    #[test]
    fn garbage_and_foreign_files_are_errors() {
        assert!(matches!(
            decode(Bytes::from_static(b""), Projection::ALL),
            Err(DecodeError::Parquet(_))
        ));
        assert!(matches!(
            decode(Bytes::from_static(b"PAR1 not really"), Projection::ALL),
            Err(DecodeError::Parquet(_))
        ));
        let bytes = hitflow_schema::write_parquet(&[hit(1, "/a")]).unwrap();
        let truncated = Bytes::from(bytes[..bytes.len() / 2].to_vec());
        assert!(decode(truncated, Projection::ALL).is_err());
        // A valid Parquet file with another schema.
        let batch =
            RecordBatch::try_from_iter([("x", Arc::new(arrow_array::Int32Array::from(vec![1])) as ArrayRef)]).unwrap();
        let mut buf = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        assert!(matches!(
            decode(Bytes::from(buf), Projection::ALL),
            Err(DecodeError::Schema(_))
        ));
    }
}
