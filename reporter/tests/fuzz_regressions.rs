//! Replays the committed fuzz inputs of the Parquet targets (`fuzz/regressions/<target>/`:
//! minimized crashes found by `scripts/fuzz.sh` plus a few of the corpus' most interesting
//! inputs) through the very checks the fuzz targets run (`fuzz/src/reporter_checks.rs`): the
//! reporter's `scan::decode::decode` and `hitflow_schema::read_parquet`, in plain `cargo test`.
//! Each directory's `EXPECTED` names every input with `ok` (decoded) or `err` (rejected); a
//! panic, a different outcome, or a file not listed fails the test.

use hitflow_schema::time::MS_PER_MINUTE;
use std::fs;
use std::path::PathBuf;

use hitflow_schema::Hit;

#[path = "../../fuzz/src/reporter_checks.rs"]
mod checks;
#[path = "../../fuzz/src/replay.rs"]
#[macro_use]
mod replay;

fn fuzz_dir() -> PathBuf {
    replay::fuzz_dir(env!("CARGO_MANIFEST_DIR"))
}

replay_tests!(parquet_decode, parquet_roundtrip);

/// The committed Parquet seeds are real hit files: both readers take them whole.
#[test]
fn parquet_seeds_decode() {
    let dir = fuzz_dir().join("corpus/parquet_decode");
    let mut seen = 0;
    for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let data = fs::read(&path).expect("seed");
        let hits = hitflow_schema::read_parquet(data.clone()).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!hits.is_empty());
        assert_eq!(checks::parquet_decode(&data), Ok(()), "{}", path.display());
        seen += 1;
    }
    assert!(seen >= 2, "Parquet seeds missing in {}", dir.display());
}

/// A few varied hits for the seed files.
fn seed_hits() -> Vec<Hit> {
    let base = Hit {
        ts: 1_764_547_200_000,
        hit_id: 1,
        site: "example.com".into(),
        event: "pageview".into(),
        visitor_id: 0x9e37_79b9_7f4a_7c15,
        url_host: "example.com".into(),
        url_path: "/".into(),
        device_type: "desktop".into(),
        ..Hit::default()
    };
    vec![
        Hit {
            referrer_host: Some("google.com".into()),
            referrer_path: Some("/search".into()),
            utm_source: Some("newsletter".into()),
            utm_medium: Some("email".into()),
            click_id_kind: Some("gclid".into()),
            country: Some("DE".into()),
            asn: Some(3320),
            browser: Some("Chrome".into()),
            browser_version: Some("131".into()),
            os: Some("Windows".into()),
            os_version: Some("11".into()),
            entry: Some(true),
            ..base.clone()
        },
        Hit {
            ts: base.ts + 30_000,
            hit_id: 2,
            event: "engagement".into(),
            engaged_ms: Some(15_300),
            screen_width: Some(1280),
            ..base.clone()
        },
        Hit {
            ts: base.ts + MS_PER_MINUTE,
            hit_id: 3,
            event: "purchase".into(),
            url_path: "/checkout/#/done".into(),
            revenue: Some(49.5),
            currency: Some("EUR".into()),
            props: Some(r#"{"order":"A-17"}"#.into()),
            is_bot: true,
            bot_reason: Some("ua:crawler".into()),
            device_type: "bot".into(),
            ..base.clone()
        },
        Hit {
            ts: base.ts - 5_000,
            hit_id: 4,
            visitor_id: 17,
            site: "blog.example.com".into(),
            url_host: "blog.example.com".into(),
            url_path: "/é/ü".into(),
            utm_campaign: Some("été".into()),
            utm_term: Some("shoes red".into()),
            utm_content: Some("ad1".into()),
            ref_param: Some("hn".into()),
            device_type: "mobile".into(),
            entry: Some(false),
            ..base
        },
    ]
}

/// Writes the Parquet seeds (`fuzz/corpus/parquet_decode/`): the same hits through arrow-rs'
/// writer (compaction and `generate` files) and the collector's batch writer. Run by
/// `scripts/fuzz.sh` when they are missing.
#[test]
#[ignore = "writes fuzz seed files; run by scripts/fuzz.sh"]
fn write_fuzz_seeds() {
    let out = fuzz_dir().join("corpus/parquet_decode");
    fs::create_dir_all(&out).expect("seed directory");
    let hits = seed_hits();
    let files = [
        ("arrow_writer.parquet", hitflow_schema::write_parquet(&hits)),
        (
            "batch_writer.parquet",
            hitflow_schema::batch_writer::write_batch_parquet(&hits),
        ),
        (
            "batch_writer_one.parquet",
            hitflow_schema::batch_writer::write_batch_parquet(&hits[..1]),
        ),
    ];
    for (name, file) in files {
        fs::write(out.join(name), file.expect("seed file")).expect("write seed");
    }
}
