//! Presentation shared by the report site and the email: number formats, changes against the
//! previous period, and the escaping of visitor-supplied text. Both outputs go through these
//! functions, so a figure reads the same in a browser and in an inbox.

pub mod format;
pub mod kpis;
pub mod text;

use std::collections::HashMap;

use tera::{Tera, Value};

pub use format::{Change, Trend};

use serde::Serialize;

use crate::figures::coverage::{Coverage, PeriodCoverage};
use crate::figures::report::PeriodInfo;
use crate::period::CompareKind;

/// How the pages and the email name the comparison period.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    /// "the period before", in "Changes compare with …".
    pub phrase: &'static str,
    /// "previous period", for column heads and chart legends.
    pub short: &'static str,
    /// "Previous period", for the start of a column head or a sentence.
    pub title: &'static str,
}

pub fn comparison(period: &PeriodInfo) -> Comparison {
    match period.comparison {
        CompareKind::Previous => Comparison {
            phrase: "the period before",
            short: "previous period",
            title: "Previous period",
        },
        CompareKind::Year => Comparison {
            phrase: "the same weekdays 52 weeks before",
            short: "a year before",
            title: "A year before",
        },
        CompareKind::Custom => Comparison {
            phrase: "the chosen comparison period",
            short: "comparison period",
            title: "Comparison period",
        },
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
        "median_scroll_depth" => "Median scroll depth",
        "channel" => "Channel",
        "coverage" => "Data coverage",
        "automation" => "Suspected automation",
        "bot_ledger" => "Bot ledger",
        other => return other.replace('_', " "),
    };
    known.to_owned()
}

/// One sentence on the data behind each period when either is incomplete ("previous period: 1
/// of 4 days has data"); `None` when both are complete. Shown on the overview and in the email.
pub fn coverage_note(c: &Coverage) -> Option<String> {
    if c.comparable {
        return None;
    }
    let period = |name: &str, p: &PeriodCoverage| {
        if p.complete() {
            return None;
        }
        let verb = if p.days_with_data == 1 { "has" } else { "have" };
        let mut text = format!(
            "{name}: {} of {} {verb} data",
            p.days_with_data,
            format::count(p.days, "day")
        );
        if p.days_in_progress > 0 {
            let verb = if p.days_in_progress == 1 { "is" } else { "are" };
            text.push_str(&format!(", {} {verb} not over yet", p.days_in_progress));
        }
        Some(text)
    };
    let parts: Vec<String> = [
        period("this period", &c.current),
        period("previous period", &c.previous),
    ]
    .into_iter()
    .flatten()
    .collect();
    let mut note = parts.join("; ");
    if let Some(first) = note.get(..1) {
        note = first.to_uppercase() + &note[1..];
    }
    Some(format!(
        "{note}. Changes in sessions, visitors, pageviews and revenue are left out; rates are still compared."
    ))
}

fn text(s: String) -> tera::Result<Value> {
    Ok(Value::String(s))
}

fn or_missing(v: &Value, f: impl Fn(f64) -> String) -> tera::Result<Value> {
    text(
        v.as_f64()
            .filter(|x| x.is_finite())
            .map_or_else(|| format::MISSING.to_owned(), f),
    )
}

/// The change a `delta`/`tone` filter shows: `pp=true` for rates (a difference in percentage
/// points), `partial=true` when a missing value is due to partial data rather than to an
/// empty previous period.
fn change_arg(v: &Value, args: &HashMap<String, Value>) -> Change {
    let flag = |name: &str| args.get(name).and_then(Value::as_bool).unwrap_or(false);
    let missing = if flag("partial") {
        Change::Partial
    } else {
        Change::NoPrevious
    };
    // `test`: the change's `Test` from report.json (absent or null: untested).
    let test = args
        .get("test")
        .and_then(|t| serde_json::from_value::<crate::stats::Test>(t.clone()).ok());
    Change::tested(v.as_f64(), flag("pp"), missing, test.as_ref())
}

