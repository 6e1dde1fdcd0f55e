//! hitflow reporter: reads the hits Parquet lake, builds sessions, assigns channels and
//! computes traffic-quality figures.
//!
//! Flow of `reporter run`: `store` (local folder or S3) → `scan` (prune, fetch, decode) →
//! `sessions` (bounded-memory sessionizer) → `figures` (per site / channel / breakdown) →
//! `output` (report.json, sessions.parquet).

pub mod automation;
pub mod channels;
pub mod compact;
pub mod config;
pub mod email;
pub mod figures;
pub mod generate;
pub mod output;
pub mod pattern;
pub mod period;
pub mod present;
pub mod publish;
pub mod run;
pub mod scan;
pub mod sessions;
pub mod sign_link;
pub mod site;
pub mod sql;
pub mod store;
