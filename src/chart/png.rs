//! Writing a chart to its files: `name.png` (plotters' bitmap backend) and `name.svg`
//! (plotters' SVG backend, text as `<text>` elements) beside it, both drawn by the chart's
//! one [`Draw`] code path, rendered in memory or to a temporary file, then renamed into
//! place together.

use std::path::Path;

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{Canvas, register_fonts, theme};

/// A chart that draws itself onto any plotters backend: the PNG and the SVG of a chart are
/// the same calls on two backends. Each chart's writer wraps its arguments in a small
/// struct implementing this.
pub(crate) trait Draw {
    fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

/// A chart's writer: registers the fonts, runs `check` (the data's validation, before any
/// folder or file is created), then [`write_png_and_svg`] with `chart`; an error while
/// drawing or writing is prefixed "writing {what} {path}".
pub(crate) fn write_chart(
    path: &Path,
    what: &str,
    check: impl FnOnce() -> Result<()>,
    chart: &impl Draw,
) -> Result<()> {
    register_fonts()?;
    check()?;
    write_png_and_svg(path, chart).with_context(|| format!("writing {what} {}", path.display()))
}

/// The SVG beside a chart's PNG: `charts/car.png` → `charts/car.svg`.
pub(crate) fn svg_path(png: &Path) -> std::path::PathBuf {
    png.with_extension("svg")
}

/// Renders `chart` into a temporary PNG next to `path` and into an SVG document in memory,
/// then renames both into place (`path` and [`svg_path`]); on any error the temporary
/// files are removed and neither target is touched.
pub(crate) fn write_png_and_svg(path: &Path, chart: &impl Draw) -> Result<()> {
    let svg = render_svg(chart)?;
    // The ".png" suffix tells the encoder the format.
    let staged = crate::fsio::Staged::beside(path, ".png")
        .with_context(|| format!("creating the folder of {}", path.display()))?;
    let rendered = (|| -> Result<()> {
        let root = BitMapBackend::new(&staged.tmp, theme::CANVAS).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
        Ok(())
        // `root` is dropped here; a failed draw may make its Drop write the temporary
        // file, which is removed below.
    })();
    if let Err(e) = rendered {
        staged.discard();
        return Err(e);
    }
    let svg_target = svg_path(path);
    let svg_staged = match crate::fsio::stage(&svg_target, svg.as_bytes()) {
        Ok(s) => s,
        Err(e) => {
            staged.discard();
            return Err(anyhow::Error::new(e).context(format!("writing {}", svg_target.display())));
        }
    };
    let tmp = staged.tmp.clone();
    if let Err(e) = staged.commit() {
        svg_staged.discard();
        return Err(anyhow::Error::new(e).context(format!(
            "renaming {} to {}",
            tmp.display(),
            path.display()
        )));
    }
    let tmp = svg_staged.tmp.clone();
    svg_staged
        .commit()
        .with_context(|| format!("renaming {} to {}", tmp.display(), svg_target.display()))
}

/// `chart` as an SVG document ([`theme::CANVAS`] user units), every text a `<text>` in
/// [`theme::FONT_FAMILY`].
pub(crate) fn render_svg(chart: &impl Draw) -> Result<String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, theme::CANVAS).into_drawing_area();
        chart.draw(&root)?;
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::xml;

    /// A title with characters that XML and fonts trip on, and a rotated label.
    struct Probe(bool);

    impl Draw for Probe {
        fn draw<DB: Canvas>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
            root.fill(&theme::BACKGROUND)?;
            let style = super::super::text_style(theme::TITLE_SIZE, &theme::TEXT);
            root.draw_text("CAR −1.2 % ± 0.4 <&> \"τ\"", &style, (40, 40))?;
            let rotated = style.transform(FontTransform::Rotate270);
            root.draw_text("CAR (%)", &rotated, (40, 600))?;
            if self.0 {
                anyhow::bail!("drawing failed");
            }
            Ok(())
        }
    }

    #[test]
    fn one_drawing_gives_the_png_and_an_svg_with_text_as_text() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("charts/probe.png");
        write_chart(&p, "probe", || Ok(()), &Probe(false)).expect("written");
        let png = std::fs::read(&p).expect("png");
        assert_eq!(&png[1..4], b"PNG");
        let svg = std::fs::read_to_string(svg_path(&p)).expect("svg");
        let els = xml::parse(&svg).expect("well-formed");
        let texts: Vec<&str> = els
            .iter()
            .filter(|e| e.name == "text")
            .map(|e| e.text.trim())
            .collect();
        assert_eq!(texts, vec!["CAR −1.2 % ± 0.4 <&> \"τ\"", "CAR (%)"]);
        let title = els.iter().find(|e| e.name == "text").expect("text");
        let attr = |k: &str| {
            title
                .attrs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
        };
        assert_eq!(attr("font-family").as_deref(), Some(theme::FONT_FAMILY));
        assert!(
            els.iter()
                .filter(|e| e.name == "text")
                .nth(1)
                .is_some_and(|e| e
                    .attrs
                    .iter()
                    .any(|(k, v)| k == "transform" && v.starts_with("rotate(270"))),
            "the rotated label is rotated text"
        );
        // Only the two targets are left in the folder.
        let mut names: Vec<String> = std::fs::read_dir(d.path().join("charts"))
            .expect("dir")
            .map(|e| e.expect("e").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["probe.png", "probe.svg"]);
    }

    #[test]
    fn a_failed_drawing_leaves_neither_file() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("probe.png");
        let e = write_chart(&p, "probe", || Ok(()), &Probe(true)).expect_err("fails");
        assert!(format!("{e:#}").contains("drawing failed"), "{e:#}");
        assert_eq!(std::fs::read_dir(d.path()).expect("dir").count(), 0);
    }
}
