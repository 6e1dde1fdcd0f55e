//! Parquet → rows. Reads only the columns the reporter needs, keeps Parquet's dictionary encoding
//! (each distinct string is looked at once per dictionary page, not once per row), and interns
//! into file-local tables that `merge` folds into the run's global tables.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, TimestampMillisecondType, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use hitflow_schema::columns::names as col;
use parquet::arrow::arrow_reader::{ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::intern::Interner;
use super::rows::{Row, Tables, FLAG_BOT, FLAG_ENTRY, FLAG_HAS_REVENUE};

/// Columns read, in this order.
pub const PROJECTION: [&str; 27] = [
    col::ts,
    col::hit_id,
    col::visitor_id,
    col::is_bot,
    col::engaged_ms,
    col::revenue,
    col::entry,
    col::site,
    col::event,
    col::url_host,
    col::url_path,
    col::referrer_host,
    col::currency,
    col::utm_source,
    col::utm_medium,
    col::utm_campaign,
    col::utm_term,
    col::utm_content,
    col::ref_param,
    col::click_id_kind,
    col::device_type,
    col::browser,
    col::browser_version,
    col::os,
    col::os_version,
    col::country,
    col::city,
];
const FIRST_STRING: usize = 7;
const STRING_COLUMNS: usize = PROJECTION.len() - FIRST_STRING;

/// Why an object could not be read.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum DecodeError {
    #[error("not a readable Parquet file: {0}")]
    Parquet(String),
    #[error("not a hit file: {0}")]
    Schema(String),
}

/// The rows of one file with file-local ids.
#[derive(Debug, Default)]
pub struct FileRows {
    pub rows: Vec<Row>,
    pub tables: Tables,
}

/// Decodes one hit file.
pub fn decode(bytes: Bytes) -> Result<FileRows, DecodeError> {
    let perr = |e: parquet::errors::ParquetError| DecodeError::Parquet(e.to_string());
    let plain = ArrowReaderMetadata::load(&bytes, ArrowReaderOptions::new()).map_err(perr)?;
    check_schema(plain.schema())?;
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
    let indices = PROJECTION
        .iter()
        .filter_map(|name| root_fields.iter().position(|f| f.name() == *name));
    let mask = ProjectionMask::roots(metadata.parquet_schema(), indices);
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(bytes, metadata)
        .with_projection(mask)
        .with_batch_size(64 * 1024)
        .build()
        .map_err(perr)?;

    let mut out = FileRows::default();
    for batch in reader {
        let batch = batch.map_err(|e| DecodeError::Parquet(e.to_string()))?;
        decode_batch(&batch, &mut out)?;
    }
    Ok(out)
}

fn check_schema(schema: &Schema) -> Result<(), DecodeError> {
    let expected = hitflow_schema::columns::schema();
    for name in PROJECTION {
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

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, DecodeError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| DecodeError::Schema(format!("column `{name}` is missing")))
}

// One index walks a dozen parallel column arrays; an iterator chain would be harder to read.
#[allow(clippy::needless_range_loop)]
fn decode_batch(batch: &RecordBatch, out: &mut FileRows) -> Result<(), DecodeError> {
    let n = batch.num_rows();
    let ts = primitive::<TimestampMillisecondType>(batch, col::ts)?;
    let hit_id = primitive::<UInt64Type>(batch, col::hit_id)?;
    let visitor = primitive::<UInt64Type>(batch, col::visitor_id)?;
    let is_bot = boolean(batch, col::is_bot)?;
    let engaged = primitive::<UInt32Type>(batch, col::engaged_ms)?;
    let revenue = primitive::<Float64Type>(batch, col::revenue)?;
    let entry = boolean(batch, col::entry)?;

    let mut ids: Vec<Vec<u32>> = Vec::with_capacity(STRING_COLUMNS);
    for name in &PROJECTION[FIRST_STRING..] {
        ids.push(string_ids(column(batch, name)?, &mut out.tables.strings).ok_or_else(|| type_error(name))?);
    }
    // Positions in `ids` follow PROJECTION's string columns: the six per-hit strings, then the
    // seven campaign fields (a `Touch`), then the seven device and geo fields (`Dims`).
    let [site, event, host, path, referrer, currency] = [0, 1, 2, 3, 4, 5];
    let touch_cols: [usize; 7] = std::array::from_fn(|k| 6 + k);
    let dim_cols: [usize; 7] = std::array::from_fn(|k| 13 + k);

    out.rows.reserve(n);
    for i in 0..n {
        if ts.is_null(i) || visitor.is_null(i) {
            continue;
        }
        let mut flags = 0;
        if is_bot.is_valid(i) && is_bot.value(i) {
            flags |= FLAG_BOT;
        }
        if entry.is_valid(i) && entry.value(i) {
            flags |= FLAG_ENTRY;
        }
        let revenue_value = if revenue.is_valid(i) && revenue.value(i).is_finite() {
            flags |= FLAG_HAS_REVENUE;
            revenue.value(i)
        } else {
            0.0
        };
        out.rows.push(Row {
            visitor: visitor.value(i),
            ts: ts.value(i),
            hit_id: if hit_id.is_valid(i) { hit_id.value(i) } else { 0 },
            revenue: revenue_value,
            site: ids[site][i],
            event: ids[event][i],
            host: ids[host][i],
            path: ids[path][i],
            referrer_host: ids[referrer][i],
            touch: out.tables.touches.intern(touch_cols.map(|c| ids[c][i])),
            dims: out.tables.dims.intern(dim_cols.map(|c| ids[c][i])),
            engaged_ms: if engaged.is_valid(i) { engaged.value(i) } else { 0 },
            currency: ids[currency][i],
            flags,
        });
    }
    Ok(())
}

