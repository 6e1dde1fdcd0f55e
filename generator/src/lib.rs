//! Realistic synthetic traffic in the collector's exact schema and layout, for demos, tests and
//! benchmarks (`reporter generate` stores it). Same options and seed, byte-identical output.
//!
//! - `catalog/`: sites and pages, traffic sources, devices, places, networks, bots, read from
//!   the tables in `data/*.tsv` (compiled in) and built into weighted choices.
//! - `schedule.rs`: hour-of-day curves in each site's time zone → hit budgets per UTC hour.
//! - `visitor.rs`: people and their daily-rotating visitor ids.
//! - `session.rs`: human visits (sources, navigation, events, same-day returns).
//! - `bots.rs`: crawlers, headless browsers, scrapers, previews, uptime monitors.
//! - `row.rs`: the compact buffered form of a hit and its conversion to [`Hit`].
//! - `batching.rs`: partitions, late arrivals, retried batches, files.
//! - `rng.rs`: the seeded PRNG.
//!
//! Generation walks the UTC hours in order. Each hour starts the sessions its budget calls for;
//! a session's hits may run into later hours. Once an hour's sessions are made, no later
//! session can add hits to it, so its partition is written and dropped: memory holds the
//! hours still open (a few, as sessions are short) plus the one file being handed out.

mod batching;
mod bots;
mod catalog;
mod rng;
mod row;
mod schedule;
mod scripted;
mod session;
mod visitor;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE};
use hitflow_schema::Hit;

use batching::Partitions;
use catalog::Catalog;
use rng::{mix64, Rng};
use row::Row;
use schedule::Schedule;
use session::{Arrival, FollowUp};
use visitor::Person;

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateOptions {
    /// First UTC day.
    pub from: Ymd,
    pub days: u32,
    /// Target total of hits (the result is within ±1 %: exact, plus the few retried copies).
    pub hits: u64,
    pub seed: u64,
    /// Site names; each gets a time zone, flavour (SaaS or shop) and audience by position.
    pub sites: Vec<String>,
    /// `None`: one file per hourly partition (compacted layout); `Some(n)`: many files of at
    /// most `n` hits, like the collector's Queue batches.
    pub batch_hits: Option<usize>,
    /// A planted anomaly: visits lost on one day (demos and alert tests).
    pub incident: Option<Incident>,
}

/// Visits of one traffic source landing on one page that never arrive on one UTC day (a broken
/// campaign link, a page dropped from a search index): an anomaly whose driver is known, for
/// `reporter alert`'s demo and tests. Lost visits still count towards the hit budget, so the
/// rest of the traffic keeps its volume and mix (not its exact hits: the random stream moves on
/// differently once visits are left out).
#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub day: Ymd,
    /// A source kind as in `data/source_mix.tsv`, e.g. `organic-search`.
    pub source: String,
    /// Landing page path, e.g. `/pricing`; a trailing `*` matches every path with that prefix
    /// (`/blog/*`).
    pub landing: String,
    /// Share of those visits lost, 0..=1.
    pub lost: f64,
}

impl Default for GenerateOptions {
    /// A week from Monday 2026-03-02 (fixed, so the default run is reproducible), 100 000 hits.
    fn default() -> Self {
        GenerateOptions {
            from: Ymd {
                year: 2026,
                month: 3,
                day: 2,
            },
            days: 7,
            hits: 100_000,
            seed: 42,
            sites: vec!["example.com".to_owned(), "shop.example.org".to_owned()],
            batch_hits: None,
            incident: None,
        }
    }
}

/// One file to store.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratedFile {
    /// `hits/date=YYYY-MM-DD/hour=HH/<16 hex>.parquet`; the batch id derives from the seed,
    /// the partition and the file's index.
    pub key: String,
    pub hits: Vec<Hit>,
}

/// Why a sink could not take a file; the generator stops and hands it back.
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid generate options: {0}")]
    Options(String),
    #[error(transparent)]
    Catalog(#[from] catalog::TableError),
    #[error("storing {key}")]
    Sink {
        key: String,
        #[source]
        source: SinkError,
    },
}

