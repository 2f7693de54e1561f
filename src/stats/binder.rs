//! Binder (1985) and Schipper & Thompson (1983): the joint test of the abnormal returns of
//! events on one date, from the multivariate regression with event dummies.
//!
//! The model: for each security i = 1..N, over the estimation window and the tested event
//! sessions,
//!
//! R_it = x_it'b_i + Σ_τ γ_iτ D_τt + ε_it,  Cov(ε_it, ε_jt) = σ_ij, Cov(ε_it, ε_js) = 0 (t ≠ s),
//!
//! D_τt = 1 on event session τ only. With one dummy per event-window return, γ̂_iτ is the
//! return's prediction error from the estimation-window fit (the AR of `ar.csv`), and
//! Σ_τ γ̂_iτ the CAR. When every security has the same regressors (the same market returns
//! on the same sessions), SUR equals equation-by-equation OLS (Zellner 1962) and
//! Cov(γ̂_i, γ̂_j) = σ_ij C, C the dummies' block of the inverse moment matrix: C = I +
//! X_w (X'X)⁻¹ X_w', so Var(CAR_i) = σ_ii (L + x_w'(X'X)⁻¹x_w) as in `car.csv`.
//!
//! Wald statistic of H0: Rθ = 0, θ the stacked ARs (or CARs): W = (Rθ)'(R V R')⁻¹(Rθ),
//! χ²(q) asymptotically (q = rows of R). Four hypotheses per window (two per day):
//! `ar_zero` (every AR of every security in the window is zero), `car_zero` (every CAR is
//! zero), `ar_equal` (on each session the ARs are equal across securities), `car_equal`
//! (the CARs are equal across securities). F forms: where the hypothesis is one linear
//! combination per security (`car_zero`, `car_equal`, and both on one day) the statistic
//! is Hotelling's T², so F = (ν − q + 1)/(ν q) · W ~ F(q, ν − q + 1) exactly under normal
//! errors and identical regressors (ν = T − k); otherwise Binder's approximation
//! F = W/q ~ F(q, N(T − k)) (Binder 1985; Judge et al. 1985 for SUR restrictions).
//!
//! Halts and span returns: every return is a sum of daily errors over the sessions it spans
//! (a span-d return, trade-to-trade, carries d sessions), so each AR, CAR and estimation
//! residual is a linear combination of the daily errors u_it, and Cov(θ_a, θ_b) =
//! σ_ij Σ_t c_a(t) c_b(t) exactly, with c_a(t) = 1 on the sessions its returns span, minus
//! x̄_a'(X_i'X_i)⁻¹x_o / d_o on the sessions spanned by the estimation return o (the effect
//! of the fitted coefficients). A suspended session has no return and no dummy; the
//! resumption's span return is one dummy covering its sessions. With identical regressors
//! this is the textbook covariance above; with halts (regressors that differ across
//! securities) it is the exact covariance of the equation-by-equation estimates, which are
//! the ARs and CARs every other table reports (SUR-GLS would change them).
//! Σ̂ = E'E/(T − k) over the T estimation sessions on which every security has a
//! one-session return (sessions with a halt, a span return or a missing return for any
//! security are left out of Σ̂; ν = T − k).
//!
//! # References
//! Binder, J. J. (1985). Measuring the effects of regulation with stock price data. RAND
//! Journal of Economics 16(2), 167-183. Schipper, K., Thompson, R. (1983). The impact of
//! merger-related regulations on the shareholders of acquiring firms. Journal of Accounting
//! Research 21(1), 184-221. Zellner, A. (1962). An efficient method of estimating seemingly
//! unrelated regressions. JASA 57(298), 348-368. Judge, G. G., Griffiths, W. E., Hill,
//! R. C., Lütkepohl, H., Lee, T.-C. (1985). The Theory and Practice of Econometrics, 2nd ed.,
//! Wiley, ch. 12. Hotelling, H. (1931). The generalization of Student's ratio. Annals of
//! Mathematical Statistics 2(3), 360-378.

use nalgebra::{DMatrix, DVector};
use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF, FisherSnedecor};

