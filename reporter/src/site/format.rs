//! How figures read on the pages: thousands separators, percentages, durations, money, and the
//! change against the previous period. Plain functions (used by `charts` too) plus the Tera
//! filters that call them.

use std::collections::HashMap;

use tera::{Tera, Value};

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

/// A fraction as a percentage: `0.4023` → `40.2%`; a value that would round to zero but is not
/// zero reads `<0.1%`, so "none" and "a few" stay distinct.
pub fn pct(x: f64) -> String {
    if x > 0.0 && x < 0.0005 {
        return "<0.1%".to_owned();
    }
    format!("{}%", decimal(x * 100.0, 1))
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

/// The direction of a change, for the arrow and the style.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trend {
    Up,
    Down,
    Flat,
    /// Nothing to compare with (no previous period).
    None,
}

/// Relative change as shown: `Some(0.08)` → `▲ +8.0%`, `Some(-0.031)` → `▼ −3.1%`. The arrow
/// and the sign carry the direction in text, so it never depends on colour.
pub fn delta(change: Option<f64>) -> (Trend, String) {
    match change {
        None => (Trend::None, "n/a".to_owned()),
        Some(d) if !d.is_finite() => (Trend::None, "n/a".to_owned()),
        Some(d) if (d * 1000.0).round() == 0.0 => (Trend::Flat, "= 0.0%".to_owned()),
        Some(d) if d > 0.0 => (Trend::Up, format!("▲ +{}", pct(d))),
        Some(d) => (Trend::Down, format!("▼ {}", pct(d))),
    }
}

/// `good`, `bad`, `flat` or `none`: whether a change is an improvement, for the style and the
/// screen-reader word next to the arrow.
pub fn tone(change: Option<f64>, lower_is_better: bool) -> &'static str {
    match (delta(change).0, lower_is_better) {
        (Trend::Up, false) | (Trend::Down, true) => "good",
        (Trend::Up, true) | (Trend::Down, false) => "bad",
        (Trend::Flat, _) => "flat",
        (Trend::None, _) => "none",
    }
}

/// The reader's name of a figure of `report.json`'s definitions: `avg_duration_s` →
/// `Average duration`; unknown names just lose their underscores.
pub fn term(figure: &str) -> String {
    let known = match figure {
        "session" => "Session",
        "visitors" => "Visitors (daily-unique)",
        "pageviews" => "Pageviews",
        "pages_per_session" => "Pages per session",
        "avg_duration_s" => "Average duration",
        "median_duration_s" => "Median duration",
        "bounce_rate" => "Bounce rate",
        "engagement_rate" => "Engagement rate",
        "conversions" => "Conversions and conversion rate",
        "revenue" => "Revenue",
        "very_short_share" => "Very short sessions",
        "bot_share" => "Bot share",
        "exit_rate" => "Exit rate",
        "channel" => "Channel",
        other => return other.replace('_', " "),
    };
    known.to_owned()
}

fn number(value: &Value) -> Option<f64> {
    value.as_f64()
}

fn text(s: String) -> tera::Result<Value> {
    Ok(Value::String(s))
}

/// A missing figure reads as a dash rather than failing the page.
const MISSING: &str = "–";

