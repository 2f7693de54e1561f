//! The report's sections, one function each, generated from the computed numbers only.

use chrono::{Datelike, NaiveDate, Weekday};

use super::doc::{Align, Block, Doc, Inline, Para, Table, code, strong, t};
use super::format::{num, num_prose, pct, pct_prose, pval, stars, verdict};
use crate::chart::render::{ChartFile, ChartKind};
use crate::outcome::{Aggregate, Counts, EventResult, Outcome};
use crate::returns::{Status, source};
use crate::stats::TestId;
use crate::window::Window;

/// Columns of wide tables (one per event) beyond which the report points to the CSV.
const MAX_COLUMNS: usize = 12;
/// Rows of per-event tables beyond which the report points to the CSV.
const MAX_ROWS: usize = 200;

fn display_name(r: &EventResult) -> String {
    if r.entity.is_empty() {
        r.security.clone()
    } else {
        format!("{} ({})", r.entity, r.security)
    }
}

fn window_label(a: &Aggregate) -> String {
    a.window.map(|w| w.pretty()).unwrap_or_default()
}

/// The plain-language summary, generated only from the computed numbers.
pub fn summary(o: &Outcome) -> Vec<Para> {
    let mut out = Vec::new();
    let Counts {
        analysed,
        no_market_data: nomkt,
        skipped,
        ..
    } = o.counts();
    out.push(vec![t(format!(
        "{} event row(s): {analysed} analysed, {nomkt} without listed shares (no market data), {skipped} skipped.",
        o.events.len()
    ))]);
    let Some(wi) = o.lead_window() else {
        return out;
    };
    let w: Window = o.study.car_windows[wi];
    if let Some(a) = o.windows.get(wi) {
        let mut s = format!(
            "Across the {} event(s) with a return in {}, the CAAR{} is {}",
            a.n,
            w.pretty(),
            w.pretty(),
            pct_prose(a.mean)
        );
        let tests: Vec<String> = a
            .tests
            .iter()
            .map(|x| {
                format!(
                    "{} = {} (p = {}, {})",
                    x.test,
                    num_prose(x.statistic),
                    pval(x.p_value),
                    x.distribution
                )
            })
            .collect();
        if !tests.is_empty() {
            s.push_str(&format!(": {}", tests.join("; ")));
        }
        s.push('.');
        let rejects = a
            .tests
            .iter()
            .filter(|x| x.p_value.is_finite() && x.p_value < 0.05)
            .count();
        if !a.tests.is_empty() {
            s.push_str(&format!(
                " {rejects} of {} test(s) reject CAAR = 0 at 5 %.",
                a.tests.len()
            ));
        }
        out.push(vec![t(s)]);
    }
    if analysed <= 10 {
        for r in &o.results {
            let c = &r.analysis.cars[wi];
            let name = if o
                .results
                .iter()
                .filter(|x| x.security == r.security)
                .count()
                > 1
            {
                format!("{}, event {}", display_name(r), r.event_id)
            } else {
                display_name(r)
            };
            let mut s = if c.n_returns == 0 {
                format!("{name} has no return in {}.", w.pretty())
            } else {
                format!(
                    "{name}: CAR{} is {} (t = {}, p = {}, {}; {} return(s)).",
                    w.pretty(),
                    pct_prose(c.car),
                    num_prose(c.t),
                    pval(c.p),
                    verdict(c.p),
                    c.n_returns
                )
            };
            // Suspended on day 0: where the reaction shows instead.
            let rows = &r.analysis.rows;
            if rows
                .iter()
                .any(|x| x.tau == 0 && x.status == Status::Suspended)
            {
                let last_susp = rows
                    .iter()
                    .filter(|x| x.tau >= 0)
                    .take_while(|x| x.status == Status::Suspended)
                    .last()
                    .map_or(0, |x| x.tau);
                match rows.iter().find(|x| x.tau > last_susp && x.ar.is_finite()) {
                    Some(x) => s.push_str(&format!(
                        " Suspended on τ = 0..{:+}; its first return after the news, on {} (τ = {:+}), spans {} session(s): AR {} (t = {}).",
                        last_susp,
                        x.date,
                        x.tau,
                        x.span,
                        pct_prose(x.ar),
                        num_prose(x.sar)
                    )),
                    None => s.push_str(&format!(
                        " Suspended from τ = 0 with no return after it inside the event window (last suspended τ = {last_susp:+})."
                    )),
                }
            }
            out.push(vec![t(s)]);
        }
    } else if let Some(a) = o.windows.get(wi) {
        let cars: Vec<f64> = o
            .results
            .iter()
            .map(|r| r.analysis.cars[wi].car)
            .filter(|v| v.is_finite())
            .collect();
        let neg = cars.iter().filter(|v| **v < 0.0).count();
        out.push(vec![t(format!(
            "{neg} of {} CAR{} are negative.",
            a.n,
            w.pretty()
        ))]);
    }
    out
}

