//! The Worker's HTTP surface: `GET /t.js`, `POST /e`, `GET /p.gif`, `GET /health`.
//!
//! Every client mistake gets a 4xx with a JSON `{"error": "..."}` and nothing is stored; only a
//! failure of Cloudflare's own services (R2, Queues) can produce a 503.

use hitflow_schema::time::MS_PER_DAY;
use std::cell::RefCell;

use wasm_bindgen::{JsCast, JsValue};
use worker::{console_error, event, Context, Env, Headers, Request, Response};

use crate::config::AllowList;
use crate::enrich::device::ClientHints;
use crate::payload::{parse_event_body, parse_pixel_query, Payload, MAX_BODY_BYTES};
use crate::pipeline::{build_hit, RequestContext};
use crate::route::{self, Endpoint, RouteError, Verb};
use crate::{cf, message, salt_store, HITS_BUCKET, HITS_QUEUE};

/// The tracker script, minified (`collector/tracker/build.sh`).
const TRACKER_JS: &str = include_str!("t.js");

/// A 1×1 transparent GIF (43 bytes).
const PIXEL_GIF: [u8; 43] = [
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
    0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02,
    0x02, 0x44, 0x01, 0x00, 0x3b,
];

/// A request that ends early with an error response.
struct Reject(u16, String);

impl Reject {
    fn new(status: u16, message: impl Into<String>) -> Self {
        Reject(status, message.into())
    }
}

#[event(fetch)]
pub async fn fetch(req: Request, env: Env, _ctx: Context) -> worker::Result<Response> {
    match route(req, &env).await {
        Ok(response) => Ok(response),
        Err(Routed::Reject(Reject(status, message))) => error_response(status, &message),
        Err(Routed::Platform(err)) => {
            console_error!("platform failure: {err}");
            error_response(503, "storage temporarily unavailable, retry later")
        }
    }
}

enum Routed {
    Reject(Reject),
    Platform(worker::Error),
}

impl From<Reject> for Routed {
    fn from(r: Reject) -> Self {
        Routed::Reject(r)
    }
}

impl From<worker::Error> for Routed {
    fn from(e: worker::Error) -> Self {
        Routed::Platform(e)
    }
}

async fn route(mut req: Request, env: &Env) -> Result<Response, Routed> {
    // The method as sent: `req.method()` reads any method it does not know as GET.
    let method = req.inner().method();
    let (endpoint, verb) = match route::route(&method, &req.path()) {
        Ok(routed) => routed,
        Err(e @ RouteError::NotFound) => return Err(Reject::new(404, e.to_string()).into()),
        Err(e @ RouteError::MethodNotAllowed { allow, .. }) => {
            let mut response = error_response(405, &e.to_string())?;
            response.headers_mut().set("Allow", allow)?;
            return Ok(response);
        }
    };
    match (endpoint, verb) {
        (Endpoint::Reports, _) => Ok(crate::reports::serve(&req, env).await?),
        (Endpoint::Health, _) => Ok(with_headers(
            Response::from_json(&serde_json::json!({"status": "ok"}))?,
            &[("Cache-Control", "no-store")],
        )?),
        (Endpoint::Tracker, _) => Ok(with_headers(
            Response::ok(TRACKER_JS)?,
            &[
                ("Content-Type", "application/javascript; charset=utf-8"),
                ("Cache-Control", "public, max-age=3600"),
                ("Access-Control-Allow-Origin", "*"),
            ],
        )?),
        (Endpoint::Event, Verb::Options) => Ok(cors(Response::empty()?.with_status(204))?),
        (Endpoint::Event, _) => {
            check_content_type(&req)?;
            let body = read_body(&mut req).await?;
            let payload = parse_event_body(&body).map_err(|e| Reject::new(e.status(), e.to_string()))?;
            accept(payload, &req, env).await?;
            Ok(cors(Response::empty()?.with_status(202))?)
        }
        (Endpoint::Pixel, _) => {
            let url = req.url().map_err(|_| Reject::new(400, "unreadable request URL"))?;
            let referer = header(&req, "Referer");
            let payload = parse_pixel_query(url.query().unwrap_or_default(), referer.as_deref())
                .map_err(|e| Reject::new(e.status(), e.to_string()))?;
            // Link checkers and prefetchers send HEAD: answer as GET would, but count nothing.
            if verb == Verb::Head {
                check_site(&payload.site, env)?;
            } else {
                accept(payload, &req, env).await?;
            }
            Ok(with_headers(
                Response::from_bytes(PIXEL_GIF.to_vec())?,
                &[
                    ("Content-Type", "image/gif"),
                    (
                        "Cache-Control",
                        "no-store, no-cache, must-revalidate, max-age=0, private",
                    ),
                    ("Expires", "0"),
                    ("Access-Control-Allow-Origin", "*"),
                ],
            )?)
        }
    }
}

/// 403 unless the site is on the `ALLOWED_SITES` allow-list.
fn check_site(site: &str, env: &Env) -> Result<(), Reject> {
    if !site_allowed(env, site) {
        return Err(Reject::new(403, "site is not in this collector's allow-list"));
    }
    Ok(())
}

