//! Patell (1976) standardized-residual Z.

use super::reference::TestId;
use super::{TestStat, normal_test};

/// Patell (1976) Z: Σ_i S_i / √(Σ_i (M_i - k)/(M_i - k - 2)), N(0,1), S_i the standardized
/// AR (day) or CAR (window) of event i, each standardized on its own; `dof` holds M_i - k.
///
/// # References
/// Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price
/// behavior. Journal of Accounting Research 14(2), 246-276.
pub fn patell_z(standardized: &[f64], dof: &[f64]) -> TestStat {
    let n = standardized.len();
    let denom: f64 = dof.iter().map(|d| d / (d - 2.0)).sum();
    let stat = if n == 0 {
        f64::NAN
    } else {
        standardized.iter().sum::<f64>() / denom.sqrt()
    };
    normal_test(TestId::PatellZ, stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    /// By hand: (1 + 2) / √(248/246 + 98/96).
    #[test]
    fn patell_by_hand() {
        let p = patell_z(&[1.0, 2.0], &[248.0, 98.0]);
        let expect = 3.0 / (248.0f64 / 246.0 + 98.0 / 96.0).sqrt();
        assert_close!(p.statistic, expect, ROUNDOFF.abs());
        assert_eq!(p.distribution.to_string(), "N(0,1)");
    }
}
