//! The report site: hostile visitor data stays inert, links stay inside the output folder, the
//! overview matches its golden file, the index keeps every period, and rendering is
//! deterministic.
//!
//! `UPDATE_GOLDEN=1 cargo test -p hitflow-reporter --test site` rewrites `tests/golden/`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{hit, write_hits};
use hitflow_reporter::config::Config;
use hitflow_reporter::figures::ledger::LedgerRow;
use hitflow_reporter::figures::report::Report;
use hitflow_reporter::run::{run, RunOptions};
use hitflow_reporter::site::render_site;
use hitflow_reporter::store::Store;
use hitflow_schema::Hit;

const T0: i64 = 1_764_320_400_000; // 2025-11-28T09:00:00Z
const MIN: i64 = 60_000;

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";
const SVG_BREAK: &str = "</svg><script>alert(2)</script>";
const JS_URL: &str = "javascript:alert(3)";
const HOSTILE_SITE: &str = "\"><img src=x onerror=alert(1)>.example";
/// A right-to-left override that makes "gnp.exe" display as "exe.png".
const BIDI: &str = "\u{202E}gnp.exe\u{2066}\u{200B}";

/// Hits whose every visitor-controlled field carries a payload, run through the real pipeline.
async fn hostile_report(dir: &Path) -> Report {
    let mut hits: Vec<Hit> = Vec::new();
    for v in 0..40u64 {
        let at = T0 + (v as i64) * 5 * MIN;
        let site = if v % 4 == 0 { HOSTILE_SITE } else { "example.com" };
        let landing = match v % 4 {
            0 => format!("/{SCRIPT}"),
            1 => format!("/a{IMG}"),
            2 => format!("/{SVG_BREAK}"),
            _ => format!("/{JS_URL}"),
        };
        hits.push(Hit {
            site: site.into(),
            referrer_host: Some(format!("{JS_URL}{IMG}")),
            referrer_path: Some(format!("/{SCRIPT}")),
            utm_source: Some(format!("src{SCRIPT}{BIDI}")),
            utm_medium: Some(format!("med{IMG}")),
            utm_campaign: Some(if v % 2 == 0 {
                format!("evil{SVG_BREAK}")
            } else {
                JS_URL.to_owned()
            }),
            browser: Some(format!("Brow{IMG}")),
            os: Some(format!("OS{SCRIPT}")),
            country: Some(SVG_BREAK.into()),
            ..hit(v, at, "pageview", &landing)
        });
        hits.push(Hit {
            site: site.into(),
            ..hit(v, at + MIN, "pageview", &format!("/second{SVG_BREAK}"))
        });
        hits.push(Hit {
            site: site.into(),
            ..hit(v, at + 2 * MIN, &format!("ev{SCRIPT}"), &format!("/second{SVG_BREAK}"))
        });
        hits.push(Hit {
            site: site.into(),
            ..hit(v, at + 3 * MIN, "error", &format!("/404{IMG}"))
        });
    }
    let lake = dir.join("lake");
    write_hits(&lake, &hits);
    let config = Config::parse(&format!(
        r#"
        [[goals]]
        name = '{SCRIPT}'
        event = 'ev{SCRIPT}'
        [[goals]]
        name = '{IMG}'
        path = '/second*'
        [[funnels]]
        name = '{SVG_BREAK}'
        steps = [{{ name = '{IMG}', path = '/*' }}, {{ name = '{JS_URL}', event = 'ev{SCRIPT}' }}]
        [[channels.rules]]
        name = '../../{SCRIPT}'
        campaign_contains = 'evil'
        [[channels.rules]]
        name = '{JS_URL}'
        campaign = '{JS_URL}'
        "#
    ))
    .expect("config");
    let day = "2025-11-28".parse().unwrap();
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: day,
        to: day,
        out: dir.join("out"),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    run(store, &config, &options).await.expect("run").report
}

fn fixture() -> Report {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/site_report.json");
    serde_json::from_slice(&std::fs::read(&path).expect("tests/golden/site_report.json"))
        .expect("fixture parses as a Report")
}

/// Every file below `dir`, relative path → bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                out.insert(
                    path.strip_prefix(root).unwrap().to_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

fn html_pages(dir: &Path) -> Vec<(PathBuf, String)> {
    snapshot(dir)
        .into_iter()
        .filter(|(p, _)| p.extension().is_some_and(|e| e == "html"))
        .map(|(p, b)| (dir.join(p), String::from_utf8(b).expect("pages are UTF-8")))
        .collect()
}

const TAGS: &[&str] = &[
    "html",
    "head",
    "meta",
    "link",
    "title",
    "style",
    "body",
    "a",
    "header",
    "nav",
    "ol",
    "ul",
    "li",
    "main",
    "footer",
    "h1",
    "h2",
    "h3",
    "p",
    "span",
    "strong",
    "code",
    "section",
    "dl",
    "dt",
    "dd",
    "div",
    "figure",
    "figcaption",
    "details",
    "summary",
    "table",
    "caption",
    "thead",
    "tbody",
    "tfoot",
    "tr",
    "th",
    "td",
    "svg",
    "desc",
    "g",
    "rect",
    "line",
    "text",
    // Annotation markers and dates (issue 17).
    "circle",
    "time",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "rel",
    "name",
    "content",
    "http-equiv",
    "class",
    "id",
    "href",
    "scope",
    "aria-label",
    "aria-labelledby",
    "aria-current",
    "aria-hidden",
    "role",
    "viewBox",
    "width",
    "height",
    "preserveAspectRatio",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "text-anchor",
    "cx",
    "cy",
    "r",
    "datetime",
];

