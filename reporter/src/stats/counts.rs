//! Counts (sessions, visitors, pageviews, conversions): a change is the ratio of two totals.
//!
//! The floor is Poisson: the exact conditional test of two Poisson counts (given their sum, the
//! first is binomial), with a Clopper–Pearson interval, as R's `poisson.test`. Web traffic
//! varies more from day to day than Poisson allows (weather, news, a newsletter), so the
//! interval is widened by the dispersion of the comparison period's daily totals: the
//! quasi-Poisson interval of the log rate ratio, variance φ·(1/x₁ + 1/x₀) with φ the Pearson
//! dispersion of those days and a Student t quantile on their n − 1 degrees of freedom. The
//! interval reported is the wider of the two, so a change is never called more confidently
//! than Poisson would. Assumes the days of both periods vary alike; a weekday pattern counts
//! as variation, which errs towards "no change".

use statrs::distribution::{Beta, ContinuousCDF, StudentsT};

use super::{z, Method, Test, LEVEL};

/// Pearson's dispersion of daily totals: Σ(x − x̄)² / ((n − 1)·x̄), 1 for Poisson days. `None`
/// with fewer than two days or no counts.
pub fn dispersion(daily: &[u64]) -> Option<f64> {
    if daily.len() < 2 {
        return None;
    }
    let n = daily.len() as f64;
    let mean = daily.iter().sum::<u64>() as f64 / n;
    if mean <= 0.0 {
        return None;
    }
    let squares: f64 = daily.iter().map(|&x| (x as f64 - mean).powi(2)).sum();
    Some(squares / ((n - 1.0) * mean))
}

/// Clopper–Pearson interval of a binomial proportion `x / n` (n > 0).
fn clopper_pearson(x: u64, n: u64) -> (f64, f64) {
    let alpha = 1.0 - LEVEL;
    let quantile = |a: f64, b: f64, p: f64| Beta::new(a, b).map(|beta| beta.inverse_cdf(p));
    let low = if x == 0 {
        Ok(0.0)
    } else {
        quantile(x as f64, (n - x + 1) as f64, alpha / 2.0)
    };
    let high = if x == n {
        Ok(1.0)
    } else {
        quantile((x + 1) as f64, (n - x) as f64, 1.0 - alpha / 2.0)
    };
    (low.unwrap_or(0.0), high.unwrap_or(1.0))
}

/// Exact interval of the rate ratio (x₁/t₁) / (x₀/t₀), as R's `poisson.test(c(x1, x0), c(t1,
/// t0))`; `None` when the comparison count is 0 (no ratio).
pub fn exact_ratio(x1: u64, t1: f64, x0: u64, t0: f64) -> Option<(f64, f64)> {
    if x0 == 0 || t1 <= 0.0 || t0 <= 0.0 {
        return None;
    }
    let (low, high) = clopper_pearson(x1, x1 + x0);
    let odds = |p: f64| if p >= 1.0 { f64::INFINITY } else { p / (1.0 - p) };
    Some((odds(low) * t0 / t1, odds(high) * t0 / t1))
}

/// Quasi-Poisson interval of the rate ratio with dispersion `phi` estimated on `df` degrees of
/// freedom; `None` when either count is 0 (no log ratio).
pub fn quasi_ratio(x1: u64, t1: f64, x0: u64, t0: f64, phi: f64, df: f64) -> Option<(f64, f64)> {
    if x1 == 0 || x0 == 0 || t1 <= 0.0 || t0 <= 0.0 {
        return None;
    }
    let log_ratio = (x1 as f64 / t1).ln() - (x0 as f64 / t0).ln();
    let se = (phi * (1.0 / x1 as f64 + 1.0 / x0 as f64)).sqrt();
    let q = StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(1.0 - (1.0 - LEVEL) / 2.0))
        .unwrap_or_else(|_| z());
    Some(((log_ratio - q * se).exp(), (log_ratio + q * se).exp()))
}

/// The change of a count from `x0` over `days0` days to `x1` over `days1`, as a relative change
/// (0.08 = +8%) with its interval. `previous_daily`: the comparison period's daily totals.
pub fn count_change(x1: u64, days1: f64, x0: u64, days0: f64, previous_daily: &[u64]) -> Option<Test> {
    let (mut low, mut high) = exact_ratio(x1, days1, x0, days0)?;
    let mut method = Method::PoissonExact;
    if let Some(phi) = dispersion(previous_daily).filter(|&phi| phi > 1.0) {
        let df = (previous_daily.len() - 1) as f64;
        if let Some((l, h)) = quasi_ratio(x1, days1, x0, days0, phi, df) {
            if l < low || h > high {
                method = Method::QuasiPoisson;
            }
            low = low.min(l);
            high = high.max(h);
        }
    }
    Some(Test::from_interval(low - 1.0, high - 1.0, method))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Verdict;

    #[test]
    fn exact_ratio_matches_r_poisson_test() {
        // R 4.x, the example of `?poisson.test` (eba1977: Fredericia against the other three
        // cities, ages 55–59): poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) gives rate
        // ratio 1.971488, 95 percent confidence interval 0.8584264 4.2772659.
        let (low, high) = exact_ratio(11, 800.0, 21, 3011.0).expect("counts");
        assert!((low - 0.8584264).abs() < 1e-6, "{low}");
        assert!((high - 4.2772659).abs() < 1e-6, "{high}");
        let t = count_change(11, 800.0, 21, 3011.0, &[]).expect("counts");
        assert_eq!((t.verdict, t.method), (Verdict::NoChange, Method::PoissonExact));
    }

    #[test]
    fn dispersion_is_one_for_poisson_like_days_and_grows_with_variation() {
        // Mean 100; sample variance 400/3 (about Poisson's 100) and 3600/3 (φ = 12).
        let cases = [
            (&[100, 100, 100, 100][..], 0.0),
            (&[90, 110, 90, 110], 4.0 / 3.0),
            (&[70, 130, 70, 130], 12.0),
        ];
        for (days, phi) in cases {
            let got = dispersion(days).expect("days");
            assert!((got - phi).abs() < 1e-12, "{days:?}: {got}");
        }
        assert_eq!(dispersion(&[5]), None);
        assert_eq!(dispersion(&[0, 0]), None);
    }

    #[test]
    fn variable_days_widen_the_interval() {
        // +10% on ~7,000 sessions a week: beyond Poisson noise, but not beyond days that swing
        // by ±30%.
        let steady = [1000, 1010, 990, 1005, 995, 1000, 1000];
        let swinging = [700, 1300, 1000, 1250, 750, 1000, 1000];
        let calm = count_change(7700, 7.0, 7000, 7.0, &steady).expect("counts");
        assert_eq!((calm.verdict, calm.method), (Verdict::Up, Method::PoissonExact));
        let wild = count_change(7700, 7.0, 7000, 7.0, &swinging).expect("counts");
        assert_eq!((wild.verdict, wild.method), (Verdict::NoChange, Method::QuasiPoisson));
        assert!(wild.low < calm.low && wild.high > calm.high);
        // −40% is a change either way.
        let drop = count_change(4200, 7.0, 7000, 7.0, &swinging).expect("counts");
        assert_eq!(drop.verdict, Verdict::Down);
        assert_eq!(count_change(5, 7.0, 0, 7.0, &steady), None);
    }
}
