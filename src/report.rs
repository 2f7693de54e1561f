//! Results → `report.md`. Rounding and significance marks live here only.

use std::fmt::Write as _;

use crate::returns::{Status, source};
use crate::run::{Aggregate, Outcome};

/// Significance marks: *** p < 0.01, ** p < 0.05, * p < 0.10.
pub fn stars(p: f64) -> &'static str {
    if !p.is_finite() {
        ""
    } else if p < 0.01 {
        "***"
    } else if p < 0.05 {
        "**"
    } else if p < 0.10 {
        "*"
    } else {
        ""
    }
}

/// A fraction as a signed percentage with 2 decimals; `–` when absent.
pub fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:+.2}%", v * 100.0)
    } else {
        "–".into()
    }
}

/// A statistic with 2 decimals; `–` when absent.
pub fn num(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.2}")
    } else {
        "–".into()
    }
}

fn pval(v: f64) -> String {
    if v.is_finite() {
        format!("{v:.3}")
    } else {
        "–".into()
    }
}

/// Escapes text from input files for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
        .replace('\n', " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn tests_row(a: &Aggregate) -> String {
    let mut s = String::new();
    for t in &a.tests {
        let _ = write!(
            s,
            " {} ({}){} |",
            num(t.statistic),
            pval(t.p_value),
            stars(t.p_value)
        );
    }
    s
}

