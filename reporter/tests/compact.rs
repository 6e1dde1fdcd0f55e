//! Compaction: one file per hour, no hit lost or duplicated, also after a crash at any point.

mod common;

use std::path::Path;

use hitflow_reporter::compact::compact;
use hitflow_reporter::store::Store;
use hitflow_schema::layout::Ymd;
use hitflow_schema::Hit;

const DAY: &str = "2025-11-28";
const T0: i64 = 1_764_288_000_000; // 2025-11-28T00:00:00Z

/// 3 hours × 5 batch files of 40 hits.
fn fill(root: &Path) -> Vec<u64> {
    let mut ids = Vec::new();
    for hour in 0..3i64 {
        for batch in 0..5i64 {
            let hits: Vec<Hit> = (0..40i64)
                .map(|i| {
                    let mut h = common::hit(
                        7 + i as u64,
                        T0 + hour * 3_600_000 + batch * 60_000 + i,
                        "pageview",
                        "/",
                    );
                    h.hit_id = (hour * 1000 + batch * 100 + i) as u64 + 1;
                    ids.push(h.hit_id);
                    h
                })
                .collect();
            let key = format!("hits/date={DAY}/hour={hour:02}/batch-{batch}.parquet");
            std::fs::create_dir_all(root.join(&key).parent().unwrap()).unwrap();
            std::fs::write(root.join(&key), hitflow_schema::write_parquet(&hits).unwrap()).unwrap();
        }
    }
    ids.sort_unstable();
    ids
}

async fn stored_ids(store: &Store) -> (Vec<u64>, usize) {
    let objects = store.list("hits/").await.unwrap();
    let mut ids = Vec::new();
    for object in &objects {
        let hits = hitflow_schema::read_parquet(store.get(&object.key).await.unwrap()).unwrap();
        ids.extend(hits.iter().map(|h| h.hit_id));
    }
    ids.sort_unstable();
    (ids, objects.len())
}

fn date() -> Ymd {
    Ymd::parse(DAY).unwrap()
}

#[tokio::test]
async fn merges_each_hour_into_one_file_and_is_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let want = fill(dir.path());
    let store = Store::open(dir.path().to_str().unwrap()).await.unwrap();
    let summary = compact(&store, date()).await.unwrap();
    assert_eq!(
        (
            summary.partitions,
            summary.partitions_merged,
            summary.files_deleted,
            summary.rows
        ),
        (3, 3, 15, 600)
    );
    assert_eq!(stored_ids(&store).await, (want.clone(), 3));
    let again = compact(&store, date()).await.unwrap();
    assert_eq!((again.partitions_merged, again.files_deleted), (0, 0));
    assert_eq!(stored_ids(&store).await, (want, 3));
}

/// A lake compacted to the end, and an untouched copy of the same inputs to stage a crash in.
struct CrashSetup {
    want: Vec<u64>,
    finished_store: Store,
    store: Store,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

async fn crash_setup() -> CrashSetup {
    let finished = tempfile::tempdir().unwrap();
    let want = fill(finished.path());
    let finished_store = Store::open(finished.path().to_str().unwrap()).await.unwrap();
    compact(&finished_store, date()).await.unwrap();
    let crashed = tempfile::tempdir().unwrap();
    fill(crashed.path());
    let store = Store::open(crashed.path().to_str().unwrap()).await.unwrap();
    CrashSetup {
        want,
        finished_store,
        store,
        _dirs: (finished, crashed),
    }
}

#[tokio::test]
async fn a_crash_after_the_merged_upload_loses_and_duplicates_nothing() {
    // The merged files of a finished run, put beside the untouched inputs: the state a crash
    // between the upload and the deletes leaves behind.
    let CrashSetup {
        want,
        finished_store,
        store,
        _dirs,
    } = crash_setup().await;
    for object in finished_store.list("hits/").await.unwrap() {
        store
            .put(&object.key, finished_store.get(&object.key).await.unwrap(), "")
            .await
            .unwrap();
    }
    assert_eq!(stored_ids(&store).await.1, 18);
    compact(&store, date()).await.unwrap();
    assert_eq!(stored_ids(&store).await, (want, 3));
}

#[tokio::test]
async fn a_crash_mid_upload_leaves_a_broken_merged_file_that_is_replaced() {
    let CrashSetup {
        want,
        finished_store,
        store,
        _dirs,
    } = crash_setup().await;
    // A truncated merged file for hour 01 (a non-atomic store cut off mid-write).
    let merged = finished_store
        .list("hits/date=2025-11-28/hour=01/")
        .await
        .unwrap()
        .remove(0);
    let bytes = finished_store.get(&merged.key).await.unwrap();
    store
        .put(&merged.key, bytes.slice(..bytes.len() / 2), "")
        .await
        .unwrap();
    compact(&store, date()).await.unwrap();
    assert_eq!(stored_ids(&store).await, (want, 3));
}
