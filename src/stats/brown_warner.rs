//! Brown & Warner (1980, 1985): the cross-sectional t and the crude dependence adjustment.

use super::reference::TestId;
use super::{TestStat, mean, sample_sd, t_test, t_test_df};

/// Cross-sectional t (Brown & Warner 1985): mean / (sd / √N), t(N - 1).
///
/// # References
/// Brown, S. J., Warner, J. B. (1985). Using daily stock returns. Journal of Financial
/// Economics 14(1), 3-31.
pub fn cross_sectional_t(values: &[f64]) -> TestStat {
    let n = values.len();
    let stat = mean(values) / (sample_sd(values) / (n as f64).sqrt());
    t_test(TestId::CrossSectionalT, stat, n)
}

/// Crude dependence adjustment (Brown & Warner 1980, 1985): the portfolio test.
///
/// σ̂_AAR is the sample standard deviation (divisor T − 1) of the estimation-window AAR
/// series `est_aar` (AAR_t = mean of the N events' estimation ARs at event time t; NaN
/// entries, days without any AR, are left out; T is the number of days left). For one day,
/// t = AAR / σ̂_AAR; for a window of L sessions, t = CAAR / √(L σ̂²_AAR). Reference t(T − 1).
/// Because σ̂_AAR comes from the time series of the portfolio's mean, it keeps the
/// cross-correlation of events that share calendar dates.
/// `n` is the number of events behind `mean` (reported only). Undefined (NaN) for T < 2,
/// L = 0 or σ̂ = 0.
///
/// # References
/// Brown, S. J., Warner, J. B. (1980). Measuring security price performance. Journal of
/// Financial Economics 8(3), 205-258. Brown, S. J., Warner, J. B. (1985). Using daily stock
/// returns. Journal of Financial Economics 14(1), 3-31 (section 2.3, "crude dependence
/// adjustment").
pub fn crude_dependence_adjustment(mean: f64, n: usize, est_aar: &[f64], len: usize) -> TestStat {
    let series: Vec<f64> = est_aar.iter().copied().filter(|v| v.is_finite()).collect();
    let t_days = series.len();
    let sd = sample_sd(&series);
    let stat = if n == 0 || len == 0 || sd.is_nan() || sd <= 0.0 {
        f64::NAN
    } else {
        mean / ((len as f64).sqrt() * sd)
    };
    t_test_df(TestId::Cda, stat, n, t_days.saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    /// Values computed by hand for x = [0.01, -0.02, 0.03, 0.04]:
    /// mean 0.015, sd = sqrt(((−0.005)²+(−0.035)²+0.015²+0.025²)/3) = sqrt(0.0021/3).
    #[test]
    fn cross_sectional_t_by_hand() {
        let x = [0.01, -0.02, 0.03, 0.04];
        let t = cross_sectional_t(&x);
        let sd = (0.0021f64 / 3.0).sqrt();
        assert_close!(t.statistic, 0.015 / (sd / 2.0), ROUNDOFF.abs());
        assert_eq!(t.distribution.to_string(), "t(3)");
        assert_eq!(t.n, 4);
    }

    #[test]
    fn single_event_cross_section_is_undefined() {
        let t = cross_sectional_t(&[0.01]);
        assert!(t.statistic.is_nan() && t.p_value.is_nan());
        assert_eq!(t.distribution.to_string(), "t(0)");
    }

    /// By hand: estimation AARs [0.01, -0.01, 0.02, 0.00] (and one NaN day, left out):
    /// mean 0.005, squared deviations 0.000025 + 0.000225 + 0.000225 + 0.000025 = 0.0005,
    /// σ̂² = 0.0005 / 3. Day: 0.02 / σ̂; window of L = 3: 0.03 / √(3 σ̂²); t(3).
    #[test]
    fn cda_by_hand() {
        let est = [0.01, -0.01, f64::NAN, 0.02, 0.0];
        let sd = (0.0005f64 / 3.0).sqrt();
        let d = crude_dependence_adjustment(0.02, 4, &est, 1);
        assert_close!(d.statistic, 0.02 / sd, ROUNDOFF);
        assert_eq!((d.n, d.distribution.to_string().as_str()), (4, "t(3)"));
        let w = crude_dependence_adjustment(0.03, 4, &est, 3);
        assert_close!(w.statistic, 0.03 / (3.0 * sd * sd).sqrt(), ROUNDOFF);
        assert!(
            crude_dependence_adjustment(0.03, 1, &[0.01], 1)
                .statistic
                .is_nan()
        );
        assert!(
            crude_dependence_adjustment(0.03, 0, &est, 1)
                .p_value
                .is_nan()
        );
    }
}
