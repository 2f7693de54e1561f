//! The audit trail of one analysed event: trading status, halts, limits, volume and
//! estimation decisions, as rows of `audit.csv`.

use chrono::NaiveDate;

use crate::abnormal::EventAnalysis;
use crate::data::calendar::Calendar;
use crate::data::events::Event;
use crate::data::halts::Halts;
use crate::outcome::AuditRow;
use crate::returns::{Status, Timeline, source};
use crate::study::Study;

/// One audit row before it gets the event's keys: (rule, outcome, reason).
type Note = (&'static str, &'static str, String);

/// The audit rows of an analysed event after its event-day row: trading status in the
/// event window, resumption volume, and the estimation (see the three functions below).
#[allow(clippy::too_many_arguments)]
pub(super) fn analysed(
    e: &Event,
    sec: &str,
    day0: NaiveDate,
    day0_index: usize,
    a: &EventAnalysis,
    tl: &Timeline,
    cal: &Calendar,
    halts: &Halts,
    study: &Study,
) -> Vec<AuditRow> {
    let mut out = trading_status(sec, day0_index, a, tl, halts, study);
    out.extend(resumption_volume(a));
    out.extend(estimation(a, tl, cal, study));
    out.into_iter()
        .map(|(rule, outcome, reason)| AuditRow {
            event_id: e.event_id.clone(),
            security: sec.to_string(),
            announced: e.announced(),
            day0: Some(day0),
            rule: rule.into(),
            outcome: outcome.into(),
            reason,
        })
        .collect()
}

/// Suspension on day 0 and in the event window, halts the halts file declares against the
/// prices, limit-locked closes and returns excluded by the halt policy.
fn trading_status(
    sec: &str,
    al_day0: usize,
    a: &EventAnalysis,
    tl: &Timeline,
    halts: &Halts,
    study: &Study,
) -> Vec<Note> {
    let mut out = Vec::new();
    if tl.status[al_day0] == Status::Suspended {
        out.push((
            "trading_status",
            "suspended_on_day0",
            "the security is suspended on day 0: day 0 stays the first session after the news; the reaction shows on the resumption session's trade-to-trade return".into(),
        ));
    }
    for (lo, hi, sources) in suspended_runs(a) {
        let resumption = a.rows.iter().find(|r| r.tau > hi.1 && r.span > 0);
        let resume = match resumption {
            Some(r) => format!(
                "; the return of {} (τ={:+}) spans {} sessions and is compared with the market over the same sessions",
                r.date, r.tau, r.span
            ),
            None => "; no return after it inside the event window".into(),
        };
        out.push((
            "trading_status",
            "suspended",
            format!(
                "suspended {}..{} (τ={:+}..{:+}), source: {}; no return on those sessions{resume}",
                lo.0,
                hi.0,
                lo.1,
                hi.1,
                source::describe(sources)
            ),
        ));
    }
    for h in halts.of(sec) {
        if tl.halt_overrides.iter().any(|d| h.covers(*d)) {
            out.push((
                "trading_status",
                "halt_overrides_prices",
                format!(
                    "halts file line {} declares {}..{} but the price file shows trading on some of those sessions: the halts file wins",
                    h.line, h.start, h.end
                ),
            ));
        }
    }
    for r in a.rows.iter().filter(|r| r.status == Status::LimitLocked) {
        let i = (al_day0 as i64 + r.tau as i64) as usize;
        let (close, pre, rate) = tl.limit_values(i);
        out.push((
            "trading_status",
            "limit_locked",
            format!(
                "{} (τ={:+}): close {close} at the {} limit ({}{:.0} % of the reference price {pre}, {}); policy {}: {}",
                r.date,
                r.tau,
                if tl.limit(i) > 0 { "upper" } else { "lower" },
                if tl.limit(i) > 0 { "+" } else { "−" },
                rate * 100.0,
                crate::returns::limits::describe(sec, r.date, rate < 0.1),
                study.limit_policy.as_str(),
                if study.limit_policy == crate::returns::LimitPolicy::Flag {
                    "return kept, it understates the reaction"
                } else {
                    "no return; carried to the next session off the limit"
                }
            ),
        ));
    }
    for r in a
        .rows
        .iter()
        .filter(|r| tl.excluded[(al_day0 as i64 + r.tau as i64) as usize])
    {
        out.push((
            "trading_status",
            "excluded",
            format!(
                "{} (τ={:+}): the return spanning the halt is dropped (halt policy exclude_days)",
                r.date, r.tau
            ),
        ));
    }
    out
}

