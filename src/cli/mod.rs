//! The command line: every clap struct and every line printed to the terminal. Each
//! subcommand turns its flags into the library's configuration, calls the library and
//! prints the result.

pub mod chart;
pub mod fetch;
pub mod progress;
pub mod run;
pub mod second_stage;
pub mod simulate;
pub mod summary;
pub mod synth;
mod values;

use clap::{Parser, Subcommand};

use crate::error::Result;

#[derive(Debug, Parser)]
#[command(
    name = "evimpact",
    version,
    about = "Market-event impact analyzer: event studies with trading status as first-class data"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run an event study from a study file and/or flags (flags override the file).
    Run(Box<run::RunArgs>),
    /// Write a synthetic panel (prices, market, calendar, halts, events) for benchmarks.
    Synth(synth::SynthArgs),
    /// Redraw charts from an output directory without recomputing the study.
    Chart(chart::ChartArgs),
    /// Download prices, factors, events and news into the data directory (cached, with provenance).
    Fetch(Box<fetch::FetchArgs>),
    /// Size and power of every test: Brown & Warner (1985) pseudo-events drawn from real returns.
    Simulate(Box<simulate::SimulateArgs>),
}

/// Parses the command line and runs it.
pub fn main_with(cli: Cli) -> Result<()> {
    match &cli.command {
        Command::Run(a) => run::run(a).map(|_| ()),
        Command::Synth(a) => synth::synth(a),
        Command::Chart(a) => chart::command(a),
        Command::Fetch(a) => fetch::fetch(a),
        Command::Simulate(a) => simulate::command(a),
    }
}

/// Mistakes the argument parser would report obscurely, caught first: a window given as two
/// arguments (`--estimation -250 -30` instead of `--estimation=-250:-30`).
///
/// # Errors
/// The message to print (exit 2).
pub fn preflight(args: &[String]) -> std::result::Result<(), String> {
    const WINDOW_FLAGS: [&str; 3] = ["--estimation", "--window", "--car"];
    let int = |s: &str| s.trim_start_matches('+').parse::<i64>().is_ok();
    for w in args.windows(3) {
        if WINDOW_FLAGS.contains(&w[0].as_str()) && int(&w[1]) && int(&w[2]) {
            return Err(format!(
                "{} takes one value START:END: write {}={}:{} (found `{} {} {}`)",
                w[0], w[0], w[1], w[2], w[0], w[1], w[2]
            ));
        }
    }
    Ok(())
}
