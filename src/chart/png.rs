//! Writing a chart to a PNG file: drawn in memory, then written atomically.

use std::path::Path;

use anyhow::{Context, Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::theme::{self};
use super::*;

/// Renders into a temporary PNG next to `path` and renames it into place; on any error
/// the temporary file is removed and `path` is untouched.
pub(crate) fn write_png_atomically<F>(path: &Path, draw: F) -> Result<()>
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
