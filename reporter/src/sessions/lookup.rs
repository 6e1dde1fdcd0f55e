//! Per-run lookups computed once per distinct value, before the parallel sessionizer runs:
//! attribution and channel per (campaign fields, referrer, host), internal-referrer checks, and
//! bit masks telling which goals, funnel steps and error signals an event name or a path hits.

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use crate::channels::{ChannelRules, Touch as ChannelTouch};
use crate::config::Config;
use crate::scan::rows::{
    Row, Tables, TOUCH_CAMPAIGN, TOUCH_CLICK_ID, TOUCH_CONTENT, TOUCH_MEDIUM, TOUCH_REF, TOUCH_SOURCE, TOUCH_TERM,
};

/// Bit of `Masks` for a hit that is an error signal (event) or a not-found page (path).
pub const TECH_BIT: u64 = 1 << 63;
/// Most goals + funnel steps one config may have (one bit each, one bit for errors).
pub const MAX_MASK_BITS: usize = 63;

/// The attribution of a session's first hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attr {
    pub source: u32,
    pub medium: u32,
    pub campaign: u32,
    pub term: u32,
    pub content: u32,
    pub channel: u32,
    /// Direct (no campaign, no external referrer): never splits a session.
    pub direct: bool,
}

/// Which goals (bits 0..goals), funnel steps (bits goals..goals+steps) and technical signal a
/// value matches.
#[derive(Debug, Default)]
pub struct Masks {
    pub by_event: Vec<u64>,
    pub by_path: Vec<u64>,
}

#[derive(Debug)]
pub struct Lookup {
    pub rules: ChannelRules,
    attr_ids: FxHashMap<(u32, u32, u32), u32>,
    pub attrs: Vec<Attr>,
    pub masks: Masks,
    /// Site time zone by site string id.
    pub site_tz: FxHashMap<u32, Tz>,
    /// Event-name ids of pageviews and engagement beacons.
    pub pageview: u32,
    pub engagement: u32,
    pub goal_count: usize,
    /// (first bit, step count) per funnel.
    pub funnels: Vec<(usize, usize)>,
    masked_strings: usize,
}

impl Lookup {
    pub fn new(config: &Config, rules: ChannelRules, tables: &mut Tables) -> Result<Self, String> {
        let steps: usize = config.funnels.iter().map(|f| f.steps.len()).sum();
        if config.goals.len() + steps > MAX_MASK_BITS {
            return Err(format!(
                "at most {MAX_MASK_BITS} goals and funnel steps together are supported"
            ));
        }
        let mut funnels = Vec::new();
        let mut bit = config.goals.len();
        for funnel in &config.funnels {
            funnels.push((bit, funnel.steps.len()));
            bit += funnel.steps.len();
        }
        Ok(Lookup {
            rules,
            attr_ids: FxHashMap::default(),
            attrs: Vec::new(),
            masks: Masks::default(),
            site_tz: FxHashMap::default(),
            pageview: tables.strings.intern(hitflow_schema::EVENT_PAGEVIEW),
            engagement: tables.strings.intern(hitflow_schema::EVENT_ENGAGEMENT),
            goal_count: config.goals.len(),
            funnels,
            masked_strings: 0,
        })
    }

    /// Attribution id of a hit (see `prepare`).
    pub fn attr_of(&self, row: &Row) -> Option<u32> {
        self.attr_ids.get(&(row.touch, row.referrer_host, row.host)).copied()
    }

    pub fn attr(&self, id: u32) -> &Attr {
        &self.attrs[id as usize]
    }

    pub fn event_mask(&self, event: u32) -> u64 {
        self.masks.by_event.get(event as usize).copied().unwrap_or(0)
    }

    pub fn path_mask(&self, path: u32) -> u64 {
        self.masks.by_path.get(path as usize).copied().unwrap_or(0)
    }

    /// Computes what the rows need that is not known yet. Sequential and cheap: work is per
    /// distinct value, not per row (apart from one hash probe).
    pub fn prepare(&mut self, rows: &[Row], tables: &mut Tables, config: &Config) {
        self.prepare_masks(tables, config);
        let mut last = None;
        for row in rows {
            let key = (row.touch, row.referrer_host, row.host);
            if last == Some(key) || self.attr_ids.contains_key(&key) {
                last = Some(key);
                continue;
            }
            last = Some(key);
            let attr = self.attribute(key, tables);
            self.attr_ids.insert(key, self.attrs.len() as u32);
            self.attrs.push(attr);
        }
        for row in rows {
            self.site_tz
                .entry(row.site)
                .or_insert_with(|| config.timezone(tables.str(row.site)));
        }
    }

    fn attribute(&self, (touch, referrer, host): (u32, u32, u32), tables: &mut Tables) -> Attr {
        let t = tables.touches.get(touch);
        let s = &tables.strings;
        let touch_view = ChannelTouch {
            url_host: s.get(host),
            referrer_host: (referrer != 0).then(|| s.get(referrer)),
            utm_source: (t[TOUCH_SOURCE] != 0).then(|| s.get(t[TOUCH_SOURCE])),
            utm_medium: (t[TOUCH_MEDIUM] != 0).then(|| s.get(t[TOUCH_MEDIUM])),
            utm_campaign: (t[TOUCH_CAMPAIGN] != 0).then(|| s.get(t[TOUCH_CAMPAIGN])),
            ref_param: (t[TOUCH_REF] != 0).then(|| s.get(t[TOUCH_REF])),
            click_id_kind: (t[TOUCH_CLICK_ID] != 0).then(|| s.get(t[TOUCH_CLICK_ID])),
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
            term: t[TOUCH_TERM],
            content: t[TOUCH_CONTENT],
            channel: strings.intern(&channel),
            direct,
        }
    }

    /// Goal / funnel / error bits for every string interned since the last call.
    fn prepare_masks(&mut self, tables: &Tables, config: &Config) {
        let total = tables.strings.len();
        self.masks.by_event.resize(total, 0);
        self.masks.by_path.resize(total, 0);
        for id in self.masked_strings..total {
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
            self.masks.by_event[id] = event_mask;
            self.masks.by_path[id] = path_mask;
        }
        self.masked_strings = total;
    }
}
