//! Parquet's RLE / bit-packing hybrid encoding, which carries definition levels, dictionary
//! indices and RLE booleans: a sequence of runs, each either one value repeated or a group of
//! values packed at a fixed bit width, least significant bit first.

use super::PageError;

/// One run of a hybrid stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Run<'a> {
    Repeat {
        value: u32,
        count: usize,
    },
    /// `count` values of the stream's bit width in `data`.
    Packed {
        data: &'a [u8],
        count: usize,
    },
}

/// The runs of one hybrid-encoded stream.
pub struct Hybrid<'a> {
    data: &'a [u8],
    pos: usize,
    bit_width: u32,
}

impl<'a> Hybrid<'a> {
    pub fn new(data: &'a [u8], bit_width: u32) -> Result<Self, PageError> {
        if bit_width > 32 {
            return Err(PageError::Corrupt(format!("bit width {bit_width}")));
        }
        Ok(Hybrid {
            data,
            pos: 0,
            bit_width,
        })
    }

    pub fn bit_width(&self) -> u32 {
        self.bit_width
    }

    fn uleb128(&mut self) -> Result<u64, PageError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .data
                .get(self.pos)
                .ok_or_else(|| PageError::Corrupt("run header cut short".into()))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(PageError::Corrupt("run header too long".into()))
    }

    /// The next run, `None` at the end of the data. A packed run cut short by the end of the
    /// data holds the values that are there (as other readers do).
    pub fn next_run(&mut self) -> Result<Option<Run<'a>>, PageError> {
        if self.pos >= self.data.len() {
            return Ok(None);
        }
        let header = self.uleb128()?;
        let rest = &self.data[self.pos..];
        if header & 1 == 1 {
            let groups = usize::try_from(header >> 1).map_err(|_| PageError::Corrupt("huge run".into()))?;
            let bytes = groups.saturating_mul(self.bit_width as usize);
            let data = &rest[..bytes.min(rest.len())];
            self.pos += data.len();
            let count = if self.bit_width == 0 {
                groups.saturating_mul(8)
            } else {
                data.len() * 8 / self.bit_width as usize
            };
            Ok(Some(Run::Packed { data, count }))
        } else {
            let count = usize::try_from(header >> 1).map_err(|_| PageError::Corrupt("huge run".into()))?;
            let width = self.bit_width.div_ceil(8) as usize;
            let bytes = rest
                .get(..width)
                .ok_or_else(|| PageError::Corrupt("repeated value cut short".into()))?;
            self.pos += width;
            let value = bytes.iter().rev().fold(0u32, |v, &b| (v << 8) | u32::from(b));
            Ok(Some(Run::Repeat { value, count }))
        }
    }
}

/// Unpacks `out.len()` values of `bit_width` bits starting at value `first` of `data` (a packed
/// run). The caller keeps within the run's count.
pub fn unpack(data: &[u8], bit_width: u32, first: usize, out: &mut [u32]) {
    if bit_width == 0 {
        out.fill(0);
        return;
    }
    let width = bit_width as usize;
    let mut done = 0;
    if first.is_multiple_of(8) {
        // Whole groups of 8 values (`width` bytes each) at a width known to the compiler.
        let start = first / 8 * width;
        let groups = (out.len() / 8).min(data.len().saturating_sub(start) / width);
        let (data, head) = (&data[start.min(data.len())..], &mut out[..groups * 8]);
        macro_rules! widths {
            ($($w:literal)*) => {
                match width {
                    $($w => unpack_groups::<$w>(data, head),)*
                    _ => unpack_any(data, width, 0, head),
                }
            };
        }
        widths!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32);
        done = groups * 8;
    }
    unpack_any(data, width, first + done, &mut out[done..]);
}

fn unpack_groups<const W: usize>(data: &[u8], out: &mut [u32]) {
    let mask = if W == 32 { u64::from(u32::MAX) } else { (1u64 << W) - 1 };
    for (group, values) in data.chunks_exact(W).zip(out.chunks_exact_mut(8)) {
        let mut padded = [0u8; 40];
        padded[..W].copy_from_slice(group);
        for (j, value) in values.iter_mut().enumerate() {
            let bit = j * W;
            let mut word = [0u8; 8];
            word.copy_from_slice(&padded[bit / 8..bit / 8 + 8]);
            *value = ((u64::from_le_bytes(word) >> (bit % 8)) & mask) as u32;
        }
    }
}

/// Any width at any offset, a value at a time.
fn unpack_any(data: &[u8], width: usize, first: usize, out: &mut [u32]) {
    let mask = if width == 32 { u32::MAX } else { (1u32 << width) - 1 };
    for (i, o) in out.iter_mut().enumerate() {
        let bit = (first + i) * width;
        let byte = bit / 8;
        // Eight bytes hold any value of up to 32 bits at any bit offset; past the end, zeros.
        let mut word = [0u8; 8];
        let tail = data.get(byte..).unwrap_or(&[]);
        let len = tail.len().min(8);
        word[..len].copy_from_slice(&tail[..len]);
        *o = (u64::from_le_bytes(word) >> (bit % 8)) as u32 & mask;
    }
}

