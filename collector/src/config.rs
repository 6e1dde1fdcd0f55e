//! Worker configuration from `wrangler.toml` vars.

use std::collections::HashSet;

/// Sites whose hits are accepted: the `ALLOWED_SITES` var, a comma- or space-separated list.
/// Hits for any other site are answered 403 and never stored.
#[derive(Debug, Clone, Default)]
pub struct AllowList(HashSet<String>);

impl AllowList {
    pub fn parse(var: &str) -> Self {
        AllowList(
            var.split([',', ' ', '\n', '\t'])
                .map(|site| site.trim().to_ascii_lowercase())
                .filter(|site| !site.is_empty())
                .collect(),
        )
    }

    pub fn allows(&self, site: &str) -> bool {
        self.0.contains(site)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lists() {
        let list = AllowList::parse(" example.com, Shop.Example.org\nblog.example.net ,,");
        for (site, allowed) in [
            ("example.com", true),
            ("shop.example.org", true),
            ("blog.example.net", true),
            ("evil.com", false),
            ("", false),
            ("example.co", false),
        ] {
            assert_eq!(list.allows(site), allowed, "{site}");
        }
        assert!(AllowList::parse(" , ").is_empty());
    }
}
