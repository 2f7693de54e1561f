//! The terminal summary of a run: its first line leads with what is valid at this N and
//! clustering (the CAAR of the lead window and the run's lead test), then each window with
//! the lead test and its flags, what is not informative here, skipped rows and warnings.

use std::fmt::Write as _;

use crate::outcome::{Aggregate, Outcome, SkipKind};
use crate::report::{missed_reaction, num_prose, pct_prose, pval, verdict};
use crate::stats::find_test;

fn lead_cell(o: &Outcome, a: &Aggregate) -> String {
    let Some(l) = &o.lead else {
        return String::new();
    };
    match find_test(&a.tests, l.test) {
        Some(t) if t.statistic.is_finite() => format!(
            "{} = {}, p = {}",
            t.distribution,
            num_prose(t.statistic),
            pval(t.p_value)
        ),
        _ => "undefined".into(),
    }
}

/// The whole summary, one line each, as printed unless `--quiet`.
pub fn terminal_summary(o: &Outcome) -> String {
    let mut s = String::new();
    let c = o.counts();
    let name = &o.study.name;
    let lead_window = o
        .lead_window()
        .and_then(|i| o.windows.get(i).map(|a| (i, a)));
    match (&o.lead, lead_window) {
        (Some(l), Some((i, a))) => {
            let t = find_test(&a.tests, l.test);
            let _ = write!(
                s,
                "{name}: CAAR{} {} over {}; lead test {} ({}): {}",
                o.study.car_windows[i].pretty(),
                pct_prose(a.mean),
                a.clustering.describe(),
                l.test,
                l.test.label(),
                lead_cell(o, a)
            );
            if let Some(t) = t {
                let _ = write!(s, " ({})", verdict(t.p_value));
            }
            s.push('\n');
            let _ = writeln!(s, "  lead test: {} — {}", l.test.name(), l.reason);
        }
        _ => {
            let _ = writeln!(s, "{name}: no event could be analysed");
        }
    }
    let _ = writeln!(
        s,
        "  {}: {} analysed, {} without listed shares (no market data), {} skipped",
        crate::text::count(c.rows, "event row"),
        c.analysed,
        c.no_market_data,
        c.skipped
    );
    let lead_id = o.lead.as_ref().map(|l| l.test.as_str()).unwrap_or("");
    let windows = if c.analysed == 0 {
        &[][..]
    } else {
        &o.windows[..]
    };
    for (i, a) in windows.iter().enumerate() {
        let Some(w) = a.window else { continue };
        let mut flags = Vec::new();
        if let Some(m) = missed_reaction(o, i) {
            flags.push(format!("misses the reaction of {m}"));
        }
        if a.n < c.analysed {
            flags.push(format!("N = {} of {}", a.n, c.analysed));
        }
        if w.is_traded() {
            flags.push("traded sessions".into());
        }
        let _ = writeln!(
            s,
            "  CAAR{:<11} {:>9}  N={:<4} {lead_id} {}{}",
            w.pretty(),
            pct_prose(a.mean),
            a.n,
            lead_cell(o, a),
            if flags.is_empty() {
                String::new()
            } else {
                format!("  [{}]", flags.join("; "))
            }
        );
    }
    if let Some((_, a)) = lead_window.filter(|_| c.analysed > 0) {
        let not: Vec<&str> = a
            .tests
            .iter()
            .filter(|t| !crate::stats::informative(t.test, a.n, a.clustering.clustered()).0)
            .map(|t| t.test.as_str())
            .collect();
        if !not.is_empty() {
            let _ = writeln!(
                s,
                "  not informative at this N and clustering (kept in tests.csv and the report): {}",
                not.join(", ")
            );
        }
    }
    for k in o.skipped.iter().filter(|k| k.kind == SkipKind::Skipped) {
        let _ = writeln!(s, "  skipped {} {}: {}", k.event_id, k.security, k.reason);
    }
    for w in &o.warnings {
        let _ = writeln!(s, "warning: {w}");
    }
    // A semicolon or tab file is read as such; say so once per delimiter.
    for d in [";", "tab"] {
        let files: Vec<&crate::data::provenance::InputFile> = o
            .inputs
            .iter()
            .filter(|i| i.delimiter.as_deref() == Some(d))
            .collect();
        if let Some(first) = files.first() {
            let what = if d == ";" { "';' (semicolon)" } else { "tab" };
            let more = match files.len() {
                1 => String::new(),
                n => format!(" and {}", crate::text::count(n - 1, "other file")),
            };
            let _ = writeln!(
                s,
                "  note: {}{more} {} {what} as delimiter (detected from the header line; read as such)",
                first.path.display(),
                if files.len() == 1 { "uses" } else { "use" },
            );
        }
    }
    s
}
