//! Test statistics for average abnormal returns (one event day) and cumulative average
//! abnormal returns (one window), one function per test, named after its paper, one file
//! per paper.
//!
//! Each takes the per-event values of one day or window (N events with a value), and where
//! the test needs it the events' estimation-window series, and returns the statistic, its
//! two-sided p-value, N and the reference distribution. A statistic that is undefined at
//! this N (e.g. a standard deviation with N = 1) is NaN with p-value NaN; no test panics on
//! small or empty input.
//!
//! | id | function | reference distribution |
//! |---|---|---|
//! | `mackinlay_j1` | [`mackinlay_j1`] | N(0,1) |
//! | `cross_sectional_t` | [`cross_sectional_t`] | t(N − 1) |
//! | `patell_z` | [`patell_z`] | N(0,1) |
//! | `bmp` | [`boehmer_musumeci_poulsen`] | t(N − 1) |
//! | `mackinlay_j2` | [`mackinlay_j2`] | N(0,1) |
//! | `cda` | [`crude_dependence_adjustment`] | t(T − 1), T estimation days |
//! | `adjusted_patell_z` | [`patell_z_kolari_pynnonen`] | N(0,1) |
//! | `adjusted_bmp` | [`bmp_kolari_pynnonen`] | t(N − 1) |
//! | `skewness_corrected_t` | [`skewness_corrected_t_hall`] | t(N − 1) |
//! | `sign` | [`sign_test`] | N(0,1) |
//! | `sign_exact` | [`sign_test_exact`] | binomial(N, 0.5), exact |
//! | `generalized_sign` | [`generalized_sign_cowan`] | N(0,1) |
//! | `generalized_sign_exact` | [`generalized_sign_exact`] | binomial(N, p̂), exact, doubled tail |
//! | `generalized_sign_exact_minlike` | [`generalized_sign_exact_minlike`] | binomial(N, p̂), exact, R/scipy p |
//! | `corrado_rank` | [`corrado_rank`] | N(0,1) |
//! | `grank` | [`grank_kolari_pynnonen`] | t(T − 2) |
//! | `wilcoxon` | [`wilcoxon_signed_rank`] | exact signed-rank(N), else N(0,1) |
//! | `placebo` | [`placebo_permutation`] | empirical(R), R pseudo-event windows or draws |
//! | `bmp_bootstrap` | [`bootstrap::bmp_bootstrap`] | bootstrap(B) |
//! | `wild_bootstrap_t` | [`bootstrap::wild_bootstrap_t`] | bootstrap(B) or all 2^N sign patterns |
//! | `binder_joint` | [`binder::binder_joint`] (events on one date) | F(q, ν − q + 1) |
//! | `binder_joint_empirical` | [`binder_empirical::binder_empirical`] (events on one date) | empirical(S), S estimation-window blocks |
//!
//! Where the p-value comes from an exact discrete distribution (sign tests, Wilcoxon), the
//! statistic column still holds the usual normal score, so that every statistic reads on
//! the same scale; the p-value is the exact one.

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

pub mod battery;
pub mod binder;
pub mod binder_empirical;
mod boehmer_musumeci_poulsen;
pub mod bootstrap;
mod brown_warner;
mod corrado;
mod cowan;
mod grank;
mod hall;
mod informative;
mod kolari_pynnonen;
mod mackinlay;
mod panel;
mod patell;
mod placebo;
pub mod reference;
pub mod second_stage;
mod sign;
mod wilcoxon;

pub use boehmer_musumeci_poulsen::boehmer_musumeci_poulsen;
pub use brown_warner::{cross_sectional_t, crude_dependence_adjustment};
pub use corrado::{corrado_rank, corrado_rank_by_event, standardized_ranks};
pub use cowan::{
    cowan_p_hat, generalized_sign_cowan, generalized_sign_exact, generalized_sign_exact_minlike,
};
pub use grank::grank_kolari_pynnonen;
pub use hall::skewness_corrected_t_hall;
pub use informative::{Clustering, JointLines, Lead, informative, joint_test_applies, lead_test};
pub use kolari_pynnonen::{
    KP_MIN_COMMON, bmp_kolari_pynnonen, mean_pairwise_correlation, pairwise_correlation,
    patell_z_kolari_pynnonen,
};
pub use mackinlay::{mackinlay_j1, mackinlay_j2};
pub use panel::{EXACT_CORRELATION_MAX, EXACT_CORRELATION_PAIRS, Panel, PanelEvent};
pub use patell::patell_z;
pub use placebo::{placebo_enumerated, placebo_permutation, pseudo_cars, pseudo_window_means};
pub use reference::{Family, Reference, TestId};
pub use sign::{sign_test, sign_test_exact};
pub use wilcoxon::wilcoxon_signed_rank;

