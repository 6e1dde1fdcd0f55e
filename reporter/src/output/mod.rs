//! Files `reporter run` writes into `--out`: `report.json` and `sessions.parquet`.

mod dictionary_column;
pub mod sessions_parquet;

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    #[error("cannot write {path}: {message}")]
    Write { path: String, message: String },
}

impl OutputError {
    pub fn io(path: &Path, err: std::io::Error) -> Self {
        OutputError::Write {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }

    pub fn parquet(path: &Path, err: parquet::errors::ParquetError) -> Self {
        OutputError::Write {
            path: path.display().to_string(),
            message: err.to_string(),
        }
    }
}

/// Writes a file through a temporary sibling and a rename, so readers never see half a file.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).map_err(|e| OutputError::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| OutputError::io(path, e))
}
