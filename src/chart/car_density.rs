//! `car_density.png`: the distribution of CARs across events, one histogram per CAR window
//! drawn as a density outline (share of events per percentage point of CAR), all windows on
//! common bins so they compare. For large N, where a dot per event no longer reads. The x
//! range spans the 0.5 %–99.5 % quantiles of all CARs (the legend says how many lie
//! outside), so that a few outliers do not squeeze the rest into one bin.

use std::path::Path;

use anyhow::{Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::axis::TickedAxis;
use super::legend::{Entry, Swatch};
use super::{
    Canvas, Draw, FULL, YAxis, draw_zero_line, fmt_number, layout, register_fonts, styled_frame,
    theme, thousands, write_chart,
};

/// Bins of the histograms: Rice's rule 2·N^(1/3) for the largest window's N, within
/// 10..=80 (13 bins at 300 events, 43 at 10,000, 80 from 64,000).
pub fn bins(n: usize) -> usize {
    ((2.0 * (n as f64).cbrt()).round() as usize).clamp(10, 80)
}

/// One CAR window's cross-section of CARs (fractions).
#[derive(Debug, Clone, PartialEq)]
pub struct CarSample {
    /// e.g. "[0, +5]".
    pub label: String,
    pub cars: Vec<f64>,
}

fn validate(samples: &[CarSample]) -> Result<()> {
    if samples.iter().all(|s| s.cars.len() < 2) {
        bail!("CAR density: fewer than 2 CARs in every window");
    }
    if samples.iter().flat_map(|s| &s.cars).any(|v| !v.is_finite()) {
        bail!("CAR density: non-finite CAR");
    }
    Ok(())
}

/// Writes the CAR density chart to a PNG and its SVG.
pub fn car_density(path: &Path, title: &str, subtitle: &str, samples: &[CarSample]) -> Result<()> {
    struct Figure<'a>(&'a str, &'a str, &'a [CarSample]);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_car_density(root, self.0, self.1, self.2)
        }
    }
    write_chart(
        path,
        "CAR density chart",
        || validate(samples),
        &Figure(title, subtitle, samples),
    )
}

/// The x range in percent: the 0.5 % and 99.5 % quantiles of every CAR (type 7), widened
/// to include 0.
fn x_range(samples: &[CarSample]) -> (f64, f64) {
    let all: Vec<f64> = samples
        .iter()
        .flat_map(|s| s.cars.iter().map(|v| v * 100.0))
        .collect();
    // Fewer than two CARs (refused before drawing): the range around 0.
    let [q0, q1] = crate::stats::quantiles_at(all, [0.005, 0.995]).unwrap_or([0.0, 0.0]);
    let (lo, hi) = (q0.min(0.0), q1.max(0.0));
    if hi - lo < 1e-9 {
        (lo - 1.0, hi + 1.0)
    } else {
        (lo, hi)
    }
}

/// Density (share of the window's events per percentage point) in each of `bins` bins
/// over `lo..hi` (percent), and how many CARs fall outside.
pub fn histogram(cars: &[f64], lo: f64, hi: f64, bins: usize) -> (Vec<f64>, usize) {
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    let mut outside = 0;
    for v in cars.iter().map(|v| v * 100.0) {
        if v < lo || v > hi {
            outside += 1;
            continue;
        }
        let k = (((v - lo) / width) as usize).min(bins - 1);
        counts[k] += 1;
    }
    let n = cars.len().max(1) as f64;
    (
        counts.into_iter().map(|c| c as f64 / n / width).collect(),
        outside,
    )
}

