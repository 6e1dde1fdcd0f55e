//! Parquet encoding of hits: what the collector writes per Queue batch and what the reporter's
//! compaction and generator write.

use bytes_sink::BytesSink;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::metadata::{KeyValue, ParquetMetaData};
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::{columns, Hit, SchemaError};

/// Metadata key telling readers which version of the hit schema a file holds.
pub const SCHEMA_VERSION_KEY: &str = "hitflow.schema_version";
/// Bumped when a column is added or changes meaning; readers accept every older version they know.
pub const SCHEMA_VERSION: &str = "2";

/// Writer settings shared by every hit file: Snappy (cheap to compress in the Worker and fast to
/// decode), dictionary pages for the many repeated strings, and a schema version tag.
pub fn writer_properties() -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .set_dictionary_enabled(true)
        // Column-chunk min/max is what readers prune by; per-page indexes only cost time in the
        // Worker's small files.
        .set_statistics_enabled(EnabledStatistics::Chunk)
        .set_created_by(format!("hitflow {}", env!("CARGO_PKG_VERSION")))
        .set_key_value_metadata(Some(vec![KeyValue::new(
            SCHEMA_VERSION_KEY.to_owned(),
            SCHEMA_VERSION.to_owned(),
        )]))
        .build()
}

/// Encodes hits as one Parquet file (a single row group).
pub fn write_parquet(hits: &[Hit]) -> Result<Vec<u8>, SchemaError> {
    let batch = columns::to_record_batch(hits)?;
    let mut out = BytesSink::default();
    let mut writer = ArrowWriter::try_new(&mut out, columns::schema(), Some(writer_properties()))?;
    writer.write(&batch)?;
    writer.close()?;
    Ok(out.0)
}

/// Decodes a whole hit file. For tests, compaction checks and tools; the reporter's hot path
/// reads projected columns instead. Any bytes give hits or an error, never a panic.
pub fn read_parquet(bytes: impl Into<bytes::Bytes>) -> Result<Vec<Hit>, SchemaError> {
    let bytes = bytes.into();
    crate::contain_panic(|| read_hits(bytes), SchemaError::ReaderPanicked)
}

fn read_hits(bytes: bytes::Bytes) -> Result<Vec<Hit>, SchemaError> {
    let file_len = bytes.len() as u64;
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes)?;
    check_chunk_ranges(builder.metadata(), file_len)?;
    let reader = builder.build()?;
    let mut hits = Vec::new();
    for batch in reader {
        hits.extend(columns::from_record_batch(&batch?)?);
    }
    Ok(hits)
}

/// Refuses a footer whose column chunks lie outside the file. parquet-rs trusts these offsets and
/// panics on negative ones (`ColumnChunkMetaData::byte_range`, found by fuzzing), so every reader
/// of stored objects checks them first.
pub fn check_chunk_ranges(metadata: &ParquetMetaData, file_len: u64) -> Result<(), ParquetError> {
    for (g, group) in metadata.row_groups().iter().enumerate() {
        for column in group.columns() {
            let start = column.dictionary_page_offset().unwrap_or(column.data_page_offset());
            let len = column.compressed_size();
            let inside = u64::try_from(start)
                .ok()
                .zip(u64::try_from(len).ok())
                .and_then(|(start, len)| start.checked_add(len))
                .is_some_and(|end| end <= file_len);
            if !inside {
                return Err(ParquetError::General(format!(
                    "row group {g}, column {}: chunk at offset {start} of {len} bytes lies outside the {file_len}-byte file",
                    column.column_path()
                )));
            }
        }
    }
    Ok(())
}

mod bytes_sink {
    /// A `Write` into a Vec that `ArrowWriter` can borrow mutably.
    #[derive(Default)]
    pub struct BytesSink(pub Vec<u8>);

    impl std::io::Write for &mut BytesSink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file written before a nullable column existed (here without `scroll_depth`, as every file
    /// of schema version 1) reads with that column `None`; a required column missing is an error.
    #[test]
    fn older_files_read_added_columns_as_none() {
        let hit = Hit {
            scroll_depth: Some(80),
            engaged_ms: Some(5),
            ..Hit::default()
        };
        let without = |name: &str| {
            let batch = columns::to_record_batch(std::slice::from_ref(&hit)).expect("batch");
            let keep: Vec<usize> = (0..batch.num_columns())
                .filter(|&i| batch.schema().field(i).name() != name)
                .collect();
            let batch = batch.project(&keep).expect("projects");
            let mut out = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut out, batch.schema(), None).expect("writer");
            writer.write(&batch).expect("writes");
            writer.close().expect("closes");
            read_parquet(out)
        };
        let read = without(columns::names::scroll_depth).expect("reads");
        assert_eq!(
            read,
            vec![Hit {
                scroll_depth: None,
                ..hit.clone()
            }]
        );
        assert!(matches!(
            without(columns::names::site),
            Err(SchemaError::MissingColumn("site"))
        ));
    }
}
