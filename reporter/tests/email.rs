//! Email reports end to end: a real SMTP server (aiosmtpd, `tests/smtp_sink.py`) receives what
//! lettre sends; `.eml` output; header injection; the text part against a golden file.
//!
//! Messages are parsed back by Python's `email` package (the sink writes JSON beside each
//! message, `smtp_sink.py parse` does the same for a file), so MIME structure, encodings and
//! header decoding are checked by an independent implementation.

#[path = "common/smtp_sink.rs"]
mod smtp_sink;

use std::path::Path;

use hitflow_reporter::config::{Config, SessionConfig, SiteConfig};
use hitflow_reporter::email::{
    check_delivery, send_reports, send_reports_with, Composer, Delivery, EmailConfig, Security, SmtpConfig,
};
use hitflow_reporter::figures::counts::Figures;
use hitflow_reporter::figures::report::{
    definitions, Breakdown, ChannelReport, Deltas, InputSummary, PageRow, PeriodInfo, Report, SiteReport, Technical,
};
use hitflow_reporter::figures::scroll::ScrollFigures;
use hitflow_reporter::figures::significance::{DailyTotals, Significance};
use hitflow_reporter::stats::counts::count_change;
use serde_json::Value;
use smtp_sink::{header, parse_eml, part, Sink};

const GOLDEN_TEXT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/email.txt");
const EVIL_SOURCE: &str = "evil.example\r\n--boundary\r\nBcc: x@evil.example / <script>alert(1)</script>";
const EVIL_PAGE: &str = "/blog/<img src=x onerror=alert(1)>";

fn figures(sessions: u64, visitors: u64, engagement: f64, bounce: f64, conversions: u64, avg: f64) -> Figures {
    let conversion_rate = (conversions as f64 / sessions.max(1) as f64 * 10_000.0).round() / 10_000.0;
    Figures {
        sessions,
        visitors,
        pageviews: sessions * 5 / 2,
        pages_per_session: 2.5,
        avg_duration_s: avg,
        median_duration_s: avg / 2.0,
        bounces: (sessions as f64 * bounce).round() as u64,
        bounce_rate: bounce,
        engaged_sessions: (sessions as f64 * engagement).round() as u64,
        engagement_rate: engagement,
        conversions,
        converted_sessions: conversions,
        conversion_rate,
        ..Figures::default()
    }
}

fn channel(
    name: &str,
    sessions: u64,
    previous: u64,
    engagement: f64,
    bounce: f64,
    conversions: u64,
    avg: f64,
) -> ChannelReport {
    ChannelReport {
        channel: name.into(),
        figures: figures(sessions, sessions * 4 / 5, engagement, bounce, conversions, avg),
        previous_sessions: previous,
        sessions_delta: (previous > 0).then(|| (sessions as f64 - previous as f64) / previous as f64),
        // Poisson alone (no daily figures): Direct's +2.6% on 3,900 sessions is noise,
        // Organic Search's +8.9% is not.
        significance: Significance {
            sessions: count_change(sessions, 7.0, previous, 7.0, &[]),
            ..Significance::default()
        },
        ..ChannelReport::default()
    }
}

fn source(name: &str, sessions: u64, total: u64, engagement: f64) -> Breakdown {
    Breakdown {
        name: name.into(),
        source: None,
        medium: None,
        sessions,
        share: (sessions as f64 / total as f64 * 10_000.0).round() / 10_000.0,
        bounce_rate: 0.4,
        engagement_rate: engagement,
        conversion_rate: 0.01,
        pages_per_session: 2.0,
        revenue: 0.0,
        ..Breakdown::default()
    }
}

