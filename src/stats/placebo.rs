//! Placebo (permutation) test: the same statistic on pseudo-event windows drawn from the
//! estimation period, each pseudo-window's abnormal returns the out-of-sample prediction
//! errors of a model fitted without it.

use nalgebra::{DMatrix, DVector, SMatrix, SVector};

use rayon::prelude::*;

use super::bootstrap::{Resampling, Salt, add_finite, as_extreme};
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

/// One event's out-of-sample pseudo CARs: for each placement p of a window of `len`
/// positions inside the estimation window (p = 0..E − len), the sum of the prediction errors
/// of the estimation returns observed at positions p..p+len had the model been fitted
/// without them. By the block-deletion identity (Woodbury), with the span-weighted moments
/// X'X = Σ x x'/d of the whole fit and A_p = Σ_{o∈p} x_o x_o'/d_o, c_p = Σ_{o∈p} x_o ê_o/d_o,
/// x_p = Σ_{o∈p} x_o, s_p = Σ_{o∈p} ê_o over the placement's returns (ê the in-sample
/// residuals, x the unscaled prediction rows),
///
/// pseudo CAR_p = s_p + x_p'(X'X − A_p)⁻¹ c_p,
///
/// exactly the placement's prediction errors after refitting the OLS without it (for one
/// session: ê/(1 − h), the leave-one-out residual). These vary like the real CAR (a sum of
/// prediction errors); in-sample residuals vary less (by about 1 − L/M against 1 + L/M).
/// `est_x` holds k values per position. NaN where the placement has no return or X'X − A_p
/// is singular; with k = 0 (nothing estimated) the residual sums. Exact for the OLS models;
/// for Scholes-Williams (not an OLS) it uses the [d, m] design, as its variances do.
pub fn pseudo_cars(
    est_ar: &[f64],
    est_span: &[u32],
    est_x: &[f64],
    k: usize,
    len: usize,
) -> Vec<f64> {
    let e = est_ar.len();
    if pseudo_cars_len(e, est_x.len(), k, len) == 0 {
        return Vec::new();
    }
    let kk = k * k;
    // Prefix sums over positions of [A (k²), c (k), x (k), s, count].
    let width = kk + 2 * k + 2;
    let mut pre = vec![0.0; (e + 1) * width];
    let mut xtx = vec![0.0; kk];
    for t in 0..e {
        let (cur, next) = pre.split_at_mut((t + 1) * width);
        let (cur, next) = (&cur[t * width..], &mut next[..width]);
        next.copy_from_slice(cur);
        let a = est_ar[t];
        if !a.is_finite() || est_span[t] == 0 {
            continue;
        }
        let d = f64::from(est_span[t]);
        let x = &est_x[t * k..(t + 1) * k];
        for i in 0..k {
            for j in 0..k {
                let v = x[i] * x[j] / d;
                next[i * k + j] += v;
                xtx[i * k + j] += v;
            }
            next[kk + i] += x[i] * a / d;
            next[kk + k + i] += x[i];
        }
        next[kk + 2 * k] += a;
        next[kk + 2 * k + 1] += 1.0;
    }
    (0..=e - len)
        .map(|p| {
            let (lo, hi) = (
                &pre[p * width..(p + 1) * width],
                &pre[(p + len) * width..(p + len + 1) * width],
            );
            let diff = |i: usize| hi[i] - lo[i];
            if diff(kk + 2 * k + 1) < 0.5 {
                return f64::NAN;
            }
            let s = diff(kk + 2 * k);
            if k == 0 {
                return s;
            }
            let m = |i: usize, j: usize| xtx[i * k + j] - diff(i * k + j);
            let c = |i: usize| diff(kk + i);
            let mut z = [0.0; SMALL_K];
            let solved = if k <= SMALL_K {
                solve_small(k, &m, &c, &mut z)
            } else {
                let m = DMatrix::from_fn(k, k, m);
                let c = DVector::from_fn(k, |i, _| c(i));
                match m.lu().solve(&c) {
                    Some(v) if v.iter().all(|v| v.is_finite()) => {
                        return s + (0..k).map(|i| diff(kk + k + i) * v[i]).sum::<f64>();
                    }
                    _ => false,
                }
            };
            if solved {
                s + (0..k).map(|i| diff(kk + k + i) * z[i]).sum::<f64>()
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// The length of [`pseudo_cars`]'s row for an estimation window of `e` positions with
/// `x_len` prediction values of `k` per position: the placements of a window of `len`
/// sessions, 0 when there is none (or the prediction rows are short).
pub fn pseudo_cars_len(e: usize, x_len: usize, k: usize, len: usize) -> usize {
    if len == 0 || len > e || x_len < e * k {
        0
    } else {
        e - len + 1
    }
}

/// The largest k solved on the stack by [`solve_small`].
const SMALL_K: usize = 8;

/// Solves m z = c for k ≤ [`SMALL_K`] by nalgebra's LU with partial pivoting on a
/// fixed-size matrix (no allocation; the same algorithm and operations as on a `DMatrix`,
/// so the same bits: `small_lu_equals_dynamic_lu`), into `z[..k]`; false when the system
/// is singular or the solution not finite.
fn solve_small(
    k: usize,
    m: &impl Fn(usize, usize) -> f64,
    c: &impl Fn(usize) -> f64,
    z: &mut [f64; SMALL_K],
) -> bool {
    macro_rules! fixed {
        ($k:literal) => {{
            let a = SMatrix::<f64, $k, $k>::from_fn(m);
            let b = SVector::<f64, $k>::from_fn(|i, _| c(i));
            match a.lu().solve(&b) {
                Some(v) if v.iter().all(|v| v.is_finite()) => {
                    z[..$k].copy_from_slice(v.as_slice());
                    true
                }
                _ => false,
            }
        }};
    }
    match k {
        1 => fixed!(1),
        2 => solve_2x2(m, c, z),
        3 => fixed!(3),
        4 => fixed!(4),
        5 => fixed!(5),
        6 => fixed!(6),
        7 => fixed!(7),
        8 => fixed!(8),
        _ => false,
    }
}

/// [`solve_small`] for k = 2 (the market model: most placebo solves), written out: the
/// operations of nalgebra 0.35's LU with partial pivoting and its two triangular solves on
/// a 2 × 2 system, in their order (pivot: row 1 when |m10| > |m00|; l = m_other · (1/pivot);
/// u11 = (−u01)·l + m_other1; then y1 = (−c0)·l + c1, z1 = y1/u11, z0 = ((−z1)·u01 + c0)/u00),
/// so the same bits (`two_by_two_equals_nalgebra_lu`) without building the matrices.
fn solve_2x2(
    m: &impl Fn(usize, usize) -> f64,
    c: &impl Fn(usize) -> f64,
    z: &mut [f64; SMALL_K],
) -> bool {
    let (a, b, cc, d) = (m(0, 0), m(0, 1), m(1, 0), m(1, 1));
    let (mut r0, mut r1) = (c(0), c(1));
    let swap = cc.abs() > a.abs();
    let pivot = if swap { cc } else { a };
    if pivot == 0.0 {
        // nalgebra leaves the column and the solve meets the zero diagonal.
        return false;
    }
    let inv = 1.0 / pivot;
    let (u00, u01, l10, u11) = if swap {
        let l = a * inv;
        (cc, d, l, -d * l + b)
    } else {
        let l = cc * inv;
        (a, b, l, -b * l + d)
    };
    if swap {
        std::mem::swap(&mut r0, &mut r1);
    }
    r1 += -r0 * l10;
    if u11 == 0.0 {
        return false;
    }
    let z1 = r1 / u11;
    let z0 = (-z1 * u01 + r0) / u00;
    if !(z0.is_finite() && z1.is_finite()) {
        return false;
    }
    z[0] = z0;
    z[1] = z1;
    true
}

/// Placebo (permutation) test of a (C)AAR: the statistic is the (C)AAR itself, compared
/// with its distribution over pseudo-event windows of the estimation period.
/// `pseudo[i]` holds event i's out-of-sample pseudo CARs at every placement
/// ([`pseudo_cars`]); `groups[i]` names its calendar grid: events with the same group share
/// their calendar dates (events on one date), so they take the same placement and keep
/// their common shocks. With one group, every placement is enumerated: pseudo (C)AAR_p =
/// the mean over events of their pseudo CARs at p ([`placebo_enumerated`]). With several
/// groups (events on different dates, independent) each group draws its placement
/// independently, B times (seeded, [`Resampling`]): pseudo (C)AAR = the mean of the events'
/// pseudo CARs at their group's placement, so the pseudo distribution is that of a mean of
/// N independent CARs, not of one series of P overlapping windows (whose few independent
/// placements, about E/L, make an empirical 5 % tail too noisy: 10.9 % size on [−10, +10]
/// before this). p = (1 + #{|pseudo| ≥ |real|}) / (1 + R), R the pseudo values (P
/// placements or B draws), in (0, 1]; the statistic is real / sd(pseudo); reference
/// `empirical(R)`. `key` seeds the draws of this day or window. Undefined (NaN) when the
/// real value is, or no pseudo value exists.
///
/// # References
/// Brown, S. J., Warner, J. B. (1985). Using daily stock returns. Journal of Financial
/// Economics 14(1), 3-31 (pseudo-events from the estimation period). Good, P. (2005).
/// Permutation, Parametric, and Bootstrap Tests of Hypotheses, 3rd ed., Springer
/// (the (1 + #)/(1 + P) p-value). Belsley, D. A., Kuh, E., Welsch, R. E. (1980).
/// Regression Diagnostics, Wiley (deleting a block of observations).
pub fn placebo_permutation(
    real: f64,
    n: usize,
    pseudo: &[&[f64]],
    groups: &[u32],
    r: &Resampling,
    key: u64,
) -> TestStat {
    let width = pseudo.iter().map(|s| s.len()).max().unwrap_or(0);
    placebo_in_blocks(real, n, width, groups, r, key, |f| f(pseudo))
}

/// [`placebo_permutation`] over pseudo rows that `rows` hands over a block of events at a
/// time (`rows(f)` calls `f` on consecutive blocks, every event once, in event order), so
/// that no more than a block of rows is held at once; `width` is their longest row. The
/// same additions in the same order as on every row at once, so the same bits.
pub fn placebo_in_blocks(
    real: f64,
    n: usize,
    width: usize,
    groups: &[u32],
    r: &Resampling,
    key: u64,
    rows: impl Fn(&mut dyn FnMut(&[&[f64]])),
) -> TestStat {
    let mut ids: Vec<u32> = groups.to_vec();
    ids.sort_unstable();
    ids.dedup();
    if ids.len() <= 1 || width == 0 {
        // Each placement's sum over the events with a value there, in event order.
        let (mut sum, mut cnt) = (vec![0.0; width], vec![0usize; width]);
        rows(&mut |block: &[&[f64]]| {
            for e in block {
                for (p, (s, c)) in sum.iter_mut().zip(cnt.iter_mut()).enumerate() {
                    if let Some(v) = e.get(p).copied().filter(|v| v.is_finite()) {
                        *s += v;
                        *c += 1;
                    }
                }
            }
        });
        let means: Vec<f64> = sum
            .iter()
            .zip(&cnt)
            .filter(|(_, c)| **c > 0)
            .map(|(s, c)| s / *c as f64)
            .collect();
        return placebo_enumerated(real, n, &means);
    }
    let dense: Vec<u32> = groups
        .iter()
        .map(|g| ids.binary_search(g).expect("group listed") as u32)
        .collect();
    let nan = placebo_enumerated(f64::NAN, n, &[]);
    if !real.is_finite() || n == 0 || r.resamples == 0 {
        return nan;
    }
    let table = ids.len().saturating_mul(width).saturating_mul(12);
    let by_group = groups.len() >= DATE_SUMS_MIN
        && ids.len().saturating_mul(2) <= groups.len()
        && table <= DATE_SUMS_BYTES;
    let values = if by_group {
        placebo_draws_by_group(rows, &dense, ids.len(), width, r, key)
    } else {
        placebo_draws(rows, &dense, ids.len(), width, r, key)
    };
    let valid = values.len();
    if valid == 0 {
        return nan;
    }
    let hit = values.iter().filter(|m| as_extreme(**m, real)).count();
    let sd = sample_sd(&values);
    TestStat {
        test: TestId::Placebo,
        statistic: if sd > 0.0 { real / sd } else { f64::NAN },
        p_value: (1 + hit) as f64 / (1 + valid) as f64,
        n,
        distribution: Reference::Empirical(valid),
    }
}

/// From this many events on, the placebo's draws add each group's sums at its drawn
/// placement ([`placebo_draws_by_group`]: O(N·P + B·G)) instead of every event's pseudo
/// value (O(N·B)): N events on G dates with B draws over P placements. The two differ in
/// the rounding of each draw's sum alone (the same draws, placements, counts); below it
/// every draw's sum runs in event order, as in the studies whose tables must not change.
/// Only with two events a group or more on average (B·G at most B·N/2) and a G × P table
/// of sums and counts (12 bytes a cell) of at most [`DATE_SUMS_BYTES`].
pub const DATE_SUMS_MIN: usize = 1_000;

/// The largest table of group sums [`placebo_draws_by_group`] builds: 256 MiB (2,520
/// dates × 250 placements take 7.6 MB).
pub const DATE_SUMS_BYTES: usize = 256 << 20;

/// [`placebo_draws`] from each group's sums: for group g and placement p, the sum and the
/// count of its events' finite pseudo values at p (its events in order), built in one pass
/// over the rows; draw b then adds, group by group, the sums at the group's placement.
/// The same placements, drawn from the same streams in the same order, and the same
/// counts as [`placebo_draws`]; each draw's sum is the same values grouped by date, so it
/// differs from the event-order sum by rounding only.
fn placebo_draws_by_group(
    rows: impl Fn(&mut dyn FnMut(&[&[f64]])),
    group: &[u32],
    groups: usize,
    width: usize,
    r: &Resampling,
    key: u64,
) -> Vec<f64> {
    use super::bootstrap::CHUNK;
    let (mut sum, mut cnt) = (vec![0.0; groups * width], vec![0u32; groups * width]);
    let mut done = 0;
    rows(&mut |block: &[&[f64]]| {
        for (row, g) in block.iter().zip(&group[done..done + block.len()]) {
            let at = *g as usize * width..(*g as usize + 1) * width;
            for ((s, c), v) in sum[at.clone()].iter_mut().zip(&mut cnt[at]).zip(row.iter()) {
                add_finite(s, c, *v);
            }
        }
        done += block.len();
    });
    let b = r.resamples;
    (0..b.div_ceil(CHUNK))
        .into_par_iter()
        .flat_map_iter(|c| {
            let draws = ((c + 1) * CHUNK).min(b) - c * CHUNK;
            // place[g * draws + j]: draw j's placement of group g.
            let mut place = vec![0u32; groups * draws];
            fill_places(&mut place, draws, 0, c, groups, width, r, key);
            // Group by group (its row of sums stays in cache), each draw's sum over the
            // groups in their order.
            let (mut s, mut k) = (vec![0.0; draws], vec![0u32; draws]);
            for g in 0..groups {
                let (row, row_n) = (
                    &sum[g * width..(g + 1) * width],
                    &cnt[g * width..(g + 1) * width],
                );
                for ((s, k), p) in s
                    .iter_mut()
                    .zip(&mut k)
                    .zip(&place[g * draws..(g + 1) * draws])
                {
                    *s += row[*p as usize];
                    *k += row_n[*p as usize];
                }
            }
            s.into_iter()
                .zip(k)
                .filter(|(_, k)| *k > 0)
                .map(|(s, k)| s / f64::from(k))
                .collect::<Vec<f64>>()
        })
        .collect()
}

/// The placements of chunk `c`'s draws, from its stream in the order (draw, group):
/// `place[g * stride + at + j]` for its j-th draw and group g. One function for both ways
/// of adding the draws, so that they draw the same placements.
#[allow(clippy::too_many_arguments)]
fn fill_places(
    place: &mut [u32],
    stride: usize,
    at: usize,
    c: usize,
    groups: usize,
    width: usize,
    r: &Resampling,
    key: u64,
) {
    use super::bootstrap::{CHUNK, stream};
    let draws = ((c + 1) * CHUNK).min(r.resamples) - c * CHUNK;
    let mut rng = crate::synth::Rng::new(r.seed, stream(key, Salt::Placebo, c as u64));
    for j in at..at + draws {
        for g in 0..groups {
            place[g * stride + j] = rng.below(width as u64) as u32;
        }
    }
}

/// Chunks of draws that [`placebo_draws`] evaluates in one pass over the events.
const CHUNKS_PER_PASS: usize = 4;

/// The placebo's valid draws, in draw order: draw b places each group g at
/// `place[g][b]`, drawn from the chunk's stream in the order (draw, group), and takes the
/// mean of the events' finite pseudo values there, summed in event order (None: no event
/// has one). The draws of a pass (up to [`CHUNKS_PER_PASS`] chunks) are evaluated together,
/// event by event: each event's row of pseudo values is read once per pass and each draw
/// keeps its own running sum, so a draw reads one row (a few KB) instead of a random place
/// of a table of every event's values (which missed the cache on every group). The sums are
/// the same additions in the same order as one draw at a time.
fn placebo_draws(
    rows: impl Fn(&mut dyn FnMut(&[&[f64]])),
    group: &[u32],
    groups: usize,
    width: usize,
    r: &Resampling,
    key: u64,
) -> Vec<f64> {
    use super::bootstrap::CHUNK;
    let b = r.resamples;
    let chunks = b.div_ceil(CHUNK);
    /// One pass's draws: each group's placement per draw, and each draw's running sum.
    struct Pass {
        nb: usize,
        place: Vec<u32>,
        sum: Vec<f64>,
        cnt: Vec<u32>,
    }
    let mut passes: Vec<Pass> = (0..chunks.div_ceil(CHUNKS_PER_PASS))
        .into_par_iter()
        .map(|pass| {
            let first = pass * CHUNKS_PER_PASS;
            let last = (first + CHUNKS_PER_PASS).min(chunks);
            let lo = first * CHUNK;
            let nb = (last * CHUNK).min(b) - lo;
            // place[g * nb + j]: draw lo + j's placement of group g.
            let mut place = vec![0u32; groups * nb];
            for c in first..last {
                fill_places(&mut place, nb, c * CHUNK - lo, c, groups, width, r, key);
            }
            Pass {
                nb,
                place,
                sum: vec![0.0; nb],
                cnt: vec![0; nb],
            }
        })
        .collect();
    let mut done = 0;
    rows(&mut |block: &[&[f64]]| {
        let group = &group[done..done + block.len()];
        passes.par_iter_mut().for_each(|pass| {
            let nb = pass.nb;
            for (row, g) in block.iter().zip(group) {
                let at = &pass.place[*g as usize * nb..(*g as usize + 1) * nb];
                for ((s, c), p) in pass.sum.iter_mut().zip(pass.cnt.iter_mut()).zip(at) {
                    add_finite(s, c, row.get(*p as usize).copied().unwrap_or(f64::NAN));
                }
            }
        });
        done += block.len();
    });
    passes
        .iter()
        .flat_map(|pass| {
            pass.sum
                .iter()
                .zip(&pass.cnt)
                .filter(|(_, c)| **c > 0)
                .map(|(s, c)| s / f64::from(*c))
        })
        .collect()
}

/// The placebo test against given pseudo (C)AARs (every placement enumerated): p = (1 +
/// #{|pseudo| ≥ |real|}) / (1 + P), in (0, 1]; statistic real / sd(pseudo) (for one day with
/// in-sample pseudo values this would be the crude dependence adjustment's t); reference
/// `empirical(P)`. Undefined (NaN) when the real value is, or P = 0; the statistic also for
/// P < 2. `n`: the events behind the real value (reported only).
pub fn placebo_enumerated(real: f64, n: usize, pseudo: &[f64]) -> TestStat {
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
        let t = placebo_enumerated(2.5, 4, &[1.0, -2.0, 3.0, -4.0]);
        assert_close!(t.p_value, 0.6, EXACT);
        assert_close!(t.statistic, 2.5 / (29.0f64 / 3.0).sqrt(), ROUNDOFF);
        assert_eq!(t.distribution.to_string(), "empirical(4)");
        assert!(placebo_enumerated(1.0, 4, &[]).p_value.is_nan());
    }

    /// The out-of-sample pseudo CARs equal a refit without the placement, by brute force: an
    /// OLS of y on [1, m] over the other positions, then the placement's prediction errors.
    #[test]
    fn pseudo_cars_equal_a_refit_without_the_placement() {
        let mut g = crate::synth::Rng::new(4, 4);
        let e = 40;
        let m: Vec<f64> = (0..e).map(|_| 0.01 * g.normal()).collect();
        let mut span = vec![1u32; e];
        span[7] = 0;
        span[8] = 2; // a halt: position 7 has no return, 8 spans two sessions
        let x: Vec<f64> = (0..e).flat_map(|t| [f64::from(span[t]), m[t]]).collect();
        let y: Vec<f64> = (0..e)
            .map(|t| 0.001 * f64::from(span[t]) + 1.1 * m[t] + 0.01 * g.normal())
            .collect();
        let fit = |skip: &dyn Fn(usize) -> bool| -> [f64; 2] {
            // Span-weighted normal equations over the kept returns.
            let (mut a, mut b) = ([[0.0; 2]; 2], [0.0; 2]);
            for t in (0..e).filter(|t| span[*t] > 0 && !skip(*t)) {
                let d = f64::from(span[t]);
                let r = [x[2 * t], x[2 * t + 1]];
                for i in 0..2 {
                    b[i] += r[i] * y[t] / d;
                    for j in 0..2 {
                        a[i][j] += r[i] * r[j] / d;
                    }
                }
            }
            let det = a[0][0] * a[1][1] - a[0][1] * a[1][0];
            [
                (a[1][1] * b[0] - a[0][1] * b[1]) / det,
                (a[0][0] * b[1] - a[1][0] * b[0]) / det,
            ]
        };
        let full = fit(&|_| false);
        let res: Vec<f64> = (0..e)
            .map(|t| {
                if span[t] > 0 {
                    y[t] - full[0] * x[2 * t] - full[1] * x[2 * t + 1]
                } else {
                    f64::NAN
                }
            })
            .collect();
        for len in [1usize, 3, 6] {
            let got = pseudo_cars(&res, &span, &x, 2, len);
            assert_eq!(got.len(), e - len + 1);
            for (p, v) in got.iter().enumerate() {
                let inside = |t: usize| t >= p && t < p + len;
                let b = fit(&inside);
                let want: f64 = (p..p + len)
                    .filter(|t| span[*t] > 0)
                    .map(|t| y[t] - b[0] * x[2 * t] - b[1] * x[2 * t + 1])
                    .sum();
                if len == 1 && p == 7 {
                    assert!(v.is_nan());
                } else {
                    assert!((v - want).abs() < 1e-12, "len {len} p {p}: {v} {want}");
                }
            }
        }
        // k = 0: residual sums.
        assert_eq!(
            pseudo_cars(&[1.0, 2.0, 4.0], &[1, 1, 1], &[], 0, 2),
            vec![3.0, 6.0]
        );
    }

    /// With one group every placement is enumerated; with groups the draws are seeded and
    /// the p-value reproducible; an extreme real value has the smallest p-value.
    #[test]
    fn grouped_placebo_is_seeded() {
        let a: Vec<f64> = (0..50)
            .map(|i| ((i * 7 % 13) as f64 - 6.0) / 100.0)
            .collect();
        let b: Vec<f64> = (0..50)
            .map(|i| ((i * 5 % 11) as f64 - 5.0) / 100.0)
            .collect();
        let r = Resampling {
            resamples: 500,
            seed: 8,
        };
        let one = placebo_permutation(0.03, 2, &[&a, &b], &[4, 4], &r, 1);
        let means: Vec<f64> = a.iter().zip(&b).map(|(x, y)| (x + y) / 2.0).collect();
        assert_eq!(one, placebo_enumerated(0.03, 2, &means));
        let two = placebo_permutation(0.03, 2, &[&a, &b], &[4, 9], &r, 1);
        assert_eq!(two, placebo_permutation(0.03, 2, &[&a, &b], &[4, 9], &r, 1));
        assert_eq!(two.distribution.to_string(), "empirical(500)");
        let far = placebo_permutation(1.0, 2, &[&a, &b], &[4, 9], &r, 1);
        assert!((far.p_value - 1.0 / 501.0).abs() < 1e-15);
    }

    /// The fixed-size LU of `pseudo_cars` gives the same bits as nalgebra's dynamic LU
    /// (the code it replaced), for k = 1..=8 on random systems, near-singular and singular
    /// ones included.
    #[test]
    fn small_lu_equals_dynamic_lu() {
        let mut g = crate::synth::Rng::new(12, 12);
        let mut compared = 0;
        for k in 1..=SMALL_K {
            for case in 0..200 {
                let mut a: Vec<f64> = (0..k * k).map(|_| g.normal()).collect();
                if case % 10 == 0 && k > 1 {
                    // two equal rows: singular
                    for j in 0..k {
                        a[k + j] = a[j];
                    }
                }
                if case % 10 == 1 {
                    a[0] *= 1e-300;
                }
                let c: Vec<f64> = (0..k).map(|_| g.normal()).collect();
                let mut z = [0.0; SMALL_K];
                let fast = solve_small(k, &|i, j| a[i * k + j], &|i| c[i], &mut z);
                let dynamic = DMatrix::from_fn(k, k, |i, j| a[i * k + j])
                    .lu()
                    .solve(&DVector::from_fn(k, |i, _| c[i]))
                    .filter(|v| v.iter().all(|x| x.is_finite()));
                match dynamic {
                    Some(v) => {
                        assert!(fast, "k {k} case {case}");
                        let bits = |x: &[f64]| x.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&z[..k]), bits(v.as_slice()), "k {k} case {case}");
                        compared += 1;
                    }
                    None => assert!(!fast, "k {k} case {case}"),
                }
            }
        }
        assert!(compared > 1200, "{compared}");
    }

    /// The written-out 2 × 2 solve equals nalgebra's LU on a fixed-size matrix to the bit
    /// (and agrees on which systems fail), on 20,000 systems: both pivot orders, scales from
    /// 1e-150 to 1e150 and single entries of 1e-300 and 1e300, exact and signed zeros, equal rows,
    /// NaN and infinities.
    #[test]
    fn two_by_two_equals_nalgebra_lu() {
        let mut g = crate::synth::Rng::new(5, 22);
        let special = [0.0, -0.0, 1.0, -1.0, f64::NAN, f64::INFINITY, 1e-300, 1e300];
        let mut solved = 0;
        for case in 0..20_000 {
            let mut v: Vec<f64> = (0..6)
                .map(|_| g.normal() * 10f64.powi(g.below(7) as i32 * 50 - 150))
                .collect();
            match case % 7 {
                0 => v[g.below(6) as usize] = special[g.below(8) as usize],
                1 => {
                    v[2] = v[0];
                    v[3] = v[1];
                }
                2 => v[0] = 0.0,
                3 => v[2] = v[0] * (1.0 + 1e-15),
                _ => {}
            }
            let (m, c) = (&v[..4], &v[4..]);
            let mut z = [0.0; SMALL_K];
            let got = solve_2x2(&|i, j| m[i * 2 + j], &|i| c[i], &mut z);
            let want = SMatrix::<f64, 2, 2>::from_fn(|i, j| m[i * 2 + j])
                .lu()
                .solve(&SVector::<f64, 2>::from_fn(|i, _| c[i]))
                .filter(|x| x.iter().all(|v| v.is_finite()));
            match want {
                Some(x) => {
                    assert!(got, "case {case}: {v:?}");
                    assert_eq!(z[0].to_bits(), x[0].to_bits(), "case {case}: {v:?}");
                    assert_eq!(z[1].to_bits(), x[1].to_bits(), "case {case}: {v:?}");
                    solved += 1;
                }
                None => assert!(!got, "case {case}: {v:?}"),
            }
        }
        assert!(solved > 15_000, "{solved}");
    }

    /// The grouped placebo with a reused buffer per chunk gives the plain implementation's
    /// statistic and p-value to the bit (a vector of placements per draw, sequential), on
    /// one thread and on two.
    /// `n` rows of pseudo values, row i `len(i)` long, N(0, 1) with one in `gap` missing.
    fn gappy_rows(
        g: &mut crate::synth::Rng,
        n: usize,
        len: impl Fn(usize) -> usize,
        gap: u64,
    ) -> Vec<Vec<f64>> {
        (0..n)
            .map(|i| {
                (0..len(i))
                    .map(|_| {
                        if g.below(gap) == 0 {
                            f64::NAN
                        } else {
                            g.normal()
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Rows handed over in blocks give the placebo of every row at once, bit for bit: the
    /// draws across dates and the enumerated placements of one date, with rows of
    /// different lengths and gaps, blocks of 7 rows and of one.
    #[test]
    fn placebo_in_blocks_equals_every_row_at_once() {
        let n = 45;
        let pseudo = gappy_rows(&mut crate::synth::Rng::new(8, 3), n, |i| 30 - i % 4, 7);
        let refs: Vec<&[f64]> = pseudo.iter().map(|v| v.as_slice()).collect();
        let width = refs.iter().map(|s| s.len()).max().unwrap_or(0);
        let r = Resampling {
            resamples: 300,
            seed: 4,
        };
        let dates: Vec<u32> = (0..n as u32).map(|i| i % 5).collect();
        let one_date = vec![3u32; n];
        let bits = |t: &TestStat| (t.statistic.to_bits(), t.p_value.to_bits(), t.distribution);
        for groups in [&dates, &one_date] {
            let whole = placebo_permutation(0.2, n, &refs, groups, &r, 9);
            assert!(whole.p_value.is_finite() && whole.statistic.is_finite());
            for size in [7, 1] {
                let blocks = std::cell::Cell::new(0);
                let got = placebo_in_blocks(0.2, n, width, groups, &r, 9, |f| {
                    for b in refs.chunks(size) {
                        blocks.set(blocks.get() + 1);
                        f(b);
                    }
                });
                assert_eq!(blocks.get(), n.div_ceil(size));
                assert_eq!(bits(&got), bits(&whole), "block of {size}");
            }
        }
    }

    #[test]
    fn grouped_placebo_equals_the_plain_implementation() {
        let n = 60;
        let pseudo = gappy_rows(&mut crate::synth::Rng::new(3, 9), n, |i| 40 - i % 3, 9);
        let refs: Vec<&[f64]> = pseudo.iter().map(|v| v.as_slice()).collect();
        let groups: Vec<u32> = (0..n as u32).map(|i| (i * 7) % 13).collect();
        let r = Resampling {
            resamples: 777,
            seed: 21,
        };
        let real = 0.31;
        // Plain: the draws one after the other.
        let mut ids = groups.clone();
        ids.sort_unstable();
        ids.dedup();
        let width = refs.iter().map(|s| s.len()).max().unwrap_or(0);
        let mut values = Vec::new();
        for c in 0..r.resamples.div_ceil(crate::stats::bootstrap::CHUNK) {
            let mut rng = crate::synth::Rng::new(
                r.seed,
                crate::stats::bootstrap::stream(5, Salt::Placebo, c as u64),
            );
            for _ in 0..crate::stats::bootstrap::CHUNK
                .min(r.resamples - c * crate::stats::bootstrap::CHUNK)
            {
                let place: Vec<usize> = (0..ids.len())
                    .map(|_| rng.below(width as u64) as usize)
                    .collect();
                let (s, k) = refs
                    .iter()
                    .zip(&groups)
                    .filter_map(|(e, gr)| {
                        let gi = ids.binary_search(gr).expect("listed");
                        e.get(place[gi]).copied().filter(|v| v.is_finite())
                    })
                    .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                if k > 0 {
                    values.push(s / k as f64);
                }
            }
        }
        let hit = values.iter().filter(|m| as_extreme(**m, real)).count();
        let want_p = (1 + hit) as f64 / (1 + values.len()) as f64;
        let want_stat = real / sample_sd(&values);
        for threads in [1, 2] {
            let got = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| placebo_permutation(real, n, &refs, &groups, &r, 5));
            assert_eq!(got.p_value.to_bits(), want_p.to_bits(), "{threads} threads");
            assert_eq!(
                got.statistic.to_bits(),
                want_stat.to_bits(),
                "{threads} threads"
            );
        }
    }

    /// From [`DATE_SUMS_MIN`] events on, the draws add each date's sums: the same draws
    /// and counts as event by event, each draw's mean within roundoff, and the test's
    /// p-value the same; with fewer than two events per date, event by event.
    #[test]
    fn date_sums_give_the_event_order_draws_within_roundoff() {
        use crate::testutil::{ROUNDOFF, assert_close};
        let n = DATE_SUMS_MIN + 1_400;
        let pseudo = gappy_rows(&mut crate::synth::Rng::new(12, 1), n, |i| 50 - i % 6, 5);
        let refs: Vec<&[f64]> = pseudo.iter().map(|v| v.as_slice()).collect();
        let width = refs.iter().map(|s| s.len()).max().unwrap_or(0);
        let groups: Vec<u32> = (0..n as u32).map(|i| (i * 11) % 97).collect();
        let r = Resampling {
            resamples: 1_000,
            seed: 8,
        };
        let in_blocks = |f: &mut dyn FnMut(&[&[f64]])| refs.chunks(300).for_each(&mut *f);
        let plain = placebo_draws(in_blocks, &groups, 97, width, &r, 4);
        let summed = placebo_draws_by_group(in_blocks, &groups, 97, width, &r, 4);
        assert_eq!(plain.len(), summed.len());
        assert!(plain.len() > 900);
        assert!(
            plain.iter().zip(&summed).any(|(a, b)| a != b),
            "no rounding to see"
        );
        for (a, b) in plain.iter().zip(&summed) {
            assert_close!(*b, *a, ROUNDOFF);
        }
        let real = 2.5 * sample_sd(&plain);
        let got = placebo_permutation(real, n, &refs, &groups, &r, 4);
        let hit = plain.iter().filter(|m| as_extreme(**m, real)).count();
        assert_eq!(got.p_value, (1 + hit) as f64 / (1 + plain.len()) as f64);
        assert_close!(got.statistic, real / sample_sd(&plain), ROUNDOFF);
        // …from the date sums (the event-order draws' sd has other bits here).
        let grouped = real / sample_sd(&summed);
        assert_ne!(grouped.to_bits(), (real / sample_sd(&plain)).to_bits());
        assert_eq!(got.statistic.to_bits(), grouped.to_bits());
        // Fewer than two events per date: every draw in event order, to the bit.
        let dates = n / 2 + 1;
        let sparse: Vec<u32> = (0..n as u32).map(|i| i % dates as u32).collect();
        let want = placebo_draws(in_blocks, &sparse, dates, width, &r, 4);
        let got = placebo_permutation(real, n, &refs, &sparse, &r, 4);
        let hit = want.iter().filter(|m| as_extreme(**m, real)).count();
        assert_eq!(got.p_value, (1 + hit) as f64 / (1 + want.len()) as f64);
        assert_eq!(got.statistic.to_bits(), (real / sample_sd(&want)).to_bits());
    }

    proptest! {
        /// The empirical p-value lies in (0, 1].
        #[test]
        fn p_in_unit_interval(real in -1.0f64..1.0, pseudo in proptest::collection::vec(-1.0f64..1.0, 1..300)) {
            let t = placebo_enumerated(real, 3, &pseudo);
            prop_assert!(t.p_value > 0.0 && t.p_value <= 1.0);
        }
    }
}
