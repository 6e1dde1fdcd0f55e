//! What synthetic traffic is made of: sites and their pages, traffic sources, devices, places,
//! networks and bots. The tables are data (`data/*.tsv`, each file's comments say what its
//! columns mean); this module reads them and builds the weighted choices the generator draws
//! from. Values follow the collector's normalisation (`enrich/`): referrer hosts lowercase
//! without `www.`, browser and OS versions major only, macOS frozen at `10.15` for Safari and
//! Firefox, device class `bot` for every flagged hit.

mod kinds;
mod tables;
mod tsv;

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

pub use kinds::*;
pub use tables::*;
use tables::{flavour_index, index_u16, Tables};
pub use tsv::TableError;

use super::rng::{Rng, Weighted};

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
    /// When its visitors come, by local hour.
    pub rhythm: DailyRhythm,
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
        rhythm: tables.rhythms[flavour],
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

    #[test]
    fn check_refuses_tables_the_generator_cannot_use() {
        let read = || Tables::read().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(read().check(), Ok(()));
        type Damage = fn(&mut Tables);
        let broken: [(Damage, &str); 5] = [
            (|t| t.templates.clear(), "data/site_templates.tsv: no site template"),
            (
                |t| t.isps.retain(|n| n.role != IspRole::Relay),
                "data/isps.tsv: no Relay network",
            ),
            (
                |t| t.isps.retain(|n| n.country != Some("JP")),
                "data/isps.tsv: no access network in JP",
            ),
            (
                |t| t.geos.retain(|g| g.country != "SE"),
                "data/audiences.tsv: berlin-saas: no place of people in SE",
            ),
            (
                |t| t.bot_mix.push((BotKind::Monitor, 1.0)),
                "data/bot_mix.tsv: Monitor: not a kind of visiting bot agent",
            ),
        ];
        for (damage, message) in broken {
            let mut tables = read();
            damage(&mut tables);
            assert_eq!(tables.check().map_err(|e| e.to_string()), Err(message.to_owned()));
        }
    }
}
