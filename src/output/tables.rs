//! Results → data frames, one per table (`ar`, `car`, `tests`, `joint_tests`, `caar`, `model`, `params`,
//! `bhar`, `volume`, `volume_windows`, `status`, `audit`): pure functions of the outcome.

use polars::prelude::*;

use crate::outcome::{Aggregate, EventResult, Outcome};
use crate::stats::TestStat;
use crate::window::Window;

/// A named column from any iterator of values polars can hold.
pub(super) fn col<I, T, P>(name: &str, values: I) -> Column
where
    I: IntoIterator<Item = T>,
    P: ?Sized,
    Series: NamedFrom<Vec<T>, P>,
{
    Column::new(name.into(), values.into_iter().collect::<Vec<T>>())
}

pub(super) fn opt(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Days since 1970-01-01: a Date cell's value (an Int32 column cast to Date).
pub(super) fn epoch_days(d: chrono::NaiveDate) -> i32 {
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch");
    (d - epoch).num_days() as i32
}

/// A Date column from dates (every row has one).
pub(super) fn dates_col(name: &str, dates: Vec<chrono::NaiveDate>) -> PolarsResult<Column> {
    let days: Vec<i32> = dates.into_iter().map(epoch_days).collect();
    Column::new(name.into(), days).cast(&DataType::Date)
}

pub(super) fn date_col(name: &str, dates: Vec<Option<chrono::NaiveDate>>) -> PolarsResult<Column> {
    let days: Vec<Option<i32>> = dates.into_iter().map(|d| d.map(epoch_days)).collect();
    Column::new(name.into(), days).cast(&DataType::Date)
}

/// One row per item of each event result (`items` picks them), with its result beside it.
fn per_result<'a, T: 'a, I>(
    results: &'a [EventResult],
    items: impl Fn(&'a EventResult) -> I,
) -> Vec<(&'a EventResult, &'a T)>
where
    I: IntoIterator<Item = &'a T>,
{
    results
        .iter()
        .flat_map(|r| items(r).into_iter().map(move |x| (r, x)))
        .collect()
}

/// The `event_id` and `security` key columns of rows keyed by their event result.
fn key_cols<T>(rows: &[(&EventResult, T)]) -> [Column; 2] {
    [
        col("event_id", rows.iter().map(|(r, _)| r.event_id.as_str())),
        col("security", rows.iter().map(|(r, _)| r.security.as_str())),
    ]
}

/// The `window`, `tau_start` and `tau_end` columns of rows on an event-time window.
fn window_cols<T>(rows: &[(&EventResult, T)], window: impl Fn(&T) -> Window) -> [Column; 3] {
    [
        col("window", rows.iter().map(|(_, x)| window(x).label())),
        col("tau_start", rows.iter().map(|(_, x)| window(x).start)),
        col("tau_end", rows.iter().map(|(_, x)| window(x).end)),
    ]
}

/// The `scope`, `window` and `tau` columns of rows on a day or window aggregate.
fn scope_cols<T>(rows: &[T], agg: impl Fn(&T) -> &Aggregate) -> [Column; 3] {
    [
        col("scope", rows.iter().map(|x| agg(x).scope.as_str())),
        col(
            "window",
            rows.iter().map(|x| agg(x).window.map(|w| w.label())),
        ),
        col("tau", rows.iter().map(|x| agg(x).tau)),
    ]
}

/// The columns of `caar.csv`: scope, window, tau, n (events) and the mean.
pub(super) fn caar_cols<T>(rows: &[T], agg: impl Fn(&T) -> &Aggregate) -> Vec<Column> {
    let mut cols = scope_cols(rows, &agg).to_vec();
    cols.push(col("n", rows.iter().map(|x| agg(x).n as u32)));
    cols.push(col("mean", rows.iter().map(|x| opt(agg(x).mean))));
    cols
}

/// The columns of `tests.csv`: the aggregate's scope, window and tau, then the test's id,
/// statistic, p-value, n and reference distribution.
pub(super) fn test_cols<T>(
    rows: &[T],
    agg: impl Fn(&T) -> &Aggregate,
    test: impl Fn(&T) -> &TestStat,
) -> Vec<Column> {
    let mut cols = scope_cols(rows, agg).to_vec();
    cols.extend([
        col("test", rows.iter().map(|x| test(x).test.as_str())),
        col("statistic", rows.iter().map(|x| opt(test(x).statistic))),
        col("p_value", rows.iter().map(|x| opt(test(x).p_value))),
        col("n", rows.iter().map(|x| test(x).n as u32)),
        col(
            "distribution",
            rows.iter().map(|x| test(x).distribution.to_string()),
        ),
    ]);
    cols
}

/// A frame from column groups in order.
pub(super) fn frame<const N: usize>(groups: [Vec<Column>; N]) -> PolarsResult<DataFrame> {
    DataFrame::new_infer_height(groups.into_iter().flatten().collect())
}

/// Events whose rows of a per-session table are built at once when it is written as it is
/// built ([`super::STREAM_ROWS`]).
const SESSION_CHUNK: usize = 4096;

/// `results` in chunks of `n`, and one empty chunk when there is none (so that a table
/// without rows still has its columns).
pub(super) fn chunks_of<T>(results: &[T], n: usize) -> impl Iterator<Item = &[T]> {
    let none: &[T] = &[];
    let empty = results.is_empty().then_some(none);
    results.chunks(n).chain(empty)
}

/// `ar.csv`: one row per event, security and session of the event window; a chunk of
/// events at a time, in order.
pub fn ar_chunks(o: &Outcome) -> impl Iterator<Item = PolarsResult<DataFrame>> + '_ {
    chunks_of(&o.results, SESSION_CHUNK).map(ar_rows_table)
}

/// The `ar` rows of `results`.
fn ar_rows_table(results: &[EventResult]) -> PolarsResult<DataFrame> {
    let rows = per_result(results, |r| &r.analysis.rows);
    frame([
        key_cols(&rows).into(),
        vec![
            col("tau", rows.iter().map(|(_, x)| x.tau)),
            date_col("date", rows.iter().map(|(_, x)| Some(x.date)).collect())?,
            col("status", rows.iter().map(|(_, x)| x.status.as_str())),
            col(
                "span",
                rows.iter().map(|(_, x)| (x.span > 0).then_some(x.span)),
            ),
            col("ret", rows.iter().map(|(_, x)| opt(x.ret))),
            col("market_ret", rows.iter().map(|(_, x)| opt(x.market_ret))),
            col("normal_ret", rows.iter().map(|(_, x)| opt(x.normal))),
            col("ar", rows.iter().map(|(_, x)| opt(x.ar))),
            col("ar_var", rows.iter().map(|(_, x)| opt(x.var))),
            col("sar", rows.iter().map(|(_, x)| opt(x.sar))),
        ],
    ])
}

/// A CAR window's first (`start`) or last session in event time: the window's own bound
/// for an event-time window, the τ its traded sessions fall on for this security otherwise.
fn tau_bound(c: &crate::abnormal::CarRow, start: bool) -> Option<i32> {
    match (c.window.is_traded(), start) {
        (false, true) => Some(c.window.start),
        (false, false) => Some(c.window.end),
        (true, true) => c.taus.map(|t| t.0),
        (true, false) => c.taus.map(|t| t.1),
    }
}

/// `car.csv`: one row per event, security and CAR window; `first_return_tau` is the
/// security's first return on or after day 0 and `misses_reaction` flags a window that ends
/// before it (a halted stock's short windows hold no reaction).
pub fn car_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = per_result(&o.results, |r| &r.analysis.cars);
    frame([
        key_cols(&rows).into(),
        vec![
            col("window", rows.iter().map(|(_, c)| c.window.label())),
            col("tau_start", rows.iter().map(|(_, c)| tau_bound(c, true))),
            col("tau_end", rows.iter().map(|(_, c)| tau_bound(c, false))),
            col("car", rows.iter().map(|(_, c)| opt(c.car))),
            col("car_var", rows.iter().map(|(_, c)| opt(c.var))),
            col("t_stat", rows.iter().map(|(_, c)| opt(c.t))),
            col("p_value", rows.iter().map(|(_, c)| opt(c.p))),
            col("n_returns", rows.iter().map(|(_, c)| c.n_returns as u32)),
            col("first_return_tau", rows.iter().map(|(_, c)| c.first_return)),
            col(
                "misses_reaction",
                rows.iter().map(|(_, c)| c.misses_reaction),
            ),
        ],
    ])
}

