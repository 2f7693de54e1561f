//! Resampling inference: the residual-vector bootstrap of the BMP statistic (Hein & Westfall
//! 2004) and the wild bootstrap of the cross-sectional t (Rademacher weights), seeded and
//! parallel.
//!
//! Reproducible: the draws are cut into chunks of [`CHUNK`]; chunk c of the test with key
//! `key` draws from stream `stream(key, salt, c)` of the generator of [`crate::synth`]
//! (`Rng::new(seed, stream)`), and only integer counts are summed across chunks, so a
//! p-value depends on the seed and the number of resamples only, never on the threads.

use rayon::prelude::*;
use serde::Serialize;

use super::reference::{Reference, TestId};
use super::{TestStat, boehmer_musumeci_poulsen, cross_sectional_t};
use crate::synth::Rng;

/// Draws per random stream.
pub const CHUNK: usize = 64;

/// How many resamples the resampling tests draw, from which seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Resampling {
    /// B: resamples per test (999 by default: p-values on a grid of 1/1000).
    pub resamples: usize,
    pub seed: u64,
}

impl Default for Resampling {
    fn default() -> Self {
        Resampling {
            resamples: 999,
            seed: 42,
        }
    }
}

/// Which test draws from a stream (the stream's top byte).
#[derive(Debug, Clone, Copy)]
#[repr(u64)]
pub(crate) enum Salt {
    Bmp = 1,
    Wild = 2,
    Placebo = 3,
}

/// The stream of chunk `chunk` of test `salt` on the day or window `key` (< 2^32).
pub(crate) fn stream(key: u64, salt: Salt, chunk: u64) -> u64 {
    ((salt as u64) << 56) | ((key & 0xFFFF_FFFF) << 24) | (chunk & 0xFF_FFFF)
}

