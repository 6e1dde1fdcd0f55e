//! How people move through a site in one visit: where they come from, what they came for
//! (a quick look, browsing, buying, working in the app), how long they stay on each page,
//! which events they trigger, and whether they come back later the same day.

use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE};

use super::catalog::{is_fragile_browser, Catalog, Event, Landing, PageKind, PropUse, Site, SiteKind, SourceKind};
use super::rng::{hash, Rng};
use super::row::{Ref, Row, NONE};
use super::visitor::Person;

/// How a visit begins relative to the person's earlier visits that day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arrival {
    /// First visit we know of today.
    New,
    /// Back hours later, from anywhere.
    ReturnLater,
    /// Back after 31–90 idle minutes: a new session by inactivity.
    ReturnSoon,
    /// Closed the browser and came back within 30 minutes: `entry` is true again, so only the
    /// browser-session rule splits it.
    BrowserReopen,
    /// Within 30 minutes, in the same tab, through a new campaign link: only the
    /// campaign-change rule splits it.
    CampaignReturn,
}

#[derive(Debug, Clone, Copy)]
pub struct FollowUp {
    pub start: i64,
    pub arrival: Arrival,
}

#[derive(Debug, Clone, Copy)]
pub struct Outcome {
    pub follow_up: Option<FollowUp>,
    /// Where the visit came from and landed (for a planted [`crate::Incident`]).
    pub source_kind: SourceKind,
    pub landing: u16,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    Bounce,
    Browse,
    Convert,
    App,
    /// Lands on a dead link (the 404 page).
    NotFound,
    /// Keeps the site open for hours, active every few minutes.
    Marathon,
}

/// Writes one visit's hits in time order.
struct Walker<'a> {
    site: &'a Site,
    cat: &'a Catalog,
    person: &'a Person,
    out: &'a mut Vec<Row>,
    /// Time of the next hit to write.
    t: i64,
    last_ts: i64,
    page: u16,
    referrer: (Ref, u16),
    first: bool,
    first_entry: bool,
    beacon_p: f64,
    fragile: bool,
}

impl<'a> Walker<'a> {
    fn row(&self, ts: i64, event: Event) -> Row {
        Row {
            ts,
            site: self.person.site,
            page: self.page,
            referrer: self.referrer.0,
            ref_idx: self.referrer.1,
            device: self.person.device,
            geo: self.person.geo,
            isp: self.person.isp,
            width: self.person.width,
            www: self.person.www,
            event,
            entry: self.person.entry(false),
            ..Row::BLANK
        }
    }

    fn push(&mut self, row: Row) {
        self.last_ts = self.last_ts.max(row.ts);
        self.out.push(row);
    }

    /// A page view at the current time.
    fn view(&mut self, page: u16, referrer: Ref, ref_idx: u16, campaign: u16) {
        self.page = page;
        self.referrer = (referrer, ref_idx);
        let mut row = self.row(self.t, Event::Pageview);
        row.campaign = campaign;
        if self.first {
            row.entry = self.person.entry(self.first_entry);
            self.first = false;
        }
        self.push(row);
    }

    /// Follows an internal link from the current page.
    fn go(&mut self, page: u16) {
        let from = self.page;
        self.view(page, Ref::Internal, from, NONE);
    }

    fn kind(&self) -> PageKind {
        self.site.kind_of(self.page)
    }

    /// An event on the current page, `offset` ms after it loaded.
    fn event(&mut self, offset: i64, event: Event, props: u16, revenue_cents: u32) {
        let mut row = self.row(self.t + offset, event);
        row.props = props;
        row.revenue_cents = revenue_cents;
        self.push(row);
    }

    /// Leaves the current page after `dwell` ms: the engagement beacon (mostly sent), then the
    /// next navigation a moment later.
    fn leave(&mut self, rng: &mut Rng, dwell: i64) {
        if rng.chance(self.beacon_p) {
            let mut row = self.row(self.t + dwell, Event::Engagement);
            // Visible time: the tab may have been in the background for part of the stay.
            let visible = dwell as f64 * rng.uniform(0.55, 1.0);
            row.engaged_ms = visible.min(f64::from(u32::MAX - 1)) as u32;
            row.scroll = scroll_depth(
                hash(&[row.ts as u64, u64::from(row.page), u64::from(row.site)]),
                row.engaged_ms,
            );
            self.push(row);
        }
        self.t += dwell + rng.range(150, 1_500);
    }

