//! Integer encodings of Parquet pages: the RLE/bit-packing hybrid, ULEB128 varints and zigzag.

/// `values` in the RLE/bit-packed hybrid: one RLE run when they are all equal, else one
/// bit-packed run (groups of 8, LSB first, the last group padded).
pub(super) fn hybrid(out: &mut Vec<u8>, values: &[u32], bit_width: u8) {
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
pub(super) fn bit_pack_bools(out: &mut Vec<u8>, values: impl Iterator<Item = bool>, count: usize) {
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

pub(super) fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}
