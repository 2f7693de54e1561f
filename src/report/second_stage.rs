//! The report's second-stage sections: groups and their difference, the cross-sectional
//! regression, abnormal volatility, calendar-time portfolios, multiple testing and model
//! diagnostics. Each section says what its numbers can carry at this N.

use super::doc::{Align, Doc, code, strong, t};
use super::format::{num, pct, pct_prose, pval, stars};
use crate::chart::render::{ChartFile, ChartKind};
use crate::outcome::second_stage::{DiagnosticFlag, Measure, SeType};
use crate::outcome::{Aggregate, Outcome};
use crate::stats::{TestId, find_test};

/// A p-value with its significance stars.
fn p_starred(p: f64) -> String {
    format!("{}{}", pval(p), stars(p))
}

/// A table's header from its column names.
fn columns(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// A standard error in percent, unsigned, 2 decimals.
fn se_pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.2}%", 100.0 * v)
    } else {
        "–".into()
    }
}

/// The "In brief" lines on the groups: each group's CAAR on the lead window with the quoted
/// test, and their difference (Welch and permutation p); empty without two groups.
pub(super) fn brief(o: &Outcome) -> Vec<super::doc::Para> {
    let g = &o.second.groups;
    if g.len() < 2 {
        return Vec::new();
    }
    let Some(w) = o.lead_window() else {
        return Vec::new();
    };
    let id = quoted(o);
    let win = o.study.car_windows[w];
    let mut out = Vec::new();
    let parts: Vec<String> = g
        .iter()
        .filter_map(|x| x.windows.get(w).map(|a| (x, a)))
        .map(|(x, a)| {
            let p = find_test(&a.tests, id).map_or(f64::NAN, |t| t.p_value);
            format!(
                "{} {} (N = {}, {} p = {})",
                x.group,
                pct_prose(a.mean),
                a.n,
                id.as_str(),
                pval(p)
            )
        })
        .collect();
    out.push(vec![
        strong("Groups"),
        t(format!(
            ": CAAR{} {}. The pooled figures mix the groups.",
            win.pretty(),
            parts.join("; ")
        )),
    ]);
    if let Some(d) = o
        .second
        .differences
        .iter()
        .find(|d| d.measure == Measure::Car && d.window == win)
    {
        out.push(vec![t(format!(
            "Difference {} − {} on {}: {} (Welch t = {}, p = {}; permutation p = {}{}).",
            d.group_x,
            d.group_y,
            win.pretty(),
            pct_prose(d.welch.diff),
            num(d.welch.t),
            pval(d.welch.p),
            pval(d.permutation.p),
            if d.permutation.exact {
                format!(", exact over {} splits", d.permutation.splits)
            } else {
                String::new()
            }
        ))]);
    }
    out
}

/// Every second-stage section, in reading order.
pub(super) fn sections(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    groups(d, o, charts);
    regression(d, o);
    volatility(d, o);
    calendar_time(d, o);
    multiple_testing(d, o);
    diagnostics(d, o);
}

/// The test a group's row quotes: the run's lead test, else the cross-sectional t.
fn quoted(o: &Outcome) -> TestId {
    o.lead.as_ref().map_or(TestId::CrossSectionalT, |l| l.test)
}

fn stat_cell(a: &Aggregate, id: TestId) -> String {
    match find_test(&a.tests, id) {
        Some(x) if x.p_value.is_finite() => {
            format!(
                "{} ({}){}",
                num(x.statistic),
                pval(x.p_value),
                stars(x.p_value)
            )
        }
        _ => "–".into(),
    }
}

