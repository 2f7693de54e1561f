//! Charts: PNG figures drawn with plotters' bitmap backend. Text uses the embedded
//! DejaVu Sans through plotters' `ab_glyph` feature (no system fonts involved), so a
//! chart renders the same on every machine. Look and sizes live in [`theme`].

mod bars;
pub mod legend;
mod price;
mod strip;
mod tests_chart;
pub mod theme;
mod volume;

pub use bars::{ArBarPanel, ar_bars};
pub use price::{DayKind, PriceDay, PricePanel, price_panel};
pub use strip::{Strip, car_distribution};
pub use tests_chart::{TestsChart, test_statistics};
pub use volume::{VolumeSeries, abnormal_volume};

use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::{Context, Result, anyhow, bail};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use legend::{Entry, Legend, Swatch};
use theme::Marker;

const SUSPENDED_TEXT: &str = "shaded: suspended";
const CARRIED_TEXT: &str = "open marker: CAR carried";

/// DejaVu Sans (Bitstream Vera license, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

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

/// Registers the embedded DejaVu Sans as the plotters font family
/// [`theme::FONT_FAMILY`]. Idempotent and thread-safe; every chart function calls it,
/// and other chart kinds must call it before drawing text.
pub fn register_fonts() -> Result<()> {
    static REGISTERED: OnceLock<std::result::Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            plotters::style::register_font(theme::FONT_FAMILY, FontStyle::Normal, FONT)
                // InvalidFont has no Debug/Display.
                .map_err(|_| "embedded font DejaVuSans.ttf could not be parsed".to_string())
        })
        .clone()
        .map_err(|e| anyhow!(e))
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
    register_fonts()?;
    validate(series)?;
    write_png_atomically(path, |root| {
        draw_car_paths(root, title, subtitle, series, caar)
    })
    .with_context(|| format!("writing CAR chart {}", path.display()))
}

/// Draws the CAR-path chart onto any plotters drawing area (the PNG writer and the
/// in-memory tests share this). Validates `series` like [`car_paths`]; fonts must be
/// registered ([`register_fonts`]) — this function does that too.
///
/// With more than [`theme::MAX_LEGEND_SERIES`] series the individual paths are drawn
/// thin and grey without markers or shading (useful up to thousands of events) and the
/// CAAR path carries the message.
pub fn draw_car_paths<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    series: &[CarSeries],
    caar: Option<&CaarPath>,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    register_fonts()?;
    validate(series)?;
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
    let many = series.len() > theme::MAX_LEGEND_SERIES;

    let (tau_lo, tau_hi) = tau_range(series).context("no event times")?;
    let caar_values = caar
        .into_iter()
        .flat_map(|c| c.caar.iter().chain(&c.lower).chain(&c.upper).flatten());
    let y_axis = YAxis::for_values(
        series
            .iter()
            .flat_map(|s| s.car.iter().flatten())
            .chain(caar_values)
            .map(|v| v * 100.0),
    )
    .context("no CAR values")?;
    let x_range = (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5);

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
        entries.push(Entry::new(
            Swatch::Line {
                color: theme::MANY_PATH,
                width: 2,
                marker: None,
            },
            format!("CAR of each event ({})", series.len()),
        ));
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
        notes.push(Entry::new(
            Swatch::Line {
                color: theme::CAAR,
                width: theme::CAAR_WIDTH,
                marker: None,
            },
            c.label.clone(),
        ));
        if c.lower.iter().any(Option::is_some) {
            notes.push(Entry::new(
                Swatch::Band {
                    color: if many { theme::BAND_MANY } else { theme::BAND },
                    alpha: if many {
                        theme::BAND_MANY_ALPHA
                    } else {
                        theme::BAND_ALPHA
                    },
                },
                c.band_label.clone(),
            ));
        }
    }
    if any_suspended {
        notes.push(Entry::new(
            Swatch::Band {
                color: theme::SUSPENDED_SWATCH,
                alpha: theme::SUSPENDED_ALPHA * 2.0,
            },
            SUSPENDED_TEXT,
        ));
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

    let (plot_area, legend_area, legend) = layout(root, title, subtitle, &entries, &notes)?;
    let mut chart = tau_chart(
        &plot_area,
        root,
        tau_lo,
        tau_hi,
        &y_axis,
        "Event time τ (trading sessions)",
        "CAR (%)",
    )?;
    let (y_lo, y_hi) = (y_axis.range.start, y_axis.range.end);

    // Suspended sessions: one band per run of consecutive suspended taus, half a
    // session either side, in the series' colour at low alpha.
    if !many {
        draw_suspended_bands(
            &mut chart,
            series.iter().map(|s| (&s.taus[..], &s.suspended[..])),
            y_lo,
            y_hi,
        )?;
    }
    // The CAAR band below the paths, or over them (in colour) when they are many.
    let band_color = if many { theme::BAND_MANY } else { theme::BAND };
    let band_alpha = if many {
        theme::BAND_MANY_ALPHA
    } else {
        theme::BAND_ALPHA
    };
    let draw_band =
        |chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, TickedAxis>>| -> Result<()> {
            if let Some(c) = caar {
                for poly in band_polygons(&c.taus, &c.lower, &c.upper) {
                    chart.draw_series(std::iter::once(Polygon::new(
                        poly,
                        band_color.mix(band_alpha).filled(),
                    )))?;
                }
            }
            Ok(())
        };
    if !many {
        draw_band(&mut chart)?;
    }

    draw_zero_and_day0(&mut chart, &x_range, tau_lo, tau_hi, y_hi, y_lo)?;

    // Paths, broken at every missing value.
    for (i, s) in series.iter().enumerate() {
        let style = if many {
            theme::MANY_PATH.mix(theme::MANY_PATH_ALPHA).stroke_width(2)
        } else {
            theme::series_color(i).stroke_width(theme::LINE_WIDTH)
        };
        for segment in segments(&s.taus, &s.car) {
            if segment.len() >= 2 {
                chart.draw_series(LineSeries::new(segment, style))?;
            }
        }
    }
    if many {
        draw_band(&mut chart)?;
    }
    if let Some(c) = caar {
        for segment in segments(&c.taus, &c.caar) {
            if segment.len() >= 2 {
                chart.draw_series(LineSeries::new(
                    segment,
                    theme::CAAR.stroke_width(theme::CAAR_WIDTH),
                ))?;
            }
        }
    }
    // Markers on top of all lines; hollow where the security was suspended (value
    // carried by the caller). In long windows (sessions closer than
    // theme::MIN_MARKER_SPACING px) only suspended and isolated points get a marker,
    // smaller, so the line stays readable.
    if !many {
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
                let isolated = (k == 0 || s.car[k - 1].is_none())
                    && s.car.get(k + 1).is_none_or(Option::is_none);
                if !dense || susp || isolated {
                    let at = (f64::from(tau), v * 100.0);
                    draw_marker(plotting, at, marker, color, susp, radius)?;
                }
            }
        }
    }

    legend.draw(&legend_area)?;
    Ok(())
}

