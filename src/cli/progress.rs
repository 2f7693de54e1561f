//! The one progress bar: on standard error, only when it is a terminal and the run is not
//! `--quiet`, so that logs and pipes never see control characters.

use std::io::IsTerminal as _;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// An indicatif bar behind the library's [`crate::progress::Progress`].
pub struct Bar {
    bar: ProgressBar,
    template: String,
    /// With `EVIMPACT_PHASE_TIMES=1`: the phase that runs and since when, to print each
    /// phase's wall time when the next starts (benchmarks: load, events, statistics, …).
    timing: Option<std::sync::Mutex<Option<(String, std::time::Instant)>>>,
}

impl Bar {
    /// A bar labelled `what` counting `unit` (e.g. `fetch`, `symbols`), hidden when `wanted`
    /// is false or standard error is not a terminal.
    pub fn new(what: &str, unit: &str, wanted: bool) -> Bar {
        let bar = if wanted && std::io::stderr().is_terminal() {
            ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr())
        } else {
            ProgressBar::hidden()
        };
        let template = format!("{what} [{{bar:30}}] {{pos}}/{{len}} {unit}  {{wide_msg}}");
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style.progress_chars("=> "));
        }
        let timing = PhaseTimer::from_env()
            .on
            .then(|| std::sync::Mutex::new(None));
        Bar {
            bar,
            template,
            timing,
        }
    }

    /// Prints the wall time of the phase that ran (when timing) and starts `next`.
    fn time_phase(&self, next: Option<&str>) {
        let Some(t) = &self.timing else { return };
        let mut cur = t.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some((name, t0)) = cur.take() {
            eprintln!(
                "  step {name}: {:.3} s{}",
                t0.elapsed().as_secs_f64(),
                crate::progress::peak_note()
            );
        }
        *cur = next.map(|n| (n.to_string(), std::time::Instant::now()));
    }
}

impl crate::progress::Progress for Bar {
    fn start(&self, len: u64) {
        if len <= 1 {
            self.bar.set_draw_target(ProgressDrawTarget::hidden());
        }
        self.bar.set_length(len);
        if let Ok(style) = ProgressStyle::with_template(&self.template) {
            self.bar.set_style(style.progress_chars("=> "));
        }
    }

    fn tick(&self, message: &str) {
        if !message.is_empty() {
            self.bar.set_message(message.to_string());
        }
        self.bar.inc(1);
    }

    fn phase(&self, name: &str) {
        self.time_phase(Some(name));
        self.bar.set_message(name.to_string());
    }

    fn finish(&self) {
        self.time_phase(None);
        self.bar.finish_and_clear();
    }
}

impl Bar {
    /// Shows `name` as the phase that runs now (see [`crate::progress::Progress::phase`]).
    pub fn phase(&self, name: &str) {
        crate::progress::Progress::phase(self, name);
    }
}

impl Drop for Bar {
    /// A run that stops early (an error, `--strict`) leaves no bar on the terminal.
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}

/// Wall time per phase of `evimpact run` on standard error, only when the environment has
/// `EVIMPACT_PHASE_TIMES=1` (for benchmarks: what the tables, charts and report cost).
pub struct PhaseTimer {
    on: bool,
}

impl PhaseTimer {
    pub fn from_env() -> PhaseTimer {
        PhaseTimer {
            on: crate::progress::phase_times_on(),
        }
    }

    /// When on, times each test of the battery from now on, for [`PhaseTimer::tests`].
    pub fn time_tests(&self) {
        if self.on {
            crate::stats::battery::time_tests();
        }
    }

    /// When on, prints "  test NAME: S s over N samples" for each test run since
    /// [`PhaseTimer::time_tests`] (seconds summed over the threads that ran samples at once).
    pub fn tests(&self) {
        if !self.on {
            return;
        }
        for (id, secs, calls) in crate::stats::battery::test_times() {
            eprintln!("  test {}: {secs:.3} s over {calls} samples", id.as_str());
        }
    }

    /// Runs `f`, printing "phase NAME: S s (peak RSS so far M MiB)" when on (the peak from
    /// Linux's `/proc/self/status` VmHWM; omitted where that does not exist).
    pub fn phase<T>(&self, name: &str, f: impl FnOnce() -> T) -> T {
        let t0 = std::time::Instant::now();
        let out = f();
        if self.on {
            eprintln!(
                "phase {name}: {:.3} s{}",
                t0.elapsed().as_secs_f64(),
                crate::progress::peak_note()
            );
        }
        out
    }
}
