//! Request payload parsing and validation: the Worker's bad-input contract.
//!
//! Two entry points feed the same [`Payload`]:
//! - `POST /e` with a JSON body ([`parse_event_body`]). The tracker sends it as `text/plain`
//!   (what `navigator.sendBeacon` uses for a string), so no CORS preflight is needed;
//!   `application/json` is accepted too. The content type is the caller's concern.
//! - `GET /p.gif?site=…&url=…&r=…&n=…`, the no-JS pixel ([`parse_pixel_query`]).
//!
//! Every field is checked against a fixed cap and the whole hit is rejected when one is
//! exceeded: nothing is truncated, so a stored value is always what the client sent.
//! Over-size input answers 413, anything else malformed answers 400 ([`PayloadError::status`]).
//! Whether the site is on the allow-list (403) is decided by the caller.
//!
//! Lengths are counted in Unicode scalar values (`char`s), not bytes; the 16 KiB body cap
//! bounds the bytes.

use hitflow_schema::time::MS_PER_DAY;
use std::borrow::Cow;

use hitflow_schema::{EVENT_PAGEVIEW, MAX_REVENUE_ABS};
use serde::de::{Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Number;
use url::Url;

use crate::enrich::source::{split_simple, UrlParts, UrlSpans};
use crate::text;

/// Largest accepted `POST /e` body.
pub const MAX_BODY_BYTES: usize = 16 * 1024;

const MAX_SITE_CHARS: usize = 253; // longest DNS name
const MAX_NAME_CHARS: usize = 120;
const MAX_URL_CHARS: usize = 2048;
const MAX_REFERRER_CHARS: usize = 2048;
const MAX_PROPS: usize = 30;
const MAX_PROP_KEY_CHARS: usize = 64;
const MAX_PROP_VALUE_CHARS: usize = 256;
const MAX_ENGAGED_MS: u32 = MS_PER_DAY as u32;
const MAX_SCREEN_WIDTH: u32 = 100_000;
/// Scroll depth is a percentage; the tracker clamps it, so more is not a browser's measurement.
const MAX_SCROLL: u32 = 100;

/// A validated hit request, before enrichment.
#[derive(Debug, Clone, PartialEq)]
pub struct Payload {
    /// Lowercase `[a-z0-9.-]`, 1..=253 chars, starts and ends with a letter or digit, no `..`.
    pub site: String,
    /// Event name; `pageview` when the client sent none.
    pub name: String,
    /// The page URL exactly as sent; known to parse as an absolute http(s) URL.
    pub url: String,
    /// `url` as validation parsed it (unless it has the simple shape `split_simple` reads), so
    /// enrichment does not parse it again.
    pub parsed_url: ParsedUrl,
    /// Referrer as sent, not parsed; `None` when absent or empty.
    pub referrer: Option<String>,
    /// Custom properties as JSON object text; `None` when absent or empty.
    pub props: Option<String>,
    pub revenue: Option<f64>,
    /// ISO 4217 code (three uppercase ASCII letters) of `revenue`.
    pub currency: Option<String>,
    pub engaged_ms: Option<u32>,
    pub screen_width: Option<u32>,
    /// Deepest point of the page seen, % of its height (`scroll`, engagement beacons).
    pub scroll_depth: Option<u32>,
    pub entry: Option<bool>,
}

/// What validation learnt parsing [`Payload::url`]: where its parts are (simple URLs, see
/// `split_simple`) or the parsed `Url`. Empty when a payload is built by hand; enrichment then
/// parses `url` itself. It is derived from `url`, so it takes no part in comparisons.
#[derive(Debug, Clone, Default)]
pub struct ParsedUrl(Parsed);

#[derive(Debug, Clone, Default)]
enum Parsed {
    #[default]
    Unknown,
    Simple(UrlSpans),
    Full(Box<Url>),
}

impl ParsedUrl {
    /// The parts of `text` (the payload's `url`), without parsing it again when validation did.
    pub fn parts<'a>(&'a self, text: &'a str) -> Option<UrlParts<'a>> {
        match &self.0 {
            Parsed::Simple(spans) => spans.parts(text),
            Parsed::Full(url) => Some(UrlParts::of(url)),
            Parsed::Unknown => split_simple(text),
        }
    }
}

impl PartialEq for ParsedUrl {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Why a request was rejected. Each message names the offending field.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PayloadError {
    #[error("request body is larger than {MAX_BODY_BYTES} bytes")]
    BodyTooLarge,
    #[error("request body is not valid UTF-8")]
    InvalidUtf8,
    #[error("request body is not valid JSON: {0}")]
    MalformedJson(String),
    #[error("request body must be a JSON object")]
    NotAnObject,
    #[error("`{0}` is required")]
    Missing(&'static str),
    #[error("`{field}` must be {expected}")]
    WrongType {
        field: &'static str,
        expected: &'static str,
    },
    #[error("`{field}` is longer than {max} characters")]
    TooLong { field: &'static str, max: usize },
    #[error("`props` has more than {max} keys")]
    TooManyProps { max: usize },
    #[error("`{0}` contains control or invisible characters")]
    Unprintable(&'static str),
    #[error("`{0}` is not valid UTF-8 once percent-decoded")]
    InvalidUtf8Field(&'static str),
    #[error("`{field}` must be an integer in 0..={max}")]
    OutOfRange { field: &'static str, max: u32 },
    #[error("`{field}` is invalid: {reason}")]
    Invalid { field: &'static str, reason: &'static str },
}

impl PayloadError {
    /// HTTP status to answer: 413 for size limits, 400 for everything else.
    pub fn status(&self) -> u16 {
        match self {
            Self::BodyTooLarge | Self::TooLong { .. } | Self::TooManyProps { .. } => 413,
            _ => 400,
        }
    }
}

/// Parses and validates a `POST /e` body. Unknown fields are ignored; JSON `null` counts as
/// absent for every optional field; of a repeated key the last one counts.
pub fn parse_event_body(body: &[u8]) -> Result<Payload, PayloadError> {
    if body.len() > MAX_BODY_BYTES {
        return Err(PayloadError::BodyTooLarge);
    }
    let text = std::str::from_utf8(body).map_err(|_| PayloadError::InvalidUtf8)?;
    // The whole body is parsed before any field is judged, so malformed JSON is always reported
    // as such. serde_json stops at 128 levels of nesting with an ordinary error (unknown fields
    // included: they are walked as a `Value`), so deep input cannot exhaust the stack; raw
    // control characters inside strings are syntax errors too.
    let body = match serde_json::from_str::<Top<'_>>(text) {
        Ok(Top(Some(body))) => body,
        Ok(Top(None)) => return Err(PayloadError::NotAnObject),
        Err(e) => return Err(PayloadError::MalformedJson(e.to_string())),
    };

    let site = match field(&body.site) {
        None => return Err(PayloadError::Missing("site")),
        Some(v) => validate_site(as_str(v, "site")?)?,
    };
    let name = match field(&body.name) {
        None => EVENT_PAGEVIEW.to_owned(),
        Some(v) => validate_name(as_str(v, "name")?)?,
    };
    let (url, parsed_url) = match field(&body.url) {
        None => return Err(PayloadError::Missing("url")),
        Some(v) => validate_url(as_str(v, "url")?)?,
    };
    let referrer = match field(&body.referrer) {
        None => None,
        Some(v) => validate_referrer(as_str(v, "referrer")?)?,
    };
    let props = field(&body.props).map(parse_props).transpose()?.flatten();
    let (revenue, currency) = match field(&body.revenue) {
        None => (None, None),
        Some(v) => parse_revenue(v)?,
    };
    let engaged_ms = bounded_u32(field(&body.engaged_ms), "engaged_ms", MAX_ENGAGED_MS)?;
    let screen_width = bounded_u32(field(&body.screen_width), "screen_width", MAX_SCREEN_WIDTH)?;
    let scroll_depth = bounded_u32(field(&body.scroll), "scroll", MAX_SCROLL)?;
    let entry = match field(&body.entry) {
        None => None,
        Some(Json::Bool(b)) => Some(*b),
        Some(_) => return Err(wrong_type("entry", "a boolean")),
    };

    Ok(Payload {
        site,
        name,
        url,
        parsed_url,
        referrer,
        props,
        revenue,
        currency,
        engaged_ms,
        screen_width,
        scroll_depth,
        entry,
    })
}

/// Parses the no-JS pixel's query string (`site`, `url`, `r` referrer, `n` event name), as the
/// request URL carries it (still percent-encoded).
///
/// The first occurrence of a parameter wins and an empty value counts as absent. A value read is
/// decoded strictly: bytes that are not UTF-8 are a 400 naming the field, never U+FFFD. Without
/// `url` the `Referer` header is the page URL (it is the page embedding the image). With an
/// explicit `url` and no `r`, a `Referer` from another host is the referrer (e.g. a webmail
/// showing the pixel); one from the page's own host is just the embedding page and is not a
/// referrer. A fallback referrer that fails validation is ignored rather than failing the hit.
pub fn parse_pixel_query(query: &str, referer_header: Option<&str>) -> Result<Payload, PayloadError> {
    let param = |key: &str, field: &'static str| -> Result<Option<Cow<'_, str>>, PayloadError> {
        let raw = query
            .split('&')
            .filter_map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                // A name that does not decode is not one of ours.
                (text::decode_form(k)? == key).then_some(v)
            })
            .next();
        match raw.filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(v) => text::decode_form(v)
                .map(|v| Some(v).filter(|v| !v.is_empty()))
                .ok_or(PayloadError::InvalidUtf8Field(field)),
        }
    };
    let header = referer_header.filter(|h| !h.is_empty());

    let site = validate_site(&param("site", "site")?.ok_or(PayloadError::Missing("site"))?)?;
    let name = param("n", "name")?
        .as_deref()
        .map(validate_name)
        .transpose()?
        .unwrap_or_else(|| EVENT_PAGEVIEW.to_owned());
    let (url_param, r_param) = (param("url", "url")?, param("r", "referrer")?);
    let ((url, parsed_url), url_from_param) = match (url_param.as_deref(), header) {
        (Some(u), _) => (validate_url(u)?, true),
        (None, Some(h)) => (validate_url(h)?, false),
        (None, None) => return Err(PayloadError::Missing("url")),
    };
    let page_host = host_of(&url);
    let referrer = match (r_param.as_deref(), header) {
        (Some(r), _) => validate_referrer(r)?,
        (None, Some(h)) if url_from_param && host_of(h).is_some_and(|hh| Some(hh) != page_host) => {
            validate_referrer(h).ok().flatten()
        }
        _ => None,
    };

    Ok(Payload {
        site,
        name,
        url,
        parsed_url,
        referrer,
        props: None,
        revenue: None,
        currency: None,
        engaged_ms: None,
        screen_width: None,
        scroll_depth: None,
        entry: None,
    })
}

/// The top level of a body: an object with the fields we read, or `None` for anything else.
struct Top<'a>(Option<Body<'a>>);

/// The known fields of a body as sent, still unjudged.
#[derive(Default)]
struct Body<'a> {
    site: Option<Json<'a>>,
    name: Option<Json<'a>>,
    url: Option<Json<'a>>,
    referrer: Option<Json<'a>>,
    props: Option<Json<'a>>,
    revenue: Option<Json<'a>>,
    engaged_ms: Option<Json<'a>>,
    screen_width: Option<Json<'a>>,
    scroll: Option<Json<'a>>,
    entry: Option<Json<'a>>,
}

/// A JSON value as far as validation needs it: strings borrow from the body unless they hold
/// escapes, numbers are kept as serde_json reads them, array contents are checked and dropped.
/// Fields are read as this and judged after the whole body parsed, so malformed JSON is reported
/// before a wrong type and each field names itself in its error (typed fields would fail inside
/// the parser with its message); `serde_json::Value` would copy every string.
#[derive(Debug)]
enum Json<'a> {
    Null,
    Bool(bool),
    Number(Number),
    Str(Cow<'a, str>),
    Array,
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

/// An object key, borrowed from the body unless it holds escapes. (A plain `Cow<str>` always
/// copies: only `#[serde(borrow)]` borrows.)
#[derive(Deserialize)]
#[serde(transparent)]
struct ObjectKey<'a>(#[serde(borrow)] Cow<'a, str>);

/// A top-level key: one of the fields read, or `Other` for anything else (matched on the text as
/// parsed, escapes included, without copying it).
#[derive(Clone, Copy, Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Field {
    Site,
    Name,
    Url,
    Referrer,
    Props,
    Revenue,
    EngagedMs,
    ScreenWidth,
    Scroll,
    Entry,
    #[serde(other)]
    Other,
}

