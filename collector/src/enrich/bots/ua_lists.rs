//! The User-Agent pattern lists, searched in one pass.
//!
//! `build.rs` compiles the lists of `data/bots/` (hitflow's own substring lists and the vendored
//! crawler-user-agents and isbot regular expressions) into the fragments each pattern's
//! matches must contain. A UA is searched once for all fragments at the same time
//! (aho-corasick, ASCII case ignored); only the patterns whose fragment occurs are verified,
//! own patterns by comparing text, vendored ones with their regular expression (fancy-regex,
//! for isbot's look-arounds), compiled the first time a UA needs it. A browser UA holds no
//! fragment, so it costs one pass and no regex.
//!
//! The vendored lists were written against a browser's view of the web, not the device zoo: a
//! vendored match is not counted when it lies inside the device model of an Android or Windows
//! Phone UA (phones named "Discovery", "Spider 8", "XBot_Senior", "Radar"), nor, for isbot's shape
//! heuristics, in a feature phone's or TV's UA (`data/bots/device_markers.txt`). hitflow's own lists always count.

use std::ops::Range;
use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use fancy_regex::Regex;

#[allow(clippy::wildcard_imports)]
use super::reasons::*;

/// How a pattern is verified once one of its fragments occurred in the UA.
pub(super) enum Check {
    /// hitflow's own format: lowercase text, anchored at the UA's start and/or end.
    Substring {
        text: &'static str,
        at_start: bool,
        at_end: bool,
    },
    /// A regular expression as the upstream list wrote it.
    Regex { source: &'static str, ignore_case: bool },
}

pub(super) struct UaPattern {
    /// The list's position in the check order: lower wins.
    pub(super) rank: usize,
    pub(super) reason: &'static str,
    pub(super) check: Check,
}

include!(concat!(env!("OUT_DIR"), "/ua_patterns.rs"));

/// What one pass over a UA found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Found {
    /// The reason of the best-ranked list with a matching pattern.
    pub(super) reason: Option<&'static str>,
    /// Whether one of the stems occurs (only looked at while no pattern matched).
    pub(super) stem: bool,
}

/// UAs up to this length are lowercased on the stack (nearly all are).
const SHORT_UA: usize = 256;

const DEVICE_MARKERS: &str = include_str!("../../../data/bots/device_markers.txt");

/// Where in a UA a vendored pattern's match does not count; worked out only when a vendored
/// pattern is a candidate.
struct Context {
    /// The device model part of an Android or Windows Phone platform comment.
    model: Option<Range<usize>>,
    /// A feature phone's or TV's UA: isbot's shape heuristics do not count at all.
    device: bool,
}

impl Context {
    fn of(ua: &str, device_markers: &[&str]) -> Context {
        let device = device_markers.iter().any(|m| {
            ua.as_bytes()
                .windows(m.len())
                .any(|w| w.eq_ignore_ascii_case(m.as_bytes()))
        });
        Context {
            model: model_span(ua),
            device,
        }
    }

    /// Whether a match at `at` of a pattern of the list with `reason` counts.
    fn counts(&self, at: Range<usize>, reason: &str) -> bool {
        let heuristic = reason == REASON_UA_ISBOT_LIST;
        let in_model = self
            .model
            .as_ref()
            .is_some_and(|m| m.start <= at.start && at.end <= m.end);
        let ignored_device = heuristic && self.device;
        !in_model && !ignored_device
    }
}

/// The segments of the first parenthesised comment after `Android <version>;` or
/// `Windows Phone [OS] <version>;` up to the first one that names a product with a version
/// (other than `Build/`): the device model and build id, e.g. `XBot_Senior Build/O11019` in
/// `Mozilla/5.0 (Linux; Android 8.1.0; XBot_Senior Build/O11019) ...`, but not
/// `DuplexWeb-Google/1.0` in `(Linux; Android 8.0; Pixel 2 Build/OPD3; DuplexWeb-Google/1.0)`.
pub(super) fn model_span(ua: &str) -> Option<Range<usize>> {
    let open = ua.find('(')?;
    let close = open + ua.get(open..)?.find(')')?;
    let comment = ua.get(open..close)?;
    let platform = comment.find("Android").or_else(|| comment.find("Windows Phone"))?;
    let start = platform + comment.get(platform..)?.find(';')? + 1;
    let mut end = start;
    for segment in comment.get(start..)?.split(';') {
        if segment.contains('/') && !segment.contains("Build/") {
            break;
        }
        end += segment.len() + 1;
    }
    let end = end.saturating_sub(1).max(start);
    Some(open + start..open + end)
}

