//! The report's sections, one function each, generated from the computed numbers only.

use chrono::{Datelike, NaiveDate, Weekday};

use super::doc::{Align, Block, Doc, Inline, Para, Table, code, strong, t};
use super::format::{num, num_prose, pct, pct_prose, pval, stars, verdict};
use crate::chart::render::{ChartFile, ChartKind};
use crate::outcome::{Aggregate, Counts, EventResult, Outcome};
use crate::returns::{Status, source};
use crate::stats::TestId;
use crate::text::count;

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

/// What a security's abnormal return is measured against, for prose: "the CSI 300",
/// "its estimation-window mean", "its FF3 normal return".
fn benchmark(o: &Outcome, r: &EventResult) -> String {
    use crate::model::ModelKind;
    match o.study.model {
        ModelKind::ConstantMean => "its estimation-window mean return".into(),
        ModelKind::Ff3 | ModelKind::Ff5 | ModelKind::Carhart | ModelKind::Factors => {
            format!("its {} normal return", o.study.model.as_str())
        }
        _ => {
            let index = o.study.markets.get(r.exchange).or(o.study.market.as_ref());
            match index.and_then(|p| p.file_stem()).and_then(|s| s.to_str()) {
                Some(stem) => index_name(stem),
                None => "the market".into(),
            }
        }
    }
}

/// A market index's name from its file name: "000300.SH" → "the CSI 300".
fn index_name(stem: &str) -> String {
    let known = [
        ("000300.SH", "the CSI 300"),
        ("000300.SS", "the CSI 300"),
        ("000001.SS", "the SSE Composite"),
        ("000001.SH", "the SSE Composite"),
        ("399001.SZ", "the SZSE Component"),
        ("GSPC", "the S&P 500"),
        ("^GSPC", "the S&P 500"),
        ("SPX", "the S&P 500"),
        ("IXIC", "the Nasdaq Composite"),
        ("NDX", "the Nasdaq-100"),
        ("HSI", "the Hang Seng"),
        ("DJI", "the Dow Jones Industrial Average"),
    ];
    known
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(stem))
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| format!("the index {stem}"))
}

/// "fell 4.34 %" or "rose 0.64 %".
fn moved(v: f64) -> String {
    if !v.is_finite() {
        return "has no value".into();
    }
    let p = format!("{:.2} %", v.abs() * 100.0);
    if v < 0.0 {
        format!("fell {p}")
    } else {
        format!("rose {p}")
    }
}

/// One sentence per firm: its first abnormal return after the news (on resumption after a
/// halt, with the span) and its CAR over the lead window.
fn firm_sentence(o: &Outcome, r: &EventResult, name: &str, wi: usize) -> String {
    let w = o.study.car_windows[wi];
    let c = &r.analysis.cars[wi];
    let first = r
        .analysis
        .rows
        .iter()
        .find(|x| x.tau >= 0 && x.ar.is_finite());
    let halted_at_news = r
        .analysis
        .rows
        .iter()
        .any(|x| x.tau == 0 && x.status == Status::Suspended);
    let mut s = match first {
        Some(x) if halted_at_news => format!(
            "{name} was suspended when the news came and {} against {} on resumption, {} (τ = {:+}, a {}-session return spanning the halt)",
            moved(x.ar),
            benchmark(o, r),
            x.date,
            x.tau,
            x.span
        ),
        Some(x) if x.tau == 0 => format!(
            "{name} {} against {} on day 0, {}",
            moved(x.ar),
            benchmark(o, r),
            x.date
        ),
        Some(x) => format!(
            "{name}'s first return after the news, {} (τ = {:+}), {} against {}",
            x.date,
            x.tau,
            moved(x.ar),
            benchmark(o, r)
        ),
        None => format!("{name} has no return after the news in the event window"),
    };
    if c.n_returns == 0 {
        s.push_str(&format!("; it has no return in {}.", w.pretty()));
    } else {
        s.push_str(&format!(
            ", and its CAR{} is {} (t = {}, p = {}).",
            w.pretty(),
            pct_prose(c.car),
            num_prose(c.t),
            pval(c.p)
        ));
    }
    s
}

