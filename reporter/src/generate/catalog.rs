//! What synthetic traffic is made of: sites and their pages, traffic sources, devices, places,
//! networks and bots. Values follow the collector's normalisation (`enrich/`): referrer hosts
//! lowercase without `www.`, browser and OS versions major only, macOS frozen at `10.15` for
//! Safari and Firefox, device class `bot` for every flagged hit.

use chrono_tz::Tz;
use rustc_hash::FxHashMap;

use super::rng::{Rng, Weighted};

// ---------------------------------------------------------------------------------------------
// Sites and pages

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    /// Product site with blog, docs, pricing, signup and a single-page app.
    Saas,
    /// Online shop: categories, products, cart, checkout.
    Shop,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

#[derive(Debug, Clone)]
pub struct Page {
    pub path: String,
    /// The path as a referrer reports it: browsers drop the fragment, so hash routes collapse.
    pub ref_path: String,
    pub kind: PageKind,
}

/// Where sites get their time zone, flavour, currency and audience from, by position.
struct SiteTemplate {
    tz: &'static str,
    kind: SiteKind,
    currency: &'static str,
    countries: &'static [(&'static str, f64)],
}

const TEMPLATES: [SiteTemplate; 4] = [
    SiteTemplate {
        tz: "Europe/Berlin",
        kind: SiteKind::Saas,
        currency: "EUR",
        countries: &[
            ("DE", 52.0),
            ("AT", 6.0),
            ("CH", 5.0),
            ("NL", 4.0),
            ("FR", 4.0),
            ("GB", 5.0),
            ("US", 9.0),
            ("PL", 3.0),
            ("IT", 2.0),
            ("ES", 2.0),
            ("SE", 1.5),
            ("IN", 2.0),
            ("BR", 1.0),
            ("JP", 1.0),
            ("CA", 1.0),
            ("AU", 0.7),
            ("SG", 0.3),
            ("MX", 0.3),
        ],
    },
    SiteTemplate {
        tz: "America/New_York",
        kind: SiteKind::Shop,
        currency: "USD",
        countries: &[
            ("US", 66.0),
            ("CA", 8.0),
            ("GB", 5.0),
            ("DE", 3.0),
            ("MX", 3.0),
            ("BR", 2.5),
            ("IN", 4.0),
            ("AU", 2.5),
            ("FR", 1.5),
            ("JP", 1.0),
            ("NL", 1.0),
            ("ES", 0.8),
            ("IT", 0.7),
            ("SG", 0.5),
        ],
    },
    SiteTemplate {
        tz: "America/Los_Angeles",
        kind: SiteKind::Saas,
        currency: "USD",
        countries: &[
            ("US", 58.0),
            ("CA", 6.0),
            ("IN", 7.0),
            ("GB", 6.0),
            ("DE", 5.0),
            ("BR", 3.0),
            ("JP", 3.0),
            ("AU", 3.0),
            ("FR", 2.0),
            ("NL", 2.0),
            ("SG", 2.0),
            ("MX", 1.5),
            ("SE", 1.0),
            ("PL", 0.5),
        ],
    },
    SiteTemplate {
        tz: "Europe/Paris",
        kind: SiteKind::Shop,
        currency: "EUR",
        countries: &[
            ("FR", 55.0),
            ("DE", 8.0),
            ("CH", 5.0),
            ("GB", 5.0),
            ("ES", 5.0),
            ("IT", 5.0),
            ("NL", 3.0),
            ("US", 7.0),
            ("CA", 2.0),
            ("PL", 2.0),
            ("AT", 1.0),
            ("BR", 1.0),
            ("IN", 1.0),
        ],
    },
];

const BLOG_SLUGS: [&str; 30] = [
    "privacy-first-analytics",
    "cookieless-tracking-explained",
    "ga4-vs-hitflow",
    "utm-parameters-guide",
    "server-side-tagging",
    "core-web-vitals-2026",
    "bounce-rate-is-dead",
    "attribution-models",
    "gdpr-analytics-checklist",
    "parquet-for-analytics",
    "sessionization-rules",
    "bot-traffic-report",
    "ai-assistants-referrals",
    "channel-grouping",
    "self-hosting-guide",
    "cloudflare-workers-analytics",
    "r2-data-lake",
    "duckdb-reporting",
    "conversion-funnels",
    "landing-page-tips",
    "email-campaign-tracking",
    "paid-social-attribution",
    "seo-for-saas",
    "pricing-page-experiments",
    "release-notes-1-0",
    "release-notes-1-1",
    "customer-story-acme",
    "customer-story-globex",
    "engineering-at-hitflow",
    "roadmap-2026",
];
const DOC_SLUGS: [&str; 20] = [
    "getting-started",
    "install-tracker",
    "spa-tracking",
    "custom-events",
    "revenue-tracking",
    "outbound-links",
    "file-downloads",
    "utm-campaigns",
    "api-reference",
    "reporter-cli",
    "bot-filtering",
    "sessions",
    "channels",
    "data-export",
    "self-hosting",
    "faq",
    "troubleshooting",
    "privacy",
    "proxying",
    "changelog",
];
const JOURNAL_SLUGS: [&str; 10] = [
    "summer-lookbook",
    "care-guide-linen",
    "sustainable-sourcing",
    "gift-guide",
    "behind-the-seams",
    "capsule-wardrobe",
    "size-guide-explained",
    "new-collection",
    "workshop-visit",
    "customer-favourites",
];
const PRODUCT_MATERIALS: [&str; 6] = ["linen", "merino", "canvas", "leather", "cotton", "denim"];
const PRODUCT_ITEMS: [&str; 10] = [
    "shirt", "scarf", "tote-bag", "sneakers", "jacket", "dress", "beanie", "wallet", "hoodie", "trousers",
];
const CATEGORIES: [&str; 8] = ["women", "men", "kids", "home", "accessories", "shoes", "sale", "new-in"];

