//! Delimited text (CSV, semicolon CSV, TSV): the dialect of a file and a streaming scanner
//! of its records.
//!
//! The scanner is the reference for every CSV reader of evimpact: it finds record
//! boundaries (quotes may hold delimiters and line ends, `""` is a quote inside a quoted
//! field), counts physical lines (so a line number is right after a quoted newline),
//! checks that every record has as many fields as the header, and names the first broken
//! record with its line: fewer or more fields than the header, an unterminated quote, a NUL
//! byte, a record longer than [`MAX_RECORD_BYTES`]. Blank lines (and trailing ones) are
//! skipped. The file is read in chunks of whole records, so memory stays bounded whatever
//! the file's size.
//!
//! Dialect: a UTF-8 byte-order mark is skipped; line ends are LF or CRLF (a file whose
//! lines end in CR only is refused with that reason); the delimiter is `,`, `;` or tab,
//! declared or detected from the header line (the one of the three that occurs most often
//! outside quotes; `,` when none does).

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// The longest record (a line, or several when a quoted field holds line ends).
pub const MAX_RECORD_BYTES: usize = 1 << 20;

/// How much is read at a time.
pub const CHUNK_BYTES: usize = 8 << 20;

pub const QUOTE: u8 = b'"';
const BOM: &[u8] = b"\xEF\xBB\xBF";

/// A delimiter as the study file writes it: `","`, `";"`, `"\t"` or `"tab"`.
pub fn parse_delimiter(s: &str) -> Result<u8, String> {
    match s {
        "," => Ok(b','),
        ";" => Ok(b';'),
        "\t" | "tab" | "\\t" => Ok(b'\t'),
        "|" => Ok(b'|'),
        _ => Err(format!(
            "unknown delimiter \"{}\": expected \",\", \";\", \"tab\" or \"|\"",
            s.escape_default()
        )),
    }
}

/// The delimiter's name for messages.
pub fn delimiter_name(d: u8) -> &'static str {
    match d {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        b'|' => "pipe",
        _ => "delimiter",
    }
}

/// Detects the delimiter of a header line: the most frequent of `,` `;` tab outside quotes.
pub fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; 3];
    let mut quoted = false;
    for &b in header {
        match b {
            QUOTE => quoted = !quoted,
            b'\n' if !quoted => break,
            b',' if !quoted => counts[0] += 1,
            b';' if !quoted => counts[1] += 1,
            b'\t' if !quoted => counts[2] += 1,
            _ => {}
        }
    }
    let cands = [b',', b';', b'\t'];
    let (i, n) = counts
        .iter()
        .enumerate()
        .max_by_key(|(i, n)| (**n, usize::MAX - *i))
        .expect("three candidates");
    if *n == 0 { b',' } else { cands[i] }
}

/// One step of the record parser.
enum Step {
    /// A complete record: its field count, the offset just past it, the line ends inside it
    /// (quoted), and whether it is blank.
    Record {
        fields: usize,
        next: usize,
        inner_lines: usize,
        blank: bool,
    },
    /// The buffer ends inside the record: read more.
    Incomplete,
}