    /// Idle: the next hit comes `gap` ms after the last one written.
    fn pause(&mut self, gap: i64) {
        self.t = self.last_ts + gap;
    }

    /// Stays on the current page for a typical time, with the page's incidental events.
    fn stay(&mut self, rng: &mut Rng, scale: f64) {
        let kind = self.kind();
        let dwell = dwell_ms(rng, kind, scale);
        self.extras(rng, kind, dwell);
        self.leave(rng, dwell);
    }

    /// Clicks and errors that happen on pages by chance.
    fn extras(&mut self, rng: &mut Rng, kind: PageKind, dwell: i64) {
        let at = |rng: &mut Rng| (dwell as f64 * rng.uniform(0.2, 0.95)) as i64;
        match kind {
            PageKind::Blog | PageKind::Docs => {
                if rng.chance(0.05) {
                    let p = pick_prop(rng, self.cat.props.of(PropUse::Outbound));
                    let o = at(rng);
                    self.event(o, Event::Outbound, p, 0);
                }
                if rng.chance(if kind == PageKind::Docs { 0.06 } else { 0.02 }) {
                    let p = pick_prop(rng, self.cat.props.of(PropUse::Download));
                    let o = at(rng);
                    self.event(o, Event::Download, p, 0);
                }
            }
            PageKind::Contact if rng.chance(0.3) => {
                let o = at(rng);
                self.event(o, Event::FormSubmit, self.cat.props.of(PropUse::ContactForm).start, 0);
            }
            PageKind::Home if rng.chance(0.01) => {
                let o = at(rng);
                self.event(
                    o,
                    Event::FormSubmit,
                    self.cat.props.of(PropUse::NewsletterForm).start,
                    0,
                );
            }
            PageKind::Product if rng.chance(0.05) => {
                let p = pick_prop(rng, self.cat.props.of(PropUse::Cart));
                let o = at(rng);
                self.event(o, Event::AddToCart, p, 0);
            }
            _ => {}
        }
        if rng.chance(0.003) {
            let p = pick_prop(rng, self.cat.props.of(PropUse::Error));
            let o = at(rng);
            self.event(o, Event::Error, p, 0);
        }
    }
}

fn pick_prop(rng: &mut Rng, range: std::ops::Range<u16>) -> u16 {
    range.start + rng.below(u64::from(range.end - range.start)) as u16
}

/// Time on a page: log-normal around a per-kind median, capped so ordinary pages never leave
/// a 30-minute hole by themselves.
fn dwell_ms(rng: &mut Rng, kind: PageKind, scale: f64) -> i64 {
    let median_s = match kind {
        PageKind::Home => 20.0,
        PageKind::Blog => 60.0,
        PageKind::Docs => 50.0,
        PageKind::Features => 35.0,
        PageKind::Pricing => 45.0,
        PageKind::Signup => 60.0,
        PageKind::About => 30.0,
        PageKind::Contact => 40.0,
        PageKind::Product => 40.0,
        PageKind::Category => 25.0,
        PageKind::Cart => 35.0,
        PageKind::Checkout => 70.0,
        PageKind::Payment => 80.0,
        PageKind::ThankYou => 25.0,
        PageKind::App => 25.0,
        PageKind::Promo => 35.0,
        PageKind::NotFound => 7.0,
        PageKind::Health | PageKind::Probe => 1.0,
    };
    let ms = rng.lognormal(median_s * 1000.0 * scale, 0.9);
    ms.clamp(1_200.0, 12.0 * 60_000.0) as i64
}

/// Weighted choice from a small static table.
fn choose<T: Copy>(rng: &mut Rng, table: &[(T, f64)]) -> T {
    let total: f64 = table.iter().map(|(_, w)| w).sum();
    let mut x = rng.f64() * total;
    for &(item, w) in table {
        if x < w {
            return item;
        }
        x -= w;
    }
    table[table.len() - 1].0
}

