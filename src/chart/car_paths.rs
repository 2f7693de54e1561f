//! The CAR chart: each event's CAR path over the event window, the CAAR path and its
//! 95 % band, suspended sessions shaded.

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::legend::{Entry, Swatch};
use super::theme::{self, Marker};
use super::*;

pub(crate) const SUSPENDED_TEXT: &str = "shaded: suspended";
pub(crate) const CARRIED_TEXT: &str = "open marker: CAR carried";

/// One security's CAR path over the event window.
#[derive(Debug, Clone, PartialEq)]
pub struct CarSeries {
    /// Legend label, e.g. "002415.SZ Hikvision".
    pub label: String,
    /// Event time, strictly ascending, e.g. -10..=10.
    pub taus: Vec<i32>,
    /// Cumulative abnormal return (fraction, 0.05 = 5 %) at each tau; `None` = no value
    /// (before the first return / no data). The path is broken at every `None`.
    pub car: Vec<Option<f64>>,
    /// `true` where this security was suspended at that tau (shaded band).
    pub suspended: Vec<bool>,
}

/// The cross-sectional mean path (CAAR) with its 95 % band, drawn over the CAR paths.
#[derive(Debug, Clone, PartialEq)]
pub struct CaarPath {
    /// Event time, strictly ascending.
    pub taus: Vec<i32>,
    /// CAAR (fraction) at each tau; `None` where no event has a value.
    pub caar: Vec<Option<f64>>,
    /// Lower and upper 95 % bounds (fraction); `None` where undefined (e.g. N < 2).
    pub lower: Vec<Option<f64>>,
    pub upper: Vec<Option<f64>>,
    /// Legend text of the band, e.g. "95 % band: J1, N(0,1)".
    pub band_label: String,
    /// Legend text of the path, e.g. "CAAR (N = 4)".
    pub label: String,
}

/// Draws CAR paths per security over the event window, and the CAAR path with its band
/// when given, to a PNG ([`theme::CANVAS`] pixels).
///
/// The file is written to a temporary file in the target directory (created if
/// missing) and renamed into place, so an error never leaves a partial PNG at `path`.
/// Errors: no series, no CAR value in any series, a series whose `taus`/`car`/
/// `suspended` lengths differ, taus not strictly ascending, a non-finite CAR.
pub fn car_paths(
    path: &Path,
    title: &str,
    subtitle: &str,
    series: &[CarSeries],
    caar: Option<&CaarPath>,
) -> Result<()> {
    struct Figure<'a>(&'a str, &'a str, &'a [CarSeries], Option<&'a CaarPath>);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_car_paths(root, self.0, self.1, self.2, self.3)
        }
    }
    write_chart(
        path,
        "CAR chart",
        || validate(series),
        &Figure(title, subtitle, series, caar),
    )
}

/// Draws the CAR-path chart onto any plotters drawing area (the PNG writer and the
/// in-memory tests share this). Validates `series` like [`car_paths`]; fonts must be
/// registered ([`register_fonts`]) — this function does that too.
///
/// With more than [`theme::MAX_LEGEND_SERIES`] series the individual paths are drawn
/// thin and grey without markers or shading (useful up to thousands of events) and the
/// CAAR path carries the message.
pub fn draw_car_paths<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    series: &[CarSeries],
    caar: Option<&CaarPath>,
) -> Result<()> {
    register_fonts()?;
    validate(series)?;
    validate_caar(caar)?;
    let many = series.len() > theme::MAX_LEGEND_SERIES;
    let (tau_lo, tau_hi) = tau_range(series).context("no event times")?;
    let y_axis = car_axis(series, caar).context("no CAR values")?;
    let x_range = (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5);

    let (entries, notes) = legend_entries(series, caar, many);
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &entries, &notes)?;
    let mut chart = tau_chart(
        &plot_area,
        root,
        tau_lo,
        tau_hi,
        &y_axis,
        &|y: &f64| fmt_number(*y, y_axis.decimals),
        "Event time τ (trading sessions)",
        "CAR (%)",
    )?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);

    // Suspended sessions and the CAAR band below the paths (over them when they are many).
    if !many {
        draw_suspended_bands(
            &mut chart,
            series.iter().map(|s| (&s.taus[..], &s.suspended[..])),
            y_lo,
            y_hi,
        )?;
        draw_caar_band(&mut chart, caar, many)?;
    }
    draw_zero_and_day0(&mut chart, &x_range, tau_lo, tau_hi, y_hi, y_lo)?;
    // Paths, broken at every missing value.
    for (i, s) in series.iter().enumerate() {
        draw_segments(&mut chart, segments(&s.taus, &s.car), path_style(i, many))?;
    }
    if many {
        draw_caar_band(&mut chart, caar, many)?;
    }
    if let Some(c) = caar {
        let style = theme::CAAR.stroke_width(theme::CAAR_WIDTH);
        draw_segments(&mut chart, segments(&c.taus, &c.caar), style)?;
    }
    if !many {
        draw_path_markers(&chart, series, tau_lo, tau_hi)?;
    }

    legend.draw(&legend_area)?;
    Ok(())
}