/// Parses the record starting at `p` in `buf[..end]`; `eof` says no more bytes follow.
/// With `out`, the record's fields are appended (unescaped, without a trailing CR).
fn parse_record(
    buf: &[u8],
    p: usize,
    end: usize,
    eof: bool,
    delim: u8,
    mut out: Option<&mut Vec<Vec<u8>>>,
) -> Result<Step, (usize, String)> {
    let slice = &buf[p..end];
    // Fast path: no quote before the line end, no fields wanted.
    let nl = memchr::memchr(b'\n', slice);
    let line_end = match nl {
        Some(i) => i,
        None if eof => slice.len(),
        None => return Ok(Step::Incomplete),
    };
    let line = &slice[..line_end];
    if memchr::memchr(QUOTE, line).is_none() {
        let fields = bytecount(line, delim) + 1;
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        if let Some(out) = out.as_deref_mut() {
            out.extend(body.split(|&b| b == delim).map(<[u8]>::to_vec));
        }
        let blank = fields == 1 && body.iter().all(|b| b.is_ascii_whitespace());
        return Ok(Step::Record {
            fields,
            next: p + line_end + usize::from(nl.is_some()),
            inner_lines: 0,
            blank,
        });
    }
    // Quoted fields: a field that starts with a quote is quoted; inside it every quote
    // toggles (so `""` is a literal quote), as polars reads it.
    let mut fields = 1usize;
    let mut inner_lines = 0usize;
    let mut i = 0usize;
    let mut field: Vec<u8> = Vec::new();
    let mut quoted_field = false;
    let mut in_quotes = false;
    let mut at_start = true;
    let push = |field: &mut Vec<u8>, out: &mut Option<&mut Vec<Vec<u8>>>| {
        if let Some(o) = out.as_deref_mut() {
            o.push(std::mem::take(field));
        } else {
            field.clear();
        }
    };
    loop {
        if i == slice.len() {
            if !eof {
                return Ok(Step::Incomplete);
            }
            if in_quotes {
                return Err((
                    0,
                    "a quoted field is never closed (an unterminated quote \")".into(),
                ));
            }
            break;
        }
        let c = slice[i];
        if in_quotes {
            if c == QUOTE {
                if slice.get(i + 1) == Some(&QUOTE) {
                    field.push(QUOTE);
                    i += 2;
                    continue;
                }
                if i + 1 == slice.len() && !eof {
                    return Ok(Step::Incomplete);
                }
                in_quotes = false;
            } else {
                if c == b'\n' {
                    inner_lines += 1;
                }
                field.push(c);
            }
            i += 1;
            continue;
        }
        if c == QUOTE && at_start {
            in_quotes = true;
            quoted_field = true;
            at_start = false;
            i += 1;
            continue;
        }
        if c == delim {
            fields += 1;
            push(&mut field, &mut out);
            at_start = true;
            quoted_field = false;
            i += 1;
            continue;
        }
        if c == b'\n' {
            break;
        }
        if c == QUOTE && quoted_field {
            // A quote after a closed quoted field reopens it (polars toggles).
            in_quotes = true;
            i += 1;
            continue;
        }
        at_start = false;
        field.push(c);
        i += 1;
    }
    let next = p + i + usize::from(i < slice.len());
    if field.last() == Some(&b'\r') && !quoted_field {
        field.pop();
    } else if quoted_field && field.last() == Some(&b'\r') && slice.get(i) == Some(&b'\n') {
        // `"x"\r\n`: the CR after the closing quote belongs to the line end.
        field.pop();
    }
    push(&mut field, &mut out);
    Ok(Step::Record {
        fields,
        next,
        inner_lines,
        blank: false,
    })
}

#[inline]
fn bytecount(s: &[u8], b: u8) -> usize {
    s.iter().filter(|&&c| c == b).count()
}

/// A streaming reader of a delimited file's records.
pub struct Scanner {
    path: PathBuf,
    file: File,
    /// Bytes of the file not read yet (as its size said when opened).
    unread: u64,
    buf: Vec<u8>,
    /// Start of the unread part of `buf`.
    pos: usize,
    eof: bool,
    /// The physical line of the record at `pos`.
    line: usize,
    pub delimiter: u8,
    /// Fields of the header (raw text, BOM removed).
    pub header: Vec<Vec<u8>>,
}

/// A run of whole records in memory.
pub struct Chunk<'a> {
    /// The bytes from the first record's start to the last record's end.
    pub bytes: &'a [u8],
    /// Each non-blank record's start within `bytes`.
    pub starts: Vec<u32>,
    /// Each non-blank record's physical line.
    pub lines: Vec<usize>,
    /// No blank record and no quoted line end in the chunk: `bytes` is exactly the records.
    pub plain: bool,
}

