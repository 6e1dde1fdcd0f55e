//! Device class by model name (`data/devices/models.txt`), for Android devices whose UA tokens
//! do not tell: tablets whose browser says "Mobile", TV boxes with a phone browser, app stacks.
//! All expressions run as one multi-pattern search over the short model string.

use std::sync::OnceLock;

use regex_automata::meta::Regex;
use regex_automata::util::syntax;

const MODELS: &str = include_str!("../../data/devices/models.txt");

/// Classes in the order they win when several match.
const PRIORITY: [&str; 4] = ["tv", "console", "tablet", "mobile"];

/// Longest model looked at: real ones are under 40 bytes.
const MAX_MODEL_LEN: usize = 64;

/// One search per class, in [`PRIORITY`] order.
struct Models {
    classes: Vec<(&'static str, Regex)>,
}

/// (class, expression) of each line; lines that do not parse are skipped (a test checks there
/// are none).
fn lines() -> impl Iterator<Item = (&'static str, &'static str)> {
    MODELS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(class, re)| PRIORITY.iter().find(|&&c| c == class).map(|&c| (c, re.trim())))
}

fn models() -> Option<&'static Models> {
    static MODELS_REGEX: OnceLock<Option<Models>> = OnceLock::new();
    MODELS_REGEX
        .get_or_init(|| {
            let classes = PRIORITY
                .iter()
                .map(|&class| {
                    let patterns: Vec<&str> = lines().filter(|(c, _)| *c == class).map(|(_, re)| re).collect();
                    let regex = Regex::builder()
                        .syntax(syntax::Config::new().case_insensitive(true).unicode(false).utf8(false))
                        .build_many(&patterns)
                        .ok()?;
                    Some((class, regex))
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Models { classes })
        })
        .as_ref()
}

/// The class the model's name gives, if any line matches.
pub(crate) fn class_of(model: &str) -> Option<&'static str> {
    let model = model.get(..MAX_MODEL_LEN).unwrap_or(model);
    models()?
        .classes
        .iter()
        .find(|(_, r)| r.is_match(model))
        .map(|&(c, _)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_parses_into_the_search() {
        let written = MODELS
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .count();
        assert_eq!(lines().count(), written, "a line has no TAB or an unknown class");
        assert!(models().is_some(), "an expression of models.txt does not compile");
    }

    #[test]
    fn classes_by_model() {
        let cases = [
            ("SM-X700", Some("tablet")),
            ("SM-T510", Some("tablet")),
            ("Lenovo TB-X606F", Some("tablet")),
            ("Masstel_Tab10_4G", Some("tablet")),
            ("Tab 50 WiFi", Some("tablet")),
            ("KFTRWI", Some("tablet")),
            ("32LH7030S", Some("tv")),
            ("50OV6000U", Some("tv")),
            ("H-LED32ES5000", Some("tv")),
            ("KM9_TV_BOX", Some("tv")),
            ("AFTMM", Some("tv")),
            ("BRAVIA 4K GB", Some("tv")),
            ("SM-G991B", Some("mobile")),
            ("Pixel 8", Some("mobile")),
            ("RMX2195", Some("mobile")),
            ("Retroid Pocket 4 Pro", Some("console")),
            // Near misses: a phone model with digits, a word that contains "tab" inside.
            ("5033D", Some("mobile")),
            ("Stable X", None),
            ("K", None),
            ("", None),
        ];
        for (model, want) in cases {
            assert_eq!(class_of(model), want, "{model}");
        }
    }
}
