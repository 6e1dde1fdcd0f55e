//! The expected range of a count from its baseline (the same weekday or hour of previous weeks).
//!
//! Centre: the median of the baseline counts. Width: `k` robust standard deviations, where the
//! standard deviation is estimated two ways and the larger is used:
//! - `1.4826 · MAD` (median absolute deviation, scaled to equal σ for normal data — R's
//!   `mad()` default), which follows the real week-to-week variation of the site and ignores
//!   one odd week (a holiday, a past incident) in the baseline;
//! - `√median`, the Poisson standard deviation: even weeks that happened to be almost equal do
//!   not make a range narrower than counting noise, so a steady baseline cannot alert on a
//!   handful of sessions.
//!
//! Web traffic is over-dispersed (its variance exceeds its mean), so the MAD term usually wins
//! on busy scopes and the Poisson floor on quiet ones. The median of `n` weeks is itself an
//! estimate, with a variance of π·σ²/(2n) for normal data, so a new day deviates from it by
//! √(1 + π/(2n)) more (×1.12 for six weeks): a prediction interval, not a confidence interval
//! of the median.
//!
//! Six weeks are few: the MAD of six values is a noisy estimate, and a normal day leaves the
//! range more often than a normal law's 0.27 % for k = 3 (`detect`'s simulation measures it).
//! Alerts therefore also need a minimum change (`detect`), which keeps busy, over-dispersed
//! sites quiet.

use serde::Serialize;

/// Scales the MAD of normally distributed data to its standard deviation (1 / Φ⁻¹(3/4)).
pub const MAD_TO_SD: f64 = 1.4826;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ExpectedRange {
    /// Median of the baseline.
    pub expected: f64,
    pub low: f64,
    pub high: f64,
    /// The standard deviation of a new count: `max(1.4826 · MAD, √median) · √(1 + π/(2n))`.
    pub sd: f64,
}

/// Median of the values (mean of the middle two for an even count); `None` when empty.
pub fn median(values: &[f64]) -> Option<f64> {
    let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if sorted.is_empty() {
        return None;
    }
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    Some(if sorted.len().is_multiple_of(2) {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    } else {
        sorted[mid]
    })
}

/// Median absolute deviation from the median (unscaled).
pub fn mad(values: &[f64]) -> Option<f64> {
    let centre = median(values)?;
    let deviations: Vec<f64> = values.iter().map(|v| (v - centre).abs()).collect();
    median(&deviations)
}

impl ExpectedRange {
    /// The range of a baseline of counts; `None` for an empty baseline.
    pub fn of(baseline: &[u64], k: f64) -> Option<Self> {
        let values: Vec<f64> = baseline.iter().map(|&c| c as f64).collect();
        let expected = median(&values)?;
        let prediction = (1.0 + std::f64::consts::PI / (2.0 * values.len() as f64)).sqrt();
        let sd = (MAD_TO_SD * mad(&values)?).max(expected.sqrt()) * prediction;
        Some(ExpectedRange {
            expected,
            low: (expected - k * sd).max(0.0),
            high: expected + k * sd,
            sd,
        })
    }

    pub fn contains(&self, observed: f64) -> bool {
        (self.low..=self.high).contains(&observed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_mad_match_published_values() {
        // (data, median, MAD): the first is Wikipedia's "Median absolute deviation" example;
        // R gives mad(x) = 1.4826 * MAD for each (`mad(c(1, 1, 2, 2, 4, 6, 9))` = 1.4826).
        for (data, med, raw_mad) in [
            (vec![1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0], 2.0, 1.0),
            (vec![1.0, 2.0, 3.0, 4.0, 100.0], 3.0, 1.0),
            (vec![2.0, 4.0, 6.0, 8.0], 5.0, 2.0),
            (vec![7.0], 7.0, 0.0),
        ] {
            assert_eq!(median(&data), Some(med), "{data:?}");
            assert_eq!(mad(&data), Some(raw_mad), "{data:?}");
        }
        assert_eq!(median(&[]), None);
    }

    #[test]
    fn ranges_follow_the_larger_of_mad_and_poisson() {
        // Spread baseline: MAD 20 → 29.652 beats √400 = 20; five weeks widen it by
        // √(1 + π/10) = 1.145608: sd 33.9921.
        let r = ExpectedRange::of(&[380, 400, 420, 360, 440], 3.0).unwrap();
        assert_eq!(r.expected, 400.0);
        assert!((r.sd - 33.9921).abs() < 1e-4, "{r:?}");
        assert!((r.low - (400.0 - 3.0 * r.sd)).abs() < 1e-9 && (r.high - (400.0 + 3.0 * r.sd)).abs() < 1e-9);
        // Identical weeks: the Poisson floor √100 = 10, × √(1 + π/8) = 1.180127 for four
        // weeks, keeps the range at 64.596..135.404.
        let r = ExpectedRange::of(&[100, 100, 100, 100], 3.0).unwrap();
        assert!(
            (r.low - 64.5962).abs() < 1e-4 && (r.high - 135.4038).abs() < 1e-4,
            "{r:?}"
        );
        assert!(r.contains(70.0) && !r.contains(60.0) && !r.contains(136.0));
        // One odd week (a holiday) does not move the median or widen the range much.
        let odd = ExpectedRange::of(&[100, 102, 98, 5, 101], 3.0).unwrap();
        assert_eq!(odd.expected, 100.0);
        assert!(odd.high < 136.0, "{odd:?}");
        // The range never goes below zero.
        assert_eq!(ExpectedRange::of(&[1, 2, 1], 3.0).unwrap().low, 0.0);
        assert_eq!(ExpectedRange::of(&[], 3.0), None);
    }
}