fn groups(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    let g = &o.second.groups;
    if g.is_empty() {
        return;
    }
    d.h(2, "Groups");
    let id = quoted(o);
    d.p(vec![
        t("Each group's CAAR with the "),
        code(id.as_str()),
        t(" test (statistic, two-sided p), the events' own group from the events file. Every table of the battery per group is in "),
        code("group_tests.csv"),
        t("."),
    ]);
    let mut header = vec!["window".to_string()];
    for x in g {
        header.push(format!("{} N", x.group));
        header.push(format!("{} CAAR", x.group));
        header.push(format!("{} {}", x.group, id.as_str()));
    }
    let rows: Vec<Vec<String>> = o
        .study
        .car_windows
        .iter()
        .enumerate()
        .map(|(w, win)| {
            let mut row = vec![win.pretty()];
            for x in g {
                match x.windows.get(w) {
                    Some(a) => {
                        row.push(a.n.to_string());
                        row.push(pct(a.mean));
                        row.push(stat_cell(a, id));
                    }
                    None => row.extend(["–".to_string(), "–".into(), "–".into()]),
                }
            }
            row
        })
        .collect();
    let al = labels_then_numbers(1, header.len() - 1);
    d.table(header, al, rows);
    d.figures(charts, ChartKind::Groups);
    let diffs: Vec<_> = o
        .second
        .differences
        .iter()
        .filter(|x| x.measure == Measure::Car)
        .collect();
    if diffs.is_empty() {
        return;
    }
    d.h(3, "Difference between the groups");
    let ex = diffs[0];
    let perm_note = if ex.permutation.exact {
        format!(
            "the permutation p-value enumerates all {} ways to split the events into groups of these sizes, so it cannot fall below {}",
            ex.permutation.splits,
            pval(2.0 / ex.permutation.splits as f64)
        )
    } else {
        format!(
            "the permutation p-value comes from {} random relabellings (seed {})",
            ex.permutation.splits, ex.seed
        )
    };
    d.p(vec![t(format!(
        "Mean CAR of {} minus mean CAR of {}; Welch's t (unequal variances, Welch–Satterthwaite df) and a permutation test of the difference in means; {perm_note}. BHAR differences are in group_difference.csv.",
        ex.group_x, ex.group_y
    ))]);
    let header = columns(&[
        "window",
        "groups",
        "N",
        "difference",
        "Welch t",
        "df",
        "p",
        "permutation p",
    ]);
    let rows = diffs
        .iter()
        .map(|x| {
            vec![
                x.window.pretty(),
                format!("{} − {}", x.group_x, x.group_y),
                format!("{} + {}", x.welch.n_x, x.welch.n_y),
                pct(x.welch.diff),
                num(x.welch.t),
                num(x.welch.df),
                p_starred(x.welch.p),
                p_starred(x.permutation.p),
            ]
        })
        .collect();
    d.table(header, labels_then_numbers(2, 6), rows);
    let small = diffs.iter().any(|x| x.welch.n_x < 5 || x.welch.n_y < 5);
    if small {
        d.note(vec![t(
            "Fewer than 5 events in a group: Welch's t leans on normality with a handful of values and few degrees of freedom; read the permutation p-value first.",
        )]);
    }
}