/// The result of one test on one day or window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TestStat {
    /// Test id, e.g. `patell_z` (stable snake_case; see the module table).
    pub test: TestId,
    pub statistic: f64,
    /// Two-sided p-value.
    pub p_value: f64,
    /// Number of events the statistic uses.
    pub n: usize,
    /// Reference distribution: `N(0,1)`, `t(df)`, `binomial(N, p)`, `signed_rank(N)` or
    /// `empirical(P)`.
    pub distribution: Reference,
}

impl TestStat {
    /// Two-sided 5 % critical value of the statistic's reference distribution, where it
    /// has one (N(0,1), t).
    pub fn critical_value(&self) -> Option<f64> {
        self.distribution.critical_value(0.05)
    }
}

/// The test `id` among `tests`, if the battery ran it.
pub fn find_test(tests: &[TestStat], id: TestId) -> Option<&TestStat> {
    tests.iter().find(|t| t.test == id)
}

/// Two-sided p-value under N(0,1).
pub fn p_normal(z: f64) -> f64 {
    if !z.is_finite() {
        return f64::NAN;
    }
    let n = Normal::standard();
    2.0 * n.cdf(-z.abs())
}

/// Two-sided p-value under Student's t with `df` degrees of freedom.
pub fn p_student(t: f64, df: f64) -> f64 {
    if !t.is_finite() || df < 1.0 {
        return f64::NAN;
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(d) => 2.0 * d.cdf(-t.abs()),
        Err(_) => f64::NAN,
    }
}

/// Two-sided exact binomial p-value of `w` successes in `n` trials with success
/// probability `p`: twice the smaller tail, at most 1 ("doubling", the central convention).
/// NaN for n = 0 or p outside (0, 1). See [`p_binomial_minlike`] for R's `binom.test`.
pub fn p_binomial(w: u64, n: u64, p: f64) -> f64 {
    use statrs::distribution::{Binomial, DiscreteCDF};
    if n == 0 || !(p > 0.0 && p < 1.0) || w > n {
        return f64::NAN;
    }
    let Ok(b) = Binomial::new(p, n) else {
        return f64::NAN;
    };
    let lower = b.cdf(w);
    let upper = if w == 0 { 1.0 } else { b.sf(w - 1) };
    (2.0 * lower.min(upper)).min(1.0)
}

/// Two-sided exact binomial p-value, the "no more likely than observed" (minimum-likelihood)
/// convention of R's `binom.test` and scipy's `binomtest`: the probability of every outcome
/// x with P(X = x) ≤ P(X = w)·(1 + 10⁻⁷) (R's relative tolerance), at most 1. Equal to
/// [`p_binomial`] when p = 1/2 (a symmetric distribution); with p ≠ 1/2 it can be smaller
/// or larger (the far tail is cut where its probabilities fall below the observed one's,
/// not at the near tail's mass). NaN as there.
///
/// # References
/// Fay, M. P. (2010). Two-sided exact tests and matching confidence intervals for discrete
/// data. R Journal 2(1), 53-58 (the "minlike" and "central" conventions).
pub fn p_binomial_minlike(w: u64, n: u64, p: f64) -> f64 {
    use statrs::distribution::{Binomial, Discrete};
    if n == 0 || !(p > 0.0 && p < 1.0) || w > n {
        return f64::NAN;
    }
    let Ok(b) = Binomial::new(p, n) else {
        return f64::NAN;
    };
    let d = b.pmf(w) * (1.0 + 1e-7);
    let total: f64 = (0..=n).map(|x| b.pmf(x)).filter(|q| *q <= d).sum();
    total.min(1.0)
}

pub(crate) fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample standard deviation (divisor N - 1); NaN for N < 2.
pub fn sample_sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// 5 %, 25 %, 50 %, 75 %, 95 % quantiles (linear interpolation between order
/// statistics, Hyndman & Fan type 7); `None` for fewer than 2 values.
pub fn quantiles(v: Vec<f64>) -> Option<[f64; 5]> {
    quantiles_at(v, [0.05, 0.25, 0.5, 0.75, 0.95])
}

