//! `reporter run`: plan → load partitions → sessionize → two session sinks (figures and the
//! sessions.parquet records) → report.json, sessions.parquet and the site.

use std::ops::Range;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use chrono::NaiveDate;
use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_SECOND};
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::config::Config;
use crate::figures::collect::{into_groups, FigureContext, ShardFigures};
use crate::figures::coverage::DataHours;
use crate::figures::report::{definitions, InputSummary, PeriodInfo, Report, SegmentReport, SiteReport};
use crate::figures::site::Periods;
use crate::output::sessions_parquet::{RecordContext, SessionsWriter, ShardRecords};
use crate::output::write_atomically;
use crate::period::Compare;
use crate::rows::{Tables, SHARDS};
use crate::scan::decode::Projection;
use crate::scan::{load, plan, Loaded, ScanPlan};
use crate::sessions::lookup::Lookup;
use crate::sessions::sessionize::Rules;
use crate::sessions::stream::{Sessionizer, LATE_PARTITIONS};
use crate::store::Store;

/// Rows that may wait before a push closes what it can: bounds memory on busy sites (64 bytes a
/// row, 256 MB), while quieter lakes are sessionized once per UTC day.
pub(crate) const ROWS_PER_PUSH: usize = 2_000_000;

pub struct RunOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub out: PathBuf,
    pub strict: bool,
    pub progress: bool,
    /// The period the changes compare with (`--compare`).
    pub compare: Compare,
    /// `--site`: report this site alone (its part of the all-sites report); `None`: every site.
    /// Hits of other sites are read but counted nowhere: the hits of different sites are
    /// independent, so jobs per site together give every site's report.
    pub site: Option<String>,
}

/// What a run produced.
pub struct RunOutcome {
    pub report: Report,
    pub sessions_written: u64,
}

/// The optional columns the session rules need: `entry` to split on a browser close, `utm_term`
/// and `utm_content` to split on a source change.
pub fn projection(rules: &Rules) -> Projection {
    Projection {
        entry: rules.split_on_browser_close,
        term_and_content: rules.split_on_source_change,
    }
}

fn days(date: NaiveDate) -> i64 {
    Ymd {
        year: chrono::Datelike::year(&date),
        month: chrono::Datelike::month(&date),
        day: chrono::Datelike::day(&date),
    }
    .to_days()
}

pub async fn run(store: Store, config: &Config, options: &RunOptions) -> anyhow::Result<RunOutcome> {
    if options.to < options.from {
        bail!("--to {} is before --from {}", options.to, options.from);
    }
    let previous_from = options.compare.start(options.from, options.to)?;
    let periods = Periods::compared(days(options.from), days(options.to), days(previous_from));
    let Listed {
        scan_plan,
        window,
        hours,
        mut input,
    } = list_input(&store, periods).await?;

    // The site's templates are parsed while the hits are read.
    let engine = std::thread::spawn(crate::site::Engine::new);
    std::fs::create_dir_all(&options.out).with_context(|| format!("cannot create {}", options.out.display()))?;
    let sessions_path = options.out.join("sessions.parquet");
    let mut writer = SessionsWriter::create(&sessions_path.with_extension("parquet.tmp"))?;
    let mut tables = Tables::default();
    let only_site = options.site.as_deref().map(|s| tables.strings.intern(s));
    let mut lookup = Lookup::new(config, &mut tables)?;
    let rules = Rules::from(&config.sessions);
    let progress = progress_bar(options.progress, scan_plan.bytes());
    let loaded = load(store, scan_plan, projection(&rules), progress.clone());
    let mut reading = Reading {
        sessionizer: Sessionizer::new(rules, window),
        figures: (0..SHARDS).map(|_| ShardFigures::default()).collect(),
        records: (0..SHARDS).map(|_| ShardRecords::default()).collect(),
        tables,
        segments: &config.segments,
        only_site,
        periods,
        engaged_ms: i64::from(config.sessions.engaged_seconds) * MS_PER_SECOND,
        very_short_ms: i64::from(config.sessions.very_short_seconds) * MS_PER_SECOND,
    };
    let started = std::time::Instant::now();
    reading
        .read(loaded, &mut lookup, &mut writer, &mut input, options.strict)
        .await?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "read and accumulated the hits"
    );
    progress.finish_and_clear();
    input.absorb(reading.sessionizer.stats);

    // The report is built while the writer thread finishes sessions.parquet. Coverage: the
    // hours whose partitions hold hit files, and today.
    let data_hours = DataHours {
        hours,
        now_ms: chrono::Utc::now().timestamp_millis(),
        periods,
    };
    let started = std::time::Instant::now();
    let report = build_report(
        reading.figures,
        &reading.tables,
        &lookup,
        config,
        options,
        input,
        &data_hours,
    );
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "built the report");
    let sessions_written = writer.finish()?;
    std::fs::rename(sessions_path.with_extension("parquet.tmp"), &sessions_path)?;
    let engine = engine
        .join()
        .map_err(|_| anyhow::anyhow!("parsing the site templates panicked"))??;
    let started = std::time::Instant::now();
    write_report(&engine, &report, &options.out)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        "wrote report.json and the site"
    );
    Ok(RunOutcome {
        report,
        sessions_written,
    })
}

