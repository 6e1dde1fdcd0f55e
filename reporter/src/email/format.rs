//! How figures read in an email: "12,340", "61%", "+8%", "+3.2 pp", "1m 23s", aligned text
//! tables, and the cleaning of visitor-derived strings.

/// Longest visitor-derived value shown (page paths, sources); longer ones end in "…".
pub const MAX_VALUE_CHARS: usize = 48;

/// "12,340".
pub fn int(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A rate in [0, 1] as a percentage: whole percent from 10%, one decimal below ("2.4%").
pub fn rate(x: f64) -> String {
    let p = x * 100.0;
    if p == 0.0 {
        "0%".into()
    } else if p < 9.95 {
        format!("{:.1}%", (p * 10.0).round() / 10.0)
    } else {
        format!("{}%", p.round() as i64)
    }
}

/// A rate as a whole percentage ("61%"), for subjects.
pub fn rate_whole(x: f64) -> String {
    format!("{}%", (x * 100.0).round() as i64)
}

/// A relative change (0.08 → "+8%"); one decimal under 1%, "±0%" when it rounds to nothing.
pub fn relative(d: f64) -> String {
    let p = d * 100.0;
    if p.abs() >= 0.95 {
        format!("{:+}%", p.round() as i64)
    } else if p.abs() >= 0.05 {
        format!("{:+.1}%", (p * 10.0).round() / 10.0)
    } else {
        "±0%".into()
    }
}

/// A change between two rates in percentage points (0.61 vs 0.578 → "+3.2 pp").
pub fn points(current: f64, previous: f64) -> String {
    let pp = ((current - previous) * 1000.0).round() / 10.0;
    if pp == 0.0 {
        "±0 pp".into()
    } else {
        format!("{pp:+.1} pp")
    }
}

/// Whole seconds as "45s", "1m 23s" or "1h 02m".
pub fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m", s / 3600, (s % 3600) / 60),
    }
}

/// Money as sent (mixed currencies are summed as sent): "1,234.50".
pub fn amount(x: f64) -> String {
    let cents = (x.abs() * 100.0).round() as u64;
    let sign = if x < 0.0 && cents > 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", int(cents / 100), cents % 100)
}

/// Makes a visitor-derived string safe for one line of text: control characters, Unicode line
/// and paragraph separators and bidi overrides become "�" (so nothing can start a new line,
/// fake a MIME boundary or reorder the text around it), and long values are shortened.
pub fn clean(value: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(value.len().min(max_chars * 4));
    for (n, c) in value.chars().enumerate() {
        if n + 1 == max_chars && value.chars().nth(max_chars).is_some() {
            out.push('…');
            break;
        }
        let unsafe_char = c.is_control()
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}');
        out.push(if unsafe_char { '\u{FFFD}' } else { c });
    }
    if out.trim().is_empty() {
        return "(not set)".into();
    }
    out
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// Lines of a plain-text table: header, a rule, then the rows, columns two spaces apart and
/// padded by characters (cells are already cleaned, so one char is one column for ASCII).
pub fn text_table(headers: &[&str], align: &[Align], rows: &[Vec<String>]) -> Vec<String> {
    let columns = headers.len();
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut out = String::new();
        for (i, cell) in cells.enumerate().take(columns) {
            let pad = widths[i].saturating_sub(cell.chars().count());
            if i > 0 {
                out.push_str("  ");
            }
            match align.get(i).copied().unwrap_or(Align::Left) {
                Align::Left => {
                    out.push_str(cell);
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                Align::Right => {
                    out.extend(std::iter::repeat_n(' ', pad));
                    out.push_str(cell);
                }
            }
        }
        out.trim_end().to_owned()
    };
    let mut lines = vec![line(&mut headers.iter().copied())];
    let total: usize = widths.iter().sum::<usize>() + 2 * columns.saturating_sub(1);
    lines.push("-".repeat(total));
    for row in rows {
        lines.push(line(&mut row.iter().map(String::as_str)));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(
            [int(0), int(999), int(1000), int(12_340), int(1_234_567)],
            ["0", "999", "1,000", "12,340", "1,234,567"]
        );
        assert_eq!(
            [rate(0.0), rate(0.024), rate(0.61), rate(1.0), rate(0.0996)],
            ["0%", "2.4%", "61%", "100%", "10%"]
        );
        assert_eq!(
            [
                relative(0.08),
                relative(-0.125),
                relative(0.004),
                relative(0.0001),
                relative(2.5)
            ],
            ["+8%", "-13%", "+0.4%", "±0%", "+250%"]
        );
        assert_eq!(
            [points(0.61, 0.578), points(0.38, 0.39), points(0.5, 0.5)],
            ["+3.2 pp", "-1.0 pp", "±0 pp"]
        );
        assert_eq!(
            [duration(0.0), duration(45.4), duration(83.0), duration(3720.0)],
            ["0s", "45s", "1m 23s", "1h 02m"]
        );
        assert_eq!(
            [amount(1234.5), amount(0.0), amount(-3.0)],
            ["1,234.50", "0.00", "-3.00"]
        );
    }

    #[test]
    fn clean_removes_line_breaks_and_shortens() {
        assert_eq!(
            clean("/a\r\n--boundary\r\nBcc: x", 48),
            "/a\u{FFFD}\u{FFFD}--boundary\u{FFFD}\u{FFFD}Bcc: x"
        );
        assert_eq!(clean("abc\u{202E}def", 48), "abc\u{FFFD}def");
        assert_eq!(clean("abcdefghij", 5), "abcd…");
        assert_eq!(clean("abcde", 5), "abcde");
        assert_eq!(clean("", 5), "(not set)");
    }

    #[test]
    fn tables_align() {
        let rows = vec![
            vec!["Direct".to_owned(), "1,234".to_owned()],
            vec!["Organic Search".to_owned(), "56".to_owned()],
        ];
        let lines = text_table(&["Channel", "Sessions"], &[Align::Left, Align::Right], &rows);
        assert_eq!(
            lines,
            [
                "Channel         Sessions",
                "------------------------",
                "Direct             1,234",
                "Organic Search        56"
            ]
        );
    }
}
