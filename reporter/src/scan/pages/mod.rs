//! Hit files read page by page straight into the reporter's column buffers, without building
//! arrow arrays: parquet-rs still parses page headers and decompresses, and this module decodes
//! definition levels, dictionaries and values itself. Dictionary pages of string columns are
//! interned once; their data pages become string ids in one pass.
//!
//! It reads what hit files hold (flat columns; PLAIN, dictionary and RLE-boolean encodings;
//! data pages v1 and v2) and says `Unsupported` to anything else, so the caller can fall back to
//! the arrow reader, which also gives the canonical error for a damaged file.

pub mod hybrid;
mod values;

use bytes::Bytes;
use parquet::basic::{Encoding, Type as PhysicalType};
use parquet::column::page::{Page, PageReader};
use parquet::file::metadata::ParquetMetaData;
use parquet::file::serialized_reader::SerializedPageReader;
use std::sync::Arc;

use hybrid::{for_each_chunk, Chunk, Hybrid, Run};
pub use values::{stored_double, Bool, Double, Int32, Int64, Kind, Text};

#[derive(Debug, thiserror::Error)]
pub enum PageError {
    #[error("not read directly: {0}")]
    Unsupported(String),
    #[error("damaged page: {0}")]
    Corrupt(String),
    #[error(transparent)]
    Parquet(#[from] parquet::errors::ParquetError),
}

/// Per-row validity of a column, kept only once a null has been seen (empty: all valid).
#[derive(Debug, Default)]
pub struct Validity {
    pub valid: Vec<bool>,
}

/// Where one column of a row group is decoded to.
pub struct ColumnOut<'a, V> {
    pub values: &'a mut Vec<V>,
    /// Wanted only for columns whose nulls mean something else than the kind's `NULL`.
    pub validity: Option<&'a mut Validity>,
}

impl<'a, V> ColumnOut<'a, V> {
    pub fn new(values: &'a mut Vec<V>) -> Self {
        ColumnOut { values, validity: None }
    }

    pub fn with_validity(values: &'a mut Vec<V>, validity: &'a mut Validity) -> Self {
        ColumnOut {
            values,
            validity: Some(validity),
        }
    }
}

/// Reusable buffers for pages with nulls.
struct Scratch<V> {
    levels: Vec<LevelRun>,
    dense: Vec<V>,
}

/// One row group of a hit file.
pub struct RowGroup<'a> {
    pub file: &'a Bytes,
    pub metadata: &'a ParquetMetaData,
    pub index: usize,
}

impl RowGroup<'_> {
    pub fn rows(&self) -> Result<usize, PageError> {
        usize::try_from(self.metadata.row_group(self.index).num_rows())
            .map_err(|_| PageError::Corrupt("negative row count".into()))
    }

    /// The leaf index of column `name`, if it is a flat column of `physical` type.
    fn leaf(&self, name: &str, physical: PhysicalType) -> Result<usize, PageError> {
        let schema = self.metadata.file_metadata().schema_descr();
        let index = (0..schema.num_columns())
            .find(|&i| schema.column(i).path().parts() == [name])
            .ok_or_else(|| PageError::Unsupported(format!("no flat column `{name}`")))?;
        let column = schema.column(index);
        if column.physical_type() != physical || column.max_rep_level() != 0 || column.max_def_level() > 1 {
            return Err(PageError::Unsupported(format!(
                "column `{name}` is not a flat {physical}"
            )));
        }
        Ok(index)
    }

    /// Opens column `name` for reading with `K` (a flat column of `K::PHYSICAL` type).
    pub fn column<K: Kind>(&self, name: &str) -> Result<ColumnPages<K::Value>, PageError> {
        let leaf = self.leaf(name, K::PHYSICAL)?;
        let rows = self.rows()?;
        let chunk = self.metadata.row_group(self.index).column(leaf);
        let descriptor = self.metadata.file_metadata().schema_descr().column(leaf);
        Ok(ColumnPages {
            pages: SerializedPageReader::new(Arc::new(self.file.clone()), chunk, rows, None)?,
            nullable: descriptor.max_def_level() == 1,
            dictionary: None,
            scratch: Scratch {
                levels: Vec::new(),
                dense: Vec::new(),
            },
            rows,
            decoded: 0,
        })
    }
}

/// One column chunk, decoded a page at a time on demand.
pub struct ColumnPages<V> {
    pages: SerializedPageReader<Bytes>,
    nullable: bool,
    dictionary: Option<Vec<V>>,
    scratch: Scratch<V>,
    rows: usize,
    decoded: usize,
}

