//! A dictionary-encoded string column chunk, encoded directly from interned string ids.
//!
//! The reporter already knows every string by id, so building a column chunk needs no hashing:
//! a table from string id to dictionary slot gives each row its index. (arrow-rs' writer hashes
//! every value again, which made `sessions.parquet` the most expensive part of a run.) The
//! chunk is standard Parquet: a PLAIN dictionary page, then V1 data pages with bit-packed
//! definition levels and RLE_DICTIONARY indices, uncompressed (indices take a few bits a row).

use bytes::Bytes;
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{CompressedPage, Page, PageWriter};
use parquet::column::writer::ColumnCloseResult;
use parquet::errors::Result;
use parquet::file::metadata::ColumnChunkMetaData;
use parquet::file::writer::{SerializedPageWriter, TrackedWrite};
use parquet::schema::types::ColumnDescPtr;

/// Rows per data page.
const PAGE_ROWS: usize = 64 * 1024;
const NO_SLOT: u32 = u32::MAX;

/// Reusable state: the dictionary slot of each string id in the chunk being built.
#[derive(Default)]
pub struct DictionaryEncoder {
    slot_of: Vec<u32>,
}

impl DictionaryEncoder {
    /// Encodes one column chunk of `ids` (0 = null, else an index into `strings`) and returns
    /// its bytes and what `SerializedRowGroupWriter::append_column` needs to add it.
    pub fn encode<S: AsRef<str>>(
        &mut self,
        descr: ColumnDescPtr,
        ids: &[u32],
        strings: &[S],
    ) -> Result<(Bytes, ColumnCloseResult)> {
        // Slots in first-seen order; the table is reset only where it was touched.
        let mut dictionary: Vec<u32> = Vec::new();
        let mut indices: Vec<u32> = Vec::with_capacity(ids.len());
        for &id in ids {
            if id == 0 {
                continue;
            }
            let i = id as usize;
            if i >= self.slot_of.len() {
                self.slot_of.resize(i + 1, NO_SLOT);
            }
            if self.slot_of[i] == NO_SLOT {
                self.slot_of[i] = dictionary.len() as u32;
                dictionary.push(id);
            }
            indices.push(self.slot_of[i]);
        }
        for &id in &dictionary {
            self.slot_of[id as usize] = NO_SLOT;
        }

        let mut dict_page = Vec::new();
        for &id in &dictionary {
            let value = strings.get(id as usize).map(|s| s.as_ref()).unwrap_or("").as_bytes();
            dict_page.extend_from_slice(&(value.len() as u32).to_le_bytes());
            dict_page.extend_from_slice(value);
        }
        let bit_width = bits_for(dictionary.len().saturating_sub(1) as u64).max(1);

        let mut sink = TrackedWrite::new(Vec::new());
        let data_page_offset;
        {
            let mut pages = SerializedPageWriter::new(&mut sink);
            let size = dict_page.len();
            let spec = pages.write_page(CompressedPage::new(
                Page::DictionaryPage {
                    buf: Bytes::from(dict_page),
                    num_values: dictionary.len() as u32,
                    encoding: Encoding::PLAIN,
                    is_sorted: false,
                },
                size,
            ))?;
            data_page_offset = spec.bytes_written as i64;
            let mut next_index = 0;
            for rows in ids.chunks(PAGE_ROWS) {
                let mut buf = Vec::new();
                // Definition levels (1 = present), length-prefixed as V1 pages have them.
                let levels = bit_packed(rows.iter().map(|&id| u64::from(id != 0)), rows.len(), 1);
                buf.extend_from_slice(&(levels.len() as u32).to_le_bytes());
                buf.extend_from_slice(&levels);
                let present = rows.iter().filter(|&&id| id != 0).count();
                let page_indices = &indices[next_index..next_index + present];
                next_index += present;
                buf.push(bit_width);
                buf.extend_from_slice(&bit_packed(
                    page_indices.iter().map(|&i| u64::from(i)),
                    present,
                    bit_width,
                ));
                let size = buf.len();
                pages.write_page(CompressedPage::new(
                    Page::DataPage {
                        buf: Bytes::from(buf),
                        num_values: rows.len() as u32,
                        encoding: Encoding::RLE_DICTIONARY,
                        def_level_encoding: Encoding::RLE,
                        rep_level_encoding: Encoding::RLE,
                        statistics: None,
                    },
                    size,
                ))?;
            }
            pages.close()?;
        }
        let bytes = Bytes::from(sink.into_inner()?);
        let metadata = ColumnChunkMetaData::builder(descr)
            .set_encodings(vec![Encoding::PLAIN, Encoding::RLE, Encoding::RLE_DICTIONARY])
            .set_compression(Compression::UNCOMPRESSED)
            .set_num_values(ids.len() as i64)
            .set_total_compressed_size(bytes.len() as i64)
            .set_total_uncompressed_size(bytes.len() as i64)
            .set_dictionary_page_offset(Some(0))
            .set_data_page_offset(data_page_offset)
            .build()?;
        let close = ColumnCloseResult {
            bytes_written: bytes.len() as u64,
            rows_written: ids.len() as u64,
            metadata,
            bloom_filter: None,
            column_index: None,
            offset_index: None,
        };
        Ok((bytes, close))
    }
}

/// Bits needed for values up to `max`.
fn bits_for(max: u64) -> u8 {
    (64 - max.leading_zeros()) as u8
}

/// `count` values as one bit-packed run of the RLE/bit-packing hybrid (the hit schema's writer
/// has the encoder).
fn bit_packed(values: impl Iterator<Item = u64>, count: usize, bit_width: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(10 + count.div_ceil(8) * usize::from(bit_width));
    hitflow_schema::batch_writer::bit_packed_run(&mut out, values, count, bit_width);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bit_packing_matches_the_spec_example() {
        // The Parquet spec's example: 0..=7 at bit width 3 → 10001000 11000110 11111010.
        assert_eq!(
            bit_packed(0..8, 8, 3),
            vec![0x03, 0b1000_1000, 0b1100_0110, 0b1111_1010]
        );
        // The last group is padded to 8 values.
        assert_eq!(bit_packed([1, 1, 1].into_iter(), 3, 1), vec![0x03, 0b0000_0111]);
        // 200 groups need a two-byte header.
        assert_eq!(bit_packed(std::iter::repeat(1), 1600, 1)[..2], [0x91, 0x03]);
        assert_eq!(bit_packed(std::iter::empty(), 0, 1), vec![0x01]);
        assert_eq!((bits_for(0), bits_for(1), bits_for(255), bits_for(256)), (0, 1, 8, 9));
    }
}