fn pages_of(kind: SiteKind) -> Vec<(String, PageKind)> {
    use PageKind::*;
    let mut pages: Vec<(String, PageKind)> = Vec::new();
    let mut add = |path: &str, k: PageKind| pages.push((path.to_owned(), k));
    match kind {
        SiteKind::Saas => {
            add("/", Home);
            for p in ["/features", "/features/realtime", "/features/privacy", "/integrations"] {
                add(p, Features);
            }
            add("/pricing", Pricing);
            add("/signup", Signup);
            add("/about", About);
            add("/contact", Contact);
            for s in BLOG_SLUGS {
                add(&format!("/blog/{s}"), Blog);
            }
            add("/blog", Blog);
            for s in DOC_SLUGS {
                add(&format!("/docs/{s}"), Docs);
            }
            add("/checkout", Checkout);
            add("/checkout/payment", Payment);
            add("/thank-you", ThankYou);
            for r in [
                "dashboard",
                "projects",
                "projects/42",
                "reports/channels",
                "reports/pages",
                "settings",
                "settings/billing",
                "team",
            ] {
                add(&format!("/app/#/{r}"), App);
            }
            add("/lp/google-analytics-alternative", Promo);
            add("/lp/spring-offer", Promo);
            add("/old-link", NotFound);
            add("/blog/2019/launch-announcement", NotFound);
            add("/health", Health);
        }
        SiteKind::Shop => {
            add("/", Home);
            for c in CATEGORIES {
                add(&format!("/c/{c}"), Category);
            }
            // Item-major, so the most popular products (first positions) mix materials.
            for it in PRODUCT_ITEMS {
                for m in PRODUCT_MATERIALS {
                    add(&format!("/p/{m}-{it}"), Product);
                }
            }
            add("/cart", Cart);
            add("/checkout", Checkout);
            add("/checkout/payment", Payment);
            add("/thank-you", ThankYou);
            add("/signup", Signup);
            add("/pricing", Pricing);
            add("/about", About);
            add("/contact", Contact);
            for s in JOURNAL_SLUGS {
                add(&format!("/journal/{s}"), Blog);
            }
            add("/journal", Blog);
            for h in ["shipping", "returns", "sizes"] {
                add(&format!("/help/{h}"), Docs);
            }
            for r in ["orders", "orders/1042", "addresses", "wishlist"] {
                add(&format!("/account/#/{r}"), App);
            }
            add("/sale", Promo);
            add("/lp/black-week", Promo);
            add("/old-link", NotFound);
            add("/p/discontinued-item", NotFound);
            add("/health", Health);
        }
    }
    // Last, so the other pages keep their indices; only scripted probers load these.
    for p in [
        "/wp-login.php",
        "/xmlrpc.php",
        "/.env",
        "/.git/config",
        "/wp-admin/",
        "/phpinfo.php",
    ] {
        add(p, PageKind::Probe);
    }
    pages
}

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
    /// Weighted over [`GEOS`] indices: this site's audience.
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

// ---------------------------------------------------------------------------------------------
// Traffic sources

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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

    /// Share of new sessions (percent) per site flavour.
    fn share(self, site: SiteKind) -> f64 {
        use SourceKind::*;
        let (saas, shop) = match self {
            Direct => (22.0, 20.0),
            OrganicSearch => (30.0, 27.0),
            PaidSearch => (7.0, 12.0),
            PaidSocial => (3.0, 8.0),
            OrganicSocial => (8.0, 8.0),
            Email => (5.0, 7.0),
            Referral => (10.0, 5.0),
            AiAssistant => (5.0, 2.0),
            Display => (2.0, 3.0),
            Affiliate => (2.0, 3.0),
            Sms => (0.3, 1.2),
            Push => (0.4, 1.0),
            Video => (2.0, 2.0),
            CrossNetwork => (1.0, 2.0),
            Unassigned => (0.6, 0.5),
        };
        match site {
            SiteKind::Saas => saas,
            SiteKind::Shop => shop,
        }
    }
}

/// Which kind of page a source sends people to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    Home,
    Content,
    Product,
    Pricing,
    Promo,
    Any,
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

const fn src(kind: SourceKind, weight: f64, landing: Landing) -> Source {
    Source {
        kind,
        weight,
        ref_host: None,
        ref_path: None,
        utm_source: None,
        utm_medium: None,
        utm_campaign: None,
        utm_term: None,
        utm_content: None,
        ref_param: None,
        click_id: None,
        landing,
        only: None,
    }
}

impl Source {
    const fn from(mut self, host: &'static str, path: &'static str) -> Self {
        self.ref_host = Some(host);
        self.ref_path = Some(path);
        self
    }
    const fn utm(mut self, source: &'static str, medium: &'static str, campaign: &'static str) -> Self {
        self.utm_source = Some(source);
        self.utm_medium = Some(medium);
        self.utm_campaign = Some(campaign);
        self
    }
    const fn term(mut self, term: &'static str) -> Self {
        self.utm_term = Some(term);
        self
    }
    const fn content(mut self, content: &'static str) -> Self {
        self.utm_content = Some(content);
        self
    }
    const fn click(mut self, kind: &'static str) -> Self {
        self.click_id = Some(kind);
        self
    }
    const fn refp(mut self, value: &'static str) -> Self {
        self.ref_param = Some(value);
        self
    }
    const fn only(mut self, site: SiteKind) -> Self {
        self.only = Some(site);
        self
    }
    /// Lone UTM source (ChatGPT tags its links `utm_source=chatgpt.com`).
    const fn usource(mut self, source: &'static str) -> Self {
        self.utm_source = Some(source);
        self
    }
}

use Landing as L;
use SourceKind as K;

