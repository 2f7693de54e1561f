//! Corrado (1989) rank test, with standardized ranks for missing returns (Corrado & Zivney
//! 1992; Campbell & Wasley 1993) and its multi-day form (Cowan 1992).

use super::grank::doubled_own_ranks;
use super::reference::TestId;
use super::{TestStat, average_ranks, normal_test};

/// Standardized ranks U_it = K_it / (1 + T_i) of one event's abnormal returns over the
/// combined estimation and event windows (Corrado & Zivney 1992): K_it the rank of AR_it
/// among the event's T_i available ARs (ties share their average rank), NaN where there is
/// no AR. Under the null U_it is uniform on (0, 1) with mean 1/2 whatever T_i.
pub fn standardized_ranks(series: &[f64]) -> Vec<f64> {
    let idx: Vec<usize> = (0..series.len())
        .filter(|&t| series[t].is_finite())
        .collect();
    let vals: Vec<f64> = idx.iter().map(|&t| series[t]).collect();
    let ranks = average_ranks(&vals);
    let denom = 1.0 + vals.len() as f64;
    let mut u = vec![f64::NAN; series.len()];
    for (&t, r) in idx.iter().zip(ranks) {
        u[t] = r / denom;
    }
    u
}

/// One event's standardized ranks U_t by grid position, as the rank test reads them: a
/// slice of [`standardized_ranks`], or [`DoubledRanks`] (NaN where there is no rank).
pub trait RankRow {
    fn len(&self) -> usize;
    fn u(&self, t: usize) -> f64;
}

impl RankRow for &[f64] {
    fn len(&self) -> usize {
        <[f64]>::len(self)
    }
    #[inline]
    fn u(&self, t: usize) -> f64 {
        self[t]
    }
}

/// [`standardized_ranks`] held as twice each rank (ranks with ties averaged are halves of
/// integers, so the double is exact; [`NO_RANK`] where there is no return) and the event's
/// 1 + T: U_t = (twice_t / 2) / (1 + T), the same division as [`standardized_ranks`] and so
/// the same bits, in a quarter of the memory.
#[derive(Debug, Clone)]
pub struct DoubledRanks {
    pub twice: Vec<Twice>,
    pub denom: f64,
}

/// Twice a rank ([`DoubledRanks`], the panel's GRANK ranks): at most twice the series'
/// length, and a ranked series is at most an estimation and an event window, which lie
/// within ±`window::MAX_BOUND` sessions of day 0 and do not overlap, so that 16
/// bits hold every double (half the memory of 32: 100 MB at 100,000 events).
pub type Twice = u16;

/// The longest series [`crate::stats::grank::doubled_own_ranks`] ranks: 2 ×
/// `window::MAX_BOUND` + 1 sessions (`max_ranked_covers_the_window_bound`).
pub const MAX_RANKED: usize = 20_001;

const _: () = assert!(
    2 * MAX_RANKED < Twice::MAX as usize,
    "doubled ranks fit in Twice"
);

/// A position without a rank in [`DoubledRanks`].
pub const NO_RANK: Twice = Twice::MAX;

impl DoubledRanks {
    /// The ranks of `series` (see [`standardized_ranks`]).
    pub fn of(series: &[f64]) -> DoubledRanks {
        let twice = doubled_own_ranks(series);
        let ranked = twice.iter().filter(|&&k| k != NO_RANK).count();
        DoubledRanks {
            twice,
            denom: 1.0 + ranked as f64,
        }
    }
}

impl RankRow for &DoubledRanks {
    fn len(&self) -> usize {
        self.twice.len()
    }
    #[inline]
    fn u(&self, t: usize) -> f64 {
        match self.twice[t] {
            NO_RANK => f64::NAN,
            k => f64::from(k) * 0.5 / self.denom,
        }
    }
}

/// U_t − ½ of one event's ranks, and whether it has a rank on day t: its term of the day
/// sums.
#[inline]
pub(crate) fn centred_rank<R: RankRow>(r: &R, t: usize) -> (f64, bool) {
    let u = r.u(t);
    (u - 0.5, u.is_finite())
}

