//! Which slices explain an anomaly: Adtributor (Bhagwan et al., "Adtributor: Revenue Debugging
//! in Advertising Systems", NSDI 2014), on session counts.
//!
//! For each dimension (landing page, country, device, referrer, campaign; the channel for a
//! whole site), each slice `v` has an expected count `F_v` — its mean over the baseline windows,
//! so slices add up to the scope's expected total `F` — and the observed count `A_v`:
//! - **share of the change** (explanatory power) `EP_v = (A_v − F_v) / (A − F)`: the part of the
//!   scope's change that happened in this slice. Shares of one dimension add up to 1; a slice
//!   that moved against the change has a negative share.
//! - **surprise** `S_v`: the slice's term of the Jensen–Shannon divergence between the expected
//!   mix `p_v = F_v / F` and the observed mix `q_v = A_v / A`. A slice that fell exactly as
//!   much as everything else did has no surprise: "all of Germany dropped" says nothing when
//!   all traffic is from Germany.
//!
//! - **deviation** `z_v = (A_v − r·F_v) / √(r·F_v)`, `r = A / F`: how many Poisson standard
//!   deviations the slice is from what it would be had it changed like the whole scope. Small
//!   slices' mixes are noisy; a surprise without a deviation is that noise.
//!
//! Per dimension, slices are taken by decreasing surprise, each carrying at least
//! `driver_min_share` of the change, until together they carry `driver_cover` of it; a dimension
//! whose slices cannot reach that, or none of whose slices deviates by `k` (the range's width),
//! is no explanation. Dimensions are ranked by the surprise of the slices taken, and the top
//! `drivers` reported, their slices by share of the change: the first slice of the first
//! dimension is the main driver.

use serde::Serialize;

use super::config::AlertsConfig;
use super::tally::{Dimension, Tally};