/// Cross-origin referrers carry only the origin (browsers' default referrer policy), hence the
/// many `/` paths; a few older sites still send full paths.
pub const SOURCES: &[Source] = &[
    src(K::Direct, 1.0, L::Any),
    // Organic search
    src(K::OrganicSearch, 50.0, L::Content).from("google.com", "/"),
    src(K::OrganicSearch, 12.0, L::Content).from("google.de", "/"),
    src(K::OrganicSearch, 3.0, L::Content).from("google.co.uk", "/"),
    src(K::OrganicSearch, 3.0, L::Content).from("com.google.android.googlequicksearchbox", "/"),
    src(K::OrganicSearch, 10.0, L::Content).from("bing.com", "/"),
    src(K::OrganicSearch, 8.0, L::Content).from("duckduckgo.com", "/"),
    src(K::OrganicSearch, 4.0, L::Content).from("ecosia.org", "/"),
    src(K::OrganicSearch, 2.0, L::Any).from("search.yahoo.com", "/"),
    src(K::OrganicSearch, 2.0, L::Content).from("search.brave.com", "/"),
    src(K::OrganicSearch, 1.0, L::Content).from("startpage.com", "/"),
    // Paid search
    src(K::PaidSearch, 25.0, L::Pricing)
        .from("google.com", "/")
        .utm("google", "cpc", "brand_search")
        .term("hitflow")
        .content("ad_a")
        .click("gclid"),
    src(K::PaidSearch, 18.0, L::Promo)
        .from("google.com", "/")
        .utm("google", "cpc", "generic_analytics")
        .term("privacy friendly analytics")
        .content("ad_b")
        .click("gclid"),
    // Auto-tagging only: the click id alone tells it is a Google Ads click.
    src(K::PaidSearch, 12.0, L::Product)
        .from("google.com", "/")
        .click("gclid"),
    src(K::PaidSearch, 4.0, L::Product)
        .from("google.com", "/")
        .utm("google", "cpc", "ios_app_campaign")
        .click("gbraid"),
    src(K::PaidSearch, 9.0, L::Pricing)
        .from("bing.com", "/")
        .utm("bing", "cpc", "brand_search")
        .term("hitflow analytics")
        .click("msclkid"),
    src(K::PaidSearch, 12.0, L::Product)
        .from("google.com", "/")
        .utm("google", "cpc", "shopping_feed_spring")
        .click("gclid")
        .only(SiteKind::Shop),
    // Paid social
    src(K::PaidSocial, 30.0, L::Product)
        .from("l.facebook.com", "/")
        .utm("facebook", "paid_social", "retargeting_q2")
        .content("carousel_1")
        .click("fbclid"),
    src(K::PaidSocial, 20.0, L::Promo)
        .from("l.instagram.com", "/")
        .utm("instagram", "paid_social", "spring_reels")
        .content("reel_3")
        .click("fbclid"),
    // Click id only: the reporter reads a lone fbclid as a Facebook ad click.
    src(K::PaidSocial, 8.0, L::Product)
        .from("m.facebook.com", "/")
        .click("fbclid"),
    src(K::PaidSocial, 10.0, L::Pricing)
        .from("linkedin.com", "/")
        .utm("linkedin", "paid_social", "b2b_leadgen")
        .click("li_fat_id")
        .only(SiteKind::Saas),
    src(K::PaidSocial, 8.0, L::Promo)
        .utm("tiktok", "paid_social", "ugc_test")
        .click("ttclid"),
    // Organic social
    src(K::OrganicSocial, 14.0, L::Content).from("facebook.com", "/"),
    src(K::OrganicSocial, 12.0, L::Content).from("l.facebook.com", "/"),
    src(K::OrganicSocial, 6.0, L::Content).from("m.facebook.com", "/"),
    src(K::OrganicSocial, 12.0, L::Content).from("t.co", "/"),
    src(K::OrganicSocial, 12.0, L::Content).from("linkedin.com", "/"),
    src(K::OrganicSocial, 3.0, L::Content).from("lnkd.in", "/"),
    src(K::OrganicSocial, 10.0, L::Content).from("reddit.com", "/"),
    src(K::OrganicSocial, 8.0, L::Product).from("instagram.com", "/"),
    src(K::OrganicSocial, 5.0, L::Product).from("l.instagram.com", "/"),
    src(K::OrganicSocial, 5.0, L::Content).from("news.ycombinator.com", "/"),
    src(K::OrganicSocial, 3.0, L::Content).from("bsky.app", "/"),
    src(K::OrganicSocial, 2.0, L::Content).from("mastodon.social", "/"),
    src(K::OrganicSocial, 3.0, L::Product)
        .from("pinterest.com", "/")
        .only(SiteKind::Shop),
    // Email
    src(K::Email, 40.0, L::Content)
        .utm("newsletter", "email", "weekly-digest")
        .content("header_cta"),
    src(K::Email, 20.0, L::Promo)
        .utm("newsletter", "email", "spring-offer")
        .content("button"),
    src(K::Email, 10.0, L::Product)
        .utm("klaviyo", "email", "abandoned_cart")
        .only(SiteKind::Shop),
    src(K::Email, 15.0, L::Content).from("mail.google.com", "/"),
    src(K::Email, 6.0, L::Content).from("com.google.android.gm", "/"),
    src(K::Email, 6.0, L::Content).from("outlook.live.com", "/"),
    // Referral
    src(K::Referral, 14.0, L::Content).from("dev.to", "/"),
    src(K::Referral, 10.0, L::Content).from("medium.com", "/"),
    src(K::Referral, 12.0, L::Home).from("github.com", "/hitflow/hitflow"),
    src(K::Referral, 8.0, L::Content).from("stackoverflow.com", "/"),
    src(K::Referral, 5.0, L::Content).from("en.wikipedia.org", "/"),
    src(K::Referral, 8.0, L::Content).from("techblog.example.net", "/2026/01/privacy-analytics-roundup/"),
    src(K::Referral, 6.0, L::Any).from("heise.de", "/"),
    src(K::Referral, 5.0, L::Product)
        .from("wirecutter.example.com", "/reviews/best-tote-bags/")
        .only(SiteKind::Shop),
    // Plausible-style source tagging, no referrer.
    src(K::Referral, 6.0, L::Home).refp("producthunt"),
    src(K::Referral, 3.0, L::Home).refp("hn"),
    // AI assistants
    src(K::AiAssistant, 30.0, L::Content)
        .from("chatgpt.com", "/")
        .usource("chatgpt.com"),
    src(K::AiAssistant, 10.0, L::Content).from("chatgpt.com", "/"),
    src(K::AiAssistant, 20.0, L::Content).from("perplexity.ai", "/"),
    src(K::AiAssistant, 15.0, L::Content).from("claude.ai", "/"),
    src(K::AiAssistant, 10.0, L::Content).from("gemini.google.com", "/"),
    src(K::AiAssistant, 5.0, L::Content).from("copilot.microsoft.com", "/"),
    // Display
    src(K::Display, 40.0, L::Promo)
        .utm("google", "display", "remarketing_banner")
        .content("300x250"),
    src(K::Display, 25.0, L::Promo).utm("criteo", "cpm", "retargeting_dynamic"),
    src(K::Display, 10.0, L::Home).utm("adroll", "banner", "prospecting"),
    src(K::Display, 8.0, L::Promo).click("dclid"),
    // Affiliates
    src(K::Affiliate, 40.0, L::Pricing)
        .from("bestanalyticstools.example.net", "/")
        .utm("partnerstack", "affiliate", "partner_142"),
    src(K::Affiliate, 30.0, L::Product)
        .utm("awin", "affiliate", "awin_88123")
        .content("textlink"),
    // SMS and push
    src(K::Sms, 10.0, L::Promo).utm("attentive", "sms", "flash_sale"),
    src(K::Sms, 4.0, L::Promo).utm("sms", "text", "appointment_reminder"),
    src(K::Push, 10.0, L::Promo).utm("onesignal", "push", "cart_reminder"),
    src(K::Push, 5.0, L::Content).utm("pushengage", "web-push", "new_post"),
    // Video
    src(K::Video, 40.0, L::Content).from("youtube.com", "/"),
    src(K::Video, 15.0, L::Content).from("m.youtube.com", "/"),
    src(K::Video, 10.0, L::Home)
        .from("youtube.com", "/")
        .utm("youtube", "video", "tutorial_series"),
    src(K::Video, 8.0, L::Promo)
        .from("youtube.com", "/")
        .utm("youtube", "paid_video", "preroll_q2"),
    src(K::Video, 4.0, L::Content).from("vimeo.com", "/"),
    // Performance Max and other cross-network campaigns
    src(K::CrossNetwork, 10.0, L::Promo)
        .utm("google", "cpc", "pmax_cross-network_spring")
        .click("gclid"),
    src(K::CrossNetwork, 3.0, L::Product).utm("google", "cross-network", "cross-network-retail"),
    // Tagged by someone inventing their own medium
    src(K::Unassigned, 10.0, L::Any).utm("foo", "weird", "test"),
    src(K::Unassigned, 4.0, L::Any).utm("partner-site", "qr_code", "flyer_2026"),
];