pub(super) struct UaLists {
    /// [`FRAGMENTS`], then the stems (`None` if it could not be built, which a test rules out:
    /// every pattern is then verified).
    fragments: Option<AhoCorasick>,
    /// `data/bots/device_markers.txt`, parsed once.
    device_markers: Vec<&'static str>,
    /// [`ALWAYS_PREFILTER`] as one search, for ASCII UAs: a browser UA matches none of it.
    always: Option<regex_automata::meta::Regex>,
    /// Each pattern's regular expression, compiled on first use (`None` for substrings and for
    /// an expression that does not compile, which a test rules out).
    regexes: Box<[OnceLock<Option<Regex>>]>,
}

impl UaLists {
    /// `stems` are words whose presence is only noted, for a rule that looks at whole words.
    pub(super) fn new(stems: &[&str]) -> Self {
        let fragments = FRAGMENTS.iter().map(|&(f, _)| f).chain(stems.iter().copied());
        // Fragments are lowercase and searched in a lowercased copy of the UA: without ASCII case
        // variants the automaton builds in 40 % of the time (cold start) and searches as fast.
        let fragments = AhoCorasick::builder().build(fragments).ok();
        let device_markers = DEVICE_MARKERS
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|m| !m.is_empty())
            .collect();
        UaLists {
            fragments,
            device_markers,
            always: ascii_prefilter(),
            regexes: PATTERNS.iter().map(|_| OnceLock::new()).collect(),
        }
    }

    /// The best-ranked list a pattern of which matches `ua`, and whether a stem occurs. With
    /// `apps` false, the app-stack list is skipped (the UA names a browser).
    pub(super) fn scan(&self, ua: &str, apps: bool) -> Found {
        // Candidates first (cheap), then verified best rank first, so a UA that hitflow's own
        // lists name never pays for the vendored lists' regular expressions. Empty (no
        // allocation) for a browser UA.
        let mut candidates: Vec<u16> = Vec::new();
        let mut stem = false;
        let mut short = [0u8; SHORT_UA];
        let mut long = Vec::new();
        let lower: &mut [u8] = if ua.len() <= SHORT_UA {
            &mut short[..ua.len()]
        } else {
            long.resize(ua.len(), 0);
            &mut long
        };
        for (l, b) in lower.iter_mut().zip(ua.as_bytes()) {
            *l = b.to_ascii_lowercase();
        }
        match &self.fragments {
            Some(fragments) => {
                for m in fragments.find_overlapping_iter(&*lower) {
                    match FRAGMENTS.get(m.pattern().as_usize()) {
                        Some((_, ids)) => candidates.extend_from_slice(ids),
                        None => stem = true,
                    }
                }
            }
            None => candidates.extend(0..PATTERNS.len() as u16),
        }
        if !ua.is_ascii() || self.always.as_ref().is_none_or(|r| r.is_match(ua)) {
            candidates.extend_from_slice(ALWAYS);
        }
        candidates.sort_unstable_by_key(|&id| (PATTERNS.get(usize::from(id)).map_or(usize::MAX, |p| p.rank), id));
        candidates.dedup();
        let context = OnceLock::new();
        let found = candidates.into_iter().find_map(|id| {
            let p = PATTERNS.get(usize::from(id))?;
            let skip = !apps && p.reason == REASON_UA_APP;
            (!skip
                && self.verify(usize::from(id), p, ua, || {
                    context.get_or_init(|| Context::of(ua, &self.device_markers))
                }))
            .then_some(p.reason)
        });
        Found {
            reason: found,
            stem: stem && found.is_none(),
        }
    }

    fn verify<'c>(&self, id: usize, p: &UaPattern, ua: &str, context: impl FnOnce() -> &'c Context) -> bool {
        match p.check {
            Check::Substring { text, at_start, at_end } => {
                let (ua, text) = (ua.as_bytes(), text.as_bytes());
                let head = || ua.get(..text.len()).is_some_and(|h| h.eq_ignore_ascii_case(text));
                let tail = || {
                    ua.len() >= text.len()
                        && ua
                            .get(ua.len() - text.len()..)
                            .is_some_and(|t| t.eq_ignore_ascii_case(text))
                };
                match (at_start, at_end) {
                    (true, true) => ua.eq_ignore_ascii_case(text),
                    (true, false) => head(),
                    (false, true) => tail(),
                    (false, false) => ua.windows(text.len().max(1)).any(|w| w.eq_ignore_ascii_case(text)),
                }
            }
            Check::Regex { source, ignore_case } => {
                let regex = self
                    .regexes
                    .get(id)
                    .and_then(|slot| slot.get_or_init(|| compile(source, ignore_case)).as_ref());
                let Some(regex) = regex else {
                    return false;
                };
                // Cheap test first: most candidates do not match at all. A backtracking limit
                // reached is not a match: the UA is then judged by the other rules.
                if !regex.is_match(ua).unwrap_or(false) {
                    return false;
                }
                let context = context();
                regex
                    .find_iter(ua)
                    .flatten()
                    .any(|m| context.counts(m.range(), p.reason))
            }
        }
    }

    /// The reason and pattern text of every pattern that matches `ua` (for tests and the score
    /// example's reports of false positives).
    pub fn explain(&self, ua: &str) -> Vec<(&'static str, &'static str)> {
        let context = OnceLock::new();
        PATTERNS
            .iter()
            .enumerate()
            .filter(|&(id, p)| {
                self.verify(id, p, ua, || {
                    context.get_or_init(|| Context::of(ua, &self.device_markers))
                })
            })
            .map(|(_, p)| {
                let text = match p.check {
                    Check::Substring { text, .. } => text,
                    Check::Regex { source, .. } => source,
                };
                (p.reason, text)
            })
            .collect()
    }

    /// Every pattern's expression compiles (for the tests).
    #[cfg(test)]
    pub(super) fn uncompilable(&self) -> Vec<&'static str> {
        PATTERNS
            .iter()
            .filter_map(|p| match p.check {
                Check::Regex { source, ignore_case } => compile(source, ignore_case).is_none().then_some(source),
                Check::Substring { .. } => None,
            })
            .collect()
    }

    /// How many patterns go through the combined prefilter, and in all (for the tests).
    #[cfg(test)]
    pub(super) fn sizes(&self) -> (usize, usize) {
        (ALWAYS.len(), PATTERNS.len())
    }

    /// Whether the combined prefilter and the fragment automaton were built (for the tests).
    #[cfg(test)]
    pub(super) fn has_prefilter(&self) -> bool {
        self.always.is_some() && self.fragments.is_some()
    }
}

/// [`ALWAYS_PREFILTER`] compiled without Unicode: on an ASCII UA, `\w`, `\d`, `\s`, `\b` and
/// `(?i)` match exactly what their Unicode forms match (the Unicode extras are all non-ASCII),
/// and the build skips case-folding Unicode classes (several ms of cold start). Non-ASCII UAs
/// bypass it.
fn ascii_prefilter() -> Option<regex_automata::meta::Regex> {
    use regex_automata::util::syntax;
    regex_automata::meta::Regex::builder()
        .syntax(syntax::Config::new().unicode(false).utf8(false))
        .build_many(ALWAYS_PREFILTER)
        .ok()
}

fn compile(source: &str, ignore_case: bool) -> Option<Regex> {
    let text = if ignore_case {
        format!("(?i){source}")
    } else {
        source.to_owned()
    };
    Regex::new(&text).ok()
}
