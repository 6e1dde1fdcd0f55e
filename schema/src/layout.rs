//! Where hits live in the bucket: `hits/date=YYYY-MM-DD/hour=HH/<batch-id>.parquet`, UTC,
//! Hive-style so DuckDB, Athena and Spark read the folder as a partitioned table.

/// Top-level prefix of hit files.
pub const HITS_PREFIX: &str = "hits/";

use crate::time::{MS_PER_DAY, MS_PER_HOUR};

/// A UTC calendar date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ymd {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Ymd {
    /// The UTC date of a millisecond timestamp.
    pub fn from_ts(ts_ms: i64) -> Self {
        Self::from_days(ts_ms.div_euclid(MS_PER_DAY))
    }

    /// Date from days since 1970-01-01 (H. Hinnant's `civil_from_days`).
    pub fn from_days(days: i64) -> Self {
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Ymd { year, month, day }
    }

    /// Days since 1970-01-01 (`days_from_civil`).
    pub fn to_days(self) -> i64 {
        let y = i64::from(self.year) - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        era * 146_097 + doe - 719_468
    }

    /// Parses `YYYY-MM-DD`, rejecting impossible dates.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.splitn(3, '-');
        let year: i32 = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let date = Ymd { year, month, day };
        (text.len() == 10 && Self::from_days(date.to_days()) == date).then_some(date)
    }

    /// Midnight UTC of this date, in milliseconds since the epoch.
    pub fn start_ms(self) -> i64 {
        self.to_days() * MS_PER_DAY
    }
}

impl std::fmt::Display for Ymd {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// One hourly partition of the hits table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Partition {
    pub date: Ymd,
    pub hour: u32,
}

impl Partition {
    /// The partition a hit received at `ts_ms` belongs in.
    pub fn of_ts(ts_ms: i64) -> Self {
        let hour = (ts_ms.rem_euclid(MS_PER_DAY) / MS_PER_HOUR) as u32;
        Partition {
            date: Ymd::from_ts(ts_ms),
            hour,
        }
    }

    /// `hits/date=YYYY-MM-DD/hour=HH/`
    pub fn prefix(&self) -> String {
        format!("{HITS_PREFIX}date={}/hour={:02}/", self.date, self.hour)
    }

    /// Start of the hour, in milliseconds since the epoch.
    pub fn start_ms(&self) -> i64 {
        self.date.start_ms() + i64::from(self.hour) * MS_PER_HOUR
    }

    /// The partition a stored key lies in, if it is a well-formed hit key.
    pub fn from_key(key: &str) -> Option<Self> {
        let rest = key.strip_prefix(HITS_PREFIX)?;
        let rest = rest.strip_prefix("date=")?;
        let (date, rest) = rest.split_once('/')?;
        let rest = rest.strip_prefix("hour=")?;
        let (hour, file) = rest.split_once('/')?;
        let hour: u32 = hour.parse().ok().filter(|h| *h < 24 && hour.len() == 2)?;
        (!file.is_empty() && !file.contains('/')).then_some(())?;
        Some(Partition {
            date: Ymd::parse(date)?,
            hour,
        })
    }
}

/// Key of the object holding one batch of hits.
pub fn batch_key(partition: Partition, batch_id: &str) -> String {
    format!("{}{batch_id}.parquet", partition.prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_days() {
        for days in [-800_000, -1, 0, 1, 59, 365, 10_957, 11_016, 19_782, 20_000, 2_932_896] {
            assert_eq!(Ymd::from_days(days).to_days(), days, "day {days}");
        }
    }

    #[test]
    fn partition_of_timestamps() {
        let cases = [
            (0, "hits/date=1970-01-01/hour=00/"),
            (1_709_164_800_000, "hits/date=2024-02-29/hour=00/"),
            (1_709_251_199_999, "hits/date=2024-02-29/hour=23/"),
            (
                1_764_288_000_000 + 13 * 3_600_000 + 59_999,
                "hits/date=2025-11-28/hour=13/",
            ),
            (-1, "hits/date=1969-12-31/hour=23/"),
        ];
        for (ts, prefix) in cases {
            assert_eq!(Partition::of_ts(ts).prefix(), prefix, "ts {ts}");
            assert_eq!(
                Partition::from_key(&format!("{prefix}x.parquet")),
                Some(Partition::of_ts(ts))
            );
        }
    }

    #[test]
    fn malformed_keys_are_not_partitions() {
        for key in [
            "hits/date=2024-02-30/hour=00/a.parquet",
            "hits/date=2024-02-28/hour=24/a.parquet",
            "hits/date=2024-02-28/hour=1/a.parquet",
            "hits/date=2024-02-28/hour=01/",
            "hits/date=2024-02-28/hour=01/sub/a.parquet",
            "reports/date=2024-02-28/hour=01/a.parquet",
            "hits/date=24-02-28/hour=01/a.parquet",
        ] {
            assert_eq!(Partition::from_key(key), None, "{key}");
        }
    }

    #[test]
    fn parse_dates() {
        assert_eq!(
            Ymd::parse("2026-11-28"),
            Some(Ymd {
                year: 2026,
                month: 11,
                day: 28
            })
        );
        for bad in ["2026-13-01", "2026-02-29", "2026-1-01", "x", "2026-11-28T00"] {
            assert_eq!(Ymd::parse(bad), None, "{bad}");
        }
    }
}
