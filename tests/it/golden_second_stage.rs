//! The second-stage methods against R 4.2.2 (`tests/golden/second_stage/`, made by
//! `scripts/golden/second_stage.R`; its README defines every number). Tolerance: relative
//! 1e-10 (`|x − g| ≤ 1e-10·|g|`, exact equality when g is 0 or 1), except the GARCH
//! estimates (1e-4 relative: an optimizer's stopping point).

use std::collections::HashMap;
use std::path::PathBuf;

use evimpact::stats::second_stage::regression::{ClusterAdjust, Fit, Hc};
use evimpact::stats::second_stage::{
    durbin_watson::durbin_watson,
    group_difference,
    jarque_bera::jarque_bera,
    ljung_box,
    multiple_testing::{Adjust, adjust},
    shapiro_wilk::shapiro_wilk,
    volatility,
};

use crate::common::repo;

/// The README's "exact": relative 1e-10.
pub const EXACT: f64 = 1e-10;

pub fn golden_dir() -> PathBuf {
    repo().join("tests/golden/second_stage")
}

pub type Row = HashMap<String, String>;

pub fn rows(file: &str) -> Vec<Row> {
    crate::common::read_csv(&golden_dir().join(file))
}

/// A golden number (`NA` → NaN).
pub fn num(r: &Row, c: &str) -> f64 {
    let v = r.get(c).unwrap_or_else(|| panic!("column {c}"));
    if v == "NA" {
        f64::NAN
    } else {
        v.parse().unwrap_or_else(|_| panic!("{c}: {v}"))
    }
}

/// |x − g| ≤ tol·|g|; x == g when g is 0 or 1; both NaN for NA.
#[track_caller]
pub fn close(what: &str, x: f64, g: f64, tol: f64) {
    if g.is_nan() {
        assert!(x.is_nan(), "{what}: {x}, expected NA");
    } else if g == 0.0 || g == 1.0 {
        assert_eq!(x, g, "{what}");
    } else {
        assert!(
            (x - g).abs() <= tol * g.abs(),
            "{what}: {x:e} vs R {g:e} (rel {:e})",
            ((x - g) / g).abs()
        );
    }
}

fn regression_fits() -> (Vec<Row>, HashMap<&'static str, (Fit, &'static str)>) {
    let input = rows("regression_input.csv");
    let full = |r: &Row| {
        vec![
            1.0,
            num(r, "log_size"),
            num(r, "leverage"),
            num(r, "exposed"),
        ]
    };
    let y = |c: &str| input.iter().map(|r| num(r, c)).collect::<Vec<f64>>();
    let xf: Vec<Vec<f64>> = input.iter().map(full).collect();
    let xc: Vec<Vec<f64>> = input.iter().map(|_| vec![1.0]).collect();
    let mut m = HashMap::new();
    for (name, out, x) in [
        ("car_full", "car", &xf),
        ("bhar_full", "bhar", &xf),
        ("car_const", "car", &xc),
        ("bhar_const", "bhar", &xc),
    ] {
        m.insert(name, (Fit::ols(&y(out), x, true).expect("fit"), out));
    }
    (input, m)
}

