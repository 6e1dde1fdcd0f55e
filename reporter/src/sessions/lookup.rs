//! Per-run lookups computed once per distinct value, before the parallel sessionizer runs:
//! attribution and channel per `SourceIds` tuple (campaign fields, referrer, host; internal referrers
//! resolved), each site's time zone, and bit masks telling which goals, funnel steps and error
//! signals an event name or a path hits.

use chrono_tz::Tz;

use super::session::Session;
use crate::channels::{ChannelConfigError, ChannelRules, Touch as ChannelTouch};
use crate::config::Config;
use crate::rows::{
    Tables, SOURCE_CLICK_ID, SOURCE_REF, SOURCE_REFERRER, SOURCE_URL_HOST, SOURCE_UTM_CAMPAIGN, SOURCE_UTM_CONTENT,
    SOURCE_UTM_MEDIUM, SOURCE_UTM_SOURCE, SOURCE_UTM_TERM,
};

/// Bit of `Masks` for a hit that is an error signal (event) or a not-found page (path).
pub const TECH_BIT: u64 = 1 << 63;
/// Most goals + funnel steps one config may have (one bit each, one bit for errors).
pub const MAX_MASK_BITS: usize = 63;

/// The attribution of a pageview's source tuple.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub source: u32,
    pub medium: u32,
    pub campaign: u32,
    pub term: u32,
    pub content: u32,
    pub channel: u32,
    /// Referrer host as stored (0 = none).
    pub referrer: u32,
    /// Direct (no campaign, no external referrer): never splits a session.
    pub direct: bool,
}

/// Why a config cannot be looked up with.
#[derive(Debug, thiserror::Error)]
pub enum LookupError {
    #[error("invalid [channels] config")]
    Channels(#[source] ChannelConfigError),
    #[error("at most {MAX_MASK_BITS} goals and funnel steps together are supported")]
    TooManyMasks,
}

/// Built once per run from its config (`new`), then extended as new strings and tuples are
/// interned (`prepare`).
#[derive(Debug)]
pub struct Lookup {
    pub rules: ChannelRules,
    /// The goals, funnels, technical signals and site time zones the masks come from.
    config: Config,
    /// Attribution per source tuple id (`Session::attr` is one).
    attrs: Vec<Attr>,
    /// Goal / funnel / error bits per string id, as an event name and as a path.
    event_masks: Vec<u64>,
    path_masks: Vec<u64>,
    /// Time zone per string id, for the ids that are site names (UTC for the rest).
    time_zones: Vec<Tz>,
    /// Event-name ids of pageviews and engagement beacons.
    pub pageview: u32,
    pub engagement: u32,
    pub goal_count: usize,
    /// (first bit, step count) per funnel.
    pub funnels: Vec<(usize, usize)>,
    /// The suspected-automation rules and what each path and network is to them.
    pub automation: crate::automation::Detector,
}

impl Lookup {
    pub fn new(config: &Config, tables: &mut Tables) -> Result<Self, LookupError> {
        let rules = ChannelRules::from_config(&config.channels).map_err(LookupError::Channels)?;
        let steps: usize = config.funnels.iter().map(|f| f.steps.len()).sum();
        if config.goals.len() + steps > MAX_MASK_BITS {
            return Err(LookupError::TooManyMasks);
        }
        let mut funnels = Vec::new();
        let mut bit = config.goals.len();
        for funnel in &config.funnels {
            funnels.push((bit, funnel.steps.len()));
            bit += funnel.steps.len();
        }
        Ok(Lookup {
            rules,
            config: config.clone(),
            attrs: Vec::new(),
            event_masks: Vec::new(),
            path_masks: Vec::new(),
            time_zones: Vec::new(),
            pageview: tables.strings.intern(hitflow_schema::EVENT_PAGEVIEW),
            engagement: tables.strings.intern(hitflow_schema::EVENT_ENGAGEMENT),
            goal_count: config.goals.len(),
            funnels,
            automation: crate::automation::Detector::new(&config.automation),
        })
    }

    /// Attribution of a source tuple id (0, the empty tuple, is direct).
    pub fn attr(&self, source: u32) -> &Attr {
        // `prepare` covers every interned tuple; the fallback only guards misuse.
        self.attrs
            .get(source as usize)
            .or(self.attrs.first())
            .unwrap_or(&DIRECT)
    }

