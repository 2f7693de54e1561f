//! Writing to the file system: every file written atomically ([`write_atomically`], or
//! [`Staged`] for writers that need a path), and the output directory, replaced all at once
//! and only when evimpact wrote what it replaces.
//!
//! A run writes into a staging directory beside `--out` and renames it into place, so that a
//! failed run leaves the previous output (or none), never a partial one. Before anything is
//! computed, [`check_output_dir`] decides whether the target may be replaced:
//!
//! - a missing or empty directory: yes;
//! - a previous evimpact output: yes, when its `summary.json` names evimpact as the tool and
//!   every entry of the directory is one that the run listed in `summary.json`'s `outputs`
//!   (so a `thesis.tex` dropped into an old output directory is never deleted);
//! - anything else: no (exit 2, naming the directory and `--force`); with `--force` the old
//!   directory is kept beside the new one as `<DIR>.replaced-<time>`, never deleted;
//! - never, not even with `--force`: the file-system root, the working directory or one of
//!   its ancestors, the home directory, a folder that holds (or is) one of the run's inputs,
//!   an existing file, or a symbolic link.

use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use anyhow::Context;

use crate::error::InputError;

/// The name of the file that marks a directory as evimpact's output.
pub const SUMMARY: &str = "summary.json";

/// Names that evimpact wrote into an output directory before `summary.json` listed its
/// outputs: tables, charts, reports. Used only for directories whose `summary.json` names
/// evimpact but has no `outputs` list.
fn legacy_output_name(name: &str) -> bool {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    matches!(ext, "csv" | "parquet" | "png") || matches!(name, "report.md" | "report.html")
}

/// What to do with `--out` once the run has its outputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutPlan {
    /// Nothing there (or an empty directory): create it.
    Create,
    /// A previous evimpact output: replace it.
    ReplaceOwn,
    /// A directory evimpact did not write, replaced under `--force`: the old one is moved to
    /// this path beside it.
    KeepAside(PathBuf),
}

/// `p` made absolute and free of `.` and `..` (removed lexically), with symbolic links
/// resolved in its folders but not in its last component, so that a link given as `--out`
/// is seen as a link.
pub fn absolute(p: &Path) -> std::io::Result<PathBuf> {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir()?.join(p)
    };
    let mut lexical = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                lexical.pop();
            }
            Component::CurDir => {}
            other => lexical.push(other.as_os_str()),
        }
    }
    let (Some(name), Some(parent)) = (lexical.file_name(), lexical.parent()) else {
        return Ok(lexical);
    };
    // Canonicalize the longest existing prefix of the parent; append the rest.
    let mut rest = vec![name.to_os_string()];
    let mut base = parent.to_path_buf();
    while std::fs::symlink_metadata(&base).is_err() {
        match (base.file_name(), base.parent()) {
            (Some(n), Some(up)) => {
                rest.push(n.to_os_string());
                base = up.to_path_buf();
            }
            _ => break,
        }
    }
    let mut out = std::fs::canonicalize(&base).unwrap_or(base);
    for n in rest.into_iter().rev() {
        out.push(n);
    }
    Ok(out)
}

/// `a` is `b` or one of its ancestors.
fn is_ancestor_or_same(a: &Path, b: &Path) -> bool {
    b.starts_with(a)
}

fn refuse(out: &Path, why: impl std::fmt::Display) -> InputError {
    InputError::Usage(format!("--out {}: {why}", out.display()))
}

