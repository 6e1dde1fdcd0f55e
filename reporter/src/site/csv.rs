//! A CSV file next to every data table of a site's pages, so an analyst can take a table away
//! without SQL. Each file is named after its table's `id` (`landing-pages.csv` beside
//! `landing-pages.html#landing-pages`'s page; a channel page's tables get the channel slug in
//! front), holds the same rows as the table (its "Other" row included) and exact values: rates
//! as fractions, amounts per currency, counts without separators.

use std::path::PathBuf;

use super::render::File;
use super::view::{compare, SiteView};
use crate::figures::ledger::LedgerRow;
use crate::figures::report::{Breakdown, ChannelDay, CountRow, Money, Ranked, Rest, SiteReport};
use crate::present::text::is_unsafe_char;

/// One CSV file being written (RFC 4180: comma, CRLF, quotes doubled).
struct Csv(String);

impl Csv {
    fn new(header: &[&str]) -> Self {
        let mut csv = Csv(String::new());
        csv.row(header.iter().map(|h| (*h).to_owned()));
        csv
    }

    fn row(&mut self, cells: impl IntoIterator<Item = String>) {
        for (k, cell) in cells.into_iter().enumerate() {
            if k > 0 {
                self.0.push(',');
            }
            self.0.push_str(&field(&cell));
        }
        self.0.push_str("\r\n");
    }

    fn bytes(self) -> Vec<u8> {
        self.0.into_bytes()
    }
}

