//! The Queue message that carries one hit from the fetch handler to the consumer.
//!
//! A compact binary record instead of JSON: encoding and decoding it costs a fraction of
//! serde_json's (see `benches/pipeline.rs`), and it is sent as bytes, so no UTF-16 string crosses
//! the wasm boundary. Layout, after a format byte ([`FORMAT`]):
//!
//! 1. the numbers, grouped by kind, each group in column order: `ts`, `hit_id`, `visitor_id`
//!    (8 bytes each, little-endian), `is_bot` (0/1), `entry` (0 none, 1 false, 2 true), then
//!    `asn`, `engaged_ms`, `screen_width`, `scroll_depth` (a 0/1 tag, then 4 bytes) and `revenue`
//!    (a tag, then 8 bytes);
//! 2. the length of each text field in column order, as LEB128 (an optional field stores 0 for
//!    none and length + 1 otherwise);
//! 3. all the text, concatenated: UTF-8 is validated once for the whole message.
//!
//! The codec is generated from the schema's column list (`hitflow_schema::with_hit_columns!`),
//! so a new column cannot be left out of the message; it changes the layout, so it needs a new
//! [`FORMAT`] (the layout test, written out by hand, fails until it is updated). The previous
//! format ([`FORMAT_B1`], without `scroll_depth`) is still decoded, so messages queued while a new
//! version deploys are stored rather than dead-lettered.
//!
//! A message is self-contained and carries the hit's random `hit_id`, so a redelivered or
//! duplicated message stores the same row again, which readers drop by `hit_id`. Anything that
//! does not decode completely (another format byte, a short or over-long record, invalid UTF-8)
//! is an error, and the consumer sends it towards the dead-letter queue. Messages from before
//! this format (JSON text) are still read by the consumer, see `consumer.rs`.

use hitflow_schema::columns::HitRow;
use hitflow_schema::{with_hit_columns, Hit};

/// First byte of every message; a new layout gets a new value.
pub const FORMAT: u8 = 0xb2;
/// The layout before `scroll_depth`: the same, less that field.
pub const FORMAT_B1: u8 = 0xb1;

/// Whether a message of format `format` carries the column `field`: the columns added since
/// [`FORMAT_B1`] are absent from it (and read as `None`).
fn carries(format: u8, field: &str) -> bool {
    format != FORMAT_B1 || field != "scroll_depth"
}

/// Why a message is not a hit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown message format {0:#04x}")]
    Format(u8),
    #[error("message ends inside a field")]
    Truncated,
    #[error("message has {0} bytes after the hit")]
    Trailing(usize),
    #[error("a text field is not UTF-8")]
    Utf8,
    #[error("invalid tag {0} in an optional field")]
    Tag(u8),
}

