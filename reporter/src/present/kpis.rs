//! The figure cards of a site: the overview's and the email's are the same list, with the
//! same values and changes.

use serde::Serialize;

use super::format;
use super::Change;
use crate::figures::report::SiteReport;
use crate::stats::Test;

/// One figure card: value, previous value and change.
#[derive(Debug, Clone, Serialize)]
pub struct Kpi {
    pub label: &'static str,
    pub value: String,
    /// The previous period's value; `None` when it had no sessions (nothing to show).
    pub previous: Option<String>,
    /// `▲ +8.0%`, `▼ −1.1 pp`, or why there is no change.
    pub change: String,
    /// `good`, `bad`, `flat` or `none`.
    pub tone: &'static str,
    /// Glossary anchor explaining the figure.
    pub term: &'static str,
}

/// The overview's figure cards, and the email's: the same figures, texts and changes.
pub fn kpis(s: &SiteReport) -> Vec<Kpi> {
    let (t, p, d, g) = (&s.totals, &s.previous, &s.deltas, &s.significance);
    let had = p.sessions > 0;
    // A missing change of a count is due to partial data when the previous period had sessions.
    let missing = if had && !s.coverage.comparable {
        Change::Partial
    } else {
        Change::NoPrevious
    };
    let kpi = |label,
               term,
               value: String,
               previous: String,
               (delta, test): (Option<f64>, Option<Test>),
               points,
               lower_is_better| {
        let change = Change::tested(delta, points, missing, test.as_ref());
        Kpi {
            label,
            term,
            value,
            previous: had.then_some(previous),
            change: change.text().1,
            tone: change.tone(lower_is_better),
        }
    };
    let mut cards = vec![
        kpi(
            "Sessions",
            "session",
            format::int(t.sessions),
            format::int(p.sessions),
            (d.sessions, g.sessions),
            false,
            false,
        ),
        kpi(
            "Visitors (daily-unique)",
            "visitors",
            format::int(t.visitors),
            format::int(p.visitors),
            (d.visitors, g.visitors),
            false,
            false,
        ),
        kpi(
            "Pageviews",
            "pageviews",
            format::int(t.pageviews),
            format::int(p.pageviews),
            (d.pageviews, g.pageviews),
            false,
            false,
        ),
        kpi(
            "Engagement rate",
            "engagement_rate",
            format::pct_of(t.engaged_sessions, t.sessions),
            format::pct_of(p.engaged_sessions, p.sessions),
            (d.engagement_rate, g.engagement_rate),
            true,
            false,
        ),
        kpi(
            "Bounce rate",
            "bounce_rate",
            format::pct_of(t.bounces, t.sessions),
            format::pct_of(p.bounces, p.sessions),
            (d.bounce_rate, g.bounce_rate),
            true,
            true,
        ),
        kpi(
            "Avg. duration",
            "avg_duration_s",
            format::duration(t.avg_duration_s),
            format::duration(p.avg_duration_s),
            (d.avg_duration_s, None),
            false,
            false,
        ),
        kpi(
            "Conversion rate",
            "conversions",
            format::pct_of(t.converted_sessions, t.sessions),
            format::pct_of(p.converted_sessions, p.sessions),
            (d.conversion_rate, g.conversion_rate),
            true,
            false,
        ),
    ];
    // Revenue per currency, never summed across currencies; a change only against the same
    // currency in a fully covered previous period.
    for m in s.revenue.iter().take(MAX_CURRENCIES) {
        let before = s.previous_revenue.iter().find(|p| p.currency == m.currency);
        let change = match before {
            Some(b) if s.coverage.comparable && b.amount != 0.0 => {
                Change::Relative((m.amount - b.amount) / b.amount.abs())
            }
            Some(_) => missing,
            None => Change::NoPrevious,
        };
        cards.push(Kpi {
            label: "Revenue",
            term: "revenue",
            value: format::money(m.amount, &m.currency),
            previous: before.map(|b| format::money(b.amount, &b.currency)),
            change: change.text().1,
            tone: change.tone(false),
        });
    }
    cards
}

/// Revenue cards shown at most; more currencies are in the goals page and `report.json`.
const MAX_CURRENCIES: usize = 3;

/// Why a change is missing on this site's pages: partial data, or no previous data.
pub fn missing_change(s: &SiteReport) -> Change {
    if s.previous.sessions > 0 && !s.coverage.comparable {
        Change::Partial
    } else {
        Change::NoPrevious
    }
}
