//! Kolari & Pynnönen (2011) generalized rank test (GRANK).

use super::bootstrap::ByPosition;
use super::corrado::{MAX_RANKED, NO_RANK, Twice};
use super::reference::TestId;
use super::{TestStat, average_ranks, sample_sd, t_test_df};

/// Ranks of one series among its own finite values (ties averaged), NaN elsewhere.
pub(crate) fn own_ranks(series: &[f64]) -> Vec<f64> {
    let idx: Vec<usize> = (0..series.len())
        .filter(|&t| series[t].is_finite())
        .collect();
    let vals: Vec<f64> = idx.iter().map(|&t| series[t]).collect();
    let mut out = vec![f64::NAN; series.len()];
    for (&t, r) in idx.iter().zip(average_ranks(&vals)) {
        out[t] = r;
    }
    out
}

/// [`own_ranks`] as twice each rank in a [`Twice`] (exact: ranks with ties averaged are
/// halves of integers; a quarter of an f64), [`NO_RANK`] where there is none. At most
/// [`MAX_RANKED`] values (every series the panel ranks).
pub(crate) fn doubled_own_ranks(series: &[f64]) -> Vec<Twice> {
    debug_assert!(series.len() <= MAX_RANKED, "{} values", series.len());
    own_ranks(series)
        .into_iter()
        .map(|q| {
            if q.is_finite() {
                (2.0 * q) as Twice
            } else {
                NO_RANK
            }
        })
        .collect()
}

/// Kolari & Pynnönen (2011) generalized rank test (GRANK-T).
///
/// `est_sar[i]`: event i's standardized estimation-window abnormal returns AR_it / (s_i √d)
/// on one grid of event time (NaN where none); `event_std[i]`: its standardized AR of the
/// tested day, or standardized CAR of the tested window, SCAR_i = CAR_i / √Var(CAR_i).
/// The event observation is re-standardized for event-induced volatility,
/// SCAR*_i = SCAR_i / S_SCAR (S_SCAR the cross-sectional sd), and the window is compressed
/// into this one observation (day 0). The generalized standardized ARs GSAR_it are the
/// estimation SARs and SCAR*_i; U_it = K_it / (T_i + 1) − 1/2 with K_it their ranks
/// (ties averaged) among the event's own T_i observations. With Ū_t the mean of U_it over
/// the N_t events with an observation on day t,
///
/// S_Ū = √((1/T) Σ_t (N_t / N) Ū_t²),  Z = Ū_0 / S_Ū,  t_grank = Z √((T − 2)/(T − 1 − Z²)),
///
/// T the number of days with an observation (estimation days plus day 0); t(T − 2).
/// Undefined (NaN) for N < 2 or S_SCAR = 0.
///
/// Checked step by step against Kolari & Pynnönen (2011, section 2): the estimation
/// observations are the SARs AR/(s√d) (their S_i is the estimation residual sd); the event
/// observation is the SCAR with the prediction-error variance, re-standardized by its
/// cross-sectional sd; the rank sample of event i is its own T_i values (estimation SARs
/// plus SCAR*), ranked together with ties averaged; U = K/(T_i + 1) − 1/2; S_Ū weights each
/// day by N_t/N; the t transform with T − 2 degrees of freedom. On long windows the test
/// over-rejects on real daily returns (9.4 % at 5 % on [−10, +10] in the US simulation):
/// a property of the test, not of this code. The window's SCAR* is a sum of L returns and
/// close to normal, while the daily SARs it is ranked among are fat-tailed with the same unit
/// variance; a normal value ranks more extremely among fat-tailed values than among its own
/// kind (with t(3)-shaped daily SARs, Var(U_0) is 1.34 × 1/12; t(4): 1.20), so Ū_0 varies more than the
/// S_Ū estimated from the estimation days, and the size grows with L. The test
/// `grank_long_windows_drift_under_fat_tails` reproduces it: normal daily returns keep the
/// size at 5 % on a 21-day window, t(3) returns do not (with t(3) returns one day also
/// over-rejects, 7 %, so the re-standardization of fat-tailed SCARs adds to it).
///
/// # References
/// Kolari, J. W., Pynnönen, S. (2011). Nonparametric rank tests for event studies.
/// Journal of Empirical Finance 18(5), 953-971.
pub fn grank_kolari_pynnonen(est_sar: &[&[f64]], event_std: &[f64]) -> TestStat {
    let ranks: Vec<Vec<f64>> = est_sar.iter().map(|s| own_ranks(s)).collect();
    let r: Vec<&[f64]> = ranks.iter().map(|v| v.as_slice()).collect();
    grank_with_ranks(est_sar, &r, event_std)
}

