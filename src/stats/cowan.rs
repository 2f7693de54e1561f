//! Cowan (1992) generalized sign test.

use super::reference::{Reference, TestId};
use super::{TestStat, p_binomial, p_binomial_minlike};

/// p̂ of the generalized sign test (Cowan 1992): the share of positive estimation-window
/// abnormal returns (AR > 0; NaN entries left out), averaged over events, p̂ = (1/N) Σ_i
/// (1/M_i) Σ_t 1[AR_it > 0] (Cowan's eq. for p̂; events without an estimation AR are left
/// out). NaN when no event has one.
pub fn cowan_p_hat(est: &[&[f64]]) -> f64 {
    p_hat_of_shares(est.iter().map(|s| cowan_share(s)))
}

/// One event's share of positive estimation-window ARs over its finite ones (NaN entries
/// left out); None without a finite AR.
pub fn cowan_share(est: &[f64]) -> Option<f64> {
    let (pos, all) = est
        .iter()
        .filter(|v| v.is_finite())
        .fold((0usize, 0usize), |(p, a), v| {
            (p + usize::from(*v > 0.0), a + 1)
        });
    (all > 0).then(|| pos as f64 / all as f64)
}

/// p̂ from the events' shares ([`cowan_share`]) in their order: the mean of those that
/// exist, NaN when none does.
pub fn p_hat_of_shares(shares: impl Iterator<Item = Option<f64>>) -> f64 {
    let shares: Vec<f64> = shares.flatten().collect();
    if shares.is_empty() {
        f64::NAN
    } else {
        shares.iter().sum::<f64>() / shares.len() as f64
    }
}

/// Generalized sign test (Cowan 1992; METHODS.md): Z = (w − N p̂) / √(N p̂ (1 − p̂)), w the
/// number of positive values (AR > 0 for one day, CAR > 0 for a window), p̂ from
/// [`cowan_p_hat`], two-sided p from N(0,1). At small N the count is coarse and the normal
/// approximation's size drifts with p̂ (at N = 20, from 4.2 % to 7.1 % at a nominal 5 %): see
/// [`generalized_sign_exact`]. Undefined (NaN) for N = 0 or p̂ not in (0, 1).
///
/// # References
/// Cowan, A. R. (1992). Nonparametric event study tests. Review of Quantitative Finance
/// and Accounting 2(4), 343-358.
pub fn generalized_sign_cowan(values: &[f64], p_hat: f64) -> TestStat {
    let exact = generalized_sign_exact(values, p_hat);
    TestStat {
        test: TestId::GeneralizedSign,
        p_value: super::p_normal(exact.statistic),
        distribution: Reference::Normal,
        ..exact
    }
}

/// The generalized sign test with the exact two-sided binomial(N, p̂) p-value of w: twice
/// the smaller tail, at most 1 (the "central" or doubling convention, [`p_binomial`]);
/// same statistic Z. Conservative at small N (discreteness). For the convention of R's
/// `binom.test` and scipy's `binomtest` see [`generalized_sign_exact_minlike`].
pub fn generalized_sign_exact(values: &[f64], p_hat: f64) -> TestStat {
    let n = values.len();
    let w = values.iter().filter(|v| **v > 0.0).count();
    let nf = n as f64;
    let ok = n > 0 && p_hat > 0.0 && p_hat < 1.0;
    let (stat, p) = if ok {
        (
            (w as f64 - nf * p_hat) / (nf * p_hat * (1.0 - p_hat)).sqrt(),
            p_binomial(w as u64, n as u64, p_hat),
        )
    } else {
        (f64::NAN, f64::NAN)
    };
    TestStat {
        test: TestId::GeneralizedSignExact,
        statistic: stat,
        p_value: p,
        n,
        distribution: Reference::Binomial {
            n,
            p: p_hat,
            estimated: true,
        },
    }
}

/// The generalized sign test with R's and scipy's exact two-sided binomial(N, p̂) p-value:
/// the probability of every count no more likely than the observed w
/// ([`p_binomial_minlike`]); same statistic Z. With p̂ ≠ 1/2 the binomial is skewed and
/// this p-value differs from the doubled tail (either way).
pub fn generalized_sign_exact_minlike(values: &[f64], p_hat: f64) -> TestStat {
    let exact = generalized_sign_exact(values, p_hat);
    let w = values.iter().filter(|v| **v > 0.0).count() as u64;
    TestStat {
        test: TestId::GeneralizedSignExactMinlike,
        p_value: if exact.p_value.is_finite() {
            p_binomial_minlike(w, values.len() as u64, p_hat)
        } else {
            f64::NAN
        },
        ..exact
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, INDEPENDENT, ROUNDOFF, assert_close};
    use proptest::prelude::*;

    /// By hand: event A's estimation ARs [0.1, −0.1, 0.2, NaN] → 2/3 positive; event B's
    /// [−0.1, −0.2, 0.0, 0.3] → 1/4 (0 is not positive); p̂ = (2/3 + 1/4)/2 = 11/24.
    /// Values [0.1, 0.2, −0.3]: w = 2, Z = (2 − 3·11/24)/√(3·11/24·13/24).
    /// Exact p: P(W ≥ 2) = 3p²(1−p) + p³ < P(W ≤ 2) → 2·(3p²q + p³).
    #[test]
    fn generalized_sign_by_hand() {
        let a = [0.1, -0.1, 0.2, f64::NAN];
        let b = [-0.1, -0.2, 0.0, 0.3];
        let p = cowan_p_hat(&[&a, &b]);
        assert_close!(p, 11.0 / 24.0, EXACT);
        let g = generalized_sign_exact(&[0.1, 0.2, -0.3], p);
        let want = (2.0 - 3.0 * p) / (3.0 * p * (1.0 - p)).sqrt();
        assert_close!(g.statistic, want, ROUNDOFF);
        let q = 1.0 - p;
        assert_close!(g.p_value, 2.0 * (3.0 * p * p * q + p * p * p), INDEPENDENT);
        assert_eq!(g.distribution.to_string(), "binomial(3, 0.4583)");
        // Normal form: Z = 0.7242068243779013, p = erfc(|Z|/√2) = 0.46893876952267016
        // (Python's math.erfc).
        let g = generalized_sign_cowan(&[0.1, 0.2, -0.3], p);
        assert_close!(g.statistic, 0.7242068243779013, ROUNDOFF);
        assert_close!(g.p_value, 0.46893876952267016, INDEPENDENT);
        assert_eq!(
            (g.test.as_str(), g.distribution.to_string().as_str()),
            ("generalized_sign", "N(0,1)")
        );
        assert!(generalized_sign_cowan(&[0.1], f64::NAN).statistic.is_nan());
        assert!(cowan_p_hat(&[&[f64::NAN]]).is_nan());
    }

    proptest! {
        /// The generalized sign test depends only on the signs.
        #[test]
        fn depends_only_on_signs(x in proptest::collection::vec(-1.0f64..1.0, 1..30),
                                 scale in proptest::collection::vec(0.01f64..100.0, 30),
                                 p in 0.05f64..0.95) {
            let y: Vec<f64> = x.iter().zip(&scale).map(|(a, s)| a * s).collect();
            prop_assert_eq!(generalized_sign_cowan(&x, p), generalized_sign_cowan(&y, p));
            prop_assert_eq!(generalized_sign_exact(&x, p), generalized_sign_exact(&y, p));
        }
    }
}
