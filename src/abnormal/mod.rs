//! One event on one security: estimation window → fitted model → abnormal returns over the
//! event window → CARs, BHARs and abnormal volume. Works on the security's contiguous
//! timeline arrays.

mod car;
mod design;
mod volume;

pub use car::{BharRow, CarRow, bhar, first_return, window_taus};
use design::Designer;
pub use volume::{AbnormalVolume, Resumption, VolumeRow, VolumeWindow};
use volume::{abnormal_volume, resumptions};

use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;

use crate::data::calendar::Calendar;
use crate::model::{Design, FitError, FittedModel, MAX_K, ModelKind, ModelSpec, Obs};
use crate::returns::factors::AlignedFactors;
use crate::returns::{HaltPolicy, ReturnKind};
use crate::returns::{Status, Timeline};
use crate::window::Window;

/// One session of the event window.
#[derive(Debug, Clone, PartialEq)]
pub struct ArRow {
    pub tau: i32,
    pub date: NaiveDate,
    pub status: Status,
    /// Suspension sources (see `returns::source`).
    pub sources: u8,
    /// Sessions spanned by the return (0: no return).
    pub span: u32,
    pub ret: f64,
    pub market_ret: f64,
    pub normal: f64,
    pub ar: f64,
    /// Prediction-error variance of the AR (conditional-variance models: the forecast `h`
    /// plus the mean parameters' estimation error x'Vx).
    pub var: f64,
    pub sar: f64,
    /// Conditional-variance models: the return's variance forecast Σh over its sessions
    /// (`var` without the estimation error of the mean); NaN for the other models and
    /// without an AR.
    pub h: f64,
}

/// The estimation and event-window results of one event on one security.
#[derive(Debug, Clone)]
pub struct EventAnalysis {
    pub fit: FittedModel,
    pub est_first: NaiveDate,
    pub est_last: NaiveDate,
    /// Sessions of the estimation window the calendar could not supply.
    pub est_truncated: usize,
    /// The event window's sessions in τ order.
    pub rows: Vec<ArRow>,
    /// The unscaled prediction rows of the event-window sessions, row-major with k =
    /// `fit.coef.len()` values per session (zeros where there is no abnormal return), parallel
    /// to `rows`: Var(CAR) uses their sums.
    pub pred_rows: Vec<f64>,
    pub cars: Vec<CarRow>,
    /// BHAR per CAR window, parallel to `cars`.
    pub bhars: Vec<BharRow>,
    /// Abnormal log volume (None when the price file has no volume around the event).
    pub volume: Option<AbnormalVolume>,
    /// Resumption sessions after halts inside the event window.
    pub resumptions: Vec<Resumption>,
    /// Estimation-window abnormal returns (residuals y - x'b, unscaled) by event time:
    /// element j is τ = estimation.start + j; NaN where the session has no return (or lies
    /// before the calendar). Used by the rank, sign and dependence tests.
    pub est_ar: Vec<f64>,
    /// Spans of those returns (0 where none).
    pub est_span: EstValues<u32>,
    /// The unscaled prediction rows of those returns, k = `fit.coef.len()` values per
    /// position (zeros where none): the joint test's and the placebo's refits read them.
    pub est_x: EstValues<f64>,
    /// Event-window returns without a normal return because a model input (market, factor,
    /// risk-free rate, market lead/lag) is missing: their τ.
    pub missing_inputs: Vec<i32>,
}

/// Values by estimation-window position: the event's own, or the window's part of its
/// security's values by session ([`SharedRows`]), which do not depend on the event and are
/// then held once for all of the security's events.
#[derive(Debug, Clone)]
pub enum EstValues<T: 'static> {
    Own(Vec<T>),
    /// `all[start..start + len]`.
    Shared {
        all: Arc<[T]>,
        start: usize,
        len: usize,
    },
}

impl<T> std::ops::Deref for EstValues<T> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        match self {
            EstValues::Own(v) => v,
            EstValues::Shared { all, start, len } => &all[*start..*start + *len],
        }
    }
}

impl<T> From<Vec<T>> for EstValues<T> {
    fn from(v: Vec<T>) -> Self {
        EstValues::Own(v)
    }
}