/// Rejects a CAAR path whose lengths differ or that has a non-finite value.
fn validate_caar(caar: Option<&CaarPath>) -> Result<()> {
    if let Some(c) = caar {
        let n = c.taus.len();
        if c.caar.len() != n || c.lower.len() != n || c.upper.len() != n {
            bail!("CAAR path: taus, CAAR and band lengths differ");
        }
        if c.caar
            .iter()
            .chain(&c.lower)
            .chain(&c.upper)
            .flatten()
            .any(|v| !v.is_finite())
        {
            bail!("CAAR path: non-finite value");
        }
    }
    Ok(())
}

/// The y axis (percent) over every CAR value, the CAAR and its band.
fn car_axis(series: &[CarSeries], caar: Option<&CaarPath>) -> Option<YAxis> {
    let caar_values = caar
        .into_iter()
        .flat_map(|c| c.caar.iter().chain(&c.lower).chain(&c.upper).flatten());
    YAxis::for_values(
        series
            .iter()
            .flat_map(|s| s.car.iter().flatten())
            .chain(caar_values)
            .map(|v| v * 100.0),
    )
}

/// Colour and alpha of the CAAR band: light below few paths, stronger over many.
fn band_style(many: bool) -> (RGBColor, f64) {
    if many {
        (theme::BAND_MANY, theme::BAND_MANY_ALPHA)
    } else {
        (theme::BAND, theme::BAND_ALPHA)
    }
}

/// Legend rows: one per series (or one for all when many), then the CAAR and shading notes.
fn legend_entries(
    series: &[CarSeries],
    caar: Option<&CaarPath>,
    many: bool,
) -> (Vec<Entry>, Vec<Entry>) {
    let any_suspended = !many && series.iter().any(|s| s.suspended.iter().any(|&b| b));
    let any_carried = !many
        && series.iter().any(|s| {
            s.suspended
                .iter()
                .zip(&s.car)
                .any(|(&susp, car)| susp && car.is_some())
        });

    let mut entries: Vec<Entry> = Vec::new();
    if many {
        entries.push(Entry::many_paths(format!(
            "CAR of each event ({})",
            series.len()
        )));
    } else {
        for (i, s) in series.iter().enumerate() {
            let mut label = s.label.clone();
            if s.car.iter().all(Option::is_none) {
                label.push_str(" (no CAR)");
            }
            entries.push(Entry::series(i, label));
        }
    }
    let mut notes = Vec::new();
    if let Some(c) = caar {
        notes.push(Entry::mean_path(c.label.clone()));
        if c.lower.iter().any(Option::is_some) {
            let (color, alpha) = band_style(many);
            notes.push(Entry::new(
                Swatch::Band { color, alpha },
                c.band_label.clone(),
            ));
        }
    }
    if any_suspended {
        notes.push(Entry::suspended_shading(SUSPENDED_TEXT));
    }
    if any_carried {
        notes.push(Entry::new(
            Swatch::Point {
                color: theme::SUSPENDED_SWATCH,
                marker: Marker::Circle,
                hollow: true,
            },
            CARRIED_TEXT,
        ));
    }
    (entries, notes)
}

/// The CAAR's 95 % band as filled polygons, where both bounds exist.
fn draw_caar_band<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    caar: Option<&CaarPath>,
    many: bool,
) -> Result<()> {
    let (band_color, band_alpha) = band_style(many);
    if let Some(c) = caar {
        for poly in band_polygons(&c.taus, &c.lower, &c.upper) {
            chart.draw_series(std::iter::once(Polygon::new(
                poly,
                band_color.mix(band_alpha).filled(),
            )))?;
        }
    }
    Ok(())
}

