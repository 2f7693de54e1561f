//! The per-event sections of the report at large N (more than
//! [`crate::output::plan::MANY_EVENTS`] analysed events): the spread of each per-event
//! quantity across events and the most extreme events, with the table that holds every
//! event, instead of one row per event (a "first 200 of 10,000" table shows an arbitrary
//! corner of the sample).

use std::collections::BTreeMap;

use super::doc::{Align, Doc, Para, strong, t};
use super::format::{num, pct, stars};
use crate::chart::render::{ChartFile, ChartKind};
use crate::outcome::{EventResult, Outcome};
use crate::output::plan::{EXTREMES, Plan, Spread, extremes, ranking_window};
use crate::text::{count, thousands};

/// Lines of a per-event list (trading-status decisions) shown before the pointer.
const MAX_LINES: usize = 20;

/// The note that the section shows aggregates, naming the table with every event.
fn pointer(o: &Outcome, plan: &Plan, what: &str, table: &str) -> Para {
    vec![t(format!(
        "{} analysed events (more than {}): {what}; every event is in {table}.",
        thousands(o.results.len()),
        plan.limits.many_events
    ))]
}

/// A spread row: label, N, mean, sd, 5 %, 25 %, median, 75 %, 95 % with `f` formatting.
fn spread_row(label: String, s: &Spread, f: &dyn Fn(f64) -> String) -> Vec<String> {
    let q = |i: usize| s.quantiles.map_or("–".to_string(), |q| f(q[i]));
    vec![
        label,
        thousands(s.n),
        f(s.mean),
        f(s.sd),
        q(0),
        q(1),
        q(2),
        q(3),
        q(4),
    ]
}

/// A figure with `places` decimals, "–" when it is not finite.
fn fixed(places: usize) -> impl Fn(f64) -> String {
    move |v: f64| {
        if v.is_finite() {
            format!("{v:.places$}")
        } else {
            "–".into()
        }
    }
}

fn spread_header(first: &str) -> Vec<String> {
    [
        first, "N", "mean", "sd", "5 %", "25 %", "median", "75 %", "95 %",
    ]
    .map(String::from)
    .to_vec()
}

fn spread_align() -> Vec<Align> {
    let mut a = vec![Align::Left];
    a.extend([Align::Right; 8]);
    a
}

/// "Events and day 0" at large N: how many events each event-day decision applied to.
pub(super) fn events_and_day0(d: &mut Doc, o: &Outcome, plan: &Plan) {
    d.h(2, "Events and day 0");
    let mut by: BTreeMap<(&str, bool), usize> = BTreeMap::new();
    for a in o.audit.iter().filter(|a| a.rule == "event_day") {
        *by.entry((a.outcome.as_str(), a.day0.is_some()))
            .or_default() += 1;
    }
    let rows = by
        .into_iter()
        .map(|((outcome, day0), n)| {
            vec![
                outcome.to_string(),
                if day0 { "yes" } else { "no" }.to_string(),
                thousands(n),
            ]
        })
        .collect();
    d.table(
        ["decision", "day 0", "event rows"]
            .map(String::from)
            .to_vec(),
        vec![Align::Left, Align::Left, Align::Right],
        rows,
    );
    d.note(pointer(
        o,
        plan,
        "event-day decisions counted by outcome",
        &format!(
            "{} (rule event_day, with each announcement, day 0 and reason)",
            plan.file("audit")
        ),
    ));
}

/// "Trading status" at large N: decisions counted by outcome, the first
/// [`MAX_LINES`] of them, and the figures.
pub(super) fn trading_status(d: &mut Doc, o: &Outcome, charts: &[ChartFile], plan: &Plan) {
    d.h(2, "Trading status: halts, holidays, limits");
    let rows: Vec<&crate::outcome::AuditRow> = o
        .audit
        .iter()
        .filter(|a| a.is_trading_status_line())
        .collect();
    if rows.is_empty() {
        d.p(vec![t(
            "No security was suspended or limit-locked in its event window.",
        )]);
    } else {
        let mut by: BTreeMap<&str, usize> = BTreeMap::new();
        for a in &rows {
            *by.entry(a.outcome.as_str()).or_default() += 1;
        }
        d.table(
            ["status decision", "rows"].map(String::from).to_vec(),
            vec![Align::Left, Align::Right],
            by.into_iter()
                .map(|(k, n)| vec![k.to_string(), thousands(n)])
                .collect(),
        );
        let lines: Vec<Para> = rows
            .iter()
            .take(MAX_LINES)
            .map(|a| {
                vec![
                    strong(a.security.clone()),
                    t(format!(" ({}, {}): {}", a.event_id, a.outcome, a.reason)),
                ]
            })
            .collect();
        d.list(lines);
        d.note(vec![t(format!(
            "First {} of {} decisions; all in {}, every session's status in {}.",
            MAX_LINES.min(rows.len()),
            thousands(rows.len()),
            plan.file("audit"),
            plan.file("status")
        ))]);
    }
    d.figures(charts, ChartKind::Prices);
    d.figures(charts, ChartKind::Volume);
}

