//! Turning one Queue batch into Parquet objects: hits are grouped by the hourly partition of their
//! timestamp, and each group's object name is derived from its message ids, so a redelivered group
//! overwrites its own object instead of adding a duplicate.

use hitflow_schema::time::MS_PER_HOUR;
use std::collections::BTreeMap;
use std::hash::Hasher;

use hitflow_schema::columns::HitRow;
use hitflow_schema::layout::{batch_key, Partition};
use hitflow_schema::Hit;
use siphasher::sip128::{Hasher128, SipHasher13};

/// A hit, owned or borrowed, as far as grouping needs it.
pub trait Timestamped {
    /// Milliseconds since the Unix epoch.
    fn ts(&self) -> i64;
}

impl Timestamped for Hit {
    fn ts(&self) -> i64 {
        self.ts
    }
}

impl Timestamped for HitRow<'_> {
    fn ts(&self) -> i64 {
        self.ts
    }
}

/// Hits of one partition from one batch, with the indices of the messages they came from.
#[derive(Debug)]
pub struct Group<T> {
    pub key: String,
    pub hits: Vec<T>,
    pub message_indices: Vec<usize>,
}

/// Groups decoded messages `(index, message id, hit)` by partition.
pub fn group_by_partition<'a, T: Timestamped>(
    messages: impl IntoIterator<Item = (usize, &'a str, T)>,
) -> Vec<Group<T>> {
    struct Pending<'a, T> {
        ids: Vec<&'a str>,
        hits: Vec<T>,
        indices: Vec<usize>,
    }
    // Keyed by the hour since the epoch, which decides the partition; the hits of a batch are
    // nearly always of one hour, so the last group is tried first.
    let messages = messages.into_iter();
    // Sized for the whole batch: usually there is one group.
    let expected = messages.size_hint().0;
    let mut groups: BTreeMap<i64, Pending<'a, T>> = BTreeMap::new();
    let mut last: Option<(i64, Pending<'a, T>)> = None;
    for (index, id, hit) in messages {
        let hour = hit.ts().div_euclid(MS_PER_HOUR);
        let entry = match &mut last {
            Some((h, pending)) if *h == hour => pending,
            _ => {
                if let Some((h, pending)) = last.take() {
                    groups.insert(h, pending);
                }
                let pending = groups.remove(&hour).unwrap_or_else(|| Pending {
                    ids: Vec::with_capacity(expected),
                    hits: Vec::with_capacity(expected),
                    indices: Vec::with_capacity(expected),
                });
                &mut last.insert((hour, pending)).1
            }
        };
        entry.ids.push(id);
        entry.hits.push(hit);
        entry.indices.push(index);
    }
    if let Some((h, pending)) = last {
        groups.insert(h, pending);
    }
    groups
        .into_iter()
        .map(|(hour, pending)| Group {
            key: batch_key(Partition::of_ts(hour * MS_PER_HOUR), &batch_id(pending.ids)),
            hits: pending.hits,
            message_indices: pending.indices,
        })
        .collect()
}

/// 128-bit id (32 hex chars) of a set of message ids, independent of their order.
pub fn batch_id(mut message_ids: Vec<&str>) -> String {
    message_ids.sort_unstable();
    let mut hasher = SipHasher13::new();
    for id in message_ids {
        hasher.write_usize(id.len());
        hasher.write(id.as_bytes());
    }
    format!("{:032x}", hasher.finish128().as_u128())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(ts: i64) -> Hit {
        Hit { ts, ..Hit::default() }
    }

    #[test]
    fn batch_id_ignores_order_and_tells_sets_apart() {
        assert_eq!(batch_id(vec!["a", "b", "c"]), batch_id(vec!["c", "a", "b"]));
        assert_ne!(batch_id(vec!["a", "b"]), batch_id(vec!["a", "b", "c"]));
        assert_ne!(batch_id(vec!["ab", "c"]), batch_id(vec!["a", "bc"]));
        assert_eq!(batch_id(vec!["x"]).len(), 32);
    }

    #[test]
    fn groups_split_at_hour_boundaries() {
        let h10 = 1_764_324_000_000; // 2025-11-28T10:00:00Z
        let groups = group_by_partition(vec![
            (0, "m0", hit(h10 + 5)),
            (1, "m1", hit(h10 - 1)),
            (2, "m2", hit(h10 + 3_599_999)),
        ]);
        assert_eq!(groups.len(), 2);
        assert!(groups[0].key.starts_with("hits/date=2025-11-28/hour=09/"));
        assert_eq!(groups[0].message_indices, vec![1]);
        assert!(groups[1].key.starts_with("hits/date=2025-11-28/hour=10/"));
        assert_eq!(groups[1].message_indices, vec![0, 2]);
        assert!(groups[1].key.ends_with(".parquet"));
    }
}