#[test]
fn ols_coefficients_and_every_covariance_match_r() {
    let (input, fits) = regression_fits();
    let dates: Vec<String> = input.iter().map(|r| r["event_date"].clone()).collect();
    let issuers: Vec<String> = input
        .iter()
        .map(|r| r["cluster_security"].clone())
        .collect();
    let terms = ["(Intercept)", "log_size", "leverage", "exposed"];
    let mut checked = 0;
    for g in rows("ols_coefficients.csv") {
        let (fit, _) = &fits[g["model"].as_str()];
        let j = terms.iter().position(|t| *t == g["term"]).expect("term");
        let (v, clusters) = match g["vcov"].as_str() {
            "classical" => (fit.vcov_classical(), None),
            "HC0" => (fit.vcov_hc(Hc::Hc0), None),
            "HC1" => (fit.vcov_hc(Hc::Hc1), None),
            "HC2" => (fit.vcov_hc(Hc::Hc2), None),
            "HC3" => (fit.vcov_hc(Hc::Hc3), None),
            other => {
                let adj = if other.starts_with("CL1") {
                    ClusterAdjust::Cl1
                } else {
                    ClusterAdjust::Cl0
                };
                let ids = if other.ends_with("date") {
                    &dates
                } else {
                    &issuers
                };
                let (v, g) = fit.vcov_cluster(ids, adj);
                (v, Some(g))
            }
        };
        let c = &fit.coefficients(&v, clusters)[j];
        let what = format!("{} {} {}", g["model"], g["term"], g["vcov"]);
        close(
            &format!("{what} estimate"),
            c.estimate,
            num(&g, "estimate"),
            EXACT,
        );
        close(&format!("{what} se"), c.std_error, num(&g, "se"), EXACT);
        close(&format!("{what} t"), c.t, num(&g, "t"), EXACT);
        assert_eq!(c.df_resid as f64, num(&g, "df_resid"), "{what}");
        close(
            &format!("{what} p_resid"),
            c.p_resid,
            num(&g, "p_resid"),
            EXACT,
        );
        close(
            &format!("{what} p_normal"),
            c.p_normal,
            num(&g, "p_normal"),
            EXACT,
        );
        match clusters {
            Some(gn) => {
                assert_eq!(gn as f64, num(&g, "n_clusters"), "{what}");
                close(
                    &format!("{what} p_cluster"),
                    c.p,
                    num(&g, "p_cluster"),
                    EXACT,
                );
            }
            None => close(&format!("{what} p"), c.p, num(&g, "p_resid"), EXACT),
        }
        checked += 1;
    }
    assert_eq!(checked, 2 * 4 * 9 + 2 * 9);
}

#[test]
fn ols_fit_statistics_match_r() {
    let (_, fits) = regression_fits();
    for g in rows("ols_fit.csv") {
        let (fit, _) = &fits[g["model"].as_str()];
        let s = fit.summary();
        let m = &g["model"];
        assert_eq!(
            (s.n, s.k, s.df_resid),
            (40, num(&g, "k") as usize, num(&g, "df_resid") as usize)
        );
        close(&format!("{m} rss"), s.rss, num(&g, "rss"), EXACT);
        close(&format!("{m} sigma"), s.sigma, num(&g, "sigma"), EXACT);
        close(&format!("{m} r2"), s.r_squared, num(&g, "r_squared"), EXACT);
        close(
            &format!("{m} adj r2"),
            s.adj_r_squared,
            num(&g, "adj_r_squared"),
            EXACT,
        );
        close(
            &format!("{m} F"),
            s.f_statistic,
            num(&g, "f_statistic"),
            EXACT,
        );
        close(&format!("{m} F p"), s.f_p, num(&g, "f_p"), EXACT);
    }
}

/// The property the issue names: a regression on a constant alone gives the mean (the
/// CAAR) and, with the classical covariance, the cross-sectional t (`t.test(y)`).
#[test]
fn constant_only_regression_is_the_mean_and_the_cross_sectional_t() {
    let (input, fits) = regression_fits();
    let (fit, out) = &fits["car_const"];
    let y: Vec<f64> = input.iter().map(|r| num(r, out)).collect();
    let c = &fit.coefficients(&fit.vcov_classical(), None)[0];
    let ttest = evimpact::stats::cross_sectional_t(&y);
    close(
        "mean",
        c.estimate,
        y.iter().sum::<f64>() / y.len() as f64,
        1e-14,
    );
    close("t", c.t, ttest.statistic, 1e-12);
    close("p", c.p, ttest.p_value, 1e-10);
}

