//! The one visual theme shared by every evimpact chart: canvas size, fonts, colours,
//! margins. Sizes are in pixels of the 1600×1000 canvas and chosen so that text stays
//! legible when the PNG is shown at half size (800×500).

use plotters::style::RGBColor;

/// Canvas size in pixels (width, height).
pub const CANVAS: (u32, u32) = (1600, 1000);

/// Font family every chart asks for; `register_fonts` binds it to the embedded
/// DejaVu Sans (the PNGs). Bold/italic requests fall back to the normal face. The SVGs
/// carry the name as their `font-family`: DejaVu Sans where the viewer has it, else
/// Verdana (as wide, so no text grows past the room laid out for it), else the viewer's
/// sans-serif.
pub const FONT_FAMILY: &str = "DejaVu Sans, Verdana, sans-serif";

/// Font sizes (plotters' `ab_glyph` size: ascender-to-descender height in pixels).
pub const TITLE_SIZE: f64 = 46.0;
pub const SUBTITLE_SIZE: f64 = 30.0;
pub const AXIS_LABEL_SIZE: f64 = 32.0;
pub const TICK_SIZE: f64 = 27.0;
pub const LEGEND_SIZE: f64 = 27.0;
/// In-plot annotations such as the "day 0" marker label.
pub const ANNOTATION_SIZE: f64 = 26.0;

/// Text colours.
pub const TEXT: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
pub const TEXT_MUTED: RGBColor = RGBColor(0x55, 0x55, 0x55);

/// Background, axes and grid.
pub const BACKGROUND: RGBColor = RGBColor(0xff, 0xff, 0xff);
pub const AXIS: RGBColor = RGBColor(0x33, 0x33, 0x33);
pub const GRID: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);
/// Horizontal zero line (CAR = 0).
pub const ZERO_LINE: RGBColor = RGBColor(0x44, 0x44, 0x44);
/// Vertical event-day (τ = 0) marker.
pub const EVENT_LINE: RGBColor = RGBColor(0x44, 0x44, 0x44);
pub const LEGEND_BORDER: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);

/// Series palette: Okabe–Ito (colour-blind safe; the pale yellow is left out because it
/// vanishes on white, and black because the CAAR line is black), then four of Paul Tol's
/// colour-blind-safe "muted" colours for series 7–10. Beyond that colours repeat, but the marker shape (see
/// [`MARKERS`]) cycles with a different period, so no two of the first 40 series look alike.
pub const PALETTE: [RGBColor; 10] = [
    RGBColor(0x00, 0x72, 0xb2), // blue
    RGBColor(0xd5, 0x5e, 0x00), // vermillion
    RGBColor(0x00, 0x9e, 0x73), // bluish green
    RGBColor(0xcc, 0x79, 0xa7), // reddish purple
    RGBColor(0xe6, 0x9f, 0x00), // orange
    RGBColor(0x56, 0xb4, 0xe9), // sky blue
    RGBColor(0x88, 0x22, 0x55), // wine (Tol)
    RGBColor(0x99, 0x99, 0x33), // olive (Tol)
    RGBColor(0x33, 0x22, 0x88), // indigo (Tol)
    RGBColor(0x44, 0xaa, 0x99), // teal (Tol)
];

/// Colour of series `i` (cycles through [`PALETTE`]).
pub fn series_color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Point-marker shapes; series `i` uses `MARKERS[i % MARKERS.len()]`, which also keeps
/// series apart in greyscale print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Square,
    Triangle,
    Diamond,
}

pub const MARKERS: [Marker; 4] = [
    Marker::Circle,
    Marker::Square,
    Marker::Triangle,
    Marker::Diamond,
];

/// Marker shape of series `i`.
pub fn series_marker(i: usize) -> Marker {
    MARKERS[i % MARKERS.len()]
}

/// Line and marker geometry.
pub const LINE_WIDTH: u32 = 4;
pub const MARKER_RADIUS: i32 = 7;
/// Below this many pixels per session, regular points get no marker (long windows).
pub const MIN_MARKER_SPACING: u32 = 22;
pub const MARKER_STROKE: u32 = 2;
pub const REFERENCE_LINE_WIDTH: u32 = 2;
pub const AXIS_WIDTH: u32 = 2;

