//! What synthetic traffic is made of: sites and their pages, traffic sources, devices, places,
//! networks and bots. The tables are data (`data/*.tsv`, each file's comments say what its
//! columns mean); this module reads them and builds the weighted choices the generator draws
//! from. Values follow the collector's normalisation (`enrich/`): referrer hosts lowercase
//! without `www.`, browser and OS versions major only, macOS frozen at `10.15` for Safari and
//! Firefox, device class `bot` for every flagged hit.

use std::ops::Range;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::rng::{Rng, Weighted};
use super::tables::{rows, TableError};

// ---------------------------------------------------------------------------------------------
// Kinds the generator's behaviour depends on; the tables name them in kebab-case.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SiteKind {
    /// Product site with blog, docs, pricing, signup and a single-page app.
    Saas,
    /// Online shop: categories, products, cart, checkout.
    Shop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PageKind {
    Home,
    Blog,
    Docs,
    Features,
    Pricing,
    Signup,
    About,
    Contact,
    Product,
    Category,
    Cart,
    Checkout,
    Payment,
    ThankYou,
    /// Hash routes of a single-page app (`/app/#/dashboard`).
    App,
    Promo,
    /// Pages that no longer exist; the site serves its 404 page (tracked) at the old URL.
    NotFound,
    /// Health endpoint that uptime monitors load.
    Health,
    /// Paths vulnerability scanners request on any site (`/wp-login.php`, `/.env`, ...).
    Probe,
}

const PAGE_KIND_COUNT: usize = 19;

impl PageKind {
    const ALL: [PageKind; PAGE_KIND_COUNT] = [
        PageKind::Home,
        PageKind::Blog,
        PageKind::Docs,
        PageKind::Features,
        PageKind::Pricing,
        PageKind::Signup,
        PageKind::About,
        PageKind::Contact,
        PageKind::Product,
        PageKind::Category,
        PageKind::Cart,
        PageKind::Checkout,
        PageKind::Payment,
        PageKind::ThankYou,
        PageKind::App,
        PageKind::Promo,
        PageKind::NotFound,
        PageKind::Health,
        PageKind::Probe,
    ];

    fn index(self) -> usize {
        self as usize
    }

    /// Pages a crawler finds through links and sitemaps.
    pub fn is_public(self) -> bool {
        !matches!(
            self,
            PageKind::App
                | PageKind::Checkout
                | PageKind::Payment
                | PageKind::ThankYou
                | PageKind::Cart
                | PageKind::Health
                | PageKind::Probe
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    Direct,
    OrganicSearch,
    PaidSearch,
    PaidSocial,
    OrganicSocial,
    Email,
    Referral,
    AiAssistant,
    Display,
    Affiliate,
    Sms,
    Push,
    Video,
    CrossNetwork,
    Unassigned,
}

impl SourceKind {
    pub const ALL: [SourceKind; 15] = [
        SourceKind::Direct,
        SourceKind::OrganicSearch,
        SourceKind::PaidSearch,
        SourceKind::PaidSocial,
        SourceKind::OrganicSocial,
        SourceKind::Email,
        SourceKind::Referral,
        SourceKind::AiAssistant,
        SourceKind::Display,
        SourceKind::Affiliate,
        SourceKind::Sms,
        SourceKind::Push,
        SourceKind::Video,
        SourceKind::CrossNetwork,
        SourceKind::Unassigned,
    ];
}

/// Which kind of page a source sends people to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Landing {
    Home,
    Content,
    Product,
    Pricing,
    Promo,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum BotKind {
    /// Search and AI crawlers: many public pages, a few seconds apart.
    Crawler,
    /// Automated browsers (tests, scrapers): bursts of pages, sometimes with engagement beacons.
    Headless,
    /// Ordinary-looking browsers from cloud networks, scraping fast.
    Datacenter,
    /// Link unfurlers: one page, seldom two.
    Preview,
    /// Uptime checks: one page every minute or so, all day.
    Monitor,
}

/// What a network's addresses stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IspRole {
    /// People's access provider in its country.
    Access,
    /// iCloud Private Relay egress: people, not bots (the collector does not list these ASNs).
    Relay,
    /// Cloud and hosting networks the collector's ASN list holds: bot agents run here.
    Datacenter,
    /// Hosting networks that list does not hold: scripted bots come from here.
    Hosting,
}

/// What a custom event's properties are for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PropUse {
    /// The plan of a signup or purchase, in the order pro, starter, team.
    Plan,
    Outbound,
    Download,
    SignupForm,
    ContactForm,
    NewsletterForm,
    /// The payment step's error on the fragile browser.
    PaymentError,
    Error,
    Cart,
}

