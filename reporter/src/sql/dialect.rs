//! What differs between the engines the SQL is written for: literals, reading the Hive-style
//! lake, time arithmetic, arrays and window options. Everything else is the SQL both share.

use std::fmt;

/// The SQL engine a script is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Dialect {
    /// DuckDB 1.x (embedded, also the `duckdb` CLI).
    Duckdb,
    /// Spark SQL 3.4+ (spark-sql, Databricks, EMR).
    Spark,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::Duckdb => "duckdb",
            Dialect::Spark => "spark",
        })
    }
}

impl Dialect {
    /// A string literal. Spark reads backslashes in literals as escapes; DuckDB does not.
    pub fn lit(self, s: &str) -> String {
        match self {
            Dialect::Duckdb => format!("'{}'", s.replace('\'', "''")),
            Dialect::Spark => format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'")),
        }
    }

    /// A quoted identifier (`date` and `hour` are keywords).
    pub fn ident(self, name: &str) -> String {
        match self {
            Dialect::Duckdb => format!("\"{name}\""),
            Dialect::Spark => format!("`{name}`"),
        }
    }

    /// The statement head that computes a query once and keeps its rows. Spark writes a
    /// Parquet table in the current database: a cached view would keep its whole lineage, and
    /// the analysis of every later step would expand it again.
    pub fn create_table(self, name: &str) -> String {
        match self {
            Dialect::Duckdb => format!("CREATE OR REPLACE TEMPORARY TABLE {name} AS"),
            Dialect::Spark => format!("DROP TABLE IF EXISTS {name};\nCREATE TABLE {name} USING parquet AS"),
        }
    }

