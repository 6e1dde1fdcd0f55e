//! How figures read, on the site and in the email alike: thousands separators, percentages,
//! durations, money with its currency, counts with their noun, and changes against the
//! previous period. Every function rounds once, from the exact value it is given; rates are
//! never rounded before they get here.

/// `1901` → `1,901`.
pub fn int(n: u64) -> String {
    group(&n.to_string())
}

fn group(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (k, c) in digits.chars().enumerate() {
        if k > 0 && (digits.len() - k).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Fixed decimals with thousands separators and a real minus sign: `-1234.5` → `−1,234.50`.
pub fn decimal(x: f64, places: usize) -> String {
    if !x.is_finite() {
        return MISSING.to_owned();
    }
    let text = format!("{:.*}", places, x.abs());
    let (whole, frac) = text
        .split_once('.')
        .map_or((text.as_str(), None), |(w, f)| (w, Some(f)));
    let sign = if x < 0.0 && text.bytes().any(|b| (b'1'..=b'9').contains(&b)) {
        "−"
    } else {
        ""
    };
    match frac {
        Some(frac) => format!("{sign}{}.{frac}", group(whole)),
        None => format!("{sign}{}", group(whole)),
    }
}

/// What a figure that cannot be shown reads as.
pub const MISSING: &str = "–";

/// A fraction as a percentage with one decimal: `0.4023` → `40.2%`; a value that would round
/// to zero but is not zero reads `<0.1%`, so "none" and "a few" stay distinct.
pub fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.0005 {
        return "<0.1%".to_owned();
    }
    format!("{}%", decimal(x * 100.0, 1))
}

/// A scroll depth already in % (a median, so whole or a half): `62` → `62%`, `62.5` → `62.5%`.
pub fn depth(percent: f64) -> String {
    let places = if percent.fract() == 0.0 { 0 } else { 1 };
    format!("{}%", decimal(percent, places))
}

/// `part / whole` as a percentage, computed here from the counts (the one rounding).
pub fn pct_of(part: u64, whole: u64) -> String {
    if whole == 0 {
        MISSING.to_owned()
    } else {
        pct(part as f64 / whole as f64)
    }
}

/// A 95% interval of a rate: `31.0–52.1%`.
pub fn pct_range(low: f64, high: f64) -> String {
    format!("{}–{}%", decimal(low * 100.0, 1), decimal(high * 100.0, 1))
}

/// Seconds as `45s`, `4m 15s`, `1h 02m`.
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, s % 3600 / 60),
    }
}

/// An amount with its ISO 4217 currency: `1,234.50 EUR`; without a known currency, the bare
/// amount.
pub fn money(amount: f64, currency: &str) -> String {
    if currency.is_empty() {
        decimal(amount, 2)
    } else {
        format!("{} {currency}", decimal(amount, 2))
    }
}

/// A count with its noun: `1 day`, `2 days`, `1,204 sessions`. `noun` is the singular; the
/// plural adds "s" (every noun the reports count does).
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{} {noun}s", int(n))
    }
}

use crate::stats::Test;

/// The direction of a change, for the arrow and the style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
    /// Nothing to compare with.
    None,
}

/// A change against the previous period, as `report.json` holds it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Change {
    /// Of a count or an amount: (current − previous) / previous.
    Relative(f64),
    /// Of a rate: current − previous, as a fraction (0.004 = +0.4 percentage points).
    Points(f64),
    /// The previous period had no sessions (or no value to divide by).
    NoPrevious,
    /// One of the periods is only partly covered by data, so a change would mislead.
    Partial,
    /// A change its test cannot tell from noise (`crate::stats`): shown plainly, "≈ +2.9%",
    /// with no arrow and no colour.
    Noise { value: f64, points: bool },
}

/// Text of a missing change, the same on every page and in every email.
pub const NO_PREVIOUS: &str = "no previous data";
pub const PARTIAL: &str = "not comparable (partial data)";

impl Change {
    /// A change from `report.json`'s optional value: `None` reads as `missing`.
    pub fn from_option(value: Option<f64>, points: bool, missing: Change) -> Change {
        match value {
            Some(v) if v.is_finite() && points => Change::Points(v),
            Some(v) if v.is_finite() => Change::Relative(v),
            _ => missing,
        }
    }

    /// `from_option`, read with the change's significance test: a change the test calls
    /// noise becomes [`Change::Noise`]; an untested one keeps its arrow.
    pub fn tested(value: Option<f64>, points: bool, missing: Change, test: Option<&Test>) -> Change {
        match (Change::from_option(value, points, missing), test) {
            (Change::Relative(value) | Change::Points(value), Some(t)) if !t.significant() => {
                Change::Noise { value, points }
            }
            (change, _) => change,
        }
    }

