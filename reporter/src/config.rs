//! `hitflow.toml`: sites and their time zones, session rules, goals, funnels, channel rules and
//! technical-issue signals. Every field has a default, so an empty file (or none) is valid.

use std::path::Path;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::channels::ChannelsConfig;
use crate::pattern::Pattern;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// Per-site settings; sites seen in the data but not listed use the defaults (UTC).
    pub sites: Vec<SiteConfig>,
    pub sessions: SessionConfig,
    /// Conversions: each goal is an event name or a page-path pattern.
    pub goals: Vec<GoalConfig>,
    /// Ordered steps whose drop-off is reported.
    pub funnels: Vec<FunnelConfig>,
    pub channels: ChannelsConfig,
    pub technical: TechnicalConfig,
    /// Behaviour rules that flag sessions no person produces (`automation`).
    pub automation: crate::automation::AutomationConfig,
    pub report: ReportConfig,
    /// Email reports: sender, SMTP server, link base of the hosted report (recipients are per site).
    pub email: crate::email::EmailConfig,
    /// `reporter alert`: baseline, range width and minimum volume of anomaly alerts.
    pub alerts: crate::alerts::AlertsConfig,
    /// Dated notes drawn on the daily charts and listed in the reports (`annotations`).
    pub annotations: Vec<crate::annotations::AnnotationConfig>,
    /// Named slices of a site's sessions, each with its own full report (`segments`).
    pub segments: Vec<crate::segments::SegmentConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    /// The site name as the collector stores it (`site` column).
    pub name: String,
    /// IANA time zone of the site's reports: periods, days, hours and the midnight split.
    #[serde(default = "utc")]
    pub timezone: Tz,
    /// Report email recipients (used by email reports).
    #[serde(default)]
    pub recipients: Vec<String>,
}

fn utc() -> Tz {
    Tz::UTC
}

/// The session definition. Defaults follow the common analytics definition (GA, Plausible).
#[derive(Debug, Clone, PartialEq, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A gap longer than this between two hits of a visitor starts a new session.
    pub inactivity_timeout_minutes: u32,
    /// A session longer than this is cut and a new one starts.
    pub max_length_hours: u32,
    /// Start a new session at midnight in the site's time zone.
    pub split_at_midnight: bool,
    /// Start a new session when the traffic source changes mid-visit (new campaign / UTM, or an
    /// external referrer that is not excluded).
    pub split_on_source_change: bool,
    /// Start a new session when the tracker reports a new browser session (`entry` flag).
    pub split_on_browser_close: bool,
    /// Sessions shorter than this count as "very short".
    pub very_short_seconds: u32,
    /// GA4's engaged-session threshold: engaged when longer than this (or ≥ 2 pageviews, or a
    /// conversion).
    pub engaged_seconds: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            inactivity_timeout_minutes: 30,
            max_length_hours: 24,
            split_at_midnight: false,
            split_on_source_change: false,
            split_on_browser_close: false,
            very_short_seconds: 5,
            engaged_seconds: 10,
        }
    }
}

/// A conversion goal: exactly one of `event` or `path`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GoalConfig {
    pub name: String,
    /// Custom event name, e.g. `signup`.
    pub event: Option<String>,
    /// Page-path pattern, `*` matches any run of characters, e.g. `/thank-you*`.
    pub path: Option<Pattern>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelConfig {
    pub name: String,
    /// Steps in order; each is an event name or a page-path pattern (like goals).
    pub steps: Vec<StepConfig>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepConfig {
    #[serde(default)]
    pub name: Option<String>,
    pub event: Option<String>,
    pub path: Option<Pattern>,
}

/// What marks a session that ended abnormally.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TechnicalConfig {
    /// Event names the site sends for errors.
    pub error_events: Vec<String>,
    /// Path patterns of the site's not-found page.
    pub not_found_paths: Vec<Pattern>,
    /// A browser / OS / landing page is flagged when its share of very short sessions is at least
    /// this many times the site's share, with at least `min_sessions` sessions.
    pub short_session_lift: f64,
    pub min_sessions: u64,
}

