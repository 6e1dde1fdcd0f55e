//! Which days of the two periods hold data. A store that starts inside the previous period, or a
//! current period whose last day is still running, would otherwise turn into "+532 %" and
//! "−49 %": changes against a fraction of a period. The reporter knows which hourly partitions
//! hold hit files (the listing it reads from), so it can say which days are covered.

use hitflow_schema::time::MS_PER_HOUR;
use serde::{Deserialize, Serialize};

use super::local_time::LocalClock;
use super::site::Periods;
use hitflow_schema::layout::Ymd;

/// Data coverage of one period, in the site's local days.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct PeriodCoverage {
    pub days: u64,
    /// Days with at least one stored hit file (of any site: a quiet site's empty day still counts
    /// as covered when the store was collecting).
    pub days_with_data: u64,
    /// Days not over yet when the report ran (today, or later).
    pub days_in_progress: u64,
    /// Days without data or not over yet, as `YYYY-MM-DD`.
    pub incomplete_days: Vec<String>,
}

impl PeriodCoverage {
    pub fn complete(&self) -> bool {
        self.incomplete_days.is_empty()
    }
}

/// Coverage of both periods and whether their totals may be compared.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Coverage {
    pub current: PeriodCoverage,
    pub previous: PeriodCoverage,
    /// Both periods are fully covered: changes of counts (sessions, revenue...) are shown.
    pub comparable: bool,
}

impl Default for Coverage {
    /// A report without coverage information (older `report.json`) is taken as complete.
    fn default() -> Self {
        Coverage {
            current: PeriodCoverage::default(),
            previous: PeriodCoverage::default(),
            comparable: true,
        }
    }
}

/// UTC start times of the hours holding hit files, the periods and when the run happened.
#[derive(Debug, Clone)]
pub struct DataHours {
    pub hours: Vec<i64>,
    pub now_ms: i64,
    pub periods: Periods,
}

impl DataHours {
    /// Coverage of the local-day ranges `current` and `previous` (inclusive) in `clock`'s zone.
    pub fn coverage(&self, clock: &mut LocalClock, current: (i64, i64), previous: (i64, i64)) -> Coverage {
        // An hour covers the local days its first and last millisecond fall on (half-hour zones).
        let mut days: Vec<i64> = self
            .hours
            .iter()
            .flat_map(|&h| [h, h + MS_PER_HOUR - 1])
            .map(|ts| clock.day(ts))
            .collect();
        days.sort_unstable();
        days.dedup();
        let today = clock.day(self.now_ms);
        let period = |(from, to): (i64, i64)| {
            let mut c = PeriodCoverage {
                days: (to - from + 1).max(0) as u64,
                ..PeriodCoverage::default()
            };
            for day in from..=to {
                let has_data = days.binary_search(&day).is_ok();
                let in_progress = day >= today;
                c.days_with_data += u64::from(has_data);
                c.days_in_progress += u64::from(in_progress);
                if !has_data || in_progress {
                    c.incomplete_days.push(Ymd::from_days(day).to_string());
                }
            }
            c
        };
        let (current, previous) = (period(current), period(previous));
        Coverage {
            comparable: current.complete() && previous.complete(),
            current,
            previous,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hitflow_schema::time::MS_PER_DAY;

    fn ymd(s: &str) -> i64 {
        Ymd::parse(s).expect("date").to_days()
    }

    #[test]
    fn days_without_hits_or_not_over_make_a_period_incomplete() {
        // Previous period 2026-11-01..04, current 11-05..08; data from 11-04 noon to 11-08.
        let data_from = ymd("2026-11-04") * MS_PER_DAY + 12 * MS_PER_HOUR;
        let data_to = ymd("2026-11-09") * MS_PER_DAY;
        let hours: Vec<i64> = (data_from..data_to).step_by(MS_PER_HOUR as usize).collect();
        let cases = [
            // (now, current days with data, current in progress, previous with data, comparable)
            (ymd("2026-11-10") * MS_PER_DAY, 4, 0, 1, false),
            (ymd("2026-11-08") * MS_PER_DAY + 5 * MS_PER_HOUR, 4, 1, 1, false),
        ];
        for (now_ms, cur_data, cur_progress, prev_data, comparable) in cases {
            let data = DataHours {
                hours: hours.clone(),
                now_ms,
                periods: Periods::new(0, 0),
            };
            let c = data.coverage(
                &mut LocalClock::new(chrono_tz::Tz::UTC),
                (ymd("2026-11-05"), ymd("2026-11-08")),
                (ymd("2026-11-01"), ymd("2026-11-04")),
            );
            assert_eq!(
                (
                    c.current.days_with_data,
                    c.current.days_in_progress,
                    c.previous.days_with_data,
                    c.comparable
                ),
                (cur_data, cur_progress, prev_data, comparable)
            );
            assert_eq!(c.previous.incomplete_days, ["2026-11-01", "2026-11-02", "2026-11-03"]);
        }
    }

    #[test]
    fn full_data_is_comparable_and_local_days_follow_the_zone() {
        let hours: Vec<i64> = (ymd("2026-11-01") * MS_PER_DAY..ymd("2026-11-09") * MS_PER_DAY)
            .step_by(MS_PER_HOUR as usize)
            .collect();
        let data = DataHours {
            hours,
            now_ms: ymd("2026-12-01") * MS_PER_DAY,
            periods: Periods::new(0, 0),
        };
        let periods = (
            (ymd("2026-11-05"), ymd("2026-11-08")),
            (ymd("2026-11-01"), ymd("2026-11-04")),
        );
        let utc = data.coverage(&mut LocalClock::new(chrono_tz::Tz::UTC), periods.0, periods.1);
        assert!(utc.comparable);
        // In New York the data starts at 20:00 on 10-31 and ends at 19:00 on 11-08: still
        // every local day of both periods has hits.
        let ny = data.coverage(&mut LocalClock::new(chrono_tz::America::New_York), periods.0, periods.1);
        assert!(ny.comparable, "{ny:?}");
        // In Tokyo 11-09 local begins at 15:00 UTC on 11-08, so a period ending 11-09 is short.
        let tokyo = data.coverage(
            &mut LocalClock::new(chrono_tz::Asia::Tokyo),
            (ymd("2026-11-09"), ymd("2026-11-10")),
            periods.0,
        );
        assert_eq!(tokyo.current.incomplete_days, ["2026-11-10"]);
    }
}
