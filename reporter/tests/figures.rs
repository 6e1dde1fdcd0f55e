//! Figure definitions checked on a hand-built set of hits with known answers, through the whole
//! `reporter run` path (local store, Parquet decode, sessionizer, channels, report.json).

mod common;

use common::{hit, write_hits};
use hitflow_reporter::config::Config;
use hitflow_reporter::figures::report::Report;
use hitflow_reporter::run::{run, RunOptions};
use hitflow_reporter::store::Store;
use hitflow_schema::Hit;

const DAY: &str = "2025-11-28";
const T0: i64 = 1_764_320_400_000; // 2025-11-28T09:00:00Z
const MIN: i64 = 60_000;

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

#[tokio::test]
async fn hand_built_hits_give_the_documented_figures() {
    let dir = tempfile::tempdir().unwrap();
    let lake = dir.path().join("lake");
    write_hits(&lake, &hand_built());
    let config = Config::parse("[[goals]]\nname = \"Signup\"\nevent = \"signup\"").unwrap();
    let out = dir.path().join("out");
    let day = DAY.parse().unwrap();
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: day,
        to: day,
        out: out.clone(),
        strict: true,
        progress: false,
    };
    let outcome = run(store, &config, &options).await.unwrap();
    let report: Report = serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
    assert_eq!(report, outcome.report);
    let site = &report.sites[0];
    let t = &site.totals;
    assert_eq!((t.sessions, t.visitors, t.pageviews), (4, 4, 5));
    assert_eq!((t.bounces, t.bounce_rate), (2, 0.5));
    assert_eq!((t.engaged_sessions, t.engagement_rate), (3, 0.75));
    assert_eq!((t.conversions, t.converted_sessions, t.conversion_rate), (1, 1, 0.25));
    assert_eq!((t.human_hits, t.bot_hits), (8, 3));
    assert_eq!(t.bot_share, 0.2727);
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