/// What the listing found, before anything is read.
struct Listed {
    scan_plan: ScanPlan,
    /// The hit times read.
    window: Range<i64>,
    /// The hours whose partitions hold hit files.
    hours: Vec<i64>,
    input: InputSummary,
}

async fn list_input(store: &Store, periods: Periods) -> anyhow::Result<Listed> {
    store
        .check()
        .await
        .with_context(|| format!("cannot open store {}", store.describe()))?;
    // Site days are local; ±1 UTC day covers every time zone. Visitor ids rotate at UTC
    // midnight, so no session reaches across these bounds.
    let first = Ymd::from_days(periods.previous.0.min(periods.current.0) - 1);
    let last = Ymd::from_days(periods.previous.1.max(periods.current.1) + 1);
    let window = first.start_ms()..Ymd::from_days(last.to_days() + 1).start_ms();
    let scan_plan = plan_periods(store, &periods).await.context("listing the hits")?;
    let input = InputSummary {
        store: store.describe(),
        partitions_read: scan_plan.partitions.len() as u64,
        objects_read: scan_plan.objects() as u64,
        bytes_read: scan_plan.bytes(),
        bad_objects: scan_plan.stray.clone(),
        ..InputSummary::default()
    };
    tracing::info!(
        partitions = input.partitions_read,
        objects = input.objects_read,
        bytes = input.bytes_read,
        "reading {}",
        store.describe()
    );
    Ok(Listed {
        hours: hours_with_data(&scan_plan),
        scan_plan,
        window,
        input,
    })
}

/// The partitions of both periods (±1 UTC day each): one listing when they are close, two when
/// a year or a chosen period lies between them, so the days in between are never read.
async fn plan_periods(store: &Store, periods: &Periods) -> Result<ScanPlan, crate::store::StoreError> {
    let range = |(from, to): (i64, i64)| (Ymd::from_days(from - 1), Ymd::from_days(to + 1));
    let (mut a, mut b) = (range(periods.previous), range(periods.current));
    if a.0.to_days() > b.0.to_days() {
        std::mem::swap(&mut a, &mut b);
    }
    // A listing covers its last day + 1 (late hits), so ranges this close are read as one.
    if a.1.to_days() + 2 >= b.0.to_days() {
        return plan(
            store,
            a.0,
            Ymd::from_days(a.1.to_days().max(b.1.to_days())),
            LATE_PARTITIONS as u32,
        )
        .await;
    }
    let mut first = plan(store, a.0, a.1, LATE_PARTITIONS as u32).await?;
    let second = plan(store, b.0, b.1, LATE_PARTITIONS as u32).await?;
    first.partitions.extend(second.partitions);
    first.stray.extend(second.stray);
    Ok(first)
}

/// The hours whose partitions hold hit files (the listing).
fn hours_with_data(scan_plan: &ScanPlan) -> Vec<i64> {
    scan_plan
        .partitions
        .iter()
        .filter(|(_, objects)| !objects.is_empty())
        .map(|(partition, _)| partition.start_ms())
        .collect()
}