/// The day sums of the rank test: d_t = Σ_i (U_it − ½) / √k_t over the k_t events ranked
/// on day t (NaN on a day no event is ranked), and S_U = √(mean of d_t² over the days with
/// a sum), their time-series standard deviation. They depend on the events alone, not on
/// the days tested: a panel computes them once per set of events ([`DaySums`]).
pub(crate) fn day_sums<R: RankRow>(ranks: &[R]) -> DaySums {
    let len = ranks.iter().map(|r| r.len()).max().unwrap_or(0);
    // Event by event (each row read once, in order), each day's sum in event order: the
    // same additions as day by day over the events, without a strided pass per day.
    let (mut s, mut k) = (vec![0.0; len], vec![0usize; len]);
    for r in ranks {
        for (t, (s, k)) in s.iter_mut().zip(k.iter_mut()).take(r.len()).enumerate() {
            let (v, ok) = centred_rank(r, t);
            if ok {
                *s += v;
                *k += 1;
            }
        }
    }
    DaySums::of_sums(&s, &k)
}

impl DaySums {
    /// From each day's sum of U − ½ and its count of ranked events.
    pub(crate) fn of_sums(s: &[f64], k: &[usize]) -> DaySums {
        let d: Vec<f64> = s
            .iter()
            .zip(k)
            .map(|(s, k)| {
                if *k > 0 {
                    s / (*k as f64).sqrt()
                } else {
                    f64::NAN
                }
            })
            .collect();
        let avail: Vec<f64> = d.iter().copied().filter(|v| v.is_finite()).collect();
        let s_u = (avail.iter().map(|v| v * v).sum::<f64>() / avail.len() as f64).sqrt();
        DaySums { d, s_u }
    }
}

/// The rank test's day sums d_t and their standard deviation S_U ([`day_sums`]).
#[derive(Debug, Clone)]
pub(crate) struct DaySums {
    pub d: Vec<f64>,
    pub s_u: f64,
}

/// Corrado (1989) rank test on standardized ranks (Corrado & Zivney 1992), with the
/// Campbell & Wasley (1993) scaling for a varying number of returns per day, and for a
/// window of several days the multi-day form of Cowan (1992).
///
/// `ranks[i]` holds event i's standardized ranks ([`standardized_ranks`]) over the combined
/// estimation and event windows, all events on one grid of event time; `days` are the grid
/// positions of the tested day (one) or window. With N_t the events with a rank on day t,
///
/// D_t = Σ_i (U_it − 1/2) / √N_t,  S_U = √((1/T) Σ_t D_t²) over the T days with N_t > 0,
///
/// the statistic is Σ_{t ∈ days} D_t / (√L S_U), L the tested days with N_t > 0; N(0,1).
/// With no missing returns and one day this is Corrado's (Ū_0 − 1/2) / S(Ū) and for a
/// window Cowan's √L (Ū_w − 1/2) / S(Ū). S_U comes from the time series of the mean ranks,
/// so the test keeps the cross-correlation of events on one date. Undefined (NaN) when no
/// tested day has a rank or S_U = 0.
///
/// # References
/// Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in
/// event studies. Journal of Financial Economics 23(2), 385-395. Corrado, C. J., Zivney,
/// T. L. (1992). The specification and power of the sign test in event study hypothesis
/// tests using daily stock returns. Journal of Financial and Quantitative Analysis 27(3),
/// 465-478. Campbell, C. J., Wasley, C. E. (1993). Measuring security price performance
/// using daily NASDAQ returns. Journal of Financial Economics 33(1), 73-92. Cowan, A. R.
/// (1992). Nonparametric event study tests. Review of Quantitative Finance and Accounting
/// 2(4), 343-358.
pub fn corrado_rank<R: RankRow>(ranks: &[R], days: &[usize]) -> TestStat {
    corrado_rank_with(&day_sums(ranks), ranks.len(), days)
}

/// [`corrado_rank`] of N events from their day sums.
pub(crate) fn corrado_rank_with(sums: &DaySums, n: usize, days: &[usize]) -> TestStat {
    let (d, s_u) = (&sums.d, sums.s_u);
    let tested: Vec<f64> = days
        .iter()
        .filter_map(|&t| d.get(t).copied())
        .filter(|v| v.is_finite())
        .collect();
    let stat = if tested.is_empty() || s_u.is_nan() || s_u <= 0.0 {
        f64::NAN
    } else {
        tested.iter().sum::<f64>() / ((tested.len() as f64).sqrt() * s_u)
    };
    normal_test(TestId::CorradoRank, stat, n)
}

