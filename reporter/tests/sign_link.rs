//! `reporter sign-link` as a user runs it: a link that could never open a page is refused with
//! one clear line and a non-zero exit, never printed.

use std::process::Command;

const REPORTER: &str = env!("CARGO_BIN_EXE_reporter");

#[test]
#[rustfmt::skip]
fn unusable_links_are_refused_with_a_non_zero_exit() {
    // (case, key in the environment, extra arguments, exit ok, what stdout or stderr says)
    let cases: &[(&str, Option<&str>, &[&str], bool, &str)] = &[
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
