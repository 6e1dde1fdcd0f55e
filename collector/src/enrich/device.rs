//! Device, browser and OS detection from the User-Agent and User-Agent Client Hints.
//!
//! One pass over the UA's tokens (`Name/1.2` and the words inside parentheses) recognises the
//! browsers, platforms and form factors we report; what it cannot place is `other`. (woothee was
//! the fallback at first; its regex engine cost ~170 KB gzipped of wasm and pushed the Worker over
//! its 1 MiB budget, for no gain on our UA corpus. Crawlers are caught by `bots`.)
//! Client hints, sent by Chromium browsers, then refine the result: the brand (Brave, Edge,
//! ...), the real OS version hidden by UA reduction, and the form factor.
//!
//! Values are normalised to a small stable set:
//!
//! | field | values |
//! |---|---|
//! | `device_type` | one of [`hitflow_schema::DEVICE_TYPES`] |
//! | `browser` | Chrome, Chrome WebView, Safari, Safari WebView, Firefox, Edge, Opera, Samsung Internet, Yandex Browser, Vivaldi, Brave (client hints only), UC Browser, DuckDuckGo, Silk, Oculus Browser, Internet Explorer; in-app: Instagram, Facebook, TikTok, Snapchat, WeChat, LinkedIn, Google App |
//! | `browser_version` | major version only (`"131"`) |
//! | `os` | Windows, macOS, iOS, iPadOS, Android, Linux, ChromeOS, HarmonyOS, Windows Phone, KaiOS, BlackBerry, BSD, Tizen, webOS, tvOS, Roku OS, PlayStation, Xbox, Nintendo |
//! | `os_version` | major version (`"17"`); `"10.15"` style for macOS 10.x; Windows `"11"`, `"10"`, `"8.1"`, `"8"`, `"7"`, `"Vista"`, `"XP"` |
//!
//! Known limits: without client hints Windows 11 reports as `"10"` and macOS 11+ as `"10.15"`
//! (browsers freeze those UA tokens), and Safari on iPadOS sends a Mac UA, so it counts as a
//! macOS desktop.

/// Longest UA prefix looked at: real UAs stay well under it, and it bounds the work per hit.
const MAX_UA_LEN: usize = 1024;
/// Most Sec-CH-UA list items parsed (browsers send three or four).
const MAX_BRANDS: usize = 16;

/// User-Agent Client Hints headers, raw (`None` when absent).
#[derive(Debug, Clone, Copy, Default)]
pub struct ClientHints<'a> {
    /// `Sec-CH-UA`: `"Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131"`.
    pub ua: Option<&'a str>,
    /// `Sec-CH-UA-Mobile`: `?1` or `?0`.
    pub mobile: Option<&'a str>,
    /// `Sec-CH-UA-Platform`: `"Windows"`.
    pub platform: Option<&'a str>,
    /// `Sec-CH-UA-Platform-Version`: `"15.0.0"`.
    pub platform_version: Option<&'a str>,
    /// `Sec-CH-UA-Full-Version-List`, same shape as `ua` with full versions.
    pub full_version_list: Option<&'a str>,
    /// `Sec-CH-UA-Model`: `"Pixel 8"`.
    pub model: Option<&'a str>,
    /// `Sec-CH-UA-Form-Factors`: `"Desktop"`, `"Mobile"`, `"Tablet"`, `"XR"`, `"EInk"`,
    /// `"Watch"`, `"Automotive"`, a list.
    pub form_factors: Option<&'a str>,
}

/// What a hit's device is, as far as the headers tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// One of [`hitflow_schema::DEVICE_TYPES`].
    pub device_type: &'static str,
    pub browser: Option<String>,
    /// Major version only, e.g. `"131"`.
    pub browser_version: Option<String>,
    pub os: Option<String>,
    pub os_version: Option<String>,
}

/// Detects device class, browser and OS. Never panics, whatever the input.
pub fn parse_device(user_agent: &str, hints: &ClientHints<'_>) -> Device {
    let ua = cap(user_agent, MAX_UA_LEN);
    let s = scan(ua);

    let mut os = s.os();
    let mut browser = s.browser(os);
    let mut os_version = os.and_then(|os| s.os_version(os));
    // Client hints come from Chromium browsers: trust their brand over a Chrome-looking UA
    // (Brave, and Edge or Opera with a stripped UA) but never over an in-app browser name.
    if let Some((name, version)) = hint_brand(hints) {
        let replaceable = matches!(browser, None | Some(("Chrome" | "Chrome WebView", _)));
        if replaceable {
            let ua_version = browser.and_then(|(n, v)| if n == name { v } else { None });
            browser = Some((name, major(version).or(ua_version)));
        }
    }
    let hint_platform = hints.platform.and_then(|p| platform_from_hint(unquote(p)));
    if let Some(p) = hint_platform {
        // Keep OSes more specific than what Chromium reports (HarmonyOS, webOS, consoles).
        if matches!(os, None | Some("Windows" | "macOS" | "Linux" | "Android" | "ChromeOS")) && os != Some(p) {
            os = Some(p);
            os_version = s.os_version(p);
        }
    }
    if let (Some(os), Some(pv)) = (os, hints.platform_version) {
        // A version only means something for the platform it came with.
        if hints.platform.is_none() || hint_platform == Some(os) {
            if let Some(v) = version_from_hint(os, unquote(pv)) {
                os_version = Some(v);
            }
        }
    }

    // Native Apple apps fetch with CFNetwork and name no OS; they are by far mostly iPhones,
    // unless Darwin says it runs on a Mac (`Darwin/21.6.0 (x86_64)`).
    let cfnetwork = os.is_none() && browser.is_none() && ua.contains("CFNetwork/");
    let mac_app = cfnetwork && (ua.contains("x86_64") || ua.contains("Macintosh") || ua.contains("MacBook"));
    if mac_app {
        os = Some("macOS");
    } else if cfnetwork {
        os = Some("iOS");
    }
    let cfnetwork = cfnetwork && !mac_app;
    let hint_mobile = match hints.mobile.map(str::trim) {
        Some("?1") => Some(true),
        Some("?0") => Some(false),
        _ => None,
    };
    // The final OS, so a platform hint can overrule the UA; HarmonyOS UAs also say "Android".
    let android = os == Some("Android") || (s.android && os == Some("HarmonyOS"));
    // Android UAs name the device model, which often tells its class better than the tokens.
    let model =
        hints
            .model
            .map(unquote)
            .filter(|m| !m.is_empty())
            .or_else(|| if s.android { android_model(ua) } else { None });
    let model_class = model.and_then(super::models::class_of);
    let form_factor = hints.form_factors.and_then(form_factor);
    let device_type = if s.console() || model_class == Some("console") {
        "console"
    } else if s.tv() || model_class == Some("tv") {
        "tv"
    } else if s.xr || form_factor == Some("other") {
        "other"
    } else if let Some(class) = form_factor {
        class
    } else if model_class == Some("tablet") {
        "tablet"
    } else if hint_mobile == Some(true) || model_class == Some("mobile") {
        "mobile"
    } else if s.ipad || s.tablet || s.kindle {
        "tablet"
    } else if android && !ua.starts_with("Mozilla/") && !ua.starts_with("Opera") && browser.is_none() {
        // An app's own HTTP stack (`Dalvik/2.1.0 (Linux; U; Android 11; ...)`) says nothing of
        // the screen: most Android devices are phones.
        "mobile"
    } else if android && (!s.mobile || hint_mobile == Some(false)) {
        "tablet"
    } else if s.mobile || s.iphone || s.windows_phone || s.kaios || s.blackberry || cfnetwork {
        "mobile"
    } else if matches!(os, Some("Windows" | "macOS" | "Linux" | "ChromeOS" | "BSD")) {
        "desktop"
    } else {
        "other"
    };

    Device {
        device_type,
        browser: browser.map(|(name, _)| name.to_owned()),
        browser_version: browser.and_then(|(_, v)| v).map(str::to_owned),
        os: os.map(str::to_owned),
        os_version,
    }
}

