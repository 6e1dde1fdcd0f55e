//! `reporter compact`: merges a day's small batch files into one file per hour.
//!
//! Crash-safe and idempotent: the merged file is written durably under a name derived from its
//! inputs and lists them in its Parquet metadata; inputs are deleted only after the merged file's
//! row count has been read back and checked. A re-run after a crash first deletes inputs that a
//! durable merged file already holds, then merges what is left — nothing is lost or duplicated.
//! (Readers that list the partition mid-compaction may see a hit twice; the reporter drops
//! duplicates by hit id.)
//!
//! Laid out for readers: rows ordered by (site, visitor_id, ts), declared as `sorting_columns`
//! in every row group's metadata, so engines can prune and merge by visitor without sorting;
//! row groups of at most `ROW_GROUP_ROWS` rows, so a busy hour splits into groups engines read
//! in parallel; Snappy, as the reporter's own page reader decodes it (zstd is not compiled in;
//! BENCHMARKS.md compares the two on the benchmark lake).

use std::hash::Hasher;

use anyhow::{bail, Context};
use arrow_array::{Array, RecordBatch, StringArray, TimestampMillisecondArray, UInt64Array};
use bytes::Bytes;
use hitflow_schema::columns::names as col;
use hitflow_schema::layout::{Partition, Ymd, HITS_PREFIX};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::{KeyValue, SortingColumn};
use parquet::file::reader::{FileReader, SerializedFileReader};
use rustc_hash::FxHasher;

use crate::store::Store;

const COMPACTED_PREFIX: &str = "compacted-";
/// Rows per row group of a merged file: DuckDB's and Spark's unit of parallel work.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;
/// The order of a merged file's rows.
pub const SORT_COLUMNS: [&str; 3] = [col::site, col::visitor_id, col::ts];
/// Metadata key listing the keys a merged file was made from (newline-separated).
const SOURCES_KEY: &str = "hitflow.compacted_from";
/// Metadata key with the number of rows the merged file's sources held together.
const ROWS_KEY: &str = "hitflow.compacted_rows";

#[derive(Debug, Default, serde::Serialize)]
pub struct CompactSummary {
    pub partitions: u64,
    pub partitions_merged: u64,
    pub files_merged: u64,
    pub files_deleted: u64,
    pub rows: u64,
}

pub async fn compact(store: &Store, date: Ymd) -> anyhow::Result<CompactSummary> {
    store
        .check()
        .await
        .with_context(|| format!("cannot open store {}", store.describe()))?;
    let listing = store.list(&format!("{HITS_PREFIX}date={date}/")).await?;
    let mut by_hour: std::collections::BTreeMap<Partition, Vec<String>> = Default::default();
    for object in listing {
        if let Some(p) = Partition::from_key(&object.key) {
            by_hour.entry(p).or_default().push(object.key);
        }
    }
    let mut summary = CompactSummary::default();
    for (partition, keys) in by_hour {
        summary.partitions += 1;
        compact_partition(store, partition, keys, &mut summary)
            .await
            .with_context(|| format!("compacting {}", partition.prefix()))?;
    }
    Ok(summary)
}

fn file_name(key: &str) -> &str {
    key.rsplit('/').next().unwrap_or(key)
}

