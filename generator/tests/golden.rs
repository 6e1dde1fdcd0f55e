//! The generator's output for one seed, pinned: every file's key, row count and a SHA-256 of its
//! hits, the summary, and the first hit in full. A change to the code or to `data/*.tsv` that
//! alters any generated hit fails here; if intended, review the diff and rewrite the golden
//! file with `UPDATE_GOLDEN=1 cargo test -p hitflow-generator --test golden`.

use std::fmt::Write as _;

use hitflow_generator::{generate, GenerateOptions, GeneratedFile};
use hitflow_schema::layout::Ymd;
use sha2::{Digest, Sha256};

const GOLDEN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/seed3.txt");

fn render(files: &[GeneratedFile], summary: &str) -> String {
    let mut out = String::new();
    writeln!(out, "summary {summary}").unwrap();
    for f in files {
        let json = serde_json::to_vec(&f.hits).unwrap();
        let digest: String = Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect();
        writeln!(out, "{} {} {digest}", f.key, f.hits.len()).unwrap();
    }
    let first = &files[0].hits[0];
    writeln!(out, "first hit {}", serde_json::to_string_pretty(first).unwrap()).unwrap();
    out
}

#[test]
fn same_seed_same_hits_as_the_golden_file() {
    let opts = GenerateOptions {
        from: Ymd {
            year: 2026,
            month: 11,
            day: 1,
        },
        days: 1,
        hits: 6_000,
        seed: 3,
        sites: ["a.example", "b.example", "c.example", "d.example", "e.example"]
            .map(String::from)
            .to_vec(),
        batch_hits: Some(400),
        incident: None,
    };
    let mut files = Vec::new();
    let summary = generate(&opts, &mut |f| {
        files.push(f);
        Ok(())
    })
    .unwrap_or_else(|e| panic!("{e}"));
    let actual = render(&files, &serde_json::to_string(&summary).unwrap());
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(GOLDEN, &actual).unwrap();
    }
    let golden = std::fs::read_to_string(GOLDEN).expect("tests/golden/seed3.txt exists (UPDATE_GOLDEN=1 writes it)");
    assert!(
        actual == golden,
        "generated hits changed; review and regenerate with UPDATE_GOLDEN=1\n{actual}"
    );
}