fn regression(d: &mut Doc, o: &Outcome) {
    let r = &o.second.regressions;
    if r.is_empty() {
        return;
    }
    d.h(2, "Cross-sectional regression");
    d.p(vec![
        t("CAR_i = b0 + Σ b_j x_ij + e_i by OLS over the analysed events with a CAR and every regressor ("),
        code(o.study.second_stage.regressors.join(", ")),
        t("). Standard errors: classical, HC3 (MacKinnon & White 1985) and clustered by security and by event date (CL1 factor, p on G − 1 df); HC0–HC2 and the BHAR regressions are in "),
        code("regression.csv"),
        t(", N, R² and F in "),
        code("regression_fit.csv"),
        t("."),
    ]);
    let header = columns(&[
        "window",
        "term",
        "estimate",
        "se",
        "t",
        "p",
        "HC3 p",
        "cluster p (G)",
        "N",
        "R²",
    ]);
    let mut rows = Vec::new();
    for c in r.iter().filter(|c| c.measure == Measure::Car) {
        let Some(fit) = &c.fit else {
            rows.push(vec![
                c.window.pretty(),
                c.error.clone().unwrap_or_default(),
                "–".into(),
                "–".into(),
                "–".into(),
                "–".into(),
                "–".into(),
                "–".into(),
                "–".into(),
                "–".into(),
            ]);
            continue;
        };
        for term in &c.terms {
            let pick = |se: SeType| c.rows.iter().find(|x| &x.term == term && x.se_type == se);
            let Some(cl) = pick(SeType::Classical) else {
                continue;
            };
            let hc3 = pick(SeType::Hc3).map_or(f64::NAN, |x| x.coef.p);
            let cluster = [SeType::ClusterSecurity, SeType::ClusterDate]
                .into_iter()
                .filter_map(pick)
                .map(|x| {
                    format!(
                        "{} ({}, {})",
                        pval(x.coef.p),
                        x.coef.n_clusters.unwrap_or(0),
                        if x.se_type == SeType::ClusterDate {
                            "date"
                        } else {
                            "security"
                        }
                    )
                })
                .collect::<Vec<_>>()
                .join("; ");
            rows.push(vec![
                c.window.pretty(),
                term.clone(),
                pct(cl.coef.estimate),
                se_pct(cl.coef.std_error),
                num(cl.coef.t),
                p_starred(cl.coef.p),
                pval(hc3),
                if cluster.is_empty() {
                    "–".into()
                } else {
                    cluster
                },
                fit.n.to_string(),
                num(fit.r_squared),
            ]);
        }
    }
    d.table(header, labels_then_numbers(2, 8), rows);
    let n = r
        .iter()
        .filter_map(|c| c.fit.as_ref())
        .map(|f| f.n)
        .max()
        .unwrap_or(0);
    let dates = o
        .results
        .iter()
        .map(|x| x.day0)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    if dates < 2 {
        d.note(vec![t(
            "Every event has the same day 0: no covariance clustered by event date (it needs two dates), and the events share the market's shocks, which no cross-sectional standard error removes.",
        )]);
    }
    if n < 30 {
        d.note(vec![t(format!(
            "N = {n}: heteroskedasticity-robust and clustered standard errors are unreliable with so few events (they are biased down; HC3 is the least so); the classical t is exact only for normal, homoskedastic errors."
        ))]);
    }
    let dropped: Vec<_> = r
        .iter()
        .filter(|c| c.measure == Measure::Car)
        .flat_map(|c| c.dropped.iter().map(move |x| (c, x)))
        .collect();
    if !dropped.is_empty() {
        d.p(vec![strong("Left out"), t(" (each with its reason):")]);
        d.list(
            dropped
                .iter()
                .take(50)
                .map(|(c, x)| {
                    vec![t(format!(
                        "{} {} {}: {}",
                        c.window.pretty(),
                        x.event_id,
                        x.security,
                        x.reason
                    ))]
                })
                .collect(),
        );
    }
}

fn volatility(d: &mut Doc, o: &Outcome) {
    let v = &o.second.volatility;
    if v.is_empty() {
        return;
    }
    d.h(2, "Abnormal volatility");
    d.p(vec![t(
        "Per event: the event window's AR variance over the estimation window's residual variance s² (variance ratio, F test on (L − 1, M − k) df, two-sided) and Beaver's (1968) mean U = (ΣAR²/L)/s² (upper tail of F(L, M − k)); a return spanning d sessions enters as AR/√d. Per event day, Beaver's cross-sectional mean U against 1 is in volatility_days.csv.",
    )]);
    let plan = crate::output::Plan::for_outcome(o);
    if plan.many {
        super::large::volatility_spread(d, o, &plan);
    } else {
        volatility_rows(d, o);
    }
    volatility_days(d, o);
}