impl Chunk<'_> {
    /// The fields of record `k` (unescaped).
    pub fn fields(&self, k: usize, delimiter: u8) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        let _ = parse_record(
            self.bytes,
            self.starts[k] as usize,
            self.bytes.len(),
            true,
            delimiter,
            Some(&mut out),
        );
        out
    }

    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

impl Scanner {
    /// Opens a delimited file and reads its header. `delimiter`: the declared one, else
    /// detected from the header line.
    ///
    /// # Errors
    /// Not a regular file, binary data, CR-only line ends, an empty file, a broken header.
    pub fn open(path: &Path, delimiter: Option<u8>) -> Result<Scanner, InputError> {
        let (file, len) = super::input::open_regular(path)?;
        let mut s = Scanner {
            path: path.to_path_buf(),
            file,
            unread: len,
            buf: Vec::new(),
            pos: 0,
            eof: false,
            line: 1,
            delimiter: b',',
            header: Vec::new(),
        };
        s.fill(64 << 10)?;
        if s.buf.starts_with(BOM) {
            s.pos = BOM.len();
        }
        // Leading blank lines before the header are skipped.
        loop {
            let rest = &s.buf[s.pos..];
            let Some(first) = rest.first() else { break };
            if *first == b'\n' {
                s.pos += 1;
                s.line += 1;
            } else if rest.starts_with(b"\r\n") {
                s.pos += 2;
                s.line += 1;
            } else {
                break;
            }
        }
        let head = &s.buf[s.pos..];
        if head.iter().all(|b| b.is_ascii_whitespace()) {
            return Err(InputError::Empty {
                path: path.to_path_buf(),
            });
        }
        if let Some(at) = memchr::memchr(0, head) {
            let line = s.line + bytecount(&head[..at], b'\n');
            return Err(InputError::NotAFile {
                path: path.to_path_buf(),
                what: format!(
                    "holds binary data, not text (a NUL byte on line {line}, byte offset {}): expected a CSV file",
                    at + s.pos
                ),
            });
        }
        if memchr::memchr(b'\n', head).is_none() && memchr::memchr(b'\r', head).is_some() {
            return Err(InputError::parse(
                path,
                "lines end in CR only (classic Mac OS line ends): convert the file to LF or CRLF line ends",
            ));
        }
        s.delimiter = delimiter.unwrap_or_else(|| detect_delimiter(head));
        let mut header = Vec::new();
        loop {
            match parse_record(
                &s.buf,
                s.pos,
                s.buf.len(),
                s.eof,
                s.delimiter,
                Some(&mut header),
            )
            .map_err(|(_, m)| InputError::parse(path, format!("line {}: {m}", s.line)))?
            {
                Step::Record {
                    next, inner_lines, ..
                } => {
                    s.pos = next;
                    s.line += 1 + inner_lines;
                    break;
                }
                Step::Incomplete => {
                    header.clear();
                    if s.buf.len() - s.pos > MAX_RECORD_BYTES {
                        return Err(s.too_long());
                    }
                    s.fill(MAX_RECORD_BYTES + 1)?;
                }
            }
        }
        s.header = header;
        Ok(s)
    }

    fn too_long(&self) -> InputError {
        InputError::parse(
            &self.path,
            format!(
                "line {}: a record longer than {} bytes without a line end (binary data, or an unterminated quote?)",
                self.line, MAX_RECORD_BYTES
            ),
        )
    }

