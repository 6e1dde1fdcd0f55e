//! The `reporter` binary (as a user runs it) against a damaged lake and a killed compaction:
//!
//! - corrupt, truncated, zero-byte and wrong-schema objects beside good ones are each reported in
//!   report.json (`input.bad_objects`: key and reason) and skipped, so the figures equal those of
//!   the good objects alone; `--strict` fails with a non-zero exit and names the object;
//! - `reporter compact` SIGKILLed at several points of a day with many batch files, then re-run:
//!   the same hits (count and hit_id set), no duplicates, one merged file per hour and no batch
//!   file left beside it, and the same report as before compaction;
//! - a bad object stops compaction with a message naming it, losing nothing.

use std::collections::BTreeMap;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use arrow_array::{ArrayRef, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use bytes::Bytes;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ArrowWriter;
use serde_json::Value;

const REPORTER: &str = env!("CARGO_BIN_EXE_reporter");

fn reporter(args: &[&str]) -> Output {
    Command::new(REPORTER)
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run reporter")
}

fn ok(args: &[&str]) -> Output {
    let out = reporter(args);
    assert!(
        out.status.success(),
        "reporter {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn generate(store: &Path, from: &str, days: &str, hits: &str, seed: &str, batch_hits: &str) {
    ok(&[
        "generate",
        "--store",
        store.to_str().unwrap(),
        "--from",
        from,
        "--days",
        days,
        "--hits",
        hits,
        "--seed",
        seed,
        "--batch-hits",
        batch_hits,
    ]);
}

/// Every object key under `hits/` with its bytes (temporary files of the local store excluded,
/// as its listing does).
fn objects(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.join("hits")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let key = path.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
                let name = key.rsplit('/').next().unwrap();
                if !(name.starts_with('.') && name.ends_with(".tmp")) {
                    out.insert(key, path);
                }
            }
        }
    }
    out
}

/// Temporary files of interrupted writes (`.NAME.PID.tmp`), which the store never lists.
fn temporary_files(root: &Path) -> usize {
    let mut n = 0;
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().is_dir() {
                stack.push(entry.path());
            } else if name.starts_with('.') && name.ends_with(".tmp") {
                n += 1;
            }
        }
    }
    n
}

fn copy_tree(from: &Path, to: &Path) {
    for (key, path) in objects(from) {
        let dest = to.join(&key);
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::copy(path, dest).unwrap();
    }
}

fn run_report(store: &Path, out: &Path, from: &str, to: &str, strict: bool) -> Output {
    let mut args = vec![
        "run",
        "--store",
        store.to_str().unwrap(),
        "--from",
        from,
        "--to",
        to,
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    if strict {
        args.push("--strict");
    }
    reporter(&args)
}

fn report_json(out: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap()
}

/// The figures of a report: everything but where and how much was read.
fn figures(report: &Value) -> Value {
    let mut r = report.clone();
    let input = r["input"].as_object_mut().unwrap();
    for k in ["store", "objects_read", "bytes_read", "bad_objects"] {
        input.remove(k);
    }
    r
}

/// The figures, also ignoring how many rows were read and dropped as repeats.
fn figures_of_distinct_hits(report: &Value) -> Value {
    let mut r = figures(report);
    let input = r["input"].as_object_mut().unwrap();
    input.remove("hits_read");
    input.remove("duplicate_hits");
    r
}

fn first_batch(bytes: Bytes) -> RecordBatch {
    ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
}

fn encode(batch: &RecordBatch) -> Vec<u8> {
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, batch.schema(), Some(hitflow_schema::writer_properties())).unwrap();
    writer.write(batch).unwrap();
    writer.close().unwrap();
    buf
}