/// `tests.csv`: every test on every event day (scope `day`) and CAR window (scope `window`).
pub fn tests_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = o
        .days
        .iter()
        .chain(&o.windows)
        .flat_map(|a| a.tests.iter().map(move |t| (a, t)))
        .collect();
    DataFrame::new_infer_height(test_cols(&rows, |(a, _)| a, |(_, t)| t))
}

/// `joint_tests.csv`: Binder's joint test on every day and window of a run whose events
/// are on one date (no rows otherwise): per hypothesis (`ar_zero`, `car_zero`, `ar_equal`,
/// `car_equal`) the Wald statistic with its χ²(q) p-value and the F form
/// (`hotelling` or `sur_approximation`) with its degrees of freedom and p-value; `n` the
/// securities, `sessions` the common estimation sessions behind Σ̂.
pub fn joint_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = o
        .days
        .iter()
        .chain(&o.windows)
        .filter_map(|a| a.joint.as_ref().map(|j| (a, j)))
        .flat_map(|(a, j)| j.rows.iter().map(move |r| (a, j, r)))
        .collect();
    frame([
        scope_cols(&rows, |(a, _, _)| a).into(),
        vec![
            col(
                "hypothesis",
                rows.iter().map(|(_, _, r)| r.hypothesis.as_str()),
            ),
            col("n", rows.iter().map(|(_, j, _)| j.n as u32)),
            col("sessions", rows.iter().map(|(_, j, _)| j.sessions as u32)),
            col("q", rows.iter().map(|(_, _, r)| r.q as u32)),
            col("wald", rows.iter().map(|(_, _, r)| opt(r.wald))),
            col("wald_p_value", rows.iter().map(|(_, _, r)| opt(r.wald_p))),
            col("f_statistic", rows.iter().map(|(_, _, r)| opt(r.f))),
            col("f_df1", rows.iter().map(|(_, _, r)| opt(r.f_df1))),
            col("f_df2", rows.iter().map(|(_, _, r)| opt(r.f_df2))),
            col("f_p_value", rows.iter().map(|(_, _, r)| opt(r.f_p))),
            col("f_form", rows.iter().map(|(_, _, r)| r.form.as_str())),
        ],
    ])
}