    /// Arrow, sign and value as text: `▲ +8.0%`, `▼ −1.1 pp`, `= 0.0%`, or why there is none.
    /// The arrow and the sign carry the direction, so it never depends on colour.
    pub fn text(self) -> (Trend, String) {
        let (value, unit) = match self {
            Change::Relative(d) => (d * 100.0, "%"),
            Change::Points(d) => (d * 100.0, " pp"),
            Change::NoPrevious => return (Trend::None, NO_PREVIOUS.to_owned()),
            Change::Partial => return (Trend::None, PARTIAL.to_owned()),
            Change::Noise { value, points } => {
                let unit = if points { " pp" } else { "%" };
                let shown = decimal(value.abs() * 100.0, 1);
                let sign = match value {
                    v if shown == "0.0" || v == 0.0 => "±",
                    v if v > 0.0 => "+",
                    _ => "−",
                };
                return (Trend::Flat, format!("≈ {sign}{shown}{unit}"));
            }
        };
        let shown = decimal(value.abs(), 1);
        if shown == "0.0" {
            (Trend::Flat, format!("= 0.0{unit}"))
        } else if value > 0.0 {
            (Trend::Up, format!("▲ +{shown}{unit}"))
        } else {
            (Trend::Down, format!("▼ −{shown}{unit}"))
        }
    }

    /// `good`, `bad`, `flat` or `none`: whether the change is an improvement.
    pub fn tone(self, lower_is_better: bool) -> &'static str {
        match (self.text().0, lower_is_better) {
            (Trend::Up, false) | (Trend::Down, true) => "good",
            (Trend::Up, true) | (Trend::Down, false) => "bad",
            (Trend::Flat, _) => "flat",
            (Trend::None, _) => "none",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_the_same_everywhere() {
        let cases: [(String, &str); 20] = [
            (int(0), "0"),
            (int(1901), "1,901"),
            (int(1_234_567), "1,234,567"),
            (decimal(3353.0, 2), "3,353.00"),
            (decimal(-1234.5, 2), "−1,234.50"),
            (decimal(-0.001, 2), "0.00"),
            (pct(0.4023), "40.2%"),
            (pct(0.0), "0.0%"),
            (pct(0.0002), "<0.1%"),
            (depth(62.0), "62%"),
            (depth(62.5), "62.5%"),
            (depth(100.0), "100%"),
            // 435 / 8,292 = 5.246%: rounded once it is 5.2%, never 5.3% (from 0.0525).
            (pct_of(435, 8292), "5.2%"),
            (pct_of(1, 0), "–"),
            (duration(44.6), "45s"),
            (duration(254.69), "4m 15s"),
            (duration(3725.0), "1h 02m"),
            (money(1234.5, "EUR"), "1,234.50 EUR"),
            (count(1, "day"), "1 day"),
            (count(1204, "session"), "1,204 sessions"),
        ];
        for (got, expected) in cases {
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn changes_say_their_direction_and_unit_in_text() {
        let cases = [
            (Change::Relative(0.08), Trend::Up, "▲ +8.0%"),
            (Change::Relative(-0.0094), Trend::Down, "▼ −0.9%"),
            (Change::Relative(0.0004), Trend::Flat, "= 0.0%"),
            (Change::Points(-0.011), Trend::Down, "▼ −1.1 pp"),
            (Change::Points(0.0041), Trend::Up, "▲ +0.4 pp"),
            (Change::NoPrevious, Trend::None, "no previous data"),
            (
                Change::Noise {
                    value: 0.029,
                    points: false,
                },
                Trend::Flat,
                "≈ +2.9%",
            ),
            (
                Change::Noise {
                    value: -0.004,
                    points: true,
                },
                Trend::Flat,
                "≈ −0.4 pp",
            ),
            (Change::Partial, Trend::None, "not comparable (partial data)"),
        ];
        for (change, trend, text) in cases {
            assert_eq!(change.text(), (trend, text.to_owned()), "{change:?}");
        }
        assert_eq!(Change::from_option(None, true, Change::NoPrevious), Change::NoPrevious);
        let noise = crate::stats::proportions::rate_change(246, 600, 240, 600);
        let real = crate::stats::proportions::rate_change(2880, 6000, 2400, 6000);
        assert_eq!(
            Change::tested(Some(0.01), true, Change::NoPrevious, noise.as_ref()),
            Change::Noise {
                value: 0.01,
                points: true
            }
        );
        assert_eq!(
            Change::tested(Some(0.08), true, Change::NoPrevious, real.as_ref()),
            Change::Points(0.08)
        );
        assert_eq!(
            Change::tested(Some(0.08), false, Change::NoPrevious, None),
            Change::Relative(0.08)
        );
        assert_eq!(
            Change::tested(None, false, Change::Partial, noise.as_ref()),
            Change::Partial
        );
        assert_eq!(
            Change::from_option(Some(f64::NAN), false, Change::Partial),
            Change::Partial
        );
    }

    #[test]
    fn tone_depends_on_which_way_is_better() {
        let cases = [
            (Change::Relative(0.06), false, "good"),
            (Change::Relative(0.06), true, "bad"),
            (Change::Points(-0.06), true, "good"),
            (Change::Points(0.0), true, "flat"),
            (Change::NoPrevious, true, "none"),
            (
                Change::Noise {
                    value: 0.2,
                    points: true,
                },
                false,
                "flat",
            ),
        ];
        for (change, lower_is_better, tone) in cases {
            assert_eq!(change.tone(lower_is_better), tone, "{change:?}");
        }
    }
}
