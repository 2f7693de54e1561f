//! Calendar-time portfolios (Jaffe 1974; Mitchell & Stafford 2000) for a long window after
//! the event, `second_stage.calendar_time` (default [+1, +250]).
//!
//! Per exchange calendar (and per group within it when the events have groups): on each
//! session t, the equal-weighted mean return R_p,t of the securities whose window contains
//! t (in their own event time) and that have a one-session return on t; the market return
//! is the mean of the same securities' market returns (their index). Sessions without a
//! security are left out; a return spanning several sessions (after a halt) is left out of
//! the portfolio (it is not a one-day return). Regressions on the portfolio's days:
//!
//! - `market`: R_p = α + β R_m + e;
//! - `ff3`: R_p − R_f = α + b MktRF + s SMB + h HML + e; `carhart`: + m MOM (when
//!   `second_stage.factors` are given and their exchange is the portfolio's);
//!
//! each by OLS with the classical covariance (`ols`), OLS with Newey–West (1987)
//! standard errors with L = ⌊4(n/100)^{2/9}⌋ lags, no small-sample factor (`ols_nw`), and
//! WLS weighted by the number of securities per day (`wls`; the portfolio's variance falls
//! with the number of securities). α is the mean abnormal return per day of a security in
//! its window; its t tests H0: α = 0.
//!
//! # References
//! Jaffe, J. (1974), Journal of Business 47(3), 410–428. Mitchell, M., Stafford, E. (2000),
//! Journal of Business 73(3), 287–329. Fama, E. (1998), JFE 49(3), 283–306. Newey, W., West, K.
//! (1987), Econometrica 55(3), 703–708.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Inputs, group_of};
use crate::data::calendar::Calendar;
use crate::outcome::second_stage::{CalendarTimeRow, PortfolioDay};
use crate::outcome::{EventResult, Outcome};
use crate::stats::second_stage::regression::{Fit, newey_west_lag};

/// One regression of a portfolio: its name, the calendar sessions used, y and the rows of X.
type Model<'a> = (&'a str, Vec<usize>, Vec<f64>, Vec<Vec<f64>>);

/// Fewest portfolio days for a regression.
pub const MIN_DAYS: usize = 30;