/// Most restrictions of one hypothesis (the AR forms have N·L): beyond it the row is NaN.
pub const JOINT_MAX_RESTRICTIONS: usize = 1000;
/// Most securities the joint test takes (the N × N covariance is estimated from the
/// estimation window, which needs many more sessions than securities).
pub const JOINT_MAX_N: usize = 200;

/// One security's inputs on the common grid of event time (the estimation window's
/// positions 0..E, then the event window's 0..W): element j of the estimation arrays is the
/// estimation window's j-th session, of the event arrays the event window's j-th session.
#[derive(Debug, Clone, Copy)]
pub struct JointEvent<'a> {
    /// Estimation residuals (unscaled), NaN where there is no return.
    pub est_ar: &'a [f64],
    /// Their spans (0 where there is no return).
    pub est_span: &'a [u32],
    /// Their unscaled prediction rows, k per position.
    pub est_x: &'a [f64],
    /// (X'X)⁻¹ of the span-weighted estimation design, k × k.
    pub xtx_inv: &'a [f64],
    /// Event-window ARs, NaN where there is no return.
    pub event_ar: &'a [f64],
    /// Their spans.
    pub event_span: &'a [u32],
    /// Their unscaled prediction rows, k per session.
    pub event_x: &'a [f64],
}

/// The hypothesis of one row of `joint_tests.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum JointHypothesis {
    /// Every AR of every security in the window is zero.
    ArZero,
    /// Every security's CAR is zero.
    CarZero,
    /// On each session, the ARs are equal across securities.
    ArEqual,
    /// The CARs are equal across securities.
    CarEqual,
}

impl JointHypothesis {
    pub fn as_str(self) -> &'static str {
        match self {
            JointHypothesis::ArZero => "ar_zero",
            JointHypothesis::CarZero => "car_zero",
            JointHypothesis::ArEqual => "ar_equal",
            JointHypothesis::CarEqual => "car_equal",
        }
    }
}

/// Which F the row reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FForm {
    /// Hotelling's T² transform, F(q, ν − q + 1): exact under normal errors with identical
    /// regressors.
    Hotelling,
    /// W/q on F(q, N ν) (Binder 1985).
    SurApproximation,
}

impl FForm {
    pub fn as_str(self) -> &'static str {
        match self {
            FForm::Hotelling => "hotelling",
            FForm::SurApproximation => "sur_approximation",
        }
    }
}

/// One hypothesis: the Wald statistic and its F form.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JointRow {
    pub hypothesis: JointHypothesis,
    /// Restrictions q.
    pub q: usize,
    pub wald: f64,
    /// χ²(q) upper-tail p-value of `wald`.
    pub wald_p: f64,
    pub f: f64,
    pub f_df1: f64,
    pub f_df2: f64,
    /// F(f_df1, f_df2) upper-tail p-value of `f`.
    pub f_p: f64,
    pub form: FForm,
}

/// The joint test of one day or window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JointTest {
    /// Securities with a value (an AR on the day, a CAR in the window).
    pub n: usize,
    /// T: estimation sessions on which every security has a one-session return (Σ̂'s
    /// sample).
    pub sessions: usize,
    /// ν = T − k.
    pub dof: usize,
    pub rows: Vec<JointRow>,
}

impl JointTest {
    pub fn row(&self, h: JointHypothesis) -> Option<&JointRow> {
        self.rows.iter().find(|r| r.hypothesis == h)
    }
}

/// One stacked quantity: an AR or a CAR of one security.
struct Target {
    member: usize,
    value: f64,
    /// Event-window position (AR targets; `usize::MAX` for a CAR).
    pos: usize,
    /// (X'X)⁻¹ x̄, x̄ the target's summed prediction rows.
    u: Vec<f64>,
    /// Extended-grid sessions its returns span, sorted.
    sessions: Vec<usize>,
}

/// The covering estimation observation of each extended-grid session, per security.
const NONE: u32 = u32::MAX;

