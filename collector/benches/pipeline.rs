//! Native throughput of the collector's per-hit work: body validation, URL/referrer/UTM parsing,
//! device and bot detection, visitor id, and the Parquet encoding of 100-hit batches (what the
//! Queue consumer does). Single-threaded, so the figure is hits/s per core.
//!
//!   cargo bench -p hitflow-collector --bench pipeline

use std::hint::black_box;
use std::time::Instant;

use hitflow_collector::enrich::device::ClientHints;
use hitflow_collector::enrich::geo::Geo;
use hitflow_collector::payload::parse_event_body;
use hitflow_collector::pipeline::{build_hit, RequestContext};
use hitflow_collector::visitor::Salt;

const UAS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];

fn bodies() -> Vec<Vec<u8>> {
    let urls = [
        "https://example.com/pricing?utm_source=newsletter&utm_medium=email&utm_campaign=nov&email=x%40y.z",
        "https://example.com/blog/privacy-first-analytics",
        "https://example.com/?gclid=abc123&utm_source=google&utm_medium=cpc",
        "https://example.com/docs/install#/step-2",
    ];
    let referrers = [
        "https://www.google.com/search?q=analytics",
        "",
        "https://news.ycombinator.com/item?id=1",
        "https://example.com/",
    ];
    (0..64)
        .map(|i| {
            let name = if i % 5 == 0 { "signup" } else { "pageview" };
            format!(
                r#"{{"site":"example.com","name":"{name}","url":"{}","referrer":"{}","screen_width":1280,"props":{{"plan":"pro"}}}}"#,
                urls[i % urls.len()],
                referrers[i % referrers.len()]
            )
            .into_bytes()
        })
        .collect()
}

fn main() {
    let bodies = bodies();
    let salt = Salt([9; 16]);
    let geo = Geo {
        country: Some("DE".into()),
        city: Some("Berlin".into()),
        asn: Some(3320),
        colo: Some("FRA".into()),
        ..Geo::default()
    };
    let hints = ClientHints::default();
    let n = 400_000usize;
    let mut batch = Vec::with_capacity(100);
    let mut encoded_bytes = 0usize;
    let started = Instant::now();
    for i in 0..n {
        let payload = parse_event_body(&bodies[i % bodies.len()]).expect("valid body");
        let ip = format!("198.51.100.{}", i % 251);
        let ctx = RequestContext {
            now_ms: 1_764_320_400_000 + i as i64,
            ip: &ip,
            user_agent: UAS[i % UAS.len()],
            hints,
            accept_language: Some("en"),
            sec_purpose: None,
            geo: geo.clone(),
        };
        batch.push(build_hit(payload, &ctx, &salt, i as u64).expect("valid hit"));
        if batch.len() == 100 {
            encoded_bytes += hitflow_schema::write_parquet(black_box(&batch)).expect("encodes").len();
            batch.clear();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "collector native pipeline: {n} hits in {secs:.3} s = {:.0} hits/s/core (target ≥ 200000)",
        n as f64 / secs
    );
    println!(
        "  parquet per 100-hit batch: {:.1} KB",
        encoded_bytes as f64 / (n / 100) as f64 / 1024.0
    );

    // Enrichment alone (no Parquet), to see where the time goes.
    let started = Instant::now();
    for i in 0..n {
        let payload = parse_event_body(&bodies[i % bodies.len()]).expect("valid body");
        let ctx = RequestContext {
            now_ms: 0,
            ip: "198.51.100.1",
            user_agent: UAS[i % UAS.len()],
            hints,
            accept_language: Some("en"),
            sec_purpose: None,
            geo: geo.clone(),
        };
        black_box(build_hit(payload, &ctx, &salt, i as u64).expect("valid hit"));
    }
    let secs = started.elapsed().as_secs_f64();
    println!("  validation + enrichment only: {:.2} µs/hit", secs * 1e6 / n as f64);

    // Where the time goes, stage by stage.
    let time = |name: &str, f: &mut dyn FnMut(usize)| {
        let started = Instant::now();
        for i in 0..n {
            f(i);
        }
        println!(
            "    {name:<22} {:.2} µs",
            started.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    };
    time("body validation", &mut |i| {
        black_box(parse_event_body(&bodies[i % bodies.len()]).ok());
    });
    let urls: Vec<url::Url> = bodies
        .iter()
        .map(|b| url::Url::parse(&parse_event_body(b).unwrap().url).unwrap())
        .collect();
    time("url + campaign", &mut |i| {
        black_box(hitflow_collector::enrich::source::parse_page_url(&urls[i % urls.len()]).ok());
    });
    time("device", &mut |i| {
        black_box(hitflow_collector::enrich::device::parse_device(
            UAS[i % UAS.len()],
            &hints,
        ));
    });
    let devices: Vec<_> = UAS
        .iter()
        .map(|ua| hitflow_collector::enrich::device::parse_device(ua, &hints))
        .collect();
    time("bots", &mut |i| {
        let signals = hitflow_collector::enrich::bots::BotSignals {
            user_agent: UAS[i % UAS.len()],
            device: &devices[i % UAS.len()],
            asn: Some(3320),
            cf_verified_bot: None,
            cf_bot_score: None,
            accept_language: Some("en"),
            sec_purpose: None,
        };
        black_box(hitflow_collector::enrich::bots::detect_bot(&signals));
    });
    time("visitor id", &mut |i| {
        black_box(hitflow_collector::visitor::visitor_id(
            &salt,
            "example.com",
            "198.51.100.7",
            UAS[i % UAS.len()],
        ));
    });
}