/// What was generated.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct GenerateSummary {
    /// Rows written, retried copies included.
    pub hits: u64,
    pub files: u64,
    /// Human visits made (same-day returns included); the sessionizer may split or merge
    /// them differently by its rules, which is the point of the exercisers.
    pub human_sessions_planned: u64,
    /// Rows with `is_bot`, retried copies included.
    pub bot_hits: u64,
    /// Rows stored in the partition after their timestamp's.
    pub late_hits: u64,
    /// Second copies of rows (same `hit_id`) in another file.
    pub duplicate_hits: u64,
    /// `signup` and `purchase` events (first copies).
    pub conversions: u64,
    /// Human visits not generated because of the planted incident.
    #[serde(skip_serializing_if = "is_zero")]
    pub visits_lost_to_incident: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Generates the traffic and hands out files in partition order (keys sorted within a
/// partition). Memory stays bounded by the open hours, whatever `days` and `hits`.
pub fn generate(
    opts: &GenerateOptions,
    sink: &mut dyn FnMut(GeneratedFile) -> Result<(), SinkError>,
) -> Result<GenerateSummary, GenerateError> {
    check(opts).map_err(GenerateError::Options)?;
    let mut gen = Generator::new(opts)?;
    for h in 0..gen.schedule.hours {
        gen.hour(h);
        let Generator {
            partitions,
            cat,
            rng,
            summary,
            ..
        } = &mut gen;
        partitions.flush_through(h, cat, rng, summary, sink)?;
    }
    let Generator {
        partitions,
        cat,
        rng,
        summary,
        ..
    } = &mut gen;
    partitions.flush_all(cat, rng, summary, sink)?;
    tracing::debug!(?gen.summary, "generated");
    Ok(gen.summary)
}

fn check(opts: &GenerateOptions) -> Result<(), String> {
    if opts.sites.is_empty() {
        return Err("at least one site is needed".to_owned());
    }
    if opts.sites.len() > usize::from(u16::MAX) {
        return Err(format!("at most {} sites are supported", u16::MAX));
    }
    if let Some(bad) = opts.sites.iter().find(|s| s.trim().is_empty() || s.contains('/')) {
        return Err(format!("invalid site name {bad:?}"));
    }
    if opts.batch_hits == Some(0) {
        return Err("batch_hits must be at least 1".to_owned());
    }
    if opts.days == 0 && opts.hits > 0 {
        return Err(format!("generating {} hits needs at least one day", opts.hits));
    }
    if opts.days > 36_600 {
        return Err("days must be at most 36600".to_owned());
    }
    if let Some(incident) = &opts.incident {
        if !(0.0..=1.0).contains(&incident.lost) {
            return Err(format!(
                "incident share lost must be within 0..=1, not {}",
                incident.lost
            ));
        }
        if catalog::SourceKind::parse(&incident.source).is_none() {
            return Err(format!("unknown source kind {:?} for the incident", incident.source));
        }
    }
    Ok(())
}

/// A same-day return visit waiting for its hour.
#[derive(Debug, Clone, Copy)]
struct Pending {
    start: i64,
    seq: u64,
    person: Person,
    arrival: Arrival,
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        (self.start, self.seq) == (other.start, other.seq)
    }
}
impl Eq for Pending {}
impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Pending {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.start, self.seq).cmp(&(other.start, other.seq))
    }
}

struct Generator {
    seed: u64,
    cat: Catalog,
    schedule: Schedule,
    rng: Rng,
    partitions: Partitions,
    summary: GenerateSummary,
    pending: BinaryHeap<Reverse<Pending>>,
    seq: u64,
    monitors: Vec<bots::Monitor>,
    human_hits: u64,
    bot_hits: u64,
    hit_counter: u64,
    hit_key: u64,
    /// One visit's rows before they are committed (reused).
    scratch: Vec<Row>,
    incident: Option<Incident>,
}

impl Generator {
    fn new(opts: &GenerateOptions) -> Result<Self, GenerateError> {
        let cat = Catalog::new(&opts.sites)?;
        let start_ms = opts.from.start_ms();
        let schedule = Schedule::new(&cat.sites, start_ms, opts.days, opts.hits);
        let mut rng = Rng::new(opts.seed);
        let bot_per_hour = schedule.bot_total as f64 / f64::from(schedule.hours.max(1));
        let monitors = bots::plan_monitors(&cat, opts.seed, bot_per_hour, &mut rng);
        Ok(Generator {
            seed: opts.seed,
            cat,
            schedule,
            hit_key: mix64(opts.seed ^ 0x6869_745f_6964_7321),
            rng,
            partitions: Partitions::new(start_ms, opts.seed, opts.batch_hits),
            summary: GenerateSummary::default(),
            pending: BinaryHeap::new(),
            seq: 0,
            monitors,
            human_hits: 0,
            bot_hits: 0,
            hit_counter: 0,
            scratch: Vec::with_capacity(256),
            incident: opts.incident.clone(),
        })
    }

