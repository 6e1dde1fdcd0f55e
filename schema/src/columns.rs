//! The Parquet/Arrow columns of a hit, declared once.
//!
//! [`with_hit_columns!`](crate::with_hit_columns) holds the single list of columns. From it this
//! module generates the Arrow schema, the column-name constants ([`names`], [`ALL`]), the storage
//! kinds ([`KINDS`]), [`HitRow`], the batch writer's columns, the `Hit` → `RecordBatch` encoder
//! and the `RecordBatch` → `Hit` decoder; the collector generates its Queue message codec. So
//! the collector (writer) and the reporter (reader) cannot drift apart.

use std::sync::{Arc, OnceLock};

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, StringBuilder, TimestampMillisecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, RecordBatch, StringArray, TimestampMillisecondArray, UInt32Array,
    UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};

use crate::{Hit, SchemaError};

/// Time zone stamped on the `ts` column so DuckDB/Spark read it as an instant.
const TS_TZ: &str = "UTC";

// Per-kind helpers used by the macro: Arrow type, builder, push, and read-back.
macro_rules! kind_type {
    (ts) => {
        DataType::Timestamp(TimeUnit::Millisecond, Some(TS_TZ.into()))
    };
    (u64) => {
        DataType::UInt64
    };
    (str) => {
        DataType::Utf8
    };
    (opt_str) => {
        DataType::Utf8
    };
    (opt_u32) => {
        DataType::UInt32
    };
    (bool) => {
        DataType::Boolean
    };
    (opt_bool) => {
        DataType::Boolean
    };
    (opt_f64) => {
        DataType::Float64
    };
}
macro_rules! kind_nullable {
    (opt_str) => {
        true
    };
    (opt_u32) => {
        true
    };
    (opt_bool) => {
        true
    };
    (opt_f64) => {
        true
    };
    ($other:ident) => {
        false
    };
}
macro_rules! kind_array {
    (ts, $hits:expr, $f:ident) => {{
        let mut b = TimestampMillisecondBuilder::with_capacity($hits.len());
        for h in $hits {
            b.append_value(h.$f);
        }
        Arc::new(b.finish().with_timezone(TS_TZ)) as ArrayRef
    }};
    (u64, $hits:expr, $f:ident) => {{
        let mut b = UInt64Builder::with_capacity($hits.len());
        for h in $hits {
            b.append_value(h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (str, $hits:expr, $f:ident) => {{
        let mut b = StringBuilder::with_capacity($hits.len(), $hits.len() * 16);
        for h in $hits {
            b.append_value(&h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (opt_str, $hits:expr, $f:ident) => {{
        let mut b = StringBuilder::with_capacity($hits.len(), $hits.len() * 8);
        for h in $hits {
            b.append_option(h.$f.as_deref());
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (opt_u32, $hits:expr, $f:ident) => {{
        let mut b = UInt32Builder::with_capacity($hits.len());
        for h in $hits {
            b.append_option(h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (bool, $hits:expr, $f:ident) => {{
        let mut b = BooleanBuilder::with_capacity($hits.len());
        for h in $hits {
            b.append_value(h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (opt_bool, $hits:expr, $f:ident) => {{
        let mut b = BooleanBuilder::with_capacity($hits.len());
        for h in $hits {
            b.append_option(h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
    (opt_f64, $hits:expr, $f:ident) => {{
        let mut b = Float64Builder::with_capacity($hits.len());
        for h in $hits {
            b.append_option(h.$f);
        }
        Arc::new(b.finish()) as ArrayRef
    }};
}
macro_rules! kind_read {
    (ts, $col:expr, $i:expr) => {
        downcast::<TimestampMillisecondArray>($col)?.value($i)
    };
    (u64, $col:expr, $i:expr) => {
        downcast::<UInt64Array>($col)?.value($i)
    };
    (str, $col:expr, $i:expr) => {
        downcast::<StringArray>($col)?.value($i).to_owned()
    };
    (opt_str, $col:expr, $i:expr) => {{
        let a = downcast::<StringArray>($col)?;
        a.is_valid($i).then(|| a.value($i).to_owned())
    }};
    (opt_u32, $col:expr, $i:expr) => {{
        let a = downcast::<UInt32Array>($col)?;
        a.is_valid($i).then(|| a.value($i))
    }};
    (bool, $col:expr, $i:expr) => {
        downcast::<BooleanArray>($col)?.value($i)
    };
    (opt_bool, $col:expr, $i:expr) => {{
        let a = downcast::<BooleanArray>($col)?;
        a.is_valid($i).then(|| a.value($i))
    }};
    (opt_f64, $col:expr, $i:expr) => {{
        let a = downcast::<Float64Array>($col)?;
        a.is_valid($i).then(|| a.value($i))
    }};
}

// The per-kind call of the batch writer (`crate::batch_writer`) for one column. `$h` is a `Hit` or
// a `HitRow`: the expressions read both.
macro_rules! kind_batch {
    (ts, $w:expr, $hits:expr, $f:ident) => {
        $w.int64(stringify!($f), $hits.iter().map(|h| h.$f), true)
    };
    (u64, $w:expr, $hits:expr, $f:ident) => {
        // Stored as INT64 bits; statistics compare them unsigned (UINT_64).
        $w.int64(stringify!($f), $hits.iter().map(|h| h.$f as i64), false)
    };
    (str, $w:expr, $hits:expr, $f:ident) => {
        $w.strings(
            stringify!($f),
            $hits.iter().map(|h| Some(AsRef::<str>::as_ref(&h.$f))),
            false,
        )
    };
    (opt_str, $w:expr, $hits:expr, $f:ident) => {
        $w.strings(stringify!($f), $hits.iter().map(|h| h.$f.as_deref()), true)
    };
    (opt_u32, $w:expr, $hits:expr, $f:ident) => {
        $w.uint32(stringify!($f), $hits.iter().map(|h| h.$f))
    };
    (bool, $w:expr, $hits:expr, $f:ident) => {
        $w.booleans(stringify!($f), $hits.iter().map(|h| Some(h.$f)), false)
    };
    (opt_bool, $w:expr, $hits:expr, $f:ident) => {
        $w.booleans(stringify!($f), $hits.iter().map(|h| h.$f), true)
    };
    (opt_f64, $w:expr, $hits:expr, $f:ident) => {
        $w.doubles(stringify!($f), $hits.iter().map(|h| h.$f))
    };
}
// `HitRow` field types, and conversions between `Hit` and `HitRow` fields.
macro_rules! kind_row_type {
    (ts, $l:lifetime) => { i64 };
    (u64, $l:lifetime) => { u64 };
    (str, $l:lifetime) => { &$l str };
    (opt_str, $l:lifetime) => { Option<&$l str> };
    (opt_u32, $l:lifetime) => { Option<u32> };
    (bool, $l:lifetime) => { bool };
    (opt_bool, $l:lifetime) => { Option<bool> };
    (opt_f64, $l:lifetime) => { Option<f64> };
}
macro_rules! kind_to_row {
    (str, $v:expr) => {
        $v.as_str()
    };
    (opt_str, $v:expr) => {
        $v.as_deref()
    };
    ($other:ident, $v:expr) => {
        $v
    };
}
macro_rules! kind_to_hit {
    (str, $v:expr) => {
        $v.to_owned()
    };
    (opt_str, $v:expr) => {
        $v.map(str::to_owned)
    };
    ($other:ident, $v:expr) => {
        $v
    };
}
macro_rules! kind_of {
    (ts) => {
        Kind::Timestamp
    };
    (u64) => {
        Kind::UInt64
    };
    (str) => {
        Kind::String { optional: false }
    };
    (opt_str) => {
        Kind::String { optional: true }
    };
    (opt_u32) => {
        Kind::UInt32
    };
    (bool) => {
        Kind::Boolean { optional: false }
    };
    (opt_bool) => {
        Kind::Boolean { optional: true }
    };
    (opt_f64) => {
        Kind::Float64
    };
}

/// How a column is stored, for the batch writer's Parquet schema (`crate::batch_writer`). Optional
/// numbers are always nullable, `ts` and the ids never are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// INT64, TIMESTAMP(MILLIS, UTC), required.
    Timestamp,
    /// INT64, INTEGER(64, unsigned), required.
    UInt64,
    /// BYTE_ARRAY, STRING.
    String { optional: bool },
    /// INT32, INTEGER(32, unsigned), optional.
    UInt32,
    /// BOOLEAN.
    Boolean { optional: bool },
    /// DOUBLE, optional.
    Float64,
}

macro_rules! hit_columns {
    ($( $field:ident : $kind:ident ),* $(,)?) => {
        /// Every column with how it is stored, in storage order.
        pub const KINDS: &[(&str, Kind)] = &[$( (stringify!($field), kind_of!($kind)) ),*];

        /// A hit whose text is borrowed, e.g. from the Queue message it was decoded from: the
        /// same columns as [`Hit`], written by [`crate::batch_writer::write_batch_rows`] without copying a string.
        #[derive(Debug, Clone, Copy, PartialEq)]
        pub struct HitRow<'a> {
            $( pub $field: kind_row_type!($kind, 'a), )*
        }

        impl<'a> From<&'a Hit> for HitRow<'a> {
            fn from(h: &'a Hit) -> Self {
                HitRow { $( $field: kind_to_row!($kind, h.$field) ),* }
            }
        }

        impl HitRow<'_> {
            /// The owned hit.
            pub fn to_hit(&self) -> Hit {
                Hit { $( $field: kind_to_hit!($kind, self.$field) ),* }
            }
        }

        /// Writes every column of `hits` through the batch writer, in storage order.
        pub(crate) fn write_batch_hits<'a>(w: &mut crate::batch_writer::Writer<'a>, hits: &'a [Hit]) -> Result<(), SchemaError> {
            $( kind_batch!($kind, w, hits, $field)?; )*
            Ok(())
        }

        /// The same for borrowed rows.
        pub(crate) fn write_batch_hit_rows<'a>(
            w: &mut crate::batch_writer::Writer<'a>,
            rows: &'a [HitRow<'_>],
        ) -> Result<(), SchemaError> {
            $( kind_batch!($kind, w, rows, $field)?; )*
            Ok(())
        }

        /// Column names, in storage order. Also the `Hit` field names.
        #[allow(non_upper_case_globals)]
        pub mod names {
            $( pub const $field: &str = stringify!($field); )*
        }
        /// Every column name, in storage order.
        pub const ALL: &[&str] = &[$( stringify!($field) ),*];

        fn build_schema() -> Schema {
            Schema::new(vec![
                $( Field::new(stringify!($field), kind_type!($kind), kind_nullable!($kind)) ),*
            ])
        }

        /// Encodes hits as one Arrow record batch with [`schema`].
        pub fn to_record_batch(hits: &[Hit]) -> Result<RecordBatch, SchemaError> {
            let columns: Vec<ArrayRef> = vec![ $( kind_array!($kind, hits, $field) ),* ];
            Ok(RecordBatch::try_new(schema(), columns)?)
        }

        /// Decodes a record batch holding the hit columns (any order) back into hits. A nullable
        /// column the batch lacks (a file written before the column was added) reads as `None`.
        pub fn from_record_batch(batch: &RecordBatch) -> Result<Vec<Hit>, SchemaError> {
            #[allow(non_snake_case)]
            struct Cols<'a> { $( $field: Option<&'a ArrayRef> ),* }
            let cols = Cols { $( $field: column_if_nullable(batch, stringify!($field), kind_nullable!($kind))? ),* };
            let mut hits = Vec::with_capacity(batch.num_rows());
            for i in 0..batch.num_rows() {
                hits.push(Hit {
                    $( $field: match cols.$field {
                        Some(col) => kind_read!($kind, col, i),
                        // Only nullable columns may be absent: this is their `None`.
                        None => Default::default(),
                    } ),*
                });
            }
            Ok(hits)
        }
    };
}

/// Calls the macro named `$callback` with every hit column as `name: kind`, in storage order:
/// the one list of columns. This module generates the Arrow schema, [`names`], [`ALL`],
/// [`HitRow`] and the batch writer's columns from it; the collector its Queue message codec.
///
/// Kinds: `ts` (i64 milliseconds, UTC), `u64`, `str`, `bool`, and the nullable `opt_str`,
/// `opt_u32`, `opt_bool`, `opt_f64`.
#[macro_export]
macro_rules! with_hit_columns {
    ($callback:ident) => {
        $callback! {
            ts: ts,
            hit_id: u64,
            site: str,
            event: str,
            visitor_id: u64,
            url_host: str,
            url_path: str,
            referrer_host: opt_str,
            referrer_path: opt_str,
            utm_source: opt_str,
            utm_medium: opt_str,
            utm_campaign: opt_str,
            utm_term: opt_str,
            utm_content: opt_str,
            ref_param: opt_str,
            click_id_kind: opt_str,
            country: opt_str,
            region: opt_str,
            city: opt_str,
            continent: opt_str,
            timezone: opt_str,
            asn: opt_u32,
            as_org: opt_str,
            colo: opt_str,
            device_type: str,
            browser: opt_str,
            browser_version: opt_str,
            os: opt_str,
            os_version: opt_str,
            is_bot: bool,
            bot_reason: opt_str,
            engaged_ms: opt_u32,
            screen_width: opt_u32,
            scroll_depth: opt_u32,
            revenue: opt_f64,
            currency: opt_str,
            props: opt_str,
            entry: opt_bool,
        }
    };
}

with_hit_columns!(hit_columns);

/// The Arrow schema of stored hits (shared, built once).
pub fn schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA.get_or_init(|| Arc::new(build_schema())).clone()
}

/// The named column; `None` if the batch lacks it and it is `nullable`, an error otherwise.
fn column_if_nullable<'a>(
    batch: &'a RecordBatch,
    name: &'static str,
    nullable: bool,
) -> Result<Option<&'a ArrayRef>, SchemaError> {
    match batch.column_by_name(name) {
        Some(col) => Ok(Some(col)),
        None if nullable => Ok(None),
        None => Err(SchemaError::MissingColumn(name)),
    }
}

fn downcast<T: 'static>(col: &ArrayRef) -> Result<&T, SchemaError> {
    col.as_any()
        .downcast_ref::<T>()
        .ok_or_else(|| SchemaError::WrongType(col.data_type().to_string()))
}
