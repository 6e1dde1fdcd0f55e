//! One column at a time: its data page (and dictionary page for strings), then its
//! `ColumnChunk` metadata with statistics.

use super::encoding::{bit_pack_bools, hybrid, varint, zigzag};
use super::thrift::*;
use super::too_large;
use crate::SchemaError;

/// Longest string min/max kept in the statistics; longer ones are left out (never cut, so a
/// reader never sees a bound that is not a real value).
const MAX_STAT_BYTES: usize = 64;

/// A column chunk's statistics: min and max in PLAIN encoding, and the null count.
struct Stats<'v> {
    bounds: Option<(Bound<'v>, Bound<'v>)>,
    nulls: usize,
}

enum Bound<'v> {
    Bytes(&'v [u8]),
    Fixed([u8; 8], usize),
}

impl Bound<'_> {
    fn bytes(&self) -> &[u8] {
        match self {
            Bound::Bytes(b) => b,
            Bound::Fixed(b, n) => &b[..*n],
        }
    }
}

fn fixed(bytes: &[u8]) -> Bound<'static> {
    let mut b = [0u8; 8];
    b[..bytes.len()].copy_from_slice(bytes);
    Bound::Fixed(b, bytes.len())
}

/// One file being written. Column methods are called in storage order.
pub(crate) struct Writer<'a> {
    pub(super) out: Vec<u8>,
    /// The `ColumnChunk` structs written so far (Thrift), the row group's column list.
    pub(super) chunks: Vec<u8>,
    /// A page body being built.
    body: Vec<u8>,
    /// Open-addressing table of dictionary entries (`u32::MAX` is empty).
    slots: Vec<u32>,
    /// The distinct strings of the column, in first-seen order.
    entries: Vec<&'a str>,
    /// Each present value's dictionary index.
    indices: Vec<u32>,
    pub(super) rows: usize,
    pub(super) total_size: i64,
}

impl<'a> Writer<'a> {
    pub(super) fn new(rows: usize) -> Self {
        Writer {
            out: Vec::with_capacity(4096 + rows * 160),
            chunks: Vec::with_capacity(crate::columns::KINDS.len() * 48),
            body: Vec::with_capacity(rows * 24),
            slots: Vec::new(),
            entries: Vec::new(),
            indices: Vec::with_capacity(rows),
            rows,
            total_size: 0,
        }
    }

    pub(crate) fn int64(
        &mut self,
        name: &str,
        values: impl Iterator<Item = i64>,
        signed: bool,
    ) -> Result<(), SchemaError> {
        self.body.clear();
        let mut bounds: Option<(i64, i64)> = None;
        // Unsigned columns compare as u64: flipping the sign bit maps that order onto i64's.
        let key = |v: i64| if signed { v } else { v ^ i64::MIN };
        for v in values {
            self.body.extend_from_slice(&v.to_le_bytes());
            bounds = Some(match bounds {
                None => (v, v),
                Some((lo, hi)) => (
                    if key(v) < key(lo) { v } else { lo },
                    if key(v) > key(hi) { v } else { hi },
                ),
            });
        }
        let stats = Stats {
            bounds: bounds.map(|(lo, hi)| (fixed(&lo.to_le_bytes()), fixed(&hi.to_le_bytes()))),
            nulls: 0,
        };
        self.plain_column(name, TYPE_INT64, false, &stats)
    }