/// A strict reading of the markup: every tag and attribute must be one the templates and charts
/// use, every attribute value double-quoted. Injected markup shows up as an unknown tag or
/// attribute, or breaks the parse. Returns the `href` values.
fn check_markup(path: &Path, html: &str) -> Vec<String> {
    let mut hrefs = Vec::new();
    let mut rest = html
        .strip_prefix("<!doctype html>")
        .unwrap_or_else(|| panic!("{}: no doctype", path.display()));
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(after) = rest.strip_prefix('/') {
            let end = after
                .find('>')
                .unwrap_or_else(|| panic!("{}: unclosed end tag", path.display()));
            let name = &after[..end];
            assert!(TAGS.contains(&name), "{}: end tag </{name}>", path.display());
            rest = &after[end + 1..];
            continue;
        }
        let name_len = rest.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(rest.len());
        let name = &rest[..name_len];
        assert!(
            TAGS.contains(&name),
            "{}: unexpected tag <{name}> near {:?}",
            path.display(),
            &rest[..rest.len().min(80)]
        );
        rest = &rest[name_len..];
        loop {
            rest = rest.trim_start();
            if let Some(after) = rest.strip_prefix("/>").or_else(|| rest.strip_prefix('>')) {
                rest = after;
                break;
            }
            let attr_len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
                .unwrap_or(rest.len());
            let attr = &rest[..attr_len];
            assert!(
                ATTRIBUTES.contains(&attr),
                "{}: unexpected attribute {attr:?} on <{name}> near {:?}",
                path.display(),
                &rest[..rest.len().min(80)]
            );
            rest = &rest[attr_len..];
            let after = rest
                .strip_prefix("=\"")
                .unwrap_or_else(|| panic!("{}: unquoted value of {attr} on <{name}>", path.display()));
            let end = after.find('"').unwrap();
            let value = &after[..end];
            assert!(
                !value.contains('<') && !value.contains('>'),
                "{}: raw markup in {attr}={value:?}",
                path.display()
            );
            if attr == "href" {
                hrefs.push(value.to_owned());
            }
            rest = &after[end + 1..];
        }
        if name == "style" {
            // The stylesheet is ours and constant; skip to its end.
            let end = rest.find("</style>").unwrap();
            rest = &rest[end..];
        }
    }
    assert_eq!(
        html.matches("<svg").count(),
        html.matches("</svg>").count(),
        "{}",
        path.display()
    );
    hrefs
}

/// Links (but the empty icon, `data:,`) are relative, made of safe characters, and point at a file (and anchor) that exists
/// inside the output folder.
fn check_links(root: &Path, page: &Path, hrefs: &[String]) {
    let root = root.canonicalize().unwrap();
    for href in hrefs.iter().filter(|h| *h != "data:,") {
        assert!(
            href.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/#".contains(&b)),
            "{}: link {href:?} has unexpected characters",
            page.display()
        );
        let (file, anchor) = href
            .split_once('#')
            .map_or((href.as_str(), None), |(f, a)| (f, Some(a)));
        let target = if file.is_empty() {
            page.to_owned()
        } else {
            page.parent().unwrap().join(file)
        };
        let target = target
            .canonicalize()
            .unwrap_or_else(|_| panic!("{}: broken link {href}", page.display()));
        assert!(
            target.starts_with(&root),
            "{}: {href} leaves the output folder",
            page.display()
        );
        if let Some(anchor) = anchor {
            let text = std::fs::read_to_string(&target).unwrap();
            assert!(
                text.contains(&format!("id=\"{anchor}\"")),
                "{}: no #{anchor} in {}",
                page.display(),
                target.display()
            );
        }
    }
}

#[tokio::test]
async fn visitor_data_is_escaped_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let report = hostile_report(dir.path()).await;
    assert_eq!(
        report.sites.len(),
        2,
        "both the hostile and the plain site are reported"
    );
    let out = dir.path().join("out");
    let rendered = render_site(&report, &out).expect("render");

    let pages = html_pages(&out);
    assert!(pages.len() >= 2 * 9 + 3, "{} pages", pages.len());
    // Bidi and invisible characters are neutralised on every page, as in the email.
    assert!(
        pages
            .iter()
            .any(|(_, html)| html.contains("\u{FFFD}gnp.exe\u{FFFD}\u{FFFD}")),
        "the source shows with its hidden characters replaced"
    );
    for (path, html) in &pages {
        assert!(
            !html.chars().any(hitflow_reporter::present::text::is_unsafe_char),
            "{} holds a bidi or invisible character",
            path.display()
        );
        for payload in [
            SCRIPT,
            IMG,
            SVG_BREAK,
            HOSTILE_SITE,
            "<script",
            "<img",
            "onerror=alert(1)>",
        ] {
            assert!(!html.contains(payload), "{}: unescaped {payload:?}", path.display());
        }
        assert!(
            !html.to_ascii_lowercase().contains("href=\"javascript:"),
            "{}",
            path.display()
        );
        let hrefs = check_markup(path, html);
        check_links(&out, path, &hrefs);
    }
    // The payloads were rendered (escaped), not dropped: the test above would pass on blank pages.
    let all: String = pages.iter().map(|(_, html)| html.as_str()).collect();
    for escaped in [
        "&lt;script&gt;alert(1)&lt;/script&gt;",
        "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;",
        "&lt;/svg&gt;&lt;script&gt;alert(2)&lt;/script&gt;",
        "javascript:alert(3)",
    ] {
        assert!(all.contains(escaped), "{escaped} appears nowhere");
    }
    // Inside the SVG charts too (the channel and funnel names are drawn there).
    let svg_text: String = all
        .split("<svg")
        .skip(1)
        .map(|s| s.split("</svg>").next().unwrap())
        .collect();
    assert!(
        svg_text.contains("../../&lt;script&gt;alert(1)&lt;/script&gt;"),
        "channel name in a chart"
    );
    assert!(
        svg_text.contains("&lt;/svg&gt;&lt;script&gt;alert(2)&lt;/script&gt;"),
        "funnel name in a chart"
    );

    // File names from data are slugs, all inside the period folder.
    for file in &rendered.files {
        let name = file.to_str().unwrap();
        assert!(
            name.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b)),
            "{name}"
        );
        assert!(!name.contains(".."), "{name}");
    }
    assert!(
        rendered
            .files
            .iter()
            .any(|f| f.to_str().unwrap().contains("/channels/script-alert-1-script.html")),
        "{:?}",
        rendered.files
    );
    assert!(
        rendered
            .files
            .iter()
            .any(|f| f.to_str().unwrap().contains("/channels/javascript-alert-3.html")),
        "{:?}",
        rendered.files
    );
}

#[test]
fn overview_matches_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    let rendered = render_site(&fixture(), dir.path()).expect("render");
    let overview = std::fs::read_to_string(&rendered.overviews[0]).unwrap();
    let golden = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/overview.html");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &overview).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).expect("tests/golden/overview.html (UPDATE_GOLDEN=1 creates it)");
    if overview != expected {
        let line = overview
            .lines()
            .zip(expected.lines())
            .position(|(a, b)| a != b)
            .unwrap_or(0);
        panic!(
            "overview differs from tests/golden/overview.html at line {} (UPDATE_GOLDEN=1 to accept):\n  got:      {}\n  expected: {}",
            line + 1,
            overview.lines().nth(line).unwrap_or(""),
            expected.lines().nth(line).unwrap_or("")
        );
    }
}