/// "Market model" at large N: the spread of the fitted parameters across events.
pub(super) fn market_model(d: &mut Doc, o: &Outcome, plan: &Plan) {
    d.h(2, "Market model");
    let rs = &o.results;
    let fit = |f: &dyn Fn(&crate::model::FittedModel) -> f64| {
        Spread::of(rs.iter().map(|r| f(&r.analysis.fit)))
    };
    let rows = vec![
        spread_row(
            "M (estimation returns)".into(),
            &fit(&|f| f.n_obs as f64),
            &fixed(0),
        ),
        spread_row(
            "α".into(),
            &fit(&|f| f.coef.first().copied().unwrap_or(f64::NAN)),
            &fixed(5),
        ),
        spread_row(
            "β".into(),
            &fit(&|f| f.coef.get(1).copied().unwrap_or(f64::NAN)),
            &fixed(3),
        ),
        spread_row("σ".into(), &fit(&|f| f.s2.sqrt()), &fixed(4)),
        spread_row("R²".into(), &fit(&|f| f.r2), &fixed(3)),
    ];
    d.table(spread_header("parameter"), spread_align(), rows);
    d.note(pointer(
        o,
        plan,
        "the fitted parameters' spread across events",
        &format!("{} and {}", plan.file("model"), plan.file("params")),
    ));
}

/// "Abnormal returns around day 0" at large N: the AAR per event day.
pub(super) fn abnormal_returns(d: &mut Doc, o: &Outcome, charts: &[ChartFile], plan: &Plan) {
    d.h(2, "Abnormal returns around day 0");
    // Each event day's ARs, every day's column in one parallel pass over the events. An
    // event's rows run in τ order from the event window's start: the row of τ is looked
    // up at its place (and searched for only where a row is missing).
    let start = o.study.event_window.start;
    let columns = crate::columns::columns_in_order(
        &o.results,
        o.days.len(),
        crate::columns::CHUNK,
        |r, push| {
            let rows = &r.analysis.rows;
            for (k, tau) in o.days.iter().map(|a| a.tau).enumerate() {
                let at = tau.map(|t| (t - start).max(0) as usize);
                let row = at
                    .and_then(|i| rows.get(i))
                    .filter(|x| Some(x.tau) == tau)
                    .or_else(|| rows.iter().find(|x| Some(x.tau) == tau));
                if let Some(x) = row {
                    push(k, x.ar);
                }
            }
        },
    );
    let rows = o
        .days
        .iter()
        .zip(columns)
        .map(|(a, ars)| {
            let ars = Spread::of(ars.into_iter());
            let q = |i: usize| ars.quantiles.map_or("–".to_string(), |q| pct(q[i]));
            vec![
                format!("{:+}", a.tau.unwrap_or(0)),
                pct(a.mean),
                thousands(a.n),
                q(0),
                q(2),
                q(4),
            ]
        })
        .collect();
    d.table(
        ["τ", "AAR", "N", "AR 5 %", "AR median", "AR 95 %"]
            .map(String::from)
            .to_vec(),
        vec![Align::Right; 6],
        rows,
    );
    d.note(pointer(
        o,
        plan,
        "the AAR and the spread of AR per event day in percent",
        &plan.file("ar"),
    ));
    d.figures(charts, ChartKind::ArBars);
}