// One fixed-width field, written or read only in its kind's group (`$group`), so the fields of
// one kind stay together whatever their column order.
macro_rules! put_fixed {
    (word, ts, $out:ident, $v:expr) => {
        $out.extend_from_slice(&$v.to_le_bytes())
    };
    (word, u64, $out:ident, $v:expr) => {
        $out.extend_from_slice(&$v.to_le_bytes())
    };
    (bool, bool, $out:ident, $v:expr) => {
        $out.push(u8::from($v))
    };
    (opt_bool, opt_bool, $out:ident, $v:expr) => {
        $out.push(match $v {
            None => 0,
            Some(false) => 1,
            Some(true) => 2,
        })
    };
    (opt_u32, opt_u32, $out:ident, $v:expr) => {
        put_optional(&mut $out, $v.map(u32::to_le_bytes))
    };
    (opt_f64, opt_f64, $out:ident, $v:expr) => {
        put_optional(&mut $out, $v.map(f64::to_le_bytes))
    };
    ($group:ident, $kind:ident, $out:ident, $v:expr) => {};
}
macro_rules! get_fixed {
    (word, ts, $r:ident, $f:ident) => {
        let $f = i64::from_le_bytes($r.array()?);
    };
    (word, u64, $r:ident, $f:ident) => {
        let $f = u64::from_le_bytes($r.array()?);
    };
    (bool, bool, $r:ident, $f:ident) => {
        let $f = $r.tag()?;
    };
    (opt_bool, opt_bool, $r:ident, $f:ident) => {
        let $f = match $r.byte()? {
            0 => None,
            1 => Some(false),
            2 => Some(true),
            t => return Err(DecodeError::Tag(t)),
        };
    };
    (opt_u32, opt_u32, $r:ident, $f:ident, $format:ident) => {
        let $f = if carries($format, stringify!($f)) {
            $r.optional()?.map(u32::from_le_bytes)
        } else {
            None
        };
    };
    (opt_f64, opt_f64, $r:ident, $f:ident) => {
        let $f = $r.optional()?.map(f64::from_le_bytes);
    };
    ($group:ident, $kind:ident, $r:ident, $f:ident, $format:ident) => {};
    ($group:ident, $kind:ident, $r:ident, $f:ident) => {};
}
// A text field's value (`None` for other kinds).
macro_rules! text_of {
    (str, $v:expr) => {
        Some($v.as_str())
    };
    (opt_str, $v:expr) => {
        $v.as_deref()
    };
    ($kind:ident, $v:expr) => {
        None::<&str>
    };
}
// A text field's stored length: as it is when required, shifted by one (0 is none) when optional.
macro_rules! put_len {
    (str, $out:ident, $v:expr) => {
        leb128(&mut $out, $v.len())
    };
    (opt_str, $out:ident, $v:expr) => {
        leb128(&mut $out, $v.as_ref().map_or(0, |s| s.len() + 1))
    };
    ($kind:ident, $out:ident, $v:expr) => {};
}
macro_rules! get_len {
    (str, $r:ident, $f:ident) => {
        let $f: usize = $r.len()?;
    };
    (opt_str, $r:ident, $f:ident) => {
        let $f: Option<usize> = $r.len()?.checked_sub(1);
    };
    ($kind:ident, $r:ident, $f:ident) => {};
}
macro_rules! len_of {
    (str, $f:ident) => {
        $f
    };
    (opt_str, $f:ident) => {
        $f.unwrap_or(0)
    };
    ($kind:ident, $f:ident) => {
        0
    };
}
macro_rules! get_text {
    (str, $text:ident, $f:ident) => {
        let $f = $text.take($f)?;
    };
    (opt_str, $text:ident, $f:ident) => {
        let $f = match $f {
            None => None,
            Some(n) => Some($text.take(n)?),
        };
    };
    ($kind:ident, $text:ident, $f:ident) => {};
}

macro_rules! message_codec {
    ($( $field:ident : $kind:ident ),* $(,)?) => {
        /// Encodes a hit as one message body.
        pub fn encode(hit: &Hit) -> Vec<u8> {
            let text_len = 0 $( + text_of!($kind, hit.$field).map_or(0, str::len) )*;
            let mut out = Vec::with_capacity(64 + 2 * hitflow_schema::columns::ALL.len() + text_len);
            out.push(FORMAT);
            $( put_fixed!(word, $kind, out, hit.$field); )*
            $( put_fixed!(bool, $kind, out, hit.$field); )*
            $( put_fixed!(opt_bool, $kind, out, hit.$field); )*
            $( put_fixed!(opt_u32, $kind, out, hit.$field); )*
            $( put_fixed!(opt_f64, $kind, out, hit.$field); )*
            $( put_len!($kind, out, hit.$field); )*
            $(
                if let Some(s) = text_of!($kind, hit.$field) {
                    out.extend_from_slice(s.as_bytes());
                }
            )*
            out
        }

        /// Decodes a message body made by [`encode`]. The row's text borrows from `bytes`: the
        /// consumer writes it to Parquet without copying a string.
        pub fn decode(bytes: &[u8]) -> Result<HitRow<'_>, DecodeError> {
            let (&format, rest) = bytes.split_first().ok_or(DecodeError::Truncated)?;
            if format != FORMAT && format != FORMAT_B1 {
                return Err(DecodeError::Format(format));
            }
            let mut r = Reader(rest);
            $( get_fixed!(word, $kind, r, $field); )*
            $( get_fixed!(bool, $kind, r, $field); )*
            $( get_fixed!(opt_bool, $kind, r, $field); )*
            $( get_fixed!(opt_u32, $kind, r, $field, format); )*
            $( get_fixed!(opt_f64, $kind, r, $field); )*
            $( get_len!($kind, r, $field); )*
            let mut total = 0usize;
            $( total = total.saturating_add(len_of!($kind, $field)); )*
            let text = r.0;
            if text.len() < total {
                return Err(DecodeError::Truncated);
            }
            if text.len() > total {
                return Err(DecodeError::Trailing(text.len() - total));
            }
            let mut text = Texts(std::str::from_utf8(text).map_err(|_| DecodeError::Utf8)?);
            $( get_text!($kind, text, $field); )*
            Ok(HitRow { $( $field ),* })
        }
    };
}

