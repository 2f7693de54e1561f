//! Paths at large N: instead of one line per event (unreadable and slow beyond a few
//! hundred), the cross-section of the paths at each τ as quantile bands — 5–95 % (light),
//! 25–75 % (darker), the median (dashed) — with the mean path (CAAR, or the geometric mean
//! volume ratio) drawn thick on top and N per τ in the legend. The cost is one sort per τ,
//! whatever the number of events.
//!
//! Quantiles are Hyndman & Fan's type 7 ([`crate::stats::quantiles`]), the default of R
//! and numpy.

use std::path::Path;

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::{Entry, Swatch};
use super::{
    Canvas, Draw, YAxis, band_polygons, draw_segments, draw_zero_and_day0, fmt_number, layout,
    register_fonts, segments, tau_chart, theme, thousands, write_chart,
};

/// The median line: a darker shade of the bands' blue, visible over the 25–75 % band.
const MEDIAN: RGBColor = RGBColor(0x00, 0x3d, 0x63);

/// The cross-section of many paths per τ.
#[derive(Debug, Clone, PartialEq)]
pub struct QuantileBands {
    /// Event time, ascending, every τ of the event window.
    pub taus: Vec<i32>,
    /// Paths with a value at each τ.
    pub n: Vec<usize>,
    /// 5 %, 25 %, 50 %, 75 %, 95 % quantiles at each τ (`None` below 2 values), in the
    /// paths' unit (a fraction for CAR).
    pub q: Vec<Option<[f64; 5]>>,
    /// Paths in all (events), for the legend.
    pub paths: usize,
}

impl QuantileBands {
    /// Bands over τ in `lo..=hi` from every (τ, value) point of `paths` paths (points
    /// outside the window and non-finite values are left out).
    pub fn from_points(
        lo: i32,
        hi: i32,
        paths: usize,
        points: impl Iterator<Item = (i32, f64)>,
    ) -> QuantileBands {
        let mut at: Vec<Vec<f64>> = vec![Vec::new(); (hi - lo + 1).max(0) as usize];
        for (t, v) in points {
            if (lo..=hi).contains(&t) && v.is_finite() {
                at[(t - lo) as usize].push(v);
            }
        }
        Self::from_columns(lo, hi, paths, at)
    }

    /// The bands from each τ's finite values on `lo..=hi` (`at[k]`: τ = lo + k).
    pub fn from_columns(lo: i32, hi: i32, paths: usize, at: Vec<Vec<f64>>) -> QuantileBands {
        QuantileBands {
            n: at.iter().map(Vec::len).collect(),
            // Each τ's quantiles at once (selection, in place: the order of a column's
            // values does not change them).
            q: {
                use rayon::prelude::*;
                at.into_par_iter().map(crate::stats::quantiles).collect()
            },
            taus: (lo..=hi).collect(),
            paths,
        }
    }

    /// Quantile `k` (0 = 5 %, ..., 4 = 95 %) at each τ.
    fn level(&self, k: usize) -> Vec<Option<f64>> {
        self.q.iter().map(|q| q.map(|q| q[k])).collect()
    }
}

/// A path over τ (taus, values) with its legend label.
pub(crate) type LabelledPath<'a> = (&'a [i32], &'a [Option<f64>], String);
/// A band (lower, upper) with its legend label.
pub(crate) type LabelledBand<'a> = (&'a [Option<f64>], &'a [Option<f64>], String);

/// What a band chart draws beside the bands.
pub(crate) struct BandChart<'a> {
    pub bands: &'a QuantileBands,
    /// The thick mean path (CAAR) and its legend label.
    pub mean: Option<LabelledPath<'a>>,
    /// The mean path's own 95 % band (lower, upper) and its label, drawn as thin lines.
    pub mean_band: Option<LabelledBand<'a>>,
    /// What one path is, for the legend: "CAR", "volume ratio".
    pub what: &'a str,
    pub y_axis: YAxis,
    pub y_fmt: &'a dyn Fn(&f64) -> String,
    pub y_desc: &'a str,
}

fn validate(c: &BandChart<'_>) -> Result<()> {
    let b = c.bands;
    if b.taus.is_empty() || b.n.len() != b.taus.len() || b.q.len() != b.taus.len() {
        bail!("band chart: taus, N and quantiles differ in length");
    }
    if b.q.iter().all(Option::is_none) {
        bail!("band chart: fewer than 2 values at every τ");
    }
    if b.q.iter().flatten().flatten().any(|v| !v.is_finite()) {
        bail!("band chart: non-finite quantile");
    }
    Ok(())
}