/// Calls `each(values)` with the next values of the stream, in slices of up to 256, until `n`
/// values were given. Fewer values than `n` in the stream is an error.
pub fn for_each_chunk(
    mut stream: Hybrid<'_>,
    n: usize,
    mut each: impl FnMut(Chunk<'_>) -> Result<(), PageError>,
) -> Result<(), PageError> {
    let mut buffer = [0u32; 256];
    let mut left = n;
    while left > 0 {
        let Some(run) = stream.next_run()? else {
            return Err(PageError::Corrupt(format!("{left} of {n} values missing")));
        };
        match run {
            Run::Repeat { value, count } => {
                let take = count.min(left);
                each(Chunk::Repeat { value, count: take })?;
                left -= take;
            }
            Run::Packed { data, count } => {
                let mut done = 0;
                let take = count.min(left);
                while done < take {
                    let len = (take - done).min(buffer.len());
                    unpack(data, stream.bit_width(), done, &mut buffer[..len]);
                    each(Chunk::Values(&buffer[..len]))?;
                    done += len;
                }
                left -= take;
            }
        }
    }
    Ok(())
}

/// Values handed out by `for_each_chunk`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chunk<'a> {
    Repeat { value: u32, count: usize },
    Values(&'a [u32]),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8], bit_width: u32, n: usize) -> Result<Vec<u32>, PageError> {
        let mut out = Vec::new();
        for_each_chunk(Hybrid::new(data, bit_width)?, n, |chunk| {
            match chunk {
                Chunk::Repeat { value, count } => out.extend(std::iter::repeat_n(value, count)),
                Chunk::Values(values) => out.extend_from_slice(values),
            }
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn runs_decode_as_the_format_defines_them() {
        // (bytes, bit width, values wanted, expected)
        type Case = (&'static [u8], u32, usize, Result<Vec<u32>, ()>);
        let cases: &[Case] = &[
            // RLE run: header 5 << 1 = 10, value 7 in one byte.
            (&[10, 7], 3, 5, Ok(vec![7; 5])),
            // RLE run of a two-byte value (bit width 9): 0x0102 little-endian.
            (&[4, 0x02, 0x01], 9, 2, Ok(vec![0x102, 0x102])),
            // Bit-packed, one group of 8 values 0..8 at width 3 (the spec's example).
            (&[3, 0b1000_1000, 0b1100_0110, 0b1111_1010], 3, 8, Ok((0..8).collect())),
            // Fewer wanted than the group holds: the padding is not read as values.
            (&[3, 0b1000_1000, 0b1100_0110, 0b1111_1010], 3, 5, Ok((0..5).collect())),
            // An RLE run then a packed group at width 1.
            (
                &[6, 1, 3, 0b0101_0101],
                1,
                11,
                Ok(vec![1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 0]),
            ),
            // Width 0: every value is 0 and takes no bytes.
            (&[3], 0, 8, Ok(vec![0; 8])),
            (&[20, 0], 0, 10, Ok(vec![0; 10])),
            // 32-bit values.
            (&[3, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff], 32, 2, Ok(vec![1, u32::MAX])),
            // Damaged: more values wanted than the stream holds; a cut value; a header that
            // never ends; an impossible width.
            (&[4, 1], 1, 3, Err(())),
            (&[4], 9, 2, Err(())),
            (
                &[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                1,
                1,
                Err(()),
            ),
            (&[2, 0], 33, 1, Err(())),
        ];
        for (data, width, n, expected) in cases {
            let got = collect(data, *width, *n).map_err(|_| ());
            assert_eq!(&got, expected, "{data:?} at width {width}");
        }
    }

    #[test]
    fn unpacks_every_width_at_every_offset() {
        for width in 1..=32u32 {
            let values: Vec<u32> = (0..40u64)
                .map(|i| ((i * 2_654_435_761) % (1u64 << width)) as u32)
                .collect();
            let mut packed = vec![0u8; (values.len() * width as usize).div_ceil(8)];
            for (i, &v) in values.iter().enumerate() {
                for b in 0..width as usize {
                    if v >> b & 1 == 1 {
                        let bit = i * width as usize + b;
                        packed[bit / 8] |= 1 << (bit % 8);
                    }
                }
            }
            for first in [0, 1, 7, 13] {
                let mut out = vec![0; values.len() - first];
                unpack(&packed, width, first, &mut out);
                assert_eq!(out, values[first..], "width {width} from {first}");
            }
        }
    }
}