with_hit_columns!(message_codec);

fn put_optional<const N: usize>(out: &mut Vec<u8>, value: Option<[u8; N]>) {
    match value {
        None => out.push(0),
        Some(bytes) => {
            out.push(1);
            out.extend_from_slice(&bytes);
        }
    }
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// The text of a message, cut into its fields in order.
struct Texts<'a>(&'a str);

impl<'a> Texts<'a> {
    fn take(&mut self, n: usize) -> Result<&'a str, DecodeError> {
        // Each field was a whole string, so every cut falls on a character boundary.
        if !self.0.is_char_boundary(n) {
            return Err(DecodeError::Utf8);
        }
        let (field, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(field)
    }
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], DecodeError> {
        let head = self.0.get(..N).ok_or(DecodeError::Truncated)?;
        let array = head.try_into().map_err(|_| DecodeError::Truncated)?;
        self.0 = &self.0[N..];
        Ok(array)
    }
    fn byte(&mut self) -> Result<u8, DecodeError> {
        Ok(self.array::<1>()?[0])
    }
    fn tag(&mut self) -> Result<bool, DecodeError> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            t => Err(DecodeError::Tag(t)),
        }
    }
    /// A 0/1 tag, then `N` bytes when it is 1.
    fn optional<const N: usize>(&mut self) -> Result<Option<[u8; N]>, DecodeError> {
        if self.tag()? {
            Ok(Some(self.array()?))
        } else {
            Ok(None)
        }
    }
    #[inline]
    fn len(&mut self) -> Result<usize, DecodeError> {
        // Nearly every length fits one byte.
        if let Some((&b, rest)) = self.0.split_first() {
            if b < 0x80 {
                self.0 = rest;
                return Ok(usize::from(b));
            }
        }
        let mut n = 0usize;
        // A message is far below 2^35 bytes: five LEB128 bytes are plenty, more is corruption.
        for shift in (0..35).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(n);
            }
        }
        Err(DecodeError::Truncated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field set, each to a value no other field has.
    fn full() -> Hit {
        let s = |v: &str| Some(v.to_owned());
        Hit {
            ts: -1_764_320_400_123,
            hit_id: u64::MAX - 1,
            site: "example.com".into(),
            event: "Warenkorb öffnen ✓".into(),
            visitor_id: 0x0123_4567_89ab_cdef,
            url_host: "shop.example.com".into(),
            url_path: format!("/{}", "p".repeat(300)),
            referrer_host: s("google.com"),
            referrer_path: s("/search"),
            utm_source: s("newsletter"),
            utm_medium: s("email"),
            utm_campaign: s("Winter Sale"),
            utm_term: s("shoes"),
            utm_content: s("banner"),
            ref_param: s("hn"),
            click_id_kind: s("gclid"),
            country: s("DE"),
            region: s("Berlin"),
            city: s("Berlin-Mitte"),
            continent: s("EU"),
            timezone: s("Europe/Berlin"),
            asn: Some(3320),
            as_org: s("Deutsche Telekom AG"),
            colo: s("FRA"),
            device_type: "mobile".into(),
            browser: s("Safari"),
            browser_version: s("17"),
            os: s("iOS"),
            os_version: s("17.5"),
            is_bot: true,
            bot_reason: s("ua:crawler"),
            engaged_ms: Some(12_345),
            screen_width: Some(390),
            scroll_depth: Some(64),
            revenue: Some(-49.5),
            currency: s("EUR"),
            props: s(r#"{"plan":"pro"}"#),
            entry: Some(false),
        }
    }

    #[test]
    fn round_trips() {
        let empty = Hit::default();
        let full = full();
        let entry_true = Hit {
            entry: Some(true),
            ..Hit::default()
        };
        for hit in [empty, full, entry_true] {
            assert_eq!(decode(&encode(&hit)).map(|row| row.to_hit()), Ok(hit.clone()));
        }
    }

    /// The layout the module documents for `full()` in `format`, byte by byte, written out by
    /// hand: [`FORMAT_B1`] lacks `scroll_depth`.
    fn documented(format: u8) -> Vec<u8> {
        let hit = full();
        let mut want = vec![format];
        for word in [hit.ts as u64, hit.hit_id, hit.visitor_id] {
            want.extend_from_slice(&word.to_le_bytes());
        }
        want.extend_from_slice(&[1, 1]); // is_bot true, entry Some(false)
        let numbers: &[u32] = if format == FORMAT_B1 {
            &[3320, 12_345, 390]
        } else {
            &[3320, 12_345, 390, 64]
        };
        for number in numbers {
            want.push(1);
            want.extend_from_slice(&number.to_le_bytes());
        }
        want.push(1);
        want.extend_from_slice(&(-49.5f64).to_le_bytes());
        #[rustfmt::skip]
        let texts = [
            "example.com", "Warenkorb öffnen ✓", "shop.example.com", &hit.url_path, "google.com",
            "/search", "newsletter", "email", "Winter Sale", "shoes", "banner", "hn", "gclid", "DE",
            "Berlin", "Berlin-Mitte", "EU", "Europe/Berlin", "Deutsche Telekom AG", "FRA", "mobile",
            "Safari", "17", "iOS", "17.5", "ua:crawler", "EUR", r#"{"plan":"pro"}"#,
        ];
        for (i, text) in texts.iter().enumerate() {
            // site, event, url_host, url_path and device_type are required: no shift.
            let required = matches!(i, 0..=3 | 20);
            leb128(&mut want, text.len() + usize::from(!required));
        }
        for text in texts {
            want.extend_from_slice(text.as_bytes());
        }
        want
    }

    #[test]
    fn layout_as_documented() {
        assert_eq!(encode(&full()), documented(FORMAT));
    }

    /// Messages queued by the previous version decode, with `scroll_depth` absent; a previous
    /// message carrying the new field is one byte too long.
    #[test]
    fn previous_format_decodes() {
        let old = documented(FORMAT_B1);
        let want = Hit {
            scroll_depth: None,
            ..full()
        };
        assert_eq!(decode(&old).map(|row| row.to_hit()), Ok(want));
        let mut new_as_old = documented(FORMAT);
        new_as_old[0] = FORMAT_B1;
        assert!(decode(&new_as_old).is_err());
        for end in 0..old.len() {
            assert!(decode(&old[..end]).is_err(), "prefix of {end} bytes decoded");
        }
    }

    #[test]
    fn anything_else_is_an_error() {
        let bytes = encode(&full());
        // Every strict prefix ends inside a field.
        for end in 0..bytes.len() {
            assert!(decode(&bytes[..end]).is_err(), "prefix of {end} bytes decoded");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert_eq!(decode(&longer), Err(DecodeError::Trailing(1)));
        let mut other = bytes.clone();
        other[0] = b'{';
        assert_eq!(decode(&other), Err(DecodeError::Format(b'{')));
        // The text (at the end) turned into invalid UTF-8.
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] = 0xff;
        assert_eq!(decode(&bad), Err(DecodeError::Utf8));
        let json = serde_json::to_vec(&full()).expect("serialises");
        assert!(decode(&json).is_err());
        assert!(decode(&[FORMAT, 0xff, 0xff]).is_err());
    }

    #[test]
    fn a_cut_inside_a_character_is_an_error() {
        let hit = Hit {
            site: "é".into(),
            event: "x".into(),
            ..Hit::default()
        };
        let mut bytes = encode(&hit);
        // Format, the three 8-byte numbers, is_bot, entry, four absent u32 and revenue: 32 bytes,
        // then the lengths of site (2) and event (1).
        assert_eq!(bytes[32..34], [2, 1]);
        bytes[32..34].copy_from_slice(&[1, 2]);
        assert_eq!(decode(&bytes), Err(DecodeError::Utf8));
    }

    #[test]
    fn lengths_over_one_byte() {
        let hit = Hit {
            props: Some("x".repeat(20_000)),
            ..full()
        };
        assert_eq!(decode(&encode(&hit)).map(|row| row.to_hit()), Ok(hit));
        // A length that never ends is corruption, not a huge allocation.
        let mut endless = vec![FORMAT];
        endless.extend_from_slice(&[0; 24 + 2 + 5]);
        endless.extend_from_slice(&[0xff; 12]);
        assert_eq!(decode(&endless), Err(DecodeError::Truncated));
    }
}