/// Writes a band chart to a PNG and its SVG.
pub(crate) fn band_chart(
    path: &Path,
    title: &str,
    subtitle: &str,
    c: &BandChart<'_>,
) -> Result<()> {
    struct Figure<'a>(&'a str, &'a str, &'a BandChart<'a>);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_band_chart(root, self.0, self.1, self.2)
        }
    }
    write_chart(
        path,
        "band chart",
        || validate(c),
        &Figure(title, subtitle, c),
    )
}

/// Draws a band chart onto any drawing area.
pub(crate) fn draw_band_chart<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    c: &BandChart<'_>,
) -> Result<()> {
    register_fonts()?;
    validate(c)?;
    let b = c.bands;
    let (tau_lo, tau_hi) = (b.taus[0], b.taus[b.taus.len() - 1]);
    let n_lo = b.n.iter().copied().filter(|n| *n > 0).min().unwrap_or(0);
    let n_hi = b.n.iter().copied().max().unwrap_or(0);
    let n_text = if n_lo == n_hi {
        thousands(n_hi)
    } else {
        format!("{}–{}", thousands(n_lo), thousands(n_hi))
    };
    let outer = Swatch::Band {
        color: theme::BAND,
        alpha: theme::BAND_ALPHA,
    };
    let inner = Swatch::Band {
        color: theme::BAND,
        alpha: theme::BAND_MANY_ALPHA,
    };
    let mut notes = vec![
        Entry::new(
            Swatch::Text,
            format!("{} of {} events", c.what, thousands(b.paths)),
        ),
        Entry::new(Swatch::Text, format!("N = {n_text} per τ")),
        Entry::new(outer, "5 % – 95 % of events"),
        Entry::new(inner, "25 % – 75 %"),
        Entry::new(
            Swatch::Dashed {
                color: MEDIAN,
                width: 4,
            },
            "median",
        ),
    ];
    if let Some((_, _, label)) = &c.mean {
        notes.push(Entry::mean_path(label.clone()));
    }
    if let Some((_, _, label)) = &c.mean_band {
        notes.push(Entry::new(
            Swatch::Dashed {
                color: theme::CAAR,
                width: 2,
            },
            label.clone(),
        ));
    }
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &[], &notes)?;
    let mut chart = tau_chart(
        &plot_area,
        root,
        tau_lo,
        tau_hi,
        &c.y_axis,
        c.y_fmt,
        "Event time τ (trading sessions)",
        c.y_desc,
    )?;
    let (y_lo, y_hi) = (c.y_axis.range.start, c.y_axis.range.end);
    let x_range = (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5);
    for (lo, hi, alpha) in [(0, 4, theme::BAND_ALPHA), (1, 3, theme::BAND_MANY_ALPHA)] {
        for poly in band_polygons(&b.taus, &b.level(lo), &b.level(hi)) {
            chart.draw_series(std::iter::once(Polygon::new(
                poly,
                theme::BAND.mix(alpha).filled(),
            )))?;
        }
    }
    draw_zero_and_day0(&mut chart, &x_range, tau_lo, tau_hi, y_hi, y_lo)?;
    for seg in segments(&b.taus, &b.level(2)) {
        if seg.len() >= 2 {
            chart.draw_series(DashedLineSeries::new(seg, 14, 8, MEDIAN.stroke_width(4)))?;
        }
    }
    if let Some((lower, upper, _)) = &c.mean_band
        && let Some((taus, _, _)) = &c.mean
    {
        for v in [lower, upper] {
            for seg in segments(taus, v) {
                if seg.len() >= 2 {
                    chart.draw_series(DashedLineSeries::new(
                        seg,
                        8,
                        6,
                        theme::CAAR.stroke_width(2),
                    ))?;
                }
            }
        }
    }
    if let Some((taus, mean, _)) = &c.mean {
        let style = theme::CAAR.stroke_width(theme::CAAR_WIDTH);
        draw_segments(&mut chart, segments(taus, mean), style)?;
    }
    legend.draw(&legend_area)?;
    Ok(())
}

