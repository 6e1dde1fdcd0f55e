//! `[[segments]]`: named slices of a site's sessions (mobile visitors from Germany, one
//! campaign...). Each gets the full site report, accumulated in the same pass over the hits as
//! the site itself: a session is added to its site and to every segment it matches.

use serde::{Deserialize, Serialize};

use crate::pattern::Pattern;
use crate::rows::{Tables, CLIENT_COUNTRY, CLIENT_DEVICE};
use crate::sessions::lookup::Lookup;
use crate::sessions::session::Session;

/// One `[[segments]]` entry: a name and filters on the session's landing touch, all of which
/// must hold (an absent filter holds for every session).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SegmentConfig {
    pub name: String,
    /// Only this site's reports; every site's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    /// Channel name, as the reports show it (`Organic Search`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel: Option<String>,
    /// Device type (`mobile`, `desktop`, `tablet`, ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
    /// ISO 3166 country code (`DE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Landing page path pattern (`*` matches any run of characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub landing: Option<Pattern>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    /// Traffic source (`google`, `newsletter`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

impl SegmentConfig {
    /// Whether `site` has this segment.
    pub fn applies_to(&self, site: &str) -> bool {
        self.site.as_deref().is_none_or(|s| s == site)
    }

    /// Whether the session belongs to the segment.
    pub fn matches(&self, s: &Session, lookup: &Lookup, tables: &Tables) -> bool {
        let attr = lookup.attr(s.attr);
        let client = tables.clients.get(s.client);
        let is = |filter: &Option<String>, id: u32| filter.as_deref().is_none_or(|f| tables.str(id) == f);
        is(&self.channel, attr.channel)
            && is(&self.device, client[CLIENT_DEVICE])
            && is(&self.country, client[CLIENT_COUNTRY])
            && is(&self.campaign, attr.campaign)
            && is(&self.source, attr.source)
            && self.landing.as_ref().is_none_or(|p| p.matches(tables.str(s.landing)))
    }

    /// "channel Organic Search, device mobile", for the pages; "all sessions" without filters.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            ("channel", self.channel.as_deref()),
            ("device", self.device.as_deref()),
            ("country", self.country.as_deref()),
            ("landing page", self.landing.as_ref().map(Pattern::as_str)),
            ("campaign", self.campaign.as_deref()),
            ("source", self.source.as_deref()),
        ]
        .into_iter()
        .filter_map(|(what, value)| value.map(|v| format!("{what} {v}")))
        .collect();
        if parts.is_empty() {
            "all sessions".into()
        } else {
            parts.join(", ")
        }
    }
}

/// Refuses segments without a name and two segments of a site whose pages would share a folder.
pub fn validate(segments: &[SegmentConfig]) -> Result<(), String> {
    let mut slugs = Vec::new();
    for s in segments {
        if s.name.trim().is_empty() {
            return Err("every [[segments]] entry needs a name".into());
        }
        let slug = crate::site::slug::slugify(&s.name);
        if slugs.contains(&(slug.clone(), s.site.clone())) {
            return Err(format!("segment `{}` is named twice", s.name));
        }
        slugs.push((slug, s.site.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn descriptions_name_every_filter() {
        let s = SegmentConfig {
            name: "Mobile DE".into(),
            site: None,
            channel: None,
            device: Some("mobile".into()),
            country: Some("DE".into()),
            landing: Some(Pattern::new("/blog/*")),
            campaign: None,
            source: None,
        };
        assert_eq!(s.describe(), "device mobile, country DE, landing page /blog/*");
        assert!(s.applies_to("example.com"));
        let twice = [
            s.clone(),
            SegmentConfig {
                name: "mobile de".into(),
                ..s
            },
        ];
        assert!(validate(&twice).unwrap_err().contains("twice"));
    }
}