impl Default for TechnicalConfig {
    fn default() -> Self {
        TechnicalConfig {
            error_events: vec!["error".into(), "js_error".into(), "404".into()],
            not_found_paths: vec![Pattern::new("/404*"), Pattern::new("*/not-found*")],
            short_session_lift: 1.5,
            min_sessions: 30,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReportConfig {
    /// Rows kept in each top list (pages, sources, countries, ...).
    pub top: usize,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig { top: 20 }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // Not named `source`: the message holds it, and a source would print it a second time in
    // an error chain (`error: cannot read config x: No such file … : No such file …`).
    #[error("cannot read config {path}: {error}")]
    Read { path: String, error: std::io::Error },
    #[error("config {path} is invalid: {message}")]
    Invalid { path: String, message: String },
}

impl Config {
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|error| ConfigError::Read {
            path: path.display().to_string(),
            error,
        })?;
        Self::parse(&text).map_err(|message| ConfigError::Invalid {
            path: path.display().to_string(),
            message,
        })
    }

    pub fn parse(text: &str) -> Result<Self, String> {
        let config: Config = toml::from_str(text).map_err(|e| e.to_string())?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), String> {
        let s = &self.sessions;
        if s.inactivity_timeout_minutes == 0 || s.max_length_hours == 0 {
            return Err("sessions.inactivity_timeout_minutes and sessions.max_length_hours must be > 0".into());
        }
        for goal in &self.goals {
            if goal.event.is_some() == goal.path.is_some() {
                return Err(format!("goal `{}` needs exactly one of `event` or `path`", goal.name));
            }
        }
        for funnel in &self.funnels {
            if funnel.steps.len() < 2 {
                return Err(format!("funnel `{}` needs at least two steps", funnel.name));
            }
            if funnel
                .steps
                .iter()
                .any(|step| step.event.is_some() == step.path.is_some())
            {
                return Err(format!(
                    "every step of funnel `{}` needs exactly one of `event` or `path`",
                    funnel.name
                ));
            }
        }
        let mut names: Vec<&str> = self.sites.iter().map(|site| site.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err("a site is listed twice under [[sites]]".into());
        }
        self.email.validate().map_err(|e| e.to_string())?;
        self.alerts.validate()?;
        crate::segments::validate(&self.segments)?;
        Ok(())
    }

    /// The time zone of a site (UTC when the site is not configured).
    pub fn timezone(&self, site: &str) -> Tz {
        self.sites
            .iter()
            .find(|s| s.name == site)
            .map(|s| s.timezone)
            .unwrap_or(Tz::UTC)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_config_has_documented_defaults() {
        let config = Config::parse("").unwrap();
        assert_eq!(config.sessions.inactivity_timeout_minutes, 30);
        assert_eq!(config.sessions.max_length_hours, 24);
        assert_eq!(config.timezone("example.com"), Tz::UTC);
    }

    #[test]
    fn full_config_parses() {
        let config = Config::parse(
            r#"
            [[sites]]
            name = "example.com"
            timezone = "Europe/Berlin"
            [sessions]
            inactivity_timeout_minutes = 15
            split_on_source_change = true
            [[goals]]
            name = "Signup"
            event = "signup"
            [[goals]]
            name = "Thanks"
            path = "/thank-you*"
            [[funnels]]
            name = "Checkout"
            steps = [{ path = "/pricing" }, { event = "purchase" }]
            "#,
        )
        .unwrap();
        assert_eq!(config.timezone("example.com"), chrono_tz::Europe::Berlin);
        assert_eq!(config.goals.len(), 2);
        assert!(config.sessions.split_on_source_change);
    }

    #[test]
    fn the_example_config_is_valid() {
        let config = Config::parse(include_str!("../../hitflow.example.toml")).unwrap();
        assert_eq!(config.sites.len(), 2);
        assert_eq!(config.funnels[0].steps.len(), 3);
        assert_eq!((config.annotations.len(), config.segments.len()), (2, 2));
    }

    #[test]
    fn bad_configs_are_refused_with_a_reason() {
        for (text, needle) in [
            ("[sessions]\ninactivity_timeout_minutes = 0", "must be > 0"),
            ("[[goals]]\nname = \"x\"", "exactly one"),
            ("[[goals]]\nname = \"x\"\nevent = \"a\"\npath = \"/b\"", "exactly one"),
            ("[[funnels]]\nname = \"f\"\nsteps = [{ event = \"a\" }]", "at least two"),
            ("[[sites]]\nname = \"a\"\ntimezone = \"Mars/Olympus\"", "Mars/Olympus"),
            ("[[sites]]\nname = \"a\"\n[[sites]]\nname = \"a\"", "twice"),
            ("unknown_key = 1", "unknown"),
        ] {
            let err = Config::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
        }
    }
}
