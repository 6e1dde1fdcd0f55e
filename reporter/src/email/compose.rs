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
use super::format::{self, clean, text_table, Align, MAX_VALUE_CHARS};
use super::headers::check_header_value;
use super::EmailError;
use crate::figures::counts::Figures;
use crate::figures::report::{Report, SiteReport};
use crate::period::Cadence;

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

/// HTML escaping for the `.html` template: `& < > " '` (Tera's default also escapes `/`, which
/// makes links unreadable in the source without protecting anything inside quoted attributes).
fn escape_html(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            _ => out.push(c),
        }
    }
    out
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
    previous_dates: String,
    timezone: String,
    has_previous: bool,
    report_url: Option<String>,
    sessions: String,
    sessions_delta: Option<String>,
    engagement: String,
    conversion_rate: String,
    kpis: Vec<Kpi>,
    kpi_rows: Vec<KpiRow>,
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
}

#[derive(Debug, Serialize)]
struct Note {
    name: &'static str,
    text: String,
}

/// Three KPIs a row in the HTML part; `empty` cells fill the last row.
#[derive(Debug, Serialize)]
struct KpiRow {
    kpis: Vec<Kpi>,
    empty: usize,
}

#[derive(Debug, Clone, Serialize)]
struct Kpi {
    label: &'static str,
    value: String,
    /// "+8%", "+3.2 pp", "new" or "n/a".
    change: String,
    /// Text colour of the change: better, worse or neutral.
    color: &'static str,
    note: Option<String>,
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
}

const BETTER: &str = "#067647";
const WORSE: &str = "#b42318";
const NEUTRAL: &str = "#667085";

/// Direction of a figure: is a rise good news?
#[derive(Clone, Copy)]
enum Good {
    Up,
    Down,
}

fn tone(change: f64, good: Good) -> &'static str {
    if change.abs() < 0.0005 {
        NEUTRAL
    } else if (change > 0.0) == matches!(good, Good::Up) {
        BETTER
    } else {
        WORSE
    }
}

/// A count's change: relative when there was something before, "new" when there was not.
fn count_change(current: u64, previous: u64) -> (String, &'static str) {
    if previous == 0 {
        return if current == 0 {
            ("n/a".into(), NEUTRAL)
        } else {
            ("new".into(), NEUTRAL)
        };
    }
    let d = (current as f64 - previous as f64) / previous as f64;
    (format::relative(d), tone(d, Good::Up))
}