async fn compact_partition(
    store: &Store,
    partition: Partition,
    keys: Vec<String>,
    summary: &mut CompactSummary,
) -> anyhow::Result<()> {
    // 1. Finish an interrupted run: inputs held by a complete merged file go. A merged file that
    //    does not hold every row its sources had (a crash mid-upload) is garbage and goes instead.
    let mut remaining = keys.clone();
    for key in keys.iter().filter(|k| file_name(k).starts_with(COMPACTED_PREFIX)) {
        if !remaining.contains(key) {
            continue; // deleted above as a source of a later merged file
        }
        let bytes = store.get(key).await?;
        match merged_sources(bytes) {
            Ok(sources) => {
                let held: Vec<String> = sources
                    .into_iter()
                    .filter(|s| s != key && remaining.contains(s))
                    .collect();
                for source in &held {
                    store.delete(source).await?;
                    remaining.retain(|k| k != source);
                    summary.files_deleted += 1;
                }
            }
            Err(reason) => {
                tracing::warn!(key = %key, %reason, "incomplete merged file from an interrupted run; removing it");
                store.delete(key).await?;
                remaining.retain(|k| k != key);
            }
        }
    }
    if remaining.len() <= 1 {
        return Ok(());
    }

    // 2. Merge the rest (an earlier merged file included) into one new file.
    remaining.sort();
    let mut hasher = FxHasher::default();
    for key in &remaining {
        hasher.write(key.as_bytes());
        hasher.write_u8(0);
    }
    let out_key = format!(
        "{}{COMPACTED_PREFIX}{:016x}.parquet",
        partition.prefix(),
        hasher.finish()
    );
    let mut props = hitflow_schema::writer_properties().into_builder();
    let mut metadata = vec![KeyValue::new(
        hitflow_schema::SCHEMA_VERSION_KEY.to_owned(),
        hitflow_schema::SCHEMA_VERSION.to_owned(),
    )];
    metadata.push(KeyValue::new(SOURCES_KEY.to_owned(), remaining.join("\n")));
    // The row count of the inputs is only known after reading them; count first.
    let mut inputs = Vec::with_capacity(remaining.len());
    let mut rows_in = 0u64;
    for key in &remaining {
        let bytes = store.get(key).await?;
        let reader = SerializedFileReader::new(bytes.clone())
            .with_context(|| format!("{key} is not readable Parquet; fix or remove it, then re-run"))?;
        rows_in += reader.metadata().file_metadata().num_rows().max(0) as u64;
        inputs.push((key, bytes));
    }
    metadata.push(KeyValue::new(ROWS_KEY.to_owned(), rows_in.to_string()));
    let schema = hitflow_schema::columns::schema();
    let sorting = SORT_COLUMNS
        .iter()
        .map(|name| {
            let column_idx = schema.index_of(name)? as i32;
            Ok(SortingColumn {
                column_idx,
                descending: false,
                nulls_first: false,
            })
        })
        .collect::<Result<Vec<_>, arrow_schema::ArrowError>>()?;
    props = props
        .set_key_value_metadata(Some(metadata))
        .set_sorting_columns(Some(sorting))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS));
    let mut batches = Vec::new();
    let mut rows_written = 0u64;
    for (key, bytes) in inputs {
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .with_context(|| format!("{key} is not readable Parquet; fix or remove it, then re-run"))?
            .build()?;
        for batch in reader {
            let batch = batch.with_context(|| format!("reading {key}"))?;
            if batch.schema().fields() != hitflow_schema::columns::schema().fields() {
                bail!("{key} does not have the hit schema; fix or remove it, then re-run");
            }
            rows_written += batch.num_rows() as u64;
            batches.push(batch);
        }
    }
    let sorted = sort_rows(&arrow_select::concat::concat_batches(&schema, &batches)?)?;
    drop(batches);
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, schema, Some(props.build()))?;
    writer.write(&sorted)?;
    writer.close()?;
    if rows_written != rows_in {
        bail!("inputs decoded to {rows_written} rows, their footers say {rows_in}; nothing changed");
    }
    let merged = Bytes::from(buffer);
    store.put(&out_key, merged, "application/vnd.apache.parquet").await?;

    // 3. Verify what is stored, then delete the inputs.
    let stored = store.get(&out_key).await?;
    let reader = SerializedFileReader::new(stored)?;
    let rows_out = reader.metadata().file_metadata().num_rows() as u64;
    if rows_out != rows_in {
        store.delete(&out_key).await?;
        bail!("merged file {out_key} held {rows_out} rows, inputs held {rows_in}; removed it, inputs kept");
    }
    for key in remaining.iter().filter(|k| **k != out_key) {
        store.delete(key).await?;
        summary.files_deleted += 1;
    }
    summary.partitions_merged += 1;
    summary.files_merged += remaining.len() as u64;
    summary.rows += rows_out;
    tracing::info!(partition = %partition.prefix(), files = remaining.len(), rows = rows_out, "compacted");
    Ok(())
}

/// The rows ordered by `SORT_COLUMNS` (NULLs last; ties keep their input order).
fn sort_rows(batch: &RecordBatch) -> anyhow::Result<RecordBatch> {
    let column = |name: &str| {
        batch
            .column_by_name(name)
            .ok_or_else(|| anyhow::anyhow!("no column {name}"))
    };
    let downcast = |name: &str| anyhow::anyhow!("column {name} has an unexpected type");
    let site = column(col::site)?
        .as_any()
        .downcast_ref::<StringArray>()
        .ok_or_else(|| downcast(col::site))?;
    let visitor = column(col::visitor_id)?
        .as_any()
        .downcast_ref::<UInt64Array>()
        .ok_or_else(|| downcast(col::visitor_id))?;
    let ts = column(col::ts)?
        .as_any()
        .downcast_ref::<TimestampMillisecondArray>()
        .ok_or_else(|| downcast(col::ts))?;
    // `None` sorts first in Rust; `(is_null, value)` puts NULLs last, as the metadata says.
    let key = |i: usize| {
        (
            (site.is_null(i), site.is_valid(i).then(|| site.value(i))),
            (visitor.is_null(i), visitor.is_valid(i).then(|| visitor.value(i))),
            (ts.is_null(i), ts.is_valid(i).then(|| ts.value(i))),
        )
    };
    let mut order: Vec<u32> = (0..batch.num_rows() as u32).collect();
    order.sort_by(|&a, &b| key(a as usize).cmp(&key(b as usize)));
    let indices = arrow_array::UInt32Array::from(order);
    Ok(arrow_select::take::take_record_batch(batch, &indices)?)
}

/// The sources of a merged file, if the file is complete: readable, and holding exactly the rows
/// its sources had.
fn merged_sources(bytes: Bytes) -> anyhow::Result<Vec<String>> {
    let reader = SerializedFileReader::new(bytes)?;
    let meta = reader.metadata().file_metadata();
    let value = |key: &str| {
        meta.key_value_metadata()
            .and_then(|kv| kv.iter().find(|e| e.key == key).and_then(|e| e.value.clone()))
    };
    let expected: u64 = value(ROWS_KEY)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no row count"))?;
    if meta.num_rows().max(0) as u64 != expected {
        bail!("holds {} rows of {expected}", meta.num_rows());
    }
    Ok(value(SOURCES_KEY)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect())
}
