//! `reporter sql`: one SQL script that computes, on a distributed engine, what `reporter run`
//! computes on one machine: the `sessions` table (the columns of `sessions.parquet`) and the
//! per-site and per-channel figures of `report.json`. The script is rendered from the rule
//! definitions the reporter itself runs on — the session rules of the config, the parsed source
//! lists and channel rules (`channels`), the automation lists and thresholds, the goals — so the
//! two cannot drift apart. A configuration the SQL cannot reproduce exactly is refused.
//!
//! - `dialect.rs`: what differs between DuckDB and Spark SQL.
//! - `hits.rs`: reading the lake: partitions, late hits, unreadable values, hits stored twice.
//! - `sources.rs`, `channels.rs`: the source lists as tables; attribution and channel rules.
//! - `sessions.rs`: the split rules, one expression per `EndReason`; session facts.
//! - `goals.rs`, `automation.rs`: conversions and suspected automation per session.
//! - `figures.rs`: the `sessions` view and the figures per site and channel.

mod automation;
mod channels;
pub mod dialect;
mod figures;
mod goals;
mod hits;
mod sessions;
mod sources;

use chrono::NaiveDate;

pub use dialect::Dialect;

use crate::channels::ChannelRules;
use crate::config::Config;

/// The period and lake a script reads.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    pub dialect: Dialect,
    /// The folder or bucket prefix holding `hits/` (e.g. `s3://hitflow-hits`).
    pub lake: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// Why no script was printed.
#[derive(Debug, thiserror::Error)]
pub enum SqlError {
    #[error("--to {to} is before --from {from}")]
    Period { from: NaiveDate, to: NaiveDate },
    #[error("invalid [channels] config: {0}")]
    Channels(#[from] crate::channels::ChannelConfigError),
    /// A rule the dialect cannot express exactly.
    #[error("{0}")]
    Unsupported(String),
}

/// Named relations in dependency order. Every one but the lake's rows is materialized once
/// (several later steps read each, and engines expand a view at every reference).
#[derive(Debug, Default)]
pub(crate) struct Views {
    views: Vec<(String, String, bool)>,
}

impl Views {
    pub fn add(&mut self, name: &str, sql: String) {
        self.views.push((name.to_owned(), sql, true));
    }

    /// A view read once, never materialized.
    pub fn add_view(&mut self, name: &str, sql: String) {
        self.views.push((name.to_owned(), sql, false));
    }

    fn render(&self, d: Dialect) -> String {
        let mut out = String::from(d.preamble());
        for (name, sql, materialized) in &self.views {
            let create = if *materialized {
                d.create_table(name)
            } else {
                format!("CREATE OR REPLACE TEMPORARY VIEW {name} AS")
            };
            out.push_str(&format!("\n{create}\n{sql};\n"));
        }
        out
    }
}

/// The script: views ending in `hitflow_sessions`, `hitflow_site_figures` and
/// `hitflow_channel_figures`.
pub fn script(config: &Config, options: &SqlOptions) -> Result<String, SqlError> {
    if options.to < options.from {
        return Err(SqlError::Period {
            from: options.from,
            to: options.to,
        });
    }
    sessions::check(&config.sessions)?;
    let d = options.dialect;
    let rules = ChannelRules::from_config(&config.channels)?;
    let periods = crate::figures::site::Periods::new(days(options.from), days(options.to));
    let mut views = Views::default();
    hits::hit_views(d, &options.lake, periods, &mut views);
    views.add(
        "hf_touches",
        format!(
            "SELECT DISTINCT url_host, referrer_host, utm_source, utm_medium, utm_campaign, ref_param, click_id_kind
FROM hf_unique WHERE event = {}",
            d.lit(hitflow_schema::EVENT_PAGEVIEW)
        ),
    );
    channels::channel_views(d, &rules, &mut views);
    sessions::session_views(d, config, &mut views);
    figures::figure_views(d, config, periods, &mut views);
    Ok(views.render(d))
}

/// Days since the epoch of a date.
fn days(date: NaiveDate) -> i64 {
    use chrono::Datelike;
    hitflow_schema::layout::Ymd {
        year: date.year(),
        month: date.month(),
        day: date.day(),
    }
    .to_days()
}

/// The site's time zone as a `CASE` over the `site` column (UTC for sites not configured),
/// applied to `f(tz)`.
pub(crate) fn per_site(d: Dialect, config: &Config, column: &str, f: impl Fn(&str) -> String) -> String {
    let mut out = String::from("CASE");
    for site in &config.sites {
        if site.timezone != chrono_tz::Tz::UTC {
            out.push_str(&format!(
                " WHEN {column} = {} THEN {}",
                d.lit(&site.name),
                f(site.timezone.name())
            ));
        }
    }
    if out == "CASE" {
        return f("UTC");
    }
    out.push_str(&format!(" ELSE {} END", f("UTC")));
    out
}
