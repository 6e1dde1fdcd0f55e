//! `reporter alert` end to end on lakes written hit by hit: seven Thursdays of three channels,
//! with and without a planted drop of Organic Search on /pricing; `.eml` files read back by
//! Python's `email` package; a real SMTP server (aiosmtpd); the state that stops a resend.

mod common;
#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Utc};
use hitflow_reporter::alerts::tally::Dimension;
use hitflow_reporter::alerts::{alert, AlertOptions, AlertOutcome, Granularity};
use hitflow_reporter::config::Config;
use hitflow_reporter::email::Delivery;
use hitflow_reporter::store::Store;
use hitflow_schema::layout::Ymd;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_MINUTE};
use hitflow_schema::Hit;
use smtp_sink::{header, parse_eml, part, Sink};

/// The judged Thursday; the lake holds it and the six Thursdays before.
const TARGET: &str = "2026-11-26";
const NOW: &str = "2026-11-27T06:00:00Z";

fn config_toml(port: u16) -> String {
    format!(
        r#"
[[sites]]
name = "example.com"
recipients = ["Ann <ann@example.com>"]

[email]
from = "hitflow alerts <alerts@example.com>"
[email.smtp]
host = "127.0.0.1"
port = {port}
security = "none"
username = "hitflow"
password_env = "HITFLOW_TEST_SMTP_PASSWORD"

[alerts]
baseline_weeks = 6
"#
    )
}

fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// (referrer, landing page, sessions on a normal Thursday).
const TRAFFIC: [(Option<&str>, &str, u64); 6] = [
    (None, "/", 120),
    (None, "/pricing", 80),
    (Some("google.com"), "/", 100),
    (Some("google.com"), "/pricing", 150),
    (Some("google.com"), "/blog", 90),
    (Some("news.example.org"), "/blog", 60),
];

/// One pageview and one engagement beacon per session, spread over the day; countries and
/// devices mixed the same way in every slice. Volumes wobble by up to ±6 % from week to week.
/// `planted`: sessions of Organic Search on /pricing on the judged day.
fn write_lake(root: &Path, planted: Option<u64>) {
    write_lake_within(root, planted, 0, MS_PER_DAY);
}

/// `write_lake` with every session starting in `[from, from + span)` of its day (ms).
fn write_lake_within(root: &Path, planted: Option<u64>, from: i64, span: i64) {
    let target = Ymd::parse(TARGET).unwrap().to_days();
    let mut hits: Vec<Hit> = Vec::new();
    let mut visitor = 0u64;
    for week in 0..=6u64 {
        let day = target - 7 * week as i64;
        for (slice, &(referrer, page, normal)) in TRAFFIC.iter().enumerate() {
            let wobble = splitmix(week * 31 + slice as u64) % 13;
            let mut sessions = normal * (94 + wobble) / 100;
            if week == 0 && referrer == Some("google.com") && page == "/pricing" {
                if let Some(n) = planted {
                    sessions = n;
                }
            }
            for i in 0..sessions {
                visitor += 1;
                let id = splitmix(visitor);
                let ts = day * MS_PER_DAY + from + (i as i64 * 997 * MS_PER_MINUTE / sessions as i64) % span;
                let mut pageview = common::hit(id, ts, "pageview", page);
                pageview.referrer_host = referrer.map(str::to_owned);
                pageview.country = Some(["DE", "FR", "US"][(i % 3) as usize].to_owned());
                pageview.device_type = ["desktop", "mobile"][(i % 2) as usize].to_owned();
                let mut beacon = common::hit(id, ts + 20_000, "engagement", page);
                beacon.engaged_ms = Some(20_000);
                hits.push(pageview);
                hits.push(beacon);
            }
        }
    }
    common::write_hits(root, &hits);
}

fn now() -> DateTime<Utc> {
    NOW.parse().unwrap()
}

async fn run_alert(root: &Path, config: &Config, delivery: Option<Delivery>) -> AlertOutcome {
    let store = Store::open(root.to_str().unwrap()).await.unwrap();
    let options = AlertOptions {
        granularity: Granularity::Day,
        now: now(),
        delivery,
    };
    let env = |name: &str| (name == "HITFLOW_TEST_SMTP_PASSWORD").then(|| "s3cret".to_owned());
    alert(&store, config, &options, env).await.expect("alert runs")
}

fn emls(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p: &std::path::PathBuf| p.extension().is_some_and(|x| x == "eml"));
    files.sort();
    files
}