/// One extreme event's row: rank, event, security, entity, day 0, CAR on the ranking
/// window (t, stars) and its CAR on every window.
fn extreme_row(rank: String, r: &EventResult) -> Vec<String> {
    let mut row = vec![
        rank,
        r.event_id.clone(),
        r.security.clone(),
        r.entity.clone(),
        r.day0.to_string(),
    ];
    row.extend(r.analysis.cars.iter().map(|c| {
        if c.n_returns == 0 {
            "– (no return)".to_string()
        } else {
            format!("{} ({}){}", pct(c.car), num(c.t), stars(c.p))
        }
    }));
    row
}

/// "Cumulative abnormal returns" at large N: the spread of CAR per window, then the
/// [`EXTREMES`] largest and smallest CARs on the lead window, and the figures.
pub(super) fn cumulative_abnormal_returns(
    d: &mut Doc,
    o: &Outcome,
    charts: &[ChartFile],
    plan: &Plan,
) {
    let s = &o.study;
    d.h(2, "Cumulative abnormal returns");
    // Every window's CARs in one parallel pass over the events.
    let columns = crate::columns::columns_in_order(
        &o.results,
        s.car_windows.len(),
        crate::columns::CHUNK,
        |r, push| {
            for (wi, c) in r.analysis.cars.iter().enumerate() {
                push(wi, c.car);
            }
        },
    );
    let rows = s
        .car_windows
        .iter()
        .zip(columns)
        .map(|(w, cars)| {
            let negative = cars.iter().filter(|c| c.is_finite() && **c < 0.0).count();
            let spread = Spread::of(cars.into_iter());
            let mut row = spread_row(format!("CAR{}", w.pretty()), &spread, &pct);
            row.push(if spread.n > 0 {
                format!("{:.1} %", 100.0 * negative as f64 / spread.n as f64)
            } else {
                "–".into()
            });
            row
        })
        .collect();
    let mut header = spread_header("window");
    header.push("negative".into());
    let mut al = spread_align();
    al.push(Align::Right);
    d.table(header, al, rows);
    d.note(pointer(
        o,
        plan,
        "CAR in percent, its spread across events per window",
        &plan.file("car"),
    ));
    if let Some(wi) = ranking_window(o) {
        let (top, bottom) = extremes(o, wi, EXTREMES);
        let w = s.car_windows[wi].pretty();
        d.h(3, format!("The most extreme events by CAR{w}"));
        d.note(vec![t(format!(
            "The {} largest and {} smallest CAR{w} of {} (CAR in percent with its single-event t in brackets; *** p<0.01, ** p<0.05, * p<0.10). Extremes at large N are where data errors and confounding news show first: check them before reading the averages.",
            top.len(),
            bottom.len(),
            count(o.results.len(), "event")
        ))]);
        let mut header: Vec<String> = ["rank", "event", "security", "entity", "day 0"]
            .map(String::from)
            .to_vec();
        header.extend(s.car_windows.iter().map(|w| format!("CAR{}", w.pretty())));
        let mut al = vec![
            Align::Right,
            Align::Left,
            Align::Left,
            Align::Left,
            Align::Left,
        ];
        al.extend(vec![Align::Right; s.car_windows.len()]);
        let mut rows: Vec<Vec<String>> = top
            .iter()
            .enumerate()
            .map(|(k, r)| extreme_row(format!("top {}", k + 1), r))
            .collect();
        rows.extend(
            bottom
                .iter()
                .enumerate()
                .map(|(k, r)| extreme_row(format!("bottom {}", k + 1), r)),
        );
        d.table(header, al, rows);
    }
    d.figures(charts, ChartKind::Car);
    d.figures(charts, ChartKind::CarDist);
    d.figures(charts, ChartKind::CarDensity);
}

