//! Traffic-quality figures: accumulation per site, channel and breakdown, and `report.json`.

pub mod collect;
pub mod countries;
pub mod counts;
pub mod coverage;
pub mod ledger;
pub mod local_time;
pub mod report;
pub mod scroll;
pub mod significance;
pub mod site;
