//! hitflow's hit schema: the one definition shared by the collector (writer) and the reporter
//! (reader). See README.md "Hit schema" for the column contract.

pub mod columns;
mod hit;
pub mod layout;
mod parquet_io;
pub mod report_access;

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
}