/// Binder's joint test over `events` (the securities with a value, all on one grid) on the
/// event-window positions `days` (one session, or a window); `k` regressors per equation.
/// Rows: `ar_zero` and `ar_equal` for one day; `ar_zero`, `car_zero`, `ar_equal`,
/// `car_equal` for a window. A row is NaN where its covariance is singular or its F has no
/// degrees of freedom (too few common estimation sessions for N securities), `ar_equal` and
/// `car_equal` for one security, and the AR forms beyond [`JOINT_MAX_RESTRICTIONS`].
pub fn binder_joint(events: &[JointEvent<'_>], k: usize, days: &[usize]) -> JointTest {
    let n = events.len();
    let est_len = events.iter().map(|e| e.est_ar.len()).max().unwrap_or(0);
    let ev_len = events.iter().map(|e| e.event_ar.len()).max().unwrap_or(0);
    let max_span = events
        .iter()
        .flat_map(|e| e.est_span.iter().chain(e.event_span))
        .copied()
        .max()
        .unwrap_or(1)
        .max(1) as usize;
    // Extended grid: max_span sessions before the estimation window (a span return at its
    // start covers them), the estimation window, the event window.
    let off = max_span;
    let ext = off + est_len + ev_len;
    // Common one-session estimation returns → Σ̂.
    let common: Vec<usize> = (0..est_len)
        .filter(|&g| {
            events.iter().all(|e| {
                e.est_span.get(g) == Some(&1) && e.est_ar.get(g).is_some_and(|v| v.is_finite())
            })
        })
        .collect();
    let t = common.len();
    let dof = t.saturating_sub(k);
    let one_day = days.len() == 1;
    let hyps: &[JointHypothesis] = if one_day {
        &[JointHypothesis::ArZero, JointHypothesis::ArEqual]
    } else {
        &[
            JointHypothesis::ArZero,
            JointHypothesis::CarZero,
            JointHypothesis::ArEqual,
            JointHypothesis::CarEqual,
        ]
    };
    let nan_rows = || JointTest {
        n,
        sessions: t,
        dof,
        rows: hyps.iter().map(|h| nan_row(*h, one_day)).collect(),
    };
    if n == 0 || n > JOINT_MAX_N || dof == 0 || events.iter().any(|e| e.xtx_inv.len() != k * k) {
        return nan_rows();
    }
    let mut sigma = DMatrix::<f64>::zeros(n, n);
    for i in 0..n {
        for j in i..n {
            let s: f64 = common
                .iter()
                .map(|&g| events[i].est_ar[g] * events[j].est_ar[g])
                .sum::<f64>()
                / dof as f64;
            sigma[(i, j)] = s;
            sigma[(j, i)] = s;
        }
    }
    // Which estimation observation covers each extended-grid session.
    let cover: Vec<Vec<u32>> = events
        .iter()
        .map(|e| {
            let mut c = vec![NONE; ext];
            for (g, (a, d)) in e.est_ar.iter().zip(e.est_span).enumerate() {
                if a.is_finite() && *d > 0 {
                    let end = off + g;
                    for slot in &mut c[end + 1 - *d as usize..=end] {
                        *slot = g as u32;
                    }
                }
            }
            c
        })
        .collect();
    // G_ij = Σ_t x_i(t) x_j(t)' / (d_i(t) d_j(t)) over sessions covered by both.
    fn est_row<'a>(e: &JointEvent<'a>, g: usize, k: usize) -> &'a [f64] {
        &e.est_x[g * k..(g + 1) * k]
    }
    let mut gmat: Vec<Vec<f64>> = vec![Vec::new(); n * n];
    if k > 0 {
        for i in 0..n {
            for j in i..n {
                let mut m = vec![0.0; k * k];
                for (&ci, &cj) in cover[i].iter().zip(&cover[j]) {
                    if ci == NONE || cj == NONE {
                        continue;
                    }
                    let (gi, gj) = (ci as usize, cj as usize);
                    let w = 1.0
                        / (f64::from(events[i].est_span[gi]) * f64::from(events[j].est_span[gj]));
                    let (xi, xj) = (est_row(&events[i], gi, k), est_row(&events[j], gj, k));
                    for a in 0..k {
                        for b in 0..k {
                            m[a * k + b] += xi[a] * xj[b] * w;
                        }
                    }
                }
                if i != j {
                    let mut mt = vec![0.0; k * k];
                    for a in 0..k {
                        for b in 0..k {
                            mt[b * k + a] = m[a * k + b];
                        }
                    }
                    gmat[j * n + i] = mt;
                }
                gmat[i * n + j] = m;
            }
        }
    }
    let pmul = |e: &JointEvent<'_>, x: &[f64]| -> Vec<f64> {
        (0..k)
            .map(|a| (0..k).map(|b| e.xtx_inv[a * k + b] * x[b]).sum())
            .collect()
    };
    let span_sessions = |p: usize, d: u32| -> Vec<usize> {
        let end = off + est_len + p;
        (end + 1 - d as usize..=end).collect()
    };
    // AR targets and CAR targets.
    let mut ars: Vec<Target> = Vec::new();
    let mut cars: Vec<Target> = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let (mut sum, mut xbar, mut sess, mut any) = (0.0, vec![0.0; k], Vec::new(), false);
        for &p in days {
            let (Some(a), Some(&d)) = (e.event_ar.get(p), e.event_span.get(p)) else {
                continue;
            };
            if !a.is_finite() || d == 0 {
                continue;
            }
            let x = &e.event_x[p * k..(p + 1) * k];
            let s = span_sessions(p, d);
            ars.push(Target {
                member: i,
                value: *a,
                pos: p,
                u: pmul(e, x),
                sessions: s.clone(),
            });
            sum += a;
            for (v, xv) in xbar.iter_mut().zip(x) {
                *v += xv;
            }
            sess.extend(s);
            any = true;
        }
        if any {
            sess.sort_unstable();
            cars.push(Target {
                member: i,
                value: sum,
                pos: usize::MAX,
                u: pmul(e, &xbar),
                sessions: sess,
            });
        }
    }
    // K_ab = Σ_t c_a(t) c_b(t); V_ab = σ_ij K_ab.
    let est_term = |member: usize, s: &[usize], u: &[f64]| -> f64 {
        // Σ over the sessions s covered by `member`'s estimation returns of x'u / d.
        s.iter()
            .filter_map(|&tt| {
                let g = cover[member][tt];
                (g != NONE).then(|| {
                    let g = g as usize;
                    let x = est_row(&events[member], g, k);
                    x.iter().zip(u).map(|(a, b)| a * b).sum::<f64>()
                        / f64::from(events[member].est_span[g])
                })
            })
            .sum()
    };
    let cov = |a: &Target, b: &Target| -> f64 {
        let (i, j) = (a.member, b.member);
        let mut kk = common_count(&a.sessions, &b.sessions) as f64;
        if k > 0 {
            kk -= est_term(j, &a.sessions, &b.u);
            kk -= est_term(i, &b.sessions, &a.u);
            let g = &gmat[i * n + j];
            for x in 0..k {
                for y in 0..k {
                    kk += a.u[x] * g[x * k + y] * b.u[y];
                }
            }
        }
        sigma[(i, j)] * kk
    };
    let covariance = |ts: &[Target]| -> DMatrix<f64> {
        let m = ts.len();
        let mut v = DMatrix::<f64>::zeros(m, m);
        for a in 0..m {
            for b in a..m {
                let c = cov(&ts[a], &ts[b]);
                v[(a, b)] = c;
                v[(b, a)] = c;
            }
        }
        v
    };
    let usable = |ts: &[Target]| !ts.is_empty() && ts.len() <= JOINT_MAX_RESTRICTIONS;
    let v_ars = usable(&ars).then(|| covariance(&ars));
    let v_cars = (usable(&cars) && !one_day).then(|| covariance(&cars));
    let mut rows = Vec::new();
    for &h in hyps {
        let (ts, v, per_equation) = match h {
            JointHypothesis::ArZero | JointHypothesis::ArEqual => (&ars, &v_ars, one_day),
            JointHypothesis::CarZero | JointHypothesis::CarEqual => (&cars, &v_cars, true),
        };
        let Some(v) = v else {
            rows.push(nan_row(h, per_equation));
            continue;
        };
        let theta = DVector::from_iterator(ts.len(), ts.iter().map(|x| x.value));
        let (w, q) = match h {
            JointHypothesis::ArZero | JointHypothesis::CarZero => (wald(&theta, v), ts.len()),
            JointHypothesis::ArEqual | JointHypothesis::CarEqual => {
                // Rθ and RVR' for the contrasts θ_a − θ_b, without forming R.
                let c = contrasts(ts);
                let rt =
                    DVector::from_iterator(c.len(), c.iter().map(|(a, b)| theta[*a] - theta[*b]));
                let rv = DMatrix::from_fn(c.len(), c.len(), |x, y| {
                    let ((a1, b1), (a2, b2)) = (c[x], c[y]);
                    v[(a1, a2)] - v[(a1, b2)] - v[(b1, a2)] + v[(b1, b2)]
                });
                if c.is_empty() {
                    (f64::NAN, 0)
                } else {
                    (wald(&rt, &rv), c.len())
                }
            }
        };
        rows.push(finish(h, w, q, per_equation, dof, n));
    }
    JointTest {
        n,
        sessions: t,
        dof,
        rows,
    }
}