/// `caar.csv`: AAR per event day and CAAR per window with the number of events.
pub fn caar_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows: Vec<_> = o.days.iter().chain(&o.windows).collect();
    DataFrame::new_infer_height(caar_cols(&rows, |a| a))
}

/// `model.csv`: the fitted normal-return model of each event and security.
pub fn model_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let r = &o.results;
    DataFrame::new_infer_height(vec![
        col("event_id", r.iter().map(|x| x.event_id.as_str())),
        col("security", r.iter().map(|x| x.security.as_str())),
        col("model", r.iter().map(|x| x.analysis.fit.kind.as_str())),
        col(
            "n_estimation",
            r.iter().map(|x| x.analysis.fit.n_obs as u32),
        ),
        col("alpha", r.iter().map(|x| x.analysis.fit.alpha())),
        col("beta", r.iter().map(|x| x.analysis.fit.beta())),
        col("sigma", r.iter().map(|x| x.analysis.fit.s2.sqrt())),
        col("r2", r.iter().map(|x| opt(x.analysis.fit.r2))),
    ])
}

/// `params.csv`: every parameter of each fitted model with its standard error
/// (`event_id,security,model,param,value,std_error`).
pub fn params_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = per_result(&o.results, |r| &r.analysis.fit.params);
    frame([
        key_cols(&rows).into(),
        vec![
            col(
                "model",
                rows.iter().map(|(r, _)| r.analysis.fit.kind.as_str()),
            ),
            col("param", rows.iter().map(|(_, p)| p.name.as_str())),
            col("value", rows.iter().map(|(_, p)| opt(p.value))),
            col("std_error", rows.iter().map(|(_, p)| opt(p.std_error))),
        ],
    ])
}

/// `bhar.csv`: buy-and-hold abnormal return per event and CAR window
/// (`event_id,security,window,tau_start,tau_end,bhar,n_returns`).
pub fn bhar_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = per_result(&o.results, |r| &r.analysis.bhars);
    frame([
        key_cols(&rows).into(),
        window_cols(&rows, |b| b.window).into(),
        vec![
            col("bhar", rows.iter().map(|(_, b)| opt(b.bhar))),
            col("n_returns", rows.iter().map(|(_, b)| b.n_returns as u32)),
        ],
    ])
}

/// `volume.csv`: abnormal log volume on each event-window session with volume
/// (`event_id,security,tau,date,volume,log_volume,abnormal_log_volume,t_stat,p_value`); a
/// chunk of events at a time, in order.
pub fn volume_chunks(o: &Outcome) -> impl Iterator<Item = PolarsResult<DataFrame>> + '_ {
    chunks_of(&o.results, SESSION_CHUNK).map(volume_rows_table)
}

