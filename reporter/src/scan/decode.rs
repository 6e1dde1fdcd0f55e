//! Parquet → rows. Reads only the columns the reporter needs, page by page into plain columns
//! (`pages`; the arrow reader for files it does not read), interns strings once per dictionary
//! into file-local tables that `merge` folds into the run's global tables, and builds rows.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use hitflow_schema::columns::names as col;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;
use parquet::file::metadata::ParquetMetaData;

use super::arrow_columns::{batch_columns, DictionaryIds};
use super::columns::{Decoded, HitColumns};
use super::pages::{PageError, RowGroup};
use super::rows::{Row, ShardRows, Tables};

/// Columns read, in this order: primitives, the per-hit strings, the `Touch` fields, the
/// `Dims` fields (positions below follow this order; a test checks them).
pub const PROJECTION: [&str; 29] = [
    col::ts,
    col::hit_id,
    col::visitor_id,
    col::is_bot,
    col::engaged_ms,
    col::revenue,
    col::entry,
    col::screen_width,
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
    col::as_org,
    col::bot_reason,
];
pub(super) const FIRST_STRING: usize = 8;
const ENTRY_COLUMN: usize = 6;
const TERM_COLUMN: usize = 15;
const CONTENT_COLUMN: usize = 16;
pub(super) const PER_HIT_STRINGS: usize = 4;
pub(super) const FIRST_TOUCH: usize = FIRST_STRING + PER_HIT_STRINGS;
pub(super) const FIRST_DIM: usize = FIRST_TOUCH + 9;
const BATCH_ROWS: usize = 64 * 1024;

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

    pub(super) fn reads(&self, column: usize) -> bool {
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
    /// Hits dropped for a value no collector stores (see `Decoded::bad_rows`).
    pub bad_rows: u64,
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
    check_schema(plain.schema(), &projection.columns())?;
    let rows_hint = plain.metadata().file_metadata().num_rows().clamp(0, 1 << 24) as usize;
    let mut out = Decoded::new(rows_hint);
    if let Err(why) = read_pages(&bytes, plain.metadata(), projection, &mut out) {
        // Another encoding or a damaged page: the arrow reader reads it or says why not.
        tracing::debug!(%why, "reading a file through arrow");
        out = Decoded::new(rows_hint);
        read_arrow(bytes, &plain, projection, &mut out)?;
    }
    Ok(FileRows {
        shards: out
            .shards
            .into_iter()
            .zip(out.bucket_counts)
            .map(|(rows, counts)| ShardRows::from_rows(rows, &counts))
            .collect(),
        tables: out.tables,
        min_ts: out.min_ts,
        bad_rows: out.bad_rows,
    })
}

/// The direct reader (see `pages`), a row group at a time.
fn read_pages(
    bytes: &Bytes,
    metadata: &ParquetMetaData,
    projection: Projection,
    out: &mut Decoded,
) -> Result<(), PageError> {
    let mut columns = HitColumns::default();
    for index in 0..metadata.num_row_groups() {
        let group = RowGroup {
            file: bytes,
            metadata,
            index,
        };
        columns.read_row_group(&group, projection, out)?;
    }
    Ok(())
}

