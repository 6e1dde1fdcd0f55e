//! Checks of the collector's fuzz targets: the hit request parsers, URL/referrer/UTM parsing,
//! User-Agent parsing and the Queue message codec. Each returns whether the input was accepted
//! and panics when an invariant breaks (a panic is what the fuzzer reports).

use hitflow_collector::enrich::bots::{detect_bot, BotSignals, REASONS};
use hitflow_collector::enrich::device::{parse_device, ClientHints};
use hitflow_collector::enrich::geo::Geo;
use hitflow_collector::enrich::source::{parse_page_parts, parse_page_url, parse_referrer, split_simple, UrlParts};
use hitflow_collector::message;
use hitflow_collector::payload::{parse_event_body, parse_pixel_query, ParsedUrl, Payload, MAX_BODY_BYTES};
use hitflow_collector::pipeline::{build_hit, HitError, RequestContext};
use hitflow_collector::visitor::Salt;
use hitflow_schema::{Hit, DEVICE_TYPES};

/// Accepted (`Ok`) or rejected with the reason (`Err`).
pub type Outcome = Result<(), String>;

const SALT: Salt = Salt([7; 16]);

fn context() -> RequestContext<'static> {
    RequestContext {
        now_ms: 1_764_547_200_000,
        ip: "203.0.113.9",
        user_agent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                     Chrome/131.0.0.0 Safari/537.36",
        hints: ClientHints::default(),
        accept_language: Some("en-US,en;q=0.9"),
        sec_purpose: None,
        geo: Geo {
            country: Some("DE".into()),
            asn: Some(3320),
            ..Geo::default()
        },
    }
}

/// Hits compared as text: `revenue` may be NaN, which is not equal to itself.
fn same(a: &Hit, b: &Hit) -> bool {
    format!("{a:?}") == format!("{b:?}")
}

/// A validated payload must become a hit (a long percent-encoded path may still be refused with
/// 413, a campaign value that decodes to bad bytes or hidden characters with 400, never as a bad
/// URL) whose page fields are what the `url` crate's full parse gives (the
/// collector usually splits the URL itself, see `split_simple`), and the hit must survive the
/// Queue message codec.
fn check_payload(payload: Payload) -> Outcome {
    let reference = url::Url::parse(&payload.url).unwrap_or_else(|e| panic!("validated {:?}: {e}", payload.url));
    let reference = parse_page_url(&reference);
    // Validation's URL split reused, and not.
    let fresh = Payload {
        parsed_url: ParsedUrl::default(),
        ..payload.clone()
    };
    let hit = build_hit(payload.clone(), context(), &SALT, 42);
    let again = build_hit(fresh, context(), &SALT, 42);
    match (&hit, &again) {
        (Ok(a), Ok(b)) => assert!(same(a, b), "reused URL split differs from a fresh one:\n{a:?}\n{b:?}"),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("reused URL split and a fresh one disagree: {hit:?} vs {again:?}"),
    }
    let hit = match (hit, reference) {
        (Ok(hit), Ok((page, c))) => {
            let got = (
                &hit.url_host,
                &hit.url_path,
                &hit.utm_source,
                &hit.utm_medium,
                &hit.utm_campaign,
            );
            let want = (&page.host, &page.path, &c.utm_source, &c.utm_medium, &c.utm_campaign);
            assert_eq!(got, want, "page fields of {:?}", payload.url);
            let got = (
                &hit.utm_term,
                &hit.utm_content,
                &hit.ref_param,
                hit.click_id_kind.as_deref(),
            );
            assert_eq!(got, (&c.utm_term, &c.utm_content, &c.ref_param, c.click_id_kind));
            hit
        }
        (Err(e @ HitError::Field(_)), Err(reference)) => {
            assert!(matches!(e.status(), 400 | 413));
            assert_eq!(e.to_string(), reference.to_string());
            return Err(e.to_string());
        }
        (hit, reference) => panic!("validated payload {payload:?} gives {hit:?}, Url::parse {reference:?}"),
    };
    assert_eq!(hit.site, payload.site);
    assert_eq!(hit.event, payload.name);
    assert!(!hit.url_host.is_empty(), "empty host from {:?}", payload.url);
    assert!(
        hit.url_path.starts_with('/'),
        "path {:?} from {:?}",
        hit.url_path,
        payload.url
    );
    assert!(DEVICE_TYPES.contains(&hit.device_type.as_str()));
    let bytes = message::encode(&hit);
    let back = message::decode(&bytes).map(|row| row.to_hit());
    assert!(
        back.as_ref().is_ok_and(|b| same(b, &hit)),
        "queue message round trip: {hit:?} -> {back:?}"
    );
    Ok(())
}

/// `POST /e`: the raw body, then the hit it makes.
pub fn event_body(data: &[u8]) -> Outcome {
    match parse_event_body(data) {
        Ok(payload) => {
            assert!(data.len() <= MAX_BODY_BYTES);
            check_payload(payload)
        }
        Err(e) => {
            assert!(matches!(e.status(), 400 | 413));
            Err(e.to_string())
        }
    }
}

/// `GET /p.gif`: the input up to the first newline is the raw query string (decoded by the parser,
/// as in the Worker), the rest, if any, the `Referer` header. Parsed with and without the header.
pub fn pixel_query(data: &[u8]) -> Outcome {
    let (query, referer) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], Some(String::from_utf8_lossy(&data[i + 1..]).into_owned())),
        None => (data, None),
    };
    // The Worker passes the query as its URL holds it: ASCII, so never lossy there.
    let query = String::from_utf8_lossy(query);
    let without = parse_pixel_query(&query, None);
    let with = parse_pixel_query(&query, referer.as_deref());
    let mut outcome = Err(String::new());
    for result in [without, with] {
        outcome = match result {
            Ok(payload) => {
                assert!(payload.props.is_none() && payload.revenue.is_none());
                check_payload(payload)
            }
            Err(e) => {
                assert!(matches!(e.status(), 400 | 413));
                Err(e.to_string())
            }
        };
    }
    outcome
}