    /// Reads until at least `want` unread bytes are buffered or the file ends.
    fn fill(&mut self, want: usize) -> Result<(), InputError> {
        if self.pos > 0 && self.pos == self.buf.len() {
            self.buf.clear();
            self.pos = 0;
        } else if self.pos > (self.buf.len() / 2).max(1 << 16) {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        while !self.eof && self.buf.len() - self.pos < want {
            let old = self.buf.len();
            // Never more than the file holds (plus one byte to see its end).
            let grow = (want - (old - self.pos)).max(64 << 10).min(
                usize::try_from(self.unread)
                    .unwrap_or(usize::MAX)
                    .saturating_add(1),
            );
            self.buf.resize(old + grow, 0);
            let n = loop {
                match self.file.read(&mut self.buf[old..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(old);
                        return Err(InputError::io(&self.path, e));
                    }
                }
            };
            self.buf.truncate(old + n);
            self.unread = self.unread.saturating_sub(n as u64);
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(())
    }

    /// The number of header fields.
    pub fn width(&self) -> usize {
        self.header.len()
    }

    /// The header's names as text (invalid UTF-8 replaced).
    pub fn header_names(&self) -> Vec<String> {
        self.header
            .iter()
            .map(|h| String::from_utf8_lossy(h).into_owned())
            .collect()
    }

    /// The next run of whole records (about `target` bytes), or `None` at the end.
    ///
    /// # Errors
    /// The first broken record: wrong field count, unterminated quote, NUL byte, a record
    /// longer than [`MAX_RECORD_BYTES`]; a read error.
    pub fn next_chunk(&mut self, target: usize) -> Result<Option<Chunk<'_>>, InputError> {
        if self.buf.len() - self.pos < target {
            self.fill(target)?;
        }
        if self.pos == self.buf.len() {
            return Ok(None);
        }
        let width = self.width();
        let start = self.pos;
        let mut p = start;
        let end = self.buf.len();
        let mut starts = Vec::new();
        let mut lines = Vec::new();
        let mut plain = true;
        let mut line = self.line;
        let region = &self.buf[start..end];
        if let Some(at) = memchr::memchr(0, region) {
            // Report the NUL only if it falls in a complete record: find its line.
            let nul_line = line + bytecount(&region[..at], b'\n');
            return Err(InputError::parse(
                &self.path,
                format!("line {nul_line}: a NUL byte (binary data, not text)"),
            ));
        }
        loop {
            if p == end {
                break;
            }
            match parse_record(&self.buf, p, end, self.eof, self.delimiter, None) {
                Err((_, m)) => {
                    return Err(InputError::parse(&self.path, format!("line {line}: {m}")));
                }
                Ok(Step::Incomplete) => {
                    if end - p > MAX_RECORD_BYTES {
                        self.line = line;
                        return Err(self.too_long());
                    }
                    break;
                }
                Ok(Step::Record {
                    fields,
                    next,
                    inner_lines,
                    blank,
                }) => {
                    if next - p > MAX_RECORD_BYTES {
                        self.line = line;
                        return Err(self.too_long());
                    }
                    if blank {
                        plain = false;
                    } else {
                        if fields != width {
                            return Err(self.field_count_error(line, fields, p));
                        }
                        if inner_lines > 0 {
                            plain = false;
                        }
                        starts.push((p - start) as u32);
                        lines.push(line);
                    }
                    line += 1 + inner_lines;
                    p = next;
                }
            }
        }
        if p == start {
            // Not one whole record fits: read more (the caller's target was too small).
            if self.eof {
                return Ok(None);
            }
            self.fill(self.buf.len() - self.pos + MAX_RECORD_BYTES + 1)?;
            return self.next_chunk(target);
        }
        self.pos = p;
        self.line = line;
        Ok(Some(Chunk {
            bytes: &self.buf[start..p],
            starts,
            lines,
            plain,
        }))
    }

    fn field_count_error(&self, line: usize, fields: usize, p: usize) -> InputError {
        let width = self.width();
        let mut rec = Vec::new();
        let _ = parse_record(
            &self.buf,
            p,
            self.buf.len(),
            true,
            self.delimiter,
            Some(&mut rec),
        );
        let text = String::from_utf8_lossy(
            &self.buf[p..p + memchr::memchr(b'\n', &self.buf[p..]).unwrap_or(self.buf.len() - p)],
        )
        .trim_end_matches('\r')
        .to_string();
        let shown: String = text.chars().take(120).collect();
        let d = delimiter_name(self.delimiter);
        let hint = if fields > width {
            let other = [b',', b';', b'\t']
                .into_iter()
                .find(|&c| c != self.delimiter && text.as_bytes().contains(&c));
            match (self.delimiter, other) {
                (b',', _) => " (a comma inside an unquoted value: a thousands separator such as 1,234.5, a decimal comma such as 12,5, or text that needs quotes)".to_string(),
                (_, _) => " (an unquoted delimiter inside a value?)".to_string(),
            }
        } else {
            " (a value is missing, or the row uses another delimiter)".to_string()
        };
        InputError::parse(
            &self.path,
            format!(
                "line {line}: {fields} field(s) but the header has {width} ({d}-delimited){hint}: \"{shown}\""
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file(s: &[u8]) -> tempfile::NamedTempFile {
        let mut f = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .expect("tmp");
        f.write_all(s).expect("write");
        f
    }

    /// The header and every record with its line.
    type Records = (Vec<String>, Vec<(usize, Vec<String>)>);

    fn all(s: &[u8]) -> Result<Records, String> {
        let f = file(s);
        let mut sc = Scanner::open(f.path(), None).map_err(|e| e.to_string())?;
        let d = sc.delimiter;
        let header = sc.header_names();
        let mut rows = Vec::new();
        while let Some(c) = sc.next_chunk(7).map_err(|e| e.to_string())? {
            for k in 0..c.len() {
                rows.push((
                    c.lines[k],
                    c.fields(k, d)
                        .into_iter()
                        .map(|v| String::from_utf8(v).expect("utf8"))
                        .collect(),
                ));
            }
        }
        Ok((header, rows))
    }

    #[test]
    fn records_lines_and_quotes() {
        let (h, rows) =
            all(b"\xEF\xBB\xBFa,b\r\n1,\"x\ny\"\r\n\r\n2,\"q\"\"r\"\n\n\n").expect("valid");
        assert_eq!(h, ["a", "b"]);
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0], (2, vec!["1".into(), "x\ny".into()]));
        // The quoted newline counts: the next record is on line 5 (line 4 is blank).
        assert_eq!(rows[1], (5, vec!["2".into(), "q\"r".into()]));
    }

    #[test]
    fn delimiters_are_detected() {
        assert_eq!(detect_delimiter(b"date;close;volume\n"), b';');
        assert_eq!(detect_delimiter(b"date\tclose\n"), b'\t');
        assert_eq!(detect_delimiter(b"date,close\n"), b',');
        assert_eq!(detect_delimiter(b"date\n"), b',');
        assert_eq!(detect_delimiter(b"\"a;b\",c\n"), b',');
        let (h, rows) = all(b"date;close\n2019-01-02;10,5\n").expect("valid");
        assert_eq!(h, ["date", "close"]);
        assert_eq!(rows[0].1, ["2019-01-02", "10,5"]);
    }

    #[test]
    fn broken_records_name_their_line() {
        let e = all(b"a,b\n1,2\n3\n").unwrap_err();
        assert!(e.contains(":3") || e.contains("line 3"), "{e}");
        assert!(e.contains("1 field(s) but the header has 2"), "{e}");
        let e = all(b"a,b\n1,2\n1,234.5,7\n").unwrap_err();
        assert!(
            e.contains("line 3: 3 field(s)") && e.contains("thousands"),
            "{e}"
        );
        let e = all(b"a,b\n1,2\n\"x,y\n5,6\n").unwrap_err();
        assert!(
            e.contains("line 3") && e.contains("unterminated quote"),
            "{e}"
        );
        let e = all(b"a,b\r1,2\r").unwrap_err();
        assert!(e.contains("CR only"), "{e}");
        let e = all(b"").unwrap_err();
        assert!(e.contains("file is empty"), "{e}");
        let e = all(b"a,b\n1,2\n3,\0\n").unwrap_err();
        assert!(e.contains("NUL byte on line 3"), "{e}");
    }

    #[test]
    fn a_record_without_end_is_bounded() {
        let mut big = b"a,b\n1,2\n".to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_RECORD_BYTES + 10));
        let e = all(&big).unwrap_err();
        assert!(e.contains("line 3: a record longer than"), "{e}");
    }
}
