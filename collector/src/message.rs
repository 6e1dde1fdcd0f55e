//! The Queue message that carries one hit from the fetch handler to the consumer.
//!
//! A compact binary record instead of JSON: encoding and decoding it costs a fraction of
//! serde_json's (see `benches/pipeline.rs`), and it is sent as bytes, so no UTF-16 string crosses
//! the wasm boundary. Layout, after a format byte ([`FORMAT`]):
//!
//! 1. the numbers: `ts`, `hit_id`, `visitor_id` (8 bytes each, little-endian), `is_bot` (0/1),
//!    `entry` (0 none, 1 false, 2 true), then `asn`, `engaged_ms`, `screen_width` (a 0/1 tag, then
//!    4 bytes) and `revenue` (a tag, then 8 bytes);
//! 2. the length of each text field in [`Hit`] declaration order, as LEB128 (an optional field
//!    stores 0 for none and length + 1 otherwise);
//! 3. all the text, concatenated: UTF-8 is validated once for the whole message.
//!
//! A message is self-contained and carries the hit's random `hit_id`, so a redelivered or
//! duplicated message stores the same row again, which readers drop by `hit_id`. Anything that
//! does not decode completely (another format byte, a short or over-long record, invalid UTF-8)
//! is an error, and the consumer sends it towards the dead-letter queue. Messages from before
//! this format (JSON text) are still read by the consumer, see `consumer.rs`.

use hitflow_schema::columns::HitRow;
use hitflow_schema::Hit;

/// First byte of every message; a new layout gets a new value.
pub const FORMAT: u8 = 0xb1;

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

/// The text fields of a hit, in declaration order.
fn texts(hit: &Hit) -> [Text<'_>; 27] {
    use Text::{Opt, Req};
    [
        Req(&hit.site),
        Req(&hit.event),
        Req(&hit.url_host),
        Req(&hit.url_path),
        Opt(hit.referrer_host.as_deref()),
        Opt(hit.referrer_path.as_deref()),
        Opt(hit.utm_source.as_deref()),
        Opt(hit.utm_medium.as_deref()),
        Opt(hit.utm_campaign.as_deref()),
        Opt(hit.utm_term.as_deref()),
        Opt(hit.utm_content.as_deref()),
        Opt(hit.ref_param.as_deref()),
        Opt(hit.click_id_kind.as_deref()),
        Opt(hit.country.as_deref()),
        Opt(hit.region.as_deref()),
        Opt(hit.city.as_deref()),
        Opt(hit.continent.as_deref()),
        Opt(hit.timezone.as_deref()),
        Opt(hit.as_org.as_deref()),
        Opt(hit.colo.as_deref()),
        Req(&hit.device_type),
        Opt(hit.browser.as_deref()),
        Opt(hit.browser_version.as_deref()),
        Opt(hit.os.as_deref()),
        Opt(hit.os_version.as_deref()),
        Opt(hit.bot_reason.as_deref()),
        Opt(hit.currency.as_deref()),
    ]
}

#[derive(Clone, Copy)]
enum Text<'a> {
    Req(&'a str),
    Opt(Option<&'a str>),
}

impl<'a> Text<'a> {
    fn value(self) -> Option<&'a str> {
        match self {
            Text::Req(s) => Some(s),
            Text::Opt(s) => s,
        }
    }
}

