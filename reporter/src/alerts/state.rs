//! What has been alerted already, kept in the store beside the hits (`alerts/state.json`), so
//! an anomaly is mailed once however often the job runs, from whichever machine.
//!
//! An anomaly is identified by site, granularity and window, scope (channel or all traffic) and
//! direction: the same drop seen again by the next hourly run of the same day is not news, a
//! drop on the next day is. Entries older than `KEEP_DAYS` are dropped when the state is saved.

use std::collections::BTreeMap;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use crate::store::Store;

pub const STATE_KEY: &str = "alerts/state.json";
/// Windows are never judged again after this long; neither are their entries kept.
const KEEP_DAYS: i64 = 120;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AlertState {
    /// By anomaly key (`AlertState::key`): when it was first sent, RFC 3339.
    pub sent: BTreeMap<String, String>,
}

impl AlertState {
    pub fn key(site: &str, window_id: &str, scope: &str, direction: &str) -> String {
        // A site name cannot hold a `|` (the collector allows hostnames only); channel names
        // are the config's, and the key is only compared, never parsed.
        format!("{site}|{window_id}|{scope}|{direction}")
    }

    /// The stored state, or an empty one when there is none yet.
    pub async fn load(store: &Store) -> anyhow::Result<Self> {
        // A listing tells "not there yet" apart from a failed read on both backends.
        let listed = store.list(STATE_KEY).await.context("listing the alert state")?;
        if !listed.iter().any(|o| o.key == STATE_KEY) {
            return Ok(AlertState::default());
        }
        let bytes = store.get(STATE_KEY).await.context("reading the alert state")?;
        serde_json::from_slice(&bytes).with_context(|| format!("{STATE_KEY} in the store is not valid alert state"))
    }

    pub fn contains(&self, key: &str) -> bool {
        self.sent.contains_key(key)
    }

    pub fn record(&mut self, key: String, now: chrono::DateTime<chrono::Utc>) {
        self.sent.entry(key).or_insert_with(|| now.to_rfc3339());
    }

    /// Saves the state, without the entries older than `KEEP_DAYS`.
    pub async fn save(&mut self, store: &Store, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<()> {
        let horizon = now - chrono::Duration::days(KEEP_DAYS);
        self.sent
            .retain(|_, at| chrono::DateTime::parse_from_rfc3339(at).is_ok_and(|t| t >= horizon));
        let bytes = serde_json::to_vec_pretty(self)?;
        store
            .put(STATE_KEY, bytes.into(), "application/json")
            .await
            .context("writing the alert state")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn state_round_trips_and_forgets_old_entries() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().to_str().unwrap()).await.unwrap();
        let mut state = AlertState::load(&store).await.unwrap();
        assert_eq!(state, AlertState::default(), "no state yet");
        let now: chrono::DateTime<chrono::Utc> = "2026-11-27T06:00:00Z".parse().unwrap();
        let old = now - chrono::Duration::days(KEEP_DAYS + 1);
        let key = AlertState::key("example.com", "day:2026-11-26", "Direct", "drop");
        state.record(key.clone(), now);
        state.record("example.com|day:2026-07-01|Direct|drop".into(), old);
        // A second record keeps the first time.
        state.record(key.clone(), now + chrono::Duration::hours(1));
        state.save(&store, now).await.unwrap();
        let loaded = AlertState::load(&store).await.unwrap();
        assert_eq!(loaded.sent.len(), 1);
        assert!(loaded.contains(&key));
        assert_eq!(loaded.sent[&key], now.to_rfc3339());
        // A damaged state is an error, not a reset that would mail everything again.
        store
            .put(STATE_KEY, "{not json".into(), "application/json")
            .await
            .unwrap();
        assert!(AlertState::load(&store).await.is_err());
    }
}
