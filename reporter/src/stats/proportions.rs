//! Rates (bounce, engagement, conversion): a change is the difference of two proportions. Its
//! interval is Newcombe's hybrid score interval (Newcombe 1998, method 10), built from the
//! Wilson score interval of each rate: it keeps its coverage for small counts and rates near
//! 0 or 1, where the textbook Wald interval (p ± z·se) is too narrow. Assumes the sessions are
//! independent trials with one rate per period.

use super::{z, Method, Test};

/// Wilson's score interval of `x` successes in `n` trials (`None` for `n == 0`). This is the
/// interval of R's `prop.test(x, n, correct = FALSE)`.
pub fn wilson(x: u64, n: u64) -> Option<(f64, f64)> {
    if n == 0 || x > n {
        return None;
    }
    let (x, n, z) = (x as f64, n as f64, z());
    let p = x / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    Some(((centre - half).max(0.0), (centre + half).min(1.0)))
}

/// The change of a rate from `x0/n0` (comparison period) to `x1/n1` (this period), in
/// fractions (0.004 = +0.4 pp); `None` when either period has no trials.
pub fn rate_change(x1: u64, n1: u64, x0: u64, n0: u64) -> Option<Test> {
    let (l1, u1) = wilson(x1, n1)?;
    let (l0, u0) = wilson(x0, n0)?;
    let (p1, p0) = (x1 as f64 / n1 as f64, x0 as f64 / n0 as f64);
    let d = p1 - p0;
    let low = d - ((p1 - l1).powi(2) + (u0 - p0).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p0 - l0).powi(2)).sqrt();
    Some(Test::from_interval(low, high, Method::Newcombe))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Verdict;

    fn close(got: f64, want: f64) -> bool {
        (got - want).abs() < 0.00005 + 1e-12
    }

    #[test]
    fn wilson_matches_published_values() {
        // Newcombe R. G. (1998), "Two-sided confidence intervals for the single proportion",
        // Statistics in Medicine 17:857–872, Table II, method 3 (score, no continuity
        // correction), 95%: the same as R 4.x `prop.test(x, n, correct = FALSE)$conf.int`.
        let cases = [
            (81, 263, 0.2553, 0.3662),
            (15, 148, 0.0624, 0.1605),
            (0, 20, 0.0, 0.1611),
            (1, 29, 0.0061, 0.1718),
        ];
        for (x, n, lo, hi) in cases {
            let (l, h) = wilson(x, n).expect("n > 0");
            assert!(
                close(l, lo) && close(h, hi),
                "{x}/{n}: {l:.4} – {h:.4}, want {lo} – {hi}"
            );
        }
        assert_eq!(wilson(1, 0), None);
    }

    #[test]
    fn newcombe_difference_matches_published_values() {
        // Newcombe R. G. (1998), "Interval estimation for the difference between independent
        // proportions: comparison of eleven methods", Statistics in Medicine 17:873–890,
        // Table II, method 10 (score, no continuity correction), 95%.
        let cases = [(56, 70, 48, 80, 0.0524, 0.3339), (9, 10, 3, 10, 0.1705, 0.8090)];
        for (x1, n1, x0, n0, lo, hi) in cases {
            let t = rate_change(x1, n1, x0, n0).expect("trials in both");
            assert!(
                close(t.low, lo) && close(t.high, hi),
                "{x1}/{n1} − {x0}/{n0}: {:.4} – {:.4}, want {lo} – {hi}",
                t.low,
                t.high
            );
            assert_eq!(t.verdict, Verdict::Up);
        }
    }

    #[test]
    fn verdicts_follow_the_interval() {
        // 600 sessions each, 41% vs 40% bounce: noise. 6,000 each, 48% vs 40%: a change.
        let noise = rate_change(246, 600, 240, 600).expect("trials");
        assert_eq!(noise.verdict, Verdict::NoChange);
        assert!(noise.low < 0.0 && noise.high > 0.0);
        let real = rate_change(2880, 6000, 2400, 6000).expect("trials");
        assert_eq!(real.verdict, Verdict::Up);
        let down = rate_change(2400, 6000, 2880, 6000).expect("trials");
        assert_eq!(down.verdict, Verdict::Down);
        assert_eq!(rate_change(1, 0, 1, 2), None);
    }
}