/// One security's estimation values by calendar session, as every event's estimation
/// window holds them: the return's span and its unscaled prediction row (k values) on each
/// session with an estimation design, 0 elsewhere. Built on first use from the first
/// analysed event's k.
#[derive(Debug, Default)]
pub struct SharedRows(OnceLock<SecurityRows>);

/// What [`SharedRows`] holds: k, the prediction rows (k per session) and the spans.
#[derive(Debug)]
struct SecurityRows {
    k: usize,
    x: Arc<[f64]>,
    span: Arc<[u32]>,
}

impl SharedRows {
    /// Replaces the event's `est_x` and `est_span` by windows of the security's values where
    /// they are equal, bit for bit (they are by construction; the check keeps an event's
    /// own values should they ever differ, e.g. a window that starts before the calendar).
    fn share(&self, a: &mut EventAnalysis, first: i64, designer: &Designer<'_>) {
        let k = a.fit.coef.len();
        let SecurityRows { k: kk, x, span } = self.0.get_or_init(|| {
            let n = designer.tl.ret.len();
            let (mut x, mut span) = (vec![0.0; n * k], vec![0u32; n]);
            for i in 0..n {
                if let Some(des) = designer.at(i).filter(|d| d.est.is_some()) {
                    x[i * k..(i + 1) * k].copy_from_slice(&des.pred[..k]);
                    span[i] = designer.tl.span[i];
                }
            }
            SecurityRows {
                k,
                x: x.into(),
                span: span.into(),
            }
        });
        let len = a.est_span.len();
        let Ok(start) = usize::try_from(first) else {
            return;
        };
        if *kk != k || a.est_x.len() != len * k {
            return;
        }
        let bits = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(u, v)| u.to_bits() == v.to_bits());
        if x.get(start * k..(start + len) * k)
            .is_some_and(|w| bits(w, &a.est_x))
        {
            a.est_x = EstValues::Shared {
                all: Arc::clone(x),
                start: start * k,
                len: len * k,
            };
        }
        if span
            .get(start..start + len)
            .is_some_and(|w| *w == *a.est_span)
        {
            a.est_span = EstValues::Shared {
                all: Arc::clone(span),
                start,
                len,
            };
        }
    }
}

impl EventAnalysis {
    /// CAR and its variance s²(D + x_w'(X'X)⁻¹x_w) over the event-window sessions whose τ
    /// satisfies `keep` (conditional-variance models: Σh + x_w'V x_w, the forecasts of the
    /// window's returns, uncorrelated, plus the mean's estimation error, common to all of
    /// them): (CAR, Var, n_returns, D). CAR is NaN without a return.
    pub fn car_over(&self, keep: impl Fn(i32) -> bool) -> (f64, f64, usize, u32) {
        let (mut car, mut xw, mut spans, mut count) = (0.0, [0.0; MAX_K], 0u32, 0usize);
        let k = self.fit.coef.len();
        for (j, r) in self.rows.iter().enumerate() {
            if keep(r.tau) && r.ar.is_finite() {
                let x = &self.pred_rows[j * k..(j + 1) * k];
                car += r.ar;
                for (a, v) in xw.iter_mut().zip(x) {
                    *a += v;
                }
                spans += r.span;
                count += 1;
            }
        }
        if count == 0 {
            return (f64::NAN, f64::NAN, 0, 0);
        }
        let var = match self.fit.conditional_mean_variance(&xw) {
            // Conditional variances: the window's shocks are uncorrelated; the mean's
            // estimation error is common to all of its returns.
            Some(mean) => {
                self.rows
                    .iter()
                    .filter(|r| keep(r.tau) && r.ar.is_finite())
                    .map(|r| r.h)
                    .sum::<f64>()
                    + mean
            }
            None => self.fit.prediction_variance(&xw, spans as f64),
        };
        (car, var, count, spans)
    }

