//! Which charts a run draws, under which file names and captions: [`draw_from`] turns the
//! read-back series ([`ChartData`]) into PNG files under `charts/`, each with its SVG
//! beside it ([`ChartFile::svg_path`]).

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

use super::series::{ChartData, EventKey};
use super::{
    ArBarPanel, PricePanel, abnormal_volume, ar_bars, car_bands, car_density, car_distribution,
    car_paths, price_panel, test_statistics,
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
    /// Histogram (density) of CARs per window; drawn by `run` beyond 200 events.
    CarDensity,
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

impl ChartFile {
    /// The chart's SVG beside its PNG, relative to the output directory
    /// (`charts/car.svg`): the same figure from the same drawing code, text as text.
    pub fn svg_path(&self) -> String {
        let stem = self.path.strip_suffix(".png").unwrap_or(&self.path);
        format!("{stem}.svg")
    }
}

impl ChartKind {
    /// Every kind, in the order of `evimpact chart --help`.
    pub const ALL: [ChartKind; 9] = [
        ChartKind::Car,
        ChartKind::ArBars,
        ChartKind::CarDist,
        ChartKind::Tests,
        ChartKind::Prices,
        ChartKind::Volume,
        ChartKind::Groups,
        ChartKind::CarDensity,
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
            ChartKind::CarDensity => "car-density",
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
    let all = kind == ChartKind::All;
    let wants = |k: ChartKind| all || kind == k;
    let mut steps: Vec<fn(&mut Drawing<'_>) -> Result<()>> = Vec::new();
    if wants(ChartKind::Car) {
        steps.push(|d| d.car());
    }
    if wants(ChartKind::ArBars) {
        steps.push(|d| d.ar_bars());
    }
    if wants(ChartKind::CarDist) {
        steps.push(|d| d.car_distribution());
    }
    // The density at large N (or when asked for): the strip's dots no longer read.
    if kind == ChartKind::CarDensity || (all && data.many) {
        steps.push(|d| d.car_density());
    }
    if wants(ChartKind::Tests) {
        steps.push(|d| d.tests());
    }
    if wants(ChartKind::Prices) {
        steps.push(|d| d.prices());
    }
    if wants(ChartKind::Volume) {
        steps.push(|d| d.volume());
    }
    if wants(ChartKind::Groups) {
        steps.push(|d| d.groups());
    }
    // Each kind on its own (they share only the read-only data), at once; the charts are
    // listed, and the first error reported, in the order above.
    let parts: Vec<Result<Vec<ChartFile>>> = steps
        .par_iter()
        .map(|step| {
            let mut d = Drawing {
                data,
                opts,
                all,
                dir: data.dir.join("charts"),
                files: Vec::new(),
            };
            let t0 = std::time::Instant::now();
            let r = step(&mut d).map(|()| d.files);
            if crate::progress::phase_times_on() {
                let names: Vec<&str> = r.iter().flatten().map(|f| f.path.as_str()).collect();
                eprintln!(
                    "  chart {}: {:.3} s",
                    names.join(" "),
                    t0.elapsed().as_secs_f64()
                );
            }
            r
        })
        .collect();
    let mut files = Vec::new();
    for part in parts {
        files.extend(part?);
    }
    Ok(files)
}

/// One [`draw_from`] call: its inputs, the `charts/` folder and the charts written so far.
struct Drawing<'a> {
    data: &'a ChartData,
    opts: &'a ChartOptions,
    /// Every kind is drawn: a kind without data is left out instead of an error.
    all: bool,
    dir: PathBuf,
    files: Vec<ChartFile>,
}

impl Drawing<'_> {
    /// Records the chart `name` for the report and returns its path.
    fn file(&mut self, kind: ChartKind, name: String, caption: String) -> PathBuf {
        self.files.push(ChartFile {
            kind,
            path: format!("charts/{name}"),
            caption,
        });
        self.dir.join(name)
    }

    /// A kind without data: skipped when drawing all, else an error saying `what`.
    fn none(&self, what: &str) -> Result<()> {
        if self.all {
            Ok(())
        } else {
            bail!("{}: {what}", self.data.dir.display())
        }
    }

    /// `car.png`: CAR per security and the CAAR with its band; at large N the quantile
    /// bands of the CAR paths with the CAAR.
    fn car(&mut self) -> Result<()> {
        let data = self.data;
        if let Some(large) = data
            .large
            .as_ref()
            .filter(|_| self.opts.securities.is_empty())
        {
            if large.car_bands.q.iter().all(Option::is_none) {
                return self.none("no CAR to draw");
            }
            let caar = data.caar_path();
            let p = self.file(
                ChartKind::Car,
                "car.png".into(),
                format!(
                    "CAR paths of {} events as quantile bands (5–95 %, 25–75 %, median) and the CAAR with its {}",
                    crate::text::thousands(large.car_bands.paths),
                    caar.band_label
                ),
            );
            return car_bands(
                &p,
                "Cumulative abnormal returns around the event",
                &data.lead_subtitle(""),
                &large.car_bands,
                Some(&caar),
            );
        }
        let series = data.car_series(self.opts);
        if !series.iter().any(|s| s.car.iter().any(Option::is_some)) {
            return self.none("no CAR to draw");
        }
        let caar = data.caar_path();
        let p = self.file(
            ChartKind::Car,
            "car.png".into(),
            format!("CAR per security and CAAR with its {}", caar.band_label),
        );
        car_paths(
            &p,
            "Cumulative abnormal returns around the event",
            &data.lead_subtitle(""),
            &series,
            Some(&caar),
        )
    }

    /// `ar_bars.png`: AR bars of the first [`MAX_AR_PANELS`] securities with returns.
    fn ar_bars(&mut self) -> Result<()> {
        let data = self.data;
        let with_ar = data
            .ar_panels(self.opts)
            .filter(|p| p.ar.iter().any(Option::is_some));
        // At large N the count of events with AR is known: only the panels drawn are built.
        let known = data.large.as_ref().and_then(|l| l.ar_total);
        let mut panels: Vec<ArBarPanel> = match known {
            Some(_) => with_ar.take(MAX_AR_PANELS).collect(),
            None => with_ar.collect(),
        };
        if panels.is_empty() {
            return self.none("no abnormal return to draw");
        }
        let total = known.unwrap_or(panels.len());
        panels.truncate(MAX_AR_PANELS);
        let what = if total > MAX_AR_PANELS {
            format!("first {MAX_AR_PANELS} of {total} (chart ar-bars --security S)")
        } else {
            "whiskers ±1.96·√Var(AR)".into()
        };
        let p = self.file(
            ChartKind::ArBars,
            "ar_bars.png".into(),
            "Abnormal returns per security with ±1.96·√Var(AR) whiskers".into(),
        );
        ar_bars(
            &p,
            "Abnormal returns per session",
            &data.subtitle(&what),
            &panels,
        )
    }

    /// `car_distribution.png`: the cross-section of CAR per window.
    fn car_distribution(&mut self) -> Result<()> {
        let data = self.data;
        let strips = data.strips(self.opts);
        if !strips.iter().any(|s| !s.values.is_empty()) {
            return self.none("no CAR to draw");
        }
        // The legend names each event only while it colours them; past that the names
        // are not drawn and only their count matters (no clone of a million labels).
        let names: Vec<String> = if data.events.len() <= super::theme::MAX_LEGEND_SERIES {
            data.events.iter().map(|e| e.label.clone()).collect()
        } else {
            vec![String::new(); data.events.len()]
        };
        let p = self.file(
            ChartKind::CarDist,
            "car_distribution.png".into(),
            "Cross-sectional distribution of CAR per window".into(),
        );
        car_distribution(
            &p,
            "Cross-section of cumulative abnormal returns",
            &data.subtitle(&format!(
                "{}; bar = CAAR",
                super::strip::points_note(&strips)
            )),
            &strips,
            &names,
        )
    }

    /// `car_density.png`: a histogram of CARs per window.
    fn car_density(&mut self) -> Result<()> {
        let data = self.data;
        let samples: Vec<super::CarSample> = data
            .strips(self.opts)
            .into_iter()
            .map(|s| super::CarSample {
                label: s.label,
                cars: s.values.into_iter().map(|v| v.1).collect(),
            })
            .collect();
        if samples.iter().all(|s| s.cars.len() < 2) {
            return self.none("fewer than 2 CARs to draw a density");
        }
        let p = self.file(
            ChartKind::CarDensity,
            "car_density.png".into(),
            "Distribution of CAR across events per window (histogram, share of events per percentage point)".into(),
        );
        car_density(
            &p,
            "Distribution of cumulative abnormal returns",
            &data.lead_subtitle(""),
            &samples,
        )
    }

    /// `tests.png`: test statistics per window with their critical values.
    fn tests(&mut self) -> Result<()> {
        let data = self.data;
        let t = data.tests_chart(self.opts);
        if !t.rows.iter().flat_map(|r| &r.p).any(Option::is_some) {
            return self.none("no test to draw");
        }
        let p = self.file(
            ChartKind::Tests,
            "tests.png".into(),
            "Every test's two-sided p-value per CAR window, by family, lead test first".into(),
        );
        test_statistics(
            &p,
            "Tests of CAAR = 0: p-values per window",
            &data.lead_subtitle(""),
            &t,
        )
    }

    /// `price_<security>_<event>.png` (one pattern, whether or not a security has several
    /// events): one price panel per event, at most
    /// [`MAX_PRICE_PANELS`] unless all or some securities are asked for.
    fn prices(&mut self) -> Result<()> {
        let data = self.data;
        let limit = if self.opts.all_prices || !self.opts.securities.is_empty() {
            usize::MAX
        } else {
            MAX_PRICE_PANELS
        };
        // Only the panels drawn are built (one per event at large N would be a million).
        let panels: Vec<(EventKey, PricePanel)> =
            data.price_panels(self.opts).take(limit).collect();
        if panels.is_empty() {
            self.none("no price series (series.csv) to draw")?;
        }
        for (e, panel) in &panels {
            if panel.days.iter().all(|d| d.price.is_none()) {
                continue;
            }
            let name = format!("price_{}_{}.png", slug(&e.security), slug(&e.event_id));
            let what = panel.series_name();
            let p = self.file(
                ChartKind::Prices,
                name,
                format!("{what} of {} around day 0", e.label),
            );
            price_panel(
                &p,
                &format!("{}: {} around the event", e.security, what.to_lowercase()),
                &format!(
                    "{} · {} · event {} · day 0 {}",
                    e.entity, data.name, e.event_id, panel.day0
                ),
                panel,
            )?;
        }
        Ok(())
    }

    /// `volume.png`: abnormal volume per security and its mean.
    fn volume(&mut self) -> Result<()> {
        let data = self.data;
        if let Some(large) = data
            .large
            .as_ref()
            .filter(|_| self.opts.securities.is_empty())
        {
            let Some((bands, mean)) = &large.volume else {
                return self.none("no volume in the price data");
            };
            let p = self.file(
                ChartKind::Volume,
                "volume.png".into(),
                "Abnormal volume: quantile bands of volume over its estimation-window geometric mean (log scale)".into(),
            );
            return super::car_bands::volume_bands(
                &p,
                "Trading volume around the event",
                &data.subtitle("volume ÷ geometric mean volume of the estimation window = exp(abnormal log volume)"),
                bands,
                mean,
            );
        }
        let Some((series, mean)) = data.volume(self.opts) else {
            return self.none("no volume in the price data");
        };
        let p = self.file(
            ChartKind::Volume,
            "volume.png".into(),
            "Abnormal volume: volume over its estimation-window geometric mean (log scale)".into(),
        );
        abnormal_volume(
            &p,
            "Trading volume around the event",
            &data.subtitle("volume ÷ geometric mean volume of the estimation window = exp(abnormal log volume)"),
            &series,
            Some(&mean),
        )
    }

    /// `group_caar.png`: the CAAR path of each group (events files with a `group` column).
    fn groups(&mut self) -> Result<()> {
        let data = self.data;
        let series = &data.groups;
        if !series.iter().any(|s| s.car.iter().any(Option::is_some)) {
            return self.none("no groups (the events file has no `group` column)");
        }
        let p = self.file(
            ChartKind::Groups,
            "group_caar.png".into(),
            "CAAR path per group (95 % bands in group_caar_path.csv)".into(),
        );
        // The subtitle leads with the groups' difference on the lead window.
        let subtitle = match &data.group_headline {
            Some(h) => h.clone(),
            None => data.subtitle("mean CAR of each group's events"),
        };
        car_paths(
            &p,
            "Cumulative average abnormal return per group",
            &subtitle,
            series,
            None,
        )
    }
}

/// Draws every chart of a run into `dir` (the staging output directory) from the run's
/// results in memory, as `plan` sizes them, returning the charts for the report; none when
/// no event was analysed.
pub fn draw_run(
    o: &crate::outcome::Outcome,
    dir: &Path,
    plan: &crate::output::Plan,
) -> Result<Vec<ChartFile>> {
    if o.results.is_empty() {
        return Ok(Vec::new());
    }
    let t0 = std::time::Instant::now();
    let data = ChartData::from_outcome(o, dir, plan.many);
    if crate::progress::phase_times_on() {
        eprintln!("  chart data: {:.3} s", t0.elapsed().as_secs_f64());
    }
    draw_from(&data, ChartKind::All, &ChartOptions::default())
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
