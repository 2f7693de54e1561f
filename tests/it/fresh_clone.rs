//! The README's first command on a fresh clone (issue 14, item 1): the reference study runs
//! on the sample shipped in `data/reference/entity-list-2019` with nothing beside the
//! repository, and its tables equal byte for byte those of the same study on the shared data.

use std::path::Path;
use std::process::Command;

use crate::common::*;

/// Copies a directory tree (regular files only).
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read_dir") {
        let e = e.expect("entry");
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if e.file_type().expect("type").is_dir() {
            copy_tree(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).expect("copy");
        }
    }
}

#[test]
fn reference_study_runs_on_a_fresh_clone_with_the_shared_numbers() {
    let tmp = tempfile::tempdir().expect("tempdir");
    // A clone: the repository's data/ folder alone, no ../shared beside it.
    let clone = tmp.path().join("clone");
    copy_tree(&repo().join("data"), &clone.join("data"));
    assert!(!tmp.path().join("shared").exists());
    let fresh = tmp.path().join("fresh");
    let o = Command::new(env!("CARGO_BIN_EXE_evimpact"))
        .args(["run", "data/studies/entity-list-2019.toml", "--out"])
        .arg(&fresh)
        .arg("--quiet")
        .current_dir(&clone)
        .env_remove("EVIMPACT_DATA")
        .output()
        .expect("runs");
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["report.md", "report.html", "charts/car.png"] {
        assert!(fresh.join(f).is_file(), "{f}");
    }
    // The same study on the shared data directory.
    let shared = tmp.path().join("shared-run");
    let o = evimpact(&[
        "run",
        "data/studies/entity-list-2019.toml",
        "--data",
        data_dir().to_str().expect("utf8"),
        "--out",
        shared.to_str().expect("utf8"),
        "--quiet",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut compared = 0;
    for e in std::fs::read_dir(&fresh).expect("outputs") {
        let name = e.expect("entry").file_name();
        let name = name.to_str().expect("utf8");
        if !(name.ends_with(".csv") || name.ends_with(".parquet")) {
            continue;
        }
        assert_eq!(
            std::fs::read(fresh.join(name)).expect("fresh"),
            std::fs::read(shared.join(name)).unwrap_or_default(),
            "{name} differs between the shipped sample and the shared data"
        );
        compared += 1;
    }
    assert!(compared >= 10, "{compared} tables compared");
    // The shipped sample was used: summary.json names its files.
    let summary = std::fs::read_to_string(fresh.join("summary.json")).expect("summary");
    assert!(summary.contains("reference/entity-list-2019"), "{summary}");
}
