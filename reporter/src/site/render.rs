//! The Tera engine (templates compiled into the binary from `templates/site/`) and the pages of
//! a period, each rendered to bytes with its path relative to the period folder.

use std::path::PathBuf;

use anyhow::Context as _;
use rayon::prelude::*;
use serde::Serialize;
use tera::{Context, Tera};

use super::charts::{self, Row};
use super::history::{self, PeriodEntry};
use super::slug::unique_slugs;
use super::view::{compare, SegmentLink, SiteLink, SiteView};
use crate::figures::report::{ChannelReport, Report, SiteReport};
use crate::present::format;
use crate::present::text::escape_html as escape;

/// Every template, registered under its file name.
const TEMPLATES: [(&str, &str); 18] = [
    ("style.css", include_str!("../../../templates/site/style.css")),
    ("macros.html", include_str!("../../../templates/site/macros.html")),
    ("base.html", include_str!("../../../templates/site/base.html")),
    ("site_base.html", include_str!("../../../templates/site/site_base.html")),
    ("history.html", include_str!("../../../templates/site/history.html")),
    ("period.html", include_str!("../../../templates/site/period.html")),
    ("glossary.html", include_str!("../../../templates/site/glossary.html")),
    ("overview.html", include_str!("../../../templates/site/overview.html")),
    ("channel.html", include_str!("../../../templates/site/channel.html")),
    ("pages.html", include_str!("../../../templates/site/pages.html")),
    ("sources.html", include_str!("../../../templates/site/sources.html")),
    ("audience.html", include_str!("../../../templates/site/audience.html")),
    ("flow.html", include_str!("../../../templates/site/flow.html")),
    ("funnels.html", include_str!("../../../templates/site/funnels.html")),
    ("technical.html", include_str!("../../../templates/site/technical.html")),
    ("goals.html", include_str!("../../../templates/site/goals.html")),
    (
        "ledger_macros.html",
        include_str!("../../../templates/site/ledger_macros.html"),
    ),
    ("bots.html", include_str!("../../../templates/site/bots.html")),
];

/// A page of the per-site navigation.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct NavItem {
    /// Template name without `.html`, and the key templates use to mark the current page.
    pub key: &'static str,
    pub file: &'static str,
    pub label: &'static str,
}

/// The pages of each site, in navigation order.
pub const SITE_PAGES: [NavItem; 9] = [
    NavItem {
        key: "overview",
        file: "index.html",
        label: "Overview",
    },
    NavItem {
        key: "pages",
        file: "pages.html",
        label: "Landing & exit pages",
    },
    NavItem {
        key: "sources",
        file: "sources.html",
        label: "Sources & campaigns",
    },
    NavItem {
        key: "audience",
        file: "audience.html",
        label: "Geo & devices",
    },
    NavItem {
        key: "flow",
        file: "flow.html",
        label: "User flow",
    },
    NavItem {
        key: "funnels",
        file: "funnels.html",
        label: "Funnels",
    },
    NavItem {
        key: "technical",
        file: "technical.html",
        label: "Technical issues",
    },
    NavItem {
        key: "goals",
        file: "goals.html",
        label: "Goals",
    },
    NavItem {
        key: "bots",
        file: "bots.html",
        label: "Bot ledger",
    },
];

/// A file of the period folder: path relative to it, and content.
pub type File = (PathBuf, Vec<u8>);

pub struct Engine {
    tera: Tera,
}