#[test]
fn group_tests_match_r() {
    let input = rows("regression_input.csv");
    for g in rows("group_tests.csv") {
        let pick = |grp: &str| -> Vec<f64> {
            input
                .iter()
                .filter(|r| r["group"] == grp)
                .map(|r| num(r, &g["outcome"]))
                .collect()
        };
        let (x, y) = (pick(&g["group_x"]), pick(&g["group_y"]));
        let t = match g["test"].as_str() {
            "welch" => group_difference::welch_t(&x, &y),
            _ => group_difference::pooled_t(&x, &y),
        };
        let what = format!("{} {}", g["outcome"], g["test"]);
        assert_eq!(
            (t.n_x as f64, t.n_y as f64),
            (num(&g, "n_x"), num(&g, "n_y"))
        );
        for (c, v) in [
            ("mean_x", t.mean_x),
            ("mean_y", t.mean_y),
            ("var_x", t.var_x),
            ("var_y", t.var_y),
            ("diff", t.diff),
            ("se", t.se),
            ("t", t.t),
            ("df", t.df),
            ("p", t.p),
        ] {
            close(&format!("{what} {c}"), v, num(&g, c), EXACT);
        }
    }
}

#[test]
fn residual_diagnostics_match_r() {
    let input = rows("residuals_input.csv");
    let acf = rows("diagnostics_acf.csv");
    for g in rows("diagnostics.csv") {
        let id = &g["series_id"];
        let e: Vec<f64> = input
            .iter()
            .filter(|r| &r["series_id"] == id)
            .map(|r| num(r, "e"))
            .collect();
        let jb = jarque_bera(&e);
        assert_eq!(jb.n as f64, num(&g, "n"));
        for (c, v) in [
            ("mean", jb.mean),
            ("m2", jb.m2),
            ("skewness", jb.skewness),
            ("kurtosis", jb.kurtosis),
            ("jb_stat", jb.statistic),
            ("jb_p_upper", jb.p),
        ] {
            close(&format!("{id} {c}"), v, num(&g, c), EXACT);
        }
        for h in [5usize, 10] {
            let lb = ljung_box::ljung_box(&e, h);
            let bp = ljung_box::box_pierce(&e, h);
            close(
                &format!("{id} lb{h}"),
                lb.statistic,
                num(&g, &format!("lb{h}_stat")),
                EXACT,
            );
            assert_eq!(lb.df as f64, num(&g, &format!("lb{h}_df")));
            close(
                &format!("{id} lb{h} p"),
                lb.p,
                num(&g, &format!("lb{h}_p_upper")),
                EXACT,
            );
            close(
                &format!("{id} bp{h}"),
                bp.statistic,
                num(&g, &format!("bp{h}_stat")),
                EXACT,
            );
            close(
                &format!("{id} bp{h} p"),
                bp.p,
                num(&g, &format!("bp{h}_p")),
                EXACT,
            );
        }
        close(&format!("{id} dw"), durbin_watson(&e), num(&g, "dw"), EXACT);
        let sw = shapiro_wilk(&e);
        close(&format!("{id} sw W"), sw.w, num(&g, "sw_w"), EXACT);
        close(&format!("{id} sw p"), sw.p, num(&g, "sw_p"), EXACT);
        let r = ljung_box::autocorrelations(&e, 10);
        for a in acf.iter().filter(|a| &a["series_id"] == id) {
            let lag = num(a, "lag") as usize;
            close(&format!("{id} acf {lag}"), r[lag - 1], num(a, "acf"), EXACT);
        }
    }
}

#[test]
fn p_adjust_matches_r() {
    let p: Vec<f64> = rows("pvalues_input.csv")
        .iter()
        .map(|r| num(r, "p"))
        .collect();
    let golden = rows("pvalues_adjusted.csv");
    for (col, m) in [
        ("bonferroni", Adjust::Bonferroni),
        ("holm", Adjust::Holm),
        ("hochberg", Adjust::Hochberg),
        ("BH", Adjust::BenjaminiHochberg),
        ("BY", Adjust::BenjaminiYekutieli),
    ] {
        let a = adjust(&p, m);
        for (i, g) in golden.iter().enumerate() {
            close(&format!("{col} {}", g["test_id"]), a[i], num(g, col), EXACT);
        }
    }
}

