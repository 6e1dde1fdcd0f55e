//! Scheduled report periods (`--period last-week`): which local days a period covers, computed in
//! a site's time zone, and the short label used in email subjects ("week 47", "November 2026").

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc, Weekday};
use chrono_tz::Tz;

/// A period relative to "now", for scheduled runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum PeriodSpec {
    /// The previous local day.
    #[value(name = "yesterday")]
    Yesterday,
    /// The 7 local days ending yesterday.
    #[value(name = "last-7-days")]
    Last7Days,
    /// The previous ISO week, Monday to Sunday.
    #[value(name = "last-week")]
    LastWeek,
    /// The previous calendar month.
    #[value(name = "last-month")]
    LastMonth,
}

impl PeriodSpec {
    pub const ALL: [PeriodSpec; 4] = [
        PeriodSpec::Yesterday,
        PeriodSpec::Last7Days,
        PeriodSpec::LastWeek,
        PeriodSpec::LastMonth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PeriodSpec::Yesterday => "yesterday",
            PeriodSpec::Last7Days => "last-7-days",
            PeriodSpec::LastWeek => "last-week",
            PeriodSpec::LastMonth => "last-month",
        }
    }
}

impl std::fmt::Display for PeriodSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PeriodError {
    #[error("unknown period `{0}` (expected yesterday, last-7-days, last-week or last-month)")]
    Unknown(String),
    #[error("--period {spec} means {a_from}..{a_to} in {a_tz} but {b_from}..{b_to} in {b_tz}; run the sites separately or pass --from/--to")]
    SitesDisagree {
        spec: PeriodSpec,
        a_tz: Tz,
        a_from: NaiveDate,
        a_to: NaiveDate,
        b_tz: Tz,
        b_from: NaiveDate,
        b_to: NaiveDate,
    },
}

impl std::str::FromStr for PeriodSpec {
    type Err = PeriodError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        PeriodSpec::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| PeriodError::Unknown(s.to_owned()))
    }
}

/// `n` days before `date`; clamps at chrono's minimum date instead of panicking.
fn days_before(date: NaiveDate, n: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

/// The first and last local day (inclusive) of `spec` at instant `now`, in time zone `tz`.
///
/// "Today" is the calendar date of `now` in `tz`, so a run at 23:30 UTC is already the next day
/// in Berlin and still the same day in New York. DST needs no special case: only dates are
/// compared, never durations.
pub fn resolve(spec: PeriodSpec, now: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
    let today = now.with_timezone(&tz).date_naive();
    let yesterday = days_before(today, 1);
    match spec {
        PeriodSpec::Yesterday => (yesterday, yesterday),
        PeriodSpec::Last7Days => (days_before(yesterday, 6), yesterday),
        PeriodSpec::LastWeek => {
            let monday = days_before(today, u64::from(today.weekday().num_days_from_monday()));
            (days_before(monday, 7), days_before(monday, 1))
        }
        PeriodSpec::LastMonth => {
            let first_of_month = today.with_day(1).unwrap_or(today);
            let to = days_before(first_of_month, 1);
            (to.with_day(1).unwrap_or(to), to)
        }
    }
}

/// `resolve` for a run covering several sites: one `--from/--to` applies to all of them, so their
/// time zones must agree on the dates (they usually do when the job runs away from midnight).
/// With no time zones, UTC is used.
pub fn resolve_for_zones(
    spec: PeriodSpec,
    now: DateTime<Utc>,
    zones: impl IntoIterator<Item = Tz>,
) -> Result<(NaiveDate, NaiveDate), PeriodError> {
    let mut first: Option<(Tz, (NaiveDate, NaiveDate))> = None;
    for tz in zones {
        let dates = resolve(spec, now, tz);
        match first {
            None => first = Some((tz, dates)),
            Some((a_tz, a)) if a != dates => {
                return Err(PeriodError::SitesDisagree {
                    spec,
                    a_tz,
                    a_from: a.0,
                    a_to: a.1,
                    b_tz: tz,
                    b_from: dates.0,
                    b_to: dates.1,
                });
            }
            Some(_) => {}
        }
    }
    Ok(first
        .map(|(_, dates)| dates)
        .unwrap_or_else(|| resolve(spec, now, Tz::UTC)))
}

fn last_day_of_month(date: NaiveDate) -> Option<NaiveDate> {
    let (y, m) = if date.month() == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), date.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)?.pred_opt()
}

