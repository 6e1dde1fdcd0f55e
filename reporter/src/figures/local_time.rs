//! Local day and hour of timestamps in a site's time zone, with the UTC offset cached per
//! quarter-hour (offsets only change on such boundaries), so millions of sessions cost a few
//! time-zone lookups.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};
use rustc_hash::FxHashMap;

const QUARTER_MS: i64 = 15 * MS_PER_MINUTE;

#[derive(Debug)]
pub struct LocalClock {
    tz: Tz,
    offsets: FxHashMap<i64, i64>,
    /// The last quarter-hour looked up and its offset: sessions come in runs of nearby times.
    last: (i64, i64),
}

impl LocalClock {
    pub fn new(tz: Tz) -> Self {
        LocalClock {
            tz,
            offsets: FxHashMap::default(),
            last: (i64::MIN, 0),
        }
    }

    fn local_ms(&mut self, ts: i64) -> i64 {
        let quarter = ts.div_euclid(QUARTER_MS);
        if self.last.0 == quarter {
            return ts + self.last.1;
        }
        let tz = self.tz;
        let offset = *self
            .offsets
            .entry(quarter)
            .or_insert_with(|| match tz.timestamp_millis_opt(ts) {
                chrono::LocalResult::Single(t) => i64::from(t.offset().fix().local_minus_utc()) * MS_PER_SECOND,
                _ => 0,
            });
        self.last = (quarter, offset);
        ts + offset
    }

    /// Local calendar day (days since 1970-01-01 in local time).
    pub fn day(&mut self, ts: i64) -> i64 {
        self.local_ms(ts).div_euclid(MS_PER_DAY)
    }

    /// Local hour of day, 0..24.
    pub fn hour(&mut self, ts: i64) -> u32 {
        (self.local_ms(ts).rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_days_and_hours_across_dst() {
        let mut clock = LocalClock::new(chrono_tz::Europe::Berlin);
        // 2026-03-28T23:30Z is 00:30 on the 29th in Berlin (CET, +1).
        let ts = 1_774_740_600_000;
        assert_eq!(
            hitflow_schema::layout::Ymd::from_days(clock.day(ts)).to_string(),
            "2026-03-29"
        );
        assert_eq!(clock.hour(ts), 0);
        // 2026-03-29T12:00Z is 14:00 CEST (+2).
        assert_eq!(clock.hour(1_774_785_600_000), 14);
        let mut utc = LocalClock::new(Tz::UTC);
        assert_eq!(utc.hour(1_774_785_600_000), 12);
    }
}
