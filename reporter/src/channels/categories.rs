//! Source categories (search engines, social networks, ...) and how a source is found in them.
//!
//! The built-in lists live in `reporter/data/channels/*.txt` (format described in `search.txt`)
//! and are compiled in with `include_str!`. Every entry of every list goes into one
//! [`SourceIndex`], so a lookup is a few hash probes and the most specific entry wins across
//! lists: `mail.google.com` (email) beats `google.*` (search). Matomo's vendored list
//! (`vendor.rs`) answers only for sources none of these entries match.

use rustc_hash::FxHashMap;
use serde::Deserialize;

use super::vendor::VendorIndex;

/// A list of sources a channel rule can test against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Search engines: GA4's "search sites" list.
    Search,
    /// Social networks, forums and messengers: GA4's "social sites" list.
    Social,
    /// Marketplaces and price comparison: GA4's "shopping sites" list.
    Shopping,
    /// Video platforms: GA4's "video sites" list.
    Video,
    /// AI assistants (hitflow's own list).
    AiAssistants,
    /// Webmail hosts: referrers from them get medium "email".
    Email,
    /// Hosts that are plain referrals although a broader entry of another list would match.
    Referral,
}

impl Category {
    /// The key of this category in `[channels]` of hitflow.toml and its data file's stem.
    pub fn key(self) -> &'static str {
        match self {
            Category::Search => "search",
            Category::Social => "social",
            Category::Shopping => "shopping",
            Category::Video => "video",
            Category::AiAssistants => "ai_assistants",
            Category::Email => "email",
            Category::Referral => "referral",
        }
    }
}

/// The built-in lists: (category, file name, contents).
pub(crate) const BUILTIN_LISTS: [(Category, &str, &str); 7] = [
    (
        Category::Search,
        "search.txt",
        include_str!("../../data/channels/search.txt"),
    ),
    (
        Category::Social,
        "social.txt",
        include_str!("../../data/channels/social.txt"),
    ),
    (
        Category::Shopping,
        "shopping.txt",
        include_str!("../../data/channels/shopping.txt"),
    ),
    (
        Category::Video,
        "video.txt",
        include_str!("../../data/channels/video.txt"),
    ),
    (
        Category::AiAssistants,
        "ai_assistants.txt",
        include_str!("../../data/channels/ai_assistants.txt"),
    ),
    (
        Category::Email,
        "email.txt",
        include_str!("../../data/channels/email.txt"),
    ),
    (
        Category::Referral,
        "referral.txt",
        include_str!("../../data/channels/referral.txt"),
    ),
];

/// The built-in referral exclusions, one host a line.
const BUILTIN_EXCLUSIONS: &str = include_str!("../../data/channels/referral_exclusions.txt");

/// The hosts of `referral_exclusions.txt`.
pub(crate) fn builtin_exclusions() -> impl Iterator<Item = &'static str> {
    BUILTIN_EXCLUSIONS
        .lines()
        .map(|line| line.split('#').next().unwrap_or("").trim())
        .filter(|host| !host.is_empty())
}

/// Second-level labels under which a country-code TLD sells names (`co.uk`, `com.au`, ...): the
/// brand of `google.co.uk` is the label before them. A heuristic instead of the public suffix
/// list, good enough for the handful of brands that use `brand.*` entries.
pub(crate) const SECOND_LEVEL: [&str; 11] = ["co", "com", "net", "org", "ac", "gov", "edu", "ne", "or", "gob", "go"];

/// One parsed line of a list: `key` or `key = canonical`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListEntry {
    /// Lowercase source name or host; for a brand entry the brand label alone.
    pub key: Box<str>,
    /// `brand.*`: matches `key` as the label before any public suffix.
    pub brand: bool,
    /// Source name a matching referrer is reported as.
    pub canonical: Option<Box<str>>,
}