/// [`grank_kolari_pynnonen`] with each event's estimation ranks ([`own_ranks`]) given, so
/// that a battery over many days and windows ranks each estimation window once: adding the
/// event observation g to an event's sample raises the rank of every estimation value above
/// g by 1 (by 1/2 if equal), and g's rank is 1 + #(x < g) + #(x = g)/2.
pub(crate) fn grank_with_ranks(
    est_sar: &[&[f64]],
    est_ranks: &[&[f64]],
    event_std: &[f64],
) -> TestStat {
    let n = event_std.len();
    let nan = t_test_df(TestId::Grank, f64::NAN, n, 0);
    let sd = sample_sd(event_std);
    if n < 2 || sd.is_nan() || sd <= 0.0 || est_sar.len() != n || est_ranks.len() != n {
        return nan;
    }
    let len = est_sar.iter().map(|s| s.len()).max().unwrap_or(0);
    let (mut sum, mut cnt) = (vec![0.0; len], vec![0usize; len]);
    let mut sum0 = 0.0;
    for i in 0..n {
        let g = event_std[i] / sd;
        if !g.is_finite() {
            return nan;
        }
        let xs = est_sar[i];
        let t_i = xs.iter().filter(|x| x.is_finite()).count() + 1;
        let denom = t_i as f64 + 1.0;
        let (mut below, mut equal) = (0usize, 0usize);
        for (t, x) in xs.iter().enumerate() {
            if !x.is_finite() {
                continue;
            }
            let shift = if *x > g {
                1.0
            } else if *x == g {
                equal += 1;
                0.5
            } else {
                below += 1;
                0.0
            };
            sum[t] += (est_ranks[i][t] + shift) / denom - 0.5;
            cnt[t] += 1;
        }
        sum0 += (1.0 + below as f64 + 0.5 * equal as f64) / denom - 0.5;
    }
    finish(n, sum0, &sum, &cnt)
}

/// Members per block of [`grank_by_position`].
const GRANK_BLOCK: usize = 4096;

/// [`grank_with_ranks`] on the panel's SARs and their ranks by position (row t, column i:
/// event i at position t, NaN where none), for the events `members` (`event_std` in their
/// order), `finite[i]` the number of finite SARs of event i and `width` the longest of the
/// members' windows. The same sums in the same order (each position's sum over events in
/// their order; day 0's sum over events in their order), so the same bits, reading the
/// rows in memory order a block of members at a time ([`GRANK_BLOCK`]).
pub(crate) fn grank_by_position(
    sar: ByPosition<'_>,
    ranks: ByPosition<'_, Twice>,
    finite: &[usize],
    members: &[usize],
    width: usize,
    event_std: &[f64],
) -> TestStat {
    grank_in_blocks(sar, ranks, finite, members, width, event_std, GRANK_BLOCK)
}

/// [`grank_by_position`] a `block` of members at a time.
fn grank_in_blocks(
    sar: ByPosition<'_>,
    ranks: ByPosition<'_, Twice>,
    finite: &[usize],
    members: &[usize],
    width: usize,
    event_std: &[f64],
    block: usize,
) -> TestStat {
    let n = event_std.len();
    let nan = t_test_df(TestId::Grank, f64::NAN, n, 0);
    let sd = sample_sd(event_std);
    if n < 2 || sd.is_nan() || sd <= 0.0 || members.len() != n || block == 0 {
        return nan;
    }
    let g: Vec<f64> = event_std.iter().map(|v| v / sd).collect();
    if g.iter().any(|g| !g.is_finite()) {
        return nan;
    }
    let denom: Vec<f64> = members
        .iter()
        .map(|&i| (finite[i] + 1) as f64 + 1.0)
        .collect();
    let (mut below, mut equal) = (vec![0usize; n], vec![0usize; n]);
    let (mut sum, mut cnt) = (vec![0.0; width], vec![0usize; width]);
    // A block of members at a time over every position, so that the block's state (g,
    // denominators, counts: 32 bytes a member) stays in cache while the rows stream past;
    // each position's sum still runs over the events in their order, block after block.
    for first in (0..n).step_by(block) {
        let block = first..(first + block).min(n);
        for t in 0..width {
            let (xs, rs) = (sar.row(t), ranks.row(t));
            let (mut st, mut ct) = (sum[t], cnt[t]);
            for j in block.clone() {
                let i = members[j];
                let x = xs[i];
                if !x.is_finite() {
                    continue;
                }
                // Without branches (x against g is a coin flip): shift 1, 1/2 or 0, exactly.
                let (above, same) = (x > g[j], x == g[j]);
                let shift = f64::from(u8::from(above)) + 0.5 * f64::from(u8::from(same));
                equal[j] += usize::from(same);
                below[j] += usize::from(!above && !same);
                // The rank from its double (exact: ranks are halves of integers).
                st += (f64::from(rs[i]) * 0.5 + shift) / denom[j] - 0.5;
                ct += 1;
            }
            sum[t] = st;
            cnt[t] = ct;
        }
    }
    let mut sum0 = 0.0;
    for j in 0..n {
        sum0 += (1.0 + below[j] as f64 + 0.5 * equal[j] as f64) / denom[j] - 0.5;
    }
    finish(n, sum0, &sum, &cnt)
}