fn progress_bar(shown: bool, bytes: u64) -> ProgressBar {
    let progress = if shown {
        ProgressBar::new(bytes)
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{spinner} reading hits {bar:30} {binary_bytes}/{binary_total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    progress
}

/// The state of the reading loop: rows waiting in the sessionizer, and per shard the two session
/// sinks' running state.
struct Reading<'c> {
    sessionizer: Sessionizer,
    figures: Vec<ShardFigures>,
    records: Vec<ShardRecords>,
    tables: Tables,
    segments: &'c [crate::segments::SegmentConfig],
    /// `--site`: the string id of the one site counted (`None`: every site).
    only_site: Option<u32>,
    periods: Periods,
    engaged_ms: i64,
    very_short_ms: i64,
}

impl Reading<'_> {
    /// Adds every loaded file to the sessionizer and pushes when enough is complete. Every hit
    /// before `complete` has arrived (the lateness margin). Sessions are closed when a UTC day
    /// is complete (visitor ids end with it) or, on busy sites, when enough rows wait.
    async fn read(
        &mut self,
        mut loaded: tokio::sync::mpsc::Receiver<Loaded>,
        lookup: &mut Lookup,
        writer: &mut SessionsWriter,
        input: &mut InputSummary,
        strict: bool,
    ) -> anyhow::Result<()> {
        loop {
            let complete = match loaded.recv().await {
                Some(Loaded::File(file)) => {
                    input.hits_read += file.rows() as u64;
                    input.bad_rows += file.bad_rows;
                    self.sessionizer.add(file.merge(&mut self.tables));
                    continue;
                }
                Some(Loaded::Bad(bad)) => {
                    if strict {
                        bail!("unreadable object {}: {} (--strict)", bad.key, bad.reason);
                    }
                    tracing::warn!(key = %bad.key, reason = %bad.reason, "skipping unreadable object");
                    input.bad_objects.push(bad);
                    continue;
                }
                Some(Loaded::PartitionEnd(partition)) => {
                    lookup.prepare(&mut self.tables);
                    Some(partition.start_ms() + MS_PER_HOUR - LATE_PARTITIONS * MS_PER_HOUR)
                }
                None => None,
            };
            if complete.is_some() && !self.worth_a_push(complete) {
                continue;
            }
            self.push(complete, lookup, writer)?;
            if complete.is_none() {
                break;
            }
        }
        if strict {
            if let Some(bad) = input.bad_objects.first() {
                bail!("unreadable object {}: {} (--strict)", bad.key, bad.reason);
            }
        }
        Ok(())
    }

    /// A push pays off once a UTC day with rows held is complete, or when many rows wait.
    fn worth_a_push(&self, complete: Option<i64>) -> bool {
        let day_ended = match (complete, self.sessionizer.oldest_row()) {
            (Some(c), Some(oldest)) => c.div_euclid(MS_PER_DAY) > oldest.div_euclid(MS_PER_DAY),
            _ => false,
        };
        day_ended || self.sessionizer.pending_rows() >= ROWS_PER_PUSH
    }

    /// Closes the sessions that are final into both sinks, hands the records to the writer and
    /// drops what the figures no longer need.
    fn push(&mut self, complete: Option<i64>, lookup: &Lookup, writer: &mut SessionsWriter) -> anyhow::Result<()> {
        let figure_ctx = FigureContext {
            segments: self.segments,
            only_site: self.only_site,
            lookup,
            tables: &self.tables,
            periods: self.periods,
            engaged_ms: self.engaged_ms,
            very_short_ms: self.very_short_ms,
        };
        let record_ctx = RecordContext {
            only_site: self.only_site,
            lookup,
            tables: &self.tables,
            periods: self.periods,
            engaged_ms: self.engaged_ms,
        };
        let mut sinks: Vec<_> = self
            .figures
            .iter_mut()
            .zip(&mut self.records)
            .map(|(figures, records)| (figures.sink(&figure_ctx), records.sink(&record_ctx)))
            .collect();
        self.sessionizer.push(complete, lookup, &mut sinks);
        drop(sinks);
        let closed_day = self.sessionizer.finalized_before().div_euclid(MS_PER_DAY);
        for (figures, records) in self.figures.iter_mut().zip(&mut self.records) {
            writer.write(records.take(), &self.tables)?;
            figures.close_days_before(closed_day);
        }
        Ok(())
    }
}

/// `report.json`'s content: every site's figures, built in parallel.
fn build_report(
    figures: Vec<ShardFigures>,
    tables: &Tables,
    lookup: &Lookup,
    config: &Config,
    options: &RunOptions,
    input: InputSummary,
    data_hours: &DataHours,
) -> Report {
    let periods = data_hours.periods;
    let groups = into_groups(figures);
    let mut sites: Vec<SiteReport> = groups
        .sites
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|acc| SiteReport::build(acc, tables, lookup, config, data_hours))
        .collect();
    let mut segments: Vec<((u32, usize), SiteReport)> = groups
        .segments
        .into_iter()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(key, acc)| (key, SiteReport::build(acc, tables, lookup, config, data_hours)))
        .collect();
    segments.sort_by_key(|((_, index), _)| *index);
    for ((site, index), report) in segments {
        let segment = &config.segments[index];
        if let Some(parent) = sites.iter_mut().find(|r| r.site == tables.str(site)) {
            parent.segments.push(SegmentReport {
                name: segment.name.clone(),
                slug: crate::site::slug::slugify(&segment.name),
                filters: segment.describe(),
                report,
            });
        }
    }
    sites.retain(|s| s.totals.sessions + s.previous.sessions + s.totals.bot_hits > 0);
    if let Some(site) = &options.site {
        sites.retain(|s| &s.site == site);
    }
    sites.sort_by(|a, b| a.site.cmp(&b.site));
    Report {
        hitflow_version: env!("CARGO_PKG_VERSION").to_owned(),
        period: PeriodInfo {
            from: options.from.to_string(),
            to: options.to.to_string(),
            days: periods.current.1 - periods.current.0 + 1,
            previous_from: Ymd::from_days(periods.previous.0).to_string(),
            previous_to: Ymd::from_days(periods.previous.1).to_string(),
            comparison: options.compare.kind(),
        },
        session_rules: config.sessions.clone(),
        automation_rules: config.automation.clone(),
        definitions: definitions(),
        input,
        sites,
    }
}

/// `report.json` and the HTML site, side by side.
fn write_report(engine: &crate::site::Engine, report: &Report, out: &Path) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let report_json = serde_json::to_vec_pretty(report)?;
    tracing::debug!(
        seconds = started.elapsed().as_secs_f64(),
        bytes = report_json.len(),
        "serialized report.json"
    );
    let (written, rendered) = rayon::join(
        || write_atomically(&out.join("report.json"), &report_json),
        || crate::site::render_site_with(engine, report, &report_json, out),
    );
    written?;
    rendered.context("rendering the report site")?;
    Ok(())
}