    pub fn event_mask(&self, event: u32) -> u64 {
        self.event_masks.get(event as usize).copied().unwrap_or(0)
    }

    pub fn path_mask(&self, path: u32) -> u64 {
        self.path_masks.get(path as usize).copied().unwrap_or(0)
    }

    /// Whether a session counts as a person's: not a bot by the collector's verdict, and not
    /// suspected automation when the config excludes that from human figures.
    pub fn counts_as_human(&self, s: &Session) -> bool {
        !(s.is_bot || (s.automation.is_some() && self.automation.exclude_from_human))
    }

    /// Time zone of a site (by its string id).
    pub fn site_tz(&self, site: u32) -> Tz {
        self.time_zones.get(site as usize).copied().unwrap_or(Tz::UTC)
    }

    /// Computes what the tables hold that is not known yet. Sequential and cheap: the work is
    /// per distinct string and source tuple, never per row.
    pub fn prepare(&mut self, tables: &mut Tables) {
        self.prepare_strings(tables);
        for source in self.attrs.len()..tables.sources.len() {
            let attr = self.attribute(source as u32, tables);
            self.attrs.push(attr);
        }
        // Attribution interns source, medium, campaign and channel names.
        self.prepare_strings(tables);
        self.automation.prepare(tables);
    }

    fn attribute(&self, source: u32, tables: &mut Tables) -> Attr {
        let t = tables.sources.get(source);
        let s = &tables.strings;
        let opt = |slot: usize| (t[slot] != 0).then(|| s.get(t[slot]));
        let touch_view = ChannelTouch {
            url_host: s.get(t[SOURCE_URL_HOST]),
            referrer_host: opt(SOURCE_REFERRER),
            utm_source: opt(SOURCE_UTM_SOURCE),
            utm_medium: opt(SOURCE_UTM_MEDIUM),
            utm_campaign: opt(SOURCE_UTM_CAMPAIGN),
            ref_param: opt(SOURCE_REF),
            click_id_kind: opt(SOURCE_CLICK_ID),
        };
        let click = touch_view.click_id_kind.map(str::to_owned);
        let attribution = self.rules.attribute(&touch_view);
        let channel = self.rules.classify(&attribution, click.as_deref()).to_owned();
        let direct = attribution.source == "(direct)";
        let strings = &mut tables.strings;
        Attr {
            source: strings.intern(&attribution.source),
            medium: strings.intern(&attribution.medium),
            campaign: strings.intern(attribution.campaign.as_deref().unwrap_or("")),
            term: t[SOURCE_UTM_TERM],
            content: t[SOURCE_UTM_CONTENT],
            channel: strings.intern(&channel),
            referrer: t[SOURCE_REFERRER],
            direct,
        }
    }

    /// Goal / funnel / error bits and the time zone for every string interned since the last call.
    fn prepare_strings(&mut self, tables: &Tables) {
        let config = &self.config;
        for id in self.event_masks.len()..tables.strings.len() {
            let value = tables.strings.get(id as u32);
            let (mut event_mask, mut path_mask) = (0u64, 0u64);
            for (bit, goal) in config.goals.iter().enumerate() {
                if goal.event.as_deref() == Some(value) {
                    event_mask |= 1 << bit;
                }
                if goal.path.as_ref().is_some_and(|p| p.matches(value)) {
                    path_mask |= 1 << bit;
                }
            }
            let mut bit = config.goals.len();
            for funnel in &config.funnels {
                for step in &funnel.steps {
                    if step.event.as_deref() == Some(value) {
                        event_mask |= 1 << bit;
                    }
                    if step.path.as_ref().is_some_and(|p| p.matches(value)) {
                        path_mask |= 1 << bit;
                    }
                    bit += 1;
                }
            }
            if config.technical.error_events.iter().any(|e| e == value) {
                event_mask |= TECH_BIT;
            }
            if config.technical.not_found_paths.iter().any(|p| p.matches(value)) {
                path_mask |= TECH_BIT;
            }
            self.event_masks.push(event_mask);
            self.path_masks.push(path_mask);
            self.time_zones.push(config.timezone(value));
        }
    }
}

const DIRECT: Attr = Attr {
    source: 0,
    medium: 0,
    campaign: 0,
    term: 0,
    content: 0,
    channel: 0,
    referrer: 0,
    direct: true,
};