/// Renders `report.md`.
pub fn markdown(o: &Outcome, chart: Option<&str>) -> String {
    let s = &o.study;
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", cell(&s.title));
    if !s.description.is_empty() {
        let _ = writeln!(md, "{}\n", s.description.trim());
    }
    let analysed = o.results.len();
    let skipped = o.skipped.iter().filter(|k| k.kind == "skipped").count();
    let nomkt = o
        .skipped
        .iter()
        .filter(|k| k.kind == "no_market_data")
        .count();
    let _ = writeln!(md, "## Study\n");
    let _ = writeln!(
        md,
        "- Event rows: {} ({} analysed, {} without market data, {} skipped)",
        o.events.len(),
        analysed,
        nomkt,
        skipped
    );
    let _ = writeln!(
        md,
        "- Normal-return model: {} model, OLS on the estimation window {} (at least {} returns), {} returns",
        s.model.as_str(),
        s.estimation.pretty(),
        s.min_estimation,
        match s.returns {
            crate::returns::ReturnKind::Simple => "simple",
            crate::returns::ReturnKind::Log => "log",
        }
    );
    let _ = writeln!(
        md,
        "- Event window {}; CAR windows {}",
        s.event_window.pretty(),
        s.car_windows
            .iter()
            .map(|w| w.pretty())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(md, "- Market index: `{}`", s.market.display());
    let _ = writeln!(
        md,
        "- Calendars: {}",
        o.calendars
            .keys()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let _ = writeln!(
        md,
        "- Event-day rule: `{}` (an announcement after the exchange's close moves to the next session)",
        s.rule.as_str()
    );
    let _ = writeln!(
        md,
        "- Halt policy: trade-to-trade (Maynes & Rumsey 1993): a suspended session has no return; the first traded session after a halt carries the return over the whole halt, compared with the market over the same sessions, and enters the estimation with weight 1/d"
    );
    let _ = writeln!(
        md,
        "- Variances: prediction-error variance of each AR and of each CAR (MacKinlay 1997), not L·s²\n"
    );

    let _ = writeln!(md, "## Events and day 0\n");
    let _ = writeln!(
        md,
        "| event | entity | security | announced | day 0 | decision |"
    );
    let _ = writeln!(md, "|---|---|---|---|---|---|");
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
        let _ = writeln!(
            md,
            "| {} | {} | {} | {} | {} | {}: {} |",
            cell(&a.event_id),
            cell(ent),
            cell(&a.security),
            cell(&a.announced),
            a.day0.map(|d| d.to_string()).unwrap_or_else(|| "–".into()),
            a.outcome,
            cell(&a.reason)
        );
    }
    let headlines: Vec<_> = {
        let mut seen = std::collections::BTreeSet::new();
        o.events
            .iter()
            .filter(|e| !e.headline.is_empty() && seen.insert(e.event_id.clone()))
            .collect()
    };
    if !headlines.is_empty() {
        let _ = writeln!(md, "\nSources:\n");
        for e in headlines {
            let _ = writeln!(
                md,
                "- {}: {} ({}{})",
                cell(&e.event_id),
                cell(&e.headline),
                cell(&e.source),
                if e.url.is_empty() {
                    String::new()
                } else {
                    format!(", <{}>", e.url.replace(['<', '>', ' '], ""))
                }
            );
        }
    }

    let _ = writeln!(md, "\n## Trading status: halts and gaps\n");
    let status_rows: Vec<_> = o
        .audit
        .iter()
        .filter(|a| {
            a.rule == "trading_status" || a.outcome == "suspended_on_day0" || a.outcome == "no_data"
        })
        .collect();
    if status_rows.is_empty() {
        let _ = writeln!(md, "No security was suspended in its event window.");
    } else {
        for a in status_rows {
            let _ = writeln!(
                md,
                "- **{}** ({}): {}",
                cell(&a.security),
                cell(&a.event_id),
                cell(&a.reason)
            );
        }
    }
    for w in &o.warnings {
        let _ = writeln!(md, "- Note: {}", cell(w));
    }

    let _ = writeln!(md, "\n## Market model\n");
    let _ = writeln!(
        md,
        "| event | security | M | α | β | σ | R² | estimation window |"
    );
    let _ = writeln!(md, "|---|---|---:|---:|---:|---:|---:|---|");
    for r in &o.results {
        let f = &r.analysis.fit;
        let _ = writeln!(
            md,
            "| {} | {} | {} | {:.5} | {:.3} | {:.4} | {:.3} | {}..{} |",
            cell(&r.event_id),
            cell(&r.security),
            f.n_obs,
            f.coef[0],
            f.coef[1],
            f.s2.sqrt(),
            f.r2,
            r.analysis.est_first,
            r.analysis.est_last
        );
    }

    let _ = writeln!(md, "\n## Abnormal returns around day 0\n");
    let _ = writeln!(
        md,
        "AR in percent with its single-event t in brackets; *suspended* sessions have no return; a return marked ⟨d⟩ spans d sessions (trade-to-trade).\n"
    );
    let _ = write!(md, "| τ |");
    for r in &o.results {
        let _ = write!(md, " {} {} |", cell(&r.security), cell(&r.event_id));
    }
    let _ = writeln!(md, " AAR | N |");
    let _ = writeln!(md, "|---:|{}---:|---:|", "---:|".repeat(o.results.len()));
    for (k, day) in o.days.iter().enumerate() {
        let _ = write!(md, "| {:+} |", day.tau.unwrap_or(0));
        for r in &o.results {
            let row = &r.analysis.rows[k];
            let txt = match row.status {
                Status::Suspended => "*suspended*".to_string(),
                Status::NoData => "no data".to_string(),
                Status::Trading if row.ar.is_finite() => format!(
                    "{} ({}){}{}",
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
            };
            let _ = write!(md, " {txt} |");
        }
        let _ = writeln!(md, " {} | {} |", pct(day.mean), day.n);
    }

    let _ = writeln!(md, "\n## Cumulative abnormal returns\n");
    let _ = writeln!(
        md,
        "CAR in percent, t from the CAR's prediction-error variance (t(M−2)), number of returns in the window.\n"
    );
    let _ = write!(md, "| event | security |");
    for w in &s.car_windows {
        let _ = write!(md, " CAR{} |", w.pretty());
    }
    let _ = writeln!(md);
    let _ = writeln!(md, "|---|---|{}", "---:|".repeat(s.car_windows.len()));
    for r in &o.results {
        let _ = write!(md, "| {} | {} |", cell(&r.event_id), cell(&r.security));
        for c in &r.analysis.cars {
            if c.n_returns == 0 {
                let _ = write!(md, " – (no return) |");
            } else {
                let _ = write!(
                    md,
                    " {} ({}){} n={} |",
                    pct(c.car),
                    num(c.t),
                    stars(c.p),
                    c.n_returns
                );
            }
        }
        let _ = writeln!(md);
    }

    let _ = writeln!(md, "\n## CAAR and tests\n");
    let _ = writeln!(
        md,
        "Statistic (two-sided p-value); *** p<0.01, ** p<0.05, * p<0.10.\n"
    );
    let names: Vec<&str> = o
        .windows
        .first()
        .map(|a| a.tests.iter().map(|t| t.test).collect())
        .unwrap_or_default();
    let _ = writeln!(
        md,
        "| window | N | CAAR |{}",
        names.iter().map(|n| format!(" {n} |")).collect::<String>()
    );
    let _ = writeln!(md, "|---|---:|---:|{}", "---:|".repeat(names.len()));
    for a in &o.windows {
        let _ = writeln!(
            md,
            "| {} | {} | {} |{}",
            a.window.map(|w| w.pretty()).unwrap_or_default(),
            a.n,
            pct(a.mean),
            tests_row(a)
        );
    }
    let _ = writeln!(md, "\n### AAR per event day\n");
    let _ = writeln!(
        md,
        "| τ | N | AAR |{}",
        names.iter().map(|n| format!(" {n} |")).collect::<String>()
    );
    let _ = writeln!(md, "|---:|---:|---:|{}", "---:|".repeat(names.len()));
    for a in &o.days {
        let _ = writeln!(
            md,
            "| {:+} | {} | {} |{}",
            a.tau.unwrap_or(0),
            a.n,
            pct(a.mean),
            tests_row(a)
        );
    }
    let n = o.results.len();
    let _ = writeln!(
        md,
        "\n**Which tests are informative at N = {n}.** J1 and Patell Z rest on each event's own estimation-window variance and are usable at small N if the events are independent; events on one date share market shocks, so their cross-correlation inflates them. The cross-sectional t and BMP estimate the variance from the N events themselves: with N = {n} they have {} degree(s) of freedom and little power{}.",
        n.saturating_sub(1),
        if n < 2 { " (undefined at N = 1)" } else { "" }
    );

    if let Some(c) = chart {
        let _ = writeln!(md, "\n## Chart\n\n![CAR paths]({c})");
    }

    let _ = writeln!(md, "\n## Skipped and no-market-data rows\n");
    if o.skipped.is_empty() {
        let _ = writeln!(md, "None.");
    } else {
        let _ = writeln!(md, "| event | entity | security | kind | reason |");
        let _ = writeln!(md, "|---|---|---|---|---|");
        for k in &o.skipped {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                cell(&k.event_id),
                cell(&k.entity),
                cell(&k.security),
                k.kind,
                cell(&k.reason)
            );
        }
    }

    let _ = writeln!(md, "\n## Reproducibility\n");
    let _ = writeln!(md, "- evimpact {}", env!("CARGO_PKG_VERSION"));
    if let Some(f) = &s.study_file {
        let _ = writeln!(md, "- Study file: `{}`", f.display());
    }
    for i in &o.inputs {
        let _ = writeln!(
            md,
            "- {}: `{}` sha256 `{}`",
            i.role,
            i.path.display(),
            i.sha256
        );
    }
    let _ = writeln!(
        md,
        "\nSuspension sources legend: {}.",
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
    );
    md
}
