//! The `reporter` binary's refusals as a user meets them: one clear line and a non-zero exit.
//! `sign-link` never prints a link that could not open a page.

use std::process::Command;

const REPORTER: &str = env!("CARGO_BIN_EXE_reporter");

/// (case, key in the environment, extra arguments, exit ok, what stdout or stderr starts with)
type Case<'a> = (&'a str, Option<&'a str>, &'a [&'a str], bool, &'a str);

#[test]
#[rustfmt::skip]
fn unusable_links_are_refused_with_a_non_zero_exit() {
    let cases: &[Case] = &[
        ("valid", Some("k3y"), &[], true, "https://c.example/reports/?exp="),
        ("empty key", Some(""), &[], false, "error: HITFLOW_REPORTS_SIGNING_KEY is empty"),
        ("no key", None, &[], false, "error: set HITFLOW_REPORTS_SIGNING_KEY to the collector's REPORTS_SIGNING_KEY"),
        ("expiry overflows", Some("k3y"), &["--days", "18446744073709551615"], false, "error: --days 18446744073709551615 puts the expiry beyond"),
        ("no days", Some("k3y"), &["--days", "0"], false, "error: --days must be at least 1"),
        ("scope never served", Some("k3y"), &["--scope", "/reports/a b/"], false, "error: --scope /reports/a b/: the scope opens no page"),
        ("scope not a folder", Some("k3y"), &["--scope", "/reports/periods"], false, "error: --scope /reports/periods: the scope must be a folder"),
    ];
    for &(case, key, extra, success, says) in cases {
        let mut cmd = Command::new(REPORTER);
        cmd.args(["sign-link", "--base-url", "https://c.example/"]).args(extra).env_remove("HITFLOW_REPORTS_SIGNING_KEY");
        if let Some(key) = key {
            cmd.env("HITFLOW_REPORTS_SIGNING_KEY", key);
        }
        let out = cmd.output().expect("run reporter");
        let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.success(), success, "{case}: {stderr}");
        if success {
            assert!(stdout.starts_with(says), "{case}: {stdout}");
        } else {
            assert!(stdout.is_empty(), "{case}: printed {stdout}");
            assert!(stderr.starts_with(says), "{case}: {stderr}");
            assert_eq!(stderr.trim_end().lines().count(), 1, "{case}: one line: {stderr}");
        }
    }
}

#[test]
fn a_missing_config_says_so_once() {
    let out = Command::new(REPORTER)
        .args([
            "run",
            "--store",
            "/nonexistent-lake",
            "--from",
            "2026-11-01",
            "--to",
            "2026-11-01",
        ])
        .args(["--out", "/nonexistent-out", "--config", "/nonexistent/hitflow.toml"])
        .output()
        .expect("run reporter");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert_eq!(
        stderr.trim_end(),
        "error: cannot read config /nonexistent/hitflow.toml: No such file or directory (os error 2)"
    );
}

#[test]
#[rustfmt::skip]
fn a_comparison_that_cannot_be_made_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&str, &str)] = &[
        ("2026-10-01..2026-10-03", "error: the comparison period 2026-10-01..2026-10-03 has 3 days, the report's period 7: compare periods of the same length"),
        ("2026-11-05..2026-11-11", "error: the comparison period 2026-11-05..2026-11-11 overlaps the report's period"),
        ("last-year", "error: invalid value 'last-year' for '--compare <previous|year|FROM..TO>': unknown comparison `last-year`"),
    ];
    for &(compare, says) in cases {
        let out = Command::new(REPORTER)
            .args(["run", "--store", dir.path().to_str().unwrap(), "--from", "2026-11-08", "--to", "2026-11-14"])
            .args(["--out", dir.path().join("out").to_str().unwrap(), "--compare", compare])
            .output()
            .expect("run reporter");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{compare}");
        assert!(stderr.starts_with(says), "{compare}: {stderr}");
    }
}
