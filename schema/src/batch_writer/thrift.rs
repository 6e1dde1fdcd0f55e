//! The Thrift compact protocol, as far as Parquet's page headers and footer need it, and the
//! parquet.thrift enum values the writer uses.

use super::encoding::{varint, zigzag};

// Parquet enums (parquet.thrift).
pub(super) const TYPE_BOOLEAN: i32 = 0;
pub(super) const TYPE_INT32: i32 = 1;
pub(super) const TYPE_INT64: i32 = 2;
pub(super) const TYPE_DOUBLE: i32 = 5;
pub(super) const TYPE_BYTE_ARRAY: i32 = 6;
pub(super) const REQUIRED: i32 = 0;
pub(super) const OPTIONAL: i32 = 1;
pub(super) const CONVERTED_UTF8: i32 = 0;
pub(super) const CONVERTED_TIMESTAMP_MILLIS: i32 = 9;
pub(super) const CONVERTED_UINT_32: i32 = 13;
pub(super) const CONVERTED_UINT_64: i32 = 14;
pub(super) const ENCODING_PLAIN: i32 = 0;
pub(super) const ENCODING_RLE: i32 = 3;
pub(super) const ENCODING_RLE_DICTIONARY: i32 = 8;
pub(super) const CODEC_UNCOMPRESSED: i32 = 0;
pub(super) const PAGE_DATA: i32 = 0;
pub(super) const PAGE_DICTIONARY: i32 = 2;

// Thrift compact protocol type ids.
pub(super) const T_TRUE: u8 = 1;
pub(super) const T_FALSE: u8 = 2;
pub(super) const T_I8: u8 = 3;
pub(super) const T_I32: u8 = 5;
pub(super) const T_I64: u8 = 6;
pub(super) const T_BINARY: u8 = 8;
pub(super) const T_LIST: u8 = 9;
pub(super) const T_STRUCT: u8 = 12;

/// A Thrift compact-protocol writer; `last` is the previous field id of the current struct.
pub(super) struct Thrift<'o> {
    pub(super) out: &'o mut Vec<u8>,
    pub(super) last: i16,
    outer: [i16; 8],
    depth: usize,
}

impl<'o> Thrift<'o> {
    pub(super) fn new(out: &'o mut Vec<u8>) -> Self {
        Thrift {
            out,
            last: 0,
            outer: [0; 8],
            depth: 0,
        }
    }

    pub(super) fn field(&mut self, id: i16, ty: u8) {
        let delta = id - self.last;
        if (1..=15).contains(&delta) {
            self.out.push(((delta as u8) << 4) | ty);
        } else {
            self.out.push(ty);
            varint(self.out, zigzag(i64::from(id)));
        }
        self.last = id;
    }

    pub(super) fn i8(&mut self, id: i16, v: i8) {
        self.field(id, T_I8);
        self.out.push(v as u8);
    }

    pub(super) fn i16(&mut self, id: i16, v: i16) {
        self.field(id, 4);
        varint(self.out, zigzag(i64::from(v)));
    }

    pub(super) fn i32(&mut self, id: i16, v: i32) {
        self.field(id, T_I32);
        varint(self.out, zigzag(i64::from(v)));
    }

    pub(super) fn i64(&mut self, id: i16, v: i64) {
        self.field(id, T_I64);
        varint(self.out, zigzag(v));
    }

    pub(super) fn bool(&mut self, id: i16, v: bool) {
        self.field(id, if v { T_TRUE } else { T_FALSE });
    }

    pub(super) fn binary(&mut self, id: i16, v: &[u8]) {
        self.field(id, T_BINARY);
        varint(self.out, v.len() as u64);
        self.out.extend_from_slice(v);
    }

    pub(super) fn list_begin(&mut self, id: i16, elem: u8, len: usize) {
        self.field(id, T_LIST);
        if len < 15 {
            self.out.push(((len as u8) << 4) | elem);
        } else {
            self.out.push(0xf0 | elem);
            varint(self.out, len as u64);
        }
    }

    /// A struct field; its fields follow, then `struct_end`.
    pub(super) fn field_struct(&mut self, id: i16) {
        self.field(id, T_STRUCT);
        self.struct_begin();
    }

    /// A struct as a list element (or the nested part of `field_struct`).
    pub(super) fn struct_begin(&mut self) {
        if let Some(slot) = self.outer.get_mut(self.depth) {
            *slot = self.last;
        }
        self.depth += 1;
        self.last = 0;
    }

    pub(super) fn struct_end(&mut self) {
        self.out.push(0);
        self.depth = self.depth.saturating_sub(1);
        self.last = self.outer.get(self.depth).copied().unwrap_or(0);
    }

    /// Ends the top-level struct.
    pub(super) fn stop(&mut self) {
        self.out.push(0);
    }
}
