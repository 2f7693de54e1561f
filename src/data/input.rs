//! Opening a user's input file with bounds: only a regular file is read (never a directory,
//! a FIFO, a socket or a device such as `/dev/zero`), a symbolic-link loop or a dangling
//! link is named as such, and the first bytes must look like the declared format (a NUL
//! byte in a CSV file is binary data, not text). The readers then stream the file in
//! chunks with a bound on the length of one record, so a huge or sparse file costs bounded
//! memory and stops at its first bad record.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// The file formats evimpact reads, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `.csv`, `.tsv`, `.txt` or anything else: delimited text.
    Csv,
    /// `.parquet` or `.pq`.
    Parquet,
    /// `.xlsx` (Office Open XML workbook; its first sheet).
    Xlsx,
}

impl Format {
    /// The format of a file from its extension (case-insensitive).
    pub fn of(path: &Path) -> Format {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref()
        {
            Some("parquet" | "pq") => Format::Parquet,
            Some("xlsx" | "xlsm") => Format::Xlsx,
            _ => Format::Csv,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::Parquet => "Parquet",
            Format::Xlsx => "Excel .xlsx",
        }
    }
}

/// The largest file read whole into memory (study files): larger is refused.
pub const MAX_STUDY_FILE_BYTES: u64 = 4 << 20;

/// Linux's errno for "too many levels of symbolic links".
const ELOOP: i32 = 40;

/// What a path is when it is not a regular file, in words.
fn kind_of(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("is a directory, not a file");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("is a FIFO (named pipe), not a regular file");
        }
        if t.is_socket() {
            return Some("is a socket, not a regular file");
        }
        if t.is_char_device() {
            return Some("is a character device (such as /dev/zero), not a regular file");
        }
        if t.is_block_device() {
            return Some("is a block device, not a regular file");
        }
    }
    Some("is not a regular file")
}

/// The error for a path that cannot be opened, naming what it is.
fn open_error(path: &Path, e: std::io::Error) -> InputError {
    if e.raw_os_error() == Some(ELOOP) {
        return InputError::NotAFile {
            path: path.to_path_buf(),
            what: "is a symbolic link loop (too many levels of symbolic links)".into(),
        };
    }
    if e.kind() == std::io::ErrorKind::NotFound
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
    {
        let target = std::fs::read_link(path)
            .map(|t| t.display().to_string())
            .unwrap_or_default();
        return InputError::NotAFile {
            path: path.to_path_buf(),
            what: format!("is a symbolic link to {target}, which does not exist"),
        };
    }
    InputError::io(path, e)
}

/// Checks that `path` is a regular file (following symbolic links) and returns its size.
///
/// # Errors
/// A missing path, a directory, FIFO, socket or device, a symbolic-link loop.
pub fn check_regular_file(path: &Path) -> Result<u64, InputError> {
    let meta = std::fs::metadata(path).map_err(|e| open_error(path, e))?;
    if let Some(what) = kind_of(&meta) {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: what.into(),
        });
    }
    Ok(meta.len())
}

/// Opens a regular file for reading (see [`check_regular_file`]).
///
/// # Errors
/// As [`check_regular_file`], or the file cannot be opened.
pub fn open_regular(path: &Path) -> Result<(File, u64), InputError> {
    let len = check_regular_file(path)?;
    let f = File::open(path).map_err(|e| open_error(path, e))?;
    // The path may have been swapped between the check and the open: check the handle.
    let meta = f.metadata().map_err(|e| InputError::io(path, e))?;
    if let Some(what) = kind_of(&meta) {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: what.into(),
        });
    }
    Ok((f, len))
}

/// Checks that a file's first bytes fit its format: a Parquet file starts with `PAR1`, an
/// `.xlsx` workbook is a zip archive (`PK`), and a CSV file has no NUL byte in its first
/// 64 KiB (binary data).
///
/// # Errors
/// The file does not start as its format requires.
pub fn check_magic(path: &Path, format: Format) -> Result<(), InputError> {
    let (mut f, _) = open_regular(path)?;
    let mut head = vec![0u8; 64 << 10];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(InputError::io(path, e)),
        }
    }
    let head = &head[..n];
    let bad = |what: String| {
        Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what,
        })
    };
    match format {
        Format::Parquet if !head.starts_with(b"PAR1") => bad(format!(
            "is not a Parquet file (it does not start with PAR1; starts with {})",
            show_bytes(&head[..head.len().min(8)])
        )),
        Format::Xlsx if !head.starts_with(b"PK") => bad(format!(
            "is not an .xlsx workbook (not a zip archive; starts with {})",
            show_bytes(&head[..head.len().min(8)])
        )),
        Format::Csv => match head.iter().position(|&b| b == 0) {
            Some(at) => bad(format!(
                "holds binary data, not text (a NUL byte on line {}, byte offset {at}): expected a CSV file",
                head[..at].iter().filter(|&&b| b == b'\n').count() + 1
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

fn show_bytes(b: &[u8]) -> String {
    if b.is_empty() {
        return "nothing (the file is empty)".into();
    }
    format!("\"{}\"", b.escape_ascii())
}

/// Reads a small text file (a study file) whole, refusing anything but a regular file and
/// anything larger than `max` bytes; invalid UTF-8 is named with its line.
///
/// # Errors
/// Not a regular file, too large, unreadable, not UTF-8.
pub fn read_small_text(path: &Path, max: u64) -> Result<String, InputError> {
    let (f, len) = open_regular(path)?;
    if len > max {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: format!("is {len} bytes, larger than the {max} bytes a study file may have"),
        });
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| InputError::io(path, e))?;
    if bytes.len() as u64 > max {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            what: format!("is larger than the {max} bytes a study file may have"),
        });
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        InputError::parse(
            path,
            format!("line {line}: invalid UTF-8 (byte offset {at})"),
        )
    })
}