/// The type-7 quantiles of the finite values of `v` at `levels` (ascending); `None` for
/// fewer than 2 values.
pub fn quantiles_at<const K: usize>(mut v: Vec<f64>, levels: [f64; K]) -> Option<[f64; K]> {
    debug_assert!(levels.is_sorted());
    v.retain(|x| x.is_finite());
    if v.len() < 2 {
        return None;
    }
    // Each quantile's two order statistics by selection (linear, not a sort: the bands of a
    // million CARs at 21 τ), the levels in increasing order so that each selects in what is
    // right of the last; the same values a sort by `total_cmp` puts at those places.
    let n = v.len();
    let mut out = [0.0; K];
    let mut from = 0;
    for (o, p) in out.iter_mut().zip(levels) {
        let h = (n - 1) as f64 * p;
        let (i, f) = (h.floor() as usize, h.fract());
        if i >= from {
            v[from..].select_nth_unstable_by(i - from, f64::total_cmp);
        }
        let lo = v[i];
        *o = if i + 1 < n {
            // The next order statistic: the least of what is right of position i.
            let (at, hi) = v[i + 1..]
                .iter()
                .copied()
                .enumerate()
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .expect("a value right of position i");
            // Kept at position i + 1, so that a later level at i + 1 finds it there.
            v.swap(i + 1, i + 1 + at);
            lo + f * (hi - lo)
        } else {
            lo
        };
        from = i + 1;
    }
    Some(out)
}

/// Ranks 1..n of `x` (finite values), ties given their average rank.
pub fn average_ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut ranks = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) share rank (i + 1 + j + 1) / 2.
        let r = (i + j + 2) as f64 / 2.0;
        for &k in &idx[i..=j] {
            ranks[k] = r;
        }
        i = j + 1;
    }
    ranks
}

pub(crate) fn normal_test(test: TestId, stat: f64, n: usize) -> TestStat {
    TestStat {
        test,
        statistic: stat,
        p_value: p_normal(stat),
        n,
        distribution: Reference::Normal,
    }
}

/// A t test with N − 1 degrees of freedom.
pub(crate) fn t_test(test: TestId, stat: f64, n: usize) -> TestStat {
    t_test_df(test, stat, n, n.saturating_sub(1))
}

pub(crate) fn t_test_df(test: TestId, stat: f64, n: usize, df: usize) -> TestStat {
    TestStat {
        test,
        statistic: stat,
        p_value: p_student(stat, df as f64),
        n,
        distribution: Reference::StudentT(df as f64),
    }
}

/// A short note for the report: the lead test at this N and clustering and which tests are
/// informative, generated from [`informative`] over every test of the battery.
pub fn informativeness_note(c: &Clustering) -> String {
    informative::note(c)
}

