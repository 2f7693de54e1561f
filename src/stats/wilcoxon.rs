//! Wilcoxon (1945) signed-rank test.

use super::reference::{Reference, TestId};
use super::{TestStat, average_ranks, p_normal};

/// Largest N with an exact p-value (the null distribution of W⁺ is enumerated).
const EXACT_MAX: usize = 50;

/// Wilcoxon (1945) signed-rank test of a zero median: zeros are dropped (N counts the
/// non-zero values), |x| is ranked (ties share their average rank) and W⁺ is the sum of the
/// ranks of the positive values. The statistic is the normal score
/// Z = (W⁺ − N(N+1)/4) / √(N(N+1)(2N+1)/24 − Σ(t³ − t)/48) (t the sizes of tied groups).
/// The p-value is exact (two-sided: twice the smaller tail of W⁺'s null distribution,
/// at most 1; distribution `signed_rank(N)`) for N ≤ 50 without ties, else from N(0,1).
/// Undefined (NaN) for N = 0.
///
/// # References
/// Wilcoxon, F. (1945). Individual comparisons by ranking methods. Biometrics Bulletin
/// 1(6), 80-83.
pub fn wilcoxon_signed_rank(values: &[f64]) -> TestStat {
    let x: Vec<f64> = values.iter().copied().filter(|v| *v != 0.0).collect();
    let n = x.len();
    if n == 0 {
        return TestStat {
            test: TestId::Wilcoxon,
            statistic: f64::NAN,
            p_value: f64::NAN,
            n,
            distribution: Reference::SignedRank(0),
        };
    }
    let abs: Vec<f64> = x.iter().map(|v| v.abs()).collect();
    let ranks = average_ranks(&abs);
    let w_plus: f64 = x
        .iter()
        .zip(&ranks)
        .filter(|(v, _)| **v > 0.0)
        .map(|(_, r)| r)
        .sum();
    let mut sorted = abs.clone();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut i = 0;
    while i < sorted.len() {
        let j = sorted[i..].iter().take_while(|v| **v == sorted[i]).count();
        let t = j as f64;
        ties += t * t * t - t;
        i += j;
    }
    let nf = n as f64;
    let var = nf * (nf + 1.0) * (2.0 * nf + 1.0) / 24.0 - ties / 48.0;
    let z = (w_plus - nf * (nf + 1.0) / 4.0) / var.sqrt();
    if ties == 0.0 && n <= EXACT_MAX {
        TestStat {
            test: TestId::Wilcoxon,
            statistic: z,
            p_value: exact_p(n, w_plus.round() as usize),
            n,
            distribution: Reference::SignedRank(n),
        }
    } else {
        TestStat {
            test: TestId::Wilcoxon,
            statistic: z,
            p_value: p_normal(z),
            n,
            distribution: Reference::Normal,
        }
    }
}

/// Two-sided exact p-value of W⁺ = w with n untied ranks: the number of subsets of
/// {1..n} with each sum, by dynamic programming (counts ≤ 2⁵⁰ are exact in f64).
fn exact_p(n: usize, w: usize) -> f64 {
    let max = n * (n + 1) / 2;
    let mut counts = vec![0.0f64; max + 1];
    counts[0] = 1.0;
    for r in 1..=n {
        for s in (r..=max).rev() {
            counts[s] += counts[s - r];
        }
    }
    let total = 2f64.powi(n as i32);
    let lower: f64 = counts[..=w.min(max)].iter().sum::<f64>() / total;
    let upper: f64 = counts[w.min(max)..].iter().sum::<f64>() / total;
    (2.0 * lower.min(upper)).min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, ROUNDOFF, assert_close, prop_assert_close};
    use proptest::prelude::*;

    /// By hand: x = [0.3, −0.1, 0.2, 0.4]: |x| ranks 3, 1, 2, 4 → W⁺ = 9; E = 5,
    /// Var = 4·5·9/24 = 7.5 → Z = 4/√7.5. Exact: of the 16 sign patterns, W⁺ ≥ 9 for
    /// {10, 9 (1 left out)} = 2 → P = 2/16, two-sided 0.25.
    #[test]
    fn wilcoxon_by_hand() {
        let w = wilcoxon_signed_rank(&[0.3, -0.1, 0.2, 0.4]);
        assert_close!(w.statistic, 4.0 / 7.5f64.sqrt(), ROUNDOFF.abs());
        assert_close!(w.p_value, 0.25, ROUNDOFF);
        assert_eq!(
            (w.n, w.distribution.to_string().as_str()),
            (4, "signed_rank(4)")
        );
        // All four positive: p = 2/16. Zeros are dropped.
        let w = wilcoxon_signed_rank(&[0.3, 0.1, 0.2, 0.4, 0.0]);
        assert_close!(w.p_value, 0.125, ROUNDOFF);
        assert_eq!(w.n, 4);
        assert!(wilcoxon_signed_rank(&[0.0]).p_value.is_nan());
    }

    /// Ties: x = [1, −1, 2, 3]: |x| ranks 1.5, 1.5, 3, 4 → W⁺ = 8.5; tie group of 2:
    /// Var = 7.5 − 6/48 = 7.375; Z = 3.5/√7.375, normal p-value.
    #[test]
    fn wilcoxon_ties_use_the_normal_approximation() {
        let w = wilcoxon_signed_rank(&[1.0, -1.0, 2.0, 3.0]);
        assert_close!(w.statistic, 3.5 / 7.375f64.sqrt(), ROUNDOFF.abs());
        assert_eq!(w.distribution.to_string(), "N(0,1)");
    }

    /// The exact distribution against brute-force enumeration of the 2^n sign patterns.
    #[test]
    fn exact_p_matches_enumeration() {
        for n in 1..=10usize {
            for w in 0..=n * (n + 1) / 2 {
                let (mut le, mut ge) = (0u32, 0u32);
                for mask in 0u32..(1 << n) {
                    let s: usize = (0..n).filter(|b| mask >> b & 1 == 1).map(|b| b + 1).sum();
                    le += u32::from(s <= w);
                    ge += u32::from(s >= w);
                }
                let total = f64::from(1u32 << n);
                let want = (2.0 * (f64::from(le) / total).min(f64::from(ge) / total)).min(1.0);
                assert_close!(exact_p(n, w), want, ROUNDOFF, "n={n} w={w}");
            }
        }
    }

    proptest! {
        /// Invariant to a monotone odd transform of the values (x ↦ x³ + x keeps signs and
        /// the order of |x|).
        #[test]
        fn invariant_to_monotone_odd_transform(x in proptest::collection::vec(-1.0f64..1.0, 1..40)) {
            let y: Vec<f64> = x.iter().map(|v| v * v * v + v).collect();
            let (a, b) = (wilcoxon_signed_rank(&x), wilcoxon_signed_rank(&y));
            prop_assert_eq!(a.p_value.to_bits(), b.p_value.to_bits());
            prop_assert_close!(b.statistic, a.statistic, EXACT);
        }
    }
}