fn type_error(name: &str) -> DecodeError {
    DecodeError::Schema(format!("column `{name}` has an unexpected type"))
}

fn primitive<'a, T: arrow_array::ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a arrow_array::PrimitiveArray<T>, DecodeError> {
    column(batch, name)?
        .as_primitive_opt::<T>()
        .ok_or_else(|| type_error(name))
}

fn boolean<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a arrow_array::BooleanArray, DecodeError> {
    column(batch, name)?.as_boolean_opt().ok_or_else(|| type_error(name))
}

/// Local string ids of a string column, dictionary-encoded or plain. `None` for another type.
fn string_ids(array: &ArrayRef, strings: &mut Interner) -> Option<Vec<u32>> {
    if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
        let values = dict.values().as_string_opt::<i32>()?;
        let value_ids: Vec<u32> = (0..values.len())
            .map(|v| {
                if values.is_valid(v) {
                    strings.intern(values.value(v))
                } else {
                    0
                }
            })
            .collect();
        let keys = dict.keys();
        return Some(
            (0..keys.len())
                .map(|i| {
                    if keys.is_valid(i) {
                        value_ids.get(keys.value(i) as usize).copied().unwrap_or(0)
                    } else {
                        0
                    }
                })
                .collect(),
        );
    }
    let values = array.as_string_opt::<i32>()?;
    Some(
        (0..values.len())
            .map(|i| {
                if values.is_valid(i) {
                    strings.intern(values.value(i))
                } else {
                    0
                }
            })
            .collect(),
    )
}

/// Folds a file's local ids into the run's global tables and returns its rows with global ids.
pub fn merge(file: FileRows, global: &mut Tables) -> Vec<Row> {
    let strings: Vec<u32> = file.tables.strings.values().map(|s| global.strings.intern(s)).collect();
    let map = |id: u32| strings.get(id as usize).copied().unwrap_or(0);
    let touches: Vec<u32> = (0..file.tables.touches.len() as u32)
        .map(|t| global.touches.intern(file.tables.touches.get(t).map(map)))
        .collect();
    let dims: Vec<u32> = (0..file.tables.dims.len() as u32)
        .map(|d| global.dims.intern(file.tables.dims.get(d).map(map)))
        .collect();
    let mut rows = file.rows;
    for row in &mut rows {
        row.site = map(row.site);
        row.event = map(row.event);
        row.host = map(row.host);
        row.path = map(row.path);
        row.referrer_host = map(row.referrer_host);
        row.currency = map(row.currency);
        row.touch = touches.get(row.touch as usize).copied().unwrap_or(0);
        row.dims = dims.get(row.dims as usize).copied().unwrap_or(0);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn string_column_positions_match_the_projection() {
        let strings = &PROJECTION[FIRST_STRING..];
        assert_eq!(
            strings[..6],
            [
                col::site,
                col::event,
                col::url_host,
                col::url_path,
                col::referrer_host,
                col::currency
            ]
        );
        let touch = [
            col::utm_source,
            col::utm_medium,
            col::utm_campaign,
            col::utm_term,
            col::utm_content,
        ];
        assert_eq!(strings[6..11], touch);
        assert_eq!(strings[11..13], [col::ref_param, col::click_id_kind]);
        let dims = [
            col::device_type,
            col::browser,
            col::browser_version,
            col::os,
            col::os_version,
        ];
        assert_eq!(strings[13..18], dims);
        assert_eq!(strings[18..], [col::country, col::city]);
    }

    #[test]
    fn decodes_and_merges_with_global_ids() {
        let bytes = hitflow_schema::write_parquet(&[hit(1, "/a"), hit(2, "/b"), hit(3, "/a")]).unwrap();
        let file = decode(Bytes::from(bytes)).unwrap();
        let mut global = Tables::default();
        global.strings.intern("something else first");
        let rows = merge(file, &mut global);
        assert_eq!(rows.len(), 3);
        assert_eq!(global.str(rows[0].path), "/a");
        assert_eq!(rows[0].path, rows[2].path);
        assert_eq!(global.str(rows[1].site), "example.com");
        let touch = global.touches.get(rows[0].touch);
        assert_eq!(global.str(touch[0]), "newsletter");
        assert_eq!(global.str(global.dims.get(rows[0].dims)[5]), "DE");
        assert_eq!(
            rows[0].flags & (FLAG_ENTRY | FLAG_HAS_REVENUE),
            FLAG_ENTRY | FLAG_HAS_REVENUE
        );
        assert_eq!(rows[0].revenue, 9.5);
    }

    #[test]
    fn garbage_and_foreign_files_are_errors() {
        assert!(matches!(decode(Bytes::from_static(b"")), Err(DecodeError::Parquet(_))));
        assert!(matches!(
            decode(Bytes::from_static(b"PAR1 not really")),
            Err(DecodeError::Parquet(_))
        ));
        let bytes = hitflow_schema::write_parquet(&[hit(1, "/a")]).unwrap();
        let truncated = Bytes::from(bytes[..bytes.len() / 2].to_vec());
        assert!(decode(truncated).is_err());
        // A valid Parquet file with another schema.
        let batch =
            RecordBatch::try_from_iter([("x", Arc::new(arrow_array::Int32Array::from(vec![1])) as ArrayRef)]).unwrap();
        let mut buf = Vec::new();
        let mut writer = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        assert!(matches!(decode(Bytes::from(buf)), Err(DecodeError::Schema(_))));
    }
}
