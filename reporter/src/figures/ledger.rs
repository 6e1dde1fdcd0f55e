//! The bot ledger: what was kept out of the human figures and why. Collector-flagged sessions
//! (by their landing pageview's `bot_reason`) and suspected automation (`automation::Reason`),
//! by reason, AS organisation, country and the channel they would have counted in, plus each
//! channel's raw traffic so the automated share of every channel can be told. Current period
//! only.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use super::report::{label, top, top_rest, Rest};
use crate::automation::Reason;
use crate::rows::{Tables, CLIENT_AS_ORG, CLIENT_BOT_REASON, CLIENT_COUNTRY};
use crate::sessions::session::Session;

/// Sessions and hits of one ledger entry.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    pub sessions: u64,
    pub hits: u64,
}

impl Tally {
    fn add(&mut self, s: &Session) {
        self.sessions += 1;
        self.hits += u64::from(s.hits);
    }

    fn merge(&mut self, o: Tally) {
        self.sessions += o.sessions;
        self.hits += o.hits;
    }
}

/// Why a session is in the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Why {
    /// The collector's `bot_reason` (string id; 0 when the hit named none).
    Collector(u32),
    Automation(Reason),
}

#[derive(Debug, Default)]
pub struct LedgerAcc {
    pub reasons: FxHashMap<Why, Tally>,
    pub as_orgs: FxHashMap<u32, Tally>,
    pub countries: FxHashMap<u32, Tally>,
    /// Automated sessions by the channel they would have counted in.
    pub channels: FxHashMap<u32, Tally>,
    /// Every session of the channel, automated or not.
    pub raw_channels: FxHashMap<u32, Tally>,
}

impl LedgerAcc {
    /// Adds a current-period session that landed in `channel`.
    pub fn add(&mut self, s: &Session, channel: u32, tables: &Tables) {
        self.raw_channels.entry(channel).or_default().add(s);
        let why = match (s.is_bot, s.automation) {
            (true, _) => Why::Collector(tables.clients.get(s.client)[CLIENT_BOT_REASON]),
            (false, Some(reason)) => Why::Automation(reason),
            (false, None) => return,
        };
        let client = tables.clients.get(s.client);
        self.reasons.entry(why).or_default().add(s);
        self.as_orgs.entry(client[CLIENT_AS_ORG]).or_default().add(s);
        self.countries.entry(client[CLIENT_COUNTRY]).or_default().add(s);
        self.channels.entry(channel).or_default().add(s);
    }

    pub fn merge(&mut self, o: LedgerAcc) {
        fn tallies<K: std::hash::Hash + Eq>(into: &mut FxHashMap<K, Tally>, from: FxHashMap<K, Tally>) {
            for (k, v) in from {
                into.entry(k).or_default().merge(v);
            }
        }
        tallies(&mut self.reasons, o.reasons);
        tallies(&mut self.as_orgs, o.as_orgs);
        tallies(&mut self.countries, o.countries);
        tallies(&mut self.channels, o.channels);
        tallies(&mut self.raw_channels, o.raw_channels);
    }
}

/// `report.json`'s `bot_ledger` of a site.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct BotLedger {
    /// Suspected automation is kept out of the human figures (`[automation]
    /// exclude_from_human`); when false it is only flagged here. Collector bots always are.
    pub automation_kept_out: bool,
    /// Sessions and hits in the ledger, and their share of all (raw) sessions and hits.
    pub sessions: u64,
    pub hits: u64,
    pub session_share: f64,
    pub hit_share: f64,
    pub by_reason: Vec<LedgerRow>,
    pub by_as_org: Vec<LedgerRow>,
    pub by_country: Vec<LedgerRow>,
    pub by_channel: Vec<ChannelLedgerRow>,
    /// What the top-N networks and countries tables leave out, summed, so each table adds up to
    /// `sessions` and `hits`.
    #[serde(default)]
    pub others: LedgerOthers,
}

