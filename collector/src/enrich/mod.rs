//! Enrichment rules applied to every hit at the edge, one file per concept.

pub mod bots;
pub mod device;
pub mod geo;
pub mod source;
