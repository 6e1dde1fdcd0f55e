//! Turning composed reports into lettre messages and delivering them: over SMTP, or as `.eml`
//! files (for previews, tests and hand-off to another mailer).
//!
//! Every message is built and checked before the first one is delivered, so a bad address or a
//! site name with a line break stops the run without having mailed anyone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use super::compose::Composer;
use super::config::{EmailConfig, Security};
use super::headers::{check_header_value, parse_mailbox};
use super::EmailError;
use crate::config::Config;
use crate::figures::report::Report;
use crate::output::write_atomically;

/// Where the messages go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// To `[email.smtp]`.
    Smtp,
    /// One `.eml` file per (site, recipient) into this folder; nothing is sent.
    EmlDir(PathBuf),
}

/// One message, built and checked, not yet delivered.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub site: String,
    pub to: Mailbox,
    pub subject: String,
    pub message: Message,
}

/// One delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentMessage {
    pub site: String,
    /// The recipient's address.
    pub to: String,
    pub subject: String,
    pub message_id: String,
    /// The file written (`Delivery::EmlDir`).
    pub eml: Option<PathBuf>,
}

/// RFC 3834: tells auto-responders (vacation replies) not to answer a report.
pub(crate) const AUTO_SUBMITTED: HeaderName = HeaderName::new_from_ascii_str("Auto-Submitted");

/// Checks, before the (long) report run, that delivery can work: a valid `from`, and for SMTP a
/// host and, with a username, the password variable. `env` reads the environment.
pub fn check_delivery(
    email: &EmailConfig,
    mode: &Delivery,
    env: impl Fn(&str) -> Option<String>,
) -> Result<(), EmailError> {
    check_sender(email)?;
    if *mode == Delivery::Smtp {
        if email.smtp.host.trim().is_empty() {
            return Err(EmailError::Config(
                "email.smtp.host is not set (or use --email-out DIR to write .eml files)".into(),
            ));
        }
        email.smtp.credentials(env)?;
    }
    Ok(())
}

fn check_sender(email: &EmailConfig) -> Result<(), EmailError> {
    if email.from.trim().is_empty() {
        return Err(EmailError::Config("email.from is not set".into()));
    }
    email.validate()
}

/// Builds one message per (site, recipient) for every site of the report that has recipients
/// under `[[sites]]`. Sites without recipients get no mail; configured sites missing from the
/// report (no traffic at all) are logged and skipped.
pub fn prepare(
    report: &Report,
    config: &Config,
    email: &EmailConfig,
    period_label: &str,
) -> Result<Vec<Outgoing>, EmailError> {
    check_sender(email)?;
    check_header_value("period label", period_label)?;
    let from = parse_mailbox("email.from", &email.from)?;
    let composer = Composer::new()?;
    let mut outgoing = Vec::new();
    for site_config in config.sites.iter().filter(|s| !s.recipients.is_empty()) {
        let Some(site) = report.sites.iter().find(|s| s.site == site_config.name) else {
            tracing::warn!(site = %site_config.name.escape_debug(), "no data for this site in the period; no email sent");
            continue;
        };
        let composed = composer.compose(report, site, period_label, email)?;
        let field = format!("recipients of site \"{}\"", site.site.escape_debug());
        let mut seen = HashSet::new();
        for recipient in &site_config.recipients {
            let to = parse_mailbox(&field, recipient)?;
            if !seen.insert(to.email.to_string().to_ascii_lowercase()) {
                continue;
            }
            let build_error = |e: &dyn std::fmt::Display| EmailError::Build {
                site: site.site.escape_debug().to_string(),
                message: e.to_string(),
            };
            // Only typed headers: lettre encodes every value, and the strings were checked above.
            let message = Message::builder()
                .from(from.clone())
                .to(to.clone())
                .subject(composed.subject.clone())
                .message_id(None)
                .raw_header(HeaderValue::new(AUTO_SUBMITTED, "auto-generated".to_owned()))
                .multipart(MultiPart::alternative_plain_html(
                    composed.text.clone(),
                    composed.html.clone(),
                ))
                .map_err(|e| build_error(&e))?;
            outgoing.push(Outgoing {
                site: site.site.clone(),
                to,
                subject: composed.subject.clone(),
                message,
            });
        }
    }
    Ok(outgoing)
}

