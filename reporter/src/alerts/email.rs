//! The alert message of one site: every new anomaly of the run with its drivers, as text and
//! HTML (Tera templates `templates/email/alert.{txt,html}`), sent to the site's recipients
//! through the reports' delivery path (`email::send`: SMTP or `.eml` files).

use lettre::message::header::HeaderValue;
use lettre::message::MultiPart;
use lettre::Message;
use serde::Serialize;
use tera::{Context, Tera};

use super::detect::{Anomaly, Direction};
use crate::config::Config;
use crate::email::headers::{check_header_value, parse_mailbox};
use crate::email::send::AUTO_SUBMITTED;
use crate::email::{EmailError, Outgoing};
use crate::present::format::{decimal, int, pct};
use crate::present::text::{clean, escape_html};

const TEMPLATES: [(&str, &str); 2] = [
    ("alert.txt", include_str!("../../../templates/email/alert.txt")),
    ("alert.html", include_str!("../../../templates/email/alert.html")),
];

/// Longest slice value shown (paths, referrers, campaigns are visitor-supplied).
const MAX_VALUE_CHARS: usize = 80;

/// What one site's alert says.
pub struct AlertMessage<'a> {
    pub site: &'a str,
    pub window_label: &'a str,
    pub hourly: bool,
    pub k: f64,
    pub anomalies: &'a [Anomaly],
}

#[derive(Serialize)]
struct View {
    site: String,
    window: String,
    timezone: Option<String>,
    hourly: bool,
    k: String,
    link: Option<String>,
    anomalies: Vec<AnomalyView>,
}

#[derive(Serialize)]
struct AnomalyView {
    scope: String,
    drop: bool,
    observed: String,
    expected: String,
    low: String,
    high: String,
    change: String,
    weeks: usize,
    baseline: String,
    drivers: Vec<DimensionView>,
}

#[derive(Serialize)]
struct DimensionView {
    dimension: &'static str,
    slices: Vec<SliceView>,
}

#[derive(Serialize)]
struct SliceView {
    value: String,
    observed: String,
    expected: String,
    share: String,
}

/// `+45.0%`, `−45.0%`, or `new` for a scope with no baseline volume.
fn change(x: f64) -> String {
    if !x.is_finite() {
        return "new".into();
    }
    let sign = if x > 0.0 { "+" } else { "" };
    format!("{sign}{}", pct(x).replace('-', "−"))
}

fn view(message: &AlertMessage, config: &Config) -> View {
    let timezone = (!message.hourly).then(|| config.timezone(message.site).name().to_owned());
    View {
        site: clean(message.site, MAX_VALUE_CHARS),
        window: message.window_label.to_owned(),
        timezone,
        hourly: message.hourly,
        k: decimal(message.k, 1),
        link: config.email.site_url.clone(),
        anomalies: message
            .anomalies
            .iter()
            .map(|a| AnomalyView {
                scope: clean(a.scope(), MAX_VALUE_CHARS),
                drop: a.direction == Direction::Drop,
                observed: int(a.observed),
                expected: decimal(a.range.expected, 0),
                low: decimal(a.range.low, 0),
                high: decimal(a.range.high, 0),
                change: change(a.change),
                weeks: a.baseline.len(),
                baseline: a.baseline.iter().map(|&n| int(n)).collect::<Vec<_>>().join(", "),
                drivers: a
                    .drivers
                    .iter()
                    .map(|d| DimensionView {
                        dimension: d.dimension.label(),
                        slices: d
                            .slices
                            .iter()
                            .map(|s| SliceView {
                                value: clean(&s.value, MAX_VALUE_CHARS),
                                observed: int(s.observed),
                                expected: decimal(s.expected, 1),
                                share: pct(s.share_of_change).replace('-', "−"),
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect(),
    }
}

/// `hitflow alert · example.com · Thursday 2026-11-26 · Organic Search −45.0% (+1 more)`.
pub fn subject(message: &AlertMessage) -> String {
    let first = &message.anomalies[0];
    let more = match message.anomalies.len() - 1 {
        0 => String::new(),
        n => format!(" (+{n} more)"),
    };
    format!(
        "hitflow alert · {} · {} · {} {}{more}",
        message.site,
        message.window_label,
        clean(first.scope(), MAX_VALUE_CHARS),
        change(first.change)
    )
}

fn template_error(template: &str, err: &tera::Error) -> EmailError {
    let mut text = err.to_string();
    let mut source = std::error::Error::source(err);
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    EmailError::Template {
        template: template.to_owned(),
        message: text,
    }
}

/// Renders alert messages; the templates are parsed once.
pub struct AlertComposer {
    tera: Tera,
}

impl AlertComposer {
    pub fn new() -> Result<Self, EmailError> {
        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html"]);
        tera.set_escape_fn(escape_html);
        for (name, body) in TEMPLATES {
            tera.add_raw_template(name, body)
                .map_err(|e| template_error(name, &e))?;
        }
        Ok(AlertComposer { tera })
    }

    /// One message per recipient of the site (`[[sites]] recipients`); none when it has none.
    pub fn messages(&self, message: &AlertMessage, config: &Config) -> Result<Vec<Outgoing>, EmailError> {
        let Some(site_config) = config.sites.iter().find(|s| s.name == message.site) else {
            return Ok(Vec::new());
        };
        if site_config.recipients.is_empty() || message.anomalies.is_empty() {
            return Ok(Vec::new());
        }
        let subject = subject(message);
        check_header_value("alert subject", &subject)?;
        let from = parse_mailbox("email.from", &config.email.from)?;
        let context = Context::from_serialize(view(message, config)).map_err(|e| template_error("context", &e))?;
        let render = |name: &str| self.tera.render(name, &context).map_err(|e| template_error(name, &e));
        let (text, html) = (render("alert.txt")?, render("alert.html")?);
        let field = format!("recipients of site \"{}\"", message.site.escape_debug());
        let mut outgoing: Vec<Outgoing> = Vec::new();
        for recipient in &site_config.recipients {
            let to = parse_mailbox(&field, recipient)?;
            let address = to.email.to_string().to_ascii_lowercase();
            if outgoing
                .iter()
                .any(|o| o.to.email.to_string().to_ascii_lowercase() == address)
            {
                continue;
            }
            let built = Message::builder()
                .from(from.clone())
                .to(to.clone())
                .subject(subject.clone())
                .message_id(None)
                .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".to_owned()))
                .multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
                .map_err(|e| EmailError::Build {
                    site: message.site.escape_debug().to_string(),
                    message: e.to_string(),
                })?;
            outgoing.push(Outgoing {
                site: message.site.to_owned(),
                to,
                subject: subject.clone(),
                message: built,
            });
        }
        Ok(outgoing)
    }
}
