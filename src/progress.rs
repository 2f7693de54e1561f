//! Progress of long library loops, reported to whoever asks: the command line draws a bar
//! (`cli::progress`), tests and quiet runs use [`NoProgress`]. The library never prints,
//! but for the benchmark hook [`phase_times_on`] (each table's and chart's time on standard
//! error).

/// A sink for progress: `start` once with the number of steps, `tick` after each step (with
/// an optional message such as the symbol just fetched), `finish` at the end.
pub trait Progress: Sync {
    fn start(&self, _len: u64) {}
    fn tick(&self, _message: &str) {}
    /// The loop's step is over and `name` (e.g. "statistics") runs; the count stays.
    fn phase(&self, _name: &str) {}
    fn finish(&self) {}
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// Whether the environment has `EVIMPACT_PHASE_TIMES=1`: phase, step, test, table and
/// chart times on standard error (benchmarks).
pub fn phase_times_on() -> bool {
    std::env::var_os("EVIMPACT_PHASE_TIMES").is_some_and(|v| v == "1")
}

/// " (peak RSS so far M MiB)": the process's peak resident set (VmHWM in
/// `/proc/self/status`); empty where that does not exist. For the [`phase_times_on`] lines.
pub fn peak_note() -> String {
    let kib = || -> Option<u64> {
        let s = std::fs::read_to_string("/proc/self/status").ok()?;
        let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    kib().map_or_else(String::new, |k| {
        format!(" (peak RSS so far {} MiB)", k / 1024)
    })
}
