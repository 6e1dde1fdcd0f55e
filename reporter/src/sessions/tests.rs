//! Table-driven tests of every session rule, on hits built by hand and passed through the real
//! Parquet encoding and decoder.

use bytes::Bytes;
use hitflow_schema::time::{MS_PER_HOUR, MS_PER_MINUTE, MS_PER_SECOND};
use hitflow_schema::Hit;

use super::lookup::Lookup;
use super::session::{EndReason, PageView, Session};
use super::sessionize::{sessionize, Rules};
use super::stream::{Sessionizer, LATE_PARTITIONS};
use crate::config::{Config, SessionConfig};
use crate::rows::{Row, Tables, SHARDS};
use crate::scan::decode::{decode, Projection};

const T0: i64 = 1_764_320_400_000; // 2025-11-28T09:00:00Z
const MIN: i64 = MS_PER_MINUTE;

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

/// Hits through the real Parquet encoding and decoder, as rows with global ids in sort order.
fn rows_of(hits: &[Hit], config: &Config) -> (Vec<Row>, Tables, Lookup) {
    let mut tables = Tables::default();
    let mut lookup = Lookup::new(config, &mut tables).unwrap();
    let file = decode(encode(hits), Projection::ALL).unwrap();
    let mut rows = file.into_global_rows(&mut tables);
    rows.sort_by_key(Row::order_key);
    lookup.prepare(&mut tables);
    (rows, tables, lookup)
}

fn encode(hits: &[Hit]) -> Bytes {
    Bytes::from(hitflow_schema::write_parquet(hits).unwrap())
}

/// A streaming sessionizer over hits added file by file, with the tables it needs.
struct Stream {
    sessionizer: Sessionizer,
    tables: Tables,
    lookup: Lookup,
    out: Vec<Session>,
}

impl Stream {
    fn new(config: Config) -> Self {
        let mut tables = Tables::default();
        let lookup = Lookup::new(&config, &mut tables).unwrap();
        Stream {
            sessionizer: Sessionizer::new(Rules::from(&config.sessions), i64::MIN..i64::MAX),
            tables,
            lookup,
            out: Vec::new(),
        }
    }

    /// Adds the hits as one file.
    fn add(&mut self, hits: &[Hit]) {
        if hits.is_empty() {
            return;
        }
        let file = decode(encode(hits), Projection::ALL).unwrap();
        self.sessionizer.add(file.merge(&mut self.tables));
        self.lookup.prepare(&mut self.tables);
    }

    /// Pushes as after loading the partition that starts at `partition_start` (`None`: the end).
    fn push(&mut self, partition_start: Option<i64>) -> usize {
        let hour = MS_PER_HOUR;
        let complete = partition_start.map(|start| start + hour - LATE_PARTITIONS * hour);
        let mut sinks: Vec<Vec<(Session, Vec<u32>)>> = (0..SHARDS).map(|_| Vec::new()).collect();
        self.sessionizer.push(complete, &self.lookup, &mut sinks);
        let before = self.out.len();
        self.out.extend(sinks.into_iter().flatten().map(|(s, _)| s));
        self.out.len() - before
    }
}

/// Sessions through the streaming sessionizer, fed as one file and flushed.
fn sessions_with(hits: &[Hit], sessions: SessionConfig) -> (Vec<Session>, Tables, Lookup) {
    let config = Config {
        sessions,
        ..Config::default()
    };
    let mut stream = Stream::new(config);
    stream.add(hits);
    stream.push(None);
    let mut out = stream.out;
    out.sort_by_key(|s| (s.is_bot, s.start));
    (out, stream.tables, stream.lookup)
}

fn sessions(hits: &[Hit]) -> Vec<Session> {
    sessions_with(hits, SessionConfig::default()).0
}

