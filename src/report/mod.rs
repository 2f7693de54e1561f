//! Results → `report.md` and a self-contained `report.html`. Rounding and significance
//! marks live here only.
//!
//! The report is built once as a small document model ([`Doc`]: headings, paragraphs,
//! lists, tables, figures) from the run's numbers, then rendered to Markdown and to HTML.
//! Both renderers escape every piece of text, so text from input files (entity names,
//! headlines, sources, URLs) can never become markup.

mod doc;
mod format;
mod html;
mod large;
mod markdown;
mod second_stage;
mod sections;

use std::path::Path;

use anyhow::Context;

use crate::chart::render::ChartFile;
use crate::outcome::Outcome;

pub use doc::{Align, Block, Doc, Inline, Para, Table};
pub use format::{
    missed_reaction, num, num_prose, pct, pct_prose, pval, shell_command, shell_word, stars,
    verdict,
};
pub use html::html;
pub use markdown::{markdown, md_text, render_markdown, safe_url, tables_markdown};
pub use sections::{build, build_for, summary};

/// Writes `report.md` and `report.html` into `dir` (charts already in `dir/charts`).
///
/// # Errors
/// A chart listed in `charts` cannot be read, or a report cannot be written.
pub fn write_reports(o: &Outcome, charts: &[ChartFile], dir: &Path) -> anyhow::Result<()> {
    write_reports_for(o, charts, dir, &crate::output::Plan::for_outcome(o))
}

/// [`write_reports`] in the layout of `plan` (aggregates and extremes at large N).
///
/// # Errors
/// As [`write_reports`].
pub fn write_reports_for(
    o: &Outcome,
    charts: &[ChartFile],
    dir: &Path,
    plan: &crate::output::Plan,
) -> anyhow::Result<()> {
    let doc = build_for(o, charts, plan);
    let md = dir.join("report.md");
    std::fs::write(&md, render_markdown(&doc))
        .with_context(|| format!("writing {}", md.display()))?;
    let page = html::render_html(&doc, dir)?;
    let p = dir.join("report.html");
    std::fs::write(&p, page).with_context(|| format!("writing {}", p.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::format::{num_prose, pct_prose};
    use super::markdown::{md_code, md_para};
    use super::*;

    #[test]
    fn markdown_escapes_markup() {
        assert_eq!(
            md_text("<script>alert(1)</script> *x* [a](b) | c"),
            "&lt;script&gt;alert(1)&lt;/script&gt; \\*x\\* \\[a\\](b) \\| c"
        );
        assert_eq!(md_code("a`b"), "``a`b``");
    }

    #[test]
    fn only_http_urls_become_links() {
        assert_eq!(
            safe_url("https://example.org/x"),
            Some("https://example.org/x")
        );
        assert_eq!(safe_url("javascript:alert(1)"), None);
        assert_eq!(safe_url("http://a b"), None);
        let p = vec![Inline::Link {
            text: "x".into(),
            url: "javascript:alert(1)".into(),
        }];
        assert_eq!(md_para(&p), "x");
    }

    #[test]
    fn prose_numbers_use_a_real_minus() {
        assert_eq!(pct_prose(-0.10523), "−10.52 %");
        assert_eq!(pct_prose(0.0123), "+1.23 %");
        assert_eq!(num_prose(-2.119), "−2.12");
        assert_eq!(pct_prose(f64::NAN), "undefined");
        assert_eq!(stars(0.004), "***");
        assert_eq!(stars(0.2), "");
    }
}
