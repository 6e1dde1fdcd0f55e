//! Native throughput of everything a hit costs between its request body and the stored Parquet:
//! body validation, URL/referrer/UTM parsing, device and bot detection, visitor id, the Queue
//! message encoding (fetch handler) and decoding (consumer), the consumer's grouping of a batch
//! and the Parquet encoding of 100-hit batch files. Single-threaded, so the figure is
//! hits/s per core. Then the same work stage by stage, to see where the time goes.
//!
//!   cargo bench -p hitflow-collector --bench pipeline

use std::hint::black_box;
use std::time::Instant;

use hitflow_collector::batch::group_by_partition;
use hitflow_collector::enrich::bots::{detect_bot, BotSignals};
use hitflow_collector::enrich::device::{parse_device, ClientHints};
use hitflow_collector::enrich::geo::Geo;
use hitflow_collector::enrich::source::{parse_page_url, parse_referrer};
use hitflow_collector::message;
use hitflow_collector::payload::parse_event_body;
use hitflow_collector::pipeline::{build_hit, RequestContext};
use hitflow_collector::visitor::{visitor_id, Salt};
use hitflow_schema::batch_writer::{write_batch_parquet, write_batch_rows};

const UAS: [&str; 6] = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
];

/// The low-entropy client hints Chromium sends with every request, for the two Chrome UAs.
fn hints(ua: usize) -> ClientHints<'static> {
    let brands = r#""Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24""#;
    match ua {
        0 => ClientHints {
            ua: Some(brands),
            mobile: Some("?0"),
            platform: Some(r#""Windows""#),
            ..ClientHints::default()
        },
        2 => ClientHints {
            ua: Some(brands),
            mobile: Some("?1"),
            platform: Some(r#""Android""#),
            ..ClientHints::default()
        },
        _ => ClientHints::default(),
    }
}

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

const BATCH: usize = 100;

/// The UAs of a corpus file under `collector/tests/corpus/`.
fn corpus(file: &str) -> Vec<String> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/corpus")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(str::to_owned)
        .collect()
}

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`), so that time spent waiting for
/// a core on a shared machine is not counted; `None` elsewhere.
fn cpu_ns() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    stat.split_whitespace().next()?.parse().ok()
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
    let ips: Vec<String> = (0..251).map(|i| format!("198.51.100.{i}")).collect();
    // Queue message ids as the platform hands them to the consumer.
    let ids: Vec<String> = (0..BATCH).map(|i| format!("{:032x}", i * 7919)).collect();
    let n = 400_000usize;
    let context = |i: usize| RequestContext {
        now_ms: 1_764_320_400_000 + i as i64,
        ip: &ips[i % ips.len()],
        user_agent: UAS[i % UAS.len()],
        hints: hints(i % UAS.len()),
        accept_language: Some("en-US,en;q=0.9"),
        sec_purpose: None,
        geo: geo.clone(),
    };

    // The whole path: request body → hit → Queue message → consumer → Parquet object.
    let mut messages: Vec<Vec<u8>> = Vec::with_capacity(BATCH);
    let mut files = 0usize;
    let mut encoded_bytes = 0usize;
    let started = Instant::now();
    let cpu_started = cpu_ns();
    for i in 0..n {
        let payload = parse_event_body(&bodies[i % bodies.len()]).expect("valid body");
        let hit = build_hit(payload, context(i), &salt, i as u64).expect("valid hit");
        messages.push(message::encode(&hit));
        if messages.len() == BATCH {
            let decoded = messages
                .iter()
                .enumerate()
                .map(|(m, body)| (m, ids[m].as_str(), message::decode(body).expect("decodes")));
            for group in group_by_partition(decoded) {
                encoded_bytes += write_batch_rows(black_box(&group.hits)).expect("encodes").len();
                files += 1;
            }
            messages.clear();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "collector native pipeline: {n} hits in {secs:.3} s = {:.0} hits/s/core (target ≥ 200000)",
        n as f64 / secs
    );
    if let (Some(a), Some(b)) = (cpu_started, cpu_ns()) {
        let cpu = (b - a) as f64 / 1e9;
        println!(
            "  on-CPU time {cpu:.3} s = {:.0} hits/s per busy core (wall time above includes waiting for a core)",
            n as f64 / cpu
        );
    }
    println!(
        "  {:.2} µs/hit; Parquet batch file: {:.1} KB for {:.0} hits",
        secs * 1e6 / n as f64,
        encoded_bytes as f64 / files as f64 / 1024.0,
        n as f64 / files as f64
    );

    // Where the time goes, stage by stage, on the same inputs.
    let time = |name: &str, count: usize, per: usize, f: &mut dyn FnMut(usize)| {
        let started = Instant::now();
        for i in 0..count {
            f(i);
        }
        let us = started.elapsed().as_secs_f64() * 1e6 / (count * per) as f64;
        println!("    {name:<30} {us:.3} µs/hit");
    };
    let payloads: Vec<_> = bodies.iter().map(|b| parse_event_body(b).expect("valid")).collect();
    let urls: Vec<url::Url> = payloads
        .iter()
        .map(|p| url::Url::parse(&p.url).expect("valid"))
        .collect();
    let devices: Vec<_> = (0..UAS.len()).map(|u| parse_device(UAS[u], &hints(u))).collect();
    let hits: Vec<_> = (0..BATCH)
        .map(|i| build_hit(payloads[i % payloads.len()].clone(), context(i), &salt, i as u64).expect("valid"))
        .collect();
    let encoded: Vec<Vec<u8>> = hits.iter().map(message::encode).collect();
    let m = n / 4;
    time("body validation (+ URL parse)", m, 1, &mut |i| {
        black_box(parse_event_body(&bodies[i % bodies.len()]).ok());
    });
    time("url + campaign", m, 1, &mut |i| {
        black_box(parse_page_url(&urls[i % urls.len()]).ok());
    });
    time("referrer", m, 1, &mut |i| {
        black_box(
            payloads[i % payloads.len()]
                .referrer
                .as_deref()
                .and_then(parse_referrer),
        );
    });
    time("device", m, 1, &mut |i| {
        black_box(parse_device(UAS[i % UAS.len()], &hints(i % UAS.len())));
    });
    time("bots", m, 1, &mut |i| {
        black_box(detect_bot(&BotSignals {
            user_agent: UAS[i % UAS.len()],
            device: &devices[i % UAS.len()],
            asn: Some(3320),
            cf_verified_bot: None,
            cf_bot_score: None,
            accept_language: Some("en-US,en;q=0.9"),
            sec_purpose: None,
        }));
    });
    // Device + bots over real UA corpora (collector/tests/corpus/): browsers, then crawlers, each
    // of which runs the vendored lists' regex verification. Warmed once, so the lazily compiled
    // expressions are built before timing, as in a long-lived isolate.
    for (name, file) in [
        ("device + bots, browsers", "humans/isbot-browsers.txt"),
        ("device + bots, crawlers", "bots/crawler-user-agents.txt"),
    ] {
        let uas = corpus(file);
        let mut both = |i: usize| {
            let ua = uas[i % uas.len()].as_str();
            let device = parse_device(ua, &ClientHints::default());
            black_box(detect_bot(&BotSignals {
                user_agent: ua,
                device: &device,
                asn: Some(3320),
                cf_verified_bot: None,
                cf_bot_score: None,
                accept_language: Some("en-US,en;q=0.9"),
                sec_purpose: None,
            }));
        };
        (0..uas.len()).for_each(&mut both);
        time(name, m, 1, &mut both);
    }
    time("visitor id", m, 1, &mut |i| {
        black_box(visitor_id(
            &salt,
            "example.com",
            &ips[i % ips.len()],
            UAS[i % UAS.len()],
        ));
    });
    time("build_hit (all enrichment)", m, 1, &mut |i| {
        let payload = payloads[i % payloads.len()].clone();
        black_box(build_hit(payload, context(i), &salt, i as u64).ok());
    });
    time("queue message encode", m, 1, &mut |i| {
        black_box(message::encode(&hits[i % BATCH]));
    });
    time("queue message decode", m, 1, &mut |i| {
        black_box(message::decode(&encoded[i % BATCH]).ok());
    });
    // Grouping moves the hits; light ones (no strings) keep the copies out of the figure.
    let light: Vec<_> = hits
        .iter()
        .map(|h| hitflow_schema::Hit {
            ts: h.ts,
            ..Default::default()
        })
        .collect();
    time("batch grouping + object key", m / BATCH, BATCH, &mut |_| {
        let decoded = light.iter().enumerate().map(|(m, h)| (m, ids[m].as_str(), h.clone()));
        black_box(group_by_partition(decoded));
    });
    time("Parquet, 100-hit file (per hit)", m / BATCH, BATCH, &mut |_| {
        black_box(write_batch_parquet(black_box(&hits)).ok());
    });
    time("  arrow-rs writer, for reference", m / BATCH / 4, BATCH, &mut |_| {
        black_box(hitflow_schema::write_parquet(black_box(&hits)).ok());
    });
}
