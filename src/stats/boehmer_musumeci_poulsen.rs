//! Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test.

use super::reference::TestId;
use super::{TestStat, mean, sample_sd, t_test};

/// Boehmer, Musumeci & Poulsen (1991) standardized cross-sectional test:
/// mean S / (sd S / √N), t(N - 1).
///
/// # References
/// Boehmer, E., Musumeci, J., Poulsen, A. B. (1991). Event-study methodology under
/// conditions of event-induced variance. Journal of Financial Economics 30(2), 253-272.
pub fn boehmer_musumeci_poulsen(standardized: &[f64]) -> TestStat {
    let n = standardized.len();
    let stat = mean(standardized) / (sample_sd(standardized) / (n as f64).sqrt());
    t_test(TestId::Bmp, stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    /// By hand: S = [1, 2, 3]: mean 2, sd 1 → 2 / (1/√3) = 2√3, t(2).
    #[test]
    fn bmp_by_hand() {
        let b = boehmer_musumeci_poulsen(&[1.0, 2.0, 3.0]);
        assert_close!(b.statistic, 2.0 * 3f64.sqrt(), ROUNDOFF.abs());
        assert_eq!(b.distribution.to_string(), "t(2)");
        assert!(boehmer_musumeci_poulsen(&[1.0]).statistic.is_nan());
    }
}