/// What a value nobody reads is walked as. Not `IgnoredAny`: serde_json skips that without its
/// nesting limit and number checks, so `{"x": 1e400}` or 5,000 nested arrays in an unknown field
/// would pass. Only unknown fields, arrays and non-object bodies take this path.
type Unread = serde_json::Value;

impl<'de> Deserialize<'de> for Top<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct TopVisitor;
        impl<'de> Visitor<'de> for TopVisitor {
            type Value = Top<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top<'de>, A::Error> {
                let mut body = Body::default();
                // Not a derived struct: that refuses a repeated key, where the last one counts
                // here (as in `JSON.parse`).
                while let Some(key) = map.next_key::<Field>()? {
                    let slot = match key {
                        Field::Site => &mut body.site,
                        Field::Name => &mut body.name,
                        Field::Url => &mut body.url,
                        Field::Referrer => &mut body.referrer,
                        Field::Props => &mut body.props,
                        Field::Revenue => &mut body.revenue,
                        Field::EngagedMs => &mut body.engaged_ms,
                        Field::ScreenWidth => &mut body.screen_width,
                        Field::Scroll => &mut body.scroll,
                        Field::Entry => &mut body.entry,
                        Field::Other => {
                            map.next_value::<Unread>()?;
                            continue;
                        }
                    };
                    *slot = Some(map.next_value()?);
                }
                Ok(Top(Some(body)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Top<'de>, A::Error> {
                while seq.next_element::<Unread>()?.is_some() {}
                Ok(Top(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
            fn visit_unit<E>(self) -> Result<Top<'de>, E> {
                Ok(Top(None))
            }
        }
        d.deserialize_any(TopVisitor)
    }
}

impl<'de> Deserialize<'de> for Json<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct JsonVisitor;
        impl<'de> Visitor<'de> for JsonVisitor {
            type Value = Json<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Json<'de>, E> {
                Ok(Json::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Json<'de>, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Json<'de>, E> {
                Ok(Json::Number(v.into()))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Json<'de>, E> {
                // As `serde_json::Value` does; the parser never yields a non-finite number.
                Ok(Number::from_f64(v).map_or(Json::Null, Json::Number))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Json<'de>, E> {
                Ok(Json::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_unit<E>(self) -> Result<Json<'de>, E> {
                Ok(Json::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json<'de>, A::Error> {
                while seq.next_element::<Unread>()?.is_some() {}
                Ok(Json::Array)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json<'de>, A::Error> {
                let mut entries = Vec::new();
                while let Some((ObjectKey(key), value)) = map.next_entry()? {
                    entries.push((key, value));
                }
                Ok(Json::Object(entries))
            }
        }
        d.deserialize_any(JsonVisitor)
    }
}

/// A present, non-null field.
fn field<'j, 'a>(v: &'j Option<Json<'a>>) -> Option<&'j Json<'a>> {
    v.as_ref().filter(|v| !matches!(v, Json::Null))
}

/// A present, non-null member of an object; of a repeated key the last one counts.
fn member<'j, 'a>(entries: &'j [(Cow<'a, str>, Json<'a>)], key: &str) -> Option<&'j Json<'a>> {
    entries
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
        .filter(|v| !matches!(v, Json::Null))
}

fn wrong_type(field: &'static str, expected: &'static str) -> PayloadError {
    PayloadError::WrongType { field, expected }
}

fn as_str<'j>(v: &'j Json<'_>, field: &'static str) -> Result<&'j str, PayloadError> {
    match v {
        Json::Str(s) => Ok(s),
        _ => Err(wrong_type(field, "a string")),
    }
}