/// The page kind a source's landing maps to on this site.
fn landing_kind(site: SiteKind, landing: Landing, rng: &mut Rng) -> PageKind {
    use PageKind::*;
    let table: &[(PageKind, f64)] = match (site, landing) {
        (_, Landing::Home) => &[(Home, 1.0)],
        (_, Landing::Promo) => &[(Promo, 1.0)],
        (SiteKind::Saas, Landing::Content) => &[(Blog, 60.0), (Docs, 30.0), (Features, 10.0)],
        (SiteKind::Shop, Landing::Content) => &[(Product, 50.0), (Category, 20.0), (Blog, 25.0), (Docs, 5.0)],
        (SiteKind::Saas, Landing::Product) => &[(Features, 50.0), (Pricing, 20.0), (Home, 30.0)],
        (SiteKind::Shop, Landing::Product) => &[(Product, 70.0), (Category, 30.0)],
        (SiteKind::Saas, Landing::Pricing) => &[(Pricing, 1.0)],
        (SiteKind::Shop, Landing::Pricing) => &[(Product, 50.0), (Promo, 30.0), (Pricing, 20.0)],
        (SiteKind::Saas, Landing::Any) => &[
            (Home, 35.0),
            (Blog, 30.0),
            (Docs, 12.0),
            (Features, 8.0),
            (Pricing, 10.0),
            (About, 3.0),
            (Contact, 2.0),
        ],
        (SiteKind::Shop, Landing::Any) => &[
            (Home, 35.0),
            (Product, 35.0),
            (Category, 20.0),
            (Blog, 5.0),
            (Promo, 5.0),
        ],
    };
    choose(rng, table)
}

/// Where a browsing visitor goes next from a page of kind `from`.
fn next_kind(site: SiteKind, from: PageKind, rng: &mut Rng) -> PageKind {
    use PageKind::*;
    let table: &[(PageKind, f64)] = match (site, from) {
        (SiteKind::Saas, Home) => &[
            (Features, 20.0),
            (Pricing, 18.0),
            (Blog, 22.0),
            (Docs, 10.0),
            (About, 6.0),
            (Signup, 6.0),
            (Contact, 3.0),
            (App, 5.0),
        ],
        (SiteKind::Saas, Blog) => &[
            (Blog, 40.0),
            (Home, 15.0),
            (Pricing, 10.0),
            (Features, 10.0),
            (Docs, 10.0),
            (Signup, 5.0),
            (About, 3.0),
        ],
        (SiteKind::Saas, Docs) => &[
            (Docs, 55.0),
            (Home, 8.0),
            (Pricing, 10.0),
            (Blog, 8.0),
            (Signup, 6.0),
            (Features, 5.0),
        ],
        (SiteKind::Saas, Features) => &[
            (Pricing, 40.0),
            (Home, 10.0),
            (Signup, 15.0),
            (Docs, 15.0),
            (Blog, 10.0),
            (Contact, 5.0),
        ],
        (SiteKind::Saas, Pricing) => &[
            (Signup, 35.0),
            (Features, 15.0),
            (Home, 10.0),
            (Contact, 10.0),
            (Docs, 10.0),
            (Blog, 5.0),
        ],
        (SiteKind::Saas, Signup) => &[
            (Pricing, 30.0),
            (Home, 20.0),
            (Docs, 20.0),
            (App, 15.0),
            (Features, 10.0),
        ],
        (_, About) => &[(Home, 30.0), (Contact, 25.0), (Blog, 20.0), (Pricing, 15.0)],
        (_, Contact) => &[(Home, 40.0), (Pricing, 30.0), (About, 20.0)],
        (_, App) => &[(App, 85.0), (Docs, 8.0), (Home, 7.0)],
        (SiteKind::Saas, Promo) => &[(Pricing, 40.0), (Signup, 25.0), (Features, 20.0), (Home, 15.0)],
        (SiteKind::Saas, NotFound) => &[(Home, 70.0), (Blog, 20.0), (Docs, 10.0)],
        (SiteKind::Shop, Home) => &[
            (Category, 40.0),
            (Product, 30.0),
            (Promo, 10.0),
            (Blog, 5.0),
            (About, 3.0),
            (Signup, 3.0),
            (App, 4.0),
            (Cart, 5.0),
        ],
        (SiteKind::Shop, Category) => &[
            (Product, 65.0),
            (Category, 15.0),
            (Home, 10.0),
            (Cart, 5.0),
            (Promo, 5.0),
        ],
        (SiteKind::Shop, Product) => &[
            (Product, 35.0),
            (Category, 25.0),
            (Cart, 15.0),
            (Home, 10.0),
            (Blog, 3.0),
            (Promo, 5.0),
            (Contact, 2.0),
            (Pricing, 5.0),
        ],
        (SiteKind::Shop, Cart) => &[(Product, 50.0), (Home, 25.0), (Category, 25.0)],
        (SiteKind::Shop, Blog) => &[(Product, 40.0), (Blog, 25.0), (Home, 20.0), (Category, 15.0)],
        (SiteKind::Shop, Promo) => &[(Product, 50.0), (Category, 30.0), (Home, 20.0)],
        (SiteKind::Shop, Pricing) => &[(Signup, 40.0), (Home, 30.0), (Product, 30.0)],
        (SiteKind::Shop, Docs) => &[(Docs, 30.0), (Product, 30.0), (Home, 25.0), (Contact, 15.0)],
        (SiteKind::Shop, NotFound) => &[(Home, 60.0), (Category, 40.0)],
        _ => &[(Home, 1.0)],
    };
    choose(rng, table)
}

