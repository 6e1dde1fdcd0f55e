//! The window an alert judges (the latest complete day, or hour) and its baseline windows: the
//! same weekday — or the same hour of the same weekday — of previous weeks.
//!
//! A day is the site's local calendar day, as in the reports; an hour is a UTC hour, and its
//! baseline the same UTC hour 7, 14, … days before (a daylight-saving change moves it by an
//! hour of local time twice a year). A window is complete once the lateness margin (hits may
//! land up to `LATE_PARTITIONS` hours late) has passed after its end in every time zone.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR};

use crate::figures::local_time::LocalClock;
use crate::sessions::stream::LATE_PARTITIONS;

const MS_PER_WEEK: i64 = 7 * MS_PER_DAY;

/// Day or hour alerts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Hour,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// A local calendar day (days since 1970-01-01).
    Day(i64),
    /// A UTC hour, by its start in milliseconds.
    Hour(i64),
}

/// Milliseconds a zone is ahead of UTC at a given instant.
fn offset_ms(tz: Tz, ts: i64) -> i64 {
    match tz.timestamp_millis_opt(ts) {
        chrono::LocalResult::Single(t) => i64::from(t.offset().fix().local_minus_utc()) * 1000,
        _ => 0,
    }
}

impl Window {
    /// The latest window that is complete at `now_ms` in every one of `zones`.
    pub fn latest_complete(granularity: Granularity, now_ms: i64, zones: &[Tz]) -> Window {
        let settled = now_ms - LATE_PARTITIONS * MS_PER_HOUR;
        match granularity {
            Granularity::Hour => Window::Hour(settled.div_euclid(MS_PER_HOUR) * MS_PER_HOUR - MS_PER_HOUR),
            Granularity::Day => Window::Day(
                zones
                    .iter()
                    .map(|&tz| (settled + offset_ms(tz, settled)).div_euclid(MS_PER_DAY) - 1)
                    .min()
                    .unwrap_or(settled.div_euclid(MS_PER_DAY) - 1),
            ),
        }
    }

    /// The same window `weeks` weeks earlier.
    pub fn weeks_back(self, weeks: u32) -> Window {
        let weeks = i64::from(weeks);
        match self {
            Window::Day(day) => Window::Day(day - 7 * weeks),
            Window::Hour(start) => Window::Hour(start - MS_PER_WEEK * weeks),
        }
    }

    /// Whether a session starting at `ts` (of a site whose clock this is) falls in the window.
    pub fn contains(&self, clock: &mut LocalClock, ts: i64) -> bool {
        match *self {
            Window::Day(day) => clock.day(ts) == day,
            Window::Hour(start) => (start..start + MS_PER_HOUR).contains(&ts),
        }
    }

    /// The UTC instants the window spans in any of `zones`: `[start, end)`.
    pub fn utc_span(&self, zones: &[Tz]) -> (i64, i64) {
        match *self {
            Window::Hour(start) => (start, start + MS_PER_HOUR),
            Window::Day(day) => {
                let noon = day * MS_PER_DAY + MS_PER_DAY / 2;
                let offsets = zones.iter().map(|&tz| offset_ms(tz, noon)).chain([0]);
                let (low, high) = offsets.fold((0, 0), |(lo, hi), o| (lo.min(o), hi.max(o)));
                // Local midnight is UTC midnight minus the offset; an hour either side covers a
                // daylight-saving change on that day.
                (
                    day * MS_PER_DAY - high - MS_PER_HOUR,
                    (day + 1) * MS_PER_DAY - low + MS_PER_HOUR,
                )
            }
        }
    }

    /// A stable id for the alert state: `2026-11-26` or `2026-11-26T14Z`.
    pub fn id(&self) -> String {
        match *self {
            Window::Day(day) => Ymd::from_days(day).to_string(),
            Window::Hour(start) => format!(
                "{}T{:02}Z",
                Ymd::from_ts(start),
                start.rem_euclid(MS_PER_DAY) / MS_PER_HOUR
            ),
        }
    }