/// Sessions of one visitor's hits, straight through `sessionize`.
fn sessionize_rows(rows: &[Row], config: &Config, lookup: &Lookup) -> Vec<Session> {
    let mut out: Vec<(Session, Vec<u32>)> = Vec::new();
    let (mut pages, mut orphans) = (Vec::new(), 0);
    sessionize(
        rows,
        &Rules::from(&config.sessions),
        lookup,
        &mut pages,
        &mut out,
        &mut orphans,
    );
    out.into_iter().map(|(s, _)| s).collect()
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
        let out = sessionize_rows(&rows, &config, &lookup);
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
    let (out, ..) = sessions_with(&[beacon(0, MS_PER_SECOND as u32)], SessionConfig::default());
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
        sessionize_rows(&rows, &config, &lookup).remove(0)
    };
    let single = run(&[pageview(0, "/")]);
    assert!(single.is_bounce() && !single.converted());
    let with_event = run(&[pageview(0, "/"), event(1, "outbound")]);
    assert!(!with_event.is_bounce(), "an interaction event is not a bounce");
    let with_beacon = run(&[pageview(0, "/"), beacon(1, MS_PER_MINUTE as u32)]);
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
    let hits = [pageview(0, "/"), pageview(20, "/a"), pageview(45, "/b")];
    let mut stream = Stream::new(Config::default());
    // Partition 09:00 holds the first two hits; the 09:45 hit arrives in partition 11:00.
    let hour = MS_PER_HOUR;
    stream.add(&hits[..2]);
    stream.push(Some(T0));
    stream.push(Some(T0 + hour));
    assert!(stream.out.is_empty(), "sessions stay open while late hits may arrive");
    stream.add(&hits[2..]);
    stream.push(Some(T0 + 2 * hour));
    stream.push(None);
    assert_eq!(pageviews(&stream.out), vec![3]);
    assert_eq!(stream.sessionizer.stats.too_late_hits, 0);
    assert_eq!(stream.sessionizer.open_rows(), 0);
}

#[test]
fn hits_later_than_the_margin_are_counted_not_merged() {
    let hits = [pageview(0, "/"), pageview(10, "/a")];
    let mut stream = Stream::new(Config::default());
    let hour = MS_PER_HOUR;
    stream.add(&hits[..1]);
    stream.push(Some(T0));
    for h in 1..6 {
        stream.push(Some(T0 + h * hour));
    }
    assert_eq!(stream.out.len(), 1, "the visitor was finalized");
    stream.add(&hits[1..]);
    stream.push(Some(T0 + 6 * hour));
    assert_eq!(stream.sessionizer.stats.too_late_hits, 1);
    assert_eq!(stream.out.len(), 1);
}

#[test]
fn a_days_groups_close_when_the_day_is_complete() {
    // 23:50Z: within the timeout of the time by which all hits have arrived, but the visitor
    // id cannot get hits after midnight, so the session is final once the day is complete.
    let late_evening = with(pageview(0, "/"), |h| h.ts = T0 - 9 * 60 * MIN + (23 * 60 + 50) * MIN);
    let midnight = T0 - 9 * 60 * MIN + 24 * 60 * MIN;
    let hour = MS_PER_HOUR;
    let mut stream = Stream::new(Config::default());
    stream.add(&[late_evening]);
    stream.push(Some(midnight)); // everything before 23:00 has arrived
    assert!(stream.out.is_empty());
    stream.push(Some(midnight + hour)); // everything before 00:00 has arrived
    assert_eq!(stream.out.len(), 1);
}