    /// The CAR path from the event window's start to each τ with its variance (same formula
    /// as a CAR window [start, τ]); τ before the first return are left out.
    ///
    /// One pass over the rows (they are in τ order, one a session of the window): the
    /// running sums of [`Self::car_over`]'s terms, added in its order, so each τ's CAR and
    /// variance have the bits of `car_over(|t| t <= τ)`.
    pub fn cumulative_car(&self) -> Vec<(i32, f64, f64)> {
        debug_assert!(self.rows.is_sorted_by_key(|r| r.tau));
        let k = self.fit.coef.len();
        let (mut car, mut xw, mut spans, mut count) = (0.0, [0.0; MAX_K], 0u32, 0usize);
        // The sum of the conditional variances as `Iterator::sum` starts it.
        let mut h = std::iter::empty::<f64>().sum::<f64>();
        let mut out = Vec::with_capacity(self.rows.len());
        for (j, r) in self.rows.iter().enumerate() {
            if r.ar.is_finite() {
                let x = &self.pred_rows[j * k..(j + 1) * k];
                car += r.ar;
                for (a, v) in xw.iter_mut().zip(x) {
                    *a += v;
                }
                spans += r.span;
                count += 1;
                h += r.h;
            }
            if count == 0 {
                continue;
            }
            let var = match self.fit.conditional_mean_variance(&xw) {
                Some(mean) => h + mean,
                None => self.fit.prediction_variance(&xw, spans as f64),
            };
            out.push((r.tau, car, var));
        }
        out
    }

    /// The CARs of [`Self::cumulative_car`] without their variances and without a `Vec`:
    /// `f(τ, CAR[start, τ])` on each τ from the first return (the bands of a million CAR
    /// paths need only the CARs).
    pub fn running_car(&self, mut f: impl FnMut(i32, f64)) {
        let (mut car, mut count) = (0.0, 0usize);
        for r in &self.rows {
            if r.ar.is_finite() {
                car += r.ar;
                count += 1;
            }
            if count > 0 {
                f(r.tau, car);
            }
        }
    }
}

/// What the analysis of one event reads from the study: its windows, model and policies.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSpec {
    pub estimation: Window,
    pub event_window: Window,
    pub car_windows: Vec<Window>,
    pub model: ModelSpec,
    /// Fewest usable estimation returns.
    pub min_estimation: usize,
    pub returns: ReturnKind,
    pub halt_policy: HaltPolicy,
    /// Abnormal return added to the day-0 return (0 in a study; `evimpact simulate` sets it
    /// to measure power, Brown & Warner 1985).
    pub inject_day0: f64,
    /// Factor c on the variance of the day-0 return around its normal return (1 in a study;
    /// `evimpact simulate` sets it for event-induced variance, Boehmer et al. 1991).
    pub day0_variance: f64,
}

/// Why a security has no factor values for a factor model: the factor files hold another
/// exchange's sessions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoFactorData {
    pub model: ModelKind,
    pub security: String,
    pub mic: String,
    /// The factor files, joined with " + ".
    pub files: String,
    /// The exchange whose sessions the factor dates are.
    pub factor_mic: String,
}

impl std::fmt::Display for NoFactorData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "model {}: no factor data for {} on {}: the factor file(s) {} hold {} sessions (set `[model] factor_exchange` only if they are {} factors)",
            self.model.as_str(),
            self.security,
            self.mic,
            self.files,
            self.factor_mic,
            self.mic
        )
    }
}

/// Estimation returns without a model input (for the too-few-returns reason).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lacking {
    None,
    /// Returns without a market return (or lead/lag).
    Market {
        n: usize,
    },
    /// Returns without factor values; `source` names the factor files and their dates.
    Factors {
        n: usize,
        source: String,
        covered: usize,
    },
}

