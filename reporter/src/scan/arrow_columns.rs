//! Arrow arrays of a batch into `HitColumns`. String columns come as dictionary arrays, so each
//! distinct string is interned once per dictionary, not per row.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, TimestampMillisecondType, UInt32Type, UInt64Type};
use arrow_array::{Array, ArrayRef, ArrowPrimitiveType, BooleanArray, PrimitiveArray, RecordBatch, StringArray};
use hitflow_schema::columns::names as col;

use super::columns::HitColumns;
use super::decode::{DecodeError, Projection, STRING_COLUMNS};
use crate::rows::intern::Interner;

/// Per string column: the dictionary array last seen and its values' ids (batches of one
/// column chunk share their dictionary array).
pub type DictionaryIds = [Option<(ArrayRef, Vec<u32>)>; STRING_COLUMNS.len()];

/// A stored double as the reader keeps it: NaN is reserved for null, so a stored NaN reads as
/// +inf (and is then refused with the other absurd revenues).
fn stored_double(v: f64) -> f64 {
    if v.is_nan() {
        f64::INFINITY
    } else {
        v
    }
}

fn type_error(name: &str) -> DecodeError {
    DecodeError::Schema(format!("column `{name}` has an unexpected type"))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, DecodeError> {
    batch
        .column_by_name(name)
        .ok_or_else(|| DecodeError::Schema(format!("column `{name}` is missing")))
}

fn primitive<'a, T: ArrowPrimitiveType>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a PrimitiveArray<T>, DecodeError> {
    column(batch, name)?
        .as_primitive_opt::<T>()
        .ok_or_else(|| type_error(name))
}

fn values<T: ArrowPrimitiveType, V>(array: &PrimitiveArray<T>, null: V, map: impl Fn(T::Native) -> V, out: &mut Vec<V>)
where
    V: Copy,
{
    match array.nulls() {
        None => out.extend(array.values().iter().map(|&v| map(v))),
        Some(nulls) => out.extend(
            array
                .values()
                .iter()
                .zip(nulls.iter())
                .map(|(&v, valid)| if valid { map(v) } else { null }),
        ),
    }
}

fn validity(array: &dyn Array) -> Vec<bool> {
    if array.null_count() == 0 {
        Vec::new()
    } else {
        (0..array.len()).map(|i| array.is_valid(i)).collect()
    }
}

fn booleans(array: &BooleanArray, out: &mut Vec<bool>) {
    out.extend((0..array.len()).map(|i| array.is_valid(i) && array.value(i)));
}

/// Interns the distinct values of a dictionary once, reused while the array stays the same.
fn dictionary_ids<'c>(
    values: &ArrayRef,
    cache: &'c mut Option<(ArrayRef, Vec<u32>)>,
    strings: &mut Interner,
) -> Option<&'c [u32]> {
    let fresh = !cache.as_ref().is_some_and(|(seen, _)| Arc::ptr_eq(seen, values));
    if fresh {
        let text: &StringArray = values.as_string_opt::<i32>()?;
        let ids = (0..text.len())
            .map(|v| {
                if text.is_valid(v) {
                    strings.intern(text.value(v))
                } else {
                    0
                }
            })
            .collect();
        *cache = Some((values.clone(), ids));
    }
    cache.as_ref().map(|(_, ids)| ids.as_slice())
}

/// Fills `out` with the rows of `batch`.
pub fn batch_columns(
    batch: &RecordBatch,
    projection: Projection,
    strings: &mut Interner,
    dictionaries: &mut DictionaryIds,
    out: &mut HitColumns,
) -> Result<(), DecodeError> {
    out.clear(batch.num_rows());
    let ts = primitive::<TimestampMillisecondType>(batch, col::ts)?;
    values(ts, 0, |v| v, &mut out.ts);
    out.ts_valid = validity(ts);
    values(
        primitive::<UInt64Type>(batch, col::hit_id)?,
        0,
        |v| v as i64,
        &mut out.hit_id,
    );
    let visitor = primitive::<UInt64Type>(batch, col::visitor_id)?;
    values(visitor, 0, |v| v as i64, &mut out.visitor);
    out.visitor_valid = validity(visitor);
    let boolean = |name| column(batch, name)?.as_boolean_opt().ok_or_else(|| type_error(name));
    booleans(boolean(col::is_bot)?, &mut out.is_bot);
    values(
        primitive::<UInt32Type>(batch, col::engaged_ms)?,
        0,
        |v| v,
        &mut out.engaged_ms,
    );
    values(
        primitive::<UInt32Type>(batch, col::screen_width)?,
        0,
        |v| v,
        &mut out.screen_width,
    );
    // Files from before the column (schema version 1) lack it: no page view has a depth.
    match batch.column_by_name(col::scroll_depth) {
        None => out.scroll.resize(out.len, None),
        Some(array) => {
            let array = array
                .as_primitive_opt::<UInt32Type>()
                .ok_or_else(|| type_error(col::scroll_depth))?;
            values(array, None, |v| Some(v.min(100) as u8), &mut out.scroll);
        }
    }
    values(
        primitive::<Float64Type>(batch, col::revenue)?,
        f64::NAN,
        stored_double,
        &mut out.revenue,
    );
    if projection.entry {
        booleans(boolean(col::entry)?, &mut out.entry);
    }
    for ((cache, name), ids) in dictionaries.iter_mut().zip(STRING_COLUMNS).zip(&mut out.strings) {
        if !projection.reads(name) {
            continue;
        }
        let array = column(batch, name)?;
        if let Some(dict) = array.as_dictionary_opt::<Int32Type>() {
            let value_ids = dictionary_ids(dict.values(), cache, strings).ok_or_else(|| type_error(name))?;
            // A hostile file may hold keys outside its dictionary: they read as null.
            let keys = dict.keys();
            let id = |k: i32| value_ids.get(k as usize).copied().unwrap_or(0);
            match keys.nulls() {
                None => ids.extend(keys.values().iter().map(|&k| id(k))),
                Some(nulls) => ids.extend(
                    keys.values()
                        .iter()
                        .zip(nulls.iter())
                        .map(|(&k, valid)| if valid { id(k) } else { 0 }),
                ),
            }
        } else {
            let text = array.as_string_opt::<i32>().ok_or_else(|| type_error(name))?;
            ids.extend((0..text.len()).map(|i| {
                if text.is_valid(i) {
                    strings.intern(text.value(i))
                } else {
                    0
                }
            }));
        }
    }
    out.fill_unread(projection);
    Ok(())
}
