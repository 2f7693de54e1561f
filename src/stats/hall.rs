//! Hall (1992) skewness-corrected t.

use super::reference::TestId;
use super::{TestStat, mean, sample_sd, t_test};

/// Skewness-corrected t (Hall 1992), as used for event studies by Kolari & Pynnönen and
/// EventStudyTools ("skewness corrected test"):
///
/// t_skew = √N (S + γ S²/3 + γ² S³/27 + γ/(6N)),
///
/// S = mean / s, s the sample sd (divisor N − 1) of the N values (ARs of one day or CARs
/// of one window), γ = N Σ (x_i − x̄)³ / ((N − 1)(N − 2) s³) the sample skewness.
/// With γ = 0 it is the cross-sectional t; reference t(N − 1). Undefined (NaN) for N < 3
/// or s = 0.
///
/// # References
/// Hall, P. (1992). On the removal of skewness by transformation. Journal of the Royal
/// Statistical Society B 54(1), 221-228. Lyon, J. D., Barber, B. M., Tsai, C.-L. (1999).
/// Improved methods for tests of long-run abnormal stock returns. Journal of Finance 54(1),
/// 165-201.
pub fn skewness_corrected_t_hall(values: &[f64]) -> TestStat {
    let n = values.len();
    let stat = if n < 3 {
        f64::NAN
    } else {
        let nf = n as f64;
        let (m, s) = (mean(values), sample_sd(values));
        if s > 0.0 {
            let g = nf * values.iter().map(|x| (x - m).powi(3)).sum::<f64>()
                / ((nf - 1.0) * (nf - 2.0) * s.powi(3));
            let sr = m / s;
            nf.sqrt() * (sr + g * sr * sr / 3.0 + g * g * sr.powi(3) / 27.0 + g / (6.0 * nf))
        } else {
            f64::NAN
        }
    };
    t_test(TestId::SkewnessCorrectedT, stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    /// By hand on x = [1, 2, 4]: mean 7/3, deviations −4/3, −1/3, 5/3; s² = (16+1+25)/9/2
    /// = 7/3; Σd³ = (−64 − 1 + 125)/27 = 20/9; γ = 3 · (20/9) / (2 · 1 · (7/3)^{3/2});
    /// S = (7/3)/√(7/3) = √(7/3). Then Hall's cubic in its expanded form
    /// (S + γS²/3 + γ²S³/27 = ((1 + γS/3)³ − 1)/γ), a different algebraic route.
    #[test]
    fn hall_by_hand() {
        let s2: f64 = 7.0 / 3.0;
        let g = 3.0 * (20.0 / 9.0) / (2.0 * s2.powf(1.5));
        let sr = s2.sqrt();
        let want = 3f64.sqrt() * (((1.0 + g * sr / 3.0).powi(3) - 1.0) / g + g / 18.0);
        let t = skewness_corrected_t_hall(&[1.0, 2.0, 4.0]);
        assert_close!(t.statistic, want, ROUNDOFF);
        assert_eq!(t.distribution.to_string(), "t(2)");
    }

    /// Symmetric data (γ = 0): equals the cross-sectional t.
    #[test]
    fn symmetric_data_give_the_cross_sectional_t() {
        let x = [-0.01, 0.02, 0.05];
        let a = skewness_corrected_t_hall(&x);
        let b = crate::stats::cross_sectional_t(&x);
        assert_close!(a.statistic, b.statistic, ROUNDOFF.abs());
        assert!(skewness_corrected_t_hall(&x[..2]).statistic.is_nan());
        assert!(skewness_corrected_t_hall(&[1.0, 1.0, 1.0]).p_value.is_nan());
    }
}