/// How informative each test is at this run's N, from its reference distribution.
fn informative(o: &Outcome) -> Vec<Para> {
    let Some(a) = o
        .lead_window()
        .and_then(|i| o.windows.get(i))
        .or(o.windows.first())
    else {
        return Vec::new();
    };
    let n = a.n;
    let clustered = a.clustering.clustered();
    let mut out = vec![vec![t(crate::stats::informativeness_note(&a.clustering))]];
    out.extend(a.tests.iter().map(|x| {
        let (useful, why) = crate::stats::informative(x.test, n, clustered);
        let mut s = format!(
            ": {} at N = {n} (reference {}",
            if useful {
                "informative"
            } else {
                "not informative"
            },
            x.distribution
        );
        match x.critical_value() {
            Some(c) => s.push_str(&format!(", 5 % critical value ±{c:.2}). ")),
            None => s.push_str("). "),
        }
        let mut chars = why.chars();
        if let Some(first) = chars.next() {
            s.extend(first.to_uppercase());
            s.push_str(chars.as_str());
        }
        vec![strong(x.test.to_string()), t(s)]
    }));
    out
}

/// Weekdays inside the event windows on which the exchange was closed, as lines.
fn holidays(o: &Outcome) -> Vec<Para> {
    use std::collections::BTreeMap;
    let mut gaps: BTreeMap<(NaiveDate, NaiveDate), (i32, Vec<String>)> = BTreeMap::new();
    for r in &o.results {
        for w in r.analysis.rows.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let days: Vec<NaiveDate> = a
                .date
                .iter_days()
                .skip(1)
                .take_while(|d| *d < b.date)
                .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .collect();
            if let (Some(f), Some(l)) = (days.first(), days.last()) {
                let e = gaps.entry((*f, *l)).or_insert((b.tau, Vec::new()));
                if !e.1.contains(&r.security) {
                    e.1.push(r.security.clone());
                }
            }
        }
    }
    gaps.into_iter()
        .map(|((f, l), (tau, secs))| {
            let n = f
                .iter_days()
                .take_while(|d| *d <= l)
                .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .count();
            vec![t(format!(
                "Exchange closed {f}{} ({n} weekday(s)), just before τ = {tau:+} for {}: no session, so no return and no shift of event time.",
                if f == l { String::new() } else { format!(" .. {l}") },
                if secs.len() <= 6 {
                    secs.join(", ")
                } else {
                    format!("{} securities", secs.len())
                }
            ))]
        })
        .collect()
}

fn ar_cell(r: &EventResult, k: usize) -> String {
    let row = &r.analysis.rows[k];
    let limit = if row.status == Status::LimitLocked {
        "[limit] "
    } else {
        ""
    };
    match row.status {
        Status::Suspended => "suspended".to_string(),
        Status::NoData | Status::Holiday => "no data".to_string(),
        Status::Trading | Status::LimitLocked if row.ar.is_finite() => format!(
            "{limit}{} ({}){}{}",
            pct(row.ar),
            num(row.sar),
            stars(crate::stats::p_student(
                row.sar,
                r.analysis.fit.dof() as f64
            )),
            if row.span > 1 {
                format!(" ⟨{}⟩", row.span)
            } else {
                String::new()
            }
        ),
        Status::Trading => "–".to_string(),
        Status::LimitLocked => "[limit-locked]".to_string(),
    }
}