/// A plot over event time τ on `plot_area`: integer x ticks (labels thinned when they
/// crowd), the y axis of `y_axis`, grid, axis descriptions. `root` is used to measure text.
fn tau_chart<'a, DB>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    tau_lo: i32,
    tau_hi: i32,
    y_axis: &YAxis,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let d = y_axis.decimals;
    tau_chart_with(
        plot_area,
        root,
        tau_lo,
        tau_hi,
        y_axis,
        &move |y: &f64| fmt_number(*y, d),
        x_desc,
        y_desc,
    )
}

/// [`tau_chart`] with a custom y label formatter.
#[allow(clippy::too_many_arguments)]
fn tau_chart_with<'a, DB>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    tau_lo: i32,
    tau_hi: i32,
    y_axis: &YAxis,
    y_fmt: &dyn Fn(&f64) -> String,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let ticks = x_ticks(tau_lo, tau_hi);
    let every = x_label_step(&ticks);
    let x_fmt = move |x: &f64| {
        if (x.round() as i64).rem_euclid(every) == 0 {
            fmt_number(*x, 0)
        } else {
            String::new()
        }
    };
    let x = TickedAxis {
        range: (f64::from(tau_lo) - 0.5)..(f64::from(tau_hi) + 0.5),
        ticks,
    };
    plot_frame(plot_area, root, x, y_axis, &x_fmt, y_fmt, x_desc, y_desc)
}

/// Sizes of a plot frame: the full-size house style or the compact one of small
/// multiples.
#[derive(Debug, Clone, Copy)]
struct FrameStyle {
    tick: f64,
    desc: f64,
    x_area: u32,
    y_extra: u32,
    right: u32,
    top: u32,
}

const FULL: FrameStyle = FrameStyle {
    tick: theme::TICK_SIZE,
    desc: theme::AXIS_LABEL_SIZE,
    x_area: theme::X_LABEL_AREA,
    y_extra: theme::Y_LABEL_EXTRA,
    right: theme::LEGEND_GAP,
    top: theme::PLOT_TOP_GAP,
};

const COMPACT: FrameStyle = FrameStyle {
    tick: theme::PANEL_TICK_SIZE,
    desc: theme::PANEL_TICK_SIZE,
    x_area: 78,
    y_extra: 62,
    right: 14,
    top: 6,
};

