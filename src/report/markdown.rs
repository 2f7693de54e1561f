//! The document rendered as Markdown: every piece of text escaped, so text from input files
//! never becomes markup.

use std::fmt::Write as _;

use super::doc::{Align, Block, Doc, Inline, Para, Table};
use super::sections::build;
use crate::chart::render::ChartFile;
use crate::outcome::Outcome;

/// Escapes text for Markdown: Markdown punctuation gets a backslash, `<`/`>` become
/// entities (no raw HTML), newlines become spaces.
pub fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

pub(super) fn md_code(s: &str) -> String {
    let s = s.replace(['\n', '\r'], " ");
    let fence = if s.contains('`') { "``" } else { "`" };
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}

pub(super) fn md_para(p: &Para) -> String {
    p.iter()
        .map(|i| match i {
            Inline::Text(s) => md_text(s),
            Inline::Strong(s) => format!("**{}**", md_text(s)),
            Inline::Code(s) => md_code(s),
            Inline::Link { text, url } => match safe_url(url) {
                Some(u) if text == url => format!("<{}>", u.replace(['<', '>', ' '], "")),
                Some(u) => format!("[{}]({})", md_text(text), u.replace([' ', '(', ')'], "")),
                None => md_text(text),
            },
        })
        .collect()
}

/// The URL if it is an absolute http(s) URL without control characters, else `None`.
pub fn safe_url(url: &str) -> Option<&str> {
    let u = url.trim();
    let lower = u.to_ascii_lowercase();
    ((lower.starts_with("https://") || lower.starts_with("http://"))
        && !u.chars().any(|c| c.is_control() || c.is_whitespace()))
    .then_some(u)
}

fn md_table(tb: &Table, md: &mut String) {
    let row = |cells: &[String]| {
        format!(
            "|{}|",
            cells
                .iter()
                .map(|c| format!(" {} ", md_text(c)))
                .collect::<Vec<_>>()
                .join("|")
        )
    };
    let _ = writeln!(md, "{}", row(&tb.header));
    let _ = writeln!(
        md,
        "|{}|",
        tb.align
            .iter()
            .map(|a| match a {
                Align::Left => "---",
                Align::Right => "---:",
            })
            .collect::<Vec<_>>()
            .join("|")
    );
    for r in &tb.rows {
        let _ = writeln!(md, "{}", row(r));
    }
}

/// Renders a document as Markdown.
pub fn render_markdown(d: &Doc) -> String {
    let mut md = format!("# {}\n", md_text(&d.title));
    for b in &d.blocks {
        md.push('\n');
        match b {
            Block::Heading(l, s) => {
                let _ = writeln!(
                    md,
                    "{} {}",
                    "#".repeat(usize::from(*l).clamp(1, 6)),
                    md_text(s)
                );
            }
            Block::Para(p) => {
                let _ = writeln!(md, "{}", md_para(p));
            }
            Block::Note(p) => {
                let _ = writeln!(md, "_{}_", md_para(p));
            }
            Block::List(items) => {
                for i in items {
                    let _ = writeln!(md, "- {}", md_para(i));
                }
            }
            Block::Table(tb) => md_table(tb, &mut md),
            Block::Figure { src, caption } => {
                let _ = writeln!(md, "![{}]({})", md_text(caption), src.replace(' ', "%20"));
            }
        }
    }
    md
}

/// Renders `report.md`.
pub fn markdown(o: &Outcome, charts: &[ChartFile]) -> String {
    render_markdown(&build(o, charts))
}

/// The pinned tables of the report (headings and tables only, no paths or hashes): the
/// snapshot compared with `tests/golden/*.report-tables.md`.
pub fn tables_markdown(o: &Outcome) -> String {
    let d = build(o, &[]);
    let mut md = String::new();
    let mut heading = None;
    for b in &d.blocks {
        match b {
            Block::Heading(_, s) => heading = Some(s.clone()),
            Block::Table(tb) if tb.pinned => {
                if let Some(h) = heading.take() {
                    let _ = writeln!(md, "## {}\n", md_text(&h));
                }
                md_table(tb, &mut md);
                md.push('\n');
            }
            _ => {}
        }
    }
    md
}