/// One row per event: its variance ratio and mean U with their p-values.
fn volatility_rows(d: &mut Doc, o: &Outcome) {
    let v = &o.second.volatility;
    let header = columns(&[
        "security",
        "group",
        "L",
        "variance ratio",
        "F p",
        "mean U",
        "U p",
    ]);
    let rows = v
        .iter()
        .map(|x| {
            vec![
                x.security.clone(),
                x.group.clone().unwrap_or_else(|| "–".into()),
                x.tests.event_length.to_string(),
                num(x.tests.var_ratio),
                p_starred(x.tests.f_p_two_sided),
                num(x.tests.u_mean),
                p_starred(x.tests.u_mean_p_upper),
            ]
        })
        .collect();
    d.table(header, labels_then_numbers(2, 5), rows);
}

/// Beaver's cross-sectional mean U per event day around day 0.
fn volatility_days(d: &mut Doc, o: &Outcome) {
    let days: Vec<_> = o
        .second
        .volatility_days
        .iter()
        .filter(|x| (-1..=1).contains(&x.tau))
        .collect();
    if !days.is_empty() {
        let header = columns(&["τ", "N", "mean U", "t vs 1", "p"]);
        let rows = days
            .iter()
            .map(|x| {
                vec![
                    format!("{:+}", x.tau),
                    x.cross.n_events.to_string(),
                    num(x.cross.u_bar),
                    num(x.cross.t_vs_1),
                    p_starred(x.cross.p_two_sided),
                ]
            })
            .collect();
        d.table(header, vec![Align::Right; 5], rows);
    }
}

fn calendar_time(d: &mut Doc, o: &Outcome) {
    let c = &o.second.calendar_time;
    let w = o.study.second_stage.calendar_time;
    if c.is_empty() && o.second.portfolio_days.is_empty() {
        return;
    }
    d.h(2, "Calendar-time portfolios");
    d.p(vec![t(format!(
        "Each day, the equal-weighted portfolio of the securities in their window {} after day 0 (Jaffe 1974; Mitchell & Stafford 2000), per exchange (and per group), regressed on the market (and on the Fama–French and Carhart factors when given): alpha is the mean daily abnormal return. OLS, OLS with Newey–West standard errors, and WLS weighted by the securities per day; the daily portfolios are in calendar_time_days.csv.",
        w.pretty()
    ))]);
    let header = columns(&[
        "portfolio",
        "model",
        "estimator",
        "alpha (daily)",
        "t",
        "p",
        "days",
        "securities/day",
    ]);
    let rows = c
        .iter()
        .filter(|x| x.term == "alpha")
        .map(|x| {
            vec![
                x.portfolio.clone(),
                x.model.clone(),
                if x.nw_lag > 0 {
                    format!("{} (L = {})", x.estimator, x.nw_lag)
                } else {
                    x.estimator.clone()
                },
                pct(x.coef.estimate),
                num(x.coef.t),
                p_starred(x.coef.p),
                x.n_days.to_string(),
                num(x.mean_securities),
            ]
        })
        .collect();
    d.table(header, labels_then_numbers(3, 5), rows);
    let few = c.iter().any(|x| x.mean_securities < 10.0);
    if few {
        d.note(vec![t(
            "Fewer than 10 securities a day on average: the portfolio is close to a single stock's returns and its alpha says little about the typical event.",
        )]);
    }
    for n in o
        .second
        .notes
        .iter()
        .filter(|n| n.starts_with("calendar time"))
    {
        d.note(vec![t(n.clone())]);
    }
}