/// Checks the site, enriches the payload and queues the hit.
async fn accept(payload: Payload, req: &Request, env: &Env) -> Result<(), Routed> {
    check_site(&payload.site, env)?;
    let now_ms = worker::Date::now().as_millis() as i64;
    let salt = salt_store::salt_for_day(|| env.bucket(HITS_BUCKET), now_ms.div_euclid(MS_PER_DAY)).await?;

    let (ua, ip) = (
        header(req, "User-Agent").unwrap_or_default(),
        header(req, "CF-Connecting-IP").unwrap_or_default(),
    );
    let hint_names = [
        "Sec-CH-UA",
        "Sec-CH-UA-Mobile",
        "Sec-CH-UA-Platform",
        "Sec-CH-UA-Platform-Version",
        "Sec-CH-UA-Full-Version-List",
        "Sec-CH-UA-Model",
        "Sec-CH-UA-Form-Factors",
    ];
    let [ch_ua, ch_mobile, ch_platform, ch_platform_version, ch_full, ch_model, ch_form_factors] =
        hint_names.map(|name| header(req, name));
    let (accept_language, sec_purpose) = (
        header(req, "Accept-Language"),
        header(req, "Sec-Purpose").or_else(|| header(req, "Purpose")),
    );
    let ctx = RequestContext {
        now_ms,
        ip: &ip,
        user_agent: &ua,
        hints: ClientHints {
            ua: ch_ua.as_deref(),
            mobile: ch_mobile.as_deref(),
            platform: ch_platform.as_deref(),
            platform_version: ch_platform_version.as_deref(),
            full_version_list: ch_full.as_deref(),
            model: ch_model.as_deref(),
            form_factors: ch_form_factors.as_deref(),
        },
        accept_language: accept_language.as_deref(),
        sec_purpose: sec_purpose.as_deref(),
        geo: cf::read_geo(req),
    };
    let hit_id = random_u64()?;
    let hit = build_hit(payload, ctx, &salt, hit_id).map_err(|e| Reject::new(e.status(), e.to_string()))?;
    send_bytes(env, &message::encode(&hit)).await?;
    Ok(())
}

/// Queues one message as `bytes` (an `ArrayBuffer` for the consumer), a content type the
/// `worker` crate's builder does not offer. Resolves once the Queue has accepted the message.
async fn send_bytes(env: &Env, body: &[u8]) -> worker::Result<()> {
    let queue = env.queue(HITS_QUEUE)?;
    let queue: &worker::worker_sys::Queue = queue.as_ref().unchecked_ref();
    let options = js_sys::Object::new();
    js_sys::Reflect::set(&options, &JsValue::from_str("contentType"), &JsValue::from_str("bytes"))?;
    let sent = queue.send(js_sys::Uint8Array::from(body).into(), options.into())?;
    worker::wasm_bindgen_futures::JsFuture::from(sent).await?;
    Ok(())
}

thread_local! {
    /// `ALLOWED_SITES` as last read, and its parsed form: parsed again only when the text changes
    /// (it is fixed for a deployment, so in practice once per isolate).
    static SITES: RefCell<(String, AllowList)> = RefCell::new((String::new(), AllowList::default()));
}

fn site_allowed(env: &Env, site: &str) -> bool {
    let text = env.var("ALLOWED_SITES").map(|v| v.to_string()).unwrap_or_default();
    SITES.with(|cache| match cache.try_borrow_mut() {
        Ok(mut cache) => {
            if cache.0 != text {
                let sites = AllowList::parse(&text);
                *cache = (text, sites);
            }
            cache.1.allows(site)
        }
        // Not reachable (nothing awaits while it is borrowed); parsing anew is still right.
        Err(_) => AllowList::parse(&text).allows(site),
    })
}

fn check_content_type(req: &Request) -> Result<(), Reject> {
    let Some(content_type) = header(req, "Content-Type") else {
        return Ok(());
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "text/plain" | "application/json" | "" => Ok(()),
        _ => Err(Reject::new(415, "send the body as text/plain or application/json")),
    }
}

/// Reads the body, refusing anything over the limit before buffering it when the length is declared.
async fn read_body(req: &mut Request) -> Result<Vec<u8>, Routed> {
    let too_large = || Reject::new(413, format!("body larger than {MAX_BODY_BYTES} bytes"));
    if let Some(length) = header(req, "Content-Length").and_then(|v| v.trim().parse::<u64>().ok()) {
        if length > MAX_BODY_BYTES as u64 {
            return Err(too_large().into());
        }
    }
    let body = req
        .bytes()
        .await
        .map_err(|_| Reject::new(400, "unreadable request body"))?;
    if body.len() > MAX_BODY_BYTES {
        return Err(too_large().into());
    }
    Ok(body)
}

fn header(req: &Request, name: &str) -> Option<String> {
    req.headers().get(name).ok().flatten()
}

fn random_u64() -> worker::Result<u64> {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).map_err(|e| worker::Error::RustError(format!("no randomness: {e}")))?;
    Ok(u64::from_le_bytes(bytes))
}

fn with_headers(mut response: Response, headers: &[(&str, &str)]) -> worker::Result<Response> {
    let target: &mut Headers = response.headers_mut();
    for (name, value) in headers {
        target.set(name, value)?;
    }
    Ok(response)
}

fn cors(response: Response) -> worker::Result<Response> {
    with_headers(
        response,
        &[
            ("Access-Control-Allow-Origin", "*"),
            ("Access-Control-Allow-Methods", "POST, OPTIONS"),
            ("Access-Control-Allow-Headers", "Content-Type"),
            ("Access-Control-Max-Age", "86400"),
        ],
    )
}

fn error_response(status: u16, message: &str) -> worker::Result<Response> {
    let response = Response::from_json(&serde_json::json!({ "error": message }))?.with_status(status);
    cors(with_headers(response, &[("Cache-Control", "no-store")])?)
}
