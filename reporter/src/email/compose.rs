//! A site's report as an email: a view of the figures (already formatted and cleaned), rendered
//! by the Tera templates `templates/email/{subject.txt, report.txt, report.html}`.
//!
//! Every string from the data (site, channel, source and page names) is cleaned with
//! `format::clean` before it reaches a template, and the HTML template is autoescaped; the subject
//! is checked for line breaks after rendering.

use chrono::NaiveDate;
use serde::Serialize;
use tera::{Context, Tera};

use super::config::EmailConfig;
use super::format::{text_table, Align, MAX_VALUE_CHARS};
use super::headers::check_header_value;
use super::EmailError;
use crate::figures::report::{Report, SiteReport};
use crate::period::Cadence;
use crate::present::format;
use crate::present::kpis::{kpis, missing_change};
use crate::present::text::{clean, escape_html};
use crate::present::Change;

/// Rows shown in the source and page lists (channels are all shown).
const TOP_ROWS: usize = 5;

const TEMPLATES: [(&str, &str); 3] = [
    ("subject.txt", include_str!("../../../templates/email/subject.txt")),
    ("report.txt", include_str!("../../../templates/email/report.txt")),
    ("report.html", include_str!("../../../templates/email/report.html")),
];

/// The three texts of one site's report email (recipient-independent).
#[derive(Debug, Clone, PartialEq)]
pub struct ComposedEmail {
    pub site: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// The email templates, parsed once per run.
pub struct Composer {
    tera: Tera,
}

fn template_error(template: &str, err: &tera::Error) -> EmailError {
    // Tera puts the useful part (which variable, which line) in the error's sources.
    let mut message = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    EmailError::Template {
        template: template.to_owned(),
        message,
    }
}

impl Composer {
    /// The built-in templates (compiled into the binary).
    pub fn new() -> Result<Self, EmailError> {
        Self::from_templates(&TEMPLATES)
    }

    /// Other templates with the same names and variables (tests, custom layouts).
    pub fn from_templates(templates: &[(&str, &str)]) -> Result<Self, EmailError> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        for (name, body) in templates {
            tera.add_raw_template(name, body)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(Composer { tera })
    }

    /// Subject, text and HTML for one site. Fails when the site name or the period label could
    /// inject headers.
    pub fn compose(
        &self,
        report: &Report,
        site: &SiteReport,
        period_label: &str,
        email: &EmailConfig,
    ) -> Result<ComposedEmail, EmailError> {
        check_header_value("site name", &site.site)?;
        check_header_value("period label", period_label)?;
        let view = View::build(report, site, period_label, email);
        let context = Context::from_serialize(&view).map_err(|e| template_error("context", &e))?;
        let render = |name: &str| self.tera.render(name, &context).map_err(|e| template_error(name, &e));
        let subject = render("subject.txt")?.trim().to_owned();
        check_header_value("subject", &subject)?;
        Ok(ComposedEmail {
            site: site.site.clone(),
            subject,
            text: render("report.txt")?,
            html: render("report.html")?,
        })
    }
}

/// Everything the templates see. Strings are final: formatted, cleaned, aligned for text.
#[derive(Debug, Serialize)]
struct View {
    /// The raw site name (subject only; checked for line breaks).
    subject_site: String,
    /// The site name cleaned for the body.
    site: String,
    period_label: String,
    title: &'static str,
    cadence: Cadence,
    /// "2026-11-16 – 2026-11-22".
    dates: String,
    /// The dates differ from the period label (not already said in the header).
    show_dates: bool,
    /// Which days hold data, when a period is incomplete.
    coverage_note: Option<String>,
    previous_dates: String,
    timezone: String,
    has_previous: bool,
    report_url: Option<String>,
    sessions: String,
    sessions_delta: Option<String>,
    engagement: String,
    conversion_rate: String,
    kpis: Vec<Kpi>,
    channels: Vec<ChannelRow>,
    sources: Vec<ListRow>,
    pages: Vec<ListRow>,
    text_kpis: Vec<String>,
    text_channels: Vec<String>,
    text_sources: Vec<String>,
    text_pages: Vec<String>,
    definitions: Vec<Note>,
    /// What the bot ledger kept out (`ledger_line`).
    bots: String,
    /// How the comparison period is named.
    comparison: crate::present::Comparison,
    annotations: Vec<AnnotationLine>,
}

#[derive(Debug, Serialize)]
struct AnnotationLine {
    date: String,
    text: String,
    /// An absolute http(s) URL (checked when the config was read).
    link: Option<String>,
}

#[derive(Debug, Serialize)]
struct Note {
    name: &'static str,
    text: String,
}

#[derive(Debug, Clone, Serialize)]
struct Kpi {
    label: &'static str,
    value: String,
    /// "▲ +8.0%", "▼ −1.1 pp" or "no previous data": the site's text.
    change: String,
    /// Text colour of the change: better, worse or neutral.
    color: &'static str,
    /// "vs 1,204": the previous value.
    previous: Option<String>,
}

#[derive(Debug, Serialize)]
struct ChannelRow {
    name: String,
    sessions: String,
    share: String,
    /// Bar width in whole percent, and the rest of the track.
    bar: u32,
    bar_rest: u32,
    change: String,
    engagement: String,
    bounce: String,
    conversion: String,
    avg_duration: String,
}

#[derive(Debug, Serialize)]
struct ListRow {
    name: String,
    value: String,
    share: String,
    bar: u32,
    bar_rest: u32,
    engagement: String,
    /// Median scroll depth (pages only; "–" without a report).
    scroll: String,
}

const BETTER: &str = "#067647";
const WORSE: &str = "#b42318";
const NEUTRAL: &str = "#667085";

fn color(tone: &str) -> &'static str {
    match tone {
        "good" => BETTER,
        "bad" => WORSE,
        _ => NEUTRAL,
    }
}

