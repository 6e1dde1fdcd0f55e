//! Reads the catalogue's tables (`data/*.tsv`, compiled in): tab-separated text whose first line
//! names the columns. Lines starting with `#` are comments, blank lines are skipped, `-` is an
//! empty cell and a list cell holds values separated by spaces. Cells are borrowed from the
//! embedded text, so the catalogue's strings stay `&'static str`.

use std::fmt::Display;
use std::str::FromStr;

use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::de::DeserializeOwned;

/// A table that does not read: which file, which line, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("data/{file}{}: {message}", if *line > 0 { format!(" line {line}") } else { String::new() })]
pub struct TableError {
    pub file: &'static str,
    /// 0: the table as a whole.
    pub line: usize,
    pub message: String,
}

/// One row, with its line number for errors.
pub struct Row<'t> {
    file: &'static str,
    line: usize,
    columns: &'t [&'static str],
    cells: Vec<&'static str>,
}

/// Splits a table (file name, text) into rows after checking that its header is exactly `columns`.
fn read(
    (file, text): (&'static str, &'static str),
    columns: &[&'static str],
) -> Result<Vec<(usize, Vec<&'static str>)>, TableError> {
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let error = |line, message: String| TableError { file, line, message };
    let Some((line, header)) = lines.next() else {
        return Err(error(1, "no header line".to_owned()));
    };
    let found: Vec<&str> = header.split('\t').collect();
    if found != columns {
        return Err(error(line, format!("header is {found:?}, expected {columns:?}")));
    }
    lines
        .map(|(line, l)| {
            let cells: Vec<&'static str> = l.split('\t').collect();
            if cells.len() == columns.len() {
                Ok((line, cells))
            } else {
                Err(error(
                    line,
                    format!(
                        "{} cells, expected {} ({})",
                        cells.len(),
                        columns.len(),
                        columns.join(", ")
                    ),
                ))
            }
        })
        .collect()
}

/// Reads every row of a table (file name, text) through `build`, which gets each row's cells by column name.
pub fn rows<T>(
    (file, text): (&'static str, &'static str),
    columns: &[&'static str],
    mut build: impl FnMut(&Row<'_>) -> Result<T, TableError>,
) -> Result<Vec<T>, TableError> {
    read((file, text), columns)?
        .into_iter()
        .map(|(line, cells)| {
            build(&Row {
                file,
                line,
                columns,
                cells,
            })
        })
        .collect()
}

impl Row<'_> {
    /// An error at this row.
    pub fn error(&self, message: impl Display) -> TableError {
        TableError {
            file: self.file,
            line: self.line,
            message: message.to_string(),
        }
    }

    fn cell(&self, column: &str) -> Result<&'static str, TableError> {
        self.columns
            .iter()
            .position(|c| *c == column)
            .map(|i| self.cells[i])
            .ok_or_else(|| self.error(format_args!("no column `{column}`")))
    }

    /// A cell that must hold a value.
    pub fn text(&self, column: &str) -> Result<&'static str, TableError> {
        self.optional(column)?
            .ok_or_else(|| self.error(format_args!("`{column}` must not be empty")))
    }

    /// A cell that may be empty (`-`).
    pub fn optional(&self, column: &str) -> Result<Option<&'static str>, TableError> {
        let cell = self.cell(column)?;
        if cell.trim() != cell || cell.is_empty() {
            return Err(self.error(format_args!("`{column}` has stray spaces or is blank: {cell:?}")));
        }
        Ok((cell != "-").then_some(cell))
    }

    /// A number or other value parsed from its text.
    pub fn parse<T: FromStr>(&self, column: &str) -> Result<T, TableError>
    where
        T::Err: Display,
    {
        let cell = self.text(column)?;
        cell.parse()
            .map_err(|e| self.error(format_args!("`{column}` {cell:?}: {e}")))
    }

    /// Space-separated values; empty for `-`.
    pub fn list<T: FromStr>(&self, column: &str) -> Result<Vec<T>, TableError>
    where
        T::Err: Display,
    {
        let Some(cell) = self.optional(column)? else {
            return Ok(Vec::new());
        };
        cell.split(' ')
            .map(|v| {
                v.parse()
                    .map_err(|e| self.error(format_args!("`{column}` value {v:?}: {e}")))
            })
            .collect()
    }

    /// A name of one of the catalogue's kinds (a kebab-case serde enum).
    pub fn kind<T: DeserializeOwned>(&self, column: &str) -> Result<T, TableError> {
        named(self.text(column)?).map_err(|e| self.error(format_args!("`{column}`: {e}")))
    }

    /// [`Row::kind`] for a cell that may be empty.
    pub fn optional_kind<T: DeserializeOwned>(&self, column: &str) -> Result<Option<T>, TableError> {
        self.optional(column)?
            .map(|v| named(v).map_err(|e| self.error(format_args!("`{column}`: {e}"))))
            .transpose()
    }
}