/// A short name for a period: "2026-11-27" (one day), "week 47" (an ISO week, Monday–Sunday),
/// "November 2026" (a calendar month), else "2026-11-21 – 2026-11-27".
pub fn label(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        return from.to_string();
    }
    if from.weekday() == Weekday::Mon && from.checked_add_days(Days::new(6)) == Some(to) {
        return format!("week {}", from.iso_week().week());
    }
    if from.day() == 1 && last_day_of_month(from) == Some(to) {
        return from.format("%B %Y").to_string();
    }
    format!("{from} – {to}")
}

/// What `report.json` says the changes compare with.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CompareKind {
    /// The period of the same length just before.
    #[default]
    Previous,
    /// 52 weeks before: the same weekdays a year earlier.
    Year,
    /// A period given as `FROM..TO`.
    Custom,
}

/// `--compare previous|year|FROM..TO`: the period the changes compare with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    Previous,
    Year,
    Range(NaiveDate, NaiveDate),
}

/// Days back of a year-over-year comparison: 52 weeks, so Mondays compare with Mondays.
pub const YEAR_DAYS: u64 = 52 * 7;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CompareError {
    #[error("unknown comparison `{0}` (expected previous, year or FROM..TO, e.g. 2025-11-17..2025-11-23)")]
    Unknown(String),
    #[error("the comparison period {from}..{to} has {got} days, the report's period {want}: compare periods of the same length")]
    Length {
        from: NaiveDate,
        to: NaiveDate,
        got: i64,
        want: i64,
    },
    #[error("the comparison period {from}..{to} overlaps the report's period")]
    Overlap { from: NaiveDate, to: NaiveDate },
}

impl std::str::FromStr for Compare {
    type Err = CompareError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "previous" => Ok(Compare::Previous),
            "year" => Ok(Compare::Year),
            _ => {
                let unknown = || CompareError::Unknown(s.to_owned());
                let (from, to) = s.split_once("..").ok_or_else(unknown)?;
                let from: NaiveDate = from.parse().map_err(|_| unknown())?;
                let to: NaiveDate = to.parse().map_err(|_| unknown())?;
                if to < from {
                    return Err(unknown());
                }
                Ok(Compare::Range(from, to))
            }
        }
    }
}

impl Compare {
    pub fn kind(self) -> CompareKind {
        match self {
            Compare::Previous => CompareKind::Previous,
            Compare::Year => CompareKind::Year,
            Compare::Range(..) => CompareKind::Custom,
        }
    }

    /// The first day of the comparison period of `from..=to` (it has the same length).
    pub fn start(self, from: NaiveDate, to: NaiveDate) -> Result<NaiveDate, CompareError> {
        let days = (to - from).num_days() + 1;
        match self {
            Compare::Previous => Ok(days_before(from, days as u64)),
            Compare::Year => Ok(days_before(from, YEAR_DAYS)),
            Compare::Range(a, b) => {
                let got = (b - a).num_days() + 1;
                if got != days {
                    return Err(CompareError::Length {
                        from: a,
                        to: b,
                        got,
                        want: days,
                    });
                }
                if a <= to && from <= b {
                    return Err(CompareError::Overlap { from: a, to: b });
                }
                Ok(a)
            }
        }
    }
}

/// Daily, weekly or monthly report, from the length and alignment of a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cadence {
    Daily,
    Weekly,
    Monthly,
    Custom,
}

impl Cadence {
    pub fn of(from: NaiveDate, to: NaiveDate) -> Self {
        let days = (to - from).num_days() + 1;
        if days == 1 {
            Cadence::Daily
        } else if days == 7 {
            Cadence::Weekly
        } else if from.day() == 1 && last_day_of_month(from) == Some(to) {
            Cadence::Monthly
        } else {
            Cadence::Custom
        }
    }