/// "Abnormal volatility" at large N: the spread of the variance ratio and of Beaver's mean
/// U across events, and how many reject at 1 % and 5 %, instead of one row per event.
pub(super) fn volatility_spread(d: &mut Doc, o: &Outcome, plan: &Plan) {
    let v = &o.second.volatility;
    let share = |p: &dyn Fn(&crate::stats::second_stage::volatility::EventVolatility) -> f64,
                 level: f64| {
        let ps: Vec<f64> = v
            .iter()
            .map(|x| p(&x.tests))
            .filter(|p| p.is_finite())
            .collect();
        let k = ps.iter().filter(|p| **p < level).count();
        if ps.is_empty() {
            "–".to_string()
        } else {
            format!("{:.1} %", 100.0 * k as f64 / ps.len() as f64)
        }
    };
    let mut header = spread_header("measure");
    header.extend(["p < 1 %".to_string(), "p < 5 %".to_string()]);
    let mut al = spread_align();
    al.extend([Align::Right, Align::Right]);
    let mut ratio = spread_row(
        "variance ratio (F, two-sided)".into(),
        &Spread::of(v.iter().map(|x| x.tests.var_ratio)),
        &fixed(2),
    );
    ratio.push(share(&|t| t.f_p_two_sided, 0.01));
    ratio.push(share(&|t| t.f_p_two_sided, 0.05));
    let mut u = spread_row(
        "Beaver's mean U (upper tail)".into(),
        &Spread::of(v.iter().map(|x| x.tests.u_mean)),
        &fixed(2),
    );
    u.push(share(&|t| t.u_mean_p_upper, 0.01));
    u.push(share(&|t| t.u_mean_p_upper, 0.05));
    d.table(header, al, vec![ratio, u]);
    d.note(pointer(
        o,
        plan,
        "the spread of each event's volatility tests",
        &plan.file("volatility"),
    ));
}

/// "Model diagnostics" at large N: how many events each diagnostic flags, the spread of
/// the residual statistics across events, and the [`EXTREMES`] events with the largest
/// pre-event drift |t|, instead of the first rows of a million-row table.
pub(super) fn diagnostics_spread(d: &mut Doc, o: &Outcome, plan: &Plan) {
    use crate::outcome::second_stage::DiagnosticFlag;
    let g = &o.second.diagnostics;
    let share = |k: usize| {
        if g.is_empty() {
            "–".to_string()
        } else {
            format!("{:.1} %", 100.0 * k as f64 / g.len() as f64)
        }
    };
    let flags = [
        DiagnosticFlag::NonNormal,
        DiagnosticFlag::Autocorrelation,
        DiagnosticFlag::DurbinWatson,
        DiagnosticFlag::Drift,
    ];
    let mut rows: Vec<Vec<String>> = flags
        .iter()
        .map(|f| {
            let k = g.iter().filter(|x| x.flags.contains(f)).count();
            vec![f.as_str().to_string(), thousands(k), share(k)]
        })
        .collect();
    let any = g.iter().filter(|x| !x.flags.is_empty()).count();
    rows.push(vec!["any flag".to_string(), thousands(any), share(any)]);
    d.table(
        ["flag", "events", "share"].map(String::from).to_vec(),
        vec![Align::Left, Align::Right, Align::Right],
        rows,
    );
    let spreads = vec![
        spread_row(
            "residuals used".into(),
            &Spread::of(g.iter().map(|x| x.n as f64)),
            &fixed(0),
        ),
        spread_row(
            "Durbin–Watson d".into(),
            &Spread::of(g.iter().map(|x| x.durbin_watson)),
            &fixed(3),
        ),
        spread_row(
            "drift CAR".into(),
            &Spread::of(g.iter().map(|x| x.drift.car)),
            &pct,
        ),
        spread_row(
            "drift t".into(),
            &Spread::of(g.iter().map(|x| x.drift.t)),
            &fixed(3),
        ),
    ];
    d.table(spread_header("statistic"), spread_align(), spreads);
    let mut ranked: Vec<&crate::outcome::second_stage::DiagnosticsRow> =
        g.iter().filter(|x| x.drift.t.is_finite()).collect();
    ranked.sort_by(|a, b| b.drift.t.abs().total_cmp(&a.drift.t.abs()));
    if !ranked.is_empty() {
        d.h(3, "The largest pre-event drifts");
        let rows = ranked
            .iter()
            .take(EXTREMES)
            .enumerate()
            .map(|(k, x)| {
                vec![
                    (k + 1).to_string(),
                    x.event_id.clone(),
                    x.security.clone(),
                    pct(x.drift.car),
                    format!("{}{}", num(x.drift.t), stars(x.drift.p)),
                    x.flag_names(", "),
                ]
            })
            .collect();
        d.table(
            ["rank", "event", "security", "drift CAR", "drift t", "flags"]
                .map(String::from)
                .to_vec(),
            vec![
                Align::Right,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            rows,
        );
    }
    d.note(pointer(
        o,
        plan,
        "each diagnostic's count, the statistics' spread and the largest drifts by |t| (*** p<0.01, ** p<0.05, * p<0.10)",
        &plan.file("diagnostics"),
    ));
}
