//! The second stage's tables: `regression.csv`, `regression_fit.csv`,
//! `regression_dropped.csv`, `group_caar.csv`, `group_tests.csv`, `group_difference.csv`,
//! `volatility.csv`, `volatility_days.csv`, `diagnostics.csv`, `calendar_time.csv`,
//! `calendar_time_days.csv`, `multiple_testing.csv`, `group_caar_path.csv`. Pure functions
//! of the outcome.

use polars::prelude::*;

use super::tables::{caar_cols, col, dates_col, frame, opt, test_cols};
use crate::outcome::Outcome;
use crate::outcome::second_stage::GroupAggregates;

/// `regression.csv`: window, measure, term, estimate, std_error, t, p, se_type, n, df,
/// n_clusters (p on n − k df, or G − 1 for clustered rows).
pub fn regression_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = o
        .second
        .regressions
        .iter()
        .flat_map(|c| c.rows.iter().map(move |r| (c, r)))
        .collect();
    DataFrame::new_infer_height(vec![
        col("window", rows.iter().map(|(c, _)| c.window.label())),
        col("measure", rows.iter().map(|(c, _)| c.measure.as_str())),
        col("term", rows.iter().map(|(_, r)| r.term.as_str())),
        col("estimate", rows.iter().map(|(_, r)| opt(r.coef.estimate))),
        col("std_error", rows.iter().map(|(_, r)| opt(r.coef.std_error))),
        col("t", rows.iter().map(|(_, r)| opt(r.coef.t))),
        col("p", rows.iter().map(|(_, r)| opt(r.coef.p))),
        col("se_type", rows.iter().map(|(_, r)| r.se_type.as_str())),
        col(
            "n",
            rows.iter()
                .map(|(c, _)| c.fit.as_ref().map_or(0, |f| f.n as u32)),
        ),
        col("df", rows.iter().map(|(_, r)| opt(r.coef.df))),
        col(
            "n_clusters",
            rows.iter()
                .map(|(_, r)| r.coef.n_clusters.map(|g| g as u32)),
        ),
    ])
}

/// `regression_fit.csv`: N, k, R², adjusted R², F (with df and p), σ per regression, and the
/// error when it could not be fitted.
pub fn regression_fit_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let r = &o.second.regressions;
    let f = |g: &dyn Fn(&crate::stats::second_stage::regression::FitSummary) -> f64| {
        r.iter()
            .map(|c| c.fit.as_ref().and_then(|s| opt(g(s))))
            .collect::<Vec<_>>()
    };
    DataFrame::new_infer_height(vec![
        col("window", r.iter().map(|c| c.window.label())),
        col("measure", r.iter().map(|c| c.measure.as_str())),
        col("n", r.iter().map(|c| c.fit.as_ref().map(|s| s.n as u32))),
        col("k", r.iter().map(|c| c.terms.len() as u32)),
        col("r_squared", f(&|s| s.r_squared)),
        col("adj_r_squared", f(&|s| s.adj_r_squared)),
        col("f_statistic", f(&|s| s.f_statistic)),
        col(
            "f_df1",
            r.iter().map(|c| c.fit.as_ref().map(|s| s.f_df1 as u32)),
        ),
        col(
            "f_df2",
            r.iter().map(|c| c.fit.as_ref().map(|s| s.f_df2 as u32)),
        ),
        col("f_p", f(&|s| s.f_p)),
        col("sigma", f(&|s| s.sigma)),
        col("dropped", r.iter().map(|c| c.dropped.len() as u32)),
        col("error", r.iter().map(|c| c.error.clone())),
    ])
}

/// `regression_dropped.csv`: every event left out of a regression, with the reason.
pub fn regression_dropped_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = o
        .second
        .regressions
        .iter()
        .flat_map(|c| c.dropped.iter().map(move |d| (c, d)))
        .collect();
    DataFrame::new_infer_height(vec![
        col("window", rows.iter().map(|(c, _)| c.window.label())),
        col("measure", rows.iter().map(|(c, _)| c.measure.as_str())),
        col("event_id", rows.iter().map(|(_, d)| d.event_id.as_str())),
        col("security", rows.iter().map(|(_, d)| d.security.as_str())),
        col("reason", rows.iter().map(|(_, d)| d.reason.as_str())),
    ])
}