/// A rate's change in percentage points; meaningless without sessions before.
fn rate_change(current: f64, previous: f64, had_sessions: bool, good: Good) -> (String, &'static str) {
    if !had_sessions {
        return ("n/a".into(), NEUTRAL);
    }
    (format::points(current, previous), tone(current - previous, good))
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

fn kpis(t: &Figures, p: &Figures) -> Vec<Kpi> {
    let had = p.sessions > 0;
    let kpi = |label, value, (change, color): (String, &'static str), note: Option<String>| Kpi {
        label,
        value,
        change,
        color,
        note,
    };
    let mut list = vec![
        kpi(
            "Sessions",
            format::int(t.sessions),
            count_change(t.sessions, p.sessions),
            None,
        ),
        kpi(
            "Visitors (daily-unique)",
            format::int(t.visitors),
            count_change(t.visitors, p.visitors),
            Some("a person counts once per day seen".into()),
        ),
        kpi(
            "Engagement rate",
            format::rate(t.engagement_rate),
            rate_change(t.engagement_rate, p.engagement_rate, had, Good::Up),
            None,
        ),
        kpi(
            "Bounce rate",
            format::rate(t.bounce_rate),
            rate_change(t.bounce_rate, p.bounce_rate, had, Good::Down),
            None,
        ),
        kpi(
            "Conversions",
            format::int(t.conversions),
            count_change(t.conversions, p.conversions),
            Some(format!("{} of sessions converted", format::rate(t.conversion_rate))),
        ),
        kpi(
            "Avg. session duration",
            format::duration(t.avg_duration_s),
            {
                if had && p.avg_duration_s > 0.0 {
                    let d = (t.avg_duration_s - p.avg_duration_s) / p.avg_duration_s;
                    (format::relative(d), tone(d, Good::Up))
                } else {
                    ("n/a".into(), NEUTRAL)
                }
            },
            None,
        ),
    ];
    if t.revenue != 0.0 || p.revenue != 0.0 {
        let change = if p.revenue != 0.0 {
            let d = (t.revenue - p.revenue) / p.revenue.abs();
            (format::relative(d), tone(d, Good::Up))
        } else {
            ("new".into(), NEUTRAL)
        };
        list.push(kpi(
            "Revenue",
            format::amount(t.revenue),
            change,
            Some("summed as sent, currencies mixed".into()),
        ));
    }
    list
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
        let kpis = kpis(t, p);
        let channels: Vec<ChannelRow> = site
            .channels
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
                    share: format::rate(share),
                    bar,
                    bar_rest,
                    change: count_change(f.sessions, c.previous_sessions).0,
                    engagement: format::rate(f.engagement_rate),
                    bounce: format::rate(f.bounce_rate),
                    conversion: format::rate(f.conversion_rate),
                    avg_duration: format::duration(f.avg_duration_s),
                }
            })
            .collect();
        let sources: Vec<ListRow> = site
            .sources
            .iter()
            .take(TOP_ROWS)
            .map(|s| {
                let (bar, bar_rest) = bar(s.share);
                ListRow {
                    name: clean(&s.name, MAX_VALUE_CHARS),
                    value: format::int(s.sessions),
                    share: format::rate(s.share),
                    bar,
                    bar_rest,
                    engagement: format::rate(s.engagement_rate),
                }
            })
            .collect();
        let max_views = site.top_pages.iter().map(|r| r.pageviews).max().unwrap_or(0);
        let pages: Vec<ListRow> = site
            .top_pages
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
                    self::bar(r.pageviews as f64 / max_views as f64)
                };
                ListRow {
                    name: clean(&r.path, MAX_VALUE_CHARS),
                    value: format::int(r.pageviews),
                    share: format::rate(share),
                    bar,
                    bar_rest,
                    engagement: String::new(),
                }
            })
            .collect();

        let text_kpis = text_table(
            &["Figure", "Value", "Change"],
            &[Align::Left, Align::Right, Align::Right],
            &kpis
                .iter()
                .map(|k| vec![k.label.to_owned(), k.value.clone(), k.change.clone()])
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
            &["Page", "Pageviews"],
            &[Align::Left, Align::Right],
            &pages
                .iter()
                .map(|r| vec![r.name.clone(), r.value.clone()])
                .collect::<Vec<_>>(),
        );

        View {
            subject_site: site.site.clone(),
            site: clean(&site.site, 253),
            period_label: period_label.to_owned(),
            title: cadence.title(),
            cadence,
            dates: dates(&report.period.from, &report.period.to),
            previous_dates: dates(&report.period.previous_from, &report.period.previous_to),
            timezone: clean(&site.timezone, 64),
            has_previous: p.sessions > 0,
            report_url: email.report_url(&site.site),
            sessions: format::int(t.sessions),
            sessions_delta: (p.sessions > 0).then(|| format::relative((t.sessions as f64 - p.sessions as f64) / p.sessions as f64)),
            engagement: format::rate_whole(t.engagement_rate),
            conversion_rate: format::rate(t.conversion_rate),
            kpi_rows: kpis.chunks(3).map(|row| KpiRow { kpis: row.to_vec(), empty: 3 - row.len() }).collect(),
            kpis,
            channels,
            sources,
            pages,
            text_kpis,
            text_channels,
            text_sources,
            text_pages,
            bots: super::ledger_line::ledger_line(&site.bot_ledger),
            definitions: vec![
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
            ],
        }
    }
}
