//! Anomalies: a site's whole traffic, or one of its channels, outside its expected range in the
//! judged window, by enough sessions and enough of a change to be worth a message.

use serde::Serialize;

use super::config::AlertsConfig;
use super::drivers::{explain, DriverDimension};
use super::range::ExpectedRange;
use super::tally::{Dimension, SiteWindow, Tally};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    Drop,
    Rise,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Drop => "drop",
            Direction::Rise => "rise",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Anomaly {
    /// The channel, or `None` for all of the site's traffic.
    pub channel: Option<String>,
    pub direction: Direction,
    pub observed: u64,
    pub range: ExpectedRange,
    /// (observed − expected) / expected.
    pub change: f64,
    /// The baseline counts, most recent week first (weeks without data left out).
    pub baseline: Vec<u64>,
    pub drivers: Vec<DriverDimension>,
}

impl Anomaly {
    /// What the scope is called in messages.
    pub fn scope(&self) -> &str {
        self.channel.as_deref().unwrap_or("All traffic")
    }
}

/// The verdict on one site.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteVerdict {
    pub site: String,
    /// Baseline windows in which the site had data.
    pub baseline_weeks: usize,
    /// False when too few baseline weeks had data to judge.
    pub judged: bool,
    pub anomalies: Vec<Anomaly>,
}

/// Judges one site: `windows[0]` is the judged window, the rest its baseline, most recent first.
pub fn judge(site: &str, windows: &[SiteWindow], config: &AlertsConfig) -> SiteVerdict {
    let empty = SiteWindow::default();
    let target = windows.first().unwrap_or(&empty);
    let baseline: Vec<&SiteWindow> = windows.iter().skip(1).filter(|w| w.all_sessions > 0).collect();
    let judged = baseline.len() >= config.min_baseline_weeks as usize;
    let mut verdict = SiteVerdict {
        site: site.to_owned(),
        baseline_weeks: baseline.len(),
        judged,
        anomalies: Vec::new(),
    };
    if !judged {
        return verdict;
    }
    // The site as a whole, its channels as slices.
    let whole = |w: &SiteWindow| {
        let mut total = Tally::default();
        for (channel, tally) in &w.channels {
            total.sessions += tally.sessions;
            *total.slices.entry((Dimension::Channel, channel.clone())).or_default() += tally.sessions;
            for ((dimension, value), n) in &tally.slices {
                *total.slices.entry((*dimension, value.clone())).or_default() += n;
            }
        }
        total
    };
    let target_whole = whole(target);
    let baseline_whole: Vec<Tally> = baseline.iter().map(|w| whole(w)).collect();
    let mut dimensions = vec![Dimension::Channel];
    dimensions.extend(Dimension::PER_CHANNEL);
    verdict.anomalies.extend(check(
        None,
        &target_whole,
        &baseline_whole.iter().collect::<Vec<_>>(),
        &dimensions,
        config,
    ));
    let mut channels: Vec<&String> = target
        .channels
        .keys()
        .chain(baseline.iter().flat_map(|w| w.channels.keys()))
        .collect();
    channels.sort();
    channels.dedup();
    let none = Tally::default();
    for channel in channels {
        let weeks: Vec<&Tally> = baseline
            .iter()
            .map(|w| w.channels.get(channel).unwrap_or(&none))
            .collect();
        let observed = target.channels.get(channel).unwrap_or(&none);
        verdict
            .anomalies
            .extend(check(Some(channel), observed, &weeks, &Dimension::PER_CHANNEL, config));
    }
    verdict
}

