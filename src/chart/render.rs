//! Which charts a run draws, under which file names and captions: [`draw_from`] turns the
//! read-back series ([`ChartData`]) into PNG files under `charts/`.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::series::ChartData;
use super::{
    abnormal_volume, ar_bars, car_distribution, car_paths, group_paths, price_panel,
    test_statistics,
};

/// At most this many per-event price panels are drawn by `run` (all by `chart prices`).
pub const MAX_PRICE_PANELS: usize = 12;
/// At most this many securities fit one AR bar figure.
pub const MAX_AR_PANELS: usize = 9;

/// The chart kinds, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// CAR paths per security, CAAR path with its 95 % band.
    Car,
    /// AR bars per security with ±1.96·√Var(AR) whiskers.
    ArBars,
    /// Cross-sectional distribution of CAR per window.
    CarDist,
    /// Test statistics per window with critical values.
    Tests,
    /// Price panel per security around its event.
    Prices,
    /// Abnormal volume around day 0.
    Volume,
    /// CAAR path per group (events files with a `group` column).
    Groups,
    /// Every chart.
    All,
}

/// Options of `evimpact chart`.
#[derive(Debug, Clone, Default)]
pub struct ChartOptions {
    /// Only these securities (price panels, AR bars, CAR paths); empty = all.
    pub securities: Vec<String>,
    /// Only these CAR windows (distribution and test charts), as `-1:1`; empty = all.
    pub windows: Vec<String>,
    /// Draw every price panel, not only the first [`MAX_PRICE_PANELS`].
    pub all_prices: bool,
}

/// A chart written to disk, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    pub kind: ChartKind,
    /// Path relative to the output directory, e.g. `charts/car.png`.
    pub path: String,
    /// Short caption for the report.
    pub caption: String,
}

impl ChartKind {
    /// Every kind, in the order of `evimpact chart --help`.
    pub const ALL: [ChartKind; 8] = [
        ChartKind::Car,
        ChartKind::ArBars,
        ChartKind::CarDist,
        ChartKind::Tests,
        ChartKind::Prices,
        ChartKind::Volume,
        ChartKind::Groups,
        ChartKind::All,
    ];

    /// The name on the command line: `car`, `ar-bars`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ChartKind::Car => "car",
            ChartKind::ArBars => "ar-bars",
            ChartKind::CarDist => "car-dist",
            ChartKind::Tests => "tests",
            ChartKind::Prices => "prices",
            ChartKind::Volume => "volume",
            ChartKind::Groups => "groups",
            ChartKind::All => "all",
        }
    }
}