    /// "Daily report", "Weekly report", ...
    pub fn title(self) -> &'static str {
        match self {
            Cadence::Daily => "Daily report",
            Cadence::Weekly => "Weekly report",
            Cadence::Monthly => "Monthly report",
            Cadence::Custom => "Report",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::{America, Asia, Europe, Pacific};

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test instant")
    }

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn periods_resolve_in_the_site_time_zone() {
        use PeriodSpec::*;
        let utc = Tz::UTC;
        #[rustfmt::skip]
        let cases: &[(&str, PeriodSpec, &str, Tz, &str, &str)] = &[
            ("plain day", Yesterday, "2026-11-28T10:00:00Z", utc, "2026-11-27", "2026-11-27"),
            ("LA is still the 27th", Yesterday, "2026-11-28T02:00:00Z", America::Los_Angeles, "2026-11-26", "2026-11-26"),
            ("Auckland is already the 29th", Yesterday, "2026-11-28T12:00:00Z", Pacific::Auckland, "2026-11-28", "2026-11-28"),
            ("UTC on the same instant", Yesterday, "2026-11-28T12:00:00Z", utc, "2026-11-27", "2026-11-27"),
            // Berlin springs forward on 2026-03-29 (23 h day); 22:30Z is already Mar 30 there.
            ("spring forward, Berlin", Yesterday, "2026-03-29T22:30:00Z", Europe::Berlin, "2026-03-29", "2026-03-29"),
            ("spring forward, UTC", Yesterday, "2026-03-29T22:30:00Z", utc, "2026-03-28", "2026-03-28"),
            // Berlin falls back on 2026-10-25 (25 h day): 22:30Z is 23:30 CET, still the 25th.
            ("fall back, Berlin, same day", Yesterday, "2026-10-25T22:30:00Z", Europe::Berlin, "2026-10-24", "2026-10-24"),
            ("fall back, Berlin, next day", Yesterday, "2026-10-25T23:30:00Z", Europe::Berlin, "2026-10-25", "2026-10-25"),
            ("fall back, New York", Yesterday, "2026-11-02T05:30:00Z", America::New_York, "2026-11-01", "2026-11-01"),
            ("spring forward inside a week", LastWeek, "2026-03-30T06:00:00Z", Europe::Berlin, "2026-03-23", "2026-03-29"),
            ("7 days over new year", Last7Days, "2026-01-03T12:00:00Z", utc, "2025-12-27", "2026-01-02"),
            ("7 days over spring forward", Last7Days, "2026-03-09T12:00:00Z", America::New_York, "2026-03-02", "2026-03-08"),
            ("last week on a Monday", LastWeek, "2026-11-30T09:00:00Z", utc, "2026-11-23", "2026-11-29"),
            ("last week on a Sunday", LastWeek, "2026-11-29T09:00:00Z", utc, "2026-11-16", "2026-11-22"),
            ("Tokyo's Monday is UTC's Sunday", LastWeek, "2026-11-29T23:30:00Z", Asia::Tokyo, "2026-11-23", "2026-11-29"),
            ("UTC's Sunday", LastWeek, "2026-11-29T23:30:00Z", utc, "2026-11-16", "2026-11-22"),
            ("ISO week 53 of 2026", LastWeek, "2027-01-05T09:00:00Z", utc, "2026-12-28", "2027-01-03"),
            ("ISO week 1 of 2027", LastWeek, "2027-01-12T09:00:00Z", utc, "2027-01-04", "2027-01-10"),
            ("ISO week 1 of 2025 starts in 2024", LastWeek, "2025-01-08T09:00:00Z", utc, "2024-12-30", "2025-01-05"),
            ("week 52 seen on Jan 1", LastWeek, "2027-01-01T09:00:00Z", utc, "2026-12-21", "2026-12-27"),
            ("month over new year", LastMonth, "2027-01-15T09:00:00Z", utc, "2026-12-01", "2026-12-31"),
            ("leap February", LastMonth, "2024-03-01T05:00:00Z", utc, "2024-02-01", "2024-02-29"),
            ("New York still in November", LastMonth, "2026-12-01T03:00:00Z", America::New_York, "2026-10-01", "2026-10-31"),
            ("Auckland already in December", LastMonth, "2026-11-30T12:00:00Z", Pacific::Auckland, "2026-11-01", "2026-11-30"),
        ];
        for &(name, spec, now, tz, from, to) in cases {
            assert_eq!(
                resolve(spec, at(now), tz),
                (d(from), d(to)),
                "{name}: {spec} at {now} in {tz}"
            );
        }
    }

