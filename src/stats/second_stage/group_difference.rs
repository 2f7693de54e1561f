//! The difference between two groups' mean (C)ARs: Welch's t, the pooled two-sample t and
//! a seeded permutation p-value.
//!
//! With x the values of the first group (n_x, mean x̄, variance v_x with divisor n − 1) and
//! y those of the second:
//!
//! - Welch (1947): se = √(v_x/n_x + v_y/n_y), t = (x̄ − ȳ)/se on the Welch–Satterthwaite
//!   df = (v_x/n_x + v_y/n_y)² / ((v_x/n_x)²/(n_x − 1) + (v_y/n_y)²/(n_y − 1)), not an
//!   integer (R's `t.test(x, y)`).
//! - pooled (Student): df = n_x + n_y − 2, se = √(((n_x − 1)v_x + (n_y − 1)v_y)/df ·
//!   (1/n_x + 1/n_y)) (`t.test(x, y, var.equal = TRUE)`).
//! - permutation (Fisher 1935; Pitman 1937): the difference in means d against its
//!   distribution over reassignments of the group labels (all n_x + n_y values kept, n_x of
//!   them for the first group), two-sided. When the C(n_x + n_y, n_x) splits are no more
//!   than P, every split is enumerated and p = #{|d*| ≥ |d|}/C exactly (the observed split
//!   included): with 4 and 3 events there are 35 splits and the smallest attainable p is
//!   2/35 = 0.057. Otherwise P random splits, p = (1 + #{|d*| ≥ |d|})/(1 + P) (the +1 counts
//!   the observed split, so p is never 0); seeded: the same seed gives the same p-value.
//!
//! Relabelling the groups swaps the sign of d and t and leaves every p-value unchanged.
//!
//! # References
//! Welch, B. L. (1947), Biometrika 34(1/2), 28–35. Satterthwaite, F. (1946), Biometrics
//! Bulletin 2(6), 110–114. Fisher, R. A. (1935), The Design of Experiments. Pitman, E. J. G.
//! (1937), JRSS Supplement 4(1), 119–130.

use serde::Serialize;

use super::{mean, t_two_sided, var};
use crate::synth::Rng;

/// A two-sample t test of the difference in means.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TwoSample {
    pub n_x: usize,
    pub n_y: usize,
    pub mean_x: f64,
    pub mean_y: f64,
    pub var_x: f64,
    pub var_y: f64,
    /// mean_x − mean_y.
    pub diff: f64,
    pub se: f64,
    pub t: f64,
    pub df: f64,
    /// 2·P(T_df > |t|).
    pub p: f64,
}

fn parts(x: &[f64], y: &[f64]) -> (f64, f64, f64, f64, f64, f64) {
    let (nx, ny) = (x.len() as f64, y.len() as f64);
    (nx, ny, mean(x), mean(y), var(x), var(y))
}

/// The two-sample t of the mean difference with standard error `se` on `df` degrees of
/// freedom (two-sided p from Student's t).
fn two_sample(x: &[f64], y: &[f64], se: f64, df: f64) -> TwoSample {
    let (_, _, mx, my, vx, vy) = parts(x, y);
    let t = (mx - my) / se;
    TwoSample {
        n_x: x.len(),
        n_y: y.len(),
        mean_x: mx,
        mean_y: my,
        var_x: vx,
        var_y: vy,
        diff: mx - my,
        se,
        t,
        df,
        p: t_two_sided(t, df),
    }
}

/// Welch's t (unequal variances). NaN statistic when a group has fewer than 2 values.
pub fn welch_t(x: &[f64], y: &[f64]) -> TwoSample {
    let (nx, ny, _, _, vx, vy) = parts(x, y);
    let (ax, ay) = (vx / nx, vy / ny);
    let se = (ax + ay).sqrt();
    let df = (ax + ay).powi(2) / (ax * ax / (nx - 1.0) + ay * ay / (ny - 1.0));
    two_sample(x, y, se, df)
}

/// The pooled-variance two-sample t (equal variances).
pub fn pooled_t(x: &[f64], y: &[f64]) -> TwoSample {
    let (nx, ny, _, _, vx, vy) = parts(x, y);
    let df = nx + ny - 2.0;
    let se = (((nx - 1.0) * vx + (ny - 1.0) * vy) / df * (1.0 / nx + 1.0 / ny)).sqrt();
    two_sample(x, y, se, df)
}

/// A permutation p-value and how it was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Permutation {
    pub p: f64,
    /// Splits evaluated: every split when `exact`, else the random relabellings.
    pub splits: usize,
    pub exact: bool,
}

/// C(n, k), saturating at `usize::MAX`.
pub fn binomial_coefficient(n: usize, k: usize) -> usize {
    let k = k.min(n - k.min(n));
    let mut c: u128 = 1;
    for i in 0..k {
        c = c * (n - i) as u128 / (i + 1) as u128;
        if c > usize::MAX as u128 {
            return usize::MAX;
        }
    }
    c as usize
}

