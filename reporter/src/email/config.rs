//! The `[email]` section of `hitflow.toml`. Recipients are per site (`[[sites]] recipients`).
//!
//! ```toml
//! [email]
//! from = "hitflow reports <reports@example.com>"
//! site_url = "https://reports.example.com"
//! [email.smtp]
//! host = "smtp.example.com"
//! port = 587                       # default: 587 starttls, 465 tls, 25 none
//! security = "starttls"            # "starttls" | "tls" | "none"
//! username = "reports@example.com"
//! password_env = "SMTP_PASSWORD"   # else HITFLOW_SMTP_PASSWORD
//! ```

use serde::Deserialize;

use super::headers::{check_header_value, parse_mailbox};
use super::EmailError;

/// Env var read for the SMTP password when `smtp.password_env` is not set.
pub const DEFAULT_PASSWORD_ENV: &str = "HITFLOW_SMTP_PASSWORD";

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EmailConfig {
    /// Sender of the reports, `Name <address>` or `address`.
    pub from: String,
    /// URL of the published report site's root (the folder `reporter run --out` renders, as
    /// `reporter publish` uploads it, e.g. `https://collector.example.com/reports`); each email
    /// links to the site's overview below it: `periods/<from>_<to>/<site-slug>/index.html`.
    pub site_url: Option<String>,
    pub smtp: SmtpConfig,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// SMTP server host name.
    pub host: String,
    /// Server port; defaults by `security`: 587 (starttls), 465 (tls), 25 (none).
    pub port: Option<u16>,
    pub security: Security,
    /// Login for SMTP AUTH; no authentication when unset.
    pub username: Option<String>,
    /// Name of the environment variable holding the password (`HITFLOW_SMTP_PASSWORD` when
    /// unset). Passwords never live in the config file.
    pub password_env: Option<String>,
}

/// How the connection to the SMTP server is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain connection upgraded with STARTTLS; refuses to go on without it.
    #[default]
    Starttls,
    /// TLS from the first byte (SMTPS, "implicit TLS").
    Tls,
    /// No encryption: only for a relay on localhost or a trusted network.
    None,
}

impl SmtpConfig {
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            Security::Starttls => 587,
            Security::Tls => 465,
            Security::None => 25,
        })
    }

    /// (username, password) when authentication is configured. The password comes from the
    /// environment, read through `env` so tests need not touch the process environment.
    pub fn credentials(&self, env: impl Fn(&str) -> Option<String>) -> Result<Option<(String, String)>, EmailError> {
        let Some(username) = &self.username else {
            return Ok(None);
        };
        let var = self.password_env.as_deref().unwrap_or(DEFAULT_PASSWORD_ENV);
        match env(var) {
            Some(password) if !password.is_empty() => Ok(Some((username.clone(), password))),
            _ => Err(EmailError::Config(format!(
                "email.smtp.username is set but the password variable {var} is empty or not set"
            ))),
        }
    }
}

impl EmailConfig {
    /// Checks what can be checked without sending: call it when loading the config so a bad
    /// address fails the run before any work is done.
    pub fn validate(&self) -> Result<(), EmailError> {
        if !self.from.is_empty() {
            parse_mailbox("email.from", &self.from)?;
        }
        if let Some(url) = &self.site_url {
            check_site_url(url)?;
        }
        check_header_value("email.smtp.host", &self.smtp.host)?;
        if self.smtp.host.chars().any(char::is_whitespace) {
            return Err(EmailError::Config(format!(
                "email.smtp.host `{}` contains whitespace",
                self.smtp.host
            )));
        }
        if self.smtp.port == Some(0) {
            return Err(EmailError::Config("email.smtp.port must be > 0".into()));
        }
        if let Some(username) = &self.smtp.username {
            check_header_value("email.smtp.username", username)?;
        }
        Ok(())
    }

    /// The link to `page` (a path below the report site's root, from
    /// `crate::site::site_page`), when `site_url` is set.
    pub fn report_url(&self, page: &str) -> Option<String> {
        let base = self.site_url.as_deref()?;
        let path: Vec<String> = page.split('/').map(encode_path_segment).collect();
        Some(format!("{}/{}", base.trim_end_matches('/'), path.join("/")))
    }
}

/// Only absolute http(s) URLs without whitespace, quotes or angle brackets: the URL goes into an
/// `href` and into plain text, where anything else could end the link early.
fn check_site_url(url: &str) -> Result<(), EmailError> {
    let lower = url.to_ascii_lowercase();
    let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
    let chars_ok = !url
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '<' | '>' | '`' | '\\'));
    if scheme_ok && chars_ok && url.len() > "https://".len() {
        Ok(())
    } else {
        Err(EmailError::Config(format!(
            "email.site_url `{}` must be an absolute http(s) URL without spaces or quotes",
            url.escape_debug()
        )))
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so each part of a path is one
/// segment whatever it contains.
fn encode_path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<EmailConfig, toml::de::Error> {
        toml::from_str(text)
    }

    #[test]
    fn full_section_parses_with_defaults_filled_in() {
        let config = parse(
            r#"
            from = "hitflow <reports@example.com>"
            site_url = "https://reports.example.com/"
            [smtp]
            host = "smtp.example.com"
            security = "tls"
            username = "reports"
            password_env = "MY_PASS"
            "#,
        )
        .expect("valid section");
        assert_eq!(config.smtp.security, Security::Tls);
        assert_eq!(config.smtp.port(), 465);
        assert_eq!(
            config
                .report_url("periods/2026-11-16_2026-11-22/example-com/index.html")
                .as_deref(),
            Some("https://reports.example.com/periods/2026-11-16_2026-11-22/example-com/index.html")
        );
        config.validate().expect("valid");
        assert_eq!(EmailConfig::default().smtp.port(), 587);
        assert_eq!(EmailConfig::default().smtp.security, Security::Starttls);
    }

    #[test]
    fn unknown_fields_and_securities_are_refused() {
        assert!(parse("form = \"x@example.com\"").is_err());
        assert!(parse("[smtp]\nsecurity = \"ssl\"").is_err());
        assert!(parse("[smtp]\npassword = \"in the file\"").is_err());
    }

    #[test]
    fn password_comes_from_the_named_or_default_variable() {
        let mut smtp = SmtpConfig {
            username: Some("u".into()),
            ..SmtpConfig::default()
        };
        let env = |name: &str| (name == DEFAULT_PASSWORD_ENV).then(|| "secret".to_owned());
        assert_eq!(
            smtp.credentials(env).expect("default var"),
            Some(("u".into(), "secret".into()))
        );
        smtp.password_env = Some("OTHER".into());
        let err = smtp.credentials(env).expect_err("OTHER is not set");
        assert!(err.to_string().contains("OTHER"), "{err}");
        smtp.username = None;
        assert_eq!(smtp.credentials(env).expect("no auth"), None);
    }

    #[test]
    fn site_urls_are_checked_and_site_names_encoded() {
        for bad in [
            "javascript:alert(1)",
            "reports.example.com",
            "https://x.com/\" onmouseover=\"x",
            "https://a b",
            "https://x.com/\r\nBcc: e@x.com",
        ] {
            let config = EmailConfig {
                site_url: Some(bad.into()),
                ..EmailConfig::default()
            };
            assert!(config.validate().is_err(), "{bad}");
        }
        let config = EmailConfig {
            site_url: Some("https://r.example.com/reports/".into()),
            ..EmailConfig::default()
        };
        assert_eq!(
            config.report_url("periods/x y/index.html").as_deref(),
            Some("https://r.example.com/reports/periods/x%20y/index.html")
        );
    }
}