/// Corrado's rank test when each event's window falls on its own days (a window in traded
/// sessions after halts): with d_t the day-t cross-sectional sum of (U_it − ½) over the k_t
/// events ranked that day, scaled by 1/√k_t, and S_U its time-series standard deviation (as
/// in [`corrado_rank`]), the statistic is Σ_i Σ_{t ∈ D_i} (U_it − ½) / (S_U √(Σ_i |D_i|)),
/// which equals the multi-day form of [`corrado_rank`] when every event has the same days
/// and every event is ranked on each of them.
pub fn corrado_rank_by_event<R: RankRow>(ranks: &[R], days: &[Vec<usize>]) -> TestStat {
    corrado_rank_by_event_with(&day_sums(ranks), ranks, days)
}

/// [`corrado_rank_by_event`] with the events' day sums given.
pub(crate) fn corrado_rank_by_event_with<R: RankRow>(
    sums: &DaySums,
    ranks: &[R],
    days: &[Vec<usize>],
) -> TestStat {
    let n = ranks.len();
    let s_u = sums.s_u;
    let (mut sum, mut count) = (0.0, 0usize);
    for (r, ds) in ranks.iter().zip(days) {
        for &t in ds {
            if let Some(u) = (t < r.len()).then(|| r.u(t)).filter(|u| u.is_finite()) {
                sum += u - 0.5;
                count += 1;
            }
        }
    }
    let stat = if count == 0 || s_u.is_nan() || s_u <= 0.0 {
        f64::NAN
    } else {
        sum / ((count as f64).sqrt() * s_u)
    };
    normal_test(TestId::CorradoRank, stat, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every series the panel ranks (an estimation and an event window, which do not
    /// overlap, within the window bound of day 0) is at most `MAX_RANKED` long.
    #[test]
    fn max_ranked_covers_the_window_bound() {
        assert!(MAX_RANKED > 2 * crate::window::MAX_BOUND as usize);
    }
    use crate::testutil::{ROUNDOFF, assert_close};
    use proptest::prelude::*;

    /// Ranks held doubled give every U of `standardized_ranks` bit for bit (ties, missing
    /// returns, rows of different lengths), and so the same statistics.
    #[test]
    fn doubled_ranks_are_the_standardized_ranks() {
        let mut g = crate::synth::Rng::new(8, 3);
        let rows: Vec<Vec<f64>> = (0..30)
            .map(|i| {
                (0..260 - i % 4)
                    .map(|t| match g.below(10) {
                        0 => f64::NAN,
                        1 => 0.01 * (t % 3) as f64, // ties
                        _ => 0.01 * g.normal(),
                    })
                    .collect()
            })
            .collect();
        let plain: Vec<Vec<f64>> = rows.iter().map(|r| standardized_ranks(r)).collect();
        let doubled: Vec<DoubledRanks> = rows.iter().map(|r| DoubledRanks::of(r)).collect();
        for (p, d) in plain.iter().zip(&doubled) {
            assert_eq!(RankRow::len(&d), p.len());
            assert!(p.iter().any(|u| u.is_nan()) && p.iter().any(|u| u.fract() != 0.0));
            for (t, u) in p.iter().enumerate() {
                assert_eq!((&d).u(t).to_bits(), u.to_bits(), "t = {t}");
            }
        }
        let p: Vec<&[f64]> = plain.iter().map(|v| v.as_slice()).collect();
        let d: Vec<&DoubledRanks> = doubled.iter().collect();
        let days = [250, 251, 252];
        let (a, b) = (corrado_rank(&p, &days), corrado_rank(&d, &days));
        assert!(a.statistic.is_finite());
        assert_eq!(a.statistic.to_bits(), b.statistic.to_bits());
        let per: Vec<Vec<usize>> = (0..30).map(|i| vec![250 + i % 3, 253]).collect();
        let (a, b) = (
            corrado_rank_by_event(&p, &per),
            corrado_rank_by_event(&d, &per),
        );
        assert!(a.statistic.is_finite());
        assert_eq!(a.statistic.to_bits(), b.statistic.to_bits());
    }

    /// By hand, two events on a grid of 5 days (day 4 is the event day):
    /// A = [0.3, −0.1, 0.2, 0.0, 0.5] → ranks 4,1,3,2,5 → U = /6;
    /// B = [0.1, NaN, −0.2, 0.4, 0.3] → ranks 2,–,1,4,3 → U = /5.
    /// D_t = Σ (U − 1/2)/√N_t with N_t = 2 except on day 1 (N_1 = 1), written out below;
    /// S_U = √(Σ D_t² / 5).
    #[test]
    fn corrado_by_hand() {
        let a = standardized_ranks(&[0.3, -0.1, 0.2, 0.0, 0.5]);
        let b = standardized_ranks(&[0.1, f64::NAN, -0.2, 0.4, 0.3]);
        assert_eq!(
            a,
            vec![4.0 / 6.0, 1.0 / 6.0, 3.0 / 6.0, 2.0 / 6.0, 5.0 / 6.0]
        );
        assert!(b[1].is_nan());
        let ua = [4.0 / 6.0, 1.0 / 6.0, 3.0 / 6.0, 2.0 / 6.0, 5.0 / 6.0];
        let ub = [2.0 / 5.0, f64::NAN, 1.0 / 5.0, 4.0 / 5.0, 3.0 / 5.0];
        let d: Vec<f64> = (0..5)
            .map(|t| {
                if t == 1 {
                    ua[1] - 0.5
                } else {
                    (ua[t] - 0.5 + ub[t] - 0.5) / 2f64.sqrt()
                }
            })
            .collect();
        let s = (d.iter().map(|v| v * v).sum::<f64>() / 5.0).sqrt();
        let day = corrado_rank(&[&a[..], &b[..]], &[4]);
        assert_close!(day.statistic, d[4] / s, ROUNDOFF.abs());
        let win = corrado_rank(&[&a[..], &b[..]], &[3, 4]);
        assert_close!(
            win.statistic,
            (d[3] + d[4]) / (2f64.sqrt() * s),
            ROUNDOFF.abs()
        );
        assert_eq!(
            (win.n, win.distribution.to_string().as_str()),
            (2, "N(0,1)")
        );
        assert!(corrado_rank::<&[f64]>(&[], &[0]).statistic.is_nan());
    }

    proptest! {
        /// Invariant to a strictly increasing transform of each event's ARs.
        #[test]
        fn invariant_to_monotone_transform(
            x in proptest::collection::vec(proptest::collection::vec(-0.1f64..0.1, 40), 1..6),
            day in 0usize..40,
        ) {
            let u: Vec<Vec<f64>> = x.iter().map(|s| standardized_ranks(s)).collect();
            let v: Vec<Vec<f64>> = x
                .iter()
                .map(|s| standardized_ranks(&s.iter().map(|a| (a * 7.0).exp() - 3.0).collect::<Vec<_>>()))
                .collect();
            let ur: Vec<&[f64]> = u.iter().map(|s| s.as_slice()).collect();
            let vr: Vec<&[f64]> = v.iter().map(|s| s.as_slice()).collect();
            let (a, b) = (corrado_rank(&ur, &[day]), corrado_rank(&vr, &[day]));
            prop_assert!(a.statistic == b.statistic || (a.statistic.is_nan() && b.statistic.is_nan()));
        }
    }

    /// With the same days for every event (all ranked), the per-event form equals the
    /// multi-day form.
    #[test]
    fn per_event_days_reduce_to_the_multi_day_form() {
        let a: Vec<f64> = (0..30)
            .map(|i| ((i * 7) % 30) as f64 / 31.0 + 0.01)
            .collect();
        let b: Vec<f64> = (0..30)
            .map(|i| ((i * 11 + 3) % 30) as f64 / 31.0 + 0.01)
            .collect();
        let ranks: Vec<&[f64]> = vec![&a, &b];
        let days = vec![25, 26, 27];
        let multi = corrado_rank(&ranks, &days);
        let each = corrado_rank_by_event(&ranks, &[days.clone(), days.clone()]);
        assert!((multi.statistic - each.statistic).abs() <= 1e-12 * multi.statistic.abs().max(1.0));
        let shifted = corrado_rank_by_event(&ranks, &[vec![25, 26, 27], vec![26, 27, 28]]);
        assert!(shifted.statistic.is_finite() && shifted.statistic != multi.statistic);
    }
}