/// A Cartesian plot with explicit ticks and label formatters, in the house style.
#[allow(clippy::too_many_arguments)]
fn plot_frame<'a, DB>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    x: TickedAxis,
    y_axis: &YAxis,
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
    x_desc: &str,
    y_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    styled_frame(
        plot_area, root, x, y_axis, x_fmt, y_fmt, x_desc, y_desc, FULL,
    )
}

#[allow(clippy::too_many_arguments)]
fn styled_frame<'a, DB>(
    plot_area: &'a DrawingArea<DB, Shift>,
    root: &DrawingArea<DB, Shift>,
    x: TickedAxis,
    y_axis: &YAxis,
    x_fmt: &dyn Fn(&f64) -> String,
    y_fmt: &dyn Fn(&f64) -> String,
    x_desc: &str,
    y_desc: &str,
    st: FrameStyle,
) -> Result<ChartContext<'a, DB, Cartesian2d<TickedAxis, TickedAxis>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let tick_font = (theme::FONT_FAMILY, st.tick)
        .into_font()
        .color(&theme::TEXT);
    let mut widest_y_label = 0;
    for t in &y_axis.ticks {
        widest_y_label = widest_y_label.max(root.estimate_text_size(&y_fmt(t), &tick_font)?.0);
    }
    let desc_font = (theme::FONT_FAMILY, st.desc)
        .into_font()
        .color(&theme::TEXT);
    let x_area = if x_desc.is_empty() {
        st.x_area.saturating_sub((st.desc * 1.3) as u32)
    } else {
        st.x_area
    };
    let y_area = widest_y_label
        + if y_desc.is_empty() {
            st.y_extra.saturating_sub((st.desc * 1.3) as u32)
        } else {
            st.y_extra
        };
    let mut chart = ChartBuilder::on(plot_area)
        .margin_right(st.right)
        .margin_top(st.top)
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(
            x,
            TickedAxis {
                range: y_axis.range.clone(),
                ticks: y_axis.ticks.clone(),
            },
        )?;
    chart
        .configure_mesh()
        .bold_line_style(theme::GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(theme::AXIS.stroke_width(theme::AXIS_WIDTH))
        .set_all_tick_mark_size(8)
        .label_style(tick_font)
        .axis_desc_style(desc_font)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .x_label_formatter(x_fmt)
        .y_label_formatter(y_fmt)
        .draw()?;
    Ok(chart)
}

/// Splits `area` into a grid of `n` small-multiple panels (at most 3 columns) and returns
/// each panel's area below its title, which is drawn in the top-left of the panel.
fn panels<DB>(
    area: &DrawingArea<DB, Shift>,
    titles: &[String],
) -> Result<Vec<DrawingArea<DB, Shift>>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let n = titles.len().max(1);
    let cols = match n {
        1 => 1,
        2 | 4 => 2,
        _ => 3,
    };
    let rows = n.div_ceil(cols);
    let cells = area.split_evenly((rows, cols));
    let font = (theme::FONT_FAMILY, theme::PANEL_TITLE_SIZE)
        .into_font()
        .color(&theme::TEXT)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let title_h = theme::PANEL_TITLE_SIZE as u32 + 12;
    let mut out = Vec::with_capacity(titles.len());
    for (cell, title) in cells.into_iter().zip(titles) {
        let cell = cell.margin(
            theme::PANEL_GAP / 2,
            theme::PANEL_GAP / 2,
            0,
            theme::PANEL_GAP,
        );
        let (w, _) = cell.dim_in_pixel();
        let t = fit_text(&cell, title, &font, w.saturating_sub(80))?;
        let (head, body) = cell.split_vertically(title_h);
        head.draw_text(&t, &font, (70, 2))?;
        out.push(body);
    }
    Ok(out)
}

/// A one-line legend of (swatch, label) items laid out left to right (small multiples).
fn footer_legend<DB>(area: &DrawingArea<DB, Shift>, items: &[Entry]) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let font = legend::legend_font().pos(Pos::new(HPos::Left, VPos::Center));
    let (_, h) = area.dim_in_pixel();
    let cy = h as i32 / 2;
    let mut x = 70;
    for e in items {
        let sub = area.margin(0, 0, x, 0);
        legend::draw_swatch_at(&sub, e.swatch, cy)?;
        let tx = x + theme::LEGEND_PADDING + theme::LEGEND_SAMPLE + 10;
        area.draw_text(&e.label, &font, (tx, cy))?;
        x = tx + area.estimate_text_size(&e.label, &font)?.0 as i32 + 36;
    }
    Ok(())
}

/// Plot area, legend area and the laid-out legend.
type Layout<DB> = (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>, Legend);

