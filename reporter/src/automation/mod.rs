//! Suspected automation: sessions no person produces, recognised after the fact from their
//! behaviour. UA lists (the collector's `is_bot`) cannot catch a script that sends a browser's
//! User-Agent; the reporter sees whole sessions and can. One file per rule; each rule looks at a
//! session's `Trace` and its thresholds in `[automation]` (glossary: "Suspected automation").
//! Rules are checked in `RULES` order and the first that trips gives the session's reason.

pub mod config;
mod fast_pages;
mod hosting_no_beacon;
mod many_pages;
mod probe_paths;
#[cfg(test)]
mod tests;

use rustc_hash::FxHashMap;

pub use config::AutomationConfig;

use crate::pattern::Pattern;
use crate::rows::{Tables, CLIENT_AS_ORG};

const PROBE_PATHS: &str = include_str!("../../data/automation/probe_paths.txt");
const HOSTING_AS_ORGS: &str = include_str!("../../data/automation/hosting_as_orgs.txt");

/// Why a session is suspected automation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum Reason {
    ProbePaths,
    ManyPages,
    FastPages,
    HostingNoBeacon,
}

impl Reason {
    pub const ALL: [Reason; 4] = [
        Reason::ProbePaths,
        Reason::ManyPages,
        Reason::FastPages,
        Reason::HostingNoBeacon,
    ];

    /// The reason as the ledger and report.json name it, beside the collector's `bot_reason`s.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ProbePaths => "automation:probe-paths",
            Reason::ManyPages => "automation:many-pages",
            Reason::FastPages => "automation:fast-pages",
            Reason::HostingNoBeacon => "automation:hosting-no-beacon",
        }
    }
}

type Rule = fn(&Trace, &Thresholds) -> bool;

/// Check order: the most specific evidence first.
const RULES: [(Reason, Rule); 4] = [
    (Reason::ProbePaths, probe_paths::trips),
    (Reason::ManyPages, many_pages::trips),
    (Reason::FastPages, fast_pages::trips),
    (Reason::HostingNoBeacon, hosting_no_beacon::trips),
];

/// `AutomationConfig` in the units the rules compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    pub fast_gap_ms: i64,
    pub fast_min_pageviews: u32,
    pub many_pageviews: u32,
    pub probe_min_pageviews: u32,
    pub hosting_min_pageviews: u32,
}

impl From<&AutomationConfig> for Thresholds {
    fn from(c: &AutomationConfig) -> Self {
        Thresholds {
            fast_gap_ms: (c.fast_median_gap_seconds.max(0.0) * 1000.0) as i64,
            fast_min_pageviews: c.fast_min_pageviews,
            many_pageviews: c.many_pageviews,
            probe_min_pageviews: c.probe_min_pageviews,
            hosting_min_pageviews: c.hosting_min_pageviews,
        }
    }
}

/// What the rules see of a session, counted as its hits arrive: no allocation per session.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Trace {
    pub pageviews: u32,
    /// Gaps between consecutive pageviews shorter than `Thresholds::fast_gap_ms`: the median gap
    /// is below the threshold exactly when at least half the gaps are (see `fast_pages`).
    pub fast_gaps: u32,
    pub probe_pageviews: u32,
    /// Pageviews sent by the JavaScript tracker (which also sends engagement beacons).
    pub tracker_pageviews: u32,
    pub beacons: u32,
    /// The landing pageview came from a hosting network.
    pub hosting: bool,
    last_pageview: Option<i64>,
}

impl Trace {
    pub fn pageview(&mut self, ts: i64, probe: bool, tracker: bool, fast_gap_ms: i64) {
        if let Some(last) = self.last_pageview {
            self.fast_gaps += u32::from(ts - last < fast_gap_ms);
        }
        self.last_pageview = Some(ts);
        self.pageviews += 1;
        self.probe_pageviews += u32::from(probe);
        self.tracker_pageviews += u32::from(tracker);
    }

    pub fn beacon(&mut self) {
        self.beacons += 1;
    }
}

