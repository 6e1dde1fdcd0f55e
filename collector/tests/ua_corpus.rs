//! Device and bot detection on public corpora nobody here wrote (`tests/corpus/`, origins in
//! `data/NOTICE.md`), through the functions the Worker calls for every hit. The floors are the
//! figures measured when the rules were last changed (BENCHMARKS.md), so a change that makes
//! detection worse fails here; `bash scripts/score-ua.sh` prints the whole table.

// Shared with examples/score_ua.rs, which uses the parts this test does not.
#[allow(dead_code)]
#[path = "support/ua_score.rs"]
mod ua_score;

use std::sync::OnceLock;

use ua_score::{corpus_dir, Score};

fn score() -> &'static Score {
    static SCORE: OnceLock<Score> = OnceLock::new();
    SCORE.get_or_init(|| {
        let score = Score::measure(&corpus_dir());
        println!("{score}");
        score
    })
}

/// Vendored instances hitflow deliberately does not flag, with the reason. Every other
/// `instances` entry of crawler-user-agents must be flagged.
const UNFLAGGED_INSTANCES: &[(&str, &str)] = &[(
    "Mozilla/5.0 (Linux; Android 15; CPH2557 Build/AP3A.240617.008; wv)",
    "an Instagram in-app browser on an OPPO phone; the list's pattern is the firmware build id, \
     which every phone on that build shares (data/bots/vendor_exclusions.txt)",
)];

#[test]
fn every_crawler_user_agents_instance_is_flagged() {
    let bots = &score().bots["crawler-user-agents"];
    let unexpected: Vec<&String> = bots
        .missed
        .iter()
        .filter(|ua| !UNFLAGGED_INSTANCES.iter().any(|(prefix, _)| ua.starts_with(prefix)))
        .collect();
    assert!(unexpected.is_empty(), "not flagged:\n{unexpected:#?}");
    assert!(bots.total > 2000, "the corpus lost its instances: {}", bots.total);
}

#[test]
fn every_public_crawler_list_is_caught() {
    // ≥ 97 % on every list, the ones the rules were checked against and the others alike.
    for (source, s) in &score().bots {
        assert!(
            s.recall() >= 0.97,
            "{source}: recall {:.4}; missed:\n{:#?}",
            s.recall(),
            s.missed
        );
    }
}

#[test]
fn real_browsers_are_not_flagged() {
    let humans = &score().humans;
    // isbot's curated browsers: none flagged (app HTTP stacks are counted apart).
    let curated = &humans["isbot-browsers"];
    assert!(curated.flagged.is_empty(), "{:#?}", curated.flagged);
    // Matomo's 34 k browser UAs are a device zoo going back to 2000, not today's traffic; the
    // flags left are mostly UAs no current browser sends ("iPhone12", "nook browser/1.0").
    let zoo = &humans["matomo-browsers"];
    assert!(
        zoo.false_positive_rate() <= 0.004,
        "{:.4}: {:#?}",
        zoo.false_positive_rate(),
        zoo.flagged
    );
}

#[test]
fn device_classes_hold_their_measured_accuracy() {
    let floors = [
        ("matomo", "mobile", 0.975),
        ("matomo", "tablet", 0.86),
        ("matomo", "tv", 0.85),
        ("matomo", "console", 0.80),
        ("matomo", "desktop", 0.67),
        ("woothee", "desktop", 0.94),
        ("woothee", "mobile", 0.75),
        ("woothee", "tv", 1.0),
        ("woothee", "console", 1.0),
    ];
    let mut below = Vec::new();
    for (source, class, floor) in floors {
        let accuracy = score().devices[source].accuracy(class);
        if accuracy < floor {
            below.push(format!("{source} {class}: {accuracy:.4} < {floor}"));
        }
    }
    let together = score().devices["matomo"].accuracy_of(&["desktop", "mobile", "tablet"]);
    if together < 0.945 {
        below.push(format!("matomo desktop/mobile/tablet together: {together:.4} < 0.945"));
    }
    assert!(below.is_empty(), "{}", below.join("\n"));
}
