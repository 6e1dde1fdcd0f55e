//! `reporter run`: plan → load partitions → sessionize → accumulate → report.json and
//! sessions.parquet.

use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR};
use std::path::PathBuf;

use anyhow::{bail, Context};
use chrono::NaiveDate;
use hitflow_schema::layout::Ymd;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use crate::channels::ChannelRules;
use crate::config::Config;
use crate::figures::collect::{into_sites, FigureContext, ShardFigures};
use crate::figures::coverage::DataHours;
use crate::figures::report::{definitions, InputSummary, PeriodInfo, Report, SiteReport};
use crate::figures::site::Periods;
use crate::output::sessions_parquet::SessionsWriter;
use crate::output::write_atomically;
use crate::scan::decode::{merge, Projection};
use crate::scan::rows::Tables;
use crate::scan::rows::SHARDS;
use crate::scan::{load, plan, Loaded};
use crate::sessions::lookup::Lookup;
use crate::sessions::sessionize::Rules;
use crate::sessions::stream::{Sessionizer, LATE_PARTITIONS};
use crate::store::Store;

/// Rows that may wait before a push closes what it can: bounds memory on busy sites (64 bytes a
/// row, 256 MB), while quieter lakes are sessionized once per UTC day.
const ROWS_PER_PUSH: usize = 2_000_000;

pub struct RunOptions {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub out: PathBuf,
    pub strict: bool,
    pub progress: bool,
}

/// What a run produced.
pub struct RunOutcome {
    pub report: Report,
    pub sessions_written: u64,
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
    run_sites(store, config, options, None).await
}