fn bar(share: f64) -> (u32, u32) {
    let pct = (share * 100.0).round().clamp(0.0, 100.0) as u32;
    (pct, 100 - pct)
}

fn dates(from: &str, to: &str) -> String {
    if from == to {
        from.to_owned()
    } else {
        format!("{from} – {to}")
    }
}

fn kpi_cards(site: &SiteReport) -> Vec<Kpi> {
    kpis(site)
        .into_iter()
        .map(|k| Kpi {
            label: k.label,
            value: k.value,
            change: k.change,
            color: color(k.tone),
            previous: k.previous,
        })
        .collect()
}

fn channel_rows(site: &SiteReport) -> Vec<ChannelRow> {
    let (t, missing) = (&site.totals, missing_change(site));
    site.channels
        .iter()
        .map(|c| {
            let f = &c.figures;
            let share = if t.sessions == 0 {
                0.0
            } else {
                f.sessions as f64 / t.sessions as f64
            };
            let (bar, bar_rest) = bar(share);
            ChannelRow {
                name: clean(&c.channel, MAX_VALUE_CHARS),
                sessions: format::int(f.sessions),
                share: format::pct(share),
                bar,
                bar_rest,
                change: Change::tested(c.sessions_delta, false, missing, c.significance.sessions.as_ref())
                    .text()
                    .1,
                engagement: format::pct_of(f.engaged_sessions, f.sessions),
                bounce: format::pct_of(f.bounces, f.sessions),
                conversion: format::pct_of(f.converted_sessions, f.sessions),
                avg_duration: format::duration(f.avg_duration_s),
            }
        })
        .collect()
}

fn source_rows(site: &SiteReport) -> Vec<ListRow> {
    site.sources
        .iter()
        .take(TOP_ROWS)
        .map(|s| {
            let (bar, bar_rest) = bar(s.share);
            ListRow {
                name: clean(&s.name, MAX_VALUE_CHARS),
                value: format::int(s.sessions),
                share: format::pct(s.share),
                bar,
                bar_rest,
                engagement: format::pct(s.engagement_rate),
                scroll: String::new(),
            }
        })
        .collect()
}

fn page_rows(site: &SiteReport) -> Vec<ListRow> {
    let t = &site.totals;
    let max_views = site.top_pages.iter().map(|r| r.pageviews).max().unwrap_or(0);
    site.top_pages
        .iter()
        .take(TOP_ROWS)
        .map(|r| {
            let share = if t.pageviews == 0 {
                0.0
            } else {
                r.pageviews as f64 / t.pageviews as f64
            };
            // Bars relative to the top page, so the list reads at a glance.
            let (bar, bar_rest) = if max_views == 0 {
                (0, 100)
            } else {
                bar(r.pageviews as f64 / max_views as f64)
            };
            ListRow {
                name: clean(&r.path, MAX_VALUE_CHARS),
                value: format::int(r.pageviews),
                share: format::pct(share),
                bar,
                bar_rest,
                engagement: String::new(),
                scroll: r
                    .scroll
                    .median_scroll_depth
                    .map_or_else(|| format::MISSING.to_owned(), format::depth),
            }
        })
        .collect()
}

/// The text part's tables, aligned.
struct TextTables {
    kpis: Vec<String>,
    channels: Vec<String>,
    sources: Vec<String>,
    pages: Vec<String>,
}