#[tokio::test]
async fn a_planted_drop_is_mailed_once_with_its_landing_page_as_the_main_driver() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_lake(&lake, Some(6));
    let config = Config::parse(&config_toml(25)).unwrap();
    let out = dir.path().join("mail");
    let outcome = run_alert(&lake, &config, Some(Delivery::EmlDir(out.clone()))).await;

    assert_eq!(outcome.window, "day:2026-11-26");
    assert_eq!(outcome.baseline.len(), 6);
    assert_eq!(outcome.baseline[0], "2026-11-19");
    let site = outcome
        .sites
        .iter()
        .find(|s| s.site == "example.com")
        .expect("site judged");
    assert!(site.judged);
    assert_eq!(site.baseline_weeks, 6);
    let search = site
        .anomalies
        .iter()
        .find(|a| a.channel.as_deref() == Some("Organic Search"))
        .unwrap_or_else(|| panic!("no Organic Search anomaly: {:#?}", site.anomalies));
    assert_eq!(search.direction.as_str(), "drop");
    let main = &search.drivers[0];
    assert_eq!(main.dimension, Dimension::LandingPage, "{:#?}", search.drivers);
    assert_eq!(main.slices[0].value, "/pricing");
    assert_eq!(main.slices[0].observed, 6);
    assert!(main.slices[0].share_of_change > 0.9, "{main:?}");
    // Countries and devices are mixed alike before and after: they explain nothing.
    assert!(
        search
            .drivers
            .iter()
            .all(|d| !matches!(d.dimension, Dimension::Country | Dimension::Device)),
        "{:#?}",
        search.drivers
    );
    // Direct and Referral are as usual.
    assert!(site
        .anomalies
        .iter()
        .all(|a| !matches!(a.channel.as_deref(), Some("Direct") | Some("Referral"))));

    // One message for the site, well-formed as Python's email package reads it.
    assert_eq!(outcome.sent.len(), 1);
    let files = emls(&out);
    assert_eq!(files.len(), 1);
    assert_eq!(
        files[0].file_name().and_then(|n| n.to_str()),
        Some("alert--example.com--ann@example.com.eml"),
        "never the name of a report's file"
    );
    let message = parse_eml(&files[0]);
    assert_eq!(message["content_type"], "multipart/alternative");
    assert_eq!(message["defects"].as_array().map(Vec::len), Some(0), "{message}");
    assert_eq!(header(&message, "to"), ["Ann <ann@example.com>"]);
    assert_eq!(header(&message, "auto-submitted"), ["auto-generated"]);
    let subject = header(&message, "subject")[0];
    assert!(
        subject.starts_with("hitflow alert · example.com · Thursday 2026-11-26 · "),
        "{subject}"
    );
    let text = part(&message, "text/plain");
    let html = part(&message, "text/html");
    for needle in ["Organic Search", "landing page /pricing", "of the change"] {
        assert!(text.contains(needle), "text lacks {needle}:\n{text}");
    }
    assert!(html.contains("<b>/pricing</b>"), "{html}");

    // The second run, through the command line, finds the same anomalies and sends nothing.
    let config_path = dir.path().join("hitflow.toml");
    std::fs::write(&config_path, config_toml(25)).unwrap();
    let cli = Command::new(env!("CARGO_BIN_EXE_reporter"))
        .args(["alert", "--store"])
        .arg(&lake)
        .arg("--config")
        .arg(&config_path)
        .arg("--email-out")
        .arg(&out)
        .args(["--now", NOW])
        .output()
        .expect("reporter runs");
    assert!(cli.status.success(), "{}", String::from_utf8_lossy(&cli.stderr));
    let second: serde_json::Value = serde_json::from_slice(&cli.stdout).expect("JSON on stdout");
    assert_eq!(second["new_anomalies"], serde_json::json!([]));
    assert_eq!(second["sent"], serde_json::json!([]));
    let repeated: Vec<&str> = second["repeated_anomalies"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(
        repeated.contains(&"example.com|day:2026-11-26|Organic Search|drop"),
        "{repeated:?}"
    );
    assert_eq!(repeated.len(), outcome.new_anomalies.len());
    assert_eq!(emls(&out).len(), 1, "nothing written again");
    assert!(lake.join("alerts/state.json").is_file());
}

#[tokio::test]
async fn a_normal_week_sends_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_lake(&lake, None);
    let config = Config::parse(&config_toml(25)).unwrap();
    let out = dir.path().join("mail");
    let outcome = run_alert(&lake, &config, Some(Delivery::EmlDir(out.clone()))).await;
    let site = outcome
        .sites
        .iter()
        .find(|s| s.site == "example.com")
        .expect("site judged");
    assert!(site.judged);
    assert_eq!(site.anomalies, [], "{:#?}", site.anomalies);
    assert!(outcome.sent.is_empty() && emls(&out).is_empty());
    assert!(!lake.join("alerts/state.json").exists(), "no state without an alert");
}