/// [`informativeness_note`], leading with Binder's joint test when it applies: `joint` holds
/// the window's `binder_joint` and `binder_joint_empirical` lines and its label.
pub fn informativeness_note_with_joint(c: &Clustering, joint: Option<JointLines<'_>>) -> String {
    informative::note_with_joint(c, joint)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, INDEPENDENT, ROUNDOFF, assert_all_close, assert_close};

    #[test]
    fn quantiles_type7() {
        // numpy.percentile([1, 2, 3, 4], [5, 25, 50, 75, 95]) = 1.15, 1.75, 2.5, 3.25, 3.85
        let q = quantiles(vec![4.0, 1.0, 3.0, 2.0]).unwrap();
        assert_all_close!(q, [1.15, 1.75, 2.5, 3.25, 3.85], EXACT);
        assert_eq!(quantiles(vec![1.0]), None);
    }

    /// The quantiles by selection have the bits of the type-7 formula on the sorted values,
    /// at the five band levels and at the density chart's 0.5 % and 99.5 %, for every length
    /// from 2 to 60 and for 10,001 values, with ties, signed zeros and
    /// non-finite values (dropped).
    #[test]
    fn quantiles_by_selection_equal_those_of_the_sorted_values() {
        fn sorted<const K: usize>(mut v: Vec<f64>, levels: [f64; K]) -> [f64; K] {
            v.retain(|x| x.is_finite());
            v.sort_by(f64::total_cmp);
            levels.map(|p| {
                let h = (v.len() - 1) as f64 * p;
                let (i, f) = (h.floor() as usize, h.fract());
                if i + 1 < v.len() {
                    v[i] + f * (v[i + 1] - v[i])
                } else {
                    v[i]
                }
            })
        }
        let mut rnd = crate::testutil::uniform(17, 0, -1.0, 1.0);
        for n in (2..=60).chain([10_001]) {
            let mut v: Vec<f64> = (0..n).map(|_| (rnd() * 8.0).round() / 4.0).collect();
            v[0] = -0.0;
            v[n / 2] = 0.0;
            v.push(f64::NAN);
            v.push(f64::INFINITY);
            let got = quantiles(v.clone()).expect("two values or more");
            let want = sorted(v.clone(), [0.05, 0.25, 0.5, 0.75, 0.95]);
            assert_eq!(got.map(f64::to_bits), want.map(f64::to_bits), "n = {n}");
            // The density chart's range: two levels near the ends.
            let levels = [0.005, 0.995];
            let got = quantiles_at(v.clone(), levels).expect("two values or more");
            let want = sorted(v, levels);
            assert_eq!(
                got.map(f64::to_bits),
                want.map(f64::to_bits),
                "n = {n}, ends"
            );
        }
    }

    /// p-values: standard normal 1.959963984540054 → 0.05, 2.5758293035489004 → 0.01;
    /// t(10) 2.228138851986274 → 0.05 (16-digit quantiles of the normal and t distributions).
    /// Tolerance INDEPENDENT (another program's 16-digit values): statrs' erfc is accurate
    /// to about 1e-11 here (2.2e-12 measured).
    #[test]
    fn p_values_match_tables() {
        assert_close!(p_normal(1.959963984540054), 0.05, INDEPENDENT);
        assert_close!(p_normal(2.5758293035489004), 0.01, INDEPENDENT);
        assert_close!(p_student(-2.228138851986274, 10.0), 0.05, INDEPENDENT);
    }

    /// Exact binomial tails by hand: Bin(4, 0.5): P(W ≥ 4) = 1/16 → two-sided 0.125;
    /// P(W ≤ 2) = 11/16 → min(1, 2·11/16) = 1. Bin(10, 0.3): P(W ≥ 7) = Σ_{k=7}^{10}
    /// C(10,k) 0.3^k 0.7^(10-k) = 0.0105920784 (written out below).
    #[test]
    fn binomial_p_by_hand() {
        assert_close!(p_binomial(4, 4, 0.5), 0.125, ROUNDOFF);
        assert_close!(p_binomial(0, 4, 0.5), 0.125, ROUNDOFF);
        assert_close!(p_binomial(2, 4, 0.5), 1.0, ROUNDOFF);
        let c = [120.0, 45.0, 10.0, 1.0]; // C(10,7..=10)
        let tail: f64 = (7..=10)
            .zip(c)
            .map(|(k, c)| c * 0.3f64.powi(k) * 0.7f64.powi(10 - k))
            .sum();
        assert_close!(p_binomial(7, 10, 0.3), 2.0 * tail, INDEPENDENT);
        assert!(p_binomial(1, 0, 0.5).is_nan());
        assert!(p_binomial(1, 3, 0.0).is_nan());
    }

    /// Both two-sided conventions against R's `binom.test` (minlike) and the doubled tail
    /// (central), from `scripts/golden/binomial.R` (R 4.2.2, tests/golden/binomial/VERSIONS).
    /// Tolerance 1e-12: sums of at most 21 binomial probabilities.
    #[test]
    fn binomial_p_values_match_r() {
        let text = include_str!("../../tests/golden/binomial/binom_test.csv");
        let mut rows = 0;
        let mut differ = 0;
        for line in text.lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let (w, n): (u64, u64) = (f[0].parse().expect("w"), f[1].parse().expect("n"));
            let p: f64 = f[2].parse().expect("p");
            let (minlike, central): (f64, f64) =
                (f[3].parse().expect("m"), f[4].parse().expect("c"));
            assert!(
                (p_binomial_minlike(w, n, p) - minlike).abs() < 1e-12,
                "{line}"
            );
            assert!((p_binomial(w, n, p) - central).abs() < 1e-12, "{line}");
            differ += usize::from((minlike - central).abs() > 1e-9);
            rows += 1;
        }
        assert_eq!(rows, 84);
        assert!(
            differ > 10,
            "the conventions differ on skewed cases: {differ}"
        );
    }

    #[test]
    fn average_ranks_by_hand() {
        assert_eq!(
            average_ranks(&[3.0, 1.0, 2.0, 2.0, 5.0]),
            vec![4.0, 1.0, 2.5, 2.5, 5.0]
        );
        assert!(average_ranks(&[]).is_empty());
    }
}
