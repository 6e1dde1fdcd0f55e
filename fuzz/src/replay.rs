//! Replays `fuzz/regressions/<target>/` through a target's check, in plain `cargo test`
//! (compiled into `collector/tests/fuzz_regressions.rs` and `reporter/tests/fuzz_regressions.rs`
//! through `#[path]`). Each directory holds minimized crashes found by `scripts/fuzz.sh` and a
//! sample of its merged corpus; its `EXPECTED` names every input with `ok` (accepted) or `err`
//! (rejected). A panic, a different outcome, or a file not listed fails the test.
//!
//! `HITFLOW_BLESS=1` writes `EXPECTED` from the outcomes instead (after adding inputs); a panic
//! still fails, so a crash cannot be blessed.

use std::fmt::Write as _;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// A target's check: accepted (`Ok`) or rejected with the reason; panics when an invariant breaks.
pub type Check = fn(&[u8]) -> Result<(), String>;

/// `fuzz/` seen from a crate of the workspace.
pub fn fuzz_dir(manifest_dir: &str) -> PathBuf {
    Path::new(manifest_dir).join("../fuzz")
}

pub fn replay(fuzz_dir: &Path, target: &str, check: Check) {
    let dir = fuzz_dir.join("regressions").join(target);
    let mut files: Vec<String> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "EXPECTED")
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no regression inputs in {}", dir.display());

    let mut outcomes = Vec::new();
    let mut panics = Vec::new();
    for name in &files {
        let data = fs::read(dir.join(name)).expect("regression input");
        match catch_unwind(AssertUnwindSafe(|| check(&data))) {
            Ok(got) => outcomes.push((name.as_str(), got)),
            Err(_) => panics.push(name.as_str()),
        }
    }
    assert!(panics.is_empty(), "{target}: panicked on {panics:?}");

    if std::env::var_os("HITFLOW_BLESS").is_some() {
        let mut text = String::from("# input  outcome (ok: accepted, err: rejected); HITFLOW_BLESS=1 rewrites\n");
        for (name, got) in &outcomes {
            let _ = writeln!(text, "{name} {}", if got.is_ok() { "ok" } else { "err" });
        }
        fs::write(dir.join("EXPECTED"), text).expect("write EXPECTED");
        return;
    }

    let expected = fs::read_to_string(dir.join("EXPECTED")).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut listed: Vec<(String, bool)> = Vec::new();
    for line in expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        let (name, outcome) = line.split_once(char::is_whitespace).expect("`name ok|err` lines");
        let outcome = outcome.trim();
        assert!(matches!(outcome, "ok" | "err"), "{target}/EXPECTED: {line}");
        listed.push((name.to_owned(), outcome == "ok"));
    }
    listed.sort();
    let names: Vec<&str> = listed.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(files, names, "{target}: files and EXPECTED differ");
    let differ: Vec<String> = listed
        .iter()
        .zip(&outcomes)
        .filter(|((_, want), (_, got))| *want != got.is_ok())
        .map(|((name, want), (_, got))| format!("{name}: expected {}, got {got:?}", if *want { "ok" } else { "err" }))
        .collect();
    assert!(differ.is_empty(), "{target}:\n{}", differ.join("\n"));
}

/// One `#[test]` per target, replaying `fuzz/regressions/<target>/` through `checks::<target>`
/// (the test file has `mod checks` and `#[macro_use] mod replay`).
#[allow(unused_macros)] // used by the test files only
macro_rules! replay_tests {
    ($($target:ident),+ $(,)?) => {$(
        #[test]
        fn $target() {
            replay::replay(&replay::fuzz_dir(env!("CARGO_MANIFEST_DIR")), stringify!($target), checks::$target);
        }
    )+};
}
