//! Writing a chart to a PNG file: drawn in memory, then written atomically.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{register_fonts, theme};

/// A chart's PNG writer: registers the fonts, runs `check` (the data's validation, before
/// any folder or file is created), then [`write_png_atomically`] with `draw`; an error while
/// drawing or writing is prefixed "writing {what} {path}".
pub(crate) fn write_chart<F>(
    path: &Path,
    what: &str,
    check: impl FnOnce() -> Result<()>,
    draw: F,
) -> Result<()>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
{
    register_fonts()?;
    check()?;
    write_png_atomically(path, draw).with_context(|| format!("writing {what} {}", path.display()))
}

/// Renders into a temporary PNG next to `path` and renames it into place; on any error
/// the temporary file is removed and `path` is untouched.
pub(crate) fn write_png_atomically<F>(path: &Path, draw: F) -> Result<()>
where
    F: FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> Result<()>,
{
    // The ".png" suffix tells the encoder the format.
    let staged = crate::fsio::Staged::beside(path, ".png")
        .with_context(|| format!("creating the folder of {}", path.display()))?;
    let rendered = (|| -> Result<()> {
        let root = BitMapBackend::new(&staged.tmp, theme::CANVAS).into_drawing_area();
        draw(&root)?;
        root.present()?;
        Ok(())
        // `root` is dropped here; a failed draw may make its Drop write the temporary
        // file, which is removed below.
    })();
    match rendered {
        Ok(()) => {
            let tmp = staged.tmp.clone();
            staged
                .commit()
                .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
        }
        Err(e) => {
            staged.discard();
            Err(e)
        }
    }
}