/// The permutation test of the difference in means: exact (every split) when there are at
/// most `permutations` splits, else `permutations` random relabellings from stream 0 of
/// `seed`. NaN p when a group is empty or P = 0.
pub fn permutation_test(x: &[f64], y: &[f64], permutations: usize, seed: u64) -> Permutation {
    let nan = Permutation {
        p: f64::NAN,
        splits: 0,
        exact: false,
    };
    if x.is_empty() || y.is_empty() || permutations == 0 {
        return nan;
    }
    let n = x.len() + y.len();
    let c = binomial_coefficient(n, x.len());
    if c > permutations {
        return Permutation {
            p: permutation_p(x, y, permutations, seed),
            splits: permutations,
            exact: false,
        };
    }
    let all: Vec<f64> = x.iter().chain(y).copied().collect();
    let total: f64 = all.iter().sum();
    let observed = (mean(x) - mean(y)).abs();
    let tol = 1e-12 * observed.max(f64::MIN_POSITIVE);
    let (nx, ny) = (x.len(), y.len());
    // Every nx-subset of 0..n, in lexicographic order.
    let mut idx: Vec<usize> = (0..nx).collect();
    let mut hits = 0usize;
    loop {
        let sx: f64 = idx.iter().map(|&i| all[i]).sum();
        let d = sx / nx as f64 - (total - sx) / ny as f64;
        if d.abs() >= observed - tol {
            hits += 1;
        }
        let Some(i) = (0..nx).rev().find(|&i| idx[i] != i + n - nx) else {
            break;
        };
        idx[i] += 1;
        for j in i + 1..nx {
            idx[j] = idx[j - 1] + 1;
        }
    }
    Permutation {
        p: hits as f64 / c as f64,
        splits: c,
        exact: true,
    }
}

/// Permutation p-value of the difference in means (two-sided, `permutations` random
/// relabellings from stream 0 of `seed`). NaN when a group is empty or P = 0.
pub fn permutation_p(x: &[f64], y: &[f64], permutations: usize, seed: u64) -> f64 {
    if x.is_empty() || y.is_empty() || permutations == 0 {
        return f64::NAN;
    }
    let observed = (mean(x) - mean(y)).abs();
    let mut all: Vec<f64> = x.iter().chain(y).copied().collect();
    let (n, nx) = (all.len(), x.len());
    let total: f64 = all.iter().sum();
    // Ties up to rounding count as "at least as extreme".
    let tol = 1e-12 * observed.max(f64::MIN_POSITIVE);
    let mut rng = Rng::new(seed, 0);
    let mut hits = 0usize;
    for _ in 0..permutations {
        // Partial Fisher–Yates: the first nx positions are a uniform random subset.
        let mut sx = 0.0;
        for i in 0..nx {
            let j = i + rng.below((n - i) as u64) as usize;
            all.swap(i, j);
            sx += all[i];
        }
        let d = sx / nx as f64 - (total - sx) / (n - nx) as f64;
        if d.abs() >= observed - tol {
            hits += 1;
        }
    }
    (1 + hits) as f64 / (1 + permutations) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Relabelling the groups swaps the sign of the difference and of t and keeps the
        /// p-values (Welch, pooled; the permutation p-value with the same seed).
        #[test]
        fn relabelling_swaps_the_sign(x in proptest::collection::vec(-0.1f64..0.1, 2..12),
                                      y in proptest::collection::vec(-0.1f64..0.1, 2..12),
                                      seed in 0u64..1000) {
            for (a, b) in [(welch_t(&x, &y), welch_t(&y, &x)), (pooled_t(&x, &y), pooled_t(&y, &x))] {
                prop_assert!((a.diff + b.diff).abs() <= 1e-15);
                prop_assert!((a.t + b.t).abs() <= 1e-12 * a.t.abs().max(1.0));
                prop_assert!((a.p - b.p).abs() <= 1e-12);
            }
            let (p, q) = (permutation_p(&x, &y, 199, seed), permutation_p(&y, &x, 199, seed));
            prop_assert!(p > 0.0 && p <= 1.0 && q > 0.0 && q <= 1.0);
        }
    }

    /// With every possible split enumerable (3 + 3 values, 20 splits), a large number of
    /// random relabellings converges to the exact permutation p-value, computed here by
    /// enumerating the splits (a second, naive implementation).
    #[test]
    fn permutation_matches_enumeration() {
        let x = [0.05, 0.04, 0.06];
        let y = [0.01, -0.02, 0.03];
        let all: Vec<f64> = x.iter().chain(&y).copied().collect();
        let obs = (mean(&x) - mean(&y)).abs();
        let mut extreme = 0;
        let mut total = 0;
        for a in 0..6 {
            for b in a + 1..6 {
                for c in b + 1..6 {
                    let sx = all[a] + all[b] + all[c];
                    let d = sx / 3.0 - (all.iter().sum::<f64>() - sx) / 3.0;
                    total += 1;
                    if d.abs() >= obs - 1e-15 {
                        extreme += 1;
                    }
                }
            }
        }
        let exact = extreme as f64 / total as f64; // 2/20: the observed split and its mirror
        let p = permutation_p(&x, &y, 40_000, 7);
        assert!((p - exact).abs() < 0.005, "{p} vs {exact}");
        let t = permutation_test(&x, &y, 9999, 7);
        assert!(t.exact && t.splits == 20, "{t:?}");
        assert!((t.p - exact).abs() < 1e-15, "{} vs {exact}", t.p);
        let r = permutation_test(&x, &y, 10, 7);
        assert!(!r.exact && r.splits == 10);
        assert_eq!(binomial_coefficient(7, 3), 35);
        assert_eq!(permutation_p(&x, &y, 500, 7), permutation_p(&x, &y, 500, 7));
    }
}
