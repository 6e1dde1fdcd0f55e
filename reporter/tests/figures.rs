//! Figure definitions checked on a hand-built set of hits with known answers, through the whole
//! `reporter run` path (local store, Parquet decode, sessionizer, channels, report.json).

mod common;

use common::{hit, write_hits};
use hitflow_reporter::config::Config;
use hitflow_reporter::figures::report::Report;
use hitflow_reporter::run::{run, RunOptions, RunOutcome};
use hitflow_reporter::store::Store;
use hitflow_schema::time::{MS_PER_DAY, MS_PER_MINUTE};
use hitflow_schema::Hit;

const DAY: &str = "2025-11-28";
const T0: i64 = 1_764_320_400_000; // 2025-11-28T09:00:00Z
const MIN: i64 = MS_PER_MINUTE;

fn hand_built() -> Vec<Hit> {
    let v = |visitor: u64, at: i64, path: &str| hit(visitor, T0 + at * MIN, "pageview", path);
    let mut hits = vec![
        // 1: direct, two pages, engagement beacon.
        v(1, 0, "/"),
        v(1, 1, "/pricing"),
        Hit {
            engaged_ms: Some(120_000),
            ..hit(1, T0 + 3 * MIN, "engagement", "/pricing")
        },
        // 2: organic search, one page, nothing else: a bounce.
        Hit {
            referrer_host: Some("google.com".into()),
            ..v(2, 10, "/blog/a")
        },
        // 3: newsletter, signs up: converted.
        Hit {
            utm_source: Some("newsletter".into()),
            utm_medium: Some("email".into()),
            utm_campaign: Some("nov".into()),
            ..v(3, 20, "/")
        },
        hit(3, T0 + 21 * MIN, "signup", "/"),
        // 4: paid search click, stays 15 s on one page: a bounce, but engaged.
        Hit {
            click_id_kind: Some("gclid".into()),
            ..v(4, 30, "/pricing")
        },
        Hit {
            engaged_ms: Some(15_000),
            ..hit(4, T0 + 30 * MIN + 15_000, "engagement", "/pricing")
        },
        // 6: the previous day: counts only for the deltas.
        hit(6, T0 - 24 * 60 * MIN, "pageview", "/"),
    ];
    // 5: a crawler, three pages.
    for i in 0..3 {
        hits.push(Hit {
            is_bot: true,
            device_type: "bot".into(),
            bot_reason: Some("ua:crawler".into()),
            ..v(5, 40 + i, "/")
        });
    }
    hits
}

/// `reporter run --strict` over DAY on the hand-built hits; the folder holds the lake and `out/`.
async fn run_hand_built(config: &Config) -> (tempfile::TempDir, std::path::PathBuf, RunOutcome) {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_hits(&lake, &hand_built());
    let out = dir.path().join("out");
    let day = DAY.parse().unwrap();
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: day,
        to: day,
        out: out.clone(),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    let outcome = run(store, config, &options).await.unwrap();
    (dir, out, outcome)
}

#[tokio::test]
async fn hand_built_hits_give_the_documented_figures() {
    let config = Config::parse("[[goals]]\nname = \"Signup\"\nevent = \"signup\"").unwrap();
    let (_dir, out, outcome) = run_hand_built(&config).await;
    let report: Report = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report, outcome.report);
    let site = &report.sites[0];
    let t = &site.totals;
    assert_eq!((t.sessions, t.visitors, t.pageviews), (4, 4, 5));
    assert_eq!((t.bounces, t.bounce_rate), (2, 0.5));
    assert_eq!((t.engaged_sessions, t.engagement_rate), (3, 0.75));
    assert_eq!((t.conversions, t.converted_sessions, t.conversion_rate), (1, 1, 0.25));
    assert_eq!((t.human_hits, t.bot_hits), (8, 3));
    // Exact in report.json: rates are rounded once, where they are shown.
    assert_eq!(t.bot_share, 3.0 / 11.0);
    assert_eq!(t.pages_per_session, 1.25);
    // Durations: 3 min (beacon caps the last page at 2 min after /pricing), 0, 1 min, 15 s.
    assert_eq!(t.avg_duration_s, (180.0 + 0.0 + 60.0 + 15.0) / 4.0);
    assert_eq!(t.median_duration_s, 60.0);
    assert_eq!(site.previous.sessions, 1);
    assert_eq!(site.deltas.sessions, Some(3.0));

    let channel = |name: &str| {
        site.channels
            .iter()
            .find(|c| c.channel == name)
            .unwrap_or_else(|| panic!("no {name}"))
    };
    for name in ["Direct", "Organic Search", "Email", "Paid Search"] {
        assert_eq!(channel(name).figures.sessions, 1, "{name}");
    }
    assert_eq!(channel("Direct").figures.bot_hits, 3);
    assert_eq!(channel("Paid Search").figures.engaged_sessions, 1);
    assert_eq!(channel("Email").figures.conversions, 1);
    assert_eq!(site.goals[0].conversions, 1);
    assert_eq!(site.landing_pages.iter().map(|l| l.sessions).sum::<u64>(), 4);
    let pricing_exit = site.exit_pages.iter().find(|e| e.path == "/pricing").unwrap();
    assert_eq!(
        (pricing_exit.exits, pricing_exit.pageviews, pricing_exit.exit_rate),
        (2, 2, 1.0)
    );
    assert_eq!(site.user_flow[0].from, "/");
    assert_eq!(site.user_flow[0].to, "/pricing");
    assert_eq!(outcome.sessions_written, 4);
}