/// The left-out rows of the ledger's top-N tables (`None`: the table is complete).
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct LedgerOthers {
    pub by_as_org: Option<Rest<LedgerRow>>,
    pub by_country: Option<Rest<LedgerRow>>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LedgerRow {
    pub name: String,
    /// `collector` (the hit's `bot_reason`) or `automation` (a behaviour rule); reasons only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub kind: Option<String>,
    /// The ISO 3166 code behind a country's name; countries only.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    pub sessions: u64,
    pub hits: u64,
    /// Sessions / all ledger sessions.
    pub share: f64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ChannelLedgerRow {
    pub channel: String,
    /// Automated sessions and hits that would have counted in the channel.
    pub sessions: u64,
    pub hits: u64,
    /// Every session and hit of the channel, automated or not.
    pub raw_sessions: u64,
    pub raw_hits: u64,
    /// Automated / raw, by sessions and by hits.
    pub automated_session_share: f64,
    pub automated_hit_share: f64,
}

/// Exact, like every rate of `report.json`: rounded once where shown (`crate::present`).
fn ratio(n: u64, d: u64) -> f64 {
    if d == 0 {
        0.0
    } else {
        n as f64 / d as f64
    }
}

impl BotLedger {
    pub fn build(acc: &LedgerAcc, tables: &Tables, automation_kept_out: bool, n: usize) -> Self {
        let total = acc.reasons.values().fold(Tally::default(), |mut t, v| {
            t.merge(*v);
            t
        });
        let raw = acc.raw_channels.values().fold(Tally::default(), |mut t, v| {
            t.merge(*v);
            t
        });
        let row = |name: String, kind: Option<&str>, t: &Tally| LedgerRow {
            name,
            kind: kind.map(str::to_owned),
            code: None,
            sessions: t.sessions,
            hits: t.hits,
            share: ratio(t.sessions, total.sessions),
        };
        let by_reason = top(
            acc.reasons
                .iter()
                .map(|(why, t)| match *why {
                    Why::Collector(reason) => row(label(tables, reason), Some("collector"), t),
                    Why::Automation(reason) => row(reason.as_str().to_owned(), Some("automation"), t),
                })
                .collect(),
            usize::MAX,
            |r| (r.sessions, r.name.clone()),
        );
        // Top `n` by sessions (then name), the rest summed into one "Other" row.
        let ranked = |rows: Vec<LedgerRow>| {
            top_rest(
                rows,
                n,
                |r| (r.sessions, r.name.clone()),
                |tail| {
                    let t = tail.iter().fold(Tally::default(), |mut t, r| {
                        t.merge(Tally {
                            sessions: r.sessions,
                            hits: r.hits,
                        });
                        t
                    });
                    row("Other".into(), None, &t)
                },
            )
        };
        let (by_as_org, as_org_rest) = ranked(
            acc.as_orgs
                .iter()
                .map(|(&k, t)| row(label(tables, k), None, t))
                .collect(),
        );
        // Countries by their English name, the code kept beside it (as `report::country`).
        let (by_country, country_rest) = ranked(
            acc.countries
                .iter()
                .map(|(&k, t)| {
                    let code = label(tables, k);
                    let name = super::countries::name(&code).map_or_else(|| code.clone(), str::to_owned);
                    LedgerRow {
                        code: Some(code),
                        ..row(name, None, t)
                    }
                })
                .collect(),
        );
        let by_channel = top(
            acc.raw_channels
                .iter()
                .map(|(&channel, raw)| {
                    let automated = acc.channels.get(&channel).copied().unwrap_or_default();
                    ChannelLedgerRow {
                        channel: label(tables, channel),
                        sessions: automated.sessions,
                        hits: automated.hits,
                        raw_sessions: raw.sessions,
                        raw_hits: raw.hits,
                        automated_session_share: ratio(automated.sessions, raw.sessions),
                        automated_hit_share: ratio(automated.hits, raw.hits),
                    }
                })
                .collect(),
            usize::MAX,
            |r| (r.sessions, r.channel.clone()),
        );
        BotLedger {
            automation_kept_out,
            sessions: total.sessions,
            hits: total.hits,
            session_share: ratio(total.sessions, raw.sessions),
            hit_share: ratio(total.hits, raw.hits),
            by_reason,
            by_as_org,
            by_country,
            by_channel,
            others: LedgerOthers {
                by_as_org: as_org_rest,
                by_country: country_rest,
            },
        }
    }
}