/// Flags and versions found in one pass over the UA tokens. A version is `Some("")` when the
/// token was present without one.
#[derive(Default)]
struct Scan<'a> {
    edge: Option<&'a str>,
    opera: Option<&'a str>,
    opera_presto: Option<&'a str>,
    samsung: Option<&'a str>,
    yandex: Option<&'a str>,
    vivaldi: Option<&'a str>,
    uc: Option<&'a str>,
    ddg: Option<&'a str>,
    silk: Option<&'a str>,
    oculus: Option<&'a str>,
    firefox: Option<&'a str>,
    chrome: Option<&'a str>,
    version: Option<&'a str>,
    msie: Option<&'a str>,
    rv: Option<&'a str>,
    safari: bool,
    webkit: bool,
    trident: bool,
    android_webview: bool,
    in_app: Option<&'static str>,
    in_app_version: Option<&'a str>,

    windows: bool,
    nt: Option<&'a str>,
    windows_phone: bool,
    mac: bool,
    mac_version: Option<&'a str>,
    iphone: bool,
    ipad: bool,
    ios_version: Option<&'a str>,
    android: bool,
    android_version: Option<&'a str>,
    harmony: bool,
    harmony_version: Option<&'a str>,
    linux: bool,
    bsd: bool,
    cros: bool,
    tizen: bool,
    tizen_version: Option<&'a str>,
    webos: bool,
    kaios: bool,
    blackberry: bool,

    mobile: bool,
    tablet: bool,
    kindle: bool,
    tv: bool,
    apple_tv: bool,
    roku: bool,
    playstation: bool,
    xbox: bool,
    nintendo: bool,
    xr: bool,
}

fn first<'a>(slot: &mut Option<&'a str>, value: &'a str) {
    if slot.is_none() {
        *slot = Some(value);
    }
}

fn scan(ua: &str) -> Scan<'_> {
    let mut s = Scan::default();
    let (mut prev, mut prev2) = ("", "");
    for tok in tokens(ua) {
        s.token(tok, prev, prev2);
        prev2 = prev;
        prev = tok;
    }
    s
}

/// The non-empty runs between separators (space `;` `(` `)` `,` `[` `]`), found on bytes: the
/// separators are ASCII, which never occurs inside a multi-byte character, so every cut falls on
/// a character boundary and nothing needs decoding.
fn tokens(ua: &str) -> impl Iterator<Item = &str> {
    let mut rest = ua;
    std::iter::from_fn(move || loop {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .bytes()
            .position(|b| matches!(b, b' ' | b';' | b'(' | b')' | b',' | b'[' | b']'))
            .unwrap_or(rest.len());
        let tok = rest.get(..end).unwrap_or("");
        rest = rest.get(end + 1..).unwrap_or("");
        if !tok.is_empty() {
            return Some(tok);
        }
    })
}

/// `Name/1.2` as (`Name`, `1.2`); a token without `/` is all name.
fn split_version(tok: &str) -> (&str, &str) {
    match tok.bytes().position(|b| b == b'/') {
        Some(i) => (tok.get(..i).unwrap_or(""), tok.get(i + 1..).unwrap_or("")),
        None => (tok, ""),
    }
}

impl<'a> Scan<'a> {
    // Kept out of line: inlined into `parse_device` its big `match` compiled to a chain of
    // out-of-line string compares and cost twice the instructions (measured with callgrind).
    #[inline(never)]
    fn token(&mut self, tok: &'a str, prev: &str, prev2: &str) {
        let (name, ver) = split_version(tok);
        match name.as_bytes() {
            b"Edg" | b"EdgA" | b"EdgiOS" | b"Edge" => first(&mut self.edge, ver),
            b"OPR" | b"OPiOS" | b"OPT" => first(&mut self.opera, ver),
            b"Opera" => first(&mut self.opera_presto, ver),
            b"SamsungBrowser" => first(&mut self.samsung, ver),
            b"YaBrowser" | b"YaSearchBrowser" => first(&mut self.yandex, ver),
            b"Vivaldi" => first(&mut self.vivaldi, ver),
            b"UCBrowser" => first(&mut self.uc, ver),
            b"Ddg" | b"DuckDuckGo" => first(&mut self.ddg, ver),
            b"Silk" => first(&mut self.silk, ver),
            b"OculusBrowser" | b"PicoBrowser" => {
                self.xr = true;
                first(&mut self.oculus, ver);
            }
            b"Firefox" | b"FxiOS" => first(&mut self.firefox, ver),
            b"Chrome" | b"CriOS" | b"HeadlessChrome" | b"Chromium" => first(&mut self.chrome, ver),
            b"Version" => first(&mut self.version, ver),
            b"Safari" => self.safari = true,
            b"AppleWebKit" => self.webkit = true,
            b"Trident" => self.trident = true,
            b"wv" => self.android_webview = true,
            b"Instagram" => self.app("Instagram", None),
            b"FBAN" | b"FB_IAB" => self.app("Facebook", None),
            b"FBAV" => {
                self.app("Facebook", None);
                if self.in_app == Some("Facebook") {
                    first(&mut self.in_app_version, ver);
                }
            }
            b"GSA" => self.app("Google App", Some(ver)),
            b"BytedanceWebview" => self.app("TikTok", None),
            b"Snapchat" => self.app("Snapchat", Some(ver)),
            b"MicroMessenger" => self.app("WeChat", Some(ver)),
            b"LinkedInApp" => self.app("LinkedIn", None),

            b"Windows" | b"Win64" | b"WOW64" | b"Win32" => self.windows = true,
            b"Phone" => {
                // "Windows Phone 10.0", HarmonyOS "(Phone; OpenHarmony 4.1)"
                self.windows_phone |= prev == "Windows";
                self.mobile = true;
            }
            b"Macintosh" => self.mac = true,
            b"iPhone" | b"iPod" => self.iphone = true,
            b"iPad" => self.ipad = true,
            b"Android" => self.android = true,
            b"Linux" | b"LINUX" | b"X11" => {
                self.linux = true;
                self.tv |= ver == "SmartTV";
            }
            b"CrOS" => self.cros = true,
            b"FreeBSD" | b"OpenBSD" | b"NetBSD" => self.bsd = true,
            b"HarmonyOS" | b"OpenHarmony" => self.harmony = true,
            b"Tizen" => {
                self.tizen = true;
                if !ver.is_empty() {
                    first(&mut self.tizen_version, ver);
                }
            }
            b"KAIOS" | b"KaiOS" => self.kaios = true,
            b"BlackBerry" | b"BB10" => self.blackberry = true,
            b"Mobile" | b"Mobi" => self.mobile = true,
            // "Opera Mini/36.2", a phone browser whose UA has no "Mobile"
            b"Mini" => self.mobile |= prev.starts_with("Opera"),
            b"Tablet" => self.tablet = true,
            // Windows 8 touch devices say "Tablet PC 2.0": still a desktop OS
            b"PC" if prev == "Tablet" => self.tablet = false,
            b"Kindle" => self.kindle = true,
            b"TV" => {
                self.tv = true;
                self.apple_tv |= prev == "Apple";
            }
            b"SMART-TV" | b"SmartTV" | b"Smart-TV" | b"SMART_TV" | b"SMARTTV" | b"GoogleTV" | b"AndroidTV"
            | b"HbbTV" | b"NetCast" | b"NETTV" | b"NetTV" | b"BRAVIA" | b"CrKey" | b"VIDAA" | b"InettvBrowser" => {
                self.tv = true
            }
            b"tvOS" => self.apple_tv = true,
            // Set-top boxes and TV browsers: MIPS Linux, DirectFB, BrightSign signage, Opera TV.
            b"mips" | b"DirectFB" | b"BrightSign" | b"QtEmbedded" | b"OMI" | b"Viera" | b"Espial" | b"Vizio" => {
                self.tv = true
            }
            // E-readers: Matomo and the vendors count them as tablets.
            b"PocketBook" | b"Kobo" => self.tablet = true,
            b"Roku" => self.roku = true,
            b"PlayStation" | b"PLAYSTATION" | b"Playstation2" | b"PlayStation2" => self.playstation = true,
            b"Xbox" | b"XBOX_ONE_ED" => self.xbox = true,
            b"Nintendo" => self.nintendo = true,
            _ => self.other_token(tok, name, prev, prev2),
        }
    }