fn is_campaign(kind: SourceKind) -> bool {
    use SourceKind::*;
    matches!(
        kind,
        PaidSearch | PaidSocial | Email | Affiliate | Display | Sms | Push | CrossNetwork
    )
}

/// Makes one human visit's hits (appended to `out`, in time order).
pub fn human_session(
    cat: &Catalog,
    rng: &mut Rng,
    person: &Person,
    start: i64,
    arrival: Arrival,
    late_evening: bool,
    out: &mut Vec<Row>,
) -> Outcome {
    use SourceKind as K;
    let site = &cat.sites[usize::from(person.site)];
    let source_kind = match arrival {
        Arrival::New | Arrival::ReturnLater => SourceKind::ALL[site.source_mix.sample(rng)],
        Arrival::ReturnSoon if rng.chance(0.6) => K::Direct,
        Arrival::ReturnSoon => K::OrganicSearch,
        Arrival::BrowserReopen => K::Direct,
        Arrival::CampaignReturn => *rng.pick(&[K::Email, K::PaidSocial, K::PaidSearch]),
    };
    let src_idx = cat.source(source_kind, site.kind, rng);
    let src = &cat.sources[usize::from(src_idx)];
    let (referrer, ref_idx) = if src.ref_host.is_some() {
        (Ref::External, src_idx)
    } else {
        (Ref::None, NONE)
    };
    let tagged = src.utm_source.is_some()
        || src.utm_medium.is_some()
        || src.ref_param.is_some()
        || src.click_id.is_some()
        || src.utm_campaign.is_some();
    let campaign = if tagged { src_idx } else { NONE };
    let first_entry = match arrival {
        Arrival::CampaignReturn => false,
        // Some come back to the tab they left open.
        Arrival::ReturnSoon => rng.chance(0.7),
        _ => true,
    };

    let device = &cat.devices[usize::from(person.device)];
    let returning = matches!(arrival, Arrival::ReturnLater | Arrival::ReturnSoon);
    let intent = {
        let dead_link_source = matches!(
            source_kind,
            K::Referral | K::OrganicSearch | K::Direct | K::OrganicSocial
        );
        if arrival == Arrival::New && dead_link_source && rng.chance(0.015) {
            Intent::NotFound
        } else if arrival == Arrival::New && rng.chance(0.002) {
            Intent::Marathon
        } else {
            let base = if site.kind == SiteKind::Shop { 0.09 } else { 0.07 };
            let convert = base * if is_campaign(source_kind) { 1.6 } else { 1.0 } * if returning { 1.3 } else { 1.0 };
            let app = match (source_kind, site.kind) {
                (K::Direct, SiteKind::Saas) => 0.3,
                (K::Direct, SiteKind::Shop) => 0.08,
                _ => 0.02,
            };
            let bounce = match arrival {
                Arrival::ReturnLater | Arrival::ReturnSoon => 0.3,
                Arrival::CampaignReturn => 0.35,
                _ => 0.45,
            };
            let r = rng.f64();
            if r < convert {
                Intent::Convert
            } else if r < convert + app {
                Intent::App
            } else if r < convert + app + bounce {
                Intent::Bounce
            } else {
                Intent::Browse
            }
        }
    };
    let landing = match intent {
        Intent::App => site.pick(PageKind::App, rng),
        Intent::NotFound => site.pick(PageKind::NotFound, rng),
        _ => site.pick(landing_kind(site.kind, src.landing, rng), rng),
    };

    let mut w = Walker {
        site,
        cat,
        person,
        out,
        t: start,
        last_ts: start,
        page: landing,
        referrer: (Ref::None, NONE),
        first: true,
        first_entry,
        beacon_p: match device.device_type {
            "desktop" => 0.92,
            "mobile" => 0.78,
            "tablet" => 0.85,
            _ => 0.8,
        },
        fragile: is_fragile_browser(device),
    };
    w.view(landing, referrer, ref_idx, campaign);

    // Late in the local evening some keep reading past midnight.
    let night_owl = late_evening && matches!(intent, Intent::Bounce | Intent::Browse) && rng.chance(0.35);
    match intent {
        Intent::Bounce if !night_owl => w.stay(rng, 0.7),
        Intent::Bounce | Intent::Browse => {
            w.stay(rng, 1.0);
            let extra = if night_owl { 6 + rng.below(6) as u32 } else { 0 };
            let pages = 1 + rng.geometric(0.3, 25) + extra;
            browse(&mut w, rng, pages);
        }
        Intent::Convert => convert(&mut w, rng),
        Intent::App => {
            w.stay(rng, 1.0);
            let routes = 2 + rng.geometric(0.12, 40);
            app(&mut w, rng, routes);
        }
        Intent::NotFound => {
            w.stay(rng, 1.0);
            if rng.chance(0.25) {
                let next = site.pick(next_kind(site.kind, PageKind::NotFound, rng), rng);
                w.go(next);
                w.stay(rng, 1.0);
                let pages = rng.geometric(0.5, 4);
                browse(&mut w, rng, pages);
            }
        }
        Intent::Marathon => marathon(&mut w, rng, start),
    }

    let end = w.last_ts;
    let follow_up = if arrival == Arrival::New {
        let r = rng.f64();
        let minutes = |rng: &mut Rng, lo: i64, hi: i64| rng.range(lo * MS_PER_MINUTE, hi * MS_PER_MINUTE);
        if r < 0.05 {
            Some(FollowUp {
                start: end + minutes(rng, 31, 90),
                arrival: Arrival::ReturnSoon,
            })
        } else if r < 0.12 {
            Some(FollowUp {
                start: end + minutes(rng, 120, 600),
                arrival: Arrival::ReturnLater,
            })
        } else if r < 0.132 {
            Some(FollowUp {
                start: end + minutes(rng, 1, 15),
                arrival: Arrival::CampaignReturn,
            })
        } else if r < 0.152 {
            Some(FollowUp {
                start: end + minutes(rng, 2, 25),
                arrival: Arrival::BrowserReopen,
            })
        } else {
            None
        }
    } else {
        None
    };
    Outcome {
        follow_up,
        source_kind,
        landing,
    }
}

