//! The hit: one page view, event or engagement beacon, after enrichment at the edge.
//!
//! This struct is also the Queue message the collector sends to its consumer, so it is
//! serde-serialisable; the Parquet columns are listed in [`crate::columns`].

use serde::{Deserialize, Serialize};

/// Event name of a page view (the tracker's default).
pub const EVENT_PAGEVIEW: &str = "pageview";
/// Event name of the beacon sent when a page is hidden, carrying `engaged_ms`.
pub const EVENT_ENGAGEMENT: &str = "engagement";
/// Event name of a click on a link to another site.
pub const EVENT_OUTBOUND: &str = "outbound";
/// Event name of a click on a file download link.
pub const EVENT_DOWNLOAD: &str = "download";

/// Device classes the collector assigns.
pub const DEVICE_TYPES: [&str; 7] = ["desktop", "mobile", "tablet", "tv", "console", "bot", "other"];

/// The largest absolute revenue of one hit. The collector refuses a larger or non-finite amount,
/// and the reporter counts a stored one (a file written by anything else) as a bad row rather
/// than summing it.
pub const MAX_REVENUE_ABS: f64 = 1e12;

/// One enriched hit. `None` means "not known", stored as Parquet null.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    /// Time the collector received the hit, milliseconds since the Unix epoch, UTC.
    pub ts: i64,
    /// Random id given at ingest; lets readers drop a hit stored twice by a retried batch.
    pub hit_id: u64,
    /// Site as configured in the allow-list (e.g. `example.com`).
    pub site: String,
    /// `pageview`, `engagement`, `outbound`, `download` or a custom event name.
    pub event: String,
    /// Keyed hash of (daily salt, site, IP, User-Agent); rotates every UTC day.
    pub visitor_id: u64,
    pub url_host: String,
    /// Path only: the query string is stripped apart from the campaign fields below.
    pub url_path: String,
    pub referrer_host: Option<String>,
    pub referrer_path: Option<String>,
    pub utm_source: Option<String>,
    pub utm_medium: Option<String>,
    pub utm_campaign: Option<String>,
    pub utm_term: Option<String>,
    pub utm_content: Option<String>,
    /// Value of a `ref` or `source` query parameter (Plausible-style source tagging).
    pub ref_param: Option<String>,
    /// Which ad click id was present (`gclid`, `fbclid`, ...): the kind, never the id itself.
    pub click_id_kind: Option<String>,
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub continent: Option<String>,
    pub timezone: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    /// Cloudflare data centre that received the hit.
    pub colo: Option<String>,
    /// One of [`DEVICE_TYPES`].
    pub device_type: String,
    pub browser: Option<String>,
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
    pub is_bot: bool,
    /// Why the hit was flagged as a bot (`ua:crawler`, `asn:datacenter`, ...).
    pub bot_reason: Option<String>,
    /// Milliseconds the page was visible (engagement beacons).
    pub engaged_ms: Option<u32>,
    pub screen_width: Option<u32>,
    /// Deepest point of the page seen, % of its height, 0..=100 (engagement beacons); `None` in
    /// files written before the column existed.
    pub scroll_depth: Option<u32>,
    /// Finite and within ±[`MAX_REVENUE_ABS`]: the collector refuses anything else and readers
    /// drop a stored hit outside it.
    pub revenue: Option<f64>,
    /// ISO 4217 code of `revenue`.
    pub currency: Option<String>,
    /// Custom event properties as a JSON object text.
    pub props: Option<String>,
    /// True on the first hit of a browser session (tab opened or browser restarted), as told by
    /// the tracker; `None` when the tracker does not report it.
    pub entry: Option<bool>,
}

impl Hit {
    pub fn is_pageview(&self) -> bool {
        self.event == EVENT_PAGEVIEW
    }
}