/// Ū_0, S_Ū, Z and the t of GRANK from day 0's sum of U over the N events and each
/// estimation position's sum and count.
fn finish(n: usize, sum0: f64, sum: &[f64], cnt: &[usize]) -> TestStat {
    let nf = n as f64;
    let u0 = sum0 / nf;
    let mut ss = u0 * u0; // day 0: N_0 = N
    let mut days = 1usize;
    for (s, &c) in sum.iter().zip(cnt) {
        if c > 0 {
            let u = s / c as f64;
            ss += c as f64 / nf * u * u;
            days += 1;
        }
    }
    let t_days = days as f64;
    let s_u = (ss / t_days).sqrt();
    let z = u0 / s_u;
    let den = t_days - 1.0 - z * z;
    let stat = if days > 2 && den > 0.0 && s_u > 0.0 {
        z * ((t_days - 2.0) / den).sqrt()
    } else {
        f64::NAN
    };
    t_test_df(TestId::Grank, stat, n, days.saturating_sub(2))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The longest series the panel ranks (estimation and event windows at the window
    /// bound) keeps every doubled rank exact in a `Twice`, none taken for `NO_RANK`.
    #[test]
    fn doubled_ranks_of_the_longest_series_are_exact() {
        let mut g = crate::synth::Rng::new(5, 5);
        let mut x: Vec<f64> = (0..MAX_RANKED).map(|_| g.normal()).collect();
        x[7] = x[3]; // a tie: a half rank
        x[11] = f64::NAN;
        let twice = doubled_own_ranks(&x);
        let plain = own_ranks(&x);
        assert_eq!(twice.iter().filter(|&&k| k == NO_RANK).count(), 1);
        assert_eq!(twice[11], NO_RANK);
        for (t, q) in twice.iter().zip(&plain) {
            if q.is_finite() {
                assert_eq!(f64::from(*t) * 0.5, *q);
            }
        }
        assert_eq!(
            twice.iter().filter(|&&k| k != NO_RANK).max(),
            Some(&(2 * (MAX_RANKED as Twice - 1)))
        );
    }
    /// The by-position pass gives the per-event function's bits whatever the block of
    /// members it runs over (one, a few, a block boundary inside the members, all of them),
    /// with gaps, unequal window lengths and a member subset out of order.
    #[test]
    fn by_position_blocks_give_the_same_bits() {
        let mut g = crate::synth::Rng::new(9, 3);
        let (n, width) = (37usize, 60usize);
        let rows: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                let len = if i % 5 == 3 { 41 } else { width };
                (0..len)
                    .map(|t| {
                        if (t + i) % 11 == 4 {
                            f64::NAN
                        } else {
                            g.normal()
                        }
                    })
                    .collect()
            })
            .collect();
        let mut sar = vec![f64::NAN; width * n];
        let mut ranks = vec![NO_RANK; width * n];
        for (i, r) in rows.iter().enumerate() {
            for (t, (v, q)) in r.iter().zip(doubled_own_ranks(r)).enumerate() {
                sar[t * n + i] = *v;
                ranks[t * n + i] = q;
            }
        }
        let finite: Vec<usize> = rows
            .iter()
            .map(|r| r.iter().filter(|v| v.is_finite()).count())
            .collect();
        let members: Vec<usize> = (0..n).filter(|i| i % 4 != 2).rev().collect();
        let std: Vec<f64> = members.iter().map(|_| 0.4 + g.normal()).collect();
        let refs: Vec<&[f64]> = members.iter().map(|&i| rows[i].as_slice()).collect();
        let want = grank_kolari_pynnonen(&refs, &std);
        assert!(want.statistic.is_finite());
        for block in [1, 3, 7, 16, members.len(), GRANK_BLOCK] {
            let got = grank_in_blocks(
                ByPosition {
                    data: &sar,
                    stride: n,
                },
                ByPosition {
                    data: &ranks,
                    stride: n,
                },
                &finite,
                &members,
                width,
                &std,
                block,
            );
            assert_eq!(
                got.statistic.to_bits(),
                want.statistic.to_bits(),
                "block {block}"
            );
            assert_eq!(
                got.p_value.to_bits(),
                want.p_value.to_bits(),
                "block {block}"
            );
        }
    }

    use crate::testutil::{EXACT, ROUNDOFF, assert_close, prop_assert_close};
    use proptest::prelude::*;

    /// A plain second implementation, straight from the paper's steps: build each event's
    /// GSAR vector (estimation SARs, then SCAR*), rank it as a whole with ties averaged,
    /// U = K/(T_i + 1) − 1/2, then Ū_t, S_Ū, Z and t by explicit loops.
    fn grank_reference(est: &[Vec<f64>], scar: &[f64]) -> (f64, usize) {
        let n = scar.len();
        let m = scar.iter().sum::<f64>() / n as f64;
        let sd = (scar.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / (n as f64 - 1.0)).sqrt();
        let len = est[0].len();
        let mut u = vec![vec![f64::NAN; len + 1]; n];
        for i in 0..n {
            let mut g: Vec<f64> = est[i].clone();
            g.push(scar[i] / sd);
            let idx: Vec<usize> = (0..=len).filter(|&t| g[t].is_finite()).collect();
            let ti = idx.len() as f64;
            for &t in &idx {
                let (mut lt, mut eq) = (0.0, 0.0);
                for &s in &idx {
                    if g[s] < g[t] {
                        lt += 1.0;
                    } else if g[s] == g[t] {
                        eq += 1.0;
                    }
                }
                let k = lt + (eq + 1.0) / 2.0;
                u[i][t] = k / (ti + 1.0) - 0.5;
            }
        }
        let (mut ss, mut days) = (0.0, 0usize);
        let mut u0 = 0.0;
        for t in 0..=len {
            let vals: Vec<f64> = u.iter().map(|ui| ui[t]).filter(|v| v.is_finite()).collect();
            if vals.is_empty() {
                continue;
            }
            let ub = vals.iter().sum::<f64>() / vals.len() as f64;
            ss += vals.len() as f64 / n as f64 * ub * ub;
            days += 1;
            if t == len {
                u0 = ub;
            }
        }
        let td = days as f64;
        let z = u0 / (ss / td).sqrt();
        (z * ((td - 2.0) / (td - 1.0 - z * z)).sqrt(), days)
    }

    /// By hand on a tiny case: two events, estimation SARs A = [−1, 1], B = [0.5, NaN];
    /// SCAR = [2, 0] → sd √2, SCAR* = [√2, 0]. A: {−1, 1, √2} ranks 1, 2, 3, T_A = 3 →
    /// U = 1/4 − 1/2, 2/4 − 1/2, 3/4 − 1/2 = −1/4, 0, 1/4. B: {0.5, 0} ranks 2, 1, T_B = 2 →
    /// U = 2/3 − 1/2 = 1/6, 1/3 − 1/2 = −1/6. Ū = (−1/4 + 1/6)/2 = −1/24, 0 (A only),
    /// Ū_0 = (1/4 − 1/6)/2 = 1/24. S² = (1/3)(1·(1/24)² + (1/2)·0 + 1·(1/24)²) = 2/(3·576).
    /// Z = (1/24)/√(2/1728) = √(1728/2)/24 = √864/24; T = 3: t = Z √(1/(2 − Z²)).
    #[test]
    fn grank_by_hand() {
        let a = [-1.0, 1.0];
        let b = [0.5, f64::NAN];
        let g = grank_kolari_pynnonen(&[&a, &b], &[2.0, 0.0]);
        let z = 864f64.sqrt() / 24.0;
        assert_close!(z * z, 1.5, ROUNDOFF.abs());
        let want = z * (1.0 / (2.0 - z * z)).sqrt();
        assert_close!(g.statistic, want, ROUNDOFF.abs());
        assert_eq!((g.n, g.distribution.to_string().as_str()), (2, "t(1)"));
        assert!(grank_kolari_pynnonen(&[&a], &[1.0]).statistic.is_nan());
    }

    /// Student's t(3) scaled to unit variance, from normals (Z / √(χ²₃/3) · √(1/3)).
    fn t3(g: &mut crate::synth::Rng) -> f64 {
        let z = g.normal();
        let c: f64 = (0..3).map(|_| g.normal().powi(2)).sum();
        z / (c / 3.0).sqrt() / 3f64.sqrt()
    }

    /// The drift of GRANK on long windows comes with fat tails, not from this code: 20
    /// events, 250 estimation SARs each, a 21-day window's SCAR = the standardized sum of 21
    /// daily returns; 2,000 experiments per case. With normal daily returns the 5 % rejection
    /// rate is inside the 99 % interval around 5 % (3.7–6.3 % for 2,000); with t(3) daily
    /// returns (the same unit variance, fat tails like daily stock returns) it is well above
    /// it. (With t(3) returns the one-day rate is also above 5 %, 7.0 % here: the
    /// re-standardization by the cross-sectional sd of fat-tailed SCARs plays a part too.)
    #[test]
    fn grank_long_windows_drift_under_fat_tails() {
        let rate = |fat: bool, len: usize| -> f64 {
            let mut g = crate::synth::Rng::new(if fat { 5 } else { 6 }, len as u64);
            let mut rejections = 0;
            for _ in 0..2000 {
                let draw = |g: &mut crate::synth::Rng| if fat { t3(g) } else { g.normal() };
                let est: Vec<Vec<f64>> = (0..20)
                    .map(|_| (0..250).map(|_| draw(&mut g)).collect())
                    .collect();
                let scar: Vec<f64> = (0..20)
                    .map(|_| (0..len).map(|_| draw(&mut g)).sum::<f64>() / (len as f64).sqrt())
                    .collect();
                let r: Vec<&[f64]> = est.iter().map(|s| s.as_slice()).collect();
                rejections += usize::from(grank_kolari_pynnonen(&r, &scar).p_value < 0.05);
            }
            rejections as f64 / 2000.0
        };
        let (normal21, fat21) = (rate(false, 21), rate(true, 21));
        assert!(
            (0.037..=0.063).contains(&normal21),
            "normal, 21 days: {normal21}"
        );
        assert!(fat21 > 0.07, "t(3), 21 days: {fat21}");
    }

    proptest! {
        /// Against the plain implementation, with missing values and ties (values on a
        /// coarse grid so that ties occur).
        #[test]
        fn matches_reference(
            est in proptest::collection::vec(proptest::collection::vec(-20i32..20, 30), 2..8),
            scar in proptest::collection::vec(-30i32..30, 8),
            holes in proptest::collection::vec(0usize..30, 5),
        ) {
            let n = est.len();
            let est: Vec<Vec<f64>> = est
                .iter()
                .enumerate()
                .map(|(i, s)| s.iter().enumerate().map(|(t, v)| {
                    if holes.contains(&t) && i % 2 == 0 { f64::NAN } else { f64::from(*v) / 10.0 }
                }).collect())
                .collect();
            let scar: Vec<f64> = scar[..n].iter().map(|v| f64::from(*v) / 7.0).collect();
            prop_assume!(crate::stats::sample_sd(&scar) > 0.0);
            let r: Vec<&[f64]> = est.iter().map(|s| s.as_slice()).collect();
            let g = grank_kolari_pynnonen(&r, &scar);
            let (want, days) = grank_reference(&est, &scar);
            prop_assert_close!(g.statistic, want, ROUNDOFF);
            prop_assert_eq!(g.distribution.to_string(), format!("t({})", days - 2));
        }

        /// Scaling every event's SCAR by one positive constant leaves the test unchanged
        /// (the re-standardization by the cross-sectional sd removes it).
        #[test]
        fn invariant_to_scaling_the_event_observations(
            est in proptest::collection::vec(proptest::collection::vec(-3.0f64..3.0, 25), 2..6),
            scar in proptest::collection::vec(-3.0f64..3.0, 6),
            c in 0.1f64..10.0,
        ) {
            let n = est.len();
            let scar = &scar[..n];
            let r: Vec<&[f64]> = est.iter().map(|s| s.as_slice()).collect();
            let sc: Vec<f64> = scar.iter().map(|v| v * c).collect();
            let (a, b) = (grank_kolari_pynnonen(&r, scar), grank_kolari_pynnonen(&r, &sc));
            prop_assert_close!(b.statistic, a.statistic, EXACT.nan_eq());
        }
    }
}
