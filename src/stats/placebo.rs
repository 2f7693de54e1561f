//! Placebo (permutation) test: the same statistic on pseudo-event windows drawn from the
//! estimation period.

use super::reference::{Reference, TestId};
use super::{TestStat, sample_sd};

/// The pseudo-event (C)AARs of every admissible placement of a window of `len` sessions
/// inside the estimation window: for placement p (grid positions p..p+len of the events'
/// estimation ARs, one grid of event time for all events, so events on one date keep their
/// common shocks), the mean over events of each event's sum of its ARs in those positions,
/// over the events with at least one AR there. Placements where no event has an AR are
/// left out. Order: by placement.
pub fn pseudo_window_means(est: &[&[f64]], len: usize) -> Vec<f64> {
    let width = est.iter().map(|s| s.len()).max().unwrap_or(0);
    if len == 0 || len > width {
        return Vec::new();
    }
    let places = width - len + 1;
    let (mut sum, mut cnt) = (vec![0.0; places], vec![0usize; places]);
    for s in est {
        // Prefix sums of the ARs and of their count.
        let mut ps = vec![0.0; s.len() + 1];
        let mut pc = vec![0usize; s.len() + 1];
        for (t, v) in s.iter().enumerate() {
            let ok = v.is_finite();
            ps[t + 1] = ps[t] + if ok { *v } else { 0.0 };
            pc[t + 1] = pc[t] + usize::from(ok);
        }
        for p in 0..places.min((s.len() + 1).saturating_sub(len)) {
            if pc[p + len] > pc[p] {
                sum[p] += ps[p + len] - ps[p];
                cnt[p] += 1;
            }
        }
    }
    sum.iter()
        .zip(&cnt)
        .filter(|(_, c)| **c > 0)
        .map(|(s, c)| s / *c as f64)
        .collect()
}

/// Placebo (permutation) test of a (C)AAR: the statistic is the (C)AAR itself, compared
/// with its own distribution at P pseudo-event windows placed at every admissible position
/// inside the estimation window ([`pseudo_window_means`]). Two-sided empirical p-value
/// p = (1 + #{|pseudo| ≥ |real|}) / (1 + P), in (0, 1]. The reported statistic is the
/// real (C)AAR divided by the sd of the pseudo (C)AARs (for one day this equals the crude
/// dependence adjustment's t; only the p-value's reference differs). Reference
/// `empirical(P)`. Undefined (NaN) when the real value is, or P = 0; the statistic also
/// for P < 2. `n`: the events behind the real value (reported only).
///
/// Caveat: estimation-window ARs are in-sample residuals, slightly less variable than
/// out-of-sample prediction errors, so the pseudo distribution is a little narrow.
///
/// # References
/// Brown, S. J., Warner, J. B. (1985). Using daily stock returns. Journal of Financial
/// Economics 14(1), 3-31 (pseudo-events from the estimation period). Good, P. (2005).
/// Permutation, Parametric, and Bootstrap Tests of Hypotheses, 3rd ed., Springer
/// (the (1 + #)/(1 + P) p-value).
pub fn placebo_permutation(real: f64, n: usize, pseudo: &[f64]) -> TestStat {
    let pseudo: Vec<f64> = pseudo.iter().copied().filter(|v| v.is_finite()).collect();
    let p = pseudo.len();
    let (stat, pv) = if !real.is_finite() || p == 0 || n == 0 {
        (f64::NAN, f64::NAN)
    } else {
        let extreme = pseudo.iter().filter(|v| v.abs() >= real.abs()).count();
        let sd = sample_sd(&pseudo);
        (
            if sd > 0.0 { real / sd } else { f64::NAN },
            (1 + extreme) as f64 / (1 + p) as f64,
        )
    };
    TestStat {
        test: TestId::Placebo,
        statistic: stat,
        p_value: pv,
        n,
        distribution: Reference::Empirical(p),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{EXACT, ROUNDOFF, assert_close};
    use proptest::prelude::*;

    /// By hand: A = [1, 2, NaN, 4], B = [0, NaN, NaN, 2], windows of 2:
    /// p = 0: A 1+2 = 3, B 0 → mean 1.5; p = 1: A 2, B none → 2; p = 2: A 4, B 2 → 3.
    #[test]
    fn pseudo_means_by_hand() {
        let a = [1.0, 2.0, f64::NAN, 4.0];
        let b = [0.0, f64::NAN, f64::NAN, 2.0];
        assert_eq!(pseudo_window_means(&[&a, &b], 2), vec![1.5, 2.0, 3.0]);
        assert_eq!(pseudo_window_means(&[&a, &b], 1), vec![0.5, 2.0, 3.0]);
        assert!(pseudo_window_means(&[&a, &b], 5).is_empty());
    }

    /// By hand: pseudo [1, −2, 3, −4], real 2.5: |pseudo| ≥ 2.5 for 3 and −4 → p = 3/5;
    /// statistic 2.5 / sd([1, −2, 3, −4]) (mean −0.5, Σd² = 2.25 + 2.25 + 12.25 + 12.25 = 29).
    #[test]
    fn placebo_by_hand() {
        let t = placebo_permutation(2.5, 4, &[1.0, -2.0, 3.0, -4.0]);
        assert_close!(t.p_value, 0.6, EXACT);
        assert_close!(t.statistic, 2.5 / (29.0f64 / 3.0).sqrt(), ROUNDOFF);
        assert_eq!(t.distribution.to_string(), "empirical(4)");
        assert!(placebo_permutation(1.0, 4, &[]).p_value.is_nan());
    }

    proptest! {
        /// The empirical p-value lies in (0, 1].
        #[test]
        fn p_in_unit_interval(real in -1.0f64..1.0, pseudo in proptest::collection::vec(-1.0f64..1.0, 1..300)) {
            let t = placebo_permutation(real, 3, &pseudo);
            prop_assert!(t.p_value > 0.0 && t.p_value <= 1.0);
        }
    }
}
