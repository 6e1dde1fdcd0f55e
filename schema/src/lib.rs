//! hitflow's hit schema: the one definition shared by the collector (writer) and the reporter
//! (reader). See README.md "Hit schema" for the column contract.

pub mod batch_writer;
pub mod columns;
mod hit;
pub mod layout;
mod parquet_io;
pub mod time;

pub use hit::*;
pub use parquet_io::{
    check_chunk_ranges, read_parquet, write_parquet, writer_properties, SCHEMA_VERSION, SCHEMA_VERSION_KEY,
};

/// Errors encoding or decoding hits.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("hit file has no column `{0}`")]
    MissingColumn(&'static str),
    #[error("hit column has unexpected type {0}")]
    WrongType(String),
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
    /// parquet-rs panicked on a damaged file (its page decoders trust some header fields; found
    /// by fuzzing). The panic is contained and the file refused like any unreadable one.
    #[error("the Parquet reader failed on this file: {0}")]
    ReaderPanicked(String),
}

/// Runs a reader over untrusted bytes, turning a panic inside it into an error message.
pub fn contain_panic<T, E>(read: impl FnOnce() -> Result<T, E>, into: impl FnOnce(String) -> E) -> Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(read)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".to_owned());
        Err(into(message))
    })
}
