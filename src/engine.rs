//! One event on one security: estimation window → fitted model → abnormal returns over the
//! event window → CARs. Works on the security's contiguous timeline arrays.

use chrono::NaiveDate;

use crate::data::calendar::Calendar;
use crate::model::{FittedModel, Obs};
use crate::returns::{Status, Timeline};
use crate::stats::p_student;
use crate::study::{Study, Window};

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
    pub var: f64,
    pub sar: f64,
}

/// One CAR window.
#[derive(Debug, Clone, PartialEq)]
pub struct CarRow {
    pub window: Window,
    /// NaN when the window holds no return.
    pub car: f64,
    pub var: f64,
    pub t: f64,
    pub p: f64,
    pub n_returns: usize,
    /// D: sessions spanned by the window's returns.
    pub spans: u32,
}

/// The estimation and event-window results of one event on one security.
#[derive(Debug, Clone)]
pub struct EventAnalysis {
    pub fit: FittedModel,
    pub est_first: NaiveDate,
    pub est_last: NaiveDate,
    /// Sessions of the estimation window the calendar could not supply.
    pub est_truncated: usize,
    pub rows: Vec<ArRow>,
    pub cars: Vec<CarRow>,
}

/// Fits the normal-return model on the estimation window around `day0` and computes ARs
/// and CARs.
///
/// # Errors
/// A skip reason: the event window is not covered by the calendar, no price data in the
/// event window, too few estimation returns, a singular design.
pub fn analyze(
    tl: &Timeline,
    cal: &Calendar,
    day0: usize,
    study: &Study,
) -> Result<EventAnalysis, String> {
    let n = cal.len() as i64;
    let at = |tau: i32| day0 as i64 + tau as i64;
    let ew = study.event_window;
    if at(ew.start) < 0 || at(ew.end) >= n {
        return Err(format!(
            "the calendar ({}..{}) does not cover the event window {} around day 0 {}",
            cal.sessions[0],
            cal.sessions[cal.len() - 1],
            ew.pretty(),
            cal.sessions[day0]
        ));
    }
    let ev_range = at(ew.start) as usize..=at(ew.end) as usize;
    if ev_range.clone().all(|i| tl.status[i] == Status::NoData) {
        return Err(format!(
            "no price data in the event window {} ({}..{})",
            ew.pretty(),
            cal.sessions[*ev_range.start()],
            cal.sessions[*ev_range.end()]
        ));
    }
    let est_lo = at(study.estimation.start);
    let est_hi = at(study.estimation.end);
    let est_truncated = (-est_lo).max(0) as usize;
    let lo = est_lo.max(0) as usize;
    let hi = est_hi.min(n - 1);
    if hi < lo as i64 {
        return Err("the calendar has no session in the estimation window".into());
    }
    let hi = hi as usize;
    let model = study.model;
    let obs: Vec<Obs> = (lo..=hi)
        .filter(|&i| tl.ret[i].is_finite() && tl.market_ret[i].is_finite())
        .map(|i| {
            let d = tl.span[i] as f64;
            Obs {
                y: tl.ret[i],
                span: d,
                x: model.row(d, tl.market_ret[i]),
            }
        })
        .collect();
    if obs.len() < study.min_estimation {
        return Err(format!(
            "estimation window {} ({}..{}) has {} usable returns, fewer than the {} required",
            study.estimation.pretty(),
            cal.sessions[lo],
            cal.sessions[hi],
            obs.len(),
            study.min_estimation
        ));
    }
    let fit = FittedModel::fit(model, &obs)?;
    let rows: Vec<ArRow> = ev_range
        .map(|i| {
            let tau = (i as i64 - day0 as i64) as i32;
            let (ret, m, span) = (tl.ret[i], tl.market_ret[i], tl.span[i]);
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
            };
            if ret.is_finite() && m.is_finite() {
                let x = model.row(span as f64, m);
                row.normal = fit.normal(&x);
                row.ar = ret - row.normal;
                row.var = fit.prediction_variance(&x, span as f64);
                row.sar = row.ar / row.var.sqrt();
            }
            row
        })
        .collect();
    let dof = fit.dof() as f64;
    let cars = study
        .car_windows
        .iter()
        .map(|w| {
            let (mut car, mut xw, mut spans, mut count) = (0.0, [0.0; 2], 0u32, 0usize);
            for r in rows
                .iter()
                .filter(|r| w.contains(r.tau) && r.ar.is_finite())
            {
                car += r.ar;
                let x = model.row(r.span as f64, r.market_ret);
                xw[0] += x[0];
                xw[1] += x[1];
                spans += r.span;
                count += 1;
            }
            if count == 0 {
                return CarRow {
                    window: *w,
                    car: f64::NAN,
                    var: f64::NAN,
                    t: f64::NAN,
                    p: f64::NAN,
                    n_returns: 0,
                    spans: 0,
                };
            }
            let var = fit.prediction_variance(&xw, spans as f64);
            let t = car / var.sqrt();
            CarRow {
                window: *w,
                car,
                var,
                t,
                p: p_student(t, dof),
                n_returns: count,
                spans,
            }
        })
        .collect();
    Ok(EventAnalysis {
        fit,
        est_first: cal.sessions[lo],
        est_last: cal.sessions[hi],
        est_truncated,
        rows,
        cars,
    })
}
