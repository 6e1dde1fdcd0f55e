//! Parquet encoding of hits: what the collector writes per Queue batch and what the reporter's
//! compaction and generator write.

use bytes_sink::BytesSink;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::{EnabledStatistics, WriterProperties};

use crate::{columns, Hit, SchemaError};

/// Metadata key telling readers which version of the hit schema a file holds.
pub const SCHEMA_VERSION_KEY: &str = "hitflow.schema_version";
/// Bumped when a column is added or changes meaning; readers accept every older version they know.
pub const SCHEMA_VERSION: &str = "1";

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
/// reads projected columns instead.
pub fn read_parquet(bytes: impl Into<bytes::Bytes>) -> Result<Vec<Hit>, SchemaError> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(bytes.into())?.build()?;
    let mut hits = Vec::new();
    for batch in reader {
        hits.extend(columns::from_record_batch(&batch?)?);
    }
    Ok(hits)
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