/// `run` for one site alone (`--site`): the sessions and figures of that site's hits; hits of
/// other sites are read but counted nowhere. The hits of different sites are independent, so
/// jobs per site together give every site's report.
pub async fn run_sites(
    store: Store,
    config: &Config,
    options: &RunOptions,
    site: Option<&str>,
) -> anyhow::Result<RunOutcome> {
    if options.to < options.from {
        bail!("--to {} is before --from {}", options.to, options.from);
    }
    store
        .check()
        .await
        .with_context(|| format!("cannot open store {}", store.describe()))?;
    let periods = Periods::new(days(options.from), days(options.to));
    // Site days are local; ±1 UTC day covers every time zone. Visitor ids rotate at UTC
    // midnight, so no session reaches across these bounds.
    let first = Ymd::from_days(periods.previous.0 - 1);
    let last = Ymd::from_days(periods.current.1 + 1);
    let (range_start, range_end) = (first.start_ms(), Ymd::from_days(last.to_days() + 1).start_ms());

    let scan_plan = plan(&store, first, last, LATE_PARTITIONS as u32)
        .await
        .context("listing the hits")?;
    let data_hours: Vec<i64> = scan_plan
        .partitions
        .iter()
        .filter(|(_, objects)| !objects.is_empty())
        .map(|(partition, _)| partition.start_ms())
        .collect();
    let mut input = InputSummary {
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
    let progress = if options.progress {
        ProgressBar::new(scan_plan.bytes())
    } else {
        ProgressBar::hidden()
    };
    progress.set_style(
        ProgressStyle::with_template("{spinner} reading hits {bar:30} {binary_bytes}/{binary_total_bytes} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );

    // The site's templates are parsed while the hits are read.
    let engine = std::thread::spawn(crate::site::Engine::new);
    std::fs::create_dir_all(&options.out).with_context(|| format!("cannot create {}", options.out.display()))?;
    let sessions_path = options.out.join("sessions.parquet");
    let mut writer = SessionsWriter::create(&sessions_path.with_extension("parquet.tmp"))?;

    let mut tables = Tables::default();
    let only_site = site.map(|s| tables.strings.intern(s));
    let rules = ChannelRules::from_config(&config.channels).context("invalid [channels] config")?;
    let mut lookup = Lookup::new(config, rules, &mut tables).map_err(anyhow::Error::msg)?;
    let mut sessionizer = Sessionizer::new(Rules::from(&config.sessions), range_start..range_end);
    let mut shards: Vec<ShardFigures> = (0..SHARDS).map(|_| ShardFigures::default()).collect();
    let engaged_ms = i64::from(config.sessions.engaged_seconds) * 1000;
    let very_short_ms = i64::from(config.sessions.very_short_seconds) * 1000;

    let projection = Projection::for_rules(&Rules::from(&config.sessions));
    let mut partitions = load(store, scan_plan, projection, progress.clone());
    // Every hit before `complete` has arrived (the lateness margin). Sessions are closed when a
    // UTC day is complete (visitor ids end with it) or, on busy sites, when enough rows wait.
    loop {
        let complete = match partitions.recv().await {
            Some(Loaded::File(file)) => {
                input.hits_read += file.rows() as u64;
                input.bad_rows += file.bad_rows;
                sessionizer.add(merge(file, &mut tables));
                continue;
            }
            Some(Loaded::Bad(bad)) => {
                if options.strict {
                    bail!("unreadable object {}: {} (--strict)", bad.key, bad.reason);
                }
                tracing::warn!(key = %bad.key, reason = %bad.reason, "skipping unreadable object");
                input.bad_objects.push(bad);
                continue;
            }
            Some(Loaded::PartitionEnd(partition)) => {
                lookup.prepare(&mut tables, config);
                Some(partition.start_ms() + MS_PER_HOUR - LATE_PARTITIONS * MS_PER_HOUR)
            }
            None => None,
        };
        // A push pays off once a UTC day with rows held is complete, or when many rows wait.
        let day_ended = match (complete, sessionizer.oldest_row()) {
            (Some(c), Some(oldest)) => c.div_euclid(MS_PER_DAY) > oldest.div_euclid(MS_PER_DAY),
            _ => false,
        };
        if complete.is_some() && !day_ended && sessionizer.pending_rows() < ROWS_PER_PUSH {
            continue;
        }
        let ctx = FigureContext {
            lookup: &lookup,
            tables: &tables,
            periods,
            engaged_ms,
            very_short_ms,
            only_site,
        };
        let mut sinks: Vec<_> = shards.iter_mut().map(|shard| shard.sink(&ctx)).collect();
        sessionizer.push(complete, &lookup, &mut sinks);
        drop(sinks);
        let closed_day = sessionizer.finalized_before().div_euclid(MS_PER_DAY);
        for shard in &mut shards {
            writer.write(std::mem::take(&mut shard.records), &tables)?;
            shard.close_days_before(closed_day);
        }
        if complete.is_none() {
            break;
        }
    }
    progress.finish_and_clear();
    if options.strict {
        if let Some(bad) = input.bad_objects.first() {
            bail!("unreadable object {}: {} (--strict)", bad.key, bad.reason);
        }
    }
    input.absorb(sessionizer.stats);

    // The report is built while the writer thread finishes sessions.parquet.
    // Coverage: the hours whose partitions hold hit files (the listing), and today.
    let data_hours = DataHours {
        hours: data_hours,
        now_ms: chrono::Utc::now().timestamp_millis(),
        periods,
    };
    let sites = into_sites(shards);
    let mut site_reports: Vec<SiteReport> = sites
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|acc| SiteReport::build(acc, &tables, &lookup, config, &data_hours))
        .collect();
    site_reports.retain(|s| s.totals.sessions + s.previous.sessions + s.totals.bot_hits > 0);
    if let Some(site) = site {
        site_reports.retain(|s| s.site == site);
    }
    site_reports.sort_by(|a, b| a.site.cmp(&b.site));
    let report = Report {
        hitflow_version: env!("CARGO_PKG_VERSION").to_owned(),
        period: PeriodInfo {
            from: options.from.to_string(),
            to: options.to.to_string(),
            days: periods.current.1 - periods.current.0 + 1,
            previous_from: Ymd::from_days(periods.previous.0).to_string(),
            previous_to: Ymd::from_days(periods.previous.1).to_string(),
        },
        session_rules: config.sessions.clone(),
        automation_rules: config.automation.clone(),
        definitions: definitions(),
        input,
        sites: site_reports,
    };
    let sessions_written = writer.finish()?;
    std::fs::rename(sessions_path.with_extension("parquet.tmp"), &sessions_path)?;
    let report_json = serde_json::to_vec_pretty(&report)?;
    let engine = engine
        .join()
        .map_err(|_| anyhow::anyhow!("parsing the site templates panicked"))??;
    let (written, rendered) = rayon::join(
        || write_atomically(&options.out.join("report.json"), &report_json),
        || crate::site::render_site_with(&engine, &report, &report_json, &options.out),
    );
    written?;
    rendered.context("rendering the report site")?;
    Ok(RunOutcome {
        report,
        sessions_written,
    })
}
