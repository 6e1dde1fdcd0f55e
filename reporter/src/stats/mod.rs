//! Whether a change between two periods is distinguishable from noise. One file per test:
//! `proportions` (rates: Wilson and Newcombe intervals), `counts` (sessions, visitors,
//! pageviews, conversions: exact Poisson, widened by the day-to-day variation of the
//! comparison period). Every test gives a 95% interval of the change, in the unit `report.json`
//! holds the change in, and a verdict read from that interval alone, so the interval shown and
//! the verdict can never disagree.

pub mod counts;
pub mod proportions;
#[cfg(test)]
mod simulation;

use serde::{Deserialize, Serialize};

/// Confidence level of every interval (two-sided); 1 − LEVEL is the rate of "changes" called on
/// equal periods.
pub const LEVEL: f64 = 0.95;

/// What a test says about a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The whole interval is above zero.
    Up,
    /// The whole interval is below zero.
    Down,
    /// The interval holds zero: the change is within what noise produces.
    NoChange,
}

/// How an interval was computed (`report.json`'s `method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Difference of two proportions, Newcombe's hybrid score interval (from Wilson intervals).
    Newcombe,
    /// Ratio of two Poisson counts, exact (conditional binomial, Clopper–Pearson).
    PoissonExact,
    /// The exact Poisson interval widened to the quasi-Poisson one, the days of the comparison
    /// period varying more than Poisson allows.
    QuasiPoisson,
}

/// The interval of one change and its verdict. `low`/`high` are in the change's unit: a
/// relative change for counts (0.08 = +8%), a difference of fractions for rates (0.004 =
/// +0.4 pp).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Test {
    pub low: f64,
    pub high: f64,
    pub verdict: Verdict,
    pub method: Method,
}

impl Test {
    fn from_interval(low: f64, high: f64, method: Method) -> Self {
        // Six decimals, far finer than any page shows, so report.json reads back the same.
        let (low, high) = (round6(low), round6(high));
        let verdict = if low > 0.0 {
            Verdict::Up
        } else if high < 0.0 {
            Verdict::Down
        } else {
            Verdict::NoChange
        };
        Test {
            low,
            high,
            verdict,
            method,
        }
    }

    pub fn significant(&self) -> bool {
        self.verdict != Verdict::NoChange
    }
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// The standard normal quantile for the two-sided `LEVEL`.
fn z() -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(1.0 - (1.0 - LEVEL) / 2.0)
}
