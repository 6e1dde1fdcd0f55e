//! Value decoders per physical type: PLAIN (also the encoding of dictionary pages) and the RLE
//! encoding of booleans.

use parquet::basic::{Encoding, Type as PhysicalType};

use super::hybrid::{for_each_chunk, Chunk, Hybrid};
use super::PageError;
use crate::scan::intern::Interner;

/// How one physical type's values are decoded.
pub trait Kind {
    type Value: Copy;
    /// The Parquet type it decodes.
    const PHYSICAL: PhysicalType;
    /// What a null reads as.
    const NULL: Self::Value;

    /// Appends `count` PLAIN-encoded values of `data`.
    fn plain(&mut self, data: &[u8], count: usize, out: &mut Vec<Self::Value>) -> Result<(), PageError>;

    /// Another non-dictionary encoding.
    fn other(
        &mut self,
        encoding: Encoding,
        _data: &[u8],
        _count: usize,
        _out: &mut Vec<Self::Value>,
    ) -> Result<(), PageError> {
        Err(PageError::Unsupported(format!("{encoding} values")))
    }
}

/// The 4-byte little-endian length Parquet puts before `what` at `at`.
pub(super) fn length_prefix(data: &[u8], at: usize, what: &str) -> Result<usize, PageError> {
    data.get(at..at + 4)
        .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize)
        .ok_or_else(|| PageError::Corrupt(format!("the length of {what} cut short")))
}

fn fixed<const W: usize, V>(
    data: &[u8],
    count: usize,
    out: &mut Vec<V>,
    from: impl Fn([u8; W]) -> V,
) -> Result<(), PageError> {
    let bytes = data
        .get(..count.saturating_mul(W))
        .ok_or_else(|| PageError::Corrupt(format!("{count} values of {W} bytes do not fit the page")))?;
    out.extend(
        bytes
            .chunks_exact(W)
            .map(|c| from(<[u8; W]>::try_from(c).unwrap_or([0; W]))),
    );
    Ok(())
}