#[test]
fn sessions_do_not_depend_on_how_the_hits_are_cut_into_files_and_pushes() {
    // Three visitors over five hours, with returns after long gaps and a duplicate.
    let mut hits = Vec::new();
    for (visitor, minutes) in [
        (7u64, [0, 20, 100, 130, 280]),
        (8, [5, 6, 7, 200, 201]),
        (9, [50, 51, 52, 53, 290]),
    ] {
        for m in minutes {
            hits.push(with(pageview(m, "/p"), |h| {
                h.visitor_id = visitor;
                h.hit_id = visitor * 10_000 + m as u64;
            }));
        }
    }
    hits.push(hits[3].clone());
    let summary = |sessions: &mut Vec<Session>| {
        sessions.sort_by_key(|s| (s.visitor, s.start));
        sessions
            .iter()
            .map(|s| (s.visitor, s.start, s.pageviews, s.duration_ms, s.end_reason))
            .collect::<Vec<_>>()
    };
    let mut all_at_once = sessions(&hits);
    let expected = summary(&mut all_at_once);
    let hour = MS_PER_HOUR;
    let mut stream = Stream::new(Config::default());
    for h in 0..6 {
        let in_hour: Vec<Hit> = hits
            .iter()
            .filter(|x| (x.ts - T0).div_euclid(hour) == h)
            .cloned()
            .collect();
        stream.add(&in_hour);
        stream.push(Some(T0 + h * hour));
    }
    stream.push(None);
    assert_eq!(summary(&mut stream.out), expected);
    assert_eq!(stream.sessionizer.stats.duplicate_hits, 1);
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

#[test]
fn automation_rules_see_sessions_through_parquet() {
    use crate::automation::Reason;
    let sec = |at_sec: i64, path: &str| {
        with(pageview(0, path), |h| {
            h.ts = T0 + at_sec * MS_PER_SECOND;
            h.hit_id = at_sec as u64 * 10 + 1;
            h.screen_width = Some(1280);
        })
    };
    let from_hosting = |mut hits: Vec<Hit>| {
        for h in &mut hits {
            h.as_org = Some("DigitalOcean, LLC".into());
        }
        hits
    };
    let pixel = |mut hits: Vec<Hit>| {
        for h in &mut hits {
            h.screen_width = None;
        }
        hits
    };
    let quick: Vec<Hit> = (0..12).map(|i| sec(i, &format!("/p{i}"))).collect();
    let paced: Vec<Hit> = (0..12).map(|i| sec(i * 30, &format!("/p{i}"))).collect();
    let three: Vec<Hit> = (0..3).map(|i| sec(i * 30, &format!("/p{i}"))).collect();
    let mut three_with_beacon = three.clone();
    three_with_beacon.push(with(beacon(2, 4_000), |h| h.as_org = Some("DigitalOcean, LLC".into())));
    let table: [(&str, Vec<Hit>, Option<Reason>); 7] = [
        ("12 pages a second apart", quick, Some(Reason::FastPages)),
        ("12 pages half a minute apart", paced, None),
        (
            "only probe paths",
            vec![sec(0, "/wp-login.php"), sec(1, "/.env"), sec(2, "/xmlrpc.php")],
            Some(Reason::ProbePaths),
        ),
        (
            "a probe then a real page",
            vec![sec(0, "/wp-admin/"), sec(60, "/")],
            None,
        ),
        (
            "hosting, tracker, no beacon",
            from_hosting(three.clone()),
            Some(Reason::HostingNoBeacon),
        ),
        ("hosting, pixel hits", pixel(from_hosting(three.clone())), None),
        ("hosting with a beacon", from_hosting(three_with_beacon), None),
    ];
    for (case, hits, want) in table {
        let got: Vec<_> = sessions(&hits).iter().map(|s| s.automation).collect();
        assert_eq!(got, vec![want], "{case}");
    }
}

/// Page views with their paths and depths, straight through `sessionize`.
fn page_views(hits: &[Hit], bytes: Option<Bytes>) -> Vec<(String, Option<u8>)> {
    let config = Config::default();
    let mut tables = Tables::default();
    let mut lookup = Lookup::new(&config, &mut tables).unwrap();
    let file = decode(bytes.unwrap_or_else(|| encode(hits)), Projection::ALL).unwrap();
    let mut rows = file.into_global_rows(&mut tables);
    rows.sort_by_key(Row::order_key);
    lookup.prepare(&mut tables);
    let mut out: Vec<(Session, Vec<PageView>)> = Vec::new();
    let (mut pages, mut orphans) = (Vec::new(), 0);
    sessionize(
        &rows,
        &Rules::from(&config.sessions),
        &lookup,
        &mut pages,
        &mut out,
        &mut orphans,
    );
    out.iter()
        .flat_map(|(_, pages)| pages.iter().map(|p| (tables.str(p.path).to_owned(), p.scroll)))
        .collect()
}

/// A page view's scroll depth is the deepest its beacons report (capped at 100); a beacon that
/// arrives after the next page view still counts for its own page; a page view without a beacon
/// has none, and so has every page view of a file written before the column existed.
#[test]
fn page_views_take_the_deepest_scroll_of_their_beacons() {
    let scrolled = |at_min: i64, path: &str, depth: u32| {
        with(beacon(at_min, 1_000), |h| {
            h.url_path = path.into();
            h.scroll_depth = Some(depth);
        })
    };
    let hits = [
        pageview(0, "/a"),
        scrolled(1, "/a", 40),
        scrolled(2, "/a", 75), // hidden and shown again: the deeper report counts
        pageview(3, "/b"),
        scrolled(3, "/a", 60),  // /a's last beacon, stored just after /b's page view
        scrolled(4, "/b", 130), // only a damaged file holds more than 100
        pageview(5, "/c"),      // left without a beacon
        with(beacon(6, 1_000), |h| h.url_path = "/c".into()), // a beacon without a depth
    ];
    let want = vec![
        ("/a".to_owned(), Some(75)),
        ("/b".to_owned(), Some(100)),
        ("/c".to_owned(), None),
    ];
    assert_eq!(page_views(&hits, None), want);

    // The same hits in a file of schema version 1: no `scroll_depth` column.
    let batch = hitflow_schema::columns::to_record_batch(&hits).unwrap();
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| batch.schema().field(i).name() != hitflow_schema::columns::names::scroll_depth)
        .collect();
    let batch = batch.project(&keep).unwrap();
    let mut old = Vec::new();
    let mut writer = parquet::arrow::ArrowWriter::try_new(&mut old, batch.schema(), None).unwrap();
    writer.write(&batch).unwrap();
    writer.close().unwrap();
    let none = page_views(&hits, Some(Bytes::from(old)));
    assert_eq!(
        none,
        vec![
            ("/a".to_owned(), None),
            ("/b".to_owned(), None),
            ("/c".to_owned(), None)
        ]
    );
}
