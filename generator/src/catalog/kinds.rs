//! The kinds the generator's behaviour depends on; the tables name them in kebab-case.

use serde::Deserialize;

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
    pub(super) const ALL: [PageKind; PAGE_KIND_COUNT] = [
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

    pub(super) fn index(self) -> usize {
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
    /// The kind named as in the data files (`organic-search`).
    pub fn parse(name: &str) -> Option<Self> {
        use serde::de::value::{Error, StrDeserializer};
        Self::deserialize(StrDeserializer::<Error>::new(name)).ok()
    }

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

/// Which days a daily rhythm is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Days {
    Weekday,
    Weekend,
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

pub(super) const PROP_USES: [PropUse; 9] = [
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
pub(super) const PROP_USE_COUNT: usize = PROP_USES.len();

// ---------------------------------------------------------------------------------------------
// Events

/// The events generated visits send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

impl Event {
    #[cfg(test)]
    pub const ALL: [Event; 10] = [
        Event::Pageview,
        Event::Engagement,
        Event::Outbound,
        Event::Download,
        Event::Signup,
        Event::AddToCart,
        Event::BeginCheckout,
        Event::Purchase,
        Event::FormSubmit,
        Event::Error,
    ];

    /// The stored event name.
    pub fn name(self) -> &'static str {
        match self {
            Event::Pageview => hitflow_schema::EVENT_PAGEVIEW,
            Event::Engagement => hitflow_schema::EVENT_ENGAGEMENT,
            Event::Outbound => hitflow_schema::EVENT_OUTBOUND,
            Event::Download => hitflow_schema::EVENT_DOWNLOAD,
            Event::Signup => "signup",
            Event::AddToCart => "add_to_cart",
            Event::BeginCheckout => "begin_checkout",
            Event::Purchase => "purchase",
            Event::FormSubmit => "form_submit",
            Event::Error => "error",
        }
    }
}
