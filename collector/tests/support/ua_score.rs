//! Scores the collector's device and bot detection on the public corpora of
//! `collector/tests/corpus/` (origins in `collector/data/NOTICE.md`), through the same functions
//! the Worker calls for every hit. Used by `tests/ua_corpus.rs` (which asserts the targets) and
//! `examples/score_ua.rs` (`scripts/score-ua.sh`, which prints the table).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use hitflow_collector::enrich::bots::{detect_bot, explain_ua, BotSignals, REASON_UA_APP};
use hitflow_collector::enrich::device::{parse_device, ClientHints};

/// Device classes scored, in print order.
pub const CLASSES: [&str; 6] = ["desktop", "mobile", "tablet", "tv", "console", "other"];

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

/// Records of a corpus file: lines that are neither blank nor `#` comments.
fn records(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// The corpus files of one kind, by source name (file name without extension).
fn sources(dir: &Path, ext: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    let entries = fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) == Some(ext) {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
            out.insert(name, records(&path));
        }
    }
    out
}

/// Bot detection as a hit from a home network with ordinary browser headers sees it: only
/// what the UA says is judged (no Cloudflare score, no data-centre ASN, Accept-Language sent).
pub fn ua_verdict(ua: &str, hints: &ClientHints<'_>) -> Option<&'static str> {
    let device = parse_device(ua, hints);
    detect_bot(&BotSignals {
        user_agent: ua,
        device: &device,
        asn: None,
        cf_verified_bot: None,
        cf_bot_score: None,
        accept_language: Some("en-US,en;q=0.9"),
        sec_purpose: None,
    })
}

/// The `device_type` and `bot_reason` the collector stores for a request with this UA and
/// client hints (JSON object of headers) from a home network with a browser's Accept-Language.
pub fn stored_verdict(ua: &str, hints_json: &str) -> (&'static str, Option<&'static str>) {
    let headers = Headers::parse(if hints_json.is_empty() { "{}" } else { hints_json });
    let hints = headers.hints();
    let reason = ua_verdict(ua, &hints);
    let device_type = if reason.is_some() {
        "bot"
    } else {
        parse_device(ua, &hints).device_type
    };
    (device_type, reason)
}

#[derive(Debug, Default)]
pub struct BotScore {
    pub total: usize,
    pub flagged: usize,
    pub missed: Vec<String>,
}

impl BotScore {
    pub fn recall(&self) -> f64 {
        ratio(self.flagged, self.total)
    }
}

#[derive(Debug, Default)]
pub struct HumanScore {
    pub total: usize,
    /// Flagged as a bot (not counting app stacks), with the patterns that did it.
    pub flagged: Vec<String>,
    /// App HTTP stacks (`ua:app`): kept out of human figures, not counted as false positives.
    pub apps: usize,
}

impl HumanScore {
    /// Share of browsers flagged as bots.
    pub fn false_positive_rate(&self) -> f64 {
        ratio(self.flagged.len(), self.total - self.apps)
    }
}

#[derive(Debug, Default)]
pub struct DeviceScore {
    /// (expected class, detected class) → rows.
    pub confusion: BTreeMap<(String, String), usize>,
    /// (expected, detected, UA) of wrong rows.
    pub wrong: Vec<(String, String, String)>,
}

impl DeviceScore {
    pub fn total(&self, class: &str) -> usize {
        self.confusion
            .iter()
            .filter(|((e, _), _)| e == class)
            .map(|(_, n)| n)
            .sum()
    }

    pub fn correct(&self, class: &str) -> usize {
        self.confusion
            .get(&(class.to_owned(), class.to_owned()))
            .copied()
            .unwrap_or(0)
    }

    pub fn accuracy(&self, class: &str) -> f64 {
        ratio(self.correct(class), self.total(class))
    }

    /// Accuracy over the rows of these classes together.
    pub fn accuracy_of(&self, classes: &[&str]) -> f64 {
        let correct = classes.iter().map(|c| self.correct(c)).sum();
        let total = classes.iter().map(|c| self.total(c)).sum();
        ratio(correct, total)
    }
}

pub struct Score {
    pub bots: BTreeMap<String, BotScore>,
    pub humans: BTreeMap<String, HumanScore>,
    pub devices: BTreeMap<String, DeviceScore>,
}

fn ratio(n: usize, d: usize) -> f64 {
    if d == 0 {
        1.0
    } else {
        n as f64 / d as f64
    }
}

/// Client hints of a device row: a JSON object of request headers (lower-case names).
struct Headers(BTreeMap<String, String>);

impl Headers {
    fn parse(json: &str) -> Self {
        let map = serde_json::from_str::<BTreeMap<String, serde_json::Value>>(json).unwrap_or_default();
        Headers(
            map.into_iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k, s.to_owned())))
                .collect(),
        )
    }

    fn hints(&self) -> ClientHints<'_> {
        let get = |name: &str| self.0.get(name).map(String::as_str);
        ClientHints {
            ua: get("sec-ch-ua"),
            mobile: get("sec-ch-ua-mobile"),
            platform: get("sec-ch-ua-platform"),
            platform_version: get("sec-ch-ua-platform-version"),
            full_version_list: get("sec-ch-ua-full-version-list"),
            model: get("sec-ch-ua-model"),
            form_factors: get("sec-ch-ua-form-factors"),
        }
    }
}