fn site(name: &str, timezone: &str, totals: Figures, previous: Figures) -> SiteReport {
    let total = totals.sessions;
    SiteReport {
        site: name.into(),
        timezone: timezone.into(),
        deltas: Deltas::between(&totals, &previous, true),
        significance: Significance::of(
            &totals,
            &previous,
            &Deltas::between(&totals, &previous, true),
            (7.0, 7.0),
            &DailyTotals::default(),
        ),
        previous_daily: Vec::new(),
        segments: Vec::new(),
        channel_by_device: Default::default(),
        channel_by_country: Default::default(),
        annotations: vec![
            hitflow_reporter::annotations::Annotation {
                date: "2026-11-17".into(),
                text: "New pricing page <live>".into(),
                link: Some("https://example.com/blog/pricing?a=1&b=2".into()),
            },
            hitflow_reporter::annotations::Annotation {
                date: "2026-11-20".into(),
                text: "Newsletter sent".into(),
                link: None,
            },
        ],
        coverage: Default::default(),
        scroll: Default::default(),
        revenue: Vec::new(),
        previous_revenue: Vec::new(),
        totals,
        previous,
        channels: vec![
            channel("Organic Search", 5120, 4700, 0.66, 0.33, 60, 95.0),
            channel("Direct", 3900, 3800, 0.58, 0.41, 40, 80.2),
            channel("Referral", 1500, 1300, 0.63, 0.36, 12, 88.0),
            channel("Organic Social", 1000, 1100, 0.41, 0.55, 3, 31.5),
            channel("Email", 520, 526, 0.72, 0.25, 8, 140.0),
            channel("Paid Search", 300, 0, 0.35, 0.61, 0, 12.0),
        ],
        goals: Vec::new(),
        top_pages: vec![
            PageRow {
                path: "/".into(),
                pageviews: 9000,
                scroll: ScrollFigures {
                    median_scroll_depth: Some(62.5),
                    scroll_depth_page_views: 8100,
                },
            },
            PageRow {
                path: "/pricing".into(),
                pageviews: 4100,
                scroll: Default::default(),
            },
            PageRow {
                path: EVIL_PAGE.into(),
                pageviews: 2200,
                scroll: Default::default(),
            },
            PageRow {
                path: "/docs/getting-started/installation-on-a-very-long-path-name".into(),
                pageviews: 1800,
                scroll: Default::default(),
            },
        ],
        landing_pages: Vec::new(),
        exit_pages: Vec::new(),
        sources: vec![
            source("google / organic", 4800, total, 0.66),
            source("(direct) / (none)", 3900, total, 0.58),
            source("news.ycombinator.com / referral", 900, total, 0.71),
            source("newsletter / email", 520, total, 0.72),
            source(EVIL_SOURCE, 250, total, 0.2),
        ],
        referrers: Vec::new(),
        campaigns: Vec::new(),
        devices: Vec::new(),
        browsers: Vec::new(),
        operating_systems: Vec::new(),
        countries: Vec::new(),
        hour_of_day: Vec::new(),
        daily: Vec::new(),
        user_flow: Vec::new(),
        user_flow_exits: Vec::new(),
        funnels: Vec::new(),
        technical: Technical::default(),
        bot_ledger: Default::default(),
        others: Default::default(),
    }
}

/// A fixed week-47 report: example.com with a previous week, blog.example.org without one.
fn report() -> Report {
    Report {
        hitflow_version: "test".into(),
        period: PeriodInfo {
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            days: 7,
            previous_from: "2026-11-09".into(),
            previous_to: "2026-11-15".into(),
            comparison: Default::default(),
        },
        session_rules: SessionConfig::default(),
        automation_rules: Default::default(),
        definitions: definitions(),
        input: InputSummary::default(),
        sites: vec![
            site(
                "blog.example.org",
                "UTC",
                figures(420, 400, 0.5, 0.5, 0, 40.0),
                Figures::default(),
            ),
            site(
                "example.com",
                "Europe/Berlin",
                figures(12_340, 9_876, 0.61, 0.38, 123, 83.4),
                figures(11_426, 9_400, 0.578, 0.39, 110, 80.0),
            ),
        ],
    }
}

fn config(sites: &[(&str, &[&str])]) -> Config {
    Config {
        sites: sites
            .iter()
            .map(|(name, recipients)| SiteConfig {
                name: (*name).into(),
                timezone: chrono_tz::Tz::UTC,
                recipients: recipients.iter().map(|r| (*r).into()).collect(),
            })
            .collect(),
        ..Config::default()
    }
}