#[test]
fn volatility_tests_match_r() {
    let input = rows("volatility_input.csv");
    let mut us: HashMap<i64, Vec<f64>> = HashMap::new();
    let days = rows("volatility_days.csv");
    for g in rows("volatility_events.csv") {
        let id = &g["event_id"];
        let ev: Vec<&Row> = input.iter().filter(|r| &r["event_id"] == id).collect();
        let ar: Vec<f64> = ev.iter().map(|r| num(r, "ar")).collect();
        let (s2, df) = (num(ev[0], "est_ar_var"), num(ev[0], "est_df"));
        let v = volatility::event_volatility(&ar, s2, df);
        assert_eq!(v.event_length as f64, num(&g, "event_length"));
        assert_eq!(v.f_df1 as f64, num(&g, "f_df1"));
        for (c, x) in [
            ("ar_mean", v.ar_mean),
            ("event_var", v.event_var),
            ("var_ratio", v.var_ratio),
            ("f_p_upper", v.f_p_upper),
            ("f_p_lower", v.f_p_lower),
            ("f_p_two_sided", v.f_p_two_sided),
            ("u_mean", v.u_mean),
            ("u_sum", v.u_sum),
            ("u_mean_p_upper", v.u_mean_p_upper),
        ] {
            close(&format!("{id} {c}"), x, num(&g, c), EXACT);
        }
        for r in &ev {
            let tau = num(r, "tau") as i64;
            let (u, p) = volatility::beaver_u(num(r, "ar"), s2, df);
            let d = days
                .iter()
                .find(|d| &d["event_id"] == id && num(d, "tau") as i64 == tau)
                .expect("day row");
            close(&format!("{id} {tau} u"), u, num(d, "u"), EXACT);
            close(&format!("{id} {tau} u p"), p, num(d, "u_p_upper"), EXACT);
            us.entry(tau).or_default().push(u);
        }
    }
    for g in rows("volatility_beaver_cross.csv") {
        let tau = num(&g, "tau") as i64;
        let c = volatility::beaver_cross(&us[&tau]);
        assert_eq!(c.n_events as f64, num(&g, "n_events"));
        for (col, x) in [
            ("u_bar", c.u_bar),
            ("u_sd", c.u_sd),
            ("t_vs_1", c.t_vs_1),
            ("df", c.df),
            ("p_two_sided", c.p_two_sided),
        ] {
            close(&format!("τ {tau} {col}"), x, num(&g, col), EXACT);
        }
    }
}

#[test]
fn calendar_time_regressions_match_r() {
    let input = rows("calendar_time_input.csv");
    let y: Vec<f64> = input.iter().map(|r| num(r, "port")).collect();
    let w: Vec<f64> = input.iter().map(|r| num(r, "n_securities")).collect();
    let cols = |m: &str| -> Vec<&'static str> {
        match m {
            "capm" => vec!["mkt_rf"],
            "ff3" => vec!["mkt_rf", "smb", "hml"],
            _ => vec!["mkt_rf", "smb", "hml", "mom"],
        }
    };
    let design = |m: &str| -> Vec<Vec<f64>> {
        input
            .iter()
            .map(|r| {
                std::iter::once(1.0)
                    .chain(cols(m).iter().map(|c| num(r, c)))
                    .collect()
            })
            .collect()
    };
    let mut n = 0;
    for g in rows("calendar_time_coefficients.csv") {
        let m = g["model"].as_str();
        let x = design(m);
        let (fit, v) = match g["estimator"].as_str() {
            "wls" => {
                let f = Fit::wls(&y, &x, &w, true).expect("wls");
                let v = f.vcov_classical();
                (f, v)
            }
            e => {
                let f = Fit::ols(&y, &x, true).expect("ols");
                let v = match e {
                    "ols" => f.vcov_classical(),
                    "ols_nw" => f.vcov_newey_west(5, false),
                    _ => f.vcov_newey_west(5, true),
                };
                (f, v)
            }
        };
        let terms: Vec<&str> = std::iter::once("(Intercept)").chain(cols(m)).collect();
        let j = terms.iter().position(|t| *t == g["term"]).expect("term");
        let c = &fit.coefficients(&v, None)[j];
        let what = format!("{m} {} {}", g["estimator"], g["term"]);
        close(
            &format!("{what} estimate"),
            c.estimate,
            num(&g, "estimate"),
            EXACT,
        );
        close(&format!("{what} se"), c.std_error, num(&g, "se"), EXACT);
        close(&format!("{what} t"), c.t, num(&g, "t"), EXACT);
        close(&format!("{what} p"), c.p, num(&g, "p_resid"), EXACT);
        close(
            &format!("{what} p_normal"),
            c.p_normal,
            num(&g, "p_normal"),
            EXACT,
        );
        n += 1;
    }
    assert_eq!(n, 4 * (2 + 4 + 5));
    for g in rows("calendar_time_fit.csv") {
        let m = g["model"].as_str();
        let x = design(m);
        let fit = match g["estimator"].as_str() {
            "wls" => Fit::wls(&y, &x, &w, true),
            _ => Fit::ols(&y, &x, true),
        }
        .expect("fit");
        let s = fit.summary();
        let what = format!("{m} {}", g["estimator"]);
        close(&format!("{what} sigma"), s.sigma, num(&g, "sigma"), EXACT);
        close(
            &format!("{what} r2"),
            s.r_squared,
            num(&g, "r_squared"),
            EXACT,
        );
        close(
            &format!("{what} adj"),
            s.adj_r_squared,
            num(&g, "adj_r_squared"),
            EXACT,
        );
        close(
            &format!("{what} F"),
            s.f_statistic,
            num(&g, "f_statistic"),
            EXACT,
        );
        close(&format!("{what} F p"), s.f_p, num(&g, "f_p"), EXACT);
    }
}