/// The sample sentence: the lead window's CAAR with the lead test, and what the tests that
/// are not informative here would have claimed.
fn sample_sentence(o: &Outcome, wi: usize, a: &Aggregate) -> String {
    let w = o.study.car_windows[wi];
    let mut s = format!(
        "Across {}, the CAAR{} is {}",
        a.clustering.describe(),
        w.pretty(),
        pct_prose(a.mean)
    );
    if let Some(l) = &o.lead
        && let Some(x) = crate::stats::find_test(&a.tests, l.test)
    {
        s.push_str(&format!(
            ". The lead test, {}, gives {} = {} (p = {}): {}.",
            l.test.name(),
            crate::text::grouped_digits(&x.distribution.to_string()),
            num_prose(x.statistic),
            pval(x.p_value),
            verdict(x.p_value)
        ));
        let clustered = a.clustering.clustered();
        let overstated: Vec<String> = a
            .tests
            .iter()
            .filter(|x| !crate::stats::informative(x.test, a.n, clustered).0)
            .filter(|y| y.p_value.is_finite() && y.p_value < x.p_value)
            .map(|y| format!("{} p = {}", y.test.label(), pval(y.p_value)))
            .collect();
        if !overstated.is_empty() {
            s.push_str(&format!(
                " Tests that are not informative at this N and clustering give smaller p-values ({}); they are in the tables but should not be quoted.",
                overstated.join(", ")
            ));
        }
    } else {
        s.push('.');
    }
    s
}

