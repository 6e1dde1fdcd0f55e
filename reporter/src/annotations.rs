//! `[[annotations]]`: dated notes ("launched the new pricing page") drawn on the daily charts,
//! listed on the overview and in the email when inside the period, and kept in `report.json`.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Longest note kept; a chart label and an email line stay readable.
const MAX_TEXT_CHARS: usize = 200;
const MAX_LINK_CHARS: usize = 2048;

/// One `[[annotations]]` entry of the config.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnnotationConfig {
    /// The local day (site time zone) the note belongs to.
    pub date: NaiveDate,
    /// Only this site's reports; every site's when absent.
    #[serde(default)]
    pub site: Option<String>,
    pub text: Text,
    #[serde(default)]
    pub link: Option<Link>,
}

/// A note's text: 1 to 200 characters, no control characters (it goes into SVG, HTML and mail).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Text(String);

impl TryFrom<String> for Text {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() || trimmed.chars().count() > MAX_TEXT_CHARS {
            return Err(format!("annotation text must be 1 to {MAX_TEXT_CHARS} characters"));
        }
        if trimmed.chars().any(char::is_control) {
            return Err("annotation text must not hold control characters".into());
        }
        Ok(Text(trimmed.to_owned()))
    }
}

/// A note's link: an absolute http(s) URL, so no `javascript:` ever reaches an `href`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct Link(String);

impl TryFrom<String> for Link {
    type Error = String;

    fn try_from(link: String) -> Result<Self, String> {
        let lower = link.to_ascii_lowercase();
        let scheme_ok = lower.starts_with("https://") || lower.starts_with("http://");
        if !scheme_ok || link.len() > MAX_LINK_CHARS || link.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(format!(
                "annotation link `{link}` must be an absolute http(s) URL without spaces"
            ));
        }
        Ok(Link(link))
    }
}

/// An annotation of a site's report (`report.json`'s `annotations`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Annotation {
    /// `YYYY-MM-DD`, site time zone.
    pub date: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

/// The annotations of `site` dated `from..=to`, by date, in config order within a day.
pub fn for_site(all: &[AnnotationConfig], site: &str, from: NaiveDate, to: NaiveDate) -> Vec<Annotation> {
    let mut out: Vec<(NaiveDate, Annotation)> = all
        .iter()
        .filter(|a| a.site.as_deref().is_none_or(|s| s == site) && (from..=to).contains(&a.date))
        .map(|a| {
            (
                a.date,
                Annotation {
                    date: a.date.to_string(),
                    text: a.text.0.clone(),
                    link: a.link.as_ref().map(|l| l.0.clone()),
                },
            )
        })
        .collect();
    out.sort_by_key(|(date, _)| *date);
    out.into_iter().map(|(_, a)| a).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Wrapper {
        annotations: Vec<AnnotationConfig>,
    }

    fn parse(text: &str) -> Result<Vec<AnnotationConfig>, String> {
        toml::from_str::<Wrapper>(text)
            .map(|w| w.annotations)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn annotations_are_picked_by_site_and_period() {
        let all = parse(
            r#"
            [[annotations]]
            date = "2026-11-12"
            text = "Newsletter sent"
            [[annotations]]
            date = "2026-11-10"
            site = "example.com"
            text = "New pricing page"
            link = "https://example.com/blog/pricing"
            [[annotations]]
            date = "2026-11-10"
            site = "shop.example.org"
            text = "Sale"
            [[annotations]]
            date = "2026-10-01"
            text = "Too early"
            "#,
        )
        .expect("valid");
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let got = for_site(&all, "example.com", d("2026-11-09"), d("2026-11-15"));
        let texts: Vec<(&str, &str, Option<&str>)> = got
            .iter()
            .map(|a| (a.date.as_str(), a.text.as_str(), a.link.as_deref()))
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "2026-11-10",
                    "New pricing page",
                    Some("https://example.com/blog/pricing")
                ),
                ("2026-11-12", "Newsletter sent", None),
            ]
        );
    }

    #[test]
    fn bad_annotations_are_refused_with_a_reason() {
        let long = "x".repeat(201);
        for (entry, needle) in [
            ("date = \"2026-11-10\"\ntext = \"\"", "1 to 200"),
            (&format!("date = \"2026-11-10\"\ntext = \"{long}\"")[..], "1 to 200"),
            ("date = \"2026-11-10\"\ntext = \"a\\u0007b\"", "control"),
            (
                "date = \"2026-11-10\"\ntext = \"a\"\nlink = \"javascript:alert(1)\"",
                "http(s)",
            ),
            (
                "date = \"2026-11-10\"\ntext = \"a\"\nlink = \"https://x.example/a b\"",
                "http(s)",
            ),
            (
                "date = \"10.11.2026\"\ntext = \"a\"",
                "input contains invalid characters",
            ),
            ("date = \"2026-11-10\"\ntext = \"a\"\ncolour = \"red\"", "unknown field"),
        ] {
            let err = parse(&format!("[[annotations]]\n{entry}")).expect_err(entry);
            assert!(err.contains(needle), "{entry}: {err}");
        }
    }
}
