//! End-to-end benchmark of `evimpact run` on synthetic panels (see BENCHMARKS.md).
//!
//! `cargo bench --bench pipeline` builds the release binary, then for each size of the grid
//! generates a panel with `evimpact::synth` into a temporary directory (timed on its own)
//! and runs the binary on it `REPS` times under `/usr/bin/time -f "%e %M"`. It prints one
//! Markdown table row per size: the median wall time and the largest peak RSS.
//!
//! Environment:
//! - `EVIMPACT_BENCH_SIZES=small`: only the smallest size; or a comma-separated list of
//!   `SECURITIESxSESSIONSxEVENTS`, e.g. `200x2520x2000,500x2520x5000`.
//! - `EVIMPACT_BENCH_REPS=N`: repetitions per size (default 3).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use evimpact::synth::{SynthConfig, SynthPaths, generate};

/// (securities, sessions, events), smallest first.
const GRID: [(usize, usize, usize); 3] =
    [(100, 2520, 1000), (300, 2520, 3000), (1000, 2520, 10_000)];
const SEED: u64 = 42;
const TIME: &str = "/usr/bin/time";

struct Measure {
    wall_s: f64,
    rss_kib: Option<u64>,
}

fn main() {
    if let Err(e) = real_main() {
        eprintln!("pipeline bench: {e}");
        std::process::exit(1);
    }
}

fn real_main() -> Result<(), String> {
    let sizes = sizes_from_env()?;
    let reps: usize = match std::env::var("EVIMPACT_BENCH_REPS") {
        Ok(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("EVIMPACT_BENCH_REPS={s}: not a number"))?,
        Err(_) => 3,
    };
    let reps = reps.max(1);
    let bin = env!("CARGO_BIN_EXE_evimpact");
    let use_time = Path::new(TIME).is_file();
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    println!("binary: {bin}");
    println!(
        "threads: {threads}; repetitions: {reps}; timing: {}",
        if use_time {
            "/usr/bin/time (wall, peak RSS)"
        } else {
            "std::time::Instant (no RSS)"
        }
    );
    println!();
    println!(
        "| securities | sessions | events | generate s | run s (median of {reps}) | events/s | peak RSS MiB |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");

    let mut failed = false;
    for (securities, sessions, events) in sizes {
        let cfg = SynthConfig {
            securities,
            sessions,
            events,
            seed: SEED,
            ..SynthConfig::default()
        };
        let tmp = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
        let t0 = Instant::now();
        let paths = generate(&cfg, tmp.path()).map_err(|e| format!("generate {cfg:?}: {e:#}"))?;
        let gen_s = t0.elapsed().as_secs_f64();

        let out = tmp.path().join("out");
        let mut runs = Vec::with_capacity(reps);
        for rep in 0..reps {
            match run_once(bin, &paths, &out, use_time) {
                Ok(m) => runs.push(m),
                Err(e) => {
                    eprintln!(
                        "run {} of {securities}x{sessions}x{events} failed:\n{e}",
                        rep + 1
                    );
                    failed = true;
                    break;
                }
            }
        }
        if runs.len() < reps {
            println!("| {securities} | {sessions} | {events} | {gen_s:.2} | failed | – | – |");
            continue;
        }
        let mut walls: Vec<f64> = runs.iter().map(|m| m.wall_s).collect();
        walls.sort_by(f64::total_cmp);
        let median = walls[walls.len() / 2];
        let rss = runs.iter().filter_map(|m| m.rss_kib).max().map_or_else(
            || "n/a".to_string(),
            |k| format!("{:.0}", k as f64 / 1024.0),
        );
        let rate = if median > 0.0 {
            format!("{:.0}", events as f64 / median)
        } else {
            "–".into()
        };
        println!(
            "| {securities} | {sessions} | {events} | {gen_s:.2} | {median:.2} | {rate} | {rss} |"
        );
    }
    if failed {
        Err("at least one run failed (see above)".into())
    } else {
        Ok(())
    }
}

fn sizes_from_env() -> Result<Vec<(usize, usize, usize)>, String> {
    let Ok(spec) = std::env::var("EVIMPACT_BENCH_SIZES") else {
        return Ok(GRID.to_vec());
    };
    let spec = spec.trim();
    if spec.is_empty() || spec == "all" {
        return Ok(GRID.to_vec());
    }
    if spec == "small" {
        return Ok(GRID[..1].to_vec());
    }
    spec.split(',')
        .map(|s| {
            let parts: Vec<usize> = s
                .trim()
                .split('x')
                .map(|p| p.trim().parse::<usize>())
                .collect::<Result<_, _>>()
                .map_err(|_| {
                    format!(
                        "EVIMPACT_BENCH_SIZES: bad size {s:?} (want SECURITIESxSESSIONSxEVENTS)"
                    )
                })?;
            match parts[..] {
                [a, b, c] => Ok((a, b, c)),
                _ => Err(format!(
                    "EVIMPACT_BENCH_SIZES: bad size {s:?} (want SECURITIESxSESSIONSxEVENTS)"
                )),
            }
        })
        .collect()
}

fn run_once(bin: &str, p: &SynthPaths, out: &Path, use_time: bool) -> Result<Measure, String> {
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("removing {}: {e}", out.display()))?;
    }
    let args: Vec<&std::ffi::OsStr> = vec![
        "run".as_ref(),
        "--events".as_ref(),
        p.events.as_os_str(),
        "--prices".as_ref(),
        p.prices_dir.as_os_str(),
        "--market".as_ref(),
        p.market.as_os_str(),
        "--calendar".as_ref(),
        p.calendar.as_os_str(),
        "--halts".as_ref(),
        p.halts.as_os_str(),
        "--estimation".as_ref(),
        "-260:-11".as_ref(),
        "--window".as_ref(),
        "-10:10".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    let mut cmd = if use_time {
        let mut c = Command::new(TIME);
        c.args(["-f", "%e %M"]).arg(bin);
        c
    } else {
        Command::new(bin)
    };
    cmd.args(&args);
    let t0 = Instant::now();
    let output = cmd.output().map_err(|e| format!("starting {bin}: {e}"))?;
    let elapsed = t0.elapsed().as_secs_f64();
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        let tail: Vec<&str> = stderr.lines().rev().take(40).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(format!(
            "command: {bin} {}\nstatus: {}\nstderr (last lines):\n{}\nstdout: {}",
            args.iter()
                .map(|a| a.to_string_lossy())
                .collect::<Vec<_>>()
                .join(" "),
            output.status,
            tail.join("\n"),
            String::from_utf8_lossy(&output.stdout)
                .lines()
                .take(20)
                .collect::<Vec<_>>()
                .join("\n"),
        ));
    }
    if !use_time {
        return Ok(Measure {
            wall_s: elapsed,
            rss_kib: None,
        });
    }
    let last = stderr
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("");
    let mut it = last.split_whitespace();
    match (
        it.next().and_then(|s| s.parse::<f64>().ok()),
        it.next().and_then(|s| s.parse::<u64>().ok()),
    ) {
        (Some(wall_s), Some(kib)) => Ok(Measure {
            wall_s,
            rss_kib: Some(kib),
        }),
        _ => Ok(Measure {
            wall_s: elapsed,
            rss_kib: None,
        }),
    }
}
