//! The reporter against a real S3-compatible server (s3s-fs, which checks request signatures like
//! S3): the same lake stored in S3 and in a folder gives the same report; unreadable objects are
//! reported and `--strict` fails; compaction over S3 keeps every hit.

mod common;

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use bytes::Bytes;
use hitflow_generator::{generate, GenerateOptions};
use hitflow_reporter::config::Config;
use hitflow_reporter::figures::report::Report;
use hitflow_reporter::run::{run, RunOptions};
use hitflow_reporter::store::Store;
use hitflow_schema::layout::Ymd;

struct S3Server {
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts s3s-fs on a free loopback port with one bucket and points the AWS environment at it.
fn start_s3(bucket: &str) -> S3Server {
    let (server, port) = spawn_s3(bucket);
    // The standard AWS environment, as a user would set it for R2 or a local server.
    std::env::set_var("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
    std::env::set_var("AWS_ACCESS_KEY_ID", "hitflow-test");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "hitflow-secret");
    std::env::set_var("AWS_REGION", "us-east-1");
    std::env::remove_var("AWS_PROFILE");
    server
}

/// Starts s3s-fs on a free loopback port with one bucket; returns it and its port.
fn spawn_s3(bucket: &str) -> (S3Server, u16) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join(bucket)).unwrap();
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new("s3s-fs")
        .args([
            "--host",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--access-key",
            "hitflow-test",
            "--secret-key",
            "hitflow-secret",
        ])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("s3s-fs must be installed (scripts/install-tools.sh)");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "s3s-fs did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (S3Server { child, _dir: dir }, port)
}

async fn fill(store: &Store, options: &GenerateOptions) -> u64 {
    let mut files = Vec::new();
    generate(options, &mut |file| {
        files.push(file);
        Ok(())
    })
    .unwrap();
    let mut hits = 0;
    for file in files {
        hits += file.hits.len() as u64;
        let bytes = hitflow_schema::write_parquet(&file.hits).unwrap();
        store
            .put(&file.key, Bytes::from(bytes), "application/vnd.apache.parquet")
            .await
            .unwrap();
    }
    hits
}

