use std::sync::OnceLock;

use chrono::{Datelike, Timelike};
use hitflow_schema::layout::Partition;
use rustc_hash::{FxHashMap, FxHashSet};

use super::catalog::{Catalog, Event, SourceKind};
use super::row::Row;
use super::*;

const FROM: Ymd = Ymd {
    year: 2026,
    month: 3,
    day: 2,
};

fn opts(days: u32, hits: u64, seed: u64, batch_hits: Option<usize>) -> GenerateOptions {
    GenerateOptions {
        from: FROM,
        days,
        hits,
        seed,
        batch_hits,
        ..GenerateOptions::default()
    }
}

fn run(o: &GenerateOptions) -> (Vec<GeneratedFile>, GenerateSummary) {
    let mut files = Vec::new();
    let summary = generate(o, &mut |f| {
        files.push(f);
        Ok(())
    })
    .expect("generation succeeds");
    (files, summary)
}

/// 120 000 hits over two days in the compacted layout, shared by the statistical tests.
fn big() -> &'static (Vec<GeneratedFile>, GenerateSummary) {
    static BIG: OnceLock<(Vec<GeneratedFile>, GenerateSummary)> = OnceLock::new();
    BIG.get_or_init(|| run(&opts(2, 120_000, 7, None)))
}

fn hits(files: &[GeneratedFile]) -> impl Iterator<Item = &Hit> {
    files.iter().flat_map(|f| f.hits.iter())
}

/// Human hits per (site, visitor), in time order, first copies only.
fn by_visitor(files: &[GeneratedFile]) -> FxHashMap<(&str, u64), Vec<&Hit>> {
    let mut seen = FxHashSet::default();
    let mut map: FxHashMap<(&str, u64), Vec<&Hit>> = FxHashMap::default();
    for h in hits(files).filter(|h| !h.is_bot) {
        if seen.insert(h.hit_id) {
            map.entry((h.site.as_str(), h.visitor_id)).or_default().push(h);
        }
    }
    for v in map.values_mut() {
        v.sort_by_key(|h| h.ts);
    }
    map
}

const MIN: i64 = 60_000;

#[test]
fn same_seed_same_files_other_seed_other_files() {
    let o = opts(2, 4_000, 11, Some(150));
    let (a, sa) = run(&o);
    let (b, sb) = run(&o);
    assert_eq!(a, b);
    assert_eq!(serde_json::to_string(&sa).ok(), serde_json::to_string(&sb).ok());
    let (c, _) = run(&GenerateOptions { seed: 12, ..o });
    assert_ne!(a, c);
}

#[test]
fn hit_totals_meet_the_target() {
    for (days, target, batch) in [
        (1, 0, None),
        (1, 1, None),
        (1, 500, None),
        (2, 5_000, Some(100)),
        (3, 30_000, None),
    ] {
        let (files, s) = run(&opts(days, target, 3, batch));
        let rows: u64 = files.iter().map(|f| f.hits.len() as u64).sum();
        assert_eq!(rows, s.hits);
        assert_eq!(s.hits - s.duplicate_hits, target, "first copies are exactly the target");
        assert!(s.hits.abs_diff(target) <= target / 100 + 1, "{} vs {target}", s.hits);
        assert!(files.iter().all(|f| !f.hits.is_empty()));
    }
}

#[test]
fn bad_options_are_errors() {
    let mut sink = |_: GeneratedFile| Ok(());
    for o in [
        GenerateOptions {
            sites: vec![],
            ..GenerateOptions::default()
        },
        GenerateOptions {
            sites: vec![" ".into()],
            ..GenerateOptions::default()
        },
        GenerateOptions {
            batch_hits: Some(0),
            ..GenerateOptions::default()
        },
        GenerateOptions {
            days: 0,
            ..GenerateOptions::default()
        },
    ] {
        assert!(generate(&o, &mut sink).is_err(), "{o:?}");
    }
    let failing = generate(&opts(1, 100, 1, None), &mut |_| Err("disk full".into()));
    assert!(failing.is_err());
}

