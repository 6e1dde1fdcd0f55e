//! Reading the hits lake: which hourly partitions to read (pruning by the `date=`/`hour=` keys),
//! fetching and decoding their objects a few at a time in parallel, and handing them on in plan
//! order while the next ones are already being fetched.

mod arrow_columns;
mod columns;
pub mod decode;

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::{self, StreamExt};
use hitflow_schema::layout::{Partition, Ymd, HITS_PREFIX};
use indicatif::ProgressBar;
use tokio::sync::mpsc;

use crate::rows::file::FileRows;
use crate::store::{ObjectMeta, Store, StoreError};
use decode::{decode, Projection};

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

/// What the loader hands on, in plan order: each object of a partition (decoded, or why not),
/// then the end of the partition.
pub enum Loaded {
    File(FileRows),
    Bad(BadObject),
    PartitionEnd(Partition),
}

/// Objects fetched and decoded at the same time, delivered in order: at least two (so both
/// cores decode), at most `OBJECTS_IN_FLIGHT`, and no more than `BYTES_IN_FLIGHT` of Parquet
/// beyond those two (decoded rows take ~3× their Parquet size), so memory stays bounded however
/// big an hour is.
const OBJECTS_IN_FLIGHT: usize = 8;
const BYTES_IN_FLIGHT: u64 = 32 << 20;

/// Streams the plan's objects in order through a small channel, so fetching and decoding of the
/// next objects overlaps with sessionizing.
pub fn load(store: Store, plan: ScanPlan, projection: Projection, progress: ProgressBar) -> mpsc::Receiver<Loaded> {
    let (tx, rx) = mpsc::channel(2);
    let store = Arc::new(store);
    tokio::spawn(async move {
        // (object, last of its partition), in plan order; each loads in a task of its own, so
        // the next ones keep fetching and decoding while this loop waits for the consumer.
        let mut objects = plan
            .partitions
            .into_iter()
            .flat_map(|(partition, mut objects)| {
                objects.sort_by(|a, b| a.key.cmp(&b.key));
                let last = objects.len().saturating_sub(1);
                let mut items: Vec<(Option<ObjectMeta>, Option<Partition>)> = objects
                    .into_iter()
                    .enumerate()
                    .map(|(i, o)| (Some(o), (i == last).then_some(partition)))
                    .collect();
                if items.is_empty() {
                    items.push((None, Some(partition)));
                }
                items
            })
            .peekable();
        let mut in_flight = std::collections::VecDeque::new();
        loop {
            while in_flight.len() < OBJECTS_IN_FLIGHT {
                let bytes: u64 = in_flight.iter().map(|(size, _, _)| size).sum();
                let Some((object, _)) = objects.peek() else { break };
                let size = object.as_ref().map_or(0, |o| o.size);
                if in_flight.len() >= 2 && bytes + size > BYTES_IN_FLIGHT {
                    break;
                }
                let Some((object, ends)) = objects.next() else { break };
                let (store, progress) = (store.clone(), progress.clone());
                let task = tokio::spawn(async move {
                    match object {
                        Some(object) => Some(load_object(&store, object, projection, &progress).await),
                        None => None,
                    }
                });
                in_flight.push_back((size, task, ends));
            }
            let Some((_, task, ends)) = in_flight.pop_front() else {
                break;
            };
            let Ok(loaded) = task.await else { break };
            if let Some(loaded) = loaded {
                if tx.send(loaded).await.is_err() {
                    break;
                }
            }
            if let Some(partition) = ends {
                if tx.send(Loaded::PartitionEnd(partition)).await.is_err() {
                    break;
                }
            }
        }
    });
    rx
}

/// Fetches and decodes one object (on the rayon pool, next to the sessionizer's work).
async fn load_object(store: &Store, object: ObjectMeta, projection: Projection, progress: &ProgressBar) -> Loaded {
    let key = object.key;
    let bytes = match store.get(&key).await {
        Ok(bytes) => bytes,
        Err(e) => {
            return Loaded::Bad(BadObject {
                key,
                reason: e.to_string(),
            })
        }
    };
    progress.inc(bytes.len() as u64);
    let (done, decoded) = tokio::sync::oneshot::channel();
    rayon::spawn(move || {
        // A damaged object is that object's problem, not the run's: `decode` never panics.
        let _ = done.send(decode(bytes, projection).map_err(|e| e.to_string()));
    });
    match decoded.await {
        Ok(Ok(file)) => Loaded::File(file),
        Ok(Err(reason)) => Loaded::Bad(BadObject { key, reason }),
        Err(_) => Loaded::Bad(BadObject {
            key,
            reason: "the decoding task did not finish".into(),
        }),
    }
}