/// Why an event could not be analysed: the skip reason of its row.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NotAnalysed {
    #[error("the calendar ({first}..{last}) does not cover the event window {} around day 0 {day0}", window.pretty())]
    CalendarShort {
        first: NaiveDate,
        last: NaiveDate,
        window: Window,
        day0: NaiveDate,
    },
    #[error("no price data in the event window {} ({first}..{last})", window.pretty())]
    NoPriceData {
        window: Window,
        first: NaiveDate,
        last: NaiveDate,
    },
    #[error("halt policy drop_event: suspended on {date} (τ={tau:+}) inside the event window {}", window.pretty())]
    SuspendedInWindow {
        date: NaiveDate,
        tau: i32,
        window: Window,
    },
    #[error("{0}")]
    NoFactorData(NoFactorData),
    #[error("model {} needs factor data; none is loaded for this security", model.as_str())]
    NoFactors { model: ModelKind },
    #[error("model {} needs the market index's prices for its leads and lags", model.as_str())]
    NoMarketPrices { model: ModelKind },
    #[error("the calendar has no session in the estimation window")]
    NoEstimationSession,
    #[error("estimation window {} ({first}..{last}) has {n} usable returns, fewer than the {min} required{}", window.pretty(), lacking_text(lacking))]
    TooFewEstimation {
        window: Window,
        first: NaiveDate,
        last: NaiveDate,
        n: usize,
        min: usize,
        lacking: Lacking,
    },
    #[error("{0}")]
    Fit(FitError),
}

fn lacking_text(l: &Lacking) -> String {
    match l {
        Lacking::None => String::new(),
        Lacking::Market { n } => {
            format!("; {n} return(s) lack a model input (market return or lead/lag)")
        }
        Lacking::Factors { n, source, covered } => format!(
            "; {n} return(s) lack a model input (factor values from {source} cover {covered} of these sessions)"
        ),
    }
}

/// What a model reads beyond the security's timeline: the market index level on the calendar
/// (for leads and lags) and the factors aligned on the calendar.
#[derive(Debug, Clone, Copy, Default)]
pub struct ModelData<'a> {
    /// Market index level per calendar session (NaN where missing).
    pub market_px: Option<&'a [f64]>,
    /// Factor values on the security's calendar.
    pub factors: Option<&'a AlignedFactors>,
    /// Why there are no factors for this security (used as the skip reason).
    pub no_factors: Option<&'a NoFactorData>,
}

/// Fits the normal-return model on the estimation window around `day0` and computes ARs
/// and CARs, with the market model's data only (see [`analyze_with`]).
///
/// # Errors
/// A skip reason: the event window is not covered by the calendar, no price data in the
/// event window, too few estimation returns, a singular design, a model that needs factor
/// data or market leads and lags.
pub fn analyze(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    spec: &EventSpec,
) -> Result<EventAnalysis, NotAnalysed> {
    analyze_with(tl, cal, day0, spec, ModelData::default())
}

/// Fits the study's normal-return model on the estimation window around `day0` and computes
/// ARs, CARs, BHARs and abnormal volume over the event window.
///
/// # Errors
/// A skip reason: the event window is not covered by the calendar, no price data in the
/// event window, too few estimation returns (naming the returns without factor values), a
/// singular design, no factor data for the security's exchange.
pub fn analyze_with(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    es: &EventSpec,
    data: ModelData<'_>,
) -> Result<EventAnalysis, NotAnalysed> {
    analyze_shared(tl, cal, day0, es, data, None)
}

/// [`analyze_with`], the estimation spans and prediction rows held once per security in
/// `shared` (one per timeline and model data: every event of a security in a run) where
/// they are the same.
///
/// # Errors
/// As [`analyze_with`].
pub fn analyze_shared(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    es: &EventSpec,
    data: ModelData<'_>,
    shared: Option<&SharedRows>,
) -> Result<EventAnalysis, NotAnalysed> {
    let ev_range = event_range(tl, cal, day0, es, &data)?;
    let designer = Designer {
        spec: &es.model,
        tl,
        data,
        kind: es.returns,
    };
    let est = estimation(tl, cal, day0, es, &designer)?;
    let sessions: Vec<usize> = est.designs.iter().map(|(i, _)| *i).collect();
    let fit =
        FittedModel::fit_sessions(&es.model, &est.obs, &sessions).map_err(NotAnalysed::Fit)?;
    let (rows, pred_rows, missing_inputs) =
        event_rows(tl, cal, day0, es, &fit, &designer, ev_range);
    let (lo, hi) = (est.lo, est.hi);
    let k = fit.coef.len();
    let mut a = EventAnalysis {
        fit,
        est_first: cal.sessions[lo],
        est_last: cal.sessions[hi],
        est_truncated: est.truncated,
        rows,
        pred_rows,
        cars: Vec::new(),
        bhars: Vec::new(),
        volume: None,
        resumptions: Vec::new(),
        est_ar: vec![f64::NAN; es.estimation.len()],
        est_span: EstValues::Own(Vec::new()),
        est_x: EstValues::Own(Vec::new()),
        missing_inputs,
    };
    a.cars = car::car_rows(&a, &es.car_windows);
    a.bhars = es
        .car_windows
        .iter()
        .map(|w| bhar(&a.rows, *w, es.returns))
        .collect();
    a.volume = abnormal_volume(tl, &a.rows, lo..=hi, day0, &es.car_windows);
    a.resumptions = resumptions(tl, &a.rows, lo..=hi, day0);
    let (mut est_span, mut est_x) = (
        vec![0u32; es.estimation.len()],
        vec![0.0; es.estimation.len() * k],
    );
    for (i, des) in &est.designs {
        let j = (*i as i64 - est.first_tau_index) as usize;
        a.est_ar[j] = tl.ret[*i] - a.fit.predict(des);
        est_span[j] = tl.span[*i];
        est_x[j * k..(j + 1) * k].copy_from_slice(&des.pred[..k]);
    }
    (a.est_span, a.est_x) = (est_span.into(), est_x.into());
    if let Some(shared) = shared {
        shared.share(&mut a, est.first_tau_index, &designer);
    }
    Ok(a)
}

