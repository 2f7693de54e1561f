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
    Canvas, Chart, Draw, YAxis, category_chart, draw_marker, draw_n_label, draw_zero_line,
    fmt_number, layout, n_text, register_fonts, text_style, write_chart,
};

/// One CAR window's cross-section.
#[derive(Debug, Clone, PartialEq)]
pub struct Strip {
    /// Category label, e.g. "[0, +5]".
    pub label: String,
    /// (series index into the chart's `names`, CAR as a fraction).
    pub values: Vec<(usize, f64)>,
    /// Series whose window ends before their first return after the news (drawn hollow;
    /// those without a CAR are counted in the N label, "N = 2 of 4").
    pub missed: Vec<usize>,
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
    struct Figure<'a>(&'a str, &'a str, &'a [Strip], &'a [String]);
    impl Draw for Figure<'_> {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            draw_car_distribution(root, self.0, self.1, self.2, self.3)
        }
    }
    write_chart(
        path,
        "CAR distribution chart",
        || validate(strips, names),
        &Figure(title, subtitle, strips, names),
    )
}

/// Draws the CAR distribution onto any drawing area.
pub fn draw_car_distribution<DB: Canvas>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    strips: &[Strip],
    names: &[String],
) -> Result<()> {
    register_fonts()?;
    validate(strips, names)?;
    let coloured = names.len() <= theme::MAX_LEGEND_SERIES;
    let (series, notes) = legend_entries(strips, names, coloured);
    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &series, &notes)?;

    let values = strips.iter().flat_map(|s| {
        s.values
            .iter()
            .map(|v| v.1 * 100.0)
            .chain(std::iter::once(s.mean * 100.0))
    });
    let y_axis = YAxis::for_values(values).context("no CAR values")?;
    let k = strips.len();
    let labels: Vec<String> = strips.iter().map(|s| s.label.clone()).collect();
    let mut chart = category_chart(&plot_area, root, labels, &y_axis, "CAR window", "CAR (%)")?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);
    draw_zero_line(&mut chart, &(-0.5..(k as f64 - 0.5)))?;
    let (plot_w, plot_h) = chart.plotting_area().dim_in_pixel();
    // Data units per pixel.
    let px = Px {
        x: k as f64 / f64::from(plot_w.max(1)),
        y: (y_hi - y_lo) / f64::from(plot_h.max(1)),
    };

    let n_labels: Vec<String> = strips
        .iter()
        .map(|s| {
            // A set of the series with a CAR: a scan of every value per missed series is
            // quadratic (100,000 values and thousands missed at large N).
            let with_car: std::collections::HashSet<usize> = s.values.iter().map(|v| v.0).collect();
            let no_car = s.missed.iter().filter(|i| !with_car.contains(i)).count();
            n_text(s.values.len(), no_car)
        })
        .collect();
    let n_font = text_style(theme::ANNOTATION_SIZE, &theme::TEXT_MUTED);
    let mut widest_n = 0;
    for t in &n_labels {
        widest_n = widest_n.max(root.estimate_text_size(t, &n_font)?.0);
    }
    let slot = f64::from(plot_w) / k as f64;
    let stagger_n = k > 1 && f64::from(widest_n) + 16.0 > slot;
    // Value labels only while a window's slot leaves room for them beside the points.
    let value_labels = slot >= 110.0;
    for (c, s) in strips.iter().enumerate() {
        let cx = c as f64;
        let dy = if stagger_n && c % 2 == 1 {
            theme::ANNOTATION_SIZE as i32 + 6
        } else {
            0
        };
        draw_n_label(&mut chart, cx, y_hi, &n_labels[c], dy)?;
        if s.values.len() > theme::STRIP_BIG_N {
            draw_dense_strip(&mut chart, s, cx)?;
        } else {
            let labelled = coloured && value_labels;
            draw_point_strip(&mut chart, s, cx, (coloured, labelled), px, y_lo)?;
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

/// Size of one pixel in data units (x: categories, y: percent).
#[derive(Debug, Clone, Copy)]
struct Px {
    x: f64,
    y: f64,
}

/// Legend rows: one point per series when coloured, then the mean, box and dot notes.
fn legend_entries(strips: &[Strip], names: &[String], coloured: bool) -> (Vec<Entry>, Vec<Entry>) {
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
    let mut notes = vec![Entry::mean_path("mean (CAAR)")];
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
    if strips.iter().any(|s| !s.missed.is_empty()) {
        notes.push(Entry::new(
            Swatch::Point {
                color: theme::TEXT_MUTED,
                marker: Marker::Circle,
                hollow: true,
            },
            "hollow: misses the reaction",
        ));
    }
    if !coloured {
        // Said where the dots are a sample: the reader counts on one dot per event.
        let step = max_dot_step(strips);
        let text = if step > 1 {
            format!("one dot per {step} events")
        } else {
            "one dot per event".to_string()
        };
        notes.push(Entry::new(
            Swatch::Point {
                color: theme::MANY_PATH,
                marker: Marker::Circle,
                hollow: false,
            },
            text,
        ));
    }
    (series, notes)
}

/// A large strip: faint jittered dots, then the quartile box and 5–95 % whiskers.
fn draw_dense_strip<DB: Canvas>(chart: &mut Chart<'_, DB>, s: &Strip, cx: f64) -> Result<()> {
    // Beyond STRIP_DOTS values every k-th is drawn (the box and whiskers are from all).
    let step = dot_step(s.values.len());
    let n = s.values.len().div_ceil(step);
    // Faint jittered dots (golden-ratio sequence: deterministic, even spread).
    let r = if n > 2000 { 2 } else { 3 };
    let alpha = (30.0 / (n as f64).sqrt()).clamp(0.06, 0.6);
    let style = theme::MANY_PATH.mix(alpha).filled();
    let drawn = s.values.iter().step_by(step);
    chart.draw_series(drawn.enumerate().map(|(i, &(_, v))| {
        let j = ((i as f64 * 0.618_033_988_75).fract() - 0.5) * 0.56;
        Circle::new((cx + j, v * 100.0), r, style)
    }))?;
    if let Some(q) = s.quantiles {
        draw_quantile_box(chart, q, cx)?;
    }
    Ok(())
}

/// Dots drawn per window at most: 100,000 faint dots read as the same grey cloud as
/// 10,000 and cost a second to draw.
const STRIP_DOTS: usize = 10_000;

/// Every how many values a dense strip draws a dot (1 up to [`STRIP_DOTS`] values).
fn dot_step(n: usize) -> usize {
    n.div_ceil(STRIP_DOTS).max(1)
}

/// The largest [`dot_step`] of the strips drawn dense (1 when every value is a dot).
fn max_dot_step(strips: &[Strip]) -> usize {
    strips
        .iter()
        .filter(|s| s.values.len() > theme::STRIP_BIG_N)
        .map(|s| dot_step(s.values.len()))
        .max()
        .unwrap_or(1)
}

/// What the points of the chart are, for its subtitle: "one point per event", or beyond
/// [`STRIP_DOTS`] values "one point per 10 events (box: every event)".
pub fn points_note(strips: &[Strip]) -> String {
    match max_dot_step(strips) {
        1 => "one point per event".to_string(),
        k => format!("one point per {k} events (box: every event)"),
    }
}

/// Box of the quartiles with the median line and whiskers to the 5 % and 95 % quantiles.
fn draw_quantile_box<DB: Canvas>(chart: &mut Chart<'_, DB>, q: [f64; 5], cx: f64) -> Result<()> {
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
    Ok(())
}

/// A small strip: one large marker per event (in its series' colour and shape when
/// `coloured`), labelled with its value when few and `labelled`.
fn draw_point_strip<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    s: &Strip,
    cx: f64,
    (coloured, labelled): (bool, bool),
    px: Px,
    y_lo: f64,
) -> Result<()> {
    let r = theme::MARKER_RADIUS + 2;
    let step = 2.4 * f64::from(r) * px.x;
    let (placed, widest) = spread_points(&s.values, cx, 2.4 * f64::from(r) * px.y, step);
    for &(x, y, i) in &placed {
        let (color, marker) = if coloured {
            (theme::series_color(i), theme::series_marker(i))
        } else {
            (theme::MANY_PATH, Marker::Circle)
        };
        let hollow = s.missed.contains(&i);
        draw_marker(chart.plotting_area(), (x, y), marker, color, hollow, r)?;
    }
    if s.values.len() <= theme::STRIP_LABEL_MAX && labelled {
        let lx = cx + 0.12 + ((widest as f64 - 1.0) / 2.0 * step).min(0.3);
        draw_value_labels(chart, placed, lx, px, y_lo)?;
    }
    Ok(())
}

/// Marker positions (x, CAR in %, series) of a strip at `cx`: values closer than `bin`
/// (percent) form a group, spread sideways by `step`; also the largest group's size.
fn spread_points(
    values: &[(usize, f64)],
    cx: f64,
    bin: f64,
    step: f64,
) -> (Vec<(f64, f64, usize)>, usize) {
    let mut sorted: Vec<(usize, f64)> = values.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    let mut groups: Vec<Vec<(usize, f64)>> = Vec::new();
    for p in sorted {
        match groups.last_mut() {
            Some(g) if (p.1 - g[0].1) * 100.0 < bin => g.push(p),
            _ => groups.push(vec![p]),
        }
    }
    let mut placed: Vec<(f64, f64, usize)> = Vec::new();
    for g in &groups {
        let m = g.len() as f64;
        for (j, &(i, v)) in g.iter().enumerate() {
            let off = (j as f64 - (m - 1.0) / 2.0) * step;
            placed.push((cx + off.clamp(-0.3, 0.3), v * 100.0, i));
        }
    }
    let widest = groups.iter().map(Vec::len).max().unwrap_or(1);
    (placed, widest)
}

/// Value labels at x = `lx`, in the colour of their point and pushed apart vertically so
/// they never overlap; a label moved off its point's height gets a thin leader line to the
/// point, so each label names one point.
fn draw_value_labels<DB: Canvas>(
    chart: &mut Chart<'_, DB>,
    mut points: Vec<(f64, f64, usize)>,
    lx: f64,
    px: Px,
    y_lo: f64,
) -> Result<()> {
    let label_font = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE - 2.0).into_font();
    let row = (theme::ANNOTATION_SIZE + 4.0) * px.y;
    points.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut pos: Vec<f64> = Vec::with_capacity(points.len());
    for (j, &(_, y, _)) in points.iter().enumerate() {
        let y = if j > 0 { y.min(pos[j - 1] - row) } else { y };
        pos.push(y);
    }
    // Shift the stack back up if it runs below the plot.
    let overflow = y_lo + row / 2.0 - pos.last().copied().unwrap_or(y_lo);
    if overflow > 0.0 {
        pos.iter_mut().for_each(|p| *p += overflow);
    }
    let r = f64::from(theme::MARKER_RADIUS + 2);
    for (&(x, y, i), &ly) in points.iter().zip(&pos) {
        let color = theme::series_color(i);
        let tx = lx + 14.0 * px.x;
        if (ly - y).abs() > row * 0.3 {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x + r * px.x, y), (tx - 3.0 * px.x, ly)],
                color.mix(0.8).stroke_width(2),
            )))?;
        }
        chart.draw_series(std::iter::once(
            EmptyElement::at((tx, ly))
                + Text::new(
                    fmt_number(y, 1),
                    (0, 0),
                    label_font
                        .clone()
                        .color(&color)
                        .pos(Pos::new(HPos::Left, VPos::Center)),
                ),
        ))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strip(n: usize) -> Strip {
        Strip {
            label: "[0, +5]".into(),
            values: (0..n).map(|i| (i, i as f64 * 1e-5)).collect(),
            missed: vec![],
            mean: 0.0,
            quantiles: Some([0.0; 5]),
        }
    }

    fn dot_note(strips: &[Strip]) -> String {
        let names: Vec<String> = (0..strips[0].values.len()).map(|i| i.to_string()).collect();
        let (_, notes) = legend_entries(strips, &names, false);
        notes.last().expect("a dot note").label.clone()
    }

    /// Up to 10,000 values every one is a dot; beyond, every k-th, and the legend says so
    /// (the box and whiskers keep every value).
    #[test]
    fn dense_strips_draw_a_stated_sample_of_dots() {
        assert_eq!(dot_step(1), 1);
        assert_eq!(dot_step(STRIP_DOTS), 1);
        assert_eq!(dot_step(STRIP_DOTS + 1), 2);
        assert_eq!(dot_step(100_000), 10);
        assert_eq!(dot_note(&[strip(STRIP_DOTS)]), "one dot per event");
        assert_eq!(
            dot_note(&[strip(100_000), strip(5_000)]),
            "one dot per 10 events"
        );
    }
}
