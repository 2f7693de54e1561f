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

/// Trading activity on the session a security resumed trading after a halt, against its
/// estimation-window distribution: log volume vs the mean and sd of log volume on the traded
/// estimation sessions.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Resumption {
    pub tau: i32,
    pub date: NaiveDate,
    /// Sessions the resumption return spans.
    pub span: u32,
    pub volume: f64,
    /// Mean of log volume over the estimation window's traded sessions.
    pub est_mean_log: f64,
    pub est_sd_log: f64,
    /// ln(volume) − mean: the abnormal log volume.
    pub abnormal_log_volume: f64,
    /// Abnormal log volume / sd.
    pub z: f64,
    /// Share of estimation sessions with a lower volume.
    pub percentile: f64,
    /// Estimation sessions with volume.
    pub n_est: usize,
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
    /// Resumption sessions after halts inside the event window.
    pub resumptions: Vec<Resumption>,
    /// Estimation-window abnormal returns (residuals y - x'b, unscaled) by event time:
    /// element j is τ = estimation.start + j; NaN where the session has no return (or lies
    /// before the calendar). Used by the rank, sign and dependence tests.
    pub est_ar: Vec<f64>,
    /// Spans of those returns (0 where none).
    pub est_span: Vec<u32>,
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
    if study.halt_policy == crate::study::HaltPolicy::DropEvent
        && let Some(i) = ev_range
            .clone()
            .find(|&i| tl.status[i] == Status::Suspended)
    {
        return Err(format!(
            "halt policy drop_event: suspended on {} (τ={:+}) inside the event window {}",
            cal.sessions[i],
            i as i64 - day0 as i64,
            ew.pretty()
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
    let resumptions = resumptions(tl, &rows, lo..=hi, day0);
    let mut est_ar = vec![f64::NAN; study.estimation.len()];
    let mut est_span = vec![0u32; study.estimation.len()];
    for i in lo..=hi {
        if tl.ret[i].is_finite() && tl.market_ret[i].is_finite() {
            let j = (i as i64 - est_lo) as usize;
            let x = model.row(tl.span[i] as f64, tl.market_ret[i]);
            est_ar[j] = tl.ret[i] - fit.normal(&x);
            est_span[j] = tl.span[i];
        }
    }
    Ok(EventAnalysis {
        fit,
        est_first: cal.sessions[lo],
        est_last: cal.sessions[hi],
        est_truncated,
        rows,
        cars,
        resumptions,
        est_ar,
        est_span,
    })
}

/// Abnormal volume on each session of the event window that ends a halt.
fn resumptions(
    tl: &Timeline,
    rows: &[ArRow],
    est: std::ops::RangeInclusive<usize>,
    day0: usize,
) -> Vec<Resumption> {
    let logs: Vec<f64> = est
        .filter(|&i| tl.status[i].traded() && tl.volume[i] > 0.0)
        .map(|i| tl.volume[i].ln())
        .collect();
    if logs.len() < 2 {
        return Vec::new();
    }
    let mean = logs.iter().sum::<f64>() / logs.len() as f64;
    let sd = crate::stats::sample_sd(&logs);
    rows.windows(2)
        .filter(|w| w[0].status == Status::Suspended && w[1].status.traded())
        .filter_map(|w| {
            let r = &w[1];
            let i = (day0 as i64 + r.tau as i64) as usize;
            let v = tl.volume[i];
            (v > 0.0).then(|| {
                let a = v.ln() - mean;
                Resumption {
                    tau: r.tau,
                    date: r.date,
                    span: r.span,
                    volume: v,
                    est_mean_log: mean,
                    est_sd_log: sd,
                    abnormal_log_volume: a,
                    z: a / sd,
                    percentile: logs.iter().filter(|l| **l < v.ln()).count() as f64
                        / logs.len() as f64,
                    n_est: logs.len(),
                }
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::calendar::Calendar;
    use crate::returns::Status;
    use chrono::Duration;
    use proptest::prelude::*;

    fn study(min: usize) -> Study {
        let f: crate::study::StudyFile = toml::from_str(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-60,-11]\nevent=[-5,5]\ncar=[[-1,1],[0,0],[-5,5]]\n",
        )
        .expect("toml");
        let ov = crate::study::Overrides {
            min_estimation: Some(min),
            ..Default::default()
        };
        Study::resolve(
            Some((std::path::Path::new("s.toml"), f)),
            ov,
            std::path::Path::new("."),
        )
        .expect("study")
    }

    fn timeline(rets: &[f64], mrets: &[f64], spans: &[u32]) -> (Calendar, Timeline) {
        let n = rets.len();
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..n).map(|i| d0 + Duration::days(i as i64)).collect(),
        };
        let tl = Timeline {
            security: "X".into(),
            status: spans
                .iter()
                .map(|s| {
                    if *s == 0 {
                        Status::Suspended
                    } else {
                        Status::Trading
                    }
                })
                .collect(),
            sources: vec![0; n],
            price: vec![f64::NAN; n],
            volume: vec![f64::NAN; n],
            ret: rets
                .iter()
                .zip(spans)
                .map(|(r, s)| if *s == 0 { f64::NAN } else { *r })
                .collect(),
            span: spans.to_vec(),
            market_ret: mrets
                .iter()
                .zip(spans)
                .map(|(m, s)| if *s == 0 { f64::NAN } else { *m })
                .collect(),
            off_calendar_rows: vec![],
            halt_overrides: vec![],
            limit: vec![0; n],
            limit_rate: vec![f64::NAN; n],
            limit_close: vec![(f64::NAN, f64::NAN); n],
            excluded: vec![false; n],
        };
        (cal, tl)
    }

    proptest! {
        /// Returns exactly on the model line (r = α·d + β·m) give ARs of 0 and CARs of 0 in every
        /// window that holds a return, with suspensions anywhere.
        #[test]
        fn car_of_zero_ars_is_zero(alpha in -0.002f64..0.002, beta in 0.2f64..2.0,
                                   ms in proptest::collection::vec(-0.04f64..0.04, 80),
                                   halts in proptest::collection::vec(0u8..10, 80)) {
            let mut spans = vec![1u32; 80];
            let mut last = 0usize;
            for i in 1..80 {
                if halts[i] == 0 && i != 75 { spans[i] = 0; } else { spans[i] = (i - last) as u32; last = i; }
            }
            let rets: Vec<f64> = (0..80).map(|i| alpha * spans[i] as f64 + beta * ms[i]).collect();
            let (cal, tl) = timeline(&rets, &ms, &spans);
            let a = analyze(&tl, &cal, 70, &study(30)).expect("analysed");
            for r in a.rows.iter().filter(|r| r.ar.is_finite()) {
                prop_assert!(r.ar.abs() < 1e-12, "{}", r.ar);
            }
            for c in &a.cars {
                if c.n_returns > 0 { prop_assert!(c.car.abs() < 1e-12); } else { prop_assert!(c.car.is_nan()); }
            }
        }
    }

    #[test]
    fn window_inside_a_halt_has_no_car() {
        let n = 80;
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        let rets: Vec<f64> = ms
            .iter()
            .enumerate()
            .map(|(i, m)| 0.001 + 1.2 * m + ((i * 13 % 7) as f64 - 3.0) / 1000.0)
            .collect();
        let mut spans = vec![1u32; n];
        spans[0] = 0;
        spans[70] = 0;
        spans[71] = 3;
        let (cal, tl) = timeline(&rets, &ms, &spans);
        let a = analyze(&tl, &cal, 70, &study(30)).expect("analysed");
        let c00 = &a.cars[1];
        assert_eq!((c00.n_returns, c00.car.is_nan()), (0, true));
        assert_eq!(a.rows[5].status, Status::Suspended);
        assert_eq!(a.rows[6].span, 3);
        // Var(CAR[-1,1]) uses D = 1 + 3 = 4 sessions and the summed rows (not L·s²).
        let c = &a.cars[0];
        let x = [4.0, ms[69] + ms[71]];
        assert!((c.var - a.fit.s2 * (4.0 + a.fit.leverage(&x))).abs() < 1e-15);
        assert_eq!(c.n_returns, 2);
        // Estimation ARs by τ = -60..-11 (sessions 10..59): residuals of the fit, mean-zero
        // under span weighting (Σ ε/1 = 0 with all spans 1 here).
        assert_eq!(a.est_ar.len(), 50);
        let s: f64 = a.est_ar.iter().sum();
        assert!(s.abs() < 1e-12, "{s}");
    }

    #[test]
    fn too_few_estimation_returns_is_a_skip_reason() {
        let n = 80;
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        // A halt inside the estimation window [-60,-11] (sessions 10..59): 49 returns remain.
        let mut spans = [1u32; 80];
        spans[30] = 0;
        spans[31] = 2;
        let (cal, tl) = timeline(&ms, &ms, &spans);
        let e = analyze(&tl, &cal, 70, &study(50)).unwrap_err();
        assert!(
            e.contains("has 49 usable returns, fewer than the 50 required"),
            "{e}"
        );
        assert!(analyze(&tl, &cal, 70, &study(49)).is_ok());
    }
}

#[cfg(test)]
mod policy_tests {
    use super::*;
    use crate::data::calendar::Calendar;
    use chrono::Duration;

    /// `drop_event` skips an event whose event window holds a suspended session; the default
    /// policy analyses it.
    #[test]
    fn drop_event_skips_events_with_a_halt_in_the_window() {
        let n = 80;
        let d0 = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let cal = Calendar {
            name: "t".into(),
            sessions: (0..n).map(|i| d0 + Duration::days(i as i64)).collect(),
        };
        let ms: Vec<f64> = (0..n)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 500.0)
            .collect();
        let mut status = vec![Status::Trading; n];
        status[72] = Status::Suspended;
        let mut span = vec![1u32; n];
        span[0] = 0;
        span[72] = 0;
        span[73] = 2;
        let tl = Timeline {
            security: "X".into(),
            status,
            sources: vec![0; n],
            price: vec![f64::NAN; n],
            volume: vec![f64::NAN; n],
            ret: (0..n)
                .map(|i| {
                    if span[i] == 0 {
                        f64::NAN
                    } else {
                        0.001 + ms[i] + ((i * 13 % 7) as f64 - 3.0) / 1000.0
                    }
                })
                .collect(),
            span,
            market_ret: ms,
            off_calendar_rows: vec![],
            halt_overrides: vec![],
            limit: vec![0; n],
            limit_rate: vec![f64::NAN; n],
            limit_close: vec![(f64::NAN, f64::NAN); n],
            excluded: vec![false; n],
        };
        let f: crate::study::StudyFile = toml::from_str(
            "[inputs]\nevents='e'\nprices='p'\nmarket='m'\n[windows]\nestimation=[-60,-11]\nevent=[-5,5]\ncar=[[-1,1]]\n[model]\nmin_estimation=30\n",
        )
        .expect("toml");
        let mut study = Study::resolve(
            Some((std::path::Path::new("s.toml"), f)),
            Default::default(),
            std::path::Path::new("."),
        )
        .expect("study");
        assert!(analyze(&tl, &cal, 70, &study).is_ok());
        study.halt_policy = crate::study::HaltPolicy::DropEvent;
        let e = analyze(&tl, &cal, 70, &study).unwrap_err();
        assert!(
            e.contains("drop_event: suspended on 2020-03-13 (τ=+2)"),
            "{e}"
        );
    }
}
