//! The parts of a batch file's footer that are the same in every file: the Parquet schema, the
//! key-value metadata (schema version, Arrow schema), `created_by` and the column orders.

use std::sync::OnceLock;

use super::thrift::*;
use crate::columns::{self, Kind};

/// The parts of the footer that are the same in every file.
pub(super) struct Constant {
    /// `FileMetaData` field 2, the schema (field 1, the version, precedes it).
    pub(super) schema: Vec<u8>,
    /// `FileMetaData` fields 5 to 7 (key-value metadata, created_by, column orders) and the
    /// struct's end.
    pub(super) tail: Vec<u8>,
}

pub(super) fn constant() -> &'static Constant {
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
            (crate::SCHEMA_VERSION_KEY, crate::SCHEMA_VERSION),
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
