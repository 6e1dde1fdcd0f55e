//! hitflow reporter: reads the hits Parquet lake, builds sessions, assigns channels and
//! computes traffic-quality figures.
//!
//! Flow of `reporter run`: `store` (local folder or S3) → `scan` (prune, fetch, decode into
//! `rows`) → `sessions` (bounded-memory sessionizer) → two session sinks: `figures` (per site /
//! channel / breakdown, then report.json) and `output` (sessions.parquet).

pub mod alerts;
pub mod annotations;
pub mod automation;
pub mod channels;
pub mod compact;
pub mod config;
pub mod email;
pub mod figures;
pub mod output;
pub mod pattern;
pub mod period;
pub mod present;
pub mod publish;
pub mod rows;
pub mod run;
pub mod scan;
pub mod segments;
pub mod sessions;
pub mod sign_link;
pub mod site;
pub mod sql;
pub mod stats;
pub mod store;
