//! The house's floor plan: every module imports only modules below it in the pipeline, and
//! a few imports are forbidden outright (loaders import nothing but errors; outputs, charts
//! and the report never import the runner or the fetchers). Reads every `crate::` path in
//! `src/` (imports and inline paths, not comments).

use std::path::Path;

use crate::common::repo;

/// Layers from the ground up; a module may use modules of lower layers (and its own).
const LAYERS: &[&[&str]] = &[
    &["error", "synth", "text", "columns"],
    &["fsio", "progress", "memory", "window", "stats"],
    &["data"],
    &["align", "returns", "model"],
    &["abnormal"],
    &["study"],
    &["fetch"],
    &["outcome"],
    &["second_stage"],
    &["pipeline"],
    &["output"],
    &["chart"],
    &["report"],
    &["simulate"],
    &["cli"],
    // Test-only (compiled under cfg(test)): its fixtures use any layer; the library may
    // never import it.
    &["testutil"],
];

/// (from, to): imports forbidden even where the layers allow them.
const FORBIDDEN: &[(&str, &str)] = &[
    ("data", "fsio"),
    ("data", "progress"),
    ("data", "synth"),
    ("data", "window"),
    ("data", "stats"),
    ("output", "pipeline"),
    ("output", "fetch"),
    ("chart", "pipeline"),
    ("chart", "fetch"),
    ("report", "pipeline"),
    ("report", "fetch"),
];

fn layer(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a file belongs to: `src/stats/mod.rs` → `stats`.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (!matches!(name.as_str(), "lib" | "main")).then_some(name)
}

/// Every top-level module a source text names through `crate::` (also `crate::{a, b}`), and
/// through `super::` when the file is a folder's `mod.rs` (whose parent is the crate).
/// Comment lines are ignored, and so is test code (from a top-level `#[cfg(test)]` on):
/// a test may build its fixtures with any layer; the library may not.
fn references(text: &str, is_mod_rs: bool) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let code = code.split(" //").next().unwrap_or(code);
        let mut prefixes = vec!["crate::"];
        if is_mod_rs {
            prefixes.push("super::");
        }
        for prefix in prefixes {
            let mut rest = code;
            while let Some(i) = rest.find(prefix) {
                // Not part of a longer identifier (e.g. `evimpact_crate::`).
                let before = rest[..i].chars().last();
                rest = &rest[i + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                if let Some(group) = rest.strip_prefix('{') {
                    let inner = group.split('}').next().unwrap_or("");
                    for item in inner.split(',') {
                        let name: String = item
                            .trim()
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .collect();
                        if !name.is_empty() {
                            out.push((n + 1, name));
                        }
                    }
                } else {
                    let name: String = rest
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    if !name.is_empty() {
                        out.push((n + 1, name));
                    }
                }
            }
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("readable src") {
        let p = e.expect("entry").path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every violation in the source tree under `src`, as `file:line: from → to (why)`.
fn violations(src: &Path) -> Vec<String> {
    let mut files = Vec::new();
    walk(src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f.strip_prefix(src).expect("under src");
        let Some(from) = module_of(rel) else { continue };
        // Files that are test modules as a whole (`#[cfg(test)] mod tests;`).
        if rel
            .file_name()
            .is_some_and(|n| n == "tests.rs" || n == "kind_tests.rs")
        {
            continue;
        }
        let text = std::fs::read_to_string(&f).expect("readable");
        let is_mod_rs = rel.components().count() == 2 && rel.ends_with("mod.rs");
        let Some(lf) = layer(&from) else {
            out.push(format!(
                "{}: module `{from}` has no layer in tests/it/architecture.rs",
                rel.display()
            ));
            continue;
        };
        for (line, to) in references(&text, is_mod_rs) {
            if to == from || to == "self" || to == "super" {
                continue;
            }
            let Some(lt) = layer(&to) else {
                // Not a top-level module (a macro or an item re-exported at the root).
                continue;
            };
            let why = if lt > lf {
                Some("points up the pipeline")
            } else if lt == lf {
                Some("same layer")
            } else if FORBIDDEN.contains(&(from.as_str(), to.as_str()))
                || (from == "data" && to != "error")
            {
                Some("forbidden")
            } else {
                None
            };
            if let Some(why) = why {
                out.push(format!(
                    "src/{}:{line}: {from} → {to} ({why})",
                    rel.display()
                ));
            }
        }
    }
    out
}

#[test]
fn every_import_points_down_the_pipeline() {
    let v = violations(&repo().join("src"));
    assert!(
        v.is_empty(),
        "{} forbidden import(s):\n{}",
        v.len(),
        v.join("\n")
    );
}

/// lib.rs lists the modules in pipeline order for the reader; that order differs from the
/// import layers only where a lower layer serves everyone (`stats` holds the distributions
/// that the per-event analysis uses for its p-values). Every module has exactly one layer.
#[test]
fn every_module_of_lib_rs_has_one_layer() {
    let lib = std::fs::read_to_string(repo().join("src/lib.rs")).expect("lib.rs");
    let mut listed: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|l| l.split(';').next().unwrap_or("").trim())
        .collect();
    listed.sort_unstable();
    let mut layered: Vec<&str> = LAYERS.iter().flat_map(|l| l.iter().copied()).collect();
    layered.sort_unstable();
    assert_eq!(listed, layered);
}

/// The checker itself: an upward import, a loader importing a non-error module, an output
/// importing the runner, and a grouped `use crate::{..}` are all caught.
#[test]
fn the_checker_catches_forbidden_imports() {
    let dir = tempfile::tempdir().expect("tempdir");
    let src = dir.path();
    std::fs::create_dir_all(src.join("stats")).expect("mkdir");
    std::fs::create_dir_all(src.join("data")).expect("mkdir");
    std::fs::write(
        src.join("stats/mod.rs"),
        "use crate::cli::run;\n// use crate::report;\n",
    )
    .expect("write");
    std::fs::write(
        src.join("data/prices.rs"),
        "use crate::{error::InputError, window::Window};\n",
    )
    .expect("write");
    std::fs::write(
        src.join("output.rs"),
        "fn f() { crate::pipeline::run_study(); }\n",
    )
    .expect("write");
    std::fs::write(src.join("report.rs"), "use crate::outcome::Outcome;\n").expect("write");
    let v = violations(src);
    assert_eq!(v.len(), 3, "{v:#?}");
    assert!(v[0].contains("data → window (forbidden)"), "{}", v[0]);
    assert!(v[1].contains("output → pipeline (forbidden)"), "{}", v[1]);
    assert!(
        v[2].contains("stats → cli (points up the pipeline)"),
        "{}",
        v[2]
    );
}
