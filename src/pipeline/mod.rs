//! The driver: load → per event (align, returns, fit, abnormal returns, audit) → aggregate
//! statistics, into an [`Outcome`]. A problem with one event becomes a skipped row with its
//! reason; the run goes on.

mod aggregate;
mod audit;
mod event;
pub mod load;

use rayon::prelude::*;

use crate::abnormal::EventAnalysis;
use crate::error::Result;
use crate::outcome::{AuditRow, EventResult, Outcome, Skipped};
use crate::study::Study;

pub use aggregate::{Days, aggregates, aggregates_for};

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
    let (days, windows) = aggregates(&es, &analyses, &study.resampling);
    Ok(Outcome {
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
    })
}
