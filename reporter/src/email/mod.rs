//! Email reports: one message per (site, recipient) with the period's key figures, as an
//! HTML part built for Gmail and Outlook (tables and inline styles only) and a text/plain part
//! with the same figures, sent over SMTP or written as `.eml` files.
//!
//! - `config`: the `[email]` section.
//! - `compose`: report → view → subject, text and HTML (Tera templates in `templates/email/`).
//! - `headers`: guards for every header-bound string (no CR/LF, addresses through lettre).
//! - `send`: lettre messages, SMTP delivery or `.eml` files.

pub mod compose;
pub mod config;
pub mod format;
pub mod headers;
pub mod ledger_line;
pub mod send;

pub use compose::{ComposedEmail, Composer};
pub use config::{EmailConfig, Security, SmtpConfig};
pub use send::{check_delivery, prepare, send_reports, send_reports_with, Delivery, Outgoing, SentMessage};

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("{field} contains {what}, which could inject mail headers: \"{value}\"")]
    HeaderInjection {
        field: String,
        value: String,
        what: &'static str,
    },
    #[error("{field}: \"{value}\" is not a valid email address ({reason})")]
    Address {
        field: String,
        value: String,
        reason: String,
    },
    #[error("email config: {0}")]
    Config(String),
    #[error("email template {template}: {message}")]
    Template { template: String, message: String },
    #[error("cannot build the message for site {site}: {message}")]
    Build { site: String, message: String },
}