    /// Tokens matched by shape rather than exact name: versions after a word, model codes.
    fn other_token(&mut self, tok: &'a str, name: &str, prev: &str, prev2: &str) {
        if is_feature_phone_token(name) {
            self.mobile = true;
        }
        // Each rule needs a particular first byte: dispatch on it rather than trying them all.
        match tok.as_bytes().first() {
            Some(b'0'..=b'9') => match prev {
                "OS" | "iOS" => first(&mut self.ios_version, tok),
                "X" if prev2 == "OS" => first(&mut self.mac_version, tok),
                "NT" if prev2 == "Windows" => first(&mut self.nt, tok),
                "Android" => first(&mut self.android_version, tok),
                "MSIE" => first(&mut self.msie, tok),
                "Instagram" if self.in_app == Some("Instagram") => first(&mut self.in_app_version, tok),
                "Tizen" => first(&mut self.tizen_version, tok),
                "OpenHarmony" | "HarmonyOS" => first(&mut self.harmony_version, tok),
                _ => {}
            },
            Some(b'r') => {
                if let Some(rv) = tok.strip_prefix("rv:") {
                    first(&mut self.rv, rv);
                }
            }
            Some(b'm' | b't') if name.starts_with("musical_ly") || name.starts_with("trill_") => {
                self.app("TikTok", None);
            }
            Some(b'A') => {
                if name.starts_with("AppleTV") {
                    self.apple_tv = true;
                } else if is_model_code(name, "AFT") {
                    // Amazon Fire TV models: AFTMM, AFTKA, AFTSSS
                    self.tv = true;
                }
            }
            Some(b'w' | b'W') if name.starts_with("webOS") || name.starts_with("Web0S") || name == "WebOS" => {
                self.webos = true;
            }
            // Amazon Fire tablets: KFTRWI, KFMAWI
            Some(b'K') if is_model_code(name, "KF") => self.kindle = true,
            // Yandex's app marks its tablet build: "YaApp_Android/24.19/apad".
            Some(b'Y') if tok.ends_with("/apad") => self.tablet = true,
            Some(b's' | b'S') if name.eq_ignore_ascii_case("smarttv") || name.eq_ignore_ascii_case("smart-tv") => {
                self.tv = true;
            }
            _ => {}
        }
    }

    fn app(&mut self, name: &'static str, version: Option<&'a str>) {
        if self.in_app.is_none() {
            self.in_app = Some(name);
            self.in_app_version = version;
        }
    }

    fn console(&self) -> bool {
        self.playstation || self.xbox || self.nintendo
    }

    fn tv(&self) -> bool {
        self.tv || self.apple_tv || self.roku || self.webos || (self.tizen && !self.mobile)
    }

    fn os(&self) -> Option<&'static str> {
        let os = if self.playstation {
            "PlayStation"
        } else if self.xbox {
            "Xbox"
        } else if self.nintendo {
            "Nintendo"
        } else if self.apple_tv {
            "tvOS"
        } else if self.roku {
            "Roku OS"
        } else if self.tizen {
            "Tizen"
        } else if self.webos {
            "webOS"
        } else if self.harmony {
            "HarmonyOS"
        } else if self.windows_phone {
            "Windows Phone"
        } else if self.kaios {
            "KaiOS"
        } else if self.android {
            "Android"
        } else if self.ipad {
            "iPadOS"
        } else if self.iphone {
            "iOS"
        } else if self.cros {
            "ChromeOS"
        } else if self.mac {
            "macOS"
        } else if self.windows {
            "Windows"
        } else if self.bsd {
            "BSD"
        } else if self.linux {
            "Linux"
        } else if self.blackberry {
            "BlackBerry"
        } else {
            return None;
        };
        Some(os)
    }

    fn os_version(&self, os: &str) -> Option<String> {
        let v = match os {
            "Windows" => windows_name(self.nt?),
            "macOS" => return mac_version(self.mac_version?),
            "iOS" | "iPadOS" => major(self.ios_version?),
            "Android" => major(self.android_version?),
            "HarmonyOS" => major(self.harmony_version?),
            "Tizen" => major(self.tizen_version?),
            _ => None,
        };
        v.map(str::to_owned)
    }

    fn browser(&self, os: Option<&str>) -> Option<(&'static str, Option<&'a str>)> {
        if let Some(app) = self.in_app {
            return Some((app, self.in_app_version.and_then(major)));
        }
        let (name, version) = if let Some(v) = self.edge {
            ("Edge", v)
        } else if let Some(v) = self.opera {
            ("Opera", v)
        } else if let Some(v) = self.oculus {
            // before Samsung: the Quest browser also says "SamsungBrowser/4.0"
            ("Oculus Browser", v)
        } else if let Some(v) = self.samsung {
            ("Samsung Internet", v)
        } else if let Some(v) = self.yandex {
            ("Yandex Browser", v)
        } else if let Some(v) = self.vivaldi {
            ("Vivaldi", v)
        } else if let Some(v) = self.uc {
            ("UC Browser", v)
        } else if let Some(v) = self.ddg {
            ("DuckDuckGo", v)
        } else if let Some(v) = self.silk {
            ("Silk", v)
        } else if let Some(v) = self.firefox {
            ("Firefox", v)
        } else if let Some(v) = self.chrome {
            (
                if self.android_webview {
                    "Chrome WebView"
                } else {
                    "Chrome"
                },
                v,
            )
        } else if let Some(v) = self.msie {
            ("Internet Explorer", v)
        } else if self.trident {
            ("Internet Explorer", self.rv.unwrap_or(""))
        } else if let Some(v) = self.opera_presto {
            ("Opera", self.version.unwrap_or(v))
        } else if self.webkit && matches!(os, Some("macOS" | "iOS" | "iPadOS" | "tvOS")) {
            // WebKit on other systems (PlayStation, GNOME Web) is not Safari
            match self.version {
                Some(v) if self.safari => ("Safari", v),
                _ => ("Safari WebView", ""),
            }
        } else {
            return None;
        };
        Some((name, major(version)))
    }
}