/// Background, header (title, subtitle) and the split of the rest into plot and legend.
fn layout<DB>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    series: &[Entry],
    notes: &[Entry],
) -> Result<Layout<DB>>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    root.fill(&theme::BACKGROUND)?;
    let area = root.margin(theme::MARGIN, theme::MARGIN, theme::MARGIN, theme::MARGIN);
    let header_height = header_height(title, subtitle);
    let (header, body) = area.split_vertically(header_height);
    let legend = Legend::build(&body, series, notes)?;
    let (body_w, _) = body.dim_in_pixel();
    let (plot_area, legend_area) = if series.is_empty() && notes.is_empty() {
        (body.clone(), body.margin(0, 0, body_w as i32, 0))
    } else {
        body.split_horizontally(body_w.saturating_sub(legend.width))
    };
    draw_header(&header, title, subtitle, theme::HEADER_INSET)?;
    Ok((plot_area, legend_area, legend))
}

fn header_height(title: &str, subtitle: &str) -> u32 {
    match (title.is_empty(), subtitle.is_empty()) {
        (_, false) => theme::HEADER_HEIGHT,
        (false, true) => theme::HEADER_HEIGHT_TITLE_ONLY,
        (true, true) => 0,
    }
}

/// The y = 0 line and the dashed, labelled τ = 0 line.
fn draw_zero_and_day0<DB>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, TickedAxis>>,
    x_range: &std::ops::Range<f64>,
    tau_lo: i32,
    tau_hi: i32,
    y_hi: f64,
    y_lo: f64,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(x_range.start, 0.0), (x_range.end, 0.0)],
        theme::ZERO_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
    )))?;
    if (tau_lo..=tau_hi).contains(&0) {
        chart.draw_series(DashedLineSeries::new(
            vec![(0.0, y_lo), (0.0, y_hi)],
            12,
            8,
            theme::EVENT_LINE.stroke_width(theme::REFERENCE_LINE_WIDTH),
        ))?;
        let (hpos, dx) = if tau_hi >= 2 {
            (HPos::Left, 10)
        } else {
            (HPos::Right, -10)
        };
        let label_font = (theme::FONT_FAMILY, theme::ANNOTATION_SIZE)
            .into_font()
            .color(&theme::TEXT_MUTED)
            .pos(Pos::new(hpos, VPos::Top));
        chart.draw_series(std::iter::once(
            EmptyElement::at((0.0, y_hi)) + Text::new("day 0", (dx, 12), label_font),
        ))?;
    }
    Ok(())
}