fn email_config(port: u16) -> EmailConfig {
    EmailConfig {
        from: "hitflow reports <reports@example.com>".into(),
        site_url: Some("https://reports.example.com".into()),
        smtp: SmtpConfig {
            host: "127.0.0.1".into(),
            port: Some(port),
            security: Security::None,
            username: Some("hitflow".into()),
            password_env: Some("HITFLOW_TEST_SMTP_PASSWORD".into()),
        },
    }
}

/// What every report message must look like, whatever carried it.
fn check_message(message: &Value, to: &str) {
    assert_eq!(message["content_type"], "multipart/alternative");
    assert_eq!(message["defects"].as_array().map(Vec::len), Some(0), "{message}");
    assert_eq!(
        message["parts"].as_array().map(Vec::len),
        Some(2),
        "exactly text + html, nothing smuggled in"
    );
    assert_eq!(header(message, "from"), ["hitflow reports <reports@example.com>"]);
    assert_eq!(header(message, "to"), [to]);
    assert_eq!(header(message, "auto-submitted"), ["auto-generated"]);
    assert!(
        header(message, "bcc").is_empty() && header(message, "cc").is_empty(),
        "{message}"
    );
    assert_eq!(header(message, "message-id").len(), 1);
    let names: Vec<&str> = message["header_names"]
        .as_array()
        .expect("names")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(!names.iter().any(|n| n.eq_ignore_ascii_case("bcc")), "{names:?}");
}

#[tokio::test]
async fn smtp_delivery_with_auth_reaches_a_real_server() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = Sink::start(&dir.path().join("inbox"), "hitflow", "s3cret");
    let config = config(&[
        (
            "example.com",
            &["Ann <ann@example.com>", "bob@example.com", "BOB@example.com"],
        ),
        ("blog.example.org", &["carl@example.org"]),
        ("quiet.example.net", &["dora@example.net"]),
    ]);
    let env = |name: &str| (name == "HITFLOW_TEST_SMTP_PASSWORD").then(|| "s3cret".to_owned());
    let sent = send_reports_with(
        &report(),
        &config,
        &email_config(sink.port),
        "week 47",
        Delivery::Smtp,
        env,
    )
    .await
    .expect("sent");
    // bob once (addresses compare case-insensitively), quiet.example.net has no data: no mail.
    let to: Vec<(&str, &str)> = sent.iter().map(|s| (s.site.as_str(), s.to.as_str())).collect();
    assert_eq!(
        to,
        [
            ("example.com", "ann@example.com"),
            ("example.com", "bob@example.com"),
            ("blog.example.org", "carl@example.org")
        ]
    );

    let received = sink.received();
    assert_eq!(received.len(), 3);
    for (message, (sent, to_header)) in
        received.iter().zip(
            sent.iter()
                .zip(["Ann <ann@example.com>", "bob@example.com", "carl@example.org"]),
        )
    {
        check_message(message, to_header);
        assert_eq!(message["authenticated_as"], "hitflow");
        assert_eq!(message["mail_from"], "reports@example.com");
        assert_eq!(
            message["rcpt_tos"],
            serde_json::json!([sent.to]),
            "one recipient per message, no hidden ones"
        );
        assert_eq!(header(message, "subject"), [sent.subject.as_str()]);
        assert_eq!(header(message, "message-id"), [sent.message_id.as_str()]);
    }
    let main = &received[0];
    assert_eq!(
        header(main, "subject"),
        ["example.com · week 47 · 12,340 sessions (▲ +8.0%) · engagement 61.0%"]
    );
    let text = part(main, "text/plain");
    let html = part(main, "text/html");
    for needle in [
        "12,340",
        "9,876",
        "Visitors (daily-unique)",
        "61.0%",
        "+3.2 pp",
        "38.0%",
        "30,850",
        "Organic Search",
        "google / organic",
    ] {
        assert!(text.contains(needle), "text part lacks {needle}:\n{text}");
        assert!(html.contains(needle), "html part lacks {needle}");
    }
    // The link points into the published layout (`site::` paths), as in the golden text.
    let link = "https://reports.example.com/periods/2026-11-16_2026-11-22/example-com/index.html";
    assert!(text.contains(&format!("Full report: {link}")), "{text}");
    assert!(html.contains(&format!("href=\"{link}\"")));
    let blog = &received[2];
    assert_eq!(
        header(blog, "subject"),
        ["blog.example.org · week 47 · 420 sessions · engagement 50.0%"]
    );
    assert!(part(blog, "text/plain").contains("no previous data"));
}

