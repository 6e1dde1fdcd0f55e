//! Server-rendered inline SVG charts: no script, no external file. Every chart has a `<title>`,
//! an `aria-label` and a `<desc>`, carries its numbers as text (axis and value labels), and
//! takes its colours from the page's CSS classes, so it follows light/dark mode and stays
//! readable in greyscale. Every string that enters the SVG goes through [`escape`].
//!
//! Charts scale with `viewBox` and `width="100%"`; the pages put the exact figures in a table
//! next to each chart as well.

use std::fmt::Write;

use crate::present::format;
use crate::present::text::escape_html as escape;

/// One vertical bar: its x-axis label, value, and the text shown above it.
#[derive(Debug, Clone)]
pub struct Column {
    pub label: String,
    pub value: f64,
    pub text: String,
}

/// A vertical bar chart (days, hours, periods).
#[derive(Debug, Clone)]
pub struct Columns {
    pub title: String,
    pub description: String,
    pub bars: Vec<Column>,
    /// Show every n-th x label (1 = all), so 24 hours or 31 days stay legible on a phone.
    pub label_every: usize,
    /// Print each bar's value above it (off when bars get too narrow for the text).
    pub value_labels: bool,
    /// A dashed horizontal line with its own label, e.g. the previous period's daily average.
    pub reference: Option<(f64, String)>,
    /// Notes pinned to bars (annotations), numbered in order.
    pub markers: Vec<Marker>,
}

/// A numbered flag on a bar: a dotted vertical line, the number on top, the text as tooltip.
#[derive(Debug, Clone)]
pub struct Marker {
    pub bar: usize,
    pub number: usize,
    pub text: String,
}

/// One horizontal bar: label above the bar, `fraction` of the full width, value text after it,
/// and an optional note under it (e.g. a funnel step's drop-off).
#[derive(Debug, Clone)]
pub struct Row {
    pub label: String,
    pub fraction: f64,
    pub text: String,
    pub note: Option<String>,
}

const WIDTH: f64 = 560.0;
/// Longest label kept in a chart; the full text is in the bar's tooltip and in the table.
const LABEL_CHARS: usize = 64;

fn n(x: f64) -> String {
    // One decimal keeps the SVG small and byte-stable.
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max - 1).collect();
        out.push('…');
        out
    }
}

/// Opens the `<svg>` with its accessible name and description.
fn open(out: &mut String, kind: &str, height: f64, title: &str, description: &str) {
    let (title, description) = (escape(title), escape(description));
    let _ = write!(
        out,
        r#"<svg class="chart {kind}" viewBox="0 0 {w} {h}" width="100%" role="img" aria-label="{title}" preserveAspectRatio="xMinYMin meet"><title>{title}</title><desc>{description}</desc>"#,
        w = n(WIDTH),
        h = n(height),
        kind = kind,
    );
}

/// Axis maximum and step: a round step (1, 2 or 5 × 10^k) giving about four grid lines.
fn scale(max: f64) -> (f64, f64) {
    let raw = (max / 4.0).max(1.0);
    let magnitude = 10f64.powf(raw.log10().floor());
    let step = match raw / magnitude {
        r if r <= 1.0 => 1.0,
        r if r <= 2.0 => 2.0,
        r if r <= 5.0 => 5.0,
        _ => 10.0,
    } * magnitude;
    ((max / step).ceil().max(1.0) * step, step)
}

