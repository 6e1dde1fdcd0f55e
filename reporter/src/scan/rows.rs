//! The compact in-memory form of a hit: ids instead of strings, 80 bytes a row, so a day of a
//! busy site fits comfortably and sorting is cheap.

use super::intern::{Interner, TupleTable};

/// Campaign fields of a hit: utm_source, utm_medium, utm_campaign, utm_term, utm_content,
/// ref_param, click_id_kind (string ids).
pub type Touch = [u32; 7];
pub const TOUCH_SOURCE: usize = 0;
pub const TOUCH_MEDIUM: usize = 1;
pub const TOUCH_CAMPAIGN: usize = 2;
pub const TOUCH_TERM: usize = 3;
pub const TOUCH_CONTENT: usize = 4;
pub const TOUCH_REF: usize = 5;
pub const TOUCH_CLICK_ID: usize = 6;

/// Device and geo of a hit: device_type, browser, browser_version, os, os_version, country, city.
pub type Dims = [u32; 7];
pub const DIM_DEVICE: usize = 0;
pub const DIM_BROWSER: usize = 1;
pub const DIM_BROWSER_VERSION: usize = 2;
pub const DIM_OS: usize = 3;
pub const DIM_OS_VERSION: usize = 4;
pub const DIM_COUNTRY: usize = 5;
pub const DIM_CITY: usize = 6;

pub const FLAG_BOT: u8 = 1;
pub const FLAG_ENTRY: u8 = 2;
pub const FLAG_HAS_REVENUE: u8 = 4;

#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Row {
    pub visitor: u64,
    pub ts: i64,
    pub hit_id: u64,
    pub revenue: f64,
    pub site: u32,
    pub event: u32,
    pub host: u32,
    pub path: u32,
    pub referrer_host: u32,
    pub touch: u32,
    pub dims: u32,
    pub engaged_ms: u32,
    pub currency: u32,
    pub flags: u8,
}

impl Row {
    pub fn is_bot(&self) -> bool {
        self.flags & FLAG_BOT != 0
    }

    /// Sort key: all hits of one visitor (humans and bots apart) together, in time order.
    pub fn group_key(&self) -> (u32, bool, u64) {
        (self.site, self.is_bot(), self.visitor)
    }
}

/// The strings and tuples the rows' ids point into.
#[derive(Debug, Default)]
pub struct Tables {
    pub strings: Interner,
    pub touches: TupleTable<7>,
    pub dims: TupleTable<7>,
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
