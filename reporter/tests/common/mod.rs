//! Helpers shared by the reporter's integration tests.
#![allow(dead_code)]

use std::path::Path;

use hitflow_schema::layout::{batch_key, Partition};
use hitflow_schema::Hit;

pub fn hit(visitor: u64, ts: i64, event: &str, path: &str) -> Hit {
    Hit {
        ts,
        hit_id: visitor.wrapping_mul(1_000_003) ^ (ts as u64) ^ event.len() as u64,
        site: "example.com".into(),
        event: event.into(),
        visitor_id: visitor,
        url_host: "example.com".into(),
        url_path: path.into(),
        device_type: "desktop".into(),
        browser: Some("Firefox".into()),
        os: Some("Linux".into()),
        country: Some("DE".into()),
        ..Hit::default()
    }
}

/// Writes hits into a local lake, one file per partition.
pub fn write_hits(root: &Path, hits: &[Hit]) {
    let mut by_partition: std::collections::BTreeMap<Partition, Vec<Hit>> = Default::default();
    for hit in hits {
        by_partition
            .entry(Partition::of_ts(hit.ts))
            .or_default()
            .push(hit.clone());
    }
    for (partition, hits) in by_partition {
        let path = root.join(batch_key(partition, "test"));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, hitflow_schema::write_parquet(&hits).unwrap()).unwrap();
    }
}