/// The calendar sessions of the event window, once the event is known to be analysable:
/// the calendar covers the window, it has price data, no halt the policy forbids, and the
/// model's inputs (factors, market prices for leads and lags) are loaded.
fn event_range(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    es: &EventSpec,
    data: &ModelData<'_>,
) -> Result<std::ops::RangeInclusive<usize>, NotAnalysed> {
    let n = cal.len() as i64;
    let at = |tau: i32| day0 as i64 + tau as i64;
    let ew = es.event_window;
    if at(ew.start) < 0 || at(ew.end) >= n {
        return Err(NotAnalysed::CalendarShort {
            first: cal.sessions[0],
            last: cal.sessions[cal.len() - 1],
            window: ew,
            day0: cal.sessions[day0],
        });
    }
    let ev_range = at(ew.start) as usize..=at(ew.end) as usize;
    if ev_range.clone().all(|i| tl.status[i] == Status::NoData) {
        return Err(NotAnalysed::NoPriceData {
            window: ew,
            first: cal.sessions[*ev_range.start()],
            last: cal.sessions[*ev_range.end()],
        });
    }
    if es.halt_policy == HaltPolicy::DropEvent
        && let Some(i) = ev_range
            .clone()
            .find(|&i| tl.status[i] == Status::Suspended)
    {
        return Err(NotAnalysed::SuspendedInWindow {
            date: cal.sessions[i],
            tau: (i as i64 - day0 as i64) as i32,
            window: ew,
        });
    }
    let spec = &es.model;
    if (spec.uses_factors() || spec.uses_rf()) && data.factors.is_none() {
        return Err(match data.no_factors {
            Some(why) => NotAnalysed::NoFactorData(why.clone()),
            None => NotAnalysed::NoFactors { model: spec.kind },
        });
    }
    if spec.market_lags() > 0 && data.market_px.is_none() {
        return Err(NotAnalysed::NoMarketPrices { model: spec.kind });
    }
    Ok(ev_range)
}

/// The estimation window's observations: sessions `lo..=hi` of the calendar (`truncated`
/// sessions of the window precede it; `first_tau_index` is the calendar index of the
/// window's first session, possibly negative), and the design of each observation.
struct Estimation {
    obs: Vec<Obs>,
    designs: Vec<(usize, Design)>,
    lo: usize,
    hi: usize,
    first_tau_index: i64,
    truncated: usize,
}

