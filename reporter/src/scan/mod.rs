//! Reading the hits lake: which hourly partitions to read (pruning by the `date=`/`hour=` keys),
//! fetching their objects concurrently, decoding them in parallel, and handing them on in
//! partition order while the next partitions are already being fetched.

pub mod decode;
pub mod intern;
pub mod rows;

use std::collections::BTreeMap;
use std::sync::Arc;

use bytes::Bytes;
use futures::stream::{self, StreamExt};
use hitflow_schema::layout::{Partition, Ymd, HITS_PREFIX};
use indicatif::ProgressBar;
use rayon::prelude::*;
use tokio::sync::mpsc;

use crate::store::{ObjectMeta, Store, StoreError};
use decode::{decode, FileRows, Projection};

/// How many objects are fetched at once.
const PARALLEL_FETCHES: usize = 16;

/// An object that could not be read; the run reports it and goes on (unless `--strict`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BadObject {
    pub key: String,
    pub reason: String,
}

/// The partitions to read, in time order, with their objects.
#[derive(Debug, Default)]
pub struct ScanPlan {
    pub partitions: Vec<(Partition, Vec<ObjectMeta>)>,
    /// Objects under `hits/` whose key is not a hit partition key.
    pub stray: Vec<BadObject>,
}

impl ScanPlan {
    pub fn objects(&self) -> usize {
        self.partitions.iter().map(|(_, o)| o.len()).sum()
    }

    pub fn bytes(&self) -> u64 {
        self.partitions.iter().flat_map(|(_, o)| o).map(|o| o.size).sum()
    }
}

/// Lists the partitions of UTC days `first..=last`, plus the first partitions of the next day,
/// where late hits of the last day may sit.
pub async fn plan(store: &Store, first: Ymd, last: Ymd, late_partitions: u32) -> Result<ScanPlan, StoreError> {
    let mut by_partition: BTreeMap<Partition, Vec<ObjectMeta>> = BTreeMap::new();
    let mut stray = Vec::new();
    let days: Vec<i64> = (first.to_days()..=last.to_days() + 1).collect();
    let listings = stream::iter(days.iter().map(|&day| {
        let prefix = format!("{HITS_PREFIX}date={}/", Ymd::from_days(day));
        async move { store.list(&prefix).await }
    }))
    .buffered(8)
    .collect::<Vec<_>>()
    .await;
    for (day, listing) in days.iter().zip(listings) {
        for object in listing? {
            match Partition::from_key(&object.key) {
                Some(p) if *day <= last.to_days() || p.hour < late_partitions => {
                    by_partition.entry(p).or_default().push(object)
                }
                Some(_) => {}
                None if object.key.ends_with(".parquet") || !object.key.ends_with('/') => stray.push(BadObject {
                    key: object.key,
                    reason: "not a hits/date=YYYY-MM-DD/hour=HH/<file> key".into(),
                }),
                None => {}
            }
        }
    }
    Ok(ScanPlan {
        partitions: by_partition.into_iter().collect(),
        stray,
    })
}

/// One decoded partition.
pub struct LoadedPartition {
    pub partition: Partition,
    pub files: Vec<FileRows>,
    pub bad: Vec<BadObject>,
}

/// Partitions fetched and decoded at the same time (delivered in order): with one file per
/// partition (compacted lakes), this is what keeps both cores decoding.
const PARTITIONS_IN_FLIGHT: usize = 3;

/// Streams the plan's partitions in order through a small channel, so fetching and decoding of
/// the next partitions overlaps with sessionizing the current one.
pub fn load(
    store: Store,
    plan: ScanPlan,
    projection: Projection,
    progress: ProgressBar,
) -> mpsc::Receiver<LoadedPartition> {
    let (tx, rx) = mpsc::channel(1);
    let store = Arc::new(store);
    tokio::spawn(async move {
        // Each partition loads in a task of its own, so the next ones keep fetching and
        // decoding while this loop waits for the consumer.
        let mut in_flight = std::collections::VecDeque::new();
        let mut partitions = plan.partitions.into_iter();
        loop {
            while in_flight.len() < PARTITIONS_IN_FLIGHT {
                let Some((partition, objects)) = partitions.next() else {
                    break;
                };
                let (store, progress) = (store.clone(), progress.clone());
                in_flight.push_back(tokio::spawn(async move {
                    load_partition(&store, partition, objects, projection, &progress).await
                }));
            }
            let Some(next) = in_flight.pop_front() else { break };
            let Ok(Some(partition)) = next.await else { break };
            if tx.send(partition).await.is_err() {
                break;
            }
        }
    });
    rx
}

/// Fetches a partition's objects concurrently and decodes them in parallel. `None` when the
/// decoding task could not run (the runtime is shutting down).
async fn load_partition(
    store: &Store,
    partition: Partition,
    objects: Vec<ObjectMeta>,
    projection: Projection,
    progress: &ProgressBar,
) -> Option<LoadedPartition> {
    let fetched: Vec<(String, Result<Bytes, StoreError>)> =
        stream::iter(objects.into_iter().map(|object| async move {
            let bytes = store.get(&object.key).await;
            (object.key, bytes)
        }))
        .buffer_unordered(PARALLEL_FETCHES)
        .collect()
        .await;
    let bytes_read: u64 = fetched
        .iter()
        .map(|(_, b)| b.as_ref().map(|b| b.len() as u64).unwrap_or(0))
        .sum();
    let decoded = tokio::task::spawn_blocking(move || {
        let mut results: Vec<(String, Result<FileRows, String>)> = fetched
            .into_par_iter()
            .map(|(key, bytes)| {
                let rows = bytes.map_err(|e| e.to_string()).and_then(|b| {
                    // A decoder panic on a hostile file is that file's problem, not the run's.
                    std::panic::catch_unwind(|| decode(b, projection))
                        .map_err(|_| "the Parquet decoder failed on this object".to_owned())?
                        .map_err(|e| e.to_string())
                });
                (key, rows)
            })
            .collect();
        // Deterministic order: the run's interned ids must not depend on fetch timing.
        results.sort_by(|a, b| a.0.cmp(&b.0));
        results
    })
    .await
    .ok()?;
    let mut loaded = LoadedPartition {
        partition,
        files: Vec::new(),
        bad: Vec::new(),
    };
    for (key, result) in decoded {
        match result {
            Ok(file) => loaded.files.push(file),
            Err(reason) => loaded.bad.push(BadObject { key, reason }),
        }
    }
    progress.inc(bytes_read);
    Some(loaded)
}
