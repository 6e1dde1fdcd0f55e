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

    /// Subject (checked for header injection), text and HTML.
    pub fn render(&self, message: &AlertMessage, config: &Config) -> Result<(String, String, String), EmailError> {
        let subject = subject(message);
        check_header_value("alert subject", &subject)?;
        let context = Context::from_serialize(view(message, config)).map_err(|e| template_error("context", &e))?;
        let render = |name: &str| self.tera.render(name, &context).map_err(|e| template_error(name, &e));
        Ok((subject, render("alert.txt")?, render("alert.html")?))
    }

    /// One message per recipient of the site (`[[sites]] recipients`); none when it has none.
    pub fn messages(&self, message: &AlertMessage, config: &Config) -> Result<Vec<Outgoing>, EmailError> {
        let Some(site_config) = config.sites.iter().find(|s| s.name == message.site) else {
            return Ok(Vec::new());
        };
        if site_config.recipients.is_empty() || message.anomalies.is_empty() {
            return Ok(Vec::new());
        }
        let (subject, text, html) = self.render(message, config)?;
        let from = parse_mailbox("email.from", &config.email.from)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::drivers::{Driver, DriverDimension};
    use crate::alerts::range::ExpectedRange;
    use crate::alerts::tally::Dimension;

    const EVIL_PAGE: &str = "/x<script>alert(1)</script>\r\nBcc: evil@example.com";

    fn anomaly(channel: Option<&str>, observed: u64, expected: f64) -> Anomaly {
        Anomaly {
            channel: channel.map(str::to_owned),
            direction: if (observed as f64) < expected {
                Direction::Drop
            } else {
                Direction::Rise
            },
            observed,
            range: ExpectedRange::of(&[expected as u64; 4], 3.0).unwrap(),
            change: (observed as f64 - expected) / expected,
            baseline: vec![expected as u64; 4],
            drivers: vec![DriverDimension {
                dimension: Dimension::LandingPage,
                surprise: 0.2,
                slices: vec![Driver {
                    value: EVIL_PAGE.into(),
                    observed: 2,
                    expected: 120.0,
                    share_of_change: 0.95,
                    surprise: 0.2,
                    deviation: -9.0,
                }],
            }],
        }
    }

    fn config(site: &str) -> Config {
        Config::parse(&format!(
            "[[sites]]\nname = \"{site}\"\nrecipients = [\"a@example.com\", \"A@example.com\", \"b@example.com\"]\n[email]\nfrom = \"hitflow <h@example.com>\"\n"
        ))
        .unwrap()
    }

    #[test]
    fn subject_text_and_html_say_what_fell_and_why_safely() {
        let anomalies = [anomaly(Some("Organic Search"), 190, 340.0), anomaly(None, 455, 600.0)];
        let message = AlertMessage {
            site: "example.com",
            window_label: "Thursday 2026-11-26",
            hourly: false,
            k: 3.0,
            anomalies: &anomalies,
        };
        assert_eq!(
            subject(&message),
            "hitflow alert · example.com · Thursday 2026-11-26 · Organic Search −44.1% (+1 more)"
        );
        let outgoing = AlertComposer::new()
            .unwrap()
            .messages(&message, &config("example.com"))
            .unwrap();
        // One message per recipient, addresses compared case-insensitively.
        let to: Vec<String> = outgoing.iter().map(|o| o.to.email.to_string()).collect();
        assert_eq!(to, ["a@example.com", "b@example.com"]);
        let raw = String::from_utf8(outgoing[0].message.formatted()).unwrap();
        assert!(!raw.lines().any(|l| l.starts_with("Bcc:")), "no header smuggled in");
        let (_, text, html) = AlertComposer::new()
            .unwrap()
            .render(&message, &config("example.com"))
            .unwrap();
        assert!(
            !html.contains("<script>") && html.contains("&lt;script&gt;"),
            "escaped in HTML"
        );
        assert!(
            text.contains("landing page /x<script>alert(1)</script>\u{FFFD}\u{FFFD}Bcc"),
            "{text}"
        );
        assert!(
            text.contains("Organic Search: 190 sessions, −44.1% against the expected 340"),
            "{text}"
        );
        let view = view(&message, &config("example.com"));
        assert_eq!(view.anomalies[0].change, "−44.1%");
        assert_eq!(view.anomalies[0].drivers[0].slices[0].share, "95.0%");
        assert!(!view.anomalies[0].drivers[0].slices[0].value.contains('\n'));
    }

    #[test]
    fn no_recipients_no_messages_and_a_new_scope_reads_new() {
        let anomalies = [anomaly(Some("Paid Search"), 90, 1.0)];
        let mut new_scope = anomalies.clone();
        new_scope[0].change = f64::INFINITY;
        let message = AlertMessage {
            site: "other.example.org",
            window_label: "Thursday 2026-11-26",
            hourly: false,
            k: 3.0,
            anomalies: &new_scope,
        };
        assert!(subject(&message).ends_with("Paid Search new"));
        let composer = AlertComposer::new().unwrap();
        assert!(composer.messages(&message, &config("example.com")).unwrap().is_empty());
    }
}