    /// Statements that make both engines compute calendar values in UTC.
    pub fn preamble(self) -> &'static str {
        match self {
            Dialect::Duckdb => "SET TimeZone = 'UTC';\n",
            Dialect::Spark => "SET spark.sql.session.timeZone = UTC;\n",
        }
    }

    /// The hits table of the lake under `root` (the folder or bucket prefix holding `hits/`),
    /// with the partition columns `date` and `hour` found from the `date=…/hour=…` folders.
    pub fn read_hits(self, root: &str) -> String {
        let root = root.trim_end_matches('/');
        match self {
            Dialect::Duckdb => format!(
                "read_parquet({}, hive_partitioning = true, union_by_name = true)",
                self.lit(&format!("{root}/hits/*/*/*.parquet"))
            ),
            Dialect::Spark => format!("parquet.`{root}/hits`"),
        }
    }

    /// Milliseconds since the epoch of a timestamp.
    pub fn epoch_ms(self, ts: &str) -> String {
        match self {
            Dialect::Duckdb => format!("epoch_ms({ts})"),
            Dialect::Spark => format!("unix_millis({ts})"),
        }
    }

    /// Milliseconds since the epoch of the UTC midnight starting a date.
    pub fn date_ms(self, date: &str) -> String {
        match self {
            Dialect::Duckdb => format!("epoch_ms(CAST(CAST({date} AS DATE) AS TIMESTAMP))"),
            Dialect::Spark => format!("unix_millis(CAST(CAST({date} AS DATE) AS TIMESTAMP))"),
        }
    }

    /// Wall-clock milliseconds of a timestamp in an IANA time zone (a literal).
    pub fn local_ms(self, ts: &str, tz: &str) -> String {
        match self {
            Dialect::Duckdb => format!("epoch_ms(timezone({}, CAST({ts} AS TIMESTAMPTZ)))", self.lit(tz)),
            Dialect::Spark => format!("unix_millis(from_utc_timestamp({ts}, {}))", self.lit(tz)),
        }
    }

    /// A timestamp (UTC) from milliseconds since the epoch.
    pub fn timestamp_ms(self, ms: &str) -> String {
        match self {
            Dialect::Duckdb => format!("make_timestamp(({ms}) * 1000)"),
            Dialect::Spark => format!("timestamp_millis({ms})"),
        }
    }

    /// True when `s` contains a match of the regular expression `re` (a literal).
    pub fn regex(self, s: &str, re: &str) -> String {
        match self {
            Dialect::Duckdb => format!("regexp_matches({s}, {})", self.lit(re)),
            Dialect::Spark => format!("({s} RLIKE {})", self.lit(re)),
        }
    }

    /// The labels of a host split on dots (empty labels kept, as Rust's `split`).
    pub fn labels(self, s: &str) -> String {
        match self {
            Dialect::Duckdb => format!("string_split({s}, '.')"),
            Dialect::Spark => format!("split({s}, '[.]', -1)"),
        }
    }

    /// Number of elements of an array.
    pub fn len(self, array: &str) -> String {
        match self {
            Dialect::Duckdb => format!("len({array})"),
            Dialect::Spark => format!("size({array})"),
        }
    }

    /// Element `i` (1-based) of an array, NULL when out of range.
    pub fn at(self, array: &str, i: &str) -> String {
        match self {
            Dialect::Duckdb => format!("{array}[{i}]"),
            Dialect::Spark => format!("CASE WHEN ({i}) >= 1 THEN try_element_at({array}, {i}) END"),
        }
    }

    /// Elements `from..=to` (1-based) of an array joined with dots.
    pub fn join_labels(self, array: &str, from: &str, to: &str) -> String {
        match self {
            Dialect::Duckdb => format!("array_to_string(list_slice({array}, {from}, {to}), '.')"),
            Dialect::Spark => format!("array_join(slice({array}, {from}, ({to}) - ({from}) + 1), '.')"),
        }
    }

    /// One row per `i` in `0..n` (a select-list expression that multiplies rows).
    pub fn explode_range(self, n: &str) -> String {
        match self {
            Dialect::Duckdb => format!("unnest(range(CAST({n} AS BIGINT)))"),
            Dialect::Spark => format!("explode(sequence(0, CAST({n} AS INT) - 1))"),
        }
    }

    /// The last non-NULL value of `x` in a window frame.
    pub fn last_non_null(self, x: &str) -> String {
        match self {
            Dialect::Duckdb => format!("last_value({x} IGNORE NULLS)"),
            Dialect::Spark => format!("last_value({x}, true)"),
        }
    }

    /// The first non-NULL value of `x` in a window frame.
    pub fn first_non_null(self, x: &str) -> String {
        match self {
            Dialect::Duckdb => format!("first_value({x} IGNORE NULLS)"),
            Dialect::Spark => format!("first_value({x}, true)"),
        }
    }

    /// Unsigned 64-bit ids: DuckDB keeps UBIGINT, Spark reads Parquet's UINT64 as
    /// DECIMAL(20, 0); both compare and group exactly.
    pub fn id_type(self) -> &'static str {
        match self {
            Dialect::Duckdb => "UBIGINT",
            Dialect::Spark => "DECIMAL(20, 0)",
        }
    }
}

/// A `LIKE` pattern (escape character `!`) for a hitflow path pattern, where `*` matches any
/// run of characters and everything else itself.
pub fn like_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 4);
    for c in pattern.chars() {
        match c {
            '*' => out.push('%'),
            '%' | '_' | '!' => {
                out.push('!');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_escape_per_engine() {
        for (input, duckdb, spark) in [
            ("plain", "'plain'", "'plain'"),
            ("it's", "'it''s'", "'it\\'s'"),
            ("a\\b", "'a\\b'", "'a\\\\b'"),
        ] {
            assert_eq!(Dialect::Duckdb.lit(input), duckdb);
            assert_eq!(Dialect::Spark.lit(input), spark);
        }
    }

    #[test]
    fn path_patterns_become_like_patterns() {
        for (pattern, like) in [
            ("/thank-you*", "/thank-you%"),
            ("*/not-found*", "%/not-found%"),
            ("/100%_off!", "/100!%!_off!!"),
            ("/exact", "/exact"),
        ] {
            assert_eq!(like_pattern(pattern), like);
        }
    }
}