/// The `volume` rows of `results`.
fn volume_rows_table(results: &[EventResult]) -> PolarsResult<DataFrame> {
    // A row's value from its event's volume moments (every row has them: it is one of
    // their days).
    fn of(r: &EventResult, f: impl Fn(&crate::abnormal::AbnormalVolume) -> f64) -> f64 {
        r.analysis.volume.as_ref().map_or(f64::NAN, f)
    }
    let rows = per_result(results, |r| r.analysis.volume.iter().flat_map(|v| &v.days));
    frame([
        key_cols(&rows).into(),
        vec![
            col("tau", rows.iter().map(|(_, d)| d.tau)),
            date_col("date", rows.iter().map(|(_, d)| Some(d.date)).collect())?,
            col("volume", rows.iter().map(|(_, d)| opt(d.volume))),
            col("log_volume", rows.iter().map(|(_, d)| opt(d.log_volume()))),
            col(
                "abnormal_log_volume",
                rows.iter().map(|(r, d)| opt(of(r, |v| v.abnormal(d)))),
            ),
            col("t_stat", rows.iter().map(|(r, d)| opt(of(r, |v| v.t(d))))),
            col("p_value", rows.iter().map(|(_, d)| opt(d.p))),
        ],
    ])
}

/// `volume_windows.csv`: cumulative abnormal log volume per event and CAR window
/// (`event_id,security,window,tau_start,tau_end,cumulative_abnormal_log_volume,t_stat,p_value,n_days`).
pub fn volume_windows_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let rows = per_result(&o.results, |r| {
        r.analysis.volume.iter().flat_map(|v| &v.windows)
    });
    frame([
        key_cols(&rows).into(),
        window_cols(&rows, |w| w.window).into(),
        vec![
            col(
                "cumulative_abnormal_log_volume",
                rows.iter().map(|(_, w)| opt(w.cav)),
            ),
            col("t_stat", rows.iter().map(|(_, w)| opt(w.t))),
            col("p_value", rows.iter().map(|(_, w)| opt(w.p))),
            col("n_days", rows.iter().map(|(_, w)| w.n_days as u32)),
        ],
    ])
}

/// One row of the status table.
pub struct StatusRow<'a> {
    pub event_id: &'a str,
    pub security: &'a str,
    pub date: chrono::NaiveDate,
    pub tau: Option<i32>,
    pub status: crate::returns::Status,
    pub source: std::borrow::Cow<'static, str>,
}

/// The trading status of every weekday of each event window, exchange holidays included,
/// each row saying where its status came from: each event's rows built in parallel,
/// collected in event order.
pub fn status_rows(results: &[EventResult]) -> Vec<StatusRow<'_>> {
    use rayon::prelude::*;
    results
        .par_iter()
        .flat_map_iter(event_status_rows)
        .collect()
}

/// The [`status_rows`] of one event.
fn event_status_rows(r: &EventResult) -> Vec<StatusRow<'_>> {
    use crate::returns::{Status, source};
    use chrono::Datelike;
    use std::borrow::Cow;
    let mut out = Vec::new();
    let (Some(first), Some(last)) = (r.analysis.rows.first(), r.analysis.rows.last()) else {
        return out;
    };
    let (cal, tl) = (&r.calendar, &r.timeline);
    let mic = r.exchange;
    for d in first.date.iter_days().take_while(|d| *d <= last.date) {
        if d.weekday().number_from_monday() > 5 {
            continue;
        }
        let Some(i) = cal.index_of(d) else {
            out.push(StatusRow {
                event_id: &r.event_id,
                security: &r.security,
                date: d,
                tau: None,
                status: Status::Holiday,
                source: format!("weekday without an {mic} session (exchange holiday)").into(),
            });
            continue;
        };
        let status = tl.status[i];
        // The text of most rows is one of a few constants, not a string of its own.
        let src: Cow<'static, str> = match status {
            Status::Suspended => source::describe(tl.sources[i]).into(),
            Status::LimitLocked => {
                let (c, p, rate) = tl.limit_values(i);
                format!(
                    "price file: close {c} at the {} limit ({:.0} % of reference {p})",
                    if tl.limit(i) > 0 { "upper" } else { "lower" },
                    rate * 100.0
                )
                .into()
            }
            Status::NoData => "outside the price file's dates".into(),
            Status::Trading if tl.excluded[i] => {
                "price file; return excluded (halt policy exclude_days)".into()
            }
            _ => "price file".into(),
        };
        out.push(StatusRow {
            event_id: &r.event_id,
            security: &r.security,
            date: d,
            tau: Some((i as i64 - r.day0_index as i64) as i32),
            status,
            source: src,
        });
    }
    out
}