    #[test]
    fn labels_name_days_iso_weeks_and_months() {
        #[rustfmt::skip]
        let cases = [
            ("2026-11-27", "2026-11-27", "2026-11-27"),
            ("2026-11-16", "2026-11-22", "week 47"),
            ("2026-12-28", "2027-01-03", "week 53"),
            ("2027-01-04", "2027-01-10", "week 1"),
            ("2024-12-30", "2025-01-05", "week 1"),
            ("2026-11-01", "2026-11-30", "November 2026"),
            ("2024-02-01", "2024-02-29", "February 2024"),
            ("2026-12-01", "2026-12-31", "December 2026"),
            ("2026-11-21", "2026-11-27", "2026-11-21 – 2026-11-27"),
            ("2026-11-01", "2026-11-29", "2026-11-01 – 2026-11-29"),
        ];
        for (from, to, want) in cases {
            assert_eq!(label(d(from), d(to)), want, "{from}..{to}");
        }
    }

    #[test]
    fn every_resolved_period_has_its_expected_label_and_cadence() {
        let now = at("2026-11-28T10:00:00Z");
        let (f, t) = resolve(PeriodSpec::LastWeek, now, Tz::UTC);
        assert_eq!((label(f, t).as_str(), Cadence::of(f, t)), ("week 47", Cadence::Weekly));
        let (f, t) = resolve(PeriodSpec::LastMonth, now, Tz::UTC);
        assert_eq!(
            (label(f, t).as_str(), Cadence::of(f, t)),
            ("October 2026", Cadence::Monthly)
        );
        let (f, t) = resolve(PeriodSpec::Yesterday, now, Tz::UTC);
        assert_eq!(
            (label(f, t).as_str(), Cadence::of(f, t)),
            ("2026-11-27", Cadence::Daily)
        );
        let (f, t) = resolve(PeriodSpec::Last7Days, now, Tz::UTC);
        assert_eq!(
            (label(f, t).as_str(), Cadence::of(f, t)),
            ("2026-11-21 – 2026-11-27", Cadence::Weekly)
        );
    }

    #[test]
    fn names_parse_both_ways() {
        for spec in PeriodSpec::ALL {
            assert_eq!(spec.as_str().parse::<PeriodSpec>(), Ok(spec));
            let via_clap = <PeriodSpec as clap::ValueEnum>::from_str(spec.as_str(), false);
            assert_eq!(via_clap, Ok(spec));
        }
        assert!(matches!(
            "last-year".parse::<PeriodSpec>(),
            Err(PeriodError::Unknown(_))
        ));
    }

    #[test]
    fn comparisons_start_where_they_should() {
        let (from, to) = (d("2026-11-16"), d("2026-11-22"));
        let cases = [
            ("previous", Ok(d("2026-11-09"))),
            // 52 weeks back: Monday 2025-11-17, a Monday like 2026-11-16.
            ("year", Ok(d("2025-11-17"))),
            ("2026-10-05..2026-10-11", Ok(d("2026-10-05"))),
            (
                "2026-10-05..2026-10-12",
                Err(CompareError::Length {
                    from: d("2026-10-05"),
                    to: d("2026-10-12"),
                    got: 8,
                    want: 7,
                }),
            ),
            (
                "2026-11-20..2026-11-26",
                Err(CompareError::Overlap {
                    from: d("2026-11-20"),
                    to: d("2026-11-26"),
                }),
            ),
        ];
        for (text, want) in cases {
            let compare: Compare = text.parse().expect(text);
            assert_eq!(compare.start(from, to), want, "{text}");
        }
        assert_eq!(d("2025-11-17").weekday(), from.weekday());
        // A leap year in between changes nothing: still 364 days.
        assert_eq!(
            Compare::Year.start(d("2028-03-06"), d("2028-03-06")),
            Ok(d("2027-03-08"))
        );
        for bad in ["last-year", "2026-11-01", "2026-11-09..2026-11-01", "a..b"] {
            assert!(matches!(bad.parse::<Compare>(), Err(CompareError::Unknown(_))), "{bad}");
        }
    }

    #[test]
    fn several_zones_must_agree() {
        let now = at("2026-11-28T12:00:00Z");
        let agree = resolve_for_zones(PeriodSpec::LastWeek, now, [Europe::Berlin, America::New_York]);
        assert_eq!(agree, Ok((d("2026-11-16"), d("2026-11-22"))));
        let disagree = resolve_for_zones(PeriodSpec::Yesterday, now, [Europe::Berlin, Pacific::Auckland]);
        assert!(matches!(disagree, Err(PeriodError::SitesDisagree { .. })));
        assert_eq!(
            resolve_for_zones(PeriodSpec::Yesterday, now, []),
            Ok((d("2026-11-27"), d("2026-11-27")))
        );
    }
}