/// `pages` more pages by the site's link structure; now and then a 20–29 minute pause that
/// stays within the 30-minute session timeout.
fn browse(w: &mut Walker<'_>, rng: &mut Rng, pages: u32) {
    let pause_at = rng.chance(0.03).then(|| rng.below(u64::from(pages.max(1))) as u32);
    for i in 0..pages {
        if pause_at == Some(i) {
            w.pause(rng.range(20 * MS_PER_MINUTE, 29 * MS_PER_MINUTE + 30_000));
        }
        let mut kind = next_kind(w.site.kind, w.kind(), rng);
        if matches!(kind, PageKind::Checkout | PageKind::Payment | PageKind::ThankYou) {
            kind = PageKind::Home;
        }
        let page = w.site.pick(kind, rng);
        w.go(page);
        w.stay(rng, 1.0);
    }
}

/// Single-page-app route changes: short stays, hash routes.
fn app(w: &mut Walker<'_>, rng: &mut Rng, routes: u32) {
    for _ in 0..routes {
        let kind = if rng.chance(0.93) {
            PageKind::App
        } else {
            next_kind(w.site.kind, PageKind::App, rng)
        };
        let page = w.site.pick(kind, rng);
        w.go(page);
        w.stay(rng, 0.8);
    }
}

/// A visit that lasts hours: the tab stays open and the visitor comes back to it every few
/// minutes, never idle long enough to end the session.
fn marathon(w: &mut Walker<'_>, rng: &mut Rng, start: i64) {
    let until = start + rng.range(2 * MS_PER_HOUR, 5 * MS_PER_HOUR);
    w.stay(rng, 2.0);
    while w.t < until {
        w.pause(rng.range(4 * MS_PER_MINUTE, 24 * MS_PER_MINUTE));
        let kind = if w.site.kind == SiteKind::Saas && rng.chance(0.5) {
            PageKind::App
        } else {
            match next_kind(w.site.kind, w.kind(), rng) {
                PageKind::Checkout | PageKind::Payment | PageKind::ThankYou => PageKind::Home,
                k => k,
            }
        };
        let page = w.site.pick(kind, rng);
        w.go(page);
        w.stay(rng, 2.0);
    }
}

