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

pub(crate) mod batch {
    //! The small-file Parquet writer behind [`crate::columns::write_batch_parquet`]: pages and footer
    //! written by hand (Thrift compact protocol), the constant parts of the footer built once.

    use std::sync::OnceLock;

    use crate::columns::{self, Kind};
    use crate::SchemaError;

    /// Longest string min/max kept in the statistics; longer ones are left out (never cut, so a
    /// reader never sees a bound that is not a real value).
    const MAX_STAT_BYTES: usize = 64;

    // Parquet enums (parquet.thrift).
    const TYPE_BOOLEAN: i32 = 0;
    const TYPE_INT32: i32 = 1;
    const TYPE_INT64: i32 = 2;
    const TYPE_DOUBLE: i32 = 5;
    const TYPE_BYTE_ARRAY: i32 = 6;
    const REQUIRED: i32 = 0;
    const OPTIONAL: i32 = 1;
    const CONVERTED_UTF8: i32 = 0;
    const CONVERTED_TIMESTAMP_MILLIS: i32 = 9;
    const CONVERTED_UINT_32: i32 = 13;
    const CONVERTED_UINT_64: i32 = 14;
    const ENCODING_PLAIN: i32 = 0;
    const ENCODING_RLE: i32 = 3;
    const ENCODING_RLE_DICTIONARY: i32 = 8;
    const CODEC_UNCOMPRESSED: i32 = 0;
    const PAGE_DATA: i32 = 0;
    const PAGE_DICTIONARY: i32 = 2;

    // Thrift compact protocol type ids.
    const T_TRUE: u8 = 1;
    const T_FALSE: u8 = 2;
    const T_I8: u8 = 3;
    const T_I32: u8 = 5;
    const T_I64: u8 = 6;
    const T_BINARY: u8 = 8;
    const T_LIST: u8 = 9;
    const T_STRUCT: u8 = 12;

    /// The parts of the footer that are the same in every file.
    struct Constant {
        /// `FileMetaData` field 2, the schema (field 1, the version, precedes it).
        schema: Vec<u8>,
        /// `FileMetaData` fields 5 to 7 (key-value metadata, created_by, column orders) and the
        /// struct's end.
        tail: Vec<u8>,
    }