/// A file named by a security id inside a price directory, resolved so that it cannot leave
/// the directory: the id is checked first (see [`super::ids`]), and a symbolic link inside
/// the directory that points outside it is refused.
///
/// `Ok(None)`: no such file.
///
/// # Errors
/// The file resolves outside the directory (through a symbolic link), or is not a regular
/// file.
pub fn file_in_dir(dir: &Path, name: &str) -> Result<Option<PathBuf>, InputError> {
    let p = dir.join(name);
    match std::fs::symlink_metadata(&p) {
        Err(_) => return Ok(None),
        Ok(m) if !m.file_type().is_symlink() => {
            check_regular_file(&p)?;
            return Ok(Some(p));
        }
        Ok(_) => {}
    }
    let real_dir = dir.canonicalize().map_err(|e| InputError::io(dir, e))?;
    let real = p.canonicalize().map_err(|e| open_error(&p, e))?;
    if !real.starts_with(&real_dir) {
        return Err(InputError::NotAFile {
            path: p,
            what: format!(
                "is a symbolic link to {}, outside the price directory {}: refused",
                real.display(),
                dir.display()
            ),
        });
    }
    check_regular_file(&p)?;
    Ok(Some(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_by_extension() {
        assert_eq!(Format::of(Path::new("a/b.CSV")), Format::Csv);
        assert_eq!(Format::of(Path::new("b.parquet")), Format::Parquet);
        assert_eq!(Format::of(Path::new("b.xlsx")), Format::Xlsx);
        assert_eq!(Format::of(Path::new("b")), Format::Csv);
    }

    #[test]
    fn special_files_are_named() {
        let d = tempfile::tempdir().expect("tmp");
        let e = check_regular_file(d.path()).unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        let e = check_regular_file(Path::new("/dev/zero"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("/dev/zero: cannot read: is a character device"),
            "{e}"
        );
        #[cfg(unix)]
        {
            let a = d.path().join("a");
            let b = d.path().join("b");
            std::os::unix::fs::symlink(&b, &a).expect("link");
            std::os::unix::fs::symlink(&a, &b).expect("link");
            let e = check_regular_file(&a).unwrap_err().to_string();
            assert!(e.contains("symbolic link loop"), "{e}");
            let c = d.path().join("c");
            std::os::unix::fs::symlink(d.path().join("nowhere"), &c).expect("link");
            let e = check_regular_file(&c).unwrap_err().to_string();
            assert!(e.contains("which does not exist"), "{e}");
        }
    }

    #[test]
    fn magic_bytes() {
        let d = tempfile::tempdir().expect("tmp");
        let p = d.path().join("x.csv");
        std::fs::write(&p, b"date,close\n\0\0\0").expect("write");
        let e = check_magic(&p, Format::Csv).unwrap_err().to_string();
        assert!(e.contains("binary data") && e.contains("offset 11"), "{e}");
        let e = check_magic(&p, Format::Parquet).unwrap_err().to_string();
        assert!(e.contains("not a Parquet file"), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn links_out_of_the_directory_are_refused() {
        let d = tempfile::tempdir().expect("tmp");
        let prices = d.path().join("prices");
        std::fs::create_dir(&prices).expect("mkdir");
        std::fs::write(d.path().join("secret.csv"), "x").expect("write");
        std::fs::write(prices.join("A.csv"), "x").expect("write");
        std::os::unix::fs::symlink(d.path().join("secret.csv"), prices.join("S.csv"))
            .expect("link");
        std::os::unix::fs::symlink(prices.join("A.csv"), prices.join("B.csv")).expect("link");
        assert!(file_in_dir(&prices, "A.csv").expect("ok").is_some());
        assert!(file_in_dir(&prices, "B.csv").expect("inside").is_some());
        assert!(file_in_dir(&prices, "Z.csv").expect("none").is_none());
        let e = file_in_dir(&prices, "S.csv").unwrap_err().to_string();
        assert!(e.contains("outside the price directory"), "{e}");
    }
}