fn convert(w: &mut Walker<'_>, rng: &mut Rng) {
    let saas = w.site.kind == SiteKind::Saas;
    w.stay(rng, 1.0);
    let plan = pick_prop(rng, w.cat.props.of(PropUse::Plan));
    if saas {
        for _ in 0..rng.below(3) {
            let kind = next_kind(SiteKind::Saas, w.kind(), rng);
            if matches!(
                kind,
                PageKind::Blog | PageKind::Docs | PageKind::Features | PageKind::Home
            ) {
                let page = w.site.pick(kind, rng);
                w.go(page);
                w.stay(rng, 1.0);
            }
        }
        if w.kind() != PageKind::Pricing {
            let page = w.site.pick(PageKind::Pricing, rng);
            w.go(page);
            w.stay(rng, 1.0);
        }
        if !rng.chance(0.7) {
            return;
        }
        signup(w, rng, plan);
        if rng.chance(0.5) {
            // Free tier: straight into the app.
            let routes = 1 + rng.geometric(0.25, 10);
            app(w, rng, routes);
            return;
        }
    } else {
        for _ in 0..rng.poisson(1.2, 5) {
            let kind = if rng.chance(0.6) {
                PageKind::Product
            } else {
                PageKind::Category
            };
            let page = w.site.pick(kind, rng);
            w.go(page);
            w.stay(rng, 1.0);
        }
        // The product that goes into the cart (the landing page, if a product, was left already).
        let page = w.site.pick(PageKind::Product, rng);
        w.go(page);
        let dwell = dwell_ms(rng, PageKind::Product, 1.0);
        let props = pick_prop(rng, w.cat.props.of(PropUse::Cart));
        w.event(dwell * 7 / 10, Event::AddToCart, props, 0);
        w.leave(rng, dwell);
        if !rng.chance(0.8) {
            return;
        }
        let cart = w.site.pick(PageKind::Cart, rng);
        w.go(cart);
        w.stay(rng, 1.0);
        if !rng.chance(0.75) {
            return;
        }
        if rng.chance(0.15) {
            signup(w, rng, plan);
        }
    }
    checkout(w, rng, plan);
}

fn signup(w: &mut Walker<'_>, rng: &mut Rng, plan: u16) {
    let page = w.site.pick(PageKind::Signup, rng);
    w.go(page);
    let dwell = dwell_ms(rng, PageKind::Signup, 1.0);
    w.event(
        dwell * 7 / 10,
        Event::FormSubmit,
        w.cat.props.of(PropUse::SignupForm).start,
        0,
    );
    w.event(dwell * 8 / 10, Event::Signup, plan, 0);
    w.leave(rng, dwell);
}