const PROP_USES: [PropUse; 9] = [
    PropUse::Plan,
    PropUse::Outbound,
    PropUse::Download,
    PropUse::SignupForm,
    PropUse::ContactForm,
    PropUse::NewsletterForm,
    PropUse::PaymentError,
    PropUse::Error,
    PropUse::Cart,
];
const PROP_USE_COUNT: usize = PROP_USES.len();

// ---------------------------------------------------------------------------------------------
// Events

/// Hit event names, indexed by [`Event`].
pub const EVENT_NAMES: [&str; 10] = [
    hitflow_schema::EVENT_PAGEVIEW,
    hitflow_schema::EVENT_ENGAGEMENT,
    hitflow_schema::EVENT_OUTBOUND,
    hitflow_schema::EVENT_DOWNLOAD,
    "signup",
    "add_to_cart",
    "begin_checkout",
    "purchase",
    "form_submit",
    "error",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Event {
    Pageview,
    Engagement,
    Outbound,
    Download,
    Signup,
    AddToCart,
    BeginCheckout,
    Purchase,
    FormSubmit,
    Error,
}

// ---------------------------------------------------------------------------------------------
// Table rows

#[derive(Debug, Clone)]
pub struct Page {
    pub path: String,
    /// The path as a referrer reports it: browsers drop the fragment, so hash routes collapse.
    pub ref_path: String,
    pub kind: PageKind,
}

/// One way into a site: the referrer and the landing URL's campaign fields.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub kind: SourceKind,
    pub weight: f64,
    pub ref_host: Option<&'static str>,
    pub ref_path: Option<&'static str>,
    pub utm_source: Option<&'static str>,
    pub utm_medium: Option<&'static str>,
    pub utm_campaign: Option<&'static str>,
    pub utm_term: Option<&'static str>,
    pub utm_content: Option<&'static str>,
    pub ref_param: Option<&'static str>,
    pub click_id: Option<&'static str>,
    pub landing: Landing,
    /// Only for sites of this flavour (shopping campaigns, say).
    pub only: Option<SiteKind>,
}

/// A payment gateway a buyer returns from to `/thank-you`; never a new session.
#[derive(Debug, Clone, Copy)]
pub struct Gateway {
    pub host: &'static str,
    pub path: &'static str,
}

#[derive(Debug, Clone)]
pub struct Device {
    pub device_type: &'static str,
    pub browser: Option<&'static str>,
    pub version: Option<&'static str>,
    pub os: Option<&'static str>,
    pub os_version: Option<&'static str>,
    pub widths: Vec<u16>,
    pub weight: f64,
}

/// `Safari` `17`: the browser the checkout's payment step breaks on (Apple Pay feature check).
pub fn is_fragile_browser(d: &Device) -> bool {
    d.browser == Some("Safari") && d.version == Some("17")
}