#[tokio::test]
async fn smtp_wrong_password_is_an_error_and_nothing_is_delivered() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sink = Sink::start(&dir.path().join("inbox"), "hitflow", "s3cret");
    let config = config(&[("example.com", &["ann@example.com"])]);
    let env = |_: &str| Some("wrong".to_owned());
    let err = send_reports_with(
        &report(),
        &config,
        &email_config(sink.port),
        "week 47",
        Delivery::Smtp,
        env,
    )
    .await
    .expect_err("refused");
    let message = format!("{err:#}");
    assert!(
        message.contains("sent 0 of 1") && message.contains("ann@example.com"),
        "{message}"
    );
    assert!(sink.received().is_empty());

    let missing = send_reports_with(
        &report(),
        &config,
        &email_config(sink.port),
        "week 47",
        Delivery::Smtp,
        |_: &str| None,
    )
    .await;
    let message = format!("{:#}", missing.expect_err("no password"));
    assert!(message.contains("HITFLOW_TEST_SMTP_PASSWORD"), "{message}");
}

#[tokio::test]
async fn eml_files_are_written_per_site_and_recipient() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("eml");
    let config = config(&[
        ("example.com", &["ann@example.com", "bob@example.com"]),
        ("blog.example.org", &[]),
    ]);
    let sent = send_reports(
        &report(),
        &config,
        &email_config(25),
        "week 47",
        Delivery::EmlDir(out.clone()),
    )
    .await
    .expect("written");
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .expect("dir")
        .filter_map(|e| Some(e.ok()?.file_name().to_str()?.to_owned()))
        .collect();
    files.sort();
    assert_eq!(
        files,
        ["example.com--ann@example.com.eml", "example.com--bob@example.com.eml"]
    );
    for (sent, to) in sent.iter().zip(["ann@example.com", "bob@example.com"]) {
        let path = sent.eml.as_ref().expect("eml path");
        let message = parse_eml(path);
        check_message(&message, to);
        assert_eq!(
            header(&message, "subject"),
            ["example.com · week 47 · 12,340 sessions (▲ +8.0%) · engagement 61.0%"]
        );
        let raw = std::fs::read(path).expect("eml");
        // The raw file is 7-bit clean (encoded parts and headers), lines CRLF-terminated.
        assert!(raw.is_ascii(), "raw message has 8-bit bytes");
        assert!(
            raw.windows(2).all(|w| w[1] != b'\n' || w[0] == b'\r'),
            "bare LF in the message"
        );
    }
}

/// A visitor-derived source with CRLF, a fake boundary and markup stays one harmless line.
#[tokio::test]
async fn visitor_values_cannot_break_the_mime_structure_or_the_html() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("eml");
    let config = config(&[("example.com", &["ann@example.com"])]);
    let sent = send_reports(&report(), &config, &email_config(25), "week 47", Delivery::EmlDir(out))
        .await
        .expect("written");
    let message = parse_eml(sent[0].eml.as_ref().expect("path"));
    check_message(&message, "ann@example.com");
    let text = part(&message, "text/plain");
    let html = part(&message, "text/html");
    assert!(!text.contains("\n--boundary") && !text.contains("\nBcc:"), "{text}");
    assert!(
        text.contains("evil.example\u{FFFD}\u{FFFD}--boundary\u{FFFD}\u{FFFD}Bcc: x@evil.example"),
        "{text}"
    );
    assert!(
        !html.contains("<script") && !html.contains("<img"),
        "unescaped markup in the html part"
    );
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"), "page path escaped");
}