/// (exceedances, valid draws) of `r.resamples` draws: chunk c of [`CHUNK`] draws uses stream
/// `stream(key, salt, c)` and a scratch state of its own (`init`, e.g. buffers reused by
/// every draw of the chunk, so that a draw allocates nothing); chunks run in parallel;
/// `draw` returns whether a valid draw exceeds, `None` for a draw that does not count;
/// only integer counts cross the chunks.
pub(crate) fn count_draws_with<S>(
    r: &Resampling,
    key: u64,
    salt: Salt,
    init: impl Fn() -> S + Sync,
    draw: impl Fn(&mut S, &mut Rng) -> Option<bool> + Sync,
) -> (usize, usize) {
    let b = r.resamples;
    (0..b.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let mut rng = Rng::new(r.seed, stream(key, salt, c as u64));
            let mut state = init();
            let (mut hit, mut valid) = (0usize, 0usize);
            for _ in 0..CHUNK.min(b - c * CHUNK) {
                if let Some(x) = draw(&mut state, &mut rng) {
                    hit += usize::from(x);
                    valid += 1;
                }
            }
            (hit, valid)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// mean / (sd / √N) of `x`: the statistic of BMP and of the cross-sectional t
/// ([`boehmer_musumeci_poulsen`], [`cross_sectional_t`]) to the bit, without its p-value
/// (a draw needs only the statistic).
#[inline]
fn mean_over_se(x: &[f64]) -> f64 {
    super::mean(x) / (super::sample_sd(x) / (x.len() as f64).sqrt())
}

/// Adds `v` to a running sum and counts it when it is finite, without a branch (whether a
/// resampled value exists is a coin flip to the predictor): a missing value adds +0.0, and
/// a sum that started at +0.0 never becomes −0.0, so adding +0.0 leaves it unchanged: the
/// sums are, bit for bit, those of skipping the missing values.
#[inline]
pub(crate) fn add_finite(sum: &mut f64, count: &mut u32, v: f64) {
    let ok = v.is_finite();
    *sum += if ok { v } else { 0.0 };
    *count += u32::from(ok);
}

/// `|pseudo| ≥ |real|`, with a relative tolerance of 1e-12 so that a pseudo statistic
/// equal to the real one in exact arithmetic counts as at least as extreme.
#[inline]
pub(crate) fn as_extreme(pseudo: f64, real: f64) -> bool {
    pseudo.abs() >= real.abs() * (1.0 - 1e-12)
}

/// Draws evaluated side by side by [`wild_draws`] (independent sums, so their additions
/// overlap instead of waiting on one another).
const WILD_LANES: usize = 8;

/// (exceedances, draws) of the wild bootstrap's random sign patterns: chunk c of [`CHUNK`]
/// draws reads stream `stream(key, Wild, c)`, draw j of the chunk taking value i's sign from
/// the chunk's (j·n + i)-th number (its top bit: minus). The signs of a chunk are kept as
/// one bit per draw in a word per value; [`WILD_LANES`] draws at a time then sum their ±x
/// in value order (the mean, then the squared deviations), the additions of
/// `mean_over_se` on each draw's vector, so each t is the same bits without the vector.
fn wild_draws(values: &[f64], real: f64, r: &Resampling, key: u64) -> (usize, usize) {
    let (n, b) = (values.len(), r.resamples);
    (0..b.div_ceil(CHUNK))
        .into_par_iter()
        .map(|c| {
            let nb = CHUNK.min(b - c * CHUNK);
            let mut rng = Rng::new(r.seed, stream(key, Salt::Wild, c as u64));
            let mut minus = vec![0u64; n];
            for j in 0..nb {
                for w in minus.iter_mut() {
                    *w |= (rng.next_u64() >> 63) << j;
                }
            }
            let count = |t: f64| usize::from(t.is_nan() || as_extreme(t, real));
            let mut hit = 0;
            let mut j = 0;
            while j + WILD_LANES <= nb {
                hit += wild_t::<WILD_LANES>(values, &minus, j)
                    .map(count)
                    .iter()
                    .sum::<usize>();
                j += WILD_LANES;
            }
            for j in j..nb {
                hit += count(wild_t::<1>(values, &minus, j)[0]);
            }
            (hit, nb)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// The wild t of the L draws j..j + L (bit j + q of `minus[i]`: value i negated in draw
/// j + q): mean(x*) / (sd(x*)/√n) with Rust's float sums in value order, as
/// `mean_over_se` computes them.
#[inline]
fn wild_t<const L: usize>(values: &[f64], minus: &[u64], j: usize) -> [f64; L] {
    let zero = std::iter::empty::<f64>().sum::<f64>();
    let n = values.len() as f64;
    // −v is v with its sign bit flipped: done without a branch on the random sign.
    let x = |v: f64, w: u64, q: usize| f64::from_bits(v.to_bits() ^ (((w >> (j + q)) & 1) << 63));
    let mut sum = [zero; L];
    for (v, w) in values.iter().zip(minus) {
        for (q, s) in sum.iter_mut().enumerate() {
            *s += x(*v, *w, q);
        }
    }
    let mean = sum.map(|s| s / n);
    let mut sq = [zero; L];
    for (v, w) in values.iter().zip(minus) {
        for (q, s) in sq.iter_mut().enumerate() {
            *s += (x(*v, *w, q) - mean[q]).powi(2);
        }
    }
    std::array::from_fn(|q| {
        let sd = if values.len() < 2 {
            f64::NAN
        } else {
            (sq[q] / (values.len() - 1) as f64).sqrt()
        };
        mean[q] / (sd / n.sqrt())
    })
}

/// Bootstrap of the BMP statistic by resampling the estimation window's residual vectors
/// (Hein & Westfall 2004): draw L event-time positions of the estimation window with
/// replacement (one draw for all events, so that events on one date keep their
/// cross-correlation: a position is one calendar date for them), give each event the
/// pseudo standardized CAR S*_i = Σ_l SAR_i(t_l) / √n_i over the n_i drawn positions where
/// it has a return (SAR = AR/(s√d), `est_sar`), and compute BMP* = mean S* / (sd S*/√N*)
/// over the N* events with one. p = (1 + #{|BMP*| ≥ |BMP|}) / (1 + B'), B' the draws with
/// N* ≥ 2 and sd S* > 0. The statistic is the real BMP of `standardized` (the SARs of the
/// day or the SCARs of the window); reference `bootstrap(B')`. `len` = L (1 for a day).
/// BMP is scale-free, so in-sample residuals serve as the null's pseudo values. Undefined
/// (NaN) where BMP is or no estimation return exists.
///
/// # References
/// Hein, S. E., Westfall, P. (2004). Improving tests of abnormal returns by bootstrapping
/// the multivariate regression model with event parameters. Journal of Financial
/// Econometrics 2(3), 451-471. Boehmer, E., Musumeci, J., Poulsen, A. B. (1991), JFE 30(2).
pub fn bmp_bootstrap(
    standardized: &[f64],
    est_sar: &[&[f64]],
    len: usize,
    r: &Resampling,
    key: u64,
) -> TestStat {
    let n = est_sar.len();
    let width = est_sar.iter().map(|s| s.len()).max().unwrap_or(0);
    let mut data = vec![f64::NAN; width * n];
    for (i, e) in est_sar.iter().enumerate() {
        for (t, v) in e.iter().enumerate() {
            data[t * n + i] = *v;
        }
    }
    let members: Vec<usize> = (0..n).collect();
    let sar = ByPosition {
        data: &data,
        stride: n,
    };
    bmp_bootstrap_by_position(standardized, sar, &members, width, len, r, key)
}

/// Values of the estimation window by position: row t (`stride` values) holds every
/// event's value at event-time position t, NaN where it has none, so that a draw of
/// positions reads whole rows (one pass over contiguous memory per drawn position).
#[derive(Debug, Clone, Copy)]
pub struct ByPosition<'a, T = f64> {
    pub data: &'a [T],
    pub stride: usize,
}

impl<'a, T> ByPosition<'a, T> {
    #[inline]
    pub(crate) fn row(&self, t: usize) -> &'a [T] {
        &self.data[t * self.stride..(t + 1) * self.stride]
    }
}

/// [`bmp_bootstrap`] on the estimation SARs of the events `members` of `sar` (row t,
/// column i: event i's SAR at position t), `width` the longest of their estimation
/// windows. The same draws and the same arithmetic in the same order (so the same
/// p-value to the bit), organised for speed: a draw of L positions adds L rows into one
/// accumulator per event (no allocation per draw), and for one day (L = 1) the BMP* of
/// each position is computed once and every draw looks it up (a draw picks one position:
/// its statistic depends on nothing else), O(N·E + B) instead of O(N·B).
pub(crate) fn bmp_bootstrap_by_position(
    standardized: &[f64],
    sar: ByPosition<'_>,
    members: &[usize],
    width: usize,
    len: usize,
    r: &Resampling,
    key: u64,
) -> TestStat {
    let real = boehmer_musumeci_poulsen(standardized);
    let n = standardized.len();
    let nan = TestStat {
        test: TestId::BmpBootstrap,
        statistic: f64::NAN,
        p_value: f64::NAN,
        n,
        distribution: Reference::Bootstrap(0),
    };
    if !real.statistic.is_finite() || width == 0 || len == 0 || r.resamples == 0 {
        return nan;
    }
    let m = members.len();
    let w = width as u64;
    // BMP* of one drawn position: the members' finite SARs there (S* = (0 + SAR)/√1).
    let at = |t: usize, s: &mut Vec<f64>| -> f64 {
        let row = sar.row(t);
        s.clear();
        s.extend(
            members
                .iter()
                .map(|&i| row[i])
                .filter(|v| v.is_finite())
                .map(|v| 0.0 + v),
        );
        mean_over_se(s)
    };
    let (hit, valid) = if len == 1 {
        let table: Option<Vec<f64>> = (r.resamples >= width).then(|| {
            (0..width)
                .into_par_iter()
                .map_init(Vec::new, |s: &mut Vec<f64>, t| at(t, s))
                .collect()
        });
        count_draws_with(
            r,
            key,
            Salt::Bmp,
            Vec::new,
            |s: &mut Vec<f64>, rng: &mut Rng| {
                let t = rng.below(w) as usize;
                let stat = match &table {
                    Some(tb) => tb[t],
                    None => at(t, s),
                };
                stat.is_finite().then(|| as_extreme(stat, real.statistic))
            },
        )
    } else {
        // With most of the panel's events as members, a draw adds whole rows (every event,
        // members or not: contiguous, branch-free, so vectorized) and then reads the
        // members' sums; with few, it adds only the members' entries. Each member's sum
        // is the same additions in the same order either way ([`add_finite`]).
        let whole = 2 * m >= sar.stride;
        let cols = if whole { sar.stride } else { m };
        let init = || {
            (
                vec![0.0f64; cols],
                vec![0u32; cols],
                Vec::<usize>::with_capacity(len),
                Vec::<f64>::with_capacity(m),
            )
        };
        type Scratch = (Vec<f64>, Vec<u32>, Vec<usize>, Vec<f64>);
        count_draws_with(
            r,
            key,
            Salt::Bmp,
            init,
            |st: &mut Scratch, rng: &mut Rng| {
                let (acc, cnt, pos, s) = st;
                pos.clear();
                pos.extend((0..len).map(|_| rng.below(w) as usize));
                acc.fill(0.0);
                cnt.fill(0);
                for &t in pos.iter() {
                    let row = sar.row(t);
                    if whole {
                        for ((a, c), &v) in acc.iter_mut().zip(cnt.iter_mut()).zip(row) {
                            add_finite(a, c, v);
                        }
                    } else {
                        for ((a, c), &i) in acc.iter_mut().zip(cnt.iter_mut()).zip(members) {
                            add_finite(a, c, row[i]);
                        }
                    }
                }
                s.clear();
                let scaled = |a: f64, c: u32| (c > 0).then(|| a / f64::from(c).sqrt());
                if whole {
                    s.extend(members.iter().filter_map(|&i| scaled(acc[i], cnt[i])));
                } else {
                    s.extend(
                        acc.iter()
                            .zip(cnt.iter())
                            .filter_map(|(a, c)| scaled(*a, *c)),
                    );
                }
                let stat = mean_over_se(s);
                stat.is_finite().then(|| as_extreme(stat, real.statistic))
            },
        )
    };
    if valid == 0 {
        return nan;
    }
    TestStat {
        statistic: real.statistic,
        p_value: (1 + hit) as f64 / (1 + valid) as f64,
        distribution: Reference::Bootstrap(valid),
        ..nan
    }
}

/// Wild bootstrap of the cross-sectional t with Rademacher weights, the null imposed
/// (Davidson & Flachaire 2008): x*_i = w_i x_i with w_i = ±1 each with probability 1/2,
/// t* = mean x* / (sd x* / √N). When 2^N ≤ B every sign pattern is enumerated and
/// p = #{|t*| ≥ |t|} / 2^N (an exact sign-flip randomization test: valid when each
/// event's abnormal return is symmetric about 0 under the null and the events are
/// independent); else p = (1 + #{|t*| ≥ |t|}) / (1 + B) over B random patterns. The
/// statistic is the real cross-sectional t; reference `bootstrap(R)`, R the patterns used.
/// It treats events as independent: not for events on one date. Undefined (NaN) where the
/// t is.
///
/// # References
/// Wu, C. F. J. (1986). Jackknife, bootstrap and other resampling methods in regression
/// analysis. Annals of Statistics 14(4), 1261-1295. Davidson, R., Flachaire, E. (2008). The
/// wild bootstrap, tamed at last. Journal of Econometrics 146(1), 162-169.
pub fn wild_bootstrap_t(values: &[f64], r: &Resampling, key: u64) -> TestStat {
    let real = cross_sectional_t(values);
    let n = values.len();
    let nan = TestStat {
        test: TestId::WildBootstrapT,
        statistic: f64::NAN,
        p_value: f64::NAN,
        n,
        distribution: Reference::Bootstrap(0),
    };
    if !real.statistic.is_finite() || r.resamples == 0 {
        return nan;
    }
    // x* = ±x in a buffer reused by every pattern of a chunk; the statistic as
    // cross_sectional_t computes it.
    let flip = |x: &mut Vec<f64>, sign: &mut dyn FnMut(usize) -> bool| {
        x.clear();
        x.extend(
            values
                .iter()
                .enumerate()
                .map(|(i, v)| if sign(i) { -v } else { *v }),
        );
        mean_over_se(x)
    };
    if n < 63 && (1usize << n) <= r.resamples {
        let total = 1usize << n;
        let hit = (0..total)
            .into_par_iter()
            .map_init(
                || Vec::<f64>::with_capacity(n),
                |x: &mut Vec<f64>, mask| {
                    let t = flip(x, &mut |i| mask >> i & 1 == 1);
                    t.is_nan() || as_extreme(t, real.statistic)
                },
            )
            .filter(|h| *h)
            .count();
        return TestStat {
            statistic: real.statistic,
            p_value: hit as f64 / total as f64,
            distribution: Reference::Bootstrap(total),
            ..nan
        };
    }
    let (hit, valid) = wild_draws(values, real.statistic, r, key);
    TestStat {
        statistic: real.statistic,
        p_value: (1 + hit) as f64 / (1 + valid) as f64,
        distribution: Reference::Bootstrap(valid),
        ..nan
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::p_student;

    /// The straightforward implementation these tests were first written against (one
    /// allocation per draw, every event's positions read in turn, the full BMP and t with
    /// their p-values per draw): the fast paths must give its p-values to the bit.
    mod plain {
        use super::super::*;

        fn draws<T: Send>(
            r: &Resampling,
            key: u64,
            salt: Salt,
            draw: impl Fn(&mut Rng) -> Option<T> + Sync,
        ) -> Vec<T> {
            let b = r.resamples;
            (0..b.div_ceil(CHUNK))
                .flat_map(|c| {
                    let mut rng = Rng::new(r.seed, stream(key, salt, c as u64));
                    (0..CHUNK.min(b - c * CHUNK))
                        .filter_map(|_| draw(&mut rng))
                        .collect::<Vec<T>>()
                })
                .collect()
        }

        pub fn bmp(std: &[f64], est_sar: &[&[f64]], len: usize, r: &Resampling, key: u64) -> f64 {
            let real = boehmer_musumeci_poulsen(std);
            let width = est_sar.iter().map(|s| s.len()).max().unwrap_or(0);
            if !real.statistic.is_finite() || width == 0 || len == 0 || r.resamples == 0 {
                return f64::NAN;
            }
            let d = draws(r, key, Salt::Bmp, |rng| {
                let pos: Vec<usize> = (0..len).map(|_| rng.below(width as u64) as usize).collect();
                let s: Vec<f64> = est_sar
                    .iter()
                    .filter_map(|e| {
                        let (sum, cnt) = pos
                            .iter()
                            .filter_map(|&t| e.get(t).copied().filter(|v| v.is_finite()))
                            .fold((0.0, 0usize), |(s, c), v| (s + v, c + 1));
                        (cnt > 0).then(|| sum / (cnt as f64).sqrt())
                    })
                    .collect();
                let t = boehmer_musumeci_poulsen(&s).statistic;
                t.is_finite().then(|| as_extreme(t, real.statistic))
            });
            let hit = d.iter().filter(|x| **x).count();
            if d.is_empty() {
                f64::NAN
            } else {
                (1 + hit) as f64 / (1 + d.len()) as f64
            }
        }

        pub fn wild(values: &[f64], r: &Resampling, key: u64) -> f64 {
            let real = cross_sectional_t(values);
            let n = values.len();
            let t_of = |signs: &mut dyn FnMut(usize) -> bool| {
                let x: Vec<f64> = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| if signs(i) { -v } else { *v })
                    .collect();
                cross_sectional_t(&x).statistic
            };
            if n < 63 && (1usize << n) <= r.resamples {
                let total = 1usize << n;
                let hit = (0..total)
                    .filter(|&mask| {
                        let t = t_of(&mut |i| mask >> i & 1 == 1);
                        t.is_nan() || as_extreme(t, real.statistic)
                    })
                    .count();
                return hit as f64 / total as f64;
            }
            let d = draws(r, key, Salt::Wild, |rng| {
                let t = t_of(&mut |_| rng.next_u64() >> 63 == 1);
                Some(t.is_nan() || as_extreme(t, real.statistic))
            });
            (1 + d.iter().filter(|x| **x).count()) as f64 / (1 + d.len()) as f64
        }
    }

    /// Estimation SARs with gaps (NaN) and windows of different lengths (ragged rows), and
    /// the real SCARs.
    fn case(seed: u64, n: usize, width: usize) -> (Vec<Vec<f64>>, Vec<f64>) {
        let mut g = Rng::new(seed, 77);
        let est = (0..n)
            .map(|i| {
                let w = if i % 5 == 3 { width - 7 } else { width };
                (0..w)
                    .map(|_| {
                        if g.below(10) == 0 {
                            f64::NAN
                        } else {
                            0.1 * (g.below(3) as f64) + g.normal()
                        }
                    })
                    .collect()
            })
            .collect();
        let real = (0..n).map(|_| 0.4 + g.normal()).collect();
        (est, real)
    }

    /// The BMP bootstrap's fast paths (rows by position, the per-position table of one day,
    /// the accumulators of a window) give the plain implementation's p-value to the bit, on
    /// gaps and ragged windows, for one day with B above and below the window's width, and
    /// for windows of 2, 6 and 21 sessions.
    #[test]
    fn bmp_bootstrap_equals_the_plain_implementation() {
        let mut checked = 0;
        for seed in 0..6u64 {
            let (est, real) = case(seed, 12 + 9 * seed as usize, 60);
            let refs: Vec<&[f64]> = est.iter().map(|v| v.as_slice()).collect();
            for (len, b) in [(1, 99), (1, 37), (2, 99), (6, 150), (21, 64)] {
                let r = Resampling {
                    resamples: b,
                    seed: 5 + seed,
                };
                let got = bmp_bootstrap(&real, &refs, len, &r, seed);
                let want = plain::bmp(&real, &refs, len, &r, seed);
                assert_eq!(
                    got.p_value.to_bits(),
                    want.to_bits(),
                    "seed {seed} len {len} B {b}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 30);
    }

    /// The wild bootstrap without a vector per draw: the plain implementation's p-value to
    /// the bit, random patterns and enumeration.
    #[test]
    fn wild_bootstrap_equals_the_plain_implementation() {
        for seed in 0..6u64 {
            let mut g = Rng::new(seed, 3);
            for n in [3usize, 9, 40, 301] {
                let x: Vec<f64> = (0..n).map(|_| 0.2 + g.normal()).collect();
                let r = Resampling {
                    resamples: 999,
                    seed,
                };
                let got = wild_bootstrap_t(&x, &r, 11);
                assert_eq!(
                    got.p_value.to_bits(),
                    plain::wild(&x, &r, 11).to_bits(),
                    "{n}"
                );
            }
        }
    }

    /// The resampling p-values do not depend on the number of threads: one thread and two
    /// give the same bits (and both the plain implementation's).
    #[test]
    fn resampling_is_independent_of_threads() {
        let (est, real) = case(9, 200, 120);
        let refs: Vec<&[f64]> = est.iter().map(|v| v.as_slice()).collect();
        let r = Resampling::default();
        let run = |threads: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .expect("pool")
                .install(|| {
                    [1usize, 3, 11].map(|len| {
                        (
                            bmp_bootstrap(&real, &refs, len, &r, 4).p_value.to_bits(),
                            wild_bootstrap_t(&real, &r, len as u64).p_value.to_bits(),
                        )
                    })
                })
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        for (len, (bmp, wild)) in [1usize, 3, 11].into_iter().zip(one) {
            assert_eq!(bmp, plain::bmp(&real, &refs, len, &r, 4).to_bits());
            assert_eq!(wild, plain::wild(&real, &r, len as u64).to_bits());
        }
    }

    /// The analytic p-value of the same t.
    fn analytic(values: &[f64]) -> f64 {
        p_student(
            cross_sectional_t(values).statistic,
            (values.len() - 1) as f64,
        )
    }

    /// Enumeration by hand: x = [1, 2, 3]: the 8 sign patterns give |t| = t(1,2,3) = 2√3
    /// twice (all +, all −) and smaller values otherwise (one sign flipped: e.g. [−1, 2, 3]
    /// mean 4/3, sd √(13/3)… all below 2√3), so p = 2/8.
    #[test]
    fn wild_enumerates_small_samples() {
        let r = Resampling::default();
        let t = wild_bootstrap_t(&[1.0, 2.0, 3.0], &r, 7);
        assert!((t.statistic - 2.0 * 3f64.sqrt()).abs() < 1e-12);
        assert!((t.p_value - 0.25).abs() < 1e-15, "{}", t.p_value);
        assert_eq!(t.distribution.to_string(), "bootstrap(8)");
        assert!(wild_bootstrap_t(&[1.0], &r, 7).p_value.is_nan());
    }

    /// With more events than 2^N ≤ B allows, B random patterns; the same seed gives the
    /// same bits, another seed other draws; the p-value is near the analytic t's for
    /// normal-looking data (a second, independent route to the same answer).
    #[test]
    fn wild_random_is_seeded_and_close_to_analytic() {
        let mut g = Rng::new(5, 5);
        let x: Vec<f64> = (0..40).map(|_| 0.3 + g.normal()).collect();
        let r = Resampling {
            resamples: 4999,
            seed: 1,
        };
        let a = wild_bootstrap_t(&x, &r, 3);
        let b = wild_bootstrap_t(&x, &r, 3);
        assert_eq!(a.p_value.to_bits(), b.p_value.to_bits());
        assert_eq!(a.distribution.to_string(), "bootstrap(4999)");
        let c = wild_bootstrap_t(&x, &Resampling { seed: 2, ..r }, 3);
        assert_ne!(a.p_value.to_bits(), c.p_value.to_bits());
        let want = analytic(&x);
        assert!((a.p_value - want).abs() < 0.03, "{} {want}", a.p_value);
    }

    /// The BMP bootstrap on independent standard-normal SARs: its p-value is near the
    /// analytic t(N − 1) p of BMP (the null distribution the bootstrap estimates), and it is
    /// reproducible to the bit.
    #[test]
    fn bmp_bootstrap_matches_t_under_normality() {
        let mut g = Rng::new(9, 1);
        let est: Vec<Vec<f64>> = (0..15)
            .map(|_| (0..250).map(|_| g.normal()).collect())
            .collect();
        let refs: Vec<&[f64]> = est.iter().map(|v| v.as_slice()).collect();
        let real: Vec<f64> = (0..15).map(|_| 0.5 + g.normal()).collect();
        let r = Resampling {
            resamples: 3999,
            seed: 11,
        };
        let a = bmp_bootstrap(&real, &refs, 3, &r, 9);
        let b = bmp_bootstrap(&real, &refs, 3, &r, 9);
        assert_eq!(a.p_value.to_bits(), b.p_value.to_bits());
        let t = boehmer_musumeci_poulsen(&real);
        assert_eq!(a.statistic, t.statistic);
        assert!(
            (a.p_value - t.p_value).abs() < 0.03,
            "{} {}",
            a.p_value,
            t.p_value
        );
        assert!(
            bmp_bootstrap(&real[..1], &refs[..1], 1, &r, 9)
                .p_value
                .is_nan()
        );
    }

    /// Events on one date share their shocks: with SARs = common + own noise (correlation
    /// 0.5), the event-day SARs of 10 events share one common draw, the analytic BMP
    /// over-rejects and the bootstrap, resampling whole rows, does not (rate of p < 0.05
    /// over 300 experiments: analytic far above 5 %, bootstrap near it).
    #[test]
    fn bmp_bootstrap_keeps_cross_correlation() {
        let r = Resampling {
            resamples: 199,
            seed: 3,
        };
        let (mut boot, mut analytic) = (0, 0);
        for e in 0..300u64 {
            let mut g = Rng::new(100 + e, 2);
            let mut row = || {
                let c = g.normal();
                (0..10)
                    .map(|_| (c + g.normal()) / 2f64.sqrt())
                    .collect::<Vec<f64>>()
            };
            let rows: Vec<Vec<f64>> = (0..200).map(|_| row()).collect();
            let est: Vec<Vec<f64>> = (0..10)
                .map(|i| rows.iter().map(|x| x[i]).collect())
                .collect();
            let refs: Vec<&[f64]> = est.iter().map(|v| v.as_slice()).collect();
            let real = row();
            let t = bmp_bootstrap(&real, &refs, 1, &r, e);
            boot += usize::from(t.p_value < 0.05);
            analytic += usize::from(boehmer_musumeci_poulsen(&real).p_value < 0.05);
        }
        assert!(analytic > 60, "analytic BMP rejected {analytic} of 300");
        assert!((5..=30).contains(&boot), "bootstrap rejected {boot} of 300");
    }
}
