//! From hits to sessions: per-value lookups, the split rules, and the bounded-memory stream.

pub mod lookup;
pub mod session;
pub mod sessionize;
pub mod stream;

#[cfg(test)]
mod tests;