/// Payment gateways a buyer returns from to `/thank-you`; never a new session.
pub const GATEWAYS: [(&str, &str); 3] = [("paypal.com", "/"), ("checkout.stripe.com", "/"), ("klarna.com", "/")];

// ---------------------------------------------------------------------------------------------
// Devices

#[derive(Debug, Clone, Copy)]
pub struct Device {
    pub device_type: &'static str,
    pub browser: Option<&'static str>,
    pub version: Option<&'static str>,
    pub os: Option<&'static str>,
    pub os_version: Option<&'static str>,
    pub widths: &'static [u16],
    pub weight: f64,
}

const WIN_W: &[u16] = &[1920, 1536, 1366, 1280, 1440, 1600, 2560, 1680];
const MAC_W: &[u16] = &[1440, 1512, 1728, 1680, 1280, 1470, 2560];
const LINUX_W: &[u16] = &[1920, 2560, 1366];
const IPHONE_W: &[u16] = &[390, 393, 430, 375, 414, 428, 402, 440];
const ANDROID_W: &[u16] = &[412, 360, 384, 393, 411, 414, 432];
const TABLET_W: &[u16] = &[768, 810, 820, 834, 1024, 800, 1280];
const TV_W: &[u16] = &[1920, 1280, 3840];
const CONSOLE_W: &[u16] = &[1920, 1280];
const XR_W: &[u16] = &[1440];

const fn dev(
    device_type: &'static str,
    browser: &'static str,
    version: &'static str,
    os: &'static str,
    os_version: Option<&'static str>,
    widths: &'static [u16],
    weight: f64,
) -> Device {
    Device {
        device_type,
        browser: Some(browser),
        version: Some(version),
        os: Some(os),
        os_version,
        widths,
        weight,
    }
}

/// Human devices, weights in percent: desktop ~45, mobile ~50, tablet ~4, the rest rare.
#[rustfmt::skip]
pub const DEVICES: &[Device] = &[
    dev("desktop", "Chrome", "131", "Windows", Some("10"), WIN_W, 9.0),
    dev("desktop", "Chrome", "131", "Windows", Some("11"), WIN_W, 6.0),
    dev("desktop", "Chrome", "130", "Windows", Some("10"), WIN_W, 4.5),
    dev("desktop", "Chrome", "130", "Windows", Some("11"), WIN_W, 2.5),
    dev("desktop", "Chrome", "126", "Windows", Some("10"), WIN_W, 0.8),
    dev("desktop", "Edge", "131", "Windows", Some("10"), WIN_W, 3.0),
    dev("desktop", "Edge", "131", "Windows", Some("11"), WIN_W, 3.0),
    dev("desktop", "Firefox", "133", "Windows", Some("10"), WIN_W, 2.5),
    dev("desktop", "Firefox", "115", "Windows", Some("7"), WIN_W, 0.2),
    dev("desktop", "Opera", "115", "Windows", Some("10"), WIN_W, 0.4),
    dev("desktop", "Chrome", "131", "macOS", Some("15"), MAC_W, 3.0),
    dev("desktop", "Chrome", "131", "macOS", Some("14"), MAC_W, 1.5),
    dev("desktop", "Safari", "18", "macOS", Some("10.15"), MAC_W, 3.0),
    dev("desktop", "Safari", "17", "macOS", Some("10.15"), MAC_W, 2.5),
    dev("desktop", "Firefox", "133", "macOS", Some("10.15"), MAC_W, 0.8),
    dev("desktop", "Firefox", "133", "Linux", None, LINUX_W, 0.8),
    dev("desktop", "Chrome", "131", "Linux", None, LINUX_W, 0.8),
    dev("desktop", "Chrome", "131", "ChromeOS", None, WIN_W, 0.4),
    dev("mobile", "Safari", "18", "iOS", Some("18"), IPHONE_W, 14.0),
    dev("mobile", "Safari", "17", "iOS", Some("17"), IPHONE_W, 8.0),
    dev("mobile", "Safari", "16", "iOS", Some("16"), IPHONE_W, 1.5),
    dev("mobile", "Chrome", "131", "iOS", Some("18"), IPHONE_W, 1.5),
    dev("mobile", "Chrome", "131", "Android", Some("14"), ANDROID_W, 9.0),
    dev("mobile", "Chrome", "131", "Android", Some("13"), ANDROID_W, 4.0),
    dev("mobile", "Chrome", "130", "Android", Some("10"), ANDROID_W, 3.0),
    dev("mobile", "Samsung Internet", "27", "Android", Some("14"), ANDROID_W, 3.0),
    dev("mobile", "Samsung Internet", "26", "Android", Some("13"), ANDROID_W, 1.5),
    dev("mobile", "Firefox", "133", "Android", Some("14"), ANDROID_W, 0.6),
    dev("mobile", "Instagram", "357", "iOS", Some("18"), IPHONE_W, 1.2),
    dev("mobile", "Facebook", "489", "iOS", Some("17"), IPHONE_W, 0.8),
    dev("mobile", "Google App", "343", "iOS", Some("18"), IPHONE_W, 0.6),
    dev("tablet", "Safari", "17", "iPadOS", Some("17"), TABLET_W, 1.0),
    dev("tablet", "Chrome", "131", "Android", Some("14"), TABLET_W, 1.5),
    dev("tablet", "Samsung Internet", "27", "Android", Some("14"), TABLET_W, 0.8),
    dev("tablet", "Silk", "131", "Android", Some("11"), TABLET_W, 0.3),
    dev("tablet", "Chrome", "131", "iPadOS", Some("18"), TABLET_W, 0.4),
    dev("tv", "Samsung Internet", "6", "Tizen", Some("7"), TV_W, 0.25),
    dev("tv", "Chrome", "108", "webOS", None, TV_W, 0.15),
    dev("console", "Edge", "131", "Xbox", None, CONSOLE_W, 0.1),
    dev("console", "Safari", "15", "PlayStation", Some("5"), CONSOLE_W, 0.1),
    dev("other", "Oculus Browser", "35", "Android", Some("12"), XR_W, 0.15),
    Device { device_type: "other", browser: None, version: None, os: None, os_version: None, widths: &[], weight: 0.15 },
];