/// Trading volume on each resumption after a halt in the event window.
fn resumption_volume(a: &EventAnalysis) -> Vec<Note> {
    let mut out = Vec::new();
    for v in &a.resumptions {
        out.push((
            "volume",
            "resumption",
            format!(
                "resumption {} (τ={:+}, return spans {} sessions): volume {:.0} = {:.1}× the estimation-window geometric mean; abnormal log volume {:+.2} (z = {:.2}, above {:.0} % of {} estimation sessions)",
                v.date,
                v.tau,
                v.span,
                v.volume,
                v.abnormal_log_volume.exp(),
                v.abnormal_log_volume,
                v.z,
                v.percentile * 100.0,
                v.n_est
            ),
        ));
    }
    out
}

/// Halts and limits in the estimation window, sessions without data, returns without a
/// model input, and the estimation itself.
fn estimation(a: &EventAnalysis, tl: &Timeline, cal: &Calendar, study: &Study) -> Vec<Note> {
    let spec = &study.model_spec;
    let mut out = Vec::new();
    for note in estimation_status_notes(tl, cal, a, study) {
        out.push(("trading_status", note.0, note.1));
    }
    let nodata = a.rows.iter().filter(|r| r.status == Status::NoData).count();
    if nodata > 0 {
        out.push((
            "data",
            "no_data",
            format!("{nodata} session(s) of the event window are outside the price file's dates"),
        ));
    }
    if !a.missing_inputs.is_empty() {
        out.push((
            "estimation",
            "missing_model_input",
            format!(
                "{} return(s) of the event window have no normal return: a {} model input (market return, factor, risk-free rate or market lead/lag) is missing on τ={}",
                a.missing_inputs.len(),
                spec.kind.as_str(),
                a.missing_inputs
                    .iter()
                    .map(|t| format!("{t:+}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let span_obs = a.fit.n_obs;
    out.push((
        "estimation",
        "ok",
        format!(
            "{} model on {} returns in {} ({}..{}){}",
            study.model.as_str(),
            span_obs,
            study.estimation.pretty(),
            a.est_first,
            a.est_last,
            if a.est_truncated > 0 {
                format!(
                    "; {} session(s) of the window precede the calendar",
                    a.est_truncated
                )
            } else {
                String::new()
            }
        ),
    ));
    out
}

/// Halts and limit-locked closes inside the estimation window: (outcome, reason) rows.
fn estimation_status_notes(
    tl: &Timeline,
    cal: &Calendar,
    a: &EventAnalysis,
    study: &Study,
) -> Vec<(&'static str, String)> {
    let (Some(lo), Some(hi)) = (cal.index_of(a.est_first), cal.index_of(a.est_last)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut i = lo;
    while i <= hi {
        if tl.status[i] != Status::Suspended {
            i += 1;
            continue;
        }
        let start = i;
        let mut flags = 0;
        while i <= hi && tl.status[i] == Status::Suspended {
            flags |= tl.sources[i];
            i += 1;
        }
        let after = (i..tl.status.len()).find(|&k| tl.span[k] > 0 || tl.excluded[k]);
        let tail = match after {
            Some(k) if tl.excluded[k] => format!(
                "; the return of {} spanning it is excluded (halt policy exclude_days)",
                cal.sessions[k]
            ),
            Some(k) => format!(
                "; the return of {} spans {} sessions and enters the estimation with weight 1/{}",
                cal.sessions[k], tl.span[k], tl.span[k]
            ),
            None => String::new(),
        };
        out.push((
            "suspended_in_estimation",
            format!(
                "estimation window: suspended {}..{} ({} session(s)), source: {}{tail}",
                cal.sessions[start],
                cal.sessions[i - 1],
                i - start,
                source::describe(flags)
            ),
        ));
    }
    let limits: Vec<String> = (lo..=hi)
        .filter(|&k| tl.status[k] == Status::LimitLocked)
        .map(|k| {
            format!(
                "{} ({})",
                cal.sessions[k],
                if tl.limit(k) > 0 { "up" } else { "down" }
            )
        })
        .collect();
    if !limits.is_empty() {
        out.push((
            "limit_locked_in_estimation",
            format!(
                "estimation window: {} close(s) at the daily limit: {}; limit policy {}",
                limits.len(),
                limits.join(", "),
                study.limit_policy.describe()
            ),
        ));
    }
    out
}

type Run = ((NaiveDate, i32), (NaiveDate, i32), u8);

/// Runs of consecutive suspended sessions in the event window: (first, last, sources).
fn suspended_runs(a: &EventAnalysis) -> Vec<Run> {
    let mut out: Vec<Run> = Vec::new();
    let mut prev_tau = None;
    for r in a.rows.iter().filter(|r| r.status == Status::Suspended) {
        match (out.last_mut(), prev_tau) {
            (Some(last), Some(p)) if p + 1 == r.tau => {
                last.1 = (r.date, r.tau);
                last.2 |= r.sources;
            }
            _ => out.push(((r.date, r.tau), (r.date, r.tau), r.sources)),
        }
        prev_tau = Some(r.tau);
    }
    out
}
