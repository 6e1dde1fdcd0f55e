//! Why a hit was flagged: the values of the `bot_reason` column, in the order the checks run.

pub const REASON_CF_VERIFIED: &str = "cf:verified-bot";
pub const REASON_UA_EMPTY: &str = "ua:empty";
pub const REASON_UA_HEADLESS: &str = "ua:headless";
pub const REASON_UA_MONITORING: &str = "ua:monitoring";
pub const REASON_UA_PREVIEW: &str = "ua:preview";
pub const REASON_UA_CRAWLER: &str = "ua:crawler";
pub const REASON_UA_HTTP_LIBRARY: &str = "ua:http-library";
/// A native app's HTTP stack (Dalvik, OkHttp, CFNetwork) with no browser in the UA.
pub const REASON_UA_APP: &str = "ua:app";
/// A pattern of the vendored crawler-user-agents list.
pub const REASON_UA_CRAWLER_LIST: &str = "ua:crawler-list";
/// A pattern of the vendored isbot list.
pub const REASON_UA_ISBOT_LIST: &str = "ua:isbot-list";
pub const REASON_UA_GENERIC: &str = "ua:generic";
pub const REASON_CF_BOT_SCORE: &str = "cf:bot-score";
pub const REASON_ASN_DATACENTER: &str = "asn:datacenter";
pub const REASON_NO_ACCEPT_LANGUAGE: &str = "no-accept-language";

/// Every reason [`super::detect_bot`] can return.
pub const REASONS: [&str; 14] = [
    REASON_CF_VERIFIED,
    REASON_UA_EMPTY,
    REASON_UA_HEADLESS,
    REASON_UA_MONITORING,
    REASON_UA_PREVIEW,
    REASON_UA_CRAWLER,
    REASON_UA_HTTP_LIBRARY,
    REASON_UA_APP,
    REASON_UA_CRAWLER_LIST,
    REASON_UA_ISBOT_LIST,
    REASON_UA_GENERIC,
    REASON_CF_BOT_SCORE,
    REASON_ASN_DATACENTER,
    REASON_NO_ACCEPT_LANGUAGE,
];