fn checkout(w: &mut Walker<'_>, rng: &mut Rng, plan: u16) {
    let page = w.site.pick(PageKind::Checkout, rng);
    w.go(page);
    let dwell = dwell_ms(rng, PageKind::Checkout, 1.0);
    w.event(dwell * 3 / 10, Event::BeginCheckout, NONE, 0);
    w.leave(rng, dwell);
    if !rng.chance(0.8) {
        return;
    }

    let page = w.site.pick(PageKind::Payment, rng);
    w.go(page);
    let dwell = dwell_ms(rng, PageKind::Payment, 1.0);
    // The payment step's Apple Pay check throws on Safari 17: the technical-issue signal.
    let (error_p, give_up_p, props) = if w.fragile {
        (0.45, 0.7, w.cat.props.of(PropUse::PaymentError).start)
    } else {
        (0.01, 0.3, w.cat.props.of(PropUse::Error).start + 1)
    };
    if rng.chance(error_p) {
        w.event(dwell / 4, Event::Error, props, 0);
        if rng.chance(give_up_p) {
            w.leave(rng, dwell);
            return;
        }
    }
    w.leave(rng, dwell);
    if !rng.chance(0.85) {
        return;
    }

    let thanks = w.site.pick(PageKind::ThankYou, rng);
    if rng.chance(0.45) {
        // Off to the payment provider and back: an external referrer mid-session.
        w.pause(40_000 + (rng.exponential(70_000.0) as i64).min(10 * MS_PER_MINUTE));
        let gateway = rng.below(w.cat.gateways.len() as u64) as u16;
        w.view(thanks, Ref::Gateway, gateway, NONE);
    } else {
        w.go(thanks);
    }
    let revenue = if w.site.kind == SiteKind::Saas {
        let monthly: u32 = match plan - w.cat.props.of(PropUse::Plan).start {
            0 => 2_900,
            1 => 900,
            _ => 9_900,
        };
        if rng.chance(0.2) {
            monthly * 10
        } else {
            monthly
        }
    } else {
        let amount = rng.lognormal(48.0, 0.6).clamp(9.0, 900.0);
        amount.floor() as u32 * 100 + 99
    };
    let dwell = dwell_ms(rng, PageKind::ThankYou, 1.0);
    w.event(dwell / 5, Event::Purchase, NONE, revenue);
    w.leave(rng, dwell);
    if rng.chance(0.3) {
        let routes = 1 + rng.geometric(0.5, 3);
        app(w, rng, routes);
    }
}

/// Scroll depth (% of the page height) of a page left after `visible_ms` of visible time: a fifth
/// of pages fit in the first screen (100); on the others the first screen shows 15–60 % and a
/// reader goes deeper the longer they stay, rarely to the very end. Drawn from `key` (a hash of
/// the beacon), not from the session's generator, so the other generated values do not change
/// with it.
pub(crate) fn scroll_depth(key: u64, visible_ms: u32) -> u8 {
    let mut rng = Rng::new(key);
    if rng.chance(0.2) {
        return 100;
    }
    let first_screen = rng.uniform(15.0, 60.0);
    let read = 1.0 - (-f64::from(visible_ms) / 45_000.0).exp();
    let depth = first_screen + (100.0 - first_screen) * read * rng.uniform(0.5, 1.0);
    depth.round().min(100.0) as u8
}

#[cfg(test)]
mod scroll_tests {
    use super::scroll_depth;

    /// Within 0..=100, deeper on average the longer the visit, and a share of whole-page screens.
    #[test]
    fn scroll_depth_grows_with_time() {
        let mean = |visible_ms| {
            let depths: Vec<u8> = (0..2_000u64).map(|k| scroll_depth(k, visible_ms)).collect();
            assert!(depths.iter().all(|&d| d <= 100));
            let full = depths.iter().filter(|&&d| d == 100).count();
            assert!(
                (300..=500).contains(&full) || visible_ms > 60_000,
                "{full} of 2000 at 100 %"
            );
            depths.iter().map(|&d| f64::from(d)).sum::<f64>() / depths.len() as f64
        };
        let (glance, read, long) = (mean(0), mean(30_000), mean(300_000));
        assert!(glance < read && read < long, "{glance} {read} {long}");
        assert!((45.0..55.0).contains(&glance), "first screen only: {glance}");
    }
}