/// Dimensions whose taken slices are less surprising than this (in nats) moved with the rest of
/// the scope: proportional changes, or the noise of a few sessions.
const MIN_SURPRISE: f64 = 1e-3;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Driver {
    pub value: String,
    pub observed: u64,
    /// Mean of the baseline windows.
    pub expected: f64,
    /// Share of the scope's change that happened in this slice.
    pub share_of_change: f64,
    pub surprise: f64,
    /// Poisson standard deviations from a change proportional to the scope's.
    pub deviation: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DriverDimension {
    pub dimension: Dimension,
    pub surprise: f64,
    pub slices: Vec<Driver>,
}

/// The slice's Jensen–Shannon term: ½·(p·ln(2p/(p+q)) + q·ln(2q/(p+q))), 0·ln 0 = 0.
pub fn surprise(p: f64, q: f64) -> f64 {
    let term = |x: f64| {
        if x > 0.0 {
            x * (2.0 * x / (p + q)).ln()
        } else {
            0.0
        }
    };
    0.5 * (term(p) + term(q))
}

/// The drivers of the change from the baseline to `target`, best dimension first.
pub fn explain(
    target: &Tally,
    baseline: &[&Tally],
    dimensions: &[Dimension],
    config: &AlertsConfig,
) -> Vec<DriverDimension> {
    if baseline.is_empty() {
        return Vec::new();
    }
    let weeks = baseline.len() as f64;
    let mut found: Vec<DriverDimension> = dimensions
        .iter()
        .filter_map(|&dimension| {
            let mut slices: Vec<(String, u64, f64)> = Vec::new();
            let mut add =
                |value: &str, observed: u64, expected: f64| match slices.iter_mut().find(|(v, _, _)| v == value) {
                    Some(slice) => {
                        slice.1 += observed;
                        slice.2 += expected;
                    }
                    None => slices.push((value.to_owned(), observed, expected)),
                };
            for ((d, value), &n) in &target.slices {
                if *d == dimension {
                    add(value, n, 0.0);
                }
            }
            for week in baseline {
                for ((d, value), &n) in &week.slices {
                    if *d == dimension {
                        add(value, 0, n as f64 / weeks);
                    }
                }
            }
            dimension_drivers(dimension, slices, config)
        })
        .collect();
    found.sort_by(|a, b| b.surprise.total_cmp(&a.surprise));
    found.truncate(config.drivers);
    found
}

fn dimension_drivers(
    dimension: Dimension,
    slices: Vec<(String, u64, f64)>,
    config: &AlertsConfig,
) -> Option<DriverDimension> {
    let observed: f64 = slices.iter().map(|s| s.1 as f64).sum();
    let expected: f64 = slices.iter().map(|s| s.2).sum();
    let change = observed - expected;
    if change.abs() < 0.5 {
        return None;
    }
    let share = |x: f64, total: f64| if total > 0.0 { x / total } else { 0.0 };
    let ratio = share(observed, expected);
    let mut drivers: Vec<Driver> = slices
        .into_iter()
        .map(|(value, a, f)| Driver {
            surprise: surprise(share(f, expected), share(a as f64, observed)),
            deviation: (a as f64 - ratio * f) / (ratio * f).max(1.0).sqrt(),
            share_of_change: (a as f64 - f) / change,
            value,
            observed: a,
            expected: f,
        })
        .collect();
    drivers.sort_by(|a, b| b.surprise.total_cmp(&a.surprise).then_with(|| a.value.cmp(&b.value)));
    let mut taken = Vec::new();
    let mut covered = 0.0;
    for driver in drivers {
        if covered >= config.driver_cover {
            break;
        }
        if driver.share_of_change >= config.driver_min_share {
            covered += driver.share_of_change;
            taken.push(driver);
        }
    }
    let surprise: f64 = taken.iter().map(|d| d.surprise).sum();
    let deviates = taken.iter().any(|d| d.deviation.abs() >= config.k);
    taken.sort_by(|a, b| b.share_of_change.total_cmp(&a.share_of_change));
    (covered >= config.driver_cover && surprise >= MIN_SURPRISE && deviates).then_some(DriverDimension {
        dimension,
        surprise,
        slices: taken,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(dimension: Dimension, slices: &[(&str, u64)]) -> Tally {
        Tally {
            sessions: slices.iter().map(|s| s.1).sum(),
            slices: slices.iter().map(|&(v, n)| ((dimension, v.to_owned()), n)).collect(),
        }
    }

    #[test]
    fn surprise_terms_add_up_to_the_jensen_shannon_divergence() {
        // JS((½, ½), (1, 0)) = ½·KL(p‖m) + ½·KL(q‖m) with m = (¾, ¼), in closed form
        // ½·(½·ln ⅔ + ½·ln 2) + ½·ln 4⁄3 = 0.215762 nats.
        let js = surprise(0.5, 1.0) + surprise(0.5, 0.0);
        let closed = 0.5 * (0.5 * (2.0f64 / 3.0).ln() + 0.5 * 2.0f64.ln()) + 0.5 * (4.0f64 / 3.0).ln();
        assert!((js - closed).abs() < 1e-12 && (js - 0.215_761_554).abs() < 1e-9, "{js}");
        // Identical mixes: nothing is surprising.
        for p in [0.0, 0.1, 0.5, 1.0] {
            assert_eq!(surprise(p, p), 0.0);
        }
        // Disjoint mixes: ln 2 in total, the maximum.
        assert!((surprise(1.0, 0.0) + surprise(0.0, 1.0) - std::f64::consts::LN_2).abs() < 1e-12);
    }

    #[test]
    fn a_slice_that_vanished_is_the_driver_and_proportional_slices_are_not() {
        let config = AlertsConfig::default();
        let baseline = [
            tally(Dimension::LandingPage, &[("/", 100), ("/pricing", 120), ("/blog", 60)]),
            tally(Dimension::LandingPage, &[("/", 104), ("/pricing", 116), ("/blog", 62)]),
        ];
        let mut target = tally(Dimension::LandingPage, &[("/", 101), ("/pricing", 3), ("/blog", 60)]);
        // Every session is from Germany, before and after: no explanation.
        target.slices.insert((Dimension::Country, "DE".into()), target.sessions);
        let baseline: Vec<Tally> = baseline
            .into_iter()
            .map(|mut t| {
                t.slices.insert((Dimension::Country, "DE".into()), t.sessions);
                t
            })
            .collect();
        let refs: Vec<&Tally> = baseline.iter().collect();
        let found = explain(&target, &refs, &[Dimension::Country, Dimension::LandingPage], &config);
        assert_eq!(found.len(), 1, "{found:#?}");
        assert_eq!(found[0].dimension, Dimension::LandingPage);
        let main = &found[0].slices[0];
        assert_eq!(
            (main.value.as_str(), main.observed, main.expected),
            ("/pricing", 3, 118.0)
        );
        // Change: 164 − 281 = −117; /pricing: 3 − 118 = −115, 98.3 % of it.
        assert!((main.share_of_change - 115.0 / 117.0).abs() < 1e-12, "{main:?}");
        assert_eq!(found[0].slices.len(), 1);
    }

    #[test]
    fn an_even_change_names_no_driver() {
        let config = AlertsConfig::default();
        let before = tally(Dimension::Device, &[("desktop", 200), ("mobile", 100)]);
        let after = tally(Dimension::Device, &[("desktop", 100), ("mobile", 50)]);
        assert!(explain(&after, &[&before], &[Dimension::Device], &config).is_empty());
        // A small scope's mix wobbles: 11 of 19 on desktop where 25 of 52 were is no driver.
        let before = tally(Dimension::Device, &[("desktop", 25), ("mobile", 27)]);
        let after = tally(Dimension::Device, &[("desktop", 11), ("mobile", 8)]);
        assert!(explain(&after, &[&before], &[Dimension::Device], &config).is_empty());
        // No change at all: nothing to explain.
        assert!(explain(&before, &[&before], &[Dimension::Device], &config).is_empty());
    }
}