/// `Safari` `17`: the browser the checkout's payment step breaks on (Apple Pay feature check).
pub fn is_fragile_browser(d: &Device) -> bool {
    d.browser == Some("Safari") && d.version == Some("17")
}

// ---------------------------------------------------------------------------------------------
// Places and networks

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

const fn geo(
    country: &'static str,
    region: &'static str,
    city: &'static str,
    continent: &'static str,
    timezone: &'static str,
    colo: &'static str,
    weight: f64,
) -> Geo {
    Geo {
        country,
        region: Some(region),
        city: Some(city),
        continent,
        timezone,
        colo,
        weight,
    }
}

#[rustfmt::skip]
pub const GEOS: &[Geo] = &[
    geo("DE", "Berlin", "Berlin", "EU", "Europe/Berlin", "TXL", 18.0),
    geo("DE", "Bavaria", "Munich", "EU", "Europe/Berlin", "MUC", 14.0),
    geo("DE", "Bavaria", "Nuremberg", "EU", "Europe/Berlin", "FRA", 3.0),
    geo("DE", "Hamburg", "Hamburg", "EU", "Europe/Berlin", "HAM", 10.0),
    geo("DE", "Hesse", "Frankfurt am Main", "EU", "Europe/Berlin", "FRA", 8.0),
    geo("DE", "North Rhine-Westphalia", "Cologne", "EU", "Europe/Berlin", "DUS", 12.0),
    geo("DE", "North Rhine-Westphalia", "Düsseldorf", "EU", "Europe/Berlin", "DUS", 7.0),
    geo("DE", "Baden-Württemberg", "Stuttgart", "EU", "Europe/Berlin", "STR", 8.0),
    geo("DE", "Saxony", "Leipzig", "EU", "Europe/Berlin", "TXL", 5.0),
    // City unknown: Cloudflare only placed the country.
    Geo { country: "DE", region: None, city: None, continent: "EU", timezone: "Europe/Berlin", colo: "FRA", weight: 4.0 },
    geo("AT", "Vienna", "Vienna", "EU", "Europe/Vienna", "VIE", 10.0),
    geo("AT", "Styria", "Graz", "EU", "Europe/Vienna", "VIE", 3.0),
    geo("CH", "Zurich", "Zurich", "EU", "Europe/Zurich", "ZRH", 6.0),
    geo("CH", "Geneva", "Geneva", "EU", "Europe/Zurich", "GVA", 3.0),
    geo("NL", "North Holland", "Amsterdam", "EU", "Europe/Amsterdam", "AMS", 6.0),
    geo("NL", "South Holland", "Rotterdam", "EU", "Europe/Amsterdam", "AMS", 3.0),
    geo("FR", "Île-de-France", "Paris", "EU", "Europe/Paris", "CDG", 12.0),
    geo("FR", "Auvergne-Rhône-Alpes", "Lyon", "EU", "Europe/Paris", "MRS", 4.0),
    geo("FR", "Provence-Alpes-Côte d'Azur", "Marseille", "EU", "Europe/Paris", "MRS", 3.0),
    geo("FR", "Hauts-de-France", "Roubaix", "EU", "Europe/Paris", "CDG", 0.5),
    geo("GB", "England", "London", "EU", "Europe/London", "LHR", 12.0),
    geo("GB", "England", "Manchester", "EU", "Europe/London", "MAN", 4.0),
    geo("GB", "Scotland", "Edinburgh", "EU", "Europe/London", "EDI", 2.0),
    geo("PL", "Mazovia", "Warsaw", "EU", "Europe/Warsaw", "WAW", 5.0),
    geo("PL", "Lesser Poland", "Kraków", "EU", "Europe/Warsaw", "WAW", 2.0),
    geo("IT", "Lombardy", "Milan", "EU", "Europe/Rome", "MXP", 4.0),
    geo("IT", "Lazio", "Rome", "EU", "Europe/Rome", "FCO", 3.0),
    geo("ES", "Madrid", "Madrid", "EU", "Europe/Madrid", "MAD", 4.0),
    geo("ES", "Catalonia", "Barcelona", "EU", "Europe/Madrid", "BCN", 3.0),
    geo("SE", "Stockholm", "Stockholm", "EU", "Europe/Stockholm", "ARN", 3.0),
    geo("US", "New York", "New York", "NA", "America/New_York", "EWR", 12.0),
    geo("US", "California", "Los Angeles", "NA", "America/Los_Angeles", "LAX", 9.0),
    geo("US", "California", "San Francisco", "NA", "America/Los_Angeles", "SJC", 6.0),
    geo("US", "California", "Mountain View", "NA", "America/Los_Angeles", "SJC", 0.5),
    geo("US", "Illinois", "Chicago", "NA", "America/Chicago", "ORD", 6.0),
    geo("US", "Texas", "Dallas", "NA", "America/Chicago", "DFW", 5.0),
    geo("US", "Texas", "Houston", "NA", "America/Chicago", "IAH", 4.0),
    geo("US", "Washington", "Seattle", "NA", "America/Los_Angeles", "SEA", 4.0),
    geo("US", "Massachusetts", "Boston", "NA", "America/New_York", "BOS", 3.0),
    geo("US", "Georgia", "Atlanta", "NA", "America/New_York", "ATL", 4.0),
    geo("US", "Florida", "Miami", "NA", "America/New_York", "MIA", 4.0),
    geo("US", "Colorado", "Denver", "NA", "America/Denver", "DEN", 3.0),
    geo("US", "Pennsylvania", "Philadelphia", "NA", "America/New_York", "PHL", 3.0),
    geo("US", "Virginia", "Ashburn", "NA", "America/New_York", "IAD", 1.0),
    geo("US", "Virginia", "Boydton", "NA", "America/New_York", "IAD", 0.0),
    geo("CA", "Ontario", "Toronto", "NA", "America/Toronto", "YYZ", 6.0),
    geo("CA", "British Columbia", "Vancouver", "NA", "America/Vancouver", "YVR", 3.0),
    geo("CA", "Quebec", "Montreal", "NA", "America/Toronto", "YUL", 3.0),
    geo("MX", "Mexico City", "Mexico City", "NA", "America/Mexico_City", "QRO", 5.0),
    geo("BR", "São Paulo", "São Paulo", "SA", "America/Sao_Paulo", "GRU", 6.0),
    geo("BR", "Rio de Janeiro", "Rio de Janeiro", "SA", "America/Sao_Paulo", "GIG", 3.0),
    geo("IN", "Maharashtra", "Mumbai", "AS", "Asia/Kolkata", "BOM", 5.0),
    geo("IN", "Karnataka", "Bengaluru", "AS", "Asia/Kolkata", "BLR", 4.0),
    geo("IN", "Delhi", "New Delhi", "AS", "Asia/Kolkata", "DEL", 4.0),
    geo("JP", "Tokyo", "Tokyo", "AS", "Asia/Tokyo", "NRT", 6.0),
    geo("JP", "Osaka", "Osaka", "AS", "Asia/Tokyo", "KIX", 3.0),
    geo("AU", "New South Wales", "Sydney", "OC", "Australia/Sydney", "SYD", 5.0),
    geo("AU", "Victoria", "Melbourne", "OC", "Australia/Melbourne", "MEL", 4.0),
    geo("SG", "Singapore", "Singapore", "AS", "Asia/Singapore", "SIN", 5.0),
];