/// Length cap (413) first, so an over-size value is reported as such whatever it contains.
fn check_len(s: &str, field: &'static str, max: usize) -> Result<(), PayloadError> {
    // Byte length bounds char count, so the count is only needed for long or non-ASCII text.
    if s.len() > max && s.chars().count() > max {
        return Err(PayloadError::TooLong { field, max });
    }
    Ok(())
}

/// Length first, then [`crate::text`]'s one rule for visitor-supplied text.
fn check_text(s: &str, field: &'static str, max: usize) -> Result<(), PayloadError> {
    check_len(s, field, max)?;
    text::check(s).map_err(|text::TextFault::Unprintable| PayloadError::Unprintable(field))
}

/// The site ends up in headers, log lines and storage keys, so only hostname characters pass.
/// ASCII uppercase is folded (`data-site="Example.com"` is a typo, not an attack).
fn validate_site(s: &str) -> Result<String, PayloadError> {
    check_len(s, "site", MAX_SITE_CHARS)?;
    let site = s.to_ascii_lowercase();
    let charset_ok = site
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
    let ends_ok =
        site.starts_with(|c: char| c.is_ascii_alphanumeric()) && site.ends_with(|c: char| c.is_ascii_alphanumeric());
    if !charset_ok || !ends_ok || site.contains("..") {
        return Err(PayloadError::Invalid {
            field: "site",
            reason: "must be a hostname such as example.com",
        });
    }
    Ok(site)
}