/// `car.png` at large N: the bands of the CAR paths (fractions) with the CAAR and the lead
/// test's band.
pub fn car_bands(
    path: &Path,
    title: &str,
    subtitle: &str,
    bands: &QuantileBands,
    caar: Option<&super::CaarPath>,
) -> Result<()> {
    let q = bands.q.iter().flatten().flat_map(|q| [q[0], q[4]]);
    let m = caar.into_iter().flat_map(|c| {
        c.caar
            .iter()
            .chain(&c.lower)
            .chain(&c.upper)
            .flatten()
            .copied()
    });
    let Some(y_axis) = YAxis::for_values(q.chain(m).map(|v| v * 100.0)) else {
        bail!("CAR bands: no value to draw");
    };
    let decimals = y_axis.decimals;
    let fmt = move |y: &f64| fmt_number(*y, decimals);
    let c = BandChart {
        bands,
        mean: caar.map(|c| (&c.taus[..], &c.caar[..], c.label.clone())),
        mean_band: caar
            .filter(|c| c.lower.iter().any(Option::is_some))
            .map(|c| (&c.lower[..], &c.upper[..], "CAAR's 95 % band".to_string())),
        what: "CAR",
        y_axis,
        y_fmt: &fmt,
        y_desc: "CAR (%)",
    };
    band_chart(path, title, subtitle, &c)
}

/// `volume.png` at large N: bands of log2(volume ratio) / 100 (the unit of
/// [`super::series::Large::volume`]) with the geometric mean path, on the log axis of the
/// volume chart.
pub fn volume_bands(
    path: &Path,
    title: &str,
    subtitle: &str,
    bands: &QuantileBands,
    mean: &super::VolumeSeries,
) -> Result<()> {
    let logs: Vec<Option<f64>> = mean
        .ratio
        .iter()
        .map(|r| r.map(|r| r.log2() / 100.0))
        .collect();
    let q = bands
        .q
        .iter()
        .flatten()
        .flat_map(|q| [q[0], q[4]])
        .map(|v| v * 100.0);
    let m = logs.iter().flatten().map(|v| v * 100.0);
    let c = BandChart {
        bands,
        mean: Some((&mean.taus[..], &logs[..], "geometric mean".to_string())),
        mean_band: None,
        what: "volume multiple",
        y_axis: super::volume::log_axis_of(q.chain(m)),
        y_fmt: &super::volume::ratio_label,
        y_desc: "Volume / estimation-window geometric mean (log scale)",
    };
    band_chart(path, title, subtitle, &c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 1,000 paths whose value at τ is τ·k/1000 for path k: the quantiles are known.
    fn bands() -> QuantileBands {
        let points = (0..1000).flat_map(|k| (-5..=5).map(move |t| (t, f64::from(t * k) / 1e5)));
        QuantileBands::from_points(-5, 5, 1000, points)
    }

    #[test]
    fn quantiles_per_tau_are_type_7() {
        let b = bands();
        assert_eq!(b.taus, (-5..=5).collect::<Vec<_>>());
        assert!(b.n.iter().all(|n| *n == 1000));
        // At τ = 0 every value is 0: one point, not a band.
        assert_eq!(b.q[5], Some([0.0; 5]));
        // At τ = 2 the values are 2k/1e5, k = 0..999: type 7's 5 % is at h = 999·0.05.
        let q = b.q[7].unwrap();
        let at = |p: f64| 2.0 * 999.0 * p / 1e5;
        for (i, p) in [0.05, 0.25, 0.5, 0.75, 0.95].into_iter().enumerate() {
            assert!((q[i] - at(p)).abs() < 1e-15, "{i}: {} vs {}", q[i], at(p));
        }
    }

    #[test]
    fn points_outside_the_window_and_nan_are_left_out() {
        let pts = vec![(0, 1.0), (0, 3.0), (9, 5.0), (0, f64::NAN), (1, 2.0)];
        let b = QuantileBands::from_points(0, 1, 3, pts.into_iter());
        assert_eq!(b.n, vec![2, 1]);
        assert_eq!(b.q[0].unwrap()[2], 2.0);
        assert_eq!(b.q[1], None);
    }

    #[test]
    fn draws_bands_and_caar() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("car.png");
        let b = bands();
        let caar = super::super::CaarPath {
            taus: b.taus.clone(),
            caar: b.taus.iter().map(|t| Some(f64::from(*t) / 200.0)).collect(),
            lower: b
                .taus
                .iter()
                .map(|t| Some(f64::from(*t) / 200.0 - 0.001))
                .collect(),
            upper: b
                .taus
                .iter()
                .map(|t| Some(f64::from(*t) / 200.0 + 0.001))
                .collect(),
            band_label: "95 % band".into(),
            label: "CAAR".into(),
        };
        car_bands(&p, "t", "s", &b, Some(&caar)).unwrap();
        assert!(std::fs::metadata(&p).unwrap().len() > 1000);
        let empty = QuantileBands::from_points(0, 3, 0, std::iter::empty());
        assert!(car_bands(&dir.path().join("x.png"), "t", "s", &empty, None).is_err());
    }
}
