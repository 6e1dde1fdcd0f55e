//! The aiosmtpd sink (`tests/smtp_sink.py`) as a child process, and its parser for `.eml` files:
//! Python's `email` package reads back what lettre wrote.
#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;

pub const SINK: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp_sink.py");

/// Stopped (stdin closed, then killed) on drop.
pub struct Sink {
    child: Child,
    pub port: u16,
    dir: PathBuf,
}

impl Sink {
    pub fn start(dir: &Path, user: &str, password: &str) -> Sink {
        let mut child = Command::new("python3")
            .args([SINK, "serve"])
            .arg(dir)
            .args(["--user", user, "--password", password])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (the sink needs aiosmtpd: pip install aiosmtpd)");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("piped stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("sink prints its port");
        let port = line
            .trim()
            .strip_prefix("PORT ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("sink did not start: {line:?}"));
        Sink {
            child,
            port,
            dir: dir.to_owned(),
        }
    }

    /// The JSON records of the received messages, in arrival order.
    pub fn received(&self) -> Vec<Value> {
        let mut numbered: Vec<(u32, PathBuf)> = std::fs::read_dir(&self.dir)
            .expect("sink folder")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .filter_map(|p| Some((p.file_stem()?.to_str()?.parse().ok()?, p)))
            .collect();
        numbered.sort();
        numbered
            .into_iter()
            .map(|(_, p)| serde_json::from_slice(&std::fs::read(p).expect("record")).expect("json"))
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A message file as Python's `email` package reads it.
pub fn parse_eml(path: &Path) -> Value {
    let out = Command::new("python3")
        .args([SINK, "parse"])
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "parse failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

pub fn header<'a>(message: &'a Value, name: &str) -> Vec<&'a str> {
    message["headers"][name]
        .as_array()
        .map(|v| v.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The decoded body of the part with this content type, with CRLF line ends made LF.
pub fn part(message: &Value, content_type: &str) -> String {
    let parts = message["parts"].as_array().expect("parts");
    let found: Vec<&Value> = parts.iter().filter(|p| p["content_type"] == content_type).collect();
    assert_eq!(found.len(), 1, "one {content_type} part in {parts:?}");
    found[0]["content"].as_str().expect("text").replace("\r\n", "\n")
}