/// Registers `int`, `pct`, `dec` (`places`, default 2), `duration`, `money`, `lift`, `delta`,
/// `tone` (`lower_is_better`, default false) and `term`.
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter("int", |v: &Value, _: &HashMap<String, Value>| {
        text(match v.as_u64() {
            Some(n) => int(n),
            None => number(v).map_or_else(|| MISSING.to_owned(), |x| decimal(x, 0)),
        })
    });
    tera.register_filter("pct", |v: &Value, _: &HashMap<String, Value>| {
        text(number(v).map_or_else(|| MISSING.to_owned(), pct))
    });
    tera.register_filter("dec", |v: &Value, args: &HashMap<String, Value>| {
        let places = args.get("places").and_then(Value::as_u64).unwrap_or(2).min(6) as usize;
        text(number(v).map_or_else(|| MISSING.to_owned(), |x| decimal(x, places)))
    });
    tera.register_filter("duration", |v: &Value, _: &HashMap<String, Value>| {
        text(number(v).map_or_else(|| MISSING.to_owned(), duration))
    });
    tera.register_filter("money", |v: &Value, _: &HashMap<String, Value>| {
        text(number(v).map_or_else(|| MISSING.to_owned(), |x| decimal(x, 2)))
    });
    tera.register_filter("lift", |v: &Value, _: &HashMap<String, Value>| {
        text(number(v).map_or_else(|| MISSING.to_owned(), |x| format!("{}×", decimal(x, 2))))
    });
    tera.register_filter("term", |v: &Value, _: &HashMap<String, Value>| {
        text(term(v.as_str().unwrap_or_default()))
    });
    tera.register_filter("delta", |v: &Value, _: &HashMap<String, Value>| {
        text(delta(number(v)).1)
    });
    tera.register_filter("tone", |v: &Value, args: &HashMap<String, Value>| {
        let lower_is_better = args.get("lower_is_better").and_then(Value::as_bool).unwrap_or(false);
        text(tone(number(v), lower_is_better).to_owned())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_and_decimals_are_grouped() {
        assert_eq!(int(0), "0");
        assert_eq!(int(999), "999");
        assert_eq!(int(1901), "1,901");
        assert_eq!(int(1_234_567), "1,234,567");
        assert_eq!(decimal(3353.0, 2), "3,353.00");
        assert_eq!(decimal(-1234.5, 2), "−1,234.50");
        assert_eq!(decimal(-0.001, 2), "0.00");
        assert_eq!(decimal(3.336, 2), "3.34");
    }

    #[test]
    fn percentages_keep_small_values_visible() {
        assert_eq!(pct(0.4023), "40.2%");
        assert_eq!(pct(1.0), "100.0%");
        assert_eq!(pct(0.0), "0.0%");
        assert_eq!(pct(0.0002), "<0.1%");
        assert_eq!(pct(0.0006), "0.1%");
    }

    #[test]
    fn durations_read_like_a_clock() {
        assert_eq!(duration(0.0), "0s");
        assert_eq!(duration(44.6), "45s");
        assert_eq!(duration(254.69), "4m 15s");
        assert_eq!(duration(3725.0), "1h 02m");
        assert_eq!(duration(-3.0), "0s");
    }

    #[test]
    fn deltas_say_their_direction_in_text() {
        assert_eq!(delta(Some(0.08)), (Trend::Up, "▲ +8.0%".to_owned()));
        assert_eq!(delta(Some(-0.0094)), (Trend::Down, "▼ −0.9%".to_owned()));
        assert_eq!(delta(Some(3.0)), (Trend::Up, "▲ +300.0%".to_owned()));
        assert_eq!(delta(Some(0.0004)), (Trend::Flat, "= 0.0%".to_owned()));
        assert_eq!(delta(None).1, "n/a");
        assert_eq!(delta(Some(f64::NAN)).0, Trend::None);
    }

    #[test]
    fn tone_depends_on_which_way_is_better() {
        assert_eq!(tone(Some(0.06), false), "good");
        assert_eq!(tone(Some(0.06), true), "bad");
        assert_eq!(tone(Some(-0.06), true), "good");
        assert_eq!(tone(Some(0.0), true), "flat");
        assert_eq!(tone(None, true), "none");
    }

    #[test]
    fn terms_read_as_words() {
        assert_eq!(term("avg_duration_s"), "Average duration");
        assert_eq!(term("new_figure"), "new figure");
    }

    #[test]
    fn filters_render_in_templates() {
        let mut tera = Tera::default();
        tera.set_escape_fn(super::super::escape::escape);
        register_filters(&mut tera);
        tera.add_raw_template(
            "t.html",
            "{{ a | int }} {{ b | pct }} {{ b | dec(places=1) }} {{ c | duration }} {{ d | delta }} {{ d | tone(lower_is_better=true) }} {{ n | delta }} {{ n | pct }}",
        )
        .unwrap();
        let ctx =
            tera::Context::from_value(serde_json::json!({"a": 12345, "b": 0.26, "c": 61.0, "d": -0.5, "n": null}))
                .unwrap();
        assert_eq!(
            tera.render("t.html", &ctx).unwrap(),
            "12,345 26.0% 0.3 1m 01s ▼ −50.0% good n/a –"
        );
    }
}