/// Kinds of fixed-width little-endian values: PLAIN is the values back to back.
macro_rules! fixed_width_kind {
    ($(#[$doc:meta])* $name:ident, $value:ty, $physical:ident, $null:expr) => {
        $(#[$doc])*
        pub struct $name;

        impl Kind for $name {
            type Value = $value;
            const PHYSICAL: PhysicalType = PhysicalType::$physical;
            const NULL: $value = $null;

            fn plain(&mut self, data: &[u8], count: usize, out: &mut Vec<$value>) -> Result<(), PageError> {
                fixed(data, count, out, <$value>::from_le_bytes)
            }
        }
    };
}

fixed_width_kind!(
    /// INT64 (timestamps, hit and visitor ids).
    Int64, i64, INT64, 0
);
fixed_width_kind!(
    /// INT32 read as unsigned (`engaged_ms` is UINT_32; arrow reinterprets the bits the same way).
    Int32, u32, INT32, 0
);
/// DOUBLE (`revenue`): a null reads as NaN and a stored NaN as +inf, so a missing value stays
/// apart from a bad one (`HitColumns::rows_into` drops the hit of a bad one).
pub struct Double;

impl Kind for Double {
    type Value = f64;
    const PHYSICAL: PhysicalType = PhysicalType::DOUBLE;
    const NULL: f64 = f64::NAN;

    fn plain(&mut self, data: &[u8], count: usize, out: &mut Vec<f64>) -> Result<(), PageError> {
        fixed(data, count, out, |bytes| stored_double(f64::from_le_bytes(bytes)))
    }
}

/// A stored double as the reader keeps it: NaN is reserved for null.
#[inline]
pub fn stored_double(v: f64) -> f64 {
    if v.is_nan() {
        f64::INFINITY
    } else {
        v
    }
}

/// BOOLEAN: PLAIN is one bit a value; RLE is a hybrid stream of width 1 after its byte length.
pub struct Bool;

impl Kind for Bool {
    type Value = bool;
    const PHYSICAL: PhysicalType = PhysicalType::BOOLEAN;
    const NULL: bool = false;

    fn plain(&mut self, data: &[u8], count: usize, out: &mut Vec<bool>) -> Result<(), PageError> {
        if data.len().saturating_mul(8) < count {
            return Err(PageError::Corrupt(format!("{count} booleans do not fit the page")));
        }
        out.extend((0..count).map(|i| data[i / 8] >> (i % 8) & 1 == 1));
        Ok(())
    }

    fn other(&mut self, encoding: Encoding, data: &[u8], count: usize, out: &mut Vec<bool>) -> Result<(), PageError> {
        if encoding != Encoding::RLE {
            return Err(PageError::Unsupported(format!("{encoding} booleans")));
        }
        let len = length_prefix(data, 0, "boolean runs")?;
        let runs = data
            .get(4..4 + len)
            .ok_or_else(|| PageError::Corrupt("boolean runs longer than the page".into()))?;
        for_each_chunk(Hybrid::new(runs, 1)?, count, |chunk| {
            match chunk {
                Chunk::Repeat { value, count } => out.extend(std::iter::repeat_n(value == 1, count)),
                Chunk::Values(values) => out.extend(values.iter().map(|&v| v == 1)),
            }
            Ok(())
        })
    }
}

/// BYTE_ARRAY as UTF-8 strings, interned: values are string ids (0 for null and for "").
pub struct Text<'a> {
    pub strings: &'a mut Interner,
}

impl Kind for Text<'_> {
    type Value = u32;
    const PHYSICAL: PhysicalType = PhysicalType::BYTE_ARRAY;
    const NULL: u32 = 0;

    fn plain(&mut self, data: &[u8], count: usize, out: &mut Vec<u32>) -> Result<(), PageError> {
        let mut pos = 0;
        out.reserve(count);
        for _ in 0..count {
            let len = length_prefix(data, pos, "a string")?;
            let bytes = data
                .get(pos + 4..pos + 4 + len)
                .ok_or_else(|| PageError::Corrupt("string longer than the page".into()))?;
            let text = std::str::from_utf8(bytes).map_err(|e| PageError::Corrupt(format!("string not UTF-8: {e}")))?;
            out.push(self.strings.intern(text));
            pos += 4 + len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_decode_and_short_pages_are_errors() {
        let mut out = Vec::new();
        Int64
            .plain(
                &[1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                2,
                &mut out,
            )
            .unwrap();
        assert_eq!(out, [1, -1]);
        assert!(Int64.plain(&[1, 0, 0], 1, &mut out).is_err());

        let mut out = Vec::new();
        Int32.plain(&[0xff, 0xff, 0xff, 0xff], 1, &mut out).unwrap();
        assert_eq!(out, [u32::MAX]);

        let mut out = Vec::new();
        Bool.plain(&[0b0000_0101], 3, &mut out).unwrap();
        assert_eq!(out, [true, false, true]);
        assert!(Bool.plain(&[0], 9, &mut out).is_err());

        let mut out = Vec::new();
        // RLE booleans: 4-byte length, then a run of 3 trues.
        Bool.other(Encoding::RLE, &[2, 0, 0, 0, 6, 1], 3, &mut out).unwrap();
        assert_eq!(out, [true; 3]);
        assert!(Bool.other(Encoding::RLE, &[9, 0, 0, 0, 6, 1], 3, &mut out).is_err());
        assert!(matches!(
            Int64.other(Encoding::DELTA_BINARY_PACKED, &[], 1, &mut Vec::new()),
            Err(PageError::Unsupported(_))
        ));
    }

    #[test]
    fn strings_are_interned_and_must_be_utf8() {
        let mut strings = Interner::default();
        let mut out = Vec::new();
        let data = [&[1, 0, 0, 0][..], b"a", &[0, 0, 0, 0], &[1, 0, 0, 0], b"a"].concat();
        Text { strings: &mut strings }.plain(&data, 3, &mut out).unwrap();
        assert_eq!(out[0], out[2]);
        assert_eq!(out[1], 0, "the empty string is id 0");
        assert_eq!(strings.get(out[0]), "a");
        for bad in [&[1, 0, 0, 0, 0xff][..], &[5, 0, 0, 0, b'a'], &[1, 0]] {
            assert!(
                Text { strings: &mut strings }.plain(bad, 1, &mut out).is_err(),
                "{bad:?}"
            );
        }
    }
}
