//! `evimpact synth`: a synthetic panel for benchmarks and tests.

use std::path::PathBuf;

use clap::Args;

use crate::error::{Error, Result};

/// `evimpact synth`: securities × sessions of prices, a market, a calendar, halts and events.
#[derive(Debug, Args)]
pub struct SynthArgs {
    #[arg(long, default_value_t = 100)]
    pub securities: usize,
    #[arg(long, default_value_t = 2520)]
    pub sessions: usize,
    #[arg(long, default_value_t = 1000)]
    pub events: usize,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    #[arg(long)]
    pub out: PathBuf,
}

/// `evimpact synth`.
pub fn synth(a: &SynthArgs) -> Result<()> {
    let cfg = crate::synth::SynthConfig {
        securities: a.securities,
        sessions: a.sessions,
        events: a.events,
        seed: a.seed,
        ..Default::default()
    };
    let paths = crate::synth::generate(&cfg, &a.out).map_err(Error::Run)?;
    println!(
        "wrote {} securities × {} sessions, {} events to {} (events: {})",
        a.securities,
        a.sessions,
        a.events,
        a.out.display(),
        paths.events.display()
    );
    Ok(())
}