/// Point markers on every path, hollow where the security was suspended (CAR carried).
///
/// In long windows (sessions closer than [`theme::MIN_MARKER_SPACING`] px) only suspended
/// and isolated points get a marker, smaller, so the line stays readable.
fn draw_path_markers<DB: Canvas>(
    chart: &Chart<'_, DB>,
    series: &[CarSeries],
    tau_lo: i32,
    tau_hi: i32,
) -> Result<()> {
    let plotting = chart.plotting_area();
    let (plot_w, _) = plotting.dim_in_pixel();
    let sessions = f64::from(tau_hi - tau_lo + 1);
    let px_per_session = f64::from(plot_w) / sessions;
    let dense = px_per_session < f64::from(theme::MIN_MARKER_SPACING);
    let radius = if dense {
        ((px_per_session * 0.4) as i32).clamp(3, theme::MARKER_RADIUS)
    } else {
        theme::MARKER_RADIUS
    };
    for (i, s) in series.iter().enumerate() {
        let color = theme::series_color(i);
        let marker = theme::series_marker(i);
        for (k, (&tau, car)) in s.taus.iter().zip(&s.car).enumerate() {
            let Some(v) = car else { continue };
            let susp = s.suspended[k];
            let isolated =
                (k == 0 || s.car[k - 1].is_none()) && s.car.get(k + 1).is_none_or(Option::is_none);
            if !dense || susp || isolated {
                let at = (f64::from(tau), v * 100.0);
                draw_marker(plotting, at, marker, color, susp, radius)?;
            }
        }
    }
    Ok(())
}

/// Rejects input that cannot be drawn.
pub(crate) fn validate(series: &[CarSeries]) -> Result<()> {
    if series.is_empty() {
        bail!("CAR chart: no series to draw");
    }
    for s in series {
        let n = s.taus.len();
        if s.car.len() != n || s.suspended.len() != n {
            bail!(
                "CAR chart: series {:?} has {} taus, {} CAR values and {} suspension flags",
                s.label,
                n,
                s.car.len(),
                s.suspended.len()
            );
        }
        if let Some(w) = s.taus.windows(2).find(|w| w[0] >= w[1]) {
            bail!(
                "CAR chart: series {:?} taus not strictly ascending ({} then {})",
                s.label,
                w[0],
                w[1]
            );
        }
        if let Some((tau, v)) = s
            .taus
            .iter()
            .zip(&s.car)
            .find_map(|(t, c)| c.filter(|v| !v.is_finite()).map(|v| (t, v)))
        {
            bail!(
                "CAR chart: series {:?} has non-finite CAR {v} at tau {tau}",
                s.label
            );
        }
    }
    if series.iter().all(|s| s.car.iter().all(Option::is_none)) {
        bail!("CAR chart: no series has any CAR value");
    }
    Ok(())
}