/// A file-name-safe version of `s`.
fn slug(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// Draws the charts of `kind` from the outputs in `out` into `out/charts/`.
///
/// # Errors
/// Unreadable outputs, or a chart that cannot be drawn (the message names it). A chart
/// without data (no volume, no CAR) is left out, not an error, except when asked for alone.
pub fn draw(out: &Path, kind: ChartKind, opts: &ChartOptions) -> Result<Vec<ChartFile>> {
    let data = ChartData::load(out)?;
    draw_from(&data, kind, opts)
}

/// [`draw`] from data already loaded.
pub fn draw_from(data: &ChartData, kind: ChartKind, opts: &ChartOptions) -> Result<Vec<ChartFile>> {
    let dir = data.dir.join("charts");
    let mut files = Vec::new();
    let all = kind == ChartKind::All;
    let wants = |k: ChartKind| all || kind == k;
    let mut file = |kind: ChartKind, name: String, caption: String| -> PathBuf {
        files.push(ChartFile {
            kind,
            path: format!("charts/{name}"),
            caption,
        });
        dir.join(name)
    };
    let none = |what: &str| -> Result<()> {
        if all {
            Ok(())
        } else {
            bail!("{}: {what}", data.dir.display())
        }
    };

    if wants(ChartKind::Car) {
        let series = data.car_series(opts);
        if series.iter().any(|s| s.car.iter().any(Option::is_some)) {
            let caar = data.caar_path();
            let p = file(
                ChartKind::Car,
                "car.png".into(),
                "CAR per security and CAAR with its 95 % band (J1)".into(),
            );
            car_paths(
                &p,
                "Cumulative abnormal returns around the event",
                &data.subtitle("day 0 = first session that could react"),
                &series,
                Some(&caar),
            )?;
        } else {
            none("no CAR to draw")?;
        }
    }
    if wants(ChartKind::ArBars) {
        let mut panels = data.ar_panels(opts);
        panels.retain(|p| p.ar.iter().any(Option::is_some));
        if panels.is_empty() {
            none("no abnormal return to draw")?;
        } else {
            let total = panels.len();
            panels.truncate(MAX_AR_PANELS);
            let what = if total > MAX_AR_PANELS {
                format!("first {MAX_AR_PANELS} of {total} (chart ar-bars --security S)")
            } else {
                "whiskers ±1.96·√Var(AR)".into()
            };
            let p = file(
                ChartKind::ArBars,
                "ar_bars.png".into(),
                "Abnormal returns per security with ±1.96·√Var(AR) whiskers".into(),
            );
            ar_bars(
                &p,
                "Abnormal returns per session",
                &data.subtitle(&what),
                &panels,
            )?;
        }
    }
    if wants(ChartKind::CarDist) {
        let strips = data.strips(opts);
        if strips.iter().any(|s| !s.values.is_empty()) {
            let names: Vec<String> = data.events.iter().map(|e| e.label.clone()).collect();
            let p = file(
                ChartKind::CarDist,
                "car_distribution.png".into(),
                "Cross-sectional distribution of CAR per window".into(),
            );
            car_distribution(
                &p,
                "Cross-section of cumulative abnormal returns",
                &data.subtitle("one point per event; bar = CAAR"),
                &strips,
                &names,
            )?;
        } else {
            none("no CAR to draw")?;
        }
    }
    if wants(ChartKind::Tests) {
        let t = data.tests_chart(opts);
        if t.statistic.iter().flatten().any(Option::is_some) {
            let p = file(
                ChartKind::Tests,
                "tests.png".into(),
                "Test statistics per CAR window with two-sided 5 % critical values".into(),
            );
            test_statistics(
                &p,
                "Tests of CAAR = 0 per window",
                &data.subtitle("bars: two-sided 5 % critical values"),
                &t,
            )?;
        } else {
            none("no test statistic to draw")?;
        }
    }
    if wants(ChartKind::Prices) {
        let panels = data.price_panels(opts);
        if panels.is_empty() {
            none("no price series (series.csv) to draw")?;
        }
        let limit = if opts.all_prices || !opts.securities.is_empty() {
            usize::MAX
        } else {
            MAX_PRICE_PANELS
        };
        for (e, panel) in panels.iter().take(limit) {
            if panel.days.iter().all(|d| d.price.is_none()) {
                continue;
            }
            let multi = data
                .events
                .iter()
                .filter(|x| x.security == e.security)
                .count()
                > 1;
            let name = if multi {
                format!("price_{}_{}.png", slug(&e.security), slug(&e.event_id))
            } else {
                format!("price_{}.png", slug(&e.security))
            };
            let p = file(
                ChartKind::Prices,
                name,
                format!("Adjusted close of {} around day 0", e.label),
            );
            price_panel(
                &p,
                &format!("{}: adjusted close around the event", e.security),
                &format!(
                    "{} · {} · event {} · day 0 {}",
                    e.entity, data.name, e.event_id, panel.day0
                ),
                panel,
            )?;
        }
    }
    if wants(ChartKind::Volume) {
        match data.volume(opts) {
            Some((series, mean)) => {
                let p = file(
                    ChartKind::Volume,
                    "volume.png".into(),
                    "Abnormal volume: volume over its estimation-window mean (log scale)".into(),
                );
                abnormal_volume(
                    &p,
                    "Trading volume around the event",
                    &data.subtitle("volume ÷ mean volume of the estimation window"),
                    &series,
                    Some(&mean),
                )?;
            }
            None => none("no volume in the price data")?,
        }
    }
    if wants(ChartKind::Groups) {
        let series = group_paths(&data.dir, data.event_window)?;
        if series.iter().any(|s| s.car.iter().any(Option::is_some)) {
            let p = file(
                ChartKind::Groups,
                "group_caar.png".into(),
                "CAAR path per group (95 % bands in group_caar_path.csv)".into(),
            );
            car_paths(
                &p,
                "Cumulative average abnormal return per group",
                &data.subtitle("mean CAR of each group's events"),
                &series,
                None,
            )?;
        } else {
            none("no groups (the events file has no `group` column)")?;
        }
    }
    Ok(files)
}

/// Draws every chart of a run into `dir` (the staging output directory, whose tables are
/// already written), returning the charts for the report; none when no event was analysed.
pub fn draw_run(analysed: usize, dir: &Path) -> Result<Vec<ChartFile>> {
    if analysed == 0 {
        return Ok(Vec::new());
    }
    draw(dir, ChartKind::All, &ChartOptions::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_file_safe() {
        assert_eq!(slug("002415.SZ"), "002415.SZ");
        assert_eq!(slug("a/b c"), "a_b_c");
    }
}