/// Registers `int`, `pct`, `dec` (`places`, default 2), `duration`, `money` (`currency`),
/// `lift`, `count` (`noun`), `delta` and `tone` (`pp`, `partial`, `lower_is_better`, `test`) and
/// `term`.
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter("int", |v: &Value, _: &HashMap<String, Value>| match v.as_u64() {
        Some(n) => text(format::int(n)),
        None => or_missing(v, |x| format::decimal(x, 0)),
    });
    tera.register_filter("pct", |v: &Value, _: &HashMap<String, Value>| {
        or_missing(v, format::pct)
    });
    tera.register_filter("dec", |v: &Value, args: &HashMap<String, Value>| {
        let places = args.get("places").and_then(Value::as_u64).unwrap_or(2).min(6) as usize;
        or_missing(v, |x| format::decimal(x, places))
    });
    tera.register_filter("depth", |v: &Value, _: &HashMap<String, Value>| {
        or_missing(v, format::depth)
    });
    tera.register_filter("duration", |v: &Value, _: &HashMap<String, Value>| {
        or_missing(v, format::duration)
    });
    tera.register_filter("money", |v: &Value, args: &HashMap<String, Value>| {
        let currency = args.get("currency").and_then(Value::as_str).unwrap_or_default();
        or_missing(v, |x| format::money(x, currency))
    });
    tera.register_filter("lift", |v: &Value, _: &HashMap<String, Value>| {
        or_missing(v, |x| format!("{}×", format::decimal(x, 2)))
    });
    tera.register_filter("count", |v: &Value, args: &HashMap<String, Value>| {
        let noun = args.get("noun").and_then(Value::as_str).unwrap_or("item");
        let n = v.as_u64().unwrap_or(0);
        // `plural` for the nouns that do not just add "s" (country → countries).
        match args.get("plural").and_then(Value::as_str) {
            Some(plural) if n != 1 => text(format!("{} {plural}", format::int(n))),
            _ => text(format::count(n, noun)),
        }
    });
    tera.register_filter("term", |v: &Value, _: &HashMap<String, Value>| {
        text(term(v.as_str().unwrap_or_default()))
    });
    tera.register_filter("delta", |v: &Value, args: &HashMap<String, Value>| {
        text(change_arg(v, args).text().1)
    });
    tera.register_filter("tone", |v: &Value, args: &HashMap<String, Value>| {
        let lower_is_better = args.get("lower_is_better").and_then(Value::as_bool).unwrap_or(false);
        text(change_arg(v, args).tone(lower_is_better).to_owned())
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coverage_notes_name_the_days_with_data() {
        let period = |days, with, progress: u64| PeriodCoverage {
            days,
            days_with_data: with,
            days_in_progress: progress,
            incomplete_days: vec!["x".into(); (days - with + progress) as usize],
        };
        let cases = [
            (period(4, 4, 0), period(4, 4, 0), None),
            (
                period(4, 4, 0),
                period(4, 1, 0),
                Some("Previous period: 1 of 4 days has data. Changes in sessions, visitors, pageviews and revenue are left out; rates are still compared."),
            ),
            (
                period(1, 1, 1),
                period(1, 0, 0),
                Some("This period: 1 of 1 day has data, 1 is not over yet; previous period: 0 of 1 day have data. Changes in sessions, visitors, pageviews and revenue are left out; rates are still compared."),
            ),
        ];
        for (current, previous, expected) in cases {
            let comparable = current.complete() && previous.complete();
            let c = Coverage {
                current,
                previous,
                comparable,
            };
            assert_eq!(coverage_note(&c).as_deref(), expected);
        }
    }

    #[test]
    fn terms_read_as_words() {
        for (figure, want) in [
            ("avg_duration_s", "Average duration"),
            ("automation", "Suspected automation"),
            ("bot_ledger", "Bot ledger"),
            ("new_figure", "new figure"),
        ] {
            assert_eq!(term(figure), want);
        }
    }

    #[test]
    fn filters_render_in_templates() {
        let mut tera = Tera::default();
        tera.set_escape_fn(text::escape_html);
        register_filters(&mut tera);
        tera.add_raw_template(
            "t.html",
            "{{ a | int }} {{ b | pct }} {{ b | dec(places=1) }} {{ c | duration }} {{ d | delta }} \
             {{ d | tone(lower_is_better=true) }} {{ n | delta }} {{ n | delta(partial=true) }} {{ n | pct }} \
             {{ p | delta(pp=true) }} {{ one | count(noun=\"day\") }} {{ r | money(currency=\"EUR\") }}",
        )
        .unwrap();
        let ctx = tera::Context::from_value(serde_json::json!({
            "a": 12345, "b": 0.26, "c": 61.0, "d": -0.5, "n": null, "p": -0.011, "one": 1, "r": 49.5
        }))
        .unwrap();
        assert_eq!(
            tera.render("t.html", &ctx).unwrap(),
            "12,345 26.0% 0.3 1m 01s ▼ −50.0% good no previous data not comparable (partial data) – \
             ▼ −1.1 pp 1 day 49.50 EUR"
        );
    }
}
