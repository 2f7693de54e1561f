//! The request cache: one body per request under `<cache>/<source>/`, each with a provenance
//! sidecar `<body>.provenance.json` ([`RequestRecord`]: URL, time fetched, HTTP status,
//! SHA-256, source).
//!
//! Every file is written atomically: the bytes go to a temporary file in the same directory
//! (`.<name>.tmp-<pid>-<n>`), are synced, then renamed over the final name. A process killed
//! before the rename leaves only a temporary file, which is never read. A body is read back
//! only if its sidecar exists and the body's SHA-256 matches the sidecar's, so a kill between
//! the body's rename and the sidecar's rename is also detected (the entry is fetched again).

use std::path::{Path, PathBuf};

use super::{RequestRecord, provenance_path, sha256_hex};
use crate::fsio::write_atomically as write_atomic;

/// A body to store, with its record.
#[derive(Debug, Clone)]
pub struct Entry {
    pub path: PathBuf,
    pub body: Vec<u8>,
    pub record: RequestRecord,
}

/// The cache directory.
#[derive(Debug, Clone)]
pub struct Cache {
    root: PathBuf,
}

impl Cache {
    pub fn new(root: &Path) -> Cache {
        Cache {
            root: root.to_path_buf(),
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the body of `url` lives: `<root>/<source>/<what>-<sha256(url)[..16]>.<ext>`.
    pub fn path_for(&self, source: &str, what: &str, url: &str, ext: &str) -> PathBuf {
        let safe: String = what.chars().map(super::file_char).take(60).collect();
        let h = sha256_hex(url.as_bytes());
        self.root
            .join(source)
            .join(format!("{}-{}.{ext}", safe.trim_matches('_'), &h[..16]))
    }

    /// The cached body and its record, if both are present and the hash matches.
    pub fn read(&self, path: &Path) -> Option<(Vec<u8>, RequestRecord)> {
        let body = std::fs::read(path).ok()?;
        let side = std::fs::read(provenance_path(path)).ok()?;
        let rec: RequestRecord = serde_json::from_slice(&side).ok()?;
        (rec.sha256 == sha256_hex(&body) && rec.bytes == body.len()).then_some((body, rec))
    }

    /// Stores a body, then its sidecar, each atomically.
    ///
    /// # Errors
    /// The file system.
    pub fn write(&self, e: &Entry) -> std::io::Result<()> {
        if let Some(dir) = e.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let side = serde_json::to_vec_pretty(&e.record).map_err(std::io::Error::other)?;
        write_atomic(&e.path, &e.body)?;
        write_atomic(&provenance_path(&e.path), &side)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: &[u8]) -> RequestRecord {
        RequestRecord {
            source: "test".into(),
            url: "http://127.0.0.1/x".into(),
            fetched_at: "2019-10-07T00:00:00Z".into(),
            http_status: 200,
            sha256: sha256_hex(body),
            bytes: body.len(),
            attempts: 1,
            cache_file: String::new(),
            from_cache: false,
        }
    }

    #[test]
    fn a_kill_between_write_and_rename_keeps_the_old_entry() {
        let dir = tempfile::tempdir().expect("tempdir");
        let c = Cache::new(dir.path());
        let p = c.path_for("test", "QCOM", "http://127.0.0.1/x", "json");
        let old = b"{\"old\":1}".to_vec();
        c.write(&Entry {
            path: p.clone(),
            body: old.clone(),
            record: record(&old),
        })
        .expect("write");
        // The new body is written but the process dies before the rename.
        let staged = crate::fsio::stage(&p, b"{\"new\":").expect("stage");
        assert!(staged.tmp.exists());
        std::mem::forget(staged);
        assert_eq!(c.read(&p).expect("old entry").0, old);
        // The body renamed but not the sidecar: the hash no longer matches, nothing is read.
        std::fs::write(&p, b"{\"new\":2}").expect("write");
        assert!(c.read(&p).is_none());
        // No sidecar at all: nothing is read.
        std::fs::remove_file(provenance_path(&p)).expect("rm");
        assert!(c.read(&p).is_none());
    }

    #[test]
    fn cache_names_are_readable_and_distinct() {
        let c = Cache::new(Path::new("/c"));
        let a = c.path_for("yahoo", "^GSPC", "http://a", "json");
        let b = c.path_for("yahoo", "^GSPC", "http://b", "json");
        assert_ne!(a, b);
        assert!(a.starts_with("/c/yahoo"));
        assert!(
            a.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("GSPC-") && n.ends_with(".json"))
        );
    }
}
