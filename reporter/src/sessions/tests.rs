//! Table-driven tests of every session rule, on hits built by hand and passed through the real
//! Parquet encoding and decoder.

use bytes::Bytes;
use hitflow_schema::Hit;

use super::lookup::Lookup;
use super::session::{EndReason, Session};
use super::sessionize::{sessionize, Rules};
use super::stream::Sessionizer;
use crate::channels::ChannelRules;
use crate::config::{Config, SessionConfig};
use crate::scan::decode::{decode, merge};
use crate::scan::rows::{Row, Tables};

const T0: i64 = 1_764_320_400_000; // 2025-11-28T09:00:00Z
const MIN: i64 = 60_000;

fn pageview(at_min: i64, path: &str) -> Hit {
    Hit {
        ts: T0 + at_min * MIN,
        hit_id: (at_min as u64) * 1000 + path.len() as u64 + 1,
        site: "example.com".into(),
        event: "pageview".into(),
        visitor_id: 7,
        url_host: "example.com".into(),
        url_path: path.into(),
        device_type: "desktop".into(),
        ..Hit::default()
    }
}

fn with(mut hit: Hit, f: impl FnOnce(&mut Hit)) -> Hit {
    f(&mut hit);
    hit
}

fn event(at_min: i64, name: &str) -> Hit {
    with(pageview(at_min, "/"), |h| {
        h.event = name.into();
        h.hit_id += 500;
    })
}

fn beacon(at_min: i64, engaged_ms: u32) -> Hit {
    with(event(at_min, "engagement"), |h| {
        h.engaged_ms = Some(engaged_ms);
        h.hit_id += 77;
    })
}

fn rows_of(hits: &[Hit], config: &Config) -> (Vec<Row>, Tables, Lookup) {
    let mut tables = Tables::default();
    let mut lookup = Lookup::new(
        config,
        ChannelRules::from_config(&config.channels).unwrap(),
        &mut tables,
    )
    .unwrap();
    let file = decode(Bytes::from(hitflow_schema::write_parquet(hits).unwrap())).unwrap();
    let rows = merge(file, &mut tables);
    lookup.prepare(&rows, &mut tables, config);
    (rows, tables, lookup)
}

/// Sessions through the streaming sessionizer, fed as one partition and flushed.
fn sessions_with(hits: &[Hit], sessions: SessionConfig) -> (Vec<Session>, Tables, Lookup) {
    let config = Config {
        sessions,
        ..Config::default()
    };
    let (rows, tables, lookup) = rows_of(hits, &config);
    let mut stream = Sessionizer::new(Rules::from(&config.sessions));
    let mut out = stream.push(rows, None, &lookup);
    out.sort_by_key(|s| (s.is_bot, s.start));
    (out, tables, lookup)
}

fn sessions(hits: &[Hit]) -> Vec<Session> {
    sessions_with(hits, SessionConfig::default()).0
}

fn pageviews(sessions: &[Session]) -> Vec<u32> {
    sessions.iter().map(|s| s.pageviews).collect()
}

#[test]
fn inactivity_timeout_splits_only_after_more_than_30_minutes() {
    let cases: [(&[i64], &[u32]); 5] = [
        (&[0], &[1]),
        (&[0, 29, 58], &[3]),
        (&[0, 30], &[2]), // exactly the timeout is not "more than"
        (&[0, 31], &[1, 1]),
        (&[0, 10, 50, 55, 200], &[2, 2, 1]),
    ];
    for (minutes, want) in cases {
        let hits: Vec<Hit> = minutes.iter().map(|&m| pageview(m, "/")).collect();
        assert_eq!(pageviews(&sessions(&hits)), want, "{minutes:?}");
    }
    let custom = SessionConfig {
        inactivity_timeout_minutes: 10,
        ..SessionConfig::default()
    };
    let hits = [pageview(0, "/"), pageview(11, "/")];
    assert_eq!(pageviews(&sessions_with(&hits, custom).0), vec![1, 1]);
}

#[test]
fn maximum_length_cuts_long_sessions() {
    let hits: Vec<Hit> = (0..=12).map(|i| pageview(i * 10, "/")).collect(); // 2 h, every 10 min
    let one_hour = SessionConfig {
        max_length_hours: 1,
        ..SessionConfig::default()
    };
    let (out, ..) = sessions_with(&hits, one_hour);
    assert_eq!(pageviews(&out), vec![6, 6, 1]);
    assert_eq!(out[0].end_reason, EndReason::MaxLength);
    assert_eq!(pageviews(&sessions(&hits)), vec![13]);
}

