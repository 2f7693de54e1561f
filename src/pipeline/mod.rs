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

pub use aggregate::{Days, aggregates, aggregates_for};

/// Runs a study.
///
/// # Errors
/// Bad input files (exit code 2). Problems with single events are skipped rows instead.
pub fn run_study(study: &Study) -> Result<Outcome> {
    run_study_with(study, &crate::progress::NoProgress)
}

/// [`run_study`], reporting to `progress`: the phase ("loading inputs", "analysing events",
/// "statistics", "second stage") and one step per event analysed.
///
/// # Errors
/// As [`run_study`].
pub fn run_study_with(study: &Study, progress: &dyn crate::progress::Progress) -> Result<Outcome> {
    progress.phase("loading inputs");
    let load::Loaded {
        events,
        halts,
        prices,
        inputs,
        warnings,
        calendars,
        market_of,
        mut data,
    } = load::load_study(study)?;
    for e in &events {
        if let Some(d) = e.security.as_ref().and_then(|s| data.get_mut(s)) {
            d.events += 1;
        }
    }
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
    progress.start(events.len() as u64);
    // The loaders' text and frames are gone; the analysis allocates per event.
    crate::memory::release_freed();
    progress.phase("analysing events");
    let per_event: Vec<(Option<EventResult>, Vec<AuditRow>, Option<Skipped>)> = events
        .par_iter()
        .enumerate()
        .map(|(k, e)| {
            let r = event::analyze_event(k, e, &cx);
            progress.tick("");
            r
        })
        .collect();
    // Each analysis's scratch (its design, its own estimation rows where they were shared)
    // is gone; the statistics allocate the panel's large arrays.
    crate::memory::release_freed();
    progress.phase("statistics");
    // Room for every result at once: a vector grown by doubling holds up to twice the
    // results' size (a result is some 600 bytes; 100,000 events and more).
    let mut results = Vec::with_capacity(per_event.iter().filter(|p| p.0.is_some()).count());
    let mut audit = Vec::with_capacity(per_event.iter().map(|p| p.1.len()).sum());
    let mut skipped = Vec::new();
    for (r, a, s) in per_event {
        results.extend(r);
        audit.extend(a);
        skipped.extend(s);
    }
    label_results(&mut results, &events);
    let analyses: Vec<&EventAnalysis> = results.iter().map(|r| &r.analysis).collect();
    let day0: Vec<NaiveDate> = results.iter().map(|r| r.day0).collect();
    let (days, windows) = aggregates(&es, &analyses, &day0, &study.resampling);
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
        second: Default::default(),
        by_date: Vec::new(),
        command: None,
    };
    outcome.lead = outcome
        .lead_window()
        .and_then(|i| outcome.windows.get(i))
        .and_then(|a| crate::stats::lead_test(&a.clustering));
    if let Some(l) = &outcome.lead {
        let analyses: Vec<&EventAnalysis> = outcome.results.iter().map(|r| &r.analysis).collect();
        outcome.lead_path = aggregate::lead_path(&es, &analyses, &study.resampling, l.test);
        let clustered_on_several = outcome
            .lead_window()
            .and_then(|i| outcome.windows.get(i))
            .is_some_and(|a| a.clustering.clustered() && a.clustering.dates > 1);
        if clustered_on_several {
            outcome.by_date = aggregate::by_date(&es, &analyses, &day0, &study.resampling, l.test);
        }
    }
    progress.phase("second stage");
    second_stage(&mut outcome, &es)?;
    Ok(outcome)
}

/// The second stage of a run: each group's AAR/CAAR with the battery, then the regressions,
/// group differences, volatility, diagnostics, calendar time and multiple testing.
///
/// # Errors
/// A characteristics or calendar-time factor file that cannot be read or holds a bad value.
fn second_stage(o: &mut Outcome, es: &crate::abnormal::EventSpec) -> Result<()> {
    let (inputs, files) = crate::second_stage::load_inputs(o)?;
    o.inputs.extend(files);
    // Per-group tables only with two groups or more (one group repeats the pooled ones).
    let mut names = crate::second_stage::group_names(o);
    if names.len() < 2 {
        names.clear();
    }
    let groups = names
        .into_iter()
        .map(|g| {
            let members: Vec<&EventResult> = o
                .results
                .iter()
                .filter(|r| o.events[r.event].group.as_deref() == Some(g.as_str()))
                .collect();
            let analyses: Vec<&EventAnalysis> = members.iter().map(|r| &r.analysis).collect();
            let day0: Vec<NaiveDate> = members.iter().map(|r| r.day0).collect();
            let (days, windows) = aggregates(es, &analyses, &day0, &o.study.resampling);
            crate::outcome::second_stage::GroupAggregates {
                group: g,
                n_events: members.len(),
                days,
                windows,
            }
        })
        .collect();
    o.second = crate::second_stage::analyse(o, &inputs, groups);
    Ok(())
}

/// The longest entity name a legend shows whole; longer names need a `short_name`.
const SHORT_ENTITY: usize = 20;

/// Each result's legend label (see [`EventResult::label`]).
fn label_results(results: &mut [EventResult], events: &[crate::data::events::Event]) {
    let mut per_security: std::collections::HashMap<&str, usize> = Default::default();
    for r in results.iter() {
        *per_security.entry(r.security.as_str()).or_default() += 1;
    }
    let labels: Vec<String> = results
        .iter()
        .map(|r| {
            let e = &events[r.event];
            let name = e.short_name.clone().or_else(|| {
                (!r.entity.is_empty() && r.entity.chars().count() <= SHORT_ENTITY)
                    .then(|| r.entity.clone())
            });
            let base = match name {
                Some(n) => format!("{} {n}", r.security),
                None => r.security.clone(),
            };
            if per_security[r.security.as_str()] > 1 {
                format!("{base} ({})", r.event_id)
            } else {
                base
            }
        })
        .collect();
    for (r, l) in results.iter_mut().zip(labels) {
        r.label = l;
    }
}
