//! The events' series that the battery needs beyond one day's or window's values:
//! estimation-window abnormal returns, their standardized form and ranks, the Corrado
//! ranks over the combined windows, the events' pairwise correlations, the out-of-sample
//! pseudo ARs of the placebo test and what the joint test reads. Built once per run; every
//! day and window of the battery reads it for its subset of events.
//!
//! Span returns (a return spanning d sessions after a halt, trade-to-trade): one convention
//! for every test that ranks or signs abnormal returns or takes their time-series scale:
//! a span-d AR is standardized by √d (AR/√d, one session's scale) before it is ranked
//! (Corrado, GRANK), signed (sign, generalized sign: the sign is unchanged by the scaling,
//! so their counts and p̂ are the raw ARs') or enters the estimation-window AAR series of
//! the crude dependence adjustment. GRANK's SARs are AR/(s√d).

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;

use super::TestStat;
use super::binder::JointEvent;
use super::bootstrap::ByPosition;
use super::bootstrap::Resampling;
use super::corrado::{DaySums, DoubledRanks, NO_RANK, Twice, centred_rank, day_sums};
use super::cowan::{cowan_share, p_hat_of_shares};
use super::grank::{doubled_own_ranks, grank_by_position};
use super::kolari_pynnonen::{KP_MIN_COMMON, pairwise_correlation};
use super::placebo::{placebo_in_blocks, placebo_permutation, pseudo_cars, pseudo_cars_len};

/// Above this many events r̄ is estimated from standardized sums (O(N·T)) instead of the
/// N(N − 1)/2 pairwise correlations.
pub const EXACT_CORRELATION_MAX: usize = 1000;

/// The pairs whose correlations one statistic of a run may take (those of
/// [`EXACT_CORRELATION_MAX`] events): where several panels are tested together (each
/// event date on its own), their pairs count together, so that r̄'s cost stays linear in
/// the events however densely they fall on each date.
pub const EXACT_CORRELATION_PAIRS: usize = EXACT_CORRELATION_MAX * (EXACT_CORRELATION_MAX - 1) / 2;

/// One event's inputs.
#[derive(Debug, Clone)]
pub struct PanelEvent<'a> {
    /// Estimation-window ARs by event time (element j: τ = estimation start + j), NaN where
    /// none.
    pub est_ar: &'a [f64],
    /// Spans of those returns (0 where none).
    pub est_span: &'a [u32],
    /// Event-window ARs by event time (element j: τ = event-window start + j), NaN where
    /// none.
    pub event_ar: Vec<f64>,
    /// Spans of those returns (0 where none).
    pub event_span: Vec<u32>,
    /// Residual variance s² of the normal-return model.
    pub s2: f64,
    /// k: regressors of the model's prediction row.
    pub k: usize,
    /// Unscaled prediction rows of the estimation returns, k per position (zeros where none).
    pub est_x: &'a [f64],
    /// Unscaled prediction rows of the event-window sessions, k per session.
    pub event_x: &'a [f64],
    /// (X'X)⁻¹ of the span-weighted estimation design, k × k.
    pub xtx_inv: &'a [f64],
    /// The event's calendar grid: events with the same value have the same estimation and
    /// event-window sessions (events on one date of one exchange).
    pub grid: u32,
}

/// Every event's series, aligned by event time. Each derived series is computed on first
/// use (a run's lead path reads none of them, the battery all), in parallel over events.
#[derive(Debug, Clone)]
pub struct Panel<'a> {
    events: Vec<PanelEvent<'a>>,
    /// AR / (s √d) on the estimation window, by position (est_len rows of N, NaN where an
    /// event has none), the ranks of each event's SARs among its own values in the same
    /// layout, and each event's number of finite SARs.
    sar: OnceLock<Sars>,
    /// Leave-one-out prediction errors of the estimation returns (the placebo's one-day
    /// pseudo ARs).
    est_loo: OnceLock<Vec<Vec<f64>>>,
    /// Whether one-session pseudo CARs are kept in `est_loo` once computed (until
    /// [`Panel::forget_loo`]).
    keep_loo: bool,
    /// Standardized ranks of AR/√d over the estimation window followed by the event window.
    corrado: OnceLock<Vec<DoubledRanks>>,
    est_len: usize,
    /// Up to this many events r̄ is the exact mean of pairwise correlations
    /// ([`EXACT_CORRELATION_MAX`]).
    exact_max: usize,
    /// Pairwise correlations, row-major N × N (NaN where a pair does not qualify), for
    /// N ≤ `exact_max`.
    corr: OnceLock<Vec<f64>>,
    /// Beyond it, each event's moments for its standardized estimation ARs (z = (AR −
    /// mean)/sd, 0 where missing; [`standardize`]), computed where they are read.
    z: OnceLock<Vec<(f64, f64, bool)>>,
    /// r̄ and the estimation AAR series of the member sets seen so far: the days and windows
    /// of a run mostly test the same events, and each of these reads every member's
    /// estimation window.
    rbar_memo: Memo<f64>,
    est_aar_memo: Memo<Vec<f64>>,
    /// Corrado's day sums and S_U of the member sets seen so far ([`Panel::prepare`] keeps
    /// those of a run's days and windows).
    corrado_memo: Memo<DaySums>,
    /// Each event's share of positive estimation ARs ([`cowan_share`]), for p̂.
    shares: OnceLock<Vec<Option<f64>>>,
}

/// Member sets kept by a [`Memo`]; further sets are computed and not kept.
const MEMO_SETS: usize = 64;

/// Values computed from a set of members, kept for the next request with the same set
/// (compared element by element, so a hit is the same input). The sets are kept as
/// [`MemberKey`]s: a day's or window's members (most of a large panel's events) would
/// otherwise be held as 8 bytes per member for each kept set.
#[derive(Debug)]
struct Memo<T>(Mutex<Vec<(MemberKey, Arc<T>)>>);