fn tests_cells(a: &Aggregate, names: &[TestId]) -> Vec<String> {
    names
        .iter()
        .map(|n| match a.tests.iter().find(|x| x.test == *n) {
            Some(x) => format!(
                "{} ({}){}",
                num(x.statistic),
                pval(x.p_value),
                stars(x.p_value)
            ),
            None => "–".into(),
        })
        .collect()
}

/// Builds the report from the run and the charts written for it: the study's description,
/// then one function per section.
pub fn build(o: &Outcome, charts: &[ChartFile]) -> Doc {
    let s = &o.study;
    let mut d = Doc {
        title: s.title.clone(),
        blocks: Vec::new(),
    };
    if !s.description.is_empty() {
        for para in s.description.trim().split("\n\n") {
            d.p(vec![t(para
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "))]);
        }
    }
    in_brief(&mut d, o);
    study(&mut d, o);
    events_and_day0(&mut d, o);
    trading_status(&mut d, o, charts);
    market_model(&mut d, o);
    abnormal_returns(&mut d, o, charts);
    cumulative_abnormal_returns(&mut d, o, charts);
    caar_and_tests(&mut d, o, charts);
    super::second_stage::sections(&mut d, o, charts);
    skipped_rows(&mut d, o);
    reproducibility(&mut d, o);
    d
}

/// The "In brief" section.
fn in_brief(d: &mut Doc, o: &Outcome) {
    d.h(2, "In brief");
    d.note(vec![t(
        "Generated from the computed numbers only; each figure below is in the tables of this report.",
    )]);
    d.list(summary(o));
    d.list(super::second_stage::brief(o));
}

/// The "Study" section.
fn study(d: &mut Doc, o: &Outcome) {
    let s = &o.study;
    d.h(2, "Study");
    let Counts {
        analysed,
        no_market_data: nomkt,
        skipped,
        ..
    } = o.counts();
    let markets: Vec<Inline> = o
        .inputs
        .iter()
        .filter(|i| i.role == "market" || i.role.starts_with("market "))
        .map(|i| code(i.path.display().to_string()))
        .collect();
    let mut market_line = vec![t("Market index: ")];
    for (k, m) in markets.into_iter().enumerate() {
        if k > 0 {
            market_line.push(t(", "));
        }
        market_line.push(m);
    }
    let mut cal_line = vec![t("Calendars: ")];
    for (k, c) in o.calendars.keys().enumerate() {
        if k > 0 {
            cal_line.push(t(", "));
        }
        cal_line.push(code(c.clone()));
    }
    d.list(vec![
        vec![t(format!(
            "Event rows: {} ({analysed} analysed, {nomkt} without market data, {skipped} skipped); {} distinct event(s), {} distinct securit(ies) analysed",
            o.events.len(),
            o.events
                .iter()
                .map(|e| &e.event_id)
                .collect::<std::collections::BTreeSet<_>>()
                .len(),
            o.results
                .iter()
                .map(|r| &r.security)
                .collect::<std::collections::BTreeSet<_>>()
                .len()
        ))],
        vec![t(format!(
            "Normal-return model: {} model, OLS on the estimation window {} (at least {} returns), {} returns",
            s.model.as_str(),
            s.estimation.pretty(),
            s.min_estimation,
            match s.returns {
                crate::returns::ReturnKind::Simple => "simple",
                crate::returns::ReturnKind::Log => "log",
            }
        ))],
        vec![t(format!(
            "Event window {}; CAR windows {}",
            s.event_window.pretty(),
            s.car_windows
                .iter()
                .map(|w| w.pretty())
                .collect::<Vec<_>>()
                .join(", ")
        ))],
        market_line,
        cal_line,
        vec![
            t("Event-day rule: "),
            code(s.rule.as_str()),
            t(" (an announcement after the exchange's close moves to the next session)"),
        ],
        vec![t(format!("Halt policy: {}", s.halt_policy.describe()))],
        vec![t(format!("Limit policy: {}", s.limit_policy.describe()))],
        vec![t(
            "Variances: prediction-error variance of each AR and of each CAR (MacKinlay 1997), not L·s²",
        )],
    ]);
}

/// The "Events and day 0" section.
fn events_and_day0(d: &mut Doc, o: &Outcome) {
    d.h(2, "Events and day 0");
    let mut rows = Vec::new();
    for a in o
        .audit
        .iter()
        .filter(|a| a.rule == "event_day" && a.outcome != "suspended_on_day0")
    {
        let ent = o
            .events
            .iter()
            .find(|e| e.event_id == a.event_id && e.security.as_deref() == Some(&a.security))
            .map(|e| e.entity.as_str())
            .unwrap_or("");
        rows.push(vec![
            a.event_id.clone(),
            ent.to_string(),
            a.security.clone(),
            a.announced.clone(),
            a.day0.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
            format!("{}: {}", a.outcome, a.reason),
        ]);
    }
    let total = rows.len();
    rows.truncate(MAX_ROWS);
    d.table(
        [
            "event",
            "entity",
            "security",
            "announced",
            "day 0",
            "decision",
        ]
        .map(String::from)
        .to_vec(),
        vec![Align::Left; 6],
        rows,
    );
    if total > MAX_ROWS {
        d.note(vec![t(format!(
            "First {MAX_ROWS} of {total} rows; all in audit.csv."
        ))]);
    }
    let mut seen = std::collections::BTreeSet::new();
    let sources: Vec<Para> = o
        .events
        .iter()
        .filter(|e| !e.headline.is_empty() && seen.insert(e.event_id.clone()))
        .take(50)
        .map(|e| {
            let mut p = vec![strong(e.event_id.clone()), t(format!(": {}", e.headline))];
            if !e.source.is_empty() {
                p.push(t(format!(" ({})", e.source)));
            }
            if !e.url.is_empty() {
                p.push(t(" "));
                p.push(Inline::Link {
                    text: e.url.clone(),
                    url: e.url.clone(),
                });
            }
            p
        })
        .collect();
    if !sources.is_empty() {
        d.p(vec![strong("Sources")]);
        d.list(sources);
    }
}

/// The "Trading status: halts, holidays, limits" section.
fn trading_status(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    d.h(2, "Trading status: halts, holidays, limits");
    let mut status: Vec<Para> = o
        .audit
        .iter()
        .filter(|a| {
            !matches!(a.rule.as_str(), "event_day" | "estimation" | "skip")
                && a.outcome != "no_market_data"
                || a.outcome == "suspended_on_day0"
        })
        .map(|a| {
            vec![
                strong(a.security.clone()),
                t(format!(" ({}, {}): {}", a.event_id, a.outcome, a.reason)),
            ]
        })
        .collect();
    status.extend(holidays(o));
    for w in &o.warnings {
        status.push(vec![t(format!("Note: {w}"))]);
    }
    if status.is_empty() {
        d.p(vec![t(
            "No security was suspended, limit-locked or closed by a holiday in its event window.",
        )]);
    } else {
        d.list(status);
    }
    d.figures(charts, ChartKind::Prices);
    d.figures(charts, ChartKind::Volume);
}

/// The "Market model" section.
fn market_model(d: &mut Doc, o: &Outcome) {
    d.h(2, "Market model");
    let rows: Vec<Vec<String>> = o
        .results
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            let f = &r.analysis.fit;
            let c = |i: usize, p: usize| {
                f.coef
                    .get(i)
                    .map_or("–".to_string(), |v| format!("{v:.p$}"))
            };
            vec![
                r.event_id.clone(),
                r.security.clone(),
                f.n_obs.to_string(),
                c(0, 5),
                c(1, 3),
                format!("{:.4}", f.s2.sqrt()),
                format!("{:.3}", f.r2),
                format!("{}..{}", r.analysis.est_first, r.analysis.est_last),
            ]
        })
        .collect();
    let mut al = vec![Align::Left, Align::Left];
    al.extend([Align::Right; 5]);
    al.push(Align::Left);
    d.table(
        [
            "event",
            "security",
            "M",
            "α",
            "β",
            "σ",
            "R²",
            "estimation window",
        ]
        .map(String::from)
        .to_vec(),
        al,
        rows,
    );
}

/// The "Abnormal returns around day 0" section.
fn abnormal_returns(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    d.h(2, "Abnormal returns around day 0");
    d.note(vec![t(
        "AR in percent with its single-event t in brackets; suspended sessions have no return; a return marked ⟨d⟩ spans d sessions (trade-to-trade); [limit] marks a close at the daily price limit.",
    )]);
    let shown: Vec<&EventResult> = o.results.iter().take(MAX_COLUMNS).collect();
    let mut header = vec!["τ".to_string()];
    header.extend(shown.iter().map(|r| {
        if o.results
            .iter()
            .filter(|x| x.security == r.security)
            .count()
            > 1
        {
            format!("{} {}", r.security, r.event_id)
        } else {
            r.security.clone()
        }
    }));
    header.extend(["AAR".to_string(), "N".to_string()]);
    let rows: Vec<Vec<String>> = o
        .days
        .iter()
        .enumerate()
        .map(|(k, day)| {
            let mut row = vec![format!("{:+}", day.tau.unwrap_or(0))];
            row.extend(shown.iter().map(|r| ar_cell(r, k)));
            row.push(pct(day.mean));
            row.push(day.n.to_string());
            row
        })
        .collect();
    let n_cols = header.len();
    d.table(header, vec![Align::Right; n_cols], rows);
    if o.results.len() > MAX_COLUMNS {
        d.note(vec![t(format!(
            "First {MAX_COLUMNS} of {} events shown; every AR is in ar.csv.",
            o.results.len()
        ))]);
    }
    d.figures(charts, ChartKind::ArBars);
}

/// The "Cumulative abnormal returns" section.
fn cumulative_abnormal_returns(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    let s = &o.study;
    d.h(2, "Cumulative abnormal returns");
    d.note(vec![t(
        "CAR in percent, t from the CAR's prediction-error variance (t(M−2)), n = returns in the window.",
    )]);
    let mut header = vec!["event".to_string(), "security".to_string()];
    header.extend(s.car_windows.iter().map(|w| format!("CAR{}", w.pretty())));
    let rows: Vec<Vec<String>> = o
        .results
        .iter()
        .take(MAX_ROWS)
        .map(|r| {
            let mut row = vec![r.event_id.clone(), r.security.clone()];
            row.extend(r.analysis.cars.iter().map(|c| {
                if c.n_returns == 0 {
                    "– (no return)".to_string()
                } else {
                    format!(
                        "{} ({}){} n={}",
                        pct(c.car),
                        num(c.t),
                        stars(c.p),
                        c.n_returns
                    )
                }
            }));
            row
        })
        .collect();
    let mut al = vec![Align::Left, Align::Left];
    al.extend(vec![Align::Right; s.car_windows.len()]);
    d.table(header, al, rows);
    if o.results.len() > MAX_ROWS {
        d.note(vec![t(format!(
            "First {MAX_ROWS} of {} events shown; every CAR is in car.csv.",
            o.results.len()
        ))]);
    }
    d.figures(charts, ChartKind::Car);
    d.figures(charts, ChartKind::CarDist);
}

/// The "CAAR and tests" section.
fn caar_and_tests(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    d.h(2, "CAAR and tests");
    d.note(vec![t(
        "Statistic (two-sided p-value); *** p<0.01, ** p<0.05, * p<0.10.",
    )]);
    let mut names: Vec<TestId> = Vec::new();
    for a in o.windows.iter().chain(&o.days) {
        for x in &a.tests {
            if !names.contains(&x.test) {
                names.push(x.test);
            }
        }
    }
    let mut header = vec!["window".to_string(), "N".to_string(), "CAAR".to_string()];
    header.extend(names.iter().map(|n| n.to_string()));
    let rows: Vec<Vec<String>> = o
        .windows
        .iter()
        .map(|a| {
            let mut row = vec![window_label(a), a.n.to_string(), pct(a.mean)];
            row.extend(tests_cells(a, &names));
            row
        })
        .collect();
    let mut al = vec![Align::Left];
    al.extend(vec![Align::Right; header.len() - 1]);
    d.table(header, al, rows);
    d.figures(charts, ChartKind::Tests);

    d.h(3, "AAR per event day");
    let mut header = vec!["τ".to_string(), "N".to_string(), "AAR".to_string()];
    header.extend(names.iter().map(|n| n.to_string()));
    let rows: Vec<Vec<String>> = o
        .days
        .iter()
        .map(|a| {
            let mut row = vec![
                format!("{:+}", a.tau.unwrap_or(0)),
                a.n.to_string(),
                pct(a.mean),
            ];
            row.extend(tests_cells(a, &names));
            row
        })
        .collect();
    let nh = header.len();
    d.table(header, vec![Align::Right; nh], rows);

    d.h(3, "Which tests are informative at this N");
    d.list(informative(o));
}

/// The "Skipped and no-market-data rows" section.
fn skipped_rows(d: &mut Doc, o: &Outcome) {
    d.h(2, "Skipped and no-market-data rows");
    if o.skipped.is_empty() {
        d.p(vec![t("None.")]);
    } else {
        let rows: Vec<Vec<String>> = o
            .skipped
            .iter()
            .take(MAX_ROWS)
            .map(|k| {
                vec![
                    k.event_id.clone(),
                    k.entity.clone(),
                    k.security.clone(),
                    k.kind.as_str().to_string(),
                    k.reason.to_string(),
                ]
            })
            .collect();
        d.table(
            ["event", "entity", "security", "kind", "reason"]
                .map(String::from)
                .to_vec(),
            vec![Align::Left; 5],
            rows,
        );
        if o.skipped.len() > MAX_ROWS {
            d.note(vec![t(format!(
                "First {MAX_ROWS} of {} rows; all in audit.csv.",
                o.skipped.len()
            ))]);
        }
    }
}

/// The "Reproducibility" section.
fn reproducibility(d: &mut Doc, o: &Outcome) {
    let s = &o.study;
    d.h(2, "Reproducibility");
    let mut items = vec![vec![t(format!("evimpact {}", env!("CARGO_PKG_VERSION")))]];
    if let Some(f) = &s.study_file {
        items.push(vec![t("Study file: "), code(f.display().to_string())]);
    }
    items.push(vec![
        t("Re-run: "),
        code(match &s.study_file {
            Some(f) => format!("evimpact run {}", f.display()),
            None => "evimpact run (flags as recorded in summary.json)".into(),
        }),
    ]);
    d.list(items);
    let rows: Vec<Vec<String>> = o
        .inputs
        .iter()
        .map(|i| {
            vec![
                i.role.clone(),
                i.path.display().to_string(),
                i.sha256.clone(),
            ]
        })
        .collect();
    d.blocks.push(Block::Table(Table {
        header: ["input", "path", "SHA-256"].map(String::from).to_vec(),
        align: vec![Align::Left; 3],
        rows,
        pinned: false,
    }));
    d.note(vec![t(format!(
        "Suspension sources legend: {}.",
        [
            source::HALTS,
            source::TRADE_STATUS,
            source::ZERO_VOLUME,
            source::MISSING_ROW,
            source::EMPTY_PRICE
        ]
        .iter()
        .map(|f| source::describe(*f))
        .collect::<Vec<_>>()
        .join("; ")
    ))]);
}