#[test]
fn overview_shows_deltas_in_text_and_marks_best_and_worst() {
    let dir = tempfile::tempdir().unwrap();
    let rendered = render_site(&fixture(), dir.path()).unwrap();
    let html = std::fs::read_to_string(&rendered.overviews[0]).unwrap();
    // Sessions fell 0.9%, bounce rate rose 2.3 percentage points (worse): arrow, sign and unit
    // in text.
    assert!(
        html.contains("▼ −0.9%<span class=\"vh\"> (worse)</span>"),
        "sessions delta"
    );
    assert!(
        html.contains("▲ +2.3 pp<span class=\"vh\"> (worse)</span>"),
        "bounce-rate delta"
    );
    let table = html
        .split("<table id=\"channel-quality\">")
        .nth(1)
        .unwrap()
        .split("</tbody>")
        .next()
        .unwrap();
    let table = table.split("<tbody>").nth(1).unwrap();
    // Six quality columns, each with a best and a worst among the three ranked channels; bot
    // share ties at 0% for Organic Search and Referral, and ties share the mark. Sessions are
    // volume and never ranked.
    assert_eq!(table.matches("★ best</span>").count(), 7, "{table}");
    assert_eq!(table.matches("✕ worst</span>").count(), 6);
    let organic = table
        .split("<tr>")
        .find(|row| row.contains(">Organic Search</a>"))
        .unwrap();
    assert!(
        organic.contains("<td class=\"num\">609</td>"),
        "sessions unranked: {organic}"
    );
    let direct = table.split("<tr>").find(|row| row.contains(">Direct</a>")).unwrap();
    assert!(
        direct.contains("<td class=\"num worst\">18.8%<span class=\"tag worst\">✕ worst</span></td>"),
        "{direct}"
    );
    // SMS has 2 sessions: listed, not ranked.
    let sms = table.split("<tr>").find(|row| row.contains(">SMS</a>")).unwrap();
    assert!(
        sms.contains("too few sessions to rank") && !sms.contains("tag"),
        "{sms}"
    );
    assert!(html.contains("Visitors are daily-unique"));
}

#[test]
fn index_lists_every_period_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let first = fixture();
    let mut second = fixture();
    second.period.from = "2026-11-15".into();
    second.period.to = "2026-11-21".into();
    second.period.previous_from = "2026-11-08".into();
    second.period.previous_to = "2026-11-14".into();
    second.sites[0].totals.sessions = 2100;

    render_site(&first, dir.path()).unwrap();
    let rendered = render_site(&second, dir.path()).unwrap();
    assert_eq!(rendered.periods_listed, 2);
    let index = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let newer = index
        .find("href=\"periods/2026-11-15_2026-11-21/index.html\"")
        .expect("second period listed");
    let older = index
        .find("href=\"periods/2026-11-08_2026-11-14/index.html\"")
        .expect("first period kept");
    assert!(newer < older, "newest first");
    assert!(index.contains("href=\"periods/2026-11-08_2026-11-14/example-com/index.html\""));
    assert!(index.contains(">2,100</td>") && index.contains(">1,901</td>"));
    assert!(dir
        .path()
        .join("periods/2026-11-08_2026-11-14/example-com/index.html")
        .is_file());
    assert!(dir.path().join("periods/2026-11-15_2026-11-21/report.json").is_file());
    for (path, html) in html_pages(dir.path()) {
        check_links(dir.path(), &path, &check_markup(&path, &html));
    }
}

#[test]
fn rendering_twice_is_byte_identical_and_drops_stale_pages() {
    let dir = tempfile::tempdir().unwrap();
    let report = fixture();
    render_site(&report, dir.path()).unwrap();
    let once = snapshot(dir.path());
    render_site(&report, dir.path()).unwrap();
    assert_eq!(snapshot(dir.path()), once, "second render changed files");

    // Another folder gets the same period files.
    let other = tempfile::tempdir().unwrap();
    render_site(&report, other.path()).unwrap();
    assert_eq!(snapshot(other.path()), once);

    // Re-running the period with different data replaces it whole.
    let mut fewer = report.clone();
    fewer.sites[0].channels.retain(|c| c.channel != "Referral");
    render_site(&fewer, dir.path()).unwrap();
    let channels = dir.path().join("periods/2026-11-08_2026-11-14/example-com/channels");
    assert!(channels.join("direct.html").is_file());
    assert!(!channels.join("referral.html").exists(), "stale channel page kept");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("periods"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn a_period_that_is_not_two_dates_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut report = fixture();
    report.period.to = "../../../escape".into();
    assert!(render_site(&report, dir.path()).is_err());
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing written"
    );
}

/// Sessions of `visitor` on `day` (ms of midnight UTC) over `paths`, a minute apart.
fn visit(visitor: u64, day: i64, paths: &[&str]) -> Vec<Hit> {
    paths
        .iter()
        .enumerate()
        .map(|(k, path)| hit(visitor, day + 10 * 3_600_000 + k as i64 * MIN, "pageview", path))
        .collect()
}

const DAY: i64 = 86_400_000;