#[derive(Debug, Clone, Copy)]
pub struct Isp {
    pub asn: u32,
    pub org: &'static str,
    /// Country of its customers; `""` for data-centre and relay networks.
    pub country: &'static str,
    pub weight: f64,
}

const fn isp(asn: u32, org: &'static str, country: &'static str, weight: f64) -> Isp {
    Isp {
        asn,
        org,
        country,
        weight,
    }
}

#[rustfmt::skip]
pub const ISPS: &[Isp] = &[
    isp(3320, "Deutsche Telekom AG", "DE", 38.0),
    isp(3209, "Vodafone GmbH", "DE", 25.0),
    isp(6805, "Telefonica Germany GmbH & Co.OHG", "DE", 15.0),
    isp(8881, "1&1 Versatel Deutschland GmbH", "DE", 10.0),
    isp(8422, "NetCologne GmbH", "DE", 3.0),
    isp(8447, "A1 Telekom Austria AG", "AT", 50.0),
    isp(25255, "Hutchison Drei Austria GmbH", "AT", 30.0),
    isp(8412, "T-Mobile Austria GmbH", "AT", 20.0),
    isp(3303, "Swisscom (Schweiz) AG", "CH", 60.0),
    isp(6730, "Sunrise GmbH", "CH", 40.0),
    isp(1136, "KPN B.V.", "NL", 45.0),
    isp(33915, "Vodafone Libertel B.V.", "NL", 55.0),
    isp(3215, "Orange S.A.", "FR", 40.0),
    isp(12322, "Free SAS", "FR", 25.0),
    isp(5410, "Bouygues Telecom SA", "FR", 20.0),
    isp(15557, "Societe Francaise Du Radiotelephone - SFR SA", "FR", 15.0),
    isp(2856, "British Telecommunications PLC", "GB", 35.0),
    isp(5089, "Virgin Media Limited", "GB", 25.0),
    isp(5378, "Vodafone Limited", "GB", 15.0),
    isp(12576, "EE Limited", "GB", 15.0),
    isp(13285, "TalkTalk Communications Limited", "GB", 10.0),
    isp(5617, "Orange Polska Spolka Akcyjna", "PL", 60.0),
    isp(12741, "Netia SA", "PL", 40.0),
    isp(3269, "Telecom Italia S.p.A.", "IT", 60.0),
    isp(30722, "Vodafone Italia S.p.A.", "IT", 40.0),
    isp(3352, "Telefonica de Espana S.A.U.", "ES", 60.0),
    isp(12479, "Orange Espagne SA", "ES", 40.0),
    isp(3301, "Telia Company AB", "SE", 100.0),
    isp(7922, "Comcast Cable Communications, LLC", "US", 30.0),
    isp(7018, "AT&T Services, Inc.", "US", 20.0),
    isp(701, "Verizon Business", "US", 12.0),
    isp(22773, "Cox Communications Inc.", "US", 8.0),
    isp(20115, "Charter Communications", "US", 15.0),
    isp(21928, "T-Mobile USA, Inc.", "US", 15.0),
    isp(812, "Rogers Communications Canada Inc.", "CA", 50.0),
    isp(577, "Bell Canada", "CA", 50.0),
    isp(8151, "UNINET", "MX", 100.0),
    isp(28573, "Claro NXT Telecomunicacoes Ltda", "BR", 60.0),
    isp(18881, "TELEFÔNICA BRASIL S.A", "BR", 40.0),
    isp(55836, "Reliance Jio Infocomm Limited", "IN", 60.0),
    isp(24560, "Bharti Airtel Ltd., Telemedia Services", "IN", 40.0),
    isp(2516, "KDDI CORPORATION", "JP", 50.0),
    isp(4713, "NTT Communications Corporation", "JP", 50.0),
    isp(1221, "Telstra Limited", "AU", 60.0),
    isp(4804, "Microplex PTY LTD", "AU", 40.0),
    isp(9506, "Singtel Fibre Broadband", "SG", 100.0),
    // iCloud Private Relay egress: people, not bots (the collector does not list these ASNs).
    isp(13335, "Cloudflare, Inc.", "", 0.0),
    isp(36183, "Akamai Technologies, Inc.", "", 0.0),
    // Data centres
    isp(16509, "Amazon.com, Inc.", "", 0.0),
    isp(14061, "DigitalOcean, LLC", "", 0.0),
    isp(24940, "Hetzner Online GmbH", "", 0.0),
    isp(16276, "OVH SAS", "", 0.0),
    isp(15169, "Google LLC", "", 0.0),
    isp(8075, "Microsoft Corporation", "", 0.0),
    isp(63949, "Akamai Connected Cloud", "", 0.0),
    isp(32934, "Facebook, Inc.", "", 0.0),
    isp(13414, "Twitter Inc.", "", 0.0),
    // Hosting networks the collector's ASN list does not hold: scripted bots come from here.
    isp(9009, "M247 Europe SRL", "", 0.0),
    isp(60068, "Datacamp Limited", "", 0.0),
    isp(36007, "Kamatera, Inc.", "", 0.0),
];

// ---------------------------------------------------------------------------------------------
// Bots

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

