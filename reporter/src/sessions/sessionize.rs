//! Splitting one visitor's hits into sessions. Rules, in the order they are checked:
//! inactivity timeout, maximum length, midnight in the site's time zone (optional), a new traffic
//! source (optional), a new browser session reported by the tracker (optional). Engagement beacons
//! never start a session: they report how long the page before them stayed visible.

use chrono::{Offset, TimeZone};
use chrono_tz::Tz;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};

use super::lookup::{Lookup, TECH_BIT};
use super::session::{EndReason, PageView, Session, SessionSink};
use crate::automation::Trace;
use crate::config::SessionConfig;
use crate::rows::{Row, FLAG_ENTRY, FLAG_HAS_REVENUE, FLAG_TRACKER};

/// The session rules in milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub timeout_ms: i64,
    pub max_length_ms: i64,
    pub split_at_midnight: bool,
    pub split_on_source_change: bool,
    pub split_on_browser_close: bool,
}

impl From<&SessionConfig> for Rules {
    fn from(c: &SessionConfig) -> Self {
        Rules {
            timeout_ms: i64::from(c.inactivity_timeout_minutes) * MS_PER_MINUTE,
            max_length_ms: i64::from(c.max_length_hours) * MS_PER_HOUR,
            split_at_midnight: c.split_at_midnight,
            split_on_source_change: c.split_on_source_change,
            split_on_browser_close: c.split_on_browser_close,
        }
    }
}

/// Local calendar day number of a timestamp in a time zone.
pub fn local_day(ts: i64, tz: Tz) -> i64 {
    let offset_ms = match tz.timestamp_millis_opt(ts) {
        chrono::LocalResult::Single(t) => i64::from(t.offset().fix().local_minus_utc()) * MS_PER_SECOND,
        _ => 0,
    };
    (ts + offset_ms).div_euclid(MS_PER_DAY)
}

/// Sessions of one visitor. `hits` are sorted by time, duplicates removed, all of one
/// (site, bot flag, visitor). Sessions without a pageview (beacons of a page seen before the
/// visitor id rotated) are dropped and counted in `orphans`. `pages` is scratch space.
pub fn sessionize(
    hits: &[Row],
    rules: &Rules,
    lookup: &Lookup,
    pages: &mut Vec<PageView>,
    sink: &mut impl SessionSink,
    orphans: &mut u64,
) {
    // Beacons before the visitor's first other hit belong to a page seen under yesterday's id
    // (or already reported): they start nothing.
    let leading_beacons = hits.iter().take_while(|h| h.event == lookup.engagement).count();
    if leading_beacons > 0 {
        *orphans += 1;
    }
    let hits = &hits[leading_beacons..];
    let Some(first) = hits.first() else { return };
    let tz = lookup.site_tz(first.site);
    let mut builder = Builder::start(first, lookup, pages);
    let mut prev_activity = first.ts;
    for hit in &hits[1..] {
        let is_beacon = hit.event == lookup.engagement;
        let reason = if is_beacon {
            None
        } else if hit.ts - prev_activity > rules.timeout_ms {
            Some(EndReason::Inactivity)
        } else if hit.ts - builder.session.start >= rules.max_length_ms {
            Some(EndReason::MaxLength)
        } else if rules.split_at_midnight && local_day(hit.ts, tz) != local_day(prev_activity, tz) {
            Some(EndReason::Midnight)
        } else if rules.split_on_source_change && hit.event == lookup.pageview && builder.is_new_source(hit, lookup) {
            Some(EndReason::SourceChange)
        } else if rules.split_on_browser_close && hit.flags & FLAG_ENTRY != 0 {
            Some(EndReason::BrowserClose)
        } else {
            None
        };
        if let Some(reason) = reason {
            builder.finish(reason, lookup, pages, sink, orphans);
            builder = Builder::start(hit, lookup, pages);
        } else {
            builder.add(hit, lookup, pages);
        }
        prev_activity = prev_activity.max(hit.ts);
    }
    builder.finish(EndReason::Inactivity, lookup, pages, sink, orphans);
}

struct Builder {
    session: Session,
    /// Time of the last pageview, and the visible time its beacons reported so far (the tracker
    /// sends one beacon per hide, each with the time since the previous one).
    page_start: i64,
    page_engaged: i64,
    activity_end: i64,
    last_was_error: bool,
    /// Event of the last hit when it was an error (`pageview` for a not-found page).
    last_error_event: u32,
    /// Source tuple of the latest pageview that named a source (campaign or external referrer).
    current_source: Option<u32>,
    /// What the automation rules look at.
    trace: Trace,
}

