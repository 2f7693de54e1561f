//! The CAAR path of each group (`group_caar_path.csv` read back), drawn with the CAR-path
//! chart: one line per group over the event window, so the groups read side by side.

use std::path::Path;

use anyhow::{Context, Result};
use serde::Deserialize;

use super::car_paths::CarSeries;

#[derive(Deserialize)]
struct Row {
    group: String,
    tau: i32,
    n: u32,
    caar: Option<f64>,
}

/// One series per group (in the file's order) over τ in `event_window`; empty when the run
/// has no groups (or no `group_caar_path.csv`, e.g. an output of an older version).
///
/// # Errors
/// The file exists but cannot be read.
pub fn group_paths(dir: &Path, event_window: (i32, i32)) -> Result<Vec<CarSeries>> {
    let p = dir.join("group_caar_path.csv");
    if !p.is_file() {
        return Ok(Vec::new());
    }
    let mut r = csv::Reader::from_path(&p).with_context(|| format!("reading {}", p.display()))?;
    let rows: Vec<Row> = r
        .deserialize()
        .collect::<std::result::Result<_, _>>()
        .with_context(|| format!("reading {}", p.display()))?;
    let mut groups: Vec<String> = Vec::new();
    for x in &rows {
        if !groups.contains(&x.group) {
            groups.push(x.group.clone());
        }
    }
    let taus: Vec<i32> = (event_window.0..=event_window.1).collect();
    Ok(groups
        .into_iter()
        .map(|g| {
            let mine: Vec<&Row> = rows.iter().filter(|x| x.group == g).collect();
            let n = mine.iter().map(|x| x.n).max().unwrap_or(0);
            CarSeries {
                label: format!("{g} (N = {n})"),
                car: taus
                    .iter()
                    .map(|t| mine.iter().find(|x| x.tau == *t).and_then(|x| x.caar))
                    .collect(),
                suspended: vec![false; taus.len()],
                taus: taus.clone(),
            }
        })
        .collect())
}
