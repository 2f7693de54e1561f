//! Cross-sectional distribution of CAR: one strip (dot) plot per CAR window, with N, the
//! mean (CAAR) and, from N > [`theme::STRIP_BIG_N`], a box of the quartiles and a 5–95 %
//! whisker. Useful from N = 4 (every point labelled) to N = 10,000 (faint jittered dots).

use std::path::Path;

use anyhow::{Context, Result, bail};
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::legend::{Entry, Swatch};
use super::theme::{self, Marker};
use super::{
    TickedAxis, YAxis, category_labels, draw_marker, fmt_number, layout, plot_frame,
    register_fonts, thousands, write_png_atomically,
};

/// One CAR window's cross-section.
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    /// Category label, e.g. "[0, +5]".
    pub label: String,
    /// (series index into the chart's `names`, CAR as a fraction).
    pub values: Vec<(usize, f64)>,
    /// The mean of `values` (the CAAR), fraction.
    pub mean: f64,
    /// 5 %, 25 %, 50 %, 75 %, 95 % quantiles (fraction), drawn as a box when N is large.
    pub quantiles: Option<[f64; 5]>,
}

fn validate(strips: &[Strip], names: &[String]) -> Result<()> {
    if strips.is_empty() {
        bail!("CAR distribution: no window to draw");
    }
    if strips.iter().all(|s| s.values.is_empty()) {
        bail!("CAR distribution: no CAR value in any window");
    }
    for s in strips {
        if s.values
            .iter()
            .any(|&(i, v)| i >= names.len() || !v.is_finite())
        {
            bail!(
                "CAR distribution: {}: bad series index or non-finite CAR",
                s.label
            );
        }
    }
    Ok(())
}

/// Writes the CAR distribution chart to a PNG.
pub fn car_distribution(
    path: &Path,
    title: &str,
    subtitle: &str,
    strips: &[Strip],
    names: &[String],
) -> Result<()> {
    register_fonts()?;
    validate(strips, names)?;
    write_png_atomically(path, |root| {
        draw_car_distribution(root, title, subtitle, strips, names)
    })
    .with_context(|| format!("writing CAR distribution chart {}", path.display()))
}

