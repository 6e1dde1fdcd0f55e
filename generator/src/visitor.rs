//! People: a device, a place and a network that stay with them across their visits, and the
//! visitor id the collector would derive for them (stable within a UTC day, new the next day,
//! as with the real daily-salted hash).

use hitflow_schema::time::MS_PER_DAY;

use super::catalog::Catalog;
use super::rng::{hash, Rng};

const VISITOR_TAG: u64 = 0x7669_7369_746f_7221;

#[derive(Debug, Clone, Copy)]
pub struct Person {
    pub id: u64,
    pub site: u16,
    pub device: u16,
    pub geo: u16,
    pub isp: u16,
    pub width: u16,
    /// Types the `www.` host.
    pub www: bool,
    /// The tracker can tell browser-session starts (`entry`); `None` on every hit otherwise.
    pub reports_entry: bool,
}

impl Person {
    pub fn new(cat: &Catalog, site: u16, rng: &mut Rng) -> Self {
        let device = cat.device_mix.sample(rng);
        let audience = &cat.sites[usize::from(site)].audience;
        let geo = audience.sample(rng) as u16;
        let d = &cat.devices[device];
        // iCloud Private Relay: some Safari users appear on Cloudflare or Akamai networks.
        let isp = if d.browser == Some("Safari") && rng.chance(0.06) {
            *rng.pick(&cat.relay_isps)
        } else {
            cat.isp_for(geo, rng)
        };
        let width = if d.widths.is_empty() || rng.chance(0.01) {
            0
        } else {
            *rng.pick(&d.widths)
        };
        Person {
            id: rng.next_u64(),
            site,
            device: device as u16,
            geo,
            isp,
            width,
            www: rng.chance(0.08),
            reports_entry: rng.chance(0.93),
        }
    }

    /// Browser-session-start flag for a hit, as this person's tracker reports it.
    pub fn entry(&self, first: bool) -> Option<bool> {
        self.reports_entry.then_some(first)
    }
}

/// What the collector's keyed hash gives for this person on the UTC day of `ts`.
pub fn visitor_id(seed: u64, site: u16, person: u64, ts: i64) -> u64 {
    let day = ts.div_euclid(MS_PER_DAY) as u64;
    hash(&[seed, VISITOR_TAG, day, u64::from(site), person])
}