/// Suspended sessions are shaded as vertical bands in the series' colour at this alpha.
pub const SUSPENDED_ALPHA: f64 = 0.16;
/// Neutral colour of the "shaded: suspended" legend swatch (drawn at [`SUSPENDED_ALPHA`]
/// × 2 so it reads as the overlap of a band).
pub const SUSPENDED_SWATCH: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// Outer margin around the whole figure.
pub const MARGIN: u32 = 30;
/// Height reserved above the plot for title and subtitle.
pub const HEADER_HEIGHT: u32 = 120;
/// Header height when there is a title but no subtitle.
pub const HEADER_HEIGHT_TITLE_ONLY: u32 = 78;
/// Space left of the y axis beyond the widest tick label: tick mark, gaps and the
/// rotated axis description.
pub const Y_LABEL_EXTRA: u32 = 76;
/// Gap between the header and the top of the plot (the legend box aligns with it).
pub const PLOT_TOP_GAP: u32 = 8;
/// Space for the x-axis tick labels + axis description.
pub const X_LABEL_AREA: u32 = 100;
/// Gap between the plot and the legend panel on its right.
pub const LEGEND_GAP: u32 = 30;
/// Legend panel width limits (the width follows the longest label).
pub const LEGEND_MIN_WIDTH: u32 = 260;
pub const LEGEND_MAX_WIDTH: u32 = 520;
/// Legend inner padding and row height.
pub const LEGEND_PADDING: i32 = 18;
pub const LEGEND_ROW: i32 = 42;
/// Length of the line sample drawn in front of each legend label.
pub const LEGEND_SAMPLE: i32 = 56;

/// Fraction of the data span added above and below the y range.
pub const Y_PADDING: f64 = 0.08;

/// Left inset of the title and subtitle (aligned with a typical y axis).
pub const HEADER_INSET: i32 = 110;

/// Beyond this many series, charts stop giving each its own colour and legend row.
pub const MAX_LEGEND_SERIES: usize = 12;
/// Colour and alpha of individual paths when there are many.
pub const MANY_PATH: RGBColor = RGBColor(0x60, 0x60, 0x60);
pub const MANY_PATH_ALPHA: f64 = 0.25;

/// The cross-sectional mean (CAAR, mean abnormal volume): thick near-black line.
pub const CAAR: RGBColor = RGBColor(0x1a, 0x1a, 0x1a);
pub const CAAR_WIDTH: u32 = 6;
/// Confidence bands.
pub const BAND: RGBColor = RGBColor(0x00, 0x72, 0xb2);
pub const BAND_ALPHA: f64 = 0.16;
/// The band drawn over many grey paths: coloured so that it stands out.
pub const BAND_MANY: RGBColor = RGBColor(0x00, 0x72, 0xb2);
pub const BAND_MANY_ALPHA: f64 = 0.35;

/// Exchange closed (holidays) in date-axis charts: light grey.
pub const CLOSED: RGBColor = RGBColor(0xbb, 0xbb, 0xbb);
pub const CLOSED_ALPHA: f64 = 0.35;
/// Markers of other events from the event file.
pub const OTHER_EVENT: RGBColor = RGBColor(0x88, 0x22, 0x55);

/// Bars: positive and negative abnormal returns, whiskers.
pub const BAR_POSITIVE: RGBColor = RGBColor(0x00, 0x72, 0xb2);
pub const BAR_NEGATIVE: RGBColor = RGBColor(0xd5, 0x5e, 0x00);
pub const WHISKER: RGBColor = RGBColor(0x22, 0x22, 0x22);

/// Small-multiple panels: panel title size and gaps.
pub const PANEL_TITLE_SIZE: f64 = 30.0;
pub const PANEL_GAP: u32 = 16;
/// Tick font in small multiples (still ≥ 12 px at half size).
pub const PANEL_TICK_SIZE: f64 = 25.0;

/// Distribution (strip) plot: points up to this N are drawn large and, up to
/// [`STRIP_LABEL_MAX`], labelled.
pub const STRIP_BIG_N: usize = 60;
pub const STRIP_LABEL_MAX: usize = 10;

#[cfg(test)]
mod palette_tests {
    use super::*;

    /// No series colour can be taken for the CAAR line (black) or for another series: every
    /// pair of colours, and each colour against CAAR, differs by at least 60 in some channel.
    #[test]
    fn series_colours_stand_apart_from_the_caar_line_and_each_other() {
        let far = |a: RGBColor, b: RGBColor| {
            let d = |x: u8, y: u8| (i32::from(x) - i32::from(y)).abs();
            d(a.0, b.0).max(d(a.1, b.1)).max(d(a.2, b.2)) >= 60
        };
        for (i, c) in PALETTE.iter().enumerate() {
            assert!(far(*c, CAAR), "series {i} looks like the CAAR line");
            for (j, o) in PALETTE.iter().enumerate().skip(i + 1) {
                assert!(far(*c, *o), "series {i} and {j}");
            }
        }
    }
}
