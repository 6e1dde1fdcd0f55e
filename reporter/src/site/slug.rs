//! File and folder names derived from report data (site and channel names). Those names come
//! from the collector's input and from config, so they are reduced to `[a-z0-9-]`: no separator,
//! no dot, no way out of the output folder.

use sha2::{Digest, Sha256};

/// Longest slug kept before the disambiguating hash (file names stay far below 255 bytes).
const MAX_LEN: usize = 48;

/// `Organic Search` → `organic-search`, `shop.example.org` → `shop-example-org`. Runs of
/// anything else than ASCII letters and digits become one `-`; never empty.
pub fn slugify(name: &str) -> String {
    let mut slug = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let trimmed = slug.trim_end_matches('-');
    if trimmed.is_empty() || trimmed.len() > MAX_LEN {
        // Nothing usable (e.g. a name in another script) or too long: a short hash keeps it unique.
        let head = trimmed
            .get(..MAX_LEN.min(trimmed.len()))
            .unwrap_or("")
            .trim_end_matches('-');
        return if head.is_empty() {
            format!("x-{}", short_hash(name))
        } else {
            format!("{head}-{}", short_hash(name))
        };
    }
    trimmed.to_owned()
}

/// Slugs for a list of names, unique within the list: a name whose slug collides with another's
/// (`a.b` and `a-b`) gets a hash of the full name appended, whatever the order of the list.
pub fn unique_slugs<'a>(names: impl IntoIterator<Item = &'a str> + Clone) -> Vec<String> {
    let plain: Vec<String> = names.clone().into_iter().map(slugify).collect();
    names
        .into_iter()
        .zip(&plain)
        .map(|(name, slug)| {
            if plain.iter().filter(|s| *s == slug).count() > 1 {
                format!("{slug}-{}", short_hash(name))
            } else {
                slug.clone()
            }
        })
        .collect()
}

/// 8 hex digits of SHA-256: stable across runs and versions (unlike `std`'s hasher).
fn short_hash(name: &str) -> String {
    Sha256::digest(name.as_bytes())
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether a string is a slug as produced here (used to check names read back from disk).
#[cfg(test)]
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_ascii_words() {
        assert_eq!(slugify("Organic Search"), "organic-search");
        assert_eq!(slugify("shop.example.org"), "shop-example-org");
        assert_eq!(slugify("  AI  Assistants!! "), "ai-assistants");
        assert_eq!(slugify("Cross-network"), "cross-network");
    }

    #[test]
    fn hostile_names_cannot_escape_the_folder() {
        for name in [
            "../../etc/passwd",
            "..",
            "/",
            "a/../../b",
            "<script>",
            "C:\\x",
            "\u{0}",
            "名前",
            "",
        ] {
            let slug = slugify(name);
            assert!(is_slug(&slug), "{name:?} → {slug:?}");
            assert!(!slug.contains(".."), "{slug}");
        }
        assert_ne!(slugify("名前"), slugify("名"));
        assert_eq!(slugify(&"a".repeat(300)).len(), MAX_LEN + 9);
    }

    #[test]
    fn colliding_names_get_distinct_slugs() {
        let names = ["a.b", "a-b", "c"];
        let slugs = unique_slugs(names);
        assert_eq!(slugs[2], "c");
        assert_ne!(slugs[0], slugs[1]);
        assert!(slugs[0].starts_with("a-b-") && slugs[1].starts_with("a-b-"));
        // Independent of order.
        let reversed = unique_slugs(["c", "a-b", "a.b"]);
        assert_eq!(reversed[2], slugs[0]);
    }
}
