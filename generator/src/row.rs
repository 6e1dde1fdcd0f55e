//! The compact form a generated hit waits in until its file is written: indices into the
//! catalogue instead of strings, so hours of buffered traffic cost ~56 bytes a hit and the
//! `Hit` (with its ~20 small strings) is built only for the file being handed out.

use hitflow_schema::Hit;

use super::catalog::{Catalog, Event};

/// "No value" for the `u16` index fields.
pub const NONE: u16 = u16::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Ref {
    None,
    /// A page of the same site (index in `ref_idx`).
    Internal,
    /// The referrer of a [`Catalog::sources`] entry.
    External,
    /// A payment gateway in [`Catalog::gateways`].
    Gateway,
}

#[derive(Debug, Clone, Copy)]
pub struct Row {
    pub ts: i64,
    pub hit_id: u64,
    pub visitor_id: u64,
    /// Purchase value in cents; 0: none.
    pub revenue_cents: u32,
    /// `u32::MAX`: none.
    pub engaged_ms: u32,
    /// Scroll depth in %; `u8::MAX`: none.
    pub scroll: u8,
    pub site: u16,
    pub page: u16,
    pub ref_idx: u16,
    /// [`Catalog::sources`] entry whose campaign fields the URL carried, or [`NONE`].
    pub campaign: u16,
    /// [`Catalog::props`] index or [`NONE`].
    pub props: u16,
    /// [`Catalog::devices`] index, or [`Catalog::bot_agents`] index when `bot`.
    pub device: u16,
    pub geo: u16,
    pub isp: u16,
    /// 0: unknown.
    pub width: u16,
    pub event: Event,
    pub referrer: Ref,
    pub entry: Option<bool>,
    pub bot: bool,
    pub www: bool,
    /// A retried batch's second copy.
    pub dup: bool,
}

impl Row {
    pub const BLANK: Row = Row {
        ts: 0,
        hit_id: 0,
        visitor_id: 0,
        revenue_cents: 0,
        engaged_ms: u32::MAX,
        scroll: u8::MAX,
        site: 0,
        page: 0,
        ref_idx: NONE,
        campaign: NONE,
        props: NONE,
        device: 0,
        geo: 0,
        isp: 0,
        width: 0,
        event: Event::Pageview,
        referrer: Ref::None,
        entry: None,
        bot: false,
        www: false,
        dup: false,
    };

    pub fn is_conversion(&self) -> bool {
        matches!(self.event, Event::Signup | Event::Purchase)
    }
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

/// Builds the stored hit. Indices come from the catalogue the rows were generated with, so
/// lookups only miss on a bug; a miss then yields an empty field rather than a panic.
pub fn materialize(row: &Row, cat: &Catalog) -> Hit {
    let Some(site) = cat.sites.get(usize::from(row.site)) else {
        return Hit {
            ts: row.ts,
            hit_id: row.hit_id,
            visitor_id: row.visitor_id,
            ..Hit::default()
        };
    };
    let page = site.pages.get(usize::from(row.page));
    let (referrer_host, referrer_path) = match row.referrer {
        Ref::None => (None, None),
        // The referrer parser strips `www.`, so an internal referrer's host is the bare site.
        Ref::Internal => (
            s(&site.name),
            site.pages.get(usize::from(row.ref_idx)).map(|p| p.ref_path.clone()),
        ),
        Ref::External => match cat.sources.get(usize::from(row.ref_idx)) {
            Some(src) => (src.ref_host.map(str::to_owned), src.ref_path.map(str::to_owned)),
            None => (None, None),
        },
        Ref::Gateway => match cat.gateways.get(usize::from(row.ref_idx)) {
            Some(g) => (s(g.host), s(g.path)),
            None => (None, None),
        },
    };
    let campaign = cat.sources.get(usize::from(row.campaign));
    let geo = cat.geos.get(usize::from(row.geo));
    let isp = cat.isps.get(usize::from(row.isp));
    let (device_type, browser, browser_version, os, os_version) = if row.bot {
        match cat.bot_agents.get(usize::from(row.device)) {
            Some(a) => ("bot", a.browser, a.version, a.os, a.os_version),
            None => ("bot", None, None, None, None),
        }
    } else {
        match cat.devices.get(usize::from(row.device)) {
            Some(d) => (d.device_type, d.browser, d.version, d.os, d.os_version),
            None => ("other", None, None, None, None),
        }
    };
    let bot_reason = if row.bot {
        cat.bot_agents.get(usize::from(row.device)).map(|a| a.reason.to_owned())
    } else {
        None
    };
    let purchase = row.revenue_cents > 0;
    Hit {
        ts: row.ts,
        hit_id: row.hit_id,
        site: site.name.clone(),
        event: row.event.name().to_owned(),
        visitor_id: row.visitor_id,
        url_host: if row.www {
            site.www_host.clone()
        } else {
            site.name.clone()
        },
        url_path: page.map_or_else(|| "/".to_owned(), |p| p.path.clone()),
        referrer_host,
        referrer_path,
        utm_source: campaign.and_then(|c| c.utm_source).map(str::to_owned),
        utm_medium: campaign.and_then(|c| c.utm_medium).map(str::to_owned),
        utm_campaign: campaign.and_then(|c| c.utm_campaign).map(str::to_owned),
        utm_term: campaign.and_then(|c| c.utm_term).map(str::to_owned),
        utm_content: campaign.and_then(|c| c.utm_content).map(str::to_owned),
        ref_param: campaign.and_then(|c| c.ref_param).map(str::to_owned),
        click_id_kind: campaign.and_then(|c| c.click_id).map(str::to_owned),
        country: geo.map(|g| g.country.to_owned()),
        region: geo.and_then(|g| g.region).map(str::to_owned),
        city: geo.and_then(|g| g.city).map(str::to_owned),
        continent: geo.map(|g| g.continent.to_owned()),
        timezone: geo.map(|g| g.timezone.to_owned()),
        asn: isp.map(|n| n.asn),
        as_org: isp.map(|n| n.org.to_owned()),
        colo: geo.map(|g| g.colo.to_owned()),
        device_type: device_type.to_owned(),
        browser: browser.map(str::to_owned),
        browser_version: browser_version.map(str::to_owned),
        os: os.map(str::to_owned),
        os_version: os_version.map(str::to_owned),
        is_bot: row.bot,
        bot_reason,
        engaged_ms: (row.engaged_ms != u32::MAX).then_some(row.engaged_ms),
        screen_width: (row.width != 0).then_some(u32::from(row.width)),
        scroll_depth: (row.scroll != u8::MAX).then_some(u32::from(row.scroll)),
        revenue: purchase.then(|| f64::from(row.revenue_cents) / 100.0),
        currency: purchase.then(|| site.currency.to_owned()),
        props: cat.props.texts.get(usize::from(row.props)).map(|p| (*p).to_owned()),
        entry: row.entry,
    }
}