impl Builder {
    fn start(hit: &Row, lookup: &Lookup, pages: &mut Vec<PageView>) -> Self {
        pages.clear();
        let mut builder = Builder {
            session: Session {
                site: hit.site,
                visitor: hit.visitor,
                is_bot: hit.is_bot(),
                start: hit.ts,
                end: hit.ts,
                duration_ms: 0,
                engaged_ms: 0,
                hits: 0,
                pageviews: 0,
                events: 0,
                landing: 0,
                exit: 0,
                attr: 0,
                client: 0,
                revenue: 0.0,
                currency: 0,
                goals: 0,
                funnel_steps: 0,
                ended_on_error: false,
                error_event: 0,
                end_reason: EndReason::Inactivity,
                automation: None,
            },
            page_start: hit.ts,
            page_engaged: 0,
            activity_end: hit.ts,
            last_was_error: false,
            last_error_event: 0,
            current_source: None,
            trace: Trace::default(),
        };
        builder.add(hit, lookup, pages);
        builder
    }

    /// A pageview, after the session's first, that names a campaign or an external referrer
    /// different from the session's current one.
    fn is_new_source(&self, hit: &Row, lookup: &Lookup) -> bool {
        if self.session.pageviews == 0 {
            return false;
        }
        let attr = lookup.attr(hit.source);
        if attr.direct {
            return false;
        }
        match self.current_source.map(|c| lookup.attr(c)) {
            None => true,
            Some(cur) => {
                (cur.source, cur.medium, cur.campaign, cur.term, cur.content)
                    != (attr.source, attr.medium, attr.campaign, attr.term, attr.content)
            }
        }
    }

    fn add(&mut self, hit: &Row, lookup: &Lookup, pages: &mut Vec<PageView>) {
        let s = &mut self.session;
        s.hits += 1;
        s.end = s.end.max(hit.ts);
        let mask;
        if hit.event == lookup.engagement {
            s.engaged_ms += u64::from(hit.engaged_ms);
            self.page_engaged += i64::from(hit.engaged_ms);
            // Visible time of the page, but never past the beacon itself.
            self.activity_end = self.activity_end.max(hit.ts.min(self.page_start + self.page_engaged));
            self.trace.beacon();
            // The beacon closing a page may come just after the next page view: it names its page.
            if let Some(depth) = hit.scroll {
                if let Some(page) = pages.iter_mut().rev().take(2).find(|p| p.path == hit.path) {
                    page.scroll = page.scroll.max(Some(depth));
                }
            }
            return;
        } else if hit.event == lookup.pageview {
            if s.pageviews == 0 {
                // The landing pageview decides the session's source and device.
                s.landing = hit.path;
                s.attr = hit.source;
                s.client = hit.client;
                self.trace.hosting = lookup.automation.is_hosting(hit.client);
            }
            self.trace.pageview(
                hit.ts,
                lookup.automation.is_probe_path(hit.path),
                hit.flags & FLAG_TRACKER != 0,
                lookup.automation.thresholds.fast_gap_ms,
            );
            if !lookup.attr(hit.source).direct {
                self.current_source = Some(hit.source);
            }
            pages.push(PageView {
                path: hit.path,
                scroll: None,
            });
            s.pageviews += 1;
            s.exit = hit.path;
            self.page_start = hit.ts;
            self.page_engaged = 0;
            mask = lookup.path_mask(hit.path);
        } else {
            s.events += 1;
            mask = lookup.event_mask(hit.event);
        }
        self.activity_end = self.activity_end.max(hit.ts);
        if hit.flags & FLAG_HAS_REVENUE != 0 {
            s.revenue += hit.revenue;
            s.currency = hit.currency;
        }
        s.goals |= mask & ((1u64 << lookup.goal_count) - 1);
        for &(first_bit, steps) in &lookup.funnels {
            let reached = s.funnel_reached((first_bit, steps));
            if reached < steps && mask & (1 << (first_bit + reached)) != 0 {
                s.funnel_steps |= 1 << (first_bit + reached);
            }
        }
        self.last_was_error = mask & TECH_BIT != 0;
        self.last_error_event = if self.last_was_error { hit.event } else { 0 };
    }

    fn finish(
        mut self,
        reason: EndReason,
        lookup: &Lookup,
        pages: &[PageView],
        sink: &mut impl SessionSink,
        orphans: &mut u64,
    ) {
        if self.session.pageviews == 0 {
            *orphans += 1;
            return;
        }
        self.session.duration_ms = self.activity_end - self.session.start;
        self.session.ended_on_error = self.last_was_error;
        self.session.error_event = self.last_error_event;
        self.session.end_reason = reason;
        // The collector's flag already keeps bot sessions out; the rules judge the rest.
        if !self.session.is_bot {
            self.session.automation = lookup.automation.judge(&self.trace);
        }
        sink.add(&self.session, pages);
    }
}