/// Platform tokens of feature phones: BlackBerry's (`BlackBerry9700/5.0`), Japanese carriers' (`DoCoMo/2.0`, `KDDI-CA31`,
/// `SoftBank/1.0`), Java ME (`MIDP-2.0`), Symbian, MediaTek MAUI, Qualcomm BREW, and their
/// browsers (UCWEB, NetFront, Obigo, Openwave's UP.Browser).
fn is_feature_phone_token(name: &str) -> bool {
    let prefixes: &[&str] = match name.as_bytes().first() {
        Some(b'B') => &["BREW", "BlackBerry"],
        Some(b'D') => &["DoCoMo"],
        Some(b'J') => &["J-PHONE"],
        Some(b'K') => &["KDDI-"],
        Some(b'M') => &["MIDP-"],
        Some(b'N') => &["NetFront", "Nokia"],
        Some(b'O') => &["Obigo"],
        Some(b'S') => &["SoftBank", "SymbianOS", "Series60", "Series40"],
        Some(b'U') => &["UP.Browser", "UCWEB"],
        Some(b'V') => &["Vodafone"],
        Some(b'W') => &["WILLCOM"],
        _ => &[],
    };
    prefixes.iter().any(|p| name.starts_with(p)) || name.as_bytes().windows(4).any(|w| w == b"MAUI")
}

/// A model code like `AFTMM`: the prefix then 1 to 6 more uppercase letters or digits.
fn is_model_code(name: &str, prefix: &str) -> bool {
    name.strip_prefix(prefix).is_some_and(|rest| {
        (1..=6).contains(&rest.len()) && rest.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    })
}

/// The leading run of digits of a version (`"131"` of `"131.0.6778.85"`), if any.
fn major(v: &str) -> Option<&str> {
    let end = v.bytes().position(|b| !b.is_ascii_digit()).unwrap_or(v.len());
    if (1..=6).contains(&end) {
        v.get(..end)
    } else {
        None
    }
}

/// The number after the leading digits and one separator (`"15"` of `"10_15_7"`).
fn minor(v: &str) -> Option<&str> {
    let rest = v.trim_start_matches(|c: char| c.is_ascii_digit());
    major(rest.strip_prefix(['.', '_'])?)
}

fn windows_name(nt: &str) -> Option<&'static str> {
    let name = match nt {
        "10.0" => "10",
        "6.3" => "8.1",
        "6.2" => "8",
        "6.1" => "7",
        "6.0" => "Vista",
        "5.1" | "5.2" => "XP",
        _ => return None,
    };
    Some(name)
}

/// macOS 10.x releases differ by minor version; from 11 on the major is the release.
fn mac_version(v: &str) -> Option<String> {
    let m = major(v)?;
    if m == "10" {
        if let Some(n) = minor(v) {
            return Some(format!("10.{n}"));
        }
    }
    Some(m.to_owned())
}

/// OS version from `Sec-CH-UA-Platform-Version`, which unlike the UA is not frozen.
fn version_from_hint(os: &str, pv: &str) -> Option<String> {
    match os {
        // Windows reports its UniversalApiContract version: 13+ is Windows 11, 1-12 Windows 10,
        // 0.1/0.2/0.3 are 7/8/8.1.
        "Windows" => {
            let m: u32 = major(pv)?.parse().ok()?;
            let name = match m {
                13.. => "11",
                1..=12 => "10",
                0 => match minor(pv)? {
                    "1" => "7",
                    "2" => "8",
                    "3" => "8.1",
                    _ => return None,
                },
            };
            Some(name.to_owned())
        }
        "macOS" => mac_version(pv),
        "Android" => major(pv).map(str::to_owned),
        _ => None,
    }
}

fn platform_from_hint(p: &str) -> Option<&'static str> {
    let os = match p {
        "Windows" => "Windows",
        "macOS" => "macOS",
        "Linux" => "Linux",
        "Android" => "Android",
        "Chrome OS" | "Chromium OS" | "ChromeOS" => "ChromeOS",
        "iOS" => "iOS",
        _ => return None,
    };
    Some(os)
}

/// The device class `Sec-CH-UA-Form-Factors` names (a list such as `"Desktop"` or
/// `"Tablet", "EInk"`), if it names one.
fn form_factor(list: &str) -> Option<&'static str> {
    let mut found = None;
    for (name, _) in brands(list) {
        let class = match name {
            "XR" | "Watch" | "Automotive" => "other",
            "Tablet" | "EInk" => "tablet",
            "Mobile" => "mobile",
            "Desktop" => "desktop",
            _ => continue,
        };
        // A device may list several (a convertible is "Desktop", "Tablet"): the most specific wins.
        found = Some(match (found, class) {
            (Some("other"), _) | (_, "other") => "other",
            (Some("tablet"), _) | (_, "tablet") => "tablet",
            (Some("mobile"), _) | (_, "mobile") => "mobile",
            _ => class,
        });
    }
    found
}

/// The device model an Android UA names: the part after `Android <version>;` that is not a
/// flag, locale or architecture, without its build id (`SM-X700` of `(Linux; Android 12;
/// SM-X700 Build/SP1A)`, `8950` of `(Linux; U; Android 4.0.4; zh-CN; 8950 Build/IMM76D)`).
fn android_model(ua: &str) -> Option<&str> {
    let after = ua.get(ua.find("Android")?..)?;
    let rest = after.get(after.find(';')? + 1..)?;
    let rest = rest.get(..rest.find(')').unwrap_or(rest.len()))?;
    rest.split(';')
        .map(str::trim)
        .find(|seg| !is_ua_flag(seg))
        .map(|seg| seg.split(" Build/").next().unwrap_or(seg).trim())
        .filter(|m| !m.is_empty() && !m.starts_with("Build/") && *m != "K")
}

/// `U`, `wv`, `arm_64` or a locale (`en-us`, `zh_CN`, `ru`): not a model.
fn is_ua_flag(seg: &str) -> bool {
    let b = seg.as_bytes();
    let locale = (b.len() == 2 && b.iter().all(u8::is_ascii_alphabetic))
        || (b.len() == 5 && matches!(b[2], b'-' | b'_') && b[..2].iter().chain(&b[3..]).all(u8::is_ascii_alphabetic));
    seg.is_empty()
        || locale
        || matches!(
            seg,
            "U" | "I" | "N" | "wv" | "arm" | "arm_64" | "x86" | "x86_64" | "Mobile"
        )
}