/// A good batch file rewritten with one column changed or dropped (still valid Parquet, with the
/// hitflow schema version tag, but not the hit schema).
fn reshaped(sample: &Bytes, change: &str) -> Vec<u8> {
    let batch = first_batch(sample.clone());
    let schema = batch.schema();
    let mut fields: Vec<Field> = Vec::new();
    let mut columns: Vec<ArrayRef> = Vec::new();
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        match (change, field.name().as_str()) {
            ("hit_id as text", "hit_id") => {
                let text: StringArray = (0..column.len()).map(|i| Some(format!("id-{i}"))).collect();
                fields.push(Field::new("hit_id", DataType::Utf8, false));
                columns.push(Arc::new(text));
            }
            ("no visitor_id", "visitor_id") => {}
            _ => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    encode(&RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap())
}

/// The file with 64 bytes in the middle of one column's pages scrambled; the footer stays good.
fn damage_column(sample: &Bytes, column: &str) -> Vec<u8> {
    use parquet::file::reader::{FileReader, SerializedFileReader};
    let reader = SerializedFileReader::new(sample.clone()).unwrap();
    let row_group = reader.metadata().row_group(0);
    let chunk = (0..row_group.num_columns())
        .map(|i| row_group.column(i))
        .find(|c| c.column_path().string() == column)
        .unwrap();
    let (start, len) = chunk.byte_range();
    let (start, len) = (start as usize, len as usize);
    assert!(len > 128, "{column} chunk of {len} bytes");
    let mut bytes = sample.to_vec();
    for b in &mut bytes[start + len / 2 - 32..start + len / 2 + 32] {
        *b ^= 0x5a;
    }
    bytes
}

fn foreign() -> Vec<u8> {
    let batch = RecordBatch::try_from_iter([("x", Arc::new(arrow_array::Int32Array::from(vec![1, 2, 3])) as ArrayRef)])
        .unwrap();
    encode(&batch)
}

#[test]
fn bad_objects_are_reported_and_skipped_and_strict_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (good, mixed) = (dir.path().join("good"), dir.path().join("mixed"));
    generate(&good, "2026-11-01", "3", "30000", "5", "200");
    copy_tree(&good, &mixed);

    let sample_key = objects(&good)
        .into_keys()
        .find(|k| k.contains("date=2026-11-02/"))
        .unwrap();
    let sample = Bytes::from(std::fs::read(good.join(&sample_key)).unwrap());
    let flipped = damage_column(&sample, "url_path");
    let bad: Vec<(&str, Vec<u8>)> = vec![
        (
            "hits/date=2026-11-01/hour=09/corrupt.parquet",
            b"PAR1 not a parquet file at all PAR1".to_vec(),
        ),
        (
            "hits/date=2026-11-01/hour=10/truncated.parquet",
            sample[..sample.len() / 2].to_vec(),
        ),
        (
            "hits/date=2026-11-02/hour=11/footer-only-cut.parquet",
            sample[..sample.len() - 9].to_vec(),
        ),
        ("hits/date=2026-11-02/hour=12/zero-byte.parquet", Vec::new()),
        ("hits/date=2026-11-02/hour=13/foreign-schema.parquet", foreign()),
        (
            "hits/date=2026-11-03/hour=14/hit-id-as-text.parquet",
            reshaped(&sample, "hit_id as text"),
        ),
        (
            "hits/date=2026-11-03/hour=15/no-visitor-id.parquet",
            reshaped(&sample, "no visitor_id"),
        ),
        ("hits/date=2026-11-03/hour=16/damaged-pages.parquet", flipped),
    ];
    for (key, bytes) in &bad {
        let path = mixed.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    let (out_good, out_mixed) = (dir.path().join("out-good"), dir.path().join("out-mixed"));
    let run = run_report(&good, &out_good, "2026-11-01", "2026-11-03", true);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let run = run_report(&mixed, &out_mixed, "2026-11-01", "2026-11-03", false);
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let (good_report, mixed_report) = (report_json(&out_good), report_json(&out_mixed));

    let reported: BTreeMap<String, String> = mixed_report["input"]["bad_objects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["key"].as_str().unwrap().to_owned(),
                b["reason"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let want: Vec<&str> = {
        let mut keys: Vec<&str> = bad.iter().map(|(k, _)| *k).collect();
        keys.sort();
        keys
    };
    assert_eq!(
        reported.keys().map(String::as_str).collect::<Vec<_>>(),
        want,
        "every bad object reported by key: {reported:#?}"
    );
    for (key, reason) in &reported {
        assert!(reason.len() > 5, "{key}: a reason ({reason:?})");
    }
    assert!(good_report["input"]["bad_objects"].as_array().unwrap().is_empty());
    assert!(good_report["input"]["hits_read"].as_u64().unwrap() > 20_000);
    assert_eq!(
        figures(&mixed_report),
        figures(&good_report),
        "the figures are those of the good objects alone"
    );

    let out_strict = dir.path().join("out-strict");
    let strict = run_report(&mixed, &out_strict, "2026-11-01", "2026-11-03", true);
    let stderr = String::from_utf8_lossy(&strict.stderr);
    assert!(!strict.status.success(), "--strict must fail on a bad object");
    assert!(
        stderr.contains("--strict") && bad.iter().any(|(k, _)| stderr.contains(k)),
        "a clear message naming the object: {stderr}"
    );
    assert!(
        !out_strict.join("report.json").exists(),
        "no report from a failed strict run"
    );
}

// ---------------------------------------------------------------------------------------------

const DAY: &str = "2026-11-10";

/// hit_ids (sorted, with repeats) and file names per hour of the day's partitions.
struct Lake {
    ids: Vec<u64>,
    hours: BTreeMap<String, Vec<String>>,
}

fn lake(root: &Path) -> Lake {
    let mut ids = Vec::new();
    let mut hours: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (key, path) in objects(root) {
        if !key.starts_with(&format!("hits/date={DAY}/")) {
            continue;
        }
        let hits = hitflow_schema::read_parquet(std::fs::read(&path).unwrap())
            .unwrap_or_else(|e| panic!("{key} is not a readable hit file: {e}"));
        ids.extend(hits.iter().map(|h| h.hit_id));
        let (hour, name) = key.rsplit_once('/').unwrap();
        hours.entry(hour.to_owned()).or_default().push(name.to_owned());
    }
    ids.sort_unstable();
    Lake { ids, hours }
}

fn dedup(ids: &[u64]) -> Vec<u64> {
    let mut d = ids.to_vec();
    d.dedup();
    d
}

/// Merged files in the day's hour folders (watched while compaction runs).
fn merged_files(root: &Path) -> usize {
    let day = root.join(format!("hits/date={DAY}"));
    let Ok(hours) = std::fs::read_dir(day) else { return 0 };
    hours
        .flatten()
        .filter_map(|h| std::fs::read_dir(h.path()).ok())
        .flat_map(|files| files.flatten())
        .filter(|f| {
            let name = f.file_name();
            let name = name.to_string_lossy();
            name.starts_with("compacted-") && name.ends_with(".parquet")
        })
        .count()
}

/// Starts `reporter compact` and SIGKILLs it as soon as at least `after_merged` merged files are
/// in the store. Returns whether the kill landed (the process had not finished on its own).
fn compact_and_kill(root: &Path, after_merged: usize) -> bool {
    let mut child = Command::new(REPORTER)
        .args(["compact", "--store", root.to_str().unwrap(), "--date", DAY])
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "compaction failed on its own: {status}");
            return false;
        }
        if merged_files(root) >= after_merged {
            child.kill().unwrap(); // SIGKILL
            let status = child.wait().unwrap();
            return status.signal() == Some(9);
        }
        assert!(Instant::now() < deadline, "compaction did not progress");
        std::thread::sleep(Duration::from_micros(500));
    }
}