fn check(
    channel: Option<&str>,
    target: &Tally,
    baseline: &[&Tally],
    dimensions: &[Dimension],
    config: &AlertsConfig,
) -> Option<Anomaly> {
    let counts: Vec<u64> = baseline.iter().map(|t| t.sessions).collect();
    let range = ExpectedRange::of(&counts, config.k)?;
    let observed = target.sessions as f64;
    if range.expected.max(observed) < config.min_sessions as f64 || range.contains(observed) {
        return None;
    }
    // A zero baseline median is a new scope: any volume is an infinite change.
    let change = if range.expected > 0.0 {
        (observed - range.expected) / range.expected
    } else {
        f64::INFINITY
    };
    if change.abs() < config.min_change {
        return None;
    }
    Some(Anomaly {
        channel: channel.map(str::to_owned),
        direction: if observed < range.expected {
            Direction::Drop
        } else {
            Direction::Rise
        },
        observed: target.sessions,
        range,
        change,
        baseline: counts,
        drivers: explain(target, baseline, dimensions, config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn window(channels: &[(&str, u64)]) -> SiteWindow {
        SiteWindow {
            all_sessions: channels.iter().map(|c| c.1).sum(),
            channels: channels
                .iter()
                .map(|&(name, n)| {
                    let mut tally = Tally {
                        sessions: n,
                        ..Tally::default()
                    };
                    tally.slices.insert((Dimension::Device, "desktop".into()), n);
                    (name.to_owned(), tally)
                })
                .collect(),
        }
    }

    /// (case, target, baseline weeks, expected (scope, direction) list, judged)
    type Case<'a> = (&'a str, Vec<(&'a str, u64)>, usize, Vec<(&'a str, Direction)>, bool);

    #[test]
    fn table_of_verdicts() {
        let config = AlertsConfig::default();
        let normal = [("Direct", 400), ("Organic Search", 300), ("Email", 12)];
        let weeks = |target: &[(&str, u64)], baseline_weeks: usize| {
            let mut windows = vec![window(target)];
            for i in 0..baseline_weeks {
                let wobble = [0, 9, -7, 4, -3, 6][i % 6];
                windows.push(window(&[
                    ("Direct", (400 + wobble) as u64),
                    ("Organic Search", (300 - wobble) as u64),
                    ("Email", 10 + (i as u64 % 3)),
                ]));
            }
            windows
        };
        let cases: [Case; 6] = [
            ("normal day", normal.to_vec(), 6, vec![], true),
            (
                "search halves",
                vec![("Direct", 400), ("Organic Search", 150), ("Email", 11)],
                6,
                vec![("All traffic", Direction::Drop), ("Organic Search", Direction::Drop)],
                true,
            ),
            (
                "small channel triples: under min_sessions",
                vec![("Direct", 400), ("Organic Search", 300), ("Email", 36)],
                6,
                vec![],
                true,
            ),
            (
                "new channel with volume",
                vec![
                    ("Direct", 400),
                    ("Organic Search", 300),
                    ("Email", 11),
                    ("Paid Search", 90),
                ],
                6,
                vec![("Paid Search", Direction::Rise)],
                true,
            ),
            ("young lake", vec![("Direct", 10)], 2, vec![], false),
            (
                "collector down",
                vec![],
                4,
                vec![
                    ("All traffic", Direction::Drop),
                    ("Direct", Direction::Drop),
                    ("Organic Search", Direction::Drop),
                ],
                true,
            ),
        ];
        for (case, target, baseline_weeks, expected, judged) in cases {
            let verdict = judge("example.com", &weeks(&target, baseline_weeks), &config);
            let found: Vec<(&str, Direction)> = verdict.anomalies.iter().map(|a| (a.scope(), a.direction)).collect();
            assert_eq!(found, expected, "{case}");
            assert_eq!(verdict.judged, judged, "{case}");
        }
    }

    #[test]
    fn the_whole_site_names_the_channel_that_moved() {
        let config = AlertsConfig::default();
        let mut windows = vec![window(&[("Direct", 400), ("Organic Search", 40)])];
        for _ in 0..5 {
            windows.push(window(&[("Direct", 400), ("Organic Search", 300)]));
        }
        let verdict = judge("example.com", &windows, &config);
        let site = &verdict.anomalies[0];
        assert_eq!(site.channel, None);
        assert_eq!(site.drivers[0].dimension, Dimension::Channel);
        assert_eq!(site.drivers[0].slices[0].value, "Organic Search");
        assert!((site.change - (440.0 - 700.0) / 700.0).abs() < 1e-12);
    }
}