/// Draws the CAR distribution onto any drawing area.
pub fn draw_car_distribution<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    strips: &[Strip],
    names: &[String],
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    register_fonts()?;
    validate(strips, names)?;
    let coloured = names.len() <= theme::MAX_LEGEND_SERIES;

    let mut series = Vec::new();
    if coloured {
        for (i, n) in names.iter().enumerate() {
            series.push(Entry::new(
                Swatch::Point {
                    color: theme::series_color(i),
                    marker: theme::series_marker(i),
                    hollow: false,
                },
                n.clone(),
            ));
        }
    }
    let mut notes = vec![Entry::new(
        Swatch::Line {
            color: theme::CAAR,
            width: theme::CAAR_WIDTH,
            marker: None,
        },
        "mean (CAAR)",
    )];
    if strips
        .iter()
        .any(|s| s.values.len() > theme::STRIP_BIG_N && s.quantiles.is_some())
    {
        notes.push(Entry::new(
            Swatch::Band {
                color: theme::BAND,
                alpha: theme::BAND_ALPHA * 1.5,
            },
            "box: quartiles, line: median",
        ));
        notes.push(Entry::new(Swatch::Text, "whiskers: 5 % – 95 %"));
    }
    if !coloured {
        notes.push(Entry::new(
            Swatch::Point {
                color: theme::MANY_PATH,
                marker: Marker::Circle,
                hollow: false,
            },
            "one dot per event",
        ));
    }
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &series, &notes)?;

    let values = strips.iter().flat_map(|s| {
        s.values
            .iter()
            .map(|v| v.1 * 100.0)
            .chain(std::iter::once(s.mean * 100.0))
    });
    let y_axis = YAxis::for_values(values).context("no CAR values")?;
    let k = strips.len();
    let x = TickedAxis {
        range: -0.5..(k as f64 - 0.5),
        ticks: (0..k).map(|i| i as f64).collect(),
    };
    let labels: Vec<String> = strips.iter().map(|s| format!("CAR{}", s.label)).collect();
    let x_fmt = category_labels(labels);
    let d = y_axis.decimals;
    let mut chart = plot_frame(
        &plot_area,
        root,
        x,
        &y_axis,
        &x_fmt,
        &move |y: &f64| fmt_number(*y, d),
        "CAR window",
        "CAR (%)",
    )?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(-0.5, 0.0), (k as f64 - 0.5, 0.0)],
        theme::ZERO_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
    )))?;
    let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
    let px_y = (y_hi - y_lo) / f64::from(plot_h.max(1));
    let px_x = k as f64 / f64::from(plot_w.max(1));
    let n_font = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE)
        .into_font()
        .color(&theme::TEXT_MUTED)
        .pos(Pos::new(HPos::Center, VPos::Top));
    let label_font = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE - 2.0)
        .into_font()
        .color(&theme::TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));

    for (c, s) in strips.iter().enumerate() {
        let cx = c as f64;
        chart.draw_series(std::iter::once(
            EmptyElement::at((cx, y_hi))
                + Text::new(
                    format!("N = {}", thousands(s.values.len())),
                    (0, 8),
                    n_font.clone(),
                ),
        ))?;
        let n = s.values.len();
        if n > theme::STRIP_BIG_N {
            // Faint jittered dots (golden-ratio sequence: deterministic, even spread).
            let r = if n > 2000 { 2 } else { 3 };
            let alpha = (30.0 / (n as f64).sqrt()).clamp(0.06, 0.6);
            let style = theme::MANY_PATH.mix(alpha).filled();
            chart.draw_series(s.values.iter().enumerate().map(|(i, &(_, v))| {
                let j = ((i as f64 * 0.618_033_988_75).fract() - 0.5) * 0.56;
                Circle::new((cx + j, v * 100.0), r, style)
            }))?;
            if let Some(q) = s.quantiles {
                let q: Vec<f64> = q.iter().map(|v| v * 100.0).collect();
                let w = 0.16;
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(cx - w, q[1]), (cx + w, q[3])],
                    theme::BAND.mix(theme::BAND_ALPHA * 1.5).filled(),
                )))?;
                let edge = theme::WHISKER.stroke_width(3);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(cx - w, q[1]), (cx + w, q[3])],
                    edge,
                )))?;
                for (a, b) in [(q[0], q[1]), (q[3], q[4])] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(cx, a), (cx, b)],
                        edge,
                    )))?;
                }
                for e in [q[0], q[4]] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(cx - w / 2.0, e), (cx + w / 2.0, e)],
                        edge,
                    )))?;
                }
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(cx - w, q[2]), (cx + w, q[2])],
                    theme::WHISKER.stroke_width(5),
                )))?;
            }
        } else {
            // Large points; points closer than a marker vertically are spread sideways.
            let r = theme::MARKER_RADIUS + 2;
            let bin = 2.4 * f64::from(r) * px_y;
            let mut sorted: Vec<(usize, f64)> = s.values.clone();
            sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
            let mut groups: Vec<Vec<(usize, f64)>> = Vec::new();
            for p in sorted {
                match groups.last_mut() {
                    Some(g) if (p.1 - g[0].1) * 100.0 < bin => g.push(p),
                    _ => groups.push(vec![p]),
                }
            }
            let step = 2.4 * f64::from(r) * px_x;
            let mut placed: Vec<(f64, f64, usize)> = Vec::new();
            for g in &groups {
                let m = g.len() as f64;
                for (j, &(i, v)) in g.iter().enumerate() {
                    let off = (j as f64 - (m - 1.0) / 2.0) * step;
                    placed.push((cx + off.clamp(-0.3, 0.3), v * 100.0, i));
                }
            }
            for &(x, y, i) in &placed {
                let (color, marker) = if coloured {
                    (theme::series_color(i), theme::series_marker(i))
                } else {
                    (theme::MANY_PATH, Marker::Circle)
                };
                draw_marker(chart.plotting_area(), (x, y), marker, color, false, r)?;
            }
            // Labels right of the strip, pushed apart vertically so they never overlap.
            if n <= theme::STRIP_LABEL_MAX && coloured {
                let row = (theme::ANNOTATION_SIZE + 4.0) * px_y;
                let mut ys: Vec<(f64, usize)> = placed.iter().map(|&(_, y, i)| (y, i)).collect();
                ys.sort_by(|a, b| b.0.total_cmp(&a.0));
                let mut pos: Vec<f64> = Vec::with_capacity(ys.len());
                for (j, &(y, _)) in ys.iter().enumerate() {
                    let y = if j > 0 { y.min(pos[j - 1] - row) } else { y };
                    pos.push(y);
                }
                // Shift the stack back up if it runs below the plot.
                let overflow = y_lo + row / 2.0 - pos.last().copied().unwrap_or(y_lo);
                if overflow > 0.0 {
                    pos.iter_mut().for_each(|p| *p += overflow);
                }
                let lx = cx
                    + 0.12
                    + ((groups.iter().map(Vec::len).max().unwrap_or(1) as f64 - 1.0) / 2.0 * step)
                        .min(0.3);
                for (&(y, i), &ly) in ys.iter().zip(&pos) {
                    let _ = i;
                    let text = fmt_number(y, 1);
                    chart.draw_series(std::iter::once(
                        EmptyElement::at((lx, ly)) + Text::new(text, (0, 0), label_font.clone()),
                    ))?;
                }
            }
        }
        // Mean bar on top.
        let m = s.mean * 100.0;
        if m.is_finite() {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(cx - 0.22, m), (cx + 0.22, m)],
                theme::CAAR.stroke_width(theme::CAAR_WIDTH),
            )))?;
        }
    }
    legend.draw(&legend_area)?;
    Ok(())
}