/// Parses one list line; `Ok(None)` for blank and comment lines. The error is the reason.
pub(crate) fn parse_entry(line: &str) -> Result<Option<ListEntry>, &'static str> {
    let line = line.split_once('#').map_or(line, |(before, _)| before).trim();
    if line.is_empty() {
        return Ok(None);
    }
    let (key, canonical) = match line.split_once('=') {
        Some((key, canonical)) => {
            let canonical = canonical.trim();
            if canonical.is_empty() {
                return Err("nothing after `=`: write `host = source name`");
            }
            check_name(canonical)?;
            (key.trim(), Some(canonical.to_lowercase().into_boxed_str()))
        }
        None => (line, None),
    };
    if key.is_empty() {
        return Err("empty source");
    }
    check_name(key)?;
    let key = key.to_lowercase();
    let (key, brand) = match key.strip_suffix(".*") {
        Some(brand) if brand.is_empty() || brand.contains('.') || brand.contains('*') => {
            return Err("`.*` goes after a single label, as in `google.*`");
        }
        Some(brand) => (brand.to_owned(), true),
        None if key.contains('*') => return Err("`*` is only allowed as a trailing `.*`"),
        None => (key, false),
    };
    Ok(Some(ListEntry {
        key: key.into_boxed_str(),
        brand,
        canonical,
    }))
}

/// Rejects the usual slip of pasting a URL where a host is expected.
fn check_name(s: &str) -> Result<(), &'static str> {
    if s.contains("://") || s.contains('/') {
        return Err("write a host or source name, not a URL");
    }
    Ok(())
}

#[derive(Debug, Clone)]
struct Entry {
    category: Category,
    canonical: Option<Box<str>>,
}

/// What a lookup found for a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceMatch<'a> {
    pub category: Category,
    /// The name to report a referrer host as (`l.facebook.com` → `facebook`), if the list gives one.
    pub canonical: Option<&'a str>,
}

/// All list entries, keyed for fast lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct SourceIndex {
    /// Source names and hosts.
    exact: FxHashMap<Box<str>, Entry>,
    /// Brand labels of `brand.*` entries.
    brands: FxHashMap<Box<str>, Entry>,
}

impl SourceIndex {
    /// The index of the built-in lists.
    ///
    /// # Panics
    /// If a built-in list has a malformed line (a test parses them all).
    pub fn builtin() -> Self {
        let mut index = SourceIndex::default();
        for (category, file, text) in BUILTIN_LISTS {
            for (n, line) in text.lines().enumerate() {
                match parse_entry(line) {
                    Ok(Some(entry)) => {
                        index.insert(entry, category);
                    }
                    Ok(None) => {}
                    Err(reason) => panic!("data/channels/{file}:{}: {reason}", n + 1),
                }
            }
        }
        index
    }

    /// Adds an entry, replacing an equal key (so hitflow.toml can move a source to another
    /// list). Returns the category the key had before.
    pub fn insert(&mut self, entry: ListEntry, category: Category) -> Option<Category> {
        let map = if entry.brand { &mut self.brands } else { &mut self.exact };
        let value = Entry {
            category,
            canonical: entry.canonical,
        };
        map.insert(entry.key, value).map(|old| old.category)
    }

    /// The most specific entry matching `source` (lowercase; a leading `www.` is ignored):
    /// the exact source, then its parent domains from the longest, then its `brand.*`.
    /// Matomo's vendored list (`vendor.rs`) answers where these entries do not, or where its
    /// entry is strictly more specific (`ai.baidu.com` under `baidu.com`); on equal footing
    /// hitflow's entry wins, so GA4's categories win conflicts (`youtube.com` stays video).
    pub fn lookup(&self, source: &str) -> Option<SourceMatch<'_>> {
        let source = source.strip_prefix("www.").unwrap_or(source);
        if source.is_empty() {
            return None;
        }
        let found = self.own(source);
        let rank = found.as_ref().map_or(0, |(_, rank)| *rank);
        // Same category: keep hitflow's entry and its canonical name (`l.facebook.com` → facebook).
        let vendor = VendorIndex::get().lookup_above(source, rank);
        if let Some(category) = vendor.filter(|c| found.as_ref().is_none_or(|(e, _)| e.category != *c)) {
            return Some(SourceMatch {
                category,
                canonical: None,
            });
        }
        found.map(|(found, _)| SourceMatch {
            category: found.category,
            canonical: found.canonical.as_deref(),
        })
    }

    /// The category hitflow's own entries give `source`, without the vendored list.
    #[cfg(test)]
    pub fn own_category(&self, source: &str) -> Option<Category> {
        self.own(source.strip_prefix("www.").unwrap_or(source))
            .map(|(e, _)| e.category)
    }

    /// hitflow's own entry for `source` (no `www.`, not empty) and how specific it is.
    fn own(&self, source: &str) -> Option<(&Entry, u32)> {
        self.exact.get(source).map(|e| (e, specificity(source))).or_else(|| {
            // Parents must keep a dot: bare names such as "google" are TLDs too (blog.google).
            let mut rest = source;
            while let Some((_, parent)) = rest.split_once('.') {
                if !parent.contains('.') {
                    break;
                }
                if let Some(entry) = self.exact.get(parent) {
                    return Some((entry, specificity(parent)));
                }
                rest = parent;
            }
            brand_label(source)
                .and_then(|brand| self.brands.get(brand))
                .map(|e| (e, BRAND_SPECIFICITY))
        })
    }

    /// Every entry: (key, `brand.*`, category, canonical name), exact entries first.
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&str, bool, Category, Option<&str>)> {
        let exact = self.exact.iter().map(|(k, e)| (&**k, false, e));
        let brands = self.brands.iter().map(|(k, e)| (&**k, true, e));
        exact
            .chain(brands)
            .map(|(k, brand, e)| (k, brand, e.category, e.canonical.as_deref()))
    }

    /// Number of entries (exact and brand).
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.exact.len() + self.brands.len()
    }
}