/// The arrow reader, with dictionary arrays for the string columns.
fn read_arrow(
    bytes: Bytes,
    plain: &ArrowReaderMetadata,
    projection: Projection,
    out: &mut Decoded,
) -> Result<(), DecodeError> {
    let perr = |e: parquet::errors::ParquetError| DecodeError::Parquet(e.to_string());
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
    let indices = projection
        .columns()
        .into_iter()
        .filter_map(|name| root_fields.iter().position(|f| f.name() == name));
    let mask = ProjectionMask::roots(metadata.parquet_schema(), indices);
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, metadata)
        .with_projection(mask)
        .with_batch_size(BATCH_ROWS)
        .build()
        .map_err(perr)?;
    let mut columns = HitColumns::default();
    let mut dictionaries = DictionaryIds::default();
    for batch in reader {
        let batch = batch.map_err(|e| DecodeError::Parquet(e.to_string()))?;
        batch_columns(
            &batch,
            projection,
            &mut out.tables.strings,
            &mut dictionaries,
            &mut columns,
        )?;
        columns
            .rows_into(0..batch.num_rows(), out)
            .map_err(DecodeError::Parquet)?;
    }
    Ok(())
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
    use crate::scan::rows::{DIM_COUNTRY, FLAG_ENTRY, FLAG_HAS_REVENUE, TOUCH_HOST, TOUCH_SOURCE};
    use arrow_array::{ArrayRef, RecordBatch};
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
                col::as_org,
                col::bot_reason,
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

    /// Hits exercising every column's nulls, repeats and distinct values.
    fn varied_hits(n: usize) -> Vec<Hit> {
        let pick = |i: usize, every: usize, value: String| (!i.is_multiple_of(every)).then_some(value);
        (0..n)
            .map(|i| Hit {
                ts: 1_700_000_000_000 + (i as i64 * 7919) % 86_400_000,
                hit_id: (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                site: format!("site{}.example", i % 3),
                event: ["pageview", "engagement", "signup"][i % 3].into(),
                visitor_id: (i as u64 / 4).wrapping_mul(0xff51_afd7_ed55_8ccd),
                url_host: "example.com".into(),
                url_path: format!("/p/{}", i % 997),
                referrer_host: pick(i, 3, format!("ref{}.example", i % 11)),
                utm_source: pick(i, 2, format!("src{}", i % 5)),
                utm_medium: pick(i, 5, "cpc".into()),
                utm_campaign: pick(i, 7, format!("c{i}")),
                utm_term: i.is_multiple_of(13).then(|| "term".into()),
                utm_content: i.is_multiple_of(17).then(|| format!("content {i}")),
                ref_param: i.is_multiple_of(19).then(|| "hn".into()),
                click_id_kind: i.is_multiple_of(23).then(|| "gclid".into()),
                country: pick(i, 29, ["DE", "FR", "US", "ÜÖ"][i % 4].into()),
                device_type: ["desktop", "mobile", "tablet"][i % 3].into(),
                browser: pick(i, 31, "Firefox".into()),
                browser_version: pick(i, 31, format!("{}", 100 + i % 30)),
                os: pick(i, 37, "Linux".into()),
                os_version: None,
                is_bot: i.is_multiple_of(41),
                engaged_ms: (!i.is_multiple_of(2)).then_some((i * 37) as u32),
                revenue: i.is_multiple_of(43).then_some(i as f64 / 10.0),
                currency: i.is_multiple_of(43).then(|| "EUR".into()),
                entry: (!i.is_multiple_of(47)).then_some(i.is_multiple_of(5)),
                ..Hit::default()
            })
            .collect()
    }

    fn write_with(hits: &[Hit], props: parquet::file::properties::WriterProperties) -> Bytes {
        let batch = hitflow_schema::columns::to_record_batch(hits).unwrap();
        let mut buf = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), Some(props)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        Bytes::from(buf)
    }

    fn both_readers(bytes: &Bytes, projection: Projection) -> (Result<Decoded, PageError>, Decoded) {
        let plain = ArrowReaderMetadata::load(bytes, ArrowReaderOptions::new()).unwrap();
        let mut pages = Decoded::new(0);
        let direct = read_pages(bytes, plain.metadata(), projection, &mut pages).map(|()| pages);
        let mut arrow = Decoded::new(0);
        read_arrow(bytes.clone(), &plain, projection, &mut arrow).unwrap();
        (direct, arrow)
    }

    /// Rows with their ids resolved to strings (ids depend on the order strings were met).
    fn resolved(d: &Decoded) -> Vec<(Row, Vec<String>)> {
        let t = &d.tables;
        d.shards
            .iter()
            .flatten()
            .map(|r| {
                let mut ids = vec![r.site, r.event, r.path, r.currency];
                if r.touch != 0 || r.dims != 0 {
                    ids.extend(t.touches.get(r.touch));
                    ids.extend(t.dims.get(r.dims));
                }
                let row = Row {
                    site: 0,
                    event: 0,
                    path: 0,
                    currency: 0,
                    touch: 0,
                    dims: 0,
                    ..*r
                };
                (row, ids.into_iter().map(|id| t.str(id).to_owned()).collect())
            })
            .collect()
    }

    fn assert_same(direct: &Decoded, arrow: &Decoded, case: &str) {
        let (a, b) = (resolved(direct), resolved(arrow));
        assert_eq!(a.len(), b.len(), "{case}: rows");
        if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
            panic!("{case}: row {i} differs:\n{:?}\n{:?}", a[i], b[i]);
        }
        assert_eq!(direct.min_ts, arrow.min_ts, "{case}: min_ts");
    }

    #[test]
    fn pages_read_the_same_rows_as_arrow_whatever_the_writer_settings() {
        use parquet::basic::Compression;
        use parquet::file::properties::{WriterProperties, WriterVersion};
        // More rows than `columns::COMPACT_ROWS`, so chunks end inside pages and columns compact.
        let hits = varied_hits(40_000);
        let base = || WriterProperties::builder();
        let cases: Vec<(&str, WriterProperties)> = vec![
            ("hitflow defaults", hitflow_schema::writer_properties()),
            (
                "data pages v2",
                base().set_writer_version(WriterVersion::PARQUET_2_0).build(),
            ),
            ("no dictionaries", base().set_dictionary_enabled(false).build()),
            (
                "v2 uncompressed",
                base()
                    .set_writer_version(WriterVersion::PARQUET_2_0)
                    .set_compression(Compression::UNCOMPRESSED)
                    .build(),
            ),
            (
                "small pages and row groups",
                base()
                    .set_data_page_row_count_limit(97)
                    .set_write_batch_size(97)
                    .set_max_row_group_row_count(Some(1_234))
                    .build(),
            ),
            (
                "dictionaries overflowing into plain pages",
                base()
                    .set_dictionary_page_size_limit(64)
                    .set_data_page_row_count_limit(500)
                    .set_write_batch_size(500)
                    .build(),
            ),
        ];
        for (case, props) in cases {
            let bytes = write_with(&hits, props);
            let default_rules = crate::sessions::sessionize::Rules::from(&crate::config::SessionConfig::default());
            for projection in [Projection::ALL, Projection::for_rules(&default_rules)] {
                let (direct, arrow) = both_readers(&bytes, projection);
                let direct = direct.unwrap_or_else(|e| panic!("{case}: the page reader declined: {e}"));
                assert_same(&direct, &arrow, case);
                assert_eq!(direct.shards.iter().map(Vec::len).sum::<usize>(), hits.len(), "{case}");
            }
        }
        // The collector's own small files.
        let bytes = Bytes::from(hitflow_schema::batch_writer::write_batch_parquet(&hits[..100]).unwrap());
        let (direct, arrow) = both_readers(&bytes, Projection::ALL);
        assert_same(&direct.unwrap(), &arrow, "collector batch file");
        // Other encodings (v2 writers' DELTA_* without dictionaries) are declined, and the
        // arrow reader reads the file.
        let delta = write_with(
            &hits,
            base()
                .set_writer_version(WriterVersion::PARQUET_2_0)
                .set_dictionary_enabled(false)
                .build(),
        );
        assert!(matches!(
            both_readers(&delta, Projection::ALL).0,
            Err(PageError::Unsupported(_))
        ));
        let file = decode(delta, Projection::ALL).unwrap();
        assert_eq!(file.rows(), hits.len());
    }

    /// Revenue no collector stores is a bad row for both readers and every encoding (a dictionary
    /// page holds the NaN too); a null is no revenue, the bound itself is valid.
    #[test]
    fn absurd_revenue_makes_a_bad_row_in_both_readers() {
        use parquet::file::properties::WriterProperties;
        let revenues = [
            (None, Some(0.0)),
            (Some(9.5), Some(9.5)),
            (Some(-hitflow_schema::MAX_REVENUE_ABS), Some(-1e12)),
            (Some(f64::NAN), None),
            (Some(-f64::NAN), None),
            (Some(f64::INFINITY), None),
            (Some(f64::NEG_INFINITY), None),
            (Some(1e308), None),
            (Some(1e12 + 1.0), None),
        ];
        let hits: Vec<Hit> = revenues
            .iter()
            .enumerate()
            .map(|(i, &(revenue, _))| Hit {
                revenue,
                ..hit(i as i64 + 1, "/a")
            })
            .collect();
        let kept: Vec<f64> = revenues.iter().filter_map(|&(_, kept)| kept).collect();
        let bad = (revenues.len() - kept.len()) as u64;
        let writers = [
            (
                "collector batch file",
                hitflow_schema::batch_writer::write_batch_parquet(&hits).unwrap().into(),
            ),
            (
                "hitflow defaults",
                write_with(&hits, hitflow_schema::writer_properties()),
            ),
            (
                "no dictionaries",
                write_with(&hits, WriterProperties::builder().set_dictionary_enabled(false).build()),
            ),
        ];
        for (case, bytes) in writers {
            let (direct, arrow) = both_readers(&bytes, Projection::ALL);
            for (reader, decoded) in [("pages", direct.unwrap()), ("arrow", arrow)] {
                let mut rows: Vec<&Row> = decoded.shards.iter().flatten().collect();
                rows.sort_by_key(|r| r.ts);
                let got: Vec<(f64, bool)> = rows
                    .iter()
                    .map(|r| (r.revenue, r.flags & FLAG_HAS_REVENUE != 0))
                    .collect();
                let want: Vec<(f64, bool)> = kept.iter().enumerate().map(|(i, &r)| (r, i > 0)).collect();
                assert_eq!(got, want, "{case}, {reader}");
                assert_eq!(decoded.bad_rows, bad, "{case}, {reader}");
            }
            assert_eq!(decode(bytes, Projection::ALL).unwrap().bad_rows, bad, "{case}");
        }
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
