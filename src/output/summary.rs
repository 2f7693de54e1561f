//! `summary.json`: the study as run, input hashes with provenance, tool version and every
//! key figure.

use serde_json::json;

use crate::outcome::Outcome;

/// `summary.json`: the study as run, input hashes, tool version and every key figure.
pub fn summary_json(o: &Outcome) -> serde_json::Value {
    let num = |v: f64| {
        if v.is_finite() {
            json!(v)
        } else {
            serde_json::Value::Null
        }
    };
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
        "events": o.results.iter().map(|r| json!({
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
        })).collect::<Vec<_>>(),
        "volume": volume_note(o),
        "skipped": &o.skipped,
        "warnings": &o.warnings,
    });
    v["second_stage"] = second_stage_json(o);
    v
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
fn second_stage_json(o: &Outcome) -> serde_json::Value {
    let s = &o.second;
    let groups: Vec<serde_json::Value> = s
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.group, "n_events": g.n_events,
                "windows": g.windows.iter().map(|a| json!({
                    "window": a.window.map(|w| w.label()), "n": a.n,
                    "caar": if a.mean.is_finite() { json!(a.mean) } else { serde_json::Value::Null },
                    "tests": a.tests.iter().map(|t| json!({
                        "test": t.test,
                        "statistic": if t.statistic.is_finite() { json!(t.statistic) } else { serde_json::Value::Null },
                        "p_value": if t.p_value.is_finite() { json!(t.p_value) } else { serde_json::Value::Null },
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
        "volatility": &s.volatility,
        "volatility_days": &s.volatility_days,
        "diagnostics": &s.diagnostics,
        "calendar_time": &s.calendar_time,
        "multiple_testing": &s.adjusted,
        "notes": &s.notes,
    })
}
