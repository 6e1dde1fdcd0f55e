//! Hundreds of pageviews in one session: more than a person reads in a sitting (the session's
//! maximum length and inactivity timeout still apply), what crawlers and scrapers do.

use super::{Thresholds, Trace};

pub fn trips(t: &Trace, th: &Thresholds) -> bool {
    th.many_pageviews > 0 && t.pageviews >= th.many_pageviews
}
