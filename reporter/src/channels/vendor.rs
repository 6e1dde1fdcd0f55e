//! Matomo's searchengine-and-social-list (CC0), vendored in `reporter/data/channels/vendor/`
//! (origin, commit and refresh in `reporter/data/NOTICE.md`).
//!
//! Hitflow's own lists (GA4's source categories, hitflow's additions, the `[channels]`
//! config) come first: a vendored entry only decides a host they do not match, or match less
//! specifically (`ai.baidu.com` under hitflow's `baidu.com`, `news.google.{}` under
//! `google.*`). On equal keys hitflow's entry wins, so conflicts go GA4's way (`facebook.com`,
//! which upstream also lists as a search engine, stays Organic Social; `translate.google.com`
//! stays a referral). Each conflict is in the exceptions table of the tests.
//!
//! Pattern forms, as upstream writes them:
//! - `host`: the host and its subdomains (like hitflow's own host entries); `www.` is ignored.
//! - `name.{}`: `{}` is any TLD or country suffix (`google.{}` → `google.de`, `google.co.uk`,
//!   `google.com.br`), found with the same public-suffix heuristic as hitflow's `brand.*`.
//! - `{}.host`: any subdomain of `host`.
//! - `a.{}.b`: any labels between `a.` and `.b` (`images.{}.ask.com`).
//! - `host/path`: the reporter reads referrer hosts, not paths (scanning `referrer_path` would
//!   cost a string column per row and one touch per referring page), so a path entry counts by
//!   its host alone, and only when that host is another entry of the same list (`google.{}/cse`
//!   is `google.{}`). Otherwise it is skipped: `x.com/i/grok` (x.com is Organic Social) and
//!   `apollo.lv/portal/search/` (a portal whose other pages are plain referrals).

use std::sync::OnceLock;

use rustc_hash::{FxHashMap, FxHashSet};

use super::categories::{public_suffix_len, specificity, Category, BRAND_SPECIFICITY};

/// The vendored lists: (category, file name, contents), in the order of their channel rules
/// (AI Assistants, Organic Social, Organic Search): a host upstream lists in two files
/// (`chatgpt.com` is in SearchEngines.yml and AIAssistants.yml) takes the earlier one, as a
/// source in two GA4 lists takes the channel whose rule comes first.
pub(crate) const VENDOR_LISTS: [(Category, &str, &str); 3] = [
    (
        Category::AiAssistants,
        "vendor/ai_assistants.txt",
        include_str!("../../data/channels/vendor/ai_assistants.txt"),
    ),
    (
        Category::Social,
        "vendor/socials.txt",
        include_str!("../../data/channels/vendor/socials.txt"),
    ),
    (
        Category::Search,
        "vendor/search_engines.txt",
        include_str!("../../data/channels/vendor/search_engines.txt"),
    ),
];

/// One upstream pattern, split into its host part and what `{}` stands for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Pattern {
    /// A host and its subdomains (also `{}.host`).
    Host(String),
    /// Labels before any public suffix: `google.{}` → `google`, `news.google.{}` → `news.google`.
    Stem(String),
    /// `{}` between two fixed parts: (`images.`, `.ask.com`).
    Infix(String, String),
}

/// A pattern line: its host pattern and whether upstream gave it a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct VendorEntry {
    pub pattern: Pattern,
    pub has_path: bool,
}

/// Parses one line; `None` for comments, blank lines and patterns this module cannot use
/// (more than one `{}` in odd places).
pub(crate) fn parse_line(line: &str) -> Option<VendorEntry> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    // Android app referrers read `android-app://<package>/...`; the collector stores the
    // package as the referrer host.
    let line = line.strip_prefix("android-app//").unwrap_or(line);
    let (host, has_path) = match line.split_once('/') {
        Some((host, _)) => (host, true),
        None => (line, false),
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let pattern = match host.matches("{}").count() {
        0 => Pattern::Host(host.to_owned()),
        1 => {
            if let Some(rest) = host.strip_prefix("{}.") {
                Pattern::Host(rest.to_owned())
            } else if let Some(stem) = host.strip_suffix(".{}") {
                Pattern::Stem(stem.to_owned())
            } else {
                let (before, after) = host.split_once("{}")?;
                Pattern::Infix(before.to_owned(), after.to_owned())
            }
        }
        _ => return None,
    };
    Some(VendorEntry { pattern, has_path })
}