async fn report(store: Store, out: &Path, strict: bool) -> anyhow::Result<Report> {
    let options = RunOptions {
        from: "2026-11-03".parse()?,
        to: "2026-11-04".parse()?,
        out: out.to_path_buf(),
        strict,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    Ok(run(store, &Config::default(), &options).await?.report)
}

/// Reports equal but for where they were read from.
fn same_figures(mut a: Report, mut b: Report) {
    a.input.store.clear();
    b.input.store.clear();
    assert_eq!(a, b);
}

#[tokio::test(flavor = "multi_thread")]
async fn s3_and_local_stores_give_the_same_report() {
    let _server = start_s3("lake");
    let dir = tempfile::tempdir().unwrap();
    let options = GenerateOptions {
        from: Ymd::parse("2026-11-01").unwrap(),
        days: 4,
        hits: 20_000,
        seed: 11,
        batch_hits: Some(100),
        ..GenerateOptions::default()
    };
    let s3 = Store::open("s3://lake/analytics").await.unwrap();
    let local = Store::open(dir.path().join("lake").to_str().unwrap()).await.unwrap();
    let written = fill(&s3, &options).await;
    assert_eq!(fill(&local, &options).await, written);

    let from_s3 = report(s3.clone(), &dir.path().join("out-s3"), true).await.unwrap();
    let from_local = report(local, &dir.path().join("out-local"), true).await.unwrap();
    assert!(from_s3.sites.iter().map(|s| s.totals.sessions).sum::<u64>() > 500);
    assert!(from_s3.input.objects_read > 10);
    same_figures(from_s3.clone(), from_local);

    // A corrupt, a truncated, an empty and a foreign object beside the good ones.
    let good = s3.list("hits/date=2026-11-03/").await.unwrap();
    let sample = s3.get(&good[0].key).await.unwrap();
    let junk: [(&str, Bytes); 4] = [
        (
            "hits/date=2026-11-03/hour=10/corrupt.parquet",
            Bytes::from_static(b"PAR1 this is not parquet PAR1"),
        ),
        (
            "hits/date=2026-11-03/hour=11/truncated.parquet",
            sample.slice(..sample.len() / 2),
        ),
        ("hits/date=2026-11-03/hour=12/empty.parquet", Bytes::new()),
        ("hits/date=2026-11-04/hour=09/foreign.parquet", foreign_parquet()),
    ];
    for (key, bytes) in &junk {
        s3.put(key, bytes.clone(), "application/octet-stream").await.unwrap();
    }
    let tolerant = report(s3.clone(), &dir.path().join("out-bad"), false).await.unwrap();
    let mut bad_keys: Vec<&str> = tolerant.input.bad_objects.iter().map(|b| b.key.as_str()).collect();
    bad_keys.sort();
    let mut want: Vec<&str> = junk.iter().map(|(k, _)| *k).collect();
    want.sort();
    assert_eq!(bad_keys, want, "every bad object is reported by key");
    assert!(tolerant.input.bad_objects.iter().all(|b| !b.reason.is_empty()));
    let mut without_bad = tolerant.clone();
    without_bad.input.bad_objects.clear();
    without_bad.input.objects_read = from_s3.input.objects_read;
    without_bad.input.bytes_read = from_s3.input.bytes_read;
    same_figures(without_bad, from_s3.clone());
    let strict = report(s3.clone(), &dir.path().join("out-strict"), true).await;
    assert!(strict.unwrap_err().to_string().contains("--strict"));
    for (key, _) in &junk {
        s3.delete(key).await.unwrap();
    }

    // Compaction over S3: one file per hour, same report.
    let before = s3.list("hits/date=2026-11-03/").await.unwrap().len();
    let summary = hitflow_reporter::compact::compact(&s3, Ymd::parse("2026-11-03").unwrap())
        .await
        .unwrap();
    let after = s3.list("hits/date=2026-11-03/").await.unwrap().len();
    assert!(after < before && after <= 24, "{before} files → {after}");
    assert_eq!(after as u64, summary.partitions, "one file per hour");
    assert!(summary.partitions_merged > 0 && summary.files_deleted > 0);
    let compacted = report(s3, &dir.path().join("out-compacted"), true).await.unwrap();
    let mut normalized = compacted;
    normalized.input.objects_read = from_s3.input.objects_read;
    normalized.input.bytes_read = from_s3.input.bytes_read;
    same_figures(normalized, from_s3);
}

fn foreign_parquet() -> Bytes {
    use std::sync::Arc;
    let batch = arrow_array::RecordBatch::try_from_iter([(
        "x",
        Arc::new(arrow_array::Int32Array::from(vec![1, 2])) as arrow_array::ArrayRef,
    )])
    .unwrap();
    let mut buf = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    Bytes::from(buf)
}

/// Store failures as a user meets them running the binary against the real server: one line to
/// act on (wrong secret, missing bucket, nothing listening), the SDK's account only with
/// `--log debug`. The environment is given to each run, not set in this process.
#[test]
#[rustfmt::skip]
fn store_errors_are_one_line_a_user_can_act_on() {
    let (_server, port) = spawn_s3("lake");
    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // freed at once
    let endpoint = |port: u16| format!("http://127.0.0.1:{port}");
    let cases: Vec<(&str, String, &str, &str, String)> = vec![
        ("wrong secret", endpoint(port), "not-the-secret", "s3://lake/x",
         "error: cannot open store s3://lake/x/: access denied to bucket `lake` (403): check the credentials".into()),
        ("missing bucket", endpoint(port), "hitflow-secret", "s3://nope/x",
         format!("error: cannot open store s3://nope/x/: no such bucket `nope` at {} (AWS_ENDPOINT_URL): check the bucket name", endpoint(port))),
        ("closed port", endpoint(closed), "hitflow-secret", "s3://lake/x",
         format!("error: cannot open store s3://lake/x/: cannot reach the S3 endpoint {} (AWS_ENDPOINT_URL): check the URL", endpoint(closed))),
    ];
    let out_dir = tempfile::tempdir().unwrap();
    for (case, url, secret, store, says) in cases {
        for debug in [false, true] {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_reporter"));
            if debug {
                cmd.args(["--log", "debug"]);
            }
            let out = cmd
                .args(["run", "--store", store, "--from", "2026-11-01", "--to", "2026-11-01", "--quiet"])
                .arg("--out").arg(out_dir.path())
                .env_remove("RUST_LOG").env_remove("AWS_PROFILE")
                .env("AWS_ENDPOINT_URL", &url).env("AWS_REGION", "us-east-1")
                .env("AWS_ACCESS_KEY_ID", "hitflow-test").env("AWS_SECRET_ACCESS_KEY", secret)
                .env("AWS_MAX_ATTEMPTS", "1")
                .output()
                .expect("run reporter");
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(!out.status.success(), "{case}: {stderr}");
            let last = stderr.trim_end().lines().last().unwrap_or_default();
            if debug {
                // The SDK's connection pool may still log after the error line.
                assert!(stderr.lines().any(|l| l.starts_with(&says)), "{case}: {stderr}");
                assert!(stderr.contains("S3 request failed"), "{case}: the detail behind --log debug: {stderr}");
            } else {
                assert!(last.starts_with(&says), "{case}: {last}");
                assert_eq!(stderr.trim_end(), last, "{case}: one line, no SDK dump: {stderr}");
            }
        }
    }
}
