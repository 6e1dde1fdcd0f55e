//! The catalogue's tables as read from `data/*.tsv`: one reader per file, each checking its
//! rows and their references to other tables.

use std::ops::Range;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::kinds::*;
use super::tsv::{rows, TableError};

/// A table's file name and its text, compiled in.
macro_rules! data {
    ($file:literal) => {
        ($file, include_str!(concat!("../../data/", $file)))
    };
}

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
    /// Its place in [`super::Catalog::geos`] and network in [`super::Catalog::isps`].
    pub geo: u16,
    pub isp: u16,
    pub weight: f64,
}

/// Relative session starts by local hour (0–23) on weekdays and at weekends.
#[derive(Debug, Clone, Copy)]
pub struct DailyRhythm {
    by_days: [[f64; 24]; 2],
}

impl DailyRhythm {
    pub fn at(&self, local_hour: u32, weekend: bool) -> f64 {
        self.by_days[usize::from(weekend)][(local_hour % 24) as usize]
    }
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

/// Where sites get their time zone, flavour, currency, audience and pages from, by position.
pub(super) struct SiteTemplate {
    pub name: &'static str,
    pub tz: Tz,
    pub kind: SiteKind,
    pub currency: &'static str,
    /// Share of visitors per country.
    pub countries: Vec<(&'static str, f64)>,
}

/// Everything read from `data/`.
pub(super) struct Tables {
    pub templates: Vec<SiteTemplate>,
    /// Per flavour: the pages in table order.
    pub pages: [Vec<(&'static str, PageKind)>; 2],
    /// Per flavour.
    pub rhythms: [DailyRhythm; 2],
    /// Share of new sessions (percent) per source kind, by flavour.
    pub source_mix: FxHashMap<SourceKind, [f64; 2]>,
    pub sources: Vec<Source>,
    pub gateways: Vec<Gateway>,
    pub devices: Vec<Device>,
    pub geos: Vec<Geo>,
    pub isps: Vec<Isp>,
    pub bot_agents: Vec<BotAgent>,
    /// Share of non-monitor bot sessions by kind.
    pub bot_mix: Vec<(BotKind, f64)>,
    pub props: Props,
}

pub(super) fn flavour_index(kind: SiteKind) -> usize {
    match kind {
        SiteKind::Saas => 0,
        SiteKind::Shop => 1,
    }
}

pub(super) fn index_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl Tables {
    pub fn read() -> Result<Self, TableError> {
        let geos = read_geos()?;
        let isps = read_isps()?;
        Ok(Tables {
            templates: read_site_templates()?,
            pages: read_pages()?,
            rhythms: read_daily_rhythms()?,
            source_mix: read_source_mix()?,
            sources: read_sources()?,
            gateways: read_gateways()?,
            devices: read_devices()?,
            bot_agents: read_bot_agents(&geos, &isps)?,
            geos,
            isps,
            bot_mix: read_bot_mix()?,
            props: read_props()?,
        })
    }

    /// Checks what the generator relies on beyond single rows.
    pub fn check(&self) -> Result<(), TableError> {
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

fn read_site_templates() -> Result<Vec<SiteTemplate>, TableError> {
    let mut templates = rows(
        data!("site_templates.tsv"),
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
    rows(data!("audiences.tsv"), &["template", "country", "share"], |r| {
        let name = r.text("template")?;
        let template = templates
            .iter_mut()
            .find(|t| t.name == name)
            .ok_or_else(|| r.error(format_args!("no site template {name:?}")))?;
        template.countries.push((r.text("country")?, r.parse("share")?));
        Ok(())
    })?;
    Ok(templates)
}

fn read_pages() -> Result<[Vec<(&'static str, PageKind)>; 2], TableError> {
    let mut pages: [Vec<(&'static str, PageKind)>; 2] = [Vec::new(), Vec::new()];
    rows(data!("pages.tsv"), &["flavour", "path", "kind"], |r| {
        let page = (r.text("path")?, r.kind("kind")?);
        if !page.0.starts_with('/') {
            return Err(r.error("`path` must start with /"));
        }
        match r.text("flavour")? {
            "any" => pages.iter_mut().for_each(|p| p.push(page)),
            _ => pages[flavour_index(r.kind("flavour")?)].push(page),
        }
        Ok(())
    })?;
    Ok(pages)
}

fn read_daily_rhythms() -> Result<[DailyRhythm; 2], TableError> {
    let table = data!("daily_rhythms.tsv");
    let mut found = [[None; 2]; 2];
    rows(table, &["flavour", "days", "hours"], |r| {
        let hours: Vec<f64> = r.list("hours")?;
        let hours: [f64; 24] = hours
            .try_into()
            .map_err(|h: Vec<f64>| r.error(format_args!("`hours` has {} values, expected 24", h.len())))?;
        let weekend = r.kind::<Days>("days")? == Days::Weekend;
        found[flavour_index(r.kind("flavour")?)][usize::from(weekend)] = Some(hours);
        Ok(())
    })?;
    let [saas, shop] = found.map(|[weekday, weekend]| {
        Some(DailyRhythm {
            by_days: [weekday?, weekend?],
        })
    });
    match (saas, shop) {
        (Some(saas), Some(shop)) => Ok([saas, shop]),
        _ => Err(TableError {
            file: table.0,
            line: 0,
            message: "every flavour needs a weekday and a weekend row".to_owned(),
        }),
    }
}

fn read_source_mix() -> Result<FxHashMap<SourceKind, [f64; 2]>, TableError> {
    let source_mix = rows(data!("source_mix.tsv"), &["source", "saas", "shop"], |r| {
        Ok((r.kind("source")?, [r.parse("saas")?, r.parse("shop")?]))
    })?
    .into_iter()
    .collect();
    Ok(source_mix)
}

fn read_sources() -> Result<Vec<Source>, TableError> {
    rows(
        data!("sources.tsv"),
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
    )
}

fn read_gateways() -> Result<Vec<Gateway>, TableError> {
    rows(data!("gateways.tsv"), &["host", "path"], |r| {
        Ok(Gateway {
            host: r.text("host")?,
            path: r.text("path")?,
        })
    })
}

fn read_devices() -> Result<Vec<Device>, TableError> {
    let widths: Vec<(&str, Vec<u16>)> = rows(data!("screen_widths.tsv"), &["set", "widths"], |r| {
        Ok((r.text("set")?, r.list("widths")?))
    })?;
    rows(
        data!("devices.tsv"),
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
    )
}

fn read_geos() -> Result<Vec<Geo>, TableError> {
    rows(
        data!("geos.tsv"),
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
    )
}

fn read_isps() -> Result<Vec<Isp>, TableError> {
    rows(
        data!("isps.tsv"),
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
    )
}

fn read_bot_agents(geos: &[Geo], isps: &[Isp]) -> Result<Vec<BotAgent>, TableError> {
    rows(
        data!("bot_agents.tsv"),
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
    )
}

fn read_bot_mix() -> Result<Vec<(BotKind, f64)>, TableError> {
    rows(data!("bot_mix.tsv"), &["kind", "share"], |r| {
        Ok((r.kind("kind")?, r.parse("share")?))
    })
}

fn read_props() -> Result<Props, TableError> {
    let (file, text) = data!("props.tsv");
    let mut uses: [Option<Range<u16>>; PROP_USE_COUNT] = Default::default();
    let mut texts = Vec::new();
    rows((file, text), &["use", "props"], |r| {
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
            file,
            line: 0,
            message: format!("no properties for {use_:?}"),
        })?;
    }
    Ok(Props { texts, uses: ranges })
}