/// How specific a matched entry is, to compare hitflow's and the vendored entries: a host
/// entry by its labels (`ai.baidu.com` 3 > `baidu.com` 2), a `brand.*` or `name.{}` entry
/// below any host entry.
pub(crate) fn specificity(host: &str) -> u32 {
    2 * (host.matches('.').count() as u32 + 1)
}

/// `brand.*`: below every host entry (`mail.google.com` beats `google.*`).
pub(crate) const BRAND_SPECIFICITY: u32 = 1;

/// Length of the public suffix of `host` (`com`, `co.uk`, by the `SECOND_LEVEL` heuristic);
/// `None` when nothing is left before it.
pub(crate) fn public_suffix_len(host: &str) -> Option<usize> {
    let mut labels = host.rsplit('.');
    let tld = labels.next()?;
    let second = labels.next()?;
    if tld.len() == 2 && SECOND_LEVEL.contains(&second) {
        labels.next()?;
        Some(second.len() + 1 + tld.len())
    } else {
        Some(tld.len())
    }
}

/// The label before the public suffix: `google` for `news.google.com` and `www.google.co.uk`.
fn brand_label(host: &str) -> Option<&str> {
    let mut labels = host.rsplit('.');
    let tld = labels.next()?;
    let second = labels.next()?;
    if tld.len() == 2 && SECOND_LEVEL.contains(&second) {
        labels.next()
    } else {
        Some(second)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustc_hash::FxHashSet;

    #[test]
    fn builtin_lists_parse_without_duplicates() {
        let mut seen: FxHashSet<(bool, Box<str>)> = FxHashSet::default();
        for (_, file, text) in BUILTIN_LISTS {
            for (n, line) in text.lines().enumerate() {
                let entry = parse_entry(line).unwrap_or_else(|reason| panic!("{file}:{}: {reason}", n + 1));
                if let Some(entry) = entry {
                    assert_eq!(&*entry.key, entry.key.trim(), "{file}:{}", n + 1);
                    assert!(
                        seen.insert((entry.brand, entry.key.clone())),
                        "{file}:{}: {} is listed twice",
                        n + 1,
                        entry.key
                    );
                }
            }
        }
        assert_eq!(SourceIndex::builtin().len(), seen.len());
    }

    #[test]
    fn canonical_names_stay_in_their_category() {
        // A referrer reported as "facebook" must classify like the host it came from.
        let index = SourceIndex::builtin();
        for (category, file, text) in BUILTIN_LISTS {
            for line in text.lines() {
                let Ok(Some(entry)) = parse_entry(line) else {
                    continue;
                };
                if let Some(canonical) = &entry.canonical {
                    let found = index.lookup(canonical).map(|m| m.category);
                    assert_eq!(found, Some(category), "{file}: {} = {canonical}", entry.key);
                }
            }
        }
    }

    #[test]
    fn lists_are_lowercase_and_exclusions_are_hosts() {
        for (_, file, text) in BUILTIN_LISTS {
            for line in text.lines() {
                let entry = line.split('#').next().unwrap_or("");
                assert_eq!(entry, entry.to_lowercase(), "{file}: entries are lowercase");
            }
        }
        for host in builtin_exclusions() {
            assert!(
                host.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-'),
                "referral_exclusions.txt: {host:?}"
            );
        }
    }

    #[test]
    fn parse_entry_cases() {
        let entry = |key: &str, brand, canonical: Option<&str>| {
            Ok(Some(ListEntry {
                key: key.into(),
                brand,
                canonical: canonical.map(Into::into),
            }))
        };
        let cases: [(&str, Result<Option<ListEntry>, &str>); 9] = [
            ("", Ok(None)),
            ("   # only a comment", Ok(None)),
            ("kagi.com", entry("kagi.com", false, None)),
            (
                "Kagi.com = Kagi  # trailing comment",
                entry("kagi.com", false, Some("kagi")),
            ),
            ("google.* = google", entry("google", true, Some("google"))),
            ("e mail", entry("e mail", false, None)),
            ("https://kagi.com", Err("write a host or source name, not a URL")),
            ("kagi.com =", Err("nothing after `=`: write `host = source name`")),
            ("news.google.*", Err("`.*` goes after a single label, as in `google.*`")),
        ];
        for (line, expected) in cases {
            assert_eq!(parse_entry(line), expected, "{line:?}");
        }
        assert!(parse_entry("*.google.com").is_err());
        assert!(parse_entry("= google").is_err());
    }

    #[test]
    fn brand_labels() {
        let cases = [
            ("google.com", Some("google")),
            ("google.co.uk", Some("google")),
            ("news.google.com", Some("google")),
            ("google.com.au", Some("google")),
            ("yahoo.co.jp", Some("yahoo")),
            ("co.uk", None),
            ("google", None),
            ("google.com.evil.io", Some("evil")),
            ("com.google.android.gm", Some("android")),
        ];
        for (host, expected) in cases {
            assert_eq!(brand_label(host), expected, "{host}");
        }
    }

    #[test]
    fn lookups() {
        use Category::*;
        let index = SourceIndex::builtin();
        type Expected = Option<(Category, Option<&'static str>)>;
        let cases: &[(&str, Expected)] = &[
            // exact names and hosts
            ("google", Some((Search, None))),
            ("duckduckgo.com", Some((Search, Some("duckduckgo")))),
            ("chatgpt.com", Some((AiAssistants, None))),
            ("chat.openai.com", Some((AiAssistants, Some("chatgpt.com")))),
            // parent domains on a dot boundary, www ignored
            ("l.facebook.com", Some((Social, Some("facebook")))),
            ("lm.facebook.com", Some((Social, Some("facebook")))),
            ("www.youtube.com", Some((Video, Some("youtube")))),
            ("m.youtube.com", Some((Video, Some("youtube")))),
            ("notfacebook.com", None),
            ("xt.co", None),
            // brands under any public suffix
            ("google.de", Some((Search, Some("google")))),
            ("www.google.co.uk", Some((Search, Some("google")))),
            ("news.google.com", Some((Search, Some("google")))),
            ("amazon.co.jp", Some((Shopping, Some("amazon")))),
            ("ebay.de", Some((Shopping, Some("ebay")))),
            ("yandex.com.tr", Some((Search, Some("yandex")))),
            ("bing.com", Some((Search, Some("bing")))),
            ("googleusercontent.com", None),
            // bare names are not parents: `.google` is a TLD
            ("blog.google", None),
            // most specific wins across lists
            ("mail.google.com", Some((Email, None))),
            ("gemini.google.com", Some((AiAssistants, None))),
            ("bard.google.com", Some((AiAssistants, Some("gemini.google.com")))),
            ("docs.google.com", Some((Referral, None))),
            ("e.mail.ru", Some((Email, None))),
            ("yiyan.baidu.com", Some((AiAssistants, None))),
            ("aws.amazon.com", Some((Referral, None))),
            ("", None),
            ("www.", None),
            ("example.com", None),
        ];
        for (source, expected) in cases {
            let found = index.lookup(source).map(|m| (m.category, m.canonical));
            assert_eq!(found, *expected, "{source:?}");
        }
    }

    #[test]
    fn insert_overrides_and_reports_previous() {
        let mut index = SourceIndex::builtin();
        let entry = |line| parse_entry(line).ok().flatten().expect("valid entry");
        assert_eq!(index.insert(entry("kagi.com = kagi"), Category::Search), None);
        assert_eq!(index.lookup("kagi.com").map(|m| m.category), Some(Category::Search));
        assert_eq!(
            index.insert(entry("reddit.com"), Category::Referral),
            Some(Category::Social)
        );
        assert_eq!(
            index.lookup("old.reddit.com").map(|m| m.category),
            Some(Category::Referral)
        );
    }
}
