//! The row model shared by reading and sessionizing: the compact in-memory form of a hit (ids
//! instead of strings, 64 bytes a row, so a day of a busy site fits comfortably and sorting is
//! cheap), the tables its ids point into, and a decoded file's rows before and after its ids are
//! made global (`file`).
//!
//! Only a session's landing pageview decides its source, referrer, device and place, and only
//! pageviews can change the source, so those fields (a `SourceIds` and a `ClientIds` tuple) are
//! interned for pageviews alone; other hits carry 0 there.

pub mod file;
pub mod intern;

use hitflow_schema::columns::names as col;

use intern::{Interner, TupleTable};

/// The hit columns of a `SourceIds` tuple, in its order: where a pageview came from.
pub const SOURCE_COLUMNS: [&str; 9] = [
    col::utm_source,
    col::utm_medium,
    col::utm_campaign,
    col::utm_term,
    col::utm_content,
    col::ref_param,
    col::click_id_kind,
    col::referrer_host,
    col::url_host,
];
/// String ids of a pageview's `SOURCE_COLUMNS`.
pub type SourceIds = [u32; SOURCE_COLUMNS.len()];
pub const SOURCE_UTM_SOURCE: usize = position(&SOURCE_COLUMNS, col::utm_source);
pub const SOURCE_UTM_MEDIUM: usize = position(&SOURCE_COLUMNS, col::utm_medium);
pub const SOURCE_UTM_CAMPAIGN: usize = position(&SOURCE_COLUMNS, col::utm_campaign);
pub const SOURCE_UTM_TERM: usize = position(&SOURCE_COLUMNS, col::utm_term);
pub const SOURCE_UTM_CONTENT: usize = position(&SOURCE_COLUMNS, col::utm_content);
pub const SOURCE_REF: usize = position(&SOURCE_COLUMNS, col::ref_param);
pub const SOURCE_CLICK_ID: usize = position(&SOURCE_COLUMNS, col::click_id_kind);
pub const SOURCE_REFERRER: usize = position(&SOURCE_COLUMNS, col::referrer_host);
pub const SOURCE_URL_HOST: usize = position(&SOURCE_COLUMNS, col::url_host);

/// The hit columns of a `ClientIds` tuple, in its order: what the collector derived from the
/// visitor's client (device from the User-Agent, place and network from the IP, bot verdict).
/// The last two feed the bot ledger and the hosting rule of `automation`.
pub const CLIENT_COLUMNS: [&str; 8] = [
    col::device_type,
    col::browser,
    col::browser_version,
    col::os,
    col::os_version,
    col::country,
    col::as_org,
    col::bot_reason,
];
/// String ids of a pageview's `CLIENT_COLUMNS`.
pub type ClientIds = [u32; CLIENT_COLUMNS.len()];
pub const CLIENT_DEVICE: usize = position(&CLIENT_COLUMNS, col::device_type);
pub const CLIENT_BROWSER: usize = position(&CLIENT_COLUMNS, col::browser);
pub const CLIENT_BROWSER_VERSION: usize = position(&CLIENT_COLUMNS, col::browser_version);
pub const CLIENT_OS: usize = position(&CLIENT_COLUMNS, col::os);
pub const CLIENT_OS_VERSION: usize = position(&CLIENT_COLUMNS, col::os_version);
pub const CLIENT_COUNTRY: usize = position(&CLIENT_COLUMNS, col::country);
pub const CLIENT_AS_ORG: usize = position(&CLIENT_COLUMNS, col::as_org);
pub const CLIENT_BOT_REASON: usize = position(&CLIENT_COLUMNS, col::bot_reason);

/// The index of `name` in `columns`; a name not in the list fails the build.
pub const fn position(columns: &[&str], name: &str) -> usize {
    let mut i = 0;
    while i < columns.len() {
        if same(columns[i].as_bytes(), name.as_bytes()) {
            return i;
        }
        i += 1;
    }
    panic!("column not in the list")
}

const fn same(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

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
    /// `SourceIds` id; pageviews only (0 otherwise).
    pub source: u32,
    /// `ClientIds` id; pageviews only (0 otherwise).
    pub client: u32,
    pub engaged_ms: u32,
    pub currency: u32,
    pub flags: u8,
    /// Scroll depth in %, at most 100 (engagement beacons).
    pub scroll: Option<u8>,
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
    pub sources: TupleTable<{ SOURCE_COLUMNS.len() }>,
    pub clients: TupleTable<{ CLIENT_COLUMNS.len() }>,
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