/// A store that starts on the last day of the previous period: the report says so and shows no
/// change of counts (neither on the site nor in the email), and no previous-average line.
#[tokio::test]
async fn a_partly_empty_previous_period_shows_coverage_instead_of_deltas() {
    let dir = tempfile::tempdir().unwrap();
    // Period 2025-11-28..29 (T0's day and the next); previous 11-26..27, data only on 11-27.
    let day0 = T0 - 9 * 3_600_000;
    let mut hits = Vec::new();
    for v in 0..3 {
        hits.extend(visit(v, day0 - DAY, &["/", "/pricing"]));
    }
    for v in 10..30 {
        // `/app/#/x` reloaded is not a step of the flow.
        hits.extend(visit(
            v,
            day0 + (v as i64 % 2) * DAY,
            &["/app/#/x", "/app/#/x", "/signup"],
        ));
    }
    let lake = dir.path().join("lake");
    write_hits(&lake, &hits);
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: "2025-11-28".parse().unwrap(),
        to: "2025-11-29".parse().unwrap(),
        out: dir.path().join("out"),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    let report = run(store, &Config::default(), &options).await.expect("run").report;
    let site = &report.sites[0];
    assert_eq!(
        (
            site.coverage.previous.days_with_data,
            site.coverage.previous.days,
            site.coverage.comparable
        ),
        (1, 2, false)
    );
    assert_eq!(site.coverage.previous.incomplete_days, ["2025-11-26"]);
    assert_eq!((site.totals.sessions, site.previous.sessions), (20, 3));
    assert_eq!(site.deltas.sessions, None, "+567% against one day of two");
    assert!(site.channels.iter().all(|c| c.sessions_delta.is_none()));
    assert!(site.deltas.bounce_rate.is_some(), "rates are still compared");
    // The flow: no self-transition, each move as a share of its from page, exits per step.
    assert!(site.user_flow.iter().all(|t| t.from != t.to), "{:?}", site.user_flow);
    let first = &site.user_flow[0];
    assert_eq!(
        (
            first.from.as_str(),
            first.to.as_str(),
            first.sessions,
            first.from_sessions
        ),
        ("/app/#/x", "/signup", 20, 20)
    );
    assert_eq!(first.share_of_from, 1.0);
    assert!(site
        .user_flow_exits
        .iter()
        .any(|e| e.step == 2 && e.page == "/signup" && e.exits == 20));

    let out = dir.path().join("site");
    let rendered = render_site(&report, &out).expect("render");
    let overview = std::fs::read_to_string(&rendered.overviews[0]).unwrap();
    assert!(
        overview.contains("Previous period: 1 of 2 days has data."),
        "coverage note on the overview"
    );
    assert!(overview.contains("not comparable (partial data)"));
    assert!(!overview.contains("▲ +566.7%") && !overview.contains("dashed line"));

    let composer = hitflow_reporter::email::Composer::new().unwrap();
    let mail = composer
        .compose(&report, site, "2025-11-28 – 2025-11-29", &Default::default())
        .unwrap();
    assert_eq!(
        mail.subject,
        "example.com · 2025-11-28 – 2025-11-29 · 20 sessions · engagement 100.0%"
    );
    assert!(
        mail.text
            .contains("PARTIAL DATA: Previous period: 1 of 2 days has data."),
        "{}",
        mail.text
    );
    assert!(mail.html.contains("Previous period: 1 of 2 days has data."));
    assert!(mail.text.contains("not comparable (partial data)"));
    // The period is said once in the header, not as label and again as dates.
    assert_eq!(mail.text.matches("2025-11-28 – 2025-11-29").count(), 1, "{}", mail.text);
}

/// Issue 17, comparisons and annotations: `--compare year` reads the same weekdays 52 weeks
/// back (and nothing in between), every page and the email name that period, changes carry
/// their test, and the period's annotations are drawn on the daily chart and listed.
#[tokio::test]
async fn year_over_year_with_annotations() {
    let dir = tempfile::tempdir().unwrap();
    let midnight = |date: &str| {
        date.parse::<chrono::NaiveDate>()
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    let mut hits = Vec::new();
    // This week (Mon 2025-11-24..Sun 11-30): 30 sessions a day; the same weekdays 52 weeks
    // before (Mon 2024-11-25..): 10 a day; the week before this one and a day in June: 50 a
    // day, which a year-over-year run must not read.
    for (first, per_day, days) in [
        ("2025-11-24", 30, 7),
        ("2024-11-25", 10, 7),
        ("2025-11-17", 50, 7),
        ("2025-06-04", 50, 1),
    ] {
        for day in 0..days {
            for v in 0..per_day {
                hits.extend(visit(
                    1000 * day + v,
                    midnight(first) + day as i64 * DAY,
                    &["/", "/pricing"],
                ));
            }
        }
    }
    let lake = dir.path().join("lake");
    write_hits(&lake, &hits);
    let config = Config::parse(
        r#"
        [[annotations]]
        date = "2025-11-26"
        text = "Launched <the> new pricing page"
        link = "https://example.com/blog/pricing?from=hitflow&x=1"
        [[annotations]]
        date = "2025-11-26"
        site = "other.example"
        text = "Not this site"
        [[annotations]]
        date = "2025-11-18"
        text = "Before the period"
        [[segments]]
        name = "Direct visitors"
        channel = "Direct"
        [[segments]]
        name = "Pricing landers"
        landing = "/pricing*"
        "#,
    )
    .expect("config");
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: "2025-11-24".parse().unwrap(),
        to: "2025-11-30".parse().unwrap(),
        out: dir.path().join("out"),
        strict: true,
        progress: false,
        compare: "year".parse().unwrap(),
        site: None,
    };
    let report = run(store, &config, &options).await.expect("run").report;
    assert_eq!(
        (report.period.previous_from.as_str(), report.period.previous_to.as_str()),
        ("2024-11-25", "2024-12-01")
    );
    assert_eq!(report.period.comparison, hitflow_reporter::period::CompareKind::Year);
    // The two weeks, and the day before each (read for time zones: 2025-11-23's 50 sessions),
    // never June or the rest of the week before.
    assert_eq!(
        report.input.hits_read,
        ((30 + 10) * 7 + 50) * 2,
        "only the two weeks are read"
    );
    let site = &report.sites[0];
    assert_eq!((site.totals.sessions, site.previous.sessions), (210, 70));
    assert_eq!(site.previous_daily.len(), 7);
    let sessions = site.significance.sessions.expect("tested");
    assert_eq!(sessions.verdict, hitflow_reporter::stats::Verdict::Up);
    assert!(
        sessions.low > 0.0 && sessions.low < 2.0 && sessions.high > 2.0,
        "{sessions:?}"
    );
    let bounce = site.significance.bounce_rate.expect("tested");
    assert_eq!(bounce.verdict, hitflow_reporter::stats::Verdict::NoChange);
    assert_eq!(
        site.annotations,
        [hitflow_reporter::annotations::Annotation {
            date: "2025-11-26".into(),
            text: "Launched <the> new pricing page".into(),
            link: Some("https://example.com/blog/pricing?from=hitflow&x=1".into()),
        }]
    );

    let rendered = render_site(&report, &dir.path().join("site")).expect("render");
    let overview = std::fs::read_to_string(&rendered.overviews[0]).unwrap();
    for needle in [
        "Changes compare with the same weekdays 52 weeks before, 2024-11-25 – 2024-12-01",
        "vs a year before</th>",
        "a year before: 10/day",
        // The marker sits on Wednesday's bar, its text escaped in the SVG and in the list.
        "<g class=\"pin\"><title>1. 2025-11-26: Launched &lt;the&gt; new pricing page</title>",
        "<a href=\"https://example.com/blog/pricing?from=hitflow&amp;x=1\" rel=\"noopener noreferrer\">Launched &lt;the&gt; new pricing page</a>",
        "▲ +200.0%",
        "≈ ±0.0 pp",
    ] {
        assert!(overview.contains(needle), "overview lacks {needle:?}");
    }
    assert!(!overview.contains("Not this site") && !overview.contains("Before the period"));
    let channel = std::fs::read_to_string(rendered.period_dir.join("example-com/channels/direct.html")).unwrap();
    assert!(channel.contains("<g class=\"pin\">") && channel.contains(">A year before</th>"));

    // Segments: one with sessions (every visit is Direct), reported in full and linked from
    // every page; one without (nobody lands on /pricing), left out.
    let names: Vec<&str> = site.segments.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["Direct visitors"]);
    let segment = &site.segments[0];
    assert_eq!(
        (segment.slug.as_str(), segment.filters.as_str()),
        ("direct-visitors", "channel Direct")
    );
    assert_eq!(
        (segment.report.totals.sessions, segment.report.previous.sessions),
        (210, 70)
    );
    assert_eq!(segment.report.channels.len(), 1);
    // The overview's matrices: every session once, in its channel's row and device's column.
    for m in [&site.channel_by_device, &site.channel_by_country] {
        assert_eq!(m.rows.len(), 1, "{m:?}");
        let total: u64 = m.rows[0].cells.iter().map(|c| c.sessions).sum();
        assert_eq!(
            (m.rows[0].channel.as_str(), total, m.rows[0].cells.len()),
            ("Direct", 210, m.columns.len())
        );
    }
    let segment_dir = rendered.period_dir.join("example-com/segments/direct-visitors");
    let segment_overview = std::fs::read_to_string(segment_dir.join("index.html")).unwrap();
    assert!(segment_overview.contains("Segment <strong>Direct visitors</strong>: the sessions with channel Direct."));
    assert!(
        overview.contains(">Segment: Direct visitors</a>"),
        "the site's navigation links the segment"
    );
    assert!(segment_dir.join("channels/direct.html").exists() && segment_dir.join("goals.html").exists());
    for (path, html) in html_pages(&dir.path().join("site")) {
        let hrefs: Vec<String> = check_markup(&path, &html)
            .into_iter()
            .filter(|h| !h.starts_with("https://example.com/blog/"))
            .collect();
        check_links(&dir.path().join("site"), &path, &hrefs);
    }

    let composer = hitflow_reporter::email::Composer::new().unwrap();
    let mail = composer.compose(&report, site, "week 48", &Default::default()).unwrap();
    assert!(
        mail.text
            .contains("changes against a year before, 2024-11-25 – 2024-12-01"),
        "{}",
        mail.text
    );
    assert!(mail
        .text
        .contains("2025-11-26  Launched <the> new pricing page <https://example.com/blog/pricing?from=hitflow&x=1>"));
    assert!(mail.subject.contains("210 sessions (▲ +200.0%)"), "{}", mail.subject);
}

