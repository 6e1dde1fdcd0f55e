//! `reporter compact`: merges a day's small batch files into one file per hour.
//!
//! Crash-safe and idempotent: the merged file is written durably under a name derived from its
//! inputs and lists them in its Parquet metadata; inputs are deleted only after the merged file's
//! row count has been read back and checked. A re-run after a crash first deletes inputs that a
//! durable merged file already holds, then merges what is left — nothing is lost or duplicated.
//! (Readers that list the partition mid-compaction may see a hit twice; the reporter drops
//! duplicates by hit id.)

use std::hash::Hasher;

use anyhow::{bail, Context};
use bytes::Bytes;
use hitflow_schema::layout::{Partition, Ymd, HITS_PREFIX};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::file::metadata::KeyValue;
use parquet::file::reader::{FileReader, SerializedFileReader};
use rustc_hash::FxHasher;

use crate::store::Store;

const COMPACTED_PREFIX: &str = "compacted-";
/// Metadata key listing the keys a merged file was made from (newline-separated).
const SOURCES_KEY: &str = "hitflow.compacted_from";

#[derive(Debug, Default, serde::Serialize)]
pub struct CompactSummary {
    pub partitions: u64,
    pub partitions_merged: u64,
    pub files_merged: u64,
    pub files_deleted: u64,
    pub rows: u64,
}

pub async fn compact(store: &Store, date: Ymd) -> anyhow::Result<CompactSummary> {
    store.check().await.with_context(|| format!("cannot open store {}", store.describe()))?;
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

async fn compact_partition(store: &Store, partition: Partition, keys: Vec<String>, summary: &mut CompactSummary) -> anyhow::Result<()> {
    // 1. Finish an interrupted run: inputs already held by a durable merged file go.
    let mut remaining = keys.clone();
    for key in keys.iter().filter(|k| file_name(k).starts_with(COMPACTED_PREFIX)) {
        let bytes = store.get(key).await?;
        let Ok(sources) = merged_sources(bytes) else { continue };
        for source in sources.iter().filter(|s| *s != key && keys.contains(s)) {
            store.delete(source).await?;
            remaining.retain(|k| k != source);
            summary.files_deleted += 1;
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
    let out_key = format!("{}{COMPACTED_PREFIX}{:016x}.parquet", partition.prefix(), hasher.finish());
    let mut props = hitflow_schema::writer_properties().into_builder();
    let mut metadata = vec![KeyValue::new(hitflow_schema::SCHEMA_VERSION_KEY.to_owned(), hitflow_schema::SCHEMA_VERSION.to_owned())];
    metadata.push(KeyValue::new(SOURCES_KEY.to_owned(), remaining.join("\n")));
    props = props.set_key_value_metadata(Some(metadata));
    let mut buffer = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buffer, hitflow_schema::columns::schema(), Some(props.build()))?;
    let mut rows_in = 0u64;
    for key in &remaining {
        let bytes = store.get(key).await?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(bytes)
            .with_context(|| format!("{key} is not readable Parquet; fix or remove it, then re-run"))?
            .build()?;
        for batch in reader {
            let batch = batch.with_context(|| format!("reading {key}"))?;
            if batch.schema().fields() != hitflow_schema::columns::schema().fields() {
                bail!("{key} does not have the hit schema; fix or remove it, then re-run");
            }
            rows_in += batch.num_rows() as u64;
            writer.write(&batch)?;
        }
    }
    writer.close()?;
    let merged = Bytes::from(buffer);
    store.put(&out_key, merged, "application/vnd.apache.parquet").await?;

    // 3. Verify what is stored, then delete the inputs.
    let stored = store.get(&out_key).await?;
    let reader = SerializedFileReader::new(stored)?;
    let rows_out = reader.metadata().file_metadata().num_rows() as u64;
    if rows_out != rows_in {
        bail!("merged file {out_key} holds {rows_out} rows, inputs held {rows_in}; inputs kept");
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

fn merged_sources(bytes: Bytes) -> anyhow::Result<Vec<String>> {
    let reader = SerializedFileReader::new(bytes)?;
    let sources = reader
        .metadata()
        .file_metadata()
        .key_value_metadata()
        .and_then(|kv| kv.iter().find(|e| e.key == SOURCES_KEY).and_then(|e| e.value.clone()))
        .unwrap_or_default();
    Ok(sources.lines().map(str::to_owned).collect())
}