fn group_aggregates(g: &[GroupAggregates]) -> Vec<(&str, &crate::outcome::Aggregate)> {
    g.iter()
        .flat_map(|x| {
            x.days
                .iter()
                .chain(&x.windows)
                .map(move |a| (x.group.as_str(), a))
        })
        .collect()
}

/// `group_caar.csv`: `caar.csv` per group (group, scope, window, tau, n, mean).
pub fn group_caar_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = group_aggregates(&o.second.groups);
    frame([
        vec![col("group", rows.iter().map(|(g, _)| *g))],
        caar_cols(&rows, |(_, a)| a),
    ])
}

/// `group_tests.csv`: `tests.csv` per group.
pub fn group_tests_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = group_aggregates(&o.second.groups)
        .into_iter()
        .flat_map(|(g, a)| a.tests.iter().map(move |t| (g, a, t)))
        .collect();
    frame([
        vec![col("group", rows.iter().map(|(g, _, _)| *g))],
        test_cols(&rows, |(_, a, _)| a, |(_, _, t)| t),
    ])
}

/// `group_difference.csv`: group x minus group y per measure and window: means, Welch's t
/// (se, t, df, p), the pooled t (t, df, p) and the permutation p-value.
pub fn group_difference_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let d = &o.second.differences;
    DataFrame::new_infer_height(vec![
        col("window", d.iter().map(|x| x.window.label())),
        col("measure", d.iter().map(|x| x.measure.as_str())),
        col("group_x", d.iter().map(|x| x.group_x.as_str())),
        col("group_y", d.iter().map(|x| x.group_y.as_str())),
        col("n_x", d.iter().map(|x| x.welch.n_x as u32)),
        col("n_y", d.iter().map(|x| x.welch.n_y as u32)),
        col("mean_x", d.iter().map(|x| opt(x.welch.mean_x))),
        col("mean_y", d.iter().map(|x| opt(x.welch.mean_y))),
        col("diff", d.iter().map(|x| opt(x.welch.diff))),
        col("welch_se", d.iter().map(|x| opt(x.welch.se))),
        col("welch_t", d.iter().map(|x| opt(x.welch.t))),
        col("welch_df", d.iter().map(|x| opt(x.welch.df))),
        col("welch_p", d.iter().map(|x| opt(x.welch.p))),
        col("pooled_t", d.iter().map(|x| opt(x.pooled.t))),
        col("pooled_df", d.iter().map(|x| opt(x.pooled.df))),
        col("pooled_p", d.iter().map(|x| opt(x.pooled.p))),
        col("permutation_p", d.iter().map(|x| opt(x.permutation.p))),
        col(
            "permutation_splits",
            d.iter().map(|x| x.permutation.splits as u64),
        ),
        col("permutation_exact", d.iter().map(|x| x.permutation.exact)),
        col("seed", d.iter().map(|x| x.seed)),
    ])
}

/// `volatility.csv`: each event's variance ratio (F test) and Beaver's mean U.
pub fn volatility_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let v = &o.second.volatility;
    let f = |g: &dyn Fn(&crate::stats::second_stage::volatility::EventVolatility) -> f64| {
        v.iter().map(|r| opt(g(&r.tests))).collect::<Vec<_>>()
    };
    DataFrame::new_infer_height(vec![
        col("event_id", v.iter().map(|r| r.event_id.as_str())),
        col("security", v.iter().map(|r| r.security.as_str())),
        col("group", v.iter().map(|r| r.group.clone())),
        col(
            "event_length",
            v.iter().map(|r| r.tests.event_length as u32),
        ),
        col("ar_mean", f(&|t| t.ar_mean)),
        col("event_var", f(&|t| t.event_var)),
        col("est_var", f(&|t| t.est_var)),
        col("est_df", f(&|t| t.est_df)),
        col("var_ratio", f(&|t| t.var_ratio)),
        col("f_df1", v.iter().map(|r| r.tests.f_df1 as u32)),
        col("f_p_upper", f(&|t| t.f_p_upper)),
        col("f_p_lower", f(&|t| t.f_p_lower)),
        col("f_p_two_sided", f(&|t| t.f_p_two_sided)),
        col("u_mean", f(&|t| t.u_mean)),
        col("u_mean_p_upper", f(&|t| t.u_mean_p_upper)),
    ])
}

