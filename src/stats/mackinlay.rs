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

/// MacKinlay (1997) J2: √(N (d̄ − 2) / d̄) · mean SCAR_i, N(0,1), with SCAR_i = CAR_i /
/// √Var(CAR_i) (for one day, SAR_it) and d̄ the mean of the events' residual degrees of
/// freedom M_i − k (`dof`). For the market model with a common M, d = M − 2 and this is
/// MacKinlay's √(N(M − 4)/(M − 2)) · mean SCAR (eq. 22); with a common M it equals Patell's
/// Z, and it differs from it only through the averaging of unequal M_i.
/// Undefined (NaN) for N = 0 or d̄ ≤ 2.
///
/// # References
/// MacKinlay, A. C. (1997), Journal of Economic Literature 35(1), 13-39, eq. (22)-(23).
pub fn mackinlay_j2(standardized: &[f64], dof: &[f64]) -> TestStat {
    let n = standardized.len();
    let stat = if n == 0 || dof.len() != n {
        f64::NAN
    } else {
        let d = mean(dof);
        if d > 2.0 {
            (n as f64 * (d - 2.0) / d).sqrt() * mean(standardized)
        } else {
            f64::NAN
        }
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
}
