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
    use sha2::{Digest, Sha256};
    use std::io::Read;
    // Streamed: a large input is hashed in bounded memory.
    let (mut f, _) = super::input::open_regular(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match f.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => h.update(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(InputError::io(path, e)),
        }
    }
    Ok(format!("{:x}", h.finalize()))
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
