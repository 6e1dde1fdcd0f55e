//! `reporter alert`: is the latest complete day (or hour) of each site, and of each of its
//! channels, outside the range its previous weeks lead to expect — and if so, what drove it?
//!
//! - `config`: the `[alerts]` thresholds.
//! - `window`: the judged window and its baseline (same weekday, or hour, of previous weeks).
//! - `tally`: sessions per site, channel and slice in a window, through the run's scan →
//!   sessionize → channel path, reading only the days a window touches.
//! - `range`: the expected range (median ± k robust standard deviations, Poisson floor).
//! - `detect`: anomalies, with the minimum-volume and minimum-change rules.
//! - `drivers`: the slices (landing page, country, device, referrer, campaign, channel) that
//!   explain an anomaly, and their share of it.
//! - `state`: anomalies already mailed (`alerts/state.json` in the store).
//! - `email`: one message per site and recipient, through the reports' delivery path.

pub mod config;
pub mod detect;
pub mod drivers;
pub mod email;
pub mod range;
pub mod state;
pub mod tally;
pub mod window;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

pub use config::AlertsConfig;
use detect::{judge, SiteVerdict};
use email::{AlertComposer, AlertMessage};
use state::AlertState;
use tally::{SiteWindow, WindowReader};
pub use window::{Granularity, Window};

use crate::config::Config;
use crate::email::send::{send_smtp, write_eml};
use crate::email::{Delivery, Outgoing};
use crate::store::Store;

pub struct AlertOptions {
    pub granularity: Granularity,
    /// The time the run judges from (the latest window complete at this time).
    pub now: DateTime<Utc>,
    /// Where new alerts go; `None` only reports them (the state is left as it was).
    pub delivery: Option<Delivery>,
}

/// One message delivered (or written).
#[derive(Debug, Clone, Serialize)]
pub struct AlertSent {
    pub site: String,
    pub to: String,
    pub subject: String,
    pub eml: Option<PathBuf>,
}

/// What an alert run found and did.
#[derive(Debug, Clone, Serialize)]
pub struct AlertOutcome {
    pub window: String,
    pub window_label: String,
    /// The baseline windows, most recent first.
    pub baseline: Vec<String>,
    pub sites: Vec<SiteVerdict>,
    /// Keys (`site|window|scope|direction`) of anomalies not alerted before.
    pub new_anomalies: Vec<String>,
    /// Keys of anomalies already alerted by an earlier run: not sent again.
    pub repeated_anomalies: Vec<String>,
    pub sent: Vec<AlertSent>,
    pub hits_read: u64,
    pub bad_objects: u64,
}

/// Judges the latest complete window and delivers what is new. `env` reads the environment
/// (the SMTP password).
pub async fn alert(
    store: &Store,
    config: &Config,
    options: &AlertOptions,
    env: impl Fn(&str) -> Option<String>,
) -> anyhow::Result<AlertOutcome> {
    config.alerts.validate().map_err(anyhow::Error::msg)?;
    store
        .check()
        .await
        .with_context(|| format!("cannot open store {}", store.describe()))?;
    let mut reader = WindowReader::new(store, config)?;
    let target = Window::latest_complete(options.granularity, options.now.timestamp_millis(), reader.zones());
    let windows: Vec<Window> = (0..=config.alerts.baseline_weeks)
        .map(|w| target.weeks_back(w))
        .collect();
    let mut read: Vec<BTreeMap<String, SiteWindow>> = Vec::with_capacity(windows.len());
    for &window in &windows {
        tracing::info!(window = %window.id(), "reading");
        read.push(reader.read(window).await?);
    }
    let sites: BTreeSet<&String> = read.iter().flat_map(|w| w.keys()).collect();
    let verdicts: Vec<SiteVerdict> = sites
        .into_iter()
        .map(|site| {
            let per_window: Vec<SiteWindow> = read.iter().map(|w| w.get(site).cloned().unwrap_or_default()).collect();
            judge(site, &per_window, &config.alerts)
        })
        .collect();

    let granularity = match options.granularity {
        Granularity::Day => "day",
        Granularity::Hour => "hour",
    };
    let window_id = format!("{granularity}:{}", target.id());
    let mut state = AlertState::load(store).await?;
    let mut new_anomalies = Vec::new();
    let mut repeated_anomalies = Vec::new();
    // Per site: its new anomalies (index into the verdict) and their keys.
    let mut fresh: Vec<(usize, Vec<usize>, Vec<String>)> = Vec::new();
    for (v, verdict) in verdicts.iter().enumerate() {
        let mut picked = (v, Vec::new(), Vec::new());
        for (a, anomaly) in verdict.anomalies.iter().enumerate() {
            let key = AlertState::key(&verdict.site, &window_id, anomaly.scope(), anomaly.direction.as_str());
            if state.contains(&key) {
                repeated_anomalies.push(key);
            } else {
                new_anomalies.push(key.clone());
                picked.1.push(a);
                picked.2.push(key);
            }
        }
        if !picked.1.is_empty() {
            fresh.push(picked);
        }
    }

    let mut sent = Vec::new();
    if let Some(delivery) = &options.delivery {
        let composer = AlertComposer::new()?;
        let label = target.label();
        let mut outgoing: Vec<Outgoing> = Vec::new();
        let mut delivered_keys = Vec::new();
        for (v, picked, keys) in &fresh {
            let anomalies: Vec<_> = picked.iter().map(|&a| verdicts[*v].anomalies[a].clone()).collect();
            let message = AlertMessage {
                site: &verdicts[*v].site,
                window_label: &label,
                hourly: options.granularity == Granularity::Hour,
                k: config.alerts.k,
                anomalies: &anomalies,
            };
            let messages = composer.messages(&message, config)?;
            if messages.is_empty() {
                tracing::warn!(site = %verdicts[*v].site, "anomalies found, but the site has no recipients");
                continue;
            }
            outgoing.extend(messages);
            delivered_keys.extend(keys.iter().cloned());
        }
        let delivered = match delivery {
            Delivery::EmlDir(dir) => write_eml(&outgoing, dir, "alert--")?,
            Delivery::Smtp => send_smtp(&outgoing, &config.email, env).await?,
        };
        sent = delivered
            .into_iter()
            .map(|m| AlertSent {
                site: m.site,
                to: m.to,
                subject: m.subject,
                eml: m.eml,
            })
            .collect();
        if !delivered_keys.is_empty() {
            let now = Utc::now();
            for key in delivered_keys {
                state.record(key, now);
            }
            state.save(store, now).await?;
        }
    }
    Ok(AlertOutcome {
        window: window_id,
        window_label: target.label(),
        baseline: windows.iter().skip(1).map(Window::id).collect(),
        sites: verdicts,
        new_anomalies,
        repeated_anomalies,
        sent,
        hits_read: reader.hits_read,
        bad_objects: reader.bad_objects,
    })
}
