//! `reporter`: hitflow's batch job. See `reporter --help`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use hitflow_generator::{generate, GenerateOptions, GenerateSummary, GeneratedFile};
use hitflow_reporter::config::Config;
use hitflow_reporter::run::{run, RunOptions};
use hitflow_reporter::store::Store;
use hitflow_schema::layout::Ymd;

#[derive(Parser)]
#[command(
    name = "reporter",
    version,
    about = "hitflow reporter: sessions, channels and traffic-quality reports from the hits Parquet lake"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log filter (e.g. `info`, `hitflow_reporter=debug`); also read from RUST_LOG. `debug` adds
    /// the technical detail of store errors (the S3 SDK's own account).
    #[arg(long, global = true, env = "RUST_LOG", default_value = "info")]
    log: String,
}

#[derive(Subcommand)]
enum Command {
    /// Generate realistic synthetic hits in the collector's exact schema and layout.
    Generate {
        /// Store to write to: a folder, file://PATH or s3://BUCKET/PREFIX.
        #[arg(long)]
        store: String,
        /// First UTC day (YYYY-MM-DD).
        #[arg(long)]
        from: NaiveDate,
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Total hits to generate (±1%).
        #[arg(long, default_value_t = 100_000)]
        hits: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Write Queue-batch-sized files of at most this many hits instead of one file per hour.
        #[arg(long)]
        batch_hits: Option<usize>,
        /// Sites to generate traffic for (repeatable).
        #[arg(long = "site")]
        sites: Vec<String>,
    },
    /// Sessionize, assign channels and compute the figures of a period: writes report.json and
    /// sessions.parquet into --out.
    Run {
        #[arg(long)]
        store: String,
        /// First day of the period (site time zone), YYYY-MM-DD.
        #[arg(long, required_unless_present = "period")]
        from: Option<NaiveDate>,
        /// Last day of the period, inclusive.
        #[arg(long, required_unless_present = "period")]
        to: Option<NaiveDate>,
        /// Period relative to now, in the sites' time zone (instead of --from/--to).
        #[arg(long, value_enum, conflicts_with_all = ["from", "to"])]
        period: Option<hitflow_reporter::period::PeriodSpec>,
        /// Email each site's report to its recipients through [email.smtp].
        #[arg(long, conflicts_with = "email_out")]
        email: bool,
        /// Write the report emails as .eml files into DIR instead of sending them.
        #[arg(long, value_name = "DIR")]
        email_out: Option<PathBuf>,
        /// hitflow.toml with sites, session rules, goals, funnels and channel rules.
        #[arg(long)]
        config: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        /// Fail on the first unreadable object instead of reporting it and going on.
        #[arg(long)]
        strict: bool,
        /// Hide the progress bar.
        #[arg(long)]
        quiet: bool,
        /// What the changes compare with: `previous` (the period of the same length before),
        /// `year` (52 weeks back, same weekdays) or `FROM..TO` (same length, e.g.
        /// 2025-11-17..2025-11-23).
        #[arg(long, default_value = "previous", value_name = "previous|year|FROM..TO")]
        compare: hitflow_reporter::period::Compare,
        /// Report this site alone (jobs per site together give every site's report).
        #[arg(long)]
        site: Option<String>,
    },
    /// Upload a rendered report site to the store's `reports/` prefix (only changed files), where
    /// the collector serves it behind authentication.
    Publish {
        /// The `--out` folder of `reporter run`.
        #[arg(long)]
        site: PathBuf,
        #[arg(long)]
        store: String,
    },
    /// Print a signed link to the hosted reports (the collector's REPORTS_SIGNING_KEY secret).
    SignLink {
        /// Collector base URL, e.g. https://collector.example.com
        #[arg(long)]
        base_url: String,
        /// Path prefix the link opens, under /reports/.
        #[arg(long, default_value = "/reports/")]
        scope: String,
        #[arg(long, default_value_t = 7)]
        days: u64,
        /// Environment variable holding the signing key.
        #[arg(long, default_value = "HITFLOW_REPORTS_SIGNING_KEY")]
        key_env: String,
    },
    /// Compare the latest complete day (or hour) of each site and channel with the same weekday
    /// of previous weeks; mail each site's new anomalies, with the slices that drove them, once.
    Alert {
        #[arg(long)]
        store: String,
        /// hitflow.toml: sites (time zones, recipients), [alerts] thresholds, [email].
        #[arg(long)]
        config: Option<PathBuf>,
        /// Judge the latest complete hour instead of the latest complete day.
        #[arg(long)]
        hourly: bool,
        /// Write the alert emails as .eml files into DIR instead of sending them through
        /// [email.smtp].
        #[arg(long, value_name = "DIR", conflicts_with = "dry_run")]
        email_out: Option<PathBuf>,
        /// Only print what is found: no email, and the alert state is left as it was.
        #[arg(long)]
        dry_run: bool,
        /// Judge as if it were this time (RFC 3339), e.g. to re-check a past day.
        #[arg(long)]
        now: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// Print one SQL script (DuckDB or Spark SQL) that computes, from the hits lake, the sessions
    /// and the per-site and per-channel figures `run` computes, with the same rules.
    Sql {
        #[arg(long, value_enum)]
        dialect: hitflow_reporter::sql::Dialect,
        /// Folder or bucket prefix holding `hits/`, as the engine reads it (e.g. s3://bucket).
        #[arg(long)]
        lake: String,
        /// First day of the period (site time zone), YYYY-MM-DD.
        #[arg(long)]
        from: NaiveDate,
        /// Last day of the period, inclusive.
        #[arg(long)]
        to: NaiveDate,
        /// hitflow.toml with sites, session rules, goals and channel rules.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Merge a day's small batch files into one file per hour (crash-safe, idempotent).
    Compact {
        #[arg(long)]
        store: String,
        /// UTC day, YYYY-MM-DD.
        #[arg(long)]
        date: NaiveDate,
    },
}

fn ymd(date: NaiveDate) -> Ymd {
    use chrono::Datelike;
    Ymd {
        year: date.year(),
        month: date.month(),
        day: date.day(),
    }
}

/// glibc hands large freed blocks back to the kernel (unmap, trim), and the next buffer faults
/// them in again page by page — costly where the kernel accounts every page to a cgroup. The
/// reporter frees and allocates row buffers all the time, so it keeps freed memory for reuse.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: mallopt only changes allocator tunables; it is called before any other thread runs.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 32 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}

/// The AWS crates, silenced unless the log filter asks for debug detail.
const AWS_QUIET: &str =
    "aws_config=off,aws_runtime=off,aws_sdk_s3=off,aws_smithy_runtime=off,aws_smithy_http_client=off";

fn main() -> ExitCode {
    keep_freed_memory();
    let cli = Cli::parse();
    // The AWS SDK logs its own failures as debug dumps; the store says what went wrong in one
    // line, so the SDK speaks only when asked for detail.
    let filter = if ["aws", "debug", "trace"].iter().any(|w| cli.log.contains(w)) {
        cli.log.clone()
    } else {
        format!("{},{AWS_QUIET}", cli.log)
    };
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_new(&filter).unwrap_or_else(|_| "info".into()))
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(execute(cli.command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Generate {
            store,
            from,
            days,
            hits,
            seed,
            batch_hits,
            sites,
        } => {
            let store = Store::open_or_create(&store).await?;
            let mut options = GenerateOptions {
                from: ymd(from),
                days,
                hits,
                seed,
                batch_hits,
                ..GenerateOptions::default()
            };
            if !sites.is_empty() {
                options.sites = sites;
            }
            let summary = write_generated(store, options).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::Run {
            store,
            from,
            to,
            period,
            email,
            email_out,
            config,
            out,
            strict,
            quiet,
            compare,
            site,
        } => {
            use hitflow_reporter::email::{check_delivery, send_reports, Delivery};
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::default(),
            };
            let (from, to) = match (period, from, to) {
                (Some(spec), _, _) => hitflow_reporter::period::resolve_for_zones(
                    spec,
                    chrono::Utc::now(),
                    config.sites.iter().map(|s| s.timezone),
                )?,
                (None, Some(f), Some(t)) => (f, t),
                _ => anyhow::bail!("pass --period, or --from and --to"),
            };
            let delivery = match (email, email_out) {
                (_, Some(dir)) => Some(Delivery::EmlDir(dir)),
                (true, None) => Some(Delivery::Smtp),
                _ => None,
            };
            // Fail before the long run when mail could not go out anyway.
            if let Some(d) = &delivery {
                check_delivery(&config.email, d, |n| std::env::var(n).ok())?;
            }
            let store = Store::open(&store).await?;
            let options = RunOptions {
                from,
                to,
                out: out.clone(),
                strict,
                progress: !quiet,
                compare,
                site,
            };
            let outcome = run(store, &config, &options).await?;
            let input = &outcome.report.input;
            println!(
                "wrote {}, {} and the report site {} ({} sessions, {} sites; {} hits read, {} unreadable objects)",
                out.join("report.json").display(),
                out.join("sessions.parquet").display(),
                out.join("index.html").display(),
                outcome.sessions_written,
                outcome.report.sites.len(),
                input.hits_read,
                input.bad_objects.len()
            );
            if let Some(d) = delivery {
                let sent = send_reports(
                    &outcome.report,
                    &config,
                    &config.email,
                    &hitflow_reporter::period::label(from, to),
                    d,
                )
                .await?;
                let how = if email { "emailed" } else { "wrote" };
                println!("{how} {} report email(s)", sent.len());
            }
        }
        Command::Publish { site, store } => {
            let store = Store::open_or_create(&store).await?;
            let summary = hitflow_reporter::publish::publish(&site, &store).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
        Command::SignLink {
            base_url,
            scope,
            days,
            key_env,
        } => {
            let key = std::env::var(&key_env).ok();
            let now = chrono::Utc::now().timestamp().max(0) as u64;
            let link = hitflow_reporter::sign_link::sign_link(&base_url, &scope, days, &key_env, key.as_deref(), now)?;
            println!("{link}");
        }
        Command::Alert {
            store,
            config,
            hourly,
            email_out,
            dry_run,
            now,
        } => {
            use hitflow_reporter::alerts::{alert, AlertOptions, Granularity};
            use hitflow_reporter::email::{check_delivery, Delivery};
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::default(),
            };
            let delivery = match (dry_run, email_out) {
                (true, _) => None,
                (false, Some(dir)) => Some(Delivery::EmlDir(dir)),
                (false, None) => Some(Delivery::Smtp),
            };
            // Fail before reading when mail could not go out anyway (only if anyone gets mail).
            if let Some(d) = &delivery {
                if config.sites.iter().any(|s| !s.recipients.is_empty()) {
                    check_delivery(&config.email, d, |n| std::env::var(n).ok())?;
                }
            }
            let store = Store::open(&store).await?;
            let options = AlertOptions {
                granularity: if hourly { Granularity::Hour } else { Granularity::Day },
                now: now.unwrap_or_else(chrono::Utc::now),
                delivery,
            };
            let outcome = alert(&store, &config, &options, |n| std::env::var(n).ok()).await?;
            println!("{}", serde_json::to_string_pretty(&outcome)?);
        }
        Command::Sql {
            dialect,
            lake,
            from,
            to,
            config,
        } => {
            let config = match config {
                Some(path) => Config::load(&path)?,
                None => Config::default(),
            };
            let options = hitflow_reporter::sql::SqlOptions {
                dialect,
                lake,
                from,
                to,
            };
            print!("{}", hitflow_reporter::sql::script(&config, &options)?);
        }
        Command::Compact { store, date } => {
            let store = Store::open(&store).await?;
            let summary = hitflow_reporter::compact::compact(&store, ymd(date)).await?;
            println!("{}", serde_json::to_string_pretty(&summary)?);
        }
    }
    Ok(())
}

/// Runs the generator on a blocking thread and stores its files as they come, encoding them in
/// parallel with the generation of the next ones.
async fn write_generated(store: Store, options: GenerateOptions) -> anyhow::Result<GenerateSummary> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<GeneratedFile>(1);
    let producer = tokio::task::spawn_blocking(move || {
        generate(&options, &mut |file| {
            tx.blocking_send(file).map_err(|_| "writer stopped".into())
        })
    });
    while let Some(file) = rx.recv().await {
        let key = file.key.clone();
        let bytes = tokio::task::spawn_blocking(move || hitflow_schema::write_parquet(&file.hits)).await??;
        store
            .put(&key, bytes.into(), "application/vnd.apache.parquet")
            .await
            .with_context(|| format!("writing {key}"))?;
    }
    Ok(producer.await??)
}