/// The vendored hosts, stems and infixes (`VendorIndex::parts`).
pub(crate) type VendorParts<'a> = (
    &'a FxHashMap<Box<str>, Category>,
    &'a FxHashMap<Box<str>, Category>,
    &'a [(Box<str>, Box<str>, Category)],
);

/// The vendored entries, keyed for lookups.
#[derive(Debug, Default)]
pub(crate) struct VendorIndex {
    hosts: FxHashMap<Box<str>, Category>,
    stems: FxHashMap<Box<str>, Category>,
    /// Few (one upstream today), so a scan is fine.
    infixes: Vec<(Box<str>, Box<str>, Category)>,
}

impl VendorIndex {
    /// The index of the vendored files, built once per process.
    pub fn get() -> &'static VendorIndex {
        static INDEX: OnceLock<VendorIndex> = OnceLock::new();
        INDEX.get_or_init(|| Self::build(&VENDOR_LISTS))
    }

    fn build(lists: &[(Category, &str, &str)]) -> Self {
        let mut index = VendorIndex::default();
        for &(category, _, text) in lists {
            let entries: Vec<VendorEntry> = text.lines().filter_map(parse_line).collect();
            let plain: FxHashSet<&Pattern> = entries.iter().filter(|e| !e.has_path).map(|e| &e.pattern).collect();
            for entry in &entries {
                // A path entry only counts where its host is an entry of the list by itself.
                if entry.has_path && !plain.contains(&entry.pattern) {
                    continue;
                }
                // The first list to claim a key keeps it (`VENDOR_LISTS` order).
                match &entry.pattern {
                    Pattern::Host(h) => {
                        index.hosts.entry(h.as_str().into()).or_insert(category);
                    }
                    Pattern::Stem(s) => {
                        index.stems.entry(s.as_str().into()).or_insert(category);
                    }
                    Pattern::Infix(a, b) => index.infixes.push((a.as_str().into(), b.as_str().into(), category)),
                }
            }
        }
        index
    }

    /// The entries for the SQL export: hosts, stems, and infixes in lookup order.
    pub(crate) fn parts(&self) -> VendorParts<'_> {
        (&self.hosts, &self.stems, &self.infixes)
    }

    /// The category of `host` (lowercase, `www.` already stripped), most specific first: the
    /// host and its parents, then the host without its public suffix and that stem's parents,
    /// then the `{}`-infix patterns.
    #[cfg(test)]
    pub fn lookup(&self, host: &str) -> Option<Category> {
        self.lookup_above(host, 0)
    }

    /// As `lookup`, but only an entry more specific than `rank` (`categories::specificity`):
    /// what hitflow's own lists matched wins ties.
    pub fn lookup_above(&self, host: &str, rank: u32) -> Option<Category> {
        if host.is_empty() {
            return None;
        }
        if let Some((h, found)) = parents(host).find_map(|h| self.hosts.get(h).map(|c| (h, c))) {
            return (specificity(h) > rank).then_some(*found);
        }
        // `name.{}` ranks like `brand.*` plus its extra labels (`news.google.{}` > `google.*`).
        if !self.stems.is_empty() && rank < specificity("x.x") {
            if let Some(suffix) = public_suffix_len(host) {
                let stem = &host[..host.len() - suffix - 1];
                if let Some((s, found)) = parents(stem).find_map(|s| self.stems.get(s).map(|c| (s, c))) {
                    return (BRAND_SPECIFICITY + s.matches('.').count() as u32 > rank).then_some(*found);
                }
            }
        }
        if rank > 0 {
            return None;
        }
        self.infixes
            .iter()
            .find(|(a, b, _)| host.len() > a.len() + b.len() && host.starts_with(&**a) && host.ends_with(&**b))
            .map(|(_, _, category)| *category)
    }
}

/// `a.b.c`, `b.c`, `c`: the name and its parents on dot boundaries.
fn parents(name: &str) -> impl Iterator<Item = &str> {
    std::iter::successors(Some(name), |n| n.split_once('.').map(|(_, parent)| parent))
}

#[cfg(test)]
mod tests;
