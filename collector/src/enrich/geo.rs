//! Geolocation from Cloudflare's `request.cf`: read once per request by the Worker glue, every
//! field optional (a missing or oddly typed field is `None`, never a panic). No IP is kept.

/// The `cf` fields hitflow stores, plus Cloudflare's bot signals when Bot Management is on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Geo {
    pub country: Option<String>,
    pub region: Option<String>,
    pub city: Option<String>,
    pub continent: Option<String>,
    pub timezone: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    pub colo: Option<String>,
    /// `cf.botManagement.verifiedBot`
    pub verified_bot: Option<bool>,
    /// `cf.botManagement.score` (1 = automated … 99 = human)
    pub bot_score: Option<u32>,
}

impl Geo {
    /// Cloudflare reports unknown countries as "XX" and Tor as "T1"; store those as unknown.
    pub fn normalized(mut self) -> Self {
        if matches!(self.country.as_deref(), Some("XX" | "T1" | "")) {
            self.country = None;
        }
        for field in [
            &mut self.region,
            &mut self.city,
            &mut self.continent,
            &mut self.timezone,
            &mut self.as_org,
            &mut self.colo,
        ] {
            if field.as_deref().is_some_and(|v| v.trim().is_empty()) {
                *field = None;
            }
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_countries_and_blank_fields_become_unknown() {
        let cases = [
            (Some("XX"), None),
            (Some("T1"), None),
            (Some(""), None),
            (Some("DE"), Some("DE")),
            (None, None),
        ];
        for (given, want) in cases {
            let geo = Geo {
                country: given.map(str::to_owned),
                city: Some(" ".into()),
                ..Geo::default()
            }
            .normalized();
            assert_eq!(geo.country.as_deref(), want);
            assert_eq!(geo.city, None);
        }
    }
}
