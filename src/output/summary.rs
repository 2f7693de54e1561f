//! `summary.json`: the study as run, input hashes with provenance, tool version and every
//! key figure.

use serde_json::json;

use super::plan::{EXTREMES, Plan, Spread, extremes, ranking_window};
use crate::outcome::Outcome;

/// `summary.json`: the study as run, input hashes, tool version and every key figure, in
/// the layout [`Plan::for_outcome`] chooses for the run's size.
pub fn summary_json(o: &Outcome) -> serde_json::Value {
    summary_json_for(o, &Plan::for_outcome(o))
}

/// A number as JSON, null where it is not finite (NaN, ±inf).
fn num(v: f64) -> serde_json::Value {
    if v.is_finite() {
        json!(v)
    } else {
        serde_json::Value::Null
    }
}

/// [`summary_json`] for `plan`: every event listed, or (`plan.summary_aggregates`) the
/// per-event results as aggregates with the names of the tables that hold each event.
pub fn summary_json_for(o: &Outcome, plan: &Plan) -> serde_json::Value {
    let tests = |a: &crate::outcome::Aggregate| {
        a.tests
            .iter()
            .map(|t| {
                json!({"test": t.test, "statistic": num(t.statistic), "p_value": num(t.p_value),
                       "n": t.n, "distribution": t.distribution})
            })
            .collect::<Vec<_>>()
    };
    let mut v = json!({
        "tool": {"name": "evimpact", "version": env!("CARGO_PKG_VERSION")},
        "command": &o.command,
        "lead": &o.lead,
        "lead_window": o.lead_window().map(|i| o.study.car_windows[i].label()),
        "lead_sample": o.lead_window().and_then(|i| o.windows.get(i)).map(|a| a.clustering.describe()),
        "lead_clustering": o.lead_window().and_then(|i| o.windows.get(i)).map(|a| a.clustering),
        "study": &o.study,
        "inputs": crate::data::provenance::inputs_with_provenance(&o.inputs),
        "counts": {
            "event_rows": o.events.len(),
            "analysed": o.results.len(),
            "skipped": o.counts().skipped,
            "no_market_data": o.counts().no_market_data,
        },
        "windows": o.windows.iter().map(|a| json!({
            "window": a.window.map(|w| w.label()), "n": a.n, "caar": num(a.mean), "tests": tests(a),
            "joint": a.joint.as_ref().map(|j| json!({
                "n": j.n, "sessions": j.sessions,
                "rows": j.rows.iter().map(|r| json!({
                    "hypothesis": r.hypothesis, "q": r.q, "wald": num(r.wald), "wald_p_value": num(r.wald_p),
                    "f_statistic": num(r.f), "f_df1": num(r.f_df1), "f_df2": num(r.f_df2),
                    "f_p_value": num(r.f_p), "f_form": r.form
                })).collect::<Vec<_>>()
            }))
        })).collect::<Vec<_>>(),
        "days": o.days.iter().map(|a| json!({
            "tau": a.tau, "n": a.n, "aar": num(a.mean), "tests": tests(a)
        })).collect::<Vec<_>>(),
        "volume": volume_note(o),
        "skipped": &o.skipped,
        "warnings": &o.warnings,
    });
    v["second_stage"] = second_stage_json(o, plan);
    // Every event, or at large N their aggregates (the list is then not built).
    if plan.summary_aggregates {
        v["events_summary"] = events_summary(o, plan);
    } else {
        v["events"] = events_json(o);
    }
    v
}