/// `volatility_days.csv`: Beaver's cross-sectional mean U per event day with its t against 1.
pub fn volatility_days_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let d = &o.second.volatility_days;
    DataFrame::new_infer_height(vec![
        col("tau", d.iter().map(|x| x.tau)),
        col("n_events", d.iter().map(|x| x.cross.n_events as u32)),
        col("u_bar", d.iter().map(|x| opt(x.cross.u_bar))),
        col("u_sd", d.iter().map(|x| opt(x.cross.u_sd))),
        col("t_vs_1", d.iter().map(|x| opt(x.cross.t_vs_1))),
        col("df", d.iter().map(|x| opt(x.cross.df))),
        col("p_two_sided", d.iter().map(|x| opt(x.cross.p_two_sided))),
    ])
}

/// `diagnostics.csv`: each event's residual diagnostics and flags.
pub fn diagnostics_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let d = &o.second.diagnostics;
    DataFrame::new_infer_height(vec![
        col("event_id", d.iter().map(|x| x.event_id.as_str())),
        col("security", d.iter().map(|x| x.security.as_str())),
        col("n", d.iter().map(|x| x.n as u32)),
        col("skewness", d.iter().map(|x| opt(x.jarque_bera.skewness))),
        col("kurtosis", d.iter().map(|x| opt(x.jarque_bera.kurtosis))),
        col("jb_stat", d.iter().map(|x| opt(x.jarque_bera.statistic))),
        col("jb_p", d.iter().map(|x| opt(x.jarque_bera.p))),
        col("sw_w", d.iter().map(|x| opt(x.shapiro_wilk.w))),
        col("sw_p", d.iter().map(|x| opt(x.shapiro_wilk.p))),
        col("dw", d.iter().map(|x| opt(x.durbin_watson))),
        col("lb5_stat", d.iter().map(|x| opt(x.ljung_box5.statistic))),
        col("lb5_p", d.iter().map(|x| opt(x.ljung_box5.p))),
        col("lb10_stat", d.iter().map(|x| opt(x.ljung_box10.statistic))),
        col("lb10_p", d.iter().map(|x| opt(x.ljung_box10.p))),
        col("drift_window", d.iter().map(|x| x.drift.window.label())),
        col("drift_car", d.iter().map(|x| opt(x.drift.car))),
        col("drift_t", d.iter().map(|x| opt(x.drift.t))),
        col("drift_p", d.iter().map(|x| opt(x.drift.p))),
        col("flags", d.iter().map(|x| x.flag_names(";"))),
    ])
}

/// `calendar_time.csv`: each portfolio's regression coefficients (alpha first).
pub fn calendar_time_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let c = &o.second.calendar_time;
    DataFrame::new_infer_height(vec![
        col("portfolio", c.iter().map(|x| x.portfolio.as_str())),
        col("model", c.iter().map(|x| x.model.as_str())),
        col("estimator", c.iter().map(|x| x.estimator.as_str())),
        col("term", c.iter().map(|x| x.term.as_str())),
        col("estimate", c.iter().map(|x| opt(x.coef.estimate))),
        col("std_error", c.iter().map(|x| opt(x.coef.std_error))),
        col("t", c.iter().map(|x| opt(x.coef.t))),
        col("p", c.iter().map(|x| opt(x.coef.p))),
        col("df", c.iter().map(|x| opt(x.coef.df))),
        col("n_days", c.iter().map(|x| x.n_days as u32)),
        col("mean_securities", c.iter().map(|x| opt(x.mean_securities))),
        col("nw_lag", c.iter().map(|x| x.nw_lag as u32)),
        col("r_squared", c.iter().map(|x| opt(x.fit.r_squared))),
    ])
}

