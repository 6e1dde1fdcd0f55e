//! Pages faster than they can be read: the median gap between consecutive pageviews is below
//! `fast_median_gap_seconds` over at least `fast_min_pageviews` pageviews. The median is the
//! lower middle gap (as `median_duration_s`), so it is below the threshold exactly when at least
//! half the gaps, rounded up, are: counted as hits come, no gap list is kept.

use super::{Thresholds, Trace};

pub fn trips(t: &Trace, th: &Thresholds) -> bool {
    let gaps = t.pageviews.saturating_sub(1);
    t.pageviews >= th.fast_min_pageviews.max(2) && t.fast_gaps >= gaps.div_ceil(2)
}