/// The email's "Open the full report" link is a page of the tree `render_site` writes (and
/// `reporter publish` uploads as it is).
#[test]
fn the_email_links_to_a_page_of_the_published_tree() {
    let dir = tempfile::tempdir().unwrap();
    let report = fixture();
    render_site(&report, dir.path()).unwrap();
    let base = "https://collector.example.com/reports";
    let email = hitflow_reporter::email::EmailConfig {
        site_url: Some(format!("{base}/")),
        ..Default::default()
    };
    let composer = hitflow_reporter::email::Composer::new().unwrap();
    for site in &report.sites {
        let mail = composer.compose(&report, site, "week 46", &email).unwrap();
        let link = mail
            .text
            .lines()
            .find_map(|l| l.strip_prefix("Full report: "))
            .expect("a link in the text part");
        let page = link.strip_prefix(&format!("{base}/")).expect("below the site root");
        assert!(dir.path().join(page).is_file(), "{link} is not a published page");
        assert!(mail.html.contains(&format!("href=\"{link}\"")));
    }
}

/// One session of `visitor` starting at `at`: pageviews of `paths` a minute apart, then an
/// optional last event (`name`, revenue and currency).
fn session_hits(
    visitor: u64,
    at: i64,
    template: &Hit,
    paths: &[&str],
    last: Option<(&str, Option<(f64, &str)>)>,
) -> Vec<Hit> {
    let mut hits: Vec<Hit> = paths
        .iter()
        .enumerate()
        .map(|(k, path)| Hit {
            ..template_hit(template, hit(visitor, at + k as i64 * MIN, "pageview", path))
        })
        .collect();
    if let Some((name, revenue)) = last {
        let path = paths.last().copied().unwrap_or("/");
        let mut h = template_hit(template, hit(visitor, at + paths.len() as i64 * MIN, name, path));
        if let Some((amount, currency)) = revenue {
            h.revenue = Some(amount);
            h.currency = Some(currency.into());
        }
        hits.push(h);
    }
    hits
}

/// `base` with the traffic source, browser, device and country of `template`.
fn template_hit(template: &Hit, base: Hit) -> Hit {
    Hit {
        referrer_host: template.referrer_host.clone(),
        utm_source: template.utm_source.clone(),
        utm_medium: template.utm_medium.clone(),
        utm_campaign: template.utm_campaign.clone(),
        browser: template.browser.clone(),
        device_type: template.device_type.clone(),
        country: template.country.clone(),
        ..base
    }
}