#[test]
fn keys_layout_and_order() {
    let o = opts(2, 20_000, 5, Some(400));
    let (files, s) = run(&o);
    assert_eq!(s.files, files.len() as u64);
    let start = FROM.start_ms();
    let end = start + 2 * 86_400_000;
    let mut last: Option<(Partition, &str)> = None;
    for f in &files {
        let p = Partition::from_key(&f.key).unwrap_or_else(|| panic!("bad key {}", f.key));
        let id = f
            .key
            .rsplit('/')
            .next()
            .and_then(|n| n.strip_suffix(".parquet"))
            .unwrap_or("");
        assert_eq!(id.len(), 16, "{}", f.key);
        assert!(
            id.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c)),
            "{}",
            f.key
        );
        if let Some((lp, lk)) = last {
            assert!(lp < p || (lp == p && lk < f.key.as_str()), "{lk} before {}", f.key);
        }
        last = Some((p, &f.key));
        assert!(f.hits.len() <= 400);
        for h in &f.hits {
            assert!((start..end).contains(&h.ts), "ts {} outside the range", h.ts);
            let own = Partition::of_ts(h.ts);
            let next = Partition::of_ts(h.ts + 3_600_000);
            assert!(p == own || p == next, "{} holds a hit of {own:?}", f.key);
        }
    }
    // A retried copy sits in another batch of the same hour.
    let mut first: FxHashMap<u64, &str> = FxHashMap::default();
    let mut copies = 0;
    for f in &files {
        for h in &f.hits {
            if let Some(other) = first.insert(h.hit_id, &f.key) {
                assert_ne!(other, f.key);
                assert_eq!(Partition::from_key(other), Partition::from_key(&f.key));
                copies += 1;
            }
        }
    }
    assert!(copies > 0);
    assert_eq!(copies, s.duplicate_hits);
    // Several batches per busy hour, like the Queue consumer writes them.
    let per_partition = files
        .iter()
        .filter(|f| f.key.contains("date=2026-03-02/hour=10/"))
        .count();
    assert!(per_partition > 1);
}

#[test]
fn storage_realism_proportions() {
    let (files, s) = big();
    let n = s.hits as f64;
    let late = s.late_hits as f64 / n;
    let dup = s.duplicate_hits as f64 / n;
    let bot = s.bot_hits as f64 / n;
    assert!((0.002..0.01).contains(&late), "late {late}");
    assert!((0.0001..0.0015).contains(&dup), "duplicates {dup}");
    assert!((0.05..0.15).contains(&bot), "bots {bot}");

    let mut late_seen = 0;
    let mut first_file: FxHashMap<u64, &str> = FxHashMap::default();
    let mut dups = 0;
    for f in files {
        let p = Partition::from_key(&f.key).expect("key parses");
        for h in &f.hits {
            if Partition::of_ts(h.ts) != p {
                late_seen += 1;
            }
            if let Some(other) = first_file.insert(h.hit_id, &f.key) {
                assert_ne!(other, f.key, "a retried copy is in another file");
                dups += 1;
            }
        }
    }
    assert_eq!(dups, s.duplicate_hits);
    // Late hits plus retried copies that went to the next hour's file.
    assert!(late_seen >= s.late_hits && late_seen <= s.late_hits + s.duplicate_hits);
    assert_eq!(hits(files).filter(|h| h.is_bot).count() as u64, s.bot_hits);
    assert!(s.human_sessions_planned > 10_000);
    assert!(s.conversions > 100);
}

#[test]
fn visitor_ids_rotate_daily() {
    let (files, _) = big();
    let mut days: [FxHashSet<u64>; 2] = Default::default();
    let day0 = FROM.to_days();
    for h in hits(files) {
        let d = (Ymd::from_ts(h.ts).to_days() - day0) as usize;
        days[d].insert(h.visitor_id);
    }
    assert!(days[0].len() > 1_000 && days[1].len() > 1_000);
    assert_eq!(days[0].intersection(&days[1]).count(), 0);
    // Some people visit more than once a day.
    let multi = by_visitor(files)
        .values()
        .filter(|v| v.windows(2).any(|w| w[1].ts - w[0].ts > 30 * MIN))
        .count();
    assert!(multi > 100, "{multi}");
}

#[test]
fn every_source_kind_drives_sessions() {
    let (files, _) = big();
    let cat = Catalog::new(&GenerateOptions::default().sites).expect("the catalogue reads");
    let mut counts: FxHashMap<SourceKind, usize> = FxHashMap::default();
    for h in hits(files).filter(|h| h.is_pageview() && !h.is_bot) {
        let direct = h.referrer_host.is_none()
            && h.utm_source.is_none()
            && h.utm_medium.is_none()
            && h.click_id_kind.is_none()
            && h.ref_param.is_none();
        if direct {
            if h.entry == Some(true) {
                *counts.entry(SourceKind::Direct).or_default() += 1;
            }
            continue;
        }
        let matching = cat.sources.iter().find(|s| {
            s.kind != SourceKind::Direct
                && s.ref_host == h.referrer_host.as_deref()
                && s.utm_source == h.utm_source.as_deref()
                && s.utm_medium == h.utm_medium.as_deref()
                && s.utm_campaign == h.utm_campaign.as_deref()
                && s.click_id == h.click_id_kind.as_deref()
                && s.ref_param == h.ref_param.as_deref()
        });
        if let Some(s) = matching {
            *counts.entry(s.kind).or_default() += 1;
        }
    }
    for kind in SourceKind::ALL {
        assert!(
            counts.get(&kind).copied().unwrap_or(0) > 0,
            "no sessions from {kind:?}: {counts:?}"
        );
    }
    // UTMs only on landing hits: never on engagement beacons or events.
    assert!(hits(files)
        .filter(|h| !h.is_pageview())
        .all(|h| h.utm_source.is_none() && h.click_id_kind.is_none()));
}

