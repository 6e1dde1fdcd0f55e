//! Automated traffic the collector flags: crawlers, headless browsers, scrapers in data
//! centres, link-preview fetchers and uptime monitors. Every such hit has device class `bot`,
//! `is_bot` and a `bot_reason`.

use super::catalog::{BotKind, Catalog, Event, PageKind};
use super::rng::{hash, Rng};
use super::row::{Ref, Row, NONE};
use super::session::scroll_depth;
use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE};

/// An uptime check on one site, loading the same page at a fixed interval all day.
#[derive(Debug, Clone, Copy)]
pub struct Monitor {
    pub site: u16,
    pub agent: u16,
    pub page: u16,
    pub interval_ms: i64,
    pub offset_ms: i64,
    /// Stands for the monitor's IP and User-Agent in the visitor id.
    pub person: u64,
}

/// One monitor per site (`/health` on every other site, `/` on the rest), checking every minute
/// when the bot budget allows, less often for small runs, none for tiny ones.
pub fn plan_monitors(cat: &Catalog, seed: u64, bot_hits_per_hour: f64, rng: &mut Rng) -> Vec<Monitor> {
    let agents = cat.monitor_agents();
    let n = cat.sites.len();
    if agents.is_empty() || n == 0 {
        return Vec::new();
    }
    // A quarter of the bot hits at most.
    let per_monitor_hour = 0.25 * bot_hits_per_hour / n as f64;
    if per_monitor_hour < 1.0 {
        return Vec::new();
    }
    let interval_min = (60.0 / per_monitor_hour).ceil().clamp(1.0, 60.0) as i64;
    cat.sites
        .iter()
        .enumerate()
        .map(|(i, site)| {
            let kind = if i % 2 == 0 { PageKind::Health } else { PageKind::Home };
            Monitor {
                site: i as u16,
                agent: agents[i % agents.len()],
                page: site.pick(kind, rng),
                interval_ms: interval_min * MS_PER_MINUTE,
                offset_ms: rng.range(0, interval_min * MS_PER_MINUTE - 1),
                person: hash(&[seed, 0x006d_6f6e_6974_6f72, i as u64]),
            }
        })
        .collect()
}

fn bot_row(cat: &Catalog, agent: u16, site: u16, ts: i64, page: u16) -> Row {
    let (geo, isp, width) = cat
        .bot_agents
        .get(usize::from(agent))
        .map_or((0, 0, 0), |a| (a.geo, a.isp, a.width));
    Row {
        ts,
        site,
        page,
        device: agent,
        geo,
        isp,
        width,
        bot: true,
        ..Row::BLANK
    }
}

/// The monitor's checks that fall in `[hour_start, hour_start + 1 h)`, with a second or two
/// of jitter each.
pub fn monitor_hour(cat: &Catalog, rng: &mut Rng, m: &Monitor, hour_start: i64, out: &mut Vec<Row>) {
    let first = hour_start + (m.offset_ms - hour_start).rem_euclid(m.interval_ms);
    let mut t = first;
    while t < hour_start + MS_PER_HOUR {
        let ts = (t + rng.range(0, 1_500)).min(hour_start + MS_PER_HOUR - 1);
        out.push(bot_row(cat, m.agent, m.site, ts, m.page));
        t += m.interval_ms;
    }
}

/// One visit by a non-monitor bot: many pages, fast.
pub fn bot_session(cat: &Catalog, rng: &mut Rng, site: u16, start: i64, out: &mut Vec<Row>) {
    let agent = cat.bot_agent(rng);
    let kind = cat
        .bot_agents
        .get(usize::from(agent))
        .map_or(BotKind::Crawler, |a| a.kind);
    let Some(s) = cat.sites.get(usize::from(site)) else {
        return;
    };
    let (pages, gap_lo, gap_hi) = match kind {
        BotKind::Crawler => (1 + rng.geometric(0.04, 300), 1_000, 8_000),
        BotKind::Headless => (2 + rng.geometric(0.12, 60), 300, 2_500),
        BotKind::Datacenter => (5 + rng.geometric(0.03, 400), 100, 1_200),
        BotKind::Preview | BotKind::Monitor => (1 + u32::from(rng.chance(0.2)), 150, 400),
    };
    // Automated browsers run the tracker's session logic; plain fetchers report no entry flag.
    let reports_entry = matches!(kind, BotKind::Headless | BotKind::Datacenter);
    let mut t = start;
    let mut prev = NONE;
    for i in 0..pages {
        let page = if kind == BotKind::Preview {
            s.pick(
                if rng.chance(0.7) {
                    PageKind::Blog
                } else {
                    PageKind::Product
                },
                rng,
            )
        } else {
            *rng.pick(&s.public_pages)
        };
        let mut row = bot_row(cat, agent, site, t, page);
        if reports_entry {
            row.entry = Some(i == 0);
        }
        // Headless browsers click through links; the others fetch URLs from a list.
        if kind == BotKind::Headless && prev != NONE {
            row.referrer = Ref::Internal;
            row.ref_idx = prev;
        }
        out.push(row);
        let gap = rng.range(gap_lo, gap_hi);
        if kind == BotKind::Headless && rng.chance(0.25) {
            let mut beacon = row;
            beacon.ts = t + gap - 50;
            beacon.event = Event::Engagement;
            beacon.engaged_ms = rng.range(0, 400) as u32;
            // No scrolling: what the first screen shows.
            beacon.scroll = scroll_depth(hash(&[beacon.ts as u64, u64::from(page)]), 0);
            beacon.entry = reports_entry.then_some(false);
            out.push(beacon);
        }
        prev = page;
        t += gap;
    }
}
