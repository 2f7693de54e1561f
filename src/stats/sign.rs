//! The sign test.

use super::reference::{Reference, TestId};
use super::{TestStat, p_binomial};

/// Sign test (METHODS.md): Z = (w − N/2) / √(N/4), w the number of positive values (AR > 0
/// for one day, CAR > 0 for a window; zeros count as not positive), two-sided p from N(0,1).
/// The normal approximation overstates significance at small N (N = 4: 4 of 4 positive gives
/// Z = 2, p = 0.046, while the exact p is 0.125): see [`sign_test_exact`]. Undefined (NaN)
/// for N = 0.
///
/// # References
/// Brown, S. J., Warner, J. B. (1980). Measuring security price performance. Journal of
/// Financial Economics 8(3), 205-258. Corrado, C. J. (2011). Event studies: a methodology
/// review. Accounting & Finance 51(1), 207-234.
pub fn sign_test(values: &[f64]) -> TestStat {
    let exact = sign_test_exact(values);
    TestStat {
        test: TestId::Sign,
        p_value: super::p_normal(exact.statistic),
        distribution: Reference::Normal,
        ..exact
    }
}

/// The sign test with the exact two-sided binomial(N, 0.5) p-value of w (twice the smaller
/// tail, at most 1) instead of the normal approximation; same statistic Z.
pub fn sign_test_exact(values: &[f64]) -> TestStat {
    let n = values.len();
    let w = values.iter().filter(|v| **v > 0.0).count();
    let nf = n as f64;
    let (stat, p) = if n == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (
            (w as f64 - nf / 2.0) / (nf / 4.0).sqrt(),
            p_binomial(w as u64, n as u64, 0.5),
        )
    };
    TestStat {
        test: TestId::SignExact,
        statistic: stat,
        p_value: p,
        n,
        distribution: Reference::Binomial {
            n,
            p: 0.5,
            estimated: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, INDEPENDENT, ROUNDOFF, assert_close};
    use proptest::prelude::*;

    /// By hand: 4 of 4 positive: Z = (4 − 2)/1 = 2, exact p = 2 · (1/2)⁴ = 0.125.
    /// 3 of 5: Z = 0.5/√1.25; p = 2 · P(W ≥ 3) = 2 · 16/32 = 1.
    /// By hand: 4 of 4 positive: Z = (4 − 2)/√1 = 2; exact p = 2·(1/16) = 0.125; normal
    /// p = 2(1 − Φ(2)) = 0.04550026389635842 (normal table).
    #[test]
    fn sign_by_hand() {
        let s = sign_test_exact(&[0.1, 0.2, 0.01, 3.0]);
        assert_close!(s.statistic, 2.0, EXACT.abs());
        assert_close!(s.p_value, 0.125, ROUNDOFF);
        assert_eq!(
            (s.test.as_str(), s.distribution.to_string().as_str()),
            ("sign_exact", "binomial(4, 0.5)")
        );
        let s = sign_test(&[0.1, 0.2, 0.01, 3.0]);
        assert_close!(s.statistic, 2.0, EXACT.abs());
        assert_close!(s.p_value, 0.04550026389635842, INDEPENDENT);
        assert_eq!(
            (s.test.as_str(), s.distribution.to_string().as_str()),
            ("sign", "N(0,1)")
        );
        let s = sign_test_exact(&[0.1, -0.2, 0.01, 3.0, 0.0]);
        assert_close!(s.statistic, 0.5 / 1.25f64.sqrt(), EXACT);
        assert_close!(s.p_value, 1.0, ROUNDOFF);
        assert!(sign_test(&[]).p_value.is_nan());
        assert!(sign_test_exact(&[]).p_value.is_nan());
    }

    proptest! {
        /// The sign test depends only on the signs.
        #[test]
        fn depends_only_on_signs(x in proptest::collection::vec(-1.0f64..1.0, 1..30),
                                 scale in proptest::collection::vec(0.01f64..100.0, 30)) {
            let y: Vec<f64> = x.iter().zip(&scale).map(|(a, s)| a * s).collect();
            prop_assert_eq!(sign_test(&x), sign_test(&y));
            prop_assert_eq!(sign_test_exact(&x), sign_test_exact(&y));
        }
    }
}
