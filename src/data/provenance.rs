//! Where the inputs came from: each input file with its SHA-256, and the provenance sidecar
//! (`<file>.provenance.json`) that `evimpact fetch` writes next to a fetched file.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::InputError;

/// An input file with its SHA-256, for reproducibility.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub role: String,
    pub path: PathBuf,
    pub sha256: String,
    /// A delimited text file's delimiter when it is not a comma (`;`, tab), from its header
    /// line: said on the terminal so a semicolon or tab file is known to be read as such.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delimiter: Option<String>,
}

impl InputFile {
    /// Hashes `path` (streamed) and notes a delimiter other than a comma.
    ///
    /// # Errors
    /// The file cannot be read.
    pub fn read(role: impl Into<String>, path: &Path) -> Result<InputFile, InputError> {
        let (sha256, head) = hash_with_head(path)?;
        Ok(InputFile {
            role: role.into(),
            path: path.to_path_buf(),
            sha256,
            delimiter: text_delimiter(&head),
        })
    }
}

/// The delimiter of a text file's first line when it is `;` or tab; None for a comma, a
/// binary file (Parquet `PAR1`, a zip or `.xlsx` `PK`, a NUL byte) or an empty one.
fn text_delimiter(head: &[u8]) -> Option<String> {
    if head.is_empty() || head.starts_with(b"PAR1") || head.starts_with(b"PK") || head.contains(&0)
    {
        return None;
    }
    match super::delimited::detect_delimiter(head) {
        b';' => Some(";".into()),
        b'\t' => Some("tab".into()),
        _ => None,
    }
}

/// Hex SHA-256 of bytes.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    format!("{:x}", Sha256::digest(bytes))
}

/// SHA-256 of a file, hex.
///
/// # Errors
/// The file cannot be read.
pub fn sha256_file(path: &Path) -> Result<String, InputError> {
    hash_with_head(path).map(|(h, _)| h)
}

/// SHA-256 of a file (streamed: bounded memory) and its first bytes, up to 64 KiB or the
/// first line end.
fn hash_with_head(path: &Path) -> Result<(String, Vec<u8>), InputError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let (mut f, _) = super::input::open_regular(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut head: Vec<u8> = Vec::new();
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                if head.is_empty() {
                    let first = &buf[..n.min(1 << 16)];
                    let end = first
                        .iter()
                        .position(|&b| b == b'\n')
                        .unwrap_or(first.len());
                    head = first[..end].to_vec();
                }
                h.update(&buf[..n]);
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(InputError::io(path, e)),
        }
    }
    Ok((format!("{:x}", h.finalize()), head))
}

/// `<file>.provenance.json`.
pub fn provenance_path(file: &Path) -> PathBuf {
    let mut s = file.as_os_str().to_os_string();
    s.push(".provenance.json");
    PathBuf::from(s)
}

/// `summary.json`'s `inputs`: each input file with, when a `<file>.provenance.json` sidecar
/// sits next to it, that sidecar (`provenance`) and whether its SHA-256 still matches the
/// file (`provenance_matches`).
pub fn inputs_with_provenance(inputs: &[InputFile]) -> serde_json::Value {
    let list = inputs
        .iter()
        .map(|i| {
            let mut v = serde_json::to_value(i).unwrap_or(serde_json::Value::Null);
            let side = provenance_path(&i.path);
            // Only a regular file of bounded size (never a FIFO or device beside an input).
            if let Ok(text) =
                super::input::read_small_text(&side, super::input::MAX_STUDY_FILE_BYTES)
                && let Ok(p) = serde_json::from_str::<serde_json::Value>(&text)
                && let Some(obj) = v.as_object_mut()
            {
                let matches = p.get("sha256").and_then(|s| s.as_str()) == Some(i.sha256.as_str());
                obj.insert(
                    "provenance_matches".into(),
                    serde_json::Value::Bool(matches),
                );
                obj.insert("provenance".into(), p);
            }
            v
        })
        .collect();
    serde_json::Value::Array(list)
}