/// Sessions two sorted lists share.
fn common_count(a: &[usize], b: &[usize]) -> usize {
    let (mut i, mut j, mut c) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                c += 1;
                i += 1;
                j += 1;
            }
        }
    }
    c
}

/// Equality contrasts (a, b): for each event-window position (one group for CARs), every
/// target a minus the group's first target b.
fn contrasts(ts: &[Target]) -> Vec<(usize, usize)> {
    let mut rows: Vec<(usize, usize)> = Vec::new();
    let mut first: std::collections::BTreeMap<usize, usize> = Default::default();
    for (a, t) in ts.iter().enumerate() {
        match first.get(&t.pos) {
            None => {
                first.insert(t.pos, a);
            }
            Some(&b) => rows.push((a, b)),
        }
    }
    rows
}

/// θ'V⁻¹θ by Cholesky; NaN when V is not positive definite.
fn wald(theta: &DVector<f64>, v: &DMatrix<f64>) -> f64 {
    match v.clone().cholesky() {
        Some(c) => theta.dot(&c.solve(theta)),
        None => f64::NAN,
    }
}

fn nan_row(h: JointHypothesis, per_equation: bool) -> JointRow {
    JointRow {
        hypothesis: h,
        q: 0,
        wald: f64::NAN,
        wald_p: f64::NAN,
        f: f64::NAN,
        f_df1: f64::NAN,
        f_df2: f64::NAN,
        f_p: f64::NAN,
        form: if per_equation {
            FForm::Hotelling
        } else {
            FForm::SurApproximation
        },
    }
}