fn multiple_testing(d: &mut Doc, o: &Outcome) {
    let a: Vec<_> = o
        .second
        .adjusted
        .iter()
        .filter(|x| x.sample == "all")
        .collect();
    if a.is_empty() {
        return;
    }
    d.h(2, "Multiple testing");
    let m = a.iter().map(|x| x.m).max().unwrap_or(0);
    let raw = a.iter().filter(|x| x.p < 0.05).count();
    let holm = a.iter().filter(|x| x.holm < 0.05).count();
    let bh = a.iter().filter(|x| x.bh < 0.05).count();
    d.p(vec![t(format!(
        "Each test is run on {m} windows; testing several windows raises the chance that one is significant by luck. Holm's (1979) adjustment keeps the chance of any false rejection among a test's windows at 5 %, Benjamini & Hochberg's (1995) the expected share of false rejections. Of {} test-window p-values, {raw} are below 5 % raw, {holm} after Holm and {bh} after Benjamini–Hochberg (every test and group in multiple_testing.csv).",
        a.len()
    ))]);
    let id = quoted(o);
    let header: Vec<String> = vec![
        "window".into(),
        format!("{} p", id.as_str()),
        "Holm".into(),
        "BH".into(),
    ];
    let rows = a
        .iter()
        .filter(|x| x.test == id)
        .map(|x| {
            vec![
                x.window.pretty(),
                p_starred(x.p),
                p_starred(x.holm),
                p_starred(x.bh),
            ]
        })
        .collect();
    d.table(
        header,
        vec![Align::Left, Align::Right, Align::Right, Align::Right],
        rows,
    );
}

fn diagnostics(d: &mut Doc, o: &Outcome) {
    let g = &o.second.diagnostics;
    if g.is_empty() {
        return;
    }
    d.h(2, "Model diagnostics");
    let flagged = g.iter().filter(|x| !x.flags.is_empty()).count();
    let drift = g
        .iter()
        .filter(|x| x.flags.contains(&DiagnosticFlag::Drift))
        .count();
    let w = o.study.second_stage.drift;
    d.p(vec![t(format!(
        "The estimation-window residuals of each event's model: normality (Jarque–Bera, Shapiro–Wilk), autocorrelation (Durbin–Watson d, Ljung–Box at 10 lags) and a pre-event drift test (CAR over {} against its variance). {flagged} of {} events flagged, {drift} with a significant drift. Non-normal (fat-tailed) daily residuals are the rule, not a sign of a wrong model: they matter for the parametric tests when N is small; autocorrelation and drift are the flags that point to a misspecified normal-return model or news before day 0.",
        w.pretty(),
        g.len()
    ))]);
    let plan = crate::output::Plan::for_outcome(o);
    if plan.many {
        super::large::diagnostics_spread(d, o, &plan);
        return;
    }
    let header = columns(&[
        "security",
        "n",
        "JB p",
        "SW p",
        "DW",
        "LB(10) p",
        "drift CAR",
        "drift t",
        "flags",
    ]);
    let rows = g
        .iter()
        .take(DIAGNOSTIC_ROWS)
        .map(|x| {
            vec![
                x.security.clone(),
                x.n.to_string(),
                pval(x.jarque_bera.p),
                pval(x.shapiro_wilk.p),
                num(x.durbin_watson),
                pval(x.ljung_box10.p),
                pct(x.drift.car),
                num(x.drift.t),
                x.flag_names(", "),
            ]
        })
        .collect();
    let mut al = labels_then_numbers(1, 7);
    al.push(Align::Left);
    d.table(header, al, rows);
    if g.len() > DIAGNOSTIC_ROWS {
        d.note(vec![t(format!(
            "First {DIAGNOSTIC_ROWS} of {} events; all in {}.",
            crate::text::thousands(g.len()),
            plan.file("diagnostics")
        ))]);
    }
}

/// Events listed one per row in "Model diagnostics" below large N.
const DIAGNOSTIC_ROWS: usize = 200;

/// Column alignment of a table whose first `labels` columns are names or windows (left) and
/// whose other `numbers` columns are figures (right).
fn labels_then_numbers(labels: usize, numbers: usize) -> Vec<Align> {
    let mut al = vec![Align::Left; labels];
    al.extend(vec![Align::Right; numbers]);
    al
}
