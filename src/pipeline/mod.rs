//! The driver: load → per event (align, returns, fit, abnormal returns, audit) → aggregate
//! statistics, into an [`Outcome`]. A problem with one event becomes a skipped row with its
//! reason; the run goes on.

mod aggregate;
mod audit;
mod event;
pub mod load;

use chrono::NaiveDate;
use rayon::prelude::*;

use crate::abnormal::EventAnalysis;
use crate::error::Result;
use crate::outcome::{AuditRow, EventResult, Outcome, Skipped};
use crate::study::Study;

pub use aggregate::aggregates;

/// Runs a study.
///
/// # Errors
/// Bad input files (exit code 2). Problems with single events are skipped rows instead.
pub fn run_study(study: &Study) -> Result<Outcome> {
    let load::Loaded {
        events,
        halts,
        prices,
        inputs,
        warnings,
        calendars,
        market_of,
        data,
    } = load::load_study(study)?;
    // Events, in parallel.
    let es = study.event_spec();
    let cx = event::Context {
        study,
        es: &es,
        data: &data,
        prices: &prices,
        halts: &halts,
        market_of: &market_of,
    };
    let per_event: Vec<(Option<EventResult>, Vec<AuditRow>, Option<Skipped>)> = events
        .par_iter()
        .enumerate()
        .map(|(k, e)| event::analyze_event(k, e, &cx))
        .collect();
    let mut results = Vec::new();
    let mut audit = Vec::new();
    let mut skipped = Vec::new();
    for (r, a, s) in per_event {
        results.extend(r);
        audit.extend(a);
        skipped.extend(s);
    }
    let analyses: Vec<&EventAnalysis> = results.iter().map(|r| &r.analysis).collect();
    let day0: Vec<NaiveDate> = results.iter().map(|r| r.day0).collect();
    let (days, windows) = aggregates(&es, &analyses, &day0);
    let mut outcome = Outcome {
        study: study.clone(),
        events,
        results,
        audit,
        skipped,
        days,
        windows,
        inputs,
        calendars,
        warnings,
        lead: None,
        lead_path: Vec::new(),
        by_date: Vec::new(),
        command: None,
    };
    outcome.lead = outcome
        .lead_window()
        .and_then(|i| outcome.windows.get(i))
        .and_then(|a| crate::stats::lead_test(&a.clustering));
    if let Some(l) = &outcome.lead {
        let analyses: Vec<&EventAnalysis> = outcome.results.iter().map(|r| &r.analysis).collect();
        outcome.lead_path = aggregate::lead_path(&es, &analyses, l.test);
        let clustered_on_several = outcome
            .lead_window()
            .and_then(|i| outcome.windows.get(i))
            .is_some_and(|a| a.clustering.clustered() && a.clustering.dates > 1);
        if clustered_on_several {
            outcome.by_date = aggregate::by_date(&es, &analyses, &day0, l.test);
        }
    }
    Ok(outcome)
}