#[test]
fn midnight_split_uses_the_site_time_zone() {
    // 22:50Z and 23:10Z are 23:50 and 00:10 in Berlin (CET): a local midnight in between.
    let at = |h: i64, m: i64| with(pageview(0, "/"), |x| x.ts = T0 - 9 * 60 * MIN + (h * 60 + m) * MIN);
    let hits = [at(22, 50), at(23, 10)];
    let mut config = Config::parse("[[sites]]\nname = \"example.com\"\ntimezone = \"Europe/Berlin\"").unwrap();
    for (split, want) in [(true, vec![1, 1]), (false, vec![2])] {
        config.sessions.split_at_midnight = split;
        let (rows, _t, lookup) = rows_of(&hits, &config);
        let mut out = Vec::new();
        let mut orphans = 0;
        sessionize(&rows, &Rules::from(&config.sessions), &lookup, &mut out, &mut orphans);
        assert_eq!(pageviews(&out), want, "split_at_midnight = {split}");
    }
    // In UTC the same hits are on one day: no split.
    let utc = SessionConfig {
        split_at_midnight: true,
        ..SessionConfig::default()
    };
    assert_eq!(pageviews(&sessions_with(&[at(22, 50), at(23, 10)], utc).0), vec![2]);
}

#[test]
fn source_change_splits_only_when_enabled_and_only_for_new_external_sources() {
    let campaign = |m: i64, c: &str| {
        with(pageview(m, "/landing"), |h| {
            h.utm_source = Some("newsletter".into());
            h.utm_medium = Some("email".into());
            h.utm_campaign = Some(c.into());
        })
    };
    let referred = |m: i64, host: &str| with(pageview(m, "/p"), |h| h.referrer_host = Some(host.into()));
    let on = SessionConfig {
        split_on_source_change: true,
        ..SessionConfig::default()
    };
    let cases: Vec<(&str, Vec<Hit>, Vec<u32>)> = vec![
        ("new campaign", vec![campaign(0, "a"), campaign(5, "b")], vec![1, 1]),
        (
            "same campaign again (reload)",
            vec![campaign(0, "a"), campaign(5, "a")],
            vec![2],
        ),
        (
            "external referrer",
            vec![pageview(0, "/"), referred(5, "google.com")],
            vec![1, 1],
        ),
        (
            "internal referrer",
            vec![pageview(0, "/"), referred(5, "example.com")],
            vec![2],
        ),
        (
            "payment gateway is excluded",
            vec![pageview(0, "/checkout"), referred(5, "paypal.com")],
            vec![2],
        ),
        ("direct return", vec![campaign(0, "a"), pageview(5, "/")], vec![2]),
    ];
    for (name, hits, want) in cases {
        assert_eq!(pageviews(&sessions_with(&hits, on.clone()).0), want, "{name}");
        assert_eq!(pageviews(&sessions(&hits)), vec![2], "{name}: off by default");
    }
}

#[test]
fn browser_close_marker_splits_when_enabled() {
    let entry = |m: i64| with(pageview(m, "/"), |h| h.entry = Some(true));
    let hits = [entry(0), pageview(3, "/a"), entry(5)];
    let on = SessionConfig {
        split_on_browser_close: true,
        ..SessionConfig::default()
    };
    let (out, ..) = sessions_with(&hits, on);
    assert_eq!(pageviews(&out), vec![2, 1]);
    assert_eq!(out[0].end_reason, EndReason::BrowserClose);
    assert_eq!(pageviews(&sessions(&hits)), vec![3]);
}

#[test]
fn bots_are_sessionized_apart_from_humans() {
    let bot = |m: i64| {
        with(pageview(m, "/"), |h| {
            h.is_bot = true;
            h.hit_id += 999;
        })
    };
    let out = sessions(&[pageview(0, "/"), bot(1), pageview(2, "/a"), bot(3)]);
    assert_eq!(out.len(), 2);
    assert!(!out[0].is_bot && out[0].pageviews == 2);
    assert!(out[1].is_bot && out[1].pageviews == 2);
}

#[test]
fn duration_uses_the_engagement_beacon_and_beacons_never_start_sessions() {
    // Landing, second page at +2 min visible for 90 s, then the tab is hidden at +40 min.
    let out = sessions(&[pageview(0, "/"), pageview(2, "/a"), beacon(40, 90_000)]);
    assert_eq!(out.len(), 1, "a late beacon belongs to its page");
    assert_eq!(out[0].duration_ms, 2 * MIN + 90_000);
    assert_eq!(out[0].engaged_ms, 90_000);
    // Without a beacon the duration is first to last hit.
    assert_eq!(sessions(&[pageview(0, "/"), pageview(2, "/a")])[0].duration_ms, 2 * MIN);
    // A beacon alone (its pageview was before the id rotated) is no session.
    let (out, ..) = sessions_with(&[beacon(0, 1000)], SessionConfig::default());
    assert!(out.is_empty());
}