/// The regressions and the portfolios' days, with notes on what was not estimated.
pub(super) fn calendar_time(
    o: &Outcome,
    inputs: &Inputs,
    groups: &[String],
) -> (Vec<CalendarTimeRow>, Vec<PortfolioDay>, Vec<String>) {
    let w = o.study.second_stage.calendar_time;
    // Portfolios: (calendar name, exchange, group) → members.
    let mut ports: BTreeMap<(String, String, Option<String>), Vec<&EventResult>> = BTreeMap::new();
    for r in &o.results {
        let key = (r.calendar.name.clone(), r.exchange.to_string(), None);
        ports.entry(key).or_default().push(r);
        if groups.len() >= 2
            && let Some(g) = group_of(o, r)
        {
            let key = (
                r.calendar.name.clone(),
                r.exchange.to_string(),
                Some(g.to_string()),
            );
            ports.entry(key).or_default().push(r);
        }
    }
    // A group that is the whole of its exchange's portfolio adds nothing.
    let whole: BTreeMap<(String, String), usize> = ports
        .iter()
        .filter(|(k, _)| k.2.is_none())
        .map(|(k, v)| ((k.0.clone(), k.1.clone()), v.len()))
        .collect();
    ports.retain(|k, v| k.2.is_none() || whole.get(&(k.0.clone(), k.1.clone())) != Some(&v.len()));
    let (mut rows, mut days, mut notes) = (Vec::new(), Vec::new(), Vec::new());
    for ((cal_name, mic, group), members) in ports {
        let label = match &group {
            Some(g) => format!("{mic}:{g}"),
            None => mic.clone(),
        };
        let cal: &Arc<Calendar> = &members[0].calendar;
        let n = cal.len();
        let (mut ret, mut mkt, mut count) = (vec![0.0; n], vec![0.0; n], vec![0usize; n]);
        for r in &members {
            let tl = &r.timeline;
            let lo = r.day0_index as i64 + i64::from(w.start);
            let hi = r.day0_index as i64 + i64::from(w.end);
            for t in lo.max(0)..=hi.min(n as i64 - 1) {
                let t = t as usize;
                if tl.span[t] == 1 && tl.ret[t].is_finite() && tl.market_ret[t].is_finite() {
                    ret[t] += tl.ret[t];
                    mkt[t] += tl.market_ret[t];
                    count[t] += 1;
                }
            }
        }
        let idx: Vec<usize> = (0..n).filter(|&t| count[t] > 0).collect();
        for &t in &idx {
            let c = count[t] as f64;
            ret[t] /= c;
            mkt[t] /= c;
            days.push(PortfolioDay {
                portfolio: label.clone(),
                date: cal.sessions[t],
                n_securities: count[t],
                ret: ret[t],
                market: mkt[t],
            });
        }
        if idx.len() < MIN_DAYS {
            notes.push(format!(
                "calendar time {label}: {} portfolio day(s) in {}, fewer than {MIN_DAYS}: no regression",
                idx.len(),
                w.pretty()
            ));
            continue;
        }
        let mut models: Vec<Model> = Vec::new();
        models.push((
            "market",
            idx.clone(),
            idx.iter().map(|&t| ret[t]).collect(),
            idx.iter().map(|&t| vec![1.0, mkt[t]]).collect(),
        ));
        match inputs.factors.get(&cal_name) {
            Some(f) => {
                for (name, k) in [("ff3", 3usize), ("carhart", 4)] {
                    let rf = f.rf.as_ref();
                    let ok: Vec<usize> = idx
                        .iter()
                        .copied()
                        .filter(|&t| {
                            rf.is_some_and(|rf| rf[t].is_finite())
                                && f.cols.iter().take(k).all(|c| c[t].is_finite())
                        })
                        .collect();
                    if ok.len() < MIN_DAYS {
                        notes.push(format!(
                            "calendar time {label}: {} day(s) with {name} factors, fewer than {MIN_DAYS}",
                            ok.len()
                        ));
                        continue;
                    }
                    let rf = rf.expect("filtered on rf");
                    models.push((
                        name,
                        ok.clone(),
                        ok.iter().map(|&t| ret[t] - rf[t]).collect(),
                        ok.iter()
                            .map(|&t| {
                                std::iter::once(1.0)
                                    .chain(f.cols.iter().take(k).map(|c| c[t]))
                                    .collect()
                            })
                            .collect(),
                    ));
                }
            }
            None if !o.study.second_stage.factors.is_empty() => notes.push(format!(
                "calendar time {label}: the factors are {} sessions; market model only",
                o.study.second_stage.factor_exchange
            )),
            None => {}
        }
        for (model, t_idx, y, x) in models {
            let terms: Vec<&str> = match model {
                "market" => vec!["alpha", "market"],
                "ff3" => vec!["alpha", "mkt_rf", "smb", "hml"],
                _ => vec!["alpha", "mkt_rf", "smb", "hml", "mom"],
            };
            let weights: Vec<f64> = t_idx.iter().map(|&t| count[t] as f64).collect();
            let mean_sec = weights.iter().sum::<f64>() / weights.len() as f64;
            let lag = newey_west_lag(y.len());
            let fits = [
                ("ols", Fit::ols(&y, &x, true)),
                ("ols_nw", Fit::ols(&y, &x, true)),
                ("wls", Fit::wls(&y, &x, &weights, true)),
            ];
            for (est, fit) in fits {
                let f = match fit {
                    Ok(f) => f,
                    Err(e) => {
                        notes.push(format!("calendar time {label} {model} {est}: {e}"));
                        continue;
                    }
                };
                let v = match est {
                    "ols_nw" => f.vcov_newey_west(lag, false),
                    _ => f.vcov_classical(),
                };
                let summary = f.summary();
                for (term, coef) in terms.iter().zip(f.coefficients(&v, None)) {
                    rows.push(CalendarTimeRow {
                        portfolio: label.clone(),
                        model: model.to_string(),
                        estimator: est.to_string(),
                        term: term.to_string(),
                        coef,
                        fit: summary.clone(),
                        n_days: y.len(),
                        mean_securities: mean_sec,
                        nw_lag: if est == "ols_nw" { lag } else { 0 },
                    });
                }
            }
        }
    }
    (rows, days, notes)
}