/// Closed polygons (in percent) of a band over maximal runs where both bounds exist.
fn band_polygons(
    taus: &[i32],
    lower: &[Option<f64>],
    upper: &[Option<f64>],
) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut run: Vec<(f64, f64, f64)> = Vec::new();
    let flush = |run: &mut Vec<(f64, f64, f64)>, out: &mut Vec<Vec<(f64, f64)>>| {
        if run.len() >= 2 {
            let mut poly: Vec<(f64, f64)> = run.iter().map(|&(t, _, u)| (t, u)).collect();
            poly.extend(run.iter().rev().map(|&(t, l, _)| (t, l)));
            out.push(poly);
        }
        run.clear();
    };
    for ((&t, l), u) in taus.iter().zip(lower).zip(upper) {
        match (l, u) {
            (Some(l), Some(u)) => run.push((f64::from(t), l * 100.0, u * 100.0)),
            _ => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Title (large) and subtitle (muted) in the header band, left-aligned with the plot's
/// y axis.
fn draw_header<DB>(
    header: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
    x: i32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let title_font = (theme::FONT_FAMILY, theme::TITLE_SIZE)
        .into_font()
        .color(&theme::TEXT)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let sub_font = (theme::FONT_FAMILY, theme::SUBTITLE_SIZE)
        .into_font()
        .color(&theme::TEXT_MUTED)
        .pos(Pos::new(HPos::Left, VPos::Top));
    let (w, _) = header.dim_in_pixel();
    let room = w.saturating_sub(x.max(0) as u32 + 10);
    let title = fit_text(header, title, &title_font, room)?;
    header.draw_text(&title, &title_font, (x, 12))?;
    if !subtitle.is_empty() {
        let subtitle = fit_text(header, subtitle, &sub_font, room)?;
        header.draw_text(
            &subtitle,
            &sub_font,
            (x, 12 + theme::TITLE_SIZE as i32 + 14),
        )?;
    }
    Ok(())
}

/// Draws one point marker centred at `at` (in `area`'s coordinates).
fn draw_marker<DB, CT>(
    area: &DrawingArea<DB, CT>,
    at: CT::From,
    marker: Marker,
    color: RGBColor,
    hollow: bool,
    r: i32,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
    CT: CoordTranslate,
{
    let fill = if hollow {
        theme::BACKGROUND.filled()
    } else {
        color.filled()
    };
    let stroke = color.stroke_width(theme::MARKER_STROKE);
    let vertices: Vec<(i32, i32)> = match marker {
        Marker::Circle => {
            area.draw(
                &(EmptyElement::at(at)
                    + Circle::new((0, 0), r, fill)
                    + Circle::new((0, 0), r, stroke)),
            )?;
            return Ok(());
        }
        // Squares and diamonds look larger than a circle of the same radius.
        Marker::Square => {
            let h = r * 85 / 100;
            vec![(-h, -h), (h, -h), (h, h), (-h, h)]
        }
        Marker::Diamond => {
            let h = r * 115 / 100;
            vec![(0, -h), (h, 0), (0, h), (-h, 0)]
        }
        Marker::Triangle => {
            let h = r * 120 / 100;
            vec![(0, -h), (h * 87 / 100, h / 2), (-h * 87 / 100, h / 2)]
        }
    };
    let mut outline = vertices.clone();
    outline.push(vertices[0]);
    area.draw(
        &(EmptyElement::at(at) + Polygon::new(vertices, fill) + PathElement::new(outline, stroke)),
    )?;
    Ok(())
}

/// `text`, shortened with "…" until it fits in `max_width` pixels.
fn fit_text<DB>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle<'_>,
    max_width: u32,
) -> Result<String>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    if area.estimate_text_size(text, font)?.0 <= max_width {
        return Ok(text.to_string());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>().trim_end().to_string() + "…";
        if area.estimate_text_size(&candidate, font)?.0 <= max_width {
            return Ok(candidate);
        }
    }
    Ok("…".to_string())
}

/// Rejects input that cannot be drawn.
fn validate(series: &[CarSeries]) -> Result<()> {
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
fn tau_range(series: &[CarSeries]) -> Option<(i32, i32)> {
    let taus = series.iter().flat_map(|s| s.taus.iter().copied());
    let lo = taus.clone().min()?;
    let hi = taus.max()?;
    Some((lo, hi))
}

/// A linear f64 axis with explicit tick positions (plotters' `with_key_points` on an
/// f64 range loses the label formatter).
#[derive(Debug, Clone)]
struct TickedAxis {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
}

impl Ranged for TickedAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.range.end - self.range.start;
        if span <= 0.0 {
            return (limit.0 + limit.1) / 2;
        }
        let frac = (value - self.range.start) / span;
        let px = f64::from(limit.0) + frac * f64::from(limit.1 - limit.0);
        px.round().clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.range.clone()
    }
}

/// Integer x ticks: every session for short windows, else a 1-2-5 step with ≤ 24 ticks.
fn x_ticks(lo: i32, hi: i32) -> Vec<f64> {
    let span = i64::from(hi) - i64::from(lo);
    let mut step: i64 = 1;
    let mut mult = [2, 5, 10].iter().cycle();
    let mut base: i64 = 1;
    while span / step > 24 {
        let m = *mult.next().expect("cycle never ends");
        step = base * m;
        if m == 10 {
            base *= 10;
        }
    }
    let first = (i64::from(lo)).div_euclid(step) * step;
    let first = if first < i64::from(lo) {
        first + step
    } else {
        first
    };
    (0..)
        .map(|k| first + k * step)
        .take_while(|&t| t <= i64::from(hi))
        .map(|t| t as f64)
        .collect()
}

/// Label every `n`-th session so that at most ~13 x labels are shown (labels stay
/// aligned with τ = 0).
fn x_label_step(ticks: &[f64]) -> i64 {
    let step = match ticks {
        [a, b, ..] => (b - a).round() as i64,
        _ => 1,
    };
    if ticks.len() > 13 { 2 * step } else { step }
}

/// The y axis (in percent): padded range that always includes 0, nice ticks, and the
/// number of decimals the tick step needs.
#[derive(Debug, Clone, PartialEq)]
struct YAxis {
    range: std::ops::Range<f64>,
    ticks: Vec<f64>,
    decimals: usize,
}

impl YAxis {
    fn for_values(values: impl Iterator<Item = f64>) -> Option<Self> {
        Self::new(values, true, 9.0)
    }