mod garch {
    use super::*;
    use evimpact::model::garch::{self, H1, Series, Variance};
    use evimpact::model::{FittedModel, MAX_K, ModelKind, ModelSpec, Obs};

    /// The GARCH estimates: 1e-4 relative (the README: an optimizer's stopping point).
    const OPTIMIZER: f64 = 1e-4;

    fn input() -> (Vec<Row>, Vec<Row>) {
        rows("garch_input.csv")
            .into_iter()
            .partition(|r| r["window"] == "est")
    }

    fn market_series(est: &[Row]) -> Series {
        let y: Vec<f64> = est.iter().map(|r| num(r, "r")).collect();
        let m: Vec<f64> = est.iter().map(|r| num(r, "m")).collect();
        Series::plain(&y, Some(&m))
    }

    fn golden_params(model: &str) -> HashMap<String, f64> {
        rows("garch_params.csv")
            .into_iter()
            .filter(|r| r["model"] == model)
            .map(|r| (r["param"].clone(), num(&r, "estimate")))
            .collect()
    }

    #[test]
    fn likelihood_at_fixed_parameters_matches_r() {
        let (est, _) = input();
        let market = market_series(&est);
        let y: Vec<f64> = est.iter().map(|r| num(r, "r")).collect();
        let constant = Series::plain(&y, None);
        let (_, s2) = market.ols().expect("ols");
        close("h1", s2, golden_params("garch11_market")["h1"], EXACT);
        let (_, s2c) = constant.ols().expect("ols");
        let mut n = 0;
        for g in rows("garch_loglik_fixed.csv") {
            let p: Vec<f64> = (1..=6)
                .map(|i| num(&g, &format!("p{i}")))
                .filter(|v| !v.is_nan())
                .collect();
            let ll = match g["model"].as_str() {
                "garch11_market_fixed_h1" => {
                    garch::loglik(Variance::Garch, &p, &market, H1::Fixed(s2))
                }
                "garch11_const_fixed_h1" => {
                    garch::loglik(Variance::Garch, &p, &constant, H1::Fixed(s2c))
                }
                "garch11_const_fgarch_init" => {
                    garch::loglik(Variance::Garch, &p, &constant, H1::FGarch)
                }
                _ => garch::loglik(Variance::Egarch, &p, &market, H1::Fixed(s2)),
            };
            close(
                &format!("{} {}", g["model"], g["label"]),
                ll,
                num(&g, "loglik"),
                EXACT,
            );
            n += 1;
        }
        assert_eq!(n, 10);
    }