#[tokio::test]
async fn header_injection_through_names_and_addresses_is_refused() {
    const EVIL: &str = "\r\nBcc: evil@example.com";
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("eml");
    let good_email = email_config(25);

    // Site name (from the data and the config) → subject.
    let evil_site = format!("example.com{EVIL}");
    let mut evil_report = report();
    evil_report.sites[1].site = evil_site.clone();
    let err = send_reports(
        &evil_report,
        &config(&[(&evil_site, &["ann@example.com"])]),
        &good_email,
        "week 47",
        Delivery::EmlDir(out.clone()),
    )
    .await
    .expect_err("site name refused");
    let message = err.to_string();
    assert!(
        message.contains("site name") && message.contains("CR/LF") && message.contains("\\r\\nBcc"),
        "{message}"
    );

    let cases: [(&str, Config, EmailConfig, &str); 4] = [
        (
            "email.from",
            config(&[("example.com", &["ann@example.com"])]),
            EmailConfig {
                from: format!("reports@example.com{EVIL}"),
                ..good_email.clone()
            },
            "week 47",
        ),
        (
            "recipients of site",
            config(&[("example.com", &[&format!("ann@example.com{EVIL}")])]),
            good_email.clone(),
            "week 47",
        ),
        (
            "period label",
            config(&[("example.com", &["ann@example.com"])]),
            good_email.clone(),
            "week 47\r\nBcc: evil@example.com",
        ),
        (
            "email.from",
            config(&[("example.com", &["ann@example.com"])]),
            EmailConfig {
                from: "Reports\n<reports@example.com>".into(),
                ..good_email.clone()
            },
            "week 47",
        ),
    ];
    for (field, config, email, label) in cases {
        let err = send_reports(&report(), &config, &email, label, Delivery::EmlDir(out.clone()))
            .await
            .expect_err(field);
        let message = err.to_string();
        assert!(
            message.contains(field) && message.contains("CR/LF"),
            "{field}: {message}"
        );
    }
    // An address that is not one (two addresses, a missing domain) is refused by lettre's parser.
    for bad in [
        "ann@example.com, evil@example.com",
        "ann",
        "<ann@example.com> evil@example.com",
    ] {
        let err = send_reports(
            &report(),
            &config(&[("example.com", &[bad])]),
            &good_email,
            "week 47",
            Delivery::EmlDir(out.clone()),
        )
        .await
        .expect_err(bad);
        assert!(err.to_string().contains("not a valid email address"), "{bad}: {err}");
    }
    // Everything is checked before anything is written or sent.
    assert!(!out.exists() || std::fs::read_dir(&out).map(|d| d.count()).unwrap_or(0) == 0);
}

#[test]
fn subject_and_html_follow_the_email_client_rules() {
    let composer = Composer::new().expect("templates");
    let report = report();
    let email = email_config(25);
    let mail = composer
        .compose(&report, &report.sites[1], "week 47", &email)
        .expect("composed");
    assert_eq!(
        mail.subject,
        "example.com · week 47 · 12,340 sessions (▲ +8.0%) · engagement 61.0%"
    );
    let html = mail.html.to_ascii_lowercase();
    for banned in [
        "<style",
        "<script",
        "<svg",
        "<img",
        "<link",
        "src=\"",
        "url(",
        "<div style=\"display:flex",
        "class=",
    ] {
        assert!(!html.contains(banned), "html part contains {banned}");
    }
    assert!(html.contains("<table role=\"presentation\""));
    // Channel bars: Organic Search is 5,120 of 12,340 sessions = 41%.
    assert!(
        html.contains("<td width=\"41%\" height=\"6\" bgcolor=\"#2563eb\""),
        "bar cell"
    );
    assert!(
        html.contains("<td width=\"59%\" height=\"6\" bgcolor=\"#e4e7ec\""),
        "bar track"
    );

    let no_link = EmailConfig {
        site_url: None,
        ..email
    };
    let mail = composer
        .compose(&report, &report.sites[1], "week 47", &no_link)
        .expect("composed");
    // The one link left is the annotation's, escaped like every value.
    assert!(!mail.text.contains("Full report") && mail.html.matches("href=").count() == 1);
    assert!(
        mail.html.contains(ANNOTATION_LINK_HTML) && mail.html.contains("New pricing page &lt;live&gt;</a>"),
        "annotation with its link"
    );
}

const ANNOTATION_LINK_HTML: &str = "href=\"https://example.com/blog/pricing?a=1&amp;b=2\"";