#[test]
fn compaction_killed_mid_way_then_rerun_loses_and_duplicates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lake");
    // One day in Queue-batch-sized files: ~600 files of 100 hits, ~25 per hour.
    generate(&root, DAY, "1", "60000", "9", "100");
    let before = lake(&root);
    let files_before: usize = before.hours.values().map(Vec::len).sum();
    assert!(files_before > 500 && before.hours.len() >= 20, "{files_before} files");
    // (The generator stores a few hits twice on purpose, as a redelivered batch would.)
    let distinct = dedup(&before.ids);
    let out_before = dir.path().join("out-before");
    let report = run_report(&root, &out_before, DAY, DAY, true);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));

    // Kill at the first merged file (its inputs are typically still there), then further on.
    let mut landed = 0;
    let mut caught_beside = 0;
    for after_merged in [1, 6, 12, 18] {
        if !compact_and_kill(&root, after_merged) {
            break; // finished on its own: nothing left to interrupt
        }
        landed += 1;
        let now = lake(&root);
        assert_eq!(dedup(&now.ids), distinct, "after a kill at {after_merged}: no hit lost");
        let beside = now
            .hours
            .values()
            .filter(|files| files.iter().any(|f| f.starts_with("compacted-")) && files.len() > 1)
            .count();
        caught_beside += usize::from(beside > 0);
        println!(
            "killed with >= {after_merged} merged file(s): {} files, {} hits stored ({} distinct), {beside} hour(s) with a merged file beside other files",
            now.hours.values().map(Vec::len).sum::<usize>(),
            now.ids.len(),
            dedup(&now.ids).len()
        );
    }
    assert!(landed >= 2, "the kills landed mid-way ({landed})");

    // A report over the interrupted lake already has the same figures (readers drop repeats).
    let out_mid = dir.path().join("out-mid");
    let mid = run_report(&root, &out_mid, DAY, DAY, true);
    assert!(mid.status.success(), "{}", String::from_utf8_lossy(&mid.stderr));
    let mid_report = report_json(&out_mid);
    assert_eq!(
        figures_of_distinct_hits(&mid_report),
        figures_of_distinct_hits(&report_json(&out_before))
    );
    let repeats = mid_report["input"]["duplicate_hits"].as_u64().unwrap();
    println!("report over the interrupted lake: {repeats} hits read twice and dropped, same figures");

    ok(&["compact", "--store", root.to_str().unwrap(), "--date", DAY]);
    let after = lake(&root);
    assert_eq!(after.ids.len(), before.ids.len(), "same number of hits");
    assert_eq!(after.ids, before.ids, "same hit_ids, none stored once more");
    for (hour, files) in &after.hours {
        assert_eq!(
            files.len(),
            1,
            "{hour}: one file, no batch file beside the merged one: {files:?}"
        );
        assert!(files[0].starts_with("compacted-"), "{hour}: {files:?}");
    }
    assert_eq!(
        after.hours.keys().collect::<Vec<_>>(),
        before.hours.keys().collect::<Vec<_>>()
    );
    let again = ok(&["compact", "--store", root.to_str().unwrap(), "--date", DAY]);
    let summary: Value = serde_json::from_slice(&again.stdout).unwrap();
    assert_eq!(
        summary["partitions_merged"], 0,
        "a finished compaction has nothing left to do"
    );

    let out_after = dir.path().join("out-after");
    let report = run_report(&root, &out_after, DAY, DAY, true);
    assert!(report.status.success(), "{}", String::from_utf8_lossy(&report.stderr));
    assert_eq!(figures(&report_json(&out_after)), figures(&report_json(&out_before)));
    let leftovers = temporary_files(&root);
    println!(
        "compaction: {files_before} batch files → {} merged files, {} hits before and after; {landed} kills landed, \
         {caught_beside} caught a merged file beside its inputs; {leftovers} temporary file(s) of killed writes left (never listed)",
        after.hours.len(),
        after.ids.len()
    );
}

