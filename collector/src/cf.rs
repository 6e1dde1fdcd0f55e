//! Reads `request.cf` field by field from the raw JS object. The `worker` crate's typed getters
//! unwrap and panic on an absent or oddly typed field; here every field is optional.

use js_sys::Reflect;
use wasm_bindgen::JsValue;

use crate::enrich::geo::Geo;

pub fn read_geo(request: &worker::Request) -> Geo {
    let cf = Reflect::get(request.inner(), &JsValue::from_str("cf")).unwrap_or(JsValue::UNDEFINED);
    if !cf.is_object() {
        return Geo::default();
    }
    let bot_management = field(&cf, "botManagement");
    Geo {
        country: text(&cf, "country"),
        region: text(&cf, "region"),
        city: text(&cf, "city"),
        continent: text(&cf, "continent"),
        timezone: text(&cf, "timezone"),
        asn: number(&cf, "asn"),
        as_org: text(&cf, "asOrganization"),
        colo: text(&cf, "colo"),
        verified_bot: bot_management
            .as_ref()
            .and_then(|bm| field(bm, "verifiedBot"))
            .and_then(|v| v.as_bool()),
        bot_score: bot_management.as_ref().and_then(|bm| number(bm, "score")),
    }
    .normalized()
}

fn field(object: &JsValue, name: &str) -> Option<JsValue> {
    Reflect::get(object, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A string field, capped so a surprising value cannot bloat a row.
fn text(object: &JsValue, name: &str) -> Option<String> {
    field(object, name)
        .and_then(|v| v.as_string())
        .filter(|s| s.len() <= 256)
}

fn number(object: &JsValue, name: &str) -> Option<u32> {
    let value = field(object, name)?;
    let n = value.as_f64().or_else(|| value.as_string()?.parse().ok())?;
    (n.is_finite() && n >= 0.0 && n <= f64::from(u32::MAX)).then_some(n as u32)
}