    fn constant() -> &'static Constant {
        static CONSTANT: OnceLock<Constant> = OnceLock::new();
        CONSTANT.get_or_init(|| {
            let mut schema = Vec::new();
            let mut t = Thrift::new(&mut schema);
            t.last = 1; // after FileMetaData.version
            t.list_begin(2, T_STRUCT, columns::KINDS.len() + 1);
            // The root: the name arrow-rs gives it, and the number of columns.
            t.struct_begin();
            t.binary(4, b"arrow_schema");
            t.i32(5, columns::KINDS.len() as i32);
            t.struct_end();
            for &(name, kind) in columns::KINDS {
                let (physical, optional, converted) = match kind {
                    Kind::Timestamp => (TYPE_INT64, false, CONVERTED_TIMESTAMP_MILLIS),
                    Kind::UInt64 => (TYPE_INT64, false, CONVERTED_UINT_64),
                    Kind::String { optional } => (TYPE_BYTE_ARRAY, optional, CONVERTED_UTF8),
                    Kind::UInt32 => (TYPE_INT32, true, CONVERTED_UINT_32),
                    Kind::Boolean { optional } => (TYPE_BOOLEAN, optional, -1),
                    Kind::Float64 => (TYPE_DOUBLE, true, -1),
                };
                t.struct_begin();
                t.i32(1, physical);
                t.i32(3, if optional { OPTIONAL } else { REQUIRED });
                t.binary(4, name.as_bytes());
                if converted >= 0 {
                    t.i32(6, converted);
                }
                // The logical type, a union (parquet.thrift `LogicalType`).
                match kind {
                    Kind::Timestamp => {
                        t.field_struct(10);
                        t.field_struct(8); // TIMESTAMP
                        t.bool(1, true); // isAdjustedToUTC
                        t.field_struct(2); // unit
                        t.field_struct(1); // MILLIS
                        t.struct_end();
                        t.struct_end();
                        t.struct_end();
                        t.struct_end();
                    }
                    Kind::UInt64 | Kind::UInt32 => {
                        t.field_struct(10);
                        t.field_struct(10); // INTEGER
                        t.i8(1, if kind == Kind::UInt64 { 64 } else { 32 });
                        t.bool(2, false); // isSigned
                        t.struct_end();
                        t.struct_end();
                    }
                    Kind::String { .. } => {
                        t.field_struct(10);
                        t.field_struct(1); // STRING
                        t.struct_end();
                        t.struct_end();
                    }
                    Kind::Boolean { .. } | Kind::Float64 => {}
                }
                t.struct_end();
            }

            let mut tail = Vec::new();
            let mut t = Thrift::new(&mut tail);
            t.last = 4; // after FileMetaData.row_groups
            let arrow_schema = parquet::arrow::encode_arrow_schema(&columns::schema());
            t.list_begin(5, T_STRUCT, 2);
            // In the order arrow-rs writes them.
            for (key, value) in [
                (super::SCHEMA_VERSION_KEY, super::SCHEMA_VERSION),
                (parquet::arrow::ARROW_SCHEMA_META_KEY, arrow_schema.as_str()),
            ] {
                t.struct_begin();
                t.binary(1, key.as_bytes());
                t.binary(2, value.as_bytes());
                t.struct_end();
            }
            t.binary(6, format!("hitflow {}", env!("CARGO_PKG_VERSION")).as_bytes());
            // Every column's statistics use its type's defined order (unsigned for the UINT
            // columns, bytewise for strings).
            t.list_begin(7, T_STRUCT, columns::KINDS.len());
            for _ in columns::KINDS {
                t.struct_begin();
                t.field_struct(1); // TYPE_ORDER
                t.struct_end();
                t.struct_end();
            }
            t.stop();
            Constant { schema, tail }
        })
    }

    /// Writes one file: `PAR1`, each column's pages, the footer, its length, `PAR1`.
    /// `write_columns` writes the `rows` rows' columns in storage order.
    pub(crate) fn write<'a>(
        rows: usize,
        write_columns: impl FnOnce(&mut Writer<'a>) -> Result<(), SchemaError>,
    ) -> Result<Vec<u8>, SchemaError> {
        let constant = constant();
        let mut w = Writer {
            out: Vec::with_capacity(4096 + rows * 160),
            chunks: Vec::with_capacity(columns::KINDS.len() * 48),
            body: Vec::with_capacity(rows * 24),
            slots: Vec::new(),
            entries: Vec::new(),
            indices: Vec::with_capacity(rows),
            rows,
            total_size: 0,
        };
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

    fn too_large() -> SchemaError {
        SchemaError::Parquet(parquet::errors::ParquetError::General(
            "batch too large for one page per column".into(),
        ))
    }

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
        out: Vec<u8>,
        /// The `ColumnChunk` structs written so far (Thrift), the row group's column list.
        chunks: Vec<u8>,
        /// A page body being built.
        body: Vec<u8>,
        /// Open-addressing table of dictionary entries (`u32::MAX` is empty).
        slots: Vec<u32>,
        /// The distinct strings of the column, in first-seen order.
        entries: Vec<&'a str>,
        /// Each present value's dictionary index.
        indices: Vec<u32>,
        rows: usize,
        total_size: i64,
    }

    impl<'a> Writer<'a> {
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
            let bounds =
                (any_false || any_true).then(|| (fixed(&[u8::from(!any_false)]), fixed(&[u8::from(any_true)])));
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

    /// `values` in the RLE/bit-packed hybrid: one RLE run when they are all equal, else one
    /// bit-packed run (groups of 8, LSB first, the last group padded).
    fn hybrid(out: &mut Vec<u8>, values: &[u32], bit_width: u8) {
        let Some(&first) = values.first() else {
            return;
        };
        if values.iter().all(|&v| v == first) {
            varint(out, (values.len() as u64) << 1);
            let bytes = first.to_le_bytes();
            out.extend_from_slice(&bytes[..usize::from(bit_width).div_ceil(8)]);
            return;
        }
        bit_packed_run(out, values.iter().map(|&v| u64::from(v)), values.len(), bit_width);
    }

    /// `count` values (each below 2^`bit_width`, at most 32 bits) as one bit-packed run of the
    /// RLE/bit-packing hybrid: a ULEB128 header `(groups << 1) | 1`, then groups of 8 values
    /// packed LSB first, the last group padded with zeros. Also used by the reporter's
    /// `sessions.parquet` writer.
    pub fn bit_packed_run(out: &mut Vec<u8>, values: impl Iterator<Item = u64>, count: usize, bit_width: u8) {
        let groups = count.div_ceil(8);
        varint(out, ((groups as u64) << 1) | 1);
        let start = out.len();
        let (mut acc, mut bits) = (0u64, 0u32);
        for v in values.take(count) {
            acc |= v << bits;
            bits += u32::from(bit_width);
            while bits >= 8 {
                out.push(acc as u8);
                acc >>= 8;
                bits -= 8;
            }
        }
        if bits > 0 {
            out.push(acc as u8);
        }
        out.resize(start + groups * usize::from(bit_width), 0);
    }

    /// `count` booleans as one bit-packed run at bit width 1.
    fn bit_pack_bools(out: &mut Vec<u8>, values: impl Iterator<Item = bool>, count: usize) {
        let groups = count.div_ceil(8);
        varint(out, ((groups as u64) << 1) | 1);
        let start = out.len();
        let (mut acc, mut bits) = (0u8, 0);
        for v in values.take(count) {
            acc |= u8::from(v) << bits;
            bits += 1;
            if bits == 8 {
                out.push(acc);
                (acc, bits) = (0, 0);
            }
        }
        if bits > 0 {
            out.push(acc);
        }
        out.resize(start + groups, 0);
    }

    fn varint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    fn zigzag(v: i64) -> u64 {
        ((v << 1) ^ (v >> 63)) as u64
    }

    /// A Thrift compact-protocol writer; `last` is the previous field id of the current struct.
    struct Thrift<'o> {
        out: &'o mut Vec<u8>,
        last: i16,
        outer: [i16; 8],
        depth: usize,
    }

    impl<'o> Thrift<'o> {
        fn new(out: &'o mut Vec<u8>) -> Self {
            Thrift {
                out,
                last: 0,
                outer: [0; 8],
                depth: 0,
            }
        }

        fn field(&mut self, id: i16, ty: u8) {
            let delta = id - self.last;
            if (1..=15).contains(&delta) {
                self.out.push(((delta as u8) << 4) | ty);
            } else {
                self.out.push(ty);
                varint(self.out, zigzag(i64::from(id)));
            }
            self.last = id;
        }

        fn i8(&mut self, id: i16, v: i8) {
            self.field(id, T_I8);
            self.out.push(v as u8);
        }

        fn i16(&mut self, id: i16, v: i16) {
            self.field(id, 4);
            varint(self.out, zigzag(i64::from(v)));
        }

        fn i32(&mut self, id: i16, v: i32) {
            self.field(id, T_I32);
            varint(self.out, zigzag(i64::from(v)));
        }

        fn i64(&mut self, id: i16, v: i64) {
            self.field(id, T_I64);
            varint(self.out, zigzag(v));
        }

        fn bool(&mut self, id: i16, v: bool) {
            self.field(id, if v { T_TRUE } else { T_FALSE });
        }

        fn binary(&mut self, id: i16, v: &[u8]) {
            self.field(id, T_BINARY);
            varint(self.out, v.len() as u64);
            self.out.extend_from_slice(v);
        }

        fn list_begin(&mut self, id: i16, elem: u8, len: usize) {
            self.field(id, T_LIST);
            if len < 15 {
                self.out.push(((len as u8) << 4) | elem);
            } else {
                self.out.push(0xf0 | elem);
                varint(self.out, len as u64);
            }
        }

        /// A struct field; its fields follow, then `struct_end`.
        fn field_struct(&mut self, id: i16) {
            self.field(id, T_STRUCT);
            self.struct_begin();
        }

        /// A struct as a list element (or the nested part of `field_struct`).
        fn struct_begin(&mut self) {
            if let Some(slot) = self.outer.get_mut(self.depth) {
                *slot = self.last;
            }
            self.depth += 1;
            self.last = 0;
        }

        fn struct_end(&mut self) {
            self.out.push(0);
            self.depth = self.depth.saturating_sub(1);
            self.last = self.outer.get(self.depth).copied().unwrap_or(0);
        }

        /// Ends the top-level struct.
        fn stop(&mut self) {
            self.out.push(0);
        }
    }
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
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::file::reader::{FileReader, SerializedFileReader};

    use crate::columns::{write_batch_parquet, write_batch_rows, HitRow};
    use crate::{read_parquet, write_parquet, Hit};

    fn some(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    /// Every column set.
    fn full(i: u64) -> Hit {
        Hit {
            ts: 1_764_320_400_000 + i as i64,
            hit_id: u64::MAX - i,
            site: "example.com".into(),
            event: if i.is_multiple_of(3) { "signup" } else { "pageview" }.into(),
            visitor_id: i.wrapping_mul(0x9e37_79b9_7f4a_7c15),
            url_host: "example.com".into(),
            url_path: format!("/p/{}", i % 7),
            referrer_host: some("google.com"),
            referrer_path: some("/search"),
            utm_source: some("newsletter"),
            utm_medium: some("email"),
            utm_campaign: some("Winter Sale ✓"),
            utm_term: some("shoes"),
            utm_content: some("banner"),
            ref_param: some("hn"),
            click_id_kind: some("gclid"),
            country: some("DE"),
            region: some("Berlin"),
            city: some("Berlin"),
            continent: some("EU"),
            timezone: some("Europe/Berlin"),
            asn: Some(3320 + i as u32),
            as_org: some("Deutsche Telekom AG"),
            colo: some("FRA"),
            device_type: "desktop".into(),
            browser: some("Chrome"),
            browser_version: some("131"),
            os: some("Windows"),
            os_version: some("10"),
            is_bot: i.is_multiple_of(2),
            bot_reason: i.is_multiple_of(2).then(|| "ua:crawler".to_owned()),
            engaged_ms: Some(i as u32 * 1000),
            screen_width: Some(1280),
            revenue: Some(i as f64 - 2.5),
            currency: some("EUR"),
            props: some(r#"{"plan":"pro"}"#),
            entry: Some(i.is_multiple_of(4)),
        }
    }

    fn batches() -> Vec<(&'static str, Vec<Hit>)> {
        let mixed: Vec<Hit> = (0..100)
            .map(|i| {
                if i % 3 == 0 {
                    full(i)
                } else {
                    Hit {
                        ts: i as i64,
                        ..Hit::default()
                    }
                }
            })
            .collect();
        // 300 distinct paths: dictionary indices need 9 bits.
        let wide: Vec<Hit> = (0..300)
            .map(|i| Hit {
                url_path: format!("/{i}/{}", "x".repeat(i as usize % 90)),
                ..full(i)
            })
            .collect();
        vec![
            ("one", vec![full(1)]),
            ("defaults", vec![Hit::default(); 3]),
            ("full", (0..100).map(full).collect()),
            ("mixed", mixed),
            ("wide", wide),
            ("empty", vec![]),
        ]
    }

    #[test]
    fn batch_files_read_back_as_written() {
        for (label, hits) in batches() {
            let bytes = write_batch_parquet(&hits).expect(label);
            // Borrowed rows make the very same file.
            let rows: Vec<HitRow<'_>> = hits.iter().map(HitRow::from).collect();
            assert_eq!(write_batch_rows(&rows).expect(label), bytes, "{label}");
            assert!(rows.iter().zip(&hits).all(|(r, h)| r.to_hit() == *h), "{label}");
            assert_eq!(read_parquet(bytes).expect(label), hits, "{label}");
        }
    }

    #[test]
    fn batch_files_have_the_hit_schema_and_metadata() {
        let hits: Vec<Hit> = (0..10).map(full).collect();
        let reference = bytes::Bytes::from(write_parquet(&hits).unwrap());
        let batch = bytes::Bytes::from(write_batch_parquet(&hits).unwrap());
        let arrow = |b: &bytes::Bytes| {
            ParquetRecordBatchReaderBuilder::try_new(b.clone())
                .unwrap()
                .schema()
                .clone()
        };
        assert_eq!(arrow(&batch), arrow(&reference), "Arrow schema");
        let file = |b: &bytes::Bytes| SerializedFileReader::new(b.clone()).unwrap();
        let (batch, reference) = (file(&batch), file(&reference));
        let (m, r) = (batch.metadata().file_metadata(), reference.metadata().file_metadata());
        assert_eq!(
            m.schema_descr().root_schema(),
            r.schema_descr().root_schema(),
            "Parquet schema"
        );
        assert_eq!(m.key_value_metadata(), r.key_value_metadata());
        assert_eq!((m.num_rows(), m.created_by()), (10, r.created_by()));
        // arrow-rs declares IEEE 754 total order for DOUBLE; the batch writer keeps the classic
        // type-defined order (NaN left out, zero bounds as -0.0/+0.0) that every reader knows.
        let orders = |m: &parquet::file::metadata::FileMetaData| {
            let mut orders = m.column_orders().cloned().unwrap_or_default();
            orders.retain(|o| !matches!(o, parquet::basic::ColumnOrder::IEEE_754_TOTAL_ORDER));
            orders
        };
        let revenue = crate::columns::ALL.iter().position(|c| *c == "revenue").unwrap();
        let mut expected = m.column_orders().cloned().unwrap_or_default();
        expected.remove(revenue);
        assert_eq!(expected, orders(r));
        assert_eq!(batch.metadata().num_row_groups(), 1);
    }

    #[test]
    fn batch_statistics() {
        let mut hits: Vec<Hit> = (0..5).map(full).collect();
        hits[1].hit_id = 1; // unsigned order: 1 is the min, u64::MAX the max
        hits[2].hit_id = u64::MAX;
        hits[3].ts = -5;
        hits[0].revenue = Some(0.0);
        hits[4].revenue = None;
        hits[2].props = Some("p".repeat(65));
        let bytes = bytes::Bytes::from(write_batch_parquet(&hits).unwrap());
        let reader = SerializedFileReader::new(bytes).unwrap();
        let group = reader.metadata().row_group(0);
        let stats = |name: &str| {
            let i = crate::columns::ALL.iter().position(|c| *c == name).unwrap();
            group.column(i).statistics().cloned().expect(name)
        };
        let bounds = |name: &str| {
            let s = stats(name);
            (
                s.min_bytes_opt().map(<[u8]>::to_vec),
                s.max_bytes_opt().map(<[u8]>::to_vec),
            )
        };
        let le = |v: i64| Some(v.to_le_bytes().to_vec());
        assert_eq!(bounds("ts"), (le(-5), le(1_764_320_400_004)));
        assert_eq!(bounds("hit_id"), (le(1), le(-1)));
        assert_eq!(bounds("event"), (Some(b"pageview".to_vec()), Some(b"signup".to_vec())));
        assert_eq!(bounds("props"), (None, None), "a bound over 64 bytes is left out");
        assert_eq!(bounds("is_bot"), (Some(vec![0]), Some(vec![1])));
        assert_eq!(
            bounds("revenue"),
            (
                Some((-1.5f64).to_le_bytes().to_vec()),
                Some(0.5f64.to_le_bytes().to_vec())
            )
        );
        assert_eq!(stats("revenue").null_count_opt(), Some(1));
        assert_eq!(stats("utm_term").null_count_opt(), Some(0));
        let only_zero = vec![Hit {
            revenue: Some(0.0),
            ..Hit::default()
        }];
        let reader = SerializedFileReader::new(bytes::Bytes::from(write_batch_parquet(&only_zero).unwrap())).unwrap();
        let i = crate::columns::ALL.iter().position(|c| *c == "revenue").unwrap();
        let s = reader.metadata().row_group(0).column(i).statistics().cloned().unwrap();
        assert_eq!(s.min_bytes_opt(), Some(&(-0.0f64).to_le_bytes()[..]));
        assert_eq!(s.max_bytes_opt(), Some(&0.0f64.to_le_bytes()[..]));
        let j = crate::columns::ALL.iter().position(|c| *c == "utm_term").unwrap();
        let s = reader.metadata().row_group(0).column(j).statistics().cloned().unwrap();
        assert_eq!((s.null_count_opt(), s.min_bytes_opt()), (Some(1), None), "all null");
    }
}