/// A field as written: unsafe characters neutralised as on the pages, quoted when needed, and
/// text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first, as a visitor's page
/// path or campaign may be) prefixed with `'`. Numbers are written as they are.
fn field(value: &str) -> String {
    let mut text: String = value
        .chars()
        .map(|c| if is_unsafe_char(c) { '\u{FFFD}' } else { c })
        .collect();
    if text.starts_with(['=', '+', '-', '@']) && text.parse::<f64>().is_err() {
        text.insert(0, '\'');
    }
    if text.contains([',', '"', '\n', '\r']) || text.starts_with(' ') || text.ends_with(' ') {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// An exact rate or average, without float noise past what any figure needs.
fn num(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.to_owned()
    }
}

fn opt(x: Option<f64>) -> String {
    x.map(num).unwrap_or_default()
}

/// Amounts of several currencies in one cell: `12.5 EUR; 3 USD` (never added up).
fn money(amounts: &[Money]) -> String {
    amounts
        .iter()
        .map(|m| {
            if m.currency.is_empty() {
                num(m.amount)
            } else {
                format!("{} {}", num(m.amount), m.currency)
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

const BREAKDOWN: [&str; 8] = [
    "sessions",
    "share",
    "engagement_rate",
    "bounce_rate",
    "pages_per_session",
    "conversion_rate",
    "revenue",
    "entries",
];

/// A breakdown table; `first` names its first column. `entries` is 1 for a row and the
/// number of entries summed for the "Other" row.
fn breakdown(first: &str, rows: &[Breakdown], other: Option<&Rest<Breakdown>>) -> Vec<u8> {
    let with_code = rows.iter().any(|r| r.code.is_some());
    let with_source = rows.iter().any(|r| r.source.is_some());
    let mut header = vec![first];
    if with_code {
        header.push("code");
    }
    if with_source {
        header.extend(["source", "medium"]);
    }
    header.extend(BREAKDOWN);
    let mut csv = Csv::new(&header);
    let all = rows.iter().map(|r| (r, 1)).chain(other.map(|o| (&o.row, o.entries)));
    for (r, entries) in all {
        let mut cells = vec![r.name.clone()];
        if with_code {
            cells.push(r.code.clone().unwrap_or_default());
        }
        if with_source {
            cells.push(r.source.clone().unwrap_or_default());
            cells.push(r.medium.clone().unwrap_or_default());
        }
        cells.extend([
            r.sessions.to_string(),
            num(r.share),
            num(r.engagement_rate),
            num(r.bounce_rate),
            num(r.pages_per_session),
            num(r.conversion_rate),
            money(&r.revenue_by_currency),
            entries.to_string(),
        ]);
        csv.row(cells);
    }
    csv.bytes()
}

fn ranked(first: &str, table: &Ranked) -> Vec<u8> {
    breakdown(first, &table.rows, table.other.as_ref())
}

fn counts(first: &str, rows: &[CountRow]) -> Vec<u8> {
    let mut csv = Csv::new(&[first, "sessions", "of_sessions", "share"]);
    for r in rows {
        csv.row([
            r.name.clone(),
            r.sessions.to_string(),
            r.of_sessions.map(|n| n.to_string()).unwrap_or_default(),
            opt(r.share),
        ]);
    }
    csv.bytes()
}

/// A table of the bot ledger: automated sessions and hits per entry, share of all automated
/// sessions; `decided_by` (collector or behaviour rule) for the reasons, the ISO `code` beside a
/// country's name. `entries` is 1 for a row and the number of entries summed for the "Other" row.
fn ledger(first: &str, rows: &[LedgerRow], other: Option<&Rest<LedgerRow>>) -> Vec<u8> {
    let with_kind = rows.iter().any(|r| r.kind.is_some());
    let with_code = rows.iter().any(|r| r.code.is_some());
    let mut header = vec![first];
    if with_kind {
        header.push("decided_by");
    }
    if with_code {
        header.push("code");
    }
    header.extend(["sessions", "hits", "share", "entries"]);
    let mut csv = Csv::new(&header);
    let all = rows.iter().map(|r| (r, 1)).chain(other.map(|o| (&o.row, o.entries)));
    for (r, entries) in all {
        let mut cells = vec![r.name.clone()];
        if with_kind {
            cells.push(r.kind.clone().unwrap_or_default());
        }
        if with_code {
            cells.push(r.code.clone().unwrap_or_default());
        }
        cells.extend([
            r.sessions.to_string(),
            r.hits.to_string(),
            num(r.share),
            entries.to_string(),
        ]);
        csv.row(cells);
    }
    csv.bytes()
}

fn channel_days(rows: &[ChannelDay]) -> Vec<u8> {
    let mut csv = Csv::new(&["date", "sessions", "engagement_rate", "converted_sessions"]);
    for d in rows {
        csv.row([
            d.date.clone(),
            d.sessions.to_string(),
            num(d.engagement_rate),
            d.converted_sessions.to_string(),
        ]);
    }
    csv.bytes()
}

/// The CSV files of a site's pages, paths relative to the site folder.
pub fn site_tables(view: &SiteView) -> Vec<File> {
    let s: &SiteReport = view.s;
    let mut files: Vec<(String, Vec<u8>)> = Vec::new();

    let mut csv = Csv::new(&[
        "date",
        "sessions",
        "visitors",
        "pageviews",
        "engagement_rate",
        "bounce_rate",
        "conversions",
    ]);
    for d in &s.daily {
        csv.row([
            d.date.clone(),
            d.sessions.to_string(),
            d.visitors.to_string(),
            d.pageviews.to_string(),
            num(d.engagement_rate),
            num(d.bounce_rate),
            d.conversions.to_string(),
        ]);
    }
    files.push(("daily-table".into(), csv.bytes()));

    let mut csv = Csv::new(&["hour", "sessions", "engagement_rate"]);
    for h in &s.hour_of_day {
        csv.row([h.hour.to_string(), h.sessions.to_string(), num(h.engagement_rate)]);
    }
    files.push(("hour-table".into(), csv.bytes()));

    // One row per channel, as the table: sessions and engagement rate per column value.
    for (file, m) in [
        ("channel-device", &s.channel_by_device),
        ("channel-country", &s.channel_by_country),
    ] {
        let header: Vec<String> = std::iter::once("channel".to_owned())
            .chain(
                m.columns
                    .iter()
                    .flat_map(|c| [format!("{c} sessions"), format!("{c} engagement_rate")]),
            )
            .collect();
        let mut csv = Csv::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
        for row in &m.rows {
            csv.row(
                std::iter::once(row.channel.clone()).chain(
                    row.cells
                        .iter()
                        .flat_map(|cell| [cell.sessions.to_string(), num(cell.engagement_rate)]),
                ),
            );
        }
        files.push((file.into(), csv.bytes()));
    }

    let mut csv = Csv::new(&[
        "channel",
        "sessions",
        "previous_sessions",
        "sessions_change",
        "share",
        "engagement_rate",
        "bounce_rate",
        "pages_per_session",
        "avg_duration_s",
        "conversion_rate",
        "bot_share",
        "revenue",
    ]);
    for row in &view.channels {
        let c = row.c;
        csv.row([
            c.channel.clone(),
            c.figures.sessions.to_string(),
            c.previous_sessions.to_string(),
            opt(c.sessions_delta),
            num(row.share),
            num(c.figures.engagement_rate),
            num(c.figures.bounce_rate),
            num(c.figures.pages_per_session),
            num(c.figures.avg_duration_s),
            num(c.figures.conversion_rate),
            num(c.figures.bot_share),
            money(&c.revenue_by_currency),
        ]);
    }
    files.push(("channel-quality".into(), csv.bytes()));

    let o = &s.others;
    files.push((
        "landing-pages".into(),
        breakdown("landing_page", &s.landing_pages, o.landing_pages.as_ref()),
    ));
    let mut csv = Csv::new(&["exit_page", "exits", "pageviews", "exit_rate", "entries"]);
    let rest = o.exit_pages.as_ref();
    for (r, entries) in s
        .exit_pages
        .iter()
        .map(|r| (r, 1))
        .chain(rest.map(|o| (&o.row, o.entries)))
    {
        csv.row([
            r.path.clone(),
            r.exits.to_string(),
            r.pageviews.to_string(),
            num(r.exit_rate),
            entries.to_string(),
        ]);
    }
    files.push(("exit-pages".into(), csv.bytes()));
    let mut csv = Csv::new(&[
        "page",
        "pageviews",
        "entries",
        "median_scroll_depth",
        "scroll_depth_pageviews",
    ]);
    let rest = o.top_pages.as_ref();
    for (r, entries) in s
        .top_pages
        .iter()
        .map(|r| (r, 1))
        .chain(rest.map(|o| (&o.row, o.entries)))
    {
        csv.row([
            r.path.clone(),
            r.pageviews.to_string(),
            entries.to_string(),
            opt(r.scroll.median_scroll_depth),
            r.scroll.scroll_depth_page_views.to_string(),
        ]);
    }
    files.push(("top-pages".into(), csv.bytes()));

    // (file, first column, rows, what the top N leaves out)
    let breakdowns = [
        ("sources-table", "source_medium", &s.sources, &o.sources),
        ("referrers-table", "referrer", &s.referrers, &o.referrers),
        ("campaigns-table", "campaign", &s.campaigns, &o.campaigns),
        ("countries-table", "country", &s.countries, &o.countries),
        ("devices-table", "device", &s.devices, &o.devices),
        ("browsers-table", "browser", &s.browsers, &o.browsers),
        (
            "os-table",
            "operating_system",
            &s.operating_systems,
            &o.operating_systems,
        ),
    ];
    for (file, column, rows, rest) in breakdowns {
        files.push((file.into(), breakdown(column, rows, rest.as_ref())));
    }

    for step in &view.flow {
        let mut csv = Csv::new(&["from", "to", "sessions", "from_sessions", "share_of_from"]);
        for t in &step.transitions {
            csv.row([
                t.from.clone(),
                t.to.clone(),
                t.sessions.to_string(),
                t.from_sessions.to_string(),
                num(t.share_of_from),
            ]);
        }
        files.push((format!("flow-step-{}", step.step), csv.bytes()));
        if !step.exits.is_empty() {
            let mut csv = Csv::new(&["page", "exits", "sessions", "exit_share"]);
            for e in &step.exits {
                csv.row([
                    e.page.clone(),
                    e.exits.to_string(),
                    e.sessions.to_string(),
                    num(e.exit_share),
                ]);
            }
            files.push((format!("flow-exits-{}", step.step), csv.bytes()));
        }
    }

    for (k, f) in s.funnels.iter().enumerate() {
        let mut csv = Csv::new(&[
            "step",
            "sessions",
            "conversion_from_start",
            "drop_off",
            "previous_sessions",
            "previous_conversion_from_start",
            "conversion_change",
        ]);
        for step in &f.steps {
            csv.row([
                step.step.clone(),
                step.sessions.to_string(),
                num(step.conversion_from_start),
                num(step.drop_off),
                step.previous_sessions.to_string(),
                num(step.previous_conversion_from_start),
                opt(step.conversion_change),
            ]);
        }
        files.push((format!("funnel-table-{}", k + 1), csv.bytes()));
        let mut header = vec!["channel".to_owned()];
        header.extend(f.steps.iter().map(|s| s.step.clone()));
        header.push("completion".into());
        let mut csv = Csv::new(&header.iter().map(String::as_str).collect::<Vec<_>>());
        for c in &f.by_channel {
            let mut cells = vec![c.channel.clone()];
            cells.extend(c.sessions.iter().map(u64::to_string));
            cells.push(num(c.completion));
            csv.row(cells);
        }
        files.push((format!("funnel-channels-{}", k + 1), csv.bytes()));
    }

    let t = &s.technical;
    files.push(("error-pages".into(), counts("page", &t.error_endings_by_page)));
    files.push(("error-browsers".into(), counts("browser", &t.error_endings_by_browser)));
    files.push(("error-events".into(), counts("event", &t.error_endings_by_event)));
    let mut csv = Csv::new(&[
        "value",
        "dimension",
        "sessions",
        "very_short_share",
        "site_very_short_share",
        "lift",
    ]);
    for h in &t.short_session_hotspots {
        csv.row([
            h.value.clone(),
            h.dimension.clone(),
            h.sessions.to_string(),
            num(h.very_short_share),
            num(h.site_very_short_share),
            num(h.lift),
        ]);
    }
    files.push(("hotspots-table".into(), csv.bytes()));

    let mut csv = Csv::new(&[
        "goal",
        "conversions",
        "conversion_rate",
        "previous_conversions",
        "previous_conversion_rate",
        "conversion_rate_change",
        "revenue_of_converting_sessions",
    ]);
    for g in &s.goals {
        csv.row([
            g.goal.clone(),
            g.conversions.to_string(),
            num(g.conversion_rate),
            g.previous_conversions.to_string(),
            num(g.previous_conversion_rate),
            opt(g.conversion_rate_change),
            money(&g.revenue_of_converting_sessions),
        ]);
    }
    files.push(("goals-table".into(), csv.bytes()));
    let mut csv = Csv::new(&["goal", "channel", "sessions", "conversions", "conversion_rate"]);
    for g in &s.goals {
        for c in &g.by_channel {
            csv.row([
                g.goal.clone(),
                c.channel.clone(),
                c.sessions.to_string(),
                c.conversions.to_string(),
                num(c.conversion_rate),
            ]);
        }
    }
    files.push(("goal-channels".into(), csv.bytes()));
    let mut csv = Csv::new(&[
        "channel",
        "sessions",
        "converted_sessions",
        "conversion_rate",
        "conversions",
        "revenue",
    ]);
    for row in &view.channels {
        let c = row.c;
        csv.row([
            c.channel.clone(),
            c.figures.sessions.to_string(),
            c.figures.converted_sessions.to_string(),
            num(c.figures.conversion_rate),
            c.figures.conversions.to_string(),
            money(&c.revenue_by_currency),
        ]);
    }
    files.push(("goals-by-channel".into(), csv.bytes()));

    let l = &s.bot_ledger;
    let mut csv = Csv::new(&[
        "channel",
        "sessions",
        "raw_sessions",
        "automated_session_share",
        "hits",
        "raw_hits",
        "automated_hit_share",
    ]);
    for c in &l.by_channel {
        csv.row([
            c.channel.clone(),
            c.sessions.to_string(),
            c.raw_sessions.to_string(),
            num(c.automated_session_share),
            c.hits.to_string(),
            c.raw_hits.to_string(),
            num(c.automated_hit_share),
        ]);
    }
    files.push(("ledger-channels".into(), csv.bytes()));
    files.push(("ledger-reasons".into(), ledger("reason", &l.by_reason, None)));
    files.push((
        "ledger-networks".into(),
        ledger("as_organisation", &l.by_as_org, l.others.by_as_org.as_ref()),
    ));
    files.push((
        "ledger-countries".into(),
        ledger("country", &l.by_country, l.others.by_country.as_ref()),
    ));

    files
        .into_iter()
        .map(|(id, bytes)| (PathBuf::from(format!("{id}.csv")), bytes))
        .collect()
}

/// The CSV files of one channel page, paths relative to the `channels` folder:
/// `<channel-slug>.<table-id>.csv`.
pub fn channel_tables(view: &SiteView, index: usize) -> Vec<File> {
    let Some(row) = view.channels.get(index) else {
        return Vec::new();
    };
    let c = row.c;
    let d = &c.detail;
    let mut csv = Csv::new(&["figure", "channel", "site"]);
    for r in compare(c, view.s) {
        csv.row([r.label.to_owned(), r.channel, r.site]);
    }
    let files = [
        ("channel-figures", csv.bytes()),
        ("channel-sources", ranked("source_medium", &d.sources)),
        ("channel-campaigns", ranked("campaign", &d.campaigns)),
        ("channel-landing", ranked("landing_page", &d.landing_pages)),
        ("channel-devices", ranked("device", &d.devices)),
        ("channel-countries", ranked("country", &d.countries)),
        ("channel-daily", channel_days(&d.daily)),
    ];
    files
        .into_iter()
        .map(|(id, bytes)| (PathBuf::from(format!("{}.{id}.csv", row.slug)), bytes))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_formulas_stay_text() {
        assert_eq!(field("/pricing"), "/pricing");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-0.5"), "-0.5");
        assert_eq!(field("@cmd"), "'@cmd");
        assert_eq!(field("\u{202E}gnp.exe"), "\u{FFFD}gnp.exe");
        assert_eq!(
            (num(0.25), num(1.0 / 3.0), num(0.0)),
            ("0.25".into(), "0.333333".into(), "0".into())
        );
    }
}