    /// Like [`YAxis::for_values`]; `include_zero` = false lets the range float (prices).
    fn new(values: impl Iterator<Item = f64>, include_zero: bool, n_ticks: f64) -> Option<Self> {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.filter(|v| v.is_finite()) {
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if !lo.is_finite() || !hi.is_finite() {
            return None;
        }
        if include_zero {
            lo = lo.min(0.0);
            hi = hi.max(0.0);
        }
        let mut span = hi - lo;
        if span < 1e-9 {
            let mid = (lo + hi) / 2.0;
            let half = if mid.abs() > 1.0 {
                mid.abs() * 0.05
            } else {
                1.0
            };
            span = 2.0 * half;
            lo = mid - half;
            hi = mid + half;
        }
        // Extra room at the top for the "day 0" label.
        let range = (lo - span * theme::Y_PADDING)..(hi + span * theme::Y_PADDING * 1.6);
        let (step, decimals) = nice_step((range.end - range.start) / n_ticks);
        let first = (range.start / step).ceil() as i64;
        let last = (range.end / step).floor() as i64;
        let ticks = (first..=last).map(|k| k as f64 * step).collect();
        Some(Self {
            range,
            ticks,
            decimals,
        })
    }
}

/// A 1-2-5 step ≥ `raw` and the decimals needed to print its multiples.
fn nice_step(raw: f64) -> (f64, usize) {
    let exp = raw.log10().floor();
    let base = 10f64.powf(exp);
    let f = raw / base;
    let (m, exp) = if f <= 1.0 {
        (1.0, exp)
    } else if f <= 2.0 {
        (2.0, exp)
    } else if f <= 5.0 {
        (5.0, exp)
    } else {
        (1.0, exp + 1.0)
    };
    let decimals = if exp < 0.0 { (-exp) as usize } else { 0 };
    (m * 10f64.powf(exp), decimals)
}

/// An integer with thousands separators: 10000 → "10,000".
fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Tick label with a typographic minus sign and no "-0".
fn fmt_number(v: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, v);
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        Some(rest) => format!("\u{2212}{rest}"),
        None => s,
    }
}

/// Runs of consecutive (by index) flagged taus as (first tau, last tau).
/// Tick labels of a category axis: category i sits at x = i; other positions are blank.
fn category_labels(labels: Vec<String>) -> impl Fn(&f64) -> String {
    move |x: &f64| {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    }
}

/// Suspended sessions of each series as vertical bands: one per run of consecutive
/// suspended taus, half a session either side, in the series' colour at low alpha.
fn draw_suspended_bands<'s, DB>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<TickedAxis, TickedAxis>>,
    series: impl Iterator<Item = (&'s [i32], &'s [bool])>,
    y_lo: f64,
    y_hi: f64,
) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    for (i, (taus, suspended)) in series.enumerate() {
        let fill = theme::series_color(i).mix(theme::SUSPENDED_ALPHA).filled();
        for (a, b) in suspended_runs(taus, suspended) {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(f64::from(a) - 0.5, y_lo), (f64::from(b) + 0.5, y_hi)],
                fill,
            )))?;
        }
    }
    Ok(())
}

fn suspended_runs(taus: &[i32], flags: &[bool]) -> Vec<(i32, i32)> {
    let mut runs = Vec::new();
    let mut current: Option<(i32, i32)> = None;
    for (&tau, &susp) in taus.iter().zip(flags) {
        current = match (current, susp) {
            (Some((a, _)), true) => Some((a, tau)),
            (None, true) => Some((tau, tau)),
            (Some(run), false) => {
                runs.push(run);
                None
            }
            (None, false) => None,
        };
    }
    runs.extend(current);
    runs
}

