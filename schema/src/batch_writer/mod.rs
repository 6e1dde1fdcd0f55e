//! The hand-written Parquet writer of the collector's batch files (about 100 hits each).
//!
//! Same columns, Arrow types (`ARROW:schema`) and `hitflow.schema_version` as
//! [`crate::write_parquet`], so every reader sees the same table; the encoding is chosen for
//! small files instead: one row group, one page per column, strings dictionary-encoded
//! (RLE_DICTIONARY), numbers and booleans PLAIN, no compression (dictionaries already shrink the
//! strings; ids and timestamps do not compress), column-chunk min/max and null counts. It is
//! written directly rather than through arrow-rs' writer, whose fixed cost per column (encoder
//! and page-writer setup, metadata building, about 65 allocations) makes a 100-row file cost
//! over ten times as much (BENCHMARKS.md, collector).
//!
//! - `column`: each column's pages and `ColumnChunk` metadata;
//! - `footer`: the parts of the footer that are the same in every file, built once;
//! - `encoding`: the RLE/bit-packing hybrid and varints;
//! - `thrift`: the Thrift compact protocol and the parquet.thrift values used.

mod column;
mod encoding;
mod footer;
#[cfg(test)]
mod tests;
mod thrift;

pub use encoding::bit_packed_run;

pub(crate) use column::Writer;

use crate::columns::{self, HitRow};
use crate::{Hit, SchemaError};
use thrift::{Thrift, T_STRUCT};

/// Encodes a Queue batch of hits as one Parquet file.
pub fn write_batch_parquet(hits: &[Hit]) -> Result<Vec<u8>, SchemaError> {
    write(hits.len(), |w| columns::write_batch_hits(w, hits))
}

/// [`write_batch_parquet`] for borrowed rows (the collector's consumer decodes its messages into
/// these): the same file for the same hits.
pub fn write_batch_rows(rows: &[HitRow<'_>]) -> Result<Vec<u8>, SchemaError> {
    write(rows.len(), |w| columns::write_batch_hit_rows(w, rows))
}

/// Writes one file: `PAR1`, each column's pages, the footer, its length, `PAR1`.
/// `write_columns` writes the `rows` rows' columns in storage order.
fn write<'a>(
    rows: usize,
    write_columns: impl FnOnce(&mut Writer<'a>) -> Result<(), SchemaError>,
) -> Result<Vec<u8>, SchemaError> {
    let constant = footer::constant();
    let mut w = Writer::new(rows);
    w.out.extend_from_slice(b"PAR1");
    write_columns(&mut w)?;

    let mut footer = Vec::with_capacity(constant.schema.len() + constant.tail.len() + w.chunks.len() + 64);
    let mut t = Thrift::new(&mut footer);
    t.i32(1, 1); // version
    t.out.extend_from_slice(&constant.schema);
    t.last = 2;
    t.i64(3, w.rows as i64);
    t.list_begin(4, T_STRUCT, 1);
    t.struct_begin(); // RowGroup
    t.list_begin(1, T_STRUCT, columns::KINDS.len());
    t.out.extend_from_slice(&w.chunks);
    t.last = 1;
    t.i64(2, w.total_size); // total_byte_size
    t.i64(3, w.rows as i64);
    t.i64(5, 4); // file_offset: the first page follows the magic
    t.i64(6, w.total_size); // total_compressed_size
    t.i16(7, 0); // ordinal
    t.struct_end();
    t.out.extend_from_slice(&constant.tail);

    let length = u32::try_from(footer.len()).map_err(|_| too_large())?;
    w.out.extend_from_slice(&footer);
    w.out.extend_from_slice(&length.to_le_bytes());
    w.out.extend_from_slice(b"PAR1");
    Ok(w.out)
}

pub(crate) fn too_large() -> SchemaError {
    SchemaError::Parquet(parquet::errors::ParquetError::General(
        "batch too large for one page per column".into(),
    ))
}
