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

/// A merged file holds its rows ordered by (site, visitor_id, ts) and says so in every row
/// group's metadata, whatever order the batches came in.
#[tokio::test]
async fn merged_files_are_ordered_by_site_visitor_and_time_and_declare_it() {
    use parquet::file::reader::{FileReader, SerializedFileReader};

    let dir = tempfile::tempdir().unwrap();
    // Batches out of order: later times first, visitors descending, two sites interleaved.
    let mut input = Vec::new();
    for batch in 0..4i64 {
        let hits: Vec<Hit> = (0..30i64)
            .map(|i| {
                let mut h = common::hit(100 - (i % 7) as u64, T0 + (3 - batch) * 60_000 + i, "pageview", "/");
                h.site = if i % 2 == 0 { "b.example" } else { "a.example" }.to_owned();
                h.hit_id = (batch * 100 + i + 1) as u64;
                h
            })
            .collect();
        input.extend(hits.iter().map(|h| (h.site.clone(), h.visitor_id, h.ts)));
        let key = format!("hits/date={DAY}/hour=00/batch-{batch}.parquet");
        std::fs::create_dir_all(dir.path().join(&key).parent().unwrap()).unwrap();
        std::fs::write(dir.path().join(&key), hitflow_schema::write_parquet(&hits).unwrap()).unwrap();
    }
    let store = Store::open(dir.path().to_str().unwrap()).await.unwrap();
    compact(&store, date()).await.unwrap();
    let objects = store.list("hits/").await.unwrap();
    assert_eq!(objects.len(), 1);
    let bytes = store.get(&objects[0].key).await.unwrap();
    let rows: Vec<(String, u64, i64)> = hitflow_schema::read_parquet(bytes.clone())
        .unwrap()
        .into_iter()
        .map(|h| (h.site, h.visitor_id, h.ts))
        .collect();
    let mut sorted = input.clone();
    sorted.sort();
    assert_ne!(input, sorted, "the input must not be ordered already");
    assert_eq!(rows, sorted);

    let reader = SerializedFileReader::new(bytes).unwrap();
    let schema = hitflow_schema::columns::schema();
    let declared: Vec<(String, bool, bool)> = reader.metadata().row_groups()[0]
        .sorting_columns()
        .expect("sorting_columns set")
        .iter()
        .map(|c| {
            (
                schema.field(c.column_idx as usize).name().clone(),
                c.descending,
                c.nulls_first,
            )
        })
        .collect();
    let expected: Vec<(String, bool, bool)> = hitflow_reporter::compact::SORT_COLUMNS
        .iter()
        .map(|name| (name.to_string(), false, false))
        .collect();
    assert_eq!(declared, expected);
    assert_eq!(expected[0].0, "site");
}
