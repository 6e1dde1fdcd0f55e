//! The benchmark baseline: a bare arrow-rs scan of the same columns `reporter run` reads, with
//! the same parallelism (rayon over files) and nothing else. `reporter run` is compared to it.
//!
//!   cargo run --release -p hitflow-reporter --example bare_scan -- LAKE_DIR

use std::path::PathBuf;
use std::time::Instant;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

fn files(dir: &PathBuf, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("readable lake").flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "parquet") {
            out.push(path);
        }
    }
}

fn main() {
    let lake = PathBuf::from(std::env::args().nth(1).expect("usage: bare_scan LAKE_DIR"));
    let mut paths = Vec::new();
    files(&lake.join("hits"), &mut paths);
    // Exactly the columns `reporter run` reads with the default session rules.
    let rules =
        hitflow_reporter::sessions::sessionize::Rules::from(&hitflow_reporter::config::SessionConfig::default());
    let columns = hitflow_reporter::run::projection(&rules).columns();
    let started = Instant::now();
    let rows: usize = paths
        .par_iter()
        .map(|path| {
            let bytes = bytes::Bytes::from(std::fs::read(path).expect("readable file"));
            let builder = ParquetRecordBatchReaderBuilder::try_new(bytes).expect("parquet");
            let fields = builder.parquet_schema().root_schema().get_fields().to_vec();
            let indices = columns
                .iter()
                .filter_map(|c| fields.iter().position(|f| f.name() == *c));
            let mask = ProjectionMask::roots(builder.parquet_schema(), indices);
            builder
                .with_projection(mask)
                .with_batch_size(64 * 1024)
                .build()
                .expect("reader")
                .map(|b| b.expect("batch").num_rows())
                .sum::<usize>()
        })
        .sum();
    println!(
        "{{\"reader\": \"arrow-rs\", \"files\": {}, \"rows\": {rows}, \"seconds\": {:.3}}}",
        paths.len(),
        started.elapsed().as_secs_f64()
    );
}