fn named<T: DeserializeOwned>(name: &str) -> Result<T, ValueError> {
    T::deserialize(StrDeserializer::<ValueError>::new(name))
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "kebab-case")]
    enum Colour {
        Red,
        DarkBlue,
    }

    const COLUMNS: &[&str] = &["name", "colour", "weight", "sizes", "note"];

    #[derive(Debug, PartialEq)]
    struct Thing {
        name: &'static str,
        colour: Colour,
        weight: f64,
        sizes: Vec<u16>,
        note: Option<&'static str>,
    }

    fn things(text: &'static str) -> Result<Vec<Thing>, TableError> {
        rows(("things.tsv", text), COLUMNS, |r| {
            Ok(Thing {
                name: r.text("name")?,
                colour: r.kind("colour")?,
                weight: r.parse("weight")?,
                sizes: r.list("sizes")?,
                note: r.optional("note")?,
            })
        })
    }

    #[test]
    fn reads_rows_comments_and_empty_cells() {
        let text = "# a comment\nname\tcolour\tweight\tsizes\tnote\n\nbox\tred\t0.3\t1 20\t-\n# between rows\nbag\tdark-blue\t52\t-\tsoft, light\n";
        assert_eq!(
            things(text),
            Ok(vec![
                Thing {
                    name: "box",
                    colour: Colour::Red,
                    weight: 0.3,
                    sizes: vec![1, 20],
                    note: None
                },
                Thing {
                    name: "bag",
                    colour: Colour::DarkBlue,
                    weight: 52.0,
                    sizes: vec![],
                    note: Some("soft, light")
                },
            ])
        );
    }

    #[test]
    fn errors_name_file_line_and_cell() {
        let header = "name\tcolour\tweight\tsizes\tnote\n";
        for (body, line, message) in [
            ("", 0, ""),
            ("box\tred\t1\t-\n", 2, "4 cells, expected 5"),
            ("box\tred\t1\t-\t-\textra\n", 2, "6 cells, expected 5"),
            ("box\tgreen\t1\t-\t-\n", 2, "`colour`: unknown variant `green`"),
            ("# c\nbox\tred\tx\t-\t-\n", 3, "`weight` \"x\": invalid float literal"),
            ("box\tred\t1\t3 -4\t-\n", 2, "`sizes` value \"-4\": invalid digit"),
            ("-\tred\t1\t-\t-\n", 2, "`name` must not be empty"),
            ("box \tred\t1\t-\t-\n", 2, "`name` has stray spaces"),
            ("box\tred\t\t-\t-\n", 2, "`weight` has stray spaces or is blank"),
        ] {
            let text: &'static str = Box::leak(format!("{header}{body}").into_boxed_str());
            match things(text) {
                Ok(t) => assert!(line == 0 && t.is_empty(), "{body:?} read as {t:?}"),
                Err(e) => {
                    assert_eq!(e.line, line, "{body:?}: {e}");
                    assert!(
                        e.to_string()
                            .starts_with(&format!("data/things.tsv line {line}: {message}")),
                        "{e}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_wrong_or_missing_header_is_an_error() {
        assert_eq!(things("").unwrap_err().message, "no header line");
        let e = things("# only\nname\tcolor\tweight\tsizes\tnote\n").unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.starts_with("header is [\"name\", \"color\""), "{e}");
    }
}