/// The row of a Wald statistic `w` with `q` restrictions: χ²(q) p-value and the F form.
fn finish(
    h: JointHypothesis,
    w: f64,
    q: usize,
    per_equation: bool,
    dof: usize,
    n: usize,
) -> JointRow {
    let mut r = nan_row(h, per_equation);
    if q == 0 || !w.is_finite() {
        r.q = q;
        return r;
    }
    let (qf, nu) = (q as f64, dof as f64);
    let (f, d1, d2) = if per_equation {
        ((nu - qf + 1.0) / (nu * qf) * w, qf, nu - qf + 1.0)
    } else {
        (w / qf, qf, n as f64 * nu)
    };
    r.q = q;
    r.wald = w;
    r.wald_p = ChiSquared::new(qf).map_or(f64::NAN, |c| c.sf(w));
    if d2 >= 1.0 {
        r.f = f;
        r.f_df1 = d1;
        r.f_df2 = d2;
        r.f_p = FisherSnedecor::new(d1, d2).map_or(f64::NAN, |d| d.sf(f));
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A balanced panel without halts: `n` securities, `est` estimation sessions, `ev`
    /// event sessions, market-model rows [1, m_t], residuals from each security's own OLS.
    struct Panel {
        est_ar: Vec<Vec<f64>>,
        est_span: Vec<u32>,
        est_x: Vec<f64>,
        xtx_inv: Vec<f64>,
        event_ar: Vec<Vec<f64>>,
        event_span: Vec<u32>,
        event_x: Vec<f64>,
    }

    fn panel(seed: u64, n: usize, est: usize, ev: usize, shift: f64) -> Panel {
        let mut r = crate::synth::Rng::new(seed, 3);
        let m: Vec<f64> = (0..est + ev).map(|_| 0.01 * r.normal()).collect();
        let common: Vec<f64> = (0..est + ev).map(|_| 0.01 * r.normal()).collect();
        let x: Vec<f64> = m.iter().flat_map(|v| [1.0, *v]).collect();
        let (mut sxx, mut sx) = (0.0, 0.0);
        for v in &m[..est] {
            sxx += v * v;
            sx += v;
        }
        let det = est as f64 * sxx - sx * sx;
        let inv = vec![sxx / det, -sx / det, -sx / det, est as f64 / det];
        let mut est_ar = Vec::new();
        let mut event_ar = Vec::new();
        for i in 0..n {
            let beta = 0.5 + i as f64 * 0.2;
            let y: Vec<f64> = (0..est + ev)
                .map(|t| {
                    0.001
                        + beta * m[t]
                        + 0.6 * common[t]
                        + 0.01 * r.normal()
                        + if t >= est { shift } else { 0.0 }
                })
                .collect();
            let (sy, sxy) = (
                y[..est].iter().sum::<f64>(),
                y[..est].iter().zip(&m).map(|(a, b)| a * b).sum::<f64>(),
            );
            let b0 = inv[0] * sy + inv[1] * sxy;
            let b1 = inv[2] * sy + inv[3] * sxy;
            let res: Vec<f64> = (0..est + ev).map(|t| y[t] - b0 - b1 * m[t]).collect();
            est_ar.push(res[..est].to_vec());
            event_ar.push(res[est..].to_vec());
        }
        Panel {
            est_ar,
            est_span: vec![1; est],
            est_x: x[..2 * est].to_vec(),
            xtx_inv: inv,
            event_ar,
            event_span: vec![1; ev],
            event_x: x[2 * est..].to_vec(),
        }
    }

    fn events<'a>(p: &'a Panel, order: &[usize]) -> Vec<JointEvent<'a>> {
        order
            .iter()
            .map(|&i| JointEvent {
                est_ar: &p.est_ar[i],
                est_span: &p.est_span,
                est_x: &p.est_x,
                xtx_inv: &p.xtx_inv,
                event_ar: &p.event_ar[i],
                event_span: &p.event_span,
                event_x: &p.event_x,
            })
            .collect()
    }

    /// The covariance of one AR (own variance) is s²(1 + x'(X'X)⁻¹x), the prediction-error
    /// variance of `ar.csv`, and one security's joint `car_zero` Wald is its CAR t².
    #[test]
    fn one_security_is_the_single_event_test() {
        let p = panel(1, 1, 120, 5, 0.0);
        let ev = events(&p, &[0]);
        let j = binder_joint(&ev, 2, &[0, 1, 2, 3, 4]);
        let s2 = p.est_ar[0].iter().map(|v| v * v).sum::<f64>() / 118.0;
        let mut xw = [0.0, 0.0];
        for t in 0..5 {
            xw[0] += p.event_x[2 * t];
            xw[1] += p.event_x[2 * t + 1];
        }
        let q = xw[0] * (p.xtx_inv[0] * xw[0] + p.xtx_inv[1] * xw[1])
            + xw[1] * (p.xtx_inv[2] * xw[0] + p.xtx_inv[3] * xw[1]);
        let car: f64 = p.event_ar[0].iter().sum();
        let t2 = car * car / (s2 * (5.0 + q));
        let w = j.row(JointHypothesis::CarZero).expect("row").wald;
        assert!((w - t2).abs() < 1e-10 * t2.max(1.0), "{w} {t2}");
        assert_eq!((j.n, j.sessions, j.dof), (1, 120, 118));
        assert!(j.row(JointHypothesis::CarEqual).expect("row").wald.is_nan());
    }

    proptest! {
        /// Permuting the securities changes no statistic.
        #[test]
        fn permuting_securities_changes_nothing(seed in 0u64..1000, shift in -0.02f64..0.02,
                                               perm in Just(vec![3usize, 0, 4, 1, 2])
                                                   .prop_shuffle()) {
            let p = panel(seed, 5, 80, 4, shift);
            let a = binder_joint(&events(&p, &[0, 1, 2, 3, 4]), 2, &[0, 1, 2, 3]);
            let b = binder_joint(&events(&p, &perm), 2, &[0, 1, 2, 3]);
            for (x, y) in a.rows.iter().zip(&b.rows) {
                prop_assert_eq!(x.q, y.q);
                prop_assert!((x.wald - y.wald).abs() <= 1e-9 * x.wald.abs().max(1.0), "{:?} {:?}", x, y);
                prop_assert!((x.f_p - y.f_p).abs() <= 1e-9, "{:?} {:?}", x, y);
            }
        }

        /// Zero abnormal returns in the window give a Wald statistic of 0 (p = 1).
        #[test]
        fn zero_abnormal_returns_give_zero(seed in 0u64..1000) {
            let mut p = panel(seed, 4, 60, 3, 0.0);
            for e in &mut p.event_ar {
                e.iter_mut().for_each(|v| *v = 0.0);
            }
            let j = binder_joint(&events(&p, &[0, 1, 2, 3]), 2, &[0, 1, 2]);
            for r in &j.rows {
                prop_assert!(r.wald.abs() < 1e-15 && (r.wald_p - 1.0).abs() < 1e-12, "{:?}", r);
            }
        }
    }

    /// Hotelling's F by hand: W = 10, q = 4, ν = 100 → F = 97/400 · 10 on F(4, 97); the
    /// approximation: W/q = 2.5 on F(4, 300) with N = 3.
    #[test]
    fn f_forms_by_hand() {
        let r = finish(JointHypothesis::CarZero, 10.0, 4, true, 100, 4);
        assert!((r.f - 97.0 / 400.0 * 10.0).abs() < 1e-12);
        assert_eq!((r.f_df1, r.f_df2, r.form), (4.0, 97.0, FForm::Hotelling));
        let r = finish(JointHypothesis::ArZero, 10.0, 4, false, 100, 3);
        assert!((r.f - 2.5).abs() < 1e-12);
        assert_eq!((r.f_df1, r.f_df2), (4.0, 300.0));
        // χ²(4) upper tail at 10: e^{-5}(1 + 5) = 0.040427681994512805 (closed form for even
        // degrees of freedom).
        assert!((r.wald_p - 6.0 * (-5.0f64).exp()).abs() < 1e-10);
    }

    /// A halt: a security suspended on two event sessions has no AR there and a span-3
    /// return on the resumption; its AR's own variance is s²(3 + x'(X'X)⁻¹x) with x the
    /// span row [3, m_3].
    #[test]
    fn span_return_variance() {
        let mut p = panel(4, 2, 100, 4, 0.0);
        let spans = vec![1u32, 0, 0, 3];
        let ar = [p.event_ar[1][0], f64::NAN, f64::NAN, 0.02];
        let mut x = p.event_x.clone();
        x[6] = 3.0;
        x[7] = 0.015;
        p.event_ar[1] = ar.to_vec();
        let ev = vec![
            JointEvent {
                est_ar: &p.est_ar[0],
                est_span: &p.est_span,
                est_x: &p.est_x,
                xtx_inv: &p.xtx_inv,
                event_ar: &p.event_ar[0],
                event_span: &p.event_span,
                event_x: &p.event_x,
            },
            JointEvent {
                est_ar: &p.est_ar[1],
                est_span: &p.est_span,
                est_x: &p.est_x,
                xtx_inv: &p.xtx_inv,
                event_ar: &ar,
                event_span: &spans,
                event_x: &x,
            },
        ];
        // Only the second security on the last session: one AR target.
        let j = binder_joint(&ev[1..], 2, &[3]);
        let s2 = p.est_ar[1].iter().map(|v| v * v).sum::<f64>() / 98.0;
        let xv = [3.0, 0.015];
        let q = xv[0] * (p.xtx_inv[0] * xv[0] + p.xtx_inv[1] * xv[1])
            + xv[1] * (p.xtx_inv[2] * xv[0] + p.xtx_inv[3] * xv[1]);
        let want = 0.02 * 0.02 / (s2 * (3.0 + q));
        let w = j.row(JointHypothesis::ArZero).expect("row").wald;
        assert!((w - want).abs() < 1e-10 * want, "{w} {want}");
        // Both securities over the window: 4 + 2 AR targets.
        let j = binder_joint(&ev, 2, &[0, 1, 2, 3]);
        assert_eq!(j.row(JointHypothesis::ArZero).expect("row").q, 6);
        assert_eq!(j.row(JointHypothesis::CarZero).expect("row").q, 2);
        // Equality on each session: sessions 0 and 3 have both securities → 2 contrasts.
        assert_eq!(j.row(JointHypothesis::ArEqual).expect("row").q, 2);
    }
}