    /// Makes the sessions starting in hour `h`.
    fn hour(&mut self, h: u32) {
        let hour_start = self.schedule.hour_start(h);
        let hour_end = hour_start + MS_PER_HOUR;

        for i in 0..self.monitors.len() {
            let m = self.monitors[i];
            let mut rows = std::mem::take(&mut self.scratch);
            bots::monitor_hour(&self.cat, &mut self.rng, &m, hour_start, &mut rows);
            self.commit(&mut rows, m.site, m.person, true);
            self.scratch = rows;
        }

        let sites = self.schedule.site_picker(h);
        let target = self.schedule.human_target(h);
        loop {
            while let Some(Reverse(p)) = self.pending.peek().copied() {
                if p.start >= hour_end {
                    break;
                }
                self.pending.pop();
                self.human(p.person, p.start, p.arrival, h);
            }
            if self.human_hits >= target || sites.is_empty() {
                break;
            }
            let site = sites.sample(&mut self.rng) as u16;
            let person = Person::new(&self.cat, site, &mut self.rng);
            let start = hour_start + self.rng.below(MS_PER_HOUR as u64) as i64;
            self.human(person, start, Arrival::New, h);
        }

        let target = self.schedule.bot_target(h);
        let n_sites = self.cat.sites.len() as u64;
        while self.bot_hits < target {
            let site = self.rng.below(n_sites) as u16;
            let start = hour_start + self.rng.below(MS_PER_HOUR as u64) as i64;
            let person = self.rng.next_u64();
            let mut rows = std::mem::take(&mut self.scratch);
            if self.rng.chance(scripted::SHARE_OF_BOT_SESSIONS) {
                scripted::scripted_session(&self.cat, &mut self.rng, site, start, &mut rows);
            } else {
                bots::bot_session(&self.cat, &mut self.rng, site, start, &mut rows);
            }
            let kept = self.commit(&mut rows, site, person, true);
            self.scratch = rows;
            if kept == 0 {
                break; // budget or range exhausted
            }
        }
    }

    fn human(&mut self, person: Person, start: i64, arrival: Arrival, h: u32) {
        if start >= self.schedule.end_ms {
            return;
        }
        let hour_offset = start - self.schedule.hour_start(h);
        let late_evening =
            self.schedule.local_hour(h, usize::from(person.site)) == 23 && hour_offset >= 40 * MS_PER_MINUTE;
        let mut rows = std::mem::take(&mut self.scratch);
        let outcome = session::human_session(
            &self.cat,
            &mut self.rng,
            &person,
            start,
            arrival,
            late_evening,
            &mut rows,
        );
        self.summary.human_sessions_planned += 1;
        if self.lost_to_incident(&person, start, &outcome) {
            self.summary.visits_lost_to_incident += 1;
            self.human_hits += rows.len() as u64;
            rows.clear();
            self.scratch = rows;
            return;
        }
        self.commit(&mut rows, person.site, person.id, false);
        self.scratch = rows;
        if let Some(FollowUp { start, arrival }) = outcome.follow_up {
            if start < self.schedule.end_ms {
                self.seq += 1;
                self.pending.push(Reverse(Pending {
                    start,
                    seq: self.seq,
                    person,
                    arrival,
                }));
            }
        }
    }

    /// Whether the planted incident swallows this visit.
    fn lost_to_incident(&self, person: &Person, start: i64, outcome: &session::Outcome) -> bool {
        let Some(incident) = &self.incident else {
            return false;
        };
        let site = &self.cat.sites[usize::from(person.site)];
        Ymd::from_ts(start) == incident.day
            && Some(outcome.source_kind) == catalog::SourceKind::parse(&incident.source)
            && site
                .pages
                .get(usize::from(outcome.landing))
                .is_some_and(|p| match incident.landing.strip_suffix('*') {
                    Some(prefix) => p.path.starts_with(prefix),
                    None => p.path == incident.landing,
                })
            && (mix64(person.id ^ start as u64) as f64 / u64::MAX as f64) < incident.lost
    }

    /// Stamps ids on a visit's rows and files them, keeping to the range and the budget.
    /// Returns how many were kept.
    fn commit(&mut self, rows: &mut Vec<Row>, site: u16, person: u64, bot: bool) -> usize {
        let end = self.schedule.end_ms;
        rows.retain(|r| r.ts < end);
        let (done, total) = if bot {
            (self.bot_hits, self.schedule.bot_total)
        } else {
            (self.human_hits, self.schedule.human_total)
        };
        let room = total.saturating_sub(done);
        if (rows.len() as u64) > room {
            // Rows are in time order, so the visit is cut short, not thinned.
            rows.truncate(room as usize);
        }
        for row in rows.iter_mut() {
            // A bijection of a counter: unique, random-looking ids.
            row.hit_id = mix64(self.hit_counter ^ self.hit_key);
            self.hit_counter += 1;
            row.visitor_id = visitor::visitor_id(self.seed, site, person, row.ts);
            if row.is_conversion() {
                self.summary.conversions += 1;
            }
            if self.partitions.put(*row, &mut self.rng) {
                self.summary.late_hits += 1;
            }
        }
        let kept = rows.len();
        if bot {
            self.bot_hits += kept as u64;
        } else {
            self.human_hits += kept as u64;
        }
        rows.clear();
        kept
    }
}

#[cfg(test)]
mod tests;