    #[test]
    fn filter_at_r_estimates_reproduces_e_and_h() {
        let (est, _) = input();
        let s = market_series(&est);
        let g = golden_params("garch11_market");
        let th = [g["alpha"], g["beta"], g["omega"], g["a"], g["b"]];
        let (e, h, _) =
            garch::filter(Variance::Garch, &th, &s, H1::Fixed(g["h1"])).expect("filter");
        for (t, r) in rows("garch_estimation_filter.csv").iter().enumerate() {
            close(&format!("e {t}"), e[t], num(r, "e"), EXACT);
            close(&format!("h {t}"), h[t], num(r, "h"), EXACT);
        }
    }

    /// The model as the pipeline fits it (`FittedModel::fit` with kind `garch` on span-1
    /// observations): θ̂ within 1e-4 of R's optimum, ℓ(θ̂) within 1e-8, the stop on the
    /// gradient; the event-window forecasts and SARs within 1e-4, and exactly R's at R's θ̂.
    /// The same for the prediction-error variances (README: `v_mean` = x'Vx with V the GLS
    /// covariance of α̂, β̂, `sar_pe` the pipeline's SAR = AR/√(h + x'Vx), `car_var` the
    /// variance of the CAR [−10, τ], Σh + x_w'V x_w): within 1e-4 at the Rust θ̂, and
    /// `v_mean`, `car_var` exactly R's from R's θ̂ and H_t.
    #[test]
    fn market_model_garch_matches_r() {
        let (est, event) = input();
        let row = |m: f64| {
            let mut x = [0.0; MAX_K];
            x[0] = 1.0;
            x[1] = m;
            x
        };
        let obs: Vec<Obs> = est
            .iter()
            .map(|r| Obs {
                y: num(r, "r"),
                span: 1.0,
                x: row(num(r, "m")),
            })
            .collect();
        let f = FittedModel::fit(&ModelSpec::new(ModelKind::Garch), &obs).expect("fit");
        let c = f.conditional.as_ref().expect("conditional variance");
        let g = golden_params("garch11_market");
        for (j, name) in ["alpha", "beta", "omega", "a", "b"].iter().enumerate() {
            close(name, c.fit.theta[j], g[*name], OPTIMIZER);
            assert_eq!(f.params[j].name, *name);
        }
        close(
            "persistence",
            c.fit.persistence(),
            g["persistence"],
            OPTIMIZER,
        );
        close("loglik", c.fit.loglik, g["loglik"], 1e-8);
        close("h1", c.fit.h1, g["h1"], EXACT);
        assert!(c.fit.gradient < garch::GRADIENT_TOL, "{}", c.fit.gradient);
        assert_eq!((f.n_obs, c.last_session), (500, 500));
        // R's θ̂ through the same forecast code: exact.
        let th = [g["alpha"], g["beta"], g["omega"], g["a"], g["b"]];
        let s = market_series(&est);
        let (_, _, next) =
            garch::filter(Variance::Garch, &th, &s, H1::Fixed(g["h1"])).expect("filter");
        let next_ours = c.fit.forecast(1);
        let window = rows("garch_event_window.csv");
        assert_eq!(window.len(), event.len());
        // R's V: the GLS form from R's θ̂ and H_t through the Rust formula.
        let (_, h_r, _) = garch::filter(Variance::Garch, &th, &s, H1::Fixed(g["h1"])).expect("h");
        let v_r = garch::mean_covariance(&s, &h_r).expect("V");
        let xvx_r = |x: &[f64; 2]| -> f64 {
            (0..2)
                .flat_map(|a| (0..2).map(move |b| (a, b)))
                .map(|(a, b)| x[a] * v_r[a * 2 + b] * x[b])
                .sum()
        };
        let (mut xw, mut sum_h, mut sum_h_r) = ([0.0; 2], 0.0, 0.0);
        for (k, r) in window.iter().enumerate() {
            let k = k + 1;
            let (ret, m) = (num(r, "r"), num(r, "m"));
            let ar = ret - f.normal(&[1.0, m]);
            let h = f.conditional_variance(500 + k, 1).expect("forecast");
            close(&format!("ar {k}"), ar, num(r, "ar"), OPTIMIZER);
            close(&format!("h {k}"), h, num(r, "h_forecast"), OPTIMIZER);
            close(&format!("sar {k}"), ar / h.sqrt(), num(r, "sar"), OPTIMIZER);
            let q = f.conditional_mean_variance(&[1.0, m]).expect("x'Vx");
            close(&format!("v_mean {k}"), q, num(r, "v_mean"), OPTIMIZER);
            let sar_pe = ar / (h + q).sqrt();
            close(&format!("sar_pe {k}"), sar_pe, num(r, "sar_pe"), OPTIMIZER);
            xw[0] += 1.0;
            xw[1] += m;
            sum_h += h;
            let car_var = sum_h + f.conditional_mean_variance(&xw).expect("x_w'Vx_w");
            close(
                &format!("car_var {k}"),
                car_var,
                num(r, "car_var"),
                OPTIMIZER,
            );
            close(
                &format!("v_mean(R θ) {k}"),
                xvx_r(&[1.0, m]),
                num(r, "v_mean"),
                EXACT,
            );
            sum_h_r += num(r, "h_forecast");
            close(
                &format!("car_var(R θ) {k}"),
                sum_h_r + xvx_r(&xw),
                num(r, "car_var"),
                EXACT,
            );
            // Exact at R's θ̂: the multi-step forecast from R's h_{T+1}.
            let mut hk = next;
            for _ in 1..k {
                hk = th[2] + (th[3] + th[4]) * hk;
            }
            close(
                &format!("h_forecast(R θ) {k}"),
                hk,
                num(r, "h_forecast"),
                EXACT,
            );
        }
        assert!(next_ours > 0.0);
        // The filtered alternative: the recursion continued through the event window.
        let all: Vec<Row> = est.iter().chain(event.iter()).cloned().collect();
        let s_all = market_series(&all);
        let (_, h_all, _) =
            garch::filter(Variance::Garch, &th, &s_all, H1::Fixed(g["h1"])).expect("filter");
        for (k, r) in window.iter().enumerate() {
            close(
                &format!("h_filtered {k}"),
                h_all[500 + k],
                num(r, "h_filtered"),
                EXACT,
            );
        }
    }