#[test]
fn bounce_engagement_and_conversion_flags() {
    let config = Config::parse(
        "[[goals]]\nname = \"Signup\"\nevent = \"signup\"\n[[goals]]\nname = \"Thanks\"\npath = \"/thank-you*\"",
    )
    .unwrap();
    let run = |hits: &[Hit]| {
        let (rows, _t, lookup) = rows_of(hits, &config);
        let mut out = Vec::new();
        let mut orphans = 0;
        sessionize(&rows, &Rules::from(&config.sessions), &lookup, &mut out, &mut orphans);
        out.remove(0)
    };
    let single = run(&[pageview(0, "/")]);
    assert!(single.is_bounce() && !single.converted());
    let with_event = run(&[pageview(0, "/"), event(1, "outbound")]);
    assert!(!with_event.is_bounce(), "an interaction event is not a bounce");
    let with_beacon = run(&[pageview(0, "/"), beacon(1, 60_000)]);
    assert!(with_beacon.is_bounce(), "an engagement beacon is not an interaction");
    let signup = run(&[pageview(0, "/"), event(1, "signup")]);
    assert_eq!(signup.goals, 0b01);
    let thanks = run(&[pageview(0, "/"), pageview(1, "/thank-you/order")]);
    assert_eq!(thanks.goals, 0b10);
}

#[test]
fn duplicates_are_counted_once_and_row_order_does_not_matter() {
    let hits = vec![
        pageview(0, "/"),
        pageview(5, "/a"),
        pageview(5, "/a"),
        pageview(50, "/b"),
        pageview(52, "/c"),
    ];
    let summary = |hits: &[Hit]| {
        let (out, tables, _) = sessions_with(hits, SessionConfig::default());
        out.iter()
            .map(|s| {
                (
                    s.start,
                    s.pageviews,
                    s.duration_ms,
                    tables.str(s.landing).to_owned(),
                    tables.str(s.exit).to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    let forward = summary(&hits);
    assert_eq!(forward.iter().map(|s| s.1).collect::<Vec<_>>(), vec![2, 2]);
    let mut reversed = hits.clone();
    reversed.reverse();
    assert_eq!(summary(&reversed), forward);
}

#[test]
fn late_hits_in_a_later_partition_join_their_session() {
    let config = Config::default();
    let hits = [pageview(0, "/"), pageview(20, "/a"), pageview(45, "/b")];
    let (rows, _t, lookup) = rows_of(&hits, &config);
    let mut stream = Sessionizer::new(Rules::from(&config.sessions));
    // Partition 09:00 holds the first two hits; the 09:45 hit arrives in partition 11:00.
    let hour = 3_600_000;
    let mut out = stream.push(rows[..2].to_vec(), Some(T0), &lookup);
    out.extend(stream.push(Vec::new(), Some(T0 + hour), &lookup));
    assert!(out.is_empty(), "sessions stay open while late hits may arrive");
    out.extend(stream.push(rows[2..].to_vec(), Some(T0 + 2 * hour), &lookup));
    out.extend(stream.push(Vec::new(), None, &lookup));
    assert_eq!(pageviews(&out), vec![3]);
    assert_eq!(stream.stats.too_late_hits, 0);
    assert_eq!(stream.open_rows(), 0);
}

#[test]
fn hits_later_than_the_margin_are_counted_not_merged() {
    let config = Config::default();
    let (rows, _t, lookup) = rows_of(&[pageview(0, "/"), pageview(10, "/a")], &config);
    let mut stream = Sessionizer::new(Rules::from(&config.sessions));
    let hour = 3_600_000;
    let mut out = stream.push(rows[..1].to_vec(), Some(T0), &lookup);
    for h in 1..6 {
        out.extend(stream.push(Vec::new(), Some(T0 + h * hour), &lookup));
    }
    assert_eq!(out.len(), 1, "the visitor was finalized");
    out.extend(stream.push(rows[1..].to_vec(), Some(T0 + 6 * hour), &lookup));
    assert_eq!(stream.stats.too_late_hits, 1);
    assert_eq!(out.len(), 1);
}

#[test]
fn a_visitors_leading_beacon_starts_nothing_and_page_beacons_add_up() {
    // A beacon of a page seen under yesterday's id, then a real visit.
    let (out, ..) = sessions_with(&[beacon(0, 600_000), pageview(1, "/")], SessionConfig::default());
    assert_eq!(pageviews(&out), vec![1]);
    assert_eq!((out[0].start, out[0].engaged_ms), (T0 + MIN, 0));
    // One page visible 10 min, hidden, visible 10 more: two beacons, 20 min on the page.
    let out = sessions(&[pageview(0, "/"), beacon(10, 600_000), beacon(29, 600_000)]);
    assert_eq!(out[0].duration_ms, 20 * MIN);
    assert_eq!(out[0].engaged_ms, 1_200_000);
}
