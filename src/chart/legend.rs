//! The legend panel shared by every chart: rows of (swatch, label), drawn in a bordered
//! box at the plot's top right. Series rows that do not fit are summarised as "+ N more";
//! note rows (what shading, bands and open markers mean) are always shown.

use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::theme::{self, Marker};
use super::{draw_marker, fit_text};

/// What a legend row shows in front of its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Swatch {
    /// A line sample, optionally with a point marker (a series).
    Line {
        color: RGBColor,
        width: u32,
        marker: Option<Marker>,
    },
    /// A dashed line sample (reference lines).
    Dashed { color: RGBColor, width: u32 },
    /// A dotted line sample (the announcement, distinct from day 0's dashes).
    Dotted { color: RGBColor, width: u32 },
    /// A tinted rectangle (bands, shaded sessions).
    Band { color: RGBColor, alpha: f64 },
    /// A single point marker.
    Point {
        color: RGBColor,
        marker: Marker,
        hollow: bool,
    },
    /// No swatch: a muted text row.
    Text,
}

/// One legend row.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub swatch: Swatch,
    pub label: String,
}

impl Entry {
    pub fn new(swatch: Swatch, label: impl Into<String>) -> Self {
        Entry {
            swatch,
            label: label.into(),
        }
    }

    /// The row of series `i`: its palette colour and marker.
    pub fn series(i: usize, label: impl Into<String>) -> Self {
        Entry::new(
            Swatch::Line {
                color: theme::series_color(i),
                width: theme::LINE_WIDTH,
                marker: Some(theme::series_marker(i)),
            },
            label,
        )
    }

    /// The one row standing for every path when they are many (thin grey lines).
    pub fn many_paths(label: impl Into<String>) -> Self {
        let swatch = Swatch::Line {
            color: theme::MANY_PATH,
            width: 2,
            marker: None,
        };
        Entry::new(swatch, label)
    }

    /// The row of the thick cross-sectional mean path (CAAR, mean volume ratio).
    pub fn mean_path(label: impl Into<String>) -> Self {
        let swatch = Swatch::Line {
            color: theme::CAAR,
            width: theme::CAAR_WIDTH,
            marker: None,
        };
        Entry::new(swatch, label)
    }

    /// The note on the grey shading of suspended sessions.
    pub fn suspended_shading(label: impl Into<String>) -> Self {
        let swatch = Swatch::Band {
            color: theme::SUSPENDED_SWATCH,
            alpha: theme::SUSPENDED_ALPHA * 2.0,
        };
        Entry::new(swatch, label)
    }
}

/// A laid-out legend: its width and the rows that fit.
pub struct Legend {
    pub width: u32,
    /// Row pitch in pixels: `theme::LEGEND_ROW`, tightened (down to `MIN_ROW`) when every
    /// row would not fit otherwise.
    row: i32,
    series: Vec<Entry>,
    notes: Vec<Entry>,
    more: usize,
}

impl Legend {
    /// Lays out `series` rows (truncated to what fits the height of `body` minus the
    /// x-axis area) followed by `notes` rows after a gap.
    pub fn build<DB>(
        body: &DrawingArea<DB, Shift>,
        series: &[Entry],
        notes: &[Entry],
    ) -> Result<Self>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let font = legend_font();
        let text_x = text_offset();
        let max_text =
            (theme::LEGEND_MAX_WIDTH as i32 - text_x - theme::LEGEND_PADDING).max(40) as u32;
        let mut widest = 0u32;
        let mut fit = |entries: &[Entry]| -> Result<Vec<Entry>> {
            entries
                .iter()
                .map(|e| {
                    let label = fit_text(body, &e.label, &font, max_text)?;
                    widest = widest.max(body.estimate_text_size(&label, &font)?.0);
                    Ok(Entry {
                        swatch: e.swatch,
                        label,
                    })
                })
                .collect()
        };
        let mut series = fit(series)?;
        let notes = fit(notes)?;
        let width = (text_x as u32 + widest + theme::LEGEND_PADDING as u32)
            .clamp(theme::LEGEND_MIN_WIDTH, theme::LEGEND_MAX_WIDTH);