#[tokio::test]
async fn an_alert_reaches_a_real_smtp_server() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_lake(&lake, Some(0));
    let sink = Sink::start(&dir.path().join("inbox"), "hitflow", "s3cret");
    let config = Config::parse(&config_toml(sink.port)).unwrap();
    let outcome = run_alert(&lake, &config, Some(Delivery::Smtp)).await;
    assert_eq!(outcome.sent.len(), 1);
    let received = sink.received();
    assert_eq!(received.len(), 1);
    let message = &received[0];
    assert_eq!(message["authenticated_as"], "hitflow");
    assert_eq!(message["mail_from"], "alerts@example.com");
    assert_eq!(message["rcpt_tos"], serde_json::json!(["ann@example.com"]));
    assert_eq!(message["defects"].as_array().map(Vec::len), Some(0));
    assert_eq!(header(message, "subject"), [outcome.sent[0].subject.as_str()]);
    assert!(part(message, "text/plain").contains("landing page /pricing: 0 sessions"));
    // Delivered once: the next run has nothing new for the server.
    let again = run_alert(&lake, &config, Some(Delivery::Smtp)).await;
    assert!(again.sent.is_empty() && !again.repeated_anomalies.is_empty());
    assert_eq!(sink.received().len(), 1);
}

/// s3s-fs (a real S3 server that checks signatures) serving `root`, whose folder `bucket` is
/// the bucket; killed on drop.
struct S3Server(std::process::Child);

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_s3(root: &Path) -> S3Server {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("s3s-fs")
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args(["--access-key", "hitflow-test", "--secret-key", "hitflow-secret"])
        .arg(root)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("s3s-fs must be installed (scripts/install-tools.sh)");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "s3s-fs did not start");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // The standard AWS environment; no other test of this binary reads it.
    std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
    std::env::set_var("AWS_ACCESS_KEY_ID", "hitflow-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "hitflow-secret");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::remove_var("AWS_PROFILE");
    S3Server(child)
}

#[tokio::test]
async fn the_state_lives_in_an_s3_store_as_well() {
    let dir = tempfile::tempdir().unwrap();
    // s3s-fs keeps bucket `hits-bucket` as a folder: the lake is written straight into it.
    let bucket = dir.path().join("s3/hits-bucket");
    write_lake(&bucket.join("lake"), Some(6));
    let _server = start_s3(&dir.path().join("s3"));
    let store = Store::open("s3://hits-bucket/lake").await.unwrap();
    let config = Config::parse(&config_toml(25)).unwrap();
    let out = dir.path().join("mail");
    let options = AlertOptions {
        granularity: Granularity::Day,
        now: now(),
        delivery: Some(Delivery::EmlDir(out.clone())),
    };
    let first = alert(&store, &config, &options, |_| None).await.expect("alert over S3");
    assert_eq!(first.sent.len(), 1);
    assert!(first
        .new_anomalies
        .contains(&"example.com|day:2026-11-26|Organic Search|drop".to_owned()));
    assert!(
        bucket.join("lake/alerts/state.json").is_file(),
        "state stored in the bucket"
    );
    let second = alert(&store, &config, &options, |_| None).await.expect("alert over S3");
    assert!(second.sent.is_empty() && second.new_anomalies.is_empty());
    assert_eq!(second.repeated_anomalies, first.new_anomalies);
    assert_eq!(emls(&out).len(), 1);
}

#[tokio::test]
async fn hourly_alerts_judge_the_same_hour_of_previous_weeks() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    // Every session of each Thursday starts between 14:00 and 15:00 UTC.
    write_lake_within(&lake, Some(6), 14 * 60 * MS_PER_MINUTE, 60 * MS_PER_MINUTE);
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let config = Config::parse(&config_toml(25)).unwrap();
    let judge = |now: &str| AlertOptions {
        granularity: Granularity::Hour,
        now: now.parse().unwrap(),
        delivery: None,
    };
    // At 17:10 the 14:00 hour is settled (two hours of lateness after its end).
    let outcome = alert(&store, &config, &judge("2026-11-26T17:10:00Z"), |_| None)
        .await
        .unwrap();
    assert_eq!(outcome.window, "hour:2026-11-26T14Z");
    assert_eq!(outcome.window_label, "Thursday 2026-11-26 14:00–15:00 UTC");
    assert_eq!(outcome.baseline[5], "2026-10-15T14Z");
    let site = &outcome.sites[0];
    let search = site
        .anomalies
        .iter()
        .find(|a| a.channel.as_deref() == Some("Organic Search"))
        .unwrap_or_else(|| panic!("{:#?}", site.anomalies));
    assert_eq!(search.drivers[0].slices[0].value, "/pricing");
    // A dry run records nothing: the same anomaly is still new.
    assert!(outcome.repeated_anomalies.is_empty() && outcome.sent.is_empty());
    assert!(!lake.join("alerts/state.json").exists());
    // The 13:00 hour held no session in any week: nothing to judge, nothing found.
    let quiet = alert(&store, &config, &judge("2026-11-26T16:10:00Z"), |_| None)
        .await
        .unwrap();
    assert_eq!(quiet.window, "hour:2026-11-26T13Z");
    assert!(quiet.sites.iter().all(|s| s.anomalies.is_empty()), "{:#?}", quiet.sites);
}
