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
    use crate::alerts::range::ExpectedRange;

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

    /// splitmix64: a reproducible stream for the simulation.
    struct Stream(u64);

    impl Stream {
        fn uniform(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }

        fn normal(&mut self) -> f64 {
            // Box–Muller.
            let (u, v) = (self.uniform().max(1e-300), self.uniform());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }

        /// An over-dispersed count: Poisson noise (normal approximation) around a mean that
        /// itself varies by `week_sd` from week to week, as web traffic does.
        fn count(&mut self, mean: f64, week_sd: f64) -> u64 {
            let week_mean = mean * (1.0 + week_sd * self.normal()).max(0.0);
            (week_mean + week_mean.sqrt() * self.normal()).round().max(0.0) as u64
        }
    }

    #[test]
    fn simulated_days_alert_rarely_when_normal_and_mostly_when_shifted() {
        // Six baseline weeks; 20,000 simulated days per case, drawn like their baseline or with
        // the mean moved by `shift`. Columns: how often the day leaves the range alone, and how
        // often the full rule (range, volume, change ≥ 20 %) alerts. Measured with seed 17:
        //   mean   week sd  shift   range   alert
        //     50     0 %     1      0.17 %  0.17 %
        //    400     5 %     1      1.7 %   0.7 %
        //  5,000     8 %     1      8.4 %   1.5 %   (six MADs are a noisy spread estimate)
        //    400     5 %     0.67  87 %    86 %
        //  5,000     8 %     0.67  79 %    78 %
        //  5,000     8 %     1.5   94 %    94 %
        // The bounds below leave room for another seed, not for a broken rule.
        let config = AlertsConfig::default();
        let mut stream = Stream(17);
        let trials = 20_000;
        let rate = |hits: usize| hits as f64 / trials as f64;
        for (mean, week_sd, shift, range_max, alert_band) in [
            (50.0, 0.0, 1.0, 0.005, (0.0, 0.005)),
            (400.0, 0.05, 1.0, 0.03, (0.0, 0.015)),
            (5_000.0, 0.08, 1.0, 0.12, (0.0, 0.03)),
            (400.0, 0.05, 0.67, 1.0, (0.8, 1.0)),
            (5_000.0, 0.08, 0.67, 1.0, (0.7, 1.0)),
            (5_000.0, 0.08, 1.5, 1.0, (0.9, 1.0)),
        ] {
            let (mut outside, mut alerts) = (0, 0);
            for _ in 0..trials {
                let baseline: Vec<Tally> = (0..6)
                    .map(|_| Tally {
                        sessions: stream.count(mean, week_sd),
                        ..Tally::default()
                    })
                    .collect();
                let target = Tally {
                    sessions: stream.count(mean * shift, week_sd),
                    ..Tally::default()
                };
                let counts: Vec<u64> = baseline.iter().map(|t| t.sessions).collect();
                outside += usize::from(
                    !ExpectedRange::of(&counts, config.k)
                        .unwrap()
                        .contains(target.sessions as f64),
                );
                let weeks: Vec<&Tally> = baseline.iter().collect();
                alerts += usize::from(check(None, &target, &weeks, &[], &config).is_some());
            }
            let case = format!("mean {mean}, week sd {week_sd}, shift {shift}");
            if shift == 1.0 {
                assert!(rate(outside) <= range_max, "{case}: range left {}", rate(outside));
            }
            assert!(
                (alert_band.0..=alert_band.1).contains(&rate(alerts)),
                "{case}: alerts {}",
                rate(alerts)
            );
        }
    }
}
