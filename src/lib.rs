//! evimpact: market-event impact analysis (event studies) with trading status as
//! first-class data.
//!
//! The modules below are listed in pipeline order, each importing only the ones above it
//! (`tests/it/architecture.rs` checks this):
//! load → align → returns → fit → abnormal returns → statistics → outcome → tables, charts,
//! report. [`pipeline::run_study`] drives it; [`cli`] is the command line. See README.md for
//! the guide.

// Ground: errors, file writing, progress, event-time windows, synthetic data.
pub mod error; // InputError (path:line:column, expected/found), Error, exit codes
pub mod fsio; // atomic file writes, the output directory and when it may be replaced
pub mod progress; // the Progress trait long loops report to (the CLI draws the bar)
pub mod columns; // per-event values gathered by column in parallel, in event order
pub mod memory; // freed memory given back to the system between phases (glibc malloc_trim)
pub mod synth; // synthetic panels and the seeded generator (benchmarks, tests)
pub mod text; // English for messages: counts with their noun (1 event, 3 securities)
pub mod window; // Window in event time (or in traded sessions), the default CAR windows
#[cfg(test)]
pub mod testutil; // tests only: the tolerance policy (assert_close!) and shared fixtures

// ① Inputs.
pub mod data; // loaders: events, prices, halts, calendars, factors, provenance
// ② Event day.
pub mod align; // announcement time + exchange calendar → day 0, with its reason
// ③ Returns.
pub mod returns; // prices + trading status → Timeline (trade-to-trade), policies, limits
// ④ Normal-return models.
pub mod model; // ModelSpec → FittedModel::fit (market, factor, Scholes-Williams, Dimson)
// ⑤ Abnormal returns of one event.
pub mod abnormal; // estimation fit → AR, CAR, BHAR, abnormal volume; skip reasons
// ⑥ Test statistics.
pub mod stats; // one file per paper; TestId, Reference; the battery; the lead test

// The study and the run.
pub mod study; // the study file, flags, validation → Study, EventSpec
pub mod fetch; // side entrance: public sources → input files with provenance
pub mod outcome; // the results as plain values: Outcome, EventResult, Aggregate, Skipped
pub mod second_stage; // regressions of CARs, groups, volatility, diagnostics, calendar time
pub mod pipeline; // the driver: load stage, per event, audit, aggregates

// ⑦ What a reader gets.
pub mod output; // tables (CSV, Parquet), series.csv, caar_path.csv, summary.json
pub mod chart; // PNG charts from the tables read back: toolkit, one file per chart
pub mod report; // report.md and report.html from the outcome and the charts

// Entrances.
pub mod simulate; // size and power of every test (Brown & Warner 1985)
pub mod cli; // every clap struct and every printed line