        let (_, body_h) = body.dim_in_pixel();
        let extra = notes.len() + usize::from(!notes.is_empty() && !series.is_empty());
        let avail = body_h as i32
            - theme::PLOT_TOP_GAP as i32
            - theme::X_LABEL_AREA as i32
            - 2 * theme::LEGEND_PADDING;
        // Tighten the rows before truncating: every entry stays named while rows are at least
        // MIN_ROW apart (legible with the legend font).
        let wanted = (series.len() + extra).max(1) as i32;
        let row = (avail / wanted).clamp(MIN_ROW, theme::LEGEND_ROW);
        let capacity = (avail / row).max(1) as usize;
        let series_capacity = capacity.saturating_sub(extra).max(1);
        let mut more = 0;
        if series.len() > series_capacity {
            let shown = series_capacity.saturating_sub(1).max(1);
            more = series.len() - shown;
            series.truncate(shown);
        }
        Ok(Legend {
            width,
            row,
            series,
            notes,
            more,
        })
    }

    /// Number of rows drawn (series, "+ N more", gap, notes).
    fn n_rows(&self) -> i32 {
        self.series.len() as i32
            + i32::from(self.more > 0)
            + i32::from(!self.notes.is_empty() && !self.series.is_empty())
            + self.notes.len() as i32
    }

    pub fn draw<DB>(&self, area: &DrawingArea<DB, Shift>) -> Result<()>
    where
        DB: DrawingBackend,
        DB::ErrorType: 'static,
    {
        let font = legend_font().pos(Pos::new(HPos::Left, VPos::Center));
        let muted = font.color(&theme::TEXT_MUTED);
        let pad = theme::LEGEND_PADDING;
        let row = self.row;
        let text_x = text_offset();
        let (w, _) = area.dim_in_pixel();
        let top = theme::PLOT_TOP_GAP as i32;
        let box_bottom = top + 2 * pad + self.n_rows() * row;
        area.draw(&Rectangle::new(
            [(0, top), (w as i32 - 1, box_bottom)],
            theme::BACKGROUND.filled(),
        ))?;
        area.draw(&Rectangle::new(
            [(0, top), (w as i32 - 1, box_bottom)],
            theme::LEGEND_BORDER.stroke_width(1),
        ))?;
        let mut cy = top + pad + row / 2;
        for e in &self.series {
            draw_swatch_at(area, e.swatch, cy)?;
            area.draw_text(&e.label, &font, (text_x, cy))?;
            cy += row;
        }
        if self.more > 0 {
            area.draw_text(&format!("+ {} more", self.more), &muted, (text_x, cy))?;
            cy += row;
        }
        if !self.notes.is_empty() && !self.series.is_empty() {
            cy += row;
        }
        for e in &self.notes {
            draw_swatch_at(area, e.swatch, cy)?;
            let f = if e.swatch == Swatch::Text {
                &muted
            } else {
                &font
            };
            area.draw_text(&e.label, f, (text_x, cy))?;
            cy += row;
        }
        Ok(())
    }
}

/// The tightest row pitch a legend uses before it truncates to "+ N more".
const MIN_ROW: i32 = 32;

/// Draws a swatch at the legend's sample position, centred on row `cy`.
pub fn draw_swatch_at<DB>(area: &DrawingArea<DB, Shift>, swatch: Swatch, cy: i32) -> Result<()>
where
    DB: DrawingBackend,
    DB::ErrorType: 'static,
{
    let x0 = theme::LEGEND_PADDING;
    let x1 = x0 + theme::LEGEND_SAMPLE;
    let mid = (x0 + x1) / 2;
    match swatch {
        Swatch::Line {
            color,
            width,
            marker,
        } => {
            area.draw(&PathElement::new(
                vec![(x0, cy), (x1, cy)],
                color.stroke_width(width),
            ))?;
            if let Some(m) = marker {
                draw_marker(area, (mid, cy), m, color, false, theme::MARKER_RADIUS)?;
            }
        }
        Swatch::Dashed { color, width } | Swatch::Dotted { color, width } => {
            let (dash, step) = if matches!(swatch, Swatch::Dashed { .. }) {
                (10, 16)
            } else {
                (3, 8)
            };
            let mut x = x0;
            while x < x1 {
                let e = (x + dash).min(x1);
                area.draw(&PathElement::new(
                    vec![(x, cy), (e, cy)],
                    color.stroke_width(width),
                ))?;
                x += step;
            }
        }
        Swatch::Band { color, alpha } => {
            let half = MIN_ROW / 2 - 4;
            area.draw(&Rectangle::new(
                [(x0 + 6, cy - half), (x1 - 6, cy + half)],
                color.mix(alpha).filled(),
            ))?;
        }
        Swatch::Point {
            color,
            marker,
            hollow,
        } => draw_marker(area, (mid, cy), marker, color, hollow, theme::MARKER_RADIUS)?,
        Swatch::Text => {}
    }
    Ok(())
}

pub fn legend_font() -> TextStyle<'static> {
    (theme::FONT_FAMILY, theme::LEGEND_SIZE)
        .into_font()
        .color(&theme::TEXT)
}

/// x offset of legend text from the panel's left edge.
fn text_offset() -> i32 {
    theme::LEGEND_PADDING + theme::LEGEND_SAMPLE + 14
}