fn text_tables(kpis: &[Kpi], channels: &[ChannelRow], sources: &[ListRow], pages: &[ListRow]) -> TextTables {
    let text_kpis = text_table(
        &["Figure", "Value", "Previous", "Change"],
        &[Align::Left, Align::Right, Align::Right, Align::Right],
        &kpis
            .iter()
            .map(|k| {
                let previous = k.previous.clone().unwrap_or_else(|| format::MISSING.to_owned());
                vec![k.label.to_owned(), k.value.clone(), previous, k.change.clone()]
            })
            .collect::<Vec<_>>(),
    );
    let text_channels = text_table(
        &[
            "Channel", "Sessions", "Share", "Change", "Engaged", "Bounce", "Conv.", "Avg time",
        ],
        &[
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        &channels
            .iter()
            .map(|c| {
                vec![
                    c.name.clone(),
                    c.sessions.clone(),
                    c.share.clone(),
                    c.change.clone(),
                    c.engagement.clone(),
                    c.bounce.clone(),
                    c.conversion.clone(),
                    c.avg_duration.clone(),
                ]
            })
            .collect::<Vec<_>>(),
    );
    let text_sources = text_table(
        &["Source / medium", "Sessions", "Share", "Engaged"],
        &[Align::Left, Align::Right, Align::Right, Align::Right],
        &sources
            .iter()
            .map(|s| vec![s.name.clone(), s.value.clone(), s.share.clone(), s.engagement.clone()])
            .collect::<Vec<_>>(),
    );
    let text_pages = text_table(
        &["Page", "Pageviews", "Scroll depth"],
        &[Align::Left, Align::Right, Align::Right],
        &pages
            .iter()
            .map(|r| vec![r.name.clone(), r.value.clone(), r.scroll.clone()])
            .collect::<Vec<_>>(),
    );

    TextTables {
        kpis: text_kpis,
        channels: text_channels,
        sources: text_sources,
        pages: text_pages,
    }
}

/// The site's annotations of the period: "2026-11-10: New pricing page", cleaned.
fn annotations(site: &SiteReport) -> Vec<AnnotationLine> {
    site.annotations
        .iter()
        .map(|a| AnnotationLine {
            date: a.date.clone(),
            text: clean(&a.text, MAX_VALUE_CHARS * 4),
            link: a.link.clone(),
        })
        .collect()
}

fn definitions(report: &Report) -> Vec<Note> {
    vec![
                Note {
                    name: "Visitors",
                    text: "daily-unique. There are no cookies and ids change every day, so someone visiting on three days counts three times.".into(),
                },
                Note {
                    name: "Engagement rate",
                    text: format!("sessions with more than {} s of visible time, 2 or more pageviews, or a conversion.", report.session_rules.engaged_seconds),
                },
                Note { name: "Bounce rate", text: "sessions with one pageview and no interaction.".into() },
                Note { name: "Conversions", text: "goal completions, each goal at most once per session.".into() },
                Note {
                    name: "Changes",
                    text: "▲ and ▼ mark a change beyond noise (its 95% interval excludes zero); ≈ marks one within it. The report's glossary names the tests.".into(),
                },
    ]
}

impl View {
    fn build(report: &Report, site: &SiteReport, period_label: &str, email: &EmailConfig) -> View {
        let (t, p) = (&site.totals, &site.previous);
        let cadence = match (
            report.period.from.parse::<NaiveDate>(),
            report.period.to.parse::<NaiveDate>(),
        ) {
            (Ok(from), Ok(to)) => Cadence::of(from, to),
            _ => Cadence::Custom,
        };
        let missing = missing_change(site);
        let (kpis, channels) = (kpi_cards(site), channel_rows(site));
        let (sources, pages) = (source_rows(site), page_rows(site));
        let text = text_tables(&kpis, &channels, &sources, &pages);
        let period_dates = dates(&report.period.from, &report.period.to);
        View {
            show_dates: period_dates != period_label,
            coverage_note: crate::present::coverage_note(&site.coverage),
            subject_site: site.site.clone(),
            site: clean(&site.site, 253),
            period_label: period_label.to_owned(),
            title: cadence.title(),
            cadence,
            dates: period_dates,
            previous_dates: dates(&report.period.previous_from, &report.period.previous_to),
            timezone: clean(&site.timezone, 64),
            has_previous: p.sessions > 0,
            report_url: crate::site::site_page(report, &site.site).and_then(|page| email.report_url(&page)),
            sessions: format::int(t.sessions),
            // Only a change between two fully covered periods may reach the subject line.
            sessions_delta: site.deltas.sessions.filter(|_| site.coverage.comparable).map(|d| {
                Change::tested(Some(d), false, missing, site.significance.sessions.as_ref())
                    .text()
                    .1
            }),
            engagement: format::pct_of(t.engaged_sessions, t.sessions),
            conversion_rate: format::pct(t.conversion_rate),
            text_kpis: text.kpis,
            text_channels: text.channels,
            text_sources: text.sources,
            text_pages: text.pages,
            kpis,
            channels,
            sources,
            pages,
            comparison: crate::present::comparison(&report.period),
            annotations: annotations(site),
            bots: super::ledger_line::ledger_line(&site.bot_ledger),
            definitions: definitions(report),
        }
    }
}
