//! When traffic happens: each site's hour-of-day curve (`data/daily_rhythms.tsv`) in its time
//! zone, weekday and weekend apart, turned into cumulative hit budgets per UTC hour of the
//! generated range.

use chrono::{Datelike, Timelike, Weekday};
use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE};

use super::catalog::Site;
use super::rng::Weighted;

/// Share of hits made by bots (the brief asks for 5–15 %).
pub const BOT_SHARE: f64 = 0.09;

pub struct Schedule {
    pub start_ms: i64,
    pub end_ms: i64,
    pub hours: u32,
    /// Human hits that should exist once the sessions starting in hours `0..=h` are made.
    human_cum: Vec<u64>,
    bot_cum: Vec<u64>,
    pub human_total: u64,
    pub bot_total: u64,
    /// Per hour and site: the local hour (row-major, `sites` per hour).
    local_hours: Vec<u8>,
    /// Per hour and site: weight of a session starting on that site.
    site_weights: Vec<f64>,
    sites: usize,
}

impl Schedule {
    pub fn new(sites: &[Site], start_ms: i64, days: u32, hits: u64) -> Self {
        let hours = days.saturating_mul(24);
        let n = sites.len();
        let mut local_hours = Vec::with_capacity(hours as usize * n);
        let mut site_weights = Vec::with_capacity(hours as usize * n);
        let mut hour_weight = Vec::with_capacity(hours as usize);
        for h in 0..hours {
            // Mid-hour, so zones with half-hour offsets land in the hour most of it falls in.
            let ms = start_ms + i64::from(h) * MS_PER_HOUR + 30 * MS_PER_MINUTE;
            let mut total = 0.0;
            for site in sites {
                let (hour, weekend) = chrono::DateTime::from_timestamp_millis(ms)
                    .map(|t| t.with_timezone(&site.tz))
                    .map_or((12, false), |t| {
                        (t.hour(), matches!(t.weekday(), Weekday::Sat | Weekday::Sun))
                    });
                let w = site.share * site.rhythm.at(hour, weekend);
                local_hours.push(hour as u8);
                site_weights.push(w);
                total += w;
            }
            hour_weight.push(total);
        }

        let bot_total = if hits == 0 {
            0
        } else {
            ((hits as f64) * BOT_SHARE).round() as u64
        };
        let human_total = hits - bot_total;
        let sum: f64 = hour_weight.iter().sum();
        let mut acc = 0.0;
        let mut human_cum = Vec::with_capacity(hours as usize);
        let mut bot_cum = Vec::with_capacity(hours as usize);
        for (h, w) in hour_weight.iter().enumerate() {
            acc += w;
            let share = if sum > 0.0 { acc / sum } else { 0.0 };
            human_cum.push(((human_total as f64) * share).round() as u64);
            bot_cum.push(((bot_total as f64) * (h + 1) as f64 / f64::from(hours.max(1))).round() as u64);
        }
        // Exact totals at the end whatever the rounding did.
        if let Some(last) = human_cum.last_mut() {
            *last = human_total;
        }
        if let Some(last) = bot_cum.last_mut() {
            *last = bot_total;
        }
        Schedule {
            start_ms,
            end_ms: start_ms + i64::from(hours) * MS_PER_HOUR,
            hours,
            human_cum,
            bot_cum,
            human_total,
            bot_total,
            local_hours,
            site_weights,
            sites: n,
        }
    }

    pub fn hour_start(&self, h: u32) -> i64 {
        self.start_ms + i64::from(h) * MS_PER_HOUR
    }

    pub fn human_target(&self, h: u32) -> u64 {
        self.human_cum.get(h as usize).copied().unwrap_or(self.human_total)
    }

    pub fn bot_target(&self, h: u32) -> u64 {
        self.bot_cum.get(h as usize).copied().unwrap_or(self.bot_total)
    }

    /// Which site a session starting in hour `h` is on.
    pub fn site_picker(&self, h: u32) -> Weighted {
        let from = h as usize * self.sites;
        Weighted::new(self.site_weights[from..from + self.sites].iter().copied())
    }

    pub fn local_hour(&self, h: u32, site: usize) -> u32 {
        u32::from(
            self.local_hours
                .get(h as usize * self.sites + site)
                .copied()
                .unwrap_or(12),
        )
    }
}
