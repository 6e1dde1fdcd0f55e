//! Parquet → rows. Reads only the columns the reporter needs through arrow-rs, string columns
//! as dictionary arrays (so each distinct string is interned once per dictionary, not per row)
//! into file-local tables, and builds rows; `FileRows::merge` folds them into the run's tables.

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use hitflow_schema::columns::names as col;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::arrow_columns::{batch_columns, DictionaryIds};
use super::columns::{Decoded, HitColumns};
use crate::rows::file::FileRows;
use crate::rows::{position, ShardRows, CLIENT_COLUMNS, SOURCE_COLUMNS};

/// The strings every row keeps, in `Row` order.
const PER_HIT_STRINGS: [&str; 4] = [col::site, col::event, col::url_path, col::currency];
/// Every string column read: the per-hit strings, then the columns of the `SourceIds` and
/// `ClientIds` tuples, each in its tuple's order.
pub(super) const STRING_COLUMNS: [&str; PER_HIT_STRINGS.len() + SOURCE_COLUMNS.len() + CLIENT_COLUMNS.len()] =
    concat(&[&PER_HIT_STRINGS, &SOURCE_COLUMNS, &CLIENT_COLUMNS]);
pub(super) const FIRST_SOURCE: usize = PER_HIT_STRINGS.len();
pub(super) const FIRST_CLIENT: usize = FIRST_SOURCE + SOURCE_COLUMNS.len();
pub(super) const SITE: usize = position(&STRING_COLUMNS, col::site);
pub(super) const EVENT: usize = position(&STRING_COLUMNS, col::event);
pub(super) const PATH: usize = position(&STRING_COLUMNS, col::url_path);
pub(super) const CURRENCY: usize = position(&STRING_COLUMNS, col::currency);
/// The other columns read.
const VALUE_COLUMNS: [&str; 9] = [
    col::ts,
    col::hit_id,
    col::visitor_id,
    col::is_bot,
    col::engaged_ms,
    col::revenue,
    col::entry,
    col::screen_width,
    col::scroll_depth,
];
/// Columns added to the schema after files were already written: a file without them reads
/// them as null.
const ADDED_COLUMNS: [&str; 1] = [col::scroll_depth];
/// Rows per arrow batch: a batch's decoded columns (~1.5 MB) stay in cache while its rows are
/// built.
const BATCH_ROWS: usize = 8 * 1024;

const fn concat<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let (mut at, mut part) = (0, 0);
    while part < parts.len() {
        let mut i = 0;
        while i < parts[part].len() {
            out[at] = parts[part][i];
            at += 1;
            i += 1;
        }
        part += 1;
    }
    assert!(at == N, "the parts do not fill the list");
    out
}

/// Which of the optional columns a run reads: only session rules that are switched on need
/// them, and every column skipped is decoding saved. The caller chooses (`run::projection`).
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

    pub(super) fn reads(&self, column: &str) -> bool {
        if column == col::entry {
            self.entry
        } else if column == col::utm_term || column == col::utm_content {
            self.term_and_content
        } else {
            true
        }
    }

    /// The columns read.
    pub fn columns(&self) -> Vec<&'static str> {
        VALUE_COLUMNS
            .iter()
            .chain(&STRING_COLUMNS)
            .copied()
            .filter(|c| self.reads(c))
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

/// Decodes one hit file; any bytes give rows or an error, never a panic (a panic inside
/// parquet-rs on a damaged page is contained and reported as the file's error).
pub fn decode(bytes: Bytes, projection: Projection) -> Result<FileRows, DecodeError> {
    hitflow_schema::contain_panic(
        || decode_file(bytes, projection),
        |panic| DecodeError::Parquet(format!("the reader failed on it ({panic})")),
    )
}