/// The rules with their thresholds and lists, and what each interned value is to them.
#[derive(Debug)]
pub struct Detector {
    pub thresholds: Thresholds,
    pub exclude_from_human: bool,
    probe_paths: Vec<Pattern>,
    hosting_orgs: Vec<String>,
    not_hosting_orgs: Vec<String>,
    /// Per string id: a probe path.
    probe: Vec<bool>,
    /// Per `ClientIds` id: the AS organisation is a hosting network.
    hosting_clients: Vec<bool>,
    hosting_org_ids: FxHashMap<u32, bool>,
}

/// Non-comment lines of a data file.
fn data_lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

impl Detector {
    pub fn new(config: &AutomationConfig) -> Self {
        let probe_paths = data_lines(PROBE_PATHS)
            .map(Pattern::new)
            .chain(config.extra_probe_paths.iter().cloned())
            .collect();
        let (mut hosting_orgs, mut not_hosting_orgs) = (Vec::new(), Vec::new());
        let extra = config.extra_hosting_as_orgs.iter().map(String::as_str);
        for line in data_lines(HOSTING_AS_ORGS).chain(extra) {
            match line.strip_prefix('!') {
                Some(excluded) => not_hosting_orgs.push(excluded.to_lowercase()),
                None => hosting_orgs.push(line.to_lowercase()),
            }
        }
        Detector {
            thresholds: Thresholds::from(config),
            exclude_from_human: config.exclude_from_human,
            probe_paths,
            hosting_orgs,
            not_hosting_orgs,
            probe: Vec::new(),
            hosting_clients: Vec::new(),
            hosting_org_ids: FxHashMap::default(),
        }
    }

    /// The lists the rules use: probe-path patterns, hosting AS-organisation fragments and the
    /// fragments that are never hosting (all lowercase but the patterns).
    pub(crate) fn lists(&self) -> (&[Pattern], &[String], &[String]) {
        (&self.probe_paths, &self.hosting_orgs, &self.not_hosting_orgs)
    }

    /// A hosting network by AS organisation name; relays of ordinary people never are.
    pub fn is_hosting_org(&self, as_org: &str) -> bool {
        let org = as_org.to_lowercase();
        !self.not_hosting_orgs.iter().any(|n| org.contains(n.as_str()))
            && self.hosting_orgs.iter().any(|h| org.contains(h.as_str()))
    }

    pub fn is_probe_path_str(&self, path: &str) -> bool {
        self.probe_paths.iter().any(|p| p.matches(path))
    }

    /// Classifies the strings and client tuples interned since the last call (per distinct value,
    /// never per row).
    pub fn prepare(&mut self, tables: &Tables) {
        for id in self.probe.len()..tables.strings.len() {
            let probe = self.is_probe_path_str(tables.strings.get(id as u32));
            self.probe.push(probe);
        }
        for id in self.hosting_clients.len()..tables.clients.len() {
            let org = tables.clients.get(id as u32)[CLIENT_AS_ORG];
            let hosting = match self.hosting_org_ids.get(&org) {
                Some(&h) => h,
                None => {
                    let h = org != 0 && self.is_hosting_org(tables.strings.get(org));
                    self.hosting_org_ids.insert(org, h);
                    h
                }
            };
            self.hosting_clients.push(hosting);
        }
    }

    pub fn is_probe_path(&self, path: u32) -> bool {
        self.probe.get(path as usize).copied().unwrap_or(false)
    }

    pub fn is_hosting(&self, client: u32) -> bool {
        self.hosting_clients.get(client as usize).copied().unwrap_or(false)
    }

    /// The first rule the session trips.
    pub fn judge(&self, trace: &Trace) -> Option<Reason> {
        judge(trace, &self.thresholds)
    }
}

pub fn judge(trace: &Trace, thresholds: &Thresholds) -> Option<Reason> {
    RULES
        .iter()
        .find(|(_, trips)| trips(trace, thresholds))
        .map(|&(reason, _)| reason)
}