/// Draws the CAR density chart onto any drawing area.
pub fn draw_car_density<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    samples: &[CarSample],
) -> Result<()> {
    register_fonts()?;
    validate(samples)?;
    let (lo, hi) = x_range(samples);
    let n_bins = bins(samples.iter().map(|s| s.cars.len()).max().unwrap_or(0));
    let width = (hi - lo) / n_bins as f64;
    let shown: Vec<(usize, &CarSample, Vec<f64>, usize)> = samples
        .iter()
        .enumerate()
        .filter(|(_, s)| s.cars.len() >= 2)
        .map(|(i, s)| {
            let (d, out) = histogram(&s.cars, lo, hi, n_bins);
            (i, s, d, out)
        })
        .collect();
    let outside: usize = shown.iter().map(|x| x.3).sum();
    let total: usize = shown.iter().map(|x| x.1.cars.len()).sum();
    let series: Vec<Entry> = shown
        .iter()
        .map(|(i, s, _, _)| {
            Entry::new(
                Swatch::Line {
                    color: theme::series_color(*i),
                    width: theme::LINE_WIDTH,
                    marker: None,
                },
                format!("{} (N = {})", s.label, thousands(s.cars.len())),
            )
        })
        .collect();
    let mut notes = vec![Entry::new(
        Swatch::Text,
        format!("{n_bins} bins of {} pp", fmt_number(width, 2)),
    )];
    if outside > 0 {
        notes.push(Entry::new(
            Swatch::Text,
            format!(
                "{} of {} off the axis",
                thousands(outside),
                thousands(total)
            ),
        ));
    }
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &series, &notes)?;
    let y_max = shown
        .iter()
        .flat_map(|x| x.2.iter().copied())
        .fold(0.0_f64, f64::max);
    let y_axis = YAxis::for_values([0.0, y_max].into_iter()).unwrap_or(YAxis {
        range: 0.0..1.0,
        ticks: vec![0.0, 0.5, 1.0],
        decimals: 1,
    });
    let x_axis = YAxis::new([lo, hi].into_iter(), true, 10.0).unwrap_or(YAxis {
        range: lo..hi,
        ticks: vec![lo, hi],
        decimals: 1,
    });
    let x = TickedAxis {
        range: lo..hi,
        ticks: x_axis
            .ticks
            .iter()
            .copied()
            .filter(|t| (lo..=hi).contains(t))
            .collect(),
    };
    let (xd, yd) = (x_axis.decimals, y_axis.decimals);
    let mut chart = styled_frame(
        &plot_area,
        root,
        x,
        &y_axis,
        &move |v: &f64| fmt_number(*v, xd),
        &move |v: &f64| fmt_number(*v, yd),
        "CAR (%)",
        "Share of events per pp of CAR",
        FULL,
    )?;
    draw_zero_line(&mut chart, &(lo..hi))?;
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(0.0, 0.0), (0.0, y_axis.range.end)],
        theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
    )))?;
    for (i, _, d, _) in &shown {
        // A step outline: across each bin at its density, down/up at the edges.
        let mut pts = vec![(lo, 0.0)];
        for (k, v) in d.iter().enumerate() {
            let x0 = lo + k as f64 * width;
            pts.push((x0, *v));
            pts.push((x0 + width, *v));
        }
        pts.push((hi, 0.0));
        chart.draw_series(std::iter::once(PathElement::new(
            pts,
            theme::series_color(*i).stroke_width(theme::LINE_WIDTH),
        )))?;
    }
    legend.draw(&legend_area)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_integrates_to_the_share_inside() {
        let cars: Vec<f64> = (0..1000).map(|k| f64::from(k - 500) / 1e4).collect();
        // Bounds between two values, so that rounding cannot move one across.
        let (d, out) = histogram(&cars, -2.005, 2.005, 60);
        let width = 4.01 / 60.0;
        let inside: f64 = d.iter().map(|v| v * width).sum();
        // CARs from −5 % to +4.99 % in steps of 0.01 pp: −2 % to +2 % are 401 of 1,000.
        assert_eq!(out, 1000 - 401);
        assert!((inside - 0.401).abs() < 1e-12, "{inside}");
    }

    #[test]
    fn bins_follow_rices_rule_within_bounds() {
        assert_eq!(bins(0), 10);
        assert_eq!(bins(300), 13);
        assert_eq!(bins(10_000), 43);
        assert_eq!(bins(1_000_000), 80);
    }

    #[test]
    fn draws_and_rejects_empty() {
        let dir = tempfile::tempdir().unwrap();
        let s = vec![
            CarSample {
                label: "[0, +5]".into(),
                cars: (0..500).map(|k| (f64::from(k) - 250.0) / 5e3).collect(),
            },
            CarSample {
                label: "[−1, +1]".into(),
                cars: (0..500).map(|k| (f64::from(k % 50) - 20.0) / 2e3).collect(),
            },
        ];
        let p = dir.path().join("d.png");
        car_density(&p, "t", "s", &s).unwrap();
        assert!(p.is_file());
        let none = vec![CarSample {
            label: "x".into(),
            cars: vec![0.1],
        }];
        assert!(car_density(&dir.path().join("e.png"), "t", "s", &none).is_err());
    }
}