#[test]
fn parquet_round_trip() {
    let (files, _) = run(&opts(1, 3_000, 9, Some(700)));
    assert!(files.len() > 4);
    for f in &files {
        let bytes = hitflow_schema::write_parquet(&f.hits).expect("encodes");
        let back = hitflow_schema::read_parquet(bytes).expect("decodes");
        assert_eq!(back, f.hits, "{}", f.key);
    }
}

#[test]
fn session_rule_exercisers_are_present() {
    let (files, _) = big();
    let visitors = by_visitor(files);
    let berlin: chrono_tz::Tz = chrono_tz::Europe::Berlin;
    let local_day = |ts: i64| chrono::DateTime::from_timestamp_millis(ts).map(|t| t.with_timezone(&berlin).ordinal());
    let (mut pause_20_29, mut gap_31_90, mut utm_mid_visit, mut reopen, mut midnight, mut marathon) =
        (0, 0, 0, 0, 0, 0);
    for ((site, _), v) in &visitors {
        let mut run_start = v[0].ts;
        for w in v.windows(2) {
            let gap = w[1].ts - w[0].ts;
            if (20 * MIN..30 * MIN).contains(&gap) {
                pause_20_29 += 1;
            }
            if (31 * MIN..=91 * MIN).contains(&gap) {
                gap_31_90 += 1;
            }
            if gap < 30 * MIN && w[1].is_pageview() && (w[1].utm_source.is_some() || w[1].click_id_kind.is_some()) {
                utm_mid_visit += 1;
            }
            if gap < 30 * MIN && w[1].entry == Some(true) {
                reopen += 1;
            }
            if *site == "example.com" && gap < 30 * MIN && local_day(w[0].ts) != local_day(w[1].ts) {
                midnight += 1;
            }
            if gap >= 30 * MIN {
                run_start = w[1].ts;
            } else if w[1].ts - run_start >= 2 * 3_600_000 {
                marathon += 1;
                run_start = i64::MAX / 2; // count each long session once
            }
        }
    }
    for (name, n) in [
        ("20-29 min pauses", pause_20_29),
        ("31-90 min returns", gap_31_90),
        ("campaign returns within 30 min", utm_mid_visit),
        ("browser reopened within 30 min", reopen),
        ("sessions over local midnight", midnight),
        ("sessions of several hours", marathon),
    ] {
        assert!(n > 0, "no {name}");
    }

    let all: Vec<&Hit> = hits(files).filter(|h| !h.is_bot).collect();
    let gateway = all
        .iter()
        .filter(|h| {
            h.url_path == "/thank-you"
                && matches!(h.referrer_host.as_deref(), Some("paypal.com" | "checkout.stripe.com"))
        })
        .count();
    assert!(gateway > 0, "no payment gateway round trips");
    let dead_landings = all
        .iter()
        .filter(|h| h.url_path == "/old-link" && h.entry == Some(true))
        .count();
    assert!(dead_landings > 0);
    assert!(all.iter().any(|h| h.url_path.contains("/#/")), "SPA hash routes");
    assert!(all.iter().any(|h| h.url_host.starts_with("www.")));
    // Internal referrers: the bare site host (the collector strips www.) and the previous path.
    assert!(all
        .iter()
        .any(|h| h.is_pageview() && h.referrer_host.as_deref() == Some(h.site.as_str()) && h.referrer_path.is_some()));
}

