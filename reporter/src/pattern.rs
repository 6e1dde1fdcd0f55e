//! Glob-like path patterns for goals, funnels and technical signals: `*` matches any run of
//! characters (including `/`), everything else matches itself. No regex engine needed.

use serde::{Deserialize, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "String")]
pub struct Pattern {
    text: String,
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl From<String> for Pattern {
    fn from(text: String) -> Self {
        Pattern { text }
    }
}

impl Pattern {
    pub fn new(text: &str) -> Self {
        Pattern { text: text.to_owned() }
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    pub fn matches(&self, input: &str) -> bool {
        let mut parts = self.text.split('*');
        let first = parts.next().unwrap_or_default();
        let Some(mut rest) = input.strip_prefix(first) else {
            return false;
        };
        let pieces: Vec<&str> = parts.collect();
        let Some((last, middle)) = pieces.split_last() else {
            return rest.is_empty();
        };
        for piece in middle {
            match rest.find(piece) {
                Some(at) => rest = &rest[at + piece.len()..],
                None => return false,
            }
        }
        rest.len() >= last.len() && rest.ends_with(last)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matching_and_non_matching() {
        let cases = [
            ("/pricing", "/pricing", true),
            ("/pricing", "/pricing/", false),
            ("/blog/*", "/blog/a/b", true),
            ("/blog/*", "/blog", false),
            ("*/not-found*", "/x/not-found", true),
            ("*/not-found*", "/not-found?x", true),
            ("/a*b*c", "/aXbYc", true),
            ("/a*b*c", "/aXcYb", false),
            ("/a*bc", "/abc", true),
            ("/ab*bc", "/abc", false),
            ("*", "", true),
            ("", "", true),
            ("", "/", false),
        ];
        for (pattern, input, want) in cases {
            assert_eq!(Pattern::new(pattern).matches(input), want, "{pattern} ~ {input}");
        }
    }
}
