//! Scripted bots that spoof a browser: a real browser's User-Agent, client hints and
//! Accept-Language, from networks the collector's ASN list does not hold, so the collector sees a
//! person (`is_bot` false, no `bot_reason`). Only their behaviour gives them away, which is what
//! the reporter's suspected-automation rules (`reporter/src/automation`) look for; each script here is
//! shaped to trip one rule.

use super::catalog::{Catalog, PageKind};
use super::rng::Rng;
use super::row::{Ref, Row};

/// Share of the non-monitor bot sessions that are scripted.
pub const SHARE_OF_BOT_SESSIONS: f64 = 0.25;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    /// Fetches pages as fast as it parses them, running the tracker: `automation:fast-pages`.
    Scraper,
    /// Replays tracker requests from a server at a human pace, never a beacon:
    /// `automation:hosting-no-beacon`.
    Replayer,
    /// Asks for `/wp-login.php`, `/.env` and friends: `automation:probe-paths`.
    Prober,
    /// A slow crawler through a residential proxy, hundreds of pages: `automation:many-pages`.
    DeepCrawler,
}

const SCRIPTS: [(Script, f64); 4] = [
    (Script::Scraper, 40.0),
    (Script::Replayer, 25.0),
    (Script::Prober, 25.0),
    (Script::DeepCrawler, 10.0),
];

fn pick_script(rng: &mut Rng) -> Script {
    let total: f64 = SCRIPTS.iter().map(|(_, w)| w).sum();
    let mut x = rng.f64() * total;
    for (script, w) in SCRIPTS {
        if x < w {
            return script;
        }
        x -= w;
    }
    Script::Scraper
}

/// One visit of a scripted bot on `site` from `start`.
pub fn scripted_session(cat: &Catalog, rng: &mut Rng, site: u16, start: i64, out: &mut Vec<Row>) {
    let Some(s) = cat.sites.get(usize::from(site)) else {
        return;
    };
    let script = pick_script(rng);
    // (pageviews, gap range in ms, runs the tracker, from a hosting network)
    let (pages, gap_lo, gap_hi, tracker, hosting) = match script {
        Script::Scraper => (12 + rng.geometric(0.05, 60), 250, 1_500, true, true),
        Script::Replayer => (3 + rng.geometric(0.3, 6), 15_000, 90_000, true, true),
        Script::Prober => (2 + rng.geometric(0.4, 4), 80, 600, false, rng.chance(0.5)),
        Script::DeepCrawler => (200 + rng.geometric(0.02, 150), 4_000, 9_000, true, false),
    };
    let device = cat.device_mix.sample(rng) as u16;
    let geo = s.audience.sample(rng) as u16;
    // The spoofed device's own screen width, so nothing but behaviour stands out.
    let width = cat
        .devices
        .get(usize::from(device))
        .and_then(|d| d.widths.first())
        .copied()
        .unwrap_or(1280);
    let isp = if hosting {
        // Hosting networks missing from the collector's list (`role` hosting in `isps.tsv`).
        *rng.pick(&cat.hosting_isps)
    } else {
        cat.isp_for(geo, rng)
    };
    let mut t = start;
    for i in 0..pages {
        let page = if script == Script::Prober {
            s.pick(PageKind::Probe, rng)
        } else {
            *rng.pick(&s.public_pages)
        };
        out.push(Row {
            ts: t,
            site,
            page,
            device,
            geo,
            isp,
            // Only the tracker sends a screen width (and the entry flag).
            width: if tracker { width } else { 0 },
            entry: tracker.then_some(i == 0),
            referrer: if i == 0 { Ref::None } else { Ref::Internal },
            ref_idx: out.last().map_or(0, |r: &Row| r.page),
            ..Row::BLANK
        });
        t += rng.range(gap_lo, gap_hi);
    }
}