/// A member set, losslessly encoded: the differences between consecutive members (the
/// first from 0), zigzag-mapped and written as LEB128 varints. Members ascending one by
/// one (a sample's, which lists every event with a value in order) take one byte each.
/// Two keys are equal exactly when their sets are (the encoding is invertible).
#[derive(Debug, Clone, PartialEq, Eq)]
struct MemberKey(Vec<u8>);

impl MemberKey {
    fn of(members: &[usize]) -> Self {
        let mut out = Vec::with_capacity(members.len() + 8);
        let mut prev = 0i128;
        for &m in members {
            let d = m as i128 - prev;
            prev = m as i128;
            // Zigzag: 0, -1, 1, -2, 2, … → 0, 1, 2, 3, 4, …
            let mut z = ((d << 1) ^ (d >> 127)) as u128;
            loop {
                let byte = (z & 0x7f) as u8;
                z >>= 7;
                if z == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        MemberKey(out)
    }

    #[cfg(test)]
    fn members(&self) -> Vec<usize> {
        let (mut out, mut prev, mut z, mut shift) = (Vec::new(), 0i128, 0u128, 0u32);
        for &b in &self.0 {
            z |= u128::from(b & 0x7f) << shift;
            shift += 7;
            if b & 0x80 == 0 {
                let d = (z >> 1) as i128 ^ -((z & 1) as i128);
                prev += d;
                out.push(prev as usize);
                (z, shift) = (0, 0);
            }
        }
        out
    }
}

/// A clone starts empty: the values are functions of the panel, computed again on demand.
impl<T> Clone for Memo<T> {
    fn clone(&self) -> Self {
        Memo::new()
    }
}

impl<T> Memo<T> {
    fn new() -> Self {
        Memo(Mutex::new(Vec::new()))
    }

    /// Keeps `value` for `members` while there is room, unless one is kept for them.
    fn insert(&self, members: &[usize], value: T) {
        let key = MemberKey::of(members);
        let mut kept = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if kept.len() < MEMO_SETS && !kept.iter().any(|(m, _)| *m == key) {
            kept.push((key, Arc::new(value)));
        }
    }

    fn get_or(&self, members: &[usize], f: impl FnOnce() -> T) -> Arc<T> {
        let lock = || {
            self.0
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        };
        let key = MemberKey::of(members);
        if let Some((_, v)) = lock().iter().find(|(m, _)| *m == key) {
            return Arc::clone(v);
        }
        let v = Arc::new(f());
        let mut kept = lock();
        if kept.len() < MEMO_SETS {
            kept.push((key, Arc::clone(&v)));
        }
        v
    }
}

/// Events whose pseudo CARs [`Panel::placebo`] computes at once (about 8 MB of rows with
/// an estimation window of 250 sessions).
const PSEUDO_BLOCK: usize = 4096;

/// Events per block when the SARs are laid out by position.
const SAR_BLOCK: usize = 4096;

/// The estimation SARs by position, their ranks, and each event's number of finite SARs.
#[derive(Debug, Clone)]
struct Sars {
    sar: Vec<f64>,
    /// Twice each rank ([`doubled_own_ranks`]; `NO_RANK` where there is no SAR, never read).
    ranks: Vec<Twice>,
    finite: Vec<usize>,
}

/// AR/√d: one session's scale.
fn unit(ar: &[f64], span: &[u32]) -> Vec<f64> {
    ar.iter()
        .zip(span)
        .map(|(a, d)| a / f64::from((*d).max(1)).sqrt())
        .collect()
}

impl<'a> Panel<'a> {
    pub fn new(events: Vec<PanelEvent<'a>>) -> Self {
        let est_len = events.iter().map(|e| e.est_ar.len()).max().unwrap_or(0);
        Panel {
            events,
            sar: OnceLock::new(),
            est_loo: OnceLock::new(),
            keep_loo: true,
            corrado: OnceLock::new(),
            est_len,
            exact_max: EXACT_CORRELATION_MAX,
            corr: OnceLock::new(),
            z: OnceLock::new(),
            rbar_memo: Memo::new(),
            est_aar_memo: Memo::new(),
            corrado_memo: Memo::new(),
            shares: OnceLock::new(),
        }
    }

    /// The panel with r̄ from the pooled estimate whatever its number of events (see
    /// [`Panel::mean_correlation`]): for panels whose pairs together pass
    /// [`EXACT_CORRELATION_PAIRS`].
    #[must_use]
    pub fn pooled_correlation(mut self) -> Self {
        self.exact_max = 0;
        self
    }

    /// The SARs and their ranks by position, built in blocks of events (each block's rows
    /// in parallel, then written into place), so that no second copy of every row is held.
    fn sars(&self) -> &Sars {
        self.sar.get_or_init(|| {
            let (n, len) = (self.events.len(), self.est_len);
            let mut sar = vec![f64::NAN; len * n];
            let mut ranks = vec![NO_RANK; len * n];
            let mut finite = Vec::with_capacity(n);
            for (b, block) in self.events.chunks(SAR_BLOCK).enumerate() {
                let rows: Vec<(Vec<f64>, Vec<Twice>)> = block
                    .par_iter()
                    .map(|e| {
                        let s: Vec<f64> = e
                            .est_ar
                            .iter()
                            .zip(e.est_span)
                            .map(|(a, d)| a / (e.s2 * f64::from((*d).max(1))).sqrt())
                            .collect();
                        let r = doubled_own_ranks(&s);
                        (s, r)
                    })
                    .collect();
                for (k, (s, r)) in rows.into_iter().enumerate() {
                    let i = b * SAR_BLOCK + k;
                    finite.push(s.iter().filter(|v| v.is_finite()).count());
                    for (t, (v, q)) in s.into_iter().zip(r).enumerate() {
                        sar[t * n + i] = v;
                        ranks[t * n + i] = q;
                    }
                }
            }
            Sars { sar, ranks, finite }
        })
    }

    /// Event i's pseudo CARs of `len` sessions ([`pseudo_cars`]).
    fn pseudo_row(&self, i: usize, len: usize) -> Vec<f64> {
        let e = &self.events[i];
        pseudo_cars(e.est_ar, e.est_span, e.est_x, e.k, len)
    }

    fn loo_rows(&self) -> &[Vec<f64>] {
        self.est_loo.get_or_init(|| {
            (0..self.events.len())
                .into_par_iter()
                .map(|i| self.pseudo_row(i, 1))
                .collect()
        })
    }

    fn corr_matrix(&self) -> &[f64] {
        self.corr.get_or_init(|| {
            let (events, n) = (&self.events, self.events.len());
            let rows: Vec<Vec<f64>> = (0..n)
                .into_par_iter()
                .map(|i| {
                    (i + 1..n)
                        .map(|j| {
                            pairwise_correlation(events[i].est_ar, events[j].est_ar, KP_MIN_COMMON)
                                .unwrap_or(f64::NAN)
                        })
                        .collect()
                })
                .collect();
            let mut c = vec![f64::NAN; n * n];
            for (i, row) in rows.iter().enumerate() {
                for (j, r) in (i + 1..n).zip(row) {
                    c[i * n + j] = *r;
                    c[j * n + i] = *r;
                }
            }
            c
        })
    }

    /// Each event's mean and sd (divisor n) of its finite estimation ARs, and whether it
    /// has two at least ([`standardize`]'s terms, so that z is computed where it is read).
    fn moments(&self) -> &[(f64, f64, bool)] {
        self.z.get_or_init(|| {
            self.events
                .par_iter()
                .map(|e| {
                    let v: Vec<f64> = e.est_ar.iter().copied().filter(|v| v.is_finite()).collect();
                    if v.len() < 2 {
                        return (0.0, 0.0, false);
                    }
                    let m = v.iter().sum::<f64>() / v.len() as f64;
                    let sd =
                        (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
                    (m, sd, true)
                })
                .collect()
        })
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Number of estimation-window positions (the Corrado grid's event window starts here).
    pub fn est_len(&self) -> usize {
        self.est_len
    }

    /// p̂ of the generalized sign tests over the members ([`super::cowan_p_hat`] of their
    /// estimation ARs, to the bit: each event's share is counted once per run).
    pub fn p_hat(&self, members: &[usize]) -> f64 {
        let shares = self.shares.get_or_init(|| {
            self.events
                .par_iter()
                .map(|e| cowan_share(e.est_ar))
                .collect()
        });
        p_hat_of_shares(members.iter().map(|&i| shares[i]))
    }

    /// AR/√d on the estimation window (the span convention; see the module doc).
    /// The estimation-window AAR series on one session's scale: at each position, the mean
    /// of the members' AR/√d there (over those with one; positions without any left out),
    /// as [`super::pseudo_window_means`] of windows of one session computes it (to the bit:
    /// each event's running sum and its differences), without a copy of every row.
    pub fn est_aar(&self, members: &[usize]) -> Arc<Vec<f64>> {
        self.est_aar_memo
            .get_or(members, || self.est_aar_of(members))
    }

    fn est_aar_of(&self, members: &[usize]) -> Vec<f64> {
        let width = self.est_width(members);
        let (mut sum, mut cnt) = (vec![0.0; width], vec![0usize; width]);
        for &i in members {
            for (t, (v, ok)) in aar_terms(&self.events[i]).enumerate() {
                if ok {
                    sum[t] += v;
                    cnt[t] += 1;
                }
            }
        }
        means(&sum, &cnt)
    }

    /// Each member's out-of-sample pseudo CARs of `len` sessions at every placement inside
    /// the estimation window ([`pseudo_cars`]; for one session, the stored leave-one-out
    /// prediction errors).
    pub fn pseudo_cars(&self, members: &[usize], len: usize) -> Vec<Cow<'_, [f64]>> {
        if len == 1 && self.keep_loo {
            let loo = self.loo_rows();
            return members
                .iter()
                .map(|&i| Cow::Borrowed(loo[i].as_slice()))
                .collect();
        }
        members
            .par_iter()
            .map(|&i| Cow::Owned(self.pseudo_row(i, len)))
            .collect()
    }

    /// The placebo test of the members on windows of `len` sessions
    /// ([`placebo_permutation`]: `real` the sample's mean, `n` its events, `key` its
    /// streams). The stored leave-one-out errors for one session; otherwise the members'
    /// pseudo CARs are computed [`PSEUDO_BLOCK`] events at a time and each block is added
    /// into the draws before the next is computed (the same values, bit for bit), so that
    /// a window holds a block of rows, not an estimation window's worth per event.
    pub fn placebo(
        &self,
        members: &[usize],
        len: usize,
        real: f64,
        n: usize,
        r: &Resampling,
        key: u64,
    ) -> TestStat {
        let groups = self.grids(members);
        if len == 1 && self.keep_loo {
            let rows = self.pseudo_cars(members, 1);
            let rows: Vec<&[f64]> = rows.iter().map(|c| c.as_ref()).collect();
            return placebo_permutation(real, n, &rows, &groups, r, key);
        }
        let width = members
            .iter()
            .map(|&i| {
                let e = &self.events[i];
                pseudo_cars_len(e.est_ar.len(), e.est_x.len(), e.k, len)
            })
            .max()
            .unwrap_or(0);
        placebo_in_blocks(real, n, width, &groups, r, key, |f| {
            for block in members.chunks(PSEUDO_BLOCK) {
                let rows: Vec<Vec<f64>> =
                    block.par_iter().map(|&i| self.pseudo_row(i, len)).collect();
                let rows: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
                f(&rows);
            }
        })
    }

    /// Drops the stored leave-one-out errors and stores them no more: one-session pseudo
    /// CARs are then computed where asked (the same function, the same values), for the
    /// samples after the event days (an estimation window's worth per event that would
    /// otherwise sit beside each window's own pseudo CARs).
    pub fn forget_loo(&mut self) {
        self.est_loo = OnceLock::new();
        self.keep_loo = false;
    }

    /// The members' calendar grids.
    pub fn grids(&self, members: &[usize]) -> Vec<u32> {
        members.iter().map(|&i| self.events[i].grid).collect()
    }

    /// Whether the members share one calendar grid (events on one date: the joint test's
    /// condition).
    pub fn one_grid(&self, members: &[usize]) -> bool {
        members
            .windows(2)
            .all(|w| self.events[w[0]].grid == self.events[w[1]].grid)
    }

    /// What the joint test reads of each member, and k (None when the members' models
    /// differ in k).
    pub fn joint_events(&self, members: &[usize]) -> Option<(Vec<JointEvent<'_>>, usize)> {
        let k = self.events.get(*members.first()?)?.k;
        let ev: Vec<JointEvent<'_>> = members
            .iter()
            .map(|&i| {
                let e = &self.events[i];
                JointEvent {
                    est_ar: e.est_ar,
                    est_span: e.est_span,
                    est_x: e.est_x,
                    xtx_inv: e.xtx_inv,
                    event_ar: &e.event_ar,
                    event_span: &e.event_span,
                    event_x: e.event_x,
                }
            })
            .collect();
        members
            .iter()
            .all(|&i| self.events[i].k == k)
            .then_some((ev, k))
    }

    /// Every event's estimation SARs by position (row t: the N events' SARs at position
    /// t), for the BMP bootstrap's draws of positions.
    pub(crate) fn sar_by_position(&self) -> ByPosition<'_> {
        ByPosition {
            data: &self.sars().sar,
            stride: self.events.len(),
        }
    }

    /// GRANK on the members' estimation SARs and `event_std` (their SAR or SCAR).
    pub(crate) fn grank(&self, members: &[usize], event_std: &[f64]) -> TestStat {
        let s = self.sars();
        let stride = self.events.len();
        grank_by_position(
            ByPosition {
                data: &s.sar,
                stride,
            },
            ByPosition {
                data: &s.ranks,
                stride,
            },
            &s.finite,
            members,
            self.est_width(members),
            event_std,
        )
    }

    /// The longest estimation window of the members (in positions).
    pub(crate) fn est_width(&self, members: &[usize]) -> usize {
        members
            .iter()
            .map(|&i| self.events[i].est_ar.len())
            .max()
            .unwrap_or(0)
    }

    pub fn corrado_ranks(&self, members: &[usize]) -> Vec<&DoubledRanks> {
        let c = self.corrado_all();
        members.iter().map(|&i| &c[i]).collect()
    }

    /// Every event's Corrado ranks.
    fn corrado_all(&self) -> &[DoubledRanks] {
        self.corrado.get_or_init(|| {
            let est_len = self.est_len;
            self.events
                .par_iter()
                .map(|e| {
                    let mut all = unit(e.est_ar, e.est_span);
                    all.resize(est_len, f64::NAN);
                    all.extend(unit(&e.event_ar, &e.event_span));
                    DoubledRanks::of(&all)
                })
                .collect()
        })
    }

    /// Corrado's day sums and S_U over the members' ranks ([`day_sums`]), once per member
    /// set.
    pub(crate) fn corrado_day_sums(&self, members: &[usize]) -> Arc<DaySums> {
        self.corrado_memo
            .get_or(members, || day_sums(&self.corrado_ranks(members)))
    }

    /// r̄ of Kolari & Pynnönen (2010) over the members: the mean of their pairwise
    /// correlations (pairs with at least [`KP_MIN_COMMON`] common observations). Beyond
    /// [`EXACT_CORRELATION_MAX`] events, the estimate Σ_t (S_t² − Σ_i z_it²) / Σ_t (c_t² −
    /// c_t) from each event's standardized series z (S_t their sum, c_t the events with an
    /// observation at t): the pairwise products pooled over pairs instead of averaged.
    /// NaN without a qualifying pair.
    pub fn mean_correlation(&self, members: &[usize]) -> f64 {
        *self
            .rbar_memo
            .get_or(members, || self.mean_correlation_of(members))
    }

    fn mean_correlation_of(&self, members: &[usize]) -> f64 {
        let n = self.events.len();
        if n <= self.exact_max {
            let c = self.corr_matrix();
            let (mut sum, mut k) = (0.0, 0usize);
            for (a, &i) in members.iter().enumerate() {
                for &j in &members[a + 1..] {
                    let r = c[i * n + j];
                    if r.is_finite() {
                        sum += r;
                        k += 1;
                    }
                }
            }
            return if k == 0 { f64::NAN } else { sum / k as f64 };
        }
        let z = self.moments();
        let mut s = vec![0.0; self.est_len];
        let mut q = vec![0.0; self.est_len];
        let mut c = vec![0usize; self.est_len];
        for &i in members {
            for (t, (v, ok)) in z_terms(&self.events[i], z[i]).enumerate() {
                if ok {
                    s[t] += v;
                    q[t] += v * v;
                    c[t] += 1;
                }
            }
        }
        pooled_rbar(&s, &q, &c)
    }

    /// The estimation AAR, r̄ (the pooled estimate, beyond `exact_max` events) and
    /// Corrado's day sums of each of `sets` (a run's days and windows, each its members in
    /// ascending order), computed in one pass over the events and kept for the battery.
    /// Each event's series are computed once and added into every set that holds it, in
    /// event order: each set's sums are the additions [`Panel::est_aar`],
    /// [`Panel::mean_correlation`] and [`Panel::corrado_day_sums`] make on it alone, so the
    /// same bits, where those read every member's windows again for each set. Sets not in
    /// ascending order are left to those.
    pub fn prepare(&self, sets: &[Vec<usize>]) {
        let sets: Vec<&[usize]> = sets
            .iter()
            .map(Vec::as_slice)
            .filter(|s| !s.is_empty() && s.windows(2).all(|w| w[0] < w[1]))
            .collect();
        if sets.is_empty() {
            return;
        }
        let (n, e) = (self.events.len(), self.est_len);
        let z = (n > self.exact_max).then(|| self.moments());
        let ranks = self.corrado_all();
        let len = ranks.iter().map(|r| r.twice.len()).max().unwrap_or(0);
        let mut acc: Vec<SetSums> = sets.iter().map(|_| SetSums::new(e, len)).collect();
        for first in (0..n).step_by(PREPARE_BLOCK) {
            let block = first..(first + PREPARE_BLOCK).min(n);
            let rows: Vec<EventSeries> = block
                .clone()
                .into_par_iter()
                .map(|i| EventSeries::of(&self.events[i], z.map(|z| z[i]), &ranks[i]))
                .collect();
            acc.par_iter_mut().zip(&sets).for_each(|(a, set)| {
                for (i, row) in block.clone().zip(&rows) {
                    if set.get(a.next) == Some(&i) {
                        a.next += 1;
                        a.add(row);
                    }
                }
            });
        }
        for (a, set) in acc.into_iter().zip(&sets) {
            self.est_aar_memo.insert(set, means(&a.aar, &a.aar_n));
            if z.is_some() {
                self.rbar_memo.insert(set, pooled_rbar(&a.zs, &a.zq, &a.zn));
            }
            self.corrado_memo
                .insert(set, DaySums::of_sums(&a.u, &a.u_n));
        }
    }
}

/// Events per block of [`Panel::prepare`] (about 7 MB of their series).
const PREPARE_BLOCK: usize = 1024;

/// One event's terms of the sums [`Panel::prepare`] makes, each with whether it counts:
/// its estimation AAR increments (AR/√d as differences of its running sum), its
/// standardized estimation ARs z (for r̄) and its Corrado U − ½.
struct EventSeries {
    aar: Vec<(f64, bool)>,
    z: Vec<(f64, bool)>,
    u: Vec<(f64, bool)>,
}

impl EventSeries {
    fn of(e: &PanelEvent<'_>, z: Option<(f64, f64, bool)>, ranks: &DoubledRanks) -> Self {
        EventSeries {
            aar: aar_terms(e).collect(),
            z: z.map_or_else(Vec::new, |z| z_terms(e, z).collect()),
            u: (0..ranks.twice.len())
                .map(|t| centred_rank(&ranks, t))
                .collect(),
        }
    }
}

/// An event's terms of the estimation AAR at each position, and whether it counts: AR/√d
/// (the span convention) as the difference of its running sum over the positions, as
/// [`super::pseudo_window_means`] of windows of one session takes it.
fn aar_terms<'e>(e: &'e PanelEvent<'_>) -> impl Iterator<Item = (f64, bool)> + 'e {
    let mut ps = 0.0;
    e.est_ar.iter().zip(e.est_span).map(move |(a, d)| {
        // a / √1 is a, exactly: only span returns pay the square root.
        let v = if *d <= 1 {
            *a
        } else {
            a / f64::from(*d).sqrt()
        };
        let ok = v.is_finite();
        let next = ps + if ok { v } else { 0.0 };
        let term = (next - ps, ok);
        ps = next;
        term
    })
}

/// An event's standardized estimation ARs z = (AR − mean)/sd from its [`Panel::moments`]
/// (0 with fewer than two ARs), and whether the AR exists.
fn z_terms<'e>(
    e: &'e PanelEvent<'_>,
    (m, sd, two): (f64, f64, bool),
) -> impl Iterator<Item = (f64, bool)> + 'e {
    e.est_ar.iter().map(move |a| {
        let v = if two && sd > 0.0 { (a - m) / sd } else { 0.0 };
        (v, a.is_finite())
    })
}

/// One set's running sums in [`Panel::prepare`], and its next member.
struct SetSums {
    aar: Vec<f64>,
    aar_n: Vec<usize>,
    zs: Vec<f64>,
    zq: Vec<f64>,
    zn: Vec<usize>,
    u: Vec<f64>,
    u_n: Vec<usize>,
    next: usize,
}

impl SetSums {
    fn new(est_len: usize, len: usize) -> Self {
        SetSums {
            aar: vec![0.0; est_len],
            aar_n: vec![0; est_len],
            zs: vec![0.0; est_len],
            zq: vec![0.0; est_len],
            zn: vec![0; est_len],
            u: vec![0.0; len],
            u_n: vec![0; len],
            next: 0,
        }
    }