/// The HTML part fits a phone: fluid up to 600 px, KPI cards one per line (no three-card
/// rows of 200 px), and data tables with real header cells.
#[test]
fn html_is_fluid_with_header_cells_and_stacked_cards() {
    let composer = Composer::new().expect("templates");
    let report = report();
    let mail = composer
        .compose(&report, &report.sites[1], "week 47", &email_config(25))
        .expect("composed");
    let html = &mail.html;
    assert!(html.contains("style=\"width:100%;max-width:600px;"), "fluid container");
    assert!(!html.contains("width:600px;max-width") && !html.contains("width=\"33%\""));
    for header in ["Channel", "Sessions", "Change", "Source / medium", "Page", "Pageviews"] {
        assert!(
            html.contains("scope=\"col\"") && html.contains(&format!(">{header}</th>")),
            "{header}"
        );
    }
    // Data tables are not layout tables.
    let channel_table = html
        .split(">Channel</th>")
        .next()
        .unwrap()
        .rsplit("<table")
        .next()
        .unwrap();
    assert!(!channel_table.contains("role=\"presentation\""), "{channel_table}");
    // Every KPI card is a full-width table of its own.
    assert_eq!(html.matches("margin-bottom:8px;").count(), 7);
}

/// A site without a previous period reads "no previous data", on the site and in the email
/// alike, never "n/a vs 0.0%", "vs 0s" or "new".
#[test]
fn an_empty_previous_period_reads_the_same_on_the_site_and_in_the_email() {
    let report = report();
    let blog = report
        .sites
        .iter()
        .find(|s| s.previous.sessions == 0)
        .expect("a site without a previous period");
    let mail = Composer::new()
        .unwrap()
        .compose(&report, blog, "week 47", &email_config(25))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let rendered = hitflow_reporter::site::render_site(&report, dir.path()).unwrap();
    let overview = rendered
        .overviews
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .find(|html| html.contains(&format!("<h1>{}", blog.site)))
        .unwrap();
    for (name, text) in [
        ("site", &overview),
        ("email html", &mail.html),
        ("email text", &mail.text),
    ] {
        assert!(text.contains("no previous data"), "{name}");
        for wrong in ["n/a", "vs 0.0%", "vs 0s", ">new<", " new "] {
            assert!(!text.contains(wrong), "{name} shows {wrong:?}");
        }
    }
}

#[test]
fn text_part_matches_the_golden_file() {
    let composer = Composer::new().expect("templates");
    let report = report();
    let mail = composer
        .compose(&report, &report.sites[1], "week 47", &email_config(25))
        .expect("composed");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(Path::new(GOLDEN_TEXT).parent().expect("parent")).expect("golden dir");
        std::fs::write(GOLDEN_TEXT, &mail.text).expect("golden written");
    }
    let golden =
        std::fs::read_to_string(GOLDEN_TEXT).expect("tests/golden/email.txt exists (UPDATE_GOLDEN=1 writes it)");
    assert_eq!(
        mail.text, golden,
        "text part changed; review and regenerate with UPDATE_GOLDEN=1"
    );
}

#[test]
fn delivery_is_checked_before_the_run() {
    let ok = email_config(25);
    let password = |_: &str| Some("s3cret".to_owned());
    check_delivery(&ok, &Delivery::Smtp, password).expect("ready");
    let err = check_delivery(&ok, &Delivery::Smtp, |_: &str| None).expect_err("no password");
    assert!(err.to_string().contains("HITFLOW_TEST_SMTP_PASSWORD"), "{err}");
    let no_host = EmailConfig {
        smtp: SmtpConfig {
            host: String::new(),
            ..ok.smtp.clone()
        },
        ..ok.clone()
    };
    let err = check_delivery(&no_host, &Delivery::Smtp, password).expect_err("no host");
    assert!(err.to_string().contains("email.smtp.host"), "{err}");
    check_delivery(&no_host, &Delivery::EmlDir("out".into()), |_: &str| None).expect(".eml needs no server");
    let no_from = EmailConfig {
        from: String::new(),
        ..ok
    };
    let err = check_delivery(&no_from, &Delivery::EmlDir("out".into()), password).expect_err("no from");
    assert!(err.to_string().contains("email.from"), "{err}");
}
