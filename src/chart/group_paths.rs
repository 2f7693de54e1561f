//! The CAAR path of each group (`group_caar_path.csv` read back), drawn with the CAR-path
//! chart: one line per group over the event window, so the groups read side by side.

use std::path::Path;

use anyhow::Result;
use serde::Deserialize;

use super::car_paths::CarSeries;
use super::series::{has_table, p_text, pct_text, pretty, read_table};

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
    if !has_table(dir, "group_caar_path") {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = read_table(dir, "group_caar_path")?;
    Ok(paths_of(&rows, event_window))
}

/// [`group_paths`] from the run's results in memory (the rows of
/// [`crate::output::group_caar_path_rows`]), the same series as read back.
pub fn group_paths_of(o: &crate::outcome::Outcome) -> Vec<CarSeries> {
    let fin = |v: f64| v.is_finite().then_some(v);
    let rows: Vec<Row> = crate::output::group_caar_path_rows(o)
        .into_iter()
        .map(|r| Row {
            group: r.0,
            tau: r.1,
            n: r.2,
            caar: fin(r.3),
        })
        .collect();
    let w = o.study.event_window;
    paths_of(&rows, (w.start, w.end))
}

/// One series per group, in the rows' order, over τ in `event_window`.
fn paths_of(rows: &[Row], event_window: (i32, i32)) -> Vec<CarSeries> {
    let mut groups: Vec<String> = Vec::new();
    for x in rows {
        if !groups.contains(&x.group) {
            groups.push(x.group.clone());
        }
    }
    let taus: Vec<i32> = (event_window.0..=event_window.1).collect();
    groups
        .into_iter()
        .map(|g| {
            let mine: Vec<&Row> = rows.iter().filter(|x| x.group == g).collect();
            let n = mine.iter().map(|x| x.n).max().unwrap_or(0);
            CarSeries {
                label: format!("{g} (N = {})", crate::text::thousands(n as usize)),
                car: taus
                    .iter()
                    .map(|t| mine.iter().find(|x| x.tau == *t).and_then(|x| x.caar))
                    .collect(),
                suspended: vec![false; taus.len()],
                taus: taus.clone(),
            }
        })
        .collect()
}

/// One row of `group_difference.csv`, the columns the headline quotes.
#[derive(Deserialize)]
struct Difference {
    window: String,
    measure: String,
    group_x: String,
    group_y: String,
    mean_x: Option<f64>,
    mean_y: Option<f64>,
    diff: Option<f64>,
    permutation_p: Option<f64>,
}

/// What the group chart leads with: the first pair of groups on the CAR window `window`
/// (the run's lead window, e.g. `0:5`) from `group_difference.csv`, e.g. "CAR[0, +5]:
/// listed_entity −6.81 %, supplier +1.84 %; difference −8.65 %, permutation p = 0.057" (the
/// exact test at small N; the legend gives each group's N, group_difference.csv Welch's t).
/// None without the file or the row.
///
/// # Errors
/// The file exists but cannot be read.
pub fn group_headline(dir: &Path, window: &str) -> Result<Option<String>> {
    if !has_table(dir, "group_difference") {
        return Ok(None);
    }
    let rows: Vec<Difference> = read_table(dir, "group_difference")?;
    Ok(headline_of(rows, window))
}

/// [`group_headline`] from the run's results in memory.
pub fn group_headline_of(o: &crate::outcome::Outcome, window: &str) -> Option<String> {
    let fin = |v: f64| v.is_finite().then_some(v);
    let rows = o.second.differences.iter().map(|d| Difference {
        window: d.window.label(),
        measure: d.measure.as_str().to_string(),
        group_x: d.group_x.clone(),
        group_y: d.group_y.clone(),
        mean_x: fin(d.welch.mean_x),
        mean_y: fin(d.welch.mean_y),
        diff: fin(d.welch.diff),
        permutation_p: fin(d.permutation.p),
    });
    headline_of(rows, window)
}

/// The headline from the first `car` row of `window`.
fn headline_of(rows: impl IntoIterator<Item = Difference>, window: &str) -> Option<String> {
    rows.into_iter()
        .find(|d| d.window == window && d.measure == "car")
        .map(|d| {
            format!(
                "CAR{}: {} {}, {} {}; difference {}, permutation p = {}",
                pretty(window),
                d.group_x,
                pct_text(d.mean_x),
                d.group_y,
                pct_text(d.mean_y),
                pct_text(d.diff),
                p_text(d.permutation_p),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headline_quotes_the_lead_window_difference() {
        let tmp = tempfile::tempdir().expect("tempdir");
        std::fs::write(
            tmp.path().join("group_difference.csv"),
            "window,measure,group_x,group_y,n_x,n_y,mean_x,mean_y,diff,welch_se,welch_t,welch_df,welch_p,pooled_t,pooled_df,pooled_p,permutation_p,permutation_splits,permutation_exact,seed\n\
             0:5,bhar,a,b,4,3,0.1,0.2,-0.1,,,,0.5,,,,0.5,35,true,12\n\
             0:5,car,listed_entity,supplier,4,3,-0.0681,0.0184,-0.0865,0.03,-2.3,4.1,0.0772,,,,0.0571,35,true,12\n",
        )
        .expect("write");
        assert_eq!(
            group_headline(tmp.path(), "0:5").expect("read").as_deref(),
            Some(
                "CAR[0, +5]: listed_entity −6.81 %, supplier +1.84 %; difference −8.65 %, permutation p = 0.057"
            )
        );
        assert_eq!(group_headline(tmp.path(), "-1:1").expect("read"), None);
        assert_eq!(
            group_headline(&tmp.path().join("none"), "0:5").expect("read"),
            None
        );
    }
}