impl<V: Copy> ColumnPages<V> {
    /// Decodes pages until `out` holds at least `want` values (nulls as `K::NULL`), or the
    /// chunk's rows are all decoded. `validity` is relative to the start of `out`.
    pub fn fill<K: Kind<Value = V>>(
        &mut self,
        kind: &mut K,
        want: usize,
        out: ColumnOut<'_, V>,
    ) -> Result<(), PageError> {
        let ColumnOut { values, mut validity } = out;
        while values.len() < want && self.decoded < self.rows {
            let Some(page) = self.pages.get_next_page()? else {
                return Err(PageError::Corrupt(format!(
                    "{} values for {} rows",
                    self.decoded, self.rows
                )));
            };
            let (buf, num_values, encoding, levels, data) = match page {
                Page::DictionaryPage {
                    buf,
                    num_values,
                    encoding,
                    ..
                } => {
                    if !matches!(encoding, Encoding::PLAIN | Encoding::PLAIN_DICTIONARY) {
                        return Err(PageError::Unsupported(format!("{encoding} dictionary page")));
                    }
                    check_page_size(num_values)?;
                    // Every entry takes at least a byte, whatever the header claims.
                    let mut entries = Vec::with_capacity((num_values as usize).min(buf.len()));
                    kind.plain(&buf, num_values as usize, &mut entries)?;
                    self.dictionary = Some(entries);
                    continue;
                }
                Page::DataPage {
                    buf,
                    num_values,
                    encoding,
                    def_level_encoding,
                    ..
                } => {
                    let (levels, data) = if self.nullable {
                        if def_level_encoding != Encoding::RLE {
                            return Err(PageError::Unsupported(format!("{def_level_encoding} levels")));
                        }
                        let len = values::length_prefix(&buf, 0, "the levels")?;
                        if 4 + len > buf.len() {
                            return Err(PageError::Corrupt("levels longer than the page".into()));
                        }
                        (Some(4..4 + len), 4 + len..buf.len())
                    } else {
                        (None, 0..buf.len())
                    };
                    (buf, num_values, encoding, levels, data)
                }
                Page::DataPageV2 {
                    buf,
                    num_values,
                    encoding,
                    def_levels_byte_len,
                    rep_levels_byte_len,
                    ..
                } => {
                    let def = def_levels_byte_len as usize;
                    if rep_levels_byte_len != 0 || def > buf.len() {
                        return Err(PageError::Corrupt("level lengths do not fit a flat column".into()));
                    }
                    let (levels, data) = (self.nullable.then_some(0..def), def..buf.len());
                    (buf, num_values, encoding, levels, data)
                }
            };
            check_page_size(num_values)?;
            if num_values as usize > self.rows - self.decoded {
                return Err(PageError::Corrupt(format!(
                    "a page of {num_values} values past the {} rows",
                    self.rows
                )));
            }
            let page = DataPage {
                levels: levels.map(|r| &buf[r]),
                data: &buf[data],
                num_values: num_values as usize,
                encoding,
            };
            let before = values.len();
            page.decode(
                kind,
                self.dictionary.as_deref(),
                values,
                validity.as_deref_mut(),
                &mut self.scratch,
            )?;
            self.decoded += values.len() - before;
            if self.decoded > self.rows {
                return Err(PageError::Corrupt(format!("more values than the {} rows", self.rows)));
            }
        }
        Ok(())
    }
}

/// Pages of more values are left to the arrow reader, which decodes a page in bounded batches:
/// a damaged header can claim billions of values in a few bytes of runs. Writers cut pages far
/// smaller (parquet-rs at 20 Ki rows, the collector at a batch).
const MAX_PAGE_VALUES: u32 = 1 << 20;

fn check_page_size(num_values: u32) -> Result<(), PageError> {
    if num_values > MAX_PAGE_VALUES {
        return Err(PageError::Unsupported(format!("a page of {num_values} values")));
    }
    Ok(())
}

struct DataPage<'a> {
    /// Hybrid-encoded definition levels (bit width 1); `None` for a required column.
    levels: Option<&'a [u8]>,
    data: &'a [u8],
    num_values: usize,
    encoding: Encoding,
}