/// `calendar_time_days.csv`: each portfolio's daily return, market return and securities.
pub fn calendar_time_days_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let d = &o.second.portfolio_days;
    DataFrame::new_infer_height(vec![
        col("portfolio", d.iter().map(|x| x.portfolio.as_str())),
        dates_col("date", d.iter().map(|x| x.date).collect())?,
        col("n_securities", d.iter().map(|x| x.n_securities as u32)),
        col("ret", d.iter().map(|x| opt(x.ret))),
        col("market_ret", d.iter().map(|x| opt(x.market))),
    ])
}

/// `multiple_testing.csv`: each test's raw p-value per window beside its Holm and
/// Benjamini–Hochberg adjustments across the run's windows (family size m).
pub fn multiple_testing_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let a = &o.second.adjusted;
    DataFrame::new_infer_height(vec![
        col("sample", a.iter().map(|x| x.sample.as_str())),
        col("test", a.iter().map(|x| x.test.as_str())),
        col("window", a.iter().map(|x| x.window.label())),
        col("p_value", a.iter().map(|x| opt(x.p))),
        col("p_holm", a.iter().map(|x| opt(x.holm))),
        col("p_bh", a.iter().map(|x| opt(x.bh))),
        col("m", a.iter().map(|x| x.m as u32)),
    ])
}

/// `group_caar_path.csv`: each group's CAAR path over the event window, the mean of its
/// events' CARs from the window's start to τ, with a 95 % band ±1.96·√(Σ Var(CAR_i))/N (the
/// J1 form of each τ's cumulative window): group, tau, n, caar, lower, upper.
pub fn group_caar_path_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = group_caar_path_rows(o);
    DataFrame::new_infer_height(vec![
        col("group", rows.iter().map(|r| r.0.as_str())),
        col("tau", rows.iter().map(|r| r.1)),
        col("n", rows.iter().map(|r| r.2)),
        col("caar", rows.iter().map(|r| opt(r.3))),
        col("lower", rows.iter().map(|r| opt(r.4))),
        col("upper", rows.iter().map(|r| opt(r.5))),
    ])
}

/// The rows of `group_caar_path.csv`: (group, tau, n, caar, lower, upper).
pub fn group_caar_path_rows(o: &Outcome) -> Vec<(String, i32, u32, f64, f64, f64)> {
    let mut rows: Vec<(String, i32, u32, f64, f64, f64)> = Vec::new();
    // Without groups no path is read (every event's path is a pass at large N).
    if o.second.groups.is_empty() {
        return rows;
    }
    let ew = o.study.event_window;
    type Path<'a> = (Option<&'a str>, Vec<(i32, f64, f64)>);
    let paths: Vec<Path> = o
        .results
        .iter()
        .map(|r| {
            (
                o.events[r.event].group.as_deref(),
                r.analysis.cumulative_car(),
            )
        })
        .collect();
    for g in &o.second.groups {
        for tau in ew.start..=ew.end {
            let vals: Vec<(f64, f64)> = paths
                .iter()
                .filter(|(grp, _)| *grp == Some(g.group.as_str()))
                .filter_map(|(_, p)| p.iter().find(|x| x.0 == tau).map(|x| (x.1, x.2)))
                .filter(|(c, v)| c.is_finite() && v.is_finite())
                .collect();
            if vals.is_empty() {
                continue;
            }
            let n = vals.len() as f64;
            let caar = vals.iter().map(|v| v.0).sum::<f64>() / n;
            let half = 1.959_963_984_540_054 * vals.iter().map(|v| v.1).sum::<f64>().sqrt() / n;
            rows.push((
                g.group.clone(),
                tau,
                vals.len() as u32,
                caar,
                caar - half,
                caar + half,
            ));
        }
    }
    rows
}