    fn add(&mut self, row: &EventSeries) {
        for ((s, c), &(v, ok)) in self.aar.iter_mut().zip(&mut self.aar_n).zip(&row.aar) {
            if ok {
                *s += v;
                *c += 1;
            }
        }
        for (t, &(v, ok)) in row.z.iter().enumerate() {
            if ok {
                self.zs[t] += v;
                self.zq[t] += v * v;
                self.zn[t] += 1;
            }
        }
        for ((s, c), &(v, ok)) in self.u.iter_mut().zip(&mut self.u_n).zip(&row.u) {
            if ok {
                *s += v;
                *c += 1;
            }
        }
    }
}

/// Each position's mean over the events with a value there (positions without one left
/// out): the estimation AAR series.
fn means(sum: &[f64], cnt: &[usize]) -> Vec<f64> {
    sum.iter()
        .zip(cnt)
        .filter(|(_, c)| **c > 0)
        .map(|(s, c)| s / *c as f64)
        .collect()
}

/// The pooled r̄ from each position's sum S_t of z, sum of z² and count c_t:
/// Σ_t (S_t² − Σ_i z_it²) / Σ_t (c_t² − c_t); NaN without a pair.
fn pooled_rbar(s: &[f64], q: &[f64], c: &[usize]) -> f64 {
    let num: f64 = s.iter().zip(q).map(|(s, q)| s * s - q).sum();
    let den: f64 = c.iter().map(|&c| (c * c - c) as f64).sum();
    if den > 0.0 { num / den } else { f64::NAN }
}

/// (x − mean)/sd over the finite values (divisor n), 0 elsewhere.
#[cfg(test)]
fn standardize(x: &[f64]) -> Vec<f64> {
    let v: Vec<f64> = x.iter().copied().filter(|v| v.is_finite()).collect();
    if v.len() < 2 {
        return vec![0.0; x.len()];
    }
    let m = v.iter().sum::<f64>() / v.len() as f64;
    let sd = (v.iter().map(|a| (a - m).powi(2)).sum::<f64>() / v.len() as f64).sqrt();
    x.iter()
        .map(|a| {
            if a.is_finite() && sd > 0.0 {
                (a - m) / sd
            } else {
                0.0
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{ROUNDOFF, assert_close};

    fn series(seed: u64, len: usize, common: &[f64], w: f64) -> Vec<f64> {
        let mut r = crate::synth::Rng::new(seed, 7);
        (0..len).map(|t| w * common[t] + r.normal()).collect()
    }

    /// `n` events' estimation ARs (`len(i)` positions, one in 12 missing) and their spans
    /// (0 where missing, 2 at every 31st position from the 5th, else 1).
    fn gappy_estimation_rows(
        g: &mut crate::synth::Rng,
        n: usize,
        len: impl Fn(usize) -> usize,
    ) -> (Vec<Vec<f64>>, Vec<Vec<u32>>) {
        let ars: Vec<Vec<f64>> = (0..n)
            .map(|i| {
                (0..len(i))
                    .map(|_| {
                        if g.below(12) == 0 {
                            f64::NAN
                        } else {
                            0.01 * g.normal()
                        }
                    })
                    .collect()
            })
            .collect();
        let spans = ars
            .iter()
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(t, v)| match (v.is_finite(), t % 31) {
                        (false, _) => 0,
                        (true, 5) => 2,
                        _ => 1,
                    })
                    .collect()
            })
            .collect();
        (ars, spans)
    }

    /// Unscaled market-model prediction rows [d, 0.02·N(0, 1)] by position (zeros where
    /// there is no return).
    fn prediction_rows(g: &mut crate::synth::Rng, spans: &[Vec<u32>]) -> Vec<Vec<f64>> {
        spans
            .iter()
            .map(|s| {
                s.iter()
                    .flat_map(|&d| [f64::from(d), if d > 0 { 0.02 * g.normal() } else { 0.0 }])
                    .collect()
            })
            .collect()
    }

    /// Market-model events (k = 2, s² = 1e-4, three event-window sessions) of these
    /// estimation rows, event i on grid `grid(i)`.
    fn market_model_events<'a>(
        ars: &'a [Vec<f64>],
        spans: &'a [Vec<u32>],
        xs: &'a [Vec<f64>],
        grid: impl Fn(usize) -> u32,
    ) -> Vec<PanelEvent<'a>> {
        (0..ars.len())
            .map(|i| PanelEvent {
                est_ar: &ars[i],
                est_span: &spans[i],
                event_ar: vec![0.0; 3],
                event_span: vec![1; 3],
                s2: 1e-4,
                k: 2,
                est_x: &xs[i],
                event_x: &[],
                xtx_inv: &[],
                grid: grid(i),
            })
            .collect()
    }

    /// One-session pseudo CARs are the stored leave-one-out errors until `forget_loo`, then
    /// computed where asked and not stored: the same values, bit for bit.
    #[test]
    fn forgotten_leave_one_out_errors_are_computed_again_the_same() {
        let mut g = crate::synth::Rng::new(4, 1);
        let n = 12;
        let (ars, spans) = gappy_estimation_rows(&mut g, n, |_| 150);
        let xs = prediction_rows(&mut g, &spans);
        let ev = market_model_events(&ars, &spans, &xs, |_| 0);
        let mut panel = Panel::new(ev);
        let members: Vec<usize> = (0..n).filter(|i| i % 4 != 1).collect();
        let bits = |rows: &[Cow<'_, [f64]>]| -> Vec<Vec<u64>> {
            rows.iter()
                .map(|r| r.iter().map(|v| v.to_bits()).collect())
                .collect()
        };
        let kept = panel.pseudo_cars(&members, 1);
        assert!(kept.iter().all(|r| matches!(r, Cow::Borrowed(_))));
        assert!(
            kept.iter()
                .all(|r| r.iter().filter(|v| v.is_finite()).count() > 120)
        );
        let kept = bits(&kept);
        panel.forget_loo();
        let again = panel.pseudo_cars(&members, 1);
        assert!(again.iter().all(|r| matches!(r, Cow::Owned(_))));
        assert_eq!(bits(&again), kept);
        assert!(panel.est_loo.get().is_none(), "not stored again");
    }

    /// The panel's placebo (pseudo CARs computed a block at a time, or the stored
    /// leave-one-out errors) equals the placebo of every member's pseudo CARs at once, to
    /// the bit: events on several dates and on one, windows of one and of five sessions,
    /// before and after `forget_loo`.
    #[test]
    fn panel_placebo_equals_the_placebo_of_every_row() {
        let mut g = crate::synth::Rng::new(6, 1);
        let n = 15;
        let (ars, spans) = gappy_estimation_rows(&mut g, n, |i| if i % 5 == 3 { 120 } else { 140 });
        let xs = prediction_rows(&mut g, &spans);
        let r = Resampling {
            resamples: 200,
            seed: 3,
        };
        for dates in [3u32, 1] {
            let ev = market_model_events(&ars, &spans, &xs, |i| i as u32 % dates);
            let mut panel = Panel::new(ev);
            let members: Vec<usize> = (0..n).filter(|i| i % 6 != 2).collect();
            let want = |len: usize| {
                let rows: Vec<Vec<f64>> = members
                    .iter()
                    .map(|&i| pseudo_cars(&ars[i], &spans[i], &xs[i], 2, len))
                    .collect();
                let rows: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
                let t =
                    placebo_permutation(0.01, members.len(), &rows, &panel.grids(&members), &r, 7);
                assert!(t.p_value.is_finite(), "{t:?}");
                (t.statistic.to_bits(), t.p_value.to_bits())
            };
            let got = |panel: &Panel, len: usize| {
                let t = panel.placebo(&members, len, 0.01, members.len(), &r, 7);
                (t.statistic.to_bits(), t.p_value.to_bits())
            };
            let (one, five) = (want(1), want(5));
            assert_ne!(one, five);
            assert_eq!(got(&panel, 1), one);
            assert_eq!(got(&panel, 5), five);
            panel.forget_loo();
            assert_eq!(got(&panel, 1), one);
            assert_eq!(got(&panel, 5), five);
        }
    }

    /// The panel's by-position paths (GRANK, the BMP bootstrap) on a subset of its events
    /// (and p̂) give to the bit what the per-event functions give on the members' own rows: gaps,
    /// spans of two sessions and a shorter estimation window included.
    #[test]
    fn by_position_paths_equal_the_per_event_functions() {
        use crate::stats::bootstrap::{Resampling, bmp_bootstrap, bmp_bootstrap_by_position};
        let mut g = crate::synth::Rng::new(2, 2);
        let n = 40;
        let (ars, spans) = gappy_estimation_rows(&mut g, n, |i| if i % 7 == 2 { 230 } else { 250 });
        let ev: Vec<PanelEvent> = ars
            .iter()
            .zip(&spans)
            .enumerate()
            .map(|(i, (a, s))| PanelEvent {
                est_ar: a,
                est_span: s,
                event_ar: vec![0.0; 3],
                event_span: vec![1; 3],
                s2: 1e-4 * (1.0 + i as f64 / 10.0),
                k: 0,
                est_x: &[],
                event_x: &[],
                xtx_inv: &[],
                grid: 0,
            })
            .collect();
        let panel = Panel::new(ev.clone());
        let members: Vec<usize> = (0..n).filter(|i| i % 3 != 1).collect();
        let std: Vec<f64> = members.iter().map(|_| 0.3 + g.normal()).collect();
        let rows_of: Vec<Vec<f64>> = ev
            .iter()
            .map(|e| {
                e.est_ar
                    .iter()
                    .zip(e.est_span)
                    .map(|(a, d)| a / (e.s2 * f64::from((*d).max(1))).sqrt())
                    .collect()
            })
            .collect();
        let refs: Vec<&[f64]> = members.iter().map(|&i| rows_of[i].as_slice()).collect();
        let units: Vec<Vec<f64>> = members
            .iter()
            .map(|&i| unit(ev[i].est_ar, ev[i].est_span))
            .collect();
        let unit_refs: Vec<&[f64]> = units.iter().map(|r| r.as_slice()).collect();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(
            bits(&panel.est_aar(&members)),
            bits(&crate::stats::pseudo_window_means(&unit_refs, 1))
        );
        let est: Vec<&[f64]> = members.iter().map(|&i| ev[i].est_ar).collect();
        let p_hat = crate::stats::cowan_p_hat(&est);
        assert!(p_hat > 0.3 && p_hat < 0.7);
        assert_eq!(panel.p_hat(&members).to_bits(), p_hat.to_bits());
        let want = crate::stats::grank_kolari_pynnonen(&refs, &std);
        let got = panel.grank(&members, &std);
        assert!(want.statistic.is_finite());
        assert_eq!(got.statistic.to_bits(), want.statistic.to_bits());
        assert_eq!(got.p_value.to_bits(), want.p_value.to_bits());
        let r = Resampling {
            resamples: 499,
            seed: 6,
        };
        // Most of the events (a draw adds whole rows) and a few of them (only theirs).
        let few: Vec<usize> = (0..n).filter(|i| i % 4 == 1).collect();
        for members in [&members, &few] {
            let std: Vec<f64> = members.iter().map(|_| 0.3 + g.normal()).collect();
            let refs: Vec<&[f64]> = members.iter().map(|&i| rows_of[i].as_slice()).collect();
            for len in [1usize, 4] {
                let a = bmp_bootstrap(&std, &refs, len, &r, 3);
                let b = bmp_bootstrap_by_position(
                    &std,
                    panel.sar_by_position(),
                    members,
                    panel.est_width(members),
                    len,
                    &r,
                    3,
                );
                assert!(a.p_value.is_finite() && a.p_value > 0.01 && a.p_value < 0.99);
                assert_eq!(a.p_value.to_bits(), b.p_value.to_bits(), "len {len}");
            }
        }
    }

    /// Panel events with estimation ARs `data` (spans `spans`) and nothing estimated, on one
    /// grid.
    fn estimation_only<'a>(data: &'a [Vec<f64>], spans: &'a [u32]) -> Vec<PanelEvent<'a>> {
        data.iter()
            .map(|d| PanelEvent {
                est_ar: d,
                est_span: spans,
                event_ar: vec![0.0; 3],
                event_span: vec![1; 3],
                s2: 1.0,
                k: 0,
                est_x: &[],
                event_x: &[],
                xtx_inv: &[],
                grid: 0,
            })
            .collect()
    }

    /// A member key is invertible (so two keys are equal exactly when their sets are), one
    /// byte per member for consecutive members, and keeps order, repeats and large gaps.
    #[test]
    fn member_keys_are_the_sets() {
        let sets: Vec<Vec<usize>> = vec![
            vec![],
            vec![0],
            (0..1000).collect(),
            vec![5, 3, 3, 0, usize::MAX, 7, 1 << 40, 2],
            vec![127, 128, 16_384, 16_383],
        ];
        for s in &sets {
            assert_eq!(MemberKey::of(s).members(), *s);
        }
        assert_eq!(MemberKey::of(&(0..1000).collect::<Vec<_>>()).0.len(), 1000);
        assert_ne!(MemberKey::of(&[1, 2]), MemberKey::of(&[2, 1]));
        assert_ne!(MemberKey::of(&[0, 1]), MemberKey::of(&[0, 1, 1]));
        assert_ne!(MemberKey::of(&[128]), MemberKey::of(&[0, 128]));
    }

    /// The one pass of `prepare` keeps, for each set, the bits each function computes on
    /// the set alone: the estimation AAR, the pooled r̄ and Corrado's day sums, with gaps,
    /// span returns and sets of different members (one not ascending, left alone).
    #[test]
    fn prepared_sums_are_those_of_each_set_alone() {
        let mut g = crate::synth::Rng::new(6, 1);
        let n = 2 * PREPARE_BLOCK + 37;
        let (ars, spans) = gappy_estimation_rows(&mut g, n, |i| if i % 9 == 4 { 200 } else { 250 });
        let ev: Vec<PanelEvent> = ars
            .iter()
            .zip(&spans)
            .map(|(a, s)| PanelEvent {
                est_ar: a,
                est_span: s,
                event_ar: (0..5).map(|_| g.normal() * 0.01).collect(),
                event_span: vec![1, 2, 1, 1, 0],
                s2: 1e-4,
                k: 0,
                est_x: &[],
                event_x: &[],
                xtx_inv: &[],
                grid: 0,
            })
            .collect();
        let sets: Vec<Vec<usize>> = vec![
            (0..n).collect(),
            (0..n).filter(|i| i % 3 != 0).collect(),
            (0..n).filter(|i| i % 500 == 7).collect(),
            vec![5, 3, 9],
        ];
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let day_bits = |d: &DaySums| (bits(&d.d), d.s_u.to_bits());
        // More events than EXACT_CORRELATION_MAX: r̄ is the pooled estimate.
        let (prepared, alone) = (Panel::new(ev.clone()), Panel::new(ev.clone()));
        prepared.prepare(&sets);
        let kept = prepared.est_aar_memo.0.lock().expect("memo").len();
        assert_eq!(kept, 3, "the three ascending sets");
        for set in &sets {
            assert_eq!(bits(&prepared.est_aar(set)), bits(&alone.est_aar(set)));
            assert_eq!(
                prepared.mean_correlation(set).to_bits(),
                alone.mean_correlation(set).to_bits()
            );
            assert_eq!(
                day_bits(&prepared.corrado_day_sums(set)),
                day_bits(&alone.corrado_day_sums(set))
            );
        }
        assert!(prepared.mean_correlation(&sets[1]).is_finite());
    }

    /// The memo keeps one value per member set: a second request for a set gets the value
    /// of its first computation, another set its own, and both equal a fresh panel's.
    #[test]
    fn memo_values_are_per_member_set() {
        let mut r = crate::synth::Rng::new(4, 2);
        let common: Vec<f64> = (0..120).map(|_| r.normal()).collect();
        let data: Vec<Vec<f64>> = (0..12).map(|i| series(i + 3, 120, &common, 0.7)).collect();
        let spans = vec![1u32; 120];
        let ev = estimation_only(&data, &spans);
        let panel = Panel::new(ev.clone());
        let (all, some): (Vec<usize>, Vec<usize>) = ((0..12).collect(), vec![0, 2, 5, 7, 11]);
        let first = (panel.mean_correlation(&all), panel.est_aar(&all));
        let other = (panel.mean_correlation(&some), panel.est_aar(&some));
        assert_ne!(first.0.to_bits(), other.0.to_bits());
        assert_ne!(first.1, other.1);
        assert_eq!(panel.mean_correlation(&all).to_bits(), first.0.to_bits());
        assert!(Arc::ptr_eq(&panel.est_aar(&all), &first.1), "not kept");
        let fresh = Panel::new(ev.clone());
        assert_eq!(fresh.mean_correlation(&some).to_bits(), other.0.to_bits());
        assert_eq!(*fresh.est_aar(&some), *other.1);
        // Corrado's day sums: each set's own, kept, and those a fresh panel computes.
        let bits = |d: &DaySums| {
            (
                d.d.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                d.s_u.to_bits(),
            )
        };
        let (a, b) = (panel.corrado_day_sums(&all), panel.corrado_day_sums(&some));
        assert_ne!(bits(&a), bits(&b));
        assert!(Arc::ptr_eq(&panel.corrado_day_sums(&all), &a), "not kept");
        let fresh = Panel::new(ev);
        assert_eq!(bits(&fresh.corrado_day_sums(&some)), bits(&b));
        assert_eq!(bits(&day_sums(&fresh.corrado_ranks(&all))), bits(&a));
    }

    /// The O(N·T) estimate of r̄ used beyond 1,000 events equals the exact mean of pairwise
    /// correlations on complete data (Σ_t z_i z_j / T is then r_ij; a second code path), and
    /// both are near the true ρ = 0.2 here.
    #[test]
    fn pooled_correlation_estimate_is_close_to_the_exact_one() {
        let mut r = crate::synth::Rng::new(1, 1);
        let common: Vec<f64> = (0..250).map(|_| r.normal()).collect();
        let w = 0.5; // corr = w²/(1 + w²) = 0.2
        let data: Vec<Vec<f64>> = (0..30).map(|i| series(i + 10, 250, &common, w)).collect();
        let spans = vec![1u32; 250];
        let ev = estimation_only(&data, &spans);
        let exact = Panel::new(ev.clone());
        let members: Vec<usize> = (0..30).collect();
        let a = exact.mean_correlation(&members);
        let mut pooled = Panel::new(ev);
        pooled.exact_max = 0;
        let b = pooled.mean_correlation(&members);
        assert_close!(b, a, ROUNDOFF);
        // The pooled estimate from stored standardized rows (the code before z was computed
        // where it is read): the same bits.
        let z: Vec<Vec<f64>> = data.iter().map(|d| standardize(d)).collect();
        let (mut s, mut q, mut c) = (vec![0.0; 250], vec![0.0; 250], vec![0usize; 250]);
        for (zi, d) in z.iter().zip(&data) {
            for (t, (v, a)) in zi.iter().zip(d).enumerate() {
                if a.is_finite() {
                    s[t] += v;
                    q[t] += v * v;
                    c[t] += 1;
                }
            }
        }
        let num: f64 = s.iter().zip(&q).map(|(s, q)| s * s - q).sum();
        let den: f64 = c.iter().map(|&c| (c * c - c) as f64).sum();
        assert_eq!(b.to_bits(), (num / den).to_bits());
        assert!((a - 0.2).abs() < 0.05, "{a}");
    }
}