/// A vertical bar chart with a labelled y axis and x labels. The reference line, if any, is
/// explained in a legend above the plot, where it cannot collide with the bars' labels.
pub fn columns(chart: &Columns) -> String {
    // The legend row above the plot exists only with a reference line.
    let legend = if chart.reference.is_some() { 24.0 } else { 0.0 };
    // A band under the legend for the markers' numbers, above the bars' value labels.
    let notes = if chart.markers.is_empty() { 0.0 } else { 24.0 };
    let height = 236.0 + legend + notes;
    let max = chart
        .bars
        .iter()
        .map(|b| b.value)
        .fold(0.0, f64::max)
        .max(chart.reference.as_ref().map_or(0.0, |r| r.0));
    let (axis_max, step) = scale(max);
    // Room for the widest y label at the phone font size (19 px, ~11 px a character), so
    // "10,000" is not clipped to "0,000".
    let label_chars = format::decimal(axis_max, 0).chars().count() as f64;
    let left = (label_chars * 11.0 + 14.0).max(40.0);
    let (right, top, bottom) = (WIDTH - 8.0, 24.0 + legend + notes, height - 32.0);
    let mut out = String::new();
    open(&mut out, "columns", height, &chart.title, &chart.description);
    let y = |v: f64| bottom - (v / axis_max) * (bottom - top);

    out.push_str(r#"<g class="axis">"#);
    let mut tick = 0.0;
    while tick <= axis_max + step / 2.0 {
        let _ = write!(
            out,
            r#"<line class="grid" x1="{l}" x2="{r}" y1="{y}" y2="{y}"/><text class="ax" x="{tx}" y="{ty}" text-anchor="end">{label}</text>"#,
            l = n(left),
            r = n(right),
            y = n(y(tick)),
            tx = n(left - 6.0),
            ty = n(y(tick) + 5.0),
            label = escape(&format::decimal(tick, 0)),
        );
        tick += step;
    }
    out.push_str("</g>");

    let count = chart.bars.len().max(1) as f64;
    let slot = (right - left) / count;
    let bar_width = (slot * 0.7).max(1.0);
    let every = chart.label_every.max(1);
    for (k, bar) in chart.bars.iter().enumerate() {
        let x = left + slot * k as f64 + (slot - bar_width) / 2.0;
        let top_y = y(bar.value.max(0.0));
        let _ = write!(
            out,
            r#"<g><title>{label}: {text}</title><rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}"/>"#,
            label = escape(&bar.label),
            text = escape(&bar.text),
            x = n(x),
            y = n(top_y),
            w = n(bar_width),
            h = n(bottom - top_y),
        );
        let center = n(x + bar_width / 2.0);
        if chart.value_labels {
            let _ = write!(
                out,
                r#"<text class="v" x="{center}" y="{}" text-anchor="middle">{}</text>"#,
                n(top_y - 6.0),
                escape(&bar.text)
            );
        }
        if k.is_multiple_of(every) {
            let _ = write!(
                out,
                r#"<text class="ax" x="{center}" y="{}" text-anchor="middle">{}</text>"#,
                n(bottom + 22.0),
                escape(&clip(&bar.label, 12))
            );
        }
        out.push_str("</g>");
    }
    let _ = write!(
        out,
        r#"<line class="base" x1="{}" x2="{}" y1="{b}" y2="{b}"/>"#,
        n(left),
        n(right),
        b = n(bottom)
    );
    for marker in chart.markers.iter().filter(|m| m.bar < chart.bars.len()) {
        let x = n(left + slot * marker.bar as f64 + slot / 2.0);
        let _ = write!(
            out,
            r#"<g class="pin"><title>{number}. {text}</title><line x1="{x}" x2="{x}" y1="{t}" y2="{b}"/><circle cx="{x}" cy="{cy}" r="9"/><text x="{x}" y="{ty}" text-anchor="middle">{number}</text></g>"#,
            number = marker.number,
            text = escape(&marker.text),
            t = n(legend + 21.0),
            b = n(bottom),
            cy = n(legend + 12.0),
            ty = n(legend + 17.0),
        );
    }
    if let Some((value, label)) = &chart.reference {
        let ry = n(y(*value));
        let _ = write!(
            out,
            r#"<g class="ref"><line x1="{l}" x2="{r}" y1="{ry}" y2="{ry}"/><line x1="{l}" x2="{lx}" y1="12" y2="12"/><text class="ax" x="{tx}" y="17">{label}</text></g>"#,
            l = n(left),
            r = n(right),
            lx = n(left + 28.0),
            tx = n(left + 36.0),
            label = escape(label),
        );
    }
    out.push_str("</svg>");
    out
}

/// Horizontal bars, one per row, each labelled above and valued after the bar. Room is left
/// for text up to ~20 units high: phones enlarge chart text (see style.css).
pub fn rows(title: &str, description: &str, rows: &[Row]) -> String {
    let left = 4.0;
    // About 11 units per character at the largest font size, so value texts never clip.
    let longest = rows.iter().map(|r| r.text.chars().count()).max().unwrap_or(0) as f64;
    let value_space = (longest * 11.0 + 12.0).clamp(80.0, 280.0);
    let track = WIDTH - left - value_space;
    let row_height = |row: &Row| if row.note.is_some() { 66.0 } else { 44.0 };
    let height = rows.iter().map(row_height).sum::<f64>().max(44.0) + 4.0;
    let mut out = String::new();
    open(&mut out, "rows", height, title, description);
    let mut y = 4.0;
    for row in rows {
        let fraction = if row.fraction.is_finite() {
            row.fraction.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let width = (track * fraction).max(if fraction > 0.0 { 1.5 } else { 0.0 });
        let (label, text) = (escape(&row.label), escape(&row.text));
        let _ = write!(
            out,
            r#"<g><title>{label}: {text}</title><text class="lbl" x="{left}" y="{ly}">{short}</text><rect class="track" x="{left}" y="{by}" width="{track}" height="16"/><rect class="bar" x="{left}" y="{by}" width="{w}" height="16"/><text class="v" x="{vx}" y="{vy}">{text}</text>"#,
            left = n(left),
            ly = n(y + 17.0),
            short = escape(&clip(&row.label, LABEL_CHARS)),
            by = n(y + 23.0),
            track = n(track),
            w = n(width),
            vx = n(left + track + 8.0),
            vy = n(y + 37.0),
        );
        if let Some(note) = &row.note {
            let _ = write!(
                out,
                r#"<text class="note" x="{}" y="{}">{}</text>"#,
                n(left),
                n(y + 59.0),
                escape(note)
            );
        }
        out.push_str("</g>");
        y += row_height(row);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOADS: [&str; 3] = [
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "</svg><script>x</script>",
    ];

    fn hostile_columns() -> Columns {
        Columns {
            title: PAYLOADS[0].into(),
            description: PAYLOADS[1].into(),
            bars: PAYLOADS
                .iter()
                .map(|p| Column {
                    label: (*p).into(),
                    value: 3.0,
                    text: (*p).into(),
                })
                .collect(),
            label_every: 1,
            value_labels: true,
            reference: Some((2.0, PAYLOADS[2].into())),
            markers: PAYLOADS
                .iter()
                .enumerate()
                .map(|(k, p)| Marker {
                    bar: k,
                    number: k + 1,
                    text: (*p).into(),
                })
                .collect(),
        }
    }

    #[test]
    fn markers_sit_on_their_bar_and_skip_missing_bars() {
        let mut chart = hostile_columns();
        chart.markers.push(Marker {
            bar: 9,
            number: 4,
            text: "no such bar".into(),
        });
        let svg = columns(&chart);
        assert_eq!(svg.matches(r#"<g class="pin">"#).count(), 3);
        assert!(svg.contains("<title>1. &lt;script&gt;") && !svg.contains("no such bar"));
    }

    #[test]
    fn chart_text_is_escaped() {
        let rows_svg = rows(
            PAYLOADS[2],
            PAYLOADS[0],
            &PAYLOADS.map(|p| Row {
                label: p.into(),
                fraction: 0.5,
                text: p.into(),
                note: Some(p.into()),
            }),
        );
        for svg in [columns(&hostile_columns()), rows_svg] {
            for payload in PAYLOADS {
                assert!(!svg.contains(payload), "{payload} in {svg}");
            }
            assert!(!svg.contains("<script") && !svg.contains("<img"));
            assert_eq!(svg.matches("<svg").count(), 1);
            assert_eq!(svg.matches("</svg>").count(), 1);
            assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        }
    }

    #[test]
    fn charts_carry_accessible_names_and_value_labels() {
        let chart = Columns {
            title: "Sessions per day".into(),
            description: "7 days".into(),
            bars: vec![
                Column {
                    label: "11-08".into(),
                    value: 190.0,
                    text: "190".into(),
                },
                Column {
                    label: "11-09".into(),
                    value: 301.0,
                    text: "301".into(),
                },
            ],
            label_every: 1,
            value_labels: true,
            reference: Some((250.0, "previous average 250".into())),
            markers: Vec::new(),
        };
        let svg = columns(&chart);
        assert!(svg.contains(r#"aria-label="Sessions per day""#));
        assert!(svg.contains("<title>Sessions per day</title>"));
        assert!(
            svg.contains(">301</text>")
                && svg.contains(">11-09</text>")
                && svg.contains(">previous average 250</text>")
        );
        // Axis: round steps up to at least the highest bar.
        assert!(svg.contains(">400</text>") || svg.contains(">350</text>"), "{svg}");
    }

    #[test]
    fn scale_uses_round_steps() {
        assert_eq!(scale(301.0), (400.0, 100.0));
        assert_eq!(scale(0.0), (1.0, 1.0));
        assert_eq!(scale(7.0), (8.0, 2.0));
        assert_eq!(scale(1234.0), (1500.0, 500.0));
    }

    #[test]
    fn rows_clamp_fractions() {
        let svg = rows(
            "t",
            "d",
            &[
                Row {
                    label: "a".into(),
                    fraction: f64::NAN,
                    text: "x".into(),
                    note: None,
                },
                Row {
                    label: "b".into(),
                    fraction: 7.0,
                    text: "y".into(),
                    note: None,
                },
            ],
        );
        // Value texts of one character: the narrowest value column.
        assert!(svg.contains(r#"width="476""#), "{svg}");
        assert!(!svg.contains("NaN"));
    }
}