/// Maximal runs of present values as (tau, value in %) points.
fn segments(taus: &[i32], values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut out = Vec::new();
    let mut cur = Vec::new();
    for (&tau, v) in taus.iter().zip(values) {
        match v {
            Some(v) => cur.push((f64::from(tau), v * 100.0)),
            None if !cur.is_empty() => out.push(std::mem::take(&mut cur)),
            None => {}
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Renders into a temporary PNG next to `path` and renames it into place; on any error
/// the temporary file is removed and `path` is untouched.
fn write_png_atomically<F>(path: &Path, draw: F) -> Result<()>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
{
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| anyhow!("not a file path: {}", path.display()))?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating directory {}", dir.display()))?;

    static COUNTER: AtomicU64 = AtomicU64::new(0);
    // The ".png" suffix tells the encoder the format.
    let tmp = dir.join(format!(
        ".{}.{}-{}.tmp.png",
        name.to_string_lossy(),
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));

    let rendered = (|| -> Result<()> {
        let root = BitMapBackend::new(&tmp, theme::CANVAS).into_drawing_area();
        draw(&root)?;
        root.present()?;
        Ok(())
        // `root` is dropped here; a failed draw may make its Drop write `tmp`, which is
        // removed below.
    })();
    let result = rendered.and_then(|()| {
        std::fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
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
        // Only the final file is left, no temporary.
        let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("car.png")]);
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
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("/tmp/car_demo.png"));
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

#[cfg(test)]
mod kind_tests {
    //! Every chart kind renders into a buffer, is not blank, and rejects bad input.
    use super::*;
    use chrono::NaiveDate;

    fn render(draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>) -> Vec<u8> {
        let (w, h) = theme::CANVAS;
        let mut buf = vec![0u8; (w * h * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, theme::CANVAS).into_drawing_area();
            draw(&root).expect("draws");
            root.present().expect("present");
        }
        buf
    }

    fn variance(buf: &[u8]) -> f64 {
        let lum: Vec<f64> = buf
            .chunks_exact(3)
            .map(|p| 0.299 * f64::from(p[0]) + 0.587 * f64::from(p[1]) + 0.114 * f64::from(p[2]))
            .collect();
        let m = lum.iter().sum::<f64>() / lum.len() as f64;
        lum.iter().map(|l| (l - m).powi(2)).sum::<f64>() / lum.len() as f64
    }

    /// Deterministic pseudo-random numbers in [-1, 1) (a 64-bit LCG; no dependency).
    fn noise(n: usize, seed: u64) -> Vec<f64> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                ((x >> 11) as f64 / (1u64 << 53) as f64) * 2.0 - 1.0
            })
            .collect()
    }

    fn bars(label: &str, seed: u64) -> ArBarPanel {
        let taus: Vec<i32> = (-10..=10).collect();
        let e = noise(taus.len(), seed);
        let mut p = ArBarPanel {
            label: label.into(),
            ar: e.iter().map(|v| Some(v * 0.03)).collect(),
            half_width: vec![Some(0.04); taus.len()],
            suspended: vec![false; taus.len()],
            span: vec![1; taus.len()],
            taus,
        };
        for k in [10, 11] {
            p.ar[k] = None;
            p.half_width[k] = None;
            p.suspended[k] = true;
            p.span[k] = 0;
        }
        p.span[12] = 3;
        p
    }

    #[test]
    fn ar_bars_render_and_validate() {
        let panels: Vec<_> = (0..4).map(|i| bars(&format!("S{i}"), i)).collect();
        let buf = render(|r| bars::draw_ar_bars(r, "AR", "sub", &panels));
        assert!(variance(&buf) > 500.0);
        // Both bar colours are drawn.
        for c in [theme::BAR_POSITIVE, theme::BAR_NEGATIVE] {
            let n = buf
                .chunks_exact(3)
                .filter(|p| p == &[c.0, c.1, c.2])
                .count();
            assert!(n > 1000, "{c:?}: {n} px");
        }
        let dir = tempfile::tempdir().expect("tmp");
        let mut bad = bars("bad", 1);
        bad.span.pop();
        assert!(ar_bars(&dir.path().join("a.png"), "t", "s", &[bad]).is_err());
        let ten: Vec<_> = (0..10).map(|i| bars("x", i)).collect();
        assert!(ar_bars(&dir.path().join("a.png"), "t", "s", &ten).is_err());
        assert!(!dir.path().join("a.png").exists());
    }

    fn strips(n: usize) -> (Vec<Strip>, Vec<String>) {
        let names: Vec<String> = (0..n).map(|i| format!("{i:06}.SZ Firm {i}")).collect();
        let strips = (0..3)
            .map(|w| {
                let values: Vec<(usize, f64)> = noise(n, w as u64 + 7)
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| (i, v * 0.1 - 0.02))
                    .collect();
                let mean = values.iter().map(|v| v.1).sum::<f64>() / n as f64;
                Strip {
                    label: format!("[0, +{w}]"),
                    quantiles: Some([-0.1, -0.05, -0.02, 0.03, 0.07]),
                    values,
                    mean,
                }
            })
            .collect();
        (strips, names)
    }

    #[test]
    fn car_distribution_renders_from_4_to_10000_events() {
        for n in [4, 40, 10_000] {
            let (s, names) = strips(n);
            let buf = render(|r| strip::draw_car_distribution(r, "CAR", "sub", &s, &names));
            assert!(variance(&buf) > 300.0, "N = {n}");
        }
        let (mut s, names) = strips(4);
        s[0].values[0].0 = 99;
        let dir = tempfile::tempdir().expect("tmp");
        assert!(car_distribution(&dir.path().join("d.png"), "t", "s", &s, &names).is_err());
    }

    #[test]
    fn tests_chart_renders_and_clips_huge_statistics() {
        let c = TestsChart {
            windows: vec!["[-1, +1]".into(), "[0, +5]".into()],
            n: vec![4, 2],
            tests: vec!["a".into(), "b".into()],
            statistic: vec![vec![Some(-2.5), Some(80.0)], vec![None, Some(1.0)]],
            critical: vec![vec![Some(1.96), Some(1.96)], vec![Some(3.18), Some(12.7)]],
        };
        let buf = render(|r| tests_chart::draw_test_statistics(r, "T", "s", &c));
        assert!(variance(&buf) > 300.0);
        let mut bad = c.clone();
        bad.critical.pop();
        let dir = tempfile::tempdir().expect("tmp");
        assert!(test_statistics(&dir.path().join("t.png"), "t", "s", &bad).is_err());
    }

    #[test]
    fn price_panel_renders_gaps_and_rejects_weekends() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let mut days = Vec::new();
        let mut day = d("2019-09-02");
        let mut p = 30.0;
        while day <= d("2019-11-05") {
            use chrono::Datelike;
            if day.weekday().number_from_monday() <= 5 {
                let kind = if (d("2019-10-01")..=d("2019-10-07")).contains(&day) {
                    DayKind::Closed
                } else if (d("2019-10-08")..=d("2019-10-09")).contains(&day) {
                    DayKind::Suspended
                } else if day == d("2019-10-15") {
                    DayKind::LimitLocked
                } else {
                    DayKind::Trading
                };
                p *= 1.0 + 0.01 * noise(1, day.ordinal() as u64)[0];
                let price = matches!(kind, DayKind::Trading | DayKind::LimitLocked).then_some(p);
                days.push(PriceDay {
                    date: day,
                    kind,
                    price,
                });
            }
            day = day.succ_opt().expect("date");
        }
        let panel = PricePanel {
            label: "X".into(),
            days,
            day0: d("2019-10-08"),
            announced: Some(d("2019-10-05")),
            others: vec![(d("2019-10-21"), "OTHER".into())],
        };
        let buf = render(|r| price::draw_price_panel(r, "Price", "sub", &panel));
        assert!(variance(&buf) > 300.0);
        let mut bad = panel.clone();
        bad.days[0].date = d("2019-09-01"); // a Sunday
        let dir = tempfile::tempdir().expect("tmp");
        assert!(price_panel(&dir.path().join("p.png"), "t", "s", &bad).is_err());
    }

    #[test]
    fn volume_renders_few_and_many_series() {
        for n in [3, 200] {
            let series: Vec<VolumeSeries> = (0..n)
                .map(|i| {
                    let taus: Vec<i32> = (-10..=10).collect();
                    VolumeSeries {
                        label: format!("S{i}"),
                        ratio: noise(taus.len(), i as u64)
                            .iter()
                            .map(|v| Some((v * 1.5).exp()))
                            .collect(),
                        suspended: taus.iter().map(|t| *t == 0).collect(),
                        taus,
                    }
                })
                .collect();
            let mean = series[0].clone();
            let buf = render(|r| volume::draw_abnormal_volume(r, "V", "s", &series, Some(&mean)));
            assert!(variance(&buf) > 300.0, "n = {n}");
        }
        let bad = VolumeSeries {
            label: "x".into(),
            taus: vec![0],
            ratio: vec![Some(0.0)],
            suspended: vec![false],
        };
        let dir = tempfile::tempdir().expect("tmp");
        assert!(abnormal_volume(&dir.path().join("v.png"), "t", "s", &[bad], None).is_err());
    }

    /// Writes demo figures for eyeballing: `cargo test --lib kind_tests -- --ignored`.
    #[test]
    #[ignore = "writes /tmp/evimpact-demo-*.png for visual inspection"]
    fn demo_pngs() {
        let (s, names) = strips(10_000);
        car_distribution(
            Path::new("/tmp/evimpact-demo-strip-10000.png"),
            "CAR, N = 10,000",
            "synthetic",
            &s,
            &names,
        )
        .expect("strip");
        let many: Vec<CarSeries> = (0..500)
            .map(|i| {
                let taus: Vec<i32> = (-10..=10).collect();
                let mut acc = 0.0;
                let car = noise(21, i)
                    .iter()
                    .map(|v| {
                        acc += v * 0.01;
                        Some(acc)
                    })
                    .collect();
                CarSeries {
                    label: format!("S{i}"),
                    suspended: vec![false; 21],
                    taus,
                    car,
                }
            })
            .collect();
        let caar = CaarPath {
            taus: (-10..=10).collect(),
            caar: (0..21).map(|k| Some(0.001 * k as f64)).collect(),
            lower: (0..21).map(|k| Some(0.001 * k as f64 - 0.01)).collect(),
            upper: (0..21).map(|k| Some(0.001 * k as f64 + 0.01)).collect(),
            label: "CAAR (N = 500)".into(),
            band_label: "95 % band (J1)".into(),
        };
        car_paths(
            Path::new("/tmp/evimpact-demo-car-500.png"),
            "CAR, 500 events",
            "synthetic",
            &many,
            Some(&caar),
        )
        .expect("car");
    }
}
