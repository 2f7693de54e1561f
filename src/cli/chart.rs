//! `evimpact chart KIND`: redraws charts from an output directory.

use std::path::PathBuf;

use crate::error::{Error, InputError, Result};

use crate::chart::render::{ChartKind, ChartOptions, draw_from};
use crate::chart::series::ChartData;

/// `evimpact chart KIND [--out DIR]`: redraws charts from an output directory.
#[derive(Debug, clap::Args)]
pub struct ChartArgs {
    /// Which chart to draw.
    #[arg(value_enum)]
    pub kind: ChartKind,
    /// Output directory of a run [default: the only directory under out/].
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Only this security (repeatable).
    #[arg(long)]
    pub security: Vec<String>,
    /// Only this CAR window (repeatable), e.g. --window 0:5.
    #[arg(long, allow_hyphen_values = true)]
    pub window: Vec<String>,
    /// Draw every price panel (default: the first 12).
    #[arg(long)]
    pub all: bool,
}

fn usage(message: String) -> Error {
    Error::Input(InputError::Usage(message))
}

/// The output directory of `evimpact chart`: `--out`, else the only run under `out/`.
fn out_dir(a: &ChartArgs) -> Result<PathBuf> {
    if let Some(d) = &a.out {
        return Ok(d.clone());
    }
    let runs: Vec<PathBuf> = std::fs::read_dir("out")
        .map(|rd| {
            rd.filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.join("summary.json").is_file())
                .collect()
        })
        .unwrap_or_default();
    match runs.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(usage(
            "no run found under out/: pass --out DIR (the output directory of `evimpact run`)"
                .into(),
        )),
        many => Err(usage(format!(
            "several runs under out/ ({}): choose one with --out DIR",
            many.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Runs `evimpact chart`.
///
/// # Errors
/// No output directory, unreadable outputs, or nothing to draw for the chosen kind.
pub fn command(a: &ChartArgs) -> Result<()> {
    let dir = out_dir(a)?;
    let opts = ChartOptions {
        securities: a.security.clone(),
        windows: a.window.clone(),
        all_prices: a.all,
    };
    if !dir.join("summary.json").is_file() {
        return Err(usage(format!(
            "--out {}: not an output directory of `evimpact run` (no summary.json)",
            dir.display()
        )));
    }
    let data = ChartData::load(&dir).map_err(Error::Run)?;
    for w in &opts.windows {
        if !data.windows.contains(w) {
            return Err(usage(format!(
                "--window {w}: not a CAR window of this run (available: {})",
                data.windows.join(", ")
            )));
        }
    }
    for s in &opts.securities {
        if !data.events.iter().any(|e| &e.security == s) {
            return Err(usage(format!(
                "--security {s}: not analysed in {}",
                dir.display()
            )));
        }
    }
    for f in draw_from(&data, a.kind, &opts).map_err(Error::Run)? {
        println!("{}", dir.join(&f.path).display());
        println!("{}", dir.join(f.svg_path()).display());
    }
    // The charts drawn are evimpact's outputs too: a later run may replace them.
    crate::fsio::record_outputs(&dir).map_err(Error::Run)
}