/// Strips surrounding whitespace and one pair of double quotes (structured-header strings).
fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(s)
}

/// The first brand in Sec-CH-UA (or the full version list) that names a browser we report.
/// GREASE entries (`"Not_A Brand"`) and the generic `"Chromium"` are skipped.
fn hint_brand<'a>(h: &ClientHints<'a>) -> Option<(&'static str, &'a str)> {
    let list = h.ua.or(h.full_version_list)?;
    brands(list).find_map(|(brand, v)| brand_browser(brand).map(|b| (b, v)))
}

fn brand_browser(brand: &str) -> Option<&'static str> {
    let name = match brand {
        "Google Chrome" | "HeadlessChrome" => "Chrome",
        "Microsoft Edge" => "Edge",
        "Opera" | "Opera GX" => "Opera",
        "Brave" => "Brave",
        "Yandex" | "YaBrowser" => "Yandex Browser",
        "Samsung Internet" => "Samsung Internet",
        "Vivaldi" => "Vivaldi",
        "DuckDuckGo" => "DuckDuckGo",
        "Android WebView" => "Chrome WebView",
        _ => return None,
    };
    Some(name)
}

/// Items of a Sec-CH-UA list as (brand, `v` parameter), tolerant of malformed input: an item
/// that is not a quoted string is skipped, an unterminated string ends the list.
fn brands(list: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut rest = list;
    std::iter::from_fn(move || loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let (item, after) = split_item(rest);
        rest = after;
        if let Some(parsed) = parse_item(item) {
            return Some(parsed);
        }
    })
    .take(MAX_BRANDS)
}

/// Splits at the first comma outside a quoted string.
fn split_item(s: &str) -> (&str, &str) {
    let mut quoted = false;
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            b',' if !quoted => return (s.get(..i).unwrap_or(""), s.get(i + 1..).unwrap_or("")),
            _ => {}
        }
    }
    (s, "")
}

fn parse_item(item: &str) -> Option<(&str, &str)> {
    let body = item.trim().strip_prefix('"')?;
    let mut escaped = false;
    let end = body.bytes().position(|b| {
        let close = b == b'"' && !escaped;
        escaped = b == b'\\' && !escaped;
        close
    })?;
    let brand = body.get(..end)?;
    let params = body.get(end + 1..).unwrap_or("");
    let version = params
        .split(';')
        .find_map(|p| p.trim().strip_prefix("v="))
        .map(unquote)
        .unwrap_or("");
    Some((brand.trim(), version))
}