impl Engine {
    pub fn new() -> anyhow::Result<Self> {
        let mut tera = Tera::default();
        // Autoescape stays on for every `.html` template, with the same escape as the charts.
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape);
        crate::present::register_filters(&mut tera);
        tera.add_raw_templates(TEMPLATES)
            .context("site templates do not parse")?;
        Ok(Engine { tera })
    }

    fn render(&self, template: &str, ctx: &Context) -> anyhow::Result<Vec<u8>> {
        let html = self
            .tera
            .render(template, ctx)
            .with_context(|| format!("rendering {template}"))?;
        Ok(html.into_bytes())
    }

    /// `index.html` of the output folder: every period, newest first.
    pub fn history(&self, periods: &[PeriodEntry], version: &str) -> anyhow::Result<Vec<u8>> {
        let mut ctx = Context::new();
        ctx.insert("version", version);
        ctx.insert("periods", periods);
        ctx.insert("by_site", &history::by_site(periods));
        ctx.insert("home", "");
        self.render("history.html", &ctx)
    }

    /// Every page of a period, plus its copy of `report.json`.
    pub fn period(&self, report: &Report, report_json: &[u8]) -> anyhow::Result<Vec<File>> {
        let site_slugs = unique_slugs(report.sites.iter().map(|s| s.site.as_str()));
        let sites: Vec<SiteLink> = report
            .sites
            .iter()
            .zip(&site_slugs)
            .map(|(s, slug)| SiteLink {
                name: s.site.clone(),
                slug: slug.clone(),
            })
            .collect();
        let mut base = Context::new();
        base.insert("version", &report.hitflow_version);
        base.insert("period", &report.period);
        base.insert("comparison", &crate::present::comparison(&report.period));
        base.insert("sites", &sites);
        base.insert("site_pages", &SITE_PAGES);

        let mut files: Vec<File> = vec![(PathBuf::from("report.json"), report_json.to_vec())];
        let mut ctx = base.clone();
        ctx.insert("up", "");
        ctx.insert("home", "../../");
        ctx.insert("nav", "period");
        ctx.insert(
            "reports",
            &report
                .sites
                .iter()
                .zip(&sites)
                .map(|(s, link)| PeriodSite { s, link })
                .collect::<Vec<_>>(),
        );
        files.push(("index.html".into(), self.render("period.html", &ctx)?));

        let mut ctx = base.clone();
        ctx.insert("up", "");
        ctx.insert("home", "../../");
        ctx.insert("nav", "glossary");
        ctx.insert("definitions", &report.definitions);
        ctx.insert("session_rules", &report.session_rules);
        ctx.insert("automation_rules", &report.automation_rules);
        ctx.insert("input", &report.input);
        files.push(("glossary.html".into(), self.render("glossary.html", &ctx)?));

        // Sites render in parallel; the order of the files stays the report's.
        let per_site: Vec<anyhow::Result<Vec<File>>> = report
            .sites
            .par_iter()
            .zip(&sites)
            .map(|(site, link)| self.site(&base, report, site, &link.slug))
            .collect();
        for site_files in per_site {
            files.extend(site_files?);
        }
        Ok(files)
    }

    /// A site's pages, and each of its segments' under `<site>/segments/<segment>/`.
    fn site(&self, base: &Context, report: &Report, site: &SiteReport, slug: &str) -> anyhow::Result<Vec<File>> {
        let links: Vec<SegmentLink> = site
            .segments
            .iter()
            .map(|g| SegmentLink {
                name: g.name.clone(),
                slug: g.slug.clone(),
                filters: g.filters.clone(),
            })
            .collect();
        // The site's pages and each segment's render in parallel; the order of the files stays
        // the report's.
        let per_part: Vec<anyhow::Result<Vec<File>>> = std::iter::once(None)
            .chain(site.segments.iter().zip(&links).map(Some))
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(|part| match part {
                None => self.site_pages(base, report, site, slug, slug, &links, None),
                Some((segment, link)) => {
                    let folder = format!("{slug}/segments/{}", segment.slug);
                    self.site_pages(base, report, &segment.report, &folder, slug, &links, Some(link))
                }
            })
            .collect();
        let mut files = Vec::new();
        for part in per_part {
            files.extend(part?);
        }
        Ok(files)
    }

    /// The pages of one site or segment into `folder` (a path below the period's folder).
    #[allow(clippy::too_many_arguments)]
    fn site_pages(
        &self,
        base: &Context,
        report: &Report,
        site: &SiteReport,
        folder: &str,
        site_slug: &str,
        segments: &[SegmentLink],
        segment: Option<&SegmentLink>,
    ) -> anyhow::Result<Vec<File>> {
        let channel_slugs = unique_slugs(site.channels.iter().map(|c| c.channel.as_str()));
        let mut view = SiteView::new(report, site, folder.to_owned(), channel_slugs);
        view.site_slug = site_slug.to_owned();
        view.segments = segments.to_vec();
        view.segment = segment.cloned();
        view.segment_slug = segment.map(|g| g.slug.clone()).unwrap_or_default();
        let depth = folder.matches('/').count() + 1;
        let dir = PathBuf::from(folder);
        let mut files = Vec::new();
        let mut ctx = base.clone();
        ctx.insert("site", &view);
        ctx.insert("up", &"../".repeat(depth));
        ctx.insert("home", &"../".repeat(depth + 2));
        for page in SITE_PAGES {
            ctx.insert("nav", page.key);
            let html = self
                .render(&format!("{}.html", page.key), &ctx)
                .with_context(|| format!("site {}", site.site))?;
            files.push((dir.join(page.file), html));
        }

        files.extend(
            super::csv::site_tables(&view)
                .into_iter()
                .map(|(path, bytes)| (dir.join(path), bytes)),
        );

        ctx.insert("up", &"../".repeat(depth + 1));
        ctx.insert("home", &"../".repeat(depth + 3));
        ctx.insert("nav", "channel");
        for (index, row) in view.channels.iter().enumerate() {
            let share = charts::rows(
                &format!("Share of sessions: {}", row.c.channel),
                "The channel's share of all sessions of the site in the period; the track is 100%.",
                &[Row {
                    label: row.c.channel.clone(),
                    fraction: row.share,
                    text: format!(
                        "{} of {} sessions",
                        format::pct(row.share),
                        format::int(site.totals.sessions)
                    ),
                    note: None,
                }],
            );
            ctx.insert("channel", row);
            ctx.insert("share_chart", &share);
            ctx.insert("daily_chart", &channel_daily_chart(row.c, &site.annotations));
            ctx.insert("compare", &compare(row.c, site));
            let html = self
                .render("channel.html", &ctx)
                .with_context(|| format!("site {}, channel {}", site.site, row.c.channel))?;
            let channels = dir.join("channels");
            files.push((channels.join(format!("{}.html", row.slug)), html));
            files.extend(
                super::csv::channel_tables(&view, index)
                    .into_iter()
                    .map(|(path, bytes)| (channels.join(path), bytes)),
            );
        }
        Ok(files)
    }
}

/// A channel's sessions per day (the drill-down's trend).
fn channel_daily_chart(c: &ChannelReport, annotations: &[crate::annotations::Annotation]) -> String {
    let days = &c.detail.daily;
    charts::columns(&charts::Columns {
        title: format!("Sessions per day, {}", c.channel),
        description: format!(
            "{}, {} in total.",
            format::count(days.len() as u64, "day"),
            format::count(c.figures.sessions, "session")
        ),
        bars: days
            .iter()
            .map(|d| charts::Column {
                label: super::view::day_label(&d.date),
                value: d.sessions as f64,
                text: format::int(d.sessions),
            })
            .collect(),
        label_every: days.len().div_ceil(10).max(1),
        value_labels: days.len() <= 16,
        reference: None,
        markers: super::view::markers(annotations, days.iter().map(|d| d.date.as_str())),
    })
}

/// A site's line on the period page.
#[derive(Debug, Serialize)]
struct PeriodSite<'a> {
    s: &'a SiteReport,
    link: &'a SiteLink,
}
