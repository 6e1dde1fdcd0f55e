//! Enrichment rules applied to every hit at the edge, one file per concept.

pub mod bots;
pub mod device;
pub mod geo;
mod models;
pub mod source;