/// Page URL and referrer parsing on any string: the fast URL split must agree with the `url`
/// crate on everything it accepts, and the referrer parser with a plain `Url::parse`. Accepted:
/// a valid page URL, or else a valid referrer.
pub fn page_url(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    let s = text.as_ref();
    let parsed = url::Url::parse(s);
    if let Some(parts) = split_simple(s) {
        let url = parsed
            .as_ref()
            .unwrap_or_else(|e| panic!("split_simple accepts {s:?}, Url::parse: {e}"));
        assert!(matches!(url.scheme(), "http" | "https"));
        // The split keeps the host's ASCII case (callers lowercase it); everything else is exact.
        let lower = parts.host.to_ascii_lowercase();
        assert_eq!(
            UrlParts { host: &lower, ..parts },
            UrlParts::of(url),
            "split_simple vs Url::parse on {s:?}"
        );
        assert_eq!(parse_page_parts(parts), parse_page_url(url));
    }
    let referrer = parse_referrer(s);
    assert_eq!(referrer, reference_referrer(s), "parse_referrer({s:?})");
    if let Some((host, path)) = &referrer {
        assert!(!host.is_empty() && !path.is_empty());
    }
    let url = parsed.map_err(|e| e.to_string())?;
    // Page URLs reach `parse_page_url` only after validation: http(s) with a host (an opaque
    // `a:b` URL has a path without a leading slash and is refused before).
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        // Accepted as a referrer (`android-app://…`), or not at all.
        return referrer
            .map(|_| ())
            .ok_or_else(|| "not an http(s) URL with a host".into());
    }
    match parse_page_url(&url) {
        Ok((page, campaign)) => {
            assert!(page.path.starts_with('/'));
            for value in [&campaign.utm_source, &campaign.utm_medium, &campaign.ref_param] {
                assert!(value.as_ref().is_none_or(|v| !v.is_empty() && v.trim() == v));
            }
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// `parse_referrer` as its documentation states it, on the `url` crate alone.
fn reference_referrer(referrer: &str) -> Option<(String, String)> {
    let url = url::Url::parse(referrer.trim()).ok()?;
    let web = match url.scheme() {
        "http" | "https" => true,
        "android-app" => false,
        _ => return None,
    };
    let host = url.host_str().filter(|h| !h.is_empty())?.to_ascii_lowercase();
    let host = match host.strip_prefix("www.") {
        Some(rest) if web && !rest.is_empty() => rest.to_owned(),
        _ => host,
    };
    let path = match url.path() {
        "" => "/".to_owned(),
        p => p.to_owned(),
    };
    Some((host, path))
}

/// User-Agent and client hints: fields separated by newlines (UA, `Sec-CH-UA`, `-Mobile`,
/// `-Platform`, `-Platform-Version`, `-Full-Version-List`, `-Model`, `Accept-Language`,
/// `Sec-Purpose`); a missing field is an absent header.
pub fn user_agent(data: &[u8]) -> Outcome {
    let text = String::from_utf8_lossy(data);
    let mut fields = text.split('\n');
    let ua = fields.next().unwrap_or_default();
    let mut next = || fields.next();
    let hints = ClientHints {
        ua: next(),
        mobile: next(),
        platform: next(),
        platform_version: next(),
        full_version_list: next(),
        model: next(),
        form_factors: next(),
    };
    let (accept_language, sec_purpose) = (next(), next());
    for hints in [ClientHints::default(), hints] {
        let device = parse_device(ua, &hints);
        assert!(DEVICE_TYPES.contains(&device.device_type), "{device:?}");
        for part in [&device.browser, &device.browser_version, &device.os, &device.os_version] {
            assert!(part.as_ref().is_none_or(|p| !p.is_empty()), "{device:?}");
        }
        for (asn, score) in [
            (None, None),
            (
                Some(data.len() as u32),
                Some(u32::from(data.first().copied().unwrap_or(50))),
            ),
        ] {
            let reason = detect_bot(&BotSignals {
                user_agent: ua,
                device: &device,
                asn,
                cf_verified_bot: None,
                cf_bot_score: score,
                accept_language,
                sec_purpose,
            });
            assert!(reason.is_none_or(|r| REASONS.contains(&r)), "{reason:?}");
        }
    }
    Ok(())
}

/// A Queue message body as the consumer reads it: decoded, re-encoded, and written to Parquet
/// with the consumer's batch writer, which must read back as the same hit.
pub fn queue_message(data: &[u8]) -> Outcome {
    let row = message::decode(data).map_err(|e| e.to_string())?;
    let hit = row.to_hit();
    let again = message::decode(&message::encode(&hit)).map(|r| r.to_hit());
    assert!(again.as_ref().is_ok_and(|h| same(h, &hit)), "{hit:?} -> {again:?}");
    let file = hitflow_schema::batch_writer::write_batch_rows(&[row]).unwrap_or_else(|e| panic!("{hit:?}: {e}"));
    let back = hitflow_schema::read_parquet(file).unwrap_or_else(|e| panic!("{hit:?}: {e}"));
    assert!(back.len() == 1 && same(&back[0], &hit), "{hit:?} -> {back:?}");
    Ok(())
}