fn validate_name(s: &str) -> Result<String, PayloadError> {
    check_text(s, "name", MAX_NAME_CHARS)?;
    // A name that shows nothing (spaces, soft hyphens, variation selectors) names nothing.
    if text::is_blank(s) {
        return Err(PayloadError::Invalid {
            field: "name",
            reason: "must not be empty",
        });
    }
    Ok(s.to_owned())
}

fn validate_url(s: &str) -> Result<(String, ParsedUrl), PayloadError> {
    check_text(s, "url", MAX_URL_CHARS)?;
    // The common shape needs no `Url`.
    if let Some(parts) = split_simple(s) {
        let spans = parts.spans(s);
        return Ok((s.to_owned(), ParsedUrl(Parsed::Simple(spans))));
    }
    let invalid = PayloadError::Invalid {
        field: "url",
        reason: "must be an absolute http(s) URL",
    };
    let parsed = Url::parse(s).map_err(|_| invalid.clone())?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none_or(str::is_empty) {
        return Err(invalid);
    }
    Ok((s.to_owned(), ParsedUrl(Parsed::Full(Box::new(parsed)))))
}

/// The referrer is kept as text: apps send non-URL values (`android-app://…`) that
/// enrichment interprets later.
fn validate_referrer(s: &str) -> Result<Option<String>, PayloadError> {
    check_text(s, "referrer", MAX_REFERRER_CHARS)?;
    Ok((!s.is_empty()).then(|| s.to_owned()))
}

fn host_of(s: &str) -> Option<String> {
    Url::parse(s).ok()?.host_str().map(str::to_owned)
}

/// Validates `props` and returns it as JSON object text with sorted keys, each key once (the
/// last occurrence), numbers as serde_json writes them.
fn parse_props(v: &Json<'_>) -> Result<Option<String>, PayloadError> {
    const EXPECTED: &str = "a flat object of string, number or boolean values";
    let Json::Object(entries) = v else {
        return Err(wrong_type("props", EXPECTED));
    };
    let mut props: Vec<(&str, &Json<'_>)> = entries.iter().map(|(k, v)| (k.as_ref(), v)).collect();
    // Stable: of equal keys the last one sent ends up last, and is the one kept.
    props.sort_by(|a, b| a.0.cmp(b.0));
    let mut kept: Vec<(&str, &Json<'_>)> = Vec::with_capacity(props.len());
    for (key, value) in props {
        match kept.last_mut() {
            Some(last) if last.0 == key => *last = (key, value),
            _ => kept.push((key, value)),
        }
    }
    if kept.len() > MAX_PROPS {
        return Err(PayloadError::TooManyProps { max: MAX_PROPS });
    }
    for &(key, value) in &kept {
        check_text(key, "props key", MAX_PROP_KEY_CHARS)?;
        if text::is_blank(key) {
            return Err(PayloadError::Invalid {
                field: "props key",
                reason: "must not be empty",
            });
        }
        match value {
            Json::Str(s) => check_text(s, "props value", MAX_PROP_VALUE_CHARS)?,
            Json::Number(_) | Json::Bool(_) => {}
            _ => return Err(wrong_type("props", EXPECTED)),
        }
    }
    if kept.is_empty() {
        return Ok(None);
    }
    serde_json::to_string(&Props(&kept))
        .map(Some)
        .map_err(|_| PayloadError::Invalid {
            field: "props",
            reason: "cannot be serialised",
        })
}

/// Validated props, written as a JSON object.
struct Props<'p, 'a>(&'p [(&'p str, &'p Json<'a>)]);

impl Serialize for Props<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in self.0 {
            match value {
                Json::Str(v) => map.serialize_entry(key, v.as_ref())?,
                Json::Number(n) => map.serialize_entry(key, n)?,
                Json::Bool(b) => map.serialize_entry(key, b)?,
                // Validation lets only the three kinds above through.
                _ => map.serialize_entry(key, &())?,
            }
        }
        map.end()
    }
}

fn parse_amount(v: &Json<'_>, field: &'static str) -> Result<f64, PayloadError> {
    let Json::Number(n) = v else {
        return Err(wrong_type(field, "a number"));
    };
    let amount = n.as_f64().ok_or(wrong_type(field, "a number"))?;
    // serde_json never yields NaN or infinity, but `as_f64` on a huge integer could round; the
    // range check covers both.
    if !amount.is_finite() || amount.abs() > MAX_REVENUE_ABS {
        return Err(PayloadError::Invalid {
            field,
            reason: "must be finite with an absolute value of at most 1e12",
        });
    }
    Ok(amount)
}

fn parse_revenue(v: &Json<'_>) -> Result<(Option<f64>, Option<String>), PayloadError> {
    match v {
        Json::Number(_) => Ok((Some(parse_amount(v, "revenue")?), None)),
        Json::Object(obj) => {
            let amount = parse_amount(
                member(obj, "amount").ok_or(PayloadError::Missing("revenue.amount"))?,
                "revenue.amount",
            )?;
            let currency = match member(obj, "currency") {
                None => None,
                Some(c) => {
                    let c = as_str(c, "revenue.currency")?;
                    if c.len() != 3 || !c.bytes().all(|b| b.is_ascii_uppercase()) {
                        return Err(PayloadError::Invalid {
                            field: "revenue.currency",
                            reason: "must be a 3-letter uppercase ISO 4217 code",
                        });
                    }
                    Some(c.to_owned())
                }
            };
            Ok((Some(amount), currency))
        }
        _ => Err(wrong_type(
            "revenue",
            "a number or an object {\"amount\": number, \"currency\": \"EUR\"}",
        )),
    }
}