impl Score {
    pub fn measure(dir: &Path) -> Score {
        let none = ClientHints::default();
        let bots = sources(&dir.join("bots"), "txt")
            .into_iter()
            .map(|(name, uas)| {
                let mut s = BotScore {
                    total: uas.len(),
                    ..BotScore::default()
                };
                for ua in uas {
                    match ua_verdict(&ua, &none) {
                        Some(_) => s.flagged += 1,
                        None => s.missed.push(ua),
                    }
                }
                (name, s)
            })
            .collect();
        let humans = sources(&dir.join("humans"), "txt")
            .into_iter()
            .map(|(name, uas)| {
                let mut s = HumanScore {
                    total: uas.len(),
                    ..HumanScore::default()
                };
                for ua in uas {
                    match ua_verdict(&ua, &none) {
                        Some(REASON_UA_APP) => s.apps += 1,
                        Some(reason) => s.flagged.push(format!("{reason} {:?}: {ua}", explain_ua(&ua))),
                        None => {}
                    }
                }
                (name, s)
            })
            .collect();
        let devices = sources(&dir.join("devices"), "tsv")
            .into_iter()
            .map(|(name, rows)| {
                let mut s = DeviceScore::default();
                for row in rows {
                    let mut cols = row.split('\t');
                    let (Some(class), Some(ua)) = (cols.next(), cols.next()) else {
                        continue;
                    };
                    let headers = Headers::parse(cols.next().unwrap_or("{}"));
                    let got = parse_device(ua, &headers.hints()).device_type;
                    *s.confusion.entry((class.to_owned(), got.to_owned())).or_default() += 1;
                    if got != class {
                        s.wrong.push((class.to_owned(), got.to_owned(), ua.to_owned()));
                    }
                }
                (name, s)
            })
            .collect();
        Score { bots, humans, devices }
    }
}

fn pct(x: f64) -> String {
    format!("{:.2} %", x * 100.0)
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Bot recall (UA rules alone; a hit from a home network with browser headers)"
        )?;
        writeln!(f, "| source | UAs | flagged | recall |\n| --- | ---: | ---: | ---: |")?;
        for (name, s) in &self.bots {
            writeln!(f, "| {name} | {} | {} | {} |", s.total, s.flagged, pct(s.recall()))?;
        }
        writeln!(
            f,
            "\nReal browsers flagged as bots (app HTTP stacks counted apart, as `ua:app`)"
        )?;
        writeln!(
            f,
            "| source | UAs | apps | flagged | false positives |\n| --- | ---: | ---: | ---: | ---: |"
        )?;
        for (name, s) in &self.humans {
            let fp = pct(s.false_positive_rate());
            writeln!(f, "| {name} | {} | {} | {} | {fp} |", s.total, s.apps, s.flagged.len())?;
        }
        writeln!(
            f,
            "\nDevice class accuracy (rows: expected class; parse_device with the row's client hints)"
        )?;
        for (name, s) in &self.devices {
            writeln!(f, "{name}:")?;
            write!(f, "| expected | rows | accuracy |")?;
            for c in CLASSES {
                write!(f, " → {c} |")?;
            }
            write!(f, "\n| --- | ---: | ---: |{}\n", " ---: |".repeat(CLASSES.len()))?;
            for class in CLASSES {
                if s.total(class) == 0 {
                    continue;
                }
                write!(f, "| {class} | {} | {} |", s.total(class), pct(s.accuracy(class)))?;
                for got in CLASSES {
                    let n = s
                        .confusion
                        .get(&(class.to_owned(), got.to_owned()))
                        .copied()
                        .unwrap_or(0);
                    write!(f, " {n} |")?;
                }
                writeln!(f)?;
            }
            let dmt = ["desktop", "mobile", "tablet"];
            writeln!(f, "desktop/mobile/tablet together: {}\n", pct(s.accuracy_of(&dmt)))?;
        }
        Ok(())
    }
}