fn estimation(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    es: &EventSpec,
    designer: &Designer<'_>,
) -> Result<Estimation, NotAnalysed> {
    let data = designer.data;
    let n = cal.len() as i64;
    let spec = &es.model;
    let est_lo = day0 as i64 + es.estimation.start as i64;
    let est_hi = day0 as i64 + es.estimation.end as i64;
    let truncated = (-est_lo).max(0) as usize;
    let lo = est_lo.max(0) as usize;
    let hi = est_hi.min(n - 1);
    if hi < lo as i64 {
        return Err(NotAnalysed::NoEstimationSession);
    }
    let hi = hi as usize;
    let mut obs: Vec<Obs> = Vec::with_capacity(hi + 1 - lo);
    let mut designs: Vec<(usize, Design)> = Vec::with_capacity(hi + 1 - lo);
    let mut lacking = 0usize;
    for i in lo..=hi {
        match designer.at(i) {
            Some(des) if des.est.is_some() => {
                obs.push(Obs {
                    y: tl.ret[i] - des.offset,
                    span: tl.span[i] as f64,
                    x: des.est.unwrap_or(des.pred),
                });
                designs.push((i, des));
            }
            _ if tl.ret[i].is_finite() => lacking += 1,
            _ => {}
        }
    }
    if obs.len() < es.min_estimation {
        let lacking = if lacking == 0 {
            Lacking::None
        } else if let Some(f) = data
            .factors
            .filter(|_| spec.uses_factors() || spec.uses_rf())
        {
            Lacking::Factors {
                n: lacking,
                source: f.describe(),
                covered: f.covered(lo..=hi),
            }
        } else {
            Lacking::Market { n: lacking }
        };
        return Err(NotAnalysed::TooFewEstimation {
            window: es.estimation,
            first: cal.sessions[lo],
            last: cal.sessions[hi],
            n: obs.len(),
            min: es.min_estimation,
            lacking,
        });
    }
    Ok(Estimation {
        obs,
        designs,
        lo,
        hi,
        first_tau_index: est_lo,
        truncated,
    })
}

/// The event window's rows (return, normal return, AR, its variance and SAR), the unscaled
/// prediction rows parallel to them, and the τ of returns without a model input.
fn event_rows(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    es: &EventSpec,
    fit: &FittedModel,
    designer: &Designer<'_>,
    ev_range: std::ops::RangeInclusive<usize>,
) -> (Vec<ArRow>, Vec<f64>, Vec<i32>) {
    let k = fit.coef.len();
    let mut pred_rows = Vec::with_capacity(es.event_window.len() * k);
    let mut missing_inputs = Vec::new();
    let rows: Vec<ArRow> = ev_range
        .map(|i| {
            let tau = (i as i64 - day0 as i64) as i32;
            let (ret, m, span) = (tl.ret[i], tl.market_ret[i], tl.span[i]);
            // `evimpact simulate`'s hook: an abnormal return injected on day 0.
            let ret = if i == day0 && es.inject_day0 != 0.0 {
                ret + es.inject_day0
            } else {
                ret
            };
            let mut row = ArRow {
                tau,
                date: cal.sessions[i],
                status: tl.status[i],
                sources: tl.sources[i],
                span,
                ret,
                market_ret: m,
                normal: f64::NAN,
                ar: f64::NAN,
                var: f64::NAN,
                sar: f64::NAN,
                h: f64::NAN,
            };
            let mut x = [0.0; MAX_K];
            match designer.at(i) {
                Some(des) => {
                    row.normal = fit.predict(&des);
                    // `evimpact simulate`'s event-induced variance: the day-0 return's
                    // deviation from its normal return scaled by √c (variance × c), before
                    // the injected abnormal return.
                    if i == day0 && es.day0_variance != 1.0 {
                        row.ret = row.normal
                            + (tl.ret[i] - row.normal) * es.day0_variance.sqrt()
                            + es.inject_day0;
                    }
                    row.ar = row.ret - row.normal;
                    row.var = match fit.conditional_variance(i, span) {
                        // The forecast plus the mean's estimation error, Σh + x'Vx.
                        Some(h) => {
                            row.h = h;
                            h + fit.conditional_mean_variance(&des.pred).unwrap_or(f64::NAN)
                        }
                        None => fit.prediction_variance(&des.pred, span as f64),
                    };
                    row.sar = row.ar / row.var.sqrt();
                    x = des.pred;
                }
                None if ret.is_finite() => missing_inputs.push(tau),
                None => {}
            }
            pred_rows.extend_from_slice(&x[..k]);
            row
        })
        .collect();
    (rows, pred_rows, missing_inputs)
}

#[cfg(test)]
mod tests;