    pub(crate) fn uint32(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Option<u32>> + Clone,
    ) -> Result<(), SchemaError> {
        self.levels(values.clone().map(|v| v.is_some()));
        let mut bounds: Option<(u32, u32)> = None;
        let mut nulls = 0;
        for v in values {
            let Some(v) = v else {
                nulls += 1;
                continue;
            };
            self.body.extend_from_slice(&v.to_le_bytes());
            bounds = Some(bounds.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
        }
        let stats = Stats {
            bounds: bounds.map(|(lo, hi)| (fixed(&lo.to_le_bytes()), fixed(&hi.to_le_bytes()))),
            nulls,
        };
        self.plain_column(name, TYPE_INT32, true, &stats)
    }

    pub(crate) fn doubles(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Option<f64>> + Clone,
    ) -> Result<(), SchemaError> {
        self.levels(values.clone().map(|v| v.is_some()));
        let mut bounds: Option<(f64, f64)> = None;
        let mut nulls = 0;
        for v in values {
            let Some(v) = v else {
                nulls += 1;
                continue;
            };
            self.body.extend_from_slice(&v.to_le_bytes());
            // NaN orders nowhere: the spec leaves it out of min/max.
            if !v.is_nan() {
                bounds = Some(bounds.map_or((v, v), |(lo, hi)| (lo.min(v), hi.max(v))));
            }
        }
        // A zero bound is written as -0.0 (min) and +0.0 (max), as the spec asks, so readers
        // that distinguish the two signs never prune a matching row.
        let bounds = bounds.map(|(lo, hi)| {
            let lo = if lo == 0.0 { -0.0 } else { lo };
            let hi = if hi == 0.0 { 0.0 } else { hi };
            (fixed(&lo.to_le_bytes()), fixed(&hi.to_le_bytes()))
        });
        self.plain_column(name, TYPE_DOUBLE, true, &Stats { bounds, nulls })
    }

    pub(crate) fn booleans(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Option<bool>> + Clone,
        optional: bool,
    ) -> Result<(), SchemaError> {
        if optional {
            self.levels(values.clone().map(|v| v.is_some()));
        } else {
            self.body.clear();
        }
        let (mut any_false, mut any_true, mut nulls) = (false, false, 0);
        let (mut acc, mut bits) = (0u8, 0);
        for v in values {
            let Some(v) = v else {
                nulls += 1;
                continue;
            };
            any_false |= !v;
            any_true |= v;
            // PLAIN booleans: one bit each, LSB first.
            acc |= u8::from(v) << bits;
            bits += 1;
            if bits == 8 {
                self.body.push(acc);
                (acc, bits) = (0, 0);
            }
        }
        if bits > 0 {
            self.body.push(acc);
        }
        let bounds = (any_false || any_true).then(|| (fixed(&[u8::from(!any_false)]), fixed(&[u8::from(any_true)])));
        self.plain_column(name, TYPE_BOOLEAN, optional, &Stats { bounds, nulls })
    }

    /// A string column: a PLAIN dictionary page of its distinct values and an RLE_DICTIONARY
    /// data page, or a PLAIN data page when every value is null.
    pub(crate) fn strings(
        &mut self,
        name: &str,
        values: impl Iterator<Item = Option<&'a str>> + Clone,
        optional: bool,
    ) -> Result<(), SchemaError> {
        self.entries.clear();
        self.indices.clear();
        let capacity = (self.rows * 2).next_power_of_two().max(16);
        self.slots.clear();
        self.slots.resize(capacity, u32::MAX);
        let mask = capacity - 1;
        let mut nulls = 0;
        // Rows of a batch often repeat the previous row's value: that needs no lookup.
        let mut previous: Option<(&str, u32)> = None;
        for v in values.clone() {
            let Some(v) = v else {
                nulls += 1;
                continue;
            };
            if let Some((p, index)) = previous {
                if p == v {
                    self.indices.push(index);
                    continue;
                }
            }
            let mut slot = hash(v.as_bytes()) & mask;
            let index = loop {
                match self.slots[slot] {
                    u32::MAX => {
                        let index = self.entries.len() as u32;
                        self.slots[slot] = index;
                        self.entries.push(v);
                        break index;
                    }
                    i if self.entries[i as usize] == v => break i,
                    _ => slot = (slot + 1) & mask,
                }
            };
            previous = Some((v, index));
            self.indices.push(index);
        }

        if optional {
            self.levels(values.map(|v| v.is_some()));
        } else {
            self.body.clear();
        }
        if self.entries.is_empty() {
            let stats = Stats { bounds: None, nulls };
            return self.plain_column(name, TYPE_BYTE_ARRAY, optional, &stats);
        }

        let (mut lo, mut hi) = (self.entries[0], self.entries[0]);
        for &e in &self.entries[1..] {
            lo = lo.min(e);
            hi = hi.max(e);
        }
        let bounds = (lo.len() <= MAX_STAT_BYTES && hi.len() <= MAX_STAT_BYTES)
            .then_some((Bound::Bytes(lo.as_bytes()), Bound::Bytes(hi.as_bytes())));

        // The data page's values: the bit width, then the indices (RLE/bit-packed hybrid).
        let bit_width = bits_for(self.entries.len() as u32 - 1).max(1);
        self.body.push(bit_width);
        hybrid(&mut self.body, &self.indices, bit_width);

        let start = self.out.len();
        // Dictionary page, PLAIN values, written straight after its header.
        let dict_size: usize = self.entries.iter().map(|e| 4 + e.len()).sum();
        let dict_size = i32::try_from(dict_size).map_err(|_| too_large())?;
        {
            let mut t = Thrift::new(&mut self.out);
            t.i32(1, PAGE_DICTIONARY);
            t.i32(2, dict_size);
            t.i32(3, dict_size);
            t.field_struct(7);
            t.i32(1, self.entries.len() as i32);
            t.i32(2, ENCODING_PLAIN);
            t.struct_end();
            t.stop();
        }
        for e in &self.entries {
            self.out.extend_from_slice(&(e.len() as u32).to_le_bytes());
            self.out.extend_from_slice(e.as_bytes());
        }
        let data_start = self.out.len();
        self.data_page(ENCODING_RLE_DICTIONARY)?;
        let encodings: &[i32] = if optional {
            &[ENCODING_PLAIN, ENCODING_RLE, ENCODING_RLE_DICTIONARY]
        } else {
            &[ENCODING_PLAIN, ENCODING_RLE_DICTIONARY]
        };
        self.chunk(
            name,
            TYPE_BYTE_ARRAY,
            encodings,
            start,
            Some(start),
            data_start,
            &Stats { bounds, nulls },
        );
        Ok(())
    }

    /// Starts a page body with the V1 definition levels of an optional column (1 = present):
    /// a 4-byte length, then the RLE/bit-packed hybrid at bit width 1.
    fn levels(&mut self, present: impl Iterator<Item = bool> + Clone) {
        self.body.clear();
        self.body.extend_from_slice(&[0; 4]);
        let start = self.body.len();
        let all_same = {
            let mut p = present.clone();
            let first = p.next();
            first.map(|f| p.all(|x| x == f))
        };
        match all_same {
            // One RLE run.
            Some(true) => {
                varint(&mut self.body, (self.rows as u64) << 1);
                self.body.push(u8::from(present.clone().next() == Some(true)));
            }
            _ => bit_pack_bools(&mut self.body, present, self.rows),
        }
        let length = (self.body.len() - start) as u32;
        self.body[..4].copy_from_slice(&length.to_le_bytes());
    }

    /// A column whose data page (in `body`) holds PLAIN values.
    fn plain_column(
        &mut self,
        name: &str,
        physical: i32,
        optional: bool,
        stats: &Stats<'_>,
    ) -> Result<(), SchemaError> {
        let start = self.out.len();
        self.data_page(ENCODING_PLAIN)?;
        let encodings: &[i32] = if optional {
            &[ENCODING_PLAIN, ENCODING_RLE]
        } else {
            &[ENCODING_PLAIN]
        };
        self.chunk(name, physical, encodings, start, None, start, stats);
        Ok(())
    }

    /// Writes a V1 data page holding `body`.
    fn data_page(&mut self, encoding: i32) -> Result<(), SchemaError> {
        let size = i32::try_from(self.body.len()).map_err(|_| too_large())?;
        let rows = i32::try_from(self.rows).map_err(|_| too_large())?;
        let mut t = Thrift::new(&mut self.out);
        t.i32(1, PAGE_DATA);
        t.i32(2, size);
        t.i32(3, size);
        t.field_struct(5);
        t.i32(1, rows);
        t.i32(2, encoding);
        t.i32(3, ENCODING_RLE);
        t.i32(4, ENCODING_RLE);
        t.struct_end();
        t.stop();
        self.out.extend_from_slice(&self.body);
        Ok(())
    }

    /// Appends the column's `ColumnChunk` (with its `ColumnMetaData`) to the row group.
    #[allow(clippy::too_many_arguments)]
    fn chunk(
        &mut self,
        name: &str,
        physical: i32,
        encodings: &[i32],
        start: usize,
        dictionary_offset: Option<usize>,
        data_offset: usize,
        stats: &Stats<'_>,
    ) {
        let size = (self.out.len() - start) as i64;
        self.total_size += size;
        let mut t = Thrift::new(&mut self.chunks);
        t.struct_begin(); // ColumnChunk
        t.i64(2, start as i64); // file_offset (deprecated): where the chunk starts
        t.field_struct(3); // ColumnMetaData
        t.i32(1, physical);
        t.list_begin(2, T_I32, encodings.len());
        for &e in encodings {
            varint(t.out, zigzag(i64::from(e)));
        }
        t.list_begin(3, T_BINARY, 1);
        varint(t.out, name.len() as u64);
        t.out.extend_from_slice(name.as_bytes());
        t.i32(4, CODEC_UNCOMPRESSED);
        t.i64(5, self.rows as i64);
        t.i64(6, size);
        t.i64(7, size);
        t.i64(9, data_offset as i64);
        if let Some(offset) = dictionary_offset {
            t.i64(11, offset as i64);
        }
        t.field_struct(12); // Statistics
        t.i64(3, stats.nulls as i64);
        if let Some((lo, hi)) = &stats.bounds {
            t.binary(5, hi.bytes()); // max_value
            t.binary(6, lo.bytes()); // min_value
        }
        t.struct_end();
        t.struct_end(); // ColumnMetaData
        t.struct_end(); // ColumnChunk
    }
}

/// FxHash-style hash of a string's bytes, for the dictionary table.
fn hash(bytes: &[u8]) -> usize {
    const K: u64 = 0x517c_c1b7_2722_0a95;
    let mut h = bytes.len() as u64;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(c);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    let rest = chunks.remainder();
    if !rest.is_empty() {
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        h = (h.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(K);
    }
    (h >> 32) as usize
}

/// Bits needed for values up to `max`.
fn bits_for(max: u32) -> u8 {
    (32 - max.leading_zeros()) as u8
}