/// Reads `sessions.parquet` with arrow-rs: the file is written with hitflow's own dictionary
/// encoder, so it is checked through an independent reader.
fn read_sessions(path: &std::path::Path) -> Vec<arrow_array::RecordBatch> {
    let bytes = bytes::Bytes::from(std::fs::read(path).unwrap());
    parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes)
        .unwrap()
        .build()
        .unwrap()
        .map(|b| b.unwrap())
        .collect()
}

fn strings(batches: &[arrow_array::RecordBatch], column: &str) -> Vec<Option<String>> {
    use arrow_array::cast::AsArray;
    batches
        .iter()
        .flat_map(|b| {
            let array = b.column_by_name(column).unwrap().as_string::<i32>().clone();
            (0..array.len())
                .map(|i| (!array.is_null(i)).then(|| array.value(i).to_owned()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn numbers<T: arrow_array::ArrowPrimitiveType>(batches: &[arrow_array::RecordBatch], column: &str) -> Vec<T::Native> {
    use arrow_array::cast::AsArray;
    batches
        .iter()
        .flat_map(|b| b.column_by_name(column).unwrap().as_primitive::<T>().values().to_vec())
        .collect()
}

use arrow_array::Array;

#[tokio::test]
async fn sessions_table_holds_the_reported_sessions() {
    use arrow_array::types::{UInt32Type, UInt64Type};
    let (_dir, out, _) = run_hand_built(&Config::default()).await;
    let batches = read_sessions(&out.join("sessions.parquet"));
    type SessionRow = (u64, Option<String>, Option<String>, Option<String>, u32);
    let mut rows: Vec<SessionRow> = numbers::<UInt64Type>(&batches, "visitor_id")
        .into_iter()
        .zip(strings(&batches, "landing_page"))
        .zip(strings(&batches, "channel"))
        .zip(strings(&batches, "end_reason"))
        .zip(numbers::<UInt32Type>(&batches, "pageviews"))
        .map(|((((v, landing), channel), reason), pages)| (v, landing, channel, reason, pages))
        .collect();
    rows.sort();
    let s = |v: &str| Some(v.to_owned());
    assert_eq!(
        rows,
        vec![
            (1, s("/"), s("Direct"), s("inactivity"), 2),
            (2, s("/blog/a"), s("Organic Search"), s("inactivity"), 1),
            (3, s("/"), s("Email"), s("inactivity"), 1),
            (4, s("/pricing"), s("Paid Search"), s("inactivity"), 1),
        ]
    );
    assert_eq!(
        strings(&batches, "campaign").iter().flatten().collect::<Vec<_>>(),
        vec!["nov"]
    );
    assert_eq!(strings(&batches, "country"), vec![s("DE"); 4]);
}

#[tokio::test]
async fn sessions_table_agrees_with_the_report_on_generated_traffic() {
    use arrow_array::types::{TimestampMillisecondType, UInt32Type, UInt64Type};
    use hitflow_generator::{generate, GenerateOptions};
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    let opts = GenerateOptions {
        from: hitflow_schema::layout::Ymd {
            year: 2026,
            month: 3,
            day: 2,
        },
        days: 4,
        hits: 60_000,
        batch_hits: Some(2_000),
        ..GenerateOptions::default()
    };
    generate(&opts, &mut |file| {
        let path = lake.join(&file.key);
        std::fs::create_dir_all(path.parent().unwrap())?;
        std::fs::write(path, hitflow_schema::write_parquet(&file.hits)?)?;
        Ok(())
    })
    .unwrap();
    let out = dir.path().join("out");
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: "2026-03-03".parse().unwrap(),
        to: "2026-03-04".parse().unwrap(),
        out: out.clone(),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    let outcome = run(store, &Config::default(), &options).await.unwrap();
    let report = outcome.report;
    let batches = read_sessions(&out.join("sessions.parquet"));
    let sites = strings(&batches, "site");
    let channels = strings(&batches, "channel");
    let pageviews = numbers::<UInt32Type>(&batches, "pageviews");
    let visitors = numbers::<UInt64Type>(&batches, "visitor_id");
    let starts = numbers::<TimestampMillisecondType>(&batches, "start");
    assert_eq!(sites.len() as u64, outcome.sessions_written);
    assert!(sites.len() > 1000, "a real sample: {} sessions", sites.len());
    for site in &report.sites {
        let of_site: Vec<usize> = (0..sites.len())
            .filter(|&i| sites[i].as_deref() == Some(site.site.as_str()))
            .collect();
        assert_eq!(of_site.len() as u64, site.totals.sessions, "{}", site.site);
        let views: u64 = of_site.iter().map(|&i| u64::from(pageviews[i])).sum();
        assert_eq!(views, site.totals.pageviews, "{}", site.site);
        let daily_unique: std::collections::HashSet<(u64, i64)> = of_site
            .iter()
            .map(|&i| (visitors[i], starts[i].div_euclid(MS_PER_DAY)))
            .collect();
        assert_eq!(daily_unique.len() as u64, site.totals.visitors, "{}", site.site);
        for channel in &site.channels {
            let n = of_site
                .iter()
                .filter(|&&i| channels[i].as_deref() == Some(channel.channel.as_str()))
                .count() as u64;
            assert_eq!(n, channel.figures.sessions, "{} {}", site.site, channel.channel);
        }
        // Scroll depth: the generator's beacons carry one, so pages and channels get a median
        // over no more page views than they have; the site's counts every page view with one.
        assert!(
            site.scroll.scroll_depth_page_views > 0 && site.scroll.scroll_depth_page_views <= site.totals.pageviews
        );
        assert!(site
            .scroll
            .median_scroll_depth
            .is_some_and(|m| (0.0..=100.0).contains(&m)));
        let by_channel: u64 = site.channels.iter().map(|c| c.scroll.scroll_depth_page_views).sum();
        assert_eq!(by_channel, site.scroll.scroll_depth_page_views, "{}", site.site);
        for page in &site.top_pages {
            assert!(page.scroll.scroll_depth_page_views <= page.pageviews, "{}", page.path);
            assert_eq!(
                page.scroll.median_scroll_depth.is_some(),
                page.scroll.scroll_depth_page_views > 0
            );
        }
    }
    let reasons: std::collections::BTreeSet<String> = strings(&batches, "end_reason").into_iter().flatten().collect();
    assert!(reasons
        .iter()
        .all(|r| ["inactivity", "max_length", "midnight", "source_change", "browser_close"].contains(&r.as_str())));
}

/// A stored revenue no collector accepts (a file written by other tools or damaged) is a bad row:
/// counted in `input.bad_rows`, its hit left out, never summed into `null`, "inf" or 1e308.
#[tokio::test]
async fn non_finite_or_absurd_revenue_is_a_bad_row_never_summed() {
    let purchase = |visitor: u64, revenue: f64| Hit {
        revenue: Some(revenue),
        currency: Some("EUR".into()),
        ..hit(visitor, T0 + 2 * MIN, "purchase", "/checkout")
    };
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 1e308, -1e13, 1e12 + 1.0];
    let mut hits = hand_built();
    hits.push(purchase(1, 49.5));
    hits.push(purchase(3, hitflow_schema::MAX_REVENUE_ABS)); // the bound itself is valid
    hits.extend(bad.iter().map(|&r| purchase(2, r)));
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_hits(&lake, &hits);
    let day = DAY.parse().unwrap();
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: day,
        to: day,
        out: dir.path().join("out"),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    let outcome = run(store, &Config::default(), &options).await.unwrap();
    let report = &outcome.report;
    assert_eq!(report.input.bad_rows, bad.len() as u64);
    assert_eq!(report.input.hits_read, (hits.len() - bad.len()) as u64);
    let site = &report.sites[0];
    assert_eq!(site.totals.revenue, 1e12 + 49.5);
    assert!(site.channels.iter().all(|c| c.figures.revenue.is_finite()));
    // The rest of the figures are those of the hand-built hits (plus two purchases).
    assert_eq!(site.totals.sessions, 4);
    let json = std::fs::read_to_string(dir.path().join("out/report.json")).unwrap();
    assert!(
        json.contains("\"bad_rows\": 6") || json.contains("\"bad_rows\":6"),
        "{json}"
    );
}