/// Encodes a hit as one message body.
pub fn encode(hit: &Hit) -> Vec<u8> {
    let texts = texts(hit);
    let props = hit.props.as_deref();
    let mut text_len = props.map_or(0, str::len);
    for t in &texts {
        text_len += t.value().map_or(0, str::len);
    }
    let mut out = Vec::with_capacity(1 + 8 * 4 + 2 + 15 + 2 * 28 + text_len);
    out.push(FORMAT);
    out.extend_from_slice(&hit.ts.to_le_bytes());
    out.extend_from_slice(&hit.hit_id.to_le_bytes());
    out.extend_from_slice(&hit.visitor_id.to_le_bytes());
    out.push(u8::from(hit.is_bot));
    out.push(match hit.entry {
        None => 0,
        Some(false) => 1,
        Some(true) => 2,
    });
    for v in [hit.asn, hit.engaged_ms, hit.screen_width] {
        match v {
            None => out.push(0),
            Some(v) => {
                out.push(1);
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
    }
    match hit.revenue {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    // `props` goes last: it is the only text that may be long.
    for t in &texts {
        match *t {
            Text::Req(s) => leb128(&mut out, s.len()),
            Text::Opt(None) => out.push(0),
            Text::Opt(Some(s)) => leb128(&mut out, s.len() + 1),
        }
    }
    leb128(&mut out, props.map_or(0, |p| p.len() + 1));
    for t in &texts {
        if let Some(s) = t.value() {
            out.extend_from_slice(s.as_bytes());
        }
    }
    if let Some(p) = props {
        out.extend_from_slice(p.as_bytes());
    }
    out
}

fn leb128(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

/// Decodes a message body made by [`encode`]. The row's text borrows from `bytes`: the consumer
/// writes it to Parquet without copying a string.
pub fn decode(bytes: &[u8]) -> Result<HitRow<'_>, DecodeError> {
    let (&format, rest) = bytes.split_first().ok_or(DecodeError::Truncated)?;
    if format != FORMAT {
        return Err(DecodeError::Format(format));
    }
    let mut r = Reader(rest);
    let (ts, hit_id, visitor_id) = (i64::from_le_bytes(r.array()?), r.u64()?, r.u64()?);
    let is_bot = match r.byte()? {
        0 => false,
        1 => true,
        t => return Err(DecodeError::Tag(t)),
    };
    let entry = match r.byte()? {
        0 => None,
        1 => Some(false),
        2 => Some(true),
        t => return Err(DecodeError::Tag(t)),
    };
    let (asn, engaged_ms, screen_width) = (r.opt_u32()?, r.opt_u32()?, r.opt_u32()?);
    let revenue = if r.tag()? {
        Some(f64::from_le_bytes(r.array()?))
    } else {
        None
    };
    // Lengths: required fields as they are, optional ones shifted by one (0 is none).
    const ABSENT: usize = usize::MAX;
    let mut lengths = [ABSENT; 28];
    let mut total = 0usize;
    for (i, slot) in lengths.iter_mut().enumerate() {
        let n = r.len()?;
        let required = matches!(i, 0..=3 | 20);
        if required || n > 0 {
            *slot = if required { n } else { n - 1 };
            total = total.saturating_add(*slot);
        }
    }
    let text = r.0;
    if text.len() < total {
        return Err(DecodeError::Truncated);
    }
    if text.len() > total {
        return Err(DecodeError::Trailing(text.len() - total));
    }
    let text = std::str::from_utf8(text).map_err(|_| DecodeError::Utf8)?;
    // Each field was a whole string, so every cut falls on a character boundary.
    let mut start = 0usize;
    let mut fields = [None; 28];
    for i in 0..fields.len() {
        let n = lengths[i];
        if n != ABSENT {
            fields[i] = Some(text.get(start..start + n).ok_or(DecodeError::Utf8)?);
            start += n;
        }
    }
    let [site, event, url_host, url_path, referrer_host, referrer_path, utm_source, utm_medium, utm_campaign, utm_term, utm_content, ref_param, click_id_kind, country, region, city, continent, timezone, as_org, colo, device_type, browser, browser_version, os, os_version, bot_reason, currency, props] =
        fields;
    Ok(HitRow {
        ts,
        hit_id,
        site: site.unwrap_or_default(),
        event: event.unwrap_or_default(),
        visitor_id,
        url_host: url_host.unwrap_or_default(),
        url_path: url_path.unwrap_or_default(),
        referrer_host,
        referrer_path,
        utm_source,
        utm_medium,
        utm_campaign,
        utm_term,
        utm_content,
        ref_param,
        click_id_kind,
        country,
        region,
        city,
        continent,
        timezone,
        asn,
        as_org,
        colo,
        device_type: device_type.unwrap_or_default(),
        browser,
        browser_version,
        os,
        os_version,
        is_bot,
        bot_reason,
        engaged_ms,
        screen_width,
        revenue,
        currency,
        props,
        entry,
    })
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
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
    fn u64(&mut self) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array()?))
    }
    fn opt_u32(&mut self) -> Result<Option<u32>, DecodeError> {
        if self.tag()? {
            Ok(Some(u32::from_le_bytes(self.array()?)))
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
        // Format, the three 8-byte numbers, is_bot, entry, three absent u32 and revenue: 31 bytes,
        // then the lengths of site (2) and event (1).
        assert_eq!(bytes[31..33], [2, 1]);
        bytes[31..33].copy_from_slice(&[1, 2]);
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
        endless.extend_from_slice(&[0; 24 + 2 + 4]);
        endless.extend_from_slice(&[0xff; 12]);
        assert_eq!(decode(&endless), Err(DecodeError::Truncated));
    }
}