/// `status.csv` (see [`status_rows`]), a chunk of events at a time, in order.
pub fn status_chunks(o: &Outcome) -> impl Iterator<Item = PolarsResult<DataFrame>> + '_ {
    chunks_of(&o.results, SESSION_CHUNK).map(|chunk| {
        let rows = status_rows(chunk);
        DataFrame::new_infer_height(vec![
            col("event_id", rows.iter().map(|r| r.event_id)),
            col("security", rows.iter().map(|r| r.security)),
            col("tau", rows.iter().map(|r| r.tau)),
            date_col("date", rows.iter().map(|r| Some(r.date)).collect())?,
            col("status", rows.iter().map(|r| r.status.as_str())),
            col("source", rows.iter().map(|r| r.source.as_ref())),
        ])
    })
}

/// `audit.csv`: every alignment, trading-status, estimation and skip decision.
pub fn audit_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let a = &o.audit;
    DataFrame::new_infer_height(vec![
        col("event_id", a.iter().map(|x| x.event_id.as_str())),
        col("security", a.iter().map(|x| x.security.as_str())),
        col("announced", a.iter().map(|x| x.announced.as_str())),
        date_col("day0", a.iter().map(|x| x.day0).collect())?,
        col("rule", a.iter().map(|x| x.rule.as_str())),
        col("outcome", a.iter().map(|x| x.outcome.as_str())),
        col("reason", a.iter().map(|x| x.reason.as_str())),
    ])
}

/// `caar_path.csv`: the CAAR from the event window's start to each τ with the run's lead
/// test on that cumulative window and its 95 % band (what the CAR chart draws).
pub fn caar_path_table(o: &Outcome) -> PolarsResult<DataFrame> {
    let p = &o.lead_path;
    DataFrame::new_infer_height(vec![
        col("tau", p.iter().map(|x| x.tau)),
        col("n", p.iter().map(|x| x.n as u32)),
        col("caar", p.iter().map(|x| opt(x.caar))),
        col("test", p.iter().map(|x| x.test.as_str())),
        col("statistic", p.iter().map(|x| opt(x.statistic))),
        col("p_value", p.iter().map(|x| opt(x.p_value))),
        col("distribution", p.iter().map(|x| x.distribution.to_string())),
        col("lower", p.iter().map(|x| opt(x.lower))),
        col("upper", p.iter().map(|x| opt(x.upper))),
    ])
}

/// `caar_by_date.csv` (written when events cluster on several dates): each event date's
/// CAAR per CAR window with the run's lead test on that date's events alone, what the
/// report's "CAAR per event date" shows (`date,events,window,n,caar,test,statistic,p_value,
/// distribution,pooled_rbar`; `n` the date's events with a CAR in the window, `pooled_rbar`
/// whether the Kolari–Pynnönen r̄ is the pooled estimate).
pub fn caar_by_date_table(o: &Outcome) -> PolarsResult<DataFrame> {
    type Cell<'a> = (
        &'a crate::outcome::DateAggregate,
        &'a crate::window::Window,
        &'a (usize, f64, crate::stats::TestStat),
    );
    let rows: Vec<Cell<'_>> = o
        .by_date
        .iter()
        .flat_map(|g| {
            o.study
                .car_windows
                .iter()
                .zip(&g.windows)
                .map(move |(w, c)| (g, w, c))
        })
        .collect();
    DataFrame::new_infer_height(vec![
        date_col("date", rows.iter().map(|(g, ..)| Some(g.date)).collect())?,
        col("events", rows.iter().map(|(g, ..)| g.events as u32)),
        col("window", rows.iter().map(|(_, w, _)| w.label())),
        col("n", rows.iter().map(|(.., c)| c.0 as u32)),
        col("caar", rows.iter().map(|(.., c)| opt(c.1))),
        col("test", rows.iter().map(|(.., c)| c.2.test.as_str())),
        col("statistic", rows.iter().map(|(.., c)| opt(c.2.statistic))),
        col("p_value", rows.iter().map(|(.., c)| opt(c.2.p_value))),
        col(
            "distribution",
            rows.iter().map(|(.., c)| c.2.distribution.to_string()),
        ),
        col("pooled_rbar", rows.iter().map(|(g, ..)| g.pooled_rbar)),
    ])
}