#[test]
fn compaction_stops_at_a_bad_object_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("lake");
    generate(&root, DAY, "1", "6000", "4", "100");
    let before = lake(&root);
    let bad_key = format!("hits/date={DAY}/hour=05/zero-byte.parquet");
    std::fs::write(root.join(&bad_key), b"").unwrap();
    let out = reporter(&["compact", "--store", root.to_str().unwrap(), "--date", DAY]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "compaction must not pass over a bad object silently"
    );
    assert!(stderr.contains(&bad_key), "the message names the object: {stderr}");
    std::fs::remove_file(root.join(&bad_key)).unwrap();
    let stopped = lake(&root);
    assert_eq!(stopped.ids, before.ids, "nothing lost or duplicated by the failed run");
    let bad_hour = format!("hits/date={DAY}/hour=05");
    for (hour, files) in &stopped.hours {
        if hour.as_str() < bad_hour.as_str() {
            assert_eq!(files.len(), 1, "{hour}, before the bad hour, is merged");
        } else {
            assert_eq!(
                files, &before.hours[hour],
                "{hour}, the bad hour or later, is untouched"
            );
        }
    }
    // Removed, as the message asks: the re-run finishes the day.
    ok(&["compact", "--store", root.to_str().unwrap(), "--date", DAY]);
    let after = lake(&root);
    assert_eq!(after.ids, before.ids);
    assert!(after.hours.values().all(|files| files.len() == 1));
}