/// The plain-language summary, generated only from the computed numbers: one sentence for
/// the sample (the lead window's CAAR and the lead test), one per firm (up to ten), the
/// windows in traded sessions, the windows that miss a halted firm's reaction, the counts.
pub fn summary(o: &Outcome) -> Vec<Para> {
    let mut out = Vec::new();
    let c = o.counts();
    let lead = o
        .lead_window()
        .and_then(|i| o.windows.get(i).map(|a| (i, a)));
    if let Some((wi, a)) = lead {
        out.push(vec![t(sample_sentence(o, wi, a))]);
        for w in &o.warnings {
            out.push(vec![strong("Warning: "), t(w.clone())]);
        }
        if c.analysed <= 10 {
            for r in &o.results {
                let several = o
                    .results
                    .iter()
                    .filter(|x| x.security == r.security)
                    .count()
                    > 1;
                let name = if several {
                    format!("{}, event {}", display_name(r), r.event_id)
                } else {
                    display_name(r)
                };
                out.push(vec![t(firm_sentence(o, r, &name, wi))]);
            }
        } else {
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
                o.study.car_windows[wi].pretty()
            ))]);
        }
    }
    for a in &o.windows {
        let Some(w) = a.window.filter(|w| w.is_traded()) else {
            continue;
        };
        let mut s = format!(
            "Counted in each firm's own traded sessions from its first return after the news, the CAAR{} is {} over {}",
            w.pretty(),
            pct_prose(a.mean),
            count(a.n, "event")
        );
        if let Some(l) = &o.lead
            && let Some(x) = crate::stats::find_test(&a.tests, l.test)
        {
            s.push_str(&format!(
                " ({} {} = {}, p = {})",
                l.test,
                x.distribution,
                num_prose(x.statistic),
                pval(x.p_value)
            ));
        }
        s.push('.');
        out.push(vec![t(s)]);
    }
    let missed: Vec<String> = o
        .study
        .car_windows
        .iter()
        .enumerate()
        .filter_map(|(i, w)| {
            super::format::missed_reaction(o, i).map(|m| format!("{}: {m}", w.pretty()))
        })
        .collect();
    if !missed.is_empty() {
        out.push(vec![t(format!(
            "Windows that end before a halted firm's first return after the news hold none of its reaction (car.csv: misses_reaction): {}. Use the windows in traded sessions (t0:t5) to compare such firms with the others.",
            missed.join("; ")
        ))]);
    }
    out.push(vec![t(format!(
        "{}: {} analysed, {} without listed shares (no market data), {} skipped.",
        count(c.rows, "event row"),
        c.analysed,
        c.no_market_data,
        c.skipped
    ))]);
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
    let label = window_label(a);
    let joint =
        crate::stats::find_test(&a.tests, TestId::BinderJoint).map(|f| crate::stats::JointLines {
            f,
            calibrated: crate::stats::find_test(&a.tests, TestId::BinderJointEmpirical),
            window: label.as_str(),
        });
    let mut out = vec![vec![t(crate::stats::informativeness_note_with_joint(
        &a.clustering,
        joint,
    ))]];
    out.extend(a.tests.iter().map(|x| {
        let (useful, why) = crate::stats::informative(x.test, n, clustered);
        let mut s = format!(
            ": {} at N = {} (reference {}",
            if useful {
                "informative"
            } else {
                "not informative"
            },
            crate::text::thousands(n),
            crate::text::grouped_digits(&x.distribution.to_string())
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
    // Each gap's securities in the order met, with a set beside them to look one up (a
    // holiday inside the windows of thousands of events of thousands of securities).
    type Gap<'a> = (i32, Vec<&'a str>, std::collections::HashSet<&'a str>);
    let mut gaps: BTreeMap<(NaiveDate, NaiveDate), Gap> = BTreeMap::new();
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
                let e = gaps
                    .entry((*f, *l))
                    .or_insert((b.tau, Vec::new(), Default::default()));
                if e.2.insert(r.security.as_str()) {
                    e.1.push(r.security.as_str());
                }
            }
        }
    }
    gaps.into_iter()
        .map(|((f, l), (tau, secs, _))| {
            let n = f
                .iter_days()
                .take_while(|d| *d <= l)
                .filter(|d| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun))
                .count();
            vec![t(format!(
                "Exchange closed {f}{} ({}), just before τ = {tau:+} for {}: no session, so no return and no shift of event time.",
                if f == l { String::new() } else { format!(" .. {l}") },
                crate::text::count(n, "weekday"),
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

/// Builds the report from the run and the charts written for it: the study's description,
/// then one function per section.
pub fn build(o: &Outcome, charts: &[ChartFile]) -> Doc {
    build_for(o, charts, &crate::output::Plan::for_outcome(o))
}

/// [`build`] for `plan`: at large N (`plan.many`) the per-event sections give aggregates
/// and the most extreme events ([`super::large`]).
pub fn build_for(o: &Outcome, charts: &[ChartFile], plan: &crate::output::Plan) -> Doc {
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
    if plan.many {
        use super::large;
        large::events_and_day0(&mut d, o, plan);
        large::trading_status(&mut d, o, charts, plan);
        large::market_model(&mut d, o, plan);
        large::abnormal_returns(&mut d, o, charts, plan);
        large::cumulative_abnormal_returns(&mut d, o, charts, plan);
    } else {
        events_and_day0(&mut d, o);
        trading_status(&mut d, o, charts);
        market_model(&mut d, o);
        abnormal_returns(&mut d, o, charts);
        cumulative_abnormal_returns(&mut d, o, charts);
    }
    caar_and_tests(&mut d, o, charts);
    caar_by_date(&mut d, o, plan);
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
    // With groups, the groups and their difference first: the pooled figures mix them.
    let groups = super::second_stage::brief(o);
    if groups.is_empty() {
        d.list(summary(o));
    } else {
        d.list(groups);
        d.list(summary(o));
    }
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
    // Counted in hash sets: an ordered set sorts its million keys first.
    let n_events = o
        .events
        .iter()
        .map(|e| e.event_id.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    let n_securities = o
        .results
        .iter()
        .map(|r| r.security.as_str())
        .collect::<std::collections::HashSet<_>>()
        .len();
    d.list(vec![
        vec![t(format!(
            "Event rows: {} ({analysed} analysed, {nomkt} without market data, {skipped} skipped); {} distinct, {} distinct analysed",
            o.events.len(),
            count(n_events, "event"),
            count(n_securities, "security"),
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
        vec![t(window_forms(&s.car_windows))],
        market_line,
        cal_line,
        vec![
            t("Event-day rule: "),
            code(s.rule.as_str()),
            t(" (an announcement after the exchange's close moves to the next session)"),
        ],
        policy_line(
            o,
            "Halt policy",
            Status::Suspended,
            "no suspended session",
            s.halt_policy.describe(),
        ),
        policy_line(
            o,
            "Limit policy",
            Status::LimitLocked,
            "no close at the daily price limit",
            s.limit_policy.describe(),
        ),
        vec![t(
            "Variances: prediction-error variance of each AR and of each CAR (MacKinlay 1997), not L·s²",
        )],
    ]);
}

/// Which form each CAR window uses: exchange sessions from day 0 or traded sessions.
fn window_forms(ws: &[crate::window::Window]) -> String {
    let (traded, event): (Vec<_>, Vec<_>) = ws.iter().partition(|w| w.is_traded());
    let list =
        |v: &[&crate::window::Window]| v.iter().map(|w| w.pretty()).collect::<Vec<_>>().join(", ");
    let mut s = format!(
        "Window forms: {} count exchange sessions relative to day 0 (a halted security has no return on some of them)",
        list(&event)
    );
    if !traded.is_empty() {
        s.push_str(&format!(
            "; {} count the security's own returns, t0 its first return on or after day 0 (after any halt)",
            list(&traded)
        ));
    }
    s.push('.');
    s
}

/// A policy line: what the policy does when it applied, or that nothing called for it
/// (no audit row with the status's outcome in any event or estimation window; `none` says
/// what was absent).
fn policy_line(o: &Outcome, what: &str, status: Status, none: &str, describe: &str) -> Para {
    let outcome = status.as_str();
    let applied = o.audit.iter().any(|a| {
        a.rule == "trading_status"
            && a.outcome
                .strip_prefix(outcome)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('_'))
    });
    if applied {
        vec![t(format!("{what}: {describe}"))]
    } else {
        vec![t(format!(
            "{what}: not applied ({none} in any event or estimation window)"
        ))]
    }
}

/// The "Events and day 0" section.
fn events_and_day0(d: &mut Doc, o: &Outcome) {
    d.h(2, "Events and day 0");
    // One lookup per row (a scan of the events per audit row was quadratic: half of a
    // 100,000-event run), and rows built only for the table's first MAX_ROWS.
    let entity: std::collections::HashMap<(&str, &str), &str> = o
        .events
        .iter()
        .filter_map(|e| {
            let s = e.security.as_deref()?;
            Some(((e.event_id.as_str(), s), e.entity.as_str()))
        })
        .rev()
        .collect();
    let mut rows = Vec::new();
    let mut total = 0;
    for a in o
        .audit
        .iter()
        .filter(|a| a.rule == "event_day" && a.outcome != "suspended_on_day0")
    {
        total += 1;
        if rows.len() == MAX_ROWS {
            continue;
        }
        let ent = entity
            .get(&(a.event_id.as_str(), a.security.as_str()))
            .copied()
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
        .filter(|a| a.is_trading_status_line())
        .map(|a| {
            vec![
                strong(a.security.clone()),
                t(format!(" ({}, {}): {}", a.event_id, a.outcome, a.reason)),
            ]
        })
        .collect();
    status.extend(holidays(o));
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

/// The "CAAR per event date" section, when events cluster on several dates: each date's
/// CAAR per window with the lead test on that date's events alone.
/// The caption of the per-date table: what it holds, and where r̄ comes from when it is the
/// pooled estimate and the lead test reads it.
fn by_date_note(dates: usize, test: crate::stats::TestId, pooled: bool) -> String {
    use crate::stats::TestId;
    let mut s = format!(
        "Events cluster on {} dates: each date's events share its shocks. CAAR in percent with {} (`{test}`) on that date's events alone (statistic, two-sided p-value).",
        crate::text::thousands(dates),
        test.name(),
    );
    if pooled && matches!(test, TestId::AdjustedBmp | TestId::AdjustedPatellZ) {
        s.push_str(&format!(
            " Its r̄ is each date's pooled estimate from the events' standardized estimation-window ARs, not the mean of their pairwise correlations: the dates' pairs of events number more than {} together (README, \"At large N\").",
            crate::text::thousands(crate::stats::EXACT_CORRELATION_PAIRS)
        ));
    }
    s
}

/// Dates the report lists one by one at large N (beyond them it lists the
/// [`crate::output::plan::EXTREMES`] dates at each end and points to `caar_by_date`).
const DATES_LISTED: usize = 2 * crate::output::plan::EXTREMES;

fn caar_by_date(d: &mut Doc, o: &Outcome, plan: &crate::output::Plan) {
    let (Some(l), false) = (&o.lead, o.by_date.is_empty()) else {
        return;
    };
    d.h(3, "CAAR per event date");
    let pooled = o.by_date.iter().any(|g| g.pooled_rbar);
    d.note(vec![t(by_date_note(o.by_date.len(), l.test, pooled))]);
    let ws = &o.study.car_windows;
    let row = |g: &crate::outcome::DateAggregate| {
        let mut row = vec![g.date.to_string(), g.events.to_string()];
        row.extend(g.windows.iter().map(|(n, caar, x)| {
            if *n == 0 {
                "–".to_string()
            } else {
                format!(
                    "{} ({}, {}){}",
                    pct(*caar),
                    num(x.statistic),
                    pval(x.p_value),
                    if *n < g.events {
                        format!(" N = {n}")
                    } else {
                        String::new()
                    }
                )
            }
        }));
        row
    };
    let mut header = vec!["date".to_string(), "events".to_string()];
    header.extend(ws.iter().map(|w| format!("CAAR{}", w.pretty())));
    let mut align = vec![Align::Left, Align::Right];
    align.extend(vec![Align::Right; ws.len()]);
    let ranked = crate::output::plan::ranking_window(o);
    match ranked {
        Some(wi) if plan.many && o.by_date.len() > DATES_LISTED => {
            // One row per date is a page per hundred dates: the extremes, and the table.
            let k = crate::output::plan::EXTREMES;
            let with_caar: Vec<&crate::outcome::DateAggregate> = o
                .by_date
                .iter()
                .filter(|g| {
                    g.windows
                        .get(wi)
                        .is_some_and(|w| w.0 > 0 && w.1.is_finite())
                })
                .collect();
            let spread = crate::output::plan::Spread::of(with_caar.iter().map(|g| g.windows[wi].1));
            // Ranked by the lead test's statistic where it is defined: by CAAR alone the ends
            // would be the dates with one event, the noisiest means.
            let mut dates: Vec<&crate::outcome::DateAggregate> = with_caar
                .iter()
                .copied()
                .filter(|g| g.windows[wi].2.statistic.is_finite())
                .collect();
            let by_statistic = !dates.is_empty();
            if by_statistic {
                dates.sort_by(|a, b| {
                    b.windows[wi]
                        .2
                        .statistic
                        .total_cmp(&a.windows[wi].2.statistic)
                });
            } else {
                dates = with_caar;
                dates.sort_by(|a, b| b.windows[wi].1.total_cmp(&a.windows[wi].1));
            }
            let mut text = format!(
                "The {} dates' CAAR{}: mean {}, sd {}",
                crate::text::thousands(o.by_date.len()),
                ws[wi].pretty(),
                pct(spread.mean),
                pct(spread.sd).trim_start_matches('+')
            );
            if let Some(q) = spread.quantiles {
                text.push_str(&format!(
                    ", 5–95 % of dates {} to {}, median {}",
                    pct(q[0]),
                    pct(q[4]),
                    pct(q[2])
                ));
            }
            let file = plan.file("caar_by_date");
            text.push_str(&if by_statistic {
                format!(
                    ". The dates with the largest and the smallest statistic of {} on CAAR{} follow, up to {k} at each end (among the {} dates where it is defined); every date and window is in {file}.",
                    l.test.name(),
                    ws[wi].pretty(),
                    crate::text::thousands(dates.len())
                )
            } else {
                format!(
                    ". The dates with the largest and the smallest CAAR{} follow, up to {k} at each end; every date and window is in {file}.",
                    ws[wi].pretty()
                )
            });
            d.p(vec![t(text)]);
            header.insert(0, "rank".to_string());
            align.insert(0, Align::Left);
            let top = dates
                .iter()
                .take(k)
                .enumerate()
                .map(|(i, g)| (format!("top {}", i + 1), g));
            // No date twice when fewer than 2k are ranked.
            let bottom = dates
                .iter()
                .rev()
                .take(k.min(dates.len().saturating_sub(k)))
                .enumerate()
                .map(|(i, g)| (format!("bottom {}", i + 1), g));
            let rows = top
                .chain(bottom)
                .map(|(rank, g)| {
                    let mut r = vec![rank];
                    r.extend(row(g));
                    r
                })
                .collect();
            d.table(header, align, rows);
        }
        _ => {
            let rows = o.by_date.iter().map(row).collect();
            d.table(header, align, rows);
        }
    }
}

/// Windows per table of the tests-as-rows layout: with the two label columns this fits
/// A4 portrait at 8 pt and a 1,000 px screen.
const WINDOWS_PER_TABLE: usize = 5;

/// The tests of a run in the report's order: the lead test first, then by family (the
/// order of [`crate::stats::Family`]) and within a family in the battery's order.
fn ordered_tests(o: &Outcome) -> Vec<TestId> {
    let mut names: Vec<TestId> = Vec::new();
    for a in o.windows.iter().chain(&o.days) {
        for x in &a.tests {
            if !names.contains(&x.test) {
                names.push(x.test);
            }
        }
    }
    let lead = o.lead.as_ref().map(|l| l.test);
    names.sort_by_key(|n| {
        (
            Some(*n) != lead,
            n.family(),
            TestId::ALL.iter().position(|x| x == n),
        )
    });
    names
}

/// "stat (p)***", or "–" when the test has no value there.
fn test_cell(a: &Aggregate, test: TestId) -> String {
    match a.tests.iter().find(|x| x.test == test) {
        Some(x) => format!(
            "{} ({}){}",
            num(x.statistic),
            pval(x.p_value),
            stars(x.p_value)
        ),
        None => "–".into(),
    }
}

/// The "CAAR and tests" section: one row per window with the lead test, then every test
/// as a row against the windows as columns (at most [`WINDOWS_PER_TABLE`] per table),
/// then the AAR per event day in one table per family of tests.
fn caar_and_tests(d: &mut Doc, o: &Outcome, charts: &[ChartFile]) {
    d.h(2, "CAAR and tests");
    let names = ordered_tests(o);
    let lead = o.lead.as_ref().map(|l| l.test);
    let lead_head = match lead {
        Some(l) => format!("lead test: {}", l.label()),
        None => "lead test".into(),
    };
    let rows: Vec<Vec<String>> = o
        .windows
        .iter()
        .map(|a| {
            let form = match a.window {
                Some(w) if w.is_traded() => "traded sessions",
                _ => "event time",
            };
            vec![
                window_label(a),
                form.to_string(),
                a.n.to_string(),
                pct(a.mean),
                lead.map_or("–".into(), |l| test_cell(a, l)),
            ]
        })
        .collect();
    d.table(
        vec![
            "window".into(),
            "form".into(),
            "N".into(),
            "CAAR".into(),
            lead_head,
        ],
        vec![
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
        ],
        rows,
    );

    d.h(3, "Every test, per window");
    d.note(vec![t(
        "One row per test (lead test first, then by family), one column per window with its N. Statistic (two-sided p-value); *** p<0.01, ** p<0.05, * p<0.10. \"At this N\" judges each test at the lead window's N and event-date clustering (see below).",
    )]);
    let lead_agg = o.lead_window().and_then(|i| o.windows.get(i));
    let at_n = |n: TestId| -> &'static str {
        if Some(n) == lead {
            return "lead";
        }
        match lead_agg {
            Some(a) => {
                if crate::stats::informative(n, a.n, a.clustering.clustered()).0 {
                    "informative"
                } else {
                    "not informative"
                }
            }
            None => "–",
        }
    };
    // Even tables: 7 windows as 4 + 3, not 5 + 2.
    let tables = o.windows.len().div_ceil(WINDOWS_PER_TABLE).max(1);
    let per_table = o.windows.len().div_ceil(tables).max(1);
    for chunk in o.windows.chunks(per_table) {
        let mut header = vec!["test".to_string(), "at this N".to_string()];
        header.extend(
            chunk
                .iter()
                .map(|a| format!("{} N={}", window_label(a), a.n)),
        );
        let rows: Vec<Vec<String>> = names
            .iter()
            .map(|n| {
                let mut row = vec![n.label().to_string(), at_n(*n).to_string()];
                row.extend(chunk.iter().map(|a| test_cell(a, *n)));
                row
            })
            .collect();
        let mut al = vec![Align::Left, Align::Left];
        al.extend(vec![Align::Right; chunk.len()]);
        d.table(header, al, rows);
    }
    joint_tests(d, o);
    d.figures(charts, ChartKind::Tests);

    d.h(3, "AAR per event day");
    d.note(vec![t(
        "AAR in percent per event day, one table per family of tests (statistic, two-sided p-value).",
    )]);
    use crate::stats::Family;
    // Every family in one of the groups (at most 5 tests per table, so A4 portrait holds it).
    let groups: [(&str, &[Family]); 5] = [
        (
            "Event variance and time series",
            &[Family::EventVariance, Family::TimeSeries],
        ),
        ("Cross-section", &[Family::CrossSection]),
        ("Sign", &[Family::Sign]),
        ("Rank", &[Family::Rank]),
        (
            "Resampling and multivariate",
            &[Family::Resampling, Family::Multivariate],
        ),
    ];
    for (title, families) in groups {
        let mut in_group: Vec<TestId> = names
            .iter()
            .copied()
            .filter(|n| families.contains(&n.family()))
            .collect();
        in_group.sort_by_key(|n| TestId::ALL.iter().position(|x| x == n));
        if in_group.is_empty() {
            continue;
        }
        d.p(vec![strong(title)]);
        let mut header = vec!["τ".to_string(), "N".to_string(), "AAR".to_string()];
        header.extend(in_group.iter().map(|n| n.label().to_string()));
        let rows: Vec<Vec<String>> = o
            .days
            .iter()
            .map(|a| {
                let mut row = vec![
                    format!("{:+}", a.tau.unwrap_or(0)),
                    a.n.to_string(),
                    pct(a.mean),
                ];
                row.extend(in_group.iter().map(|n| test_cell(a, *n)));
                row
            })
            .collect();
        let nh = header.len();
        d.table(header, vec![Align::Right; nh], rows);
    }

    d.h(3, "Which tests are informative at this N");
    d.list(informative(o));
}

/// Binder's joint test, one line per CAR window, when the events share one date (the full
/// table is `joint_tests.csv`).
fn joint_tests(d: &mut Doc, o: &Outcome) {
    use crate::stats::binder::JointHypothesis as H;
    let lines: Vec<Para> = o
        .windows
        .iter()
        .filter_map(|a| a.joint.as_ref().map(|j| (a, j)))
        .map(|(a, j)| {
            let f = |h: H, what: &str| match j.row(h) {
                Some(r) if r.f_p.is_finite() => format!(
                    "{what}: F({}, {}) = {}, p = {}{} (Wald χ²({}) = {}, p = {})",
                    r.f_df1,
                    r.f_df2,
                    num(r.f),
                    pval(r.f_p),
                    stars(r.f_p),
                    r.q,
                    num(r.wald),
                    pval(r.wald_p)
                ),
                _ => format!("{what}: undefined"),
            };
            let calibrated = crate::stats::find_test(&a.tests, TestId::BinderJointEmpirical)
                .filter(|c| c.p_value.is_finite())
                .map_or(String::new(), |c| {
                    format!(
                        ", calibrated on the estimation window's {} blocks (`binder_joint_empirical`) p = {}{}",
                        match c.distribution {
                            crate::stats::Reference::Empirical(b) => b,
                            _ => 0,
                        },
                        pval(c.p_value),
                        stars(c.p_value)
                    )
                });
            vec![
                strong(window_label(a)),
                t(format!(
                    ": {}{calibrated}; {}; {}.",
                    f(H::CarZero, &format!("all {} CARs zero", j.n)),
                    f(H::CarEqual, "CARs equal across securities"),
                    f(H::ArZero, "every AR zero")
                )),
            ]
        })
        .collect();
    if let Some(j) = o.windows.iter().find_map(|a| a.joint.as_ref()) {
        d.p(vec![t(format!(
            "Joint test for events on one date (Binder 1985 multivariate regression with event dummies): the securities' CARs and ARs tested together, with their contemporaneous covariance estimated on the {} estimation sessions on which every security has a one-session return; a halted session has no dummy and a span return covers its sessions. Every hypothesis with its Wald and F forms is in joint_tests.csv.",
            j.sessions
        ))]);
        d.list(lines);
    }
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
        code(match (&o.command, &s.study_file) {
            (Some(c), _) => super::format::shell_command(c),
            (None, Some(f)) => format!("evimpact run {}", f.display()),
            (None, None) => "evimpact run (flags as recorded in summary.json)".into(),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::TestId;

    /// The per-date caption says r̄ is the pooled estimate exactly when it is and the lead
    /// test reads r̄.
    #[test]
    fn by_date_caption_says_when_rbar_is_pooled() {
        let pooled = "pooled estimate";
        assert!(by_date_note(3, TestId::AdjustedBmp, true).contains(pooled));
        assert!(by_date_note(3, TestId::AdjustedPatellZ, true).contains("more than 499,500"));
        assert!(!by_date_note(3, TestId::AdjustedBmp, false).contains(pooled));
        assert!(!by_date_note(3, TestId::Cda, true).contains(pooled));
        assert!(by_date_note(3, TestId::Cda, true).starts_with("Events cluster on 3 dates"));
    }
}