#[test]
fn events_and_their_fields() {
    let (files, _) = big();
    let all: Vec<&Hit> = hits(files).filter(|h| !h.is_bot).collect();
    for name in Event::ALL.map(Event::name) {
        assert!(all.iter().any(|h| h.event == name), "no {name} events");
    }
    for h in &all {
        match h.event.as_str() {
            "engagement" => assert!(h.engaged_ms.is_some() && h.scroll_depth.is_some_and(|d| d <= 100)),
            "purchase" => {
                assert!(h.revenue.is_some_and(|r| r > 0.0));
                assert!(matches!(h.currency.as_deref(), Some("EUR" | "USD")));
            }
            "signup" => assert!(h.props.as_deref().is_some_and(|p| p.contains("\"plan\""))),
            "error" => assert!(h.props.as_deref().is_some_and(|p| p.contains("\"message\""))),
            _ => assert!(h.revenue.is_none() && h.engaged_ms.is_none() && h.scroll_depth.is_none()),
        }
    }
    assert!(all.iter().any(|h| h.props.as_deref() == Some(r#"{"plan":"pro"}"#)));
    // Payment errors concentrate on Safari 17.
    let errors: Vec<&&Hit> = all
        .iter()
        .filter(|h| h.event == "error" && h.url_path == "/checkout/payment")
        .collect();
    let safari17 = errors
        .iter()
        .filter(|h| h.browser.as_deref() == Some("Safari") && h.browser_version.as_deref() == Some("17"))
        .count();
    assert!(
        errors.len() >= 5 && safari17 * 2 > errors.len(),
        "{safari17} of {}",
        errors.len()
    );
}

#[test]
fn bots_look_like_bots() {
    let (files, _) = big();
    let mut reasons: FxHashSet<&str> = FxHashSet::default();
    let mut monitor: FxHashMap<u64, Vec<i64>> = FxHashMap::default();
    for h in hits(files) {
        assert_eq!(h.is_bot, h.device_type == "bot");
        assert_eq!(h.is_bot, h.bot_reason.is_some());
        if let Some(r) = h.bot_reason.as_deref() {
            reasons.insert(r);
            if r == "ua:monitoring" && h.url_path == "/health" {
                monitor.entry(h.visitor_id).or_default().push(h.ts);
            }
        }
    }
    let want = [
        "ua:crawler",
        "ua:headless",
        "ua:monitoring",
        "ua:preview",
        "asn:datacenter",
        "cf:verified-bot",
    ];
    assert_eq!(reasons, want.into_iter().collect());
    // Checks at a fixed whole-minute interval (every minute once the volume allows, see below),
    // a second or two of jitter each.
    let checks = monitor.values_mut().max_by_key(|v| v.len()).expect("a /health monitor");
    checks.sort_unstable();
    checks.dedup();
    let interval = (checks[1] - checks[0] + 30_000) / MIN * MIN;
    assert!(
        checks.len() as i64 >= 86_400_000 / interval - 2,
        "{} checks a day",
        checks.len()
    );
    assert!(checks.windows(2).all(|w| (w[1] - w[0]).abs_diff(interval) <= 1_500));
}

#[test]
fn monitors_check_every_minute_at_realistic_volumes() {
    let cat = Catalog::new(&GenerateOptions::default().sites).expect("the catalogue reads");
    let mut rng = super::rng::Rng::new(1);
    // 10 M hits over two days: ~19 000 bot hits an hour.
    let monitors = super::bots::plan_monitors(&cat, 1, 19_000.0, &mut rng);
    assert_eq!(monitors.len(), 2);
    assert!(monitors.iter().all(|m| m.interval_ms == MIN));
    assert!(super::bots::plan_monitors(&cat, 1, 2.0, &mut rng).is_empty());
}

#[test]
fn devices_places_and_daily_rhythm() {
    let (files, _) = big();
    let views: Vec<&Hit> = hits(files).filter(|h| h.is_pageview() && !h.is_bot).collect();
    let share = |t: &str| views.iter().filter(|h| h.device_type == t).count() as f64 / views.len() as f64;
    assert!((0.35..0.55).contains(&share("desktop")), "desktop {}", share("desktop"));
    assert!((0.40..0.60).contains(&share("mobile")), "mobile {}", share("mobile"));
    assert!((0.02..0.08).contains(&share("tablet")), "tablet {}", share("tablet"));
    assert!(share("tv") > 0.0 && share("console") > 0.0);
    for h in &views {
        match (h.device_type.as_str(), h.screen_width) {
            ("mobile", Some(w)) => assert!(w < 500, "{h:?}"),
            ("desktop", Some(w)) => assert!(w >= 1024, "{h:?}"),
            _ => {}
        }
        assert!(h.country.is_some() && h.continent.is_some() && h.asn.is_some() && h.as_org.is_some());
    }
    assert!(views
        .iter()
        .any(|h| h.asn == Some(3320) && h.as_org.as_deref() == Some("Deutsche Telekom AG")));
    assert!(views.iter().any(|h| h.asn == Some(7922)));

    // Visits to the Berlin site start mostly in Berlin's daytime.
    let berlin: chrono_tz::Tz = chrono_tz::Europe::Berlin;
    let mut by_hour = [0u32; 24];
    for h in views
        .iter()
        .filter(|h| h.site == "example.com" && h.entry == Some(true))
    {
        if let Some(t) = chrono::DateTime::from_timestamp_millis(h.ts) {
            by_hour[t.with_timezone(&berlin).hour() as usize] += 1;
        }
    }
    assert!(by_hour[10] > 4 * by_hour[3], "{by_hour:?}");
    assert!(
        chrono::DateTime::from_timestamp_millis(FROM.start_ms()).is_some_and(|t| t.weekday() == chrono::Weekday::Mon)
    );
}

#[test]
fn buffered_rows_stay_small() {
    assert!(std::mem::size_of::<Row>() <= 64, "{}", std::mem::size_of::<Row>());
}

#[test]
fn scripted_bots_pass_as_browsers_and_leave_behaviour_behind() {
    let (files, _) = big();
    let human_flagged: Vec<&Hit> = hits(files).filter(|h| !h.is_bot).collect();
    let spoofed: Vec<&&Hit> = human_flagged
        .iter()
        .filter(|h| matches!(h.asn, Some(9009 | 60068 | 36007)))
        .collect();
    assert!(!spoofed.is_empty(), "no scripted bots from hosting networks");
    assert!(spoofed.iter().all(|h| h.bot_reason.is_none() && h.device_type != "bot"));
    assert!(
        spoofed.iter().any(|h| h.screen_width.is_some()),
        "replayers run the tracker"
    );
    let probes = ["/wp-login.php", "/.env", "/xmlrpc.php"];
    assert!(
        human_flagged.iter().any(|h| probes.contains(&h.url_path.as_str())),
        "no probers"
    );
}

/// A planted incident removes the visits it names on its day, and keeps the volume: search
/// landings on the page vanish that day only, the other days and the total stay as they were.
#[test]
fn an_incident_loses_the_visits_it_names() {
    const PAGE: &str = "/blog/privacy-first-analytics";
    let day2 = Ymd {
        year: 2026,
        month: 3,
        day: 3,
    };
    let base = GenerateOptions {
        sites: vec!["example.com".to_owned()],
        ..opts(2, 60_000, 9, None)
    };
    let incident = Incident {
        day: day2,
        source: "organic-search".to_owned(),
        landing: PAGE.to_owned(),
        lost: 1.0,
    };
    let planted = GenerateOptions {
        incident: Some(incident.clone()),
        ..base.clone()
    };
    // Search landings on PAGE per UTC day (a landing: a pageview referred by a search engine).
    let search_landings = |files: &[GeneratedFile]| {
        let mut per_day = [0u64; 2];
        for h in hits(files) {
            let from_search = h.referrer_host.as_deref().is_some_and(|r| {
                [
                    "google.",
                    "bing.com",
                    "duckduckgo.com",
                    "ecosia.org",
                    "yahoo.com",
                    "brave.com",
                    "startpage.com",
                ]
                .iter()
                .any(|e| r.contains(e))
            });
            if h.event == "pageview" && h.url_path == PAGE && from_search && !h.is_bot {
                per_day[usize::from(Ymd::from_ts(h.ts) == day2)] += 1;
            }
        }
        per_day
    };
    let (before, before_summary) = run(&base);
    let (after, summary) = run(&planted);
    let [day1_before, day2_before] = search_landings(&before);
    let [day1_after, day2_after] = search_landings(&after);
    assert!(day2_before >= 20, "the page gets search landings: {day2_before}");
    assert!(
        day2_after * 5 <= day2_before,
        "hardly any on the incident's day: {day2_before} → {day2_after}"
    );
    assert!(summary.visits_lost_to_incident >= day2_before / 2);
    let ratio = day1_after as f64 / day1_before as f64;
    assert!(
        (0.7..1.4).contains(&ratio),
        "the day before is untouched: {day1_before} → {day1_after}"
    );
    let total = summary.hits as f64 / before_summary.hits as f64;
    // The lost visits' hits are missing, not made up by other traffic.
    assert!((0.95..1.0).contains(&total), "only the lost hits are missing: {total}");

    for bad in [
        Incident {
            lost: 1.5,
            ..incident.clone()
        },
        Incident {
            source: "search".to_owned(),
            ..incident
        },
    ] {
        let options = GenerateOptions {
            incident: Some(bad),
            ..opts(1, 10, 1, None)
        };
        assert!(generate(&options, &mut |_| Ok(())).is_err());
    }
}