/// `summary.json`'s `events`: each analysed event's model, BHARs, resumptions and CARs.
fn events_json(o: &Outcome) -> serde_json::Value {
    json!(o.results.iter().map(|r| json!({
            "event_id": r.event_id, "security": r.security, "entity": r.entity, "label": r.label,
            "exchange": r.exchange, "day0": r.day0.to_string(),
            "price_column": r.timeline.price_column,
            "currency": crate::data::calendar::Exchange::from_mic(r.exchange).map(|x| x.currency),
            "model": {"kind": r.analysis.fit.kind.as_str(),
                      "alpha": r.analysis.fit.alpha(), "beta": r.analysis.fit.beta(),
                      "sigma": r.analysis.fit.s2.sqrt(), "r2": num(r.analysis.fit.r2),
                      "n_estimation": r.analysis.fit.n_obs,
                      "params": r.analysis.fit.params.iter().map(|p| json!({
                          "name": p.name, "value": num(p.value), "std_error": num(p.std_error)
                      })).collect::<Vec<_>>()},
            "bhar": r.analysis.bhars.iter().map(|b| json!({
                "window": b.window.label(), "bhar": num(b.bhar), "n_returns": b.n_returns
            })).collect::<Vec<_>>(),
            "resumptions": &r.analysis.resumptions,
            "car": r.analysis.cars.iter().map(|c| json!({
                "window": c.window.label(), "car": num(c.car), "car_var": num(c.var), "t_stat": num(c.t),
                "p_value": num(c.p), "n_returns": c.n_returns
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>())
}

/// A [`Spread`] as JSON (null for undefined values).
fn spread_json(s: &Spread) -> serde_json::Value {
    let q = |i: usize| s.quantiles.map_or(serde_json::Value::Null, |q| num(q[i]));
    json!({
        "n": s.n, "mean": num(s.mean), "sd": num(s.sd), "min": num(s.min),
        "p5": q(0), "p25": q(1), "median": q(2), "p75": q(3), "p95": q(4), "max": num(s.max),
    })
}

/// `summary.json`'s `events_summary` at large N: how many events, where every event's
/// results are, the spread of CAR and BHAR per window and of the model's fit, and the
/// most extreme events on the lead window.
fn events_summary(o: &Outcome, plan: &Plan) -> serde_json::Value {
    let rs = &o.results;
    let per_window = |wi: usize| {
        let cars = Spread::of(
            rs.iter()
                .filter_map(|r| r.analysis.cars.get(wi))
                .map(|c| c.car),
        );
        let bhars = Spread::of(
            rs.iter()
                .filter_map(|r| r.analysis.bhars.get(wi))
                .map(|b| b.bhar),
        );
        let negative = rs
            .iter()
            .filter_map(|r| r.analysis.cars.get(wi))
            .filter(|c| c.car.is_finite() && c.car < 0.0)
            .count();
        json!({
            "window": o.study.car_windows[wi].label(),
            "car": spread_json(&cars),
            "car_negative": negative,
            "bhar": spread_json(&bhars),
        })
    };
    let fit = |f: &dyn Fn(&crate::model::FittedModel) -> f64| {
        spread_json(&Spread::of(rs.iter().map(|r| f(&r.analysis.fit))))
    };
    let ranked = ranking_window(o).map(|wi| {
        let (top, bottom) = extremes(o, wi, EXTREMES);
        let list = |v: Vec<&crate::outcome::EventResult>| {
            v.into_iter()
                .map(|r| {
                    json!({"event_id": r.event_id, "security": r.security, "entity": r.entity,
                           "day0": r.day0.to_string(), "car": r.analysis.cars[wi].car})
                })
                .collect::<Vec<_>>()
        };
        json!({"window": o.study.car_windows[wi].label(), "largest": list(top), "smallest": list(bottom)})
    });
    let tables: serde_json::Map<String, serde_json::Value> = [
        "car",
        "bhar",
        "model",
        "params",
        "ar",
        "volume",
        "volume_windows",
        "series",
        "status",
    ]
    .iter()
    .map(|t| (t.to_string(), json!(plan.file(t))))
    .collect();
    json!({
        "note": format!(
            "{} analysed events (more than {}): the per-event results are in the tables named here, one row per event (and window or session); this object gives their spread",
            rs.len(), plan.limits.summary_events
        ),
        "analysed": rs.len(),
        "tables": tables,
        "windows": (0..o.study.car_windows.len()).map(per_window).collect::<Vec<_>>(),
        "model": {
            "kind": o.study.model.as_str(),
            "alpha": fit(&|f| f.alpha().unwrap_or(f64::NAN)),
            "beta": fit(&|f| f.beta().unwrap_or(f64::NAN)),
            "sigma": fit(&|f| f.s2.sqrt()),
            "r2": fit(&|f| f.r2),
            "n_estimation": fit(&|f| f.n_obs as f64),
        },
        "extremes": ranked,
    })
}

/// The volume note of `summary.json`: how many events have abnormal volume, and why the
/// others have none.
fn volume_note(o: &Outcome) -> serde_json::Value {
    let with = o
        .results
        .iter()
        .filter(|r| r.analysis.volume.is_some())
        .count();
    let rows: usize = o
        .results
        .iter()
        .filter_map(|r| r.analysis.volume.as_ref())
        .map(|v| v.days.len())
        .sum();
    let note = if o.results.is_empty() {
        "no analysed event".to_string()
    } else if with == 0 {
        "no volume: the price files have no volume column (or fewer than 2 estimation sessions with volume); volume.csv has no rows".to_string()
    } else if with < o.results.len() {
        format!(
            "{} of {} analysed events have no volume (no volume column, or fewer than 2 estimation sessions with volume)",
            o.results.len() - with,
            o.results.len()
        )
    } else {
        "abnormal log volume for every analysed event".to_string()
    };
    json!({
        "measure": "ln(volume) against the mean and sd of ln(volume) over the estimation window's traded sessions; t on t(M_v - 1)",
        "events_with_volume": with,
        "rows": rows,
        "note": note,
    })
}

/// `summary.json`'s `second_stage`: every second-stage result as the tables hold it
/// (serde_json writes non-finite numbers as null), with the notes on what was not computed.
/// At large N (`plan.summary_aggregates`) the per-event lists (volatility, diagnostics)
/// are their count and table.
fn second_stage_json(o: &Outcome, plan: &Plan) -> serde_json::Value {
    let s = &o.second;
    // A per-event list, or at large N its count and table.
    let per_event = |list: &dyn Fn() -> serde_json::Value, n: usize, table: &str| {
        if plan.summary_aggregates {
            json!({"events": n, "table": plan.file(table)})
        } else {
            list()
        }
    };
    let groups: Vec<serde_json::Value> = s
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.group, "n_events": g.n_events,
                "windows": g.windows.iter().map(|a| json!({
                    "window": a.window.map(|w| w.label()), "n": a.n,
                    "caar": num(a.mean),
                    "tests": a.tests.iter().map(|t| json!({
                        "test": t.test,
                        "statistic": num(t.statistic),
                        "p_value": num(t.p_value),
                        "n": t.n, "distribution": t.distribution,
                    })).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "spec": &o.study.second_stage,
        "regressions": &s.regressions,
        "groups": groups,
        "differences": &s.differences,
        "volatility": per_event(&|| json!(&s.volatility), s.volatility.len(), "volatility"),
        "volatility_days": &s.volatility_days,
        "diagnostics": per_event(&|| json!(&s.diagnostics), s.diagnostics.len(), "diagnostics"),
        "calendar_time": &s.calendar_time,
        "multiple_testing": &s.adjusted,
        "notes": &s.notes,
    })
}