/// A one-day period (2025-11-28) after a day of data, three channels, several countries and
/// two currencies, with `top = 2` so every table has an "Other" row.
///
/// Current day: Direct ×6 (Firefox, DE, `/` → `/pricing`); Organic Search ×4 (Chrome, US,
/// mobile, `/blog/a`, two ending on `js_error`); Email ×5 (utm newsletter / email / winter,
/// Firefox, five countries, `/winter`, three purchases: 10 EUR, 10 EUR, 7 USD).
/// Previous day: Direct ×3, Email ×1 (a 5 EUR purchase).
/// Crawlers, current day, kept out as bots: 5 sessions of 2 hits over 4 networks (Hetzner ×2)
/// and 4 countries (DE ×2, US, FR, Tor's `T1`).
async fn one_day_report(dir: &Path) -> Report {
    let day = T0 - 9 * 3_600_000; // 2025-11-28T00:00Z
    let firefox = |country: &str| Hit {
        browser: Some("Firefox".into()),
        country: Some(country.into()),
        device_type: "desktop".into(),
        ..Hit::default()
    };
    let email = |country: &str| Hit {
        utm_source: Some("newsletter".into()),
        utm_medium: Some("email".into()),
        utm_campaign: Some("winter".into()),
        ..firefox(country)
    };
    let organic = Hit {
        referrer_host: Some("www.google.com".into()),
        browser: Some("Chrome".into()),
        country: Some("US".into()),
        device_type: "mobile".into(),
        ..Hit::default()
    };
    let mut hits = Vec::new();
    let at = |day_start: i64, v: u64| day_start + 8 * 3_600_000 + v as i64 * 10 * MIN;
    for v in 0..6 {
        hits.extend(session_hits(v, at(day, v), &firefox("DE"), &["/", "/pricing"], None));
    }
    for v in 10..14 {
        let last = (v < 12).then_some(("js_error", None));
        hits.extend(session_hits(v, at(day, v), &organic, &["/blog/a"], last));
    }
    let purchases = [Some((10.0, "EUR")), Some((10.0, "EUR")), Some((7.0, "USD")), None, None];
    for (k, country) in ["FR", "IT", "ES", "NL", "BE"].into_iter().enumerate() {
        let v = 20 + k as u64;
        let last = purchases[k].map(|p| ("purchase", Some(p)));
        hits.extend(session_hits(v, at(day, v), &email(country), &["/winter"], last));
    }
    let crawlers = [
        ("Hetzner Online GmbH", "DE"),
        ("Hetzner Online GmbH", "DE"),
        ("Amazon.com, Inc.", "US"),
        ("OVH SAS", "FR"),
        ("DigitalOcean, LLC", "T1"),
    ];
    for (k, (as_org, country)) in crawlers.into_iter().enumerate() {
        let v = 50 + k as u64;
        for mut h in session_hits(v, at(day, v), &firefox(country), &["/", "/pricing"], None) {
            h.is_bot = true;
            h.device_type = "bot".into();
            h.bot_reason = Some("ua:crawler".into());
            h.as_org = Some(as_org.into());
            hits.push(h);
        }
    }
    for v in 30..33 {
        hits.extend(session_hits(
            v,
            at(day - DAY, v),
            &firefox("DE"),
            &["/", "/pricing"],
            None,
        ));
    }
    hits.extend(session_hits(
        40,
        at(day - DAY, 40),
        &email("FR"),
        &["/winter"],
        Some(("purchase", Some((5.0, "EUR")))),
    ));
    let lake = dir.join("lake");
    write_hits(&lake, &hits);
    let config = Config::parse(
        r#"
        [report]
        top = 2
        [[goals]]
        name = "Purchase"
        event = "purchase"
        [[funnels]]
        name = "Winter sale"
        steps = [{ name = "Landing", path = "/winter" }, { name = "Bought", event = "purchase" }]
        "#,
    )
    .expect("config");
    let store = Store::open(lake.to_str().unwrap()).await.unwrap();
    let options = RunOptions {
        from: "2025-11-28".parse().unwrap(),
        to: "2025-11-28".parse().unwrap(),
        out: dir.join("out"),
        strict: true,
        progress: false,
        compare: hitflow_reporter::period::Compare::Previous,
        site: None,
    };
    run(store, &config, &options).await.expect("run").report
}