/// Smallest and largest tau over all series.
pub(crate) fn tau_range(series: &[CarSeries]) -> Option<(i32, i32)> {
    let taus = series.iter().flat_map(|s| s.taus.iter().copied());
    let lo = taus.clone().min()?;
    let hi = taus.max()?;
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(label: &str, base: f64, slope: f64) -> CarSeries {
        let taus: Vec<i32> = (-10..=10).collect();
        let car = taus
            .iter()
            .map(|&t| {
                Some(base + slope * f64::from(t + 10) + if t >= 0 { 3.0 * slope } else { 0.0 })
            })
            .collect();
        let suspended = vec![false; taus.len()];
        CarSeries {
            label: label.to_string(),
            taus,
            car,
            suspended,
        }
    }

    /// Four securities; the second is suspended at τ = 0 and 1 with no CAR there, the
    /// fourth has no value before τ = -7 and a carried CAR while suspended at τ = 4.
    fn four_series() -> Vec<CarSeries> {
        let a = series("002415.SZ Hikvision", 0.0, 0.003);
        let mut b = series("600519.SH Kweichow Moutai", 0.002, -0.0025);
        for k in [10, 11] {
            b.car[k] = None;
            b.suspended[k] = true;
        }
        let c = series("000001.SZ Ping An Bank", -0.004, 0.0012);
        let mut d = series("300750.SZ CATL", 0.001, 0.004);
        for k in 0..3 {
            d.car[k] = None;
        }
        d.suspended[14] = true;
        d.car[14] = d.car[13];
        vec![a, b, c, d]
    }

    fn render_to_buffer(series: &[CarSeries]) -> Result<Vec<u8>> {
        let (w, h) = theme::CANVAS;
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, theme::CANVAS).into_drawing_area();
            draw_car_paths(&root, "Test title", "test subtitle", series, None)?;
            root.present()?;
        }
        Ok(buf)
    }

    /// (width, height) from a PNG's IHDR chunk.
    fn png_size(bytes: &[u8]) -> (u32, u32) {
        assert!(bytes.len() > 24, "PNG too short");
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
        assert_eq!(&bytes[12..16], b"IHDR");
        let be = |r: std::ops::Range<usize>| u32::from_be_bytes(bytes[r].try_into().unwrap());
        (be(16..20), be(20..24))
    }

    #[test]
    fn car_paths_writes_png_of_canvas_size() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nested/figs/car.png");
        car_paths(
            &path,
            "CAR around announcement",
            "market model, est. window [-120, -11]",
            &four_series(),
            None,
        )
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(png_size(&bytes), theme::CANVAS);
        // Only the final files are left (the PNG and its SVG), no temporary.
        let mut names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        assert_eq!(
            names,
            vec![
                std::ffi::OsString::from("car.png"),
                std::ffi::OsString::from("car.svg")
            ]
        );
    }

    #[test]
    fn buffer_render_is_not_blank_and_shows_every_series() {
        let buf = render_to_buffer(&four_series()).unwrap();
        let n = buf.len() / 3;
        let lum: Vec<f64> = buf
            .chunks_exact(3)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect();
        let mean = lum.iter().sum::<f64>() / n as f64;
        let var = lum.iter().map(|l| (l - mean).powi(2)).sum::<f64>() / n as f64;
        assert!(var > 200.0, "pixel variance {var} too low: blank chart?");
        for i in 0..4 {
            let RGBColor(r, g, b) = theme::series_color(i);
            let count = buf.chunks_exact(3).filter(|p| p == &[r, g, b]).count();
            assert!(count > 500, "series {i} colour has only {count} pixels");
        }
    }

    #[test]
    fn suspended_band_is_tinted() {
        // Series 1 (vermillion) is suspended at τ = 0, 1: a pixel in that band, away from
        // lines, is a light tint of vermillion (red > blue), not white or grey.
        let buf = render_to_buffer(&four_series()).unwrap();
        let (w, _) = theme::CANVAS;
        // Find a tinted pixel in the plot's middle rows.
        let tinted = (300..700u32).any(|y| {
            (0..w).any(|x| {
                let i = ((y * w + x) * 3) as usize;
                let (r, g, b) = (buf[i], buf[i + 1], buf[i + 2]);
                r > 240 && b < 235 && g < r && g > b
            })
        });
        assert!(tinted, "no vermillion-tinted band pixels");
    }

    #[test]
    fn errors_instead_of_panics() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        assert!(car_paths(&path, "t", "s", &[], None).is_err());

        let mut none = series("none", 0.0, 0.0);
        none.car.iter_mut().for_each(|c| *c = None);
        let err = car_paths(&path, "t", "s", &[none.clone()], None).unwrap_err();
        assert!(err.to_string().contains("no series has any CAR"), "{err:#}");

        let mut short = series("short", 0.0, 0.01);
        short.suspended.pop();
        assert!(car_paths(&path, "t", "s", &[short], None).is_err());

        let mut unsorted = series("unsorted", 0.0, 0.01);
        unsorted.taus.swap(0, 1);
        assert!(car_paths(&path, "t", "s", &[unsorted], None).is_err());

        let mut nan = series("nan", 0.0, 0.01);
        nan.car[3] = Some(f64::NAN);
        assert!(car_paths(&path, "t", "s", &[nan], None).is_err());

        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no temp files left"
        );

        // One all-None series next to a drawable one is fine (legend says "no CAR").
        car_paths(&path, "t", "s", &[none, series("ok", 0.0, 0.01)], None).unwrap();
        assert!(path.exists());
    }

    #[test]
    fn flat_and_single_point_series_draw() {
        let mut flat = series("flat", 0.0, 0.0);
        flat.taus = vec![0];
        flat.car = vec![Some(0.0)];
        flat.suspended = vec![false];
        render_to_buffer(&[flat]).unwrap();
    }

    #[test]
    fn many_series_and_long_labels_fit() {
        let many: Vec<_> = (0..30)
            .map(|i| {
                series(
                    &format!("{i:06}.SZ A very long company name that cannot fit the legend panel"),
                    0.001 * f64::from(i),
                    0.001,
                )
            })
            .collect();
        render_to_buffer(&many).unwrap();
    }

    #[test]
    fn register_fonts_is_idempotent() {
        register_fonts().unwrap();
        register_fonts().unwrap();
    }

    #[test]
    fn path_segments_break_at_none() {
        let s = &four_series()[1];
        let segs = segments(&s.taus, &s.car);
        assert_eq!(segs.len(), 2);
        assert_eq!(segs[0].len(), 10);
        assert_eq!(segs[1].len(), 9);
        assert_eq!(suspended_runs(&s.taus, &s.suspended), vec![(0, 1)]);
        let d = &four_series()[3];
        assert_eq!(suspended_runs(&d.taus, &d.suspended), vec![(4, 4)]);
    }

    #[test]
    fn axis_ticks() {
        assert_eq!(x_ticks(-10, 10).len(), 21);
        let t = x_ticks(-60, 60);
        assert_eq!(t.first(), Some(&-60.0));
        assert!(t.len() <= 25 && t.contains(&0.0));
        assert_eq!(x_ticks(-3, 250).first(), Some(&0.0));

        let y = YAxis::for_values([-1.3, 7.9].into_iter()).unwrap();
        assert!(y.range.start < -1.3 && y.range.end > 7.9);
        assert!(y.ticks.contains(&0.0));
        assert_eq!(y.decimals, 0);
        let y = YAxis::for_values([0.02, 0.31].into_iter()).unwrap();
        assert!(y.range.start < 0.0 && y.decimals >= 1);
        assert!(YAxis::for_values(std::iter::empty()).is_none());

        assert_eq!(fmt_number(-0.0001, 2), "0.00");
        assert_eq!(fmt_number(-2.5, 1), "\u{2212}2.5");
        assert_eq!(fmt_number(3.0, 0), "3");
        assert_eq!(thousands(10_000), "10,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    /// Writes the demo figure for eyeballing: `cargo test --lib chart -- --ignored`.
    #[test]
    #[ignore = "writes /tmp/car_demo.png for visual inspection"]
    fn demo_png() {
        let path = std::env::var_os("CAR_DEMO_PNG")
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("/tmp/car_demo.png"));
        car_paths(
            &path,
            "Cumulative abnormal returns around the announcement",
            "Market model, estimation window [−120, −11]; event 2024-03-15 (τ = 0)",
            &four_series(),
            None,
        )
        .unwrap();
        // Stress layouts: many series with long labels; a long window.
        let many: Vec<_> = (0..24)
            .map(|i| {
                let mut s = series(
                    &format!(
                        "{:06}.SZ Company number {i} with a rather long name",
                        300_000 + i
                    ),
                    0.002 * f64::from(i) - 0.01,
                    0.0005 * f64::from(i % 5) - 0.001,
                );
                if i == 5 {
                    s.suspended[3] = true;
                    s.car[3] = None;
                }
                s
            })
            .collect();
        car_paths(
            &path.with_extension("many.png"),
            "Many series",
            "",
            &many,
            None,
        )
        .unwrap();
        let mut wide = series("000002.SZ Vanke", 0.0, 0.0);
        wide.taus = (-60..=60).collect();
        wide.car = wide
            .taus
            .iter()
            .map(|&t| Some(0.0004 * f64::from(t + 60) - if t > 20 { 0.03 } else { 0.0 }))
            .collect();
        wide.suspended = wide.taus.iter().map(|&t| (21..=30).contains(&t)).collect();
        car_paths(
            &path.with_extension("wide.png"),
            "Long window",
            "one series, ten suspended sessions (carried CAR)",
            &[wide],
            None,
        )
        .unwrap();
    }
}
