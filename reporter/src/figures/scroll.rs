//! Scroll depth: how far down the page a page view went, from the tracker's engagement beacons
//! (`scroll_depth`, the deepest point seen as % of the page height). A page view's depth is the
//! largest any of its beacons reported; page views without a beacon (no JavaScript, the pixel, a
//! beacon lost) have none and are left out rather than counted as 0.

use serde::{Deserialize, Serialize};

/// What `report.json` says about the scroll depth of a page, a channel or the site.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct ScrollFigures {
    /// Median scroll depth (%) of the page views that have one; null when none has.
    #[serde(default)]
    pub median_scroll_depth: Option<f64>,
    /// The page views that median is based on (those with an engagement beacon).
    #[serde(default)]
    pub scroll_depth_page_views: u64,
}

impl From<&ScrollDepths> for ScrollFigures {
    fn from(depths: &ScrollDepths) -> Self {
        ScrollFigures {
            median_scroll_depth: depths.median(),
            scroll_depth_page_views: depths.page_views(),
        }
    }
}

/// Page views by depth, 0..=100 %: an exact median that merges across shards by adding counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScrollDepths([u64; 101]);

impl Default for ScrollDepths {
    fn default() -> Self {
        ScrollDepths([0; 101])
    }
}

impl ScrollDepths {
    /// Adds a page view's depth; more than 100 (only a damaged file holds it) counts as 100.
    pub fn add(&mut self, depth: u8) {
        self.0[usize::from(depth.min(100))] += 1;
    }

    pub fn merge(&mut self, other: &ScrollDepths) {
        for (into, from) in self.0.iter_mut().zip(other.0) {
            *into += from;
        }
    }

    /// Page views with a depth.
    pub fn page_views(&self) -> u64 {
        self.0.iter().sum()
    }

    /// The median depth in %: the middle page view's, or the mean of the two middle ones when
    /// their number is even; `None` without page views.
    pub fn median(&self) -> Option<f64> {
        let n = self.page_views();
        if n == 0 {
            return None;
        }
        let (low, high) = (self.at_rank((n - 1) / 2), self.at_rank(n / 2));
        Some((f64::from(low) + f64::from(high)) / 2.0)
    }

    /// The depth of the page view at 0-based `rank` in depth order (`rank` < `page_views()`).
    fn at_rank(&self, rank: u64) -> u8 {
        let mut seen = 0;
        for (depth, &count) in self.0.iter().enumerate() {
            seen += count;
            if seen > rank {
                return depth as u8;
            }
        }
        100
    }
}

#[cfg(test)]
mod tests {
    use super::ScrollDepths;

    fn of(depths: &[u8]) -> ScrollDepths {
        let mut h = ScrollDepths::default();
        for &d in depths {
            h.add(d);
        }
        h
    }

    #[test]
    fn median_of_known_values() {
        let cases: &[(&[u8], Option<f64>)] = &[
            (&[], None),
            (&[37], Some(37.0)),
            (&[0, 100], Some(50.0)),
            (&[10, 20, 90], Some(20.0)),
            (&[100, 10, 30, 20], Some(25.0)),
            (&[25, 25, 25, 80], Some(25.0)),
            (&[0, 0, 1], Some(0.0)),
            (&[255, 100, 99], Some(100.0)), // over 100 counts as 100
        ];
        for &(depths, want) in cases {
            assert_eq!(of(depths).median(), want, "{depths:?}");
            assert_eq!(of(depths).page_views(), depths.len() as u64);
        }
    }

    /// Shards merged give the median of all page views, not a median of medians.
    #[test]
    fn merged_shards_give_the_overall_median() {
        let mut a = of(&[10, 10, 10]);
        let b = of(&[90, 95]);
        let c = of(&[60, 70]);
        a.merge(&b);
        a.merge(&c);
        assert_eq!(a, of(&[10, 10, 10, 90, 95, 60, 70]));
        assert_eq!(a.median(), Some(60.0));
    }
}