    #[test]
    fn egarch_matches_r() {
        let (est, _) = input();
        let s = market_series(&est);
        let f = garch::fit(Variance::Egarch, &s).expect("fit");
        let g = golden_params("egarch11_market");
        for (j, name) in ["alpha", "beta", "omega", "a", "g", "b"].iter().enumerate() {
            if *name == "g" {
                // g ≈ 0.010 with se 0.028: absolute (README).
                assert!(
                    (f.theta[j] - g["g"]).abs() < 1e-6,
                    "g {} vs {}",
                    f.theta[j],
                    g["g"]
                );
            } else {
                close(name, f.theta[j], g[*name], OPTIMIZER);
            }
        }
        close("loglik", f.loglik, g["loglik"], 1e-8);
        close("ln h1", f.h1.ln(), g["ln_h1"], EXACT);
    }

    /// fGarch's own initialisation reproduces its likelihood (README: the same definitions).
    #[test]
    fn constant_mean_fits_match_the_fixed_and_fgarch_rules() {
        let (est, _) = input();
        let y: Vec<f64> = est.iter().map(|r| num(r, "r")).collect();
        let s = Series::plain(&y, None);
        let golden = rows("garch_constant_mean.csv");
        let own = golden
            .iter()
            .find(|r| r["method"] == "own_fixed_h1")
            .expect("row");
        let f = garch::fit(Variance::Garch, &s).expect("fit");
        for (j, c) in ["mu", "omega", "a", "b"].iter().enumerate() {
            close(c, f.theta[j], num(own, c), OPTIMIZER);
        }
        close("loglik", f.loglik, num(own, "loglik"), 1e-8);
    }
}