/// Visible text of a page: tags removed, the stylesheet dropped.
fn visible_text(html: &str) -> String {
    let body = html.split("</style>").last().unwrap_or(html);
    let mut out = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Whether `text` says "<n> days" with n = 1 ("11 days" is fine).
fn says_one_days(text: &str) -> bool {
    text.match_indices("1 days")
        .any(|(at, _)| at == 0 || !text.as_bytes()[at - 1].is_ascii_digit())
}

/// Issue 15, item 9: a channel page drills down like GA4's traffic acquisition (source /
/// medium, campaigns, landing pages, devices, countries by name, days, previous period), from
/// `report.json`.
#[tokio::test]
async fn channel_pages_drill_down_into_the_channel() {
    let dir = tempfile::tempdir().unwrap();
    let report = one_day_report(dir.path()).await;
    let site = &report.sites[0];
    let email = site
        .channels
        .iter()
        .find(|c| c.channel == "Email")
        .expect("Email channel");
    let d = &email.detail;
    let names = |r: &hitflow_reporter::figures::report::Ranked| {
        r.rows.iter().map(|b| (b.name.clone(), b.sessions)).collect::<Vec<_>>()
    };
    assert_eq!(names(&d.sources), [("newsletter / email".to_owned(), 5)]);
    assert_eq!(names(&d.campaigns), [("winter".to_owned(), 5)]);
    assert_eq!(names(&d.landing_pages), [("/winter".to_owned(), 5)]);
    assert_eq!(names(&d.devices), [("desktop".to_owned(), 5)]);
    // Countries by name; top 2 of 5, the rest in one row, so the table sums to the channel.
    assert_eq!(
        names(&d.countries),
        [("Belgium".to_owned(), 1), ("France".to_owned(), 1)]
    );
    assert_eq!(d.countries.rows[0].code.as_deref(), Some("BE"));
    let other = d.countries.other.as_ref().expect("other countries");
    assert_eq!((other.entries, other.row.sessions), (3, 3));
    assert_eq!(d.countries.rows[0].share, 0.2, "share of the channel's sessions");
    assert_eq!(
        d.daily
            .iter()
            .map(|x| (x.date.as_str(), x.sessions, x.converted_sessions))
            .collect::<Vec<_>>(),
        [("2025-11-28", 5, 3)]
    );
    assert_eq!((email.previous.sessions, email.previous.converted_sessions), (1, 1));
    assert_eq!(email.deltas.sessions, Some(4.0), "5 sessions after 1: +400%");

    let rendered = render_site(&report, &dir.path().join("site")).expect("render");
    let page = rendered.period_dir.join("example-com/channels/email.html");
    let html = std::fs::read_to_string(&page).expect("the Email channel page");
    for needle in [
        "<th scope=\"row\">newsletter / email</th>",
        "<th scope=\"row\">winter</th><td>newsletter</td><td>email</td>",
        "<th scope=\"row\" class=\"path\">/winter</th>",
        "<th scope=\"row\">France</th>",
        "Other (3 countries, 3 sessions)",
        "<table id=\"channel-daily\">",
        "Sessions per day, Email",
        // Previous period and change next to each figure; 5 sessions against 1 is within
        // Poisson noise, so it reads ≈, with no arrow.
        "<th scope=\"col\" class=\"num\">Previous period</th>",
        "≈ +400.0%",
    ] {
        assert!(html.contains(needle), "channel page lacks {needle:?}");
    }
}

/// Issue 15, items 10 and 4: goals and funnels by channel and against the previous period;
/// revenue of channels and breakdowns per currency, never added across currencies.
#[tokio::test]
async fn goals_funnels_and_revenue_by_channel() {
    let dir = tempfile::tempdir().unwrap();
    let report = one_day_report(dir.path()).await;
    let site = &report.sites[0];
    let goal = &site.goals[0];
    assert_eq!((goal.conversions, goal.previous_conversions), (3, 1));
    assert_eq!(goal.previous_conversion_rate, 0.25, "1 of 4 sessions the day before");
    assert_eq!(goal.conversion_rate_change, Some(3.0 / 15.0 - 0.25));
    assert_eq!(
        goal.by_channel
            .iter()
            .map(|c| (c.channel.as_str(), c.conversions, c.sessions))
            .collect::<Vec<_>>(),
        [("Email", 3, 5)]
    );
    let funnel = &site.funnels[0];
    assert_eq!(
        funnel
            .steps
            .iter()
            .map(|s| (s.sessions, s.previous_sessions))
            .collect::<Vec<_>>(),
        [(5, 1), (3, 1)]
    );
    assert_eq!(funnel.steps[1].conversion_change, Some(0.6 - 1.0));
    assert_eq!(funnel.by_channel.len(), 1);
    assert_eq!(
        (
            funnel.by_channel[0].channel.as_str(),
            &funnel.by_channel[0].sessions[..]
        ),
        ("Email", &[5, 3][..])
    );

    let email = site.channels.iter().find(|c| c.channel == "Email").unwrap();
    let money = |m: &[hitflow_reporter::figures::report::Money]| {
        m.iter().map(|m| (m.currency.clone(), m.amount)).collect::<Vec<_>>()
    };
    assert_eq!(
        money(&email.revenue_by_currency),
        [("EUR".to_owned(), 20.0), ("USD".to_owned(), 7.0)]
    );
    assert_eq!(money(&email.previous_revenue_by_currency), [("EUR".to_owned(), 5.0)]);
    let landing = site.landing_pages.iter().find(|b| b.name == "/winter").unwrap();
    assert_eq!(
        money(&landing.revenue_by_currency),
        [("EUR".to_owned(), 20.0), ("USD".to_owned(), 7.0)]
    );

    let rendered = render_site(&report, &dir.path().join("site")).expect("render");
    let dir_site = rendered.period_dir.join("example-com");
    let read = |name: &str| std::fs::read_to_string(dir_site.join(name)).unwrap();
    let goals = read("goals.html");
    assert!(
        goals.contains("<td class=\"num\">20.00 EUR<br>7.00 USD</td>"),
        "per currency"
    );
    assert!(!goals.contains("27.00"), "EUR and USD never added up");
    assert!(goals.contains(
        "<th scope=\"row\">Purchase</th><td>Email</td><td class=\"num\">3</td><td class=\"num\">60.0% of 5</td>"
    ));
    assert!(goals.contains("25.0% (1)"), "previous conversion rate");
    let funnels = read("funnels.html");
    assert!(funnels.contains("<table id=\"funnel-channels-1\">"));
    assert!(
        funnels.contains("≈ −40.0 pp"),
        "60% reached the last step, 100% the day before: on 5 and 4 sessions, within noise"
    );
    let channel = read("channels/email.html");
    assert!(channel.contains("20.00 EUR, 7.00 USD") && !channel.contains("27.00"));
    assert!(read("pages.html").contains("20.00 EUR<br>7.00 USD"));
}

/// Issue 15, item 11: countries by name, an "Other" row under every top-N table so it adds up
/// to the total, and a CSV file next to every table of a site's pages, linked from it, with the
/// table's rows.
#[tokio::test]
async fn top_tables_add_up_and_every_table_has_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let report = one_day_report(dir.path()).await;
    let site = &report.sites[0];
    let total = site.totals.sessions;
    assert_eq!(total, 15);
    let o = &site.others;
    for (name, rows, other) in [
        ("countries", &site.countries, &o.countries),
        ("landing pages", &site.landing_pages, &o.landing_pages),
        ("sources", &site.sources, &o.sources),
        ("browsers", &site.browsers, &o.browsers),
        ("devices", &site.devices, &o.devices),
    ] {
        let sum: u64 = rows.iter().map(|r| r.sessions).sum::<u64>() + other.as_ref().map_or(0, |r| r.row.sessions);
        assert_eq!(sum, total, "{name} add up to the sessions");
        assert!(rows.len() <= 2);
    }
    assert_eq!(
        site.countries.iter().map(|c| c.name.as_str()).collect::<Vec<_>>(),
        ["Germany", "United States of America"]
    );
    let other = o.countries.as_ref().unwrap();
    assert_eq!((other.entries, other.row.sessions), (5, 5));

    let rendered = render_site(&report, &dir.path().join("site")).expect("render");
    let site_dir = rendered.period_dir.join("example-com");
    let audience = std::fs::read_to_string(site_dir.join("audience.html")).unwrap();
    assert!(audience.contains("<th scope=\"row\">Germany</th>"));
    assert!(audience.contains("Other (5 countries, 5 sessions)"));

    let mut tables = 0;
    for (page, html) in html_pages(&site_dir) {
        for chunk in html.split("<table id=\"").skip(1) {
            let id = &chunk[..chunk.find('"').unwrap()];
            let (table, after) = chunk.split_once("</table>").unwrap();
            let rows = table.split_once("<tbody>").map_or(0, |(_, body)| {
                body.split("</tbody>").next().unwrap_or("").matches("<tr").count()
            });
            let href = after
                .split_once("<p class=\"csv\"><a href=\"")
                .and_then(|(between, link)| (!between.contains("<table")).then_some(link))
                .and_then(|link| link.split_once('"'))
                .map(|(href, _)| href)
                .unwrap_or_else(|| panic!("{}: table {id} has no CSV link", page.display()));
            assert!(
                href.ends_with(&format!("{id}.csv")),
                "{}: {id} → {href}",
                page.display()
            );
            let csv = std::fs::read_to_string(page.parent().unwrap().join(href))
                .unwrap_or_else(|_| panic!("{}: {href} missing", page.display()));
            assert_eq!(
                csv.split("\r\n").filter(|l| !l.is_empty()).count(),
                rows + 1,
                "{}: {href} has the header and the table's rows:\n{csv}",
                page.display()
            );
            tables += 1;
        }
    }
    assert!(tables >= 30, "{tables} tables checked");
    let countries = std::fs::read_to_string(site_dir.join("countries-table.csv")).unwrap();
    assert!(countries.starts_with("country,code,sessions,share,"), "{countries}");
    assert!(countries.contains("\r\nGermany,DE,6,0.4,"), "{countries}");
    assert!(countries.contains("\r\nOther,,5,0.333333,"), "{countries}");

    // The bot ledger's top-N tables too: countries by name (code beside), an "Other" row so
    // each table adds up to the ledger's sessions and hits, in the page and in the CSV.
    let l = &site.bot_ledger;
    assert_eq!((l.sessions, l.hits), (5, 10));
    for (name, rows, other) in [
        ("networks", &l.by_as_org, &l.others.by_as_org),
        ("countries", &l.by_country, &l.others.by_country),
    ] {
        let other = other.as_ref().unwrap_or_else(|| panic!("ledger {name}: an Other row"));
        let sum = |f: fn(&LedgerRow) -> u64| rows.iter().map(f).sum::<u64>() + f(&other.row);
        assert_eq!((sum(|r| r.sessions), sum(|r| r.hits)), (5, 10), "ledger {name} add up");
        assert_eq!(
            (rows.len(), other.entries, other.row.sessions),
            (2, 2, 2),
            "ledger {name}"
        );
        assert_eq!(other.row.share, 0.4, "ledger {name}: share of the ledger's sessions");
    }
    assert_eq!(
        l.by_country
            .iter()
            .map(|r| (r.name.as_str(), r.code.as_deref()))
            .collect::<Vec<_>>(),
        [("Germany", Some("DE")), ("France", Some("FR"))]
    );
    assert_eq!(l.by_as_org[0].name, "Hetzner Online GmbH");
    let bots = std::fs::read_to_string(site_dir.join("bots.html")).unwrap();
    for needle in [
        "<th scope=\"row\">Germany</th>",
        "Other (2 networks, 2 sessions)",
        "Other (2 countries, 2 sessions)",
    ] {
        assert!(bots.contains(needle), "bots.html lacks {needle:?}");
    }
    let ledger = std::fs::read_to_string(site_dir.join("ledger-countries.csv")).unwrap();
    assert!(
        ledger.starts_with("country,code,sessions,hits,share,entries\r\n"),
        "{ledger}"
    );
    assert!(ledger.contains("\r\nGermany,DE,2,4,0.4,1\r\n"), "{ledger}");
    assert!(ledger.ends_with("\r\nOther,,2,4,0.4,2\r\n"), "{ledger}");
    let networks = std::fs::read_to_string(site_dir.join("ledger-networks.csv")).unwrap();
    assert!(networks.ends_with("\r\nOther,2,4,0.4,2\r\n"), "{networks}");
}