/// `s` cut to at most `max` bytes, on a character boundary.
pub(crate) fn cap(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or("")
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use hitflow_schema::DEVICE_TYPES;

    const NO_HINTS: ClientHints<'static> = ClientHints {
        ua: None,
        mobile: None,
        platform: None,
        platform_version: None,
        full_version_list: None,
        model: None,
        form_factors: None,
    };

    /// (device_type, browser, browser_version, os, os_version)
    type Fields<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
        Option<&'a str>,
    );
    /// (UA, device_type, browser, browser_version, os, os_version)
    type Case = (
        &'static str,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    const UA_CASES: &[Case] = &[
        // Desktop
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "desktop", Some("Edge"), Some("131"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop", Some("Firefox"), Some("133"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 OPR/115.0.0.0",
            "desktop", Some("Opera"), Some("115"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 YaBrowser/24.10.0.0 Safari/537.36",
            "desktop", Some("Yandex Browser"), Some("24"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Vivaldi/7.0.3495.18",
            "desktop", Some("Vivaldi"), Some("7"), Some("Windows"), Some("10")),
        ("Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/109.0.0.0 Safari/537.36",
            "desktop", Some("Chrome"), Some("109"), Some("Windows"), Some("7")),
        ("Mozilla/5.0 (Windows NT 6.1; WOW64; Trident/7.0; rv:11.0) like Gecko",
            "desktop", Some("Internet Explorer"), Some("11"), Some("Windows"), Some("7")),
        ("Mozilla/5.0 (compatible; MSIE 10.0; Windows NT 6.2; Trident/6.0)",
            "desktop", Some("Internet Explorer"), Some("10"), Some("Windows"), Some("8")),
        ("Mozilla/5.0 (Windows NT 6.3; Win64; x64; Trident/7.0; Touch; rv:11.0) like Gecko",
            "desktop", Some("Internet Explorer"), Some("11"), Some("Windows"), Some("8.1")),
        ("Mozilla/5.0 (Windows NT 6.2; ARM; Trident/7.0; Touch; rv:11.0; WPDesktop; Tablet PC 2.0) like Gecko",
            "desktop", Some("Internet Explorer"), Some("11"), Some("Windows"), Some("8")),
        ("Mozilla/5.0 (Windows NT 5.1; rv:52.0) Gecko/20100101 Firefox/52.0",
            "desktop", Some("Firefox"), Some("52"), Some("Windows"), Some("XP")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
            "desktop", Some("Safari"), Some("18"), Some("macOS"), Some("10.15")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.2 Safari/605.1.15",
            "desktop", Some("Safari"), Some("13"), Some("macOS"), Some("10.13")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "desktop", Some("Chrome"), Some("131"), Some("macOS"), Some("10.15")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop", Some("Firefox"), Some("133"), Some("macOS"), Some("10.15")),
        ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",
            "desktop", Some("Safari WebView"), None, Some("macOS"), Some("10.15")),
        ("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop", Some("Firefox"), Some("133"), Some("Linux"), None),
        ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop", Some("Firefox"), Some("133"), Some("Linux"), None),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "desktop", Some("Chrome"), Some("131"), Some("Linux"), None),
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.85 Safari/537.36",
            "desktop", Some("Chrome"), Some("131"), Some("Linux"), None),
        // GNOME Web: WebKit with a Safari token, but not Safari
        ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15",
            "desktop", None, None, Some("Linux"), None),
        (
            "Mozilla/5.0 (X11; FreeBSD amd64; rv:133.0) Gecko/20100101 Firefox/133.0",
            "desktop",
            Some("Firefox"),
            Some("133"),
            Some("BSD"),
            None,
        ),
        ("Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "desktop", Some("Chrome"), Some("131"), Some("ChromeOS"), None),
        // iOS and iPadOS
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
            "mobile", Some("Safari"), Some("18"), Some("iOS"), Some("18")),
        ("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.7 Mobile/15E148 Safari/604.1",
            "tablet", Some("Safari"), Some("17"), Some("iPadOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
            "mobile", Some("Chrome"), Some("131"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
            "mobile", Some("Firefox"), Some("133"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPad; CPU OS 17_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
            "tablet", Some("Firefox"), Some("133"), Some("iPadOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 EdgiOS/131.0.2903.68 Mobile/15E148 Safari/605.1.15",
            "mobile", Some("Edge"), Some("131"), Some("iOS"), Some("18")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
            "mobile", Some("Safari WebView"), None, Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) GSA/343.0.695551749 Mobile/15E148 Safari/604.1",
            "mobile", Some("Google App"), Some("343"), Some("iOS"), Some("17")),
        // In-app browsers
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 350.1.0.46.93 (iPhone14,5; iOS 17_6_1; en_US; en; scale=3.00; 1170x2532; 644046009)",
            "mobile", Some("Instagram"), Some("350"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 343.0.0.33.101 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 630454215)",
            "mobile", Some("Instagram"), Some("343"), Some("Android"), Some("14")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/475.0.0.37.107;FBBV/650393744;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5;FBRV/652017617]",
            "mobile", Some("Facebook"), Some("475"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (Linux; Android 14; SM-S918B Build/UP1A.231005.007; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.107 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/489.0.0.66.81;]",
            "mobile", Some("Facebook"), Some("489"), Some("Android"), Some("14")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_34.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US ByteFullLocale/en isDarkMode/0 WKWebView/1 RevealType/Dialog BytedanceWebview/d8a21c6",
            "mobile", Some("TikTok"), None, Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/13.0.0.43 (like Safari/8618.2.12.10.9, panda)",
            "mobile", Some("Snapchat"), Some("13"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.50(0x1800323c) NetType/WIFI Language/zh_CN",
            "mobile", Some("WeChat"), Some("8"), Some("iOS"), Some("17")),
        ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [LinkedInApp]/9.30.1234",
            "mobile", Some("LinkedIn"), None, Some("iOS"), Some("17")),
        // Android
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
            "mobile", Some("Chrome"), Some("131"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
            "tablet", Some("Chrome"), Some("131"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/27.0 Chrome/125.0.0.0 Mobile Safari/537.36",
            "mobile", Some("Samsung Internet"), Some("27"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36 EdgA/131.0.0.0",
            "mobile", Some("Edge"), Some("131"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36 OPR/85.0.4341.72",
            "mobile", Some("Opera"), Some("85"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Android 14; Mobile; rv:133.0) Gecko/133.0 Firefox/133.0",
            "mobile", Some("Firefox"), Some("133"), Some("Android"), Some("14")),
        ("Mozilla/5.0 (Android 14; Tablet; rv:133.0) Gecko/133.0 Firefox/133.0",
            "tablet", Some("Firefox"), Some("133"), Some("Android"), Some("14")),
        ("Mozilla/5.0 (Linux; Android 13; SM-G991B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.6778.81 Mobile Safari/537.36",
            "mobile", Some("Chrome WebView"), Some("131"), Some("Android"), Some("13")),
        ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile DuckDuckGo/5 Safari/537.36",
            "mobile", Some("DuckDuckGo"), Some("5"), Some("Android"), Some("14")),
        ("Mozilla/5.0 (Linux; U; Android 11; en-US; RMX2195 Build/RP1A.200720.011) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/100.0.4896.58 UCBrowser/13.4.0.1306 Mobile Safari/537.36",
            "mobile", Some("UC Browser"), Some("13"), Some("Android"), Some("11")),
        // Cubot is a phone brand, nothing to do with bots
        ("Mozilla/5.0 (Linux; Android 10; CUBOT_X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
            "mobile", Some("Chrome"), Some("120"), Some("Android"), Some("10")),
        ("Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) Silk/120.3.1 like Chrome/120.0.6099.230 Safari/537.36",
            "tablet", Some("Silk"), Some("120"), Some("Android"), Some("9")),
        ("Opera/9.80 (Android; Opera Mini/36.2.2254/119.132; U; id) Presto/2.12.423 Version/12.16",
            "mobile", Some("Opera"), Some("12"), Some("Android"), None),
        ("Mozilla/5.0 (Phone; OpenHarmony 4.1) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 ArkWeb/4.1.6.1 Mobile HuaweiBrowser/5.0.3.300",
            "mobile", Some("Chrome"), Some("114"), Some("HarmonyOS"), Some("4")),
        ("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/52.0.2743.116 Mobile Safari/537.36 Edge/15.15063",
            "mobile", Some("Edge"), Some("15"), Some("Windows Phone"), None),
        ("Mozilla/5.0 (Mobile; LYF/F300B/LYF-F300B-001-01-15-130718-i; Android; rv:48.0) Gecko/48.0 Firefox/48.0 KAIOS/2.5",
            "mobile", Some("Firefox"), Some("48"), Some("KaiOS"), None),
        // TVs
        ("Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36",
            "tv", None, None, Some("Tizen"), Some("6")),
        ("Mozilla/5.0 (SMART-TV; Linux; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/5.0 Chrome/94.0.4606.31 TV Safari/537.36",
            "tv", Some("Samsung Internet"), Some("5"), Some("Tizen"), Some("7")),
        ("Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/94.0.4606.128 Safari/537.36 WebAppManager",
            "tv", Some("Chrome"), Some("94"), Some("webOS"), None),
        ("Mozilla/5.0 (Linux; Android 9; SHIELD Android TV Build/PPR1.180610.011; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/119.0.6045.193 Mobile Safari/537.36",
            "tv", Some("Chrome WebView"), Some("119"), Some("Android"), Some("9")),
        ("Mozilla/5.0 (Linux; Android 9; AFTKA Build/PS7633.3445N; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/130.0.6723.102 Mobile Safari/537.36",
            "tv", Some("Chrome WebView"), Some("130"), Some("Android"), Some("9")),
        ("Mozilla/5.0 (X11; Linux armv7l) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/114.0.0.0 Safari/537.36 CrKey/1.56.500000 DeviceType/Chromecast",
            "tv", Some("Chrome"), Some("114"), Some("Linux"), None),
        ("AppleCoreMedia/1.0.0.21J354 (Apple TV; U; CPU OS 17_0 like Mac OS X; en_us)",
            "tv", None, None, Some("tvOS"), None),
        ("AppleTV11,1/11.1", "tv", None, None, Some("tvOS"), None),
        ("Roku/DVP-12.5 (12.5.0.4178-88)", "tv", None, None, Some("Roku OS"), None),
        ("Mozilla/5.0 (Linux; NetCast; U) AppleWebKit/537.31 (KHTML, like Gecko) Model/42LB650V-ZN Safari/537.31",
            "tv", None, None, Some("Linux"), None),
        // Consoles and XR
        ("Mozilla/5.0 (PlayStation; PlayStation 5/2.26) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.0 Safari/605.1.15",
            "console", None, None, Some("PlayStation"), None),
        ("Mozilla/5.0 (PlayStation 4 11.00) AppleWebKit/601.2 (KHTML, like Gecko)",
            "console", None, None, Some("PlayStation"), None),
        ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; Xbox; Xbox One) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/116.0.0.0 Safari/537.36 Edge/44.18363.8131",
            "console", Some("Edge"), Some("44"), Some("Xbox"), None),
        ("Mozilla/5.0 (Nintendo Switch; WifiWebAuthApplet) AppleWebKit/606.4 (KHTML, like Gecko) NF/6.0.1.15.4 NintendoBrowser/5.1.0.20389",
            "console", None, None, Some("Nintendo"), None),
        ("Mozilla/5.0 (X11; Linux x86_64; Quest 3) AppleWebKit/537.36 (KHTML, like Gecko) OculusBrowser/35.3.0.0 SamsungBrowser/4.0 Chrome/130.0.6723.116 VR Safari/537.36",
            "other", Some("Oculus Browser"), Some("35"), Some("Linux"), None),
        // Crawlers, tools, nothing
        // Crawlers are classed by their tokens here; the pipeline files flagged bots under "bot".
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "other", None, None, None, None),
        ("Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.139 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            "mobile", Some("Chrome"), Some("131"), Some("Android"), Some("6")),
        ("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36",
            "other", Some("Chrome"), Some("116"), None, None),
        ("curl/8.5.0", "other", None, None, None, None),
        ("python-requests/2.32.3", "other", None, None, None, None),
        ("MyApp/1.0 CFNetwork/1490.0.4 Darwin/23.2.0", "mobile", None, None, Some("iOS"), None),
        ("", "other", None, None, None, None),
        ("-", "other", None, None, None, None),
    ];

    fn fields(d: &Device) -> Fields<'_> {
        (
            d.device_type,
            d.browser.as_deref(),
            d.browser_version.as_deref(),
            d.os.as_deref(),
            d.os_version.as_deref(),
        )
    }

    #[test]
    fn user_agents() {
        let mut failures = Vec::new();
        for &(ua, device_type, browser, version, os, os_version) in UA_CASES {
            let d = parse_device(ua, &NO_HINTS);
            let want = (device_type, browser, version, os, os_version);
            if fields(&d) != want {
                failures.push(format!("{ua}\n  got  {:?}\n  want {want:?}", fields(&d)));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            UA_CASES.len(),
            failures.join("\n")
        );
    }

    const CHROME_WIN: &str =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHROME_MAC: &str =
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHROME_LINUX: &str =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const CHROME_ANDROID: &str =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";
    const CHROME_ANDROID_TABLET: &str =
        "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    const FIREFOX_WIN: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
    const INSTAGRAM_ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8 Build/AP2A.240805.005; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/127.0.6533.103 Mobile Safari/537.36 Instagram 343.0.0.33.101 Android (34/14; 420dpi; 1080x2205; Google/google; Pixel 8; shiba; shiba; en_US; 630454215)";
    const SAMSUNG_TV: &str = "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) 76.0.3809.146/6.0 TV Safari/537.36";

    fn hints(
        ua: Option<&'static str>,
        mobile: Option<&'static str>,
        platform: Option<&'static str>,
        platform_version: Option<&'static str>,
        model: Option<&'static str>,
    ) -> ClientHints<'static> {
        ClientHints {
            ua,
            mobile,
            platform,
            platform_version,
            full_version_list: None,
            model,
            form_factors: None,
        }
    }

    #[test]
    fn client_hints() {
        let chrome = Some(r#""Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24""#);
        let cases: &[(&str, ClientHints<'static>, Fields<'static>)] = &[
            // Windows 11 is only told by the platform version
            (
                CHROME_WIN,
                hints(chrome, Some("?0"), Some(r#""Windows""#), Some(r#""15.0.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("11")),
            ),
            (
                CHROME_WIN,
                hints(chrome, Some("?0"), Some(r#""Windows""#), Some(r#""13.0.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("11")),
            ),
            (
                CHROME_WIN,
                hints(chrome, Some("?0"), Some(r#""Windows""#), Some(r#""10.0.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("10")),
            ),
            (
                CHROME_WIN,
                hints(chrome, None, Some(r#""Windows""#), Some(r#""0.3.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("8.1")),
            ),
            (
                CHROME_WIN,
                hints(chrome, None, Some(r#""Windows""#), Some(r#""0.1.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("7")),
            ),
            (
                CHROME_MAC,
                hints(chrome, None, Some(r#""macOS""#), Some(r#""14.6.1""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("macOS"), Some("14")),
            ),
            (
                CHROME_MAC,
                hints(chrome, None, Some(r#""macOS""#), Some(r#""10.15.7""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("macOS"), Some("10.15")),
            ),
            // Reduced Android UA: real version from the hints, still a phone
            (
                CHROME_ANDROID,
                hints(
                    chrome,
                    Some("?1"),
                    Some(r#""Android""#),
                    Some(r#""14.0.0""#),
                    Some(r#""Pixel 8""#),
                ),
                ("mobile", Some("Chrome"), Some("131"), Some("Android"), Some("14")),
            ),
            (
                CHROME_ANDROID_TABLET,
                hints(
                    chrome,
                    Some("?0"),
                    Some(r#""Android""#),
                    Some(r#""13.0.0""#),
                    Some(r#""SM-X710""#),
                ),
                ("tablet", Some("Chrome"), Some("131"), Some("Android"), Some("13")),
            ),
            // Sec-CH-UA-Mobile ?1 wins over a UA without "Mobile"
            (
                CHROME_ANDROID_TABLET,
                hints(chrome, Some("?1"), None, None, None),
                ("mobile", Some("Chrome"), Some("131"), Some("Android"), Some("10")),
            ),
            // "Desktop site" on an Android phone: Linux UA, but the hints still say Android
            (
                CHROME_LINUX,
                hints(chrome, Some("?0"), Some(r#""Android""#), None, None),
                ("tablet", Some("Chrome"), Some("131"), Some("Android"), None),
            ),
            (
                CHROME_ANDROID_TABLET,
                hints(
                    chrome,
                    Some("?0"),
                    Some(r#""Android""#),
                    None,
                    Some(r#""SHIELD Android TV""#),
                ),
                ("tv", Some("Chrome"), Some("131"), Some("Android"), Some("10")),
            ),
            (
                CHROME_LINUX,
                hints(
                    chrome,
                    Some("?0"),
                    Some(r#""Chrome OS""#),
                    Some(r#""16002.44.0""#),
                    None,
                ),
                ("desktop", Some("Chrome"), Some("131"), Some("ChromeOS"), None),
            ),
            // Brands
            (
                CHROME_WIN,
                hints(
                    Some(r#""Brave";v="131", "Chromium";v="131", "Not_A Brand";v="24""#),
                    None,
                    None,
                    None,
                    None,
                ),
                ("desktop", Some("Brave"), Some("131"), Some("Windows"), Some("10")),
            ),
            (
                CHROME_WIN,
                hints(
                    Some(r#""Microsoft Edge";v="131", "Chromium";v="131", "Not_A Brand";v="24""#),
                    None,
                    None,
                    None,
                    None,
                ),
                ("desktop", Some("Edge"), Some("131"), Some("Windows"), Some("10")),
            ),
            (
                CHROME_WIN,
                hints(
                    Some(r#""Chromium";v="130", "Opera";v="115", "Not?A_Brand";v="99""#),
                    None,
                    None,
                    None,
                    None,
                ),
                ("desktop", Some("Opera"), Some("115"), Some("Windows"), Some("10")),
            ),
            // Old GREASE with a ';' inside the quoted brand
            (
                CHROME_WIN,
                hints(
                    Some(r#"" Not A;Brand";v="99", "Chromium";v="99", "Google Chrome";v="99""#),
                    None,
                    None,
                    None,
                    None,
                ),
                ("desktop", Some("Chrome"), Some("99"), Some("Windows"), Some("10")),
            ),
            (
                CHROME_WIN,
                hints(
                    Some(r#""Not)A;Brand";v="8", "Chromium";v="131""#),
                    None,
                    None,
                    None,
                    None,
                ),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("10")),
            ),
            (
                CHROME_ANDROID,
                hints(
                    Some(r#""Android WebView";v="131", "Chromium";v="131", "Not_A Brand";v="24""#),
                    Some("?1"),
                    None,
                    None,
                    None,
                ),
                (
                    "mobile",
                    Some("Chrome WebView"),
                    Some("131"),
                    Some("Android"),
                    Some("10"),
                ),
            ),
            // Hints never replace an in-app or non-Chromium browser
            (
                INSTAGRAM_ANDROID,
                hints(
                    Some(r#""Android WebView";v="127", "Chromium";v="127""#),
                    Some("?1"),
                    Some(r#""Android""#),
                    None,
                    None,
                ),
                ("mobile", Some("Instagram"), Some("343"), Some("Android"), Some("14")),
            ),
            (
                FIREFOX_WIN,
                hints(Some(r#""Brave";v="131""#), None, None, None, None),
                ("desktop", Some("Firefox"), Some("133"), Some("Windows"), Some("10")),
            ),
            // A TV OS is more specific than the platform hint
            (
                SAMSUNG_TV,
                hints(None, Some("?0"), Some(r#""Linux""#), None, None),
                ("tv", None, None, Some("Tizen"), Some("6")),
            ),
            // Unknown platform values are ignored
            (
                CHROME_WIN,
                hints(chrome, None, Some(r#""Unknown""#), Some(r#""15.0.0""#), None),
                ("desktop", Some("Chrome"), Some("131"), Some("Windows"), Some("10")),
            ),
        ];
        let mut failures = Vec::new();
        for (ua, h, want) in cases {
            let d = parse_device(ua, h);
            if fields(&d) != *want {
                failures.push(format!("{ua} {h:?}\n  got  {:?}\n  want {want:?}", fields(&d)));
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {} cases failed:\n{}",
            failures.len(),
            cases.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn full_version_list_is_a_fallback_for_sec_ch_ua() {
        let h = ClientHints {
            full_version_list: Some(r#""Brave";v="131.1.73.89", "Chromium";v="131.0.6778.85""#),
            ..NO_HINTS
        };
        let d = parse_device(CHROME_WIN, &h);
        assert_eq!(
            (d.browser.as_deref(), d.browser_version.as_deref()),
            (Some("Brave"), Some("131"))
        );
    }

    #[test]
    fn sec_ch_ua_parser() {
        let parsed: Vec<_> = brands(r#""Chromium";v="131", "Not_A Brand";v="24", "Google Chrome";v="131""#).collect();
        assert_eq!(
            parsed,
            [("Chromium", "131"), ("Not_A Brand", "24"), ("Google Chrome", "131")]
        );
        let parsed: Vec<_> = brands(r#"" Not A;Brand";v="99", "Chromium";v=99;x=1"#).collect();
        assert_eq!(parsed, [("Not A;Brand", "99"), ("Chromium", "99")]);
        let parsed: Vec<_> = brands(r#"garbage, "Brave", "Esc\"aped";v="1""#).collect();
        assert_eq!(parsed, [("Brave", ""), (r#"Esc\"aped"#, "1")]);
        for malformed in [
            "",
            ",,,",
            r#"""#,
            r#""Brave"#,
            r#"\"#,
            ";v=1",
            r#""a";v="#,
            "\u{fffd}\"é\";v=\"€\"",
        ] {
            let _ = brands(malformed).count();
            assert_eq!(
                hint_brand(&ClientHints {
                    ua: Some(malformed),
                    ..NO_HINTS
                }),
                None,
                "{malformed}"
            );
        }
        let many = r#""Brave";v="1", "#.repeat(1000);
        assert_eq!(brands(&many).count(), MAX_BRANDS);
    }

    #[test]
    fn helpers() {
        assert_eq!(major("131.0.6778.85"), Some("131"));
        assert_eq!(major("x1"), None);
        assert_eq!(major("1234567"), None);
        assert_eq!(minor("10_15_7"), Some("15"));
        assert_eq!(minor("10"), None);
        assert_eq!(version_from_hint("Windows", "0.2.0").as_deref(), Some("8"));
        assert_eq!(version_from_hint("Windows", "0.0.0"), None);
        assert_eq!(version_from_hint("Windows", "junk"), None);
        assert_eq!(version_from_hint("Windows", "99999999999.0"), None);
        assert_eq!(cap("ééé", 3), "é");
        assert_eq!(cap("abc", 3), "abc");
        assert!(is_model_code("AFTMM", "AFT") && !is_model_code("AFT", "AFT") && !is_model_code("AFTer", "AFT"));
    }

    /// Deterministic pseudo-random strings built from UA fragments and odd characters.
    pub(crate) fn fuzz_inputs() -> Vec<String> {
        const PARTS: &[&str] = &[
            "Mozilla/5.0 ",
            "(",
            ")",
            ";",
            " ",
            "/",
            ",",
            "[",
            "]",
            "\"",
            "\\",
            "Windows",
            "NT",
            "10.0",
            "Android",
            "Mobile",
            "iPhone",
            "OS",
            "X",
            "Mac",
            "17_1",
            "Chrome/",
            "Version/",
            "Safari/",
            "Instagram",
            "FBAV/",
            "TV",
            "Tizen",
            "rv:",
            "MSIE",
            "AFT",
            "KF",
            "Opera",
            "Mini",
            "é",
            "€",
            "\u{0}",
            "\u{10FFFF}",
            "bot",
            "Cubot",
            "crawl",
            "..",
            "_",
            "9999999999999",
            "HeadlessChrome/",
            "Edg/",
            "v=",
            "?1",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut out: Vec<String> = (0..2000)
            .map(|_| {
                let n = (next() % 40) as usize;
                (0..n).map(|_| PARTS[(next() % PARTS.len() as u64) as usize]).collect()
            })
            .collect();
        out.push("é".repeat(MAX_UA_LEN));
        out.push(format!(
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) {}",
            "x".repeat(200_000)
        ));
        out.push("\u{0}".repeat(5000));
        out
    }

    #[test]
    fn never_panics_and_stays_in_vocabulary() {
        for input in fuzz_inputs() {
            for h in [
                NO_HINTS,
                ClientHints {
                    ua: Some(&input),
                    mobile: Some(&input),
                    platform: Some(&input),
                    platform_version: Some(&input),
                    full_version_list: Some(&input),
                    model: Some(&input),
                    form_factors: Some(&input),
                },
            ] {
                let d = parse_device(&input, &h);
                assert!(DEVICE_TYPES.contains(&d.device_type), "{input:?} -> {}", d.device_type);
                assert!(d
                    .browser_version
                    .as_ref()
                    .is_none_or(|v| v.bytes().all(|b| b.is_ascii_digit())));
            }
        }
    }
}
