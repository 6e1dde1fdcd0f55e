//! The `[alerts]` section of `hitflow.toml`: how far back the expected range looks, how wide it
//! is, and how big a change must be before anyone is mailed.
//!
//! ```toml
//! [alerts]
//! baseline_weeks = 6        # same weekday (and hour) of this many previous weeks
//! min_baseline_weeks = 3    # fewer weeks with data: the site is not judged yet
//! k = 3.0                   # range = median ± k · max(1.4826 · MAD, √median) · √(1 + π/2n)
//! min_sessions = 50         # below this (expected and observed) a scope never alerts
//! min_change = 0.2          # and the change must be at least 20 % of the expected value
//! drivers = 3               # dimensions named per anomaly
//! ```

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Previous weeks whose same weekday (or same hour of that weekday) form the baseline.
    pub baseline_weeks: u32,
    /// A site needs this many baseline weeks with data before it is judged at all, so a new
    /// site or a young lake does not alert on its first days.
    pub min_baseline_weeks: u32,
    /// Width of the expected range in robust standard deviations (see `range`).
    pub k: f64,
    /// Minimum volume: a scope alerts only when its expected or observed sessions reach this,
    /// so small channels, where a handful of sessions is a large relative swing, stay quiet.
    pub min_sessions: u64,
    /// Minimum relative change from the expected value: a busy site's 3 % dip can be outside
    /// its narrow range and still not be worth a message.
    pub min_change: f64,
    /// Dimensions (landing page, country, ...) named as drivers of each anomaly.
    pub drivers: usize,
    /// A slice is named as a driver only when it carries at least this share of the change.
    pub driver_min_share: f64,
    /// Slices of a dimension are named until together they carry this share of the change.
    pub driver_cover: f64,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        AlertsConfig {
            baseline_weeks: 6,
            min_baseline_weeks: 3,
            k: 3.0,
            min_sessions: 50,
            min_change: 0.2,
            drivers: 3,
            driver_min_share: 0.1,
            driver_cover: 0.67,
        }
    }
}

impl AlertsConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.baseline_weeks == 0 || self.baseline_weeks > 52 {
            return Err("alerts.baseline_weeks must be in 1..=52".into());
        }
        if self.min_baseline_weeks == 0 || self.min_baseline_weeks > self.baseline_weeks {
            return Err("alerts.min_baseline_weeks must be in 1..=baseline_weeks".into());
        }
        if !(self.k.is_finite() && self.k > 0.0) {
            return Err("alerts.k must be a positive number".into());
        }
        if !(self.min_change.is_finite() && self.min_change >= 0.0) {
            return Err("alerts.min_change must be a number ≥ 0".into());
        }
        for (name, value) in [
            ("driver_min_share", self.driver_min_share),
            ("driver_cover", self.driver_cover),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(format!("alerts.{name} must be in 0..=1"));
            }
        }
        Ok(())
    }
}