    /// For people: `Thursday 2026-11-26` or `Thursday 2026-11-26 14:00–15:00 UTC`.
    pub fn label(&self) -> String {
        let weekday = |day: i64| {
            const NAMES: [&str; 7] = [
                "Thursday",
                "Friday",
                "Saturday",
                "Sunday",
                "Monday",
                "Tuesday",
                "Wednesday",
            ];
            // 1970-01-01 was a Thursday.
            NAMES[day.rem_euclid(7) as usize]
        };
        match *self {
            Window::Day(day) => format!("{} {}", weekday(day), Ymd::from_days(day)),
            Window::Hour(start) => {
                let hour = start.rem_euclid(MS_PER_DAY) / MS_PER_HOUR;
                format!(
                    "{} {} {hour:02}:00–{:02}:00 UTC",
                    weekday(start.div_euclid(MS_PER_DAY)),
                    Ymd::from_ts(start),
                    (hour + 1) % 24
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(text: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(text).unwrap().timestamp_millis()
    }

    fn day(text: &str) -> i64 {
        Ymd::parse(text).unwrap().to_days()
    }

    #[test]
    fn latest_complete_windows_wait_for_late_hits_in_every_zone() {
        let utc = [Tz::UTC];
        // 01:30 UTC: yesterday's late hits may still come (two hours), so the day before it.
        for (now, zones, expected) in [
            ("2026-11-27T01:30:00Z", &utc[..], "2026-11-25"),
            ("2026-11-27T02:00:00Z", &utc[..], "2026-11-26"),
            // Berlin's 26th ended at 23:00 UTC on the 26th: complete at 01:00 UTC.
            ("2026-11-27T01:30:00Z", &[chrono_tz::Europe::Berlin][..], "2026-11-26"),
            // New York's 26th ends at 05:00 UTC on the 27th: not yet with UTC at 06:00.
            (
                "2026-11-27T06:00:00Z",
                &[Tz::UTC, chrono_tz::America::New_York][..],
                "2026-11-25",
            ),
        ] {
            let window = Window::latest_complete(Granularity::Day, ms(now), zones);
            assert_eq!(window, Window::Day(day(expected)), "{now} {zones:?}");
        }
        assert_eq!(
            Window::latest_complete(Granularity::Hour, ms("2026-11-27T16:20:00Z"), &utc),
            Window::Hour(ms("2026-11-27T13:00:00Z"))
        );
    }

    #[test]
    fn ids_labels_spans_and_weeks() {
        let thursday = Window::Day(day("2026-11-26"));
        assert_eq!(thursday.label(), "Thursday 2026-11-26");
        assert_eq!(thursday.weeks_back(2).id(), "2026-11-12");
        let hour = Window::Hour(ms("2026-11-26T23:00:00Z"));
        assert_eq!(hour.id(), "2026-11-26T23Z");
        assert_eq!(hour.label(), "Thursday 2026-11-26 23:00–00:00 UTC");
        assert_eq!(hour.weeks_back(1).id(), "2026-11-19T23Z");
        // UTC only: the day itself, an hour either side; Berlin (+1) starts the day earlier.
        let (start, end) = thursday.utc_span(&[Tz::UTC]);
        assert_eq!((start, end), (ms("2026-11-25T23:00:00Z"), ms("2026-11-27T01:00:00Z")));
        let (start, _) = thursday.utc_span(&[chrono_tz::Europe::Berlin]);
        assert_eq!(start, ms("2026-11-25T22:00:00Z"));
        let mut clock = LocalClock::new(chrono_tz::Europe::Berlin);
        assert!(thursday.contains(&mut clock, ms("2026-11-25T23:30:00Z")));
        assert!(!thursday.contains(&mut clock, ms("2026-11-26T23:30:00Z")));
    }
}
