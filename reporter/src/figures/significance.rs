//! The significance of each change of `report.json`'s `Deltas`: its 95% interval and verdict
//! (`crate::stats`), next to the change itself.

use serde::{Deserialize, Serialize};

use super::counts::Figures;
use super::report::Deltas;
use crate::stats::counts::count_change;
use crate::stats::proportions::rate_change;
use crate::stats::Test;

/// One test per change of `Deltas`, null where the change is null. Average duration and revenue
/// are neither counts nor rates and are not tested: their changes are shown as they are.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Significance {
    pub sessions: Option<Test>,
    pub visitors: Option<Test>,
    pub pageviews: Option<Test>,
    pub bounce_rate: Option<Test>,
    pub engagement_rate: Option<Test>,
    pub conversion_rate: Option<Test>,
}

/// The comparison period's daily totals (every day of it, 0 for a day without sessions).
#[derive(Debug, Clone, Default)]
pub struct DailyTotals {
    pub sessions: Vec<u64>,
    pub visitors: Vec<u64>,
    pub pageviews: Vec<u64>,
}

impl Significance {
    /// `days`: the lengths of the current and the comparison period.
    pub fn of(c: &Figures, p: &Figures, deltas: &Deltas, days: (f64, f64), previous: &DailyTotals) -> Self {
        let count = |delta: Option<f64>, x1: u64, x0: u64, daily: &[u64]| {
            delta.and_then(|_| count_change(x1, days.0, x0, days.1, daily))
        };
        let rate =
            |delta: Option<f64>, x1: u64, x0: u64| delta.and_then(|_| rate_change(x1, c.sessions, x0, p.sessions));
        Significance {
            sessions: count(deltas.sessions, c.sessions, p.sessions, &previous.sessions),
            visitors: count(deltas.visitors, c.visitors, p.visitors, &previous.visitors),
            pageviews: count(deltas.pageviews, c.pageviews, p.pageviews, &previous.pageviews),
            bounce_rate: rate(deltas.bounce_rate, c.bounces, p.bounces),
            engagement_rate: rate(deltas.engagement_rate, c.engaged_sessions, p.engaged_sessions),
            conversion_rate: rate(deltas.conversion_rate, c.converted_sessions, p.converted_sessions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Verdict;

    #[test]
    fn every_change_gets_a_test_and_null_changes_none() {
        let figures = |sessions, visitors, pageviews, bounces| Figures {
            sessions,
            visitors,
            pageviews,
            bounces,
            bounce_rate: bounces as f64 / sessions as f64,
            ..Figures::default()
        };
        // +2.9% on 600 sessions: noise; bounce rate 40% → 60% on 6,000: a change.
        let (c, p) = (figures(6175, 5000, 12000, 3705), figures(6000, 5000, 12000, 2400));
        let days = DailyTotals {
            sessions: vec![850, 860, 870, 860, 850, 860, 850],
            visitors: vec![700, 720, 710, 720, 710, 720, 720],
            pageviews: vec![1700; 7],
        };
        let deltas = Deltas::between(&c, &p, true);
        let s = Significance::of(&c, &p, &deltas, (7.0, 7.0), &days);
        let verdict = |t: Option<Test>| t.map(|t| t.verdict);
        assert_eq!(verdict(s.sessions), Some(Verdict::NoChange));
        assert_eq!(verdict(s.bounce_rate), Some(Verdict::Up));
        assert_eq!(verdict(s.engagement_rate), Some(Verdict::NoChange));
        let partial = Significance::of(&c, &p, &Deltas::between(&c, &p, false), (7.0, 7.0), &days);
        assert_eq!((partial.sessions, partial.visitors), (None, None));
        assert!(partial.bounce_rate.is_some());
    }
}