/// An optional integer field in `0..=max`.
fn bounded_u32(v: Option<&Json<'_>>, field: &'static str, max: u32) -> Result<Option<u32>, PayloadError> {
    let Some(v) = v else { return Ok(None) };
    let Json::Number(n) = v else {
        return Err(wrong_type(field, "an integer"));
    };
    if let Some(u) = n.as_u64() {
        return match u32::try_from(u) {
            Ok(u) if u <= max => Ok(Some(u)),
            _ => Err(PayloadError::OutOfRange { field, max }),
        };
    }
    if n.is_i64() {
        return Err(PayloadError::OutOfRange { field, max }); // negative
    }
    // `1.0`, `1e3` and integers beyond u64 all arrive as floats: not an integer on the wire.
    Err(wrong_type(field, "an integer"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use PayloadError as E;

    fn minimal() -> Payload {
        Payload {
            site: "example.com".into(),
            name: "pageview".into(),
            url: "https://example.com/".into(),
            parsed_url: ParsedUrl::default(),
            referrer: None,
            props: None,
            revenue: None,
            currency: None,
            engaged_ms: None,
            screen_width: None,
            scroll_depth: None,
            entry: None,
        }
    }

    /// A valid minimal body with `extra` fields spliced in.
    fn body(extra: &str) -> String {
        let sep = if extra.is_empty() { "" } else { "," };
        format!(r#"{{"site":"example.com","url":"https://example.com/"{sep}{extra}}}"#)
    }

    /// `n` props `"k00": 1, …` as object text.
    fn props(n: usize) -> String {
        let pairs: Vec<String> = (0..n).map(|i| format!(r#""k{i:02}":1"#)).collect();
        format!("{{{}}}", pairs.join(","))
    }

    #[test]
    #[rustfmt::skip]
    fn accepts_valid_bodies() {
        let all = r#"{"site":"Shop.Example.com","name":"Signup clicked","url":"https://shop.example.com/a?b=c#d",
            "referrer":"https://www.google.com/","props":{"plan":"pro","seats":3,"trial":false},
            "revenue":{"amount":19.99,"currency":"EUR"},"engaged_ms":1234,"screen_width":1280,"scroll":57,"entry":true,
            "unknown":{"deep":[1,2,3]}}"#;
        let full = Payload {
            site: "shop.example.com".into(),
            name: "Signup clicked".into(),
            url: "https://shop.example.com/a?b=c#d".into(),
            parsed_url: ParsedUrl::default(),
            referrer: Some("https://www.google.com/".into()),
            props: Some(r#"{"plan":"pro","seats":3,"trial":false}"#.into()),
            revenue: Some(19.99),
            currency: Some("EUR".into()),
            engaged_ms: Some(1234),
            screen_width: Some(1280),
            scroll_depth: Some(57),
            entry: Some(true),
        };
        let at_cap = {
            let pad = MAX_BODY_BYTES - body(r#""pad":"""#).len();
            body(&format!(r#""pad":"{}""#, " ".repeat(pad)))
        };
        let m = minimal;
        let cases: Vec<(&str, String, Payload)> = vec![
            ("minimal", body(""), m()),
            ("all fields", all.into(), full),
            ("nulls are absent", body(r#""name":null,"referrer":null,"props":null,"revenue":null,"engaged_ms":null,"scroll":null,"entry":null"#), m()),
            ("empty referrer", body(r#""referrer":"""#), m()),
            ("empty props", body(r#""props":{}"#), m()),
            ("revenue number", body(r#""revenue":-5"#), Payload { revenue: Some(-5.0), ..m() }),
            ("revenue, no currency", body(r#""revenue":{"amount":1e12}"#), Payload { revenue: Some(1e12), ..m() }),
            ("bounds inclusive", body(r#""engaged_ms":86400000,"screen_width":0"#), Payload { engaged_ms: Some(86_400_000), screen_width: Some(0), ..m() }),
            ("scroll bounds inclusive", body(r#""scroll":0"#), Payload { scroll_depth: Some(0), ..m() }),
            ("scroll 100", body(r#""scroll":100"#), Payload { scroll_depth: Some(100), ..m() }),
            ("entry false", body(r#""entry":false"#), Payload { entry: Some(false), ..m() }),
            ("http, port", r#"{"site":"localhost","url":"http://localhost:8080/x"}"#.into(), Payload { site: "localhost".into(), url: "http://localhost:8080/x".into(), ..m() }),
            ("non-URL referrer", body(r#""referrer":"android-app://com.google.android.gm""#), Payload { referrer: Some("android-app://com.google.android.gm".into()), ..m() }),
            ("unicode name", body(r#""name":"Warenkorb öffnen ✓""#), Payload { name: "Warenkorb öffnen ✓".into(), ..m() }),
            ("joiners inside text", body(r#""name":"👨\u200d👩","props":{"q":"می\u200cخواهم"}"#), Payload { name: "👨\u{200d}👩".into(), props: Some("{\"q\":\"می\u{200c}خواهم\"}".into()), ..m() }),
            ("name at cap", body(&format!(r#""name":"{}""#, "é".repeat(120))), Payload { name: "é".repeat(120), ..m() }),
            ("30 props", body(&format!(r#""props":{}"#, props(30))), Payload { props: Some(props(30)), ..m() }),
            ("body at cap", at_cap, m()),
            ("escaped key", r#"{"s\u0069te":"example.com","url":"https://example.com/"}"#.into(), m()),
            ("last of a repeated key", r#"{"site":"evil.com","url":"https://example.com/","site":"example.com"}"#.into(), m()),
            ("props: sorted, repeated key's last", body(r#""props":{"b":1,"a":"x","b":2.50}"#), Payload { props: Some(r#"{"a":"x","b":2.5}"#.into()), ..m() }),
            ("non-simple url", body(r#""url":"https://EXAMPLE.com:443/a/../b""#), Payload { url: "https://EXAMPLE.com:443/a/../b".into(), ..m() }),
        ];
        for (label, input, want) in cases {
            assert_eq!(parse_event_body(input.as_bytes()), Ok(want), "{label}");
        }
    }

    #[test]
    #[rustfmt::skip]
    fn rejects_bad_bodies() {
        let b = |extra: &str| body(extra).into_bytes();
        let j = |json: &str| json.as_bytes().to_vec();
        let with_site = |site: &str| format!(r#"{{"site":"{site}","url":"https://example.com/"}}"#).into_bytes();
        let with_url = |url: &str| format!(r#"{{"site":"example.com","url":"{url}"}}"#).into_bytes();
        let invalid = |field, reason| Some(E::Invalid { field, reason });
        let too_long = |field, max| Some(E::TooLong { field, max });
        let wrong = |field, expected| Some(E::WrongType { field, expected });
        let bad_site = invalid("site", "must be a hostname such as example.com");
        let bad_url = invalid("url", "must be an absolute http(s) URL");
        let bad_amount = |field| invalid(field, "must be finite with an absolute value of at most 1e12");
        let engaged_range = Some(E::OutOfRange { field: "engaged_ms", max: 86_400_000 });
        let screen_range = Some(E::OutOfRange { field: "screen_width", max: 100_000 });
        let scroll_range = Some(E::OutOfRange { field: "scroll", max: 100 });
        let bad_currency = invalid("revenue.currency", "must be a 3-letter uppercase ISO 4217 code");
        let cases: Vec<(&str, Vec<u8>, u16, Option<E>)> = vec![
            // Syntax, encoding, shape.
            ("empty", j(""), 400, None),
            ("truncated", j(r#"{"site":"#), 400, None),
            ("trailing garbage", b("").into_iter().chain(*b" x").collect(), 400, None),
            ("deep array", "[".repeat(10_000).into_bytes(), 400, None),
            ("deep unknown field", b(&format!(r#""x":{}1{}"#, "[".repeat(200), "]".repeat(200))), 400, None),
            ("huge number in an unknown field", b(r#""x":{"y":1e400}"#), 400, None),
            ("array", j("[]"), 400, Some(E::NotAnObject)),
            ("string", j(r#""x""#), 400, Some(E::NotAnObject)),
            ("invalid utf-8", b"{\"site\":\"ex\xffample.com\"}".to_vec(), 400, Some(E::InvalidUtf8)),
            ("raw NUL byte", b("\"name\":\"a\0b\""), 400, None),
            ("raw newline in string", b("\"name\":\"a\nb\""), 400, None),
            ("body over cap", b(&format!(r#""pad":"{}""#, " ".repeat(MAX_BODY_BYTES))), 413, Some(E::BodyTooLarge)),
            // Control and invisible characters (escaped, so valid JSON).
            ("NUL in name", b(r#""name":"a\u0000b""#), 400, Some(E::Unprintable("name"))),
            ("NUL in url", with_url(r"https://example.com/\u0000"), 400, Some(E::Unprintable("url"))),
            ("C1 in referrer", b(r#""referrer":"https://a.com/\u0085""#), 400, Some(E::Unprintable("referrer"))),
            ("tab in prop value", b(r#""props":{"a":"x\ty"}"#), 400, Some(E::Unprintable("props value"))),
            ("control in prop key", b(r#""props":{"a\u0001":"x"}"#), 400, Some(E::Unprintable("props key"))),
            // One rule for every text field: bidi and invisible characters as control characters.
            ("bidi override in name", b(r#""name":"a\u202eb""#), 400, Some(E::Unprintable("name"))),
            ("bidi isolate in url", with_url(r"https://example.com/\u2066x"), 400, Some(E::Unprintable("url"))),
            ("Arabic letter mark in referrer", b(r#""referrer":"https://a.com/\u061c""#), 400, Some(E::Unprintable("referrer"))),
            ("zero-width space in prop value", b(r#""props":{"a":"x\u200by"}"#), 400, Some(E::Unprintable("props value"))),
            ("line separator in prop key", b(r#""props":{"a\u2028":"x"}"#), 400, Some(E::Unprintable("props key"))),
            ("RLM in prop value", b(r#""props":{"a":"\u200f"}"#), 400, Some(E::Unprintable("props value"))),
            ("BOM in name", b(r#""name":"\ufeffa""#), 400, Some(E::Unprintable("name"))),
            ("Hangul filler name", b(r#""name":"\u3164""#), 400, Some(E::Unprintable("name"))),
            ("blank name", b(r#""name":"  ""#), 400, invalid("name", "must not be empty")),
            ("invisible-only name", b(r#""name":"\u00ad\ufe0f""#), 400, invalid("name", "must not be empty")),
            ("blank prop key", b(r#""props":{" ":"x"}"#), 400, invalid("props key", "must not be empty")),
            // Required fields and site.
            ("missing site", j(r#"{"url":"https://example.com/"}"#), 400, Some(E::Missing("site"))),
            ("missing url", j(r#"{"site":"example.com"}"#), 400, Some(E::Missing("url"))),
            ("null url", j(r#"{"site":"example.com","url":null}"#), 400, Some(E::Missing("url"))),
            ("site number", j(r#"{"site":1,"url":"https://example.com/"}"#), 400, wrong("site", "a string")),
            ("site with path", with_site("example.com/x"), 400, bad_site.clone()),
            ("site with port", with_site("example.com:8080"), 400, bad_site.clone()),
            ("site empty", with_site(""), 400, bad_site.clone()),
            ("site ..", with_site("a..b"), 400, bad_site.clone()),
            ("site leading dot", with_site(".example.com"), 400, bad_site.clone()),
            ("site trailing dash", with_site("example-"), 400, bad_site.clone()),
            ("site unicode", with_site(r"b\u00fccher.de"), 400, bad_site.clone()),
            ("site NUL", with_site(r"a\u0000b"), 400, bad_site),
            ("site too long", with_site(&"a".repeat(254)), 413, too_long("site", 253)),
            // Name, url, referrer.
            ("name too long", b(&format!(r#""name":"{}""#, "é".repeat(121))), 413, too_long("name", 120)),
            ("name array", b(r#""name":["a"]"#), 400, wrong("name", "a string")),
            ("relative url", with_url("/pricing"), 400, bad_url.clone()),
            ("scheme-relative url", with_url("//example.com/"), 400, bad_url.clone()),
            ("javascript url", with_url("javascript:alert(1)"), 400, bad_url.clone()),
            ("ftp url", with_url("ftp://example.com/"), 400, bad_url.clone()),
            ("data url", with_url("data:text/html,hi"), 400, bad_url),
            ("url object", j(r#"{"site":"example.com","url":{}}"#), 400, wrong("url", "a string")),
            ("url too long", with_url(&format!("https://example.com/{}", "a".repeat(2048))), 413, too_long("url", 2048)),
            ("referrer too long", b(&format!(r#""referrer":"{}""#, "a".repeat(2049))), 413, too_long("referrer", 2048)),
            ("referrer bool", b(r#""referrer":false"#), 400, wrong("referrer", "a string")),
            // Props.
            ("props array", b(r#""props":[1]"#), 400, None),
            ("props nested", b(r#""props":{"a":{"b":1}}"#), 400, None),
            ("props null value", b(r#""props":{"a":null}"#), 400, None),
            ("props empty key", b(r#""props":{"":1}"#), 400, invalid("props key", "must not be empty")),
            ("props 31 keys", b(&format!(r#""props":{}"#, props(31))), 413, Some(E::TooManyProps { max: 30 })),
            ("props key too long", b(&format!(r#""props":{{"{}":1}}"#, "k".repeat(65))), 413, too_long("props key", 64)),
            ("props value too long", b(&format!(r#""props":{{"k":"{}"}}"#, "v".repeat(257))), 413, too_long("props value", 256)),
            // Revenue.
            ("revenue string", b(r#""revenue":"10""#), 400, wrong("revenue", r#"a number or an object {"amount": number, "currency": "EUR"}"#)),
            ("revenue too big", b(r#""revenue":1.5e12"#), 400, bad_amount("revenue")),
            ("revenue too negative", b(r#""revenue":{"amount":-1e13,"currency":"USD"}"#), 400, bad_amount("revenue.amount")),
            ("revenue huge literal", b(r#""revenue":1e400"#), 400, None),
            ("revenue no amount", b(r#""revenue":{"currency":"EUR"}"#), 400, Some(E::Missing("revenue.amount"))),
            ("currency lowercase", b(r#""revenue":{"amount":1,"currency":"eur"}"#), 400, bad_currency.clone()),
            ("currency 4 letters", b(r#""revenue":{"amount":1,"currency":"EURO"}"#), 400, bad_currency),
            ("currency number", b(r#""revenue":{"amount":1,"currency":978}"#), 400, None),
            // Integers.
            ("engaged float", b(r#""engaged_ms":1.5"#), 400, wrong("engaged_ms", "an integer")),
            ("engaged 1.0", b(r#""engaged_ms":1.0"#), 400, wrong("engaged_ms", "an integer")),
            ("engaged 1e3", b(r#""engaged_ms":1e3"#), 400, wrong("engaged_ms", "an integer")),
            ("engaged negative", b(r#""engaged_ms":-1"#), 400, engaged_range.clone()),
            ("engaged over a day", b(r#""engaged_ms":86400001"#), 400, engaged_range),
            ("engaged beyond u64", b(r#""engaged_ms":123456789012345678901234567890"#), 400, None),
            ("engaged string", b(r#""engaged_ms":"5""#), 400, None),
            ("screen too wide", b(r#""screen_width":100001"#), 400, screen_range.clone()),
            ("screen beyond u32", b(r#""screen_width":4294967297"#), 400, screen_range),
            ("scroll over 100", b(r#""scroll":101"#), 400, scroll_range.clone()),
            ("scroll negative", b(r#""scroll":-1"#), 400, scroll_range),
            ("scroll fraction", b(r#""scroll":50.5"#), 400, wrong("scroll", "an integer")),
            ("scroll string", b(r#""scroll":"50""#), 400, None),
            ("entry string", b(r#""entry":"true""#), 400, wrong("entry", "a boolean")),
        ];
        for (label, input, status, want) in cases {
            let err = parse_event_body(&input).expect_err(label);
            assert_eq!(err.status(), status, "{label}: {err}");
            if let Some(want) = want {
                assert_eq!(err, want, "{label}");
            }
        }
    }

    #[test]
    fn object_keys_borrow_unless_escaped() {
        let cases = [(r#""plan""#, true), (r#""pl\u0061n""#, false)];
        for (json, borrowed) in cases {
            let ObjectKey(key) = serde_json::from_str(json).expect(json);
            assert_eq!(
                (key.as_ref(), matches!(key, Cow::Borrowed(_))),
                ("plan", borrowed),
                "{json}"
            );
        }
    }

    #[test]
    fn error_messages_name_the_field() {
        let err = parse_event_body(body(r#""engaged_ms":-1"#).as_bytes()).expect_err("negative");
        assert_eq!(err.to_string(), "`engaged_ms` must be an integer in 0..=86400000");
        let long = format!(r#""referrer":"{}""#, "a".repeat(3000));
        let err = parse_event_body(body(&long).as_bytes()).expect_err("long");
        assert_eq!(err.to_string(), "`referrer` is longer than 2048 characters");
        // Deep nesting ends in serde_json's recursion limit, not a stack overflow.
        let err = parse_event_body("[".repeat(16_000).as_bytes()).expect_err("deep");
        assert!(
            matches!(&err, E::MalformedJson(m) if m.contains("recursion limit")),
            "{err}"
        );
        let err = parse_event_body(body(r#""revenue":1e400"#).as_bytes()).expect_err("huge");
        assert!(
            matches!(&err, E::MalformedJson(m) if m.contains("out of range")),
            "{err}"
        );
    }

    type PixelCase<'a> = (&'a str, String, Option<&'a str>, Result<Payload, u16>);

    #[test]
    #[rustfmt::skip]
    fn pixel_queries() {
        let q = |list: &[(&str, &str)]| -> String {
            url::form_urlencoded::Serializer::new(String::new()).extend_pairs(list).finish()
        };
        let raw = |query: &str| query.to_owned();
        let page = "https://example.com/page";
        let long_url = format!("{page}{}", "a".repeat(2048));
        let long_r = "a".repeat(2049);
        let at = |referrer: Option<&str>, name: &str| Ok(Payload {
            url: page.into(),
            referrer: referrer.map(str::to_owned),
            name: name.into(),
            ..minimal()
        });
        let cases: Vec<PixelCase> = vec![
            ("url from param", q(&[("site", "example.com"), ("url", page)]), None, at(None, "pageview")),
            ("url from Referer", q(&[("site", "example.com")]), Some(page), at(None, "pageview")),
            ("empty url falls back", q(&[("site", "example.com"), ("url", "")]), Some(page), at(None, "pageview")),
            ("same-host Referer", q(&[("site", "example.com"), ("url", page)]), Some("https://example.com/"), at(None, "pageview")),
            ("other-host Referer", q(&[("site", "example.com"), ("url", page)]), Some("https://mail.example.net/inbox"), at(Some("https://mail.example.net/inbox"), "pageview")),
            ("unparsable Referer", q(&[("site", "example.com"), ("url", page)]), Some("garbage"), at(None, "pageview")),
            ("r and n win", q(&[("site", "example.com"), ("url", page), ("r", "https://t.co/x"), ("n", "open")]), Some("https://other.org/"), at(Some("https://t.co/x"), "open")),
            ("empty n is pageview", q(&[("site", "Example.com"), ("url", page), ("n", "")]), None, at(None, "pageview")),
            ("first occurrence wins", q(&[("site", "example.com"), ("site", "evil.com"), ("url", page)]), None, at(None, "pageview")),
            ("missing site", q(&[("url", page)]), None, Err(400)),
            ("missing url", q(&[("site", "example.com")]), None, Err(400)),
            ("bad site", q(&[("site", "exa mple.com"), ("url", page)]), None, Err(400)),
            ("relative url", q(&[("site", "example.com"), ("url", "/x")]), None, Err(400)),
            ("javascript url", q(&[("site", "example.com"), ("url", "javascript:alert(1)")]), None, Err(400)),
            ("app Referer as url", q(&[("site", "example.com")]), Some("android-app://x"), Err(400)),
            ("NUL in name", q(&[("site", "example.com"), ("url", page), ("n", "a\0")]), None, Err(400)),
            ("url too long", q(&[("site", "example.com"), ("url", &long_url)]), None, Err(413)),
            ("r too long", q(&[("site", "example.com"), ("url", page), ("r", &long_r)]), None, Err(413)),
            // Percent-decoded bytes that are not UTF-8 are refused, not stored as U+FFFD.
            ("n %FF", raw("site=example.com&url=https%3A%2F%2Fexample.com%2Fpage&n=%FF"), None, Err(400)),
            ("url surrogate", raw("site=example.com&url=https://example.com/%ED%A0%80"), None, Err(400)),
            ("r surrogate", raw("site=example.com&url=https://example.com/page&r=https://a.com/%ED%A0%80"), None, Err(400)),
            ("r overlong", raw("site=example.com&url=https://example.com/page&r=%C0%AF"), None, Err(400)),
            ("encoded, valid", raw("site=example.com&url=https%3A%2F%2Fexample.com%2Fpage&n=caf%C3%A9+open"), None, at(None, "café open")),
            ("bad bytes in an unread parameter", raw("site=example.com&url=https://example.com/page&x=%FF&%FF=1"), None, at(None, "pageview")),
            ("bidi override in n", q(&[("site", "example.com"), ("url", page), ("n", "\u{202E}gnp.exe")]), None, Err(400)),
            ("invisible-only n", q(&[("site", "example.com"), ("url", page), ("n", "\u{3164}")]), None, Err(400)),
            ("zero-width in r", q(&[("site", "example.com"), ("url", page), ("r", "https://a\u{200B}.com/")]), None, Err(400)),
        ];
        for (label, query, header, want) in cases {
            let got = parse_pixel_query(&query, header).map_err(|e| e.status());
            assert_eq!(got, want, "{label}");
        }
        let err = |query: &str| parse_pixel_query(query, None).map_err(|e| e.to_string());
        assert_eq!(
            err("site=example.com&url=https://example.com/&n=%FF"),
            Err("`name` is not valid UTF-8 once percent-decoded".into())
        );
        assert_eq!(
            err("site=example.com&url=https://example.com/&r=https://a.com/%ED%A0%80"),
            Err("`referrer` is not valid UTF-8 once percent-decoded".into())
        );
    }
}
