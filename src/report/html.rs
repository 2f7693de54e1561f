//! The report as one self-contained HTML page: inline CSS (screen and print), charts as
//! base64 `data:` URIs, no script, and a Content-Security-Policy that forbids loading
//! anything from the network. Every text is escaped.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use super::{Align, Block, ChartFile, Doc, Inline, Outcome, Para, build, safe_url};

const CSS: &str = r#"
:root { --text: #1a1a1a; --muted: #555; --rule: #d0d0d0; --stripe: #f6f6f6; --accent: #0072b2; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--text); background: #fff;
  font-family: "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; line-height: 1.5; }
main { max-width: 1180px; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1 { font-size: 1.9rem; line-height: 1.25; margin: 0 0 1rem; }
h2 { font-size: 1.4rem; margin: 2.4rem 0 0.8rem; padding-bottom: 0.25rem; border-bottom: 2px solid var(--rule); }
h3 { font-size: 1.15rem; margin: 1.8rem 0 0.6rem; }
p, li { max-width: 80ch; }
.note { color: var(--muted); font-size: 0.92rem; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em;
  background: var(--stripe); padding: 0.05em 0.3em; border-radius: 3px; overflow-wrap: anywhere; }
a { color: var(--accent); overflow-wrap: anywhere; }
.table-wrap { overflow-x: auto; margin: 0.6rem 0 1.2rem; }
table { border-collapse: collapse; font-size: 0.86rem; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3rem 0.6rem; border-bottom: 1px solid var(--rule); vertical-align: top; }
th { text-align: left; background: #eee; border-bottom: 2px solid #999; white-space: nowrap; }
td.r, th.r { text-align: right; white-space: nowrap; }
tbody tr:nth-child(even) { background: var(--stripe); }
figure { margin: 1.2rem 0 2rem; }
figure img { display: block; width: 100%; max-width: 1100px; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 0.92rem; margin-top: 0.4rem; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.85rem; }
@media print {
  @page { size: A4; margin: 14mm 12mm; }
  html { font-size: 10.5pt; }
  main { max-width: none; padding: 0; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, tr { break-inside: avoid; page-break-inside: avoid; }
  figure img { max-width: 100%; border: none; }
  .table-wrap { overflow: visible; }
  table { font-size: 8pt; width: 100%; }
  th { background: none; }
  tbody tr:nth-child(even) { background: none; }
  a { color: inherit; text-decoration: none; }
  a[href]::after { content: " <" attr(href) ">"; font-size: 0.85em; color: var(--muted); }
}
"#;

/// Escapes text for HTML element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        // "8.13 %" never wraps between the number and its unit.
        let unit_space =
            c == ' ' && chars.get(i + 1) == Some(&'%') && i > 0 && chars[i - 1].is_ascii_digit();
        if unit_space {
            out.push('\u{a0}');
            continue;
        }
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Standard base64 (RFC 4648) with padding.
pub fn base64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        out.push(A[(n >> 18) as usize & 63] as char);
        out.push(A[(n >> 12) as usize & 63] as char);
        out.push(if chunk.len() > 1 {
            A[(n >> 6) as usize & 63] as char
        } else {
            '='
        });
        out.push(if chunk.len() > 2 {
            A[n as usize & 63] as char
        } else {
            '='
        });
    }
    out
}

fn para(p: &Para) -> String {
    p.iter()
        .map(|i| match i {
            Inline::Text(s) => esc(s),
            Inline::Strong(s) => format!("<strong>{}</strong>", esc(s)),
            Inline::Code(s) => format!("<code>{}</code>", esc(s)),
            Inline::Link { text, url } => match safe_url(url) {
                Some(u) => format!(
                    "<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                    esc(u),
                    esc(text)
                ),
                None => esc(text),
            },
        })
        .collect()
}

/// Renders a document as a self-contained page; figures are read from `dir` and
/// embedded.
///
/// # Errors
/// A figure's PNG cannot be read.
pub fn render_html(d: &Doc, dir: &Path) -> anyhow::Result<String> {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"evimpact {}\">\n<title>{}</title>\n<style>{}</style>\n</head>\n<body>\n<main>\n<h1>{}</h1>\n",
        env!("CARGO_PKG_VERSION"),
        esc(&d.title),
        CSS,
        esc(&d.title)
    );
    for b in &d.blocks {
        match b {
            Block::Heading(l, s) => {
                let l = (*l).clamp(2, 4);
                let _ = writeln!(h, "<h{l}>{}</h{l}>", esc(s));
            }
            Block::Para(p) => {
                let _ = writeln!(h, "<p>{}</p>", para(p));
            }
            Block::Note(p) => {
                let _ = writeln!(h, "<p class=\"note\">{}</p>", para(p));
            }
            Block::List(items) => {
                h.push_str("<ul>\n");
                for i in items {
                    let _ = writeln!(h, "<li>{}</li>", para(i));
                }
                h.push_str("</ul>\n");
            }
            Block::Table(tb) => {
                let class = |a: &Align| match a {
                    Align::Right => " class=\"r\"",
                    Align::Left => "",
                };
                h.push_str("<div class=\"table-wrap\"><table>\n<thead><tr>");
                for (c, a) in tb
                    .header
                    .iter()
                    .zip(tb.align.iter().chain(std::iter::repeat(&Align::Left)))
                {
                    let _ = write!(h, "<th{}>{}</th>", class(a), esc(c));
                }
                h.push_str("</tr></thead>\n<tbody>\n");
                for r in &tb.rows {
                    h.push_str("<tr>");
                    for (c, a) in r
                        .iter()
                        .zip(tb.align.iter().chain(std::iter::repeat(&Align::Left)))
                    {
                        let _ = write!(h, "<td{}>{}</td>", class(a), esc(c));
                    }
                    h.push_str("</tr>\n");
                }
                h.push_str("</tbody></table></div>\n");
            }
            Block::Figure { src, caption } => {
                let p = dir.join(src);
                let bytes =
                    std::fs::read(&p).with_context(|| format!("reading chart {}", p.display()))?;
                let _ = writeln!(
                    h,
                    "<figure><img src=\"data:image/png;base64,{}\" alt=\"{}\" width=\"1600\" height=\"1000\"><figcaption>{} (<code>{}</code>)</figcaption></figure>",
                    base64(&bytes),
                    esc(caption),
                    esc(caption),
                    esc(src)
                );
            }
        }
    }
    let _ = write!(
        h,
        "<footer>Generated by evimpact {}. Self-contained page: no scripts, no external resources.</footer>\n</main>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    Ok(h)
}

/// Renders `report.html` for a run whose charts are in `dir/charts`.
///
/// # Errors
/// A chart cannot be read.
pub fn html(o: &Outcome, charts: &[ChartFile], dir: &Path) -> anyhow::Result<String> {
    render_html(&build(o, charts), dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        // RFC 4648 §10 test vectors.
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn escapes_text_and_attributes() {
        assert_eq!(
            esc("fell 8.13 % on 100 %"),
            "fell 8.13\u{a0}% on 100\u{a0}%"
        );
        assert_eq!(esc("a % b"), "a % b");
        assert_eq!(
            esc("<script>alert(\"x\")</script> & 'y'"),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        let p = vec![
            Inline::Link {
                text: "<b>".into(),
                url: "https://e.org/?a=1&b=\"2\"".into(),
            },
            Inline::Link {
                text: "js".into(),
                url: "javascript:alert(1)".into(),
            },
        ];
        assert_eq!(
            para(&p),
            "<a href=\"https://e.org/?a=1&amp;b=&quot;2&quot;\" rel=\"noopener noreferrer\">&lt;b&gt;</a>js"
        );
    }
}