/// Builds and delivers the reports of every site with recipients. The SMTP password is read
/// from the process environment.
pub async fn send_reports(
    report: &Report,
    config: &Config,
    email: &EmailConfig,
    period_label: &str,
    mode: Delivery,
) -> anyhow::Result<Vec<SentMessage>> {
    send_reports_with(report, config, email, period_label, mode, |name| {
        std::env::var(name).ok()
    })
    .await
}

/// `send_reports` with the environment given as a function (tests).
pub async fn send_reports_with(
    report: &Report,
    config: &Config,
    email: &EmailConfig,
    period_label: &str,
    mode: Delivery,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<SentMessage>> {
    let outgoing = prepare(report, config, email, period_label)?;
    match mode {
        Delivery::EmlDir(dir) => write_eml(&outgoing, &dir, ""),
        Delivery::Smtp => send_smtp(&outgoing, email, env).await,
    }
}

fn message_id(message: &Message) -> String {
    message.headers().get_raw("Message-ID").unwrap_or_default().to_owned()
}

fn sent(o: &Outgoing, eml: Option<PathBuf>) -> SentMessage {
    SentMessage {
        site: o.site.clone(),
        to: o.to.email.to_string(),
        subject: o.subject.clone(),
        message_id: message_id(&o.message),
        eml,
    }
}

/// A file-name-safe version of `s` (letters, digits, `.`, `-`, `_`, `@`).
fn file_part(s: &str) -> String {
    let out: String = s
        .chars()
        .take(80)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                c
            } else {
                '_'
            }
        })
        .collect();
    out.trim_start_matches('.').to_owned()
}

/// Writes `<prefix><site>--<recipient>.eml` files (the prefix keeps other kinds of message from
/// overwriting the reports in a shared folder).
pub(crate) fn write_eml(outgoing: &[Outgoing], dir: &Path, prefix: &str) -> anyhow::Result<Vec<SentMessage>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut used = HashSet::new();
    let mut sent_messages = Vec::with_capacity(outgoing.len());
    for o in outgoing {
        let stem = format!("{prefix}{}--{}", file_part(&o.site), file_part(o.to.email.as_ref()));
        // Two names can clean to the same stem; number the later ones.
        let mut name = format!("{stem}.eml");
        let mut n = 2;
        while !used.insert(name.clone()) {
            name = format!("{stem}-{n}.eml");
            n += 1;
        }
        let path = dir.join(name);
        write_atomically(&path, &o.message.formatted())?;
        sent_messages.push(sent(o, Some(path)));
    }
    Ok(sent_messages)
}

fn transport(
    email: &EmailConfig,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let smtp = &email.smtp;
    if smtp.host.trim().is_empty() {
        anyhow::bail!("email.smtp.host is not set (or use --email-out DIR to write .eml files)");
    }
    let builder = match smtp.security {
        Security::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&smtp.host)?,
        Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&smtp.host)?,
        Security::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str()),
    };
    let mut builder = builder.port(smtp.port()).timeout(Some(Duration::from_secs(30)));
    if let Some((username, password)) = smtp.credentials(env)? {
        builder = builder.credentials(Credentials::new(username, password));
    }
    Ok(builder.build())
}

pub(crate) async fn send_smtp(
    outgoing: &[Outgoing],
    email: &EmailConfig,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<Vec<SentMessage>> {
    if outgoing.is_empty() {
        return Ok(Vec::new());
    }
    let mailer = transport(email, env)?;
    let server = format!("{}:{}", email.smtp.host, email.smtp.port());
    let mut sent_messages = Vec::with_capacity(outgoing.len());
    let mut failures = Vec::new();
    // One failed recipient must not keep the others from their report: go on, fail at the end.
    for o in outgoing {
        match mailer.send(o.message.clone()).await {
            Ok(_) => {
                tracing::info!(site = %o.site, to = %o.to.email, "report sent");
                sent_messages.push(sent(o, None));
            }
            Err(err) => {
                tracing::warn!(site = %o.site, to = %o.to.email, error = %err, "report not sent");
                failures.push(format!("{} to {}: {err}", o.site, o.to.email));
            }
        }
    }
    if !failures.is_empty() {
        anyhow::bail!(
            "sent {} of {} report emails through {server}; failed: {}",
            sent_messages.len(),
            outgoing.len(),
            failures.join("; ")
        );
    }
    Ok(sent_messages)
}
