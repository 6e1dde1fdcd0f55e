//! `[automation]` in `hitflow.toml`: the thresholds of the behaviour rules (glossary:
//! "Suspected automation") and whether flagged sessions stay out of the human figures.

use serde::{Deserialize, Serialize};

use crate::pattern::Pattern;

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct AutomationConfig {
    /// Keep suspected-automation sessions out of every human figure (they are still counted in
    /// the bot ledger). `false` only flags them.
    pub exclude_from_human: bool,
    /// `fast_pages`: a session trips when its median gap between pageviews is below this...
    pub fast_median_gap_seconds: f64,
    /// ... over at least this many pageviews (a reader may open a few pages quickly).
    pub fast_min_pageviews: u32,
    /// `many_pages`: this many pageviews in one session.
    pub many_pageviews: u32,
    /// `probe_paths`: every pageview is a probe path (`data/automation/probe_paths.txt` plus
    /// `extra_probe_paths`), and there are at least this many.
    pub probe_min_pageviews: u32,
    /// More probe-path patterns (`*` wildcards, as goal paths).
    pub extra_probe_paths: Vec<Pattern>,
    /// `hosting_no_beacon`: the landing pageview came from a hosting network
    /// (`data/automation/hosting_as_orgs.txt` plus `extra_hosting_as_orgs`), at least this many
    /// pageviews came from the JavaScript tracker, and not one engagement beacon followed.
    pub hosting_min_pageviews: u32,
    /// More AS-organisation name fragments (case-insensitive) counted as hosting networks.
    pub extra_hosting_as_orgs: Vec<String>,
}

impl Default for AutomationConfig {
    fn default() -> Self {
        AutomationConfig {
            exclude_from_human: true,
            fast_median_gap_seconds: 2.0,
            fast_min_pageviews: 10,
            many_pageviews: 200,
            probe_min_pageviews: 2,
            extra_probe_paths: Vec::new(),
            hosting_min_pageviews: 3,
            extra_hosting_as_orgs: Vec::new(),
        }
    }
}
