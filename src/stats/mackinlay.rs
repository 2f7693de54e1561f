//! MacKinlay (1997): J1 (in the form of Serra 2002) and J2.

use super::reference::TestId;
use super::{TestStat, mean, normal_test};

/// MacKinlay (1997) J1, in the form of Serra (2002): CAAR / √(N⁻² Σ Var(CAR_i)), N(0,1).
/// For one day, AAR and Var(AR_it).
///
/// # References
/// MacKinlay, A. C. (1997), Journal of Economic Literature 35(1), 13-39, eq. (20)-(21).
/// Serra, A. P. (2002), Event study tests: a brief survey, FEP working paper 117.
pub fn mackinlay_j1(values: &[f64], variances: &[f64]) -> TestStat {
    let n = values.len();
    let stat = if n == 0 {
        f64::NAN
    } else {
        let nf = n as f64;
        mean(values) / (variances.iter().sum::<f64>() / (nf * nf)).sqrt()
    };
    normal_test(TestId::MackinlayJ1, stat, n)
}

/// MacKinlay (1997) J2 with unequal estimation lengths, in its exact form:
/// J2 = Σ_i SCAR_i / √(Σ_i d_i/(d_i − 2)), N(0,1), with SCAR_i = CAR_i / √Var(CAR_i) (for one
/// day, SAR_it) and d_i = M_i − k the residual degrees of freedom (`dof`): each SCAR_i is
/// t(d_i)-distributed with variance d_i/(d_i − 2). For the market model d_i = M_i − 2, so the
/// denominator is √Σ((M_i − 2)/(M_i − 4)); with a common M it is MacKinlay's
/// √(N(M − 4)/(M − 2)) · mean SCAR (eq. 22). (Numerically the CAR form of Patell's Z.)
/// Undefined (NaN) for N = 0 or any d_i ≤ 2.
///
/// # References
/// MacKinlay, A. C. (1997), Journal of Economic Literature 35(1), 13-39, eq. (22)-(23).
/// Campbell, J. Y., Lo, A. W., MacKinlay, A. C. (1997). The Econometrics of Financial
/// Markets, Princeton, section 4.4.3 (J2 with event-specific estimation lengths).
pub fn mackinlay_j2(standardized: &[f64], dof: &[f64]) -> TestStat {
    let n = standardized.len();
    let stat = if n == 0 || dof.len() != n || dof.iter().any(|d| d.is_nan() || *d <= 2.0) {
        f64::NAN
    } else {
        let v: f64 = dof.iter().map(|d| d / (d - 2.0)).sum();
        standardized.iter().sum::<f64>() / v.sqrt()
    };
    normal_test(TestId::MackinlayJ2, stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    /// By hand: CAAR 0.03, Σ Var = 0.0013, N = 2 → 0.03 / √(0.0013/4).
    #[test]
    fn j1_by_hand() {
        let j = mackinlay_j1(&[0.02, 0.04], &[0.0004, 0.0009]);
        assert_close!(j.statistic, 0.03 / (0.0013f64 / 4.0).sqrt(), ROUNDOFF.abs());
        assert!(mackinlay_j1(&[], &[]).statistic.is_nan());
    }

    /// By hand, MacKinlay's eq. (22) with M = 250 for both events (market model, d = 248):
    /// √(2 · 246/248) · (1.0 + 2.0)/2. Equals Patell's Z on the same data (common M).
    #[test]
    fn j2_by_hand_and_equal_to_patell_with_common_m() {
        let j = mackinlay_j2(&[1.0, 2.0], &[248.0, 248.0]);
        let want = (2.0f64 * 246.0 / 248.0).sqrt() * 1.5;
        assert_close!(j.statistic, want, ROUNDOFF.abs());
        let p = crate::stats::patell_z(&[1.0, 2.0], &[248.0, 248.0]);
        assert_close!(j.statistic, p.statistic, ROUNDOFF.abs());
        assert!(mackinlay_j2(&[1.0], &[2.0]).statistic.is_nan());
        assert!(mackinlay_j2(&[], &[]).p_value.is_nan());
    }

    /// Unequal M, by hand: M = 250 and 100 (d = 248, 98): (1 + 2) / √(248/246 + 98/96); the
    /// mean-M form √(2 (d̄ − 2)/d̄) · 1.5 with d̄ = 173 differs.
    #[test]
    fn j2_exact_with_unequal_m() {
        let j = mackinlay_j2(&[1.0, 2.0], &[248.0, 98.0]);
        let want = 3.0 / (248.0f64 / 246.0 + 98.0 / 96.0).sqrt();
        assert!((j.statistic - want).abs() < 1e-12);
        let mean_form = (2.0f64 * 171.0 / 173.0).sqrt() * 1.5;
        assert!((j.statistic - mean_form).abs() > 1e-4);
        assert!(mackinlay_j2(&[1.0, 2.0], &[248.0, 2.0]).statistic.is_nan());
    }
}
