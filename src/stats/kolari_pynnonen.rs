//! Kolari & Pynnönen (2010): Patell's Z and BMP adjusted for cross-sectional correlation
//! of abnormal returns (event-date clustering).

use super::reference::TestId;
use super::{TestStat, boehmer_musumeci_poulsen, normal_test, patell_z, t_test};

/// Fewest common estimation-window observations for a pair of events to enter r̄.
pub const KP_MIN_COMMON: usize = 30;

/// Pearson correlation of `a` and `b` over the positions where both are finite; `None`
/// with fewer than `min_common` (at least 3) such positions or a constant series.
pub fn pairwise_correlation(a: &[f64], b: &[f64], min_common: usize) -> Option<f64> {
    // Two passes over the common positions, no copy (the sums in the same order as over a
    // collected list of pairs: the same bits).
    let pairs = || {
        a.iter()
            .zip(b)
            .filter(|(x, y)| x.is_finite() && y.is_finite())
    };
    let count = pairs().count();
    if count < min_common.max(3) {
        return None;
    }
    let n = count as f64;
    let (ma, mb) = (
        pairs().map(|p| *p.0).sum::<f64>() / n,
        pairs().map(|p| *p.1).sum::<f64>() / n,
    );
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in pairs() {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    let r = sab / (saa * sbb).sqrt();
    r.is_finite().then_some(r)
}

/// r̄: the mean pairwise correlation of the events' estimation-window abnormal returns over
/// i ≠ j (the diagonal excluded), each series aligned by event time, each pair over its
/// common observations ([`pairwise_correlation`]; pairs with fewer than `min_common`
/// common observations are left out). NaN when no pair qualifies (e.g. N = 1).
pub fn mean_pairwise_correlation(series: &[&[f64]], min_common: usize) -> f64 {
    let (mut sum, mut count) = (0.0, 0usize);
    for i in 0..series.len() {
        for j in i + 1..series.len() {
            if let Some(r) = pairwise_correlation(series[i], series[j], min_common) {
                sum += r;
                count += 1;
            }
        }
    }
    if count == 0 {
        f64::NAN
    } else {
        sum / count as f64
    }
}

/// The Kolari-Pynnönen factor √((1 − r̄)/(1 + (N − 1) r̄)); NaN where undefined.
fn factor(n: usize, rbar: f64) -> f64 {
    let den = 1.0 + (n as f64 - 1.0) * rbar;
    if !rbar.is_finite() || n == 0 || den <= 0.0 || rbar >= 1.0 {
        return f64::NAN;
    }
    ((1.0 - rbar) / den).sqrt()
}

/// Kolari & Pynnönen (2010) adjusted Patell Z: Z_Patell · √((1 − r̄)/(1 + (N − 1) r̄)),
/// N(0,1); `rbar` from [`mean_pairwise_correlation`]. Same form for a CAR window (the
/// paper's eq. for cumulated returns with a common r̄). Undefined (NaN) when r̄ is (no
/// pair of events, e.g. N = 1) or 1 + (N − 1) r̄ ≤ 0.
///
/// # References
/// Kolari, J. W., Pynnönen, S. (2010). Event study testing with cross-sectional
/// correlation of abnormal returns. Review of Financial Studies 23(11), 3996-4025.
pub fn patell_z_kolari_pynnonen(standardized: &[f64], dof: &[f64], rbar: f64) -> TestStat {
    let n = standardized.len();
    let z = patell_z(standardized, dof).statistic * factor(n, rbar);
    normal_test(TestId::AdjustedPatellZ, z, n)
}

/// Kolari & Pynnönen (2010) adjusted BMP: t_BMP · √((1 − r̄)/(1 + (N − 1) r̄)), t(N − 1).
/// Undefined as [`patell_z_kolari_pynnonen`], and for N < 2.
///
/// # References
/// Kolari, J. W., Pynnönen, S. (2010). Event study testing with cross-sectional
/// correlation of abnormal returns. Review of Financial Studies 23(11), 3996-4025.
pub fn bmp_kolari_pynnonen(standardized: &[f64], rbar: f64) -> TestStat {
    let n = standardized.len();
    let t = boehmer_musumeci_poulsen(standardized).statistic * factor(n, rbar);
    t_test(TestId::AdjustedBmp, t, n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, ROUNDOFF, assert_close};

    /// Correlation by hand: a = [1,2,3,4], b = [2,4,6,9] (and a NaN position left out):
    /// deviations a: -1.5,-0.5,0.5,1.5; b (mean 5.25): -3.25,-1.25,0.75,3.75;
    /// Σab = 4.875+0.625+0.375+5.625 = 11.5, Σa² = 5, Σb² = 10.5625+1.5625+0.5625+14.0625 = 26.75.
    #[test]
    fn correlation_by_hand() {
        let a = [1.0, 2.0, f64::NAN, 3.0, 4.0];
        let b = [2.0, 4.0, 1.0, 6.0, 9.0];
        let r = pairwise_correlation(&a, &b, 3).expect("4 common");
        assert_close!(r, 11.5 / (5.0f64 * 26.75).sqrt(), ROUNDOFF);
        assert_eq!(pairwise_correlation(&a, &b, 5), None);
        // Three series: r̄ = mean of the three pairwise correlations.
        let c = [4.0, 3.0, 0.0, 2.0, 1.0];
        let s: [&[f64]; 3] = [&a, &b, &c];
        let want = (r
            + pairwise_correlation(&a, &c, 3).expect("ac")
            + pairwise_correlation(&b, &c, 3).expect("bc"))
            / 3.0;
        assert_close!(mean_pairwise_correlation(&s, 3), want, ROUNDOFF);
        assert!(mean_pairwise_correlation(&s[..1], 3).is_nan());
    }

    /// By hand: S = [1, 2, 3], dof 100 each, r̄ = 0.1: factor √(0.9 / 1.2);
    /// Patell 6/√(3·100/98); BMP 2√3.
    #[test]
    fn adjusted_tests_by_hand() {
        let s = [1.0, 2.0, 3.0];
        let f = (0.9f64 / 1.2).sqrt();
        let z = patell_z_kolari_pynnonen(&s, &[100.0; 3], 0.1);
        assert_close!(
            z.statistic,
            6.0 / (300.0f64 / 98.0).sqrt() * f,
            ROUNDOFF.abs()
        );
        let t = bmp_kolari_pynnonen(&s, 0.1);
        assert_close!(t.statistic, 2.0 * 3f64.sqrt() * f, ROUNDOFF.abs());
        assert_eq!(t.distribution.to_string(), "t(2)");
        // r̄ = 0 leaves the tests unchanged; no pairs → NaN.
        let z0 = patell_z_kolari_pynnonen(&s, &[100.0; 3], 0.0);
        assert_close!(
            z0.statistic,
            patell_z(&s, &[100.0; 3]).statistic,
            EXACT.abs()
        );
        assert!(
            patell_z_kolari_pynnonen(&s[..1], &[100.0], f64::NAN)
                .statistic
                .is_nan()
        );
        assert!(bmp_kolari_pynnonen(&s, -0.6).statistic.is_nan());
    }
}