fn decode_file(bytes: Bytes, projection: Projection) -> Result<FileRows, DecodeError> {
    let out = read(bytes, projection)?;
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

/// The arrow reader, with dictionary arrays for the string columns.
fn read(bytes: Bytes, projection: Projection) -> Result<Decoded, DecodeError> {
    let perr = |e: parquet::errors::ParquetError| DecodeError::Parquet(e.to_string());
    let plain = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new()).map_err(perr)?;
    hitflow_schema::check_chunk_ranges(plain.metadata(), bytes.len() as u64).map_err(perr)?;
    check_schema(plain.schema(), &projection.columns())?;
    let rows_hint = plain.metadata().file_metadata().num_rows().clamp(0, 1 << 24) as usize;
    let mut out = Decoded::new(rows_hint);
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
            .rows_into(0..batch.num_rows(), &mut out)
            .map_err(DecodeError::Parquet)?;
    }
    Ok(out)
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
            Err(_) if ADDED_COLUMNS.contains(&name) => {}
            Err(_) => return Err(DecodeError::Schema(format!("column `{name}` is missing"))),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::{Row, Tables, CLIENT_COUNTRY, FLAG_ENTRY, FLAG_HAS_REVENUE, SOURCE_URL_HOST, SOURCE_UTM_SOURCE};
    use arrow_array::{ArrayRef, RecordBatch};
    use hitflow_schema::time::MS_PER_DAY;
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
    fn the_projection_reads_schema_columns_once_each() {
        let schema = hitflow_schema::columns::ALL;
        let all = Projection::ALL.columns();
        assert!(all.iter().all(|c| schema.contains(c)), "{all:?}");
        let mut unique = all.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), all.len());
        let narrow = Projection {
            entry: false,
            term_and_content: false,
        };
        let skipped: Vec<&str> = all.iter().copied().filter(|c| !narrow.columns().contains(c)).collect();
        assert_eq!(skipped, [col::entry, col::utm_term, col::utm_content]);
        assert_eq!(
            [
                STRING_COLUMNS[SITE],
                STRING_COLUMNS[EVENT],
                STRING_COLUMNS[PATH],
                STRING_COLUMNS[CURRENCY]
            ],
            [col::site, col::event, col::url_path, col::currency]
        );
        assert_eq!(STRING_COLUMNS[FIRST_SOURCE..FIRST_CLIENT], SOURCE_COLUMNS);
        assert_eq!(STRING_COLUMNS[FIRST_CLIENT..], CLIENT_COLUMNS);
    }

    #[test]
    fn decodes_and_merges_with_global_ids() {
        let mut beacon = hit(4, "/a");
        beacon.event = "engagement".into();
        let bytes = hitflow_schema::write_parquet(&[hit(1, "/a"), hit(2, "/b"), hit(3, "/a"), beacon]).unwrap();
        let file = decode(Bytes::from(bytes), Projection::ALL).unwrap();
        let mut global = Tables::default();
        global.strings.intern("something else first");
        let mut rows = file.into_global_rows(&mut global);
        rows.sort_by_key(|r| r.ts);
        assert_eq!(rows.len(), 4);
        assert_eq!(global.str(rows[0].path), "/a");
        assert_eq!(rows[0].path, rows[2].path);
        assert_eq!(global.str(rows[1].site), "example.com");
        let source = global.sources.get(rows[0].source);
        assert_eq!(global.str(source[SOURCE_UTM_SOURCE]), "newsletter");
        assert_eq!(global.str(source[SOURCE_URL_HOST]), "example.com");
        assert_eq!(global.str(global.clients.get(rows[0].client)[CLIENT_COUNTRY]), "DE");
        assert_eq!(
            rows[0].flags & (FLAG_ENTRY | FLAG_HAS_REVENUE),
            FLAG_ENTRY | FLAG_HAS_REVENUE
        );
        assert_eq!(rows[0].revenue, 9.5);
        assert_eq!(
            (rows[3].source, rows[3].client),
            (0, 0),
            "only pageviews carry source and client tuples"
        );
    }

    /// Hits exercising every column's nulls, repeats and distinct values.
    fn varied_hits(n: usize) -> Vec<Hit> {
        let pick = |i: usize, every: usize, value: String| (!i.is_multiple_of(every)).then_some(value);
        (0..n)
            .map(|i| Hit {
                ts: 1_700_000_000_000 + (i as i64 * 7919) % MS_PER_DAY,
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

    /// Rows with their ids resolved to strings (ids depend on the order strings were met), in
    /// file order.
    fn resolved(file: FileRows) -> Vec<(Row, Vec<String>)> {
        let mut global = Tables::default();
        let mut rows = file.into_global_rows(&mut global);
        rows.sort_by_key(|r| r.hit_id);
        rows.into_iter()
            .map(|r| {
                let mut ids = vec![r.site, r.event, r.path, r.currency];
                if r.source != 0 || r.client != 0 {
                    ids.extend(global.sources.get(r.source));
                    ids.extend(global.clients.get(r.client));
                }
                let row = Row {
                    site: 0,
                    event: 0,
                    path: 0,
                    currency: 0,
                    source: 0,
                    client: 0,
                    ..r
                };
                (row, ids.into_iter().map(|id| global.str(id).to_owned()).collect())
            })
            .collect()
    }

    /// Whatever the writer's settings (dictionary or plain pages, page versions, page and row
    /// group sizes, a dictionary overflowing into plain pages), a file reads as the same rows.
    #[test]
    fn every_writer_setting_reads_the_same_rows() {
        use parquet::basic::Compression;
        use parquet::file::properties::{WriterProperties, WriterVersion};
        let hits = varied_hits(40_000);
        let base = || WriterProperties::builder();
        let cases: Vec<(&str, WriterProperties)> = vec![
            (
                "data pages v2",
                base().set_writer_version(WriterVersion::PARQUET_2_0).build(),
            ),
            ("no dictionaries", base().set_dictionary_enabled(false).build()),
            (
                "v2 uncompressed, no dictionaries (DELTA_* encodings)",
                base()
                    .set_writer_version(WriterVersion::PARQUET_2_0)
                    .set_dictionary_enabled(false)
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
        let reference =
            resolved(decode(write_with(&hits, hitflow_schema::writer_properties()), Projection::ALL).unwrap());
        assert_eq!(reference.len(), hits.len());
        for (case, props) in cases {
            let got = resolved(decode(write_with(&hits, props), Projection::ALL).unwrap());
            assert_eq!(got.len(), reference.len(), "{case}: rows");
            if let Some(i) = (0..got.len()).find(|&i| got[i] != reference[i]) {
                panic!("{case}: row {i} differs:\n{:?}\n{:?}", got[i], reference[i]);
            }
        }
        // The collector's own small files.
        let batch = Bytes::from(hitflow_schema::batch_writer::write_batch_parquet(&hits[..100]).unwrap());
        let small = resolved(
            decode(
                write_with(&hits[..100], hitflow_schema::writer_properties()),
                Projection::ALL,
            )
            .unwrap(),
        );
        assert_eq!(resolved(decode(batch, Projection::ALL).unwrap()), small);
    }

    /// Revenue no collector stores is a bad row for every encoding (a dictionary page holds the
    /// NaN too); a null is no revenue, the bound itself is valid.
    #[test]
    fn absurd_revenue_makes_a_bad_row() {
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
            let file = decode(bytes, Projection::ALL).unwrap();
            assert_eq!(file.bad_rows, bad, "{case}");
            let mut rows: Vec<&Row> = file.shards.iter().flat_map(|s| &s.rows).collect();
            rows.sort_by_key(|r| r.ts);
            let got: Vec<(f64, bool)> = rows
                .iter()
                .map(|r| (r.revenue, r.flags & FLAG_HAS_REVENUE != 0))
                .collect();
            let want: Vec<(f64, bool)> = kept.iter().enumerate().map(|(i, &r)| (r, i > 0)).collect();
            assert_eq!(got, want, "{case}");
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
