//! Aligned plain-text tables for the email's text part. Numbers and visitor strings are
//! formatted and cleaned by `crate::present`, shared with the site.

/// Longest visitor-derived value shown (page paths, sources); longer ones end in "…".
pub const MAX_VALUE_CHARS: usize = 48;

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
