//! The index of past periods: every `periods/<from>_<to>/report.json` under the output folder,
//! newest first, with each site's headline figures and a link to its overview.
//!
//! Old reports are read through a minimal, lenient view of `report.json` (only the fields the
//! index shows, all defaulted), so a report written by an older or newer hitflow still lists.

use std::path::Path;

use anyhow::Context as _;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::charts::{self, Column, Columns};
use super::slug::unique_slugs;
use crate::present::format;

/// `2026-11-08_2026-11-14`: the folder of a period. Both ends must be real dates, so the name
/// can only be made of digits, `-` and `_` whatever the report says.
pub fn period_dir_name(from: &str, to: &str) -> anyhow::Result<String> {
    let parse = |s: &str| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").with_context(|| format!("period date {s:?} is not YYYY-MM-DD"))
    };
    let (from, to) = (parse(from)?, parse(to)?);
    anyhow::ensure!(from <= to, "period ends ({to}) before it starts ({from})");
    Ok(format!("{}_{}", from.format("%Y-%m-%d"), to.format("%Y-%m-%d")))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredReport {
    period: StoredPeriod,
    sites: Vec<StoredSite>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredPeriod {
    from: String,
    to: String,
    days: i64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredSite {
    site: String,
    totals: StoredTotals,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct StoredTotals {
    sessions: u64,
    visitors: u64,
    engagement_rate: f64,
    conversion_rate: f64,
}

/// One period of the index.
#[derive(Debug, Clone, Serialize)]
pub struct PeriodEntry {
    /// Folder name under `periods/`.
    pub dir: String,
    pub from: String,
    pub to: String,
    pub days: i64,
    pub sites: Vec<SiteEntry>,
}

/// A site's line in a period of the index.
#[derive(Debug, Clone, Serialize)]
pub struct SiteEntry {
    pub site: String,
    /// Link to the site's overview, relative to the output folder; `None` when the page is
    /// missing (e.g. rendered by a version that named folders differently).
    pub href: Option<String>,
    pub sessions: u64,
    pub visitors: u64,
    pub engagement_rate: f64,
    pub conversion_rate: f64,
    /// Sessions per day, comparable across periods of different lengths.
    pub sessions_per_day: f64,
}

/// A site across all periods, newest first, with a chart of its sessions per day.
#[derive(Debug, Clone, Serialize)]
pub struct SiteHistory {
    pub site: String,
    pub rows: Vec<HistoryRow>,
    pub chart: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    /// `2026-11-08 – 2026-11-14`.
    pub period: String,
    pub entry: SiteEntry,
}

/// Reads every period folder under `periods`. Folders that are not `<from>_<to>` (staging
/// folders, stray files) are ignored; an unreadable report is skipped with a warning so one bad
/// folder never hides the others.
pub fn scan(periods: &Path) -> anyhow::Result<Vec<PeriodEntry>> {
    let mut entries = Vec::new();
    let listing = match std::fs::read_dir(periods) {
        Ok(listing) => listing,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(entries),
        Err(err) => return Err(err).with_context(|| format!("cannot list {}", periods.display())),
    };
    for item in listing {
        let item = item.with_context(|| format!("cannot list {}", periods.display()))?;
        let Some(dir) = item.file_name().to_str().map(str::to_owned) else {
            continue;
        };
        let Some((from, to)) = dir.split_once('_') else {
            continue;
        };
        if period_dir_name(from, to).ok().as_deref() != Some(dir.as_str()) {
            continue;
        }
        let path = item.path().join("report.json");
        let stored: StoredReport = match std::fs::read(&path)
            .map_err(anyhow::Error::from)
            .and_then(|b| Ok(serde_json::from_slice(&b)?))
        {
            Ok(stored) => stored,
            Err(err) => {
                tracing::warn!(path = %path.display(), "period left out of the index: {err:#}");
                continue;
            }
        };
        let slugs = unique_slugs(stored.sites.iter().map(|s| s.site.as_str()));
        let days = stored.period.days.max(1);
        let sites = stored
            .sites
            .into_iter()
            .zip(slugs)
            .map(|(site, slug)| {
                let page = format!("periods/{dir}/{slug}/index.html");
                SiteEntry {
                    href: item.path().join(&slug).join("index.html").is_file().then_some(page),
                    sessions: site.totals.sessions,
                    visitors: site.totals.visitors,
                    engagement_rate: site.totals.engagement_rate,
                    conversion_rate: site.totals.conversion_rate,
                    sessions_per_day: site.totals.sessions as f64 / days as f64,
                    site: site.site,
                }
            })
            .collect();
        // The folder name is authoritative: it was validated above, the report text was not.
        entries.push(PeriodEntry {
            from: from.to_owned(),
            to: to.to_owned(),
            days: stored.period.days,
            sites,
            dir,
        });
    }
    entries.sort_by(|a, b| (&b.to, &b.from).cmp(&(&a.to, &a.from)));
    Ok(entries)
}

/// Regroups the periods by site (sites in name order), for the index's per-site tables.
pub fn by_site(periods: &[PeriodEntry]) -> Vec<SiteHistory> {
    let mut names: Vec<&str> = periods
        .iter()
        .flat_map(|p| p.sites.iter().map(|s| s.site.as_str()))
        .collect();
    names.sort_unstable();
    names.dedup();
    names
        .into_iter()
        .map(|name| {
            let rows: Vec<HistoryRow> = periods
                .iter()
                .filter_map(|p| {
                    p.sites.iter().find(|s| s.site == name).map(|s| HistoryRow {
                        period: format!("{} – {}", p.from, p.to),
                        entry: s.clone(),
                    })
                })
                .collect();
            let chart = (rows.len() >= 2).then(|| {
                charts::columns(&Columns {
                    title: format!("Sessions per day by period, {name}"),
                    description: format!(
                        "Average sessions per day of each of the {} periods, oldest first.",
                        rows.len()
                    ),
                    bars: rows
                        .iter()
                        .rev()
                        .map(|row| Column {
                            // `11-08`: the period's first day, enough to tell periods apart.
                            label: row.period.get(5..10).unwrap_or(&row.period).to_owned(),
                            value: row.entry.sessions_per_day,
                            text: format::decimal(row.entry.sessions_per_day, 0),
                        })
                        .collect(),
                    label_every: rows.len().div_ceil(10).max(1),
                    value_labels: rows.len() <= 16,
                    reference: None,
                    markers: Vec::new(),
                })
            });
            SiteHistory {
                site: name.to_owned(),
                rows,
                chart,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn period_names_are_validated_dates() {
        assert_eq!(
            period_dir_name("2026-11-08", "2026-11-14").unwrap(),
            "2026-11-08_2026-11-14"
        );
        // Whatever chrono accepts comes out zero-padded.
        assert_eq!(
            period_dir_name("2026-1-8", "2026-11-14").unwrap(),
            "2026-01-08_2026-11-14"
        );
        for (from, to) in [
            ("../../x", "2026-11-14"),
            ("2026-11-08", "2026-11-14/../../"),
            ("2026-11-15", "2026-11-14"),
            ("2026-13-01", "2026-11-14"),
        ] {
            assert!(period_dir_name(from, to).is_err(), "{from} {to}");
        }
    }

    #[test]
    fn scan_lists_valid_periods_newest_first_and_skips_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, body: &str| {
            std::fs::create_dir_all(dir.path().join(name)).unwrap();
            std::fs::write(dir.path().join(name).join("report.json"), body).unwrap();
        };
        let report = |from: &str, to: &str| {
            format!(
                r#"{{"period":{{"from":"{from}","to":"{to}","days":7}},"sites":[{{"site":"a.com","totals":{{"sessions":70}}}}]}}"#
            )
        };
        write("2026-11-01_2026-11-07", &report("2026-11-01", "2026-11-07"));
        write("2026-11-08_2026-11-14", &report("2026-11-08", "2026-11-14"));
        write(".2026-11-15_2026-11-21.staging", &report("2026-11-15", "2026-11-21"));
        write("2026-11-22_2026-11-28", "not json");
        write("notes", "{}");
        std::fs::create_dir_all(dir.path().join("2026-11-08_2026-11-14/a-com")).unwrap();
        std::fs::write(dir.path().join("2026-11-08_2026-11-14/a-com/index.html"), "").unwrap();

        let periods = scan(dir.path()).unwrap();
        let names: Vec<&str> = periods.iter().map(|p| p.dir.as_str()).collect();
        assert_eq!(names, ["2026-11-08_2026-11-14", "2026-11-01_2026-11-07"]);
        assert_eq!(
            periods[0].sites[0].href.as_deref(),
            Some("periods/2026-11-08_2026-11-14/a-com/index.html")
        );
        assert_eq!(periods[1].sites[0].href, None);
        assert_eq!(periods[0].sites[0].sessions_per_day, 10.0);
        let sites = by_site(&periods);
        assert_eq!(sites.len(), 1);
        assert!(sites[0]
            .chart
            .as_deref()
            .is_some_and(|svg| svg.contains("Sessions per day by period")));
        assert!(scan(&dir.path().join("missing")).unwrap().is_empty());
    }
}