impl DataPage<'_> {
    fn decode<K: Kind>(
        &self,
        kind: &mut K,
        dictionary: Option<&[K::Value]>,
        out: &mut Vec<K::Value>,
        validity: Option<&mut Validity>,
        scratch: &mut Scratch<K::Value>,
    ) -> Result<(), PageError> {
        let n = self.num_values;
        let present = match self.levels {
            Some(levels) => level_runs(levels, n, &mut scratch.levels)?,
            None => n,
        };
        if present == n {
            // No nulls: values go straight to the column.
            if let Some(validity) = validity.filter(|v| !v.valid.is_empty()) {
                validity.valid.resize(validity.valid.len() + n, true);
            }
            return self.values(kind, dictionary, n, out);
        }
        scratch.dense.clear();
        self.values(kind, dictionary, present, &mut scratch.dense)?;
        let before = out.len();
        let levels = self.levels.unwrap_or(&[]);
        expand(&scratch.levels, levels, &scratch.dense, K::NULL, out);
        if let Some(validity) = validity {
            if validity.valid.is_empty() {
                validity.valid.resize(before, true);
            }
            let mut flags = Vec::with_capacity(n);
            expand(&scratch.levels, levels, &vec![true; present], false, &mut flags);
            validity.valid.extend_from_slice(&flags);
        }
        Ok(())
    }

    /// Appends the page's `count` non-null values.
    fn values<K: Kind>(
        &self,
        kind: &mut K,
        dictionary: Option<&[K::Value]>,
        count: usize,
        out: &mut Vec<K::Value>,
    ) -> Result<(), PageError> {
        if count == 0 {
            return Ok(());
        }
        match self.encoding {
            Encoding::PLAIN => kind.plain(self.data, count, out),
            Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY => {
                let dictionary = dictionary.ok_or_else(|| PageError::Corrupt("no dictionary page".into()))?;
                let (&width, indices) = self
                    .data
                    .split_first()
                    .ok_or_else(|| PageError::Corrupt("no index bit width".into()))?;
                let missing = || PageError::Corrupt("index outside the dictionary".into());
                // Indices of this width cannot leave a dictionary this large: no check needed.
                let in_range = u32::from(width) < 32 && dictionary.len() >= 1usize << width;
                out.reserve(count);
                for_each_chunk(Hybrid::new(indices, u32::from(width))?, count, |chunk| {
                    match chunk {
                        Chunk::Repeat { value, count } => {
                            let v = *dictionary.get(value as usize).ok_or_else(missing)?;
                            out.extend(std::iter::repeat_n(v, count));
                        }
                        Chunk::Values(indices) => {
                            if !in_range && indices.iter().any(|&i| i as usize >= dictionary.len()) {
                                return Err(missing());
                            }
                            out.extend(
                                indices
                                    .iter()
                                    .map(|&i| dictionary.get(i as usize).copied().unwrap_or(K::NULL)),
                            );
                        }
                    }
                    Ok(())
                })
            }
            other => kind.other(other, self.data, count, out),
        }
    }
}

/// A run of definition levels: all present, all null, or a bitmap (levels of width 1 packed
/// are a bitmap of presence, least significant bit first) at an offset into the levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelRun {
    Same { present: bool, count: usize },
    Bits { offset: usize, count: usize },
}

/// Splits `n` definition levels into runs (into `runs`) and counts the present ones.
fn level_runs(data: &[u8], n: usize, runs: &mut Vec<LevelRun>) -> Result<usize, PageError> {
    runs.clear();
    let mut stream = Hybrid::new(data, 1)?;
    let (mut left, mut present) = (n, 0);
    while left > 0 {
        let run = stream
            .next_run()?
            .ok_or_else(|| PageError::Corrupt(format!("{left} of {n} levels missing")))?;
        match run {
            Run::Repeat { value, count } => {
                if value > 1 {
                    return Err(PageError::Corrupt("definition level above 1".into()));
                }
                let count = count.min(left);
                present += if value == 1 { count } else { 0 };
                runs.push(LevelRun::Same {
                    present: value == 1,
                    count,
                });
                left -= count;
            }
            Run::Packed { data: bits, count } => {
                let count = count.min(left);
                let offset = bits.as_ptr() as usize - data.as_ptr() as usize;
                let whole = &bits[..count / 8];
                present += whole.iter().map(|b| b.count_ones() as usize).sum::<usize>();
                if !count.is_multiple_of(8) {
                    present += (bits[count / 8] & ((1u8 << (count % 8)) - 1)).count_ones() as usize;
                }
                runs.push(LevelRun::Bits { offset, count });
                left -= count;
            }
        }
    }
    Ok(present)
}

/// Spreads the present values `dense` over the positions the level runs mark present, `null`
/// elsewhere. A short `dense` (a damaged page) leaves the column short, which the caller's
/// row count check reports.
fn expand<V: Copy>(runs: &[LevelRun], levels: &[u8], dense: &[V], null: V, out: &mut Vec<V>) {
    let mut next = 0;
    for &run in runs {
        match run {
            LevelRun::Same { present: true, count } => {
                let values = dense.get(next..next + count).unwrap_or(&[]);
                out.extend_from_slice(values);
                next += count;
            }
            LevelRun::Same { present: false, count } => out.extend(std::iter::repeat_n(null, count)),
            LevelRun::Bits { offset, count } => {
                let bits = levels.get(offset..offset + count.div_ceil(8)).unwrap_or(&[]);
                for (byte_index, &byte) in bits.iter().enumerate() {
                    let in_byte = (count - byte_index * 8).min(8);
                    match byte {
                        0 if in_byte == 8 => out.extend([null; 8]),
                        0xff if in_byte == 8 => {
                            out.extend_from_slice(dense.get(next..next + 8).unwrap_or(&[]));
                            next += 8;
                        }
                        _ => {
                            for bit in 0..in_byte {
                                if byte >> bit & 1 == 1 {
                                    out.extend(dense.get(next).copied());
                                    next += 1;
                                } else {
                                    out.push(null);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
