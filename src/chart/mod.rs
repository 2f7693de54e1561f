//! Charts: PNG figures drawn with plotters' bitmap backend, and the same figure as SVG
//! (plotters' SVG backend, text as `<text>`) beside each PNG, from one drawing code path
//! generic over the backend (`png::Draw`). PNG text uses the embedded DejaVu Sans through
//! plotters' `ab_glyph` feature (no system fonts involved), so a chart renders the same on
//! every machine; the SVG names the font (with fallbacks) and the viewer draws it. Look and
//! sizes live in [`theme`].

mod axis;
mod bars;
pub mod car_bands;
pub mod car_density;
mod car_paths;
mod frame;
mod group_paths;
pub mod legend;
mod marks;
mod png;
mod power;
mod price;
pub mod render;
pub mod series;
mod strip;
mod tests_chart;
pub mod theme;
mod volume;

use axis::*;
pub use bars::{ArBarPanel, ar_bars};
pub use car_bands::{QuantileBands, car_bands};
pub use car_density::{CarSample, car_density};
pub use car_paths::{CaarPath, CarSeries, car_paths, draw_car_paths};
use frame::*;
pub use group_paths::{group_headline, group_headline_of, group_paths, group_paths_of};
use marks::*;
use png::*;
pub use power::{PowerLine, power_curves};
pub use price::{DayKind, PriceDay, PricePanel, price_panel};
pub use strip::{Strip, car_distribution};
pub use tests_chart::{TestRow, TestsChart, test_statistics};
pub use volume::{VolumeSeries, abnormal_volume};

use std::sync::OnceLock;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

/// DejaVu Sans (Bitstream Vera license, see `assets/fonts/LICENSE-DejaVu.txt`).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

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

#[cfg(test)]
mod kind_tests;
