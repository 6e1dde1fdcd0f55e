//! Replays the committed fuzz inputs of the collector's targets (`fuzz/regressions/<target>/`:
//! minimized crashes found by `scripts/fuzz.sh` plus a few of the corpus' most interesting
//! inputs) through the very checks the fuzz targets run (`fuzz/src/collector_checks.rs`), in
//! plain `cargo test`. Each directory's `EXPECTED` names every input with `ok` (accepted) or
//! `err` (rejected); a panic, a different outcome, or a file not listed fails the test.

use std::fs;
use std::path::PathBuf;

#[path = "../../fuzz/src/collector_checks.rs"]
mod checks;
#[path = "../../fuzz/src/replay.rs"]
#[macro_use]
mod replay;

fn fuzz_dir() -> PathBuf {
    replay::fuzz_dir(env!("CARGO_MANIFEST_DIR"))
}

replay_tests!(event_body, pixel_query, page_url, user_agent, queue_message);

/// The seed corpora must be accepted where they are meant to be (a seed the parser rejects
/// starts the fuzzer off the valid path).
#[test]
fn seed_corpora_are_valid() {
    let seeds: [(&str, replay::Check); 5] = [
        ("event_body", checks::event_body),
        ("pixel_query", checks::pixel_query),
        ("page_url", checks::page_url),
        ("user_agent", checks::user_agent),
        ("queue_message", checks::queue_message),
    ];
    for (target, check) in seeds {
        let dir = fuzz_dir().join("corpus").join(target);
        let mut seen = 0;
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("directory entry").path();
            let data = fs::read(&path).expect("seed");
            assert_eq!(check(&data), Ok(()), "{}", path.display());
            seen += 1;
        }
        assert!(seen > 0, "empty seed corpus {}", dir.display());
    }
}

/// Writes the Queue message seeds (`fuzz/corpus/queue_message/`): messages of hits built from the
/// event-body seeds. Run by `scripts/fuzz.sh` when they are missing.
#[test]
#[ignore = "writes fuzz seed files; run by scripts/fuzz.sh"]
fn write_fuzz_seeds() {
    use hitflow_collector::payload::parse_event_body;
    use hitflow_collector::pipeline::{build_hit, RequestContext};
    use hitflow_collector::visitor::Salt;

    let out = fuzz_dir().join("corpus/queue_message");
    fs::create_dir_all(&out).expect("seed directory");
    let mut bodies: Vec<PathBuf> = fs::read_dir(fuzz_dir().join("corpus/event_body"))
        .expect("event_body seeds")
        .map(|e| e.expect("directory entry").path())
        .collect();
    bodies.sort();
    for body in bodies {
        let payload = parse_event_body(&fs::read(&body).expect("seed")).expect("seed body is valid");
        let ctx = RequestContext {
            now_ms: 1_764_547_200_000,
            ip: "198.51.100.7",
            user_agent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15",
            ..RequestContext::default()
        };
        let hit = build_hit(payload, ctx, &Salt([1; 16]), 99).expect("seed hit");
        let name = body.file_name().expect("file name");
        fs::write(out.join(name), hitflow_collector::message::encode(&hit)).expect("write seed");
    }
}
