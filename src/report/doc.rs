//! The report as a small document model (headings, paragraphs, lists, tables, figures),
//! built once from the run's numbers and rendered to Markdown and HTML.

use crate::chart::render::{ChartFile, ChartKind};

/// Inline text. Every variant's text is escaped by the renderers.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    Text(String),
    Strong(String),
    Code(String),
    /// A link; rendered as a link only for `http(s)://` URLs, else as text.
    Link {
        text: String,
        url: String,
    },
}

/// A paragraph or list item: a run of inlines.
pub type Para = Vec<Inline>;

pub(super) fn t(s: impl Into<String>) -> Inline {
    Inline::Text(s.into())
}

pub(super) fn strong(s: impl Into<String>) -> Inline {
    Inline::Strong(s.into())
}

pub(super) fn code(s: impl Into<String>) -> Inline {
    Inline::Code(s.into())
}

/// Column alignment of a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A table; cells are plain text (escaped when rendered).
#[derive(Debug, Clone, PartialEq)]
pub struct Table {
    pub header: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<String>>,
    /// Part of the pinned snapshot (`tables_markdown`): no machine-dependent content.
    pub pinned: bool,
}

/// A block of the document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Level 1..=3.
    Heading(u8, String),
    Para(Para),
    /// A muted explanatory paragraph.
    Note(Para),
    List(Vec<Para>),
    Table(Table),
    /// A chart: path relative to the output directory.
    Figure {
        src: String,
        caption: String,
    },
}

/// The whole report.
#[derive(Debug, Clone, PartialEq)]
pub struct Doc {
    pub title: String,
    pub blocks: Vec<Block>,
}

impl Doc {
    pub(super) fn h(&mut self, level: u8, s: impl Into<String>) {
        self.blocks.push(Block::Heading(level, s.into()));
    }
    pub(super) fn p(&mut self, p: Para) {
        self.blocks.push(Block::Para(p));
    }
    pub(super) fn note(&mut self, p: Para) {
        self.blocks.push(Block::Note(p));
    }
    pub(super) fn list(&mut self, items: Vec<Para>) {
        if !items.is_empty() {
            self.blocks.push(Block::List(items));
        }
    }
    pub(super) fn table(&mut self, header: Vec<String>, align: Vec<Align>, rows: Vec<Vec<String>>) {
        self.blocks.push(Block::Table(Table {
            header,
            align,
            rows,
            pinned: true,
        }));
    }
    pub(super) fn figures(&mut self, charts: &[ChartFile], kind: ChartKind) {
        for c in charts.iter().filter(|c| c.kind == kind) {
            self.blocks.push(Block::Figure {
                src: c.path.clone(),
                caption: c.caption.clone(),
            });
        }
    }
}