/// The entries of an evimpact output directory that evimpact did not write; `None` when the
/// directory is not an evimpact output at all.
fn foreign_entries(dir: &Path) -> std::io::Result<Option<Vec<String>>> {
    let summary = dir.join(SUMMARY);
    let listed: Option<Vec<String>> = match std::fs::read(&summary) {
        Ok(bytes) => match serde_json::from_slice::<serde_json::Value>(&bytes) {
            Ok(v) if v["tool"]["name"] == "evimpact" => Some(
                v["outputs"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            _ => None,
        },
        Err(_) => None,
    };
    let Some(listed) = listed else {
        return Ok(None);
    };
    let legacy = listed.is_empty();
    let mut foreign = Vec::new();
    for e in std::fs::read_dir(dir)? {
        let e = e?;
        let name = e.file_name().to_string_lossy().into_owned();
        let ft = e.file_type()?;
        let ours = if ft.is_file() {
            name == SUMMARY || listed.contains(&name) || (legacy && legacy_output_name(&name))
        } else if ft.is_dir() {
            // A folder of outputs: ours when every file in it was listed.
            let inner = list_files(&e.path())?;
            !inner.is_empty()
                && inner
                    .iter()
                    .all(|f| listed.iter().any(|l| *l == format!("{name}/{f}")))
        } else {
            false
        };
        if !ours {
            foreign.push(name);
        }
    }
    foreign.sort();
    Ok(Some(foreign))
}

/// Decides whether `out` may receive a run's outputs (see the module documentation).
/// `inputs` are the run's input files and folders (study file, events, prices, markets, ...).
///
/// # Errors
/// A usage error (exit 2) naming the directory and why it is refused.
pub fn check_output_dir(
    out: &Path,
    inputs: &[PathBuf],
    force: bool,
) -> Result<OutPlan, InputError> {
    let abs = absolute(out).map_err(|e| InputError::io(out, e))?;
    if abs.parent().is_none() {
        return Err(refuse(out, "refusing to write into the file-system root"));
    }
    if let Ok(cwd) = std::env::current_dir().and_then(std::fs::canonicalize)
        && is_ancestor_or_same(&abs, &cwd)
    {
        return Err(refuse(
            out,
            format!(
                "refusing to replace {}: it is the working directory or one of its parents; give a new folder such as out/NAME",
                abs.display()
            ),
        ));
    }
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Ok(home) = std::fs::canonicalize(home)
        && is_ancestor_or_same(&abs, &home)
    {
        return Err(refuse(
            out,
            format!(
                "refusing to replace {}: it holds the home directory",
                abs.display()
            ),
        ));
    }
    for input in inputs {
        let Ok(inp) = absolute(input) else { continue };
        let folder = if inp.is_dir() {
            inp.clone()
        } else {
            inp.parent().map(Path::to_path_buf).unwrap_or(inp.clone())
        };
        if is_ancestor_or_same(&abs, &folder) {
            return Err(refuse(
                out,
                format!(
                    "refusing to replace {}: it holds the input {}; write the outputs to another folder",
                    abs.display(),
                    input.display()
                ),
            ));
        }
    }
    let meta = match std::fs::symlink_metadata(&abs) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(OutPlan::Create),
        Err(e) => return Err(InputError::io(out, e)),
    };
    if meta.file_type().is_symlink() {
        return Err(refuse(
            out,
            format!(
                "{} is a symbolic link; give the directory it points to, or a new folder",
                abs.display()
            ),
        ));
    }
    if !meta.is_dir() {
        return Err(refuse(
            out,
            format!(
                "{} exists and is not a directory; nothing was written or moved",
                abs.display()
            ),
        ));
    }
    let mut entries = std::fs::read_dir(&abs).map_err(|e| InputError::io(out, e))?;
    if entries.next().is_none() {
        return Ok(OutPlan::Create);
    }
    let foreign = foreign_entries(&abs).map_err(|e| InputError::io(out, e))?;
    let why = match &foreign {
        Some(f) if f.is_empty() => return Ok(OutPlan::ReplaceOwn),
        Some(f) => format!(
            "{} is a previous evimpact output but also holds {} evimpact did not write ({})",
            abs.display(),
            if f.len() == 1 { "a file" } else { "files" },
            list(f)
        ),
        None => format!(
            "{} is not empty and is not an evimpact output (no {SUMMARY} written by evimpact)",
            abs.display()
        ),
    };
    if force {
        return Ok(OutPlan::KeepAside(aside_name(&abs)));
    }
    Err(refuse(
        out,
        format!(
            "refusing to replace it: {why}; choose another --out, or pass --force to replace it (the old directory is then kept as {}.replaced-<time>)",
            abs.display()
        ),
    ))
}

fn list(names: &[String]) -> String {
    const SHOWN: usize = 3;
    let mut s = names
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        s.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    s
}

/// `<dir>.replaced-<UTC time>`, with a counter when that exists too.
fn aside_name(dir: &Path) -> PathBuf {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    let base = format!("{}.replaced-{stamp}", dir.display());
    let mut p = PathBuf::from(&base);
    let mut k = 1;
    while std::fs::symlink_metadata(&p).is_ok() {
        k += 1;
        p = PathBuf::from(format!("{base}-{k}"));
    }
    p
}

/// Every file under `dir`, as paths relative to it with `/` separators, sorted.
fn list_files(dir: &Path) -> std::io::Result<Vec<String>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in std::fs::read_dir(dir)? {
            let e = e?;
            let p = e.path();
            if e.file_type()?.is_dir() {
                walk(root, &p, out)?;
            } else {
                let rel = p.strip_prefix(root).expect("under root");
                out.push(
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/"),
                );
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(dir, dir, &mut out)?;
    out.sort();
    Ok(out)
}

/// Records in `dir/summary.json` (created if absent) that evimpact wrote every file now in
/// `dir`: the `outputs` list that [`check_output_dir`] reads before replacing the directory.
///
/// # Errors
/// An unreadable directory or summary.
pub fn record_outputs(dir: &Path) -> anyhow::Result<()> {
    let p = dir.join(SUMMARY);
    let mut v: serde_json::Value = match std::fs::read(&p) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("reading {}", p.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({
            "tool": {"name": "evimpact", "version": env!("CARGO_PKG_VERSION")}
        }),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", p.display()))),
    };
    let mut files = list_files(dir).with_context(|| format!("listing {}", dir.display()))?;
    if !files.iter().any(|f| f == SUMMARY) {
        files.push(SUMMARY.into());
        files.sort();
    }
    v["outputs"] = serde_json::json!(files);
    let bytes = serde_json::to_vec_pretty(&v)?;
    std::fs::write(&p, bytes).with_context(|| format!("writing {}", p.display()))?;
    Ok(())
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A file written to its temporary name beside its target, not yet renamed into place.
#[derive(Debug)]
pub struct Staged {
    pub tmp: PathBuf,
    pub target: PathBuf,
}

impl Staged {
    /// A temporary name beside `target` (`.<name>.tmp-<pid>-<n><suffix>`; the suffix keeps an
    /// extension that a writer reads, such as `.png`), unique within the process. Creates
    /// the folder if needed; writes nothing.
    ///
    /// # Errors
    /// The folder cannot be created.
    pub fn beside(target: &Path, suffix: &str) -> std::io::Result<Staged> {
        let dir = target
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let tmp = dir.join(format!(
            ".{name}.tmp-{}-{}{suffix}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        Ok(Staged {
            tmp,
            target: target.to_path_buf(),
        })
    }

    /// Renames the temporary file over the target (atomic on the same file system).
    ///
    /// # Errors
    /// The rename fails (the temporary file is then removed).
    pub fn commit(self) -> std::io::Result<()> {
        // Test hook: die like a killed process between the write and the rename of a file
        // whose name contains the variable's value ("1" or empty: any file).
        if let Some(v) = std::env::var_os("EVIMPACT_FETCH_ABORT_BEFORE_RENAME") {
            let v = v.to_string_lossy();
            let name = self
                .target
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            if v.is_empty() || v == "1" || name.is_some_and(|n| n.contains(v.as_ref())) {
                std::process::abort();
            }
        }
        std::fs::rename(&self.tmp, &self.target).inspect_err(|_| {
            let _ = std::fs::remove_file(&self.tmp);
        })
    }

    /// Removes the temporary file (after a failed write).
    pub fn discard(self) {
        let _ = std::fs::remove_file(&self.tmp);
    }
}

/// Writes `bytes` to a temporary file beside `target` and syncs it; [`Staged::commit`]
/// renames it into place. Dropping the [`Staged`] without committing is what a kill between
/// write and rename leaves behind.
///
/// # Errors
/// The file system.
pub fn stage(target: &Path, bytes: &[u8]) -> std::io::Result<Staged> {
    let staged = Staged::beside(target, "")?;
    let mut f = std::fs::File::create(&staged.tmp)?;
    let r = f.write_all(bytes).and_then(|_| f.sync_all());
    if let Err(e) = r {
        staged.discard();
        return Err(e);
    }
    Ok(staged)
}

/// Writes a file atomically: temporary file, sync, rename.
///
/// # Errors
/// The file system.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    stage(target, bytes)?.commit()
}

/// Writes all outputs through `fill` into a staging directory next to `out`, records them in
/// `summary.json`, then swaps the staging directory into place as `plan` (from
/// [`check_output_dir`]) says: a failed run leaves the previous output (or none), never a
/// partial one.
///
/// # Errors
/// `fill`'s error, or a failure to create, rename or remove a directory.
pub fn replace_dir(
    out: &Path,
    plan: &OutPlan,
    fill: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<PathBuf> {
    let parent = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = out
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging).with_context(|| format!("creating {}", staging.display()))?;
    if let Err(e) = fill(&staging).and_then(|_| record_outputs(&staging)) {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    // Where the previous directory goes while the new one moves in.
    let old = match plan {
        OutPlan::KeepAside(p) => Some(p.clone()),
        OutPlan::ReplaceOwn => Some(parent.join(format!(".{name}.old-{}", std::process::id()))),
        OutPlan::Create => None,
    };
    let moved_aside = match &old {
        Some(old) if out.exists() => {
            std::fs::rename(out, old)
                .with_context(|| format!("moving the previous {} aside", out.display()))?;
            true
        }
        _ => {
            // An empty directory (Create) is removed so that the rename can take its place.
            if out.is_dir() {
                std::fs::remove_dir(out)
                    .with_context(|| format!("replacing the empty directory {}", out.display()))?;
            }
            false
        }
    };
    if let Err(e) = std::fs::rename(&staging, out) {
        if let (true, Some(old)) = (moved_aside, &old) {
            let _ = std::fs::rename(old, out);
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(anyhow::Error::new(e).context(format!("moving outputs into {}", out.display())));
    }
    if moved_aside
        && *plan == OutPlan::ReplaceOwn
        && let Some(old) = &old
    {
        std::fs::remove_dir_all(old)
            .with_context(|| format!("removing the previous output {}", old.display()))?;
    }
    Ok(out.to_path_buf())
}

/// A study name made safe as one folder name: characters other than letters, digits, `.`,
/// `_` and `-` become `_`; an empty name, `.` and `..` become `study`.
pub fn folder_name(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if s.is_empty() || s.chars().all(|c| c == '.') {
        "study".into()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_names_never_nest() {
        assert_eq!(folder_name("entity-list-2019"), "entity-list-2019");
        assert_eq!(folder_name("../../etc"), ".._.._etc");
        assert_eq!(folder_name("a/b\\c d"), "a_b_c_d");
        assert_eq!(folder_name(".."), "study");
        assert_eq!(folder_name(""), "study");
        assert!(!folder_name("/abs/x").contains('/'));
    }

    #[test]
    fn absolute_resolves_dots_in_missing_parts() {
        let d = tempfile::tempdir().expect("tempdir");
        let root = std::fs::canonicalize(d.path()).expect("canonical");
        assert_eq!(
            absolute(&d.path().join("a/./b/../c")).expect("absolute"),
            root.join("a/c")
        );
        assert_eq!(absolute(&d.path().join("x/..")).expect("absolute"), root);
    }

    fn write(p: &Path, s: &str) {
        std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        std::fs::write(p, s).expect("write");
    }

    #[test]
    fn foreign_files_block_replacement_unless_forced() {
        let d = tempfile::tempdir().expect("tempdir");
        let out = d.path().join("thesis");
        write(&out.join("thesis.tex"), "\\documentclass{article}");
        let e = check_output_dir(&out, &[], false).unwrap_err().to_string();
        assert!(
            e.contains("not an evimpact output") && e.contains("--force"),
            "{e}"
        );
        match check_output_dir(&out, &[], true).expect("forced") {
            OutPlan::KeepAside(p) => assert!(p.to_string_lossy().contains(".replaced-")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn own_output_is_replaced_and_a_stray_file_in_it_is_kept() {
        let d = tempfile::tempdir().expect("tempdir");
        let out = d.path().join("run");
        replace_dir(&out, &OutPlan::Create, |dir| {
            std::fs::write(dir.join("car.csv"), "a\n")?;
            Ok(())
        })
        .expect("first run");
        let v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join(SUMMARY)).expect("summary"))
                .expect("json");
        assert_eq!(v["outputs"], serde_json::json!(["car.csv", "summary.json"]));
        assert_eq!(
            check_output_dir(&out, &[], false).expect("own"),
            OutPlan::ReplaceOwn
        );
        write(&out.join("notes.txt"), "mine");
        let e = check_output_dir(&out, &[], false).unwrap_err().to_string();
        assert!(e.contains("notes.txt"), "{e}");
    }

    #[test]
    fn inputs_files_and_links_are_refused_even_with_force() {
        let d = tempfile::tempdir().expect("tempdir");
        let study = d.path().join("studies/s.toml");
        write(&study, "name = \"s\"");
        let e = check_output_dir(d.path(), std::slice::from_ref(&study), true).unwrap_err();
        assert!(e.to_string().contains("holds the input"), "{e}");
        let e = check_output_dir(
            &d.path().join("studies"),
            std::slice::from_ref(&study),
            true,
        )
        .unwrap_err();
        assert!(e.to_string().contains("holds the input"), "{e}");
        let e = check_output_dir(&study, &[], true).unwrap_err();
        assert!(e.to_string().contains("is not a directory"), "{e}");
        let e = check_output_dir(Path::new("/"), &[], true).unwrap_err();
        assert!(e.to_string().contains("root"), "{e}");
        let e = check_output_dir(Path::new("."), &[], true).unwrap_err();
        assert!(e.to_string().contains("working directory"), "{e}");
        #[cfg(unix)]
        {
            let link = d.path().join("link");
            std::os::unix::fs::symlink(d.path().join("studies"), &link).expect("symlink");
            let e = check_output_dir(&link, &[], true).unwrap_err();
            assert!(e.to_string().contains("symbolic link"), "{e}");
        }
    }

    #[test]
    fn forced_replacement_keeps_the_old_directory_aside() {
        let d = tempfile::tempdir().expect("tempdir");
        let out = d.path().join("mine");
        write(&out.join("thesis.tex"), "x");
        let plan = check_output_dir(&out, &[], true).expect("forced");
        let OutPlan::KeepAside(aside) = plan.clone() else {
            panic!("{plan:?}")
        };
        replace_dir(&out, &plan, |dir| {
            std::fs::write(dir.join("car.csv"), "a\n")?;
            Ok(())
        })
        .expect("run");
        assert_eq!(
            std::fs::read_to_string(aside.join("thesis.tex")).expect("kept"),
            "x"
        );
        assert!(out.join("car.csv").is_file());
    }
}