/// Issue 15, items 12, 13 and 8: technical issues as rates per browser with the error events'
/// names; a glossary without config keys that says how bounce differs from GA4; "1 day".
#[tokio::test]
async fn technical_rates_glossary_words_and_one_day() {
    let dir = tempfile::tempdir().unwrap();
    let report = one_day_report(dir.path()).await;
    let t = &report.sites[0].technical;
    let chrome = t
        .error_endings_by_browser
        .iter()
        .find(|r| r.name == "Chrome")
        .expect("Chrome");
    assert_eq!(
        (chrome.sessions, chrome.of_sessions, chrome.share),
        (2, Some(4), Some(0.5))
    );
    assert_eq!(
        t.error_endings_by_event
            .iter()
            .map(|r| (r.name.as_str(), r.sessions))
            .collect::<Vec<_>>(),
        [("js_error", 2)]
    );

    let rendered = render_site(&report, &dir.path().join("site")).expect("render");
    let site_dir = rendered.period_dir.join("example-com");
    let technical = std::fs::read_to_string(site_dir.join("technical.html")).unwrap();
    assert!(technical.contains(
        "<th scope=\"row\">Chrome</th><td class=\"num\">2</td><td class=\"num\">4</td><td class=\"num\">50.0%</td>"
    ));
    assert!(technical.contains("<th scope=\"row\">js_error</th><td class=\"num\">2</td>"));

    let glossary = visible_text(&std::fs::read_to_string(rendered.period_dir.join("glossary.html")).unwrap());
    for word in glossary.split(|c: char| c.is_whitespace() || "(),.;:\"'`".contains(c)) {
        assert!(
            !(word.contains('_') || word.starts_with("session_rules") || word.contains("[[")),
            "config key {word:?} in the glossary"
        );
    }
    let bounce_vs_ga4 = glossary
        .lines()
        .filter(|l| l.contains("GA4") && l.contains("bounce"))
        .count();
    assert!(bounce_vs_ga4 >= 1, "one line on how bounce differs from GA4");

    // A one-day period reads "1 day" wherever it is counted, never "1 days".
    let overview = std::fs::read_to_string(&rendered.overviews[0]).unwrap();
    assert!(
        overview.contains("1 day, 15 sessions in total"),
        "daily chart description"
    );
    for (page, html) in html_pages(&rendered.period_dir) {
        assert!(!says_one_days(&visible_text(&html)), "{}: \"1 days\"", page.display());
    }
    let composer = hitflow_reporter::email::Composer::new().unwrap();
    let mail = composer
        .compose(&report, &report.sites[0], "2025-11-28", &Default::default())
        .unwrap();
    assert!(!says_one_days(&mail.text) && !says_one_days(&mail.subject) && !says_one_days(&mail.html));
}