#[derive(Debug, Clone, Copy)]
pub struct Geo {
    pub country: &'static str,
    pub region: Option<&'static str>,
    pub city: Option<&'static str>,
    pub continent: &'static str,
    pub timezone: &'static str,
    pub colo: &'static str,
    /// Weight of the city within its country for people; 0: only networks' data centres.
    pub weight: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct Isp {
    pub asn: u32,
    pub org: &'static str,
    /// Country of its customers; `None` for data-centre and relay networks.
    pub country: Option<&'static str>,
    pub role: IspRole,
    pub weight: f64,
}

#[derive(Debug, Clone, Copy)]
pub struct BotAgent {
    pub kind: BotKind,
    pub reason: &'static str,
    pub browser: Option<&'static str>,
    pub version: Option<&'static str>,
    pub os: Option<&'static str>,
    pub os_version: Option<&'static str>,
    pub width: u16,
    /// Its place in [`Catalog::geos`] and network in [`Catalog::isps`].
    pub geo: u16,
    pub isp: u16,
    pub weight: f64,
}

/// Custom event properties (JSON object text); rows refer to them by index.
#[derive(Debug, Clone)]
pub struct Props {
    pub texts: Vec<&'static str>,
    /// Per [`PropUse`]: its rows.
    uses: [Range<u16>; PROP_USE_COUNT],
}

impl Props {
    /// The properties for `use_`, as indices into [`Props::texts`].
    pub fn of(&self, use_: PropUse) -> Range<u16> {
        self.uses[use_ as usize].clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Sites

pub struct Site {
    pub name: String,
    pub www_host: String,
    pub tz: Tz,
    pub kind: SiteKind,
    pub currency: &'static str,
    /// Relative traffic share among the configured sites.
    pub share: f64,
    pub pages: Vec<Page>,
    /// Per page kind: the pages and a popularity (Zipf-like) weighting over them.
    by_kind: Vec<(Vec<u16>, Weighted)>,
    /// Weighted over [`Catalog::geos`] indices: this site's audience.
    pub audience: Weighted,
    /// Weighted over [`SourceKind::ALL`].
    pub source_mix: Weighted,
    /// Public pages, for crawlers.
    pub public_pages: Vec<u16>,
}

impl Site {
    /// A page of `kind`, falling back to the home page when the site has none.
    pub fn pick(&self, kind: PageKind, rng: &mut Rng) -> u16 {
        let (pages, weights) = &self.by_kind[kind.index()];
        if pages.is_empty() {
            return self.by_kind[PageKind::Home.index()].0.first().copied().unwrap_or(0);
        }
        pages[weights.sample(rng)]
    }

    #[cfg(test)]
    pub fn has(&self, kind: PageKind) -> bool {
        !self.by_kind[kind.index()].0.is_empty()
    }

    pub fn kind_of(&self, page: u16) -> PageKind {
        self.pages.get(usize::from(page)).map_or(PageKind::Home, |p| p.kind)
    }
}

/// Where sites get their time zone, flavour, currency, audience and pages from, by position.
struct SiteTemplate {
    name: &'static str,
    tz: Tz,
    kind: SiteKind,
    currency: &'static str,
    /// Share of visitors per country.
    countries: Vec<(&'static str, f64)>,
}

/// Everything read from `data/`.
struct Tables {
    templates: Vec<SiteTemplate>,
    /// Per flavour: the pages in table order.
    pages: [Vec<(&'static str, PageKind)>; 2],
    /// Share of new sessions (percent) per source kind, by flavour.
    source_mix: FxHashMap<SourceKind, [f64; 2]>,
    sources: Vec<Source>,
    gateways: Vec<Gateway>,
    devices: Vec<Device>,
    geos: Vec<Geo>,
    isps: Vec<Isp>,
    bot_agents: Vec<BotAgent>,
    /// Share of non-monitor bot sessions by kind.
    bot_mix: Vec<(BotKind, f64)>,
    props: Props,
}

fn flavour_index(kind: SiteKind) -> usize {
    match kind {
        SiteKind::Saas => 0,
        SiteKind::Shop => 1,
    }
}

fn index_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl Tables {
    fn read() -> Result<Self, TableError> {
        let mut templates = rows(
            "site_templates.tsv",
            include_str!("../data/site_templates.tsv"),
            &["template", "time_zone", "flavour", "currency"],
            |r| {
                Ok(SiteTemplate {
                    name: r.text("template")?,
                    tz: r.parse("time_zone")?,
                    kind: r.kind("flavour")?,
                    currency: r.text("currency")?,
                    countries: Vec::new(),
                })
            },
        )?;
        rows(
            "audiences.tsv",
            include_str!("../data/audiences.tsv"),
            &["template", "country", "share"],
            |r| {
                let name = r.text("template")?;
                let template = templates
                    .iter_mut()
                    .find(|t| t.name == name)
                    .ok_or_else(|| r.error(format_args!("no site template {name:?}")))?;
                template.countries.push((r.text("country")?, r.parse("share")?));
                Ok(())
            },
        )?;

        let mut pages: [Vec<(&'static str, PageKind)>; 2] = [Vec::new(), Vec::new()];
        rows(
            "pages.tsv",
            include_str!("../data/pages.tsv"),
            &["flavour", "path", "kind"],
            |r| {
                let page = (r.text("path")?, r.kind("kind")?);
                if !page.0.starts_with('/') {
                    return Err(r.error("`path` must start with /"));
                }
                match r.text("flavour")? {
                    "any" => pages.iter_mut().for_each(|p| p.push(page)),
                    _ => pages[flavour_index(r.kind("flavour")?)].push(page),
                }
                Ok(())
            },
        )?;

        let source_mix = rows(
            "source_mix.tsv",
            include_str!("../data/source_mix.tsv"),
            &["source", "saas", "shop"],
            |r| Ok((r.kind("source")?, [r.parse("saas")?, r.parse("shop")?])),
        )?
        .into_iter()
        .collect();

        let sources = rows(
            "sources.tsv",
            include_str!("../data/sources.tsv"),
            &[
                "source",
                "weight",
                "landing",
                "referrer_host",
                "referrer_path",
                "utm_source",
                "utm_medium",
                "utm_campaign",
                "utm_term",
                "utm_content",
                "ref_param",
                "click_id",
                "only",
            ],
            |r| {
                Ok(Source {
                    kind: r.kind("source")?,
                    weight: r.parse("weight")?,
                    ref_host: r.optional("referrer_host")?,
                    ref_path: r.optional("referrer_path")?,
                    utm_source: r.optional("utm_source")?,
                    utm_medium: r.optional("utm_medium")?,
                    utm_campaign: r.optional("utm_campaign")?,
                    utm_term: r.optional("utm_term")?,
                    utm_content: r.optional("utm_content")?,
                    ref_param: r.optional("ref_param")?,
                    click_id: r.optional("click_id")?,
                    landing: r.kind("landing")?,
                    only: r.optional_kind("only")?,
                })
            },
        )?;

        let gateways = rows(
            "gateways.tsv",
            include_str!("../data/gateways.tsv"),
            &["host", "path"],
            |r| {
                Ok(Gateway {
                    host: r.text("host")?,
                    path: r.text("path")?,
                })
            },
        )?;

        let widths: Vec<(&str, Vec<u16>)> = rows(
            "screen_widths.tsv",
            include_str!("../data/screen_widths.tsv"),
            &["set", "widths"],
            |r| Ok((r.text("set")?, r.list("widths")?)),
        )?;
        let devices = rows(
            "devices.tsv",
            include_str!("../data/devices.tsv"),
            &[
                "device_type",
                "browser",
                "version",
                "os",
                "os_version",
                "screen_widths",
                "weight",
            ],
            |r| {
                let device_type = r.text("device_type")?;
                if !hitflow_schema::DEVICE_TYPES.contains(&device_type) || device_type == "bot" {
                    return Err(r.error(format_args!("{device_type:?} is not a human device type")));
                }
                let widths = match r.optional("screen_widths")? {
                    None => Vec::new(),
                    Some(set) => widths
                        .iter()
                        .find(|(name, _)| *name == set)
                        .map(|(_, w)| w.clone())
                        .ok_or_else(|| r.error(format_args!("no screen width set {set:?}")))?,
                };
                Ok(Device {
                    device_type,
                    browser: r.optional("browser")?,
                    version: r.optional("version")?,
                    os: r.optional("os")?,
                    os_version: r.optional("os_version")?,
                    widths,
                    weight: r.parse("weight")?,
                })
            },
        )?;

        let geos = rows(
            "geos.tsv",
            include_str!("../data/geos.tsv"),
            &["country", "region", "city", "continent", "time_zone", "colo", "weight"],
            |r| {
                let timezone = r.text("time_zone")?;
                r.parse::<Tz>("time_zone")?;
                Ok(Geo {
                    country: r.text("country")?,
                    region: r.optional("region")?,
                    city: r.optional("city")?,
                    continent: r.text("continent")?,
                    timezone,
                    colo: r.text("colo")?,
                    weight: r.parse("weight")?,
                })
            },
        )?;

        let isps = rows(
            "isps.tsv",
            include_str!("../data/isps.tsv"),
            &["asn", "organisation", "country", "role", "weight"],
            |r| {
                let isp = Isp {
                    asn: r.parse("asn")?,
                    org: r.text("organisation")?,
                    country: r.optional("country")?,
                    role: r.kind("role")?,
                    weight: r.parse("weight")?,
                };
                if (isp.role == IspRole::Access) != isp.country.is_some() {
                    return Err(r.error("an access network has a country, the others have none"));
                }
                Ok(isp)
            },
        )?;

        let bot_agents = rows(
            "bot_agents.tsv",
            include_str!("../data/bot_agents.tsv"),
            &[
                "kind",
                "reason",
                "browser",
                "version",
                "os",
                "os_version",
                "screen_width",
                "city",
                "asn",
                "weight",
            ],
            |r| {
                let city = r.text("city")?;
                let asn: u32 = r.parse("asn")?;
                let geo = geos
                    .iter()
                    .position(|g| g.city == Some(city))
                    .ok_or_else(|| r.error(format_args!("no city {city:?} in geos.tsv")))?;
                let isp = isps
                    .iter()
                    .position(|n| n.asn == asn)
                    .ok_or_else(|| r.error(format_args!("no ASN {asn} in isps.tsv")))?;
                Ok(BotAgent {
                    kind: r.kind("kind")?,
                    reason: r.text("reason")?,
                    browser: r.optional("browser")?,
                    version: r.optional("version")?,
                    os: r.optional("os")?,
                    os_version: r.optional("os_version")?,
                    width: r.parse("screen_width")?,
                    geo: index_u16(geo),
                    isp: index_u16(isp),
                    weight: r.parse("weight")?,
                })
            },
        )?;

        let bot_mix = rows(
            "bot_mix.tsv",
            include_str!("../data/bot_mix.tsv"),
            &["kind", "share"],
            |r| Ok((r.kind("kind")?, r.parse("share")?)),
        )?;

        Ok(Tables {
            templates,
            pages,
            source_mix,
            sources,
            gateways,
            devices,
            geos,
            isps,
            bot_agents,
            bot_mix,
            props: read_props()?,
        })
    }

    /// Checks what the generator relies on beyond single rows.
    fn check(&self) -> Result<(), TableError> {
        let fail = |file, message: String| Err(TableError { file, line: 0, message });
        if self.templates.is_empty() {
            return fail("site_templates.tsv", "no site template".to_owned());
        }
        for t in &self.templates {
            for (country, _) in &t.countries {
                if !self.geos.iter().any(|g| g.country == *country && g.weight > 0.0) {
                    return fail("audiences.tsv", format!("{}: no place of people in {country}", t.name));
                }
            }
        }
        for g in self.geos.iter().filter(|g| g.weight > 0.0) {
            if !self.isps.iter().any(|n| n.country == Some(g.country)) {
                return fail("isps.tsv", format!("no access network in {}", g.country));
            }
        }
        for kind in SourceKind::ALL {
            if !self.source_mix.contains_key(&kind) {
                return fail("source_mix.tsv", format!("no share for {kind:?}"));
            }
        }
        for role in [IspRole::Relay, IspRole::Hosting] {
            if !self.isps.iter().any(|n| n.role == role) {
                return fail("isps.tsv", format!("no {role:?} network"));
            }
        }
        if self.gateways.is_empty() {
            return fail("gateways.tsv", "no payment gateway".to_owned());
        }
        for &(kind, _) in &self.bot_mix {
            if kind == BotKind::Monitor || !self.bot_agents.iter().any(|a| a.kind == kind) {
                return fail("bot_mix.tsv", format!("{kind:?}: not a kind of visiting bot agent"));
            }
        }
        if self.bot_mix.is_empty() {
            return fail("bot_mix.tsv", "no bot kind".to_owned());
        }
        Ok(())
    }
}

fn read_props() -> Result<Props, TableError> {
    const FILE: &str = "props.tsv";
    const TEXT: &str = include_str!("../data/props.tsv");
    let mut uses: [Option<Range<u16>>; PROP_USE_COUNT] = Default::default();
    let mut texts = Vec::new();
    rows(FILE, TEXT, &["use", "props"], |r| {
        let use_: PropUse = r.kind("use")?;
        let i = index_u16(texts.len());
        let range = uses[use_ as usize].get_or_insert(i..i);
        if range.end != i {
            return Err(r.error(format_args!("the rows of {use_:?} must be next to each other")));
        }
        range.end += 1;
        texts.push(r.text("props")?);
        Ok(())
    })?;
    let mut ranges: [Range<u16>; PROP_USE_COUNT] = Default::default();
    for ((slot, range), use_) in ranges.iter_mut().zip(uses).zip(PROP_USES) {
        *slot = range.ok_or_else(|| TableError {
            file: FILE,
            line: 0,
            message: format!("no properties for {use_:?}"),
        })?;
    }
    Ok(Props { texts, uses: ranges })
}

// ---------------------------------------------------------------------------------------------
// The built catalogue

pub struct Catalog {
    pub sites: Vec<Site>,
    pub sources: Vec<Source>,
    pub gateways: Vec<Gateway>,
    /// Human devices.
    pub devices: Vec<Device>,
    pub geos: Vec<Geo>,
    pub isps: Vec<Isp>,
    pub bot_agents: Vec<BotAgent>,
    pub props: Props,
    /// Weighted over [`Catalog::devices`].
    pub device_mix: Weighted,
    /// Per geo index: the ISPs of its country (indices into `isps`) and their weights.
    isps_of_geo: Vec<(Vec<u16>, Weighted)>,
    /// Per source kind and site flavour: indices into `sources` and weights.
    sources_of_kind: FxHashMap<(SourceKind, bool), (Vec<u16>, Weighted)>,
    bot_kinds: Weighted,
    bot_agents_of_kind: Vec<(BotKind, Vec<u16>, Weighted)>,
    /// iCloud Private Relay networks, in table order.
    pub relay_isps: Vec<u16>,
    /// Hosting networks the collector does not flag, in table order.
    pub hosting_isps: Vec<u16>,
}

impl Catalog {
    pub fn new(site_names: &[String]) -> Result<Self, TableError> {
        let tables = Tables::read()?;
        tables.check()?;
        let sites = site_names
            .iter()
            .enumerate()
            .map(|(i, name)| build_site(&tables, i, name))
            .collect();

        let isps = &tables.isps;
        let isps_of_geo = tables
            .geos
            .iter()
            .map(|g| {
                let ids: Vec<u16> = (0..isps.len())
                    .filter(|&i| isps[i].country == Some(g.country))
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| isps[usize::from(i)].weight));
                (ids, w)
            })
            .collect();

        let sources = &tables.sources;
        let mut sources_of_kind = FxHashMap::default();
        for kind in SourceKind::ALL {
            for (shop, site_kind) in [(false, SiteKind::Saas), (true, SiteKind::Shop)] {
                let ids: Vec<u16> = (0..sources.len())
                    .filter(|&i| sources[i].kind == kind && sources[i].only.is_none_or(|k| k == site_kind))
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| sources[usize::from(i)].weight));
                sources_of_kind.insert((kind, shop), (ids, w));
            }
        }

        let agents = &tables.bot_agents;
        let bot_agents_of_kind = tables
            .bot_mix
            .iter()
            .map(|&(kind, _)| {
                let ids: Vec<u16> = (0..agents.len())
                    .filter(|&i| agents[i].kind == kind)
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| agents[usize::from(i)].weight));
                (kind, ids, w)
            })
            .collect();
        let isps_with = |role: IspRole| -> Vec<u16> {
            (0..isps.len())
                .filter(|&i| isps[i].role == role)
                .map(index_u16)
                .collect()
        };

        Ok(Catalog {
            sites,
            device_mix: Weighted::new(tables.devices.iter().map(|d| d.weight)),
            isps_of_geo,
            sources_of_kind,
            bot_kinds: Weighted::new(tables.bot_mix.iter().map(|&(_, w)| w)),
            bot_agents_of_kind,
            relay_isps: isps_with(IspRole::Relay),
            hosting_isps: isps_with(IspRole::Hosting),
            sources: tables.sources,
            gateways: tables.gateways,
            devices: tables.devices,
            geos: tables.geos,
            isps: tables.isps,
            bot_agents: tables.bot_agents,
            props: tables.props,
        })
    }

    /// An ISP for someone at `geo`.
    pub fn isp_for(&self, geo: u16, rng: &mut Rng) -> u16 {
        match self.isps_of_geo.get(usize::from(geo)) {
            Some((ids, w)) if !ids.is_empty() => ids[w.sample(rng)],
            _ => 0,
        }
    }

    /// A source of `kind` suitable for the site.
    pub fn source(&self, kind: SourceKind, site: SiteKind, rng: &mut Rng) -> u16 {
        match self.sources_of_kind.get(&(kind, site == SiteKind::Shop)) {
            Some((ids, w)) if !ids.is_empty() => ids[w.sample(rng)],
            _ => 0, // direct
        }
    }

    /// A bot agent of a non-monitor kind, by the kind shares.
    pub fn bot_agent(&self, rng: &mut Rng) -> u16 {
        let (_, ids, w) = &self.bot_agents_of_kind[self.bot_kinds.sample(rng)];
        ids[w.sample(rng)]
    }

    /// Monitor agents, in table order.
    pub fn monitor_agents(&self) -> Vec<u16> {
        (0..self.bot_agents.len())
            .filter(|&i| self.bot_agents[i].kind == BotKind::Monitor)
            .map(index_u16)
            .collect()
    }
}

fn build_site(tables: &Tables, position: usize, name: &str) -> Site {
    let t = &tables.templates[position % tables.templates.len()];
    let pages: Vec<Page> = tables.pages[flavour_index(t.kind)]
        .iter()
        .map(|&(path, kind)| {
            let ref_path = path.split('#').next().unwrap_or("/").to_owned();
            Page {
                path: path.to_owned(),
                ref_path,
                kind,
            }
        })
        .collect();
    let by_kind = PageKind::ALL
        .iter()
        .map(|&kind| {
            let ids: Vec<u16> = (0..pages.len())
                .filter(|&i| pages[i].kind == kind)
                .map(index_u16)
                .collect();
            // Popularity falls off with position, like real page views do.
            let w = Weighted::new((0..ids.len()).map(|r| 1.0 / (r as f64 + 1.0).powf(0.9)));
            (ids, w)
        })
        .collect();
    let geos = &tables.geos;
    let audience = Weighted::new(geos.iter().map(|g| {
        let country = t
            .countries
            .iter()
            .find(|(c, _)| *c == g.country)
            .map_or(0.0, |(_, w)| *w);
        let in_country: f64 = geos.iter().filter(|o| o.country == g.country).map(|o| o.weight).sum();
        if in_country > 0.0 {
            country * g.weight / in_country
        } else {
            0.0
        }
    }));
    let public_pages = (0..pages.len())
        .filter(|&i| pages[i].kind.is_public())
        .map(index_u16)
        .collect();
    let flavour = flavour_index(t.kind);
    Site {
        name: name.to_owned(),
        www_host: format!("www.{name}"),
        tz: t.tz,
        kind: t.kind,
        currency: t.currency,
        share: 1.0 / (1.0 + position as f64 * 0.5),
        pages,
        by_kind,
        audience,
        source_mix: Weighted::new(SourceKind::ALL.iter().map(|k| tables.source_mix[k][flavour])),
        public_pages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        let cat = Catalog::new(&["a.com".into(), "b.org".into(), "c.net".into(), "d.io".into()])
            .unwrap_or_else(|e| panic!("{e}"));
        for site in &cat.sites {
            for kind in [
                PageKind::Home,
                PageKind::Checkout,
                PageKind::Payment,
                PageKind::ThankYou,
                PageKind::NotFound,
                PageKind::Health,
                PageKind::Probe,
            ] {
                assert!(site.has(kind), "{} lacks {kind:?}", site.name);
            }
            assert!(site.pages.iter().all(|p| !p.ref_path.contains('#')));
        }
        for kind in SourceKind::ALL {
            for site in [SiteKind::Saas, SiteKind::Shop] {
                assert!(
                    !cat.sources_of_kind[&(kind, site == SiteKind::Shop)].0.is_empty(),
                    "{kind:?}"
                );
            }
        }
        for p in &cat.props.texts {
            assert!(
                serde_json::from_str::<serde_json::Value>(p).is_ok_and(|v| v.is_object()),
                "{p}"
            );
        }
        let plans: Vec<&str> = cat.props.texts[usize::from(cat.props.of(PropUse::Plan).start)..]
            .iter()
            .take(3)
            .copied()
            .collect();
        // Checkout prices the plans by this order.
        assert_eq!(
            plans,
            [r#"{"plan":"pro"}"#, r#"{"plan":"starter"}"#, r#"{"plan":"team"}"#]
        );
        assert!(
            cat.props.of(PropUse::Error).len() >= 2,
            "checkout uses the second generic error"
        );
    }
}