#[derive(Debug, Clone, Copy)]
pub struct BotAgent {
    pub kind: BotKind,
    pub reason: &'static str,
    pub browser: Option<&'static str>,
    pub version: Option<&'static str>,
    pub os: Option<&'static str>,
    pub os_version: Option<&'static str>,
    pub width: u16,
    /// City in [`GEOS`] and ASN in [`ISPS`] the agent runs from.
    pub city: &'static str,
    pub asn: u32,
    pub weight: f64,
}

#[allow(clippy::too_many_arguments)]
const fn bot(
    kind: BotKind,
    reason: &'static str,
    browser: Option<&'static str>,
    version: Option<&'static str>,
    os: Option<(&'static str, Option<&'static str>)>,
    width: u16,
    city: &'static str,
    asn: u32,
    weight: f64,
) -> BotAgent {
    let (os, os_version) = match os {
        Some((os, v)) => (Some(os), v),
        None => (None, None),
    };
    BotAgent {
        kind,
        reason,
        browser,
        version,
        os,
        os_version,
        width,
        city,
        asn,
        weight,
    }
}

use BotKind as B;

#[rustfmt::skip]
pub const BOT_AGENTS: &[BotAgent] = &[
    // Googlebot smartphone renders with an evergreen Chrome on a Nexus 5X profile.
    bot(B::Crawler, "cf:verified-bot", Some("Chrome"), Some("131"), Some(("Android", Some("6"))), 412, "Mountain View", 15169, 8.0),
    bot(B::Crawler, "cf:verified-bot", Some("Chrome"), Some("131"), None, 1024, "Mountain View", 15169, 3.0),
    bot(B::Crawler, "cf:verified-bot", Some("Chrome"), Some("116"), None, 1366, "Boydton", 8075, 4.0),
    bot(B::Crawler, "ua:crawler", None, None, None, 0, "Roubaix", 16276, 3.0),
    bot(B::Crawler, "ua:crawler", None, None, None, 0, "Ashburn", 16509, 2.0),
    bot(B::Crawler, "ua:crawler", None, None, None, 0, "Boydton", 8075, 2.0),
    bot(B::Crawler, "ua:crawler", Some("Chrome"), Some("128"), Some(("Linux", None)), 1280, "Ashburn", 16509, 1.5),
    bot(B::Headless, "ua:headless", Some("Chrome"), Some("131"), Some(("Linux", None)), 800, "Ashburn", 16509, 3.0),
    bot(B::Headless, "ua:headless", Some("Chrome"), Some("130"), Some(("Linux", None)), 1280, "Frankfurt am Main", 16509, 1.0),
    bot(B::Headless, "ua:headless", Some("Chrome"), Some("131"), Some(("Android", Some("11"))), 412, "Mountain View", 15169, 1.0),
    bot(B::Datacenter, "asn:datacenter", Some("Chrome"), Some("120"), Some(("Windows", Some("10"))), 1920, "Nuremberg", 24940, 2.0),
    bot(B::Datacenter, "asn:datacenter", Some("Chrome"), Some("131"), Some(("Windows", Some("10"))), 1920, "Amsterdam", 14061, 2.0),
    bot(B::Datacenter, "asn:datacenter", Some("Chrome"), Some("124"), Some(("macOS", Some("10.15"))), 1440, "Ashburn", 16509, 1.0),
    bot(B::Datacenter, "asn:datacenter", Some("Firefox"), Some("115"), Some(("Linux", None)), 1366, "Roubaix", 16276, 1.0),
    bot(B::Preview, "ua:preview", None, None, None, 0, "Ashburn", 32934, 3.0),
    bot(B::Preview, "ua:preview", None, None, None, 0, "Ashburn", 16509, 2.0),
    bot(B::Preview, "ua:preview", None, None, None, 0, "San Francisco", 13414, 1.5),
    bot(B::Preview, "ua:preview", Some("Chrome"), Some("131"), None, 0, "Boydton", 8075, 1.0),
    bot(B::Monitor, "ua:monitoring", None, None, None, 0, "Dallas", 63949, 1.0),
    bot(B::Monitor, "ua:monitoring", None, None, None, 0, "Ashburn", 16509, 1.0),
    bot(B::Monitor, "ua:monitoring", None, None, None, 0, "Nuremberg", 24940, 1.0),
];

/// Share of non-monitor bot sessions by kind.
const BOT_KIND_SHARE: [(BotKind, f64); 4] = [
    (BotKind::Crawler, 50.0),
    (BotKind::Headless, 17.0),
    (BotKind::Datacenter, 20.0),
    (BotKind::Preview, 13.0),
];

// ---------------------------------------------------------------------------------------------
// Events and properties

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

/// Custom event properties (JSON object text); rows refer to them by index.
pub const PROPS: [&str; 19] = [
    r#"{"plan":"pro"}"#,
    r#"{"plan":"starter"}"#,
    r#"{"plan":"team"}"#,
    r#"{"url":"https://github.com/hitflow/hitflow"}"#,
    r#"{"url":"https://x.com/hitflow"}"#,
    r#"{"url":"https://www.linkedin.com/company/hitflow"}"#,
    r#"{"url":"https://developer.mozilla.org/en-US/docs/Web/API/Navigator/sendBeacon"}"#,
    r#"{"url":"/files/whitepaper.pdf"}"#,
    r#"{"url":"/files/price-list.pdf"}"#,
    r#"{"url":"/files/hitflow-setup.zip"}"#,
    r#"{"form":"signup"}"#,
    r#"{"form":"contact"}"#,
    r#"{"form":"newsletter"}"#,
    r#"{"message":"TypeError: undefined is not an object (evaluating 'window.ApplePaySession.canMakePayments')"}"#,
    r#"{"message":"ResizeObserver loop completed with undelivered notifications."}"#,
    r#"{"message":"TypeError: Failed to fetch"}"#,
    r#"{"message":"ChunkLoadError: Loading chunk 412 failed."}"#,
    r#"{"quantity":1}"#,
    r#"{"quantity":2}"#,
];
pub const PROPS_PLANS: std::ops::Range<u16> = 0..3;
pub const PROPS_OUTBOUND: std::ops::Range<u16> = 3..7;
pub const PROPS_DOWNLOAD: std::ops::Range<u16> = 7..10;
pub const PROP_FORM_SIGNUP: u16 = 10;
pub const PROP_FORM_CONTACT: u16 = 11;
pub const PROP_FORM_NEWSLETTER: u16 = 12;
pub const PROP_PAYMENT_ERROR: u16 = 13;
pub const PROPS_GENERIC_ERRORS: std::ops::Range<u16> = 14..17;
pub const PROPS_CART: std::ops::Range<u16> = 17..19;

