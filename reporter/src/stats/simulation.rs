//! Simulations where the truth is known: equal periods are called "no change" at about the
//! stated error rate, and a planted shift is found.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{Gamma, Poisson};

use super::counts::count_change;
use super::proportions::rate_change;
use super::LEVEL;

const RUNS: u64 = 2000;

/// The share of runs called a change must be within 4 standard errors of 1 − LEVEL (a run's
/// call is a Bernoulli trial): wide enough that a correct test does not fail by chance, narrow
/// enough that a test calling twice as often (or never) does.
fn assert_error_rate(calls: u64, what: &str) {
    let alpha = 1.0 - LEVEL;
    let rate = calls as f64 / RUNS as f64;
    let se = (alpha * (1.0 - alpha) / RUNS as f64).sqrt();
    eprintln!("{what}: {calls} of {RUNS} equal periods called a change ({rate:.4})");
    assert!(
        (rate - alpha).abs() <= 4.0 * se,
        "{what}: {calls} of {RUNS} equal periods called a change ({rate:.4}, expected {alpha} ± {:.4})",
        4.0 * se
    );
}

/// Daily totals with mean `mean` and variance `phi · mean` (gamma-mixed Poisson; `phi` > 1).
fn days(rng: &mut StdRng, n: usize, mean: f64, phi: f64) -> Vec<u64> {
    let shape = mean / (phi - 1.0);
    let gamma = Gamma::new(shape, shape / mean).expect("gamma");
    (0..n)
        .map(|_| {
            let rate: f64 = rng.sample(gamma);
            rng.sample::<u64, _>(Poisson::new(rate.max(1e-9)).expect("poisson"))
        })
        .collect()
}

fn week_change(rng: &mut StdRng, current_mean: f64, previous_mean: f64, phi: f64) -> super::Verdict {
    let previous = days(rng, 7, previous_mean, phi);
    let current = days(rng, 7, current_mean, phi);
    let (x1, x0) = (current.iter().sum(), previous.iter().sum());
    count_change(x1, 7.0, x0, 7.0, &previous).expect("counts").verdict
}

#[test]
fn equal_over_dispersed_weeks_are_called_a_change_at_the_stated_rate() {
    let mut rng = StdRng::seed_from_u64(17);
    let calls = (0..RUNS)
        .filter(|_| week_change(&mut rng, 1000.0, 1000.0, 20.0) != super::Verdict::NoChange)
        .count() as u64;
    assert_error_rate(calls, "sessions, φ = 20");
}

#[test]
fn a_planted_shift_in_counts_is_found() {
    let mut rng = StdRng::seed_from_u64(18);
    // −35% on days that swing with φ = 20 (sd ≈ 14% of a day's mean).
    let found = (0..200)
        .filter(|_| week_change(&mut rng, 650.0, 1000.0, 20.0) == super::Verdict::Down)
        .count();
    assert!(found >= 190, "found {found} of 200 planted drops");
}

#[test]
fn equal_rates_are_called_a_change_at_the_stated_rate_and_a_shift_is_found() {
    let mut rng = StdRng::seed_from_u64(19);
    let binomial = |rng: &mut StdRng, n: u64, p: f64| (0..n).filter(|_| rng.random_bool(p)).count() as u64;
    let calls = (0..RUNS)
        .filter(|_| {
            let (x1, x0) = (binomial(&mut rng, 600, 0.4), binomial(&mut rng, 600, 0.4));
            rate_change(x1, 600, x0, 600).expect("trials").significant()
        })
        .count() as u64;
    assert_error_rate(calls, "bounce rate 40% on 600 sessions");
    let found = (0..200)
        .filter(|_| {
            let (x1, x0) = (binomial(&mut rng, 600, 0.5), binomial(&mut rng, 600, 0.4));
            rate_change(x1, 600, x0, 600).expect("trials").verdict == super::Verdict::Up
        })
        .count();
    assert!(found >= 190, "found {found} of 200 planted +10 pp shifts");
}
