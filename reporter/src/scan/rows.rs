//! The compact in-memory form of a hit: ids instead of strings, 64 bytes a row, so a day of a
//! busy site fits comfortably and sorting is cheap.
//!
//! Only a session's landing pageview decides its source, referrer, device and place, and only
//! pageviews can change the source, so those fields (a `Touch` and `Dims` tuple) are interned
//! for pageviews alone; other hits carry 0 there.

use super::intern::{Interner, TupleTable};

/// Where a pageview came from: utm_source, utm_medium, utm_campaign, utm_term, utm_content,
/// ref_param, click_id_kind, referrer_host, url_host (string ids).
pub type Touch = [u32; 9];
pub const TOUCH_SOURCE: usize = 0;
pub const TOUCH_MEDIUM: usize = 1;
pub const TOUCH_CAMPAIGN: usize = 2;
pub const TOUCH_TERM: usize = 3;
pub const TOUCH_CONTENT: usize = 4;
pub const TOUCH_REF: usize = 5;
pub const TOUCH_CLICK_ID: usize = 6;
pub const TOUCH_REFERRER: usize = 7;
pub const TOUCH_HOST: usize = 8;

/// Device and place of a pageview: device_type, browser, browser_version, os, os_version,
/// country, as_org, bot_reason (string ids). The last two feed the bot ledger and the hosting
/// rule of `automation`.
pub type Dims = [u32; 8];
pub const DIM_DEVICE: usize = 0;
pub const DIM_BROWSER: usize = 1;
pub const DIM_BROWSER_VERSION: usize = 2;
pub const DIM_OS: usize = 3;
pub const DIM_OS_VERSION: usize = 4;
pub const DIM_COUNTRY: usize = 5;
pub const DIM_AS_ORG: usize = 6;
pub const DIM_BOT_REASON: usize = 7;

/// Rows are kept in buckets by the top bits of the visitor id (ids are keyed hashes, so buckets
/// are even and every visitor lives in exactly one), and buckets in shards: shards are
/// sessionized and counted in parallel, a bucket at a time so the work stays in cache.
pub const SHARD_BITS: u32 = 4;
pub const SHARDS: usize = 1 << SHARD_BITS;

/// The shard of a visitor id: its top bits.
pub fn shard_of(visitor: u64) -> usize {
    (visitor >> (64 - SHARD_BITS)) as usize
}

pub const BUCKET_BITS: u32 = 12;
pub const BUCKETS: usize = 1 << BUCKET_BITS;
pub const BUCKETS_PER_SHARD: usize = BUCKETS / SHARDS;

/// The bucket of a visitor id within its shard; bucket order is visitor order.
pub fn bucket_of(visitor: u64) -> usize {
    ((visitor << SHARD_BITS) >> (64 - (BUCKET_BITS - SHARD_BITS))) as usize
}

/// One shard's rows of one file, ordered by bucket: bucket `b`'s rows are
/// `rows[starts[b]..starts[b + 1]]`.
#[derive(Debug, Default)]
pub struct ShardRows {
    pub rows: Vec<Row>,
    pub starts: Vec<u32>,
}

impl ShardRows {
    /// Orders rows by bucket, given how many rows each bucket holds (counted as the rows were
    /// built): a counting sort's one scatter pass.
    pub fn from_rows(rows: Vec<Row>, counts: &[u32]) -> Self {
        debug_assert_eq!(counts.iter().map(|&c| c as usize).sum::<usize>(), rows.len());
        let mut starts = vec![0u32; BUCKETS_PER_SHARD + 1];
        for (b, &count) in counts.iter().enumerate() {
            starts[b + 1] = starts[b] + count;
        }
        let mut next = starts.clone();
        let mut ordered = vec![Row::default(); rows.len()];
        for row in rows {
            let b = bucket_of(row.visitor);
            ordered[next[b] as usize] = row;
            next[b] += 1;
        }
        ShardRows { rows: ordered, starts }
    }

    pub fn bucket(&self, b: usize) -> &[Row] {
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.rows.get(from..to).unwrap_or(&[])
    }

    pub fn bucket_mut(&mut self, b: usize) -> &mut [Row] {
        let (from, to) = (self.starts[b] as usize, self.starts[b + 1] as usize);
        self.rows.get_mut(from..to).unwrap_or(&mut [])
    }
}

pub const FLAG_BOT: u8 = 1;
pub const FLAG_ENTRY: u8 = 2;
pub const FLAG_HAS_REVENUE: u8 = 4;
/// The hit carries a screen width, which only the JavaScript tracker sends (not the pixel).
pub const FLAG_TRACKER: u8 = 8;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Row {
    pub visitor: u64,
    pub ts: i64,
    pub hit_id: u64,
    pub revenue: f64,
    pub site: u32,
    pub event: u32,
    pub path: u32,
    /// Pageviews only (0 otherwise).
    pub touch: u32,
    /// Pageviews only (0 otherwise).
    pub dims: u32,
    pub engaged_ms: u32,
    pub currency: u32,
    pub flags: u8,
}

impl Row {
    pub fn is_bot(&self) -> bool {
        self.flags & FLAG_BOT != 0
    }

    /// Hits of one group (site, bot flag, visitor) are sessionized together.
    pub fn group_key(&self) -> (u64, u32, bool) {
        (self.visitor, self.site, self.is_bot())
    }

    /// Total order of rows: by group, then time; the hit id makes ties deterministic and puts
    /// a hit stored twice next to its copy.
    pub fn order_key(&self) -> (u64, u64, i64, u64) {
        (
            self.visitor,
            (u64::from(self.site) << 1) | u64::from(self.is_bot()),
            self.ts,
            self.hit_id,
        )
    }
}

/// The strings and tuples the rows' ids point into.
#[derive(Debug, Default)]
pub struct Tables {
    pub strings: Interner,
    pub touches: TupleTable<9>,
    pub dims: TupleTable<8>,
}

impl Tables {
    pub fn str(&self, id: u32) -> &str {
        self.strings.get(id)
    }

    /// A string id as an option: 0 (empty) is `None`.
    pub fn opt(&self, id: u32) -> Option<&str> {
        (id != 0).then(|| self.strings.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_is_64_bytes() {
        assert_eq!(std::mem::size_of::<Row>(), 64);
    }
}
