//! The report site: static, self-contained HTML pages rendered from a [`Report`], kept per
//! period next to `report.json`, with an index of every period rendered into the same folder.
//!
//! Layout of the output folder (`--out`):
//!
//! ```text
//! index.html                                  every period found below, newest first
//! periods/<from>_<to>/index.html              the period: its sites and headline figures
//! periods/<from>_<to>/glossary.html           definitions, session rules, what was read
//! periods/<from>_<to>/report.json             the report the pages were rendered from
//! periods/<from>_<to>/<site>/index.html       overview: totals, daily chart, channel quality
//! periods/<from>_<to>/<site>/{pages,sources,audience,flow,funnels,technical,goals,bots}.html
//! periods/<from>_<to>/<site>/channels/<channel>.html
//! periods/<from>_<to>/<site>/<table>.csv      every table of the site's pages, as CSV
//! periods/<from>_<to>/<site>/channels/<channel>.<table>.csv
//! ```
//!
//! `<site>` and `<channel>` are slugs (`[a-z0-9-]`), `<from>_<to>` are validated dates, so no
//! name from the data can point outside the folder. Pages use relative links only, have no
//! script and load nothing: they work from `file://`, any static host or an object store.
//!
//! A period is rendered into a staging folder and swapped in whole, so re-rendering a period
//! replaces its pages (no stale channel page survives) and readers never see half of it.
//! Rendering the same report twice gives byte-identical files.

mod charts;
mod csv;
mod history;
mod render;
pub mod slug;
mod view;

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use rayon::prelude::*;

pub use crate::present::text::escape_html as escape;
pub use render::Engine;
pub use slug::slugify;

use crate::figures::report::Report;
use crate::output::write_atomically;

/// Folder of the period folders, below the output folder.
pub const PERIODS_DIR: &str = "periods";

/// What [`render_site`] wrote.
#[derive(Debug, Clone)]
pub struct RenderedSite {
    /// `index.html` of the output folder (the index of periods).
    pub index: PathBuf,
    /// The period's folder, `periods/<from>_<to>`.
    pub period_dir: PathBuf,
    /// The overview page of each site of the report, in report order.
    pub overviews: Vec<PathBuf>,
    /// Every file written for the period, relative to `period_dir`, sorted.
    pub files: Vec<PathBuf>,
    /// Periods listed in the index (this one included).
    pub periods_listed: usize,
}

/// Renders the site of `report` into `out` (the folder of `report.json`) and refreshes the
/// index of all periods rendered there before.
pub fn render_site(report: &Report, out: &Path) -> anyhow::Result<RenderedSite> {
    let report_json = serde_json::to_vec_pretty(report)?;
    render_site_with(&Engine::new()?, report, &report_json, out)
}

/// [`render_site`] with templates parsed beforehand and `report` already serialized (the
/// period's copy of `report.json`), so a run can do both while it reads the hits.
pub fn render_site_with(
    engine: &Engine,
    report: &Report,
    report_json: &[u8],
    out: &Path,
) -> anyhow::Result<RenderedSite> {
    let name = history::period_dir_name(&report.period.from, &report.period.to)?;
    let started = std::time::Instant::now();
    let mut files = engine.period(report, report_json)?;
    files.sort_by(|a, b| a.0.cmp(&b.0));
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "rendered the pages");
    let started = std::time::Instant::now();

    let periods = out.join(PERIODS_DIR);
    std::fs::create_dir_all(&periods).with_context(|| format!("cannot create {}", periods.display()))?;
    let period_dir = periods.join(&name);
    let staging = periods.join(format!(".{name}.staging"));
    remove_dir_if_present(&staging)?;
    // Folders first (few), then the files in parallel (many small writes).
    let folders: std::collections::BTreeSet<PathBuf> = files
        .iter()
        .filter_map(|(relative, _)| staging.join(relative).parent().map(Path::to_path_buf))
        .collect();
    for folder in &folders {
        std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    }
    files.par_iter().try_for_each(|(relative, bytes)| {
        let path = staging.join(relative);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))
    })?;
    swap_in(&staging, &period_dir, &periods.join(format!(".{name}.old")))?;
    tracing::debug!(seconds = started.elapsed().as_secs_f64(), "wrote the pages");

    let entries = history::scan(&periods)?;
    let index = out.join("index.html");
    write_atomically(&index, &engine.history(&entries, &report.hitflow_version)?)?;
    tracing::info!(
        pages = files.len(),
        periods = entries.len(),
        "report site in {}",
        out.display()
    );

    let overviews = slug::unique_slugs(report.sites.iter().map(|s| s.site.as_str()))
        .into_iter()
        .map(|slug| period_dir.join(slug).join("index.html"))
        .collect();
    Ok(RenderedSite {
        index,
        period_dir,
        overviews,
        files: files.into_iter().map(|(path, _)| path).collect(),
        periods_listed: entries.len(),
    })
}

/// Path of `site`'s overview below the output folder, as [`render_site`] lays it out:
/// `periods/<from>_<to>/<site-slug>/index.html`. `None` when the site is not in the report or
/// the period is not two dates. The email links here, so its link and the layout cannot drift.
pub fn site_page(report: &Report, site: &str) -> Option<String> {
    let period = history::period_dir_name(&report.period.from, &report.period.to).ok()?;
    let at = report.sites.iter().position(|s| s.site == site)?;
    let slugs = slug::unique_slugs(report.sites.iter().map(|s| s.site.as_str()));
    Some(format!("{PERIODS_DIR}/{period}/{}/index.html", slugs.get(at)?))
}

fn remove_dir_if_present(dir: &Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(dir) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("cannot remove {}", dir.display()))
        }
        _ => Ok(()),
    }
}

/// Replaces `target` by `staging`: the old folder is moved aside first and deleted last. The
/// period is missing only between two renames; a crash leaves `.old`/`.staging` folders, which
/// the index ignores and the next render of the period clears.
fn swap_in(staging: &Path, target: &Path, aside: &Path) -> anyhow::Result<()> {
    remove_dir_if_present(aside)?;
    if target.exists() {
        std::fs::rename(target, aside).with_context(|| format!("cannot move {} aside", target.display()))?;
    }
    std::fs::rename(staging, target).with_context(|| format!("cannot move {} into place", staging.display()))?;
    remove_dir_if_present(aside)
}
