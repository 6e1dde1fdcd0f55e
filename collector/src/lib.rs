//! hitflow collector: a Cloudflare Worker that receives hits, enriches them at the edge and
//! stores them as Parquet in R2 through a Queue.
//!
//! Pure logic (`payload`, `enrich`, `pipeline`, `visitor`, `batch`, `config`) compiles and is
//! tested natively; `http`, `consumer`, `scheduled`, `salt_store` and `cf` are the Worker glue.

pub mod batch;
pub mod config;
pub mod enrich;
pub mod message;
pub mod payload;
pub mod pipeline;
pub mod report_path;
pub mod text;
pub mod visitor;

mod cf;
mod consumer;
mod http;
mod reports;
mod route;
mod salt_store;
mod scheduled;

/// R2 binding holding hits (`hits/…`) and the daily salts (`salts/…`).
pub const HITS_BUCKET: &str = "HITS_BUCKET";
/// Queue binding the fetch handler produces to and the consumer reads from.
pub const HITS_QUEUE: &str = "HITS_QUEUE";
