//! Checks of the Parquet fuzz targets: the reporter's decoder (`scan::decode::decode`, which must
//! never panic on any object) and the schema crate's full reader (`read_parquet`, used by
//! compaction), on arbitrary bytes and on valid hit files, as written, then damaged.

use bytes::Bytes;
use hitflow_reporter::rows::file::FileRows;
use hitflow_reporter::scan::decode::{decode, Projection};
use hitflow_schema::batch_writer::write_batch_parquet;
use hitflow_schema::{read_parquet, write_parquet, Hit, DEVICE_TYPES};

/// Accepted (`Ok`) or rejected with the reason (`Err`).
pub type Outcome = Result<(), String>;

const NARROW: Projection = Projection {
    entry: false,
    term_and_content: false,
};

/// Both readers on one object. The decoder's figure is the outcome; when both read it, the
/// decoder never yields more rows than the file holds.
pub fn parquet_decode(data: &[u8]) -> Outcome {
    let bytes = Bytes::copy_from_slice(data);
    let full = read_parquet(bytes.clone());
    let _ = decode(bytes.clone(), NARROW);
    let decoded = decode(bytes, Projection::ALL);
    if let (Ok(rows), Ok(hits)) = (&decoded, &full) {
        assert!(
            rows.rows() <= hits.len(),
            "decode: {} rows, read_parquet: {}",
            rows.rows(),
            hits.len()
        );
    }
    decoded.map(|_| ()).map_err(|e| e.to_string())
}

/// Hits built from the input, written by both writers (arrow-rs' and the collector's batch
/// writer); each file must read back exactly, through both readers. The rest of the input then
/// damages each file (byte changes at chosen offsets, a truncation), and both readers must
/// still answer without panicking.
pub fn parquet_roundtrip(data: &[u8]) -> Outcome {
    let mut input = Input(data);
    let count = usize::from(input.byte() % 17);
    let hits: Vec<Hit> = (0..count).map(|_| input.hit()).collect();
    let edits: Vec<(u32, u8)> = (0..input.byte() % 16).map(|_| (input.u32(), input.byte())).collect();
    let truncate = input.bool().then(|| input.u32());
    for (writer, file) in [
        ("write_parquet", write_parquet(&hits)),
        ("write_batch_parquet", write_batch_parquet(&hits)),
    ] {
        let file = file.unwrap_or_else(|e| panic!("{writer} fails on {hits:?}: {e}"));
        let back = read_parquet(file.clone()).unwrap_or_else(|e| panic!("read_parquet of {writer}: {e}"));
        assert!(
            back.len() == hits.len()
                && back
                    .iter()
                    .zip(&hits)
                    .all(|(a, b)| format!("{a:?}") == format!("{b:?}")),
            "{writer} round trip:\n{hits:?}\n{back:?}"
        );
        let rows = decode(Bytes::from(file.clone()), Projection::ALL)
            .unwrap_or_else(|e| panic!("decode of {writer} fails: {e}"));
        check_rows(&rows, &hits, writer);
        if edits.is_empty() && truncate.is_none() {
            continue;
        }
        let mut damaged = file;
        for &(offset, value) in &edits {
            if !damaged.is_empty() {
                let at = offset as usize % damaged.len();
                damaged[at] ^= value.max(1);
            }
        }
        if let Some(cut) = truncate {
            damaged.truncate(cut as usize % (damaged.len() + 1));
        }
        let _ = parquet_decode(&damaged);
    }
    Ok(())
}

/// The decoder keeps every hit (they all have `ts` and `visitor_id`) with its ids and time, but
/// those whose revenue no collector stores (NaN, ±inf, beyond ±1e12): those it counts as bad rows.
fn check_rows(rows: &FileRows, hits: &[Hit], writer: &str) {
    let valid = |h: &&Hit| h.revenue.is_none_or(|r| r.abs() <= hitflow_schema::MAX_REVENUE_ABS);
    let mut got: Vec<(u64, i64, u64)> = rows
        .shards
        .iter()
        .flat_map(|s| s.rows.iter().map(|r| (r.visitor, r.ts, r.hit_id)))
        .collect();
    let mut want: Vec<(u64, i64, u64)> = hits
        .iter()
        .filter(valid)
        .map(|h| (h.visitor_id, h.ts, h.hit_id))
        .collect();
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "decode of {writer}");
    assert_eq!(rows.bad_rows as usize, hits.len() - want.len(), "bad rows of {writer}");
    assert_eq!(
        rows.min_ts,
        hits.iter().filter(valid).map(|h| h.ts).min(),
        "decode of {writer}"
    );
}

/// Reads fuzz input as hit fields; past its end every read is zero.
struct Input<'a>(&'a [u8]);

/// Strings that repeat across hits (so dictionaries get shared values) and edge cases.
const WORDS: [&str; 12] = [
    "",
    "pageview",
    "example.com",
    "/",
    "engagement",
    "google.com",
    "é",
    "\u{0}",
    "\u{10FFFF}",
    "EUR",
    "{\"plan\":\"pro\"}",
    "a/b/../c",
];

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }
    fn bool(&mut self) -> bool {
        self.byte() & 1 == 1
    }
    fn array<const N: usize>(&mut self) -> [u8; N] {
        std::array::from_fn(|_| self.byte())
    }
    fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }
    fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }
    /// A listed word (`0..12`), or up to 63 input bytes as (lossy) UTF-8.
    fn text(&mut self) -> String {
        let tag = self.byte();
        match usize::from(tag & 0x3f) {
            w if w < WORDS.len() && tag & 0x40 == 0 => WORDS[w].to_owned(),
            n => {
                let (head, rest) = self.0.split_at(n.min(self.0.len()));
                self.0 = rest;
                String::from_utf8_lossy(head).into_owned()
            }
        }
    }
    fn opt_text(&mut self) -> Option<String> {
        self.bool().then(|| self.text())
    }
    fn opt_u32(&mut self) -> Option<u32> {
        self.bool().then(|| self.u32())
    }
    fn hit(&mut self) -> Hit {
        Hit {
            ts: self.u64() as i64,
            hit_id: self.u64(),
            site: self.text(),
            event: self.text(),
            visitor_id: self.u64(),
            url_host: self.text(),
            url_path: self.text(),
            referrer_host: self.opt_text(),
            referrer_path: self.opt_text(),
            utm_source: self.opt_text(),
            utm_medium: self.opt_text(),
            utm_campaign: self.opt_text(),
            utm_term: self.opt_text(),
            utm_content: self.opt_text(),
            ref_param: self.opt_text(),
            click_id_kind: self.opt_text(),
            country: self.opt_text(),
            region: self.opt_text(),
            city: self.opt_text(),
            continent: self.opt_text(),
            timezone: self.opt_text(),
            asn: self.opt_u32(),
            as_org: self.opt_text(),
            colo: self.opt_text(),
            device_type: DEVICE_TYPES[usize::from(self.byte()) % DEVICE_TYPES.len()].to_owned(),
            browser: self.opt_text(),
            browser_version: self.opt_text(),
            os: self.opt_text(),
            os_version: self.opt_text(),
            is_bot: self.bool(),
            bot_reason: self.opt_text(),
            engaged_ms: self.opt_u32(),
            screen_width: self.opt_u32(),
            scroll_depth: self.opt_u32(),
            revenue: self.bool().then(|| f64::from_le_bytes(self.array())),
            currency: self.opt_text(),
            props: self.opt_text(),
            entry: self.bool().then(|| self.bool()),
        }
    }
}