// ---------------------------------------------------------------------------------------------
// The built catalogue

pub struct Catalog {
    pub sites: Vec<Site>,
    pub devices: Weighted,
    /// Per geo index: the ISPs of its country (indices into [`ISPS`]) and their weights.
    isps_of_geo: Vec<(Vec<u16>, Weighted)>,
    /// Per source kind and site flavour: indices into [`SOURCES`] and weights.
    sources: FxHashMap<(SourceKind, bool), (Vec<u16>, Weighted)>,
    pub bot_kinds: Weighted,
    bot_agents: Vec<(BotKind, Vec<u16>, Weighted)>,
    /// Per bot agent: its geo and ISP indices.
    pub bot_places: Vec<(u16, u16)>,
    pub relay_isps: [u16; 2],
}

fn index_u16(i: usize) -> u16 {
    u16::try_from(i).unwrap_or(u16::MAX)
}

impl Catalog {
    pub fn new(site_names: &[String]) -> Self {
        let sites = site_names
            .iter()
            .enumerate()
            .map(|(i, name)| build_site(i, name))
            .collect();

        let isps_of_geo = GEOS
            .iter()
            .map(|g| {
                let ids: Vec<u16> = (0..ISPS.len())
                    .filter(|&i| ISPS[i].country == g.country)
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| ISPS[usize::from(i)].weight));
                (ids, w)
            })
            .collect();

        let mut sources = FxHashMap::default();
        for kind in SourceKind::ALL {
            for (shop, site_kind) in [(false, SiteKind::Saas), (true, SiteKind::Shop)] {
                let ids: Vec<u16> = (0..SOURCES.len())
                    .filter(|&i| SOURCES[i].kind == kind && SOURCES[i].only.is_none_or(|k| k == site_kind))
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| SOURCES[usize::from(i)].weight));
                sources.insert((kind, shop), (ids, w));
            }
        }

        let bot_agents = BOT_KIND_SHARE
            .iter()
            .map(|&(kind, _)| {
                let ids: Vec<u16> = (0..BOT_AGENTS.len())
                    .filter(|&i| BOT_AGENTS[i].kind == kind)
                    .map(index_u16)
                    .collect();
                let w = Weighted::new(ids.iter().map(|&i| BOT_AGENTS[usize::from(i)].weight));
                (kind, ids, w)
            })
            .collect();
        let bot_places = BOT_AGENTS
            .iter()
            .map(|a| {
                let g = GEOS.iter().position(|g| g.city == Some(a.city)).unwrap_or(0);
                let n = ISPS.iter().position(|n| n.asn == a.asn).unwrap_or(0);
                (index_u16(g), index_u16(n))
            })
            .collect();
        let isp_index = |asn: u32| index_u16(ISPS.iter().position(|n| n.asn == asn).unwrap_or(0));

        Catalog {
            sites,
            devices: Weighted::new(DEVICES.iter().map(|d| d.weight)),
            isps_of_geo,
            sources,
            bot_kinds: Weighted::new(BOT_KIND_SHARE.iter().map(|&(_, w)| w)),
            bot_agents,
            bot_places,
            relay_isps: [isp_index(13335), isp_index(36183)],
        }
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
        match self.sources.get(&(kind, site == SiteKind::Shop)) {
            Some((ids, w)) if !ids.is_empty() => ids[w.sample(rng)],
            _ => 0, // direct
        }
    }

    /// A bot agent of a non-monitor kind, by the kind shares.
    pub fn bot_agent(&self, rng: &mut Rng) -> u16 {
        let (_, ids, w) = &self.bot_agents[self.bot_kinds.sample(rng)];
        ids[w.sample(rng)]
    }

    /// Monitor agents, in table order.
    pub fn monitor_agents(&self) -> Vec<u16> {
        (0..BOT_AGENTS.len())
            .filter(|&i| BOT_AGENTS[i].kind == BotKind::Monitor)
            .map(index_u16)
            .collect()
    }
}

fn build_site(position: usize, name: &str) -> Site {
    let t = &TEMPLATES[position % TEMPLATES.len()];
    let pages: Vec<Page> = pages_of(t.kind)
        .into_iter()
        .map(|(path, kind)| {
            let ref_path = path.split('#').next().unwrap_or("/").to_owned();
            Page { path, ref_path, kind }
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
    let audience = Weighted::new(GEOS.iter().map(|g| {
        let country = t
            .countries
            .iter()
            .find(|(c, _)| *c == g.country)
            .map_or(0.0, |(_, w)| *w);
        let in_country: f64 = GEOS.iter().filter(|o| o.country == g.country).map(|o| o.weight).sum();
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
    Site {
        name: name.to_owned(),
        www_host: format!("www.{name}"),
        tz: t.tz.parse().unwrap_or(chrono_tz::UTC),
        kind: t.kind,
        currency: t.currency,
        share: 1.0 / (1.0 + position as f64 * 0.5),
        pages,
        by_kind,
        audience,
        source_mix: Weighted::new(SourceKind::ALL.iter().map(|k| k.share(t.kind))),
        public_pages,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_consistent() {
        let cat = Catalog::new(&["a.com".into(), "b.org".into(), "c.net".into(), "d.io".into()]);
        for a in BOT_AGENTS {
            assert!(GEOS.iter().any(|g| g.city == Some(a.city)), "{}", a.city);
            assert!(ISPS.iter().any(|n| n.asn == a.asn), "{}", a.asn);
        }
        for g in GEOS.iter().filter(|g| g.weight > 0.0) {
            assert!(ISPS.iter().any(|n| n.country == g.country), "no ISP in {}", g.country);
            assert!(g.timezone.parse::<Tz>().is_ok(), "{}", g.timezone);
        }
        for t in &TEMPLATES {
            assert!(t.tz.parse::<Tz>().is_ok());
            for (c, _) in t.countries {
                assert!(GEOS.iter().any(|g| g.country == *c && g.weight > 0.0), "{c}");
            }
        }
        for d in DEVICES {
            assert!(hitflow_schema::DEVICE_TYPES.contains(&d.device_type));
        }
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
            assert!(site
                .pages
                .iter()
                .all(|p| p.path.starts_with('/') && !p.ref_path.contains('#')));
        }
        for kind in SourceKind::ALL {
            for site in [SiteKind::Saas, SiteKind::Shop] {
                assert!(!cat.sources[&(kind, site == SiteKind::Shop)].0.is_empty(), "{kind:?}");
            }
        }
        for p in PROPS {
            assert!(
                serde_json::from_str::<serde_json::Value>(p).is_ok_and(|v| v.is_object()),
                "{p}"
            );
        }
    }
}
